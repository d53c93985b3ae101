"""``cnncalc verify``: the static analysis checked layer by layer against real PyTorch."""

from __future__ import annotations

import click

from cnncalc.cli import main
from cnncalc.cli.common import batch_option, fail, input_option, load_network
from cnncalc.errors import CnncalcError, UsageError

NO_TORCH = ("cnncalc verify needs PyTorch, which is not installed: "
            "pip install 'cnncalc[torch]'")
COLUMNS = ("Layer (type)", "Output Shape", "Param #", "Trainable #", "Buffers", "MACs", "")
NAMES = {"output_shape": "output shape", "params": "params",
         "trainable_params": "trainable params", "buffers": "buffers", "macs": "MACs"}


@main.command()
@click.argument("file")
@input_option
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
    click.echo(render(outcome))
    if not outcome.agrees:
        raise SystemExit(1)


def render(outcome) -> str:
    """The per-layer agreement table, then the verdict."""
    from tabulate import tabulate

    from cnncalc.report.units import exact, shape

    def cell(check, name, show):
        quantity = check.quantity(name)
        if quantity.agrees:
            return show(quantity.static)
        return f"{show(quantity.static)} ≠ torch {_show_torch(quantity.torch, show)}"

    rows = []
    for check in outcome.layers:
        label = f"{check.name} ({check.type})"
        if check.error is not None:
            rows.append([label, "", "", "", "", "", "✗ " + check.error])
            continue
        rows.append([label, cell(check, "output_shape", shape), cell(check, "params", exact),
                     cell(check, "trainable_params", exact), cell(check, "buffers", exact),
                     cell(check, "macs", exact), "✓" if check.agrees else "✗"])
    report = outcome.report
    title = (f'Verifying "{report.name}" against torch {outcome.torch_version} (device '
             f'{outcome.device}, input {shape(report.inputs["input"])})')
    grid = tabulate(rows, headers=COLUMNS, tablefmt="plain", disable_numparse=True,
                    colalign=("left", "left", "right", "right", "right", "right", "left"))
    lines = [title, ""] + [line.rstrip() for line in grid.splitlines()] + [""]
    total = outcome.total_macs
    if outcome.agrees:
        lines.append(f"All {len(outcome.layers)} layers agree with torch: output shapes, params "
                     f"(trainable and not), buffers and MACs. Total MACs {exact(total.static)} "
                     f"= FlopCounterMode's {exact(2 * total.torch)} FLOPs / 2.")
        return "\n".join(lines)
    found = outcome.disagreements()
    lines.append(f"{len(found)} disagreement{'s' if len(found) != 1 else ''} with torch:")
    for where, what, static, measured in found:
        if what == "torch":
            lines.append(f"  {where}: {measured}")
        else:
            show = shape if what == "output_shape" else exact
            lines.append(f"  {where}: {NAMES[what]}: cnncalc {show(static)}, torch "
                         f"{_show_torch(measured, show)}")
    return "\n".join(lines)


def _show_torch(value, show) -> str:
    if isinstance(value, (tuple, list)) or isinstance(value, int):
        return show(value)
    return str(value)  # a Fraction of MACs, or what torch returned instead of a tensor
