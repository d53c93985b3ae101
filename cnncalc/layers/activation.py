"""Activations: elementwise and shape-preserving; only PReLU learns parameters."""


from typing import ClassVar, Literal

from pydantic import StrictInt, model_validator

from cnncalc.errors import LayerError
from cnncalc.layers.base import Bool, Layer, Number, PositiveInt, Shape, check_dim


class _Activation(Layer):
    abstract: ClassVar[bool] = True


class ReLU(_Activation):
    """``torch.nn.ReLU``."""
    inplace: Bool = False


class ReLU6(_Activation):
    """``torch.nn.ReLU6``."""
    inplace: Bool = False


class LeakyReLU(_Activation):
    """``torch.nn.LeakyReLU``."""
    negative_slope: Number = 0.01
    inplace: Bool = False


class PReLU(_Activation):
    """``torch.nn.PReLU``: ``num_parameters`` learnable slopes, 1 or one per channel."""
    num_parameters: PositiveInt = 1
    init: Number = 0.25

    def resolve(self, shape: Shape) -> "PReLU":
        channels = shape[1] if len(shape) > 1 else 1
        if self.num_parameters not in (1, channels):
            raise LayerError("PReLU's num_parameters must be 1 or the number of channels",
                             expected=f"1 or {channels}", got=self.num_parameters,
                             field="num_parameters")
        return self

    def count_params(self, shape: Shape) -> int:
        """``num_parameters`` slopes."""
        return self.num_parameters


class ELU(_Activation):
    """``torch.nn.ELU``."""
    alpha: Number = 1.0
    inplace: Bool = False


class SELU(_Activation):
    """``torch.nn.SELU``."""
    inplace: Bool = False


class CELU(_Activation):
    """``torch.nn.CELU``."""
    alpha: Number = 1.0
    inplace: Bool = False

    @model_validator(mode="after")
    def _alpha_not_zero(self):
        if self.alpha == 0:
            raise LayerError("CELU's alpha must not be zero (torch divides by it)",
                             expected="alpha ≠ 0", got=self.alpha, field="alpha")
        return self


class GELU(_Activation):
    """``torch.nn.GELU``."""
    approximate: Literal["none", "tanh"] = "none"


class SiLU(_Activation):
    """``torch.nn.SiLU`` (swish)."""
    inplace: Bool = False


class Mish(_Activation):
    """``torch.nn.Mish``."""
    inplace: Bool = False


class Sigmoid(_Activation):
    """``torch.nn.Sigmoid``."""


class Tanh(_Activation):
    """``torch.nn.Tanh``."""


class Hardswish(_Activation):
    """``torch.nn.Hardswish``."""
    inplace: Bool = False


class Hardsigmoid(_Activation):
    """``torch.nn.Hardsigmoid``."""
    inplace: Bool = False


class Hardtanh(_Activation):
    """``torch.nn.Hardtanh``; torch's deprecated ``min_value``/``max_value`` are left out."""
    min_val: Number = -1.0
    max_val: Number = 1.0
    inplace: Bool = False

    @model_validator(mode="after")
    def _ordered(self):
        if self.max_val <= self.min_val:
            raise LayerError("Hardtanh's max_val must be greater than its min_val",
                             expected=f"max_val > {self.min_val}", got=self.max_val,
                             field="max_val")
        return self


class Softplus(_Activation):
    """``torch.nn.Softplus``."""
    beta: Number = 1.0
    threshold: Number = 20.0


class _SoftmaxLike(_Activation):
    abstract: ClassVar[bool] = True
    dim: StrictInt | None = None

    def resolve(self, shape: Shape) -> "_SoftmaxLike":
        if self.dim is not None:
            check_dim(self.dim, len(shape))
        return self


class Softmax(_SoftmaxLike):
    """``torch.nn.Softmax`` along ``dim`` (batch is dim 0)."""


class LogSoftmax(_SoftmaxLike):
    """``torch.nn.LogSoftmax`` along ``dim`` (batch is dim 0)."""
