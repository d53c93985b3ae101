"""Dropout: shape-preserving, no parameters, buffers or MACs (torch counts none, in training or
evaluation).

Input ranks (batch included) follow what torch's batched forms accept:

- ``Dropout`` and ``AlphaDropout`` take any input.
- ``Dropout1d`` takes ``[C, L]`` only. Torch also takes a 2-D tensor, but reads it as one
  unbatched ``(C, L)`` sample, which in a network file would drop whole samples of the batch.
- ``Dropout2d`` takes ``[C, H, W]`` and ``Dropout3d`` takes ``[C, D, H, W]`` only. Torch runs
  them on other ranks but warns that those are deprecated and will become errors (``Dropout2d``
  on ``[C, L]`` is read as 1-D channel dropout: ``Dropout1d`` says that), or reads a rank lower
  by one as an unbatched sample.
"""


from typing import ClassVar, Literal

from pydantic import field_validator

from cnncalc.errors import LayerError
from cnncalc.layers.base import Bool, Layer, Number


def probability(p: float, what: str) -> float:
    """``p`` when it is a probability; NaN fails too, which ``p < 0 or p > 1`` would let by."""
    if not 0 <= p <= 1:
        raise LayerError(f"{what} probability p must be between 0 and 1",
                         expected="0 ≤ p ≤ 1", got=p, field="p")
    return p


class _Dropout(Layer):
    abstract: ClassVar[bool] = True

    p: Number = 0.5
    inplace: Bool = False

    @field_validator("p")
    @classmethod
    def _probability(cls, p: float) -> float:
        return probability(p, "dropout")   # torch's own check, `p < 0 or p > 1`


class Dropout(_Dropout):
    """``torch.nn.Dropout``: zeroes elements with probability ``p``; the shape is unchanged."""


class Dropout1d(_Dropout):
    """``torch.nn.Dropout1d`` on ``[C, L]``: zeroes whole channels; the shape is unchanged."""
    ndim: ClassVar[int] = 1


class Dropout2d(_Dropout):
    """``torch.nn.Dropout2d`` on ``[C, H, W]``: zeroes whole channels; the shape is unchanged."""
    ndim: ClassVar[int] = 2


class Dropout3d(_Dropout):
    """``torch.nn.Dropout3d`` on ``[C, D, H, W]``: zeroes whole channels; the shape is unchanged.
    """
    ndim: ClassVar[int] = 3


class AlphaDropout(_Dropout):
    """``torch.nn.AlphaDropout`` (for SELU networks); the shape is unchanged."""


class StochasticDepth(Layer):
    """``torchvision.ops.StochasticDepth(p, mode)``: in training, the whole input (``mode:
    batch``) or each sample (``mode: row``) zeroed with probability ``p`` and the rest scaled by
    ``1 / (1 − p)``; the input itself at inference. The shape is unchanged.

    Both arguments are required, as in torchvision; it refuses ``p`` outside ``[0, 1]`` and a
    ``mode`` other than ``batch`` or ``row`` (torchvision/ops/stochastic_depth.py).
    """

    p: Number
    mode: Literal["batch", "row"]

    @field_validator("p")
    @classmethod
    def _probability(cls, p: float) -> float:
        return probability(p, "drop")      # torchvision's check, `p < 0.0 or p > 1.0`
