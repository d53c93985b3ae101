"""Working for selections along a dimension: Chunk, Narrow."""

from __future__ import annotations

from cnncalc.analysis import Row
from cnncalc.layers.base import check_dim
from cnncalc.layers.select import Chunk, Narrow, chunk_sizes
from cnncalc.teach.explainers.registry import explains
from cnncalc.teach.working import Board, Working, num, shape


@explains(Chunk)
def chunk(row: Row) -> Working:
    layer, (x,) = row.layer, row.input_shapes
    dim = check_dim(layer.dim, len(x))
    sizes = chunk_sizes(x[dim], layer.chunks)
    board = Board(f"Chunk {layer.chunks} parts along dim {layer.dim}, part {layer.index}")
    smaller = ", the last one smaller" if sizes[-1] != sizes[0] else ""
    board.show("output_shape", f"torch.chunk: parts of ceil({num(x[dim])} / {layer.chunks}) = "
               f"{num(sizes[0])}{smaller}: {', '.join(num(s) for s in sizes)}")
    out = layer.compute_output_shape(x)
    board.result("output_shape", out, f"part {layer.index} has {num(sizes[layer.index])} → "
                 f"{shape(out)}")
    return board.done()


@explains(Narrow)
def narrow(row: Row) -> Working:
    layer, (x,) = row.layer, row.input_shapes
    dim = check_dim(layer.dim, len(x))
    board = Board(f"Narrow dim {layer.dim}, start {layer.start}, length {layer.length}")
    out = layer.compute_output_shape(x)
    board.result("output_shape", out, f"dim {layer.dim}: {num(layer.length)} of "
                 f"{num(x[dim])} entries from {layer.start} → {shape(out)}")
    return board.done()
