"""Free text typed by people is encrypted at rest, existing rows included (issue 12, item 9).

Each column is made plain and nullable, every row's text is sealed with its row id as associated
data (``abri.core.encrypt_migration``), then the field becomes encrypted. Reversible.
"""

from django.db import migrations, models

import abri.core.fields
from abri.core.encrypt_migration import encrypt_in_place


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="weightset",
            name="note",
            field=models.TextField(blank=True, null=True, verbose_name="why this change"),
        ),
        encrypt_in_place("search", "weightset", "note"),
        migrations.AlterField(
            model_name="weightset",
            name="note",
            field=abri.core.fields.EncryptedTextField(verbose_name="why this change"),
        ),
    ]
