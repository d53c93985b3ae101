"""Explainers, looked up by the layer's class (its own, else the nearest base that has one).

Layer classes hold formulas; how their working is written on the board is formatting, so it
lives here, one module per layer family, each function registered with :func:`explains`.
"""

from __future__ import annotations

from typing import Callable

from cnncalc.analysis import Row
from cnncalc.rules import RuleTable
from cnncalc.teach.working import Working

Explainer = Callable[[Row], Working]
EXPLAINERS: RuleTable[Explainer] = RuleTable("explainers")
#: register the decorated function as the explainer of the given classes and their subclasses
explains = EXPLAINERS.rule
#: the explainer registered for a class or its nearest base class; None when there is none
explainer_for = EXPLAINERS.rule_for
