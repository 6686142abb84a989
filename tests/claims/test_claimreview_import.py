"""ClaimReview in: the shapes records come in, what is read from each field, and the report.

A fact-checker's record is evidence about a claim; these tests pin how the importer reads the
shapes seen in the wild (nested feeds, IRIs for types, claimants as names or objects), what it
keeps of each field (cut to what its column holds), and what the report tells the person who
imported the file.
"""

import logging

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError

from claims.claimreview import ImportFormatError, import_claimreview
from claims.claimreview.imports import IMPORT_MAX_RECORDS, REPORT_MAX_LINES
from claims.models import (
    STATEMENT_MAX_LENGTH,
    Actor,
    Claim,
    ClaimActor,
    ExternalReview,
    RatingLabel,
)
from sources.models import Publisher
from tests.factories import ActorFactory, UserFactory


@pytest.fixture
def importer(db):
    return UserFactory(username="importer")


def record(statement="The dam on the river was finished in 2019.", **fields):
    """A small ClaimReview record; `fields` add to or replace its keys (None removes one)."""
    node = {
        "@type": "ClaimReview",
        "claimReviewed": statement,
        "url": "https://damchecks.example/2021/06/01/dam",
        "datePublished": "2021-06-01",
        "reviewRating": {"alternateName": "False"},
    }
    for key, value in fields.items():
        if value is None:
            node.pop(key, None)
        else:
            node[key] = value
    return node


def imported(data, user, **options):
    report = import_claimreview(data, user=user, **options)
    return report, list(ExternalReview.objects.order_by("id"))


# --- Shapes --------------------------------------------------------------------------------


def _in_list(node):
    return [node]


def _in_graph(node):
    return {"@context": "https://schema.org", "@graph": [node]}


def _in_feed(node):
    return {"@type": "DataFeed", "dataFeedElement": [node]}


def _in_feed_item(node):
    return {"@type": "DataFeedItem", "item": node}


@pytest.mark.django_db
@pytest.mark.parametrize("wrap", [_in_list, _in_graph, _in_feed, _in_feed_item])
def test_a_record_nested_four_containers_deep_is_read_and_five_deep_is_refused(importer, wrap):
    four = wrap(wrap(wrap(wrap(record()))))
    report, reviews = imported(four, importer)
    assert (report.records, report.created, report.problems) == (1, 1, [])

    five = wrap(wrap(wrap(wrap(wrap(record("Another statement, five deep."))))))
    report, _ = imported(five, importer)
    assert (report.records, report.created) == (1, 0)
    assert report.problems == ["record 1: nested too deeply"]


@pytest.mark.django_db
def test_feeds_without_a_type_with_one_element_or_with_none_are_read_as_they_are(importer):
    untyped = {"dataFeedElement": [record()]}
    single = {"@type": "DataFeed", "dataFeedElement": record("A feed of one element.")}
    item_alone = {"@type": "DataFeedItem", "item": record("An item not in a list.")}
    report, reviews = imported([untyped, single, item_alone], importer)
    assert (report.records, report.created, report.problems) == (3, 3, [])

    empty = [{"@type": "DataFeed"}, {"@type": "DataFeed", "dataFeedElement": []}, {"@graph": []}]
    report, _ = imported(empty, importer)
    assert (report.records, report.skipped) == (0, 0)


@pytest.mark.django_db
def test_an_at_graph_passes_over_the_page_and_the_organisation_around_its_reviews(importer):
    graph = {
        "@graph": [
            {"@type": "WebPage", "url": "https://damchecks.example/2021/06/01/dam"},
            {"@type": ["Organization", "NewsMediaOrganization"], "name": "Dam Checks"},
            record(),
            {"@type": "BreadcrumbList"},
            record("The reservoir holds two billion cubic metres.", url="https://d.example/2"),
        ]
    }
    report, reviews = imported(graph, importer)
    assert (report.records, report.created, report.problems) == (2, 2, [])
    assert [r.claim.statement for r in reviews] == [
        "The dam on the river was finished in 2019.",
        "The reservoir holds two billion cubic metres.",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kind",
    [
        "http://schema.org/ClaimReview",
        "https://schema.org/ClaimReview",
        ["https://schema.org/ClaimReview"],
        ["Review", "ClaimReview"],
    ],
)
def test_a_type_given_as_an_iri_or_in_a_list_is_a_claimreview(importer, kind):
    report, _ = imported(record(**{"@type": kind}), importer)
    assert (report.created, report.problems) == (1, [])


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["WebPage", ["WebPage", "Article"], "https://schema.org/Review"])
def test_a_node_of_another_type_is_skipped_naming_its_type(importer, kind):
    report, _ = imported(record(**{"@type": kind}), importer)
    assert report.problems == [f"record 1: not a ClaimReview: @type is {str(kind)!r}"]


@pytest.mark.django_db
def test_a_fact_check_tools_response_skips_each_broken_entry_by_name_and_imports_the_rest(
    importer,
):
    response = {
        "claims": [
            "not an object",
            {"text": "A claim nobody reviewed."},
            {"text": "A claim with an empty list of reviews.", "claimReview": []},
            {
                "text": "The dam on the river was finished in 2019.",
                "claimant": "Regional governor",
                "claimReview": [
                    "not an object",
                    {
                        "publisher": {"name": "Dam Checks", "site": "damchecks.example"},
                        "url": "https://damchecks.example/2021/06/01/dam",
                        "title": "The dam opened in 2021, not 2019",
                        "reviewDate": "2021-06-01T09:00:00Z",
                        "textualRating": "False",
                        "languageCode": "en",
                    },
                    {
                        "publisher": "Vérif Barrages",
                        "url": "https://barrages.example/verif/barrage-2019",
                        "title": "Le barrage a ouvert en 2021",
                        "reviewDate": "2021-06-02",
                        "textualRating": "Faux",
                        "languageCode": "fr",
                    },
                ],
            },
        ]
    }
    report, reviews = imported(response, importer)

    assert report.problems == [
        "record 1: not a JSON object: a claims[] entry",
        "record 2: no claimReview: a claims[] entry without reviews",
        "record 3: no claimReview: a claims[] entry without reviews",
        "record 4: not a JSON object: a claimReview entry",
    ]
    assert (report.records, report.created, report.claims_created) == (6, 2, 1)
    rows = [
        (r.publisher.name, r.title, r.label, r.language, r.published_at.isoformat())
        for r in reviews
    ]
    assert rows == [
        (
            "Dam Checks",
            "The dam opened in 2021, not 2019",
            "False",
            "en",
            "2021-06-01T09:00:00+00:00",
        ),
        # A publisher that is not an object names nothing: the site's domain does.
        (
            "barrages.example",
            "Le barrage a ouvert en 2021",
            "Faux",
            "fr",
            "2021-06-02T00:00:00+00:00",
        ),
    ]
    claimant = ClaimActor.objects.get()
    assert (claimant.actor.name, claimant.actor.kind, claimant.role) == (
        "Regional governor",
        Actor.Kind.OTHER,  # a bare name: whether a person or not is not said
        "claimant",
    )


@pytest.mark.django_db
def test_data_that_is_not_json_objects_is_refused_with_what_was_expected(importer):
    with pytest.raises(ImportFormatError) as refused:
        import_claimreview("a string", user=importer)
    assert refused.value.messages[0] == (
        "Expected ClaimReview JSON: an object, a list, an @graph, a DataCommons DataFeed, or a "
        "Fact Check Tools claims:search response; got str."
    )


# --- Fields --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_claimants_are_people_organisations_or_names_and_one_actor_is_one_claimant(importer):
    known = ActorFactory(name="Patricia Person", kind=Actor.Kind.PERSON, wikidata_qid="Q42")
    ministry = ActorFactory(name="Ministry Of Water", kind=Actor.Kind.GOVERNMENT_BODY)
    claimants = [
        "A bare name",
        {
            "@type": "http://schema.org/Person",
            "name": "Pat Person",  # another name of the actor with that Wikidata item
            "sameAs": ["https://example.org/pat", "https://www.wikidata.org/wiki/Q42"],
        },
        {"@type": "Organization", "name": "Water Board"},
        {"@type": ["Organization"], "name": "ministry of water"},  # the known one, by name
        {"name": "Untyped Object"},
        {"@type": "Person", "name": "Q-less", "sameAs": "https://www.wikidata.org/wiki/Q7259"},
        {
            "@type": "Person",
            "name": "Too long a QID",
            "sameAs": "https://wikidata.org/entity/Q" + "1" * 20,
        },
        {
            "@type": "Person",
            "name": "The longest QID",
            "sameAs": "https://wikidata.org/entity/Q" + "1" * 19,
        },
        {"@type": "Person", "name": "pat person", "sameAs": "https://www.wikidata.org/wiki/Q42"},
        "  ",
        {"name": "  "},
        42,
    ]
    report, _ = imported(record(itemReviewed={"author": claimants}), importer)
    assert (report.created, report.problems) == (1, [])

    rows = [
        (p.actor.name, p.actor.kind, p.actor.wikidata_qid)
        for p in Claim.objects.get().participants.select_related("actor").order_by("id")
    ]
    assert rows == [
        ("A bare name", Actor.Kind.OTHER, ""),
        (known.name, Actor.Kind.PERSON, "Q42"),
        ("Water Board", Actor.Kind.ORGANIZATION, ""),
        (ministry.name, Actor.Kind.GOVERNMENT_BODY, ""),
        ("Untyped Object", Actor.Kind.OTHER, ""),
        ("Q-less", Actor.Kind.PERSON, "Q7259"),
        ("Too long a QID", Actor.Kind.PERSON, ""),  # 21 characters: more than a QID holds
        ("The longest QID", Actor.Kind.PERSON, "Q" + "1" * 19),
    ]


@pytest.mark.django_db
def test_one_claimant_given_alone_is_read_as_a_list_of_one(importer):
    single = {
        "@type": "Person",
        "name": "Lone Speaker",
        "sameAs": "https://www.wikidata.org/wiki/Q5",
    }
    imported(record(itemReviewed={"author": single}), importer)
    (actor,) = [p.actor for p in Claim.objects.get().participants.all()]
    assert (actor.name, actor.kind, actor.wikidata_qid) == ("Lone Speaker", "person", "Q5")


@pytest.mark.django_db
def test_texts_longer_than_their_columns_are_cut_to_fit_and_the_record_imported(importer):
    long_name = "N" * 400
    node = record(
        headline="T" * 600,
        reviewRating={"alternateName": "L" * 600},
        publisher={"@type": "Organization", "name": "P" * 250},
        author=[
            {"@type": "Person", "name": "A" * 400, "url": "https://a.example/" + "u" * 2100},
            "B" * 400,
        ],
        itemReviewed={"author": [long_name, {"@type": "Person", "name": "C" * 400}]},
    )
    report, (review,) = imported(node, importer)
    assert (report.created, report.problems) == (1, [])
    assert (len(review.title), len(review.label), len(review.publisher.name)) == (500, 500, 200)
    assert [(len(a["name"]), len(a["url"])) for a in review.authors] == [(300, 2000), (300, 0)]
    names = [p.actor.name for p in review.claim.participants.order_by("id")]
    assert names == ["N" * 300, "C" * 300]
    reason = review.claim.history.get().history_change_reason
    assert reason == f"imported with {'P' * 200} ClaimReview"[:100]
    assert len(reason) == 100


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (
            "https://damchecks.example/" + "x" * 1980,
            "url is not a web address: 'https://damchecks.example/" + "x" * 74 + "'",
        ),
        (
            "https://web.archive.org/web/2024/ftp://damchecks.example/dam",
            "url is not a web address: 'https://web.archive.org/web/2024/ftp://damchecks.example/dam'",
        ),
        (
            "https://web.archive.org/web/2024/https://-damchecks.example/dam",
            "url is not a web address: 'https://web.archive.org/web/2024/https://-damchecks.example/dam'",
        ),
        (
            "https://web.archive.org/web/2024/https://damchecks.example:99999/dam",
            "url is not a web address: The URL has an invalid port: Port out of range 0-65535.",
        ),
        (
            "https://web.archive.org/web/2024/",
            "url is an archive link that does not name the review: "
            "https://web.archive.org/web/2024/",
        ),
    ],
)
def test_a_review_address_that_is_not_one_is_skipped_saying_so(importer, url, problem):
    report, reviews = imported(record(url=url), importer)
    assert (report.problems, reviews) == ([f"record 1: {problem}"], [])
    assert dict(report.skipped_by_reason) == {problem.split(":")[0]: 1}


@pytest.mark.django_db
def test_the_longest_address_a_column_holds_is_imported(importer):
    url = "https://damchecks.example/" + "x" * (2000 - len("https://damchecks.example/"))
    report, (review,) = imported(record(url=url), importer)
    assert (report.problems, review.review_url) == ([], url)


@pytest.mark.django_db
def test_a_relative_review_url_is_resolved_against_the_page_the_record_names(importer):
    node = record(url="/2021/06/01/dam", mainEntityOfPage={"@id": "https://damchecks.example/"})
    report, (review,) = imported(node, importer)
    assert review.review_url == "https://damchecks.example/2021/06/01/dam"
    # The page the record names is itself resolved against the page the file came from.
    node = record("Second.", url="dam-2", mainEntityOfPage="/checks/")
    report, reviews = imported(node, importer, base_url="https://damchecks.example/about/")
    assert reviews[-1].review_url == "https://damchecks.example/checks/dam-2"


@pytest.mark.django_db
def test_a_page_that_is_no_address_leaves_the_files_page_to_resolve_the_review_url(importer):
    node = record(url="/checks/dam", mainEntityOfPage="not an address")
    report, reviews = imported(node, importer, base_url="https://damchecks.example/about/")
    assert (report.problems, reviews[0].review_url) == ([], "https://damchecks.example/checks/dam")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rating", "expected"),
    [
        ({"name": "Pants on Fire"}, ("Pants on Fire", "false")),  # the label in `name`
        ({"ratingValue": 1, "bestRating": 5}, ("", "false")),  # worst missing: 1
        ({"ratingValue": 5, "bestRating": 5}, ("", "confirmed")),
        ({"ratingValue": 0, "bestRating": 10, "worstRating": 0}, ("", "false")),
        ({"ratingValue": 6, "bestRating": 6}, ("", "confirmed")),  # top of a six-point scale
        ({"ratingValue": 5}, ("", "confirmed")),  # best missing: 5
        ({"ratingValue": 2, "bestRating": 0}, ("", "misleading")),  # best 0: no scale, 1 to 5
    ],
)
def test_a_rating_is_read_from_its_label_or_its_value_on_the_publishers_scale(
    importer, rating, expected
):
    report, (review,) = imported(record(reviewRating=rating), importer)
    assert (review.label, review.rating) == expected, report.problems


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["1e999", "nan", "-inf", float("inf")])
def test_a_rating_value_that_is_not_a_finite_number_is_no_rating(importer, value, api_client):
    node = record(reviewRating={"alternateName": "False", "ratingValue": value, "bestRating": 5})
    report, (review,) = imported(node, importer)
    assert (review.rating_value, review.rating) == (None, "false")
    # Stored as infinity, it could not be written as JSON: the API would answer 500.
    answer = api_client.get(f"/api/v1/external-reviews/{review.pk}/")
    assert (answer.status_code, answer.json()["rating_value"]) == (200, None)
    report, _ = imported(record("No label.", reviewRating={"ratingValue": value}), importer)
    assert report.problems == [
        "record 1: no rating: reviewRating has neither a label nor a usable ratingValue"
    ]


@pytest.mark.django_db
def test_a_label_met_for_the_first_time_is_added_unmapped_in_the_records_language(importer):
    node = record(reviewRating={"alternateName": "Bananas"}, inLanguage="fr")
    report, (review,) = imported(node, importer)
    assert (review.language, review.rating) == ("fr", "unmapped")
    assert RatingLabel.objects.filter(label="Bananas").get().language == "fr"
    assert report.unmapped_labels == ["Bananas"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "title"),
    [
        ({"headline": "From the headline", "name": "From the name"}, "From the headline"),
        ({"name": "From the name", "title": "From the title"}, "From the name"),
        ({"title": "From the title"}, "From the title"),
        ({}, ""),
    ],
)
def test_the_title_is_the_headline_else_the_name_else_the_title(importer, fields, title):
    report, (review,) = imported(record(**fields), importer)
    assert review.title == title


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "shown"),
    [
        # A tag may have at most 35 characters (the column's length): this one has 38.
        ("en-aaaaaaaa-bbbbbbbb-cccccccc-dddddddd", "en-aaaaaaaa-bbbbbbbb"),
        ("français", "français"),
    ],
)
def test_a_language_that_is_not_a_tag_is_left_empty_with_a_warning(importer, language, shown):
    report, (review,) = imported(record(inLanguage=language), importer)
    assert review.language == ""
    assert report.warnings == [f"record 1: inLanguage {shown!r} is not a language tag; left empty"]


@pytest.mark.django_db
def test_of_several_languages_the_first_is_the_reviews(importer):
    report, (review,) = imported(record(inLanguage=["de", "en"]), importer)
    assert (review.language, report.warnings) == ("de", [])


@pytest.mark.django_db
def test_an_empty_date_is_missing_without_a_warning_that_it_is_not_a_date(importer):
    report, (review,) = imported(record(datePublished="", url="https://d.example/x"), importer)
    assert report.warnings == [
        "record 1: no review date (neither datePublished nor a date in the URL); left empty"
    ]
    report, _ = imported(
        record("Odd date.", datePublished="x" * 60, url="https://d.example/y"), importer
    )
    assert report.warnings[0] == f"record 1: datePublished {'x' * 40!r} is not a date"


@pytest.mark.django_db
def test_an_author_is_a_person_by_its_type_or_its_author_page_found_by_url_or_id(importer):
    authors = [
        {"@type": "Organization", "name": "Jo Writer", "@id": "https://d.example/authors/jo/"},
        {"@type": "Organization", "name": "Dam Checks Desk", "url": "https://d.example/"},
        {"@type": ["http://schema.org/Person"], "name": "Sam Reporter"},
        {"@type": "Organization", "name": "Nameless at an author page", "url": 5},
    ]
    report, (review,) = imported(record(author=authors, publisher=[]), importer)
    assert review.authors == [
        {"name": "Jo Writer", "url": "https://d.example/authors/jo/"},
        {"name": "Sam Reporter", "url": ""},
    ]
    # No publisher (an empty list): the first organisation among the authors names it.
    assert review.publisher.name == "Dam Checks Desk"


@pytest.mark.django_db
def test_a_publisher_given_as_a_name_names_it_and_a_person_as_publisher_does_not(importer):
    imported(record(publisher="Dam Checks"), importer)
    person = {"@type": "Person", "name": "Jo Writer"}
    imported(record("Second.", url="https://other.example/x", publisher=person), importer)
    assert sorted(Publisher.objects.values_list("name", flat=True)) == [
        "Dam Checks",
        "other.example",
    ]


@pytest.mark.django_db
def test_a_site_already_known_is_the_publisher_whatever_the_record_calls_it(importer):
    Publisher.objects.create(name="Dam Checks Ltd", domain="damchecks.example")
    report, (review,) = imported(record(publisher={"name": "DC"}), importer)
    assert review.publisher.name == "Dam Checks Ltd"
    reason = review.claim.history.get().history_change_reason
    assert reason == "imported with Dam Checks Ltd ClaimReview"


# --- What the import writes, and as whom ---------------------------------------------------


@pytest.mark.django_db
def test_every_row_an_import_writes_is_recorded_under_the_importer(importer):
    node = record(
        publisher={"name": "Dam Checks"},
        itemReviewed={"author": {"@type": "Person", "name": "New Speaker"}},
    )
    report, (review,) = imported(node, importer)
    claim = review.claim
    written = [
        claim.history.get(),
        review.history.get(),
        review.publisher.history.get(),
        ClaimActor.objects.get(claim=claim).history.get(),
        Actor.objects.get(name="New Speaker").history.get(),
    ]
    assert [row.history_user for row in written] == [importer] * 5
    assert claim.history.get().history_change_reason == "imported with Dam Checks ClaimReview"
    assert claim.created_by == importer


@pytest.mark.django_db
def test_a_record_that_fails_unexpectedly_is_skipped_logged_and_the_rest_imported(
    importer, monkeypatch, caplog
):
    import claims.claimreview.imports as imports

    real = imports._import_record

    def failing(record_, *args):
        if record_.statement.startswith("Breaks"):
            raise RuntimeError("x" * 300)
        return real(record_, *args)

    monkeypatch.setattr(imports, "_import_record", failing)
    with caplog.at_level(logging.DEBUG, logger="claims.claimreview.imports"):
        report, reviews = imported([record("Breaks the import."), record()], importer)

    assert report.problems == [f"record 1: could not be imported (RuntimeError: {'x' * 200})"]
    assert dict(report.skipped_by_reason) == {"could not be imported": 1}
    assert len(reviews) == 1 and not Claim.objects.filter(statement__startswith="Breaks").exists()
    (logged,) = [r for r in caplog.records if r.name == "claims.claimreview.imports"]
    assert logged.getMessage() == "ClaimReview record 1 failed"
    assert logged.exc_info and logged.exc_info[0] is RuntimeError


# --- The report ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_report_the_api_answers_counts_lists_and_sums_up_an_import(importer, client):
    client.force_login(importer)
    data = [
        record(inLanguage="klingon-ish"),
        record(),  # the same review again: already present
        record(
            "A second claim.", url="https://d.example/2", reviewRating={"alternateName": "Bananas"}
        ),
        record(url=None),
        {"@type": "WebPage"},
    ]
    report = import_claimreview(data, user=importer)
    review_ids = list(ExternalReview.objects.order_by("id").values_list("id", flat=True))
    claim_ids = list(Claim.objects.order_by("id").values_list("id", flat=True))

    assert report.outcomes == [
        (1, review_ids[0], ""),
        (2, review_ids[0], ""),
        (3, review_ids[1], ""),
        (4, None, "missing url"),
        (5, None, "not a ClaimReview"),
    ]
    assert report.as_dict() == {
        "records": 5,
        "created": 2,
        "claims_created": 2,
        "unchanged": 1,
        "skipped": 2,
        "skipped_by_reason": {"missing url": 1, "not a ClaimReview": 1},
        "problems": [
            "record 4: missing url: the review's address",
            "record 5: not a ClaimReview: @type is 'WebPage'",
        ],
        "warnings": ["record 1: inLanguage 'klingon-ish' is not a language tag; left empty"],
        "warnings_count": 1,
        "unmapped_labels": ["Bananas"],
        "claims": claim_ids,
        "external_reviews": review_ids,
        "summary": (
            "5 record(s): 2 imported as external reviews (2 new claim(s)), 1 already present, "
            "2 skipped. 1 label(s) not in the rating label table."
        ),
    }


@pytest.mark.django_db
def test_the_warnings_listed_are_capped_while_their_count_covers_all(importer):
    # Each record gives two warnings: a date that is not one, and so no date at all.
    data = [
        record(f"Claim number {n}.", url=f"https://d.example/{n}", datePublished="someday")
        for n in range(REPORT_MAX_LINES // 2 + 1)
    ]
    report = import_claimreview(data, user=importer)
    assert report.warnings_count == REPORT_MAX_LINES + 2
    assert len(report.warnings) == REPORT_MAX_LINES
    assert report.warnings[-1] == (
        f"record {REPORT_MAX_LINES // 2}: no review date (neither datePublished nor a date in the "
        "URL); left empty"
    )


@pytest.mark.django_db
def test_a_file_with_more_records_than_one_import_reads_is_cut_there_and_says_so(
    importer, monkeypatch
):
    import claims.claimreview.imports as imports

    monkeypatch.setattr(imports, "IMPORT_MAX_RECORDS", 3)
    data = [record(f"Claim number {n}.", url=f"https://d.example/{n}") for n in range(5)]
    report = import_claimreview(data, user=importer)
    assert (report.records, report.created) == (3, 3)
    assert report.warnings == ["only the first 3 records were read; split the file"]
    assert IMPORT_MAX_RECORDS == 5000


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("failure", "line"),
    [
        (RuntimeError("x" * 300), f"could not be imported (RuntimeError: {'x' * 200})"),
        (DataError("y" * 300), f"the database refused it (DataError: {'y' * 200})"),
        (
            ValidationError({"title": ["Too shouty."], "label": ["Unknown.", "Empty."]}),
            "title: Too shouty.; label: Unknown.; label: Empty.",
        ),
        (ValidationError("Not a review."), "Not a review."),
    ],
)
def test_a_record_that_fails_while_written_is_skipped_with_why_and_leaves_nothing(
    importer, monkeypatch, failure, line
):
    real = ExternalReview.save

    def failing(self, *args, **kwargs):
        if self.claim.statement.startswith("Breaks"):
            raise failure
        return real(self, *args, **kwargs)

    monkeypatch.setattr(ExternalReview, "save", failing)
    report, reviews = imported([record("Breaks on saving."), record()], importer)
    reason = line.split(" (")[0] if "(" in line else "invalid"
    assert report.problems == [f"record 1: {line}"]
    assert report.outcomes[0] == (1, None, reason)
    assert list(Claim.objects.values_list("statement", flat=True)) == [record()["claimReviewed"]]
    assert len(reviews) == 1


@pytest.mark.django_db
def test_long_values_in_a_skipped_records_line_are_cut(importer):
    data = [
        record(**{"@type": "T" * 100}),
        record(url="https://web.archive.org/web/" + "2" * 200 + "/"),
        record(url="https://web.archive.org/web/2024/ftp://" + "b" * 200),
    ]
    report = import_claimreview(data, user=importer)
    assert report.problems == [
        f"record 1: not a ClaimReview: @type is {'T' * 60!r}",
        "record 2: url is an archive link that does not name the review: "
        + ("https://web.archive.org/web/" + "2" * 200)[:100],
        "record 3: url is not a web address: "
        + repr(("https://web.archive.org/web/2024/ftp://" + "b" * 200)[:100]),
    ]


@pytest.mark.django_db
def test_a_statement_of_the_longest_length_a_claim_holds_is_imported(importer):
    statement = "S" * STATEMENT_MAX_LENGTH
    report, (review,) = imported(record(statement), importer)
    assert review.claim.statement == statement
    report, _ = imported(record(statement + "S"), importer)
    assert report.problems == [
        f"record 1: claimReviewed is longer than {STATEMENT_MAX_LENGTH} characters"
    ]


@pytest.mark.django_db
def test_an_author_that_is_blank_or_not_a_name_is_left_out(importer):
    report, (review,) = imported(record(author=["  ", 42, None, {"@type": "Person"}]), importer)
    assert review.authors == []
    assert review.publisher.name == "damchecks.example"
