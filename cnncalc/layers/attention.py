"""Attention's arithmetic: ``Matmul``, the product of two earlier outputs (``q @ kᵀ``,
``attention @ v``).

``torch.matmul`` broadcasts every dimension before the last two; a product ``[..., n, k] @
[..., k, m]`` is ``[..., n, m]``. torch's vector cases (a 1-D operand: a dot product, a
matrix-vector product) are not modelled: with the batch first, both operands of a network's
product have at least two dimensions.
"""


from typing import ClassVar

from cnncalc.errors import LayerError
from cnncalc.layers.base import Layer, Shape, describe_shape
from cnncalc.layers.merge import broadcast_shapes


def broadcast_batch(a: Shape, b: Shape) -> Shape:
    """The dimensions before the last two of ``a`` and ``b``, broadcast as torch does
    (aligned from the right, each pair equal or one of them 1)."""
    found = broadcast_shapes((a[:-2], b[:-2]))
    if found is None:
        raise LayerError("Matmul's inputs do not broadcast: the dims before the last two "
                         "must match or be 1", expected="broadcastable batch dims",
                         got=f"{describe_shape(a)} @ {describe_shape(b)}", field="from")
    return found


class Matmul(Layer):
    """``torch.matmul(a, b)`` of two inputs (``from: [a, b]``): ``[..., n, k] @ [..., k, m]``
    is ``[..., n, m]``, the leading dims broadcast."""

    arity: ClassVar[tuple[int, int | None]] = (2, 2)
    ranks: ClassVar[tuple[int, ...] | None] = (2, 3, 4, 5, 6)

    def compute_output_shape(self, a: Shape, b: Shape) -> Shape:
        """``broadcast(a[:-2], b[:-2]) + [n, m]`` when ``a[-1] == b[-2]``."""
        if a[-1] != b[-2]:
            raise LayerError("Matmul's inner dimensions differ: the last dim of the first "
                             "input must equal the second-to-last dim of the second",
                             expected=f"{a[-1]} (the last dim of {describe_shape(a)})",
                             got=f"{b[-2]} (dim -2 of {describe_shape(b)})", field="from")
        return (*broadcast_batch(a, b), a[-2], b[-1])
