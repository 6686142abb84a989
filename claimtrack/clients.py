"""Who is asking: the client's address behind trusted proxies, and the rate limits keyed on it.

X-Forwarded-For is written by whoever sends the request, so it is believed only as far as it was
written by a proxy listed in CLAIMTRACK_TRUSTED_PROXIES: walking it from the right (the entry
the nearest proxy added), the client is the first address that is not a trusted proxy. With no
proxies listed (the default) the client is the connecting peer, whatever the header says.

DRF's throttles, django-axes (AXES_CLIENT_IP_CALLABLE) and the request log all take the address
from `client_address()`, so the three agree on who a client is.
"""

import functools
import ipaddress
import math

from django.conf import settings
from django.http import HttpResponse
from rest_framework import throttling


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip().removeprefix("[").removesuffix("]"))
    except ValueError:
        return None
    # An IPv4 client seen through an IPv6 socket (::ffff:203.0.113.9) is that IPv4 client.
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _trusted(address) -> bool:
    return any(address in network for network in settings.CLAIMTRACK_TRUSTED_PROXIES)


def client_address(request) -> str:
    """The address of the client that sent `request` (a Django or DRF request)."""
    peer = request.META.get("REMOTE_ADDR", "")
    current = _address(peer)
    if current is None:
        return peer  # a unix socket or a test client: nothing to interpret
    if _trusted(current):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        for hop in reversed(forwarded.split(",")):
            previous = _address(hop)
            if previous is None:
                break  # garbage from beyond the trusted proxies: the last proxy is the client
            current = previous
            if not _trusted(current):
                break
    return str(current)


class ClientAddressMixin:
    """A DRF throttle that identifies anonymous clients by client_address()."""

    def get_ident(self, request) -> str:
        return client_address(request)


class AnonRateThrottle(ClientAddressMixin, throttling.AnonRateThrottle):
    """CLAIMTRACK_THROTTLE_ANON per client address, for requests without an account."""


class UserRateThrottle(ClientAddressMixin, throttling.UserRateThrottle):
    """CLAIMTRACK_THROTTLE_USER per account, for signed-in requests."""

    def get_cache_key(self, request, view):
        # Anonymous requests are AnonRateThrottle's (DRF's would count them twice, at the
        # looser rate too: two more cache round trips per request for nothing).
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)


class LoginRateThrottle(ClientAddressMixin, throttling.SimpleRateThrottle):
    """CLAIMTRACK_THROTTLE_LOGIN: login attempts per client address, whatever the usernames,
    counted together over every login path (admin form, browsable API form, token login)."""

    scope = "login"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def login_rate_limited(view):
    """A Django login view whose POSTs count against LoginRateThrottle; beyond it, 429."""

    @functools.wraps(view)
    def limited(request, *args, **kwargs):
        if request.method == "POST":
            throttle = LoginRateThrottle()
            if not throttle.allow_request(request, None):
                wait = math.ceil(throttle.wait() or 1)
                response = HttpResponse(
                    f"Too many login attempts from your address: try again in {wait} seconds.",
                    status=429,
                    content_type="text/plain; charset=utf-8",
                )
                response["Retry-After"] = str(wait)
                return response
        return view(request, *args, **kwargs)

    return limited
