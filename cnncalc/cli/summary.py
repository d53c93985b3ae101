"""``cnncalc summary``: the Keras-style per-layer table (or markdown, CSV, JSON)."""

from __future__ import annotations

import click

from cnncalc.cli import main
from cnncalc.cli.common import (batch_option, convention_option, fail, input_option,
                                load_network)
from cnncalc.errors import CnncalcError

FORMATS = ("table", "markdown", "csv", "json")


@main.command()
@click.argument("file")
@input_option
@batch_option
@convention_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="Output format.")
def summary(file: str, input_shape, batch: int, convention: str, fmt: str) -> None:
    """Per-layer output shapes, parameters, MACs and FLOPs of the network in FILE."""
    from cnncalc.report import analyze

    try:
        report = analyze(load_network(file), batch=batch, input=input_shape,
                         convention=convention)
    except CnncalcError as err:
        fail(err)
    render = {"table": report.table, "markdown": report.markdown, "csv": report.csv,
              "json": report.to_json}[fmt]
    click.echo(render())
