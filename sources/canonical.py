"""Canonical form of an article URL: one article, one record."""

from urllib.parse import urlsplit, urlunsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonicalize_url(url: str) -> str:
    """Lower-case scheme and host, drop the default port and the fragment.

    `http` and `https` are the same article, so the canonical scheme is always `https`.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if scheme in _DEFAULT_PORTS:
        if port == _DEFAULT_PORTS[scheme]:
            port = None
        scheme = "https"
    netloc = host if port is None else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, parts.query, ""))


def domain_of(url: str) -> str:
    """The registrable host of a URL as a Publisher domain: lower-case, without `www.`."""
    host = (urlsplit(url.strip()).hostname or "").lower()
    return host.removeprefix("www.")
