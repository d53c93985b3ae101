"""Every limit of docs/limits.md fires as cnncalc's own message, far past the point where a
library's own limit would fire first (libyaml's nesting limit of 1,000 levels since PyYAML
6.0.4, Python's 4,300-digit int limit, Python's recursion limit), so that what a user sees never
depends on which version of a dependency is installed.

The probes are keyed by the constant named in the document's table: a new documented limit
without a probe fails :func:`test_every_documented_limit_has_a_probe`.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import cnncalc
from cnncalc import analysis, expressions, graph, safeyaml, spec
from cnncalc.cli import common
from cnncalc.errors import NetworkError

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "limits.md").read_text(encoding="utf-8")
DOCUMENTED = sorted(set(re.findall(r"`cnncalc\.([\w.]+\.[A-Z_]+)`", DOC)))
CONSTANTS = {"safeyaml": safeyaml, "spec": spec, "graph": graph, "analysis": analysis,
             "expressions": expressions,
             "cli.common": common}


def problems_of(text: str) -> list[str]:
    """The messages cnncalc gives for ``text``, in a subprocess: a crash cannot hide."""
    code = ("import sys, cnncalc\n"
            "try:\n    cnncalc.analyze(cnncalc.loads(sys.stdin.read(), source='f.yaml'))\n"
            "except cnncalc.NetworkError as err:\n    print(err)\n")
    done = subprocess.run([sys.executable, "-c", code], input=text, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.splitlines()


def nested_flow(levels: int) -> str:
    return "input: " + "[" * levels + "3" + "]" * levels + "\nlayers: [ReLU]\n"


def nested_block_mappings(levels: int) -> str:
    return "input: [3]\nlayers: [ReLU]\nx:\n" + "".join(
        " " * (i + 1) + f"k{i}:\n" for i in range(levels)) + " " * (levels + 1) + "1\n"


def nested_block_lists(levels: int) -> str:
    return "input: [3]\nlayers: [ReLU]\nx:\n" + "- " * levels + "1\n"


DEPTH = "the YAML nests too deeply (expected at most 64 levels of lists and mappings)"


def probe_file_bytes() -> None:
    text = "# padding\n" * (safeyaml.MAX_FILE_BYTES // 5)
    with pytest.raises(NetworkError, match=r"^<string>:1:1: the text is too large"):
        cnncalc.loads(text)


def probe_depth() -> None:
    # 100,000 and 2,000 levels: far past libyaml's 1,000 and Python's recursion limit
    assert problems_of(nested_flow(100_000)) == [f"f.yaml:1:71: {DEPTH}"]
    assert problems_of(nested_flow(1_001)) == [f"f.yaml:1:71: {DEPTH}"]
    assert problems_of(nested_block_mappings(1_200)) == [f"f.yaml:67:65: {DEPTH}"]
    assert problems_of(nested_block_lists(2_000)) == [f"f.yaml:4:127: {DEPTH}"]


def probe_values() -> None:
    bomb = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"] + [
        f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    lines = problems_of("\n".join(bomb) + "\n")
    assert len(lines) == 1 and "too many values once its aliases are expanded" in lines[0]


def probe_entry_values() -> None:
    text = ("input: [3, 8, 8]\nlayers:\n  - Conv2d: {out_channels: 8, kernel_size: 3, x: ["
            + ", ".join(["1"] * 10_000) + "]}\n")
    with pytest.raises(NetworkError, match="hold too many values"):
        cnncalc.loads(text)


def probe_layers() -> None:
    text = "input: [3]\nlayers:\n  - ReLU: {repeat: 1000000}\n"
    with pytest.raises(NetworkError, match="at most 10,000"):
        cnncalc.analyze(cnncalc.loads(text))
    text = "input: [3]\nlayers:\n" + "  - ReLU: {repeat: 10000}\n" * 3
    with pytest.raises(NetworkError, match="at most 10,000 layers"):
        cnncalc.analyze(cnncalc.loads(text))


def doubling_blocks(levels: int) -> str:
    """2^levels instances of a broken entry: every one is visited, none becomes a layer."""
    lines = ["input: [3, 8, 8]", "blocks:", "  b0:", "    layers: [Nope]"]
    for i in range(1, levels + 1):
        lines += [f"  b{i}:", f"    layers: [b{i - 1}, b{i - 1}]"]
    return "\n".join(lines + [f"layers: [b{levels}]"]) + "\n"


def chained_blocks(levels: int) -> str:
    lines = ["input: [3, 8, 8]", "blocks:", "  b0:", "    layers: [ReLU]"]
    for i in range(1, levels + 1):
        lines += [f"  b{i}:", f"    layers: [b{i - 1}]"]
    return "\n".join(lines + [f"layers: [b{levels}]"]) + "\n"


def probe_expanded() -> None:
    lines = problems_of(doubling_blocks(30))
    assert any("visits too many entries" in line for line in lines), lines


def probe_block_depth() -> None:
    # 5,000 blocks each inside the next: far past Python's recursion limit
    lines = problems_of(chained_blocks(5_000))
    assert lines and all("blocks nest too deeply" in line for line in lines), lines[:3]


def probe_problems() -> None:
    lines = problems_of("input: [3, 8, 8]\nlayers:\n" + "  - Nope\n" * 5_000)
    assert len(lines) == graph.MAX_PROBLEMS + 1
    assert lines[0] == "f.yaml:1:1: stopped after 100 problems; fix these first"


def probe_shown(tmp_path: Path) -> None:
    from test_cli_errors import invoke

    path = tmp_path / "many.yaml"  # 5,000 layers, each wrong where the analysis finds it
    path.write_text("input: [3, 8, 8]\nlayers:\n" + "  - Linear: {out_features: 2, from: input,"
                    " in_features: 9}\n" * 5_000, encoding="utf-8")
    result = invoke("summary", str(path))
    lines = result.stderr.splitlines()
    assert result.exit_code == 2 and len(lines) == common.MAX_SHOWN + 1
    assert re.fullmatch(r"… and [\d,]+ more problems", lines[-1])


def probe_elements() -> None:
    text = "input: [1000000, 1000000, 1000000]\nlayers: [ReLU]\n"
    with pytest.raises(NetworkError, match="implausibly large"):
        cnncalc.analyze(cnncalc.loads(text))


def probe_int_digits() -> None:
    for digits in (19, 4_301, 100_000):  # Python refuses to read ints past 4,300 digits
        lines = problems_of("input: [3]\nlayers:\n  - Linear: {out_features: "
                            + "9" * digits + "}\n")
        assert len(lines) == 1 and re.fullmatch(
            r"f\.yaml:3:28: '9+'…? is not a number cnncalc reads \(expected a whole number"
            r" of at most 18 digits\)", lines[0]), lines


def _expression(value: str) -> list[str]:
    return problems_of("args: {c: 2}\ninput: [3]\nlayers:\n  - Linear: {out_features: "
                       + value + "}\n")


def probe_expression_length() -> None:
    lines = _expression("$c" + " + 1" * 100_000)
    assert lines == ["f.yaml:4:28: linear_1 (Linear): the expression is too long (expected at "
                     "most 400 characters, got 400002)"]
    assert _expression("$c" + " + 1" * 50) == []


def probe_expression_nodes() -> None:
    lines = _expression("$c" + "+1" * 150)
    assert len(lines) == 1 and "the expression is too large (expected at most 200" in lines[0]
    assert _expression("$c" + "+1" * 40) == []


def probe_exponent() -> None:
    for power in ("$c ** 65", "9 ** 9 ** 9 ** 9 + $c", "$c ** 100000000"):
        lines = _expression(power)
        assert len(lines) == 1 and "the exponent of ** is too large (expected at most 64" \
            in lines[0], lines
    assert _expression("$c ** 10") == []
    assert "too large for cnncalc" in _expression("$c ** 64")[0]   # 2^64 ≥ 10^18


PROBES = {
    "expressions.MAX_LENGTH": probe_expression_length,
    "expressions.MAX_NODES": probe_expression_nodes,
    "expressions.MAX_EXPONENT": probe_exponent,
    "safeyaml.MAX_FILE_BYTES": probe_file_bytes,
    "safeyaml.MAX_DEPTH": probe_depth,
    "safeyaml.MAX_VALUES": probe_values,
    "safeyaml.MAX_INT_DIGITS": probe_int_digits,
    "spec.MAX_ENTRY_VALUES": probe_entry_values,
    "graph.MAX_LAYERS": probe_layers,
    "graph.MAX_EXPANDED": probe_expanded,
    "graph.MAX_BLOCK_DEPTH": probe_block_depth,
    "graph.MAX_PROBLEMS": probe_problems,
    "cli.common.MAX_SHOWN": probe_shown,
    "analysis.MAX_ELEMENTS": probe_elements,
}


def test_every_documented_limit_has_a_probe():
    assert DOCUMENTED == sorted(PROBES)


@pytest.mark.parametrize("where", sorted(PROBES))
def test_the_documented_value_is_the_one_in_force(where):
    module, name = where.rsplit(".", 1)
    value = getattr(CONSTANTS[module], name)
    row = next(line for line in DOC.splitlines() if f"`cnncalc.{where}`" in line)
    shown = f"10^{len(str(value)) - 1}" if value >= 10 ** 12 else f"{value:,}"
    assert shown in row, (where, value, row)


@pytest.mark.parametrize("where", sorted(PROBES))
def test_the_limit_fires_as_cnncalcs_own_message(where, tmp_path):
    probe = PROBES[where]
    probe(tmp_path) if "tmp_path" in probe.__code__.co_varnames else probe()
