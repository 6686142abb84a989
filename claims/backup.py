"""The whole-database backup format of `export_data` and `import_data`: JSON Lines.

    {"format": "claimtrack-export", "version": 1, "vendor": "postgresql", "exported_at": "…"}
    {"model": "auth.group", "row": {"name": "editor", "permissions": ["claims.add_claim", …]}}
    {"model": "auth.user", "row": {"id": 1, "username": "…", "roles": ["editor"],
                                   "permissions": ["claims.delete_claim"], …}}
    {"model": "claims.claim", "row": {"id": 7, "statement": "…", …}}
    …
    {"end": true, "counts": {"claims.claim": 15, …}, "checksum": "sha256:…"}

Records come model by model in an order where every row comes after the rows it refers to, and
by primary key within a model. Each record line is canonical JSON (sorted keys, UTC timestamps
with microseconds), so the checksum over the record lines is the same whichever database the
data was read from: an import re-reads what it wrote and compares.

Included: users (with their roles and the permissions granted to them alone, e.g. deleting
claims; never a password hash), groups (with their permissions),
every table of the `sources` and `claims` apps, their history tables and the reviews' cited
citations. Left out, on purpose: API tokens, sessions, login-failure logs, admin log entries
(secrets, or short-lived), and the full-text search vectors (recomputed on import).
"""

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.core.management.color import no_style
from django.db import connections, models
from django.utils import timezone

FORMAT = "claimtrack-export"
VERSION = 1
DATA_APPS = ("sources", "claims")
# Rows the database writes itself from the others (claims.stats): a restore rebuilds them.
DERIVED_MODELS = frozenset({"claims.ClaimTally"})
USER_FIELDS = [
    "id",
    "username",
    "first_name",
    "last_name",
    "email",
    "is_active",
    "is_staff",
    "is_superuser",
    "date_joined",
    "last_login",
]
# Recomputed from the other columns; meaningless outside PostgreSQL.
SKIPPED_FIELD_TYPES = ("SearchVectorField",)


def canonical(record: dict) -> str:
    """The one JSON text of a record (the checksum depends on it being the same everywhere)."""
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _plain(value):
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value, UTC)
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def data_models() -> list[type[models.Model]]:
    """The models of the data apps, each after every model it refers to."""
    pending = [
        model
        for label in DATA_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if model._meta.label not in DERIVED_MODELS
    ]
    ordered: list[type[models.Model]] = []
    while pending:
        for model in pending:
            targets = {
                field.related_model
                for field in model._meta.concrete_fields
                if field.is_relation and field.related_model is not model
            }
            if not any(target in pending for target in targets):
                ordered.append(model)
                pending.remove(model)
                break
        else:  # a cycle: cannot happen with today's models, and would be a bug to fix here
            raise RuntimeError(f"circular references among {[m._meta.label for m in pending]}")
    return ordered


def _columns(model) -> list[models.Field]:
    return [
        field
        for field in model._meta.concrete_fields
        if type(field).__name__ not in SKIPPED_FIELD_TYPES
    ]


def _model_label(model) -> str:
    return model._meta.label_lower


def iter_records(using: str = "default") -> Iterator[dict]:
    """Every record of the database `using`, in file order (streamed, constant memory)."""
    for group in Group.objects.using(using).order_by("name").iterator():
        permissions = group.permissions.using(using).values_list(
            "content_type__app_label", "codename"
        )
        yield {
            "model": "auth.group",
            "row": {"name": group.name, "permissions": sorted(f"{a}.{c}" for a, c in permissions)},
        }
    user_model = get_user_model()
    roles: dict[int, list[str]] = {}
    memberships = user_model.groups.through.objects.using(using).values_list(
        "user_id", "group__name"
    )
    for user_id, name in memberships.order_by("user_id", "group__name").iterator():
        roles.setdefault(user_id, []).append(name)
    granted: dict[int, list[str]] = {}
    grants = user_model.user_permissions.through.objects.using(using).values_list(
        "user_id", "permission__content_type__app_label", "permission__codename"
    )
    for user_id, app_label, codename in grants.order_by("user_id").iterator():
        granted.setdefault(user_id, []).append(f"{app_label}.{codename}")
    for values in (
        user_model.objects.using(using).order_by("pk").values_list(*USER_FIELDS).iterator()
    ):
        row = {name: _plain(value) for name, value in zip(USER_FIELDS, values, strict=True)}
        row["roles"] = roles.get(row["id"], [])
        row["permissions"] = sorted(granted.get(row["id"], []))
        yield {"model": "auth.user", "row": row}
    for model in data_models():
        names = [field.attname for field in _columns(model)]
        rows = model._base_manager.using(using).order_by("pk").values_list(*names)
        for values in rows.iterator(chunk_size=2000):
            row = {name: _plain(value) for name, value in zip(names, values, strict=True)}
            yield {"model": _model_label(model), "row": row}


class Summary:
    """Counts per model and the checksum over the record lines, built as records pass."""

    def __init__(self):
        self.counts: dict[str, int] = {}
        self._digest = hashlib.sha256()

    def add(self, line: str) -> None:
        self._digest.update(line.encode("utf-8") + b"\n")

    def count(self, label: str) -> None:
        self.counts[label] = self.counts.get(label, 0) + 1

    @property
    def checksum(self) -> str:
        return "sha256:" + self._digest.hexdigest()

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def summarize(using: str = "default") -> Summary:
    """Counts and checksum of what the database holds now (what an export would write)."""
    summary = Summary()
    for record in iter_records(using):
        summary.add(canonical(record))
        summary.count(record["model"])
    return summary


def header(using: str) -> dict:
    return {
        "format": FORMAT,
        "version": VERSION,
        "vendor": connections[using].vendor,
        "exported_at": _plain(timezone.now()),
    }


# --- import -------------------------------------------------------------------------------


# Tables whose rows a migration seeds (the rating label table, issue 13): a freshly migrated
# database holds them, and a restore replaces them with the backup's own.
SEEDED = {"claims.ratinglabel"}


def occupied(using: str) -> dict[str, int]:
    """The tables that already hold rows (groups and seeded tables do not count: migrations
    create them)."""
    found = {}
    for model in [get_user_model(), *data_models()]:
        if _model_label(model) in SEEDED:
            continue
        n = model._base_manager.using(using).count()
        if n:
            found[_model_label(model)] = n
    return found


class Loader:
    """Writes records into the database `using`, in batches, inside the caller's transaction."""

    BATCH = 1000

    def __init__(self, using: str):
        self.using = using
        self.models = {_model_label(model): model for model in data_models()}
        self.user_model = get_user_model()
        self._batch: list[models.Model] = []
        self._batch_model = None
        self._groups: dict[str, Group] = {}
        self.unknown_permissions: set[str] = set()

    def replace_seeded(self) -> None:
        """Removes the rows migrations seeded, which the backup's own rows replace."""
        for label in SEEDED:
            model = self.models[label]
            model._base_manager.using(self.using).all().delete()
            # The deletion's own audit rows too: the backup's history is the history.
            model.history.model._base_manager.using(self.using).all().delete()

    def add(self, record: dict) -> None:
        label, row = record["model"], record["row"]
        if label == "auth.group":
            self._add_group(row)
        elif label == "auth.user":
            self._add_user(row)
        elif label in self.models:
            model = self.models[label]
            if model is not self._batch_model:
                self.flush()
                self._batch_model = model
            self._batch.append(self._instance(model, row))
            if len(self._batch) >= self.BATCH:
                self.flush()
        else:
            raise ValueError(f"unknown model {label!r}: the file is from another version")

    def flush(self) -> None:
        if self._batch:
            # bulk_create: no save() logic (versions, re-anchoring) and no signals; the rows
            # are restored exactly as they were.
            self._batch_model._base_manager.using(self.using).bulk_create(self._batch)
            self._batch = []

    def finish(self) -> None:
        self.flush()
        connection = connections[self.using]
        statements = connection.ops.sequence_reset_sql(
            no_style(), [self.user_model, *self.models.values()]
        )
        with connection.cursor() as cursor:
            for sql in statements:  # next ids continue after the imported ones (PostgreSQL)
                cursor.execute(sql)
        from claims.models import Claim

        Claim.objects.using(self.using).all().refresh_search_vectors()

    def _instance(self, model, row: dict) -> models.Model:
        values = {}
        for field in _columns(model):
            value = row.get(field.attname)
            if value is not None and isinstance(field, (models.DateField, models.DecimalField)):
                value = field.to_python(value)
            values[field.attname] = value
        return model(**values)

    def _permissions(self, names: list[str]) -> list[Permission]:
        found = []
        for name in names:
            app_label, _, codename = name.partition(".")
            permission = (
                Permission.objects.using(self.using)
                .filter(content_type__app_label=app_label, codename=codename)
                .first()
            )
            if permission is None:
                self.unknown_permissions.add(name)
            else:
                found.append(permission)
        return found

    def _add_group(self, row: dict) -> None:
        group, _ = Group.objects.using(self.using).get_or_create(name=row["name"])
        group.permissions.set(self._permissions(row["permissions"]))
        self._groups[group.name] = group

    def _add_user(self, row: dict) -> None:
        fields = {name: row[name] for name in USER_FIELDS}
        for name in ("date_joined", "last_login"):
            if fields[name] is not None:
                fields[name] = datetime.fromisoformat(fields[name].replace("Z", "+00:00"))
        # No password travels in the file: the account needs a new one (or a token).
        user = self.user_model(password=make_password(None), **fields)
        user.save(using=self.using, force_insert=True)
        for name in row["roles"]:
            group = self._groups.get(name)
            if group is None:
                group, _ = Group.objects.using(self.using).get_or_create(name=name)
                self._groups[name] = group
            user.groups.add(group)
        # Files written before users' own permissions were exported have none.
        user.user_permissions.set(self._permissions(row.get("permissions", [])))


class auto_timestamps_off:
    """Within the block, auto_now/auto_now_add fields keep the values they are given."""

    def __enter__(self):
        self._saved = []
        for model in data_models():
            for field in model._meta.concrete_fields:
                if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                    self._saved.append((field, field.auto_now, field.auto_now_add))
                    field.auto_now = field.auto_now_add = False
        return self

    def __exit__(self, *exc_info):
        for field, auto_now, auto_now_add in self._saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add
        return False
