"""Countries and known actors that a text mentions, with character offsets.

Country names come from django-countries (official and common names, without the
parenthesised parts, e.g. "Iran" from "Iran (Islamic Republic of)"), plus COUNTRY_ALIASES:
short forms, demonyms and set phrases ("US", "American", "Saharawi", "Alaouite kingdom").

Matching rules, chosen so that a mention is a mention:
- whole words only: "Niger" is not found in "Nigeria", "American" not in "Americas";
- case-sensitive, as written in the table or in capitals ("MOROCCO" in a headline), so that
  the pronoun "us", the bird "turkey" and the name "chad" are not countries;
- the longest name wins: "Papua New Guinea" is one mention, not also "Guinea";
- PHRASES_THAT_ARE_NOT_COUNTRIES ("Latin America", "New Mexico") are skipped.

Actors are matched by name and aliases under the same rules.

Cost: one Aho-Corasick automaton (pyahocorasick) holds every country phrase and every actor
name and alias; one pass over the text finds them all, in time linear in the text (plus the
matches). The automaton is built once per version of the actor table and shared by the threads
of a process (SharedMatcher); results are cached by the text's hash (ResultCache).
"""

import heapq
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

import ahocorasick
from django.utils import translation
from django_countries import countries
from django_countries.data import COUNTRIES

from claimtrack.deadline import check_deadline

# Short forms, demonyms and set phrases, by ISO 3166-1 alpha-2 code. "English" (England is not
# an ISO country) and "Arab"/"Arabic" (many countries) are left out on purpose.
COUNTRY_ALIASES: dict[str, tuple[str, ...]] = {
    "AE": ("UAE", "U.A.E.", "Emirates", "Emirati", "Emiratis"),
    "AF": ("Afghan", "Afghans"),
    "AR": ("Argentine", "Argentinian", "Argentinians"),
    "AT": ("Austrian", "Austrians"),
    "AU": ("Australian", "Australians"),
    "BE": ("Belgian", "Belgians"),
    "BF": ("Burkinabe", "Burkinabè"),
    "BR": ("Brazilian", "Brazilians"),
    "CA": ("Canadian", "Canadians"),
    "CD": ("DRC", "DR Congo", "Congo-Kinshasa", "Congolese"),
    "CG": ("Congo-Brazzaville",),
    "CH": ("Swiss",),
    "CI": ("Ivory Coast", "Ivorian", "Ivorians"),
    "CN": ("Chinese", "PRC", "People's Republic of China"),
    "CU": ("Cuban", "Cubans"),
    "CZ": ("Czech", "Czechs"),
    "DE": ("German", "Germans"),
    "DK": ("Danish", "Danes"),
    "DZ": ("Algerian", "Algerians"),
    "EG": ("Egyptian", "Egyptians"),
    "EH": ("Saharawi", "Saharawis", "Sahrawi", "Sahrawis", "Sahrawi Arab Democratic Republic"),
    "ES": ("Spanish", "Spaniards", "Kingdom of Spain"),
    "ET": ("Ethiopian", "Ethiopians"),
    "FI": ("Finnish", "Finns"),
    "FR": ("French", "French Republic"),
    "GB": ("UK", "U.K.", "Britain", "Great Britain", "British", "Britons"),
    "GH": ("Ghanaian", "Ghanaians"),
    "GR": ("Greek", "Greeks"),
    "HU": ("Hungarian", "Hungarians"),
    "ID": ("Indonesian", "Indonesians"),
    "IE": ("Irish",),
    "IL": ("Israeli", "Israelis", "State of Israel"),
    "IN": ("Indian", "Indians"),
    "IQ": ("Iraqi", "Iraqis"),
    "IR": ("Iranian", "Iranians", "Islamic Republic of Iran", "Persia"),
    "IT": ("Italian", "Italians"),
    "JO": ("Jordanian", "Jordanians"),
    "JP": ("Japanese",),
    "KE": ("Kenyan", "Kenyans"),
    "KP": ("DPRK", "North Korean", "North Koreans"),
    "KR": ("Korea", "South Korean", "South Koreans"),
    "KW": ("Kuwaiti", "Kuwaitis"),
    "LB": ("Lebanese",),
    "LY": ("Libyan", "Libyans"),
    "MA": (
        "Moroccan",
        "Moroccans",
        "Kingdom of Morocco",
        "Alaouite kingdom",
        "Alaouite Kingdom",
        "Cherifian kingdom",
        "Sherifian kingdom",
    ),
    "ML": ("Malian", "Malians"),
    "MR": ("Mauritanian", "Mauritanians"),
    "MX": ("Mexican", "Mexicans"),
    "NE": ("Nigerien", "Nigeriens"),
    "NG": ("Nigerian", "Nigerians"),
    "NL": ("Holland", "Dutch"),
    "NO": ("Norwegian", "Norwegians"),
    "PK": ("Pakistani", "Pakistanis"),
    "PL": ("Polish", "Poles"),
    "PS": ("Palestinian", "Palestinians"),
    "PT": ("Portuguese",),
    "QA": ("Qatari", "Qataris"),
    "RO": ("Romanian", "Romanians"),
    "RU": ("Russian", "Russians"),
    "SA": ("Saudi", "Saudis", "Saudi Arabian"),
    "SD": ("Sudanese",),
    "SE": ("Swedish", "Swedes"),
    "SN": ("Senegalese",),
    "SY": ("Syrian", "Syrians"),
    "TD": ("Chadian", "Chadians"),
    "TN": ("Tunisian", "Tunisians"),
    "TR": ("Turkish", "Turks"),
    "TW": ("Taiwanese",),
    "UA": ("Ukrainian", "Ukrainians"),
    "US": (
        "US",
        "U.S.",
        "USA",
        "U.S.A.",
        "America",
        "American",
        "Americans",
        "United States",
        # How news reports name the US government; the city is in the US either way.
        "Washington",
    ),
    "VE": ("Venezuelan", "Venezuelans"),
    "VN": ("Vietnamese",),
    "YE": ("Yemeni", "Yemenis"),
    "ZA": ("South African", "South Africans"),
}

# Longer phrases that contain a country name or alias but are not about that country.
PHRASES_THAT_ARE_NOT_COUNTRIES = (
    "Latin America",
    "Latin American",
    "Latin Americans",
    "North America",
    "North American",
    "North Americans",
    "South America",
    "South American",
    "South Americans",
    "Central America",
    "Central American",
    "Central Americans",
    "Washington Post",
    "Washington State",
    "New Mexico",
    "New Jersey",
    "New Guinea",
    "British Columbia",
    "British Virgin Islands",
    "French Guiana",
    "French Polynesia",
    "Indian Ocean",
    "American Samoa",
)


@dataclass(frozen=True)
class _Target:
    """What a matched phrase stands for: a country code or an actor id (None: skip it)."""

    kind: str
    key: str | int | None
    name: str


class Mention(NamedTuple):
    """A country or an actor named at text[start:end]."""

    kind: str  # "country" or "actor"
    key: str | int  # the ISO 3166-1 alpha-2 code, or the actor's id
    name: str
    start: int
    end: int

    def as_dict(self, text: str) -> dict:
        """The API's form (see find_mentions); `text` is the text the offsets point into."""
        id_field = "code" if self.kind == "country" else "actor_id"
        return {
            "kind": self.kind,
            id_field: self.key,
            "name": self.name,
            "start": self.start,
            "end": self.end,
            "surface": text[self.start : self.end],
        }


class Found(NamedTuple):
    """What was found, in text order, and whether the list stopped at its cap."""

    items: list
    truncated: bool


def _forms(phrase: str) -> set[str]:
    """The phrase as written and in capitals (headlines), when it has lower-case letters."""
    forms = {phrase}
    if len(phrase) > 3 and phrase.upper() != phrase:
        forms.add(phrase.upper())
    return forms


@lru_cache(maxsize=1)
def _country_phrases() -> dict[str, list[_Target]]:
    # rank 0: the common name and the aliases; rank 1: official and former names cut at a
    # parenthesis or comma. A cut name never takes a phrase from a country that owns it at
    # rank 0 ("Congo" is the Republic of the Congo, not "Congo (the Democratic Republic of the)").
    ranked: dict[str, tuple[int, list[_Target]]] = {}

    def add(phrase: str, target: _Target, rank: int) -> None:
        for form in _forms(phrase.strip()):
            best_rank, bucket = ranked.get(form, (rank, []))
            if rank < best_rank:
                best_rank, bucket = rank, []
            if rank == best_rank and target not in bucket:
                bucket.append(target)
            ranked[form] = (best_rank, bucket)

    with translation.override("en"):
        for code, common_name in countries:
            name = str(common_name)
            target = _Target("country", code, name)
            add(name, target, 0)
            for alias in COUNTRY_ALIASES.get(code, ()):
                add(alias, target, 0)
            for variant in (COUNTRIES.get(code, name), *countries.OLD_NAMES.get(code, ())):
                # "Iran (Islamic Republic of)" -> "Iran"; "Palestine, State of" -> "Palestine"
                cut = re.split(r"\s*[(,\[]", str(variant))[0]
                if cut:
                    add(cut, target, 1)
    phrases = {phrase: bucket for phrase, (_, bucket) in ranked.items()}
    for phrase in PHRASES_THAT_ARE_NOT_COUNTRIES:
        for form in _forms(phrase):
            phrases[form] = [_Target("none", None, phrase)]
    return phrases


def _is_word_char(char: str) -> bool:
    # What the regex \w matches in a str pattern.
    return char.isalnum() or char == "_"


# Countries and actors are chosen apart: an actor named "Kingdom of Morocco Ministry" does not
# hide the country in its name, and a country does not hide an actor.
_COUNTRIES, _ACTORS = 0, 1
# How many raw matches pass between two looks at the request's deadline.
_DEADLINE_EVERY = 4096


class MentionMatcher:
    """Finds whole-word occurrences of every country phrase and of the given actors' names and
    aliases in one pass (one Aho-Corasick automaton); build once, use from any thread."""

    def __init__(self, actors: Iterable = ()):
        phrases: dict[str, tuple[list[_Target], list[_Target]]] = {
            phrase: (list(targets), []) for phrase, targets in _country_phrases().items()
        }
        for actor in actors:
            target = _Target("actor", actor.pk, actor.name)
            for phrase in [actor.name, *(actor.aliases or [])]:
                if not isinstance(phrase, str) or not phrase.strip():
                    continue
                for form in _forms(phrase.strip()):
                    bucket = phrases.setdefault(form, ([], []))[_ACTORS]
                    if target not in bucket:
                        bucket.append(target)
        self.automaton = ahocorasick.Automaton()
        for phrase, (country_targets, actor_targets) in phrases.items():
            self.automaton.add_word(
                phrase, (len(phrase), (tuple(country_targets), tuple(actor_targets)))
            )
        self.automaton.make_automaton()
        self.longest = max(map(len, phrases), default=0)

    def find(self, text: str, *, offset: int = 0, limit: int | None = None) -> Found:
        """The mentions in `text` in text order (offsets shifted by `offset`), at most `limit`.

        At each position the longest phrase that is a whole word wins, as a left-to-right scan
        would choose it: a phrase inside a longer one that was chosen is not a mention.
        """
        found: list[Mention] = []
        if not text:
            return Found(found, False)
        size = len(text)
        # Candidates by start, the longest per kind; a start is decided once no phrase that
        # starts there (or before) can still end further on.
        pending: dict[int, list] = {}
        starts: list[int] = []
        taken_until = [0, 0]  # per kind: where the last chosen phrase ended

        def decide(before: int) -> bool:
            while starts and starts[0] < before:
                start = heapq.heappop(starts)
                chosen = []
                for kind, candidate in enumerate(pending.pop(start)):
                    if candidate is not None and start >= taken_until[kind]:
                        taken_until[kind] = candidate[0]
                        chosen.extend(
                            (-candidate[0], t.kind, i, t)
                            for i, t in enumerate(candidate[1])
                            if t.kind != "none"
                        )
                for minus_end, _, _, target in sorted(chosen):
                    found.append(
                        Mention(
                            target.kind,
                            target.key,
                            target.name,
                            offset + start,
                            offset - minus_end,
                        )
                    )
                if limit is not None and len(found) > limit:
                    return False
            return True

        going = True
        for count, (last, (length, targets)) in enumerate(self.automaton.iter(text)):
            if not count % _DEADLINE_EVERY:
                check_deadline()
            start, end = last - length + 1, last + 1
            if (start and _is_word_char(text[start - 1])) or (
                end < size and _is_word_char(text[end])
            ):
                continue
            if start not in pending:
                pending[start] = [None, None]
                heapq.heappush(starts, start)
            for kind in (_COUNTRIES, _ACTORS):
                if targets[kind]:
                    # Matches arrive by end position: a later one for this start is longer.
                    pending[start][kind] = (end, targets[kind])
            if not decide(end - self.longest):
                going = False
                break
        if going:
            decide(size + 1)
        if limit is not None and len(found) > limit:
            return Found(found[:limit], True)
        return Found(found, False)


def find_mentions(text: str, actors: Iterable = ()) -> list[dict]:
    """Countries and actors named in `text`, in order of appearance.

    `actors` are objects with `pk`, `name` and `aliases` (claims.Actor rows; this module does
    not import claims). Each mention is a dict:
    {"kind": "country", "code": "MA", "name": "Morocco", "start", "end", "surface"} or
    {"kind": "actor", "actor_id": 7, "name": "Avril Haines", "start", "end", "surface"},
    where text[start:end] == surface.
    """
    return [m.as_dict(text) for m in MentionMatcher(actors).find(text or "").items]


class SharedMatcher:
    """The MentionMatcher of the current version of the actor table, built once per version
    and shared by the threads of a process (a worker never rebuilds it per request)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._current: tuple[Hashable, MentionMatcher] | None = None

    def get(self, version: Hashable, load_actors: Callable[[], Iterable]) -> MentionMatcher:
        current = self._current
        if current is not None and current[0] == version:
            return current[1]
        with self._lock:  # one thread builds; the others wait for it instead of building too
            current = self._current
            if current is None or current[0] != version:
                current = (version, MentionMatcher(load_actors()))
                self._current = current
        return current[1]

    def clear(self) -> None:
        with self._lock:
            self._current = None


class ResultCache:
    """The last `max_entries` results computed from texts, least recently used out first; keys
    hold the text's hash and whatever else the result depends on. Shared by a process's threads."""

    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        # Computed outside the lock: a slow text does not hold up the other threads.
        value = compute()
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
