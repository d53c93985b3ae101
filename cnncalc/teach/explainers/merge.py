"""Working for merges: Add, Mul (broadcasting), Concat."""

from __future__ import annotations

from cnncalc.analysis import Row
from cnncalc.i18n import _
from cnncalc.layers.base import check_dim
from cnncalc.layers.merge import Add, Concat, Mul
from cnncalc.teach.explainers.registry import explains
from cnncalc.teach.working import Board, Working, num, shape


def _inputs(row: Row) -> str:
    return _("inputs: {inputs}").format(inputs=", ".join(
        f"{name} {shape(s)}" for name, s in zip(row.inputs, row.input_shapes)))


@explains(Add)
def add(row: Row) -> Working:
    board = Board(_("Add: elementwise sum"))
    board.show("output_shape", _inputs(row))
    if len(set(row.input_shapes)) == 1:
        board.result("output_shape", row.input_shapes[0],
                     _("all inputs have one shape, which the output keeps: {shape}").format(
                         shape=shape(row.input_shapes[0])))
        return board.done()
    _broadcast(board, row)
    return board.done()


def _broadcast(board: Board, row: Row) -> None:
    rank = max(len(s) for s in row.input_shapes)
    padded = [(1,) * (rank - len(s)) + tuple(s) for s in row.input_shapes]
    out = row.layer.compute_output_shape(*row.input_shapes)
    board.result("output_shape", out, _("dims aligned from the right, each either equal or 1 "
                                        "(1 stretches): {shapes} → {shape}").format(
        shapes=" · ".join(shape(s) for s in padded), shape=shape(out)))


@explains(Mul)
def mul(row: Row) -> Working:
    board = Board(_("Mul: elementwise product, broadcasting"))
    board.show("output_shape", _inputs(row))
    _broadcast(board, row)
    return board.done()


@explains(Concat)
def concat(row: Row) -> Working:
    layer, first = row.layer, row.input_shapes[0]
    dim = check_dim(layer.dim, len(first))
    board = Board(_("Concat along dim {dim}").format(dim=layer.dim)
                  + (_(" (channels)") if dim == 1 else ""))
    board.show("output_shape", _inputs(row))
    sizes = [s[dim] for s in row.input_shapes]
    out = layer.compute_output_shape(*row.input_shapes)
    board.result("output_shape", out, _("dim {dim} adds up: {sizes} = {size}; the other dims "
                                        "agree → {shape}").format(
        dim=layer.dim, sizes=" + ".join(num(s) for s in sizes), size=num(out[dim]),
        shape=shape(out)))
    return board.done()
