"""Several outputs (issue 17 part 9): a file's top-level ``outputs:`` names them; the analysis,
the memory peak, the twin, ``verify``, JSON, the table and the schema follow."""

from __future__ import annotations

import json

import jsonschema
import pytest
import torch

import cnncalc
from cli_runner import runner
from cnncalc.cli import main
from cnncalc.errors import NetworkError
from cnncalc.schema import json_schema
from cnncalc.torch import to_torch
from cnncalc.torch.verify import verify
from test_memory import torch_peak, torch_saved

#: an early output that every later layer would otherwise let go (its ReLU is not in place,
#: so that the early map is a storage of its own), and a block instance named as an output
TWO = """\
name: two outputs
input: [3, 32, 32]
outputs: [early, stage, head]
blocks:
  down:
    args: {out: null}
    layers:
      - Conv2d: {out_channels: $out, kernel_size: 3, stride: 2, padding: 1}
      - BatchNorm2d
      - ReLU: {name: act}
layers:
  - Conv2d: {name: early, out_channels: 8, kernel_size: 3, padding: 1}
  - ReLU
  - down: {name: stage, out: 16}
  - Conv2d: {out_channels: 32, kernel_size: 3, stride: 2, padding: 1}
  - ReLU
  - AdaptiveAvgPool2d: {output_size: 1}
  - Flatten
  - Linear: {name: head, out_features: 10}
"""


def two(**options):
    return cnncalc.loads(TWO, source="two.yaml", **options)


def problems(text: str) -> list[str]:
    with pytest.raises(NetworkError) as caught:
        cnncalc.analyze(cnncalc.loads(text, source="net.yaml"))
    return [str(p) for p in caught.value.problems]


def with_outputs(outputs: str) -> str:
    return TWO.replace("outputs: [early, stage, head]", f"outputs: {outputs}")


def test_the_report_keeps_the_outputs_in_the_files_order():
    report = cnncalc.analyze(two(), batch=2)
    assert report.outputs == ("early", "stage.act", "head")
    assert report.output == "early"
    assert report.output_shapes == ((2, 8, 32, 32), (2, 16, 16, 16), (2, 10))
    assert report.named_outputs


def test_without_outputs_the_last_layer_is_the_output_as_before():
    report = cnncalc.analyze(cnncalc.loads(with_outputs("[head]").replace(
        "outputs: [head]\n", "")))
    assert report.outputs == (report.output,) == ("head",)
    assert not report.named_outputs
    assert "outputs" not in report.to_dict()
    assert "Outputs:" not in report.table()


def test_one_name_alone_is_one_output():
    report = cnncalc.analyze(cnncalc.loads(with_outputs("stage")))
    assert report.outputs == ("stage.act",)
    assert report.to_dict()["outputs"] == ["stage.act"]


def test_a_dotted_layer_name_is_an_output_too():
    report = cnncalc.analyze(cnncalc.loads(with_outputs("[stage.conv2d_1, head]")))
    assert report.outputs == ("stage.conv2d_1", "head")


@pytest.mark.parametrize("outputs, message", [
    ("[eraly, head]", "net.yaml:3:11: outputs: no layer or block instance of the network is "
                      "named 'eraly'; did you mean 'early'? (expected one of early, relu_1, "
                      "stage, conv2d_1, relu_2, adaptiveavgpool2d_1, flatten_1, head)"),
    ("[early, head, early]", "net.yaml:3:24: outputs: 'early' is named twice (expected each "
                             "output once)"),
    ("[]", "net.yaml:3:10: outputs: must be a non-empty list of layer or block names "
           "(expected a list such as [p2, p3, p4, p5], got an empty list)"),
    ("[input]", "net.yaml:3:11: outputs: 'input' is the network's input; an output is a layer "
                "or block instance of the network"),
    ("[stage, stage.act]", "net.yaml:3:18: outputs: 'stage.act' and 'stage' are the same "
                           "layer 'stage.act' (expected each output once)"),
    ("[early, 3]", "net.yaml:3:18: outputs: an output is the name of a layer or block "
                   "instance (got a number: 3)"),
    ("{early: 1}", "net.yaml:3:10: outputs: must be a non-empty list of layer or block names"),
])
def test_wrong_outputs_are_located_errors(outputs, message):
    found = problems(with_outputs(outputs))
    assert len(found) == 1 and found[0].startswith(message), found


def test_a_switched_off_output_is_an_error():
    text = with_outputs("[early, extra]").replace(
        "  - ReLU\n  - down", "  - ReLU: {name: extra, if: false}\n  - ReLU\n  - down", 1)
    assert problems(text) == ["net.yaml:3:18: outputs: 'extra' is switched off (its if is "
                              "false) (expected an entry that is switched on)"]


def test_an_unknown_top_level_key_lists_outputs():
    found = problems("input: [3, 8, 8]\noutput: [relu_1]\nlayers: [ReLU]\n")
    assert found == ["net.yaml:2:1: unknown top-level key 'output'; did you mean 'outputs'? "
                     "(expected name, input, layers, blocks, args, outputs)"]


def test_outputs_from_python():
    network = cnncalc.Network(input=[3, 8, 8], layers=[
        {"Conv2d": {"name": "a", "out_channels": 4, "kernel_size": 1}}, "ReLU"],
        outputs=["a", "relu_1"])
    assert cnncalc.analyze(network).outputs == ("a", "relu_1")
    with pytest.raises(NetworkError, match="outputs: no layer or block instance of the "
                                           "network is named 'b'"):
        cnncalc.analyze(cnncalc.Network(input=[3, 8, 8], layers=[
            {"Conv2d": {"name": "a", "out_channels": 4, "kernel_size": 1}}], outputs=["b"]))


def test_the_twin_returns_the_outputs_in_order():
    network = two()
    report = cnncalc.analyze(network, batch=2)
    twin = to_torch(network).eval()
    with torch.no_grad():
        out = twin(torch.randn(report.inputs["input"]))
    assert isinstance(out, tuple) and len(out) == 3
    assert tuple(tuple(t.shape) for t in out) == report.output_shapes
    modules = dict(twin.named_modules())
    x = torch.randn(report.inputs["input"])
    with torch.no_grad():
        early = modules["early"](x)
        assert torch.equal(twin(x)[0], early)


def test_one_output_is_one_tensor_as_before():
    twin = to_torch(cnncalc.loads(with_outputs("[stage]"))).eval()
    with torch.no_grad():
        out = twin(torch.randn(1, 3, 32, 32))
    assert isinstance(out, torch.Tensor) and tuple(out.shape) == (1, 16, 16, 16)


def test_verify_passes_on_several_outputs():
    for device in ("meta", "cpu"):
        assert verify(two(), batch=2, device=device).agrees


def test_verify_command(tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text(TWO, encoding="utf-8")
    result = runner().invoke(main, ["verify", str(path)])
    assert result.exit_code == 0, result.stdout + result.stderr


def test_the_peak_keeps_every_output_to_the_end_as_torch_does():
    network = two()
    report = cnncalc.analyze(network, batch=2)
    x = torch.randn(report.inputs["input"])
    held = to_torch(network, calls=False).eval()
    assert report.memory.activation_peak_bytes == torch_peak(held, x)
    alone = cnncalc.analyze(cnncalc.loads(with_outputs("[head]")), batch=2)
    # the early map (2 x 8 x 32 x 32 floats) and the block's output live to the end
    assert report.memory.activation_peak_bytes > alone.memory.activation_peak_bytes
    assert report.memory.activation_peak_bytes == torch_peak(
        to_torch(network, calls=False).eval(), x)


def test_saved_bytes_equal_torch_with_several_outputs():
    torch.manual_seed(0)
    network = two()
    report = cnncalc.analyze(network, batch=2)
    twin = to_torch(network).train()
    assert report.memory.saved_bytes == torch_saved(twin, [torch.randn(
        report.inputs["input"])])


def test_json_and_table_name_the_outputs():
    report = cnncalc.analyze(two())
    data = json.loads(report.to_json())
    assert data["outputs"] == ["early", "stage.act", "head"]
    assert list(data)[:6] == ["name", "batch", "convention", "inputs", "layers", "totals"]
    assert ("Outputs: early [1, 8, 32, 32], stage.act [1, 16, 16, 16], head [1, 10]"
            in report.table().splitlines())
    assert "- **Outputs:** early [1, 8, 32, 32], " in report.markdown()


def test_the_schema_describes_outputs():
    validator = jsonschema.Draft202012Validator(json_schema())
    import yaml
    data = yaml.safe_load(TWO)
    assert list(validator.iter_errors(data)) == []
    assert list(validator.iter_errors({**data, "outputs": "early"})) == []
    for wrong in ([], ["a", "a"], [3], ""):
        assert list(validator.iter_errors({**data, "outputs": wrong})), wrong
    assert "outputs" in json_schema()["properties"]


def test_dot_and_html_mark_the_outputs():
    from cnncalc.report.dot import render_dot
    from cnncalc.report.html import page_data

    report = cnncalc.report.analyze(two())
    marked = [line for line in render_dot(report).splitlines() if "penwidth=2.5" in line]
    assert sorted(line.split('"')[1] for line in marked) == ["l:early", "l:head", "l:stage.act"]
    assert page_data(report)["extra"]["outputs"] == ["early", "stage.act", "head"]
    plain = cnncalc.report.analyze(cnncalc.loads(with_outputs("[head]").replace(
        "outputs: [head]\n", "")))
    assert "penwidth=2.5" not in render_dot(plain)
