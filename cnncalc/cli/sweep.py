"""``cnncalc sweep``: one network file analysed over a grid of its arguments and inputs."""

from __future__ import annotations

import click

from cnncalc.cli import main
from cnncalc.cli.common import (PositiveIntType, batch_option, convention_option, dtype_option,
                                fail)


@main.command()
@click.argument("file")
@click.option("--set", "settings", multiple=True, metavar="NAME=V1,V2,...",
              help="An axis of the grid: a file argument (args:) or input (3x224x224) or "
                   "batch, with its values; may be repeated. Every combination is analysed.")
@batch_option
@convention_option
@dtype_option
@click.option("--pareto", metavar="COL1,COL2", default=None,
              help="Mark the variants no other beats on both columns (smaller is better; "
                   "-COL for larger): params, macs, flops, activation_peak_bytes, "
                   "inference_bytes, training_bytes, trainable_params, buffers.")
@click.option("--jobs", type=PositiveIntType(), default=None,
              help="Run the variants on N local processes.")
@click.option("--dask", "dask_address", metavar="ADDRESS", default=None,
              help="Run the variants on a Dask cluster (tcp://scheduler:8786); needs the "
                   "dask extra: pip install 'cnncalc[dask]'.")
@click.option("--format", "fmt", type=click.Choice(("table", "csv", "json")), default="table",
              show_default=True)
def sweep(file: str, settings: tuple[str, ...], batch: int, convention: str, dtype: str,
          pareto: str | None, jobs: int | None, dask_address: str | None, fmt: str) -> None:
    """Analyse FILE at every combination of the --set values, one row per variant.

    \b
    cnncalc sweep mobilenet_v2 --set width_mult=0.5,0.75,1.0 --set input=3x160x160,3x224x224
    """
    from cnncalc.errors import CnncalcError, UsageError
    from cnncalc.report import sweep as render
    from cnncalc.sweeps import axes_of, sweep as run

    if jobs and dask_address:
        raise click.UsageError("--jobs and --dask are two ways to run: choose one")
    try:
        axes = axes_of(settings)
        front = tuple(c.strip() for c in pareto.split(",")) if pareto else ()
        with _executor(jobs, dask_address) as executor:
            result = run(file, axes, executor=executor, batch=batch, convention=convention,
                         dtype=dtype, pareto=front)
    except (CnncalcError, UsageError) as err:
        fail(err)
    click.echo({"table": render.render_table, "csv": render.render_csv,
                "json": render.render_json}[fmt](result))


class _executor:
    """None (in this process), a process pool, or a Dask cluster's executor, closed after."""

    def __init__(self, jobs: int | None, address: str | None) -> None:
        self.jobs, self.address, self.closing = jobs, address, []

    def __enter__(self):
        if self.jobs and self.jobs > 1:
            from concurrent.futures import ProcessPoolExecutor

            pool = ProcessPoolExecutor(self.jobs)
            self.closing.append(pool.shutdown)
            return pool
        if self.address:
            try:
                from distributed import Client
            except ImportError:
                from cnncalc.errors import UsageError

                raise UsageError("--dask needs the dask extra (pip install 'cnncalc[dask]')") \
                    from None
            client = Client(self.address)
            self.closing.append(client.close)
            return client.get_executor()
        return None

    def __exit__(self, *exc) -> None:
        for close in self.closing:
            close()
