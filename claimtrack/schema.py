"""The OpenAPI contract's rules, in one place: what drf-spectacular derives from the views, and
what every operation shares.

- One tag per resource (the path segment after /api/v1/), readable operation ids
  (`list_claims`, `get_claim`, `update_claim`…) and summaries.
- Security as it is: reads are open to anonymous clients (`{}` among the requirements),
  writes need a token.
- The error shape (`Error`) for every status an operation can answer, chosen from what the
  operation is: a write, a body, a path with an id, a conditional resource.
- Conditional requests: `If-None-Match` and 304 on reads of resources with an ETag, `If-Match`
  with 412 and 428 on writes that check it, the `ETag` header on the answers that carry it.
- Filters as claimtrack's FilterSets mean them: multi-valued ones are arrays with their enum,
  ids are integers, every one has a description and an example.

Views add what only they know with `@extend_schema` (operation ids of custom actions, item
serializers of non-model answers, content types, request examples).
"""

import inspect

from django.conf import settings
from django_filters import filters as django_filters
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent, build_choice_description_list
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import permissions

from claimtrack import api
from claimtrack.concurrency import ConditionalMixin

# --- the error shape -----------------------------------------------------------------------

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error the API answers (claimtrack/exceptions.py). `errors` lists "
    "field problems with their path (`countries[1].code`); it is empty when the error "
    "concerns the request as a whole. Some errors add members, listed below.",
    "required": ["status", "code", "detail", "errors"],
    "properties": {
        "status": {"type": "integer", "description": "The HTTP status again."},
        "code": {"type": "string", "description": "Stable, for programs: `invalid`, …"},
        "detail": {"type": "string", "description": "For people."},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message", "code"],
                "properties": {
                    "field": {"type": "string", "nullable": True},
                    "message": {"type": "string"},
                    "code": {"type": "string", "nullable": True},
                },
            },
        },
        "allowed": {
            "type": "array",
            "items": {"type": "string"},
            "description": "A refused status change: the statuses the claim can go to.",
        },
        "current_version": {
            "type": "integer",
            "nullable": True,
            "description": "412: the version the resource has now.",
        },
        "current_etag": {"type": "string", "description": "412: the ETag it has now."},
        "existing": {
            "type": "object",
            "description": "409 `duplicate_source`: the source that exists already.",
            "properties": {"id": {"type": "integer"}, "url": {"type": "string"}},
        },
        "request_id": {
            "type": "string",
            "nullable": True,
            "description": "500: the id under which the error was logged, for support.",
        },
    },
    "additionalProperties": True,
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}

ERROR_DESCRIPTIONS = {
    "400": "Invalid input; `errors` names each field or parameter.",
    "401": "Authentication required, or the token is unknown or expired.",
    "403": "Your role does not allow this.",
    "404": "Not found.",
    "409": "Conflicts with existing data (a duplicate, or something still in use).",
    "412": "`If-Match` does not match the current version; nothing was written.",
    "413": "The request body is too large.",
    "415": "Unsupported media type: send `Content-Type: application/json`.",
    "428": "`If-Match` is required by this server (CLAIMTRACK_REQUIRE_IF_MATCH).",
    "429": "Too many requests; wait `Retry-After` seconds.",
    "500": "An unexpected error; it was logged under `request_id`.",
    "503": "Unavailable for now (the database, or the time budget); retry after `Retry-After`.",
}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}
ETAG = {
    "ETag": {
        "schema": {"type": "string"},
        "description": "The representation's version; send it back in `If-Match` or "
        "`If-None-Match`.",
    }
}

# --- conditional request headers -------------------------------------------------------------

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description='The ETag you read (e.g. `"7"`): the write happens only if the resource '
    "still has it (else 412).",
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag you hold: 304 without a body when it is still current (`*`: "
    "whenever the resource exists).",
)

WRITES = ("POST", "PUT", "PATCH", "DELETE")
STANDARD_ACTIONS = {
    # action: (operation id verb, summary verb, about one row)
    "list": ("list", "List", False),
    "create": ("create", "Create", True),
    "retrieve": ("get", "Read", True),
    "update": ("replace", "Replace", True),
    "partial_update": ("update", "Update part of", True),
    "destroy": ("delete", "Delete", True),
}


def _own_doc(obj) -> str:
    """The docstring written on `obj` itself (not one inherited from a mixin)."""
    doc = obj.__dict__.get("__doc__") if isinstance(obj, type) else getattr(obj, "__doc__", None)
    return inspect.cleandoc(doc or "")


def _first_sentence(text: str) -> str:
    paragraph = " ".join(text.split("\n\n")[0].split())
    return paragraph.partition(". ")[0].rstrip(".")


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's AutoSchema with claimtrack's conventions (see the module docstring)."""

    def _resource(self) -> str:
        """The path segment after the version: `claims`, `sources`, `auth`…"""
        parts = [part for part in self.path.split("/") if part]
        return parts[2] if len(parts) > 2 and parts[0] == "api" else (parts or ["api"])[-1]

    def _noun(self, *, one: bool) -> str:
        resource = self._resource().replace("-", "_")  # `external-reviews`: external_reviews
        if not one:
            return resource
        basename = getattr(self.view, "basename", None)
        return basename or resource.removesuffix("s")

    def _action(self) -> str | None:
        return getattr(self.view, "action", None)

    def get_tags(self) -> list[str]:
        return [self._resource()]

    def get_operation_id(self) -> str:
        action = self._action()
        if action in STANDARD_ACTIONS:
            verb, _, one = STANDARD_ACTIONS[action]
            return f"{verb}_{self._noun(one=one)}"
        noun = self._noun(one=True)
        name = (action or self.method.lower()).strip("_")
        # A custom action reads `get_claim_history`, or is a verb: `reanchor_source`.
        return f"get_{noun}_{name}" if self.method == "GET" else f"{name}_{noun}"

    def get_summary(self) -> str | None:
        action = self._action()
        if action in STANDARD_ACTIONS:
            _, verb, one = STANDARD_ACTIONS[action]
            noun = self._noun(one=one).replace("_", " ")
            if one:
                return f"{verb} {'an' if noun[0] in 'aeiou' else 'a'} {noun}"
            return f"{verb} {noun}"
        return _first_sentence(self.get_description()) or None

    def get_description(self) -> str:
        action = self._action()
        handler = getattr(self.view, action or self.method.lower(), None)
        doc = _own_doc(handler) if handler is not None else ""
        if not doc and action in (None, "list"):
            doc = _own_doc(self.view.__class__)
        return doc

    def get_auth(self) -> list[dict]:
        requirements = [r for r in super().get_auth() if r]
        anonymous_allowed = any(
            isinstance(permission, permissions.AllowAny)
            or (
                self.method in permissions.SAFE_METHODS
                and isinstance(
                    permission,
                    (
                        permissions.DjangoModelPermissionsOrAnonReadOnly,
                        permissions.IsAuthenticatedOrReadOnly,
                    ),
                )
            )
            for permission in self.view.get_permissions()
        )
        # `{}` among the requirements: the operation also works without credentials.
        return [*requirements, {}] if anonymous_allowed else requirements

    def _get_format_parameters(self) -> list[dict]:
        parameters = super()._get_format_parameters()
        for parameter in parameters:
            parameter["description"] = (
                "The answer's format, as an alternative to the `Accept` header."
            )
        return parameters

    def get_filter_backends(self) -> list:
        # Lists are filtered; an action that answers a list of something else (a claim's
        # history, a source's mentions) is not, unless it says so (`@extend_schema(filters=…)`).
        if self._action() not in (None, "list"):
            return []
        return super().get_filter_backends()

    def is_conditional(self) -> bool:
        """Whether the view's rows carry an ETag (ConditionalMixin)."""
        return isinstance(self.view, ConditionalMixin)

    def get_override_parameters(self) -> list:
        parameters = list(super().get_override_parameters())
        action = self._action()
        if self.is_conditional() and action == "retrieve":
            parameters.append(IF_NONE_MATCH)
        if self.is_conditional() and action in ("update", "partial_update", "destroy"):
            parameters.append(IF_MATCH)
        return parameters

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        self.registry.register_on_missing(
            ResolvedComponent(
                name="Error",
                type=ResolvedComponent.SCHEMA,
                object="Error",
                schema=ERROR_SCHEMA,
            )
        )
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path" and parameter["schema"].get("type") == "integer":
                # A row id (claimtrack.api.parse_id): anything else answers 404.
                parameter["schema"].update(minimum=1, maximum=api.MAX_ID)
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        responses = operation["responses"]
        if headers & {"If-Match", "If-None-Match"}:
            for code in ("200", "201"):
                if code in responses:
                    responses[code].setdefault("headers", {}).update(ETAG)
        if "If-None-Match" in headers:
            responses.setdefault(
                "304", {"description": "Not modified: the ETag you sent is current."}
            )
        for code in self.error_statuses(operation, headers):
            response = {
                "description": ERROR_DESCRIPTIONS[code],
                "content": {"application/json": {"schema": ERROR_REF}},
            }
            if code in ("429", "503"):
                response["headers"] = RETRY_AFTER
            responses.setdefault(code, response)
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def error_statuses(self, operation: dict, headers: set[str]) -> list[str]:
        """The error statuses this operation can answer, from what it is."""
        authenticates = bool(self.view.get_authenticators())
        role_checked = not any(
            isinstance(p, (permissions.AllowAny, permissions.IsAuthenticated))
            for p in self.view.get_permissions()
        )
        has_body = "requestBody" in operation
        codes = ["400", "429", "500", "503"]
        if authenticates:
            codes.append("401")
        if self.method in WRITES and authenticates and role_checked:
            codes += ["403", "409"]
        if "{" in self.path:
            codes.append("404")
        if has_body:
            codes += ["413", "415"]
        if "If-Match" in headers:
            codes += ["412", "428"]
        return codes


# --- filters -------------------------------------------------------------------------------

EXAMPLE_BY_TYPE = {
    "integer": 1,
    "boolean": True,
    "date": "2020-12-10",
    "date-time": "2026-01-31T00:00:00Z",
}


def _form_field_schema(field) -> dict:
    """The JSON schema of one value a filter's form field takes."""
    if isinstance(field, api.IdFormField):
        return {"type": "integer", "minimum": 1, "maximum": api.MAX_ID}
    if isinstance(field, api.CountryCodeFormField):
        return {
            "type": "string",
            "pattern": f"^{api.COUNTRY_CODE_PATTERN}$",
            "description": "ISO 3166-1 alpha-2 or alpha-3, any case (`MA`, `ma`, `MAR`).",
            "example": "MA",
        }
    if hasattr(field, "choices"):
        return {"type": "string", "enum": [value for value, _ in field.choices]}
    return {"type": "string"}


def _example(schema: dict):
    if "example" in schema:
        return schema["example"]
    if "enum" in schema:
        return schema["enum"][0]
    return EXAMPLE_BY_TYPE.get(schema.get("format") or schema.get("type"))


class FilterExtension(DjangoFilterExtension):
    """django-filter's parameters as claimtrack's filters mean them (claimtrack/api.py):
    any-of filters are arrays (repeated or comma-separated values) of typed items, ids are
    integers, and every parameter has its help text as description and an example."""

    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        (parameter,) = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        description = filter_field.extra.get("help_text") or filter_field.label or ""
        if isinstance(filter_field, api.MultiValueFilter):
            item = _form_field_schema(filter_field.extra["child"])
            parameter["schema"] = {"type": "array", "items": item}
            parameter["style"], parameter["explode"] = "form", True
            choices = getattr(filter_field.extra["child"], "choices", None)
            if choices:
                description += "\n\n" + build_choice_description_list(choices)
            description += "\n\nAny of: repeat the parameter or separate values by commas."
            example = _example(item)
            parameter["example"] = [example] if example is not None else None
        elif isinstance(filter_field, api.IdFilter):
            parameter["schema"] = _form_field_schema(api.IdFormField())
        if isinstance(filter_field, django_filters.CharFilter) and filter_field.extra.get(
            "max_length"
        ):
            parameter["schema"]["maxLength"] = filter_field.extra["max_length"]
        parameter["description"] = description.strip()
        examples = getattr(filterset_class, "parameter_examples", {})
        example = examples.get(field_name, parameter.get("example"))
        if example is None:
            example = _example(parameter["schema"])
        if example is None:
            parameter.pop("example", None)
        else:
            parameter["example"] = example
        return [parameter]


# --- postprocessing hooks ------------------------------------------------------------------


def allow_empty_query_values(result, generator, request, public):
    """Every query parameter may be sent empty, which means "not given" (django-filter, the
    paginator and `format` all read an empty value that way)."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query":
                    parameter["allowEmptyValue"] = True
    return result


def shared_enums(result, generator, request, public):
    """A filter's values that are also a component's enum (`status` and ClaimStatusEnum) refer
    to that component, so that a generated client has one type for both."""
    schemas = result.get("components", {}).get("schemas", {})
    by_values = {
        frozenset(schema["enum"]): name
        for name, schema in schemas.items()
        if "enum" in schema and None not in schema["enum"]
    }
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter["schema"]
                target = schema.get("items", schema)
                name = by_values.get(frozenset(target.get("enum", ())))
                if name is not None and target.get("type") == "string":
                    target.clear()
                    target["$ref"] = f"#/components/schemas/{name}"
    return result


def tag_descriptions(result, generator, request, public):
    """The tags in the order of the URL map, each described (SPECTACULAR_SETTINGS["TAGS"])."""
    used = {tag for ops in result["paths"].values() for op in ops.values() for tag in op["tags"]}
    declared = settings.SPECTACULAR_SETTINGS.get("TAGS", [])
    result["tags"] = [tag for tag in declared if tag["name"] in used] + [
        {"name": name} for name in sorted(used - {tag["name"] for tag in declared})
    ]
    return result
