"""Realistic synthetic claims at scale for the benchmarks (see bench/synthetic.py).

    DATABASE_URL=… DJANGO_DEBUG=1 python -m bench.generate --claims 1000000 --seed 1 \\
        --reset --no-input

Benchmark tooling, not part of the application: it writes straight to the tables what the
application would write (tests/bench/test_generate.py compares a generated claim, read
through the API, with one created through the API).
"""

import os
import sys
import time

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

# Everything --reset empties: the data of both apps and its history (users stay).
RESET_APPS = ("claims", "sources")


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"


class Progress:
    """A progress line on stderr: claims done, rows per second and the time left."""

    def __init__(self, stream, *, enabled: bool) -> None:
        self.stream = stream
        self.enabled = enabled
        self.started = time.monotonic()
        self.last_line = 0.0
        self.tty = stream.isatty()

    def __call__(self, done: int, total: int, rows: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        # On a terminal the line is redrawn in place; in a log, one line every 10 seconds.
        if done < total and now - self.last_line < (0.2 if self.tty else 10):
            return
        self.last_line = now
        elapsed = max(now - self.started, 1e-6)
        rate = done / elapsed
        eta = (total - done) / rate if rate else 0
        line = (
            f"{done:,}/{total:,} claims ({100 * done // total}%)  {rate:,.0f} claims/s  "
            f"{rows / elapsed:,.0f} rows/s  elapsed {_duration(elapsed)}  ETA {_duration(eta)}"
        )
        if self.tty:
            self.stream.write(f"\r\033[K{line}" + ("\n" if done >= total else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def _positive(name: str, value: int, minimum: int = 1) -> int:
    if value < minimum:
        raise CommandError(f"--{name} must be at least {minimum}; got {value}.")
    return value


class Command(BaseCommand):
    help = (
        "Create realistic synthetic claims with participants, countries, events, sources and "
        "citations (exact quotes), deterministically for a seed. Bulk writes (COPY on "
        "PostgreSQL) that bypass signals but fill derived countries, versions and history."
    )

    def add_arguments(self, parser):
        from bench.synthetic import BLOCK

        parser.add_argument("--claims", type=int, required=True, help="How many claims to create.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=10_000,
            help=f"Claims per transaction, rounded down to a multiple of {BLOCK} (default 10000).",
        )
        parser.add_argument(
            "--no-history",
            action="store_true",
            help='Skip the "+" historical rows (faster; the admin then shows no creation entry).',
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="First delete ALL claims, sources, actors, events, publishers and their history.",
        )
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="Do not ask to confirm --reset.",
        )
        parser.add_argument("--quiet", action="store_true", help="No progress line.")

    def handle(self, *args, claims, seed, batch_size, no_history, reset, interactive, quiet,
               **options):  # fmt: skip
        # Imported here: the models load only once Django is set up (see main()).
        from bench.synthetic import BLOCK, MODELS, Generator, table_counts, writer_for_connection

        _positive("claims", claims)
        _positive("batch-size", batch_size, BLOCK)
        missing = {m._meta.db_table for m in MODELS} - set(connection.introspection.table_names())
        if missing:
            raise CommandError(
                f"The database has no {', '.join(sorted(missing))} table: run `manage.py migrate`."
            )
        if reset:
            self._reset(interactive)

        started = time.monotonic()
        generator = Generator(
            claims=claims,
            seed=seed,
            batch_size=batch_size,
            writer=writer_for_connection(history=not no_history),
            progress=Progress(self.stderr._out, enabled=not quiet),
        )
        try:
            rows = generator.run()
        except KeyboardInterrupt:
            raise CommandError("Interrupted; the batches already committed stay.") from None
        # The triggers wrote the claims' running totals as changes, a few per claim: folded
        # once here, as `compact_tallies` would be after any bulk load.
        from claims import stats  # after django.setup() (main)

        left = stats.compact()
        elapsed = time.monotonic() - started
        self.stdout.write(f"Claims' running totals compacted into {left:,} rows.")
        self.stdout.write(
            f"Created {claims:,} claims ({rows:,} rows{'' if no_history else ' plus history'}) "
            f"in {elapsed:.1f}s: {claims / elapsed:,.0f} claims/s."
        )
        if options["verbosity"] > 1:
            for table, count in table_counts().items():
                self.stdout.write(f"  {table}: {count:,}")

    def _reset(self, interactive: bool) -> None:
        if interactive:
            if not sys.stdin.isatty():
                raise CommandError("--reset needs confirmation: add --no-input to skip it.")
            answer = input(
                f"This deletes every claim, source, actor, event and publisher in "
                f"{connection.settings_dict['NAME']!r}, with their history. Type 'yes': "
            )
            if answer.strip() != "yes":
                raise CommandError("Reset cancelled; nothing was changed.")
        tables = [
            model._meta.db_table
            for app in RESET_APPS
            for model in apps.get_app_config(app).get_models(include_auto_created=True)
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Deferred foreign-key checks still pending in this transaction block TRUNCATE.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
            else:
                # Children first: foreign keys would refuse the parents. The claims' totals
                # last: the triggers write changes to them while the claims go.
                for table in [
                    *reversed(tables),
                    apps.get_model("claims", "ClaimTally")._meta.db_table,
                ]:
                    cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimtrack.settings")
    # A bulk job, not a request: the first batch's search-vector UPDATE, on tables not yet
    # analysed, outlasts a request's statement timeout (it stopped a 1M run after 10k claims).
    os.environ.setdefault("CLAIMTRACK_STATEMENT_TIMEOUT_MS", "0")
    import django

    django.setup()
    Command().run_from_argv(["python -m bench.generate", "generate_data", *argv])


if __name__ == "__main__":
    main(sys.argv[1:])
