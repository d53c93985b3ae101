"""Merges: layers that take several earlier outputs through ``from``."""


from typing import ClassVar

from pydantic import StrictInt

from cnncalc.errors import LayerError
from cnncalc.layers.base import Layer, Shape, check_dim, describe_shape


def broadcast_shapes(shapes: tuple[Shape, ...]) -> Shape | None:
    """torch's broadcasting: dims aligned from the right, each equal or 1; None if not."""
    rank = max(len(s) for s in shapes)
    padded = [(1,) * (rank - len(s)) + tuple(s) for s in shapes]
    out = []
    for dims in zip(*padded):
        sizes = {d for d in dims if d != 1}
        if len(sizes) > 1:
            return None
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


class _Elementwise(Layer):
    """Add and Mul: any number of inputs broadcast together, as torch broadcasts them. An
    operand may have fewer dims than the batch-first activations (a ``Parameter`` of shape
    ``[C, 1, 1]`` or ``[C]``); the largest must have a batch and at least one more dim."""

    abstract: ClassVar[bool] = True
    arity: ClassVar[tuple[int, int | None]] = (2, None)

    def check_input(self, *shapes: Shape) -> None:
        widest = max(shapes, key=len)
        super().check_input(widest)


class Add(_Elementwise):
    """Elementwise sum (a residual connection; a position embedding added with torch's
    broadcasting)."""

    def compute_output_shape(self, *shapes: Shape) -> Shape:
        """The common shape; the inputs must have one shape or broadcast to one (each dim,
        aligned from the right, equal or 1), as for torch's ``+``."""
        for i, shape in enumerate(shapes[1:], start=2):
            if broadcast_shapes((shapes[0], shape)) is None:
                raise LayerError(f"Add needs inputs of one shape (or shapes that broadcast: "
                                 f"each dim equal or 1); input {i} differs from input 1",
                                 expected=describe_shape(shapes[0]), got=describe_shape(shape),
                                 field="from")
        found = broadcast_shapes(shapes)
        if found is None:
            raise LayerError("Add's inputs do not broadcast: each dimension must match or"
                             " be 1", expected="broadcastable shapes",
                             got=" and ".join(describe_shape(s) for s in shapes), field="from")
        return found


class Mul(_Elementwise):
    """Elementwise product with PyTorch broadcasting (squeeze-and-excitation's rescale)."""

    def compute_output_shape(self, *shapes: Shape) -> Shape:
        """Dimensions aligned from the right; each pair equal or one of them 1."""
        found = broadcast_shapes(shapes)
        if found is None:
            raise LayerError("Mul's inputs do not broadcast: each dimension must match or"
                             " be 1", expected="broadcastable shapes",
                             got=" and ".join(describe_shape(s) for s in shapes), field="from")
        return found


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
