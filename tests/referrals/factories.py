"""Requests for tests, filed through the services step by step as a field worker would."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from abri.referrals import services
from abri.referrals.models import Request

PERSON = {
    "first_name": "Aïcha",
    "last_name": "Exemple",
    "aliases": "",
    "birth_date": datetime.date(1998, 5, 4),
    "age": None,
    "nationality": "nigériane",
    "phone": "+33 6 00 00 00 01",
    "gender": "F",
    "languages": ["en", "bin"],
    "interpreter_needed": True,
}
SITUATION = {
    "urgency": "urgent",
    "situation": "Menacée par le réseau.",
    "exploitation_forms": ["sexual"],
    "danger_departements": ["13"],
    "danger_towns": "Lyon (69)",
    "town_radius_km": 30,
    "min_distance_km": 150,
    "exploiters": "Réseau nigérian, Marseille",
}


def make_request(
    network: Any,
    *,
    side: str = "own",
    submitted: bool = True,
    person: dict[str, Any] | None = None,
    situation: dict[str, Any] | None = None,
) -> Request:
    referrer = network.user("referrer", side)
    req = services.request_create_draft(actor=referrer)
    services.request_save_person(actor=referrer, request=req, data={**PERSON, **(person or {})})
    services.request_save_household(
        actor=referrer, request=req, members=[{"relation": "child", "gender": "F", "age": 4}]
    )
    services.request_save_situation(actor=referrer, request=req, data={**SITUATION, **(situation or {})})
    services.request_save_needs(
        actor=referrer, request=req, data={"pregnancy": True, "permit_status": "reflection"}
    )
    if submitted:
        services.request_save_consent(
            actor=referrer,
            request=req,
            data={
                "confirmed": True,
                "obtained_by": "Travailleuse sociale",
                "obtained_at": timezone.now(),
                "language": "en",
                "interpreter_used": True,
            },
        )
        req = services.request_submit(actor=referrer, request=req)
    return Request.objects.get(pk=req.pk)


def tiny_png(text: bytes = b"") -> bytes:
    """A valid 1x1 PNG, with a tEXt chunk when text is given (to see metadata stripped)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    body = chunk(b"IHDR", ihdr)
    if text:
        body += chunk(b"tEXt", b"Author\x00" + text)
    body += chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def make_attachment(network: Any, *, side: str = "own") -> Any:
    req = make_request(network, side=side)
    return services.attachment_add(
        actor=network.user("referrer", side),
        request=req,
        kind="identity",
        data=tiny_png(b"Secret Author"),
        filename="passport-aicha.png",
    )
