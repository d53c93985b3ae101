"""Tables of small pure rules looked up by layer class (``torch/utils/flop_counter.py`` style).

Counting conventions, memory rules, receptive-field rules and explainers are each one
:class:`RuleTable`: a rule is registered where it is defined (``@table.rule("Conv2d", ...)``),
found through the class hierarchy (a rule for a base class serves its subclasses unless one
has its own), and registering a class twice is an error.

Rules are filed by class *name* (a class may be given too), so that a table can be defined
without importing the layer families it covers: a network imports only the families it uses.
"""

from __future__ import annotations

from functools import cache
from typing import Callable, Generic, Iterator, TypeVar

F = TypeVar("F", bound=Callable)


@cache
def lineage(cls: type) -> tuple[str, ...]:
    """The names of ``cls`` and of its bases, nearest first."""
    return tuple(k.__name__ for k in cls.__mro__)


@cache
def _kinds(cls: type) -> frozenset[str]:
    return frozenset(lineage(cls))


def is_a(obj: object, *names: str) -> bool:
    """``isinstance`` by class name: ``is_a(layer, "_ConvTransposeNd")``."""
    return not _kinds(type(obj)).isdisjoint(names)


class RuleTable(Generic[F]):
    """Rules filed by class name; ``what`` names the table in the error of a double
    registration."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.rules: dict[str, F] = {}
        self._found: dict[type, F | None] = {}

    def rule(self, *classes: type | str) -> Callable[[F], F]:
        """Register the decorated function as the rule of ``classes`` (and their subclasses),
        given as classes or class names."""
        def register(function: F) -> F:
            for cls in classes:
                name = cls if isinstance(cls, str) else cls.__name__
                if name in self.rules:
                    raise TypeError(f"{self.what}: {name} has a rule already "
                                    f"({self.rules[name].__qualname__}); cannot also register "
                                    f"{function.__qualname__}")
                self.rules[name] = function
            self._found.clear()
            return function
        return register

    def rule_for(self, cls: type) -> F | None:
        """The rule filed under ``cls`` or its nearest base class; None when there is none."""
        try:
            return self._found[cls]
        except KeyError:
            found = next((self.rules[k] for k in lineage(cls) if k in self.rules), None)
            self._found[cls] = found
            return found

    def __contains__(self, cls: type) -> bool:
        return self.rule_for(cls) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)
