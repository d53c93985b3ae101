"""The network file: safe YAML loading with positions, and its models (Network, Entry, Block).

Parsing here is structural only. Layer arguments stay raw until the graph builder has
substituted block arguments into them; :func:`validate_layer` then turns them into layer models.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml
from pydantic import ValidationError

from cnncalc.errors import LayerError, NetworkError, Position, Problem, did_you_mean, show
from cnncalc.layers import REGISTRY, Layer

RESERVED = ("name", "from", "repeat", "trainable")
INPUT = "input"
MAX_FILE_BYTES = 10 * 1024 * 1024


class PosDict(dict):
    """A mapping that remembers where it, its keys and its values stood in the file."""

    position: Position | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_positions: dict[Any, Position] = {}
        self.value_positions: dict[Any, Position] = {}


class PosList(list):
    """A sequence that remembers where it and each of its items stood in the file."""

    position: Position | None = None

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.item_positions: list[Position | None] = []


def position_of(container: Any, key: Any = None, *, of_key: bool = False) -> Position | None:
    """The position of ``container[key]`` (or of the key itself), or of the container."""
    if isinstance(container, PosDict) and key is not None:
        found = (container.key_positions if of_key else container.value_positions).get(key)
        return found or container.position
    if isinstance(container, PosList) and isinstance(key, int):
        if key < len(container.item_positions):
            return container.item_positions[key]
    return getattr(container, "position", None)


_BASE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BASE_LOADER):  # type: ignore[misc, valid-type]
    """Safe YAML that records positions; only plain data tags exist, nothing is ever executed."""

    source = "<string>"

    def mark(self, node: yaml.Node) -> Position:
        return Position(self.source, node.start_mark.line + 1, node.start_mark.column + 1)

    def construct_positioned_map(self, node: yaml.MappingNode) -> PosDict:
        self.flatten_mapping(node)
        result = PosDict()
        result.position = self.mark(node)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise _Located(self.mark(key_node), "a mapping key must be a plain value",
                               got=show(key)) from None
            if key in result:
                raise _Located(self.mark(key_node), f"duplicate key {show(key)} in a mapping")
            result[key] = self.construct_object(value_node, deep=True)
            result.key_positions[key] = self.mark(key_node)
            result.value_positions[key] = self.mark(value_node)
        return result

    def construct_positioned_seq(self, node: yaml.SequenceNode) -> PosList:
        result = PosList(self.construct_object(item, deep=True) for item in node.value)
        result.position = self.mark(node)
        result.item_positions = [self.mark(item) for item in node.value]
        return result


_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_positioned_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _Loader.construct_positioned_seq)


class _Located(Exception):
    def __init__(self, position: Position, message: str, got: str | None = None) -> None:
        super().__init__(message)
        self.problem = Problem(message, position, got=got)


def load_yaml(text: str, source: str = "<string>") -> Any:
    """Parse YAML safely into PosDict / PosList / plain scalars; errors are located Problems."""
    loader = _Loader(text)
    loader.source = source
    try:
        return loader.get_single_data()
    except _Located as err:
        raise NetworkError([err.problem]) from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = Position(source, mark.line + 1, mark.column + 1) if mark else Position(source)
        what = err.problem or err.context or "invalid YAML"
        if err.context and err.problem:
            what = f"{err.context}: {err.problem}"
        raise NetworkError([Problem(f"invalid YAML: {what}", where)]) from None
    except yaml.YAMLError as err:
        raise NetworkError([Problem(f"invalid YAML: {err}", Position(source))]) from None
    except RecursionError:
        raise NetworkError([Problem("the YAML nests too deeply", Position(source))]) from None
    finally:
        loader.dispose()


def read_text(path: str | Path) -> str:
    """A network file's text, or a one-line located error for everything that can go wrong."""
    path = Path(path)
    where = Position(str(path))
    try:
        if path.is_dir():
            raise NetworkError([Problem("is a directory, not a network file", where)])
        if path.stat().st_size > MAX_FILE_BYTES:
            raise NetworkError([Problem("the file is too large for a network file",
                                        where, expected=f"at most {MAX_FILE_BYTES:,} bytes",
                                        got=f"{path.stat().st_size:,}")])
        data = path.read_bytes()
    except FileNotFoundError:
        raise NetworkError([Problem("no such file", where)]) from None
    except OSError as err:
        raise NetworkError([Problem(f"cannot read the file: {err.strerror}", where)]) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        raise NetworkError([Problem("the file is not UTF-8 text",
                                    Position(str(path), line, column),
                                    got=f"byte 0x{data[err.start]:02x}")]) from None


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

    @property
    def where(self) -> str:
        return f"{self.name} ({self.type})" if isinstance(self.name, str) else self.type


@dataclass
class Block:
    """A reusable, parameterised sequence of entries; ``None`` marks a required argument."""

    name: str
    args: Mapping[str, Any]
    layers: list[Entry]
    position: Position | None = None
    arg_positions: Mapping[str, Position] = field(default_factory=dict)


class Network:
    """A network description: from a file (:func:`cnncalc.load`) or built in Python.

    ``layers`` items may be layer objects (``cnncalc.Conv2d(...)``), :class:`Entry` objects, or
    the same data a network file holds (``"ReLU"``, ``{"Conv2d": {"out_channels": 8, ...}}``).
    """

    def __init__(self, input: Iterable[int], layers: Iterable[Any], *, name: str = "network",
                 blocks: Mapping[str, Any] | None = None, source: str = "<python>") -> None:
        problems: list[Problem] = []
        self.name = name
        self.source = source
        self.input = _parse_input(input, None, problems)
        self.blocks = {}
        for block_name, raw in (blocks or {}).items():
            if isinstance(raw, Block):
                self.blocks[block_name] = raw
            else:
                block = _parse_block(block_name, raw, position_of(blocks, block_name), problems)
                if block is not None:
                    self.blocks[block_name] = block
        self.layers = _parse_entries(layers, problems, owner="layers")
        if problems:
            raise NetworkError(problems)

    def __repr__(self) -> str:
        return f"Network(name={self.name!r}, input={list(self.input)}, " \
               f"layers=<{len(self.layers)} entries>, blocks={sorted(self.blocks)})"


def parse_network(data: Any, source: str, default_name: str) -> Network:
    """The Network a loaded file describes, every structural problem reported at once."""
    if not isinstance(data, dict):
        raise NetworkError([Problem(
            "a network file is a mapping with the keys name, input, layers (and blocks)",
            position_of(data) or Position(source), got=_kind(data))])
    problems: list[Problem] = []
    for key in data:
        if key not in ("name", "input", "layers", "blocks"):
            problems.append(Problem(f"unknown top-level key {show(key)}"
                                    + did_you_mean(key, ["name", "input", "layers", "blocks"]),
                                    position_of(data, key, of_key=True),
                                    expected="name, input, layers, blocks"))
    for required in ("input", "layers"):
        if required not in data:
            problems.append(Problem(f"the file has no {required!r} key", data.position))
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
    if problems:
        raise NetworkError(problems)
    try:
        return Network(data["input"], data["layers"], name=str(name), blocks=blocks,
                       source=source)
    except NetworkError as err:
        for problem in err.problems:  # the input's position is known only here
            if problem.position is None and problem.where == "input":
                problems.append(Problem(problem.message, position_of(data, "input"),
                                        "input", problem.expected, problem.got))
            else:
                problems.append(problem)
        raise NetworkError(problems) from None


def _parse_input(raw: Any, position: Position | None, problems: list[Problem]) -> tuple:
    value = list(raw) if isinstance(raw, (list, tuple)) else raw
    if (not isinstance(value, list) or not 1 <= len(value) <= 4
            or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0
                       for v in value)):
        problems.append(Problem(
            "input is one sample's shape, channels first, batch excluded",
            position_of(raw) or position, "input",
            expected="a list of 1 to 4 positive ints such as [3, 224, 224]", got=show(raw)))
        return ()
    return tuple(value)


def _parse_block(name: Any, raw: Any, position: Position | None,
                 problems: list[Problem]) -> Block | None:
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
    layers = _parse_entries(raw["layers"], problems, owner=where,
                            position=position_of(raw, "layers"))
    return Block(name, dict(args), layers, position,
                 {k: position_of(args, k, of_key=True) for k in args})


def _parse_entries(raw: Any, problems: list[Problem], owner: str,
                   position: Position | None = None) -> list[Entry]:
    if not isinstance(raw, (list, tuple)) or not raw:
        problems.append(Problem(f"{owner} must be a non-empty list of layer entries",
                                position_of(raw) or position, got=_kind(raw)))
        return []
    entries = []
    for index, item in enumerate(raw):
        entry = parse_entry(item, position_of(raw, index), problems)
        if entry is not None:
            entries.append(entry)
    return entries


def parse_entry(item: Any, position: Position | None, problems: list[Problem]) -> Entry | None:
    """An Entry from a bare type name, a one-key mapping ``{Type: args}`` or a layer object."""
    if isinstance(item, Entry):
        return item
    if isinstance(item, Layer):
        return Entry(type(item).__name__, layer=item, position=position)
    if isinstance(item, str):
        return Entry(item, position=position)
    if not isinstance(item, dict) or len(item) != 1:
        hint = ""
        if isinstance(item, dict) and any(v is None for v in item.values()):
            hint = "; indent the arguments under the type name, or write {Type: {args}}"
        problems.append(Problem("a layer entry is a type name or a one-key mapping "
                                "{Type: args}" + hint, position,
                                got=show(list(item)) if isinstance(item, dict) else _kind(item)))
        return None
    (type_name, args), = item.items()
    if args is None:
        args = PosDict()
    if not isinstance(args, dict):
        problems.append(Problem("a layer's arguments are a mapping of name: value",
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
                 positions=positions)


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
    try:
        return cls.model_validate(dict(args))
    except ValidationError as err:
        raise _translate(cls, err) from None


class LayerArgumentErrors(Exception):
    """Several argument errors of one layer; each is a LayerError with its field."""

    def __init__(self, errors: list[LayerError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def _translate(cls: type[Layer], err: ValidationError) -> LayerArgumentErrors:
    from cnncalc.layers.describe import describe_field

    by_field: dict[str, list[dict]] = {}
    for item in err.errors():
        key = str(item["loc"][0]) if item["loc"] else ""
        by_field.setdefault(key, []).append(item)
    errors = []
    for key, items in by_field.items():
        first = items[0]
        original = (first.get("ctx") or {}).get("error")
        if isinstance(original, LayerError):
            errors.append(original)
        elif isinstance(original, ValueError):
            errors.append(LayerError(str(original), field=key or None))
        elif first["type"] == "extra_forbidden":
            errors.append(LayerError(f"unknown argument {key!r}" + did_you_mean(
                key, cls.model_fields), expected="one of " + ", ".join(cls.model_fields),
                field=f"{key}:key"))
        elif first["type"] == "missing":
            errors.append(LayerError(f"missing required argument {key!r}",
                                     expected=f"{key}: {describe_field(cls, key)}"))
        else:
            errors.append(LayerError(f"wrong value for {key}",
                                     expected=describe_field(cls, key),
                                     got=show(first["input"]), field=key))
    return LayerArgumentErrors(errors)
