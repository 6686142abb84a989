"""Keyset ("cursor") pagination over any ordering, stable while rows are inserted.

DRF's CursorPagination needs a unique, non-null ordering field; claims are ordered by dates that
repeat and may be empty. Here every ordering is (field, id) with empty values last, and the cursor
holds the last row's (value, id), so a page is `WHERE (field, id) after cursor LIMIT n`: as fast
on page 1,000 as on page 1 (no OFFSET, no COUNT).
"""

import base64
import binascii
import json
from dataclasses import dataclass

from django.db.models import F, Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

MAX_ID = 2**63 - 1


def _encode(payload: dict) -> str:
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# A cursor holds one row's (value, id): a date, a number or a name. The longest a link makes
# (a 300-character name, \u-escaped, in base64) is under 5,000 characters; longer ones were not
# made here and are refused before they are decoded.
MAX_CURSOR_LENGTH = 8192


def _decode(token: str) -> dict:
    try:
        if len(token) > MAX_CURSOR_LENGTH:
            raise ValueError
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(raw)
        value, pk = payload["p"]
        if not isinstance(pk, int) or not 0 < pk <= MAX_ID or payload.get("r") not in (0, 1):
            raise ValueError
        if not (value is None or isinstance(value, str | int | float)):
            raise ValueError
    # RecursionError: a forged cursor of deeply nested lists.
    except (
        ValueError,
        TypeError,
        KeyError,
        RecursionError,
        binascii.Error,
        UnicodeDecodeError,
    ):
        raise serializers.ValidationError(
            {"cursor": "Invalid cursor: use the next/previous links as given."}
        ) from None
    return {"value": value, "pk": pk, "reverse": bool(payload["r"])}


def link_with(request, param: str, value: str) -> str:
    """The request's own URL with `param` set to `value`: a page link. Every other parameter is
    kept with all its values (`?status=a&status=b` stays both)."""
    params = request.query_params.copy()
    params[param] = value
    return request.build_absolute_uri(request.path) + "?" + params.urlencode()


def page_size_of(request, param: str, default: int, maximum: int) -> int:
    """The page size a request asks for in `param`: a whole number, clamped to 1..maximum."""
    raw = request.query_params.get(param)
    if raw in (None, ""):
        return default
    try:
        size = int(raw)
    except ValueError:
        raise serializers.ValidationError(
            {param: f"Give a whole number from 1 to {maximum}."}
        ) from None
    return max(1, min(size, maximum))  # clamped, not refused


def _after(field: str, value, pk: int, descending: bool, nulls_last: bool) -> Q:
    """Rows that come after (value, pk) in the order (field, pk), both `descending` or not."""
    beyond = "lt" if descending else "gt"
    if field == "id":
        return Q(**{f"pk__{beyond}": pk})
    if value is None:
        same = Q(**{f"{field}__isnull": True, f"pk__{beyond}": pk})
        return same if nulls_last else same | Q(**{f"{field}__isnull": False})
    later = Q(**{f"{field}__{beyond}": value}) | Q(**{field: value, f"pk__{beyond}": pk})
    return later | Q(**{f"{field}__isnull": True}) if nulls_last else later


@dataclass(frozen=True)
class Position:
    """Where a list request starts: its ordering and its cursor, read once from the query."""

    field: str
    descending: bool
    cursor: dict | None  # {"value", "pk", "reverse"} from the token
    size: int

    @property
    def reverse(self) -> bool:
        """Walking backwards from the cursor (a `previous` link)."""
        return bool(self.cursor and self.cursor["reverse"])

    @property
    def id_bound(self) -> tuple[str, int] | None:
        """("lt" or "gt", id) that every row of the page satisfies, when it walks by id from a
        cursor; None otherwise.

        Filters may repeat it inside their subqueries, where PostgreSQL does not carry it: a
        country's claims are then read from the cursor on instead of from the newest, so page
        1,000 costs what page 1 does.
        """
        if self.field != "id" or self.cursor is None:
            return None
        return ("lt" if self.descending != self.reverse else "gt", self.cursor["pk"])


class KeysetPagination(BasePagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    cursor_query_param = "cursor"
    ordering_param = "ordering"

    def get_page_size(self, request) -> int:
        return page_size_of(request, self.page_size_query_param, self.page_size, self.max_page_size)

    def default_ordering(self, request, view) -> str:
        """The ordering when the request names none: newest first."""
        return "-id"

    def position(self, request, view) -> Position:
        """The request's ordering, cursor and page size, parsed (and checked: 400 naming the
        parameter) once per request; paginate_queryset() reads the same."""
        if getattr(self, "_parsed_for", None) is not request:
            self._parsed = self._parse(request, view)
            self._parsed_for = request
        return self._parsed

    def _parse(self, request, view) -> Position:
        allowed = getattr(view, "ordering_fields", ["id"])
        default = self.default_ordering(request, view)
        raw = request.query_params.get(self.ordering_param) or default
        field = raw.removeprefix("-")
        if field not in allowed and raw != default:
            choices = ", ".join(f"{f}, -{f}" for f in allowed)
            raise serializers.ValidationError({self.ordering_param: f"Order by one of: {choices}."})
        token = request.query_params.get(self.cursor_query_param)
        return Position(
            field=field,
            descending=raw.startswith("-"),
            cursor=_decode(token) if token else None,
            size=self.get_page_size(request),
        )

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        at = self.position(request, view)
        field, cursor, reverse = at.field, at.cursor, at.reverse
        self.field = field
        # Empty values sort last in both directions; walking backwards flips everything.
        walk_descending = at.descending != reverse
        nulls_last = not reverse
        if walk_descending:
            order = F(field).desc(nulls_first=True) if reverse else F(field).desc(nulls_last=True)
        else:
            order = F(field).asc(nulls_first=True) if reverse else F(field).asc(nulls_last=True)
        tie = "-pk" if walk_descending else "pk"
        queryset = queryset.order_by(order, tie) if field != "id" else queryset.order_by(tie)
        if cursor:
            value = self._to_python(queryset, field, cursor["value"])
            queryset = queryset.filter(
                _after(field, value, cursor["pk"], walk_descending, nulls_last)
            )
        rows = list(queryset[: at.size + 1])
        more = len(rows) > at.size
        rows = rows[: at.size]
        if reverse:
            rows.reverse()
        self.has_next = more if not reverse else True
        self.has_previous = bool(cursor) if not reverse else more
        self.rows = rows
        return rows

    def _to_python(self, queryset, field: str, value):
        if value is None:
            return None
        try:
            model_field = queryset.model._meta.get_field(field)
        except Exception:  # an annotation such as a search rank
            return float(value) if isinstance(value, (int, float)) else None
        try:
            return model_field.to_python(value)
        except Exception:
            raise serializers.ValidationError(
                {self.cursor_query_param: "Invalid cursor."}
            ) from None

    def _position(self, row):
        value = getattr(row, self.field)
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        return [value, row.pk]

    def _link(self, row, reverse: bool) -> str:
        cursor = _encode({"p": self._position(row), "r": int(reverse)})
        return link_with(self.request, self.cursor_query_param, cursor)

    def get_next_link(self):
        return self._link(self.rows[-1], reverse=False) if self.has_next and self.rows else None

    def get_previous_link(self):
        return self._link(self.rows[0], reverse=True) if self.has_previous and self.rows else None

    def get_paginated_response(self, data):
        return Response(
            {"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view):
        fields = getattr(view, "ordering_fields", ["id"])
        orderings = [(field, sign) for field in fields for sign in ("", "-")]
        return [
            {
                "name": self.cursor_query_param,
                "in": "query",
                "required": False,
                "description": "Opaque position from a `next`/`previous` link: follow the links "
                "as given.",
                "schema": {"type": "string", "maxLength": MAX_CURSOR_LENGTH},
            },
            {
                "name": self.page_size_query_param,
                "in": "query",
                "required": False,
                "description": f"Rows per page, default {self.page_size}, at most "
                f"{self.max_page_size} (larger values are clamped).",
                "schema": {"type": "integer"},
                "example": self.page_size,
            },
            {
                "name": self.ordering_param,
                "in": "query",
                "required": False,
                "description": "Sort field, `-` for descending; empty values last either way. "
                "Default: newest first.",
                "schema": {
                    "type": "string",
                    "enum": [f"{sign}{field}" for field, sign in orderings],
                    # Names for generated clients' enums: ID, ID_DESC…
                    "x-enum-varnames": [
                        field.upper() + ("_DESC" if sign else "") for field, sign in orderings
                    ],
                },
            },
        ]


class TextResultsPagination:
    """Pages of a list computed from a source's text (its mentions, its suggested claims).

    `?offset=` is the position in the whole list (0 first), `?page_size=` the page's length. The
    answer gives `count` (the whole list), `truncated` (true when the list stopped at its cap and
    the text holds more), `text_sha256` (the text the list was computed from: a client paging
    through sees whether it changed) and the `next` and `previous` links.
    """

    offset_query_param = "offset"
    page_size_query_param = "page_size"

    def __init__(self, *, page_size: int, max_page_size: int):
        self.page_size = page_size
        self.max_page_size = max_page_size

    def _offset(self, request) -> int:
        raw = request.query_params.get(self.offset_query_param)
        if raw in (None, ""):
            return 0
        try:
            offset = int(raw)
        except ValueError:
            offset = -1
        if not 0 <= offset <= MAX_ID:
            raise serializers.ValidationError(
                {self.offset_query_param: "Give a whole number from 0 (the first item) on."}
            )
        return offset

    def _link(self, request, offset: int) -> str:
        return link_with(request, self.offset_query_param, str(offset))

    def page(self, request, items: list, *, truncated: bool, text_sha256: str, render) -> dict:
        """The body for the requested page of `items`; `render` turns one item into JSON."""
        size = page_size_of(request, self.page_size_query_param, self.page_size, self.max_page_size)
        offset = self._offset(request)
        count = len(items)
        return {
            "count": count,
            "truncated": truncated,
            "text_sha256": text_sha256,
            "next": self._link(request, offset + size) if offset + size < count else None,
            "previous": self._link(request, max(0, offset - size)) if offset and count else None,
            "results": [render(item) for item in items[offset : offset + size]],
        }

    def parameters(self) -> list[OpenApiParameter]:
        """The query parameters, for the OpenAPI schema."""
        return [
            OpenApiParameter(
                self.offset_query_param,
                OpenApiTypes.INT,
                description="Position of the page's first item in the whole list (0: first).",
            ),
            OpenApiParameter(
                self.page_size_query_param,
                OpenApiTypes.INT,
                description=f"Items per page, default {self.page_size}, at most "
                f"{self.max_page_size} (larger values are clamped).",
            ),
        ]

    def response_serializer(self, name: str, items: serializers.Serializer):
        """The answer's shape for the OpenAPI schema: the page's fields, `results` being `items`."""
        return inline_serializer(
            name,
            {
                "count": serializers.IntegerField(help_text="Items in the whole list."),
                "truncated": serializers.BooleanField(
                    help_text="True when the list stopped at its cap and the text holds more."
                ),
                "text_sha256": serializers.CharField(help_text="The text the list comes from."),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": items,
            },
        )
