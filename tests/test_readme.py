"""The README shows real output: every `$ cnncalc ...` block is rerun and compared.

A block may elide lines with a line `...`: the lines before it must start the real output and
the lines after it must end it. Regenerate a block by running the command it shows.
"""

import re
import shlex
from pathlib import Path

import pytest
from cli_runner import runner

from cnncalc.cli import main

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```\n\$ cnncalc (.*?)\n(.*?)```", README, flags=re.S)


def test_readme_starts_with_the_two_setup_commands_and_ci_runs_the_second():
    commands = re.findall(r"```\n(.*?)\n```", README, flags=re.S)[:2]
    assert commands[0] == "pip install -e . && cnncalc summary examples/vgg16.yaml"
    assert commands[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "\n" not in commands[0] + commands[1]


def test_readme_has_command_blocks():
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("command, shown", BLOCKS, ids=[b[0] for b in BLOCKS])
def test_readme_block_is_real_output(command, shown, monkeypatch):
    args = shlex.split(command)
    cwd = ROOT if (ROOT / args[1]).exists() or not (ROOT / "tests/data" / args[1]).exists() \
        else ROOT / "tests" / "data"
    monkeypatch.chdir(cwd)
    result = runner().invoke(main, args)
    real = (result.stdout + result.stderr).rstrip("\n").splitlines()
    expected = shown.rstrip("\n").splitlines()
    elided = [i for i, line in enumerate(expected) if line.strip() == "..."]
    if elided:
        cut = elided[0]
        head, tail = expected[:cut], expected[cut + 1:]
        assert real[:len(head)] == head
        assert real[len(real) - len(tail):] == tail
    else:
        assert real == expected
