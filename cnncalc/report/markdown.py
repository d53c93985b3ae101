"""The summary as a GitHub-flavoured markdown table followed by the totals."""

from __future__ import annotations

from typing import Sequence

from tabulate import tabulate

from cnncalc.analysis import Report
from cnncalc.i18n import _
from cnncalc.report.columns import convention_line, footer, human_cells, title


def render_markdown(report: Report, columns: Sequence[str] = ()) -> str:
    headings, cells, align = human_cells(report, columns)
    grid = tabulate(cells, headers=headings, tablefmt="github", disable_numparse=True,
                    colalign=align)
    lines = [f"**{title(report)}**", "", grid, ""]
    lines += [f"- **{label}:** {text}" for label, text in footer(report)]
    lines.append(f"- **{_('Counting convention')}:** {convention_line(report)}")
    lines += [f"- **{_('Note')}:** {note.message}" for note in report.notes]
    return "\n".join(lines)
