"""Whole networks against their torch twins: every shipped network file, and random networks
written as YAML text (sequential stacks, residual Add, Concat branches, Mul broadcasting,
blocks with arguments, repeat, frozen layers, batch > 1) loaded with ``cnncalc.loads``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import torch
import yaml
from hypothesis import given, note
from hypothesis import strategies as st

import cnncalc
from cnncalc.torch import Twin, to_torch, verify
from cnncalc.torch.network import Scope
from design_networks import BASIC_BLOCK, VGG_EXCERPT
from strategies import networks

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted([*ROOT.glob("examples/*.yaml"), *ROOT.glob("cnncalc/zoo/*.yaml")])


def _unique_files() -> list[list[Path]]:
    """The network files grouped by content: a file copied into examples/ is verified once."""
    groups: dict[str, list[Path]] = {}
    for path in FILES:
        groups.setdefault(hashlib.sha256(path.read_bytes()).hexdigest(), []).append(path)
    return list(groups.values())


def test_there_are_network_files():
    assert (ROOT / "examples" / "resnet18.yaml") in FILES


@pytest.mark.parametrize("paths", _unique_files(),
                         ids=lambda paths: "=".join(str(p.relative_to(ROOT)) for p in paths))
def test_every_shipped_network_agrees_with_its_twin(paths):
    outcome = verify(cnncalc.load(paths[0]))
    assert outcome.disagreements() == []
    assert outcome.agrees
    assert len(outcome.layers) == len(outcome.report.layers)


@pytest.mark.parametrize("name", ["lenet5", "mnist_cnn", "m5"])
def test_small_shipped_networks_agree_on_the_cpu_too(name):
    outcome = verify(cnncalc.load(ROOT / "examples" / f"{name}.yaml"), batch=2, device="cpu")
    assert outcome.disagreements() == []


# -- the twin's structure ----------------------------------------------------------------------

RESNET_EXCERPT = """
name: ResNet-18 (excerpt)
input: [3, 32, 32]
blocks:
""" + BASIC_BLOCK + """\
layers:
  - Conv2d: {out_channels: 8, kernel_size: 3, padding: 1, bias: false}
  - basic: {out: 8, repeat: 2}
  - basic: {out: 8, name: frozen, trainable: false}
  - AdaptiveAvgPool2d: {output_size: 1}
  - Flatten
  - Linear: {out_features: 10}
"""


def leaf_paths(twin: Twin) -> list[str]:
    return [name for name, module in twin.named_modules()
            if module is not twin and not isinstance(module, Scope)]


def test_twin_module_paths_are_the_dotted_layer_names():
    network = cnncalc.loads(RESNET_EXCERPT)
    twin = to_torch(network)
    report = cnncalc.analyze(network)
    assert leaf_paths(twin) == [row.name for row in report.layers]
    assert "basic_2.bn2" in leaf_paths(twin)
    assert isinstance(twin.get_submodule("basic_1"), Scope)
    assert isinstance(twin.get_submodule("basic_1.bn2"), torch.nn.BatchNorm2d)


def test_twin_runs_and_freezes_what_the_file_freezes():
    network = cnncalc.loads(RESNET_EXCERPT)
    twin = to_torch(network).eval()
    out = twin(torch.randn(2, 3, 32, 32))
    assert tuple(out.shape) == (2, 10)
    frozen = {name for name, p in twin.named_parameters() if not p.requires_grad}
    assert frozen and all(name.startswith("frozen.") for name in frozen)
    assert {name.rsplit(".", 1)[0] for name in frozen} == {
        "frozen.conv2d_1", "frozen.batchnorm2d_1", "frozen.conv2d_2", "frozen.bn2"}
    report = cnncalc.analyze(network)
    assert sum(p.numel() for p in twin.parameters() if p.requires_grad) \
        == report.totals.trainable_params


def test_twin_on_the_meta_device_allocates_nothing():
    twin = to_torch(cnncalc.loads(RESNET_EXCERPT), input=(3, 1024, 1024), device="meta")
    assert {p.device.type for p in twin.parameters()} == {"meta"}
    out = twin(torch.empty(4, 3, 1024, 1024, device="meta"))
    assert tuple(out.shape) == (4, 10)


# -- random networks (their strategy: tests/strategies.py) -----------------------------------------

def check(text: str, batch: int) -> None:
    network = cnncalc.loads(text)
    on_cpu = verify(network, batch=batch, device="cpu")
    assert on_cpu.disagreements() == []
    on_meta = verify(network, batch=batch, device="meta")
    assert on_meta.layers == on_cpu.layers  # the meta device counts exactly what the CPU does
    assert on_meta.total_macs == on_cpu.total_macs
    assert leaf_paths(to_torch(network)) == [row.name for row in on_cpu.report.layers]


@given(spec=networks(), batch=st.integers(1, 3))
def test_random_networks_agree_with_their_twins(spec, batch):
    text = yaml.safe_dump(spec, sort_keys=False)
    note(text)
    check(text, batch)


def test_the_design_documents_files_agree_with_their_twins():
    assert verify(cnncalc.loads(VGG_EXCERPT), batch=2).agrees
    assert verify(cnncalc.loads(RESNET_EXCERPT), batch=3, device="cpu").agrees


def test_one_module_cannot_stand_for_two_layers():
    # FlopCounterMode names a module by one path: a shared module would blur two layers' counts
    from cnncalc.torch import TwinError

    report = cnncalc.analyze(cnncalc.loads("input: [4]\nlayers: [ReLU, ReLU]"))
    shared = torch.nn.ReLU()
    with pytest.raises(TwinError, match="one module object cannot stand for two layers"):
        Twin(report, {"relu_1": shared, "relu_2": shared})


# -- call: how the twin calls each layer ---------------------------------------------------------

CALLED = """
input: [3, 8, 8]
layers:
  - Conv2d: {out_channels: 4, kernel_size: 3, padding: 1, name: conv}
  - ReLU: {call: functional, name: relu}
  - ReLU6: {call: functional, name: relu6}
  - Add: {from: [conv, relu6], call: method, name: add}
  - Mul: {from: [add, conv], call: functional, name: mul}
  - AdaptiveAvgPool2d: {output_size: 1, call: method, name: pool}
  - Flatten: {call: method, name: flatten}
  - Linear: {out_features: 3, name: fc}
"""


def hooked(twin: Twin) -> list[str]:
    """The layers whose forward hooks fire in one pass."""
    fired: list[str] = []
    for name, _, module in twin.leaves():
        module.register_forward_hook(lambda *_, name=name: fired.append(name))
    twin(torch.randn(2, 3, 8, 8))
    return fired


def test_the_twin_calls_each_layer_as_the_file_says():
    network = cnncalc.loads(CALLED)
    twin = to_torch(network)
    assert [(step.name, step.call) for step in twin.steps()] == [
        (row.name, row.call) for row in cnncalc.analyze(network).layers]
    assert hooked(twin) == ["conv", "fc"]              # only module calls reach the hooks
    assert hooked(to_torch(network, calls=False)) == [row.name for row in
                                                      cnncalc.analyze(network).layers]
    # every leaf is registered, however it is called: the parameters are the network's
    assert sum(p.numel() for p in twin.parameters()) == cnncalc.analyze(network).totals.params


def test_the_call_forms_compute_what_the_modules_compute():
    network = cnncalc.loads(CALLED)
    as_called, as_modules = to_torch(network), to_torch(network, calls=False)
    as_modules.load_state_dict(as_called.state_dict())
    x = torch.randn(2, 3, 8, 8)
    assert torch.allclose(as_called(x), as_modules(x))


def test_the_functional_and_method_forms_are_the_original_codes_calls(monkeypatch):
    """ptflops sees F.relu6 and torch.mul (it replaces them while it counts); x.mean([2, 3])
    and a + b are tensor methods and operators."""
    import torch.nn.functional as F

    seen: list[str] = []
    for owner, name in [(F, "relu"), (F, "relu6"), (F, "hardtanh"), (torch, "mul"),
                        (torch, "add"), (F, "adaptive_avg_pool2d")]:
        original = getattr(owner, name)
        monkeypatch.setattr(owner, name, lambda *a, _f=original, _n=name, **k: (
            seen.append(_n), _f(*a, **k))[1])
    to_torch(cnncalc.loads(CALLED))(torch.randn(1, 3, 8, 8))
    assert seen == ["relu", "relu6", "mul"]


def test_a_method_call_needs_a_method_form():
    from cnncalc.torch import TwinError

    network = cnncalc.loads("input: [3, 8, 8]\nlayers:\n  - Conv2d: {out_channels: 2, "
                            "kernel_size: 1, call: method}")
    with pytest.raises(TwinError, match=r"layer 'conv2d_1' \(Conv2d\): call: method, but a "
                                        r"Conv2d has no tensor method .* AdaptiveAvgPool2d, "
                                        r".*Add, .*Flatten, .*Mean, .*Mul, .*Permute"):
        to_torch(network)
    assert to_torch(network, calls=False)  # as modules, any layer can be called
    pooled = cnncalc.loads("input: [3, 8, 8]\nlayers:\n  - AdaptiveAvgPool2d: "
                           "{output_size: [1, 2], call: method}")
    with pytest.raises(TwinError, match=r"every output_size must be 1, not \[1, 2\]"):
        to_torch(pooled)


def test_verify_checks_every_layer_whatever_its_call():
    outcome = verify(cnncalc.loads(CALLED), batch=2)
    assert outcome.disagreements() == []
    assert not any(check.skipped for check in outcome.layers)


def test_a_copied_twin_calls_its_own_modules():
    import copy

    twin = to_torch(cnncalc.loads(CALLED))
    copied = copy.deepcopy(twin)
    assert hooked(copied) == ["conv", "fc"]
    with torch.no_grad():
        copied.get_submodule("fc").weight.zero_()
        copied.get_submodule("fc").bias.zero_()
    assert not copied(torch.randn(1, 3, 8, 8)).any()
    assert twin(torch.randn(1, 3, 8, 8)).any()
