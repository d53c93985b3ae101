"""The agreement table of ``cnncalc verify``: cnncalc's numbers beside torch's."""

from __future__ import annotations


from cnncalc.report.grid import plain
from cnncalc.report.units import exact, shape

COLUMNS = ("Layer (type)", "Output Shape", "Param #", "Trainable #", "Buffers", "MACs", "")
NAMES = {"output_shape": "output shape", "params": "params",
         "trainable_params": "trainable params", "buffers": "buffers", "macs": "MACs"}


def render_verify(outcome) -> str:
    """The per-layer agreement table, then the verdict."""
    def cell(check, name, show):
        quantity = check.quantity(name)
        if quantity.agrees:
            return show(quantity.static)
        return f"{show(quantity.static)} ≠ torch {_show_torch(quantity.torch, show)}"

    rows = []
    for check in outcome.layers:
        label = f"{check.name} ({check.type})"
        if check.error is not None or check.skipped:
            note = "✗ " + check.error if check.error else "not run: an earlier layer failed"
            rows.append([label, "", "", "", "", "", note])
            continue
        rows.append([label, cell(check, "output_shape", shape), cell(check, "params", exact),
                     cell(check, "trainable_params", exact), cell(check, "buffers", exact),
                     cell(check, "macs", exact), "✓" if check.agrees else "✗"])
    report = outcome.report
    title = (f'Verifying "{report.name}" against torch {outcome.torch_version} (device '
             f'{outcome.device}, input {shape(report.inputs["input"])})')
    grid = plain(COLUMNS, rows, ("left", "left", "right", "right", "right", "right", "left"))
    lines = [title, "", *grid, ""]
    total = outcome.total_macs
    if outcome.agrees:
        lines.append(f"All {len(outcome.layers)} layers agree with torch: output shapes, params "
                     f"(trainable and not), buffers and MACs. Total MACs {exact(total.static)} "
                     f"= FlopCounterMode's {exact(2 * total.torch)} FLOPs / 2.")
        return "\n".join(lines)
    found = outcome.disagreements()
    lines.append(f"{len(found)} disagreement{'s' if len(found) != 1 else ''} with torch:")
    for where, what, static, measured in found:
        if what == "torch":
            lines.append(f"  {where}: {measured}")
        else:
            show = shape if what == "output_shape" else exact
            lines.append(f"  {where}: {NAMES[what]}: cnncalc {show(static)}, torch "
                         f"{_show_torch(measured, show)}")
    return "\n".join(lines)


def _show_torch(value, show) -> str:
    if isinstance(value, (tuple, list)) or isinstance(value, int):
        return show(value)
    return str(value)  # a Fraction of MACs, or what torch returned instead of a tensor
