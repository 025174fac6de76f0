"""A support partner never learns which shelter operators are in the network (docs/security.md),
not even from the attendees of the sessions it gives: their organisation reads "a shelter of the
network" on the session page and on the certificate the partner downloads. The attendee and the
coordinators read the real name."""

from django.test import Client
from django.urls import reverse
from django.utils import translation

from abri.training.certificate import certificate_pdf
from abri.training.models import Attendance
from abri.training.selectors import attendee_organisation_label
from tests.conftest import sign_in
from tests.network.factories import make_shelter
from tests.training.factories import attend, make_session
from tests.training.test_pages import _pdf_text

OPERATOR_NAME = "CHRS Les Tilleuls · Périgueux"


def _setup(network):
    """A partner's session attended by a shelter worker (a platform user, counted for the
    operator's only shelter) and by an external shelter worker the coordination linked."""
    operator = network.org("shelter_operator")
    operator.name = OPERATOR_NAME
    operator.save()
    shelter = make_shelter(network, operator, 0, name="Maison Tilleuls", commune="Périgueux")
    session = make_session(
        network,
        actor=network.user("partner"),
        trainer=network.org("support_partner"),
        audience="field_professionals",
    )
    staff = network.user("shelter_staff")
    staff.refresh_from_db()
    worker = attend(network, session, staff)
    external = attend(network, session, full_name="Lina Roux", organisation=operator, shelter=shelter)
    own = attend(network, session, network.user("partner"))
    public = attend(network, session, full_name="Jean Martin", organisation_name="Mairie de Nice")
    return session, worker, external, own, public


def test_the_partner_reads_a_shelter_of_the_network_on_the_session_page(network):
    session, worker, external, own, public = _setup(network)
    assert worker.shelter is not None and external.shelter is not None
    client = sign_in(Client(), network.user("partner"))
    page = client.get(reverse("training:session_detail", args=[session.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    for secret in ("Tilleuls", "Périgueux", "CHRS Test"):
        assert secret not in html, secret
    labels = {row["attendance"].pk: row["organisation"] for row in page.context["rows"]}
    assert labels[worker.pk] == labels[external.pk] == "un CHRS du réseau"
    assert labels[own.pk] == network.org("support_partner").name
    assert labels[public.pk] == "Mairie de Nice"
    assert all(row["shelter"] is None for row in page.context["rows"])
    assert page.context["show_shelter"] is False


def test_in_french_the_partner_reads_un_chrs_du_reseau(network):
    session = _setup(network)[0]
    client = sign_in(Client(), network.user("partner"))
    html = client.get(reverse("training:session_detail", args=[session.pk])).content.decode()
    assert "un CHRS du réseau" in html and "Tilleuls" not in html


def test_the_certificate_the_partner_downloads_hides_the_operator(network):
    _session, worker, external, *_rest = _setup(network)
    partner = sign_in(Client(), network.user("partner"))
    for attendance in (worker, external):
        response = partner.get(reverse("training:certificate", args=[attendance.pk]))
        assert response.status_code == 200
        text = _pdf_text(response.content)
        assert "Tilleuls" not in text and "Périgueux" not in text
        assert "un CHRS du réseau" in text
    # The attendee's own certificate and the coordinators' copy keep the real name.
    own = sign_in(Client(), network.user("shelter_staff")).get(
        reverse("training:certificate", args=[worker.pk])
    )
    assert OPERATOR_NAME in _pdf_text(own.content)
    coordinator = sign_in(Client(), network.user("coordinator"))
    for attendance in (worker, external):
        response = coordinator.get(reverse("training:certificate", args=[attendance.pk]))
        assert OPERATOR_NAME in _pdf_text(response.content)


def test_coordinators_and_the_operators_staff_read_the_real_name(network):
    session = _setup(network)[0]
    page = sign_in(Client(), network.user("coordinator")).get(
        reverse("training:session_detail", args=[session.pk])
    )
    html = page.content.decode()
    assert "CHRS Les Tilleuls" in html and "Maison Tilleuls" in html
    staff_page = sign_in(Client(), network.user("shelter_staff")).get(
        reverse("training:session_detail", args=[session.pk])
    )
    assert "CHRS Les Tilleuls" in staff_page.content.decode()


def test_the_rule_in_one_function(network):
    session, worker, external, own, _public = _setup(network)
    rows = {a.pk: a for a in Attendance.objects.select_related("organisation")}
    partner = network.user("partner")
    other_partner = network.user("partner", "other")
    referrer = network.user("referrer")
    with translation.override("en"):
        hidden = "a shelter of the network"
        assert attendee_organisation_label(rows[worker.pk], partner) == hidden
        assert attendee_organisation_label(rows[external.pk], other_partner) == hidden
        assert attendee_organisation_label(rows[worker.pk], referrer) == hidden
        assert attendee_organisation_label(rows[own.pk], partner) == network.org("support_partner").name
        assert attendee_organisation_label(rows[worker.pk], network.user("shelter_staff")) == OPERATOR_NAME
        assert attendee_organisation_label(rows[worker.pk], network.user("coordinator")) == OPERATOR_NAME
        assert attendee_organisation_label(rows[worker.pk], network.user("administrator")) == OPERATOR_NAME
        # Without a shelter linked, a shelter operator's organisation is still hidden.
        bare = Attendance(
            session=session,
            full_name="X",
            organisation_name="CHRS X",
            organisation=network.org("shelter_operator", "other"),
        )
        assert attendee_organisation_label(bare, partner) == hidden
        text = _pdf_text(certificate_pdf(rows[worker.pk], viewer=partner))
        assert "Tilleuls" not in text and hidden in text
