"""The OpenAPI schema says what the server does: each defect issue 14 listed, as a check on the
schema a client downloads (/api/schema/). The generated-client workflow (tests/contract) and
schemathesis (tests/test_schemathesis.py) check the same promises against live answers."""

import re

import pytest
from django import urls
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import extend_schema
from rest_framework.test import APIClient
from rest_framework.views import APIView

from claims.filters import ClaimFilterSet
from claims.serializers import SuggestionSerializer
from claimtrack.pagination import TextResultsPagination

pytestmark = pytest.mark.django_db

V1 = "/api/v1/"


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def success_schema(schema, path, method="get", content_type="application/json"):
    responses = schema["paths"][path][method]["responses"]
    code = next(code for code in responses if code.startswith("2"))
    return responses[code]["content"][content_type]["schema"]


def component(schema, ref: str) -> dict:
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]


@pytest.mark.parametrize(
    "path, item",
    [
        ("/api/v1/claims/{id}/history/", "HistoryEntry"),
        ("/api/v1/sources/{id}/mentions/", "Mention"),
        ("/api/v1/sources/{id}/suggestions/", "Suggestion"),
    ],
)
def test_history_mentions_and_suggestions_are_declared_with_the_shape_they_answer(
    schema, path, item
):
    declared = success_schema(schema, path)
    if declared.get("type") != "array":  # a page of them (next, previous, results)
        declared = component(schema, declared["$ref"])["properties"]["results"]
    assert declared["type"] == "array"
    assert declared["items"]["$ref"].endswith(f"/{item}")


def test_claim_stats_take_every_claim_filter(schema):
    names = {p["name"] for p in schema["paths"]["/api/v1/claims/stats/"]["get"]["parameters"]}
    assert set(ClaimFilterSet.base_filters) <= names


def test_the_claimreview_feed_declares_its_filters_cursor_and_page_size(schema):
    operation = schema["paths"]["/api/v1/claimreview/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"updated_after", "cursor", "page_size", *ClaimFilterSet.base_filters} <= names
    answer = success_schema(schema, "/api/v1/claimreview/", content_type="application/ld+json")
    feed = component(schema, answer["$ref"])
    assert {"@context", "@graph", "next", "previous"} <= set(feed["required"])


def test_reads_are_open_to_anonymous_clients_and_writes_need_a_token(schema):
    for path, method, operation in operations(schema):
        anonymous = {} in operation["security"]
        if path == "/api/v1/auth/token/":
            assert operation["security"] == [{}], "log in without credentials"
        elif method == "get":
            assert anonymous and {"knoxApiToken": []} in operation["security"], path
        else:
            assert not anonymous and {"knoxApiToken": []} in operation["security"], (method, path)


def test_every_query_parameter_has_a_type_and_a_description(schema):
    for path, method, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            where = f"{method} {path} {parameter['name']}"
            assert parameter.get("description"), where
            declared = parameter["schema"].get("items", parameter["schema"])
            assert "type" in declared or "$ref" in declared, where


def test_claim_filters_are_typed_with_their_values_and_examples(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/claims/"]["get"]["parameters"]}
    for name in ("event", "source"):
        assert parameters[name]["schema"]["type"] == "integer", name
    assert parameters["actor"]["schema"]["items"]["type"] == "integer"
    for name in ("status", "kind", "country_role", "stance", "consensus", "actor_role"):
        assert parameters[name]["schema"]["type"] == "array", name
        enum = component(schema, parameters[name]["schema"]["items"]["$ref"])
        assert enum["enum"], name
    assert parameters["status"]["schema"]["items"]["$ref"].endswith("/ClaimStatusEnum")
    country = parameters["country"]["schema"]["items"]
    assert all(re.fullmatch(country["pattern"], code) for code in ("MA", "ma", "MAR", "esh"))
    for name in ClaimFilterSet.base_filters:
        assert "example" in parameters[name], name


def test_one_tag_per_resource_and_readable_operation_ids_and_summaries(schema):
    tags = {operation["tags"][0] for _, _, operation in operations(schema)}
    assert tags == {tag["name"] for tag in settings.SPECTACULAR_SETTINGS["TAGS"]}
    assert [tag["name"] for tag in schema["tags"]] == [
        tag["name"] for tag in settings.SPECTACULAR_SETTINGS["TAGS"]
    ]
    ids = [operation["operationId"] for _, _, operation in operations(schema)]
    assert len(ids) == len(set(ids))
    for path, _method, operation in operations(schema):
        resource = path.removeprefix(V1).split("/")[0]
        assert operation["tags"] == [resource], path
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", operation["operationId"]), operation
        assert not operation["operationId"].startswith("v1"), operation["operationId"]
        assert operation.get("summary") and "_" not in operation["summary"], operation
    assert schema["paths"]["/api/v1/claims/"]["get"]["operationId"] == "list_claims"
    assert schema["paths"]["/api/v1/claims/{id}/"]["patch"]["summary"] == "Update part of a claim"


def test_a_country_is_addressed_by_its_code(schema):
    assert "/api/v1/countries/{code}/" in schema["paths"]
    (parameter,) = schema["paths"]["/api/v1/countries/{code}/"]["get"]["parameters"]
    assert parameter["name"] == "code" and parameter["schema"]["type"] == "string"
    assert not any("{id}" in path for path in schema["paths"] if "countries" in path)


def test_every_error_status_answers_the_error_shape(schema):
    for path, method, operation in operations(schema):
        for code, response in operation["responses"].items():
            if int(code) >= 400:
                declared = response["content"]["application/json"]["schema"]
                assert declared == {"$ref": "#/components/schemas/Error"}, (method, path, code)
        assert {"400", "429", "500", "503"} <= set(operation["responses"]), (method, path)


def test_conditional_requests_are_declared_where_the_server_honours_them(schema):
    claim = schema["paths"]["/api/v1/claims/{id}/"]
    headers = {p["name"] for p in claim["get"]["parameters"] if p["in"] == "header"}
    assert headers == {"If-None-Match"} and "304" in claim["get"]["responses"]
    assert "ETag" in claim["get"]["responses"]["200"]["headers"]
    for method in ("put", "patch", "delete"):
        headers = {p["name"] for p in claim[method]["parameters"] if p["in"] == "header"}
        assert headers == {"If-Match"}, method
        assert {"412", "428"} <= set(claim[method]["responses"]), method
    review = schema["paths"]["/api/v1/claims/{id}/reviews/"]["post"]
    assert "If-Match" in {p["name"] for p in review["parameters"]}
    assert {"412", "428"} <= set(review["responses"])


def test_every_content_type_an_operation_answers_is_declared(schema):
    claims = schema["paths"]["/api/v1/claims/"]["get"]["responses"]["200"]["content"]
    assert claims["text/csv"]["schema"]["type"] == "string"
    claimreview = schema["paths"]["/api/v1/claims/{id}/claimreview/"]["get"]["responses"]
    assert set(claimreview["200"]["content"]) == {"application/ld+json"}
    feed = schema["paths"]["/api/v1/claimreview/"]["get"]["responses"]["200"]["content"]
    assert set(feed) == {"application/ld+json", "application/json"}


# The schema below is generated inside each test, not read from the module's `schema`: what the
# pagination says of a list is decided when the schema is built.


def fresh_schema() -> dict:
    response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_a_keyset_list_documents_its_cursor_page_size_and_orderings():
    parameters = {
        p["name"]: p for p in fresh_schema()["paths"][V1 + "claims/"]["get"]["parameters"]
    }
    optional = {"in": "query", "required": False, "allowEmptyValue": True}
    assert parameters["cursor"] == {
        "name": "cursor",
        **optional,
        "description": "Opaque position from a `next`/`previous` link: follow the links as given.",
        "schema": {"type": "string", "maxLength": 8192},
    }
    assert parameters["page_size"] == {
        "name": "page_size",
        **optional,
        "description": "Rows per page, default 50, at most 200 (larger values are clamped).",
        "schema": {"type": "integer"},
        "example": 50,
    }
    fields = ["occurred_on", "created_at", "updated_at", "id"]
    assert parameters["ordering"] == {
        "name": "ordering",
        **optional,
        "description": "Sort field, `-` for descending; empty values last either way. "
        "Default: newest first.",
        "schema": {
            "type": "string",
            "enum": [name for field in fields for name in (field, f"-{field}")],
            "x-enum-varnames": [
                name for field in fields for name in (field.upper(), f"{field.upper()}_DESC")
            ],
        },
    }


def test_a_keyset_page_is_declared_as_nullable_links_and_the_results():
    generated = fresh_schema()
    answer = success_schema(generated, V1 + "sources/")
    link = {"type": "string", "nullable": True, "format": "uri"}
    assert component(generated, answer["$ref"]) == {
        "type": "object",
        "required": ["next", "previous", "results"],
        "properties": {
            "next": link,
            "previous": link,
            "results": {"type": "array", "items": {"$ref": "#/components/schemas/SourceSummary"}},
        },
    }


def test_a_text_list_page_documents_its_offset_page_size_and_fields():
    pages = TextResultsPagination(page_size=50, max_page_size=200)

    class Suggestions(APIView):
        @extend_schema(
            parameters=pages.parameters(),
            responses=pages.response_serializer("SuggestionPage", SuggestionSerializer(many=True)),
        )
        def get(self, request):
            raise NotImplementedError

    generated = SchemaGenerator(patterns=[urls.path("api/v1/suggestions/", Suggestions.as_view())])
    generated = generated.get_schema(request=None, public=True)

    operation = generated["paths"]["/api/v1/suggestions/"]["get"]
    assert operation["parameters"] == [
        {
            "in": "query",
            "name": "offset",
            "schema": {"type": "integer"},
            "description": "Position of the page's first item in the whole list (0: first).",
            "allowEmptyValue": True,
        },
        {
            "in": "query",
            "name": "page_size",
            "schema": {"type": "integer"},
            "description": "Items per page, default 50, at most 200 (larger values are clamped).",
            "allowEmptyValue": True,
        },
    ]
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/SuggestionPage"}
    link = {"type": "string", "format": "uri", "nullable": True}
    assert component(generated, answer["$ref"]) == {
        "type": "object",
        "properties": {
            "count": {"type": "integer", "description": "Items in the whole list."},
            "truncated": {
                "type": "boolean",
                "description": "True when the list stopped at its cap and the text holds more.",
            },
            "text_sha256": {"type": "string", "description": "The text the list comes from."},
            "next": link,
            "previous": link,
            "results": {"type": "array", "items": {"$ref": "#/components/schemas/Suggestion"}},
        },
        "required": ["count", "next", "previous", "results", "text_sha256", "truncated"],
    }
