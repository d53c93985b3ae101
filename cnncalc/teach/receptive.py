"""Receptive fields, layer by layer: size, jump and start along each spatial dimension.

For the first output position of a layer, following Araujo, Norris and Sim, "Computing
receptive fields of convolutional neural networks", Distill (2019):

- ``size``: how many input positions (padding included) its value depends on, first to last;
- ``jump``: the distance, in input positions, between neighbouring output positions;
- ``start``: the centre of its field in input coordinates (the first input position is 0,
  padding lies at negative coordinates).

A window (convolution, pooling) of kernel K, stride S, left padding P and dilation d maps
``(size, jump, start)`` to ``(size + d·(K−1)·jump, jump·S, start + (d·(K−1)/2 − P)·jump)``.
Elementwise layers keep the field; merges take the union of their inputs' fields when their
jumps agree. Layers that map positions in other ways (flatten, linear, upsampling, transposed
convolutions, adaptive pooling) end the walk for everything downstream of them, and the
explanation says where and why. Normalisation counts as elementwise, as at inference.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Sequence

from cnncalc.analysis import Report, Row
from cnncalc.layers.base import check_dim
from cnncalc.spec import INPUT
from cnncalc.teach.explainers.registry import nearest, registrar
from cnncalc.teach.working import SPATIAL, group_dims


@dataclass(frozen=True)
class Span:
    """The receptive field along one spatial dimension."""

    size: int
    jump: int
    start: Fraction

    @property
    def first(self) -> Fraction:
        return self.start - Fraction(self.size - 1, 2)


@dataclass(frozen=True)
class Field:
    """A layer's receptive field: one span per spatial dimension, or where the walk stopped."""

    spans: tuple[Span, ...] | None
    stopped: str = ""
    lines: tuple[str, ...] = ()


class Stop(Exception):
    """The field is not followed through this layer; the message says why."""


Rule = Callable[[Row, Sequence[tuple[Span, ...]]], tuple[tuple[Span, ...], list[str]]]
RULES: dict[type, Rule] = {}
#: register the decorated function as the rule of the given classes and their subclasses
rule = registrar(RULES, "receptive-field rules")


def receptive_fields(report: Report) -> dict[str, Field]:
    """Every layer's receptive field, by layer name; empty for inputs without spatial dims."""
    x = report.inputs[INPUT]
    if len(x) < 3:
        return {}
    fields = {INPUT: Field(tuple(Span(1, 1, Fraction(0)) for _ in x[2:]))}
    for row in report.layers:
        inputs = [fields[name] for name in row.inputs]
        stopped = next((f for f in inputs if f.spans is None), None)
        if stopped is not None:
            fields[row.name] = Field(None, stopped.stopped)
            continue
        found = nearest(RULES, type(row.layer))
        try:
            if found is None:
                raise Stop(f"cnncalc does not follow receptive fields through {row.type}")
            spans, lines = found(row, [f.spans for f in inputs])
        except Stop as stop:
            fields[row.name] = Field(None, f"{row.name} ({row.type}): {stop}",
                                     (f"RF: not followed past this layer — {stop}",))
            continue
        fields[row.name] = Field(spans, "", tuple(lines))
    return fields


def fraction(x: Fraction) -> str:
    """``2``, ``2.5`` or ``-1.5``: starts are multiples of one half.

    >>> fraction(Fraction(5, 2)), fraction(Fraction(-3)), fraction(Fraction(1, 3))
    ('2.5', '−3', '1/3')
    """
    sign, x = ("−", -x) if x < 0 else ("", x)
    if x.denominator == 1:
        return f"{sign}{x.numerator}"
    if x.denominator == 2:
        return f"{sign}{x.numerator // 2}.5"
    return f"{sign}{x}"


def describe(spans: tuple[Span, ...]) -> str:
    """``11×11, jump 4, start 5`` (per-dimension values joined by ``×`` when they differ)."""
    def joined(values: list[str]) -> str:
        return values[0] if len(set(values)) == 1 else "×".join(values)
    return (f"{'×'.join(str(s.size) for s in spans)}, jump {joined([str(s.jump) for s in spans])}"
            f", start {joined([fraction(s.start) for s in spans])}")


def window(spans: tuple[Span, ...], kernels: Sequence[int], strides: Sequence[int],
           pads: Sequence[int], dilations: Sequence[int]) -> tuple[tuple[Span, ...], list[str]]:
    """The field after a window layer, and its working, worked once when all dims agree."""
    dims = SPATIAL[len(spans)]
    new, cases = [], []
    for span, k, s, p, d in zip(spans, kernels, strides, pads, dilations):
        reach = d * (k - 1)
        new.append(Span(span.size + reach * span.jump, span.jump * s,
                        span.start + (Fraction(reach, 2) - p) * span.jump))
        cases.append((span, reach, s, p, new[-1]))
    lines = []
    for group, (span, reach, s, p, out) in group_dims(dims, cases):
        label = "RF" if len(group) == len(dims) else f"RF {'/'.join(group)}"
        lines.append(f"{label} size = r + d·(K−1)·j = {span.size} + {reach}·{span.jump} = "
                     f"{out.size}, jump = j·S = {span.jump}·{s} = {out.jump}")
        lines.append(f"{label} start = s + (d·(K−1)/2 − P)·j = {fraction(span.start)} + "
                     f"({fraction(Fraction(reach, 2))} − {p})·{span.jump} = "
                     f"{fraction(out.start)}")
    return tuple(new), lines


def unchanged(row: Row, inputs: Sequence[tuple[Span, ...]]):
    return inputs[0], []


def union(row: Row, inputs: Sequence[tuple[Span, ...]]):
    """A merge sees everything each of its inputs sees: the union of their fields."""
    spatial = {s[2:] for s in row.input_shapes}
    if len(spatial) > 1 or len({len(s) for s in inputs}) > 1:
        raise Stop("an input is broadcast over space (as in squeeze-and-excitation), so what "
                   "a position sees depends on where it is")
    if all(spans == inputs[0] for spans in inputs):
        return inputs[0], []
    merged = []
    for along in zip(*inputs):
        if len({s.jump for s in along}) > 1:
            raise Stop("its inputs have different jumps: "
                       + ", ".join(str(s.jump) for s in along))
        first = min(s.first for s in along)
        last = max(s.first + s.size - 1 for s in along)
        merged.append(Span(int(last - first + 1), along[0].jump, (first + last) / 2))
    merged = tuple(merged)
    return merged, [f"RF = the union of the inputs' fields ("
                    + "; ".join(describe(s) for s in inputs) + f") = {describe(merged)}"]


def shifted(spans: tuple[Span, ...], dim: int, offset: int, label: str):
    """The field after dropping ``offset`` leading positions of spatial dim ``dim`` (≥ 2)."""
    index = dim - 2
    old = spans[index]
    span = Span(old.size, old.jump, old.start + offset * old.jump)
    new = tuple(span if i == index else s for i, s in enumerate(spans))
    dim_name = SPATIAL[len(spans)][index]
    return new, [f"RF {dim_name} start moves by {label}: {fraction(old.start)} + "
                 f"{offset}·{old.jump} = {fraction(span.start)}"] if offset else []


# -- the rules of the families -----------------------------------------------------------------

def _register() -> None:
    from cnncalc.layers.activation import _Activation, _SoftmaxLike
    from cnncalc.layers.conv import _ConvNd
    from cnncalc.layers.merge import Add, Concat, Mul
    from cnncalc.layers.dropout import _Dropout
    from cnncalc.layers.norm import _Norm
    from cnncalc.layers.padding import _Pad
    from cnncalc.layers.pool import _AdaptivePool, _WindowPool
    from cnncalc.layers.resample import ChannelShuffle
    from cnncalc.layers.reshape import Identity
    from cnncalc.layers.select import Chunk, Narrow, chunk_sizes

    @rule(_ConvNd)
    def convolution(row, inputs):
        layer = row.layer
        return window(inputs[0], layer.per_dim("kernel_size"), layer.per_dim("stride"),
                      [left for left, _ in layer.padding_pairs()], layer.per_dim("dilation"))

    rule(_Activation, _Norm, _Dropout, Identity, ChannelShuffle)(unchanged)
    rule(Add, Mul)(union)

    @rule(_WindowPool)
    def pooling(row, inputs):
        return window(inputs[0], *(row.layer.per_dim(name) for name in
                                   ("kernel_size", "stride", "padding", "dilation")))

    @rule(_AdaptivePool)
    def adaptive(row, inputs):
        sizes, outs = row.input_shapes[0][2:], row.output_shape[2:]
        if any(n % out for n, out in zip(sizes, outs)):
            raise Stop("adaptive windows vary in size where the division is not exact")
        steps = [n // out for n, out in zip(sizes, outs)]
        # an exact division makes it a plain pool with kernel = stride = input / output
        return window(inputs[0], steps, steps, [0] * len(steps), [1] * len(steps))

    @rule(_Pad)
    def padding(row, inputs):
        spans, lines = list(inputs[0]), []
        for i, (before, _) in enumerate(row.layer.padding_pairs()):
            spans_i, moved = shifted(tuple(spans), i + 2, -before, "the padding")
            spans, lines = list(spans_i), lines + moved
        return tuple(spans), lines

    @rule(_SoftmaxLike)
    def softmax(row, inputs):
        if row.layer.dim is not None and check_dim(row.layer.dim, len(row.output_shape)) >= 2:
            raise Stop("a softmax along a spatial dim mixes every position of it")
        return inputs[0], []

    @rule(Concat)
    def concat(row, inputs):
        if check_dim(row.layer.dim, len(row.output_shape)) >= 2:
            raise Stop("it joins along a spatial dim")
        return union(row, inputs)

    @rule(Chunk, Narrow)
    def selection(row, inputs):
        """A part along a spatial dim starts its field later by the part's offset."""
        layer, x = row.layer, row.input_shapes[0]
        dim = check_dim(layer.dim, len(x))
        if dim < 2:
            return inputs[0], []
        if isinstance(layer, Narrow):
            return shifted(inputs[0], dim, layer.start % x[dim], "start")
        sizes = chunk_sizes(x[dim], layer.chunks)
        return shifted(inputs[0], dim, sum(sizes[:layer.index % len(sizes)]),
                       "the part's offset")


_register()
