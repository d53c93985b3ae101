"""First contact (issue 16): what a newcomer meets first, in their own words.

- Wide characters: a layer named 卷积层1 keeps the table's columns aligned.
- Suggestions that fit: an unknown type gets the sibling that takes the incoming shape
  (``MaxPool`` → ``MaxPool2d`` on ``[C, H, W]``), Keras's names get PyTorch's (every entry of
  :mod:`cnncalc.keras_names` is run here), a missing file gets the near file of its folder.
- 3-D working: ``D`` is the depth, ``d`` the dilation.
"""

from __future__ import annotations

import inspect
import re

import pytest
import tabulate
from wcwidth import wcswidth

import cnncalc
from cnncalc.cli import main
from cnncalc.errors import NetworkError
from cnncalc.keras_names import ACTIVATIONS, ARGUMENTS, LAYERS
from cnncalc.layers import REGISTRY
from cnncalc.suggest import keras_types, near_files, spatial_dims
from cnncalc.teach import explain


def runner():
    from click.testing import CliRunner
    return CliRunner(mix_stderr=False) if "mix_stderr" in inspect.signature(CliRunner).parameters \
        else CliRunner()


def problems(text: str) -> list[str]:
    """The messages of loading and analysing a network file's text (none when it is right)."""
    try:
        cnncalc.analyze(cnncalc.loads(text, source="net.yaml"))
    except NetworkError as err:
        return [str(p) for p in err.problems]
    return []


def network(input_shape: list[int], *layers: str) -> str:
    return f"input: {input_shape}\nlayers:\n" + "".join(f"  - {layer}\n" for layer in layers)


# -- wide characters ---------------------------------------------------------------------------

WIDE = network([3, 16, 16],
               "Conv2d: {name: 卷积层1, out_channels: 4, kernel_size: 3, padding: 1}",
               "ReLU: {name: 激活}",
               "Conv2d: {out_channels: 4, kernel_size: 3, padding: 1, name: 합성곱}",
               "Add: {from: [激活, 합성곱], name: 加算する}",
               "MaxPool2d: {kernel_size: 2, name: プーリング}",
               "Flatten",
               "Linear: {out_features: 10}")


def test_tabulate_measures_wide_characters():
    assert tabulate.WIDE_CHARS_MODE  # wcwidth is installed with cnncalc, so tabulate uses it
    assert wcswidth("卷积层1") == 7


def _cells(line: str) -> list[tuple[int, int]]:
    """(first, last + 1) display columns of each cell: runs separated by two or more spaces."""
    return [(wcswidth(line[:m.start()]), wcswidth(line[:m.end()]))
            for m in re.finditer(r"\S+(?: \S+)*", line)]


def test_table_columns_align_by_display_width():
    report = cnncalc.analyze(cnncalc.loads(WIDE))
    lines = report.table().splitlines()
    rules = [i for i, line in enumerate(lines) if set(line) == {"═"}]
    header, rows = lines[rules[0] - 1], lines[rules[0] + 1:rules[1]]
    assert len(rows) == 7 and any(ord(c) > 0x2E80 for c in "".join(rows))
    left = {0, 1, 5}  # Layer (type), Output Shape, Connected to; the counts align right
    expected = _cells(header)
    assert len(expected) == 6
    for row in rows:
        cells = _cells(row)
        assert len(cells) == len(expected), row
        for i, ((start, end), (head_start, head_end)) in enumerate(zip(cells, expected)):
            if i in left:
                assert start == head_start, (row, i)
            else:
                assert end == head_end, (row, i)
    widest = max(wcswidth(line) for line in [header, *rows])
    for i, line in enumerate(lines):
        if set(line) <= {"─", "═"} and line:
            assert len(line) == widest, f"rule line {i} is {len(line)} wide, the table {widest}"


def test_markdown_pipes_align_by_display_width():
    markdown = cnncalc.analyze(cnncalc.loads(WIDE)).markdown()
    table = [line for line in markdown.splitlines() if line.startswith("|")]
    assert len(table) == 9
    pipes = {tuple(wcswidth(line[:i]) for i, c in enumerate(line) if c == "|") for line in table}
    assert len(pipes) == 1, "\n".join(table)


def test_summary_command_aligns_wide_names(tmp_path):
    path = tmp_path / "wide.yaml"
    path.write_text(WIDE, encoding="utf-8")
    result = runner().invoke(main, ["summary", str(path)])
    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if "(Conv2d)" in line]
    assert len({_cells(row)[1][0] for row in rows}) == 1  # Output Shape starts in one column


# -- suggestions that fit the incoming shape ---------------------------------------------------

@pytest.mark.parametrize("shape, before, word, expected", [
    ([3, 32], [], "MaxPool", "MaxPool1d"),
    ([3, 32, 32], [], "MaxPool", "MaxPool2d"),
    ([3, 8, 32, 32], [], "MaxPool", "MaxPool3d"),
    ([3, 32], [], "Conv", "Conv1d"),
    ([3, 32, 32], [], "Conv", "Conv2d"),
    ([3, 8, 32, 32], [], "Conv", "Conv3d"),
    ([3, 32, 32], [], "AvgPool", "AvgPool2d"),
    ([3, 8, 32, 32], [], "AvgPool", "AvgPool3d"),
    ([3, 32, 32], [], "BatchNorm", "BatchNorm2d"),
    ([3, 32], [], "BatchNorm", "BatchNorm1d"),
    ([3, 32, 32], ["Flatten", "Linear: {out_features: 8}"], "BatchNorm", "BatchNorm1d"),
    ([3, 32, 32], [], "ConvTranspose", "ConvTranspose2d"),
    ([3, 32], [], "ConvTranspose", "ConvTranspose1d"),
    ([3, 32, 32], [], "AdaptiveAvgPool", "AdaptiveAvgPool2d"),
    ([3, 8, 32, 32], [], "InstanceNorm", "InstanceNorm3d"),
    ([3, 32, 32], [], "ReflectionPad", "ReflectionPad2d"),
    # the incoming shape, not the network's input: [3, 32] unflattened to [3, 4, 8]
    ([3, 32], ["Unflatten: {dim: 2, unflattened_size: [4, 8]}"], "MaxPool", "MaxPool2d"),
    ([3, 32, 32], [], "Conv1", "Conv1d"),   # a digit written wins over the input's
])
def test_unknown_type_suggests_the_sibling_for_the_incoming_rank(shape, before, word, expected):
    found = problems(network(shape, *before, f"{word}: {{}}"))
    assert len(found) == 1, found
    assert f"unknown layer type {word!r}; did you mean {expected!r}?" in found[0]


def test_unknown_type_inside_a_block_uses_the_block_input():
    text = """input: [3, 16, 16]
blocks:
  head:
    layers:
      - Flatten
      - BatchNorm
layers:
  - Conv2d: {out_channels: 4, kernel_size: 3}
  - head
  - MaxPool
"""
    found = problems(text)
    assert "did you mean 'BatchNorm1d'?" in found[0]
    assert "did you mean 'MaxPool2d'?" in found[1]  # after a broken block: the input's rank


def test_case_and_typo_suggestions_are_unchanged():
    found = problems(network([3, 32, 32], "Conv2D: {out_channels: 4, kernel_size: 3}", "Relu",
                             "MaxPool2d: {kernel_size: 2, strides: 2}"))
    assert "unknown layer type 'Conv2D'; did you mean 'Conv2d'?" in found[0]
    assert "unknown layer type 'Relu'; did you mean 'ReLU'?" in found[1]
    assert "unknown argument 'strides'; did you mean 'stride'?" in found[2]


# -- Keras's names: every entry of the table -----------------------------------------------------

def _rank_for(name: str) -> list[int]:
    """An input that the Keras type's dims name (1D, 2D, 3D), else [C, H, W]."""
    if "1D" in name:
        return [4, 16]
    if "3D" in name:
        return [4, 8, 8, 8]
    return [4, 8, 8]


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_keras_layer_type_gets_pytorchs(name):
    shape = _rank_for(name)
    types = keras_types(name, rank=len(shape) + 1)
    assert types is not None
    for torch_type in types:
        assert torch_type in REGISTRY, f"{name} → {torch_type}, no such layer type"
    found = problems(network(shape, f"{name}: {{}}"))
    assert len(found) == 1 and f"unknown layer type {name!r}" in found[0], found
    for torch_type in types:
        assert torch_type in found[0]
    if name.lower() in {t.lower() for t in REGISTRY}:
        assert f"did you mean {types[0]!r}?" in found[0]   # only the case differs
    else:
        assert f"{name} is Keras's name: in PyTorch" in found[0]
    if not types:
        assert "'input:' key" in found[0]


@pytest.mark.parametrize("shape, expected", [
    ([16], "BatchNorm1d"), ([4, 16], "BatchNorm1d"), ([4, 8, 8], "BatchNorm2d"),
    ([4, 8, 8, 8], "BatchNorm3d")])
def test_batch_normalization_by_the_incoming_rank(shape, expected):
    found = problems(network(shape, "BatchNormalization"))
    assert f"in PyTorch it is {expected!r}" in found[0]
    assert "momentum 0.01" in found[0]


def test_global_pooling_says_adaptive_pool_and_flatten():
    found = problems(network([4, 8, 8], "GlobalAveragePooling2D", "GlobalMaxPooling2D"))
    assert "'AdaptiveAvgPool2d: {output_size: 1}' followed by 'Flatten'" in found[0]
    assert "'AdaptiveMaxPool2d: {output_size: 1}' followed by 'Flatten'" in found[1]


@pytest.mark.parametrize("keras, torch_type", sorted(ACTIVATIONS.items()))
def test_keras_activation_layer_names_the_activation(keras, torch_type):
    assert torch_type in REGISTRY
    mapping = problems(network([4, 8, 8], f"Activation: {{activation: {keras}}}"))
    scalar = problems(network([4, 8, 8], f"Activation: {keras}"))
    for found in (mapping, scalar):
        assert len(found) == 1 and f"such as '- {torch_type}'" in found[0], found
    assert "unknown layer type 'Activation'" in mapping[0]
    assert "a layer's arguments are a mapping" in scalar[0]


# The smallest right arguments of each example layer of keras_names.ARGUMENTS.
BASE = {
    "Conv2d": {"out_channels": 4, "kernel_size": 3},
    "Linear": {"out_features": 4},
    "MaxPool2d": {"kernel_size": 2},
    "Dropout": {"p": 0.5},
    "Softmax": {"dim": 1},
    "BatchNorm2d": {},
    "Unflatten": {"dim": 1, "unflattened_size": [2, 2]},
    "Upsample": {"scale_factor": 2, "mode": "nearest"},
    "LeakyReLU": {"negative_slope": 0.1},
}


@pytest.mark.parametrize("key", sorted(ARGUMENTS))
def test_keras_argument_gets_pytorchs(key):
    advice = ARGUMENTS[key]
    assert advice.layer in REGISTRY
    fields = REGISTRY[advice.layer].model_fields
    assert key not in fields
    if advice.torch is not None:
        assert advice.torch in fields, f"{key} → {advice.torch}, not in {advice.layer}"
    args = {k: v for k, v in BASE[advice.layer].items() if k != advice.torch}
    args[key] = BASE[advice.layer].get(advice.torch, "relu" if key == "activation" else 1)
    shape = [4, 8, 8] if advice.layer != "Linear" else [4]
    if advice.layer == "Unflatten":
        shape = [4, 8]
    entry = f"{advice.layer}: {{{', '.join(f'{k}: {v}' for k, v in args.items())}}}"
    found = problems(network(shape, entry))
    assert len(found) == 1, found  # no 'missing required argument' for the one Keras renamed
    assert f"unknown argument {key!r}; " in found[0]
    if advice.torch is not None:
        assert f"{advice.torch!r}" in found[0].split("(expected")[0]
    else:
        assert advice.note.split(":")[0] in found[0]


@pytest.mark.parametrize("value, says", [
    ("relu", "add '- ReLU' after this layer"), ("sigmoid", "add '- Sigmoid' after this layer"),
    ("swish", "add '- SiLU' after this layer"), ("nonsense", "add '- ReLU' after this layer"),
    ("linear", "a linear activation is none: drop it"), ("null", "drop it")])
def test_activation_argument_says_add_the_layer(value, says):
    found = problems(network([3, 8, 8], "Conv2d: {out_channels: 32, kernel_size: 3, "
                                        f"activation: {value}}}"))
    assert len(found) == 1
    assert "PyTorch layers take no activation argument" in found[0] and says in found[0]


def test_keras_argument_for_a_layer_without_its_counterpart_falls_back():
    # units is out_features, which Conv2d does not take: no Keras hint there
    found = problems(network([3, 8, 8], "Conv2d: {out_channels: 4, kernel_size: 3, units: 2}"))
    assert "Keras" not in found[0]


def test_keras_arguments_from_python():
    with pytest.raises(cnncalc.CnncalcError, match="Keras's 'filters' is 'out_channels'"):
        cnncalc.analyze(cnncalc.Network(input=[3, 8, 8], layers=[
            {"Conv2d": {"filters": 4, "kernel_size": 3}}]))


def test_spatial_dims_clamps():
    assert [spatial_dims(r) for r in (1, 2, 3, 4, 5, 6)] == [1, 1, 1, 2, 3, 3]


# -- a near file of the same folder ------------------------------------------------------------

LENET = network([1, 8, 8], "Conv2d: {out_channels: 2, kernel_size: 3}")


@pytest.mark.parametrize("present, asked, suggested", [
    ("mnist.yaml", "mnist.yml", "mnist.yaml"),
    ("resnet18.yaml", "restnet18.yaml", "resnet18.yaml"),   # before the zoo's resnet18
    ("my_net.yml", "my_nte.yml", "my_net.yml"),
])
def test_missing_file_suggests_a_near_file(tmp_path, monkeypatch, present, asked, suggested):
    (tmp_path / present).write_text(LENET)
    monkeypatch.chdir(tmp_path)
    result = runner().invoke(main, ["summary", asked])
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"{asked}:1:1: no such file, nor a zoo network of that "
                                     f"name; did you mean {suggested!r}?")
    nested = runner().invoke(main, ["summary", str(tmp_path / asked)])
    assert f"did you mean {str(tmp_path / suggested)!r}?" in nested.stderr


def test_missing_file_without_a_near_file_suggests_the_zoo(tmp_path, monkeypatch):
    (tmp_path / "unrelated.yaml").write_text(LENET)
    monkeypatch.chdir(tmp_path)
    result = runner().invoke(main, ["summary", "restnet18.yaml"])
    assert "did you mean 'resnet18'?" in result.stderr


def test_near_files_only_network_files_and_closest_only(tmp_path):
    for name in ("resnet18.yaml", "resnet34.yaml", "resnet18.txt", "notes.yaml"):
        (tmp_path / name).write_text(LENET)
    (tmp_path / "resnet18.json").mkdir()   # a folder is no file
    assert near_files(tmp_path / "restnet18.yaml") == [str(tmp_path / "resnet18.yaml")]
    assert near_files(tmp_path / "resnet18.yml") == [str(tmp_path / "resnet18.yaml")]
    assert near_files(tmp_path / "missing" / "resnet18.yaml") == []
    assert near_files(tmp_path / "zzzz.yaml") == []


# -- 3-D working: D the depth, d the dilation --------------------------------------------------

def test_three_d_working_keeps_depth_and_dilation_apart():
    net = cnncalc.loads(network(
        [3, 16, 32, 32],
        "Conv3d: {name: conv, out_channels: 8, kernel_size: 3, dilation: [1, 2, 2], padding: same}",
        "MaxPool3d: {name: max, kernel_size: 2, dilation: 2}",
        "AvgPool3d: {name: avg, kernel_size: [1, 2, 2]}",
        "ConvTranspose3d: {name: up, out_channels: 4, kernel_size: 2, stride: 2, dilation: 2}"))
    text = explain(net).text()
    assert "d dilation" in text and "L/D/H/W length/depth/height/width" in text
    assert not re.search(r"\bD·", text)   # D is never a factor: it is a size, D_in or D_out
    conv = explain(net).layer("conv").text()
    assert "D_out = floor((D_in + 2P − d·(K−1) − 1) / S) + 1 = " \
           "floor((16 + 2 − 2 − 1) / 1) + 1 = 16" in conv
    assert "padding same: total d·(K−1) per dimension" in conv
    assert "RF D size = r + d·(K−1)·j" in conv
    pool = explain(net).layer("max").text()
    assert "D_out = floor((D_in + 2P − d·(K−1) − 1) / S) + 1" in pool
    assert "D_out = floor((D_in + 2P − K) / S) + 1" in explain(net).layer("avg").text()
    up = explain(net).layer("up").text()
    assert "D_out = H_out = W_out = (D_in − 1) · S − 2P + d·(K−1) + output_padding + 1" in up
