"""``cnncalc check``: answers marked against the analysis; bad answer files are located errors.

The expected numbers are LeNet-5's (pinned in examples/lenet5.yaml's comments to the paper and
verified against torch by the zoo tests) and issue 2's textbook cases (course notes).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from cli_runner import runner
from hypothesis import given, strategies as st

import cnncalc
from cnncalc.cli import main
from cnncalc.teach import AnswersError, check, load_answers
from cnncalc.teach.answers import BadAnswer, parse_count, parse_shape

LENET = str(Path(__file__).parent.parent / "examples" / "lenet5.yaml")

ALL_RIGHT = """\
c1: {output_shape: 28x28x6, params: 156, macs: "117,600", flops: 235200}
s2: {output_shape: [6, 14, 14], params: 0}
c3: {output_shape: [1, 16, 10, 10], params: 2_416, macs: 240 000}
s4: {output_shape: 5x5x16}
c5: {output_shape: "(120, 1, 1)", params: 48120, macs: 48000}
flatten_1: {output_shape: 120}
f6: {output_shape: "torch.Size([1, 84])", params: "10,164", macs: 10080}
output: {params: 850, flops: 1680}
totals: {params: "61,706", macs: 416520, flops: 833040}
"""


def run(*args: str):
    return runner().invoke(main, list(args))


def answers_file(tmp_path, text: str) -> str:
    path = tmp_path / "answers.yaml"
    path.write_text(text)
    return str(path)


# -- issue 6's "Done when" ---------------------------------------------------------------------

def test_an_all_correct_answers_file_exits_0(tmp_path):
    result = run("check", LENET, answers_file(tmp_path, ALL_RIGHT))
    assert result.exit_code == 0, result.output
    assert "✗" not in result.output
    assert result.output.count("✓") == 22
    assert "Score: 22/22 — all correct" in result.output


def test_two_wrong_fields_are_exactly_the_two_marked_with_the_working(tmp_path):
    wrong = ALL_RIGHT.replace("params: 2_416", "params: 2_400").replace(
        "s4: {output_shape: 5x5x16}", "s4: {output_shape: 4x4x16}")
    result = run("check", LENET, answers_file(tmp_path, wrong))
    assert result.exit_code == 1
    assert result.output.count("✗") == 2
    assert result.output.count("✓") == 20
    lines = result.output.splitlines()
    params = lines.index("  ✗ params       2,400")
    assert lines[params + 1] == "      expected 2,416"
    assert lines[params + 2] == \
        "      params = (Cin/g · Kh·Kw + 1) · Cout = (6 · 5·5 + 1) · 16 = 2,416"
    shape = next(i for i, line in enumerate(lines) if line.startswith("  ✗ output_shape 4x4x16"))
    assert "(read as H×W×C, channels last, batch excluded)" in lines[shape]
    assert lines[shape + 1] == "      expected [1, 16, 5, 5] = 5x5x16"
    assert "floor((10 + 0 − 2) / 2) + 1 = floor(8 / 2) + 1 = 5" in lines[shape + 3]
    assert lines[-1] == "Score: 20/22 — 2 wrong: c3 params, s4 output_shape"


def test_a_textbook_hxwxc_string_is_accepted_for_a_10_32_32_output(tmp_path):
    net = tmp_path / "net.yaml"
    net.write_text("input: [3, 32, 32]\nlayers:\n"
                   "  - Conv2d: {name: c, out_channels: 10, kernel_size: 5, padding: 2}\n")
    result = run("check", str(net), answers_file(tmp_path, "c: {output_shape: 32x32x10}\n"))
    assert result.exit_code == 0, result.output
    assert "✓ output_shape 32x32x10 → [1, 10, 32, 32]  (read as H×W×C, channels last, " \
           "batch excluded)" in result.output


# -- issue 2's textbook cases --------------------------------------------------------------------

@pytest.mark.parametrize("network, answers", [
    ({"input": [3, 32, 32], "layers": [{"Conv2d": {"name": "c", "out_channels": 10,
                                                   "kernel_size": 5, "padding": 2}}]},
     {"c": {"output_shape": "32x32x10", "params": 760}}),
    ({"input": [3, 32, 32], "layers": [{"Conv2d": {"name": "c", "out_channels": 192,
                                                   "kernel_size": 3, "bias": False}}]},
     {"c": {"params": "5,184"}}),
    ({"input": [12, 24, 24], "layers": [{"Conv2d": {"name": "g", "out_channels": 64,
                                                    "kernel_size": 3, "groups": 4,
                                                    "bias": False}}]},
     {"g": {"params": "1,728"}}),
    ({"input": [12, 24, 24], "layers": [
        {"Conv2d": {"name": "dw", "out_channels": 12, "kernel_size": 3, "groups": 12,
                    "bias": False}},
        {"Conv2d": {"name": "pw", "out_channels": 64, "kernel_size": 1, "bias": False}}]},
     {"dw": {"params": 108}, "pw": {"params": 768}, "totals": {"params": 876}}),
    ({"input": [3, 32, 32], "layers": [{"Conv2d": {"name": "a", "out_channels": 6,
                                                   "kernel_size": 5}},
                                       {"Conv2d": {"name": "b", "out_channels": 10,
                                                   "kernel_size": 5}}]},
     {"a": {"output_shape": "28x28x6"}, "b": {"output_shape": "24x24x10"}}),
    ({"input": [12000], "layers": [{"Linear": {"name": "fc", "out_features": 12}}]},
     {"fc": {"params": "144,012", "output_shape": 12}}),
], ids=["conv-760", "conv-5184", "grouped-1728", "separable-876", "28-then-24", "fc-144012"])
def test_textbook_answers_get_a_full_score(network, answers):
    result = check(cnncalc.Network(**network), answers)
    assert result.all_correct, result.text()
    assert result.total == sum(len(fields) for fields in answers.values())


# -- reading answers ---------------------------------------------------------------------------

@pytest.mark.parametrize("written, value", [
    (117600, 117600), ("117600", 117600), ("117,600", 117600), ("117_600", 117600),
    ("117 600", 117600), ("117'600", 117600), ("1,536,000", 1536000), (" 760 ", 760),
])
def test_counts_with_thousands_separators_are_read_exactly(written, value):
    assert parse_count(written) == value


@given(st.integers(0, 10 ** 18), st.sampled_from([",", "_", " ", "'"]))
def test_any_count_written_with_separators_reads_back(n, separator):
    assert parse_count(f"{n:,}".replace(",", separator)) == n


@pytest.mark.parametrize("written, reason", [
    ("1.5M", "rounded figure (M = million)"), ("2k", "rounded figure (k = thousand)"),
    ("15.47 GMACs", "rounded figure (G = billion)"), ("1.5 million", "rounded figure (million)"),
    ("1.5e6", "decimal or scientific"), ("768000.0", "decimal or scientific"),
    (768000.5, "decimal number"), ("1,53,6000", "group the digits in threes"),
    ("1,536_000", "one kind of separator"), ("1.536.000", "a dot reads as a decimal point"),
    ("lots", "not a number"), (True, "not a count"),
])
def test_inexact_or_unreadable_counts_are_refused_with_the_reason(written, reason):
    with pytest.raises(BadAnswer) as err:
        parse_count(written)
    assert reason in err.value.message


@pytest.mark.parametrize("written, dims, channels_last", [
    ([6, 28, 28], (6, 28, 28), False), ("28x28x6", (28, 28, 6), True),
    ("28 × 28 × 6", (28, 28, 6), True), ("28*28*6", (28, 28, 6), True),
    ("1x28x28x6", (1, 28, 28, 6), True), ("(1, 6, 28, 28)", (1, 6, 28, 28), False),
    ("torch.Size([1, 6, 28, 28])", (1, 6, 28, 28), False), (84, (84,), False),
])
def test_shapes_are_read_as_lists_or_textbook_strings(written, dims, channels_last):
    answer = parse_shape(written)
    assert (answer.dims, answer.channels_last) == (dims, channels_last)


@pytest.mark.parametrize("answer, reading, correct", [
    ("28x28x6", "H×W×C, channels last, batch excluded", True),
    ("1x6x28x28", "N×C×H×W, as cnncalc's CSV writes shapes, batch included", True),
    ("1x28x28x6", "N×C×H×W, as cnncalc's CSV writes shapes, batch included", False),
    ([6, 28, 28], "C×H×W, channels first, batch excluded", True),
    ([1, 6, 28, 28], "C×H×W, channels first, batch included", True),
    ([2, 6, 28, 28], "C×H×W, channels first, batch included", False),
    ("6x28x28", "H×W×C, channels last, batch excluded", False),
    ([6, 28], "the numbers as written", False),
])
def test_each_shape_answer_says_how_it_was_read(answer, reading, correct):
    result = check(cnncalc.load(LENET), {"c1": {"output_shape": answer}})
    (mark,) = result.marks
    assert (mark.reading, mark.correct) == (reading, correct)


def test_a_chw_string_is_read_hxwxc_and_the_mistake_is_explained():
    (mark,) = check(cnncalc.load(LENET), {"c1": {"output_shape": "6x28x28"}}).marks
    assert not mark.correct
    assert mark.got == (1, 28, 6, 28)
    assert "in C×H×W order this answer would be right" in mark.note
    assert "[6, 28, 28]" in mark.note


def test_shapes_with_the_batch_follow_the_batch_option():
    network = cnncalc.load(LENET)
    assert check(network, {"c1": {"output_shape": [4, 6, 28, 28]}}, batch=4).all_correct
    assert check(network, {"c1": {"output_shape": "28x28x6", "macs": 470400}},
                 batch=4).all_correct


def test_a_blank_answer_is_wrong_not_bad_input(tmp_path):
    result = run("check", LENET, answers_file(tmp_path, "c1:\n  params:\n  macs: 117600\n"))
    assert result.exit_code == 1
    assert "✗ params       (no answer)" in result.output
    assert "Score: 1/2" in result.output


# -- json --------------------------------------------------------------------------------------

def test_json_output_for_autograders(tmp_path):
    text = "c1: {params: 156, output_shape: 28x28x6}\nc3: {macs: 1}\n"
    result = run("check", LENET, answers_file(tmp_path, text), "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert (data["score"], data["total"]) == (2, 3)
    assert [{k: f[k] for k in ("layer", "field", "expected", "got", "correct")}
            for f in data["fields"]] == [
        {"layer": "c1", "field": "output_shape", "expected": [1, 6, 28, 28],
         "got": [1, 6, 28, 28], "correct": True},
        {"layer": "c1", "field": "params", "expected": 156, "got": 156, "correct": True},
        {"layer": "c3", "field": "macs", "expected": 240000, "got": 1, "correct": False}]
    assert data["fields"][0]["answer"] == "28x28x6"
    assert data["fields"][2]["working"][-1].endswith("= 240,000")


# -- bad input: exit 2, every problem located ----------------------------------------------------

def test_bad_answers_are_all_reported_with_their_positions(tmp_path):
    path = answers_file(tmp_path, (
        "c1:\n"
        "  output_shape: 6,28,28\n"
        "  params: 1.5M\n"
        "  mac: 3\n"
        "c33: {params: 3}\n"
        "s2: 5\n"
        "totals: {output_shape: [1]}\n"))
    result = run("check", LENET, path)
    assert result.exit_code == 1   # graded, field by field: nothing voids the submission
    lines = result.stdout.splitlines()
    assert (f"      unreadable at {path}:2:17: '6,28,28' is not a shape: sizes separated by "
            "commas could be one number with thousands separators (expected a list [C, H, W] "
            "(channels first) or a textbook string HxWxC such as 32x32x10)") in lines
    assert (f"      unreadable at {path}:3:11: '1.5M' is a rounded figure (M = million); a "
            "count is checked exactly, so write every digit (expected a whole number such as "
            "1,536,000)") in lines
    assert lines[lines.index("Not graded:") + 1:lines.index("Not graded:") + 5] == [
        f"  {path}:4:3: c1: unknown field 'mac'; did you mean 'macs'? (expected one of "
        "output_shape, params, macs, flops, receptive_field, output_bytes)",
        f"  {path}:5:1: no layer named 'c33' in LeNet-5; did you mean 'c3'? (expected a layer "
        "name as summary prints it, or totals)",
        f"  {path}:6:5: s2: a layer's answers are a mapping of field: answer (expected "
        "{output_shape: ..., params: ..., macs: ..., flops: ...}, got 5)",
        f"  {path}:7:10: totals: unknown field 'output_shape' (expected one of params, macs, "
        "flops)",
    ]
    assert lines[-1] == "Score: 0/2 — 2 wrong: c1 output_shape, c1 params"


@pytest.mark.parametrize("text, message", [
    ("", "an answers file maps layer names to answers"),
    ("[1, 2]\n", "an answers file maps layer names to answers"),
    ("c1: {params: [}\n", "invalid YAML"),
    ("c1: !!python/object:os.system {}\n", ""),
])
def test_unreadable_answers_files_exit_2(tmp_path, text, message):
    result = run("check", LENET, answers_file(tmp_path, text))
    assert result.exit_code == 2
    assert result.output.startswith(str(tmp_path / "answers.yaml"))
    assert message in result.output
    assert "Traceback" not in result.output


def test_missing_answers_file_and_directory_exit_2(tmp_path):
    missing = run("check", LENET, str(tmp_path / "nope.yaml"))
    assert missing.exit_code == 2 and "no such file" in missing.output
    directory = run("check", LENET, str(tmp_path))
    assert directory.exit_code == 2 and "is a directory, not an answers file" in directory.output


def test_a_broken_network_file_exits_2_before_any_marking(tmp_path):
    net = tmp_path / "net.yaml"
    net.write_text("input: [3, 32, 32]\nlayers:\n  - Conv2D: {out_channels: 4}\n")
    result = run("check", str(net), answers_file(tmp_path, "conv2d_1: {params: 1}\n"))
    assert result.exit_code == 2
    assert "did you mean 'Conv2d'?" in result.output


def test_the_python_api_marks_an_unreadable_answer_wrong_with_its_place(tmp_path):
    path = answers_file(tmp_path, "c1: {params: 2k, macs: 117600}\n")
    result = check(cnncalc.load(LENET), load_answers(path), source=path)
    params, macs = result.marks
    assert not params.correct and params.note.startswith(f"unreadable at {path}:1:14: '2k'")
    assert macs.correct and (result.score, result.total) == (1, 2)


# -- answers as students type them (issue 13) ---------------------------------------------------

@pytest.mark.parametrize("written, value", [
    ("313600 MACs", 313_600), ("416 params", 416), ("416 个参数", 416), ("416 参数量", 416),
    ("１１７，６００", 117_600), ("1,536,000 FLOPs", 1_536_000), ("235200 次", 235_200),
    ("61,706 parameters", 61_706),
])
def test_counts_as_students_type_them(written, value):
    assert parse_count(written) == value


@pytest.mark.parametrize("written, unit", [("31.36万", "万 = 10⁴"), ("2亿", "亿 = 10⁸"),
                                           ("1.5M", "M = million")])
def test_wan_and_yi_are_rounded_figures_like_m_and_g(written, unit):
    with pytest.raises(BadAnswer, match=f"is a rounded figure \\({unit}\\); a count is checked "
                                        "exactly, so write every digit"):
        parse_count(written)


def test_an_answers_file_typed_with_full_width_forms(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text("c1：\n  output_shape: （6，28，28）\n  params：156 个参数\n"
                    "  macs: 117600 MACs\ns2:\n  output_shape: 1x6x14x14\n", encoding="utf-8")
    result = runner().invoke(main, ["check", LENET, str(path)])
    assert result.exit_code == 0, result.output
    assert "Score: 4/4 — all correct" in result.stdout
    assert "(read as N×C×H×W, as cnncalc's CSV writes shapes, batch included)" in result.stdout


def test_a_channels_last_list_gets_the_hint_a_string_gets():
    (mark,) = check(cnncalc.load(LENET), {"c1": {"output_shape": [28, 28, 6]}}).marks
    assert not mark.correct
    assert "lists are read C×H×W" in mark.note and "[6, 28, 28]" in mark.note
    (mark,) = check(cnncalc.load(LENET), {"c1": {"output_shape": "1x28x28x6"}}).marks
    assert not mark.correct and "in N×H×W×C order this answer would be right" in mark.note


# -- field by field, against a key, JSON for every outcome (issue 13) ---------------------------

def test_a_key_makes_every_question_count(tmp_path):
    quiz = tmp_path / "quiz"
    assert runner().invoke(main, ["quiz", "--seed", "3", "--count", "4", "--out", str(quiz)]
                           ).exit_code == 0
    key = load_answers(quiz / "teacher" / "key.yaml")
    questions = sum(len(fields) for fields in key.values())
    first, fields = next(iter(key.items()))
    field_name, value = next(iter(fields.items()))
    plain = list(value) if isinstance(value, list) else value
    one = answers_file(tmp_path, yaml.safe_dump({first: {field_name: plain}}))
    network = str(quiz / "teacher" / "network.yaml")
    alone = run("check", network, one)
    assert alone.stdout.splitlines()[-1] == "Score: 1/1 — all correct"
    keyed = run("check", network, one, "--key", str(quiz / "teacher" / "key.yaml"))
    assert keyed.exit_code == 1
    assert keyed.stdout.splitlines()[-1].startswith(
        f"Score: 1/{questions} (the questions of {quiz / 'teacher' / 'key.yaml'}) — "
        f"{questions - 1} wrong")
    assert keyed.stdout.count("(no answer)") == questions - 1


@pytest.mark.parametrize("args, status", [
    (["no-such-net.yaml", "ANSWERS"], "error"), ([LENET, "missing.yaml"], "error"),
    ([LENET, "ANSWERS"], "graded")])
def test_json_is_written_for_every_outcome(tmp_path, args, status):
    answers = answers_file(tmp_path, "c1: {params: 156, macs: lots}\nc9: {params: 1}\n")
    args = [answers if a == "ANSWERS" else a for a in args]
    result = run("check", *args, "--format", "json")
    data = json.loads(result.stdout)
    assert data["schema"] == "cnncalc-check/1" and data["status"] == status
    assert set(data) >= {"score", "total", "fields", "not_graded", "errors"}
    if status == "error":
        assert result.exit_code == 2 and data["errors"][0]["line"] == 1
    else:
        assert result.exit_code == 1 and (data["score"], data["total"]) == (1, 2)
        assert data["not_graded"][0]["line"] == 2
        assert data["fields"][1]["note"].startswith("unreadable at")


def test_gradescope_results(tmp_path):
    answers = answers_file(tmp_path, "c1: {params: 156, macs: 1}\n")
    data = json.loads(run("check", LENET, answers, "--format", "gradescope").stdout)
    assert (data["score"], data["max_score"]) == (1, 2)
    assert [(t["name"], t["score"], t["max_score"]) for t in data["tests"]] == [
        ("c1 params", 1, 1), ("c1 macs", 0, 1)]
    assert "expected 117,600" in data["tests"][1]["output"]
    broken = json.loads(run("check", LENET, "missing.yaml", "--format", "gradescope").stdout)
    assert broken["score"] == 0 and "no such file" in broken["output"]
