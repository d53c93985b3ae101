"""The Python API keeps the error contract of the command line (issue 16, items 4 and 5).

Wrong arguments given in Python to a layer class, ``Network``, ``Entry`` or ``Block`` raise
``cnncalc.ArgumentError`` (a ``CnncalcError``, never pydantic's ``ValidationError``) with the
words the command line prints for the same mistake in a file, every problem at once; layers
take positional arguments in their torch constructor's order; ``cnncalc.load`` takes zoo names
as the command line does.
"""

from __future__ import annotations

import ast
import inspect
import io
import json
import re
import tokenize
from pathlib import Path

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from strategies import STRATEGIES

import cnncalc
from cnncalc.errors import ArgumentError, CnncalcError, NetworkError
from cnncalc.layers import REGISTRY
from cnncalc.torch import twin_factory

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def error_of(call, *args, **kwargs) -> ArgumentError:
    """The error ``call(*args, **kwargs)`` raises: a CnncalcError, never a ValidationError."""
    with pytest.raises(Exception) as info:
        call(*args, **kwargs)
    err = info.value
    assert isinstance(err, CnncalcError), f"{type(err).__name__}: {err}"
    assert not isinstance(err, ValidationError)
    assert isinstance(err, ArgumentError)
    assert str(err) == "\n".join(str(p) for p in err.problems)
    return err


def file_problems(type_name: str, args: dict) -> list[tuple]:
    """What the command line says about the same layer in a file: (message, expected, got)."""
    text = json.dumps({"input": [3, 32, 32], "layers": [{type_name: args}]})
    with pytest.raises(NetworkError) as info:
        cnncalc.analyze(cnncalc.loads(text, source="net.yaml"))
    for problem in info.value.problems:
        assert problem.where == f"{type_name.lower()}_1 ({type_name})"
    return sorted((p.message, str(p.expected), str(p.got)) for p in info.value.problems)


def python_problems(err: ArgumentError, type_name: str) -> list[tuple]:
    for problem in err.problems:
        assert problem.where == type_name and problem.position is None
    return sorted((p.message, str(p.expected), str(p.got)) for p in err.problems)


# -- layers: keyword mistakes, worded as for a file ---------------------------------------------

def test_a_misspelt_keyword_says_did_you_mean():
    err = error_of(cnncalc.Conv2d, out_channels=10, kernal_size=5)
    assert str(err) == (
        "Conv2d: unknown argument 'kernal_size'; did you mean 'kernel_size'? (expected one of "
        "in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, "
        "padding_mode)")
    assert isinstance(err, cnncalc.CnncalcError) and isinstance(err, cnncalc.NetworkError)
    assert isinstance(err, ValueError) and isinstance(err, TypeError)  # as Python's own are
    assert cnncalc.ArgumentError is ArgumentError and "ArgumentError" in cnncalc.__all__


def test_a_wrong_value_says_expected_and_got():
    err = error_of(cnncalc.Conv2d, out_channels=10, kernel_size=0)
    assert str(err) == ("Conv2d: wrong value for kernel_size (expected an int ≥ 1 or a list of "
                        "ints ≥ 1, got 0)")
    assert str(error_of(cnncalc.Dropout, p=2)) == (
        "Dropout: dropout probability p must be between 0 and 1 (expected 0 ≤ p ≤ 1, got 2)")


def test_every_problem_at_once_in_the_order_given():
    err = error_of(cnncalc.Conv2d, out_channels=0, kernal_size=3, padding="smae", bias=1)
    assert str(err).splitlines() == [
        "Conv2d: wrong value for out_channels (expected an int ≥ 1, got 0)",
        "Conv2d: unknown argument 'kernal_size'; did you mean 'kernel_size'? (expected one of "
        "in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, "
        "padding_mode)",
        "Conv2d: wrong value for padding; did you mean 'same'? (expected one of 'same', 'valid' "
        "or an int ≥ 0 or a list of ints ≥ 0, got 'smae')",
        "Conv2d: wrong value for bias (expected true or false, got 1)",
    ]


@pytest.mark.parametrize("type_name, args", [
    ("Conv2d", {"out_channels": 10, "kernal_size": 5}),
    ("Conv2d", {"out_channels": 10, "kernel_size": 0}),
    ("Conv2d", {"out_channels": 4}),
    ("Conv2d", {"out_channels": 4, "kernel_size": 3.0, "padding": "smae", "foo": 1}),
    ("Conv2d", {"out_channels": 4, "kernel_size": 3, "stride": 2, "padding": "same"}),
    ("Conv2d", {"out_channels": 6, "kernel_size": 3, "groups": 4}),
    ("MaxPool2d", {"kernel_size": "2"}),
    ("Linear", {"out_features": -1, "bias": "yes"}),
    ("Dropout", {"p": 1.5}),
    ("BatchNorm2d", {"eps": "1e-5", "momentum": None, "afine": True}),
    ("Upsample", {"scale_factor": 2, "mode": "bilinear", "align_corners": 1}),
    ("Chunk", {"chunk": 2}),
])
def test_the_same_words_as_the_command_line_for_the_same_args(type_name, args):
    err = error_of(REGISTRY[type_name], **args)
    assert python_problems(err, type_name) == file_problems(type_name, args)


# Argument names that no layer has: a misspelling, another type's argument, anything.
unknown_names = st.from_regex(r"[a-z_][a-z0-9_]{0,20}", fullmatch=True)


@given(type_name=st.sampled_from(sorted(REGISTRY)), name=unknown_names, value=st.integers())
def test_any_unknown_keyword_is_a_cnncalc_error(type_name, name, value):
    cls = REGISTRY[type_name]
    if name in cls.model_fields:
        return
    err = error_of(cls, **{name: value})
    unknown = [p for p in err.problems if p.message.startswith(f"unknown argument {name!r}")]
    assert len(unknown) == 1 and unknown[0].where == type_name


@given(type_name=st.sampled_from(sorted(REGISTRY)), data=st.data())
def test_any_wrongly_typed_value_is_a_cnncalc_error(type_name, data):
    cls = REGISTRY[type_name]
    if not cls.model_fields:
        return
    field = data.draw(st.sampled_from(sorted(cls.model_fields)), label="field")
    value = data.draw(st.sampled_from([object(), {"a": 1}, "nonsense", b"bytes"]), label="value")
    err = error_of(cls, **{field: value})
    assert any(field in p.message for p in err.problems)


# -- layers: positional arguments in torch's order ----------------------------------------------

def torch_positional(type_name: str) -> tuple[list[str], list[str]]:
    """The twin's positional parameters (device and dtype left out) and its keyword-only ones."""
    factory = twin_factory(type_name)
    signature = inspect.signature(factory.__init__ if isinstance(factory, type) else factory)
    kinds = inspect.Parameter
    positional = [p.name for p in signature.parameters.values() if p.name != "self"
                  and p.kind in (kinds.POSITIONAL_ONLY, kinds.POSITIONAL_OR_KEYWORD)
                  and p.name not in ("device", "dtype")]
    keyword_only = [p.name for p in signature.parameters.values()
                    if p.kind is kinds.KEYWORD_ONLY and p.name not in ("device", "dtype")]
    return positional, keyword_only


@pytest.mark.parametrize("type_name", sorted(REGISTRY))
def test_positional_order_is_the_torch_constructors(type_name):
    """Every registered type: its positional order is its twin's (``torch.nn.<Type>``, or for
    cnncalc-only types such as Add, Concat, Chunk and Narrow the twin module in
    ``cnncalc.torch``, whose parameters are their fields in order)."""
    cls = REGISTRY[type_name]
    torch_order, torch_keyword_only = torch_positional(type_name)
    # torch parameters that cnncalc does not model may only come after all those it does
    # (Hardtanh's deprecated min_value and max_value): up to there, the orders are the same
    modelled = [name for name in torch_order if name in cls.model_fields]
    assert torch_order[:len(modelled)] == modelled
    assert cls.positional_args == tuple(modelled)
    assert set(cls.keyword_only) <= set(torch_keyword_only)
    assert set(cls.positional_args) | set(cls.keyword_only) == set(cls.model_fields)


def test_keyword_only_fields_are_not_positional():
    from typing import ClassVar

    from cnncalc.layers import Layer

    class Probe(Layer):  # abstract: not registered
        abstract: ClassVar[bool] = True
        keyword_only: ClassVar[tuple[str, ...]] = ("bias",)
        size: int
        bias: bool = True
        scale: float = 1.0

    assert Probe.positional_args == ("size", "scale")
    assert Probe(3, 2.0, bias=False) == Probe(size=3, scale=2.0, bias=False)
    assert str(error_of(Probe, 3, 2.0, False)) == (
        "Probe: takes at most 2 positional arguments: size, scale (got 3)")
    assert "bias" not in REGISTRY and "Probe" not in REGISTRY


@given(data=st.data())
def test_positional_arguments_mean_what_they_mean_to_torch(data):
    """For every layer type: the first k arguments given by position build the same cnncalc
    layer as all by keyword, and the twin given the same values by position is the twin of
    that layer."""
    type_name = data.draw(st.sampled_from(sorted(REGISTRY)), label="type")
    cls = REGISTRY[type_name]
    case = data.draw(STRATEGIES[type_name](True), label="case")
    args = {k: v for k, v in case.torch_args(cls.model_fields).items() if k in cls.model_fields}
    usable = [name for name in torch_positional(type_name)[0] if name in cls.positional_args]
    values = []
    for name in usable:  # a positional call gives the fields before it too (defaults)
        if name in args:
            values.append(args[name])
        elif not cls.model_fields[name].is_required():
            values.append(cls.model_fields[name].get_default(call_default_factory=True))
        else:
            break
    count = data.draw(st.integers(0, len(values)), label="by position")
    keywords = {k: v for k, v in args.items() if k not in usable[:count]}
    layer = cls(*values[:count], **keywords)
    assert layer == cls.model_validate(args)
    factory = twin_factory(type_name)
    positional_twin = factory(*values[:count], **keywords)
    assert repr(positional_twin) == repr(factory(**layer.model_dump()))


def test_conv2d_16_32_3_is_torchs_conv2d_16_32_3():
    row = cnncalc.analyze(cnncalc.Network(input=[16, 20, 20], layers=[
        cnncalc.Conv2d(16, 32, 3)])).layers[0]
    module = torch.nn.Conv2d(16, 32, 3)
    assert row.params == sum(p.numel() for p in module.parameters()) == 4640
    assert row.output_shape == tuple(module(torch.zeros(1, 16, 20, 20)).shape)
    assert cnncalc.Conv2d(16, 32, 3) == cnncalc.Conv2d(in_channels=16, out_channels=32,
                                                       kernel_size=3)


def test_in_channels_may_be_none_by_position():
    layer = cnncalc.Conv2d(None, 32, 3, 2, 1)
    assert (layer.in_channels, layer.out_channels, layer.kernel_size, layer.stride,
            layer.padding) == (None, 32, 3, 2, 1)
    report = cnncalc.analyze(cnncalc.Network(input=[3, 8, 8], layers=[layer]))
    assert report.totals.params == sum(p.numel() for p in torch.nn.Conv2d(3, 32, 3).parameters())
    assert cnncalc.Linear(None, 10) == cnncalc.Linear(out_features=10)


def test_too_many_positional_arguments():
    err = error_of(cnncalc.Conv2d, 16, 32, 3, 1, 0, 1, 1, True, "zeros", "extra")
    assert str(err) == ("Conv2d: takes at most 9 positional arguments: in_channels, "
                        "out_channels, kernel_size, stride, padding, dilation, groups, bias, "
                        "padding_mode (got 10)")
    assert str(error_of(cnncalc.Identity, 1)) == "Identity: takes no positional arguments (got 1)"
    assert str(error_of(cnncalc.ReLU, True, False)) == (
        "ReLU: takes at most 1 positional argument: inplace (got 2)")


def test_an_argument_given_by_position_and_by_name():
    err = error_of(cnncalc.Conv2d, 16, 32, 3, kernel_size=5)
    assert str(err) == ("Conv2d: got multiple values for argument 'kernel_size': by position "
                        "(3rd) and by name")


def test_call_problems_and_value_problems_together():
    err = error_of(cnncalc.Conv2d, 16, 0, 3, 1, 0, 1, 1, True, "zeros", 10, kernal_size=5,
                   in_channels=3)
    assert [line.split(":")[1].split("'")[0].strip() for line in str(err).splitlines()] == [
        "takes at most 9 positional arguments",
        "got multiple values for argument",
        "wrong value for out_channels (expected an int ≥ 1, got 0)",
        "unknown argument",
    ]


# -- what must not change ---------------------------------------------------------------------

def test_model_validate_keeps_pydantic_s_path():
    """The loader validates with ``model_validate``: pydantic's own errors (translated by the
    loader), and pydantic does not call ``Layer.__init__`` for it."""
    assert all(not cls.__pydantic_custom_init__ for cls in REGISTRY.values())
    with pytest.raises(ValidationError):
        cnncalc.Conv2d.model_validate({"out_channels": 3, "kernal_size": 3})
    assert cnncalc.Conv2d.model_validate({"out_channels": 3, "kernel_size": [3, 3]}) == \
        cnncalc.Conv2d(out_channels=3, kernel_size=(3, 3))


def test_layers_stay_frozen_and_strict():
    layer = cnncalc.Conv2d(3, 8, 3)
    with pytest.raises(ValidationError):  # frozen: pydantic's own error, as before
        layer.kernel_size = 5
    assert hash(layer) == hash(cnncalc.Conv2d(3, 8, 3))
    error_of(cnncalc.Conv2d, 3, "8", 3)   # strict: no "8" for 8
    error_of(cnncalc.Conv2d, 3, 8, True)  # nor True for 1
    assert cnncalc.Conv2d(3, 8, [3, 5]).kernel_size == (3, 5)  # lists, as a file gives them


# -- Network, Entry, Block ---------------------------------------------------------------------

def test_network_with_a_misspelt_keyword():
    err = error_of(cnncalc.Network, input=[3, 32, 32], layers=["ReLU"], lauers=["ReLU"])
    assert str(err) == ("Network: unknown argument 'lauers'; did you mean 'layers'? (expected "
                        "one of input, layers, name, blocks, source, args, outputs)")
    err = error_of(cnncalc.Network, inputs=[3, 32, 32], lauers=["ReLU"])
    assert str(err).splitlines() == [
        "Network: unknown argument 'inputs'; did you mean 'input'? (expected one of input, "
        "layers, name, blocks, source, args, outputs)",
        "Network: unknown argument 'lauers'; did you mean 'layers'? (expected one of input, "
        "layers, name, blocks, source, args, outputs)"]


def test_network_call_mistakes():
    assert str(error_of(cnncalc.Network, layers=["ReLU"])) == \
        "Network: missing required argument 'input'"
    assert str(error_of(cnncalc.Network, [3, 8], ["ReLU"], "name")) == \
        "Network: takes at most 2 positional arguments: input, layers (got 3)"
    assert str(error_of(cnncalc.Network, [3, 8], ["ReLU"], input=[3, 8])) == \
        "Network: got multiple values for argument 'input': by position (1st) and by name"


def test_network_with_a_wrong_input_or_layers():
    with pytest.raises(NetworkError) as info:
        cnncalc.Network(input=[0, 32], layers=[{"Conv1d": {"out_channels": 4, "kernel_size": 3}}])
    assert not isinstance(info.value, ValidationError)
    assert str(info.value) == (
        "input: must be one sample's shape, channels first, batch excluded (expected a list "
        "of 1 to 4 positive ints such as [3, 224, 224], got [0, 32])")
    with pytest.raises(NetworkError):
        cnncalc.Network(input=[3, 32, 32], layers=5)


def test_entry_and_block_call_mistakes():
    assert str(error_of(cnncalc.Entry, "Add", {}, inptus=["a", "b"])).startswith(
        "Entry: unknown argument 'inptus'; did you mean 'inputs'? (expected one of type, args, "
        "name, inputs, ")
    assert str(error_of(cnncalc.Entry)) == "Entry: missing required argument 'type'"
    assert str(error_of(cnncalc.Block, "b", {}, layer=["ReLU"])) == (
        "Block: unknown argument 'layer'; did you mean 'layers'? (expected one of name, args, "
        "layers, position, arg_positions)")
    assert cnncalc.Entry("Add", {}, inputs=["a", "b"]).inputs == ["a", "b"]


@pytest.mark.parametrize("entry, message", [
    (lambda: cnncalc.Entry(123), "a layer type is a name such as Conv2d or the name of a block"),
    (lambda: cnncalc.Entry("ReLU", [1]), "ReLU: a layer's arguments are a mapping"),
    (lambda: cnncalc.Entry("ReLU", layer=3), "ReLU: layer is a layer object"),
    (lambda: cnncalc.Entry("Conv2d", {"out_channels": 4, "kernal_size": 3}),
     "conv2d_1 (Conv2d): unknown argument 'kernal_size'; did you mean 'kernel_size'?"),
])
def test_entries_built_in_python_are_checked_as_a_file_s(entry, message):
    with pytest.raises(NetworkError) as info:
        cnncalc.analyze(cnncalc.Network(input=[3, 8, 8], layers=[entry()]))
    assert str(info.value).startswith(message)


def test_blocks_built_in_python_are_checked_as_a_file_s():
    block = cnncalc.Block("b", {"out": None}, [
        {"Conv2d": {"out_channels": "$out", "kernel_size": 1}}, "ReLU"])
    net = cnncalc.Network(input=[3, 8, 8], layers=[{"b": {"out": 4}}], blocks={"b": block})
    assert cnncalc.analyze(net).totals.params == 16
    with pytest.raises(NetworkError) as info:
        cnncalc.Network(input=[3, 8, 8], layers=["b"], blocks={"b": cnncalc.Block("b", {}, None)})
    assert str(info.value) == ("block b: layers must be a non-empty list of layer entries "
                               "(got nothing)")
    with pytest.raises(NetworkError) as info:
        cnncalc.Network(input=[3, 8, 8], layers=["b"],
                        blocks={"b": cnncalc.Block("b", {}, [{"Conv2d": {"out": "$nope"}}])})
    assert "'$nope' is not an argument of this block" in str(info.value)


# -- cnncalc.load takes zoo names --------------------------------------------------------------

def test_load_a_zoo_name_is_the_example_file():
    by_name = cnncalc.analyze(cnncalc.load("resnet50"))
    by_file = cnncalc.analyze(cnncalc.load(ROOT / "examples" / "resnet50.yaml"))
    assert by_name.to_json() == by_file.to_json()
    assert by_name.totals.params == 25_557_032  # torchvision's published num_params
    assert cnncalc.analyze(cnncalc.zoo.load("resnet50")).to_json() == by_name.to_json()


def test_a_local_file_wins_over_a_zoo_name(tmp_path, monkeypatch):
    (tmp_path / "resnet50").write_text("name: mine\ninput: [4]\nlayers: [{Linear: "
                                       "{out_features: 2}}]\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    report = cnncalc.analyze(cnncalc.load("resnet50"))
    assert (report.name, report.totals.params) == ("mine", 10)


@pytest.mark.parametrize("name, hint", [
    ("resnet5", "; did you mean 'resnet50'?"),
    ("resnet50.yaml", "; did you mean 'resnet50'?"),   # the zoo name of a missing zoo file
    ("examples/densenet.yaml", "; did you mean 'densenet121'?"),
    ("nothing_like_any", ""),
])
def test_neither_a_file_nor_a_zoo_name(tmp_path, monkeypatch, name, hint):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(NetworkError) as info:
        cnncalc.load(name)
    assert str(info.value) == f"{name}:1:1: no such file, nor a zoo network of that name{hint}"


def test_the_command_line_loads_through_cnncalc_load(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from cnncalc.cli import main
    from cnncalc.cli.common import load_network

    monkeypatch.chdir(tmp_path)
    calls = []
    real = cnncalc.load
    monkeypatch.setattr(cnncalc, "load", lambda path: calls.append(path) or real(path))
    assert load_network("lenet5").name == "LeNet-5" and calls[0] == "lenet5"
    result = CliRunner().invoke(main, ["summary", "resnet5"])
    assert result.exit_code == 2
    assert "resnet5:1:1: no such file, nor a zoo network of that name; did you mean " \
           "'resnet50'?" in result.stderr


# -- the README's Python API section is real ----------------------------------------------------

def python_api_section() -> str:
    return README.split("## Python API", 1)[1].split("\n## ", 1)[0]


def test_readme_python_api_values_are_real(monkeypatch):
    """Each expression line with a value as its comment (``x  # (16, 32, 3)``) gives it."""
    monkeypatch.chdir(ROOT)
    code = re.search(r"```python\n(.*?)```", python_api_section(), flags=re.S)[1]
    comments = {token.start[0]: token.string.lstrip("# ").strip()
                for token in tokenize.generate_tokens(io.StringIO(code).readline)
                if token.type == tokenize.COMMENT}
    namespace: dict = {}
    checked = 0
    for statement in ast.parse(code).body:
        source = ast.Module([statement], type_ignores=[])
        if isinstance(statement, ast.Expr) and statement.end_lineno in comments:
            try:
                expected = ast.literal_eval(comments[statement.end_lineno])
            except (ValueError, SyntaxError):
                expected = None  # a remark, not a value
            value = eval(compile(ast.Expression(statement.value), "README", "eval"), namespace)
            if expected is not None:
                assert value == expected, ast.unparse(statement)
                checked += 1
        else:
            exec(compile(source, "README", "exec"), namespace)
    assert checked >= 10


def test_readme_error_example_is_real():
    section = python_api_section()
    shown = re.search(r">>> (cnncalc\.Conv2d\(.*?\))\n.*?cnncalc\.errors\.ArgumentError: (.*?)\n```",
                      section, flags=re.S)
    err = error_of(eval, shown[1], {"cnncalc": cnncalc})
    assert str(err) == shown[2]
