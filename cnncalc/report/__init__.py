"""Rendering an analysis: the only modules that format numbers.

:func:`analyze` is the analysis of :mod:`cnncalc.analysis` returned as a :class:`Report` that
can also render itself (``report.table()``, ``.markdown()``, ``.csv()``, ``.to_json()``); the
analysis stage itself never imports this package.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Sequence

from cnncalc import analysis

if TYPE_CHECKING:
    from cnncalc.report.comparison import Comparison


@dataclass(frozen=True)
class Report(analysis.Report):
    """An analysis with its renderings."""

    @classmethod
    def of(cls, data: analysis.Report) -> "Report":
        if isinstance(data, cls):
            return data
        return cls(**{f.name: getattr(data, f.name) for f in fields(data)})

    def table(self, columns: Sequence[str] = ()) -> str:
        """The Keras-style table; ``columns`` adds optional columns (``"saved_bytes"``,
        ``"receptive_field"``, ...: :data:`cnncalc.report.columns.OPTIONAL`)."""
        from cnncalc.report.table import render_table
        return render_table(self, columns)

    def markdown(self, columns: Sequence[str] = ()) -> str:
        from cnncalc.report.markdown import render_markdown
        return render_markdown(self, columns)

    def csv(self) -> str:
        from cnncalc.report.csv import render_csv
        return render_csv(self)

    def to_dict(self) -> dict[str, Any]:
        from cnncalc.report.json import report_dict
        return report_dict(self)

    def to_json(self) -> str:
        from cnncalc.report.json import render_json
        return render_json(self)

    def recount(self, convention: str) -> "Report":
        """This analysis under another counting convention."""
        return Report.of(analysis.recount(self, convention))

    def conventions(self) -> dict[str, "Report"]:
        """This analysis under every counting convention, by name."""
        return {name: Report.of(r) for name, r in analysis.every_convention(self).items()}

    def compare(self) -> "Comparison":
        """Every convention's totals, and why each differs from ``torch``'s."""
        from cnncalc import comparison as comparing
        from cnncalc.report.comparison import Comparison

        return Comparison.of(comparing.compare(self))


def analyze(network: Any, **options: Any) -> Report:
    """:func:`cnncalc.analysis.analyze`, as a renderable :class:`Report`."""
    return Report.of(analysis.analyze(network, **options))


def compare(network: Any, *, batch: int = 1, input: Any = None) -> "Comparison":
    """``network`` analysed once and counted under every convention: the totals side by side,
    and each convention's difference from ``torch`` broken down by layer type and call
    (``.table()``, ``.markdown()``, ``.to_json()``; ``.tally("ptflops").differences``)."""
    return Report.of(analysis.analyze(network, batch=batch, input=input)).compare()



def __getattr__(name: str) -> Any:
    # the comparison is loaded when asked for: `cnncalc summary` never is
    if name == "Comparison":
        from cnncalc.report.comparison import Comparison
        return Comparison
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
