"""Working for pooling: max and average windows (with ``ceil_mode``), adaptive pooling."""

from __future__ import annotations

from cnncalc.analysis import Row
from cnncalc.layers.base import ntuple
from cnncalc.layers.pool import _AdaptivePool, _WindowPool
from cnncalc.teach.explainers.registry import explains
from cnncalc.teach.working import (SPATIAL, Board, Working, agree, flag_floor, flag_gaps,
                                   group_dims, no_macs, num, per_dim)

NO_MACS = "pooling compares or averages"


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
                               ("kernel_size", "stride", "padding", "dilation")), out[2:]))
    for group, (size, k, s, p, d, value) in group_dims(dims, cases):
        label = " = ".join(f"{d}_out" for d in group)
        numerator = size + 2 * p - d * (k - 1) - 1
        symbol = group[0]
        if dilated:
            formula, reach = f"(({symbol}_in + 2P − d·(K−1) − 1) / S) + 1", f" − {d * (k - 1)} − 1"
        else:
            formula, reach = f"(({symbol}_in + 2P − K) / S) + 1", f" − {k}"
        working = f"(({size} + {2 * p}{reach}) / {s}) + 1"
        if not layer.ceil_mode:
            agree(numerator // s + 1, value, f"{row.name} {label}")
            step = f" = floor({num(numerator)} / {s}) + 1" if s > 1 else ""
            board.show("output_shape", f"{label} = floor{formula} = floor{working}{step} = "
                       f"{num(value)}")
            flag_floor(board, group, numerator, s, p)
        else:
            ceiled = -(-numerator // s) + 1
            step = f" = ceil({num(numerator)} / {s}) + 1" if s > 1 else ""
            board.show("output_shape", f"{label} = ceil{formula} = ceil{working}{step} = "
                       f"{num(ceiled)}")
            if ceiled != value:
                agree(ceiled - 1, value, f"{row.name} {label}")
                board.show("output_shape",
                           f"  last-window rule: window {ceiled} would start at ({ceiled} − 1)·S"
                           f" = {(ceiled - 1) * s} ≥ {symbol}_in + P = {size + p}, past the "
                           f"input and its left padding, so it is dropped: {label} = {value}")
            else:
                agree(ceiled, value, f"{row.name} {label}")
                floor = numerator // s + 1
                if floor != value:
                    board.show("output_shape", f"  ceil_mode keeps a last, partial window "
                               f"(floor would give {floor})")
        flag_gaps(board, group, d * (k - 1) + 1, s, value)
    board.result("output_shape", out)
    board.result("macs", 0, no_macs(NO_MACS))
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
                       "(output_size None keeps it)")
        else:
            board.show("output_shape", f"{label} = output_size = {num(wanted)}; "
                       + adaptive_windows(size, wanted))
    board.result("output_shape", layer.compute_output_shape(x))
    board.result("macs", 0, no_macs(NO_MACS))
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
        return f"one window over all {num(size)} positions (global pooling)"
    if size % out == 0:
        step = size // out
        return (f"{num(size)} / {num(out)} = {num(step)} exactly: windows of {num(step)}, like "
                f"a pool with kernel = stride = {num(step)}")
    widths = sorted({-(-(i + 1) * size // out) - i * size // out for i in range(out)})
    return (f"{num(size)} / {num(out)} is not exact: windows of "
            f"{' or '.join(num(w) for w in widths)} positions, some overlapping")
