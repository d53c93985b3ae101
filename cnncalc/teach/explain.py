"""``explain``: each layer's formulas with the numbers substituted, as on the board.

The numbers come from the analysis rows (the same ones ``summary`` prints); each explainer
rederives them through the formulas of :mod:`cnncalc.shapes` and the layer's own methods, and
:func:`explain_row` asserts that the working arrives at the row's values.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable

from cnncalc.analysis import Report, Row, analyze
from cnncalc.errors import UsageError, did_you_mean
from cnncalc.spec import INPUT, Network
from cnncalc.teach.explainers import explainer_for
from cnncalc.teach.receptive import Field, describe, receptive_fields
from cnncalc.teach.working import (COUNTED, FIELDS, Board, Working, WorkingDisagrees, num,
                                   shape)

LEGEND = ("Symbols: N batch, C channels, L/D/H/W length/depth/height/width (_in, _out), "
          "K kernel, S stride, P padding, d dilation, g groups.\n"
          "RF is the receptive field of the first output position: size r, jump j between "
          "neighbours, start s (its centre, in input positions).\n"
          f"MACs: {COUNTED}, bias excluded; FLOPs = 2 · MACs.")
MAX_TERMS = 12  # longer sums are written as "the sum of n layers"


def explain_row(row: Row) -> Working:
    """The working of one analysis row, asserted to arrive at the row's own numbers."""
    explainer = explainer_for(type(row.layer))
    if explainer is None:
        return _unexplained(row)
    working = explainer(row)
    actual = {"output_shape": tuple(row.output_shape), "params": row.params,
              "buffers": row.buffers, "macs": row.macs}
    for quantity in FIELDS:
        if working.values[quantity] != actual[quantity]:
            raise WorkingDisagrees(f"{row.name} ({row.type}): the working gives {quantity} "
                                   f"{working.values[quantity]!r}, the analysis "
                                   f"{actual[quantity]!r}")
    if len(row.input_shapes) == 1 and row.input_shapes[0] != row.output_shape:
        lines = dict(working.lines)
        lines["output_shape"] = (f"input {shape(row.input_shapes[0])} → output "
                                 f"{shape(row.output_shape)}", *lines["output_shape"])
        working = replace(working, lines=lines)
    return working


def _unexplained(row: Row) -> Working:
    # A layer type added without an explainer still gets its numbers, plainly marked.
    board = Board(row.type)
    note = f"(the formula of {row.type}; its working is not written out yet)"
    board.result("output_shape", row.output_shape, f"output = {shape(row.output_shape)}  {note}")
    board.result("params", row.params, f"params = {num(row.params)}")
    board.result("buffers", row.buffers, f"buffers = {num(row.buffers)}")
    board.result("macs", row.macs, f"MACs = {num(row.macs)}")
    return board.done()


@dataclass(frozen=True)
class LayerExplanation:
    """One layer's row, its working, and its receptive field (None without spatial dims)."""

    row: Row
    working: Working
    field: Field | None = None

    @property
    def name(self) -> str:
        return self.row.name

    def lines(self, quantity: str) -> tuple[str, ...]:
        """The working of one quantity: output_shape, params, buffers, macs or flops."""
        if quantity == "flops":
            return (*self.working.lines["macs"], flops_line(self.row.macs))
        lines = self.working.lines[quantity]
        return (*lines, *self.working.warnings) if quantity == "output_shape" else lines

    def text(self) -> str:
        row, working = self.row, self.working
        out = [f"{row.name} ({working.title})"]
        out += [f"  {line}" for line in working.lines["output_shape"]]
        out += [f"  ⚠ {line}" for line in working.warnings]
        zeros = []
        if "params" in working.defaulted:
            zeros.append("params = 0")
        else:
            out += [f"  {line}" for line in working.lines["params"]]
        if "buffers" not in working.defaulted:
            out += [f"  {line}" for line in working.lines["buffers"]]
        if row.macs == 0:
            zeros.append("MACs = FLOPs = 0")
        else:
            out += [f"  {line}" for line in working.lines["macs"]]
            out.append(f"  {flops_line(row.macs)}")
        if zeros:
            out.append("  " + ", ".join(zeros))
        if self.field is not None:
            out += [f"  {line}" for line in self.field.lines]
        return "\n".join(out)


def flops_line(macs: int) -> str:
    """``FLOPs = 2 · MACs = 1,536,000``."""
    return f"FLOPs = 2 · MACs = {num(2 * macs)}"


@dataclass(frozen=True)
class Explanation:
    """The working of every (or every selected) layer of an analysed network."""

    report: Report
    layers: list[LayerExplanation]
    complete: bool = True  # every layer, so the totals are shown

    def layer(self, name: str) -> LayerExplanation:
        for item in self.layers:
            if item.name == name:
                return item
        raise KeyError(name)

    def text(self) -> str:
        report = self.report
        head = f"{report.name}: input {shape(report.inputs[INPUT])}, batch {report.batch}"
        parts = [f"{head}\n{LEGEND}"] + [item.text() for item in self.layers]
        if self.complete:
            parts.append(self._totals())
        return "\n\n".join(parts)

    def _totals(self) -> str:
        rows, totals = self.report.layers, self.report.totals
        lines = ["Totals"]
        for label, attr, total in (("params", "params", totals.params),
                                   ("MACs", "macs", totals.macs)):
            terms = [getattr(r, attr) for r in rows if getattr(r, attr)]
            if 1 < len(terms) <= MAX_TERMS:
                lines.append(f"  {label} = {' + '.join(num(t) for t in terms)} = {num(total)}")
            elif len(terms) > MAX_TERMS:
                lines.append(f"  {label} = the sum over {len(terms)} layers = {num(total)}")
            else:
                lines.append(f"  {label} = {num(total)}")
        lines.append(f"  {flops_line(totals.macs)}")
        if totals.buffers:
            lines.append(f"  buffers = {num(totals.buffers)}")
        followed = [item for item in self.layers if item.field is not None]
        if followed and followed[-1].field.spans is not None:
            lines.append(f"  RF of the output: {describe(followed[-1].field.spans)}")
        elif followed:
            reached = [item for item in followed if item.field.spans is not None]
            last = (f"last followed at {reached[-1].name}: "
                    f"{describe(reached[-1].field.spans)}; " if reached else "")
            lines.append(f"  RF: {last}not followed past {followed[-1].field.stopped}")
        return "\n".join(lines)


def explain(network: Network, *, batch: int = 1, input: Iterable[int] | None = None,
            layers: Iterable[str] | None = None) -> Explanation:
    """The working of every layer of ``network`` (or of the named ones and their blocks)."""
    return explain_report(analyze(network, batch=batch, input=input), layers)


def explain_report(report: Report, layers: Iterable[str] | None = None) -> Explanation:
    """The working of an analysis ``report``'s layers (all, or the named ones)."""
    fields = receptive_fields(report)
    chosen = report.layers if layers is None else select(report, layers)
    items = [LayerExplanation(row, explain_row(row), fields.get(row.name)) for row in chosen]
    return Explanation(report, items, complete=layers is None)


def select(report: Report, names: Iterable[str]) -> list[Row]:
    """Rows named exactly, or lying inside a named block (``basic_1`` → ``basic_1.*``)."""
    names = list(names)
    known = [row.name for row in report.layers]
    for name in names:
        if not any(n == name or n.startswith(name + ".") for n in known):
            blocks = {n.rsplit(".", 1)[0] for n in known if "." in n}
            raise UsageError(f"no layer named {name!r} in {report.name}"
                             + did_you_mean(name, known + sorted(blocks)))
    return [row for row in report.layers
            if any(row.name == n or row.name.startswith(n + ".") for n in names)]
