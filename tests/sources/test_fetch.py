"""The safe fetcher (sources/fetch.py): what it refuses, and that the refusal happens before any
byte is sent. The only server is on 127.0.0.1 (tests/sources/conftest.py), and a guard there
blocks and records any connection to another address."""

import ipaddress
import socket
import time

import pytest
from django.core.management import CommandError, call_command

from sources.fetch import (
    MAX_URL_LENGTH,
    FetchError,
    FetchRefused,
    FetchTooLarge,
    fetch_url,
    is_public_address,
)
from sources.ingest import HTML_TYPES, TEXT_TYPES
from sources.models import Source


def test_a_page_on_an_allowed_address_is_fetched_after_redirects_and_says_who_asks(
    local_server, allow_local, settings
):
    fetched = fetch_url(local_server.url + "/old-address")

    assert fetched.url == local_server.url + "/article"
    assert fetched.content_type == "text/html" and fetched.charset == "utf-8"
    assert b"Hammouchi" in fetched.body
    assert local_server.paths == ["/old-address", "/article"]
    assert local_server.headers()["User-Agent"] == settings.CLAIMTRACK_USER_AGENT


def test_loopback_is_refused_without_the_allow_list_and_nothing_is_sent(
    local_server, only_loopback_connections
):
    with pytest.raises(FetchRefused, match="127.0.0.1, an address that is not on the public"):
        fetch_url(local_server.url + "/secret")

    assert local_server.paths == []
    assert only_loopback_connections == []


def test_localhost_is_refused_like_its_addresses(local_server, only_loopback_connections):
    with pytest.raises(FetchRefused, match="localhost is at .*127.0.0.1"):
        fetch_url(f"http://localhost:{local_server.port}/admin/login/")

    assert local_server.paths == []
    assert only_loopback_connections == []


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.2:{port}/secret",
        "http://[::1]:{port}/secret",
        "http://[::ffff:127.0.0.2]:{port}/secret",
        "http://0.0.0.0:{port}/secret",
        "http://2130706434:{port}/secret",  # 127.0.0.2 written as one number
        "http://10.0.0.1/secret",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/",
        "http://[fd00::1]/",
        "http://224.0.0.1/",
        "http://100.64.0.1/",
    ],
)
def test_a_redirect_from_an_allowed_server_to_a_refused_address_is_not_followed(
    local_server, allow_local, only_loopback_connections, target
):
    target = target.format(port=local_server.port)

    with pytest.raises(FetchRefused, match="not on the public internet"):
        fetch_url(f"{local_server.url}/redir?to={target}")

    assert local_server.paths == [f"/redir?to={target}"]
    assert only_loopback_connections == []  # refused before connecting, not by the guard


def test_a_redirect_to_another_scheme_is_refused(local_server, allow_local):
    with pytest.raises(FetchRefused, match="not http"):
        fetch_url(local_server.url + "/to-file")


def test_the_checked_address_is_the_one_connected_to_so_a_second_dns_answer_is_ignored(
    local_server, monkeypatch, only_loopback_connections
):
    """DNS rebinding: the name first resolves to a public address, then to 127.0.0.1. The
    fetcher resolves once per hop and connects to the address it checked (here blocked by the
    guard, so nothing leaves the machine); it never reaches the local server."""
    answers = iter(["93.184.216.34", "127.0.0.1", "127.0.0.1"])

    def rebinding(host, port, *args, **kwargs):
        address = next(answers)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)

    with pytest.raises(FetchError, match="could not connect"):
        fetch_url(f"http://rebinding.test:{local_server.port}/secret")

    assert only_loopback_connections == ["93.184.216.34"]
    assert local_server.paths == []


def test_an_overlong_url_is_refused_before_anything_is_fetched(local_server, allow_local):
    url = local_server.url + "/article?" + "q" * MAX_URL_LENGTH

    with pytest.raises(FetchRefused, match=f"longer than {MAX_URL_LENGTH} characters"):
        fetch_url(url)
    assert local_server.paths == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://127.0.0.1/file", "only http and https"),
        ("http:///no-host", "names no host"),
        ("http://user:secret@127.0.0.1/", "user name or password"),
        ("http://127.0.0.1:99999/", "not a valid URL"),
    ],
)
def test_urls_that_are_not_plain_web_addresses_are_refused(url, message):
    with pytest.raises(FetchRefused, match=message):
        fetch_url(url)


def test_the_timeout_bounds_the_whole_download_not_each_read(local_server, allow_local):
    # The server sends a byte every 0.2 s for 20 s: no single read waits 1 s.
    began = time.monotonic()
    with pytest.raises(FetchError, match="within 1 seconds"):
        fetch_url(local_server.url + "/slow", timeout=1)
    assert time.monotonic() - began < 5


def test_the_size_cap_holds_while_reading_and_types_are_refused_before_reading(
    local_server, allow_local
):
    with pytest.raises(FetchTooLarge, match="larger than the limit of 1,000 bytes"):
        fetch_url(local_server.url + "/huge", max_bytes=1000)
    with pytest.raises(FetchError, match="application/pdf, not a web page"):
        fetch_url(local_server.url + "/report.pdf", content_types=HTML_TYPES | TEXT_TYPES)


def test_the_allow_list_takes_networks_and_host_names(local_server, settings):
    settings.CLAIMTRACK_FETCH_ALLOWED_HOSTS = ["10.0.0.0/8", "127.0.0.0/30"]
    assert fetch_url(local_server.url + "/plain").body == b"A plain statement from Rabat."

    settings.CLAIMTRACK_FETCH_ALLOWED_HOSTS = ["localhost"]
    with pytest.raises(FetchRefused):  # the name is allowed, the address 127.0.0.1 is not
        fetch_url(local_server.url + "/plain")
    assert local_server.paths == ["/plain"]


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "64:ff9b::7f00:1",
        "2002:7f00:1::1",
        "2002:a00:1::1",
    ],
)
def test_addresses_that_are_not_on_the_public_internet_are_refused(address):
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700:4700::1111", "2002:5db8:d822::1"])
def test_public_addresses_are_allowed(address):
    assert is_public_address(ipaddress.ip_address(address))


@pytest.mark.django_db
def test_the_command_refuses_the_redirect_to_an_internal_page_and_stores_nothing(
    local_server, capsys
):
    """The attack of issue 11: a redirect to an internal page, and the app's own admin."""
    inputs = [
        f"{local_server.url}/redir?to={local_server.url}/secret",
        f"http://localhost:{local_server.port}/admin/login/",
    ]

    with pytest.raises(CommandError, match="2 of 2 inputs failed"):
        call_command("ingest_source", *inputs)

    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 2
    assert all("not on the public internet" in line for line in errors)
    assert not Source.objects.exists()
    assert local_server.paths == []


@pytest.mark.django_db
def test_the_command_takes_its_timeout_as_a_total_deadline(local_server, allow_local, capsys):
    began = time.monotonic()
    with pytest.raises(CommandError, match="1 of 1 inputs failed"):
        call_command("ingest_source", local_server.url + "/slow", "--timeout", "1")
    assert "no complete answer within 1 seconds" in capsys.readouterr().err
    assert time.monotonic() - began < 5
