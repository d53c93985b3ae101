"""Flatten, Unflatten and Identity against their torch twins; and the activations' arguments.

The twin of a layer is ``getattr(torch.nn, type)(**layer.resolve(shape).model_dump())``; every
case runs it forward under ``FlopCounterMode`` and compares the shape, the parameters, the
buffers and the MACs with cnncalc's. What torch rejects, cnncalc must reject too.
"""

import inspect
from functools import partial

import pytest
import torch
from pydantic_core import PydanticUndefined

import cnncalc
import oracle
from cnncalc.errors import LayerError
from cnncalc.layers import REGISTRY, activation
from cnncalc.spec import LayerArgumentErrors, validate_layer
from oracle import assert_agrees, network_error, static

TORCH_ERRORS = (RuntimeError, ValueError, TypeError, IndexError, NotImplementedError,
                AssertionError)

assert_both_reject = partial(oracle.assert_both_reject, torch_errors=TORCH_ERRORS,
                             warnings_as="ignore")


# -- Flatten -----------------------------------------------------------------------------------

@pytest.mark.parametrize("args, shape, expected", [
    ({}, (2, 3, 4, 5), (2, 60)),
    ({}, (1, 7), (1, 7)),
    ({"start_dim": 0}, (2, 3, 4), (24,)),
    ({"start_dim": 2}, (2, 3, 4, 5), (2, 3, 20)),
    ({"start_dim": 1, "end_dim": 2}, (2, 3, 4, 5), (2, 12, 5)),
    ({"start_dim": -2, "end_dim": -1}, (2, 3, 4, 5), (2, 3, 20)),
    ({"start_dim": 2, "end_dim": 2}, (2, 3, 4, 5), (2, 3, 4, 5)),
    ({"start_dim": -1, "end_dim": 2}, (2, 3, 4), (2, 3, 4)),
    ({"start_dim": 0, "end_dim": 1}, (2, 3, 4, 5), (6, 4, 5)),
])
def test_flatten_agrees_with_torch(args, shape, expected):
    assert assert_agrees("Flatten", args, shape) == expected


@pytest.mark.parametrize("args, shape", [
    ({"start_dim": 2, "end_dim": 1}, (2, 3, 4)),
    ({"start_dim": 2, "end_dim": -2}, (2, 3, 4)),
    ({"start_dim": 3}, (2, 3, 4)),
    ({"start_dim": -4}, (2, 3, 4)),
    ({"end_dim": 5}, (2, 3, 4, 5)),
])
def test_flatten_rejects_what_torch_rejects(args, shape):
    assert_both_reject("Flatten", args, shape)


def test_flatten_names_the_field_at_fault():
    with pytest.raises(LayerError) as err:
        static("Flatten", {"start_dim": 2, "end_dim": 1}, (2, 3, 4))
    assert err.value.field == "start_dim"
    assert "start_dim cannot come after end_dim" in str(err.value)


# -- Unflatten ---------------------------------------------------------------------------------

@pytest.mark.parametrize("args, shape, expected", [
    ({"dim": 1, "unflattened_size": [3, 4]}, (2, 12, 5), (2, 3, 4, 5)),
    ({"dim": 1, "unflattened_size": [-1, 4]}, (2, 12, 5), (2, 3, 4, 5)),
    ({"dim": 1, "unflattened_size": [2, -1, 3]}, (2, 12), (2, 2, 2, 3)),
    ({"dim": 1, "unflattened_size": [12]}, (2, 12, 5), (2, 12, 5)),
    ({"dim": 1, "unflattened_size": [-1]}, (2, 12, 5), (2, 12, 5)),
    ({"dim": -1, "unflattened_size": [5, 1, 1]}, (2, 12, 5), (2, 12, 5, 1, 1)),
    ({"dim": 0, "unflattened_size": [2, 1]}, (2, 12, 5), (2, 1, 12, 5)),
    ({"dim": -3, "unflattened_size": [1, -1]}, (2, 12, 5), (1, 2, 12, 5)),
    ({"dim": 1, "unflattened_size": [256, 7, 7]}, (1, 12544), (1, 256, 7, 7)),
])
def test_unflatten_agrees_with_torch(args, shape, expected):
    assert assert_agrees("Unflatten", args, shape) == expected


@pytest.mark.parametrize("args, shape", [
    ({"dim": 1, "unflattened_size": [-1, 5]}, (2, 12, 5)),     # 12 is not a multiple of 5
    ({"dim": 1, "unflattened_size": [3, 5]}, (2, 12, 5)),      # 15 ≠ 12
    ({"dim": 1, "unflattened_size": [-1, -1]}, (2, 12, 5)),    # two inferred sizes
    ({"dim": 1, "unflattened_size": []}, (2, 12, 5)),          # torch: sizes must be non-empty
    ({"dim": 1, "unflattened_size": [0, 4]}, (2, 12, 5)),
    ({"dim": 1, "unflattened_size": [-1, 0]}, (2, 12, 5)),
    ({"dim": 1, "unflattened_size": [-2, -6]}, (2, 12, 5)),
    ({"dim": 1, "unflattened_size": [3, -2]}, (2, 12, 5)),
    ({"dim": 3, "unflattened_size": [2, 1]}, (2, 12, 5)),
    ({"dim": -4, "unflattened_size": [2, 1]}, (2, 12, 5)),
    ({"dim": 1, "unflattened_size": 12}, (2, 12, 5)),          # torch: must be a tuple of ints
    ({"dim": 1, "unflattened_size": [3.0, 4]}, (2, 12, 5)),
])
def test_unflatten_rejects_what_torch_rejects(args, shape):
    assert_both_reject("Unflatten", args, shape)


def test_unflatten_error_is_located_in_the_file():
    assert str(network_error("input: [12, 5]\nlayers:\n"
                             "  - Unflatten: {dim: 1, unflattened_size: [5, -1]}\n")) == (
        "net.yaml:3:43: unflatten_1 (Unflatten): unflattened_size does not multiply up to the "
        "size of dim 1 (12) (expected a product of 12, got [5, -1])")


# -- Identity ----------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(1, 5), (2, 3, 4), (3, 1, 2, 2), (1, 2, 3, 4, 5)])
def test_identity_agrees_with_torch(shape):
    assert assert_agrees("Identity", {}, shape) == shape


def test_identity_takes_no_arguments():
    with pytest.raises(LayerArgumentErrors, match="unknown argument 'p'"):
        validate_layer(REGISTRY["Identity"], {"p": 1})


# -- a small network of reshapes ---------------------------------------------------------------

def test_flatten_then_unflatten_round_trip_in_a_file():
    report = cnncalc.analyze(cnncalc.loads("""
input: [16, 7, 7]
layers:
  - Flatten
  - Unflatten: {dim: 1, unflattened_size: [16, -1]}
  - Unflatten: {dim: -1, unflattened_size: [7, 7]}
  - Identity
"""), batch=3)
    assert [r.output_shape for r in report.layers] == [(3, 784), (3, 16, 49), (3, 16, 7, 7),
                                                       (3, 16, 7, 7)]
    assert (report.totals.params, report.totals.buffers, report.totals.macs) == (0, 0, 0)


# -- activations: arguments, defaults and torch's checks ---------------------------------------

ACTIVATIONS = sorted(name for name, cls in REGISTRY.items()
                     if cls.__module__ == activation.__name__)
#: torch arguments a cnncalc layer leaves out on purpose: tensor placement, and Hardtanh's
#: deprecated aliases of min_val / max_val
NOT_MODELLED = {"device", "dtype", "args", "kwargs", "min_value", "max_value"}


def test_all_eighteen_activations_of_issue_2_are_registered():
    assert ACTIVATIONS == sorted([
        "ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish",
        "Sigmoid", "Tanh", "Hardswish", "Hardsigmoid", "Hardtanh", "Softplus", "Softmax",
        "LogSoftmax"])


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_arguments_are_torchs_in_order_with_its_defaults(name):
    parameters = list(inspect.signature(getattr(torch.nn, name).__init__).parameters.values())[1:]
    expected = [(p.name, p.default) for p in parameters if p.name not in NOT_MODELLED]
    fields = REGISTRY[name].model_fields
    actual = [(field, info.default if info.default is not PydanticUndefined
               else inspect.Parameter.empty) for field, info in fields.items()]
    assert actual == expected
    for (_, ours), (_, theirs) in zip(actual, expected):
        assert type(ours) is type(theirs)  # 0.01 stays a float, None stays None


@pytest.mark.parametrize("name, args, shape", [
    ("ReLU", {"inplace": True}, (2, 3, 4)),
    ("ReLU6", {}, (2, 5)),
    ("LeakyReLU", {"negative_slope": 0.2, "inplace": True}, (1, 3, 4, 4)),
    ("LeakyReLU", {"negative_slope": -1}, (2, 3)),
    ("PReLU", {}, (2, 3, 4)),
    ("PReLU", {"num_parameters": 3, "init": 0.1}, (2, 3, 4, 4)),
    ("PReLU", {"num_parameters": 5}, (2, 5)),
    ("ELU", {"alpha": 0.5}, (2, 3, 4)),
    ("SELU", {"inplace": True}, (2, 3, 4)),
    ("CELU", {"alpha": -2.0}, (2, 3, 4)),
    ("GELU", {"approximate": "tanh"}, (2, 3, 4)),
    ("SiLU", {}, (2, 3, 4, 4, 4)),
    ("Mish", {}, (2, 3, 4)),
    ("Sigmoid", {}, (2, 3, 4)),
    ("Tanh", {}, (2, 3, 4)),
    ("Hardswish", {"inplace": True}, (2, 3, 4)),
    ("Hardsigmoid", {}, (2, 3, 4)),
    ("Hardtanh", {"min_val": 0, "max_val": 6}, (2, 3, 4)),
    ("Hardtanh", {"min_val": -2.5, "max_val": -2.0}, (2, 3, 4)),
    ("Softplus", {"beta": 2, "threshold": 10.0}, (2, 3, 4)),
    ("Softplus", {"beta": 0}, (2, 3, 4)),
    ("Softmax", {}, (2, 3, 4)),
    ("Softmax", {"dim": 1}, (2, 3, 4)),
    ("LogSoftmax", {"dim": -1}, (2, 3, 4)),
    ("LogSoftmax", {"dim": 0}, (2, 10)),
])
def test_activation_agrees_with_torch(name, args, shape):
    assert assert_agrees(name, args, shape) == shape


@pytest.mark.parametrize("name, args, shape", [
    ("CELU", {"alpha": 0}, (2, 3)),                   # ZeroDivisionError inside torch
    ("CELU", {"alpha": 0.0}, (2, 3)),
    ("CELU", {"alpha": -0.0}, (2, 3)),
    ("GELU", {"approximate": "sigmoid"}, (2, 3)),
    ("Hardtanh", {"min_val": 1, "max_val": 1}, (2, 3)),
    ("Hardtanh", {"min_val": 2.0, "max_val": 1.0}, (2, 3)),
    ("Hardtanh", {"max_val": -1.0}, (2, 3)),
    ("PReLU", {"num_parameters": 4}, (2, 3, 5)),       # neither 1 nor the 3 channels
    ("PReLU", {"num_parameters": 3}, (2, 5)),
    ("Softmax", {"dim": 3}, (2, 3, 4)),
    ("LogSoftmax", {"dim": -4}, (2, 3, 4)),
])
def test_activation_rejects_what_torch_rejects(name, args, shape):
    assert_both_reject(name, args, shape)


def test_prelu_with_zero_parameters_is_rejected_like_its_forward_pass():
    # torch builds PReLU(0) but its forward pass fails on any input with channels
    with pytest.raises(LayerArgumentErrors):
        validate_layer(REGISTRY["PReLU"], {"num_parameters": 0})
    with pytest.raises(RuntimeError, match="Mismatch of parameter numbers"):
        torch.nn.PReLU(0)(torch.randn(2, 3))


@pytest.mark.parametrize("name, args", [
    ("ReLU", {"inplace": 1}), ("LeakyReLU", {"negative_slope": True}),
    ("Softmax", {"dim": 1.0}), ("PReLU", {"num_parameters": 2.0}), ("ELU", {"alpha": "1"}),
])
def test_activation_argument_types_are_strict(name, args):
    with pytest.raises(LayerArgumentErrors, match="wrong value"):
        validate_layer(REGISTRY[name], args)
