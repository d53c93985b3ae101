"""Receptive fields (issue 11) against torch: the gradient support of output positions.

The twin is made linear so that a gradient is non-zero exactly where an output position depends
on an input position: elementwise layers and normalisations become identities (a norm's
statistics are constants, as cnncalc counts them), max pooling the sum over the same windows,
every weight positive, the input positive (so a product's gradient never vanishes).
For two output positions of every layer — the first, and the middle one — the input positions
with a non-zero gradient must span exactly the field cnncalc gives (``start + i·jump`` ±
``(size − 1)/2``), cut to the input's extent.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from fractions import Fraction

import pytest
import torch
import torch.nn.functional as F
import yaml
from hypothesis import HealthCheck, assume, given, note, reject, settings
from hypothesis import strategies as st

import cnncalc
from cli_runner import runner
from cnncalc import receptive
from cnncalc.analysis import Report, analyze
from cnncalc.cli import main
from cnncalc.errors import CnncalcError
from cnncalc.layers import REGISTRY
from cnncalc.layers.activation import _Activation
from cnncalc.layers.norm import _Norm
from cnncalc.layers.padding import _ReflectionPad, _ReplicationPad
from cnncalc.layers.pool import _AdaptiveMaxPool, _MaxPoolNd
from cnncalc.layers.reduce import Amax
from cnncalc.spec import INPUT
from cnncalc.teach.explain import explain
from cnncalc.teach.receptive import describe
from cnncalc.torch import build_module, to_torch
from cnncalc.torch.reduce import SumModule
from strategies import call_twin, draw_case, networks, static_row

ZOO = cnncalc.zoo.names()
#: the zoo at spatial sizes of at most 32 (the same formulas, cheaper backward passes), or the
#: smallest these networks take
SMALL = {"alexnet": 64, "inception_v3": 80, "m5": 8000}
#: networks whose input size is a file argument (a position embedding sized for the image)
SMALL_ARGS = {"vit_b_16": {"image_size": 32}}


class WindowSum(torch.nn.Module):
    """Max pooling made linear: the sum over the same windows (zeros beyond the input)."""

    def __init__(self, layer, output_shape) -> None:
        super().__init__()
        self.k, self.s, self.p, self.d = (layer.per_dim(name) for name in
                                          ("kernel_size", "stride", "padding", "dilation"))
        self.out = output_shape[2:]

    def forward(self, x):
        n, pads = len(self.k), []
        for i in reversed(range(n)):
            reach = (self.out[i] - 1) * self.s[i] + self.d[i] * (self.k[i] - 1) + 1
            pads += [self.p[i], max(0, reach - x.shape[2 + i] - self.p[i])]
        weight = torch.ones(x.shape[1], 1, *self.k, dtype=x.dtype)
        y = (F.conv1d, F.conv2d, F.conv3d)[n - 1](F.pad(x, pads), weight, stride=self.s,
                                                  dilation=self.d, groups=x.shape[1])
        return y[(slice(None), slice(None), *(slice(0, o) for o in self.out))]


def linear_twin(row, module: torch.nn.Module) -> torch.nn.Module:
    layer = row.layer
    if isinstance(layer, (_Activation, _Norm)):
        return torch.nn.Identity()
    if isinstance(layer, _MaxPoolNd):
        return WindowSum(layer, row.output_shape)
    if isinstance(layer, Amax):   # the largest value made linear: the sum over the same dims
        return SumModule(layer.dim, layer.keepdim)
    if isinstance(layer, _AdaptiveMaxPool):
        pool = (torch.nn.AdaptiveAvgPool1d, torch.nn.AdaptiveAvgPool2d,
                torch.nn.AdaptiveAvgPool3d)[len(row.output_shape) - 3]
        return pool(row.output_shape[2:])
    if type(layer).__name__ == "Parameter":   # a multiplier: never 0, which would hide a field
        for parameter in module.parameters():
            torch.nn.init.constant_(parameter, 1.0)
        return module.eval()
    for parameter in module.parameters():
        fan = math.prod(parameter.shape[1:]) if parameter.dim() > 1 else 1
        torch.nn.init.constant_(parameter, 1.0 / fan if parameter.dim() > 1 else 0.0)
    return AsCalled(module).eval()


class AsCalled(torch.nn.Module):
    """A module called as code calls it (``attn(q, k, v, need_weights=False)[0]``)."""

    def __init__(self, module: torch.nn.Module) -> None:
        super().__init__()
        self.module = module

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        return call_twin(self.module, inputs)


def supports(report: Report, modules: dict[str, torch.nn.Module]):
    """For every row with spatial output: the gradient support of its first and middle output
    positions, as (first, last) input positions per spatial dim (None: no dependency).

    Several layers are probed by one backward pass, each on its own two samples of the batch
    (samples do not mix in the linear twin: no batch statistics).
    """
    shape = report.inputs[INPUT]
    per_sample = sum(math.prod(row.output_shape[1:]) for row in report.layers)
    group = max(1, min(16, 25_000_000 // (2 * per_sample)))
    x = torch.rand(2 * group, *shape[1:]) + 0.5
    x.requires_grad_(True)
    values = {INPUT: x}
    probed = []
    for row in report.layers:
        # a source (Parameter) takes the input only for its batch (expand: batch)
        values[row.name] = modules[row.name](*([values[name] for name in row.inputs] or [x]))
        if values[row.name].dim() == x.dim() and row.inputs:   # not a Parameter (no batch)
            probed.append(row)
    for start in range(0, len(probed), group):
        rows, chosen, probes = probed[start:start + group], 0, []
        for j, row in enumerate(rows):
            out = values[row.name]
            pair = [tuple(0 for _ in out.shape[2:]), tuple(n // 2 for n in out.shape[2:])]
            chosen = chosen + sum(out[(2 * j + b, slice(None), *p)].sum()
                                  for b, p in enumerate(pair))
            probes.append(pair)
        (grad,) = torch.autograd.grad(chosen, x, retain_graph=True, allow_unused=True)
        for j, (row, pair) in enumerate(zip(rows, probes)):
            found = []
            for b, probe in enumerate(pair):
                touched = ((grad[2 * j + b] != 0).nonzero()[:, 1:] if grad is not None
                           else torch.empty(0, x.dim() - 2))
                found.append((probe, [None if len(touched) == 0 else
                                      (int(touched[:, d].min()), int(touched[:, d].max()))
                                      for d in range(x.dim() - 2)]))
            yield row, found


def field_of(field, probe):
    """Per dim, the first and last input position of output position ``probe``'s field."""
    ends = []
    for size, jump, start, i in zip(field.size, field.jump, field.start, probe):
        first = start - Fraction(size - 1, 2) + i * jump
        assert first.denominator == 1
        ends.append((int(first), int(first) + size - 1))
    return ends


def agrees(field, support, sizes) -> bool:
    """The field's ends are where the support ends, where they lie inside the input.

    The ends of a field are always real dependencies (the outer taps of the outer taps); inside
    it there may be holes (dilation, a stride larger than the kernel), so where the field is
    cut by the input's edge, the support ends somewhere inside the cut field.
    """
    if any(hi < 0 or lo > n - 1 for (lo, hi), n in zip(field, sizes)):
        return all(found is None for found in support)   # the field lies beyond the input
    if all(found is None for found in support):
        # no input position at all: possible only where both ends of a field lie outside
        # and its holes cover the input
        return any(lo < 0 and hi > n - 1 for (lo, hi), n in zip(field, sizes))
    for (lo, hi), found, n in zip(field, support, sizes):
        inside_lo, inside_hi = 0 <= lo <= n - 1, 0 <= hi <= n - 1
        a, b = found
        if not (max(lo, 0) <= a <= b <= min(hi, n - 1)):
            return False
        if (inside_lo and a != lo) or (inside_hi and b != hi):
            return False
    return True


def check(report: Report, modules: dict[str, torch.nn.Module]) -> int:
    """Compare every layer; returns how many field ends were inside the input (compared
    exactly)."""
    reflected = False
    sizes = report.inputs[INPUT][2:]
    exact = 0
    for row, found in supports(report, modules):
        reflected |= (isinstance(row.layer, (_ReflectionPad, _ReplicationPad))
                      or getattr(row.layer, "padding_mode", "zeros") != "zeros")
        field = row.receptive_field
        if field is None:
            assert row.receptive_field_reason, row.name
            continue
        for probe, support in found:
            ends = field_of(field, probe)
            where = f"{row.name} ({row.type}) at {probe}: field {ends}, support {support}"
            if reflected and not all(0 <= lo and hi < n for (lo, hi), n in zip(ends, sizes)):
                continue   # reflected, replicated or circular padding reads real positions
            assert agrees(ends, support, sizes), where
            exact += sum((0 <= lo < n) + (0 <= hi < n) for (lo, hi), n in zip(ends, sizes))
    return exact


def twin_modules(report: Report) -> dict[str, torch.nn.Module]:
    return {row.name: linear_twin(row, build_module(row.layer))
            for row in report.layers}


@pytest.mark.parametrize("name", ZOO)
def test_every_field_of_the_zoo_is_the_gradient_support(name):
    if name in SMALL_ARGS:
        report = analyze(cnncalc.load(name, args=SMALL_ARGS[name]))
    else:
        network = cnncalc.load(name)
        channels, *sizes = network.input
        report = analyze(network, input=(channels, *(min(n, SMALL.get(name, 32))
                                                     for n in sizes)))
    exact = check(report, twin_modules(report))
    assert exact > 0 or all(row.receptive_field is None for row in report.layers)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=networks())
def test_random_networks_fields_are_the_gradient_support(spec):
    try:
        report = analyze(cnncalc.loads(yaml.safe_dump(spec)))
    except CnncalcError:
        reject()
    check(report, twin_modules(report))


SINGLE = sorted(name for name, cls in REGISTRY.items() if cls.arity[0] == 1)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_layer_types_field_is_its_gradient_support(data):
    type_name, case = draw_case(data, SINGLE, valid=True)
    # one input: the probe feeds the layer one tensor (MultiheadAttention's self-attention;
    # its query-and-memory forms stop the field the same way)
    assume(len(case.shapes) == 1)
    row = static_row(type_name, case)
    if len(case.shapes[0]) < 3:
        field = receptive.walk([row], row.inputs[0], case.shapes[0])[row.name]
        assert field.spans is None and field.reason
        return
    note(f"resolved: {row.layer!r}")
    row = replace(row, inputs=(INPUT,))
    field = receptive.walk([row], INPUT, case.shapes[0])[row.name]
    row = replace(row, receptive_field=field.receptive_field,
                  receptive_field_reason=field.reason)
    check(Report("one", 2, "torch", {INPUT: case.shapes[0]}, [row], None), twin_modules(
        Report("one", 2, "torch", {INPUT: case.shapes[0]}, [row], None)))


def test_every_layer_type_has_a_receptive_field_rule():
    assert [n for n, cls in sorted(REGISTRY.items()) if cls not in receptive.RULES] == []


def test_registering_a_type_twice_is_an_error():
    with pytest.raises(TypeError, match="receptive-field rules: Flatten has a rule already"):
        receptive.rule(REGISTRY["Flatten"])(lambda site, inputs: (inputs[0], ()))


# -- what people see ---------------------------------------------------------------------------

SE = """
input: [3, 32, 32]
layers:
  - Conv2d: {name: stem, out_channels: 8, kernel_size: 3, stride: 2, padding: 1}
  - AdaptiveAvgPool2d: {name: squeeze, output_size: 1}
  - Conv2d: {name: excite, out_channels: 8, kernel_size: 1}
  - Sigmoid: {name: gate}
  - Mul: {name: scaled, from: [stem, gate]}
  - Conv2d: {name: after, out_channels: 8, kernel_size: 3, padding: 1}
  - Flatten: {name: flat}
"""


def test_a_squeeze_and_excitation_gate_makes_every_position_see_the_whole_input():
    report = cnncalc.analyze(cnncalc.loads(SE))
    stem, scaled, after = (report.layer(n).receptive_field for n in ("stem", "scaled", "after"))
    assert (stem.size, stem.jump, stem.start) == ((3, 3), (2, 2), (0, 0))
    # every position sees the union of its own 3×3 window and the gate's whole input
    assert (scaled.size, scaled.jump, scaled.start) == ((33, 33), (0, 0), (15, 15))
    assert after == scaled
    assert report.layer("flat").receptive_field is None
    assert report.layer("flat").receptive_field_reason == (
        "flat (Flatten): its output has no spatial dimensions")
    text = explain(cnncalc.loads(SE)).layer("scaled").text()
    assert ("RF = the union of the inputs' fields (3×3, jump 2, start 0; 33×33, jump 32, "
            "start 15 — broadcast over space: the same for every position) = 33×33, jump 0, "
            "start 15") in text


def test_json_and_api_have_the_same_field():
    report = cnncalc.analyze(cnncalc.loads(SE))
    data = json.loads(report.to_json())
    layers = {layer["name"]: layer for layer in data["layers"]}
    assert layers["stem"]["receptive_field"] == {"size": [3, 3], "jump": [2, 2],
                                                 "start": [0, 0]}
    assert layers["flat"]["receptive_field"] is None
    assert layers["flat"]["receptive_field_reason"] == report.layer("flat").receptive_field_reason
    assert layers["stem"]["receptive_field_reason"] is None
    for row in report.layers:
        if row.receptive_field is not None:
            assert layers[row.name]["receptive_field"] == {
                "size": list(row.receptive_field.size), "jump": list(row.receptive_field.jump),
                "start": [float(s) if s.denominator > 1 else int(s)
                          for s in row.receptive_field.start]}


def test_half_positions_are_exact_json_numbers():
    report = cnncalc.analyze(cnncalc.loads(
        "input: [1, 16]\nlayers:\n  - Conv1d: {out_channels: 1, kernel_size: 4}\n"))
    assert report.layers[0].receptive_field.start == (Fraction(3, 2),)
    assert json.loads(report.to_json())["layers"][0]["receptive_field"]["start"] == [1.5]


def test_explain_shows_the_analysis_field():
    network = cnncalc.load("resnet18")
    report = cnncalc.analyze(network)
    explained = explain(network)
    for row in report.layers:
        item = explained.layer(row.name)
        if row.receptive_field is None:
            assert item.field.spans is None
        else:
            assert item.field.receptive_field == row.receptive_field
    last = [r for r in report.layers if r.receptive_field is not None][-1]
    assert f"last followed at {last.name}: {describe(last.receptive_field.spans())}" \
        in explained.text()


def test_summary_shows_the_field_column_on_request():
    result = runner().invoke(main, ["summary", "lenet5", "--columns", "receptive_field"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "Receptive field" in lines[2]
    c1 = next(line for line in lines if line.startswith("c1 (Conv2d)"))
    assert "5×5, jump 1, start 2" in c1
    f6 = next(line for line in lines if line.startswith("f6 (Linear)"))
    assert "—" in f6
    csv = runner().invoke(main, ["summary", "lenet5", "--format", "csv"]).stdout.splitlines()
    header = csv[0].split(",")
    at = header.index("receptive_field")
    assert header[at + 1] == "receptive_field_reason"
    assert csv[1].split(",")[at:at + 2] == ["5x5 1x1 2x2", ""]


CHANNELS = """
input: [2, 40]
layers:
  - Conv1d: {name: narrow, out_channels: 2, kernel_size: 1}
  - Conv1d: {name: wide, from: input, out_channels: 2, kernel_size: 7, padding: 3}
  - Concat: {name: both, from: [narrow, wide]}
  - Chunk: {name: first, from: both, chunks: 2, index: 0}
  - Chunk: {name: second, from: both, chunks: 2, index: 1}
  - Narrow: {name: middle, from: both, start: 1, length: 2}
  - ChannelShuffle: {name: shuffled, from: both, groups: 2}
  - Chunk: {name: mixed, from: shuffled, chunks: 2, index: 0}
  - Conv1d: {name: grouped, from: both, out_channels: 4, kernel_size: 3, groups: 2}
  - Chunk: {name: grouped_first, chunks: 2, index: 0}
  - Conv1d: {name: depthwise, from: both, out_channels: 4, kernel_size: 1, groups: 4}
  - Narrow: {name: depthwise_last, start: 3, length: 1}
  - Add: {name: added, from: [first, second]}
  - Conv1d: {name: one, from: input, out_channels: 1, kernel_size: 3, padding: 1}
  - Mul: {name: gated, from: [depthwise, one]}
  - Chunk: {name: gated_first, chunks: 2, index: 0}
"""


def test_a_channel_split_sees_what_its_own_channels_see():
    report = cnncalc.analyze(cnncalc.loads(CHANNELS))
    sizes = {row.name: row.receptive_field.size[0] for row in report.layers}
    assert sizes == {"narrow": 1, "wide": 7, "both": 7, "first": 1, "second": 7, "middle": 7,
                     "shuffled": 7, "mixed": 7, "grouped": 9, "grouped_first": 3,
                     "depthwise": 7, "depthwise_last": 7, "added": 7, "one": 3, "gated": 7,
                     "gated_first": 3}
    assert check(report, twin_modules(report)) > 0
