"""The Keras-style summary table."""

from __future__ import annotations

from typing import Sequence

from cnncalc.analysis import Report
from cnncalc.i18n import _
from cnncalc.report.columns import convention_line, footer, human_cells, title
from cnncalc.report.grid import display_width, plain


def render_table(report: Report, columns: Sequence[str] = ()) -> str:
    headings, cells, align = human_cells(report, columns)
    head, *lines = plain(headings, cells, align)
    width = max(display_width(line) for line in (head, *lines))
    out = [title(report), "─" * width, head, "═" * width, *lines]
    out.append("═" * width)
    out += [f"{label}: {text}" for label, text in footer(report)]
    out.append("─" * width)
    out.append(f"{_('Counting convention')}: {convention_line(report)}")
    out += [f"{_('Note')}: {note.message}" for note in report.notes]
    return "\n".join(out)

