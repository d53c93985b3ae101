"""Explainers, looked up by the layer's class (its own, else the nearest base that has one).

Layer classes hold formulas; how their working is written on the board is formatting, so it
lives here, one module per layer family, each function registered with :func:`explains`.
"""

from __future__ import annotations

from typing import Callable

from cnncalc.analysis import Row
from cnncalc.teach.working import Working

Explainer = Callable[[Row], Working]
EXPLAINERS: dict[type, Explainer] = {}


def explains(*classes: type) -> Callable[[Explainer], Explainer]:
    """Register the decorated function as the explainer of ``classes`` and their subclasses."""
    def register(function: Explainer) -> Explainer:
        for cls in classes:
            if cls in EXPLAINERS:
                raise TypeError(f"{cls.__name__} has two explainers: "
                                f"{EXPLAINERS[cls].__name__} and {function.__name__}")
            EXPLAINERS[cls] = function
        return function
    return register


def explainer_for(cls: type) -> Explainer | None:
    """The explainer registered for ``cls`` or its nearest base class; None when there is none."""
    for klass in cls.__mro__:
        if klass in EXPLAINERS:
            return EXPLAINERS[klass]
    return None
