"""``quiz``: random exercises — a question sheet for students, the network and key for the teacher.

The sheet (``quiz.md``, and ``quiz.html`` to print) describes the layers in words and a table;
it is not a network file, so ``cnncalc summary`` cannot answer it. The teacher's files
(``teacher/network.yaml``, ``teacher/key.yaml``) grade the answers: ``cnncalc check
teacher/network.yaml answers.yaml --key teacher/key.yaml``.

Reproducible: the same seed, count and level give the same files, byte for byte. Every layer
is drawn, then kept only if the network with it still analyses cleanly (so the exercise is
always a valid network) and its sizes stay readable. The key comes from the same analysis as
``summary``, in the format ``check`` reads.
"""

from __future__ import annotations

import html
import random
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from cnncalc.analysis import Report, analyze
from cnncalc.counting import DEFAULT, convention
from cnncalc.errors import CnncalcError, LayerError
from cnncalc.i18n import _, language
from cnncalc.safeyaml import load_yaml
from cnncalc.shapes import pool_output_size
from cnncalc.spec import Network, parse_network
from cnncalc.teach.answers import EXTRA_QUANTITIES

LEVELS = ("basic", "advanced")
#: what ``advanced`` brings; each advanced quiz of at least four layers has all four
FEATURES = ("groups", "dilation", "transposed", "ceil_mode")
MAX_COUNT = 50
MAX_SIDE = {1: 16_384, 2: 512, 3: 256}   # spatial sizes stay sensible for an exercise
DIMS = (1, 2, 3)
#: what a quiz may ask besides output shape, params, MACs and FLOPs (check grades them)
ASKS = EXTRA_QUANTITIES
MAX_FEATURES = 50_000   # a Linear layer's input stays a sensible exercise
ATTEMPTS = 40

Layer = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class Quiz:
    """A quiz: the network file's text and the key's text."""

    seed: int
    count: int
    level: str
    network_text: str
    key_text: str
    dims: int = 2
    ask: tuple[str, ...] = ()

    def network(self) -> Network:
        return parse_network(load_yaml(self.network_text, "quiz.yaml"), "quiz.yaml", "quiz")

    def key(self) -> Any:
        return load_yaml(self.key_text, "key.yaml")

    @property
    def name(self) -> str:
        return _name(self.seed, self.level, self.dims)

    @property
    def command(self) -> str:
        return _command(self.seed, self.count, self.level, self.dims, self.ask)

    def write(self, directory: str | Path) -> dict[str, Path]:
        """Write the students' sheet (``quiz.md``, ``quiz.html``, an ``answers.yaml`` to fill
        in) and the teacher's ``teacher/network.yaml`` and ``teacher/key.yaml`` into
        ``directory`` (created if need be); their paths by role."""
        directory = Path(directory)
        (directory / "teacher").mkdir(parents=True, exist_ok=True)
        paths = {"sheet": directory / "quiz.md", "printable": directory / "quiz.html",
                 "answers": directory / "answers.yaml",
                 "network": directory / "teacher" / "network.yaml",
                 "key": directory / "teacher" / "key.yaml"}
        texts = {"sheet": self.sheet(), "printable": self.printable(),
                 "answers": self.answers_template(), "network": self.network_text,
                 "key": self.key_text}
        for role, path in paths.items():
            path.write_text(texts[role], encoding="utf-8")
        return paths

    def _layers(self) -> list[tuple[str, str, str]]:
        """``(name, type, arguments)`` of each layer, as the sheet lists them."""
        report = analyze(self.network())
        entries = self.network().layers
        return [(row.name, row.type, _arguments(entry.args))
                for row, entry in zip(report.layers, entries)]

    def _task(self) -> str:
        rules = convention(DEFAULT)
        task = _("For every layer, work out its output shape (batch excluded), its parameters, "
                 "its MACs ({macs_are}) and its FLOPs ({flops_are}). Each layer takes the "
                 "previous layer's output.").format(macs_are=_(rules.macs_are),
                                                    flops_are=_(rules.flops_are))
        if "receptive_field" in self.ask:
            task += _(" Also its receptive field: the size, in input positions, of the "
                            "input window that one output position sees (for the layers that "
                            "keep spatial dimensions).")
        if "output_bytes" in self.ask:
            task += _(" Also the bytes of its output in float32 (4 bytes per value).")
        return task

    def sheet(self) -> str:
        """The question sheet in Markdown."""
        sample = self.network().input
        lines = [f"# {self.name}", "", f"_{self.command}_", "",
                 self._input_line(sample), "",
                 "| # | {} | {} | {} |".format(_("Layer"), _("Type"), _("Arguments")),
                 "|---|---|---|---|"]
        lines += [f"| {i} | `{name}` | {kind} | {args or '—'} |"
                  for i, (name, kind, args) in enumerate(self._layers(), 1)]
        lines += ["", self._task(), "",
                  _("Write your answers in `answers.yaml` (every question is there, blank): a "
                    "shape as a list `[C, H, W]` or the textbook `HxWxC` (`32x32x10`), counts "
                    "as whole numbers (`117,600` or `117600 MACs`).") if self.dims == 2 else
                  _("Write your answers in `answers.yaml` (every question is there, blank): a "
                    "shape as a list `{form}`, counts as whole numbers (`117,600` or "
                    "`117600 MACs`).").format(form=FORMS[self.dims]), ""]
        return "\n".join(lines)

    @staticmethod
    def _input_line(sample) -> str:
        return _("The input is one sample of shape {shape} (channels first: {dims}); the batch "
                 "is 1.").format(shape=_shape(sample), dims=_dims_named(len(sample)))

    def printable(self) -> str:
        """The question sheet as a page to print, with a box for every answer."""
        sample = self.network().input
        rows = "".join(
            f"<tr><td>{i}</td><td><code>{html.escape(name)}</code></td>"
            f"<td>{html.escape(kind)}</td><td>{html.escape(args) or '—'}</td>"
            + "<td class=box></td>" * (4 + len(self.ask)) + "</tr>"
            for i, (name, kind, args) in enumerate(self._layers(), 1))
        headings = "".join(f"<th>{html.escape(h)}</th>" for h in (
            "#", _("Layer"), _("Type"), _("Arguments"), _("Output shape"), _("Params"), "MACs",
            "FLOPs", *(_(field) for field in self.ask)))
        return (
            f"<!doctype html><html lang={language()}><meta charset=utf-8>"
            f"<title>{html.escape(self.name)}</title><style>"
            "body{font:14px/1.4 system-ui,sans-serif;margin:2em}"
            "table{border-collapse:collapse;width:100%}"
            "td,th{border:1px solid #999;padding:.4em .6em;text-align:left}"
            "td.box{min-width:7em;height:2.2em}th{background:#eee}"
            "@media print{body{margin:0}}</style>"
            f"<h1>{html.escape(self.name)}</h1>"
            f"<p><em>{html.escape(self.command)}</em></p>"
            f"<p>{html.escape(self._input_line(sample))}</p>"
            f"<p>{html.escape(self._task())}</p>"
            f"<table><tr>{headings}</tr>{rows}</table></html>\n")

    def answers_template(self) -> str:
        """``answers.yaml`` with every question of the key and no answer yet."""
        lines = ["# " + _("Answers to {name}: fill in every field, then hand it in.").format(
                     name=self.name),
                 "# " + (_("A shape as a list [C, H, W] or the textbook HxWxC (32x32x10).")
                         if self.dims == 2 else _("A shape as a list {form}.").format(
                             form=FORMS[self.dims]))]
        asked = self.key()
        for name, _kind, _args in self._layers():
            lines += [f"{name}:"] + [f"  {field}:" for field in asked[name]]
        return "\n".join(lines) + "\n"


def _arguments(args: dict[str, Any]) -> str:
    """``kernel_size=3, stride=2`` as torch's constructors take them."""
    return ", ".join(f"{k}={_flow_value(v)}" for k, v in args.items())


def _shape(dims) -> str:
    return "[" + ", ".join(str(n) for n in dims) + "]"


FORMS = {1: "[C, L]", 2: "[C, H, W]", 3: "[C, D, H, W]"}


def _name(seed: int, level: str, dims: int) -> str:
    return f"quiz-{seed}-{level}" + ("" if dims == 2 else f"-{dims}d")


def _dims_named(rank: int) -> str:
    return {1: "F", 2: "C × L", 3: "C × H × W", 4: "C × D × H × W"}.get(rank, "")


def make_quiz(seed: int, count: int = 5, level: str = "basic", dims: int = 2,
              ask: tuple[str, ...] = ()) -> Quiz:
    """A quiz of ``count`` layers on ``dims``-dimensional data (1: ``[C, L]``, 2: ``[C, H,
    W]``, 3: ``[C, D, H, W]``); ``advanced`` adds groups, dilation, transposed convolutions
    and ``ceil_mode`` pooling (each at least once from four layers on); ``ask`` adds
    questions (``receptive_field``, ``output_bytes``) to every layer where they apply."""
    if level not in LEVELS:
        raise ValueError(f"level is one of {', '.join(LEVELS)}, not {level!r}")
    if not 1 <= count <= MAX_COUNT:
        raise ValueError(f"count is between 1 and {MAX_COUNT}, not {count}")
    if dims not in DIMS:
        raise ValueError(f"dims is one of 1, 2, 3, not {dims!r}")
    unknown = [a for a in ask if a not in ASKS]
    if unknown:
        raise ValueError(f"ask is any of {', '.join(ASKS)}, not {unknown[0]!r}")
    ask = tuple(a for a in ASKS if a in ask)
    # 2-D quizzes keep the seeds they always had
    rng = random.Random(f"cnncalc-quiz:{seed}:{level}" + ("" if dims == 2 else f":{dims}d"))
    advanced = level == "advanced"
    sample = _input(rng, advanced, dims)
    # cnncalc does not follow receptive fields through a transposed convolution
    skipped = ("transposed",) if "receptive_field" in ask else ()
    features = [f for f in FEATURES if f not in skipped] if advanced else []
    rng.shuffle(features)
    layers: list[Layer] = []
    report = None
    while len(layers) < count:
        left = count - len(layers)
        if left == 2 and not features and rng.random() < 0.5 and report is not None:
            head = _head(rng, sample, layers, report)
            if head:
                layers += head
                break
        channels = report.layers[-1].output_shape[1] if report else sample[0]
        feature = None
        if features and rng.random() < len(features) / left + 0.2:
            feature = _pick(features, channels)
            if feature:
                features.remove(feature)
        layer, report, placed = _draw(rng, sample, layers, report, feature, advanced, skipped)
        if feature and not placed:
            features.insert(0, feature)  # e.g. groups on a 1-channel input: try it later
        layers.append(layer)
    report = analyze(_network(sample, layers))
    command = _command(seed, count, level, dims, ask)
    return Quiz(seed, count, level,
                _network_text(_name(seed, level, dims), sample, layers, command),
                _key_text(report, command, ask), dims, ask)


def _pick(features: list[str], channels: int) -> str | None:
    """The next feature to show: groups need two channels, so on a one-channel input a
    convolution that adds channels (dilated, transposed) comes first."""
    usable = [f for f in features if f != "groups" or channels > 1]
    if channels == 1 and "groups" in features:
        usable = [f for f in usable if f != "ceil_mode"] or usable
    return usable[-1] if usable else None


def _input(rng: random.Random, advanced: bool, dims: int = 2) -> tuple[int, ...]:
    if dims == 1:      # a signal: audio, a sensor, a sequence of embeddings
        lengths = [64, 128, 256, 400, 1000, 8000, 16000] + ([99, 257, 1001] if advanced else [])
        return rng.choice([1, 1, 2, 8, 16]), rng.choice(lengths)
    channels = rng.choice([1, 3, 3])
    sides = [28, 32, 64, 96, 128, 224] + ([27, 33, 57, 65, 99, 227] if advanced else [])
    if dims == 3:      # a clip or a volume: few frames, small frames
        sides = [s for s in sides if s <= 128]
        depth = rng.choice([8, 16, 16, 32] + ([15, 33] if advanced else []))
        side = rng.choice(sides)
        return channels, depth, side, side
    height = rng.choice(sides)
    width = rng.choice(sides) if advanced and rng.random() < 0.3 else height
    return channels, height, width


def _draw(rng: random.Random, sample, layers: list[Layer], report: Report | None,
          feature: str | None, advanced: bool, skipped: tuple[str, ...] = ()
          ) -> tuple[Layer, Report, bool]:
    """One more layer that keeps the network valid, and whether it shows ``feature``; none of
    the ``skipped`` features."""
    shape = report.layers[-1].output_shape if report else (1, *sample)
    makers = _BASIC + ([_MAKERS[f] for f in FEATURES if f not in skipped] if advanced else [])
    for attempt in range(2 * ATTEMPTS):
        wanted = feature if attempt < ATTEMPTS else None
        maker = _MAKERS[wanted] if wanted else rng.choice(makers)
        layer = maker(rng, shape, advanced)
        if layer is None:
            continue
        checked = _valid(sample, layers + [layer])
        if checked is not None:
            return layer, checked, wanted is not None
    layer = (f"Conv{len(shape) - 2}d", {"out_channels": 8, "kernel_size": 1})  # always fits
    return layer, analyze(_network(sample, layers + [layer])), False


def _valid(sample, layers: list[Layer]) -> Report | None:
    try:
        report = analyze(_network(sample, layers))
    except CnncalcError:
        return None
    out = report.layers[-1].output_shape
    if any(side > MAX_SIDE[len(sample) - 1] for side in out[2:]):
        return None
    return report


def _network(sample, layers: list[Layer]) -> Network:
    return Network(input=list(sample), layers=[{kind: dict(args)} for kind, args in layers])


# -- the layers that can be drawn -------------------------------------------------------------

def _conv(rng: random.Random, shape, advanced: bool, *, groups: bool = False,
          dilation: bool = False) -> Layer | None:
    channels = shape[1]
    kernel = rng.choice([1, 3, 3, 3, 5, 7])
    out = rng.choice([4, 6, 8, 10, 12, 16, 24, 32, 48, 64, 96, 128])
    args: dict[str, Any] = {"out_channels": out, "kernel_size": kernel}
    if groups:
        divisors = [g for g in range(2, channels + 1) if channels % g == 0]
        if not divisors:
            return None
        g = rng.choice(divisors)
        args["out_channels"] = channels if rng.random() < 0.4 else g * rng.choice([1, 2, 4, 8])
        args["groups"] = channels if args["out_channels"] == channels and rng.random() < 0.7 \
            else g
        if args["out_channels"] % args["groups"]:
            args["groups"] = g
        args["kernel_size"] = kernel = rng.choice([3, 3, 5])
    stride = rng.choice([1, 1, 2])
    if stride > 1:
        args["stride"] = stride
    if dilation:
        kernel = args["kernel_size"] = 3
        args["dilation"] = d = rng.choice([2, 3])
        args["padding"] = rng.choice([0, d])
    elif rng.random() < 0.6:
        args["padding"] = kernel // 2
    if args.get("padding") == 0:
        del args["padding"]
    if advanced and rng.random() < 0.2:
        args["bias"] = False
    if advanced and not groups and not dilation and len(shape) == 4 and rng.random() < 0.1:
        args["kernel_size"] = rng.choice([[1, 3], [3, 1], [1, 7]])
        args["padding"] = [k // 2 for k in args["kernel_size"]]
    return f"Conv{len(shape) - 2}d", args


def _transposed(rng: random.Random, shape, advanced: bool) -> Layer:
    kernel = rng.choice([2, 3, 4])
    stride = 2
    args: dict[str, Any] = {"out_channels": rng.choice([4, 8, 16, 32, 64]),
                            "kernel_size": kernel, "stride": stride}
    padding = rng.choice([0, 1]) if kernel > 2 else 0
    if padding:
        args["padding"] = padding
    if rng.random() < 0.4:
        args["output_padding"] = 1
    return f"ConvTranspose{len(shape) - 2}d", args


def _pool(rng: random.Random, shape, advanced: bool, *, ceil_mode: bool = False) -> Layer:
    n = len(shape) - 2
    kind = rng.choice([f"MaxPool{n}d", f"MaxPool{n}d", f"AvgPool{n}d"])
    options = [(2, 2, 0), (2, 2, 0), (3, 2, 0), (3, 2, 1), (3, 3, 0)]
    if ceil_mode:  # prefer a window where ceil_mode changes the answer
        options = [o for o in options if _ceil_matters(shape, *o)] or options
    kernel, stride, padding = rng.choice(options)
    args: dict[str, Any] = {"kernel_size": kernel}
    if stride != kernel:
        args["stride"] = stride
    if padding:
        args["padding"] = padding
    if ceil_mode:
        args["ceil_mode"] = True
    return kind, args


def _ceil_matters(shape, kernel: int, stride: int, padding: int) -> bool:
    try:
        return any(pool_output_size(n, kernel, stride, padding, ceil_mode=True)
                   != pool_output_size(n, kernel, stride, padding) for n in shape[2:])
    except LayerError:
        return False


def _head(rng: random.Random, sample, layers: list[Layer], report: Report) -> list[Layer]:
    """``Flatten`` and a ``Linear`` classifier, when the features are few enough."""
    features = 1
    for n in report.layers[-1].output_shape[1:]:
        features *= n
    if features > MAX_FEATURES:
        return []
    head = [("Flatten", {}), ("Linear", {"out_features": rng.choice([10, 10, 100, 1000])})]
    return head if _valid(sample, layers + head) is not None else []


_BASIC: list[Callable] = [_conv, _conv, _conv, _pool, _pool]
_ADVANCED: list[Callable] = [
    lambda rng, shape, adv: _conv(rng, shape, adv, groups=True),
    lambda rng, shape, adv: _conv(rng, shape, adv, dilation=True),
    _transposed,
    lambda rng, shape, adv: _pool(rng, shape, adv, ceil_mode=True),
]
_MAKERS = dict(zip(FEATURES, _ADVANCED))


# -- the files --------------------------------------------------------------------------------

def _flow_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_flow_value(x) for x in v) + "]"
    return str(v)


def _flow(args: dict[str, Any]) -> str:
    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return str(v)
    return "{" + ", ".join(f"{k}: {value(v)}" for k, v in args.items()) + "}"


def _command(seed: int, count: int, level: str, dims: int = 2, ask: tuple[str, ...] = ()
             ) -> str:
    return (f"cnncalc quiz --seed {seed} --count {count} --level {level}"
            + ("" if dims == 2 else f" --dims {dims}") + "".join(f" --ask {a}" for a in ask))


def _network_text(name: str, sample, layers: list[Layer], command: str) -> str:
    rules = convention(DEFAULT)  # the key's convention, in its own words
    task = (f"The network of a cnncalc quiz, for the teacher: keep it from the students "
            f"(cnncalc summary would give them the answers; MACs are {rules.macs_are}). "
            f"The students get quiz.md or quiz.html. Grade an answers file with")
    lines = [
        f"# {command}",
        *textwrap.wrap(task, 90, initial_indent="# ", subsequent_indent="# "),
        "#   cnncalc check teacher/network.yaml answers.yaml --key teacher/key.yaml",
        f"name: {name}",
        f"input: [{', '.join(str(n) for n in sample)}]",
        "layers:",
    ]
    for kind, args in layers:
        lines.append(f"  - {kind}: {_flow(args)}" if args else f"  - {kind}")
    return "\n".join(lines) + "\n"


def _key_text(report: Report, command: str, ask: tuple[str, ...] = ()) -> str:
    lines = [f"# The key to the quiz ({command}): its questions and answers.",
             "# Shapes are channels first, batch excluded. cnncalc explain teacher/network.yaml "
             "shows the working."]
    for row in report.layers:
        lines += [f"{row.name}:",
                  f"  output_shape: [{', '.join(str(n) for n in row.output_shape[1:])}]",
                  f"  params: {row.params}", f"  macs: {row.macs}", f"  flops: {row.flops}"]
        if "receptive_field" in ask and row.receptive_field:
            lines.append(f"  receptive_field: {'x'.join(map(str, row.receptive_field.size))}")
        if "output_bytes" in ask:
            lines.append(f"  output_bytes: {row.output_bytes}")
    return "\n".join(lines) + "\n"
