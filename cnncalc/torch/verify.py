"""Cross-checking the static analysis against the twin: one forward pass, every layer compared.

What is compared, per leaf layer: the output shape (a forward hook), the parameters, the
trainable parameters and the buffers (``numel`` sums over the module), and the MACs (the
module's ``FlopCounterMode`` count, halved); and over the whole network, the total MACs
against ``FlopCounterMode``'s global count, so that nothing is counted outside the leaves.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterable

import torch
from torch.utils.flop_counter import FlopCounterMode

from cnncalc.analysis import Report, Row, analyze
from cnncalc.counting.torch import seen_by_flop_counter
from cnncalc.spec import Network
from cnncalc.torch.network import Twin, freeze
from cnncalc.torch.twins import build_module

QUANTITIES = ("output_shape", "params", "trainable_params", "buffers", "macs")
DEVICES = ("meta", "cpu")


@dataclass(frozen=True)
class Quantity:
    """One number (or shape) of one layer, as cnncalc states it and as torch measures it."""

    name: str
    static: Any
    torch: Any

    @property
    def agrees(self) -> bool:
        return self.static == self.torch


@dataclass(frozen=True)
class LayerCheck:
    """A leaf layer's quantities; ``error`` when torch could not build or run it, ``skipped``
    when the forward pass stopped at an earlier layer."""

    name: str
    type: str
    quantities: tuple[Quantity, ...] = ()
    error: str | None = None
    skipped: bool = False

    @property
    def agrees(self) -> bool:
        return (self.error is None and not self.skipped
                and all(q.agrees for q in self.quantities))

    def quantity(self, name: str) -> Quantity:
        for quantity in self.quantities:
            if quantity.name == name:
                return quantity
        raise KeyError(name)


@dataclass(frozen=True)
class Verification:
    """The outcome of :func:`verify`."""

    report: Report
    layers: list[LayerCheck]
    total_macs: Quantity | None   # None when the forward pass did not complete
    device: str
    error: str | None = None      # torch failed outside every layer
    torch_version: str = torch.__version__

    @property
    def agrees(self) -> bool:
        return (self.error is None and all(layer.agrees for layer in self.layers)
                and self.total_macs is not None and self.total_macs.agrees)

    def disagreements(self) -> list[tuple[str, str, Any, Any]]:
        """``(layer, what, cnncalc's value, torch's value)`` for everything that differs;
        ``what`` is ``"torch"`` when torch refused the layer (its error is the last item)."""
        found = []
        for layer in self.layers:
            where = f"{layer.name} ({layer.type})"
            if layer.error is not None:
                found.append((where, "torch", "accepts it", layer.error))
            found += [(where, q.name, q.static, q.torch) for q in layer.quantities
                      if not q.agrees]
        if self.error is not None:
            found.append(("whole network", "torch", "accepts it", self.error))
        if self.total_macs is not None and not self.total_macs.agrees:
            found.append(("whole network", "macs", self.total_macs.static,
                          self.total_macs.torch))
        return found


def verify(network: Network, *, batch: int = 1, input: Iterable[int] | None = None,
           device: str = "meta") -> Verification:
    """Build the twin, run one forward pass under ``FlopCounterMode``, compare every layer.

    ``device="meta"`` (the default) runs on shapes alone: the counts are the same as on the
    CPU (the test suite checks this for every layer type) and a large input costs nothing.
    Every layer is called as a module, whatever its ``call:`` key, so that each is checked.
    Raises :class:`~cnncalc.errors.NetworkError` when the static analysis fails.
    """
    if device not in DEVICES:
        raise ValueError(f"device must be one of {', '.join(DEVICES)}, not {device!r}")
    report = analyze(network, batch=batch, input=input)
    modules, errors = _build(report, device)
    if errors:
        checks = [LayerCheck(row.name, row.type, error=errors[row.name])
                  for row in report.layers if row.name in errors]
        return Verification(report, checks, None, device)
    freeze(modules, (row.name for row in report.layers if not row.trainable))
    # every layer called as a module, whatever its call: key, so that the hooks below see it;
    # FlopCounterMode counts the same operations in every call form
    twin = Twin(report, modules, calls=False).eval()
    return _run(report, twin, device)


def _build(report: Report, device: str) -> tuple[dict[str, torch.nn.Module], dict[str, str]]:
    modules, errors = {}, {}
    with torch.device(device) if device == "meta" else nullcontext():
        for row in report.layers:
            if row.shares is not None:   # it calls its first layer's module again
                continue
            try:
                modules[row.name] = build_module(row.layer)
            except Exception as err:  # torch's constructors raise many kinds of errors
                errors[row.name] = f"cannot build the twin: {_describe(err)}"
    return modules, errors


def _run(report: Report, twin: Twin, device: str) -> Verification:
    shapes: dict[str, Any] = {}
    running: list[str] = []
    hooks = []
    calls: dict[int, list[str]] = {}   # each module: the layers that call it, in order
    for name, _, module in twin.leaves():
        calls.setdefault(id(module), []).append(name)
    per_call: dict[str, int] = {}      # a module called more than once: each call's FLOPs
    counter = FlopCounterMode(display=False)
    for name, _, module in twin.leaves():
        names = calls[id(module)]
        if name != names[0]:
            continue   # one pair of hooks per module; they tell its calls apart
        hooks.append(module.register_forward_pre_hook(_entering(names, running, counter,
                                                                per_call)))
        hooks.append(module.register_forward_hook(_recording(names, shapes, counter,
                                                             per_call)))
    shape = report.inputs["input"]
    sample = (torch.empty(shape, device="meta") if device == "meta"
              else torch.randn(shape, device=device))
    failure = failed_at = None
    try:
        with torch.no_grad(), counter:
            twin(sample)
    except Exception as err:  # whatever torch raises, it is a disagreement to report
        failure = _describe(err)
        failed_at = next((name for name in reversed(running) if name not in shapes), None)
    finally:
        for hook in hooks:
            hook.remove()
    flops = {name: sum(ops.values()) for name, ops in counter.get_flop_counts().items()}
    prefix = type(twin).__name__ + "."
    checks = []
    counted: set[int] = set()   # the modules whose parameters are counted already
    for (name, _, module), row in zip(twin.leaves(), report.layers):
        first = id(module) not in counted
        counted.add(id(module))
        if name == failed_at:
            checks.append(LayerCheck(row.name, row.type, error=f"torch rejects it: {failure}"))
        elif name not in shapes:
            checks.append(LayerCheck(row.name, row.type, skipped=True))
        else:
            checks.append(LayerCheck(row.name, row.type, _quantities(
                row, module, shapes[name], per_call[name] if len(calls[id(module)]) > 1
                else flops.get(prefix + name, 0), first)))
    if failure is not None:
        outside = None if failed_at is not None else f"the forward pass failed: {failure}"
        return Verification(report, checks, None, device, outside)
    # FlopCounterMode counts nothing of some operators (torchvision::deform_conv2d): there the
    # comparison is with what it counts, and cnncalc's own rule is documented, not verified
    unseen = sum(row.macs for row in report.layers if not seen_by_flop_counter(row.layer))
    total = Quantity("macs", report.totals.macs - unseen, _halve(flops.get("Global", 0)))
    return Verification(report, checks, total, device)


def _quantities(row: Row, module: torch.nn.Module, shape: Any, flops: int, first: bool = True
                ) -> tuple[Quantity, ...]:
    """The row against its module's call; a module called again (``share:``) brings no
    parameters or buffers of its own after its first call, as ``parameters()`` counts them."""
    params = list(module.parameters()) if first else []
    return (
        Quantity("output_shape", tuple(row.output_shape), shape),
        Quantity("params", row.params, sum(p.numel() for p in params)),
        Quantity("trainable_params", row.trainable_params,
                 sum(p.numel() for p in params if p.requires_grad)),
        Quantity("buffers", row.buffers, sum(b.numel() for b in module.buffers()) if first
                 else 0),
        Quantity("macs", row.macs if seen_by_flop_counter(row.layer) else 0, _halve(flops)),
    )


def _global(counter: FlopCounterMode) -> int:
    return sum(counter.get_flop_counts().get("Global", {}).values())


def _entering(names: list[str], running: list[str], counter: FlopCounterMode,
              per_call: dict[str, int]):
    """The pre-hook of a module called by the layers ``names`` (one, or several: share:)."""
    def hook(module, args):
        name = names[sum(1 for n in running if n in names) % len(names)]
        running.append(name)
        per_call[name] = -_global(counter)
    return hook


def _recording(names: list[str], shapes: dict[str, Any], counter: FlopCounterMode,
               per_call: dict[str, int]):
    def hook(module, args, output):
        name = next(n for n in reversed(names) if n in per_call and n not in shapes) \
            if len(names) > 1 else names[0]
        per_call[name] += _global(counter)
        if isinstance(output, tuple) and output and isinstance(output[0], torch.Tensor):
            output = output[0]   # nn.MultiheadAttention's (output, weights): the call takes [0]
        shapes[name] = (tuple(output.shape) if isinstance(output, torch.Tensor)
                        else f"a {type(output).__name__}, not a tensor")
    return hook


def _halve(flops: int) -> int | Fraction:
    """FLOPs to MACs; a Fraction only if torch ever counted an odd number of FLOPs."""
    half = Fraction(flops, 2)
    return int(half) if half.denominator == 1 else half


def _describe(err: Exception) -> str:
    text = " ".join(str(err).split())
    if len(text) > 300:
        text = text[:297] + "..."
    return f"{type(err).__name__}: {text}" if text else type(err).__name__
