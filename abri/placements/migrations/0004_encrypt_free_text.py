"""Free text typed by people is encrypted at rest, existing rows included (issue 12, item 9).

Each column is made plain and nullable, every row's text is sealed with its row id as associated
data (``abri.core.encrypt_migration``), then the field becomes encrypted. Reversible.

Runs after ``0003_end_stale_holds``, which bulk-updates proposals: once encrypted, these fields
refuse ``QuerySet.update()`` (that migration writes the status only, for the same reason).
"""

from django.db import migrations, models

import abri.core.fields
from abri.core.encrypt_migration import encrypt_in_place


class Migration(migrations.Migration):
    dependencies = [
        ("placements", "0003_end_stale_holds"),
    ]

    operations = [
        migrations.AlterField(
            model_name="proposal",
            name="refusal_text",
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="proposal",
            name="closing_reason",
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="transfer",
            name="escort",
            field=models.TextField(blank=True, null=True, verbose_name="escort"),
        ),
        migrations.AlterField(
            model_name="stay",
            name="exit_note",
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="disclosure",
            name="reason",
            field=models.TextField(blank=True, null=True),
        ),
        encrypt_in_place("placements", "proposal", "refusal_text", "closing_reason"),
        encrypt_in_place("placements", "transfer", "escort"),
        encrypt_in_place("placements", "stay", "exit_note"),
        encrypt_in_place("placements", "disclosure", "reason"),
        migrations.AlterField(
            model_name="proposal",
            name="refusal_text",
            field=abri.core.fields.EncryptedTextField(),
        ),
        migrations.AlterField(
            model_name="proposal",
            name="closing_reason",
            field=abri.core.fields.EncryptedTextField(),
        ),
        migrations.AlterField(
            model_name="transfer",
            name="escort",
            field=abri.core.fields.EncryptedTextField(verbose_name="escort"),
        ),
        migrations.AlterField(
            model_name="stay",
            name="exit_note",
            field=abri.core.fields.EncryptedTextField(),
        ),
        migrations.AlterField(
            model_name="disclosure",
            name="reason",
            field=abri.core.fields.EncryptedTextField(),
        ),
    ]
