"""The textbook formulas, as pure functions of integers.

Each formula is written once, over ints or :class:`~cnncalc.terms.T` numbers: the layers call
it with ints, ``explain`` with numbers that record the working (``floor((H_in + 2P − …``).
Every function returns an exact ``int`` (a ``T`` for ``T`` arguments) and raises :class:`~cnncalc.errors.LayerError`, with the
working shown, when PyTorch would reject the arguments.

>>> conv_output_size(32, kernel_size=5, stride=1, padding=2)
32
>>> conv_params(3, 10, kernel_size=5)
760
"""

from __future__ import annotations

from typing import Sequence

from cnncalc.errors import LayerError
from cnncalc.i18n import _
from cnncalc.terms import Number, T, ceil_div, floor_div, product, term


def conv_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0,
                     dilation: int = 1, *, padding_right: int | None = None,
                     dim: str = "size") -> int:
    """Output length of a convolution along one dimension, as ``torch.nn.Conv*d`` computes it.

    ``floor((W + 2P - D(K-1) - 1) / S) + 1``; with ``padding_right`` the padding is ``P`` on the
    left and ``padding_right`` on the right (``padding="same"`` with an even kernel).

    >>> conv_output_size(224, kernel_size=3, padding=1)
    224
    >>> conv_output_size(224, kernel_size=7, stride=2, padding=3)
    112
    >>> conv_output_size(10, kernel_size=3, dilation=2)
    6
    >>> conv_output_size(5, kernel_size=7)
    Traceback (most recent call last):
    ...
    cnncalc.errors.LayerError: output size floor((5 + 2·0 − 1·(7−1) − 1)/1) + 1 = −1 < 1: the kernel (7) is larger than the padded input (5)
    """
    right = padding if padding_right is None else padding_right
    pads = term(2 * padding) if padding_right is None else padding + right
    out = floor_div(size + pads - term(dilation * (kernel_size - 1)) - 1, stride) + 1
    if out < 1:
        pads = f"2·{padding}" if right == padding else f"{padding} + {right}"
        effective = dilation * (kernel_size - 1) + 1
        kernel = f"{kernel_size}" if dilation == 1 else f"{kernel_size}, dilated to {effective}"
        raise LayerError(
            f"output {dim} floor(({size} + {pads} − {dilation}·({kernel_size}−1) − 1)/{stride})"
            f" + 1 = {_signed(out)} < 1: the kernel ({kernel}) is larger than the padded input"
            f" ({size + padding + right})")
    return out


def conv_transpose_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0,
                               output_padding: int = 0, dilation: int = 1, *,
                               dim: str = "size") -> int:
    """Output length of a transposed convolution along one dimension.

    ``(W - 1)·S - 2P + D(K-1) + output_padding + 1``, as ``torch.nn.ConvTranspose*d``.
    ``output_padding`` must be smaller than the stride or the dilation.

    >>> conv_transpose_output_size(4, kernel_size=4, stride=2, padding=1)
    8
    >>> conv_transpose_output_size(7, kernel_size=3, stride=2, padding=1, output_padding=1)
    14
    """
    if output_padding >= stride and output_padding >= dilation:
        raise LayerError("output_padding must be smaller than either stride or dilation",
                         expected=f"< {max(stride, dilation)}", got=output_padding,
                         field="output_padding")
    out = ((size - 1) * stride - term(2 * padding) + term(dilation * (kernel_size - 1))
           + output_padding + 1)
    if out < 1:
        raise LayerError(
            f"output {dim} ({size}−1)·{stride} − 2·{padding} + {dilation}·({kernel_size}−1) +"
            f" {output_padding} + 1 = {_signed(out)} < 1: the padding ({padding}) removes"
            f" more than the transposed convolution produces")
    return out


def pool_output_size(size: int, kernel_size: int, stride: int | None = None, padding: int = 0,
                     dilation: int | None = 1, ceil_mode: bool = False, *,
                     dim: str = "size") -> int:
    """Output length of max or average pooling along one dimension, as PyTorch computes it.

    ``floor or ceil((W + 2P - D(K-1) - 1) / S) + 1``; with ``ceil_mode`` the last window must
    start inside the input or the left padding, else it is dropped. ``stride`` defaults to the
    kernel size; ``dilation=None`` is average pooling's ``(W + 2P − K) / S``. PyTorch also
    demands ``P <= K / 2``.

    >>> pool_output_size(112, kernel_size=3, stride=2, padding=1)
    56
    >>> pool_output_size(6, kernel_size=2, stride=2, ceil_mode=True)
    3
    >>> pool_output_size(5, kernel_size=2, stride=2, ceil_mode=True)
    3
    >>> pool_output_size(5, kernel_size=2, stride=2, padding=1, ceil_mode=True)
    3
    """
    stride = kernel_size if stride is None else stride
    if padding > kernel_size // 2:
        raise LayerError("pad should be at most half of the kernel size",
                         expected=f"padding ≤ {kernel_size}//2 = {kernel_size // 2}",
                         got=padding, field="padding")
    if dilation is None:    # average pooling: no dilation in the formula
        dilation, numerator = 1, size + term(2 * padding) - kernel_size
    else:
        numerator = size + term(2 * padding) - term(dilation * (kernel_size - 1)) - 1
    if ceil_mode:
        out = ceil_div(numerator, stride) + 1
        start = (out - 1) * stride
        if start >= size + padding:     # PyTorch: the last window must start inside the input
            out = out - 1 if not isinstance(out, T) else out.ruled(int(out) - 1, _(
                "last-window rule: window {n} would start at ({n} − 1)·S = {start} ≥ "
                "{dim}_in + P = {end}, past the input and its left padding, so it is dropped"
            ).format(n=int(out), start=int(start), dim=dim, end=int(size + padding)))
    else:
        out = floor_div(numerator, stride) + 1
    if out < 1:
        effective = dilation * (kernel_size - 1) + 1
        kernel = f"{kernel_size}" if dilation == 1 else f"{kernel_size}, dilated to {effective}"
        rounding = "ceil" if ceil_mode else "floor"
        raise LayerError(
            f"output {dim} {rounding}(({size} + 2·{padding} − {dilation}·({kernel_size}−1) − 1)"
            f"/{stride}) + 1 = {_signed(out)} < 1: the kernel ({kernel}) is larger than the"
            f" padded input ({size + 2 * padding})")
    return out


def conv_params(in_channels: int, out_channels: int, kernel_size: int | Sequence[int],
                groups: int = 1, bias: bool = True, ndim: int = 2) -> int:
    """Learnable parameters of a convolution (plain or transposed).

    ``(Cin/groups · prod(K) + 1) · Cout``, the ``+ 1`` only with a bias. An int ``kernel_size``
    is square (cubic for ``ndim=3``), as ``torch.nn.Conv{ndim}d`` reads it.

    >>> conv_params(3, 192, kernel_size=3, bias=False)
    5184
    >>> conv_params(12, 64, kernel_size=3, groups=4, bias=False)
    1728
    >>> conv_params(12, 12, kernel_size=3, groups=12, bias=False)
    108
    """
    weights = term(in_channels // groups) * term(_area(kernel_size, ndim), keep=True)
    return (weights + 1) * out_channels if bias else weights * out_channels


def conv_macs(in_channels: int, out_channels: int, kernel_size: int | Sequence[int],
              output_size: int | Sequence[int], groups: int = 1, batch: int = 1) -> int:
    """Multiply-accumulates of a convolution, bias excluded.

    ``N · Cout · prod(output spatial) · Cin/groups · prod(K)``, the ``torch`` convention's
    count (:mod:`cnncalc.counting.torch`). Int sizes are square (2-D) unless
    the other size is a list that says how many dimensions there are.

    >>> conv_macs(3, 10, kernel_size=5, output_size=(32, 32))
    768000
    >>> conv_macs(3, 10, kernel_size=5, output_size=32)
    768000
    """
    ndim = _ndim(output_size, kernel_size)
    return product(batch, out_channels, _area(output_size, ndim),
                   term(in_channels // groups), term(_area(kernel_size, ndim)))


def conv_transpose_macs(in_channels: int, out_channels: int, kernel_size: int | Sequence[int],
                        input_size: int | Sequence[int], groups: int = 1,
                        batch: int = 1) -> int:
    """Multiply-accumulates of a transposed convolution, bias excluded.

    Every input element is multiplied by a whole ``Cout/groups · prod(K)`` slice of the weight:
    ``N · Cin · prod(input spatial) · Cout/groups · prod(K)`` (the ``torch`` convention's rule).

    >>> conv_transpose_macs(64, 32, kernel_size=4, input_size=(8, 8))
    2097152
    """
    ndim = _ndim(input_size, kernel_size)
    return product(batch, in_channels, _area(input_size, ndim),
                   term(out_channels // groups), term(_area(kernel_size, ndim)))


def linear_macs(in_features: int, out_features: int, rows: int = 1) -> int:
    """Multiply-accumulates of a fully connected layer, bias excluded: ``rows · in · out``,
    where rows are all the input's positions before its last dim, batch included.

    >>> linear_macs(12000, 12)
    144000
    """
    return product(rows, in_features, out_features)


def linear_params(in_features: int, out_features: int, bias: bool = True) -> int:
    """Learnable parameters of a fully connected layer: ``(in + 1) · out``.

    >>> linear_params(12000, 12)
    144012
    """
    return (in_features + 1) * out_features if bias else in_features * out_features


def norm_params(size: int, affine: bool = True, bias: bool = True) -> int:
    """A normalisation's scale (γ) per normalised element, and a shift (β) too unless ``bias``
    is false: ``2 · C``, ``C`` or 0.

    >>> norm_params(64), norm_params(64, bias=False), norm_params(64, affine=False)
    (128, 64, 0)
    """
    if not affine:
        return 0
    return 2 * size if bias else size


def running_stats(channels: int, tracked: bool = True) -> int:
    """BatchNorm's buffers: running mean and variance per channel, and ``num_batches_tracked``:
    ``2 · C + 1`` when ``track_running_stats``, else 0.

    >>> running_stats(64)
    129
    """
    return 2 * channels + 1 if tracked else 0


def _area(size: Number | Sequence[Number], ndim: int) -> Number:
    if isinstance(size, (int, T)):
        return size ** ndim if isinstance(size, int) else product(*(size,) * ndim)
    return product(*size)


def _ndim(*sizes: int | Sequence[int]) -> int:
    return next((len(s) for s in sizes if not isinstance(s, int)), 2)


def _signed(n: int) -> str:
    n = int(n)
    return f"−{-n}" if n < 0 else str(n)
