"""Locating a quote in a source's text, as a W3C Web Annotation TextQuoteSelector does.

A quote is stored with up to CONTEXT_CHARS characters of prefix and suffix; they decide
between repeated occurrences of the same words. `anchor_quote` tries, in order:

1. an exact match: the quote verbatim (state `exact`, score 100);
2. a normalised match: equal once whitespace runs, curly and straight quotes and apostrophes,
   dashes and case are made uniform (state `fuzzy`, score NORMALISED_SCORE = 100: nothing but
   typography differs);
3. a fuzzy match: the window of the text most similar to the quote, if its similarity
   (rapidfuzz, 0-100) is at least FUZZY_THRESHOLD (state `fuzzy`, with that score);
4. otherwise the quote is `orphaned`: an editor must look at it.

Whatever matched, `start`/`end` are offsets into the text as stored (not the normalised form)
and the prefix and suffix are refreshed from it. A text that is empty leaves the quote
`unchecked`.
"""

from dataclasses import dataclass
from functools import lru_cache

from django.db import transaction
from rapidfuzz import fuzz

CONTEXT_CHARS = 32

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
def normalise(text: str) -> tuple[str, tuple[int, ...]]:
    """The text in comparable form, and for each of its characters the index it came from.

    Runs of whitespace become one space, quote marks and dashes their plain form, letters lower
    case. Cached: re-anchoring every citation of a source normalises the same text each time.
    """
    chars: list[str] = []
    origin: list[int] = []
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
    return "".join(chars), tuple(origin)


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


def _context_score(text: str, start: int, end: int, prefix: str, suffix: str) -> int:
    """How many characters of the stored prefix and suffix agree with the text around a span."""
    before = text[max(0, start - len(prefix)) : start]
    after = text[end : end + len(suffix)]
    return _common_prefix_length(before[::-1], prefix[::-1]) + _common_prefix_length(after, suffix)


def _occurrences(text: str, quote: str) -> list[int]:
    found, at = [], text.find(quote)
    while at != -1:
        found.append(at)
        at = text.find(quote, at + 1)
    return found


def _best_occurrence(text: str, quote: str, starts: list[int], prefix: str, suffix: str) -> int:
    """The occurrence whose surroundings agree best with prefix and suffix; the first on a tie."""
    return max(starts, key=lambda s: (_context_score(text, s, s + len(quote), prefix, suffix), -s))


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


def _refine(quote: str, text: str, start: int, end: int) -> tuple[float, int, int]:
    """Move the ends of a candidate window to where the whole span is most like the quote.

    partial_ratio's window has the quote's length; an edited passage is longer or shorter, so
    each end is moved by up to a fifth of the quote, one end at a time (linear, not quadratic).
    """
    reach = max(3, len(quote) // 5)

    def key(span: tuple[int, int]) -> tuple[float, int]:
        return fuzz.ratio(quote, text[span[0] : span[1]]), _edge_bonus(text, *span)

    best = (start, end)
    for _ in range(2):
        s, e = best
        best = max([(ns, e) for ns in range(max(0, s - reach), min(e - 1, s + reach) + 1)], key=key)
        s, e = best
        best = max(
            [(s, ne) for ne in range(max(s + 1, e - reach), min(len(text), e + reach) + 1)],
            key=key,
        )
    s, e = best
    # A span neither starts nor ends with the space between two words.
    while s < e and text[s] == " ":
        s += 1
    while e > s and text[e - 1] == " ":
        e -= 1
    return fuzz.ratio(quote, text[s:e]), s, e


def _fuzzy_window(quote: str, text: str, offset: int = 0) -> tuple[float, int, int] | None:
    """The best window of `text` for `quote` at or above the threshold, as (score, start, end)."""
    if not text:
        return None
    if len(quote) >= len(text):
        score = fuzz.ratio(quote, text)
        return (score, offset, offset + len(text)) if score >= FUZZY_THRESHOLD else None
    aligned = fuzz.partial_ratio_alignment(quote, text, score_cutoff=FUZZY_THRESHOLD)
    if aligned is None:
        return None
    score, start, end = _refine(quote, text, aligned.dest_start, aligned.dest_end)
    return (score, offset + start, offset + end) if score >= FUZZY_THRESHOLD else None


def _fuzzy(text: str, quote: str, prefix: str, suffix: str) -> Anchor | None:
    norm_text, origin = normalise(text)
    norm_quote = normalise(quote)[0].strip()
    norm_prefix, norm_suffix = normalise(prefix)[0], normalise(suffix)[0]
    candidates = []
    best = _fuzzy_window(norm_quote, norm_text)
    if best:
        candidates.append(best)
    if norm_prefix or norm_suffix:
        # An edited passage that occurs twice: look for the quote where its context is.
        with_context = norm_prefix + norm_quote + norm_suffix
        region = fuzz.partial_ratio_alignment(with_context, norm_text)
        if region is not None:
            lo = max(0, region.dest_start - len(norm_quote) // 4)
            hi = min(len(norm_text), region.dest_end + len(norm_quote) // 4)
            near = _fuzzy_window(norm_quote, norm_text[lo:hi], offset=lo)
            if near:
                candidates.append(near)
    if not candidates:
        return None

    def rank(candidate: tuple[float, int, int]) -> tuple[float, int]:
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
