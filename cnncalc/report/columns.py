"""The report's columns: one list that every rendering iterates (torchinfo's ``col_names``).

A column has a ``key`` (its name in JSON and CSV; ``None``: not in those), a ``heading`` (its
name in the table and markdown; ``None``: not in those), the exact ``value`` of a row, the
``text`` people read, and ``shown``, which may hide it from a report where it says nothing
(``Connected to`` in a network that never branches). Adding a column — a memory figure, a
receptive field — is adding one entry here; the renderers do not change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from cnncalc.analysis import Report, Row
from cnncalc.counting import convention
from cnncalc.report.units import FLOAT32_BYTES, binary_size, exact, exact_and_si, shape


def _always(report: Report) -> bool:
    return True


@dataclass(frozen=True)
class Column:
    key: str | None
    heading: str | None
    value: Callable[[Row], Any]
    text: Callable[[Row], str] | None = None
    align: str = "right"
    shown: Callable[[Report], bool] = _always
    csv: Callable[[Any], Any] = lambda value: value

    def cell(self, row: Row) -> str:
        return self.text(row) if self.text else str(self.value(row))


def _branches(report: Report) -> bool:
    return report.branches


COLUMNS: list[Column] = [
    Column("name", "Layer (type)", lambda r: r.name, lambda r: f"{r.name} ({r.type})", "left"),
    Column("type", None, lambda r: r.type),
    Column("from", None, lambda r: list(r.inputs), csv=" ".join),
    Column("output_shape", "Output Shape", lambda r: list(r.output_shape),
           lambda r: shape(r.output_shape), "left", csv=lambda s: "x".join(map(str, s))),
    Column("params", "Param #", lambda r: r.params, lambda r: exact(r.params)),
    Column("trainable_params", None, lambda r: r.trainable_params),
    Column("buffers", None, lambda r: r.buffers),
    Column("macs", "MACs", lambda r: r.macs, lambda r: exact(r.macs)),
    Column("flops", "FLOPs", lambda r: r.flops, lambda r: exact(r.flops)),
    Column("output_bytes", None, lambda r: r.output_bytes),
    Column("saved_bytes", None, lambda r: r.saved_bytes),
    Column(None, "Connected to", lambda r: list(r.inputs), lambda r: ", ".join(r.inputs),
           "left", shown=_branches),
]


def human(report: Report) -> list[Column]:
    """The table's and markdown's columns for this report."""
    return [c for c in COLUMNS if c.heading is not None and c.shown(report)]


def machine(report: Report) -> list[Column]:
    """The JSON's and CSV's columns (always all of them)."""
    return [c for c in COLUMNS if c.key is not None]


#: the footer: label and text of each total, in the order shown
FOOTER: list[tuple[str, Callable[[Report], str]]] = [
    ("Total params", lambda r: f"{exact(r.totals.params)} "
                               f"({binary_size(r.totals.params * FLOAT32_BYTES)} at float32)"),
    ("Trainable params", lambda r: f"{exact(r.totals.trainable_params)} "
                                   f"({binary_size(r.totals.trainable_params * FLOAT32_BYTES)})"),
    ("Non-trainable params",
     lambda r: f"{exact(r.totals.non_trainable_params)} "
               f"({binary_size(r.totals.non_trainable_params * FLOAT32_BYTES)})"),
    ("Buffers", lambda r: exact_and_si(r.totals.buffers)),
    ("MACs", lambda r: exact_and_si(r.totals.macs)),
    ("FLOPs", lambda r: exact_and_si(r.totals.flops)),
    ("Input size", lambda r: _memory(r, "input_bytes")),
    ("Params size", lambda r: _memory(r, "params_bytes")),
    ("Buffers size", lambda r: _memory(r, "buffers_bytes")),
    ("Activations (all outputs)", lambda r: _memory(r, "activations_bytes")),
    ("Activation peak (inference)", lambda r: _memory(r, "activation_peak_bytes")),
    ("Saved for backward", lambda r: _memory(r, "saved_bytes")),
    ("Inference memory", lambda r: _memory(r, "inference_bytes")),
    ("Training memory", lambda r: (
        f"{binary_size(r.memory.training.total_bytes)} (params + buffers + gradients "
        f"{binary_size(r.memory.training.gradients_bytes)} + {r.memory.training.optimizer} "
        f"state {binary_size(r.memory.training.optimizer_state_bytes)} + saved)")),
]


def _memory(report: Report, key: str) -> str:
    text = binary_size(getattr(report.memory, key))
    return f"{text} ({report.memory.dtype})" if key in ("input_bytes", "params_bytes") else text



def title(report: Report) -> str:
    dims = ", ".join(f"{name} {shape(s)}" for name, s in report.inputs.items())
    return f'Model: "{report.name}"   ({dims}, batch {report.batch})'


def convention_line(report: Report) -> str:
    rules = convention(report.convention)
    return f"{rules.name} — {rules.title}"


def human_cells(report: Report) -> tuple[list[str], list[list[str]], list[str]]:
    """Headings, rows of cells and alignments of the table and markdown renderings."""
    columns = human(report)
    return ([c.heading for c in columns], [[c.cell(row) for c in columns] for row in report.layers],
            [c.align for c in columns])
