"""``--input`` (``analyze(input=...)``) changes spatial sizes only, and says when that changes an
inferred argument: it never silently builds another network (issue 16, item 3)."""

import json

import pytest

import cnncalc
from cnncalc.analysis import Note
from cnncalc.cli import main
from cnncalc.errors import CnncalcError, NetworkError

# torchvision's documented parameter count of resnet18 (ResNet18_Weights.IMAGENET1K_V1.meta)
RESNET18_PARAMS = 11_689_512

SMALL = """\
name: small
input: [1, 64, 64]
layers:
  - Conv2d: {out_channels: 4, kernel_size: 3, padding: 1}
  - ReLU
  - MaxPool2d: {kernel_size: 2}
  - Flatten
  - Linear: {out_features: 256}
  - ReLU
  - Linear: {out_features: 10}
"""
SMALL_NOTE = ("linear_1 (Linear): in_features is 784 at this input [1, 28, 28] but 4096 at the "
              "file's input [1, 64, 64]: the model built for the file's input would refuse this "
              "input")


from cli_runner import runner  # noqa: E402  (click 8.1 and 8.2 alike)


def run(*args):
    return runner().invoke(main, [str(a) for a in args])


@pytest.fixture
def small(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return path


# -- channels and rank: errors ----------------------------------------------------------------

def test_channels_last_input_is_an_error_with_a_suggestion():
    result = run("summary", "resnet18", "--input", "224x224x3")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    line = result.stderr.strip()
    assert line.startswith(str(cnncalc.zoo.path("resnet18")) + ":")
    assert line.endswith(": input: --input changes the number of input channels from 3 (the "
                         "file's input [3, 224, 224]) to 224; inputs are channels-first, batch "
                         "excluded, and only their spatial sizes may change (did you mean "
                         "3x224x224?)")


def test_resnet18_at_its_own_input_and_at_other_spatial_sizes():
    for args in ([], ["--input", "3x224x224"], ["--input", "3x160x160"]):
        result = run("summary", "resnet18", "--format", "json", *args)
        assert result.exit_code == 0, result.stderr
        report = json.loads(result.stdout)
        assert report["totals"]["params"] == RESNET18_PARAMS
        assert "notes" not in report  # AdaptiveAvgPool2d keeps every inferred argument


def test_a_pure_spatial_change_gives_no_note():
    result = run("summary", "resnet18", "--input", "3x160x160")
    assert result.exit_code == 0
    assert "Note:" not in result.stdout
    assert "Total params: 11,689,512" in result.stdout
    report = cnncalc.analyze(cnncalc.zoo.load("resnet18"), input=(3, 160, 160))
    assert report.notes == ()


def test_fewer_channels_on_a_three_channel_file_is_an_error(tmp_path):
    path = tmp_path / "rgb.yaml"
    path.write_text(SMALL.replace("[1, 64, 64]", "[3, 64, 64]"), encoding="utf-8")
    result = run("summary", path, "--input", "1x28x28")
    assert result.exit_code == 2 and result.stdout == ""
    assert ("input: --input changes the number of input channels from 3 (the file's input "
            "[3, 64, 64]) to 1; inputs are channels-first") in result.stderr
    assert "did you mean" not in result.stderr  # no permutation of 1x28x28 has 3 channels


@pytest.mark.parametrize("given, message, hint", [
    ("224x224", "--input gives 2 (224x224)", " (did you mean 3x224x224?)"),
    ("1x3x224x224", "--input gives 4 (1x3x224x224)", " (did you mean 3x224x224?)"),
    ("1x224x224x3", "--input gives 4 (1x224x224x3)", " (did you mean 3x224x224?)"),
    ("3x224", "--input gives 2 (3x224)", ""),
])
def test_a_rank_change_is_an_error(given, message, hint):
    result = run("summary", "resnet18", "--input", given)
    assert result.exit_code == 2 and result.stdout == ""
    line = result.stderr.strip()
    assert ("input: --input changes the number of input dimensions: the file's input has 3 dims "
            f"[C, H, W] ([3, 224, 224]), {message}; inputs are channels-first, batch excluded, "
            "and only their spatial sizes may change" + hint) in line
    assert line.endswith("change" + hint)


@pytest.mark.parametrize("command", ["explain", "verify"])
def test_other_commands_with_input_give_the_same_error(command):
    result = run(command, "resnet18", "--input", "224x224x3")
    assert result.exit_code == 2 and result.stdout == ""
    assert "Traceback" not in result.stderr
    assert "--input changes the number of input channels from 3" in result.stderr


def test_check_with_a_bad_input_is_the_same_error(small, tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text("{}\n", encoding="utf-8")
    result = run("check", small, answers, "--input", "3x28x28")
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert "--input changes the number of input channels from 1" in result.stderr


# -- spatial changes that change an inferred argument: notes ----------------------------------

def test_the_note_under_the_table_and_in_markdown(small):
    result = run("summary", small, "--input", "1x28x28")
    assert result.exit_code == 0 and result.stderr == ""
    lines = result.stdout.rstrip("\n").splitlines()
    assert lines[-1] == f"Note: {SMALL_NOTE}"
    assert lines[-2].startswith("Counting convention:")
    assert ["linear_1", "(Linear)", "[1,", "256]", "200,960"] in [line.split()[:5]
                                                                for line in lines]
    markdown = run("summary", small, "--input", "1x28x28", "--format", "markdown").stdout
    assert markdown.rstrip("\n").splitlines()[-1] == f"- **Note:** {SMALL_NOTE}"
    csv = run("summary", small, "--input", "1x28x28", "--format", "csv").stdout
    assert "Note" not in csv


def test_the_note_in_the_json(small):
    result = run("summary", small, "--input", "1x28x28", "--format", "json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["notes"] == [{"layer": "linear_1", "type": "Linear",
                                "argument": "in_features", "file_input": 4096,
                                "this_input": 784, "message": SMALL_NOTE}]
    assert report["inputs"] == {"input": [1, 1, 28, 28]}
    assert list(report)[:6] == ["name", "batch", "convention", "inputs", "layers", "totals"]


def test_the_file_s_own_input_gives_no_note(small):
    for args in ([], ["--input", "1x64x64"]):
        result = run("summary", small, "--format", "json", *args)
        assert result.exit_code == 0 and "notes" not in json.loads(result.stdout)
        assert "Note:" not in run("summary", small, *args).stdout


def test_every_inferred_argument_that_changes_is_noted_in_order():
    net = cnncalc.loads("""
input: [2, 8, 16]
layers:
  - Linear: {out_features: 4}      # over the last dim: in_features = W
  - Flatten
  - BatchNorm1d                    # num_features = C * H * 4
  - Unflatten: {dim: 1, unflattened_size: [-1, 4]}
  - Conv1d: {out_channels: 3, kernel_size: 1}   # in_channels = C * H
""", source="net.yaml")
    report = cnncalc.analyze(net, input=(2, 5, 10), batch=3)
    assert [(n.layer, n.argument, n.file_input, n.this_input) for n in report.notes] == [
        ("linear_1", "in_features", 16, 10),
        ("batchnorm1d_1", "num_features", 64, 40),
        ("conv1d_1", "in_channels", 16, 10),
    ]
    assert report.totals.params == (10 + 1) * 4 + 2 * 40 + (10 + 1) * 3


# -- the API ----------------------------------------------------------------------------------

def test_the_api_raises_a_located_network_error(small):
    net = cnncalc.load(small)
    with pytest.raises(NetworkError) as caught:
        cnncalc.analyze(net, input=(28, 28, 1))
    assert isinstance(caught.value, CnncalcError)
    problem, = caught.value.problems
    assert problem.where == "input" and problem.position.file == str(small)
    assert "from 1 (the file's input [1, 64, 64]) to 28" in problem.message
    assert problem.message.endswith("(did you mean 1x28x28?)")
    with pytest.raises(NetworkError, match="number of input dimensions"):
        cnncalc.analyze(net, input=(64, 64))


def test_the_api_checks_python_built_networks_too():
    net = cnncalc.Network(input=[784], layers=[{"Linear": {"out_features": 10}}])
    with pytest.raises(NetworkError) as caught:
        cnncalc.analyze(net, input=[1000])
    problem, = caught.value.problems
    assert problem.position is None and problem.where == "input"
    assert "the number of input features from 784 (the file's input [784]) to 1000" \
        in problem.message
    assert str(problem).startswith("input: --input changes")
    with pytest.raises(NetworkError, match=r"did you mean 784\?"):
        cnncalc.analyze(net, input=[1, 784])  # the batch included
    assert cnncalc.analyze(net, input=[784]).notes == ()


def test_the_api_report_carries_the_notes(small):
    report = cnncalc.analyze(cnncalc.load(small), input=(1, 28, 28), batch=2)
    note, = report.notes
    assert isinstance(note, Note)
    assert (note.layer, note.type, note.argument) == ("linear_1", "Linear", "in_features")
    assert (note.file_input, note.this_input, note.message) == (4096, 784, SMALL_NOTE)
    with pytest.raises(AttributeError):
        note.layer = "x"  # frozen
    assert report.to_dict()["notes"][0]["this_input"] == 784
    assert cnncalc.analyze(cnncalc.load(small)).notes == ()


def test_no_note_and_no_crash_when_the_file_s_own_input_does_not_fit():
    net = cnncalc.loads("input: [1, 2, 2]\nlayers:\n  - Conv2d: {out_channels: 2, kernel_size: 3}"
                        "\n  - Flatten\n  - Linear: {out_features: 3}\n")
    with pytest.raises(NetworkError):
        cnncalc.analyze(net)
    report = cnncalc.analyze(net, input=(1, 8, 8))
    assert report.notes == () and report.totals.params == 20 + 2 * 36 * 3 + 3
