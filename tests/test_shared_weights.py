"""Shared weights (``- {share: mlp, from: max}``, docs/format-extensions.md): a layer or block
instance applied again with the same module, as torch code calls one module twice — CBAM's
shared MLP, YOLOv5's SPPF max pool, siamese branches. Parameters and buffers are counted once
(at the first call, as ``parameters()`` counts them), operations and memory at every call.

The oracles: hand-written torch modules (CBAM's channel gate, YOLOv5's SPPF), the twin (which
calls the first layer's module object again), FlopCounterMode, and each peer tool run live.
"""

from __future__ import annotations

import json
import warnings

import pytest
import torch
import torch.nn.functional as F
from cli_runner import runner
from test_conventions_peers import quiet
from test_memory import torch_peak, torch_saved
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import cnncalc
from cnncalc.cli import main
from cnncalc.counting import NAMES
from cnncalc.errors import NetworkError
from cnncalc.torch import to_torch, verify

with warnings.catch_warnings():  # thop's distutils LooseVersion, fvcore's torch.jit.script
    warnings.simplefilter("ignore", DeprecationWarning)
    from fvcore.nn import FlopCountAnalysis
    from ptflops import get_model_complexity_info
    from thop import profile
    from torchinfo import summary


def loads(text: str, **kwargs) -> cnncalc.Network:
    return cnncalc.loads(text, source="net.yaml", **kwargs)


def analyze(text: str, **kwargs):
    return cnncalc.analyze(loads(text), **kwargs)


def cli(tmp_path, text: str, *options: str):
    """``cnncalc summary net.yaml OPTIONS`` on ``text``."""
    path = tmp_path / "net.yaml"
    path.write_text(text, encoding="utf-8")
    return runner().invoke(main, ["summary", str(path), *options])


def problems(text: str) -> list[str]:
    with pytest.raises(NetworkError) as caught:
        analyze(text)
    return [str(p) for p in caught.value.problems]


# -- the two networks of the docs, and their hand-written torch modules ---------------------------

CBAM = """
name: CBAM channel gate
input: [64, 16, 16]
blocks:
  mlp:
    args: {c: null, r: 16}
    layers:
      - Flatten
      - Linear: {out_features: $c // $r}
      - ReLU
      - Linear: {out_features: $c}
layers:
  - AvgPool2d: {kernel_size: 16, call: functional, name: avg}
  - mlp: {c: 64, name: mlp}
  - MaxPool2d: {kernel_size: 16, call: functional, from: input, name: max}
  - {share: mlp, name: mlp_max}
  - Add: {from: [mlp, mlp_max], call: method}
  - Sigmoid: {call: method}
  - Unflatten: {dim: 1, unflattened_size: [64, 1, 1]}
  - Mul: {from: [input, unflatten_1], call: method}
"""


class Flatten(nn.Module):
    def forward(self, x):
        return x.view(x.size(0), -1)


class ChannelGate(nn.Module):
    """CBAM's channel attention as Jongchan/attention-module writes it (MODELS/cbam.py,
    ``ChannelGate`` with ``pool_types=['avg', 'max']``): one ``self.mlp`` applied to the
    average-pooled and to the max-pooled map, the two summed, a sigmoid gate."""

    def __init__(self, gate_channels: int, reduction_ratio: int = 16) -> None:
        super().__init__()
        hidden = gate_channels // reduction_ratio
        self.mlp = nn.Sequential(Flatten(), nn.Linear(gate_channels, hidden), nn.ReLU(),
                                 nn.Linear(hidden, gate_channels))

    def forward(self, x):
        size = (x.size(2), x.size(3))
        channel_att_sum = self.mlp(F.avg_pool2d(x, size, stride=size))
        channel_att_sum = channel_att_sum + self.mlp(F.max_pool2d(x, size, stride=size))
        scale = channel_att_sum.sigmoid().unsqueeze(2).unsqueeze(3).expand_as(x)
        return x * scale


SPPF = """
name: SPPF
input: [128, 20, 20]
blocks:
  conv:                      # YOLOv5's Conv: Conv2d (no bias), BatchNorm2d, SiLU
    args: {out: null, k: 1, s: 1}
    layers:
      - Conv2d: {out_channels: $out, kernel_size: $k, stride: $s, padding: $k // 2,
                 bias: false, name: conv}
      - BatchNorm2d: {name: bn}
      - SiLU: {name: act}
  sppf:
    args: {c1: null, c2: null, k: 5}
    layers:
      - conv: {out: $c1 // 2, name: cv1}
      - MaxPool2d: {kernel_size: $k, stride: 1, padding: $k // 2, name: m}
      - {share: m, name: y2}
      - {share: m, name: y3}
      - Concat: {from: [cv1, m, y2, y3], call: functional}
      - conv: {out: $c2, name: cv2}
layers:
  - sppf: {c1: 128, c2: 128}
"""


class Conv(nn.Module):
    """YOLOv5's ``Conv`` (ultralytics/yolov5 models/common.py): Conv2d with
    ``padding=autopad(k)`` and no bias, BatchNorm2d, SiLU."""

    def __init__(self, c1: int, c2: int, k: int = 1, s: int = 1) -> None:
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(c2)
        self.act = nn.SiLU()

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class SPPFModule(nn.Module):
    """YOLOv5's SPPF (ultralytics/yolov5 models/common.py, ``class SPPF``): one
    ``self.m = nn.MaxPool2d(kernel_size=k, stride=1, padding=k // 2)`` applied three times in
    sequence, ``self.cv2(torch.cat((x, y1, y2, self.m(y2)), 1))``."""

    def __init__(self, c1: int, c2: int, k: int = 5) -> None:
        super().__init__()
        c_ = c1 // 2
        self.cv1 = Conv(c1, c_, 1, 1)
        self.cv2 = Conv(c_ * 4, c2, 1, 1)
        self.m = nn.MaxPool2d(kernel_size=k, stride=1, padding=k // 2)

    def forward(self, x):
        x = self.cv1(x)
        y1 = self.m(x)
        y2 = self.m(y1)
        return self.cv2(torch.cat((x, y1, y2, self.m(y2)), 1))


class SPPFNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.sppf = SPPFModule(128, 128)

    def forward(self, x):
        return self.sppf(x)


#: (network file, hand-written torch module, one sample's shape)
CASES = {"cbam": (CBAM, lambda: ChannelGate(64), (64, 16, 16)),
         "sppf": (SPPF, SPPFNet, (128, 20, 20))}


def torch_counts(module: nn.Module, shape, batch: int = 1) -> dict:
    x = torch.randn(batch, *shape)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        out = module.eval()(x)
    return {"params": sum(p.numel() for p in module.parameters()),
            "buffers": sum(b.numel() for b in module.buffers()),
            "macs": counter.get_total_flops() // 2, "output_shape": tuple(out.shape)}


def cnncalc_counts(report) -> dict:
    return {"params": report.totals.params, "buffers": report.totals.buffers,
            "macs": report.totals.macs, "output_shape": tuple(report.layers[-1].output_shape)}


# -- against torch ---------------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("batch", [1, 3])
def test_equals_the_hand_written_torch_module(case, batch):
    text, build, shape = CASES[case]
    report = analyze(text, batch=batch)
    assert cnncalc_counts(report) == torch_counts(build(), shape, batch)


@pytest.mark.parametrize("case", CASES)
def test_the_twin_calls_the_same_module_again(case):
    text, _, shape = CASES[case]
    network = loads(text)
    report = cnncalc.analyze(network)
    twin = to_torch(network)
    assert cnncalc_counts(report) == torch_counts(twin, shape)
    steps = {step.name: step.module for step in twin.steps()}
    shared = [row for row in report.layers if row.shares is not None]
    assert shared
    for row in shared:
        assert steps[row.name] is steps[row.shares]
    # the shared rows register nothing: the module paths are the layers of their own
    paths = {name for name, module in twin.named_modules() if not list(module.children())}
    assert paths == {row.name for row in report.layers if row.shares is None}
    result = verify(network)
    assert result.agrees, result.disagreements()


def test_cbam_rows_show_the_shared_mlp():
    report = analyze(CBAM)
    rows = {row.name: row for row in report.layers}
    assert rows["mlp_max.linear_1"].shares == "mlp.linear_1"
    assert rows["mlp_max.linear_1"].params == 0
    assert rows["mlp_max.linear_1"].macs == rows["mlp.linear_1"].macs == 64 * 4
    assert rows["mlp.linear_1"].params == 64 * 4 + 4
    assert rows["max"].shares is None
    block = {b.name: b for b in report.blocks}
    assert block["mlp_max"].shares == "mlp" and block["mlp"].shares is None
    assert block["mlp_max"].totals.params == 0
    assert block["mlp_max"].totals.macs == block["mlp"].totals.macs


def test_sppf_names_and_a_repeated_share():
    report = analyze(SPPF)
    names = [row.name for row in report.layers]
    assert names[3:6] == ["sppf_1.m", "sppf_1.y2", "sppf_1.y3"]
    assert [r.shares for r in report.layers[3:6]] == [None, "sppf_1.m", "sppf_1.m"]
    # the same with repeat: and default names (m_2, m_3: the target's name and the call)
    repeated = analyze("""
input: [8, 10, 10]
layers:
  - MaxPool2d: {kernel_size: 5, stride: 1, padding: 2, name: m}
  - {share: m, repeat: 2}
  - {share: m}
  - {share: m, name: y, repeat: 2}
""")
    assert [(r.name, r.shares) for r in repeated.layers] == [
        ("m", None), ("m_2", "m"), ("m_3", "m"), ("m_4", "m"), ("y_1", "m"), ("y_2", "m")]


def test_a_share_of_a_share_names_the_first_layer():
    report = analyze("""
input: [8, 10, 10]
layers:
  - Conv2d: {out_channels: 8, kernel_size: 3, padding: 1, name: conv}
  - {share: conv, name: again}
  - {share: again}
""")
    assert [r.shares for r in report.layers] == [None, "conv", "conv"]
    assert [r.params for r in report.layers] == [584, 0, 0]
    assert len({r.macs for r in report.layers}) == 1


def test_a_shared_conv_may_see_another_spatial_size():
    """torch accepts the same Conv2d on any spatial size with its channels (siamese
    branches at two resolutions)."""
    text = """
input: [3, 32, 32]
layers:
  - Conv2d: {out_channels: 3, kernel_size: 3, padding: 1, name: conv}
  - MaxPool2d: {kernel_size: 2, from: input, name: pooled}
  - {share: conv, from: pooled, name: small}
  - Upsample: {scale_factor: 2, name: up}
  - Add: {from: [conv, up]}
"""
    report = analyze(text)
    conv, small = report.layer("conv"), report.layer("small")
    assert small.output_shape == (1, 3, 16, 16) and small.params == 0
    assert small.macs * 4 == conv.macs
    network = loads(text)
    assert cnncalc_counts(report) == torch_counts(to_torch(network), (3, 32, 32))
    assert verify(network).agrees


def test_shared_inside_a_block_and_a_shared_block_with_a_share_inside():
    text = """
input: [8, 12, 12]
blocks:
  pair:
    layers:
      - Conv2d: {out_channels: 8, kernel_size: 3, padding: 1, name: c}
      - BatchNorm2d: {name: bn}
      - {share: c}
      - {share: bn}
layers:
  - pair: {name: p}
  - {share: p}
  - {share: p_2, name: third}
"""
    report = analyze(text)
    shares = {r.name: r.shares for r in report.layers}
    assert shares == {"p.c": None, "p.bn": None, "p.c_2": "p.c", "p.bn_2": "p.bn",
                      "p_2.c": "p.c", "p_2.bn": "p.bn", "p_2.c_2": "p.c", "p_2.bn_2": "p.bn",
                      "third.c": "p.c", "third.bn": "p.bn", "third.c_2": "p.c",
                      "third.bn_2": "p.bn"}
    assert report.totals.params == 8 * 8 * 9 + 8 + 16
    assert report.totals.buffers == 17            # BatchNorm2d's buffers, once
    network = loads(text)
    assert cnncalc_counts(report) == torch_counts(to_torch(network), (8, 12, 12))
    assert verify(network).agrees
    # a shared BatchNorm2d keeps its input and statistics at each call, as autograd does
    x = torch.randn(1, 8, 12, 12)
    assert report.memory.saved_bytes == torch_saved(to_torch(network).train(), [x])
    assert report.memory.activation_peak_bytes == torch_peak(
        to_torch(network, calls=False).eval(), x)
    assert report.memory.buffers_bytes == 16 * 4 + 8     # running stats, num_batches_tracked


def test_a_shared_entry_takes_a_name_once():
    assert problems("""
input: [4, 8, 8]
layers:
  - Conv2d: {out_channels: 4, kernel_size: 1, name: conv}
  - ReLU: {name: act}
  - {share: conv, name: act}
""") == [("net.yaml:6:25: act (share of conv): duplicate name 'act' (first at line 5, column "
         "18) (expected a name not used before in this scope)")]


def test_a_shared_frozen_layer_stays_frozen():
    report = analyze("""
input: [4, 8, 8]
layers:
  - Conv2d: {out_channels: 4, kernel_size: 1, trainable: false, name: conv}
  - {share: conv}
""")
    assert [(r.trainable, r.params, r.trainable_params) for r in report.layers] == [
        (False, 20, 0), (False, 0, 0)]
    assert report.totals.non_trainable_params == 20


# -- rows add up; the reports ---------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("convention", NAMES)
def test_rows_add_up_to_the_totals(case, convention):
    report = analyze(CASES[case][0], convention=convention)
    for key in ("params", "trainable_params", "buffers", "macs", "flops"):
        assert sum(getattr(r, key) for r in report.layers) == getattr(report.totals, key)
    for block in report.blocks:
        rows = [r for r in report.layers if block.name in r.scope]
        assert block.totals.params == sum(r.params for r in rows)


def test_the_json_marks_shared_rows_and_blocks(tmp_path):
    result = cli(tmp_path, CBAM, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    layers = {layer["name"]: layer for layer in data["layers"]}
    assert layers["mlp_max.linear_2"]["shares"] == "mlp.linear_2"
    assert layers["mlp.linear_2"]["shares"] is None
    assert layers["mlp_max.linear_2"]["params"] == 0
    assert all("shares" in layer for layer in data["layers"])
    blocks = {block["name"]: block for block in data["blocks"]}
    assert blocks["mlp_max"]["shares"] == "mlp" and "shares" not in blocks["mlp"]
    assert sum(layer["params"] for layer in data["layers"]) == data["totals"]["params"]


def test_a_network_without_shares_keeps_its_reports(tmp_path):
    text = "input: [3, 8, 8]\nlayers:\n  - Conv2d: {out_channels: 4, kernel_size: 3}\n"
    data = json.loads(cli(tmp_path, text, "--format", "json").stdout)
    assert "shares" not in data["layers"][0]
    csv = cli(tmp_path, text, "--format", "csv").stdout
    assert "shares" not in csv.splitlines()[0]


def test_the_table_shows_shared_like_torchinfos_recursive(tmp_path):
    text = cli(tmp_path, CBAM).stdout
    line = next(x for x in text.splitlines() if x.startswith("mlp_max.linear_1 "))
    assert "(shared)" in line and "256" in line
    relu = next(x for x in text.splitlines() if x.startswith("mlp_max.relu_1 "))
    assert "(shared)" not in relu      # torchinfo shows -- for a module without parameters
    csv = cli(tmp_path, CBAM, "--format", "csv").stdout
    header, *rows = csv.splitlines()
    assert header.split(",")[-1] == "shares"
    assert any(row.endswith(",mlp.linear_1") for row in rows)


# -- memory: the weights once, the activations at every call --------------------------------------

@pytest.mark.parametrize("case", CASES)
def test_memory_counts_the_weights_once(case):
    text, build, shape = CASES[case]
    network = loads(text)
    report = cnncalc.analyze(network, batch=2)
    memory = report.memory
    module = build()
    assert memory.params_bytes == 4 * sum(p.numel() for p in module.parameters())
    assert memory.training.gradients_bytes == memory.params_bytes
    assert memory.training.optimizer_state_bytes == 2 * memory.params_bytes   # adam
    x = torch.randn(2, *shape)
    assert memory.saved_bytes == torch_saved(module.train(), [x.requires_grad_(False)])
    assert memory.saved_bytes == torch_saved(to_torch(network).train(), [x])
    assert memory.activation_peak_bytes == torch_peak(to_torch(network, calls=False).eval(), x)
    assert memory.activations_bytes == sum(r.output_bytes for r in report.layers)


def test_the_torchinfo_footer_counts_a_recursive_layer_in_the_pass_size(tmp_path):
    network = loads(CBAM)
    result = cli(tmp_path, CBAM, "--convention", "torchinfo")
    ours = [line.removeprefix("torchinfo 1.8.0 ") for line in result.stdout.splitlines()
            if line.startswith("torchinfo 1.8.0 ")]
    with quiet():
        text = str(summary(to_torch(network), input_data=[torch.randn(1, 64, 16, 16)],
                           verbose=0))
    theirs = [line for line in text.splitlines()
              if line.startswith(("Input size (MB)", "Forward/backward pass size (MB)",
                                  "Params size (MB)", "Estimated Total Size (MB)"))]
    assert ours == theirs


# -- each counting convention against its tool -----------------------------------------------------

def peer(tool: str, model: nn.Module, shape) -> tuple[float, int]:
    """The tool's headline MACs and parameters on ``model`` (eval mode, CPU)."""
    model = model.eval()
    x = torch.randn(1, *shape)
    with quiet():
        if tool == "torchinfo":
            stats = summary(model, input_data=[x], verbose=0)
            return stats.total_mult_adds, stats.total_params
        if tool == "fvcore":
            analysis = FlopCountAnalysis(model, (x,))
            analysis.unsupported_ops_warnings(False)
            analysis.uncalled_modules_warnings(False)
            return analysis.total(), sum(p.numel() for p in model.parameters())
        if tool == "ptflops":
            macs, params = get_model_complexity_info(model, tuple(shape), as_strings=False,
                                                     print_per_layer_stat=False)
            return macs, params
        macs, params = profile(model, inputs=(x,), verbose=False)
        return macs, params


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("tool", ["torchinfo", "fvcore", "ptflops", "thop"])
def test_each_convention_equals_its_tool_on_a_module_called_again(case, tool):
    """Every tool counts each call of a module (hooks fire per call; thop and ptflops add
    to the module's counter; torchinfo lists the call as ``(recursive)``; fvcore traces
    the operations), and its parameters once."""
    text, build, shape = CASES[case]
    network = loads(text)
    report = cnncalc.analyze(network, convention=tool)
    expected = (report.totals.macs, report.totals.params)
    assert peer(tool, build(), shape) == expected
    assert peer(tool, to_torch(network), shape) == expected


def test_thop_adds_each_call_to_the_modules_count():
    """thop's per-module ``total_ops`` of a module called twice is both calls' count."""
    network = loads(CBAM)
    report = cnncalc.analyze(network, convention="thop")
    with quiet():
        _, _, tree = profile(to_torch(network).eval(), inputs=(torch.randn(1, 64, 16, 16),),
                             verbose=False, ret_layer_info=True)
    calls = sum(r.macs for r in report.layers if "linear_1" in r.name)
    assert tree["mlp"][2]["linear_1"][0] == calls == 2 * report.layer("mlp.linear_1").macs


# -- errors, located -------------------------------------------------------------------------------

def test_unknown_and_later_names_are_located():
    assert problems("""
input: [8, 16, 16]
layers:
  - Conv2d: {out_channels: 8, kernel_size: 3, padding: 1, name: conv}
  - {share: cnov}
""") == [("net.yaml:5:13: cnov_2 (share of cnov): share names 'cnov', but no earlier entry in "
         "this scope has that name; did you mean 'conv'? (expected one of conv)")]
    assert problems("""
input: [8, 16, 16]
layers:
  - {share: conv}
  - Conv2d: {out_channels: 8, kernel_size: 3, padding: 1, name: conv}
""") == [("net.yaml:4:13: conv_2 (share of conv): share names 'conv', which is defined later "
         "(at line 5, column 65); share can only name earlier entries (expected an earlier "
         "entry's name)")]


def test_a_name_of_another_scope_is_not_shared():
    found = problems("""
input: [8, 16, 16]
blocks:
  b:
    layers:
      - {share: conv}
layers:
  - Conv2d: {out_channels: 8, kernel_size: 1, name: conv}
  - b
""")
    assert found == [("net.yaml:6:17: b_1.conv_2 (share of conv): share names 'conv', but no "
                     "earlier entry in this scope has that name; share names an entry of its "
                     "own scope: the block's layers, or the network's (expected an earlier "
                     "entry's name)")]


def test_an_input_torch_would_refuse_is_an_error_at_the_shared_entry():
    assert problems("""
input: [8, 16, 16]
layers:
  - Conv2d: {out_channels: 16, kernel_size: 3, padding: 1, name: conv}
  - {share: conv}
""") == [("net.yaml:5:6: conv_2 (Conv2d): it applies 'conv' again, whose module was built for "
         "the input [1, 8, 16, 16], and torch would refuse this input: in_channels disagrees "
         "with the incoming shape (input [16, 16, 16]) (expected in_channels=16, got "
         "in_channels=8)")]
    found = problems("""
input: [8, 16, 16]
blocks:
  b:
    layers:
      - Conv2d: {out_channels: 16, kernel_size: 1}
layers:
  - b
  - {share: b_1}
""")
    assert len(found) == 1 and found[0].startswith(
        "net.yaml:9:6: b_1_2.conv2d_1 (Conv2d): it applies 'b_1.conv2d_1' again")
    # torch's own refusal, for the record
    conv = nn.Conv2d(8, 16, 3, padding=1)
    with pytest.raises(RuntimeError):
        conv(conv(torch.zeros(1, 8, 16, 16)))


def test_a_shared_entry_cannot_set_arguments():
    assert problems("""
input: [8, 16, 16]
layers:
  - Conv2d: {out_channels: 8, kernel_size: 3, padding: 1, name: conv}
  - {share: conv, out_channels: 4, trainable: false}
""") == [
        ("net.yaml:5:19: share of conv: a shared entry applies 'conv' again as it is (the same "
        "module, its weights and arguments); it cannot set 'out_channels' (expected one of "
        "share, name, from, repeat, if)"),
        ("net.yaml:5:36: share of conv: a shared entry applies 'conv' again as it is (the same "
        "module, its weights and arguments); it cannot set 'trainable' (expected one of share, "
        "name, from, repeat, if)")]


def test_the_input_a_switched_off_entry_and_a_non_name():
    assert problems("""
input: [8, 16, 16]
layers:
  - Conv2d: {out_channels: 8, kernel_size: 3, padding: 1, name: conv, if: false}
  - {share: conv}
  - {share: input, from: input}
  - {share: 3, from: input}
""") == [
        ("net.yaml:5:13: conv_2 (share of conv): share names 'conv', which is switched off (its "
        "if is false) (expected an entry that is switched on)"),
        ("net.yaml:6:13: input_2 (share of input): share names the input, which has no weights "
        "to share (expected an earlier layer or block instance of this scope)"),
        ("net.yaml:7:13: share: share names an earlier layer or block instance whose weights "
        "this entry uses again (expected a name such as mlp, got a number: 3)")]


def test_the_command_line_reports_every_problem_with_status_2(tmp_path):
    result = cli(tmp_path, """
input: [8, 16, 16]
layers:
  - Conv2d: {out_channels: 16, kernel_size: 3, padding: 1, name: conv}
  - {share: conv}
  - {share: nothing}
""")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert len([line for line in result.stderr.splitlines() if "net.yaml:" in line]) == 2


def test_a_block_named_share_still_works():
    """``share`` is a shared entry only with a name as its value, or beside other keys; a
    block of that name keeps its meaning."""
    report = analyze("""
input: [4, 8, 8]
blocks:
  share:
    args: {out: 4}
    layers:
      - Conv2d: {out_channels: $out, kernel_size: 1}
layers:
  - share: {out: 8}
  - share
""")
    assert [r.name for r in report.layers] == ["share_1.conv2d_1", "share_2.conv2d_1"]
    assert all(r.shares is None for r in report.layers)


# -- export to PyTorch source, and back through torch.fx --------------------------------------------

def exported(case: str, tmp_path, monkeypatch) -> tuple[cnncalc.Network, str, str]:
    """The network of ``case``, its exported source and the module spec that builds it."""
    from cnncalc.export import class_name, to_source

    network = loads(CASES[case][0])
    source = to_source(network)
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / f"shared_{case}.py").write_text(source, encoding="utf-8")
    return network, source, f"shared_{case}:{class_name(network)}"


@pytest.mark.parametrize("case", CASES)
def test_the_exported_source_calls_the_same_attribute_again(case, tmp_path, monkeypatch):
    import importlib
    import subprocess

    from test_export import RUFF

    network, source, spec = exported(case, tmp_path, monkeypatch)
    call = {"cbam": "self.mlp(", "sppf": "self.m("}[case]
    assert source.count(call) == {"cbam": 2, "sppf": 3}[case]
    assert source.count(call.replace("(", " = ")) == 1
    module = importlib.import_module(spec.split(":")[0])
    model = getattr(module, spec.split(":")[1])()
    report = cnncalc.analyze(network)
    assert torch_counts(model, CASES[case][2]) == cnncalc_counts(report)
    file = tmp_path / f"shared_{case}.py"
    check = subprocess.run([RUFF, "check", "--isolated", "--select", "E,F,W,I,N,UP,B",
                            "--ignore", "N812", str(file)], capture_output=True, text=True,
                           check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    fmt = subprocess.run([RUFF, "format", "--isolated", "--check", "--diff", str(file)],
                         capture_output=True, text=True, check=False)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


@pytest.mark.parametrize("case", CASES)
def test_export_then_fx_import_gives_the_same_numbers(case, tmp_path, monkeypatch):
    from cnncalc.importers.fx import import_factory

    network, _, spec = exported(case, tmp_path, monkeypatch)
    text = import_factory(spec, tuple(network.input))
    assert "{share: " in text
    imported = loads(text)
    # export writes CBAM's F.avg_pool2d and F.max_pool2d (call: functional) as modules, which
    # ptflops and thop count and do not count: the round trip holds for the other conventions
    conventions = NAMES if case == "sppf" else ("torch", "torchinfo", "fvcore", "full")
    for convention in conventions:
        ours = cnncalc.analyze(network, convention=convention, batch=2)
        theirs = cnncalc.analyze(imported, convention=convention, batch=2)
        assert theirs.totals == ours.totals, convention
        assert theirs.memory == ours.memory
        assert len(theirs.layers) == len(ours.layers)
        assert [r.shares is None for r in theirs.layers] == \
            [r.shares is None for r in ours.layers]


def test_fx_imports_a_module_called_twice_as_a_shared_entry():
    from cnncalc.importers.fx import import_model

    with torch.device("meta"):   # as cnncalc import builds a model
        sppf = SPPFNet().eval()
    text = import_model(sppf, (128, 20, 20), name="SPPF")
    assert "      - MaxPool2d: {name: m, kernel_size: 5, stride: 1, padding: 2}\n" \
           "      - {share: m}\n      - {share: m}\n" in text
    assert cnncalc_counts(analyze(text)) == torch_counts(SPPFNet(), (128, 20, 20))
    # (ChannelGate reads x.size(2), which the fx importer does not take: its exported twin,
    # which calls one Mlp module twice, is imported above)


# -- the JSON Schema of the file ---------------------------------------------------------------------

def test_the_schema_takes_shared_entries_and_refuses_their_arguments():
    import jsonschema

    from cnncalc.schema import json_schema

    validator = jsonschema.Draft202012Validator(json_schema())
    for text in (CBAM, SPPF):
        data = json.loads(json.dumps(__import__("yaml").safe_load(text)))
        assert [e.message for e in validator.iter_errors(data)] == []
    base = {"input": [3, 8, 8], "layers": [{"Conv2d": {"out_channels": 8, "kernel_size": 3,
                                                       "name": "c"}}]}
    for good in ({"share": "c"}, {"share": "c", "from": "input", "name": "c2", "repeat": 2,
                                  "if": True}):
        assert not list(validator.iter_errors({**base, "layers": base["layers"] + [good]}))
    for bad in ({"share": "c", "out_channels": 4}, {"share": "c", "trainable": False},
                {"share": "c", "call": "functional"}, {"share": 3, "from": "input"}):
        assert list(validator.iter_errors({**base, "layers": base["layers"] + [bad]})), bad


# -- explain: the working of a shared call -------------------------------------------------------------

def test_explain_says_where_the_shared_weights_are_counted():
    from cnncalc.i18n import use
    from cnncalc.teach.explain import explain

    text = explain(loads(CBAM)).text()
    assert ("params = (in + 1) · out = (64 + 1) · 4 = 260\n  the module of mlp.linear_1, "
            "called again (share): its parameters are counted there, once, so params = 0 "
            "here") in text
    with use("zh"):
        text = explain(loads(CBAM)).text()
    assert "再次调用 mlp.linear_1 的模块（share）：其参数量已在那里计入一次，此处参数量 = 0" in text
    # a shared BatchNorm2d: its buffers, counted at the first call
    text = explain(loads("""
input: [8, 6, 6]
layers:
  - BatchNorm2d: {name: bn}
  - {share: bn}
""")).text()
    assert "its buffers are counted there, once, so buffers = 0 here" in text


# -- the other forms: Python, $arguments, repeats of a block, a Parameter ------------------------------

def test_python_entries_block_arguments_repeats_and_parameters():
    from cnncalc.spec import Entry

    network = cnncalc.Network(input=[4, 8, 8], layers=[
        {"Conv2d": {"out_channels": 4, "kernel_size": 3, "padding": 1, "name": "c"}},
        {"share": "c"}, Entry("share", share="c", name="again")])
    assert [(r.name, r.params, r.shares) for r in cnncalc.analyze(network).layers] == [
        ("c", 148, None), ("c_2", 0, "c"), ("again", 0, "c")]
    text = """
input: [8, 10, 10]
blocks:
  b:
    args: {target: c}
    layers:
      - Conv2d: {out_channels: 8, kernel_size: 3, padding: 1, name: c}
      - {share: $target}
  pb:
    layers:
      - Parameter: {shape: [1, 8, 1, 1], name: p}
      - Mul: {from: [p, input]}
      - {share: p}
      - Add: {from: [p_2, mul_1]}
layers:
  - b
  - {share: b_1, repeat: 2}
  - pb
  - {share: pb_1}
"""
    network = loads(text)
    report = cnncalc.analyze(network)
    assert [b.name for b in report.blocks if b.shares == "b_1"] == ["b_1_2", "b_1_3"]
    assert {r.shares for r in report.layers if r.name.startswith(("b_1_2.", "b_1_3."))} \
        == {"b_1.c"}
    assert report.layer("pb_1_2.p").shares == "pb_1.p"
    assert report.totals.params == 8 * 8 * 9 + 8 + 8
    assert cnncalc_counts(report) == torch_counts(to_torch(network), (8, 10, 10))
    assert verify(network).agrees


@pytest.mark.parametrize("case", CASES)
def test_torchinfo_marks_the_same_calls_recursive(case):
    """torchinfo's summary rows of the twin: ``(recursive)`` exactly at cnncalc's shared
    rows, each row's mult-adds the torchinfo convention's."""
    text, _, shape = CASES[case]
    network = loads(text)
    report = cnncalc.analyze(network, convention="torchinfo")
    with quiet():
        stats = summary(to_torch(network), input_data=[torch.randn(1, *shape)], verbose=0)
    leaves = [info for info in stats.summary_list if info.is_leaf_layer]
    called = [row for row in report.layers if row.call == "module"]
    assert [info.is_recursive for info in leaves] == [row.shares is not None for row in called]
    assert [info.macs for info in leaves] == [row.macs for row in called]
    shown = [line for line in str(stats).splitlines() if "(recursive)" in line]
    assert len(shown) == sum(1 for row in called if row.shares is not None
                             and row.layer.count_params(*row.input_shapes))
