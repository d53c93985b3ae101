"""``cnncalc import package.module:factory``: every zoo network exported to PyTorch source,
traced back by torch.fx, has the numbers of the original file."""

from __future__ import annotations

import sys

import pytest

import cnncalc

torch = pytest.importorskip("torch")

from cnncalc.export import class_name, to_source  # noqa: E402
from attention_models import CROSS, CROSS_ENTRIES, TinyViT, check_tiny_vit  # noqa: E402
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


@pytest.mark.parametrize("zoo_name", cnncalc.zoo.names())
def test_zoo_round_trip_through_torch_fx(zoo_name, module_dir):
    network = cnncalc.zoo.load(zoo_name)
    (module_dir / f"exported_{zoo_name}.py").write_text(to_source(network), encoding="utf-8")
    text = import_factory(f"exported_{zoo_name}:{class_name(network)}", tuple(network.input))
    imported = cnncalc.loads(text, source=f"{zoo_name}.yaml")
    assert numbers(cnncalc.analyze(imported)) == numbers(cnncalc.analyze(network))


def test_a_parameter_is_a_parameter_layer(module_dir):
    """ConvNeXt's layer scale (an fx ``get_attr`` node) is a ``Parameter`` named by its module
    path; a buffer used directly is no layer, and said so."""
    class Scale(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 8, 3)
            self.gamma = torch.nn.Parameter(torch.ones(8, 1, 1))
            self.register_buffer("shift", torch.zeros(8, 1, 1))

        def forward(self, x):
            x = self.conv(x)
            return self.gamma * x, x * self.shift

    with pytest.raises(ImportProblems) as err, torch.device("meta"):
        import_model(Scale(), (3, 8, 8), name="Scale")
    lines = err.value.lines
    assert "node shift (get_attr shift)" in lines[0] and "nn.Parameter" in lines[0], lines
    assert not any("gamma" in line for line in lines), lines
    network = cnncalc.zoo.load("convnext_tiny")
    (module_dir / "exported_cnx.py").write_text(to_source(network), encoding="utf-8")
    text = import_factory(f"exported_cnx:{class_name(network)}", tuple(network.input))
    assert "- Parameter: {name: layer_scale, call: method, shape: $shape}" in text, text
    assert "- Mul: {from: [layer_scale, permute_2], call: method}" in text, text


def test_resnet18_reads_like_a_network_file(module_dir):
    network = cnncalc.zoo.load("resnet18")
    (module_dir / "exported_r18.py").write_text(to_source(network), encoding="utf-8")
    text = import_factory("exported_r18:ResNet18", (3, 224, 224))
    assert "  basic:\n    args: {out: 64}\n" in text          # one definition, parameterised
    assert "- Add: {from: [bn2, input], call: method}" in text
    assert "- Flatten: {call: method}" in text
    assert "in_channels" not in text and "num_features" not in text   # inferred


def test_resnet50_repeats_its_bottlenecks_like_the_zoo_file(module_dir):
    """Consecutive identical instances are one entry with ``repeat``; the layers keep the
    names (module paths) of the zoo file's, and the numbers."""
    network = cnncalc.zoo.load("resnet50")
    (module_dir / "exported_r50.py").write_text(to_source(network), encoding="utf-8")
    text = import_factory("exported_r50:ResNet50", (3, 224, 224))
    for count in (2, 3, 5):   # layer1 and layer4, layer2, layer3
        assert f"repeat: {count}}}" in text, text
    assert "name: bottleneck_" not in text, text
    imported, original = (cnncalc.analyze(n) for n in (cnncalc.loads(text), network))
    assert [row.name for row in imported.layers] == [row.name for row in original.layers]
    assert numbers(imported) == numbers(original)


def test_repeat_only_where_cnncalc_gives_the_same_names():
    """``blocks.0``, ``blocks.1``: names no ``repeat`` gives, kept; ``block_1``, ``block_2``:
    the automatic names, ``stage_1``...: those of ``name: stage``."""
    class Block(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(4, 4, 3, padding=1)

        def forward(self, x):
            return self.conv(x)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = torch.nn.Sequential(Block(), Block())
            self.block = Block()
            self.block_1 = Block()
            self.block_2 = Block()
            self.stage_1 = Block()
            self.stage_2 = Block()
            self.stage_3 = Block()

        def forward(self, x):
            x = self.blocks(x)
            x = self.block(x)
            x = self.block_2(self.block_1(x))
            return self.stage_3(self.stage_2(self.stage_1(x)))

    text = import_model(Net(), (4, 8, 8), name="Net")
    assert '- block: {name: "0"}\n      - block: {name: "1"}\n' in text, text
    assert "- block: {name: block}\n  - block: {repeat: 2}\n" in text, text
    assert "- block: {name: stage, repeat: 3}\n" in text, text
    report = cnncalc.analyze(cnncalc.loads(text))
    assert [row.name for row in report.layers] == [
        "blocks.0.conv", "blocks.1.conv", "block.conv", "block_1.conv", "block_2.conv",
        "stage_1.conv", "stage_2.conv", "stage_3.conv"]




def test_cross_attention_round_trip(module_dir):
    """``attn(q, m, m, need_weights=False)`` (key and value one node) is ``from: [query,
    memory]``, ``attn(q, k, v, ...)`` ``from: [q, k, v]``; the arguments are read from the
    module (``bias``, ``add_bias_kv`` from the tensors it holds; kdim and vdim, which torch
    sets to embed_dim when not given, written when they differ; embed_dim inferred)."""
    network = cnncalc.load(CROSS)
    (module_dir / "exported_cross.py").write_text(to_source(network), encoding="utf-8")
    text = import_factory("exported_cross:CrossAttention", tuple(network.input))
    assert all(entry in text for entry in CROSS_ENTRIES), text
    assert numbers(cnncalc.analyze(cnncalc.loads(text))) == numbers(cnncalc.analyze(network))


def test_attention_and_class_token_as_torchvision_writes_them():
    """``x, _ = attn(x, x, x, need_weights=False)`` is one source; ``attn(q, m, m)[0]`` two;
    ``class_token.expand(n, -1, -1)`` with ``n = x.shape[0]`` is ``expand: batch``."""
    with torch.device("meta"):
        text = import_model(TinyViT(), (3, 8, 8), name="TinyViT")
    check_tiny_vit(text)


class AttentionWeights(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = torch.nn.MultiheadAttention(16, 4, batch_first=True)

    def forward(self, x):
        out, weights = self.attn(x, x, x)
        return out, weights


def test_a_use_of_the_attention_weights_is_a_located_error():
    with pytest.raises(ImportProblems) as err, torch.device("meta"):
        import_model(AttentionWeights(), (5, 16), name="AttentionWeights")
    lines = err.value.lines
    assert "node getitem_1 (call_function operator.getitem): the attention weights of 'attn' " \
           "(its [1], with need_weights=True) are no cnncalc layer" in lines[0], lines
    assert lines[0].startswith("tests/test_import_fx.py:") or "test_import_fx.py:" in lines[0]


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
