"""Working for attention: Matmul and MultiheadAttention."""

from __future__ import annotations

from cnncalc.analysis import Row
from cnncalc.counting.torch import ATTENTION_RULE, attention_parts, matmul_macs
from cnncalc.i18n import _
from cnncalc.layers.attention import Matmul, MultiheadAttention, attention_params
from cnncalc.terms import T
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


@explains(MultiheadAttention)
def multihead_attention(row: Row) -> Working:
    layer, shapes = row.layer, row.input_shapes
    e, heads = layer.embed_dim, layer.num_heads
    board = Board(_("MultiheadAttention E={e}, {h} heads of {d}").format(
        e=e, h=heads, d=e // heads) + (", batch_first" if layer.batch_first else ""))
    query = shapes[0]
    length = layer.sizes(*shapes)[1]
    board.show("output_shape", _("each of the L = {l} query positions attends to S' = {s} key "
                                 "positions ({layout})").format(
        l=length, s=layer.key_length(*shapes),
        layout="[N, L, E]" if layer.batch_first else "[L, N, E]"))
    board.result("output_shape", tuple(row.output_shape),
                 _("output = the query's shape {shape}").format(shape=shape(query)))
    params = attention_params(T(e, "E"), T(layer.key_dim, "kdim"), T(layer.value_dim, "vdim"),
                              layer.bias, layer.add_bias_kv)
    board.result("params", int(params), equation("params", params) + "  " + _(
        "(q, k, v and output projections{bias}{bias_kv})").format(
        bias=_(", their biases") if layer.bias else "",
        bias_kv=_(", bias_k and bias_v") if layer.add_bias_kv else ""))
    projections, products, output = attention_parts(row.site)
    board.show("macs", equation(_("projections"), projections))
    board.show("macs", equation(_("q·kᵀ and attention·v"), products))
    board.show("macs", equation(_("output projection"), output))
    board.show("macs", _(ATTENTION_RULE))
    board.result("macs", int(projections + products + output),
                 equation("MACs", projections + products + output))
    return board.done()
