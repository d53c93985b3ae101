"""Normalisation: ``BatchNorm``, ``InstanceNorm``, ``GroupNorm``, ``LayerNorm``,
torchvision's ``LayerNorm2d`` and ``FrozenBatchNorm2d``, and ``LocalResponseNorm``.

All keep the input's shape. Their parameters are per-channel (or per-element for LayerNorm)
scales and shifts; BatchNorm's running statistics are buffers. What their work counts is each
counting convention's rule (:mod:`cnncalc.counting`). The keyword-only ``bias`` of PyTorch
2.13's BatchNorm, InstanceNorm and GroupNorm drops the shift and keeps the scale.
"""


from math import prod
from typing import Any, ClassVar, Optional

from pydantic import field_validator

from cnncalc import shapes as f
from cnncalc.errors import LayerError, show
from cnncalc.layers.base import (Bool, Layer, Number, PositiveInt, PositiveInts, Shape,
                                 describe_shape, ntuple)


class _Norm(Layer):
    abstract: ClassVar[bool] = True



class _ChannelNorm(_Norm):
    """Per-channel normalisation with optional affine scale/shift and running statistics."""

    abstract: ClassVar[bool] = True
    inferred: ClassVar[tuple[str, ...]] = ("num_features",)
    keyword_only: ClassVar[tuple[str, ...]] = ("bias",)   # torch 2.13: ``*, bias=True``

    num_features: Optional[PositiveInt] = None
    eps: Number = 1e-5
    momentum: Optional[Number] = 0.1
    affine: Bool
    track_running_stats: Bool
    bias: Bool = True

    #: what each channel's statistics are computed over, for messages
    pooled_over: ClassVar[str]

    def resolve(self, shape: Shape) -> "_ChannelNorm":
        layer = self._infer("num_features", shape[1], f"the channels of {list(shape[1:])}")
        # Without running statistics torch normalises by the input's own statistics, in eval
        # mode too, and refuses when they would come from a single value (no variance).
        if not self.track_running_stats and self.values_per_statistic(shape) == 1:
            raise LayerError(f"{type(self).__name__} normalises each channel over"
                             f" {self.pooled_over}, and this input has a single value there"
                             " (PyTorch refuses it unless track_running_stats is true)",
                             expected="more than 1 value per channel",
                             got=describe_shape(shape), field="track_running_stats")
        return layer

    def values_per_statistic(self, shape: Shape) -> int:
        """How many values each channel's mean and variance are computed from."""
        raise NotImplementedError

    def count_params(self, shape: Shape) -> int:
        """``C`` weights and ``C`` biases when ``affine`` (no biases when ``bias`` is false)."""
        return f.norm_params(self.num_features, self.affine, self.bias)

    def count_buffers(self, shape: Shape) -> int:
        """``2C + 1`` (running mean, running variance, ``num_batches_tracked``) when
        ``track_running_stats``, else 0."""
        return f.running_stats(self.num_features, self.track_running_stats)


class _BatchNorm(_ChannelNorm):
    abstract: ClassVar[bool] = True

    pooled_over: ClassVar[str] = "the batch and the spatial positions"

    affine: Bool = True
    track_running_stats: Bool = True

    def values_per_statistic(self, shape: Shape) -> int:
        """``N · prod(spatial)``: a channel's values across the whole batch."""
        return shape[0] * prod(shape[2:])


class BatchNorm1d(_BatchNorm):
    """``torch.nn.BatchNorm1d`` on ``[F]`` or ``[C, L]``."""
    ranks: ClassVar[tuple[int, ...]] = (2, 3)


class BatchNorm2d(_BatchNorm):
    """``torch.nn.BatchNorm2d`` on ``[C, H, W]``."""
    ndim: ClassVar[int] = 2


class BatchNorm3d(_BatchNorm):
    """``torch.nn.BatchNorm3d`` on ``[C, D, H, W]``."""
    ndim: ClassVar[int] = 3


class _InstanceNorm(_ChannelNorm):
    """Each sample's channels normalised over their own spatial positions.

    PyTorch also takes an input without a batch dimension (``[C, L]`` for InstanceNorm1d); in a
    network file every input has the batch, so only the batched form is accepted: a ``[F]``
    sample would reach torch as ``[N, F]`` and be read as ``N`` channels.
    """

    abstract: ClassVar[bool] = True

    pooled_over: ClassVar[str] = "its spatial positions, per sample"

    affine: Bool = False
    track_running_stats: Bool = False

    def values_per_statistic(self, shape: Shape) -> int:
        """``prod(spatial)``: a channel's values within one sample."""
        return prod(shape[2:])


class InstanceNorm1d(_InstanceNorm):
    """``torch.nn.InstanceNorm1d`` on ``[C, L]``."""
    ndim: ClassVar[int] = 1


class InstanceNorm2d(_InstanceNorm):
    """``torch.nn.InstanceNorm2d`` on ``[C, H, W]``."""
    ndim: ClassVar[int] = 2


class InstanceNorm3d(_InstanceNorm):
    """``torch.nn.InstanceNorm3d`` on ``[C, D, H, W]``."""
    ndim: ClassVar[int] = 3


class GroupNorm(_Norm):
    """``torch.nn.GroupNorm``: channels split into ``num_groups`` groups, each normalised over
    its channels and spatial positions; any input ``[C, *]``."""

    inferred: ClassVar[tuple[str, ...]] = ("num_channels",)
    keyword_only: ClassVar[tuple[str, ...]] = ("bias",)   # torch 2.13: ``*, bias=True``

    num_groups: PositiveInt
    num_channels: Optional[PositiveInt] = None
    eps: Number = 1e-5
    affine: Bool = True
    bias: Bool = True

    def resolve(self, shape: Shape) -> "GroupNorm":
        layer = self._infer("num_channels", shape[1], f"the channels of {list(shape[1:])}")
        channels, groups = layer.num_channels, layer.num_groups
        if channels % groups:
            raise LayerError("num_channels must be divisible by num_groups",
                             expected=f"a multiple of num_groups={groups}",
                             got=f"num_channels={channels}", field="num_groups")
        # torch.nn.functional.group_norm refuses, in eval mode too, a group holding one value:
        # batch · channels/groups · spatial elements = 1.
        if shape[0] * (channels // groups) * prod(shape[2:]) == 1:
            raise LayerError("each group would hold a single value, which PyTorch refuses to"
                             " normalise", expected="batch · num_channels/num_groups · spatial"
                             " elements > 1", got=f"{describe_shape(shape)} in {groups} groups",
                             field="num_groups")
        return layer

    def count_params(self, shape: Shape) -> int:
        """``C`` weights and ``C`` biases when ``affine`` (no biases when ``bias`` is false)."""
        return f.norm_params(self.num_channels, self.affine, self.bias)


class LayerNorm(_Norm):
    """``torch.nn.LayerNorm`` over the input's last dimensions, which must be
    ``normalized_shape`` (counted with the batch, as torch sees the tensor)."""

    normalized_shape: PositiveInts
    eps: Number = 1e-5
    elementwise_affine: Bool = True
    bias: Bool = True

    @field_validator("normalized_shape")
    @classmethod
    def _not_empty(cls, value: Any) -> Any:
        if value == ():
            raise LayerError("normalized_shape needs at least one dimension",
                             expected="an int ≥ 1 or a non-empty list", got="[]",
                             field="normalized_shape")
        return value

    def _normalized(self) -> tuple[int, ...]:
        return ntuple(self.normalized_shape, 1)

    def resolve(self, shape: Shape) -> "LayerNorm":
        dims = self._normalized()
        if len(dims) > len(shape) or tuple(shape[len(shape) - len(dims):]) != dims:
            raise LayerError("LayerNorm's normalized_shape must equal the input's last"
                             " dimensions (batch included)",
                             expected=f"an input [*, {show(list(dims))[1:]}",
                             got=describe_shape(shape), field="normalized_shape")
        return self

    def count_params(self, shape: Shape) -> int:
        """``prod(normalized_shape)`` weights and as many biases when ``elementwise_affine``
        (no biases when ``bias`` is false)."""
        return f.norm_params(prod(self._normalized()), self.elementwise_affine, self.bias)


class LayerNorm2d(LayerNorm):
    """torchvision's ``LayerNorm2d`` (torchvision/models/convnext.py, a subclass of
    ``nn.LayerNorm``): each position of ``[C, H, W]`` normalised over its channels — the input
    permuted to ``[N, H, W, C]``, ``F.layer_norm`` over its last dims, permuted back.

    ``normalized_shape`` is inferred from the channels; given, it must equal the last dims of
    the permuted ``[N, H, W, C]`` (torch's rule), normally ``C``. The defaults are
    ``nn.LayerNorm``'s (``eps: 1.0e-5``; ConvNeXt passes ``eps: 1.0e-6``).
    """

    ranks: ClassVar[tuple[int, ...]] = (4,)
    inferred: ClassVar[tuple[str, ...]] = ("normalized_shape",)

    normalized_shape: Optional[PositiveInts] = None

    def resolve(self, shape: Shape) -> "LayerNorm2d":
        if self.normalized_shape is None:
            return self.model_copy(update={"normalized_shape": shape[1]})
        dims = self._normalized()
        last = (shape[0], shape[2], shape[3], shape[1])
        if len(dims) > len(last) or tuple(last[len(last) - len(dims):]) != dims:
            raise LayerError("LayerNorm2d normalises the channels-last view [N, H, W, C] of its"
                             " input, so normalized_shape must equal that view's last dims",
                             expected=f"normalized_shape={shape[1]} (the channels)",
                             got=f"normalized_shape={show(list(dims))} on "
                                 f"{describe_shape(shape)}", field="normalized_shape")
        return self


class FrozenBatchNorm2d(_Norm):
    """torchvision's ``FrozenBatchNorm2d`` (torchvision/ops/misc.py), the BatchNorm of its
    detection backbones (``resnet_fpn_backbone``'s default ``norm_layer``): BatchNorm2d with
    its statistics and affine parameters fixed — ``x · scale + shift`` per channel, ``scale =
    weight · rsqrt(running_var + eps)``, ``shift = bias - running_mean · scale``.

    Its ``weight``, ``bias``, ``running_mean`` and ``running_var`` are all buffers: no
    parameters, ``4 · C`` buffers (no ``num_batches_tracked``). Arguments ``num_features``
    (inferred from the channels) and ``eps`` (``1e-5``), as torchvision's constructor.
    """

    ndim: ClassVar[int] = 2
    inferred: ClassVar[tuple[str, ...]] = ("num_features",)

    num_features: Optional[PositiveInt] = None
    eps: Number = 1e-5

    def resolve(self, shape: Shape) -> "FrozenBatchNorm2d":
        return self._infer("num_features", shape[1], f"the channels of {list(shape[1:])}")

    def count_params(self, shape: Shape) -> int:
        """0: torchvision registers its weight and bias as buffers."""
        return 0

    def count_buffers(self, shape: Shape) -> int:
        """``4 · C``: weight, bias, running mean and running variance, one per channel."""
        return 4 * self.num_features


class LocalResponseNorm(_Norm):
    """``torch.nn.LocalResponseNorm``: each value divided by a power of the sum of squares over
    ``size`` neighbouring channels; no parameters; an input ``[C, *spatial]`` with at least one
    spatial dimension."""

    size: PositiveInt
    alpha: Number = 1e-4
    beta: Number = 0.75
    k: Number = 1.0

    def check_input(self, shape: Shape) -> None:
        super().check_input(shape)
        if len(shape) < 3:
            raise LayerError("LocalResponseNorm needs an input with channels and at least one"
                             " spatial dimension ([C, L], [C, H, W], ...)",
                             expected="at least 2 dims (batch excluded)",
                             got=f"{len(shape) - 1}: {show(list(shape[1:]))}")
