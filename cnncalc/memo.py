"""Bounded memos for the analysis: a ResNet-152 has 515 layers but 55 distinct (layer, input
shapes) cases, and sweeps meet the same cases again, so each stage works a case out once.

A key that cannot be hashed (an argument holding a list) is worked out every time; a memo
that reaches its bound starts afresh. Every memo registers itself so that :func:`forget_all`
empties them (a test that patches a formula or a rule calls it first).
"""

from __future__ import annotations

from typing import Callable, Generic, Hashable, TypeVar

V = TypeVar("V")

_ALL: list["Memo"] = []


class Memo(Generic[V]):
    def __init__(self, limit: int = 100_000) -> None:
        self.table: dict[Hashable, V] = {}
        self.limit = limit
        _ALL.append(self)

    def get(self, key: Hashable, make: Callable[[], V]) -> V:
        """The value kept for ``key``, made (and kept) the first time."""
        try:
            known = self.table.get(key)
        except TypeError:
            return make()
        if known is None:
            known = make()
            if len(self.table) >= self.limit:
                self.table.clear()
            self.table[key] = known
        return known

    def clear(self) -> None:
        self.table.clear()


def forget_all() -> None:
    for memo in _ALL:
        memo.clear()
