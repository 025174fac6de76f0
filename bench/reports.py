"""Benchmark of the statistics on PostgreSQL: 100,000 requests and 1,000,000 audit events.

    DATABASE_URL=postgres://abri_bench:abri_bench@127.0.0.1:5432/abri_bench_reports \\
        .venv/bin/python bench/reports.py [--requests 100000] [--audit 1000000] [--keep]

The database must be an EMPTY, throwaway PostgreSQL database (docs/reports.md shows how to create
one): the script migrates it, fills it (bulk inserts, COPY for the audit log), then times

- the dashboard selector (every figure, last 12 months and one whole year) and the HTTP page;
- the observers' page (the yearly tables and their joint suppression);
- the annual survey export, CSV and XLSX, through HTTP, every byte consumed;
- the peak Python memory (tracemalloc) of the CSV stream for 10,000 and for 100,000 rows.

Synthetic audit events are written with a valid keyed chain (the same HMAC and audit key as
``abri.audit``), by COPY, in id order, and the chain head is set at the end: ``audit_verify``
still passes. Nothing here is personal data; names are left empty, health needs are encrypted
like real ones so that the export pays for their decryption.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import time
import tracemalloc
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abri.settings")
os.environ.setdefault("ABRI_VAR_DIR", "/tmp/abri-bench-var")
Path(os.environ["ABRI_VAR_DIR"]).mkdir(parents=True, exist_ok=True)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from abri.accounts.models import Organisation, User  # noqa: E402
from abri.audit.chain import GENESIS, keyed_hash  # noqa: E402
from abri.audit.keys import audit_keys  # noqa: E402
from abri.audit.models import AuditHead  # noqa: E402
from abri.core import geography  # noqa: E402
from abri.network.models import AvailabilityChange, Shelter  # noqa: E402
from abri.placements.models import Proposal, Stay  # noqa: E402
from abri.referrals.models import HouseholdMember, Person, Request  # noqa: E402
from abri.reports import exports, observers, selectors  # noqa: E402

BATCH = 5000
FORMS = [("sexual", 86), ("labour", 7), ("domestic", 4), ("forced_crime", 2), ("begging", 1)]
COUNTRIES = [
    ("NG", 40),
    ("RO", 12),
    ("CN", 8),
    ("CI", 8),
    ("CM", 6),
    ("BG", 5),
    ("BR", 5),
    ("FR", 6),
    ("MA", 4),
    ("unknown", 6),
]
SECTORS = ["association", "police", "health", "justice", "social", "labour", "other"]
OUTCOMES = ["housing", "other_chrs", "medical_social", "return", "left", "exploiter", "other"]
REASONS = ["no_place", "profile", "needs", "security", "household", "other"]


def pick(rng: random.Random, items: list[tuple[str, int]]) -> str:
    return rng.choices([i[0] for i in items], weights=[i[1] for i in items])[0]


def timed(fn: Any, repeat: int = 3) -> tuple[float, Any]:
    """Best and median of a few runs (seconds); the first run warms the caches too."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def build(n_requests: int, n_audit: int, seed: int = 2026) -> dict[str, Any]:
    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    deps = [d.code for d in geography.departements() if len(d.code) == 2]
    started = time.perf_counter()
    coordinator_org = Organisation.objects.create(
        name="Bench coordination", kind="coordinator", departement="06"
    )
    coordinator = User.objects.create(
        username="bench-coordinator",
        organisation=coordinator_org,
        role="coordinator",
        email="c@bench.invalid",
    )
    referrers = Organisation.objects.bulk_create(
        [
            Organisation(
                name=f"Bench referrer {i}",
                kind="referrer",
                departement=rng.choice(deps),
                sector=rng.choice(SECTORS),
            )
            for i in range(120)
        ]
    )
    referrer_users = User.objects.bulk_create(
        [User(username=f"bench-ref-{i}", organisation=o, role="referrer") for i, o in enumerate(referrers)]
    )
    operators = Organisation.objects.bulk_create(
        [Organisation(name=f"Bench shelter operator {i}", kind="shelter_operator") for i in range(60)]
    )
    shelters = []
    for i, operator in enumerate(operators):
        dep = rng.choice(deps)
        shelters.append(
            Shelter(
                operator=operator,
                name=f"CHRS bench {i}",
                commune="Ville",
                departement=dep,
                region=geography.departement(dep).region,
                latitude=45.0,
                longitude=3.0,
                accepts_genders=["F"],
                dedicated_places=rng.randint(8, 20),
            )
        )
    Shelter.objects.bulk_create(shelters)
    Shelter.objects.update(created_at=now - datetime.timedelta(days=6 * 365))
    AvailabilityChange.objects.bulk_create(
        [
            AvailabilityChange(
                shelter=s,
                kind="dedicated",
                by=coordinator,
                dedicated_places=s.dedicated_places,
                free_places=0,
            )
            for s in shelters
        ]
    )
    timings = {"organisations and shelters": time.perf_counter() - started}

    # Persons, households, requests, proposals, stays: in batches, 5 years of activity.
    started = time.perf_counter()
    span = 5 * 365
    made = 0
    while made < n_requests:
        size = min(BATCH, n_requests - made)
        persons, members, requests, proposals, stays = [], [], [], [], []
        for i in range(size):
            k = made + i
            woman = rng.random() < 0.89
            person = Person(
                reference=f"B-{k:07d}",
                pseudonym="Bench",
                gender="F" if woman else rng.choice("MX"),
                age=max(15, min(70, int(rng.gauss(28, 8)))),
                languages=["en"],
                exploitation_forms=[pick(rng, FORMS)],
                country_of_origin=pick(rng, COUNTRIES),
                exploiter_relation=rng.choice(["network", "family", "spouse", "employer", "unknown"]),
                exploitation_place=rng.choice(["france", "abroad", "both", "unknown"]),
                exploitation_start_age=rng.choice(["15_17", "18_24", "25_34", "unknown"]),
                housed_by_exploiter=rng.choice(["yes", "no", "unknown"]),
                complaint_filed=rng.random() < 0.45,
                permit_status=rng.choice(["none", "reflection", "permit"]),
                health_needs={"health": rng.random() < 0.3, "addiction": rng.random() < 0.08, "notes": ""},
            )
            persons.append(person)
            if woman and rng.random() < 0.25:
                members.append(
                    HouseholdMember(person=person, relation="child", gender="F", age=rng.randint(0, 12))
                )
            days_ago = int(span * (1 - (k / n_requests)))
            submitted = now - datetime.timedelta(days=days_ago, hours=rng.randint(0, 23))
            ref = rng.randrange(len(referrers))
            fate = rng.random()
            status = (
                "in_stay"
                if fate < 0.45
                else "declined"
                if fate < 0.55
                else "redirected"
                if fate < 0.7
                else "closed"
                if fate < 0.8
                else "searching"
            )
            request = Request(
                person=person,
                referrer=referrers[ref],
                created_by=referrer_users[ref],
                status=status,
                urgency=rng.choice(["normal", "urgent", "immediate"]),
                submitted_at=submitted,
            )
            requests.append(request)
            if status in ("in_stay", "searching", "closed"):
                created = submitted + datetime.timedelta(days=rng.randint(1, 10))
                if rng.random() < 0.35:
                    proposals.append(
                        Proposal(
                            request=request,
                            shelter=rng.choice(shelters),
                            places=1,
                            status="refused",
                            expires_at=created,
                            created_by=coordinator,
                            refusal_reason=rng.choice(REASONS),
                        )
                    )
                if status == "in_stay":
                    arrived = Proposal(
                        request=request,
                        shelter=rng.choice(shelters),
                        places=1,
                        status="arrived",
                        expires_at=created,
                        created_by=coordinator,
                    )
                    proposals.append(arrived)
                    start = (submitted + datetime.timedelta(days=rng.randint(3, 60))).date()
                    end = start + datetime.timedelta(days=rng.randint(30, 400))
                    stays.append(
                        Stay(
                            proposal=arrived,
                            request=request,
                            shelter=arrived.shelter,
                            places=1,
                            started_on=start,
                            ended_on=end if end < today else None,
                            exit_outcome=rng.choice(OUTCOMES) if end < today else "",
                        )
                    )
        with transaction.atomic():
            Person.objects.bulk_create(persons, batch_size=BATCH)
            HouseholdMember.objects.bulk_create(members, batch_size=BATCH)
            Request.objects.bulk_create(requests, batch_size=BATCH)
            Proposal.objects.bulk_create(proposals, batch_size=BATCH)
            Stay.objects.bulk_create(stays, batch_size=BATCH)
        made += size
        print(f"  {made} requests", end="\r", flush=True)
    # Proposals were created "now": move them to their request's time, in SQL.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE placements_proposal p SET created_at = r.submitted_at + interval '3 days' "
            "FROM referrals_request r WHERE p.request_id = r.id"
        )
    timings["requests, persons, proposals, stays"] = time.perf_counter() - started

    started = time.perf_counter()
    _audit_events(n_audit, now)
    timings["audit events (hash chain + COPY)"] = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    timings["analyze"] = time.perf_counter() - started
    return timings


def _audit_events(count: int, now: datetime.datetime) -> None:
    """Synthetic events with a valid chain, written by COPY (the triggers refuse only UPDATE/DELETE)."""
    prev = GENESIS
    version = audit_keys().current_version
    actions = ["request.step", "read.sensitive", "proposal.create", "stay.start", "access.refused"]
    start = now - datetime.timedelta(days=5 * 365)
    step = (now - start) / max(1, count)
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # psycopg 3
        columns = (
            "id, created_at, actor_id, actor_label, organisation_id, action, object_type, object_id, "
            "ip_address, data, prev_hash, hash, key_version"
        )
        with cursor.copy(f"COPY audit_auditevent ({columns}) FROM STDIN") as copy:
            for i in range(1, count + 1):
                created = start + step * i
                fields = {
                    "id": i,
                    "created_at": created.isoformat(),
                    "actor_id": None,
                    "actor_label": "bench",
                    "organisation_id": None,
                    "action": actions[i % len(actions)],
                    "object_type": "referrals.request",
                    "object_id": str(uuid.UUID(int=i)),
                    "ip_address": None,
                    "data": {},
                }
                digest = keyed_hash(prev, fields, version)
                copy.write_row(
                    (
                        i,
                        created,
                        None,
                        "bench",
                        None,
                        fields["action"],
                        "referrals.request",
                        fields["object_id"],
                        None,
                        json.dumps({}),
                        prev,
                        digest,
                        version,
                    )
                )
                prev = digest
        django_cursor.execute(
            "SELECT setval(pg_get_serial_sequence('audit_auditevent', 'id'), %s)", [max(count, 1)]
        )
    AuditHead.objects.update_or_create(id=1, defaults={"last_event_id": count, "last_hash": prev})


def signed_in_client() -> Client:
    from abri.accounts.models import EncryptedTOTPDevice
    from tests.conftest import TOTP_KEY, sign_in

    user = User.objects.get(username="bench-coordinator")
    EncryptedTOTPDevice.objects.get_or_create(
        user=user, name="bench", defaults={"confirmed": True, "key": TOTP_KEY}
    )
    return sign_in(Client(), user)


def consume(response: Any) -> int:
    if getattr(response, "streaming", False):
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def export_memory(limit: int) -> tuple[float, int]:
    """Peak traced memory (MB) while streaming the CSV of the first ``limit`` people."""
    queryset = exports.followed_in(timezone.localdate().year, everyone=True)[:limit]
    tracemalloc.start()
    rows = sum(piece.count("\n") for piece in exports.csv_stream_of(queryset, timezone.localdate().year))
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6, rows - 1


def measure() -> list[tuple[str, str, str]]:
    settings.ALLOWED_HOSTS = ["*"]
    last_year = timezone.localdate().year - 1
    results: list[tuple[str, str, str]] = []
    counts = {
        "requests": Request.objects.count(),
        "stays": Stay.objects.count(),
        "proposals": Proposal.objects.count(),
        "audit events": connection.cursor().execute("SELECT count(*) FROM audit_auditevent").fetchone()[0],
    }
    results.append(("data", ", ".join(f"{v} {k}" for k, v in counts.items()), ""))
    seconds, _board = timed(lambda: selectors.dashboard(selectors.default_filters()))
    results.append(("dashboard selector, last 13 months", f"{seconds:.3f} s", ""))
    seconds, _board = timed(lambda: selectors.dashboard(selectors.year_filters(last_year)))
    results.append((f"dashboard selector, year {last_year}", f"{seconds:.3f} s", ""))
    region = geography.regions()[-1].code
    seconds, _board = timed(
        lambda: selectors.dashboard(
            selectors.Filters(
                **{**selectors.default_filters().__dict__, "region": region, "sector": "police"}
            )
        )
    )
    results.append(("dashboard selector, one région and kind", f"{seconds:.3f} s", ""))
    client = signed_in_client()
    seconds, response = timed(lambda: client.get("/statistics/"))
    results.append(
        ("dashboard page (HTTP, HTML rendered)", f"{seconds:.3f} s", f"{len(response.content)} bytes")
    )
    # A year's observers' tables are computed and frozen once (first publication: primary,
    # secondary and protection-interval suppression), then read from the snapshot.
    from abri.reports.models import PublishedYear

    PublishedYear.objects.filter(year=last_year).delete()
    started = time.perf_counter()
    published = observers.published_tables(last_year)
    hidden = sum(len(t.hidden) for t in published)
    results.append(
        (
            "observers' tables, first publication (7 tables, joint suppression)",
            f"{time.perf_counter() - started:.3f} s",
            f"{hidden} values hidden",
        )
    )
    seconds, response = timed(lambda: client.get("/statistics/observatory/", {"year": last_year}))
    results.append(("observers' page, published year (HTTP)", f"{seconds:.3f} s", f"{response.status_code}"))
    rows = sum(1 for _ in exports.followed_in(last_year).values_list("pk"))
    seconds, size = timed(lambda: consume(client.get("/statistics/survey.csv", {"year": last_year})))
    results.append(
        (
            f"survey export CSV {last_year} (HTTP, all consumed)",
            f"{seconds:.3f} s",
            f"{rows} rows, {size} bytes",
        )
    )
    seconds, size = timed(lambda: consume(client.get("/statistics/survey.xlsx", {"year": last_year})))
    results.append(
        (f"survey export XLSX {last_year} (HTTP, all consumed)", f"{seconds:.3f} s", f"{size} bytes")
    )
    seconds, size = timed(
        lambda: consume(client.get("/statistics/report.pdf", {"year": last_year})), repeat=1
    )
    results.append((f"annual report PDF {last_year}", f"{seconds:.3f} s", f"{size} bytes"))
    for limit in (10_000, 100_000):
        start = time.perf_counter()
        peak, n = export_memory(limit)
        results.append(
            (f"CSV stream of {n} rows: peak memory", f"{peak:.1f} MB", f"{time.perf_counter() - start:.2f} s")
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--audit", type=int, default=1_000_000)
    parser.add_argument("--measure-only", action="store_true", help="reuse the data already there")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to an empty throwaway PostgreSQL database (docs/reports.md).")
    call_command("migrate", verbosity=0)  # also brings a kept database up to date
    if not args.measure_only:
        if Request.objects.exists():
            sys.exit("The database is not empty: use a throwaway one, or --measure-only.")
        print(f"Building {args.requests} requests and {args.audit} audit events…")
        for step, seconds in build(args.requests, args.audit).items():
            print(f"  {step:<40} {seconds:7.1f} s")
    print()
    results = measure()
    width = max(len(r[0]) for r in results)
    print(f"| {'measure':<{width}} | result | note |")
    print(f"|{'-' * (width + 2)}|---|---|")
    for name, value, note in results:
        print(f"| {name:<{width}} | {value} | {note} |")


if __name__ == "__main__":
    main()
