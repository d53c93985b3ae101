"""The analysis's memos (cnncalc/memo.py): a case is worked out once, an unhashable key every
time, a full memo starts afresh, and ``forget`` empties every memo."""

from cnncalc.analysis import forget
from cnncalc.memo import Memo


def test_a_case_is_worked_out_once_and_an_unhashable_one_every_time():
    memo, made = Memo(), []

    def make(value):
        return lambda: made.append(value) or value

    assert memo.get(("conv", (1, 3, 8, 8)), make(1)) == 1
    assert memo.get(("conv", (1, 3, 8, 8)), make(2)) == 1      # kept
    assert memo.get(("conv", [1, 3, 8, 8]), make(3)) == 3      # a list: never kept
    assert memo.get(("conv", [1, 3, 8, 8]), make(4)) == 4
    assert made == [1, 3, 4]


def test_a_full_memo_starts_afresh():
    memo = Memo(limit=2)
    for key in range(3):
        memo.get(key, lambda: key)
    assert list(memo.table) == [2]


def test_forget_empties_every_memo():
    memo = Memo()
    memo.get("case", lambda: "value")
    forget()
    assert memo.table == {}
