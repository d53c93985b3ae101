"""Twins of the layer types that torchvision defines (torchvision cannot be a dependency):
local transcriptions of its classes, line for line, so that every peer tool sees what it would
see on torchvision's own module (the same class hierarchy, parameters and calls).

- ``Permute``: ``torchvision.ops.misc.Permute``, ``torch.permute(x, dims)``;
- ``LayerNorm2d``: ``torchvision.models.convnext.LayerNorm2d``, an ``nn.LayerNorm`` subclass;
- ``StochasticDepth``: ``torchvision.ops.StochasticDepth`` and its ``stochastic_depth``.
"""

from __future__ import annotations

from typing import List

import torch
import torch.nn.functional as F

from cnncalc.torch.twins import twin_for


@twin_for("Permute")
class Permute(torch.nn.Module):
    """torchvision/ops/misc.py ``Permute``: ``torch.permute(x, self.dims)``."""

    def __init__(self, dims: List[int]) -> None:
        super().__init__()
        self.dims = list(dims)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.permute(x, self.dims)


@twin_for("LayerNorm2d")
class LayerNorm2d(torch.nn.LayerNorm):
    """torchvision/models/convnext.py ``LayerNorm2d``: channels-last layer_norm of [N, C, H, W].
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        x = x.permute(0, 3, 1, 2)
        return x


def stochastic_depth(input: torch.Tensor, p: float, mode: str, training: bool = True
                     ) -> torch.Tensor:
    """torchvision/ops/stochastic_depth.py ``stochastic_depth``."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"drop probability has to be between 0 and 1, but got {p}")
    if mode not in ["batch", "row"]:
        raise ValueError(f"mode has to be either 'batch' or 'row', but got {mode}")
    if not training or p == 0.0:
        return input

    survival_rate = 1.0 - p
    if mode == "row":
        size = [input.shape[0]] + [1] * (input.ndim - 1)
    else:
        size = [1] * input.ndim
    noise = torch.empty(size, dtype=input.dtype, device=input.device)
    noise = noise.bernoulli_(survival_rate)
    if survival_rate > 0.0:
        noise.div_(survival_rate)
    return input * noise


@twin_for("StochasticDepth")
class StochasticDepth(torch.nn.Module):
    """torchvision/ops/stochastic_depth.py ``StochasticDepth``."""

    def __init__(self, p: float, mode: str) -> None:
        super().__init__()
        self.p = p
        self.mode = mode

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return stochastic_depth(input, self.p, self.mode, self.training)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(p={self.p}, mode={self.mode})"
