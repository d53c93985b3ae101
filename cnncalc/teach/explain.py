"""``explain``: each layer's formulas with the numbers substituted, as on the board.

The numbers come from the analysis rows (the same ones ``summary`` prints); each explainer
runs the very formulas that computed them (:mod:`cnncalc.shapes`, the layer's own methods, the
counting rules) on :class:`~cnncalc.terms.T` numbers, which record the working, and
:func:`explain_row` still asserts that the working arrives at the row's values.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable

from cnncalc import counting
from cnncalc.analysis import Report, Row, analyze, recount
from cnncalc.comparison import rule_line
from cnncalc.counting import Count
from cnncalc.errors import UsageError, did_you_mean
from cnncalc.i18n import _
from cnncalc.spec import INPUT, Network
from cnncalc.teach.explainers import explainer_for
from cnncalc.receptive import Field
from cnncalc.teach.receptive import describe, receptive_fields
from cnncalc.teach.receptive import working as field_working
from cnncalc.teach.working import (FIELDS, Board, Working, WorkingDisagrees, equation, num,
                                   shape)

MAX_TERMS = 12  # longer sums are written as "the sum of n layers"


def legend(name: str = counting.DEFAULT) -> str:
    """The symbols, and how convention ``name`` counts, in the convention's own words."""
    rules = counting.convention(name)
    lines = [_("Symbols: N batch, C channels, L/D/H/W length/depth/height/width (_in, _out), "
               "K kernel, S stride, P padding, d dilation, g groups."),
             _("RF is the receptive field of the first output position: size r, jump j between "
               "neighbours, start s (its centre, in input positions).")]
    if name != counting.DEFAULT:
        lines.append(_("Counting convention: {name} — {title}").format(
            name=rules.name, title=_(rules.title)))
    lines.append(_("MACs under the {name} convention: {macs_are}; FLOPs = {flops_are}.").format(
        name=rules.name, macs_are=_(rules.macs_are), flops_are=_(rules.flops_are)))
    return "\n".join(lines)


def explain_row(row: Row) -> Working:
    """The working of one analysis row, asserted to arrive at the row's own numbers."""
    explainer = explainer_for(type(row.layer))
    if explainer is None:
        return _unexplained(row)
    working = explainer(row)
    if row.shares is not None:
        working = _shared(working, row)
    actual = {"output_shape": tuple(row.output_shape), "params": row.params,
              "buffers": row.buffers, "macs": row.macs}
    for quantity in FIELDS:
        if working.values[quantity] != actual[quantity]:
            raise WorkingDisagrees(f"{row.name} ({row.type}): the working gives {quantity} "
                                   f"{working.values[quantity]!r}, the analysis "
                                   f"{actual[quantity]!r}")
    if len(row.input_shapes) == 1 and row.input_shapes[0] != row.output_shape:
        lines = dict(working.lines)
        lines["output_shape"] = (_("input {input} → output {output}").format(
            input=shape(row.input_shapes[0]), output=shape(row.output_shape)),
            *lines["output_shape"])
        working = replace(working, lines=lines)
    return working


def _shared(working: Working, row: Row) -> Working:
    """A layer that calls the module of ``row.shares`` again (``share:``): its formulas give
    what the module holds, which is counted at that first call, once; here 0."""
    lines, values = dict(working.lines), dict(working.values)
    said = {"params": _("the module of {owner}, called again (share): its parameters are "
                        "counted there, once, so params = 0 here"),
            "buffers": _("the module of {owner}, called again (share): its buffers are counted "
                         "there, once, so buffers = 0 here")}
    for quantity, text in said.items():
        if values[quantity]:
            lines[quantity] = (*lines[quantity], text.format(owner=row.shares))
        values[quantity] = 0
    return replace(working, lines=lines, values=values)


def _unexplained(row: Row) -> Working:
    # A layer type added without an explainer still gets its numbers, plainly marked.
    board = Board(row.type)
    note = _("(the formula of {type}; its working is not written out yet)").format(
        type=row.type)
    board.result("output_shape", row.output_shape, f"output = {shape(row.output_shape)}  {note}")
    board.result("params", row.params, f"params = {num(row.params)}")
    board.result("buffers", row.buffers, f"buffers = {num(row.buffers)}")
    board.result("macs", row.macs, f"MACs = {num(row.macs)}")
    return board.done()


@dataclass(frozen=True)
class LayerExplanation:
    """One layer's row, its working, and its receptive field (None without spatial dims).

    The working of the output shape, params and buffers is the textbook's; its MACs are the
    default convention's. Under another convention, ``count`` is that convention's count of
    the row, whose numbers remember their formula, and ``rule`` its rule in one line.
    """

    row: Row
    working: Working
    field: Field | None = None
    convention: str = counting.DEFAULT
    count: Count | None = None
    rule: str | None = None

    @property
    def name(self) -> str:
        return self.row.name

    def counting_lines(self) -> tuple[str, ...]:
        """The MACs and FLOPs lines: the working of the convention's rule, or the textbook's
        MACs working and ``FLOPs = 2 · MACs``."""
        row = self.row
        if self.count is None:
            return (*self.working.lines["macs"], flops_line(row.macs, row.flops))
        lines = [_("{name} rule: {rule}").format(name=self.convention,
                                                 rule=self.rule.replace('``', ''))] \
            if self.rule else []
        lines.append(equation("MACs", self.count.macs))
        if row.flops == 2 * row.macs:
            lines.append(flops_line(row.macs, row.flops))
        else:
            lines.append(equation("FLOPs", self.count.flops))
        return tuple(lines)

    def lines(self, quantity: str) -> tuple[str, ...]:
        """The working of one quantity: output_shape, params, buffers, macs, flops or
        receptive_field."""
        if quantity == "receptive_field":
            return field_working(self.field, self.row.name) if self.field else ()
        if quantity in ("macs", "flops"):
            lines = self.counting_lines()
            return lines if quantity == "flops" else lines[:-1]
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
        if row.macs == 0 and row.flops == 0:
            zeros.append("MACs = FLOPs = 0")
        else:
            if zeros:  # params = 0 before the counts' working
                out.append("  " + ", ".join(zeros))
                zeros = []
            out += [f"  {line}" for line in self.counting_lines()]
        if zeros:
            out.append("  " + ", ".join(zeros))
        if self.field is not None:
            out += [f"  {line}" for line in field_working(self.field, row.name)]
        return "\n".join(out)


def flops_line(macs: int, flops: int) -> str:
    """``FLOPs = 2 · MACs = 1,536,000``, or the FLOPs alone where they are not twice the MACs."""
    return f"FLOPs = 2 · MACs = {num(flops)}" if flops == 2 * macs else f"FLOPs = {num(flops)}"


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
        head = _("{name}: input {input}, batch {batch}").format(
            name=report.name, input=shape(report.inputs[INPUT]), batch=report.batch)
        parts = [f"{head}\n{legend(report.convention)}"] + [item.text() for item in self.layers]
        if self.complete:
            parts.append(self._totals())
        return "\n\n".join(parts)

    def _totals(self) -> str:
        rows, totals = self.report.layers, self.report.totals
        lines = [_("Totals")]
        sums = [("params", "params", totals.params), ("MACs", "macs", totals.macs)]
        if totals.flops != 2 * totals.macs:
            sums.append(("FLOPs", "flops", totals.flops))
        for label, attr, total in sums:
            terms = [getattr(r, attr) for r in rows if getattr(r, attr)]
            if 1 < len(terms) <= MAX_TERMS:
                lines.append(f"  {label} = {' + '.join(num(t) for t in terms)} = {num(total)}")
            elif len(terms) > MAX_TERMS:
                lines.append("  " + _("{label} = the sum over {n} layers = {total}").format(
                    label=label, n=len(terms), total=num(total)))
            else:
                lines.append(f"  {label} = {num(total)}")
        if totals.flops == 2 * totals.macs:
            lines.append(f"  {flops_line(totals.macs, totals.flops)}")
        if totals.buffers:
            lines.append(f"  buffers = {num(totals.buffers)}")
        followed = [item for item in self.layers if item.field is not None]
        if followed and followed[-1].field.spans is not None:
            lines.append("  " + _("RF of the output: {field}").format(
                field=describe(followed[-1].field.spans)))
        elif followed:
            reached = [item for item in followed if item.field.spans is not None]
            last = _("last followed at {name}: {field}; ").format(
                name=reached[-1].name, field=describe(reached[-1].field.spans)) if reached else ""
            field = followed[-1].field
            reason = field.reason.replace(field.why, _(field.why)) if field.why else field.reason
            lines.append("  " + _("RF: {last}not followed past {reason}").format(
                last=last, reason=reason))
        return "\n".join(lines)


def explain(network: Network, *, batch: int = 1, input: Iterable[int] | None = None,
            layers: Iterable[str] | None = None,
            convention: str = counting.DEFAULT) -> Explanation:
    """The working of every layer of ``network`` (or of the named ones and their blocks), its
    MACs and FLOPs counted under ``convention``."""
    return explain_report(analyze(network, batch=batch, input=input, convention=convention),
                          layers)


def explain_report(report: Report, layers: Iterable[str] | None = None) -> Explanation:
    """The working of an analysis ``report``'s layers (all, or the named ones), under the
    report's convention: the textbook working (asserted against the default convention's
    rows) and, under another convention, that convention's rule and its working."""
    fields = receptive_fields(report)
    chosen = report.layers if layers is None else select(report, layers)
    name = report.convention
    if name == counting.DEFAULT:
        items = [LayerExplanation(row, explain_row(row), fields.get(row.name)) for row in chosen]
        return Explanation(report, items, complete=layers is None)
    rules = counting.convention(name)
    textbook = {row.name: row for row in recount(report, counting.DEFAULT).layers}
    items = [LayerExplanation(row, explain_row(textbook[row.name]), fields.get(row.name),
                              name, rules.count(row.site), rule_line(rules, type(row.layer)))
             for row in chosen]
    return Explanation(report, items, complete=layers is None)


def select(report: Report, names: Iterable[str]) -> list[Row]:
    """Rows named exactly, or lying inside a named block instance (``layer1`` → its layers)."""
    names = list(names)
    known = [row.name for row in report.layers]
    blocks = [block.name for block in report.blocks]
    for name in names:
        if name not in known and name not in blocks:
            raise UsageError(f"no layer or block named {name!r} in {report.name}"
                             + did_you_mean(name, known + blocks))
    wanted = set(names)
    return [row for row in report.layers if row.name in wanted or wanted & set(row.scope)]
