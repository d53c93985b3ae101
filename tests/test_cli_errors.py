"""The command line's errors: one line, exit status 2, never a traceback, for every command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
from cli_runner import runner
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.cli import main

BROKEN = Path(__file__).parent / "broken"
VALID = str(BROKEN / "valid.yaml")
CASES = 500 if os.environ.get("CI") else 50


def invoke(*args: str):
    result = runner().invoke(main, list(args), prog_name="cnncalc")
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception
    return result


def commands(group: click.Group = main, path: tuple[str, ...] = ()):
    """Every command and group under ``cnncalc``, as argument paths."""
    for name, command in group.commands.items():
        yield path + (name,), command
        if isinstance(command, click.Group):
            yield from commands(command, path + (name,))


def test_every_command_gives_usage_errors_in_one_line():
    """Commands added later (as modules) get the one-line errors without doing anything."""
    seen = []
    for path, _ in commands():
        result = invoke(*path, "--no-such-option")
        assert result.exit_code == 2
        assert result.stderr == (f"cnncalc {' '.join(path)}: error: No such option"
                                 " '--no-such-option'.\n")
        seen.append(" ".join(path))
    assert "summary" in seen


def test_every_command_with_a_file_says_when_it_is_missing():
    for path, command in commands():
        arguments = [p for p in command.params if isinstance(p, click.Argument) and p.required]
        if isinstance(command, click.Group) or not arguments:
            continue
        result = invoke(*path, *["no_such_file.yaml"] * len(arguments))
        assert result.exit_code == 2, (path, result.stdout)
        assert "no_such_file" in result.stderr and "Traceback" not in result.stderr


def test_an_unreadable_file(tmp_path, monkeypatch):
    # chmod cannot take read access from root, which CI may be: make opening fail instead
    locked = tmp_path / "locked.yaml"
    locked.write_text("input: [3]\nlayers: [ReLU]\n", encoding="utf-8")
    real_open = Path.open

    def refusing_open(self, *args, **kwargs):
        if self.name == "locked.yaml":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refusing_open)
    result = invoke("summary", str(locked))
    assert (result.exit_code, result.stderr) == (
        2, f"{locked}:1:1: cannot read the file: permission denied\n")


def test_a_file_name_too_long_for_the_system():
    name = "n" * 5000 + ".yaml"
    result = invoke("summary", name)
    assert (result.exit_code, result.stderr) == (
        2, f"{name}:1:1: cannot read the file: File name too long\n")


def test_a_file_over_the_size_limit(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (1024 * 1024 + 1))
    result = invoke("summary", str(big))
    assert (result.exit_code, result.stderr) == (
        2, f"{big}:1:1: the file is too large for a network file (expected at most 1,048,576"
           " bytes, got more than 1,048,576)\n")


def test_problems_beyond_the_screenful_are_counted_not_printed(tmp_path):
    many = tmp_path / "many.yaml"
    many.write_text("input: [3, 8, 8]\nlayers:\n" + "  - Linear: {out_features: 2,"
                    " from: input, in_features: 9}\n" * 250, encoding="utf-8")
    result = invoke("summary", str(many))
    lines = result.stderr.splitlines()
    assert result.exit_code == 2 and len(lines) == 201
    assert lines[-1] == "… and 50 more problems"


def test_a_real_process_exits_2_with_one_line_and_no_traceback():
    done = subprocess.run([sys.executable, "-m", "cnncalc", "summary",
                           str(BROKEN / "yaml_python_tag.yaml"), "--batch", "2"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "is not allowed" in done.stderr
    done = subprocess.run([sys.executable, "-m", "cnncalc", "summary", VALID, "--batch", "0"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2  # click names the program as run: `python -m cnncalc`
    assert done.stderr.endswith("cnncalc summary: error: Invalid value for '--batch': expected"
                                " a whole number ≥ 1, got '0'\n")
    assert done.stderr.count("\n") == 1


def test_good_options_still_work():
    result = invoke("summary", VALID, "--input", "3x16x16", "--batch", "2", "--format", "json")
    assert result.exit_code == 0 and '"batch": 2' in result.stdout


option_text = st.one_of(st.text(max_size=12), st.sampled_from(
    ["3x224x224", "3x0x1", "0", "-1", "1e3", "+3", "3,32,32", "3×32×32", "x", "", " 2 ",
     "99999999999999999999999", "1" * 5000, "json", "table", "csv", "markdown", "JSON"]))


@settings(max_examples=CASES, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["--input", "--batch", "--format"]), option_text),
                max_size=3))
def test_random_options_give_a_report_or_one_line(options):
    args = ["summary", VALID] + [part for option in options for part in option]
    result = invoke(*args)
    assert result.exit_code in (0, 2)
    if result.exit_code == 2:
        assert result.stdout == "" and result.stderr.count("\n") == 1, result.stderr
        assert "Traceback" not in result.stderr
