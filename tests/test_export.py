"""``cnncalc export``: the PyTorch source of every zoo network, run, equals cnncalc's numbers."""

from __future__ import annotations

import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import cnncalc

torch = pytest.importorskip("torch")

from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from cnncalc.export import class_name, to_source  # noqa: E402


def run_source(source: str, name: str, shape):
    """exec the source, build its network class on the meta device, one forward pass:
    (params, buffers, output shape, MACs, leaf modules)."""
    namespace: dict = {"__name__": "exported"}
    exec(compile(source, f"<export {name}>", "exec"), namespace)
    with torch.device("meta"):
        model = namespace[name]()
        model.eval()
        with FlopCounterMode(display=False) as counter, torch.no_grad(), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = model(torch.empty(1, *shape))
    return (sum(p.numel() for p in model.parameters()),
            sum(b.numel() for b in model.buffers()),
            tuple(tuple(o.shape) for o in out) if isinstance(out, tuple) else tuple(out.shape),
            counter.get_total_flops() // 2, model)


@pytest.mark.parametrize("zoo_name", cnncalc.zoo.names())
def test_exported_zoo_network_has_cnncalc_numbers(zoo_name):
    network = cnncalc.zoo.load(zoo_name)
    report = cnncalc.analyze(network)
    source = to_source(network)
    assert "import cnncalc" not in source and "from cnncalc" not in source
    params, buffers, shape, macs, model = run_source(source, class_name(network),
                                                     network.input)
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) \
        == report.totals.trainable_params
    assert (params, buffers, shape, macs) == (
        report.totals.params, report.totals.buffers, report.output_shapes
        if len(report.outputs) > 1 else report.layers[-1].output_shape
        if report.output == report.layers[-1].name else report.layer(report.output).output_shape,
        report.totals.macs)


RUFF = shutil.which("ruff") or shutil.which("ruff", path=str(__import__("pathlib").Path(
    sys.executable).parent))


def assert_ruff_clean(file) -> None:
    assert RUFF is not None, "ruff comes with the test extra: pip install -e '.[test]'"
    # ruff's defaults (line length 88) and more rules; N812 would refuse the usual
    # `import torch.nn.functional as F`
    check = subprocess.run([RUFF, "check", "--isolated", "--select", "E,F,W,I,N,UP,B",
                            "--ignore", "N812", str(file)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    fmt = subprocess.run([RUFF, "format", "--isolated", "--check", "--diff", str(file)],
                         capture_output=True, text=True)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


@pytest.mark.parametrize("zoo_name", cnncalc.zoo.names())
def test_exported_source_passes_ruff(zoo_name, tmp_path):
    file = tmp_path / f"{zoo_name}.py"
    file.write_text(to_source(cnncalc.zoo.load(zoo_name)), encoding="utf-8")
    assert_ruff_clean(file)


CROSS = Path(__file__).resolve().parent / "data" / "cross_attention.yaml"


def test_multihead_attention_is_written_as_torchvision_writes_it(tmp_path):
    """``nn.MultiheadAttention`` with its arguments off their defaults by keyword after the
    first two (kdim is no third positional argument), called with ``need_weights=False`` and
    its output unpacked: ``x, x, x`` for one source (ViT), ``q, m, m`` for a query and a
    memory, ``q, k, v`` for three; the source has cnncalc's numbers and passes ruff."""
    vit = to_source(cnncalc.zoo.load("vit_b_16"))
    assert "self.self_attention = nn.MultiheadAttention(768, 12, batch_first=True)\n" in vit
    assert "out, _ = self.self_attention(out, out, out, need_weights=False)\n" in vit
    assert "x = self.class_token.expand(x.shape[0], -1, -1)\n" in vit
    network = cnncalc.load(CROSS)
    source = to_source(network)
    assert "self.cross = nn.MultiheadAttention(16, 4, kdim=12, vdim=12)\n" in source, source
    assert "16, 2, bias=False, add_bias_kv=True, add_zero_attn=True, kdim=12, vdim=10\n" \
        in source, source
    assert "cross, _ = self.cross(query, memory, memory, need_weights=False)\n" in source
    assert "x, _ = self.mixed(cross, memory, x, need_weights=False)\n" in source
    report = cnncalc.analyze(network)
    params, buffers, shape, macs, _ = run_source(source, class_name(network), network.input)
    assert (params, buffers, shape, macs) == (report.totals.params, report.totals.buffers,
                                              report.layers[-1].output_shape,
                                              report.totals.macs)
    file = tmp_path / "cross.py"
    file.write_text(source, encoding="utf-8")
    assert_ruff_clean(file)


def test_a_channel_shuffle_is_written_out_as_torch_computes_it():
    """``nn.ChannelShuffle`` (which torch.onnx.export cannot write) becomes a class of the same
    name and argument doing view, transpose and reshape: the same values."""
    network = cnncalc.loads("input: [12, 5, 5]\nlayers:\n  - ChannelShuffle: {groups: 3}\n"
                            "  - ChannelShuffle: {groups: 4, call: functional}\n")
    source = to_source(network)
    assert "nn.ChannelShuffle(" not in source and "F.channel_shuffle" not in source
    namespace: dict = {}
    exec(source, namespace)  # noqa: S102 - the exported source, made here
    x = torch.randn(2, 12, 5, 5)
    expected = torch.nn.ChannelShuffle(4)(torch.nn.ChannelShuffle(3)(x))
    assert torch.equal(namespace[class_name(network)]()(x), expected)


def test_a_block_argument_no_layer_takes_is_no_parameter():
    """ResNet-50's ``stage`` takes ``rest`` (its ``repeat:``) and ``groups`` (1 everywhere):
    each structure is a class of its own, and neither is a constructor parameter."""
    source = to_source(cnncalc.zoo.load("resnet50"))
    assert "    def __init__(self, in_channels, width, out, stride=2):\n" \
           "        super().__init__()\n" \
           "        self.bottleneck_down_1 = BottleneckDown(in_channels, width, out, " \
           "stride=stride)\n" in source, source
    assert "class Stage3(nn.Module):" in source
    assert "rest" not in source and "groups" not in source
    assert "self.layer3 = Stage3(512, 256, 1024)\n" in source
