"""Reading a student's answers: exact counts and shapes, in the forms people write them.

Counts are whole numbers, optionally with thousands separators grouping the digits in threes
(``117,600``, ``117_600``, ``117 600``, ``117'600``). Rounded forms (``1.5M``, ``2k``,
``1.2e6``, ``768000.0``) are refused with the reason: an answer is checked exactly.

Shapes are read in one of two ways, and the check says which it used:

- channels first, as PyTorch prints them: a YAML list ``[6, 28, 28]``, the same in a string
  (``"(6, 28, 28)"``, ``"torch.Size([1, 6, 28, 28])"``), or a single number for a vector;
- channels last, as textbooks write them: ``28x28x6`` is H×W×C (``×`` and ``*`` work too;
  ``LxC`` for 1-D, ``DxHxWxC`` for 3-D). A ``C×H×W`` string such as ``6x28x28`` is therefore
  *not* accepted as channels first: it is read H×W×C and, when that reading is wrong but the
  channels-first one would be right, the check says so.

Either may include the batch as its first number (``[1, 6, 28, 28]``, ``1x6x28x28``); a
string with the batch is cnncalc's own CSV form, N×C×H×W (see :func:`cnncalc.teach.check.read_shape`).

Answers are read as students type them: full-width digits and punctuation (``１１７，６００``,
``（6，28，28）``) are read as their ASCII forms, a unit word after a count is dropped
(``313600 MACs``, ``416 params``, ``416 个参数``), and 万 (10⁴) and 亿 (10⁸) are rounded figures
exactly as M and G are.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from cnncalc.errors import show
from cnncalc.i18n import _

QUANTITIES = ("output_shape", "params", "macs", "flops")
#: fields a quiz may ask for besides the four (``cnncalc quiz --ask``), and check grades
EXTRA_QUANTITIES = ("receptive_field", "output_bytes")

_SEPARATORS = ",_ '\u00a0\u2009\u202f"
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:([" + _SEPARATORS + r"])\d{3})(?:\1\d{3})*")
_PLAIN = re.compile(r"[+-]?\d+")
_UNITS = {"k": "thousand", "m": "million", "g": "billion", "b": "billion", "t": "trillion",
          "p": "quadrillion", "万": "10⁴", "亿": "10⁸", "千": "thousand"}
_SUFFIXED = re.compile(r"[+-]?\d[\d,_ .]*\s*(thousand|million|billion|trillion|[kmgbtp万亿千])"
                       r"(?:[a-z ]*)", re.IGNORECASE)
#: words that may follow a count: what it counts, in English or Chinese
_UNIT_WORDS = re.compile(
    r"\s*(?:(?:mult-adds|multiply-adds|macs?|flops?|parameters?|params?|elements?|bytes?)"
    r"|(?:个)?(?:参数量?|乘加(?:次数)?|浮点运算(?:次数)?|运算)|个|次)\s*$", re.IGNORECASE)
_DECIMAL = re.compile(r"[+-]?(\d[\d,_]*)?\.\d*([eE][+-]?\d+)?|[+-]?\d+[eE][+-]?\d+")
_BRACKETS = re.compile(r"(?:torch\.Size\(\s*)?[\[(]\s*(.*?)\s*,?\s*[\])]\s*\)?")
_TIMES = re.compile(r"\s*[x×X*]\s*")

EXAMPLE = "a whole number such as 1,536,000"


class BadAnswer(ValueError):
    """An answer that cannot be read; ``expected`` says what form would be."""

    def __init__(self, message: str, expected: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.expected = expected


def parse_count(raw: Any) -> int:
    """An exact count from an int or a string with thousands separators.

    >>> parse_count(760), parse_count("768,000"), parse_count("1_536_000"), parse_count("61 706")
    (760, 768000, 1536000, 61706)
    >>> try:
    ...     parse_count("1.5M")
    ... except BadAnswer as err:
    ...     print(err.message)
    '1.5M' is a rounded figure (M = million); a count is checked exactly, so write every digit
    """
    if isinstance(raw, bool):
        raise BadAnswer(_("{answer} is not a count").format(answer=show(raw)), EXAMPLE)
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        raise BadAnswer(_("{answer} is a decimal number; a count is checked exactly, so write "
                          "it as a whole number").format(answer=repr(raw)), EXAMPLE)
    if not isinstance(raw, str):
        raise BadAnswer(_("a count is a number, not {kind}").format(kind=_kind(raw)), EXAMPLE)
    text = _UNIT_WORDS.sub("", as_typed(raw)).strip()
    if _PLAIN.fullmatch(text):
        return int(text)
    if _GROUPED.fullmatch(text):
        return int(re.sub(f"[{_SEPARATORS}]", "", text))
    suffixed = _SUFFIXED.fullmatch(text)
    if suffixed:
        unit = suffixed.group(1)
        word = _UNITS.get(unit.lower(), unit.lower())
        meaning = word if word == unit.lower() else f"{unit} = {_(word)}"
        raise BadAnswer(_("{answer} is a rounded figure ({meaning}); a count is checked "
                          "exactly, so write every digit").format(answer=repr(text),
                                                                  meaning=meaning), EXAMPLE)
    if re.fullmatch(r"[+-]?\d{1,3}(?:\.\d{3})+", text):
        raise BadAnswer(_("{answer}: a dot reads as a decimal point; separate thousands with "
                          "commas, underscores or spaces").format(answer=repr(text)), EXAMPLE)
    if _DECIMAL.fullmatch(text):
        raise BadAnswer(_("{answer} is a decimal or scientific number; a count is checked "
                          "exactly, so write every digit").format(answer=repr(text)), EXAMPLE)
    if re.fullmatch(r"[+-]?[\d" + _SEPARATORS + "]+", text):
        raise BadAnswer(_("{answer}: thousands separators must group the digits in threes, "
                          "one kind of separator throughout").format(answer=repr(text)), EXAMPLE)
    raise BadAnswer(_("{answer} is not a number").format(answer=repr(text)), EXAMPLE)


def as_typed(text: str) -> str:
    """Full-width digits and punctuation as ASCII (NFKC), the ideographic comma as a comma.

    >>> as_typed("（６，２８，２８）"), as_typed("１１７，６００"), as_typed("6、28、28")
    ('(6,28,28)', '117,600', '6,28,28')
    """
    return unicodedata.normalize("NFKC", text).replace("、", ",").strip()


@dataclass(frozen=True)
class ShapeAnswer:
    """A shape as written: its numbers in the order given, and how to read them."""

    dims: tuple[int, ...]
    channels_last: bool  # a textbook string such as 32x32x10 (H×W×C)


SHAPE_FORMS = "a list [C, H, W] (channels first) or a textbook string HxWxC such as 32x32x10"


def parse_shape(raw: Any) -> ShapeAnswer:
    """A shape answer from a list, a bracketed string, a number, or an ``HxWxC`` string.

    >>> parse_shape([10, 32, 32]), parse_shape("32x32x10").dims, parse_shape("(1, 6, 28, 28)").dims
    (ShapeAnswer(dims=(10, 32, 32), channels_last=False), (32, 32, 10), (1, 6, 28, 28))
    """
    if isinstance(raw, (list, tuple)):
        if not raw:
            raise BadAnswer(_("an empty list is not a shape"), SHAPE_FORMS)
        return ShapeAnswer(tuple(_dim(v) for v in raw), False)
    if isinstance(raw, int) and not isinstance(raw, bool):
        return ShapeAnswer((raw,), False)
    if not isinstance(raw, str):
        raise BadAnswer(_("a shape is a list or a string, not {kind}").format(kind=_kind(raw)),
                        SHAPE_FORMS)
    text = as_typed(raw)
    bracketed = _BRACKETS.fullmatch(text)
    if bracketed:
        parts = [p for p in re.split(r"\s*,\s*", bracketed.group(1)) if p]
        if not parts:
            raise BadAnswer(_("{answer} has no sizes").format(answer=repr(text)), SHAPE_FORMS)
        return ShapeAnswer(tuple(_dim(p) for p in parts), False)
    if _TIMES.search(text):
        return ShapeAnswer(tuple(_dim(p) for p in _TIMES.split(text)), True)
    if _PLAIN.fullmatch(text):
        return ShapeAnswer((int(text),), False)
    raise BadAnswer(_("{answer} is not a shape: sizes separated by commas could be one number "
                      "with thousands separators").format(answer=repr(text)), SHAPE_FORMS)


FIELD_FORMS = "a size per spatial dimension such as 5x5, [5, 5], or one number for all"


def parse_field(raw: Any) -> tuple[int, ...]:
    """A receptive field's size: one number for every spatial dimension, or one per dimension
    (``5x5``, ``[5, 5]``, ``(3, 5, 5)``); the sizes in the order given.

    >>> parse_field(5), parse_field("11x11"), parse_field([3, 7, 7]), parse_field("５×５")
    ((5,), (11, 11), (3, 7, 7), (5, 5))
    """
    try:
        return parse_shape(raw).dims
    except BadAnswer as err:
        raise BadAnswer(err.message, FIELD_FORMS) from None


def _dim(raw: Any) -> int:
    if isinstance(raw, str) and not raw.strip():
        raise BadAnswer(_("a size is missing between the separators"), SHAPE_FORMS)
    try:
        return parse_count(raw.strip() if isinstance(raw, str) else raw)
    except BadAnswer as err:
        raise BadAnswer(_("a size in the shape: {message}").format(message=err.message),
                        SHAPE_FORMS) from None


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return _("a mapping")
    if isinstance(value, (list, tuple)):
        return _("a list")
    return show(value)
