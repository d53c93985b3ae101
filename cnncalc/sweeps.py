"""Sweeps: one network file analysed over a grid of its arguments and inputs.

A grid maps each setting to its values (``{"width_mult": [0.5, 1.0], "input": [(3, 160, 160),
(3, 224, 224)]}``); every combination is a variant. ``input`` and ``batch`` are analysis
options, every other name is one of the file's ``args:``. Variants run in this process, or on
any :class:`concurrent.futures.Executor` — a ``ProcessPoolExecutor`` (``--jobs N``), a Dask
cluster's ``client.get_executor()`` — in chunks, each chunk a plain function call on plain data
(the file's text, not its path, so that a remote worker needs no shared disk). cnncalc has no
scheduler of its own.

>>> result = sweep_text("input: [3, 32, 32]\\nlayers:\\n  - Conv2d: {out_channels: 8, "
...                     "kernel_size: 3}\\n", {"input": [(3, 32, 32), (3, 64, 64)]})
>>> [(v.settings["input"], v.macs) for v in result.variants]
[((3, 32, 32), 194400), ((3, 64, 64), 830304)]
"""

from __future__ import annotations

import itertools
import math
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from cnncalc.errors import CnncalcError, UsageError, did_you_mean, one_of

#: settings that are options of the analysis, not arguments of the file
OPTIONS = ("input", "batch")
#: the numbers of a variant, in the order the reports show them
COLUMNS = ("params", "trainable_params", "buffers", "macs", "flops", "activation_peak_bytes",
           "inference_bytes", "training_bytes")
#: columns a Pareto front may be drawn on
RANKABLE = COLUMNS


@dataclass(frozen=True)
class Variant:
    """One combination of settings and its totals, or the error that stopped it."""

    settings: dict[str, Any]
    params: int = 0
    trainable_params: int = 0
    buffers: int = 0
    macs: int = 0
    flops: int = 0
    activation_peak_bytes: int = 0
    inference_bytes: int = 0
    training_bytes: int = 0
    error: str | None = None
    pareto: bool = False

    def value(self, column: str) -> int:
        return getattr(self, column)


@dataclass(frozen=True)
class Sweep:
    """Every variant in grid order; ``front`` names the two columns of the Pareto front."""

    name: str
    source: str
    axes: dict[str, list[Any]]
    variants: list[Variant]
    convention: str
    dtype: str
    front: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> list[Variant]:
        return [v for v in self.variants if v.error is not None]


def grid(axes: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination, the first axis slowest (as nested loops in the order given)."""
    names = list(axes)
    return [dict(zip(names, values)) for values in itertools.product(*axes.values())]


def sweep(file: str | Path, axes: Mapping[str, Sequence[Any]], *,
          executor: Executor | None = None, batch: int = 1, convention: str = "torch",
          dtype: str = "float32", pareto: Sequence[str] = (), chunks: int | None = None
          ) -> Sweep:
    """Analyse the network file (or zoo network) ``file`` at every combination of ``axes``.

    ``executor``: None runs in this process; otherwise the variants go to ``executor.map`` in
    ``chunks`` pieces (default: four per worker the executor reports, else 8). ``pareto``:
    two columns of :data:`RANKABLE` (``"-name"`` to maximise one) whose front is marked.
    """
    from cnncalc import zoo

    path = Path(file)
    if not path.exists() and str(file) in zoo.names():
        path = zoo.path(str(file))
    from cnncalc.safeyaml import read_text

    return sweep_text(read_text(path), axes, source=str(file), executor=executor, batch=batch,
                      convention=convention, dtype=dtype, pareto=pareto, chunks=chunks)


def sweep_text(text: str, axes: Mapping[str, Sequence[Any]], *, source: str = "<string>",
               executor: Executor | None = None, batch: int = 1, convention: str = "torch",
               dtype: str = "float32", pareto: Sequence[str] = (), chunks: int | None = None
               ) -> Sweep:
    """:func:`sweep` of a network file's text."""
    axes = {name: list(values) for name, values in axes.items()}
    for name, values in axes.items():
        if not values:
            raise UsageError(f"--set {name}= gives no values (expected one or more, "
                             "separated by commas)")
    front = _front_columns(pareto)
    settings = grid(axes)
    options = {"batch": batch, "convention": convention, "dtype": dtype}
    network = _network(text, source, ())   # the file itself must load: fail early, once
    for name in axes:
        if name not in OPTIONS and name not in _file_args(network):
            known = [*_file_args(network), *OPTIONS]
            raise UsageError(f"--set {name}: the file has no argument {name!r}"
                             f"{did_you_mean(name, known)} (expected {one_of(tuple(known))})")
    if executor is None:
        variants = run_chunk(text, source, options, settings)
    else:
        pieces = _split(settings, chunks or 4 * _workers(executor))
        results = executor.map(run_chunk, *zip(*[(text, source, options, piece)
                                                  for piece in pieces]))
        variants = [variant for chunk in results for variant in chunk]
    if front:
        variants = mark_front(variants, front)
    return Sweep(network.name, source, axes, variants, convention, dtype, front, options)


def run_chunk(text: str, source: str, options: Mapping[str, Any],
              settings: Sequence[Mapping[str, Any]]) -> list[Variant]:
    """Analyse some variants of one file: what a worker runs (plain data in and out)."""
    from cnncalc.report import analyze

    out = []
    for setting in settings:
        args = tuple(sorted((k, _hashable(v)) for k, v in setting.items() if k not in OPTIONS))
        try:
            network = _network(text, source, args)
            report = analyze(network, batch=setting.get("batch", options["batch"]),
                             input=setting.get("input"), convention=options["convention"],
                             dtype=options["dtype"])
        except CnncalcError as err:
            out.append(Variant(dict(setting), error=str(err).splitlines()[0]))
            continue
        totals, memory = report.totals, report.memory
        out.append(Variant(dict(setting), totals.params, totals.trainable_params,
                           totals.buffers, totals.macs, totals.flops,
                           memory.activation_peak_bytes, memory.inference_bytes,
                           memory.training.total_bytes))
    return out


def mark_front(variants: list[Variant], columns: Sequence[str]) -> list[Variant]:
    """The variants with ``pareto`` set on those no other variant beats on both columns
    (smaller is better; a ``-`` before a column's name makes larger better)."""
    keys = [(c.lstrip("-"), -1 if c.startswith("-") else 1) for c in columns]

    def point(v: Variant) -> tuple[int, ...]:
        return tuple(sign * v.value(name) for name, sign in keys)

    ok = [v for v in variants if v.error is None]
    points = {id(v): point(v) for v in ok}
    front = set()
    # sort by the first column, then sweep the second: O(n log n)
    best = math.inf
    for v in sorted(ok, key=lambda v: points[id(v)]):
        second = points[id(v)][1]
        if second < best:
            front.add(id(v))
            best = second
        elif second == best and any(points[id(w)] == points[id(v)] for w in ok
                                    if id(w) in front):
            front.add(id(v))          # the same point as one on the front
    return [replace(v, pareto=id(v) in front) for v in variants]


def parse_axis(text: str) -> tuple[str, list[Any]]:
    """``width_mult=0.5,0.75,1.0`` → ``("width_mult", [0.5, 0.75, 1.0])``; an ``input``
    value is a shape ``3x224x224``; other values are read as YAML scalars.

    >>> parse_axis("input=3x160x160,3x224x224")
    ('input', [(3, 160, 160), (3, 224, 224)])
    >>> parse_axis("width_mult=0.5,1")
    ('width_mult', [0.5, 1])
    """
    import yaml

    name, sep, values = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise UsageError(f"--set {text!r}: expected NAME=VALUE[,VALUE...]")
    items = [v.strip() for v in values.split(",")]
    if any(not v for v in items):
        raise UsageError(f"--set {text!r}: an empty value (expected NAME=VALUE[,VALUE...])")
    if name == "input":
        from cnncalc.spec import parse_sizes

        return name, [parse_sizes(v) for v in items]
    if name == "batch":
        parsed = [yaml.safe_load(v) for v in items]
        if not all(isinstance(b, int) and not isinstance(b, bool) and b >= 1 for b in parsed):
            raise UsageError(f"--set {text!r}: a batch is a whole number ≥ 1")
        return name, parsed
    return name, [yaml.safe_load(v) for v in items]


# -- helpers -------------------------------------------------------------------------------------

@lru_cache(maxsize=256)
def _network(text: str, source: str, args: tuple) -> Any:
    """The file at these arguments, parsed once per process (a chunk repeats them)."""
    import cnncalc

    if args:
        return cnncalc.loads(text, source=source, name=Path(source).stem, args=dict(args))
    return cnncalc.loads(text, source=source, name=Path(source).stem)


def _file_args(network: Any) -> tuple[str, ...]:
    return tuple(getattr(network, "args", None) or ())


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _front_columns(pareto: Sequence[str]) -> tuple[str, ...]:
    if not pareto:
        return ()
    if len(pareto) != 2:
        raise UsageError(f"--pareto takes two columns, got {len(pareto)}: {','.join(pareto)}")
    for column in pareto:
        if column.lstrip("-") not in RANKABLE:
            raise UsageError(f"--pareto: unknown column {column!r} (expected "
                             f"{one_of(RANKABLE)}, '-' before one to maximise it)")
    return tuple(pareto)


def _workers(executor: Executor) -> int:
    for attribute in ("_max_workers", "_workers"):
        count = getattr(executor, attribute, None)
        if isinstance(count, int) and count > 0:
            return count
    return 2


def _split(items: Sequence[Any], pieces: int) -> list[Sequence[Any]]:
    size = max(1, -(-len(items) // max(1, pieces)))
    return [items[i:i + size] for i in range(0, len(items), size)]


def axes_of(texts: Iterable[str]) -> dict[str, list[Any]]:
    """Every ``--set`` option, an axis each; a name given twice is an error."""
    axes: dict[str, list[Any]] = {}
    for text in texts:
        name, values = parse_axis(text)
        if name in axes:
            raise UsageError(f"--set {name} is given twice (expected each name once, its "
                             "values separated by commas)")
        axes[name] = values
    return axes
