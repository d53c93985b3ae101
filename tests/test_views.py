"""Reading a big network (issue 12): scopes as data, block totals, --depth, --by type, --top and
the shares of the totals. The invariant of every grouped view: its rows add up to the totals."""

from __future__ import annotations

import json

import pytest

import cnncalc
from cli_runner import runner
from cnncalc import views
from cnncalc.analysis import Totals
from cnncalc.cli import main
from cnncalc.report import Report
from cnncalc.report.columns import share

ZOO = cnncalc.zoo.names()
NESTED = """
name: nested
input: [3, 16, 16]
blocks:
  unit:
    args: {out: null}
    layers:
      - Conv2d: {out_channels: $out, kernel_size: 3, padding: 1}
      - ReLU
  pair:
    args: {out: null}
    layers:
      - unit: {name: a, out: $out}
      - unit: {name: b, out: $out}
      - Add: {from: [a, b]}
layers:
  - Conv2d: {name: stem, out_channels: 8, kernel_size: 1}
  - pair: {name: p1, out: 8}
  - pair: {name: p2, out: 8}
  - Flatten
  - Linear: {out_features: 4}
"""


def test_each_layer_carries_its_block_instances():
    report = cnncalc.analyze(cnncalc.loads(NESTED))
    scopes = {row.name: row.scope for row in report.layers}
    assert scopes["stem"] == ()
    assert scopes["p1.a.conv2d_1"] == ("p1", "p1.a")
    assert scopes["p2.add_1"] == ("p2",)
    assert [(b.name, b.type, b.depth, b.inputs, b.output) for b in report.blocks] == [
        ("p1", "pair", 1, ("stem",), "p1.add_1"), ("p1.a", "unit", 2, ("stem",), "p1.a.relu_1"),
        ("p1.b", "unit", 2, ("p1.a.relu_1",), "p1.b.relu_1"),
        ("p2", "pair", 1, ("p1.add_1",), "p2.add_1"),
        ("p2.a", "unit", 2, ("p1.add_1",), "p2.a.relu_1"),
        ("p2.b", "unit", 2, ("p2.a.relu_1",), "p2.b.relu_1")]
    assert report.blocks[0].args == {"out": 8}


@pytest.mark.parametrize("name", ZOO)
def test_block_totals_are_the_sums_of_their_layers(name):
    report = cnncalc.analyze(cnncalc.load(name), batch=2)
    rows = {row.name: row for row in report.layers}
    for block in report.blocks:
        inside = [row for row in report.layers if block.name in row.scope]
        assert block.layers == tuple(row.name for row in inside)
        assert all(row.name.startswith(block.name + ".") for row in inside)
        assert block.totals == Totals.of(inside)
        assert block.saved_bytes == sum(row.saved_bytes for row in inside)
        assert block.output_shape == rows[block.output].output_shape


def test_json_has_scopes_and_blocks():
    data = json.loads(cnncalc.analyze(cnncalc.loads(NESTED)).to_json())
    layers = {layer["name"]: layer for layer in data["layers"]}
    assert layers["p1.b.relu_1"]["scope"] == ["p1", "p1.b"]
    assert layers["stem"]["scope"] == []
    block = data["blocks"][0]
    assert block == {
        "name": "p1", "type": "pair", "args": {"out": 8}, "depth": 1, "from": ["stem"],
        "output": "p1.add_1", "output_shape": [1, 8, 16, 16], "layers": 5,
        "totals": {key: sum(layers[n][key] for n in layers if n.startswith("p1."))
                   for key in ("params", "trainable_params", "buffers", "macs", "flops",
                               "output_bytes", "saved_bytes")}
        | {"non_trainable_params": 0}}


def added_up(view: cnncalc.analysis.Report, report: cnncalc.analysis.Report) -> None:
    assert Totals.of(view.layers) == report.totals
    assert sum(r.count for r in view.layers) == len(report.layers)
    assert sum(r.saved_bytes for r in view.layers) == report.memory.saved_bytes
    assert sum(r.output_bytes for r in view.layers) == report.memory.activations_bytes


@pytest.mark.parametrize("name", ZOO)
def test_rows_at_every_depth_and_per_type_add_up_to_the_totals(name):
    report = cnncalc.analyze(cnncalc.load(name))
    deepest = max((b.depth for b in report.blocks), default=0)
    for depth in range(1, deepest + 2):
        view = views.at_depth(report, depth)
        added_up(view, report)
        names = [row.name for row in view.layers]
        assert len(names) == len(set(names))
        known = set(names) | {"input"}
        assert all(set(row.inputs) <= known for row in view.layers)   # wired to shown rows
    added_up(views.by_type(report), report)
    assert views.at_depth(report, deepest + 1).layers == report.layers


def test_resnet152_at_depth_1_fits_on_one_screen():
    result = runner().invoke(main, ["summary", "resnet152", "--depth", "1"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) <= 40
    rows = [line for line in lines if line.startswith("layer")]
    assert [row.split()[0] for row in rows] == ["layer1", "layer2", "layer3", "layer4"]
    report = cnncalc.analyze(cnncalc.load("resnet152"))
    layer3 = next(b for b in report.blocks if b.name == "layer3")
    assert f"{layer3.totals.macs:,}" in rows[2] and share(
        layer3.totals.macs, report.totals.macs) in rows[2]
    assert ("Rows: the blocks at depth 1 and the layers outside them: 11 rows for 515 layers "
            "(they add up to the totals)") in lines


def test_top_k_rows_by_a_column():
    report = cnncalc.analyze(cnncalc.load("resnet50"))
    best = views.top(report, 3, "params")
    want = sorted(report.layers, key=lambda r: -r.params)[:3]
    assert [r.name for r in best.layers] == [r.name for r in want]
    text = Report.of(best).table(["%params"])
    assert (f"the 3 of {len(report.layers)} rows with the most params ({len(report.layers)} "
            f"layers), with {share(Totals.of(want).macs, report.totals.macs)} of the MACs and "
            f"{share(Totals.of(want).params, report.totals.params)} of the params") in text
    cli = runner().invoke(main, ["summary", "resnet50", "--top", "3", "--sort", "params"])
    assert cli.exit_code == 0 and [line.split()[0] for line in cli.stdout.splitlines()[4:7]] \
        == [r.name for r in want]


def test_by_type_is_fvcores_by_operator():
    report = cnncalc.analyze(cnncalc.load("resnet18"))
    rows = {row.name: row for row in views.by_type(report).layers}
    convs = [row for row in report.layers if row.type == "Conv2d"]
    assert rows["Conv2d"].count == len(convs) == 20
    assert rows["Conv2d"].macs == sum(row.macs for row in convs)
    assert list(rows)[0] == "Conv2d"   # the most MACs first
    text = runner().invoke(main, ["summary", "resnet18", "--by", "type"]).stdout
    assert text.splitlines()[2].split()[:4] == ["Layer", "type", "Layers", "Param"]


@pytest.mark.parametrize("args, message", [
    (["--depth", "1", "--by", "type"], "--by type and --depth are two groupings"),
    (["--top", "0"], "Invalid value for '--top'"),
    (["--depth", "-1"], "Invalid value for '--depth'"),
    (["--sort", "speed"], "Invalid value for '--sort'"),
    (["--columns", "%flops"], "'%flops' is not a column"),
])
def test_bad_view_options_are_usage_errors(args, message):
    result = runner().invoke(main, ["summary", "resnet18", *args])
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_shares_of_the_totals_on_request():
    text = runner().invoke(main, ["summary", "lenet5", "--columns", "%params,%macs,%memory"]
                           ).stdout
    report = cnncalc.analyze(cnncalc.load("lenet5"))
    c1 = next(line for line in text.splitlines() if line.startswith("c1 "))
    row = report.layer("c1")
    for cell in (share(row.params, report.totals.params), share(row.macs, report.totals.macs),
                 share(row.saved_bytes, report.memory.saved_bytes)):
        assert cell in c1
    assert "%params" not in runner().invoke(main, ["summary", "lenet5", "--format", "csv"]
                                            ).stdout.splitlines()[0]


def test_the_command_line_ranks_by_what_the_views_rank_by():
    from cnncalc.cli.summary import RANKS as CLI_RANKS
    from cnncalc.views import RANKS

    assert set(CLI_RANKS) == set(RANKS)
