"""Numbers that remember how they were computed, so that one definition gives both a number and
its working (as micrograd's ``Value`` remembers its graph).

A formula is written once, over plain ints (fast: ``floor_div`` and ``term`` are then plain
arithmetic and the identity) and runs on :class:`T` numbers too, which record it:

>>> n, cout, hw = T(2, "N"), T(6, "Cout"), T(28, "H_out") * T(28, "W_out")
>>> macs = n * cout * hw * T(25, "K²")
>>> int(macs), macs.formula(), macs.numbers()
(235200, 'N · Cout · H_out · W_out · K²', '2 · 6 · 28 · 28 · 25')
>>> total = macs + 2 * T(10, "O")
>>> total.formula(), total.numbers(), int(total)
('N · Cout · H_out · W_out · K² + 2 · O', '2 · 6 · 28 · 28 · 25 + 2 · 10', 235220)

A ``term`` is written tight (``2P``, ``d·(K−1)``) and shown by its value once the symbols are
replaced by numbers; ``floor_div`` and ``ceil_div`` are shown as ``floor(a / b)``, and the
steps work out their arguments before the result:

>>> size, p, d, k, s = T(32, "H_in"), T(0, "P"), T(1, "d"), T(3, "K"), T(2, "S")
>>> out = floor_div(size + term(2 * p) - term(d * (k - 1)) - 1, s) + 1
>>> out.steps()
['floor((H_in + 2P − d·(K−1) − 1) / S) + 1', 'floor((32 + 0 − 2 − 1) / 2) + 1', 'floor(29 / 2) + 1', '15']
>>> floor_div(29, 2) + 1
15
"""

from __future__ import annotations

from typing import Union

_PRECEDENCE = {"+": 1, "−": 1, "·": 2, "/": 2}
_FUNCTIONS = ("floor", "ceil")

Number = Union["T", int]


class T:
    """An exact int with a symbol (``Cout``) or the operation that made it.

    ``tight`` marks a term written without spaces (``2P``) and replaced by its value in the
    numbers (unless ``keep``: ``Kh·Kw`` is shown as ``5·5``); ``notes`` are the rules that
    changed the value on the way (PyTorch's last-window rule of ``ceil_mode``).
    """

    __slots__ = ("value", "symbol", "op", "left", "right", "tight", "keep", "notes")

    def __init__(self, value: int, symbol: str | None = None, op: str | None = None,
                 left: "T | None" = None, right: "T | None" = None) -> None:
        self.value = value
        self.symbol = symbol
        self.op = op
        self.left = left
        self.right = right
        self.tight = False
        self.keep = False
        self.notes: tuple[str, ...] = (left.notes if left is not None else ()) + \
            (right.notes if right is not None else ())

    def __int__(self) -> int:
        return self.value

    __index__ = __int__

    def __str__(self) -> str:
        return str(self.value)

    def __repr__(self) -> str:
        return f"T({self.value}, {self.formula()!r})"

    def __eq__(self, other: object) -> bool:
        return self.value == int(other) if isinstance(other, (T, int)) else NotImplemented

    def __hash__(self) -> int:
        return hash(self.value)

    def __lt__(self, other: Number) -> bool:
        return self.value < int(other)

    def __le__(self, other: Number) -> bool:
        return self.value <= int(other)

    def __gt__(self, other: Number) -> bool:
        return self.value > int(other)

    def __ge__(self, other: Number) -> bool:
        return self.value >= int(other)

    # -- arithmetic (exact ints only) ------------------------------------------------------------

    def _make(self, op: str, other: Number, value: int, swap: bool = False) -> "T":
        other = other if isinstance(other, T) else T(int(other))
        left, right = (other, self) if swap else (self, other)
        return T(value, None, op, left, right)

    def __add__(self, other: Number) -> "T":
        return self._make("+", other, self.value + int(other))

    def __radd__(self, other: Number) -> "T":
        return self if isinstance(other, int) and other == 0 and not isinstance(other, bool) \
            else self._make("+", other, int(other) + self.value, swap=True)

    def __sub__(self, other: Number) -> "T":
        return self._make("−", other, self.value - int(other))

    def __rsub__(self, other: Number) -> "T":
        return self._make("−", other, int(other) - self.value, swap=True)

    def __mul__(self, other: Number) -> "T":
        return self._make("·", other, self.value * int(other))

    def __rmul__(self, other: Number) -> "T":
        return self._make("·", other, int(other) * self.value, swap=True)

    def __floordiv__(self, other: Number) -> "T":
        return self._make("/", other, self.value // int(other))

    def __rfloordiv__(self, other: Number) -> "T":
        return self._make("/", other, int(other) // self.value, swap=True)

    def ruled(self, value: int, note: str) -> "T":
        """This number changed to ``value`` by a rule the working states in ``note``."""
        changed = T(value, None, "rule", self)
        changed.notes = self.notes + (note,)
        return changed

    # -- rendering ---------------------------------------------------------------------------------

    def formula(self) -> str:
        """In symbols where there are symbols: ``N · Cout · H_out``."""
        return self._render("formula")

    def numbers(self) -> str:
        """The same expression with every symbol's value: ``1 · 6 · 28``."""
        return self._render("numbers")

    def steps(self) -> list[str]:
        """The formula, its numbers, the arguments of ``floor`` and ``ceil`` worked out, and
        the value: each step shown once (``4704`` and ``4,704`` are one step). A number a
        rule changed ends at the value before the rule; its ``notes`` say the rest."""
        if self.op == "rule":
            return self.left.steps()
        steps = [self.formula(), self.numbers(), self._render("reduced"), f"{self.value:,}"]
        plain = [step.replace(",", "") for step in steps]
        shown = [step for i, step in enumerate(steps[:-1]) if plain[i] not in plain[:i]]
        return shown + [steps[-1]] if plain[-1] not in plain[:-1] else shown[:-1] + [steps[-1]]

    def _render(self, mode: str, tight: bool = False) -> str:
        if self.op == "rule":
            return self.left._render(mode, tight)
        if self.op is None:
            if mode == "formula" and self.symbol:
                return self.symbol
            return _count(self.value)
        if self.tight and mode != "formula" and not self.keep:
            return _count(self.value)
        tight = tight or self.tight
        if self.op in _FUNCTIONS:
            if mode == "reduced" and self.right.value != 1:
                return f"{self.op}({_count(self.left.value)} / {_count(self.right.value)})"
            inner = self.left._render(mode, tight)
            if self.left.op in _PRECEDENCE and not self.left.tight:
                inner = f"({inner})"
            right = self.right._render(mode, tight)
            if self.right.op in _PRECEDENCE and not self.right.tight:
                right = f"({right})"
            return f"{self.op}({inner} / {right})"
        left = self.left._render(mode, tight)
        right = self.right._render(mode, tight)
        mine = _PRECEDENCE[self.op]
        if self._loose(self.left) and _PRECEDENCE[self.left.op] < mine:
            left = f"({left})"
        if self._loose(self.right) and (_PRECEDENCE[self.right.op] < mine
                                        or _PRECEDENCE[self.right.op] == mine
                                        and self.op in "−/"):
            right = f"({right})"
        elif mode == "formula" and self.right.tight and self.right.op == "/" \
                and self.op == "·":
            right = f"({right})"
        if tight:
            if self.op == "·" and self.left.op is None and not self.left.symbol \
                    and mode == "formula" and self.right.symbol:
                return f"{left}{right}"        # 2P
            return f"{left}{self.op}{right}"   # d·(K−1)
        return f"{left} {self.op} {right}"

    @staticmethod
    def _loose(node: "T") -> bool:
        return node.op in _PRECEDENCE


def term(number: Number, *, keep: bool = False) -> Number:
    """``number`` written as one tight term (``2P``), shown by its value in the numbers unless
    ``keep`` (``Kh·Kw`` as ``5·5``); a plain int is returned as it is."""
    if isinstance(number, T) and number.op is not None:
        marked = T(number.value, number.symbol, number.op, number.left, number.right)
        marked.tight, marked.keep, marked.notes = True, keep, number.notes
        return marked
    return number


def floor_div(a: Number, b: Number) -> Number:
    """``a // b``, shown as ``floor(a / b)``."""
    if isinstance(a, T) or isinstance(b, T):
        return _call("floor", a, b, int(a) // int(b))
    return a // b


def ceil_div(a: Number, b: Number) -> Number:
    """``-(-a // b)``, shown as ``ceil(a / b)``."""
    if isinstance(a, T) or isinstance(b, T):
        return _call("ceil", a, b, -(-int(a) // int(b)))
    return -(-a // b)


def _call(name: str, a: Number, b: Number, value: int) -> T:
    a = a if isinstance(a, T) else T(a)
    b = b if isinstance(b, T) else T(b)
    return T(value, None, name, a, b)


def _count(n: int) -> str:
    text = f"{abs(n):,}" if abs(n) >= 10_000 else str(abs(n))
    return f"−{text}" if n < 0 else text


def product(*factors: Number) -> Number:
    """``a · b · c``; 1 when there are none."""
    result: Number = 1
    for factor in factors:
        result = factor if isinstance(result, int) and result == 1 else result * factor
    return result


def value(number: Number) -> int:
    return number.value if isinstance(number, T) else number
