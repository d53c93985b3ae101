"""Normalisation layers against real torch modules (eval mode, as ``cnncalc verify`` runs them):
output shape, parameters, buffers and FlopCounterMode; and rejection parity with torch."""

from __future__ import annotations

import json

import pytest
import torch

import cnncalc
from cnncalc.errors import NetworkError
from cnncalc.layers import REGISTRY, norm
from oracle import (analyze_one, assert_analysis_agrees, assert_analysis_rejects, network_error,
                    torch_shape)

NORM_TYPES = sorted(name for name, cls in REGISTRY.items() if cls.__module__ == norm.__name__)


AGREE = [
    ("BatchNorm1d", {}, [16], 2),
    ("BatchNorm1d", {}, [16], 1),  # eval mode uses the running statistics
    ("BatchNorm1d", {"affine": False}, [16], 4),
    ("BatchNorm1d", {"track_running_stats": False}, [6, 5], 1),
    ("BatchNorm1d", {"bias": False, "momentum": None, "eps": 0.001}, [6, 5], 2),
    ("BatchNorm2d", {}, [8, 5, 5], 1),
    ("BatchNorm2d", {"num_features": 8, "affine": False, "track_running_stats": False},
     [8, 3, 3], 2),
    ("BatchNorm2d", {"track_running_stats": False}, [8, 1, 1], 2),
    ("BatchNorm3d", {"bias": False}, [4, 2, 3, 3], 1),
    ("BatchNorm3d", {"affine": False, "bias": False}, [4, 2, 3, 3], 1),
    ("InstanceNorm1d", {}, [4, 7], 2),
    ("InstanceNorm1d", {"affine": True}, [4, 7], 1),
    ("InstanceNorm1d", {"affine": True, "bias": False, "track_running_stats": True}, [4, 7], 1),
    ("InstanceNorm2d", {"track_running_stats": True}, [3, 1, 1], 1),
    ("InstanceNorm2d", {"num_features": 3}, [3, 1, 2], 1),
    ("InstanceNorm3d", {"affine": True, "momentum": None, "track_running_stats": True},
     [2, 2, 2, 2], 2),
    ("GroupNorm", {"num_groups": 2}, [8], 1),
    ("GroupNorm", {"num_groups": 4}, [8, 5], 2),
    ("GroupNorm", {"num_groups": 1}, [6, 4, 4], 1),
    ("GroupNorm", {"num_groups": 6, "num_channels": 6}, [6, 3, 3], 1),
    ("GroupNorm", {"num_groups": 2, "affine": False}, [4, 2, 2, 2], 1),
    ("GroupNorm", {"num_groups": 3, "bias": False, "eps": 0.01}, [6, 3], 1),
    ("GroupNorm", {"num_groups": 4}, [4], 2),  # one value per group per sample, two samples
    ("LayerNorm", {"normalized_shape": 3}, [5, 3], 1),
    ("LayerNorm", {"normalized_shape": [5, 3]}, [5, 3], 2),
    ("LayerNorm", {"normalized_shape": [16]}, [16], 1),
    ("LayerNorm", {"normalized_shape": [4, 6, 6], "elementwise_affine": False}, [4, 6, 6], 1),
    ("LayerNorm", {"normalized_shape": [6, 6], "bias": False}, [4, 6, 6], 1),
    ("LayerNorm", {"normalized_shape": [2, 4]}, [4], 2),  # torch counts the batch too
    ("LayerNorm2d", {}, [8, 5, 6], 2),            # torchvision's: over the channels
    ("LayerNorm2d", {"eps": 1e-6, "bias": False}, [8, 5, 6], 1),
    ("LayerNorm2d", {"normalized_shape": [6, 8]}, [8, 5, 6], 1),   # [N, H, W, C]'s last dims
    ("FrozenBatchNorm2d", {}, [8, 5, 6], 2),      # torchvision's: 4C buffers, no params
    ("FrozenBatchNorm2d", {"num_features": 3, "eps": 0.001}, [3, 1, 1], 1),
    ("LocalResponseNorm", {"size": 2}, [5, 7], 1),
    ("LocalResponseNorm", {"size": 5, "alpha": 0.5, "beta": 1, "k": 2}, [3, 4, 4], 2),
    ("LocalResponseNorm", {"size": 9}, [3, 2, 2, 2], 1),
]


@pytest.mark.parametrize("type_name, args, sample, batch", AGREE)
def test_static_numbers_equal_torch(type_name, args, sample, batch):
    assert_analysis_agrees(type_name, args, sample, batch)


def test_every_norm_type_has_a_torch_checked_case():
    assert {case[0] for case in AGREE} == set(NORM_TYPES)


def test_inferred_channels_are_filled_in_for_the_twin():
    row = analyze_one("GroupNorm", {"num_groups": 4}, [8, 5])
    assert row.layer.num_channels == 8
    assert analyze_one("BatchNorm2d", {}, [7, 2, 2]).layer.num_features == 7


def test_trainable_false_moves_affine_params_but_not_buffers():
    text = json.dumps({"input": [8, 4, 4],
                       "layers": [{"BatchNorm2d": {"trainable": False}}]})
    report = cnncalc.analyze(cnncalc.loads(text))
    assert (report.totals.params, report.totals.trainable_params,
            report.totals.non_trainable_params, report.totals.buffers) == (16, 0, 16, 17)


# -- rejection parity: each case torch refuses, and cnncalc's message --------------------------

REJECT = [
    ("BatchNorm2d", {}, [4, 5], 1, {"num_features": 4}, "BatchNorm2d takes a [C, H, W] input"),
    ("BatchNorm1d", {}, [4, 5, 5], 1, {"num_features": 4},
     "BatchNorm1d takes a [F] or [C, L] input"),
    ("BatchNorm3d", {}, [4, 5, 5], 1, {"num_features": 4}, "takes a [C, D, H, W] input"),
    ("BatchNorm2d", {"num_features": 3}, [4, 5, 5], 1, {},
     "num_features disagrees with the incoming shape"),
    ("BatchNorm1d", {"track_running_stats": False}, [4], 1, {"num_features": 4},
     "has a single value there"),
    ("BatchNorm2d", {"track_running_stats": False}, [4, 1, 1], 1, {"num_features": 4},
     "has a single value there"),
    ("InstanceNorm2d", {}, [3, 1, 1], 2, {"num_features": 3}, "has a single value there"),
    ("InstanceNorm1d", {"affine": True}, [3, 1], 1, {"num_features": 3},
     "has a single value there"),
    ("InstanceNorm1d", {"affine": True, "num_features": 5}, [4, 3], 1, {},
     "num_features disagrees"),
    ("InstanceNorm2d", {}, [4, 3, 3, 3], 1, {"num_features": 4},
     "InstanceNorm2d takes a [C, H, W] input"),
    ("GroupNorm", {"num_groups": 4}, [6, 3], 1, {"num_channels": 6},
     "num_channels must be divisible by num_groups"),
    ("GroupNorm", {"num_groups": 4}, [4], 1, {"num_channels": 4},
     "each group would hold a single value"),
    ("GroupNorm", {"num_groups": 3}, [3, 1, 1], 1, {"num_channels": 3},
     "each group would hold a single value"),
    ("GroupNorm", {"num_groups": 2, "num_channels": 6}, [4, 3], 1, {},
     "num_channels disagrees"),
    ("GroupNorm", {"num_groups": 0}, [4, 3], 1, {"num_channels": 4},
     "wrong value for num_groups"),
    ("LayerNorm", {"normalized_shape": [5]}, [5, 3], 1, {},
     "normalized_shape must equal the input's last dimensions"),
    ("LayerNorm", {"normalized_shape": [2, 5, 3]}, [5, 3], 1, {}, "expected an input [*, 2, 5, 3]"),
    ("LayerNorm", {"normalized_shape": [4, 4, 4, 4]}, [4, 4], 1, {}, "got [1, 4, 4]"),
    ("LayerNorm", {"normalized_shape": []}, [4, 4], 1, {},
     "normalized_shape needs at least one dimension"),
    ("LayerNorm", {"normalized_shape": 0}, [4, 4], 1, {}, "wrong value for normalized_shape"),
    ("LocalResponseNorm", {"size": 2}, [5], 1, {},
     "LocalResponseNorm needs an input with channels and at least one spatial dimension"),
    ("LocalResponseNorm", {"size": 0}, [5, 3], 1, {}, "wrong value for size"),
]


@pytest.mark.parametrize("type_name, args, sample, batch, extra, message", REJECT)
def test_cnncalc_rejects_what_torch_rejects(type_name, args, sample, batch, extra, message):
    # torch rejects with ValueError, RuntimeError...; InstanceNorm only warns on some mismatches
    assert torch_shape(type_name, {**args, **extra}, (batch, *sample), Exception,
                       warnings_as="error") is None
    assert_analysis_rejects(type_name, args, sample, message, batch)


def test_errors_point_at_the_argument_in_the_file():
    text = """\
input: [6, 4, 4]
layers:
  - GroupNorm: {num_groups: 4}
  - BatchNorm2d: {num_features: 3, from: input}
"""
    first, second = network_error(text).problems
    assert str(first).startswith("net.yaml:3:29: groupnorm_1 (GroupNorm): num_channels must be"
                                 " divisible by num_groups (expected a multiple of"
                                 " num_groups=4, got num_channels=6)")
    assert str(second).startswith("net.yaml:4:33: batchnorm2d_1 (BatchNorm2d): num_features"
                                  " disagrees")


# -- where cnncalc is stricter than torch, on purpose ------------------------------------------

def test_instance_norm_refuses_a_feature_vector_that_torch_would_read_as_unbatched():
    # torch takes a 2-D tensor [N, F] as one unbatched [C, L] sample, normalising across the
    # batch: not what a network file's [F] sample means.
    assert torch.nn.InstanceNorm1d(2)(torch.randn(2, 5)).shape == (2, 5)
    with pytest.raises(NetworkError) as err:
        analyze_one("InstanceNorm1d", {}, [5], batch=2)
    assert "InstanceNorm1d takes a [C, L] input" in str(err.value)


def test_an_unused_num_features_that_disagrees_is_an_error_though_torch_only_warns():
    with pytest.warns(UserWarning):
        torch.nn.InstanceNorm1d(5)(torch.randn(1, 4, 3))
    with pytest.raises(NetworkError) as err:
        analyze_one("InstanceNorm1d", {"num_features": 5}, [4, 3])
    assert "expected num_features=4, got num_features=5" in str(err.value)
