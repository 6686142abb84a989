"""A source's language tag is at most 35 characters (the validator says so, as the column does):
the validator changes, the column does not."""

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sources', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='historicalsource',
            name='language',
            field=models.CharField(blank=True, help_text='BCP 47, e.g. en', max_length=35, validators=[django.core.validators.RegexValidator('^(?=.{2,35}\\Z)[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*\\Z', 'Give a BCP 47 language tag such as en, ar or fr-MA.')]),
        ),
        migrations.AlterField(
            model_name='source',
            name='language',
            field=models.CharField(blank=True, help_text='BCP 47, e.g. en', max_length=35, validators=[django.core.validators.RegexValidator('^(?=.{2,35}\\Z)[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*\\Z', 'Give a BCP 47 language tag such as en, ar or fr-MA.')]),
        ),
    ]
