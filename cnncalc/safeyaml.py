"""Safe, bounded YAML with positions: the only place where network files are parsed.

The parser's events are turned into plain data by a loop, not by PyYAML's constructors:
- nothing is ever built from a tag (``!!python/object`` and every other non-data tag is an error),
  so no code from a file can run;
- nesting is counted on the way down, so a deeply nested file is an error, not a crash (PyYAML's
  C composer recurses and overflows the C stack at some tens of thousands of levels);
- every value is counted as many times as aliases repeat it, so an alias bomb ("billion laughs")
  stops at :data:`MAX_VALUES` at the alias that crosses the limit;
- every mapping and list remembers where it, its keys and its items stood (PosDict, PosList).

The limits are stated in docs/limits.md.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from cnncalc.errors import NetworkError, Position, Problem, show

MAX_FILE_BYTES = 1024 * 1024   # a large generated network (10,000 layers) is under 1 MB
MAX_DEPTH = 64                 # a network file nests about 8 levels deep
MAX_VALUES = 250_000           # YAML nodes (keys, values, items) once aliases are expanded
MAX_INT_DIGITS = 18            # whole numbers below 10^18: counts stay printable (< 4,300 digits)

_YAML = "tag:yaml.org,2002:"
_PLAIN_TAGS = (None, "!")
_YAML12_FLOAT = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)[eE][-+]?\d+")
_MERGE = object()              # stands for a ``<<`` key until its mapping is complete


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
        try:
            found = (container.key_positions if of_key else container.value_positions).get(key)
        except TypeError:  # an unhashable key cannot be in the mapping
            found = None
        return found or container.position
    if isinstance(container, PosList) and isinstance(key, int) and not isinstance(key, bool):
        if 0 <= key < len(container.item_positions):
            return container.item_positions[key]
    return getattr(container, "position", None)


class _Stop(Exception):
    """A located problem that ends loading."""

    def __init__(self, position: Position, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.problem = Problem(message, position, **extra)


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_YAML):] if tag.startswith(_YAML) else tag


class _Frame:
    """A mapping or list being filled."""

    __slots__ = ("value", "anchor", "weight", "key", "key_position", "merges", "start")

    def __init__(self, value: Any, anchor: str | None, start: Position) -> None:
        self.value = value
        self.anchor = anchor
        self.weight = 1
        self.key: Any = None
        self.key_position: Position | None = None
        self.merges: list[tuple[Any, Position]] = []
        self.start = start


class _Builder:
    """Plain data from the parser's events; see the module's docstring for the guarantees."""

    def __init__(self, parser: Any, source: str) -> None:
        self.parser = parser
        self.source = source
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.open_anchors: set[str] = set()
        self.stack: list[_Frame] = []
        self.total = 0
        self.root: Any = None
        self.scalars: dict[str, Any] = {}   # plain scalars already read: most repeat

    def at(self, mark: Any) -> Position:
        return Position(self.source, mark.line + 1, mark.column + 1)

    def build(self) -> Any:
        documents = 0
        get_event = self.parser.get_event
        while True:
            event = get_event()
            kind = type(event)
            if kind is yaml.ScalarEvent:
                value = self.scalar(event)
                self.add(value, 1, self.at(event.start_mark))
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                self.open(event, kind is yaml.MappingStartEvent)
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                self.close()
            elif kind is yaml.AliasEvent:
                self.alias(event)
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise _Stop(self.at(event.start_mark), "a network file holds one YAML "
                                "document; this is a second one (after a '---' line)")
            elif kind is yaml.StreamEndEvent:
                return self.root

    def count(self, weight: int, event: Any, alias: bool = False) -> None:
        self.total += weight
        if self.total > MAX_VALUES:
            raise _Stop(self.at(event.start_mark),
                        "the file holds too many values once its aliases are expanded"
                        + (" (an alias bomb?)" if alias else ""),
                        expected=f"at most {MAX_VALUES:,} values",
                        got=f"more at this {'alias' if alias else 'value'}")

    def add(self, value: Any, weight: int, position: Position) -> None:
        """Put a finished value into the open mapping or list (or make it the document)."""
        if not self.stack:
            self.root = value
            return
        frame = self.stack[-1]
        frame.weight += weight
        container = frame.value
        if isinstance(container, PosList):
            container.append(value)
            container.item_positions.append(position)
        elif frame.key_position is None:
            if isinstance(value, (dict, list)):
                raise _Stop(position, "a mapping key must be a plain value, not a "
                            + ("mapping" if isinstance(value, dict) else "list"))
            frame.key, frame.key_position = value, position
        else:
            key, key_position = frame.key, frame.key_position
            frame.key_position = None
            if key is _MERGE:
                frame.merges.append((value, position))
            elif key in container:
                first = container.key_positions[key]
                raise _Stop(key_position, f"duplicate key {show(key, 40)} in a mapping (first"
                            f" at line {first.line}, column {first.column})")
            else:
                container[key] = value
                container.key_positions[key] = key_position
                container.value_positions[key] = position

    def open(self, event: Any, mapping: bool) -> None:
        wanted = _YAML + ("map" if mapping else "seq")
        if event.tag not in _PLAIN_TAGS and event.tag != wanted:
            self.refuse_tag(event)
        if len(self.stack) >= MAX_DEPTH:
            raise _Stop(self.at(event.start_mark), "the YAML nests too deeply",
                        expected=f"at most {MAX_DEPTH} levels of lists and mappings")
        self.count(1, event)
        position = self.at(event.start_mark)
        value = PosDict() if mapping else PosList()
        value.position = position
        self.stack.append(_Frame(value, event.anchor, position))
        if event.anchor:
            self.open_anchors.add(event.anchor)

    def close(self) -> None:
        frame = self.stack.pop()
        if frame.merges:
            self.merge(frame)
        if frame.anchor:
            self.open_anchors.discard(frame.anchor)
            self.anchors[frame.anchor] = (frame.value, frame.weight)
        self.add(frame.value, frame.weight, frame.start)

    def merge(self, frame: _Frame) -> None:
        """YAML merge keys (``<<: *base``): the mapping's own keys win, then earlier merges."""
        own = frame.value
        merged = PosDict()
        for value, position in frame.merges:
            sources = value if isinstance(value, list) else [value]
            for source in sources:
                if not isinstance(source, dict):
                    raise _Stop(position, "a merge key (<<) takes a mapping or a list of "
                                "mappings", got=show(source, 40))
                for key, inner in source.items():
                    if key not in merged:
                        merged[key] = inner
                        merged.key_positions[key] = position_of(source, key, of_key=True)
                        merged.value_positions[key] = position_of(source, key)
        result = frame.value = PosDict()
        result.position = own.position
        for part in (merged, own):
            for key, inner in part.items():
                if part is merged and key in own:
                    continue
                result[key] = inner
                result.key_positions[key] = part.key_positions[key]
                result.value_positions[key] = part.value_positions[key]

    def alias(self, event: Any) -> None:
        name = event.anchor
        if name in self.open_anchors:
            raise _Stop(self.at(event.start_mark), f"the alias *{name} refers to a value that"
                        " contains it; a file cannot describe an endless value")
        if name not in self.anchors:
            raise _Stop(self.at(event.start_mark), f"the alias *{name} has no anchor &{name}"
                        " before it")
        value, weight = self.anchors[name]
        self.count(weight, event, alias=True)
        self.add(value, weight, self.at(event.start_mark))

    def scalar(self, event: Any) -> Any:
        self.count(1, event)
        tag, text = event.tag, event.value
        plain = tag is None and event.implicit[0]
        if plain and text in self.scalars:
            value = self.scalars[text]
        else:
            value = self.convert(event, tag, text)
            if plain and len(text) <= 64 and len(self.scalars) < 10_000 and text != "<<":
                self.scalars[text] = value
        if event.anchor:   # an anchored ``<<`` key is the text "<<" wherever it is repeated
            self.anchors[event.anchor] = ("<<" if value is _MERGE else value, 1)
        return value

    def convert(self, event: Any, tag: str | None, text: str) -> Any:
        plain = tag in _PLAIN_TAGS and event.implicit[0]
        if tag in _PLAIN_TAGS:
            tag = self.parser.resolve(yaml.ScalarNode, text, event.implicit)
        kind = tag[len(_YAML):] if tag.startswith(_YAML) else None
        if kind == "str" and plain and _YAML12_FLOAT.fullmatch(text):
            return float(text)  # YAML 1.2 reads 1e-5 as a number; YAML 1.1 as text
        if kind in ("str", "timestamp", "value"):   # dates stay text: no layer takes one
            return text
        if kind == "merge":  # ``<<`` merges only as a key; elsewhere it is text
            frame = self.stack[-1] if self.stack else None
            is_key = frame is not None and isinstance(frame.value, PosDict) \
                and frame.key_position is None
            return _MERGE if is_key else text
        if kind == "null":
            return None
        if kind == "bool":
            value = self.parser.bool_values.get(text.lower())
            if value is None:  # only an explicit ``!!bool`` tag gets here with other text
                raise _Stop(self.at(event.start_mark), f"{show(text, 24)} is not a true/false"
                            " value cnncalc reads", expected="true or false")
            return value
        if kind in ("int", "float"):
            return self.number(event, tag, kind == "int", text)
        self.refuse_tag(event, tag)

    def number(self, event: Any, tag: str, whole: bool, text: str) -> int | float:
        """A YAML int or float; ints beyond :data:`MAX_INT_DIGITS` digits are refused, so that
        every count computed from a file stays a number Python can print."""
        node = yaml.ScalarNode(tag, text, event.start_mark, event.end_mark)
        value = None
        if len(text) <= 4 * MAX_INT_DIGITS:  # Python's own limit (4,300 digits) never fires
            try:
                value = (self.parser.construct_yaml_int if whole
                         else self.parser.construct_yaml_float)(node)
            except (ValueError, IndexError, TypeError, OverflowError):
                # ``!!int`` on text: PyYAML's constructors fail in many ways ('', '-', '_')
                value = None
        if value is None or whole and abs(value) >= 10 ** MAX_INT_DIGITS:
            shown = repr(text) if len(text) <= 24 else repr(text[:24]) + "…"
            raise _Stop(self.at(event.start_mark), f"{shown} is not a number cnncalc reads",
                        expected=f"a whole number of at most {MAX_INT_DIGITS} digits" if whole
                        else "a number")
        return value

    def refuse_tag(self, event: Any, tag: str | None = None) -> None:
        shown = _short_tag(tag or event.tag or "?")
        raise _Stop(self.at(event.start_mark),
                    f"the tag {shown} is not allowed: a network file holds plain data only"
                    " (strings, numbers, true/false, null, lists, mappings)")


def load_yaml(text: str, source: str = "<string>") -> Any:
    """Parse YAML safely into PosDict / PosList / plain scalars; errors are located Problems."""
    if len(text) > MAX_FILE_BYTES:
        raise NetworkError([Problem("the text is too large for a network file",
                                    Position(source), expected=f"at most {MAX_FILE_BYTES:,}"
                                    " characters", got=f"{len(text):,}")])
    try:
        return _parse(text, source, fast=hasattr(yaml, "CSafeLoader"))
    except _LibraryLimit:
        # libyaml's own nesting limit (PyYAML ≥ 6.0.4: 1,000 levels) fired while it scanned
        # ahead; the pure-Python parser has none, so ours (64) fires first, at its real place.
        return _parse(text, source, fast=False)


class _LibraryLimit(Exception):
    """A limit of the YAML library's own, which cnncalc's limits must pre-empt."""


def _parse(text: str, source: str, fast: bool) -> Any:
    try:
        parser = yaml.CSafeLoader(text) if fast else yaml.SafeLoader(text)
    except UnicodeEncodeError as err:
        raise NetworkError([Problem("the text is not valid Unicode", _offset(text, err.start,
                                    source), got=repr(text[err.start]))]) from None
    try:
        return _Builder(parser, source).build()
    except _Stop as stop:
        raise NetworkError([stop.problem]) from None
    except yaml.MarkedYAMLError as err:
        if fast and "maximum nesting depth" in str(err.problem):
            raise _LibraryLimit() from None
        raise NetworkError([_syntax_problem(err, source)]) from None
    except yaml.reader.ReaderError as err:
        char = text[err.position] if 0 <= err.position < len(text) else ""
        raise NetworkError([Problem(
            "invalid YAML: the text holds a control character, which YAML does not allow",
            _offset(text, err.position, source), got=f"U+{ord(char):04X}" if char else None,
        )]) from None
    except yaml.YAMLError as err:
        raise NetworkError([Problem(f"invalid YAML: {err}", Position(source))]) from None
    finally:
        parser.dispose()


_HINTS = {  # the first clue found in libyaml's message decides the hint
    "flow mapping": "is a '}' or a ',' missing?",
    "flow sequence": "is a ']' or a ',' missing?",
    "quoted scalar": "is a closing quote missing?",
    "cannot start any token": "YAML indents with spaces, not tabs",
    "expected key": "is this line indented like the lines it belongs with?",
    "expected '-' indicator": "is this line indented like the lines it belongs with?",
    "<block end>": "is this line indented like the lines it belongs with?",
    "expected ':'": "is a ':' missing after a key, or a '- ' before a list item?",
    "mapping values are not allowed": "a value that holds ': ' must be quoted, or put the"
                                      " mapping on its own indented lines",
}


def _syntax_problem(err: yaml.MarkedYAMLError, source: str) -> Problem:
    """libyaml's message, located, with where the unclosed construct began."""
    mark = err.problem_mark or err.context_mark
    where = Position(source, mark.line + 1, mark.column + 1) if mark else Position(source)
    what = err.problem or err.context or "not YAML"
    context = err.context or ""
    if context and err.context_mark and err.problem_mark \
            and err.context_mark.index != err.problem_mark.index:
        context = context.replace("while ", "", 1)
        what += (f", {context} that began at line {err.context_mark.line + 1}, column"
                 f" {err.context_mark.column + 1}")
    for clue, hint in _HINTS.items():
        if clue in what or clue in context:
            what += f": {hint}"
            break
    return Problem(f"invalid YAML: {what}", where)


def _offset(text: str, index: int, source: str) -> Position:
    line = text.count("\n", 0, index) + 1
    return Position(source, line, index - (text.rfind("\n", 0, index) + 1) + 1)


def read_text(path: str | Path) -> str:
    """A network file's text, or a one-line located error for everything that can go wrong."""
    where = Position(str(path))
    try:
        path = Path(path)
        if path.is_dir():
            raise NetworkError([Problem("is a directory, not a network file", where)])
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)  # bounded: /dev/zero must not fill memory
    except FileNotFoundError:
        raise NetworkError([Problem("no such file", where)]) from None
    except PermissionError:
        raise NetworkError([Problem("cannot read the file: permission denied", where)]) from None
    except OSError as err:
        raise NetworkError([Problem(f"cannot read the file: {err.strerror or err}", where)]
                           ) from None
    except ValueError as err:  # a NUL byte in the name
        raise NetworkError([Problem(f"not a usable file name: {err}", where)]) from None
    if len(data) > MAX_FILE_BYTES:
        raise NetworkError([Problem("the file is too large for a network file", where,
                                    expected=f"at most {MAX_FILE_BYTES:,} bytes",
                                    got=f"more than {MAX_FILE_BYTES:,}")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        raise NetworkError([Problem("the file is not UTF-8 text; save it as UTF-8",
                                    Position(str(path), line, column),
                                    got=f"byte 0x{data[err.start]:02x}")]) from None
