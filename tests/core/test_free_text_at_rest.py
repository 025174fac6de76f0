"""Free text typed by people is encrypted at rest (issue 12, item 9).

Each text is saved through its service with a unique canary, then the raw database is read with
SQL: the canary must be absent from every column of every table, the field's column must hold a
ciphertext, and the page that shows the text must still show it, decrypted, to whoever may read it.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from abri.accounts.services import second_factor_reset
from abri.audit.models import AuditEvent, AuditNote
from abri.core import crypto
from abri.network.models import Unavailability
from abri.network.services import unavailability_declare
from abri.placements import services as placements
from abri.placements.models import Disclosure, Proposal, Stay, Transfer
from abri.referrals import services as referrals
from abri.referrals.models import Consent, Request, RequestEvent
from abri.search.models import WeightSet
from abri.search.services import weights_save
from abri.training.models import TrainingSession
from tests.conftest import sign_in
from tests.network.factories import make_shelter
from tests.referrals.factories import make_request
from tests.training.factories import make_session


def raw_column(model, field: str, pk) -> str | None:
    """The value as stored, read past the ORM (the field would decrypt it)."""
    column = model._meta.get_field(field).column
    pk_value = model._meta.pk.get_db_prep_value(pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {model._meta.db_table} WHERE id = %s", [pk_value])
        return cursor.fetchone()[0]


def database_text() -> str:
    """Every value of every column of every table, as one string."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            parts.extend(str(value) for row in cursor.fetchall() for value in row)
    return "\n".join(parts)


def assert_sealed(model, field: str, pk, canary: str) -> None:
    stored = raw_column(model, field, pk)
    assert stored is not None and canary not in stored
    aad = crypto.associated_data(model._meta.db_table, model._meta.get_field(field).column, pk)
    assert canary in crypto.decrypt(stored, aad).decode()
    assert canary in getattr(model.objects.get(pk=pk), field)


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_request_texts_are_sealed_and_shown_decrypted(network):
    coordinator, referrer = network.user("coordinator"), network.user("referrer")
    req = make_request(network, submitted=False)
    referrals.request_save_consent(
        actor=referrer,
        request=req,
        data={
            "confirmed": True,
            "obtained_by": "CANARY-consent-Fatou",
            "obtained_at": timezone.now(),
            "language": "fr",
        },
    )
    req = referrals.request_submit(actor=referrer, request=req)
    req = referrals.request_transition(
        actor=coordinator, request=req, name="request_information", reason="CANARY-decision-papiers"
    )

    assert_sealed(Consent, "obtained_by", req.consent.pk, "CANARY-consent-Fatou")
    assert_sealed(Request, "decision_reason", req.pk, "CANARY-decision-papiers")
    event = RequestEvent.objects.get(request=req, kind="request_information")
    assert_sealed(RequestEvent, "reason", event.pk, "CANARY-decision-papiers")
    # An event without a reason stores nothing, not an encrypted empty string.
    assert raw_column(RequestEvent, "reason", RequestEvent.objects.get(request=req, kind="submit").pk) is None
    stored = database_text()
    assert "CANARY-consent" not in stored and "CANARY-decision" not in stored

    html = page(sign_in(Client(), coordinator), reverse("referrals:detail", args=[req.pk]))
    assert "CANARY-consent-Fatou" in html  # the consent block
    assert html.count("CANARY-decision-papiers") == 2  # the reason banner and the timeline
    # The subject-access export gives the person their file, decrypted.
    exported = str(referrals.person_export(actor=coordinator, person=req.person))
    assert "CANARY-consent-Fatou" in exported and "CANARY-decision-papiers" in exported


def test_placement_texts_are_sealed_and_go_with_erasure(network):
    coordinator, staff = network.user("coordinator"), network.user("shelter_staff")
    own = make_shelter(network, network.org("shelter_operator"), 0, dedicated_places=3, max_children=2)
    other = make_shelter(network, network.org("shelter_operator", "other"), 3, max_children=2)
    req = make_request(network)
    for name in ("accept", "start_search"):
        req = referrals.request_transition(actor=coordinator, request=req, name=name)

    mine, theirs = sorted(
        placements.proposals_create(actor=coordinator, request=req, shelters=[own, other]),
        key=lambda p: p.shelter_id != own.pk,
    )
    placements.proposal_refuse(
        actor=network.user("shelter_staff", "other"),
        proposal=theirs,
        reason="other",
        text="CANARY-refusal-CHRS-Annonay",
    )
    placements.proposal_agree(actor=staff, proposal=mine)
    placements.interview_withdraw(actor=staff, proposal=mine, by_person=False, reason="CANARY-closing-equipe")
    (again,) = placements.proposals_create(actor=coordinator, request=req, shelters=[own])
    placements.proposal_agree(actor=staff, proposal=again)
    placements.interview_confirm(actor=staff, proposal=again)
    placements.transfer_plan(
        actor=coordinator,
        proposal=again,
        data={
            "travel_date": timezone.localdate() + datetime.timedelta(days=2),
            "travel_mode": "train",
            "departure_place": "Gare Saint-Charles",
            "departure_time": datetime.time(8, 12),
            "arrival_place": "Gare de Rennes",
            "arrival_time": datetime.time(15, 40),
            "meeting_point": "Accueil de la gare",
            "escort": "CANARY-escort-Mme-Durand",
            "grant_amount": 50,
        },
    )
    transfer = Transfer.objects.get(proposal=again)
    # The shelter reads the escort's name on its proposal page, decrypted.
    html = page(sign_in(Client(), staff), reverse("placements:proposal", args=[again.pk]))
    assert "CANARY-escort-Mme-Durand" in html

    stay = placements.arrival_confirm(actor=staff, proposal=again)
    disclosure = placements.location_disclose(actor=coordinator, request=req, reason="CANARY-disclosure-juge")
    placements.stay_exit(
        actor=staff, stay=stay, day=timezone.localdate(), outcome="housing", note="CANARY-exit-bail-signe"
    )

    assert_sealed(Proposal, "refusal_text", theirs.pk, "CANARY-refusal-CHRS-Annonay")
    assert_sealed(Proposal, "closing_reason", mine.pk, "CANARY-closing-equipe")
    assert_sealed(Transfer, "escort", transfer.pk, "CANARY-escort-Mme-Durand")
    assert_sealed(Disclosure, "reason", disclosure.pk, "CANARY-disclosure-juge")
    assert_sealed(Stay, "exit_note", stay.pk, "CANARY-exit-bail-signe")
    withdrawn = RequestEvent.objects.get(request=req, kind="withdrawn_by_shelter")
    assert_sealed(RequestEvent, "reason", withdrawn.pk, "CANARY-closing-equipe")
    assert "CANARY" not in database_text()

    # Erasure on request takes the free text with it: it may name the person.
    referrals.person_erase(actor=coordinator, person=req.person, reason="Demande écrite")
    for model, field, pk in (
        (Proposal, "refusal_text", theirs.pk),
        (Proposal, "closing_reason", mine.pk),
        (Transfer, "escort", transfer.pk),
        (Disclosure, "reason", disclosure.pk),
        (Stay, "exit_note", stay.pk),
        (RequestEvent, "reason", withdrawn.pk),
        (Request, "decision_reason", req.pk),
    ):
        assert raw_column(model, field, pk) is None, (model, field)


def test_unavailability_reason_is_sealed_and_shown(network):
    shelter = make_shelter(network, network.org("shelter_operator"), 0, dedicated_places=3)
    item = unavailability_declare(
        actor=network.user("shelter_staff"),
        shelter=shelter,
        places=1,
        reason="CANARY-unavailable-travaux",
        ends_on=timezone.localdate() + datetime.timedelta(days=10),
    )
    assert_sealed(Unavailability, "reason", item.pk, "CANARY-unavailable-travaux")
    assert "CANARY" not in database_text()
    staff = sign_in(Client(), network.user("shelter_staff"))
    html = page(staff, reverse("network:shelter_detail", args=[shelter.pk]))
    assert "CANARY-unavailable-travaux" in html


def test_training_notes_are_sealed_and_shown(network):
    session = make_session(network, notes="CANARY-training-notes")
    assert_sealed(TrainingSession, "notes", session.pk, "CANARY-training-notes")
    assert "CANARY" not in database_text()
    html = page(
        sign_in(Client(), network.user("coordinator")), reverse("training:session_detail", args=[session.pk])
    )
    assert "CANARY-training-notes" in html


def test_weights_note_is_sealed_and_shown(network):
    new = weights_save(actor=network.user("administrator"), values={"note": "CANARY-weights-why"})
    assert isinstance(new.pk, int)  # a database-assigned id, sealed after the insert
    assert_sealed(WeightSet, "note", new.pk, "CANARY-weights-why")
    assert "CANARY" not in database_text()
    html = page(sign_in(Client(), network.user("administrator")), reverse("search:weights"))
    assert "CANARY-weights-why" in html


def test_no_free_text_in_the_audit_chain(network):
    """An erasure reason or an identity check is kept encrypted beside its event, never in it."""
    admin, coordinator = network.user("administrator"), network.user("coordinator")
    req = make_request(network)
    referrals.person_erase(actor=coordinator, person=req.person, reason="CANARY-erase-courrier")
    second_factor_reset(
        actor=admin, user=network.user("shelter_staff"), identity_check="CANARY-identity-rappel"
    )
    notes = {"person.erase": "CANARY-erase-courrier", "mfa.reset": "CANARY-identity-rappel"}
    for action, canary in notes.items():
        event = AuditEvent.objects.get(action=action)
        assert event.data == {}
        assert_sealed(AuditNote, "text", event.note.pk, canary)
    assert "CANARY" not in database_text()
    html = page(sign_in(Client(), admin), reverse("audit:event_list"))
    assert "CANARY-erase-courrier" in html and "CANARY-identity-rappel" in html


SEALED_MODELS = [Request, RequestEvent, Consent, Proposal, Transfer, Stay, Disclosure, Unavailability]


@pytest.mark.parametrize("model", [*SEALED_MODELS, TrainingSession, WeightSet, AuditNote])
def test_the_free_text_fields_refuse_update_and_filter(db, model):
    from abri.core.fields import encrypted_fields

    names = {f.name for f in encrypted_fields(model)}
    text_field = next(
        n
        for n in (
            "decision_reason",
            "reason",
            "obtained_by",
            "refusal_text",
            "escort",
            "exit_note",
            "note",
            "notes",
            "text",
        )
        if n in names
    )
    with pytest.raises(TypeError):
        list(model.objects.filter(**{text_field: "x"}))
    with pytest.raises(TypeError):
        model.objects.update(**{text_field: "x"})
