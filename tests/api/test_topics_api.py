"""The topics API: topics, positions as of a date and the timeline, JSON and CSV."""

import datetime

import pytest

from tests.claims.test_positions import stated
from tests.conftest import user_with_role
from tests.factories import TopicFactory, TopicPositionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sahara(db):
    topic = TopicFactory(slug="western-sahara", question="Sovereignty over Western Sahara")
    recognises = TopicPositionFactory(topic=topic, key="recognises-ma", label="Recognises", order=0)
    plan = TopicPositionFactory(topic=topic, key="autonomy-plan", label="Autonomy plan", order=1)
    reviewer = user_with_role("reviewer", "reviewer")
    us = stated(recognises, "US", datetime.date(2020, 12, 10), "confirmed", reviewer)
    es = stated(plan, "ES", datetime.date(2022, 3, 18))
    return topic, us, es


def test_topics_list_their_positions_in_order(api_client, sahara):
    answer = api_client.get("/api/v1/topics/")

    assert answer.status_code == 200
    [topic] = answer.json()
    assert topic["slug"] == "western-sahara"
    assert [p["key"] for p in topic["positions"]] == ["recognises-ma", "autonomy-plan"]
    assert topic["url"].endswith("/topics/western-sahara/")


def test_positions_as_of_a_date_name_the_claim_and_whether_it_is_established(api_client, sahara):
    _, us, es = sahara

    before = api_client.get("/api/v1/topics/western-sahara/positions/?as_of=2020-12-09").json()
    after = api_client.get("/api/v1/topics/western-sahara/positions/?as_of=2023-01-01").json()

    assert before == {"topic": "western-sahara", "as_of": "2020-12-09", "results": []}
    rows = {row["country"]: row for row in after["results"]}
    assert rows["US"]["claim"] == us.pk and rows["US"]["established"] is True
    assert rows["US"]["position"] == "recognises-ma" and rows["US"]["alpha3"] == "USA"
    assert rows["US"]["claim_url"].endswith(f"/claims/{us.pk}/")
    assert rows["ES"]["claim"] == es.pk and rows["ES"]["established"] is False
    assert rows["ES"]["standing"] == "unverified or disputed"


@pytest.mark.parametrize("spelling", ["ES", "es", "ESP", "esp"])
def test_the_country_filter_takes_any_spelling(api_client, sahara, spelling):
    answer = api_client.get(f"/api/v1/topics/western-sahara/positions/?country={spelling}")

    assert [row["country"] for row in answer.json()["results"]] == ["ES"]


@pytest.mark.parametrize(
    "query, field",
    [("as_of=2020-13-01", "as_of"), ("as_of=yesterday", "as_of"), ("country=XX", "country")],
)
def test_a_bad_query_answers_400_naming_the_parameter(api_client, sahara, query, field):
    answer = api_client.get(f"/api/v1/topics/western-sahara/positions/?{query}")

    assert answer.status_code == 400
    assert [error["field"] for error in answer.json()["errors"]] == [field]


def test_an_unknown_topic_is_404(api_client, sahara):
    assert api_client.get("/api/v1/topics/nothing/positions/").status_code == 404


def test_the_timeline_lists_every_change_for_a_country(api_client, sahara):
    _, us, _ = sahara

    answer = api_client.get("/api/v1/topics/western-sahara/timeline/?country=USA").json()

    assert [(r["claim"], r["date"]) for r in answer["results"]] == [(us.pk, "2020-12-10")]


def test_positions_as_csv_have_one_row_per_country(api_client, sahara):
    answer = api_client.get("/api/v1/topics/western-sahara/positions/?as_of=2023-01-01&format=csv")

    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    lines = answer.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("country,alpha3,country_name,position")
    assert sorted(line[:2] for line in lines[1:]) == ["ES", "US"]


def test_positions_are_read_in_a_fixed_number_of_queries(
    api_client, sahara, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        api_client.get("/api/v1/topics/western-sahara/positions/?as_of=2023-01-01")
