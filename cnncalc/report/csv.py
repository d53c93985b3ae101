"""One CSV row per leaf layer with exact numbers; totals are left to the reader's sum."""

from __future__ import annotations

import csv
import io

from cnncalc.analysis import Report

COLUMNS = ("name", "type", "from", "output_shape", "params", "trainable_params", "buffers",
           "macs", "flops")


def render_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in report.layers:
        writer.writerow([row.name, row.type, " ".join(row.inputs),
                         "x".join(str(d) for d in row.output_shape), row.params,
                         row.trainable_params, row.buffers, row.macs, row.flops])
    return buffer.getvalue().rstrip("\n")
