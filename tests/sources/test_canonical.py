import pytest

from sources.canonical import canonicalize_url, domain_of, is_archive_url, unwrap_archive_url

CANONICAL = [
    # scheme and host case; http and https are the same article
    ("HTTP://Example.COM/News/Story", "https://example.com/News/Story"),
    ("http://example.com/a", "https://example.com/a"),
    ("https://example.com/a", "https://example.com/a"),
    # default ports go, other ports stay
    ("http://example.com:80/a", "https://example.com/a"),
    ("https://example.com:443/a", "https://example.com/a"),
    ("https://example.com:8443/a", "https://example.com:8443/a"),
    # fragments go
    ("https://example.com/a#comments", "https://example.com/a"),
    # tracking parameters go, the rest are sorted
    ("https://example.com/a?utm_source=tw&utm_medium=social&id=7", "https://example.com/a?id=7"),
    ("https://example.com/a?fbclid=IwAR0abc", "https://example.com/a"),
    ("https://example.com/a?gclid=x&dclid=y&msclkid=z&yclid=w", "https://example.com/a"),
    ("https://example.com/a?mc_cid=1&mc_eid=2&page=2", "https://example.com/a?page=2"),
    ("https://example.com/a?ref_src=twsrc%5Etfw&igshid=abc&_ga=2.1", "https://example.com/a"),
    ("https://example.com/a?UTM_Campaign=spring&q=x", "https://example.com/a?q=x"),
    ("https://example.com/search?z=1&b=2&a=3", "https://example.com/search?a=3&b=2&z=1"),
    ("https://example.com/a?", "https://example.com/a"),
    # trailing slash: kept as given; only an empty path becomes "/"
    ("https://example.com", "https://example.com/"),
    ("https://example.com/news/", "https://example.com/news/"),
    ("https://example.com/news", "https://example.com/news"),
    # credentials and a trailing dot in the host are not part of the article's address
    ("https://reader:secret@example.com./a", "https://example.com/a"),
    # percent-encoding made uniform, international host names in IDNA
    ("https://example.com/caf%c3%a9", "https://example.com/caf%C3%A9"),
    ("https://bücher.example/ä", "https://xn--bcher-kva.example/%C3%A4"),
    # www. is kept: only the publisher's domain drops it
    ("https://WWW.Example.com/a", "https://www.example.com/a"),
]


@pytest.mark.parametrize(("url", "expected"), CANONICAL)
def test_canonical_url_is_the_same_for_the_same_article(url, expected):
    assert canonicalize_url(url) == expected


def test_canonicalising_a_canonical_url_changes_nothing():
    for _, expected in CANONICAL:
        assert canonicalize_url(expected) == expected


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://example.com/file.txt", "http:// or https://"),
        ("javascript:alert(1)", "http:// or https://"),
        ("example.com/a", "http:// or https://"),
        ("https:///a", "no host"),
        ("https://example.com:99999/a", "invalid port"),
        ("   ", "empty"),
    ],
)
def test_canonical_url_rejects_what_is_not_a_web_address(url, problem):
    with pytest.raises(ValueError, match=problem):
        canonicalize_url(url)


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://www.Atalayar.com/en/articulo/1.html", "atalayar.com"),
        ("http://apnews.com:80/x", "apnews.com"),
        ("https://news.bbc.co.uk/a", "news.bbc.co.uk"),
    ],
)
def test_publisher_domain_is_the_lower_case_host_without_www(url, domain):
    assert domain_of(url) == domain


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # an IPv6 host keeps its brackets, with or without a port
        ("http://[2001:DB8::1]/a", "https://[2001:db8::1]/a"),
        ("https://[2001:db8::1]:8443/a", "https://[2001:db8::1]:8443/a"),
        ("http://[::1]:80/a", "https://[::1]/a"),
        # a blank query value is a parameter all the same: `?a=&b=1` is not `?b=1`
        ("https://example.com/a?b=1&a=", "https://example.com/a?a=&b=1"),
        ("https://example.com/a?a=&utm_source=x", "https://example.com/a?a="),
        # every tracking prefix goes, whatever follows it
        (
            "https://example.com/a?pk_campaign=1&mtm_source=2&hsa_acc=3&at_xtor=4&__hs_id=5&id=9",
            "https://example.com/a?id=9",
        ),
        ("https://example.com/a?utm_=1&pk_=2&keep=3", "https://example.com/a?keep=3"),
        # a parameter that merely contains a prefix is the article's own
        ("https://example.com/a?my_utm_x=1&xpk_y=2", "https://example.com/a?my_utm_x=1&xpk_y=2"),
        # a trailing dot names the same host
        ("https://Example.COM./news", "https://example.com/news"),
        ("https://example.com.:8443/a", "https://example.com:8443/a"),
    ],
)
def test_canonical_url_of_ipv6_hosts_blank_values_tracking_prefixes_and_trailing_dots(
    url, expected
):
    assert canonicalize_url(url) == expected
    assert canonicalize_url(expected) == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/f", "The URL must start with http:// or https:// (scheme is 'ftp')."),
        ("example.com/a", "The URL must start with http:// or https:// (scheme is none)."),
        ("https:///a", "The URL has no host name."),
        ("", "The URL is empty."),
        ("  \t", "The URL is empty."),
    ],
)
def test_a_refused_url_says_exactly_why(url, message):
    with pytest.raises(ValueError) as refused:
        canonicalize_url(url)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://www.example.com./a", "example.com"),
        ("https://news.example.org.:8443/a", "news.example.org"),
        ("https://[2001:db8::1]/a", "2001:db8::1"),
        ("not a url", ""),
    ],
)
def test_publisher_domain_drops_a_trailing_dot_and_is_empty_without_a_host(url, domain):
    assert domain_of(url) == domain


@pytest.mark.parametrize(
    ("url", "original", "archive"),
    [
        (
            "https://web.archive.org/web/20200327123456/https://www.example.com/a?x=1",
            "https://www.example.com/a?x=1",
            "https://web.archive.org/web/20200327123456/https://www.example.com/a?x=1",
        ),
        (
            "http://web.archive.org/web/20200327id_/http://example.com/a",
            "http://example.com/a",
            "http://web.archive.org/web/20200327id_/http://example.com/a",
        ),
        (
            "https://archive.ph/20200327123456/https://example.com/a",
            "https://example.com/a",
            "https://archive.ph/20200327123456/https://example.com/a",
        ),
        ("https://archive.is/AbCd", "https://archive.is/AbCd", "https://archive.is/AbCd"),
        (
            "https://example.com/web/2020/https://x.example/",
            "https://example.com/web/2020/https://x.example/",
            "",
        ),
    ],
)
def test_an_archive_url_is_unwrapped_to_the_page_it_preserves(url, original, archive):
    assert unwrap_archive_url(url) == (original, archive)


def test_an_archived_page_belongs_to_the_original_sites_domain():
    assert domain_of("https://web.archive.org/web/2020/https://www.one.example/a") == "one.example"
    assert domain_of("https://archive.ph/AbCd") == "archive.ph"  # no original named


W = "https://web.archive.org/web/2020/"


@pytest.mark.parametrize(
    ("url", "original"),
    [
        # The archive's own host with www.: still the archive.
        ("https://www.web.archive.org/web/2020/https://example.com/a", "https://example.com/a"),
        # An original written percent-encoded is decoded; one that is not stays as it is.
        (W + "http%3A//example.com/a%20b", "http://example.com/a b"),
        (W + "https://example.com/a%20b", "https://example.com/a%20b"),
        # Archives collapse the "//" after the scheme; it is put back.
        (W + "https:/example.com/a", "https://example.com/a"),
        (W + "http:/example.com/a", "http://example.com/a"),
        # A scheme in capitals is a scheme; none at all is https.
        (W + "HTTPS://example.com/a", "HTTPS://example.com/a"),
        (W + "example.com/a", "https://example.com/a"),
    ],
)
def test_the_original_an_archive_names_is_read_as_a_browser_would(url, original):
    assert unwrap_archive_url(url) == (original, url)


@pytest.mark.parametrize(
    ("url", "archived"),
    [
        ("https://web.archive.org/web/2020/https://example.com/a", True),
        ("https://archive.ph/AbCd", True),  # an archive, though it does not name the original
        ("https://example.com/a", False),
        ("https://archive.example/web/2020/https://example.com/a", False),
    ],
)
def test_a_url_is_an_archives_when_its_host_is_a_known_archive(url, archived):
    assert is_archive_url(url) is archived


def test_what_is_not_a_string_is_no_archive_url():
    assert unwrap_archive_url(None) == (None, "")
