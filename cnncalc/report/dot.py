"""Graphviz DOT (and, through Graphviz's ``dot`` program, SVG) of a network's graph.

Block instances drawn open are ``subgraph cluster_…``; a closed one is one node with its
totals. Each edge carries the shape of the tensor it moves; each node its type, its key
numbers, and a fill that grows darker with its share of the MACs (as in the HTML report).
"""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

from cnncalc.analysis import Report
from cnncalc.errors import UsageError
from cnncalc.report.graphview import Drawing, Node, auto_depth, drawing
from cnncalc.report.units import exact, si

FONT = "Helvetica,Arial,sans-serif"
# light to dark: a node's fill by its share of the most expensive drawn node's MACs
RAMP = ((255, 247, 236), (253, 212, 158), (252, 141, 89), (215, 48, 31), (127, 0, 0))


def ramp(t: float) -> str:
    """The colour at ``t`` (0..1) of :data:`RAMP`, as ``#rrggbb``.

    >>> ramp(0), ramp(1), ramp(0.5)
    ('#fff7ec', '#7f0000', '#fc8d59')
    """
    t = min(max(t, 0.0), 1.0) * (len(RAMP) - 1)
    i = min(int(t), len(RAMP) - 2)
    f = t - i
    rgb = (round(a + (b - a) * f) for a, b in zip(RAMP[i], RAMP[i + 1]))
    return "#" + "".join(f"{c:02x}" for c in rgb)


def quote(text: str) -> str:
    """A DOT string: ``"..."`` with quotes and backslashes escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def html(text: Any) -> str:
    """Text for a Graphviz HTML-like label."""
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def shape_text(shape) -> str:
    """``1×64×56×56``."""
    return "×".join(str(d) for d in shape)


def _macs(node: Node) -> int:
    if node.kind == "layer":
        return node.item.macs
    return node.item.totals.macs if node.kind == "block" else 0


def _label(node: Node, report: Report) -> str:
    muted = '<font point-size="8" color="{color}">{text}</font>'
    if node.kind == "input":
        return (f'<<b>{html(node.name)}</b><br/>'
                + muted.format(color="#555555", text=html(shape_text(node.shape))) + ">")
    if node.kind == "block":
        block = node.item
        numbers = (f"{len(block.layers)} layers · {si(block.totals.params)} params · "
                   f"{si(block.totals.macs)} MACs")
        title = f"{node.name.rsplit('.', 1)[-1]} ({node.type})"
    else:
        row = node.item
        numbers = f"{exact(row.params)} params" if row.params else ""
        if row.macs:
            numbers += (" · " if numbers else "") + f"{si(row.macs)} MACs"
        title = node.name.rsplit(".", 1)[-1]
        title = f"{title} ({node.type})" if title != node.type else title
    text = f"<<b>{html(title)}</b>"
    if numbers:
        text += "<br/>" + muted.format(color="{color}", text=html(numbers))
    return text + ">"


def render_dot(report: Report, depth: int | None = None) -> str:
    """The DOT text of ``report``'s graph, blocks closed from ``depth`` on (None: as
    :func:`~cnncalc.report.graphview.auto_depth` chooses)."""
    view: Drawing = drawing(report, auto_depth(report) if depth is None else depth)
    peak = max((_macs(n) for n in view.nodes), default=0)
    title = (f"{report.name} · input {shape_text(next(iter(report.inputs.values())))} · "
             f"{exact(report.totals.params)} params · {si(report.totals.macs)} MACs "
             f"({report.convention})")
    lines = [
        f"digraph {quote(report.name)} {{",
        f'  graph [rankdir=TB, fontname="{FONT}", fontsize=11, nodesep=0.3, ranksep=0.32, '
        f'labelloc=t, label={quote(title)}, bgcolor="white", newrank=true];',
        f'  node [shape=box, style="rounded,filled", fontname="{FONT}", fontsize=10, '
        f'color="#8a94a6", fillcolor="#ffffff", penwidth=1, margin="0.12,0.04", height=0.3];',
        f'  edge [fontname="{FONT}", fontsize=8, color="#7d8799", fontcolor="#4a5263", '
        f'arrowsize=0.6];',
    ]
    children: dict[str | None, list[str]] = {}
    for node in view.nodes:
        share = _macs(node) / peak if peak else 0.0
        fill = ramp(share ** 0.5) if _macs(node) else "#ffffff"
        dark = share ** 0.5 > 0.55
        label = _label(node, report).replace("{color}", "#f2f2f2" if dark else "#555555")
        attrs = [f"label={label}", f'fillcolor="{fill}"']
        if dark:
            attrs.append('fontcolor="white"')
        if node.kind == "input":
            attrs += ['shape=box', 'style="rounded,filled"', 'fillcolor="#e8f1fb"',
                      'color="#4a7ab8"']
        elif node.kind == "block":
            attrs += ['peripheries=2']
        if (report.named_outputs and node.kind == "layer"
                and node.item.name in report.outputs):   # one of the network's outputs
            attrs += ['color="#2f6fdf"', 'penwidth=2.5']
        children.setdefault(node.parent, []).append(f"{quote(node.id)} [{', '.join(attrs)}];")
    subclusters: dict[str | None, list[str]] = {}
    for block, parent in view.clusters:
        subclusters.setdefault(parent, []).append(block.name)
    blocks = {block.name: block for block, _ in view.clusters}

    def emit(parent: str | None, indent: str) -> None:
        for name in subclusters.get(parent, []):
            block = blocks[name]
            label = (f"<<b>{html(name)}</b> <font color=\"#666666\">({html(block.type)}) · "
                     f"{html(si(block.totals.macs))} MACs</font>>")
            lines.append(f"{indent}subgraph {quote('cluster_' + name)} {{")
            lines.append(f'{indent}  label={label}; labeljust=l; style="rounded,filled"; '
                         f'color="#c3cad6"; fillcolor="#f6f8fb"; fontsize=10;')
            emit(name, indent + "  ")
            lines.append(f"{indent}}}")
        for text in children.get(parent, []):
            lines.append(indent + text)

    emit(None, "  ")
    for edge in view.edges:
        lines.append(f"  {quote(edge.source)} -> {quote(edge.target)} "
                     f"[label={quote(' ' + shape_text(edge.shape))}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


DOT_MISSING = ("--format svg runs Graphviz's dot program, which is not installed (not found on "
               "PATH); install Graphviz (apt-get install graphviz, brew install graphviz, "
               "choco install graphviz) or write --format dot or --format html")


def render_svg(report: Report, depth: int | None = None) -> str:
    """``report``'s graph as SVG, laid out by Graphviz's ``dot`` program.

    Raises :class:`~cnncalc.errors.UsageError` when ``dot`` is not installed or fails."""
    program = shutil.which("dot")
    if program is None:
        raise UsageError(DOT_MISSING)
    done = subprocess.run([program, "-Tsvg"], input=render_dot(report, depth).encode("utf-8"),
                          capture_output=True, check=False)
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"Graphviz's dot failed (exit {done.returncode}): "
                         f"{why[0] if why else 'no message'}")
    return done.stdout.decode("utf-8")
