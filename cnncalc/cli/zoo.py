"""``cnncalc zoo``: the networks shipped with cnncalc; ``cnncalc zoo show NAME`` prints one."""

from __future__ import annotations

import click

from cnncalc.cli import main
from cnncalc.cli.common import fail
from cnncalc.errors import CnncalcError

FORMATS = ("table", "markdown", "csv", "json")


@main.group(invoke_without_command=True)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="Output format of the list.")
@click.pass_context
def zoo(ctx: click.Context, fmt: str) -> None:
    """List the networks shipped with cnncalc (name, input, params, MACs).

    Every command takes a zoo name where it takes a FILE (`cnncalc summary resnet50`);
    `cnncalc zoo show NAME > mine.yaml` copies one out as a starting point.
    """
    if ctx.invoked_subcommand is not None:
        return
    from cnncalc import analyze, zoo as shipped
    from cnncalc.report.zoo import ZooLine, render_zoo

    lines, failed = [], False
    for name in shipped.names():
        try:
            about = shipped.info(name)
            totals = analyze(shipped.load(name)).totals
        except CnncalcError as err:  # a broken zoo file is a bug; list the others anyway
            first, *more = str(err).splitlines() or [""]
            rest = f" (and {len(more)} more: cnncalc summary {name})" if more else ""
            click.echo(f"zoo network {name} is broken: {first}{rest}", err=True)
            failed = True
            continue
        lines.append(ZooLine(name, about.input, totals.params, totals.buffers, totals.macs,
                             about.source))
    click.echo(render_zoo(lines, fmt))
    if failed:
        ctx.exit(2)


@zoo.command()
@click.argument("name")
def show(name: str) -> None:
    """Print the network file of zoo network NAME (redirect it to copy the file)."""
    from cnncalc import zoo as shipped

    try:
        text = shipped.path(name).read_text(encoding="utf-8")
    except CnncalcError as err:
        fail(err)
    click.echo(text, nl=False)
