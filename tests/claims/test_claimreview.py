"""ClaimReview out (JSON-LD per claim and as a feed) and in (files from other fact-checkers)."""

import csv
import datetime as dt
import json
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError
from django.http import Http404

from claims.claimreview import (
    ImportFormatError,
    LabelTable,
    NoVerdict,
    claim_to_claimreview,
    claimreview_graph,
    date_from_url,
    import_claimreview,
    jsonld_script,
    parse_date,
    rating_on_five,
    with_claimreview_relations,
)
from claims.claimreview.imports import REPORT_MAX_LINES
from claims.models import (
    Actor,
    Citation,
    Claim,
    ClaimActor,
    DateOrigin,
    ExternalReview,
    RatingBucket,
    RatingLabel,
    Review,
)
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
    S.UNVERIFIABLE: 3,  # the neutral middle; alternateName says Unverifiable
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
    url = f"{BASE}/claims/{claim.pk}/"

    doc = claim_to_claimreview(claim, base_url=BASE)

    rating = {"@type": "Rating", "bestRating": 5, "worstRating": 1}
    rating["alternateName"] = EXPECTED_LABEL[verdict]
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
def test_unverifiable_has_its_label_and_a_rating_value_within_the_scale(reviewer):
    doc = claim_to_claimreview(reviewed_claim(reviewer, S.UNVERIFIABLE), base_url=BASE)
    rating = doc["reviewRating"]
    assert rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"]
    assert rating["alternateName"] == "Unverifiable"


@pytest.mark.django_db
def test_the_organization_defaults_to_claimtrack_at_the_site_root(settings, reviewer, rf):
    settings.CLAIMTRACK_ORG_NAME = ""
    settings.CLAIMTRACK_ORG_URL = ""
    claim = reviewed_claim(reviewer, S.FALSE)
    doc = claim_to_claimreview(claim, request=rf.get("/anything/"))
    assert doc["author"] == {
        "@type": "Organization",
        "name": "claimtrack",
        "url": "http://testserver/",
    }
    assert doc["url"] == f"http://testserver/claims/{claim.pk}/"


@pytest.mark.django_db
def test_a_subject_that_is_not_a_person_is_an_organization_without_sameas_if_no_qid(reviewer):
    claim = ClaimFactory()
    ClaimActorFactory(claim=claim, actor=ActorFactory(name="Kingdom of Example", kind="state"))
    ClaimActorFactory(claim=claim, actor=ActorFactory(name="Observer"), role="object")
    CitationFactory(claim=claim, stance=Citation.Stance.REFUTES)
    claim_review(claim=claim, status=S.FALSE, reviewer=reviewer, rationale="No.")
    item = claim_to_claimreview(claim, base_url=BASE)["itemReviewed"]
    assert item == {
        "@type": "Claim",
        "author": {"@type": "Organization", "name": "Kingdom of Example"},
    }


@pytest.mark.django_db
def test_the_claimant_is_the_claims_author_a_person_by_kind_and_an_unknown_kind_is_left_out(
    reviewer,
):
    claim = ClaimFactory()
    ClaimActorFactory(claim=claim, actor=ActorFactory(name="Kingdom of Example", kind="state"))
    head = ActorFactory(name="A Head of State", kind=Actor.Kind.PERSON)
    ClaimActorFactory(claim=claim, actor=head, role="claimant")
    somebody = ActorFactory(name="facebook user", kind="other")
    ClaimActorFactory(claim=claim, actor=somebody, role="claimant")
    CitationFactory(claim=claim, stance=Citation.Stance.REFUTES)
    claim_review(claim=claim, status=S.FALSE, reviewer=reviewer, rationale="No.")
    item = claim_to_claimreview(Claim.objects.get(pk=claim.pk), base_url=BASE)["itemReviewed"]
    assert item["author"] == {"@type": "Person", "name": "A Head of State"}


@pytest.mark.django_db
def test_a_fact_checkers_article_is_never_an_appearance_of_the_claim(reviewer, importer):
    claim = reviewed_claim(reviewer, S.FALSE)
    article = f"https://wire.example/{claim.pk}/"  # cited as making the claim…
    record = load("single.json") | {"url": article, "claimReviewed": claim.statement}
    import_claimreview(record, user=importer)  # …but it is a fact-check of it
    item = claim_to_claimreview(Claim.objects.get(pk=claim.pk), base_url=BASE)["itemReviewed"]
    assert article not in item["appearance"]
    assert item["firstAppearance"] == f"https://daily.example/{claim.pk}/"


@pytest.mark.django_db
def test_json_ld_in_html_cannot_end_the_script_or_open_a_comment(reviewer, client):
    statement = "Evil </script><script>alert(1)</script> <!-- & more"
    claim = reviewed_claim(reviewer, S.FALSE, statement=statement)
    page = client.get(f"/claims/{claim.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    script = html.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in script and ">" not in script
    assert json.loads(script)["claimReviewed"] == statement
    assert json.loads(script)["url"] == f"http://testserver/claims/{claim.pk}/"
    assert "&lt;/script&gt;" in html  # the heading shows it, escaped
    assert jsonld_script({"a": "</script><!--"}) == '{\n  "a": "\\u003c/script\\u003e\\u003c!--"\n}'


@pytest.mark.django_db
def test_the_public_page_of_a_claim_without_a_verdict_has_no_claimreview(client):
    claim = ClaimFactory(statement="Not yet checked.")
    page = client.get(f"/claims/{claim.pk}/")
    assert page.status_code == 200
    assert "application/ld+json" not in page.content.decode()
    assert "Not yet checked." in page.content.decode()
    assert client.get("/claims/999999/").status_code == 404


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
def test_the_feed_reads_other_fact_checkers_reviews_in_one_query_whatever_their_number(
    reviewer, importer, django_assert_num_queries
):
    reviewed = [reviewed_claim(reviewer, v) for v in (S.FALSE, S.CONFIRMED)]
    for claim in reviewed:
        for site in ("one", "two"):
            record = one(claimReviewed=claim.statement, url=f"https://{site}.example/{claim.pk}")
            import_claimreview(record, user=importer)
    with django_assert_num_queries(5):
        feed = claimreview_graph(with_claimreview_relations(Claim.objects.all()), base_url=BASE)
    assert len(feed["@graph"]) == 2
    assert "one.example" not in json.dumps(feed)  # their reviews are never our appearances


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "why"),
    [
        (S.UNVERIFIED, "it is “Unverified”"),
        (S.IN_REVIEW, "it is “In review”"),
        # A verdict status that no review recorded (written around the workflow): not published.
        (S.FALSE, "its “False” status has no recorded verdict review to publish"),
    ],
)
def test_the_api_says_why_a_claim_has_no_claimreview(api_client, status, why):
    claim = ClaimFactory(status=status)
    answer = api_client.get(f"/api/v1/claims/{claim.pk}/claimreview/")
    assert answer.status_code == 404
    assert answer.json()["detail"] == (
        f"Claim {claim.pk} has no verdict yet ({why}); a ClaimReview is published only once a "
        "reviewer has recorded a verdict."
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("setting", "given", "root"),
    [
        ("https://claims.example/", None, "https://claims.example"),
        ("", None, "http://localhost:8000"),
        ("https://claims.example", "https://mirror.example/", "https://mirror.example"),
        ("https://example.org/BOX/", None, "https://example.org/BOX"),  # only the slash goes
    ],
)
def test_outside_a_request_urls_are_built_from_the_base_url_given_else_the_setting(
    settings, reviewer, setting, given, root
):
    settings.CLAIMTRACK_BASE_URL = setting
    settings.CLAIMTRACK_ORG_URL = ""
    claim = reviewed_claim(reviewer, S.FALSE)
    doc = claim_to_claimreview(claim, base_url=given)
    assert (doc["url"], doc["author"]["url"]) == (f"{root}/claims/{claim.pk}/", f"{root}/")


@pytest.mark.django_db
def test_the_feed_read_through_the_api_links_to_the_site_it_was_asked_of(reviewer, api_client):
    claim = reviewed_claim(reviewer, S.FALSE)
    (node,) = api_client.get("/api/v1/claimreview/").json()["@graph"]
    assert node["url"] == f"http://testserver/claims/{claim.pk}/"


@pytest.mark.django_db
def test_the_review_date_is_the_utc_day_whatever_the_servers_zone(monkeypatch, reviewer):
    # 23:30 UTC on 17 May is already 18 May east of Greenwich.
    claim = reviewed_claim(reviewer, S.FALSE, when=REVIEW_DAY)
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    time.tzset()
    try:
        doc = claim_to_claimreview(Claim.objects.get(pk=claim.pk), base_url=BASE)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert doc["datePublished"] == "2024-05-17"


@pytest.mark.django_db
def test_the_json_ld_in_a_page_keeps_letters_outside_ascii_as_they_are(reviewer, client):
    claim = reviewed_claim(reviewer, S.FALSE, statement="Le ministre a visité Dakhla à l’aube.")
    html = client.get(f"/claims/{claim.pk}/").content.decode()
    assert '"claimReviewed": "Le ministre a visité Dakhla à l’aube."' in html


@pytest.mark.django_db
def test_the_feed_holds_only_claims_with_a_verdict_in_constant_queries(
    reviewer, django_assert_num_queries
):
    reviewed = [reviewed_claim(reviewer, v) for v in (S.FALSE, S.CONFIRMED)]
    ClaimFactory(status=S.IN_REVIEW)

    with django_assert_num_queries(5):
        feed = claimreview_graph(with_claimreview_relations(Claim.objects.all()), base_url=BASE)
    assert feed["@context"] == "https://schema.org"
    assert [node["claimReviewed"] for node in feed["@graph"]] == [
        c.statement for c in reversed(reviewed)
    ]
    assert all("@context" not in node for node in feed["@graph"])

    reviewed += [reviewed_claim(reviewer, v) for v in (S.MIXED, S.MISLEADING, S.UNVERIFIABLE)]
    with django_assert_num_queries(5):
        feed = claimreview_graph(with_claimreview_relations(Claim.objects.all()), base_url=BASE)
    assert len(feed["@graph"]) == 5
    single = claim_to_claimreview(Claim.objects.get(pk=reviewed[0].pk), base_url=BASE)
    del single["@context"]
    assert single in feed["@graph"]


# --- In: labels, ratings, dates ------------------------------------------------------------


@pytest.fixture
def labels(db):
    return LabelTable()


@pytest.mark.parametrize(
    ("label", "language", "bucket"),
    [
        ("Falso", "es", "false"),
        ("Faux", "fr", "false"),
        ("FALSE", "en", "false"),
        ("Pants on Fire!", "en", "false"),
        ("False. The photo is from 2015.", "en", "false"),
        ("FALSO: el vídeo es de 2019", "es", "false"),
        ("Incorrect\r", "en", "false"),
        ("Vrai", "fr", "confirmed"),
        ("Verdadero", "es", "confirmed"),
        ("Engañoso", "es", "misleading"),
        ("enganoso", "es", "misleading"),
        ("Trompeur", "fr", "misleading"),
        ("Mostly False", "en", "misleading"),
        ("Half True", "en", "mixed"),
        ("half-true", "en", "mixed"),
        ("À moitié vrai", "fr", "mixed"),
        ("Mostly true", "en", "mostly_true"),
        ("Unproven", "en", "unverifiable"),
        # Clearly rated labels 1.x guessed as unverifiable (issue 13).
        ("Three Pinocchios", "en", "misleading"),
        ("Altered", "en", "false"),
        ("False Context", "en", "misleading"),
        ("Unfounded", "en", "unverifiable"),
        ("Exaggerates", "en", "misleading"),
        ("زائف", "ar", "false"),
        ("錯誤", "zh", "false"),
        ("really_false", "fr", "false"),
        # A label spelled as in another language's table still matches.
        ("Falso", "", "false"),
    ],
)
def test_fact_checkers_labels_map_to_buckets_through_the_label_table(
    labels, label, language, bucket
):
    assert labels.find(label, language).bucket == bucket


@pytest.mark.django_db
def test_a_label_nobody_mapped_is_stored_unmapped_never_guessed(labels):
    assert labels.find("Four Bananas", "en") is None
    row, added = labels.find_or_add("Four Bananas", "en")
    assert (added, row.bucket, row.language) == (True, RatingBucket.UNMAPPED, "en")
    assert row.note == "Met in an import; not mapped yet."  # what the admin shows
    assert labels.find_or_add("four  bananas!", "en") == (row, False)
    long, _ = labels.find_or_add("Bananas " * 100, "en")
    assert len(long.label) == 500
    assert labels.find_or_add("Five Bananas")[0].language == ""  # a record without a language


def test_labels_compare_without_case_accents_punctuation_or_underscores():
    from claims.claimreview.ratings import label_head, normalise_label

    assert normalise_label("  Half-TRUE!! ") == "half true"
    assert normalise_label("Engañoso_en_parte") == "enganoso en parte"
    assert label_head("FALSO: el vídeo es de 2019") == "FALSO"


@pytest.mark.django_db
def test_a_label_is_read_in_the_records_language_first_then_for_any_language():
    german = RatingLabel.objects.create(label="Zorp", language="de", bucket="mixed")
    RatingLabel.objects.create(label="Zorp", language="", bucket="false")
    table = LabelTable()
    assert table.find("zorp", "de-AT").bucket == "mixed"
    assert table.find("Zorp", "fr").bucket == "false"
    assert table.find("Zorp").bucket == "false"
    assert table.find_or_add("Zorp", "de") == (german, False)


@pytest.mark.django_db
def test_a_whole_label_that_is_mapped_wins_over_its_leading_word():
    RatingLabel.objects.create(label="Falsch: aber irreführend", language="", bucket="misleading")
    RatingLabel.objects.create(label="Falsch", language="", bucket="false")
    RatingLabel.objects.create(label="?", language="", bucket="false")  # a label of no words
    table = LabelTable()
    assert table.find("Falsch: aber irreführend", "de").bucket == "misleading"
    assert table.find("Falsch: ganz und gar", "de").bucket == "false"
    assert table.find("(zorp)", "en") is None  # no leading word: nothing to look up


@pytest.mark.django_db
def test_a_label_known_only_in_the_records_language_is_found_in_it():
    french = RatingLabel.objects.create(label="Trompeur à moitié", language="fr", bucket="mixed")
    assert LabelTable().find_or_add("TROMPEUR a moitie", "fr-FR") == (french, False)


@pytest.mark.django_db
def test_seeding_writes_each_label_of_the_file_once_as_the_file_gives_it_and_keeps_edits():
    """labels.csv into the table: the first row of a (label, language) wins; a second seeding
    adds only what is missing and leaves a mapping someone changed alone."""
    from claims.claimreview.ratings import LABELS_CSV, normalise_label, seed_rating_labels

    with LABELS_CSV.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    first = {}
    for row in rows:
        first.setdefault((normalise_label(row["label"]), row["language"]), row)
    RatingLabel.objects.all().delete()

    assert seed_rating_labels(RatingLabel) == len(first) == RatingLabel.objects.count()
    for (key, language), row in first.items():
        stored = RatingLabel.objects.get(key=key, language=language)
        note = "; ".join(part for part in (row["source"], row["note"]) if part)
        assert (stored.label, stored.bucket, stored.note) == (row["label"], row["bucket"], note)

    mapped = RatingLabel.objects.order_by("id").first()
    RatingLabel.objects.filter(pk=mapped.pk).update(bucket=RatingBucket.UNMAPPED)
    RatingLabel.objects.order_by("id").last().delete()
    assert seed_rating_labels(RatingLabel) == 1
    assert RatingLabel.objects.count() == len(first)
    assert RatingLabel.objects.get(pk=mapped.pk).bucket == RatingBucket.UNMAPPED
    # Seeded as a migration seeds: no audit rows of creation.
    assert not RatingLabel.history.filter(history_type="+").exists()


@pytest.mark.django_db
def test_the_seed_holds_several_hundred_labels_in_at_least_eight_languages():
    assert RatingLabel.objects.count() >= 500
    languages = set(RatingLabel.objects.exclude(language="").values_list("language", flat=True))
    assert len(languages) >= 8
    assert not RatingLabel.objects.filter(bucket=RatingBucket.UNMAPPED).exists()


@pytest.mark.parametrize("status", sorted(VERDICTS))
def test_every_label_claimtrack_exports_reads_back_as_its_status(labels, status):
    assert labels.find(LABEL[status], "en").bucket == status


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.politifact.com/factchecks/2022/oct/28/x/y/", dt.date(2022, 10, 28)),
        ("https://example.com/2020/03/27/some-story/", dt.date(2020, 3, 27)),
        ("https://www.newtral.es/pobreza-factcheck/20221008/", dt.date(2022, 10, 8)),
        ("https://www.indiatoday.in/fact-check/story/x-2021-11-08", dt.date(2021, 11, 8)),
        ("https://example.com/2020/13/45/not-a-date/", None),
        ("https://example.com/stories/12345678/", None),
        ("https://example.com/about/", None),
        ("https://example.com/2020/foo/12/story/", None),  # no such month: no date
        # A day that does not exist, then a real one further along: the real one.
        ("https://example.com/2020/02/30/x/2020/03/05/", dt.date(2020, 3, 5)),
        (None, None),
    ],
)
def test_a_date_is_read_from_the_review_url_path_only_when_it_is_a_real_day(url, expected):
    found = date_from_url(url)
    assert (found.date() if found else None) == expected


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
        ("3,5", "5", "1", 4),  # a decimal comma, as many European publishers write
        (4, "", "", 4),  # a scale left blank is read as 1..5
        (4, None, None, 4),
        (3, "n/a", 1, None),  # a scale that is not a number: no rating
        (7, 5, 1, None),  # beyond the best rating the scale gives
    ],
)
def test_ratings_on_any_scale_come_to_one_to_five(value, best, worst, expected):
    assert rating_on_five(value, best, worst) == expected


def test_a_rating_without_a_scale_is_on_one_to_five():
    assert [rating_on_five(value) for value in (1, 2, 4, 5)] == [1, 2, 4, 5]


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
        ("12/05/2024", None),  # the 12th of May or the 5th of December: not guessed
        ("05/12/2024", None),
        ("13/12/2024", dt.datetime(2024, 12, 13, tzinfo=dt.UTC)),  # no 13th month: d/m/Y
        ("12/13/2024", dt.datetime(2024, 12, 13, tzinfo=dt.UTC)),  # m/d/Y
        ("1900-01-01", dt.datetime(1900, 1, 1, tzinfo=dt.UTC)),
        ("1899-12-31", None),
        ("last spring", None),
        ("1066-10-14", None),
        (20240318, None),
        ("", None),
    ],
)
def test_dates_in_the_formats_seen_in_the_wild(text, expected):
    assert parse_date(text) == expected


def test_a_date_may_be_next_year_at_the_latest():
    year = dt.datetime.now(dt.UTC).year
    assert parse_date(f"{year + 1}-12-31") == dt.datetime(year + 1, 12, 31, tzinfo=dt.UTC)
    assert parse_date(f"{year + 2}-01-01") is None


def test_a_date_without_a_zone_is_utc_whatever_the_servers_zone(monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        found = parse_date("2024-03-18")
        assert found == dt.datetime(2024, 3, 18, tzinfo=dt.UTC)
        assert found.utcoffset() == dt.timedelta(0)
    finally:
        monkeypatch.undo()
        time.tzset()


# --- In: files -----------------------------------------------------------------------------


def load(name):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.mark.django_db
def test_one_claimreview_object_becomes_an_external_review_on_a_new_unverified_claim(importer):
    report = import_claimreview(load("single.json"), user=importer)

    assert (report.records, report.created, report.claims_created, report.skipped) == (1, 1, 1, 0)
    claim = Claim.objects.get()
    assert report.claim_ids == [claim.pk]
    assert claim.statement == "The port agreement was signed by both governments in March 2024."
    assert (claim.kind, claim.status, claim.created_by) == (
        Claim.Kind.STATEMENT,
        S.UNVERIFIED,
        importer,
    )
    # Their verdict is not ours: no review, no citation of their article, no source.
    assert not Review.objects.exists()
    assert not Citation.objects.exists()
    assert not Source.objects.exists()

    review = ExternalReview.objects.get()
    assert review.claim == claim
    assert review.review_url == "https://www.factcheck.example/2024/03/ports-deal-claim"
    assert review.title == "No, the port agreement has not been signed"
    assert (review.label, review.rating) == ("False", "false")
    assert (review.rating_value, review.best_rating, review.worst_rating) == (1, 5, 1)
    assert review.language == "en"
    assert review.published_at == dt.datetime(2024, 3, 18, tzinfo=dt.UTC)
    assert review.published_at_origin == DateOrigin.RECORD
    assert review.imported_by == importer
    assert (review.publisher.domain, review.publisher.name) == (
        "factcheck.example",
        "FactCheck Example",
    )

    claimant = ClaimActor.objects.get(claim=claim)
    assert claimant.role == ClaimActor.Role.CLAIMANT
    assert (claimant.actor.name, claimant.actor.kind, claimant.actor.wikidata_qid) == (
        "Amina Example",
        Actor.Kind.PERSON,
        "Q4115189",
    )
    assert review.history.get().history_user == importer


@pytest.mark.django_db
def test_an_import_never_touches_a_claim_we_reviewed_nor_enters_our_feed(reviewer, importer):
    ours = reviewed_claim(reviewer, S.CONFIRMED, statement=load("single.json")["claimReviewed"])
    before = claimreview_graph(with_claimreview_relations(Claim.objects.all()), base_url=BASE)

    report = import_claimreview(load("single.json"), user=importer)

    assert (report.created, report.claims_created) == (1, 0)
    claim = Claim.objects.get()
    assert claim == ours and claim.status == S.CONFIRMED
    assert claim.external_reviews.get().rating == "false"
    assert claim.reviews.count() == 1
    after = claimreview_graph(with_claimreview_relations(Claim.objects.all()), base_url=BASE)
    assert after == before  # still our one verdict, with our rating and our appearances
    assert after["@graph"][0]["reviewRating"]["alternateName"] == "True"
    assert "factcheck.example" not in json.dumps(after)


@pytest.mark.django_db
def test_an_at_graph_with_string_ratings_minus_one_and_french_and_spanish_labels(importer):
    report = import_claimreview(load("graph.json"), user=importer)

    assert (report.created, report.skipped, report.problems) == (2, 0, [])
    ratings = dict(ExternalReview.objects.values_list("claim__statement", "rating"))
    assert ratings == {
        "Las exportaciones de fosfato se duplicaron en 2023.": "misleading",
        "Le ministre a visité Dakhla le 4 décembre.": "confirmed",
    }
    assert set(Claim.objects.values_list("status", flat=True)) == {S.UNVERIFIED}
    spanish = ExternalReview.objects.get(rating="misleading")
    assert (spanish.language, spanish.label) == ("es", "Engañoso")
    assert spanish.published_at == dt.datetime(2023, 11, 2, 8, 30, tzinfo=dt.UTC)
    assert spanish.publisher.name == "Verifica Example"
    french = ExternalReview.objects.get(rating="confirmed")
    assert french.published_at == dt.datetime(2023, 12, 4, tzinfo=dt.UTC)
    assert french.claim.participants.get().actor.name == "Le ministre des Affaires étrangères"


@pytest.mark.django_db
def test_a_fact_check_tools_search_response_imports_each_review(importer):
    report = import_claimreview(load("fact_check_tools.json"), user=importer)

    assert (report.records, report.created, report.skipped) == (4, 4, 0)
    rows = sorted(ExternalReview.objects.values_list("review_url", "rating", "publisher__name"))
    assert rows == [
        ("https://checkers.example/summit-40", "misleading", "Checkers Example"),
        ("https://revisa.example/ferrocarril", "confirmed", "Revisa Example"),
        ("https://truthdesk.example/checks/summit-attendance", "false", "Truth Desk Example"),
        ("https://truthdesk.example/checks/unemployment-q4", "mixed", "Truth Desk Example"),
    ]
    assert Publisher.objects.filter(domain="truthdesk.example").count() == 1
    summit = Claim.objects.get(statement__startswith="The summit")
    assert summit.external_reviews.count() == 2  # one claim, two fact-checkers
    assert list(summit.participants.values_list("actor__name", "role")) == [
        ("Government spokesperson", "claimant")
    ]
    railway = ExternalReview.objects.get(review_url="https://revisa.example/ferrocarril")
    assert railway.published_at == dt.datetime(2024, 1, 15, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_malformed_records_are_skipped_one_line_each_with_counts_by_reason(importer):
    report = import_claimreview(load("malformed.json"), user=importer)

    assert report.problems == [
        "record 2: missing claimReviewed",
        "record 3: missing url: the review's address",
        "record 4: not a JSON object",
        "record 5: not a ClaimReview: @type is 'Organization'",
        "record 6: missing reviewRating",
        "record 7: url is not a web address: 'not a web address'",
        "record 10: missing claimReviewed",
        "record 11: no rating: reviewRating has neither a label nor a usable ratingValue",
    ]
    assert dict(report.skipped_by_reason) == {
        "missing claimReviewed": 2,
        "missing url": 1,
        "not a JSON object": 1,
        "not a ClaimReview": 1,
        "missing reviewRating": 1,
        "url is not a web address": 1,
        "no rating": 1,
    }
    assert report.warnings == [
        "record 8: datePublished 'sometime last spring' is not a date",
        "record 8: no review date (neither datePublished nor a date in the URL); left empty",
        "record 9: inLanguage 'français' is not a language tag; left empty",
    ]
    assert report.unmapped_labels == ["Four Bananas"]
    assert (report.records, report.created, report.unchanged, report.skipped) == (12, 4, 0, 8)
    assert dict(ExternalReview.objects.values_list("claim__statement", "rating")) == {
        "Good record one: the bridge was finished in 2022.": "confirmed",
        "Good record two: the label is unknown to claimtrack.": "unmapped",
        "Good record three: French label, odd date.": "misleading",
        "Good record four: rating on a ten-point scale.": "confirmed",
    }
    undated = ExternalReview.objects.get(claim__statement__startswith="Good record two")
    assert (undated.published_at, undated.published_at_origin) == (None, DateOrigin.MISSING)
    # A bare-string author is a byline, not the publishing organisation.
    assert undated.publisher.name == "good.example"
    assert undated.authors == [{"name": "Good Checks Example", "url": ""}]
    ten_point = ExternalReview.objects.get(claim__statement__startswith="Good record four")
    assert (ten_point.rating_value, ten_point.best_rating, ten_point.label) == (9, 10, "")


@pytest.mark.django_db
def test_mapping_an_unmapped_label_once_rerates_every_review_that_carries_it(importer):
    import_claimreview(load("malformed.json"), user=importer)
    other = load("single.json") | {"url": "https://other.example/r/1"}
    other["reviewRating"] = {"alternateName": "four bananas"}
    import_claimreview(other, user=importer)
    unmapped = RatingLabel.objects.get(bucket=RatingBucket.UNMAPPED)
    assert ExternalReview.objects.filter(rating="unmapped").count() == 2

    unmapped.bucket = RatingBucket.FALSE
    unmapped.save()

    assert ExternalReview.objects.filter(rating="unmapped").count() == 0
    assert ExternalReview.objects.filter(rating_label=unmapped, rating="false").count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["single.json", "graph.json", "fact_check_tools.json", "malformed.json"]
)
def test_importing_the_same_file_again_creates_nothing(importer, name):
    first = import_claimreview(load(name), user=importer)
    models = (Claim, ExternalReview, Publisher, RatingLabel, Actor, ClaimActor, Review)
    counts = {model: model.objects.count() for model in models}

    again = import_claimreview(load(name), user=importer)

    assert {model: model.objects.count() for model in models} == counts
    assert (again.created, again.unchanged) == (0, first.created)


@pytest.mark.django_db
def test_a_record_that_fails_in_the_database_leaves_nothing_behind(importer, monkeypatch):
    real = ExternalReview.save

    def failing(self, *args, **kwargs):
        if self.claim.statement.startswith("Las exportaciones"):
            raise IntegrityError("simulated failure")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(ExternalReview, "save", failing)
    report = import_claimreview(load("graph.json"), user=importer)

    assert report.problems == [
        "record 1: the database refused it (IntegrityError: simulated failure)"
    ]
    assert report.created == 1
    assert list(Claim.objects.values_list("statement", flat=True)) == [
        "Le ministre a visité Dakhla le 4 décembre."
    ]
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
def test_export_then_import_keeps_every_label_as_external_reviews(reviewer, importer):
    originals = {}
    for verdict in sorted(VERDICTS):
        claim = reviewed_claim(reviewer, verdict, statement=f"The claim that was rated {verdict}.")
        originals[claim.statement] = verdict
    feed = claimreview_graph(with_claimreview_relations(Claim.objects.all()), base_url=BASE)
    Claim.objects.all().delete()

    report = import_claimreview(json.loads(json.dumps(feed)), user=importer)

    assert (report.created, report.skipped, report.unmapped_labels) == (6, 0, [])
    assert dict(ExternalReview.objects.values_list("claim__statement", "rating")) == originals
    assert dict(ExternalReview.objects.values_list("claim__statement", "label")) == {
        statement: LABEL[verdict] for statement, verdict in originals.items()
    }
    assert set(Claim.objects.values_list("status", flat=True)) == {S.UNVERIFIED}
    assert set(ClaimActor.objects.values_list("actor__name", "actor__wikidata_qid")) == {
        ("Amina Example", "Q42")
    }
    assert {r.published_at.date() for r in ExternalReview.objects.all()} == {REVIEW_DAY.date()}
    assert set(ExternalReview.objects.values_list("publisher__name", flat=True)) == {"claimtrack"}


# --- In: every real shape -----------------------------------------------------------------


def one(**changes):
    """A ClaimReview record (the single.json fixture) with some keys changed or removed."""
    record = load("single.json")
    for key, value in changes.items():
        if value is None:
            record.pop(key, None)
        else:
            record[key] = value
    return record


@pytest.mark.django_db
def test_a_datacommons_data_feed_is_read_element_by_element(importer):
    feed = {
        "@context": "http://schema.org",
        "@type": "DataFeed",
        "dataFeedElement": [
            {"@type": "DataFeedItem", "dateCreated": "2024-03-18", "item": [one()]},
            {"@type": "DataFeedItem", "item": one(url="https://b.example/2/", claimReviewed="B")},
        ],
    }
    report = import_claimreview(feed, user=importer)
    assert (report.records, report.created, report.skipped) == (2, 2, 0)


@pytest.mark.django_db
def test_claimreviewed_as_an_array_imports_its_first_statement_with_a_warning(importer):
    report = import_claimreview(one(claimReviewed=["First.", "Second."]), user=importer)
    assert report.created == 1
    assert Claim.objects.get().statement == "First."
    assert report.warnings == ["record 1: claimReviewed gives 2 statements; the first is imported"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("given", "base", "expected"),
    [
        ("aosfatos.org/noticias/video/", "", "https://aosfatos.org/noticias/video/"),
        ("//factcheck.example/a/", "", "https://factcheck.example/a/"),
        ("/fact-check/a/", "https://site.example/page/", "https://site.example/fact-check/a/"),
    ],
)
def test_scheme_less_and_relative_review_urls_are_resolved(importer, given, base, expected):
    report = import_claimreview(one(url=given), user=importer, base_url=base)
    assert report.created == 1, report.problems
    assert ExternalReview.objects.get().review_url == expected


@pytest.mark.django_db
def test_a_relative_url_without_a_page_to_resolve_it_is_skipped_by_name(importer):
    report = import_claimreview(one(url="/fact-check/a/"), user=importer)
    assert report.problems == ["record 1: url is not a web address: '/fact-check/a/'"]


@pytest.mark.django_db
def test_the_skip_report_is_capped_while_its_counts_cover_everything(importer):
    report = import_claimreview([{"@type": "ClaimReview"}] * 250, user=importer)
    assert report.skipped == 250
    assert len(report.problems) == REPORT_MAX_LINES
    assert report.as_dict()["skipped_by_reason"] == {"missing claimReviewed": 250}


# --- Publisher identity --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_publisher_field_names_the_organisation_not_the_journalist(importer):
    record = one(
        author={"@type": "Person", "name": "Jane Reporter", "url": "https://f.example/jane"},
        publisher={"@type": "Organization", "name": "FactCheck Example"},
    )
    import_claimreview(record, user=importer)
    review = ExternalReview.objects.get()
    assert review.publisher.name == "FactCheck Example"
    assert review.authors == [{"name": "Jane Reporter", "url": "https://f.example/jane"}]


@pytest.mark.django_db
def test_an_organization_at_an_author_page_is_a_person(importer):
    record = one(
        author={
            "@type": "Organization",
            "name": "Jane Reporter",
            "url": "https://www.factcheck.example/about/authors/jane-reporter/",
        }
    )
    import_claimreview(record, user=importer)
    review = ExternalReview.objects.get()
    assert review.publisher.name == "factcheck.example"
    assert review.authors[0]["name"] == "Jane Reporter"


@pytest.mark.django_db
def test_without_a_publisher_a_known_publisher_of_the_site_names_it(importer):
    Publisher.objects.create(name="FactCheck Example Ltd", domain="factcheck.example")
    import_claimreview(one(author=None), user=importer)
    assert ExternalReview.objects.get().publisher.name == "FactCheck Example Ltd"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "archive",
    [
        "https://web.archive.org/web/20240318120000/https://www.factcheck.example/2024/03/x",
        "https://archive.ph/20240318120000/https://www.factcheck.example/2024/03/x",
    ],
)
def test_an_archived_review_url_is_unwrapped_for_the_publisher_and_kept(importer, archive):
    import_claimreview(one(url=archive, author=None), user=importer)
    review = ExternalReview.objects.get()
    assert review.review_url == "https://www.factcheck.example/2024/03/x"
    assert review.archive_url == archive
    assert review.publisher.domain == "factcheck.example"
    assert not Publisher.objects.filter(domain__contains="archive").exists()


@pytest.mark.django_db
def test_two_archived_reviews_of_two_sites_are_two_publishers(importer):
    urls = [
        "https://web.archive.org/web/2024/https://one.example/2024/01/02/a",
        "https://web.archive.org/web/2024/https://two.example/2024/01/02/b",
    ]
    import_claimreview([one(url=url, author=None) for url in urls], user=importer)
    assert sorted(Publisher.objects.values_list("domain", flat=True)) == [
        "one.example",
        "two.example",
    ]


# --- Dates ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_missing_review_date_comes_from_the_url_and_says_so(importer):
    url = "https://www.politifact.com/factchecks/2022/oct/28/instagram-posts/x/"
    report = import_claimreview(one(url=url, datePublished=None), user=importer)
    review = ExternalReview.objects.get()
    assert review.published_at == dt.datetime(2022, 10, 28, tzinfo=dt.UTC)
    assert review.published_at_origin == DateOrigin.URL
    assert report.warnings == [
        "record 1: no datePublished; the date 2022-10-28 is read from the URL"
    ]


@pytest.mark.django_db
def test_a_missing_review_date_with_none_in_the_url_stays_empty(importer):
    report = import_claimreview(one(url="https://f.example/x", datePublished=None), user=importer)
    review = ExternalReview.objects.get()
    assert (review.published_at, review.published_at_origin) == (None, DateOrigin.MISSING)
    assert "left empty" in report.warnings[0]


# --- The management command ----------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_reports_skips_and_a_summary_and_records_the_user(capsys, importer):
    call_command("import_claimreview", str(FIXTURES / "malformed.json"), "--user", "importer")
    out, err = capsys.readouterr()
    assert out.strip() == (
        "12 record(s): 4 imported as external reviews (4 new claim(s)), 0 already present, "
        "8 skipped. 1 label(s) not in the rating label table."
    )
    assert "skipped record 2: missing claimReviewed" in err.splitlines()
    assert "warning record 9: inLanguage 'français' is not a language tag; left empty" in err
    assert "Traceback" not in out + err
    assert set(ExternalReview.objects.values_list("imported_by__username", flat=True)) == {
        "importer"
    }

    call_command("import_claimreview", str(FIXTURES / "malformed.json"))
    out, _ = capsys.readouterr()
    assert out.strip().startswith(
        "12 record(s): 0 imported as external reviews (0 new claim(s)), 4 already present"
    )


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


@pytest.mark.django_db
def test_the_two_publisher_rule_counts_the_sites_archived_copies_come_from(settings, reviewer):
    settings.CLAIMTRACK_CONFIRM_MIN_PUBLISHERS = 2
    archive = Publisher.objects.create(name="Internet Archive", domain="web.archive.org")
    claim = ClaimFactory()
    for site in ("one", "two"):
        url = f"https://web.archive.org/web/2024/https://{site}.example/a"
        CitationFactory(claim=claim, source=SourceFactory(url=url, publisher=archive))
    claim_review(claim=claim, status=S.CONFIRMED, reviewer=reviewer, rationale="Two sites.")
    assert Claim.objects.get(pk=claim.pk).status == S.CONFIRMED


@pytest.mark.django_db
def test_two_archived_copies_of_one_site_are_one_publisher(settings, reviewer):
    settings.CLAIMTRACK_CONFIRM_MIN_PUBLISHERS = 2
    claim = ClaimFactory()
    for path in ("a", "b"):
        url = f"https://web.archive.org/web/2024/https://one.example/{path}"
        CitationFactory(claim=claim, source=SourceFactory(url=url))
    with pytest.raises(ValidationError, match="at least 2 different publisher"):
        claim_review(claim=claim, status=S.CONFIRMED, reviewer=reviewer, rationale="One site.")


@pytest.mark.django_db
def test_the_admin_lists_unmapped_labels_and_mapping_one_rerates_its_reviews(importer, client):
    import_claimreview(load("malformed.json"), user=importer)
    admin_user = UserFactory(username="boss", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    todo = client.get("/admin/claims/ratinglabel/", {"mapped": "no"})
    assert todo.status_code == 200
    assert "Four Bananas" in todo.content.decode()
    label = RatingLabel.objects.get(bucket=RatingBucket.UNMAPPED)

    response = client.post(
        f"/admin/claims/ratinglabel/{label.pk}/change/",
        {"label": label.label, "language": label.language, "bucket": "false", "note": "Checked."},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    review = ExternalReview.objects.get(rating_label=label)
    assert review.rating == "false"
    claim_page = client.get(f"/admin/claims/claim/{review.claim_id}/change/").content.decode()
    assert "what other fact-checkers say" in claim_page.lower()
    assert "good.example/reviews/8" in claim_page
