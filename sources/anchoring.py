"""Locating a quote in a source's text, as a W3C Web Annotation TextQuoteSelector does.

A quote is stored with up to CONTEXT_CHARS characters of prefix and suffix; they decide
between repeated occurrences of the same words.
"""

from dataclasses import dataclass

CONTEXT_CHARS = 32


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


def _occurrences(text: str, quote: str) -> list[int]:
    found, at = [], text.find(quote)
    while at != -1:
        found.append(at)
        at = text.find(quote, at + 1)
    return found


def _context_score(text: str, start: int, end: int, prefix: str, suffix: str) -> int:
    """2 when prefix and suffix both match around [start, end), 1 for one of them, 0 for none."""
    before = text[max(0, start - len(prefix)) : start]
    after = text[end : end + len(suffix)]
    return int(bool(prefix) and before == prefix) + int(bool(suffix) and after == suffix)


def context_of(text: str, start: int, end: int) -> tuple[str, str]:
    """The prefix and suffix around a span, CONTEXT_CHARS characters each."""
    return text[max(0, start - CONTEXT_CHARS) : start], text[end : end + CONTEXT_CHARS]


def anchor_quote(text: str, quote: str, prefix: str = "", suffix: str = "") -> Anchor:
    """Find `quote` verbatim in `text`; prefix/suffix pick between repeats (first best wins)."""
    if not text:
        return Anchor(Anchoring.UNCHECKED, prefix=prefix, suffix=suffix)
    if not quote:
        return Anchor(Anchoring.ORPHANED, prefix=prefix, suffix=suffix)
    starts = _occurrences(text, quote)
    if not starts:
        return Anchor(Anchoring.ORPHANED, prefix=prefix, suffix=suffix)
    best = max(starts, key=lambda s: (_context_score(text, s, s + len(quote), prefix, suffix), -s))
    end = best + len(quote)
    new_prefix, new_suffix = context_of(text, best, end)
    return Anchor(Anchoring.EXACT, best, end, new_prefix, new_suffix, 1.0)
