"""`manage.py import_claimreview FILE`: read other fact-checkers' ClaimReview into claimtrack."""

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from claims.claimreview import ImportFormatError, import_claimreview


class Command(BaseCommand):
    help = (
        "Import other fact-checkers' ClaimReview JSON-LD as external reviews (one object, a "
        "list, an @graph, a DataCommons DataFeed, or a Google Fact Check Tools claims:search "
        "response); they never set a claim's status. Bad records are skipped and listed; "
        "re-importing the same file creates nothing new. Exits 1 only when the file cannot be "
        "read as JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the JSON file.")
        parser.add_argument(
            "--user", help="Username recorded as the importer of the reviews and in history."
        )

    def handle(self, *args, file, user=None, **options):
        importer = None
        if user:
            importer = get_user_model().objects.filter(username=user).first()
            if importer is None:
                raise CommandError(f"There is no user named {user!r}.")
        try:
            with open(file, encoding="utf-8-sig") as handle:
                data = json.load(handle)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}.") from None
        except UnicodeDecodeError:
            raise CommandError(f"{file} is not UTF-8 text.") from None
        except json.JSONDecodeError as error:
            raise CommandError(
                f"{file} is not valid JSON: {error.msg} "
                f"(line {error.lineno}, column {error.colno})."
            ) from None

        try:
            report = import_claimreview(data, user=importer)
        except ImportFormatError as error:
            raise CommandError(f"{file}: {' '.join(error.messages)}") from None

        for line in report.problems:
            self.stderr.write(f"skipped {line}")
        for reason, count in sorted(report.skipped_by_reason.items()):
            self.stderr.write(f"skipped {count}: {reason}")
        for line in report.warnings:
            self.stderr.write(f"warning {line}")
        for label in report.unmapped_labels:
            self.stderr.write(f"unmapped label “{label}”: map it in the admin (Rating labels)")
        self.stdout.write(self.style.SUCCESS(report.summary()))
