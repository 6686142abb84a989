import hashlib

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from sources.canonical import canonicalize_url, domain_of
from sources.validators import (
    LANGUAGE_TAG_MAX_LENGTH,
    optional_country_q,
    optional_qid_q,
    validate_language_tag,
    validate_wikidata_qid,
)


def text_digest(text: str) -> str:
    """The SHA-256 of a text (UTF-8) in hex: how a source's text is identified."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class PublisherKind(models.TextChoices):
    NEWS_OUTLET = "news_outlet", "News outlet"
    WIRE_AGENCY = "wire_agency", "Wire agency"
    GOVERNMENT = "government", "Government"
    INTERNATIONAL_ORG = "international_org", "International organisation"
    NGO = "ngo", "NGO"
    ACADEMIC = "academic", "Academic"
    SOCIAL_MEDIA = "social_media", "Social media"
    OTHER = "other", "Other"


class PublisherQuerySet(models.QuerySet):
    def for_url(self, url: str, name: str = "") -> "Publisher":
        """The publisher of the URL's domain (without www.), created when it is new."""
        domain = domain_of(url)
        publisher, _ = self.get_or_create(domain=domain, defaults={"name": (name or domain)[:200]})
        return publisher


class Publisher(models.Model):
    """An outlet or issuing body that publishes sources."""

    Kind = PublisherKind

    name = models.CharField(max_length=200)
    domain = models.CharField(
        max_length=253, unique=True, help_text="Lower-case host without www., e.g. apnews.com"
    )
    country = CountryField(blank=True)
    kind = models.CharField(
        max_length=20, choices=PublisherKind.choices, default=PublisherKind.NEWS_OUTLET
    )
    url = models.URLField(max_length=500, blank=True)
    wikidata_qid = models.CharField(
        "Wikidata QID", max_length=20, blank=True, validators=[validate_wikidata_qid]
    )

    history = HistoricalRecords()
    objects = PublisherQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(domain=Lower("domain")) & ~models.Q(domain__startswith="www."),
                name="%(app_label)s_%(class)s_domain_normalised",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=PublisherKind.values),
                name="%(app_label)s_%(class)s_kind_valid",
            ),
            models.CheckConstraint(
                condition=optional_country_q("country"),
                name="%(app_label)s_%(class)s_country_valid",
            ),
            models.CheckConstraint(
                condition=optional_qid_q("wikidata_qid"),
                name="%(app_label)s_%(class)s_wikidata_qid_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # Accept "WWW.Example.com" or a full URL from a person; store the canonical domain.
        raw = self.domain.strip()
        self.domain = domain_of(raw if "//" in raw else f"//{raw}")
        super().save(*args, **kwargs)


class Source(models.Model):
    """One article or document, with the text as it was retrieved."""

    url = models.URLField(max_length=2000, help_text="The URL as given.")
    canonical_url = models.URLField(max_length=2000, unique=True, editable=False)
    title = models.CharField(max_length=500, blank=True)
    publisher = models.ForeignKey(
        Publisher, null=True, blank=True, on_delete=models.SET_NULL, related_name="sources"
    )
    authors = models.TextField(blank=True, help_text="As printed; several names comma-separated.")
    language = models.CharField(
        max_length=LANGUAGE_TAG_MAX_LENGTH,
        blank=True,
        validators=[validate_language_tag],
        help_text="BCP 47, e.g. en",
    )
    published_at = models.DateTimeField(null=True, blank=True)
    retrieved_at = models.DateTimeField(default=timezone.now)
    text = models.TextField(blank=True, help_text="The article text as retrieved.")
    text_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    archive_url = models.URLField(max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["language"], name="sources_source_language_idx"),
            models.Index(fields=["published_at"], name="sources_source_published_idx"),
        ]

    def __str__(self) -> str:
        return self.title or self.canonical_url

    def save(self, *args, **kwargs):
        self.canonical_url = canonicalize_url(self.url)
        digest = text_digest(self.text) if self.text else ""
        self._text_changed = digest != self.text_sha256
        self.text_sha256 = digest
        super().save(*args, **kwargs)

    @property
    def text_changed(self) -> bool:
        """True while saving a text that differs from the stored one (set by save())."""
        return getattr(self, "_text_changed", False)
