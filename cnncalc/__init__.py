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

from cnncalc.errors import CnncalcError, LayerError, NetworkError, Problem, UsageError

# The rest loads on first use, so that `cnncalc --help` and `import cnncalc` stay fast.
_LAZY = {
    "Report": "cnncalc.analysis", "Row": "cnncalc.analysis", "Totals": "cnncalc.analysis",
    "analyze": "cnncalc.analysis", "REGISTRY": "cnncalc.layers", "Layer": "cnncalc.layers",
    "Block": "cnncalc.spec", "Entry": "cnncalc.spec", "Network": "cnncalc.spec",
    **{name: "cnncalc.shapes" for name in (
        "conv_macs", "conv_output_size", "conv_params", "conv_transpose_macs",
        "conv_transpose_output_size", "linear_params", "pool_output_size")},
}

__version__ = "0.1.0"


def load(path: str | Path) -> Network:
    """The network described by a YAML (or JSON) file."""
    from cnncalc.safeyaml import read_text

    path = Path(path)
    return loads(read_text(path), source=str(path), name=path.stem)


def loads(text: str, *, source: str = "<string>", name: str = "network") -> Network:
    """The network described by YAML text."""
    from cnncalc.safeyaml import load_yaml
    from cnncalc.spec import parse_network

    return parse_network(load_yaml(text, source), source, name)


def __getattr__(attr: str) -> Any:
    from importlib import import_module

    if attr in _LAZY:
        return getattr(import_module(_LAZY[attr]), attr)
    # Layer classes are reachable as cnncalc.Conv2d etc., straight from the registry.
    registry = import_module("cnncalc.layers").REGISTRY
    if attr in registry:
        return registry[attr]
    raise AttributeError(f"module 'cnncalc' has no attribute {attr!r}")


def __dir__() -> list[str]:
    from cnncalc.layers import REGISTRY

    return sorted(set(globals()) | set(_LAZY) | set(REGISTRY))


__all__ = [
    "Block", "CnncalcError", "Entry", "Layer", "LayerError", "Network", "NetworkError",
    "Problem", "Report", "Row", "Totals", "UsageError", "analyze", "conv_macs",
    "conv_output_size", "conv_params", "conv_transpose_macs", "conv_transpose_output_size",
    "linear_params", "load", "loads", "pool_output_size",
]
