"""export_data / import_data: the whole database round-trips between SQLite and PostgreSQL."""

import json
import os
import shutil
import stat
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from claims import stats
from claims.models import Claim, ClaimTally, Review
from claims.workflow import claim_review
from tests.conftest import DELETE_PERMISSIONS, user_with_role
from tests.factories import ActorFactory, CitationFactory, ClaimActorFactory, ClaimFactory

ARABIC = "المغرب يعترف \u200f«بالسيادة» 🇲🇦"


def manage(database_url: str, *args: str) -> str:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(DJANGO_DEBUG="1", DATABASE_URL=database_url)
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory):
    """An empty, migrated SQLite file (copied by each test: migrating takes seconds)."""
    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"
    manage(f"sqlite:///{path}", "migrate", "--no-input")
    return path


def checksum(output: str) -> str:
    return next(line for line in output.splitlines() if line.startswith("checksum")).split()[1]


def build_data():
    editor = user_with_role("maryam", "editor", first_name="مريم")
    reviewer = user_with_role("rev", "reviewer")
    user_with_role("chief", "editor", permissions=DELETE_PERMISSIONS)
    claim = ClaimFactory(statement=ARABIC, created_by=editor)
    ClaimActorFactory(claim=claim, actor=ActorFactory(name="ناصر بوريطة", country="MA"))
    citation = CitationFactory(claim=claim, quote="Morocco and the United States held talks")
    claim.statement = ARABIC + " (edited)"
    claim.save()
    claim_review(claim=claim, status="in_review", reviewer=editor)
    claim_review(claim=claim, status="confirmed", reviewer=reviewer, rationale="Two sources.",
                 citations=[citation])  # fmt: skip
    return claim


@pytest.mark.django_db
def test_the_whole_database_round_trips_through_sqlite_and_back(tmp_path, migrated_sqlite):
    exported, copied, back = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    # Build and export inside a transaction that is then rolled back: this database ends empty
    # and receives the data again at the end, having travelled through SQLite.
    with transaction.atomic():
        claim = build_data()
        out = StringIO()
        call_command("export_data", str(exported), stdout=out)
        original = checksum(out.getvalue())
        transaction.set_rollback(True)
    assert not Claim.objects.exists()

    sqlite = tmp_path / "copy.sqlite3"
    shutil.copy(migrated_sqlite, sqlite)
    imported = manage(f"sqlite:///{sqlite}", "import_data", str(exported))
    assert checksum(imported) == original
    assert "claims.historicalclaim: 4" in imported
    re_exported = manage(f"sqlite:///{sqlite}", "export_data", str(copied))
    assert checksum(re_exported) == original
    # The claims' running totals are not in the file: the restore's triggers counted them.
    assert "equal" in manage(f"sqlite:///{sqlite}", "compact_tallies", "--check")

    out = StringIO()
    call_command("import_data", str(copied), stdout=out)  # into this database (SQLite or PG)
    assert checksum(out.getvalue()) == original
    restored = Claim.objects.get(pk=claim.pk)
    assert restored.statement == ARABIC + " (edited)"  # byte-exact
    assert restored.status == "confirmed"
    assert restored.version == claim.version
    assert restored.created_at == claim.created_at
    assert Claim.history.filter(id=claim.pk).count() == 4
    review = Review.objects.get(status_after="confirmed")
    assert list(review.citations.values_list("quote", flat=True)) == [
        "Morocco and the United States held talks"
    ]
    assert review.snapshot["statement"] == ARABIC + " (edited)"
    assert review.snapshot["citations"][0]["cited"] is True
    chief = get_user_model().objects.get(username="chief")
    assert chief.has_perm("claims.delete_claim") and chief.has_perm("sources.delete_source")
    maryam = get_user_model().objects.get(username="maryam")
    assert maryam.first_name == "مريم"
    assert list(maryam.groups.values_list("name", flat=True)) == ["editor"]
    assert not maryam.has_usable_password()
    assert stats.differences() == [] and ClaimTally.objects.exists()
    # New rows continue after the imported ids (PostgreSQL sequences were reset).
    assert ClaimFactory().pk > claim.pk
    call_command("export_data", str(back), stdout=StringIO())


@pytest.mark.django_db
def test_an_export_holds_no_password_hash_and_no_token(tmp_path):
    from knox.models import AuthToken

    user = user_with_role("secretive", "editor")
    _, token = AuthToken.objects.create(user)
    path = tmp_path / "export.jsonl"
    call_command("export_data", str(path), stdout=StringIO())
    text = path.read_text(encoding="utf-8")
    assert user.password not in text
    assert "pbkdf2" not in text
    assert token not in text and token[:8] not in text
    records = [json.loads(line) for line in text.splitlines()]
    assert records[0]["format"] == "claimtrack-export"
    assert records[-1]["counts"]["auth.user"] == 1


@pytest.mark.django_db
@pytest.mark.parametrize("existing_mode", [None, 0o644, 0o666])
def test_an_export_is_readable_by_its_owner_only_new_or_overwritten(tmp_path, existing_mode):
    user_with_role("reporter", "editor", email="reporter@example.org")
    path = tmp_path / "export.jsonl"
    if existing_mode is not None:
        path.write_text("an older export\n")
        path.chmod(existing_mode)
    old_umask = os.umask(0o022)  # a usual umask: it must not decide the mode
    try:
        call_command("export_data", str(path), stdout=StringIO())
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "reporter@example.org" in path.read_text(encoding="utf-8")
    assert "an older export" not in path.read_text(encoding="utf-8")


@pytest.mark.django_db
def test_import_refuses_a_database_that_already_holds_data(tmp_path):
    path = tmp_path / "export.jsonl"
    ClaimFactory()
    call_command("export_data", str(path), stdout=StringIO())
    with pytest.raises(CommandError, match="not empty"):
        call_command("import_data", str(path), stdout=StringIO())
    assert Claim.objects.count() == 1


@pytest.mark.django_db
def test_a_file_cut_short_imports_nothing(tmp_path):
    path = tmp_path / "export.jsonl"
    with transaction.atomic():
        ClaimFactory.create_batch(3)
        call_command("export_data", str(path), stdout=StringIO())
        transaction.set_rollback(True)
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:-2]) + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match="cut short"):
        call_command("import_data", str(path), stdout=StringIO())
    assert not Claim.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_after_a_flush_the_harness_puts_back_what_migrations_wrote_and_a_restore_is_taken():
    """A flush (which ends every transactional test) empties the role groups and the rating
    label table; the harness puts them back as the migrations write them, without audit rows,
    so that a restore into that database is not refused as 'not empty' (the failure CI met
    when a test that imports ran after a transactional one in the same process)."""
    from django.contrib.auth.models import Group

    from claims.backup import occupied
    from claims.models import RatingLabel

    call_command("flush", interactive=False, verbosity=0)
    assert RatingLabel.objects.count() > 500
    assert set(Group.objects.values_list("name", flat=True)) >= {"editor", "reviewer"}
    assert occupied("default") == {}
