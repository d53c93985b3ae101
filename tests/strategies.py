"""Hypothesis strategies for every layer type: arguments and input shapes.

``STRATEGIES[type_name](valid)`` is a strategy of :class:`Case`. With ``valid=True`` it makes
only combinations PyTorch accepts (so cnncalc must accept them too and agree on every number);
with ``valid=False`` it also makes combinations near the edges, some of which torch rejects
(so cnncalc must reject exactly those). Shapes include the batch dimension.

The keys are torch's class names; the tests fail when a registered layer type has no entry
here, so a new layer type comes with its strategy.

:func:`networks` draws whole network files (stacks, residual blocks, branches, squeeze-and-
excitation, channel splits, heads), optionally with a random ``call`` on every layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import floor, prod
from typing import Any, Callable

from hypothesis import strategies as st

Shape = tuple[int, ...]


@dataclass(frozen=True)
class Case:
    """One layer and its inputs.

    ``args`` are written as a network file gives them (lists, not tuples). ``inferred`` holds
    what cnncalc takes from the input and torch needs spelled out (``in_channels`` ...).
    ``optional`` holds torch keyword arguments a cnncalc layer type may or may not model
    (e.g. the ``bias`` that torch 2.13 added to the norms): used only where the class has
    the field.
    """

    args: dict[str, Any]
    shapes: tuple[Shape, ...]
    inferred: dict[str, Any] = field(default_factory=dict)
    optional: dict[str, Any] = field(default_factory=dict)

    def file_args(self, fields) -> dict[str, Any]:
        """The arguments for a cnncalc layer class with ``fields``."""
        return {**self.args, **{k: v for k, v in self.optional.items() if k in fields}}

    def torch_args(self, fields) -> dict[str, Any]:
        """The keyword arguments of the torch twin: inferred values, then the file's."""
        merged = {**self.inferred, **self.file_args(fields)}
        return {k: tuple(v) if isinstance(v, list) else v for k, v in merged.items()}


# -- small pieces ------------------------------------------------------------------------------

batches = st.integers(1, 3)
small_floats = st.sampled_from([0.0, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, -0.5, 3.0])
probabilities = st.sampled_from([0.0, 0.1, 0.2, 0.5, 0.9, 1.0, 0, 1])


def spread(draw, values: list[int]) -> int | list[int]:
    """An int when all values are equal (sometimes), else one value per dimension."""
    if len(set(values)) == 1 and draw(st.booleans()):
        return values[0]
    return list(values)


def relaxed(draw, valid: bool) -> bool:
    """Whether to drop one validity constraint: never for valid cases, now and then otherwise
    (dropping every constraint at once would make almost every case invalid)."""
    return not valid and draw(st.integers(0, 2)) == 0


def ints(draw, n: int, lo: int, hi: int) -> list[int]:
    return [draw(st.integers(lo, hi)) for _ in range(n)]


def maybe_explicit(draw, args: dict, name: str, actual: int, valid: bool) -> None:
    """Sometimes spell out an inferred argument: right when valid, anything when not."""
    choice = draw(st.sampled_from(["omit", "omit", "right", "wrong"] if not valid
                                  else ["omit", "omit", "right"]))
    if choice == "right":
        args[name] = actual
    elif choice == "wrong":
        args[name] = draw(st.integers(1, 8))


def dims_of(draw, rank: int, lo: int = 1, hi: int = 6) -> Shape:
    """A shape of ``rank`` dims, batch first."""
    return (draw(batches), *ints(draw, rank - 1, lo, hi))


def feature_dim(draw, rank: int) -> int:
    """A dim index other than the batch, positive or negative."""
    dim = draw(st.integers(1, rank - 1))
    return dim - rank if draw(st.booleans()) else dim


# -- convolutions ------------------------------------------------------------------------------

def channels_and_groups(draw, valid: bool) -> tuple[int, int, int]:
    if relaxed(draw, valid):
        return draw(st.integers(1, 6)), draw(st.integers(1, 6)), draw(st.integers(1, 3))
    if draw(st.booleans()):  # depthwise
        groups = draw(st.integers(1, 4))
        return groups, groups * draw(st.integers(1, 2)), groups
    groups = draw(st.integers(1, 3))
    return groups * draw(st.integers(1, 3)), groups * draw(st.integers(1, 3)), groups


@st.composite
def conv(draw, n: int, valid: bool) -> Case:
    cin, cout, groups = channels_and_groups(draw, valid)
    kernel = ints(draw, n, 1, 4 if valid else 5)
    dilation = ints(draw, n, 1, 3)
    fit = not relaxed(draw, valid)
    mode = draw(st.sampled_from(["zeros", "zeros", "zeros", "reflect", "replicate", "circular"]))
    kind = draw(st.sampled_from(["numbers", "numbers", "same", "valid"]))
    if kind == "same":
        stride = ints(draw, n, 1, 3) if relaxed(draw, valid) else [1] * n
        totals = [d * (k - 1) for d, k in zip(dilation, kernel)]
        pads = [(t // 2, t - t // 2) for t in totals]
        padding: Any = "same"
    else:
        stride = ints(draw, n, 1, 3)
        numbers = ints(draw, n, 0, 3 if valid else 4) if kind == "numbers" else [0] * n
        pads = [(p, p) for p in numbers]
        padding = spread(draw, numbers) if kind == "numbers" else "valid"
    sizes = []
    for k, d, (left, right) in zip(kernel, dilation, pads):
        if not fit:
            sizes.append(draw(st.integers(1, 8)))
            continue
        least = max(1, d * (k - 1) + 1 - left - right)
        if mode == "reflect":
            least = max(least, max(left, right) + 1)
        elif mode == "circular":
            least = max(least, left, right)
        sizes.append(draw(st.integers(least, least + 5)))
    args = {"out_channels": cout, "kernel_size": spread(draw, kernel),
            "stride": spread(draw, stride), "padding": padding,
            "dilation": spread(draw, dilation), "groups": groups, "bias": draw(st.booleans()),
            "padding_mode": mode}
    maybe_explicit(draw, args, "in_channels", cin, valid)
    return Case(args, ((draw(batches), cin, *sizes),), {"in_channels": cin})


@st.composite
def conv_transpose(draw, n: int, valid: bool) -> Case:
    cin, cout, groups = channels_and_groups(draw, valid)
    kernel = ints(draw, n, 1, 4)
    stride = ints(draw, n, 1, 3)
    dilation = ints(draw, n, 1, 3)
    sizes = ints(draw, n, 1, 6)
    if relaxed(draw, valid):
        extra = ints(draw, n, 0, 3)
    else:
        extra = [draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation)]
    if relaxed(draw, valid):
        pads = ints(draw, n, 0, 4)
    else:
        pads = [draw(st.integers(0, min(3, ((w - 1) * s + d * (k - 1) + op) // 2)))
                for w, s, d, k, op in zip(sizes, stride, dilation, kernel, extra)]
    args = {"out_channels": cout, "kernel_size": spread(draw, kernel),
            "stride": spread(draw, stride), "padding": spread(draw, pads),
            "output_padding": spread(draw, extra), "groups": groups,
            "bias": draw(st.booleans()), "dilation": spread(draw, dilation)}
    if not valid and draw(st.integers(0, 9)) == 0:
        args["padding_mode"] = "reflect"  # torch's transposed convolutions only pad with zeros
    maybe_explicit(draw, args, "in_channels", cin, valid)
    return Case(args, ((draw(batches), cin, *sizes),), {"in_channels": cin})


# -- pooling -----------------------------------------------------------------------------------

def pool_geometry(draw, n: int, valid: bool, dilated: bool, unpadded_fit: bool = False):
    kernel = ints(draw, n, 1, 4)
    dilation = ints(draw, n, 1, 3) if dilated else [1] * n
    if relaxed(draw, valid):
        pads = ints(draw, n, 0, 3)
    else:
        pads = [draw(st.integers(0, k // 2)) for k in kernel]
    if relaxed(draw, valid):
        sizes = ints(draw, n, 1, 7)
    else:
        least = [k if unpadded_fit else max(1, d * (k - 1) + 1 - 2 * p)
                 for k, d, p in zip(kernel, dilation, pads)]
        sizes = [draw(st.integers(lo, lo + 6)) for lo in least]
    stride = None if draw(st.booleans()) else spread(draw, ints(draw, n, 1, 3))
    return kernel, stride, pads, dilation, sizes


@st.composite
def max_pool(draw, n: int, valid: bool) -> Case:
    kernel, stride, pads, dilation, sizes = pool_geometry(draw, n, valid, dilated=True)
    args = {"kernel_size": spread(draw, kernel), "padding": spread(draw, pads),
            "dilation": spread(draw, dilation), "ceil_mode": draw(st.booleans())}
    if stride is not None or draw(st.booleans()):
        args["stride"] = stride
    # return_indices=True makes two outputs, which no network entry can pass on: cnncalc
    # refuses it, and the parity test counts a twin that returns no single tensor as refused
    return Case(args, ((draw(batches), draw(st.integers(1, 3)), *sizes),),
                optional={"return_indices": False if valid else draw(st.booleans())})


@st.composite
def avg_pool(draw, n: int, valid: bool) -> Case:
    # avg_pool3d wants the input at least as large as the kernel, padding not counted
    kernel, stride, pads, _, sizes = pool_geometry(draw, n, valid, dilated=False,
                                                   unpadded_fit=n == 3)
    args = {"kernel_size": spread(draw, kernel), "padding": spread(draw, pads),
            "ceil_mode": draw(st.booleans()), "count_include_pad": draw(st.booleans())}
    if stride is not None or draw(st.booleans()):
        args["stride"] = stride
    if n > 1 and draw(st.booleans()):
        args["divisor_override"] = draw(st.integers(1 if valid else 0, 3))
    return Case(args, ((draw(batches), draw(st.integers(1, 3)), *sizes),))


@st.composite
def adaptive_pool(draw, n: int, with_indices: bool, valid: bool) -> Case:
    # torch keeps an input size for a None entry in 2-D and 3-D only
    entry = st.integers(1, 5) if n == 1 else st.one_of(st.integers(1, 5), st.none())
    entries = [draw(entry) for _ in range(n)]
    output_size: Any = draw(st.integers(1, 5)) if draw(st.booleans()) else entries
    indices = {"return_indices": False if valid else draw(st.booleans())}
    return Case({"output_size": output_size}, (dims_of(draw, n + 2, 1, 7),),
                optional=indices if with_indices else {})


# -- normalisation -----------------------------------------------------------------------------

def norm_flags(draw) -> dict[str, Any]:
    return {"eps": draw(st.sampled_from([1e-5, 1e-3, 0.1])),
            "momentum": draw(st.sampled_from([0.1, 0.01, None])),
            "affine": draw(st.booleans()), "track_running_stats": draw(st.booleans())}


@st.composite
def batch_norm(draw, n: int, valid: bool) -> Case:
    rank = draw(st.sampled_from([2, 3])) if n == 1 else n + 2
    shape = dims_of(draw, rank)
    args = norm_flags(draw)
    if valid and not args["track_running_stats"] and shape[0] * _prod(shape[2:]) == 1:
        # batch statistics of one value: torch refuses them, even in eval mode
        shape = (2, *shape[1:])
    # without weights or running statistics torch never reads num_features: a wrong one is
    # refused by cnncalc alone (DESIGN.md: an explicit value that disagrees is an error)
    stateless = not args["affine"] and not args["track_running_stats"]
    maybe_explicit(draw, args, "num_features", shape[1], valid or stateless)
    return Case(args, (shape,), {"num_features": shape[1]},
                optional={"bias": draw(st.booleans())})


@st.composite
def instance_norm(draw, n: int, valid: bool) -> Case:
    shape = dims_of(draw, n + 2)
    args = norm_flags(draw)
    if valid and not args["track_running_stats"] and _prod(shape[2:]) == 1:
        shape = (*shape[:-1], 2)  # instance statistics need more than one element
    # torch only warns when an unused num_features disagrees: give the right one or none
    maybe_explicit(draw, args, "num_features", shape[1], valid=True)
    return Case(args, (shape,), {"num_features": shape[1]},
                optional={"bias": draw(st.booleans())})


@st.composite
def group_norm(draw, valid: bool) -> Case:
    groups = draw(st.integers(1, 3))
    channels = groups * draw(st.integers(1, 3)) if valid else draw(st.integers(1, 6))
    shape = (draw(batches), channels, *ints(draw, draw(st.integers(0, 3)), 1, 4))
    if valid and shape[0] * (channels // groups) * _prod(shape[2:]) == 1:
        shape = (2, *shape[1:])  # a group of one value: torch refuses to normalise it
    args = {"num_groups": groups, "eps": draw(st.sampled_from([1e-5, 0.01])),
            "affine": draw(st.booleans())}
    # without weights torch reads num_channels only to check it against num_groups
    maybe_explicit(draw, args, "num_channels", channels, valid or not args["affine"])
    return Case(args, (shape,), {"num_channels": channels},
                optional={"bias": draw(st.booleans())})


@st.composite
def layer_norm(draw, valid: bool) -> Case:
    shape = dims_of(draw, draw(st.integers(2, 5)))
    if valid:
        trailing = list(shape[-draw(st.integers(1, len(shape) - 1)):])
    else:
        trailing = ints(draw, draw(st.integers(1, 2)), 1, 6)
    normalized: Any = trailing[0] if len(trailing) == 1 and draw(st.booleans()) else trailing
    return Case({"normalized_shape": normalized, "eps": draw(st.sampled_from([1e-5, 0.01])),
                 "elementwise_affine": draw(st.booleans()), "bias": draw(st.booleans())},
                (shape,))


@st.composite
def layer_norm_2d(draw, valid: bool) -> Case:
    """torchvision's LayerNorm2d on [C, H, W]: normalized_shape inferred, the channels, or the
    last dims of the channels-last view [N, H, W, C]; invalid: other sizes and ranks."""
    rank = 4 if valid or draw(st.integers(0, 3)) else draw(st.sampled_from([2, 3, 5]))
    shape = dims_of(draw, rank)
    last = (shape[0], *shape[2:], shape[1])
    args: dict[str, Any] = {"eps": draw(st.sampled_from([1e-5, 1e-6])),
                            "elementwise_affine": draw(st.booleans()), "bias": draw(st.booleans())}
    choice = draw(st.sampled_from(["omit", "channels", "trailing"] + ([] if valid else ["any"])))
    if choice == "channels":
        args["normalized_shape"] = shape[1] if draw(st.booleans()) else [shape[1]]
    elif choice == "trailing":
        args["normalized_shape"] = list(last[-draw(st.integers(1, len(last))):])
    elif choice == "any":
        args["normalized_shape"] = ints(draw, draw(st.integers(1, 2)), 1, 6)
    return Case(args, (shape,), {"normalized_shape": shape[1]})


@st.composite
def frozen_batch_norm(draw, valid: bool) -> Case:
    """torchvision's FrozenBatchNorm2d on [C, H, W]. Its forward broadcasts ``[1, C, 1, 1]``
    buffers, so torch accepts some wrong ranks and channel counts that cnncalc refuses (a
    single channel broadcast over many): only the cases both accept are drawn."""
    shape = dims_of(draw, 4)
    args: dict[str, Any] = {"eps": draw(st.sampled_from([1e-5, 0.0]))} if draw(
        st.booleans()) else {}
    maybe_explicit(draw, args, "num_features", shape[1], valid=True)
    return Case(args, (shape,), {"num_features": shape[1]})


@st.composite
def local_response_norm(draw, valid: bool) -> Case:
    return Case({"size": draw(st.integers(1, 5)), "alpha": draw(st.sampled_from([1e-4, 0.5])),
                 "beta": draw(st.sampled_from([0.75, 1.0])), "k": draw(st.sampled_from([1.0, 2]))},
                (dims_of(draw, draw(st.integers(3, 5))),))


# -- linear, reshape, dropout ------------------------------------------------------------------

@st.composite
def linear(draw, valid: bool) -> Case:
    shape = dims_of(draw, draw(st.integers(2, 4)), hi=8)
    args = {"out_features": draw(st.integers(1, 8)), "bias": draw(st.booleans())}
    maybe_explicit(draw, args, "in_features", shape[-1], valid)
    return Case(args, (shape,), {"in_features": shape[-1]})


@st.composite
def flatten(draw, valid: bool) -> Case:
    rank = draw(st.integers(2, 5))
    if valid:
        start = draw(st.integers(1, rank - 1))
        end = draw(st.integers(start, rank - 1))
        start, end = (d - rank if draw(st.booleans()) else d for d in (start, end))
    else:
        dims = st.integers(-rank - 1, rank)
        start, end = draw(dims), draw(dims)
    return Case({"start_dim": start, "end_dim": end}, (dims_of(draw, rank, hi=4),))


@st.composite
def unflatten(draw, valid: bool) -> Case:
    rank = draw(st.integers(2, 4))
    dim = feature_dim(draw, rank)
    factors = ints(draw, draw(st.integers(1, 3)), 1, 3)
    shape = list(dims_of(draw, rank, hi=4))
    if valid:
        shape[dim] = _prod(factors)
        if draw(st.booleans()):
            factors[draw(st.integers(0, len(factors) - 1))] = -1
    else:
        factors = [draw(st.sampled_from([-1, 1, 2, 3, 4])) for _ in factors]
    return Case({"dim": dim, "unflattened_size": factors}, (tuple(shape),))


@st.composite
def dropout(draw, ranks: tuple[int, ...], valid: bool) -> Case:
    p = draw(probabilities) if valid else draw(st.sampled_from([0.0, 0.5, 1.0, -0.1, 1.1, 2]))
    return Case({"p": p, "inplace": draw(st.booleans())},
                (dims_of(draw, draw(st.sampled_from(ranks))),))


@st.composite
def stochastic_depth(draw, valid: bool) -> Case:
    p = draw(probabilities) if valid else draw(st.sampled_from([0.0, 0.5, 1.0, -0.1, 1.1, 2]))
    modes = ["batch", "row"] if valid else ["batch", "row", "Row", "col"]
    return Case({"p": p, "mode": draw(st.sampled_from(modes))},
                (dims_of(draw, draw(st.integers(2, 5))),))


@st.composite
def reduction(draw, valid: bool) -> Case:
    """``dim`` a non-empty set of dims other than the batch (cnncalc refuses to reduce it, so
    the invalid cases never name it either): invalid ones repeat a dim or pass the last."""
    rank = draw(st.integers(2, 5))
    dims = draw(st.lists(st.integers(1, rank - 1), min_size=1, max_size=rank - 1, unique=True))
    if not valid and draw(st.booleans()):
        dims.append(draw(st.sampled_from([dims[0], rank, rank + 1, -rank - 1])))
    dims = [d - rank if 0 < d < rank and draw(st.booleans()) else d for d in dims]
    dim: Any = dims[0] if len(dims) == 1 and draw(st.booleans()) else dims
    return Case({"dim": dim, "keepdim": draw(st.booleans())}, (dims_of(draw, rank),))


@st.composite
def permute(draw, valid: bool) -> Case:
    """A permutation keeping the batch first (cnncalc refuses to move it, so the invalid cases
    keep it too: repeated, out-of-range or too few or many dims, which torch refuses)."""
    rank = draw(st.integers(2, 5))
    rest = draw(st.permutations(list(range(1, rank))))
    if not valid and draw(st.booleans()):
        rest = [draw(st.integers(-rank, rank)) for _ in range(draw(st.integers(rank - 2, rank)))]
    dims = [0, *rest]
    dims = [d - rank if d >= 0 and draw(st.booleans()) else d for d in dims]
    return Case({"dims": dims}, (dims_of(draw, rank),))


@st.composite
def no_args(draw, valid: bool) -> Case:
    return Case({}, (dims_of(draw, draw(st.integers(2, 5))),))


# -- activations -------------------------------------------------------------------------------

def activation(**arguments: st.SearchStrategy) -> Callable[[bool], st.SearchStrategy[Case]]:
    @st.composite
    def make(draw, valid: bool) -> Case:
        args = {name: draw(strategy) for name, strategy in arguments.items() if draw(st.booleans())}
        return Case(args, (dims_of(draw, draw(st.integers(2, 5))),))
    return make


@st.composite
def prelu(draw, valid: bool) -> Case:
    shape = dims_of(draw, draw(st.integers(2, 5)))
    count = draw(st.sampled_from([1, shape[1]])) if valid else draw(st.integers(1, 4))
    return Case({"num_parameters": count, "init": draw(small_floats)}, (shape,))


@st.composite
def hardtanh(draw, valid: bool) -> Case:
    low, high = draw(small_floats), draw(small_floats)
    if valid:
        low, high = min(low, high) - 1, max(low, high)
    return Case({"min_val": low, "max_val": high, "inplace": draw(st.booleans())},
                (dims_of(draw, draw(st.integers(2, 4))),))


@st.composite
def celu(draw, valid: bool) -> Case:
    alpha = draw(small_floats.filter(lambda a: a != 0) if valid else small_floats)
    return Case({"alpha": alpha}, (dims_of(draw, draw(st.integers(2, 4))),))


@st.composite
def softmax(draw, valid: bool) -> Case:
    rank = draw(st.integers(2, 5))
    dims = st.integers(-rank, rank - 1) if valid else st.integers(-rank - 1, rank)
    return Case({"dim": draw(st.one_of(st.none(), dims))}, (dims_of(draw, rank),))


# -- resampling, padding, shuffles -------------------------------------------------------------

MODES = {1: ["nearest", "nearest-exact", "area", "linear"],
         2: ["nearest", "nearest-exact", "area", "bilinear", "bicubic"],
         3: ["nearest", "nearest-exact", "area", "trilinear"]}
INTERPOLATING = {"linear", "bilinear", "bicubic", "trilinear"}
SCALES = [0.5, 1.5, 2, 2.0, 3, 0.75, 1 / 3, 2.5, 1.7, 0.3, 1.1]


@st.composite
def upsample(draw, valid: bool) -> Case:
    n = draw(st.integers(1, 3))
    mode = draw(st.sampled_from(MODES[n] if valid else sorted({m for ms in MODES.values()
                                                             for m in ms})))
    by_size = draw(st.booleans())
    args: dict[str, Any] = {"mode": mode}
    if by_size:
        args["size"] = spread(draw, ints(draw, n, 1, 8))
        sizes = ints(draw, n, 1, 6)
    else:
        scales = [draw(st.sampled_from(SCALES)) for _ in range(n)]
        args["scale_factor"] = scales[0] if len(set(scales)) == 1 and draw(st.booleans()) \
            else scales
        least = [next(m for m in range(1, 20) if floor(m * s) >= 1) for s in scales]
        sizes = [draw(st.integers(lo if valid else 1, lo + 5)) for lo in least]
        if draw(st.booleans()):
            args["recompute_scale_factor"] = draw(st.booleans())
    if mode in INTERPOLATING and draw(st.booleans()):
        args["align_corners"] = draw(st.booleans())
    if not valid:
        if draw(st.integers(0, 4)) == 0:
            args["align_corners"] = draw(st.booleans())
        if draw(st.integers(0, 4)) == 0:
            args.pop("size" if by_size else "scale_factor")
        if draw(st.integers(0, 4)) == 0:
            args["size" if not by_size else "scale_factor"] = 2
        if by_size and draw(st.integers(0, 4)) == 0:
            args["recompute_scale_factor"] = True
    return Case(args, ((draw(batches), draw(st.integers(1, 3)), *sizes),))


@st.composite
def pixel_shuffle(draw, valid: bool) -> Case:
    factor = draw(st.integers(1, 3))
    channels = draw(st.integers(1, 2)) * factor ** 2 if valid else draw(st.integers(1, 9))
    return Case({"upscale_factor": factor},
                ((draw(batches), channels, *ints(draw, 2, 1, 4)),))


@st.composite
def pixel_unshuffle(draw, valid: bool) -> Case:
    factor = draw(st.integers(1, 3))
    sizes = [factor * draw(st.integers(1, 3)) for _ in range(2)] if valid else ints(draw, 2, 1, 7)
    return Case({"downscale_factor": factor}, ((draw(batches), draw(st.integers(1, 3)), *sizes),))


@st.composite
def pad(draw, n: int, kind: str, valid: bool) -> Case:
    pads = ints(draw, 2 * n, 0 if valid else -3, 3)
    padding: Any = pads[0] if len(set(pads)) == 1 and draw(st.booleans()) else pads
    # torch's pads run from the last dimension backwards: (left, right, top, bottom, ...)
    pairs = [(pads[2 * i], pads[2 * i + 1]) for i in reversed(range(n))]
    if kind == "Reflection" and valid:
        sizes = [draw(st.integers(max(pair) + 1, max(pair) + 4)) for pair in pairs]
    else:
        sizes = ints(draw, n, 1, 5)
    args: dict[str, Any] = {"padding": padding}
    if kind == "Constant":
        args["value"] = draw(small_floats)
    return Case(args, ((draw(batches), draw(st.integers(1, 3)), *sizes),))


@st.composite
def channel_shuffle(draw, valid: bool) -> Case:
    groups = draw(st.integers(1, 3))
    channels = groups * draw(st.integers(1, 3)) if valid else draw(st.integers(1, 6))
    shape = (draw(batches), channels, *ints(draw, draw(st.integers(1, 3)), 1, 4))
    return Case({"groups": groups}, (shape,))


# -- selections --------------------------------------------------------------------------------

@st.composite
def chunk(draw, valid: bool) -> Case:
    rank = draw(st.integers(2, 5))
    shape = dims_of(draw, rank, hi=7)
    dim = feature_dim(draw, rank)
    chunks = draw(st.integers(1, 4))
    size = shape[dim]
    parts = len(range(0, size, -(-size // chunks)))
    index = draw(st.integers(-parts, parts - 1) if valid else st.integers(-5, 5))
    return Case({"chunks": chunks, "dim": dim, "index": index}, (shape,))


@st.composite
def narrow(draw, valid: bool) -> Case:
    rank = draw(st.integers(2, 5))
    shape = dims_of(draw, rank, hi=7)
    dim = feature_dim(draw, rank)
    size = shape[dim]
    if valid:
        start = draw(st.integers(-size, size - 1))
        length = draw(st.integers(1, size - start % size))
    else:
        start, length = draw(st.integers(-size - 2, size + 2)), draw(st.integers(1, size + 2))
    return Case({"dim": dim, "start": start, "length": length}, (shape,))


# -- merges ------------------------------------------------------------------------------------

@st.composite
def add(draw, valid: bool) -> Case:
    shape = dims_of(draw, draw(st.integers(2, 5)))
    shapes = [shape] * draw(st.integers(2, 3))
    if valid and draw(st.booleans()):   # broadcast as torch does (a position embedding)
        which = draw(st.integers(0, len(shapes) - 1))
        drop = draw(st.integers(0, len(shape) - 1))
        shapes[which] = tuple(1 if draw(st.booleans()) else d for d in shape[drop:])
    if not valid and draw(st.booleans()):
        # the mismatches drawn here are ones that broadcasting cannot mend
        which, dim = draw(st.integers(0, len(shapes) - 1)), draw(st.integers(0, len(shape) - 1))
        if shape[dim] != 1:
            changed = list(shape)
            changed[dim] = draw(st.integers(2, 6).filter(lambda n: n != shape[dim]))
            shapes[which] = tuple(changed)
    return Case({}, tuple(shapes))


@st.composite
def mul(draw, valid: bool) -> Case:
    shape = dims_of(draw, draw(st.integers(2, 5)))
    shapes = []
    for _ in range(draw(st.integers(2, 3))):
        if valid:
            drop = draw(st.integers(0, len(shape) - 2))
            shapes.append(tuple(1 if draw(st.booleans()) else d for d in shape[drop:]))
        else:
            shapes.append(tuple(draw(st.sampled_from([1, d, d + 1])) for d in shape))
    return Case({}, tuple(shapes))


@st.composite
def concat(draw, valid: bool) -> Case:
    rank = draw(st.integers(2, 5))
    dim = draw(st.integers(-rank, rank - 1) if valid else st.integers(-rank - 1, rank))
    shape = dims_of(draw, rank)
    shapes = []
    for _ in range(draw(st.integers(2, 3))):
        changed = list(shape)
        if -rank <= dim < rank:
            changed[dim] = draw(st.integers(1, 5))
        if not valid and draw(st.integers(0, 3)) == 0:
            changed[draw(st.integers(0, rank - 1))] = draw(st.integers(1, 5))
        shapes.append(tuple(changed))
    return Case({"dim": dim}, tuple(shapes))


@st.composite
def parameter(draw, valid: bool) -> Case:
    """A learnable tensor, no input: its own shape (0 to 4 dims), or ``expand: batch`` of a
    shape whose dim 0 is 1 (invalid cases expand a dim 0 other than 1)."""
    shape = [draw(st.integers(1, 6)) for _ in range(draw(st.integers(0, 4)))]
    args: dict[str, Any] = {"shape": shape}
    if draw(st.booleans()) and shape:
        args["expand"] = "batch"
        if valid or draw(st.booleans()):
            shape[0] = 1
    return Case(args, ())


@st.composite
def matmul(draw, valid: bool) -> Case:
    """``a @ b``: a's batch first; b 2-D (a weight-like operand) or with leading dims that
    broadcast against a's (some of them 1); invalid cases break k or the broadcasting."""
    batch = dims_of(draw, draw(st.integers(1, 3)))          # the leading dims, batch first
    n, k, m = ints(draw, 3, 1, 6)
    a = (*batch, n, k)
    if draw(st.booleans()):
        b: tuple = (k, m)
    else:
        own = batch[draw(st.integers(0, len(batch))):]       # b may have fewer leading dims
        b = (*(1 if draw(st.booleans()) else d for d in own), k, m)
    if draw(st.booleans()):
        a = (*(d if i == 0 or not draw(st.booleans()) else 1 for i, d in enumerate(a[:-2])),
             n, k)
    if not valid and draw(st.booleans()):
        if draw(st.booleans()):
            b = (*b[:-2], k + draw(st.integers(1, 3)), m)
        elif len(b) > 2 and len(a) > 2 and b[-3] != 1 and a[-3] != 1:
            b = (*b[:-3], b[-3] + 1, k, m)
    return Case({}, (a, b))


@st.composite
def multihead_attention(draw, valid: bool) -> Case:
    """Self-attention (one input), query and memory (two) or query, key and value (three), in
    torch's ``[L, N, E]`` or ``batch_first``; ``kdim``/``vdim`` where the inputs allow them.
    Invalid cases break the heads' divisibility, a feature dim, the batch or the length."""
    heads, head_dim = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    e, batch = heads * head_dim, draw(batches)
    length, source = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    first = draw(st.booleans())
    count = draw(st.integers(1, 3))
    kdim = e if count == 1 else draw(st.sampled_from([e, draw(st.integers(1, 6))]))
    vdim = kdim if count < 3 else draw(st.sampled_from([e, draw(st.integers(1, 6))]))
    if not valid and draw(st.booleans()):
        choice = draw(st.integers(0, 3))
        heads += choice == 0
        kdim += choice == 1
        batch_k = batch + (choice == 2)
        source_v = source + (choice == 3)
    else:
        batch_k, source_v = batch, source

    def shape(n: int, steps: int, features: int) -> tuple[int, int, int]:
        return (n, steps, features) if first else (steps, n, features)

    shapes = [shape(batch, length, e), shape(batch_k, source, kdim),
              shape(batch_k, source_v, vdim)][:count]
    if count == 1 and kdim != e:
        shapes.append(shape(batch_k, source, kdim))
    args: dict[str, Any] = {"num_heads": heads, "batch_first": first,
                            "dropout": draw(st.sampled_from([0.0, 0.1, 0.5])),
                            "bias": draw(st.booleans()), "add_bias_kv": draw(st.booleans()),
                            "add_zero_attn": draw(st.booleans())}
    for name, dim in (("kdim", kdim), ("vdim", vdim)):
        if dim != e or draw(st.booleans()):
            args[name] = dim
    inferred: dict[str, Any] = {}
    maybe_explicit(draw, args, "embed_dim", e, valid)
    if "embed_dim" not in args:
        inferred["embed_dim"] = e
    return Case(args, tuple(shapes), inferred=inferred)


@st.composite
def deform_conv(draw, valid: bool) -> Case:
    """torchvision's DeformConv2d: the input, offsets ``[N, 2·G·Kh·Kw, Ho, Wo]`` and maybe a
    mask ``[N, G·Kh·Kw, Ho, Wo]``; invalid cases break the offsets' or the mask's shape."""
    cin, cout, groups = channels_and_groups(draw, True)
    offset_groups = draw(st.sampled_from([g for g in range(1, cin + 1) if cin % g == 0]))
    kernel, stride, dilation = ints(draw, 2, 1, 3), ints(draw, 2, 1, 2), ints(draw, 2, 1, 2)
    padding = ints(draw, 2, 0, 2)
    sizes = [draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), 7))
             for k, d, p in zip(kernel, dilation, padding)]
    out = [(n + 2 * p - d * (k - 1) - 1) // s + 1
           for n, k, s, p, d in zip(sizes, kernel, stride, padding, dilation)]
    batch = draw(batches)
    kk = kernel[0] * kernel[1]
    offset = [batch, 2 * offset_groups * kk, *out]
    shapes = [(batch, cin, *sizes), offset]
    if draw(st.booleans()):
        shapes.append([batch, offset_groups * kk, *out])
    if not valid and draw(st.booleans()):
        which = draw(st.integers(1, len(shapes) - 1))
        bad = list(shapes[which])
        bad[draw(st.integers(1, 3))] += draw(st.integers(1, 2))
        shapes[which] = bad
    args = {"out_channels": cout, "kernel_size": spread(draw, kernel),
            "stride": spread(draw, stride), "padding": spread(draw, padding),
            "dilation": spread(draw, dilation), "groups": groups,
            "bias": draw(st.booleans())}
    return Case(args, tuple(tuple(s) for s in shapes), inferred={"in_channels": cin})


def _prod(values) -> int:
    result = 1
    for v in values:
        result *= v
    return result


# -- the table ---------------------------------------------------------------------------------

def _bind(strategy, *bound) -> Callable[[bool], st.SearchStrategy[Case]]:
    return lambda valid: strategy(*bound, valid)


STRATEGIES: dict[str, Callable[[bool], st.SearchStrategy[Case]]] = {}
for _n in (1, 2, 3):
    STRATEGIES.update({
        f"Conv{_n}d": _bind(conv, _n),
        f"ConvTranspose{_n}d": _bind(conv_transpose, _n),
        f"MaxPool{_n}d": _bind(max_pool, _n),
        f"AvgPool{_n}d": _bind(avg_pool, _n),
        f"AdaptiveAvgPool{_n}d": _bind(adaptive_pool, _n, False),
        f"AdaptiveMaxPool{_n}d": _bind(adaptive_pool, _n, True),
        f"BatchNorm{_n}d": _bind(batch_norm, _n),
        f"InstanceNorm{_n}d": _bind(instance_norm, _n),
        f"Dropout{_n}d": _bind(dropout, (_n + 2,)),
        f"ZeroPad{_n}d": _bind(pad, _n, "Zero"),
        f"ConstantPad{_n}d": _bind(pad, _n, "Constant"),
        f"ReflectionPad{_n}d": _bind(pad, _n, "Reflection"),
        f"ReplicationPad{_n}d": _bind(pad, _n, "Replication"),
    })

_inplace = st.booleans()
STRATEGIES.update({
    "GroupNorm": group_norm,
    "LayerNorm": layer_norm,
    "LayerNorm2d": layer_norm_2d,
    "FrozenBatchNorm2d": frozen_batch_norm,
    "LocalResponseNorm": local_response_norm,
    "Linear": linear,
    "Flatten": flatten,
    "Unflatten": unflatten,
    "Permute": permute,
    "Mean": reduction,
    "Amax": reduction,
    "Sum": reduction,
    "Identity": no_args,
    "Dropout": _bind(dropout, (2, 3, 4, 5)),
    "AlphaDropout": _bind(dropout, (2, 3, 4, 5)),
    "StochasticDepth": stochastic_depth,
    "ReLU": activation(inplace=_inplace),
    "ReLU6": activation(inplace=_inplace),
    "LeakyReLU": activation(negative_slope=small_floats, inplace=_inplace),
    "PReLU": prelu,
    "ELU": activation(alpha=small_floats, inplace=_inplace),
    "SELU": activation(inplace=_inplace),
    "CELU": celu,
    "GELU": activation(approximate=st.sampled_from(["none", "tanh"])),
    "SiLU": activation(inplace=_inplace),
    "Mish": activation(inplace=_inplace),
    "Sigmoid": no_args,
    "Tanh": no_args,
    "Hardswish": activation(inplace=_inplace),
    "Hardsigmoid": activation(inplace=_inplace),
    "Hardtanh": hardtanh,
    "Softplus": activation(beta=st.sampled_from([1.0, 0.5, 2, 10.0]),
                           threshold=st.sampled_from([20.0, 1.0, 5])),
    "Softmax": softmax,
    "LogSoftmax": softmax,
    "Upsample": upsample,
    "PixelShuffle": pixel_shuffle,
    "PixelUnshuffle": pixel_unshuffle,
    "ChannelShuffle": channel_shuffle,
    "Chunk": chunk,
    "Narrow": narrow,
    "Add": add,
    "Mul": mul,
    "Concat": concat,
    "Matmul": matmul,
    "MultiheadAttention": multihead_attention,
    "Parameter": parameter,
    "DeformConv2d": deform_conv,
})


# -- running a case: cnncalc's formulas and torch's twin ---------------------------------------

def static_row(type_name: str, case: Case):
    """cnncalc's row for the case, through the same steps as the analysis of a network.

    Raises ``LayerArgumentErrors`` (bad arguments) or ``LayerError`` (arguments that do not fit
    the input): cnncalc's two ways of rejecting a layer.
    """
    from cnncalc.analysis import measure
    from cnncalc.graph import Node
    from cnncalc.layers import REGISTRY
    from cnncalc.spec import validate_layer

    cls = REGISTRY[type_name]
    layer = validate_layer(cls, case.file_args(cls.model_fields))
    inputs = tuple(f"input_{i}" for i in range(len(case.shapes)))
    return measure(Node("layer", type_name, layer, inputs), case.shapes)


def call_twin(module, inputs):
    """The twin of one layer called as code calls its module (``module(*inputs)``, or the
    module form cnncalc.torch.calls registers: ``attn(q, k, v, need_weights=False)[0]``)."""
    from cnncalc.torch.calls import MODULE

    form = MODULE.get(type(module).__name__)
    return form(None)(module, *inputs) if form else module(*inputs)


def torch_counts(module, shapes, device: str = "cpu") -> dict[str, Any]:
    """Output shape, parameters, buffers and FlopCounterMode's total for one forward pass
    (attention run as the matrix products FlopCounterMode sees on the CPU too)."""
    import warnings

    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from cnncalc.torch.attention import attention_as_products

    module = module.eval()
    if device == "meta":
        inputs = [torch.empty(s, device="meta") for s in shapes]
    else:
        inputs = [torch.randn(s) for s in shapes]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's deprecation notes are not results
        with attention_as_products(), torch.no_grad(), \
                FlopCounterMode(display=False) as counter:
            out = call_twin(module, inputs)
    if not isinstance(out, torch.Tensor):
        raise TypeError(f"the twin returned a {type(out).__name__}, not a tensor")
    return {"output_shape": tuple(out.shape),
            "params": sum(p.numel() for p in module.parameters()),
            "buffers": sum(b.numel() for b in module.buffers()),
            "flops": counter.get_total_flops()}


def static_counts(row) -> dict[str, Any]:
    """What torch must show; FlopCounterMode counts nothing of some types (DeformConv2d, whose
    MACs are cnncalc's documented rule)."""
    from cnncalc.counting.torch import seen_by_flop_counter

    return {"output_shape": tuple(row.output_shape), "params": row.params,
            "buffers": row.buffers,
            "flops": 2 * row.macs if seen_by_flop_counter(row.layer) else 0}


def differences(cnncalc: dict[str, Any], torch: dict[str, Any]) -> list[str]:
    """``["flops: cnncalc 4, torch 8"]``: what differs, each side named."""
    return [f"{key}: cnncalc {cnncalc[key]}, torch {torch[key]}" for key in cnncalc
            if cnncalc[key] != torch[key]]


def families() -> dict[str, list[str]]:
    """Registered layer types grouped by the module that defines them (conv, pool, ...)."""
    from cnncalc.layers import REGISTRY

    grouped: dict[str, list[str]] = {}
    for name, cls in sorted(REGISTRY.items()):
        grouped.setdefault(cls.__module__.rsplit(".", 1)[-1], []).append(name)
    return grouped


def draw_case(data, types: list[str], valid: bool) -> tuple[str, Case]:
    """A layer type of ``types`` and a case for it; fails the test if it has no strategy."""
    import pytest

    type_name = data.draw(st.sampled_from(types), label="type")
    if type_name not in STRATEGIES:
        pytest.fail(f"no strategy for layer type {type_name} in tests/strategies.py")
    return type_name, data.draw(STRATEGIES[type_name](valid), label="case")


# -- whole networks ----------------------------------------------------------------------------

ACTIVATIONS = ["ReLU", {"ReLU6": {"inplace": True}}, {"LeakyReLU": {"negative_slope": 0.2}},
               "SiLU", "GELU", "Hardswish", "Tanh", {"ELU": {"alpha": 0.5}}, "Mish", "PReLU",
               "Sigmoid", {"Softmax": {"dim": 1}}]
#: Upsample's interpolation modes for 1, 2 and 3 spatial dimensions
UPSAMPLE_MODES = {1: ["nearest", "linear"], 2: ["nearest", "bilinear", "bicubic"],
                  3: ["nearest", "trilinear"]}


class Builder:
    """Draws a network entry by entry, tracking the shape (channels, spatial sizes) so that
    every entry fits; the numbers are left to cnncalc and torch."""

    def __init__(self, draw, ndim: int, channels: int, sizes: list[int]) -> None:
        self.draw, self.n = draw, ndim
        self.channels, self.sizes = channels, sizes
        self.layers: list = []
        self.blocks: dict = {}
        self.count = 0

    def fresh(self, stem: str) -> str:
        self.count += 1
        return f"{stem}{self.count}"

    def ints(self, lo: int, hi: int) -> int:
        return self.draw(st.integers(lo, hi))

    def conv_args(self, out: int) -> dict:
        """A convolution that keeps the size (stride 1) or halves it (stride 2)."""
        groups = self.draw(st.sampled_from([g for g in (1, 2, 3)
                                            if self.channels % g == 0 and out % g == 0]))
        kernel, dilation = self.draw(st.sampled_from([1, 3, 5])), self.ints(1, 2)
        args = {"out_channels": out, "kernel_size": kernel, "groups": groups,
                "bias": self.draw(st.booleans())}
        if dilation > 1:
            args["dilation"] = dilation
        if self.draw(st.booleans()) or min(self.sizes) < 2:
            args["padding"] = "same"
        else:
            args["padding"] = dilation * (kernel - 1) // 2
            args["stride"] = 2
            self.sizes = [(s - 1) // 2 + 1 for s in self.sizes]
        return args

    def conv(self) -> None:
        out = self.ints(1, 8)
        self.layers.append({f"Conv{self.n}d": self.conv_args(out)})
        self.channels = out

    def norm(self) -> None:
        kind = self.draw(st.sampled_from(["batch", "group", "instance", "layer"]))
        if kind == "batch":
            self.layers.append(f"BatchNorm{self.n}d")
        elif kind == "group":
            # a group must hold more than one value even at batch 1, or torch refuses it
            fits = [g for g in (1, 2, 4)
                    if self.channels % g == 0 and self.channels // g * prod(self.sizes) > 1]
            if not fits:
                return self.layers.append(f"BatchNorm{self.n}d")
            self.layers.append({"GroupNorm": {"num_groups": self.draw(st.sampled_from(fits))}})
        elif kind == "instance" and prod(self.sizes) > 1:
            self.layers.append({f"InstanceNorm{self.n}d": {"affine": True}})
        elif kind == "layer" and self.n == 2 and self.draw(st.booleans()):
            self.layers.append({"LayerNorm2d": {"eps": 1e-6}})   # torchvision's, ConvNeXt's
        else:
            self.layers.append({"LayerNorm": {"normalized_shape": self.sizes[-1:]}})

    def activation(self) -> None:
        self.layers.append(self.draw(st.sampled_from(ACTIVATIONS)))

    def pool(self) -> None:
        if min(self.sizes) < 2:
            return self.activation()
        ceil = self.draw(st.booleans())
        kind = self.draw(st.sampled_from(["Max", "Avg"]))
        self.layers.append({f"{kind}Pool{self.n}d": {"kernel_size": 2, "ceil_mode": ceil}})
        self.sizes = [-(-s // 2) if ceil else s // 2 for s in self.sizes]

    def upsample(self) -> None:
        if max(self.sizes) > 6:
            return self.pool()
        if self.draw(st.booleans()):
            out = self.ints(1, 6)
            self.layers.append({f"ConvTranspose{self.n}d": {
                "out_channels": out, "kernel_size": 2, "stride": 2}})
            self.channels = out
        else:
            args: dict[str, Any] = {"mode": self.draw(st.sampled_from(UPSAMPLE_MODES[self.n]))}
            if self.draw(st.booleans()):
                args["scale_factor"] = 2
            else:
                args["size"] = [2 * s for s in self.sizes]
            self.layers.append({"Upsample": args})
        self.sizes = [2 * s for s in self.sizes]

    def residual(self) -> None:
        """A block with arguments, used with repeat (and sometimes frozen)."""
        block = self.fresh("res")
        width = self.ints(1, 6)
        self.blocks[block] = {"args": {"width": None, "out": None, "k": 3}, "layers": [
            {f"Conv{self.n}d": {"out_channels": "$width", "kernel_size": "$k",
                                "padding": "same", "bias": False}},
            f"BatchNorm{self.n}d",
            "ReLU",
            {f"Conv{self.n}d": {"out_channels": "$out", "kernel_size": 1, "name": "last"}},
            {"Add": {"from": ["last", "input"]}},
        ]}
        args = {"width": width, "out": self.channels, "k": self.draw(st.sampled_from([1, 3])),
                "repeat": self.ints(1, 3)}
        if self.draw(st.booleans()):
            args["trainable"] = False
        if self.draw(st.booleans()):
            args["name"] = self.fresh("stage")
        self.layers.append({block: args})

    def branches(self) -> None:
        """Two branches from one fork, concatenated along the channels."""
        fork, left, right = self.fresh("fork"), self.fresh("left"), self.fresh("right")
        a, b = self.ints(1, 4), self.ints(1, 4)
        channel_dim = self.draw(st.sampled_from([1, -self.n - 1]))
        self.layers += [
            {"Identity": {"name": fork}},
            {f"Conv{self.n}d": {"name": left, "out_channels": a, "kernel_size": 1}},
            {f"Conv{self.n}d": {"name": right, "from": fork, "out_channels": b,
                                "kernel_size": 3, "padding": 1}},
            {"Concat": {"from": [left, right], "dim": channel_dim}},
        ]
        self.channels = a + b

    def excitation(self) -> None:
        """Squeeze-and-excitation: a [N, C, 1, ...] gate broadcast over the input by Mul."""
        x, gate = self.fresh("x"), self.fresh("gate")
        squeeze = self.ints(1, 4)
        self.layers += [
            {"Identity": {"name": x}},
            {f"AdaptiveAvgPool{self.n}d": {"output_size": 1}},
            {f"Conv{self.n}d": {"out_channels": squeeze, "kernel_size": 1}},
            "ReLU",
            {f"Conv{self.n}d": {"out_channels": self.channels, "kernel_size": 1}},
            {"Sigmoid": {"name": gate}},
            {"Mul": {"from": self.draw(st.permutations([x, gate]))}},
        ]

    def repeated(self) -> None:
        self.layers.append({f"Conv{self.n}d": {"out_channels": self.channels, "kernel_size": 3,
                                               "padding": 1, "repeat": self.ints(2, 3)}})

    def split(self) -> None:
        """ShuffleNet's pattern: a channel split, one half transformed, shuffled back."""
        if self.channels % 2:
            return self.conv()
        half = self.channels // 2
        fork, keep, other = self.fresh("fork"), self.fresh("keep"), self.fresh("other")
        work = self.fresh("work")
        self.layers += [
            {"Identity": {"name": fork}},
            {"Chunk": {"chunks": 2, "index": 0, "name": keep}},
            {"Narrow": {"start": half, "length": half, "from": fork, "name": other}},
            {f"Conv{self.n}d": {"out_channels": half, "kernel_size": 1, "name": work}},
            {"Concat": {"from": [keep, work]}},
            {"ChannelShuffle": {"groups": 2}},
        ]

    def adaptive(self) -> None:
        """Adaptive average or max pooling to a small size (a global pooling at 1)."""
        kind = self.draw(st.sampled_from(["Avg", "Max"]))
        out = [self.ints(1, 3) for _ in self.sizes]
        self.layers.append({f"Adaptive{kind}Pool{self.n}d": {"output_size": out}})
        self.sizes = out

    def linear_last(self) -> None:
        """A Linear layer on the last dimension of a [N, C, *spatial] tensor."""
        out = self.ints(1, 5)
        self.layers.append({"Linear": {"out_features": out, "bias": self.draw(st.booleans())}})
        self.sizes = [*self.sizes[:-1], out]

    def channels_last(self) -> None:
        """ConvNeXt's pointwise part: Permute to channels-last, LayerNorm and Linear layers
        over the channels, Permute back."""
        n, out = self.n, self.ints(1, 6)
        self.layers += [
            {"Permute": {"dims": [0, *range(2, n + 2), 1]}},
            {"LayerNorm": {"normalized_shape": self.channels, "eps": 1e-6}},
            {"Linear": {"out_features": 2 * out}},
            "GELU",
            {"Linear": {"out_features": out}},
            {"Permute": {"dims": [0, n + 1, *range(1, n + 1)]}},
        ]
        self.channels = out

    def dropout(self) -> None:
        self.layers.append({self.draw(st.sampled_from(["Dropout", f"Dropout{self.n}d"])):
                            {"p": self.draw(st.sampled_from([0.1, 0.5]))}})

    def layer_scale(self) -> None:
        """A learnable tensor (``Parameter``) merged with the activations: ConvNeXt's layer
        scale ``[C, 1, ...]``, or a bias of the whole sample's shape, by Mul or Add."""
        x, scale = self.fresh("x"), self.fresh("scale")
        shape = self.draw(st.sampled_from([[self.channels, *([1] * self.n)],
                                           [1, self.channels, *self.sizes], [1]]))
        self.layers += [
            {"Identity": {"name": x}},
            {"Parameter": {"shape": shape, "name": scale}},
            {self.draw(st.sampled_from(["Mul", "Add"])): {
                "from": self.draw(st.permutations([x, scale]))}},
        ]

    def head(self) -> None:
        self.layers += [{f"AdaptiveAvgPool{self.n}d": {"output_size": 1}}, "Flatten",
                        {"Linear": {"out_features": self.ints(1, 5)}}]


PIECES = ["conv", "conv", "norm", "activation", "pool", "upsample", "residual", "branches",
          "excitation", "repeated", "split", "dropout", "adaptive", "linear_last",
          "channels_last", "layer_scale"]


@st.composite
def networks(draw, calls: bool = False) -> dict:
    """A network file's data: a stack of PIECES in 1, 2 or 3 dimensions, sometimes with a
    classifier head; with ``calls``, every layer entry has a random ``call`` that the torch
    twin can honour (see :func:`random_calls`)."""
    ndim = draw(st.integers(1, 3))
    top = {1: 16, 2: 10, 3: 6}[ndim]
    builder = Builder(draw, ndim, draw(st.integers(1, 4)),
                      [draw(st.integers(1, top)) for _ in range(ndim)])
    spec = {"name": "random", "input": [builder.channels, *builder.sizes]}
    for piece in draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=7)):
        getattr(builder, piece)()
    if draw(st.booleans()):
        builder.head()
    if builder.blocks:
        spec["blocks"] = builder.blocks
    spec["layers"] = builder.layers
    if calls:
        random_calls(draw, spec)
    return spec


def random_calls(draw, spec: dict) -> None:
    """Give every layer entry of ``spec`` (not the block instances) a random ``call``:
    ``module`` or ``functional``, or ``method`` where the layer type has a method form."""
    from cnncalc.layers import REGISTRY
    from cnncalc.torch.calls import METHODS

    def with_call(entry):
        kind, args = (entry, {}) if isinstance(entry, str) else next(iter(entry.items()))
        if kind not in REGISTRY:
            return entry
        args = dict(args or {})
        choices = ["module", "functional"]
        sizes = args.get("output_size", 1)
        global_pool = set(sizes if isinstance(sizes, list) else [sizes]) == {1}
        if kind in METHODS and (global_pool or not kind.startswith("AdaptiveAvgPool")):
            choices.append("method")  # x.mean(...) is a global average pooling only
        args["call"] = draw(st.sampled_from(choices))
        return {kind: args}

    spec["layers"] = [with_call(entry) for entry in spec["layers"]]
    for block in spec.get("blocks", {}).values():
        block["layers"] = [with_call(entry) for entry in block["layers"]]
