"""Tables of small pure rules looked up by layer class (``torch/utils/flop_counter.py`` style).

Counting conventions, memory rules, receptive-field rules and explainers are each one
:class:`RuleTable`: a rule is registered where it is defined (``@table.rule(Conv2d, ...)``),
found through the class hierarchy (a rule for a base class serves its subclasses unless one
has its own), and registering a class twice is an error.
"""

from __future__ import annotations

from typing import Callable, Generic, Iterator, TypeVar

F = TypeVar("F", bound=Callable)


class RuleTable(Generic[F]):
    """Rules filed by class; ``what`` names the table in the error of a double registration."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.rules: dict[type, F] = {}
        self._found: dict[type, F | None] = {}

    def rule(self, *classes: type) -> Callable[[F], F]:
        """Register the decorated function as the rule of ``classes`` (and their subclasses)."""
        def register(function: F) -> F:
            for cls in classes:
                if cls in self.rules:
                    raise TypeError(f"{self.what}: {cls.__name__} has a rule already "
                                    f"({self.rules[cls].__qualname__}); cannot also register "
                                    f"{function.__qualname__}")
                self.rules[cls] = function
            self._found.clear()
            return function
        return register

    def rule_for(self, cls: type) -> F | None:
        """The rule filed under ``cls`` or its nearest base class; None when there is none."""
        try:
            return self._found[cls]
        except KeyError:
            found = next((self.rules[k] for k in cls.__mro__ if k in self.rules), None)
            self._found[cls] = found
            return found

    def __contains__(self, cls: type) -> bool:
        return self.rule_for(cls) is not None

    def __iter__(self) -> Iterator[type]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)
