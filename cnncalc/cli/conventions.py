"""``cnncalc conventions``: every counting convention's totals side by side, and why they differ."""

from __future__ import annotations

import click

from cnncalc.cli import main
from cnncalc.cli.common import batch_option, fail, input_option, load_network, set_option
from cnncalc.errors import CnncalcError

FORMATS = ("table", "markdown", "json")


@main.command()
@click.argument("file")
@input_option
@set_option
@batch_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="Output format.")
def conventions(file: str, input_shape, batch: int, fmt: str) -> None:
    """Every counting convention's MACs and FLOPs for FILE, and why they differ.

    One row per convention (torch, and the peer tools torchinfo, fvcore, ptflops and thop as
    their headline numbers, and full), then each one's difference from torch broken down by
    layer type, with the rule that makes it: why the tools disagree.
    """
    from cnncalc.report import compare

    try:
        comparison = compare(load_network(file), batch=batch, input=input_shape)
    except CnncalcError as err:
        fail(err)
    render = {"table": comparison.table, "markdown": comparison.markdown,
              "json": comparison.to_json}[fmt]
    click.echo(render())
