"""Free text typed by people is encrypted at rest, existing rows included (issue 12, item 9).

Each column is made plain and nullable, every row's text is sealed with its row id as associated
data (``abri.core.encrypt_migration``), then the field becomes encrypted. Reversible.
"""

from django.db import migrations, models

import abri.core.fields
from abri.core.encrypt_migration import encrypt_in_place


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0005_person_country_of_origin_person_exploitation_place_and_more"),
    ]

    operations = [
        migrations.AlterField(
            model_name="request",
            name="decision_reason",
            field=models.TextField(blank=True, null=True, verbose_name="reason"),
        ),
        migrations.AlterField(
            model_name="requestevent",
            name="reason",
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="consent",
            name="obtained_by",
            field=models.TextField(blank=True, null=True, verbose_name="obtained by"),
        ),
        encrypt_in_place("referrals", "request", "decision_reason"),
        encrypt_in_place("referrals", "requestevent", "reason"),
        encrypt_in_place("referrals", "consent", "obtained_by"),
        migrations.AlterField(
            model_name="request",
            name="decision_reason",
            field=abri.core.fields.EncryptedTextField(verbose_name="reason"),
        ),
        migrations.AlterField(
            model_name="requestevent",
            name="reason",
            field=abri.core.fields.EncryptedTextField(),
        ),
        migrations.AlterField(
            model_name="consent",
            name="obtained_by",
            field=abri.core.fields.EncryptedTextField(verbose_name="obtained by"),
        ),
    ]
