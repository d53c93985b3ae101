"""A :class:`cnncalc.comparison.Comparison` that renders itself (``cnncalc conventions``)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from cnncalc import comparison as comparing
from cnncalc.report import Report


@dataclass(frozen=True)
class Comparison(comparing.Comparison):
    """A :class:`cnncalc.comparison.Comparison` with its renderings (``cnncalc conventions``)."""

    @classmethod
    def of(cls, data: comparing.Comparison) -> "Comparison":
        if isinstance(data, cls):
            return data
        tallies = tuple(replace(t, report=Report.of(t.report)) for t in data.tallies)
        return cls(**{**{f.name: getattr(data, f.name) for f in fields(data)},
                      "tallies": tallies})

    def table(self) -> str:
        from cnncalc.report.conventions import render_conventions_table
        return render_conventions_table(self)

    def markdown(self) -> str:
        from cnncalc.report.conventions import render_conventions_markdown
        return render_conventions_markdown(self)

    def to_dict(self) -> dict[str, Any]:
        from cnncalc.report.conventions import comparison_dict
        return comparison_dict(self)

    def to_json(self) -> str:
        from cnncalc.report.conventions import render_conventions_json
        return render_conventions_json(self)
