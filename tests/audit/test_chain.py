import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from abri.audit.chain import verify_chain
from abri.audit.models import AuditEvent
from abri.audit.services import audit_record

pytestmark = pytest.mark.django_db


def three_events():
    return [
        audit_record(action=f"test.{i}", object_type="thing", object_id=str(i), data={"n": i})
        for i in range(3)
    ]


def tamper(sql, params=()):
    """Change the table behind the triggers' back, as an attacker with database access would."""
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            cursor.execute(sql, params)
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER audit_event_no_update")
            cursor.execute("DROP TRIGGER audit_event_no_delete")
            cursor.execute(sql, params)


def test_events_chain_and_verify():
    events = three_events()
    assert events[1].prev_hash == events[0].hash and events[2].prev_hash == events[1].hash
    result = verify_chain()
    assert result.ok and result.checked == 3


def test_database_refuses_update():
    event = three_events()[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")


def test_database_refuses_delete():
    event = three_events()[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_changed_content_is_found_at_its_event():
    events = three_events()
    tamper(f"UPDATE {AuditEvent._meta.db_table} SET data = %s WHERE id = %s", ['{"n": 99}', events[1].id])
    result = verify_chain()
    assert not result.ok and result.broken_at == events[1].id
    with pytest.raises(CommandError, match=f"#{events[1].id}"):
        call_command("audit_verify")


def test_deleted_event_is_found_at_the_next_one():
    events = three_events()
    tamper(f"DELETE FROM {AuditEvent._meta.db_table} WHERE id = %s", [events[1].id])
    result = verify_chain()
    assert not result.ok and result.broken_at == events[2].id


def test_deleted_last_event_is_found_by_the_head():
    events = three_events()
    tamper(f"DELETE FROM {AuditEvent._meta.db_table} WHERE id = %s", [events[2].id])
    assert not verify_chain().ok


def test_event_rolls_back_with_the_change_it_records():
    audit_record(action="kept")
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(action="rolled.back")
        raise RuntimeError("the change failed")
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["kept"]
    assert verify_chain().ok


def test_command_reports_intact_chain(capsys):
    three_events()
    call_command("audit_verify")
    assert "3 events verified" in capsys.readouterr().out
