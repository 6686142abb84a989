"""Keyset ("cursor") pagination over any ordering, stable while rows are inserted.

DRF's CursorPagination needs a unique, non-null ordering field; claims are ordered by dates that
repeat and may be empty. Here every ordering is (field, id) with empty values last, and the cursor
holds the last row's (value, id), so a page is `WHERE (field, id) after cursor LIMIT n`: as fast
on page 1,000 as on page 1 (no OFFSET, no COUNT).
"""

import base64
import binascii
import json
from urllib.parse import urlencode

from django.db.models import F, Q
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


class KeysetPagination(BasePagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    cursor_query_param = "cursor"
    ordering_param = "ordering"

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw in (None, ""):
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            raise serializers.ValidationError(
                {self.page_size_query_param: f"Give a whole number from 1 to {self.max_page_size}."}
            ) from None
        return max(1, min(size, self.max_page_size))  # clamped, not refused

    def get_ordering(self, request, view) -> tuple[str, bool]:
        allowed = getattr(view, "ordering_fields", ["id"])
        default = getattr(view, "get_default_ordering", lambda: "-id")()
        raw = request.query_params.get(self.ordering_param) or default
        field = raw.removeprefix("-")
        if field not in allowed and raw != default:
            choices = ", ".join(f"{f}, -{f}" for f in allowed)
            raise serializers.ValidationError({self.ordering_param: f"Order by one of: {choices}."})
        return field, raw.startswith("-")

    def id_bound(self, request, view) -> tuple[str, int] | None:
        """("lt" or "gt", id) that every row of the requested page satisfies, when the page
        walks by id from a cursor; None otherwise.

        Filters may repeat it inside their subqueries, where PostgreSQL does not carry it: a
        country's claims are then read from the cursor on instead of from the newest, so page
        1,000 costs what page 1 does.
        """
        token = request.query_params.get(self.cursor_query_param)
        if not token:
            return None
        field, descending = self.get_ordering(request, view)
        if field != "id":
            return None
        cursor = _decode(token)
        return ("lt" if descending != cursor["reverse"] else "gt", cursor["pk"])

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self.get_page_size(request)
        field, descending = self.get_ordering(request, view)
        self.field = field
        token = request.query_params.get(self.cursor_query_param)
        cursor = _decode(token) if token else None
        reverse = bool(cursor and cursor["reverse"])
        # Empty values sort last in both directions; walking backwards flips everything.
        walk_descending = descending != reverse
        nulls_last = not reverse
        order = F(field).desc(nulls_last=True) if walk_descending else F(field).asc(nulls_last=True)
        if reverse:
            order = (
                F(field).desc(nulls_first=True)
                if walk_descending
                else F(field).asc(nulls_first=True)
            )
        tie = "-pk" if walk_descending else "pk"
        queryset = queryset.order_by(order, tie) if field != "id" else queryset.order_by(tie)
        if cursor:
            value = self._to_python(queryset, field, cursor["value"])
            queryset = queryset.filter(
                _after(field, value, cursor["pk"], walk_descending, nulls_last)
            )
        rows = list(queryset[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
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
        params = self.request.query_params.copy()
        params[self.cursor_query_param] = _encode({"p": self._position(row), "r": int(reverse)})
        return (
            self.request.build_absolute_uri(self.request.path) + "?" + urlencode(params, doseq=True)
        )

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
        return [
            {
                "name": self.cursor_query_param,
                "in": "query",
                "required": False,
                "description": "Opaque position from a next/previous link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "in": "query",
                "required": False,
                "description": f"Rows per page, default {self.page_size}, at most "
                f"{self.max_page_size} (larger values are clamped).",
                "schema": {"type": "integer"},
            },
            {
                "name": self.ordering_param,
                "in": "query",
                "required": False,
                "description": "Sort field, `-` for descending: "
                + ", ".join(getattr(view, "ordering_fields", ["id"])),
                "schema": {"type": "string"},
            },
        ]
