"""``Parameter`` (issue 17 part 3): a learnable tensor as a source node — ConvNeXt's layer scale,
a position embedding added with broadcasting, ViT's class token expanded over the batch and
joined by ``Concat`` — against torch, the peer tools, autograd's saved tensors, the inference
peak and the receptive fields; and ``Add``'s broadcasting, which a parameter operand needs.

The type alone is in the registry-driven suites (tests/strategies.py); here it meets merges.
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

LAYER_SCALE = """
name: layer scale
input: [8, 12, 12]
layers:
  - Conv2d: {out_channels: 8, kernel_size: 3, padding: 1}
  - GELU: {name: branch}
  - Parameter: {shape: [8, 1, 1], name: gamma, call: method}   # self.gamma
  - Mul: {from: [gamma, branch], call: method}                  # self.gamma * branch
  - StochasticDepth: {p: 0.1, mode: row}
  - Add: {from: [stochasticdepth_1, input], call: method}
"""

TOKENS = """
name: class token and position embedding (ViT-style)
input: [3, 8, 8]
layers:
  - Conv2d: {out_channels: 16, kernel_size: 4, stride: 4}       # conv_proj: [N, 16, 2, 2]
  - Flatten: {start_dim: 2}
  - Permute: {dims: [0, 2, 1], name: patches}                  # [N, 4, 16]
  - Parameter: {shape: [1, 1, 16], expand: batch, name: class_token, call: method}
  - Concat: {from: [class_token, patches], dim: 1}              # [N, 5, 16]
  - Parameter: {shape: [1, 5, 16], name: pos_embedding, call: method}
  - Add: {from: [concat_1, pos_embedding], call: method}        # x + pos_embedding
  - LayerNorm: {normalized_shape: 16}
  - Narrow: {dim: 1, start: 0, length: 1}                       # x[:, 0:1]
  - Flatten
  - Linear: {out_features: 10}
"""


def load(text: str) -> cnncalc.Network:
    return cnncalc.loads(text, source="net.yaml")


def problems(text: str) -> list[str]:
    with pytest.raises(CnncalcError) as caught:
        cnncalc.analyze(load(text))
    return str(caught.value).splitlines()


@pytest.mark.parametrize("text", [LAYER_SCALE, TOKENS])
def test_params_shapes_and_macs_agree_with_torch(text):
    result = verify(load(text), batch=3)
    assert result.agrees, result.disagreements


@pytest.mark.parametrize("text", [LAYER_SCALE, TOKENS])
def test_every_peer_tool_agrees(text):
    agree_with_every_tool(load(text), 2)


def test_a_parameter_is_counted_as_nn_parameter_counts():
    report = cnncalc.analyze(load(LAYER_SCALE), batch=4)
    gamma = report.layer("gamma")
    assert gamma.inputs == () and gamma.input_shapes == ()
    assert gamma.output_shape == (8, 1, 1)      # its own shape: no batch dim added
    assert (gamma.params, gamma.trainable_params, gamma.buffers, gamma.macs) == (8, 8, 0, 0)
    assert report.layer("mul_1").output_shape == (4, 8, 12, 12)
    frozen = cnncalc.analyze(load(LAYER_SCALE.replace("name: gamma,", "name: gamma, "
                                                      "trainable: false,")))
    assert frozen.totals.non_trainable_params == 8


def test_expand_batch_follows_the_batch():
    for batch in (1, 3):
        report = cnncalc.analyze(load(TOKENS), batch=batch)
        assert report.layer("class_token").output_shape == (batch, 1, 16)
        assert report.layer("class_token").params == 16
        assert report.layer("concat_1").output_shape == (batch, 5, 16)
        assert report.layer("add_1").output_shape == (batch, 5, 16)


def test_every_convention_counts_no_macs_for_a_parameter():
    network = load(TOKENS)
    for convention in cnncalc.analysis.CONVENTIONS:
        report = cnncalc.analyze(network, batch=2, convention=convention)
        rows = [r for r in report.layers if r.type == "Parameter"]
        assert [(r.macs, r.flops) for r in rows] == [(0, 0), (0, 0)], convention


def test_memory_a_parameter_is_no_activation():
    report = cnncalc.analyze(load(LAYER_SCALE), batch=2)
    gamma = report.layer("gamma")
    assert (gamma.output_bytes, gamma.saved_bytes) == (0, 0)
    assert report.memory.params_bytes == report.totals.params * 4
    torch.manual_seed(0)
    for text in (LAYER_SCALE, TOKENS):
        report = cnncalc.analyze(load(text), batch=2)
        twin = to_torch(load(text)).train()
        x = torch.randn(report.inputs["input"])
        # Mul keeps the branch for gamma's gradient; gamma itself is a parameter, not counted
        assert report.memory.saved_bytes == torch_saved(twin, [x])
        # forward hooks see modules only: the twin with every layer called as one
        modules = to_torch(load(text), calls=False).eval()
        assert report.memory.activation_peak_bytes == torch_peak(modules, x)


def test_receptive_field_passes_through_a_merge_with_a_parameter():
    report = cnncalc.analyze(load(LAYER_SCALE))
    assert report.layer("gamma").receptive_field is None
    assert "depends on no input position" in report.layer("gamma").receptive_field_reason
    assert report.layer("mul_1").receptive_field == report.layer("branch").receptive_field
    assert report.layer("add_1").receptive_field == report.layer("branch").receptive_field
    check(report, twin_modules(report))


def test_a_concat_with_a_parameter_ends_the_field_with_its_reason():
    report = cnncalc.analyze(load(
        "input: [4, 6, 6]\nlayers:\n  - Parameter: {shape: [1, 2, 6, 6], expand: batch}\n"
        "  - Concat: {from: [parameter_1, input]}\n  - ReLU\n"))
    assert report.layer("concat_1").receptive_field is None
    assert "learnable parameter" in report.layer("relu_1").receptive_field_reason


def test_explain_shows_the_parameter_working():
    text = explain(load(TOKENS), batch=2).text()
    assert "Parameter [1, 1, 16]" in text
    assert "expand: batch" in text


def test_from_on_a_parameter_is_an_error():
    assert problems("input: [3, 8, 8]\nlayers:\n  - ReLU\n"
                    "  - Parameter: {shape: [3, 1, 1], from: relu_1}\n") == [
        "net.yaml:4:41: parameter_1 (Parameter): Parameter takes no input: it is a tensor of "
        "its own, a source of the graph (expected no from, got 'relu_1')"]


def test_expand_needs_a_dim_0_of_1():
    lines = problems("input: [3, 8, 8]\nlayers:\n"
                     "  - Parameter: {shape: [2, 3], expand: batch}\n")
    assert len(lines) == 1
    assert "expand: batch repeats dim 0 of the parameter over the batch, so that dim must be 1"\
        in lines[0] and "(expected shape [1, ...], got [2, 3])" in lines[0]


def test_a_wrong_shape_argument_is_refused():
    lines = problems("input: [3, 8, 8]\nlayers:\n  - Parameter: {shape: [3, 0]}\n")
    assert len(lines) == 1 and "shape" in lines[0]
    assert problems("input: [3, 8, 8]\nlayers:\n  - Parameter\n") != []   # shape is required


def test_the_entry_after_a_parameter_reads_it():
    report = cnncalc.analyze(load("input: [3, 8, 8]\nlayers:\n"
                                  "  - Parameter: {shape: [1, 3, 8, 8]}\n  - Sigmoid\n"
                                  "  - Mul: {from: [sigmoid_1, input]}\n"))
    assert report.layer("sigmoid_1").inputs == ("parameter_1",)
    assert report.layer("mul_1").output_shape == (1, 3, 8, 8)


# -- Add broadcasts as torch does --------------------------------------------------------------

@pytest.mark.parametrize("other", ["[1, 8, 1, 1]", "[8, 1, 1]", "[1]", "[12]", "[1, 1, 12, 12]"])
def test_add_broadcasts_as_torch(other):
    text = ("input: [8, 12, 12]\nlayers:\n"
            f"  - Parameter: {{shape: {other}, name: bias}}\n"
            "  - Add: {from: [input, bias]}\n")
    report = cnncalc.analyze(load(text), batch=2)
    assert report.layer("add_1").output_shape == (2, 8, 12, 12)
    assert verify(load(text), batch=2).agrees


def test_add_refuses_shapes_that_do_not_broadcast():
    assert problems("input: [8, 12, 12]\nlayers:\n  - Parameter: {shape: [3, 1, 1]}\n"
                    "  - Add: {from: [input, parameter_1]}\n") == [
        "net.yaml:4:17: add_1 (Add): Add needs inputs of one shape (or shapes that broadcast: "
        "each dim equal or 1); input 2 differs from input 1 (expected [1, 8, 12, 12], "
        "got [3, 1, 1])"]
