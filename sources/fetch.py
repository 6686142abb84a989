"""Fetching a web page for ingestion, safely: `fetch_url(url) -> Fetched`, or a FetchError.

A URL given to claimtrack must not make it read what only claimtrack can reach (server-side
request forgery): its own admin on localhost, a database's HTTP port, a cloud metadata service
(169.254.169.254), the office network. So, for the first request and for every redirect:

1. the URL is checked before anything is sent: http(s) only, a host, at most MAX_URL_LENGTH
   characters, no user name or password in it;
2. the host name is resolved, and every address it resolves to is checked: loopback, private,
   link-local, shared (CGN), multicast, reserved and unspecified addresses are refused, in IPv4
   and IPv6, also written in IPv6 forms that carry an IPv4 address (::ffff:127.0.0.1,
   64:ff9b::…, 6to4, Teredo);
3. the connection goes to the address that was checked (the Host header and TLS still name the
   host), so a second DNS answer cannot swap in another address (DNS rebinding).

CLAIMTRACK_FETCH_ALLOWED_HOSTS names host names, addresses or networks (CIDR) that may be
reached although they are not public (an intranet archive). `timeout` bounds the whole fetch,
redirects included (resolving, connecting and every read), not each read; the body is read up to
`max_bytes`, whatever the server declares. No proxy from the environment is used.
"""

import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from claimtrack.deadline import remaining_seconds

MAX_URL_LENGTH = 2000  # as Source.url
MAX_REDIRECTS = 10
DEFAULT_TIMEOUT_SECONDS = 20
DEFAULT_USER_AGENT = "claimtrack/0.1 (+https://github.com/claimtrack/claimtrack)"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
# Printable ASCII that a request line may carry as it is (quote() leaves letters and digits).
_SAFE = "!#$%&'()*+,-./:;=?@[]~_"
# IPv6 prefixes that carry an IPv4 address in their last 32 bits (RFC 6052 NAT64).
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


class FetchError(Exception):
    """The URL cannot be fetched, or must not be; `message` is one line for a person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class FetchRefused(FetchError):
    """The URL, or a redirect, leads to an address claimtrack does not fetch from."""


class FetchTooLarge(FetchError):
    """The body is larger than the size cap."""


@dataclass(frozen=True)
class Fetched:
    """A downloaded page: the URL it ended at after redirects, its bytes and content type."""

    url: str
    content_type: str
    body: bytes
    charset: str | None = None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]  # the client's address
    if any(address in network for network in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for an address on the public internet; False for loopback, private, link-local,
    shared, multicast, reserved and unspecified ones (and IPv6 forms that carry such an IPv4)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None and not is_public_address(embedded):
            return False
    return address.is_global and not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


class _AllowList:
    """CLAIMTRACK_FETCH_ALLOWED_HOSTS: host names, and addresses or networks (CIDR)."""

    def __init__(self, entries: list[str]):
        self.hosts: set[str] = set()
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for entry in entries:
            value = entry.strip().lower().strip("[]")
            try:
                self.networks.append(ipaddress.ip_network(value, strict=False))
            except ValueError:
                if "/" in value or ":" in value:
                    raise ImproperlyConfigured(
                        f"CLAIMTRACK_FETCH_ALLOWED_HOSTS: {entry!r} is not a host name, an "
                        "address or a network such as 10.20.0.0/16"
                    ) from None
                self.hosts.add(value.rstrip("."))

    def allows(self, host: str, address) -> bool:
        return host in self.hosts or any(address in network for network in self.networks)


def _allow_list() -> _AllowList:
    return _AllowList(list(getattr(settings, "CLAIMTRACK_FETCH_ALLOWED_HOSTS", [])))


class _Deadline:
    """The fetch's total time: every step gets what is left of it."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        left = self.at - time.monotonic()
        if left <= 0:
            raise FetchError(f"no complete answer within {self.seconds:g} seconds.")
        return left


def _checked_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of a URL fit to fetch, or FetchRefused."""
    if not isinstance(url, str) or not url.strip():
        raise FetchRefused("Give an http(s) URL.")
    if len(url) > MAX_URL_LENGTH:
        raise FetchRefused(f"The URL is longer than {MAX_URL_LENGTH} characters ({len(url):,}).")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise FetchRefused(f"not a valid URL ({error}).") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchRefused("only http and https URLs are fetched.")
    if not parts.hostname:
        raise FetchRefused("the URL names no host.")
    if parts.username is not None or parts.password is not None:
        raise FetchRefused("a URL with a user name or password is not fetched.")
    if any(ord(char) < 33 for char in url.strip()):
        raise FetchRefused("the URL contains spaces or control characters.")
    try:
        host = parts.hostname.rstrip(".").encode("idna").decode("ascii")
    except UnicodeError:
        raise FetchRefused(f"{parts.hostname!r} is not a valid host name.") from None
    # The request line is ASCII: letters beyond it are sent percent-encoded, as browsers do.
    path = quote((parts.path or "/") + (f"?{parts.query}" if parts.query else ""), safe=_SAFE)
    return scheme, host, port or (443 if scheme == "https" else 80), path


def _resolve(host: str, port: int, deadline: _Deadline) -> list[str]:
    """The host's addresses; getaddrinfo has no timeout of its own, so it runs in a thread."""
    result: dict = {}

    def lookup():
        try:
            result["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as error:
            result["error"] = error

    worker = threading.Thread(target=lookup, daemon=True)
    worker.start()
    worker.join(deadline.left())
    if worker.is_alive():
        deadline.left()  # raises once the time is up
        raise FetchError(f"the name {host} did not resolve in time.")
    if "error" in result:
        raise FetchError(f"the name {host} does not resolve ({result['error']}).")
    return list(dict.fromkeys(info[4][0] for info in result["infos"]))


def _addresses_to_use(host: str, port: int, deadline: _Deadline) -> list[str]:
    """The resolved addresses that may be connected to; FetchRefused when none may."""
    allowed = _allow_list()
    usable, refused = [], []
    for text in _resolve(host, port, deadline):
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if is_public_address(address) or allowed.allows(host.lower(), address):
            usable.append(text)
        else:
            refused.append(text)
    if not usable:
        raise FetchRefused(
            f"{host} is at {', '.join(refused)}, an address that is not on the "
            "public internet (loopback, private, link-local or reserved); claimtrack does not "
            "fetch from there (CLAIMTRACK_FETCH_ALLOWED_HOSTS lists exceptions)."
        )
    return usable


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address, not to whatever the host name resolves to next."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)

    def close(self):
        # http.client closes the socket as soon as a response will close the connection, but the
        # body is still read through it, each read with what is left of the deadline: fetch_url
        # closes the socket itself.
        self.sock = None
        super().close()


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """TLS to the checked address; the certificate is verified against the host name."""

    def connect(self):
        super().connect()
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)


def _get(scheme, host, port, path, addresses, deadline, headers):
    """One GET to the first address that answers: (its socket, the response).

    The socket is kept apart: http.client lets go of it once a response will close it."""
    last_error: OSError | None = None
    for address in addresses:
        kind = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
        connection = kind(host, port, address, timeout=deadline.left())
        sock = None
        try:
            connection.connect()
            sock = connection.sock
            connection.request("GET", path, headers=headers)
            sock.settimeout(deadline.left())
            return sock, connection.getresponse()
        except TimeoutError:
            if sock is not None:
                sock.close()
            deadline.left()
            raise
        except OSError as error:
            if sock is not None:
                sock.close()
            last_error = error
    raise last_error if last_error else OSError("no address to connect to")


def _read_body(response, sock, max_bytes: int, deadline: _Deadline) -> bytes:
    declared = response.getheader("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchTooLarge(f"the page is larger than the limit of {max_bytes:,} bytes.")
    chunks, size = [], 0
    while True:
        sock.settimeout(deadline.left())
        # read1: one read from the socket, so that the deadline is looked at between reads.
        chunk = response.read1(min(_CHUNK, max_bytes + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise FetchTooLarge(f"the page is larger than the limit of {max_bytes:,} bytes.")


def _one_hop(current: str, deadline, headers, max_bytes, content_types) -> Fetched | str:
    """One request: the page (Fetched), or the URL a redirect leads to (str)."""
    scheme, host, port, path = _checked_url(current)
    addresses = _addresses_to_use(host, port, deadline)
    try:
        sock, response = _get(scheme, host, port, path, addresses, deadline, headers)
    except TimeoutError:
        raise FetchError(f"no complete answer within {deadline.seconds:g} seconds.") from None
    except ssl.SSLError as error:
        raise FetchError(f"the TLS connection failed ({error}).") from None
    except (OSError, http.client.HTTPException) as error:
        detail = getattr(error, "strerror", None) or str(error) or type(error).__name__
        raise FetchError(f"could not connect ({detail}).") from None
    try:
        if response.status in _REDIRECTS:
            location = response.getheader("Location")
            if not location:
                raise FetchError("a redirect without a Location.")
            target = urljoin(current, location.strip())
            if urlsplit(target).scheme.lower() not in ("http", "https"):
                raise FetchRefused(f"it redirects to {target[:200]}, which is not http(s).")
            return target
        if response.status >= 400:
            raise FetchError(f"the server answered {response.status} {response.reason}.")
        content_type = response.headers.get_content_type()
        if content_types is not None and content_type not in content_types:
            raise FetchError(f"the server sent {content_type}, not a web page or a text.")
        body = _read_body(response, sock, max_bytes, deadline)
        charset = response.headers.get_content_charset()
        return Fetched(current, content_type, body, charset)
    except TimeoutError:
        raise FetchError(f"no complete answer within {deadline.seconds:g} seconds.") from None
    except (OSError, http.client.HTTPException) as error:
        raise FetchError(f"the download failed ({error}).") from None
    finally:
        response.close()
        sock.close()


def fetch_url(
    url: str,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    max_bytes: int | None = None,
    content_types: frozenset[str] | None = None,
) -> Fetched:
    """GET `url`, following up to MAX_REDIRECTS redirects, each checked as the module says.

    `timeout`: seconds for the whole fetch (within a request, at most what its time budget has
    left). `max_bytes`: the size cap (default CLAIMTRACK_MAX_INGEST_BYTES). `content_types`:
    the media types accepted (others are refused before the body is read; None: any).
    Raises FetchError (FetchRefused, FetchTooLarge) with one readable line.
    """
    if max_bytes is None:
        max_bytes = settings.CLAIMTRACK_MAX_INGEST_BYTES
    budget = remaining_seconds()
    seconds = timeout if budget is None else min(timeout, budget)
    deadline = _Deadline(seconds)
    headers = {
        "User-Agent": getattr(settings, "CLAIMTRACK_USER_AGENT", DEFAULT_USER_AGENT),
        "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1",
        "Accept-Encoding": "identity",
    }
    first = current = url.strip() if isinstance(url, str) else url
    for _ in range(MAX_REDIRECTS + 1):
        try:
            outcome = _one_hop(current, deadline, headers, max_bytes, content_types)
        except FetchError as error:
            if current == first:
                raise
            raise type(error)(f"after a redirect to {current[:200]}: {error.message}") from None
        if isinstance(outcome, Fetched):
            return outcome
        current = outcome
    raise FetchError(f"more than {MAX_REDIRECTS} redirects.")
