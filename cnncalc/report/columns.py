"""The report's columns: one list that every rendering iterates (torchinfo's ``col_names``).

A column has a ``key`` (its name in JSON and CSV; ``None``: not in those), a ``heading`` (its
name in the table and markdown; ``None``: not in those), the exact ``value`` of a row, the
``text`` people read, and ``shown``, which may hide it from a report where it says nothing
(``Connected to`` in a network that never branches). An ``optional`` column is in the table
and markdown only when asked for (``summary --columns saved_bytes,receptive_field``); JSON and
CSV always have every column. Adding a column is adding one entry here; the renderers do not
change. The footer is one list too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from fractions import Fraction

from cnncalc.analysis import Report, Row
from cnncalc.counting import convention
from cnncalc.errors import UsageError, did_you_mean
from cnncalc.i18n import _
from cnncalc.memory import DTYPES
from cnncalc.receptive import ReceptiveField
from cnncalc.report.units import binary_size, exact, exact_and_si, shape


def _always(report: Report) -> bool:
    return True


@dataclass(frozen=True)
class Column:
    key: str | None
    heading: str | None
    value: Callable[[Row], Any]
    text: Callable[[Row, Report], str] | None = None   # the cell, which may use the totals
    align: str = "right"
    shown: Callable[[Report], bool] = _always
    csv: Callable[[Any], Any] = lambda value: value
    optional: bool = False   # in the table and markdown only when asked for (by ``key``)
    data: bool = True        # in JSON and CSV (a share of a total is a rendering, not data)
    #: in this report's JSON and CSV (a column only some networks need, such as ``shares``,
    #: so that every other network's reports stay as they were)
    in_data: Callable[[Report], bool] = _always

    def cell(self, row: Row, report: Report) -> str:
        return self.text(row, report) if self.text else str(self.value(row))


def share(part: int, whole: int) -> str:
    """``12.34 %``; ``<0.01 %`` where a part that is not zero would round to zero.

    >>> share(1234, 10000), share(1, 10 ** 6), share(0, 5), share(3, 0)
    ('12.34 %', '<0.01 %', '0 %', '—')
    """
    if whole == 0:
        return "—"
    if part == 0:
        return "0 %"
    value = 100 * part / whole
    return "<0.01 %" if value < 0.005 else f"{value:.2f} %"


def _saved_total(report: Report) -> int:
    return report.memory.saved_bytes if report.memory is not None else 0


def _branches(report: Report) -> bool:
    return report.view.kind != "type" and report.branches


def _grouped(report: Report) -> bool:
    return report.view.kind in ("depth", "type")


def _label(row: Row) -> str:
    """``conv1 (Conv2d)``; a layer type's row (``--by type``) is the type alone."""
    return row.name if row.name == row.type else f"{row.name} ({row.type})"


def shares_weights(report: Report) -> bool:
    """Whether some layer of the report calls a module again (``share:``)."""
    return any(row.shares is not None for row in report.layers)


def _params_cell(row: Row) -> str:
    """``(shared)`` for a layer that calls again a module with parameters (its parameters are
    counted at the first call), as torchinfo shows ``(recursive)``; else the count."""
    if row.shares is not None and row.count == 1 and row.layer.count_params(*row.input_shapes):
        return _("(shared)")
    return exact(row.params)


def _start(x: Fraction) -> int | float:
    # starts are multiples of one half, which a JSON number holds exactly
    return x.numerator if x.denominator == 1 else float(x)


def field_data(field: ReceptiveField | None) -> dict[str, list] | None:
    """``{"size": [...], "jump": [...], "start": [...]}``, or None."""
    if field is None:
        return None
    return {"size": list(field.size), "jump": list(field.jump),
            "start": [_start(s) for s in field.start]}


def _joined(values: Sequence[Any]) -> str:
    texts = [str(_start(v)) if isinstance(v, Fraction) else str(v) for v in values]
    return texts[0] if len(set(texts)) == 1 else "×".join(texts)


def field_text(field: ReceptiveField | None) -> str:
    """``11×11, jump 4, start 5``; ``—`` where not defined."""
    if field is None:
        return "—"
    return (f"{'×'.join(map(str, field.size))}, jump {_joined(field.jump)}, "
            f"start {_joined(field.start)}")


def field_csv(data: dict[str, list] | None) -> str:
    """``11x11 4x4 5x5`` (size, jump and start), empty where not defined."""
    if data is None:
        return ""
    return " ".join("x".join(str(v) for v in data[key]) for key in ("size", "jump", "start"))


def machine(report: Report) -> list[Column]:
    """The JSON's and CSV's columns (always all of them)."""
    return [c for c in COLUMNS if c.key is not None and c.data and c.in_data(report)]


@dataclass(frozen=True)
class Total:
    """A footer line: ``label: text``, where ``shown`` says it belongs to the report."""

    label: str
    text: Callable[[Report], str]
    shown: Callable[[Report], bool] = _always


def _params(count: Callable[[Report], int], at: bool = False) -> Callable[[Report], str]:
    def text(report: Report) -> str:
        n, dtype = count(report), report.memory.dtype
        size = binary_size(n * DTYPES[dtype])
        return (_("{count} ({size} at {dtype})").format(count=exact(n), size=size, dtype=dtype)
                if at else f"{exact(n)} ({size})")
    return text


def _torchinfo(report: Report) -> bool:
    return report.convention == "torchinfo"


def _megabytes(key: str) -> Callable[[Report], str]:
    # torchinfo 1.8.0 prints bytes / 1e6 with two decimals
    return lambda r: f"{getattr(r.memory.torchinfo, key) / 1e6:0.2f}"


COLUMNS: list[Column] = [
    Column("name", "Layer (type)", lambda r: r.name, lambda r, _: _label(r), "left"),
    Column("type", None, lambda r: r.type),
    Column(None, "Layers", lambda r: r.count, lambda r, _: exact(r.count), shown=_grouped),
    Column("from", None, lambda r: list(r.inputs), csv=" ".join),
    Column("output_shape", "Output Shape", lambda r: list(r.output_shape),
           lambda r, _: shape(r.output_shape), "left", csv=lambda s: "x".join(map(str, s)),
           shown=lambda report: report.view.kind != "type"),
    Column("params", "Param #", lambda r: r.params, lambda r, _: _params_cell(r)),
    Column("%params", "% params", lambda r: r.params,
           lambda r, rep: share(r.params, rep.totals.params), optional=True, data=False),
    Column("trainable_params", None, lambda r: r.trainable_params),
    Column("buffers", None, lambda r: r.buffers),
    Column("macs", "MACs", lambda r: r.macs, lambda r, _: exact(r.macs)),
    Column("%macs", "% MACs", lambda r: r.macs,
           lambda r, rep: share(r.macs, rep.totals.macs), optional=True, data=False),
    Column("flops", "FLOPs", lambda r: r.flops, lambda r, _: exact(r.flops)),
    Column("output_bytes", "Output size", lambda r: r.output_bytes,
           lambda r, _: binary_size(r.output_bytes), optional=True),
    Column("saved_bytes", "Saved for backward", lambda r: r.saved_bytes,
           lambda r, _: binary_size(r.saved_bytes) if r.saved_bytes else "0", optional=True),
    Column("%memory", "% memory", lambda r: r.saved_bytes,
           lambda r, rep: share(r.saved_bytes, _saved_total(rep)), optional=True, data=False),
    Column("receptive_field", "Receptive field", lambda r: field_data(r.receptive_field),
           lambda r, _: field_text(r.receptive_field), "left", optional=True, csv=field_csv),
    Column("receptive_field_reason", None, lambda r: r.receptive_field_reason or None,
           csv=lambda reason: reason or ""),
    Column("scope", None, lambda r: list(r.scope), csv=" ".join),
    Column("shares", None, lambda r: r.shares, csv=lambda name: name or "",
           in_data=shares_weights),
    Column(None, "Connected to", lambda r: list(r.inputs), lambda r, _: ", ".join(r.inputs),
           "left", shown=_branches),
]
OPTIONAL = [c.key for c in COLUMNS if c.optional]


def human(report: Report, extra: Sequence[str] = ()) -> list[Column]:
    """The table's and markdown's columns for this report, with the optional ones in ``extra``."""
    check_columns(extra)
    return [c for c in COLUMNS if c.heading is not None and c.shown(report)
            and (not c.optional or c.key in extra)]


def check_columns(names: Sequence[str]) -> None:
    """Refuse a name that is not an optional column, suggesting the nearest."""
    for name in names:
        if name not in OPTIONAL:
            shown = [c.key for c in COLUMNS if c.heading is not None and not c.optional]
            what = ("is always shown" if name in shown else "is not a column")
            raise UsageError(f"{name!r} {what} (the columns shown on request are "
                             f"{', '.join(OPTIONAL)})" + did_you_mean(name, OPTIONAL))


def _rows(report: Report) -> str:
    view = report.view
    what = {"depth": _("the blocks at depth {depth} and the layers outside them").format(
                depth=view.depth),
            "type": _("one row per layer type")}.get(view.kind, _("layers"))
    if not view.top:
        return _("{what}: {rows} rows for {layers} layers (they add up to the totals)").format(
            what=what, rows=f"{view.rows:,}", layers=f"{view.layers:,}")
    shown, totals = view.shown, report.totals
    name = _({"macs": "MACs", "flops": "FLOPs", "params": "params", "saved_bytes": "saved bytes",
              "output_bytes": "output bytes", "buffers": "buffers"}[view.by])
    return _("{what}: the {shown} of {rows} rows with the most {name} ({layers} layers), with "
             "{macs} of the MACs and {params} of the params").format(
        what=what, shown=f"{len(report.layers):,}", rows=f"{view.rows:,}", name=name,
        layers=f"{view.layers:,}", macs=share(shown.macs, totals.macs),
        params=share(shown.params, totals.params))


#: the footer, in the order shown
FOOTER: list[Total] = [
    Total("Rows", _rows, lambda r: bool(r.view.kind or r.view.top)),
    Total("Outputs", lambda r: ", ".join(f"{name} {shape(s)}" for name, s in zip(
        r.outputs, r.output_shapes)), lambda r: r.named_outputs),
    Total("Total params", _params(lambda r: r.totals.params, at=True)),
    Total("Trainable params", _params(lambda r: r.totals.trainable_params)),
    Total("Non-trainable params", _params(lambda r: r.totals.non_trainable_params)),
    Total("Buffers", lambda r: exact_and_si(r.totals.buffers)),
    Total("MACs", lambda r: exact_and_si(r.totals.macs)),
    Total("FLOPs", lambda r: exact_and_si(r.totals.flops)),
    Total("Input size", lambda r: _memory(r, "input_bytes")),
    Total("Params size", lambda r: _memory(r, "params_bytes")),
    Total("Buffers size", lambda r: _memory(r, "buffers_bytes")),
    Total("Activations (all outputs)", lambda r: _memory(r, "activations_bytes")),
    Total("Activation peak (inference)", lambda r: _memory(r, "activation_peak_bytes")),
    Total("Saved for backward", lambda r: _memory(r, "saved_bytes")),
    Total("Inference memory", lambda r: _memory(r, "inference_bytes")),
    Total("Training memory", lambda r: _(
        "{total} (params + buffers + gradients {gradients} + {optimizer} state {state} + saved)"
    ).format(total=binary_size(r.memory.training.total_bytes),
             gradients=binary_size(r.memory.training.gradients_bytes),
             optimizer=r.memory.training.optimizer,
             state=binary_size(r.memory.training.optimizer_state_bytes))),
    Total("torchinfo 1.8.0 Input size (MB)", _megabytes("input_bytes"), _torchinfo),
    Total("torchinfo 1.8.0 Forward/backward pass size (MB)",
          _megabytes("forward_backward_bytes"), _torchinfo),
    Total("torchinfo 1.8.0 Params size (MB)", _megabytes("params_bytes"), _torchinfo),
    Total("torchinfo 1.8.0 Estimated Total Size (MB)", _megabytes("total_bytes"), _torchinfo),
]


def footer(report: Report) -> list[tuple[str, str]]:
    """``(label, text)`` of each footer line of this report, in the current language."""
    return [(_(total.label), total.text(report)) for total in FOOTER if total.shown(report)]


def _memory(report: Report, key: str) -> str:
    text = binary_size(getattr(report.memory, key))
    return f"{text} ({report.memory.dtype})" if key in ("input_bytes", "params_bytes") else text


def fit_line(size: str, fit: Any, report: Report) -> str:
    """What ``--fit SIZE`` answers: does this batch fit, and which is the largest that does
    (``fit`` is a :class:`cnncalc.memory.Fit`)."""
    memory, batch = report.memory, report.batch
    how = ("memory is affine in the batch: extrapolated from batches 1 and 2 and checked"
           if fit.method == "linear" else "found by bisection")

    def verdict(kind: str, need: int, largest: int) -> str:
        answer = "fits" if need <= fit.size_bytes else "does NOT fit"
        most = (f"largest batch that fits: {largest:,}" if largest else
                "not even batch 1 fits")
        return f"{kind} at batch {batch:,} needs {binary_size(need)}: {answer}; {most}"

    return "\n".join([
        f"Fit in {size} ({fit.size_bytes:,} bytes) at {memory.dtype}:",
        "  " + verdict(f"Training with {memory.training.optimizer}",
                       memory.training.total_bytes, fit.training_batch),
        "  " + verdict("Inference", memory.inference_bytes, fit.inference_batch),
        f"  ({how}; activations, parameters and optimizer state only: the framework's "
        "workspace, allocator slack and the CUDA context come on top)",
    ])


def title(report: Report) -> str:
    dims = ", ".join(f"{_(name)} {shape(s)}" for name, s in report.inputs.items())
    return _('Model: "{name}"   ({inputs}, batch {batch})').format(
        name=report.name, inputs=dims, batch=report.batch)


def convention_line(report: Report) -> str:
    rules = convention(report.convention)
    return f"{rules.name} — {_(rules.title)}"


def human_cells(report: Report, extra: Sequence[str] = ()
                ) -> tuple[list[str], list[list[str]], list[str]]:
    """Headings, rows of cells and alignments of the table and markdown renderings."""
    columns = human(report, extra)
    headings = [_(c.heading) for c in columns]
    if report.view.kind == "type":
        headings[0] = _("Layer type")
    return (headings,
            [[c.cell(row, report) for c in columns] for row in report.layers],
            [c.align for c in columns])
