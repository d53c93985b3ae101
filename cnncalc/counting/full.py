"""The ``full`` convention: cnncalc's own complete count of one inference (eval-mode) pass.

A MAC is a multiply-accumulate ``a · b + c``; FLOPs count every floating-point operation —
2 per MAC, and 1 per other addition, subtraction, multiplication, division, comparison,
exponential, logarithm, square root, tanh or erf. Every layer type that computes has a rule
here; a layer that only moves, copies or selects data (padding, reshaping, shuffling,
concatenation, dropout at inference) counts nothing. Per-channel constants that a framework
folds once (BatchNorm's ``γ / sqrt(var + ε)``) and the interpolation weights of ``Upsample``
are not counted. docs/conventions.md gives each rule with a worked case.
"""

from __future__ import annotations

from math import prod

from cnncalc.counting import Count, Site, define
from cnncalc.terms import T
from cnncalc.counting.torch import (conv_macs, conv_transpose_macs, deform_conv_macs, linear_macs,
                                   matmul_macs)
from cnncalc.layers.base import ntuple

FULL = define(
    "full", title="every arithmetic operation of an inference pass; FLOPs = 2 × MACs + every "
                  "other operation (cnncalc's rules, docs/conventions.md)",
    source="cnncalc (docs/conventions.md states each rule)",
    macs_are="multiply-accumulates of every layer (dot products, normalisation, interpolation)",
    flops_are="2 per MAC plus every other floating-point operation (bias adds, activations,"
              " pooling, merges, ...)",
)


def _with_bias(site: Site, macs: T) -> Count:
    """``2 · MACs``, plus one add per output element when there is a bias."""
    flops = 2 * macs + site.numel_out if site.layer.bias else 2 * macs
    return Count(macs, flops)


@FULL.rule("_ConvNd")
def conv(site: Site) -> Count:
    """As torch's MACs; FLOPs ``2 · MACs`` plus ``numel(y)`` bias additions."""
    return _with_bias(site, conv_macs(site))


@FULL.rule("_ConvTransposeNd")
def conv_transpose(site: Site) -> Count:
    """As torch's MACs; FLOPs ``2 · MACs`` plus ``numel(y)`` bias additions."""
    return _with_bias(site, conv_transpose_macs(site))


@FULL.rule("Linear")
def linear(site: Site) -> Count:
    """As torch's MACs; FLOPs ``2 · MACs`` plus ``numel(y)`` bias additions."""
    return _with_bias(site, linear_macs(site))


@FULL.rule("_BatchNorm", "FrozenBatchNorm2d")
def batch_norm(site: Site) -> Count:
    """Inference: ``x · scale + shift`` with the running statistics folded per channel."""
    return Count(site.numel_in(), 2 * site.numel_in())


@FULL.rule("_InstanceNorm", "GroupNorm", "LayerNorm")
def norm_with_statistics(site: Site) -> Count:
    """Statistics at run time: mean (1 add), centring (1 sub), variance (1 MAC: square and
    accumulate), scaling by ``1/σ`` (1 mul); the affine ``γ · x̂ + β`` is one more MAC."""
    layer = site.layer
    affine = getattr(layer, "affine", None)
    if affine is None:
        affine = getattr(layer, "elementwise_affine", False)
    n = site.numel_in()
    macs = 2 * n if affine else n
    return Count(macs, (7 if affine else 5) * n)


@FULL.rule("LocalResponseNorm")
def local_response_norm(site: Site) -> Count:
    """Per element: the sum of ``size`` squares (``size`` MACs), then ``k + α/n · s`` (1 MAC),
    the power and the division (2)."""
    n, size = site.numel_in(), T(site.layer.size, "size")
    macs = n * (size + 1)
    return Count(macs, 2 * macs + 2 * n)


#: operations per element of each activation (a transcendental function counts 1)
ACTIVATION_FLOPS = {
    "ReLU": 1,         # max(x, 0)
    "ReLU6": 2,        # min(max(x, 0), 6)
    "LeakyReLU": 2,    # compare, multiply
    "PReLU": 2,        # compare, multiply
    "ELU": 4,          # compare, exp, subtract, multiply
    "SELU": 5,         # ELU and the scale
    "CELU": 5,         # compare, divide, exp, subtract, multiply
    "GELU": 5,         # x · 0.5 · (1 + erf(x / √2)): divide, erf, add, 2 multiplies
    "SiLU": 5,         # x · sigmoid(x)
    "Mish": 5,         # x · tanh(softplus(x)): exp, add, log, tanh, multiply
    "Sigmoid": 4,      # 1 / (1 + exp(−x)): negate, exp, add, divide
    "Tanh": 1,
    "Hardswish": 5,    # x · min(max(x + 3, 0), 6) / 6
    "Hardsigmoid": 4,  # min(max(x + 3, 0), 6) / 6
    "Hardtanh": 2,     # min(max(x, a), b)
    "Softplus": 6,     # compare βx with the threshold, multiply, exp, add, log, divide
    "Softmax": 5,      # max, subtract, exp, sum, divide
    "LogSoftmax": 5,   # max, subtract, exp, sum, subtract the log (one log per row: omitted)
}


@FULL.rule(*ACTIVATION_FLOPS)
def activation(site: Site) -> Count:
    """No MACs; FLOPs: the activation's operations per element (ACTIVATION_FLOPS)."""
    per = ACTIVATION_FLOPS[type(site.layer).__name__]
    return Count(0, site.numel_in() * T(per, f"{per} ops") if per > 1 else site.numel_in())


def _kernel(site: Site) -> T:
    kernel = ntuple(site.layer.kernel_size, site.layer.ndim)
    return T(prod(kernel), "prod(K)")


@FULL.rule("_MaxPoolNd")
def max_pool(site: Site) -> Count:
    """``prod(K) − 1`` comparisons per output element (windows counted at full size)."""
    return Count(0, site.numel_out * (_kernel(site) - 1))


@FULL.rule("_AvgPoolNd")
def avg_pool(site: Site) -> Count:
    """``prod(K) − 1`` additions and one division per output element."""
    return Count(0, site.numel_out * _kernel(site))


def _adaptive_window_elements(site: Site) -> int:
    """Σ over output positions of their window's size: windows ``[⌊i·n/m⌋, ⌈(i+1)·n/m⌉)``."""
    total = 1
    for n, m in zip(site.input[2:], site.output[2:]):
        total *= sum(-(-(i + 1) * n // m) - (i * n // m) for i in range(m))
    return total


@FULL.rule("_AdaptivePool")
def adaptive_avg_pool(site: Site) -> Count:
    """Each window's elements summed and divided once: Σ windows' sizes per channel."""
    windows = T(_adaptive_window_elements(site), "Σ window sizes")
    return Count(0, site.batch * site.channels_in * windows)


@FULL.rule("_AdaptiveMaxPool")
def adaptive_max_pool(site: Site) -> Count:
    """Each window's size minus one comparisons."""
    windows = T(_adaptive_window_elements(site), "Σ window sizes")
    return Count(0, site.batch * site.channels_in * windows - site.numel_out)


#: interpolation MACs per output element: a lerp per dimension per pair of neighbours
UPSAMPLE_MACS = {"nearest": 0, "nearest-exact": 0, "linear": 1, "bilinear": 3,
                 "trilinear": 7, "bicubic": 20}


@FULL.rule("Upsample")
def upsample(site: Site) -> Count:
    """``linear``: one lerp ``a + t · (b − a)`` (1 MAC, 1 subtraction) per output element and
    pair of neighbours — 1 in 1-D, 3 bilinear, 7 trilinear; ``bicubic``: five 4-tap dot products
    (20 MACs); ``nearest`` copies; ``area`` averages its window like adaptive average pooling."""
    mode = site.layer.mode
    if mode == "area":
        windows = T(_adaptive_window_elements(site), "Σ window sizes")
        return Count(0, site.batch * site.channels_in * windows)
    per = UPSAMPLE_MACS[mode]
    if per == 0:
        return Count(0, 0)
    macs = site.numel_out * T(per, f"{per} MACs")
    subtractions = 0 if mode == "bicubic" else macs
    return Count(macs, 2 * macs + subtractions)


@FULL.rule("Mean")
def mean(site: Site) -> Count:
    """Each output element sums its ``n`` values and divides once: ``numel(x)`` FLOPs."""
    return Count(0, site.numel_in())


@FULL.rule("Sum", "Amax")
def sum_or_max(site: Site) -> Count:
    """``n − 1`` additions (or comparisons) per output element: ``numel(x) − numel(y)``."""
    return Count(0, site.numel_in() - site.numel_out)


@FULL.rule("Add", "Mul")
def merge(site: Site) -> Count:
    """One addition (or multiplication) per output element per input after the first."""
    return Count(0, site.numel_out * (len(site.inputs) - 1))


@FULL.rule("Matmul")
def matmul(site: Site) -> Count:
    """As torch's MACs; FLOPs ``2 · MACs``."""
    macs = matmul_macs(site)
    return Count(macs, 2 * macs)


@FULL.rule("DeformConv2d")
def deform_conv(site: Site) -> Count:
    """As torch's (cnncalc's rule for the sampling); FLOPs ``2 · MACs`` plus ``numel(y)`` bias
    additions."""
    return _with_bias(site, deform_conv_macs(site))


@FULL.rule("MultiheadAttention")
def attention(site: Site) -> Count:
    """As torch's MACs (projections, ``q·kᵀ``, ``attention·v``, output); FLOPs ``2 · MACs``
    plus the scaling of q (``N·L·E``), 5 per attention weight for the softmax (``N·h·L·S'``)
    and, with a bias, one add per projected element (``N·(2L + 2S)·E``)."""
    from cnncalc.counting.torch import attention_parts

    layer = site.layer
    n, length, source = layer.sizes(*site.inputs)
    macs = sum(attention_parts(site), 0)
    weights = T(n * layer.num_heads * length * layer.key_length(*site.inputs), "N·h·L·S'")
    scaled = T(n * length * layer.embed_dim, "N·L·E")
    flops = 2 * macs + scaled + 5 * weights
    if layer.bias:
        flops = flops + T(n * (2 * length + 2 * source) * layer.embed_dim, "N·(2L+2S)·E")
    return Count(macs, flops)
