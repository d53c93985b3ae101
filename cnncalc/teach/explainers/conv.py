"""Working for plain and transposed convolutions (1-D, 2-D, 3-D; grouped, dilated, depthwise)."""

from __future__ import annotations

from cnncalc import shapes as f
from cnncalc.analysis import Row
from cnncalc.counting.torch import DEFORM_RULE, conv_macs, conv_transpose_macs, deform_conv_macs
from cnncalc.layers.conv import DeformConv2d, _ConvNd, _ConvTransposeNd
from cnncalc.teach.explainers.registry import explains
from cnncalc.i18n import _
from cnncalc.terms import T
from cnncalc.teach.working import (KERNEL, SPATIAL, Board, Working, equation, flag_floor,
                                   flag_gaps, group_dims, per_dim)


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
        parts.append(_("no bias"))
    if getattr(layer, "padding_mode", "zeros") != "zeros":
        parts.append(f"padding_mode {layer.padding_mode}")
    return ", ".join(parts)


def symbols(group: list[str], **values: int) -> dict[str, T]:
    """The textbook's symbols for one group of spatial dimensions: ``H_in``, ``K``, ``S``, …"""
    names = {"size": f"{group[0]}_in", "kernel_size": "K", "stride": "S", "padding": "P",
             "dilation": "d", "output_padding": "output_padding", "left": "P_left",
             "right": "P_right"}
    return {key: T(value, names[key]) for key, value in values.items()}


@explains(_ConvNd)
def convolution(row: Row) -> Working:
    layer, (x,) = row.layer, row.input_shapes
    board = Board(conv_title(layer))
    dims = SPATIAL[layer.ndim]
    pairs, out = layer.padding_pairs(), layer.compute_output_shape(x)
    if layer.padding == "same":
        board.show("output_shape", _("padding same: total d·(K−1) per dimension, the odd one "
                                     "on the right: ") + ", ".join(
            f"{d} {left}+{right}" for d, (left, right) in zip(dims, pairs)))
    cases = [(size, k, s, d, left, right) for size, k, s, d, (left, right) in zip(
        x[2:], *(layer.per_dim(name) for name in ("kernel_size", "stride", "dilation")),
        pairs)]
    for group, (size, k, s, d, left, right) in group_dims(dims, cases):
        label = " = ".join(f"{d}_out" for d in group)
        if left == right:
            t = symbols(group, size=size, kernel_size=k, stride=s, padding=left, dilation=d)
            value = f.conv_output_size(t["size"], t["kernel_size"], t["stride"], t["padding"],
                                       t["dilation"])
        else:
            t = symbols(group, size=size, kernel_size=k, stride=s, left=left, right=right,
                        dilation=d)
            value = f.conv_output_size(t["size"], t["kernel_size"], t["stride"], t["left"],
                                       t["dilation"], padding_right=t["right"])
        board.show("output_shape", equation(label, value))
        division = value.left                    # floor(numerator / S), then + 1
        flag_floor(board, group, int(division.left), s, right)
        flag_gaps(board, group, d * (k - 1) + 1, s, int(value))
    _shape_params_macs(board, row, out, transposed=False)
    return board.done()


@explains(_ConvTransposeNd)
def transposed_convolution(row: Row) -> Working:
    layer, (x,) = row.layer, row.input_shapes
    board = Board(conv_title(layer))
    dims = SPATIAL[layer.ndim]
    out = layer.compute_output_shape(x)
    names = ("kernel_size", "stride", "padding", "output_padding", "dilation")
    cases = [tuple(c) for c in zip(x[2:], *(layer.per_dim(name) for name in names))]
    for group, (size, *arguments) in group_dims(dims, cases):
        label = " = ".join(f"{d}_out" for d in group)
        t = symbols(group, size=size, **dict(zip(names, arguments)))
        board.show("output_shape", equation(label, f.conv_transpose_output_size(
            t["size"], t["kernel_size"], t["stride"], t["padding"], t["output_padding"],
            t["dilation"])))
    board.show("macs", _("every input element meets a (Cout/g)·{kernel} slice of the weight")
               .format(kernel="·".join(KERNEL[layer.ndim])))
    _shape_params_macs(board, row, out, transposed=True)
    return board.done()


def _shape_params_macs(board: Board, row: Row, out: tuple[int, ...], *,
                       transposed: bool) -> None:
    """The output shape, the params' working and the MACs: ``Cout · H_out · W_out · (Cin/g) ·
    Kh·Kw`` (each output element sums (Cin/g)·Kh·Kw products), or ``Cin · H_in · W_in ·
    (Cout/g) · Kh·Kw`` when transposed (each input element meets a weight slice) — the
    default convention's own rule."""
    board.result("output_shape", out)
    _conv_params(board, row, transposed=transposed)
    macs = conv_transpose_macs(row.site) if transposed else conv_macs(row.site)
    board.result("macs", int(macs), equation("MACs", macs))


def _conv_params(board: Board, row: Row, *, transposed: bool) -> None:
    layer = row.layer
    cin, cout, g = layer.in_channels, layer.out_channels, layer.groups
    if g > 1 and g == cin:
        board.show("params", _("depthwise: groups = Cin = {g}, so each filter sees one "
                               "channel").format(g=g))
    elif g > 1:
        seen = (_("Cout/g = {cout}/{g} = {n} output") if transposed
                else _("Cin/g = {cin}/{g} = {n} input")).format(
            cout=cout, cin=cin, g=g, n=(cout if transposed else cin) // g)
        board.show("params", _("groups {g}: each filter sees {seen} channels")
                   .format(g=g, seen=seen))
    kernel = [T(k, name) for k, name in zip(layer.per_dim("kernel_size"), KERNEL[layer.ndim])]
    channels, groups = (T(cin, "Cin"), T(cout, "Cout")), T(g, "g")
    if transposed:     # torch stores the weight as [Cin, Cout/g, K…]: params as for Cin ↔ Cout
        value = f.conv_params(*reversed(channels), kernel, groups, False, layer.ndim)
        value = value + channels[1] if layer.bias else value
    else:
        value = f.conv_params(*channels, kernel, groups, layer.bias, layer.ndim)
    suffix = "" if layer.bias else _("  (no bias)")
    board.result("params", int(value), equation("params", value) + suffix)


@explains(DeformConv2d)
def deformable_convolution(row: Row) -> Working:
    layer, (x, offset, *mask) = row.layer, row.input_shapes
    board = Board(conv_title(layer))
    groups = layer.offset_groups(offset)
    for group, (size, k, s, p, d) in group_dims(SPATIAL[2], list(zip(
            x[2:], *(layer.per_dim(n) for n in ("kernel_size", "stride", "padding",
                                                 "dilation"))))):
        t = symbols(group, size=size, kernel_size=k, stride=s, padding=p, dilation=d)
        board.show("output_shape", equation(" = ".join(f"{d}_out" for d in group),
                                            f.conv_output_size(t["size"], t["kernel_size"],
                                                               t["stride"], t["padding"],
                                                               t["dilation"])))
    board.show("output_shape", _("offsets: 2·G·Kh·Kw = {channels} channels for G = {groups} "
                                 "offset groups{mask}").format(
        channels=offset[1], groups=groups, mask=_(", and a mask") if mask else ""))
    board.result("output_shape", layer.compute_output_shape(*row.input_shapes))
    _conv_params(board, row, transposed=False)
    macs = deform_conv_macs(row.site)
    board.show("macs", _(DEFORM_RULE))
    board.result("macs", int(macs), equation("MACs", macs))
    return board.done()
