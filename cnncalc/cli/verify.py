"""``cnncalc verify``: the static analysis checked layer by layer against real PyTorch."""

from __future__ import annotations

import click

from cnncalc.cli import main
from cnncalc.cli.common import batch_option, fail, input_option, load_network, set_option
from cnncalc.errors import CnncalcError, UsageError

NO_TORCH = ("cnncalc verify needs PyTorch, which is not installed: "
            "pip install 'cnncalc[torch]'")


@main.command()
@click.argument("file")
@input_option
@set_option
@batch_option
@click.option("--device", type=click.Choice(("meta", "cpu")), default="meta",
              show_default=True, help="Where the twin runs: meta counts on shapes alone "
              "(same counts, no memory); cpu runs it for real on random input.")
def verify(file: str, input_shape, batch: int, device: str) -> None:
    """Check every layer's shape, params, buffers and MACs of FILE against torch.

    Builds the torch.nn twin of the network, runs one forward pass under
    torch.utils.flop_counter.FlopCounterMode and compares. Exit status 0 when everything
    agrees, 1 on any disagreement, 2 for bad input.
    """
    try:
        import torch  # noqa: F401
    except ImportError:
        fail(UsageError(NO_TORCH))
    from cnncalc.torch import verify as run_verify

    try:
        outcome = run_verify(load_network(file), batch=batch, input=input_shape, device=device)
    except CnncalcError as err:
        fail(err)
    from cnncalc.report.verify import render_verify

    click.echo(render_verify(outcome))
    if not outcome.agrees:
        raise SystemExit(1)
