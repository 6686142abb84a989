"""`manage.py compact_tallies [--recount] [--check]`: the claims' running totals (claims.stats).

The totals are rows of changes that the stats endpoint sums; a read that summed many compacts
its own country's rows, so this is for after bulk loads and for a nightly cron. `--recount`
counts them again from the claims (after writes made with the triggers disabled); `--check`
compares them with a count from the claims and exits 1 on a difference, changing nothing.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from claims import stats
from claims.models import ClaimTally


class Command(BaseCommand):
    help = "Fold the claims' running totals into one row per key (or count them again)."

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        what = parser.add_mutually_exclusive_group()
        what.add_argument(
            "--recount", action="store_true", help="Count the totals again from the claims."
        )
        what.add_argument(
            "--check",
            action="store_true",
            help="Compare the totals with a count from the claims; exit 1 if they differ.",
        )

    def handle(self, *args, database, recount, check, **options):
        if check:
            differences = stats.differences(using=database)
            for line in differences[:20]:
                self.stdout.write(line)
            if differences:
                raise CommandError(
                    f"{len(differences)} totals differ from the claims: "
                    "run `manage.py compact_tallies --recount`."
                )
            self.stdout.write("The totals equal a count from the claims.")
            return
        before = ClaimTally.objects.using(database).count()
        if recount:
            stats.recount(using=database)
            rows = ClaimTally.objects.using(database).count()
            self.stdout.write(f"Counted again from the claims: {rows:,} rows.")
            return
        left = stats.compact(using=database)
        self.stdout.write(f"Compacted {before:,} rows into {left:,}.")
