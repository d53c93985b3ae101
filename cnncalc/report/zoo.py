"""The zoo listing (``cnncalc zoo``): one line per shipped network, in each output format."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from tabulate import tabulate

from cnncalc.report.units import exact, exact_and_si

COLUMNS = ("Name", "Input", "Params", "MACs", "Source")


@dataclass(frozen=True)
class ZooLine:
    """One zoo network's totals at its own input size, batch 1."""

    name: str
    input: tuple[int, ...]
    params: int
    buffers: int
    macs: int
    source: str


def _cells(line: ZooLine, numbers) -> list[str]:
    return [line.name, "x".join(map(str, line.input)), numbers(line.params),
            numbers(line.macs), line.source]


def render_zoo(lines: list[ZooLine], fmt: str) -> str:
    """``fmt`` is one of table, markdown, csv, json."""
    if fmt == "json":
        return json.dumps([{"name": x.name, "input": list(x.input), "params": x.params,
                            "buffers": x.buffers, "macs": x.macs, "flops": 2 * x.macs,
                            "source": x.source} for x in lines], indent=2)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["name", "input", "params", "buffers", "macs", "source"])
        for x in lines:
            writer.writerow([x.name, "x".join(map(str, x.input)), x.params, x.buffers, x.macs,
                             x.source])
        return buffer.getvalue().rstrip("\n")
    align = ("left", "left", "right", "right", "left")
    if fmt == "markdown":  # the README's table: buffers too, exact numbers only
        rows = [[*_cells(x, exact)[:3], exact(x.buffers), *_cells(x, exact)[3:]] for x in lines]
        return tabulate(rows, headers=("Name", "Input", "Params", "Buffers", "MACs", "Source"),
                        tablefmt="github", disable_numparse=True,
                        colalign=("left", "left", "right", "right", "right", "left"))
    grid = tabulate([_cells(x, exact_and_si) for x in lines], headers=COLUMNS, tablefmt="plain",
                    disable_numparse=True, colalign=align)
    footer = "MACs at each network's input size, batch 1, counting convention torch; " \
             "`cnncalc summary NAME` shows one in full."
    return "\n".join(line.rstrip() for line in grid.splitlines()) + "\n\n" + footer
