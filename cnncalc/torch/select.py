"""Twins of the selections (``cnncalc/layers/select.py``): torch spells them as functions."""

from __future__ import annotations

import torch

from cnncalc.torch.twins import twin_for


@twin_for("Chunk")
class ChunkModule(torch.nn.Module):
    """``x.chunk(chunks, dim)[index]``."""

    def __init__(self, chunks: int, dim: int = 1, index: int = 0) -> None:
        super().__init__()
        self.chunks, self.dim, self.index = chunks, dim, index

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.chunk(self.chunks, self.dim)[self.index]

    def extra_repr(self) -> str:
        return f"chunks={self.chunks}, dim={self.dim}, index={self.index}"


@twin_for("Narrow")
class NarrowModule(torch.nn.Module):
    """``torch.narrow(x, dim, start, length)``."""

    def __init__(self, dim: int, start: int, length: int) -> None:
        super().__init__()
        self.dim, self.start, self.length = dim, start, length

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.narrow(x, self.dim, self.start, self.length)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, start={self.start}, length={self.length}"
