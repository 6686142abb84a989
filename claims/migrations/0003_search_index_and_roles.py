"""The full-text GIN index (PostgreSQL only) and the editor/reviewer groups with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GIN_INDEX = "claims_claim_search_gin"

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
# Editors may delete these; claims and sources are deleted by staff only.
DELETABLE = {"claimactor", "claimcountry", "citation", "actor", "event", "publisher"}


def add_gin_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {GIN_INDEX} ON claims_claim USING gin (search_vector)"
        )


def drop_gin_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {GIN_INDEX}")


def role_permission_codes() -> dict[str, list[tuple[str, str]]]:
    """Each role group and its permissions as (app_label, codename) pairs."""
    editor = []
    for app, model in EDITABLE:
        editor += [(app, f"view_{model}"), (app, f"add_{model}"), (app, f"change_{model}")]
        if model in DELETABLE:
            editor.append((app, f"delete_{model}"))
    editor.append(("claims", "view_review"))
    return {"editor": editor, "reviewer": [*editor, ("claims", "add_review")]}


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


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    set_role_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["editor", "reviewer"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0002_search_vector"),
        ("sources", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(add_gin_index, drop_gin_index),
        migrations.RunPython(create_groups, remove_groups),
    ]
