"""`cnncalc zoo`, `cnncalc zoo show`, zoo names where a FILE is expected, and the zoo package."""

import json
import os
from pathlib import Path

import pytest
from cli_runner import runner

import cnncalc
from cnncalc import zoo
from cnncalc.cli import main
from cnncalc.errors import UsageError

ROOT = Path(__file__).resolve().parent.parent
SMALL = "input: [3, 8, 8]\nlayers:\n  - Conv2d: {out_channels: 4, kernel_size: 3}\n"


def run(*args: str):
    return runner().invoke(main, list(args))


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    """A working directory without network files, so that names can only come from the zoo."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


# -- the zoo package ---------------------------------------------------------------------------

def test_every_zoo_file_has_a_header_that_agrees_with_it():
    assert len(zoo.names()) >= 12
    for name in zoo.names():
        about = zoo.info(name)
        first = about.path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# zoo: input="), name
        assert about.source, name
        assert about.input == zoo.load(name).input, name


def test_every_zoo_file_is_visible_under_examples():
    for name in zoo.names():
        link = ROOT / "examples" / f"{name}.yaml"
        assert link.is_symlink(), name
        assert os.readlink(link) == f"../cnncalc/zoo/{name}.yaml"
        assert link.resolve() == zoo.path(name).resolve()


def test_an_unknown_name_is_a_usage_error_with_did_you_mean():
    with pytest.raises(UsageError, match=r"unknown zoo network 'mobilenet_v9'; did you mean "
                                         r"'mobilenet_v2'\?"):
        zoo.path("mobilenet_v9")
    with pytest.raises(UsageError):
        zoo.path("../zoo/mobilenet_v2")  # names only, never paths


def test_a_broken_header_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(zoo, "ZOO_DIR", tmp_path)
    (tmp_path / "headless.yaml").write_text(SMALL)
    with pytest.raises(UsageError, match="header line is missing"):
        zoo.info("headless")


# -- cnncalc zoo -------------------------------------------------------------------------------

def test_zoo_lists_every_network_with_its_numbers():
    result = run("zoo")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Name", "Input", "Params", "MACs", "Source"]
    listed = [line.split()[0] for line in lines[1:] if line.strip()][:len(zoo.names())]
    assert listed == zoo.names()
    row = next(line for line in lines if line.startswith("mobilenet_v2 "))
    assert row.split()[1:6] == ["3x224x224", "3,504,872", "(3.50", "M)", "300,774,272"]


def test_zoo_json_has_exact_numbers():
    result = run("zoo", "--format", "json")
    assert result.exit_code == 0, result.output
    entries = {entry["name"]: entry for entry in json.loads(result.stdout)}
    assert sorted(entries) == zoo.names()
    assert entries["mobilenet_v2"] == {
        "name": "mobilenet_v2", "input": [3, 224, 224], "params": 3_504_872,
        "buffers": cnncalc.analyze(zoo.load("mobilenet_v2")).totals.buffers,
        "macs": 300_774_272, "flops": 601_548_544,
        "source": "torchvision/models/mobilenetv2.py"}


@pytest.mark.parametrize("fmt, head", [("markdown", "| Name "), ("csv", "name,input,params")])
def test_zoo_other_formats(fmt, head):
    result = run("zoo", "--format", fmt)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(head)
    assert len(result.stdout.strip().splitlines()) == len(zoo.names()) + (2 if fmt == "markdown"
                                                                           else 1)


def test_zoo_reports_a_broken_file_and_lists_the_rest(tmp_path, monkeypatch):
    monkeypatch.setattr(zoo, "ZOO_DIR", tmp_path)
    (tmp_path / "good.yaml").write_text("# zoo: input=3x8x8 source=test\n" + SMALL)
    (tmp_path / "bad.yaml").write_text("# zoo: input=3x8x8 source=test\n"
                                       + SMALL.replace("Conv2d", "Conv2e"))
    result = run("zoo")
    assert result.exit_code == 2
    assert "good " in result.stdout and "bad " not in result.stdout
    assert result.stderr.startswith("zoo network bad is broken: ")
    assert "unknown layer type 'Conv2e'" in result.stderr


# -- cnncalc zoo show --------------------------------------------------------------------------

def test_show_prints_the_file_verbatim(elsewhere):
    result = run("zoo", "show", "mobilenet_v2")
    assert result.exit_code == 0
    assert result.stdout == zoo.path("mobilenet_v2").read_text(encoding="utf-8")
    # copied out, it is a starting point that gives the same numbers
    (elsewhere / "mine.yaml").write_text(result.stdout, encoding="utf-8")
    copied = cnncalc.analyze(cnncalc.load("mine.yaml")).totals
    assert copied == cnncalc.analyze(zoo.load("mobilenet_v2")).totals


def test_show_unknown_name_exits_2_with_did_you_mean():
    result = run("zoo", "show", "mobilenetv2")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip() == ("unknown zoo network 'mobilenetv2'; did you mean "
                                     "'mobilenet_v2'? (`cnncalc zoo` lists them)")


# -- zoo names where a FILE is expected --------------------------------------------------------

def test_summary_takes_a_zoo_name(elsewhere):
    result = run("summary", "mobilenet_v2", "--format", "json")
    assert result.exit_code == 0, result.output
    totals = json.loads(result.stdout)["totals"]
    assert (totals["params"], totals["macs"]) == (3_504_872, 300_774_272)


def test_summary_options_apply_to_zoo_networks(elsewhere):
    result = run("summary", "mnist_cnn", "--batch", "4", "--format", "json")
    assert json.loads(result.stdout)["inputs"] == {"input": [4, 1, 28, 28]}


def test_an_existing_file_wins_over_a_zoo_name(elsewhere):
    (elsewhere / "mobilenet_v2").write_text(SMALL)
    result = run("summary", "mobilenet_v2", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["totals"]["params"] == (3 * 9 + 1) * 4


@pytest.mark.parametrize("argument, hint", [
    ("mobilenet_v22", "; did you mean 'mobilenet_v2'?"),
    ("nets/mobilenet_v2.yaml", "; did you mean 'mobilenet_v2'?"),
    ("xyzzy.yaml", ""),
])
def test_neither_file_nor_zoo_name(elsewhere, argument, hint):
    result = run("summary", argument)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"{argument}:1:1: no such file, nor a zoo network of that " \
                                    f"name{hint}"


def test_zoo_markdown_is_the_readme_table_with_buffers():
    result = run("zoo", "--format", "markdown")
    row = next(line for line in result.stdout.splitlines() if line.startswith("| mobilenet_v2 "))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    buffers = cnncalc.analyze(zoo.load("mobilenet_v2")).totals.buffers
    assert cells == ["mobilenet_v2", "3x224x224", "3,504,872", f"{buffers:,}", "300,774,272",
                     "torchvision/models/mobilenetv2.py"]


def test_the_readme_lists_the_zoo_as_cnncalc_zoo_does():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = runner().invoke(main, ["zoo", "--format", "markdown"]).stdout.strip()
    assert listed in readme, "regenerate the README's table with cnncalc zoo --format markdown"
