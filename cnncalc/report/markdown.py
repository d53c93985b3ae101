"""The summary as a GitHub-flavoured markdown table followed by the totals."""

from __future__ import annotations

from tabulate import tabulate

from cnncalc.analysis import Report
from cnncalc.report.rows import CONVENTION_NOTES, body, footer, header, title


def render_markdown(report: Report) -> str:
    columns = header(report)
    align = ("left", "left", "right", "right", "right", "left")[:len(columns)]
    grid = tabulate(body(report), headers=columns, tablefmt="github", disable_numparse=True,
                    colalign=align)
    lines = [f"**{title(report)}**", "", grid, ""]
    lines += [f"- **{label}:** {value}" for label, value in footer(report)]
    lines.append(f"- **Counting convention:** {report.convention} — "
                 f"{CONVENTION_NOTES[report.convention]}")
    lines += [f"- **Note:** {note.message}" for note in report.notes]
    return "\n".join(lines)
