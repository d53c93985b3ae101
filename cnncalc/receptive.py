"""Receptive fields, layer by layer: size, jump and start along each spatial dimension.

For the first output position of a layer, following Araujo, Norris and Sim, "Computing
receptive fields of convolutional neural networks", Distill (2019):

- ``size``: how many input positions (padding included) its value depends on, first to last;
- ``jump``: the distance, in input positions, between the fields of neighbouring output
  positions (0 when every position sees the same field, as after a squeeze-and-excitation
  gate, which multiplies every position by a summary of the whole input);
- ``start``: the centre of its field in input coordinates (the first input position is 0,
  padding lies at negative coordinates); a multiple of one half.

A window (convolution, pooling) of kernel K, stride S, left padding P and dilation d maps
``(size, jump, start)`` to ``(size + d·(K−1)·jump, jump·S, start + (d·(K−1)/2 − P)·jump)``.
Elementwise layers keep the field; a merge takes the union of its inputs' fields, position by
position (an input broadcast over space contributes the same field to every position).
Normalisation counts as elementwise: its statistics are treated as constants, as BatchNorm's
are at inference (GroupNorm, InstanceNorm and LayerNorm over space make every output depend,
through one mean and variance, on every position; like Araujo et al., cnncalc does not count
that). Layers that map positions unevenly (flatten, linear, upsampling, transposed
convolutions, inexact adaptive pooling) end the field for everything downstream of them, with
the reason.

This is the analysis stage: rules return numbers and a record of the step taken
(:class:`Window`, :class:`Union`, :class:`Shift`); ``explain`` writes the working from those
records. One rule per layer family, in a :class:`~cnncalc.rules.RuleTable`.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Callable, NamedTuple, Sequence, Union as Either

from cnncalc.layers.base import Layer, Shape, check_dim
from cnncalc.memo import Memo
from cnncalc.rules import RuleTable, is_a


class Span(NamedTuple):
    """The receptive field of the first output position along one spatial dimension.

    Kept as its first input position (an integer: the walk is integer arithmetic); the start,
    its centre, is ``first + (size − 1)/2``. A tuple, so that the walk's memo hashes it fast.
    """

    size: int
    jump: int
    first: int

    @property
    def start(self) -> Fraction:
        return Fraction(2 * self.first + self.size - 1, 2)


Spans = tuple[Span, ...]
Segments = tuple[tuple[int, Spans], ...]   # (number of channels, their field), in order
IDENTITY = Span(1, 1, 0)


@dataclass(frozen=True)
class ReceptiveField:
    """A layer's receptive field, one value per spatial dimension (``row.receptive_field``)."""

    size: tuple[int, ...]
    jump: tuple[int, ...]
    start: tuple[Fraction, ...]

    @staticmethod
    @lru_cache(maxsize=4096)   # the layers of a block share their fields; Fractions are slow
    def of(spans: Spans) -> "ReceptiveField":
        return ReceptiveField(tuple(s.size for s in spans), tuple(s.jump for s in spans),
                              tuple(s.start for s in spans))

    def spans(self) -> Spans:
        return tuple(Span(size, jump, int(start - Fraction(size - 1, 2)))
                     for size, jump, start in zip(self.size, self.jump, self.start))


# -- the records of a step, for the working ----------------------------------------------------

@dataclass(frozen=True)
class Window:
    """A window of reach ``d·(K−1)``, stride S and left padding P along each dimension."""

    before: Spans
    after: Spans
    reach: tuple[int, ...]
    stride: tuple[int, ...]
    pad: tuple[int, ...]


@dataclass(frozen=True)
class Union:
    """The union of the inputs' fields (``broadcast``: the inputs broadcast over space)."""

    inputs: tuple[Spans, ...]
    after: Spans
    broadcast: tuple[bool, ...]


@dataclass(frozen=True)
class Shift:
    """Dimension ``index`` loses ``offset`` leading positions (padding: a negative offset)."""

    index: int
    before: Span
    offset: int
    label: str
    after: Span


Step = Either[Window, Union, Shift]


@dataclass(frozen=True)
class Field:
    """A layer's field with the steps that made it, or why it is not defined.

    ``origin`` is the layer where the field stopped (this one, or one upstream).
    """

    spans: Spans | None
    reason: str = ""   # "layer (Type): why", for this layer and every one downstream
    origin: str = ""
    why: str = ""      # the reason, said at the origin
    steps: tuple[Step, ...] = ()
    #: runs of channels with fields of their own (None: every channel sees ``spans``), kept
    #: where channels from different branches meet (Concat) so that a later channel split
    #: (Chunk, Narrow, ChannelShuffle, a grouped convolution) sees exactly what its channels see
    channels: Segments | None = None
    #: a permuted layout (after a ``Permute``): for each dim of the output, the channels-first
    #: dim it holds. The field is followed (``held``) but not reported, ``spans`` being None,
    #: until a Permute puts the dims back in order
    axes: tuple[int, ...] | None = None
    held: Spans | None = None
    #: a learnable parameter (or a layer of parameters only): it depends on no input position
    constant: bool = False

    @property
    def receptive_field(self) -> ReceptiveField | None:
        return None if self.spans is None else ReceptiveField.of(self.spans)


class Stop(Exception):
    """The field is not defined past this layer; the message says why."""


CONSTANT = ("a learnable parameter depends on no input position; a merge (Add, Mul) with "
            "an activation keeps the activation's field")
MIXED = ("it combines a learnable parameter with the input's activations in a way cnncalc "
         "does not follow (only Add and Mul are)")


@dataclass(frozen=True)
class _Merged:
    """A merge's row with its parameter inputs left out (they see no input position)."""

    name: str
    type: str
    layer: Layer
    inputs: tuple[str, ...]
    input_shapes: tuple[Shape, ...]
    output_shape: Shape


@dataclass(frozen=True)
class Site:
    """What a rule sees of one layer."""

    layer: Layer
    inputs: tuple[Shape, ...]
    output: Shape


Rule = Callable[[Site, Sequence[Spans]], tuple[Spans, tuple[Step, ...]]]
RULES: RuleTable[Rule] = RuleTable("receptive-field rules")
rule = RULES.rule

NO_SPACE = "the input has no spatial dimensions"


def walk(layers: Sequence, input_name: str, input_shape: Shape) -> dict[str, Field]:
    """Every layer's field, by name; ``layers`` have ``name``, ``type``, ``inputs``,
    ``input_shapes``, ``output_shape`` and ``layer`` (analysis rows)."""
    if len(input_shape) < 3:
        return {row.name: Field(None, NO_SPACE, why=NO_SPACE) for row in layers}
    fields = {input_name: Field(tuple(IDENTITY for _ in input_shape[2:]))}
    for row in layers:
        inputs = [fields[name] for name in row.inputs]
        if len(inputs) == 1 and inputs[0].spans is not None and inputs[0].axes is None \
                and not is_a(row.layer, *_PERMUTE):   # the usual case: straight to the rule
            fields[row.name] = _stepped(row, inputs, len(input_shape))
            continue
        if not inputs or all(f.constant for f in inputs):   # a Parameter, or made of them
            origin = inputs[0] if inputs else None
            fields[row.name] = Field(None, origin.reason if origin else
                                     f"{row.name} ({row.type}): {CONSTANT}",
                                     origin.origin if origin else row.name, CONSTANT,
                                     constant=True)
            continue
        if any(f.constant for f in inputs):
            if not is_a(row.layer, *_MERGES):
                fields[row.name] = Field(None, f"{row.name} ({row.type}): {MIXED}", row.name,
                                         MIXED)
                continue
            # a merge with a parameter: only the other inputs depend on input positions;
            # the parameter is like an input broadcast over space that sees nothing
            keep = [k for k, f in enumerate(inputs) if not f.constant]
            inputs = [inputs[k] for k in keep]
            row = _Merged(row.name, row.type, row.layer, tuple(row.inputs[k] for k in keep),
                          tuple(row.input_shapes[k] for k in keep), row.output_shape)
        stopped = next((f for f in inputs if f.spans is None and f.held is None), None)
        if stopped is not None:
            fields[row.name] = Field(None, stopped.reason, stopped.origin, stopped.why)
            continue
        if is_a(row.layer, *_PERMUTE) or any(f.axes is not None for f in inputs):
            fields[row.name] = permuted(row, inputs)
            continue
        fields[row.name] = _stepped(row, inputs, len(input_shape))
    del fields[input_name]
    return fields


def _stepped(row, inputs: Sequence[Field], rank: int) -> Field:
    """The field after a layer whose inputs' fields are defined (``_step``, memoised)."""
    found = RULES.rule_for(type(row.layer))
    known = _STEPPED.get((found, row.layer, row.input_shapes, row.output_shape, rank,
                          tuple((f.spans, f.channels) for f in inputs)),
                         lambda: _step(row, inputs, found, rank))
    return known if isinstance(known, Field) else Field(
        None, f"{row.name} ({row.type}): {known}", row.name, known)


#: (rule, layer, shapes, input fields) → the layer's field, or why it stops: the layers of
#: repeated blocks meet the same fields again
_STEPPED: Memo["Field | str"] = Memo()


def _step(row, inputs: Sequence[Field], found: Rule | None, rank: int) -> "Field | str":
    """The field after one layer whose inputs' fields are defined, or why it stops."""
    try:
        if found is None:
            raise Stop(f"cnncalc does not follow receptive fields through {row.type}")
        if len(row.output_shape) != rank:
            raise Stop("its output has no spatial dimensions" if len(row.output_shape) < 3
                       else "it changes the number of spatial dimensions")
        site = Site(row.layer, row.input_shapes, row.output_shape)
        spans, steps = found(site, [f.spans for f in inputs])
        channels = _route(site, inputs, found)
        if channels is not None:
            spans = _union_of(site, [s for _, s in channels])
            if len(channels) == 1:
                channels = None
    except Stop as stop:
        return str(stop)
    return Field(spans, steps=steps, channels=channels)


def window(spans: Spans, kernels: Sequence[int], strides: Sequence[int], pads: Sequence[int],
           dilations: Sequence[int]) -> tuple[Spans, tuple[Step, ...]]:
    """The field after a window layer."""
    reach = tuple(d * (k - 1) for k, d in zip(kernels, dilations))
    # start' = start + (d·(K−1)/2 − P)·j, so the first position moves by −P·j
    after = tuple(Span(span.size + r * span.jump, span.jump * s, span.first - p * span.jump)
                  for span, r, s, p in zip(spans, reach, strides, pads))
    return after, (Window(spans, after, reach, tuple(strides), tuple(pads)),)


def unchanged(site: Site, inputs: Sequence[Spans]):
    return inputs[0], ()


def union(site: Site, inputs: Sequence[Spans]):
    """What each output position sees: the union of what its inputs' positions see.

    Position i of input k covers ``[first_k + i·jump_k, first_k + i·jump_k + size_k − 1]``
    (jump 0 for an input broadcast along the dimension). The union is a field again when one
    input has the lowest first position at both ends of the dimension and one (with the same
    jump) the highest last position: the minimum of lines through both end points is that line.
    """
    sizes = site.output[2:]
    broadcast = tuple(any(shape[2 + d] == 1 < n for d, n in enumerate(sizes))
                      for shape in site.inputs)
    if not any(broadcast) and all(spans == inputs[0] for spans in inputs):
        return inputs[0], ()
    merged = []
    for d, n in enumerate(sizes):
        along = [Span(s[d].size, 0, s[d].first) if shape[2 + d] == 1 < n else s[d]
                 for s, shape in zip(inputs, site.inputs)]
        lows = [(s.first, s.first + (n - 1) * s.jump, s.jump) for s in along]
        highs = [(s.first + s.size - 1, s.first + s.size - 1 + (n - 1) * s.jump, s.jump)
                 for s in along]
        low = (min(v[0] for v in lows), min(v[1] for v in lows))
        high = (max(v[0] for v in highs), max(v[1] for v in highs))
        low_jumps = {j for a, b, j in lows if (a, b) == low}
        high_jumps = {j for a, b, j in highs if (a, b) == high}
        if n == 1:
            low_jumps = high_jumps = {along[0].jump} if len({s.jump for s in along}) == 1 \
                else set()
        jump = next(iter(sorted(low_jumps & high_jumps)), None)
        if jump is None:
            raise Stop("its inputs' fields grow at different rates (jumps "
                       + ", ".join(str(s.jump) for s in along)
                       + "), so positions do not all see fields of one size")
        merged.append(Span(high[0] - low[0] + 1, jump, low[0]))
    merged = tuple(merged)
    return merged, (Union(tuple(inputs), merged, broadcast),)


def _cuts(segments: Segments) -> list[int]:
    at, cuts = 0, []
    for count, _ in segments:
        at += count
        cuts.append(at)
    return cuts


# layer classes by name (see cnncalc.rules), so that no layer family is imported for them
_CONCAT = ("Concat",)
_PERMUTE = ("Permute",)
_MERGES = ("Add", "Mul")
_SOFTMAX = ("_SoftmaxLike",)


# -- permuted layouts (channels-last) ----------------------------------------------------------

#: what a permuted (e.g. channels-last ``[N, H, W, C]``) tensor is followed through, each with
#: the layers it leaves the field unchanged in; anything else ends the field
POINTWISE = ("_Activation", "_Norm", "_Dropout", "StochasticDepth", "Identity")  # elementwise,
# and normalisation (as in channels-first)
ON_LAST_DIM = ("Linear",)   # a pointwise layer when the last dim is the channels
PERMUTED_WHY = ("its output is permuted (not channels-first), so its dims 2… are not the "
                "spatial dims in order; the field is followed through it and reported again "
                "once a Permute restores the order")


def permuted(row, inputs: Sequence[Field]) -> Field:
    """The field of a layer that makes or reads a permuted layout.

    A Permute composes the layout; elementwise layers and norms keep it and the field; a
    Linear keeps the field when the permuted tensor's last dim is the channels (ConvNeXt's
    pointwise layers); Add and Mul take the union of inputs in one layout. The field is reported
    again (``spans``) when the layout is channels-first once more.
    """
    layer, rank = row.layer, len(row.output_shape)
    axes = inputs[0].axes or tuple(range(rank))
    spans = inputs[0].held if inputs[0].held is not None else inputs[0].spans
    steps: tuple[Step, ...] = ()
    try:
        if any(f.channels is not None for f in inputs):
            raise Stop("its channels carry fields of their own (branches joined by Concat), "
                       "which cnncalc does not follow through a permuted layout")
        if is_a(layer, *_PERMUTE):
            from cnncalc.layers.reshape import permutation
            axes = tuple(axes[d] for d in permutation(layer.dims, rank))
        elif is_a(layer, *_SOFTMAX):
            dim = layer.dim if layer.dim is not None else (0 if rank in (0, 1, 3) else 1)
            if axes[check_dim(dim, rank)] != 1:
                raise Stop("a softmax along a spatial dim mixes every position of it")
        elif is_a(layer, *POINTWISE):
            pass
        elif is_a(layer, *ON_LAST_DIM):
            if axes[-1] != 1:
                raise Stop("a linear layer on a spatial dimension connects every position of it")
        elif is_a(layer, *_MERGES) and len({f.axes for f in inputs}) == 1:
            # the union, computed on the shapes put back in channels-first order
            def back(shape: Shape) -> Shape:
                out = [0] * rank
                for k, d in enumerate(axes):
                    out[d] = shape[k]
                return tuple(out)
            site = Site(layer, tuple(back(s) for s in row.input_shapes), back(row.output_shape))
            spans, steps = union(site, [f.held if f.held is not None else f.spans
                                        for f in inputs])
        else:
            raise Stop("cnncalc follows a permuted (channels-last) tensor only through Permute, "
                       "elementwise layers, normalisation, Linear over the channels, Add and "
                       "Mul")
    except Stop as stop:
        return Field(None, f"{row.name} ({row.type}): {stop}", row.name, str(stop))
    if axes == tuple(range(rank)):
        return Field(spans, steps=steps)
    if inputs[0].axes is not None:
        first = inputs[0]
        return Field(None, first.reason, first.origin, first.why, steps, axes=axes, held=spans)
    return Field(None, f"{row.name} ({row.type}): {PERMUTED_WHY}", row.name, PERMUTED_WHY,
                 axes=axes, held=spans)


def shifted(spans: Spans, index: int, offset: int, label: str) -> tuple[Spans, tuple[Step, ...]]:
    """The field after dropping ``offset`` leading positions of spatial dimension ``index``."""
    old = spans[index]
    span = Span(old.size, old.jump, old.first + offset * old.jump)
    new = tuple(span if i == index else s for i, s in enumerate(spans))
    return new, ((Shift(index, old, offset, label, span),) if offset else ())


# -- channels with fields of their own ---------------------------------------------------------

#: layer classes that treat each channel on its own (what a channel sees stays its own)
PER_CHANNEL = (*POINTWISE, "_WindowPool", "_AdaptivePool", "_Pad")
ROUTES: RuleTable[Callable[[Site, list[Segments], Rule], Segments]] = RuleTable("channel routes")


def _segments(field: Field, shape: Shape) -> Segments:
    return field.channels or ((shape[1], field.spans),)


def _compact(runs: Sequence[tuple[int, Spans]]) -> Segments:
    out: list[tuple[int, Spans]] = []
    for count, spans in runs:
        if count == 0:
            continue
        if out and out[-1][1] == spans:
            out[-1] = (out[-1][0] + count, spans)
        else:
            out.append((count, spans))
    return tuple(out)


def _slice(segments: Segments, start: int, stop: int) -> Segments:
    """The runs of channels ``start`` to ``stop − 1``."""
    out, at = [], 0
    for count, spans in segments:
        lo, hi = max(start, at), min(stop, at + count)
        if lo < hi:
            out.append((hi - lo, spans))
        at += count
    return _compact(out)


def _union_of(site: Site, fields: Sequence[Spans]) -> Spans:
    distinct = list(dict.fromkeys(fields))
    if len(distinct) == 1:
        return distinct[0]
    same = Site(site.layer, (site.output,) * len(distinct), site.output)
    return union(same, distinct)[0]


def _route(site: Site, inputs: Sequence[Field], found: Rule) -> Segments | None:
    """The output's runs of channels and their fields, or None when every channel sees the
    layer's field (nothing to keep apart, or a layer that mixes every channel)."""
    if all(f.channels is None for f in inputs) and not is_a(site.layer, *_CONCAT):
        return None
    route = ROUTES.rule_for(type(site.layer))
    segments = [_segments(f, shape) for f, shape in zip(inputs, site.inputs)]
    if route is not None:
        return _compact(route(site, segments, found))
    if is_a(site.layer, *PER_CHANNEL):
        return _compact([(count, found(site, [spans])[0]) for count, spans in segments[0]])
    return None


# -- the rules of the families -----------------------------------------------------------------

def _register() -> None:
    @rule("_ConvNd")
    def convolution(site, inputs):
        layer = site.layer
        return window(inputs[0], layer.per_dim("kernel_size"), layer.per_dim("stride"),
                      [left for left, _ in layer.padding_pairs()], layer.per_dim("dilation"))

    rule(*POINTWISE, "ChannelShuffle")(unchanged)
    rule("Add", "Mul")(union)

    @rule("Permute")
    def permute(site, inputs):
        """Reached only for a Permute that keeps the order (``walk`` hands the others to
        :func:`permuted`)."""
        return inputs[0], ()

    @ROUTES.rule("_SoftmaxLike")
    def softmax_channels(site, segments, found):
        # along the channels it mixes them all; along a spatial dim the field stops anyway
        return ((site.output[1], found(site, [_union_of(site, [s for _, s in segments[0]])])[0]),)

    @ROUTES.rule("_ConvNd")
    def convolution_groups(site, segments, found):
        """Output group k sees what input group k sees, through the window."""
        groups, cin, cout = site.layer.groups, site.inputs[0][1], site.output[1]
        runs = []
        for k in range(groups):
            part = _slice(segments[0], k * cin // groups, (k + 1) * cin // groups)
            runs.append((cout // groups, found(site, [_union_of(site, [s for _, s in part])])[0]))
        return runs

    @ROUTES.rule("Concat")
    def concat_channels(site, segments, found):
        if check_dim(site.layer.dim, len(site.output)) != 1:
            return [(site.output[1], found(site, [_union_of(site, [s for _, s in seg])
                                                  for seg in segments])[0])]
        return [run for seg in segments for run in seg]

    @ROUTES.rule("Add", "Mul")
    def merge_channels(site, segments, found):
        """Channel by channel, the union of what each input's channel sees (an input with
        one channel is broadcast over the channels)."""
        cuts = sorted({0, site.output[1]} | {
            at for seg, shape in zip(segments, site.inputs) if shape[1] > 1
            for at in _cuts(seg)})
        runs = []
        for lo, hi in zip(cuts, cuts[1:]):
            parts = [_slice(seg, lo, hi)[0][1] if shape[1] > 1 else seg[0][1]
                     for seg, shape in zip(segments, site.inputs)]
            runs.append((hi - lo, found(site, parts)[0]))
        return runs

    @ROUTES.rule("Chunk", "Narrow")
    def select_channels(site, segments, found):
        layer, x = site.layer, site.inputs[0]
        if check_dim(layer.dim, len(x)) != 1:
            return [(count, found(site, [spans])[0]) for count, spans in segments[0]]
        if is_a(layer, "Narrow"):
            start = layer.start % x[1]
            return _slice(segments[0], start, start + layer.length)
        from cnncalc.layers.select import chunk_sizes

        sizes = chunk_sizes(x[1], layer.chunks)
        start = sum(sizes[:layer.index % len(sizes)])
        return _slice(segments[0], start, start + sizes[layer.index % len(sizes)])

    @ROUTES.rule("ChannelShuffle")
    def shuffle_channels(site, segments, found):
        """``[g, C/g] → [C/g, g]``: new channel ``j·g + i`` is old channel ``i·C/g + j``."""
        per_channel = [spans for count, spans in segments[0] for _ in range(count)]
        groups, size = site.layer.groups, len(per_channel)
        per = size // groups
        return [(1, per_channel[(c % groups) * per + c // groups]) for c in range(size)]

    @rule("_WindowPool")
    def pooling(site, inputs):
        return window(inputs[0], *(site.layer.per_dim(name) for name in
                                   ("kernel_size", "stride", "padding", "dilation")))

    @rule("_AdaptivePool")
    def adaptive(site, inputs):
        sizes, outs = site.inputs[0][2:], site.output[2:]
        if any(n % out for n, out in zip(sizes, outs)):
            raise Stop("adaptive windows vary in size where the division is not exact")
        steps = [n // out for n, out in zip(sizes, outs)]
        # an exact division makes it a plain pool with kernel = stride = input / output
        return window(inputs[0], steps, steps, [0] * len(steps), [1] * len(steps))

    @rule("_Reduce")
    def reduction(site, inputs):
        """``keepdim``: a reduced spatial dim is one window over its whole extent (as a global
        pooling); without ``keepdim`` the number of dims changes and the field ends."""
        x = site.inputs[0]
        dims = site.layer.reduced(len(x))
        sizes = [n if 2 + i in dims else 1 for i, n in enumerate(x[2:])]
        return window(inputs[0], sizes, sizes, [0] * len(sizes), [1] * len(sizes))

    @ROUTES.rule("_Reduce")
    def reduction_channels(site, segments, found):
        """Over the channels every output channel sees them all; else each its own."""
        if 1 in site.layer.reduced(len(site.inputs[0])):
            every = _union_of(site, [s for _, s in segments[0]])
            return [(site.output[1], found(site, [every])[0])]
        return [(count, found(site, [spans])[0]) for count, spans in segments[0]]

    @rule("_Pad")
    def padding(site, inputs):
        spans, steps = inputs[0], ()
        for i, (before, _) in enumerate(site.layer.padding_pairs()):
            spans, moved = shifted(spans, i, -before, "the padding")
            steps += moved
        return spans, steps

    @rule("_SoftmaxLike")
    def softmax(site, inputs):
        if site.layer.dim is not None and check_dim(site.layer.dim, len(site.output)) >= 2:
            raise Stop("a softmax along a spatial dim mixes every position of it")
        return inputs[0], ()

    @rule("Concat")
    def concat(site, inputs):
        if check_dim(site.layer.dim, len(site.output)) >= 2:
            raise Stop("it joins along a spatial dim")
        return union(site, inputs)

    @rule("Chunk", "Narrow")
    def selection(site, inputs):
        """A part along a spatial dim starts its field later by the part's offset."""
        layer, x = site.layer, site.inputs[0]
        dim = check_dim(layer.dim, len(x))
        if dim < 2:
            return inputs[0], ()
        if is_a(layer, "Narrow"):
            return shifted(inputs[0], dim - 2, layer.start % x[dim], "start")
        from cnncalc.layers.select import chunk_sizes

        sizes = chunk_sizes(x[dim], layer.chunks)
        return shifted(inputs[0], dim - 2, sum(sizes[:layer.index % len(sizes)]),
                       "the part's offset")

    def stop(why: str) -> Rule:
        def stops(site, inputs):
            raise Stop(why)
        return stops

    rule("_ConvTransposeNd")(stop(
        "a transposed convolution spreads each input position over several output "
        "positions, so neighbouring outputs do not step evenly through the input"))
    rule("Upsample", "PixelShuffle")(stop(
        "upsampling gives several output positions the same input positions, so neighbouring "
        "outputs do not step evenly through the input"))
    rule("PixelUnshuffle")(stop("it moves spatial positions into channels"))
    rule("Flatten", "Unflatten")(stop("it reshapes the spatial dimensions"))
    rule("Linear")(stop("a linear layer on a spatial dimension connects every position of it"))
    rule("DeformConv2d")(stop("deformable sampling reads the positions its offsets choose, so "
                            "no fixed window of the input is known"))
    rule("MultiheadAttention")(stop(
        "attention weighs every key position for every query position, so every position "
        "reaches every output"))
    rule("Matmul")(stop("a matrix product sums over a whole dimension, so every position of it "
                      "reaches every output"))
    # a Parameter never reaches its rule (``walk`` marks it constant: no input position)
    rule("Parameter")(stop(CONSTANT))


_register()
