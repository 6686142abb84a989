import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from claims.models import Citation, Claim, ClaimActor, ClaimCountry
from tests.factories import ActorFactory, SourceFactory, UserFactory

pytestmark = pytest.mark.django_db

TEXT = "Officials said on Monday that Morocco and Spain signed a water agreement in Rabat."
QUOTE = "Morocco and Spain signed a water agreement"


@pytest.fixture
def stored():
    """An actor and a source that lines refer to by name and URL."""
    return {
        "actor": ActorFactory(name="Nasser Bourita", kind="person", country="MA"),
        "source": SourceFactory(url="https://news.example/water?utm_source=x", text=TEXT),
    }


def claim_line(**fields) -> dict:
    line = {
        "statement": "Morocco and Spain signed a water agreement.",
        "kind": "agreement",
        "occurred_on": "2023-02-01",
        "date_precision": "day",
        "participants": [{"actor": "Nasser Bourita", "role": "subject"}],
        "countries": [{"code": "es", "role": "object"}],
        "citations": [
            {"source": "https://news.example/water", "quote": QUOTE, "stance": "supports"}
        ],
    }
    line.update(fields)
    return line


def run_import(tmp_path, lines, **options) -> tuple[str, str]:
    path = tmp_path / "claims.jsonl"
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    out, err = StringIO(), StringIO()
    call_command("import_claims", str(path), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_a_line_becomes_a_claim_with_participants_countries_anchored_citations_and_history(
    tmp_path, stored
):
    importer = UserFactory(username="archivist")

    out, _ = run_import(tmp_path, [claim_line()], user="archivist")

    claim = Claim.objects.get()
    assert "Imported 1 claims" in out
    assert (claim.kind, claim.status, claim.version) == ("agreement", "unverified", 1)
    assert str(claim.occurred_on) == "2023-02-01" and claim.created_by == importer
    assert list(claim.participants.values_list("actor__name", "role")) == [
        ("Nasser Bourita", "subject")
    ]
    # Hand-entered ES, and MA derived from the subject's country as sync_claim_countries does.
    assert sorted(claim.countries.values_list("country", "role", "derived")) == [
        ("ES", "object", False),
        ("MA", "subject", True),
    ]
    citation = claim.citations.get()
    assert citation.source == stored["source"]  # matched by canonical URL (no utm_source)
    assert (citation.anchoring, TEXT[citation.start : citation.end]) == ("exact", QUOTE)
    for model, count in ((Claim, 1), (ClaimActor, 1), (ClaimCountry, 2), (Citation, 1)):
        records = model.history.all()
        assert len(records) == count
        for record in records:
            assert (record.history_type, record.history_change_reason) == ("+", "import_claims")
            assert record.history_user == importer


def test_bad_lines_are_named_by_number_and_field_and_skipped_while_good_lines_import(
    tmp_path, stored
):
    lines = [
        claim_line(statement="First good claim."),
        claim_line(kind="rumour"),
        "{not json",
        claim_line(countries=[{"code": "XX", "role": "territory"}]),
        claim_line(participants=[{"actor": "Nobody Known", "role": "subject"}]),
        claim_line(citations=[{"source": "https://elsewhere.example/", "quote": "x"}]),
        claim_line(occurred_on="01/02/2023"),
        claim_line(colour="blue"),
        claim_line(statement="Second good claim."),
    ]

    with pytest.raises(CommandError, match="7 line"):
        run_import(tmp_path, lines)

    assert sorted(Claim.objects.values_list("statement", flat=True)) == [
        "First good claim.",
        "Second good claim.",
    ]
    # Nothing of a skipped line was written, not even part of it.
    assert ClaimActor.objects.count() == Citation.objects.count() == 2
    assert Claim.history.count() == 2


def test_each_skipped_line_is_reported_with_what_to_fix(tmp_path, stored, capsys):
    lines = [
        claim_line(kind="rumour"),
        "{not json",
        claim_line(countries=[{"code": "XX", "role": "territory"}]),
        claim_line(participants=[{"actor": "Nobody Known", "role": "subject"}]),
        claim_line(citations=[{"source": "https://elsewhere.example/", "quote": "x"}]),
    ]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines))
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("import_claims", str(path), stdout=StringIO(), stderr=err)

    report = err.getvalue().splitlines()
    assert report[0].startswith("line 1: kind: 'rumour' is not one of")
    assert report[1].startswith("line 2: not valid JSON")
    assert report[2] == "line 3: countries[0].code: 'XX' is not an ISO 3166-1 code"
    assert report[3] == "line 4: participants[0].actor: no actor is named 'Nobody Known'"
    assert report[4].startswith("line 5: citations[0].source: no stored source has the URL")


def test_an_ambiguous_actor_name_asks_for_the_id_and_the_id_imports(tmp_path, stored):
    twin = ActorFactory(name="Nasser Bourita", kind="person", country="")

    with pytest.raises(CommandError):
        _, err = run_import(tmp_path, [claim_line()])
    assert not Claim.objects.exists()

    run_import(tmp_path, [claim_line(participants=[{"actor_id": twin.pk, "role": "subject"}])])

    assert Claim.objects.get().participants.get().actor == twin


def test_claims_are_written_in_batches_and_all_arrive(tmp_path, stored):
    lines = [claim_line(statement=f"Claim number {n}.") for n in range(7)]

    out, _ = run_import(tmp_path, lines, batch_size=3)

    assert Claim.objects.count() == 7 and "Imported 7 claims" in out
    assert ClaimCountry.objects.filter(derived=True).count() == 7


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="file: cannot read"):
        call_command("import_claims", str(tmp_path / "absent.jsonl"))


@pytest.mark.postgres
def test_imported_claims_are_found_by_full_text_search(tmp_path, stored, api_client):
    run_import(tmp_path, [claim_line(statement="Desalination plant agreed for Casablanca.")])

    found = api_client.get("/api/v1/claims/?q=desalination").json()["results"]

    assert [c["statement"] for c in found] == ["Desalination plant agreed for Casablanca."]
