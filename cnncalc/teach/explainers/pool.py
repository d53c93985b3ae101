"""Working for pooling: max and average windows (with ``ceil_mode``), adaptive pooling."""

from __future__ import annotations

from cnncalc import shapes as f
from cnncalc.analysis import Row
from cnncalc.errors import LayerError
from cnncalc.i18n import _
from cnncalc.layers.base import ntuple
from cnncalc.layers.pool import _AdaptivePool, _WindowPool
from cnncalc.teach.explainers.conv import symbols
from cnncalc.teach.explainers.registry import explains
from cnncalc.teach.working import (SPATIAL, Board, Working, equation, flag_floor, flag_gaps,
                                   group_dims, no_macs, num, per_dim)

@explains(_WindowPool)
def window_pool(row: Row) -> Working:
    layer, (x,) = row.layer, row.input_shapes
    dilated = hasattr(layer, "dilation")
    parts = [row.type, f"kernel {per_dim(layer.kernel_size)}",
             f"stride {per_dim(layer.per_dim('stride'))}",
             f"padding {per_dim(layer.padding)}"]
    if dilated:
        parts.append(f"dilation {per_dim(layer.dilation)}")
    if layer.ceil_mode:
        parts.append("ceil_mode")
    board = Board(f"{parts[0]} " + ", ".join(parts[1:]))
    dims = SPATIAL[layer.ndim]
    out = layer.compute_output_shape(x)
    cases = list(zip(x[2:], *(layer.per_dim(n) for n in
                               ("kernel_size", "stride", "padding", "dilation"))))
    for group, (size, k, s, p, d) in group_dims(dims, cases):
        label = " = ".join(f"{d}_out" for d in group)
        t = symbols(group, size=size, kernel_size=k, stride=s, padding=p, dilation=d)
        value = f.pool_output_size(t["size"], t["kernel_size"], t["stride"], t["padding"],
                                   t["dilation"] if dilated else None, layer.ceil_mode,
                                   dim=group[0])
        board.show("output_shape", equation(label, value))
        for note in value.notes:
            board.show("output_shape", "  " + _("{note}: {result}").format(
                note=note, result=f"{label} = {int(value)}"))
        division = (value.left if value.op == "rule" else value).left   # floor/ceil(… / S)
        if not layer.ceil_mode:
            flag_floor(board, group, int(division.left), s, p)
        elif not value.notes:
            try:
                floor = f.pool_output_size(size, k, s, p, d if dilated else None)
            except LayerError:      # floor leaves no window at all
                floor = 0
            if floor != int(value):
                board.show("output_shape", _("  ceil_mode keeps a last, partial window (floor "
                                             "would give {n})").format(n=floor))
        flag_gaps(board, group, d * (k - 1) + 1, s, int(value))
    board.result("output_shape", out)
    board.result("macs", 0, no_macs(_("pooling compares or averages")))
    return board.done()


@explains(_AdaptivePool)
def adaptive_pool(row: Row) -> Working:
    layer, (x,) = row.layer, row.input_shapes
    sizes = ntuple(layer.output_size, layer.ndim)
    shown = "×".join("None" if s is None else str(s) for s in sizes)
    board = Board(f"{row.type} output_size {shown}")
    dims = SPATIAL[layer.ndim]
    for group, (size, wanted) in group_dims(dims, list(zip(x[2:], sizes))):
        label = " = ".join(f"{d}_out" for d in group)
        if wanted is None:
            board.show("output_shape", f"{label} = {group[0]}_in = {num(size)}  "
                       + _("(output_size None keeps it)"))
        else:
            board.show("output_shape", f"{label} = output_size = {num(wanted)}" + _("; ")
                       + adaptive_windows(size, wanted))
    board.result("output_shape", layer.compute_output_shape(x))
    board.result("macs", 0, no_macs(_("pooling compares or averages")))
    return board.done()


def adaptive_windows(size: int, out: int) -> str:
    """How adaptive pooling cuts ``size`` positions into ``out`` windows: window ``i`` runs
    from ``floor(i·size/out)`` to ``ceil((i+1)·size/out)``, end excluded.

    >>> adaptive_windows(14, 7)
    '14 / 7 = 2 exactly: windows of 2, like a pool with kernel = stride = 2'
    >>> adaptive_windows(7, 1)
    'one window over all 7 positions (global pooling)'
    >>> adaptive_windows(5, 3)
    '5 / 3 is not exact: windows of 2 or 3 positions, some overlapping'
    """
    if out == 1:
        return _("one window over all {size} positions (global pooling)").format(size=num(size))
    if size % out == 0:
        step = size // out
        return _("{size} / {out} = {step} exactly: windows of {step}, like a pool with kernel = "
                 "stride = {step}").format(size=num(size), out=num(out), step=num(step))
    widths = sorted({-(-(i + 1) * size // out) - i * size // out for i in range(out)})
    return _("{size} / {out} is not exact: windows of {widths} positions, some overlapping"
             ).format(size=num(size), out=num(out), widths=_(" or ").join(num(w) for w in widths))
