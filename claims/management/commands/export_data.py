import json
import os
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, transaction

from claims.backup import Summary, canonical, header, iter_records


def private_file(path: str):
    """`path` opened for writing (truncated), readable by its owner only: the export holds
    e-mail addresses. An existing file is made private before anything is written to it."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(descriptor, 0o600)  # the mode above applies only to a new file
    except OSError:
        os.close(descriptor)
        raise
    return open(descriptor, "w", encoding="utf-8")  # noqa: SIM115 (closed by the caller)


class Command(BaseCommand):
    help = (
        "Write the whole database (claims, sources, citations, reviews, history, users' roles; "
        "no passwords or tokens) to FILE as JSON Lines, and print counts and a checksum."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help='Where to write; "-" writes to standard output.')
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, file, database, **options):
        try:
            out = sys.stdout if file == "-" else private_file(file)
        except OSError as exc:
            raise CommandError(f"file: cannot write {file}: {exc.strerror}") from None
        summary = Summary()
        # One snapshot: rows written while the export runs cannot make it inconsistent
        # (PostgreSQL REPEATABLE READ would be stricter; one transaction is what Django gives).
        with out, transaction.atomic(using=database):
            out.write(json.dumps(header(database)) + "\n")
            for record in iter_records(database):
                line = canonical(record)
                out.write(line + "\n")
                summary.add(line)
                summary.count(record["model"])
            out.write(
                canonical({"end": True, "counts": summary.counts, "checksum": summary.checksum})
                + "\n"
            )
        report = self.stderr if file == "-" else self.stdout
        for label, n in summary.counts.items():
            report.write(f"{label}: {n}")
        report.write(f"exported {summary.total} records to {file}")
        report.write(f"checksum {summary.checksum}")
