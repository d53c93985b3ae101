"""The zoo listing (``cnncalc zoo``): one line per shipped network, in each output format."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass


from cnncalc.report.grid import plain
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


def _cells(line: ZooLine, numbers, buffers: bool = False) -> list[str]:
    cells = [line.name, _dims(line.input), numbers(line.params)]
    if buffers:
        cells.append(numbers(line.buffers))
    return cells + [numbers(line.macs), line.source]


def _dims(shape: tuple[int, ...]) -> str:
    return "x".join(map(str, shape))


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
        writer.writerows(_cells(x, str, buffers=True) for x in lines)
        return buffer.getvalue().rstrip("\n")
    if fmt == "markdown":  # the README's table: buffers too, exact numbers only
        from tabulate import tabulate

        return tabulate([_cells(x, exact, buffers=True) for x in lines],
                        headers=("Name", "Input", "Params", "Buffers", "MACs", "Source"),
                        tablefmt="github", disable_numparse=True,
                        colalign=("left", "left", "right", "right", "right", "left"))
    grid = plain(COLUMNS, [_cells(x, exact_and_si) for x in lines],
                 ("left", "left", "right", "right", "left"))
    footer = "MACs at each network's input size, batch 1, counting convention torch; " \
             "`cnncalc summary NAME` shows one in full."
    return "\n".join(grid) + "\n\n" + footer
