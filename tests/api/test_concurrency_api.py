import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from claims.models import Claim
from tests.factories import ActorFactory, CitationFactory, ClaimFactory

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
        connection.close()

    threads = [threading.Thread(target=patch, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [200] + [412] * 19


@pytest.mark.parametrize("resource", ["claims", "actors", "citations"])
def test_if_none_match_star_answers_304_for_any_current_representation(api_client, resource):
    made = {"claims": ClaimFactory, "actors": ActorFactory, "citations": CitationFactory}
    url = f"/api/v1/{resource}/{made[resource]().pk}/"
    response = api_client.get(url, HTTP_IF_NONE_MATCH="*")
    assert response.status_code == 304
    assert response["ETag"] == api_client.get(url)["ETag"]


def test_if_none_match_star_on_a_missing_resource_is_404(api_client):
    assert api_client.get("/api/v1/claims/999999/", HTTP_IF_NONE_MATCH="*").status_code == 404
