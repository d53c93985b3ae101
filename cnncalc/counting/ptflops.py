"""The ``ptflops`` convention: ``get_model_complexity_info(model, input_res,
as_strings=False, print_per_layer_stat=False)`` of ptflops 0.7.5 with its defaults (the
``pytorch`` backend, the model in eval mode).

ptflops adds two counts (ptflops/pytorch_engine.py, ptflops/pytorch_ops.py): forward hooks on
the module types of its ``MODULES_MAPPING``, whose sum it divides by the batch size, and
functions it replaces while the model runs — ``F.relu``, ``F.max_pool2d``, ``F.interpolate``,
``torch.add``, ... (``FUNCTIONAL_MAPPING``, ``TENSOR_OPS_MAPPING``) — counted for the whole
batch. A module whose ``forward`` calls one of those functions (``nn.ReLU`` calls ``F.relu``,
``nn.MaxPool2d`` ``F.max_pool2d``) is therefore counted twice; a functional call in the
original code once; a tensor method or operator (``x.mean([2, 3])``, ``x + y``) never.
"""

from __future__ import annotations

import math
from math import prod

from cnncalc.counting import ZERO, Count, Site, define
from cnncalc.terms import T
from cnncalc.counting.torch import kernel
from cnncalc.rules import is_a, lineage

PTFLOPS = define(
    "ptflops", title="ptflops 0.7.5 get_model_complexity_info (pytorch backend): module hooks "
                     "plus patched functionals, biases, activations, pooling and normalisation "
                     "included; FLOPs = 2 × MACs",
    source="ptflops 0.7.5, get_model_complexity_info(model, input_res, as_strings=False)",
    macs_are="ptflops' MACs: module hooks (per sample) plus patched functional calls (whole "
             "batch); activations and pooling count numel, some twice",
    flops_are="2 × MACs",
    quirks=("nn.ReLU, nn.MaxPool2d, nn.AdaptiveAvgPool2d, ... are counted twice: by their hook "
            "and by the F.* function they call",
            "module counts are divided by the batch size, functional ones are not",
            "x.mean([2, 3]) and x + y are invisible, F.adaptive_avg_pool2d and torch.add are "
            "not"),
)


def _twice(macs: T | int) -> Count:
    return Count(macs, 2 * macs)


def _per_sample(site: Site, total: T) -> T:
    """A hook's count divided by the batch size, as ptflops divides the sum of its hooks."""
    return total // site.batch if site.batch.value > 1 else total


# -- module hooks (MODULES_MAPPING), divided by the batch size --------------------------------

def _conv_hook(site: Site) -> T:
    layer = site.layer
    per_position = kernel(site) * T(layer.in_channels, "Cin") * T(
        layer.out_channels // layer.groups, "Cout/g")
    transposed = is_a(layer, "_ConvTransposeNd")
    positions = site.spatial(site.input if transposed else site.output,
                             "in" if transposed else "out")
    count = per_position * positions
    return count + T(prod(site.output[1:]), "numel(y)/N") if layer.bias else count


def _numel_in_hook(site: Site) -> T:
    return _per_sample(site, site.numel_in())


def _numel_out_hook(site: Site) -> T:
    return _per_sample(site, site.numel_out)


def _norm_hook(site: Site) -> T:
    affine = getattr(site.layer, "affine", False)  # LayerNorm has no ``affine``: numel once
    return _per_sample(site, 2 * site.numel_in() if affine else site.numel_in())


def _linear_hook(site: Site) -> T:
    layer = site.layer
    rows = T(prod(site.input[1:-1]), "rows/N")
    weights = T(layer.in_features, "in") * T(layer.out_features, "out")
    return rows * (weights + T(layer.out_features, "out") if layer.bias else weights)


def _upsample_hook(site: Site) -> T:
    # the hook counts ``output[0].numel()``, the first sample only, and is divided by N too
    return T(prod(site.output[1:]), "numel(y[0])") // site.batch


# -- patched functions (FUNCTIONAL_MAPPING, TENSOR_OPS_MAPPING), whole batch -----------------

def _interpolate(site: Site) -> int | float:
    """The patched ``F.interpolate``'s count: a float for a scale factor given as one number
    (``numel(x) · factor ** d``), which ptflops adds to the other counts before truncating."""
    layer, x = site.layer, site.input
    if layer.size is not None:
        size = layer.size if isinstance(layer.size, tuple) else (layer.size,) * (len(x) - 2)
        return prod(size) * x[0] * x[1]
    factor = layer.scale_factor
    if isinstance(factor, tuple) and len(factor) == len(x) - 2:
        return prod(x) * prod(int(f) for f in factor)  # np.prod(..., dtype=int64) truncates
    factor = float(factor[0] if isinstance(factor, tuple) else factor)
    return prod(x) * factor ** (len(x) - 2)


HOOKS = {"_ConvNd": _conv_hook, "_ConvTransposeNd": _conv_hook, "Linear": _linear_hook,
         "_BatchNorm": _norm_hook, "_InstanceNorm": _norm_hook, "GroupNorm": _norm_hook,
         "LayerNorm": _norm_hook, "_MaxPoolNd": _numel_in_hook, "_AvgPoolNd": _numel_in_hook,
         "_AdaptivePool": _numel_in_hook, "ReLU": _numel_out_hook,
         "PReLU": _numel_out_hook, "ELU": _numel_out_hook, "LeakyReLU": _numel_out_hook,
         "ReLU6": _numel_out_hook, "GELU": _numel_out_hook, "Upsample": _upsample_hook}

#: types whose forward calls a function ptflops patches (nn.ReLU6 calls F.hardtanh, which it
#: does not patch; a functional ``F.relu6`` is patched)
PATCHED = ("ReLU", "PReLU", "ELU", "GELU", "SiLU", "Softmax", "_MaxPoolNd",
           "_AvgPoolNd", "_AdaptivePool")


def _hook(site: Site) -> T | int:
    if site.call != "module":
        return 0
    for kind in lineage(type(site.layer)):
        if kind in HOOKS:
            return HOOKS[kind](site)
    return 0


@PTFLOPS.rule("_ConvNd", "_ConvTransposeNd")
def conv(site: Site) -> Count:
    """Module hook, per sample: ``Cin · Cout/g · prod(K)`` per position, plus the bias."""
    return _twice(_hook(site))


@PTFLOPS.rule("Linear")
def linear(site: Site) -> Count:
    """Module hook, per sample: ``(in · out + out)`` per row, bias included."""
    return _twice(_hook(site))


@PTFLOPS.rule("_BatchNorm", "_InstanceNorm", "GroupNorm", "LayerNorm")
def norm(site: Site) -> Count:
    """Module hook, per sample: ``2 · numel(x)`` with affine, else ``numel(x)``.

    LayerNorm has no ``affine`` attribute, so ptflops always counts it ``numel(x)``."""
    return _twice(_hook(site))


@PTFLOPS.rule("LayerNorm2d")
def layer_norm_2d(site: Site) -> Count:
    """0: ptflops hooks modules by exact type (``type(m) in MODULES_MAPPING``), so torchvision's
    subclass of nn.LayerNorm gets no hook, and ``F.layer_norm`` and ``permute`` are not patched.
    """
    return ZERO


@PTFLOPS.rule("LeakyReLU")
def leaky_relu(site: Site) -> Count:
    """Module hook, per sample: ``numel(y)`` (F.leaky_relu is not patched)."""
    return _twice(_hook(site))


@PTFLOPS.rule(*PATCHED)
def hooked_and_patched(site: Site) -> Count:
    """Counted twice as a module: its hook (per sample) and the F.* call it makes (numel(x)).

    A functional call is counted once, by the patched function; a tensor method never."""
    patched = site.numel_in() if site.call in ("module", "functional") else 0
    return _twice(_hook(site) + patched)


@PTFLOPS.rule("ReLU6")
def relu6(site: Site) -> Count:
    """Module: the hook's ``numel(y)`` per sample (nn.ReLU6 calls the unpatched F.hardtanh);
    functional ``F.relu6``: ``numel(x)``."""
    return _twice(site.numel_in() if site.call == "functional" else _hook(site))


@PTFLOPS.rule("Upsample")
def upsample(site: Site) -> Count:
    """The hook's ``numel(y[0]) / N`` plus the patched ``F.interpolate``: ``numel(x)`` times
    the scale factor per spatial dimension (``N · C · prod(size)`` when a size is given);
    ``area`` adds ``numel(x)`` for the patched ``F.adaptive_avg_pool*d`` it calls."""
    patched = 0
    if site.call in ("module", "functional"):
        patched = _interpolate(site)
        if site.layer.mode == "area":
            patched = patched + int(site.numel_in())
    if isinstance(patched, float) and not patched.is_integer():
        # ptflops sums the hook's share (a float division by N) and this float, then
        # truncates once: 0.5 + 2.67 is 3, where truncating each first would give 2
        hook = prod(site.output[1:]) / site.output[0] if site.call == "module" else 0
        return _twice(T(math.floor(hook + patched), "floor(numel(y[0]) / N + numel(x) · s^d)"))
    return _twice(_hook(site) + int(patched))


@PTFLOPS.rule("LocalResponseNorm")
def local_response_norm(site: Site) -> Count:
    """``3 · numel(x)`` plus the padded squares' size: F.local_response_norm calls the patched
    ``Tensor.mul`` twice, ``Tensor.add`` once and ``F.avg_pool2d/3d`` once (not hooked)."""
    if site.call not in ("module", "functional"):
        return ZERO
    x, size = site.input, site.layer.size
    padded = T(x[0] * (x[1] + size - 1) * prod(x[2:]), "N · (C + size − 1) · spatial")
    return _twice(3 * site.numel_in() + padded)


def _left_aligned(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    """ptflops' elementwise count: the shapes aligned from the *left*, the larger size of each
    pair (not torch's broadcasting, which aligns from the right)."""
    rank = max(len(a), len(b))
    return prod(max(a[i] if i < len(a) else 1, b[i] if i < len(b) else 1) for i in range(rank))


def _broadcast(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    rank = max(len(a), len(b))
    a, b = (1,) * (rank - len(a)) + a, (1,) * (rank - len(b)) + b
    return tuple(max(x, y) for x, y in zip(a, b))


@PTFLOPS.rule("Add", "Mul")
def merge(site: Site) -> Count:
    """``torch.add`` / ``torch.mul`` (functional): per pair, the shapes aligned from the left;
    ``x + y`` and ``x * y`` (the default for merges, as torchvision writes them) are not seen."""
    if site.call != "functional":
        return ZERO
    total, shape = 0, site.inputs[0]
    for other in site.inputs[1:]:
        total += _left_aligned(shape, other)
        shape = _broadcast(shape, other)
    return _twice(T(total, "Σ pairs' left-aligned sizes"))


@PTFLOPS.rule("Matmul")
def matmul(site: Site) -> Count:
    """The patched ``torch.matmul`` (functional, and inside a module's forward; whole batch):
    ``numel(a) · m``; ``a @ b`` (method) is not seen."""
    if site.call == "method":
        return ZERO
    return _twice(site.numel_in(0) * T(site.inputs[1][-1], "m"))


@PTFLOPS.rule("DeformConv2d")
def deform_conv(site: Site) -> Count:
    """Module hook (``deformable_conv_flops_counter_hook``, registered when torchvision is
    installed), per sample: ``prod(K) · (Cin · Cout/g + 24)`` per output position — 24 is its
    estimate of a bilinear interpolation and its coordinates, 25 with a mask — plus the bias."""
    if site.call != "module":
        return ZERO
    layer = site.layer
    extra = T(24 + (len(site.inputs) == 3), "interp")
    per_position = kernel(site) * (T(layer.in_channels, "Cin") * T(
        layer.out_channels // layer.groups, "Cout/g") + extra)
    count = per_position * site.spatial(site.output, "out")
    return _twice(count + T(prod(site.output[1:]), "numel(y)/N") if layer.bias else count)


@PTFLOPS.rule("MultiheadAttention")
def attention(site: Site) -> Count:
    """Module hook (``multihead_attention_counter_hook``), per torch sample, divided by dim 0:
    ``L·E`` (scaling q) ``+ L·E·E + S·kd·kd + S·vd·vd`` (projections, with kd and vd the key's
    and value's own feature dims, squared as ptflops writes them) ``+ (L + 2S)·E`` (bias) ``+
    h·(L·S·(E/h) + L·S + L·S·(vd/h))`` (products and softmax, ``S`` without ``add_bias_kv``'s
    and ``add_zero_attn``'s positions) ``+ L·vd·(vd + 1)`` (output); 0 unless called as a
    module."""
    if site.call != "module":
        return ZERO
    layer = site.layer
    n, length, source = layer.sizes(*site.inputs)
    heads, e = layer.num_heads, layer.embed_dim
    _, key, value = layer.operands(*site.inputs)
    kd, vd = key[-1], value[-1]
    count = (length * e + length * e * e + source * kd * kd + source * vd * vd
             + (length + 2 * source) * e * layer.bias
             + heads * (length * source * (e // heads) + length * source
                        + length * source * (vd // heads))
             + length * vd * (vd + 1))
    return _twice(_per_sample(site, T(count * n, "hook")))
