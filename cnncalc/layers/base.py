"""The layer base class and the registry that every layer type joins by being defined.

A layer type is a pydantic model named after its ``torch.nn`` twin; its fields are that
module's constructor arguments and its methods are its formulas. Shapes passed to the formulas
include the batch dimension, exactly as PyTorch sees them.

Importing this module registers nothing: a family module (``cnncalc/layers/conv.py``, ...) is
imported the first time one of its types is looked up in :data:`REGISTRY`, so that a network
pays for building the pydantic classes it uses, not all of them.
"""
# No ``from __future__ import annotations`` in the layer modules: pydantic would evaluate every
# string annotation of every base class again for each of the ~100 classes.

import re
from collections.abc import Iterator, Mapping
from importlib import import_module
from math import prod
from typing import Annotated, Any, ClassVar, Union

from pydantic import (BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError,
                      model_validator)

from cnncalc.errors import ArgumentError, LayerError, show

Shape = tuple[int, ...]

PositiveInt = Annotated[StrictInt, Field(ge=1)]
NonNegativeInt = Annotated[StrictInt, Field(ge=0)]
PositiveInts = Union[PositiveInt, tuple[PositiveInt, ...]]
NonNegativeInts = Union[NonNegativeInt, tuple[NonNegativeInt, ...]]
Number = Union[StrictInt, float]
Bool = StrictBool

#: the layer types of each family module (``cnncalc/layers/FAMILY.py``), in the order their
#: classes are defined; tests/test_schema.py keeps it equal to the classes themselves
FAMILIES: dict[str, tuple[str, ...]] = {family: tuple(names.split()) for family, names in {
    "activation": "ReLU ReLU6 LeakyReLU PReLU ELU SELU CELU GELU SiLU Mish Sigmoid Tanh "
                  "Hardswish Hardsigmoid Hardtanh Softplus Softmax LogSoftmax",
    "conv": "Conv1d Conv2d Conv3d ConvTranspose1d ConvTranspose2d ConvTranspose3d DeformConv2d",
    "linear": "Linear",
    "merge": "Add Mul Concat",
    "norm": "BatchNorm1d BatchNorm2d BatchNorm3d InstanceNorm1d InstanceNorm2d InstanceNorm3d "
            "GroupNorm LayerNorm LayerNorm2d FrozenBatchNorm2d LocalResponseNorm",
    "pool": "MaxPool1d MaxPool2d MaxPool3d AvgPool1d AvgPool2d AvgPool3d AdaptiveAvgPool1d "
            "AdaptiveAvgPool2d AdaptiveAvgPool3d AdaptiveMaxPool1d AdaptiveMaxPool2d "
            "AdaptiveMaxPool3d",
    "dropout": "Dropout Dropout1d Dropout2d Dropout3d AlphaDropout StochasticDepth",
    "padding": "ZeroPad1d ZeroPad2d ZeroPad3d ConstantPad1d ConstantPad2d ConstantPad3d "
               "ReflectionPad1d ReflectionPad2d ReflectionPad3d ReplicationPad1d "
               "ReplicationPad2d ReplicationPad3d",
    "resample": "Upsample PixelShuffle PixelUnshuffle ChannelShuffle",
    "reshape": "Flatten Unflatten Identity Permute",
    "select": "Chunk Narrow",
    "reduce": "Mean Amax Sum",
    "attention": "Matmul MultiheadAttention",
    "source": "Parameter",
}.items()}


class Registry(Mapping[str, type["Layer"]]):
    """Layer types by name. Looking a type up imports its family's module (:data:`FAMILIES`);
    iterating imports them all. A class joins by being defined, once."""

    def __init__(self, families: Mapping[str, tuple[str, ...]]) -> None:
        self._classes: dict[str, type[Layer]] = {}
        self._family = {name: family for family, names in families.items() for name in names}
        self._loaded = False

    def add(self, cls: type["Layer"]) -> None:
        name = cls.__name__
        if name in self._classes:
            raise TypeError(f"layer type {name!r} is registered twice: by "
                            f"{self._classes[name].__module__} and by {cls.__module__}")
        self._classes[name] = cls

    def __getitem__(self, name: str) -> type["Layer"]:
        try:
            return self._classes[name]
        except KeyError:
            family = self._family.get(name) if isinstance(name, str) else None
            if family is None:
                raise
            import_module(f"cnncalc.layers.{family}")
            return self._classes[name]

    def __contains__(self, name: object) -> bool:
        return name in self._classes or name in self._family

    def load(self) -> None:
        """Import every family (the schema, suggestions and the Python API list them all)."""
        if not self._loaded:
            for family in dict.fromkeys(self._family.values()):
                import_module(f"cnncalc.layers.{family}")
            self._loaded = True

    def __iter__(self) -> Iterator[str]:
        self.load()
        return iter(self._classes)

    def __len__(self) -> int:
        self.load()
        return len(self._classes)


REGISTRY = Registry(FAMILIES)
_HASHES: dict[int, tuple["Layer", int]] = {}

RANK_FORMS = {1: "[]", 2: "[F]", 3: "[C, L]", 4: "[C, H, W]", 5: "[C, D, H, W]"}


def describe_shape(shape: Shape) -> str:
    """``[1, 3, 224, 224]``: how shapes appear in messages (batch included)."""
    return show(list(shape))


class Layer(BaseModel):
    """Base of every layer type; subclasses are registered under their class name."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, defer_build=True,
                              validate_default=False)

    abstract: ClassVar[bool] = True
    #: accepted numbers of input dimensions, batch included; ``None`` accepts any of at least 2
    ranks: ClassVar[tuple[int, ...] | None] = None
    #: arguments taken from the incoming shape when not given (``in_channels``, ...)
    inferred: ClassVar[tuple[str, ...]] = ()
    #: how many inputs the layer takes: ``(least, most)``, ``most`` ``None`` for any number
    arity: ClassVar[tuple[int, int | None]] = (1, 1)
    #: spatial dimensions of a ``...1d/2d/3d`` layer; setting it sets ``ranks`` to ``ndim + 2``
    ndim: ClassVar[int | None] = None
    #: fields that the torch twin takes by keyword only (BatchNorm's ``bias`` in torch 2.13)
    keyword_only: ClassVar[tuple[str, ...]] = ()
    #: the fields a Python caller may give by position: the field order, which is the torch
    #: constructor's parameter order, ``keyword_only`` left out (set for each class)
    positional_args: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        if cls.__dict__.get("ndim") is not None and "ranks" not in cls.__dict__:
            cls.ranks = (cls.ndim + 2,)
        cls.positional_args = tuple(name for name in cls.model_fields
                                    if name not in cls.keyword_only)
        super().__pydantic_init_subclass__(**kwargs)
        if cls.__dict__.get("abstract", False):
            return
        REGISTRY.add(cls)

    def __init__(self, /, *args: Any, **kwargs: Any) -> None:
        """``Conv2d(16, 32, 3)`` as ``torch.nn.Conv2d(16, 32, 3)``: positional arguments in the
        torch constructor's order, keywords by name. Wrong arguments raise
        :class:`~cnncalc.errors.ArgumentError` with every problem, worded as for a file."""
        problems = []
        if args:
            from cnncalc.arguments import bind

            kwargs, problems = bind(type(self).__name__, self.positional_args, args, kwargs)
        try:
            super().__init__(**kwargs)
        except ValidationError as err:
            from cnncalc.arguments import translate

            raise ArgumentError(problems + translate(type(self), err).problems(
                type(self).__name__, order=list(kwargs))) from None
        if problems:
            raise ArgumentError(problems)

    # pydantic calls a custom __init__ from model_validate too; this one only adds positional
    # arguments and cnncalc's errors, so the loader's model_validate keeps pydantic's fast path
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        """pydantic's hash of a frozen model (its field values), kept per layer object: the
        analysis's memos hash the same few layers three times per row."""
        known = _HASHES.get(id(self))
        if known is not None and known[0] is self:
            return known[1]
        value = hash(tuple([self.__dict__.get(name) for name in type(self).model_fields]))
        if len(_HASHES) >= 100_000:
            _HASHES.clear()
        _HASHES[id(self)] = (self, value)   # held, so that its id is not another's
        return value

    @model_validator(mode="before")
    @classmethod
    def _lists_to_tuples(cls, data: Any) -> Any:
        # YAML and JSON give lists where PyTorch takes tuples; strict mode would refuse them.
        if isinstance(data, dict):
            return {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return data

    # -- the formulas; shapes include the batch dimension -------------------------------------

    def check_input(self, *shapes: Shape) -> None:
        """Reject inputs of the wrong number of dimensions, before any formula runs."""
        if self.ranks is None:
            for shape in shapes:
                if len(shape) < 2:
                    raise LayerError(f"{type(self).__name__} needs an input with at least one"
                                     " dimension besides the batch", got=describe_shape(shape))
            return
        for shape in shapes:
            if len(shape) not in self.ranks:
                forms = " or ".join(RANK_FORMS.get(r, f"{r - 1} dims") for r in self.ranks)
                raise LayerError(f"{type(self).__name__} takes a {forms} input (batch excluded)"
                                 + self._sibling_hint(len(shape)),
                                 expected=f"{' or '.join(str(r - 1) for r in self.ranks)} dims",
                                 got=f"{len(shape) - 1}: {show(list(shape[1:]))}")

    def _sibling_hint(self, rank: int) -> str:
        """``; for [C, L] data use Conv1d`` when a sibling type fits the input."""
        name = type(self).__name__
        match = re.fullmatch(r"(.+)([123])d", name)
        if not match or rank < 3:
            return ""
        sibling = f"{match.group(1)}{rank - 2}d"
        if sibling == name or sibling not in REGISTRY:
            return ""
        return f"; for {RANK_FORMS[rank]} data use {sibling}"

    def resolve(self, *shapes: Shape) -> "Layer":
        """This layer with the arguments inferred from the input filled in."""
        return self

    def compute_output_shape(self, *shapes: Shape) -> Shape:
        """The output shape, batch included. Shape-preserving by default."""
        return shapes[0]

    def source_shape(self, batch: int) -> Shape:
        """The output shape of a source (``arity == (0, 0)``: ``Parameter``), which has no
        input to take it from; ``batch`` is the analysis's batch."""
        raise NotImplementedError(f"{type(self).__name__} takes inputs")

    def count_params(self, *shapes: Shape) -> int:
        """``sum(p.numel() for p in module.parameters())`` of the torch twin."""
        return 0

    def count_buffers(self, *shapes: Shape) -> int:
        """``sum(b.numel() for b in module.buffers())`` of the torch twin."""
        return 0


    # -- helpers for subclasses ---------------------------------------------------------------

    def _infer(self, field: str, actual: int, source: str) -> "Layer":
        given = getattr(self, field)
        if given is None:
            return self.model_copy(update={field: actual})
        if given != actual:
            raise LayerError(f"{field} disagrees with the incoming shape ({source})",
                             expected=f"{field}={actual}", got=f"{field}={given}", field=field)
        return self


def ntuple(value: Any, n: int) -> tuple:
    """``value`` repeated ``n`` times, or the tuple itself (validated to length ``n`` before)."""
    return value if isinstance(value, tuple) else (value,) * n


def check_length(name: str, value: Any, n: int) -> None:
    """A per-dimension argument of an ``n``-dimensional layer has ``n`` entries."""
    if isinstance(value, tuple) and len(value) != n:
        per = "one per spatial dimension" if n > 1 else "one spatial dimension"
        raise LayerError(f"{name} takes one int or a list of {n} ({per})",
                         expected=f"an int or {n} values", got=f"{len(value)}: {show(value)}",
                         field=name)


def numel(shape: Shape) -> int:
    return prod(shape)


def check_dim(dim: int, rank: int, field: str = "dim") -> int:
    """A PyTorch dimension index (negative counts from the end) made non-negative."""
    if not -rank <= dim < rank:
        raise LayerError(f"{field} is out of range for a {rank}-dimensional input"
                         " (batch included)", expected=f"{-rank} ≤ {field} ≤ {rank - 1}",
                         got=dim, field=field)
    return dim % rank
