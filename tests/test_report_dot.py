"""``cnncalc report --format dot|svg``: the graph for Graphviz and for papers."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET

import pytest
from cli_runner import runner

import cnncalc
from cnncalc.cli import main
from cnncalc.report.dot import DOT_MISSING, render_dot

DOT = shutil.which("dot")
GRAPHVIZ = ("Graphviz's dot is needed for the SVG tests; install it (as root: "
            "DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends graphviz)")


@pytest.fixture(scope="module")
def resnet18():
    return cnncalc.analyze(cnncalc.load("resnet18"))


def nodes_and_edges(text: str) -> tuple[list[str], list[tuple[str, str, str]]]:
    nodes = re.findall(r'^\s*"([^"]+)" \[label=', text, re.M)
    edges = re.findall(r'^\s*"([^"]+)" -> "([^"]+)" \[label=" ([^"]+)"\]', text, re.M)
    return nodes, edges


def test_dot_has_a_node_per_layer_clusters_per_block_and_shapes_on_edges(resnet18):
    text = render_dot(resnet18, depth=0)
    nodes, edges = nodes_and_edges(text)
    assert nodes == ["i:input"] + ["l:" + row.name for row in resnet18.layers] or sorted(
        nodes) == sorted(["i:input"] + ["l:" + row.name for row in resnet18.layers])
    clusters = re.findall(r'subgraph "cluster_([^"]+)" \{', text)
    assert sorted(clusters) == sorted(block.name for block in resnet18.blocks)
    wanted = sum(len(row.inputs) for row in resnet18.layers)
    assert len(edges) == wanted   # every input of every layer, the residual ones too
    assert ("l:layer1.basic_1.conv2d_1", "l:layer1.basic_1.batchnorm2d_1", "1×64×56×56") in edges
    assert ("l:maxpool2d_1", "l:layer1.basic_1.add_1", "1×64×56×56") in edges   # the skip
    assert "<b>conv2d_1 (Conv2d)</b>" in text and "9,408 params · 118.01 M MACs" in text


def test_dot_closes_blocks_from_the_depth_asked(resnet18):
    nodes, edges = nodes_and_edges(render_dot(resnet18, depth=1))
    assert [n for n in nodes if n.startswith("b:")] == ["b:layer1", "b:layer2", "b:layer3",
                                                        "b:layer4"]
    assert ("b:layer1", "b:layer2", "1×64×56×56") in edges
    nodes, _ = nodes_and_edges(render_dot(resnet18, depth=2))
    assert "b:layer1.basic_1" in nodes and "b:layer1" not in nodes


def test_dot_quotes_what_it_must():
    net = cnncalc.Network(name='say "hi" <b>', input=[3, 8, 8],
                          layers=[{"Conv2d": {"out_channels": 4, "kernel_size": 3}}])
    text = render_dot(cnncalc.analyze(net))
    assert text.startswith('digraph "say \\"hi\\" <b>" {')
    if DOT:
        import subprocess

        done = subprocess.run([DOT, "-Tsvg"], input=text.encode(), capture_output=True)
        assert done.returncode == 0, done.stderr


def test_cli_dot_to_standard_output():
    result = runner().invoke(main, ["report", "lenet5", "--format", "dot", "--input", "1x36x36"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith('digraph "LeNet-5" {') and "1×1×36×36" in result.stdout


def test_cli_svg_is_drawn_by_graphviz(tmp_path):
    if DOT is None:
        pytest.fail(GRAPHVIZ, pytrace=False)
    result = runner().invoke(main, ["report", "resnet18", "-o", str(tmp_path / "r.svg")])
    assert result.exit_code == 0, result.stderr
    svg = ET.parse(tmp_path / "r.svg").getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    titles = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}title")]
    assert "l:layer1.basic_1.conv2d_1" in titles and "cluster_layer1.basic_1" in titles


def test_cli_svg_without_graphviz_says_so_and_exits_2(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))   # no dot there
    result = runner().invoke(main, ["report", "lenet5", "--format", "svg"])
    assert result.exit_code == 2
    assert result.stderr.strip() == DOT_MISSING
    assert result.stdout == ""
