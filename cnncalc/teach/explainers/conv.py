"""Working for plain and transposed convolutions (1-D, 2-D, 3-D; grouped, dilated, depthwise)."""

from __future__ import annotations

from math import prod

from cnncalc.analysis import Row
from cnncalc.counting.torch import conv_macs, conv_transpose_macs
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


@explains(_ConvNd)
def convolution(row: Row) -> Working:
    layer, (x,) = row.layer, row.input_shapes
    board = Board(conv_title(layer))
    dims = SPATIAL[layer.ndim]
    pairs, out = layer.padding_pairs(), layer.compute_output_shape(x)
    if layer.padding == "same":
        board.show("output_shape", "padding same: total d·(K−1) per dimension, the odd one on "
                   "the right: " + ", ".join(f"{d} {left}+{right}"
                                             for d, (left, right) in zip(dims, pairs)))
    cases = [(size, k, s, d, left, right, value) for size, k, s, d, (left, right), value in zip(
        x[2:], *(layer.per_dim(name) for name in ("kernel_size", "stride", "dilation")),
        pairs, out[2:])]
    for group, case in group_dims(dims, cases):
        label = " = ".join(f"{d}_out" for d in group)
        size, k, s, d, left, right, value = case
        numerator = size + left + right - d * (k - 1) - 1
        agree(numerator // s + 1, value, f"{row.name} {label}")
        symbol = group[0]
        if left == right:
            formula = f"floor(({symbol}_in + 2P − d·(K−1) − 1) / S) + 1"
            pads = num(2 * left)
        else:
            formula = f"floor(({symbol}_in + P_left + P_right − d·(K−1) − 1) / S) + 1"
            pads = f"{left} + {right}"
        working = f"floor(({size} + {pads} − {d * (k - 1)} − 1) / {s}) + 1"
        if s > 1:
            working += f" = floor({num(numerator)} / {s}) + 1"
        board.show("output_shape", f"{label} = {formula} = {working} = {num(value)}")
        flag_floor(board, group, numerator, s, right)
        flag_gaps(board, group, d * (k - 1) + 1, s, value)
    _shape_params_macs(board, row, out, transposed=False)
    return board.done()


@explains(_ConvTransposeNd)
def transposed_convolution(row: Row) -> Working:
    layer, (x,) = row.layer, row.input_shapes
    board = Board(conv_title(layer))
    dims = SPATIAL[layer.ndim]
    out = layer.compute_output_shape(x)
    cases = [tuple(c) for c in zip(x[2:], *(layer.per_dim(name) for name in (
        "kernel_size", "stride", "padding", "output_padding", "dilation")), out[2:])]
    for group, (size, k, s, p, op, d, value) in group_dims(dims, cases):
        label = " = ".join(f"{d}_out" for d in group)
        agree((size - 1) * s - 2 * p + d * (k - 1) + op + 1, value, f"{row.name} {label}")
        board.show("output_shape",
                   f"{label} = ({group[0]}_in − 1)·S − 2P + d·(K−1) + output_padding + 1 = "
                   f"({size} − 1)·{s} − {2 * p} + {d * (k - 1)} + {op} + 1 = {num(value)}")
    board.show("macs", "every input element meets a (Cout/g)·" + "·".join(KERNEL[layer.ndim])
               + " slice of the weight")
    _shape_params_macs(board, row, out, transposed=True)
    return board.done()


def _shape_params_macs(board: Board, row: Row, out: tuple[int, ...], *,
                       transposed: bool) -> None:
    """The output shape, the params' working and the MACs as a product: ``Cout · H_out · W_out
    · (Cin/g) · Kh·Kw`` (each output element sums (Cin/g)·Kh·Kw products), or ``Cin · H_in ·
    W_in · (Cout/g) · Kh·Kw`` when transposed (each input element meets a weight slice)."""
    layer, (x,) = row.layer, row.input_shapes
    board.result("output_shape", out)
    _conv_params(board, row, transposed=transposed)
    side, other = ("in", "out") if transposed else ("out", "in")
    channels = {"in": layer.in_channels, "out": layer.out_channels}
    sizes = x[2:] if transposed else out[2:]
    symbols = [f"C{side}", *(f"{d}_{side}" for d in SPATIAL[layer.ndim]), f"(C{other}/g)",
               "·".join(KERNEL[layer.ndim])]
    factors = [channels[side], *sizes, channels[other] // layer.groups,
               prod(layer.per_dim("kernel_size"))]
    board.product_result("macs", "MACs", symbols, factors, int(conv_macs(row.site) if not transposed
                         else conv_transpose_macs(row.site)), batch=x[0])


def _conv_params(board: Board, row: Row, *, transposed: bool) -> None:
    layer = row.layer
    kernel = layer.per_dim("kernel_size")
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
    agree(value, layer.count_params(row.input_shapes[0]), f"{type(layer).__name__} params")
    suffix = "" if layer.bias else "  (no bias)"
    board.result("params", value, f"params = {formula} = {working} = {num(value)}{suffix}")


