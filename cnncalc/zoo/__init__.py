"""The model zoo: well-known networks as network files shipped inside the package.

Each ``NAME.yaml`` here starts with a header line the zoo reads without parsing the network::

    # zoo: input=3x224x224 source=torchvision/models/mobilenetv2.py

>>> "mobilenet_v2" in names()
True
>>> info("mobilenet_v2").input
(3, 224, 224)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from cnncalc.errors import UsageError, did_you_mean

ZOO_DIR = Path(__file__).parent
_HEADER = re.compile(r"#\s*zoo:(?P<fields>.*)")


@dataclass(frozen=True)
class ZooInfo:
    """What a zoo file's header line says: its input shape and where the network comes from."""

    name: str
    input: tuple[int, ...]
    source: str
    path: Path


def names() -> list[str]:
    """The zoo's network names, sorted."""
    return sorted(p.stem for p in ZOO_DIR.glob("*.yaml"))


def path(name: str) -> Path:
    """The file of the zoo network ``name``; an unknown name is a UsageError (did you mean)."""
    known = names()
    if name not in known:
        raise UsageError(f"unknown zoo network {name!r}" + did_you_mean(name, known)
                         + " (`cnncalc zoo` lists them)")
    return ZOO_DIR / f"{name}.yaml"


def info(name: str) -> ZooInfo:
    """The header line of the zoo network ``name``, parsed."""
    file = path(name)
    with file.open(encoding="utf-8") as stream:
        first = stream.readline()
    match = _HEADER.match(first)
    fields = dict(part.split("=", 1) for part in match["fields"].split() if "=" in part) \
        if match else {}
    if "input" not in fields:
        raise UsageError(f"{file}:1: the zoo header line is missing or has no input= "
                         "(expected '# zoo: input=3x224x224 source=...')")
    return ZooInfo(name, tuple(int(n) for n in fields["input"].split("x")),
                   fields.get("source", ""), file)


def load(name: str, args=None):
    """The zoo network ``name`` as a :class:`cnncalc.Network`; ``args`` sets the file's
    arguments (``load("mobilenet_v2", args={"width_mult": 0.5})``)."""
    from cnncalc import load as load_file

    return load_file(path(name), args=args) if args else load_file(path(name))
