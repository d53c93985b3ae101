"""Names, repeats, blocks, `from` wiring, anchors and trainable: the graph DESIGN.md describes."""

import pytest

import cnncalc
from cnncalc.errors import NetworkError


def analyze(text, **kwargs):
    return cnncalc.analyze(cnncalc.loads(text, source="net.yaml"), **kwargs)


def test_default_names_are_keras_like_counters_per_type():
    report = analyze("""
input: [3, 8, 8]
layers:
  - Conv2d: {out_channels: 4, kernel_size: 3}
  - ReLU
  - Conv2d: {out_channels: 4, kernel_size: 3}
  - ReLU
""")
    assert [r.name for r in report.layers] == ["conv2d_1", "relu_1", "conv2d_2", "relu_2"]
    assert [r.inputs for r in report.layers] == [("input",), ("conv2d_1",), ("relu_1",),
                                                 ("conv2d_2",)]
    assert not report.branches


def test_repeat_chains_copies_and_names_them():
    report = analyze("""
input: [4, 8, 8]
layers:
  - Conv2d: {out_channels: 4, kernel_size: 3, padding: 1, repeat: 3}
  - Conv2d: {out_channels: 4, kernel_size: 1, name: head, repeat: 2}
  - Add: {from: [head, conv2d_1]}
""")
    assert [r.name for r in report.layers] == ["conv2d_1", "conv2d_2", "conv2d_3", "head_1",
                                               "head_2", "add_1"]
    assert report.layer("add_1").inputs == ("head_2", "conv2d_1")
    assert report.totals.params == 3 * (4 * 9 + 1) * 4 + 2 * (4 + 1) * 4


def test_blocks_substitute_arguments_and_report_dotted_names():
    report = analyze("""
input: [8, 16, 16]
blocks:
  res:
    args: {out: null, k: 3}
    layers:
      - Conv2d: {out_channels: $out, kernel_size: $k, padding: 1, name: c}
      - ReLU
      - Add: {from: [relu_1, input]}
layers:
  - res: {out: 8, repeat: 2}
  - res: {out: 8, name: last}
""")
    names = [r.name for r in report.layers]
    assert names == ["res_1.c", "res_1.relu_1", "res_1.add_1", "res_2.c", "res_2.relu_1",
                     "res_2.add_1", "last.c", "last.relu_1", "last.add_1"]
    assert report.layer("res_1.add_1").inputs == ("res_1.relu_1", "input")
    assert report.layer("res_2.add_1").inputs == ("res_2.relu_1", "res_1.add_1")
    assert report.layer("last.c").inputs == ("res_2.add_1",)
    assert report.branches


def test_nested_blocks_and_list_arguments():
    report = analyze("""
input: [4, 9, 9]
blocks:
  inner:
    args: {k: null}
    layers:
      - Conv2d: {out_channels: 4, kernel_size: [$k, 1]}
  outer:
    args: {k: 3}
    layers:
      - inner: {k: $k}
layers:
  - outer
""")
    assert report.layers[0].name == "outer_1.inner_1.conv2d_1"
    assert report.layers[0].output_shape == (1, 4, 7, 9)


def test_concat_and_mul_merge_branches():
    report = analyze("""
input: [6, 10, 10]
layers:
  - Conv2d: {out_channels: 2, kernel_size: 1, name: a}
  - Conv2d: {out_channels: 3, kernel_size: 1, name: b, from: input}
  - Concat: {from: [a, b, input], name: cat}
  - Conv2d: {out_channels: 11, kernel_size: 10, name: gate}
  - Mul: {from: [cat, gate]}
""")
    assert report.layer("cat").output_shape == (1, 11, 10, 10)
    assert report.layer("gate").output_shape == (1, 11, 1, 1)
    assert report.layers[-1].output_shape == (1, 11, 10, 10)


def test_trainable_false_moves_params_to_non_trainable():
    report = analyze("""
input: [3, 8, 8]
blocks:
  stem:
    layers:
      - Conv2d: {out_channels: 4, kernel_size: 3}
layers:
  - stem: {trainable: false}
  - Conv2d: {out_channels: 4, kernel_size: 3, trainable: false}
  - Conv2d: {out_channels: 4, kernel_size: 3}
""")
    assert [r.trainable_params for r in report.layers] == [0, 0, 148]
    assert report.totals.non_trainable_params == 112 + 148
    assert report.totals.trainable_params == 148


def test_yaml_anchors_and_aliases_work():
    report = analyze("""
input: [3, 8, 8]
layers:
  - Conv2d: &conv {out_channels: 4, kernel_size: 3, padding: 1}
  - Conv2d: *conv
  - Conv2d: {<<: *conv, out_channels: 5}
""")
    assert [r.output_shape[1] for r in report.layers] == [4, 4, 5]


def test_explicit_in_channels_that_disagrees_names_both_values():
    with pytest.raises(NetworkError) as err:
        analyze("""
input: [3, 8, 8]
layers:
  - Conv2d: {in_channels: 4, out_channels: 4, kernel_size: 3}
""")
    assert str(err.value) == ("net.yaml:4:27: conv2d_1 (Conv2d): in_channels disagrees with the "
                              "incoming shape (input [3, 8, 8]) (expected in_channels=3, got "
                              "in_channels=4)")


def test_batch_scales_shapes_and_macs_but_not_params():
    text = """
input: [3, 8, 8]
layers:
  - Conv2d: {out_channels: 4, kernel_size: 3}
  - Linear: {out_features: 2}
"""
    one, four = analyze(text), analyze(text, batch=4)
    assert four.layers[0].output_shape == (4, 4, 6, 6)
    assert four.totals.macs == 4 * one.totals.macs
    assert four.totals.params == one.totals.params


def test_input_override():
    report = analyze("input: [3, 8, 8]\nlayers: [{Conv2d: {out_channels: 1, kernel_size: 3}}]",
                     input=(3, 10, 12))
    assert report.layers[0].output_shape == (1, 1, 8, 10)


def test_exponent_floats_read_as_numbers_as_in_yaml_1_2():
    report = analyze("""
input: [3, 8, 8]
layers:
  - BatchNorm2d: {eps: 1e-5, momentum: .1}
  - LeakyReLU: {negative_slope: 1E-2}
  - Dropout: {p: 5e-1}
""")
    assert [r.layer.eps for r in report.layers[:1]] == [1e-5]
    assert report.layers[1].layer.negative_slope == 0.01
    assert report.layers[2].layer.p == 0.5


def test_a_quoted_number_is_text_and_the_message_says_so():
    with pytest.raises(NetworkError, match="a number in quotes is text"):
        analyze('input: [4]\nlayers:\n  - Dropout: {p: "0.5"}\n')
