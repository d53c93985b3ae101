"""Broken input gets a clear, located error: the corpus of broken files and the loader's limits.

``tests/broken/NAME.yaml`` (or ``NAME.args``, a command line run in that directory) goes with
``NAME.expected``, the exact standard error of ``cnncalc``; every case exits with status 2.
Regenerate with CNNCALC_UPDATE_GOLDEN=1 after an intended change of wording, and review the diff.
How fast each case fails is measured by ``benchmarks/bench_errors.py``, not asserted here.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import runner

import cnncalc
from cnncalc import graph, safeyaml, spec
from cnncalc.cli import common, main
from cnncalc.errors import NetworkError, Position, UsageError

BROKEN = Path(__file__).parent / "broken"
CASES = sorted(path.stem for path in BROKEN.glob("*.expected"))
ROOT = Path(__file__).resolve().parents[1]


def run_cli(args: list[str], cwd: Path, monkeypatch) -> tuple[int, str, str]:
    """``cnncalc ARGS`` in-process: exit status, stdout and stderr."""
    monkeypatch.chdir(cwd)
    result = runner().invoke(main, args, prog_name="cnncalc")
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception
    return result.exit_code, result.stdout, result.stderr


def case_args(name: str) -> list[str]:
    args_file = BROKEN / f"{name}.args"
    if args_file.exists():
        return shlex.split(args_file.read_text(encoding="utf-8"))
    return ["summary", f"{name}.yaml"]


def test_the_corpus_is_large_and_complete():
    assert len(CASES) >= 30
    inputs = {p.stem for p in BROKEN.iterdir() if p.suffix in (".yaml", ".args")}
    assert inputs - {"valid"} == set(CASES), "every broken file needs its .expected"


@pytest.mark.parametrize("name", CASES)
def test_broken_case(name, monkeypatch):
    status, out, err = run_cli(case_args(name), BROKEN, monkeypatch)
    assert (status, out) == (2, "")
    expected = BROKEN / f"{name}.expected"
    if os.environ.get("CNNCALC_UPDATE_GOLDEN"):  # regenerate after an intended change; review
        expected.write_text(err, encoding="utf-8")
    assert err == expected.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", CASES)
def test_every_line_says_where_and_what(name):
    """``FILE:LINE:COL: where: message`` (or ``cnncalc CMD: error: ...`` for options)."""
    located = re.compile(r"^([\w./-]+\.yaml|\.):\d+:\d+: \S.*$")
    usage = re.compile(r"^cnncalc( \w+)?: error: \S.*$")
    for line in (BROKEN / f"{name}.expected").read_text(encoding="utf-8").splitlines():
        assert located.match(line) or usage.match(line), line


def test_a_python_payload_never_runs(tmp_path):
    marker = tmp_path / "ran"
    payloads = [
        f"!!python/object/apply:os.system ['touch {marker}']",
        f"!!python/object/apply:subprocess.call [['touch', '{marker}']]",
        f"!!python/object/new:pathlib.Path ['{marker}']",
        "!!python/name:cnncalc.MARKER",
        f"!!python/object/apply:builtins.exec ['open(\"{marker}\", \"w\").close()']",
    ]
    for payload in payloads:
        for text in (f"input: [3, 8, 8]\nlayers:\n  - {payload}\n",
                     f"input: {payload}\nlayers: [ReLU]\n",
                     f"? {payload}\n: 1\n"):
            with pytest.raises(NetworkError, match="is not allowed: a network file holds"):
                cnncalc.loads(text)
            path = tmp_path / "payload.yaml"
            path.write_text(text, encoding="utf-8")
            with pytest.raises(NetworkError, match="is not allowed"):
                cnncalc.load(path)
    assert not marker.exists()


def test_alias_bomb_stops_at_the_alias_that_crosses_the_limit():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):  # 10^10 values once expanded
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    with pytest.raises(NetworkError) as caught:
        safeyaml.load_yaml("\n".join(lines), "bomb.yaml")
    (problem,) = caught.value.problems
    # a0..a4 expand to 123,471 values with the keys; each *a4 adds 111,111: the second
    # alias in a5's list crosses 250,000
    assert problem.position == Position("bomb.yaml", 6, 15)
    assert "alias bomb" in problem.message


def test_aliases_below_the_limit_work_and_share_data():
    data = safeyaml.load_yaml("a: &k [3, 3]\nb: *k\nc: {<<: {x: 1, y: 2}, y: 3}\n")
    assert data["b"] == [3, 3] and data["b"] is data["a"]
    assert data["c"] == {"x": 1, "y": 3}


def test_deep_nesting_is_an_error_not_a_crash():
    # PyYAML's C composer recurses: 100,000 levels overflowed the C stack (a segfault) before
    # the loader counted levels itself. A subprocess, so that a crash cannot take pytest down.
    code = ("import cnncalc, sys\n"
            "try:\n    cnncalc.loads('input: ' + '[' * 100000 + ']' * 100000)\n"
            "except cnncalc.NetworkError as err:\n    print(err)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    # the top-level mapping is the first level, the 63rd '[' (column 7 + 63) the 64th
    assert done.stdout.strip() == ("<string>:1:71: the YAML nests too deeply (expected at most "
                                   "64 levels of lists and mappings)")


def test_a_file_over_the_size_limit_is_refused_without_reading_it_all(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# padding\n" * (safeyaml.MAX_FILE_BYTES // 10 + 1))
    with pytest.raises(NetworkError, match="too large") as caught:
        cnncalc.load(big)
    assert str(caught.value) == (f"{big}:1:1: the file is too large for a network file (expected at"
                                 " most 1,048,576 bytes, got more than 1,048,576)")
    with pytest.raises(NetworkError, match="too large"):
        cnncalc.load("/dev/zero")  # endless: the read must be bounded
    with pytest.raises(NetworkError, match="too large"):
        cnncalc.loads(" " * (safeyaml.MAX_FILE_BYTES + 1))


def test_numbers_are_bounded_so_that_every_count_stays_printable():
    big = 10 ** 5000  # str() of it fails: Python prints at most 4,300 digits
    with pytest.raises(NetworkError, match="out_features is too large a number"):
        cnncalc.analyze(cnncalc.Network(input=[3, 8], layers=[
            {"Linear": {"out_features": big}}]))
    with pytest.raises(NetworkError, match="a number of this layer is too large"):
        cnncalc.Network(input=[3, 8], layers=[cnncalc.Linear.model_validate(
            {"out_features": big})])
    with pytest.raises(NetworkError, match="must be one sample's shape"):
        cnncalc.Network(input=[3, big], layers=["ReLU"])
    top = int("9" * safeyaml.MAX_INT_DIGITS)  # the largest allowed
    report = cnncalc.analyze(cnncalc.loads(f"input: [{top}]\nlayers:\n  - Linear:"
                                           " {out_features: 10}\n"))
    assert report.totals.params == (top + 1) * 10 and report.table()


def test_text_that_is_not_unicode():
    with pytest.raises(NetworkError, match="not valid Unicode"):
        cnncalc.loads("input: [3]\nname: \ud800\n")


def test_a_name_with_a_nul_byte(tmp_path):
    with pytest.raises(NetworkError, match="not a usable file name"):
        cnncalc.load(str(tmp_path / "a\0b.yaml"))


def test_positions_of_keys_values_and_items():
    data = safeyaml.load_yaml("a:\n  - x\n  - {k: 1}\nb: 2\n", "f.yaml")
    assert data.position == Position("f.yaml", 1, 1)
    assert data.key_positions["b"] == Position("f.yaml", 4, 1)
    assert data.value_positions["b"] == Position("f.yaml", 4, 4)
    assert data["a"].item_positions == [Position("f.yaml", 2, 5), Position("f.yaml", 3, 5)]
    assert data["a"][1].value_positions["k"] == Position("f.yaml", 3, 9)


def test_yaml_scalars_are_read_as_yaml_1_1_safe_loading_reads_them():
    import yaml

    text = "[1, 0x1f, 1_000, 2.5, .inf, true, yes, off, null, ~, '3', !!str 4, 2001-12-14]"
    expected = yaml.safe_load(text)
    expected[-1] = "2001-12-14"  # dates stay text: no layer takes a date
    assert safeyaml.load_yaml(text) == expected


def test_python_built_networks_get_the_same_checks():
    with pytest.raises(NetworkError) as caught:
        cnncalc.analyze(cnncalc.Network(input=[3, 8, 8], layers=[
            "Conv2D", {"Conv2d": {"out_channels": 8, "kernal_size": 3}}]))
    assert [p.message for p in caught.value.problems] == [
        "unknown layer type 'Conv2D'; did you mean 'Conv2d'?",
        "unknown argument 'kernal_size'; did you mean 'kernel_size'?"]
    with pytest.raises(UsageError, match="batch must be a whole number"):
        cnncalc.analyze(cnncalc.loads("input: [3]\nlayers: [ReLU]\n"), batch=0)


def test_structural_and_argument_problems_come_together():
    """A broken entry does not hide the problems of the others, nor shift their names."""
    text = ("input: [3, 8, 8]\nlayers:\n  - Conv2d:\n    out_channels: 3\n"
            "  - Conv2d: {out_channels: 8, kernal_size: 3}\n  - Add: {from: [conv2d_1, x]}\n")
    with pytest.raises(NetworkError) as caught:
        cnncalc.loads(text, source="f.yaml")
    assert [str(p).split(":")[1] + " " + p.where for p in caught.value.problems] == [
        "3 ", "5 conv2d_2 (Conv2d)", "6 add_1 (Add)"]


def test_a_repeated_mistake_inside_a_block_is_reported_once():
    text = ("input: [3, 8, 8]\nblocks:\n  b:\n    layers:\n      - Conv2d: {out_channels: 8}\n"
            "layers:\n  - b: {repeat: 50}\n")
    with pytest.raises(NetworkError) as caught:
        cnncalc.analyze(cnncalc.loads(text))
    assert [p.message for p in caught.value.problems] == ["missing required argument "
                                                          "'kernel_size'"]


def test_unknown_dollar_names_are_found_in_blocks_never_used():
    text = ("input: [3, 8, 8]\nblocks:\n  b:\n    args: {out: 8}\n    layers:\n"
            "      - Conv2d: {out_channels: $outt, kernel_size: 1}\nlayers: [ReLU]\n")
    with pytest.raises(NetworkError) as caught:
        cnncalc.loads(text, source="f.yaml")
    assert [str(p) for p in caught.value.problems] == [
        "f.yaml:6:32: block b: '$outt' is not an argument of this block; did you mean 'out'?"
        " (expected one of $out)"]


def test_the_graph_stops_after_many_problems():
    text = "input: [3, 8, 8]\nlayers:\n" + "  - Nope\n" * 500
    with pytest.raises(NetworkError) as caught:
        cnncalc.analyze(cnncalc.loads(text, source="f.yaml"))
    problems = caught.value.problems
    assert len(problems) == graph.MAX_PROBLEMS + 1
    assert str(problems[0]) == "f.yaml:1:1: stopped after 100 problems; fix these first"


def doubling_blocks(levels: int) -> str:
    """Block b_i uses b_(i-1) twice: 2^levels instances of b0, whose layer is broken."""
    lines = ["input: [3, 8, 8]", "blocks:", "  b0:", "    layers: [Nope]"]
    for i in range(1, levels + 1):
        lines += [f"  b{i}:", f"    layers: [b{i - 1}, b{i - 1}]"]
    return "\n".join(lines + [f"layers: [b{levels}]"])


def test_expansion_is_bounded_even_when_every_entry_is_broken():
    with pytest.raises(NetworkError) as caught:
        cnncalc.analyze(cnncalc.loads(doubling_blocks(30)))
    assert [p.message for p in caught.value.problems] == [
        "unknown layer type 'Nope'",  # once, not once per instance
        "the network is too large: expanding its blocks and repeats visits too many entries"]


def test_blocks_nest_at_most_32_deep():
    with pytest.raises(NetworkError) as caught:
        cnncalc.analyze(cnncalc.loads(doubling_blocks(40)))
    assert {p.message for p in caught.value.problems} >= {"blocks nest too deeply"}


def test_entry_arguments_are_bounded():
    text = ("input: [3, 8, 8]\nlayers:\n  - Conv2d: {out_channels: 8, kernel_size: &k [1, 1, 1, 1]"
            ", x: [" + ", ".join(["*k"] * 100) + "]}\n")
    with pytest.raises(NetworkError, match="hold too many values"):
        cnncalc.loads(text)


def test_the_limits_are_documented():
    text = (ROOT / "docs" / "limits.md").read_text(encoding="utf-8")
    for value, where in [(safeyaml.MAX_FILE_BYTES, "safeyaml.MAX_FILE_BYTES"),
                         (safeyaml.MAX_DEPTH, "safeyaml.MAX_DEPTH"),
                         (safeyaml.MAX_VALUES, "safeyaml.MAX_VALUES"),
                         (safeyaml.MAX_INT_DIGITS, "safeyaml.MAX_INT_DIGITS"),
                         (spec.MAX_ENTRY_VALUES, "spec.MAX_ENTRY_VALUES"),
                         (graph.MAX_LAYERS, "graph.MAX_LAYERS"),
                         (graph.MAX_EXPANDED, "graph.MAX_EXPANDED"),
                         (graph.MAX_BLOCK_DEPTH, "graph.MAX_BLOCK_DEPTH"),
                         (graph.MAX_PROBLEMS, "graph.MAX_PROBLEMS"),
                         (common.MAX_SHOWN, "common.MAX_SHOWN")]:
        row = next(line for line in text.splitlines() if where in line)
        assert f"{value:,}" in row, (where, value)
