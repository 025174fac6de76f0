"""Compile abri/locale/*/LC_MESSAGES/*.po into .mo files without GNU gettext.

``manage.py compilemessages`` shells out to ``msgfmt``, a system program that ``uv sync`` does not
install. The .mo files are committed, so running Abri never needs it; this script is for the one
case left: someone fixes a translation in a .po on a machine without gettext and must recompile.
It follows msgfmt's rules: fuzzy and untranslated entries are left out, obsolete (#~) ones ignored.

    .venv/bin/python scripts/compile_messages.py          # writes every .mo next to its .po
    .venv/bin/python scripts/compile_messages.py --check  # exit 1 if a .mo is missing or stale
"""

from __future__ import annotations

import argparse
import array
import ast
import gettext
import re
import struct
import sys
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent.parent / "abri" / "locale"
KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")$")


def parse(path: Path) -> dict[bytes, bytes]:
    """The messages msgfmt would keep, as .mo keys and values (UTF-8)."""
    messages: dict[bytes, bytes] = {}
    entry: dict[str, object] = {}
    flags: set[str] = set()
    target: tuple[str, int] | None = None

    def finish() -> None:
        nonlocal entry, flags, target
        if "msgid" in entry:
            _keep(entry, flags, messages)
        entry, flags, target = {}, set(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("#~"):
            continue
        elif line.startswith("#"):
            if "msgid" in entry:
                finish()
            if line.startswith("#,"):
                flags.update(flag.strip() for flag in line[2:].split(","))
        elif match := KEYWORD.match(line):
            keyword, index, literal = match.groups()
            if keyword in ("msgctxt", "msgid") and "msgstr" in entry:
                finish()
            if keyword.startswith("msgstr"):
                target = ("msgstr", int(index or 0))
                forms = entry.setdefault("msgstr", {})
                assert isinstance(forms, dict)
                forms[target[1]] = ""
            else:
                target = (keyword, 0)
                entry[keyword] = ""
            _extend(entry, target, ast.literal_eval(literal))
        elif line.startswith('"') and target is not None:
            _extend(entry, target, ast.literal_eval(line))
        else:
            raise SystemExit(f"{path}:{number}: cannot read {raw!r}")
    finish()
    return messages


def _extend(entry: dict[str, object], target: tuple[str, int], text: str) -> None:
    name, index = target
    if name == "msgstr":
        forms = entry["msgstr"]
        assert isinstance(forms, dict)
        forms[index] += text
    else:
        entry[name] = str(entry[name]) + text


def _keep(entry: dict[str, object], flags: set[str], messages: dict[bytes, bytes]) -> None:
    forms = entry.get("msgstr", {})
    assert isinstance(forms, dict)
    strings = [forms[index] for index in sorted(forms)]
    if "fuzzy" in flags or not strings or not all(strings):
        return
    key = str(entry["msgid"])
    if "msgctxt" in entry:
        key = f"{entry['msgctxt']}\x04{key}"
    if "msgid_plural" in entry:
        key = f"{key}\x00{entry['msgid_plural']}"
    if key == "":  # msgfmt drops the header's POT-Creation-Date, which makemessages bumps each run
        strings = [re.sub(r"(?m)^POT-Creation-Date:.*\n", "", strings[0])]
    messages[key.encode()] = "\x00".join(strings).encode()


def mo_bytes(messages: dict[bytes, bytes]) -> bytes:
    """GNU .mo layout (as CPython's Tools/i18n/msgfmt.py writes it), without a hash table."""
    keys = sorted(messages)
    ids = strs = b""
    offsets = []
    for key in keys:
        offsets.append((len(ids), len(key), len(strs), len(messages[key])))
        ids += key + b"\x00"
        strs += messages[key] + b"\x00"
    keys_start = 7 * 4 + 16 * len(keys)
    values_start = keys_start + len(ids)
    table: list[int] = []
    for id_offset, id_length, _, _ in offsets:
        table += [id_length, id_offset + keys_start]
    for _, _, str_offset, str_length in offsets:
        table += [str_length, str_offset + values_start]
    header = struct.pack("Iiiiiii", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + 8 * len(keys), 0, 0)
    return header + array.array("i", table).tobytes() + ids + strs


def catalog_of(mo: Path) -> dict[object, str]:
    with mo.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)  # type: ignore[attr-defined]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report missing or stale .mo")
    args = parser.parse_args()
    stale = []
    for po in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        data = mo_bytes(parse(po))
        fresh = po.with_suffix(".mo.tmp")
        fresh.write_bytes(data)
        try:
            up_to_date = mo.exists() and catalog_of(mo) == catalog_of(fresh)
        finally:
            fresh.unlink()
        if args.check:
            if not up_to_date:
                stale.append(mo)
        elif not up_to_date:
            mo.write_bytes(data)
            print(f"compiled {mo.relative_to(LOCALE_DIR.parent.parent)}")
    for mo in stale:
        print(f"stale or missing: {mo.relative_to(LOCALE_DIR.parent.parent)}", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
