"""The JSON Schema of the network file, derived from the layer classes (never listed by hand).

Editors use it for completion and checking (``# yaml-language-server: $schema=...``); cnncalc
itself validates with the same models, with better messages.
"""

from __future__ import annotations

from typing import Any

from cnncalc.layers import REGISTRY
from cnncalc.spec import CALLS, SHARE_KEYS

REFERENCE = {"type": "string", "pattern": r"^\$[A-Za-z_][A-Za-z0-9_]*$",
             "description": "a block argument (or an argument of the file), substituted where "
                            "the block is used"}
EXPRESSION = {"type": "string", "pattern": r"\$[A-Za-z_]",
              "description": "a computed argument: arithmetic over $names (+ - * / // % **, "
                             "comparisons, make_divisible, min, max, round, ceil, floor, int), "
                             "e.g. make_divisible($c * $width_mult, 8)"}
COMPUTED = {"anyOf": [REFERENCE, EXPRESSION]}
FILE_ARGS = {"type": "object", "propertyNames": {"pattern": r"^[A-Za-z_][A-Za-z0-9_]*$"},
             "description": "the file's own arguments and their defaults (null: required), "
                            "set by --set NAME=VALUE or load(path, args=...); $name refers to "
                            "one anywhere in the file"}
NAME = {"type": "string", "pattern": r"^[^.]+$"}
RESERVED = {
    "name": {**NAME, "description": "unique in its scope; default: type and a counter"},
    "from": {"anyOf": [NAME, {"type": "array", "items": NAME, "minItems": 1}, REFERENCE],
             "description": "earlier entries (or `input`) feeding this one; default: previous"},
    "repeat": {"anyOf": [{"type": "integer", "minimum": 1}, COMPUTED],
               "description": "the entry applied N times in sequence"},
    "trainable": {"anyOf": [{"type": "boolean"}, REFERENCE],
                  "description": "false freezes the layer's parameters"},
    "if": {"anyOf": [{"type": "boolean"}, COMPUTED],
           "description": "false leaves the entry out"},
    "call": {"anyOf": [{"enum": list(CALLS)}, REFERENCE],
             "description": "how the original PyTorch code calls the layer: module (the "
                            "default, an nn.Module), functional (a torch.nn.functional call "
                            "such as F.relu(x)) or method (a tensor method or operator such as "
                            "x.mean([2, 3]) or x + y); only the peer tools' counting "
                            "conventions depend on it"},
}


#: ``- {share: mlp, from: max, name: mlp_max}``: an earlier layer or block instance of the same
#: scope applied again with the same module (weights and arguments); only these keys
SHARED = {
    "type": "object", "required": ["share"], "additionalProperties": False,
    "properties": {"share": {"anyOf": [NAME, REFERENCE],
                             "description": "an earlier layer or block instance of this scope, "
                                            "applied again with the same weights: its "
                                            "parameters and buffers are counted once, its "
                                            "operations at every call"},
                   **{key: RESERVED[key] for key in SHARE_KEYS if key != "share"}},
    "description": "a shared entry: the same module called again (torch's self.mlp(a), "
                   "self.mlp(b)); it sets no arguments of its own",
}


def layer_args_schema(type_name: str) -> dict[str, Any]:
    """The arguments of one layer type: its model's schema, reserved keys, ``$references``."""
    schema = REGISTRY[type_name].model_json_schema()
    properties = {key: {"anyOf": [_items_computed(value), COMPUTED]} for key, value in
                  schema.get("properties", {}).items()}
    properties.update(RESERVED)
    return {"type": "object", "title": type_name, "description": schema.get("description", ""),
            "properties": properties, "required": schema.get("required", []),
            "additionalProperties": False}


def _items_computed(schema: Any) -> Any:
    """``schema`` with every list item also taking a ``$reference`` or an expression
    (``shape: [$dim, 1, 1]``, ``kernel_size: [$k, 1]``), as the loader substitutes them."""
    if isinstance(schema, list):
        return [_items_computed(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: _items_computed(value) for key, value in schema.items()}
    if isinstance(out.get("items"), dict):
        out["items"] = {"anyOf": [out["items"], COMPUTED]}
    if isinstance(out.get("prefixItems"), list):
        out["prefixItems"] = [{"anyOf": [item, COMPUTED]} for item in out["prefixItems"]]
    return out


def json_schema() -> dict[str, Any]:
    """The whole network-file schema (draft 2020-12)."""
    defs = {name: layer_args_schema(name) for name in sorted(REGISTRY)}
    entry = {"anyOf": [
        {"type": "string", "description": "a layer type or block name without arguments"},
        *({"type": "object", "properties": {name: {"anyOf": [{"type": "null"},
                                                             {"$ref": f"#/$defs/{name}"}]}},
           "required": [name], "additionalProperties": False} for name in defs),
        {"type": "object", "minProperties": 1, "maxProperties": 1,
         "propertyNames": {"not": {"enum": sorted(defs)}},
         "description": "a block of this file (or a $argument), with its arguments"},
        SHARED,
    ]}
    layers = {"type": "array", "items": entry, "minItems": 1}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "cnncalc network file",
        "type": "object",
        "required": ["input", "layers"],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string"},
            "args": FILE_ARGS,
            "input": {"type": "array", "items": {"anyOf": [{"type": "integer", "minimum": 1},
                                                           COMPUTED]},
                      "minItems": 1, "maxItems": 4,
                      "description": "one sample's shape, channels first, batch excluded"},
            "blocks": {"type": "object", "additionalProperties": {
                "type": "object", "required": ["layers"], "additionalProperties": False,
                "properties": {"args": {"type": "object"}, "layers": layers}}},
            "layers": layers,
            "outputs": {"anyOf": [{"type": "string", "minLength": 1},
                                  {"type": "array", "items": {"type": "string", "minLength": 1},
                                   "minItems": 1, "uniqueItems": True}],
                        "description": "the network's outputs, in order: names of its layers "
                                       "or block instances (a block instance stands for its "
                                       "output layer), resolved as `from` resolves names; "
                                       "default: the last layer. With several, the torch twin "
                                       "returns a tuple of them"},
        },
        "$defs": defs,
    }
