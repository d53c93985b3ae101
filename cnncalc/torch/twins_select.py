"""Torch twins of the selection layers (``cnncalc.layers.select``): ``Chunk`` and ``Narrow``.

``torch.nn`` has no module for ``torch.chunk`` / ``torch.narrow``; these tiny modules take the
layer's fields as keyword arguments, so ``TWINS[type](**layer_fields)`` builds the twin.
They have no parameters, no buffers and no MACs.
"""

from __future__ import annotations

from torch import Tensor, nn


class Chunk(nn.Module):
    """``x.chunk(chunks, dim)[index]``."""

    def __init__(self, chunks: int, dim: int = 1, index: int = 0) -> None:
        super().__init__()
        self.chunks, self.dim, self.index = chunks, dim, index

    def forward(self, x: Tensor) -> Tensor:
        return x.chunk(self.chunks, self.dim)[self.index]

    def extra_repr(self) -> str:
        return f"chunks={self.chunks}, dim={self.dim}, index={self.index}"


class Narrow(nn.Module):
    """``x.narrow(dim, start, length)``."""

    def __init__(self, start: int, length: int, dim: int = 1) -> None:
        super().__init__()
        self.dim, self.start, self.length = dim, start, length

    def forward(self, x: Tensor) -> Tensor:
        return x.narrow(self.dim, self.start, self.length)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, start={self.start}, length={self.length}"


TWINS = {"Chunk": Chunk, "Narrow": Narrow}
