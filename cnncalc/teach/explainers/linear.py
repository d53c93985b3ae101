"""Working for fully connected layers."""

from __future__ import annotations

from cnncalc import shapes as f
from cnncalc.analysis import Row
from cnncalc.counting.torch import linear_macs
from cnncalc.layers.linear import Linear
from cnncalc.teach.explainers.registry import explains
from cnncalc.teach.working import Board, Working, agree, num, product, shape


@explains(Linear)
def linear(row: Row) -> Working:
    layer, (x,) = row.layer, row.input_shapes
    board = Board(f"Linear {layer.in_features}→{layer.out_features}"
                  + ("" if layer.bias else ", no bias"))
    out = (*x[:-1], layer.out_features)
    board.result("output_shape", out, f"output = the input with its last dim {layer.in_features}"
                 f" → out_features {layer.out_features} = {shape(out)}")
    cin, cout = layer.in_features, layer.out_features
    if layer.bias:
        value, text = (cin + 1) * cout, f"params = (in + 1) · out = ({cin} + 1) · {cout}"
    else:
        value, text = cin * cout, f"params = in · out = {cin} · {cout}"
    agree(value, f.linear_params(cin, cout, layer.bias), "Linear params")
    board.result("params", value, f"{text} = {num(value)}" + ("" if layer.bias else
                                                             "  (no bias)"))
    leading = x[:-1]
    macs = int(linear_macs(row.site))
    if len(leading) == 1:
        board.product_result("macs", "MACs", ["in", "out"], [cin, cout], macs, batch=x[0])
    else:
        symbols, factors, rows = product(["N", *(f"d{i}" for i in range(1, len(leading)))],
                                         leading)
        board.show("macs", f"rows = every position before the last dim = {factors} = {num(rows)}")
        board.product_result("macs", "MACs", ["rows", "in", "out"], [rows, cin, cout], macs)
    return board.done()
