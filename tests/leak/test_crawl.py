"""The leak crawl (SECURITY.md, issue 12): canaries in every protected field, journeys through
every state with the invariants checked after each step, then every page, download,
notification and e-mail of every viewer checked against the disclosure matrix.

The network is seeded and crawled once for the module (a few seconds of journeys, then the
crawl); each test below reports one kind of finding, so a failure names what broke.
"""

from __future__ import annotations

import pathlib
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.test import TestCase, override_settings

from abri.accounts.models import Organisation
from tests.conftest import KIND_OF_ROLE, Network, make_user
from tests.leak import crawl as crawler
from tests.leak.matrix import ROWS
from tests.leak.seed import Seeder, seed

# Marked so that pytest-django sets the test database up; the data itself lives in the
# module-scoped fixture below, inside one transaction rolled back at the end.
pytestmark = pytest.mark.django_db

OUTPUT = pathlib.Path(__file__).resolve().parents[2] / "test-output" / "leak-crawl.txt"


def _network() -> Network:
    """tests/conftest.py's personas, made here because the crawl's data lives for the module."""
    orgs = {}
    for kind in {k.value for k in KIND_OF_ROLE.values()}:
        for side in ("own", "other"):
            orgs[(kind, side)] = Organisation.objects.create(name=f"{kind} {side}", kind=kind)
    users = {}
    for role, kind in KIND_OF_ROLE.items():
        for side in ("own", "other"):
            users[(role.value, side)] = make_user(
                f"{role.value}-{side}", orgs[(kind.value, side)], role.value
            )
    return Network(orgs=orgs, users=users)


class Crawl:
    seeder: Seeder
    result: crawler.Result


@pytest.fixture(scope="module")
def crawl(django_db_setup: Any, django_db_blocker: Any) -> Crawl:
    done = Crawl()
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        mail.outbox = []
        # Notifications and e-mails leave after commit: run them as the journeys go.
        with TestCase.captureOnCommitCallbacks(execute=True):
            network = _network()
            done.seeder = seed(network)
        done.result = crawler.run(network, done.seeder)
        _write_summary(done)
        transaction.set_rollback(True)
    return done


def _write_summary(done: Crawl) -> None:
    r = done.result
    lines = [
        "Leak crawl (tests/leak)",
        f"journey steps checked for invariants: {done.seeder.steps}",
        f"viewers: {len(r.urls_by_viewer)}; URLs per viewer: "
        + ", ".join(f"{v} {n}" for v, n in r.urls_by_viewer.items()),
        f"responses fetched: {r.fetched}; notifications and e-mails checked: {r.messages_checked}",
        "answers: " + ", ".join(f"{k} {v}" for k, v in sorted(r.statuses.items())),
        "content types: " + ", ".join(f"{k} {v}" for k, v in sorted(r.content_types.items())),
        f"canaries: {r.canaries} over {len(ROWS)} fields of the matrix",
        f"viewers × URLs × canaries: {len(r.urls_by_viewer)} × {sum(r.urls_by_viewer.values())} "
        f"(total) × {r.canaries}",
        f"crawl time: {r.seconds:.1f} s ({r.cpu_seconds:.1f} s of CPU)",
        f"findings: {len(r.leaks)} leaks, {len(r.unaudited)} unaudited identity reads, "
        f"{len(r.errors)} errors, {len(r.changed_by_empty_post)} empty POSTs that changed state, "
        f"{len(done.seeder.invariant_failures)} broken invariants, "
        f"{len(done.seeder.refusal_failures)} forbidden actions allowed",
    ]
    OUTPUT.parent.mkdir(exist_ok=True)
    sections = [
        ("LEAKS", r.leaks),
        ("UNAUDITED IDENTITY READS", r.unaudited),
        ("ERRORS", r.errors),
        ("EMPTY POSTS THAT CHANGED STATE", r.changed_by_empty_post),
        ("BROKEN INVARIANTS", done.seeder.invariant_failures),
        ("FORBIDDEN ACTIONS ALLOWED", done.seeder.refusal_failures),
    ]
    body = "\n".join(lines) + "\n"
    for title, items in sections:
        body += f"\n== {title} ({len(items)})\n" + "".join(f"- {item}\n" for item in items)
    body += "\n== ANSWERS PER ROUTE\n" + "".join(f"- {k}: {v}\n" for k, v in sorted(r.route_answers.items()))
    body += "\n== SEEN WHERE ALLOWED (relation, field)\n" + "".join(f"- {a} {b}\n" for a, b in sorted(r.seen))
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


def test_every_matrix_field_got_a_canary(crawl: Crawl) -> None:
    seeded = {c.key for c in crawl.seeder.canaries}
    assert not {r.key for r in ROWS} - seeded, "seed a canary for these fields in tests/leak/seed.py"


def test_no_viewer_sees_what_the_matrix_denies(crawl: Crawl) -> None:
    assert not crawl.result.leaks, _report(crawl.result.leaks)


def test_every_identity_shown_has_its_read_event(crawl: Crawl) -> None:
    assert not crawl.result.unaudited, _report(crawl.result.unaudited)


def test_no_page_fails_and_no_empty_post_changes_anything(crawl: Crawl) -> None:
    problems = crawl.result.errors + [
        f"empty POST changed state: {p}" for p in crawl.result.changed_by_empty_post
    ]
    assert not problems, _report(problems)


def test_invariants_hold_after_every_step(crawl: Crawl) -> None:
    assert crawl.seeder.steps > 40
    assert not crawl.seeder.invariant_failures, _report(crawl.seeder.invariant_failures)


def test_forbidden_actions_are_refused(crawl: Crawl) -> None:
    assert not crawl.seeder.refusal_failures, _report(crawl.seeder.refusal_failures)


def test_the_crawl_reached_every_viewer_and_stays_small(crawl: Crawl) -> None:
    """A crawl that fetches nothing proves nothing; one that takes minutes will be switched off."""
    assert all(n > 0 for n in crawl.result.urls_by_viewer.values())
    assert crawl.result.fetched > 500
    assert crawl.result.messages_checked > 0


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


def test_the_crawl_finds_what_each_viewer_may_see(crawl: Crawl) -> None:
    missing = {(relation, key) for relation, keys in MUST_BE_SEEN.items() for key in keys} - crawl.result.seen
    assert not missing, f"the crawl no longer finds these canaries where they belong: {sorted(missing)}"
