"""Explainers, looked up by the layer's class (its own, else the nearest base that has one).

Layer classes hold formulas; how their working is written on the board is formatting, so it
lives here, one module per layer family, each function registered with :func:`explains`.
The receptive-field rules (:mod:`cnncalc.teach.receptive`) are kept by class the same way.
"""

from __future__ import annotations

from typing import Callable, TypeVar

from cnncalc.analysis import Row
from cnncalc.teach.working import Working

F = TypeVar("F", bound=Callable)
Explainer = Callable[[Row], Working]
EXPLAINERS: dict[type, Explainer] = {}


def registrar(table: dict[type, F], what: str) -> Callable[..., Callable[[F], F]]:
    """A decorator factory: ``@registrar(table, what)(*classes)`` files the decorated function
    in ``table`` under each of ``classes``; a class filed twice is an error."""
    def register_for(*classes: type) -> Callable[[F], F]:
        def register(function: F) -> F:
            for cls in classes:
                if cls in table:
                    raise TypeError(f"{cls.__name__} has two {what}: "
                                    f"{table[cls].__name__} and {function.__name__}")
                table[cls] = function
            return function
        return register
    return register_for


def nearest(table: dict[type, F], cls: type) -> F | None:
    """The function filed under ``cls`` or its nearest base class; None when there is none."""
    for klass in cls.__mro__:
        if klass in table:
            return table[klass]
    return None


#: register the decorated function as the explainer of the given classes and their subclasses
explains = registrar(EXPLAINERS, "explainers")


def explainer_for(cls: type) -> Explainer | None:
    """The explainer registered for ``cls`` or its nearest base class; None when there is none."""
    return nearest(EXPLAINERS, cls)
