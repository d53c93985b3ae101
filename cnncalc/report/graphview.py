"""The network as a drawable graph: which block instances are drawn open, which as one node.

Shared by the HTML report (which only takes :func:`auto_depth` and :func:`block_parents`
from here; its page redraws the graph itself when a block is opened or closed) and the DOT
output. ``depth`` means what ``summary --depth`` means: 0 opens every block, N ≥ 1 draws
each block instance at depth N as one node (and opens the shallower ones).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cnncalc.analysis import BlockRow, Report, Row

AUTO_LAYERS = 100   # more leaf layers than this: the graph starts with its blocks closed


def auto_depth(report: Report) -> int:
    """The depth a graph of ``report`` starts at: every layer for a network of at most
    :data:`AUTO_LAYERS` layers (or without blocks), else the network's own blocks closed.

    >>> from cnncalc import analyze, load
    >>> auto_depth(analyze(load("resnet18"))), auto_depth(analyze(load("resnet152")))
    (0, 1)
    """
    return 1 if len(report.layers) > AUTO_LAYERS and report.blocks else 0


def block_parents(report: Report) -> dict[str, str | None]:
    """Each block instance's enclosing block instance (None at the top), from the layers'
    scopes; a block without layers by its dotted name."""
    parents: dict[str, str | None] = {}
    for row in report.layers:
        for i, name in enumerate(row.scope):
            parents.setdefault(name, row.scope[i - 1] if i else None)
    names = {block.name for block in report.blocks}
    for block in report.blocks:
        if block.name not in parents:
            head = block.name.rsplit(".", 1)[0] if "." in block.name else None
            while head is not None and head not in names:
                head = head.rsplit(".", 1)[0] if "." in head else None
            parents[block.name] = head
    return parents


@dataclass(frozen=True)
class Node:
    """A drawn node: a network input, a leaf layer or a closed block instance."""

    id: str
    kind: str                 # "input", "layer" or "block"
    name: str
    type: str
    parent: str | None        # the open block instance drawn around it
    item: Any = None          # its Row or BlockRow (None for an input)
    shape: tuple[int, ...] = ()


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    shape: tuple[int, ...]    # the tensor that flows: the source layer's output


@dataclass(frozen=True)
class Drawing:
    clusters: list[tuple[BlockRow, str | None]]   # open block instances and their parents
    nodes: list[Node]
    edges: list[Edge]


def drawing(report: Report, depth: int) -> Drawing:
    """The nodes, open blocks and edges of ``report`` drawn at ``depth``."""
    parents = block_parents(report)
    blocks = {block.name: block for block in report.blocks}

    def open_(name: str) -> bool:
        return name not in blocks or depth == 0 or blocks[name].depth < depth

    def seen(name: str) -> bool:   # drawn at all: every enclosing block is open
        parent = parents.get(name)
        return parent is None or open_(parent) and seen(parent)

    def drawn(row: Row) -> tuple[str, str | None]:
        """The id of the node that stands for ``row`` and its parent cluster."""
        parent = None
        for name in row.scope:
            if not open_(name):
                return "b:" + name, parent
            parent = name
        return "l:" + row.name, parent

    nodes = [Node("i:" + name, "input", name, "Input", None, None, tuple(shape))
             for name, shape in report.inputs.items()]
    ids = {"i:" + name for name in report.inputs}
    of_layer = {name: "i:" + name for name in report.inputs}
    shapes = {name: tuple(shape) for name, shape in report.inputs.items()}
    for row in report.layers:
        node_id, parent = drawn(row)
        of_layer[row.name] = node_id
        shapes[row.name] = tuple(row.output_shape)
        if node_id in ids:
            continue
        ids.add(node_id)
        if node_id.startswith("b:"):
            block = blocks[node_id[2:]]
            nodes.append(Node(node_id, "block", block.name, block.type, parent, block,
                              tuple(block.output_shape)))
        else:
            nodes.append(Node(node_id, "layer", row.name, row.type, parent, row,
                              tuple(row.output_shape)))
    edges: dict[tuple[str, str], Edge] = {}
    for row in report.layers:
        target = of_layer[row.name]
        for name in row.inputs:
            source = of_layer.get(name)
            if source is not None and source != target and (source, target) not in edges:
                edges[source, target] = Edge(source, target, shapes[name])
    clusters = [(block, parents.get(block.name)) for block in report.blocks
                if open_(block.name) and seen(block.name)]
    return Drawing(clusters, nodes, list(edges.values()))
