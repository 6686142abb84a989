"""Candidate claims proposed from a source's text by plain keyword rules.

Nothing here decides anything: each suggestion shows the rule that fired and the words it
matched, and an editor accepts one by POSTing it (edited as needed) to /api/v1/claims/.

How a suggestion comes about:
1. The text is split into sentences (at ., ! or ? followed by a space, except after
   abbreviations such as "U.S." or "Dr."; and at every line break).
2. Headings and captions (lines without closing punctuation) are skipped, and so are sentences
   that name no country and no known actor: a claim is about someone.
3. Every rule in RULES is tried on every sentence; one suggestion per sentence and claim kind,
   from the first rule of that kind that fires.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from claims.models import STATEMENT_MAX_LENGTH, Actor, ClaimKind, CountryRole, Stance
from sources.anchoring import context_of
from sources.mentions import find_mentions
from sources.models import Source


@dataclass(frozen=True)
class Rule:
    """A keyword pattern that marks a sentence as a candidate claim of one kind."""

    name: str
    kind: str
    pattern: re.Pattern
    description: str


def _rule(name: str, kind: str, pattern: str, description: str) -> Rule:
    return Rule(name, kind, re.compile(pattern, re.IGNORECASE), description)


# Between a verb and its object, up to this many characters that do not end a clause.
_GAP = r"[^.;:!?]{0,80}?"

RULES: tuple[Rule, ...] = (
    _rule(
        "recognition",
        ClaimKind.RECOGNITION,
        rf"\brecogni[sz](?:e|es|ed|ing|tion)\b{_GAP}\b(?:sovereignty|independence|statehood|"
        r"annexation|as (?:a|an|the) (?:independent )?(?:state|country|government))\b",
        "recognises sovereignty, independence or statehood",
    ),
    _rule(
        "plan_support",
        ClaimKind.AGREEMENT,
        rf"\b(?:support(?:s|ed|ing)?|back(?:s|ed|ing)?|endors(?:e|es|ed|ing|ement)|"
        rf"recogni[sz](?:e|es|ed|ing)|welcom(?:e|es|ed|ing)|favou?r(?:s|ed|ing)?)\b{_GAP}"
        r"\b(?:plan|proposal|project|initiative|autonomy)s?\b",
        "supports, backs or endorses a plan, proposal or project",
    ),
    _rule(
        "agreement_signed",
        ClaimKind.AGREEMENT,
        r"\b(?:sign(?:s|ed|ing)?|conclud(?:e|es|ed|ing)|reach(?:es|ed)?|ratif(?:y|ies|ied))\b"
        r"[^.;:!?]{0,40}?\b(?:agreement|accord|memorandum|treaty|deal|pact|convention)s?\b",
        "signs or concludes an agreement, accord or treaty",
    ),
    _rule(
        "meeting",
        ClaimKind.MEETING,
        r"\b(?:met|meet(?:s|ing|ings)?|talks|working sessions?|held (?:a |several )?"
        r"(?:sessions?|meetings?|talks)|summit|conferred|discussions? with)\b",
        "a meeting, talks, working sessions or a summit",
    ),
    _rule(
        "visit",
        ClaimKind.ATTENDANCE,
        r"\b(?:visit(?:s|ed|ing)?|trip to|travel(?:l)?ed to|arriv(?:e|es|ed) in)\b",
        "a visit or a trip somewhere (recorded as attendance)",
    ),
    _rule(
        "attendance",
        ClaimKind.ATTENDANCE,
        r"\b(?:attend(?:s|ed|ing)?|t(?:ook|akes) part in|participat(?:e|es|ed) in (?:the|a))\b",
        "attends or takes part in an event",
    ),
    _rule(
        "exercise",
        ClaimKind.MILITARY_COOPERATION,
        r"\b(?:(?:military|joint|naval|air|army) (?:exercises?|drills?|manoeuvres|maneuvers)|"
        r"(?:military|defen[cs]e|security) (?:and \w+ )?cooperation)\b",
        "military exercises or military/defence cooperation",
    ),
    _rule(
        "acquisition",
        ClaimKind.ACQUISITION,
        r"\b(?:acquisitions?|acquir(?:e|es|ed|ing)|purchas(?:e|es|ed|ing)|bought|buys?|"
        r"procur(?:e|es|ed|ing|ement))\b",
        "acquires, purchases or procures something",
    ),
    _rule(
        "diplomatic_relations",
        ClaimKind.DIPLOMATIC_RELATIONS,
        r"\b(?:diplomatic (?:relations|ties)|(?:established|restored|severed|broke off|"
        r"normali[sz]ed) (?:\w+ )?relations|normali[sz]ation|embass(?:y|ies)|consulates?)\b",
        "establishes, restores or breaks diplomatic relations",
    ),
)

# Abbreviations after which a full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    {
        *("mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "sgt", "capt", "st", "sr", "jr"),
        *("no", "vs", "etc", "approx", "inc", "ltd", "co", "corp", "dept", "e.g", "i.e"),
        *("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"),
        *("u.s", "u.k", "u.n", "u.a.e"),
    }
)
_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s)")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`, without surrounding whitespace."""
    spans = []
    for line in re.finditer(r"[^\n]+", text):
        start = line.start()
        for end_mark in _END.finditer(text, line.start(), line.end()):
            word = re.search(r"([\w.]+)[.!?]?[\"'”’)\]]*$", text[start : end_mark.end()])
            previous = (word.group(1) if word else "").lower().rstrip(".")
            following = text[end_mark.end() : line.end()].lstrip()[:1]
            if previous in _ABBREVIATIONS or (len(previous) == 1 and previous.isalpha()):
                continue  # "U.S. officials", "J. Smith"
            if following.islower() and len(previous) < 4:
                continue  # "etc. and", "approx. five": a lower-case word after a short one
            spans.append((start, end_mark.end()))
            start = end_mark.end()
        spans.append((start, line.end()))
    trimmed = []
    for start, end in spans:
        segment = text[start:end]
        stripped = segment.strip()
        if stripped:
            lead = len(segment) - len(segment.lstrip())
            trimmed.append((start + lead, start + lead + len(stripped)))
    return trimmed


def _is_heading_or_caption(sentence: str) -> bool:
    return not re.search(r"[.!?][\"'”’)\]]*$", sentence)


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _unique(values: Iterable) -> list:
    return list(dict.fromkeys(values))


def suggest_claims(source: Source, actors: Iterable[Actor] | None = None) -> list[dict]:
    """Candidate claims in the source's text, in text order; see the module docstring.

    Each suggestion:
    {"statement", "kind", "countries": [{"code", "role"}], "participants": [actor ids],
     "citation": {"source", "quote", "prefix", "suffix", "start", "end", "stance"},
     "mentions": [as sources.mentions.find_mentions, for this sentence],
     "rule": {"name", "description", "matched"}}
    """
    text = source.text or ""
    if actors is None:
        actors = Actor.objects.only("id", "name", "aliases")
    mentions = find_mentions(text, list(actors))
    suggestions = []
    for start, end in split_sentences(text):
        sentence = text[start:end]
        if _is_heading_or_caption(sentence):
            continue
        here = [m for m in mentions if m["start"] >= start and m["end"] <= end]
        if not here:
            continue
        kinds_done = set()
        for rule in RULES:
            if rule.kind in kinds_done:
                continue
            match = rule.pattern.search(sentence)
            if match is None:
                continue
            kinds_done.add(rule.kind)
            prefix, suffix = context_of(text, start, end)
            suggestions.append(
                {
                    "statement": _shortened(sentence, STATEMENT_MAX_LENGTH),
                    "kind": str(rule.kind),
                    # The roles (subject, object, territory…) are for the editor to decide.
                    "countries": [
                        {"code": code, "role": str(CountryRole.MENTIONED)}
                        for code in _unique(m["code"] for m in here if m["kind"] == "country")
                    ],
                    "participants": _unique(m["actor_id"] for m in here if m["kind"] == "actor"),
                    "citation": {
                        "source": source.pk,
                        "quote": sentence,
                        "prefix": prefix,
                        "suffix": suffix,
                        "start": start,
                        "end": end,
                        "stance": str(Stance.MENTIONS),
                    },
                    "mentions": here,
                    "rule": {
                        "name": rule.name,
                        "description": rule.description,
                        "matched": match.group(0),
                    },
                }
            )
    return suggestions
