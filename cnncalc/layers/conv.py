"""Convolutions: ``Conv1d/2d/3d``, ``ConvTranspose1d/2d/3d`` and torchvision's ``DeformConv2d``."""


from typing import ClassVar, Literal, Union

from pydantic import field_validator, model_validator

from cnncalc import shapes as f
from cnncalc.errors import LayerError, show
from cnncalc.layers.base import (Bool, Layer, NonNegativeInts, PositiveInt, PositiveInts, Shape,
                                 check_length, ntuple)

DIM_NAMES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}


class _Conv(Layer):
    """Fields shared by plain and transposed convolutions, in PyTorch's argument order."""

    abstract: ClassVar[bool] = True
    inferred: ClassVar[tuple[str, ...]] = ("in_channels",)

    in_channels: PositiveInt | None = None
    out_channels: PositiveInt
    kernel_size: PositiveInts

    @field_validator("kernel_size", "stride", "padding", "dilation", "output_padding",
                     check_fields=False)
    @classmethod
    def _one_per_dimension(cls, value, info):
        check_length(info.field_name, value, cls.ndim)
        return value

    @model_validator(mode="after")
    def _groups_divide_out_channels(self):
        if self.out_channels % self.groups:
            raise LayerError("out_channels must be divisible by groups",
                             expected=f"a multiple of groups={self.groups}",
                             got=f"out_channels={self.out_channels}", field="groups")
        return self

    def resolve(self, shape: Shape) -> "_Conv":
        layer = self._infer("in_channels", shape[1], f"input {list(shape[1:])}")
        if layer.in_channels % layer.groups:
            raise LayerError("in_channels must be divisible by groups",
                             expected=f"a multiple of groups={layer.groups}",
                             got=f"in_channels={layer.in_channels}", field="groups")
        return layer

    def per_dim(self, name: str) -> tuple[int, ...]:
        """Argument ``name`` with one value per spatial dimension (an int is repeated)."""
        return ntuple(getattr(self, name), self.ndim)

    def count_params(self, shape: Shape) -> int:
        """``(Cin/groups · prod(K) + 1) · Cout``, without the ``+ 1`` when ``bias`` is false."""
        return f.conv_params(self.in_channels, self.out_channels, self.per_dim("kernel_size"),
                             self.groups, self.bias)


class _ConvNd(_Conv):
    abstract: ClassVar[bool] = True

    stride: PositiveInts = 1
    padding: Union[Literal["same", "valid"], NonNegativeInts] = 0
    dilation: PositiveInts = 1
    groups: PositiveInt = 1
    bias: Bool = True
    padding_mode: Literal["zeros", "reflect", "replicate", "circular"] = "zeros"

    @model_validator(mode="after")
    def _same_needs_stride_one(self):
        if self.padding == "same" and any(s != 1 for s in self.per_dim("stride")):
            raise LayerError("padding='same' is not supported for strided convolutions",
                             expected="stride=1", got=f"stride={self.stride}", field="padding")
        return self

    def padding_pairs(self) -> tuple[tuple[int, int], ...]:
        """(left, right) padding per spatial dimension; ``same`` puts the odd one on the right."""
        if self.padding == "valid":
            return ((0, 0),) * self.ndim
        if self.padding == "same":
            totals = (d * (k - 1) for d, k in
                      zip(self.per_dim("dilation"), self.per_dim("kernel_size")))
            return tuple((t // 2, t - t // 2) for t in totals)
        return tuple((p, p) for p in self.per_dim("padding"))

    def compute_output_shape(self, shape: Shape) -> Shape:
        """Per spatial dimension ``floor((W + 2P - D(K-1) - 1) / S) + 1``; channels ``Cout``."""
        spatial = []
        for i, (size, k, s, d, (left, right)) in enumerate(zip(
                shape[2:], self.per_dim("kernel_size"), self.per_dim("stride"),
                self.per_dim("dilation"), self.padding_pairs())):
            dim = DIM_NAMES[self.ndim][i]
            self._check_padding_mode(size, max(left, right), dim)
            spatial.append(f.conv_output_size(size, k, s, left, d, padding_right=right, dim=dim))
        return (shape[0], self.out_channels, *spatial)

    def _check_padding_mode(self, size: int, pad: int, dim: str) -> None:
        if self.padding_mode == "reflect" and pad >= size:
            raise LayerError(f"reflect padding must be smaller than the input {dim}",
                             expected=f"padding < {size}", got=pad, field="padding")
        if self.padding_mode == "circular" and pad > size:
            raise LayerError(f"circular padding may wrap around the input {dim} at most once",
                             expected=f"padding ≤ {size}", got=pad, field="padding")



class Conv1d(_ConvNd):
    """``torch.nn.Conv1d`` on ``[C, L]``."""
    ndim: ClassVar[int] = 1


class Conv2d(_ConvNd):
    """``torch.nn.Conv2d`` on ``[C, H, W]``."""
    ndim: ClassVar[int] = 2


class Conv3d(_ConvNd):
    """``torch.nn.Conv3d`` on ``[C, D, H, W]``."""
    ndim: ClassVar[int] = 3


class _ConvTransposeNd(_Conv):
    abstract: ClassVar[bool] = True

    stride: PositiveInts = 1
    padding: NonNegativeInts = 0
    output_padding: NonNegativeInts = 0
    groups: PositiveInt = 1
    bias: Bool = True
    dilation: PositiveInts = 1
    padding_mode: Literal["zeros"] = "zeros"

    def compute_output_shape(self, shape: Shape) -> Shape:
        """Per spatial dimension ``(W - 1)·S - 2P + D(K-1) + output_padding + 1``."""
        spatial = tuple(
            f.conv_transpose_output_size(size, k, s, p, op, d, dim=DIM_NAMES[self.ndim][i])
            for i, (size, k, s, p, op, d) in enumerate(zip(
                shape[2:], self.per_dim("kernel_size"), self.per_dim("stride"),
                self.per_dim("padding"), self.per_dim("output_padding"),
                self.per_dim("dilation"))))
        return (shape[0], self.out_channels, *spatial)



class ConvTranspose1d(_ConvTransposeNd):
    """``torch.nn.ConvTranspose1d`` on ``[C, L]``."""
    ndim: ClassVar[int] = 1


class ConvTranspose2d(_ConvTransposeNd):
    """``torch.nn.ConvTranspose2d`` on ``[C, H, W]``."""
    ndim: ClassVar[int] = 2


class ConvTranspose3d(_ConvTransposeNd):
    """``torch.nn.ConvTranspose3d`` on ``[C, D, H, W]``."""
    ndim: ClassVar[int] = 3


class DeformConv2d(_Conv):
    """``torchvision.ops.DeformConv2d`` on ``[C, H, W]``, with its sampling offsets (and an
    optional modulation mask) as further inputs: ``from: [x, offset]`` or ``from: [x, offset,
    mask]``.

    Each output position reads its ``Kh·Kw`` input values at the kernel's places moved by the
    offsets, bilinearly interpolated, then sums them as a convolution does: the output size is
    a convolution's. ``offset`` is ``[N, 2·G·Kh·Kw, H_out, W_out]`` and ``mask`` ``[N, G·Kh·Kw,
    H_out, W_out]`` for ``G`` offset groups (read off the offset's channels), and ``G`` must
    divide the input channels (torchvision/ops/deform_conv.py and its kernel's checks).
    """

    ndim: ClassVar[int] = 2
    arity: ClassVar[tuple[int, int | None]] = (2, 3)

    stride: PositiveInts = 1
    padding: NonNegativeInts = 0
    dilation: PositiveInts = 1
    groups: PositiveInt = 1
    bias: Bool = True

    def check_input(self, *shapes: Shape) -> None:
        for shape in shapes:
            if len(shape) != 4:
                raise LayerError("DeformConv2d takes [C, H, W] tensors: the input, its offsets "
                                 "and its mask", expected="3 dims (batch excluded)",
                                 got=f"{len(shape) - 1}: {list(shape[1:])}", field="from")

    def resolve(self, x: Shape, *rest: Shape) -> "DeformConv2d":
        return super().resolve(x)

    def offset_groups(self, offset: Shape) -> int:
        """``G``: the offset's channels over ``2·Kh·Kw``."""
        kh, kw = self.per_dim("kernel_size")
        return offset[1] // (2 * kh * kw)

    def compute_output_shape(self, x: Shape, offset: Shape, mask: Shape | None = None) -> Shape:
        """A convolution's output; the offsets (and mask) must have its spatial size."""
        spatial = tuple(
            f.conv_output_size(size, k, s, p, d, dim=dim) for size, k, s, p, d, dim in zip(
                x[2:], self.per_dim("kernel_size"), self.per_dim("stride"),
                self.per_dim("padding"), self.per_dim("dilation"), DIM_NAMES[2]))
        kh, kw = self.per_dim("kernel_size")
        groups = self.offset_groups(offset)
        if groups == 0 or offset[1] != 2 * groups * kh * kw:
            raise LayerError("the offsets need 2·Kh·Kw channels per offset group",
                             expected=f"a multiple of 2·{kh}·{kw} = {2 * kh * kw} channels",
                             got=f"{offset[1]} channels", field="from")
        if x[1] % groups:
            raise LayerError("the offset groups must divide the input channels",
                             expected=f"input channels divisible by {groups} offset groups",
                             got=f"{x[1]} channels", field="from")
        wanted = (x[0], offset[1], *spatial)
        if tuple(offset) != wanted:
            raise LayerError("the offsets must have the output's batch and spatial size",
                             expected=show(list(wanted)), got=show(list(offset)), field="from")
        if mask is not None and tuple(mask) != (x[0], groups * kh * kw, *spatial):
            raise LayerError("the mask needs one channel per offset pair, at the output's size",
                             expected=show([x[0], groups * kh * kw, *spatial]),
                             got=show(list(mask)), field="from")
        return (x[0], self.out_channels, *spatial)

    def count_params(self, x: Shape, *rest: Shape) -> int:
        """As a convolution: ``(Cin/groups · Kh·Kw + 1) · Cout``."""
        return super().count_params(x)
