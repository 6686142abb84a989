"""Every resource: CRUD with the right status codes for anonymous, editor, reviewer and staff."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from knox.models import AuthToken
from rest_framework.test import APIClient

from claims.models import Actor, Citation, Claim, Event
from sources.models import Publisher, Source
from tests.conftest import run_at_once
from tests.factories import (
    ActorFactory,
    CitationFactory,
    ClaimFactory,
    EventFactory,
    PublisherFactory,
    SourceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _claim_body():
    return {"statement": "Spain endorsed the autonomy plan.", "kind": "agreement"}


RESOURCES = {
    # name: (factory, model, body for create, patch body, editors may delete)
    "claims": (ClaimFactory, Claim, _claim_body, {"statement": "Edited."}, False),
    "sources": (
        SourceFactory,
        Source,
        lambda: {"url": "https://example.org/a-new-article", "title": "A new article"},
        {"title": "Edited"},
        False,
    ),
    "publishers": (
        PublisherFactory,
        Publisher,
        lambda: {"name": "Atalayar", "domain": "www.Atalayar.com", "kind": "news_outlet"},
        {"name": "Edited"},
        True,
    ),
    "actors": (
        ActorFactory,
        Actor,
        lambda: {
            "name": "William Burns",
            "kind": "person",
            "country": "usa",
            "aliases": ["Bill Burns"],
        },
        {"title": "Director of the CIA"},
        True,
    ),
    "events": (
        EventFactory,
        Event,
        lambda: {"name": "African Lion 2024", "kind": "exercise", "country": "MA"},
        {"location": "Tan-Tan"},
        True,
    ),
    "citations": (
        CitationFactory,
        Citation,
        lambda: {
            "claim": ClaimFactory().pk,
            "source": SourceFactory(text="A quote in a text.").pk,
            "quote": "quote in a",
            "stance": "supports",
        },
        {"note": "Checked."},
        True,
    ),
}


@pytest.mark.parametrize("name", RESOURCES)
def test_anonymous_clients_read_but_cannot_write(api_client, name):
    factory, model, body, patch, _ = RESOURCES[name]
    obj = factory()
    assert api_client.get(f"/api/v1/{name}/").status_code == 200
    assert api_client.get(f"/api/v1/{name}/{obj.pk}/").status_code == 200
    assert api_client.post(f"/api/v1/{name}/", body(), format="json").status_code == 401
    assert api_client.patch(f"/api/v1/{name}/{obj.pk}/", patch, format="json").status_code == 401
    assert api_client.delete(f"/api/v1/{name}/{obj.pk}/").status_code == 401
    assert model.objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("role", ["editor_client", "reviewer_client", "staff_client"])
@pytest.mark.parametrize("name", RESOURCES)
def test_editors_reviewers_and_staff_create_and_edit(request, role, name):
    client = request.getfixturevalue(role)
    factory, model, body, patch, _ = RESOURCES[name]
    response = client.post(f"/api/v1/{name}/", body(), format="json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    response = client.patch(f"/api/v1/{name}/{pk}/", patch, format="json")
    assert response.status_code == 200, response.content
    field, value = next(iter(patch.items()))
    assert response.json()[field] == value


@pytest.mark.parametrize("role", ["editor_client", "reviewer_client"])
@pytest.mark.parametrize("name", RESOURCES)
def test_deleting_claims_and_sources_is_for_staff_only(request, role, name):
    client = request.getfixturevalue(role)
    factory, model, _, _, editors_may_delete = RESOURCES[name]
    obj = factory()
    response = client.delete(f"/api/v1/{name}/{obj.pk}/")
    assert response.status_code == (204 if editors_may_delete else 403)
    assert model.objects.filter(pk=obj.pk).exists() is not editors_may_delete


@pytest.mark.parametrize("name", RESOURCES)
def test_staff_may_delete_anything_unreferenced(staff_client, name):
    factory, model, *_ = RESOURCES[name]
    obj = factory()
    assert staff_client.delete(f"/api/v1/{name}/{obj.pk}/").status_code == 204
    assert not model.objects.filter(pk=obj.pk).exists()


def test_a_user_without_a_role_cannot_write(db):
    client = APIClient()
    client.force_authenticate(UserFactory(username="nobody"))
    assert client.post("/api/v1/claims/", _claim_body(), format="json").status_code == 403
    assert not Claim.objects.exists()


def test_deleting_an_actor_still_named_in_claims_answers_409(editor_client):
    citation = CitationFactory()
    response = editor_client.delete(f"/api/v1/sources/{citation.source_id}/")
    assert response.status_code == 403
    from tests.factories import ClaimActorFactory

    participant = ClaimActorFactory()
    response = editor_client.delete(f"/api/v1/actors/{participant.actor_id}/")
    assert response.status_code == 409
    assert response.json()["code"] == "protected"
    assert Actor.objects.filter(pk=participant.actor_id).exists()


def test_a_new_publisher_domain_is_normalised_and_unique(editor_client):
    response = editor_client.post(
        "/api/v1/publishers/", RESOURCES["publishers"][2](), format="json"
    )
    assert response.json()["domain"] == "atalayar.com"
    again = editor_client.post(
        "/api/v1/publishers/", {"name": "Dup", "domain": "atalayar.com"}, format="json"
    )
    assert again.status_code == 400
    assert again.json()["errors"][0]["field"] == "domain"


def test_an_event_ending_before_it_starts_is_refused_naming_ends_on(editor_client):
    response = editor_client.post(
        "/api/v1/events/",
        {"name": "X", "kind": "visit", "starts_on": "2024-05-02", "ends_on": "2024-05-01"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "ends_on"


def test_a_new_citation_is_anchored_in_its_source(editor_client):
    response = editor_client.post("/api/v1/citations/", RESOURCES["citations"][2](), format="json")
    body = response.json()
    assert (body["anchoring"], body["start"], body["end"]) == ("exact", 2, 12)


# --- other lists' filters ------------------------------------------------------------------


def listed(client, url, params) -> set[int]:
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_sources_filter_by_publisher_language_dates_url_and_text(api_client):
    publisher = PublisherFactory(domain="atalayar.com")
    article = SourceFactory(
        url="https://atalayar.com/en/morocco?utm_source=x",
        publisher=publisher,
        language="en",
        title="Morocco, key participant",
        published_at="2024-05-01T10:00:00Z",
    )
    SourceFactory(language="fr", published_at="2020-01-01T00:00:00Z")
    url = "/api/v1/sources/"
    assert listed(api_client, url, {"publisher": "atalayar.com"}) == {article.pk}
    assert listed(api_client, url, {"language": "en"}) == {article.pk}
    assert listed(api_client, url, {"published_after": "2024-01-01T00:00:00Z"}) == {article.pk}
    assert article.pk not in listed(api_client, url, {"published_before": "2023-01-01T00:00:00Z"})
    assert listed(api_client, url, {"url": "HTTPS://ATALAYAR.COM/en/morocco?utm_source=x#top"}) == {
        article.pk
    }
    assert listed(api_client, url, {"q": "key participant"}) == {article.pk}
    assert "text" not in api_client.get(url).json()["results"][0]
    assert "text" in api_client.get(f"{url}{article.pk}/").json()


def test_actors_filter_by_country_kind_and_name_or_alias(api_client):
    burns = ActorFactory(name="William Burns", kind="person", country="US", aliases=["Bill Burns"])
    ActorFactory(name="Morocco", kind="state", country="MA")
    url = "/api/v1/actors/"
    assert listed(api_client, url, {"country": "usa"}) == {burns.pk}
    assert listed(api_client, url, {"kind": "person"}) == {burns.pk}
    assert listed(api_client, url, {"q": "Bill"}) == {burns.pk}
    assert listed(api_client, url, {"q": "Haines"}) == set()
    assert api_client.get(url, {"country": "XYZ"}).status_code == 400


def test_events_filter_by_kind_country_and_dates(api_client):
    lion = EventFactory(kind="exercise", country="MA", starts_on="2024-05-20")
    EventFactory(kind="meeting", country="US", starts_on="2021-01-01")
    url = "/api/v1/events/"
    assert listed(api_client, url, {"kind": "exercise"}) == {lion.pk}
    assert listed(api_client, url, {"country": "MA"}) == {lion.pk}
    assert listed(api_client, url, {"starts_after": "2024-01-01"}) == {lion.pk}
    assert listed(api_client, url, {"starts_before": "2022-01-01"}) == {lion.pk + 1}
    assert api_client.get(url, {"starts_after": "2024-13-45"}).status_code == 400


def test_citations_filter_by_claim_source_stance_and_anchoring(api_client):
    exact = CitationFactory(stance="supports")
    orphan = CitationFactory(stance="refutes", quote="words that are not there")
    url = "/api/v1/citations/"
    assert listed(api_client, url, {"claim": exact.claim_id}) == {exact.pk}
    assert listed(api_client, url, {"source": orphan.source_id}) == {orphan.pk}
    assert listed(api_client, url, {"stance": "refutes"}) == {orphan.pk}
    assert listed(api_client, url, {"anchoring": "orphaned"}) == {orphan.pk}
    assert api_client.get(url, {"claim": "x"}).status_code == 400


@pytest.mark.parametrize("page_size", [5, 50])
@pytest.mark.parametrize(
    ("name", "queries"),
    [("sources", 1), ("publishers", 1), ("actors", 1), ("events", 1), ("citations", 1)],
)
def test_every_list_runs_a_fixed_number_of_queries(
    api_client, django_assert_num_queries, name, queries, page_size
):
    factory = RESOURCES[name][0]
    factory.create_batch(55)
    with django_assert_num_queries(queries):
        response = api_client.get(f"/api/v1/{name}/", {"page_size": page_size})
    assert len(response.json()["results"]) == page_size


# --- countries -----------------------------------------------------------------------------


def test_countries_lists_the_countries_claims_concern_with_counts(api_client):
    from tests.factories import ClaimCountryFactory

    ClaimCountryFactory(country="EH", role="territory")
    ClaimCountryFactory(country="EH", role="territory")
    ClaimCountryFactory(country="MA", role="subject")
    body = api_client.get("/api/v1/countries/").json()
    assert [(c["code"], c["claims"]) for c in body] == [("EH", 2), ("MA", 1)]
    assert body[0]["name"] == "Western Sahara" and body[0]["alpha3"] == "ESH"
    detail = api_client.get("/api/v1/countries/esh/").json()
    assert (detail["code"], detail["claims"], detail["by_role"]) == ("EH", 2, {"territory": 2})
    assert api_client.get("/api/v1/countries/BT/").json()["claims"] == 0
    missing = api_client.get("/api/v1/countries/QQ/")
    assert missing.status_code == 404
    assert "QQ" in missing.json()["detail"]


# --- accounts ------------------------------------------------------------------------------


def test_a_token_from_the_login_endpoint_lets_an_editor_write(api_client):
    from django.contrib.auth.models import Group

    user = UserFactory(username="fatima")
    user.groups.add(Group.objects.get(name="editor"))
    response = api_client.post(
        "/api/v1/auth/token/",
        {"username": "fatima", "password": "correct horse battery staple"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["roles"] == ["editor"] and body["expiry"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert client.post("/api/v1/claims/", _claim_body(), format="json").status_code == 201
    stored = AuthToken.objects.get(user=user)
    assert body["token"] not in (stored.digest, stored.token_key)  # only a hash is kept


def test_a_wrong_password_gets_no_token(api_client):
    UserFactory(username="fatima")
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "fatima", "password": "guess"}, format="json"
    )
    assert response.status_code == 400
    assert not AuthToken.objects.exists()


def test_create_user_makes_an_account_with_its_role_and_prints_a_working_token(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough passphrase\n"))
    call_command("create_user", "amina", "--role", "reviewer", "--password-stdin")
    token = capsys.readouterr().out.splitlines()[1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.post("/api/v1/claims/", _claim_body(), format="json")
    assert response.status_code == 201
    with pytest.raises(CommandError, match="exists already"):
        call_command("create_user", "amina", "--role", "editor")


def test_anonymous_requests_are_throttled_with_retry_after(api_client, settings):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import AnonRateThrottle

    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "3/minute"}
    original = AnonRateThrottle.THROTTLE_RATES
    AnonRateThrottle.THROTTLE_RATES = rates
    try:
        codes = [api_client.get("/api/v1/claims/").status_code for _ in range(4)]
    finally:
        AnonRateThrottle.THROTTLE_RATES = original
    assert codes == [200, 200, 200, 429]
    assert api_settings is not None


def test_a_second_source_for_the_same_article_answers_409_with_the_existing_one(editor_client):
    first = SourceFactory(url="https://atalayar.com/en/story")
    response = editor_client.post(
        "/api/v1/sources/", {"url": "http://ATALAYAR.com/en/story#comments"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["existing"] == {"id": first.pk, "url": first.url}
    assert Source.objects.count() == 1


def test_a_new_source_without_a_publisher_gets_the_one_of_its_domain(editor_client):
    existing = PublisherFactory(domain="atalayar.com")
    first = editor_client.post(
        "/api/v1/sources/", {"url": "https://www.atalayar.com/en/a"}, format="json"
    ).json()
    assert first["publisher"] == existing.pk
    second = editor_client.post(
        "/api/v1/sources/", {"url": "https://apnews.com/article/b"}, format="json"
    ).json()
    assert Publisher.objects.get(pk=second["publisher"]).domain == "apnews.com"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_creations_of_the_same_article_make_one_source_and_409s(editor):
    import threading

    codes, barrier = [], threading.Barrier(8)

    def create(n: int) -> None:
        client = APIClient()
        client.force_authenticate(editor)
        barrier.wait()
        url = f"https://race.example/story?utm_source={n}"
        codes.append(client.post("/api/v1/sources/", {"url": url}, format="json").status_code)

    run_at_once(create, range(8))
    assert sorted(codes) == [201] + [409] * 7
    assert Source.objects.count() == 1
