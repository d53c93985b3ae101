"""``cnncalc export``: the network as readable PyTorch source (needs torch to write it)."""

from __future__ import annotations

import click

from cnncalc.cli import main
from cnncalc.cli.common import fail, input_option, load_network, set_option
from cnncalc.errors import CnncalcError, UsageError

NO_TORCH = ("cnncalc export needs PyTorch, which is not installed: "
            "pip install 'cnncalc[torch]'")


@main.command()
@click.argument("file")
@input_option
@set_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the source to this file (default: standard output).")
def export(file: str, input_shape, output: str | None) -> None:
    """Write FILE as PyTorch source: one nn.Module class per block type, and the network.

    The source needs only torch; its parameters, buffers, output shape and MACs are
    cnncalc's (docs/import-export.md).
    """
    try:
        import torch  # noqa: F401
    except ImportError:
        fail(UsageError(NO_TORCH))
    from cnncalc.export import to_source

    try:
        source = to_source(load_network(file), input=input_shape)
    except CnncalcError as err:
        fail(err)
    if output is None:
        click.echo(source, nl=False)
    else:
        with open(output, "w", encoding="utf-8") as stream:
            stream.write(source)
