import itertools
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from claimtrack import deadline
from claimtrack.deadline import DeadlineExceeded, time_budget
from sources.anchoring import (
    FUZZY_THRESHOLD,
    QUOTE_MAX_LENGTH,
    Anchor,
    Anchoring,
    _best_occurrence,
    _best_position,
    _edge_bonus,
    _occurrences,
    _seed_places,
    _window_at,
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


# --- what mutation testing found unpinned: kept context, ties, the bounded search's parts ---


@pytest.mark.parametrize(("text", "state"), [("", Anchoring.UNCHECKED), (SEED, Anchoring.ORPHANED)])
def test_a_quote_not_looked_for_or_not_found_keeps_exactly_the_context_it_had(text, state):
    quote = "Morocco bought American fighter jets and tanks in March last year."

    kept = anchor_quote(text, quote, prefix="It is also worth mentioning ", suffix=" to the")
    without = anchor_quote(text, quote)

    assert kept == Anchor(state, prefix="It is also worth mentioning ", suffix=" to the")
    assert without == Anchor(state, prefix="", suffix="")


def test_a_quote_near_the_start_of_the_text_has_all_the_text_before_it_as_prefix():
    text = "Rabat, 2 May. The minister signed the accord on Friday, aides said."

    found = anchor_quote(text, "The minister signed the accord on Friday")

    assert (found.prefix, found.suffix) == ("Rabat, 2 May. ", ", aides said.")


def test_the_suffix_is_compared_with_the_text_after_each_occurrence_not_before_it():
    # "in June" stands before the second occurrence, after the first: the first is meant.
    text = "The minister signed the deal in June. In June, the king signed the deal as well."
    found = anchor_quote(text, "signed the deal", suffix=" in June")
    assert found.start == text.index("signed the deal")


@pytest.mark.parametrize(
    ("text", "prefix", "suffix", "meant"),
    [
        # Both surroundings hold the context's characters in order; only around the meant
        # occurrence do they all stand unchanged next to the quote.
        ("a b signed it; also ab signed it.", "ab ", "", "ab signed"),
        ("He signed a b; she signed ab.", "", " ab", "signed ab"),
    ],
)
def test_of_equally_similar_surroundings_the_one_equal_next_to_the_quote_wins_on_either_side(
    text, prefix, suffix, meant
):
    found = anchor_quote(text, "signed", prefix=prefix, suffix=suffix)
    assert found.start == text.index(meant) + meant.index("signed")


@pytest.mark.parametrize(
    ("text", "quote", "suffix", "meant"),
    [
        # The quote overlaps itself: its next occurrence starts one character later.
        ("Turnout rose from 100 in May to 1000 in June.", "00", " in June", "00 in June"),
        ('Fans chanted "Goooal!" as the ball went in.', "oo", "al!", "ooal!"),
    ],
)
def test_occurrences_of_a_quote_that_overlap_are_all_considered(text, quote, suffix, meant):
    found = anchor_quote(text, quote, suffix=suffix)
    assert (found.state, found.start) == (Anchoring.EXACT, text.index(meant))


@pytest.mark.parametrize(
    ("prefix", "suffix"),
    [("In June the king ", ""), ("", " too."), ("In June the king ", " too.")],
)
def test_the_context_picks_between_two_occurrences_that_differ_from_the_quote_in_typography(
    prefix, suffix
):
    text = (
        "In May the minister called it \u201ca done deal\u201d. "
        "In June the king called it \u201ca done deal\u201d too."
    )

    found = anchor_quote(text, 'called it "a done deal"', prefix=prefix, suffix=suffix)

    second = text.index("called", text.index("the king"))
    assert (found.state, found.score) == (Anchoring.FUZZY, 100.0)
    assert (found.start, found.end) == (second, text.index(" too."))


# Positions in a range, from its start (0, 1, …) or from its end (-1 is the last).
OFFSETS = [0, 1, 31, 57, -3, -2, -1]


def _position(lo: int, hi: int, offset: int) -> int:
    return lo + offset if offset >= 0 else hi + 1 + offset


@pytest.mark.parametrize(("lo", "hi"), [(0, 100), (0, 512), (40_000, 40_512)])
@pytest.mark.parametrize("offset", OFFSETS)
def test_a_range_of_up_to_512_positions_is_searched_whole(lo, hi, offset):
    # One position alone scores: only a search that tries every position finds it.
    best = _position(lo, hi, offset)
    assert _best_position(lo, hi, lambda position: position == best) == best


@pytest.mark.parametrize(("lo", "hi"), [(0, 513), (0, 600), (100, 10_100), (590_000, 600_000)])
@pytest.mark.parametrize("offset", OFFSETS)
def test_a_longer_range_is_searched_coarse_to_fine_in_about_a_hundred_comparisons(lo, hi, offset):
    peak = _position(lo, hi, offset)
    compared = []

    def likeness(position: int) -> int:
        compared.append(position)
        return -abs(position - peak)

    assert _best_position(lo, hi, likeness) == peak
    assert len(compared) <= 100
    assert lo <= min(compared) and max(compared) <= hi


@pytest.mark.parametrize(("lo", "hi"), [(0, 600), (100, 10_100)])
def test_a_coarse_to_fine_search_compares_both_ends_and_never_leaves_its_range(lo, hi):
    # Better and better past the end of the range: its end is the best position in it.
    assert _best_position(lo, hi, lambda position: position) == hi
    assert _best_position(lo, hi, lambda position: -position) == lo
    # Only the end scores: it is among the positions compared from the start.
    assert _best_position(lo, hi, lambda position: position == hi) == hi
    # All positions alike from some point on: the first of them.
    assert _best_position(lo, hi, lambda position: min(position, lo + 333)) == lo + 333


@pytest.mark.parametrize(
    ("span", "bonus"),
    [
        ("The", 2),  # the text's start, a space after
        ("Th", 1),  # the text's start, inside a word
        ("minister", 2),
        ("inister", 1),  # begins inside a word
        ("ministe", 1),  # ends inside a word
        ("iniste", 0),
        (" signed", 2),  # a span may begin with the space after a word
        ("igne", 0),
        ("Rabat-", 2),  # ends with the hyphen before "based"
        ("-based", 2),  # begins with the hyphen after "Rabat"
        ("abat-", 1),
        ("based aides", 2),
        ("said", 2),  # the last word: the text's end
        ("aid", 1),
    ],
)
def test_a_span_scores_a_point_for_each_end_on_a_word_boundary(span, bonus):
    text = "The minister signed it in Rabat-based aides said"
    start = text.rindex(span)
    assert _edge_bonus(text, start, start + len(span)) == bonus


@pytest.fixture
def slow_clock(monkeypatch):
    """A clock on which every look takes a second (for claimtrack.deadline only)."""
    ticks = itertools.count()
    monkeypatch.setattr(deadline, "time", SimpleNamespace(monotonic=lambda: float(next(ticks))))


# Each a loop over thousands of places: the quote's occurrences in a long text, those
# occurrences' surroundings, the pieces of a long quote found in it.
REPEATED = "The minister said no. " * 3_000
LOOPS = {
    "occurrences": lambda: _occurrences(REPEATED, "said no"),
    "surroundings": lambda: _best_occurrence(
        REPEATED, "said no", list(range(13, len(REPEATED), 22)), "minister ", "."
    ),
    "pieces": lambda: _seed_places(REPEATED[:1_000], REPEATED),
}


@pytest.mark.parametrize("loop", LOOPS)
def test_a_loop_over_thousands_of_places_stops_when_the_deadline_passes_during_it(loop, slow_clock):
    with time_budget(1_000_000):
        LOOPS[loop]()  # time enough: it ends
    # The budget lasts one look at the clock: the deadline passes while the loop runs.
    with time_budget(1.5), pytest.raises(DeadlineExceeded):
        LOOPS[loop]()


A_THOUSAND = SEED[SEED.index("Another sign") :][:1_000]
REPORTS = "Reports from Rabat. "


def _typos_outside(passage: str, kept: range) -> str:
    """`passage` with a digit for every fourth character counted outwards from `kept`: only the
    characters in `kept` stand unchanged in a run longer than three."""
    chars = list(passage)
    for at in range(len(chars)):
        outwards = at - kept.stop if at >= kept.stop else kept.start - 1 - at
        if at not in kept and outwards % 4 == 0:
            chars[at] = "7"
    return "".join(chars)


@pytest.mark.parametrize(
    ("quote", "kept", "found"),
    [
        (WORKING_SESSIONS[:60], range(0, 8), True),  # pieces of 8 characters: the first
        (WORKING_SESSIONS[:60], range(24, 32), True),
        (WORKING_SESSIONS[:100], range(36, 48), True),  # of 12 (an eighth of the quote)
        (WORKING_SESSIONS[:96], range(84, 96), True),  # the last piece
        (A_THOUSAND, range(480, 504), True),  # of 24, the longest
        (WORKING_SESSIONS[:100], range(42, 54), False),  # 12 unchanged across two pieces
        (WORKING_SESSIONS[:71], range(64, 71), False),  # the last 7: less than a piece
        (A_THOUSAND, range(481, 504), False),  # 23 of a piece
    ],
)
def test_a_passage_is_found_by_any_piece_of_the_quote_it_leaves_unchanged(quote, kept, found):
    text = REPORTS + _typos_outside(quote, kept) + " More later."
    assert _seed_places(quote, text) == ([len(REPORTS)] if found else [])


REFRAIN = "We will not give up now."  # 24 characters: a piece of a quote of 192 or more


@pytest.mark.parametrize(
    "quote",
    [
        A_THOUSAND[:240],  # ten pieces of 24 characters, the first found `times`
        REFRAIN + A_THOUSAND[:72] + REFRAIN + A_THOUSAND[72:168],  # the first twice in it
    ],
)
@pytest.mark.parametrize(("times", "counted"), [(32, True), (33, False), (40, False)])
def test_a_piece_of_the_quote_found_more_than_32_times_says_nothing_about_where_it_is(
    quote, times, counted
):
    # A summary repeats the quote's first piece before the passage: `times` in all.
    line = f"In brief: {quote[:24]} (see below), and other news of the day.\n"
    summary = line * (times - quote.count(quote[:24]))
    text = summary + quote + " More later."

    places = _seed_places(quote, text)

    assert places[0] == len(summary)
    assert len(places) == (4 if counted else 1)


@pytest.mark.parametrize(
    ("inserted", "places"),
    [
        (100, [100]),  # one place: where most pieces (the ten after the insertion) put it
        (101, [101, 0]),  # two: the better supported first
    ],
)
def test_pieces_moved_by_an_insertion_of_up_to_a_quarter_of_the_quote_stand_for_one_place(
    inserted, places
):
    quote = A_THOUSAND[:400]  # sixteen pieces of 24 characters; a quarter: 100 characters
    addition = (" and, the minister added, for a long time to come" * 3)[:inserted]
    # Inserted after the sixth piece: the ten pieces after it stand `inserted` further on.
    text = REPORTS + quote[:144] + addition + quote[144:] + " More later."

    assert _seed_places(quote, text) == [len(REPORTS) + shift for shift in places]


def test_the_place_where_most_pieces_of_the_quote_stand_comes_first():
    quote = A_THOUSAND[:400]  # sixteen pieces
    lede = f"In brief: {quote[:48]}, the agency reported.\n\n"  # two of them
    text = lede + _article(2_000) + "\n\n" + quote + " More later."

    assert _seed_places(quote, text) == [text.index(quote), len("In brief: ")]


@pytest.mark.parametrize(
    ("substituted", "expected_state", "expected_score"),
    [
        (150, Anchoring.FUZZY, 85.0),  # exactly the threshold: still the quoted passage
        (151, Anchoring.ORPHANED, None),
    ],
)
def test_in_a_text_too_long_to_align_whole_the_fuzzy_threshold_is_85_too(
    substituted, expected_state, expected_score
):
    at = 150_000
    quote = LONG_TEXT[at : at + 1_000]
    # Characters six apart replaced, from the 31st on: its ends and first piece unchanged.
    chars = list(quote)
    for n in range(substituted):
        chars[30 + 6 * n] = "7"
    text = LONG_TEXT[:at] + "".join(chars) + LONG_TEXT[at + 1_000 :]

    found = anchor_quote(text, quote)

    assert (found.state, found.score) == (expected_state, expected_score)
    if found.state == Anchoring.FUZZY:
        assert (found.start, found.end) == (at, at + 1_000)


@pytest.mark.parametrize(("before", "window"), [(20, (100.0, 20, 70)), (21, None)])
def test_a_place_whose_window_is_less_than_60_percent_like_the_quote_is_not_refined(before, window):
    # The passage stands `before` characters after the place: its window (the quote's length
    # from the place) holds 30 or 29 of the quote's 50 characters, 60 or 58 % like it.
    quote = WORKING_SESSIONS[:50]
    text = ("0123456789" * 3)[:before] + quote + " More later."
    assert _window_at(quote, text, 0) == window


def test_a_place_at_the_last_character_of_the_text_is_looked_at_there():
    assert _window_at("!", "Goal!", 4) == (100.0, 4, 5)


ACCORD = (
    "The minister signed the border accord on Friday in Rabat after two days of talks with his "
    "Spanish counterpart, who called it a turning point for trade, fishing and migration along "
    "the coast, and both governments promised to publish the full text within a month"
)
ON_SUNDAY = ACCORD.replace("Friday", "Sunday")  # 98.8 % like the quote
WITH_THE = ACCORD.replace("with his", "with the")  # 99.2 %
ON_SUNDAY_SIX_DAYS = ON_SUNDAY.replace("two days", "six days")  # 97.7 %


@pytest.mark.parametrize(
    ("text", "prefix", "suffix", "meant"),
    [
        # Within half a point of each other: the same match, and the context decides.
        (f"In Rabat: {ON_SUNDAY}. In Madrid: {WITH_THE}. That is all.", "In Rabat: ", "", 0),
        (f"{ON_SUNDAY}. In Madrid: {WITH_THE}. That is all.", "", ". In Madrid", 0),
        # A point apart: the copy more like the quote wins whatever the context says.
        (
            f"In Rabat: {ON_SUNDAY_SIX_DAYS}. In Madrid: {WITH_THE}. That is all.",
            "In Rabat: ",
            "",
            1,
        ),
    ],
)
def test_of_two_edited_copies_the_context_decides_only_between_equally_good_ones(
    text, prefix, suffix, meant
):
    first = text.index("The minister")
    copies = [first, text.index("The minister", first + 1)]

    found = anchor_quote(text, ACCORD, prefix=prefix, suffix=suffix)

    assert found.state == Anchoring.FUZZY
    assert (found.start, found.end) == (copies[meant], copies[meant] + len(ACCORD))


@pytest.mark.parametrize(
    ("text", "quote", "found_text", "score"),
    [
        # Words added inside the passage: no window of the quote's length is 85 % like it, the
        # passage as a whole is.
        (
            "Yesterday the minister signed the long-awaited accord on friday in rabat, aides said.",
            "the minister signed the accord on friday in rabat",
            "the minister signed the long-awaited accord on friday in rabat",
            88.3,
        ),
        # Words dropped at the end of the passage.
        (
            "Reports say turnout rose to 62 percent, the highest since 2011.",
            "Turnout rose to 62 percent, the highest since 2011, officials said",
            "turnout rose to 62 percent, the highest since 2011",
            86.2,
        ),
        # A text no longer than the quote: refined too, not compared whole.
        (
            "Yesterday Turnout rose to 62 percent, the highest since 2011, said",
            "Turnout rose to 62 percent, the highest since 2011, officials said",
            "Turnout rose to 62 percent, the highest since 2011, said",
            91.8,
        ),
    ],
)
def test_an_edited_passage_as_like_the_quote_as_the_threshold_is_found_whatever_its_length(
    text, quote, found_text, score
):
    found = anchor_quote(text, quote)
    assert (found.state, text[found.start : found.end], found.score) == (
        Anchoring.FUZZY,
        found_text,
        score,
    )


def test_a_word_inserted_before_the_last_one_leaves_the_whole_passage_in_the_span():
    quote = "the recent large acquisition of American military equipment by Morocco"
    text = "The recent large acquisition of American military equipment by nearby Morocco."
    found = anchor_quote(text, quote)
    assert (found.state, found.score) == (Anchoring.FUZZY, 95.2)
    assert (found.start, found.end) == (0, len(text) - 1)


@pytest.mark.parametrize(
    ("text", "quote"),
    [("And thus", "US"), ("He was bad", "A"), ("And thus troops arrived.", "US troop")],
)
def test_a_quote_the_text_holds_only_inside_longer_words_is_not_found(text, quote):
    # Not verbatim (the case differs) and not whole words: the normalised step refuses it, and
    # the fuzzy step, which finds it letter for letter, judges the words it sits in instead.
    assert anchor_quote(text, quote) == Anchor(Anchoring.ORPHANED)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        # A letter joined to the last word, to the first (at the start of the text and after
        # a word): the span takes in the whole word, and the passage is still the quoted one.
        ("Yesterday the agreement was signed by both governmentsx today.", (14, 55)),
        ("Xagreement was signed by both governments", (0, 41)),
        ("The xagreement was signed by both governments.", (4, 45)),
    ],
)
def test_a_passage_found_inside_longer_words_spans_those_words_whole(text, span):
    found = anchor_quote(text, "Agreement was signed by both governments")
    assert (found.state, (found.start, found.end), found.score) == (Anchoring.FUZZY, span, 98.8)


@pytest.mark.parametrize(
    ("text", "start"),
    [("xxxsigned by the twoxxx and more.", 0), ("The xxxsigned by the twoxxx.", 4)],
)
def test_a_passage_inside_longer_words_as_like_the_quote_as_the_threshold_is_found(text, start):
    # 17 letters of the quote in 23 of the words around them: 2 * 17 / (17 + 23) = 85 %.
    found = anchor_quote(text, "Signed by the two")
    assert (found.state, found.start, found.end, found.score) == (
        Anchoring.FUZZY,
        start,
        start + 23,
        FUZZY_THRESHOLD,
    )


def test_a_short_quote_that_is_a_whole_word_in_another_case_is_found():
    found = anchor_quote("Then the us troops left.", "US")
    assert (found.state, found.start, found.end, found.score) == (Anchoring.FUZZY, 9, 11, 100.0)
