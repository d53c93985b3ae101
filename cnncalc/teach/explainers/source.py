"""Working for sources: Parameter, a learnable tensor with no input."""

from __future__ import annotations

from math import prod

from cnncalc.analysis import Row
from cnncalc.i18n import _
from cnncalc.layers.source import Parameter
from cnncalc.teach.explainers.registry import explains
from cnncalc.teach.working import Board, Working, num, shape


@explains(Parameter)
def parameter(row: Row) -> Working:
    layer = row.layer
    own = tuple(layer.shape)
    board = Board(_("Parameter {shape}: a learnable tensor, no input").format(shape=shape(own)))
    if layer.expand is None:
        board.result("output_shape", own, _("the parameter's own shape, no batch dim added "
                                            "(merges broadcast it): {shape}").format(
            shape=shape(own)))
    else:
        board.result("output_shape", row.output_shape, _(
            "expand: batch repeats dim 0 (size 1) over the batch N = {n}, a view: "
            "{shape}").format(n=num(row.output_shape[0]), shape=shape(row.output_shape)))
    board.result("params", prod(own), _("params = numel of the parameter = {sizes} = "
                                        "{n}").format(
        sizes=" × ".join(num(n) for n in own) or "1", n=num(prod(own))))
    return board.done()
