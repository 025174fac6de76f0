"""The migrations that encrypt free text seal the rows already in the database, and reverse.

Played on the weights' note (a database-assigned id) and a training session's notes (a UUID):
both go through ``abri.core.encrypt_migration``, the helper every such migration uses.
"""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from abri.accounts.models import Organisation, User
from abri.core import crypto
from abri.search.models import WeightSet
from abri.training.models import TrainingSession

BEFORE = [("search", "0001_initial"), ("training", "0001_initial")]
AFTER = [("search", "0002_encrypt_weights_note"), ("training", "0002_encrypt_session_notes")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def raw(table: str, column: str) -> dict[str, str | None]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {column} FROM {table}")
        return {str(pk): value for pk, value in cursor.fetchall()}


# A transactional test ends by emptying every table, and PostgreSQL's audit table refuses
# TRUNCATE: skipped there before the database fixture runs (a skip inside the test would still
# flush, and fail, at teardown). The PostgreSQL path is played on a demo database instead.
SQLITE_ONLY = pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="SQLite only: the audit table refuses the flush that ends a transactional test",
)


@SQLITE_ONLY
@pytest.mark.django_db(transaction=True)
def test_existing_rows_are_sealed_and_opened_back(settings):
    old = migrate(BEFORE)
    try:
        # Accounts are not migrated back: today's models make them, the old ones point at them.
        trainer = Organisation.objects.create(name="Formation", kind="coordinator")
        author = User.objects.create(username="formatrice")
        with_text = old.get_model("search", "WeightSet").objects.create(version=2, note="CANARY-poids")
        old.get_model("search", "WeightSet").objects.create(version=3, note="")
        session = old.get_model("training", "TrainingSession").objects.create(
            title="Repérer",
            topic="identification",
            starts_on=datetime.date(2026, 1, 5),
            duration_hours=3,
            place="Lyon",
            trainer_id=trainer.pk,
            audience="shelter_staff",
            notes="CANARY-notes-formation",
            created_by_id=author.pk,
        )

        migrate(AFTER)
        notes = raw("search_weightset", "note")
        assert notes[str(with_text.pk)].startswith("v") and "CANARY" not in notes[str(with_text.pk)]
        assert {v for k, v in notes.items() if k != str(with_text.pk)} == {None}  # "" became NULL
        assert "CANARY" not in str(raw("training_trainingsession", "notes"))
        # The ciphertext is bound to its row, exactly as the field itself would have sealed it.
        token = notes[str(with_text.pk)]
        assert crypto.decrypt(token, crypto.associated_data("search_weightset", "note", with_text.pk))
        assert WeightSet.objects.get(pk=with_text.pk).note == "CANARY-poids"
        assert TrainingSession.objects.get(pk=session.pk).notes == "CANARY-notes-formation"

        migrate(BEFORE)
        assert set(raw("search_weightset", "note").values()) == {"", "CANARY-poids"}
        assert list(raw("training_trainingsession", "notes").values()) == ["CANARY-notes-formation"]
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
