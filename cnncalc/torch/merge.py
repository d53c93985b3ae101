"""Twins of the merges, which ``torch.nn`` has no module for: they take several tensors."""

from __future__ import annotations

import torch

from cnncalc.torch.twins import twin_for


@twin_for("Add")
class AddModule(torch.nn.Module):
    """``x1 + x2 + ...`` (a residual connection)."""

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        total = inputs[0]
        for tensor in inputs[1:]:
            total = total + tensor
        return total


@twin_for("Mul")
class MulModule(torch.nn.Module):
    """``x1 * x2 * ...`` with broadcasting (squeeze-and-excitation's rescale)."""

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        product = inputs[0]
        for tensor in inputs[1:]:
            product = product * tensor
        return product


@twin_for("Concat")
class ConcatModule(torch.nn.Module):
    """``torch.cat(inputs, dim)``."""

    def __init__(self, dim: int = 1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        return torch.cat(inputs, dim=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


@twin_for("Matmul")
class MatmulModule(torch.nn.Module):
    """``torch.matmul(a, b)``."""

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return torch.matmul(a, b)
