"""Sources: layers with no input. ``Parameter`` is a learnable tensor of the network's own
(``nn.Parameter``): a class token, a position embedding, ConvNeXt's layer scale ``γ`` of shape
``[C, 1, 1]``, a relative-position bias table. Merges (``Add``, ``Mul``, ``Concat``) combine it
with activations through ``from``, broadcasting as torch does.

``shape`` is the parameter's own torch shape: no batch dim is added, so a ``[C, 1, 1]`` scale
broadcasts against ``[N, C, H, W]``. ``expand: batch`` is ViT's
``cls_token.expand(n, -1, -1)``: a parameter whose dim 0 is 1 becomes ``[N, ...]`` (a view),
so that ``Concat`` can join it to a batch of token sequences.
"""


from typing import ClassVar, Literal, Optional

from cnncalc.errors import LayerError, show
from cnncalc.layers.base import Layer, PositiveInt, Shape, numel


class Parameter(Layer):
    """``nn.Parameter(torch.empty(shape))``, returned as it is, or ``.expand(N, -1, ...)``
    over the batch with ``expand: batch``. ``numel(shape)`` parameters, 0 MACs."""

    arity: ClassVar[tuple[int, int | None]] = (0, 0)

    shape: tuple[PositiveInt, ...]
    expand: Optional[Literal["batch"]] = None

    def source_shape(self, batch: int) -> Shape:
        """``shape``; with ``expand: batch``, ``[N, *shape[1:]]`` (dim 0 of ``shape`` is 1)."""
        if self.expand is None:
            return tuple(self.shape)
        if not self.shape or self.shape[0] != 1:
            raise LayerError("expand: batch repeats dim 0 of the parameter over the batch, "
                             "so that dim must be 1 (as in torch's "
                             "cls_token.expand(n, -1, -1))",
                             expected="shape [1, ...]", got=show(list(self.shape)),
                             field="shape")
        return (batch, *self.shape[1:])

    def count_params(self, *shapes: Shape) -> int:
        """``numel(shape)``: the parameter itself (expanding is a view)."""
        return numel(self.shape)
