"""The leak crawl (SECURITY.md, issue 12): canaries in every protected field, journeys through
every state with the invariants checked after each step, then every page, download,
notification and e-mail of every viewer checked against the disclosure matrix.

One test, so that the network is seeded and crawled once (pytest-xdist would run a module
fixture once per worker); its failure lists every finding by kind, and
test-output/leak-crawl.txt holds them all with the crawl's size (the timings go to the terminal).
"""

from __future__ import annotations

import pathlib
import time
from typing import Any

from tests.conftest import Network
from tests.leak import crawl as crawler
from tests.leak.matrix import ROWS
from tests.leak.seed import Seeder, seed

OUTPUT = pathlib.Path(__file__).resolve().parents[2] / "test-output" / "leak-crawl.txt"

# What each viewer must find where its work needs it: if the crawl stopped finding these (a
# canary spelled differently on the page, a matcher broken), it would stop finding leaks too.
MUST_BE_SEEN = {
    "coordinator": {
        *("shelter.name", "shelter.commune", "person.first_name", "person.birth_date", "message.body"),
    },
    "referrer_own": {
        *("person.first_name", "person.birth_date", "person.phone", "request.situation", "message.body"),
    },
    "shelter_current": {"shelter.name", "person.first_name", "person.last_name"},
    "partner_following": {"person.first_name", "legalcase.lawyer", "hearing.court"},
}
# Rows the matrix lets coordinators and administrators read but that no page, download,
# notification or e-mail shows to anyone today (the last crawl found them nowhere): stored and
# encrypted, with a canary, but nothing to look at. Every other row they may read, they must find
# (else the crawl could pass without looking); a row here that starts being shown fails the test,
# so that it moves to the rows that must be found.
NEVER_SHOWN = {
    "attachment.original_name": "documents are listed by kind and date, downloads named by the kind",
    "proposal.refusal_text": "pages show a refusal's reason code, not the shelter's text",
    "stay.exit_note": "pages show the exit's outcome, not the shelter's note",
    "incident.description": "pages show a placement incident's kind and date, not its description",
}

# What an erasure keeps, still found on the erased person's pages: without it, an erased person
# whose pages nobody reaches would pass the erasure check without being looked at.
MUST_BE_SEEN_AFTER_ERASURE = {
    ("coordinator", "transfer.arrival_place"),
    ("coordinator", "dangerzone.placement"),
    ("shelter_current", "transfer.meeting_point"),
}


def test_the_leak_crawl_finds_no_leak(network: Network, django_capture_on_commit_callbacks: Any) -> None:
    # A failed run must not leave the previous run's summary looking like its own.
    OUTPUT.unlink(missing_ok=True)
    started = time.monotonic()
    # Notifications and e-mails leave after commit: run them as the journeys go.
    with django_capture_on_commit_callbacks(execute=True):
        seeder = seed(network)
    seeded = time.monotonic() - started
    result = crawler.run(network, seeder)
    _write_summary(seeder, result)
    # Timings vary from run to run: the terminal shows them, the summary file does not.
    cpu = result.cpu_seconds
    print(f"seeding and journeys: {seeded:.1f} s; crawl: {result.seconds:.1f} s ({cpu:.1f} s of CPU)")
    sanity = []
    if seeder.steps < 40 or result.fetched < 500:
        sanity.append(f"{seeder.steps} steps, {result.fetched} responses")
    if not result.notifications_checked or not result.emails_checked:
        sanity.append(
            f"{result.notifications_checked} notifications, {result.emails_checked} e-mails checked"
        )
    sanity += [f"{viewer} reached no URL" for viewer, n in result.urls_by_viewer.items() if not n]
    expected = {(relation, key) for relation, keys in MUST_BE_SEEN.items() for key in keys}
    expected |= {
        (relation, row.key)
        for relation in ("coordinator", "administrator")
        for row in ROWS
        if row.cell(relation) == "yes" and row.key not in NEVER_SHOWN
    }
    shown_after_all = sorted({key for _relation, key in result.seen} & set(NEVER_SHOWN))
    sections = [
        (
            "fields of the matrix without a canary in seed.py",
            sorted({r.key for r in ROWS} - {c.key for c in seeder.canaries}),
        ),
        ("the crawl is too small to prove anything", sanity),
        (
            "canaries no longer found where they belong (relation, field)",
            [str(x) for x in sorted(expected - result.seen)],
        ),
        (
            "kept fields of an erased person no longer found (relation, field)",
            [str(x) for x in sorted(MUST_BE_SEEN_AFTER_ERASURE - result.seen_erased)],
        ),
        ("rows of NEVER_SHOWN now shown (remove them from it)", shown_after_all),
        ("leaks: seen where the matrix says no", result.leaks),
        ("identity shown without its read.sensitive event", result.unaudited),
        ("server errors", result.errors),
        ("empty POSTs that changed state", result.changed_by_empty_post),
        ("broken invariants", seeder.invariant_failures),
        ("forbidden actions allowed", seeder.refusal_failures),
    ]
    failed = [f"{title}: {_report(items)}" for title, items in sections if items]
    assert not failed, "\n".join(failed)


def _write_summary(seeder: Seeder, r: crawler.Result) -> None:
    lines = [
        "Leak crawl (tests/leak)",
        f"journey steps checked for invariants: {seeder.steps}",
        f"viewers: {len(r.urls_by_viewer)}; URLs per viewer: "
        + ", ".join(f"{v} {n}" for v, n in sorted(r.urls_by_viewer.items())),
        f"responses fetched: {r.fetched}; notifications checked: {r.notifications_checked}; "
        f"e-mails checked: {r.emails_checked}",
        "answers: " + ", ".join(f"{k} {v}" for k, v in sorted(r.statuses.items())),
        "content types: " + ", ".join(f"{k} {v}" for k, v in sorted(r.content_types.items())),
        f"canaries: {r.canaries} over {len(ROWS)} fields of the matrix",
        f"viewers × URLs × canaries: {len(r.urls_by_viewer)} × {sum(r.urls_by_viewer.values())} "
        f"(total) × {r.canaries}",
        f"findings: {len(r.leaks)} leaks, {len(r.unaudited)} unaudited identity reads, "
        f"{len(r.errors)} errors, {len(r.changed_by_empty_post)} empty POSTs that changed state, "
        f"{len(seeder.invariant_failures)} broken invariants, "
        f"{len(seeder.refusal_failures)} forbidden actions allowed",
    ]
    OUTPUT.parent.mkdir(exist_ok=True)
    sections = [
        ("LEAKS", r.leaks),
        ("UNAUDITED IDENTITY READS", r.unaudited),
        ("ERRORS", r.errors),
        ("EMPTY POSTS THAT CHANGED STATE", r.changed_by_empty_post),
        ("BROKEN INVARIANTS", seeder.invariant_failures),
        ("FORBIDDEN ACTIONS ALLOWED", seeder.refusal_failures),
    ]
    body = "\n".join(lines) + "\n"
    for title, items in sections:
        body += f"\n== {title} ({len(items)})\n" + "".join(f"- {item}\n" for item in sorted(items))
    body += "\n== ANSWERS PER ROUTE\n" + "".join(f"- {k}: {v}\n" for k, v in sorted(r.route_answers.items()))
    body += "\n== SEEN WHERE ALLOWED (relation, field)\n" + "".join(f"- {a} {b}\n" for a, b in sorted(r.seen))
    body += "\n== SEEN AFTER AN ERASURE (relation, field)\n" + "".join(
        f"- {a} {b}\n" for a, b in sorted(r.seen_erased)
    )
    OUTPUT.write_text(body, encoding="utf-8")
    print("\n" + "\n".join(lines))


def _report(items: list[str], limit: int = 60) -> str:
    shown = "\n".join(f"  - {item}" for item in sorted(set(items))[:limit])
    more = (
        f"\n  … and {len(set(items)) - limit} more (test-output/leak-crawl.txt)"
        if len(set(items)) > limit
        else ""
    )
    return f"{len(set(items))} findings:\n{shown}{more}"
