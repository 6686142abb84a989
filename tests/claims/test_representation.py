"""One representation of a claim: the list, the detail, the answer to a write, the page read by
id (SQL-built on PostgreSQL, the ORM elsewhere), the CSV row and the serializer's declared
fields all agree, for claims with and without every optional part. Runs on both databases."""

import csv
import io

import pytest
from rest_framework import serializers

from claims.models import Claim
from claims.representation import (
    CSV_COLUMNS,
    FIELDS,
    claim_csv_row,
    claim_representation,
    claim_representations,
)
from claims.serializers import ClaimSerializer
from claims.workflow import annotate_consensus
from tests.factories import (
    ActorFactory,
    CitationFactory,
    ClaimActorFactory,
    ClaimCountryFactory,
    ClaimFactory,
    EventFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
LIST = "/api/v1/claims/"
PREFIX = f"http://testserver{LIST}"


def bare():
    return ClaimFactory(occurred_on=None, date_precision="unknown")


def dated_with_creator():
    return ClaimFactory(occurred_on="2020-12-10", date_precision="day", created_by=UserFactory())


def creator_deleted():
    user = UserFactory()
    claim = ClaimFactory(created_by=user)
    user.delete()
    return claim


def with_event_and_venue():
    return ClaimFactory(event=EventFactory(country="ES"), note="Seen in two wires.")


def with_event_without_country():
    return ClaimFactory(event=EventFactory(country=""))


def with_participants():
    claim = ClaimFactory()
    ClaimActorFactory(claim=claim, actor=ActorFactory(country="MA"), role="subject")
    ClaimActorFactory(claim=claim, actor=ActorFactory(country=""), role="object")
    ClaimCountryFactory(claim=claim, country="EH", role="territory")
    return claim


def cited(*stances):
    def make():
        claim = ClaimFactory()
        for stance in stances:
            CitationFactory(claim=claim, stance=stance)
        return claim

    make.__name__ = "cited_" + "_".join(stances)
    return make


def two_citations_of_one_source():
    claim = ClaimFactory()
    first = CitationFactory(claim=claim)
    CitationFactory(claim=claim, source=first.source, quote="Morocco")
    return claim


def needs_rereview():
    claim = ClaimFactory()
    Claim.objects.filter(pk=claim.pk).update(needs_rereview=True)
    return claim


def formula_statement():
    return ClaimFactory(statement='=HYPERLINK("x") « marocain » \u2028 ligne')


CASES = [
    bare,
    dated_with_creator,
    creator_deleted,
    with_event_and_venue,
    with_event_without_country,
    with_participants,
    cited("supports"),
    cited("refutes"),
    cited("retracts"),
    cited("mentions"),
    cited("supports", "refutes"),
    cited("supports", "mentions"),
    two_citations_of_one_source,
    needs_rereview,
    formula_statement,
]


EXTERNAL = ("external_reviews", "external_summary")


def without_external(detail: dict) -> dict:
    """A claim's detail less what other fact-checkers say, which only the detail adds (and
    always adds)."""
    assert set(EXTERNAL) <= detail.keys()
    return {key: value for key, value in detail.items() if key not in EXTERNAL}


def declared(claim: Claim, rf) -> dict:
    """What ClaimSerializer's declared fields render for the claim (DRF's own field code)."""
    annotated = annotate_consensus(Claim.objects.with_list_relations()).get(pk=claim.pk)
    serializer = ClaimSerializer(context={"request": rf.get(LIST)})
    data = serializers.ModelSerializer.to_representation(serializer, annotated)
    if annotated.event_id is None:
        data["event"] = None
    return dict(data)


@pytest.mark.parametrize("make", CASES, ids=lambda make: make.__name__)
def test_every_path_reads_a_claim_the_same_way(make, api_client, rf):
    claim = make()
    claim.touch()  # a later updated_at, with microseconds

    listed = api_client.get(LIST).json()["results"]
    detail = without_external(api_client.get(f"{LIST}{claim.pk}/").json())
    by_id = claim_representations([claim.pk], PREFIX)
    model = claim_representation(
        Claim.objects.with_list_relations().select_related("created_by").get(pk=claim.pk), PREFIX
    )

    assert listed == [detail] == by_id == [model]
    assert list(detail) == FIELDS
    readable = [name for name, field in ClaimSerializer().fields.items() if not field.write_only]
    assert list(detail) == readable
    assert detail == declared(claim, rf)


@pytest.mark.parametrize("make", CASES, ids=lambda make: make.__name__)
def test_the_csv_row_is_the_representation_in_columns(make, api_client):
    claim = make()
    representation = without_external(api_client.get(f"{LIST}{claim.pk}/").json())

    response = api_client.get(f"{LIST}?format=csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))

    assert rows == [CSV_COLUMNS, claim_csv_row(representation)]


def test_a_new_claim_answers_its_representation(editor_client, api_client):
    citation = CitationFactory()  # for its source
    body = {
        "statement": "The minister held talks in Washington.",
        "kind": "meeting",
        "citations": [{"source": citation.source_id, "quote": "held talks in Washington"}],
    }

    created = editor_client.post(LIST, body, format="json").json()

    assert created == without_external(api_client.get(created["url"]).json())
    assert created["support_count"] == 1 and created["consensus"] == "uncontested"


def test_the_consensus_filter_and_the_representation_follow_one_rule(api_client):
    for make in CASES:
        make()
    for consensus in ("unsourced", "uncontested", "contested", "refuted"):
        listed = api_client.get(f"{LIST}?consensus={consensus}&page_size=200").json()["results"]
        assert listed and {c["consensus"] for c in listed} == {consensus}


def test_pages_of_several_claims_keep_their_order(api_client):
    made = [make().pk for make in CASES]

    body = api_client.get(f"{LIST}?page_size=5").json()
    second = api_client.get(body["next"]).json()

    assert [c["id"] for c in body["results"] + second["results"]] == sorted(made)[::-1][:10]
    assert claim_representations(made[::-1], PREFIX) == [
        without_external(api_client.get(f"{LIST}{pk}/").json()) for pk in made[::-1]
    ]
