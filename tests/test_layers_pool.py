"""Pooling layers against real torch modules: output shape, parameters, buffers and
FlopCounterMode, on hand-picked cases and an edge grid (ceil_mode's last window, padding at half
the kernel, inputs smaller than the dilated kernel); and rejection parity with torch."""

from __future__ import annotations

import itertools

import pytest
import torch

from cnncalc.errors import LayerError, NetworkError
from cnncalc.layers import REGISTRY, pool
from cnncalc.shapes import pool_output_size
from oracle import (analyze_one, assert_analysis_agrees, assert_analysis_rejects, measured,
                    network_error, torch_shape, twin)

POOL_TYPES = sorted(name for name, cls in REGISTRY.items() if cls.__module__ == pool.__name__)


AGREE = [
    ("MaxPool1d", {"kernel_size": 3}, [2, 10], 1),
    ("MaxPool1d", {"kernel_size": 3, "stride": 2, "padding": 1, "dilation": 2,
                   "ceil_mode": True}, [3, 11], 2),
    ("MaxPool2d", {"kernel_size": 2, "stride": 2}, [4, 224, 224], 1),        # VGG
    ("MaxPool2d", {"kernel_size": 3, "stride": 2, "padding": 1}, [4, 112, 112], 1),  # ResNet stem
    ("MaxPool2d", {"kernel_size": 3, "stride": 2, "ceil_mode": True}, [2, 55, 55], 1),  # SqueezeNet
    ("MaxPool2d", {"kernel_size": 2, "stride": 2, "padding": 1, "ceil_mode": True}, [1, 5, 5], 1),
    ("MaxPool2d", {"kernel_size": [3, 2], "stride": [2, 1], "padding": [1, 0],
                   "dilation": [1, 2]}, [2, 9, 7], 3),
    ("MaxPool2d", {"kernel_size": [3], "stride": [2], "padding": [1]}, [2, 7, 7], 1),
    ("MaxPool2d", {"kernel_size": 3, "dilation": 2, "padding": 1}, [2, 4, 8], 1),
    ("MaxPool2d", {"kernel_size": 2, "stride": None}, [2, 7, 6], 1),
    ("MaxPool3d", {"kernel_size": [2, 3, 3], "stride": [1, 2, 2], "padding": [1, 1, 0],
                   "ceil_mode": True}, [2, 5, 9, 8], 2),
    # ceil_mode keeps a window that starts inside the input though it is larger than it
    ("MaxPool3d", {"kernel_size": 2, "stride": 2, "ceil_mode": True}, [2, 1, 4, 4], 1),
    ("MaxPool3d", {"kernel_size": 2, "dilation": [1, 2, 1], "return_indices": False},
     [1, 4, 5, 4], 1),
    ("AvgPool1d", {"kernel_size": 4, "stride": 3, "padding": 2, "ceil_mode": True,
                   "count_include_pad": False}, [2, 10], 2),
    ("AvgPool1d", {"kernel_size": [5], "padding": [2]}, [3, 1], 1),
    ("AvgPool2d", {"kernel_size": 3, "stride": 2, "padding": 1, "divisor_override": -2},
     [3, 8, 7], 1),
    ("AvgPool2d", {"kernel_size": [2, 4], "ceil_mode": True}, [2, 5, 9], 1),
    ("AvgPool2d", {"kernel_size": 2, "padding": 1}, [2, 1, 4], 1),
    ("AvgPool3d", {"kernel_size": 2, "stride": 2, "padding": 1, "ceil_mode": True},
     [2, 3, 4, 5], 2),
    ("AvgPool3d", {"kernel_size": [1, 3, 3], "divisor_override": 5}, [2, 4, 6, 6], 1),
    ("AdaptiveAvgPool1d", {"output_size": 5}, [3, 12], 1),
    ("AdaptiveAvgPool1d", {"output_size": [20]}, [3, 7], 2),
    ("AdaptiveAvgPool2d", {"output_size": 7}, [8, 13, 9], 1),
    ("AdaptiveAvgPool2d", {"output_size": [None, 3]}, [2, 6, 5], 1),
    ("AdaptiveAvgPool2d", {"output_size": [1, 1]}, [16, 7, 7], 3),
    ("AdaptiveAvgPool3d", {"output_size": [2, None, 1]}, [2, 4, 6, 3], 1),
    ("AdaptiveMaxPool1d", {"output_size": 3}, [2, 10], 1),
    ("AdaptiveMaxPool2d", {"output_size": [4, None], "return_indices": False}, [2, 9, 9], 2),
    ("AdaptiveMaxPool3d", {"output_size": 2}, [2, 5, 5, 5], 1),
]


@pytest.mark.parametrize("type_name, args, sample, batch", AGREE)
def test_static_numbers_equal_torch(type_name, args, sample, batch):
    assert_analysis_agrees(type_name, args, sample, batch)


def test_every_pooling_type_has_a_torch_checked_case():
    assert {case[0] for case in AGREE} == set(POOL_TYPES)


def test_ceil_mode_drops_a_last_window_that_would_start_in_the_right_padding():
    # The naive ceil((5 + 2 − 1 − 1)/2) + 1 = 4 would start a 4th window at 6 = 5 + 1, in the
    # right padding; torch drops it.
    row = analyze_one("MaxPool1d", {"kernel_size": 2, "stride": 2, "padding": 1,
                                    "ceil_mode": True}, [1, 5])
    assert row.output_shape[-1] == 3
    assert measured(twin(row.layer).eval(), (1, 1, 5))[0] == (1, 1, 3)


def _grid():
    for type_name in ("MaxPool1d", "MaxPool2d", "MaxPool3d",
                      "AvgPool1d", "AvgPool2d", "AvgPool3d"):
        dilations = (1, 2) if type_name.startswith("Max") else (1,)
        combos = itertools.product(range(1, 8), range(1, 5), range(1, 4), dilations,
                                   (False, True))
        for i, (size, k, s, d, ceil) in enumerate(combos):
            for p in range(k // 2 + 2):  # up to one past torch's limit
                yield type_name, i, size, k, s, p, d, ceil


@pytest.mark.parametrize("type_name", ["MaxPool1d", "MaxPool2d", "MaxPool3d",
                                       "AvgPool1d", "AvgPool2d", "AvgPool3d"])
def test_edge_grid_agrees_with_torch_on_every_axis(type_name):
    """Sizes 1-7, kernels 1-4, strides 1-3, padding up to one past half the kernel, dilation
    1-2 (max), both ceil modes; the varied axis rotates so that every axis is exercised."""
    cls = REGISTRY[type_name]
    n = cls.ndim
    mismatches = []
    for name, i, size, k, s, p, d, ceil in _grid():
        if name != type_name:
            continue
        axis = i % n

        def along(value, rest):
            return [value if j == axis else rest for j in range(n)]
        kwargs = {"kernel_size": along(k, 1), "stride": along(s, 1), "padding": along(p, 0),
                  "ceil_mode": ceil}
        if d > 1:
            kwargs["dilation"] = along(d, 1)
        shape = (1, 2, *along(size, 3))
        try:
            layer = cls.model_validate(kwargs)
            layer.check_input(shape)
            ours = layer.resolve(shape).compute_output_shape(shape)
        except (LayerError, ValueError):
            ours = None
        theirs = torch_shape(type_name, kwargs, shape, RuntimeError, device="meta")
        if ours != theirs:
            mismatches.append((kwargs, shape, ours, theirs))
    assert not mismatches, mismatches[:5]


def test_pool_output_size_matches_torch_including_ceil_mode_rule():
    """The textbook function alone, against torch's 1-d max pooling."""
    for size, k, s, p, d, ceil in itertools.product(range(1, 9), range(1, 5), range(1, 4),
                                                     range(0, 3), (1, 3), (False, True)):
        if p > k // 2:
            continue
        try:
            ours = pool_output_size(size, k, s, p, d, ceil)
        except LayerError:
            ours = None
        try:
            theirs = torch.nn.MaxPool1d(k, s, p, d, ceil_mode=ceil)(
                torch.empty(1, 1, size, device="meta")).shape[-1]
        except RuntimeError:
            theirs = None
        assert ours == theirs, (size, k, s, p, d, ceil)


# -- rejection parity: each case torch refuses, and cnncalc's located message -----------------

REJECT = [
    ("MaxPool2d", {"kernel_size": 2, "padding": 2}, [3, 8, 8], {},
     "padding must be at most half the kernel size along the height"),
    # dilation does not count: the dilated kernel 5 would allow padding 2, torch does not
    ("MaxPool1d", {"kernel_size": 3, "dilation": 2, "padding": 2}, [2, 20], {},
     "expected padding ≤ 3//2 = 1, got 2"),
    ("AvgPool2d", {"kernel_size": [3, 1], "padding": [1, 1]}, [2, 8, 8], {},
     "along the width"),
    ("MaxPool2d", {"kernel_size": 3, "dilation": 2}, [2, 4, 8], {},
     "the kernel (3, dilated to 5) is larger than the padded input (4)"),
    ("AvgPool1d", {"kernel_size": 5}, [2, 4], {}, "larger than the padded input"),
    ("MaxPool3d", {"kernel_size": 2, "stride": 2}, [2, 1, 4, 4], {}, "output depth"),
    # avg_pool3d wants the unpadded input at least as large as the kernel
    ("AvgPool3d", {"kernel_size": 2, "padding": 1}, [2, 1, 4, 4], {},
     "AvgPool3d needs an input depth at least as large as the kernel"),
    ("AvgPool3d", {"kernel_size": [1, 1, 3], "padding": [0, 0, 1]}, [2, 4, 4, 2], {},
     "expected width ≥ 3, got 2"),
    ("AvgPool2d", {"kernel_size": 2, "divisor_override": 0}, [2, 4, 4], {},
     "divisor_override must not be zero"),
    ("MaxPool2d", {"kernel_size": [2, 2, 2]}, [2, 4, 4], {}, "kernel_size takes one int or a list of 2"),
    ("AvgPool1d", {"kernel_size": 2, "stride": [1, 1]}, [2, 4], {}, "stride takes one int"),
    ("MaxPool2d", {"kernel_size": 2, "stride": 0}, [2, 4, 4], {}, "wrong value for stride"),
    ("MaxPool2d", {"kernel_size": 0}, [2, 4, 4], {}, "wrong value for kernel_size"),
    ("AvgPool2d", {"kernel_size": 2, "padding": -1}, [2, 4, 4], {}, "wrong value for padding"),
    ("AdaptiveAvgPool2d", {"output_size": [3]}, [2, 4, 4], {}, "output_size takes one int or a list of 2"),
    ("AdaptiveMaxPool3d", {"output_size": [2, 2]}, [2, 4, 4, 4], {},
     "output_size takes one int or a list of 3"),
    ("AdaptiveAvgPool1d", {"output_size": [None]}, [2, 4], {}, "output_size cannot be null"),
    ("AdaptiveMaxPool1d", {"output_size": [None]}, [2, 4], {}, "output_size cannot be null"),
    ("AdaptiveMaxPool2d", {"output_size": -1}, [2, 4, 4], {}, "wrong value for output_size"),
    ("AdaptiveAvgPool2d", {"output_size": None}, [2, 4, 4], {}, "wrong value for output_size"),
]


@pytest.mark.parametrize("type_name, args, sample, extra, message", REJECT)
def test_cnncalc_rejects_what_torch_rejects(type_name, args, sample, extra, message):
    # torch rejects with RuntimeError, ValueError, TypeError...
    assert torch_shape(type_name, {**args, **extra}, (1, *sample), Exception) is None
    assert_analysis_rejects(type_name, args, sample, message)


def test_errors_point_at_the_argument_in_the_file():
    text = """\
input: [3, 8, 8]
layers:
  - MaxPool2d: {kernel_size: 2, padding: 2}
"""
    assert str(network_error(text)).startswith("net.yaml:3:42: maxpool2d_1 (MaxPool2d): pooling padding")


def test_wrong_input_rank_is_rejected_with_the_expected_form():
    # torch would read a [N, C, L] tensor as one unbatched [C, H, W] sample; in a network file
    # the batch is always there, so cnncalc asks for [C, H, W].
    with pytest.raises(NetworkError) as err:
        analyze_one("MaxPool2d", {"kernel_size": 2}, [3, 8])
    assert "MaxPool2d takes a [C, H, W] input (batch excluded)" in str(err.value)


# -- where cnncalc is stricter than torch, on purpose ------------------------------------------

@pytest.mark.parametrize("type_name", ["MaxPool2d", "AdaptiveMaxPool2d"])
def test_return_indices_true_is_refused_because_torch_returns_two_tensors(type_name):
    args = {"kernel_size": 2} if type_name == "MaxPool2d" else {"output_size": 2}
    out = getattr(torch.nn, type_name)(**args, return_indices=True)(torch.randn(1, 2, 4, 4))
    assert isinstance(out, tuple)  # what a network entry cannot pass on
    with pytest.raises(NetworkError) as err:
        analyze_one(type_name, {**args, "return_indices": True}, [2, 4, 4])
    assert "return_indices=true makes the layer return two tensors" in str(err.value)


def test_adaptive_output_size_zero_is_refused_though_torch_gives_an_empty_tensor():
    assert torch.nn.AdaptiveAvgPool2d(0)(torch.randn(1, 2, 4, 4)).shape == (1, 2, 0, 0)
    with pytest.raises(NetworkError) as err:
        analyze_one("AdaptiveAvgPool2d", {"output_size": 0}, [2, 4, 4])
    assert "output_size" in str(err.value)
