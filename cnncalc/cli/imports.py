"""``cnncalc import``: a network file from a torch model (torch.fx) or an ONNX file."""

from __future__ import annotations

import click

from cnncalc.cli import main
from cnncalc.cli.common import ShapeType, fail
from cnncalc.errors import CnncalcError, UsageError

NO_TORCH = ("cnncalc import of a torch model needs PyTorch, which is not installed: "
            "pip install 'cnncalc[torch]'")
NO_ONNX = ("cnncalc import of an ONNX file needs the onnx package, which is not installed: "
           "pip install 'cnncalc[onnx]'")


@main.command("import")
@click.argument("source")
@click.option("--input", "input_shape", type=ShapeType(), default=None,
              help="One sample's shape, batch excluded, e.g. 3x224x224: required for a torch "
                   "model; for an ONNX file, where its input has symbolic sizes.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the network file here (default: standard output).")
def import_(source: str, input_shape, output: str | None) -> None:
    """Write the network file of SOURCE: package.module:factory (a torch model, traced
    with torch.fx; --input is then required) or MODEL.onnx.

    Every node that is no cnncalc layer is reported (exit status 2), never skipped.
    """
    try:
        if source.lower().endswith(".onnx"):
            try:
                import onnx  # noqa: F401
            except ImportError:
                fail(UsageError(NO_ONNX))
            from cnncalc.importers.onnx import import_onnx

            text, notes = import_onnx(source, input_shape)
            for note in notes:
                click.echo(f"Note: {note}", err=True)
        else:
            try:
                import torch  # noqa: F401
            except ImportError:
                fail(UsageError(NO_TORCH))
            from cnncalc.importers.fx import import_factory

            text = import_factory(source, input_shape)
    except CnncalcError as err:
        fail(err)
    if output is None:
        click.echo(text, nl=False)
    else:
        with open(output, "w", encoding="utf-8") as stream:
            stream.write(text)
