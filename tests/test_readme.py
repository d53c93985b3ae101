"""The README and the docs show real output: every `$ cnncalc ...` block is rerun and compared.

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
FENCE = re.compile(r"```(\w*)([^\n]*)\n(.*?)```", flags=re.S)


def doc_sessions() -> list[tuple[str, dict[str, str], str]]:
    """Per docs/*.md block of ``$ cnncalc ...`` commands: an id, the files the page defines
    (```` ```yaml file=NAME ````), and the block."""
    sessions = []
    for path in sorted((ROOT / "docs").glob("*.md")):
        files, blocks = {}, []
        for lang, info, body in FENCE.findall(path.read_text(encoding="utf-8")):
            named = re.search(r"file=(\S+)", info)
            if named:
                files[named.group(1)] = body
            elif not lang and body.startswith("$ cnncalc "):
                blocks.append(body)
        sessions += [(f"{path.name}: {block.splitlines()[0][2:]}", files, block)
                     for block in blocks]
    return sessions


DOC_SESSIONS = doc_sessions()


def test_readme_starts_with_the_two_setup_commands_and_ci_runs_the_second():
    commands = re.findall(r"```\n(.*?)\n```", README, flags=re.S)[:2]
    assert commands[0] == "pip install -e . && cnncalc summary examples/vgg16.yaml"
    assert commands[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "\n" not in commands[0] + commands[1]


def test_readme_has_command_blocks():
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("command, shown", BLOCKS, ids=[b[0] for b in BLOCKS])
def test_readme_block_is_real_output(command, shown, monkeypatch):
    assert_real_output(command, shown, monkeypatch)


@pytest.mark.parametrize("files, block", [s[1:] for s in DOC_SESSIONS],
                         ids=[s[0] for s in DOC_SESSIONS])
def test_docs_block_is_real_output(files, block, tmp_path, monkeypatch):
    """Each command of the block runs in a directory holding the files the page shows, and
    prints what the page says; ``cat``, ``head -N`` and ``| tail -N`` are read as a shell
    would."""
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    commands = re.split(r"^\$ ", block, flags=re.M)[1:]
    for command in commands:
        line, _, shown = command.partition("\n")
        line, _, pipe = line.partition(" | ")
        args = shlex.split(line)
        if args[0] == "cnncalc":
            result = runner().invoke(main, args[1:])
            real = (result.stdout + result.stderr).rstrip("\n").splitlines()
        else:
            count = int(args[1][1:]) if args[0] == "head" else None
            real = (tmp_path / args[-1]).read_text(encoding="utf-8").splitlines()[:count]
        if pipe:
            tool, amount = pipe.split()
            n = int(amount.lstrip("-"))
            real = real[-n:] if tool == "tail" else real[:n]
        compare(real, shown)


def assert_real_output(command, shown, monkeypatch):
    args = shlex.split(command)
    cwd = ROOT if (ROOT / args[1]).exists() or not (ROOT / "tests/data" / args[1]).exists() \
        else ROOT / "tests" / "data"
    monkeypatch.chdir(cwd)
    result = runner().invoke(main, args)
    compare((result.stdout + result.stderr).rstrip("\n").splitlines(), shown)


def compare(real: list[str], shown: str) -> None:
    """The real lines equal the shown ones; a line ``...`` elides the middle."""
    expected = shown.rstrip("\n").splitlines()
    elided = [i for i, line in enumerate(expected) if line.strip() == "..."]
    if elided:
        cut = elided[0]
        head, tail = expected[:cut], expected[cut + 1:]
        assert real[:len(head)] == head
        assert real[len(real) - len(tail):] == tail
    else:
        assert real == expected
