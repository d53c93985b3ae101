"""Aligned columns of text, as ``tabulate(..., tablefmt="plain")`` lays them out.

The summary table is rendered on every ``cnncalc summary``; tabulate infers a type for every
cell and costs more to import than the whole table takes here, so the one layout the table
needs is written out (a test compares it with tabulate on random cells). A cell is one line:
a control character in a name is shown escaped rather than breaking the row.
"""

from __future__ import annotations

from typing import Sequence

from cnncalc.errors import printable

#: spaces between columns; a heading gets at least this much room beyond its text
GAP = 2


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: 2 for each CJK character, ``len`` where wcwidth
    cannot tell (control characters).

    >>> display_width("卷积层1 (Conv2d)"), display_width("conv (Conv2d)")
    (16, 13)
    """
    if text.isascii():
        return len(text)
    from wcwidth import wcswidth

    width = wcswidth(text)
    return width if width >= 0 else len(text)


def plain(headings: Sequence[str], rows: Sequence[Sequence[str]],
          align: Sequence[str]) -> list[str]:
    """The heading line and one line per row, each column padded to its widest cell (a
    heading counts :data:`GAP` wider) and aligned ``"left"`` or ``"right"``; cells are stripped
    of surrounding spaces, lines carry no trailing spaces."""
    headings = [printable(h) for h in headings]
    rows = [[printable(c).strip() for c in row] for row in rows]
    widths = [display_width(h) + GAP for h in headings]
    for row in rows:
        for i, cell in enumerate(row):
            w = display_width(cell)
            if w > widths[i]:
                widths[i] = w
    right = [a == "right" and bool(rows) for a in align]   # no rows: tabulate aligns left

    def line(cells: Sequence[str]) -> str:
        out = []
        for cell, width, to_right in zip(cells, widths, right):
            pad = " " * (width - display_width(cell))
            out.append(pad + cell if to_right else cell + pad)
        return (" " * GAP).join(out).rstrip()

    return [line(headings)] + [line(row) for row in rows]
