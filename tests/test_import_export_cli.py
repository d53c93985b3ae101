"""``cnncalc export`` and ``cnncalc import`` on the command line: files, exit statuses, notes,
and the messages when torch or onnx is missing."""

from __future__ import annotations

import builtins
import subprocess
import sys
import warnings

import pytest
from cli_runner import runner

import cnncalc
from cnncalc.cli import main

torch = pytest.importorskip("torch")

TINY = """
from torch import nn


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        return self.fc(self.conv(x).mean([2, 3]))
"""


def test_export_writes_a_file_that_runs(tmp_path):
    out = tmp_path / "lenet.py"
    result = runner().invoke(main, ["export", "lenet5", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    namespace: dict = {}
    exec(out.read_text(encoding="utf-8"), namespace)
    assert namespace["LeNet5"]()(torch.randn(2, 1, 32, 32)).shape == (2, 10)


def test_export_of_a_broken_file_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("input: [3, 8, 8]\nlayers:\n  - Conv2d: {kernel_size: 3}\n")
    result = runner().invoke(main, ["export", str(bad)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{bad}:3:")


def test_import_of_a_factory_in_a_file(tmp_path, monkeypatch):
    (tmp_path / "tiny.py").write_text(TINY, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = runner().invoke(main, ["import", "tiny.py:Tiny", "--input", "3x16x16",
                                    "-o", "tiny.yaml"])
    assert result.exit_code == 0, result.stderr
    report = cnncalc.analyze(cnncalc.load(tmp_path / "tiny.yaml"))
    assert report.totals.params == 3 * 8 * 9 + 8 + 8 * 10 + 10
    assert [row.type for row in report.layers] == ["Conv2d", "AdaptiveAvgPool2d", "Linear"] \
        or [row.type for row in report.layers] == ["Conv2d", "Mean", "Linear"]


def test_import_needs_input_for_a_torch_model(tmp_path, monkeypatch):
    (tmp_path / "tiny.py").write_text(TINY, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = runner().invoke(main, ["import", "tiny.py:Tiny"])
    assert result.exit_code == 2
    assert "give --input" in result.stderr


def test_import_of_a_missing_module_exits_2():
    result = runner().invoke(main, ["import", "no_such_module_here:make", "--input", "3x8x8"])
    assert result.exit_code == 2
    assert "cannot import 'no_such_module_here'" in result.stderr


def test_a_folded_onnx_export_gives_a_note(tmp_path):
    pytest.importorskip("onnx")
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.BatchNorm2d(8),
                                torch.nn.ReLU()).eval()
    path = tmp_path / "folded.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.randn(1, 3, 8, 8),), str(path), dynamo=False)
    result = runner().invoke(main, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith("Note: ") and "merged into the convolutions" in result.stderr
    assert "- Conv2d: {name: \"0\", out_channels: 8, kernel_size: 3}" in result.stdout
    assert "BatchNorm" not in result.stdout


def test_import_onnx_without_onnx_says_how_to_install(tmp_path, monkeypatch):
    real_import = builtins.__import__

    def no_onnx(name, *args, **kwargs):
        if name == "onnx" or name.startswith("onnx."):
            raise ImportError("no onnx")
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_onnx)
    monkeypatch.delitem(sys.modules, "onnx", raising=False)
    result = runner().invoke(main, ["import", str(tmp_path / "m.onnx")])
    assert result.exit_code == 2
    assert "pip install 'cnncalc[onnx]'" in result.stderr


def test_import_cnncalc_imports_neither_torch_nor_onnx():
    code = ("import sys, cnncalc, cnncalc.export, cnncalc.importers.model, cnncalc.cli; "
            "import cnncalc.cli.export, cnncalc.cli.imports; "
            "print(sorted(m for m in ('torch', 'onnx') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
