"""The JSON report of DESIGN.md: keys may be added, never removed or renamed."""

from __future__ import annotations

import json
from typing import Any

from cnncalc.analysis import Report


def report_dict(report: Report) -> dict[str, Any]:
    return {
        "name": report.name,
        "batch": report.batch,
        "convention": report.convention,
        "inputs": {name: list(shape) for name, shape in report.inputs.items()},
        "layers": [{
            "name": row.name, "type": row.type, "from": list(row.inputs),
            "output_shape": list(row.output_shape), "params": row.params,
            "trainable_params": row.trainable_params, "buffers": row.buffers,
            "macs": row.macs, "flops": row.flops,
        } for row in report.layers],
        "totals": {
            "params": report.totals.params,
            "trainable_params": report.totals.trainable_params,
            "non_trainable_params": report.totals.non_trainable_params,
            "buffers": report.totals.buffers, "macs": report.totals.macs,
            "flops": report.totals.flops,
        },
    }


def render_json(report: Report) -> str:
    """Indented JSON with each list of plain values (shapes, ``from``) kept on one line."""
    return _dump(report_dict(report), "")


def _dump(value: Any, indent: str) -> str:
    inner = indent + "  "
    if isinstance(value, dict) and value:
        items = (f"{inner}{json.dumps(k)}: {_dump(v, inner)}" for k, v in value.items())
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        return "[\n" + ",\n".join(inner + _dump(v, inner) for v in value) + f"\n{indent}]"
    return json.dumps(value)
