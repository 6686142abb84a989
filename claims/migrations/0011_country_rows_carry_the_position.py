"""A claim's subject country rows carry the claim's position (ClaimCountry.position), so that a
country's statements are found by the country alone; filled here for the claims that state one.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_positions(apps, schema_editor):
    Claim = apps.get_model("claims", "Claim")
    ClaimCountry = apps.get_model("claims", "ClaimCountry")
    claim_position = Claim.objects.filter(pk=OuterRef("claim_id")).values("position_id")[:1]
    ClaimCountry.objects.filter(role="subject", claim__position__isnull=False).update(
        position_id=Subquery(claim_position)
    )


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0010_topics_and_positions'),
    ]

    operations = [
        migrations.AddField(
            model_name='claimcountry',
            name='position',
            field=models.ForeignKey(db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='claims.topicposition'),
        ),
        migrations.AddIndex(
            model_name='claimcountry',
            index=models.Index(condition=models.Q(('position__isnull', False)), fields=['country', 'position'], name='claims_claimcountry_stating'),
        ),
        migrations.AddIndex(
            model_name='claimcountry',
            index=models.Index(condition=models.Q(('position__isnull', False)), fields=['position'], name='claims_claimcountry_position'),
        ),
        migrations.RunPython(copy_positions, migrations.RunPython.noop),
    ]
