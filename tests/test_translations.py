"""The French catalogue is complete, keeps every placeholder, and its committed .mo matches the .po.

No database: the catalogue is read with a small parser of our own and the .mo with the standard
library's ``gettext`` module, so a machine without GNU gettext can still run these checks.
"""

from __future__ import annotations

import ast
import gettext as gettext_module
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

LOCALE_DIR = Path(__file__).resolve().parent.parent / "abri" / "locale"
FR_PO = LOCALE_DIR / "fr" / "LC_MESSAGES" / "django.po"
FR_MO = LOCALE_DIR / "fr" / "LC_MESSAGES" / "django.mo"
EN_PO = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> str:
        """The key GNUTranslations uses: context and msgid joined by EOT."""
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"

    def label(self) -> str:
        return f"line {self.line}: {self.msgid[:60]!r}"


def parse_po(path: Path) -> tuple[Entry, list[Entry]]:
    """Return the header entry and the other (non-obsolete) entries of a .po file."""
    entries: list[Entry] = []
    current = Entry()
    target: tuple[str, int] | None = None  # which field continuation lines extend
    seen_keyword = False

    def finish() -> None:
        nonlocal current, seen_keyword, target
        if seen_keyword:
            entries.append(current)
        current, seen_keyword, target = Entry(), False, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):  # obsolete entry: not part of the catalogue
            continue
        if line.startswith("#,"):
            if seen_keyword:
                finish()
            current.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        if line.startswith("#"):
            if seen_keyword:
                finish()
            continue
        match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")$", line)
        if match:
            keyword, index, literal = match.group(1), match.group(2), match.group(3)
            if keyword in ("msgctxt", "msgid") and current.msgstr:
                finish()  # a new entry starts without a blank line
            if not seen_keyword:
                current.line = number
            seen_keyword = True
            name = "msgstr" if keyword.startswith("msgstr") else keyword
            target = (name, int(index) if index is not None else 0)
            _append(current, target, ast.literal_eval(literal))
        elif line.startswith('"') and target is not None:
            _append(current, target, ast.literal_eval(line))
        else:
            raise AssertionError(f"{path}:{number}: unreadable line {raw!r}")
    finish()
    assert entries and entries[0].msgid == "", f"{path} has no header entry"
    return entries[0], entries[1:]


def _append(entry: Entry, target: tuple[str, int], text: str) -> None:
    name, index = target
    if name == "msgstr":
        entry.msgstr[index] = entry.msgstr.get(index, "") + text
    else:
        setattr(entry, name, (getattr(entry, name) or "") + text)


def header_fields(header: Entry) -> dict[str, str]:
    pairs = (line.split(":", 1) for line in header.msgstr[0].splitlines() if ":" in line)
    return {key.strip(): value.strip() for key, value in pairs}


# %(name)s with its conversion, bare %s / %d, and %% (which must stay a literal percent).
PERCENT_PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")
NAMED_PLACEHOLDER = re.compile(r"%\([^)]+\)[#0\- +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
BRACE_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def placeholders(text: str, flags: set[str]) -> Counter[str]:
    found: Counter[str] = Counter(NAMED_PLACEHOLDER.findall(text))
    if "python-format" in flags:
        found = Counter(PERCENT_PLACEHOLDER.findall(text))
    if "python-brace-format" in flags:
        found += Counter(BRACE_PLACEHOLDER.findall(text))
    return found


@pytest.fixture(scope="module")
def french() -> tuple[Entry, list[Entry]]:
    return parse_po(FR_PO)


def test_french_header_is_usable(french: tuple[Entry, list[Entry]]) -> None:
    header, _entries = french
    fields = header_fields(header)
    assert "fuzzy" not in header.flags, "the header is fuzzy: msgfmt would drop the charset"
    assert fields.get("Language") == "fr"
    assert "charset=UTF-8" in fields.get("Content-Type", "")
    assert fields.get("Plural-Forms", "").startswith("nplurals=2; plural=(n > 1);")


def test_french_catalogue_is_not_empty(french: tuple[Entry, list[Entry]]) -> None:
    _header, entries = french
    assert len(entries) > 100
    assert any(entry.msgid == "Sign in" for entry in entries)


def test_no_fuzzy_entry(french: tuple[Entry, list[Entry]]) -> None:
    _header, entries = french
    fuzzy = [entry.label() for entry in entries if "fuzzy" in entry.flags]
    assert not fuzzy, "fuzzy entries (check, fix and remove the flag):\n" + "\n".join(fuzzy)


def test_every_entry_is_translated(french: tuple[Entry, list[Entry]]) -> None:
    _header, entries = french
    untranslated = []
    for entry in entries:
        expected_forms = 2 if entry.msgid_plural is not None else 1
        forms = [entry.msgstr.get(index, "") for index in range(expected_forms)]
        if not all(form.strip() for form in forms):
            untranslated.append(entry.label())
    assert not untranslated, "untranslated French entries:\n" + "\n".join(untranslated)


def test_placeholders_are_preserved(french: tuple[Entry, list[Entry]]) -> None:
    _header, entries = french
    broken = []
    for entry in entries:
        sources = [placeholders(entry.msgid, entry.flags)]
        if entry.msgid_plural is not None:
            sources.append(placeholders(entry.msgid_plural, entry.flags))
        for index, text in entry.msgstr.items():
            got = placeholders(text, entry.flags)
            # A plural form must match the singular or the plural source; a simple entry, its msgid.
            if got not in sources:
                broken.append(f"{entry.label()} msgstr[{index}]: {dict(got)} vs {[dict(s) for s in sources]}")
    assert not broken, "placeholders differ between msgid and msgstr:\n" + "\n".join(broken)


def test_line_breaks_are_preserved(french: tuple[Entry, list[Entry]]) -> None:
    _header, entries = french
    broken = [
        entry.label()
        for entry in entries
        for text in entry.msgstr.values()
        if text.count("\n") != entry.msgid.count("\n") or text.endswith("\n") != entry.msgid.endswith("\n")
    ]
    assert not broken, "line breaks differ between msgid and msgstr:\n" + "\n".join(broken)


def test_compiled_catalogue_matches_po(french: tuple[Entry, list[Entry]]) -> None:
    """The committed .mo holds exactly the .po's translations (re-run compilemessages if not)."""
    assert FR_MO.exists(), "abri/locale/fr/LC_MESSAGES/django.mo is missing: run compilemessages"
    with FR_MO.open("rb") as handle:
        catalog = gettext_module.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    _header, entries = french
    expected: dict[object, str] = {}
    for entry in entries:
        if entry.msgid_plural is None:
            expected[entry.key] = entry.msgstr.get(0, "")
        else:
            for index, text in entry.msgstr.items():
                expected[(entry.key, index)] = text
    compiled = {key: value for key, value in catalog.items() if key != ""}
    stale = sorted(str(key) for key, text in expected.items() if text and compiled.get(key) != text)
    extra = sorted(str(key) for key in compiled if key not in expected)
    assert not stale, "the .mo is out of date for:\n" + "\n".join(stale[:20])
    assert not extra, "the .mo holds entries the .po no longer has:\n" + "\n".join(extra[:20])


def test_english_catalogue_covers_the_same_messages(french: tuple[Entry, list[Entry]]) -> None:
    """English is the source language: its msgstr may stay empty, but the catalogue must exist."""
    header, entries = parse_po(EN_PO)
    assert header_fields(header).get("Language") == "en"
    _fr_header, fr_entries = french
    assert {entry.key for entry in entries} == {entry.key for entry in fr_entries}, (
        "fr and en catalogues differ: re-run makemessages for both languages"
    )


def test_languages_are_french_first_then_english() -> None:
    assert settings.LANGUAGE_CODE == "fr"
    assert [code for code, _name in settings.LANGUAGES] == ["fr", "en"]


def test_french_is_active_through_django() -> None:
    with translation.override("fr"):
        assert translation.gettext("Sign in") == "Se connecter"
        assert translation.gettext("Sign out") == "Se déconnecter"
        assert translation.gettext("Recovery codes") == "Codes de secours"
        assert translation.gettext("Page %(n)s of %(total)s") % {"n": 2, "total": 5} == "Page 2 sur 5"
    with translation.override("en"):
        assert translation.gettext("Sign in") == "Sign in"
