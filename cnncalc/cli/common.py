"""What the commands share: options, loading a network, reporting errors (exit 2)."""

from __future__ import annotations

import sys

import click

from cnncalc.errors import CnncalcError, NetworkError


def parse_shape(text: str) -> tuple[int, ...]:
    """``3x224x224`` (or ``3,224,224``) as a tuple of positive ints."""
    parts = text.lower().replace(",", "x").replace("×", "x").split("x")
    try:
        dims = tuple(int(p) for p in parts)
    except ValueError:
        raise click.BadParameter(f"expected sizes like 3x224x224, got {text!r}") from None
    if not 1 <= len(dims) <= 4 or min(dims) < 1:
        raise click.BadParameter(f"expected 1 to 4 positive sizes like 3x224x224, got {text!r}")
    return dims


class ShapeType(click.ParamType):
    name = "CxHxW"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        try:
            return parse_shape(value)
        except click.BadParameter as err:
            self.fail(err.message, param, ctx)


def fail(error: CnncalcError) -> None:
    """Every problem on standard error, one per line; exit status 2."""
    lines = [str(p) for p in error.problems] if isinstance(error, NetworkError) else [str(error)]
    for line in lines:
        click.echo(line, err=True)
    sys.exit(2)


input_option = click.option("--input", "input_shape", type=ShapeType(), default=None,
                            help="One sample's shape, batch excluded, e.g. 3x224x224 "
                                 "(default: the file's input).")
batch_option = click.option("--batch", type=click.IntRange(min=1), default=1, show_default=True,
                            help="Batch size; shapes, MACs and FLOPs cover the whole batch.")


def load_network(file: str):
    """A network file, read and parsed; errors leave with exit status 2."""
    import cnncalc
    return cnncalc.load(file)
