"""``cnncalc schema``: the JSON Schema of the network file, for editors and other tools."""

from __future__ import annotations

import json

import click

from cnncalc.cli import main


@main.command()
def schema() -> None:
    """Print the JSON Schema of the network file (derived from the layer classes)."""
    from cnncalc.schema import json_schema

    click.echo(json.dumps(json_schema(), indent=2))
