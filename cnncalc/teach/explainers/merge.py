"""Working for merges: Add, Mul (broadcasting), Concat."""

from __future__ import annotations

from cnncalc.analysis import Row
from cnncalc.layers.base import check_dim
from cnncalc.layers.merge import Add, Concat, Mul
from cnncalc.teach.explainers.registry import explains
from cnncalc.teach.working import Board, Working, num, shape


def _inputs(row: Row) -> str:
    return ", ".join(f"{name} {shape(s)}" for name, s in zip(row.inputs, row.input_shapes))


@explains(Add)
def add(row: Row) -> Working:
    board = Board("Add: elementwise sum")
    board.show("output_shape", f"inputs: {_inputs(row)}")
    board.result("output_shape", row.input_shapes[0],
                 f"all inputs have one shape, which the output keeps: "
                 f"{shape(row.input_shapes[0])}")
    return board.done()


@explains(Mul)
def mul(row: Row) -> Working:
    board = Board("Mul: elementwise product, broadcasting")
    board.show("output_shape", f"inputs: {_inputs(row)}")
    rank = max(len(s) for s in row.input_shapes)
    padded = [(1,) * (rank - len(s)) + tuple(s) for s in row.input_shapes]
    out = tuple(max(dims) for dims in zip(*padded))
    board.result("output_shape", out, "dims aligned from the right, each either equal or 1 "
                 f"(1 stretches): {' · '.join(shape(s) for s in padded)} → {shape(out)}")
    return board.done()


@explains(Concat)
def concat(row: Row) -> Working:
    layer, first = row.layer, row.input_shapes[0]
    dim = check_dim(layer.dim, len(first))
    board = Board(f"Concat along dim {layer.dim}" + (" (channels)" if dim == 1 else ""))
    board.show("output_shape", f"inputs: {_inputs(row)}")
    sizes = [s[dim] for s in row.input_shapes]
    out = tuple(sum(sizes) if k == dim else n for k, n in enumerate(first))
    board.result("output_shape", out, f"dim {layer.dim} adds up: "
                 f"{' + '.join(num(s) for s in sizes)} = {num(sum(sizes))}; "
                 f"the other dims agree → {shape(out)}")
    return board.done()
