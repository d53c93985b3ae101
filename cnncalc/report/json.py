"""The JSON report of DESIGN.md: keys may be added, never removed or renamed."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from cnncalc.analysis import Report
from cnncalc.report.columns import machine


def report_dict(report: Report) -> dict[str, Any]:
    columns = machine(report)
    result = {
        "name": report.name,
        "batch": report.batch,
        "convention": report.convention,
        "inputs": {name: list(shape) for name, shape in report.inputs.items()},
        "layers": [{c.key: c.value(row) for c in columns} for row in report.layers],
        "totals": asdict(report.totals),
    }
    if report.named_outputs:  # only for a file that names its outputs: their layers, in order
        result["outputs"] = list(report.outputs)
    result["blocks"] = [blocks_entry(block) for block in report.blocks]
    if report.memory is not None:
        result["memory"] = asdict(report.memory)
    if report.args:  # only for a file that declares args: the values used
        result["args"] = _plain(report.args)
    if report.notes:  # only when the input given changes an inferred argument
        result["notes"] = notes_list(report.notes)
    return result


def blocks_entry(block) -> dict[str, Any]:
    """A block instance as JSON data: what it is, its layers' totals (and, for an instance
    that applies another again with the same weights, ``shares``: that instance's name)."""
    shares = {} if block.shares is None else {"shares": block.shares}
    return {**_blocks_entry(block), **shares}


def _blocks_entry(block) -> dict[str, Any]:
    return {"name": block.name, "type": block.type, "args": _plain(block.args),
            "depth": block.depth, "from": list(block.inputs), "output": block.output,
            "output_shape": list(block.output_shape), "layers": len(block.layers),
            "totals": {**asdict(block.totals), "output_bytes": block.output_bytes,
                       "saved_bytes": block.saved_bytes}}


def notes_list(notes) -> list[dict[str, Any]]:
    """The report's notes as JSON data."""
    return [{
        "layer": note.layer, "type": note.type, "argument": note.argument,
        "file_input": _plain(note.file_input), "this_input": _plain(note.this_input),
        "message": note.message,
    } for note in notes]


def _plain(value: Any) -> Any:
    """An argument's value as JSON data (tuples as lists)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return [_plain(v) for v in value] if isinstance(value, (tuple, list)) else value


def render_json(report: Report) -> str:
    return dumps(report_dict(report))


def dumps(value: Any, indent: str = "", *, spread_strings: bool = False) -> str:
    """Indented JSON with each list of plain values (shapes, ``from``) kept on one line.

    With ``spread_strings``, lists of strings (lines of text) get a line per item instead.
    """
    inner = indent + "  "
    if isinstance(value, dict) and value:
        items = (f"{inner}{json.dumps(k)}: {dumps(v, inner, spread_strings=spread_strings)}"
                 for k, v in value.items())
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    if isinstance(value, list) and value and (
            any(isinstance(v, (dict, list)) for v in value)
            or spread_strings and all(isinstance(v, str) for v in value)):
        return "[\n" + ",\n".join(inner + dumps(v, inner, spread_strings=spread_strings)
                                   for v in value) + f"\n{indent}]"
    return json.dumps(value, ensure_ascii=False)
