"""Working for reductions over dims: Mean, Amax, Sum."""

from __future__ import annotations

from cnncalc.analysis import Row
from cnncalc.i18n import _
from cnncalc.layers.reduce import _Reduce
from cnncalc.teach.explainers.registry import explains
from cnncalc.teach.working import Board, Working, no_macs, num, shape


@explains(_Reduce)
def reduction(row: Row) -> Working:
    layer, (x,) = row.layer, row.input_shapes
    dims = layer.reduced(len(x))
    given = list(layer.dim) if isinstance(layer.dim, tuple) else layer.dim
    board = Board(_("{type} over dim {dims}").format(type=row.type, dims=given)
                  + (", keepdim" if layer.keepdim else ""))
    out = layer.compute_output_shape(x)
    sizes = " · ".join(num(x[d]) for d in sorted(dims))
    text = _("torch.{function}: dims {dims} ({sizes} values per output element) kept as 1 → "
             "{shape}") if layer.keepdim else _("torch.{function}: dims {dims} ({sizes} values "
                                                "per output element) removed → {shape}")
    board.result("output_shape", out, text.format(
        function=layer.function, dims=", ".join(str(d) for d in sorted(dims)), sizes=sizes,
        shape=shape(out)))
    board.result("macs", 0, no_macs(_("a reduction over dims adds or compares")))
    return board.done()
