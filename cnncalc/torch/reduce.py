"""Twins of the reductions (``cnncalc/layers/reduce.py``): torch spells them as functions
(``torch.mean(x, dim, keepdim)``); their tensor-method forms are in :mod:`cnncalc.torch.calls`.
"""

from __future__ import annotations

from typing import Callable

import torch

from cnncalc.torch.twins import twin_for


class _Reduce(torch.nn.Module):
    function: Callable[..., torch.Tensor]

    def __init__(self, dim, keepdim: bool = False) -> None:
        super().__init__()
        self.dim = list(dim) if isinstance(dim, (list, tuple)) else dim
        self.keepdim = keepdim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return type(self).function(x, self.dim, keepdim=self.keepdim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, keepdim={self.keepdim}"


@twin_for("Mean")
class MeanModule(_Reduce):
    """``torch.mean(x, dim, keepdim=keepdim)``."""

    function = staticmethod(lambda *args, **kwargs: torch.mean(*args, **kwargs))


@twin_for("Amax")
class AmaxModule(_Reduce):
    """``torch.amax(x, dim, keepdim=keepdim)``."""

    function = staticmethod(lambda *args, **kwargs: torch.amax(*args, **kwargs))


@twin_for("Sum")
class SumModule(_Reduce):
    """``torch.sum(x, dim, keepdim=keepdim)``."""

    function = staticmethod(lambda *args, **kwargs: torch.sum(*args, **kwargs))
