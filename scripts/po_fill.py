"""Fill French translations into abri/locale/fr/LC_MESSAGES/django.po from a Python mapping.

    .venv/bin/python scripts/po_fill.py /path/to/translations.py

The file defines ``FR = {msgid: msgstr, (msgid, msgid_plural): (singular, plural), ...}``. Only
entries that are empty or fuzzy are filled (a reviewed translation is never overwritten); the
fuzzy flag and the previous-msgid comments go. Prints what it filled and what it did not find.
"""

from __future__ import annotations

import ast
import runpy
import sys
from pathlib import Path

PO = Path(__file__).resolve().parent.parent / "abri" / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _parse(block: list[str]) -> tuple[str | None, str | None, bool, bool]:
    """(msgid, msgid_plural, fuzzy, translated) of one entry."""
    fields: dict[str, str] = {}
    current = None
    for line in block:
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"') and current:
            fields[current] += ast.literal_eval(line)
        elif keyword in ("msgctxt", "msgid", "msgid_plural") or keyword.startswith("msgstr"):
            current = keyword
            fields[current] = ast.literal_eval(rest)
    fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in block)
    translated = any(v for k, v in fields.items() if k.startswith("msgstr"))
    if "msgctxt" in fields:
        return None, None, fuzzy, translated  # no context is used by Abri's own strings
    return fields.get("msgid"), fields.get("msgid_plural"), fuzzy, translated


def fill(mapping: dict[object, object]) -> tuple[int, list[object]]:
    blocks = PO.read_text(encoding="utf-8").split("\n\n")
    used: set[object] = set()
    for i, text in enumerate(blocks):
        lines = text.splitlines()
        msgid, plural, fuzzy, translated = _parse(lines)
        if not msgid or (translated and not fuzzy):
            continue
        key: object = (msgid, plural) if plural else msgid
        if key not in mapping:
            continue
        value = mapping[key]
        kept = [
            line
            for line in lines
            if line.startswith("#") and not line.startswith("#|") and not line.startswith("#,")
        ]
        flags = [line for line in lines if line.startswith("#,")]
        for flag in flags:
            rest = [f.strip() for f in flag[2:].split(",") if f.strip() and f.strip() != "fuzzy"]
            if rest:
                kept.append("#, " + ", ".join(rest))
        msgid_lines = []
        for line in (line for line in lines if not line.startswith("#")):
            if line.startswith("msgstr"):
                break  # the msgstr and its continuation lines are rewritten below
            msgid_lines.append(line)
        if plural:
            singular, many = value  # type: ignore[misc]
            out = [f"msgstr[0] {_quote(singular)}", f"msgstr[1] {_quote(many)}"]
        else:
            out = [f"msgstr {_quote(str(value))}"]
        blocks[i] = "\n".join(kept + msgid_lines + out)
        used.add(key)
    PO.write_text("\n\n".join(blocks), encoding="utf-8")
    return len(used), [k for k in mapping if k not in used]


if __name__ == "__main__":
    translations = runpy.run_path(sys.argv[1])["FR"]
    filled, missing = fill(translations)
    print(f"filled {filled} entries")
    for key in missing:
        print(f"not empty or not found: {key!r}")
