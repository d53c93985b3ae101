"""Messages in the reader's language: gettext catalogs, chosen per call.

English is the source language; Chinese (``zh``) uses the course's textbook terms (输出尺寸,
参数量, 乘加次数, 感受野, ...; the glossary is in docs/teaching.zh.md). The catalogs are
standard gettext files, ``cnncalc/locale/<lang>/LC_MESSAGES/cnncalc.po``, compiled to ``.mo``
by ``scripts/msgfmt.py`` (the tests check the two agree). Numbers are never translated: a
message is a template whose numbers are filled in after translation.

The language is chosen per call (``with use("zh"): ...``), not per process, so that one
program can render two languages; the default comes from ``CNNCALC_LANG``, else the locale
(``LC_ALL``, ``LC_MESSAGES``, ``LANG``), else English.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    import gettext

from cnncalc.errors import UsageError, one_of

LANGS = ("en", "zh")
DOMAIN = "cnncalc"
_current: ContextVar[str | None] = ContextVar("cnncalc_lang", default=None)


def default_language() -> str:
    """``CNNCALC_LANG`` if set, else the locale's language when cnncalc speaks it, else en."""
    explicit = os.environ.get("CNNCALC_LANG", "").strip()
    if explicit:
        try:
            return check_language(explicit)
        except UsageError:
            raise UsageError(f"CNNCALC_LANG={explicit!r} is not a language cnncalc speaks "
                             f"(expected {one_of(LANGS)})") from None
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value:
            code = value.split(".")[0].split("_")[0].lower()
            return code if code in LANGS else "en"
    return "en"


def check_language(lang: str) -> str:
    code = lang.strip().lower().replace("-", "_").split("_")[0]
    if code not in LANGS:
        raise UsageError(f"unknown language {lang!r} (expected {one_of(LANGS)})")
    return code


def language() -> str:
    """The language of the messages being rendered now."""
    return _current.get() or default_language()


@contextmanager
def use(lang: str | None) -> Iterator[str]:
    """Render in ``lang`` (None: the default) inside the block."""
    token = _current.set(None if lang is None else check_language(lang))
    try:
        yield language()
    finally:
        _current.reset(token)


@lru_cache(maxsize=None)
def catalog(lang: str) -> gettext.NullTranslations:
    import gettext   # here: an English run reads no catalog and imports neither module
    from importlib import resources

    if lang == "en":
        return gettext.NullTranslations()
    path = resources.files("cnncalc") / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    with path.open("rb") as handle:
        return gettext.GNUTranslations(handle)


def _(message: str) -> str:
    """``message`` in the current language (itself where there is no translation)."""
    lang = language()
    return message if lang == "en" else catalog(lang).gettext(message)
