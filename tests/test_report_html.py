"""``cnncalc report``'s HTML page: what the file holds, and what a real browser makes of it.

The browser tests run headless Chromium through the DevTools protocol (tests/chromium.py):
the page must load with no console error and no network request, draw one graph node per
layer or closed block, open a block on a real click, show the JSON's numbers in its table,
and look like something (a screenshot with many colours). They never skip: without Chromium
they fail and say how to install it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from cli_runner import runner

import cnncalc
from cnncalc.cli import main
from cnncalc.report.graphview import auto_depth, block_parents, drawing
from cnncalc.report.html import LIBRARIES, LICENCES, page_data, render_html, script_json

from chromium import Browser, png_colours


class Page(HTMLParser):
    """The tags, attributes, comments and JSON data of an HTML page."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.comments: list[str] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._script: dict[str, str | None] | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script = dict(attrs)
            self.scripts.append((self._script, ""))

    def handle_data(self, data):
        if self._script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def handle_comment(self, data):
        self.comments.append(data)


@pytest.fixture(scope="module")
def lenet():
    return cnncalc.analyze(cnncalc.load("lenet5"))


@pytest.fixture(scope="module")
def resnet50():
    return cnncalc.analyze(cnncalc.load("resnet50"))


# ------------------------------------------------------------------------------- the file

def test_the_page_embeds_the_json_report_and_the_extras(lenet):
    page = Page(render_html(lenet))
    (data,) = [text for attrs, text in page.scripts if attrs.get("type") == "application/json"]
    embedded = json.loads(data)
    assert embedded["report"] == json.loads(lenet.to_json())
    assert embedded["extra"]["depth"] == 0
    assert set(embedded["extra"]["args"]) == {row.name for row in lenet.layers}
    assert embedded["extra"]["args"][lenet.layers[0].name]["kernel_size"] == 5


def test_the_page_loads_nothing_from_elsewhere(resnet50):
    text = render_html(resnet50)
    page = Page(text)
    for tag, attrs in page.tags:
        for name in ("src", "href", "srcset", "action", "data", "poster"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value or value.startswith(("data:", "#")), (tag, name, value)
        assert not (tag == "link" and attrs.get("rel") == "stylesheet"), attrs
        assert not (tag == "script" and "src" in attrs), attrs
    assert {tag for tag, _ in page.tags} >= {"script", "style", "table"}
    styles = re.findall(r"<style>(.*?)</style>", text, re.S)
    assert styles and not any(re.search(r"@import|url\(\s*['\"]?(https?:)?//", s) for s in styles)
    own = (Path(cnncalc.__file__).parent / "report" / "assets" / "report.js").read_text()
    for word in ("fetch(", "XMLHttpRequest", "WebSocket", "EventSource", "import(", "http"):
        assert word not in own, word


def test_the_page_carries_the_vendored_libraries_and_their_licences(lenet):
    page = Page(render_html(lenet))
    notice = "\n".join(page.comments)
    for _, name, version, licence, _ in LIBRARIES:
        assert f"{name} {version} ({licence})" in notice
    assert notice.count("Permission is hereby granted") == 4   # cytoscape, its dagre, dagre, graphlib
    code = "\n".join(text for attrs, text in page.scripts if "type" not in attrs)
    assert "cytoscape" in code and "dagre" in code and "__cnncalcReady" in code


def test_the_assets_ship_with_the_package():
    """The page's files are package data: hatchling puts every file under cnncalc/ in the
    wheel and the sdist (as it does the zoo's YAML and the locale catalogs) unless git ignores
    it, so none may be ignored."""
    from importlib import resources

    names = ([file for file, *_ in LIBRARIES] + ["report.html", "report.css", "report.js"]
             + [f"licenses/{name}" for name in LICENCES])
    for name in names:
        assert resources.files("cnncalc.report").joinpath("assets", name).is_file(), name
    root = Path(__file__).resolve().parents[1]
    if shutil.which("git") and (root / ".git").exists():
        paths = [f"cnncalc/report/assets/{name}" for name in names]
        done = subprocess.run(["git", "check-ignore", "--no-index", *paths], cwd=root,
                              capture_output=True, text=True)
        assert done.returncode == 1, f"git ignores {done.stdout.split()}"


def test_script_json_cannot_close_its_script_element():
    text = script_json({"name": "</script><script>alert(1)</script>", "x": "a&b\u2028"})
    assert "</" not in text and "<" not in text and "\u2028" not in text
    assert json.loads(text) == {"name": "</script><script>alert(1)</script>", "x": "a&b\u2028"}


def test_the_graph_starts_with_blocks_closed_only_for_big_networks(lenet, resnet50):
    assert auto_depth(lenet) == 0 and auto_depth(resnet50) == 1
    assert page_data(resnet50)["extra"]["depth"] == 1
    assert page_data(resnet50, depth=0)["extra"]["depth"] == 0
    parents = block_parents(resnet50)
    assert parents["layer1"] is None and parents["layer1.bottleneck_1"] == "layer1"
    shown = drawing(resnet50, 1)
    assert [n.name for n in shown.nodes if n.kind == "block"] == [
        "layer1", "layer2", "layer3", "layer4"]
    assert not shown.clusters
    assert len(drawing(resnet50, 0).nodes) == len(resnet50.layers) + 1


def test_cli_writes_the_page_and_chooses_the_format_from_the_extension(tmp_path):
    result = runner().invoke(main, ["report", "lenet5", "-o", str(tmp_path / "r.html"),
                                    "--batch", "2", "--dtype", "float16"])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.stderr
    data = json.loads(Page((tmp_path / "r.html").read_text()).scripts[0][1])
    assert data["report"]["batch"] == 2 and data["report"]["memory"]["dtype"] == "float16"
    result = runner().invoke(main, ["report", "lenet5", "-o", str(tmp_path / "r.gv")])
    assert (tmp_path / "r.gv").read_text().startswith('digraph "LeNet-5"')


def test_cli_writes_html_to_standard_output_when_it_is_not_a_terminal():
    result = runner().invoke(main, ["report", "lenet5"])
    assert result.exit_code == 0
    assert result.stdout.startswith("<!DOCTYPE html>")


def test_cli_refuses_to_print_html_on_a_terminal(monkeypatch):
    class Terminal:   # the command's view of sys: standard output is a terminal
        stdout = type("Stdout", (), {"isatty": staticmethod(lambda: True)})()

    monkeypatch.setattr("cnncalc.cli.report.sys", Terminal)
    result = runner().invoke(main, ["report", "lenet5"])
    assert result.exit_code == 2 and result.stdout == ""
    assert "-o report.html" in result.stderr
    assert runner().invoke(main, ["report", "lenet5", "--format", "dot"]).exit_code == 0


def test_cli_errors_exit_2_with_the_place(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("input: [3, 32, 32]\nlayers:\n  - Conv2d: {out_channels: 8}\n")
    result = runner().invoke(main, ["report", str(bad), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 2
    assert re.match(rf"{re.escape(str(bad))}:3:\d+: conv2d_1 \(Conv2d\): missing", result.stderr)
    assert not (tmp_path / "r.html").exists()
    result = runner().invoke(main, ["report", "lenet5", "--format", "pdf"])
    assert result.exit_code == 2 and "pdf" in result.stderr
    result = runner().invoke(main, ["report", "lenet5", "-o", str(tmp_path / "no" / "r.html")])
    assert result.exit_code == 2 and "cannot write" in result.stderr


# ------------------------------------------------------------------------------- the browser

@pytest.fixture(scope="module")
def browser():
    opened = Browser(width=1600, height=1000)
    yield opened
    opened.close()


def show(browser: Browser, path: Path) -> None:
    browser.open(path.as_uri())
    browser.wait_for("window.__cnncalcReady === true")


def assert_clean(browser: Browser, path: Path) -> None:
    assert browser.problems() == []
    assert browser.requests() == [path.as_uri()]   # the page itself, and nothing else


def table_numbers(browser: Browser) -> dict[str, dict[str, int]]:
    """Per row of the table: its name and the numbers its cells show."""
    rows = browser.evaluate("""Array.from(document.querySelectorAll('#summary tbody tr')).map(
        tr => [tr.dataset.name, Object.fromEntries(Array.from(tr.querySelectorAll('td[data-key]'))
              .map(td => [td.dataset.key, [td.textContent, td.dataset.value]]))])""")
    numbers = {}
    for name, cells in rows:
        numbers[name] = {}
        for key, (text, exact) in cells.items():
            if key in ("params", "macs", "flops"):   # shown exactly, with thousands commas
                assert text.replace(",", "") == exact, (name, key, text, exact)
            numbers[name][key] = int(exact)
    return numbers


def test_browser_small_network_every_layer_and_the_table(browser, lenet, tmp_path):
    path = tmp_path / "lenet5.html"
    path.write_text(render_html(lenet), encoding="utf-8")
    show(browser, path)
    assert_clean(browser, path)
    drawn = browser.evaluate("window.cnncalc.drawnNodes()")
    assert sorted(drawn) == sorted(["i:input"] + ["l:" + row.name for row in lenet.layers])
    edges = browser.evaluate("window.cnncalc.cy.edges().map(e => [e.source().id(), "
                             "e.target().id(), e.data('shape')])")
    assert len(edges) == len(lenet.layers)   # a chain: one edge into each layer
    assert ["i:input", "l:" + lenet.layers[0].name, "1×1×32×32"] in edges
    numbers = table_numbers(browser)
    expected = {row.name: {"params": row.params, "macs": row.macs, "flops": row.flops,
                           "output_bytes": row.output_bytes, "saved_bytes": row.saved_bytes}
                for row in lenet.layers}
    assert numbers == expected
    totals = browser.evaluate("Object.fromEntries(Array.from(document.querySelectorAll("
                              "'#summary tfoot td[data-key]')).map(td => [td.dataset.key, "
                              "td.textContent]))")
    assert totals == {"params": f"{lenet.totals.params:,}", "macs": f"{lenet.totals.macs:,}",
                      "flops": f"{lenet.totals.flops:,}"}
    header = browser.evaluate("document.querySelector('#cards').textContent")
    assert f"{lenet.totals.params:,}" in header and f"{lenet.totals.macs:,}" in header
    # nodes are coloured by cost: the costliest conv is darker than an activation
    def fill(name):
        return browser.evaluate(f"window.cnncalc.cy.getElementById('l:{name}')"
                                ".style('background-color')")
    costliest = max(lenet.layers, key=lambda row: row.macs).name
    assert fill(costliest) == "rgb(127,0,0)" and fill("tanh_1") == "rgb(255,255,255)"
    browser.evaluate("window.cnncalc.setMetric('params')")
    biggest = max(lenet.layers, key=lambda row: row.params).name
    assert fill(biggest) == "rgb(127,0,0)" and fill(costliest) != "rgb(127,0,0)"
    assert "params" in browser.evaluate(f"window.cnncalc.cy.getElementById('l:{biggest}')"
                                        ".data('label')")
    colours = png_colours(browser.screenshot(scale=0.5))
    assert len(colours) > 200, len(colours)   # not blank: text, colours, graph
    assert browser.problems() == []


def test_browser_big_network_starts_closed_and_a_click_opens_a_block(browser, resnet50,
                                                                       tmp_path):
    path = tmp_path / "resnet50.html"
    path.write_text(render_html(resnet50), encoding="utf-8")
    show(browser, path)
    assert_clean(browser, path)
    outside = [row.name for row in resnet50.layers if not row.scope]
    closed = ["b:layer1", "b:layer2", "b:layer3", "b:layer4"]
    drawn = browser.evaluate("window.cnncalc.drawnNodes()")
    assert sorted(drawn) == sorted(["i:input"] + ["l:" + n for n in outside] + closed)
    # a real mouse click on the closed block layer1 opens it: its three blocks appear
    x, y = browser.evaluate("""(() => {
        const n = window.cnncalc.cy.getElementById('b:layer1'), p = n.renderedPosition();
        const box = document.getElementById('cy').getBoundingClientRect();
        return [box.left + p.x, box.top + p.y]; })()""")
    layouts = browser.evaluate("window.cnncalc.layouts()")
    browser.click(x, y)
    browser.wait_for(f"window.cnncalc.layouts() > {layouts}")
    inner = [b.name for b in resnet50.blocks if b.name.startswith("layer1.")]
    drawn = browser.evaluate("window.cnncalc.drawnNodes()")
    assert set(drawn) == set(["i:input"] + ["l:" + n for n in outside] + closed[1:]
                             + ["b:" + n for n in inner])
    assert browser.evaluate("window.cnncalc.openBlocks()") == ["layer1"]
    assert browser.evaluate("document.getElementById('panel').dataset.name") == "layer1"
    # every edge still joins drawn nodes, and the block's output shape labels its way out
    labels = browser.evaluate("window.cnncalc.cy.edges().map(e => [e.source().id(), "
                              "e.target().id(), e.data('shape')])")
    assert ["b:layer1.bottleneck_2", "b:layer2", "1×256×56×56"] in labels
    # closing it again, by JS this time, and opening everything
    browser.evaluate("window.cnncalc.close('layer1')")
    assert len(browser.evaluate("window.cnncalc.drawnNodes()")) == len(drawn) - 3 + 1
    browser.evaluate("window.cnncalc.setDepth(0)")
    assert len(browser.evaluate("window.cnncalc.drawnNodes()")) == len(resnet50.layers) + 1
    assert len(browser.evaluate("window.cnncalc.openBlocks()")) == len(resnet50.blocks)
    assert browser.problems() == []


def test_browser_table_sorts_filters_and_folds_blocks(browser, resnet50, tmp_path):
    path = tmp_path / "resnet50.html"
    path.write_text(render_html(resnet50, depth=0), encoding="utf-8")
    show(browser, path)
    browser.evaluate("window.cnncalc.showTab('table')")
    numbers = table_numbers(browser)
    for row in resnet50.layers:
        assert numbers[row.name]["macs"] == row.macs and numbers[row.name]["params"] == row.params
    for block in resnet50.blocks:
        assert numbers[block.name]["macs"] == block.totals.macs
    # sorting by MACs (a click on the header): the costliest top-level row first
    browser.evaluate("Array.from(document.querySelectorAll('#summary th'))"
                     ".find(th => th.dataset.key === 'macs').click()")
    first = browser.evaluate("document.querySelector('#summary tbody tr').dataset.name")
    assert first == "layer3"
    # the filter box
    browser.evaluate("(() => { const f = document.getElementById('filter'); f.value = 'linear';"
                     " f.dispatchEvent(new Event('input')); })()")
    assert browser.evaluate("Array.from(document.querySelectorAll('#summary tbody tr'))"
                            ".map(tr => tr.dataset.name)") == ["linear_1"]
    browser.evaluate("(() => { const f = document.getElementById('filter'); f.value = '';"
                     " f.dispatchEvent(new Event('input')); })()")
    # a block's row folds its layers away
    count = browser.evaluate("document.querySelectorAll('#summary tbody tr').length")
    browser.evaluate("document.querySelector('#summary tr[data-name=\"layer1\"] td').click()")
    folded = browser.evaluate("document.querySelectorAll('#summary tbody tr').length")
    inside = sum(1 for row in resnet50.layers if "layer1" in row.scope) + sum(
        1 for b in resnet50.blocks if b.name.startswith("layer1."))
    assert folded == count - inside
    browser.evaluate("window.cnncalc.showTab('charts')")
    bars = browser.evaluate("Array.from(document.querySelectorAll('.chart')).map("
                            "c => [c.dataset.key, c.querySelectorAll('rect.bar').length])")
    assert bars == [[key, len(resnet50.layers)] for key in ("params", "macs", "output_bytes",
                                                             "rf")]
    assert browser.problems() == []


def test_browser_resnet152_stays_usable(browser, tmp_path):
    report = cnncalc.analyze(cnncalc.load("resnet152"))
    path = tmp_path / "resnet152.html"
    path.write_text(render_html(report), encoding="utf-8")
    show(browser, path)
    assert_clean(browser, path)
    assert len(browser.evaluate("window.cnncalc.drawnNodes()")) == 12
    browser.evaluate("window.cnncalc.setDepth(0)")   # all 515 layers laid out, synchronously
    assert len(browser.evaluate("window.cnncalc.drawnNodes()")) == len(report.layers) + 1
    colours = png_colours(browser.screenshot(scale=0.25))
    assert len(colours) > 100
    assert browser.problems() == []


def test_browser_every_zoo_network_draws_what_the_dot_output_draws(browser, tmp_path):
    """The page and the DOT output choose the same nodes and edges, for every network of the
    zoo, with no console error: at the page's first depth, and with every block open where
    that is quick (ResNet-152 fully open is tested above)."""
    from cnncalc import zoo

    for name in zoo.names():
        report = cnncalc.analyze(cnncalc.load(name))
        path = tmp_path / f"{name}.html"
        path.write_text(render_html(report), encoding="utf-8")
        show(browser, path)
        for depth in (auto_depth(report), 0)[:1 if len(report.layers) > 100 else 2]:
            if depth == 0:
                browser.evaluate("window.cnncalc.setDepth(0)")
            want = drawing(report, depth)
            drawn = browser.evaluate("window.cnncalc.drawnNodes()")
            assert sorted(drawn) == sorted(n.id for n in want.nodes), (name, depth)
            edges = browser.evaluate("window.cnncalc.cy.edges().map(e => [e.source().id(), "
                                     "e.target().id(), e.data('shape')])")
            assert sorted(map(tuple, edges)) == sorted(
                (e.source, e.target, "×".join(map(str, e.shape))) for e in want.edges), name
            opened = browser.evaluate("window.cnncalc.openBlocks()")
            assert sorted(opened) == sorted(b.name for b, _ in want.clusters), (name, depth)
        assert_clean(browser, path)
