"""The ``torchinfo`` convention: ``summary(model, input_size=...).total_mult_adds`` of
torchinfo 1.8.0 (the model in eval mode, as ``summary`` puts it by default).

torchinfo counts per call of a leaf module, from its *parameters* rather than its operation
(torchinfo/layer_info.py, ``LayerInfo.calculate_macs``): a parameter named ``weight`` or
``bias`` of a layer whose class name contains "Conv" counts ``numel · N · (output spatial)``,
of any other layer ``numel · N``. So a convolution's bias is counted, a linear layer counts
``N · (in + 1) · out`` whatever its leading dimensions, a BatchNorm or LayerNorm counts its
affine parameters once per sample, and a layer without parameters counts nothing. Functional
calls have no module, and count nothing.
"""

from __future__ import annotations

from cnncalc.counting import ZERO, Count, Site, define
from cnncalc.terms import T

TORCHINFO = define(
    "torchinfo", title="torchinfo 1.8.0 total_mult_adds: MACs of every leaf module from its "
                       "parameters (bias included); FLOPs = 2 × MACs",
    source="torchinfo 1.8.0, summary(model, input_size).total_mult_adds",
    macs_are="per module call: each weight or bias numel × N (× output spatial size for "
             "convolutions)",
    flops_are="2 × MACs",
    quirks=("counts from parameters, not operations: biases count, parameter-free layers do not",
            "a linear layer counts N · params, not rows · params, on inputs of rank > 2",
            "a transposed convolution counts over its output positions",
            "functional calls (F.relu, x.mean) are invisible"),
)


def _params(site: Site) -> T:
    return T(site.layer.count_params(*site.inputs), "params")


def _twice(macs: T) -> Count:
    return Count(macs, 2 * macs)


@TORCHINFO.rule("Layer")
def with_parameters(site: Site) -> Count:
    """``N · params`` per module call: every weight and bias counted once per sample."""
    if site.call != "module" or site.layer.count_params(*site.inputs) == 0:
        return ZERO
    return _twice(site.batch * _params(site))


@TORCHINFO.rule("Parameter")
def parameter(site: Site) -> Count:
    """0: torchinfo counts only parameters named ``weight`` or ``bias`` (or holding those
    words), and a learnable tensor is ``layer_scale``, ``class_token``, ``pos_embedding`` (its
    numel is in the params all the same)."""
    return ZERO


@TORCHINFO.rule("_Conv")
def conv(site: Site) -> Count:
    """``params · N · (output spatial)``: weight and bias once per output position."""
    if site.call != "module":
        return ZERO
    return _twice(_params(site) * site.batch * site.spatial(site.output, "out"))


@TORCHINFO.rule("MultiheadAttention")
def attention(site: Site) -> Count:
    """0: ``nn.MultiheadAttention`` holds its ``out_proj`` as a child module, so it is no leaf
    layer, whose MACs alone torchinfo adds up, and ``out_proj`` is never called as a module."""
    return ZERO
