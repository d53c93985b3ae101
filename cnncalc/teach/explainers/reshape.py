"""Working for reshapes and shape-keeping layers: Flatten, Unflatten, Identity, dropout."""

from __future__ import annotations

from cnncalc.analysis import Row
from cnncalc.layers.base import check_dim
from cnncalc.layers.dropout import _Dropout
from cnncalc.layers.reshape import Flatten, Identity, Unflatten
from cnncalc.teach.explainers.activation import unchanged
from cnncalc.teach.explainers.registry import explains
from cnncalc.teach.working import Board, Working, num, shape


@explains(Flatten)
def flatten(row: Row) -> Working:
    layer, (x,) = row.layer, row.input_shapes
    start = check_dim(layer.start_dim, len(x))
    end = check_dim(layer.end_dim, len(x))
    board = Board(f"Flatten dims {layer.start_dim}…{layer.end_dim}")
    merged = x[start:end + 1]
    size = 1
    for n in merged:
        size *= n
    out = (*x[:start], size, *x[end + 1:])
    board.result("output_shape", out, f"dims {start}…{end} multiply: "
                 f"{' · '.join(num(n) for n in merged)} = {num(size)} → {shape(out)}")
    return board.done()


@explains(Unflatten)
def unflatten(row: Row) -> Working:
    layer, (x,) = row.layer, row.input_shapes
    dim = check_dim(layer.dim, len(x))
    sizes = list(layer.unflattened_size)
    board = Board(f"Unflatten dim {layer.dim} into {sizes}")
    if -1 in sizes:
        known = 1
        for s in sizes:
            known *= s if s != -1 else 1
        inferred = x[dim] // known
        board.show("output_shape", f"−1 = {num(x[dim])} / {num(known)} = {num(inferred)}")
        sizes = [inferred if s == -1 else s for s in sizes]
    out = (*x[:dim], *sizes, *x[dim + 1:])
    board.result("output_shape", out, f"dim {layer.dim}: {num(x[dim])} = "
                 f"{' · '.join(num(s) for s in sizes)} → {shape(out)}")
    return board.done()


@explains(Identity)
def identity(row: Row) -> Working:
    return unchanged(row, "Identity", "passed on as it is").done()


@explains(_Dropout)
def dropout(row: Row) -> Working:
    return unchanged(row, f"{row.type} p={row.layer.p}",
                     "elements zeroed at random in training only").done()
