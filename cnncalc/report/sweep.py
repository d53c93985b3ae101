"""A sweep rendered: one row per variant (its settings, then its totals), as a table, CSV or
JSON; the Pareto front marked."""

from __future__ import annotations

import csv
import io
from typing import Any

from tabulate import tabulate

from cnncalc.report.json import dumps
from cnncalc.report.units import binary_size, exact, si
from cnncalc.sweeps import COLUMNS, Sweep, Variant

SCHEMA = "cnncalc-sweep/1"
HEADINGS = {"params": "Params", "trainable_params": "Trainable", "buffers": "Buffers",
            "macs": "MACs", "flops": "FLOPs", "activation_peak_bytes": "Act. peak",
            "inference_bytes": "Inference", "training_bytes": "Training"}
TABLE = ("params", "macs", "flops", "activation_peak_bytes", "training_bytes")
BYTES = {"activation_peak_bytes", "inference_bytes", "training_bytes"}


def setting_text(value: Any) -> str:
    return "x".join(map(str, value)) if isinstance(value, tuple) else str(value)


def render_table(result: Sweep) -> str:
    names = list(result.axes)
    headings = [*names, *(HEADINGS[c] for c in TABLE)] + (["Pareto"] if result.front else [])
    rows = []
    for v in result.variants:
        cells = [setting_text(v.settings[n]) for n in names]
        if v.error is not None:
            cells += [f"error: {v.error}"] + [""] * (len(TABLE) - 1)
        else:
            cells += [binary_size(v.value(c)) if c in BYTES else f"{exact(v.value(c))}"
                      for c in TABLE]
        if result.front:
            cells.append("*" if v.pareto else "")
        rows.append(cells)
    table = tabulate(rows, headers=headings, tablefmt="simple", disable_numparse=True,
                     colalign=["left"] * len(names) + ["right"] * (len(headings) - len(names)))
    lines = [f'Sweep of "{result.name}": {len(result.variants)} variants '
             f"(batch {result.options.get('batch', 1)}, {result.convention} convention, "
             f"{result.dtype})", "", table]
    ok = [v for v in result.variants if v.error is None]
    if ok:
        lightest = min(ok, key=lambda v: v.macs)
        lines += ["", f"Fewest MACs: {_describe(result, lightest)} — {si(lightest.macs)} MACs, "
                      f"{si(lightest.params)} params"]
    if result.front:
        on = sum(v.pareto for v in result.variants)
        lines.append(f"Pareto front (* above): {on} of {len(ok)} variants, smallest "
                     + " and ".join(_front_name(c) for c in result.front))
    if result.failed:
        lines.append(f"{len(result.failed)} variants failed (their error is in the table)")
    return "\n".join(lines)


def render_csv(result: Sweep) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = list(result.axes)
    writer.writerow([*names, *COLUMNS, "pareto", "error"])
    for v in result.variants:
        writer.writerow([setting_text(v.settings[n]) for n in names]
                        + ["" if v.error else v.value(c) for c in COLUMNS]
                        + [int(v.pareto), v.error or ""])
    return buffer.getvalue().rstrip("\n")


def sweep_dict(result: Sweep) -> dict[str, Any]:
    return {"schema": SCHEMA, "name": result.name, "source": result.source,
            "convention": result.convention, "dtype": result.dtype,
            "batch": result.options.get("batch", 1),
            "axes": {k: [list(v) if isinstance(v, tuple) else v for v in vals]
                     for k, vals in result.axes.items()},
            "pareto": list(result.front),
            "variants": [_variant_dict(v) for v in result.variants]}


def render_json(result: Sweep) -> str:
    return dumps(sweep_dict(result))


def _variant_dict(v: Variant) -> dict[str, Any]:
    settings = {k: list(x) if isinstance(x, tuple) else x for k, x in v.settings.items()}
    if v.error is not None:
        return {"settings": settings, "error": v.error}
    return {"settings": settings, **{c: v.value(c) for c in COLUMNS}, "pareto": v.pareto,
            "error": None}


def _describe(result: Sweep, v: Variant) -> str:
    return ", ".join(f"{k}={setting_text(v.settings[k])}" for k in result.axes)


def _front_name(column: str) -> str:
    return ("largest " + column[1:]) if column.startswith("-") else column
