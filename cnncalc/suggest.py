"""Suggestions that fit: what an unknown layer type, an unknown argument or a missing file most
likely meant.

- A type close to several siblings (``MaxPool`` → ``MaxPool1d/2d/3d``) gets the one that takes
  the incoming shape (``MaxPool2d`` after a ``[C, H, W]`` layer).
- Keras's names (``Dense``, ``MaxPooling2D``, ``filters``, ``activation: relu``) get PyTorch's,
  from the table of :mod:`cnncalc.keras_names`.
- A missing file gets the files of its folder with a near name (``mnist.yml`` →
  ``mnist.yaml``).

Every function returns the text that follows the message (``; did you mean 'Conv2d'?``), or
nothing when it has no suggestion.
"""

from __future__ import annotations

import os
import re
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from cnncalc.errors import LayerError, did_you_mean
from cnncalc.keras_names import ACTIVATIONS, ARGUMENTS, LAYERS

CUTOFF = 0.6       # as difflib.get_close_matches and errors.did_you_mean
COMMON_RANK = 4    # [N, C, H, W]: the guess when the incoming rank is unknown
NETWORK_SUFFIXES = (".yaml", ".yml", ".json")
MAX_LISTED = 2_000  # a folder's entries looked at for a near file name
NEAR = 0.8          # how close a file's name must be (difflib's ratio)


# -- layer types -------------------------------------------------------------------------------

def type_hint(word: Any, known: Iterable[str], *, rank: int | None = None,
              args: Any = None) -> str:
    """The hint for an unknown layer type ``word``; ``rank`` is the incoming shape's number of
    dims, batch included, when known; ``args`` the entry's arguments.

    >>> type_hint("MaxPool", ["MaxPool1d", "MaxPool2d", "MaxPool3d"], rank=4)
    "; did you mean 'MaxPool2d'?"
    >>> type_hint("Dense", ["Linear"])
    "; Dense is Keras's name: in PyTorch it is 'Linear' (units → out_features)"
    """
    if not isinstance(word, str) or len(word) > 100:
        return ""
    options = tuple(o for o in known if isinstance(o, str))
    by_case = {o.lower(): o for o in options}
    if word.lower() in by_case:
        return did_you_mean(word, options)
    keras = keras_type_hint(word, rank=rank, args=args)
    if keras:
        return keras
    match = closest_type(word, options, rank)
    return f"; did you mean {match!r}?" if match else ""


def closest_type(word: str, options: Sequence[str], rank: int | None = None) -> str | None:
    """The closest of ``options`` (as :func:`difflib.get_close_matches` ranks them); among
    equally close ones, a layer type that takes inputs of ``rank`` dims (batch included).

    >>> closest_type("Conv", ["Conv1d", "Conv2d", "Conv3d"], rank=3)
    'Conv1d'
    >>> closest_type("Conv2", ["Conv1d", "Conv2d", "Conv3d"], rank=5)  # the digit written wins
    'Conv2d'
    """
    from cnncalc.layers import REGISTRY

    scores = {o: SequenceMatcher(None, o, word).ratio() for o in options if o != word}
    if not scores or max(scores.values()) < CUTOFF:
        return None
    best = max(scores.values())
    tied = [o for o, score in scores.items() if score == best]
    wanted = rank if rank is not None else COMMON_RANK
    fitting = [o for o in tied if o in REGISTRY and REGISTRY[o].ranks is not None
               and wanted in REGISTRY[o].ranks]
    return max(fitting or tied)  # difflib's own tie-break: the greatest name


def spatial_dims(rank: int | None) -> int:
    """``n`` of a ``...{n}d`` type for inputs of ``rank`` dims, batch included (1 to 3).

    >>> [spatial_dims(r) for r in (2, 3, 4, 5, None)]
    [1, 1, 2, 3, 2]
    """
    rank = COMMON_RANK if rank is None else rank
    return min(max(rank - 2, 1), 3)


def keras_types(word: str, rank: int | None = None, args: Any = None) -> tuple[str, ...] | None:
    """The PyTorch types a Keras type name stands for (``{n}`` filled in), or None.

    >>> keras_types("BatchNormalization", rank=3), keras_types("Nope")
    (('BatchNorm1d',), None)
    """
    advice = _keras_layer(word)
    if advice is None:
        return None
    types = tuple(t.format(n=spatial_dims(rank)) for t in advice.types)
    if word.lower() == "activation":
        types = (_activation(args.get("activation") if isinstance(args, Mapping) else args)
                 or types[0],)
    return types


def keras_type_hint(word: Any, *, rank: int | None = None, args: Any = None) -> str:
    """``; Dense is Keras's name: in PyTorch it is 'Linear' …``, or nothing."""
    if not isinstance(word, str):
        return ""
    advice = _keras_layer(word)
    types = keras_types(word, rank, args)
    if advice is None or types is None:
        return ""
    name = _NAMES_BY_LOWER[word.lower()]
    return f"; {name} is Keras's name: in PyTorch {advice.how.format(*types)}"


def _keras_layer(word: str):
    return LAYERS.get(_NAMES_BY_LOWER.get(word.lower(), ""))


_NAMES_BY_LOWER = {name.lower(): name for name in LAYERS}  # dense → Dense


def _activation(value: Any) -> str | None:
    """``ReLU`` for Keras's ``'relu'``."""
    if not isinstance(value, str):
        return None
    return ACTIVATIONS.get(value.strip().lower())


# -- arguments ---------------------------------------------------------------------------------

def argument_hint(key: Any, fields: Iterable[str], value: Any = None) -> tuple[str, str | None]:
    """The hint for an unknown argument ``key`` of a layer with ``fields``, and the field it
    suggests (so that the missing-argument message for that field can be left out).

    >>> argument_hint("filters", ["out_channels", "kernel_size"])
    ("; Keras's 'filters' is 'out_channels' in PyTorch", 'out_channels')
    >>> argument_hint("kernal_size", ["out_channels", "kernel_size"])
    ("; did you mean 'kernel_size'?", 'kernel_size')
    >>> argument_hint("activation", ["out_channels"], "relu")[0]
    "; PyTorch layers take no activation argument: add '- ReLU' after this layer"
    """
    fields = [f for f in fields if isinstance(f, str)]
    typo = did_you_mean(key, fields)
    suggested = _suggested(typo)
    advice = ARGUMENTS.get(key) if isinstance(key, str) else None
    if advice is None or (advice.torch is not None and advice.torch not in fields) \
            or (suggested is not None and suggested == advice.torch):
        return typo, suggested
    if advice.torch is None:
        if key == "activation":
            if value is None or isinstance(value, str) and value.strip().lower() == "linear":
                return ("; PyTorch layers take no activation argument, and a linear "
                        "activation is none: drop it", None)
            return "; " + advice.note.format(_activation(value) or "ReLU"), None
        return "; " + advice.note, None
    note = f", {advice.note}" if advice.note else ""
    return f"; Keras's {key!r} is {advice.torch!r} in PyTorch{note}", advice.torch


def _suggested(hint: str) -> str | None:
    found = re.fullmatch(r"; did you mean '(.*)'\?", hint)
    return found.group(1) if found else None


# -- the incoming shape, for a type's hint -----------------------------------------------------

class IncomingShapes:
    """The output shapes of the layers built so far, worked out only when a hint needs one (an
    unknown type: which of ``Conv1d/2d/3d`` takes what comes in).

    ``nodes`` are the graph builder's nodes (``name``, ``inputs``, ``layer``), appended to
    between calls; each is worked out once. A layer that fails leaves its users unknown.
    """

    def __init__(self, sample: Sequence[int], input_name: str = "input") -> None:
        self.sample = tuple(sample)
        self.shapes: dict[str, tuple[int, ...]] = \
            {input_name: (1, *self.sample)} if self.sample else {}
        self.done = 0

    def rank(self, nodes: Sequence[Any], inputs: Sequence[str] | None) -> int | None:
        """The number of dims (batch included) of the first of ``inputs``, or else of the
        network's input (a reasonable guess), or None."""
        for node in nodes[self.done:]:
            self.done += 1
            if not all(name in self.shapes for name in node.inputs):
                continue
            shapes = tuple(self.shapes[name] for name in node.inputs)
            try:
                node.layer.check_input(*shapes)
                self.shapes[node.name] = tuple(
                    node.layer.resolve(*shapes).compute_output_shape(*shapes) if shapes
                    else node.layer.source_shape(1))
            except (LayerError, ArithmeticError, TypeError, ValueError,
                    NotImplementedError):
                continue
        if inputs and inputs[0] in self.shapes:
            return len(self.shapes[inputs[0]])
        return len(self.sample) + 1 if self.sample else None


# -- files -------------------------------------------------------------------------------------

def near_files(path: str | os.PathLike) -> list[str]:
    """Network files in ``path``'s folder whose names are close to its name, closest first,
    written as the user would type them (``examples/resnet18.yaml``): the closest ones only
    (at most three equally close).

    ``mnist.yml`` finds ``mnist.yaml`` (another suffix), ``restnet18.yaml`` finds
    ``resnet18.yaml`` (a typo). Only the first entries of a huge folder are looked at.
    """
    path = Path(path)
    folder = path.parent
    try:
        with os.scandir(folder) as entries:
            names = []
            for i, entry in enumerate(entries):
                if i >= MAX_LISTED:
                    break
                if entry.name.endswith(NETWORK_SUFFIXES) and entry.name != path.name \
                        and entry.is_file():
                    names.append(entry.name)
    except (OSError, ValueError):
        return []
    stem = path.stem if path.suffix in NETWORK_SUFFIXES else path.name
    scores = {}
    for name in names:
        other = Path(name).stem
        scores[name] = 1.0 if other == stem else max(
            SequenceMatcher(None, name, path.name).ratio(),
            SequenceMatcher(None, other, stem).ratio())
    best = max(scores.values(), default=0.0)
    if best < NEAR:
        return []
    return [name if str(folder) == "." else str(folder / name)
            for name in sorted(n for n, score in scores.items() if score == best)[:3]]


def near_file_hint(path: str | os.PathLike) -> str:
    """``; did you mean 'mnist.yaml'?`` for the near files of :func:`near_files`, or nothing."""
    found = near_files(path)
    if not found:
        return ""
    return "; did you mean " + " or ".join(repr(name) for name in found) + "?"
