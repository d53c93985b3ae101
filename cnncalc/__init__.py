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
from typing import TYPE_CHECKING, Any, Mapping

from cnncalc.errors import (ArgumentError, CnncalcError, LayerError, NetworkError, Problem,
                            UsageError)

if TYPE_CHECKING:
    from cnncalc.spec import Network

# The rest loads on first use, so that `cnncalc --help` and `import cnncalc` stay fast.
_LAZY = {
    "Report": "cnncalc.report", "Row": "cnncalc.analysis", "Totals": "cnncalc.analysis",
    "analyze": "cnncalc.report", "compare": "cnncalc.report", "Comparison": "cnncalc.report",
    "REGISTRY": "cnncalc.layers", "Layer": "cnncalc.layers",
    "Block": "cnncalc.spec", "Entry": "cnncalc.spec", "Network": "cnncalc.spec",
    "sweep": "cnncalc.sweeps", "Sweep": "cnncalc.sweeps",
    **{name: "cnncalc.shapes" for name in (
        "conv_macs", "conv_output_size", "conv_params", "conv_transpose_macs",
        "conv_transpose_output_size", "linear_params", "pool_output_size")},
}

__version__ = "0.1.0"


def load(path: str | Path, args: Mapping[str, Any] | None = None) -> Network:
    """The network described by a YAML (or JSON) file, or the zoo network of that name
    (``load("resnet50")``) when no such file exists: an existing file always wins.

    ``args`` sets the file's own arguments (its top-level ``args:``), as ``--set NAME=VALUE``
    does on the command line: ``load("mobilenet_v2", args={"width_mult": 0.5})``. A name the
    file does not declare is a :class:`UsageError`.

    A name that is neither is a :class:`NetworkError`: no such file, with did-you-mean over
    the zoo's names.
    """
    from cnncalc.safeyaml import read_text

    file = Path(path)
    if not _may_exist(file):
        from cnncalc import zoo
        from cnncalc.errors import Position, did_you_mean
        from cnncalc.suggest import near_file_hint

        names = zoo.names()
        if str(path) in names:
            return zoo.load(str(path), args=args)
        stem = file.stem if file.suffix in (".yaml", ".yml", ".json") else file.name
        hint = f"; did you mean {stem!r}?" if stem in names else did_you_mean(stem, names)
        hint = near_file_hint(file) or hint  # a file of its folder first: mnist.yml → .yaml
        raise NetworkError([Problem("no such file, nor a zoo network of that name" + hint,
                                    Position(str(path)))])
    return loads(read_text(file), source=str(file), name=file.stem, args=args)


def _may_exist(path: Path) -> bool:
    """``path.exists()``, except that a path the system cannot even look up (a name too long,
    a NUL byte, a loop of links) counts as existing, so that reading it reports why."""
    try:
        path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return False
    except (OSError, ValueError):
        return True
    return True


def loads(text: str, *, source: str = "<string>", name: str = "network",
          args: Mapping[str, Any] | None = None) -> Network:
    """The network described by YAML text; ``args`` sets its arguments, as for :func:`load`."""
    from cnncalc.safeyaml import load_yaml
    from cnncalc.spec import parse_network

    return parse_network(load_yaml(text, source), source, name, args=args)


def __getattr__(attr: str) -> Any:
    from importlib import import_module

    if attr in _LAZY:
        return getattr(import_module(_LAZY[attr]), attr)
    if attr == "zoo":  # the bundled networks: cnncalc.zoo.names(), cnncalc.zoo.load(name)
        return import_module("cnncalc.zoo")
    # Layer classes are reachable as cnncalc.Conv2d etc., straight from the registry.
    registry = import_module("cnncalc.layers").REGISTRY
    if attr in registry:
        return registry[attr]
    raise AttributeError(f"module 'cnncalc' has no attribute {attr!r}")


def __dir__() -> list[str]:
    from cnncalc.layers import REGISTRY

    return sorted(set(globals()) | set(_LAZY) | set(REGISTRY) | {"zoo"})


__all__ = [
    "ArgumentError", "Block", "CnncalcError", "Comparison", "Entry", "Layer", "LayerError",
    "Network", "NetworkError", "Problem", "Report", "Row", "Totals", "UsageError", "analyze",
    "compare", "conv_macs",
    "conv_output_size", "conv_params", "conv_transpose_macs", "conv_transpose_output_size",
    "linear_params", "load", "loads", "pool_output_size", "Sweep", "sweep",
]
