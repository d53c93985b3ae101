"""Errors that cnncalc reports to its users.

Formulas raise :class:`LayerError` (no position: they are pure). The stages that know where a
layer came from (the loader, the graph builder, the analysis walk) turn it into a
:class:`Problem` carrying the file position and the layer's dotted name, and raise all the
problems they found at once as one :class:`NetworkError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Position:
    """A place in a source file; ``line`` and ``column`` count from 1."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.column}"
        return self.file


def show(value: Any) -> str:
    """Render a received or expected value the way a user wrote it (YAML-ish, not repr)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, str):
        return repr(value)
    return str(value)


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
        where = f"{self.where}: " if self.where else ""
        return f"{head}{where}{self.message}{_expected_got(self.expected, self.got)}"


class CnncalcError(Exception):
    """Base of every error cnncalc raises on purpose; the CLI turns it into exit status 2."""


class NetworkError(CnncalcError):
    """Every problem found in a network description, reported together."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class UsageError(CnncalcError):
    """A wrong option or argument given to the API or the command line."""


def did_you_mean(word: str, options) -> str:
    """`` (did you mean 'Conv2d'?)`` for the closest option, or nothing when none is close."""
    from difflib import get_close_matches

    options = list(options)
    by_case = {o.lower(): o for o in options}
    if isinstance(word, str) and word.lower() in by_case:
        return f"; did you mean {by_case[word.lower()]!r}?"
    close = get_close_matches(str(word), options, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""
