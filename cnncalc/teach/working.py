"""The working a teacher writes on the board for one layer, and the notation it is written in.

An explainer returns a :class:`Working`: for each quantity (output shape, params, buffers,
MACs) the lines of working and the value they arrive at. The working is not a second copy of
the formulas: an explainer calls the very function that computes the number
(:mod:`cnncalc.shapes`, a counting rule) on :class:`~cnncalc.terms.T` numbers, which record
their steps. :func:`cnncalc.teach.explain` still asserts that every value equals the analysis
row's, so explain can never disagree with ``summary``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from cnncalc.counting import DEFAULT, convention
from cnncalc.i18n import _
from cnncalc.terms import Number, T
from cnncalc.report.units import shape as shape_text

FIELDS = ("output_shape", "params", "buffers", "macs")
SPATIAL = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}
UNITS = {"L": ("position", "positions"), "D": ("slice", "slices"), "H": ("row", "rows"),
         "W": ("column", "columns")}
KERNEL = {1: ("K",), 2: ("Kh", "Kw"), 3: ("Kd", "Kh", "Kw")}


@dataclass(frozen=True)
class Working:
    """One layer's working: per quantity, the lines shown and the value they arrive at."""

    title: str
    lines: dict[str, tuple[str, ...]]
    values: dict[str, Any]
    warnings: tuple[str, ...] = ()
    #: quantities the explainer left at zero without working of its own
    defaulted: frozenset[str] = frozenset()


@dataclass
class Board:
    """Collects an explainer's lines; quantities never given are zero, with a stock reason."""

    title: str
    lines: dict[str, list[str]] = field(default_factory=lambda: {f: [] for f in FIELDS})
    values: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def show(self, quantity: str, text: str) -> None:
        self.lines[quantity].append(text)

    def result(self, quantity: str, value: Any, text: str | None = None) -> None:
        """The value the working arrives at (checked against the analysis afterwards)."""
        if text is not None:
            self.show(quantity, text)
        self.values[quantity] = tuple(value) if quantity == "output_shape" else value

    def warn(self, text: str) -> None:
        self.warnings.append(text)

    def done(self) -> Working:
        defaulted = frozenset(q for q in ("params", "buffers", "macs") if q not in self.values)
        for quantity in defaulted:
            self.values[quantity] = 0
            self.lines[quantity].append(
                no_macs() if quantity == "macs" else _({
                    "params": "params = 0 (no learnable parameters)",
                    "buffers": "buffers = 0"}[quantity]))
        return Working(self.title, {q: tuple(v) for q, v in self.lines.items()},
                       dict(self.values), tuple(self.warnings), defaulted)


# -- the counting convention, in its own words (cnncalc.counting holds them) ----------------------

def counted(name: str = DEFAULT) -> str:
    """What a MAC is under convention ``name``, as the convention's table words it:
    ``torch convention: multiply-accumulates of ...``."""
    rules = convention(name)
    return _("{name} convention: {macs_are}").format(name=rules.name, macs_are=_(rules.macs_are))


def no_macs(why: str | None = None) -> str:
    """The working of a layer the default convention counts no MACs for (explainers show the
    default convention's working): ``MACs = 0 (pooling compares or averages; torch ...)``."""
    return f"MACs = 0 ({why + _('; ') if why else ''}{counted()})"


def equation(label: str, number: Number) -> str:
    """A count with the working its formula remembers: ``MACs = 2 · numel(x) = 2 · 802,816 =
    1,605,632``; a number without a formula is shown as it is."""
    if not isinstance(number, T):
        return f"{label} = {num(number)}"
    return " = ".join([label, *number.steps()])


class WorkingDisagrees(AssertionError):
    """The working arrived at another number than the formulas: a bug in cnncalc."""


def flag_floor(board: Board, group: list[str], numerator: int, stride: int,
                right: int) -> None:
    """Floor drops ``numerator mod S`` positions at the end of the padded input."""
    dropped = numerator % stride
    if not dropped:
        return
    padding = min(dropped, right)
    lost = dropped - padding
    which = _(" and ").join(plural(lost, d) for d in group)
    if lost:
        board.warn(_("{dims}: {numerator} / {stride} is not exact — floor drops the last "
                     "{which} of the input (no window reaches them); usually a design mistake")
                   .format(dims="/".join(group), numerator=num(numerator), stride=stride,
                           which=which))
    else:
        board.show("output_shape", _("  ({numerator} / {stride} is not exact, but floor drops "
                                     "only right padding, no input)")
                   .format(numerator=num(numerator), stride=stride))


def flag_gaps(board: Board, group: list[str], extent: int, stride: int, out: int) -> None:
    """A stride longer than the (dilated) window skips the positions between windows."""
    if stride > extent and out > 1:
        gap = stride - extent
        text = _("  (stride {stride} > window {extent}: the {gap} positions between windows "
                 "are skipped)") if gap > 1 else _("  (stride {stride} > window {extent}: the "
                                                  "position between windows is skipped)")
        board.show("output_shape", text.format(stride=stride, extent=extent, gap=gap))


# -- notation ----------------------------------------------------------------------------------

def num(n: int) -> str:
    """An exact count with thousands separators; a true minus sign for negatives.

    >>> num(768000), num(-3)
    ('768,000', '−3')
    """
    return f"−{-n:,}" if n < 0 else f"{n:,}"


def shape(dims: Iterable[int]) -> str:
    """``[1, 10, 32, 32]``, as ``summary`` prints shapes."""
    return shape_text(list(dims))


def per_dim(value: Any) -> str:
    """A per-dimension argument as the textbook writes it: ``5``, or ``3×5`` when it differs.

    >>> per_dim(5), per_dim((3, 5)), per_dim((2, 2))
    ('5', '3×5', '2')
    """
    if isinstance(value, tuple):
        return str(value[0]) if len(set(value)) == 1 else "×".join(str(v) for v in value)
    return str(value)


def plural(n: int, unit: str) -> str:
    """``1 row``, ``2 rows`` for the dimension symbol's unit."""
    one, many = UNITS.get(unit, ("position", "positions"))
    word = _({"position": "position", "positions": "positions", "slice": "slice",
              "slices": "slices", "row": "row", "rows": "rows", "column": "column",
              "columns": "columns"}[one if n == 1 else many])
    return f"{n} {word}"


def group_dims(symbols: Sequence[str], cases: Sequence[Any]) -> list[tuple[list[str], Any]]:
    """Dimensions with the same numbers, grouped (first appearance first), to be worked once.

    >>> group_dims(["D", "H", "W"], [(16, 1), (112, 2), (112, 2)])
    [(['D'], (16, 1)), (['H', 'W'], (112, 2))]
    """
    groups: list[tuple[list[str], Any]] = []
    for symbol, case in zip(symbols, cases):
        for members, seen in groups:
            if seen == case:
                members.append(symbol)
                break
        else:
            groups.append(([symbol], case))
    return groups
