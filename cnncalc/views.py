"""Views of an analysis for reading a big network: rows at a block depth, per layer type, the
most expensive rows. Each view is an analysis report whose rows are grouped or chosen; the
totals stay the network's, so grouped rows still add up to them.

Statistics, not formatting: :mod:`cnncalc.report` renders a view like any report.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Iterable

from cnncalc.analysis import BlockRow, Report, Row, Totals, View
from cnncalc.errors import UsageError, one_of
from cnncalc.spec import INPUT

#: what --top and --sort rank by: a row's exact number
RANKS: dict[str, Callable[[Row], int]] = {
    "macs": lambda r: r.macs, "flops": lambda r: r.flops, "params": lambda r: r.params,
    "saved_bytes": lambda r: r.saved_bytes, "output_bytes": lambda r: r.output_bytes,
    "buffers": lambda r: r.buffers,
}


def at_depth(report: Report, depth: int) -> Report:
    """Rows of the block instances at ``depth`` (and of the layers outside such blocks), each
    with the totals of its layers; ``depth`` 0 is every layer."""
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 0:
        raise UsageError(f"depth must be a whole number ≥ 0 (got {depth!r})")
    if depth == 0:
        return report
    blocks = {block.name: block for block in report.blocks}
    shown_as = {INPUT: INPUT}
    groups: dict[str, list[Row]] = {}
    for row in report.layers:
        name = row.scope[depth - 1] if len(row.scope) >= depth else row.name
        shown_as[row.name] = name
        groups.setdefault(name, []).append(row)
    rows = [_block_row(blocks[name], members, shown_as) if name in blocks
            else replace(members[0], inputs=_renamed(members[0].inputs, shown_as))
            for name, members in groups.items()]
    view = View("depth", depth=depth, layers=len(report.layers), rows=len(rows))
    return replace(report, layers=rows, view=view)


def by_type(report: Report, rank: str = "macs") -> Report:
    """One row per layer type with the totals of its layers, the most expensive first."""
    key = _rank(rank)
    groups: dict[str, list[Row]] = {}
    for row in report.layers:
        groups.setdefault(row.type, []).append(row)
    rows = [_summed(members, name=kind, type=kind, inputs=(), output_shape=(),
                    receptive_field=None, receptive_field_reason="", scope=())
            for kind, members in groups.items()]
    rows.sort(key=lambda r: (-key(r), -r.params))
    view = View("type", by="type", layers=len(report.layers), rows=len(rows))
    return replace(report, layers=rows, view=view)


def top(report: Report, k: int, rank: str = "macs") -> Report:
    """The ``k`` rows of ``report`` (layers, blocks or types) with the most ``rank``."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise UsageError(f"top must be a whole number ≥ 1 (got {k!r})")
    key = _rank(rank)
    chosen = sorted(report.layers, key=lambda r: -key(r))[:k]
    base = report.view if report.view.kind else View(layers=len(report.layers))
    view = replace(base, top=k, by=rank if base.kind != "type" else "type",
                   rows=len(report.layers), shown=Totals.of(chosen))
    return replace(report, layers=chosen, view=replace(view, by=rank))


def _rank(name: str) -> Callable[[Row], int]:
    if name not in RANKS:
        raise UsageError(f"cannot rank by {name!r} (expected {one_of(tuple(RANKS))})")
    return RANKS[name]


def _renamed(names: Iterable[str], shown_as: dict[str, str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(shown_as.get(name, name) for name in names))


def _summed(members: list[Row], **fields) -> Row:
    totals = Totals.of(members)
    fields.setdefault("shares", None)
    return replace(members[-1], params=totals.params, trainable_params=totals.trainable_params,
                   buffers=totals.buffers, macs=totals.macs, flops=totals.flops,
                   output_bytes=sum(r.output_bytes for r in members),
                   saved_bytes=sum(r.saved_bytes for r in members), count=len(members),
                   input_shapes=(), **fields)


def _block_row(block: BlockRow, members: list[Row], shown_as: dict[str, str]) -> Row:
    output = next((r for r in members if r.name == block.output), members[-1])
    return _summed(members, name=block.name, type=block.type,
                   inputs=_renamed(block.inputs, shown_as), output_shape=block.output_shape,
                   receptive_field=output.receptive_field,
                   receptive_field_reason=output.receptive_field_reason,
                   scope=output.scope[:block.depth - 1], shares=block.shares)
