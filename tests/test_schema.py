"""The JSON Schema of the network file: derived from the registry, and every shipped file fits."""

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from cli_runner import runner

from cnncalc.cli import main
from cnncalc.layers import REGISTRY
from cnncalc.schema import json_schema

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted((ROOT / "cnncalc" / "zoo").glob("*.yaml")) + sorted(
    (ROOT / "tests" / "data").glob("design_*.yaml"))
VALIDATOR = jsonschema.Draft202012Validator(json_schema())


def test_schema_is_valid_and_covers_every_layer_type():
    jsonschema.Draft202012Validator.check_schema(json_schema())
    assert set(json_schema()["$defs"]) == set(REGISTRY)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_shipped_file_fits_the_schema(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    errors = [e.message for e in VALIDATOR.iter_errors(json.loads(json.dumps(data)))]
    assert errors == []


@pytest.mark.parametrize("layers", [
    [{"Conv2d": {"out_channels": 8}}],                        # kernel_size missing
    [{"Conv2d": {"out_channels": 8, "kernal_size": 3}}],      # misspelt argument
    [{"Conv2d": {"out_channels": "eight", "kernel_size": 3}}],
    [{"ReLU": {"call": "operator"}}],                         # call: module|functional|method
    [],
])
def test_schema_rejects_what_cnncalc_rejects(layers):
    assert list(VALIDATOR.iter_errors({"input": [3, 8, 8], "layers": layers}))


def test_schema_documents_every_reserved_key():
    from cnncalc.spec import CALLS, RESERVED

    properties = json_schema()["$defs"]["ReLU"]["properties"]
    assert set(RESERVED) <= set(properties)
    assert properties["call"]["anyOf"][0] == {"enum": list(CALLS)}
    assert CALLS == ("module", "functional", "method")
    for call in CALLS:
        assert call in properties["call"]["description"]
    assert not list(VALIDATOR.iter_errors({"input": [3, 8, 8], "layers": [
        {"ReLU": {"call": "functional"}}, {"Flatten": {"call": "method"}}]}))


def test_schema_command_prints_it():
    result = runner().invoke(main, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == json_schema()


def test_file_args_and_expressions_fit_the_schema():
    network = {"args": {"width_mult": 1.0, "res": 32}, "input": [3, "$res", "$res * 1"],
               "layers": [{"Conv2d": {"out_channels": "make_divisible(32 * $width_mult, 8)",
                                      "kernel_size": 3, "repeat": "ceil(2 * $width_mult)"}}]}
    assert not list(VALIDATOR.iter_errors(network))
    assert list(VALIDATOR.iter_errors({**network, "args": ["width_mult"]}))
    assert list(VALIDATOR.iter_errors({**network, "input": [3, "32 * 2", 32]}))   # no $
