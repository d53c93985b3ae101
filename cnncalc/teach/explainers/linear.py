"""Working for fully connected layers."""

from __future__ import annotations

from cnncalc import shapes as f
from cnncalc.analysis import Row
from cnncalc.counting.torch import linear_macs
from cnncalc.layers.linear import Linear
from cnncalc.teach.explainers.registry import explains
from cnncalc.i18n import _
from cnncalc.terms import T, product
from cnncalc.teach.working import Board, Working, equation, shape


@explains(Linear)
def linear(row: Row) -> Working:
    layer, (x,) = row.layer, row.input_shapes
    board = Board(f"Linear {layer.in_features}→{layer.out_features}"
                  + ("" if layer.bias else ", no bias"))
    out = (*x[:-1], layer.out_features)
    board.result("output_shape", out, f"output = the input with its last dim {layer.in_features}"
                 f" → out_features {layer.out_features} = {shape(out)}")
    cin, cout = layer.in_features, layer.out_features
    params = f.linear_params(T(cin, "in"), T(cout, "out"), layer.bias)
    board.result("params", int(params), equation("params", params)
                 + ("" if layer.bias else _("  (no bias)")))
    leading = x[:-1]
    if len(leading) > 1:
        rows = product(*(T(n, symbol) for n, symbol in
                         zip(leading, ["N", *(f"d{i}" for i in range(1, len(leading)))])))
        board.show("macs", equation(_("rows = every position before the last dim"), rows))
    macs = linear_macs(row.site)
    board.result("macs", int(macs), equation("MACs", macs))
    return board.done()
