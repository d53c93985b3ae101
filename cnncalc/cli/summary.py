"""``cnncalc summary``: the Keras-style per-layer table (or markdown, CSV, JSON)."""

from __future__ import annotations

import click

from cnncalc.cli import main
from cnncalc.cli.common import (UsingType, analysis_options, fail, lang_option,
                                load_network)
from cnncalc.errors import CnncalcError

#: what --top and --sort rank by: cnncalc.views.RANKS's names, spelled out so that
#: `cnncalc --help` does not import the analysis (a test keeps the two equal)
RANKS = ("macs", "flops", "params", "saved_bytes", "output_bytes", "buffers")

FORMATS = ("table", "markdown", "csv", "json")


def view(report, depth: int, by: str | None, top: int | None, rank: str):
    """The rows asked for: at a block depth, per layer type, the most expensive."""
    from cnncalc import views
    from cnncalc.report import Report

    if by == "type":
        report = views.by_type(report, rank)
    elif depth:
        report = views.at_depth(report, depth)
    if top is not None:
        report = views.top(report, top, rank)
    return Report.of(report)


def _size(text):
    from cnncalc.memory import parse_size

    return text if isinstance(text, tuple) else (text, parse_size(text))


def _columns(text):
    from cnncalc.report.columns import check_columns

    names = text if isinstance(text, list) else [n.strip() for n in text.split(",") if n.strip()]
    check_columns(names)
    return names


@main.command()
@click.argument("file")
@analysis_options
@click.option("--fit", "fit_size", type=UsingType("SIZE", _size), default=None,
              help="Also print the largest batch whose training and inference memory fit "
                   "in SIZE (24GiB, 80GB, 512MiB).")
@click.option("--columns", type=UsingType("NAMES", _columns), default="",
              help="Extra table columns, comma-separated: output_bytes, saved_bytes, "
                   "receptive_field (JSON and CSV always have them).")
@click.option("--depth", type=click.IntRange(min=0), default=0, show_default=True,
              help="Rows of the block instances at this depth (1: the network's own blocks) and "
                   "of the layers outside them; 0: every layer.")
@click.option("--by", "by", type=click.Choice(("type",)), default=None,
              help="One row per layer type, with the totals of its layers.")
@click.option("--top", type=click.IntRange(min=1), default=None, metavar="K",
              help="Only the K rows with the most of --sort (layers, blocks or types).")
@click.option("--sort", "rank", type=click.Choice(tuple(RANKS)), default="macs",
              show_default=True, help="What --top and --by rank by.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="Output format.")
@lang_option
def summary(file: str, input_shape, batch: int, convention: str, dtype: str, optimizer: str,
            fit_size: tuple[str, int] | None, columns: list[str], depth: int, by: str | None,
            top: int | None, rank: str, fmt: str, lang: str) -> None:
    """Per-layer output shapes, parameters, MACs, FLOPs and memory of the network in FILE."""
    from cnncalc.report import analyze

    from cnncalc.report.columns import fit_line

    if by is not None and depth:
        raise click.UsageError("--by type and --depth are two groupings of the rows; choose one")
    try:
        network = load_network(file)
        options = dict(input=input_shape, convention=convention, dtype=dtype,
                       optimizer=optimizer)
        report = analyze(network, batch=batch, **options)
        fit = None
        if fit_size is not None:
            from cnncalc.memory import largest_batch

            fit = largest_batch(fit_size[1],
                                lambda b: analyze(network, batch=b, **options).memory)
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
    shown = view(report, depth, by, top, rank)
    if fmt == "csv":
        click.echo(shown.csv())
        return
    if shown is not report:   # where the cost is: the shares of the totals
        columns = list(dict.fromkeys(["%params", "%macs", *columns]))
    from cnncalc.i18n import use

    with use(lang):
        click.echo(shown.table(columns) if fmt == "table" else shown.markdown(columns))
    if fit is not None:
        click.echo(fit_line(fit_size[0], fit, report))
