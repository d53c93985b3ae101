"""Chinese for the course's students (issue 13): gettext catalogs, the same numbers in every
language."""

from __future__ import annotations

import ast
import re
import string
import sys
from pathlib import Path

import pytest

from cli_runner import runner
from cnncalc import i18n
from cnncalc.cli import main
from cnncalc.report.columns import COLUMNS, FOOTER

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import msgfmt  # noqa: E402

PO = ROOT / "cnncalc" / "locale" / "zh" / "LC_MESSAGES" / "cnncalc.po"
ZH = msgfmt.read_po(PO.read_text(encoding="utf-8"))


def literal_messages() -> set[str]:
    """Every ``_("...")`` in cnncalc's code."""
    found = set()
    for path in (ROOT / "cnncalc").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "_" and node.args
                    and isinstance(node.args[0], ast.Constant)):
                found.add(node.args[0].value)
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "_" and node.args
                    and isinstance(node.args[0], ast.Subscript)
                    and isinstance(node.args[0].value, ast.Dict)):   # _({...}[key])
                found.update(v.value for v in node.args[0].value.values)
    return found


def test_the_compiled_catalog_is_the_po_file():
    assert msgfmt.main(["--check"]) == 0


def test_every_message_has_a_chinese_translation():
    wanted = literal_messages() | {c.heading for c in COLUMNS if c.heading} | {
        t.label for t in FOOTER if not t.label.startswith("torchinfo")}
    assert sorted(m for m in wanted if not ZH.get(m)) == []


@pytest.mark.parametrize("message", sorted(m for m in ZH if m))
def test_a_translation_keeps_the_placeholders(message):
    def fields(text):
        return sorted(f for _, f, _, _ in string.Formatter().parse(text) if f is not None)
    assert fields(ZH[message]) == fields(message)


NUMBERS = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")


@pytest.mark.parametrize("args", [["summary", "lenet5"], ["summary", "resnet18", "--depth", "1"],
                                  ["summary", "mobilenet_v2", "--by", "type", "--top", "4"]])
def test_the_numbers_are_the_same_in_chinese(args):
    english = runner().invoke(main, [*args, "--lang", "en"])
    chinese = runner().invoke(main, [*args, "--lang", "zh"])
    assert english.exit_code == chinese.exit_code == 0
    assert sorted(NUMBERS.findall(chinese.stdout)) == sorted(NUMBERS.findall(english.stdout))
    assert "总参数量" in chinese.stdout and "Total params" not in chinese.stdout


def test_the_language_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("CNNCALC_LANG", "zh")
    assert "层（类型）" in runner().invoke(main, ["summary", "lenet5"]).stdout
    monkeypatch.delenv("CNNCALC_LANG")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    assert i18n.default_language() == "zh"
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    assert i18n.default_language() == "en"
    monkeypatch.setenv("CNNCALC_LANG", "fr")
    bad = runner().invoke(main, ["summary", "lenet5"])
    assert bad.exit_code == 2 and ("CNNCALC_LANG='fr' is not a language cnncalc speaks "
                                    "(expected one of en, zh)") in bad.stderr


def test_check_in_chinese(tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text("c1：\n  output_shape: （6，28，28）\n  params: 156 个参数\n"
                       "  macs: 117600 MACs\n  flops: 1\n", encoding="utf-8")
    result = runner().invoke(main, ["check", "lenet5", str(answers), "--lang", "zh"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert "  ✓ 参数量       156 个参数" in lines
    assert "      应为 235,200" in lines
    assert lines[-1] == "得分：3/4 — 1 处错误：c1 浮点运算次数"


def test_the_api_renders_in_the_language_asked_for():
    import cnncalc

    report = cnncalc.analyze(cnncalc.load("lenet5"))
    with i18n.use("zh"):
        assert report.table().splitlines()[0].startswith("模型：")
    with i18n.use("en"):
        assert report.table().splitlines()[0].startswith('Model: "LeNet-5"')


@pytest.mark.parametrize("args", [["explain", "lenet5"], ["explain", "resnet18", "--layer",
                                                           "layer2"],
                                  ["explain", "mobilenet_v2", "--convention", "fvcore",
                                   "--layer", "inverted_residual_2"],
                                  ["explain", "inception_v3", "--layer", "Mixed_5b"]])
def test_explain_in_chinese_shows_the_same_working_and_numbers(args):
    english = runner().invoke(main, [*args, "--lang", "en"])
    chinese = runner().invoke(main, [*args, "--lang", "zh"])
    assert english.exit_code == chinese.exit_code == 0, english.output + chinese.output
    assert sorted(NUMBERS.findall(chinese.stdout)) == sorted(NUMBERS.findall(english.stdout))
    formulas = [line.split("  (")[0] for line in english.stdout.splitlines()
                if line.startswith("  ") and " = " in line
                and line.strip().startswith(("H_out", "L_out", "params", "MACs", "FLOPs"))]
    assert formulas and all(line in chinese.stdout for line in formulas)
    assert "符号" in chinese.stdout and "Symbols" not in chinese.stdout


def test_every_conventions_description_and_receptive_stop_has_a_chinese_translation():
    from cnncalc import counting
    wanted = {text for c in counting.every() for text in (c.title, c.macs_are, c.flops_are)}
    assert sorted(m for m in wanted if not ZH.get(m)) == []


def test_a_chinese_quiz_asks_the_same_questions_with_the_same_key(tmp_path):
    english = runner().invoke(main, ["quiz", "--seed", "11", "--out", str(tmp_path / "en")])
    chinese = runner().invoke(main, ["quiz", "--seed", "11", "--out", str(tmp_path / "zh"),
                                     "--lang", "zh"])
    assert english.exit_code == chinese.exit_code == 0
    assert "已写出学生用的" in chinese.stdout
    for name in ("answers.yaml", "teacher/key.yaml", "teacher/network.yaml"):
        ours = [line for line in (tmp_path / "zh" / name).read_text(encoding="utf-8")
                .splitlines() if not line.startswith("#")]
        theirs = [line for line in (tmp_path / "en" / name).read_text(encoding="utf-8")
                  .splitlines() if not line.startswith("#")]
        assert ours == theirs, name
    sheet = (tmp_path / "zh" / "quiz.md").read_text(encoding="utf-8")
    assert "输出尺寸" in sheet and "For every layer" not in sheet
    page = (tmp_path / "zh" / "quiz.html").read_text(encoding="utf-8")
    assert "<html lang=zh>" in page and "<th>参数量</th>" in page
