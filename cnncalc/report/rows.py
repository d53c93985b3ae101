"""The columns shared by the table, markdown and CSV renderings."""

from __future__ import annotations

from cnncalc.analysis import Report
from cnncalc.report.units import binary_size, exact, exact_and_si, shape, FLOAT32_BYTES

CONVENTION_NOTES = {
    "torch": "MACs of convolutions and linear layers, bias excluded; FLOPs = 2 × MACs "
             "(torch.utils.flop_counter.FlopCounterMode)",
}


def header(report: Report) -> list[str]:
    columns = ["Layer (type)", "Output Shape", "Param #", "MACs", "FLOPs"]
    return columns + ["Connected to"] if report.branches else columns


def body(report: Report) -> list[list[str]]:
    rows = []
    for row in report.layers:
        cells = [f"{row.name} ({row.type})", shape(row.output_shape), exact(row.params),
                 exact(row.macs), exact(row.flops)]
        if report.branches:
            cells.append(", ".join(row.inputs))
        rows.append(cells)
    return rows


def footer(report: Report) -> list[tuple[str, str]]:
    t = report.totals
    return [
        ("Total params", f"{exact(t.params)} ({binary_size(t.params * FLOAT32_BYTES)} at float32)"),
        ("Trainable params",
         f"{exact(t.trainable_params)} ({binary_size(t.trainable_params * FLOAT32_BYTES)})"),
        ("Non-trainable params",
         f"{exact(t.non_trainable_params)} ({binary_size(t.non_trainable_params * FLOAT32_BYTES)})"),
        ("Buffers", exact_and_si(t.buffers)),
        ("MACs", exact_and_si(t.macs)),
        ("FLOPs", exact_and_si(t.flops)),
    ]


def title(report: Report) -> str:
    dims = ", ".join(f"{name} {shape(s)}" for name, s in report.inputs.items())
    return f'Model: "{report.name}"   ({dims}, batch {report.batch})'
