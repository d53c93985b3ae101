"""The twin of a whole network: one torch module per leaf layer, wired as the graph says."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Iterable, Mapping, NamedTuple

import torch

from cnncalc.analysis import Report, analyze
from cnncalc.spec import INPUT, Network
from cnncalc.torch.calls import Form, form
from cnncalc.torch.twins import TwinError, build_module


class Step(NamedTuple):
    """One leaf layer of the twin's forward pass."""

    name: str                  # cnncalc's dotted layer name = the module's path
    inputs: tuple[str, ...]    # the names its ``from`` resolved to, or "input"
    module: torch.nn.Module
    call: str                  # the row's ``call``: module, functional or method
    form: Form                 # how forward calls it: ``form(module, *tensors)``

    def arguments(self, values: Mapping[str, torch.Tensor]) -> tuple[torch.Tensor, ...]:
        """The tensors the step is called with, from the outputs computed so far: its inputs'
        values; a source (``Parameter``) takes none, or the network's input when it is
        expanded over the batch (it reads the batch from it, as ViT's
        ``cls_token.expand(x.shape[0], -1, -1)``)."""
        if self.inputs:
            return tuple(values[i] for i in self.inputs)
        return (values[INPUT],) if _reads_batch(self.module) else ()


class Scope(torch.nn.Module):
    """A block instance: it only holds its layers, so that their paths are dotted names."""

    def forward(self, *args, **kwargs):  # pragma: no cover - the twin calls the leaves itself
        raise RuntimeError("a block of a twin is not called; the twin runs its layers")


class Twin(torch.nn.Module):
    """The torch twin of an analysed network.

    Every leaf layer is a module whose path is cnncalc's dotted layer name (``basic_1.bn2``),
    blocks are nested modules, and ``forward`` runs the leaves in cnncalc's execution order,
    each on the outputs its ``from`` names, once per forward pass, called as its row's
    ``call`` says the original code calls it (:mod:`cnncalc.torch.calls`): ``module`` as
    ``module(*inputs)``, so that its hooks and per-module counters (``FlopCounterMode``) see
    it; ``functional`` through ``module.forward`` (no hook fires, the ``F.*`` call inside
    happens); ``method`` in its tensor method or operator form (``x.mean([2, 3],
    keepdim=True)``, ``a + b``). With ``calls=False`` every layer is called as a module,
    whatever its ``call``. Every leaf module is registered either way, so the twin's
    parameters and buffers are the network's. A layer that applies an earlier one again
    (``share:``) calls that layer's module object again, as torch code calls one module twice:
    it registers nothing, so ``parameters()`` counts the weights once.
    """

    def __init__(self, report: Report, modules: Mapping[str, torch.nn.Module], *,
                 calls: bool = True) -> None:
        super().__init__()
        self.network_name = report.name
        self.output_name = report.output
        self.output_names = tuple(report.outputs) or (report.output,)
        plan = [Step(row.name, row.inputs, modules[row.shares or row.name], row.call,
                     form(row.layer, row.call if calls else "module",
                          f"layer {row.name!r} ({row.type})"))
                for row in report.layers]
        self._plan = plan
        self._release = _last_uses(plan, self.output_names)
        own = [step for step, row in zip(plan, report.layers) if row.shares is None]
        if len({id(step.module) for step in own}) != len(own):
            raise TwinError("one module object cannot stand for two layers")
        scopes = {row.name: row.scope for row in report.layers}
        for step in own:   # a layer that calls a module again (share:) registers nothing
            self._place(step.name, scopes[step.name], step.module)

    def _place(self, path: str, scope: tuple[str, ...], module: torch.nn.Module) -> None:
        """Register the layer ``path`` under the block instances of its ``scope``."""
        parent: torch.nn.Module = self
        outer = ""
        for instance in scope:
            local = instance[len(outer) + 1:] if outer else instance
            child = parent._modules.get(local)
            if child is None:
                child = Scope()
                _add(parent, local, child, path)
            elif not isinstance(child, Scope):
                raise TwinError(f"layer name {path!r}: {instance!r} is a layer, not a block")
            parent, outer = child, instance
        _add(parent, path[len(outer) + 1:] if outer else path, module, path)

    def forward(self, input: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        """The network's output; a tuple of its outputs in the file's order when it names
        several (``outputs:``)."""
        values = {INPUT: input}
        for index, step in enumerate(self._plan):
            values[step.name] = step.form(step.module, *step.arguments(values))
            for done in self._release[index]:
                del values[done]  # keep only the tensors a later layer still needs
        if len(self.output_names) > 1:
            return tuple(values[name] for name in self.output_names)
        return values[self.output_name]

    def leaves(self) -> Iterable[tuple[str, tuple[str, ...], torch.nn.Module]]:
        """``(dotted name, input names, module)`` of every leaf layer, in execution order."""
        return ((step.name, step.inputs, step.module) for step in self._plan)

    def steps(self) -> Iterable[Step]:
        """Every leaf layer with its ``call`` and the form that calls it, in execution order."""
        return iter(self._plan)

    def extra_repr(self) -> str:
        return f"name={self.network_name!r}"


def to_torch(network: Network, input: Iterable[int] | None = None, *,
             device: str | torch.device | None = None, calls: bool = True) -> Twin:
    """The torch twin of ``network`` (``input`` overrides its input shape, batch excluded).

    Module paths are cnncalc's dotted layer names; layers with ``trainable: false`` have
    parameters with ``requires_grad`` false. With ``device="meta"`` no memory is allocated
    for the weights, which is enough to count shapes, parameters and operations. Each layer
    is called as its ``call:`` key says (``calls=False``: every layer as a module; see
    :class:`Twin`). Raises :class:`~cnncalc.errors.NetworkError` when the network itself is
    wrong, :class:`~cnncalc.torch.twins.MissingTwin` for a layer type without a twin and
    :class:`TwinError` for a ``call: method`` that the layer has no method form for.
    """
    report = analyze(network, input=input)
    with torch.device(device) if device is not None else nullcontext():
        modules = {row.name: build_module(row.layer) for row in report.layers
                   if row.shares is None}   # a shared layer calls its first layer's module
    freeze(modules, (row.name for row in report.layers if not row.trainable))
    return Twin(report, modules, calls=calls)


def freeze(modules: Mapping[str, torch.nn.Module], names: Iterable[str]) -> None:
    for name in names:
        if name in modules:
            for parameter in modules[name].parameters():
                parameter.requires_grad_(False)


def _add(parent: torch.nn.Module, name: str, module: torch.nn.Module, path: str) -> None:
    if name in parent._modules:
        raise TwinError(f"layer name {path!r} is used twice")
    try:
        parent.add_module(name, module)
    except (KeyError, TypeError) as err:
        # torch refuses names with dots, empty names and attributes of nn.Module ("training")
        reason = err.args[0] if err.args else str(err)
        raise TwinError(f"layer name {path!r} cannot be a torch module path ({reason}); "
                        "rename the layer") from None


def _reads_batch(module: torch.nn.Module) -> bool:
    return getattr(module, "expand", None) == "batch"


def _last_uses(plan, output: str | tuple[str, ...]) -> list[list[str]]:
    """After each step, the values no later step uses (the outputs are kept to the end)."""
    kept = {output} if isinstance(output, str) else set(output)
    last: dict[str, int] = {}
    for index, step in enumerate(plan):
        for name in step.inputs or ((INPUT,) if _reads_batch(step.module) else ()):
            last[name] = index
    release: list[list[str]] = [[] for _ in plan]
    for name, step in last.items():
        if name not in kept:
            release[step].append(name)
    return release
