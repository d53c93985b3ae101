"""Working for activations: elementwise, shape-preserving; PReLU learns slopes."""

from __future__ import annotations

from cnncalc.analysis import Row
from cnncalc.i18n import _
from cnncalc.layers.activation import PReLU, _Activation, _SoftmaxLike
from cnncalc.teach.explainers.registry import explains
from cnncalc.teach.working import Board, Working, num, shape


def unchanged(row: Row, title: str, why: str) -> Board:
    """A board whose output is its input, for layers that keep the shape."""
    board = Board(title)
    board.result("output_shape", row.input_shapes[0],
                 _("output = input = {shape}  ({why})").format(
                     shape=shape(row.input_shapes[0]), why=why))
    return board


@explains(_Activation)
def activation(row: Row) -> Working:
    return unchanged(row, row.type, _("elementwise")).done()


@explains(_SoftmaxLike)
def softmax(row: Row) -> Working:
    dim = row.layer.dim
    why = _("normalised along dim {dim}").format(dim=dim) if dim is not None else \
        _("normalised along the dim torch picks implicitly")
    return unchanged(row, f"{row.type} dim={dim}", why).done()


@explains(PReLU)
def prelu(row: Row) -> Working:
    layer = row.layer
    board = unchanged(row, f"PReLU num_parameters={layer.num_parameters}", _("elementwise"))
    which = _("one slope shared by every channel") if layer.num_parameters == 1 else \
        _("one slope per channel")
    board.result("params", layer.num_parameters,
                 f"params = num_parameters = {num(layer.num_parameters)}  ({which})")
    return board.done()
