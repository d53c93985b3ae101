"""Plain-words descriptions of layer argument types, derived from the field annotations."""

from __future__ import annotations

import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt
from pydantic.fields import FieldInfo

from cnncalc.errors import show


def describe_field(cls: Any, name: str) -> str:
    """``an int ≥ 1 or a list of ints ≥ 1`` for ``kernel_size``, and so on."""
    info = cls.model_fields.get(name)
    if info is None:
        return "a known argument"
    text = describe(info.annotation)
    for meta in info.metadata:
        text += _bound(meta)
    return text


def describe(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *metadata = get_args(annotation)
        return describe(base) + "".join(_bound(m) for m in metadata)
    if origin in (Union, types.UnionType):
        parts = list(dict.fromkeys(describe(a) for a in get_args(annotation)))
        if "an int" in parts and "a number" in parts:
            parts.remove("an int")  # an int is a number too
        return " or ".join(parts)
    if origin is Literal:
        return "one of " + ", ".join(show(v) for v in get_args(annotation))
    if origin is tuple:
        inner = get_args(annotation)
        plural = describe(inner[0]).replace("an int", "ints", 1).replace("a number", "numbers", 1)
        if len(inner) == 2 and inner[1] is Ellipsis:
            return f"a list of {plural}"
        return f"a list of {len(inner)} {plural}"
    if annotation is type(None):
        return "null"
    names = {int: "an int", float: "a number", bool: "true or false", str: "a string"}
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _bound(meta: Any) -> str:
    if isinstance(meta, FieldInfo):
        return "".join(_bound(m) for m in meta.metadata)
    for kind, attr, sign in ((Ge, "ge", "≥"), (Gt, "gt", ">"), (Le, "le", "≤"), (Lt, "lt", "<")):
        if isinstance(meta, kind):
            return f" {sign} {getattr(meta, attr)}"
    return ""
