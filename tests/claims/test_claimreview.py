"""ClaimReview out (JSON-LD per claim and as a feed) and in (files from other fact-checkers)."""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError
from django.http import Http404

from claims.claimreview import (
    ImportFormatError,
    NoVerdict,
    claim_to_claimreview,
    claimreview_graph,
    import_claimreview,
    parse_date,
    rating_on_five,
    status_for_label,
    with_claimreview_relations,
)
from claims.claimreview import imports as claimreview_imports
from claims.models import Actor, Citation, Claim, ClaimActor, Review
from claims.workflow import LABEL, VERDICTS, claim_review
from sources.models import Publisher, Source
from tests.factories import (
    ActorFactory,
    CitationFactory,
    ClaimActorFactory,
    ClaimFactory,
    SourceFactory,
    UserFactory,
)

S = Claim.Status
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "claimreview"
BASE = "https://claims.example"
REVIEW_DAY = dt.datetime(2024, 5, 17, 23, 30, tzinfo=dt.UTC)
EXPECTED_RATING = {
    S.CONFIRMED: 5,
    S.MOSTLY_TRUE: 4,
    S.MIXED: 3,
    S.MISLEADING: 2,
    S.FALSE: 1,
    S.UNVERIFIABLE: None,
}
EXPECTED_LABEL = {
    S.CONFIRMED: "True",
    S.MOSTLY_TRUE: "Mostly true",
    S.MIXED: "Mixed",
    S.MISLEADING: "Misleading",
    S.FALSE: "False",
    S.UNVERIFIABLE: "Unverifiable",
}


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def reviewer(db):
    user = UserFactory(username="rita")
    user.groups.add(Group.objects.get_or_create(name="reviewer")[0])
    return user


@pytest.fixture
def importer(db):
    return UserFactory(username="importer")


def reviewed_claim(reviewer, verdict, *, when=REVIEW_DAY, more_subjects=(), **claim_fields):
    """A claim with a subject (and `more_subjects`, by name), sources that make and refute it,
    and `verdict` recorded.

    Its sources live under https://<site>.example/<claim id>/.
    """
    claim = ClaimFactory(**claim_fields)
    amina = Actor.objects.filter(wikidata_qid="Q42").first() or ActorFactory(
        name="Amina Example", kind=Actor.Kind.PERSON, wikidata_qid="Q42"
    )
    ClaimActorFactory(claim=claim, actor=amina)
    for name in more_subjects:
        ClaimActorFactory(claim=claim, actor=ActorFactory(name=name))

    def source(site, published_at):
        return SourceFactory(url=f"https://{site}.example/{claim.pk}/", published_at=published_at)

    early = source("wire", dt.datetime(2024, 3, 1, tzinfo=dt.UTC))
    late = source("daily", dt.datetime(2024, 3, 9, tzinfo=dt.UTC))
    undated = source("blog", None)
    CitationFactory(claim=claim, source=late, stance=Citation.Stance.SUPPORTS)
    CitationFactory(claim=claim, source=early, stance=Citation.Stance.MENTIONS)
    CitationFactory(claim=claim, source=undated, stance=Citation.Stance.SUPPORTS)
    CitationFactory(
        claim=claim, source=source("refuter", REVIEW_DAY), stance=Citation.Stance.REFUTES
    )
    claim_review(
        claim=claim, status=verdict, reviewer=reviewer, rationale="Checked.", reviewed_at=when
    )
    return Claim.objects.get(pk=claim.pk)


# --- Out -----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("verdict", sorted(VERDICTS))
def test_every_verdict_exports_as_claimreview_field_by_field(settings, reviewer, verdict):
    settings.CLAIMTRACK_ORG_NAME = "Desk Example"
    settings.CLAIMTRACK_ORG_URL = "https://desk.example/"
    claim = reviewed_claim(reviewer, verdict, statement="Ports deal signed in March.")
    url = f"{BASE}/api/v1/claims/{claim.pk}/"

    doc = claim_to_claimreview(claim, base_url=BASE)

    rating = {"@type": "Rating", "bestRating": 5, "worstRating": 1}
    rating["alternateName"] = EXPECTED_LABEL[verdict]
    if EXPECTED_RATING[verdict] is not None:
        rating["ratingValue"] = EXPECTED_RATING[verdict]
    assert doc == {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "@id": url,
        "url": url,
        "claimReviewed": "Ports deal signed in March.",
        "datePublished": "2024-05-17",
        "author": {"@type": "Organization", "name": "Desk Example", "url": "https://desk.example/"},
        "reviewRating": rating,
        "itemReviewed": {
            "@type": "Claim",
            "author": {
                "@type": "Person",
                "name": "Amina Example",
                "sameAs": "https://www.wikidata.org/wiki/Q42",
            },
            "datePublished": "2024-03-01",
            "appearance": [
                f"https://wire.example/{claim.pk}/",
                f"https://daily.example/{claim.pk}/",
                f"https://blog.example/{claim.pk}/",
            ],
            "firstAppearance": f"https://wire.example/{claim.pk}/",
        },
    }
    assert json.loads(json.dumps(doc)) == doc


@pytest.mark.django_db
def test_unverifiable_has_a_label_but_no_rating_value(reviewer):
    doc = claim_to_claimreview(reviewed_claim(reviewer, S.UNVERIFIABLE), base_url=BASE)
    assert "ratingValue" not in doc["reviewRating"]
    assert doc["reviewRating"]["alternateName"] == "Unverifiable"


@pytest.mark.django_db
def test_the_organization_defaults_to_claimtrack_at_the_site_root(settings, reviewer, rf):
    del settings.CLAIMTRACK_ORG_NAME
    del settings.CLAIMTRACK_ORG_URL
    claim = reviewed_claim(reviewer, S.FALSE)
    doc = claim_to_claimreview(claim, request=rf.get("/anything/"))
    assert doc["author"] == {
        "@type": "Organization",
        "name": "claimtrack",
        "url": "http://testserver/",
    }
    assert doc["url"] == f"http://testserver/api/v1/claims/{claim.pk}/"


@pytest.mark.django_db
def test_a_subject_that_is_not_a_person_is_an_organization_without_sameas_if_no_qid(reviewer):
    claim = ClaimFactory()
    ClaimActorFactory(claim=claim, actor=ActorFactory(name="Kingdom of Example", kind="state"))
    ClaimActorFactory(claim=claim, actor=ActorFactory(name="Somebody"), role="claimant")
    CitationFactory(claim=claim, stance=Citation.Stance.REFUTES)
    claim_review(claim=claim, status=S.FALSE, reviewer=reviewer, rationale="No.")
    item = claim_to_claimreview(claim, base_url=BASE)["itemReviewed"]
    assert item == {
        "@type": "Claim",
        "author": {"@type": "Organization", "name": "Kingdom of Example"},
    }


@pytest.mark.django_db
def test_several_subjects_are_listed_as_authors(reviewer):
    claim = reviewed_claim(reviewer, S.FALSE, more_subjects=["Second Subject"])
    authors = claim_to_claimreview(claim, base_url=BASE)["itemReviewed"]["author"]
    assert [a["name"] for a in authors] == ["Amina Example", "Second Subject"]


@pytest.mark.django_db
def test_date_published_is_the_latest_verdict(reviewer):
    claim = reviewed_claim(reviewer, S.FALSE)
    claim_review(claim=claim, status=S.IN_REVIEW, reviewer=reviewer, rationale="Look again.")
    claim_review(
        claim=claim,
        status=S.MIXED,
        reviewer=reviewer,
        rationale="Both.",
        reviewed_at=dt.datetime(2024, 6, 2, tzinfo=dt.UTC),
    )
    doc = claim_to_claimreview(Claim.objects.get(pk=claim.pk), base_url=BASE)
    assert doc["datePublished"] == "2024-06-02"
    assert doc["reviewRating"]["alternateName"] == "Mixed"


@pytest.mark.django_db
@pytest.mark.parametrize("status", [S.UNVERIFIED, S.IN_REVIEW])
def test_a_claim_without_a_verdict_has_no_claimreview(status):
    claim = ClaimFactory(status=status)
    with pytest.raises(NoVerdict, match="no verdict yet") as missing:
        claim_to_claimreview(claim, base_url=BASE)
    assert isinstance(missing.value, Http404)


@pytest.mark.django_db
def test_the_feed_holds_only_claims_with_a_verdict_in_constant_queries(
    reviewer, django_assert_num_queries
):
    reviewed = [reviewed_claim(reviewer, v) for v in (S.FALSE, S.CONFIRMED)]
    ClaimFactory(status=S.IN_REVIEW)

    with django_assert_num_queries(4):
        feed = claimreview_graph(with_claimreview_relations(Claim.objects.all()), base_url=BASE)
    assert feed["@context"] == "https://schema.org"
    assert [node["claimReviewed"] for node in feed["@graph"]] == [
        c.statement for c in reversed(reviewed)
    ]
    assert all("@context" not in node for node in feed["@graph"])

    reviewed += [reviewed_claim(reviewer, v) for v in (S.MIXED, S.MISLEADING, S.UNVERIFIABLE)]
    with django_assert_num_queries(4):
        feed = claimreview_graph(with_claimreview_relations(Claim.objects.all()), base_url=BASE)
    assert len(feed["@graph"]) == 5
    single = claim_to_claimreview(Claim.objects.get(pk=reviewed[0].pk), base_url=BASE)
    del single["@context"]
    assert single in feed["@graph"]


# --- In: labels, ratings, dates ------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "status"),
    [
        ("Falso", S.FALSE),
        ("Faux", S.FALSE),
        ("FALSE", S.FALSE),
        ("Pants on Fire!", S.FALSE),
        ("False. The photo is from 2015.", S.FALSE),
        ("Vrai", S.CONFIRMED),
        ("Verdadero", S.CONFIRMED),
        ("Engañoso", S.MISLEADING),
        ("enganoso", S.MISLEADING),
        ("Trompeur", S.MISLEADING),
        ("Mostly False", S.MISLEADING),
        ("Half True", S.MIXED),
        ("half-true", S.MIXED),
        ("À moitié vrai", S.MIXED),
        ("Mostly true", S.MOSTLY_TRUE),
        ("Unproven", S.UNVERIFIABLE),
        ("Four Bananas", None),
        ("", None),
    ],
)
def test_fact_checkers_labels_map_to_statuses(label, status):
    assert status_for_label(label) == status


@pytest.mark.parametrize("status", sorted(VERDICTS))
def test_every_label_claimtrack_exports_reads_back_as_its_status(status):
    assert status_for_label(LABEL[status]) == status


@pytest.mark.parametrize(
    ("value", "best", "worst", "expected"),
    [
        (5, 5, 1, 5),
        ("4", "5", "1", 4),
        ("2.0", None, None, 2),
        (-1, 5, 1, None),
        ("-1", None, None, None),
        ("n/a", 5, 1, None),
        (None, 5, 1, None),
        (True, 5, 1, None),
        (9, 10, 1, 5),
        (1, 10, 1, 1),
        (1, 1, 5, 5),
        (3, 3, 3, None),
    ],
)
def test_ratings_on_any_scale_come_to_one_to_five(value, best, worst, expected):
    assert rating_on_five(value, best, worst) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-18", dt.datetime(2024, 3, 18, tzinfo=dt.UTC)),
        ("2024-03-18T10:00:00Z", dt.datetime(2024, 3, 18, 10, tzinfo=dt.UTC)),
        ("2024-03-18T10:00:00+02:00", dt.datetime(2024, 3, 18, 8, tzinfo=dt.UTC)),
        ("2024/03/18", dt.datetime(2024, 3, 18, tzinfo=dt.UTC)),
        ("18.03.2024", dt.datetime(2024, 3, 18, tzinfo=dt.UTC)),
        ("March 18, 2024", dt.datetime(2024, 3, 18, tzinfo=dt.UTC)),
        ("Mar 18, 2024", dt.datetime(2024, 3, 18, tzinfo=dt.UTC)),
        ("18 March 2024", dt.datetime(2024, 3, 18, tzinfo=dt.UTC)),
        ("Mon, 18 Mar 2024 10:00:00 GMT", dt.datetime(2024, 3, 18, 10, tzinfo=dt.UTC)),
        ("18/03/2024", dt.datetime(2024, 3, 18, tzinfo=dt.UTC)),
        ("03/18/2024", dt.datetime(2024, 3, 18, tzinfo=dt.UTC)),
        ("03/04/2024", None),
        ("last spring", None),
        ("1066-10-14", None),
        (20240318, None),
        ("", None),
    ],
)
def test_dates_in_the_formats_seen_in_the_wild(text, expected):
    assert parse_date(text) == expected


# --- In: files -----------------------------------------------------------------------------


def load(name):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.mark.django_db
def test_one_claimreview_object_becomes_a_claim_source_citation_and_imported_review(importer):
    report = import_claimreview(load("single.json"), user=importer)

    assert (report.records, report.created, report.skipped) == (1, 1, 0)
    claim = Claim.objects.get()
    assert report.claim_ids == [claim.pk]
    assert claim.statement == "The port agreement was signed by both governments in March 2024."
    assert claim.kind == Claim.Kind.STATEMENT
    assert claim.status == S.FALSE
    assert claim.created_by == importer

    source = Source.objects.get()
    assert source.url == "https://www.factcheck.example/2024/03/ports-deal-claim"
    assert source.title == "No, the port agreement has not been signed"
    assert source.language == "en"
    assert source.published_at == dt.datetime(2024, 3, 18, tzinfo=dt.UTC)
    assert (source.publisher.domain, source.publisher.name) == (
        "factcheck.example",
        "FactCheck Example",
    )

    citation = Citation.objects.get()
    assert (citation.claim, citation.source) == (claim, source)
    assert citation.stance == Citation.Stance.REFUTES
    assert citation.quote == "No, the port agreement has not been signed"
    assert citation.anchoring == Citation.Anchoring.UNCHECKED

    review = Review.objects.get()
    assert review.imported is True
    assert (review.status_before, review.status_after) == (S.UNVERIFIED, S.FALSE)
    assert review.reviewer == importer
    assert review.created_at == dt.datetime(2024, 3, 18, tzinfo=dt.UTC)
    assert "FactCheck Example" in review.rationale and "“False”" in review.rationale
    assert list(review.citations.all()) == [citation]

    subject = ClaimActor.objects.get(claim=claim)
    assert subject.role == ClaimActor.Role.SUBJECT
    assert (subject.actor.name, subject.actor.kind, subject.actor.wikidata_qid) == (
        "Amina Example",
        Actor.Kind.PERSON,
        "Q4115189",
    )
    assert claim.history.order_by("-history_id").first().history_user == importer


@pytest.mark.django_db
def test_an_at_graph_with_string_ratings_minus_one_and_french_and_spanish_labels(importer):
    report = import_claimreview(load("graph.json"), user=importer)

    assert (report.created, report.skipped, report.problems) == (2, 0, [])
    statuses = dict(Claim.objects.values_list("statement", "status"))
    assert statuses == {
        "Las exportaciones de fosfato se duplicaron en 2023.": S.MISLEADING,
        "Le ministre a visité Dakhla le 4 décembre.": S.CONFIRMED,
    }
    spanish = Citation.objects.get(claim__status=S.MISLEADING)
    assert spanish.stance == Citation.Stance.REFUTES
    assert spanish.source.language == "es"
    assert spanish.source.published_at == dt.datetime(2023, 11, 2, 8, 30, tzinfo=dt.UTC)
    french = Citation.objects.get(claim__status=S.CONFIRMED)
    assert french.stance == Citation.Stance.SUPPORTS
    assert french.source.published_at == dt.datetime(2023, 12, 4, tzinfo=dt.UTC)
    assert french.claim.participants.get().actor.name == "Le ministre des Affaires étrangères"


@pytest.mark.django_db
def test_a_fact_check_tools_search_response_imports_each_review(importer):
    report = import_claimreview(load("fact_check_tools.json"), user=importer)

    assert (report.records, report.created, report.skipped) == (4, 4, 0)
    rows = sorted(
        Citation.objects.values_list(
            "source__url", "claim__status", "stance", "source__publisher__name"
        )
    )
    assert rows == [
        ("https://checkers.example/summit-40", S.MISLEADING, "refutes", "Checkers Example"),
        ("https://revisa.example/ferrocarril", S.CONFIRMED, "supports", "Revisa Example"),
        ("https://truthdesk.example/checks/summit-attendance", S.FALSE, "refutes",
         "Truth Desk Example"),
        ("https://truthdesk.example/checks/unemployment-q4", S.MIXED, "mentions",
         "Truth Desk Example"),
    ]  # fmt: skip
    assert Publisher.objects.filter(domain="truthdesk.example").count() == 1
    summit = Claim.objects.filter(statement__startswith="The summit").values_list(
        "participants__actor__name", flat=True
    )
    assert list(summit) == ["Government spokesperson", "Government spokesperson"]
    assert Actor.objects.filter(name="Government spokesperson").count() == 1
    railway = Citation.objects.get(source__url="https://revisa.example/ferrocarril")
    assert railway.quote == "A new railway line opened between the two cities."
    assert railway.reviews.get().created_at == dt.datetime(2024, 1, 15, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_malformed_records_are_skipped_one_line_each_and_good_ones_still_import(importer):
    report = import_claimreview(load("malformed.json"), user=importer)

    assert report.problems == [
        "record 2: missing claimReviewed",
        "record 3: missing url (the review's address)",
        "record 4: not a JSON object",
        "record 5: @type is 'Organization', not ClaimReview",
        "record 6: missing reviewRating",
        "record 7: url 'not a web address' is not a web address",
        "record 10: missing claimReviewed",
        "record 11: reviewRating has neither a usable ratingValue nor an alternateName",
    ]
    assert report.warnings == [
        "record 8: label “Four Bananas” is not one claimtrack knows; recorded as unverifiable",
        "record 8: datePublished 'sometime last spring' is not a date; the import time is used",
        "record 9: inLanguage 'français' is not a language tag; left empty",
    ]
    assert (report.records, report.created, report.unchanged, report.skipped) == (12, 4, 0, 8)
    assert report.summary() == "12 record(s): 4 imported, 0 already present, 8 skipped."
    assert dict(Claim.objects.values_list("statement", "status")) == {
        "Good record one: the bridge was finished in 2022.": S.CONFIRMED,
        "Good record two: the label is unknown to claimtrack.": S.UNVERIFIABLE,
        "Good record three: French label, odd date.": S.MISLEADING,
        "Good record four: rating on a ten-point scale.": S.CONFIRMED,
    }
    unknown = Review.objects.get(claim__statement__startswith="Good record two")
    assert "“Four Bananas”" in unknown.rationale
    assert "does not know this label" in unknown.rationale
    assert Source.objects.get(url="https://good.example/reviews/1").publisher.name == (
        "Good Checks Example"
    )
    ten_point = Review.objects.get(claim__statement__startswith="Good record four")
    assert "rated the claim 9 (from 1 to 10), 5 on a scale of 1 to 5" in ten_point.rationale
    assert Source.objects.filter(url="https://good.example/reviews/12").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["single.json", "graph.json", "fact_check_tools.json", "malformed.json"]
)
def test_importing_the_same_file_again_creates_nothing(importer, name):
    first = import_claimreview(load(name), user=importer)
    models = (Claim, Source, Publisher, Citation, Review, Actor, ClaimActor)
    counts = {model: model.objects.count() for model in models}

    again = import_claimreview(load(name), user=importer)

    assert {model: model.objects.count() for model in models} == counts
    assert (again.created, again.unchanged) == (0, first.created)


@pytest.mark.django_db
def test_an_existing_source_is_reused_and_a_new_claim_on_it_still_imports(importer):
    existing = SourceFactory(url="http://www.factcheck.example/2024/03/ports-deal-claim#top")
    import_claimreview(load("single.json"), user=importer)
    assert Source.objects.get() == existing
    assert Citation.objects.get().source == existing


@pytest.mark.django_db
def test_a_record_that_fails_in_the_database_leaves_nothing_behind(importer, monkeypatch):
    real = claimreview_imports.claim_review

    def failing(**kwargs):
        if kwargs["claim"].statement.startswith("Las exportaciones"):
            raise IntegrityError("simulated failure")
        return real(**kwargs)

    monkeypatch.setattr(claimreview_imports, "claim_review", failing)
    report = import_claimreview(load("graph.json"), user=importer)

    assert report.problems == [
        "record 1: the database refused it (IntegrityError: simulated failure)"
    ]
    assert report.created == 1
    assert list(Claim.objects.values_list("statement", flat=True)) == [
        "Le ministre a visité Dakhla le 4 décembre."
    ]
    assert not Source.objects.filter(url__contains="verifica.example").exists()
    assert not Publisher.objects.filter(domain="verifica.example").exists()


@pytest.mark.django_db
def test_a_statement_too_long_for_a_claim_is_skipped():
    record = load("single.json") | {"claimReviewed": "x" * 2001}
    report = import_claimreview(record, user=None)
    assert report.problems == ["record 1: claimReviewed is longer than 2000 characters"]
    assert not Claim.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("data", [42, "ClaimReview", None])
def test_data_that_is_not_json_objects_is_refused_as_a_whole(data):
    with pytest.raises(ImportFormatError) as refused:
        import_claimreview(data, user=None)
    assert isinstance(refused.value, ValidationError)
    assert "Expected ClaimReview JSON" in refused.value.messages[0]


@pytest.mark.django_db
def test_export_then_import_reproduces_statements_statuses_and_subjects(reviewer, importer):
    originals = {}
    for verdict in sorted(VERDICTS):
        claim = reviewed_claim(reviewer, verdict, statement=f"The claim that was rated {verdict}.")
        originals[claim.statement] = verdict
    feed = claimreview_graph(with_claimreview_relations(Claim.objects.all()), base_url=BASE)
    Claim.objects.all().delete()

    report = import_claimreview(json.loads(json.dumps(feed)), user=importer)

    assert (report.created, report.skipped, report.warnings) == (6, 0, [])
    assert dict(Claim.objects.values_list("statement", "status")) == originals
    assert set(ClaimActor.objects.values_list("actor__name", "actor__wikidata_qid")) == {
        ("Amina Example", "Q42")
    }
    assert Actor.objects.filter(wikidata_qid="Q42").count() == 1
    assert {r.created_at.date() for r in Review.objects.all()} == {REVIEW_DAY.date()}

    def ratings(graph):
        return sorted((n["claimReviewed"], n["reviewRating"].get("ratingValue")) for n in graph)

    reexported = claimreview_graph(Claim.objects.all(), base_url=BASE)["@graph"]
    assert ratings(reexported) == ratings(feed["@graph"])


# --- The management command ----------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_reports_skips_and_a_summary_and_records_the_user(capsys, importer):
    call_command("import_claimreview", str(FIXTURES / "malformed.json"), "--user", "importer")
    out, err = capsys.readouterr()
    assert out.strip() == "12 record(s): 4 imported, 0 already present, 8 skipped."
    assert "skipped record 2: missing claimReviewed" in err.splitlines()
    assert "warning record 9: inLanguage 'français' is not a language tag; left empty" in err
    assert "Traceback" not in out + err
    assert set(Review.objects.values_list("reviewer__username", flat=True)) == {"importer"}

    call_command("import_claimreview", str(FIXTURES / "malformed.json"))
    out, _ = capsys.readouterr()
    assert out.strip() == "12 record(s): 0 imported, 4 already present, 8 skipped."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "message"),
    [
        (FIXTURES / "not_json.json", "is not valid JSON: Unterminated string"),
        (FIXTURES / "missing.json", "Cannot read"),
        (FIXTURES, "Cannot read"),
    ],
)
def test_the_command_exits_1_with_one_line_when_the_file_cannot_be_read(path, message):
    with pytest.raises(CommandError, match=message) as failed:
        call_command("import_claimreview", str(path))
    assert failed.value.returncode == 1
    assert "\n" not in str(failed.value)
    assert not Claim.objects.exists()


@pytest.mark.django_db
def test_the_command_refuses_an_unknown_user_and_json_that_is_not_claimreview(tmp_path):
    with pytest.raises(CommandError, match="no user named 'nobody'"):
        call_command("import_claimreview", str(FIXTURES / "single.json"), "--user", "nobody")
    number = tmp_path / "number.json"
    number.write_text("42")
    with pytest.raises(CommandError, match="Expected ClaimReview JSON"):
        call_command("import_claimreview", str(number))
    assert not Claim.objects.exists()
