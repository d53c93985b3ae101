"""From a Network to a flat list of leaf nodes: blocks and repeats expanded, names given,
``from`` resolved, arguments substituted and validated. Every problem is collected."""

from __future__ import annotations

from collections import ChainMap, Counter
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from cnncalc.errors import LayerError, Position, Problem, did_you_mean, one_of, show
from cnncalc.expressions import ExpressionError, evaluate, holds_dollar, is_expression
from cnncalc.layers import REGISTRY, Layer
from cnncalc.safeyaml import PosList, position_of
from cnncalc.spec import (CALLS, INPUT, SHARE, Entry, LayerArgumentErrors, Network,
                          validate_layer)
from cnncalc.suggest import IncomingShapes, type_hint

MAX_LAYERS = 10_000        # leaf layers after expanding blocks and repeats
MAX_EXPANDED = 100_000     # entries visited while expanding (switched-off and broken ones too)
MAX_BLOCK_DEPTH = 32
MAX_PROBLEMS = 100         # the graph stops collecting problems after this many
SWITCHED_OFF = "\0off"  # the node name given to a named entry whose `if` is false


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
    call: str = "module"       # how the original code calls it: module, functional or method
    scope: tuple[str, ...] = ()   # the block instances it is in, outermost first
    #: the layer whose module (weights and all) this one calls again (``share:``): the first
    #: layer of that module, so never a layer that shares itself; None for a module of its own
    shares: str | None = None

    @property
    def where(self) -> str:
        return f"{self.name} ({self.type})"

    def locate(self, error: LayerError) -> Problem:
        """A formula's error, placed at the argument it blames (or at the entry)."""
        position = self.positions.get(error.field or "", self.position) or self.position
        return Problem(error.message, position, self.where, error.expected, error.got)


@dataclass(frozen=True)
class Block:
    """One block instance: its dotted name, block type, arguments (the file's defaults with the
    instance's values), the names its input comes from, and the name of its output."""

    name: str
    type: str
    args: Mapping[str, Any]
    inputs: tuple[str, ...]
    output: str
    shares: str | None = None   # the block instance it applies again (``share:``), if any

    @property
    def depth(self) -> int:
        """1 for a block of the network's own layers, 2 for one inside it, ..."""
        return self.name.count(".") + 1


@dataclass
class Graph:
    nodes: list[Node]
    problems: list[Problem]
    output: str = INPUT
    blocks: list[Block] = field(default_factory=list)   # in the order they begin
    #: the layer names of the file's ``outputs:`` in its order (() when it names none: the
    #: output is then the last layer); ``output`` is the first of them
    outputs: tuple[str, ...] = ()


class _Stop(Exception):
    """A limit was reached: expansion ends with this problem."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass
class _Unresolved:
    """A ``from`` name not found when its entry came: reported once the scope is complete."""

    name: str
    where: str
    position: Position | None
    known: int   # how many names of the scope came before the entry


class _Builder:
    def __init__(self, network: Network) -> None:
        self.network = network
        self.nodes: list[Node] = []
        self.problems: list[Problem] = []
        self.broken: set[str] = set()   # names whose entry failed: dependents stay silent
        self.expanded = 0
        self.recursions: set[Position | None] = set()
        self.seen: set[tuple] = set()
        self.unknown: set[tuple[str, Position | None]] = set()   # unknown types reported
        self.refs: dict[int, tuple[Entry, bool]] = {}
        self.layers: dict[tuple, Layer | LayerArgumentErrors] = {}
        self.incoming = IncomingShapes(network.input, INPUT)  # for an unknown type's hint
        self.scope: tuple[str, ...] = ()          # the block instances being expanded
        self.blocks: list[Block | None] = []
        self.globals: Mapping[str, Any] = getattr(network, "args", None) or {}  # the file's
        self.arg_origins: dict[str, str] = {}   # the block's args computed by an expression
        self.top: dict[str, str] = {}   # the network's own names and the layers they stand for
        #: (the shared entry's full name, the full name of the layer or block instance it
        #: applies again) while a shared entry is being instantiated
        self.sharing: tuple[str, str] | None = None
        self.sharing_position: Position | None = None
        self.owners: dict[str, str | None] = {}   # each node: the node whose module it calls
        self.block_owners: dict[str, str | None] = {}   # the same of each block instance

    def problem(self, message: str, position: Position | None, where: str = "",
                expected: Any = None, got: Any = None) -> None:
        key = (message, position, str(expected), str(got))
        if key in self.seen:  # the same mistake inside a block, met again in another instance
            return
        self.seen.add(key)
        self.problems.append(Problem(message, position, where, expected, got))
        if len(self.problems) >= MAX_PROBLEMS:  # the rest is most likely the same mistake
            raise _Stop(Problem(f"stopped after {MAX_PROBLEMS} problems; fix these first",
                                Position(self.network.source)))

    def count(self, entry: Entry, where: str) -> None:
        """One more entry visited; a bounded walk even when every entry is broken."""
        self.expanded += 1
        if self.expanded > MAX_EXPANDED:
            raise _Stop(Problem("the network is too large: expanding its blocks and repeats"
                                " visits too many entries", entry.position, where,
                                expected=f"at most {MAX_EXPANDED:,} entries"))

    def expand(self, entries: list[Entry], prefix: str, scope_input: str,
               env: Mapping[str, Any], stack: tuple[str, ...]) -> str:
        """Append the nodes of ``entries``; return the full name of the last one's output."""
        local: dict[str, str] = {INPUT: scope_input}
        defined: dict[str, Position | None] = {}   # where each name of this scope was given
        unresolved: list[_Unresolved] = []
        unresolved_shares: list[_Unresolved] = []
        made: dict[str, tuple[Entry, str]] = {}   # each name: its entry and its full name
        counters: Counter[str] = Counter()
        previous = scope_input
        for entry in entries:
            self.count(entry, prefix + entry.where)
            if entry.broken:  # reported by the parser; named so that its users stay silent
                named = isinstance(entry.name, str) and entry.name not in local
                short = entry.name if named else self.auto_name(entry.type, counters, local)
                previous = local[short] = self._mark_broken(prefix + short)
                continue
            first_problem = len(self.problems)
            substituted = self.substitute(entry, env, inside_block=bool(stack))
            if substituted is None:  # name it as it would be, so that its users stay silent
                named = isinstance(entry.name, str) and not entry.name.startswith("$")
                short = entry.name if named else self.auto_name(entry.type, counters, local)
                self.relocate(first_problem, f"{prefix}{short} ({entry.type})")
                previous = local[short] = self._mark_broken(prefix + short)
                continue
            entry = substituted
            if not self.included(entry, prefix):
                if isinstance(entry.name, str):
                    local.setdefault(entry.name, SWITCHED_OFF)
                    defined.setdefault(entry.name, entry.positions.get("name"))
                continue
            first_problem = len(self.problems)
            repeat = self.check_repeat(entry)
            base = self.check_name(entry)
            target = None
            for i in range(1, repeat + 1):
                if i > 1:
                    self.count(entry, prefix + entry.where)
                if base is None and entry.share is not None:   # mlp_2, mlp_3, ...
                    short = self.share_name(entry.share, local)
                elif base is None:  # Keras-like: count unnamed entries, skip names taken
                    short = self.auto_name(entry.type, counters, local)
                else:
                    short = base if repeat == 1 else f"{base}_{i}"
                full = prefix + short
                label = f"{full} ({entry.type})" if entry.share is None \
                    else f"{full} (share of {entry.share})"
                if i == 1:  # the repeat's and the name's problems, under the entry's name
                    self.relocate(first_problem, label)
                if local.get(short, SWITCHED_OFF) != SWITCHED_OFF:
                    self.problem(f"duplicate name {short!r}" + _first_at(defined.get(short)),
                                 entry.positions.get("name") or entry.position, label,
                                 expected="a name not used before in this scope")
                if i == 1 and entry.share is not None:
                    target = self.share_target(entry, local, made, full, unresolved_shares)
                if i == 1:
                    step_inputs = self.resolve_from(entry, local, previous, full, unresolved)
                else:
                    step_inputs = (previous,)
                if entry.share is not None:
                    output = self.instantiate_shared(entry, target, full, step_inputs, stack)
                else:
                    output = self.instantiate(entry, full, step_inputs, stack)
                    made[short] = (entry, full)
                if entry.share is not None and target is not None:
                    made[short] = (target[0], full)
                local[short] = output
                defined.setdefault(short, entry.positions.get("name") or entry.position)
                previous = output
            if base is not None and repeat > 1:
                local[base] = previous
                made[base] = made.get(f"{base}_{repeat}", (entry, prefix + base))
                defined.setdefault(base, entry.positions.get("name") or entry.position)
        self.report_unresolved(unresolved, local, defined)
        self.report_unresolved(unresolved_shares, local, defined, "share")
        if not prefix:   # the network's own scope: what `outputs:` names
            self.top = local
        return previous

    def has_refs(self, entry: Entry) -> bool:
        """Whether the entry holds $names; asked once per entry, not once per instance."""
        if id(entry) not in self.refs:
            found = any(holds_dollar(value) for _, value in entry.raw_values())
            self.refs[id(entry)] = (entry, found)  # the entry keeps its id alive
        return self.refs[id(entry)][1]

    def validated(self, cls: type[Layer], args: Mapping[str, Any]
                  ) -> Layer | LayerArgumentErrors:
        """The layer for ``args``, or its errors; a block's instances share one validation per
        argument set (layers are immutable; a repeated block would validate them anew)."""
        key = _frozen_args(cls, args)
        if key is None or key not in self.layers:
            try:
                found: Layer | LayerArgumentErrors = validate_layer(cls, args)
            except LayerArgumentErrors as err:
                found = err
            if key is None:
                return found
            self.layers[key] = found
        return self.layers[key]

    def relocate(self, start: int, where: str) -> None:
        """Give the problems found since ``start`` the entry's full name."""
        self.problems[start:] = [replace(p, where=where) for p in self.problems[start:]]

    def check_name(self, entry: Entry) -> str | None:
        """The entry's own name, or None for an automatic one (after reporting a bad one)."""
        name = entry.name
        if name is None:
            return None
        if not isinstance(name, str) or not name or "." in name or len(name) > 100:
            self.problem("a name is a non-empty string without dots (dots join the names of"
                         " blocks and their layers)", entry.positions.get("name")
                         or entry.position, entry.where, got=show(name))
            return None
        if name == INPUT:
            self.problem("the name 'input' is taken: it stands for the input of the network"
                         " (or of the block)", entry.positions.get("name") or entry.position,
                         entry.where, expected="another name")
            return None
        return name

    def report_unresolved(self, unresolved: list[_Unresolved], local: dict[str, str],
                          defined: dict[str, Position | None], key: str = "from") -> None:
        """``from`` (or ``share``) names not found when needed: defined later, or nowhere in
        the scope."""
        names = list(local)
        for item in unresolved:
            earlier = [n for n in names[:item.known] if n != INPUT or key == "from"]
            expected = one_of(earlier) if earlier else "an earlier entry's name"
            if item.name in local:
                self.problem(f"{key} names {item.name!r}, which is defined later"
                             + _first_at(defined.get(item.name), "at")
                             + f"; {key} can only name earlier entries", item.position,
                             item.where, expected=expected)
            elif key == "from":
                self.problem(f"from names {item.name!r}, but no entry in this scope has that"
                             " name" + did_you_mean(item.name, names), item.position,
                             item.where, expected=expected)
            else:   # a shared entry applies an entry of its own scope (a block's, the file's)
                self.problem(f"share names {item.name!r}, but no earlier entry in this scope "
                             "has that name" + (did_you_mean(item.name, earlier) or
                                                "; share names an entry of its own scope: "
                                                "the block's layers, or the network's"),
                             item.position, item.where, expected=expected)

    # -- shared entries: a layer or block instance applied again, with the same weights -----

    def share_target(self, entry: Entry, local: dict[str, str],
                     made: dict[str, tuple[Entry, str]], full: str,
                     unresolved: list[_Unresolved]) -> tuple[Entry, str] | None:
        """The entry and full name of the layer or block instance ``share:`` names; None
        after reporting why there is none (or when it is broken, reported already)."""
        name, where = entry.share, f"{full} (share of {entry.share})"
        position = entry.positions.get(SHARE) or entry.position
        if not isinstance(name, str) or not name:
            self.problem("share names an earlier layer or block instance whose weights this "
                         "entry uses again", position, where, expected="a name such as mlp",
                         got=show(name))
            return None
        if name == INPUT:
            self.problem("share names the input, which has no weights to share", position,
                         where, expected="an earlier layer or block instance of this scope")
            return None
        if name not in local:
            unresolved.append(_Unresolved(name, where, position, len(local)))
            return None
        if local[name] == SWITCHED_OFF:
            self.problem(f"share names {name!r}, which is switched off (its if is false)",
                         position, where, expected="an entry that is switched on")
            return None
        if local[name] in self.broken or name not in made:
            return None   # its own problem is reported
        return made[name]

    @staticmethod
    def share_name(target: str, local: Mapping[str, str]) -> str:
        """A shared entry's default name: its target's, with the call's number (``mlp_2``)."""
        n = 2
        while f"{target}_{n}" in local:
            n += 1
        return f"{target}_{n}"

    def instantiate_shared(self, entry: Entry, target: tuple[Entry, str] | None, full: str,
                           inputs: tuple[str, ...] | None, stack: tuple[str, ...]) -> str:
        """The layer or block instance ``target`` applied again as ``full``: the same entry
        instantiated on ``inputs``, each node marked with the node whose module it calls."""
        if target is None or inputs is None:
            return self._mark_broken(full)
        original, original_full = target
        if original.type not in self.network.blocks:
            cls = REGISTRY.get(original.type)
            if cls is not None and cls.arity == (0, 0) and entry.inputs is not None:
                self.problem(f"{original.type} takes no input: it is a tensor of its own, a "
                             "source of the graph", entry.positions.get("from")
                             or entry.position, f"{full} (share of {entry.share})",
                             expected="no from", got=show(entry.inputs))
                return self._mark_broken(full)
        outer, outer_position = self.sharing, self.sharing_position
        self.sharing = (full, original_full)
        self.sharing_position = entry.position
        try:
            return self.instantiate(original, full, inputs, stack)
        finally:
            self.sharing, self.sharing_position = outer, outer_position

    def add_node(self, node: Node) -> None:
        """Append ``node``; inside a shared entry, mark the node whose module it calls again
        (the first layer of that module), placed at the shared entry."""
        if self.sharing is not None:
            full, original = self.sharing
            if node.name == full or node.name.startswith(full + "."):
                twin = original + node.name[len(full):]
                if twin in self.owners:
                    owner = self.owners[twin] or twin
                    node = replace(node, shares=owner, position=self.sharing_position,
                                   positions={})
        self.owners[node.name] = node.shares
        self.nodes.append(node)

    def resolve_outputs(self, names: Any) -> tuple[str, ...]:
        """The layers the file's ``outputs:`` names, in its order: names of the network's own
        scope as ``from`` resolves them (a block instance stands for its output layer), or a
        layer's or block instance's full dotted name; () when it names none (or one is wrong)."""
        if not names:
            return ()
        top = {k: v for k, v in self.top.items() if k != INPUT}
        dotted = {node.name: node.name for node in self.nodes}
        dotted.update({b.name: b.output for b in self.blocks if b is not None})
        resolved: dict[str, str] = {}   # layer -> the name that chose it
        ok = True
        for index, name in enumerate(names):
            position = position_of(names, index)
            layer = None if name == INPUT else top.get(name, dotted.get(name))
            if name == INPUT:
                self.problem("'input' is the network's input; an output is a layer or block"
                             " instance of the network", position, "outputs",
                             expected=one_of(top))
            elif layer is None:
                self.problem(f"no layer or block instance of the network is named {name!r}"
                             + did_you_mean(name, top), position, "outputs",
                             expected=one_of(top))
            elif layer == SWITCHED_OFF:
                self.problem(f"{name!r} is switched off (its if is false)", position,
                             "outputs", expected="an entry that is switched on")
            elif layer in resolved:
                self.problem(f"{name!r} and {resolved[layer]!r} are the same layer {layer!r}",
                             position, "outputs", expected="each output once")
            elif layer not in self.broken:   # a broken entry's problem is reported already
                resolved[layer] = name
                continue
            ok = False
        return tuple(resolved) if ok else ()

    def included(self, entry: Entry, prefix: str) -> bool:
        """The entry's ``if``: false leaves it out, as if it were not written."""
        if isinstance(entry.condition, bool):
            return entry.condition
        self.problem("if must be true or false", entry.positions.get("if") or entry.position,
                     prefix + entry.where, expected="true, false or a $argument holding one",
                     got=_from(show(entry.condition), entry, "if"))
        return True

    @staticmethod
    def auto_name(type_name: str, counters: Counter[str], local: Mapping[str, str]) -> str:
        prefix = type_name.lower()
        while True:
            counters[prefix] += 1
            if f"{prefix}_{counters[prefix]}" not in local:
                return f"{prefix}_{counters[prefix]}"

    def _mark_broken(self, name: str) -> str:
        self.broken.add(name)
        return name

    def substitute(self, entry: Entry, env: Mapping[str, Any],
                   inside_block: bool = True) -> Entry | None:
        if entry.layer is not None or not env and not self.has_refs(entry):
            return entry
        ok = True
        scope = ChainMap(dict(env), dict(self.globals)) if self.globals else env
        origins: dict[str, str] = {}

        def sub(value: Any, key: str) -> Any:
            nonlocal ok
            if is_expression(value):
                try:
                    result = evaluate(value, scope)
                except ExpressionError as err:
                    ok = False
                    self.problem(err.message, entry.positions.get(key) or entry.position,
                                 entry.where, err.expected, err.got)
                    return value
                origins[key] = value
                return result
            if isinstance(value, str) and value.startswith("$"):
                arg = value[1:]
                if arg in scope:
                    if arg in env and arg in self.arg_origins:
                        origins[key] = f"{value} = {self.arg_origins[arg]}"
                    return scope[arg]
                ok = False
                position = entry.positions.get(key) or entry.position
                if not inside_block and self.globals:
                    self.problem(f"{show(value)} is not an argument of the file"
                                 + did_you_mean(arg, scope), position, entry.where,
                                 expected=one_of(f"${a}" for a in scope))
                elif not inside_block:
                    self.problem(f"{show(value)} is outside any block: $names stand for the"
                                 " arguments of the block they are in", position, entry.where,
                                 expected="a value")
                else:
                    self.problem(f"{show(value)} is not an argument of this block"
                                 + did_you_mean(arg, scope), position, entry.where,
                                 expected=one_of(f"${a}" for a in scope) if scope
                                 else "no $names: the block has no args")
                return value
            if isinstance(value, PosList):  # keeps the positions of a from list's names
                result = PosList(sub(v, key) for v in value)
                result.position, result.item_positions = value.position, value.item_positions
                return result
            if isinstance(value, (list, tuple)):
                return [sub(v, key) for v in value]
            return value

        kind = sub(entry.type, "type")  # `- $act`: a block argument may name the type
        if not isinstance(kind, str):
            ok = False
            self.problem(f"{entry.type} stands for a layer type here, so it must hold a name",
                         entry.position, entry.where, expected="a layer type or block name "
                         "such as ReLU", got=show(kind))
        args = {k: sub(v, k) for k, v in entry.args.items()}
        result = Entry(str(kind), args, sub(entry.name, "name"), sub(entry.inputs, "from"),
                       sub(entry.repeat, "repeat"), sub(entry.trainable, "trainable"),
                       None, entry.position, entry.positions, sub(entry.condition, "if"),
                       call=sub(entry.call, "call"), origins=origins,
                       share=None if entry.share is None else sub(entry.share, SHARE))
        return result if ok else None

    def check_repeat(self, entry: Entry) -> int:
        repeat = entry.repeat
        if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 1:
            self.problem("repeat must be a whole number ≥ 1", entry.positions.get("repeat"),
                         entry.where, expected="an int ≥ 1",
                         got=_from(show(repeat), entry, "repeat"))
            return 1
        if repeat > MAX_LAYERS:
            self.problem("repeat is beyond the layer limit", entry.positions.get("repeat"),
                         entry.where, expected=f"at most {MAX_LAYERS:,}", got=f"{repeat:,}")
            return 1
        return repeat

    def resolve_from(self, entry: Entry, local: dict[str, str], previous: str,
                     full: str, unresolved: list[_Unresolved]) -> tuple[str, ...] | None:
        where = f"{full} ({entry.type})"
        if entry.inputs is None:
            return (previous,)
        names = list(entry.inputs) if isinstance(entry.inputs, (list, tuple)) \
            else [entry.inputs]
        if not names or not all(isinstance(n, str) for n in names):
            self.problem("from takes a name or a list of names of earlier entries",
                         entry.positions.get("from"), where, got=show(entry.inputs))
            return None
        resolved = []
        for index, name in enumerate(names):
            if name not in local:
                position = position_of(entry.inputs, index) if isinstance(
                    entry.inputs, list) else None
                unresolved.append(_Unresolved(name, where, position
                                              or entry.positions.get("from"), len(local)))
                return None
            if local[name] == SWITCHED_OFF:
                self.problem(f"from names {name!r}, which is switched off (its if is false)",
                             entry.positions.get("from"), where,
                             expected="an entry that is switched on")
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
        call = entry.call
        if call not in CALLS:
            self.problem("call says how the original PyTorch code calls the layer",
                         entry.positions.get("call"), f"{full} ({entry.type})",
                         expected=one_of(CALLS), got=show(call))
            call = "module"
        if entry.type in self.network.blocks:
            if call != "module":
                self.problem("call applies to a layer, not to a block",
                             entry.positions.get("call"), f"{full} ({entry.type})",
                             expected="module (the default)", got=show(call))
            if inputs is None:
                return self._mark_broken(full)
            return self.instantiate_block(entry, full, inputs, stack, trainable)
        cls = REGISTRY.get(entry.type)
        if cls is None and entry.type in self.network.broken_blocks:
            return self._mark_broken(full)  # the block's own problems are reported
        if cls is None and (entry.type, entry.position) in self.unknown:
            return self._mark_broken(full)  # reported at its first instance
        if cls is None:
            self.unknown.add((entry.type, entry.position))
            known = list(REGISTRY) + list(self.network.blocks)
            hint = type_hint(entry.type, known, rank=self.incoming.rank(self.nodes, inputs),
                             args=entry.args) or (
                "; a type is one word: is the indentation of the next line off?"
                if len(entry.type.split()) > 1 else "")
            self.problem(f"unknown layer type {show(entry.type)}" + hint, entry.position,
                         f"{full} ({entry.type[:40]})",
                         expected="a torch.nn layer type or a block of this file")
            return self._mark_broken(full)
        if len(self.nodes) >= MAX_LAYERS:
            raise _Stop(Problem("the network has too many layers after expanding blocks and"
                                " repeats", entry.position, f"{full} ({entry.type})",
                                expected=f"at most {MAX_LAYERS:,} layers"))
        layer = entry.layer if entry.layer is not None else self.validated(cls, entry.args)
        if isinstance(layer, LayerArgumentErrors):
            for error in layer.errors:
                position = entry.positions.get(error.field or "") or entry.position
                message, got = error.message, error.got
                if error.field in entry.origins:   # a computed value: say what computed it
                    message = message.split("; write ")[0]  # no decimal point was written
                    got = _from(show(entry.args.get(error.field)) if got is None else got,
                                entry, error.field)
                self.problem(message, position, f"{full} ({entry.type})", error.expected, got)
            return self._mark_broken(full)
        if cls.arity == (0, 0):   # a source (Parameter): no input, whatever came before
            if entry.inputs is not None:
                self.problem(f"{entry.type} takes no input: it is a tensor of its own, a "
                             "source of the graph", entry.positions.get("from")
                             or entry.position, f"{full} ({entry.type})",
                             expected="no from", got=show(entry.inputs))
                return self._mark_broken(full)
            inputs = ()
        if inputs is None:
            return self._mark_broken(full)
        least, most = cls.arity
        if not least <= len(inputs) <= (most or len(inputs)):
            wanted = f"{least}" if least == most else f"at least {least}"
            self.problem(f"{entry.type} takes {wanted} input{'s' if least > 1 else ''}",
                         entry.positions.get("from") or entry.position, f"{full} ({entry.type})",
                         expected=f"{wanted} name{'' if most == 1 else 's'} in from",
                         got=len(inputs))
            return self._mark_broken(full)
        self.add_node(Node(full, entry.type, layer, inputs, trainable, entry.position,
                           dict(entry.positions), call, self.scope))
        return full

    def instantiate_block(self, entry: Entry, full: str, inputs: tuple[str, ...],
                          stack: tuple[str, ...], trainable: bool) -> str:
        block = self.network.blocks[entry.type]
        where = f"{full} ({entry.type})"
        if entry.type in stack:
            if entry.position not in self.recursions:  # once, not once per instance
                self.recursions.add(entry.position)
                chain = " → ".join(stack[stack.index(entry.type):] + (entry.type,))
                self.problem(f"block {entry.type!r} uses itself ({chain}); blocks cannot be"
                             " recursive", entry.position, where)
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
        computed = [key for key, default in block.args.items()
                    if key not in entry.args and holds_dollar(default)]
        typos = {key: did_you_mean(key, block.args) for key in entry.args
                 if key not in block.args}
        for key, value in entry.args.items():
            if key not in block.args:
                self.problem(f"unknown argument {show(key)} of block {entry.type!r}"
                             + did_you_mean(key, block.args),
                             entry.positions.get(f"{key}:key") or entry.position, where,
                             expected=one_of(block.args) if block.args
                             else "no arguments: the block has no args")
                ok = False
            env[key] = value
        for key, default in block.args.items():
            if default is None and entry.args.get(key) is None:
                if f"; did you mean {key!r}?" in typos.values():
                    continue  # reported as the misspelt argument already
                self.problem(f"missing required block argument {key!r}", entry.position,
                             where, expected=f"{key}: a value")
                ok = False
        for key in computed:   # defaults computed from the instance's other arguments
            scope = ChainMap({k: v for k, v in env.items() if k not in computed},
                             dict(self.globals))
            try:
                env[key] = evaluate(env[key], scope) if isinstance(env[key], str) else \
                    [evaluate(v, scope) if isinstance(v, str) and "$" in v else v
                     for v in env[key]]
            except ExpressionError as err:
                self.problem(err.message,
                             block.arg_positions.get(f"{key}:value") or entry.position,
                             f"{where}: default of {key}", err.expected, err.got)
                ok = False
        if not ok:
            return self._mark_broken(full)
        start, index, outer = len(self.nodes), len(self.blocks), self.scope
        self.blocks.append(None)   # its place: blocks are listed in the order they begin
        self.scope = outer + (full,)
        outer_origins = self.arg_origins
        self.arg_origins = {**{k: v for k, v in entry.origins.items() if k in block.args},
                            **{k: str(block.args[k]) for k in computed}}
        try:
            output = self.expand(block.layers, full + ".", inputs[0], env,
                                 stack + (entry.type,))
        finally:
            self.scope = outer
            self.arg_origins = outer_origins
        shares = None
        if self.sharing is not None and (full == self.sharing[0]
                                         or full.startswith(self.sharing[0] + ".")):
            shares = self.sharing[1] + full[len(self.sharing[0]):]
            shares = self.block_owners.get(shares) or shares
        self.block_owners[full] = shares
        self.blocks[index] = Block(full, entry.type, env, inputs, output, shares)
        if not trainable:
            self.nodes[start:] = [replace(n, trainable=False) for n in self.nodes[start:]]
        return output


def _frozen_args(cls: type, args: Mapping[str, Any]) -> tuple | None:
    """A hashable key for ``args`` that tells ``1``, ``1.0`` and ``true`` apart, or None."""
    def freeze(value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return (type(value).__name__, tuple(freeze(v) for v in value))
        if isinstance(value, dict):
            raise TypeError  # no layer argument is a mapping: let validation say so
        hash(value)
        return (type(value).__name__, repr(value) if isinstance(value, float) else value)
    try:
        return (cls, tuple((k, freeze(v)) for k, v in args.items()))
    except TypeError:
        return None


def build_graph(network: Network) -> Graph:
    """The leaf nodes of ``network`` in execution order, with every problem found."""
    builder = _Builder(network)
    outputs: tuple[str, ...] = ()
    try:
        output = builder.expand(network.layers, "", INPUT, {}, ())
        outputs = builder.resolve_outputs(getattr(network, "outputs", None))
    except _Stop as stop:
        builder.problems.append(stop.problem)
        builder.nodes.clear()  # a network cut short has no shapes worth computing
        output, outputs = INPUT, ()
    blocks = [b for b in builder.blocks if b is not None]
    return Graph(builder.nodes, builder.problems, outputs[0] if outputs else output, blocks,
                 outputs)


def _from(got: str, entry: Entry, key: str) -> str:
    """``12.5 (from $c * 0.5)`` when the value was computed."""
    origin = entry.origins.get(key)
    return f"{got} (from {origin})" if origin else got


def _first_at(position: Position | None, word: str = "first at") -> str:
    if position is None or not position.line:
        return ""
    return f" ({word} line {position.line}, column {position.column})"

