"""``cnncalc import MODEL.onnx``: ONNX files made here with ``torch.onnx.export`` from the
exported zoo networks read back with the numbers of the original files."""

from __future__ import annotations

import warnings

import pytest

import cnncalc

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")

from cnncalc.errors import UsageError  # noqa: E402
from cnncalc.export import class_name, to_source  # noqa: E402
from attention_models import CROSS, CROSS_ENTRIES, TinyViT, check_tiny_vit  # noqa: E402
from cnncalc.importers.model import ImportProblems  # noqa: E402
from cnncalc.importers.onnx import import_onnx  # noqa: E402


def numbers(report):
    return (report.totals.params, report.totals.buffers, report.totals.macs,
            tuple(report.layer(name).output_shape for name in report.outputs))


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


#: zoo networks that do not make the round trip yet (each with a test of its error): none
NOT_YET: tuple[str, ...] = ()


@pytest.mark.parametrize("zoo_name", [n for n in cnncalc.zoo.names() if n not in NOT_YET])
def test_zoo_round_trip_through_onnx(zoo_name, tmp_path):
    network, module = exported(zoo_name)
    path = onnx_file(module, network.input, tmp_path / f"{zoo_name}.onnx")
    text, notes = import_onnx(str(path))
    assert notes == []
    imported = cnncalc.loads(text, source=f"{zoo_name}.yaml")
    assert numbers(cnncalc.analyze(imported)) == numbers(cnncalc.analyze(network))


def test_resnet50_repeats_its_bottlenecks_like_the_zoo_file(tmp_path):
    network, module = exported("resnet50")
    text, _ = import_onnx(str(onnx_file(module, network.input, tmp_path / "r50.onnx")))
    for count in (2, 3, 5):
        assert f"repeat: {count}}}" in text, text
    imported, original = (cnncalc.analyze(n) for n in (cnncalc.loads(text), network))
    assert [row.name for row in imported.layers] == [row.name for row in original.layers]
    assert numbers(imported) == numbers(original)


class Sequenced(torch.nn.Module):
    """Layers held in nn.Sequential (nested) as torchvision holds them: the TorchScript
    exporter names their nodes ``/features/features.0/Conv``, ``/features/features.2/
    features.2.0/Conv``."""

    def __init__(self) -> None:
        super().__init__()
        nn = torch.nn
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8),
            nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.ReLU()), nn.Conv2d(8, 4, 1))
        self.head = nn.Linear(4, 10)

    def forward(self, x):
        return self.head(self.features(x).mean([2, 3]))


def test_layers_in_sequentials_are_named_relative_to_their_block(tmp_path):
    module = Sequenced()
    text, _ = import_onnx(str(onnx_file(module, (3, 16, 16), tmp_path / "seq.onnx")))
    report = cnncalc.analyze(cnncalc.loads(text, source="seq.yaml"))   # names without dots
    assert [row.name for row in report.layers if row.type == "Conv2d"] == [
        "features.0", "features.2.0", "features.3"]
    assert (report.totals.params, report.totals.buffers) == (
        sum(p.numel() for p in module.parameters()), sum(b.numel() for b in module.buffers()))


class TorchvisionResNet50(torch.nn.Module):
    """torchvision's resnet50 as its source writes it (tests/zoo_torch_references.py's
    transcription of the body): stages are nn.Sequential of Bottlenecks, so the exporter's
    node names are ``/layer1/layer1.0/conv1/Conv``."""

    def __init__(self) -> None:
        super().__init__()
        from zoo_torch_references import ResNetBody

        body = ResNetBody(norm_layer=torch.nn.BatchNorm2d)
        for name in ("conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4"):
            setattr(self, name, getattr(body, name))
        self.avgpool = torch.nn.AdaptiveAvgPool2d(1)
        self.fc = torch.nn.Linear(2048, 1000)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def test_torchvisions_resnet50_reads_back_with_the_zoos_numbers(tmp_path):
    """Issue 15's done-when, on the transcription (torchvision cannot be installed here)."""
    text, notes = import_onnx(str(onnx_file(TorchvisionResNet50(), (3, 224, 224),
                                            tmp_path / "resnet50.onnx")))
    assert notes == []
    imported = cnncalc.analyze(cnncalc.loads(text, source="resnet50.yaml"))
    assert numbers(imported) == numbers(cnncalc.analyze(cnncalc.zoo.load("resnet50")))
    assert "layer1.0.conv1" in [row.name for row in imported.layers]


def test_a_channel_shuffle_is_read_back_as_one(tmp_path):
    """torch.onnx.export cannot write ``aten::channel_shuffle``: the exported source writes it
    out (view, transpose, reshape), which the importer reads as ``ChannelShuffle``."""
    network, module = exported("shufflenet_v2_x1_0")
    text, _ = import_onnx(str(onnx_file(module, network.input, tmp_path / "shuffle.onnx")))
    assert text.count("- ChannelShuffle: {groups: 2}") == 2, text   # in its two blocks
    assert "Permute" not in text and "Unflatten" not in text
    imported, original = (cnncalc.analyze(n) for n in (cnncalc.loads(text), network))
    assert [row.type for row in imported.layers].count("ChannelShuffle") == 16
    assert numbers(imported) == numbers(original)


def test_resnet50_fpn_outputs_and_frozen_batch_norms(tmp_path):
    """The graph's five outputs are the file's ``outputs:``; FrozenBatchNorm2d, which ONNX
    writes as arithmetic on its four buffers (``x * scale + shift``), is one again."""
    network, module = exported("resnet50_fpn")
    text, notes = import_onnx(str(onnx_file(module, network.input, tmp_path / "fpn.onnx")))
    assert notes == []
    assert "outputs: [p2, p3, p4, p5, pool]\n" in text, text
    assert "- FrozenBatchNorm2d: {name: bn1}\n" in text, text
    imported, original = (cnncalc.analyze(n) for n in (cnncalc.loads(text), network))
    assert [row.type for row in imported.layers].count("FrozenBatchNorm2d") == 53
    assert imported.outputs == original.outputs
    assert numbers(imported) == numbers(original)
    # ONNX does not say which parameters were frozen: all are trainable here
    assert imported.totals.trainable_params == original.totals.params


def test_convnext_layer_norms_and_layer_scale(tmp_path):
    """LayerNormalization is ``LayerNorm``; between the two Transposes of torchvision's
    LayerNorm2d, ``LayerNorm2d``; a model tensor times an activation (the layer scale), a
    ``Parameter`` and a ``Mul``; StochasticDepth is nothing in an eval export."""
    network, module = exported("convnext_tiny")
    text, _ = import_onnx(str(onnx_file(module, network.input, tmp_path / "cnx.onnx")))
    assert "- LayerNorm: {normalized_shape: $normalized_shape, eps: 1e-06}" in text, text
    assert text.count("- LayerNorm2d: {eps: 1e-06}") == 3, text
    assert "- Parameter: {name: layer_scale, call: method, shape: $shape}" in text, text
    assert "- Mul: {from: [layer_scale, permute_2], call: method}" in text, text
    imported, original = (cnncalc.analyze(n) for n in (cnncalc.loads(text), network))
    assert numbers(imported) == numbers(original)
    assert imported.totals.trainable_params == original.totals.trainable_params
    assert {row.type for row in original.layers} - {row.type for row in imported.layers} \
        == {"StochasticDepth"}


def test_a_constant_of_the_export_is_no_parameter(tmp_path):
    class Scaled(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 4, 3)
            self.gamma = torch.nn.Parameter(torch.ones(4, 1, 1))

        def forward(self, x):
            x = self.conv(x)
            return self.gamma * x + torch.full((4, 1, 1), 2.0)

    path = onnx_file(Scaled(), (3, 8, 8), tmp_path / "scaled.onnx")
    with pytest.raises(ImportProblems) as err:
        import_onnx(str(path))
    lines = err.value.lines
    assert "(Add): Add of an activation and a constant" in lines[0], lines
    assert not any("(Mul)" in line for line in lines), lines   # gamma: a Parameter


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




def test_cross_attention_round_trip(tmp_path):
    """The nodes ONNX writes for each nn.MultiheadAttention (projections, reshapes to heads,
    the two products, softmax, output projection) are one MultiheadAttention again: its
    sources by what the scores and the product with v are computed from, kdim and vdim from
    the three projection weights, bias and add_bias_kv from its tensors, add_zero_attn from the
    zeros put after the key, the heads from the reshape to heads (need_weights=False and True
    write them differently)."""
    network = cnncalc.load(CROSS)
    namespace: dict = {}
    exec(to_source(network), namespace)  # noqa: S102 - the exported source, made here
    module = namespace[class_name(network)]()
    text, notes = import_onnx(str(onnx_file(module, network.input, tmp_path / "cross.onnx")))
    assert notes == []
    assert all(entry in text for entry in CROSS_ENTRIES), text
    assert numbers(cnncalc.analyze(cnncalc.loads(text))) == numbers(cnncalc.analyze(network))


def test_class_token_and_attention_as_torchvision_writes_them(tmp_path):
    """The class token, an Expand of a model tensor to sizes from the input's Shape, is a
    ``Parameter`` with ``expand: batch`` joined by the Concat; self-attention is one source."""
    text, _ = import_onnx(str(onnx_file(TinyViT(), (3, 8, 8), tmp_path / "vit.onnx")))
    check_tiny_vit(text)


class AttentionWeights(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = torch.nn.MultiheadAttention(16, 4, batch_first=True)

    def forward(self, x):
        return self.attn(x, x, x)   # the output and the weights


def test_returned_attention_weights_are_a_located_error(tmp_path):
    path = onnx_file(AttentionWeights(), (5, 16), tmp_path / "weights.onnx")
    with pytest.raises(ImportProblems) as err:
        import_onnx(str(path))
    assert err.value.lines == [
        f"{path}: nodes /attn/* (nn.MultiheadAttention attn): its nodes return 2 values, not "
        "one; cnncalc's MultiheadAttention is the output [0] alone (the attention weights, "
        "need_weights=True, are no layer)"]


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
