"""The disclosure matrix: the documentation shows the data the crawl uses, and every protected
field of the domain has a row (so a new encrypted field without a canary fails here)."""

from __future__ import annotations

import pathlib

from django.apps import apps

from abri.core.fields import EncryptedField
from tests.leak.matrix import BEGIN, END, NOT_CANARIED, ROW_BY_KEY, ROWS, VIEWER_KEYS, render_markdown

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs" / "security.md"
# Applications whose encrypted fields hold the network's data, or free text about it (the audit
# log's notes); accounts holds the users' own secrets, checked by its own tests.
DOMAIN_APPS = ("referrals", "placements", "network", "support", "training", "reports", "search", "audit")
# Rows only administrators read (the audit trail is theirs); coordinators read every other row.
ADMINISTRATION_ROWS = {"auditnote.text"}


def test_the_documented_matrix_is_the_tested_one():
    text = DOCS.read_text(encoding="utf-8")
    assert BEGIN in text and END in text, "docs/security.md lost its disclosure matrix markers"
    documented = text.split(BEGIN, 1)[1].split(END, 1)[0].strip("\n") + "\n"
    assert documented == render_markdown(), (
        "docs/security.md and tests/leak/matrix.py disagree: paste the output of "
        "`python -m tests.leak.matrix` between the markers"
    )


def test_every_row_has_a_cell_for_every_viewer_and_one_key():
    assert len(ROW_BY_KEY) == len(ROWS)
    assert all(len(row.cells) == len(VIEWER_KEYS) for row in ROWS)
    # Nobody outside the coordination and the people concerned reads anything.
    assert all(row.cell("observer") == "no" and row.cell("partner_other") == "no" for row in ROWS)
    assert all(row.cell("administrator") == "yes" for row in ROWS)
    assert all((row.cell("coordinator") == "yes") == (row.key not in ADMINISTRATION_ROWS) for row in ROWS)


def test_every_encrypted_field_of_the_domain_has_a_canary():
    encrypted = {
        f"{model._meta.model_name}.{field.name}"
        for app in DOMAIN_APPS
        for model in apps.get_app_config(app).get_models()
        for field in model._meta.get_fields()
        if isinstance(field, EncryptedField)
    }
    assert encrypted, "no encrypted field found: the check itself is broken"
    missing = sorted(encrypted - set(ROW_BY_KEY) - set(NOT_CANARIED))
    assert not missing, (
        f"encrypted fields without a row in tests/leak/matrix.py (and a canary in seed.py): {missing}"
    )


def test_the_empty_post_fingerprint_sees_a_change(network):
    """The crawl's check that an empty POST changed nothing must be able to see a change."""
    from tests.leak.crawl import state_fingerprint

    before = state_fingerprint()
    assert state_fingerprint() == before
    user = network.user("observer")
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert state_fingerprint() != before


def test_the_routes_the_crawl_leaves_out_still_exist():
    from abri.access.routes import ROUTES
    from tests.leak.crawl import ONE_BUTTON_ROUTES, SKIPPED_ROUTES

    assert set(SKIPPED_ROUTES) | set(ONE_BUTTON_ROUTES) <= set(ROUTES)


def test_every_identity_field_is_a_row_checked_for_its_read_event():
    """The fields an erasure removes as identity are the crawl's identity canaries."""
    from abri.referrals.services import PERSONAL_FIELDS
    from tests.leak.crawl import IDENTITY_ROWS

    rows = {f"person.{name}" for name in PERSONAL_FIELDS}
    assert rows <= set(ROW_BY_KEY), sorted(rows - set(ROW_BY_KEY))
    # Health needs and what is known of the exploiters are erased with the identity but are the
    # narrative (SECURITY.md): the matrix gives them their own rule.
    narrative = {"person.health_needs", "person.exploiters"}
    assert rows - narrative <= IDENTITY_ROWS, sorted(rows - narrative - IDENTITY_ROWS)


def test_every_source_of_danger_zone_has_a_row():
    """Each source of danger zone has its own reading rule (policy.danger_zone_label), so a row."""
    from abri.referrals.models import DangerZone

    keys = {f"dangerzone.{source}" for source in DangerZone.Source.values}
    assert keys <= set(ROW_BY_KEY), sorted(keys - set(ROW_BY_KEY))
