"""cnncalc: static shapes, parameters, MACs and FLOPs of convolutional networks.

>>> import cnncalc
>>> net = cnncalc.Network(input=[3, 32, 32], layers=[
...     cnncalc.Conv2d(out_channels=10, kernel_size=5, padding=2), cnncalc.ReLU()])
>>> report = cnncalc.analyze(net)
>>> report.layers[0].output_shape, report.totals.params
((1, 10, 32, 32), 760)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cnncalc.analysis import Report, Row, Totals, analyze
from cnncalc.errors import CnncalcError, LayerError, NetworkError, Problem, UsageError
from cnncalc.layers import REGISTRY, Layer
from cnncalc.shapes import (conv_macs, conv_output_size, conv_params, conv_transpose_macs,
                            conv_transpose_output_size, linear_params, pool_output_size)
from cnncalc.spec import Block, Entry, Network, load_yaml, parse_network, read_text

__version__ = "0.1.0"


def load(path: str | Path) -> Network:
    """The network described by a YAML (or JSON) file."""
    path = Path(path)
    text = read_text(path)
    return loads(text, source=str(path), name=path.stem)


def loads(text: str, *, source: str = "<string>", name: str = "network") -> Network:
    """The network described by YAML text."""
    return parse_network(load_yaml(text, source), source, name)


def __getattr__(attr: str) -> Any:
    # Layer classes are reachable as cnncalc.Conv2d etc., straight from the registry.
    if attr in REGISTRY:
        return REGISTRY[attr]
    raise AttributeError(f"module 'cnncalc' has no attribute {attr!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(REGISTRY))


__all__ = [
    "Block", "CnncalcError", "Entry", "Layer", "LayerError", "Network", "NetworkError",
    "Problem", "Report", "Row", "Totals", "UsageError", "analyze", "conv_macs",
    "conv_output_size", "conv_params", "conv_transpose_macs", "conv_transpose_output_size",
    "linear_params", "load", "loads", "pool_output_size",
]
