"""The database cache table, created by `migrate` whatever settings it runs under.

With `DJANGO_DEBUG` off and no `REDIS_URL`, the rate-limit counters live in this table
(claimtrack/settings.py). A deployment may migrate under other settings than it serves with (a
release step with `DJANGO_DEBUG=1`, the benchmark's set-up): the table must exist all the same,
so it is a migration, not a `createcachetable` that depends on the settings of the moment.
"""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

CACHE_TABLE = "claimtrack_cache"


def create_cache_table(apps, schema_editor) -> None:
    # Django's own table definition; it does nothing when the table exists already.
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, CACHE_TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor) -> None:
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = []
    operations = [migrations.RunPython(create_cache_table, drop_cache_table, elidable=False)]
