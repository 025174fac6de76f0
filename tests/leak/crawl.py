"""Fetch everything every viewer can reach and check each canary found against the matrix.

URLs come from the URL configuration and the route table (abri.access.routes): every route,
with every id in the database for the kind of object it names. A route whose rule does not
admit the viewer's role is left out (tests/access/test_routes.py proves those answer 404).
"""

from __future__ import annotations

import html
import io
import re
import time
import traceback
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core import mail
from django.test import Client
from django.urls import reverse

from abri.access.routes import ROUTES
from abri.audit.models import AuditEvent
from tests.conftest import Network, sign_in
from tests.leak.matrix import ROW_BY_KEY
from tests.leak.seed import Canary, Seeder

# The viewers: one user per role and side.
VIEWER_USERS = (
    ("coordinator", "own"),
    ("administrator", "own"),
    ("referrer", "own"),
    ("referrer", "other"),
    ("shelter_staff", "own"),
    ("shelter_staff", "other"),
    ("partner", "own"),
    ("partner", "other"),
    ("observer", "own"),
)
# Routes the crawl does not open, and why.
SKIPPED_ROUTES = {
    "accounts:logout": "ends the crawler's session",
    "otp_webauthn:credential-registration-begin": "passkey ceremony (JSON, no data of the network)",
    "otp_webauthn:credential-registration-complete": "passkey ceremony (JSON, no data of the network)",
    "otp_webauthn:credential-authentication-begin": "passkey ceremony (JSON, no data of the network)",
    "otp_webauthn:credential-authentication-complete": "passkey ceremony (JSON, no data of the network)",
}
# POST-only routes whose form is a single button: an empty POST is the action itself, by design
# (CSRF and step-up guard it). The crawl GETs them but does not press the button.
ONE_BUTTON_ROUTES = {
    "accounts:user_deactivate": "deactivates the user and ends their sessions",
}
# Query strings a route is also fetched with: the audit trail shows the newest 50 events, which
# the crawl's own reads push far down; filtered by action, the notes are on the first page.
EXTRA_QUERIES = {
    "audit:event_list": ("action=person.erase", "action=mfa.reset"),
}
IDENTITY_ROWS = frozenset(
    f"person.{name}" for name in ("first_name", "last_name", "aliases", "birth_date", "nationality", "phone")
)


def _pks(model: Any) -> list[dict[str, Any]]:
    return [{"pk": pk} for pk in model.objects.values_list("pk", flat=True)]


def object_kwargs() -> dict[str, list[dict[str, Any]]]:
    """Every kind of object a route names, with every such object in the database."""
    from abri.accounts.models import Organisation, User
    from abri.network.models import Shelter
    from abri.placements.models import Proposal, Stay
    from abri.referrals.models import Attachment, Person, Request
    from abri.referrals.services import STEPS as REQUEST_STEPS
    from abri.support import views as support_views
    from abri.support.models import LegalCase, SupportFollow, SupportIncident
    from abri.training.models import Attendance, TrainingSession

    persons = _pks(Person)
    return {
        "organisation": _pks(Organisation),
        "directory_organisation": _pks(Organisation),
        "user": _pks(User),
        "invitation_token": [{"token": "not-a-valid-token"}],
        "shelter": _pks(Shelter),
        "request": _pks(Request),
        "request_step": [
            {"pk": r["pk"], "step": step} for r in _pks(Request) for step in range(1, len(REQUEST_STEPS) + 1)
        ],
        "person": persons,
        "attachment": _pks(Attachment),
        "proposal": _pks(Proposal),
        "stay": _pks(Stay),
        "support_person": persons,
        "support_person_add": [
            {"pk": p["pk"], "kind": k} for p in persons for k in support_views.PERSON_KINDS
        ],
        "legal_case": [{"pk": c["pk"], "kind": k} for c in _pks(LegalCase) for k in support_views.CASE_KINDS],
        "support_entry": [
            {"pk": e["pk"], "kind": kind}
            for kind in support_views.EDIT_KINDS
            for e in _pks(support_views.ENTRY_KINDS[kind]["model"])
        ],
        "support_follow": _pks(SupportFollow),
        "support_incident": _pks(SupportIncident),
        "training_session": _pks(TrainingSession),
        "attendance": _pks(Attendance),
    }


def urls_for(role: str, kwargs_by_kind: dict[str, list[dict[str, Any]]]) -> list[tuple[str, str, bool]]:
    """(route name, URL, POST-only) for every route this role's rule admits."""
    urls = []
    for name, rule in sorted(ROUTES.items()):
        if name in SKIPPED_ROUTES:
            continue
        if not (rule.public or rule.pre_mfa or role in rule.roles):
            continue
        for kwargs in kwargs_by_kind[rule.obj] if rule.obj else [{}]:
            url = reverse(name, kwargs=kwargs)
            urls.append((name, url, rule.get_status == 405))
            urls.extend((name, f"{url}?{query}", False) for query in EXTRA_QUERIES.get(name, ()))
    return urls


def body_text(response: Any) -> str:
    """What a reader gets: HTML unescaped, spreadsheets' cells, PDF text, headers."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    ctype = response.get("Content-Type", "")
    headers = " ".join(f"{k}: {v}" for k, v in response.items())
    if "pdf" in ctype or content[:5] == b"%PDF-":
        from pypdf import PdfReader

        text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)
    elif "spreadsheetml" in ctype:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True)
        text = "\n".join(
            " ".join("" if v is None else str(v) for v in row)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    elif ctype.startswith("image/") or "octet-stream" in ctype:
        text = content.decode("latin-1")
    else:
        text = content.decode("utf-8", "replace")
    return html.unescape(f"{headers}\n{text}")


_FINGERPRINT_SQL: list[str] = []
FINGERPRINT_APPS = (
    "accounts",
    "referrals",
    "placements",
    "network",
    "support",
    "training",
    "reports",
    "search",
)


def state_fingerprint() -> tuple[Any, ...]:
    """Enough of the database to see whether an empty POST changed anything: for every table of
    the network's data, its row count, newest change and a few counters, in one query."""
    from django.apps import apps
    from django.db import connection

    if not _FINGERPRINT_SQL:
        parts = []
        for app in FINGERPRINT_APPS:
            for model in apps.get_app_config(app).get_models():
                names = {f.attname for f in model._meta.concrete_fields}
                columns = ["COUNT(*)"]
                if "updated_at" in names:
                    columns.append("MAX(updated_at)")
                if "places_taken" in names:
                    columns.append("SUM(places_taken)")
                if "is_active" in names:
                    columns.append("SUM(CASE WHEN is_active THEN 1 ELSE 0 END)")
                if "ended_on" in names:
                    columns.append("COUNT(ended_on)")
                joined = " || '/' || ".join(f"COALESCE(CAST({c} AS TEXT), '-')" for c in columns)
                table = connection.ops.quote_name(model._meta.db_table)
                parts.append(f"SELECT '{model._meta.label}', {joined} FROM {table}")
        _FINGERPRINT_SQL.append(" UNION ALL ".join(parts))
    with connection.cursor() as cursor:
        cursor.execute(_FINGERPRINT_SQL[0])
        return tuple(sorted(cursor.fetchall()))


@dataclass
class Result:
    leaks: list[str] = field(default_factory=list)
    unaudited: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    changed_by_empty_post: list[str] = field(default_factory=list)
    fetched: int = 0
    urls_by_viewer: dict[str, int] = field(default_factory=dict)
    notifications_checked: int = 0
    emails_checked: int = 0
    canaries: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    content_types: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    route_answers: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # (relation, field) pairs seen where the matrix allows them: the crawl's positive control.
    seen: set[tuple[str, str]] = field(default_factory=set)
    # The same, for the canaries of erased people (what an erasure keeps must still be found).
    seen_erased: set[tuple[str, str]] = field(default_factory=set)


TOKEN = re.compile(r"cnry[a-z]+\d{3}q")


class Matcher:
    """Finds every spelling of every canary in a text, fast: the generated tokens (``Cnry…q``)
    with one small regular expression, the few real values (towns, phones, dates) by substring
    search behind a cheap filter."""

    def __init__(self, canaries: list[Canary]) -> None:
        self.by_spelling: dict[str, list[Canary]] = defaultdict(list)
        for canary in canaries:
            for spelling in canary.spellings():
                self.by_spelling[spelling.casefold()].append(canary)
        self.plain = [s for s in self.by_spelling if not TOKEN.fullmatch(s)]

    def found(self, text: str) -> dict[str, list[Canary]]:
        folded = text.casefold()
        hits = {t for t in TOKEN.findall(folded) if t in self.by_spelling}
        hits.update(s for s in self.plain if s in folded)
        return {s: self.by_spelling[s] for s in hits}


class Judge:
    """The matrix applied to a viewer and a canary, from the data as it stands."""

    def __init__(self, seeder: Seeder) -> None:
        self.seeder = seeder
        self._relations: dict[tuple[Any, Any], str] = {}
        self._erased: dict[Any, bool] = {}

    def erased(self, subject: Any) -> bool:
        """Read from the database: the canary's subject is the instance the seeder held when it
        filed the request, from before any erasure."""
        from abri.referrals.models import Person

        if not isinstance(subject, Person):
            return False
        if subject.pk not in self._erased:
            self._erased[subject.pk] = Person.objects.filter(pk=subject.pk, erased_at__isnull=False).exists()
        return self._erased[subject.pk]

    def relation(self, user: Any, subject: Any) -> str:
        key = (user.pk, subject.pk)
        if key not in self._relations:
            self._relations[key] = self._relation(user, subject)
        return self._relations[key]

    def _relation(self, user: Any, subject: Any) -> str:
        from abri.accounts.models import User
        from abri.network.models import Shelter
        from abri.placements.models import Proposal, Stay
        from abri.referrals.models import Request
        from abri.support.models import SupportFollow

        role, org = str(user.role), user.organisation_id
        if role in ("coordinator", "administrator", "observer"):
            return role
        if isinstance(subject, User):
            # A user's own record (an audit note about them): no request, shelter or follow-up
            # relates the viewer to it.
            return {
                "referrer": "referrer_other",
                "partner": "partner_other",
                "shelter_staff": "shelter_other",
            }[role]
        if isinstance(subject, Shelter):
            return {
                "referrer": "referrer_own",
                "partner": "partner_other",
                "shelter_staff": "shelter_current" if subject.operator_id == org else "shelter_other",
            }[role]
        person = subject
        if role == "referrer":
            mine = Request.objects.filter(person=person, referrer_id=org).exists()
            return "referrer_own" if mine else "referrer_other"
        if role == "partner":
            follows = SupportFollow.objects.filter(person=person, organisation_id=org, ended_on__isnull=True)
            return "partner_following" if follows.exists() else "partner_other"
        proposals = Proposal.objects.filter(request__person=person, shelter__operator_id=org)
        if not proposals.exists():
            return "shelter_other"
        live = proposals.filter(
            status__in=["agreed", "confirmed"], request__status__in=["place_found", "travelling"]
        ).exists()
        hosting = Stay.objects.filter(
            request__person=person, shelter__operator_id=org, ended_on__isnull=True, request__status="in_stay"
        ).exists()
        if live or hosting:
            return "shelter_current"
        if proposals.filter(status="pending", request__status="searching").exists():
            return "shelter_proposed"
        return "shelter_former"

    def allowed(self, user: Any, canary: Canary) -> bool:
        from abri.placements.models import Disclosure

        row = ROW_BY_KEY[canary.key]
        if row.erasable and self.erased(canary.subject):
            return False
        cell = row.cell(self.relation(user, canary.subject))
        if cell == "yes":
            return True
        if cell == "own":
            return bool(canary.author_org_id == user.organisation_id)
        if cell == "disclosed":
            return Disclosure.objects.filter(
                shelter=canary.subject, request__referrer_id=user.organisation_id
            ).exists()
        return False

    def state(self, canary: Canary) -> str:
        from abri.accounts.models import User
        from abri.network.models import Shelter

        subject = canary.subject
        if isinstance(subject, Shelter):
            return f"shelter {self.seeder.letter(subject.pk)}"
        if isinstance(subject, User):
            return f"user {subject.username}"
        subject.refresh_from_db(fields=["erased_at"])
        statuses = sorted(set(subject.requests.values_list("status", flat=True)))
        erased = ", erased" if subject.erased_at else ""
        return f"{self.seeder.journeys.get(subject.pk, '?')} (request {'/'.join(statuses)}{erased})"


def _viewer_label(user: Any, side: str) -> str:
    return f"{user.role} ({side})"


def check_text(
    judge: Judge, matcher: Matcher, user: Any, side: str, where: str, text: str, result: Result
) -> list[Canary]:
    """Record every canary the viewer may not see; return the identity canaries shown."""
    shown_identity = []
    for spelling, canaries in matcher.found(text).items():
        allowed = [c for c in canaries if judge.allowed(user, c)]
        if allowed:
            shown_identity.extend(c for c in allowed if c.key in IDENTITY_ROWS)
            result.seen.update((judge.relation(user, c.subject), c.key) for c in allowed)
            result.seen_erased.update(
                (judge.relation(user, c.subject), c.key) for c in allowed if judge.erased(c.subject)
            )
            continue
        c = canaries[0]
        relation = judge.relation(user, c.subject)
        result.leaks.append(
            f"{_viewer_label(user, side)} as {relation}: {where} shows {c.key} «{spelling}» "
            f"of {judge.state(c)}"
        )
    return shown_identity


def _audited(user: Any, person: Any, after_id: int) -> bool:
    """A read.sensitive event on the person naming identity fields, written during the response
    by this user (a subject-access export, audited as such, records the read too)."""
    events = AuditEvent.objects.filter(
        id__gt=after_id, actor=user, object_id=str(person.pk), action__in=["read.sensitive", "person.export"]
    )
    for event in events:
        if event.action == "person.export":
            return True
        fields = set((event.data or {}).get("fields") or [])
        if "identity" in fields or fields & {k.split(".")[1] for k in IDENTITY_ROWS}:
            return True
    return False


def run(network: Network, seeder: Seeder) -> Result:
    started, cpu = time.monotonic(), time.process_time()
    result = Result(canaries=len(seeder.canaries))
    matcher = Matcher(seeder.canaries)
    judge = Judge(seeder)
    kwargs_by_kind = object_kwargs()
    missing = {r.obj for r in ROUTES.values() if r.obj} - set(kwargs_by_kind)
    assert not missing, f"tests/leak/crawl.py: add the ids of {missing} to object_kwargs()"
    for role, side in VIEWER_USERS:
        user = network.user(role, side)
        client = sign_in(Client(raise_request_exception=False), user)
        urls = urls_for(role, kwargs_by_kind)
        result.urls_by_viewer[_viewer_label(user, side)] = len(urls)
        for name, url, post_only in urls:
            for method in ("get", "post") if post_only and name not in ONE_BUTTON_ROUTES else ("get",):
                before_id = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
                state = state_fingerprint() if method == "post" else None
                try:
                    response = getattr(client, method)(url, {})
                except Exception:
                    result.errors.append(
                        f"{_viewer_label(user, side)} {method.upper()} {url}: {traceback.format_exc()}"
                    )
                    continue
                result.fetched += 1
                result.content_types[response.get("Content-Type", "-").split(";")[0]] += 1
                result.statuses[response.status_code] += 1
                result.route_answers[f"{name} {method.upper()} {response.status_code}"] += 1
                if response.status_code >= 500:
                    result.errors.append(
                        f"{_viewer_label(user, side)} {method.upper()} {url} ({name}): {response.status_code}"
                    )
                if state is not None and state_fingerprint() != state:
                    result.changed_by_empty_post.append(f"{_viewer_label(user, side)} POST {url} ({name})")
                where = f"{method.upper()} {url} ({name}, {response.status_code})"
                try:
                    text = body_text(response)
                except Exception:
                    result.errors.append(f"{where}: unreadable download: {traceback.format_exc()}")
                    continue
                for canary in check_text(judge, matcher, user, side, where, text, result):
                    if not _audited(user, canary.subject, before_id):
                        result.unaudited.append(
                            f"{_viewer_label(user, side)}: {where} showed {canary.key} of "
                            f"{judge.state(canary)} without a read.sensitive event"
                        )
        # What reached this user outside the pages: notifications and e-mails.
        from abri.placements.models import Notification

        for notification in Notification.objects.filter(user=user):
            result.notifications_checked += 1
            check_text(
                judge,
                matcher,
                user,
                side,
                f"notification «{notification.message}»",
                notification.text,
                result,
            )
        for message in mail.outbox:
            if user.email in message.to:
                result.emails_checked += 1
                check_text(
                    judge,
                    matcher,
                    user,
                    side,
                    f"e-mail «{message.subject}»",
                    f"{message.subject}\n{message.body}",
                    result,
                )
    result.seconds = time.monotonic() - started
    result.cpu_seconds = time.process_time() - cpu
    return result
