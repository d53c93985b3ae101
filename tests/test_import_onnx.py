"""``cnncalc import MODEL.onnx``: ONNX files made here with ``torch.onnx.export`` from the
exported zoo networks read back with the numbers of the original files."""

from __future__ import annotations

import re
import warnings

import pytest

import cnncalc

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")

from cnncalc.errors import UsageError  # noqa: E402
from cnncalc.export import class_name, to_source  # noqa: E402
from cnncalc.importers.model import ImportProblems  # noqa: E402
from cnncalc.importers.onnx import import_onnx  # noqa: E402


def numbers(report):
    return (report.totals.params, report.totals.buffers, report.totals.macs,
            report.layer(report.output).output_shape)


def onnx_file(module, shape, path, **options):
    """``module`` exported by torch.onnx.export (the TorchScript exporter, batch symbolic)."""
    module.eval()
    options.setdefault("do_constant_folding", False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (torch.randn(1, *shape),), str(path), dynamo=False,
                          input_names=["input"], dynamic_axes={"input": {0: "batch"}},
                          **options)
    return path


def exported(zoo_name):
    network = cnncalc.zoo.load(zoo_name)
    namespace: dict = {}
    exec(to_source(network), namespace)
    return network, namespace[class_name(network)]()


#: zoo networks that do not make the round trip yet, and why; each has its own test below
NOT_YET = ("shufflenet_v2_x1_0", "convnext_tiny", "resnet50_fpn")


@pytest.mark.parametrize("zoo_name", [n for n in cnncalc.zoo.names() if n not in NOT_YET])
def test_zoo_round_trip_through_onnx(zoo_name, tmp_path):
    network, module = exported(zoo_name)
    path = onnx_file(module, network.input, tmp_path / f"{zoo_name}.onnx")
    text, notes = import_onnx(str(path))
    assert notes == []
    imported = cnncalc.loads(text, source=f"{zoo_name}.yaml")
    assert numbers(cnncalc.analyze(imported)) == numbers(cnncalc.analyze(network))


def test_torch_cannot_export_a_channel_shuffle_to_onnx(tmp_path):
    network, module = exported("shufflenet_v2_x1_0")
    with pytest.raises(Exception, match="aten::channel_shuffle"):
        onnx_file(module, network.input, tmp_path / "shufflenet.onnx")


@pytest.mark.parametrize("zoo_name, missing", [
    ("convnext_tiny", "node /layernorm2d_1/LayerNormalization (LayerNormalization): "
                      "LayerNormalization is no cnncalc layer type"),
    ("resnet50_fpn", "the graph has 5 outputs; cnncalc networks have one"),
])
def test_what_the_onnx_importer_cannot_read_yet_is_a_listed_error(zoo_name, missing,
                                                                   tmp_path):
    network, module = exported(zoo_name)
    path = onnx_file(module, network.input, tmp_path / f"{zoo_name}.onnx")
    with pytest.raises(ImportProblems, match=re.escape(missing)):
        import_onnx(str(path))


def test_a_folded_export_is_read_as_it_is_with_a_note(tmp_path):
    network, module = exported("resnet18")
    path = onnx_file(module, network.input, tmp_path / "folded.onnx",
                     do_constant_folding=True)
    text, notes = import_onnx(str(path))
    assert len(notes) == 1 and "merged into the convolutions" in notes[0]
    report = cnncalc.analyze(cnncalc.loads(text))
    assert "BatchNorm2d" not in {row.type for row in report.layers}
    assert report.totals.buffers == 0
    original = cnncalc.analyze(network).totals
    assert report.totals.macs == original.macs


class Unsupported(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3)

    def forward(self, x):
        x = self.conv(x)
        return torch.erf(x) * (x + 1)


def test_every_unsupported_node_is_named(tmp_path):
    path = onnx_file(Unsupported(), (3, 16, 16), tmp_path / "bad.onnx")
    with pytest.raises(ImportProblems) as err:
        import_onnx(str(path))
    lines = err.value.lines
    assert any("(Erf): Erf is no cnncalc layer type" in line for line in lines), lines
    assert any("(Add): Add of an activation and a constant" in line for line in lines), lines
    assert all(line.startswith(f"{path}: ") for line in lines)


def test_symbolic_sizes_need_input(tmp_path):
    module = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU())
    path = tmp_path / "dyn.onnx"
    module.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (torch.randn(1, 3, 8, 8),), str(path), dynamo=False,
                          input_names=["input"],
                          dynamic_axes={"input": {0: "batch", 2: "h", 3: "w"}})
    with pytest.raises(UsageError, match="give --input"):
        import_onnx(str(path))
    text, _ = import_onnx(str(path), (3, 32, 32))
    assert cnncalc.analyze(cnncalc.loads(text)).layers[-1].output_shape == (1, 4, 30, 30)
