import threading

import pytest
from rest_framework.test import APIClient

from claims.models import Claim
from tests.conftest import DELETE_PERMISSIONS, run_at_once, user_with_role
from tests.factories import (
    ActorFactory,
    CitationFactory,
    ClaimFactory,
    EventFactory,
    PublisherFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


def url(claim) -> str:
    return f"/api/v1/claims/{claim.pk}/"


def test_a_claim_has_an_etag_from_its_version_and_if_none_match_answers_304(api_client):
    claim = ClaimFactory()
    response = api_client.get(url(claim))
    assert response["ETag"] == f'"{response.json()["version"]}"'
    again = api_client.get(url(claim), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert api_client.get(url(claim), HTTP_IF_NONE_MATCH='"0"').status_code == 200


def test_a_write_with_the_current_etag_succeeds_and_returns_the_new_one(editor_client):
    claim = ClaimFactory()
    etag = editor_client.get(url(claim))["ETag"]
    response = editor_client.patch(
        url(claim), {"statement": "Edited."}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200
    assert response["ETag"] != etag
    assert response["ETag"] == editor_client.get(url(claim))["ETag"]


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_stale_etag_answers_412_with_the_current_version_and_changes_nothing(
    staff_client, method
):
    claim = ClaimFactory(statement="Original.")
    stale = staff_client.get(url(claim))["ETag"]
    Claim.objects.get(pk=claim.pk).save()  # someone else saved meanwhile
    current = Claim.objects.get(pk=claim.pk).version
    body = {"statement": "Overwrite.", "kind": "statement"}
    response = getattr(staff_client, method)(url(claim), body, format="json", HTTP_IF_MATCH=stale)
    assert response.status_code == 412
    assert response.json()["current_version"] == current
    claim.refresh_from_db()
    assert (claim.statement, claim.version) == ("Original.", current)


def test_other_resources_have_etags_too(editor_client):
    actor = ActorFactory()
    etag = editor_client.get(f"/api/v1/actors/{actor.pk}/")["ETag"]
    assert (
        editor_client.get(f"/api/v1/actors/{actor.pk}/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    )
    editor_client.patch(f"/api/v1/actors/{actor.pk}/", {"title": "Minister"}, format="json")
    response = editor_client.patch(
        f"/api/v1/actors/{actor.pk}/", {"title": "Other"}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 412


def test_if_match_can_be_required(editor_client, settings):
    settings.CLAIMTRACK_REQUIRE_IF_MATCH = True
    claim = ClaimFactory()
    response = editor_client.patch(url(claim), {"statement": "Blind."}, format="json")
    assert response.status_code == 428
    etag = editor_client.get(url(claim))["ETag"]
    ok = editor_client.patch(url(claim), {"statement": "Seen."}, format="json", HTTP_IF_MATCH=etag)
    assert ok.status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_patches_with_the_same_etag_produce_exactly_one_success(editor):
    claim = ClaimFactory()
    etag = f'"{Claim.objects.get(pk=claim.pk).version}"'
    codes, barrier = [], threading.Barrier(20)

    def patch(n: int) -> None:
        client = APIClient()
        client.force_authenticate(editor)
        barrier.wait()
        response = client.patch(
            url(claim), {"statement": f"Writer {n}."}, format="json", HTTP_IF_MATCH=etag
        )
        codes.append(response.status_code)

    run_at_once(patch, range(20))
    assert sorted(codes) == [200] + [412] * 19


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("method, won, lost", [("put", 200, 412), ("delete", 204, 404)])
def test_ten_concurrent_puts_or_deletes_with_the_same_etag_let_exactly_one_through(
    method, won, lost
):
    # The losers wait for the winner's row lock, then find the row changed (412) or gone (404).
    staff = user_with_role("chief", "editor", permissions=DELETE_PERMISSIONS)
    claim = ClaimFactory()
    etag = f'"{Claim.objects.get(pk=claim.pk).version}"'
    codes, barrier = [], threading.Barrier(10)

    def write(n: int) -> None:
        client = APIClient()
        client.force_authenticate(staff)
        barrier.wait()
        body = {"statement": f"Writer {n}.", "kind": "statement"}
        response = getattr(client, method)(url(claim), body, format="json", HTTP_IF_MATCH=etag)
        codes.append(response.status_code)

    run_at_once(write, range(10))
    assert sorted(codes) == [won] + [lost] * 9


@pytest.mark.parametrize("resource", ["claims", "actors", "citations"])
def test_if_none_match_star_answers_304_for_any_current_representation(api_client, resource):
    made = {"claims": ClaimFactory, "actors": ActorFactory, "citations": CitationFactory}
    url = f"/api/v1/{resource}/{made[resource]().pk}/"
    response = api_client.get(url, HTTP_IF_NONE_MATCH="*")
    assert response.status_code == 304
    assert response["ETag"] == api_client.get(url)["ETag"]


def test_if_none_match_star_on_a_missing_resource_is_404(api_client):
    assert api_client.get("/api/v1/claims/999999/", HTTP_IF_NONE_MATCH="*").status_code == 404


# Each resource whose tag is a digest of its representation, and a change an editor may make.
DIGEST_TAGGED = {
    "actors": (ActorFactory, {"title": "Minister"}),
    "events": (EventFactory, {"name": "Renamed event"}),
    "citations": (CitationFactory, {"quote": "talks in Washington"}),
    "publishers": (PublisherFactory, {"name": "Renamed publisher"}),
    "sources": (SourceFactory, {"title": "Renamed article"}),
}


@pytest.fixture(params=sorted(DIGEST_TAGGED))
def tagged(request, staff_client):
    """(url, change) of one resource of each kind whose ETag is a digest."""
    factory, change = DIGEST_TAGGED[request.param]
    return f"/api/v1/{request.param}/{factory().pk}/", change


def test_each_resource_has_its_own_etag_and_a_write_with_it_succeeds(staff_client, tagged):
    url, change = tagged
    read = staff_client.get(url)
    other = staff_client.get(url.rsplit("/", 2)[0] + "/")  # the list: another row's tag differs
    assert read["ETag"].startswith('"') and read["ETag"].endswith('"')
    assert read.json()["id"] == int(url.rstrip("/").rsplit("/", 1)[1])

    response = staff_client.patch(url, change, format="json", HTTP_IF_MATCH=read["ETag"])

    assert response.status_code == 200, response.json()
    assert response["ETag"] != read["ETag"]
    assert response["ETag"] == staff_client.get(url)["ETag"]
    assert other.status_code == 200


def test_two_resources_of_a_kind_have_different_etags(staff_client):
    for name, (factory, _) in DIGEST_TAGGED.items():
        first, second = factory(), factory()
        tags = {staff_client.get(f"/api/v1/{name}/{obj.pk}/")["ETag"] for obj in (first, second)}
        assert len(tags) == 2, name


def test_a_write_whose_etag_went_stale_is_refused_with_the_code_and_current_tag(
    staff_client, tagged
):
    url, change = tagged
    stale = staff_client.get(url)["ETag"]
    staff_client.patch(url, change, format="json")  # someone else's write
    current = staff_client.get(url)["ETag"]

    response = staff_client.patch(url, change, format="json", HTTP_IF_MATCH=stale)

    assert response.status_code == 412
    body = response.json()
    assert (body["status"], body["code"]) == (412, "precondition_failed")
    assert body["detail"] == "The resource changed since you read it: fetch it again, then retry."
    assert body["current_etag"] == current


@pytest.mark.parametrize(
    "header",
    [
        "*",  # any current representation
        'W/"{tag}"',  # a weak tag compares as its strong one for a write on this resource
        '"stale-one", "{tag}"',  # a list: one of them is current
        ' "{tag}" , "another" ',
        '"{tag}","another"',  # a list without spaces
    ],
)
def test_if_match_star_weak_tags_and_lists_let_a_write_through(staff_client, tagged, header):
    url, change = tagged
    tag = staff_client.get(url)["ETag"].strip('"')
    response = staff_client.patch(url, change, format="json", HTTP_IF_MATCH=header.format(tag=tag))
    assert response.status_code == 200


@pytest.mark.parametrize("header", ['"stale-one", "another"', 'W/"stale-one"', ","])
def test_if_match_with_no_current_tag_is_refused(staff_client, tagged, header):
    url, change = tagged
    assert staff_client.patch(url, change, format="json", HTTP_IF_MATCH=header).status_code == 412


def test_a_claim_written_with_if_match_star_answers_with_its_new_version_as_etag(editor_client):
    claim = ClaimFactory()
    response = editor_client.patch(
        url(claim), {"statement": "Edited."}, format="json", HTTP_IF_MATCH="*"
    )
    assert response.status_code == 200
    assert response["ETag"] == f'"{response.json()["version"]}"'
    assert response.json()["version"] == Claim.objects.get(pk=claim.pk).version


def test_if_none_match_with_a_weak_tag_or_a_list_answers_304(api_client, tagged):
    url, _ = tagged
    tag = api_client.get(url)["ETag"]
    assert api_client.get(url, HTTP_IF_NONE_MATCH=f"W/{tag}").status_code == 304
    assert api_client.get(url, HTTP_IF_NONE_MATCH=f'"x", {tag}').status_code == 304
    assert api_client.get(url, HTTP_IF_NONE_MATCH=f'{tag},"x"').status_code == 304
    assert api_client.get(url, HTTP_IF_NONE_MATCH='"x", "y"').status_code == 200


def test_a_required_if_match_is_asked_for_with_its_code(editor_client, settings):
    settings.CLAIMTRACK_REQUIRE_IF_MATCH = True
    actor = ActorFactory()
    response = editor_client.patch(f"/api/v1/actors/{actor.pk}/", {"title": "X"}, format="json")
    assert response.status_code == 428
    assert (response.json()["status"], response.json()["code"]) == (428, "precondition_required")
