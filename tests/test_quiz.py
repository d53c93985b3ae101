"""``cnncalc quiz``: reproducible, always-valid exercises whose key passes ``check``."""

from __future__ import annotations

import pytest
import torch
from cli_runner import runner
from hypothesis import given, strategies as st

import cnncalc
from cnncalc.cli import main
from cnncalc.teach import check, make_quiz
from cnncalc.teach.quiz import FEATURES, MAX_COUNT
from cnncalc.torch import to_torch

seeds = st.integers(0, 2 ** 32)
levels = st.sampled_from(["basic", "advanced"])
counts = st.integers(1, 12)


def features_of(text: str) -> set[str]:
    found = set()
    for marker, feature in (("groups:", "groups"), ("dilation:", "dilation"),
                            ("ConvTranspose2d", "transposed"), ("ceil_mode: true", "ceil_mode")):
        if marker in text:
            found.add(feature)
    return found


@given(seed=seeds, level=levels, count=counts)
def test_the_key_round_trips_through_check_with_a_full_score(seed, level, count):
    quiz = make_quiz(seed, count, level)
    result = check(quiz.network(), quiz.key(), source="key.yaml")
    assert result.all_correct, result.text()
    layers = cnncalc.analyze(quiz.network()).layers
    assert len(layers) == count
    assert result.total == 4 * count  # output_shape, params, macs, flops of every layer


@given(seed=seeds, level=levels, count=counts)
def test_the_same_seed_gives_the_same_files(seed, level, count):
    first, again = make_quiz(seed, count, level), make_quiz(seed, count, level)
    assert (first.network_text, first.key_text) == (again.network_text, again.key_text)


def test_different_seeds_give_different_quizzes():
    texts = {make_quiz(seed, 5, "basic").network_text.split("name:")[1] for seed in range(20)}
    assert len(texts) == 20


@given(seed=seeds, count=st.integers(4, 12))
def test_an_advanced_quiz_brings_groups_dilation_transposed_and_ceil_mode(seed, count):
    assert features_of(make_quiz(seed, count, "advanced").network_text) == set(FEATURES)


@given(seed=seeds, count=counts)
def test_a_basic_quiz_keeps_to_plain_convolutions_pooling_and_linear_layers(seed, count):
    text = make_quiz(seed, count, "basic").network_text
    assert features_of(text) == set()


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("level", ["basic", "advanced"])
def test_torch_runs_every_exercise_and_agrees_with_the_key(seed, level):
    quiz = make_quiz(seed, 6, level)
    twin = to_torch(quiz.network())
    sample = quiz.network().input
    with torch.no_grad():
        out = twin(torch.zeros(1, *sample))
    last = list(quiz.key().values())[-1]
    assert list(out.shape[1:]) == list(last["output_shape"])
    total = sum(entry["params"] for entry in quiz.key().values())
    assert sum(p.numel() for p in twin.parameters()) == total


def test_quiz_command_seed_7_advanced_round_trips_through_check(tmp_path):
    cli = runner()
    made = cli.invoke(main, ["quiz", "--seed", "7", "--level", "advanced", "--out",
                                str(tmp_path / "q")])
    assert made.exit_code == 0, made.output
    assert "seed 7" in made.output
    quiz = tmp_path / "q" / "teacher" / "network.yaml"
    key = tmp_path / "q" / "teacher" / "key.yaml"
    assert quiz.read_text() == make_quiz(7, 5, "advanced").network_text
    checked = cli.invoke(main, ["check", str(quiz), str(key), "--key", str(key)])
    assert checked.exit_code == 0, checked.output
    assert "Score: 20/20" in checked.output and "all correct" in checked.output
    blank = cli.invoke(main, ["check", str(quiz), str(tmp_path / "q" / "answers.yaml"),
                              "--key", str(key)])
    assert blank.exit_code == 1 and blank.output.count("(no answer)") == 20


def test_quiz_without_a_seed_prints_the_seed_it_used(tmp_path):
    made = runner().invoke(main, ["quiz", "--out", str(tmp_path)])
    assert made.exit_code == 0, made.output
    seed = int(made.output.split("seed ")[1].split(",")[0])
    assert (tmp_path / "teacher" / "network.yaml").read_text() == make_quiz(
        seed, 5, "basic").network_text


@pytest.mark.parametrize("args, message", [
    (["--count", "0"], "expected a whole number ≥ 1"),
    (["--count", str(MAX_COUNT + 1)], f"at most {MAX_COUNT}"),
    (["--level", "expert"], "'expert' is not one of 'basic', 'advanced'"),
    (["--seed", "-1"], "-1 is not in the range x>=0"),
])
def test_bad_quiz_options_exit_2(tmp_path, args, message):
    result = runner().invoke(main, ["quiz", "--out", str(tmp_path), *args])
    assert result.exit_code == 2
    assert message in result.output


def test_quiz_into_a_file_path_exits_2(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = runner().invoke(main, ["quiz", "--seed", "1", "--out", str(blocker)])
    assert result.exit_code == 2
    assert result.output.startswith(f"{blocker}:1:1: cannot write the quiz")


@pytest.mark.parametrize("seed", range(4))
def test_the_students_sheet_is_not_a_network_but_says_everything(tmp_path, seed):
    quiz = make_quiz(seed, 6, "advanced")
    paths = quiz.write(tmp_path)
    sheet, page = paths["sheet"].read_text(), paths["printable"].read_text()
    report = cnncalc.analyze(quiz.network())
    for row, entry in zip(report.layers, quiz.network().layers):
        assert f"`{row.name}` | {row.type} |" in sheet
        for key in entry.args:
            assert f"{key}=" in sheet and f"{key}=" in page
    refused = runner().invoke(main, ["summary", str(paths["sheet"])])
    assert refused.exit_code == 2    # summary cannot answer the sheet
    parser = _Cells()
    parser.feed(page)
    assert parser.rows == len(report.layers) + 1 and parser.boxes == 4 * len(report.layers)


class _Cells(__import__("html.parser").parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows = self.boxes = 0

    def handle_starttag(self, tag, attrs):
        self.rows += tag == "tr"
        self.boxes += tag == "td" and ("class", "box") in attrs


# -- 1-D and 3-D data; receptive field and memory questions ------------------------------------

dims = st.sampled_from([1, 2, 3])
asks = st.sampled_from([(), ("receptive_field",), ("output_bytes",),
                        ("receptive_field", "output_bytes")])


@given(seed=seeds, level=levels, count=counts, dims=dims, ask=asks)
def test_every_kind_of_quiz_keys_round_trip_through_check(seed, level, count, dims, ask):
    quiz = make_quiz(seed, count, level, dims, ask)
    report = cnncalc.analyze(quiz.network())
    assert {len(row.output_shape) for row in report.layers if row.type.startswith(
        ("Conv", "MaxPool", "AvgPool"))} <= {dims + 2}
    result = check(quiz.network(), quiz.key(), source="key.yaml")
    assert result.all_correct, result.text()
    asked_fields = 4 * count + ("output_bytes" in ask) * count + (
        "receptive_field" in ask) * sum(1 for row in report.layers if row.receptive_field)
    assert result.total == asked_fields
    if "receptive_field" in ask:
        assert "ConvTranspose" not in quiz.network_text  # its field is not followed


@pytest.mark.parametrize("dims", [1, 3])
@pytest.mark.parametrize("seed", range(4))
def test_torch_runs_1d_and_3d_exercises_and_agrees_with_the_key(seed, dims):
    quiz = make_quiz(seed, 6, "advanced", dims)
    twin = to_torch(quiz.network())
    sample = quiz.network().input
    assert len(sample) == dims + 1
    with torch.no_grad():
        out = twin(torch.zeros(1, *sample))
    last = list(quiz.key().values())[-1]
    assert list(out.shape[1:]) == list(last["output_shape"])
    assert sum(p.numel() for p in twin.parameters()) == sum(
        entry["params"] for entry in quiz.key().values())


def test_a_2d_quiz_is_the_one_it_always_was():
    """Adding --dims and --ask left the seeds of 2-D quizzes alone."""
    assert make_quiz(7, 5, "advanced").network_text == make_quiz(
        7, 5, "advanced", 2, ()).network_text
    assert "--dims" not in make_quiz(7, 5, "advanced").network_text


def test_the_sheet_asks_for_what_the_key_holds(tmp_path):
    made = runner().invoke(main, ["quiz", "--seed", "3", "--dims", "1", "--ask",
                                  "receptive_field", "--ask", "output_bytes", "--out",
                                  str(tmp_path)])
    assert made.exit_code == 0, made.output
    key = cnncalc.teach.load_answers(tmp_path / "teacher" / "key.yaml")
    blank = (tmp_path / "answers.yaml").read_text()
    for layer, fields in key.items():
        assert f"{layer}:\n" + "".join(f"  {f}:\n" for f in fields) in blank
    sheet = (tmp_path / "quiz.md").read_text()
    assert "receptive field" in sheet and "float32" in sheet and "[C, L]" in sheet
    assert "--dims 1 --ask receptive_field --ask output_bytes" in sheet


def test_a_wrong_receptive_field_shows_its_working(tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text("s2: {receptive_field: 5x5, output_bytes: 4704}\n"
                       "c3: {receptive_field: 14}\n")
    result = runner().invoke(main, ["check", "lenet5", str(answers)])
    assert result.exit_code == 1
    assert "✗ receptive_field 5x5\n      expected 6×6\n      RF size = r + d·(K−1)·j = " \
           "5 + 1·1 = 6, jump = j·S = 1·2 = 2" in result.stdout
    assert "✓ output_bytes" in result.stdout and "✓ receptive_field 14" in result.stdout
