from pathlib import Path

import pytest

from sources.mentions import find_mentions
from tests.factories import ActorFactory

SEED = (Path(__file__).parents[2] / "claims" / "data" / "seed-article.txt").read_text("utf-8")


def _countries(text):
    return [(m["code"], m["surface"]) for m in find_mentions(text) if m["kind"] == "country"]


def test_every_country_the_seed_article_names_is_found_with_offsets_that_slice_back():
    mentions = find_mentions(SEED)

    for mention in mentions:
        assert SEED[mention["start"] : mention["end"]] == mention["surface"]
    found = {(m["code"], m["surface"]) for m in mentions}
    assert {
        ("MA", "Morocco"),
        ("MA", "Moroccan"),
        ("MA", "Alaouite kingdom"),
        ("MA", "Kingdom of Morocco"),
        ("US", "United States"),
        ("US", "US"),
        ("US", "American"),
        ("EH", "Western Sahara"),
        ("EH", "Saharawi"),
        ("IL", "Israel"),
        ("IL", "State of Israel"),
        ("IR", "Islamic Republic of Iran"),
        ("DE", "Germany"),
        ("GB", "UK"),
        ("AE", "UAE"),
        ("ES", "Spain"),
        ("DZ", "Algeria"),
    } <= found
    codes = {m["code"] for m in mentions}
    assert codes == {"MA", "US", "EH", "IL", "IR", "DE", "GB", "AE", "ES", "DZ"}


def test_the_names_of_the_mentions_are_the_country_names():
    first = find_mentions("Talks in Rabat with the UK.")[0]
    assert first == {
        "kind": "country",
        "code": "GB",
        "name": "United Kingdom",
        "start": 24,
        "end": 26,
        "surface": "UK",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It is up to us to decide.", []),
        ("Tell US officials, thus.", [("US", "US")]),
        ("U.S. troops and USA fans", [("US", "U.S."), ("US", "USA")]),
        ("Nigeria and Niger", [("NG", "Nigeria"), ("NE", "Niger")]),
        ("in the Americas and Latin America", []),
        ("roast turkey with Chad", [("TD", "Chad")]),
        ("MOROCCO WINS", [("MA", "MOROCCO")]),
        (
            "Papua New Guinea and Guinea-Bissau",
            [("PG", "Papua New Guinea"), ("GW", "Guinea-Bissau")],
        ),
        (
            "the Congo and the Democratic Republic of the Congo",
            [("CG", "Congo"), ("CD", "Democratic Republic of the Congo")],
        ),
        ("the Sahrawi refugees of Western Sahara", [("EH", "Sahrawi"), ("EH", "Western Sahara")]),
        (
            "Iran and Syria, Russia and Vietnam",
            [("IR", "Iran"), ("SY", "Syria"), ("RU", "Russia"), ("VN", "Vietnam")],
        ),
    ],
)
def test_country_matching_is_whole_word_case_sensitive_and_longest_first(text, expected):
    assert _countries(text) == expected


@pytest.mark.django_db
def test_actors_are_found_by_name_and_by_alias():
    haines = ActorFactory(name="Avril Haines", aliases=["Haines"])
    cia = ActorFactory(name="Central Intelligence Agency", aliases=["CIA"], kind="government_body")
    text = "Avril Haines met the head of the CIA. Later, Haines spoke; the cia did not."

    actors = [m for m in find_mentions(text, [haines, cia]) if m["kind"] == "actor"]

    assert [(m["actor_id"], m["surface"]) for m in actors] == [
        (haines.pk, "Avril Haines"),
        (cia.pk, "CIA"),
        (haines.pk, "Haines"),
    ]
    assert all(text[m["start"] : m["end"]] == m["surface"] for m in actors)
    assert actors[1]["name"] == "Central Intelligence Agency"
