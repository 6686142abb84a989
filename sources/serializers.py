from django_countries.serializers import CountryFieldMixin
from rest_framework import serializers

from claimtrack.api import StrictModelSerializer, StrictSerializer
from sources.canonical import canonicalize_url, domain_of
from sources.models import Publisher, Source


class PublisherSerializer(CountryFieldMixin, StrictModelSerializer):
    url = serializers.URLField(max_length=500, required=False, allow_blank=True)

    class Meta:
        model = Publisher
        fields = ["id", "name", "domain", "country", "kind", "url", "wikidata_qid"]

    def validate_domain(self, value: str) -> str:
        domain = domain_of(value if "//" in value else f"//{value}")
        if not domain or " " in domain or "." not in domain:
            raise serializers.ValidationError("Give a host name such as apnews.com.")
        clash = Publisher.objects.filter(domain=domain)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError(f"A publisher with domain {domain} exists already.")
        return domain


class SourceSerializer(StrictModelSerializer):
    """A source with its text; lists show SourceSummarySerializer."""

    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Source
        fields = [
            "id",
            "url",
            "canonical_url",
            "title",
            "publisher",
            "authors",
            "language",
            "published_at",
            "retrieved_at",
            "text",
            "text_sha256",
            "archive_url",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["canonical_url", "text_sha256", "created_at", "updated_at"]

    def validate_url(self, value: str) -> str:
        try:
            canonicalize_url(value)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None
        return value

    def create(self, validated_data):
        # Without a publisher, the article's domain names one (found, or created once).
        if validated_data.get("publisher") is None:
            validated_data["publisher"] = Publisher.objects.for_url(validated_data["url"])
        return super().create(validated_data)


class SourceSummarySerializer(SourceSerializer):
    """A source as lists show it: without `text` (read one source to get it)."""

    class Meta(SourceSerializer.Meta):
        fields = [name for name in SourceSerializer.Meta.fields if name != "text"]


class IngestSerializer(StrictSerializer):
    """An article to store: its URL and either the page's `html` or its plain `text`."""

    url = serializers.URLField(max_length=2000)
    html = serializers.CharField(required=False, trim_whitespace=False)
    text = serializers.CharField(required=False, trim_whitespace=False)

    def validate(self, attrs):
        if ("html" in attrs) == ("text" in attrs):
            raise serializers.ValidationError(
                {"html": "Give either the page's html or its plain text (one of them)."}
            )
        return attrs


class ReanchorResultSerializer(serializers.Serializer):
    citation = serializers.IntegerField()
    anchoring = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    start = serializers.IntegerField(allow_null=True)
    end = serializers.IntegerField(allow_null=True)
    changed = serializers.BooleanField()


class MentionSerializer(serializers.Serializer):
    """A country or a known actor that a text names (sources.mentions.find_mentions):
    `text[start:end] == surface`. Countries carry `code`, actors `actor_id`."""

    kind = serializers.ChoiceField([("country", "Country"), ("actor", "Actor")])
    code = serializers.CharField(
        required=False, help_text="Countries: the ISO 3166-1 alpha-2 code."
    )
    actor_id = serializers.IntegerField(required=False, help_text="Actors: the actor's id.")
    name = serializers.CharField(help_text="The country's or the actor's name.")
    start = serializers.IntegerField(help_text="Offset of the first character in the text.")
    end = serializers.IntegerField(help_text="Offset after the last character.")
    surface = serializers.CharField(help_text="The words as the text writes them.")
