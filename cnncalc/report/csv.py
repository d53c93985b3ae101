"""One CSV row per leaf layer with exact numbers; totals are left to the reader's sum."""

from __future__ import annotations

import csv
import io

from cnncalc.analysis import Report
from cnncalc.report.columns import machine


def render_csv(report: Report) -> str:
    columns = machine(report)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.key for c in columns])
    for row in report.layers:
        writer.writerow([c.csv(c.value(row)) for c in columns])
    return buffer.getvalue().rstrip("\n")
