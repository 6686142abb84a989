import json

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, transaction

from claims import stats
from claims.backup import FORMAT, VERSION, Loader, auto_timestamps_off, occupied, summarize


class Command(BaseCommand):
    help = (
        "Load a file written by export_data into an empty, migrated database, in one "
        "transaction, and verify counts and checksum against the file."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, file, database, **options):
        try:
            source = open(file, encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"file: cannot read {file}: {exc.strerror}") from None
        with source:
            try:
                return self._import(source, file, database)
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise CommandError(
                    f"{file}: not a valid export ({exc}); nothing imported"
                ) from None

    def _import(self, source, file: str, database: str) -> None:
        first = json.loads(source.readline() or "{}")
        if first.get("format") != FORMAT or first.get("version") != VERSION:
            raise CommandError(f"{file}: not a {FORMAT} file of version {VERSION}")
        # A restore never merges into existing data: ids would collide or, worse, mix.
        found = occupied(database)
        if found:
            listed = ", ".join(f"{n} {label}" for label, n in found.items())
            raise CommandError(
                f"The target database is not empty ({listed}). import_data restores into an "
                "empty, migrated database; to replace this one, run `manage.py flush` first."
            )
        end = None
        with transaction.atomic(using=database), auto_timestamps_off():
            loader = Loader(database)
            loader.replace_seeded()
            for number, line in enumerate(source, start=2):
                record = json.loads(line)
                if record.get("end"):
                    end = record
                    break
                try:
                    loader.add(record)
                except ValueError as exc:
                    raise CommandError(f"{file}, line {number}: {exc}") from None
            if end is None:
                raise CommandError(
                    f"{file}: the file is cut short (no end record); nothing imported"
                )
            loader.finish()
            result = summarize(database)
            if result.counts != end["counts"] or result.checksum != end["checksum"]:
                raise CommandError(
                    f"The imported data does not match {file} (counts {result.counts} against "
                    f"{end['counts']}; checksum {result.checksum} against {end['checksum']}); "
                    "nothing imported"
                )
        # The claims' running totals are not in the file: the triggers counted them while the
        # claims went in, as changes folded once here.
        stats.compact(using=database)
        for label, n in result.counts.items():
            self.stdout.write(f"{label}: {n}")
        self.stdout.write(
            f"imported {result.total} records from {file} (exported from {first['vendor']})"
        )
        self.stdout.write(f"checksum {result.checksum} (matches the file)")
        if loader.unknown_permissions:
            missing = ", ".join(sorted(loader.unknown_permissions))
            self.stdout.write(f"warning: permissions unknown here, not given to groups: {missing}")
        if result.counts.get("auth.user"):
            self.stdout.write("users have no password: set one (changepassword) or issue a token")
