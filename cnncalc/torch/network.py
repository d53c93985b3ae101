"""The twin of a whole network: one torch module per leaf layer, wired as the graph says."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Iterable, Mapping

import torch

from cnncalc.analysis import Report, analyze
from cnncalc.errors import CnncalcError
from cnncalc.spec import INPUT, Network
from cnncalc.torch.twins import build_module


class TwinError(CnncalcError):
    """The twin cannot be assembled (e.g. a layer name that is no usable module path)."""


class Scope(torch.nn.Module):
    """A block instance: it only holds its layers, so that their paths are dotted names."""

    def forward(self, *args, **kwargs):  # pragma: no cover - the twin calls the leaves itself
        raise RuntimeError("a block of a twin is not called; the twin runs its layers")


class Twin(torch.nn.Module):
    """The torch twin of an analysed network.

    Every leaf layer is a module whose path is cnncalc's dotted layer name (``basic_1.bn2``),
    blocks are nested modules, and ``forward`` runs the leaves in cnncalc's execution order,
    each on the outputs its ``from`` names. Each leaf module is called exactly once per
    forward pass, so per-module counters (``FlopCounterMode``) see each layer once.
    """

    def __init__(self, report: Report, modules: Mapping[str, torch.nn.Module]) -> None:
        super().__init__()
        self.network_name = report.name
        self.output_name = report.output
        plan = [(row.name, row.inputs, modules[row.name]) for row in report.layers]
        self._plan = plan
        self._release = _last_uses(plan, self.output_name)
        if len({id(module) for _, _, module in plan}) != len(plan):
            raise TwinError("one module object cannot stand for two layers")
        for name, _, module in plan:
            self._place(name, module)

    def _place(self, path: str, module: torch.nn.Module) -> None:
        *scopes, leaf = path.split(".")
        parent: torch.nn.Module = self
        for depth, scope in enumerate(scopes):
            child = parent._modules.get(scope)
            if child is None:
                child = Scope()
                _add(parent, scope, child, path)
            elif not isinstance(child, Scope):
                raise TwinError(f"layer name {path!r}: {'.'.join(scopes[:depth + 1])!r} is a "
                                "layer, not a block")
            parent = child
        _add(parent, leaf, module, path)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        values = {INPUT: input}
        for step, (name, inputs, module) in enumerate(self._plan):
            values[name] = module(*(values[i] for i in inputs))
            for done in self._release[step]:
                del values[done]  # keep only the tensors a later layer still needs
        return values[self.output_name]

    def leaves(self) -> Iterable[tuple[str, tuple[str, ...], torch.nn.Module]]:
        """``(dotted name, input names, module)`` of every leaf layer, in execution order."""
        return iter(self._plan)

    def extra_repr(self) -> str:
        return f"name={self.network_name!r}"


def to_torch(network: Network, input: Iterable[int] | None = None, *,
             device: str | torch.device | None = None) -> Twin:
    """The torch twin of ``network`` (``input`` overrides its input shape, batch excluded).

    Module paths are cnncalc's dotted layer names; layers with ``trainable: false`` have
    parameters with ``requires_grad`` false. With ``device="meta"`` no memory is allocated
    for the weights, which is enough to count shapes, parameters and operations.
    Raises :class:`~cnncalc.errors.NetworkError` when the network itself is wrong and
    :class:`~cnncalc.torch.twins.MissingTwin` for a layer type without a twin.
    """
    report = analyze(network, input=input)
    with torch.device(device) if device is not None else nullcontext():
        modules = {row.name: build_module(row.layer) for row in report.layers}
    freeze(modules, (row.name for row in report.layers if not row.trainable))
    return Twin(report, modules)


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


def _last_uses(plan, output: str) -> list[list[str]]:
    last: dict[str, int] = {}
    for step, (_, inputs, _) in enumerate(plan):
        for name in inputs:
            last[name] = step
    release: list[list[str]] = [[] for _ in plan]
    for name, step in last.items():
        if name != output:
            release[step].append(name)
    return release
