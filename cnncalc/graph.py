"""From a Network to a flat list of leaf nodes: blocks and repeats expanded, names given,
``from`` resolved, arguments substituted and validated. Every problem is collected."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Mapping

from cnncalc.errors import LayerError, Position, Problem, did_you_mean, show
from cnncalc.layers import REGISTRY, Layer
from cnncalc.spec import INPUT, Entry, LayerArgumentErrors, Network, validate_layer

MAX_LAYERS = 10_000
MAX_BLOCK_DEPTH = 32


@dataclass(frozen=True)
class Node:
    """One leaf layer, in execution order."""

    name: str                  # dotted, like a PyTorch module path
    type: str
    layer: Layer
    inputs: tuple[str, ...]    # node names, or "input"
    trainable: bool = True
    position: Position | None = None
    positions: Mapping[str, Position] = field(default_factory=dict, compare=False)

    @property
    def where(self) -> str:
        return f"{self.name} ({self.type})"

    def locate(self, error: LayerError) -> Problem:
        """A formula's error, placed at the argument it blames (or at the entry)."""
        position = self.positions.get(error.field or "", self.position) or self.position
        return Problem(error.message, position, self.where, error.expected, error.got)


@dataclass
class Graph:
    nodes: list[Node]
    problems: list[Problem]
    output: str = INPUT


class _TooLarge(Exception):
    pass


class _Builder:
    def __init__(self, network: Network) -> None:
        self.network = network
        self.nodes: list[Node] = []
        self.problems: list[Problem] = []
        self.broken: set[str] = set()   # names whose entry failed: dependents stay silent

    def problem(self, message: str, position: Position | None, where: str = "",
                expected: Any = None, got: Any = None) -> None:
        self.problems.append(Problem(message, position, where, expected, got))

    def expand(self, entries: list[Entry], prefix: str, scope_input: str,
               env: Mapping[str, Any], stack: tuple[str, ...]) -> str:
        """Append the nodes of ``entries``; return the full name of the last one's output."""
        local: dict[str, str] = {INPUT: scope_input}
        counters: Counter[str] = Counter()
        previous = scope_input
        for entry in entries:
            entry = self.substitute(entry, env)
            if entry is None:
                previous = self._mark_broken(prefix + f"?{len(self.broken)}")
                continue
            counters[entry.type.lower()] += 1
            repeat = self.check_repeat(entry)
            base = entry.name if isinstance(entry.name, str) else None
            if entry.name is not None and base is None:
                self.problem("name must be a string", entry.positions.get("name"),
                             entry.type, got=show(entry.name))
            for i in range(1, repeat + 1):
                if base is None:
                    if i > 1:
                        counters[entry.type.lower()] += 1
                    short = f"{entry.type.lower()}_{counters[entry.type.lower()]}"
                else:
                    short = base if repeat == 1 else f"{base}_{i}"
                full = prefix + short
                if short in local:
                    self.problem(f"duplicate name {short!r}", entry.positions.get("name")
                                 or entry.position, f"{full} ({entry.type})",
                                 expected="a name not used before in this scope")
                if i == 1:
                    step_inputs = self.resolve_from(entry, local, previous, full)
                else:
                    step_inputs = (previous,)
                output = self.instantiate(entry, full, step_inputs, stack)
                local[short] = output
                previous = output
            if base is not None and repeat > 1:
                local[base] = previous
        return previous

    def _mark_broken(self, name: str) -> str:
        self.broken.add(name)
        return name

    def substitute(self, entry: Entry, env: Mapping[str, Any]) -> Entry | None:
        if entry.layer is not None or not env and not _has_refs(entry):
            return entry
        ok = True

        def sub(value: Any, key: str) -> Any:
            nonlocal ok
            if isinstance(value, str) and value.startswith("$"):
                arg = value[1:]
                if arg in env:
                    return env[arg]
                ok = False
                self.problem(f"{value} is not an argument of this block" + did_you_mean(
                    arg, env), entry.positions.get(key) or entry.position, entry.where,
                    expected="one of " + ", ".join(f"${a}" for a in env) if env else
                    "no $references outside a block")
                return value
            if isinstance(value, (list, tuple)):
                return [sub(v, key) for v in value]
            return value

        args = {k: sub(v, k) for k, v in entry.args.items()}
        result = Entry(entry.type, args, sub(entry.name, "name"), sub(entry.inputs, "from"),
                       sub(entry.repeat, "repeat"), sub(entry.trainable, "trainable"),
                       None, entry.position, entry.positions)
        return result if ok else None

    def check_repeat(self, entry: Entry) -> int:
        repeat = entry.repeat
        if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 1:
            self.problem("repeat must be a whole number ≥ 1", entry.positions.get("repeat"),
                         entry.where, expected="an int ≥ 1", got=show(repeat))
            return 1
        if repeat > MAX_LAYERS:
            self.problem("repeat is beyond the layer limit", entry.positions.get("repeat"),
                         entry.where, expected=f"at most {MAX_LAYERS:,}", got=f"{repeat:,}")
            return 1
        return repeat

    def resolve_from(self, entry: Entry, local: dict[str, str], previous: str,
                     full: str) -> tuple[str, ...] | None:
        where = f"{full} ({entry.type})"
        if entry.inputs is None:
            return (previous,)
        names = entry.inputs if isinstance(entry.inputs, list) else [entry.inputs]
        if not names or not all(isinstance(n, str) for n in names):
            self.problem("from takes a name or a list of names of earlier entries",
                         entry.positions.get("from"), where, got=show(entry.inputs))
            return None
        resolved = []
        for name in names:
            if name not in local:
                known = list(local)
                self.problem(f"from names {name!r}, which is not an earlier entry"
                             + did_you_mean(name, known), entry.positions.get("from"),
                             where, expected="one of " + ", ".join(known))
                return None
            resolved.append(local[name])
        return tuple(resolved)

    def instantiate(self, entry: Entry, full: str, inputs: tuple[str, ...] | None,
                    stack: tuple[str, ...]) -> str:
        """Validate the entry and add its node(s); ``inputs`` None when ``from`` was wrong."""
        trainable = entry.trainable
        if not isinstance(trainable, bool):
            self.problem("trainable must be true or false", entry.positions.get("trainable"),
                         f"{full} ({entry.type})", got=show(trainable))
            trainable = True
        if entry.type in self.network.blocks:
            if inputs is None:
                return self._mark_broken(full)
            return self.instantiate_block(entry, full, inputs, stack, trainable)
        cls = REGISTRY.get(entry.type)
        if cls is None:
            known = list(REGISTRY) + list(self.network.blocks)
            self.problem(f"unknown layer type {entry.type!r}" + did_you_mean(entry.type, known),
                         entry.position, full)
            return self._mark_broken(full)
        if len(self.nodes) >= MAX_LAYERS:
            raise _TooLarge
        layer = entry.layer
        if layer is None:
            try:
                layer = validate_layer(cls, entry.args)
            except LayerArgumentErrors as err:
                where = f"{full} ({entry.type})"
                for error in err.errors:
                    position = entry.positions.get(error.field or "") or entry.position
                    self.problem(error.message, position, where, error.expected, error.got)
                return self._mark_broken(full)
        if inputs is None:
            return self._mark_broken(full)
        least, most = cls.arity
        if not least <= len(inputs) <= (most or len(inputs)):
            wanted = f"{least}" if least == most else f"at least {least}"
            self.problem(f"{entry.type} takes {wanted} input{'s' if least > 1 else ''}",
                         entry.positions.get("from") or entry.position, f"{full} ({entry.type})",
                         expected=f"{wanted} names in from", got=len(inputs))
            return self._mark_broken(full)
        self.nodes.append(Node(full, entry.type, layer, inputs, trainable, entry.position,
                               dict(entry.positions)))
        return full

    def instantiate_block(self, entry: Entry, full: str, inputs: tuple[str, ...],
                          stack: tuple[str, ...], trainable: bool) -> str:
        block = self.network.blocks[entry.type]
        where = f"{full} ({entry.type})"
        if entry.type in stack:
            chain = " → ".join(stack + (entry.type,))
            self.problem(f"block {entry.type!r} uses itself ({chain})", entry.position, where)
            return self._mark_broken(full)
        if len(stack) >= MAX_BLOCK_DEPTH:
            self.problem("blocks nest too deeply", entry.position, where,
                         expected=f"at most {MAX_BLOCK_DEPTH} levels")
            return self._mark_broken(full)
        if len(inputs) != 1:
            self.problem("a block takes one input", entry.positions.get("from"), where,
                         got=f"{len(inputs)} names in from")
            return self._mark_broken(full)
        env = dict(block.args)
        ok = True
        for key, value in entry.args.items():
            if key not in block.args:
                self.problem(f"unknown argument {key!r} of block {entry.type!r}"
                             + did_you_mean(key, block.args),
                             entry.positions.get(f"{key}:key") or entry.position, where,
                             expected="one of " + ", ".join(block.args) if block.args
                             else "no arguments")
                ok = False
            env[key] = value
        for key, default in block.args.items():
            if default is None and entry.args.get(key) is None:
                self.problem(f"missing required block argument {key!r}", entry.position,
                             where, expected=f"{key}: a value")
                ok = False
        if not ok:
            return self._mark_broken(full)
        start = len(self.nodes)
        output = self.expand(block.layers, full + ".", inputs[0], env, stack + (entry.type,))
        if not trainable:
            self.nodes[start:] = [_frozen(n) for n in self.nodes[start:]]
        return output


def _frozen(node: Node) -> Node:
    return Node(node.name, node.type, node.layer, node.inputs, False, node.position,
                node.positions)


def _has_refs(entry: Entry) -> bool:
    def refs(value: Any) -> bool:
        if isinstance(value, str):
            return value.startswith("$")
        if isinstance(value, (list, tuple)):
            return any(refs(v) for v in value)
        return False
    return any(refs(v) for v in (*entry.args.values(), entry.name, entry.inputs,
                                 entry.repeat, entry.trainable))


def build_graph(network: Network) -> Graph:
    """The leaf nodes of ``network`` in execution order, with every problem found."""
    builder = _Builder(network)
    try:
        output = builder.expand(network.layers, "", INPUT, {}, ())
    except _TooLarge:
        builder.problems.append(Problem(
            "the network has too many layers after expanding blocks and repeats",
            network.layers[0].position if network.layers else None,
            expected=f"at most {MAX_LAYERS:,} layers"))
        output = INPUT
    return Graph(builder.nodes, builder.problems, output)
