"""Key the audit chain: each event records its audit key version; older events are anchored.

Events written before this migration keep their SHA-256 links (re-chaining them would be exactly
what an attacker does). If there are any, one keyed event ``audit.chain_keyed`` is appended here,
whose HMAC covers the last of them: from then on, the whole older log is pinned by the key, and a
log that ends with an unkeyed event is a forgery. See docs/decisions/0010-audit-keyed-chain.md.
"""

from django.db import migrations, models


def anchor(apps, schema_editor):
    from abri.audit.chain import anchor_legacy_events

    anchor_legacy_events(apps.get_model("audit", "AuditEvent"), apps.get_model("audit", "AuditHead"))


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]

    operations = [
        # Nullable without a default: SQLite adds the column in place (no table rebuild, so the
        # append-only triggers stay) and PostgreSQL touches no row.
        migrations.AddField(
            model_name="auditevent",
            name="key_version",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        # The anchor cannot be removed (the log is append-only): going back leaves it in place.
        migrations.RunPython(anchor, migrations.RunPython.noop),
    ]
