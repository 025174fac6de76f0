"""Every route that answers a file (``Content-Disposition: attachment``), and its rule.

SECURITY.md bar 5: a fresh second factor before exporting person-level data; bar 10: every
export is audited. A download of personal data, of addresses or of unsuppressed figures asks for
step-up (``require_step_up``) and writes an audit event; the few without step-up say why.
docs/security.md ("Downloads") shows this table; tests/access/test_downloads.py plays it (an old
second factor is sent to step-up, a fresh one writes ``audit``), and the generated route test
fails when a route answers a file without being listed here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Download:
    what: str
    step_up: bool
    # The audit action written by every download.
    audit: str
    why: str


DOWNLOADS: dict[str, Download] = {
    "network:export": Download(
        what="shelters (with their decrypted street address) or organisations, CSV or XLSX",
        step_up=True,
        audit="network.export",
        why="every shelter's address and town: location data",
    ),
    "referrals:attachment": Download(
        what="a document attached to a request (identity papers, photos, medical letters)",
        step_up=True,
        audit="read.sensitive",
        why="a person's documents: identity and health data",
    ),
    "referrals:person_export": Download(
        what="everything about a person (subject access), JSON",
        step_up=True,
        audit="person.export",
        why="a whole person file",
    ),
    "reports:survey_csv": Download(
        what="the yearly survey, one row per request, CSV",
        step_up=True,
        audit="reports.export.csv",
        why="person-level rows",
    ),
    "reports:survey_xlsx": Download(
        what="the yearly survey, one row per request, XLSX",
        step_up=True,
        audit="reports.export.xlsx",
        why="person-level rows",
    ),
    "reports:annual_pdf": Download(
        what="the annual activity report, PDF",
        step_up=True,
        audit="reports.export.pdf",
        why="figures by département with small counts not suppressed",
    ),
    "training:certificate": Download(
        what="a training attendance certificate, PDF",
        step_up=False,
        audit="training.certificate",
        why=(
            "a professional's own record of a training (name, organisation, session): nothing about "
            "a sheltered person nor where a shelter is (a partner reads 'a shelter of the network'); "
            "the same facts are on the session page"
        ),
    ),
}
