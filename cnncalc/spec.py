"""The network file: safe YAML loading with positions, and its models (Network, Entry, Block).

Parsing here is structural only. Layer arguments stay raw until the graph builder has
substituted block arguments into them; :func:`validate_layer` then turns them into layer models.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping

from pydantic import ValidationError

from cnncalc.arguments import LayerArgumentErrors, checked, translate
from cnncalc.errors import (LayerError, NetworkError, Position, Problem, UsageError,
                            did_you_mean, one_of, show)
from cnncalc.expressions import ExpressionError, evaluate, is_expression, is_reference, names_in
from cnncalc.layers import REGISTRY, Layer
from cnncalc.safeyaml import MAX_INT_DIGITS, PosDict, PosList, position_of

RESERVED = ("name", "from", "repeat", "trainable", "if", "call")
#: the keys of a shared entry (``- {share: mlp, from: max_pool}``): the layer or block instance
#: it applies again with the same weights, and its own wiring; nothing that would change them
SHARE = "share"
SHARE_KEYS = (SHARE, "name", "from", "repeat", "if")
#: how the original PyTorch code calls a layer, for the counting conventions of the peer tools:
#: an ``nn.Module`` (``self.relu(x)``), a ``torch.nn.functional`` call (``F.relu(x)``) or a tensor
#: method or operator (``x.mean([2, 3])``, ``x + y``, ``x.flatten(1)``)
CALLS = ("module", "functional", "method")
INPUT = "input"
MAX_ENTRY_VALUES = 256   # values in one entry's arguments (or a block's args), aliases expanded


# -- the models -------------------------------------------------------------------------------

@dataclass
class Entry:
    """One item of a ``layers`` list: a layer type or block name, its arguments, its wiring."""

    type: str
    args: Mapping[str, Any] = field(default_factory=dict)
    name: Any = None
    inputs: Any = None           # the ``from`` key: None (previous entry), a name or a list
    repeat: Any = 1
    trainable: Any = True
    layer: Layer | None = None   # already validated (built in Python)
    position: Position | None = None
    positions: Mapping[str, Position] = field(default_factory=dict)  # of each arg's value
    condition: Any = True        # the ``if`` key: false leaves the entry out
    broken: bool = False         # stands for an entry that did not parse (reported already)
    call: Any = "module"         # the ``call`` key: ``functional`` (F.relu(x)), ``method`` (x + y)
    origins: Mapping[str, str] = field(default_factory=dict)  # computed values: their expression
    #: the ``share`` key: the name of an earlier layer or block instance of the same scope that
    #: this entry applies again, with the same weights (its ``type`` is then ``share``)
    share: Any = None

    @property
    def where(self) -> str:
        if self.share is not None:
            what = f"share of {self.share}" if isinstance(self.share, str) else SHARE
            return f"{self.name} ({what})" if isinstance(self.name, str) else f"({what})"
        return f"{self.name} ({self.type})" if isinstance(self.name, str) else self.type

    def raw_values(self) -> list[tuple[str, Any]]:
        """Every value that may hold a ``$name``, keyed as :attr:`positions` keys it."""
        return [("type", self.type), ("name", self.name), ("from", self.inputs),
                ("repeat", self.repeat), ("trainable", self.trainable), ("if", self.condition),
                ("call", self.call), *(() if self.share is None else (("share", self.share),)),
                *self.args.items()]


@dataclass
class Block:
    """A reusable, parameterised sequence of entries; ``None`` marks a required argument."""

    name: str
    args: Mapping[str, Any]
    layers: list[Entry]
    position: Position | None = None
    arg_positions: Mapping[str, Position] = field(default_factory=dict)  # ``k:value``: its value's


# Built in Python, a wrong call is an ArgumentError naming the argument, not a TypeError.
Entry.__init__ = checked("Entry")(Entry.__init__)  # type: ignore[method-assign]
Block.__init__ = checked("Block")(Block.__init__)  # type: ignore[method-assign]


class Network:
    """A network description: from a file (:func:`cnncalc.load`) or built in Python.

    ``layers`` items may be layer objects (``cnncalc.Conv2d(...)``), :class:`Entry` objects, or
    the same data a network file holds (``"ReLU"``, ``{"Conv2d": {"out_channels": 8, ...}}``).
    ``args`` are the network's own arguments (a file's top-level ``args:``), name: value, that
    ``$name`` and expressions refer to anywhere; a value may itself be an expression over the
    arguments before it, and None marks one that is required. ``self.args`` holds their values.
    ``outputs`` names the network's outputs (a file's top-level ``outputs:``): layer or block
    instance names of ``layers``, resolved as ``from`` resolves names; None (the default)
    means the last layer. ``self.outputs`` is the list of names, or None.
    """

    @checked("Network")
    def __init__(self, input: Iterable[int], layers: Iterable[Any], *, name: str = "network",
                 blocks: Mapping[str, Any] | None = None, source: str = "<python>",
                 args: Mapping[str, Any] | None = None, outputs: Any = None) -> None:
        problems: list[Problem] = []
        self.name = name
        self.source = source
        self.outputs = _parse_outputs(outputs, problems)
        self.args = _file_args(args, source, problems)
        self.input = _parse_input(_computed(input, self.args, problems), None, problems)
        self.blocks = {}
        self.broken_blocks: set[str] = set()   # reported already: their uses stay silent
        if not isinstance(blocks, (Mapping, type(None))):
            problems.append(Problem("blocks must be a mapping from block name to block",
                                    position_of(blocks), got=_kind(blocks)))
            blocks = None
        for block_name, raw in (blocks or {}).items():
            position = position_of(blocks, block_name)
            if isinstance(raw, Block):  # built in Python: checked as the same data in a file
                position = raw.position or position
                raw = {"args": raw.args, "layers": raw.layers}
            block = _parse_block(block_name, raw, position, problems, self.args)
            if block is not None:
                self.blocks[block_name] = block
            elif isinstance(block_name, str):
                self.broken_blocks.add(block_name)
        self.layers = _parse_entries(layers, problems, owner="layers")
        if problems:  # with the problems the rest of the network has: all at once
            raise NetworkError(in_file_order(problems + graph_problems(self)))

    def __repr__(self) -> str:
        return f"Network(name={self.name!r}, input={list(self.input)}, " \
               f"layers=<{len(self.layers)} entries>, blocks={sorted(self.blocks)})"


_REQUIRED = {"input": "input: one sample's shape such as [3, 224, 224]",
             "layers": "layers: a list of layer entries"}


def graph_problems(network: Network) -> list[Problem]:
    """What the graph builder finds in a network (arguments, names, blocks), without shapes."""
    from cnncalc.graph import build_graph

    return build_graph(network).problems


def in_file_order(problems: list[Problem]) -> list[Problem]:
    """Sorted by position; a problem found twice (by the parser and the graph) shown once."""
    def key(problem: Problem) -> tuple:
        position = problem.position or Position("")
        return (position.file, position.line, position.column)
    seen, unique = set(), []
    for problem in problems:
        same = (problem.message, problem.position, str(problem.expected), str(problem.got))
        if same not in seen:
            seen.add(same)
            unique.append(problem)
    return sorted(unique, key=key)


def parse_network(data: Any, source: str, default_name: str,
                  args: Mapping[str, Any] | None = None) -> Network:
    """The Network a loaded file describes, every structural problem reported at once;
    ``args`` sets some of the file's own arguments (an unknown name is a UsageError)."""
    if not isinstance(data, dict):
        raise NetworkError([Problem(
            "a network file is a mapping with the keys name, input, layers (and blocks)",
            position_of(data) or Position(source), got=_kind(data))])
    problems: list[Problem] = []
    top = ["name", "input", "layers", "blocks", "args", "outputs"]
    misspelt = set()
    for key in data:
        if key not in top:
            hint = did_you_mean(key, top)
            misspelt.add(hint)
            problems.append(Problem(f"unknown top-level key {show(key)}" + hint,
                                    position_of(data, key, of_key=True),
                                    expected="name, input, layers, blocks, args, outputs"))
    for required in ("input", "layers"):
        if required not in data and f"; did you mean {required!r}?" not in misspelt:
            problems.append(Problem(f"the file has no {required!r} key",
                                    position_of(data) or Position(source),
                                    expected=_REQUIRED[required]))
    name = data.get("name", default_name)
    if not isinstance(name, str):
        problems.append(Problem("name must be a string", position_of(data, "name"),
                                got=show(name)))
        name = default_name
    blocks = data.get("blocks") or {}
    if not isinstance(blocks, dict):
        problems.append(Problem("blocks must be a mapping from block name to block",
                                position_of(data, "blocks"), got=_kind(blocks)))
        blocks = {}
    declared = data.get("args")
    if declared is None:
        declared = {}
    if not isinstance(declared, dict) or not all(isinstance(k, str) for k in declared):
        problems.append(Problem("args map the file's argument names to default values (null "
                                "for required)", position_of(data, "args"), "args",
                                got=_kind(declared)))
        declared = {}
    declared = set_args(declared, args)
    if "input" not in data or "layers" not in data:
        raise NetworkError(problems)
    try:
        network = Network(data["input"], data["layers"], name=str(name), blocks=blocks,
                          source=source, args=declared, outputs=_located_outputs(data))
    except NetworkError as err:
        for problem in err.problems:  # the input's position is known only here
            if problem.position is None and problem.where in ("input", "layers", "outputs"):
                problems.append(Problem(problem.message, position_of(data, problem.where),
                                        problem.where, problem.expected, problem.got))
            else:
                problems.append(problem)
        raise NetworkError(in_file_order(problems)) from None
    if problems:
        raise NetworkError(in_file_order(problems + graph_problems(network)))
    return network


def set_args(declared: Mapping[str, Any], given: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The file's ``args`` with the values ``given`` (``--set``, ``load(args=...)``) in place of
    their defaults; a name the file does not declare is a UsageError listing those it does."""
    if not given:
        return declared
    if not isinstance(given, Mapping):
        raise UsageError(f"args must map argument names to values (got {_kind(given)})")
    for key in given:
        if key not in declared:
            expected = one_of(declared) if declared else "none: the file declares no args"
            raise UsageError(f"the file has no argument {show(key)}"
                             + did_you_mean(key, declared) + f" (expected {expected})")
        default, value = declared[key], given[key]
        if _number(default) and not _number(value) and not is_expression(value):
            raise UsageError(f"the file's argument {key!r} is a number (its default is "
                             f"{show(default)}), got {show(value)}")
    result = PosDict({key: given.get(key, value) for key, value in declared.items()})
    result.position = getattr(declared, "position", None)
    for key in declared:
        result.key_positions[key] = position_of(declared, key, of_key=True)
        if key not in given:
            result.value_positions[key] = position_of(declared, key)
    return result


def _located_outputs(data: Mapping[str, Any]) -> Any:
    """The file's ``outputs`` (None when absent); one name alone as a one-name list that
    remembers where the name stood."""
    raw = data.get("outputs")
    if isinstance(raw, str):
        one = PosList([raw])
        one.position = one_position = position_of(data, "outputs")
        one.item_positions = [one_position]
        return one
    if raw is None and "outputs" in data:   # `outputs:` with nothing after it
        return PosList()
    return raw


def _parse_outputs(raw: Any, problems: list[Problem]) -> list[str] | None:
    """The names of ``outputs`` (None: the last layer), their form checked: a non-empty list
    of names, each once. Whether each names a layer is the graph's to say."""
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, (list, tuple)) or not raw:
        problems.append(Problem("must be a non-empty list of layer or block names",
                                position_of(raw), "outputs",
                                expected="a list such as [p2, p3, p4, p5]", got=_kind(raw)
                                if not isinstance(raw, (list, tuple)) else "an empty list"))
        return None
    names, seen = PosList(), {}
    names.position = position_of(raw)
    for index, item in enumerate(raw):
        position = position_of(raw, index)
        if not isinstance(item, str) or not item or len(item) > 200:
            problems.append(Problem("an output is the name of a layer or block instance",
                                    position, "outputs", got=_kind(item)))
            continue
        if item in seen:
            problems.append(Problem(f"{item!r} is named twice", position, "outputs",
                                    expected="each output once"))
            continue
        seen[item] = position
        names.append(item)
        names.item_positions.append(position)
    return names


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _file_args(raw: Any, source: str, problems: list[Problem]) -> dict[str, Any]:
    """The values of a network's own arguments, in order: an expression may use the ones
    before it; a required one (None) not given is a problem."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping) or not all(isinstance(k, str) for k in raw):
        problems.append(Problem("args map argument names to values", position_of(raw), "args",
                                got=_kind(raw)))
        return {}
    if _larger_than(raw, MAX_ENTRY_VALUES):
        problems.append(Problem("the file's args hold too many values", position_of(raw),
                                "args", expected=f"at most {MAX_ENTRY_VALUES}"))
        return {}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        where = position_of(raw, key) or (None if source == "<python>" else Position(source))
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            problems.append(Problem("an argument's name is a word of letters, digits and "
                                    "underscores", position_of(raw, key, of_key=True), "args",
                                    got=show(key)))
            continue
        if value is None:
            problems.append(Problem(f"missing required argument {key!r} of the file",
                                    position_of(raw, key, of_key=True) or where, "args",
                                    expected=f"--set {key}=VALUE, or load(path, "
                                             f"args={{{key!r}: value}})"))
            continue
        values[key] = compute(value, values, where, "args", problems)
    return values


def compute(value: Any, env: Mapping[str, Any], position: Position | None, where: str,
            problems: list[Problem]) -> Any:
    """``value`` with its ``$names`` and expressions worked out in ``env`` (lists item by
    item); a problem, and the value as written, when that fails."""
    if isinstance(value, (list, tuple)):
        items = [compute(v, env, position_of(value, i) or position, where, problems)
                 for i, v in enumerate(value)]
        return items if isinstance(value, list) else tuple(items)
    if not isinstance(value, str) or "$" not in value:
        return value
    try:
        if is_reference(value):
            return evaluate(value, env)
        return evaluate(value, env) if is_expression(value) else value
    except ExpressionError as err:
        problems.append(Problem(err.message, position, where, err.expected, err.got))
        return value


def _computed(raw: Any, env: Mapping[str, Any], problems: list[Problem]) -> Any:
    """The input's sizes, where they are ``$names`` or expressions, worked out."""
    if not isinstance(raw, (list, tuple)) or not any(isinstance(v, str) for v in raw):
        return raw
    count = len(problems)
    value = compute(raw, env, position_of(raw), "input", problems)
    return raw if len(problems) > count else value


def _parse_input(raw: Any, position: Position | None, problems: list[Problem]) -> tuple:
    value = list(raw) if isinstance(raw, (list, tuple)) else raw
    if (not isinstance(value, list) or not 1 <= len(value) <= 4
            or not all(isinstance(v, int) and not isinstance(v, bool)
                       and 0 < v < 10 ** MAX_INT_DIGITS
                       for v in value)):
        problems.append(Problem(
            "must be one sample's shape, channels first, batch excluded",
            position_of(raw) or position, "input",
            expected="a list of 1 to 4 positive ints such as [3, 224, 224]", got=show(raw)))
        return ()
    return tuple(value)


def _parse_block(name: Any, raw: Any, position: Position | None,
                 problems: list[Problem], file_args: Mapping[str, Any] = {}) -> Block | None:
    where = f"block {name}"
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        problems.append(Problem("a block name is a word of letters, digits and underscores",
                                position, got=show(name)))
        return None
    if name in REGISTRY:
        problems.append(Problem(f"block name {name!r} is a layer type already", position,
                                where))
        return None
    if not isinstance(raw, dict) or "layers" not in raw:
        problems.append(Problem("a block is a mapping with layers (and args)", position,
                                where, got=_kind(raw)))
        return None
    for key in raw:
        if key not in ("args", "layers"):
            problems.append(Problem(f"unknown block key {show(key)}" + did_you_mean(
                key, ["args", "layers"]), position_of(raw, key, of_key=True), where,
                expected="args, layers"))
    args = raw.get("args") or {}
    if not isinstance(args, dict) or not all(isinstance(k, str) for k in args):
        problems.append(Problem("a block's args map argument names to default values (null "
                                "for required)", position_of(raw, "args"), where,
                                got=_kind(args)))
        args = {}
    if _larger_than(args, MAX_ENTRY_VALUES):
        problems.append(Problem("a block's args hold too many values", position_of(
            raw, "args"), where, expected=f"at most {MAX_ENTRY_VALUES}"))
        args = {}
    layers = _parse_entries(raw["layers"], problems, owner=where,
                            position=position_of(raw, "layers"))
    _check_references(layers, args, where, problems, file_args)
    positions = {k: position_of(args, k, of_key=True) for k in args}
    positions.update({f"{k}:value": position_of(args, k) for k in args})
    return Block(name, dict(args), layers, position, positions)


def _check_references(entries: list[Entry], args: Mapping[str, Any], where: str,
                      problems: list[Problem], file_args: Mapping[str, Any] = {}) -> None:
    """``$name`` values that are not arguments of the block, found even if it is never used.

    The graph builder reports the same problem, at the same place, when it expands the block;
    :func:`in_file_order` keeps one of the two.
    """
    for entry in entries:
        for key, value in entry.raw_values():
            for ref in references(value):
                if ref[1:] not in args and ref[1:] not in file_args:
                    problems.append(Problem(
                        f"{show(ref)} is not an argument of this block" + did_you_mean(
                            ref[1:], args), entry.positions.get(key) or entry.position,
                        where, expected=one_of(f"${a}" for a in args) if args
                        else "no $names: the block has no args"))


def references(value: Any) -> list[str]:
    """The ``$names`` in a value (a whole string, an expression's, or the items of a list)."""
    if isinstance(value, str) and value.startswith("$") and not is_expression(value):
        return [value]
    return names_in(value)


def _parse_entries(raw: Any, problems: list[Problem], owner: str,
                   position: Position | None = None) -> list[Entry]:
    if not isinstance(raw, (list, tuple)) or not raw:
        top = owner == "layers"
        problems.append(Problem(("" if top else "layers ") + "must be a non-empty list of layer"
                                " entries", position_of(raw) or position, owner, got=_kind(raw)))
        return []
    entries = []
    for index, item in enumerate(raw):
        entry = parse_entry(item, position_of(raw, index), problems)
        entries.append(entry if entry is not None
                       else _placeholder(item, position_of(raw, index)))
    return entries


def _placeholder(item: Any, position: Position | None) -> Entry:
    """An entry that did not parse, named as it would be so that its users stay silent."""
    kind, name = "entry", None
    if isinstance(item, dict) and item:
        first, args = next(iter(item.items()))
        kind = first if isinstance(first, str) and 0 < len(first) <= 100 else kind
        if isinstance(args, dict) and isinstance(args.get("name"), str):
            name = args["name"]
    return Entry(kind, name=name, position=position, broken=True)


def parse_entry(item: Any, position: Position | None, problems: list[Problem]) -> Entry | None:
    """An Entry from a bare type name, a one-key mapping ``{Type: args}`` or a layer object."""
    if isinstance(item, Entry):
        return _python_entry(item, position, problems)
    if isinstance(item, Layer):
        if any(_too_large(value) for value in item.__dict__.values()):
            problems.append(Problem("a number of this layer is too large for cnncalc", position,
                                    type(item).__name__,
                                    expected=f"whole numbers of at most {MAX_INT_DIGITS} digits"))
            return None
        return Entry(type(item).__name__, layer=item, position=position)
    if isinstance(item, str):
        if not _type_name_ok(item, position, problems):
            return None
        return Entry(item, position=position)
    if isinstance(item, dict) and SHARE in item and (len(item) > 1 or not isinstance(
            item[SHARE], (dict, type(None)))):
        return _shared_entry(item, position, problems)
    if not isinstance(item, dict) or len(item) != 1:
        hint = ""
        if isinstance(item, dict) and any(v is None for v in item.values()):
            hint = "; indent the arguments under the type name, or write {Type: {args}}"
        problems.append(Problem("a layer entry is a type name or a one-key mapping "
                                "{Type: args}" + hint, position,
                                got=show(list(item)) if isinstance(item, dict) else _kind(item)))
        return None
    (type_name, args), = item.items()
    if not _type_name_ok(type_name, position_of(item, type_name, of_key=True) or position,
                         problems):
        return None
    if args is None:
        args = PosDict()
    if _larger_than(args, MAX_ENTRY_VALUES):
        problems.append(Problem("the arguments of one layer hold too many values",
                                position_of(item, type_name), str(type_name),
                                expected=f"at most {MAX_ENTRY_VALUES}"))
        return None
    if not isinstance(args, dict):
        problems.append(Problem("a layer's arguments are a mapping of name: value"
                                + _keras_type_hint(type_name, args),
                                position_of(item, type_name), str(type_name),
                                got=show(args)))
        return None
    reserved = {k: args[k] for k in RESERVED if k in args}
    plain = {k: v for k, v in args.items() if k not in RESERVED}
    positions = {k: position_of(args, k) for k in args}
    positions.update({f"{k}:key": position_of(args, k, of_key=True) for k in args})
    return Entry(str(type_name), plain, reserved.get("name"), reserved.get("from"),
                 reserved.get("repeat", 1), reserved.get("trainable", True),
                 position=position_of(item, type_name, of_key=True) or position,
                 positions=positions, condition=reserved.get("if", True),
                 call=reserved.get("call", "module"))


def _shared_entry(item: dict, position: Position | None, problems: list[Problem]
                  ) -> Entry | None:
    """``{share: mlp, from: max_pool, name: mlp_max}``: the layer or block instance ``mlp``
    applied again to another input, with the same module (its weights, its arguments)."""
    target = item[SHARE]
    at = position_of(item, SHARE) or position
    where = f"share of {target}" if isinstance(target, str) else SHARE
    if not isinstance(target, str) or not target or len(target) > 200:
        problems.append(Problem("share names an earlier layer or block instance whose weights "
                                "this entry uses again", at, where,
                                expected="a name such as mlp", got=_kind(target)))
        return None
    ok = True
    for key in item:
        if key not in SHARE_KEYS:
            hint = did_you_mean(key, SHARE_KEYS) if isinstance(key, str) else ""
            problems.append(Problem(
                f"a shared entry applies {target!r} again as it is (the same module, its "
                f"weights and arguments); it cannot set {show(key)}" + hint,
                position_of(item, key, of_key=True) or at, where,
                expected=one_of(SHARE_KEYS)))
            ok = False
    if not ok:
        return None
    positions = {k: position_of(item, k) for k in item}
    positions.update({f"{k}:key": position_of(item, k, of_key=True) for k in item})
    return Entry(SHARE, {}, item.get("name"), item.get("from"), item.get("repeat", 1),
                 position=position_of(item, SHARE, of_key=True) or position,
                 positions=positions, condition=item.get("if", True), share=target)


def _python_entry(entry: Entry, position: Position | None, problems: list[Problem]
                  ) -> Entry | None:
    """An Entry built in Python, its type and arguments checked as those of a file are."""
    position = entry.position or position
    if not _type_name_ok(entry.type, position, problems):
        return None
    args, ok = entry.args, True
    if args is None:
        args = {}
    if not isinstance(args, Mapping):
        problems.append(Problem("a layer's arguments are a mapping of name: value", position,
                                entry.type, got=_kind(args)))
        ok = False
    if entry.layer is not None and not isinstance(entry.layer, Layer):
        problems.append(Problem("layer is a layer object such as cnncalc.Conv2d(...)",
                                position, entry.type, got=_kind(entry.layer)))
        ok = False
    if not isinstance(entry.positions, Mapping):
        problems.append(Problem("positions map argument names to file positions", position,
                                entry.type, got=_kind(entry.positions)))
        ok = False
    if not ok:
        return None
    return entry if args is entry.args else replace(entry, args=args)


def _keras_type_hint(type_name: Any, args: Any) -> str:
    """``; Activation is Keras's name: …`` for ``- Activation: relu`` (no type of that name)."""
    from cnncalc.suggest import keras_type_hint

    return "" if type_name in REGISTRY else keras_type_hint(type_name, args=args)


def _type_name_ok(name: Any, position: Position | None, problems: list[Problem]) -> bool:
    if isinstance(name, str) and 0 < len(name) <= 100:
        return True
    problems.append(Problem("a layer type is a name such as Conv2d or the name of a block",
                            position, got=_kind(name)))
    return False


def _larger_than(value: Any, limit: int) -> bool:
    """Whether ``value`` holds more than ``limit`` values, nested ones included; reading
    at most ``limit`` of them (a YAML alias can make a value's expansion huge)."""
    pending, seen = [value], 0
    while pending:
        item = pending.pop()
        seen += 1
        if seen > limit:
            return True
        if isinstance(item, dict):
            pending.extend(item.values())
            seen += len(item)  # the keys
        elif isinstance(item, (list, tuple)):
            pending.extend(item)
    return False


def _kind(value: Any) -> str:
    names = {dict: "a mapping", list: "a list", str: "a string", int: "a number",
             float: "a number", bool: "a boolean", type(None): "nothing"}
    for kind, text in names.items():
        if isinstance(value, kind):
            return f"{text}: {show(value)}" if kind in (str, int, float) else text
    return type(value).__name__


# -- layer arguments ---------------------------------------------------------------------------

def validate_layer(cls: type[Layer], args: Mapping[str, Any]) -> Layer:
    """The layer model for ``args``; pydantic's errors become LayerErrors naming the field."""
    huge = [LayerError(f"{key} is too large a number for cnncalc", field=key,
                       expected=f"whole numbers of at most {MAX_INT_DIGITS} digits")
            for key, value in args.items() if _too_large(value)]
    if huge:  # a file's numbers are bounded by the loader; a Python caller's are checked here
        raise LayerArgumentErrors(huge)
    try:
        return cls.model_validate(dict(args))
    except ValidationError as err:
        raise translate(cls, err) from None


def _too_large(value: Any) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value) >= 10 ** MAX_INT_DIGITS
    return isinstance(value, (list, tuple)) and any(_too_large(v) for v in value)


def parse_sizes(text: str) -> tuple[int, ...]:
    """``3x224x224`` (or ``3,224,224``), as ``--input`` takes an input shape: 1 to 4 positive
    sizes, batch excluded.

    >>> parse_sizes("3x224x224"), parse_sizes("3,32,32"), parse_sizes(" 16 ")
    ((3, 224, 224), (3, 32, 32), (16,))
    """
    parts = [p.strip() for p in text.lower().replace(",", "x").replace("×", "x").split("x")]
    # plain digits only: int() would also take "+3", "1_0" or other scripts' digits
    if len(text) > 100 or not all(p.isascii() and p.isdigit() and len(p) <= 18 for p in parts):
        raise UsageError(f"expected sizes like 3x224x224, got {text[:100]!r}")
    dims = tuple(int(p) for p in parts)
    if not 1 <= len(dims) <= 4 or min(dims) < 1:
        raise UsageError(f"expected 1 to 4 positive sizes like 3x224x224, got {text!r}")
    return dims
