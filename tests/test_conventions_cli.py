"""``cnncalc conventions`` and ``--convention`` on ``explain`` and ``check``.

Oracles: :func:`cnncalc.analyze` under each convention (whose peer-tool totals the peer tests
pin to the tools themselves), and an invariant — a convention's differences from ``torch``,
broken down by layer type and call, add up exactly to the difference of its totals.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path

import pytest
from cli_runner import runner

import cnncalc
from cnncalc import counting
from cnncalc.analysis import analyze
from cnncalc.cli import main
from cnncalc.cli.common import convention_option
from cnncalc.comparison import compare, rule_line
from cnncalc.teach import check, explain
from cnncalc.teach.working import num

ROOT = Path(__file__).parent.parent
LENET = str(ROOT / "examples" / "lenet5.yaml")
NAMES = counting.NAMES
#: every call kind, and layers that the conventions count differently
MIXED = """
name: mixed
input: [3, 16, 16]
layers:
  - Conv2d: {name: stem, out_channels: 8, kernel_size: 3, padding: 1}
  - BatchNorm2d
  - ReLU: {name: r1}
  - Conv2d: {out_channels: 8, kernel_size: 3, padding: 1, bias: false}
  - ReLU: {name: r2, call: functional}
  - Add: {from: [r2, r1]}
  - Add: {name: plus, from: [add_1, stem], call: method}
  - MaxPool2d: {kernel_size: 2}
  - AdaptiveAvgPool2d: {output_size: 1}
  - Flatten
  - Linear: {out_features: 10}
"""


def run(*args: str):
    return runner().invoke(main, list(args), prog_name="cnncalc")


def conventions_json(*args: str) -> dict:
    result = run("conventions", *args, "--format", "json")
    assert result.exit_code == 0, result.output + result.stderr
    return json.loads(result.output)


# -- the totals: one row per convention, each equal to analyze(convention=...) ---------------

@pytest.mark.parametrize("file", [LENET, "resnet18", "mobilenet_v3_small", "googlenet"])
def test_json_totals_are_each_conventions_analysis(file):
    data = conventions_json(file)
    network = cnncalc.load(file)
    assert [c["name"] for c in data["conventions"]] == list(NAMES)
    assert data["reference"] == "torch" and data["batch"] == 1
    torch_totals = cnncalc.analyze(network).totals
    for entry in data["conventions"]:
        totals = cnncalc.analyze(network, convention=entry["name"]).totals
        assert (entry["macs"], entry["flops"]) == (totals.macs, totals.flops)
        assert entry["difference"] == {"macs": totals.macs - torch_totals.macs,
                                       "flops": totals.flops - torch_totals.flops}
        assert entry["source"] == counting.convention(entry["name"]).source


def test_json_keys_are_those_of_the_contract():
    data = conventions_json("resnet18", "--batch", "2", "--input", "3x160x160")
    assert {"name", "batch", "inputs", "conventions"} <= set(data)
    assert data["batch"] == 2 and data["inputs"] == {"input": [2, 3, 160, 160]}
    for entry in data["conventions"]:
        assert {"name", "source", "macs", "flops", "differences"} <= set(entry)
        for difference in entry["differences"]:
            assert {"type", "call", "layers", "macs"} <= set(difference)


@pytest.mark.parametrize("name", cnncalc.zoo.names())
def test_the_breakdown_adds_up_to_each_conventions_difference(name):
    report = analyze(cnncalc.zoo.load(name))
    comparison = compare(report)
    reference = comparison.tally("torch")
    assert reference.differences == ()
    for tally in comparison:
        assert tally.macs == analyze(cnncalc.zoo.load(name), convention=tally.name).totals.macs
        assert sum(d.macs for d in tally.differences) == tally.macs - reference.macs
        assert sum(d.flops for d in tally.differences) == tally.flops - reference.flops
        assert all(d.macs or d.flops for d in tally.differences)
        sizes = [(abs(d.macs), abs(d.flops)) for d in tally.differences]
        assert sizes == sorted(sizes, reverse=True), "biggest first"


def test_groups_are_by_type_and_call_with_the_rules_docstring():
    network = cnncalc.loads(MIXED)
    report = analyze(network)
    ptflops = compare(report).tally("ptflops")
    by_key = {(d.type, d.call): d for d in ptflops.differences}
    # nn.ReLU: its hook and the F.relu it calls; F.relu in the original code: only once
    relu = next(r for r in report.layers if r.name == "r1")
    numel = relu.output_shape[0] * 8 * 16 * 16
    assert by_key["ReLU", "module"].macs == 2 * numel and by_key["ReLU", "module"].layers == 1
    assert by_key["ReLU", "functional"].macs == numel
    assert ("Add", "method") not in by_key  # x + y: invisible to ptflops, and to torch
    rules = counting.convention("ptflops")
    for difference in ptflops.differences:
        cls = next(type(r.layer) for r in report.layers if r.type == difference.type)
        doc = rules.rule_for(cls).__doc__
        assert difference.rule == " ".join(doc.split("\n\n")[0].split())
        assert difference.rule == rule_line(rules, cls)


def test_the_api_gives_every_convention_at_once():
    network = cnncalc.loads(MIXED)
    comparison = cnncalc.compare(network, batch=3)
    assert [t.name for t in comparison] == list(NAMES)
    report = cnncalc.analyze(network, batch=3)
    assert comparison == report.compare()
    for name, counted in report.conventions().items():
        assert comparison.tally(name).totals == counted.totals
    assert comparison.to_dict() == json.loads(comparison.to_json())
    with pytest.raises(cnncalc.UsageError, match="unknown counting convention 'fvcor'"):
        comparison.tally("fvcor")


# -- the renderings -----------------------------------------------------------------------------

def test_table_has_a_row_per_convention_and_the_breakdown():
    result = run("conventions", "resnet152")
    assert result.exit_code == 0, result.stderr
    lines = result.output.splitlines()
    assert lines[0] == 'Model: "ResNet-152"   (input [1, 3, 224, 224], batch 1)'
    comparison = cnncalc.compare(cnncalc.load("resnet152"))
    for tally in comparison:
        row = next(line for line in lines if line.startswith(tally.name + " "))
        assert f"{tally.macs:,}" in row and f"{tally.flops:,}" in row
        assert row.endswith(tally.source)
    assert "Why they differ from torch, by layer type (biggest first):" in lines
    ptflops = lines.index(next(line for line in lines if line.startswith("ptflops − torch:")))
    assert lines[ptflops] == "ptflops − torch: +89,013,224 MACs (+0.77 %), +178,026,448 FLOPs"
    first = lines[ptflops + 2].split()
    assert first[:3] == ["BatchNorm2d", "×155", "+45,108,224"]


def test_markdown_has_a_table_per_convention():
    result = run("conventions", LENET, "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    text = result.output
    assert text.startswith('**Model: "LeNet-5"   (input [1, 1, 32, 32], batch 1)**')
    assert "| Convention " in text and "| Layer type " in text
    assert "**fvcore − torch: 0 MACs (0 %), 0 FLOPs**" in text
    assert "``" not in text  # docstrings' code marks become markdown's


def test_an_input_that_changes_an_inferred_argument_is_noted_as_in_summary():
    mnist = str(ROOT / "examples" / "mnist_cnn.yaml")
    summary = run("summary", mnist, "--input", "1x32x32").stdout.splitlines()
    table = run("conventions", mnist, "--input", "1x32x32").stdout.splitlines()
    assert table[-1] == summary[-1] and table[-1].startswith("Note: linear_1 (Linear)")
    data = conventions_json(mnist, "--input", "1x32x32")
    assert data["notes"] == json.loads(run("summary", mnist, "--input", "1x32x32", "--format",
                                           "json").stdout)["notes"]
    assert "notes" not in conventions_json(mnist)


def test_every_convention_is_listed_for_a_network_without_differences():
    network = cnncalc.loads("input: [4]\nlayers:\n  - Identity\n")
    text = cnncalc.compare(network).table()
    assert text.count("every layer counts the same") == len(NAMES) - 1


# -- explain and check under a convention ------------------------------------------------------

def test_explain_without_convention_is_the_torch_convention():
    plain = run("explain", LENET)
    torch = run("explain", LENET, "--convention", "torch")
    assert plain.exit_code == torch.exit_code == 0
    assert plain.output == torch.output
    assert "Counting convention:" not in plain.output


@pytest.mark.parametrize("name", NAMES)
def test_explain_shows_the_conventions_rule_and_working(name):
    result = run("explain", LENET, "--layer", "c1", "--convention", name)
    assert result.exit_code == 0, result.stderr
    rules = counting.convention(name)
    row = cnncalc.analyze(cnncalc.load(LENET), convention=name).layer("c1")
    text = result.output
    assert f"MACs under the {name} convention: {rules.macs_are}; FLOPs = {rules.flops_are}." \
        in text
    if name != "torch":
        assert f"Counting convention: {name} — {rules.title}" in text.splitlines()
        count = rules.count(row.site)
        assert f"  MACs = {count.macs.formula()} = {count.macs.numbers()} = {num(row.macs)}" \
            in text.splitlines()
    flops = [line for line in text.splitlines() if line.startswith("  FLOPs = ")]
    assert flops and flops[0].endswith(f"= {num(row.flops)}")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("network", [MIXED, "mobilenet_v3_small", "dcgan_generator"])
def test_explained_counts_arrive_at_the_conventions_numbers(name, network):
    net = cnncalc.loads(network) if "\n" in network else cnncalc.load(network)
    explanation = explain(net, convention=name, batch=2)
    report = analyze(net, convention=name, batch=2)
    assert explanation.report.totals == report.totals
    for item, row in zip(explanation.layers, report.layers, strict=True):
        assert item.row == row
        if row.macs or row.flops:
            assert item.lines("macs")[-1].endswith(f"= {num(row.macs)}")
            assert item.lines("flops")[-1].endswith(f"= {num(row.flops)}")
    assert f"= {num(report.totals.macs)}" in explanation.text()


def test_explain_shows_a_rule_without_macs_the_flops_working():
    text = explain(cnncalc.load(LENET), layers=["tanh_1"], convention="full").text()
    assert "  MACs = 0\n  FLOPs = numel(x) = 4,704" in text


def test_check_marks_against_the_chosen_convention(tmp_path):
    network = cnncalc.load(LENET)
    torch = analyze(network)
    ptflops = analyze(network, convention="ptflops")
    answers = {"s2": {"macs": torch.layer("s2").macs, "flops": torch.layer("s2").flops},
               "totals": {"macs": ptflops.totals.macs, "flops": ptflops.totals.flops}}
    result = check(network, answers, convention="ptflops")
    marks = {(m.layer, m.field): m for m in result.marks}
    assert not marks["s2", "macs"].correct and marks["s2", "macs"].expected == \
        ptflops.layer("s2").macs
    assert marks["s2", "macs"].working[0].startswith("ptflops rule: ")
    assert marks["totals", "macs"].correct and marks["totals", "flops"].correct
    assert result.to_dict()["convention"] == "ptflops"
    # on the command line, the header names the convention, and torch's answers are wrong
    path = tmp_path / "answers.yaml"
    path.write_text("s2: {macs: 0, flops: 0}\n", encoding="utf-8")
    marked = run("check", LENET, str(path), "--convention", "ptflops")
    assert marked.exit_code == 1
    assert marked.output.splitlines()[0] == f"{path}: answers for LeNet-5 (batch 1, ptflops " \
                                            "convention)"
    assert run("check", LENET, str(path)).exit_code == 0
    key = "".join(f"{r.name}: {{macs: {r.macs}, flops: {r.flops}}}\n" for r in ptflops.layers)
    path.write_text(key, encoding="utf-8")
    assert run("check", LENET, str(path), "--convention", "ptflops").exit_code == 0


def test_check_totals_flops_under_full_are_summed_not_doubled():
    network = cnncalc.load(LENET)
    full = analyze(network, convention="full")
    result = check(network, {"totals": {"flops": 1}}, convention="full")
    (mark,) = result.marks
    assert mark.expected == full.totals.flops != 2 * full.totals.macs
    assert mark.working[-1].startswith("FLOPs = ") and \
        mark.working[-1].endswith(f"= {num(full.totals.flops)}")


# -- usage errors --------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [["summary", LENET], ["explain", LENET],
                                     ["check", LENET, LENET]])
def test_an_unknown_convention_is_a_one_line_usage_error(command):
    result = run(*command, "--convention", "ptflop")
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"cnncalc {command[0]}: error: Invalid value for '--convention': "
                           "'ptflop' is not one of 'torch'")
    assert result.stdout == ""


def test_conventions_takes_no_convention_and_names_bad_files():
    result = run("conventions", LENET, "--convention", "torch")
    assert result.exit_code == 2 and "No such option" in result.stderr
    missing = run("conventions", "no-such.yaml")
    assert missing.exit_code == 2 and "no such file" in missing.stderr
    assert run("conventions", LENET, "--format", "csv").exit_code == 2


def test_the_convention_option_offers_every_convention():
    @convention_option
    def command(convention):  # pragma: no cover
        pass
    (option,) = command.__click_params__
    assert tuple(option.type.choices) == NAMES
    assert option.default == counting.DEFAULT


# -- the conventions' wording lives in their tables -----------------------------------------------

#: modules that may name FlopCounterMode: the torch bridge and verify, which run it
RUNS_FLOPCOUNTERMODE = ("cnncalc/torch/", "cnncalc/cli/verify.py", "cnncalc/report/verify.py")


def test_no_module_outside_counting_spells_out_a_convention():
    found = []
    for path in sorted((ROOT / "cnncalc").rglob("*.py")):
        where = path.relative_to(ROOT).as_posix()
        if where.startswith("cnncalc/counting/"):
            continue
        text = path.read_text(encoding="utf-8")
        if "2 × MACs" in text or "2 x MACs" in text:
            found.append(f"{where}: 2 × MACs")
        if "FlopCounterMode" in text and not where.startswith(RUNS_FLOPCOUNTERMODE):
            found.append(f"{where}: FlopCounterMode")
    assert found == []


def test_the_wording_shown_comes_from_the_convention_tables():
    rules = counting.convention("torch")
    text = explain(cnncalc.load(LENET)).text()
    assert f"MACs under the torch convention: {rules.macs_are}; FLOPs = {rules.flops_are}." in text
    quiz = cnncalc.teach.make_quiz(3).network_text
    assert " ".join(re.sub(r"^# ?", "", line, flags=re.M)
                    for line in quiz.splitlines()[:5]).count(rules.macs_are) == 1


# -- docs/conventions.md shows real output and correct worked examples ---------------------------

DOC = (ROOT / "docs" / "conventions.md").read_text(encoding="utf-8")
DOC_BLOCKS = re.findall(r"```\n\$ cnncalc (.*?)\n(.*?)```", DOC, flags=re.S)
#: the `full` table's worked examples: | `entry`, `[input]` | MACs | FLOPs |
FULL_EXAMPLES = re.findall(r"\| `([^`|]+)`, `(\[[\d, ]+\])` \| (\d+) \| (\d+) \|", DOC)


def test_the_docs_show_the_resnet152_comparison():
    assert [command for command, _ in DOC_BLOCKS] == ["conventions resnet152"]


@pytest.mark.parametrize("command, shown", DOC_BLOCKS, ids=[b[0] for b in DOC_BLOCKS])
def test_docs_blocks_are_real_output(command, shown):
    """Regenerate after an intended change with CNNCALC_UPDATE_GOLDEN=1 and review the diff."""
    result = run(*shlex.split(command))
    assert result.exit_code == 0, result.stderr
    real = result.stdout.rstrip("\n")
    if os.environ.get("CNNCALC_UPDATE_GOLDEN"):
        path = ROOT / "docs" / "conventions.md"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(f"$ cnncalc {command}\n{shown}",
                                     f"$ cnncalc {command}\n{real}\n"), encoding="utf-8")
        return
    assert real.splitlines() == shown.rstrip("\n").splitlines()


def test_the_docs_work_an_example_for_every_full_rule():
    assert len(FULL_EXAMPLES) >= 18
    rules = counting.convention("full")
    shown = {rules.rule_for(type(analyze(cnncalc.loads(
        f"input: {shape}\nlayers:\n  - {entry}\n")).layers[-1].layer)) for entry, shape, *_
             in FULL_EXAMPLES}
    assert set(rules.rules.values()) <= shown


@pytest.mark.parametrize("entry, shape, macs, flops", FULL_EXAMPLES,
                         ids=[e[0] for e in FULL_EXAMPLES])
def test_the_docs_full_examples_are_right(entry, shape, macs, flops):
    net = cnncalc.loads(f"input: {shape}\nlayers:\n  - {entry}\n")
    row = analyze(net, convention="full").layers[-1]
    assert (row.macs, row.flops) == (int(macs), int(flops))
