"""Rendered output against golden files, and the invariant that rows add up to the totals.

Regenerate the golden files after an intended change with CNNCALC_UPDATE_GOLDEN=1 and review the diff.
"""

import csv
import io
import json
import os
from pathlib import Path

import pytest

import cnncalc
from cnncalc.analysis import Totals

GOLDEN = Path(__file__).parent / "golden"
NETWORKS = {
    "sequential": """
name: tiny
input: [1, 28, 28]
layers:
  - Conv2d: {out_channels: 8, kernel_size: 3, padding: 1}
  - ReLU
  - Conv2d: {out_channels: 16, kernel_size: 3, stride: 2, bias: false}
  - Linear: {out_features: 10, trainable: false}
""",
    "branching": """
name: branchy
input: [3, 32, 32]
layers:
  - Conv2d: {out_channels: 16, kernel_size: 3, padding: 1, name: stem}
  - Conv2d: {out_channels: 16, kernel_size: 3, padding: 1, name: left}
  - Conv2d: {out_channels: 8, kernel_size: 1, from: stem, name: right}
  - Concat: {from: [left, right]}
  - Conv2d: {out_channels: 16, kernel_size: 1}
  - Add: {from: [conv2d_1, stem]}
""",
}
RENDERERS = {"txt": "table", "md": "markdown", "csv": "csv", "json": "to_json"}


def report_of(name: str, batch: int = 1) -> cnncalc.Report:
    return cnncalc.analyze(cnncalc.loads(NETWORKS[name]), batch=batch)


@pytest.mark.parametrize("name", NETWORKS)
@pytest.mark.parametrize("ext", RENDERERS)
def test_rendering_matches_golden_file(name, ext):
    rendered = getattr(report_of(name), RENDERERS[ext])() + "\n"
    path = GOLDEN / f"{name}.{ext}"
    if os.environ.get("CNNCALC_UPDATE_GOLDEN"):
        path.write_text(rendered, encoding="utf-8")
    assert rendered == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", NETWORKS)
def test_rows_add_up_to_the_totals(name):
    report = report_of(name, batch=3)
    assert report.totals == Totals.of(report.layers)
    assert report.totals.params == sum(r.params for r in report.layers)
    assert report.totals.flops == 2 * report.totals.macs
    assert (report.totals.trainable_params + report.totals.non_trainable_params
            == report.totals.params)
    rows = list(csv.DictReader(io.StringIO(report.csv())))
    for key in ("params", "trainable_params", "buffers", "macs", "flops"):
        assert sum(int(r[key]) for r in rows) == getattr(report.totals, key)


def test_json_follows_the_design_contract():
    data = json.loads(report_of("branching", batch=2).to_json())
    assert set(data) >= {"name", "batch", "convention", "inputs", "layers", "totals"}
    assert data["batch"] == 2 and data["convention"] == "torch"
    assert data["inputs"] == {"input": [2, 3, 32, 32]}
    layer_keys = {"name", "type", "from", "output_shape", "params", "trainable_params",
                  "buffers", "macs", "flops"}
    for layer in data["layers"]:
        assert set(layer) >= layer_keys
        assert layer["output_shape"][0] == 2
        assert all(isinstance(layer[k], int) for k in layer_keys - {"name", "type", "from",
                                                                     "output_shape"})
    assert set(data["totals"]) >= {"params", "trainable_params", "non_trainable_params",
                                   "buffers", "macs", "flops"}


def test_connected_to_column_only_when_the_network_branches():
    assert "Connected to" in report_of("branching").table()
    assert "Connected to" not in report_of("sequential").table()
