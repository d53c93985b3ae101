"""``check``: a student's answers marked against the analysis, with the working for mistakes.

The answers are a mapping from layer name to any of ``output_shape``, ``params``, ``macs``,
``flops`` (and ``totals`` to ``params``, ``macs``, ``flops`` of the whole network; a layer
named ``totals`` takes precedence). Unreadable answers, unknown layers and unknown fields are
bad input, reported together and located in the file; a blank answer is simply wrong.
"""

from __future__ import annotations

import re
import unicodedata

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from cnncalc.analysis import Report, analyze
from cnncalc.counting import DEFAULT
from cnncalc.errors import NetworkError, Position, Problem, did_you_mean, show
from cnncalc.i18n import _
from cnncalc.report.json import dumps
from cnncalc.safeyaml import load_yaml, position_of, read_text
from cnncalc.spec import Network
from cnncalc.teach.answers import (EXTRA_QUANTITIES, QUANTITIES, BadAnswer, ShapeAnswer,
                                   parse_count, parse_field, parse_shape)
from cnncalc.teach.explain import Explanation, explain_report, flops_line
from cnncalc.teach.working import equation, num, shape

TOTALS = "totals"
TOTAL_QUANTITIES = ("params", "macs", "flops")
FORM = "{layer name: {output_shape: 28x28x6, params: 156, macs: 117600, flops: 235200}}"
NAMES = {2: ("F",), 3: ("L", "C"), 4: ("H", "W", "C"), 5: ("D", "H", "W", "C")}


SCHEMA = "cnncalc-check/1"   # the JSON's version: keys may be added, never removed


class AnswersError(NetworkError):
    """Problems with an answers file (not with the student's numbers), each located."""


def problem_dict(problem: Problem) -> dict[str, Any]:
    where = problem.position
    return {"message": str(problem), "file": where.file if where else None,
            "line": (where.line or 1) if where else None,
            "column": (where.column or 1) if where else None}


def error_dict(error: Exception, answers: str | None = None) -> dict[str, Any]:
    """The JSON written for a submission that could not be graded at all (exit status 2)."""
    problems = error.problems if isinstance(error, NetworkError) else []
    errors = [problem_dict(p) for p in problems] or [
        {"message": str(error), "file": None, "line": None, "column": None}]
    return {"schema": SCHEMA, "status": "error", "answers": answers, "score": 0, "total": 0,
            "fields": [], "not_graded": [], "errors": errors}


@dataclass(frozen=True)
class Mark:
    """One answered field: what was written, how it was read, and whether it is right."""

    layer: str
    field: str
    expected: int | tuple[int, ...]
    got: int | tuple[int, ...] | None   # the answer read into the form of ``expected``
    answer: Any                         # as written
    correct: bool
    reading: str | None = None          # how a shape was read
    note: str | None = None
    expected_written: str | None = None  # the right shape in the answer's own form
    working: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            return list(value) if isinstance(value, tuple) else value
        return {"layer": self.layer, "field": self.field, "expected": plain(self.expected),
                "got": plain(self.got), "correct": self.correct,
                "answer": _plain_answer(self.answer), "reading": self.reading,
                "note": self.note, "working": list(self.working)}


@dataclass(frozen=True)
class CheckResult:
    """Every answered field, marked, in the network's order (totals last)."""

    network: str
    batch: int
    source: str
    marks: list[Mark]
    titles: dict[str, str] = field(default_factory=dict)  # layer name -> its explain title
    convention: str = DEFAULT   # the counting convention the MACs and FLOPs are marked in
    not_graded: list[Problem] = field(default_factory=list)   # unknown names, fields not asked
    key: str | None = None      # the key file whose questions are graded, if any

    @property
    def score(self) -> int:
        return sum(m.correct for m in self.marks)

    @property
    def total(self) -> int:
        return len(self.marks)

    @property
    def all_correct(self) -> bool:
        return self.score == self.total

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "status": "graded", "network": self.network,
                "batch": self.batch, "answers": self.source, "key": self.key,
                "score": self.score, "total": self.total, "convention": self.convention,
                "fields": [m.to_dict() for m in self.marks],
                "not_graded": [problem_dict(p) for p in self.not_graded], "errors": []}

    def gradescope(self) -> dict[str, Any]:
        """Gradescope's ``results.json``: one test per field, one point each."""
        tests = [{"name": f"{m.layer} {m.field}", "score": int(m.correct), "max_score": 1,
                  "status": "passed" if m.correct else "failed",
                  "output": "\n".join(line.strip() for line in _mark_lines(m))}
                 for m in self.marks]
        extra = "\n".join(str(p) for p in self.not_graded)
        return {"score": self.score, "max_score": self.total, "tests": tests,
                "output": ("Not graded:\n" + extra) if extra else ""}

    def to_json(self) -> str:
        """Indented JSON, each list of plain values (a shape, ...) kept on one line."""
        return dumps(self.to_dict(), spread_strings=True)

    def text(self) -> str:
        counted = "" if self.convention == DEFAULT else _(", {name} convention").format(
            name=self.convention)
        out = [_("{source}: answers for {network} (batch {batch}{convention})").format(
            source=self.source, network=self.network, batch=self.batch, convention=counted)]
        layer = None
        for mark in self.marks:
            if mark.layer != layer:
                layer = mark.layer
                kind = self.titles.get(layer)
                out += ["", f"{layer} ({kind})" if kind else (
                    _("totals") if layer == TOTALS else layer)]
            out += _mark_lines(mark)
        if self.not_graded:
            out += ["", _("Not graded:")] + [f"  {problem}" for problem in self.not_graded]
        wrong = [f"{m.layer} {_(m.field)}" for m in self.marks if not m.correct]
        verdict = _("all correct") if not wrong else _("{count} wrong: {fields}").format(
            count=len(wrong), fields=_(", ").join(wrong))
        of = _(" (the questions of {key})").format(key=self.key) if self.key else ""
        out += ["", _("Score: {score}/{total}{of} — {verdict}").format(
            score=self.score, total=self.total, of=of, verdict=verdict)]
        return "\n".join(out)


def _mark_lines(mark: Mark) -> list[str]:
    written = _written(mark.answer)
    label = _(mark.field)
    head = f"  {'✓' if mark.correct else '✗'} {label}{' ' * max(1, 13 - _width(label))}{written}"
    if mark.reading and mark.got is not None and mark.field == "output_shape":
        head += " → " + _("{shape}  (read as {reading})").format(shape=shape(mark.got),
                                                               reading=_(mark.reading))
    lines = [head]
    if not mark.correct:
        if mark.field == "receptive_field":
            expected = "×".join(map(str, mark.expected)) or _("undefined")
        else:
            expected = shape(mark.expected) if isinstance(mark.expected, tuple) else \
                num(mark.expected)
        also = f" = {mark.expected_written}" if mark.expected_written else ""
        lines.append("      " + _("expected {value}").format(value=expected + also))
    if mark.note and mark.answer is not None:   # a blank answer says "(no answer)" already
        lines.append(f"      {_(mark.note)}")
    if not mark.correct:
        lines += [f"      {line}" for line in mark.working]
    return lines


def _width(text: str) -> int:
    from wcwidth import wcswidth

    return max(wcswidth(text), len(text))


def _written(answer: Any) -> str:
    if answer is None:
        return _("(no answer)")
    if isinstance(answer, bool):
        return show(answer)
    if isinstance(answer, int):
        return num(answer)
    if isinstance(answer, (list, tuple)):
        return show(list(answer))
    return str(answer)


def _plain_answer(answer: Any) -> Any:
    if isinstance(answer, (list, tuple)):
        return [_plain_answer(a) for a in answer]
    return answer


# -- reading the answers file ----------------------------------------------------------------

def load_answers(path: str | Path) -> Any:
    """An answers file, parsed with positions; unreadable files raise located errors."""
    where = Position(str(path))
    if Path(path).is_dir():
        raise AnswersError([Problem("is a directory, not an answers file", where)])
    return load_yaml(typed_yaml(read_text(path)), str(path))


def typed_yaml(text: str) -> str:
    r"""An answers file as a student may type it, made YAML: full-width forms as ASCII (NFKC),
    and a full-width colon ``c1：`` as a key's colon (NFKC alone would glue it to the value).

    >>> typed_yaml("c1：\n  params：156\n  output_shape: [6，28，28]")
    'c1:\n  params: 156\n  output_shape: [6,28,28]'
    """
    text = re.sub(r"：[ \t]*(?=\S)", ": ", text).replace("：", ":")
    return unicodedata.normalize("NFKC", text)


def check(network: Network, answers: Any, *, batch: int = 1, input: Iterable[int] | None = None,
          source: str = "<answers>", convention: str = DEFAULT, key: Any = None,
          key_source: str | None = None) -> CheckResult:
    """Mark ``answers`` (loaded YAML, or a plain dict) against ``network``'s analysis, MACs
    and FLOPs against those of ``convention``; with a ``key``, its questions are graded."""
    return check_report(analyze(network, batch=batch, input=input, convention=convention),
                        answers, source, key, key_source)


def check_report(report: Report, answers: Any, source: str = "<answers>",
                 key: Any = None, key_source: str | None = None) -> CheckResult:
    """Mark ``answers`` against an analysis ``report``, field by field: an unreadable answer
    is wrong with the reason, an unknown layer or field is listed as not graded. With a
    ``key`` (the same form), its questions are the ones graded: an unanswered one is wrong
    and the score is out of the key's total. Only an answers file that is not a mapping
    raises :class:`AnswersError`."""
    explanation = explain_report(report)
    if not isinstance(answers, dict):
        where = position_of(answers) or Position(source)
        raise AnswersError([Problem("an answers file maps layer names to answers", where,
                                    expected=FORM, got=_kind(answers))])
    given, not_graded = _fields(report, answers, source)
    if key is not None:
        questions, key_problems = _fields(report, key, key_source or "<key>")
        if key_problems:
            raise AnswersError(key_problems)
        for asked in list(given):
            if asked not in questions:
                raw = given.pop(asked)[0]
                not_graded.append(Problem(f"{asked[0]}: {asked[1]} is not a question of the "
                                          f"key", raw[1], expected="the key's questions"))
        given.update({q: ((None, None), None) for q in questions if q not in given})
    order = {name: i for i, name in enumerate(row.name for row in report.layers)}
    fields = QUANTITIES + EXTRA_QUANTITIES
    keys = sorted(given, key=lambda k: (order.get(k[0], len(order)), fields.index(k[1])))
    marks = [_mark(report, explanation, name, quantity, given[(name, quantity)][0][0],
                   given[(name, quantity)][1]) for name, quantity in keys]
    titles = {item.name: item.working.title for item in explanation.layers}
    return CheckResult(report.name, report.batch, source, marks, titles, report.convention,
                       not_graded, key_source if key is not None else None)


def _fields(report: Report, answers: dict, source: str
            ) -> tuple[dict[tuple[str, str], tuple[tuple[Any, Any], Any]], list[Problem]]:
    """``(layer, field) → ((as written, position), read)`` (read: a :class:`BadAnswer` when
    unreadable), and the entries that name no layer or field."""
    rows = {row.name for row in report.layers}
    found: dict[tuple[str, str], tuple[tuple[Any, Any], Any]] = {}
    problems: list[Problem] = []
    for name, entry in answers.items():
        if isinstance(name, str) and name in rows:
            allowed = QUANTITIES + EXTRA_QUANTITIES
        elif name == TOTALS:
            allowed = TOTAL_QUANTITIES
        else:
            problems.append(Problem(f"no layer named {show(name)} in {report.name}"
                                    + did_you_mean(str(name), [*rows, TOTALS]),
                                    position_of(answers, name, of_key=True) or Position(source),
                                    expected="a layer name as summary prints it, or totals"))
            continue
        if not isinstance(entry, dict) or not entry:
            problems.append(Problem("a layer's answers are a mapping of field: answer",
                                    position_of(answers, name) or Position(source), str(name),
                                    expected="{" + ", ".join(f"{q}: ..." for q in allowed[:4]) + "}",
                                    got=_kind(entry)))
            continue
        for quantity, raw in entry.items():
            if quantity not in allowed:
                problems.append(Problem(f"unknown field {show(quantity)}"
                                        + did_you_mean(str(quantity), allowed),
                                        position_of(entry, quantity, of_key=True), str(name),
                                        expected="one of " + ", ".join(allowed)))
                continue
            try:
                read = {"output_shape": parse_shape, "receptive_field": parse_field}.get(
                    quantity, parse_count)
                parsed: Any = None if raw is None else read(raw)
            except BadAnswer as err:
                where = position_of(entry, quantity) or Position(source)
                parsed = BadAnswer(_("at {where}: {message}").format(
                    where=where, message=err.message), err.expected)
            found[(name, quantity)] = ((raw, position_of(entry, quantity)), parsed)
    return found, problems


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an empty mapping" if not value else "a mapping"
    if isinstance(value, list):
        return "a list"
    return show(value)


# -- marking --------------------------------------------------------------------------------

def _mark(report: Report, explanation: Explanation, name: str, quantity: str, raw: Any,
          parsed: Any) -> Mark:
    if name == TOTALS and name not in {r.name for r in report.layers}:
        expected = getattr(report.totals, quantity)
        working = _totals_working(report, quantity)
    else:
        row = report.layer(name)
        expected = _expected(row, quantity)
        working = _working(report, explanation, row, quantity)
    if parsed is None:
        return Mark(name, quantity, expected, None, raw, False, note=_("no answer given"),
                    working=working)
    if isinstance(parsed, BadAnswer):
        reason = parsed.message + (_(" (expected {form})").format(form=_(parsed.expected))
                                   if parsed.expected else "")
        return Mark(name, quantity, expected, None, raw, False,
                    note=_("unreadable {reason}").format(reason=reason),
                    working=working)
    if quantity == "receptive_field":
        got = parsed * len(expected) if expected and len(parsed) == 1 else parsed
        return Mark(name, quantity, expected, got, raw, got == expected, working=working)
    if isinstance(parsed, ShapeAnswer):
        got, reading, note = read_shape(parsed, expected)
        written = None
        if parsed.channels_last and len(parsed.dims) == len(expected):
            written = "x".join(str(d) for d in expected)   # cnncalc's CSV form
        elif parsed.channels_last and len(parsed.dims) == len(expected) - 1:
            written = "x".join(str(d) for d in (*expected[2:], expected[1]))
        return Mark(name, quantity, expected, got, raw, got == expected, reading=reading,
                    note=note, expected_written=written, working=working)
    return Mark(name, quantity, expected, parsed, raw, parsed == expected, working=working)


def _expected(row: Any, quantity: str) -> Any:
    if quantity == "output_shape":
        return tuple(row.output_shape)
    if quantity == "receptive_field":   # its size per spatial dimension; () where undefined
        return tuple(row.receptive_field.size) if row.receptive_field else ()
    return getattr(row, quantity)


def _working(report: Report, explanation: Explanation, row: Any, quantity: str
             ) -> tuple[str, ...]:
    if quantity == "output_bytes":
        from cnncalc.memory import element_size, tensor_bytes
        from cnncalc.terms import T, product

        dims = product(*(T(n) for n in row.output_shape))
        numel = T(int(dims), "numel(y)")
        size = T(element_size(report.memory.dtype), report.memory.dtype)
        return (equation("numel(y)", dims),
                equation("output_bytes", tensor_bytes(numel, size)) + "  " + _(
                    "({size} bytes per {dtype} value)").format(size=int(size),
                                                              dtype=report.memory.dtype))
    if quantity == "receptive_field" and not row.receptive_field:
        return (_("the receptive field is not defined here: {reason}").format(
            reason=row.receptive_field_reason),)
    return explanation.layer(row.name).lines(quantity)


def read_shape(answer: ShapeAnswer, expected: tuple[int, ...]
               ) -> tuple[tuple[int, ...], str, str | None]:
    """The answer in channels-first order with the batch, how it was read, and a hint.

    A list is channels first (as PyTorch prints shapes); a string without the batch is the
    textbook's H×W×C; a string with the batch is cnncalc's own CSV form, N×C×H×W. Where the
    other order would have been right, the hint says so.

    >>> read_shape(ShapeAnswer((32, 32, 10), True), (1, 10, 32, 32))
    ((1, 10, 32, 32), 'H×W×C, channels last, batch excluded', None)
    >>> read_shape(ShapeAnswer((10, 32, 32), False), (1, 10, 32, 32))
    ((1, 10, 32, 32), 'C×H×W, channels first, batch excluded', None)
    >>> read_shape(ShapeAnswer((1, 10, 32, 32), True), (1, 10, 32, 32))[:2]
    ((1, 10, 32, 32), "N×C×H×W, as cnncalc's CSV writes shapes, batch included")
    """
    dims, rank = answer.dims, len(expected)
    names = NAMES.get(rank, tuple(f"d{i}" for i in range(1, rank - 1)) + ("C",))
    last = "×".join(names)
    first = "×".join(names[-1:] + names[:-1])
    if len(dims) not in (rank - 1, rank):
        note = _("the output has {n} dims besides the batch ({form}); the answer has "
                 "{given}").format(n=rank - 1, form=first if not answer.channels_last else last,
                                   given=len(dims))
        return dims, "the numbers as written", note
    batch = len(dims) == rank
    with_batch = "batch included" if batch else "batch excluded"
    body = dims[1:] if batch else dims
    as_first = (dims[0] if batch else expected[0], *body)
    as_last = (dims[0] if batch else expected[0], body[-1], *body[:-1])
    if answer.channels_last and batch:   # pasted from cnncalc's CSV: 1x16x28x28
        note = None
        if as_first != expected and as_last == expected:
            note = _("a string with the batch is read N×{first}, as cnncalc's CSV writes "
                     "shapes; in N×{last} order this answer would be right — leave the batch "
                     "out ({body}) to write the textbook's {last}").format(
                first=first, last=last, body="x".join(map(str, body)))
        return as_first, f"N×{first}, as cnncalc's CSV writes shapes, batch included", note
    if not answer.channels_last:
        note = None
        if as_first != expected and as_last == expected:
            note = _("lists are read {first}, channels first, as PyTorch prints shapes; in "
                     "{last} order this answer would be right — write {right}").format(
                first=first, last=last, right=show(list(expected[0 if batch else 1:])))
        return as_first, f"{first}, channels first, {with_batch}", note
    note = None
    if as_last != expected and as_first == expected:
        note = _("strings are read {last}; in {first} order this answer would be right — "
                 "write channels first as a list, {right}").format(
            last=last, first=first, right=show(list(expected[0 if batch else 1:])))
    return as_last, f"{last}, channels last, {with_batch}", note


def _totals_working(report: Report, quantity: str) -> tuple[str, ...]:
    totals = report.totals
    twice = quantity == "flops" and totals.flops == 2 * totals.macs  # FLOPs = 2 · MACs
    attr = "macs" if twice else quantity
    label = {"params": "params", "macs": "MACs", "flops": "FLOPs"}[attr]
    terms = [(r.name, getattr(r, attr)) for r in report.layers if getattr(r, attr)]
    total = getattr(totals, attr)
    lines = [f"{label} = " + (" + ".join(f"{num(v)} ({n})" for n, v in terms) or "0")
             + f" = {num(total)}"]
    if twice:
        lines.append(flops_line(totals.macs, totals.flops))
    return tuple(lines)
