import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from sources.models import Publisher, Source
from tests.factories import PublisherFactory, SourceFactory

pytestmark = pytest.mark.django_db


def test_two_sources_with_the_same_canonical_url_are_refused():
    SourceFactory(url="https://News.Example/story#top")
    with pytest.raises(IntegrityError), transaction.atomic():
        SourceFactory(url="https://news.example/story")
    assert Source.objects.count() == 1


def test_canonical_url_lowercases_scheme_and_host_and_drops_the_fragment():
    source = SourceFactory(url="HTTPS://WWW.Example.COM/Path/Story?id=7#comments")
    assert source.canonical_url == "https://www.example.com/Path/Story?id=7"


def test_text_sha256_follows_the_text_and_is_empty_without_text():
    source = SourceFactory(text="first version")
    assert source.text_sha256 == hashlib.sha256(b"first version").hexdigest()
    source.text = "second version"
    source.save()
    assert source.text_sha256 == hashlib.sha256(b"second version").hexdigest()
    source.text = ""
    source.save()
    assert source.text_sha256 == ""


def test_publisher_domain_is_stored_lowercase_without_www():
    publisher = PublisherFactory(domain="WWW.Atalayar.COM")
    assert publisher.domain == "atalayar.com"


def test_publisher_domain_is_unique():
    PublisherFactory(domain="example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        PublisherFactory(domain="www.example.org")


@pytest.mark.parametrize("qid", ["Q0", "Q01", "q42", "42", "Q4 2"])
def test_a_malformed_wikidata_qid_is_rejected_by_validation_and_by_the_database(qid):
    publisher = PublisherFactory.build(wikidata_qid=qid)
    with pytest.raises(ValidationError) as excinfo:
        publisher.full_clean()
    assert "wikidata_qid" in excinfo.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        publisher.save()


def test_a_wellformed_wikidata_qid_is_accepted():
    PublisherFactory.build(wikidata_qid="Q1028").full_clean()


def test_an_unknown_country_code_is_rejected_by_validation_and_by_the_database():
    publisher = PublisherFactory.build(country="XX")
    with pytest.raises(ValidationError) as excinfo:
        publisher.full_clean()
    assert "country" in excinfo.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        publisher.save()
    assert not Publisher.objects.exists()


def test_a_malformed_language_tag_is_rejected():
    with pytest.raises(ValidationError) as excinfo:
        SourceFactory.build(language="english!", publisher=None).full_clean()
    assert "language" in excinfo.value.message_dict
