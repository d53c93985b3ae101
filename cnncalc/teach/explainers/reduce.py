"""Working for reductions over dims: Mean, Amax, Sum."""

from __future__ import annotations

from cnncalc.analysis import Row
from cnncalc.layers.reduce import _Reduce
from cnncalc.teach.explainers.registry import explains
from cnncalc.teach.working import Board, Working, no_macs, num, shape


@explains(_Reduce)
def reduction(row: Row) -> Working:
    layer, (x,) = row.layer, row.input_shapes
    dims = layer.reduced(len(x))
    given = list(layer.dim) if isinstance(layer.dim, tuple) else layer.dim
    board = Board(f"{row.type} over dim {given}" + (", keepdim" if layer.keepdim else ""))
    out = layer.compute_output_shape(x)
    sizes = " · ".join(num(x[d]) for d in sorted(dims))
    what = "kept as 1" if layer.keepdim else "removed"
    board.result("output_shape", out, f"torch.{layer.function}: dims "
                 f"{', '.join(str(d) for d in sorted(dims))} ({sizes} values per output "
                 f"element) {what} → {shape(out)}")
    board.result("macs", 0, no_macs(f"a {layer.function} over dims adds or compares"))
    return board.done()
