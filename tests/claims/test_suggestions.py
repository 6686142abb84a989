from pathlib import Path

import pytest

from claims.suggestions import split_sentences, suggest_claims
from tests.factories import ActorFactory, ClaimFactory, SourceFactory

SEED = (Path(__file__).parents[2] / "claims" / "data" / "seed-article.txt").read_text("utf-8")


@pytest.fixture
def officials(db):
    return {
        name: ActorFactory(name=name, country="US")
        for name in ("Avril Haines", "William Burns", "Christopher Asher")
    } | {"Abdellatif Hammouchi": ActorFactory(name="Abdellatif Hammouchi", aliases=["Hammouchi"])}


def _find(suggestions, kind, words):
    matching = [s for s in suggestions if s["kind"] == kind and words in s["statement"]]
    assert matching, f"no {kind} suggestion containing {words!r}"
    return matching[0]


@pytest.mark.django_db
def test_the_seed_article_yields_the_recognition_sentence(officials):
    source = SourceFactory(text=SEED)

    found = _find(suggest_claims(source).items, "recognition", "Donald Trump recognized")

    assert found["statement"] == (
        "This ongoing close cooperation saw an important turning point when the US administration"
        " of Donald Trump recognized Morocco’s sovereignty over Western Sahara."
    )
    assert [c["code"] for c in found["countries"]] == ["US", "MA", "EH"]
    assert found["rule"]["name"] == "recognition"
    assert found["rule"]["matched"] == "recognized Morocco’s sovereignty"


@pytest.mark.django_db
def test_the_seed_article_yields_the_working_sessions_with_the_three_officials(officials):
    source = SourceFactory(text=SEED)

    found = _find(suggest_claims(source).items, "meeting", "Hammouchi held working sessions")

    named = {"Avril Haines", "William Burns", "Christopher Asher", "Abdellatif Hammouchi"}
    assert set(found["participants"]) == {officials[name].pk for name in named}
    assert {m["surface"] for m in found["mentions"] if m["kind"] == "actor"} == {
        "Hammouchi",
        "Avril Haines",
        "William Burns",
        "Christopher Asher",
    }


@pytest.mark.django_db
def test_the_seed_article_yields_the_autonomy_plan_sentence_with_its_four_countries():
    source = SourceFactory(text=SEED)

    found = _find(
        suggest_claims(source, actors=[]).items, "agreement", "Germany, UK, UAE and Spain"
    )

    codes = [c["code"] for c in found["countries"]]
    assert {"DE", "GB", "AE", "ES"} <= set(codes)
    assert all(c["role"] == "mentioned" for c in found["countries"])
    assert found["rule"]["name"] == "plan_support"


@pytest.mark.django_db
def test_each_suggestion_carries_a_quote_anchored_in_the_text_that_a_citation_accepts():
    source = SourceFactory(text=SEED)
    suggestions = suggest_claims(source, actors=[]).items
    assert len(suggestions) >= 5

    for suggestion in suggestions:
        quote = suggestion["citation"]
        assert SEED[quote["start"] : quote["end"]] == quote["quote"]
        assert SEED[: quote["start"]].endswith(quote["prefix"])
        assert SEED[quote["end"] :].startswith(quote["suffix"])
        assert quote["source"] == source.pk and quote["stance"] == "mentions"

    citation = ClaimFactory(kind="recognition").citations.create(
        source=source,
        quote=suggestions[0]["citation"]["quote"],
        prefix=suggestions[0]["citation"]["prefix"],
        suffix=suggestions[0]["citation"]["suffix"],
    )
    assert (citation.anchoring, citation.start) == ("exact", suggestions[0]["citation"]["start"])


@pytest.mark.django_db
def test_captions_and_sentences_naming_nobody_are_not_suggested():
    source = SourceFactory(
        text="PHOTO/FILE – Military exercises between the United States and Morocco\n\n"
        "The weather was fine and the talks went on for days.\n\n"
        "Spain and Morocco held talks in Rabat."
    )

    statements = [s["statement"] for s in suggest_claims(source, actors=[]).items]

    assert statements == ["Spain and Morocco held talks in Rabat."]


def test_sentences_are_split_but_not_after_abbreviations():
    text = "U.S. officials met Dr. Smith in Rabat. Then they left!\nA new line"
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "U.S. officials met Dr. Smith in Rabat.",
        "Then they left!",
        "A new line",
    ]


def test_a_line_of_many_abbreviations_is_read_once_and_split_where_sentences_end():
    # Before issue 11 each full stop re-read the line from the sentence's start (quadratic).
    text = "U.S. " * 20_000 + "officials met in Rabat. Then they left."
    spans = split_sentences(text)
    assert len(spans) == 2
    assert text[spans[0][0] : spans[0][1]].endswith("U.S. officials met in Rabat.")
    assert text[spans[1][0] : spans[1][1]] == "Then they left."


@pytest.mark.django_db
def test_a_sentence_longer_than_a_statement_is_not_suggested():
    from claims.models import STATEMENT_MAX_LENGTH

    long_sentence = "Spain and Morocco held talks in Rabat" + ", and talks" * 200 + "."
    assert len(long_sentence) > STATEMENT_MAX_LENGTH
    source = SourceFactory(text=long_sentence + "\nSpain and Morocco held talks in Rabat.")

    statements = [s["statement"] for s in suggest_claims(source, actors=[]).items]

    assert statements == ["Spain and Morocco held talks in Rabat."]
