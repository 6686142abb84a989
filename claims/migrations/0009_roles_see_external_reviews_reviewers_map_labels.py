"""Roles for other fact-checkers' verdicts: editors and reviewers see external reviews and the
rating label table; reviewers also map labels (add and change rating labels), since a label's
bucket rates every external review that carries it. External reviews are written by imports
only; deleting one or a label is a permission no role group carries.
"""

import importlib

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES_0006 = importlib.import_module("claims.migrations.0006_role_permissions_and_review_snapshots")


def role_permission_codes() -> dict[str, list[tuple[str, str]]]:
    """Each role group and its permissions as (app_label, codename) pairs."""
    roles = ROLES_0006.role_permission_codes()
    seen = [("claims", "view_externalreview"), ("claims", "view_ratinglabel")]
    mapping = [("claims", "add_ratinglabel"), ("claims", "change_ratinglabel")]
    return {
        "editor": [*roles["editor"], *seen],
        "reviewer": [*roles["reviewer"], *seen, *mapping],
    }


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


class Migration(migrations.Migration):
    dependencies = [("claims", "0008_seed_rating_labels_and_move_imported_reviews")]

    operations = [migrations.RunPython(update_groups, migrations.RunPython.noop)]
