"""``cnncalc report``: the network as an interactive HTML page, a Graphviz DOT graph or SVG."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cnncalc.cli import main
from cnncalc.cli.common import analysis_options, fail, load_network
from cnncalc.errors import CnncalcError, UsageError

FORMATS = ("html", "dot", "svg")
EXTENSIONS = {".html": "html", ".htm": "html", ".dot": "dot", ".gv": "dot", ".svg": "svg"}


def chosen_format(fmt: str | None, output: str | None) -> str:
    """``--format``, else the one ``-o``'s extension names, else html.

    >>> chosen_format(None, "r.svg"), chosen_format(None, "graph.GV"), chosen_format(None, None)
    ('svg', 'dot', 'html')
    >>> chosen_format("dot", "r.html"), chosen_format(None, "report")
    ('dot', 'html')
    """
    if fmt is not None:
        return fmt
    return EXTENSIONS.get(Path(output).suffix.lower(), "html") if output else "html"


@main.command()
@click.argument("file")
@click.option("-o", "--output", default=None, metavar="PATH",
              help="File to write (its extension .html, .dot/.gv or .svg sets the format). "
                   "Without it the report goes to standard output (HTML only when that is "
                   "not a terminal).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="html (an interactive page that works offline), dot (Graphviz) or svg "
                   "(drawn by Graphviz's dot program).  [default: from -o, else html]")
@click.option("--depth", type=click.IntRange(min=0), default=None, metavar="N",
              help="Draw the block instances at this depth as one node each (1: the "
                   "network's own blocks); 0: every layer. [default: 0, or 1 for a network "
                   "of more than 100 layers]")
@analysis_options
def report(file: str, output: str | None, fmt: str | None, depth: int | None, input_shape,
           batch: int, convention: str, dtype: str, optimizer: str) -> None:
    """A report of the network in FILE: an HTML page with its graph (blocks open and close),
    the sortable table and charts, or the graph alone in DOT or SVG for a paper."""
    from cnncalc.report import analyze

    fmt = chosen_format(fmt, output)
    if fmt == "html" and output is None and sys.stdout.isatty():
        raise click.UsageError("an HTML report is a file to open in a browser: give "
                               "-o report.html (or redirect standard output)")
    try:
        network = load_network(file)
        result = analyze(network, batch=batch, input=input_shape, convention=convention,
                         dtype=dtype, optimizer=optimizer)
        if fmt == "html":
            from cnncalc.report.html import render_html

            text = render_html(result, depth)
        else:
            from cnncalc.report.dot import render_dot, render_svg

            text = (render_dot if fmt == "dot" else render_svg)(result, depth)
        if output is not None:
            try:
                Path(output).write_text(text, encoding="utf-8")
            except OSError as err:
                raise UsageError(f"{output}: cannot write the report ({err.strerror})") from None
    except CnncalcError as err:
        fail(err)
    if output is None:
        click.echo(text, nl=False)
    else:
        click.echo(f"wrote {output} ({fmt}, {len(result.layers)} layers)", err=True)
