"""Working for resampling: Upsample, PixelShuffle, PixelUnshuffle, ChannelShuffle."""

from __future__ import annotations

from cnncalc.analysis import Row
from cnncalc.i18n import _
from cnncalc.layers.base import ntuple
from cnncalc.layers.resample import ChannelShuffle, PixelShuffle, PixelUnshuffle, Upsample
from cnncalc.teach.explainers.activation import unchanged
from cnncalc.teach.explainers.registry import explains
from cnncalc.teach.working import SPATIAL, Board, Working, no_macs, num

@explains(Upsample)
def upsample(row: Row) -> Working:
    layer, (x,) = row.layer, row.input_shapes
    n = len(x) - 2
    given = "size" if layer.size is not None else "scale_factor"
    value = getattr(layer, given)
    board = Board(f"Upsample {given} {list(value) if isinstance(value, tuple) else value}, "
                  f"mode {layer.mode}")
    out = layer.compute_output_shape(x)
    for symbol, size, wanted, size_out in zip(SPATIAL[n], x[2:], ntuple(value, n), out[2:]):
        if layer.size is not None:
            board.show("output_shape", f"{symbol}_out = size = {num(size_out)}")
        else:
            board.show("output_shape", f"{symbol}_out = floor({symbol}_in · scale_factor) = "
                       f"floor({num(size)} · {wanted}) = {num(size_out)}")
    board.result("output_shape", out)
    board.result("macs", 0, no_macs(_("resampling copies or interpolates values")))
    return board.done()


#: depth to space and back: (the factor's field, what it does to C, what it does to H and W)
SHUFFLES = {PixelShuffle: ("upscale_factor", "/", "·"),
            PixelUnshuffle: ("downscale_factor", "·", "/")}


@explains(*SHUFFLES)
def pixel_shuffle(row: Row) -> Working:
    layer, (x,) = row.layer, row.input_shapes
    factor, on_channels, on_space = SHUFFLES[type(layer)]
    r = getattr(layer, factor)
    board = Board(f"{row.type} {factor} {r}")
    out = layer.compute_output_shape(x)
    board.show("output_shape", f"C_out = C_in {on_channels} r² = {num(x[1])} {on_channels} "
               f"{r * r} = {num(out[1])}; " + "; ".join(
                   f"{d}_out = {d}_in {on_space} r = {num(size)} {on_space} {r} = {num(size_out)}"
                   for d, size, size_out in zip("HW", x[2:], out[2:])))
    board.result("output_shape", out)
    return board.done()


@explains(ChannelShuffle)
def channel_shuffle(row: Row) -> Working:
    g = row.layer.groups
    return unchanged(row, f"ChannelShuffle groups {g}",
                     _("channels reordered across {g} groups").format(g=g)).done()
