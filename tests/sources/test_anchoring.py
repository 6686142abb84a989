import time
from pathlib import Path

import pytest

from sources.anchoring import (
    FUZZY_THRESHOLD,
    QUOTE_MAX_LENGTH,
    Anchor,
    Anchoring,
    anchor_quote,
    source_reanchor,
)
from tests.factories import CitationFactory, SourceFactory

SEED = (Path(__file__).parents[2] / "claims" / "data" / "seed-article.txt").read_text("utf-8")
WORKING_SESSIONS = (
    "These working sessions, which lasted several days, aimed to study and analyze the current "
    "challenges in terms of regional and international security"
)


def test_a_verbatim_quote_anchors_exactly_with_offsets_and_fresh_context():
    found = anchor_quote(SEED, WORKING_SESSIONS)

    assert found.state == Anchoring.EXACT
    assert SEED[found.start : found.end] == WORKING_SESSIONS
    assert found.score == 100.0
    assert SEED[: found.start].endswith(found.prefix) and len(found.prefix) == 32
    assert SEED[found.end :].startswith(found.suffix) and len(found.suffix) == 32


def test_prefix_and_suffix_decide_between_repeated_quotes():
    text = "Morocco signed the deal in May. Spain signed the deal in June. Mali signed the deal."
    second = text.index("Spain signed the deal") + len("Spain ")

    found = anchor_quote(text, "signed the deal", prefix="May. Spain ", suffix=" in June")
    no_context = anchor_quote(text, "signed the deal")

    assert (found.state, found.start) == (Anchoring.EXACT, second)
    assert no_context.start == text.index("signed the deal")


def test_a_partly_matching_context_still_picks_the_right_repeat():
    text = "Morocco signed the deal in May. Spain signed the deal in June."
    # The stored prefix was taken from an older version where the sentence read differently.
    found = anchor_quote(text, "signed the deal", prefix="in early May. Spain ")
    assert found.start == text.index("Spain") + len("Spain ")


def test_straight_quotes_in_the_quote_find_curly_quotes_in_the_text():
    quote = "the Moroccan delegation's visit to Washington"

    found = anchor_quote(SEED, quote)

    assert found.state == Anchoring.FUZZY
    assert found.score == 100.0
    assert SEED[found.start : found.end] == "the Moroccan delegation’s visit to Washington"


def test_changed_whitespace_and_case_still_anchor_on_the_original_characters():
    text = "Hammouchi held working\nsessions   with senior US\u00a0security officials."

    found = anchor_quote(text, "Held working sessions with senior US security officials")

    assert found.state == Anchoring.FUZZY
    assert text[found.start : found.end] == (
        "held working\nsessions   with senior US\u00a0security officials"
    )


def test_dashes_of_any_kind_match():
    text = "The Directorate\u2013General for National Security \u2014 DGSN \u2014 said so."
    found = anchor_quote(text, "Directorate-General for National Security - DGSN -")
    assert found.state == Anchoring.FUZZY
    assert (
        text[found.start : found.end]
        == "Directorate\u2013General for National Security \u2014 DGSN \u2014"
    )


def test_a_normalised_short_quote_does_not_match_inside_a_word():
    text = "And thus the matter rests with us."
    found = anchor_quote(text, "US")
    assert found.state == Anchoring.FUZZY
    assert (found.start, found.end) == (text.index("us."), text.index("us.") + 2)


def test_a_word_edited_in_the_article_anchors_fuzzily_with_its_score():
    edited = SEED.replace("lasted several days", "lasted three days")

    found = anchor_quote(edited, WORKING_SESSIONS)

    assert found.state == Anchoring.FUZZY
    assert FUZZY_THRESHOLD <= found.score < 100
    assert edited[found.start : found.end] == WORKING_SESSIONS.replace("several", "three")


def test_a_removed_paragraph_leaves_its_quote_orphaned_with_its_old_context():
    paragraph = next(p for p in SEED.split("\n\n") if p.startswith("It is also worth mentioning"))
    quote = "the recent large acquisition of American military equipment by Morocco"
    edited = SEED.replace(paragraph + "\n\n", "")

    found = anchor_quote(edited, quote, prefix="It is also worth mentioning ", suffix=" to")

    assert found.state == Anchoring.ORPHANED
    assert (found.start, found.end, found.score) == (None, None, None)
    assert found.prefix == "It is also worth mentioning "


def test_a_different_sentence_on_the_same_subject_is_not_taken_for_the_quote():
    found = anchor_quote(SEED, "Morocco bought American fighter jets and tanks in March last year.")
    assert found.state == Anchoring.ORPHANED


def test_an_empty_text_leaves_the_quote_unchecked():
    assert anchor_quote("", "anything").state == Anchoring.UNCHECKED


def test_anchoring_in_a_50_kb_article_takes_well_under_a_second():
    article = (SEED + "\n\n") * 10
    article = article[:25_000] + " Filler words for a long article. " * 750
    quote = "A sentence that was in the article once but is nowhere in it any more, not even close."

    began = time.perf_counter()
    found = anchor_quote(article, quote, prefix="some old context ", suffix=" more old")
    elapsed = time.perf_counter() - began

    assert len(article) > 50_000
    assert found.state == Anchoring.ORPHANED
    assert elapsed < 1.0


@pytest.mark.django_db
def test_replacing_a_source_text_re_anchors_its_citations_and_keeps_the_old_text():
    source = SourceFactory(text=SEED)
    moved = CitationFactory(source=source, quote=WORKING_SESSIONS)
    dropped = CitationFactory(
        source=source, quote="the recent large acquisition of American military equipment"
    )
    assert (moved.anchoring, dropped.anchoring) == ("exact", "exact")
    old_start = moved.start
    new_text = "Editor's note: updated.\n\n" + SEED.replace(
        "lasted several days", "lasted three days"
    ).replace("the recent large acquisition of American military equipment", "an arms purchase")

    source.text = new_text
    source.save()

    moved.refresh_from_db()
    dropped.refresh_from_db()
    assert moved.anchoring == "fuzzy"
    assert moved.start > old_start
    assert new_text[moved.start : moved.end] == WORKING_SESSIONS.replace("several", "three")
    assert FUZZY_THRESHOLD <= moved.anchor_score < 100
    assert dropped.anchoring == "orphaned"
    assert dropped.start is None
    texts = [row.text for row in source.history.order_by("history_date")]
    assert texts == [SEED, new_text]


@pytest.mark.django_db
def test_reanchoring_on_demand_reports_every_citation_and_writes_only_changes():
    source = SourceFactory(text=SEED)
    kept = CitationFactory(source=source, quote=WORKING_SESSIONS)
    lost = CitationFactory(source=source, quote="the recent large acquisition of American arms")
    # The text changes without the signal (a bulk update): the citations are now stale.
    type(source).objects.filter(pk=source.pk).update(text=SEED.replace("acquisition", "sale"))
    source.refresh_from_db()
    history_rows = kept.history.count()

    results = source_reanchor(source=source)

    assert [r["citation"] for r in results] == [kept.pk, lost.pk]
    assert results[0]["anchoring"] == "exact" and results[0]["changed"] is False
    assert results[1]["anchoring"] in ("fuzzy", "orphaned") and results[1]["changed"] is True
    assert kept.history.count() == history_rows
    lost.refresh_from_db()
    assert lost.anchoring == results[1]["anchoring"]


# --- issue 11: context by similarity; long quotes and long texts in bounded time ------------


@pytest.mark.parametrize(
    "prefix",
    [
        "in May; Madrid\u00a0",  # saved from a version with a no-break space before the quote
        "May; Madrid",  # its last space lost (as the API's trimming used to lose it)
    ],
)
def test_the_occurrence_whose_surroundings_are_most_like_the_context_wins(prefix):
    text = "Rabat signed the deal in May; Madrid signed the deal in June."
    # No character next to either occurrence equals the prefix's last one: the old rule (the
    # longest exactly equal run) scored both 0 and took the first, Rabat's.
    found = anchor_quote(text, "signed the deal", prefix=prefix)
    assert found.start == text.index("Madrid signed") + len("Madrid ")


def _article(size: int) -> str:
    import random

    rng = random.Random(11)
    words = SEED.split()
    return " ".join(rng.choice(words) for _ in range(size // 6))[:size]


def test_a_long_near_match_quote_in_a_long_text_is_found_where_it_is():
    text = _article(1_000_000)
    at = 600_000
    passage = text[at : at + 10_000]
    # An edited article: words replaced here and there, a phrase inserted in the middle.
    edited = passage.replace(" the ", " a ", 5)
    edited = (edited[:5_000] + " and, officials said, " + edited[5_000:])[:10_000]

    found = anchor_quote(text, edited, prefix=text[at - 32 : at], suffix="")

    assert found.state == Anchoring.FUZZY and found.score >= 99
    assert abs(found.start - at) <= 2 and abs(found.end - (at + 10_000)) <= 30


def test_of_two_edited_copies_of_a_long_passage_the_context_picks_the_right_one():
    text = _article(300_000)
    passage = text[100_000:102_000]
    text = text[:200_000] + " Later the report said: " + passage + text[200_000:]
    second = 200_000 + len(" Later the report said: ")
    edited = passage.replace(" ", "  ", 3)[:1_000] + " [sic] " + passage[1_000:]

    found = anchor_quote(text, edited, prefix="Later the report said: ")

    assert found.state == Anchoring.FUZZY
    assert abs(found.start - second) <= 2


def test_a_quote_longer_than_the_limit_is_found_verbatim_but_not_fuzzily():
    text = _article(50_000)
    quote = text[1_000:12_000]
    assert len(quote) > QUOTE_MAX_LENGTH

    assert anchor_quote(text, quote).state == Anchoring.EXACT
    assert anchor_quote(text, quote.replace(" the ", " a ", 3)).state == Anchoring.ORPHANED


@pytest.mark.parametrize(
    ("passage", "quote"),
    [
        ("He called it \u201ca done deal\u201d on Friday", 'He called it "a done deal" on Friday'),
        ("He called it \u201ea done deal\u201f on Friday", 'He called it "a done deal" on Friday'),
        ("He called it \u00aba done deal\u00bb on Friday", 'He called it "a done deal" on Friday'),
        ("The talks went on\u2026 and on", "The talks went on... and on"),
        ("The se\u00adcurity coop\u00aderation agreement", "The security cooperation agreement"),
        (
            "The secu\u200brity coop\u200ceration agr\u200deement",
            "The security cooperation agreement",
        ),
        ("The security\u2060 cooperation\ufeff agreement", "The security cooperation agreement"),
    ],
)
def test_typography_that_prints_alike_anchors_on_the_original_characters(passage, quote):
    text = f"Reports from Rabat. {passage}, said the minister. More later."

    found = anchor_quote(text, quote)

    assert (found.state, found.score) == (Anchoring.FUZZY, 100.0)
    assert text[found.start : found.end] == passage


def test_a_long_quote_that_differs_only_in_typography_is_found_without_a_fuzzy_search():
    # Longer than QUOTE_MAX_LENGTH, so only the normalised match can find it: the article's
    # curly quotes, ellipses, soft hyphens and zero-width spaces are the same text to a reader.
    article = _article(40_000)
    start, end = article.index(" ", 2_000) + 1, article.index(" ", 14_000)
    plain = article[start:end]
    assert len(plain) > QUOTE_MAX_LENGTH
    typeset = (
        plain.replace(" the ", " \u201cthe\u201d ", 3)
        .replace(" a ", " a\u2026 ", 2)
        .replace("ation", "a\u00adtion", 2)
        .replace(" of ", " o\u200bf ", 2)
    )
    text = article[:start] + typeset + article[end:]

    found = anchor_quote(text, plain.replace(" the ", ' "the" ', 3).replace(" a ", " a... ", 2))

    assert (found.state, found.score) == (Anchoring.FUZZY, 100.0)
    assert (found.start, found.end) == (start, start + len(typeset))


def _with_substitutions(text: str, count: int) -> str:
    """`text` with `count` of its characters, six apart, replaced by one it does not contain."""
    chars = list(text)
    for n in range(count):
        chars[2 + 6 * n] = "7"
    return "".join(chars)


QUOTE_40 = "the minister signed the accord on friday"


@pytest.mark.parametrize(
    ("changed", "expected_state", "expected_score"),
    [
        (5, Anchoring.FUZZY, 87.5),
        (6, Anchoring.FUZZY, 85.0),  # exactly the threshold: still the quoted passage
        (7, Anchoring.ORPHANED, None),  # 82.5: no longer the quoted passage
    ],
)
@pytest.mark.parametrize("around", [("", ""), ("Yesterday, ", ". Nothing else was said.")])
def test_the_fuzzy_threshold_is_85(changed, expected_state, expected_score, around):
    assert FUZZY_THRESHOLD == 85.0
    passage = _with_substitutions(QUOTE_40, changed)
    text = around[0] + passage + around[1]

    found = anchor_quote(text, QUOTE_40)

    assert (found.state, found.score) == (expected_state, expected_score)
    if found.state == Anchoring.FUZZY:
        assert (found.start, found.end) == (len(around[0]), len(around[0]) + len(passage))


def test_of_two_copies_of_an_edited_short_passage_the_context_picks_the_right_one():
    quote = "the minister signed the border accord on friday"
    edited = "the minister signed the harbour accord on friday"
    text = f"In Rabat, {edited}. In Madrid, {edited}. That is all."

    in_madrid = anchor_quote(text, quote, prefix="In Madrid, ")
    no_context = anchor_quote(text, quote)

    assert in_madrid.state == Anchoring.FUZZY
    assert in_madrid.start == text.index("In Madrid, ") + len("In Madrid, ")
    assert no_context.start == text.index("In Rabat, ") + len("In Rabat, ")


@pytest.mark.parametrize("quote", ["", " ", " \n\t ", "\u00a0"])
def test_an_empty_or_blank_quote_is_orphaned_and_keeps_its_context(quote):
    found = anchor_quote(SEED, quote, prefix="before ", suffix=" after")
    assert found == Anchor(Anchoring.ORPHANED, prefix="before ", suffix=" after")


def _long_passage() -> str:
    """Over QUOTE_MAX_LENGTH characters of words, starting and ending with a letter: only the
    exact and the normalised match look for a quote this long, so word edges decide alone."""
    passage = _article(14_000)
    passage = passage[passage.index(" ") + 1 : passage.rindex(" ")].strip(" ,.;:")
    assert len(passage) > QUOTE_MAX_LENGTH
    return passage


def test_a_long_normalised_quote_is_found_at_the_very_start_and_end_of_the_text():
    passage = _long_passage()
    text = passage.replace(" the ", " the\u00ad ", 1)  # one soft hyphen: not verbatim

    found = anchor_quote(text, passage)

    assert (found.state, found.start, found.end) == (Anchoring.FUZZY, 0, len(text))


@pytest.mark.parametrize(("before", "after"), [("x", ""), ("", "x"), ("x", " end")])
def test_a_long_normalised_quote_does_not_start_or_end_inside_a_word(before, after):
    passage = _long_passage()
    text = before + passage.replace(" the ", " the\u00ad ", 1) + after
    assert anchor_quote(text, passage).state == Anchoring.ORPHANED


@pytest.mark.parametrize(("before", "after"), [("x", ""), ("", "x"), ("x", "x")])
def test_a_long_quote_that_starts_and_ends_with_punctuation_may_touch_a_word(before, after):
    quote = '"' + _long_passage() + '"'
    text = before + quote.replace('"', "\u201c", 1)[:-1] + "\u201d" + after

    found = anchor_quote(text, quote)

    assert (found.state, found.start, found.end) == (
        Anchoring.FUZZY,
        len(before),
        len(text) - len(after),
    )


# --- issue 18: the choice between occurrences, the bounded search in long texts -------------


def test_on_equal_surroundings_the_first_occurrence_wins_even_at_the_start_of_the_text():
    # The context "a " stands whole before both: the first, at the very start, is taken.
    text = "a signed. b a signed."
    assert anchor_quote(text, "signed", prefix="a ").start == 2


def test_the_suffix_alone_picks_the_later_occurrence():
    text = "signed the deal in May. signed the deal in June."
    found = anchor_quote(text, "signed the deal", suffix=" in June")
    assert (found.start, found.end) == (24, 39)


def test_of_equally_similar_surroundings_the_one_equal_next_to_the_quote_wins():
    # "a b " and "ab " both hold the prefix's three characters in order; only before the second
    # occurrence do all three stand unchanged next to the quote.
    text = "a b signed it; so ab signed it."
    assert anchor_quote(text, "signed", prefix="ab ").start == text.index("ab signed") + 3


def test_a_replaced_first_word_leaves_the_space_after_it_out_of_the_span():
    text = "Reports. Yesterday z minister signed the accord on friday, said aides."
    found = anchor_quote(text, "q minister signed the accord on friday")
    assert (found.state, found.score) == (Anchoring.FUZZY, 97.3)
    assert text[found.start : found.end] == "minister signed the accord on friday"


def test_a_replaced_last_word_leaves_the_space_before_it_out_of_the_span():
    text = "Reports. Yesterday the minister signed the accord on friday z, said aides."
    found = anchor_quote(text, "the minister signed the accord on friday q")
    assert (found.state, found.score) == (Anchoring.FUZZY, 97.6)
    assert (found.start, found.end) == (19, 59)


@pytest.mark.django_db
def test_reanchoring_reports_where_each_citation_now_stands_and_how_well_it_matches():
    text = "The minister signed the border accord on Friday. The talks went on and on."
    source = SourceFactory(text=text)
    accord = CitationFactory(source=source, quote="minister signed the border accord on Friday")
    talks = CitationFactory(source=source, quote="The talks went on")
    new_text = "Update. The minister signed the harbour accord on Friday. The talks went on."
    type(source).objects.filter(pk=source.pk).update(text=new_text)
    source.refresh_from_db()

    results = source_reanchor(source=source)

    harbour = new_text.index("minister")
    assert results == [
        {
            "citation": accord.pk,
            "anchoring": "fuzzy",
            "score": 92.0,
            "start": harbour,
            "end": new_text.index(" on Friday") + len(" on Friday"),
            "changed": True,
        },
        {
            "citation": talks.pk,
            "anchoring": "exact",
            "score": 100.0,
            "start": new_text.index("The talks"),
            "end": len(new_text) - 1,
            "changed": True,
        },
    ]


def _with_typos(passage: str, every: int) -> str:
    """`passage` with one letter in every `every` characters replaced by a digit."""
    chars = list(passage)
    for at in range(every // 2, len(chars), every):
        chars[at] = "7"
    return "".join(chars)


LONG_TEXT = _article(300_000)  # a 1,000-character quote times this is over FULL_SCAN_LIMIT


@pytest.mark.parametrize("where", ["start", "end"])
def test_a_long_edited_quote_is_found_to_the_character_at_either_end_of_a_long_text(where):
    at = 0 if where == "start" else len(LONG_TEXT) - 1_000
    quote = LONG_TEXT[at : at + 1_000]
    text = LONG_TEXT[:at] + _with_typos(quote, 100) + LONG_TEXT[at + 1_000 :]

    found = anchor_quote(text, quote)

    assert (found.state, found.start, found.end, found.score) == (
        Anchoring.FUZZY,
        at,
        at + 1_000,
        99.0,
    )


@pytest.mark.parametrize(
    ("length", "found_state"), [(100_000, Anchoring.FUZZY), (100_001, Anchoring.ORPHANED)]
)
def test_in_a_text_too_long_to_align_whole_a_passage_with_no_piece_unchanged_is_not_found(
    length, found_state
):
    # Up to FULL_SCAN_LIMIT (the quote's length times the text's) the quote is aligned with the
    # whole text; beyond, only where pieces of it (24 characters here) stand unchanged.
    text = LONG_TEXT[:length]
    quote = text[50_000:51_000]
    text = text[:50_000] + _with_typos(quote, 20) + text[51_000:]

    found = anchor_quote(text, quote)

    assert found.state == found_state
    if found_state == Anchoring.FUZZY:
        assert (found.start, found.end) == (50_000, 51_000)
