"""Pooling: ``MaxPool1d/2d/3d``, ``AvgPool1d/2d/3d`` and the adaptive ``Adaptive{Avg,Max}Pool``.

Pooling has no parameters or buffers; what its work counts is each counting convention's
rule (:mod:`cnncalc.counting`). Channels pass through; only the spatial dimensions change.
"""


from typing import Any, ClassVar, Optional, Union

from pydantic import StrictInt, field_validator, model_validator

from cnncalc import shapes as f
from cnncalc.errors import LayerError, show
from cnncalc.layers.base import (Bool, Layer, NonNegativeInts, PositiveInt, PositiveInts, Shape,
                                 check_length, ntuple)
from cnncalc.layers.conv import DIM_NAMES


class _Pool(Layer):
    """A pooling layer over ``ndim`` spatial dimensions: input ``[N, C, *spatial]``."""

    abstract: ClassVar[bool] = True

    @field_validator("return_indices", check_fields=False)
    @classmethod
    def _one_output(cls, value: bool) -> bool:
        if value:
            raise LayerError("return_indices=true makes the layer return two tensors (the values"
                             " and their indices); a network entry passes exactly one tensor on",
                             expected="false", got="true", field="return_indices")
        return value



class _WindowPool(_Pool):
    """Max or average pooling with a sliding window; fields in PyTorch's order."""

    abstract: ClassVar[bool] = True

    kernel_size: PositiveInts
    stride: Optional[PositiveInts] = None
    padding: NonNegativeInts = 0

    @field_validator("kernel_size", "stride", "padding", "dilation", check_fields=False)
    @classmethod
    def _one_per_dimension(cls, value: Any, info: Any) -> Any:
        # PyTorch's pooling takes a one-element list as a single int; any other length must
        # match the dimensions.
        if not (isinstance(value, tuple) and len(value) == 1):
            check_length(info.field_name, value, cls.ndim)
        return value

    @model_validator(mode="after")
    def _padding_at_most_half_kernel(self) -> "_WindowPool":
        for dim, k, p in zip(DIM_NAMES[self.ndim], self.per_dim("kernel_size"),
                             self.per_dim("padding")):
            if p > k // 2:
                where = "" if self.ndim == 1 else f" along the {dim}"
                raise LayerError(f"pooling padding must be at most half the kernel size{where}"
                                 " (PyTorch's rule, dilation not counted)",
                                 expected=f"padding ≤ {k}//2 = {k // 2}", got=p, field="padding")
        return self

    def per_dim(self, name: str) -> tuple[int, ...]:
        """One value per spatial dimension; ``stride`` defaults to ``kernel_size``, and average
        pooling, which has no ``dilation`` argument, pools undilated windows."""
        value = getattr(self, name, 1)
        if name == "stride" and value is None:
            value = self.kernel_size
        if isinstance(value, tuple) and len(value) == 1:
            value = value[0]
        return ntuple(value, self.ndim)

    def compute_output_shape(self, shape: Shape) -> Shape:
        """Per spatial dimension ``floor((W + 2P − D(K−1) − 1)/S) + 1`` (``ceil`` with
        ``ceil_mode``, dropping a last window that would start in the right padding).

        The stride defaults to the kernel size; channels are unchanged.
        """
        spatial = tuple(
            f.pool_output_size(size, k, s, p, d, self.ceil_mode, dim=dim)
            for size, dim, k, s, p, d in zip(
                shape[2:], DIM_NAMES[self.ndim], self.per_dim("kernel_size"),
                self.per_dim("stride"), self.per_dim("padding"), self.per_dim("dilation")))
        return (*shape[:2], *spatial)


class _MaxPoolNd(_WindowPool):
    abstract: ClassVar[bool] = True

    dilation: PositiveInts = 1
    return_indices: Bool = False
    ceil_mode: Bool = False


class MaxPool1d(_MaxPoolNd):
    """``torch.nn.MaxPool1d`` on ``[C, L]``."""
    ndim: ClassVar[int] = 1


class MaxPool2d(_MaxPoolNd):
    """``torch.nn.MaxPool2d`` on ``[C, H, W]``."""
    ndim: ClassVar[int] = 2


class MaxPool3d(_MaxPoolNd):
    """``torch.nn.MaxPool3d`` on ``[C, D, H, W]``."""
    ndim: ClassVar[int] = 3


class _AvgPoolNd(_WindowPool):
    abstract: ClassVar[bool] = True

    ceil_mode: Bool = False
    count_include_pad: Bool = True


class _AvgPoolWithDivisor(_AvgPoolNd):
    abstract: ClassVar[bool] = True

    divisor_override: Optional[StrictInt] = None

    @field_validator("divisor_override")
    @classmethod
    def _not_zero(cls, value: Optional[int]) -> Optional[int]:
        if value == 0:
            raise LayerError("divisor_override must not be zero (it divides every window's sum)",
                             expected="a non-zero int or null", got=0, field="divisor_override")
        return value


class AvgPool1d(_AvgPoolNd):
    """``torch.nn.AvgPool1d`` on ``[C, L]`` (PyTorch gives it no ``divisor_override``)."""
    ndim: ClassVar[int] = 1


class AvgPool2d(_AvgPoolWithDivisor):
    """``torch.nn.AvgPool2d`` on ``[C, H, W]``."""
    ndim: ClassVar[int] = 2


class AvgPool3d(_AvgPoolWithDivisor):
    """``torch.nn.AvgPool3d`` on ``[C, D, H, W]``."""
    ndim: ClassVar[int] = 3

    def compute_output_shape(self, shape: Shape) -> Shape:
        """As ``AvgPool2d``, and each input dimension must be at least the kernel, padding not
        counted: PyTorch's ``avg_pool3d`` (CPU and meta) refuses a smaller input even where the
        padding would make room for a window."""
        for size, dim, k in zip(shape[2:], DIM_NAMES[3], self.per_dim("kernel_size")):
            if size < k:
                raise LayerError(f"AvgPool3d needs an input {dim} at least as large as the"
                                 " kernel, padding not counted (PyTorch's rule)",
                                 expected=f"{dim} ≥ {k}", got=size, field="kernel_size")
        return super().compute_output_shape(shape)


class _AdaptivePool(_Pool):
    """Adaptive pooling: the output size is given and the windows adapt to the input."""

    abstract: ClassVar[bool] = True

    output_size: Union[PositiveInt, tuple[Optional[PositiveInt], ...]]

    @field_validator("output_size")
    @classmethod
    def _one_per_dimension(cls, value: Any) -> Any:
        check_length("output_size", value, cls.ndim)
        if cls.ndim == 1 and isinstance(value, tuple) and value[0] is None:
            raise LayerError(f"{cls.__name__}'s output_size cannot be null (PyTorch keeps an"
                             " input size with null only in 2-D and 3-D adaptive pooling)",
                             expected="an int ≥ 1", got=show(list(value)), field="output_size")
        return value

    def compute_output_shape(self, shape: Shape) -> Shape:
        """Each spatial dimension becomes its ``output_size`` entry (which may exceed the input
        size), or stays as it is where the entry is null; channels are unchanged."""
        sizes = ntuple(self.output_size, self.ndim)
        return (*shape[:2], *(n if out is None else out for n, out in zip(shape[2:], sizes)))


class _AdaptiveMaxPool(_AdaptivePool):
    abstract: ClassVar[bool] = True

    return_indices: Bool = False


class AdaptiveAvgPool1d(_AdaptivePool):
    """``torch.nn.AdaptiveAvgPool1d`` on ``[C, L]``."""
    ndim: ClassVar[int] = 1


class AdaptiveAvgPool2d(_AdaptivePool):
    """``torch.nn.AdaptiveAvgPool2d`` on ``[C, H, W]``."""
    ndim: ClassVar[int] = 2


class AdaptiveAvgPool3d(_AdaptivePool):
    """``torch.nn.AdaptiveAvgPool3d`` on ``[C, D, H, W]``."""
    ndim: ClassVar[int] = 3


class AdaptiveMaxPool1d(_AdaptiveMaxPool):
    """``torch.nn.AdaptiveMaxPool1d`` on ``[C, L]``."""
    ndim: ClassVar[int] = 1


class AdaptiveMaxPool2d(_AdaptiveMaxPool):
    """``torch.nn.AdaptiveMaxPool2d`` on ``[C, H, W]``."""
    ndim: ClassVar[int] = 2


class AdaptiveMaxPool3d(_AdaptiveMaxPool):
    """``torch.nn.AdaptiveMaxPool3d`` on ``[C, D, H, W]``."""
    ndim: ClassVar[int] = 3
