"""The demo data: the seed article and the claims an analyst would record from it.

Plain data only; `manage.py load_demo` writes it to the database. Everything here is what the
article asserts, nothing more: no dates it does not give, no publisher it does not name, and
every status stays `unverified` (checking the claims is the reviewers' job).

The topic "Sovereignty over Western Sahara" and the positions the article's claims state. The
article dates nothing ("recently"), so a claim is dated only where a dated public act that the
demo cites as a second source fixes its date: the US recognition, by Presidential Proclamation
10126 of 10 December 2020. The other claims stay undated (and so state no position on any date
on the map) until an editor cites a dated source for them.
"""

import datetime
from dataclasses import dataclass
from pathlib import Path

SEED_ARTICLE_PATH = Path(__file__).resolve().parent / "data" / "seed-article.txt"

# The article as retrieved names no outlet and no URL, so the demo source gets a placeholder
# on the reserved `.invalid` domain (RFC 2606): it can never point at a real page.
SOURCE_URL = "https://demo.claimtrack.invalid/morocco-key-participant-in-us-regional-safety"
SOURCE_TITLE = "Morocco, key participant in US regional safety"
SOURCE_LANGUAGE = "en"


def seed_article_text() -> str:
    """The seed article's full text, exactly as stored in the data file."""
    return SEED_ARTICLE_PATH.read_text(encoding="utf-8")


@dataclass(frozen=True)
class DemoSource:
    """A dated public act cited besides the article. `text` holds only words known to be
    verbatim in it (the demo stores no text it is not sure of)."""

    url: str
    title: str
    published_on: datetime.date
    text: str
    language: str = "en"


@dataclass(frozen=True)
class DemoTopic:
    """A question and its positions (key, label), in the legend's order."""

    slug: str
    question: str
    description: str
    positions: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class DemoActor:
    """An actor the article names, with the title and country it gives."""

    name: str
    kind: str
    country: str = ""
    title: str = ""
    aliases: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class DemoEvent:
    """An event several claims describe."""

    name: str
    kind: str
    location: str = ""
    country: str = ""


@dataclass(frozen=True)
class DemoCitation:
    """A verbatim quote from the seed article; prefix/suffix only where the words repeat."""

    quote: str
    stance: str = "supports"
    prefix: str = ""
    suffix: str = ""
    note: str = ""
    source: str = ""  # a DemoSource's url; empty: the seed article


@dataclass(frozen=True)
class DemoClaim:
    """One atomic claim: participants are (actor name, role); territories are alpha-2 codes."""

    statement: str
    kind: str
    citations: tuple[DemoCitation, ...]
    participants: tuple[tuple[str, str], ...] = ()
    territories: tuple[str, ...] = ()
    event: str | None = None
    occurred_on: datetime.date | None = None
    date_precision: str = "unknown"
    position: str = ""  # a key of TOPIC's positions, stated for the subject country


AS_GIVEN = "Title as the seed article gives it; not verified."

TOPIC = DemoTopic(
    "western-sahara",
    "Sovereignty over Western Sahara",
    "Each country's position on the status of Western Sahara, a non-self-governing territory "
    "on the UN's list, as dated claims with their evidence state it.",
    (
        ("recognises-moroccan-sovereignty", "Recognises Moroccan sovereignty"),
        ("supports-autonomy-plan", "Supports the autonomy plan as the basis"),
        ("neutral-un-process", "Neutral, UN process"),
        ("recognises-sadr", "Recognises the SADR"),
        ("withdrew-sadr-recognition", "Withdrew or froze recognition of the SADR"),
    ),
)

PROCLAMATION_10126 = DemoSource(
    "https://trumpwhitehouse.archives.gov/presidential-actions/"
    "proclamation-recognizing-sovereignty-kingdom-morocco-western-sahara/",
    "Proclamation on Recognizing the Sovereignty of the Kingdom of Morocco Over the Western "
    "Sahara (Proclamation 10126)",
    datetime.date(2020, 12, 10),
    # Only the operative sentence's words, not the proclamation's full text.
    "the United States recognizes that the entire Western Sahara territory is part of the "
    "Kingdom of Morocco",
)
SOURCES = (PROCLAMATION_10126,)

ACTORS = (
    DemoActor(
        "Abdellatif Hammouchi",
        "person",
        "MA",
        title="Director General of National Security and Territorial Surveillance of Morocco",
        description=AS_GIVEN,
    ),
    DemoActor(
        "Avril Haines", "person", "US", title="Director of US intelligence", description=AS_GIVEN
    ),
    DemoActor("William Burns", "person", "US", title="Head of the CIA", description=AS_GIVEN),
    DemoActor(
        "Christopher Asher", "person", "US", title="Director of the FBI", description=AS_GIVEN
    ),
    DemoActor("United States", "state", "US", aliases=("US",)),
    DemoActor("Morocco", "state", "MA", aliases=("Kingdom of Morocco", "Alaouite kingdom")),
    DemoActor("Israel", "state", "IL", aliases=("State of Israel",)),
    DemoActor("Germany", "state", "DE"),
    DemoActor("United Kingdom", "state", "GB", aliases=("UK",)),
    DemoActor("United Arab Emirates", "state", "AE", aliases=("UAE",)),
    DemoActor("Spain", "state", "ES"),
)

WASHINGTON_SESSIONS = "Abdellatif Hammouchi's working sessions in Washington"
AFRICAN_LION = "African Lion military exercises (new edition)"

EVENTS = (
    # "recently" and "lasted several days" give no date: starts_on stays empty, precision unknown.
    DemoEvent(WASHINGTON_SESSIONS, "meeting", location="Washington", country="US"),
    # The article does not say where or when this edition took place.
    DemoEvent(AFRICAN_LION, "exercise"),
)

VISIT_TO_WASHINGTON = DemoCitation(
    "the visit of Abdellatif Hammouchi, Director General of National Security and Territorial "
    "Surveillance of Morocco, to Washington recently to meet with US intelligence and security "
    "officials",
    note='Places the sessions in Washington; "recently" gives no date.',
)
SESSIONS_LEAD = "Hammouchi held working sessions with senior US security officials such as "

# Germany, the UK, the UAE and Spain are said to back Morocco's autonomy plan "as the most
# realistic" solution. That endorses a plan; it is not recognition of Moroccan sovereignty
# (the article claims that only of the United States), so these are `agreement` claims. One
# claim per country because each government's position is checked, and may turn out true or
# false, on its own.
AUTONOMY_PLAN_BACKERS = DemoCitation(
    "recognized the Moroccan project to resolve the Western Sahara crisis as the most realistic, "
    "taking into account UN precepts, including notable examples such as Germany, UK, UAE and "
    "Spain",
    note='"Followed in the footsteps of the United States" is not read as recognition of '
    "sovereignty: what these countries are said to recognise is the plan as most realistic.",
)


def _autonomy_plan_claim(actor: str, as_subject: str) -> DemoClaim:
    # Undated: the article says when none of them did so, and the demo cites no dated act.
    return DemoClaim(
        f"{as_subject} endorsed Morocco's autonomy plan for Western Sahara as the most realistic "
        "solution.",
        "agreement",
        citations=(AUTONOMY_PLAN_BACKERS,),
        participants=((actor, "subject"), ("Morocco", "object")),
        territories=("EH",),
        position="supports-autonomy-plan",
    )


CLAIMS = (
    DemoClaim(
        "The United States, under the Trump administration, recognized Morocco's sovereignty "
        "over Western Sahara.",
        "recognition",
        citations=(
            DemoCitation(
                "the US administration of Donald Trump recognized Morocco’s sovereignty over "
                "Western Sahara"
            ),
            DemoCitation(
                PROCLAMATION_10126.text,
                source=PROCLAMATION_10126.url,
                note="Demo data: the proclamation of 10 December 2020 that dates the claim; the "
                "stored text of this source is only this sentence.",
            ),
        ),
        participants=(("United States", "subject"), ("Morocco", "object")),
        territories=("EH",),
        occurred_on=PROCLAMATION_10126.published_on,
        date_precision="day",
        position="recognises-moroccan-sovereignty",
    ),
    DemoClaim(
        "Morocco established diplomatic relations with Israel.",
        "diplomatic_relations",
        citations=(
            DemoCitation(
                "in return, the kingdom established diplomatic relations with Israel",
                note='"In return" for the US recognition over Western Sahara; the article places '
                "it in the framework of the Abraham Accords.",
            ),
        ),
        participants=(("Morocco", "subject"), ("Israel", "object")),
    ),
    _autonomy_plan_claim("Germany", "Germany"),
    _autonomy_plan_claim("United Kingdom", "The United Kingdom"),
    _autonomy_plan_claim("United Arab Emirates", "The United Arab Emirates"),
    _autonomy_plan_claim("Spain", "Spain"),
    # One attendance claim per official: each meeting is confirmed or refuted separately.
    DemoClaim(
        "Abdellatif Hammouchi held working sessions in Washington with Avril Haines.",
        "attendance",
        citations=(DemoCitation(SESSIONS_LEAD + "Avril Haines"), VISIT_TO_WASHINGTON),
        participants=(("Abdellatif Hammouchi", "attendee"), ("Avril Haines", "attendee")),
        event=WASHINGTON_SESSIONS,
    ),
    DemoClaim(
        "Abdellatif Hammouchi held working sessions in Washington with William Burns.",
        "attendance",
        citations=(
            DemoCitation(
                SESSIONS_LEAD + "Avril Haines, director of US intelligence, William Burns"
            ),
            VISIT_TO_WASHINGTON,
        ),
        participants=(("Abdellatif Hammouchi", "attendee"), ("William Burns", "attendee")),
        event=WASHINGTON_SESSIONS,
    ),
    DemoClaim(
        "Abdellatif Hammouchi held working sessions in Washington with Christopher Asher.",
        "attendance",
        citations=(
            DemoCitation(
                SESSIONS_LEAD + "Avril Haines, director of US intelligence, William Burns, head "
                "of the CIA, and Christopher Asher"
            ),
            VISIT_TO_WASHINGTON,
        ),
        participants=(("Abdellatif Hammouchi", "attendee"), ("Christopher Asher", "attendee")),
        event=WASHINGTON_SESSIONS,
    ),
    DemoClaim(
        "Abdellatif Hammouchi is Director General of National Security and Territorial "
        "Surveillance of Morocco.",
        "office",
        citations=(
            DemoCitation(
                "Abdellatif Hammouchi, Director General of National Security and Territorial "
                "Surveillance of Morocco"
            ),
        ),
        participants=(("Abdellatif Hammouchi", "subject"),),
    ),
    DemoClaim(
        "Avril Haines is the director of US intelligence.",
        "office",
        citations=(DemoCitation("Avril Haines, director of US intelligence"),),
        participants=(("Avril Haines", "subject"),),
    ),
    DemoClaim(
        "William Burns is the head of the CIA.",
        "office",
        citations=(DemoCitation("William Burns, head of the CIA"),),
        participants=(("William Burns", "subject"),),
    ),
    # The article's checkable error: a reviewer will find no FBI director of that name. The
    # demo records it as the article states it and leaves the verdict to the review workflow.
    DemoClaim(
        "Christopher Asher is the director of the FBI.",
        "office",
        citations=(DemoCitation("Christopher Asher, director of the FBI"),),
        participants=(("Christopher Asher", "subject"),),
    ),
    DemoClaim(
        "Moroccan and US military forces took part together in a new edition of the African "
        "Lion military exercises.",
        "military_cooperation",
        citations=(
            DemoCitation(
                "the new edition of the African Lion military exercises, in which the Moroccan "
                "and US military forces participated in close collaboration"
            ),
        ),
        participants=(("Morocco", "attendee"), ("United States", "attendee")),
        event=AFRICAN_LION,
    ),
    # The United States is the object as the origin of the equipment ("American"); the article
    # does not say who sold it.
    DemoClaim(
        "Morocco acquired a large amount of American military equipment, including modern "
        "helicopters and sophisticated missiles.",
        "acquisition",
        citations=(
            DemoCitation(
                "the recent large acquisition of American military equipment by Morocco to "
                "strengthen its armed forces, including modern helicopters and sophisticated "
                "missiles"
            ),
        ),
        participants=(("Morocco", "subject"), ("United States", "object")),
    ),
)
