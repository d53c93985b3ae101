"""Errors that cnncalc reports to its users.

Formulas raise :class:`LayerError` (no position: they are pure). The stages that know where a
layer came from (the loader, the graph builder, the analysis walk) turn it into a
:class:`Problem` carrying the file position and the layer's dotted name, and raise all the
problems they found at once as one :class:`NetworkError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable


@dataclass(frozen=True)
class Position:
    """A place in a source file; ``line`` and ``column`` count from 1.

    Line 0 stands for the file as a whole (an empty file, one too large, one missing); it is
    shown as ``1:1``, so that every message starts with ``FILE:LINE:COL:`` for editors and
    tools that jump to it.

    >>> str(Position("net.yaml", 3, 7)), str(Position("net.yaml"))
    ('net.yaml:3:7', 'net.yaml:1:1')
    """

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line or 1}:{self.column or 1}"


def show(value: Any, limit: int = 80) -> str:
    """Render a received or expected value the way a user wrote it (YAML-ish, not repr).

    At most about ``limit`` characters: a value built from YAML aliases can be huge, and a
    message only needs its beginning.

    >>> show([3, True, None, "same"])
    "[3, true, null, 'same']"
    >>> show(list(range(1000)), limit=20)
    '[0, 1, 2, 3, 4, 5, 6…'
    """
    parts: list[str] = []
    budget = [limit]

    def put(text: str) -> bool:
        parts.append(text)
        budget[0] -= len(text)
        return budget[0] > 0

    def walk(item: Any) -> bool:
        if isinstance(item, bool):
            return put("true" if item else "false")
        if item is None:
            return put("null")
        if isinstance(item, (list, tuple)):
            if not put("["):
                return False
            for i, inner in enumerate(item):
                if (i and not put(", ")) or not walk(inner):
                    return False
            return put("]")
        if isinstance(item, dict):
            if not put("{"):
                return False
            for i, (key, inner) in enumerate(item.items()):
                if (i and not put(", ")) or not walk(key) or not put(": ") or not walk(inner):
                    return False
            return put("}")
        if isinstance(item, str):
            return put(repr(item[:limit]) if len(item) <= limit else repr(item[:limit]) + "…")
        if isinstance(item, int) and item.bit_length() > 14_000:  # str() fails past 4,300 digits
            return put(f"a number of about {int(item.bit_length() * 0.30103) + 1:,} digits")
        return put(str(item))

    if walk(value):
        return "".join(parts)
    return "".join(parts)[:limit] + "…"


def one_of(options: Iterable[Any], limit: int = 12) -> str:
    """``one of a, b, c`` for a message; long lists are cut (``…, 40 in all``).

    >>> one_of(["a", "b"])
    'one of a, b'
    >>> one_of(range(30), limit=3)
    'one of 0, 1, 2, … (30 in all)'
    """
    options = [str(o) for o in options]
    if len(options) <= limit:
        return "one of " + ", ".join(options)
    return "one of " + ", ".join(options[:limit]) + f", … ({len(options)} in all)"


class LayerError(ValueError):
    """A layer's arguments do not fit its input: raised by pure formulas, without position.

    ``field`` names the argument at fault (so that the position of that argument in the file
    can be shown), ``expected`` and ``got`` are shown verbatim when given.
    """

    def __init__(self, message: str, *, expected: Any = None, got: Any = None,
                 field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.expected = expected
        self.got = got
        self.field = field

    def __str__(self) -> str:
        return self.message + _expected_got(self.expected, self.got)


def _expected_got(expected: Any, got: Any) -> str:
    if expected is None and got is None:
        return ""
    parts = []
    if expected is not None:
        parts.append(f"expected {expected}")
    if got is not None:
        parts.append(f"got {got}")
    return " (" + ", ".join(parts) + ")"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a network, located: ``FILE:LINE:COL: where: message (…)``."""

    message: str
    position: Position | None = None
    where: str = ""
    expected: Any = None
    got: Any = None

    def __str__(self) -> str:
        head = f"{self.position}: " if self.position else ""
        where = f"{printable(self.where)}: " if self.where else ""
        return f"{head}{where}{self.message}{_expected_got(self.expected, self.got)}"


def printable(text: str) -> str:
    r"""``text`` on one line: a control character (a name made of a newline) escaped.

    >>> printable("conv_1"), printable("\n_1 (\n)")
    ('conv_1', '\\n_1 (\\n)')
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text)


class CnncalcError(Exception):
    """Base of every error cnncalc raises on purpose; the CLI turns it into exit status 2."""


class NetworkError(CnncalcError):
    """Every problem found in a network description, reported together."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ArgumentError(NetworkError, ValueError, TypeError):
    """Wrong arguments given in Python to a layer (``cnncalc.Conv2d(kernal_size=5)``), to
    :class:`~cnncalc.Network`, ``Entry`` or ``Block``: every problem at once, worded as for the
    same mistake in a file, without a position.

    A :class:`NetworkError` (its ``.problems``), and a ValueError and a TypeError as Python's
    own wrong arguments are.
    """


class UsageError(CnncalcError):
    """A wrong option or argument given to the API or the command line."""


def did_you_mean(word: Any, options: Iterable[Any]) -> str:
    """``; did you mean 'Conv2d'?`` for the closest option, or nothing when none is close.

    >>> did_you_mean("Conv2D", ["Conv1d", "Conv2d"])
    "; did you mean 'Conv2d'?"
    >>> did_you_mean("kernal_size", ["kernel_size", "stride"])
    "; did you mean 'kernel_size'?"
    >>> did_you_mean("zzz", ["Conv2d"])
    ''
    """
    if not isinstance(word, str) or len(word) > 100:
        return ""
    return _closest(word, tuple(o for o in options if isinstance(o, str)))


@lru_cache(maxsize=1024)  # a mistake inside a block is met again in every instance
def _closest(word: str, options: tuple[str, ...]) -> str:
    from difflib import get_close_matches

    by_case = {o.lower(): o for o in options}
    if word.lower() in by_case and by_case[word.lower()] != word:
        return f"; did you mean {by_case[word.lower()]!r}?"
    close = get_close_matches(word, options, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close and close[0] != word else ""
