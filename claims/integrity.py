"""Verdict integrity: while a claim has a verdict, what its reviewer judged does not change.

- `check_save` / `check_delete` are the one guard. claims.signals calls them before every save
  and delete of a claim and of its parts (participants, entered countries, citations) and
  before an event is deleted, so the API, the admin, imports, commands and the shell are all
  held to it. A material change to a claim with a verdict raises `VerdictLocked` (→ 409),
  whose message says how to reopen.
- `claim_flag_moved_evidence` marks `needs_rereview` when re-anchoring after a source's text
  changed moved a quote that a current verdict relied on, with a system history entry.
- `snapshot_changes` compares what a review recorded with the claim as it is now.

Material: a claim's statement, kind, event, date and date precision; its participants, its
hand-entered countries, and its citations' claim, source, stance, quote and the place where
the quote is anchored. Not material: `Claim.note`, `Citation.note`, derived country rows (they
follow the participants and the event), and shared records that claims point at (an actor's or
event's details, a source's metadata), which the snapshot keeps as the reviewer saw them.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.db import connections, models, transaction

from claims.models import Actor, Citation, Claim, ClaimActor, ClaimCountry, ClaimStatus, Event
from claims.workflow import LABEL, VERDICTS, current_verdict, field_error
from claimtrack.exceptions import ConflictError

REOPEN_PATH = "/api/v1/claims/{pk}/reopen/"

# The fields of each model whose change alters what a verdict judged, and how to say so.
CLAIM_FIELDS = {
    "statement": "its statement",
    "kind": "its kind",
    "event_id": "its event",
    "occurred_on": "its date",
    "date_precision": "its date precision",
    "position_id": "the position it states",
}
PART_FIELDS: dict[type[models.Model], tuple[str, ...]] = {
    ClaimActor: ("claim_id", "actor_id", "role"),
    ClaimCountry: ("claim_id", "country", "role", "derived"),
    Citation: ("claim_id", "source_id", "stance", "quote"),
}
ANCHOR_FIELDS = ("anchoring", "start", "end")
# Documented in docs/workflow.md; editable under a verdict.
NON_MATERIAL = {"claim": ("note",), "citation": ("note",)}
EVENT_CLAIMS_NAMED = 10  # judged claims a refused event deletion names


class VerdictLocked(ConflictError):
    """A change to a claim with a verdict that would alter what its reviewer judged (→ 409)."""

    code = "verdict_locked"

    def __init__(self, *, claim_id: int, status: str, change: str):
        label = LABEL[ClaimStatus(status)]
        reopen = REOPEN_PATH.format(pk=claim_id)
        super().__init__(
            f"Claim {claim_id} has a verdict (“{label}”), so {change} is refused: the verdict "
            "would no longer be about what its reviewer judged. To change it, reopen the claim "
            f'first (POST {reopen} with {{"reason": "…"}}, or “Reopen for editing” in the '
            "admin), make the change, then record a verdict again.",
            claim=claim_id,
            reopen=reopen,
        )


# --- The guard ----------------------------------------------------------------------------


def _rows(model: type[models.Model], **lookup) -> models.QuerySet:
    rows = model._base_manager.filter(**lookup)
    # Inside a transaction (every API and admin write) the claim row is locked until the
    # write commits: claim_review takes the same lock, so a verdict and an edit of its
    # evidence cannot interleave.
    if model is Claim and connections[rows.db].in_atomic_block:
        rows = rows.select_for_update()
    return rows


def _comparable(instance: models.Model, attname: str):
    field = instance._meta.get_field(attname.removesuffix("_id"))
    return field.get_prep_value(getattr(instance, attname))


def claim_check_editable(*, claim_id: int | None, change: str) -> None:
    """Refuse (`VerdictLocked`) when claim `claim_id` has a verdict; `change` says in words
    what was about to change ("adding participant …")."""
    if claim_id is None:
        return
    status = _rows(Claim, pk=claim_id).values_list("status", flat=True).first()
    if status in VERDICTS:
        raise VerdictLocked(claim_id=claim_id, status=status, change=change)


def _describe(instance: models.Model) -> str:
    if isinstance(instance, ClaimActor):
        name = Actor.objects.filter(pk=instance.actor_id).values_list("name", flat=True).first()
        return f"participant {name or '?'} ({instance.role})"
    if isinstance(instance, ClaimCountry):
        return f"country {instance.country.code} ({instance.role})"
    return f"citation #{instance.pk}" if instance.pk else "a citation"


def check_save(instance: models.Model, update_fields=None) -> None:
    """The guard before `instance` (a claim or one of its parts) is saved (only
    `update_fields`, when given)."""
    if getattr(instance, "restoring_with_claim", False):
        return  # claims.admin_views.restore_claim: bringing back what was judged
    if isinstance(instance, Claim):
        if update_fields is not None and not {*CLAIM_FIELDS, "event", "position"} & set(
            update_fields
        ):
            return  # e.g. the workflow's status, or the re-review flag
        _check_claim_save(instance)
    elif type(instance) in PART_FIELDS:
        _check_part_save(instance)


def _check_claim_save(claim: Claim) -> None:
    if claim.pk is None:
        return
    stored = _rows(Claim, pk=claim.pk).values("status", *CLAIM_FIELDS).first()
    if stored is None or stored["status"] not in VERDICTS:
        return
    changed = [f for f in CLAIM_FIELDS if _comparable(claim, f) != stored[f]]
    if changed:
        words = " and ".join(CLAIM_FIELDS[f] for f in changed)
        raise VerdictLocked(claim_id=claim.pk, status=stored["status"], change=f"changing {words}")


def _check_part_save(part: models.Model) -> None:
    fields = PART_FIELDS[type(part)]
    stored = None
    if part.pk is not None:
        stored = _rows(type(part), pk=part.pk).values(*fields, *_extra(part)).first()
    if stored is None:
        if isinstance(part, ClaimCountry) and part.derived:
            return  # derived rows follow the participants and the event (sync_claim_countries)
        claim_check_editable(claim_id=part.claim_id, change=f"adding {_describe(part)}")
        return
    changed = [f for f in fields if _comparable(part, f) != stored[f]]
    if isinstance(part, ClaimCountry) and stored["derived"] and changed:
        raise field_error(
            "country",
            "This country row is derived from a participant or the event and follows them: "
            "change the participant or the event, or enter a country of your own.",
            "derived_country",
        )
    if changed:
        for claim_id in dict.fromkeys([stored["claim_id"], part.claim_id]):
            claim_check_editable(claim_id=claim_id, change=f"changing {_describe(part)}")
    elif isinstance(part, Citation):
        _check_anchor_move(part, stored)


def _extra(part: models.Model) -> tuple[str, ...]:
    return ANCHOR_FIELDS if isinstance(part, Citation) else ()


def _check_anchor_move(citation: Citation, stored: dict) -> None:
    """Refuse moving a judged quote to another place while its source's text is still the one
    the reviewer saw (a person's prefix/suffix hint); a new text may move it (flagged)."""
    now = tuple(getattr(citation, f) for f in ANCHOR_FIELDS)
    if now == tuple(stored[f] for f in ANCHOR_FIELDS):
        return
    claim = _rows(Claim, pk=citation.claim_id).only("id", "status").first()
    verdict = current_verdict(claim) if claim is not None else None
    judged = _judged_citations(verdict).get(citation.pk) if verdict else None
    if judged is None or judged.get("text_sha256") != citation.source.text_sha256:
        return
    if now != tuple(judged.get(f) for f in ANCHOR_FIELDS):
        raise VerdictLocked(
            claim_id=claim.pk,
            status=claim.status,
            change=f"moving where citation #{citation.pk}'s quote is anchored",
        )


def check_delete(instance: models.Model, origin) -> None:
    """The guard before `instance` is deleted; `origin` is what the delete started from."""
    if isinstance(instance, Event):
        _check_event_delete(instance)
        return
    if type(instance) not in PART_FIELDS:
        return
    from_claim = isinstance(origin, Claim) or (
        isinstance(origin, models.QuerySet) and origin.model is Claim
    )
    if from_claim:
        return  # the claim goes with its parts: deleting claims is its own permission
    if isinstance(instance, ClaimCountry) and instance.derived:
        return  # derived rows follow the participants and the event
    claim_check_editable(claim_id=instance.claim_id, change=f"removing {_describe(instance)}")


def _check_event_delete(event: Event) -> None:
    judged = list(
        Claim.objects.filter(event=event, status__in=list(VERDICTS))
        .order_by("id")
        .values_list("id", "status")[: EVENT_CLAIMS_NAMED + 1]
    )
    if judged:
        (claim_id, status), others = judged[0], judged[1:EVENT_CLAIMS_NAMED]
        also = ", ".join(f"#{pk}" for pk, _ in others)
        if len(judged) > EVENT_CLAIMS_NAMED:
            also += " and more"
        change = f"deleting its event “{event.name}”"
        if others:
            change += f" (also the event of judged claims {also})"
        raise VerdictLocked(claim_id=claim_id, status=status, change=change)


# --- Evidence that moved under a verdict --------------------------------------------------


def _judged_citations(verdict) -> dict[int, dict]:
    """The citations a verdict relied on, by id: those it pointed at, else every citation the
    claim had (the evidence rules counted them all)."""
    recorded = verdict.snapshot.get("citations", [])
    pointed = [c for c in recorded if c.get("cited")]
    return {c["id"]: c for c in (pointed or recorded)}


def _moved_reason(moved: list[dict]) -> str:
    # simple_history keeps at most 100 characters of a change reason.
    if len(moved) == 1:
        result = moved[0]
        how = {
            "exact": "found elsewhere",
            "fuzzy": "only approximately found",
            "orphaned": "no longer found",
        }.get(result["anchoring"], result["anchoring"])
        text = f"needs re-review: citation #{result['citation']}'s quote {how} in its source"
    else:
        ids = ", ".join(f"#{r['citation']}" for r in moved)
        text = f"needs re-review: citations {ids} moved in their sources"
    return text if len(text) <= 100 else text[:99] + "…"


@transaction.atomic
def claim_flag_moved_evidence(*, results: Iterable[dict]) -> list[int]:
    """Flag `needs_rereview` on each claim whose current verdict relied on a citation that
    re-anchoring (`sources.anchoring.source_reanchor`'s `results`) left somewhere other than
    where the verdict found it: moved, fuzzy or orphaned. Each flag is a system entry in the
    claim's history naming the citation(s). Returns the flagged claims' ids.
    """
    changed = {r["citation"]: r for r in results if r["changed"]}
    if not changed:
        return []
    by_claim: dict[int, list[int]] = defaultdict(list)
    rows = Citation.objects.filter(pk__in=changed, claim__status__in=list(VERDICTS))
    for pk, claim_id in rows.values_list("pk", "claim_id"):
        by_claim[claim_id].append(pk)
    flagged = []
    for claim_id in sorted(by_claim):
        claim = Claim.objects.select_for_update().get(pk=claim_id)
        verdict = current_verdict(claim)
        judged = _judged_citations(verdict) if verdict else {}
        moved = [
            changed[pk]
            for pk in sorted(by_claim[claim_id])
            if pk in judged
            and tuple(changed[pk][f] for f in ANCHOR_FIELDS)
            != tuple(judged[pk].get(f) for f in ANCHOR_FIELDS)
        ]
        if not moved:
            continue
        claim.needs_rereview = True
        claim._history_user = None  # a system entry, not the person who replaced the text
        claim._change_reason = _moved_reason(moved)
        claim.save(update_fields=["needs_rereview", "version", "updated_at"])
        flagged.append(claim_id)
    return flagged


# --- What changed since a review ----------------------------------------------------------

SNAPSHOT_FIELDS = {
    "statement": "Statement",
    "kind": "Kind",
    "occurred_on": "Date",
    "date_precision": "Date precision",
    "event": "Event",
}
CITATION_FIELDS = {
    "quote": "quote",
    "prefix": "text before",
    "suffix": "text after",
    "stance": "stance",
    "anchoring": "anchoring",
    "start": "start",
    "end": "end",
    "source": "source",
    "source_url": "source URL",
    "text_sha256": "source text (SHA-256)",
}


def _participant(row: dict | None) -> str | None:
    return None if row is None else f"{row['name']} ({row['role']})"


def _country(row: dict | None) -> str | None:
    if row is None:
        return None
    return f"{row['code']} ({row['role']}, {'derived' if row['derived'] else 'entered'})"


def _keyed_changes(field, label, judged, now, key, describe) -> list[dict]:
    before = {key(row): row for row in judged}
    after = {key(row): row for row in now}
    return [
        {
            "field": field,
            "label": label,
            "judged": describe(before.get(k)),
            "now": describe(after.get(k)),
        }
        # Keys sort as they are: (actor id, role) by id as a number, (code, role) by code.
        for k in sorted(before.keys() | after.keys())
        if describe(before.get(k)) != describe(after.get(k))
    ]


def snapshot_changes(judged: dict, now: dict) -> list[dict]:
    """What differs between a review's snapshot (`judged`) and the claim's snapshot `now`:
    a list of {field, label, judged, now}; an added part has `judged` None, a removed one
    `now` None. Empty when the claim is still what was judged."""
    if not judged:
        return []
    changes = [
        {"field": name, "label": label, "judged": judged.get(name), "now": now.get(name)}
        for name, label in SNAPSHOT_FIELDS.items()
        if judged.get(name) != now.get(name)
    ]
    changes += _keyed_changes(
        "participants",
        "Participant",
        judged.get("participants", []),
        now["participants"],
        key=lambda row: (row["actor"], row["role"]),
        describe=_participant,
    )
    changes += _keyed_changes(
        "countries",
        "Country",
        judged.get("countries", []),
        now["countries"],
        key=lambda row: (row["code"], row["role"]),
        describe=_country,
    )
    before = {row["id"]: row for row in judged.get("citations", [])}
    after = {row["id"]: row for row in now["citations"]}
    for pk in sorted(before.keys() | after.keys()):
        old, new = before.get(pk), after.get(pk)
        if old is None or new is None:
            changes.append(
                {
                    "field": f"citations[{pk}]",
                    "label": f"Citation #{pk}",
                    "judged": old and old["quote"],
                    "now": new and new["quote"],
                }
            )
            continue
        changes += [
            {
                "field": f"citations[{pk}].{name}",
                "label": f"Citation #{pk} {label}",
                "judged": old.get(name),
                "now": new.get(name),
            }
            for name, label in CITATION_FIELDS.items()
            if name in old and old.get(name) != new.get(name)
        ]
    return changes
