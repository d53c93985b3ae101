"""The Keras-style summary table."""

from __future__ import annotations

from typing import Sequence

from tabulate import tabulate
from wcwidth import wcswidth

from cnncalc.analysis import Report
from cnncalc.i18n import _
from cnncalc.report.columns import convention_line, footer, human_cells, title


def render_table(report: Report, columns: Sequence[str] = ()) -> str:
    headings, cells, align = human_cells(report, columns)
    grid = tabulate(cells, headers=headings, tablefmt="plain", disable_numparse=True,
                    colalign=align)
    head, *lines = grid.splitlines()
    width = max(display_width(line) for line in grid.splitlines())
    out = [title(report), "─" * width, head.rstrip(), "═" * width]
    out += [line.rstrip() for line in lines]
    out.append("═" * width)
    out += [f"{label}: {text}" for label, text in footer(report)]
    out.append("─" * width)
    out.append(f"{_('Counting convention')}: {convention_line(report)}")
    out += [f"{_('Note')}: {note.message}" for note in report.notes]
    return "\n".join(out)


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: 2 for each CJK character (as tabulate measures the
    cells when wcwidth is installed), ``len`` where wcwidth cannot tell (control characters).

    >>> display_width("卷积层1 (Conv2d)"), display_width("conv (Conv2d)")
    (16, 13)
    """
    width = wcswidth(text)
    return width if width >= 0 else len(text)
