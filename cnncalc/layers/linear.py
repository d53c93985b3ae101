"""Fully connected layers."""


from typing import ClassVar

from cnncalc import shapes as f
from cnncalc.layers.base import Bool, Layer, PositiveInt, Shape


class Linear(Layer):
    """``torch.nn.Linear``: acts on the last dimension; ``in_features`` comes from it."""

    inferred: ClassVar[tuple[str, ...]] = ("in_features",)

    in_features: PositiveInt | None = None
    out_features: PositiveInt
    bias: Bool = True

    def resolve(self, shape: Shape) -> "Linear":
        return self._infer("in_features", shape[-1], f"the last dimension of {list(shape[1:])}")

    def compute_output_shape(self, shape: Shape) -> Shape:
        """The last dimension becomes ``out_features``."""
        return (*shape[:-1], self.out_features)

    def count_params(self, shape: Shape) -> int:
        """``(in_features + 1) · out_features``, without the ``+ 1`` when ``bias`` is false."""
        return f.linear_params(self.in_features, self.out_features, self.bias)

