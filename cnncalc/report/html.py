"""The HTML report: one self-contained page that works offline.

The page is ``assets/report.html`` with its stylesheet, its script and the vendored graph
libraries (cytoscape.js and cytoscape-dagre, whose licences it carries) written inline, and
the data in a ``<script type="application/json">``: the JSON report of ``cnncalc summary
--format json`` under ``"report"``, and what the page needs besides under ``"extra"`` (each
block's parent, each layer's arguments, the depth the graph starts at). Nothing is fetched:
no external script, stylesheet, font or request.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

from cnncalc.analysis import Report
from cnncalc.report.graphview import auto_depth, block_parents

#: vendored libraries, in load order: (file, name, version, licence, licence file)
LIBRARIES = (
    ("cytoscape.min.js", "cytoscape.js", "3.35.0", "MIT", "cytoscape.txt"),
    ("cytoscape-dagre.min.js", "cytoscape-dagre (bundles @dagrejs/dagre 3.0.0 and "
     "@dagrejs/graphlib 4.0.1, MIT)", "4.0.1", "MIT", "cytoscape-dagre.txt"),
)
LICENCES = ("cytoscape.txt", "cytoscape-dagre.txt", "dagrejs-dagre.txt", "dagrejs-graphlib.txt")


def asset(name: str) -> str:
    """The text of ``cnncalc/report/assets/NAME``."""
    return resources.files("cnncalc.report").joinpath("assets", name).read_text(encoding="utf-8")


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def layer_args(row) -> dict[str, Any]:
    """The layer's arguments as PyTorch names them, inferred ones included."""
    layer = row.layer
    dump = getattr(layer, "model_dump", None)
    if dump is None:
        return {}
    try:
        return _plain(dump())
    except Exception:  # an argument model that cannot dump itself still has its report
        return {}


def page_data(report: Report, depth: int | None = None) -> dict[str, Any]:
    """What the page shows: the JSON report and the extras the page needs."""
    from cnncalc import __version__

    return {
        "report": report.to_dict(),
        "extra": {
            "version": __version__,
            "output": report.output,
            "outputs": list(report.outputs),   # the network's outputs, each marked in the graph
            "depth": auto_depth(report) if depth is None else depth,
            "parents": block_parents(report),
            "args": {row.name: layer_args(row) for row in report.layers},
        },
    }


def script_json(data: Any) -> str:
    """JSON that cannot end the ``<script>`` element holding it (``<`` written ``\\u003c``)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _inline_script(code: str) -> str:
    if "</script" in code.lower():   # would end the element early; not in the shipped files
        raise ValueError("a vendored script contains </script")
    return f"<script>\n{code}\n</script>"


def render_html(report: Report, depth: int | None = None) -> str:
    """The report page of ``report``; ``depth`` is the graph's first depth (None: as
    :func:`~cnncalc.report.graphview.auto_depth` chooses)."""
    notices = "\n\n".join(
        [f"{name} {version} ({licence})" for _, name, version, licence, _ in LIBRARIES]
        + [asset(f"licenses/{name}").strip() for name in LICENCES])
    libraries = "\n".join(_inline_script(asset(file)) for file, *_ in LIBRARIES)
    page = asset("report.html")
    parts = {
        "TITLE": _escape(f"{report.name} · cnncalc report"),
        "NOTICES": notices.replace("--", "- -"),
        "STYLE": asset("report.css"),
        "DATA": script_json(page_data(report, depth)),
        "LIBRARIES": libraries,
        "SCRIPT": _inline_script(asset("report.js")),
    }
    # one pass over the template: what is put in is never searched again
    return re.sub(r"\{\{([A-Z]+)\}\}", lambda m: parts[m.group(1)], page)
