"""Working for resampling: Upsample, PixelShuffle, PixelUnshuffle, ChannelShuffle."""

from __future__ import annotations

from cnncalc.analysis import Row
from cnncalc.layers.base import ntuple
from cnncalc.layers.resample import ChannelShuffle, PixelShuffle, PixelUnshuffle, Upsample
from cnncalc.layers.resample import upsample_output_size
from cnncalc.teach.explainers.activation import unchanged
from cnncalc.teach.explainers.registry import explains
from cnncalc.teach.working import SPATIAL, Board, Working, num

NO_MACS = "MACs = 0 (the torch convention counts no MACs for resampling, interpolation included)"


@explains(Upsample)
def upsample(row: Row) -> Working:
    layer, (x,) = row.layer, row.input_shapes
    n = len(x) - 2
    given = "size" if layer.size is not None else "scale_factor"
    value = getattr(layer, given)
    board = Board(f"Upsample {given} {list(value) if isinstance(value, tuple) else value}, "
                  f"mode {layer.mode}")
    out = []
    for symbol, size, wanted in zip(SPATIAL[n], x[2:], ntuple(value, n)):
        if layer.size is not None:
            out.append(wanted)
            board.show("output_shape", f"{symbol}_out = size = {num(wanted)}")
        else:
            out.append(upsample_output_size(size, wanted))
            board.show("output_shape", f"{symbol}_out = floor({symbol}_in · scale_factor) = "
                       f"floor({num(size)} · {wanted}) = {num(out[-1])}")
    board.result("output_shape", (*x[:2], *out))
    board.result("macs", 0, NO_MACS)
    return board.done()


@explains(PixelShuffle)
def pixel_shuffle(row: Row) -> Working:
    (n, c, h, w), r = row.input_shapes[0], row.layer.upscale_factor
    board = Board(f"PixelShuffle upscale_factor {r}")
    board.show("output_shape", f"C_out = C_in / r² = {num(c)} / {r * r} = {num(c // (r * r))};"
               f" H_out = H_in · r = {num(h)} · {r} = {num(h * r)}; W_out = W_in · r = "
               f"{num(w)} · {r} = {num(w * r)}")
    board.result("output_shape", (n, c // (r * r), h * r, w * r))
    return board.done()


@explains(PixelUnshuffle)
def pixel_unshuffle(row: Row) -> Working:
    (n, c, h, w), r = row.input_shapes[0], row.layer.downscale_factor
    board = Board(f"PixelUnshuffle downscale_factor {r}")
    board.show("output_shape", f"C_out = C_in · r² = {num(c)} · {r * r} = {num(c * r * r)};"
               f" H_out = H_in / r = {num(h)} / {r} = {num(h // r)}; W_out = W_in / r = "
               f"{num(w)} / {r} = {num(w // r)}")
    board.result("output_shape", (n, c * r * r, h // r, w // r))
    return board.done()


@explains(ChannelShuffle)
def channel_shuffle(row: Row) -> Working:
    g = row.layer.groups
    return unchanged(row, f"ChannelShuffle groups {g}",
                     f"channels reordered across {g} groups").done()
