"""django-axes' records made before AXES_USERNAME_CALLABLE kept the typed username in clear.

They are only lockout counters and a log of sign-ins that the audit log also holds: deleting them
ends any lockout under way (at most 15 minutes early) and removes every typed name. Nothing to
restore going back. Older `login.failed` audit events cannot be rewritten (the chain refuses
updates); see docs/security.md.
"""

from django.db import migrations


def forget(apps, schema_editor):
    for name in ("AccessAttempt", "AccessFailureLog", "AccessLog"):
        apps.get_model("axes", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_second_factors_move_out_of_clear_text"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(forget, migrations.RunPython.noop)]
