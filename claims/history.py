"""A claim's change history: its own rows and its participants', countries' and citations'."""

from itertools import chain

from claims.models import Citation, Claim, ClaimActor, ClaimCountry

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


def _value(value):
    return getattr(value, "code", value) if value is not None else None


def _changes(record) -> list[dict]:
    fields = [
        f.attname
        for f in record.instance_type._meta.concrete_fields
        if f.attname not in HIDDEN_FIELDS
    ]
    previous = record.prev_record
    if record.history_type == "+" or previous is None:
        return [
            {"field": name, "old": None, "new": _value(getattr(record, name))}
            for name in fields
            if name != "id"
        ]
    if record.history_type == "-":
        return []
    return [
        {
            "field": name,
            "old": _value(getattr(previous, name)),
            "new": _value(getattr(record, name)),
        }
        for name in fields
        if getattr(previous, name) != getattr(record, name)
    ]


def claim_history(claim_id: int, limit: int = 500) -> list[dict]:
    """Newest first: who changed what, when, on the claim and its parts (also once deleted)."""
    records = chain.from_iterable(
        model.history.filter(**{key: claim_id})
        .select_related("history_user")
        .order_by("-history_date")[:limit]
        for model, key in PARTS
    )
    entries = sorted(records, key=lambda r: (r.history_date, r.history_id), reverse=True)[:limit]
    return [
        {
            "model": record.instance_type._meta.model_name,
            "object_id": record.id,
            "action": HISTORY_TYPES[record.history_type],
            "user": record.history_user.get_username() if record.history_user else None,
            "at": record.history_date,
            "reason": record.history_change_reason,
            "changes": _changes(record),
        }
        for record in entries
    ]
