from __future__ import annotations

from typing import Any

from abri.referrals import services as referrals
from tests.referrals.factories import make_request


def searching_request(network: Any, **kwargs: Any) -> Any:
    req = make_request(network, **kwargs)
    coordinator = network.user("coordinator")
    for name in ("accept", "start_search"):
        req = referrals.request_transition(actor=coordinator, request=req, name=name)
    return req
