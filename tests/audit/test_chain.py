import base64
import hashlib
import json
from io import StringIO

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from abri.audit.chain import GENESIS, anchor_legacy_events, hashed_fields, verify_chain
from abri.audit.keys import audit_keys
from abri.audit.models import AuditEvent, AuditHead
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
            # Deferred foreign-key checks queued by this transaction's inserts would make
            # PostgreSQL refuse the ALTER TABLE ("pending trigger events"): run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
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


# --- The attacker who has the database but not the key -----------------------------------------


def sha256_link(prev_hash, event):
    """What anyone can compute from the code: the unkeyed hash of an event after prev_hash."""
    canonical = json.dumps(
        hashed_fields(event), sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(f"{prev_hash}|{canonical}".encode()).hexdigest()


def rechain(change=lambda event: None, *, drop_key_version=False):
    """Rewrite events behind the triggers, recompute every hash and the head without the key."""
    table = AuditEvent._meta.db_table
    has_version = any(f.name == "key_version" for f in AuditEvent._meta.fields)
    prev = "0" * 64
    statements = []
    for event in AuditEvent.objects.order_by("id"):
        change(event)
        if drop_key_version and has_version:
            event.key_version = None
        digest = sha256_link(prev, event)
        columns = "data = %s, prev_hash = %s, hash = %s" + (", key_version = %s" if has_version else "")
        params = [json.dumps(event.data), prev, digest] + ([event.key_version] if has_version else [])
        statements.append((f"UPDATE {table} SET {columns} WHERE id = %s", [*params, event.id]))
        prev = digest
        last_id = event.id
    tamper_many(statements)
    AuditHead.objects.filter(id=1).update(last_hash=prev, last_event_id=last_id)


def tamper_many(statements):
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # as in tamper()
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
        for sql, params in statements:
            cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def set_n(n):
    def change(event):
        if event.object_id == "1":
            event.data = {"n": n}

    return change


def checkpoint_now():
    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def test_rewritten_event_with_every_hash_recomputed_is_detected():
    events = three_events()
    rechain(set_n(99))
    result = verify_chain()
    assert not result.ok and result.broken_at == events[0].id
    with pytest.raises(CommandError, match="broken"):
        call_command("audit_verify")


def test_chain_turned_into_an_unkeyed_one_is_detected():
    three_events()
    rechain(set_n(99), drop_key_version=True)
    result = verify_chain()
    assert not result.ok


def test_recomputed_chain_without_any_change_is_still_detected():
    # Recomputing alone (nothing changed) replaces every keyed link by one the key did not make.
    three_events()
    rechain()
    assert not verify_chain().ok


def test_untampered_chain_with_the_key_is_intact():
    three_events()
    result = verify_chain()
    assert result.ok and result.checked == 3


def test_audit_verify_prints_a_signed_checkpoint():
    events = three_events()
    line = checkpoint_now()
    assert line.startswith("abri-audit-checkpoint ")
    assert f"count=3 head={events[-1].id} hash={events[-1].hash} " in line
    assert " sig=" in line


def test_truncated_tail_with_a_rewritten_head_is_caught_by_the_checkpoint():
    three_events()
    line = checkpoint_now()
    audit_record(action="after.checkpoint")
    # The attacker removes the last two events and moves the head back: the chain alone holds.
    table = AuditEvent._meta.db_table
    survivors = list(AuditEvent.objects.order_by("id"))[:2]
    tamper_many([(f"DELETE FROM {table} WHERE id > %s", [survivors[-1].id])])
    AuditHead.objects.filter(id=1).update(last_hash=survivors[-1].hash, last_event_id=survivors[-1].id)
    assert verify_chain().ok
    with pytest.raises(CommandError, match="checkpoint"):
        call_command("audit_verify", checkpoint=line)


def test_emptied_log_is_caught_by_the_checkpoint():
    three_events()
    line = checkpoint_now()
    tamper_many([(f"DELETE FROM {AuditEvent._meta.db_table}", [])])
    AuditHead.objects.all().delete()
    assert verify_chain().ok  # an empty log is a valid one: only the checkpoint knows better
    with pytest.raises(CommandError, match="checkpoint"):
        call_command("audit_verify", checkpoint=line, stdout=StringIO())


@pytest.mark.parametrize("keyed", [True, False])
def test_event_forged_at_the_end_is_detected(keyed):
    events = three_events()
    forged = AuditEvent(
        id=events[-1].id + 1,
        created_at=timezone.now(),
        action="login",
        actor_label="someone-else",
        prev_hash=events[-1].hash,
        key_version=events[-1].key_version if keyed else None,
    )
    forged.hash = sha256_link(forged.prev_hash, forged)
    forged.save(force_insert=True)  # INSERT is allowed: the triggers refuse only changes
    AuditHead.objects.filter(id=1).update(last_hash=forged.hash, last_event_id=forged.id)
    result = verify_chain()
    assert not result.ok and result.broken_at == forged.id


def test_checkpoint_holds_after_later_appends():
    three_events()
    line = checkpoint_now()
    audit_record(action="after.checkpoint")
    out = StringIO()
    call_command("audit_verify", checkpoint=line, stdout=out)
    assert "4 events verified" in out.getvalue()
    assert "matches the checkpoint" in out.getvalue()


def test_chain_rewritten_before_the_checkpoint_is_caught():
    three_events()
    line = checkpoint_now()
    rechain(set_n(99))
    with pytest.raises(CommandError):
        call_command("audit_verify", checkpoint=line)


def test_checkpoint_is_read_from_the_last_line_of_a_file(tmp_path):
    three_events()
    first = checkpoint_now()
    audit_record(action="later")
    second = checkpoint_now()
    kept = tmp_path / "checkpoints.txt"
    kept.write_text(f"{first}\n{second}\n\n")
    call_command("audit_verify", checkpoint=str(kept), stdout=StringIO())
    # Truncating to the first checkpoint's head passes the first, not the last one kept.
    table = AuditEvent._meta.db_table
    head = AuditEvent.objects.get(id=3)
    tamper_many([(f"DELETE FROM {table} WHERE id > %s", [3])])
    AuditHead.objects.filter(id=1).update(last_hash=head.hash, last_event_id=3)
    call_command("audit_verify", checkpoint=first, stdout=StringIO())
    with pytest.raises(CommandError, match="checkpoint"):
        call_command("audit_verify", checkpoint=str(kept), stdout=StringIO())


@pytest.mark.parametrize(
    "forge",
    [
        lambda line: line.replace("count=3 head=3", "count=2 head=2"),
        lambda line: line.replace(" sig=", " sig=A"),
        lambda line: line.rsplit(" sig=", 1)[0] + " sig=" + "A" * 86 + "==",
        lambda line: line[:-6],
        lambda line: "abri-audit-checkpoint nonsense",
        lambda line: "",
    ],
    ids=["changed-count", "changed-signature", "other-signature", "cut", "garbage", "empty"],
)
def test_forged_checkpoint_is_refused(forge):
    three_events()
    line = checkpoint_now()
    with pytest.raises(CommandError, match="checkpoint"):
        call_command("audit_verify", checkpoint=forge(line), stdout=StringIO())


# --- Keys: rotation, configuration --------------------------------------------------------------


@pytest.fixture
def use_audit_keys(settings):
    def use(keys):
        settings.AUDIT_KEYS = ",".join(f"{v}:{base64.b64encode(k).decode()}" for v, k in keys.items())
        audit_keys.cache_clear()

    yield use
    audit_keys.cache_clear()


def test_rotation_keys_new_events_with_the_newest_key_and_verifies_old_ones(use_audit_keys):
    first = audit_keys().current_version
    old_secret = audit_keys().secret_keys[first]
    before = three_events()
    old_checkpoint = checkpoint_now()
    use_audit_keys({first: old_secret, first + 1: b"\x05" * 32})
    after = audit_record(action="after.rotation")
    assert {e.key_version for e in before} == {first} and after.key_version == first + 1
    assert verify_chain().ok
    call_command("audit_verify", checkpoint=old_checkpoint, stdout=StringIO())
    assert f" key={first + 1} " in checkpoint_now()
    # The old version removed, its events can no longer be verified: it must be kept.
    use_audit_keys({first + 1: b"\x05" * 32})
    result = verify_chain()
    assert not result.ok and result.broken_at == before[0].id and "not configured" in result.problem
    with pytest.raises(CommandError, match="not configured"):
        call_command("audit_verify", checkpoint=old_checkpoint, stdout=StringIO())


def test_another_key_does_not_verify_the_chain(use_audit_keys):
    three_events()
    use_audit_keys({audit_keys().current_version: b"\x06" * 32})
    assert not verify_chain().ok


def test_checkpoint_signed_by_another_installation_is_refused(use_audit_keys):
    three_events()
    foreign = checkpoint_now()
    three_events()
    use_audit_keys({1: b"\x07" * 32})
    with pytest.raises(CommandError, match="checkpoint refused"):
        call_command("audit_verify", checkpoint=foreign, stdout=StringIO())


def test_public_key_alone_checks_a_checkpoint_off_the_server():
    three_events()
    line = checkpoint_now()
    out = StringIO()
    call_command("audit_verify", public_keys=True, stdout=out)
    version = int(line.split(" key=")[1].split()[0])
    rows = out.getvalue().splitlines()
    public = [row.split()[-1] for row in rows if row.startswith(f"audit key {version}:")]
    body, _, signature = line.partition(" sig=")
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public[0]))
    key.verify(base64.b64decode(signature), body.encode())
    with pytest.raises(InvalidSignature):
        key.verify(base64.b64decode(signature), body.replace("count=3", "count=2").encode())


@pytest.mark.parametrize("value", ["1:not-base64!!", "1:" + base64.b64encode(b"short").decode(), "one:AAAA"])
def test_malformed_audit_keys_fail_loudly(settings, value):
    settings.AUDIT_KEYS = value
    audit_keys.cache_clear()
    try:
        with pytest.raises(ImproperlyConfigured):
            audit_keys()
    finally:
        audit_keys.cache_clear()


def test_development_key_file_is_made_on_first_use(settings, tmp_path):
    settings.AUDIT_KEYS = None
    settings.AUDIT_KEY_FILE = None
    settings.DEV_AUDIT_KEY_FILE = tmp_path / "var" / "audit-keys.json"
    audit_keys.cache_clear()
    try:
        first = audit_keys()
        assert settings.DEV_AUDIT_KEY_FILE.stat().st_mode & 0o777 == 0o600
        audit_keys.cache_clear()
        assert audit_keys().secret_keys == first.secret_keys
        settings.PRODUCTION = True
        settings.DEV_AUDIT_KEY_FILE = tmp_path / "never.json"
        audit_keys.cache_clear()
        with pytest.raises(ImproperlyConfigured):
            audit_keys()
        assert not settings.DEV_AUDIT_KEY_FILE.exists()
    finally:
        audit_keys.cache_clear()


# --- Events from before the key -----------------------------------------------------------------


def legacy_events(count):
    """Events as the unkeyed chain wrote them before this change (INSERT is allowed)."""
    head, _ = AuditHead.objects.get_or_create(id=1, defaults={"last_hash": GENESIS, "last_event_id": 0})
    prev = head.last_hash
    for i in range(count):
        event = AuditEvent(
            id=head.last_event_id + 1 + i,
            created_at=timezone.now(),
            action=f"legacy.{i}",
            object_type="thing",
            object_id=str(i + 1),
            data={"n": i},
            prev_hash=prev,
        )
        event.hash = sha256_link(prev, event)
        event.save(force_insert=True)
        prev = event.hash
    AuditHead.objects.filter(id=1).update(last_hash=prev, last_event_id=head.last_event_id + count)


def test_events_from_before_the_key_are_anchored_by_one_keyed_event():
    assert anchor_legacy_events(AuditEvent, AuditHead) is None  # an empty log needs no anchor
    legacy_events(3)
    assert not verify_chain().ok  # unkeyed only: indistinguishable from a rewrite, until anchored
    anchor = anchor_legacy_events(AuditEvent, AuditHead)
    assert anchor.action == "audit.chain_keyed" and anchor.key_version is not None
    assert anchor.data["legacy_events"] == 3
    assert anchor_legacy_events(AuditEvent, AuditHead) is None  # once only
    audit_record(action="after.anchor")
    result = verify_chain()
    assert result.ok and result.checked == 5 and result.legacy == 3
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert "5 events verified, 3 of them from before the key, anchored" in out.getvalue()


def test_rewritten_event_from_before_the_key_is_caught_by_the_anchor():
    legacy_events(3)
    anchor = anchor_legacy_events(AuditEvent, AuditHead)
    rechain(set_n(99))  # every unkeyed hash recomputed; the anchor's MAC cannot be
    result = verify_chain()
    assert not result.ok and result.broken_at == anchor.id


def test_log_cut_back_to_the_events_from_before_the_key_is_detected():
    legacy_events(3)
    anchor_legacy_events(AuditEvent, AuditHead)
    table = AuditEvent._meta.db_table
    tamper_many([(f"DELETE FROM {table} WHERE key_version IS NOT NULL", [])])
    legacy_head = AuditEvent.objects.order_by("-id").first()
    AuditHead.objects.filter(id=1).update(last_hash=legacy_head.hash, last_event_id=legacy_head.id)
    result = verify_chain()
    assert not result.ok and "no keyed event" in result.problem
