"""``cnncalc conventions``: every convention's totals side by side, and why they differ.

Renders a :class:`cnncalc.comparison.Comparison` (the numbers are computed there): first one row
per convention — its MACs and FLOPs, its difference from the reference (``torch``) and the tool
it reproduces — then, for every other convention, its difference broken down by layer type,
biggest first, each group with the convention's formula and rule.
"""

from __future__ import annotations

from typing import Any

from tabulate import tabulate

from cnncalc.comparison import Comparison, Difference, Tally
from cnncalc.report.columns import title
from cnncalc.report.json import dumps, notes_list
from cnncalc.report.grid import display_width, plain
from cnncalc.report.units import exact_and_si, percent, signed

TOTALS_HEADINGS = ("Convention", "MACs", "FLOPs", "MACs vs {ref}", "%", "Reproduces")
TOTALS_ALIGN = ("left", "right", "right", "right", "right", "left")
BREAKDOWN_HEADINGS = ("Layer type", "MACs", "FLOPs", "Counted as", "Rule")
BREAKDOWN_ALIGN = ("left", "right", "right", "left", "left")
#: in the plain table, long formulas and rules wrap within their column
BREAKDOWN_WIDTHS = (None, None, None, 36, 64)


def _totals_cells(comparison: Comparison, markdown: bool = False) -> list[list[str]]:
    rows = []
    for tally in comparison:
        reference = tally.name == comparison.reference
        name = f"**{tally.name}**" if markdown and reference else tally.name
        rows.append([name, exact_and_si(tally.macs), exact_and_si(tally.flops),
                     "—" if reference else signed(tally.macs_difference),
                     "—" if reference else percent(tally.macs_difference,
                                                   tally.reference_macs),
                     _code(tally.source, markdown)])
    return rows


def _headline(tally: Tally, reference: str) -> str:
    """``ptflops − torch: +89,013,224 MACs (+0.77 %), +178,026,448 FLOPs``."""
    return (f"{tally.name} − {reference}: {signed(tally.macs_difference)} MACs "
            f"({percent(tally.macs_difference, tally.reference_macs)}), "
            f"{signed(tally.flops_difference)} FLOPs")


def group_label(difference: Difference) -> str:
    """``BatchNorm2d ×155``; ``ReLU (shared) ×100`` when the calls are not plain module calls."""
    call = "" if difference.call == "module" else f" ({difference.call})"
    return f"{difference.type}{call} ×{difference.layers}"


def counted_as(difference: Difference, markdown: bool = False) -> str:
    """The convention's formula for the group: its MACs when the FLOPs differ by twice as much
    (the FLOPs are twice the MACs there), else the FLOPs too, or only them when there are no
    MACs."""
    def code(text: str) -> str:
        return f"`{text}`" if markdown else text
    if difference.flops == 2 * difference.macs:
        return code(difference.macs_formula)
    flops = f"FLOPs = {code(difference.flops_formula)}"
    if difference.macs_formula == "0":
        return flops
    return f"MACs = {code(difference.macs_formula)}, {flops}"


def _rule(difference: Difference, name: str, markdown: bool) -> str:
    if difference.rule is None:
        return f"no {name} rule for {difference.type}: counts 0"
    return _code(difference.rule, markdown)


def _code(text: str, markdown: bool) -> str:
    """Docstrings mark code with ````x````: one backtick in markdown, none in plain text."""
    return text.replace("``", "`" if markdown else "")


def _breakdown_cells(tally: Tally, markdown: bool = False) -> list[list[str]]:
    return [[group_label(d), signed(d.macs), signed(d.flops), counted_as(d, markdown),
             _rule(d, tally.name, markdown)]
            for d in tally.differences]


def render_conventions_table(comparison: Comparison) -> str:
    headings = [h.format(ref=comparison.reference) for h in TOTALS_HEADINGS]
    head, *lines = plain(headings, _totals_cells(comparison), TOTALS_ALIGN)
    width = max(display_width(line) for line in (head, *lines))
    out = [title(comparison), "─" * width, head, "═" * width, *lines]
    out += ["═" * width, "",
            f"Why they differ from {comparison.reference}, by layer type (biggest first):"]
    for tally in comparison:
        if tally.name == comparison.reference:
            continue
        out += ["", _headline(tally, comparison.reference)]
        if not tally.differences:
            out.append("  every layer counts the same")
            continue
        grid = tabulate(_breakdown_cells(tally), headers=BREAKDOWN_HEADINGS, tablefmt="plain",
                        disable_numparse=True, colalign=BREAKDOWN_ALIGN,
                        maxcolwidths=list(BREAKDOWN_WIDTHS))
        out += [f"  {line}".rstrip() for line in grid.splitlines()]
    if comparison.notes:
        out.append("")
    out += [f"Note: {note.message}" for note in comparison.notes]
    return "\n".join(out)


def render_conventions_markdown(comparison: Comparison) -> str:
    headings = [h.format(ref=comparison.reference) for h in TOTALS_HEADINGS]
    grid = tabulate(_totals_cells(comparison, markdown=True), headers=headings,
                    tablefmt="github", disable_numparse=True, colalign=TOTALS_ALIGN)
    out = [f"**{title(comparison)}**", "", grid, "",
           f"### Why they differ from {comparison.reference}, by layer type (biggest first)"]
    for tally in comparison:
        if tally.name == comparison.reference:
            continue
        out += ["", f"**{_headline(tally, comparison.reference)}**", ""]
        if not tally.differences:
            out.append("Every layer counts the same.")
            continue
        out.append(tabulate(_breakdown_cells(tally, markdown=True), headers=BREAKDOWN_HEADINGS,
                            tablefmt="github", disable_numparse=True,
                            colalign=BREAKDOWN_ALIGN))
    if comparison.notes:
        out.append("")
    out += [f"- **Note:** {note.message}" for note in comparison.notes]
    return "\n".join(out)


def comparison_dict(comparison: Comparison) -> dict[str, Any]:
    result = {
        "name": comparison.name,
        "batch": comparison.batch,
        "inputs": {name: list(shape) for name, shape in comparison.inputs.items()},
        "reference": comparison.reference,
        "conventions": [{
            "name": tally.name,
            "title": tally.title,
            "source": tally.source,
            "macs": tally.macs,
            "flops": tally.flops,
            "difference": {"macs": tally.macs_difference, "flops": tally.flops_difference},
            "differences": [{"type": d.type, "call": d.call, "layers": d.layers,
                             "macs": d.macs, "flops": d.flops,
                             "formula": {"macs": d.macs_formula, "flops": d.flops_formula},
                             "rule": d.rule} for d in tally.differences],
        } for tally in comparison],
    }
    if comparison.notes:  # as in the summary's JSON: only when the input changes an argument
        result["notes"] = notes_list(comparison.notes)
    return result


def render_conventions_json(comparison: Comparison) -> str:
    return dumps(comparison_dict(comparison))
