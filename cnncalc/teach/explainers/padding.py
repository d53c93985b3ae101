"""Working for padding layers (zero, constant, reflection, replication; negative crops)."""

from __future__ import annotations

from cnncalc.analysis import Row
from cnncalc.i18n import _
from cnncalc.layers.padding import _Pad
from cnncalc.teach.explainers.registry import explains
from cnncalc.teach.working import SPATIAL, Board, Working, num

SIDES = {"L": ("left", "right"), "W": ("left", "right"), "H": ("top", "bottom"),
         "D": ("front", "back")}


@explains(_Pad)
def pad(row: Row) -> Working:
    layer, (x,) = row.layer, row.input_shapes
    padding = layer.padding if isinstance(layer.padding, int) else list(layer.padding)
    board = Board(f"{row.type} padding {padding}")
    dims = SPATIAL[layer.ndim]
    out = layer.compute_output_shape(x)
    for symbol, size, (before, after), value in zip(dims, x[2:], layer.padding_pairs(), out[2:]):
        first, last = (_({"left": "left", "right": "right", "top": "top", "bottom": "bottom",
                          "front": "front", "back": "back"}[side])
                       for side in (SIDES[symbol] if layer.ndim > 1 else ("left", "right")))
        board.show("output_shape", f"{symbol}_out = {first} + {symbol}_in + {last} = "
                   f"{num(before)} + {num(size)} + {num(after)} = {num(value)}")
    if any(p < 0 for pair in layer.padding_pairs() for p in pair):
        board.show("output_shape", _("  (negative padding crops)"))
    board.result("output_shape", out)
    return board.done()
