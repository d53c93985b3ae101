"""ZeroPad, ConstantPad, ReflectionPad and ReplicationPad (1-D, 2-D, 3-D) against torch.

The twin is ``getattr(torch.nn, type)(**layer.resolve(shape).model_dump())``, run forward under
``FlopCounterMode``; shape, parameters, buffers and MACs must agree, and what torch rejects
cnncalc must reject. Where cnncalc refuses more than torch (an empty output, a tensor torch
would read as one unbatched sample), the tests show what torch does and that cnncalc refuses.
"""

from functools import partial

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import cnncalc
import oracle
from cnncalc.errors import LayerError
from cnncalc.layers import REGISTRY
from cnncalc.spec import LayerArgumentErrors, validate_layer
from oracle import measured, network_error, static

FAMILIES = ("Zero", "Constant", "Reflection", "Replication")
TORCH_ERRORS = (RuntimeError, NotImplementedError)

#: the shape torch pads to, or None when it raises one of TORCH_ERRORS
torch_shape = partial(oracle.torch_shape, errors=TORCH_ERRORS)
#: padding has no parameters, buffers or MACs
assert_agrees = partial(oracle.assert_agrees, counts=(0, 0, 0))
assert_both_reject = partial(oracle.assert_both_reject, torch_errors=TORCH_ERRORS)


def make_args(family, padding):
    args = {"padding": padding}
    if family == "Constant":
        args["value"] = 1.5
    return args


# -- what both accept --------------------------------------------------------------------------

@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("n, padding, shape, expected", [
    (1, 2, (2, 3, 5), (2, 3, 9)),
    (1, [1, 3], (2, 3, 5), (2, 3, 9)),
    (1, [0, 0], (1, 1, 1), (1, 1, 1)),
    (1, [-2, 1], (2, 3, 5), (2, 3, 4)),
    (2, 1, (2, 3, 4, 5), (2, 3, 6, 7)),
    (2, [1, 2, 3, 0], (2, 3, 4, 5), (2, 3, 7, 8)),           # (left, right, top, bottom)
    (2, [3, 0, 0, 2], (1, 1, 4, 5), (1, 1, 6, 8)),
    (2, -1, (2, 3, 4, 5), (2, 3, 2, 3)),
    (2, [2, -3, -1, 3], (1, 2, 4, 5), (1, 2, 6, 4)),
    (3, 1, (1, 2, 3, 4, 5), (1, 2, 5, 6, 7)),
    (3, [1, 0, 2, 0, 0, 2], (1, 2, 3, 4, 5), (1, 2, 5, 6, 6)),  # (…, front, back) pad depth
    (3, [0, 1, -1, 0, 2, -2], (2, 1, 3, 4, 5), (2, 1, 3, 3, 6)),
])
def test_padding_agrees_with_torch(family, n, padding, shape, expected):
    assert assert_agrees(f"{family}Pad{n}d", make_args(family, padding), shape) == expected


@pytest.mark.parametrize("type_name, padding, shape, expected", [
    ("ZeroPad2d", [-5, 3, 0, 0], (1, 2, 4, 5), (1, 2, 4, 3)),   # crops the width to 0, pads 3
    ("ZeroPad2d", [-4, 4, 0, 0], (1, 2, 4, 5), (1, 2, 4, 5)),
    ("ReflectionPad2d", [4, -4, 0, 0], (1, 2, 4, 5), (1, 2, 4, 5)),
    ("ReflectionPad2d", [-6, 2, 0, 0], (1, 2, 4, 5), (1, 2, 4, 1)),  # pads below the size
    ("ReflectionPad2d", [0, 0, 3, 3], (1, 2, 4, 5), (1, 2, 10, 5)),
    ("ReflectionPad1d", 4, (1, 2, 5), (1, 2, 13)),
    ("ReplicationPad2d", [-6, 7, 0, 0], (1, 2, 4, 5), (1, 2, 4, 6)),
    ("ReplicationPad2d", [10, -9, 0, 0], (1, 2, 4, 5), (1, 2, 4, 6)),
    ("ReplicationPad2d", [0, 0, 9, 9], (1, 2, 4, 5), (1, 2, 22, 5)),
    ("ReplicationPad3d", [1, 1, 1, 1, 5, 5], (1, 2, 1, 1, 1), (1, 2, 11, 3, 3)),
])
def test_negative_and_large_padding_follow_each_familys_rule(type_name, padding, shape,
                                                             expected):
    assert assert_agrees(type_name, {"padding": padding}, shape) == expected


def test_constant_value_is_required_and_zero_pad_takes_none():
    with pytest.raises(LayerArgumentErrors, match="missing required argument 'value'"):
        validate_layer(REGISTRY["ConstantPad2d"], {"padding": 1})
    with pytest.raises(TypeError):
        torch.nn.ConstantPad2d(1)
    with pytest.raises(LayerArgumentErrors, match="unknown argument 'value'"):
        validate_layer(REGISTRY["ZeroPad2d"], {"padding": 1, "value": 0.0})
    with pytest.raises(TypeError):
        torch.nn.ZeroPad2d(1, 0.0)
    assert assert_agrees("ConstantPad3d", {"padding": 1, "value": -3}, (1, 1, 2, 2, 2)) == (
        1, 1, 4, 4, 4)


# -- what both reject --------------------------------------------------------------------------

@pytest.mark.parametrize("type_name, padding, shape", [
    ("ReflectionPad2d", [5, 0, 0, 0], (1, 2, 4, 5)),         # 5 is not below the width 5
    ("ReflectionPad2d", [0, 0, 4, 0], (1, 2, 4, 5)),
    ("ReflectionPad2d", [6, -2, 0, 0], (1, 2, 4, 5)),        # even if the other side crops
    ("ReflectionPad2d", [-5, 5, 0, 0], (1, 2, 4, 5)),
    ("ReflectionPad1d", 1, (2, 3, 1)),
    ("ReflectionPad3d", [0, 0, 0, 0, 2, 0], (1, 1, 2, 3, 3)),
    ("ReflectionPad2d", [-8, 2, 0, 0], (1, 2, 4, 5)),        # width -1
    ("ZeroPad2d", [-6, 7, 0, 0], (1, 2, 4, 5)),              # crops to -1 before padding
    ("ZeroPad2d", [10, -9, 0, 0], (1, 2, 4, 5)),
    ("ZeroPad2d", [0, 0, -5, 5], (1, 2, 4, 5)),
    ("ZeroPad2d", [0, 0, -3, -2], (1, 2, 4, 5)),
    ("ZeroPad1d", -3, (1, 2, 5)),
    ("ZeroPad3d", [0, 0, 0, 0, -2, 1], (1, 1, 1, 4, 4)),
    ("ReplicationPad2d", [0, 0, -3, -2], (1, 2, 4, 5)),      # height -1
    ("ReplicationPad2d", [-8, 2, 0, 0], (1, 2, 4, 5)),
    ("ReplicationPad3d", -2, (1, 1, 3, 3, 3)),
    ("ZeroPad2d", [1, 2, 3], (1, 2, 4, 5)),                  # odd length
    ("ReflectionPad2d", [1, 1], (1, 2, 4, 5)),
    ("ReplicationPad3d", [1, 1, 1, 1], (1, 2, 4, 5, 5)),
    ("ReflectionPad1d", [1, 1], (1, 2, 2, 2)),               # rank beyond [C, L]
    ("ReplicationPad2d", 1, (1, 2, 2, 2, 2)),
    ("ReflectionPad3d", 1, (1, 2, 2)),
    ("ZeroPad3d", 1, (2, 3)),                                # not enough dims
])
def test_padding_rejects_what_torch_rejects(type_name, padding, shape):
    assert_both_reject(type_name, make_args(type_name[:-5], padding), shape)


@pytest.mark.parametrize("type_name, args", [
    ("ZeroPad2d", {"padding": 1.0}), ("ZeroPad2d", {"padding": True}),
    ("ZeroPad1d", {"padding": [1, "2"]}), ("ConstantPad1d", {"padding": 1, "value": "0"}),
    ("ConstantPad1d", {"padding": 1, "value": None}),
])
def test_argument_types_are_strict(type_name, args):
    with pytest.raises(LayerArgumentErrors, match="wrong value"):
        validate_layer(REGISTRY[type_name], args)


# -- where cnncalc refuses more than torch, on purpose -----------------------------------------

@pytest.mark.parametrize("type_name, padding, shape", [
    ("ZeroPad2d", [-5, 0, 0, 0], (1, 2, 4, 5)),
    ("ZeroPad2d", [0, 0, -2, -2], (1, 2, 4, 5)),
    ("ReflectionPad2d", [-7, 2, 0, 0], (1, 2, 4, 5)),
    ("ReplicationPad3d", [0, 0, 0, 0, -9, 4], (1, 1, 5, 2, 2)),
])
def test_an_empty_output_is_refused_though_torch_returns_one(type_name, padding, shape):
    # (the 1-D reflection and replication kernels refuse a width of 0 themselves)
    assert 0 in torch_shape(type_name, {"padding": padding}, shape)
    with pytest.raises(LayerError, match="is below 1"):
        static(type_name, {"padding": padding}, shape)


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("n", [1, 2, 3])
def test_only_the_batched_rank_is_taken(family, n):
    type_name = f"{family}Pad{n}d"
    args = make_args(family, 1)
    batched = (2,) * (n + 2)
    assert static(type_name, args, batched)[1][0] == (2, 2, *(4,) * n)
    # one rank lower, torch reads the tensor as one unbatched sample: the batch would be padded
    # (ZeroPad2d on [N, C, L] pads C and L); constant padding takes higher ranks as well
    unbatched = (2,) * (n + 1)
    assert torch_shape(type_name, args, unbatched) is not None
    for rank in range(2, 7):
        if rank != n + 2:
            with pytest.raises(LayerError, match=f"{type_name} takes a"):
                static(type_name, args, (2,) * rank)


def test_tuple_length_is_2_ndim_though_constant_padding_takes_any_even_length():
    # torch's ZeroPad2d((1, 1)) pads the width only and (1,)*6 pads three dims; the layer's
    # dimensionality says four values, and cnncalc holds to it
    assert torch_shape("ZeroPad2d", {"padding": [1, 1]}, (1, 2, 4, 5)) == (1, 2, 4, 7)
    with pytest.raises(LayerArgumentErrors) as err:
        validate_layer(REGISTRY["ZeroPad2d"], {"padding": [1, 1]})
    assert str(err.value) == ("padding takes one int or 4 ints (left, right, top, bottom)"
                              " (expected 4 values, got 2: [1, 1])")


# -- parity on random paddings -----------------------------------------------------------------

@given(family=st.sampled_from(FAMILIES), n=st.integers(1, 3), data=st.data())
def test_random_paddings_accepted_and_rejected_as_torch_does(family, n, data):
    padding = data.draw(st.lists(st.integers(-5, 5), min_size=2 * n, max_size=2 * n))
    shape = (1, 2, *data.draw(st.lists(st.integers(1, 5), min_size=n, max_size=n)))
    type_name = f"{family}Pad{n}d"
    try:
        ours = static(type_name, make_args(family, padding), shape)[1][0]
    except LayerError:
        ours = None
    theirs = torch_shape(type_name, make_args(family, padding), shape)
    if theirs is not None and 0 in theirs:
        theirs = None  # an empty output: refused on purpose (see above)
    assert ours == theirs


# -- messages and a network --------------------------------------------------------------------

@pytest.mark.parametrize("type_name, padding, shape, message", [
    ("ReflectionPad2d", [0, 0, 4, 1], (1, 2, 4, 5),
     "reflection padding must be smaller than the input height (expected padding < 4 on each"
     " side, got (4, 1))"),
    ("ZeroPad2d", [-6, 7, 0, 0], (1, 2, 4, 5),
     "negative padding crops more than the input width (5): torch crops before it pads, and"
     " 5 - 6 + 0 = -1 (expected negative sides summing to at least -5, got [-6, 7, 0, 0])"),
    ("ReplicationPad1d", [-3, -3], (1, 2, 5),
     "the padded length -3 + 5 - 3 = -1 is below 1: negative padding crops away the whole"
     " input length (expected padding whose sum is above -5, got [-3, -3])"),
])
def test_messages_show_the_numbers(type_name, padding, shape, message):
    with pytest.raises(LayerError) as err:
        static(type_name, {"padding": padding}, shape)
    assert (str(err.value), err.value.field) == (message, "padding")


def test_padding_errors_are_located_in_the_file():
    assert str(network_error("input: [3, 4, 4]\nlayers:\n"
                             "  - ReflectionPad2d: {padding: 4}\n")) == (
        "net.yaml:3:32: reflectionpad2d_1 (ReflectionPad2d): reflection padding must be smaller"
        " than the input height (expected padding < 4 on each side, got (4, 4))")


def test_padded_stem_matches_its_torch_twin():
    report = cnncalc.analyze(cnncalc.loads("""
input: [3, 32, 24]
layers:
  - ReflectionPad2d: {padding: 3}
  - Conv2d: {out_channels: 8, kernel_size: 7}
  - ReplicationPad2d: {padding: [1, 0, 1, 0]}
  - ZeroPad2d: {padding: [0, 1, 0, 1]}
  - Conv2d: {out_channels: 8, kernel_size: 3, stride: 2}
  - Flatten: {start_dim: 2}
  - ConstantPad1d: {padding: [2, -1], value: 0.5}
"""), batch=2)
    net = torch.nn.Sequential(
        torch.nn.ReflectionPad2d(3), torch.nn.Conv2d(3, 8, 7),
        torch.nn.ReplicationPad2d((1, 0, 1, 0)), torch.nn.ZeroPad2d((0, 1, 0, 1)),
        torch.nn.Conv2d(8, 8, 3, stride=2), torch.nn.Flatten(2),
        torch.nn.ConstantPad1d((2, -1), 0.5))
    assert measured(net, (2, 3, 32, 24)) == (
        report.layers[-1].output_shape, report.totals.params, report.totals.buffers,
        report.totals.macs)
    assert report.layers[-1].output_shape == (2, 8, 16 * 12 + 1)
