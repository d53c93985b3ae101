"""Upsample, PixelShuffle, PixelUnshuffle and ChannelShuffle against their torch twins.

The twin is ``getattr(torch.nn, type)(**layer.resolve(shape).model_dump())``, run forward under
``FlopCounterMode``; shape, parameters, buffers and MACs must agree, and what torch rejects
cnncalc must reject.
"""

import math
from functools import partial

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import cnncalc
import oracle
from cnncalc.errors import LayerError
from cnncalc.layers import REGISTRY
from cnncalc.layers.resample import upsample_output_size
from cnncalc.spec import validate_layer
from oracle import measured, network_error, static, twin

TORCH_ERRORS = (RuntimeError, ValueError, TypeError, NotImplementedError)

#: resampling has no parameters, buffers or MACs
assert_agrees = partial(oracle.assert_agrees, counts=(0, 0, 0))
assert_both_reject = partial(oracle.assert_both_reject, torch_errors=TORCH_ERRORS)


# -- Upsample ----------------------------------------------------------------------------------

@pytest.mark.parametrize("args, shape, expected", [
    ({"scale_factor": 2}, (1, 3, 5), (1, 3, 10)),
    ({"scale_factor": 2}, (2, 3, 5, 7), (2, 3, 10, 14)),
    ({"scale_factor": 2.0}, (1, 2, 3, 4, 5), (1, 2, 6, 8, 10)),
    ({"scale_factor": [2, 3]}, (1, 3, 5, 7), (1, 3, 10, 21)),
    ({"scale_factor": [1.5, 0.5, 2]}, (1, 1, 5, 7, 3), (1, 1, 7, 3, 6)),
    ({"scale_factor": 0.29}, (1, 2, 100, 7), (1, 2, 28, 2)),    # 100 · 0.29 = 28.99999…
    ({"scale_factor": 1 / 3}, (1, 2, 9, 10), (1, 2, 3, 3)),
    ({"scale_factor": 1.1}, (1, 2, 10, 30), (1, 2, 11, 33)),    # 10 · 1.1 = 11.000…002
    ({"size": 7}, (1, 3, 5, 5), (1, 3, 7, 7)),
    ({"size": [3, 9]}, (2, 3, 5, 5), (2, 3, 3, 9)),
    ({"size": [1, 2, 3]}, (1, 3, 4, 4, 4), (1, 3, 1, 2, 3)),
    ({"size": 4, "mode": "linear"}, (1, 2, 9), (1, 2, 4)),
    ({"scale_factor": 2, "mode": "linear", "align_corners": True}, (1, 2, 9), (1, 2, 18)),
    ({"scale_factor": 2, "mode": "bilinear"}, (1, 3, 4, 6), (1, 3, 8, 12)),
    ({"scale_factor": 1.7, "mode": "bilinear", "align_corners": False}, (1, 3, 4, 6),
     (1, 3, 6, 10)),
    ({"size": [5, 3], "mode": "bicubic", "align_corners": True}, (1, 3, 4, 6), (1, 3, 5, 3)),
    ({"scale_factor": 0.5, "mode": "trilinear"}, (1, 1, 4, 6, 3), (1, 1, 2, 3, 1)),
    ({"scale_factor": 0.29, "mode": "area"}, (1, 2, 100, 7), (1, 2, 28, 2)),
    ({"size": [3, 2, 2], "mode": "area"}, (1, 2, 5, 5, 5), (1, 2, 3, 2, 2)),
    ({"scale_factor": 1.5, "mode": "nearest-exact"}, (1, 2, 5), (1, 2, 7)),
    ({"scale_factor": 0.29, "recompute_scale_factor": True}, (1, 2, 100, 7), (1, 2, 28, 2)),
    ({"scale_factor": 2.5, "recompute_scale_factor": False, "mode": "bilinear"},
     (1, 2, 3, 3), (1, 2, 7, 7)),
    ({"size": 3, "recompute_scale_factor": False}, (1, 2, 5, 5), (1, 2, 3, 3)),
])
def test_upsample_agrees_with_torch(args, shape, expected):
    assert assert_agrees("Upsample", args, shape) == expected


@given(size=st.integers(1, 500), scale=st.floats(0.01, 8.0),
       mode=st.sampled_from(["nearest", "linear", "area", "nearest-exact"]),
       recompute=st.sampled_from([None, True, False]))
def test_upsample_output_size_is_torchs_floating_point_rule(size, scale, mode, recompute):
    args = {"scale_factor": scale, "mode": mode, "recompute_scale_factor": recompute}
    shape = (1, 1, size)
    try:
        cnncalc_shape = static("Upsample", args, shape)[1][0]
    except LayerError:
        cnncalc_shape = None
    try:
        torch_shape = tuple(twin(validate_layer(REGISTRY["Upsample"], args))(
            torch.empty(shape)).shape)
    except RuntimeError:
        torch_shape = None
    if mode == "area" and torch_shape == (1, 1, 0):
        # area is adaptive average pooling, which returns an empty tensor where the other
        # modes raise; cnncalc refuses an empty output for every mode
        torch_shape = None
    assert cnncalc_shape == torch_shape


def test_area_mode_empty_output_is_refused_though_torch_returns_one():
    # area mode is adaptive average pooling, which returns an empty tensor where every other
    # mode raises "Input and output sizes should be greater than 0"
    empty = torch.nn.Upsample(scale_factor=0.1, mode="area")(torch.randn(1, 2, 100, 7))
    assert tuple(empty.shape) == (1, 2, 10, 0)
    with pytest.raises(LayerError, match=r"the output width floor\(7 · 0.1\) = 0 is below 1"):
        static("Upsample", {"scale_factor": 0.1, "mode": "area"}, (1, 2, 100, 7))


def test_upsample_output_size_rounds_like_doubles_do():
    # 100 · 0.29 is 28.999999999999996 in binary floating point, so torch gives 28, not 29
    assert upsample_output_size(100, 0.29) == 28 == math.floor(0.29 * 100)
    assert upsample_output_size(10, 1.1) == 11
    assert upsample_output_size(3, 1 / 3) == 1


@pytest.mark.parametrize("args, shape", [
    ({"size": 5, "scale_factor": 2}, (1, 2, 4, 4)),
    ({}, (1, 2, 4, 4)),
    ({"mode": "bilinear"}, (1, 2, 4, 4)),
    ({"scale_factor": 2, "align_corners": False}, (1, 2, 4, 4)),          # nearest
    ({"scale_factor": 2, "mode": "area", "align_corners": True}, (1, 2, 4, 4)),
    ({"scale_factor": 2, "mode": "nearest-exact", "align_corners": False}, (1, 2, 4)),
    ({"size": 3, "recompute_scale_factor": True}, (1, 2, 4, 4)),
    ({"scale_factor": 2, "mode": "linear"}, (1, 2, 4, 4)),
    ({"scale_factor": 2, "mode": "linear"}, (1, 2, 4, 4, 4)),
    ({"scale_factor": 2, "mode": "bilinear"}, (1, 2, 4)),
    ({"scale_factor": 2, "mode": "bilinear"}, (1, 2, 4, 4, 4)),
    ({"scale_factor": 2, "mode": "bicubic"}, (1, 2, 4)),
    ({"scale_factor": 2, "mode": "bicubic"}, (1, 2, 4, 4, 4)),
    ({"scale_factor": 2, "mode": "trilinear"}, (1, 2, 4, 4)),
    ({"scale_factor": 2, "mode": "trilinear"}, (1, 2, 4)),
    ({"scale_factor": 2}, (1, 4)),                                       # no spatial dims
    ({"scale_factor": 2}, (1, 1, 2, 2, 2, 2)),                           # four spatial dims
    ({"scale_factor": 2, "mode": "lanczos"}, (1, 2, 4, 4)),              # needs antialias
    ({"scale_factor": 2, "mode": "bilinearr"}, (1, 2, 4, 4)),
    ({"size": [3]}, (1, 2, 4, 4)),
    ({"size": [2, 3, 4]}, (1, 2, 4, 4)),
    ({"scale_factor": [2, 3, 4]}, (1, 2, 4, 4)),
    ({"scale_factor": []}, (1, 2, 4, 4)),
    ({"size": 0}, (1, 2, 4, 4)),
    ({"size": -1}, (1, 2, 4, 4)),
    ({"size": [3, 0]}, (1, 2, 4, 4)),
    ({"size": 3.0}, (1, 2, 4, 4)),
    ({"size": True}, (1, 2, 4, 4)),
    ({"scale_factor": 0}, (1, 2, 4, 4)),
    ({"scale_factor": [0.0, 2.0]}, (1, 2, 4, 4)),
    ({"scale_factor": -2}, (1, 2, 4, 4)),
    ({"scale_factor": 0.1}, (1, 2, 100, 7)),                             # width 0.7 → 0
    ({"scale_factor": 1e-300}, (1, 2, 4, 4)),
    ({"scale_factor": float("nan")}, (1, 2, 4, 4)),
    ({"scale_factor": float("inf")}, (1, 2, 4, 4)),
    ({"scale_factor": 2, "align_corners": 1}, (1, 2, 4, 4)),
])
def test_upsample_rejects_what_torch_rejects(args, shape):
    assert_both_reject("Upsample", args, shape)


def test_upsample_output_beyond_int64_is_rejected_by_both():
    assert_both_reject("Upsample", {"scale_factor": 1e30}, (1, 2, 5, 5), device="meta")


@pytest.mark.parametrize("args, shape, message, field", [
    ({"scale_factor": 2, "mode": "bilinear"}, (1, 2, 4),
     "mode 'bilinear' takes a [C, H, W] input (batch excluded) (expected 3 dims, got 2: [2, 4])",
     "mode"),
    ({"scale_factor": [2, 2, 2]}, (1, 2, 4, 4),
     "scale_factor needs one value per spatial dimension of the input [1, 2, 4, 4]"
     " (expected 2 values, got 3: [2, 2, 2])", "scale_factor"),
    ({"scale_factor": 0.1}, (1, 2, 100, 7),
     "the output width floor(7 · 0.1) = 0 is below 1 (expected 7 · scale_factor ≥ 1, got 0.1)",
     "scale_factor"),
])
def test_upsample_messages_show_the_numbers(args, shape, message, field):
    with pytest.raises(LayerError) as err:
        static("Upsample", args, shape)
    assert (str(err.value), err.value.field) == (message, field)


def test_upsample_argument_errors_are_located_in_the_file():
    assert str(network_error("input: [3, 8, 8]\nlayers:\n"
                             "  - Upsample: {scale_factor: 2, align_corners: true}\n")) == (
        "net.yaml:3:48: upsample_1 (Upsample): align_corners can only be set with the"
        " interpolating modes, not with mode 'nearest' (expected mode linear | bilinear |"
        " bicubic | trilinear or no align_corners, got align_corners=true)")


# -- PixelShuffle, PixelUnshuffle --------------------------------------------------------------

@pytest.mark.parametrize("args, shape, expected", [
    ({"upscale_factor": 2}, (2, 8, 3, 5), (2, 2, 6, 10)),
    ({"upscale_factor": 3}, (1, 9, 4, 4), (1, 1, 12, 12)),
    ({"upscale_factor": 1}, (1, 5, 4, 4), (1, 5, 4, 4)),
    ({"upscale_factor": 2}, (1, 4, 1, 1), (1, 1, 2, 2)),
])
def test_pixel_shuffle_agrees_with_torch(args, shape, expected):
    assert assert_agrees("PixelShuffle", args, shape) == expected


@pytest.mark.parametrize("args, shape, expected", [
    ({"downscale_factor": 2}, (2, 3, 4, 6), (2, 12, 2, 3)),
    ({"downscale_factor": 4}, (1, 8, 4, 4), (1, 128, 1, 1)),
    ({"downscale_factor": 1}, (1, 5, 3, 7), (1, 5, 3, 7)),
])
def test_pixel_unshuffle_agrees_with_torch(args, shape, expected):
    assert assert_agrees("PixelUnshuffle", args, shape) == expected


@pytest.mark.parametrize("type_name, args, shape", [
    ("PixelShuffle", {"upscale_factor": 3}, (2, 8, 3, 3)),     # 8 channels, 3² = 9
    ("PixelShuffle", {"upscale_factor": 2}, (2, 6, 3, 3)),
    ("PixelShuffle", {"upscale_factor": 0}, (2, 8, 3, 3)),
    ("PixelShuffle", {"upscale_factor": -1}, (2, 8, 3, 3)),
    ("PixelShuffle", {"upscale_factor": 2}, (8, 8)),
    ("PixelUnshuffle", {"downscale_factor": 3}, (2, 8, 4, 6)),  # height 4
    ("PixelUnshuffle", {"downscale_factor": 2}, (2, 8, 4, 5)),  # width 5
    ("PixelUnshuffle", {"downscale_factor": 0}, (2, 8, 4, 4)),
    ("PixelUnshuffle", {"downscale_factor": -2}, (2, 8, 4, 4)),
    ("PixelUnshuffle", {"downscale_factor": 2}, (4, 4)),
])
def test_pixel_shuffles_reject_what_torch_rejects(type_name, args, shape):
    assert_both_reject(type_name, args, shape)


@pytest.mark.parametrize("type_name, args, shape", [
    ("PixelShuffle", {"upscale_factor": 2}, (8, 3, 3)),
    ("PixelShuffle", {"upscale_factor": 2}, (2, 2, 8, 3, 3)),
    ("PixelUnshuffle", {"downscale_factor": 2}, (2, 4, 4)),
    ("PixelUnshuffle", {"downscale_factor": 2}, (2, 2, 2, 4, 4)),
])
def test_pixel_shuffles_take_c_h_w_only_where_torch_would_read_other_dims_as_channels(
        type_name, args, shape):
    # torch shuffles dims -3, -2, -1 of any tensor: on [N, C, L] it takes the batch for the
    # channels, on [N, C, D, H, W] the depth. cnncalc takes [C, H, W] inputs only.
    getattr(torch.nn, type_name)(**args)(torch.randn(shape))
    with pytest.raises(LayerError, match=r"takes a \[C, H, W\] input"):
        static(type_name, args, shape)


def test_pixel_shuffle_message_shows_the_numbers():
    with pytest.raises(LayerError) as err:
        static("PixelShuffle", {"upscale_factor": 3}, (2, 8, 3, 3))
    assert (str(err.value), err.value.field) == (
        "PixelShuffle needs channels divisible by upscale_factor² (expected a multiple of"
        " 3² = 9, got 8 channels)", "upscale_factor")


# -- ChannelShuffle ----------------------------------------------------------------------------

@pytest.mark.parametrize("args, shape", [
    ({"groups": 2}, (2, 4, 3, 3)),
    ({"groups": 4}, (1, 4, 3, 3)),
    ({"groups": 1}, (1, 5, 2)),
    ({"groups": 3}, (2, 6, 5)),
    ({"groups": 2}, (1, 4, 2, 3, 4)),
    ({"groups": 2}, (1, 2, 2, 2, 2, 2)),
])
def test_channel_shuffle_agrees_with_torch(args, shape):
    assert assert_agrees("ChannelShuffle", args, shape) == shape


@pytest.mark.parametrize("args, shape", [
    ({"groups": 3}, (2, 4, 3, 3)),
    ({"groups": 8}, (2, 4, 3, 3)),
    ({"groups": 0}, (2, 4, 3, 3)),
    ({"groups": -2}, (2, 4, 3, 3)),
    ({"groups": 2}, (2, 4)),
])
def test_channel_shuffle_rejects_what_torch_rejects(args, shape):
    assert_both_reject("ChannelShuffle", args, shape)


# -- in a network ------------------------------------------------------------------------------

def test_sub_pixel_upscaler_matches_its_torch_twin():
    report = cnncalc.analyze(cnncalc.loads("""
input: [3, 17, 13]
layers:
  - Conv2d: {out_channels: 48, kernel_size: 3, padding: 1}
  - PixelShuffle: {upscale_factor: 4}
  - PixelUnshuffle: {downscale_factor: 2}
  - ChannelShuffle: {groups: 4}
  - Upsample: {scale_factor: 1.5, mode: bilinear, align_corners: false}
"""), batch=2)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 48, 3, padding=1), torch.nn.PixelShuffle(4),
                              torch.nn.PixelUnshuffle(2), torch.nn.ChannelShuffle(4),
                              torch.nn.Upsample(scale_factor=1.5, mode="bilinear",
                                                align_corners=False))
    assert measured(net, (2, 3, 17, 13)) == (
        report.layers[-1].output_shape, report.totals.params, report.totals.buffers,
        report.totals.macs)
    assert report.layers[-1].output_shape == (2, 12, 51, 39)
