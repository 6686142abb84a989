"""factory_boy factories for every model; tests build data with these, never with fixtures."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from claims.models import (
    Actor,
    Citation,
    Claim,
    ClaimActor,
    ClaimCountry,
    Event,
    ExternalReview,
    Review,
    Topic,
    TopicPosition,
)
from sources.models import Publisher, Source


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class PublisherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Publisher

    name = factory.Sequence(lambda n: f"Publisher {n}")
    domain = factory.Sequence(lambda n: f"publisher{n}.example")
    kind = Publisher.Kind.NEWS_OUTLET


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    url = factory.Sequence(lambda n: f"https://news.example/articles/{n}")
    title = factory.Sequence(lambda n: f"Article {n}")
    publisher = factory.SubFactory(PublisherFactory)
    language = "en"
    text = "Morocco and the United States held talks in Washington on security cooperation."


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Actor

    name = factory.Sequence(lambda n: f"Actor {n}")
    kind = Actor.Kind.PERSON
    country = "MA"


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    name = factory.Sequence(lambda n: f"Event {n}")
    kind = Event.Kind.MEETING


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    statement = factory.Sequence(lambda n: f"Claim number {n} about security cooperation.")
    kind = Claim.Kind.STATEMENT


class ClaimActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClaimActor

    claim = factory.SubFactory(ClaimFactory)
    actor = factory.SubFactory(ActorFactory)
    role = ClaimActor.Role.SUBJECT


class ClaimCountryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClaimCountry

    claim = factory.SubFactory(ClaimFactory)
    country = "EH"
    role = ClaimCountry.Role.TERRITORY


class CitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citation

    claim = factory.SubFactory(ClaimFactory)
    source = factory.SubFactory(SourceFactory)
    stance = Citation.Stance.SUPPORTS
    quote = "held talks in Washington"


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    claim = factory.SubFactory(ClaimFactory)
    status_before = Claim.Status.UNVERIFIED
    status_after = Claim.Status.IN_REVIEW
    reviewer = factory.SubFactory(UserFactory)


class ExternalReviewFactory(factory.django.DjangoModelFactory):
    """Another fact-checker's review of a claim, as an import records it."""

    class Meta:
        model = ExternalReview

    claim = factory.SubFactory(ClaimFactory)
    publisher = factory.SubFactory(PublisherFactory)
    review_url = factory.LazyAttribute(
        lambda r: f"https://{r.publisher.domain}/checks/{r.claim.pk}"
    )
    label = "False"
    rating = "false"
    published_at = factory.LazyFunction(lambda: dt.datetime(2024, 3, 18, tzinfo=dt.UTC))
    published_at_origin = "record"


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    slug = factory.Sequence(lambda n: f"topic-{n}")
    question = factory.Sequence(lambda n: f"Question {n}")


class TopicPositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TopicPosition

    topic = factory.SubFactory(TopicFactory)
    key = factory.Sequence(lambda n: f"position-{n}")
    label = factory.Sequence(lambda n: f"Position {n}")
    order = factory.Sequence(int)
