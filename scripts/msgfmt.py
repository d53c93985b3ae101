"""Compile cnncalc's gettext catalogs: every ``cnncalc/locale/*/LC_MESSAGES/*.po`` to ``.mo``.

    python scripts/msgfmt.py          # write the .mo files
    python scripts/msgfmt.py --check  # exit 1 when a .mo is not the compiled .po

A small msgfmt (as CPython's Tools/i18n/msgfmt.py): msgid, msgstr and their continuation lines,
comments; no plurals or contexts, which cnncalc's messages do not use.
"""

from __future__ import annotations

import ast
import struct
import sys
from pathlib import Path

LOCALE = Path(__file__).resolve().parent.parent / "cnncalc" / "locale"


def read_po(text: str) -> dict[str, str]:
    """The translations of a .po file (the header entry, msgid "", included)."""
    entries: dict[str, str] = {}
    key = value = None
    current = None
    for line in text.splitlines() + [""]:
        line = line.strip()
        if line.startswith("msgid "):
            if key is not None:
                entries[key] = value
            key, value, current = ast.literal_eval(line[6:]), "", "id"
        elif line.startswith("msgstr "):
            value, current = ast.literal_eval(line[7:]), "str"
        elif line.startswith('"'):
            if current == "id":
                key += ast.literal_eval(line)
            else:
                value += ast.literal_eval(line)
        elif not line or line.startswith("#"):
            current = None if not line else current
    if key is not None:
        entries[key] = value
    return entries


def compile_mo(entries: dict[str, str]) -> bytes:
    """The GNU .mo bytes of ``entries`` (untranslated ones left out), keys sorted."""
    pairs = sorted((k.encode(), v.encode()) for k, v in entries.items() if v)
    count = len(pairs)
    ids = b"".join(k + b"\0" for k, _ in pairs)
    strs = b"".join(v + b"\0" for _, v in pairs)
    start = 7 * 4 + 16 * count
    id_offsets, str_offsets, at = [], [], 0
    for k, _ in pairs:
        id_offsets += [len(k), start + at]
        at += len(k) + 1
    base, at = start + len(ids), 0
    for _, v in pairs:
        str_offsets += [len(v), base + at]
        at += len(v) + 1
    header = struct.pack("Iiiiiii", 0x950412DE, 0, count, 7 * 4, 7 * 4 + 8 * count, 0, 0)
    return (header + struct.pack(f"{2 * count}i", *id_offsets)
            + struct.pack(f"{2 * count}i", *str_offsets) + ids + strs)


def main(argv: list[str]) -> int:
    stale = []
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        data = compile_mo(read_po(po.read_text(encoding="utf-8")))
        if "--check" in argv:
            if not mo.exists() or mo.read_bytes() != data:
                stale.append(str(mo))
        else:
            mo.write_bytes(data)
    for path in stale:
        print(f"{path} is not the compiled .po: run python scripts/msgfmt.py", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
