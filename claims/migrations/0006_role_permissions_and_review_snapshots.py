"""The role groups' permissions for one permission model (API and admin alike), and snapshots
for the reviews recorded before reviews kept one.

Roles: an editor may view, add and change claims and their parts, actors, events, sources and
publishers, delete parts, actors, events and publishers, and change a claim's status (add a
review: send to review and back, reopen). A reviewer may do all that and also record verdicts
(`claims.record_verdict`). Deleting claims and sources is a permission of its own
(`claims.delete_claim`, `sources.delete_source`) that no role group carries.

Snapshots: each earlier review gets the claim as the audit history shows it at the moment of
the decision (the claim history record that the review wrote), marked `"reconstructed": true`.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITABLE = [
    ("claims", "claim"),
    ("claims", "claimactor"),
    ("claims", "claimcountry"),
    ("claims", "citation"),
    ("claims", "actor"),
    ("claims", "event"),
    ("sources", "source"),
    ("sources", "publisher"),
]
# Parts and shared records; claims and sources are deleted by whoever holds their own permission.
DELETABLE = {"claimactor", "claimcountry", "citation", "actor", "event", "publisher"}


def role_permission_codes() -> dict[str, list[tuple[str, str]]]:
    """Each role group and its permissions as (app_label, codename) pairs."""
    editor = []
    for app, model in EDITABLE:
        editor += [(app, f"view_{model}"), (app, f"add_{model}"), (app, f"change_{model}")]
        if model in DELETABLE:
            editor.append((app, f"delete_{model}"))
    editor += [("claims", "view_review"), ("claims", "add_review")]
    return {"editor": editor, "reviewer": [*editor, ("claims", "record_verdict")]}


def set_role_groups(Group, Permission) -> None:
    """Create the role groups (or reset them) with exactly their permissions."""
    for role, codes in role_permission_codes().items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(
            [
                Permission.objects.get(content_type__app_label=app, codename=codename)
                for app, codename in codes
            ]
        )


def update_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    set_role_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def as_of(historical, moment, **lookup) -> list:
    """The rows as they stood at `moment`: each id's last history record up to then, unless
    that record is its deletion."""
    latest = {}
    records = historical.objects.filter(history_date__lte=moment, **lookup)
    for record in records.order_by("history_date", "history_id"):
        latest[record.id] = record
    return [record for record in latest.values() if record.history_type != "-"]


def decision_moments(apps, claim_id, reviews) -> dict:
    """Review id → the moment its decision was saved: the claim's k-th review history record
    belongs to its k-th review (each review writes one); else the review's own date."""
    HistoricalClaim = apps.get_model("claims", "HistoricalClaim")
    records = [
        r.history_date
        for r in HistoricalClaim.objects.filter(id=claim_id).order_by("history_date", "history_id")
        if (r.history_change_reason or "").startswith(("review", "imported review"))
    ]
    if len(records) == len(reviews):
        return {review.pk: moment for review, moment in zip(reviews, records, strict=True)}
    return {review.pk: review.created_at for review in reviews}


def reconstruct(apps, review, moment) -> dict:
    history = {
        name: apps.get_model(app, f"Historical{name}")
        for app, name in [
            ("claims", "Claim"),
            ("claims", "ClaimActor"),
            ("claims", "ClaimCountry"),
            ("claims", "Citation"),
            ("claims", "Actor"),
            ("claims", "Event"),
            ("sources", "Source"),
        ]
    }

    def one(name, pk):
        rows = as_of(history[name], moment, id=pk) if pk is not None else []
        return rows[0] if rows else None

    claim = one("Claim", review.claim_id) or apps.get_model("claims", "Claim").objects.get(
        pk=review.claim_id
    )
    event = one("Event", claim.event_id)
    participants = sorted(as_of(history["ClaimActor"], moment, claim_id=claim.id), key=lambda r: r.id)
    countries = sorted(
        as_of(history["ClaimCountry"], moment, claim_id=claim.id),
        key=lambda r: (str(r.country), r.role),
    )
    citations = sorted(as_of(history["Citation"], moment, claim_id=claim.id), key=lambda r: r.id)
    cited = set(review.citations.values_list("id", flat=True))
    snapshot = {
        "reconstructed": True,
        "statement": claim.statement,
        "kind": claim.kind,
        "occurred_on": claim.occurred_on.isoformat() if claim.occurred_on else None,
        "date_precision": claim.date_precision,
        "event": {"id": event.id, "name": event.name} if event else None,
        "participants": [],
        "countries": [
            {"code": str(row.country), "role": row.role, "derived": row.derived}
            for row in countries
        ],
        "citations": [],
    }
    for row in participants:
        actor = one("Actor", row.actor_id)
        snapshot["participants"].append(
            {
                "actor": row.actor_id,
                "name": actor.name if actor else "?",
                "kind": actor.kind if actor else "?",
                "role": row.role,
            }
        )
    for row in citations:
        source = one("Source", row.source_id)
        snapshot["citations"].append(
            {
                "id": row.id,
                "cited": row.id in cited,
                "quote": row.quote,
                "prefix": row.prefix,
                "suffix": row.suffix,
                "stance": row.stance,
                "anchoring": row.anchoring,
                "start": row.start,
                "end": row.end,
                "source": row.source_id,
                "source_url": source.canonical_url if source else None,
                "text_sha256": source.text_sha256 if source else None,
            }
        )
    return snapshot


def snapshot_earlier_reviews(apps, schema_editor):
    Review = apps.get_model("claims", "Review")
    # The plain manager: reviews are otherwise never updated (claims.models.ReviewQuerySet).
    reviews_of = Review._base_manager
    claim_ids = (
        reviews_of.filter(snapshot={}).order_by().values_list("claim_id", flat=True).distinct()
    )
    for claim_id in list(claim_ids):
        reviews = list(reviews_of.filter(claim_id=claim_id).order_by("id"))
        moments = decision_moments(apps, claim_id, reviews)
        for review in reviews:
            if not review.snapshot:
                snapshot = reconstruct(apps, review, moments[review.pk])
                reviews_of.filter(pk=review.pk).update(snapshot=snapshot)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0005_verdict_snapshots_and_review_history"),
        ("sources", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(update_groups, migrations.RunPython.noop),
        migrations.RunPython(snapshot_earlier_reviews, migrations.RunPython.noop),
    ]
