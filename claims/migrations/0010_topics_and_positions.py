"""Topics, their ordered positions, and the position a claim states (claims.positions).

Roles: editors also view, add and change topics and view, add, change and delete their
positions (a topic itself is deleted by whoever holds `claims.delete_topic`).
"""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
import importlib

from django.contrib.auth.management import create_permissions
from django.db import migrations, models

PREVIOUS_ROLES = importlib.import_module(
    "claims.migrations.0009_roles_see_external_reviews_reviewers_map_labels"
)
TOPIC_PERMISSIONS = [
    ("claims", f"{action}_{model}")
    for model, actions in (
        ("topic", ("view", "add", "change")),
        ("topicposition", ("view", "add", "change", "delete")),
    )
    for action in actions
]


def role_permission_codes() -> dict[str, list[tuple[str, str]]]:
    """Each role group and its permissions as (app_label, codename) pairs."""
    return {
        role: [*codes, *TOPIC_PERMISSIONS]
        for role, codes in PREVIOUS_ROLES.role_permission_codes().items()
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

    dependencies = [
        ('claims', '0009_roles_see_external_reviews_reviewers_map_labels'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Topic',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('slug', models.SlugField(max_length=100, unique=True)),
                ('question', models.CharField(help_text='The question, in plain words.', max_length=300)),
                ('description', models.TextField(blank=True)),
            ],
            options={
                'ordering': ['question', 'id'],
            },
        ),
        migrations.CreateModel(
            name='HistoricalTopic',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('slug', models.SlugField(max_length=100)),
                ('question', models.CharField(help_text='The question, in plain words.', max_length=300)),
                ('description', models.TextField(blank=True)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical topic',
                'verbose_name_plural': 'historical topics',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalTopicPosition',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('key', models.SlugField(help_text='A short stable name, e.g. recognises-ma.')),
                ('label', models.CharField(max_length=200)),
                ('order', models.PositiveSmallIntegerField(default=0, help_text='Its place in the legend.')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('topic', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='claims.topic')),
            ],
            options={
                'verbose_name': 'historical position',
                'verbose_name_plural': 'historical positions',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='TopicPosition',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.SlugField(help_text='A short stable name, e.g. recognises-ma.')),
                ('label', models.CharField(max_length=200)),
                ('order', models.PositiveSmallIntegerField(default=0, help_text='Its place in the legend.')),
                ('topic', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='positions', to='claims.topic')),
            ],
            options={
                'verbose_name': 'position',
                'ordering': ['topic', 'order', 'id'],
            },
        ),
        migrations.AddField(
            model_name='claim',
            name='position',
            field=models.ForeignKey(blank=True, help_text='The position on a topic this claim states for its subject country, from its date on (claims.positions).', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='claims', to='claims.topicposition'),
        ),
        migrations.AddField(
            model_name='historicalclaim',
            name='position',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text='The position on a topic this claim states for its subject country, from its date on (claims.positions).', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='claims.topicposition'),
        ),
        migrations.AddConstraint(
            model_name='topicposition',
            constraint=models.UniqueConstraint(fields=('topic', 'key'), name='claims_topicposition_unique_key'),
        ),
        migrations.RunPython(update_groups, migrations.RunPython.noop),
    ]
