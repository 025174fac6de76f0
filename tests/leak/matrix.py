"""The disclosure matrix: which viewer may see which protected field (SECURITY.md, in full detail).

One structure, used twice: the leak crawl (tests/leak/test_crawl.py) checks every canary it
finds against it, and docs/security.md shows it as a table rendered from it
(``python -m tests.leak.matrix`` prints the table; tests/leak/test_matrix.py fails when the
documentation and this data disagree).

A viewer is a user seen from the subject of the field: the person (identity, narrative, free
text, legal places) or the shelter (name, town, address, contacts). Cells:

- ``yes``: may see it (not required to);
- ``no``: must never see it, in any state;
- ``own``: only the organisation the value belongs to (the shelter concerned for what a shelter
  wrote or where it is, the partner that recorded a support entry);
- ``disclosed``: only once a coordinator disclosed that shelter to the viewer's organisation
  (reason, fresh second factor, audited).

States come from the viewer's relation: the staff of a shelter is "current" only while its
agreed or confirmed proposal is live (request place found or travelling) or its stay is
current (request sheltered); "former" once the stay ended, the proposal was refused, expired,
withdrawn or the request left those states. After an erasure nobody sees the erased fields.
"""

from __future__ import annotations

from dataclasses import dataclass

YES, NO, OWN, DISCLOSED = "yes", "no", "own", "disclosed"

VIEWERS: tuple[tuple[str, str], ...] = (
    ("coordinator", "coordinator"),
    ("administrator", "administrator"),
    ("referrer_own", "referrer of the request's organisation"),
    ("referrer_other", "referrer of another organisation"),
    ("shelter_proposed", "shelter with a pending proposal"),
    ("shelter_current", "shelter agreed or hosting, while current"),
    ("shelter_former", "same shelter after the proposal ended or the person left"),
    ("shelter_other", "another shelter"),
    ("partner_following", "support partner following the person"),
    ("partner_other", "another support partner"),
    ("observer", "observer"),
)
VIEWER_KEYS = tuple(key for key, _ in VIEWERS)


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    # "shelter": the subject is a shelter, and the three shelter columns mean its own staff;
    # "person": the subject is the person the value is about.
    subject: str
    cells: tuple[str, ...]
    erasable: bool = False  # gone for everyone once the person's data is erased on request

    def cell(self, viewer: str) -> str:
        return self.cells[VIEWER_KEYS.index(viewer)]


def _row(key: str, label: str, subject: str, cells: str, *, erasable: bool = False) -> Row:
    values = tuple(cells.split())
    assert len(values) == len(VIEWERS), key
    assert set(values) <= {YES, NO, OWN, DISCLOSED}, key
    return Row(key, label, subject, values, erasable)


# Columns: coord admin ref_own ref_other sh_proposed sh_current sh_former sh_other p_follow p_other obs.
IDENTITY = "yes yes yes no no yes no no yes no no"
NARRATIVE = "yes yes yes no no no no no yes no no"
REFERRER_TEXT = "yes yes yes no no no no no no no no"
SHELTER_TEXT = "yes yes no no own own own no no no no"
COORDINATION_ONLY = "yes yes no no no no no no no no no"
ADMINISTRATION_ONLY = "no yes no no no no no no no no no"
ARRIVAL_SIDE = "yes yes no no no yes no no no no no"
DEPARTURE_SIDE = "yes yes yes no no no no no no no no"
SUPPORT_RECORD = "yes yes no no no yes no no own no no"
SHELTER_PUBLICISED = "yes yes disclosed disclosed yes yes yes no no no no"
SHELTER_PRIVATE = "yes yes no no yes yes yes no no no no"

ROWS: tuple[Row, ...] = (
    # Where a shelter is.
    _row("shelter.name", "shelter name", "shelter", SHELTER_PUBLICISED),
    _row("shelter.commune", "shelter town (commune)", "shelter", SHELTER_PUBLICISED),
    _row("shelter.address", "shelter street address", "shelter", SHELTER_PRIVATE),
    _row("shelter.contact_name", "shelter contact person", "shelter", SHELTER_PRIVATE),
    _row("shelter.contact_phone", "shelter phone", "shelter", SHELTER_PRIVATE),
    _row("shelter.contact_email", "shelter e-mail", "shelter", SHELTER_PRIVATE),
    _row("unavailability.reason", "why places are unavailable", "shelter", SHELTER_PRIVATE),
    # Who the person is.
    _row("person.first_name", "first name", "person", IDENTITY, erasable=True),
    _row("person.last_name", "last name", "person", IDENTITY, erasable=True),
    _row("person.aliases", "other names used", "person", IDENTITY, erasable=True),
    _row("person.birth_date", "birth date", "person", IDENTITY, erasable=True),
    _row("person.nationality", "nationality", "person", IDENTITY, erasable=True),
    _row("person.phone", "person's phone", "person", IDENTITY, erasable=True),
    _row("attachment.original_name", "document file name", "person", REFERRER_TEXT, erasable=True),
    # What happened to them (the referrer's narrative).
    _row("request.situation", "situation (narrative)", "person", NARRATIVE, erasable=True),
    _row("person.exploiters", "what is known of the exploiters", "person", NARRATIVE, erasable=True),
    _row("person.health_needs", "health needs (notes)", "person", NARRATIVE, erasable=True),
    _row(
        "dangerzone.referrer", "danger zone typed by the referrer (town)", "person", NARRATIVE, erasable=True
    ),
    _row(
        "dangerzone.placement",
        "danger zone around a former placement (after an incident): its town",
        "person",
        "yes yes no no own own own no no no no",
    ),
    # Others read that such a zone exists, not where (policy.danger_zone_label).
    _row(
        "dangerzone.coordination",
        "danger zone set by the coordinators (town)",
        "person",
        COORDINATION_ONLY,
        erasable=True,
    ),
    # Free text.
    _row("consent.obtained_by", "consent obtained by", "person", REFERRER_TEXT),
    _row(
        "message.body", "messages (referrer and coordination thread)", "person", REFERRER_TEXT, erasable=True
    ),
    _row(
        "request.decision_reason",
        "coordinator's decision reasons (information, redirect, decline, close)",
        "person",
        REFERRER_TEXT,
        erasable=True,
    ),
    _row("request.withdraw_reason", "referrer's withdrawal reason", "person", REFERRER_TEXT, erasable=True),
    _row("proposal.refusal_text", "shelter's refusal text", "person", SHELTER_TEXT, erasable=True),
    _row(
        "proposal.closing_reason",
        "withdrawal reason after the interview",
        "person",
        SHELTER_TEXT,
        erasable=True,
    ),
    _row(
        "proposal.not_arrived_reason",
        "reason the person did not arrive",
        "person",
        SHELTER_TEXT,
        erasable=True,
    ),
    _row("proposal.interview_link", "how to join the interview", "person", ARRIVAL_SIDE, erasable=True),
    _row("stay.exit_note", "exit note", "person", SHELTER_TEXT, erasable=True),
    _row("incident.description", "incident description (placement)", "person", SHELTER_TEXT, erasable=True),
    _row("disclosure.reason", "disclosure reason", "person", COORDINATION_ONLY, erasable=True),
    _row(
        "requestevent.zones_reason",
        "reason for changing the danger zones (timeline)",
        "person",
        COORDINATION_ONLY,
        erasable=True,
    ),
    _row("transfer.escort", "escort's name", "person", ARRIVAL_SIDE, erasable=True),
    _row("transfer.departure_place", "departure place", "person", DEPARTURE_SIDE),
    _row("transfer.arrival_place", "arrival place", "person", ARRIVAL_SIDE),
    _row("transfer.meeting_point", "meeting point", "person", ARRIVAL_SIDE),
    # The audit log's notes: an erasure's reason (about the person), the identity check before a
    # second-factor reset (about a user), read by administrators on the audit trail only.
    _row("auditnote.text", "audit note (erasure reason, identity check)", "person", ADMINISTRATION_ONLY),
    # Support and legal places (recorded here by the support partner following the person).
    _row("supportstep.note", "support step note", "person", SUPPORT_RECORD, erasable=True),
    _row("residencepermit.number", "residence document number", "person", SUPPORT_RECORD, erasable=True),
    _row(
        "legalcase.complaint_place",
        "police station of the complaint",
        "person",
        SUPPORT_RECORD,
        erasable=True,
    ),
    _row("legalcase.lawyer", "lawyer", "person", SUPPORT_RECORD, erasable=True),
    _row("hearing.court", "court", "person", SUPPORT_RECORD, erasable=True),
    _row("hearing.outcome", "hearing outcome", "person", SUPPORT_RECORD, erasable=True),
    _row(
        "supportincident.description", "support incident description", "person", SUPPORT_RECORD, erasable=True
    ),
)
ROW_BY_KEY = {row.key: row for row in ROWS}

# Values that are protected but cannot carry a unique text canary; said here so that the
# documentation names them and the "every encrypted field has a canary" check knows why.
NOT_CANARIED = {
    "attachment.content": "the document's bytes (metadata stripped): checked by the attachment tests",
    "residencepermit.prefecture": "a département code (two digits), not unique text",
    "requestevent.reason": (
        "the timeline's copy of the reasons above: their canaries cover it (the danger zones'"
        " change, whose reason only the timeline holds, has its row)"
    ),
    "weightset.note": "why the engine's weights changed (administrators): about no person or place",
    "trainingsession.notes": "a training's practical notes: about no person or place",
}


def render_markdown() -> str:
    """The table as it stands in docs/security.md, between the matrix markers."""
    short = [
        "coord.",
        "admin",
        "ref. own",
        "ref. other",
        "shelter proposed",
        "shelter current",
        "shelter former",
        "other shelter",
        "partner following",
        "other partner",
        "observer",
    ]
    lines = [
        "| field | " + " | ".join(short) + " | after erasure |",
        "|---|" + "---|" * (len(short) + 1),
    ]
    for row in ROWS:
        erased = "gone" if row.erasable else "kept"
        lines.append(f"| {row.label} (`{row.key}`) | " + " | ".join(row.cells) + f" | {erased} |")
    return "\n".join(lines) + "\n"


BEGIN = "<!-- disclosure-matrix:begin (generated by `python -m tests.leak.matrix`) -->"
END = "<!-- disclosure-matrix:end -->"


if __name__ == "__main__":
    print(BEGIN)
    print(render_markdown(), end="")
    print(END)
