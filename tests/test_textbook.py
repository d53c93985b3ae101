"""The textbook cases of issue 2 (from the course notes this project started from).

Each expected number is the course notes' figure; each case is also recomputed with the torch twin,
so a wrong figure in the notes would show up as a disagreement rather than be enshrined.
"""

import pytest
import torch

import cnncalc


def _analyze(input_shape, layers):
    return cnncalc.analyze(cnncalc.Network(input=input_shape, layers=layers))


def _torch_params(module):
    return sum(p.numel() for p in module.parameters())


def test_ten_5x5_filters_stride_1_pad_2_keep_32x32():
    report = _analyze([3, 32, 32], [cnncalc.Conv2d(out_channels=10, kernel_size=5, padding=2)])
    row = report.layers[0]
    twin = torch.nn.Conv2d(3, 10, 5, padding=2)
    assert row.output_shape == (1, 10, 32, 32) == tuple(twin(torch.zeros(1, 3, 32, 32)).shape)
    assert row.params == 760 == _torch_params(twin)


def test_3_to_192_channels_3x3_without_bias():
    report = _analyze([3, 32, 32], [{"Conv2d": {"out_channels": 192, "kernel_size": 3,
                                                "bias": False}}])
    assert report.totals.params == 5184 == _torch_params(torch.nn.Conv2d(3, 192, 3, bias=False))


def test_grouped_conv_and_depthwise_separable():
    grouped = _analyze([12, 24, 24], [cnncalc.Conv2d(out_channels=64, kernel_size=3, groups=4,
                                                     bias=False)])
    assert grouped.totals.params == 1728 == _torch_params(
        torch.nn.Conv2d(12, 64, 3, groups=4, bias=False))
    separable = _analyze([12, 24, 24], [
        cnncalc.Conv2d(out_channels=12, kernel_size=3, groups=12, bias=False),
        cnncalc.Conv2d(out_channels=64, kernel_size=1, bias=False)])
    assert [r.params for r in separable.layers] == [108, 768]
    assert separable.totals.params == 876


def test_two_valid_5x5_convolutions_shrink_32_to_28_to_24():
    report = cnncalc.loads("""
input: [3, 32, 32]
layers:
  - Conv2d: {out_channels: 6, kernel_size: 5}
  - Conv2d: {out_channels: 10, kernel_size: 5}
""")
    rows = cnncalc.analyze(report).layers
    assert [r.output_shape for r in rows] == [(1, 6, 28, 28), (1, 10, 24, 24)]
    twin = torch.nn.Sequential(torch.nn.Conv2d(3, 6, 5), torch.nn.Conv2d(6, 10, 5))
    assert tuple(twin(torch.zeros(1, 3, 32, 32)).shape) == rows[-1].output_shape


def test_fully_connected_12000_to_12():
    report = _analyze([12000], [cnncalc.Linear(out_features=12)])
    assert report.totals.params == 144_012 == _torch_params(torch.nn.Linear(12000, 12))
    assert report.layers[0].output_shape == (1, 12)


@pytest.mark.parametrize("size, kernel, stride, padding, dilation, expected", [
    (32, 5, 1, 2, 1, 32), (224, 7, 2, 3, 1, 112), (227, 11, 4, 0, 1, 55), (10, 3, 1, 0, 2, 6),
])
def test_conv_output_size_formula_matches_torch(size, kernel, stride, padding, dilation, expected):
    conv = torch.nn.Conv1d(1, 1, kernel, stride=stride, padding=padding, dilation=dilation)
    assert cnncalc.conv_output_size(size, kernel, stride, padding, dilation) == expected
    assert conv(torch.zeros(1, 1, size)).shape[-1] == expected
