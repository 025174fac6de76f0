import pytest

from abri.audit.models import AuditEvent
from abri.core.errors import DomainError, TransitionError
from abri.referrals import services
from abri.referrals.models import Request, RequestEvent, Status
from abri.referrals.workflow import TRANSITIONS
from tests.referrals.factories import make_request

ACTOR_OF = {"referrer": "referrer", "coordinator": "coordinator"}


def at_status(network, status):
    req = make_request(network, submitted=True)
    Request.objects.filter(pk=req.pk).update(status=status)
    return Request.objects.get(pk=req.pk)


CASES = [
    (name, status)
    for name, transition in TRANSITIONS.items()
    if name != "submit" and transition.on_request_page
    for status in Status.values
    if status != "draft"
]


@pytest.mark.parametrize(("name", "status"), CASES, ids=[f"{n}-from-{s}" for n, s in CASES])
def test_every_transition_from_every_status(network, name, status):
    """Allowed where the table says, for the roles it says; refused everywhere else, changing nothing."""
    transition = TRANSITIONS[name]
    req = at_status(network, status)
    for role in ("coordinator", "referrer", "shelter_staff"):
        actor = network.user(role)
        allowed = status in transition.sources and role in transition.roles
        if allowed:
            moved = services.request_transition(actor=actor, request=req, name=name, reason="Parce que.")
            assert moved.status == transition.target
            event = RequestEvent.objects.filter(request=req, kind=name).get()
            assert (event.actor, event.from_status, event.to_status, event.reason) == (
                actor,
                status,
                transition.target,
                "Parce que.",
            )
            assert AuditEvent.objects.filter(action=f"request.{name}", object_id=str(req.pk)).exists()
            return
        with pytest.raises(TransitionError):
            services.request_transition(actor=actor, request=req, name=name, reason="Parce que.")
        assert Request.objects.get(pk=req.pk).status == status


@pytest.mark.parametrize(
    "name", [n for n, t in TRANSITIONS.items() if t.reason_required and t.on_request_page]
)
def test_reason_required(network, name):
    transition = TRANSITIONS[name]
    req = at_status(network, sorted(transition.sources)[0])
    actor = network.user("coordinator" if "coordinator" in transition.roles else "referrer")
    with pytest.raises(TransitionError) as info:
        services.request_transition(actor=actor, request=req, name=name, reason="  ")
    assert info.value.field == "reason"


def test_submission_needs_consent(network):
    req = make_request(network, submitted=False)
    with pytest.raises(DomainError) as info:
        services.request_submit(actor=network.user("referrer"), request=req)
    assert info.value.field == "consent"
    assert Request.objects.get(pk=req.pk).status == Status.DRAFT


def test_another_referrer_cannot_move_a_request(network):
    req = make_request(network)
    with pytest.raises(DomainError):
        services.request_transition(
            actor=network.user("referrer", "other"), request=req, name="withdraw", reason="x"
        )


def test_full_assessment_path_with_information_requested(network):
    coordinator, referrer = network.user("coordinator"), network.user("referrer")
    req = make_request(network)
    for name, actor in [
        ("start_assessment", coordinator),
        ("request_information", coordinator),
        ("provide_information", referrer),
        ("accept", coordinator),
        ("start_search", coordinator),
    ]:
        req = services.request_transition(actor=actor, request=req, name=name, reason="Détails ?")
    assert req.status == Status.SEARCHING
    kinds = list(req.events.values_list("kind", flat=True))
    assert kinds == [
        "created",
        "submit",
        "start_assessment",
        "request_information",
        "provide_information",
        "accept",
        "start_search",
    ]


# --- The placement steps of the same table -----------------------------------------------------

PLACEMENT_STEPS = [name for name, t in TRANSITIONS.items() if not t.on_request_page]


@pytest.mark.parametrize("name", PLACEMENT_STEPS)
def test_placement_steps_are_not_actions_of_the_request_page(network, name):
    """A shelter's agreement or an arrival goes through the placement services, which check the
    proposal or the stay first: posting its name to the request page is an unknown action."""
    transition = TRANSITIONS[name]
    req = at_status(network, sorted(transition.sources)[0])
    with pytest.raises(KeyError):
        services.request_transition(
            actor=network.user("coordinator"), request=req, name=name, reason="Parce que."
        )
    assert Request.objects.get(pk=req.pk).status == sorted(transition.sources)[0]


# The one step off the request page that is not a placement's: the coordinators' zone editor.
SERVICE_OF_STEP = {"zones_changed": "abri.referrals.services"}


@pytest.mark.parametrize("name", PLACEMENT_STEPS)
def test_every_placement_step_is_taken_by_a_placement_service(name):
    """No dead row in the table: each step is applied by abri/placements/services.py (or the
    service named in SERVICE_OF_STEP)."""
    import importlib
    from pathlib import Path

    module = importlib.import_module(SERVICE_OF_STEP.get(name, "abri.placements.services"))
    source = Path(module.__file__).read_text(encoding="utf-8")
    assert f'"{name}"' in source


def test_jobs_act_in_the_system_role_and_only_where_the_table_says(network):
    """``actor=None`` is the scheduler (role SYSTEM): it may expire proposals, nothing else; a
    user without a membership (role None) may take no step."""
    from django.db import transaction

    from abri.referrals import workflow

    assert [n for n, t in TRANSITIONS.items() if workflow.SYSTEM in t.roles] == ["proposal_expired"]
    req = at_status(network, Status.SEARCHING)
    with transaction.atomic():
        workflow.apply(request=req, name="proposal_expired", actor=None)
    event = RequestEvent.objects.filter(request=req, kind="proposal_expired").get()
    assert event.actor is None and event.from_status == event.to_status == Status.SEARCHING
    for name in ("close", "shelter_agreed", "incident"):
        with pytest.raises(TransitionError) as info, transaction.atomic():
            workflow.apply(request=req, name=name, actor=None, reason="x")
        assert info.value.code == "forbidden"
    nobody = network.user("coordinator")
    nobody.role = ""
    with pytest.raises(TransitionError), transaction.atomic():
        workflow.apply(request=req, name="proposal_expired", actor=nobody)
    assert Request.objects.get(pk=req.pk).status == Status.SEARCHING
