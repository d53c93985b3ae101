"""``cnncalc import package.module:factory``: every zoo network exported to PyTorch source,
traced back by torch.fx, has the numbers of the original file."""

from __future__ import annotations

import sys

import pytest

import cnncalc

torch = pytest.importorskip("torch")

from cnncalc.export import class_name, to_source  # noqa: E402
from cnncalc.importers.fx import import_factory, import_model  # noqa: E402
from cnncalc.importers.model import ImportProblems  # noqa: E402


def numbers(report):
    return (report.totals.params, report.totals.trainable_params, report.totals.buffers,
            report.totals.macs,
            tuple(report.layer(name).output_shape for name in report.outputs),
            len(report.layers))


@pytest.fixture
def module_dir(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in [n for n in sys.modules if n.startswith("exported_")]:
        del sys.modules[name]


@pytest.mark.parametrize("zoo_name", [n for n in cnncalc.zoo.names() if n != "convnext_tiny"])
def test_zoo_round_trip_through_torch_fx(zoo_name, module_dir):
    network = cnncalc.zoo.load(zoo_name)
    (module_dir / f"exported_{zoo_name}.py").write_text(to_source(network), encoding="utf-8")
    text = import_factory(f"exported_{zoo_name}:{class_name(network)}", tuple(network.input))
    imported = cnncalc.loads(text, source=f"{zoo_name}.yaml")
    assert numbers(cnncalc.analyze(imported)) == numbers(cnncalc.analyze(network))


def test_a_parameter_is_not_imported_from_fx_yet(module_dir):
    """ConvNeXt's layer scale is an fx ``get_attr`` node, which the importer reports."""
    network = cnncalc.zoo.load("convnext_tiny")
    (module_dir / "exported_convnext_tiny.py").write_text(to_source(network), encoding="utf-8")
    with pytest.raises(Exception, match="get_attr"):
        import_factory(f"exported_convnext_tiny:{class_name(network)}", tuple(network.input))


def test_resnet18_reads_like_a_network_file(module_dir):
    network = cnncalc.zoo.load("resnet18")
    (module_dir / "exported_r18.py").write_text(to_source(network), encoding="utf-8")
    text = import_factory("exported_r18:ResNet18", (3, 224, 224))
    assert "  basic:\n    args: {out: 64}\n" in text          # one definition, parameterised
    assert "- Add: {from: [bn2, input], call: method}" in text
    assert "- Flatten: {call: method}" in text
    assert "in_channels" not in text and "num_features" not in text   # inferred


class Unsupported(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3)
        self.lstm_like = torch.nn.Bilinear(4, 4, 4)

    def forward(self, x):
        x = self.conv(x)
        x = torch.erf(x)
        return x.transpose(2, 3) * 2


def test_unsupported_nodes_are_each_reported():
    with pytest.raises(ImportProblems) as err:
        import_model(Unsupported(), (3, 16, 16), name="Unsupported", source="m:Unsupported")
    lines = err.value.lines
    assert any("node erf (call_function torch.erf)" in line and "no cnncalc layer type" in line
               for line in lines), lines
    assert any("node transpose" in line and "x.transpose(...)" in line for line in lines), lines
    # located at the line of the model's code that made the node
    assert all(line.startswith("tests/test_import_fx.py:") or "test_import_fx.py:" in line
               for line in lines), lines
