"""The ``fvcore`` convention: ``FlopCountAnalysis(model.eval(), x).total()`` of fvcore
0.1.5.post20221221.

fvcore traces the model and counts the aten operators it has a handle for
(fvcore/nn/flop_count.py ``_DEFAULT_SUPPORTED_OPS``, fvcore/nn/jit_handles.py); it calls one
fused multiply-add one "flop", so its total is a MAC count. Every other operator (ReLU,
max pooling, additions, ``mean``) is skipped with a warning and counts nothing. Since it
traces operators, it sees functional calls as it sees modules; only a tensor method such as
``x.mean([2, 3])`` becomes another operator than the adaptive pooling it equals.
"""

from __future__ import annotations

from cnncalc.counting import ZERO, Count, Site, define
from cnncalc.terms import T
from cnncalc.counting.torch import conv_macs, conv_transpose_macs, linear_macs

FVCORE = define(
    "fvcore", title="fvcore 0.1.5 FlopCountAnalysis(model.eval(), x).total(): one fused "
                    "multiply-add per \"flop\", normalisation and some resampling included; "
                    "FLOPs = 2 × MACs",
    source="fvcore 0.1.5.post20221221, FlopCountAnalysis(model.eval(), x).total()",
    macs_are="fvcore's \"flops\" (one per multiply-add): convolutions and linear layers as "
             "torch, plus BatchNorm, GroupNorm, LayerNorm, InstanceNorm, 2-D adaptive average "
             "pooling and 2-D nearest or bilinear upsampling",
    flops_are="2 × MACs",
    quirks=("in train mode BatchNorm counts 5 · numel (4 without affine) instead of 2 (1)",
            "x.mean([2, 3]) counts 0, F.adaptive_avg_pool2d numel(x)"),
)


def _twice(macs: T) -> Count:
    return Count(macs, 2 * macs)


@FVCORE.rule("_ConvNd")
def conv(site: Site) -> Count:
    """As torch: ``N · Cout · (output spatial) · Cin/g · prod(K)`` (conv_flop_jit).

    0 with ``padding: same`` or ``valid`` and zero padding: they trace to
    aten::_convolution_mode, an op with no handle (other padding modes pad first, then run an
    ordinary convolution, which is counted)."""
    if isinstance(site.layer.padding, str) and site.layer.padding_mode == "zeros":
        return ZERO
    return _twice(conv_macs(site))


@FVCORE.rule("_ConvTransposeNd")
def conv_transpose(site: Site) -> Count:
    """As torch: ``N · Cin · (input spatial) · Cout/g · prod(K)`` (conv_flop_jit)."""
    return _twice(conv_transpose_macs(site))


@FVCORE.rule("Linear")
def linear(site: Site) -> Count:
    """As torch: ``rows · in_features · out_features``, bias ignored (linear_flop_jit)."""
    return _twice(linear_macs(site))


@FVCORE.rule("_BatchNorm")
def batch_norm(site: Site) -> Count:
    """Eval mode: ``2 · numel(x)`` with affine, ``numel(x)`` without (batchnorm_flop_jit).

    Without running statistics BatchNorm normalises by the batch even in eval: 5 or 4."""
    layer = site.layer
    if layer.track_running_stats:
        per = 2 if layer.affine else 1
    else:
        per = 5 if layer.affine else 4
    return _twice(T(per, f"{per}") * site.numel_in() if per > 1 else site.numel_in())


@FVCORE.rule("GroupNorm", "_InstanceNorm")
def group_norm(site: Site) -> Count:
    """``5 · numel(x)`` with affine, ``4 · numel(x)`` without (norm_flop_counter)."""
    per = 5 if site.layer.affine else 4
    return _twice(T(per, str(per)) * site.numel_in())


@FVCORE.rule("LayerNorm")
def layer_norm(site: Site) -> Count:
    """``5 · numel(x)`` with a weight, ``4 · numel(x)`` without (norm_flop_counter)."""
    per = 5 if site.layer.elementwise_affine else 4
    return _twice(T(per, str(per)) * site.numel_in())


@FVCORE.rule("_AdaptivePool")
def adaptive_avg_pool(site: Site) -> Count:
    """2-D only: ``numel(x)`` (aten::adaptive_avg_pool2d); 1-D, 3-D and ``x.mean`` count 0."""
    if site.layer.ndim != 2 or site.call == "method":
        return ZERO
    return _twice(site.numel_in())


@FVCORE.rule("_AdaptiveMaxPool")
def adaptive_max_pool(site: Site) -> Count:
    """No handle for aten::adaptive_max_pool*: 0."""
    return ZERO


@FVCORE.rule("Upsample")
def upsample(site: Site) -> Count:
    """2-D ``nearest``: ``numel(y)``; 2-D ``bilinear``: ``4 · numel(y)``; 2-D ``area``:
    ``numel(x)`` (it is aten::adaptive_avg_pool2d); every other mode and rank: 0 (no handle)."""
    if len(site.input) == 4 and site.layer.mode == "area":
        return _twice(site.numel_in())
    if len(site.input) != 4 or site.layer.mode not in ("nearest", "bilinear"):
        return ZERO
    if site.layer.mode == "nearest":
        return _twice(site.numel_out)
    return _twice(4 * site.numel_out)


@FVCORE.rule("Matmul")
def matmul(site: Site) -> Count:
    """``aten::matmul`` (``matmul_flop_jit``): ``numel(a) · m``, whatever the call; the
    second input's own leading dims are not counted when they broadcast the first's."""
    a, b = site.inputs
    return _twice(site.numel_in(0) * T(b[-1], "m"))


@FVCORE.rule("MultiheadAttention")
def attention(site: Site) -> Count:
    """The traced ``aten::linear`` of the projections and the output projection, whatever the
    call: ``N·(L·E·E + S·kdim·E + S·vdim·E) + N·L·E·E``; fvcore 0.1.5 has no handle for
    ``aten::scaled_dot_product_attention``, so ``q·kᵀ`` and ``attention·v`` count 0."""
    from cnncalc.counting.torch import attention_parts

    projections, _, output = attention_parts(site)
    return _twice(projections + output)
