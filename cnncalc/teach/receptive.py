"""The working of the receptive field, written from the steps :mod:`cnncalc.receptive` took.

The numbers are the analysis stage's (``row.receptive_field``); this module only says how
each step arrived at them, in the textbook's notation: size r, jump j, start s.
"""

from __future__ import annotations

from fractions import Fraction

from cnncalc.analysis import Report
from cnncalc.i18n import _
from cnncalc.receptive import Field, Shift, Spans, Union, Window, walk
from cnncalc.spec import INPUT
from cnncalc.teach.working import SPATIAL, group_dims


def receptive_fields(report: Report) -> dict[str, Field]:
    """Every layer's field and the steps that made it, by layer name."""
    return walk(report.layers, INPUT, report.inputs[INPUT])


def fraction(x: Fraction) -> str:
    """``2``, ``2.5`` or ``-1.5``: starts are multiples of one half.

    >>> fraction(Fraction(5, 2)), fraction(Fraction(-3)), fraction(Fraction(1, 3))
    ('2.5', '−3', '1/3')
    """
    sign, x = ("−", -x) if x < 0 else ("", x)
    if x.denominator == 1:
        return f"{sign}{x.numerator}"
    if x.denominator == 2:
        return f"{sign}{x.numerator // 2}.5"
    return f"{sign}{x}"


def describe(spans: Spans) -> str:
    """``11×11, jump 4, start 5`` (per-dimension values joined by ``×`` when they differ)."""
    def joined(values: list[str]) -> str:
        return values[0] if len(set(values)) == 1 else "×".join(values)
    return _("{size}, jump {jump}, start {start}").format(
        size="×".join(str(s.size) for s in spans), jump=joined([str(s.jump) for s in spans]),
        start=joined([fraction(s.start) for s in spans]))


def working(field: Field, name: str) -> tuple[str, ...]:
    """The lines that show how layer ``name`` got its field, or where the field stops."""
    if field.spans is None and field.held is not None:   # followed, in a permuted layout
        return (f"RF: {_(field.why)}",) if field.origin == name else ()
    if field.spans is None:
        return (_("RF: not followed past this layer — {why}").format(why=_(field.why)),) \
            if field.origin == name else ()
    lines: list[str] = []
    for step in field.steps:
        if isinstance(step, Window):
            lines += _window(step)
        elif isinstance(step, Union):
            lines.append(_union(step))
        elif isinstance(step, Shift):
            lines.append(_shift(step, len(field.spans)))
    return tuple(lines)


def _window(step: Window) -> list[str]:
    dims = SPATIAL[len(step.before)]
    cases = list(zip(step.before, step.reach, step.stride, step.pad, step.after))
    lines = []
    for group, (span, reach, s, p, out) in group_dims(dims, cases):
        label = "RF" if len(group) == len(dims) else f"RF {'/'.join(group)}"
        lines.append(_("{label} size = r + d·(K−1)·j = {r} + {reach}·{j} = {size}, jump = j·S "
                       "= {j}·{s} = {jump}").format(label=label, r=span.size, reach=reach,
                                                    j=span.jump, size=out.size, s=s,
                                                    jump=out.jump))
        lines.append(_("{label} start = s + (d·(K−1)/2 − P)·j = {s} + ({half} − {p})·{j} = "
                       "{start}").format(label=label, s=fraction(span.start),
                                         half=fraction(Fraction(reach, 2)), p=p, j=span.jump,
                                         start=fraction(out.start)))
    return lines


def _union(step: Union) -> str:
    parts = [describe(spans) + (_(" — broadcast over space: the same for every position")
                                if broadcast else "")
             for spans, broadcast in zip(step.inputs, step.broadcast)]
    return _("RF = the union of the inputs' fields ({fields}) = {field}").format(
        fields="; ".join(parts), field=describe(step.after))


def _shift(step: Shift, dims: int) -> str:
    dim_name = SPATIAL[dims][step.index]
    return _("RF {dim} start moves by {label}: {before} + {offset}·{j} = {after}").format(
        dim=dim_name, label=_(step.label), before=fraction(step.before.start),
        offset=step.offset, j=step.before.jump, after=fraction(step.after.start))
