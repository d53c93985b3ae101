"""ConvNeXt's layer types (issue 17): Permute, torchvision's LayerNorm2d and StochasticDepth, and
the reductions Mean, Amax and Sum — in a ConvNeXt-shaped network against torch, the peer tools,
autograd's saved tensors and the gradient support of the receptive fields.

Each type alone is in the registry-driven suites (tests/strategies.py); here they meet.
"""

from __future__ import annotations

import pytest
import torch

import cnncalc
from cnncalc.errors import CnncalcError
from cnncalc.teach import explain
from cnncalc.torch import to_torch, verify
from test_conventions_peers import agree_with_every_tool
from test_memory import torch_peak, torch_saved
from test_receptive import check, twin_modules

CONVNEXT = """
name: ConvNeXt (small test)
input: [3, 32, 32]
blocks:
  cnblock:
    args: {dim: null, sd: 0.0}
    layers:
      - Conv2d: {out_channels: $dim, kernel_size: 7, padding: 3, groups: $dim}
      - Permute: {dims: [0, 2, 3, 1]}
      - LayerNorm: {normalized_shape: $dim, eps: 1.0e-6}
      - Linear: {out_features: 32}
      - GELU
      - Linear: {out_features: $dim}
      - Permute: {dims: [0, 3, 1, 2], name: back}
      - StochasticDepth: {p: $sd, mode: row, name: sd}
      - Add: {from: [sd, input]}
layers:
  - Conv2d: {out_channels: 8, kernel_size: 4, stride: 4}
  - LayerNorm2d: {eps: 1.0e-6}
  - cnblock: {dim: 8, sd: 0.0}
  - cnblock: {dim: 8, sd: 0.1}
  - LayerNorm2d: {eps: 1.0e-6}
  - Conv2d: {out_channels: 16, kernel_size: 2, stride: 2}
  - Mean: {dim: [-2, -1], keepdim: true, call: method}
  - LayerNorm2d: {eps: 1.0e-6}
  - Flatten
  - Linear: {out_features: 10}
"""


def network():
    return cnncalc.loads(CONVNEXT, source="convnext.yaml")


def problems(text: str) -> list[str]:
    with pytest.raises(CnncalcError) as caught:
        cnncalc.analyze(cnncalc.loads(text, source="net.yaml"))
    return str(caught.value).splitlines()


def test_the_network_agrees_with_torch():
    result = verify(network(), batch=2)
    assert result.agrees, result.disagreements


def test_the_network_agrees_with_every_peer_tool():
    agree_with_every_tool(network(), 2)


def test_linear_and_layer_norm_read_the_channels_last_tensor():
    report = cnncalc.analyze(network())
    row = report.layer("cnblock_1.linear_1")
    assert tuple(row.input_shapes[0]) == (1, 8, 8, 8)   # [N, H, W, C]
    assert row.layer.in_features == 8 and row.params == 8 * 32 + 32
    assert report.layer("cnblock_1.back").output_shape == report.layer(
        "cnblock_1.conv2d_1").output_shape


def test_saved_bytes_and_peak_equal_torch():
    torch.manual_seed(0)
    report = cnncalc.analyze(network(), batch=2)
    twin = to_torch(network()).train()
    x = torch.randn(report.inputs["input"])
    assert report.memory.saved_bytes == torch_saved(twin, [x])
    assert report.memory.activation_peak_bytes == torch_peak(twin.eval(), x)


@pytest.mark.parametrize("body", [
    # Linear on the permuted tensor: matmul's reshape copies it, and that copy is kept
    "  - ReLU\n  - Permute: {dims: [0, 2, 3, 1]}\n  - Linear: {out_features: 3}\n",
    # a Flatten that cannot view the permuted tensor copies it
    "  - ReLU\n  - Permute: {dims: [0, 2, 3, 1]}\n  - Flatten\n  - Linear: {out_features: 3}\n",
    "  - Permute: {dims: [0, 1, 3, 2]}\n  - Sigmoid\n  - Linear: {out_features: 3}\n",
    "  - LayerNorm2d\n  - Flatten: {start_dim: 2}\n  - Linear: {out_features: 3}\n",
    "  - StochasticDepth: {p: 1.0, mode: batch}\n  - Amax: {dim: 1}\n",
])
def test_layouts_decide_what_is_kept(body):
    net = cnncalc.loads("input: [4, 5, 6]\nlayers:\n  - Conv2d: {out_channels: 4, "
                        "kernel_size: 1}\n" + body)
    report = cnncalc.analyze(net, batch=2)
    twin = to_torch(net).train()
    x = torch.randn(report.inputs["input"])
    assert report.memory.saved_bytes == torch_saved(twin, [x])
    assert report.memory.activation_peak_bytes == torch_peak(twin.eval(), x)


def test_receptive_fields_resume_after_the_permute_back():
    report = cnncalc.analyze(network())
    conv, back = report.layer("cnblock_1.conv2d_1"), report.layer("cnblock_1.back")
    assert back.receptive_field == conv.receptive_field
    permuted = report.layer("cnblock_1.linear_1")
    assert permuted.receptive_field is None
    assert permuted.receptive_field_reason.startswith("cnblock_1.permute_1 (Permute): its "
                                                      "output is permuted")
    mean = report.layer("mean_1").receptive_field
    assert (mean.size, mean.jump) == ((80, 80), (32, 32))   # all of conv2d_2's 4 × 4 positions
    assert check(report, twin_modules(report)) > 0


def test_a_permuted_tensor_ends_the_field_at_a_layer_that_mixes_positions():
    report = cnncalc.analyze(cnncalc.loads(
        "input: [2, 6, 6]\nlayers:\n  - Permute: {dims: [0, 2, 3, 1]}\n"
        "  - MaxPool2d: {kernel_size: 2}\n  - Permute: {dims: [0, 3, 1, 2]}\n"))
    assert report.layers[-1].receptive_field is None
    assert report.layers[-1].receptive_field_reason.startswith("maxpool2d_1 (MaxPool2d): ")


def test_permute_keeps_the_batch_first():
    assert problems("input: [3, 4, 4]\nlayers:\n  - Permute: {dims: [1, 0, 2, 3]}\n") == [
        "net.yaml:3:21: permute_1 (Permute): Permute must keep the batch as dim 0 (a network "
        "file describes one sample; the batch is an option of the analysis) (expected dims "
        "starting with 0, e.g. [0, 2, 3, 1], got [1, 0, 2, 3])"]


def test_a_keras_style_permute_is_told_to_name_the_batch():
    (line,) = problems("input: [3, 4, 4]\nlayers:\n  - Permute: {dims: [2, 3, 1]}\n")
    assert "Keras's Permute leaves the batch out, torch's names it: [0, 2, 3, 1]" in line


@pytest.mark.parametrize("kind", ["Mean", "Amax", "Sum"])
def test_reductions_keep_the_batch(kind):
    (line,) = problems(f"input: [3, 4, 4]\nlayers:\n  - {kind}: {{dim: [0, 2]}}\n")
    assert f"dim 0 is the batch, which {kind} cannot reduce" in line
    (line,) = problems(f"input: [3, 4, 4]\nlayers:\n  - {kind}: {{dim: []}}\n")
    assert "torch reads an empty list as every dim" in line


def test_stochastic_depth_arguments_are_torchvisions():
    lines = problems("input: [3, 4, 4]\nlayers:\n  - StochasticDepth: {p: 1.5, mode: col}\n")
    text = "\n".join(lines)
    assert "p must be between 0 and 1" in text and "mode" in text


def test_layer_norm_2d_counts_per_convention():
    net = cnncalc.loads("input: [8, 5, 6]\nlayers:\n  - LayerNorm2d\n")
    macs = {name: cnncalc.analyze(net, batch=2, convention=name).totals.macs
            for name in ("torch", "torchinfo", "fvcore", "ptflops", "thop", "full")}
    numel = 2 * 8 * 5 * 6
    # FlopCounterMode none; torchinfo N · params; fvcore aten::layer_norm 5 · numel; ptflops and
    # thop hook by exact type, so torchvision's subclass of nn.LayerNorm counts nothing
    assert macs == {"torch": 0, "torchinfo": 2 * 16, "fvcore": 5 * numel, "ptflops": 0,
                    "thop": 0, "full": 2 * numel}


def test_explain_shows_the_new_types():
    text = explain(network()).text()
    assert "Permute dims [0, 2, 3, 1]" in text
    assert "LayerNorm2d normalized_shape [8]" in text
    assert "StochasticDepth p=0.1, mode=row" in text
    assert "Mean over dim [-2, -1], keepdim" in text
