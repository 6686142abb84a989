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
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from django.utils import translation
from django_countries import countries
from django_countries.data import COUNTRIES

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


def _forms(phrase: str) -> set[str]:
    """The phrase as written and in capitals (headlines), when it has lower-case letters."""
    forms = {phrase}
    if len(phrase) > 3 and phrase.upper() != phrase:
        forms.add(phrase.upper())
    return forms


def _trie_pattern(phrases: Iterable[str]) -> str:
    """One regex alternation for many literal phrases, shared prefixes merged (fast to scan).

    Longer continuations come first so that the longest phrase at a position wins.
    """
    trie: dict = {}
    for phrase in phrases:
        node = trie
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        alternation = "(?:" + "|".join(branches) + ")"
        # A phrase that ends here may also go on: the greedy "?" tries the longer one first.
        return f"{alternation}?" if "" in node else alternation

    return build(trie)


class _Matcher:
    """Finds whole-word occurrences of many phrases in one pass."""

    def __init__(self, targets: dict[str, list[_Target]]):
        self.targets = targets
        body = _trie_pattern(targets) if targets else "(?!)"
        self.pattern = re.compile(rf"(?<!\w)(?:{body})(?!\w)")

    def find(self, text: str):
        for match in self.pattern.finditer(text):
            for target in self.targets[match.group(0)]:
                yield target, match


@lru_cache(maxsize=1)
def _country_matcher() -> _Matcher:
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
    targets = {phrase: bucket for phrase, (_, bucket) in ranked.items()}
    for phrase in PHRASES_THAT_ARE_NOT_COUNTRIES:
        for form in _forms(phrase):
            targets[form] = [_Target("none", None, phrase)]
    return _Matcher(targets)


def _actor_matcher(actors: Iterable) -> _Matcher:
    targets: dict[str, list[_Target]] = {}
    for actor in actors:
        target = _Target("actor", actor.pk, actor.name)
        names = [actor.name, *(actor.aliases or [])]
        for phrase in names:
            if not isinstance(phrase, str) or not phrase.strip():
                continue
            for form in _forms(phrase.strip()):
                bucket = targets.setdefault(form, [])
                if target not in bucket:
                    bucket.append(target)
    return _Matcher(targets)


def find_mentions(text: str, actors: Iterable = ()) -> list[dict]:
    """Countries and actors named in `text`, in order of appearance.

    `actors` are objects with `pk`, `name` and `aliases` (claims.Actor rows; this module does
    not import claims). Each mention is a dict:
    {"kind": "country", "code": "MA", "name": "Morocco", "start", "end", "surface"} or
    {"kind": "actor", "actor_id": 7, "name": "Avril Haines", "start", "end", "surface"},
    where text[start:end] == surface.
    """
    if not text:
        return []
    mentions = []
    for target, match in _country_matcher().find(text):
        if target.kind == "country":
            mentions.append(
                {
                    "kind": "country",
                    "code": target.key,
                    "name": target.name,
                    "start": match.start(),
                    "end": match.end(),
                    "surface": match.group(0),
                }
            )
    for target, match in _actor_matcher(actors).find(text):
        mentions.append(
            {
                "kind": "actor",
                "actor_id": target.key,
                "name": target.name,
                "start": match.start(),
                "end": match.end(),
                "surface": match.group(0),
            }
        )
    mentions.sort(key=lambda m: (m["start"], -m["end"], m["kind"]))
    return mentions
