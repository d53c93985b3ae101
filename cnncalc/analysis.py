"""The walk: shapes flow through the graph, each layer's formulas give its row, rows add up."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from cnncalc.errors import LayerError, NetworkError, Problem, UsageError
from cnncalc.graph import Graph, Node, build_graph
from cnncalc.layers import Layer, Shape
from cnncalc.layers.base import numel
from cnncalc.spec import INPUT, Network, in_file_order

CONVENTIONS = ("torch",)
MAX_ELEMENTS = 10 ** 15  # a shape beyond this is a typo, not a network


@dataclass(frozen=True)
class Row:
    """One leaf layer's statistics; every count covers the whole batch."""

    name: str
    type: str
    inputs: tuple[str, ...]
    input_shapes: tuple[Shape, ...]
    output_shape: Shape
    params: int
    trainable_params: int
    buffers: int
    macs: int
    layer: Layer = field(repr=False, compare=False)
    trainable: bool = True

    @property
    def flops(self) -> int:
        return 2 * self.macs

    @property
    def non_trainable_params(self) -> int:
        return self.params - self.trainable_params


@dataclass(frozen=True)
class Totals:
    params: int
    trainable_params: int
    non_trainable_params: int
    buffers: int
    macs: int
    flops: int

    @classmethod
    def of(cls, rows: Iterable[Row]) -> "Totals":
        rows = list(rows)
        params = sum(r.params for r in rows)
        trainable = sum(r.trainable_params for r in rows)
        macs = sum(r.macs for r in rows)
        return cls(params, trainable, params - trainable, sum(r.buffers for r in rows), macs,
                   2 * macs)


@dataclass(frozen=True)
class Report:
    """The result of :func:`analyze`: rows in execution order and their totals."""

    name: str
    batch: int
    convention: str
    inputs: dict[str, Shape]
    layers: list[Row]
    totals: Totals
    output: str = ""

    @property
    def branches(self) -> bool:
        """True when some layer does not simply take the previous layer's output."""
        previous = INPUT
        for row in self.layers:
            if row.inputs != (previous,):
                return True
            previous = row.name
        return False

    def layer(self, name: str) -> Row:
        for row in self.layers:
            if row.name == name:
                return row
        raise KeyError(name)

    def table(self) -> str:
        from cnncalc.report.table import render_table
        return render_table(self)

    def markdown(self) -> str:
        from cnncalc.report.markdown import render_markdown
        return render_markdown(self)

    def csv(self) -> str:
        from cnncalc.report.csv import render_csv
        return render_csv(self)

    def to_dict(self) -> dict[str, Any]:
        from cnncalc.report.json import report_dict
        return report_dict(self)

    def to_json(self) -> str:
        from cnncalc.report.json import render_json
        return render_json(self)


def analyze(network: Network, *, batch: int = 1, input: Iterable[int] | None = None,
            convention: str = "torch") -> Report:
    """Every layer's output shape, params, buffers and MACs, computed statically.

    ``input`` overrides the network's input shape (batch excluded). Raises
    :class:`~cnncalc.errors.NetworkError` with every problem found.
    """
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise UsageError(f"batch must be a whole number ≥ 1 (got {batch!r})")
    if convention not in CONVENTIONS:
        raise UsageError(f"unknown convention {convention!r} (expected one of "
                         f"{', '.join(CONVENTIONS)})")
    sample = tuple(network.input if input is None else input)
    if not sample or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0
                             for n in sample):
        raise UsageError(f"input must be positive whole numbers (got {list(sample)})")
    graph = build_graph(network)
    rows, problems = walk(graph, (batch, *sample))
    problems = graph.problems + problems
    if problems:
        raise NetworkError(in_file_order(problems))
    return Report(network.name, batch, convention, {INPUT: (batch, *sample)}, rows,
                  Totals.of(rows), graph.output)


def walk(graph: Graph, input_shape: Shape) -> tuple[list[Row], list[Problem]]:
    """Rows of the nodes whose inputs are known; problems of those that fail."""
    shapes: dict[str, Shape] = {INPUT: input_shape}
    rows: list[Row] = []
    problems: list[Problem] = []
    for node in graph.nodes:
        if not all(name in shapes for name in node.inputs):
            continue  # an upstream layer failed and was reported already
        in_shapes = tuple(shapes[name] for name in node.inputs)
        try:
            row = measure(node, in_shapes)
        except LayerError as err:
            problems.append(node.locate(err))
            continue
        shapes[node.name] = row.output_shape
        rows.append(row)
    return rows, problems


def measure(node: Node, in_shapes: tuple[Shape, ...]) -> Row:
    """One node's row: its formulas applied to its input shapes."""
    node.layer.check_input(*in_shapes)
    layer = node.layer.resolve(*in_shapes)
    out = tuple(layer.compute_output_shape(*in_shapes))
    if numel(out) > MAX_ELEMENTS:
        raise LayerError("the output is implausibly large",
                         expected="at most 10^15 elements", got=f"{list(out)}")
    params = layer.count_params(*in_shapes)
    return Row(node.name, node.type, node.inputs, in_shapes, out, params,
               params if node.trainable else 0, layer.count_buffers(*in_shapes),
               layer.count_macs(*in_shapes), layer, node.trainable)
