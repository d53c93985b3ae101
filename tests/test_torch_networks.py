"""Whole networks against their torch twins: every shipped network file, and random networks
written as YAML text (sequential stacks, residual Add, Concat branches, Mul broadcasting,
blocks with arguments, repeat, frozen layers, batch > 1) loaded with ``cnncalc.loads``.
"""

from __future__ import annotations

import hashlib
from math import prod
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


# -- random networks ---------------------------------------------------------------------------

ACTIVATIONS = ["ReLU", {"ReLU6": {"inplace": True}}, {"LeakyReLU": {"negative_slope": 0.2}},
               "SiLU", "GELU", "Hardswish", "Tanh", {"ELU": {"alpha": 0.5}}, "Mish"]


class Builder:
    """Draws a network entry by entry, tracking the shape (channels, spatial sizes) so that
    every entry fits; the numbers are left to cnncalc and torch."""

    def __init__(self, draw, ndim: int, channels: int, sizes: list[int]) -> None:
        self.draw, self.n = draw, ndim
        self.channels, self.sizes = channels, sizes
        self.layers: list = []
        self.blocks: dict = {}
        self.count = 0

    def fresh(self, stem: str) -> str:
        self.count += 1
        return f"{stem}{self.count}"

    def ints(self, lo: int, hi: int) -> int:
        return self.draw(st.integers(lo, hi))

    def conv_args(self, out: int) -> dict:
        """A convolution that keeps the size (stride 1) or halves it (stride 2)."""
        groups = self.draw(st.sampled_from([g for g in (1, 2, 3)
                                            if self.channels % g == 0 and out % g == 0]))
        kernel, dilation = self.draw(st.sampled_from([1, 3, 5])), self.ints(1, 2)
        args = {"out_channels": out, "kernel_size": kernel, "groups": groups,
                "bias": self.draw(st.booleans())}
        if dilation > 1:
            args["dilation"] = dilation
        if self.draw(st.booleans()) or min(self.sizes) < 2:
            args["padding"] = "same"
        else:
            args["padding"] = dilation * (kernel - 1) // 2
            args["stride"] = 2
            self.sizes = [(s - 1) // 2 + 1 for s in self.sizes]
        return args

    def conv(self) -> None:
        out = self.ints(1, 8)
        self.layers.append({f"Conv{self.n}d": self.conv_args(out)})
        self.channels = out

    def norm(self) -> None:
        kind = self.draw(st.sampled_from(["batch", "group", "instance", "layer"]))
        if kind == "batch":
            self.layers.append(f"BatchNorm{self.n}d")
        elif kind == "group":
            # a group must hold more than one value even at batch 1, or torch refuses it
            fits = [g for g in (1, 2, 4)
                    if self.channels % g == 0 and self.channels // g * prod(self.sizes) > 1]
            if not fits:
                return self.layers.append(f"BatchNorm{self.n}d")
            self.layers.append({"GroupNorm": {"num_groups": self.draw(st.sampled_from(fits))}})
        elif kind == "instance" and prod(self.sizes) > 1:
            self.layers.append({f"InstanceNorm{self.n}d": {"affine": True}})
        else:
            self.layers.append({"LayerNorm": {"normalized_shape": self.sizes[-1:]}})

    def activation(self) -> None:
        self.layers.append(self.draw(st.sampled_from(ACTIVATIONS)))

    def pool(self) -> None:
        if min(self.sizes) < 2:
            return self.activation()
        ceil = self.draw(st.booleans())
        kind = self.draw(st.sampled_from(["Max", "Avg"]))
        self.layers.append({f"{kind}Pool{self.n}d": {"kernel_size": 2, "ceil_mode": ceil}})
        self.sizes = [-(-s // 2) if ceil else s // 2 for s in self.sizes]

    def upsample(self) -> None:
        if max(self.sizes) > 6:
            return self.pool()
        if self.draw(st.booleans()):
            out = self.ints(1, 6)
            self.layers.append({f"ConvTranspose{self.n}d": {
                "out_channels": out, "kernel_size": 2, "stride": 2}})
            self.channels = out
        else:
            self.layers.append({"Upsample": {"scale_factor": 2}})
        self.sizes = [2 * s for s in self.sizes]

    def residual(self) -> None:
        """A block with arguments, used with repeat (and sometimes frozen)."""
        block = self.fresh("res")
        width = self.ints(1, 6)
        self.blocks[block] = {"args": {"width": None, "out": None, "k": 3}, "layers": [
            {f"Conv{self.n}d": {"out_channels": "$width", "kernel_size": "$k",
                                "padding": "same", "bias": False}},
            f"BatchNorm{self.n}d",
            "ReLU",
            {f"Conv{self.n}d": {"out_channels": "$out", "kernel_size": 1, "name": "last"}},
            {"Add": {"from": ["last", "input"]}},
        ]}
        args = {"width": width, "out": self.channels, "k": self.draw(st.sampled_from([1, 3])),
                "repeat": self.ints(1, 3)}
        if self.draw(st.booleans()):
            args["trainable"] = False
        if self.draw(st.booleans()):
            args["name"] = self.fresh("stage")
        self.layers.append({block: args})

    def branches(self) -> None:
        """Two branches from one fork, concatenated along the channels."""
        fork, left, right = self.fresh("fork"), self.fresh("left"), self.fresh("right")
        a, b = self.ints(1, 4), self.ints(1, 4)
        channel_dim = self.draw(st.sampled_from([1, -self.n - 1]))
        self.layers += [
            {"Identity": {"name": fork}},
            {f"Conv{self.n}d": {"name": left, "out_channels": a, "kernel_size": 1}},
            {f"Conv{self.n}d": {"name": right, "from": fork, "out_channels": b,
                                "kernel_size": 3, "padding": 1}},
            {"Concat": {"from": [left, right], "dim": channel_dim}},
        ]
        self.channels = a + b

    def excitation(self) -> None:
        """Squeeze-and-excitation: a [N, C, 1, ...] gate broadcast over the input by Mul."""
        x, gate = self.fresh("x"), self.fresh("gate")
        squeeze = self.ints(1, 4)
        self.layers += [
            {"Identity": {"name": x}},
            {f"AdaptiveAvgPool{self.n}d": {"output_size": 1}},
            {f"Conv{self.n}d": {"out_channels": squeeze, "kernel_size": 1}},
            "ReLU",
            {f"Conv{self.n}d": {"out_channels": self.channels, "kernel_size": 1}},
            {"Sigmoid": {"name": gate}},
            {"Mul": {"from": self.draw(st.permutations([x, gate]))}},
        ]

    def repeated(self) -> None:
        self.layers.append({f"Conv{self.n}d": {"out_channels": self.channels, "kernel_size": 3,
                                               "padding": 1, "repeat": self.ints(2, 3)}})

    def split(self) -> None:
        """ShuffleNet's pattern: a channel split, one half transformed, shuffled back."""
        if self.channels % 2:
            return self.conv()
        half = self.channels // 2
        fork, keep, other = self.fresh("fork"), self.fresh("keep"), self.fresh("other")
        work = self.fresh("work")
        self.layers += [
            {"Identity": {"name": fork}},
            {"Chunk": {"chunks": 2, "index": 0, "name": keep}},
            {"Narrow": {"start": half, "length": half, "from": fork, "name": other}},
            {f"Conv{self.n}d": {"out_channels": half, "kernel_size": 1, "name": work}},
            {"Concat": {"from": [keep, work]}},
            {"ChannelShuffle": {"groups": 2}},
        ]

    def dropout(self) -> None:
        self.layers.append({self.draw(st.sampled_from(["Dropout", f"Dropout{self.n}d"])):
                            {"p": self.draw(st.sampled_from([0.1, 0.5]))}})

    def head(self) -> None:
        self.layers += [{f"AdaptiveAvgPool{self.n}d": {"output_size": 1}}, "Flatten",
                        {"Linear": {"out_features": self.ints(1, 5)}}]


PIECES = ["conv", "conv", "norm", "activation", "pool", "upsample", "residual", "branches",
          "excitation", "repeated", "split", "dropout"]


@st.composite
def networks(draw) -> dict:
    ndim = draw(st.integers(1, 3))
    top = {1: 16, 2: 10, 3: 6}[ndim]
    builder = Builder(draw, ndim, draw(st.integers(1, 4)),
                      [draw(st.integers(1, top)) for _ in range(ndim)])
    spec = {"name": "random", "input": [builder.channels, *builder.sizes]}
    for piece in draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=7)):
        getattr(builder, piece)()
    if draw(st.booleans()):
        builder.head()
    if builder.blocks:
        spec["blocks"] = builder.blocks
    spec["layers"] = builder.layers
    return spec


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
