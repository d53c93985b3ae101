"""Working for selections along a dimension: Chunk, Narrow."""

from __future__ import annotations

from cnncalc.analysis import Row
from cnncalc.i18n import _
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
    smaller = _(", the last one smaller") if sizes[-1] != sizes[0] else ""
    board.show("output_shape", _("torch.chunk: parts of ceil({size} / {chunks}) = {part}"
                                 "{smaller}: {parts}").format(
        size=num(x[dim]), chunks=layer.chunks, part=num(sizes[0]), smaller=smaller,
        parts=", ".join(num(s) for s in sizes)))
    out = layer.compute_output_shape(x)
    board.result("output_shape", out, _("part {index} has {size} → {shape}").format(
        index=layer.index, size=num(sizes[layer.index]), shape=shape(out)))
    return board.done()


@explains(Narrow)
def narrow(row: Row) -> Working:
    layer, (x,) = row.layer, row.input_shapes
    dim = check_dim(layer.dim, len(x))
    board = Board(f"Narrow dim {layer.dim}, start {layer.start}, length {layer.length}")
    out = layer.compute_output_shape(x)
    board.result("output_shape", out, _("dim {dim}: {length} of {size} entries from {start} "
                                        "→ {shape}").format(
        dim=layer.dim, length=num(layer.length), size=num(x[dim]), start=layer.start,
        shape=shape(out)))
    return board.done()
