"""Who a client is: X-Forwarded-For is believed only from configured proxies, and rate limits,
login lockouts and request logs all agree on the address."""

import ipaddress
import logging

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from rest_framework.test import APIClient

from claimtrack.clients import AnonRateThrottle, UserRateThrottle, client_address
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SPOOFED = "203.0.113.7"


def address(remote: str, forwarded: str | None = None) -> str:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(RequestFactory().get("/", **extra))


def trusting(settings, *networks: str) -> None:
    settings.CLAIMTRACK_TRUSTED_PROXIES = tuple(ipaddress.ip_network(n) for n in networks)


def test_without_configured_proxies_a_forwarded_header_is_ignored():
    assert address("198.51.100.4", SPOOFED) == "198.51.100.4"


def test_behind_a_trusted_proxy_the_client_is_the_address_the_proxy_appended(settings):
    trusting(settings, "10.0.0.0/8")
    # The client sent a forged header; the proxy appended the address it saw.
    assert address("10.0.0.5", f"{SPOOFED}, 198.51.100.4") == "198.51.100.4"


def test_a_chain_of_trusted_proxies_is_walked_to_the_first_untrusted_hop(settings):
    trusting(settings, "10.0.0.0/8", "fd00::/8")
    assert address("10.0.0.5", f"{SPOOFED}, 198.51.100.4, fd00::2, 10.1.2.3") == "198.51.100.4"


def test_a_request_that_bypasses_the_proxy_is_not_believed(settings):
    trusting(settings, "10.0.0.0/8")
    assert address("198.51.100.4", SPOOFED) == "198.51.100.4"


@pytest.mark.parametrize("garbage", ["not-an-address", "", "203.0.113.7:443", "²"])
def test_garbage_in_the_header_stops_the_walk_at_the_last_trusted_proxy(settings, garbage):
    trusting(settings, "10.0.0.0/8")
    assert address("10.0.0.5", f"198.51.100.4, {garbage}") == "10.0.0.5"


def test_an_ipv4_client_on_an_ipv6_socket_is_that_ipv4_client(settings):
    trusting(settings, "10.0.0.0/8")
    assert address("::ffff:10.0.0.5", "198.51.100.4") == "198.51.100.4"


def token_login(client, username: str, forwarded: str):
    body = {"username": username, "password": "wrong"}
    return client.post("/api/v1/auth/token/", body, format="json", HTTP_X_FORWARDED_FOR=forwarded)


def test_a_forged_forwarded_header_does_not_reset_the_login_limit():
    client = APIClient()
    limit = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"].split("/")[0])
    for i in range(limit):
        assert token_login(client, f"user{i}", "203.0.113.1").status_code == 400
    answers = [token_login(client, f"user{i}", f"203.0.113.{i}").status_code for i in range(30)]
    assert answers == [429] * 30


def test_a_forged_forwarded_header_does_not_reset_the_anonymous_limit():
    client = APIClient()
    limit = AnonRateThrottle().num_requests
    for _ in range(limit):
        assert client.get("/api/v1/actors/").status_code == 200
    answers = [
        client.get("/api/v1/actors/", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code
        for i in range(10)
    ]
    assert answers == [429] * 10


def test_the_lockout_and_the_request_log_record_the_same_client_as_the_throttle(settings, caplog):
    trusting(settings, "10.0.0.0/8")
    client = APIClient()
    with caplog.at_level(logging.INFO, logger="claimtrack.request"):
        client.post(
            "/api/v1/auth/token/",
            {"username": "someone", "password": "wrong"},
            format="json",
            REMOTE_ADDR="10.0.0.5",
            HTTP_X_FORWARDED_FOR=f"{SPOOFED}, 198.51.100.4",
        )
    attempt = AccessAttempt.objects.get(username="someone")
    assert attempt.ip_address == "198.51.100.4"
    logged = [r for r in caplog.records if r.name == "claimtrack.request"]
    assert logged[-1].client == "198.51.100.4"


def test_an_anonymous_request_is_counted_by_the_anonymous_limit_only(rf):
    request = rf.get("/api/v1/actors/", REMOTE_ADDR="198.51.100.4")
    request.user = AnonymousUser()
    assert AnonRateThrottle().get_cache_key(request, None) == "throttle_anon_198.51.100.4"
    assert UserRateThrottle().get_cache_key(request, None) is None
    request.user = UserFactory()
    assert AnonRateThrottle().get_cache_key(request, None) is None
    assert UserRateThrottle().get_cache_key(request, None) == f"throttle_user_{request.user.pk}"
