"""``cnncalc explain``: the working arrives at summary's numbers, for every layer type.

Oracles: the analysis rows (which the torch suite pins to PyTorch), PyTorch itself for the
floor and ceil_mode notes and for receptive fields (the input positions an output's gradient
reaches), and the course notes' textbook figures cited in issue 2.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch
from cli_runner import runner
from hypothesis import assume, given, strategies as st

import cnncalc
from cnncalc.analysis import measure
from cnncalc.cli import main
from cnncalc.graph import Node
from cnncalc.layers import REGISTRY
from cnncalc.spec import validate_layer
from cnncalc.teach import explain, explain_row
from cnncalc.teach.explainers import explainer_for
from cnncalc.teach.receptive import receptive_fields
from strategies import draw_case, families

EXAMPLES = sorted(Path(__file__).parent.parent.joinpath("examples").glob("*.yaml"))


def lines_of(network, name: str) -> str:
    return explain(network).layer(name).text()


# -- every layer type ------------------------------------------------------------------------

def test_every_registered_layer_type_has_an_explainer():
    missing = [name for name, cls in REGISTRY.items() if explainer_for(cls) is None]
    assert missing == []


@pytest.mark.parametrize("family", sorted(families()))
@given(data=st.data())
def test_the_working_arrives_at_the_analysis_numbers_for_random_layers(family, data):
    # explain_row raises WorkingDisagrees when its working ends anywhere else than the row
    type_name, case = draw_case(data, families()[family], valid=True)
    cls = REGISTRY[type_name]
    layer = validate_layer(cls, case.file_args(cls.model_fields))
    names = tuple(f"in{i}" for i in range(len(case.shapes)))
    row = measure(Node("layer", type_name, layer, names), case.shapes)
    working = explain_row(row)
    assert working.values["output_shape"] == tuple(row.output_shape)
    assert working.lines["output_shape"], "every layer shows how its output shape comes about"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_network_is_explained_without_disagreeing_with_summary(path):
    network = cnncalc.load(path)
    explanation = explain(network)
    report = cnncalc.analyze(network)
    assert [item.name for item in explanation.layers] == [row.name for row in report.layers]
    assert f"params = " in explanation.text()
    assert f"{report.totals.params:,}" in explanation.text().split("Totals")[-1]


# -- the textbook cases (issue 2, from the course notes the project started from) --------------

def test_issue_6_example_conv_3_to_10_kernel_5_padding_2():
    net = cnncalc.Network(input=[3, 32, 32], layers=[
        {"Conv2d": {"name": "c", "out_channels": 10, "kernel_size": 5, "padding": 2}}])
    text = lines_of(net, "c")
    assert text.splitlines()[0] == \
        "c (Conv2d 3→10, kernel 5, stride 1, padding 2, dilation 1, groups 1)"
    assert "H_out = W_out = floor((H_in + 2P − d·(K−1) − 1) / S) + 1 = " \
           "floor((32 + 4 − 4 − 1) / 1) + 1 = 32" in text
    assert "params = (Cin/g · Kh·Kw + 1) · Cout = (3 · 5·5 + 1) · 10 = 760" in text
    assert "MACs = Cout · H_out · W_out · (Cin/g) · Kh·Kw = 10 · 32 · 32 · 3 · 25 = 768,000" \
        in text
    assert "FLOPs = 2 · MACs = 1,536,000" in text
    twin = torch.nn.Conv2d(3, 10, 5, padding=2)
    assert tuple(twin(torch.zeros(1, 3, 32, 32)).shape) == (1, 10, 32, 32)
    assert sum(p.numel() for p in twin.parameters()) == 760


def test_textbook_3_to_192_channels_3x3_without_bias():
    net = cnncalc.Network(input=[3, 32, 32], layers=[
        {"Conv2d": {"name": "c", "out_channels": 192, "kernel_size": 3, "bias": False}}])
    assert "params = Cin/g · Kh·Kw · Cout = 3 · 3·3 · 192 = 5,184  (no bias)" in \
        lines_of(net, "c")
    assert sum(p.numel() for p in torch.nn.Conv2d(3, 192, 3, bias=False).parameters()) == 5184


def test_textbook_grouped_and_depthwise_separable_convolutions():
    grouped = cnncalc.Network(input=[12, 24, 24], layers=[
        {"Conv2d": {"name": "g", "out_channels": 64, "kernel_size": 3, "groups": 4,
                    "bias": False}}])
    text = lines_of(grouped, "g")
    assert "groups 4: each filter sees Cin/g = 12/4 = 3 input channels" in text
    assert "3 · 3·3 · 64 = 1,728" in text
    separable = cnncalc.Network(input=[12, 24, 24], layers=[
        {"Conv2d": {"name": "dw", "out_channels": 12, "kernel_size": 3, "groups": 12,
                    "bias": False}},
        {"Conv2d": {"name": "pw", "out_channels": 64, "kernel_size": 1, "bias": False}}])
    explanation = explain(separable)
    assert "depthwise: groups = Cin = 12" in explanation.layer("dw").text()
    assert "1 · 3·3 · 12 = 108" in explanation.layer("dw").text()
    assert "12 · 1·1 · 64 = 768" in explanation.layer("pw").text()
    assert "params = 108 + 768 = 876" in explanation.text()


def test_textbook_two_valid_5x5_convolutions_32_to_28_to_24():
    net = cnncalc.Network(input=[3, 32, 32], layers=[
        {"Conv2d": {"out_channels": 6, "kernel_size": 5}},
        {"Conv2d": {"out_channels": 10, "kernel_size": 5}}])
    text = explain(net).text()
    assert "floor((32 + 0 − 4 − 1) / 1) + 1 = 28" in text
    assert "floor((28 + 0 − 4 − 1) / 1) + 1 = 24" in text
    assert "input [1, 6, 28, 28] → output [1, 10, 24, 24]" in text


def test_textbook_fully_connected_12000_to_12():
    net = cnncalc.Network(input=[12000], layers=[{"Linear": {"name": "fc", "out_features": 12}}])
    text = lines_of(net, "fc")
    assert "params = (in + 1) · out = (12,000 + 1) · 12 = 144,012" in text
    assert "MACs = in · out = 12,000 · 12 = 144,000" in text
    assert sum(p.numel() for p in torch.nn.Linear(12000, 12).parameters()) == 144012


def test_the_batch_appears_as_a_factor_of_the_macs():
    net = cnncalc.Network(input=[3, 8, 8], layers=[
        {"Conv2d": {"name": "c", "out_channels": 4, "kernel_size": 3}}])
    text = explain(net, batch=5).layer("c").text()
    assert "MACs = N · Cout · H_out · W_out · (Cin/g) · Kh·Kw = 5 · 4 · 6 · 6 · 3 · 9 = 19,440" \
        in text


def test_transposed_convolution_working():
    net = cnncalc.Network(input=[64, 8, 8], layers=[
        {"ConvTranspose2d": {"name": "up", "out_channels": 32, "kernel_size": 4, "stride": 2,
                             "padding": 1}}])
    text = lines_of(net, "up")
    assert "H_out = W_out = (H_in − 1) · S − 2P + d·(K−1) + output_padding + 1 = " \
           "(8 − 1) · 2 − 2 + 3 + 0 + 1 = 16" in text
    assert "params = Cout/g · Kh·Kw · Cin + Cout = 32 · 4·4 · 64 + 32 = 32,800" in text
    twin = torch.nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1)
    assert tuple(twin(torch.zeros(1, 64, 8, 8)).shape) == (1, 32, 16, 16)
    assert sum(p.numel() for p in twin.parameters()) == 32800


# -- floor and ceil ----------------------------------------------------------------------------

def torch_untouched_tail(module, size: int) -> int:
    """How many trailing input positions no output depends on (all-ones weights)."""
    x = torch.ones(1, 1, size, requires_grad=True)
    module(x).sum().backward()
    touched = (x.grad[0, 0] != 0).nonzero()
    return size - 1 - int(touched.max())


@given(size=st.integers(1, 40), kernel=st.integers(1, 6), stride=st.integers(1, 5),
       padding=st.integers(0, 3), pool=st.booleans())
def test_a_division_that_drops_input_positions_is_flagged_with_the_number_torch_drops(
        size, kernel, stride, padding, pool):
    # a stride longer than the kernel also skips positions, between windows: a separate note
    assume(stride <= kernel)
    dilation = 1
    if pool:
        assume(padding <= kernel // 2)
        args = {"kernel_size": kernel, "stride": stride, "padding": padding}
        layer = {"AvgPool1d": args}
        module = torch.nn.AvgPool1d(kernel, stride, padding)
    else:
        args = {"out_channels": 1, "kernel_size": kernel, "stride": stride, "padding": padding,
                "dilation": dilation, "bias": False}
        layer = {"Conv1d": args}
        module = torch.nn.Conv1d(1, 1, kernel, stride, padding, dilation, bias=False)
        torch.nn.init.ones_(module.weight)
    assume(size + 2 * padding >= (dilation if not pool else 1) * (kernel - 1) + 1)
    net = cnncalc.Network(input=[1, size], layers=[layer])
    warnings = explain(net).layers[0].working.warnings
    flagged = sum(int(re.search(r"drops the last (\d+)", w).group(1)) for w in warnings)
    assert flagged == torch_untouched_tail(module, size)


def test_a_stride_longer_than_the_window_notes_the_skipped_positions():
    net = cnncalc.Network(input=[64, 56, 56], layers=[
        {"Conv2d": {"name": "down", "out_channels": 128, "kernel_size": 1, "stride": 2}}])
    assert "(stride 2 > window 1: the position between windows is skipped)" in \
        lines_of(net, "down")
    module = ones(torch.nn.Conv1d(1, 1, 1, stride=2, bias=False))
    x = torch.ones(1, 1, 8, requires_grad=True)
    module(x).sum().backward()
    assert x.grad[0, 0].tolist() == [1, 0] * 4


def test_a_floor_that_drops_only_padding_is_a_note_not_a_warning():
    net = cnncalc.Network(input=[3, 224, 224], layers=[
        {"Conv2d": {"name": "c", "out_channels": 64, "kernel_size": 7, "stride": 2,
                    "padding": 3}}])
    item = explain(net).layer("c")
    assert item.working.warnings == ()
    assert "223 / 2 is not exact, but floor drops only right padding" in item.text()


def test_a_floor_that_drops_input_rows_is_a_warning_naming_rows_and_columns():
    net = cnncalc.Network(input=[3, 32, 32], layers=[
        {"Conv2d": {"name": "c", "out_channels": 8, "kernel_size": 3, "stride": 2}}])
    assert "⚠ H/W: 29 / 2 is not exact — floor drops the last 1 row and 1 column of the input" \
        in lines_of(net, "c")


@pytest.mark.parametrize("size, padding, expected, note", [
    (5, 1, 3, "last-window rule: window 4 would start at (4 − 1)·S = 6 ≥ H_in + P = 6"),
    (5, 0, 3, "ceil_mode keeps a last, partial window (floor would give 2)"),
    (6, 0, 3, None),
])
def test_ceil_mode_shows_the_last_window_rule_when_it_changes_the_answer(size, padding,
                                                                         expected, note):
    net = cnncalc.Network(input=[1, size, size], layers=[
        {"MaxPool2d": {"name": "p", "kernel_size": 2, "stride": 2, "padding": padding,
                       "ceil_mode": True}}])
    text = lines_of(net, "p")
    twin = torch.nn.MaxPool2d(2, 2, padding, ceil_mode=True)
    assert tuple(twin(torch.zeros(1, 1, size, size)).shape)[2] == expected
    assert f"= {expected}" in text
    if note:
        assert note in text
    else:
        assert "last-window" not in text and "partial" not in text


def test_adaptive_pooling_says_how_it_cuts_the_windows():
    net = cnncalc.Network(input=[8, 14, 10], layers=[
        {"AdaptiveAvgPool2d": {"name": "a", "output_size": [7, 4]}}])
    text = lines_of(net, "a")
    assert "H_out = output_size = 7; 14 / 7 = 2 exactly" in text
    assert "W_out = output_size = 4; 10 / 4 is not exact" in text


# -- receptive fields --------------------------------------------------------------------------

def torch_support(module, shape, index) -> list[tuple[int, int]]:
    """Per spatial dim, the first and last input position that output ``index`` depends on."""
    x = torch.ones(1, *shape, requires_grad=True)
    out = module(x)
    out[(0, slice(None), *index)].sum().backward()
    touched = (x.grad[0] != 0).nonzero()[:, 1:]
    return [(int(touched[:, d].min()), int(touched[:, d].max())) for d in range(len(index))]


def ones(module):
    for p in module.parameters():
        torch.nn.init.ones_(p)
    return module


window_layers = st.lists(st.tuples(
    st.sampled_from(["conv", "avg", "max"]), st.integers(1, 5), st.integers(1, 3),
    st.integers(0, 2), st.integers(1, 3), st.booleans()), min_size=1, max_size=4)


@given(layers=window_layers)
def test_receptive_field_of_window_stacks_equals_what_torch_gradients_reach(layers):
    entries, modules = [], []
    for kind, k, s, p, d, default_stride in layers:
        if kind == "conv":
            entries.append({"Conv1d": {"out_channels": 1, "kernel_size": k, "stride": s,
                                       "padding": p, "dilation": d}})
            modules.append(ones(torch.nn.Conv1d(1, 1, k, s, p, d)))
        elif kind == "avg":
            p = min(p, k // 2)
            entries.append({"AvgPool1d": {"kernel_size": k, "stride": s, "padding": p}})
            modules.append(torch.nn.AvgPool1d(k, s, p))
        else:
            p = min(p, k // 2)
            stride = k if default_stride else s
            args = {"kernel_size": k, "padding": p, "dilation": d}
            if not default_stride:
                args["stride"] = s
            entries.append({"MaxPool1d": args})
            # max pooling's gradient reaches only the maxima; a ones-convolution of the same
            # geometry reaches every position of its windows
            modules.append(ones(torch.nn.Conv1d(1, 1, k, stride, p, d, bias=False)))
    size = 400
    net = cnncalc.Network(input=[1, size], layers=entries)
    try:
        report = cnncalc.analyze(net)
    except cnncalc.NetworkError:
        assume(False)
    field = receptive_fields(report)[report.layers[-1].name].spans[0]
    length = report.layers[-1].output_shape[-1]
    index = length // 2
    first = field.first + index * field.jump
    assume(first >= 0 and first + field.size - 1 <= size - 1)  # not clipped by the edges
    lo, hi = torch_support(torch.nn.Sequential(*modules), (1, size), (index,))[0]
    assert (lo, hi) == (first, first + field.size - 1)


def test_receptive_field_through_branches_is_the_union_of_the_branches():
    net = cnncalc.loads("""
input: [1, 40, 40]
layers:
  - Conv2d: {name: a, out_channels: 1, kernel_size: [3, 5], padding: [1, 2]}
  - Conv2d: {name: b, from: input, out_channels: 1, kernel_size: 3, dilation: 3, padding: 3}
  - Add: {name: sum, from: [a, b]}
  - Conv2d: {name: c, out_channels: 1, kernel_size: 3, stride: 2}
""")
    report = cnncalc.analyze(net)
    spans = receptive_fields(report)["c"].spans

    class Twin(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = ones(torch.nn.Conv2d(1, 1, (3, 5), padding=(1, 2)))
            self.b = ones(torch.nn.Conv2d(1, 1, 3, dilation=3, padding=3))
            self.c = ones(torch.nn.Conv2d(1, 1, 3, stride=2))

        def forward(self, x):
            return self.c(self.a(x) + self.b(x))

    index = (9, 9)
    support = torch_support(Twin(), (1, 40, 40), index)
    for span, i, (lo, hi) in zip(spans, index, support):
        first = span.first + i * span.jump
        assert (lo, hi) == (first, first + span.size - 1)
    assert "RF = the union of the inputs' fields" in explain(net).layer("sum").text()


def test_receptive_field_says_where_it_stops():
    text = explain(cnncalc.load(Path(__file__).parent.parent / "examples" / "lenet5.yaml")).text()
    assert "RF: not followed past this layer — its output has no spatial dimensions" in text
    assert ("RF: last followed at tanh_3: 32×32, jump 4, start 15.5; not followed past "
            "flatten_1 (Flatten): its output has no spatial dimensions") in text


# -- the command -------------------------------------------------------------------------------

def test_explain_command_on_lenet5_prints_the_working_and_the_totals():
    result = runner().invoke(main, ["explain", "examples/lenet5.yaml"])
    assert result.exit_code == 0, result.output
    assert "params = (Cin/g · Kh·Kw + 1) · Cout = (1 · 5·5 + 1) · 6 = 156" in result.output
    assert "params = 156 + 2,416 + 48,120 + 10,164 + 850 = 61,706" in result.output


def test_explain_layer_option_selects_layers_and_blocks():
    result = runner().invoke(main, ["explain", "examples/resnet18.yaml", "--layer",
                                       "layer1.basic_1", "--layer", "conv2d_1"])
    assert result.exit_code == 0, result.output
    names = re.findall(r"^(\S+) \(", result.output, re.MULTILINE)
    assert names[0] == "conv2d_1" and all(n.startswith("layer1.basic_1.") for n in names[1:])
    assert len(names) == 1 + 7
    assert "Totals" not in result.output


def test_explain_unknown_layer_is_a_one_line_error_with_a_suggestion():
    result = runner().invoke(main, ["explain", "examples/lenet5.yaml", "--layer", "c33"])
    assert result.exit_code == 2
    assert "no layer or block named 'c33' in LeNet-5; did you mean 'c3'?" in result.output


def test_explain_bad_network_file_exits_2_with_the_located_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("input: [3, 5, 5]\nlayers:\n  - Conv2d: {out_channels: 4, kernel_size: 7}\n")
    result = runner().invoke(main, ["explain", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:3:5: conv2d_1 (Conv2d):" in result.output


def test_a_layer_type_without_an_explainer_still_shows_its_numbers():
    from typing import ClassVar

    from cnncalc.analysis import Row
    from cnncalc.layers import Layer

    class Unexplained(Layer):  # abstract: kept out of the registry
        abstract: ClassVar[bool] = True

    row = Row("mystery", "Unexplained", ("input",), ((1, 3, 4, 4),), (1, 3, 4, 4), 7, 7, 0, 9, 18,
              Unexplained())
    working = explain_row(row)
    assert working.values == {"output_shape": (1, 3, 4, 4), "params": 7, "buffers": 0,
                              "macs": 9}
    assert "its working is not written out yet" in working.lines["output_shape"][0]
