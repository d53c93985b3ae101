"""The walk: shapes flow through the graph, each layer's formulas give its row, rows add up.

The MACs and FLOPs of a row come from a counting convention (:mod:`cnncalc.counting`): a
table of rules looked up by the layer's type. Rendering is a later stage
(:mod:`cnncalc.report`), which this module never imports.
"""

from __future__ import annotations

import weakref
from dataclasses import MISSING, dataclass, field, fields, replace
from typing import Any, Iterable

from cnncalc import counting
from cnncalc import receptive
from cnncalc.memory import DEFAULT_DTYPE, DEFAULT_OPTIMIZER, Memory, account
from cnncalc.counting import Convention, Site
from cnncalc.errors import LayerError, NetworkError, Position, Problem, UsageError, show
from cnncalc.graph import Graph, Node, build_graph
from cnncalc.layers import Layer, Shape
from cnncalc.layers.base import RANK_FORMS, numel
from cnncalc.memo import Memo, forget_all
from cnncalc.receptive import ReceptiveField
from cnncalc.spec import INPUT, Network, in_file_order

CONVENTIONS = counting.NAMES
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
    flops: int
    layer: Layer = field(repr=False, compare=False)
    trainable: bool = True
    call: str = "module"   # how the original code calls it (see cnncalc.counting.Site)
    output_bytes: int = 0  # the output, numel × element size (see cnncalc.memory)
    saved_bytes: int = 0   # what autograd keeps for backward from this layer, counted once
    #: size, jump and start per spatial dim (see cnncalc.receptive); None where not defined
    receptive_field: ReceptiveField | None = None
    receptive_field_reason: str = ""   # why it is None ("" when defined)
    scope: tuple[str, ...] = ()        # the block instances it is in, outermost first
    count: int = 1                     # leaf layers it stands for (a block's or type's row)
    #: the layer whose module (weights and all) this row calls again (``share:``); its
    #: parameters and buffers are counted there, once, as torch's ``parameters()`` counts
    #: them, so this row has none; its MACs, FLOPs and memory are its own call's
    shares: str | None = None

    @property
    def site(self) -> Site:
        """What a counting rule sees of this row."""
        return Site(self.layer, self.input_shapes, self.output_shape, self.call)

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
        params = trainable = buffers = macs = flops = 0
        for r in rows:   # one pass: a report has a Totals per block instance
            params += r.params
            trainable += r.trainable_params
            buffers += r.buffers
            macs += r.macs
            flops += r.flops
        return cls(params, trainable, params - trainable, buffers, macs, flops)


@dataclass(frozen=True)
class BlockRow:
    """One block instance of the analysed network: what it is and the totals of its layers.

    ``inputs`` are the names its input comes from, ``output`` the layer whose output is the
    block's; ``layers`` its leaf layers in execution order (nested blocks' included).
    """

    name: str
    type: str
    args: dict[str, Any]
    inputs: tuple[str, ...]
    output: str
    output_shape: Shape
    layers: tuple[str, ...]
    totals: Totals
    output_bytes: int
    saved_bytes: int
    shares: str | None = None   # the block instance it applies again (``share:``), if any

    @property
    def depth(self) -> int:
        return self.name.count(".") + 1


@dataclass(frozen=True)
class View:
    """How a report's rows were chosen: ``kind`` is ``""`` (every layer), ``"depth"``,
    ``"type"`` or ``"top"`` (which may follow one of the others)."""

    kind: str = ""
    depth: int = 0
    top: int = 0
    by: str = ""
    layers: int = 0          # leaf layers of the network
    rows: int = 0            # rows before --top chose some
    shown: Totals | None = None   # the chosen rows' totals (--top)


@dataclass(frozen=True)
class Note:
    """An argument inferred at the analysed input other than at the network's own input: the
    model built for the file's input would refuse this one (``Linear.in_features`` after a
    ``Flatten``, typically)."""

    layer: str
    type: str
    argument: str
    file_input: Any    # the argument's value at the network's own input
    this_input: Any    # its value at the analysed input
    message: str


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
    notes: tuple[Note, ...] = ()   # when ``input`` changes an inferred argument
    memory: Memory | None = None   # memory totals (see cnncalc.memory)
    blocks: tuple[BlockRow, ...] = ()   # every block instance, in the order they begin
    view: View = View()   # how the rows were chosen (cnncalc.views)
    args: dict[str, Any] = field(default_factory=dict)   # the values of the file's own args
    #: the network's outputs, layer names in the file's order (``outputs:``); ``output`` is
    #: the first; by default the one output, the last layer
    outputs: tuple[str, ...] = ()
    output_shapes: tuple[Shape, ...] = ()   # of each of ``outputs``
    named_outputs: bool = False   # the file names its outputs (``outputs:``)

    def __post_init__(self) -> None:
        if not self.outputs and self.output:
            object.__setattr__(self, "outputs", (self.output,))

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


def analyze(network: Network, *, batch: int = 1, input: Iterable[int] | None = None,
            convention: str = "torch", dtype: str = DEFAULT_DTYPE,
            optimizer: str = DEFAULT_OPTIMIZER) -> Report:
    """Every layer's output shape, params, buffers and MACs, computed statically.

    ``input`` overrides the network's input shape (batch excluded): its spatial sizes may
    differ, its number of channels and of dimensions may not (that would build another
    network). ``dtype`` and ``optimizer`` set the memory figures (:mod:`cnncalc.memory`).
    Raises :class:`~cnncalc.errors.NetworkError` with every problem found.
    """
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise UsageError(f"batch must be a whole number ≥ 1 (got {batch!r})")
    rules = counting.convention(convention)
    sample = tuple(network.input if input is None else input)
    if not sample or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0
                             for n in sample):
        raise UsageError(f"input must be positive whole numbers (got {list(sample)})")
    graph = graph_of(network)
    changed = input is not None and sample != tuple(network.input)
    mismatch = _input_mismatch(network, sample) if changed else None
    if mismatch is not None:  # walking would only report what follows from it
        raise NetworkError(in_file_order(graph.problems + [mismatch]))
    rows, problems = walk(graph, (batch, *sample), rules)
    problems = graph.problems + problems
    if problems:
        raise NetworkError(in_file_order(problems))
    notes = _notes(graph, rows, batch, tuple(network.input), sample) if changed else ()
    outputs = graph.outputs or (graph.output,)
    rows, memory = annotate(rows, (batch, *sample), outputs, dtype, optimizer)
    shapes = {row.name: row.output_shape for row in rows}
    shapes[INPUT] = (batch, *sample)
    return Report(network.name, batch, convention, {INPUT: (batch, *sample)}, rows,
                  Totals.of(rows), graph.output, notes, memory, block_rows(graph, rows),
                  args=dict(getattr(network, "args", None) or {}), outputs=outputs,
                  output_shapes=tuple(shapes[name] for name in outputs),
                  named_outputs=bool(graph.outputs))


_GRAPHS: "weakref.WeakKeyDictionary[Network, tuple[tuple, Graph]]" = weakref.WeakKeyDictionary()


def graph_of(network: Network) -> Graph:
    """The network's graph, built once per network object while its entries stay the same
    (``analyze`` of one network at many inputs, batches or conventions walks one graph)."""
    state = (tuple(map(id, network.layers)), tuple(map(id, network.blocks.values())),
             tuple(network.input), tuple(map(id, (getattr(network, "args", None) or {}).values())))
    try:
        known = _GRAPHS.get(network)
    except TypeError:      # not weakly referable: built every time
        return build_graph(network)
    if known is None or known[0] != state:
        known = (state, build_graph(network))
        _GRAPHS[network] = known
    return known[1]


def block_rows(graph: Graph, rows: list[Row]) -> tuple[BlockRow, ...]:
    """Each block instance with the totals of its layers."""
    members: dict[str, list[Row]] = {block.name: [] for block in graph.blocks}
    by_name = {row.name: row for row in rows}
    for row in rows:
        for name in row.scope:
            members[name].append(row)
    result = []
    for block in graph.blocks:
        inside = members[block.name]
        out = by_name.get(block.output)
        result.append(BlockRow(
            block.name, block.type, dict(block.args), block.inputs, block.output,
            out.output_shape if out is not None else (), tuple(r.name for r in inside),
            Totals.of(inside), sum(r.output_bytes for r in inside),
            sum(r.saved_bytes for r in inside), block.shares))
    return tuple(result)


def annotate(rows: list[Row], input_shape: Shape, output: str | tuple[str, ...],
             dtype: str = DEFAULT_DTYPE, optimizer: str = DEFAULT_OPTIMIZER
             ) -> tuple[list[Row], Memory]:
    """The rows, just walked, with their memory figures (``output_bytes``, ``saved_bytes``)
    and receptive fields filled in, and the memory totals; ``output`` is the network's output
    name, or the names of its outputs (each lives to the end)."""
    per_row, memory = account(rows, INPUT, input_shape, output, dtype, optimizer)
    found = receptive.walk(rows, INPUT, input_shape)
    for row, m in zip(rows, per_row):
        # filled in place: these rows were made by this analysis's walk and nobody holds them
        # yet (copies cost a quarter of a warm analysis)
        field_ = found[row.name]
        row.__dict__.update(output_bytes=m.output_bytes, saved_bytes=m.saved_bytes,
                            receptive_field=field_.receptive_field,
                            receptive_field_reason=field_.reason)
    return rows, memory


def _input_mismatch(network: Network, sample: Shape) -> Problem | None:
    """An input that changes the network's channels (or features) or its number of dims.

    In PyTorch the model built for the file's input would refuse it, and cnncalc would silently
    infer other ``in_channels``: another network. The usual slip is a channels-last shape.
    """
    own = tuple(network.input)
    if len(sample) != len(own):
        what = (f"--input changes the number of input dimensions: the file's input has "
                f"{len(own)} dims {RANK_FORMS.get(len(own) + 1, '')} ({show(list(own))}), "
                f"--input gives {len(sample)} ({_dims(sample)})")
    elif sample[0] != own[0]:
        kind = "features" if len(own) == 1 else "channels"
        what = (f"--input changes the number of input {kind} from {own[0]} (the file's "
                f"input {show(list(own))}) to {sample[0]}")
    else:
        return None
    hint = _suggestion(own, sample)
    what += ("; inputs are channels-first, batch excluded, and only their spatial sizes may "
             "change" + (f" (did you mean {hint}?)" if hint else ""))
    position = None if network.source == "<python>" else Position(network.source)
    return Problem(what, position, "input")


def _suggestion(own: Shape, sample: Shape) -> str:
    """``3x224x224`` for ``224x224x3`` (channels last), ``1x3x224x224`` (batch included) or
    ``224x224`` (channels left out) against a file's ``[3, 224, 224]``; else nothing."""
    channels = own[0]
    if len(sample) == len(own) + 1:
        sample = sample[1:]
    elif len(sample) == len(own) - 1 and channels not in sample:
        sample = (channels, *sample)
    if len(sample) != len(own):
        return ""
    if sample[0] == channels:
        return _dims(sample)
    if sample[-1] == channels:  # channels last, the usual slip
        return _dims((channels, *sample[:-1]))
    return ""


def _dims(sample: Shape) -> str:
    return "x".join(str(n) for n in sample)


def _notes(graph: Graph, rows: list[Row], batch: int, own: Shape,
           sample: Shape) -> tuple[Note, ...]:
    """The arguments inferred other than at the network's own input, layer by layer."""
    at_own, problems = walk(graph, (batch, *own))
    if problems:  # the file's own input does not fit its network: nothing to compare with
        return ()
    built = {row.name: row.layer for row in at_own}
    notes = []
    for row in rows:
        before = built.get(row.name)
        if before is None or type(before) is not type(row.layer):
            continue
        for argument in type(row.layer).model_fields:
            old, new = getattr(before, argument), getattr(row.layer, argument)
            if old != new:
                notes.append(Note(row.name, row.type, argument, old, new, (
                    f"{row.name} ({row.type}): {argument} is {show(new)} at this input "
                    f"{show(list(sample))} but {show(old)} at the file's input "
                    f"{show(list(own))}: the model built for the file's input would refuse "
                    f"this input")))
    return tuple(notes)


def walk(graph: Graph, input_shape: Shape, rules: Convention | None = None
         ) -> tuple[list[Row], list[Problem]]:
    """Rows of the nodes whose inputs are known; problems of those that fail."""
    shapes: dict[str, Shape] = {INPUT: input_shape}
    rows: list[Row] = []
    made: dict[str, Row] = {}   # the rows of the layers whose modules are called again
    problems: list[Problem] = []
    for node in graph.nodes:
        try:
            in_shapes = tuple([shapes[name] for name in node.inputs])
        except KeyError:
            continue  # an upstream layer failed and was reported already
        owner = None
        if node.shares is not None:
            owner = made.get(node.shares)
            if owner is None:
                continue  # the layer it shares failed and was reported already
            node = replace(node, layer=owner.layer)   # as built for the first call
        try:
            row = measure(node, in_shapes, rules, batch=input_shape[0])
        except LayerError as err:
            if owner is not None:
                err = _not_shareable(err, owner, in_shapes)
            problems.append(node.locate(err))
            continue
        made[node.name] = row
        shapes[node.name] = row.output_shape
        rows.append(row)
    return rows, problems


#: (layer, input shapes, call, convention) → (resolved layer, output shape, params, buffers,
#: MACs, FLOPs)
_MEASURED: Memo[tuple] = Memo()


def measure(node: Node, in_shapes: tuple[Shape, ...], rules: Convention | None = None,
            batch: int = 1) -> Row:
    """One node's row: its formulas applied to its input shapes, counted by ``rules`` (the
    default convention when not given). ``batch`` is read by sources only (a ``Parameter``
    expanded over the batch), which have no input shape to take it from."""
    rules = rules or counting.convention(counting.DEFAULT)
    layer, out, params, buffers, macs, flops = _MEASURED.get(
        (node.layer, in_shapes, node.call, rules.name, None if in_shapes else batch),
        lambda: _formulas(node.layer, in_shapes, node.call, rules, batch))
    if node.shares is not None:   # its module's weights are counted at their first call
        params = buffers = 0
    row = object.__new__(Row)   # as _with: the fields were checked where they were made
    row.__dict__.update(_ROW_DEFAULTS, name=node.name, type=node.type, inputs=node.inputs,
                        input_shapes=in_shapes, output_shape=out, params=params,
                        trainable_params=params if node.trainable else 0, buffers=buffers,
                        macs=macs, flops=flops, layer=layer, trainable=node.trainable,
                        call=node.call, scope=node.scope, shares=node.shares)
    return row


_ROW_DEFAULTS = {f.name: f.default for f in fields(Row) if f.default is not MISSING}


def _not_shareable(err: LayerError, owner: Row, in_shapes: tuple[Shape, ...]) -> LayerError:
    """A layer's error on the input of a shared call, saying that the module was built for
    the first call's input (torch would refuse the second call as it is)."""
    shown = ", ".join(show(list(s)) for s in owner.input_shapes) or "no input"
    return LayerError(f"it applies {owner.name!r} again, whose module was built for the input "
                      f"{shown}, and torch would refuse this input: {err.message}",
                      field=None, expected=err.expected, got=err.got)


def forget() -> None:
    """Empty the memos of the formulas, of memory and of receptive fields (a test that patches
    a formula calls this first)."""
    forget_all()


def _formulas(layer: Layer, in_shapes: tuple[Shape, ...], call: str, rules: Convention,
              batch: int = 1) -> tuple:
    layer.check_input(*in_shapes)
    layer = layer.resolve(*in_shapes)
    out = tuple(layer.source_shape(batch) if type(layer).arity == (0, 0)
                else layer.compute_output_shape(*in_shapes))
    if numel(out) > MAX_ELEMENTS:
        raise LayerError("the output is implausibly large",
                         expected="at most 10^15 elements", got=f"{list(out)}")
    macs, flops = rules.count(Site(layer, in_shapes, out, call)).exact()
    return (layer, out, layer.count_params(*in_shapes), layer.count_buffers(*in_shapes), macs,
            flops)


def _with(row: Row, **changes: Any) -> Row:
    """``dataclasses.replace`` without re-running ``__init__`` (the fields are already
    checked): five times faster on 500 rows."""
    new = object.__new__(Row)
    new.__dict__.update(row.__dict__)
    new.__dict__.update(changes)
    return new


def recount(report: Report, convention: str) -> Report:
    """The same analysis counted under another convention (shapes are not walked again)."""
    rules = counting.convention(convention)
    rows = [_with(row, **dict(zip(("macs", "flops"), rules.count(row.site).exact())))
            for row in report.layers]
    by_name = {row.name: row for row in rows}
    blocks = tuple(replace(b, totals=Totals.of(by_name[n] for n in b.layers))
                   for b in report.blocks)
    return replace(report, convention=convention, layers=rows, totals=Totals.of(rows),
                   blocks=blocks)


def every_convention(report: Report) -> dict[str, Report]:
    """The report under each convention, in :data:`cnncalc.counting.NAMES` order."""
    return {name: report if name == report.convention else recount(report, name)
            for name in counting.NAMES}
