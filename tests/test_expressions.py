"""Computed arguments (issue 17): expressions over $names, the file's own args, --set."""

from __future__ import annotations

import json
import math

import pytest
from cli_runner import runner
from hypothesis import given, strategies as st
from zoo_torch_references import make_divisible as torchvision_make_divisible

import cnncalc
from cnncalc.cli import main
from cnncalc.errors import NetworkError, UsageError
from cnncalc.expressions import ExpressionError, evaluate, is_expression, make_divisible


# -- the evaluator is Python's arithmetic, and nothing else -----------------------------------

def _tree(leaves):
    ops = st.sampled_from(["+", "-", "*", "//", "%"])
    return st.recursive(leaves, lambda inner: st.one_of(
        st.tuples(inner, ops, inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        inner.map(lambda e: f"-{e}"),
        st.tuples(inner, inner).map(lambda t: f"max({t[0]}, {t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"min({t[0]}, {t[1]})"),
    ), max_leaves=12)


INTS = st.integers(-1000, 1000)
LEAVES = st.one_of(INTS.map(str), st.sampled_from(["$a", "$b", "$c"]))


@given(_tree(LEAVES), INTS, INTS, INTS)
def test_integer_arithmetic_is_pythons(text, a, b, c):
    python = text.replace("$", "")
    try:
        expected = eval(python, {"max": max, "min": min}, {"a": a, "b": b, "c": c})  # oracle
    except ZeroDivisionError:
        with pytest.raises(ExpressionError, match="division by zero"):
            evaluate(text, {"a": a, "b": b, "c": c})
        return
    if abs(expected) >= 10 ** 18:
        with pytest.raises(ExpressionError, match="too large"):
            evaluate(text, {"a": a, "b": b, "c": c})
        return
    result = evaluate(text, {"a": a, "b": b, "c": c})
    assert result == expected and type(result) is int


@given(st.floats(0.01, 2000, allow_nan=False), st.sampled_from([1, 2, 4, 8, 16]),
       st.one_of(st.none(), st.integers(1, 64)))
def test_make_divisible_is_torchvisions(v, divisor, min_value):
    assert make_divisible(v, divisor, min_value) == torchvision_make_divisible(
        v, divisor, min_value)
    text = f"make_divisible({v!r}, {divisor}" + (
        "" if min_value is None else f", min_value={min_value}") + ")"
    assert evaluate(text, {}) == torchvision_make_divisible(v, divisor, min_value)


@given(st.floats(0.1, 50, allow_nan=False), st.integers(1, 10))
def test_rounding_functions_are_pythons(x, n):
    env = {"x": x, "n": n}
    assert evaluate("round($x)", env) == round(x)
    assert evaluate("ceil($n * $x)", env) == math.ceil(n * x)
    assert evaluate("int(ceil($n * $x))", env) == int(math.ceil(n * x))
    assert evaluate("floor($x / $n)", env) == math.floor(x / n)
    assert evaluate("int($x)", env) == int(x)
    assert evaluate("$n / 2", env) == n / 2
    assert evaluate("round(2.5)", env) == 2   # half to even, as Python


@pytest.mark.parametrize("text, message", [
    ("__import__('os')", "unknown function '__import__'"),
    ("$c.__class__", "cannot hold attribute access"),
    ("$c[0]", "cannot hold subscripts"),
    ("(lambda: 1)()", "unknown function"),
    ("lambda: $c", "cannot hold lambda"),
    ("[x for x in $c]", "cannot hold comprehensions"),
    ("c + 1", "unknown name 'c': an argument is written with a $; did you mean $c?"),
    ("2 ** 100000", "exponent of ** is too large"),
    ("9 ** 9 ** 9", "exponent of ** is too large"),
    ("10 ** 20", "too large"),
    ("$c // 0", "division by zero"),
    ("$c +", "invalid expression"),
    ("$d + 1", "$d is not an argument here"),
    ("$c + 'a'", "numbers, not strings"),
    ("open('/etc/passwd')", "unknown function 'open'"),
    ("$c" + " + 1" * 300, "too long"),
])
def test_forbidden_and_wrong_expressions(text, message):
    with pytest.raises(ExpressionError) as err:
        evaluate(text, {"c": 16})
    assert message in str(err.value.message)


def test_what_is_an_expression():
    assert is_expression("$c * 4") and is_expression("make_divisible($c, 8)")
    assert not is_expression("$c")              # a whole $name: substituted as it is
    assert not is_expression("same") and not is_expression("32 * 2") and not is_expression(4)


# -- in a network file --------------------------------------------------------------------------

FILE = """\
name: computed
args: {width_mult: 1.0, res: 32}
input: [3, $res, "$res * 2"]
blocks:
  pair:
    args: {out: null, half: $out // 2}
    layers:
      - Conv2d: {out_channels: $half, kernel_size: 1}
      - Conv2d: {out_channels: "max($out, 8)", kernel_size: 3, padding: 1}
layers:
  - Conv2d:
      out_channels: make_divisible(32 * $width_mult, 8)
      kernel_size: 3
  - pair: {out: int(64 * $width_mult), repeat: 2}
  - pair: {out: 48, repeat: int(ceil(1.5 * $width_mult))}
"""


def write(tmp_path, text, name="net.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_computes_its_widths_and_input(tmp_path):
    path = write(tmp_path, FILE)
    report = cnncalc.analyze(cnncalc.load(path))
    assert report.inputs["input"] == (1, 3, 32, 64)
    assert [row.output_shape[1] for row in report.layers] == [32, 32, 64, 32, 64, 24, 48, 24, 48]
    assert report.args == {"width_mult": 1.0, "res": 32}
    half = cnncalc.analyze(cnncalc.load(path, args={"width_mult": 0.5, "res": 16}))
    assert half.inputs["input"] == (1, 3, 16, 32)
    assert half.layers[0].output_shape[1] == 16
    assert sum(row.name.startswith("pair_3.") for row in half.layers) == 2   # ceil(0.75) = 1


def test_python_networks_take_args_too():
    net = cnncalc.Network(input=[3, "$res", "$res"], args={"c": 8, "res": 16}, layers=[
        {"Conv2d": {"out_channels": "$c * 2", "kernel_size": 3}}])
    assert cnncalc.analyze(net).layers[0].output_shape == (1, 16, 14, 14)


BAD = """\
args: {c: 16}
input: [3, 32, 32]
layers:
  - Conv2d: {out_channels: "$c.__class__", kernel_size: 3}
  - Conv2d: {out_channels: $c * 0.5, kernel_size: 3}
  - Conv2d: {out_channels: __import__('os') + $c, kernel_size: 3}
  - Conv2d: {out_channels: c * 2 + $c, kernel_size: 3}
  - Conv2d: {out_channels: $c // 0, kernel_size: 3}
  - Conv2d: {out_channels: 2 ** 999 + $c, kernel_size: 3}
  - Conv2d: {out_channels: $cc * 2, kernel_size: 3}
"""


def test_errors_are_located_at_the_value_on_the_cli_and_in_the_api(tmp_path):
    path = write(tmp_path, BAD)
    result = runner().invoke(main, ["summary", str(path)])
    assert result.exit_code == 2 and result.stdout == ""
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    with pytest.raises(NetworkError) as err:
        cnncalc.analyze(cnncalc.load(path))
    assert str(err.value).splitlines() == lines
    expected = [
        (4, "cannot hold attribute access"),
        (5, "wrong value for out_channels (expected an int ≥ 1, got 8.0 (from $c * 0.5))"),
        (6, "unknown function '__import__'"),
        (7, "unknown name 'c': an argument is written with a $; did you mean $c?"),
        (8, "division by zero"),
        (9, "the exponent of ** is too large"),
        (10, "$cc is not an argument here; did you mean 'c'?"),
    ]
    assert len(lines) == len(expected)
    for line, (number, message) in zip(lines, expected):
        assert line.startswith(f"{path}:{number}:28: conv2d_{number - 3} (Conv2d): ")
        assert message in line


def test_set_on_every_command_that_reads_a_network(tmp_path):
    path = str(write(tmp_path, FILE))
    for command in (["summary"], ["explain"], ["conventions"], ["verify"]):
        result = runner().invoke(main, [*command, path, "--set", "width_mult=0.5"])
        assert result.exit_code == 0, (command, result.output)
    half = cnncalc.analyze(cnncalc.load(path, args={"width_mult": 0.5})).totals.params
    answers = write(tmp_path, f"totals: {{params: {half}}}\n", "answers.yaml")
    result = runner().invoke(main, ["check", path, str(answers), "--set", "width_mult=0.5"])
    assert result.exit_code == 0, result.output
    result = runner().invoke(main, ["check", path, str(answers)])
    assert result.exit_code == 1, result.output          # the full width has more
    data = json.loads(runner().invoke(main, ["summary", path, "--set", "width_mult=0.5",
                                             "--set", "res=16", "--format", "json"]).stdout)
    assert data["args"] == {"width_mult": 0.5, "res": 16}
    assert data["inputs"]["input"] == [1, 3, 16, 32]


@pytest.mark.parametrize("options, message", [
    (["--set", "width=0.5"], "the file has no argument 'width'; did you mean 'width_mult'? "
                             "(expected one of width_mult, res)"),
    (["--set", "width_mult"], "expected NAME=VALUE"),
    (["--set", "res=[1, 2]"], "expected one value"),
    (["--set", "res=0"], "must be one sample's shape"),
    (["--set", "res=1", "--set", "res=2"], "res is given twice"),
])
def test_wrong_settings_exit_2_without_a_traceback(tmp_path, options, message):
    path = str(write(tmp_path, FILE))
    result = runner().invoke(main, ["summary", path, *options])
    assert result.exit_code == 2 and message in result.stderr, result.output
    assert "Traceback" not in result.output


def test_a_required_file_argument(tmp_path):
    path = write(tmp_path, FILE.replace("width_mult: 1.0", "width_mult: null"))
    with pytest.raises(NetworkError, match="missing required argument 'width_mult' of the file"
                       ) as err:
        cnncalc.load(path)
    assert str(err.value).startswith(f"{path}:2:8: args: ")
    assert cnncalc.analyze(cnncalc.load(path, args={"width_mult": 2})).layers[0] \
        .output_shape[1] == 64
    with pytest.raises(UsageError, match="the file has no argument 'depth'"):
        cnncalc.load(path, args={"depth": 2})
    with pytest.raises(UsageError, match="none: the file declares no args"):
        cnncalc.load("lenet5", args={"depth": 2})


def test_existing_values_keep_their_meaning(tmp_path):
    path = write(tmp_path, """\
input: [3, 8, 8]
blocks:
  b:
    args: {act: ReLU, pad: same}
    layers:
      - Conv2d: {out_channels: 4, kernel_size: 3, padding: $pad}
      - $act
layers:
  - b: {act: Hardswish}
  - Conv2d: {out_channels: 4, kernel_size: 3, padding: same}
""")
    report = cnncalc.analyze(cnncalc.load(path))
    assert [row.type for row in report.layers] == ["Conv2d", "Hardswish", "Conv2d"]
    assert report.args == {} and "args" not in report.to_dict()


def test_sweep_takes_the_files_args():
    from cnncalc.sweeps import sweep

    result = sweep("mobilenet_v2", {"width_mult": [0.5, 1.0]})
    assert [v.params for v in result.variants] == [1_968_680, 3_504_872]


# -- docs/format-extensions.md's "Computed arguments" shows real output -------------------------

def _section_blocks():
    from pathlib import Path

    text = (Path(__file__).parents[1] / "docs" / "format-extensions.md").read_text("utf-8")
    section = text.split("## Computed arguments", 1)[1].split("\n## ", 1)[0]
    return [block.split("\n", 1) for block in section.split("```")[1::2]]


def test_the_docs_examples_are_real(tmp_path, monkeypatch):
    blocks = _section_blocks()
    (_, widths), (_, table) = blocks[0], blocks[1]
    (_, bad), (_, errors) = blocks[-2], blocks[-1]
    monkeypatch.chdir(tmp_path)
    write(tmp_path, widths, "widths.yaml")
    result = runner().invoke(main, ["summary", "widths.yaml", "--set", "width_mult=0.5"])
    assert result.exit_code == 0
    assert table in result.stdout
    write(tmp_path, bad, "net.yaml")
    result = runner().invoke(main, ["summary", "net.yaml"])
    assert result.exit_code == 2 and result.stderr == errors


def test_a_number_argument_set_to_a_word_is_one_error():
    result = runner().invoke(main, ["summary", "mobilenet_v2", "--set", "width_mult=abc"])
    assert result.exit_code == 2 and result.stderr == (
        "the file's argument 'width_mult' is a number (its default is 1.0), got 'abc'\n")
