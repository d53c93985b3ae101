"""How the twin calls each layer, as the network file's ``call:`` key says the original code does.

The peer tools see a network through different windows: torchinfo, ptflops and thop through
forward hooks on ``nn.Module`` calls, ptflops also through the ``torch.nn.functional`` functions
it replaces while the model runs (``F.relu``, ``F.max_pool2d``, ``torch.add`` ...), fvcore
through the traced aten operators. So that each tool sees the twin exactly as it would see the
original code, the twin calls a layer

- ``module``: as an ``nn.Module`` — ``module(*inputs)``, its hooks fire;
- ``functional``: through the module's ``forward`` — no hook fires, but the ``F.*`` call inside
  it happens, as for ``F.relu(x)`` in the original code. Where ``forward`` calls another
  function than the code one would write (``nn.ReLU6`` calls ``F.hardtanh``, the merges use
  operators), the functional form is registered here (``F.relu6``, ``torch.add``);
- ``method``: in a tensor method or operator form registered here — ``x.mean([2, 3],
  keepdim=True)`` for a global average pooling, ``a + b``, ``a * b``, ``x.flatten(1)`` — or
  not at all (:class:`~cnncalc.torch.twins.TwinError`).

Every form takes the module and the input tensors, so that a copied twin (``copy.deepcopy``,
``.to()``) calls its own modules.
"""

from __future__ import annotations

import functools
import operator
from typing import Callable

import torch
import torch.nn.functional as F

from cnncalc.errors import one_of
from cnncalc.layers import Layer
from cnncalc.spec import CALLS
from cnncalc.torch.twins import TwinError

#: ``form(module, *inputs) -> output``: one way of calling a layer's twin
Form = Callable[..., torch.Tensor]
#: ``builder(layer) -> form``, or a ValueError saying why this layer has no such form
Builder = Callable[[Layer], Form]

MODULE: dict[str, Builder] = {}       # where ``module(*inputs)`` is not how code calls it
FUNCTIONAL: dict[str, Builder] = {}   # where ``module.forward`` is not the functional code
METHODS: dict[str, Builder] = {}      # the tensor method or operator forms


def _register(table: dict[str, Builder], kind: str, *type_names: str
              ) -> Callable[[Builder], Builder]:
    def register(builder: Builder) -> Builder:
        for name in type_names:
            if name in table:
                raise TypeError(f"{kind} form of {name!r} is registered twice")
            table[name] = builder
        return builder
    return register


def module_form(*type_names: str) -> Callable[[Builder], Builder]:
    """Register the module call of ``type_names`` (default: ``module(*inputs)``)."""
    return _register(MODULE, "module", *type_names)


def functional_form(*type_names: str) -> Callable[[Builder], Builder]:
    """Register the functional form of ``type_names`` (default: the module's ``forward``)."""
    return _register(FUNCTIONAL, "functional", *type_names)


def method_form(*type_names: str) -> Callable[[Builder], Builder]:
    """Register the tensor method or operator form of ``type_names``."""
    return _register(METHODS, "method", *type_names)


def as_module(module: torch.nn.Module, *inputs: torch.Tensor) -> torch.Tensor:
    return module(*inputs)


def through_forward(module: torch.nn.Module, *inputs: torch.Tensor) -> torch.Tensor:
    return module.forward(*inputs)


def form(layer: Layer, call: str, where: str) -> Form:
    """How the twin calls ``layer`` (``where`` names it in errors) for ``call``."""
    type_name = type(layer).__name__
    if call == "module":
        return MODULE[type_name](layer) if type_name in MODULE else as_module
    table = {"functional": FUNCTIONAL, "method": METHODS}.get(call)
    if table is None:
        raise TwinError(f"{where}: call must be {one_of(CALLS)}, not {call!r}")
    if type_name not in table:
        if call == "functional":
            return through_forward
        raise TwinError(f"{where}: call: method, but a {type_name} has no tensor method or "
                        f"operator form; the types that have one are {', '.join(sorted(METHODS))}"
                        " (use call: functional or module)")
    try:
        return table[type_name](layer)
    except ValueError as err:
        raise TwinError(f"{where}: call: {call}: {err}") from None


# -- functional forms ----------------------------------------------------------------------------

@functional_form("ReLU6")
def _relu6(layer: Layer) -> Form:
    """``F.relu6(x)`` (``nn.ReLU6.forward`` calls ``F.hardtanh``)."""
    inplace = layer.inplace
    return lambda module, x: F.relu6(x, inplace=inplace)


def _fold(operation: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> Form:
    """``operation(operation(a, b), c)``: a merge of several inputs, one pair at a time."""
    return lambda module, *inputs: functools.reduce(operation, inputs)


@functional_form("Add")
def _torch_add(layer: Layer) -> Form:
    """``torch.add(torch.add(a, b), c)``, looked up at each call (as ptflops patches it)."""
    return _fold(lambda a, b: torch.add(a, b))


@functional_form("Mul")
def _torch_mul(layer: Layer) -> Form:
    """``torch.mul(torch.mul(a, b), c)``, looked up at each call (as ptflops patches it)."""
    return _fold(lambda a, b: torch.mul(a, b))


# -- tensor method and operator forms ------------------------------------------------------------

@method_form("AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d")
def _mean(layer: Layer) -> Form:
    """``x.mean([2, 3], keepdim=True)``: a global average pooling (every output size 1)."""
    sizes = layer.output_size if isinstance(layer.output_size, tuple) \
        else (layer.output_size,) * layer.ndim
    if any(size != 1 for size in sizes):
        raise ValueError(f"x.mean(...) is a global average pooling, so every output_size must "
                         f"be 1, not {list(sizes) if len(sizes) > 1 else sizes[0]}")
    dims = list(range(2, 2 + layer.ndim))
    return lambda module, x: x.mean(dims, keepdim=True)


@method_form("Add")
def _plus(layer: Layer) -> Form:
    """``a + b + c``."""
    return _fold(operator.add)


@method_form("Mul")
def _times(layer: Layer) -> Form:
    """``a * b * c``."""
    return _fold(operator.mul)


@method_form("Concat")
def _cat(layer: Layer) -> Form:
    """``torch.cat(inputs, dim)`` (a function already)."""
    dim = layer.dim
    return lambda module, *inputs: torch.cat(inputs, dim=dim)


@method_form("Flatten")
def _flatten(layer: Layer) -> Form:
    """``x.flatten(start_dim, end_dim)``."""
    start, end = layer.start_dim, layer.end_dim
    return lambda module, x: x.flatten(start, end)


@method_form("Mean", "Amax", "Sum")
def _reduce(layer: Layer) -> Form:
    """``x.mean(dim, keepdim=keepdim)``, ``x.amax(...)``, ``x.sum(...)``."""
    name = type(layer).__name__.lower()
    dim = list(layer.dim) if isinstance(layer.dim, tuple) else layer.dim
    keepdim = layer.keepdim
    return lambda module, x: getattr(x, name)(dim, keepdim=keepdim)


@method_form("Permute")
def _permute(layer: Layer) -> Form:
    """``x.permute(*dims)``."""
    dims = tuple(layer.dims)
    return lambda module, x: x.permute(*dims)


@method_form("Chunk")
def _chunk(layer: Layer) -> Form:
    """``x.chunk(chunks, dim)[index]``."""
    chunks, dim, index = layer.chunks, layer.dim, layer.index
    return lambda module, x: x.chunk(chunks, dim)[index]


@method_form("Narrow")
def _narrow(layer: Layer) -> Form:
    """``x.narrow(dim, start, length)``."""
    dim, start, length = layer.dim, layer.start, layer.length
    return lambda module, x: x.narrow(dim, start, length)


@method_form("ReLU")
def _relu(layer: Layer) -> Form:
    """``x.relu()`` (``x.relu_()`` in place)."""
    if layer.inplace:
        return lambda module, x: x.relu_()
    return lambda module, x: x.relu()


@method_form("Sigmoid")
def _sigmoid(layer: Layer) -> Form:
    """``x.sigmoid()``."""
    return lambda module, x: x.sigmoid()


@method_form("Tanh")
def _tanh(layer: Layer) -> Form:
    """``x.tanh()``."""
    return lambda module, x: x.tanh()


@method_form("Matmul")
def _matmul(layer: Layer) -> Form:
    """``a @ b``."""
    return lambda module, a, b: a @ b
