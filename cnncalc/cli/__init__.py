"""The command line: a thin click layer over the API. Exit 0 ok, 1 disagreement, 2 bad input.

Each command lives in its own module and joins the group here; heavy imports (torch, the
analysis) happen inside the commands, so that ``cnncalc --help`` starts fast.
"""

from __future__ import annotations

import click

from cnncalc.cli.common import Group


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cnncalc", prog_name="cnncalc")
def main() -> None:
    """Static shapes, parameters, MACs and FLOPs of convolutional networks."""


from cnncalc.cli import summary  # noqa: E402  (commands register themselves on main)
from cnncalc.cli import conventions  # noqa: E402,F401
from cnncalc.cli import zoo  # noqa: E402,F401
from cnncalc.cli import verify  # noqa: E402,F401
from cnncalc.cli import teach  # noqa: E402,F401
from cnncalc.cli import schema  # noqa: E402,F401
from cnncalc.cli import report  # noqa: E402,F401

__all__ = ["main"]
from cnncalc.cli import sweep  # noqa: E402,F401
from cnncalc.cli import export  # noqa: E402,F401
from cnncalc.cli import imports  # noqa: E402,F401
