"""Numbers that remember how they were computed, so that one rule gives both a count and its
working (as micrograd's ``Value`` remembers its graph).

>>> n, cout, hw = T(2, "N"), T(6, "Cout"), T(28, "H_out") * T(28, "W_out")
>>> macs = n * cout * hw * T(25, "K²")
>>> int(macs), macs.formula(), macs.numbers()
(235200, 'N · Cout · H_out · W_out · K²', '2 · 6 · 28 · 28 · 25')
>>> total = macs + 2 * T(10, "O")
>>> total.formula(), total.numbers(), int(total)
('N · Cout · H_out · W_out · K² + 2 · O', '2 · 6 · 28 · 28 · 25 + 2 · 10', 235220)
"""

from __future__ import annotations

from typing import Union

_PRECEDENCE = {"+": 1, "−": 1, "·": 2, "/": 2}

Number = Union["T", int]


class T:
    """An exact int with a symbol (``Cout``) or the operation that made it."""

    __slots__ = ("value", "symbol", "op", "left", "right")

    def __init__(self, value: int, symbol: str | None = None, op: str | None = None,
                 left: "T | None" = None, right: "T | None" = None) -> None:
        self.value = value
        self.symbol = symbol
        self.op = op
        self.left = left
        self.right = right

    def __int__(self) -> int:
        return self.value

    __index__ = __int__

    def __repr__(self) -> str:
        return f"T({self.value}, {self.formula()!r})"

    def __eq__(self, other: object) -> bool:
        return self.value == int(other) if isinstance(other, (T, int)) else NotImplemented

    def __hash__(self) -> int:
        return hash(self.value)

    # -- arithmetic (exact ints only) ------------------------------------------------------------

    def _make(self, op: str, other: Number, value: int, swap: bool = False) -> "T":
        other = other if isinstance(other, T) else T(other)
        left, right = (other, self) if swap else (self, other)
        return T(value, None, op, left, right)

    def __add__(self, other: Number) -> "T":
        return self._make("+", other, self.value + int(other))

    def __radd__(self, other: Number) -> "T":
        return self if isinstance(other, int) and other == 0 and not isinstance(other, bool) \
            else self._make("+", other, int(other) + self.value, swap=True)

    def __sub__(self, other: Number) -> "T":
        return self._make("−", other, self.value - int(other))

    def __mul__(self, other: Number) -> "T":
        return self._make("·", other, self.value * int(other))

    def __rmul__(self, other: Number) -> "T":
        return self._make("·", other, int(other) * self.value, swap=True)

    def __floordiv__(self, other: Number) -> "T":
        return self._make("/", other, self.value // int(other))

    # -- rendering ---------------------------------------------------------------------------------

    def formula(self) -> str:
        """In symbols where there are symbols: ``N · Cout · H_out``."""
        return self._render(symbols=True)

    def numbers(self) -> str:
        """The same expression with every symbol's value: ``1 · 6 · 28``."""
        return self._render(symbols=False)

    def _render(self, symbols: bool) -> str:
        if self.op is None:
            if symbols and self.symbol:
                return self.symbol
            return f"{self.value:,}" if self.value >= 10_000 else str(self.value)
        left = self.left._render(symbols)
        right = self.right._render(symbols)
        mine = _PRECEDENCE[self.op]
        if self.left.op and _PRECEDENCE[self.left.op] < mine:
            left = f"({left})"
        if self.right.op and (_PRECEDENCE[self.right.op] < mine
                              or _PRECEDENCE[self.right.op] == mine and self.op in "−/"):
            right = f"({right})"
        return f"{left} {self.op} {right}"


def product(*factors: Number) -> Number:
    """``a · b · c``; 1 when there are none."""
    result: Number = 1
    for factor in factors:
        result = factor if isinstance(result, int) and result == 1 else result * factor
    return result


def value(number: Number) -> int:
    return number.value if isinstance(number, T) else number
