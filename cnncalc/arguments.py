"""Arguments checked in cnncalc's words, for files and Python callers alike.

The network file and the Python API give the same messages for the same mistake: a layer's
pydantic validation errors become LayerErrors naming the argument (:func:`translate`, used by
the file loader and by ``Layer.__init__``), and a Python call's positional and keyword
arguments are matched to their names as Python would, each mistake a Problem (:func:`bind`).

This module sits beside :mod:`cnncalc.errors`: layers and the file models both use it, and it
imports neither (only :mod:`cnncalc.layers.describe`, on the error path).
"""

from __future__ import annotations

import functools
import inspect
import re
from typing import Any, Callable, Literal, Sequence, TypeVar, get_args, get_origin

from cnncalc.errors import ArgumentError, LayerError, Problem, did_you_mean, one_of, show

F = TypeVar("F", bound=Callable[..., Any])


class LayerArgumentErrors(Exception):
    """Several argument errors of one layer; each is a LayerError with its field."""

    def __init__(self, errors: list[LayerError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors

    def problems(self, where: str, order: Sequence[str] = ()) -> list[Problem]:
        """The errors as problems of ``where`` (no position: the caller is Python code), in the
        ``order`` the caller gave the arguments (those of no argument, such as a missing one,
        last) as a file's are in the order of the lines."""
        rank = {name: i for i, name in enumerate(order)}

        def key(error: LayerError) -> int:
            field = (error.field or "").removesuffix(":key")
            return rank.get(field, len(rank))
        return [Problem(e.message, None, where, e.expected, e.got)
                for e in sorted(self.errors, key=key)]


def translate(cls: Any, err: Any) -> LayerArgumentErrors:
    """A pydantic ``ValidationError`` of layer class ``cls`` as LayerErrors naming the field."""
    from cnncalc.layers.describe import describe_field
    from cnncalc.suggest import argument_hint

    by_field: dict[str, list[dict]] = {}
    for item in err.errors():
        key = str(item["loc"][0]) if item["loc"] else ""
        by_field.setdefault(key, []).append(item)
    # a misspelt required argument is one mistake, reported once, as the misspelling (or as
    # Keras's name for it: filters for out_channels)
    hints = {key: argument_hint(key, cls.model_fields, items[0].get("input"))
             for key, items in by_field.items() if items[0]["type"] == "extra_forbidden"}
    suggested = {field for _, field in hints.values()}
    errors = []
    for key, items in by_field.items():
        first = items[0]
        original = (first.get("ctx") or {}).get("error")
        if isinstance(original, LayerError):
            errors.append(original)
        elif isinstance(original, ValueError):
            errors.append(LayerError(str(original), field=key or None))
        elif first["type"] == "extra_forbidden":
            errors.append(LayerError(f"unknown argument {show(key)}" + hints[key][0],
                                     expected=one_of(cls.model_fields), field=f"{key}:key"))
        elif first["type"] == "missing":
            if key not in suggested:
                errors.append(LayerError(f"missing required argument {key!r}",
                                         expected=f"{key}: {describe_field(cls, key)}"))
        else:
            errors.append(LayerError(f"wrong value for {key}" + _hint(cls, key, first["input"]),
                                     expected=describe_field(cls, key),
                                     got=show(first["input"]), field=key))
    return LayerArgumentErrors(errors)


def _hint(cls: Any, key: str, value: Any) -> str:
    """``; did you mean 'same'?`` for a misspelt choice, ``; write 8`` for ``8.0``."""
    info = cls.model_fields.get(key)
    if info is None:
        return ""
    if isinstance(value, str):
        if re.fullmatch(r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?", value.strip()):
            return "; a number in quotes is text: write it without the quotes"
        return did_you_mean(value, _choices(info.annotation))
    wants_int = "int" in str(info.annotation).lower()
    if isinstance(value, float) and wants_int and value.is_integer() and abs(value) < 1e15:
        return f"; write {int(value)}, without a decimal point"
    return ""


def _choices(annotation: Any) -> list[str]:
    """The strings a ``Literal`` (possibly inside a Union or Optional) allows."""
    if get_origin(annotation) is Literal:
        return [a for a in get_args(annotation) if isinstance(a, str)]
    return [c for inner in get_args(annotation) for c in _choices(inner)]


# -- Python calls ----------------------------------------------------------------------------

def bind(where: str, positional: Sequence[str], args: tuple, kwargs: dict[str, Any], *,
         known: Sequence[str] | None = None, required: Sequence[str] = ()
         ) -> tuple[dict[str, Any], list[Problem]]:
    """A call's arguments by name, and what is wrong with them, as Python would bind them.

    ``positional`` names what may be given by position, in order. Unknown and missing names are
    checked only when ``known`` is given (a layer leaves them to its validation, which says the
    same as for a file). Extra positional values are dropped and a keyword given by position
    too keeps the keyword's value, so that the rest is still checked: every problem at once.

    >>> bind("Conv2d", ("in_channels", "out_channels"), (3, 8), {})
    ({'in_channels': 3, 'out_channels': 8}, [])
    >>> _, problems = bind("Conv2d", ("in_channels",), (3, 8), {"in_channels": 4})
    >>> for problem in problems: print(problem)
    Conv2d: takes at most 1 positional argument: in_channels (got 2)
    Conv2d: got multiple values for argument 'in_channels': by position (1st) and by name
    """
    problems: list[Problem] = []
    if len(args) > len(positional):
        most = len(positional)
        takes = (f"takes at most {most} positional argument{'s' if most != 1 else ''}: "
                 + ", ".join(positional)) if most else "takes no positional arguments"
        problems.append(Problem(takes + " (got " + str(len(args)) + ")", None, where))
    bound = {}
    for index, (name, value) in enumerate(zip(positional, args)):
        if name in kwargs:
            problems.append(Problem(f"got multiple values for argument {name!r}: by position"
                                    f" ({_ordinal(index + 1)}) and by name", None, where))
        else:
            bound[name] = value
    bound.update(kwargs)
    if known is not None:
        for name in kwargs:
            if name not in known:
                problems.append(Problem(f"unknown argument {show(name)}"
                                        + did_you_mean(name, known), None, where,
                                        expected=one_of(known)))
        given = {did_you_mean(name, known) for name in kwargs if name not in known}
        for name in required:
            if name not in bound and f"; did you mean {name!r}?" not in given:
                problems.append(Problem(f"missing required argument {name!r}", None, where))
    return bound, problems


def _ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``11th``, ``22nd``.

    >>> [_ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 103)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '103rd']
    """
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def checked(where: str) -> Callable[[F], F]:
    """Decorator for an ``__init__``: a call that does not fit its signature (an unknown or
    missing argument, too many positional ones, one given twice) raises
    :class:`~cnncalc.errors.ArgumentError` with every such problem instead of a TypeError."""
    def decorate(init: F) -> F:
        parameters = list(inspect.signature(init).parameters.values())[1:]  # without self
        kinds = inspect.Parameter
        positional = tuple(p.name for p in parameters if p.kind is kinds.POSITIONAL_OR_KEYWORD)
        known = tuple(p.name for p in parameters
                      if p.kind in (kinds.POSITIONAL_OR_KEYWORD, kinds.KEYWORD_ONLY))
        required = tuple(p.name for p in parameters if p.default is p.empty
                         and p.kind in (kinds.POSITIONAL_OR_KEYWORD, kinds.KEYWORD_ONLY))
        names = frozenset(known)

        @functools.wraps(init)
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            by_position = positional[:len(args)]
            if (len(args) > len(positional) or not names.issuperset(kwargs)
                    or any(name in kwargs for name in by_position)
                    or any(name not in kwargs and name not in by_position
                           for name in required)):
                _, problems = bind(where, positional, args, kwargs, known=known,
                                   required=required)
                if problems:
                    raise ArgumentError(problems)
            init(self, *args, **kwargs)
        return __init__  # type: ignore[return-value]
    return decorate

