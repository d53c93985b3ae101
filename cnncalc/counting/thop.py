"""The ``thop`` convention: ``profile(model, inputs=(x,))`` of thop 0.1.1.post2209072238 (which
puts the model in eval mode).

thop counts with forward hooks on the module types it knows (thop/profile.py
``register_hooks``, thop/vision/basic_hooks.py, thop/vision/calc_func.py); every other module,
and every functional call, counts nothing. Its convolution rule multiplies the *output* size
by ``Cin/g · prod(K)``, which for a transposed convolution is not its work; normalisation and
average pooling count their elementwise operations.
"""

from __future__ import annotations

from math import prod

from cnncalc.counting import ZERO, Count, Site, define
from cnncalc.terms import T
from cnncalc.counting.torch import kernel

THOP = define(
    "thop", title="thop 0.1.1 profile: MACs of the module types thop knows, normalisation, "
                  "average pooling and upsampling included, bias excluded; FLOPs = 2 × MACs",
    source="thop 0.1.1.post2209072238, profile(model, inputs=(x,))",
    macs_are="thop's MACs: convolutions over their output positions, linear layers, "
             "normalisation (2 or 4 per element), average pooling, softmax, upsampling",
    flops_are="2 × MACs",
    quirks=("a transposed convolution counts numel(y) · Cin/g · prod(K): its output size",
            "GroupNorm counts 0; BatchNorm, LayerNorm and InstanceNorm 2 · numel(x), 4 with "
            "affine",
            "functional calls are invisible"),
)


def _twice(macs: T | int) -> Count:
    return Count(macs, 2 * macs)


def _module(rule):
    """Only module calls reach thop's hooks."""
    def counted(site: Site) -> Count:
        return rule(site) if site.call == "module" else ZERO
    counted.__doc__, counted.__qualname__ = rule.__doc__, rule.__qualname__
    return counted


@THOP.rule("_Conv")
@_module
def conv(site: Site) -> Count:
    """``numel(y) · Cin/g · prod(K)``, bias excluded — the output size also for a transposed
    convolution (count_convNd)."""
    layer = site.layer
    return _twice(site.numel_out * T(layer.in_channels // layer.groups, "Cin/g") * kernel(site))


@THOP.rule("Linear")
@_module
def linear(site: Site) -> Count:
    """``in_features · numel(y)`` (count_linear)."""
    return _twice(T(site.layer.in_features, "in_features") * site.numel_out)


@THOP.rule("_BatchNorm", "_InstanceNorm", "LayerNorm")
@_module
def norm(site: Site) -> Count:
    """``2 · numel(x)``, doubled with affine parameters (count_normalization)."""
    affine = getattr(site.layer, "affine", None)
    if affine is None:
        affine = site.layer.elementwise_affine
    return _twice((4 if affine else 2) * site.numel_in())


@THOP.rule("LayerNorm2d")
def layer_norm_2d(site: Site) -> Count:
    """0: thop hooks modules by exact type (``m_type in register_hooks``), so torchvision's
    subclass of nn.LayerNorm gets no hook."""
    return ZERO


@THOP.rule("PReLU")
@_module
def prelu(site: Site) -> Count:
    """``numel(x)`` (count_prelu, in eval mode)."""
    return _twice(site.numel_in())


@THOP.rule("Softmax")
@_module
def softmax(site: Site) -> Count:
    """``numel(x) / n · (3n − 1)`` with ``n`` the size of ``dim`` (count_softmax)."""
    x = site.input
    dim = site.layer.dim
    if dim is None:  # torch's legacy choice, as nn.Softmax makes it
        dim = 0 if len(x) in (0, 1, 3) else 1
    n = x[dim]
    return _twice(T(prod(x) // n, "numel(x)/n") * T(3 * n - 1, "3n − 1"))


@THOP.rule("_AvgPoolNd")
@_module
def avg_pool(site: Site) -> Count:
    """``numel(y)`` (count_avgpool)."""
    return _twice(site.numel_out)


@THOP.rule("_AdaptivePool")
@_module
def adaptive_avg_pool(site: Site) -> Count:
    """``(prod(in/out) + 1) · numel(y)`` in float64, truncated (count_adap_avgpool)."""
    ratio = 1.0
    for size, out in zip(site.input[2:], site.output[2:]):
        ratio *= size / out
    return _twice(T(int((ratio + 1) * prod(site.output)), "(prod(in/out) + 1) · numel(y)"))


@THOP.rule("_AdaptiveMaxPool")
def adaptive_max_pool(site: Site) -> Count:
    """Not among thop's hooks: 0."""
    return ZERO


UPSAMPLE_FACTOR = {"nearest": 1, "linear": 5, "bilinear": 11, "bicubic": 259}


@THOP.rule("Upsample")
@_module
def upsample(site: Site) -> Count:
    """``numel(y)`` × 1 (nearest), 5 (linear), 11 (bilinear), 259 (bicubic); other modes 0
    (count_upsample)."""
    factor = UPSAMPLE_FACTOR.get(site.layer.mode)
    if factor is None:
        return ZERO
    return _twice(site.numel_out * T(factor, str(factor)) if factor > 1 else site.numel_out)


@THOP.rule("DeformConv2d")
def deform_conv(site: Site) -> Count:
    """0: thop registers no counter for torchvision's DeformConv2d."""
    return ZERO
