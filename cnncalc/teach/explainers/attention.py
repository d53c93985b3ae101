"""Working for attention's arithmetic: Matmul."""

from __future__ import annotations

from cnncalc.analysis import Row
from cnncalc.counting.torch import matmul_macs
from cnncalc.i18n import _
from cnncalc.layers.attention import Matmul
from cnncalc.teach.explainers.registry import explains
from cnncalc.teach.working import Board, Working, equation, shape


@explains(Matmul)
def matmul(row: Row) -> Working:
    a, b = row.input_shapes
    board = Board(_("Matmul: {a} @ {b}").format(a=row.inputs[0], b=row.inputs[1]))
    out = row.layer.compute_output_shape(a, b)
    board.show("output_shape", _("[…, n, k] @ […, k, m] = […, n, m]: k = {k} on both sides; "
                                 "the dims before the last two broadcast").format(k=a[-1]))
    board.result("output_shape", out, f"{shape(a)} @ {shape(b)} → {shape(out)}")
    macs = matmul_macs(row.site)
    board.result("macs", int(macs), equation("MACs", macs) + "  " + _(
        "(each output element sums k products)"))
    return board.done()
