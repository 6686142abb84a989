"""What an API client does with claimtrack, written with the generated client: the registry of
steps that tests/contract/test_generated_client.py runs in order on the demo data.

Each step names the operations it covers (`@step("list_claims", …)`); the test fails when an
operation of the schema has no step, and when a step's operation never answered 2xx. A new
endpoint therefore needs one new step here, written as its users would call it.

Steps share a `Run`: the api, the generated models (`run.m`), tokens per role, and the ids of
what earlier steps made.
"""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit

from claims.demo import SOURCE_URL

MAX_HARVEST_PAGES = 50
HARVEST_FROM = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass
class Run:
    api: object  # tests.contract.generated.Api
    settings: object  # pytest-django's settings fixture: the live server reads it
    passwords: dict[str, str]
    tokens: dict[str, str] = field(default_factory=dict)
    made: dict[str, object] = field(default_factory=dict)

    @property
    def m(self):
        """The generated models."""
        return self.api.package.models

    @property
    def unset(self):
        return self.api.package.types.UNSET

    def call(self, operation_id: str, *, as_: str | None = None, expect: int = 200, **kwargs):
        token = self.tokens[as_] if as_ else None
        return self.api.call(operation_id, token=token, expect=expect, **kwargs)


@dataclass(frozen=True)
class Step:
    operations: tuple[str, ...]
    run: Callable[[Run], None]


STEPS: list[Step] = []


def step(*operations: str):
    """Registers the decorated function as the next step, covering `operations`."""

    def register(function):
        STEPS.append(Step(operations, function))
        return function

    return register


def etag(response) -> str:
    value = response.headers.get("etag")
    assert value, "no ETag"
    return value


def edit(run: Run, noun: str, pk: int, *, body, patch):
    """What a careful client does: read the row, replace it (PUT) with the ETag it read, then
    update part of it (PATCH) with the ETag the replacement answered. Returns the three answers."""
    read = run.call(f"get_{noun}", id=pk)
    replaced = run.call(f"replace_{noun}", as_="editor", id=pk, body=body, if_match=etag(read))
    updated = run.call(f"update_{noun}", as_="editor", id=pk, body=patch, if_match=etag(replaced))
    return read, replaced, updated


# --- auth ------------------------------------------------------------------------------------


@step("login", "logout", "logout_all")
def log_in_and_out(run: Run) -> None:
    """Tokens from a username and password; logout revokes one, logoutall every one."""
    m = run.m
    for role in ("editor", "reviewer", "admin"):
        body = m.AuthTokenRequest(username=role, password=run.passwords[role])
        answer = run.call("login", body=body).parsed
        assert answer.username == role and answer.token
        run.tokens[role] = answer.token
    assert run.call(
        "login", body=m.AuthTokenRequest(username="editor", password="wrong"), expect=400
    )

    spare = run.call(
        "login", body=m.AuthTokenRequest(username="editor", password=run.passwords["editor"])
    )
    run.tokens["spare"] = spare.parsed.token
    run.call("logout", as_="spare", expect=204)
    run.call("list_claims", as_="spare", expect=401)  # a revoked token is refused, even to read

    body = m.AuthTokenRequest(username="reviewer", password=run.passwords["reviewer"])
    first, second = (run.call("login", body=body).parsed.token for _ in range(2))
    run.tokens["first"], run.tokens["second"] = first, second
    run.call("logout_all", as_="first", expect=204)
    run.call("logout", as_="second", expect=401)
    body = m.AuthTokenRequest(username="reviewer", password=run.passwords["reviewer"])
    run.tokens["reviewer"] = run.call("login", body=body).parsed.token


# --- reading claims ----------------------------------------------------------------------------


@step("list_claims")
def list_claims_by_country_in_every_spelling(run: Run) -> None:
    """Anonymous reads; a country as alpha-2 or alpha-3 in any case means the same claims."""
    m = run.m

    def ids(**filters) -> list[int]:
        page = run.call("list_claims", page_size=200, **filters).parsed
        assert page.next_ is None
        return [claim.id for claim in page.results]

    morocco = ids(country=["MA"])
    assert morocco and all(ids(country=[code]) == morocco for code in ("ma", "MAR", "mar"))
    sahara = ids(country=["EH"])
    assert sahara and all(ids(country=[code]) == sahara for code in ("eh", "ESH", "esh"))
    assert set(ids(country=["EH", "MA"])) == set(morocco) | set(sahara)
    assert set(ids(country_all=["US", "MA"])) <= set(morocco)
    subjects = ids(country=["MA"], country_role=[m.CountryRoleEnum.SUBJECT])
    assert subjects and set(subjects) < set(morocco)
    hammouchi = run.call("list_actors", q="Hammouchi").parsed.results[0].id
    attendance = ids(actor=[hammouchi], kind=[m.ClaimKindEnum.ATTENDANCE])
    assert len(attendance) == 3
    assert ids(q="Hammouchi") and ids(status=[m.ClaimStatusEnum.UNVERIFIED])
    run.made["morocco_claims"] = morocco

    # Pages: follow `next` with the cursor it carries.
    seen, cursor = [], None
    for _ in range(MAX_HARVEST_PAGES):
        page = run.call("list_claims", page_size=5, **({"cursor": cursor} if cursor else {}))
        seen += [claim.id for claim in page.parsed.results]
        if page.parsed.next_ is None:
            break
        cursor = parse_qs(urlsplit(page.parsed.next_).query)["cursor"][0]
    assert len(seen) == len(set(seen)) >= 15
    ordered = run.call("list_claims", ordering=m.ListClaimsOrdering.ID, page_size=3).parsed
    assert [claim.id for claim in ordered.results] == sorted(seen)[:3]
    newest = run.call("list_claims", ordering=m.ListClaimsOrdering.ID_DESC, page_size=1).parsed
    assert newest.results[0].id == max(seen)


@step()
def export_claims_as_csv(run: Run) -> None:
    """`?format=csv`, built by the generated function, answers the declared text/csv."""
    m = run.m
    module = run.api.module("list_claims")
    request = module._get_kwargs(country=["EH"], format_=m.ListClaimsFormat.CSV)
    response = run.api.send("list_claims", request, expect=200)
    assert "text/csv" in run.api.declared_content_types("list_claims", 200)
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text.removeprefix("\ufeff"))))
    expected = run.call("list_claims", country=["EH"], page_size=200).parsed.results
    assert sorted(int(row["id"]) for row in rows) == sorted(claim.id for claim in expected)


@step("get_claim_stats")
def count_claims_for_a_dashboard(run: Run) -> None:
    m = run.m
    stats = run.call("get_claim_stats", country=["esh"]).parsed
    listed = run.call("list_claims", country=["EH"], page_size=200).parsed.results
    assert stats.total == len(listed)
    assert stats.by_country.additional_properties["EH"] == len(listed)
    unverified = run.call("get_claim_stats", status=[m.ClaimStatusEnum.UNVERIFIED]).parsed
    assert unverified.by_status.additional_properties == {"unverified": unverified.total}


@step("list_countries", "get_country")
def read_countries(run: Run) -> None:
    countries = run.call("list_countries").parsed
    assert countries[0].code == "MA"
    for code in ("MA", "ma", "MAR", "mar"):
        assert run.call("get_country", code=code).parsed.code == "MA"
    for code in ("EH", "esh"):
        assert run.call("get_country", code=code).parsed.alpha3 == "ESH"
    assert run.call("get_country", code="ZZ", expect=404).parsed.code == "not_found"


@step("list_topics", "get_topic", "get_topic_positions", "get_topic_timeline")
def read_positions_on_a_topic(run: Run) -> None:
    """Which countries held which position before and after the US proclamation of
    10 December 2020, in any spelling of the country, and the US's timeline (also as CSV)."""
    [topic] = run.call("list_topics").parsed
    assert run.call("get_topic", slug=topic.slug).parsed.question == topic.question
    before = run.call("get_topic_positions", slug=topic.slug, as_of=date(2020, 12, 9)).parsed
    after = run.call("get_topic_positions", slug=topic.slug, as_of=date(2020, 12, 10)).parsed
    assert "US" not in {row.country for row in before.results}
    [us] = [row for row in after.results if row.country == "US"]
    assert us.position == "recognises-moroccan-sovereignty" and us.claim_url.endswith(
        f"/claims/{us.claim}/"
    )
    for spelling in ("us", "USA"):
        answer = run.call("get_topic_positions", slug=topic.slug, country=spelling).parsed
        assert [row.claim for row in answer.results] == [us.claim]
    timeline = run.call("get_topic_timeline", slug=topic.slug, country="US").parsed
    assert [(row.claim, row.date) for row in timeline.results] == [(us.claim, date(2020, 12, 10))]
    module = run.api.module("get_topic_timeline")
    request = module._get_kwargs(slug=topic.slug, format_=run.m.GetTopicTimelineFormat.CSV)
    response = run.api.send("get_topic_timeline", request, expect=200)
    assert response.headers["content-type"].startswith("text/csv")


# --- writing: actors, events, publishers, sources, claims, citations ---------------------------


@step("list_actors", "create_actor", "get_actor", "replace_actor", "update_actor", "delete_actor")
def manage_an_actor(run: Run) -> None:
    m = run.m
    body = m.ActorRequest(
        name="Nasser Bourita",
        kind=m.ActorKindEnum.PERSON,
        country=m.CountryEnum.MA,
        title="Minister of Foreign Affairs of Morocco",
        aliases=["Bourita"],
    )
    run.call("create_actor", body=body, expect=401)  # writing needs a token
    actor = run.call("create_actor", as_="editor", body=body, expect=201).parsed
    found = run.call("list_actors", q="Bourita", country=["ma"]).parsed.results
    assert [a.id for a in found] == [actor.id]
    body.title = "Minister of Foreign Affairs, African Cooperation and Moroccan Expatriates"
    patch = m.PatchedActorRequest(aliases=["Bourita", "Nasser Bourita"])
    read, replaced, updated = edit(run, "actor", actor.id, body=body, patch=patch)
    assert replaced.parsed.title == body.title and updated.parsed.aliases == patch.aliases
    # A write with the tag read before the replacement changes nothing: 412.
    run.call("update_actor", as_="editor", id=actor.id, body=patch, if_match=etag(read), expect=412)
    run.call("delete_actor", as_="admin", id=actor.id, expect=204)
    run.call("get_actor", id=actor.id, expect=404)
    morocco = run.call("list_actors", q="Morocco", kind=[m.ActorKindEnum.STATE]).parsed.results[0]
    # An actor that claims name cannot be deleted: 409, and it stays.
    run.call("delete_actor", as_="admin", id=morocco.id, expect=409)


@step("list_events", "create_event", "get_event", "replace_event", "update_event", "delete_event")
def manage_an_event(run: Run) -> None:
    m = run.m
    body = m.EventRequest(
        name="Talks in Rabat", kind=m.EventKindEnum.MEETING, country=m.CountryEnum.MA
    )
    event = run.call("create_event", as_="editor", body=body, expect=201).parsed
    listed = run.call("list_events", q="Rabat", kind=[m.EventKindEnum.MEETING]).parsed.results
    assert [e.id for e in listed] == [event.id]
    body.location = "Rabat"
    patch = m.PatchedEventRequest.from_dict({"starts_on": "2021-03-01"})
    _, _, updated = edit(run, "event", event.id, body=body, patch=patch)
    assert str(updated.parsed.starts_on) == "2021-03-01" and updated.parsed.location == "Rabat"
    washington = run.call("list_events", q="Washington").parsed.results[0]
    run.made["washington_event"] = washington.id
    run.call("delete_event", as_="admin", id=event.id, expect=204)


@step(
    "list_publishers",
    "create_publisher",
    "get_publisher",
    "replace_publisher",
    "update_publisher",
    "delete_publisher",
)
def manage_a_publisher(run: Run) -> None:
    m = run.m
    body = m.PublisherRequest(
        name="Associated Press", domain="apnews.com", kind=m.PublisherKindEnum.WIRE_AGENCY
    )
    publisher = run.call("create_publisher", as_="editor", body=body, expect=201).parsed
    run.call("create_publisher", as_="editor", body=body, expect=400)  # the domain is taken
    listed = run.call("list_publishers", kind=[m.PublisherKindEnum.WIRE_AGENCY]).parsed.results
    assert publisher.id in [p.id for p in listed]
    body.country = m.CountryEnum.US
    patch = m.PatchedPublisherRequest(url="https://apnews.com/")
    _, _, updated = edit(run, "publisher", publisher.id, body=body, patch=patch)
    assert updated.parsed.country == "US" and updated.parsed.url == patch.url
    run.made["publisher"] = publisher.id
    spare = run.call(
        "create_publisher",
        as_="editor",
        body=m.PublisherRequest(name="Spare", domain="spare.example"),
        expect=201,
    )
    run.call("delete_publisher", as_="admin", id=spare.parsed.id, expect=204)


@step(
    "list_sources",
    "create_source",
    "get_source",
    "replace_source",
    "update_source",
    "delete_source",
    "ingest_source",
    "reanchor_source",
    "get_source_mentions",
    "get_source_suggestions",
)
def manage_sources(run: Run) -> None:
    m = run.m
    demo = run.call("list_sources", url_query=SOURCE_URL).parsed.results
    assert len(demo) == 1 and not hasattr(demo[0], "text")  # lists leave out the text
    source_id = run.made["demo_source"] = demo[0].id
    read = run.call("get_source", id=source_id)
    assert "Hammouchi" in read.parsed.text

    page = run.call("get_source_mentions", id=source_id).parsed
    assert page.count == len(page.results) and not page.truncated and page.next_ is None
    assert page.text_sha256 == read.parsed.text_sha256
    mentions = page.results
    assert {"MA", "EH", "US"} <= {x.code for x in mentions if x.kind == m.MentionKindEnum.COUNTRY}
    text = read.parsed.text
    assert all(text[x.start : x.end] == x.surface for x in mentions)
    suggestions = run.call("get_source_suggestions", id=source_id).parsed.results
    assert suggestions and all(
        text[s.citation.start : s.citation.end] == s.citation.quote for s in suggestions
    )
    results = run.call("reanchor_source", as_="editor", id=source_id).parsed
    assert results and all(r.anchoring == "exact" for r in results)

    # The same article under another URL is a conflict that names the existing source.
    same = m.SourceRequest(url=SOURCE_URL.replace("https://", "http://") + "?utm_source=x")
    conflict = run.call("create_source", as_="editor", body=same, expect=409).parsed
    assert conflict.code == "duplicate_source" and conflict.existing.id == source_id

    body = m.SourceRequest(
        url="https://apnews.com/article/rabat-talks",
        title="Talks in Rabat",
        text="The ministers of Morocco and Spain met in Rabat on Monday.",
        language="en",
    )
    created = run.call("create_source", as_="editor", body=body, expect=201).parsed
    assert created.publisher == run.made["publisher"]  # apnews.com, made above
    assert [s.id for s in run.call("list_sources", publisher="apnews.com").parsed.results] == [
        created.id
    ]
    body.title = "Ministers meet in Rabat"
    patch = m.PatchedSourceRequest(language="fr")
    _, _, updated = edit(run, "source", created.id, body=body, patch=patch)
    assert updated.parsed.title == body.title and updated.parsed.language == "fr"
    run.made["second_source"] = created.id

    ingest = m.IngestRequest(
        url="https://news.example/2021/03/visit", text="Spain and Morocco met."
    )
    first = run.call("ingest_source", as_="editor", body=ingest, expect=201).parsed
    again = run.call("ingest_source", as_="editor", body=ingest, expect=200).parsed
    assert first.id == again.id
    run.call("delete_source", as_="editor", id=first.id, expect=403)  # sources: not editors'
    run.call("delete_source", as_="admin", id=first.id, expect=204)


@step(
    "create_claim",
    "get_claim",
    "replace_claim",
    "update_claim",
    "delete_claim",
    "get_claim_history",
)
def record_and_edit_a_claim(run: Run) -> None:
    """A claim with its participants, a territory and its evidence in one request; edits
    with If-Match; the history of it all."""
    m = run.m
    actors = {a.name: a.id for a in run.call("list_actors", page_size=200).parsed.results}
    body = m.ClaimRequest(
        statement="The United States supported Morocco's autonomy proposal for Western Sahara.",
        kind=m.ClaimKindEnum.AGREEMENT,
        participants=[
            m.ParticipantRequest(actor=actors["United States"], role=m.ParticipantRoleEnum.SUBJECT),
            m.ParticipantRequest(actor=actors["Morocco"], role=m.ParticipantRoleEnum.OBJECT),
        ],
        countries=[m.ClaimCountryRequest(code="ESH", role=m.CountryRoleEnum.TERRITORY)],
        citations=[
            m.CitationBriefRequest(
                source=run.made["demo_source"],
                quote="supporting his proposal for a great autonomy of the Saharawi territory "
                "under the sovereignty of the Alaouite kingdom",
            )
        ],
    )
    claim = run.call("create_claim", as_="editor", body=body, expect=201).parsed
    assert claim.status == m.ClaimStatusEnum.UNVERIFIED
    assert {(c.code, c.role) for c in claim.countries} >= {("EH", "territory"), ("US", "subject")}
    assert claim.citations[0].anchoring == m.AnchoringEnum.EXACT
    run.made["claim"] = claim.id
    run.made["claim_citation"] = claim.citations[0].id

    read = run.call("get_claim", id=claim.id)
    assert etag(read) == f'"{claim.version}"'
    not_modified = run.call("get_claim", id=claim.id, if_none_match=etag(read), expect=304)
    assert not_modified.content == b""

    body.statement = "The Trump administration supported Morocco's autonomy proposal."
    body.citations = run.unset  # citations change at /citations/
    replaced = run.call("replace_claim", as_="editor", id=claim.id, body=body, if_match=etag(read))
    stale = run.call(
        "update_claim",
        as_="editor",
        id=claim.id,
        body=m.PatchedClaimRequest(occurred_on="2020-12-10"),
        if_match=etag(read),
        expect=412,
    ).parsed
    assert stale.current_version == replaced.parsed.version
    patch = m.PatchedClaimRequest.from_dict({"occurred_on": "2020-12-10", "date_precision": "day"})
    updated = run.call(
        "update_claim", as_="editor", id=claim.id, body=patch, if_match=etag(replaced)
    ).parsed
    assert str(updated.occurred_on) == "2020-12-10"

    history = run.call("get_claim_history", id=claim.id).parsed
    assert {entry.model for entry in history} >= {
        m.HistoryModelEnum.CLAIM,
        m.HistoryModelEnum.CITATION,
    }
    assert history[0].user == "editor"

    doomed = run.call(
        "create_claim",
        as_="editor",
        body=m.ClaimRequest(statement="A claim recorded by mistake.", kind=m.ClaimKindEnum.OTHER),
        expect=201,
    ).parsed
    run.call("delete_claim", as_="editor", id=doomed.id, expect=403)  # claims: not editors'
    run.call("delete_claim", as_="admin", id=doomed.id, expect=204)
    run.call("get_claim", id=doomed.id, expect=404)


@step(
    "list_citations",
    "create_citation",
    "get_citation",
    "replace_citation",
    "update_citation",
    "delete_citation",
)
def cite_evidence(run: Run) -> None:
    m = run.m
    body = m.CitationRequest(
        claim=run.made["claim"],
        source=run.made["second_source"],
        stance=m.StanceEnum.SUPPORTS,
        quote="The ministers of Morocco and Spain met in Rabat",
    )
    citation = run.call("create_citation", as_="editor", body=body, expect=201).parsed
    assert citation.anchoring == m.AnchoringEnum.EXACT
    listed = run.call("list_citations", claim=run.made["claim"]).parsed.results
    assert citation.id in [c.id for c in listed]
    orphaned = run.call("list_citations", anchoring=[m.AnchoringEnum.ORPHANED]).parsed.results
    assert citation.id not in [c.id for c in orphaned]
    body.stance = m.StanceEnum.MENTIONS
    patch = m.PatchedCitationRequest(note="Reported by AP.")
    _, _, updated = edit(run, "citation", citation.id, body=body, patch=patch)
    assert updated.parsed.stance == m.StanceEnum.MENTIONS and updated.parsed.note == patch.note
    run.call("delete_citation", as_="admin", id=citation.id, expect=204)


# --- review and ClaimReview --------------------------------------------------------------------


@step("list_claim_reviews", "create_claim_review", "get_claim_claimreview", "reopen_claim")
def review_a_claim_to_a_verdict_reopen_it_and_decide_again(run: Run) -> None:
    m = run.m
    claim_id = run.made["claim"]
    run.call("get_claim_claimreview", id=claim_id, expect=404)  # no verdict yet
    read = run.call("get_claim", id=claim_id)
    to_review = m.ReviewRequest(status=m.ClaimStatusEnum.IN_REVIEW, rationale="Checking the quote.")
    review = run.call(
        "create_claim_review",
        as_="editor",
        id=claim_id,
        body=to_review,
        if_match=etag(read),
        expect=201,
    )
    verdict = m.ReviewRequest(
        status=m.ClaimStatusEnum.CONFIRMED,
        rationale="The article says so in the words quoted.",
        citations=[run.made["claim_citation"]],
    )
    run.call("create_claim_review", as_="editor", id=claim_id, body=verdict, expect=403)
    stale = run.call(
        "create_claim_review",
        as_="reviewer",
        id=claim_id,
        body=verdict,
        if_match=etag(read),
        expect=412,
    )
    assert stale.parsed.current_version == int(etag(review).strip('"'))
    done = run.call(
        "create_claim_review",
        as_="reviewer",
        id=claim_id,
        body=verdict,
        if_match=etag(review),
        expect=201,
    ).parsed
    assert done.status == m.ClaimStatusEnum.CONFIRMED and done.citations == [
        run.made["claim_citation"]
    ]
    back = m.ReviewRequest(status=m.ClaimStatusEnum.UNVERIFIED, rationale="Undo.")
    refused = run.call("create_claim_review", as_="reviewer", id=claim_id, body=back, expect=400)
    assert "in_review" in refused.parsed.allowed  # where it can go: reopened for review

    reviews = run.call("list_claim_reviews", id=claim_id).parsed
    assert [r.status_after for r in reviews] == [
        m.ClaimStatusEnum.CONFIRMED,
        m.ClaimStatusEnum.IN_REVIEW,
    ]
    published = run.call("get_claim_claimreview", id=claim_id)
    assert published.headers["content-type"].startswith("application/ld+json")
    assert published.parsed.review_rating.rating_value == 5
    assert published.parsed.item_reviewed.appearance == [SOURCE_URL]

    # What a verdict judged is locked (409) until the claim is reopened, with a reason.
    read = run.call("get_claim", id=claim_id)
    change = m.PatchedClaimRequest(statement="The Trump administration backed the proposal.")
    locked = run.call("update_claim", as_="editor", id=claim_id, body=change, expect=409).parsed
    assert locked.code == "verdict_locked"
    reason = m.ReopenRequest(reason="A second source words it differently.")
    run.call("reopen_claim", as_="editor", id=claim_id, body=reason, if_match='"1"', expect=412)
    reopened = run.call(
        "reopen_claim", as_="editor", id=claim_id, body=reason, if_match=etag(read), expect=201
    )
    assert reopened.parsed.status == m.ClaimStatusEnum.IN_REVIEW
    run.call("reopen_claim", as_="editor", id=claim_id, body=reason, expect=400)  # no verdict
    run.call("update_claim", as_="editor", id=claim_id, body=change, if_match=etag(reopened))
    run.call("get_claim_claimreview", id=claim_id, expect=404)
    run.call("create_claim_review", as_="reviewer", id=claim_id, body=verdict, expect=201)


@step("import_claimreview", "list_claimreviews")
def import_verdicts_then_harvest_the_feed(run: Run) -> None:
    m = run.m
    record = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": "https://factcheck.example/reviews/sahara-recognition",
        "claimReviewed": "The United States recognized Morocco's sovereignty over Western Sahara.",
        "datePublished": "2020-12-11",
        "author": {"@type": "Organization", "name": "Factcheck Example"},
        "reviewRating": {"@type": "Rating", "ratingValue": 5, "bestRating": 5, "worstRating": 1},
        "itemReviewed": {"@type": "Claim", "appearance": ["https://news.example/a"]},
    }
    body = m.ImportClaimreviewBodyType0.from_dict(record)
    run.call("import_claimreview", as_="editor", body=body, expect=403)
    report = run.call("import_claimreview", as_="reviewer", body=body, expect=201).parsed
    assert (report.created, report.claims_created) == (1, 1)
    assert run.call("import_claimreview", as_="reviewer", body=body).parsed.unchanged == 1
    run.made["external_claim"] = report.claims[0]
    run.made["external_review"] = report.external_reviews[0]
    # Their verdict is evidence, not ours: the feed holds only the claim we reviewed.
    verdicts = {run.made["claim"]}

    # Harvest to the last page, one verdict per page, as a scheduled job would.
    harvested, cursor = [], None
    for _ in range(MAX_HARVEST_PAGES):
        extra = {"cursor": cursor} if cursor else {}
        page = run.call("list_claimreviews", page_size=1, updated_after=HARVEST_FROM, **extra)
        assert page.headers["content-type"].startswith("application/ld+json")
        harvested += [node.url for node in page.parsed.graph]
        if page.parsed.next_ is None:
            break
        cursor = parse_qs(urlsplit(page.parsed.next_).query)["cursor"][0]
    else:
        raise AssertionError("the feed did not end")
    assert sorted(harvested) == sorted(f"{run.api.base_url}/claims/{pk}/" for pk in verdicts)
    by_country = run.call("list_claimreviews", country=["ESH"], page_size=200).parsed.graph
    assert [node.url for node in by_country] == [f"{run.api.base_url}/claims/{run.made['claim']}/"]


@step("list_external_reviews", "get_external_review")
def read_what_other_fact_checkers_say(run: Run) -> None:
    claim_id = run.made["external_claim"]
    page = run.call("list_external_reviews", claim=claim_id).parsed
    assert [review.id for review in page.results] == [run.made["external_review"]]
    review = run.call("get_external_review", id=run.made["external_review"]).parsed
    assert (review.publisher_name, review.rating, review.claim) == (
        "Factcheck Example",
        "confirmed",
        claim_id,
    )
    assert review.published_at_origin == "record"
    claim = run.call("get_claim", id=claim_id).parsed
    assert claim.status == "unverified"
    assert claim.external_summary.count == 1
    assert claim.external_summary.publishers == ["Factcheck Example"]
    checked = run.call("list_claims", fact_checked_by="factcheck.example", page_size=50).parsed
    assert [c.id for c in checked.results] == [claim_id]


# --- errors no operation above provokes --------------------------------------------------------


@step()
def refusals_in_the_error_shape(run: Run) -> None:
    """400 naming the parameter, 405, 413, 415 and 428, each parsed as the generated Error."""
    m = run.m
    bad = run.call("list_claims", country=["XX"], expect=400).parsed
    assert bad.errors[0].field == "country"
    run.call("get_claim", id=10**9, expect=404)

    path = f"/api/v1/claims/{run.made['claim']}/reviews/"
    wrong_method = run.api.send(
        f"PUT {path}",
        {"method": "PUT", "url": path, "json": {}},
        token=run.tokens["editor"],
        expect=405,
    )
    assert run.api.error(wrong_method).code == "method_not_allowed"
    form = {
        "method": "POST",
        "url": "/api/v1/claims/",
        "content": b"statement=x",
        "headers": {"Content-Type": "application/x-www-form-urlencoded"},
    }
    not_json = run.api.send("create_claim", form, token=run.tokens["editor"], expect=415)
    assert run.api.error(not_json).code == "unsupported_media_type"

    limit = run.settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    run.settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    huge = m.ClaimRequest(statement="x" * 100_000, kind=m.ClaimKindEnum.OTHER)
    too_large = run.call("create_claim", as_="editor", body=huge, expect=413).parsed
    assert too_large.code == "request_too_large"
    run.settings.DATA_UPLOAD_MAX_MEMORY_SIZE = limit

    run.settings.CLAIMTRACK_REQUIRE_IF_MATCH = True
    patch = m.PatchedClaimRequest(date_precision=m.DatePrecisionEnum.DAY)
    required = run.call("update_claim", as_="editor", id=run.made["claim"], body=patch, expect=428)
    assert required.parsed.code == "precondition_required"
    run.settings.CLAIMTRACK_REQUIRE_IF_MATCH = False


@step()
def too_many_logins(run: Run) -> None:
    """The login limit per address answers 429 with Retry-After (last: it locks logins)."""
    body = run.m.AuthTokenRequest(username="nobody", password="guess")
    for _ in range(20):
        with run.api.client() as client:
            response = run.api.module("login").sync_detailed(client=client, body=body)
        if response.status_code == 429:
            break
        assert response.status_code == 400
    run.call("login", body=body, expect=429)
