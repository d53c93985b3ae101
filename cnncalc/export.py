"""``cnncalc export``: a network as readable PyTorch source, which needs no cnncalc to run.

The source has one ``nn.Module`` class per block type of the file (its block arguments that its
layers take, and the input's ``in_channels`` where a layer needs it, are the constructor's
parameters; one that only ``repeat:`` or ``if:`` used is not, the class's structure being
fixed) and one class for the network, whose ``forward`` does the wiring: ``from``, the merges
(``a + b``, ``a * b``, ``torch.cat([a, b], 1)``) and the layers' ``call:`` forms (``F.relu(x)``,
``x.flatten(1)``, ``x.mean([2, 3], keepdim=True)``). Arguments at their torch defaults are left
out, as people write them; ``nn.MultiheadAttention`` is called as torchvision calls it,
``x, _ = self.attn(x, x, x, need_weights=False)``.

The source is generated from the analysed network (every argument resolved, ``$names``,
expressions and ``if:`` worked out), so its numbers are cnncalc's by construction. Where the
instances of one block type differ in structure (an ``if:`` that switches a layer off in some),
each structure is a class of its own (``InvertedResidual``, ``InvertedResidual2``); a layer
argument that is neither the same in every instance, nor one of the block's arguments, nor the
input's channels, becomes a constructor parameter of its own (``conv2d_1_kernel_size``).

Building the source needs torch (the functional forms are checked against ``torch.nn.functional``
signatures); the command imports it lazily.
"""

from __future__ import annotations

import inspect
import keyword
import re
from dataclasses import dataclass, field
from typing import Any

from cnncalc.analysis import BlockRow, Report, Row, analyze
from cnncalc.spec import INPUT, Network

#: layer types written inline in ``forward`` (no module): how, given the inputs' names
_NN_RESERVED = {"forward", "training", "modules", "parameters", "buffers", "children", "train",
                "eval", "cuda", "cpu", "to", "type", "float", "double", "half", "apply",
                "state_dict", "zero_grad", "register_buffer", "add_module", "extra_repr"}


#: torch.nn classes that torch.onnx.export cannot write (``aten::channel_shuffle``), written
#: out as a class of the same name and arguments that does the same with what it can
_WRITTEN_OUT = {"ChannelShuffle": '''class ChannelShuffle(nn.Module):
    """nn.ChannelShuffle written out as torchvision does, which ONNX can export."""

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, x):
        n, c, *rest = x.shape
        x = x.view(n, self.groups, -1, *rest).transpose(1, 2)
        return x.reshape(n, c, *rest)'''}


# -- the tree of the network: blocks and leaves ------------------------------------------------

@dataclass
class _Leaf:
    local: str
    row: Row


@dataclass
class _Inst:
    """A block instance (or the network itself, ``block`` None)."""

    local: str
    block: BlockRow | None
    children: list = field(default_factory=list)   # _Leaf | _Inst, in execution order
    in_shape: tuple | None = None

    @property
    def output(self) -> str:
        return self.block.output

    @property
    def inputs(self) -> tuple[str, ...]:
        return self.block.inputs


def _tree(report: Report) -> _Inst:
    root = _Inst("", None)
    by_name: dict[str, _Inst] = {}
    shapes = {INPUT: report.inputs[INPUT]}
    for row in report.layers:
        shapes[row.name] = row.output_shape
    for block in report.blocks:
        by_name[block.name] = _Inst(block.name.rsplit(".", 1)[-1], block)
    placed: set[str] = set()
    for row in report.layers:
        parent = root
        for scope in row.scope:
            inst = by_name[scope]
            if scope not in placed:
                placed.add(scope)
                if len(inst.block.inputs) != 1:
                    raise ValueError(f"block instance {scope!r} takes several inputs")
                inst.in_shape = shapes[inst.block.inputs[0]]
                parent.children.append(inst)
            parent = inst
        parent.children.append(_Leaf(row.name[len(row.scope[-1]) + 1:] if row.scope
                                     else row.name, row))
    return root


def _signature(inst: _Inst, classes: dict) -> tuple:
    """What must be equal for two instances to share a class: the children's kinds and
    wiring (their arguments may differ)."""
    items = []
    local_of = _locals(inst)
    for child in inst.children:
        if isinstance(child, _Leaf):
            items.append(("leaf", child.local, child.row.type, child.row.call,
                          tuple(local_of(i) for i in child.row.inputs), child.row.trainable,
                          _shared_local(child)))
        elif child.block.shares is not None:   # the same module called again
            items.append(("shared", child.local, _shared_local(child),
                          tuple(local_of(i) for i in child.inputs)))
        else:
            items.append(("block", child.local, classes[id(child)],
                          tuple(local_of(i) for i in child.inputs)))
    return tuple(items), local_of(inst.output) if inst.block else None


def _shared_local(child) -> str | None:
    """The local name of the sibling whose module a shared leaf or block instance calls again
    (``share:`` names an entry of the same scope), or None."""
    shares = child.row.shares if isinstance(child, _Leaf) else child.block.shares
    return None if shares is None else shares.rsplit(".", 1)[-1]


def _locals(inst: _Inst):
    """Full value name -> the name of the child of ``inst`` that produces it (or input)."""
    producer: dict[str, str] = {}
    for child in inst.children:
        if isinstance(child, _Leaf):
            producer[child.row.name] = child.local
        else:
            producer[child.output] = child.local
    outer = inst.block.inputs[0] if inst.block else INPUT

    def local_of(name: str) -> str:
        if name in producer:
            return producer[name]
        if name == outer or name == INPUT:
            return INPUT
        raise ValueError(f"{name!r} is not reachable inside {inst.local or 'the network'}")
    return local_of


# -- layer arguments -----------------------------------------------------------------------------

def _fields(row: Row) -> dict[str, Any]:
    """The layer's constructor arguments as its twin takes them (defaults left out)."""
    layer = row.layer
    return layer.model_dump(exclude_defaults=True)


def _literal(value: Any) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(_literal(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def _required(cls, name: str) -> bool:
    """Whether torch takes ``name`` without a default (so it is written by position)."""
    info = cls.model_fields[name]
    return info.is_required() or info.default is None


def _identifier(name: str, taken: set[str] | None = None) -> str:
    text = re.sub(r"\W", "_", name)
    if not text or text[0].isdigit():
        text = "layer_" + text
    if keyword.iskeyword(text) or text in _NN_RESERVED or text in {"torch", "nn", "F", "self",
                                                                    "x", "super"}:
        text += "_"
    if taken is not None:
        base, n = text, 2
        while text in taken:
            text, n = f"{base}_{n}", n + 1
        taken.add(text)
    return text


def _class_name(name: str) -> str:
    parts = re.split(r"[^0-9A-Za-z]+", name)
    text = "".join(p[:1].upper() + p[1:] for p in parts if p)
    if not text or text[0].isdigit():
        text = "Net" + text
    return text


class _First(str):
    """A call whose result is a tuple, its first item the layer's output: assigned as
    ``x, _ = call`` (``nn.MultiheadAttention``'s ``(output, weights)``, as torchvision
    unpacks it)."""


def _module_call(kind: str, attr: str, args: list[str]) -> str:
    """``self.conv(x)``; ``nn.MultiheadAttention`` as torchvision's ViT calls it,
    ``self.attn(q, k, v, need_weights=False)``: one input is query, key and value (``x, x,
    x``), two are the query and the memory that is key and value (``q, m, m``)."""
    if kind == "MultiheadAttention":
        from cnncalc.layers import REGISTRY

        operands = ", ".join(REGISTRY[kind].operands(*args))
        return _First(f"self.{attr}({operands}, need_weights=False)")
    return f"self.{attr}({', '.join(args)})"


# -- code generation -----------------------------------------------------------------------------

class _Writer:
    def __init__(self, report: Report, network: Network) -> None:
        import torch.nn.functional as F  # noqa: N812

        self.F = F
        self.report = report
        self.network = network
        self.classes: dict[int, str] = {}      # id(_Inst) -> class name
        self.params: dict[str, list] = {}      # class name -> its parameters
        self.sources: list[str] = []
        self.helpers: dict[str, str] = {}      # twin classes copied in
        self.uses_functional = False
        self.taken_classes: set[str] = set()
        self.arg_names: dict[tuple[str, str], str] = {}   # (block type, arg) -> parameter

    # -- which class each instance is ------------------------------------------------------------

    def assign(self, root: _Inst) -> None:
        groups: dict[tuple, list[_Inst]] = {}
        order: list[tuple] = []

        def visit(inst: _Inst) -> None:
            for child in inst.children:
                if isinstance(child, _Inst) and child.block.shares is None:
                    visit(child)   # a shared instance calls its first instance's module
            if inst.block is None:
                return
            key = (inst.block.type, _signature(inst, self.classes))
            if key not in groups:
                groups[key] = []
                order.append(key)
                name = _class_name(inst.block.type)
                if name in self.taken_classes or name in self._reserved_classes():
                    n = 2
                    while f"{name}{n}" in self.taken_classes:
                        n += 1
                    name = f"{name}{n}"
                self.taken_classes.add(name)
                groups[key].append(name)  # type: ignore[arg-type]
            groups[key].append(inst)
            self.classes[id(inst)] = groups[key][0]
        visit(root)
        self.groups = [(groups[key][0], groups[key][1:]) for key in order]

    def _reserved_classes(self) -> set[str]:
        return {_class_name(self.report.name), "Module", "Tensor", *_WRITTEN_OUT}

    def references(self, block_type: str) -> dict[tuple[str, str], list[str]]:
        """``(layer type, argument) -> [block arguments]`` that the block's definition writes
        there as ``$name``."""
        from cnncalc.expressions import is_reference

        spec = self.network.blocks.get(block_type)
        refs: dict[tuple[str, str], list[str]] = {}
        for entry in spec.layers if spec is not None else ():
            for key, value in dict(entry.args).items():
                if isinstance(value, str) and is_reference(value):
                    refs.setdefault((entry.type, key), []).append(value[1:])
        return refs

    # -- constructor parameters of a block class -------------------------------------------------

    def block_params(self, cls_name: str, instances: list[_Inst]):
        """The class's parameters ``[(name, default or _NONE)]`` and, per instance, its values."""
        first = instances[0]
        spec = self.network.blocks.get(first.block.type)
        declared = dict(spec.args) if spec is not None else {}
        params: list[tuple[str, Any]] = []
        taken: set[str] = set()
        values: list[dict[str, Any]] = [dict() for _ in instances]
        names = {}
        for arg in first.block.args:
            ident = _identifier(arg, taken)
            names[arg] = ident
            self.arg_names[(first.block.type, arg)] = ident
            default = declared.get(arg)
            simple = isinstance(default, (int, float, str, bool, list, tuple)) \
                and not (isinstance(default, str) and "$" in default)
            params.append((ident, default if simple and default is not None else _NONE))
            for value, inst in zip(values, instances):
                value[ident] = inst.block.args.get(arg)
        # in_channels: the input's channels, when a layer needs them
        for value, inst in zip(values, instances):
            value["in_channels"] = inst.in_shape[1] if inst.in_shape and len(inst.in_shape) > 1 \
                else None
        return params, values, taken

    # -- one class ---------------------------------------------------------------------------------

    def write_class(self, cls_name: str, instances: list[_Inst], doc: str) -> None:
        is_net = instances[0].block is None
        if is_net:
            params: list = []
            values: list[dict[str, Any]] = [{}]
            taken: set[str] = set()
        else:
            params, values, taken = self.block_params(cls_name, instances)
        extra: list[str] = []          # parameters found while writing the layers
        needs_in = False

        refs = self.references(instances[0].block.type) if not is_net else {}

        def expression(type_name: str, field_name: str, per_instance: list[Any], local: str,
                       inferred: bool = False, from_input: bool = False) -> str:
            """The source of a value that is ``per_instance[i]`` in instance i: the block
            argument the file writes there (``$out``), the input's channels for an inferred
            argument, a literal when it is the same everywhere, or a parameter of its own."""
            nonlocal needs_in
            first = per_instance[0]
            same = all(v == first and type(v) is type(first) for v in per_instance)

            def matches(name: str) -> bool:
                return all(vals.get(name) == v and type(vals.get(name)) is type(v)
                           for vals, v in zip(values, per_instance))
            if not is_net:
                names = [n for n, _ in params]
                for arg in refs.get((type_name, field_name), ()):
                    ident = self.arg_names.get((instances[0].block.type, arg))
                    if ident in names and matches(ident):
                        return ident
                if inferred:   # the input's channels: say so where the layer takes the input
                    order = ["in_channels", *names] if from_input else [*names, "in_channels"]
                    for name in order:
                        if name == "in_channels" and matches(name) and isinstance(first, int):
                            needs_in = True
                            return name
                        if name != "in_channels" and matches(name):
                            return name
                if not same:
                    for name in names:
                        if matches(name):
                            return name
            if same:
                return _literal(first)
            name = _identifier(f"{local}_{field_name}", taken)
            extra.append(name)
            for vals, v in zip(values, per_instance):
                vals[name] = v
            return name

        attrs: set[str] = set()
        attr_of: dict[str, str] = {}   # each child's module attribute (self.<attr>)
        init_lines: list[str] = []
        forward_lines: list[str] = []
        first = instances[0]
        local_of = _locals(first)
        children_per = [inst.children for inst in instances]
        # value names in forward
        users: dict[str, list[int]] = {}
        for index, child in enumerate(first.children):
            for name in self._inputs(child):
                users.setdefault(local_of(name), []).append(index)
        # the network's outputs (a tuple when the file names several: issue 17's outputs:)
        results = [local_of(first.output)] if first.block else [
            local_of(name) for name in self.report.outputs or (self.report.output,)]
        for result in results:
            users.setdefault(result, []).append(len(first.children))
        var: dict[str, str] = {INPUT: "x"}
        holders = {"x": INPUT, "out": ""}   # which value each chain variable holds
        var_names = {"x", "out"}
        for index, child in enumerate(first.children):
            args = [var[local_of(n)] for n in self._inputs(child)]
            same_kind = [c[index] for c in children_per]
            from_input = INPUT in [local_of(n) for n in self._inputs(child)]
            owner = _shared_local(child)
            if owner is not None and owner in attr_of:   # the same module called again
                call = _module_call(child.row.type if isinstance(child, _Leaf) else "",
                                    attr_of[owner], args)
            elif isinstance(child, _Leaf):
                call = self.leaf(child, same_kind, expression, attrs, init_lines, args,
                                 from_input)
            else:
                call = self.block_call(child, same_kind, expression, attrs, init_lines, args,
                                       from_input)
            if call.startswith("self.") and owner is None:
                attr_of[child.local] = re.match(r"self\.(\w+)", call).group(1)
            uses = users.get(child.local, [])
            chain = [name for name in ("x", "out")
                     if all(u <= index for u in users.get(holders[name], []))]
            if uses == [index + 1] and chain:
                target = chain[0]
                holders[target] = child.local
            else:
                target = _identifier(child.local, var_names)
            var[child.local] = target
            forward_lines.append(f"{target}, _ = {call}" if isinstance(call, _First)
                                 else f"{target} = {call}")
        forward_lines.append("return " + ", ".join(var[result] for result in results))

        # the constructor's signature
        signature = ["self"]
        if needs_in:
            signature.append("in_channels")
        # a block argument no layer takes (one only ``repeat:`` or ``if:`` used, which the
        # class's structure fixes; one at its default in every instance) is left out
        used = {word for line in init_lines for word in re.findall(r"\w+", line)} | {
            word for line in forward_lines for word in re.findall(r"\w+", line)
            if word not in var_names}
        required = [name for name, default in params if default is _NONE and name in used]
        optional = [(name, default) for name, default in params
                    if default is not _NONE and name in used]
        signature += required + extra + [f"{n}={_literal(d)}" for n, d in optional]
        self.params[cls_name] = (["in_channels"] if needs_in else []) + required + extra \
            + [n for n, _ in optional]
        self.param_defaults = getattr(self, "param_defaults", {})
        self.param_defaults[cls_name] = dict(optional)
        self.instance_values = getattr(self, "instance_values", {})
        for inst, vals in zip(instances, values):
            self.instance_values[id(inst)] = vals
        lines = [f"class {cls_name}(nn.Module):"]
        init_lines = [wrapped for line in init_lines for wrapped in _wrap(line, "        ")]
        forward_lines = [wrapped for line in forward_lines
                         for wrapped in _wrap(line, "        ")]
        init_head = _wrap(f"def __init__({', '.join(signature)}):", "    ")
        if doc:
            lines.append(f'    """{doc}"""')
            lines.append("")
        lines += init_head
        lines.append("        super().__init__()")
        lines += init_lines
        lines.append("")
        lines.append("    def forward(self, x):")
        lines += forward_lines
        self.sources.append("\n".join(lines))

    @staticmethod
    def _inputs(child) -> tuple[str, ...]:
        """The values a child takes; a Parameter expanded over the batch reads the batch from
        the input (``x.shape[0]``), so that the input's name is kept until then."""
        if isinstance(child, _Leaf):
            expands = child.row.type == "Parameter" and child.row.layer.expand == "batch"
            return (INPUT,) if expands else child.row.inputs
        return child.inputs

    # -- a leaf layer ------------------------------------------------------------------------------

    def leaf(self, leaf: _Leaf, same_kind: list[_Leaf], expression, attrs, init_lines,
             args: list[str], from_input: bool) -> str:
        from cnncalc.layers import REGISTRY

        row = leaf.row
        kind = row.type
        cls = REGISTRY[kind]
        per = [_fields(c.row) for c in same_kind]
        keys = [k for k in cls.model_fields if any(k in p for p in per)]

        def value(key: str) -> str:
            return expression(kind, key, [p.get(key, _default(cls, key)) for p in per],
                              leaf.local, key in cls.inferred, from_input)

        inline = self.inline(kind, row, args, value)
        if inline is not None:
            return inline
        if kind == "Parameter" and row.call == "method":
            return self.parameter(leaf, value, attrs, init_lines, args)
        if row.call == "functional" and kind not in _WRITTEN_OUT:
            functional = self.functional(kind, cls, keys, args, value, row)
            if functional is not None:
                return functional
        # a module
        from cnncalc.torch.twins import TWINS

        if kind in TWINS:
            constructor = self.helper(kind)
            keys = [k for k in cls.model_fields]   # twins take every field
        elif kind in _WRITTEN_OUT:
            constructor = kind
            self.helpers.setdefault(kind, _WRITTEN_OUT[kind])
        else:
            constructor = f"nn.{kind}"
        positional, keywords, in_order = [], [], True
        for key in keys:
            text = value(key)
            # by position only in the constructor's order: an argument after one left out at
            # its default is a keyword (nn.MultiheadAttention(16, 4, kdim=12, vdim=12))
            if in_order and _required(cls, key) and key not in cls.keyword_only and \
                    cls.positional_args[len(positional):len(positional) + 1] == (key,):
                positional.append(text)
            else:
                in_order = False
                keywords.append(f"{key}={text}")
        attr = _identifier(leaf.local, attrs)
        init_lines.append(f"self.{attr} = {constructor}({', '.join(positional + keywords)})")
        if not row.trainable and row.params:
            init_lines.append(f"self.{attr}.requires_grad_(False)")
        return _module_call(kind, attr, args)

    def parameter(self, leaf: _Leaf, value, attrs, init_lines, args: list[str]) -> str:
        """A ``call: method`` Parameter as torch code holds one, read where it is used:
        ``self.pos_embedding = nn.Parameter(torch.zeros(1, 197, 768))``, ``self.pos_embedding``;
        expanded over the batch as torchvision's ViT does its class token,
        ``self.class_token.expand(x.shape[0], -1, -1)`` (``x``: the input)."""
        shape = value("shape")
        zeros = shape[1:-1].rstrip(",") if shape.startswith("(") else shape
        attr = _identifier(leaf.local, attrs)
        init_lines.append(f"self.{attr} = nn.Parameter(torch.zeros({zeros}))")
        if not leaf.row.trainable:
            init_lines.append(f"self.{attr}.requires_grad_(False)")
        if leaf.row.layer.expand != "batch":
            return f"self.{attr}"
        rest = ", ".join(["-1"] * (len(leaf.row.layer.shape) - 1))
        return f"self.{attr}.expand({args[0]}.shape[0]{', ' + rest if rest else ''})"

    def helper(self, kind: str) -> str:
        """A twin class copied into the source (for a type torch.nn has no class of)."""
        from cnncalc.torch.twins import TWINS

        cls = TWINS[kind]
        if kind not in self.helpers:
            source = inspect.getsource(cls)
            source = "\n".join(line for line in source.splitlines()
                               if not line.startswith("@twin_for")
                               and not line.lstrip().startswith("#"))
            # its docstring (written for cnncalc's sources) made one line
            source = re.sub(r'(?s)(class [^\n]*:\n    )""".*?"""',
                            lambda m: f'{m.group(1)}"""The twin of cnncalc\'s {kind} layer."""',
                            source, count=1)
            source = _reflow_signatures(source.replace("List[int]", "list[int]"))
            module = inspect.getmodule(cls)
            prelude = ""
            if kind == "StochasticDepth":
                prelude = _reflow_signatures(inspect.getsource(module.stochastic_depth)) \
                    + "\n\n\n"
            if "F." in source:
                self.uses_functional = True
            self.helpers[kind] = prelude + source
        return cls.__name__

    def inline(self, kind: str, row: Row, args: list[str], value) -> str | None:
        layer = row.layer
        call = row.call
        if kind in ("Add", "Mul"):
            if call == "functional":
                fn = "torch.add" if kind == "Add" else "torch.mul"
                text = args[0]
                for other in args[1:]:
                    text = f"{fn}({text}, {other})"
                return text
            return (" + " if kind == "Add" else " * ").join(args)
        if kind == "Concat":
            return f"torch.cat([{', '.join(args)}], {value('dim')})"
        if kind == "Matmul":
            return f"{args[0]} @ {args[1]}"
        if kind == "Chunk":
            return f"{args[0]}.chunk({value('chunks')}, {value('dim')})[{value('index')}]"
        if kind == "Narrow":
            return f"{args[0]}.narrow({value('dim')}, {value('start')}, {value('length')})"
        if kind in ("Mean", "Amax", "Sum"):
            dim = layer.dim
            dims = _literal(list(dim)) if isinstance(dim, tuple) else value("dim")
            keep = ", keepdim=True" if layer.keepdim else ""
            fn = kind.lower()
            if call == "method":
                return f"{args[0]}.{fn}({dims}{keep})"
            return f"torch.{fn}({args[0]}, {dims}{keep})"
        if kind == "Permute":
            dims = ", ".join(str(d) for d in layer.dims)
            return f"{args[0]}.permute({dims})" if call == "method" \
                else f"torch.permute({args[0]}, ({dims}))"
        if call != "method":
            return None
        if kind.startswith("AdaptiveAvgPool"):
            dims = list(range(2, 2 + layer.ndim))
            return f"{args[0]}.mean({dims}, keepdim=True)"
        if kind == "Flatten":
            start, end = layer.start_dim, layer.end_dim
            return f"{args[0]}.flatten({start})" if end == -1 \
                else f"{args[0]}.flatten({start}, {end})"
        if kind == "ReLU":
            return f"{args[0]}.relu_()" if layer.inplace else f"{args[0]}.relu()"
        if kind in ("Sigmoid", "Tanh"):
            return f"{args[0]}.{kind.lower()}()"
        return None

    def functional(self, kind: str, cls, keys: list[str], args: list[str], value,
                   row: Row) -> str | None:
        """``F.max_pool2d(x, 3, stride=2)``, when ``torch.nn.functional`` has the function and
        takes every argument by the same name; None otherwise (the layer is then a module)."""
        if row.params or row.buffers:
            return None
        names = {"Upsample": "interpolate", "ReLU6": "relu6", "ChannelShuffle":
                 "channel_shuffle", "GELU": "gelu", "SiLU": "silu"}
        name = names.get(kind) or re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", kind).lower()
        name = name.replace("re_lu", "relu").replace("pool_", "pool")
        function = getattr(self.F, name, None)
        if function is None:
            return None
        try:
            parameters = inspect.signature(function).parameters
        except (TypeError, ValueError):
            return None
        if any(key not in parameters for key in keys):
            return None
        self.uses_functional = True
        order = list(parameters)[1:]
        positional, keywords, in_order = [], [], True
        for key in order:
            if key in keys and in_order and _required(cls, key):
                positional.append(value(key))
            elif key in keys:
                in_order = False
                keywords.append(f"{key}={value(key)}")
            else:
                in_order = False
        if "training" in parameters:
            keywords.append("training=self.training")
        return f"F.{name}({', '.join(args + positional + keywords)})"

    # -- a block instance --------------------------------------------------------------------------

    def block_call(self, inst: _Inst, same_kind: list[_Inst], expression, attrs, init_lines,
                   args: list[str], from_input: bool) -> str:
        cls_name = self.classes[id(inst)]
        defaults = self.param_defaults[cls_name]
        positional, keywords, in_order = [], [], True
        for name in self.params[cls_name]:
            per = [self.instance_values[id(c)][name] for c in same_kind]
            if name in defaults and all(v == defaults[name] and type(v) is type(defaults[name])
                                        for v in per):
                in_order = False
                continue
            text = expression(inst.block.type, name, per, inst.local,
                              name == "in_channels", from_input)
            if in_order and name not in defaults:
                positional.append(text)
            else:
                in_order = False
                keywords.append(f"{name}={text}")
        attr = _identifier(inst.local, attrs)
        init_lines.append(f"self.{attr} = {cls_name}({', '.join(positional + keywords)})")
        return f"self.{attr}({', '.join(args)})"

    # -- the file ----------------------------------------------------------------------------------

    def source(self, root: _Inst) -> str:
        self.assign(root)
        for cls_name, instances in self.groups:
            block = instances[0].block
            self.write_class(cls_name, instances, f"Block ``{block.type}`` of the network file.")
        net_name = _class_name(self.report.name)
        self.write_class(net_name, [root], f"{self.report.name}, exported by cnncalc.")
        shape = list(self.report.inputs[INPUT][1:])
        body = "\n\n\n".join([*self.helpers.values(), *self.sources]) + "\n"
        header = [f'"""{self.report.name}: PyTorch source exported by cnncalc from '
                  f"{_literal(_file_name(self.network.source))[1:-1]}.", "",
                  f"Input: one sample of shape {shape}, batch excluded:",
                  f"``{net_name}()(torch.randn(1, {', '.join(map(str, shape))}))``.",
                  '"""', ""]
        if "torch." in body:
            header.append("import torch")
        if "F." in body:
            header.append("import torch.nn.functional as F")
        header.append("from torch import nn")
        return "\n".join(header) + "\n\n\n" + body


WIDTH = 88   # ruff's and black's default line length


def _wrap(line: str, indent: str, width: int = WIDTH) -> list[str]:
    """``line`` at ``indent``, split as ruff format splits a line that is too long: at its last
    bracket pair, the contents on one line if they fit, else one item per line with a trailing
    comma (each item split the same way).

    >>> _wrap("f(aaaa, bbbb)", "", 8)
    ['f(', '    aaaa,', '    bbbb,', ')']
    """
    if len(indent) + len(line) <= width:
        return [indent + line]
    stripped = line.rstrip(",:")
    end = max(stripped.rfind(")"), stripped.rfind("]"))   # ``-> Tensor:`` may follow
    if end < 0:
        return [indent + line]
    depth, start = 0, -1
    for index in range(end, -1, -1):
        char = stripped[index]
        if char in ")]}":
            depth += 1
        elif char in "([{":
            depth -= 1
            if depth == 0:
                start = index
                break
    body = line[start + 1:end]
    if start < 0 or not body.strip():
        return [indent + line]
    head, tail, inner = line[:start + 1], line[end:], indent + "    "
    if len(inner) + len(body) <= width:
        return [indent + head, inner + body, indent + tail]
    lines = [indent + head]
    for item in _split_items(body):
        lines += _wrap(item + ",", inner, width)
    return lines + [indent + tail]


def _reflow_signatures(source: str) -> str:
    """``def`` lines continued over several lines (cnncalc's style) split as ruff would."""
    lines, out, index = source.splitlines(), [], 0
    while index < len(lines):
        line = lines[index]
        stripped = line.lstrip()
        if stripped.startswith("def ") and not line.rstrip().endswith(":"):
            parts = [stripped]
            while not lines[index].rstrip().endswith(":") and index + 1 < len(lines):
                index += 1
                parts.append(lines[index].strip())
            joined = re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", " ".join(parts)))
            out += _wrap(joined, line[:len(line) - len(stripped)])
        else:
            out.append(line)
        index += 1
    return "\n".join(out)


def _split_items(text: str) -> list[str]:
    """The comma-separated items of ``text`` at bracket depth 0."""
    items, depth, current = [], 0, ""
    for char in text:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if char == "," and depth == 0:
            items.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        items.append(current.strip())
    return items


class _NoneType:
    def __repr__(self) -> str:  # pragma: no cover
        return "<required>"


_NONE = _NoneType()


def _default(cls, key: str) -> Any:
    info = cls.model_fields[key]
    return None if info.is_required() else info.default


def _file_name(source: str) -> str:
    from pathlib import PurePath

    return PurePath(source).name if source not in ("<python>", "<string>") else "Python"


def to_source(network: Network, input=None) -> str:
    """PyTorch source for ``network`` (at its input, or ``input``)."""
    report = analyze(network, input=input)
    writer = _Writer(report, network)
    return writer.source(_tree(report))


def class_name(network: Network) -> str:
    """The name of the network's class in :func:`to_source`'s output."""
    return _class_name(network.name)
