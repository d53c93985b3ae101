"""Why the conventions disagree: one analysis counted under every convention, and each one's
difference from the reference convention (``torch``) broken down by layer type and call.

Pure data, like :mod:`cnncalc.analysis`, which it extends: shapes are walked once, each row is
recounted under every convention (:func:`cnncalc.analysis.every_convention`), and the rows
whose counts differ are grouped by ``(row.type, row.call)``. Each group carries the one-line
explanation of the convention's rule for that type (the first paragraph of the rule's
docstring), so that a reader sees *why* the totals differ. The groups' differences add up
exactly to the totals' difference. Rendering is :mod:`cnncalc.report.conventions`'s.

>>> import cnncalc
>>> from cnncalc.analysis import analyze
>>> net = cnncalc.loads("input: [2, 4, 4]\\nlayers:\\n  - Conv2d: {out_channels: 3, "
...                     "kernel_size: 3}\\n  - BatchNorm2d\\n  - ReLU\\n")
>>> full = compare(analyze(net)).tally("full")
>>> full.macs - full.reference_macs == sum(d.macs for d in full.differences)
True
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

from cnncalc import counting
from cnncalc.analysis import Note, Report, Totals, every_convention
from cnncalc.counting import Convention
from cnncalc.terms import Number, T


@dataclass(frozen=True)
class Difference:
    """The rows of one layer type and call kind whose counts differ from the reference's."""

    type: str              # the layer type, as the rows name it (``BatchNorm2d``)
    call: str              # how the original code calls it: module, functional or method
    layers: int            # how many rows of this type and call the network has
    macs: int              # this convention's MACs minus the reference's, over those rows
    flops: int             # the same for FLOPs
    macs_formula: str      # the convention's MACs at the group's first row, in symbols
    flops_formula: str     # its FLOPs there
    rule: str | None       # the convention's rule for the type in one line (its docstring's
                           # first paragraph; "" when it has none); None: no rule, counts 0


@dataclass(frozen=True)
class Tally:
    """One convention's totals, what it reproduces, and why it differs from the reference."""

    name: str
    title: str             # one line: what the headline number is
    source: str            # the tool and version (or the definition) it reproduces
    report: Report         # the analysis counted under this convention
    reference_macs: int
    reference_flops: int
    differences: tuple[Difference, ...]   # biggest first; empty for the reference itself

    @property
    def totals(self) -> Totals:
        return self.report.totals

    @property
    def macs(self) -> int:
        return self.report.totals.macs

    @property
    def flops(self) -> int:
        return self.report.totals.flops

    @property
    def macs_difference(self) -> int:
        return self.macs - self.reference_macs

    @property
    def flops_difference(self) -> int:
        return self.flops - self.reference_flops


@dataclass(frozen=True)
class Comparison:
    """Every convention's :class:`Tally` of one analysis, in :data:`cnncalc.counting.NAMES`
    order, each against ``reference``."""

    name: str
    batch: int
    inputs: dict
    reference: str
    tallies: tuple[Tally, ...]
    notes: tuple[Note, ...] = ()   # the analysis' notes, when ``input`` changes an argument

    def tally(self, name: str) -> Tally:
        for tally in self.tallies:
            if tally.name == name:
                return tally
        counting.convention(name)  # an unknown name: the usual UsageError
        raise KeyError(name)

    def __iter__(self):
        return iter(self.tallies)


def compare(report: Report, reference: str = counting.DEFAULT) -> Comparison:
    """``report``'s analysis under every convention, each against ``reference``."""
    counting.convention(reference)  # an unknown name is a UsageError
    every = every_convention(report)
    base = every[reference]
    tallies = []
    for name, counted in every.items():
        rules = counting.convention(name)
        differences = () if name == reference else breakdown(counted, base, rules)
        tallies.append(Tally(name, rules.title, rules.source, counted, base.totals.macs,
                             base.totals.flops, differences))
    return Comparison(report.name, report.batch, dict(report.inputs), reference,
                      tuple(tallies), report.notes)


def breakdown(counted: Report, reference: Report, rules: Convention) -> tuple[Difference, ...]:
    """``counted``'s rows minus ``reference``'s, summed per ``(type, call)``; the groups whose
    MACs or FLOPs differ, biggest MAC difference first (then biggest FLOP difference)."""
    groups: dict[tuple[str, str], list] = {}
    for mine, theirs in zip(counted.layers, reference.layers, strict=True):
        assert mine.name == theirs.name, "recounted rows keep the analysis order"
        group = groups.setdefault((mine.type, mine.call), [0, 0, 0, mine])
        group[0] += 1
        group[1] += mine.macs - theirs.macs
        group[2] += mine.flops - theirs.flops
    found = []
    for (kind, call), (layers, macs, flops, first) in groups.items():
        if macs or flops:
            count = rules.count(first.site)
            found.append(Difference(kind, call, layers, macs, flops, formula(count.macs),
                                    formula(count.flops), rule_line(rules, type(first.layer))))
    return tuple(sorted(found, key=lambda d: (-abs(d.macs), -abs(d.flops), d.type, d.call)))


def rule_line(rules: Convention, kind: type) -> str | None:
    """The one-line explanation of ``rules``' rule for the layer class ``kind``: the first
    paragraph of the rule function's docstring, on one line ("" when it has none); None when
    the convention has no rule for the type (it counts zero).

    >>> from cnncalc.counting import convention
    >>> from cnncalc.layers.conv import Conv2d
    >>> from cnncalc.layers.reshape import Flatten
    >>> rule_line(convention("fvcore"), Conv2d)
    'As torch: ``N · Cout · (output spatial) · Cin/g · prod(K)`` (conv_flop_jit).'
    >>> rule_line(convention("fvcore"), Flatten) is None
    True
    """
    rule = rules.rule_for(kind)
    if rule is None:
        return None
    doc = inspect.getdoc(rule) or ""
    return " ".join(doc.split("\n\n", 1)[0].split())


def formula(number: Number) -> str:
    """A count's formula in symbols (``2 · numel(x)``), or its value when it has none."""
    return number.formula() if isinstance(number, T) else str(int(number))
