"""GET /sources/{id}/mentions/ and /suggestions/: paginated, capped, computed once per text and
actor table, with one automaton per actor-table version (issue 11, "Unbounded work")."""

from pathlib import Path

import pytest

import claims.suggestions
import sources.mentions
from claims.models import Actor
from claimtrack.pagination import MAX_ID
from tests.factories import ActorFactory, ClaimFactory, SourceFactory

pytestmark = pytest.mark.django_db

SEED = (Path(__file__).parents[2] / "claims" / "data" / "seed-article.txt").read_text("utf-8")


def _mentions(client, source, query=""):
    return client.get(f"/api/v1/sources/{source.pk}/mentions/{query}")


@pytest.fixture
def builds(monkeypatch):
    """How many times a mention automaton was built."""
    count = {"n": 0}
    build = sources.mentions.MentionMatcher.__init__

    def counting(self, *args, **kwargs):
        count["n"] += 1
        build(self, *args, **kwargs)

    monkeypatch.setattr(sources.mentions.MentionMatcher, "__init__", counting)
    return count


def test_mentions_come_in_pages_that_together_are_the_whole_list(api_client):
    source = SourceFactory(text=SEED)
    whole = _mentions(api_client, source, "?page_size=2000").json()
    assert whole["count"] == len(whole["results"]) > 40 and not whole["truncated"]
    assert whole["text_sha256"] == source.text_sha256

    collected, url = [], f"/api/v1/sources/{source.pk}/mentions/?page_size=10"
    while url:
        page = api_client.get(url).json()
        assert page["count"] == whole["count"]
        collected += page["results"]
        url = page["next"]
    assert collected == whole["results"]

    second = _mentions(api_client, source, "?page_size=10&offset=10").json()
    assert second["results"] == whole["results"][10:20]
    assert second["previous"].endswith("offset=0")


@pytest.mark.parametrize(
    ("query", "field"),
    [("?offset=-1", "offset"), ("?offset=x", "offset"), ("?page_size=many", "page_size")],
)
def test_a_bad_offset_or_page_size_answers_400_naming_it(api_client, query, field):
    source = SourceFactory(text=SEED)
    for endpoint in ("mentions", "suggestions"):
        response = api_client.get(f"/api/v1/sources/{source.pk}/{endpoint}/{query}")
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == field


def test_a_text_with_more_mentions_than_the_cap_says_it_was_cut(api_client, monkeypatch):
    monkeypatch.setattr(claims.suggestions, "MENTIONS_LIMIT", 30)
    source = SourceFactory(text=SEED)

    page = _mentions(api_client, source).json()

    assert page["truncated"] and page["count"] == len(page["results"]) == 30
    # The first 30 in text order: a prefix of the whole list.
    assert page["results"] == sorted(page["results"], key=lambda m: (m["start"], -m["end"]))


def test_suggestions_are_paginated_and_capped(api_client, monkeypatch):
    source = SourceFactory(text=SEED)
    whole = api_client.get(f"/api/v1/sources/{source.pk}/suggestions/").json()
    assert whole["count"] == len(whole["results"]) >= 5 and not whole["truncated"]

    claims.suggestions.forget_cached_results()
    monkeypatch.setattr(claims.suggestions, "SUGGESTIONS_LIMIT", 3)
    capped = api_client.get(f"/api/v1/sources/{source.pk}/suggestions/?page_size=2").json()

    assert capped["truncated"] and capped["count"] == 3
    assert capped["results"] == whole["results"][:2] and capped["next"]


def test_the_automaton_is_built_once_per_actor_table_version_not_per_request(api_client, builds):
    source = SourceFactory(text=SEED)
    haines = ActorFactory(name="Avril Haines")

    for _ in range(3):
        _mentions(api_client, source)
        api_client.get(f"/api/v1/sources/{source.pk}/suggestions/")
    assert builds["n"] == 1

    haines.aliases = ["Hammouchi"]  # an edit: a new version of the actor table
    haines.save()
    mentions = _mentions(api_client, source).json()["results"]
    assert builds["n"] == 2
    assert {m["surface"] for m in mentions if m.get("actor_id") == haines.pk} == {
        "Avril Haines",
        "Hammouchi",
    }

    Actor.objects.filter(pk=haines.pk).delete()
    mentions = _mentions(api_client, source).json()["results"]
    assert builds["n"] == 3 and not [m for m in mentions if m["kind"] == "actor"]


def test_results_are_cached_by_the_text_and_follow_a_new_text(
    api_client, monkeypatch, django_assert_num_queries
):
    source = SourceFactory(text="Talks in Rabat with the UK.")
    calls = {"n": 0}
    find = sources.mentions.MentionMatcher.find

    def counting(self, *args, **kwargs):
        calls["n"] += 1
        return find(self, *args, **kwargs)

    monkeypatch.setattr(sources.mentions.MentionMatcher, "find", counting)
    _mentions(api_client, source)
    # A warm request: the source, the actor-table version; nothing is computed again.
    with django_assert_num_queries(2):
        second = _mentions(api_client, source).json()
    assert calls["n"] == 1 and [m["code"] for m in second["results"]] == ["GB"]

    source.text = "Talks in Rabat with Spain."
    source.save()
    third = _mentions(api_client, source).json()
    assert calls["n"] == 2 and [m["code"] for m in third["results"]] == ["ES"]


def test_the_admin_page_leaves_the_cached_suggestions_the_api_serves_unchanged(admin_client):
    source = SourceFactory(text=SEED)
    before = claims.suggestions.source_suggestions(source).items[0].copy()

    assert admin_client.get(f"/admin/sources/source/{source.pk}/change/").status_code == 200

    after = claims.suggestions.source_suggestions(source).items[0]
    assert after == before and "add_url" not in after


# --- caps on aliases: every name and alias is in the automaton every text is scanned with ---


def _actor(aliases):
    return {"name": "Avril Haines", "kind": "person", "aliases": aliases}


@pytest.mark.parametrize(
    ("aliases", "field"),
    [
        ([f"Alias {n}" for n in range(26)], "aliases"),
        (["Haines", "x" * 101], "aliases[1]"),
    ],
)
def test_too_many_or_too_long_aliases_answer_400_naming_the_field(editor_client, aliases, field):
    response = editor_client.post("/api/v1/actors/", _actor(aliases), format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field
    assert not Actor.objects.exists()


def test_the_most_aliases_of_the_longest_length_are_accepted(editor_client):
    aliases = [f"{n:02d}" + "x" * 98 for n in range(25)]
    response = editor_client.post("/api/v1/actors/", _actor(aliases), format="json")
    assert response.status_code == 201
    assert Actor.objects.get().aliases == aliases


@pytest.mark.parametrize(
    ("aliases", "message"),
    [([f"Alias {n}" for n in range(26)], "at most 25 aliases"), (["x" * 101], "at most 100")],
)
def test_the_admin_refuses_too_many_or_too_long_aliases_on_the_field(
    admin_client, aliases, message
):
    import json

    response = admin_client.post(
        "/admin/claims/actor/add/",
        {"name": "Avril Haines", "kind": "person", "aliases": json.dumps(aliases)},
    )

    assert response.status_code == 200  # the form again, with the error on the field
    assert message in str(response.context["adminform"].form.errors["aliases"])
    assert not Actor.objects.exists()


# --- quotes are TextQuoteSelectors: their strings are exact ----------------------------------


def _cite(client, source, **selector):
    claim = ClaimFactory()
    body = {"claim": claim.pk, "source": source.pk, "stance": "supports", **selector}
    return client.post("/api/v1/citations/", body, format="json")


def test_a_prefix_that_ends_in_a_space_picks_the_occurrence_it_names(editor_client):
    text = "Morocco signed the deal. Then Spain signed the deal."
    source = SourceFactory(text=text)

    response = _cite(editor_client, source, quote="signed the deal", prefix="Then Spain ")

    assert response.status_code == 201, response.content
    assert response.json()["start"] == text.index("Spain signed") + len("Spain ")


def test_an_orphaned_quote_keeps_its_context_byte_exact(editor_client):
    source = SourceFactory(text="Something else entirely.")
    selector = {"quote": " a quote, \n", "prefix": "ends in spaces  ", "suffix": "\tstarts"}

    response = _cite(editor_client, source, **selector)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["anchoring"] == "orphaned"
    assert {key: body[key] for key in selector} == selector


def test_a_blank_quote_is_refused_naming_the_field(editor_client):
    response = _cite(editor_client, SourceFactory(text="Text."), quote="  \n ")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "quote"


# --- where a page of mentions starts and what it links to ------------------------------------


def test_the_first_and_last_pages_link_only_to_pages_that_exist(api_client):
    source = SourceFactory(text=SEED)
    count = _mentions(api_client, source).json()["count"]

    whole = _mentions(api_client, source, f"?page_size={count}&offset=0").json()
    assert len(whole["results"]) == count
    assert (whole["next"], whole["previous"]) == (None, None)

    last = _mentions(api_client, source, f"?page_size=10&offset={count - 5}").json()
    assert len(last["results"]) == 5 and last["next"] is None
    assert last["previous"].endswith(f"offset={count - 15}")


@pytest.mark.parametrize("query", ["?offset=", "?offset=0"])
def test_an_empty_or_zero_offset_is_the_first_page(api_client, query):
    source = SourceFactory(text=SEED)
    first = _mentions(api_client, source, "?page_size=10").json()

    page = _mentions(api_client, source, query + "&page_size=10")

    assert page.status_code == 200
    assert page.json()["results"] == first["results"] and page.json()["previous"] is None


def test_an_offset_past_the_end_is_an_empty_page_up_to_the_largest_id(api_client):
    source = SourceFactory(text=SEED)
    last = _mentions(api_client, source, f"?offset={MAX_ID}").json()
    assert last["results"] == [] and last["next"] is None

    response = _mentions(api_client, source, f"?offset={MAX_ID + 1}")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "offset",
            "message": "Give a whole number from 0 (the first item) on.",
            "code": "invalid",
        }
    ]


def test_a_page_past_the_end_of_a_text_without_mentions_links_nowhere(api_client):
    source = SourceFactory(text="Nothing here names a country or a known actor.")
    page = _mentions(api_client, source, "?offset=20").json()
    assert page["count"] == 0 and page["results"] == []
    assert (page["next"], page["previous"]) == (None, None)
