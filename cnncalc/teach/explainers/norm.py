"""Working for normalisation: BatchNorm, InstanceNorm, GroupNorm, LayerNorm, LocalResponseNorm."""

from __future__ import annotations

from math import prod

from cnncalc.analysis import Row
from cnncalc.layers.base import ntuple
from cnncalc.layers.norm import GroupNorm, LayerNorm, LocalResponseNorm, _ChannelNorm
from cnncalc.teach.explainers.activation import unchanged
from cnncalc.teach.explainers.registry import explains
from cnncalc.teach.working import Board, Working, no_macs, num

NO_MACS = "normalisation scales and shifts elementwise"


def affine(board: Board, size: int, symbol: str, enabled: bool, bias: bool, what: str,
           flag: str) -> None:
    """A scale (γ) per normalised element, and a shift (β) too unless ``bias`` is false."""
    if not enabled:
        board.result("params", 0, f"params = 0  ({flag} false: no scale or shift)")
    elif bias:
        board.result("params", 2 * size, f"params = 2 · {symbol} = 2 · {num(size)} = "
                     f"{num(2 * size)}  (a scale γ and a shift β per {what})")
    else:
        board.result("params", size, f"params = {symbol} = {num(size)}  (a scale γ per "
                     f"{what}; bias false drops the shift)")


@explains(_ChannelNorm)
def channel_norm(row: Row) -> Working:
    layer = row.layer
    flags = [f"{layer.num_features} channels"]
    flags += [] if layer.affine else ["affine false"]
    flags += [] if layer.track_running_stats else ["no running stats"]
    board = unchanged(row, f"{row.type} " + ", ".join(flags),
                      f"each channel normalised over {layer.pooled_over}")
    affine(board, layer.num_features, "C", layer.affine, layer.bias, "channel", "affine")
    c = layer.num_features
    if layer.track_running_stats:
        board.result("buffers", 2 * c + 1, f"buffers = 2 · C + 1 = 2 · {num(c)} + 1 = "
                     f"{num(2 * c + 1)}  (running mean and variance per channel, and "
                     "num_batches_tracked)")
    else:
        board.result("buffers", 0, "buffers = 0  (track_running_stats false)")
    board.result("macs", 0, no_macs(NO_MACS))
    return board.done()


@explains(GroupNorm)
def group_norm(row: Row) -> Working:
    layer = row.layer
    c, g = layer.num_channels, layer.num_groups
    board = unchanged(row, f"GroupNorm {g} groups of {c} channels",
                      f"each group of C/g = {c}/{g} = {c // g} channels normalised together")
    affine(board, c, "C", layer.affine, layer.bias, "channel", "affine")
    board.result("macs", 0, no_macs(NO_MACS))
    return board.done()


@explains(LayerNorm)
def layer_norm(row: Row) -> Working:
    layer = row.layer
    dims = ntuple(layer.normalized_shape, 1)
    board = unchanged(row, f"LayerNorm normalized_shape {list(dims)}",
                      f"normalised over the last {len(dims)} dim{'s' if len(dims) > 1 else ''}")
    size = prod(dims)
    symbol = "prod(normalized_shape)" if len(dims) > 1 else "normalized_shape"
    if len(dims) > 1:
        board.show("params", f"prod(normalized_shape) = {' · '.join(num(d) for d in dims)} = "
                   f"{num(size)}")
    affine(board, size, symbol, layer.elementwise_affine, layer.bias, "normalised element",
           "elementwise_affine")
    board.result("macs", 0, no_macs(NO_MACS))
    return board.done()


@explains(LocalResponseNorm)
def local_response_norm(row: Row) -> Working:
    board = unchanged(row, f"LocalResponseNorm size {row.layer.size}",
                      f"each value scaled by its {row.layer.size} neighbouring channels")
    board.result("macs", 0, no_macs(NO_MACS))
    return board.done()
