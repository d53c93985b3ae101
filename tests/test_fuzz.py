"""Fuzzing the loader, the graph builder and the analysis with broken network files.

Valid network files are mutated (keys dropped, renamed and retyped, values replaced, entries
duplicated, the text cut and spliced) and random networks are made from the layer registry.
Whatever comes out, cnncalc must answer with a Report or with its own error (CnncalcError),
located in the file, one line per problem, quickly: never another exception, never a hang.

Under CI=true the tests here run more than 5,000 cases in all (CASES per test).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cnncalc
from cnncalc.errors import CnncalcError, NetworkError
from cnncalc.layers import REGISTRY
from design_networks import BASIC_BLOCK, BASIC_DOWN_BLOCK, VGG_EXCERPT

CASES = 900 if os.environ.get("CI") else 50   # 6 tests: 5,400 cases in CI
fuzz = settings(max_examples=CASES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

DESIGN_RESNET = """\
name: ResNet-18 (excerpt)
input: [3, 64, 64]
blocks:
""" + BASIC_BLOCK + BASIC_DOWN_BLOCK + """\
layers:
  - Conv2d: {out_channels: 64, kernel_size: 7, stride: 2, padding: 3, bias: false}
  - BatchNorm2d
  - ReLU
  - MaxPool2d: {kernel_size: 3, stride: 2, padding: 1}
  - basic: {out: 64, repeat: 2}
  - basic_down: {out: 128}
  - basic: {out: 128, trainable: false}
  - Conv2d: {name: side, from: input, out_channels: 8, kernel_size: [3, 5], dilation: 2, groups: 1}
  - ConvTranspose2d: {out_channels: 4, kernel_size: 4, stride: 2, padding: 1, output_padding: 1}
  - Concat: {from: [side, side], dim: 1}
"""

DESIGN_ANCHORS = """\
input: [16, 100]
layers:
  - Conv1d: &conv {kernel_size: 3, padding: 1, out_channels: 32}
  - Conv1d: {<<: *conv, out_channels: 32, name: c2}
  - Mul: {from: [c2, c2]}
  - Flatten: {start_dim: 1}
  - Linear: {out_features: 10}
  - Softmax: {dim: 1}
"""

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SEEDS = [VGG_EXCERPT, DESIGN_RESNET, DESIGN_ANCHORS] + [
    (EXAMPLES / f"{name}.yaml").read_text(encoding="utf-8")
    for name in ("lenet5", "mnist_cnn", "mobilenet_v2", "shufflenet_v2_x1_0", "m5", "unet")
    if (EXAMPLES / f"{name}.yaml").exists()]
SOURCE = "fuzz.yaml"
LOCATED = re.compile(r"fuzz\.yaml:[1-9]\d*:[1-9]\d*: ")


def check(text: str) -> None:
    """cnncalc's whole pipeline on ``text``: a Report, or its own located error."""
    try:
        report = cnncalc.analyze(cnncalc.loads(text, source=SOURCE))
    except NetworkError as err:
        assert err.problems
        for problem in err.problems:
            line = str(problem)
            assert "\n" not in line and line.strip(), line
            assert problem.position is not None and problem.position.file == SOURCE, line
            assert LOCATED.match(line), line
            assert "Traceback" not in line and "object at 0x" not in line, line
    except CnncalcError as err:
        assert str(err).strip()
    else:
        assert all(type(n) is int for row in report.layers
                   for n in (row.params, row.buffers, row.macs, *row.output_shape))


# -- values and keys ---------------------------------------------------------------------------

WORDS = ["same", "valid", "zeros", "reflect", "circular", "none", "tanh", "input", "bn2",
         "side", "c2", "down", "$out", "$stride", "$nope", "$", "ReLU", "Conv2d", "basic",
         "nearest", "bilinear", "", " ", "a.b", "x" * 200]
KEYS = sorted({name for cls in REGISTRY.values() for name in cls.model_fields}
              | {"name", "from", "repeat", "trainable", "if", "args", "layers", "blocks",
                 "input", "kernal_size", "<<", "out", "stride"})
TYPES = sorted(REGISTRY) + ["basic", "basic_down", "Conv2D", "conv2d", "Nope"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 300), st.integers(),
    st.integers(10**15, 10**40), st.integers(10**17, 10**18 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(WORDS), st.text(max_size=8))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.dictionaries(st.sampled_from(KEYS), inner, max_size=3)),
    max_leaves=10)
keys = st.one_of(st.sampled_from(KEYS), st.sampled_from(TYPES), st.text(max_size=8),
                 st.integers(-1, 3), st.none(), st.booleans())


def paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in ``data``: a tuple of keys and indices."""
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found += paths(value, prefix + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += paths(value, prefix + (index,))
    return found


def parent_of(data: Any, path: tuple) -> Any:
    for step in path[:-1]:
        data = data[step]
    return data


@st.composite
def mutated(draw) -> str:
    """A seed network file with one to four structural mutations."""
    data = yaml.safe_load(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        places = paths(data)[1:]
        if not places:
            break
        path = draw(st.sampled_from(places))
        parent, last = parent_of(data, path), path[-1]
        action = draw(st.sampled_from(["drop", "rename", "retype", "duplicate", "swap_type",
                                       "wrap"]))
        if action == "drop":
            del parent[last]
        elif action == "rename" and isinstance(parent, dict):
            new_key = draw(keys)
            if new_key not in parent:
                parent[new_key] = parent.pop(last)
        elif action == "duplicate" and isinstance(parent, list):
            parent.insert(last, parent[last])
        elif action == "swap_type" and isinstance(parent, dict) and len(parent) == 1:
            parent[draw(st.sampled_from(TYPES))] = parent.pop(last)
        elif action == "wrap":
            parent[last] = [parent[last]] if draw(st.booleans()) else {draw(keys): parent[last]}
        else:
            parent[last] = draw(values)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


YAML_BITS = [":", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "!!python/object:os.system ",
             "!x ", "'", '"', "#", "\n", "  ", "\t", "|", ">", "? ", "---\n", "<<: *a", "%",
             "@", "`", "\x00", "\u00e9", "$out", "1e9", "-1", "0x10", "~", "null"]


@st.composite
def spliced(draw) -> str:
    """A seed file's text, cut, spliced and sprinkled with YAML's special characters."""
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "repeat_line", "indent"]))
        if action == "insert":
            text = text[:at] + draw(st.sampled_from(YAML_BITS) | st.text(max_size=3)) + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)):]
        else:
            lines = text.split("\n")
            i = draw(st.integers(0, len(lines) - 1))
            if action == "repeat_line":
                lines.insert(i, lines[i])
            else:
                lines[i] = draw(st.sampled_from([" ", "  ", "    "])) + lines[i]
            text = "\n".join(lines)
    return text


@st.composite
def random_network(draw) -> str:
    """A network of random layer types with random (often wrong) arguments and wiring."""
    layers = []
    names = ["input"]
    for index in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(TYPES))
        fields = list(REGISTRY[kind].model_fields) if kind in REGISTRY else KEYS[:5]
        args = {}
        for field in draw(st.lists(st.sampled_from(fields + ["from", "name"]), max_size=4,
                                   unique=True)):
            if field == "from":
                args[field] = draw(st.sampled_from(names) | st.lists(st.sampled_from(names),
                                                                     min_size=1, max_size=3))
            elif field == "name":
                args[field] = f"n{index}"
                names.append(f"n{index}")
            else:
                args[field] = draw(st.integers(0, 9) | st.lists(st.integers(0, 9), max_size=3)
                                   | values)
        layers.append({kind: args} if args or draw(st.booleans()) else kind)
    rank = draw(st.integers(1, 4))
    data = {"input": draw(st.lists(st.integers(1, 40), min_size=rank, max_size=rank)
                          | values), "layers": layers}
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


# Every tag YAML (1.1, as PyYAML reads it) knows, a few it does not, and the odd texts that
# PyYAML's own constructors trip over ('' and '-' once raised IndexError from inside them).
TAGS = ["!!int", "!!float", "!!bool", "!!null", "!!str", "!!timestamp", "!!binary", "!!merge",
        "!!value", "!!set", "!!omap", "!!pairs", "!!seq", "!!map", "!!python/none",
        "!!python/int", "!!python/name:os.system", "!custom", "!", "!<tag:yaml.org,2002:int>"]
ODD_TEXTS = ["", " ", "-", "+", "_", ".", ":", "0x", "0b", "0o", "0_", "1:", "1:2:3", "-.",
             ".inf", "-.inf", ".nan", "1e", "e1", "1__0", "0x_", "yes", "~", "null", "3",
             "-0", "1" * 40, "9" * 5000, "\u00e9", "١٢"]


@st.composite
def tagged(draw) -> str:
    """A seed file with one value replaced by a tagged scalar, quoted, plain or empty."""
    data = yaml.safe_load(draw(st.sampled_from(SEEDS)))
    places = [path for path in paths(data)[1:]
              if not isinstance(parent_of(data, path)[path[-1]], (dict, list))]
    path = draw(st.sampled_from(places))
    parent_of(data, path)[path[-1]] = "@@TAGGED@@"
    tag, text = draw(st.sampled_from(TAGS)), draw(st.sampled_from(ODD_TEXTS) | st.text(max_size=6))
    style = draw(st.sampled_from(["single", "double", "plain", "bare"]))
    value = {"single": "'" + text.replace("'", "''") + "'",
             "double": '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"',
             "plain": text, "bare": ""}[style]
    dumped = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10_000)
    return dumped.replace("@@TAGGED@@", f"{tag} {value}".rstrip(), 1)


# -- the properties ----------------------------------------------------------------------------

@fuzz
@given(mutated())
def test_mutated_network_files(text):
    check(text)


@fuzz
@given(spliced())
def test_spliced_network_texts(text):
    check(text)


@fuzz
@given(tagged())
def test_tagged_values(text):
    check(text)


@pytest.mark.parametrize("tag", TAGS)
@pytest.mark.parametrize("text", ODD_TEXTS)
def test_every_tag_on_every_odd_text(tag, text):
    """The cases that once raised IndexError, exhaustively: quoted and plain."""
    for value in ("'" + text.replace("'", "''") + "'", text):
        check(f"input: [3, 8, 8]\nlayers:\n  - Conv2d: {{out_channels: 4, kernel_size: {tag} "
              f"{value}}}\n")


@fuzz
@given(random_network())
def test_random_networks(text):
    check(text)


@fuzz
@given(values)
def test_random_yaml_documents(data):
    check(yaml.safe_dump(data, allow_unicode=True))


@fuzz
@given(st.text(max_size=300))
def test_random_text(text):
    check(text)


@fuzz
@given(st.lists(st.sampled_from(YAML_BITS + ["input", "layers", "ReLU", "Conv2d",
                                             "kernel_size", "3", "blocks", "name"]),
                max_size=40))
def test_yaml_soup(bits):
    check("".join(bits))


def test_the_seeds_are_valid():
    """The mutations start from files cnncalc accepts, so the fuzzing reaches every stage."""
    for seed in SEEDS:
        assert cnncalc.analyze(cnncalc.loads(seed)).layers


@pytest.mark.parametrize("text", ["&a <<: *a", "&a <<: 1\nb: *a"])
def test_an_anchored_merge_key_is_plain_text_when_repeated(text):
    """Found by test_yaml_soup on PyYAML 6.0: the merge key's placeholder leaked into a
    message as ``<object object at 0x…>``."""
    with pytest.raises(cnncalc.NetworkError) as err:
        cnncalc.loads(text, source="fuzz.yaml")
    assert "object at 0x" not in str(err.value) and str(err.value).startswith("fuzz.yaml:")


def test_a_layer_type_made_of_a_newline_stays_on_one_line():
    """Found by test_mutated_network_files (CI, lowest versions): the entry's auto-name holds
    the newline, and the message's ``where`` must not break across lines."""
    text = "input: [3, 8, 8]\nlayers:\n- ? '\n\n    '\n  : out_channels: 4\n"
    with pytest.raises(cnncalc.NetworkError) as err:
        cnncalc.analyze(cnncalc.loads(text, source="fuzz.yaml"))
    assert "\n" not in str(err.value) and "\\n" in str(err.value)
