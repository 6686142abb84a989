"""Running totals of claims per country pair, status and kind (claims.stats), kept by triggers
in the transaction of each write, and counted once here from the claims already stored."""

from django.db import migrations, models

from claims import stats


def install(apps, schema_editor):
    stats.install_triggers(schema_editor.connection)
    stats.recount(using=schema_editor.connection.alias)


def uninstall(apps, schema_editor):
    stats.drop_triggers(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0011_country_rows_carry_the_position'),
    ]

    operations = [
        migrations.CreateModel(
            name='ClaimTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('country', models.CharField(blank=True, max_length=2)),
                ('other', models.CharField(blank=True, max_length=2)),
                ('status', models.CharField(max_length=20)),
                ('kind', models.CharField(max_length=30)),
                ('n', models.BigIntegerField()),
            ],
            options={
                'indexes': [models.Index(fields=['country', 'other', 'status', 'kind'], include=('n',), name='claims_tally_key'), models.Index(condition=models.Q(('country', models.F('other'))), fields=['other', 'status', 'kind'], include=('n',), name='claims_tally_selves')],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
