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
@click.option("--dtype", type=click.Choice(("float32", "float16", "bfloat16", "float64")),
              default="float32", show_default=True,
              help="Element size of parameters and activations (buffers keep their own).")
@click.option("--optimizer", type=click.Choice(("sgd", "momentum", "adam", "adamw")),
              default="adam", show_default=True,
              help="Optimizer whose state the training memory counts.")
@click.option("--fit", "fit_size", metavar="SIZE", default=None,
              help="Also print the largest batch whose training and inference memory fit "
                   "in SIZE (24GiB, 80GB, 512MiB).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="Output format.")
def summary(file: str, input_shape, batch: int, convention: str, dtype: str, optimizer: str,
            fit_size: str | None, fmt: str) -> None:
    """Per-layer output shapes, parameters, MACs, FLOPs and memory of the network in FILE."""
    from cnncalc.report import analyze

    try:
        network = load_network(file)
        options = dict(input=input_shape, convention=convention, dtype=dtype,
                       optimizer=optimizer)
        report = analyze(network, batch=batch, **options)
        fit = None
        if fit_size is not None:
            from cnncalc.memory import largest_batch, parse_size

            size = parse_size(fit_size)
            fit = largest_batch(size, lambda b: analyze(network, batch=b, **options).memory)
    except CnncalcError as err:
        fail(err)
    if fmt == "json":
        data = report.to_dict()
        if fit is not None:
            from dataclasses import asdict

            data["memory"]["fit"] = asdict(fit)
        from cnncalc.report.json import dumps

        click.echo(dumps(data))
        return
    render = {"table": report.table, "markdown": report.markdown, "csv": report.csv}[fmt]
    click.echo(render())
    if fit is not None and fmt != "csv":
        click.echo(fit_text(fit_size, fit, dtype, optimizer))


def fit_text(size: str, fit, dtype: str, optimizer: str) -> str:
    how = ("memory is affine in the batch: extrapolated from batches 1 and 2, checked"
           if fit.method == "linear" else "found by bisection")
    return (f"Fits in {size} ({fit.size_bytes:,} bytes), {dtype}: training with {optimizer} up "
            f"to batch {fit.training_batch:,}; inference up to batch {fit.inference_batch:,} "
            f"({how})")
