"""People with a support record, made through the services."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from abri.placements import services as placements
from abri.support import services as support
from abri.support.models import SupportFollow
from tests.network.factories import make_shelter
from tests.placements.factories import searching_request


def resident(network: Any, side: str = "own") -> Any:
    """A person living now in a shelter of that side's operator (a woman and her child)."""
    operator = network.org("shelter_operator", side)
    shelter = make_shelter(
        network, operator, 0, dedicated_places=3, max_children=2, name=f"CHRS Support {uuid.uuid4().hex[:8]}"
    )
    (proposal,) = placements.proposals_create(
        actor=network.user("coordinator"), request=searching_request(network), shelters=[shelter]
    )
    staff = network.user("shelter_staff", side)
    placements.proposal_agree(actor=staff, proposal=proposal)
    placements.interview_confirm(actor=staff, proposal=proposal)
    return placements.arrival_confirm(actor=staff, proposal=proposal)


def follow(network: Any, person: Any, side: str = "own") -> SupportFollow:
    return support.follow_start(
        actor=network.user("coordinator"), person=person, organisation=network.org("support_partner", side)
    )


def followed_only(network: Any, side: str = "own", **data: Any) -> Any:
    """A person a partner follows without any placement."""
    fields = {"first_name": "Grace", "last_name": "Témoin", "gender": "F", "age": 31, "languages": ["en"]}
    return support.person_create_followed(actor=network.user("partner", side), data={**fields, **data})


STEP = {"category": "health_cover", "status": "in_progress", "started_on": datetime.date(2026, 10, 1)}
