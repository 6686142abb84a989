"""Candidate claims proposed from a source's text by plain keyword rules.

Nothing here decides anything: each suggestion shows the rule that fired and the words it
matched, and an editor accepts one by POSTing it (edited as needed) to /api/v1/claims/.

How a suggestion comes about:
1. The text is split into sentences (at ., ! or ? followed by a space, except after
   abbreviations such as "U.S." or "Dr."; and at every line break).
2. Headings and captions (lines without closing punctuation) are skipped, and so are sentences
   longer than a claim's statement may be (STATEMENT_MAX_LENGTH: a table or a list run
   together, not a sentence a claim is made of).
3. Every rule in RULES is tried on every sentence; one suggestion per sentence and claim kind,
   from the first rule of that kind that fires. A sentence that names no country and no known
   actor gives none: a claim is about someone.

The cost is linear in the text: sentences are found in one pass, each is scanned once by the
rules and, where a rule fired, once by the shared mention automaton; at most SUGGESTIONS_LIMIT
suggestions are made. The API's answers (`source_mentions`, `source_suggestions`) are cached
per process by the text's hash and the version of the actor table.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Max, Subquery

from claims.models import STATEMENT_MAX_LENGTH, Actor, ClaimKind, CountryRole, Stance
from claimtrack.deadline import check_deadline
from sources.anchoring import context_of
from sources.mentions import Found, MentionMatcher, ResultCache, SharedMatcher
from sources.models import Source, text_digest

# The most mentions /mentions/ lists for one text, and the most suggestions /suggestions/ makes;
# beyond them the answer says it was cut (`truncated`). They bound a worker's memory.
MENTIONS_LIMIT = 20_000
SUGGESTIONS_LIMIT = 1_000


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
_CLOSERS = "\"'”’)]"
_WORD_BEFORE = re.compile(r"([\w.]+)[.!?]?[\"'”’)\]]*$")
_NEXT_CHARACTER = re.compile(r"\s*(\S?)")
# How far back from a full stop the word before it is read: more than any abbreviation, and a
# bound, so that a line of a million full stops is not read again at each of them.
_LOOKBACK = 40


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`, without surrounding whitespace."""
    spans = []
    for line in re.finditer(r"[^\n]+", text):
        start = line.start()
        for end_mark in _END.finditer(text, line.start(), line.end()):
            at = end_mark.end()
            word = _WORD_BEFORE.search(text, max(start, at - _LOOKBACK), at)
            previous = (word.group(1) if word else "").lower().rstrip(".")
            following = _NEXT_CHARACTER.match(text, at, line.end()).group(1)
            if previous in _ABBREVIATIONS or (len(previous) == 1 and previous.isalpha()):
                continue  # "U.S. officials", "J. Smith"
            if following.islower() and len(previous) < 4:
                continue  # "etc. and", "approx. five": a lower-case word after a short one
            spans.append((start, at))
            start = at
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
    return not sentence.rstrip(_CLOSERS).endswith((".", "!", "?"))


def _unique(values: Iterable) -> list:
    return list(dict.fromkeys(values))


def _suggestions(text: str, source_id: int, matcher: MentionMatcher, limit: int) -> Found:
    suggestions: list[dict] = []
    for number, (start, end) in enumerate(split_sentences(text)):
        if not number % 256:
            check_deadline()
        if end - start > STATEMENT_MAX_LENGTH:
            continue
        sentence = text[start:end]
        if _is_heading_or_caption(sentence):
            continue
        fired, kinds_done = [], set()
        for rule in RULES:
            if rule.kind in kinds_done:
                continue
            match = rule.pattern.search(sentence)
            if match is not None:
                kinds_done.add(rule.kind)
                fired.append((rule, match))
        if not fired:
            continue
        here = matcher.find(sentence, offset=start).items
        if not here:
            continue
        mentions = [mention.as_dict(text) for mention in here]
        prefix, suffix = context_of(text, start, end)
        for rule, match in fired:
            if len(suggestions) == limit:
                return Found(suggestions, True)
            suggestions.append(
                {
                    "statement": sentence,
                    "kind": str(rule.kind),
                    # The roles (subject, object, territory…) are for the editor to decide.
                    "countries": [
                        {"code": code, "role": str(CountryRole.MENTIONED)}
                        for code in _unique(m.key for m in here if m.kind == "country")
                    ],
                    "participants": _unique(m.key for m in here if m.kind == "actor"),
                    "citation": {
                        "source": source_id,
                        "quote": sentence,
                        "prefix": prefix,
                        "suffix": suffix,
                        "start": start,
                        "end": end,
                        "stance": str(Stance.MENTIONS),
                    },
                    "mentions": mentions,
                    "rule": {
                        "name": rule.name,
                        "description": rule.description,
                        "matched": match.group(0),
                    },
                }
            )
    return Found(suggestions, False)


def suggest_claims(
    source: Source, actors: Iterable[Actor] | None = None, *, limit: int = SUGGESTIONS_LIMIT
) -> Found:
    """Candidate claims in the source's text, in text order (at most `limit`); see the module
    docstring. `actors`: the known actors (default: the actor table, through the shared
    automaton).

    Each suggestion:
    {"statement", "kind", "countries": [{"code", "role"}], "participants": [actor ids],
     "citation": {"source", "quote", "prefix", "suffix", "start", "end", "stance"},
     "mentions": [as sources.mentions.find_mentions, for this sentence],
     "rule": {"name", "description", "matched"}}
    """
    matcher = mention_matcher() if actors is None else MentionMatcher(actors)
    return _suggestions(source.text or "", source.pk, matcher, limit)


# --- shared by requests: one automaton per actor-table version, results per text ------------

_matcher = SharedMatcher()
_results = ResultCache(max_entries=32)


def actor_table_version() -> tuple:
    """A value that changes whenever an actor is created, edited or deleted (one cheap query:
    every such change adds a history row; bulk writes change the count or the largest id)."""
    latest_change = Actor.history.order_by("-history_id").values("history_id")[:1]
    row = Actor.objects.order_by().aggregate(
        count=Count("id"),
        newest=Max("id"),
        # Max of a constant: the subquery is computed once, in the same statement.
        change=Max(Subquery(latest_change)),
    )
    return row["count"], row["newest"], row["change"]


def mention_matcher(version: tuple | None = None) -> MentionMatcher:
    """The automaton for the actor table as it is (built at most once per version)."""
    return _matcher.get(
        version or actor_table_version(),
        lambda: Actor.objects.only("id", "name", "aliases").iterator(chunk_size=2000),
    )


def source_mentions(source: Source) -> Found:
    """The source's mentions (sources.mentions.Mention), at most MENTIONS_LIMIT; cached."""
    text, version = source.text or "", actor_table_version()
    return _results.get_or_compute(
        ("mentions", text_digest(text), version),
        lambda: mention_matcher(version).find(text, limit=MENTIONS_LIMIT),
    )


def source_suggestions(source: Source) -> Found:
    """suggest_claims(source) for the actor table as it is; cached."""
    text, version = source.text or "", actor_table_version()
    return _results.get_or_compute(
        ("suggestions", source.pk, text_digest(text), version),
        lambda: _suggestions(text, source.pk, mention_matcher(version), SUGGESTIONS_LIMIT),
    )


def forget_cached_results() -> None:
    """Drop the automaton and the cached results (tests: a rolled-back database may reuse ids,
    and so versions)."""
    _matcher.clear()
    _results.clear()
