"""What the importers share: the flat list of layers they find, written as a network file.

An importer gives :class:`Op` objects in execution order. :func:`to_yaml` makes a readable file
of them: each module path (``layer1.0.conv1``) becomes nested block instances (``layer1`` →
``0`` → ``conv1``); the instances of one module class with the same structure share one block
definition, whose arguments are the values that differ between them (``out: 128``), defaults
being the most common values; consecutive identical instances become one entry with ``repeat``
where cnncalc's own naming gives the same names. Arguments equal to torch's defaults and those
cnncalc infers from the input (``in_channels``...) are left out.

Where a module does not fit a block (its forward takes several tensors, or a value computed
inside it is used outside), its layers are written into the enclosing scope instead, named
``<module>_<layer>``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from cnncalc.errors import UsageError

INPUT = "input"
#: arguments cnncalc infers from the incoming shape: left out of imported files
INFERRED = ("in_channels", "in_features", "num_features", "num_channels", "normalized_shape",
            "embed_dim")
#: per-dimension arguments written as one int when every dimension has the same value
PER_DIM = ("kernel_size", "stride", "padding", "dilation", "output_padding")


@dataclass
class Op:
    """One layer found by an importer."""

    id: str                        # unique among the ops (the fx node's or ONNX output's name)
    type: str                      # a cnncalc layer type
    args: dict[str, Any]           # its arguments (defaults and inferred ones may be present)
    inputs: list[str]              # ids of the ops it takes, or INPUT
    call: str = "module"
    scope: tuple[str, ...] = ()    # the module path of the block instance it is in
    local: str | None = None       # its own name (a module's attribute name), or automatic
    where: str = ""                # for messages: the node, e.g. "node add_3 (operator.add)"
    trainable: bool = True         # false: its parameters are frozen (``trainable: false``)
    #: the id of the op whose module this one calls again (``- {share: name}``), or None
    shares: str | None = None


class ImportProblems(UsageError):
    """Everything an importer could not express, one line per node."""

    def __init__(self, source: str, problems: list) -> None:
        # a problem is its text, or (where in the model's source, text)
        self.lines = [f"{p[0]}: {p[1]}" if isinstance(p, tuple) else f"{source}: {p}"
                      for p in problems]
        super().__init__("\n".join(self.lines))


def clean_args(type_name: str, args: dict[str, Any]) -> dict[str, Any]:
    """``args`` validated by the layer class, without defaults and inferred arguments, per-
    dimension lists of one value made one int."""
    from cnncalc.layers import REGISTRY

    cls = REGISTRY[type_name]
    result = {}
    for key, value in args.items():
        if key in INFERRED and key in cls.inferred:
            continue
        if key not in cls.model_fields:
            continue
        if isinstance(value, list):
            value = tuple(value)
        if key in PER_DIM and isinstance(value, tuple) and value and \
                all(v == value[0] for v in value) and not isinstance(value[0], str):
            value = value[0]
        info = cls.model_fields[key]
        if not info.is_required() and _equal(value, info.default, cls.ndim, key):
            continue
        result[key] = value
    return result


def _equal(value: Any, default: Any, ndim: int | None, key: str) -> bool:
    if type(value) is bool or type(default) is bool:
        return type(value) is type(default) and value == default
    if value == default:
        return True
    if key in PER_DIM and isinstance(value, tuple) and not isinstance(default, tuple):
        return all(v == default for v in value)
    return False


def field_default(type_name: str, key: str) -> Any:
    from cnncalc.layers import REGISTRY

    info = REGISTRY[type_name].model_fields.get(key)
    return None if info is None or info.is_required() else info.default


# -- the tree of scopes --------------------------------------------------------------------------

@dataclass
class _Scope:
    path: tuple[str, ...]
    cls: str = ""                                  # module class name
    children: list = field(default_factory=list)   # Op | _Scope
    names: list[str | None] = field(default_factory=list)   # explicit names of the children
    final: list[str] = field(default_factory=list)          # every child's name
    block: str = ""                                # its block's name
    values: dict[str, Any] = field(default_factory=dict)     # its block's args here

    @property
    def local(self) -> str:
        return self.path[-1]


def _last_op(item) -> Op:
    return item if isinstance(item, Op) else _last_op(item.children[-1])


def _ops_in(item) -> list[Op]:
    if isinstance(item, Op):
        return [item]
    return [op for child in item.children for op in _ops_in(child)]


def _build(ops: list[Op], classes: dict[tuple[str, ...], str]) -> _Scope:
    root = _Scope(())
    scopes = {(): root}
    for op in ops:
        for depth in range(1, len(op.scope) + 1):
            path = op.scope[:depth]
            if path not in scopes:
                scopes[path] = _Scope(path, classes.get(path, "Module"))
                scopes[path[:-1]].children.append(scopes[path])
        scopes[op.scope].children.append(op)
    return root


def _fits(scope: _Scope, users: dict[str, set[str]]) -> bool:
    """Whether a module instance can be a block: one input from outside, and only its last
    layer's output used outside."""
    inside = {op.id for op in _ops_in(scope)}
    outside = {i for op in _ops_in(scope) for i in op.inputs if i not in inside}
    if len(outside) != 1:
        return False
    last = _last_op(scope).id
    return all(users.get(op.id, set()) <= inside for op in _ops_in(scope) if op.id != last)


OUTPUT = "<output>"   # stands for the network's outputs among the users of an op


def _flatten_unfit(ops: list[Op], classes, outputs: tuple[str, ...] = ()) -> list[Op]:
    """Ops whose module instance cannot be a block moved into the enclosing scope."""
    while True:
        users: dict[str, set[str]] = {name: {OUTPUT} for name in outputs}
        for op in ops:
            for i in op.inputs:
                users.setdefault(i, set()).add(op.id)
        root = _build(ops, classes)
        unfit = []

        def visit(scope: _Scope) -> None:
            for child in scope.children:
                if isinstance(child, _Scope):
                    if not _fits(child, users):
                        unfit.append(child.path)
                        return
                    visit(child)
        visit(root)
        if not unfit:
            return ops
        path = unfit[0]
        for op in ops:
            if op.scope[:len(path)] == path:
                rest = op.scope[len(path):]
                if not rest and op.local is not None:
                    op.local = f"{path[-1]}_{op.local}"
                op.scope = path[:-1] + ((f"{path[-1]}_{rest[0]}",) + rest[1:] if rest else ())


def _name_children(scope: _Scope) -> dict[str, str]:
    """Each child's name in its scope (explicit or cnncalc's automatic one); returns op id →
    name for the scope's direct references. Children's ``names`` say which are explicit."""
    explicit = {c.local if isinstance(c, _Scope) else c.local for c in scope.children}
    explicit.discard(None)
    local: dict[str, str] = {}
    counters: Counter[str] = Counter()
    names: list[str | None] = []
    ids: dict[str, str] = {}
    for child in scope.children:
        if isinstance(child, Op) and child.shares is not None and child.shares in ids:
            target, n = ids[child.shares], 2   # cnncalc's default: the target's, numbered
            while f"{target}_{n}" in local:
                n += 1
            name, given = f"{target}_{n}", None
            if name in explicit:   # a later layer takes that name: say another one
                while f"{target}_{n}" in local or f"{target}_{n}" in explicit:
                    n += 1
                name = given = f"{target}_{n}"
                explicit.add(name)
            local[name] = name
            names.append(given)
            ids[child.id] = name
            continue
        if isinstance(child, _Scope):
            name, given = child.local, child.local
        elif child.local is not None and not _auto_is(child, counters, local):
            name, given = child.local, child.local
        else:
            trial = counters.copy()
            prefix = child.type.lower()
            while True:
                trial[prefix] += 1
                auto = f"{prefix}_{trial[prefix]}"
                if auto not in local:
                    break
            if auto in explicit - {child.local}:
                n = 1
                while f"{prefix}_{n}" in explicit or f"{prefix}_{n}" in local:
                    n += 1
                name = given = f"{prefix}_{n}"
                explicit.add(name)
            else:
                counters, name, given = trial, auto, None
        local[name] = name
        names.append(given)
        ids[_last_op(child).id] = name
    scope.names = names
    scope.final = list(local)
    return ids


def _auto_instances(scope: _Scope, block_of) -> None:
    """Block instances whose names cnncalc's automatic naming gives anyway (``bottleneck_1``
    for an instance of the block ``bottleneck``) lose their explicit ``name``, so that runs
    of them can be one entry with ``repeat``; the same for every scope below."""
    counters: Counter[str] = Counter()
    local: set[str] = set()
    for index, child in enumerate(scope.children):
        want = scope.final[index]
        if isinstance(child, Op) and child.shares is not None:   # named by its share
            local.add(want)
            continue
        if isinstance(child, _Scope) or scope.names[index] is None:
            prefix = (block_of[id(child)].name if isinstance(child, _Scope)
                      else child.type).lower()
            trial = counters.copy()
            while True:
                trial[prefix] += 1
                auto = f"{prefix}_{trial[prefix]}"
                if auto not in local:
                    break
            if auto == want:
                counters = trial
                scope.names[index] = None
            else:
                scope.names[index] = want
        local.add(want)
        if isinstance(child, _Scope):
            _auto_instances(child, block_of)


def _auto_is(op: Op, counters: Counter[str], local: dict[str, str]) -> bool:
    """Whether cnncalc would give ``op`` its own name anyway (``conv2d_1``)."""
    trial, prefix = counters.copy(), op.type.lower()
    while True:
        trial[prefix] += 1
        auto = f"{prefix}_{trial[prefix]}"
        if auto not in local:
            return auto == op.local


# -- blocks ---------------------------------------------------------------------------------------

_ARG_NAMES = {"out_channels": "out", "out_features": "out", "kernel_size": "kernel",
              "num_features": "channels"}


@dataclass
class _Block:
    name: str
    scope: _Scope                      # the first instance
    args: dict[str, Any]               # arg -> default
    positions: dict[tuple[int, str], str]   # (child index, key) -> arg


def to_yaml(name: str, input_shape: tuple[int, ...], ops: list[Op],
            classes: dict[tuple[str, ...], str], source: str = "",
            notes: list[str] = (), outputs: tuple[str, ...] = ()) -> str:
    """The network file of ``ops`` (``classes``: module path → class name); ``outputs``: the
    ids of the network's outputs when it has several (default: the last op)."""
    ops = _flatten_unfit(list(ops), classes, tuple(outputs))
    root = _build(ops, classes)
    ids_of: dict[int, dict[str, str]] = {}

    def name_all(scope: _Scope) -> None:
        ids_of[id(scope)] = _name_children(scope)
        for child in scope.children:
            if isinstance(child, _Scope):
                name_all(child)
    name_all(root)

    def wiring(scope: _Scope) -> list:
        """Each child's ``from``: None (the previous one), or names."""
        inside = {op.id for op in _ops_in(scope)}
        names = ids_of[id(scope)]
        result, previous = [], None
        for child in scope.children:
            if isinstance(child, _Scope):
                first_inputs = {i for op in _ops_in(child) for i in op.inputs
                                if i not in {o.id for o in _ops_in(child)}}
                refs = sorted(first_inputs)
            else:
                refs = list(child.inputs)
            spelled = [names[r] if r in inside else INPUT for r in refs]
            default = [previous] if previous is not None else [INPUT]
            # a source (Parameter) takes nothing: no ``from``
            result.append(None if spelled == default or not refs else tuple(spelled))
            previous = names[_last_op(child).id]
        return result

    blocks: list[_Block] = []
    block_of: dict[int, _Block] = {}
    groups: dict[tuple, list[_Scope]] = {}
    order: list[tuple] = []

    def signature(scope: _Scope) -> tuple:
        items = []
        for child, given, wire in zip(scope.children, scope.names, wiring(scope)):
            if isinstance(child, _Scope):
                items.append(("block", given, id(block_of[id(child)]), wire))
            elif child.shares is not None:
                items.append(("share", given, ids_of[id(scope)].get(child.shares), wire))
            else:
                items.append(("op", given, child.type, child.call, wire, child.trainable))
        return scope.cls, tuple(items)

    def collect(scope: _Scope) -> None:
        for child in scope.children:
            if isinstance(child, _Scope):
                collect(child)
                key = signature(child)
                if key not in groups:
                    groups[key] = []
                    order.append(key)
                    blocks.append(_Block("", child, {}, {}))
                    groups[key].append(blocks[-1])  # type: ignore[arg-type]
                groups[key].append(child)
                block_of[id(child)] = groups[key][0]  # type: ignore[assignment]
    collect(root)

    taken_blocks: set[str] = set()
    from cnncalc.layers import REGISTRY
    for key in order:
        block, *instances = groups[key]
        base = _snake(block.scope.cls) or "block"
        if base in REGISTRY or base == INPUT:
            base += "_block"
        block.name = _unique(base, taken_blocks)
        _parameterise(block, instances, block_of)
    _auto_instances(root, block_of)

    lines = []
    if source:
        lines.append(f"# imported by cnncalc from {source}")
    for note in notes:
        lines.append(f"# {note}")
    lines.append(f"name: {_scalar(name)}")
    lines.append(f"input: {_scalar(list(input_shape))}")
    if outputs and list(outputs) != [ops[-1].id]:
        top = ids_of[id(root)]
        lines.append(f"outputs: {_scalar([top[o] for o in outputs])}")
    if blocks:
        lines.append("blocks:")
        for block in blocks:
            lines.append(f"  {block.name}:")
            if block.args:
                args = ", ".join(f"{k}: {_scalar(v)}" for k, v in block.args.items())
                lines.append(f"    args: {{{args}}}")
            lines.append("    layers:")
            lines += _entries(block.scope, wiring(block.scope), block_of, "      ", block,
                              ids_of[id(block.scope)])
    lines.append("layers:")
    lines += _entries(root, wiring(root), block_of, "  ", None, ids_of[id(root)])
    return "\n".join(lines) + "\n"


def _parameterise(block: _Block, instances: list[_Scope], block_of) -> None:
    """The block's args: the values that differ between its instances."""
    first = instances[0]
    vectors: dict[tuple[int, str], list[Any]] = {}
    for index, child in enumerate(first.children):
        if isinstance(child, _Scope):
            inner = block_of[id(child)]
            keys = list(inner.args)
            values = [[inst.children[index].values.get(k, inner.args[k]) for inst in instances]
                      for k in keys]
        elif child.shares is not None:   # a shared entry has the arguments of its target
            keys, values = [], []
        else:
            keys = sorted({k for inst in instances for k in inst.children[index].args},
                          key=_field_order(child.type))
            values = [[inst.children[index].args.get(k, field_default(child.type, k))
                       for inst in instances] for k in keys]
        for key, vector in zip(keys, values):
            vectors[(index, key)] = vector
    by_vector: dict[str, str] = {}
    taken: set[str] = set()
    for position, vector in vectors.items():
        if all(_same(v, vector[0]) for v in vector):
            continue
        signature = repr(vector)
        if signature not in by_vector:
            arg = _unique(_ARG_NAMES.get(position[1], position[1]), taken)
            by_vector[signature] = arg
            common = Counter(repr(v) for v in vector).most_common(1)[0][0]
            block.args[arg] = next(v for v in vector if repr(v) == common)
            for inst, value in zip(instances, vector):
                if not _same(value, block.args[arg]):
                    inst.values[arg] = value
        block.positions[position] = by_vector[signature]


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _field_order(type_name: str):
    from cnncalc.layers import REGISTRY

    fields = list(REGISTRY[type_name].model_fields)
    return lambda key: fields.index(key) if key in fields else len(fields)


def _entries(scope: _Scope, wires: list, block_of, indent: str, block: _Block | None,
             names: dict[str, str] | None = None) -> list[str]:
    children = scope.children

    def entry(index: int) -> tuple[str, dict[str, Any]]:
        """The child's type and its arguments as written."""
        child = children[index]
        args: dict[str, Any] = {}
        if isinstance(child, _Scope):
            inner = block_of[id(child)]
            for key, default in inner.args.items():
                arg = block.positions.get((index, key)) if block else None
                if arg is not None:
                    args[key] = f"${arg}"
                else:
                    value = child.values.get(key, default)
                    if not _same(value, default):
                        args[key] = value
            return inner.name, args
        for key in child.args:
            arg = block.positions.get((index, key)) if block else None
            args[key] = f"${arg}" if arg is not None else child.args[key]
        if block is not None:   # a key only some instances give, made an argument
            for (position, key), arg in block.positions.items():
                if position == index and key not in args:
                    args[key] = f"${arg}"
        order = _field_order(child.type)
        return child.type, {key: args[key] for key in sorted(args, key=order)}

    lines = []
    index = 0
    while index < len(children):
        child, wire = children[index], wires[index]
        if isinstance(child, Op) and child.shares is not None:   # the module called again
            shared = {"share": names[child.shares]}
            if scope.names[index] is not None:
                shared["name"] = scope.names[index]
            if wire is not None:
                shared["from"] = wire[0] if len(wire) == 1 else list(wire)
            body = ", ".join(f"{k}: {_scalar(v)}" for k, v in shared.items())
            lines.append(f"{indent}- {{{body}}}")
            index += 1
            continue
        type_name, args = entry(index)
        repeat, name = _run(scope, wires, block_of, index, entry)
        reserved: dict[str, Any] = {}
        if name is not None:
            reserved["name"] = name
        if wire is not None:
            reserved["from"] = wire[0] if len(wire) == 1 else list(wire)
        if isinstance(child, Op) and child.call != "module":
            reserved["call"] = child.call
        if isinstance(child, Op) and not child.trainable:
            reserved["trainable"] = False
        everything = {**reserved, **args, **({"repeat": repeat} if repeat > 1 else {})}
        if everything:
            body = ", ".join(f"{k}: {_scalar(v)}" for k, v in everything.items())
            lines.append(f"{indent}- {type_name}: {{{body}}}")
        else:
            lines.append(f"{indent}- {type_name}")
        index += repeat
    return lines


def _run(scope: _Scope, wires: list, block_of, index: int, entry) -> tuple[int, str | None]:
    """How many block instances from ``index`` on are one entry with ``repeat`` (1: none),
    and the entry's ``name``: consecutive instances of one block with the same arguments,
    each taking the previous one's output, named as cnncalc names the instances of a
    repeated entry (automatically, ``bottleneck_1``, ``bottleneck_2``...; or ``base_1``,
    ``base_2``... for ``name: base``)."""
    children, names = scope.children, scope.names
    first = children[index]
    if not isinstance(first, _Scope):
        return 1, names[index]
    kind = entry(index)
    base = None
    if names[index] is not None:
        match = re.fullmatch(r"(.+)_1", names[index])
        if match is None or match.group(1) in scope.final:
            return 1, names[index]
        base = match.group(1)
    count = 1
    while index + count < len(children):
        other = index + count
        child = children[other]
        if not isinstance(child, _Scope) or block_of[id(child)] is not block_of[id(first)] \
                or wires[other] is not None or repr(entry(other)) != repr(kind):
            break
        if names[other] != (None if base is None else f"{base}_{count + 1}"):
            break
        count += 1
    if count == 1:
        return 1, names[index]
    return count, base


# -- YAML scalars -------------------------------------------------------------------------------

_PLAIN = re.compile(r"[A-Za-z_$][A-Za-z0-9_.$\-]*")
_YAML_WORDS = {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"}


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        return text if any(c in text for c in ".e") or text in ("inf", "nan") else text + ".0"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _YAML_WORDS:
        return text
    return json.dumps(text)


def _snake(name: str) -> str:
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return re.sub(r"\W+", "_", text).strip("_").lower()


def _unique(base: str, taken: set[str]) -> str:
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name
