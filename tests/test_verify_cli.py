"""``cnncalc verify``: the agreement table, the exit statuses (0 agree, 1 disagree, 2 bad input),
and torch staying out of ``import cnncalc`` and of the other commands."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from cli_runner import runner

from cnncalc.cli import main
from cnncalc.layers import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
RESNET18 = str(ROOT / "examples" / "resnet18.yaml")

SMALL = """\
name: small
input: [3, 16, 16]
layers:
  - Conv2d: {out_channels: 8, kernel_size: 3, padding: 1}
  - BatchNorm2d
  - ReLU
  - MaxPool2d: {kernel_size: 2}
  - Flatten
  - Linear: {out_features: 10, name: head}
"""


def run(*args: str):
    return runner().invoke(main, list(args))


@pytest.fixture
def small(tmp_path: Path) -> str:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    return str(path)


def test_resnet18_agrees_in_full():
    result = run("verify", RESNET18)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith('Verifying "')
    assert "torch 2." in lines[0] and "device meta" in lines[0]
    assert "All 69 layers agree with torch" in result.output
    assert "Total MACs 1,814,073,344" in result.output
    table = [line for line in lines if line.startswith("layer1.") or line.startswith("conv1 ")
             or " (Conv2d) " in line]
    assert table and all(line.endswith("✓") for line in table)


def test_every_layer_has_a_row(small):
    result = run("verify", small)
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if line.endswith("✓")]
    assert [row.split()[0] for row in rows] == [
        "conv2d_1", "batchnorm2d_1", "relu_1", "maxpool2d_1", "flatten_1", "head"]
    assert "[1, 8, 16, 16]" in rows[0] and "224" in rows[0]   # 8·(3·9+1) params
    assert rows[1].split()[-3] == "17"                       # BatchNorm2d(8): 2·8+1 buffers


def test_batch_input_and_device_options(small):
    result = run("verify", small, "--batch", "3", "--input", "3x8x8", "--device", "cpu")
    assert result.exit_code == 0, result.output
    assert "device cpu, input [3, 3, 8, 8]" in result.output
    assert "[3, 8, 8, 8]" in result.output
    assert "head (Linear)" in result.output and "[3, 10]" in result.output


def test_a_disagreement_names_the_layer_and_both_numbers(small, monkeypatch):
    import cnncalc.counting.torch as rules

    monkeypatch.setattr(rules, "linear_macs", lambda site: 7)
    result = run("verify", small)
    assert result.exit_code == 1, result.output
    # Linear(512 → 10) on [1, 512]: 5,120 MACs; the network's total is off by as much
    assert result.output.endswith("2 disagreements with torch:\n"
                                  "  head (Linear): MACs: cnncalc 7, torch 5,120\n"
                                  "  whole network: MACs: cnncalc 55,303, torch 60,416\n")
    assert "7 ≠ torch 5,120  ✗" in result.output


def test_a_layer_torch_refuses_is_a_disagreement(small, monkeypatch):
    # cnncalc (made wrong here) passes on a shape that the next layer's twin cannot take
    pool = REGISTRY["MaxPool2d"]
    monkeypatch.setattr(pool, "compute_output_shape", lambda self, shape: (*shape[:2], 3, 3))
    result = run("verify", small)
    assert result.exit_code == 1, result.output
    assert "maxpool2d_1 (MaxPool2d): output shape: cnncalc [1, 8, 3, 3], torch [1, 8, 8, 8]" \
        in result.output
    assert "  head (Linear): torch rejects it: RuntimeError: " in result.output


@pytest.mark.parametrize("args, message", [
    (["verify", "no-such-file.yaml"], "no-such-file.yaml:1:1: no such file"),
    (["verify", "{small}", "--batch", "0"], "Invalid value for '--batch'"),
    (["verify", "{small}", "--input", "3xAx8"], "expected sizes like 3x224x224"),
    (["verify", "{small}", "--input", "3x1x1"], "is larger than the padded input (1)"),
    (["verify", "{small}", "--device", "cuda"], "Invalid value for '--device'"),
])
def test_bad_input_exits_2_without_a_traceback(small, args, message):
    result = run(*[a.format(small=small) for a in args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_layer_name_torch_cannot_use_exits_2(tmp_path):
    path = tmp_path / "named.yaml"
    path.write_text("input: [4]\nlayers:\n  - Linear: {out_features: 2, name: training}\n")
    result = run("verify", str(path))
    assert result.exit_code == 2
    assert "layer name 'training' cannot be a torch module path" in result.output
    assert run("summary", str(path)).exit_code == 0  # only the twin needs module paths


def python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)


def test_cnncalc_and_its_commands_never_import_torch():
    done = python(f"""
        import sys
        import cnncalc, cnncalc.cli
        from click.testing import CliRunner
        report = cnncalc.analyze(cnncalc.load({RESNET18!r}))
        assert report.totals.params == 11_689_512
        for args in (["summary", {RESNET18!r}, "--format", "json"], ["verify", "--help"],
                     ["--help"]):
            result = CliRunner().invoke(cnncalc.cli.main, args)
            assert result.exit_code == 0, result.output
        print(sorted(m for m in sys.modules if m == "torch" or m.startswith("torch.")))
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_verify_without_torch_says_so_in_one_line():
    done = python(f"""
        import sys
        sys.modules["torch"] = None   # what an environment without torch looks like to import
        from cnncalc.cli import main
        main(["verify", {RESNET18!r}])
    """)
    assert done.returncode == 2
    assert done.stderr == ("cnncalc verify needs PyTorch, which is not installed: "
                           "pip install 'cnncalc[torch]'\n")
    assert done.stdout == ""


def test_a_twin_torch_cannot_build_is_a_disagreement(small, monkeypatch):
    from cnncalc.torch import TWINS

    def refuse(**fields):
        raise ValueError(f"no Linear with {fields['out_features']} outputs today")

    monkeypatch.setitem(TWINS, "Linear", refuse)  # the exceptions table wins over torch.nn
    result = run("verify", small)
    assert result.exit_code == 1, result.output
    assert result.output.endswith("1 disagreement with torch:\n  head (Linear): cannot build the"
                                  " twin: ValueError: no Linear with 10 outputs today\n")


def test_twins_are_registered_once():
    from cnncalc.torch import twin_for

    with pytest.raises(TypeError, match="'Add' is registered twice"):
        twin_for("Add")(object)


def test_layers_after_a_refused_one_are_marked_not_run(tmp_path, monkeypatch):
    path = tmp_path / "after.yaml"
    path.write_text(SMALL + "  - ReLU\n")
    pool = REGISTRY["MaxPool2d"]
    monkeypatch.setattr(pool, "compute_output_shape", lambda self, shape: (*shape[:2], 3, 3))
    result = run("verify", str(path))
    assert result.exit_code == 1
    (relu,) = [line for line in result.output.splitlines() if line.startswith("relu_2 ")]
    assert relu.endswith("not run: an earlier layer failed")
    assert "3 disagreements with torch:" in result.output  # the unrun layer is not one of them
