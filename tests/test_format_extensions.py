"""The format extensions of docs/format-extensions.md: Chunk and Narrow (channel split), the
``if`` key (entries switched on and off by block arguments) and ``$arg`` as a layer type."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import cnncalc
from cnncalc.errors import LayerError, NetworkError
from cnncalc.layers.select import Chunk, Narrow, chunk_sizes
from cnncalc.torch import build_module
from oracle import torch_macs


def analyze(text: str, **kwargs):
    return cnncalc.analyze(cnncalc.loads(text, source="net.yaml"), **kwargs)


def problems(text: str) -> list[str]:
    with pytest.raises(NetworkError) as caught:
        analyze(text)
    return [str(p) for p in caught.value.problems]


def torch_shape(module: torch.nn.Module, shape: tuple[int, ...]):
    """The twin's output shape, or None when torch refuses the input."""
    try:
        return tuple(module(torch.zeros(shape)).shape)
    except (IndexError, RuntimeError, ValueError):
        return None


def static_shape(layer, shape: tuple[int, ...]):
    try:
        layer.check_input(shape)
        return tuple(layer.resolve(shape).compute_output_shape(shape))
    except LayerError:
        return None


shapes = st.lists(st.integers(1, 9), min_size=2, max_size=5).map(tuple)


# -- Chunk and Narrow against torch ------------------------------------------------------------

@given(shape=shapes, chunks=st.integers(1, 7), data=st.data())
def test_chunk_equals_torch_chunk(shape, chunks, data):
    dim = data.draw(st.integers(-len(shape) + 1, len(shape) - 1).filter(lambda d: d % len(shape)))
    index = data.draw(st.integers(-8, 8))
    layer = Chunk(chunks=chunks, dim=dim, index=index)
    twin = build_module(layer)
    assert static_shape(layer, shape) == torch_shape(twin, shape)
    out = static_shape(layer, shape)
    assert (layer.count_params(shape), torch_macs(layer, shape, out)) == (0, 0)
    assert sum(p.numel() for p in twin.parameters()) == 0


@given(shape=shapes, data=st.data())
def test_narrow_equals_torch_narrow(shape, data):
    dim = data.draw(st.integers(1, len(shape) - 1))
    start = data.draw(st.integers(-shape[dim] - 2, shape[dim] + 2))
    length = data.draw(st.integers(1, shape[dim] + 2))
    layer = Narrow(dim=dim, start=start, length=length)
    twin = build_module(layer)
    assert static_shape(layer, shape) == torch_shape(twin, shape)


def test_chunk_sizes_follow_torch_when_parts_run_out():
    # torch.chunk(13 elements, 6) gives 5 parts of ceil(13 / 6) = 3, the last one 1
    assert chunk_sizes(13, 6) == [len(t) for t in torch.arange(13).chunk(6)] == [3, 3, 3, 3, 1]


def test_chunk_index_out_of_range_says_how_many_parts_torch_makes():
    with pytest.raises(LayerError) as caught:
        Chunk(chunks=4, index=3).compute_output_shape((1, 5, 2))
    assert caught.value.field == "index"
    assert "only 3 parts of size 2 from 5" in str(caught.value)
    assert caught.value.expected == "-3 ≤ index ≤ 2"


@pytest.mark.parametrize("layer", [Chunk(chunks=2, dim=0), Narrow(dim=0, start=0, length=1),
                                   Chunk(chunks=2, dim=-4)])
def test_the_batch_dimension_cannot_be_selected(layer):
    with pytest.raises(LayerError) as caught:
        layer.compute_output_shape((2, 4, 6, 6))
    assert caught.value.field == "dim"
    assert "batch" in str(caught.value)


def test_narrow_past_the_end_is_located_at_length():
    lines = problems("input: [8, 4, 4]\nlayers:\n  - Narrow: {start: 6, length: 4}\n")
    assert lines == ["net.yaml:3:32: narrow_1 (Narrow): start + length passes the end of dim 1"
                     " (expected start + length ≤ 8, got 6 + 4 = 10)"]


def test_channel_split_halves_rejoin():
    report = analyze("""
input: [232, 28, 28]
layers:
  - Chunk: {chunks: 2, name: x1}
  - Chunk: {chunks: 2, index: 1, from: input}
  - Conv2d: {out_channels: 116, kernel_size: 1}
  - Concat: {from: [x1, conv2d_1]}
""")
    assert [row.output_shape[1] for row in report.layers] == [116, 116, 116, 232]
    assert report.layer("conv2d_1").params == (116 + 1) * 116


# -- if: entries switched off ------------------------------------------------------------------

INVERTED_RESIDUAL = """
input: [16, 8, 8]
blocks:
  ir:
    args: {hidden: null, out: null, stride: 1, expand: true, residual: false}
    layers:
      - Conv2d: {out_channels: $hidden, kernel_size: 1, bias: false, if: $expand}
      - Conv2d: {out_channels: $hidden, kernel_size: 3, padding: 1, stride: $stride,
                 groups: $hidden, bias: false}
      - Conv2d: {out_channels: $out, kernel_size: 1, bias: false, name: project}
      - Add: {from: [project, input], if: $residual}
layers:
  - ir: {hidden: 16, out: 16, expand: false, residual: true}
  - ir: {hidden: 96, out: 24, stride: 2}
"""


def test_if_switches_entries_off_by_block_argument():
    report = analyze(INVERTED_RESIDUAL)
    assert [row.name for row in report.layers] == [
        "ir_1.conv2d_1", "ir_1.project", "ir_1.add_1",          # no expansion, a shortcut
        "ir_2.conv2d_1", "ir_2.conv2d_2", "ir_2.project"]       # expansion, no shortcut
    assert report.layer("ir_1.add_1").inputs == ("ir_1.project", "input")
    assert report.layer("ir_2.conv2d_1").inputs == ("ir_1.add_1",)
    assert report.layer("ir_1.conv2d_1").layer.groups == 16    # the depthwise one


def test_a_switched_off_entry_counts_nothing():
    on = analyze(INVERTED_RESIDUAL.replace("expand: false, ", ""))
    off = analyze(INVERTED_RESIDUAL)
    assert on.totals.params - off.totals.params == 16 * 16     # the 1x1 expansion, 16 -> 16
    assert len(on.layers) == len(off.layers) + 1


@pytest.mark.parametrize("value, kept", [("true", True), ("false", False)])
def test_if_takes_plain_booleans_outside_blocks(value, kept):
    report = analyze(f"input: [3, 8, 8]\nlayers:\n  - ReLU: {{if: {value}}}\n  - ReLU6\n")
    assert [row.type for row in report.layers] == (["ReLU", "ReLU6"] if kept else ["ReLU6"])


def test_if_false_skips_a_whole_block_and_its_repeats():
    report = analyze("""
input: [3, 8, 8]
blocks:
  pair: {layers: [ReLU, ReLU6]}
layers:
  - pair: {if: false, repeat: 3}
  - Tanh
""")
    assert [row.name for row in report.layers] == ["tanh_1"]
    assert report.layer("tanh_1").inputs == ("input",)


def test_alternatives_may_share_a_name():
    text = """
input: [8, 8, 8]
blocks:
  shortcut:
    args: {down: false, keep: true}
    layers:
      - Conv2d: {name: path, out_channels: 8, kernel_size: 1, if: $down}
      - Identity: {name: path, if: $keep}
      - Add: {from: [path, input]}
layers:
  - shortcut: {down: true, keep: false}
  - shortcut
"""
    report = analyze(text)
    assert [row.name for row in report.layers] == [
        "shortcut_1.path", "shortcut_1.add_1", "shortcut_2.path", "shortcut_2.add_1"]
    assert report.layer("shortcut_1.path").type == "Conv2d"
    assert report.layer("shortcut_2.path").type == "Identity"


def test_from_naming_a_switched_off_entry_is_an_error():
    lines = problems("""input: [3, 8, 8]
layers:
  - ReLU: {name: act, if: false}
  - Add: {from: [act, input]}
""")
    assert lines == ["net.yaml:4:17: add_1 (Add): from names 'act', which is switched off (its"
                     " if is false) (expected an entry that is switched on)"]


@pytest.mark.parametrize("value, shown", [("3", "3"), ("yes please", "'yes please'"),
                                          ("[true]", "[true]")])
def test_if_must_be_a_boolean(value, shown):
    lines = problems(f"input: [3, 8, 8]\nlayers:\n  - ReLU: {{if: {value}}}\n")
    assert len(lines) == 1
    assert lines[0].startswith("net.yaml:3:16: ReLU: ")
    assert f"if must be true or false (expected true, false or a $argument holding one, " \
           f"got {shown})" in lines[0]


# -- $arg as a layer type ----------------------------------------------------------------------

ACTIVATION_BLOCK = """
input: [8, 4, 4]
blocks:
  conv_act:
    args: {act: ReLU}
    layers:
      - Conv2d: {out_channels: 8, kernel_size: 1}
      - $act
layers:
  - conv_act: {act: Hardswish}
  - conv_act
  - conv_act: {act: PReLU}
"""


def test_a_block_argument_names_the_layer_type():
    report = analyze(ACTIVATION_BLOCK)
    assert [(row.name, row.type) for row in report.layers] == [
        ("conv_act_1.conv2d_1", "Conv2d"), ("conv_act_1.hardswish_1", "Hardswish"),
        ("conv_act_2.conv2d_1", "Conv2d"), ("conv_act_2.relu_1", "ReLU"),
        ("conv_act_3.conv2d_1", "Conv2d"), ("conv_act_3.prelu_1", "PReLU")]
    assert report.layer("conv_act_3.prelu_1").params == 1


def test_a_substituted_type_takes_arguments_and_may_be_a_block():
    report = analyze("""
input: [8, 4, 4]
blocks:
  two: {layers: [ReLU, ReLU]}
  wrap:
    args: {inner: two, negative: 0.2}
    layers:
      - $inner
      - LeakyReLU: {negative_slope: $negative}
layers:
  - wrap
  - wrap: {inner: Softmax}
""")
    assert [row.name for row in report.layers] == [
        "wrap_1.two_1.relu_1", "wrap_1.two_1.relu_2", "wrap_1.leakyrelu_1",
        "wrap_2.softmax_1", "wrap_2.leakyrelu_1"]
    assert report.layer("wrap_1.leakyrelu_1").layer.negative_slope == 0.2


@pytest.mark.parametrize("act, message", [
    ("3", "$act stands for a layer type here, so it must hold a name (expected a layer type "
          "or block name such as ReLU, got 3)"),
    ("Relu", "unknown layer type 'Relu'; did you mean 'ReLU'?"),
])
def test_a_substituted_type_that_is_no_type_is_an_error(act, message):
    lines = problems(ACTIVATION_BLOCK.replace("{act: Hardswish}", f"{{act: {act}}}"))
    assert len(lines) == 1
    assert message in lines[0]
    assert lines[0].startswith("net.yaml:8:9: conv_act_1.")


def test_a_type_reference_outside_a_block_is_an_error():
    lines = problems("input: [3, 8, 8]\nlayers:\n  - $act\n")
    assert len(lines) == 1
    assert "$act" in lines[0] and lines[0].startswith("net.yaml:3:5:")
