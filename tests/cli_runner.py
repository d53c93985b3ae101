"""click's test runner with standard error kept apart, on every click that pyproject allows.

click 8.2 always separates the two streams and dropped ``mix_stderr``; click 8.1 mixes them
unless told ``mix_stderr=False``.
"""

from __future__ import annotations

import inspect

from click.testing import CliRunner


def runner() -> CliRunner:
    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:
        return CliRunner(mix_stderr=False)
    return CliRunner()
