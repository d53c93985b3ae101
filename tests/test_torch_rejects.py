"""Rejection parity: on arguments and inputs near the edges, cnncalc rejects a layer exactly
when torch does (at construction or in the forward pass), and agrees on every number when both
accept. One test per layer family, driven by the registry like tests/test_torch_layers.py.
"""

from __future__ import annotations

import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from cnncalc.errors import LayerError
from cnncalc.layers import REGISTRY
from cnncalc.spec import LayerArgumentErrors
from cnncalc.torch import build_module, twin_factory
from strategies import (Case, differences, draw_case, families, static_counts, static_row,
                        torch_counts)

FAMILIES = families()


def cnncalc_verdict(type_name: str, case: Case):
    """cnncalc's row, or its error message when it rejects the layer."""
    try:
        return static_row(type_name, case), None
    except (LayerArgumentErrors, LayerError) as err:
        return None, str(err)


def torch_verdict(type_name: str, case: Case):
    """The twin's counts, or torch's error when it refuses to build or run the layer."""
    fields = REGISTRY[type_name].model_fields
    try:
        module = twin_factory(type_name)(**case.torch_args(fields))
        counts = torch_counts(module, case.shapes)
    except Exception as err:  # torch rejects with ValueError, RuntimeError, AssertionError...
        return None, f"{type(err).__name__}: {err}"
    if 0 in counts["output_shape"]:
        # torch returns an empty tensor here and there (negative padding that crops it all,
        # area resampling below one element); cnncalc refuses a layer with an empty output on
        # purpose, as no network means to make one
        return None, f"an empty output {list(counts['output_shape'])}"
    return counts, None


@pytest.mark.parametrize("family", sorted(FAMILIES))
@given(data=st.data())
def test_cnncalc_rejects_exactly_what_torch_rejects(family, data):
    type_name, case = draw_case(data, FAMILIES[family], valid=False)
    row, cnncalc_error = cnncalc_verdict(type_name, case)
    counts, torch_error = torch_verdict(type_name, case)
    note(f"cnncalc: {cnncalc_error or 'accepts'}; torch: {torch_error or 'accepts'}")
    assert (cnncalc_error is None) == (torch_error is None), (
        f"{type_name} {case.args} on {case.shapes}: cnncalc "
        f"{'accepts' if cnncalc_error is None else 'rejects: ' + cnncalc_error}, but torch "
        f"{'accepts' if torch_error is None else 'rejects: ' + torch_error}")
    if row is not None:
        assert differences(static_counts(row), counts) == []
        # the twin built from cnncalc's resolved layer is the twin built from torch's arguments
        assert torch_counts(build_module(row.layer), case.shapes) == counts
