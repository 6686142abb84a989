"""Canonical form of an article URL: one article, one record.

Two URLs that differ only in ways a reader would not notice give the same canonical URL:

- the scheme and host are lower-cased, and `http` and `https` are the same article, so the
  canonical scheme is always `https`;
- the default port (80 for http, 443 for https) is dropped; any other port is kept;
- the fragment (`#comments`) is dropped, and so are credentials (`user:pass@`);
- tracking parameters (TRACKING_PARAMS and anything starting with TRACKING_PREFIXES, such as
  `utm_source`) are removed, and the remaining query parameters are sorted by name, then value;
- percent-encoding is made uniform and non-ASCII host names become IDNA (w3lib does both).

Trailing slashes: the path is kept as given, except that an empty path becomes "/". A site may
serve different pages at `/news` and `/news/`, so merging them could join two articles into one
record; a duplicate is the lesser harm and an editor can merge it.

The `www.` prefix is kept for the same reason; it is stripped only for the publisher's domain
(`domain_of`).
"""

import re
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url as w3lib_canonicalize_url

_DEFAULT_PORTS = {"http": 80, "https": 443}

# Parameters that say how a reader arrived, not which article they read.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",  # Facebook
        "gclid",  # Google Ads
        "gclsrc",
        "dclid",  # Google Display
        "gbraid",
        "wbraid",
        "msclkid",  # Microsoft Ads
        "yclid",  # Yandex
        "twclid",  # X/Twitter
        "ttclid",  # TikTok
        "li_fat_id",  # LinkedIn
        "igshid",  # Instagram
        "igsh",
        "mc_cid",  # Mailchimp
        "mc_eid",
        "_ga",  # Google Analytics cross-domain
        "_gl",
        "_hsenc",  # HubSpot
        "_hsmi",
        "mkt_tok",  # Marketo
        "oly_anon_id",  # Omeda
        "oly_enc_id",
        "vero_id",
        "ref_src",  # Twitter embeds
        "ref_url",
        "cmpid",
        "ocid",  # Microsoft/MSN
        "smid",  # New York Times share links
        "sr_share",
        "at_medium",  # AT Internet
        "at_campaign",
        "s_cid",  # Adobe
        "ito",
        "wt_mc",  # Webtrends
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "at_", "__hs")


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def _split_http_url(url: str):
    """urlsplit() of an http(s) URL with a host; ValueError naming the problem otherwise."""
    if not isinstance(url, str) or not url.strip():
        raise ValueError("The URL is empty.")
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        shown = f"'{parts.scheme}'" if parts.scheme else "none"
        raise ValueError(f"The URL must start with http:// or https:// (scheme is {shown}).")
    if not parts.hostname:
        raise ValueError("The URL has no host name.")
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when it is read
    except ValueError as error:
        raise ValueError(f"The URL has an invalid port: {error}.") from None
    return parts


def canonicalize_url(url: str) -> str:
    """The canonical form of an http(s) URL (see the module docstring for the rules).

    Raises ValueError with a readable message for anything that is not an http(s) URL with a host.
    """
    parts = _split_http_url(url)
    scheme = parts.scheme.lower()
    host = parts.hostname.rstrip(".")  # urlsplit lower-cases it; "example.com." is the same host
    port = parts.port
    if port == _DEFAULT_PORTS[scheme]:
        port = None
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    netloc = host if port is None else f"{host}:{port}"
    query = urlencode(
        [
            (name, value)
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
            if not _is_tracking(name)
        ]
    )
    rebuilt = urlunsplit(("https", netloc, parts.path or "/", query, ""))
    # w3lib sorts the query, normalises percent-encoding and IDNA-encodes the host.
    return w3lib_canonicalize_url(rebuilt, keep_blank_values=True, keep_fragments=False)


def domain_of(url: str) -> str:
    """The host of a URL as a Publisher domain: lower-case, without `www.` or a trailing dot.

    An archived copy (`web.archive.org/web/<time>/<url>`, archive.today) is the original
    site's: its publisher is whoever published the original, not the archive.
    """
    original, _ = unwrap_archive_url(url.strip())
    host = (urlsplit(original).hostname or "").rstrip(".")
    return host.removeprefix("www.")


# An archived copy names the original inside its own URL:
#   https://web.archive.org/web/20200327123456/https://example.com/a   (also …/web/<ts>id_/…)
#   https://archive.ph/20200327123456/https://example.com/a            (archive.today mirrors)
#   https://archive.today/o/AbCd/https://example.com/a
# A short archive.today link (archive.ph/AbCd) does not name the original, so it stays as is.
_ARCHIVE_HOSTS = frozenset(
    {"web.archive.org", "wayback.archive.org", "archive.org"}
    | {f"archive.{tld}" for tld in ("today", "ph", "is", "li", "md", "vn", "fo")}
)
_ARCHIVED_ORIGINAL = re.compile(r"^/(?:web/)?(?:[0-9*]{1,14}[a-z_]*/|o/[^/]+/|newest/)(.+)$")


def unwrap_archive_url(url: str) -> tuple[str, str]:
    """`(original, archive)`: the URL an archived copy preserves, and the archive link itself.

    Not an archive URL: `(url, "")`. An archive URL that does not name the original (a short
    archive.today link): `(url, url)` — the caller knows it is an archive, not whose page it is.
    A scheme-less original (`…/web/2020/example.com/a`) gets `https://`.
    """
    parts = urlsplit(url.strip()) if isinstance(url, str) else None
    host = (parts.hostname or "").removeprefix("www.") if parts else ""
    if host not in _ARCHIVE_HOSTS:
        return url, ""
    found = _ARCHIVED_ORIGINAL.match(parts.path)
    if not found:
        return url, url
    original = unquote(found.group(1)) if found.group(1).startswith("http%3A") else found.group(1)
    original = re.sub(r"^(https?):/(?!/)", r"\1://", original)  # archives collapse "//"
    if not re.match(r"^https?://", original, re.IGNORECASE):
        original = "https://" + original
    if parts.query:
        original += "?" + parts.query
    return original, url


def is_archive_url(url: str) -> bool:
    """Whether the URL is on a web archive (its host is one of the known archives)."""
    return bool(unwrap_archive_url(url)[1])
