"""Twins of the layer types that torchvision defines (torchvision cannot be a dependency):
local transcriptions of its classes, line for line, so that every peer tool sees what it would
see on torchvision's own module (the same class hierarchy, parameters and calls).

- ``Permute``: ``torchvision.ops.misc.Permute``, ``torch.permute(x, dims)``;
- ``LayerNorm2d``: ``torchvision.models.convnext.LayerNorm2d``, an ``nn.LayerNorm`` subclass;
- ``StochasticDepth``: ``torchvision.ops.StochasticDepth`` and its ``stochastic_depth``;
- ``FrozenBatchNorm2d``: ``torchvision.ops.misc.FrozenBatchNorm2d`` (four buffers, no
  parameters; ``x * scale + bias``);
- ``DeformConv2d``: ``torchvision.ops.DeformConv2d`` (its parameters and checks; the operator's
  forward rewritten with ops that FlopCounterMode counts as little as torchvision's own).
"""

from __future__ import annotations

from typing import List

import torch
import torch.nn.functional as F

from cnncalc.torch.twins import twin_for


@twin_for("Permute")
class Permute(torch.nn.Module):
    """torchvision/ops/misc.py ``Permute``: ``torch.permute(x, self.dims)``."""

    def __init__(self, dims: List[int]) -> None:
        super().__init__()
        self.dims = list(dims)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.permute(x, self.dims)


@twin_for("LayerNorm2d")
class LayerNorm2d(torch.nn.LayerNorm):
    """torchvision/models/convnext.py ``LayerNorm2d``: channels-last layer_norm of [N, C, H, W].
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        x = x.permute(0, 3, 1, 2)
        return x


@twin_for("FrozenBatchNorm2d")
class FrozenBatchNorm2d(torch.nn.Module):
    """torchvision/ops/misc.py ``FrozenBatchNorm2d``: BatchNorm2d where the batch
    statistics and the affine parameters are fixed (all four are buffers)."""

    def __init__(self, num_features: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.eps = eps
        self.register_buffer("weight", torch.ones(num_features))
        self.register_buffer("bias", torch.zeros(num_features))
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # move reshapes to the beginning to make it fuser-friendly (torchvision's)
        w = self.weight.reshape(1, -1, 1, 1)
        b = self.bias.reshape(1, -1, 1, 1)
        rv = self.running_var.reshape(1, -1, 1, 1)
        rm = self.running_mean.reshape(1, -1, 1, 1)
        scale = w * (rv + self.eps).rsqrt()
        bias = b - rm * scale
        return x * scale + bias

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.weight.shape[0]}, eps={self.eps})"


def stochastic_depth(input: torch.Tensor, p: float, mode: str, training: bool = True
                     ) -> torch.Tensor:
    """torchvision/ops/stochastic_depth.py ``stochastic_depth``."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"drop probability has to be between 0 and 1, but got {p}")
    if mode not in ["batch", "row"]:
        raise ValueError(f"mode has to be either 'batch' or 'row', but got {mode}")
    if not training or p == 0.0:
        return input

    survival_rate = 1.0 - p
    if mode == "row":
        size = [input.shape[0]] + [1] * (input.ndim - 1)
    else:
        size = [1] * input.ndim
    noise = torch.empty(size, dtype=input.dtype, device=input.device)
    noise = noise.bernoulli_(survival_rate)
    if survival_rate > 0.0:
        noise.div_(survival_rate)
    return input * noise


@twin_for("StochasticDepth")
class StochasticDepth(torch.nn.Module):
    """torchvision/ops/stochastic_depth.py ``StochasticDepth``."""

    def __init__(self, p: float, mode: str) -> None:
        super().__init__()
        self.p = p
        self.mode = mode

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return stochastic_depth(input, self.p, self.mode, self.training)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(p={self.p}, mode={self.mode})"


def _bilinear(x: torch.Tensor, y: torch.Tensor, xs: torch.Tensor) -> torch.Tensor:
    """``x[n, c]`` at fractional rows ``y`` and columns ``xs`` (``[N, C, K, Ho, Wo]``), zero
    outside, as torchvision's ``bilinear_interpolate`` (deform_conv2d_kernel.cpp)."""
    n, c, h, w = x.shape
    flat = x.reshape(n, c, h * w)
    # a position that is no number (uninitialised offsets) reads zeros, as one outside does
    y, xs = (torch.nan_to_num(t, nan=-2.0, posinf=-2.0, neginf=-2.0).clamp(-2, max(h, w) + 1)
             for t in (y, xs))
    y0, x0 = torch.floor(y), torch.floor(xs)
    out = torch.zeros_like(y)
    for dy, dx in ((0, 0), (0, 1), (1, 0), (1, 1)):
        yy, xx = y0 + dy, x0 + dx
        weight = (1 - (y - yy).abs()) * (1 - (xs - xx).abs())
        inside = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
        index = (yy.clamp(0, h - 1) * w + xx.clamp(0, w - 1)).long()
        values = torch.gather(flat, 2, index.reshape(n, c, -1)).reshape(y.shape)
        out = out + torch.where(inside, values * weight, torch.zeros_like(values))
    return out


class _DeformConv2dFunction(torch.autograd.Function):
    """The forward of ``torchvision::deform_conv2d`` written with ops FlopCounterMode does not
    count (as it counts nothing for torchvision's own operator), keeping for backward what
    torchvision's autograd keeps: the input, weight, offset, mask and bias."""

    @staticmethod
    def forward(ctx, x, weight, offset, mask, bias, stride, padding, dilation):
        with torch.no_grad():
            out = _deform_conv2d(x, weight, offset, mask, bias, stride, padding, dilation)
        ctx.save_for_backward(x, weight, offset, mask, bias)
        return out

    @staticmethod
    def backward(ctx, grad):  # pragma: no cover - shapes and counts only
        raise NotImplementedError("the DeformConv2d twin counts; it does not train")


def _deform_conv2d(x, weight, offset, mask, bias, stride, padding, dilation):
    n, c, h, w = x.shape
    out_channels, per_group, kh, kw = weight.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    ho = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    wo = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    groups_off = offset.shape[1] // (2 * kh * kw)
    # torchvision's checks (ops/deform_conv.py, csrc/ops/cpu/deform_conv2d_kernel.cpp)
    if groups_off == 0 or offset.shape[1] != groups_off * 2 * kh * kw:
        raise RuntimeError("the shape of the offset tensor at dimension 1 is not valid")
    if c % groups_off:
        raise RuntimeError("input channels must be divisible by the offset groups")
    if ho < 1 or wo < 1:
        raise RuntimeError("Calculated output size too small")
    if tuple(offset.shape) != (n, offset.shape[1], ho, wo):
        raise RuntimeError("offset output dims do not match the output")
    if mask is not None and tuple(mask.shape) != (n, groups_off * kh * kw, ho, wo):
        raise RuntimeError("mask shape is not valid")
    off = offset.reshape(n, groups_off, kh * kw, 2, ho, wo)
    ky = (torch.arange(kh, dtype=x.dtype, device=x.device) * dh).repeat_interleave(kw)
    kx = (torch.arange(kw, dtype=x.dtype, device=x.device) * dw).repeat(kh)
    base_y = (torch.arange(ho, dtype=x.dtype, device=x.device) * sh - ph).reshape(1, 1, 1, ho, 1)
    base_x = (torch.arange(wo, dtype=x.dtype, device=x.device) * sw - pw).reshape(1, 1, 1, 1, wo)
    ys = base_y + ky.reshape(1, 1, -1, 1, 1) + off[:, :, :, 0]     # [N, G, K, Ho, Wo]
    xs = base_x + kx.reshape(1, 1, -1, 1, 1) + off[:, :, :, 1]
    per = c // groups_off                                            # channels per offset group
    ys = ys.repeat_interleave(per, dim=1)                            # [N, C, K, Ho, Wo]
    xs = xs.repeat_interleave(per, dim=1)
    columns = _bilinear(x, ys, xs)
    if mask is not None:
        columns = columns * mask.reshape(n, groups_off, kh * kw, ho, wo).repeat_interleave(
            per, dim=1)
    groups = c // per_group
    columns = columns.reshape(n, groups, per_group * kh * kw, ho, wo)
    kernel = weight.reshape(groups, out_channels // groups, per_group * kh * kw)
    out = (columns.unsqueeze(2) * kernel.reshape(1, groups, out_channels // groups, -1, 1, 1)
           ).sum(3).reshape(n, out_channels, ho, wo)
    return out if bias is None else out + bias.reshape(1, -1, 1, 1)


@twin_for("DeformConv2d")
class DeformConv2d(torch.nn.Module):
    """torchvision/ops/deform_conv.py ``DeformConv2d``: the same parameters (``weight`` ``[Cout,
    Cin/groups, Kh, Kw]``, ``bias``) and call ``(input, offset, mask=None)``."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True) -> None:
        super().__init__()
        pair = torch.nn.modules.utils._pair
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride = pair(kernel_size), pair(stride)
        self.padding, self.dilation = pair(padding), pair(dilation)
        self.weight = torch.nn.Parameter(torch.empty(out_channels, in_channels // groups,
                                                     *self.kernel_size))
        self.bias = torch.nn.Parameter(torch.empty(out_channels)) if bias else None
        torch.nn.init.uniform_(self.weight, -0.1, 0.1)
        if self.bias is not None:
            torch.nn.init.zeros_(self.bias)

    def forward(self, input: torch.Tensor, offset: torch.Tensor,
                mask: torch.Tensor | None = None) -> torch.Tensor:
        return _DeformConv2dFunction.apply(input, self.weight, offset, mask, self.bias,
                                           self.stride, self.padding, self.dilation)
