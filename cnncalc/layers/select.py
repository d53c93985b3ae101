"""Selections: one part of a tensor along a dimension (ShuffleNet's channel split).

``torch.chunk`` and ``torch.split`` return several tensors; a network file wires one output per
entry, so these layers take an ``index`` saying which part continues. Two entries reading the
same input (``from:``) give the two halves of a split. The batch dimension cannot be selected:
the file describes one sample, and the batch size is an option of the analysis.
"""


from typing import ClassVar

from pydantic import StrictInt

from cnncalc.errors import LayerError
from cnncalc.layers.base import Layer, PositiveInt, Shape, check_dim


def chunk_sizes(size: int, chunks: int) -> list[int]:
    """The sizes of ``torch.chunk``'s parts: ``ceil(size / chunks)`` each, the last one smaller.

    Like torch, this gives fewer than ``chunks`` parts when the sizes do not work out:

    >>> chunk_sizes(232, 2), chunk_sizes(5, 4), chunk_sizes(13, 6)
    ([116, 116], [2, 2, 1], [3, 3, 3, 3, 1])
    """
    step = -(-size // chunks)
    return [min(step, size - start) for start in range(0, size, step)]


def _feature_dim(dim: int, rank: int) -> int:
    dim = check_dim(dim, rank)
    if dim == 0:
        raise LayerError("dim 0 is the batch, which a layer cannot select from",
                         expected="a dim ≥ 1 (1 is channels)", got=0, field="dim")
    return dim


class Chunk(Layer):
    """Part ``index`` of ``torch.chunk(x, chunks, dim)`` (``x.chunk(2, dim=1)[index]``).

    ``dim`` counts the batch as dim 0, as in PyTorch; its default 1 is channels, as for Concat.
    """

    arity: ClassVar[tuple[int, int | None]] = (1, 1)

    chunks: PositiveInt
    dim: StrictInt = 1
    index: StrictInt = 0

    def compute_output_shape(self, shape: Shape) -> Shape:
        """``dim`` becomes the size of part ``index``: ``ceil(n / chunks)``, the last one smaller.

        ``index`` may be negative, counting parts from the end as Python indexing does.
        """
        dim = _feature_dim(self.dim, len(shape))
        sizes = chunk_sizes(shape[dim], self.chunks)
        if not -len(sizes) <= self.index < len(sizes):
            note = "" if len(sizes) == self.chunks else (
                f" (torch.chunk makes only {len(sizes)} parts of size "
                f"{sizes[0]} from {shape[dim]})")
            raise LayerError(f"index is out of range for {len(sizes)} parts" + note,
                             expected=f"{-len(sizes)} ≤ index ≤ {len(sizes) - 1}",
                             got=self.index, field="index")
        return tuple(sizes[self.index] if k == dim else n for k, n in enumerate(shape))


class Narrow(Layer):
    """``torch.narrow(x, dim, start, length)``: ``length`` entries from ``start`` along ``dim``.

    ``start`` may be negative, counting from the end as in torch. ``length`` is at least 1:
    an empty tensor is not a useful layer output.
    """

    dim: StrictInt = 1
    start: StrictInt
    length: PositiveInt

    def compute_output_shape(self, shape: Shape) -> Shape:
        """``dim`` becomes ``length``; ``start + length`` must not pass the end (torch's rule)."""
        dim = _feature_dim(self.dim, len(shape))
        size = shape[dim]
        if not -size <= self.start <= size:
            raise LayerError(f"start is out of range for a dimension of size {size}",
                             expected=f"{-size} ≤ start ≤ {size}", got=self.start,
                             field="start")
        start = self.start % size if self.start < 0 else self.start
        if start + self.length > size:
            raise LayerError(f"start + length passes the end of dim {self.dim}",
                             expected=f"start + length ≤ {size}",
                             got=f"{start} + {self.length} = {start + self.length}",
                             field="length")
        return tuple(self.length if k == dim else n for k, n in enumerate(shape))
