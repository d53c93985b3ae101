"""Hypothesis profiles: quick by default, thorough in CI (CI=true)."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile("ci", max_examples=500, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# tests/data holds what the tests read, and the script that measured peer_totals.json, which
# needs torchvision: pytest (--doctest-modules) must neither collect nor import anything there
collect_ignore = ["data"]


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_formulas():
    """Each test computes its own numbers: some patch a formula, which the analysis memoises
    per (layer, input shapes)."""
    from cnncalc.analysis import forget

    forget()
    yield
