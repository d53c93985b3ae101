"""The Keras-style summary table."""

from __future__ import annotations

from tabulate import tabulate

from cnncalc.analysis import Report
from cnncalc.report.rows import CONVENTION_NOTES, body, footer, header, title

_ALIGN = ("left", "left", "right", "right", "right", "left")


def render_table(report: Report) -> str:
    columns = header(report)
    grid = tabulate(body(report), headers=columns, tablefmt="plain", disable_numparse=True,
                    colalign=_ALIGN[:len(columns)])
    head, *lines = grid.splitlines()
    width = max(len(line) for line in grid.splitlines())
    out = [title(report), "─" * width, head.rstrip(), "═" * width]
    out += [line.rstrip() for line in lines]
    out.append("═" * width)
    out += [f"{label}: {value}" for label, value in footer(report)]
    out.append("─" * width)
    out.append(f"Counting convention: {report.convention} — {CONVENTION_NOTES[report.convention]}")
    return "\n".join(out)
