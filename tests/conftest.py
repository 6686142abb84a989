import importlib
import os
import sys
import threading

import pytest
from django.apps import apps as global_apps
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.db.models.signals import post_migrate
from django.dispatch import receiver
from django.test.utils import override_settings
from rest_framework.test import APIClient

from tests.factories import UserFactory

ROLES_MIGRATION = importlib.import_module("claims.migrations.0010_topics_and_positions")


def _fuzzing_counts() -> dict | None:
    """What tests/test_schemathesis.py sent and validated, per operation, in this process."""
    fuzzing = sys.modules.get("tests.test_schemathesis")
    if fuzzing is None or not fuzzing.SENT:
        return None
    return {
        "sent": fuzzing.SENT,
        "validated": fuzzing.VALIDATED_2XX,
        "max_examples": fuzzing.MAX_EXAMPLES,
        "share": fuzzing.SHARE,
    }


def pytest_terminal_summary(terminalreporter):
    """What schemathesis sent and how many success answers it validated, per operation."""
    counts = _fuzzing_counts()
    if counts is None:
        return
    sent, validated = counts["sent"], counts["validated"]
    terminalreporter.write_sep("-", "schemathesis: 2xx answers validated / requests sent")
    for label in sorted(sent, key=lambda label: (label.split()[1], label)):
        terminalreporter.write_line(f"{validated[label]:5} / {sent[label]:4}  {label}")
    terminalreporter.write_line(
        f"schemathesis: {sum(sent.values())} requests to {len(sent)} operations, "
        f"{sum(validated.values())} 2xx answers validated, "
        f"{sum(1 for label in sent if not validated[label])} operations without one "
        f"(hypothesis max_examples={counts['max_examples']} per operation and mode; "
        f"share {counts['share']} of the operations)"
    )


@pytest.fixture(scope="session")
def django_db_modify_db_settings_parallel_suffix(
    django_db_modify_db_settings_tox_suffix, django_db_modify_db_settings_xdist_suffix
):
    """A test database of its own for each schemathesis share running beside the others
    (./dev test), as pytest-django gives each pytest-xdist worker one."""
    from pytest_django.fixtures import _set_suffix_to_test_databases

    share = os.environ.get("CLAIMTRACK_SCHEMATHESIS_SHARD", "")
    if share:
        _set_suffix_to_test_databases(suffix="share" + share.split("/")[0])


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need PostgreSQL; on SQLite they are skipped with a reason.

    `.ci/run` runs the whole suite a second time on PostgreSQL, where they run.
    """
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(
                pytest.mark.skipif(
                    connection.vendor != "postgresql",
                    reason="needs PostgreSQL: run with DATABASE_URL=postgres://… (.ci/run does)",
                )
            )


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing():
    """Real hashers are slow on purpose; tests create many users."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True, scope="session")
def static_files_without_collectstatic():
    """Tests run with DEBUG off but without `collectstatic`: serve static files from the apps."""
    with override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        WHITENOISE_USE_FINDERS=True,
        WHITENOISE_AUTOREFRESH=True,
    ):
        yield


@pytest.fixture
def superuser(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture(autouse=True)
def fresh_cache():
    """Throttle counters live in the cache; each test starts with none. So do the per-process
    caches of mentions and suggestions: a rolled-back test database reuses ids."""
    from claims.suggestions import forget_cached_results

    cache.clear()
    forget_cached_results()
    yield
    cache.clear()


@receiver(post_migrate, dispatch_uid="tests.restore_migration_data")
def restore_migration_data(sender, using, apps=global_apps, **kwargs) -> None:
    """What migrations wrote — the role groups, the rating label table — put back after a
    flush, which ends every transactional test and then sends post_migrate: without this, the
    tests run after it in the same process would find them missing.

    Run once all apps' permissions exist (claims is the last app), with the models of the
    state migrated to; nothing to do in a state before those tables (the migration tests).
    Written as the migrations write them: rating labels without audit rows (an audit row would
    make the database look used to import_data, which would then refuse to restore into it).
    """
    if sender.label != "claims" or using != DEFAULT_DB_ALIAS:
        return
    try:
        Group, Permission = apps.get_model("auth", "Group"), apps.get_model("auth", "Permission")
        RatingLabel = apps.get_model("claims", "RatingLabel")
    except LookupError:
        return
    from claims.claimreview.ratings import seed_rating_labels

    if Group.objects.filter(name__in=["editor", "reviewer"]).count() < 2:
        ROLES_MIGRATION.set_role_groups(Group, Permission)
    if not RatingLabel.objects.exists():
        seed_rating_labels(RatingLabel)


@pytest.fixture(scope="module")
def module_rows(django_db_setup, django_db_blocker):
    """Rows written once for a whole module (Django's TestCase.setUpTestData, for pytest): a
    transaction open across the module's tests, each of which runs in a savepoint of it
    (pytest-django's `db`), rolled back after the last. A module-scoped fixture asks for this
    one and writes its rows `with module_rows():`; tests get copies (copy.deepcopy, as
    Django's TestData does, or a fresh read) so that what one test changes in memory does not
    reach the next. Not for modules with transactional tests, whose flush would empty them."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
    yield django_db_blocker.unblock
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


# Deleting claims and sources: permissions of their own, which no role group carries.
DELETE_PERMISSIONS = ("claims.delete_claim", "sources.delete_source")


def run_at_once(target, arguments) -> None:
    """Call `target(argument)` for each argument, each in a thread of its own (so on a database
    connection of its own, closed when it is done), and wait for every one: concurrent writers,
    as production's workers are."""

    def run(argument) -> None:
        try:
            target(argument)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(argument,)) for argument in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def user_with_role(username: str, *roles: str, permissions=(), **fields):
    """A user in the role groups `roles`, also granted `permissions` ("app.codename")."""
    from django.contrib.auth.models import Permission

    user = UserFactory(username=username, **fields)
    user.groups.set(Group.objects.filter(name__in=roles))
    for label in permissions:
        app_label, codename = label.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


@pytest.fixture
def editor(db):
    return user_with_role("editor", "editor")


@pytest.fixture
def reviewer(db):
    return user_with_role("reviewer", "reviewer")


@pytest.fixture
def staff(db):
    """A reviewer who may also delete claims and sources (and use the admin)."""
    return user_with_role("staff", "reviewer", is_staff=True, permissions=DELETE_PERMISSIONS)


@pytest.fixture
def api_client(db):
    return APIClient()


def _client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def editor_client(editor):
    return _client_for(editor)


@pytest.fixture
def reviewer_client(reviewer):
    return _client_for(reviewer)


@pytest.fixture
def staff_client(staff):
    return _client_for(staff)
