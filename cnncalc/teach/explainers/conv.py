"""Working for plain and transposed convolutions (1-D, 2-D, 3-D; grouped, dilated, depthwise)."""

from __future__ import annotations

from math import prod

from cnncalc import shapes as f
from cnncalc.analysis import Row
from cnncalc.layers.base import ntuple
from cnncalc.layers.conv import _ConvNd, _ConvTransposeNd
from cnncalc.teach.explainers.registry import explains
from cnncalc.teach.working import (KERNEL, SPATIAL, Board, Working, agree, flag_floor,
                                   flag_gaps, group_dims, num, per_dim)


def conv_title(layer) -> str:
    """``Conv2d 3→10, kernel 5, stride 1, padding 2, dilation 1, groups 1``."""
    padding = layer.padding if isinstance(layer.padding, str) else per_dim(layer.padding)
    parts = [f"{type(layer).__name__} {layer.in_channels}→{layer.out_channels}",
             f"kernel {per_dim(layer.kernel_size)}", f"stride {per_dim(layer.stride)}",
             f"padding {padding}"]
    if isinstance(layer, _ConvTransposeNd):
        parts.append(f"output_padding {per_dim(layer.output_padding)}")
    parts += [f"dilation {per_dim(layer.dilation)}", f"groups {layer.groups}"]
    if not layer.bias:
        parts.append("no bias")
    if layer.padding_mode != "zeros":
        parts.append(f"padding_mode {layer.padding_mode}")
    return ", ".join(parts)


def _per(layer, name: str) -> tuple[int, ...]:
    return ntuple(getattr(layer, name), layer.ndim)


@explains(_ConvNd)
def convolution(row: Row) -> Working:
    layer, (x,) = row.layer, row.input_shapes
    board = Board(conv_title(layer))
    dims = SPATIAL[layer.ndim]
    pairs = layer.padding_pairs()
    if layer.padding == "same":
        board.show("output_shape", "padding same: total D·(K−1) per dimension, the odd one on "
                   "the right: " + ", ".join(f"{d} {left}+{right}"
                                             for d, (left, right) in zip(dims, pairs)))
    cases = [(size, k, s, d, left, right) for size, k, s, d, (left, right) in zip(
        x[2:], _per(layer, "kernel_size"), _per(layer, "stride"), _per(layer, "dilation"),
        pairs)]
    out = [None] * layer.ndim
    for group, case in group_dims(dims, cases):
        label = " = ".join(f"{d}_out" for d in group)
        size, k, s, d, left, right = case
        value = f.conv_output_size(size, k, s, left, d, padding_right=right)
        numerator = size + left + right - d * (k - 1) - 1
        agree(numerator // s + 1, value, f"{row.name} {label}")
        symbol = group[0]
        if left == right:
            formula = f"floor(({symbol}_in + 2P − D·(K−1) − 1) / S) + 1"
            pads = num(2 * left)
        else:
            formula = f"floor(({symbol}_in + P_left + P_right − D·(K−1) − 1) / S) + 1"
            pads = f"{left} + {right}"
        working = f"floor(({size} + {pads} − {d * (k - 1)} − 1) / {s}) + 1"
        if s > 1:
            working += f" = floor({num(numerator)} / {s}) + 1"
        board.show("output_shape", f"{label} = {formula} = {working} = {num(value)}")
        flag_floor(board, group, numerator, s, right)
        flag_gaps(board, group, d * (k - 1) + 1, s, value)
        for symbol in group:
            out[dims.index(symbol)] = value
    board.result("output_shape", (x[0], layer.out_channels, *out))
    _conv_params(board, layer, transposed=False)
    kernel = prod(_per(layer, "kernel_size"))
    symbols = ["Cout", *(f"{d}_out" for d in dims), "(Cin/g)", "·".join(KERNEL[layer.ndim])]
    factors = [layer.out_channels, *out, layer.in_channels // layer.groups, kernel]
    board.product_result("macs", "MACs", symbols, factors, f.conv_macs(
        layer.in_channels, layer.out_channels, _per(layer, "kernel_size"), out, layer.groups,
        x[0]), batch=x[0])
    return board.done()


@explains(_ConvTransposeNd)
def transposed_convolution(row: Row) -> Working:
    layer, (x,) = row.layer, row.input_shapes
    board = Board(conv_title(layer))
    dims = SPATIAL[layer.ndim]
    cases = [tuple(c) for c in zip(x[2:], _per(layer, "kernel_size"), _per(layer, "stride"),
                                   _per(layer, "padding"), _per(layer, "output_padding"),
                                   _per(layer, "dilation"))]
    out = [None] * layer.ndim
    for group, (size, k, s, p, op, d) in group_dims(dims, cases):
        label = " = ".join(f"{d}_out" for d in group)
        value = f.conv_transpose_output_size(size, k, s, p, op, d)
        agree((size - 1) * s - 2 * p + d * (k - 1) + op + 1, value, f"{row.name} {label}")
        board.show("output_shape",
                   f"{label} = ({group[0]}_in − 1)·S − 2P + D·(K−1) + output_padding + 1 = "
                   f"({size} − 1)·{s} − {2 * p} + {d * (k - 1)} + {op} + 1 = {num(value)}")
        for symbol in group:
            out[dims.index(symbol)] = value
    board.result("output_shape", (x[0], layer.out_channels, *out))
    _conv_params(board, layer, transposed=True)
    kernel = prod(_per(layer, "kernel_size"))
    symbols = ["Cin", *(f"{d}_in" for d in dims), "(Cout/g)", "·".join(KERNEL[layer.ndim])]
    factors = [layer.in_channels, *x[2:], layer.out_channels // layer.groups, kernel]
    board.show("macs", "every input element meets a (Cout/g)·" + "·".join(KERNEL[layer.ndim])
               + " slice of the weight")
    board.product_result("macs", "MACs", symbols, factors, f.conv_transpose_macs(
        layer.in_channels, layer.out_channels, _per(layer, "kernel_size"), x[2:], layer.groups,
        x[0]), batch=x[0])
    return board.done()


def _conv_params(board: Board, layer, *, transposed: bool) -> None:
    kernel = _per(layer, "kernel_size")
    k_symbols, k_values = "·".join(KERNEL[layer.ndim]), "·".join(str(k) for k in kernel)
    cin, cout, g = layer.in_channels, layer.out_channels, layer.groups
    if g > 1 and g == cin:
        board.show("params", f"depthwise: groups = Cin = {g}, so each filter sees one channel")
    elif g > 1:
        seen = f"Cout/g = {cout}/{g} = {cout // g} output" if transposed else \
            f"Cin/g = {cin}/{g} = {cin // g} input"
        board.show("params", f"groups {g}: each filter sees {seen} channels")
    if transposed:
        formula = f"Cin · (Cout/g) · {k_symbols}"
        working = f"{cin} · {cout // g} · {k_values}"
        value = cin * (cout // g) * prod(kernel)
        if layer.bias:
            formula, working, value = formula + " + Cout", working + f" + {cout}", value + cout
    elif layer.bias:
        formula = f"(Cin/g · {k_symbols} + 1) · Cout"
        working = f"({cin // g} · {k_values} + 1) · {cout}"
        value = (cin // g * prod(kernel) + 1) * cout
    else:
        formula = f"Cin/g · {k_symbols} · Cout"
        working = f"{cin // g} · {k_values} · {cout}"
        value = cin // g * prod(kernel) * cout
    agree(value, f.conv_params(cin, cout, kernel, g, layer.bias), f"{type(layer).__name__} params")
    suffix = "" if layer.bias else "  (no bias)"
    board.result("params", value, f"params = {formula} = {working} = {num(value)}{suffix}")


