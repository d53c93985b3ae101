"""The project's own install story: the CI's lowest-versions run pins exactly pyproject's
lower bounds (a requirement pinned with ``==`` in pyproject, like the peer tools the tests run,
needs no second pin there), and the README starts with the two set-up commands that CI runs."""

from __future__ import annotations

import re
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def requirements() -> list[Requirement]:
    """Runtime and test requirements, read from pyproject.toml's dependency lists."""
    blocks = re.findall(r'^(?:dependencies|test) = \[(.*?)^\]', PYPROJECT, re.M | re.S)
    return [Requirement(text) for block in blocks for text in re.findall(r'"([^"]+)"', block)]


def lowest(requirement: Requirement) -> Version:
    (bound,) = [spec.version for spec in requirement.specifier if spec.operator == ">="]
    return Version(bound)


def exact(requirement: Requirement) -> Version | None:
    """The version of an ``==`` pin, the requirement's only specifier; None without one."""
    pinned = [spec.version for spec in requirement.specifier if spec.operator == "=="]
    if not pinned:
        return None
    assert len(requirement.specifier) == 1, f"{requirement}: an == pin with other specifiers"
    return Version(pinned[0])


def pins() -> dict[str, Version]:
    lines = (ROOT / ".ci" / "lowest.txt").read_text(encoding="utf-8").splitlines()
    found = {}
    for line in lines:
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            found[name.lower()] = Version(version)
    return found


def test_every_requirement_has_a_lower_bound_and_the_ci_pins_it():
    pinned = pins()
    for requirement in requirements():
        name = requirement.name.lower()
        if name == "torch":  # only its CPU build 2.13.0 is at hand (see .ci/lowest.txt)
            assert name not in pinned
            continue
        if exact(requirement) is not None:  # pinned in pyproject already: one pin, no drift
            assert name not in pinned, f"{requirement} is pinned twice"
            continue
        assert pinned.get(name) == lowest(requirement), requirement
    assert set(pinned) <= {r.name.lower() for r in requirements()}


def test_the_exactly_pinned_requirements_are_the_peer_tools():
    exactly = {r.name.lower(): exact(r) for r in requirements() if exact(r) is not None}
    assert exactly == {"torchinfo": Version("1.8.0"), "fvcore": Version("0.1.5.post20221221"),
                       "ptflops": Version("0.7.5"), "thop": Version("0.1.1.post2209072238")}


def test_the_readme_starts_with_the_two_commands_that_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```\n(.*?)\n```", readme, re.M | re.S)
    install, test = blocks[0], blocks[1]
    assert install == "pip install -e . && cnncalc summary examples/vgg16.yaml"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert f"\n    {test}\n" in ci
