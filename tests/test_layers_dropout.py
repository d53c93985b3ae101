"""Dropout, Dropout1d/2d/3d and AlphaDropout against their torch twins.

The twin is ``getattr(torch.nn, type)(**layer.resolve(shape).model_dump())``, run forward under
``FlopCounterMode`` in both training and evaluation mode (dropout behaves differently, its
shape and counts must not).
"""

import pytest
import torch

import cnncalc
from cnncalc.errors import LayerError
from cnncalc.layers import REGISTRY
from cnncalc.spec import LayerArgumentErrors, validate_layer
from oracle import measured, network_error, static, torch_shape, twin

DROPOUTS = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout"]


def torch_runs_quietly(type_name, shape, training=True):
    """Whether torch runs the module on ``shape`` without an error and without a warning."""
    return torch_shape(type_name, {}, shape, (RuntimeError, UserWarning), training=training,
                       warnings_as="error") is not None


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("name, args, shape", [
    ("Dropout", {}, (2, 10)),
    ("Dropout", {"p": 0.2, "inplace": True}, (2, 3, 8, 8)),
    ("Dropout", {"p": 0}, (1, 3, 4)),
    ("Dropout", {"p": 1}, (1, 3, 2, 2, 2)),
    ("Dropout", {"p": 1.0}, (4, 7)),
    ("Dropout1d", {"p": 0.3}, (2, 4, 9)),
    ("Dropout2d", {}, (2, 4, 5, 6)),
    ("Dropout2d", {"p": 0.1, "inplace": True}, (1, 3, 1, 1)),
    ("Dropout3d", {"p": 0.9}, (2, 4, 3, 5, 6)),
    ("AlphaDropout", {}, (2, 10)),
    ("AlphaDropout", {"p": 0.05}, (2, 3, 4, 5)),
])
def test_dropout_agrees_with_torch(name, args, shape, training):
    layer, numbers = static(name, args, shape)
    assert numbers == (shape, 0, 0, 0)
    assert measured(twin(layer).train(training), shape) == numbers


@pytest.mark.parametrize("name", DROPOUTS)
@pytest.mark.parametrize("p", [-0.1, 1.1, 2, -1, float("inf"), float("-inf")])
def test_p_outside_0_1_is_rejected_by_both(name, p):
    with pytest.raises(LayerArgumentErrors, match=r"between 0 and 1 \(expected 0 ≤ p ≤ 1"):
        validate_layer(REGISTRY[name], {"p": p})
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        getattr(torch.nn, name)(p=p)


def test_nan_p_is_rejected_though_torch_builds_it():
    # torch's check (p < 0 or p > 1) lets NaN through; a NaN probability is never meant
    with pytest.raises(LayerArgumentErrors):
        validate_layer(REGISTRY["Dropout"], {"p": float("nan")})
    torch.nn.Dropout(p=float("nan"))


@pytest.mark.parametrize("name, args", [
    ("Dropout", {"p": True}), ("Dropout", {"p": "0.5"}), ("Dropout2d", {"inplace": 1}),
    ("Dropout", {"rate": 0.5}),
])
def test_argument_types_and_names_are_strict(name, args):
    with pytest.raises(LayerArgumentErrors):
        validate_layer(REGISTRY[name], args)


@pytest.mark.parametrize("name", ["Dropout", "AlphaDropout"])
@pytest.mark.parametrize("rank", [2, 3, 4, 5, 6])
def test_elementwise_dropouts_take_any_rank_as_torch_does(name, rank):
    shape = (2,) * rank
    assert static(name, {}, shape)[1][0] == shape
    assert torch_runs_quietly(name, shape)


# The channel dropouts: torch's batched form is the only rank it takes silently in both modes.
# Every other rank torch either rejects (Dropout1d), or warns about as deprecated, or reads as
# one unbatched sample. cnncalc takes the batched form only.
CHANNEL_DROPOUT_RANKS = {"Dropout1d": 3, "Dropout2d": 4, "Dropout3d": 5}


@pytest.mark.parametrize("name, rank", CHANNEL_DROPOUT_RANKS.items())
def test_channel_dropout_takes_its_batched_form_only(name, rank):
    for other in range(2, 7):
        shape = (2,) * other
        if other == rank:
            assert static(name, {}, shape)[1][0] == shape
            assert torch_runs_quietly(name, shape) and torch_runs_quietly(name, shape, False)
        else:
            with pytest.raises(LayerError, match=f"{name} takes a"):
                static(name, {}, shape)


@pytest.mark.parametrize("name, shape", [
    ("Dropout1d", (2, 3, 4, 5)), ("Dropout1d", (2, 3, 4, 5, 6)),
    ("Dropout2d", (2, 2, 2, 2, 2)), ("Dropout2d", (2, 6)),
    ("Dropout3d", (2, 2, 2, 2, 2, 2)), ("Dropout3d", (2, 3, 4)),
])
def test_ranks_torch_rejects_or_deprecates_are_rejected(name, shape):
    # Dropout1d raises; Dropout2d/3d warn "deprecated and will result in an error"
    assert not torch_runs_quietly(name, shape)
    with pytest.raises(LayerError):
        static(name, {}, shape)


def test_unbatched_readings_are_what_cnncalc_refuses():
    # torch reads a rank one lower as one unbatched sample: Dropout1d on [N, F] drops whole
    # samples of the batch. In a network file dim 0 is always the batch, so cnncalc refuses.
    assert torch_runs_quietly("Dropout1d", (2, 6))
    assert torch_runs_quietly("Dropout3d", (2, 3, 4, 5))
    with pytest.raises(LayerError) as err:
        static("Dropout1d", {}, (2, 6))
    assert str(err.value) == ("Dropout1d takes a [C, L] input (batch excluded) "
                              "(expected 2 dims, got 1: [6])")


def located_errors(text):
    return str(network_error(text)).splitlines()


def test_dropout_errors_are_located_in_the_file():
    assert located_errors("input: [3, 8, 8]\nlayers:\n  - Dropout: {p: 1.5}\n") == [
        "net.yaml:3:18: dropout_1 (Dropout): dropout probability p must be between 0 and 1"
        " (expected 0 ≤ p ≤ 1, got 1.5)"]
    assert located_errors("input: [3, 8, 8]\nlayers:\n  - ReLU\n  - Dropout1d\n") == [
        "net.yaml:4:5: dropout1d_1 (Dropout1d): Dropout1d takes a [C, L] input (batch excluded);"
        " for [C, H, W] data use Dropout2d (expected 2 dims, got 3: [3, 8, 8])"]


def test_classifier_head_with_dropout_counts_only_the_linear_layers():
    report = cnncalc.analyze(cnncalc.loads("""
input: [256, 6, 6]
layers:
  - Flatten
  - Dropout: {p: 0.5}
  - Linear: {out_features: 4096}
  - AlphaDropout
  - Linear: {out_features: 10}
"""), batch=2)
    head = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Dropout(0.5),
                               torch.nn.Linear(9216, 4096), torch.nn.AlphaDropout(),
                               torch.nn.Linear(4096, 10))
    assert measured(head, (2, 256, 6, 6)) == (
        report.layers[-1].output_shape, report.totals.params, report.totals.buffers,
        report.totals.macs)
