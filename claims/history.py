"""A claim's change history: its own rows and its participants', countries' and citations', in
codes for programs and in words for people (the admin's history page and the API show both)."""

import datetime
import re
from itertools import chain

from django.contrib.auth import get_user_model
from django.db import models
from django_countries import countries as all_countries

from claims.models import Actor, Citation, Claim, ClaimActor, ClaimCountry, Event
from claims.workflow import LABEL
from sources.models import Source

HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}
# The parts of a claim whose history belongs to the claim's history.
PARTS = [
    (Claim, "id"),
    (ClaimActor, "claim_id"),
    (ClaimCountry, "claim_id"),
    (Citation, "claim_id"),
]
HIDDEN_FIELDS = {
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user",
    "history_relation",
    "updated_at",
    "version",
    "search_vector",
}
# Foreign keys shown by name: the model and how to name a row of it.
NAMED = {
    "actor_id": (Actor, "name"),
    "event_id": (Event, "name"),
    "source_id": (Source, "title"),
}
NOTHING = "—"
# Reasons written before statuses were recorded by their labels ("review: in_review → false").
STATUS_CODE = re.compile(r"\b(" + "|".join(status.value for status in LABEL) + r")\b")


def _value(value):
    return getattr(value, "code", value) if value is not None else None


def _person(user) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.get_username()


class _Names:
    """The names of the rows that history records point at, fetched once per model."""

    def __init__(self, records):
        wanted: dict[str, set] = {attname: set() for attname in NAMED}
        users: set = set()
        for record in records:
            for attname in wanted:
                if getattr(record, attname, None) is not None:
                    wanted[attname].add(getattr(record, attname))
            if getattr(record, "created_by_id", None) is not None:
                users.add(record.created_by_id)
        self.names = {
            attname: dict(model.objects.filter(pk__in=ids).values_list("pk", field))
            for attname, (model, field) in NAMED.items()
            if (ids := wanted[attname])
        }
        self.users = {
            user.pk: _person(user) for user in get_user_model().objects.filter(pk__in=users)
        }

    def display(self, field: models.Field, value) -> str:
        """`value` of `field` as a person reads it."""
        if value is None or value == "":
            return NOTHING
        if field.attname == "status":
            return LABEL.get(value, str(value))
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if field.attname in NAMED:
            return self.names.get(field.attname, {}).get(value) or f"#{value}"
        if field.attname == "created_by_id":
            return self.users.get(value) or f"#{value}"
        if field.attname == "claim_id":
            return f"claim #{value}"
        if field.attname == "country":
            return f"{all_countries.name(value)} ({value})"
        if isinstance(field, models.BooleanField):
            return "yes" if value else "no"
        if isinstance(value, datetime.datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
        return str(value)

    def summary(self, record) -> str:
        """The part a record is about, in words."""
        model = record.instance_type
        if model is ClaimActor:
            actor = self.names.get("actor_id", {}).get(record.actor_id, f"#{record.actor_id}")
            return f"Participant {actor} as {record.get_role_display()}"
        if model is ClaimCountry:
            origin = "derived" if record.derived else "entered"
            name = all_countries.name(_value(record.country))
            return f"Country {name} · {record.get_role_display()} ({origin})"
        if model is Citation:
            quote = record.quote if len(record.quote) <= 60 else record.quote[:59] + "…"
            return f"Citation #{record.id} “{quote}”"
        return "Claim"


def _changes(record, names: _Names) -> list[dict]:
    # The fields the history records (a model may leave some out, e.g. a derived copy).
    fields = [f for f in record.tracked_fields if f.attname not in HIDDEN_FIELDS]
    previous = record.prev_record
    if record.history_type == "-":
        return []
    if record.history_type == "+" or previous is None:
        pairs = [(f, None, getattr(record, f.attname)) for f in fields if f.attname != "id"]
        pairs = [(f, old, new) for f, old, new in pairs if new not in (None, "")]
    else:
        pairs = [
            (f, getattr(previous, f.attname), getattr(record, f.attname))
            for f in fields
            if getattr(previous, f.attname) != getattr(record, f.attname)
        ]
    return [
        {
            "field": field.attname,
            "label": str(field.verbose_name).capitalize(),
            "old": _value(old),
            "new": _value(new),
            "old_display": names.display(field, _value(old)),
            "new_display": names.display(field, _value(new)),
        }
        for field, old, new in pairs
    ]


def readable_reason(reason: str | None) -> str | None:
    """A change reason with any status codes of older records as their labels."""
    if not reason or not reason.startswith(("review:", "imported review:")):
        return reason
    return STATUS_CODE.sub(lambda m: LABEL[m.group(1)], reason)


def claim_history(claim_id: int, limit: int = 500, *, changes: bool = True) -> list[dict]:
    """Newest first: who changed what, when, on the claim and its parts (also once deleted).

    Each entry names the part (`summary`) and the person (`user_name`; None for a system
    change) in words, and each change gives the field's `label` and `old_display` →
    `new_display` beside the stored `old` and `new`. `changes=False` leaves the field-by-field
    changes out (an empty list): a summary of what happened needs no diff, and each diff reads
    the record before it.
    """
    records = chain.from_iterable(
        model.history.filter(**{key: claim_id})
        .select_related("history_user")
        .order_by("-history_date")[:limit]
        for model, key in PARTS
    )
    entries = sorted(records, key=lambda r: (r.history_date, r.history_id), reverse=True)[:limit]
    names = _Names(entries)
    return [
        {
            "model": record.instance_type._meta.model_name,
            "model_label": str(record.instance_type._meta.verbose_name),
            "object_id": record.id,
            "history_id": record.history_id,
            "summary": names.summary(record),
            "action": HISTORY_TYPES[record.history_type],
            "user": record.history_user.get_username() if record.history_user else None,
            "user_name": _person(record.history_user),
            "at": record.history_date,
            "reason": record.history_change_reason,
            "reason_display": readable_reason(record.history_change_reason),
            "changes": _changes(record, names) if changes else [],
        }
        for record in entries
    ]
