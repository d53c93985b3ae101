"""The torch twin of one layer: ``getattr(torch.nn, type)(**fields)``, or an exception.

A cnncalc layer's fields are its ``torch.nn`` class's keyword arguments, so most twins need no
code at all. Layer types with no ``torch.nn`` class of their name (the merges, and layers torch
spells as functions, such as ``Chunk``) register a module class in :data:`TWINS` with
:func:`twin_for`, from a module of this package that ``cnncalc/torch/__init__.py`` imports.
Either way the twin is built by calling it with the layer's fields as keyword arguments.
How the whole twin then calls each module (``call:``) is :mod:`cnncalc.torch.calls`'s business.
"""

from __future__ import annotations

from typing import Callable, TypeVar

import torch

from cnncalc.errors import CnncalcError
from cnncalc.layers import REGISTRY, Layer

Factory = Callable[..., torch.nn.Module]
F = TypeVar("F", bound=Factory)

#: layer type name -> module class (or factory) taking the layer's fields as keywords, for the
#: types that torch.nn has no class of the same name for
TWINS: dict[str, Factory] = {}


class MissingTwin(CnncalcError):
    """A registered layer type that has no torch twin: a gap in the bridge, not bad input."""


class TwinError(CnncalcError):
    """The twin cannot be assembled (e.g. a layer name that is no usable module path, or a
    ``call: method`` on a layer type that has no tensor method form)."""


def twin_for(type_name: str) -> Callable[[F], F]:
    """Class decorator: the decorated module class is the twin of layer type ``type_name``."""
    def register(factory: F) -> F:
        if type_name in TWINS:
            raise TypeError(f"torch twin of {type_name!r} is registered twice")
        TWINS[type_name] = factory
        return factory
    return register


def twin_factory(type_name: str) -> Factory:
    """What builds the twin of ``type_name`` from its fields; :class:`MissingTwin` if none."""
    if type_name in TWINS:
        return TWINS[type_name]
    module_class = getattr(torch.nn, type_name, None)
    if isinstance(module_class, type) and issubclass(module_class, torch.nn.Module):
        return module_class
    raise MissingTwin(f"layer type {type_name!r} has no torch twin: torch.nn has no class of "
                      "that name and cnncalc.torch.TWINS has no entry for it")


def build_module(layer: Layer) -> torch.nn.Module:
    """The twin of one resolved layer (its inferred arguments filled in)."""
    name = type(layer).__name__
    if name in TWINS:
        return TWINS[name](**layer.model_dump())
    # Arguments left at their defaults are not passed, so that older torch versions, which
    # lack some newer keywords (BatchNorm's `bias`), still build the twin.
    return twin_factory(name)(**layer.model_dump(exclude_defaults=True))


def missing_twins() -> list[str]:
    """Registered layer types that have no twin (the test suite demands none)."""
    missing = []
    for name in REGISTRY:
        try:
            twin_factory(name)
        except MissingTwin:
            missing.append(name)
    return missing
