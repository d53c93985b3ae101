"""Counting conventions: which operations a MAC or a FLOP is, as each tool counts them.

A convention is a table of small pure rules, one per layer type, registered where the rule is
defined (``@TORCH.rule(Conv1d, Conv2d, ...)``) and found through the class hierarchy, as
``torch.utils.flop_counter`` registers one formula per operator and fvcore one handle per op.
Registering a type twice in one convention is an error. A rule sees one call site — the
resolved layer, its input shapes and its output shape, batch included, and how the original
code made the call — and returns a :class:`Count`; a type without a rule counts zero.

Conventions load on first use (``convention("ptflops")``), so that a summary under the default
convention never imports the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from math import prod
from typing import Callable, Iterator

from cnncalc.terms import Number, T, product
from cnncalc.errors import UsageError, one_of
from cnncalc.layers import Layer, Shape
from cnncalc.rules import RuleTable

SPATIAL = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}
KERNEL = {1: ("K",), 2: ("Kh", "Kw"), 3: ("Kd", "Kh", "Kw")}

#: every convention, in the order the comparison shows them, and the module defining it
MODULES = {
    "torch": "cnncalc.counting.torch",
    "torchinfo": "cnncalc.counting.torchinfo",
    "fvcore": "cnncalc.counting.fvcore",
    "ptflops": "cnncalc.counting.ptflops",
    "thop": "cnncalc.counting.thop",
    "full": "cnncalc.counting.full",
}
NAMES = tuple(MODULES)
DEFAULT = "torch"


@dataclass(frozen=True)
class Count:
    """One call site's multiply-accumulates and floating-point operations.

    A rule may build them from :class:`~cnncalc.terms.T` numbers, so that ``explain``
    can show the working; :meth:`exact` gives the plain ints the reports carry.
    """

    macs: Number = 0
    flops: Number = 0

    def exact(self) -> tuple[int, int]:
        return int(self.macs), int(self.flops)


ZERO = Count()


@dataclass(frozen=True)
class Site:
    """What a rule may look at: one call of a layer, as the analysis resolved it.

    ``call`` says how the original PyTorch code made the call: ``"module"`` (an ``nn.Module``
    instance), ``"functional"`` (``F.relu(x)``, ``torch.cat``: invisible to the module hooks of
    torchinfo, ptflops and thop, but seen by ptflops' patched functions) or ``"method"`` (a
    tensor method or operator, ``x.mean([2, 3])``, ``x + y``: seen by no hook and no patch).
    """

    layer: Layer
    inputs: tuple[Shape, ...]
    output: Shape
    call: str = "module"

    @property
    def input(self) -> Shape:
        return self.inputs[0]

    # -- the quantities rules are written in, as numbers that remember their symbols ---------

    @property
    def batch(self) -> T:
        return T(self.output[0], "N")

    def numel_in(self, index: int = 0) -> T:
        return T(prod(self.inputs[index]), "numel(x)" if len(self.inputs) == 1
                 else f"numel(x{index + 1})")

    @property
    def numel_out(self) -> T:
        return T(prod(self.output), "numel(y)")

    def spatial(self, shape: Shape, side: str) -> T | int:
        """``H_out · W_out`` (or ``L_in``, ``D_in · H_in · W_in``) of a channels-first shape."""
        names = SPATIAL.get(len(shape) - 2, ())
        return product(*(T(size, f"{name}_{side}") for size, name in zip(shape[2:], names)))

    @property
    def channels_in(self) -> T:
        return T(self.input[1], "Cin")

    @property
    def channels_out(self) -> T:
        return T(self.output[1], "Cout")


Rule = Callable[[Site], Count]


class Convention:
    """A named table of rules; ``rule`` registers, ``count`` looks up by the class hierarchy."""

    def __init__(self, name: str, title: str, source: str, macs_are: str, flops_are: str,
                 quirks: tuple[str, ...] = ()) -> None:
        self.name = name
        self.title = title          # one line: what the headline number is
        self.source = source        # the tool and version, or the definition, it reproduces
        self.macs_are = macs_are    # how the table's MACs column reads under this convention
        self.flops_are = flops_are
        self.quirks = quirks        # the tool's behaviours a reader should know of
        self.table: RuleTable[Rule] = RuleTable(f"{name} convention")
        self.rule = self.table.rule          # register: ``@convention.rule("Conv2d", ...)``
        self.rule_for = self.table.rule_for  # the rule of a class or its nearest base

    @property
    def rules(self) -> dict[str, Rule]:
        return self.table.rules

    def count(self, site: Site) -> Count:
        rule = self.rule_for(type(site.layer))
        return ZERO if rule is None else rule(site)

    def __repr__(self) -> str:
        return f"<convention {self.name}: {len(self.rules)} rules>"


_LOADED: dict[str, Convention] = {}


def define(name: str, **description: object) -> Convention:
    """Create the convention ``name``; each convention module does this once."""
    if name in _LOADED:
        raise TypeError(f"convention {name!r} is defined twice")
    if name not in MODULES:
        raise TypeError(f"convention {name!r} is missing from cnncalc.counting.MODULES")
    _LOADED[name] = Convention(name, **description)  # type: ignore[arg-type]
    return _LOADED[name]


def convention(name: str) -> Convention:
    """The convention called ``name``, loaded on first use."""
    if name not in MODULES:
        raise UsageError(f"unknown counting convention {name!r} (expected "
                         f"{one_of(NAMES)})")
    if name not in _LOADED:
        import_module(MODULES[name])
    return _LOADED[name]


def every() -> Iterator[Convention]:
    return (convention(name) for name in NAMES)
