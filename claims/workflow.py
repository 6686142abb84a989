"""The verification workflow: which status changes are allowed, who may make them, and on what
evidence. `claim_review` is the one function that changes a claim's status; every review keeps
a snapshot of what it was made on (`claim_snapshot`).

Errors and the HTTP status an API exception handler should give them:

- `TransitionNotAllowed`, `EvidenceMissing` and a plain `ValidationError` (unknown status,
  citations of another claim, a reopen without a reason) are Django `ValidationError`s with a
  field-keyed `message_dict` → 400.
- `ReviewPermissionDenied` is a Django `PermissionDenied` → 403.
- `VersionConflict` carries `current_version` → 412 (Precondition Failed).
"""

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from claims.models import (
    Citation,
    Claim,
    ClaimActor,
    ClaimCountry,
    ClaimStatus,
    Review,
    Stance,
)
from claimtrack.exceptions import StaleVersionError
from sources.canonical import domain_of, is_archive_url

S = ClaimStatus

# The role groups (data migrations give them their permissions; see docs/workflow.md).
ROLE_GROUPS = ("editor", "reviewer")
# Any status change (editors and reviewers); a move to a verdict needs the second as well
# (reviewers). Django permissions, so the API and the admin ask the same question.
REVIEW_PERMISSION = "claims.add_review"
VERDICT_PERMISSION = "claims.record_verdict"

# --- Plain data beside the statuses -------------------------------------------------------

# The ClaimReview rating of each status, 1 = worst, 5 = best; None where there is no rating.
RATING: dict[ClaimStatus, int | None] = {
    S.UNVERIFIED: None,
    S.IN_REVIEW: None,
    S.CONFIRMED: 5,
    S.MOSTLY_TRUE: 4,
    S.MIXED: 3,
    S.MISLEADING: 2,
    S.FALSE: 1,
    S.UNVERIFIABLE: None,
}

# The one human label of each status: the admin, the API's `status_label`, the CSV, the history
# and ClaimReview's `alternateName` all show these (they are the TextChoices labels).
LABEL: dict[ClaimStatus, str] = {status: str(status.label) for status in ClaimStatus}

# Normalised buckets as ClaimsKG uses them: only a plain "true"/"false" is TRUE/FALSE;
# every shade in between (mostly true, mixed, misleading) is MIXTURE.
BUCKET: dict[ClaimStatus, str] = {
    S.UNVERIFIED: "OTHER",
    S.IN_REVIEW: "OTHER",
    S.CONFIRMED: "TRUE",
    S.MOSTLY_TRUE: "MIXTURE",
    S.MIXED: "MIXTURE",
    S.MISLEADING: "MIXTURE",
    S.FALSE: "FALSE",
    S.UNVERIFIABLE: "OTHER",
}

# The statuses that are a decision about the claim (they end a review).
VERDICTS: frozenset[ClaimStatus] = frozenset(
    {S.CONFIRMED, S.MOSTLY_TRUE, S.MIXED, S.MISLEADING, S.FALSE, S.UNVERIFIABLE}
)

# Every move anyone may make; a reopen (verdict → in review) needs a reason.
TRANSITIONS: dict[ClaimStatus, frozenset[ClaimStatus]] = {
    # Straight to a verdict is for reviewers only.
    S.UNVERIFIED: frozenset({S.IN_REVIEW}) | VERDICTS,
    S.IN_REVIEW: frozenset({S.UNVERIFIED}) | VERDICTS,
    **{verdict: frozenset({S.IN_REVIEW}) for verdict in VERDICTS},  # reopen
}

# Who may make which move: every move needs REVIEW_PERMISSION (editors and reviewers); a move
# to these targets needs this permission as well.
TARGET_PERMISSION: dict[ClaimStatus, str] = {verdict: VERDICT_PERMISSION for verdict in VERDICTS}

# Evidence: which citation stances count as supporting or refuting a claim.
SUPPORTING: frozenset[str] = frozenset({Stance.SUPPORTS})
REFUTING: frozenset[str] = frozenset({Stance.REFUTES, Stance.RETRACTS})


def _in_status_order(statuses: Iterable[str]) -> list[ClaimStatus]:
    wanted = set(statuses)
    return [status for status in ClaimStatus if status in wanted]


# --- Errors -------------------------------------------------------------------------------


def field_error(field: str, message: str, code: str) -> ValidationError:
    """A refusal of one field with the code clients read in `errors[].code` (Django keeps a
    code only on the message itself, not beside a dict of fields)."""
    return ValidationError({field: ValidationError(message, code=code)})


class TransitionNotAllowed(ValidationError):
    """The move from the claim's status to the target is not in TRANSITIONS (→ 400).

    `allowed` lists the statuses the claim can move to from where it is.
    """

    def __init__(self, current: str, target: str):
        self.current = ClaimStatus(current)
        self.target = ClaimStatus(target)
        self.allowed = _in_status_order(TRANSITIONS[self.current])
        allowed = ", ".join(self.allowed) or "none"
        message = (
            f"A claim cannot go from {self.current} to {self.target}. "
            f"From {self.current} it can go to: {allowed}."
        )
        super().__init__({"status": ValidationError(message, code="transition_not_allowed")})


class EvidenceMissing(ValidationError):
    """A verdict lacks what the evidence rules require (→ 400).

    `rules` names each rule that failed: `rationale`, `min_publishers`, `supporting_citation`,
    `refuting_citation`; the messages are keyed by the field to fix.
    """

    def __init__(self, failures: list[tuple[str, str, str]]):
        self.rules = [rule for rule, _field, _message in failures]
        errors: dict[str, list[ValidationError]] = {}
        for rule, field, message in failures:
            errors.setdefault(field, []).append(ValidationError(message, code=rule))
        super().__init__(errors)


class ReviewPermissionDenied(PermissionDenied):
    """The user's role does not allow this status change (→ 403)."""


class VersionConflict(StaleVersionError):
    """The claim changed since the caller read it (→ 412, with `current_version` in the body)."""

    def __init__(self, current_version: int):
        super().__init__(
            f"The claim was changed by someone else (it is now at version {current_version}); "
            "reload it and try again.",
            current_version=current_version,
        )


# --- Roles: Django permissions, granted by the role groups ---------------------------------


def may_review(user) -> bool:
    """May change a claim's status at all (editors and reviewers; superusers)."""
    return user is not None and user.has_perm(REVIEW_PERMISSION)


def may_record_verdict(user) -> bool:
    """May also move a claim to a verdict (reviewers; superusers)."""
    return may_review(user) and user.has_perm(VERDICT_PERMISSION)


def _may_move_to(user, target: str) -> bool:
    extra = TARGET_PERMISSION.get(ClaimStatus(target))
    return extra is None or user.has_perm(extra)


def allowed_targets(current: str, user) -> list[ClaimStatus]:
    """The statuses this user may move a claim in `current` to, in status order (for UIs)."""
    if not may_review(user):
        return []
    return _in_status_order(t for t in TRANSITIONS[ClaimStatus(current)] if _may_move_to(user, t))


def _check_has_role(user) -> None:
    if not may_review(user):
        raise ReviewPermissionDenied("Only editors and reviewers can change a claim's status.")


def _check_role(user, target: str) -> None:
    if not _may_move_to(user, target):
        raise ReviewPermissionDenied("Only reviewers can record a verdict.")


# --- Evidence -----------------------------------------------------------------------------


def _publisher_key(publisher_domain: str | None, canonical_url: str) -> str:
    # A source without a publisher record counts as its own site: two articles from the same
    # site are one publisher either way, and a publisher record is keyed by that domain too.
    # An archived copy counts as its original site (1.x filed archived sources under the
    # archive's own publisher record, so the address decides for those).
    if is_archive_url(canonical_url):
        return domain_of(canonical_url)
    return publisher_domain or domain_of(canonical_url)


def _evidence_failures(claim: Claim, target: str, rationale: str) -> list[tuple[str, str, str]]:
    """The rules a verdict `target` on `claim` fails, as (rule, field, message)."""
    failures: list[tuple[str, str, str]] = []
    label = LABEL[ClaimStatus(target)]
    # An orphaned quote can no longer be found in its source, so it is not evidence any more.
    rows = (
        Citation.objects.filter(claim=claim)
        .exclude(anchoring=Citation.Anchoring.ORPHANED)
        .values_list("stance", "source__publisher__domain", "source__canonical_url")
    )
    supporting = {_publisher_key(d, u) for stance, d, u in rows if stance in SUPPORTING}
    refuting = sum(1 for stance, _d, _u in rows if stance in REFUTING)

    if target in (S.CONFIRMED, S.MOSTLY_TRUE):
        needed = settings.CLAIMTRACK_CONFIRM_MIN_PUBLISHERS
        if len(supporting) < needed:
            have = ", ".join(sorted(supporting)) or "none"
            failures.append(
                (
                    "min_publishers",
                    "citations",
                    f"A “{label}” verdict needs supporting citations from at least {needed} "
                    f"different publisher(s) whose quotes are found in their sources; this claim "
                    f"has {len(supporting)} ({have}).",
                )
            )
    if target in (S.FALSE, S.MISLEADING, S.MIXED) and not refuting:
        failures.append(
            (
                "refuting_citation",
                "citations",
                f"A “{label}” verdict needs at least one citation that refutes or retracts the "
                "claim (with its quote found in the source).",
            )
        )
    if target == S.MIXED and not supporting:
        failures.append(
            (
                "supporting_citation",
                "citations",
                "A “Mixed” verdict needs at least one citation that supports the claim "
                "(with its quote found in the source).",
            )
        )
    if not rationale.strip():
        failures.append(
            (
                "rationale",
                "rationale",
                "Every verdict needs a rationale: say in a sentence or two why.",
            )
        )
    return failures


def _claim_citations(claim: Claim, citations: Iterable) -> list[Citation]:
    """The given citations (objects or ids), all of which must belong to `claim`."""
    ids: list[int] = []
    for item in citations:
        raw = item.pk if isinstance(item, Citation) else item
        try:
            ids.append(int(raw))
        except (TypeError, ValueError):
            raise field_error("citations", f"{raw!r} is not a citation id.", "invalid") from None
    found = list(Citation.objects.filter(claim=claim, pk__in=ids))
    missing = sorted(set(ids) - {c.pk for c in found})
    if missing:
        listed = ", ".join(str(pk) for pk in missing)
        raise field_error(
            "citations",
            f"Citation(s) {listed} are not citations of this claim.",
            "foreign_citation",
        )
    return found


# --- What a review was made on -----------------------------------------------------------


def claim_snapshot(claim: Claim, *, cited: Iterable[int] = ()) -> dict:
    """`claim` as a reviewer sees it now, as plain JSON: what a review keeps of it.

    Its statement, kind, date and precision, event, participants (actor id, name, kind, role),
    countries (code, role, derived) and every citation with its quote, context, stance,
    anchoring and place, and its source's canonical URL and text hash; `cited` marks the
    citations the decision points at.
    """
    cited = set(cited)
    event = claim.event if claim.event_id else None
    participants = ClaimActor.objects.filter(claim_id=claim.pk).select_related("actor")
    countries = ClaimCountry.objects.filter(claim_id=claim.pk).order_by("country", "role")
    citations = Citation.objects.filter(claim_id=claim.pk).select_related("source")
    return {
        "statement": claim.statement,
        "kind": claim.kind,
        "occurred_on": claim.occurred_on.isoformat() if claim.occurred_on else None,
        "date_precision": claim.date_precision,
        "event": {"id": event.pk, "name": event.name} if event else None,
        "participants": [
            {
                "actor": row.actor_id,
                "name": row.actor.name,
                "kind": row.actor.kind,
                "role": row.role,
            }
            for row in participants.order_by("id")
        ],
        "countries": [
            {"code": row.country.code, "role": row.role, "derived": row.derived}
            for row in countries
        ],
        "citations": [
            {
                "id": row.pk,
                "cited": row.pk in cited,
                "quote": row.quote,
                "prefix": row.prefix,
                "suffix": row.suffix,
                "stance": row.stance,
                "anchoring": row.anchoring,
                "start": row.start,
                "end": row.end,
                "source": row.source_id,
                "source_url": row.source.canonical_url,
                "text_sha256": row.source.text_sha256,
            }
            for row in citations.order_by("id")
        ],
    }


def verdict_reviews(queryset: models.QuerySet) -> models.QuerySet:
    """Claims with their verdict reviews prefetched (newest first), for `current_verdict`."""
    return queryset.prefetch_related(
        models.Prefetch(
            "reviews",
            queryset=Review.objects.filter(status_after__in=list(VERDICTS))
            .select_related("reviewer")
            .order_by("-id"),
            to_attr="verdict_reviews",
        )
    )


def current_verdict(claim: Claim) -> Review | None:
    """The review that gave `claim` its current verdict, or None when it has no verdict."""
    if claim.status not in VERDICTS:
        return None
    reviews = getattr(claim, "verdict_reviews", None)
    if reviews is None:
        reviews = claim.reviews.filter(status_after__in=list(VERDICTS)).order_by("-id")[:1]
    # The newest verdict review: reviews are only ever added, so the highest id is the latest.
    latest = next(iter(reviews), None)
    return latest if latest is not None and latest.status_after == claim.status else None


# --- The one function that changes a claim's status ---------------------------------------


def claim_review(
    *,
    claim: Claim,
    status: str,
    reviewer,
    rationale: str = "",
    citations: Iterable = (),
    expected_version: int | None = None,
    reviewed_at: datetime | None = None,
) -> Review:
    """Move `claim` to `status` on behalf of `reviewer` and write the Review row.

    Checks, in this order, with the claim row locked: the status is a known one; the claim is
    still at `expected_version` (when given; else `VersionConflict`); the user may change
    statuses (REVIEW_PERMISSION, else `ReviewPermissionDenied`); the move is in TRANSITIONS
    (else `TransitionNotAllowed`); a move to a verdict is the user's to make
    (VERDICT_PERMISSION, else `ReviewPermissionDenied`); `citations` (ids or objects) belong
    to the claim; a reopen has a reason, a verdict meets the evidence rules (else
    `EvidenceMissing`).

    The review keeps the claim's version and a `claim_snapshot` of it as the decision found
    it. A verdict clears `needs_rereview`: a reviewer has decided again.

    Other organisations' verdicts never come through here: an imported ClaimReview is an
    ExternalReview (claims.claimreview.imports), evidence that never sets a status.
    `reviewed_at` dates the review (data loaders); by default it is now.

    On success the passed `claim` object carries the new status and version too.
    """
    if status not in ClaimStatus.values:
        choices = ", ".join(ClaimStatus.values)
        raise field_error(
            "status", f"{status!r} is not a status; choose one of: {choices}.", "invalid"
        )
    target = ClaimStatus(status)
    rationale = (rationale or "").strip()

    with transaction.atomic():
        # The lock also holds back edits of the claim's parts: the integrity guard locks the
        # same row before any part is written (claims.integrity), so the evidence cannot
        # change while it is checked and recorded.
        locked = Claim.objects.select_for_update().get(pk=claim.pk)
        if expected_version is not None and int(expected_version) != locked.version:
            raise VersionConflict(locked.version)
        current = ClaimStatus(locked.status)
        _check_has_role(reviewer)  # someone without any role learns nothing more
        if target not in TRANSITIONS[current]:
            raise TransitionNotAllowed(current, target)
        _check_role(reviewer, target)
        cited = _claim_citations(locked, citations)
        if current in VERDICTS and not rationale:
            raise EvidenceMissing(
                [
                    (
                        "reopen_reason",
                        "rationale",
                        f"Reopening a “{LABEL[current]}” verdict needs a reason: say what "
                        "should be looked at again.",
                    )
                ]
            )
        if target in VERDICTS:
            failures = _evidence_failures(locked, target, rationale)
            if failures:
                raise EvidenceMissing(failures)

        snapshot = claim_snapshot(locked, cited=[c.pk for c in cited])
        judged_version = locked.version
        locked.status = target
        locked.status_change_allowed = True  # see Claim.save: only this function may
        fields = ["status", "version", "updated_at"]
        if target in VERDICTS and locked.needs_rereview:
            locked.needs_rereview = False  # a reviewer has decided again
            fields.append("needs_rereview")
        # Who made the change, and why, for the audit history (django-simple-history).
        if reviewer is not None:
            locked._history_user = reviewer
        locked._change_reason = f"review: {LABEL[current]} → {LABEL[target]}"
        locked.save(update_fields=fields)

        review = Review.objects.create(
            claim=locked,
            status_before=current,
            status_after=target,
            rationale=rationale,
            reviewer=reviewer,
            claim_version=judged_version,
            snapshot=snapshot,
            created_at=reviewed_at or timezone.now(),
        )
        if cited:
            review.citations.set(cited)

    claim.status, claim.version, claim.updated_at = locked.status, locked.version, locked.updated_at
    claim.needs_rereview = locked.needs_rereview
    claim._loaded_status = locked.status  # the caller's object now holds the stored status
    return review


def claim_reopen(*, claim: Claim, user, reason: str, expected_version: int | None = None) -> Review:
    """Move a claim with a verdict back to in review so that it can be edited: a review like
    any other (`claim_review`), with `reason` as its rationale.

    Refused with a `ValidationError` on `status` when the claim has no verdict to reopen (after
    the version and role checks, as `claim_review` orders them).
    """
    with transaction.atomic():
        status, version = (
            Claim.objects.select_for_update().values_list("status", "version").get(pk=claim.pk)
        )
        if expected_version is not None and int(expected_version) != version:
            raise VersionConflict(version)
        _check_has_role(user)
        if status not in VERDICTS:
            raise field_error(
                "status",
                f"Claim {claim.pk} has no verdict to reopen: it is "
                f"“{LABEL[ClaimStatus(status)]}”, and can be edited as it is.",
                "no_verdict",
            )
        # The version was checked above, on the row this transaction has locked.
        return claim_review(
            claim=claim,
            status=S.IN_REVIEW,
            reviewer=user,
            rationale=reason,
        )


# --- Consensus among the sources ----------------------------------------------------------


class Consensus(models.TextChoices):
    UNSOURCED = "unsourced", "Unsourced"
    UNCONTESTED = "uncontested", "Uncontested"
    CONTESTED = "contested", "Contested"
    REFUTED = "refuted", "Refuted"


# What the sources say together, by (any supporting citation, any refuting citation): the
# one rule, read by claim_consensus() in Python and by annotate_consensus() in SQL.
CONSENSUS_RULE: dict[tuple[bool, bool], Consensus] = {
    (True, True): Consensus.CONTESTED,
    (True, False): Consensus.UNCONTESTED,
    (False, True): Consensus.REFUTED,
    (False, False): Consensus.UNSOURCED,
}


def claim_consensus(support_count: int, refute_count: int) -> Consensus:
    """What the sources say together: `support_count` supports, `refute_count` refutes/retracts."""
    return CONSENSUS_RULE[(support_count > 0, refute_count > 0)]


def consensus_counts(stances: Iterable[str]) -> tuple[int, int]:
    """(supporting, refuting) among a claim's citations' stances; mentions count for neither."""
    stances = list(stances)
    return (
        sum(stance in SUPPORTING for stance in stances),
        sum(stance in REFUTING for stance in stances),
    )


def _citation_count(stances: Iterable[str]) -> Coalesce:
    # A correlated subquery rather than Count() over a join: it stays right whatever other
    # joins the queryset already has (filters on participants, countries, …).
    counted = (
        Citation.objects.filter(claim=OuterRef("pk"), stance__in=list(stances))
        .order_by()
        .values("claim")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _some(count: str, some: bool) -> Q:
    return Q(**{f"{count}__gt": 0}) if some else Q(**{count: 0})


def annotate_consensus(queryset: models.QuerySet) -> models.QuerySet:
    """Claims with `support_count`, `refute_count` (refutes + retracts) and `consensus`.

    All three are SQL, so `annotate_consensus(qs).filter(consensus="contested")` filters in the
    database. Every citation counts, whatever its anchoring; mentions count for neither side.
    """
    return queryset.annotate(
        support_count=_citation_count(SUPPORTING),
        refute_count=_citation_count(REFUTING),
    ).annotate(
        consensus=Case(
            *(
                When(
                    _some("support_count", support) & _some("refute_count", refute),
                    then=Value(value),
                )
                for (support, refute), value in CONSENSUS_RULE.items()
            ),
            output_field=models.CharField(max_length=11),
        )
    )
