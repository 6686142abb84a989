"""Locating a quote in a source's text, as a W3C Web Annotation TextQuoteSelector does.

A quote is stored with up to CONTEXT_CHARS characters of prefix and suffix; they decide
between repeated occurrences of the same words. `anchor_quote` tries, in order:

1. an exact match: the quote verbatim (state `exact`, score 100);
2. a normalised match: equal once whitespace runs, curly and straight quotes and apostrophes,
   dashes and case are made uniform (state `fuzzy`, score NORMALISED_SCORE = 100: nothing but
   typography differs);
3. a fuzzy match: the window of the text most similar to the quote, if its similarity
   (rapidfuzz, 0-100) is at least FUZZY_THRESHOLD (state `fuzzy`, with that score); only for
   quotes of at most QUOTE_MAX_LENGTH characters; where the quote's length times the text's is
   above FULL_SCAN_LIMIT (a long quote, a very long text), only where a piece of the quote
   occurs unchanged; a match letter for letter inside longer words (what step 2 refuses: "US"
   in "thus") is judged as those whole words;
4. otherwise the quote is `orphaned`: an editor must look at it.

Where the quote occurs more than once, the occurrence whose surroundings are most similar to the
stored prefix and suffix wins (see _context_score).

Cost: the exact and normalised searches are linear in the text. The fuzzy search aligns the
quote with the whole text (rapidfuzz) only while the product of their lengths is at most
FULL_SCAN_LIMIT; beyond, one linear pass finds the places where pieces of the quote stand, and
only those are compared. Refining a window's ends takes a bounded number of comparisons (coarse
to fine for long quotes). The loops check the request's deadline (claimtrack.deadline).

Whatever matched, `start`/`end` are offsets into the text as stored (not the normalised form)
and the prefix and suffix are refreshed from it. A text that is empty leaves the quote
`unchecked`.
"""

from array import array
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick
from django.db import transaction
from rapidfuzz import fuzz
from rapidfuzz.distance import LCSseq

from claimtrack.deadline import check_deadline

CONTEXT_CHARS = 32
# The longest quote a citation takes through the API; the fuzzy search is done for quotes up to
# this length (a longer one, from an import, is found exactly or normalised, or not at all).
QUOTE_MAX_LENGTH = 10_000
# Aligning a quote with a whole text costs up to about their lengths' product (rapidfuzz's
# partial_ratio on a repetitive text: ~0.5 s at this product). Above it the fuzzy search looks
# only where pieces of the quote occur unchanged (_seed_places), at most _SEED_PLACES places.
FULL_SCAN_LIMIT = 100_000_000
_SEED_MAX_OCCURRENCES = 32
_SEED_PLACES = 4
# A place whose window, before refining, is less like the quote than this is not refined.
_PLACE_SCORE_CUTOFF = 60.0

# The least similarity (rapidfuzz ratio, 0-100) at which a changed passage still counts as
# the quoted one. 85 accepts a changed word or two in a sentence and rejects a different
# sentence about the same subject; see tests/sources/test_anchoring.py for both.
FUZZY_THRESHOLD = 85.0
EXACT_SCORE = 100.0
# A normalised match differs only typographically from the quote, so it scores as identical;
# its state (`fuzzy`, not `exact`) says that it is not verbatim.
NORMALISED_SCORE = 100.0


class Anchoring:
    EXACT = "exact"
    FUZZY = "fuzzy"
    ORPHANED = "orphaned"
    UNCHECKED = "unchecked"


@dataclass(frozen=True)
class Anchor:
    """Where a quote stands in a text (start/end are None unless it was found)."""

    state: str
    start: int | None = None
    end: int | None = None
    prefix: str = ""
    suffix: str = ""
    score: float | None = None


# Characters that print alike and are used interchangeably; each maps to its plain form.
_PLAIN = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u02bc`\u00b4", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043", "-"),
    "\u2026": "...",
}
# Invisible characters (soft hyphen, zero-width spaces and joiners, BOM) are left out.
_INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")


@lru_cache(maxsize=16)
def normalise(text: str) -> tuple[str, array]:
    """The text in comparable form, and for each of its characters the index it came from.

    Runs of whitespace become one space, quote marks and dashes their plain form, letters lower
    case. Cached: re-anchoring every citation of a source normalises the same text each time
    (the indexes as a compact array: 8 bytes a character, not a Python int each).
    """
    chars: list[str] = []
    origin = array("q")
    in_space = False
    for index, char in enumerate(text):
        if char in _INVISIBLE:
            continue
        if char.isspace():
            if not in_space:
                chars.append(" ")
                origin.append(index)
                in_space = True
            continue
        in_space = False
        for plain in _PLAIN.get(char) or char.casefold():
            chars.append(plain)
            origin.append(index)
    return "".join(chars), origin


def context_of(text: str, start: int, end: int) -> tuple[str, str]:
    """The prefix and suffix around a span, CONTEXT_CHARS characters each."""
    return text[max(0, start - CONTEXT_CHARS) : start], text[end : end + CONTEXT_CHARS]


def _common_prefix_length(a: str, b: str) -> int:
    length = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        length += 1
    return length


# Surroundings are compared over a little more than the stored context: a word inserted next
# to the quote shifts the context without making it unlike.
_CONTEXT_SLACK = 8


def _context_score(text: str, start: int, end: int, prefix: str, suffix: str) -> tuple[int, int]:
    """How well the text around a span agrees with the stored prefix and suffix.

    First the characters of each that the surroundings hold in the same order (their longest
    common subsequence): a similarity, so that a changed space or an edit next to the quote does
    not make the right place look like any other. Then, to break ties, the length of the run of
    equal characters next to the span.
    """
    before = text[max(0, start - len(prefix) - _CONTEXT_SLACK) : start]
    after = text[end : end + len(suffix) + _CONTEXT_SLACK]
    similar = LCSseq.similarity(before, prefix) + LCSseq.similarity(after, suffix)
    run = _common_prefix_length(before[::-1], prefix[::-1]) + _common_prefix_length(after, suffix)
    return similar, run


def _occurrences(text: str, quote: str) -> list[int]:
    found, at = [], text.find(quote)
    while at != -1:
        found.append(at)
        if not len(found) % 1024:
            check_deadline()
        at = text.find(quote, at + 1)
    return found


def _best_occurrence(text: str, quote: str, starts: list[int], prefix: str, suffix: str) -> int:
    """The occurrence whose surroundings agree best with prefix and suffix; the first on a tie."""
    if len(starts) == 1 or not (prefix or suffix):
        return starts[0]
    best, best_key = starts[0], None
    for number, start in enumerate(starts):
        if not number % 1024:
            check_deadline()
        key = _context_score(text, start, start + len(quote), prefix, suffix)
        if best_key is None or key > best_key:
            best, best_key = start, key
    return best


def _is_word_char(char: str) -> bool:
    return char.isalnum()


def _respects_word_edges(text: str, start: int, end: int, quote: str) -> bool:
    """A quote that begins (ends) with a letter or digit must not begin (end) inside a word.

    Without this, a normalised "US" would match the end of "thus".
    """
    if _is_word_char(quote[0]) and start > 0 and _is_word_char(text[start - 1]):
        return False
    return not (_is_word_char(quote[-1]) and end < len(text) and _is_word_char(text[end]))


def _found(text: str, state: str, start: int, end: int, score: float) -> Anchor:
    prefix, suffix = context_of(text, start, end)
    return Anchor(state, start, end, prefix, suffix, round(score, 1))


def _exact(text: str, quote: str, prefix: str, suffix: str) -> Anchor | None:
    starts = _occurrences(text, quote)
    if not starts:
        return None
    start = _best_occurrence(text, quote, starts, prefix, suffix)
    return _found(text, Anchoring.EXACT, start, start + len(quote), EXACT_SCORE)


def _normalised(text: str, quote: str, prefix: str, suffix: str) -> Anchor | None:
    norm_text, origin = normalise(text)
    norm_quote = normalise(quote)[0].strip()
    starts = [
        s
        for s in _occurrences(norm_text, norm_quote)
        if _respects_word_edges(norm_text, s, s + len(norm_quote), norm_quote)
    ]
    if not starts:
        return None
    s = _best_occurrence(norm_text, norm_quote, starts, normalise(prefix)[0], normalise(suffix)[0])
    start, end = origin[s], origin[s + len(norm_quote) - 1] + 1
    return _found(text, Anchoring.FUZZY, start, end, NORMALISED_SCORE)


def _edge_bonus(text: str, start: int, end: int) -> int:
    """1 for each end of the span that sits on a word boundary: ties go to whole words."""
    at_start = start == 0 or not _is_word_char(text[start - 1]) or not _is_word_char(text[start])
    at_end = end == len(text) or not _is_word_char(text[end]) or not _is_word_char(text[end - 1])
    return int(at_start) + int(at_end)


# Up to this many positions on either side, every position is tried; beyond, coarse to fine.
_FINE_REACH = 256


def _best_position(lo: int, hi: int, score) -> int:
    """The position in lo..hi with the best score, the first on a tie.

    A short range is tried whole. A long one (a long quote) coarse to fine: every `step`-th
    position, then around the best one with a step eight times smaller, down to 1: about a
    hundred comparisons instead of thousands, each as long as the quote.
    """
    if hi - lo <= 2 * _FINE_REACH:
        return max(range(lo, hi + 1), key=score)
    step = max(1, (hi - lo) // 32)
    low, high = lo, hi
    while True:
        check_deadline()
        positions = list(range(low, high + 1, step))
        if positions[-1] != high:
            positions.append(high)
        best = max(positions, key=score)
        if step == 1:
            return best
        low, high = max(lo, best - step), min(hi, best + step)
        step = max(1, step // 8)


def _refine(quote: str, text: str, start: int, end: int) -> tuple[float, int, int]:
    """Move the ends of a candidate window to where the whole span is most like the quote.

    partial_ratio's window has the quote's length; an edited passage is longer or shorter, so
    each end is moved by up to a fifth of the quote, one end at a time (linear, not quadratic).
    """
    reach = max(3, len(quote) // 5)

    def key(span: tuple[int, int]) -> tuple[float, int]:
        return fuzz.ratio(quote, text[span[0] : span[1]]), _edge_bonus(text, *span)

    s, e = start, end
    for _ in range(2):
        s = _best_position(max(0, s - reach), min(e - 1, s + reach), lambda ns, e=e: key((ns, e)))
        e = _best_position(
            max(s + 1, e - reach), min(len(text), e + reach), lambda ne, s=s: key((s, ne))
        )
    # A span neither starts nor ends with the space between two words.
    while s < e and text[s] == " ":
        s += 1
    while e > s and text[e - 1] == " ":
        e -= 1
    return fuzz.ratio(quote, text[s:e]), s, e


def _fuzzy_window(quote: str, text: str, offset: int = 0) -> tuple[float, int, int] | None:
    """The best window of `text` for `quote` at or above the threshold, as (score, start, end).

    The alignment finds the window of the quote's length most like it; only the refined span is
    judged against the threshold: a passage that gained or lost words may be above it although
    no window of the quote's length is. (A text no longer than the quote is refined as a whole.)
    """
    if not text:
        return None
    if len(quote) >= len(text):
        start, end = 0, len(text)
    else:
        aligned = fuzz.partial_ratio_alignment(quote, text, score_cutoff=_PLACE_SCORE_CUTOFF)
        if aligned is None:
            return None
        start, end = aligned.dest_start, aligned.dest_end
    score, start, end = _refine(quote, text, start, end)
    return (score, offset + start, offset + end) if score >= FUZZY_THRESHOLD else None


def _seed_places(quote: str, text: str) -> list[int]:
    """Where a quote may start in `text`, judged by the places where its pieces occur unchanged,
    best supported first (at most _SEED_PLACES).

    The quote is cut into pieces of 8 to 24 characters; one pass over the text with an automaton
    of the pieces finds them (linear). A piece found more than _SEED_MAX_OCCURRENCES times says
    nothing about the place and is ignored. A passage with no piece left unchanged is not found.
    """
    length = min(len(quote), max(8, min(24, len(quote) // 8)))
    offsets: dict[str, list[int]] = {}
    for at in range(0, len(quote) - length + 1, length):
        offsets.setdefault(quote[at : at + length], []).append(at)
    automaton = ahocorasick.Automaton()
    for number, (piece, at_list) in enumerate(offsets.items()):
        automaton.add_word(piece, (number, at_list))
    automaton.make_automaton()
    votes: dict[int, list[int] | None] = {}
    for count, (last, (number, at_list)) in enumerate(automaton.iter(text)):
        if not count % 4096:
            check_deadline()
        found = votes.setdefault(number, [])
        if found is None:
            continue
        if len(found) >= _SEED_MAX_OCCURRENCES * len(at_list):
            votes[number] = None
            continue
        # Where the quote would start if this piece stands where it stands in the quote.
        found.extend(last - length + 1 - at for at in at_list)
    # Votes within a quarter of the quote of each other (edits move the pieces) are one place;
    # its support is the number of different pieces that voted for it.
    spread = max(length, len(quote) // 4)
    ballot = sorted((start, number) for number, found in votes.items() if found for start in found)
    places: list[tuple[list[int], set[int]]] = []
    for start, number in ballot:
        if places and start - places[-1][0][-1] <= spread:
            places[-1][0].append(start)
            places[-1][1].add(number)
        else:
            places.append(([start], {number}))
    places.sort(key=lambda place: (-len(place[1]), place[0][0]))
    return [starts[len(starts) // 2] for starts, _ in places[:_SEED_PLACES]]


def _window_at(quote: str, text: str, start: int) -> tuple[float, int, int] | None:
    """The best window for `quote` that starts near `start`, if at or above the threshold."""
    start = min(max(0, start), max(0, len(text) - 1))
    end = min(len(text), start + len(quote))
    if fuzz.ratio(quote, text[start:end]) < _PLACE_SCORE_CUTOFF:
        return None  # pieces in common by chance, not the passage: not worth refining
    score, start, end = _refine(quote, text, start, end)
    return (score, start, end) if score >= FUZZY_THRESHOLD else None


def _not_inside_words(quote: str, text: str, window: tuple[float, int, int]):
    """The window, unless it is the quote letter for letter inside longer words: the match the
    normalised step refused ("US" in "thus"). That one is widened to the whole words it sits in
    and judged as them (rarely still at the threshold). An edited passage's window (below 100)
    is left as it is: its ends are the refinement's best guess, not a claim of identity."""
    score, start, end = window
    if score < EXACT_SCORE or _respects_word_edges(text, start, end, quote):
        return window
    while start > 0 and _is_word_char(text[start - 1]):
        start -= 1
    while end < len(text) and _is_word_char(text[end]):
        end += 1
    score = fuzz.ratio(quote, text[start:end])
    return (score, start, end) if score >= FUZZY_THRESHOLD else None


def _fuzzy(text: str, quote: str, prefix: str, suffix: str) -> Anchor | None:
    if len(quote) > QUOTE_MAX_LENGTH:
        return None
    norm_text, origin = normalise(text)
    norm_quote = normalise(quote)[0].strip()
    norm_prefix, norm_suffix = normalise(prefix)[0], normalise(suffix)[0]
    if len(norm_text) * len(norm_quote) > FULL_SCAN_LIMIT:
        # Aligning the quote with the whole text would cost their lengths' product; the pieces
        # of it that occur unchanged say where to look instead.
        places = _seed_places(norm_quote, norm_text)
        windows = [_window_at(norm_quote, norm_text, place) for place in places]
    else:
        windows = [_fuzzy_window(norm_quote, norm_text)]
        if norm_prefix or norm_suffix:
            # An edited passage that occurs twice: look for the quote where its context is.
            with_context = norm_prefix + norm_quote + norm_suffix
            region = fuzz.partial_ratio_alignment(with_context, norm_text)
            if region is not None:
                lo = max(0, region.dest_start - len(norm_quote) // 4)
                hi = min(len(norm_text), region.dest_end + len(norm_quote) // 4)
                windows.append(_fuzzy_window(norm_quote, norm_text[lo:hi], offset=lo))
    candidates = [
        kept
        for window in windows
        if window and (kept := _not_inside_words(norm_quote, norm_text, window))
    ]
    if not candidates:
        return None

    def rank(candidate: tuple[float, int, int]) -> tuple[float, tuple[int, int]]:
        score, s, e = candidate
        # Scores within half a point are the same match; then the context decides.
        return round(score * 2) / 2, _context_score(norm_text, s, e, norm_prefix, norm_suffix)

    score, s, e = max(candidates, key=rank)
    start, end = origin[s], origin[e - 1] + 1
    return _found(text, Anchoring.FUZZY, start, end, score)


def anchor_quote(text: str, quote: str, prefix: str = "", suffix: str = "") -> Anchor:
    """Locate `quote` in `text`: exact, else normalised, else fuzzy, else orphaned."""
    if not text:
        return Anchor(Anchoring.UNCHECKED, prefix=prefix, suffix=suffix)
    if not quote or not quote.strip():
        return Anchor(Anchoring.ORPHANED, prefix=prefix, suffix=suffix)
    for matcher in (_exact, _normalised, _fuzzy):
        check_deadline()
        found = matcher(text, quote, prefix, suffix)
        if found is not None:
            return found
    # Keep the old context: it helps a person (and a later re-anchoring) find the passage.
    return Anchor(Anchoring.ORPHANED, prefix=prefix, suffix=suffix)


def _anchor_fields(citation) -> tuple:
    return (
        citation.anchoring,
        citation.start,
        citation.end,
        citation.anchor_score,
        citation.prefix,
        citation.suffix,
    )


def source_reanchor(*, source) -> list[dict]:
    """Anchor every citation of `source` in its current text again; one result per citation.

    Citations whose anchoring did not change are not written (no new history row). Each result
    is {"citation", "anchoring", "score", "start", "end", "changed"}.
    """
    results = []
    with transaction.atomic():
        # Read through the reverse relation: sources does not import claims.
        for citation in source.citations.select_for_update().order_by("id"):
            check_deadline()
            before = _anchor_fields(citation)
            citation.source = source
            citation.anchor(source.text)
            changed = _anchor_fields(citation) != before
            if changed:
                citation.save()
            results.append(
                {
                    "citation": citation.pk,
                    "anchoring": citation.anchoring,
                    "score": citation.anchor_score,
                    "start": citation.start,
                    "end": citation.end,
                    "changed": changed,
                }
            )
    return results
