"""Resampling: ``Upsample``, ``PixelShuffle``, ``PixelUnshuffle`` and ``ChannelShuffle``.

None of them has parameters or buffers; what interpolation counts is each counting
convention's rule (:mod:`cnncalc.counting`).
"""


import math
from typing import ClassVar, Literal, Union

from pydantic import field_validator, model_validator

from cnncalc.errors import LayerError, show
from cnncalc.layers.base import (Bool, Layer, Number, PositiveInt, PositiveInts, Shape,
                                 describe_shape, ntuple)

DIM_NAMES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}

#: the modes that interpolate, and so take ``align_corners``; each needs one input rank
INTERPOLATING_RANKS = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}
FORMS = {3: "[C, L]", 4: "[C, H, W]", 5: "[C, D, H, W]"}

#: torch turns the output size into an int64 (``c10::checked_convert``) and fails beyond it
INT64_LIMIT = 2 ** 63


def upsample_output_size(size: int, scale_factor: float) -> int:
    """``floor(size · scale_factor)``, the product taken in double precision as torch takes it.

    torch (``upsample::compute_output_size``) multiplies ``double(size)`` by the double scale
    factor and truncates; Python floats are those doubles, so the rounding is the same:

    >>> upsample_output_size(7, 2), upsample_output_size(7, 1.5), upsample_output_size(7, 0.29)
    (14, 10, 2)
    >>> 100 * 0.29, upsample_output_size(100, 0.29)
    (28.999999999999996, 28)
    """
    product = float(size) * float(scale_factor)
    if not product < INT64_LIMIT:
        raise LayerError("the output size does not fit in a 64-bit integer",
                         expected="size · scale_factor < 2^63", got=f"{size} · {scale_factor}",
                         field="scale_factor")
    return math.floor(product)


class Upsample(Layer):
    """``torch.nn.Upsample`` on ``[C, L]``, ``[C, H, W]`` or ``[C, D, H, W]``.

    Exactly one of ``size`` (the output's spatial size) and ``scale_factor`` is given.
    ``linear`` needs ``[C, L]``, ``bilinear`` and ``bicubic`` ``[C, H, W]``, ``trilinear``
    ``[C, D, H, W]``; ``align_corners`` may only be set with those four modes.
    """

    ranks: ClassVar[tuple[int, ...]] = (3, 4, 5)

    size: PositiveInts | None = None
    scale_factor: Union[Number, tuple[Number, ...], None] = None
    mode: Literal["nearest", "linear", "bilinear", "bicubic", "trilinear", "area",
                  "nearest-exact"] = "nearest"
    align_corners: Bool | None = None
    recompute_scale_factor: Bool | None = None

    @field_validator("scale_factor")
    @classmethod
    def _positive_finite(cls, value):
        factors = value if isinstance(value, tuple) else (value,)
        if value is not None and not all(0 < f < math.inf for f in factors):
            raise LayerError("scale_factor must be a positive finite number (or one per spatial"
                             " dimension)", expected="0 < scale_factor < inf", got=show(value),
                             field="scale_factor")
        return value

    @model_validator(mode="after")
    def _consistent(self):
        if self.size is None and self.scale_factor is None:
            raise LayerError("Upsample needs either size or scale_factor",
                             expected="size or scale_factor", got="neither")
        if self.size is not None and self.scale_factor is not None:
            raise LayerError("Upsample takes only one of size and scale_factor",
                             expected="size or scale_factor", got="both", field="scale_factor")
        if self.align_corners is not None and self.mode not in INTERPOLATING_RANKS:
            raise LayerError(f"align_corners can only be set with the interpolating modes, not"
                             f" with mode {self.mode!r}",
                             expected=f"mode {' | '.join(INTERPOLATING_RANKS)} or no "
                             "align_corners", got=f"align_corners={show(self.align_corners)}",
                             field="align_corners")
        if self.recompute_scale_factor and self.size is not None:
            raise LayerError("recompute_scale_factor is not meaningful with an explicit size",
                             expected="scale_factor instead of size",
                             got="recompute_scale_factor=true", field="recompute_scale_factor")
        return self

    def check_input(self, shape: Shape) -> None:
        super().check_input(shape)
        rank = INTERPOLATING_RANKS.get(self.mode)
        if rank is not None and len(shape) != rank:
            raise LayerError(f"mode {self.mode!r} takes a {FORMS[rank]} input (batch excluded)",
                             expected=f"{rank - 1} dims", got=f"{len(shape) - 1}: "
                             f"{show(list(shape[1:]))}", field="mode")

    def compute_output_shape(self, shape: Shape) -> Shape:
        """Batch and channels kept; each spatial size becomes ``size``, or
        ``floor(input size · scale_factor)`` (see :func:`upsample_output_size`), which must be
        at least 1. ``recompute_scale_factor`` and ``area`` change the interpolation, not the
        size. An empty output is refused, where torch (``area`` mode) would return an empty
        tensor: no network is meant to make one.
        """
        n = len(shape) - 2
        field = "size" if self.size is not None else "scale_factor"
        value = getattr(self, field)
        if isinstance(value, tuple) and len(value) != n:
            raise LayerError(f"{field} needs one value per spatial dimension of the input "
                             f"{describe_shape(shape)}", expected=f"{n} values",
                             got=f"{len(value)}: {show(value)}", field=field)
        if self.size is not None:
            return (*shape[:2], *ntuple(self.size, n))
        spatial = []
        for dim, size, factor in zip(DIM_NAMES[n], shape[2:], ntuple(self.scale_factor, n)):
            out = upsample_output_size(size, factor)
            if out < 1:
                raise LayerError(f"the output {dim} floor({size} · {factor}) = {out} is below 1",
                                 expected=f"{size} · scale_factor ≥ 1",
                                 got=factor, field="scale_factor")
            spatial.append(out)
        return (*shape[:2], *spatial)


class PixelShuffle(Layer):
    """``torch.nn.PixelShuffle`` on ``[C, H, W]``: depth to space by ``upscale_factor`` r."""

    ranks: ClassVar[tuple[int, ...]] = (4,)

    upscale_factor: PositiveInt

    def compute_output_shape(self, shape: Shape) -> Shape:
        """``[C, H, W] → [C / r², H·r, W·r]``; ``C`` must be divisible by ``r²``."""
        n, c, h, w = shape
        r = self.upscale_factor
        if c % (r * r):
            raise LayerError("PixelShuffle needs channels divisible by upscale_factor²",
                             expected=f"a multiple of {r}² = {r * r}", got=f"{c} channels",
                             field="upscale_factor")
        return (n, c // (r * r), h * r, w * r)


class PixelUnshuffle(Layer):
    """``torch.nn.PixelUnshuffle`` on ``[C, H, W]``: space to depth by ``downscale_factor`` r."""

    ranks: ClassVar[tuple[int, ...]] = (4,)

    downscale_factor: PositiveInt

    def compute_output_shape(self, shape: Shape) -> Shape:
        """``[C, H, W] → [C·r², H / r, W / r]``; ``H`` and ``W`` must be divisible by ``r``."""
        n, c, h, w = shape
        r = self.downscale_factor
        for dim, size in (("height", h), ("width", w)):
            if size % r:
                raise LayerError(f"PixelUnshuffle needs an input {dim} divisible by "
                                 "downscale_factor", expected=f"a multiple of {r}",
                                 got=f"{dim} {size}", field="downscale_factor")
        return (n, c * r * r, h // r, w // r)


class ChannelShuffle(Layer):
    """``torch.nn.ChannelShuffle`` (ShuffleNet) on ``[C, ...]`` with at least one dim after C.

    The shape is unchanged; the channels must be divisible by ``groups``.
    """

    groups: PositiveInt

    def check_input(self, shape: Shape) -> None:
        if len(shape) < 3:
            raise LayerError("ChannelShuffle takes an input with at least one dimension after"
                             " the channels (batch excluded)", expected="2 or more dims",
                             got=f"{len(shape) - 1}: {show(list(shape[1:]))}")

    def compute_output_shape(self, shape: Shape) -> Shape:
        """The input shape; ``C`` must be divisible by ``groups``."""
        if shape[1] % self.groups:
            raise LayerError("ChannelShuffle needs channels divisible by groups",
                             expected=f"a multiple of groups={self.groups}",
                             got=f"{shape[1]} channels", field="groups")
        return shape
