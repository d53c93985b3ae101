"""Every registered layer type against its torch twin, on random valid arguments and inputs.

Driven by the layer registry: a layer type without a strategy (tests/strategies.py) or without
a torch twin (cnncalc.torch) fails here. One test per layer family (the module defining the
types), so that CI's 500 examples go to each family. For each drawn case, cnncalc's output
shape, params, buffers and MACs must equal the twin's (FlopCounterMode's total / 2) on the
CPU, and the twin must count the same on the meta device, which ``cnncalc verify`` runs on.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, note
from hypothesis import strategies as st

from cnncalc.layers import REGISTRY
from cnncalc.torch import build_module, missing_twins
from strategies import (STRATEGIES, differences, draw_case, families, static_counts, static_row,
                        torch_counts)

FAMILIES = families()


def test_every_registered_type_has_a_strategy_and_a_twin():
    assert sorted(set(REGISTRY) - set(STRATEGIES)) == [], "add them to tests/strategies.py"
    assert missing_twins() == [], "add their twins to cnncalc/torch/"


def test_the_catalog_is_registered():
    # issue 2's catalog: every type the strategies were written for is a layer type
    assert sorted(set(STRATEGIES) - set(REGISTRY)) == []


@pytest.mark.parametrize("family", sorted(FAMILIES))
@given(data=st.data())
def test_static_equals_torch(family, data):
    type_name, case = draw_case(data, FAMILIES[family], valid=True)
    row = static_row(type_name, case)
    note(f"resolved: {row.layer!r}")
    expected = static_counts(row)
    assert differences(expected, torch_counts(build_module(row.layer), case.shapes)) == []
    with torch.device("meta"):
        twin = build_module(row.layer)
    assert differences(expected, torch_counts(twin, case.shapes, device="meta")) == []
