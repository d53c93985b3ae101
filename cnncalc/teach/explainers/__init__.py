"""One explainer module per layer family; importing this package registers them all."""

from cnncalc.teach.explainers import activation, conv, linear, merge, norm  # noqa: F401
from cnncalc.teach.explainers import padding, pool, resample, reshape, select  # noqa: F401
from cnncalc.teach.explainers import reduce  # noqa: F401
from cnncalc.teach.explainers import attention  # noqa: F401
from cnncalc.teach.explainers import source  # noqa: F401
from cnncalc.teach.explainers.registry import EXPLAINERS, Explainer, explainer_for, explains

__all__ = ["EXPLAINERS", "Explainer", "explainer_for", "explains"]
