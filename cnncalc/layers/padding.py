"""Padding: ``ZeroPad``, ``ConstantPad``, ``ReflectionPad`` and ``ReplicationPad`` in 1-D, 2-D and
3-D. No parameters, buffers or MACs.

``padding`` is one int for every side, or ``2·ndim`` ints in torch's order, last dimension
first: ``(left, right)``, ``(left, right, top, bottom)``, ``(left, right, top, bottom, front,
back)``. Negative padding crops. Each padded size ``before + size + after`` must be at least 1:
torch also accepts 0 (an empty tensor), which is never a useful layer output.

An ``N``-d padding layer takes an ``[C, ...]`` input with ``N`` spatial dims, as a convolution
does. Torch also pads a tensor one rank lower (reading it as one unbatched sample, so that the
batch would be padded as channels) and, for zero and constant padding, tensors of any rank;
cnncalc does not.
"""


from typing import ClassVar, Union

from pydantic import StrictInt, field_validator

from cnncalc.errors import LayerError, show
from cnncalc.layers.base import Layer, Number, Shape

DIM_NAMES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}
SIDES = ("left", "right", "top", "bottom", "front", "back")

Padding = Union[StrictInt, tuple[StrictInt, ...]]


def sum_text(*terms: int) -> str:
    """``-3 + 5 - 3 = -1``: a sum written as on paper.

    >>> sum_text(-3, 5, -3)
    '-3 + 5 - 3 = -1'
    """
    text = str(terms[0]) + "".join(f" - {-t}" if t < 0 else f" + {t}" for t in terms[1:])
    return f"{text} = {sum(terms)}"


class _Pad(Layer):
    abstract: ClassVar[bool] = True

    padding: Padding

    @field_validator("padding")
    @classmethod
    def _two_per_dimension(cls, value):
        if isinstance(value, tuple) and len(value) != 2 * cls.ndim:
            names = ", ".join(SIDES[:2 * cls.ndim])
            raise LayerError(f"padding takes one int or {2 * cls.ndim} ints ({names})",
                             expected=f"{2 * cls.ndim} values",
                             got=f"{len(value)}: {show(value)}", field="padding")
        return value

    def padding_pairs(self) -> tuple[tuple[int, int], ...]:
        """``(before, after)`` per spatial dimension, first dimension first.

        torch lists the last dimension first, so ``(left, right, top, bottom)`` pads the
        height by ``(top, bottom)`` and the width by ``(left, right)``.
        """
        pads = self.padding if isinstance(self.padding, tuple) else (self.padding,) * (
            2 * self.ndim)
        return tuple((pads[2 * i], pads[2 * i + 1]) for i in reversed(range(self.ndim)))

    def compute_output_shape(self, shape: Shape) -> Shape:
        """Each spatial size becomes ``before + size + after`` (at least 1); the rest is kept."""
        spatial = []
        for dim, size, (before, after) in zip(DIM_NAMES[self.ndim], shape[2:],
                                              self.padding_pairs()):
            self._check_sides(dim, size, before, after)
            out = before + size + after
            if out < 1:
                raise LayerError(f"the padded {dim} {sum_text(before, size, after)} is below 1:"
                                 f" negative padding crops away the whole input {dim}",
                                 expected=f"padding whose sum is above -{size}",
                                 got=show(self.padding), field="padding")
            spatial.append(out)
        return (*shape[:2], *spatial)

    def _check_sides(self, dim: str, size: int, before: int, after: int) -> None:
        """The family's own limits on each side's padding."""


class _ConstantPad(_Pad):
    abstract: ClassVar[bool] = True

    def _check_sides(self, dim: str, size: int, before: int, after: int) -> None:
        """torch crops (negative sides) before it pads: ``size + min(before, 0) + min(after, 0)``
        must not be negative, even when the positive side would make up for it.
        """
        cropped = size + min(before, 0) + min(after, 0)
        if cropped < 0:
            raise LayerError(f"negative padding crops more than the input {dim} ({size}): torch"
                             " crops before it pads, and "
                             f"{sum_text(size, min(before, 0), min(after, 0))}",
                             expected=f"negative sides summing to at least -{size}",
                             got=show(self.padding), field="padding")


class _ReflectionPad(_Pad):
    abstract: ClassVar[bool] = True

    def _check_sides(self, dim: str, size: int, before: int, after: int) -> None:
        """A reflection repeats no edge, so each side pads less than the input size."""
        for side in (before, after):
            if side >= size:
                raise LayerError(f"reflection padding must be smaller than the input {dim}",
                                 expected=f"padding < {size} on each side",
                                 got=f"({before}, {after})", field="padding")


class _ReplicationPad(_Pad):
    abstract: ClassVar[bool] = True


class ZeroPad1d(_ConstantPad):
    """``torch.nn.ZeroPad1d`` on ``[C, L]``: ``padding`` is ``(left, right)``."""
    ndim: ClassVar[int] = 1


class ZeroPad2d(_ConstantPad):
    """``torch.nn.ZeroPad2d`` on ``[C, H, W]``: ``padding`` is ``(left, right, top, bottom)``."""
    ndim: ClassVar[int] = 2


class ZeroPad3d(_ConstantPad):
    """``torch.nn.ZeroPad3d`` on ``[C, D, H, W]``: ``padding`` is
    ``(left, right, top, bottom, front, back)``."""
    ndim: ClassVar[int] = 3


class ConstantPad1d(_ConstantPad):
    """``torch.nn.ConstantPad1d`` on ``[C, L]``: pads with ``value``."""
    ndim: ClassVar[int] = 1
    value: Number


class ConstantPad2d(_ConstantPad):
    """``torch.nn.ConstantPad2d`` on ``[C, H, W]``: pads with ``value``."""
    ndim: ClassVar[int] = 2
    value: Number


class ConstantPad3d(_ConstantPad):
    """``torch.nn.ConstantPad3d`` on ``[C, D, H, W]``: pads with ``value``."""
    ndim: ClassVar[int] = 3
    value: Number


class ReflectionPad1d(_ReflectionPad):
    """``torch.nn.ReflectionPad1d`` on ``[C, L]``."""
    ndim: ClassVar[int] = 1


class ReflectionPad2d(_ReflectionPad):
    """``torch.nn.ReflectionPad2d`` on ``[C, H, W]``."""
    ndim: ClassVar[int] = 2


class ReflectionPad3d(_ReflectionPad):
    """``torch.nn.ReflectionPad3d`` on ``[C, D, H, W]``."""
    ndim: ClassVar[int] = 3


class ReplicationPad1d(_ReplicationPad):
    """``torch.nn.ReplicationPad1d`` on ``[C, L]``."""
    ndim: ClassVar[int] = 1


class ReplicationPad2d(_ReplicationPad):
    """``torch.nn.ReplicationPad2d`` on ``[C, H, W]``."""
    ndim: ClassVar[int] = 2


class ReplicationPad3d(_ReplicationPad):
    """``torch.nn.ReplicationPad3d`` on ``[C, D, H, W]``."""
    ndim: ClassVar[int] = 3
