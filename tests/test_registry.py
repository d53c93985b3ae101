"""The layer registry's static index and the rule tables keyed by class name.

A family module is imported when one of its types is first looked up, so the index of types by
family (``FAMILIES``) must say exactly what the modules define, and every rule table must name
classes that exist (a misspelt name would silently never match).
"""

import inspect
import json
import subprocess
import sys
from importlib import import_module

import pytest
from hypothesis import given, settings, strategies as st

from cnncalc import counting, memory, receptive
from cnncalc.layers import FAMILIES, REGISTRY, Layer
from cnncalc.teach.explainers import EXPLAINERS
from strategies import draw_case


def _classes_by_family() -> dict[str, list[type]]:
    out = {}
    for family in FAMILIES:
        module = import_module(f"cnncalc.layers.{family}")
        out[family] = [c for c in vars(module).values() if inspect.isclass(c)
                       and issubclass(c, Layer) and c.__module__ == module.__name__]
    return out


def test_the_index_lists_each_family_s_types_in_order():
    found = {family: tuple(c.__name__ for c in classes if c in REGISTRY.values())
             for family, classes in _classes_by_family().items()}
    assert found == FAMILIES
    assert sorted(REGISTRY) == sorted(name for names in FAMILIES.values() for name in names)


def test_class_names_are_unique_across_families():
    names = [c.__name__ for classes in _classes_by_family().values() for c in classes]
    assert len(names) == len(set(names))


TABLES = {**{f"convention {n}": counting.convention(n).table for n in counting.NAMES},
          "memory": memory.RULES, "receptive": receptive.RULES, "routes": receptive.ROUTES,
          "explainers": EXPLAINERS}


@pytest.mark.parametrize("table", TABLES, ids=str)
def test_every_rule_names_a_layer_class(table):
    known = {"Layer"} | {c.__name__ for classes in _classes_by_family().values()
                         for c in classes}
    assert set(TABLES[table]) - known == set()


def test_a_lookup_imports_only_its_family():
    code = ("import sys, json, cnncalc\n"
            "cnncalc.analyze(cnncalc.load('lenet5')).table()\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('cnncalc.layers.'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # the zoo's lenet5: Conv2d, Tanh, AvgPool2d, Flatten, Linear
    assert json.loads(out.stdout) == ["cnncalc.layers.activation", "cnncalc.layers.base",
                                      "cnncalc.layers.conv", "cnncalc.layers.linear",
                                      "cnncalc.layers.pool", "cnncalc.layers.reshape"]


def test_a_type_is_registered_once():
    with pytest.raises(TypeError, match="registered twice"):
        type("Conv2d", (Layer,), {"__module__": "elsewhere"})


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_equal_layers_hash_alike_and_a_kept_hash_is_the_fields_hash(data):
    """The analysis's memos key on layers; Layer keeps each object's hash. Two layers built
    from the same arguments are equal and hash alike, hashed first or second, and the kept
    hash is the hash of the field values (pydantic's own for frozen models)."""
    type_name, case = draw_case(data, sorted(REGISTRY), valid=True)
    cls = REGISTRY[type_name]
    args = {k: v for k, v in {**case.args, **case.inferred}.items() if k in cls.model_fields}
    first, second = cls.model_validate(args), cls.model_validate(args)
    assert first == second and first is not second
    assert hash(first) == hash(second) == hash(first)
    values = tuple(first.__dict__[name] for name in cls.model_fields)
    assert hash(first) == hash(values)
    other = cls.model_validate(args)
    assert {first: 1}[other] == 1   # a memo hit for an equal layer it has not seen
