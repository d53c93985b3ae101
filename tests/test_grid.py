"""The plain grid of the summary table lays cells out exactly as tabulate's ``plain`` format."""

from hypothesis import given, settings, strategies as st
from tabulate import tabulate

import cnncalc
from cnncalc.report.grid import plain

CELL = st.text(alphabet=st.sampled_from(list("ab1 ,.%[]()─卷积层")), max_size=8)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 5).flatmap(lambda n: st.tuples(
    st.lists(CELL, min_size=n, max_size=n),
    st.lists(st.lists(CELL, min_size=n, max_size=n), min_size=1, max_size=5),
    st.lists(st.sampled_from(["left", "right"]), min_size=n, max_size=n))))
def test_plain_lays_out_as_tabulate(case):
    # (at least one row: tabulate 0.9.0 fails on colalign without rows; a table has a layer)
    headings, rows, align = case
    expected = tabulate(rows, headers=headings, tablefmt="plain", disable_numparse=True,
                        colalign=align)
    assert "\n".join(plain(headings, rows, align)) == expected


def test_a_name_with_a_newline_stays_on_its_row():
    net = cnncalc.loads("input: [3, 8, 8]\nlayers:\n"
                        "  - Conv2d: {out_channels: 4, kernel_size: 3, name: \"a\\nb\"}\n"
                        "  - ReLU\n")
    lines = cnncalc.analyze(net).table().splitlines()
    assert any(line.startswith("a\\nb (Conv2d)   [1, 4, 6, 6]") for line in lines), lines
