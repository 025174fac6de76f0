"""Legal, training and exit figures of the dashboard, counted by hand on a small known dataset.

The known network (tests/reports/factories.py) gives the people: r1 referred from PACA (93, police),
r3 and r6 from Auvergne-Rhône-Alpes (84, association); shelter A in Bretagne (53), shelter B in
Nouvelle-Aquitaine (75). Legal cases, hearings and permits are recorded through abri.support's
services, sessions and attendances through abri.training's.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from abri.network.models import Shelter
from abri.placements import services as placements
from abri.placements.models import Stay
from abri.reports import selectors
from abri.reports.selectors import Filters, add_months
from abri.support import services as support
from abri.training import services as training
from tests.reports.factories import known_network
from tests.training.factories import attend, make_session


@pytest.fixture
def known(network):
    return known_network(network)


def period(known, **kwargs):
    first = known.today.replace(day=1)
    return Filters(start=add_months(first, -3), end=add_months(first, 1), **kwargs)


TEMPORARY = "Granted: Residence permit for victims (CESEDA L.425-1)"
REFLECTION = "Granted: Reflection period (30 days)"


def _legal_dataset(known, network):
    coordinator = network.user("coordinator")
    today = known.today
    inside = today - datetime.timedelta(days=5)
    before = period(known).start - datetime.timedelta(days=10)
    now = timezone.now()
    r1, r3, r6 = (known.requests[k].person for k in ("r1", "r3", "r6"))

    def case(person, **data):
        return support.case_save(
            actor=coordinator, person=person, data={"offence": "trafficking", "stage": "complaint", **data}
        )

    def hearing(legal_case, kind, at):
        support.hearing_save(actor=coordinator, case=legal_case, data={"kind": kind, "at": at, "court": "TJ"})

    def permit(person, kind, status, starts_on=None):
        data = {"kind": kind, "status": status}
        if starts_on:
            data |= {"starts_on": starts_on, "expires_on": starts_on + datetime.timedelta(days=365)}
        support.permit_save(actor=coordinator, person=person, data=data)

    # r1: complaint, civil party, trial and conviction, all in the period; an audition (not a trial).
    a = case(
        r1,
        stage="trial",
        complaint_on=inside,
        civil_party=True,
        civil_party_on=inside,
        outcome="conviction",
        decided_on=today,
    )
    hearing(a, "trial", now - datetime.timedelta(days=1))
    hearing(a, "hearing", now - datetime.timedelta(days=2))
    # r6: complaint before the period; civil party and an appeal hearing in it; a trial before it.
    b = case(r6, complaint_on=before, civil_party=True, civil_party_on=inside)
    hearing(b, "appeal", now - datetime.timedelta(hours=1))
    hearing(
        b,
        "trial",
        timezone.make_aware(datetime.datetime.combine(before, datetime.time(10)))
        + datetime.timedelta(days=2),
    )
    # r3: complaint in the period, dismissed (no conviction).
    case(r3, stage="investigation", complaint_on=inside, outcome="dismissed", decided_on=today)
    # Permits: granted in the period (r1 temporary, r6 reflection), granted before (r3), applied (r1).
    permit(r1, "temporary_permit", "granted", inside)
    permit(r6, "reflection_period", "granted", inside)
    permit(r3, "temporary_permit", "granted", before)
    permit(r1, "receipt", "applied")


def test_legal_figures_by_hand(known, network):
    _legal_dataset(known, network)
    figure = selectors.legal_figure(period(known))
    assert figure is not None
    values = figure.as_dict()
    assert values["Complaints filed"] == 2  # r1, r3 (r6's was before the period)
    assert values["Civil parties"] == 2  # r1, r6
    assert values["Trials and appeals"] == 2  # r1's trial, r6's appeal (not the audition, not before)
    assert values["Convictions"] == 1  # r1 (r3 dismissed)
    assert values[TEMPORARY] == 1 and values[REFLECTION] == 1  # r3's was before; r1's receipt applied
    assert values["Granted: Récépissé (temporary receipt)"] == 0
    assert figure.total == 9
    # The région and kind of the referrer: PACA is r1 only; associations are r3 and r6.
    paca = selectors.legal_figure(period(known, region="93")).as_dict()
    assert [paca[k] for k in ("Complaints filed", "Civil parties", "Trials and appeals", "Convictions")] == [
        1,
        1,
        1,
        1,
    ]
    assert paca[TEMPORARY] == 1 and paca[REFLECTION] == 0
    association = selectors.legal_figure(period(known, sector="association")).as_dict()
    assert [
        association[k] for k in ("Complaints filed", "Civil parties", "Trials and appeals", "Convictions")
    ] == [1, 1, 1, 0]
    assert association[TEMPORARY] == 0 and association[REFLECTION] == 1


def _training_dataset(known, network):
    coordinator = network.user("coordinator")
    staff_a, staff_b = network.user("shelter_staff"), network.user("shelter_staff", "other")
    out_of_period = (known.today - period(known).start).days + 5
    s1, s2 = make_session(network, days_ago=10), make_session(network, days_ago=20)
    s3 = make_session(network, days_ago=out_of_period)  # before the period, within 24 months

    def mark(attendance, present=True):
        training.attendance_set_attended(actor=coordinator, attendance=attendance, attended=present)

    mark(attend(network, s1, staff_a, shelter=known.shelter_a))
    mark(attend(network, s1, full_name="Jeanne Martin", organisation_name="Association Relais"))
    mark(attend(network, s2, staff_a, shelter=known.shelter_a))  # the same person: counted once
    mark(attend(network, s2, staff_b, shelter=known.shelter_b), present=False)  # absent
    mark(attend(network, s2, full_name="Jeanne Martin", organisation_name="Association Relais"))
    mark(attend(network, s2, full_name="Paul Durand", organisation_name="Mairie"), present=False)
    mark(attend(network, s3, staff_b, shelter=known.shelter_b))


def _training(filters):
    figure = selectors.training_figure(filters)
    assert figure is not None
    return figure.as_dict()


def test_training_figures_by_hand(known, network):
    _training_dataset(known, network)
    assert set(Shelter.objects.filter(is_active=True)) == {known.shelter_a, known.shelter_b}
    national = _training(period(known))
    assert national == {
        "Sessions": 2,  # s1, s2 (s3 before the period)
        "People trained": 2,  # staff A's worker once, Jeanne Martin once (absent people not)
        "Shelters whose staff attended": 1,  # A (B's worker was absent in the period)
        "Shelters without trained staff (24 months)": 0,  # B trained at s3, within 24 months
    }
    # A third shelter, in Bretagne, nobody trained there.
    from tests.network.factories import make_shelter

    make_shelter(network, network.org("shelter_operator"), 1, name="CHRS Sans Formation", departement="35")
    assert _training(period(known))["Shelters without trained staff (24 months)"] == 1


def test_training_shelter_figures_follow_the_region_sessions_and_people_do_not(known, network):
    _training_dataset(known, network)
    bretagne = _training(period(known, region="53"))
    aquitaine = _training(period(known, region="75"))
    paca = _training(period(known, region="93", sector="police"))
    for figures in (bretagne, aquitaine, paca):
        assert figures["Sessions"] == 2 and figures["People trained"] == 2  # network-wide
    assert bretagne["Shelters whose staff attended"] == 1  # A
    assert aquitaine["Shelters whose staff attended"] == 0  # B's worker was absent in the period
    assert paca["Shelters whose staff attended"] == 0
    assert selectors.training_figure(period(known)).note  # the chart says what is filtered


def test_exits_without_an_outcome_count_as_other_on_the_dashboard(known, network):
    exits, counts = selectors.stays_figures(period(known))
    assert exits.as_dict()["Other"] == 0 and counts["ended"] == 1
    # A stay ended without an outcome (older records): the services always write one.
    stay = Stay.objects.get(request=known.requests["r6"])
    placements.stay_exit(
        actor=network.user("shelter_staff", "other"), stay=stay, day=known.today, outcome="housing"
    )
    Stay.objects.filter(pk=stay.pk).update(exit_outcome="")
    exits, counts = selectors.stays_figures(period(known))
    assert counts["ended"] == 2 and exits.total == 2
    assert exits.as_dict()["Other"] == 1 and exits.as_dict()["Mainstream housing"] == 1
