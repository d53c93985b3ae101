"""Merges: layers that take several earlier outputs through ``from``."""

from __future__ import annotations

from typing import ClassVar

from pydantic import StrictInt

from cnncalc.errors import LayerError
from cnncalc.layers.base import Layer, Shape, check_dim, describe_shape


class Add(Layer):
    """Elementwise sum of inputs of one shape (a residual connection)."""

    arity: ClassVar[tuple[int, int | None]] = (2, None)

    def compute_output_shape(self, *shapes: Shape) -> Shape:
        """The common shape; every input must have it."""
        for i, shape in enumerate(shapes[1:], start=2):
            if shape != shapes[0]:
                raise LayerError(f"Add needs inputs of one shape; input {i} differs from input 1",
                                 expected=describe_shape(shapes[0]), got=describe_shape(shape),
                                 field="from")
        return shapes[0]


class Mul(Layer):
    """Elementwise product with PyTorch broadcasting (squeeze-and-excitation's rescale)."""

    arity: ClassVar[tuple[int, int | None]] = (2, None)

    def compute_output_shape(self, *shapes: Shape) -> Shape:
        """Dimensions aligned from the right; each pair equal or one of them 1."""
        rank = max(len(s) for s in shapes)
        padded = [(1,) * (rank - len(s)) + tuple(s) for s in shapes]
        out = []
        for dims in zip(*padded):
            sizes = {d for d in dims if d != 1}
            if len(sizes) > 1:
                raise LayerError("Mul's inputs do not broadcast: each dimension must match or"
                                 " be 1", expected="broadcastable shapes",
                                 got=" and ".join(describe_shape(s) for s in shapes),
                                 field="from")
            out.append(sizes.pop() if sizes else 1)
        return tuple(out)


class Concat(Layer):
    """``torch.cat`` along ``dim`` (the batch is dim 0, so 1 is channels)."""

    arity: ClassVar[tuple[int, int | None]] = (2, None)

    dim: StrictInt = 1

    def compute_output_shape(self, *shapes: Shape) -> Shape:
        """Sizes along ``dim`` add up; every other dimension must agree."""
        first = shapes[0]
        for i, shape in enumerate(shapes[1:], start=2):
            if len(shape) != len(first):
                raise LayerError(f"Concat's inputs must have the same number of dimensions;"
                                 f" input {i} differs from input 1",
                                 expected=describe_shape(first), got=describe_shape(shape),
                                 field="from")
        dim = check_dim(self.dim, len(first))
        for i, shape in enumerate(shapes[1:], start=2):
            if any(a != b for k, (a, b) in enumerate(zip(first, shape)) if k != dim):
                raise LayerError(f"Concat's inputs must match in every dimension but dim={self.dim};"
                                 f" input {i} differs from input 1", expected=describe_shape(first),
                                 got=describe_shape(shape), field="from")
        return tuple(sum(s[k] for s in shapes) if k == dim else n for k, n in enumerate(first))
