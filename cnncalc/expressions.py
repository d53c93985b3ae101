"""Computed arguments: small arithmetic expressions over ``$names``, evaluated safely.

A value of a network file that holds a ``$`` and is not a whole ``$name`` is an expression:
``$dim * 4``, ``$c // 2``, ``make_divisible($c * $width_mult, 8)``. It is parsed with Python's
:mod:`ast` and walked by :func:`evaluate`, which knows a short whitelist of node types: numbers,
``$name`` references, ``+ - * / // % **``, unary ``-`` and ``+``, parentheses, comparisons
(``== != < <= > >=``, giving true or false) and calls of the functions of :data:`FUNCTIONS`.
Nothing else exists for it: no attribute, no subscript, no bare name, no string, no lambda, no
comprehension, and Python's ``eval`` is never called. Sizes are bounded (:data:`MAX_LENGTH`
characters, :data:`MAX_NODES` nodes, ``**`` exponents of at most :data:`MAX_EXPONENT`, ints below
10^18), so that no file can make the process hang.

Arithmetic is Python's: ints stay exact ints of any size the bounds allow, ``/`` gives a float,
``round`` rounds half to even. That is what torchvision's model builders compute with, so a file
derives the very channel counts torchvision derives.

>>> evaluate("make_divisible(32 * $width_mult, 8)", {"width_mult": 0.5})
16
>>> evaluate("$c // 2 + 1", {"c": 15}), evaluate("$c / 2", {"c": 15})
(8, 7.5)
>>> evaluate("int(ceil(3 * $depth_mult))", {"depth_mult": 1.2})
4
>>> evaluate("$out == 16", {"out": 16})
True
"""

from __future__ import annotations

import ast
import math
import operator
import re
from functools import lru_cache
from typing import Any, Callable, Mapping

MAX_LENGTH = 400        # characters of one expression
MAX_NODES = 200         # syntax-tree nodes of one expression
MAX_EXPONENT = 64       # of ``**``
MAX_INT = 10 ** 18      # ints stay below, as the file's own numbers (safeyaml.MAX_INT_DIGITS)
MAX_FLOAT = 1e300

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_REFERENCE = re.compile(r"\$(" + _NAME + ")")
_WHOLE = re.compile(r"\$" + _NAME)
_PLACEHOLDER = "__cnncalc_arg_"   # what ``$name`` becomes for Python's parser


class ExpressionError(ValueError):
    """An expression that cannot be evaluated: said as a Problem says it."""

    def __init__(self, message: str, *, expected: Any = None, got: Any = None) -> None:
        super().__init__(message)
        self.message, self.expected, self.got = message, expected, got


def make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    """torchvision's ``_make_divisible`` (torchvision/models/_utils.py), line for line: ``v``
    rounded to the nearest multiple of ``divisor``, at least ``min_value`` (default
    ``divisor``) and never more than 10 % below ``v``.

    >>> make_divisible(32 * 0.5, 8), make_divisible(16 * 1.4, 8), make_divisible(1280, 8)
    (16, 24, 1280)
    """
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def _round(x: Any, ndigits: Any = None) -> Any:
    return round(x) if ndigits is None else round(x, ndigits)


#: name: (function, least, most arguments, keyword arguments), every argument a number
FUNCTIONS: dict[str, tuple[Callable[..., Any], int, int, tuple[str, ...]]] = {
    "make_divisible": (make_divisible, 2, 3, ("min_value",)),
    "min": (min, 2, 16, ()),
    "max": (max, 2, 16, ()),
    "round": (_round, 1, 2, ()),
    "ceil": (math.ceil, 1, 1, ()),
    "floor": (math.floor, 1, 1, ()),
    "int": (int, 1, 1, ()),
}

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
           ast.Pow: operator.pow}
_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt,
            ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge}
_SYMBOL = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
           ast.Mod: "%", ast.Pow: "**"}
_FORBIDDEN = {  # what a construct is, for the message
    ast.Attribute: "attribute access (a.b)", ast.Subscript: "subscripts (a[b])",
    ast.Lambda: "lambda", ast.ListComp: "comprehensions", ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions", ast.GeneratorExp: "comprehensions",
    ast.BoolOp: "and / or", ast.IfExp: "if / else", ast.List: "lists", ast.Tuple: "tuples",
    ast.Dict: "mappings", ast.Set: "sets", ast.JoinedStr: "strings", ast.NamedExpr: ":=",
    ast.Starred: "*arguments", ast.Await: "await", ast.Yield: "yield",
    ast.YieldFrom: "yield", ast.Slice: "slices",
}
GRAMMAR = ("numbers, $names, + - * / // % **, comparisons, parentheses and "
           + ", ".join(f"{name}()" for name in FUNCTIONS))


def is_reference(value: Any) -> bool:
    """A whole ``$name``: substituted as it is (any value, a list or a layer type included)."""
    return isinstance(value, str) and _WHOLE.fullmatch(value) is not None


def is_expression(value: Any) -> bool:
    """A string holding a ``$`` that is not a whole ``$name``.

    >>> is_expression("$c * 4"), is_expression("$c"), is_expression("same")
    (True, False, False)
    """
    return isinstance(value, str) and "$" in value and not is_reference(value)


def names_in(value: Any) -> list[str]:
    """The ``$names`` a value refers to, ``$`` included, in order (a list's items too).

    >>> names_in("make_divisible($c * $w, 8)"), names_in(["$a", 3])
    (['$c', '$w'], ['$a'])
    """
    if isinstance(value, str):
        if is_reference(value):
            return [value]
        return ["$" + name for name in _REFERENCE.findall(value)]
    if isinstance(value, (list, tuple)):
        return [name for item in value for name in names_in(item)]
    return []


def holds_dollar(value: Any) -> bool:
    """Whether a value (a string, or a list's items) holds a ``$``: a reference or an
    expression, to be worked out before the value is used."""
    if isinstance(value, str):
        return "$" in value
    return isinstance(value, (list, tuple)) and any(holds_dollar(v) for v in value)


def evaluate(text: str, env: Mapping[str, Any]) -> int | float | bool:
    """The value of the expression ``text`` with ``$name`` bound by ``env`` (names without
    ``$``); :class:`ExpressionError` for anything wrong."""
    tree = _parse(text)
    return _Evaluator(env).value(tree)


@lru_cache(maxsize=4096)
def _parse(text: str) -> ast.AST:
    if len(text) > MAX_LENGTH:
        raise ExpressionError("the expression is too long",
                              expected=f"at most {MAX_LENGTH} characters", got=len(text))
    if _PLACEHOLDER in text:
        raise ExpressionError(f"{_PLACEHOLDER!r} cannot appear in an expression")
    source = _REFERENCE.sub(lambda m: _PLACEHOLDER + m.group(1), text)
    if "$" in source:
        at = source.index("$")
        raise ExpressionError("a $ must start a $name", expected="$ followed by a letter or _",
                              got=repr(text[at:at + 10]))
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as err:
        raise ExpressionError(_syntax_message(text, err), expected="an expression of "
                              + GRAMMAR) from None
    except (ValueError, MemoryError, RecursionError):
        raise ExpressionError("not an expression cnncalc reads",
                              expected="an expression of " + GRAMMAR) from None
    count = sum(1 for _ in ast.walk(tree))
    if count > MAX_NODES:
        raise ExpressionError("the expression is too large", expected=f"at most {MAX_NODES} "
                              "numbers, names, operators and calls", got=count)
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    for node in ast.walk(tree):
        if id(node) not in called or not isinstance(node, ast.Name):
            _check(node)
    return tree.body  # type: ignore[attr-defined]


def _syntax_message(text: str, err: SyntaxError) -> str:
    """The message for text Python's parser refuses (its offsets count the placeholders, so
    none is shown), with a hint for YAML's cut at commas and for ``=``."""
    hint = ""
    if text.count("(") > text.count(")"):
        hint = ("; inside {...} or [...], YAML cuts a value at each comma: quote an expression"
                " that holds one (\"make_divisible($c, 8)\")")
    elif "=" in text and "==" not in text and re.search(r"[^=!<>]=[^=]", text):
        hint = "; = does not assign here (== compares)"
    return f"invalid expression {text!r}" + hint


def _check(node: ast.AST) -> None:
    """Only whitelisted constructs; the rest by name."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise ExpressionError("an expression holds numbers, not " + (
                "true/false" if isinstance(node.value, bool) else "strings or other values"),
                got=repr(node.value)[:40])
        return
    if isinstance(node, ast.Name):
        if not node.id.startswith(_PLACEHOLDER) or node.id.count(_PLACEHOLDER) > 1:
            shown = node.id.replace(_PLACEHOLDER, "$")
            hint = f"; did you mean ${shown}?" if "$" not in shown else ""
            if node.id in FUNCTIONS:
                hint = f"; {node.id} is a function: call it, {node.id}(...)"
            raise ExpressionError(f"unknown name {shown!r}: an argument is written with a $"
                                  + hint, expected="$name or " + ", ".join(FUNCTIONS))
        return
    if isinstance(node, ast.Call):
        func = node.func
        if not isinstance(func, ast.Name) or func.id not in FUNCTIONS:
            name = func.id if isinstance(func, ast.Name) else None
            from cnncalc.errors import did_you_mean

            hint = did_you_mean(name, FUNCTIONS) if name else ""
            raise ExpressionError(f"unknown function {name or ast.unparse(func)!r}" + hint,
                                  expected="one of " + ", ".join(FUNCTIONS))
        _, least, most, keywords = FUNCTIONS[func.id]
        for keyword in node.keywords:
            if keyword.arg not in keywords:
                raise ExpressionError(f"{func.id}() takes no argument "
                                      f"{keyword.arg or '**'}", expected=(
                                          "keyword " + ", ".join(keywords)) if keywords
                                      else "positional arguments only")
        given = len(node.args) + len(node.keywords)
        if not least <= given <= most:
            wanted = str(least) if least == most else f"{least} to {most}"
            raise ExpressionError(f"{func.id}() takes {wanted} arguments", got=given)
        return
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            raise ExpressionError("unknown operator", expected="+ - * / // % **",
                                  got=type(node.op).__name__)
        return
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise ExpressionError("unknown operator", expected="- or + before a number",
                                  got="not" if isinstance(node.op, ast.Not) else "~")
        return
    if isinstance(node, ast.Compare):
        if not all(type(op) in _COMPARE for op in node.ops):
            raise ExpressionError("unknown comparison", expected="== != < <= > >=")
        return
    if isinstance(node, (ast.Expression, ast.keyword, ast.Load, ast.operator, ast.unaryop,
                         ast.cmpop)):
        return
    what = _FORBIDDEN.get(type(node), type(node).__name__)
    raise ExpressionError(f"an expression cannot hold {what}", expected=GRAMMAR)


class _Evaluator:
    def __init__(self, env: Mapping[str, Any]) -> None:
        self.env = env

    def value(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self.name(node.id[len(_PLACEHOLDER):])
        if isinstance(node, ast.UnaryOp):
            operand = self.number(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            left, right = self.number(node.left), self.number(node.right)
            return self.binary(type(node.op), left, right)
        if isinstance(node, ast.Compare):
            left = self.number(node.left)
            for op, item in zip(node.ops, node.comparators):
                right = self.number(item)
                if not _COMPARE[type(op)](left, right):
                    return False
                left = right
            return True
        if isinstance(node, ast.Call):
            return self.call(node)
        raise ExpressionError("an expression cannot hold this", expected=GRAMMAR)  # checked

    def name(self, name: str) -> Any:
        if name not in self.env:
            from cnncalc.errors import did_you_mean, one_of

            known = list(self.env)
            raise ExpressionError(f"${name} is not an argument here" + did_you_mean(
                name, known), expected=one_of(f"${a}" for a in known) if known else
                "no $names: there are no arguments here")
        return self.env[name]

    def number(self, node: ast.AST) -> int | float:
        value = self.value(node)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            from cnncalc.errors import show

            what = ast.unparse(node).replace(_PLACEHOLDER, "$")
            raise ExpressionError(f"{what} is not a number", expected="a number",
                                  got=show(value))
        return value

    def binary(self, op: type, left: Any, right: Any) -> Any:
        if op is ast.Pow:
            if isinstance(right, int) and abs(right) > MAX_EXPONENT or \
                    isinstance(right, float) and abs(right) > MAX_EXPONENT:
                raise ExpressionError("the exponent of ** is too large",
                                      expected=f"at most {MAX_EXPONENT}", got=right)
            if left == 0 and right < 0:
                raise ExpressionError("division by zero (0 to a negative power)")
            if left < 0 and isinstance(right, float) and not right.is_integer():
                raise ExpressionError("a negative number to a fractional power is not a "
                                      "real number", got=f"{left} ** {right}")
        elif op in (ast.Div, ast.FloorDiv, ast.Mod) and right == 0:
            raise ExpressionError(f"division by zero ({_SYMBOL[op]} 0)")
        try:
            result = _BINARY[op](left, right)
        except OverflowError:
            raise ExpressionError("a number is too large",
                                  expected=f"numbers below {MAX_FLOAT:g}") from None
        return self.bounded(result)

    def call(self, node: ast.Call) -> Any:
        function = FUNCTIONS[node.func.id][0]  # type: ignore[attr-defined]
        args = [self.number(arg) for arg in node.args]
        keywords = {k.arg: self.number(k.value) for k in node.keywords}
        name = node.func.id  # type: ignore[attr-defined]
        if name == "make_divisible" and not (isinstance(args[1], int) and args[1] > 0):
            raise ExpressionError("make_divisible's divisor is a whole number ≥ 1",
                                  got=args[1])
        if name == "round" and len(args) == 2 and not isinstance(args[1], int):
            raise ExpressionError("round's digits are a whole number", got=args[1])
        try:
            return self.bounded(function(*args, **keywords))
        except (OverflowError, ValueError):
            raise ExpressionError(f"{name}() of a number too large (or not a number)",
                                  got=", ".join(map(str, args))) from None

    @staticmethod
    def bounded(value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= MAX_INT:
            raise ExpressionError("a number is too large for cnncalc",
                                  expected="whole numbers of at most 18 digits")
        if isinstance(value, float) and not abs(value) <= MAX_FLOAT:
            raise ExpressionError("a number is too large (or not a number)",
                                  expected=f"numbers below {MAX_FLOAT:g}")
        if isinstance(value, complex):
            raise ExpressionError("not a real number")
        return value
