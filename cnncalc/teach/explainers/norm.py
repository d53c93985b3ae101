"""Working for normalisation: BatchNorm, InstanceNorm, GroupNorm, LayerNorm, LocalResponseNorm."""

from __future__ import annotations

from math import prod

from cnncalc import shapes as f
from cnncalc.analysis import Row
from cnncalc.i18n import _
from cnncalc.terms import T
from cnncalc.layers.base import ntuple
from cnncalc.layers.norm import (FrozenBatchNorm2d, GroupNorm, LayerNorm, LayerNorm2d,
                                 LocalResponseNorm, _ChannelNorm)
from cnncalc.teach.explainers.activation import unchanged
from cnncalc.teach.explainers.registry import explains
from cnncalc.teach.working import Board, Working, equation, no_macs, num

def affine(board: Board, size: int, symbol: str, enabled: bool, bias: bool, what: str,
           flag: str) -> None:
    """A scale (γ) per normalised element, and a shift (β) too unless ``bias`` is false."""
    value = f.norm_params(T(size, symbol), enabled, bias)
    if not enabled:
        why = _("{flag} false: no scale or shift").format(flag=flag)
    elif bias:
        why = _("a scale γ and a shift β per {what}").format(what=what)
    else:
        why = _("a scale γ per {what}; bias false drops the shift").format(what=what)
    board.result("params", int(value), equation("params", value) + _("  ({why})").format(
        why=why))


@explains(_ChannelNorm)
def channel_norm(row: Row) -> Working:
    layer = row.layer
    flags = [_("{n} channels").format(n=layer.num_features)]
    flags += [] if layer.affine else ["affine false"]
    flags += [] if layer.track_running_stats else [_("no running stats")]
    over = _({"the batch and the spatial positions": "the batch and the spatial positions",
              "its spatial positions, per sample": "its spatial positions, per sample"}[
        layer.pooled_over])
    board = unchanged(row, f"{row.type} " + ", ".join(flags),
                      _("each channel normalised over {over}").format(over=over))
    affine(board, layer.num_features, "C", layer.affine, layer.bias, _("channel"), "affine")
    buffers = f.running_stats(T(layer.num_features, "C"), layer.track_running_stats)
    why = _("running mean and variance per channel, and num_batches_tracked") \
        if layer.track_running_stats else _("track_running_stats false")
    board.result("buffers", int(buffers), equation("buffers", buffers) + _("  ({why})").format(
        why=why))
    board.result("macs", 0, no_macs(_("normalisation scales and shifts elementwise")))
    return board.done()


@explains(FrozenBatchNorm2d)
def frozen_batch_norm(row: Row) -> Working:
    """torchvision's FrozenBatchNorm2d: BatchNorm2d's arithmetic, all four tensors buffers."""
    layer = row.layer
    board = unchanged(row, "FrozenBatchNorm2d " + _("{n} channels").format(
        n=layer.num_features), _("torchvision: x · scale + shift per channel, statistics and "
                                 "affine fixed"))
    board.result("params", 0, _("params = 0 (torchvision registers weight and bias as "
                                "buffers)"))
    buffers = 4 * T(layer.num_features, "C")
    board.result("buffers", int(buffers), equation("buffers", buffers) + _("  ({why})").format(
        why=_("weight, bias, running mean and running variance per channel")))
    board.result("macs", 0, no_macs(_("normalisation scales and shifts elementwise")))
    return board.done()


@explains(GroupNorm)
def group_norm(row: Row) -> Working:
    layer = row.layer
    c, g = layer.num_channels, layer.num_groups
    board = unchanged(row, _("GroupNorm {g} groups of {c} channels").format(g=g, c=c),
                      _("each group of C/g = {c}/{g} = {n} channels normalised together")
                      .format(c=c, g=g, n=c // g))
    affine(board, c, "C", layer.affine, layer.bias, _("channel"), "affine")
    board.result("macs", 0, no_macs(_("normalisation scales and shifts elementwise")))
    return board.done()


@explains(LayerNorm)
def layer_norm(row: Row) -> Working:
    """LayerNorm, and torchvision's LayerNorm2d (the same normalisation over the channels of a
    channels-last view)."""
    layer = row.layer
    dims = ntuple(layer.normalized_shape, 1)
    if isinstance(layer, LayerNorm2d):
        why = _("torchvision: permuted to [N, H, W, C], layer_norm over the channels, permuted "
                "back") if len(dims) == 1 else _("torchvision: permuted to [N, H, W, C], "
                                                 "layer_norm over the last {n} dims, permuted "
                                                 "back").format(n=len(dims))
    else:
        why = _("normalised over the last dim") if len(dims) == 1 else \
            _("normalised over the last {n} dims").format(n=len(dims))
    board = unchanged(row, f"{row.type} normalized_shape {list(dims)}", why)
    size = prod(dims)
    symbol = "prod(normalized_shape)" if len(dims) > 1 else (
        "C" if isinstance(layer, LayerNorm2d) else "normalized_shape")
    if len(dims) > 1:
        board.show("params", f"prod(normalized_shape) = {' · '.join(num(d) for d in dims)} = "
                   f"{num(size)}")
    affine(board, size, symbol, layer.elementwise_affine, layer.bias, _("normalised element"),
           "elementwise_affine")
    board.result("macs", 0, no_macs(_("normalisation scales and shifts elementwise")))
    return board.done()


@explains(LocalResponseNorm)
def local_response_norm(row: Row) -> Working:
    board = unchanged(row, f"LocalResponseNorm size {row.layer.size}",
                      _("each value scaled by its {n} neighbouring channels")
                      .format(n=row.layer.size))
    board.result("macs", 0, no_macs(_("normalisation scales and shifts elementwise")))
    return board.done()
