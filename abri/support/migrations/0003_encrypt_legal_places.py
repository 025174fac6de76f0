"""Court, outcome and préfecture become encrypted fields, and a hearing records who wrote it.

There is no production data yet: the plain columns are dropped and encrypted ones added (a
plaintext value would fail to decrypt, by design). Demo databases are rebuilt by `seed_demo`.
"""

import django.db.models.deletion
from django.db import migrations, models

import abri.core.fields


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_organisation_sector"),
        ("support", "0002_journal_codes"),
    ]

    operations = [
        migrations.RemoveField(model_name="hearing", name="court"),
        migrations.RemoveField(model_name="hearing", name="outcome"),
        migrations.RemoveField(model_name="residencepermit", name="prefecture"),
        migrations.AddField(
            model_name="hearing",
            name="court",
            field=abri.core.fields.EncryptedTextField(verbose_name="court"),
        ),
        migrations.AddField(
            model_name="hearing",
            name="outcome",
            field=abri.core.fields.EncryptedTextField(verbose_name="outcome"),
        ),
        migrations.AddField(
            model_name="residencepermit",
            name="prefecture",
            field=abri.core.fields.EncryptedTextField(verbose_name="préfecture (département)"),
        ),
        migrations.AddField(
            model_name="hearing",
            name="organisation",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.organisation",
            ),
        ),
    ]
