import csv
import io

import pytest
from django.db import connection

from claims.models import Citation, Claim, ClaimActor, ClaimCountry
from tests.factories import (
    ActorFactory,
    CitationFactory,
    ClaimActorFactory,
    ClaimCountryFactory,
    ClaimFactory,
    EventFactory,
    ExternalReviewFactory,
    PublisherFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/claims/"


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def claim_about(code: str, role: str = "territory", **kwargs) -> Claim:
    claim = ClaimFactory(**kwargs)
    ClaimCountryFactory(claim=claim, country=code, role=role)
    return claim


@pytest.fixture
def recognition():
    """The US recognises Moroccan sovereignty over Western Sahara."""
    us = ActorFactory(name="United States", kind="state", country="US")
    ma = ActorFactory(name="Morocco", kind="state", country="MA")
    claim = ClaimFactory(
        statement="The United States recognised Morocco's sovereignty over Western Sahara.",
        kind="recognition",
    )
    ClaimActorFactory(claim=claim, actor=us, role="subject")
    ClaimActorFactory(claim=claim, actor=ma, role="object")
    ClaimCountryFactory(claim=claim, country="EH", role="territory")
    return claim


# --- representation ----------------------------------------------------------------------


def test_a_claim_reads_as_one_self_contained_object(api_client, recognition):
    CitationFactory(claim=recognition, quote="held talks in Washington")
    body = api_client.get(f"{LIST}{recognition.pk}/").json()
    assert body["statement"].startswith("The United States recognised")
    assert body["url"].endswith(f"/api/v1/claims/{recognition.pk}/")
    assert {(c["code"], c["role"]) for c in body["countries"]} == {
        ("EH", "territory"),
        ("US", "subject"),
        ("MA", "object"),
    }
    assert {"code": "EH", "name": "Western Sahara", "role": "territory", "derived": False} in body[
        "countries"
    ]
    assert [(p["name"], p["country"], p["role"]) for p in body["participants"]] == [
        ("United States", "US", "subject"),
        ("Morocco", "MA", "object"),
    ]
    citation = body["citations"][0]
    assert citation["anchoring"] == "exact"
    assert citation["source_url"].startswith("https://news.example/")
    assert body["event"] is None
    assert body["version"] >= 1


# --- country filters ---------------------------------------------------------------------


@pytest.mark.parametrize("code", ["EH", "eh", "ESH", "esh"])
def test_country_filter_takes_alpha2_and_alpha3_codes_in_any_case(api_client, code):
    eh = claim_about("EH")
    claim_about("MA")
    assert ids(api_client.get(LIST, {"country": code})) == {eh.pk}


def test_country_filter_with_several_codes_means_any_of_them(api_client):
    eh, ma = claim_about("EH"), claim_about("MA", role="subject")
    claim_about("ES")
    assert ids(api_client.get(LIST, {"country": "EH,MAR"})) == {eh.pk, ma.pk}
    assert ids(api_client.get(f"{LIST}?country=EH&country=ma")) == {eh.pk, ma.pk}


def test_country_all_needs_every_country(api_client, recognition):
    ClaimActorFactory(actor=ActorFactory(country="US"), role="subject")
    assert ids(api_client.get(LIST, {"country_all": "US,MA"})) == {recognition.pk}
    assert ids(api_client.get(LIST, {"country_all": "US,MA,ES"})) == set()


def test_country_role_restricts_which_role_matches(api_client, recognition):
    morocco_subject = ClaimActorFactory(actor=ActorFactory(country="MA"), role="subject").claim
    assert ids(api_client.get(LIST, {"country": "MA", "country_role": "subject"})) == {
        morocco_subject.pk
    }
    assert ids(api_client.get(LIST, {"country": "MA", "country_role": "object,territory"})) == {
        recognition.pk
    }
    assert ids(api_client.get(LIST, {"country_role": "territory"})) == {recognition.pk}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"country": "XX"}, "country"),
        ({"country": "MA,Narnia"}, "country"),
        ({"country_all": "123"}, "country_all"),
        ({"country_role": "capital"}, "country_role"),
        ({"status": "probably"}, "status"),
        ({"kind": "rumour"}, "kind"),
        ({"actor": "abc"}, "actor"),
        ({"actor": str(2**64)}, "actor"),
        ({"event": "-1"}, "event"),
        ({"event": str(2**70)}, "event"),
        ({"source": "1.5"}, "source"),
        ({"stance": "agrees"}, "stance"),
        ({"occurred_after": "0000-00-00"}, "occurred_after"),
        ({"occurred_before": "99999-01-01"}, "occurred_before"),
        ({"updated_after": "yesterday"}, "updated_after"),
        ({"ordering": "statement"}, "ordering"),
        ({"page_size": "many"}, "page_size"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"q": "x" * 10_000}, "q"),
    ],
)
def test_an_invalid_filter_value_answers_400_naming_the_parameter(api_client, params, field):
    ClaimFactory()
    response = api_client.get(LIST, params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["status"] == 400
    assert field in [error["field"] for error in body["errors"]]


def test_an_unknown_country_code_is_named_in_the_error(api_client):
    body = api_client.get(LIST, {"country": "MA,QQ"}).json()
    assert "'QQ'" in body["errors"][0]["message"]


# --- other claim filters -----------------------------------------------------------------


def test_status_and_kind_filters_take_several_values(api_client):
    recognition = ClaimFactory(kind="recognition")
    office = ClaimFactory(kind="office")
    ClaimFactory(kind="meeting")
    Claim.objects.filter(pk=office.pk).update(status="false")
    assert ids(api_client.get(LIST, {"kind": "recognition,office"})) == {recognition.pk, office.pk}
    assert ids(api_client.get(LIST, {"status": "false"})) == {office.pk}
    assert ids(api_client.get(LIST, {"status": "confirmed"})) == set()


def test_actor_and_actor_role_filters(api_client):
    hammouchi = ActorFactory(name="Abdellatif Hammouchi")
    attended = ClaimActorFactory(actor=hammouchi, role="attendee").claim
    subject = ClaimActorFactory(actor=hammouchi, role="subject").claim
    ClaimActorFactory(role="attendee")
    assert ids(api_client.get(LIST, {"actor": hammouchi.pk})) == {attended.pk, subject.pk}
    assert ids(api_client.get(LIST, {"actor": hammouchi.pk, "actor_role": "attendee"})) == {
        attended.pk
    }
    assert ids(api_client.get(LIST, {"actor": hammouchi.pk, "actor_role": "host"})) == set()


def test_event_source_publisher_and_stance_filters(api_client):
    event = EventFactory()
    in_event = ClaimFactory(event=event)
    ClaimFactory()
    assert ids(api_client.get(LIST, {"event": event.pk})) == {in_event.pk}
    assert ids(api_client.get(LIST, {"event": event.pk + 100})) == set()

    publisher = PublisherFactory(domain="atalayar.com")
    source = SourceFactory(publisher=publisher)
    cited = CitationFactory(source=source, stance="refutes").claim
    CitationFactory(stance="supports")
    assert ids(api_client.get(LIST, {"source": source.pk})) == {cited.pk}
    assert ids(api_client.get(LIST, {"publisher": "atalayar.com"})) == {cited.pk}
    assert ids(api_client.get(LIST, {"publisher": "www.atalayar.com"})) == {cited.pk}
    assert ids(api_client.get(LIST, {"publisher": publisher.pk})) == {cited.pk}
    assert ids(api_client.get(LIST, {"publisher": "nobody.example"})) == set()
    assert ids(api_client.get(LIST, {"stance": "refutes"})) == {cited.pk}


def test_date_filters(api_client):
    import datetime

    old = ClaimFactory(occurred_on=datetime.date(2020, 12, 10), date_precision="day")
    new = ClaimFactory(occurred_on=datetime.date(2024, 5, 1), date_precision="month")
    ClaimFactory(occurred_on=None)
    assert ids(api_client.get(LIST, {"occurred_after": "2021-01-01"})) == {new.pk}
    assert ids(api_client.get(LIST, {"occurred_before": "2020-12-10"})) == {old.pk}
    stamp = Claim.objects.get(pk=new.pk).updated_at
    assert new.pk not in ids(api_client.get(LIST, {"updated_after": stamp.isoformat()}))
    earlier = (stamp - datetime.timedelta(seconds=1)).isoformat()
    assert new.pk in ids(api_client.get(LIST, {"updated_after": earlier}))


def test_full_text_search_finds_names_statements_and_quotes(api_client):
    hammouchi = ActorFactory(name="Abdellatif Hammouchi")
    by_name = ClaimActorFactory(actor=hammouchi, role="attendee").claim
    by_statement = ClaimFactory(statement="The US recognised Morocco's sovereignty over it.")
    by_quote = CitationFactory(quote="held talks in Washington").claim
    ClaimFactory(statement="Something unrelated entirely.")
    assert ids(api_client.get(LIST, {"q": "Hammouchi"})) == {by_name.pk}
    assert ids(api_client.get(LIST, {"q": "sovereignty"})) == {by_statement.pk}
    assert ids(api_client.get(LIST, {"q": "Washington"})) == {by_quote.pk}
    assert ids(api_client.get(LIST, {"q": "Atlantis"})) == set()


def test_search_follows_edits_of_statements_and_participants(api_client):
    claim = ClaimFactory(statement="A first wording.")
    claim.statement = "A wording about phosphates."
    claim.save()
    assert ids(api_client.get(LIST, {"q": "phosphates"})) == {claim.pk}
    participant = ClaimActorFactory(claim=claim, actor=ActorFactory(name="Nasser Bourita"))
    assert ids(api_client.get(LIST, {"q": "Bourita"})) == {claim.pk}
    participant.delete()
    assert ids(api_client.get(LIST, {"q": "Bourita"})) == set()


# --- ordering and pagination -------------------------------------------------------------


def walk(client, url, params) -> list[int]:
    seen, response = [], client.get(url, params)
    while True:
        body = response.json()
        seen += [row["id"] for row in body["results"]]
        if not body["next"]:
            return seen
        response = client.get(body["next"])


def test_pagination_walks_every_claim_once_in_order(api_client):
    import datetime

    claims = [
        ClaimFactory(occurred_on=None if n % 3 == 0 else datetime.date(2020, 1, 1 + n % 4))
        for n in range(13)
    ]
    for ordering in ["-id", "id", "occurred_on", "-occurred_on", "created_at", "-updated_at"]:
        seen = walk(api_client, LIST, {"page_size": 4, "ordering": ordering})
        assert sorted(seen) == sorted(c.pk for c in claims), ordering
        assert len(seen) == len(set(seen)), ordering
    by_date = walk(api_client, LIST, {"page_size": 4, "ordering": "occurred_on"})
    dates = [Claim.objects.get(pk=pk).occurred_on for pk in by_date]
    known = [d for d in dates if d]
    assert known == sorted(known) and dates[-1] is None  # empty dates last


def test_previous_link_returns_the_page_before(api_client):
    for _ in range(7):
        ClaimFactory()
    first = api_client.get(LIST, {"page_size": 3}).json()
    assert first["previous"] is None
    second = api_client.get(first["next"]).json()
    back = api_client.get(second["previous"]).json()
    assert [r["id"] for r in back["results"]] == [r["id"] for r in first["results"]]


def test_pagination_is_stable_while_claims_are_inserted(api_client):
    originals = [ClaimFactory() for _ in range(6)]
    first = api_client.get(LIST, {"page_size": 3}).json()
    for _ in range(4):
        ClaimFactory()  # new claims arrive while a client pages through
    second = api_client.get(first["next"]).json()
    seen = [r["id"] for r in first["results"] + second["results"]]
    assert seen == sorted((c.pk for c in originals), reverse=True)


def test_page_size_is_clamped_to_200_and_defaults_to_50(api_client):
    ClaimFactory.create_batch(205)
    assert len(api_client.get(LIST).json()["results"]) == 50
    assert len(api_client.get(LIST, {"page_size": 10**9}).json()["results"]) == 200
    assert len(api_client.get(LIST, {"page_size": 0}).json()["results"]) == 1


# --- stats and CSV -----------------------------------------------------------------------


def test_stats_count_claims_under_the_same_filters(api_client, recognition):
    office = claim_about("EH", kind="office")
    claim_about("ES", kind="office")
    Claim.objects.filter(pk=office.pk).update(status="false")
    body = api_client.get(f"{LIST}stats/", {"country": "EH"}).json()
    assert body["total"] == 2
    assert body["by_status"] == {"unverified": 1, "false": 1}
    assert body["by_kind"] == {"recognition": 1, "office": 1}
    assert body["by_country"] == {"EH": 2, "US": 1, "MA": 1}
    assert api_client.get(f"{LIST}stats/", {"country": "QQ"}).status_code == 400


def test_csv_export_has_one_row_per_filtered_claim(api_client, recognition):
    claim_about("ES")
    for request in [
        lambda: api_client.get(LIST, {"country": "EH", "format": "csv"}),
        lambda: api_client.get(LIST, {"country": "EH"}, HTTP_ACCEPT="text/csv"),
    ]:
        response = request()
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [int(r["id"]) for r in rows] == [recognition.pk]
        assert rows[0]["countries"] == "EH:territory; MA:object; US:subject"
        assert "United States (subject)" in rows[0]["participants"]


def test_csv_cells_cannot_run_as_spreadsheet_formulas(api_client):
    ClaimFactory(statement='=HYPERLINK("http://evil.example")')
    text = b"".join(api_client.get(LIST, {"format": "csv"}).streaming_content).decode("utf-8-sig")
    assert list(csv.DictReader(io.StringIO(text)))[0]["statement"].startswith("'=")


def test_csv_errors_still_answer_json(api_client):
    response = api_client.get(LIST, {"format": "csv", "country": "XX"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "country"


# --- writes --------------------------------------------------------------------------------


def new_claim_body(**overrides) -> dict:
    us = ActorFactory(name="United States", kind="state", country="US")
    ma = ActorFactory(name="Morocco", kind="state", country="MA")
    body = {
        "statement": "The United States recognised Moroccan sovereignty over Western Sahara.",
        "kind": "recognition",
        "occurred_on": "2020-12-10",
        "date_precision": "day",
        "participants": [{"actor": us.pk, "role": "subject"}, {"actor": ma.pk, "role": "object"}],
        "countries": [{"code": "ESH", "role": "territory"}],
    }
    body.update(overrides)
    return body


def test_an_editor_creates_a_claim_with_participants_and_countries_in_one_request(
    editor_client, editor
):
    response = editor_client.post(LIST, new_claim_body(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    claim = Claim.objects.get(pk=body["id"])
    assert claim.created_by == editor
    assert body["created_by"] == "editor"
    assert {(c["code"], c["role"], c["derived"]) for c in body["countries"]} == {
        ("EH", "territory", False),
        ("US", "subject", True),
        ("MA", "object", True),
    }


def test_read_only_fields_sent_by_a_client_change_nothing(editor_client):
    body = new_claim_body(
        status="confirmed", version=99, created_by="someone", created_at="2001-01-01T00:00:00Z"
    )
    response = editor_client.post(LIST, body, format="json")
    assert response.status_code == 201
    claim = Claim.objects.get(pk=response.json()["id"])
    assert claim.status == "unverified"
    assert claim.version < 99
    assert claim.created_at.year > 2001


def test_a_patch_that_sends_status_leaves_it_unchanged(editor_client):
    claim = ClaimFactory()
    response = editor_client.patch(
        f"{LIST}{claim.pk}/", {"status": "confirmed", "statement": "New words."}, format="json"
    )
    assert response.status_code == 200
    claim.refresh_from_db()
    assert (claim.status, claim.statement) == ("unverified", "New words.")


def test_an_unknown_field_is_refused_by_name(editor_client):
    response = editor_client.post(LIST, new_claim_body(stament="typo"), format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "stament"
    assert not Claim.objects.exists()


def test_a_bad_nested_participant_rolls_back_the_whole_create(editor_client):
    body = new_claim_body()
    body["participants"].append({"actor": body["participants"][0]["actor"], "role": "boss"})
    response = editor_client.post(LIST, body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "participants[2].role"
    assert not Claim.objects.exists()
    assert not ClaimActor.objects.exists()


def test_a_bad_nested_country_rolls_back_the_whole_update(editor_client, recognition):
    before = api_snapshot(Claim.objects.get(pk=recognition.pk))
    response = editor_client.put(
        f"{LIST}{recognition.pk}/",
        new_claim_body(
            statement="Changed",
            countries=[{"code": "MA", "role": "territory"}, {"code": "ZZ", "role": "territory"}],
        ),
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "countries[1].code"
    assert api_snapshot(Claim.objects.get(pk=recognition.pk)) == before


def api_snapshot(claim: Claim):
    return (
        claim.statement,
        claim.version,
        sorted(claim.participants.values_list("actor_id", "role")),
        sorted(claim.countries.values_list("country", "role", "derived")),
    )


def test_a_nested_update_replaces_participants_and_hand_entered_countries(
    editor_client, recognition
):
    spain = ActorFactory(name="Spain", kind="state", country="ES")
    url = f"{LIST}{recognition.pk}/"
    body = editor_client.get(url).json()
    body["participants"] = [{"actor": spain.pk, "role": "subject"}]
    body["countries"] = body["countries"] + [{"code": "DZ", "role": "mentioned"}]
    response = editor_client.put(url, body, format="json")
    assert response.status_code == 200, response.content
    assert {(c["code"], c["role"]) for c in response.json()["countries"]} == {
        ("EH", "territory"),
        ("ES", "subject"),
        ("DZ", "mentioned"),
    }
    assert ClaimCountry.objects.get(claim=recognition, country="EH").derived is False


def test_duplicate_participants_in_one_request_are_refused(editor_client):
    body = new_claim_body()
    body["participants"].append(dict(body["participants"][0]))
    response = editor_client.post(LIST, body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "participants[2]"


# --- query counts ------------------------------------------------------------------------


def make_full_claims(n: int) -> None:
    event = EventFactory(country="US")
    for _ in range(n):
        claim = ClaimFactory(event=event)
        ClaimActorFactory(claim=claim, actor=ActorFactory(country="MA"), role="subject")
        ClaimCountryFactory(claim=claim)
        CitationFactory(claim=claim)


@pytest.mark.parametrize("page_size", [5, 50])
def test_claims_list_runs_a_fixed_number_of_queries(
    api_client, django_assert_num_queries, page_size
):
    make_full_claims(55)
    # The page's keys, then on PostgreSQL every claim's parts built as JSON in one query;
    # elsewhere claims with event, countries, participants+actors, citations+sources.
    with django_assert_num_queries(2 if connection.vendor == "postgresql" else 5):
        response = api_client.get(LIST, {"page_size": page_size, "country": "EH"})
    assert len(response.json()["results"]) == page_size


def test_claim_detail_runs_a_fixed_number_of_queries(api_client, django_assert_num_queries):
    make_full_claims(1)
    claim = Claim.objects.get()
    ExternalReviewFactory.create_batch(2, claim=claim)
    # The claim with its parts, then its external reviews with their publishers.
    with django_assert_num_queries(5):
        response = api_client.get(f"{LIST}{claim.pk}/")
    assert response.status_code == 200
    assert response.json()["external_summary"]["count"] == 2


def test_claims_list_never_counts_the_whole_table(api_client, django_capture_on_commit_callbacks):
    from django.test.utils import CaptureQueriesContext

    make_full_claims(3)
    with CaptureQueriesContext(connection) as queries:
        api_client.get(LIST)
    # (per-claim citation counts inside the page query are fine; a count of the table is not)
    assert not any(q["sql"].upper().startswith("SELECT COUNT(") for q in queries.captured_queries)


# --- citations written with a new claim -------------------------------------------------------

ARTICLE = "Rabat, 3 May. Aides said the minister attended the summit, and the minister spoke."


def test_a_new_claim_keeps_its_citations_anchored_in_the_same_request(editor_client, editor):
    source = SourceFactory(text=ARTICLE)
    body = new_claim_body(
        citations=[
            {"source": source.pk, "quote": "the minister attended the summit"},
            {
                "source": source.pk,
                "quote": "the minister",
                "prefix": "summit, and ",
                "suffix": " spoke",
                "stance": "mentions",
                "note": "Second mention.",
            },
        ]
    )
    response = editor_client.post(LIST, body, format="json")
    assert response.status_code == 201, response.content
    cited = response.json()["citations"]
    assert [(c["quote"], c["stance"], c["anchoring"]) for c in cited] == [
        ("the minister attended the summit", "supports", "exact"),
        ("the minister", "mentions", "exact"),
    ]
    # The prefix chose the second occurrence; the citation is the claim's, by its author.
    assert ARTICLE[cited[1]["start"] : cited[1]["end"]] == "the minister"
    assert cited[1]["start"] > ARTICLE.index("the minister")
    claim = Claim.objects.get(pk=response.json()["id"])
    assert [c.created_by for c in claim.citations.all()] == [editor, editor]
    assert claim.citations.get(stance="mentions").note == "Second mention."
    # What the create answered is what a read answers.
    assert editor_client.get(f"{LIST}{claim.pk}/").json()["citations"] == cited


@pytest.mark.parametrize(
    "citation, field",
    [
        ({"source": 999_999, "quote": "x"}, "citations[0].source"),
        ({"source": "{source}"}, "citations[0].quote"),
        ({"quote": "x"}, "citations[0].source"),
        ({"source": "{source}", "quote": "x", "stance": "agrees"}, "citations[0].stance"),
        ({"source": "{source}", "quote": "x", "prefix": "p" * 33}, "citations[0].prefix"),
        ({"source": "{source}", "quote": "x", "claim": 1}, "citations[0].claim"),
        ({"source": "{source}", "quote": ""}, "citations[0].quote"),
    ],
)
def test_a_bad_citation_refuses_the_whole_claim_naming_the_field(editor_client, citation, field):
    source = SourceFactory(text=ARTICLE)
    citation = {k: source.pk if v == "{source}" else v for k, v in citation.items()}
    response = editor_client.post(LIST, new_claim_body(citations=[citation]), format="json")
    assert response.status_code == 400, response.content
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not Claim.objects.exists()
    assert not Citation.objects.exists()


def test_citations_sent_back_unchanged_with_an_update_are_accepted(editor_client):
    source = SourceFactory(text=ARTICLE)
    body = new_claim_body(citations=[{"source": source.pk, "quote": "the minister attended"}])
    created = editor_client.post(LIST, body, format="json").json()
    response = editor_client.put(f"{LIST}{created['id']}/", created, format="json")
    assert response.status_code == 200, response.content
    assert Citation.objects.count() == 1


def test_an_update_that_changes_citations_is_refused_not_ignored(editor_client, recognition):
    source = SourceFactory(text=ARTICLE)
    before = api_snapshot(Claim.objects.get(pk=recognition.pk))
    response = editor_client.patch(
        f"{LIST}{recognition.pk}/",
        {"statement": "Changed", "citations": [{"source": source.pk, "quote": "the minister"}]},
        format="json",
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["citations"]
    assert api_snapshot(Claim.objects.get(pk=recognition.pk)) == before
