"""Working for reshapes and shape-keeping layers: Flatten, Unflatten, Identity, dropout."""

from __future__ import annotations

from math import prod

from cnncalc.analysis import Row
from cnncalc.i18n import _
from cnncalc.layers.base import check_dim
from cnncalc.layers.dropout import StochasticDepth, _Dropout
from cnncalc.layers.reshape import Flatten, Identity, Permute, Unflatten, permutation
from cnncalc.teach.explainers.activation import unchanged
from cnncalc.teach.explainers.registry import explains
from cnncalc.teach.working import Board, Working, num, shape


@explains(Flatten)
def flatten(row: Row) -> Working:
    layer, (x,) = row.layer, row.input_shapes
    start = check_dim(layer.start_dim, len(x))
    end = check_dim(layer.end_dim, len(x))
    board = Board(f"Flatten dims {layer.start_dim}…{layer.end_dim}")
    out = layer.compute_output_shape(x)
    board.result("output_shape", out, _("dims {start}…{end} multiply: {product} = {size} → "
                                        "{shape}").format(
        start=start, end=end, product=" · ".join(num(n) for n in x[start:end + 1]),
        size=num(out[start]), shape=shape(out)))
    return board.done()


@explains(Unflatten)
def unflatten(row: Row) -> Working:
    layer, (x,) = row.layer, row.input_shapes
    dim = check_dim(layer.dim, len(x))
    wanted = layer.unflattened_size
    board = Board(f"Unflatten dim {layer.dim} into {list(wanted)}")
    out = layer.compute_output_shape(x)
    sizes = out[dim:dim + len(wanted)]
    if -1 in wanted:
        known = prod(s for s in wanted if s != -1)
        board.show("output_shape", f"−1 = {num(x[dim])} / {num(known)} = "
                   f"{num(sizes[wanted.index(-1)])}")
    board.result("output_shape", out, f"dim {layer.dim}: {num(x[dim])} = "
                 f"{' · '.join(num(s) for s in sizes)} → {shape(out)}")
    return board.done()


@explains(Permute)
def permute(row: Row) -> Working:
    layer, (x,) = row.layer, row.input_shapes
    order = permutation(layer.dims, len(x))
    board = Board(f"Permute dims {list(layer.dims)}")
    out = layer.compute_output_shape(x)
    board.result("output_shape", out, _("output dim k = input dim dims[k]: {sizes} → {shape}")
                 .format(sizes=", ".join(f"{num(x[d])}" for d in order), shape=shape(out)))
    return board.done()


@explains(Identity)
def identity(row: Row) -> Working:
    return unchanged(row, "Identity", _("passed on as it is")).done()


@explains(_Dropout)
def dropout(row: Row) -> Working:
    return unchanged(row, f"{row.type} p={row.layer.p}",
                     _("elements zeroed at random in training only")).done()


@explains(StochasticDepth)
def stochastic_depth(row: Row) -> Working:
    layer = row.layer
    why = _("in training each sample zeroed with probability p, the rest scaled by 1/(1 − p); "
            "the input itself at inference") if layer.mode == "row" else _(
        "in training the whole batch zeroed with probability p, else scaled by 1/(1 − p); the "
        "input itself at inference")
    return unchanged(row, f"StochasticDepth p={layer.p}, mode={layer.mode}", why).done()
