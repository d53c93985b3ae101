"""``cnncalc import MODEL.onnx``: an ONNX graph as a network file (``pip install 'cnncalc[onnx]'``).

Initializer shapes give the layers' sizes (a Conv's weight ``[out, in/groups, *kernel]`` gives
``out_channels``, ``kernel_size``; a third input, the bias), the graph input's shape gives
``input`` (a symbolic first dimension is the batch, dropped; other symbolic dims need
``--input``), ``onnx.shape_inference`` the shapes that Reshape, Flatten and the pools need.
Node names of ``torch.onnx.export`` (``/layer1/0/conv1/Conv``) become block instances, as module
paths do for torch.fx. Nodes that only compute shapes from constants (Shape, Gather,
Unsqueeze... feeding a Reshape) are not layers. Some runs of nodes are one layer: torchvision's
LayerNorm2d (Transpose, LayerNormalization, Transpose), ChannelShuffle (Reshape, Transpose,
Reshape) and FrozenBatchNorm2d (``x * scale + shift`` computed from its four tensors); an Add,
Mul or Concat of an activation and a tensor of the model is a Parameter and the merge. The
nodes of an ``nn.MultiheadAttention`` (torch writes out ``F.multi_head_attention_forward``: the
projections, the reshapes to heads, the two products, the softmax) are one MultiheadAttention.
Every other node that cnncalc cannot express is a problem naming the node and its op type; all
of them are reported, none skipped.

A graph whose convolutions have biases and which has no BatchNormalization is probably a
folded export (``torch.onnx.export``'s default ``do_constant_folding=True`` merges each
BatchNorm into the convolution before it): it is read as what it is, with a note saying so.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from math import prod
from pathlib import Path
from typing import Any

import onnx
from onnx import numpy_helper

from cnncalc.errors import UsageError
from cnncalc.importers.model import INPUT, ImportProblems, Op, clean_args, to_yaml
from cnncalc.layers import REGISTRY

_ACTIVATIONS = {"Relu": "ReLU", "Sigmoid": "Sigmoid", "Tanh": "Tanh", "Selu": "SELU",
                "Softplus": "Softplus", "HardSwish": "Hardswish", "Mish": "Mish",
                "Identity": "Identity"}


class _Reader:
    def __init__(self, model, path: str, input_shape) -> None:
        self.path = path
        self.graph = model.graph
        self.problems: list[str] = []
        self.notes: list[str] = []
        self.producer: dict[str, Any] = {}      # value -> the node that makes it
        self.data_users: dict[str, int] = {}    # value -> how many nodes but Shape take it
        self.absorbed: set[str] = set()         # outputs of layers the current node includes
        self.ops: list[Op] = []                 # the layers found so far
        self.aliases: dict[str, str] = {}       # value -> the value of the layer it is part of
        self.outputs: tuple[str, ...] = ()      # the layers that are the graph's outputs
        #: the nn.MultiheadAttention modules, by the value each returns
        self.attention: dict[str, _Attention] = {}
        self.constants: dict[str, Any] = {i.name: numpy_helper.to_array(i)
                                          for i in self.graph.initializer}
        inputs = [i for i in self.graph.input if i.name not in self.constants]
        if len(inputs) != 1:
            raise UsageError(f"{path}: the graph takes {len(inputs)} inputs "
                             f"({', '.join(i.name for i in inputs)}); cnncalc networks take one")
        self.input_name = inputs[0].name
        dims = inputs[0].type.tensor_type.shape.dim
        sizes = [d.dim_value if d.HasField("dim_value") else None for d in dims]
        if input_shape is not None:
            self.input_shape = tuple(input_shape)
            if len(self.input_shape) != len(sizes) - 1:
                raise UsageError(f"{path}: --input {'x'.join(map(str, input_shape))} has "
                                 f"{len(input_shape)} dims, the graph input "
                                 f"{self.input_name!r} {len(sizes) - 1} besides the batch")
        else:
            symbolic = [i for i, s in enumerate(sizes[1:], 1) if s is None]
            if symbolic or not sizes:
                shown = [d.dim_param or "?" if not d.HasField("dim_value") else d.dim_value
                         for d in dims]
                raise UsageError(f"{path}: the graph input {self.input_name!r} has the shape "
                                 f"{shown}: give --input with the sizes after the batch "
                                 "(e.g. --input 3x224x224)")
            self.input_shape = tuple(sizes[1:])
        self.shapes = self._infer(model)

    def _infer(self, model) -> dict[str, tuple[int, ...]]:
        """Every value's shape, with batch 1 and the input's sizes fixed."""
        fixed = onnx.ModelProto()
        fixed.CopyFrom(model)
        for value in fixed.graph.input:
            if value.name == self.input_name:
                dims = value.type.tensor_type.shape.dim
                for dim, size in zip(dims, (1, *self.input_shape)):
                    dim.Clear()
                    dim.dim_value = size
        try:
            inferred = onnx.shape_inference.infer_shapes(fixed, strict_mode=False,
                                                         data_prop=True)
        except Exception as err:  # noqa: BLE001 - onnx's message says why
            raise UsageError(f"{self.path}: ONNX shape inference failed: {err}") from None
        shapes = {}
        for value in [*inferred.graph.value_info, *inferred.graph.output, *inferred.graph.input]:
            dims = value.type.tensor_type.shape.dim
            if all(d.HasField("dim_value") for d in dims):
                shapes[value.name] = tuple(d.dim_value for d in dims)
        for name, array in self.constants.items():
            shapes[name] = tuple(array.shape)
        return shapes

    def attributes(self, node) -> dict[str, Any]:
        return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _decoded(value: Any) -> Any:
    return value.decode() if isinstance(value, bytes) else value


def _parts(node_name: str) -> list[str]:
    """The module path of a node name, each part relative to its parent: the TorchScript
    exporter writes children of an ``nn.Sequential`` with their parent's path in front
    (``/features/features.0/Conv``, ``/layer1/layer1.0/conv1/Conv``), and a cnncalc name has
    no dots, so ``features.0`` under ``features`` is ``0``."""
    parts = [p for p in node_name.split("/") if p]
    relative = []
    for i, part in enumerate(parts):
        for j in range(i):   # the longest dotted parent path first
            parent = ".".join(parts[j:i])
            if part.startswith(parent + "."):
                part = part[len(parent) + 1:]
                break
        relative.append(part)
    return relative


def _scope(node_name: str, op_type: str, scopes: set[tuple[str, ...]], module_like: bool):
    """(scope, local) from a ``torch.onnx.export`` node name ``/layer1/0/conv1/Conv``."""
    parts = _parts(node_name)
    if len(parts) < 2 or not node_name.startswith("/"):
        return (), None
    path = tuple(parts[:-1])
    if module_like and path not in scopes:
        return path[:-1], path[-1]
    return path, None


def import_onnx(path: str, input_shape=None) -> tuple[str, list[str]]:
    """``cnncalc import MODEL.onnx``: (the network file's text, notes for standard error)."""
    file = Path(path)
    if not file.is_file():
        raise UsageError(f"{path}: no such file")
    try:
        model = onnx.load(str(file))
    except Exception as err:  # noqa: BLE001 - a damaged file: onnx says what
        raise UsageError(f"{path}: not an ONNX model ({type(err).__name__}: {err})") from None
    reader = _Reader(model, path, input_shape)
    ops, notes = _ops(reader)
    if reader.problems:
        raise ImportProblems(path, reader.problems)
    name = model.graph.name or file.stem
    if name in ("main_graph", "torch_jit", "torch-jit-export", ""):
        name = file.stem
    classes = {}
    for op in ops:
        for depth in range(1, len(op.scope) + 1):
            scope = op.scope[:depth]
            classes[scope] = re.sub(r"[_.]?\d+$", "", scope[-1]) or "block"
    outputs = reader.outputs if reader.outputs != (ops[-1].id,) else ()
    return to_yaml(name, reader.input_shape, ops, classes, source=file.name,
                   outputs=outputs), notes


def _ops(reader: _Reader) -> tuple[list[Op], list[str]]:
    graph = reader.graph
    constants = reader.constants
    values: dict[str, str] = {reader.input_name: INPUT}   # activation value -> op id
    ops: list[Op] = []
    prefixes = set()
    for node in graph.node:
        parts = _parts(node.name)
        for depth in range(1, len(parts) - 1):
            prefixes.add(tuple(parts[:depth]))
    users: dict[str, int] = {}
    for node in graph.node:
        for name in node.input:
            users[name] = users.get(name, 0) + 1
    reader.producer = {o: node for node in graph.node for o in node.output}
    for node in graph.node:
        if node.op_type != "Shape":
            for name in node.input:
                reader.data_users[name] = reader.data_users.get(name, 0) + 1
    reader.ops = ops
    has_bn = any(n.op_type == "BatchNormalization" for n in graph.node)
    broken: set[str] = set()
    attention = _attention_modules(reader)
    returns = reader.attention
    inside = {o: module for module in attention for n in module.inside for o in n.output
              if o != module.output}
    biased_convs = 0
    for node in graph.node:
        where = f"node {node.name or node.output[0]} ({node.op_type})"
        if node.output[0] in reader.aliases:   # part of a layer found already
            part_of = reader.aliases[node.output[0]]
            values[node.output[0]] = values[part_of]
            if not reader.shapes.get(node.output[0]) and reader.shapes.get(part_of):
                reader.shapes[node.output[0]] = reader.shapes[part_of]
            continue
        live = [i for i in node.input if i in values]
        if node.op_type == "Shape":   # of an activation: its (static) shape
            if node.input[0] in reader.shapes:
                constants[node.output[0]] = _shape_of(reader.shapes[node.input[0]], node,
                                                      reader)
            continue
        if node.output[0] in inside:   # computed in an nn.MultiheadAttention: its node
            if inside[node.output[0]].problem:   # that returns is the layer
                broken.update(node.output)
                values.update({o: o for o in node.output})
            continue
        if not live and node.output[0] not in returns:   # constants and shape computations:
            _evaluate(node, constants)                     # no layer
            continue
        if node.op_type == "Add" and len(live) == 1 and ops:   # MatMul + bias: one Linear
            other = [i for i in node.input if i not in values]
            linear = next((op for op in reversed(ops) if op.id == values[live[0]]), None)
            if linear is not None and linear.type == "Linear" and users.get(live[0]) == 1 \
                    and not linear.args.get("bias", True) and other[0] in constants \
                    and constants[other[0]].size == linear.args.get("out_features"):
                linear.args.pop("bias")
                values[node.output[0]] = linear.id
                continue
        sources = returns[node.output[0]].sources if node.output[0] in returns else node.input
        if any(i in broken for i in sources) or \
                node.output[0] in returns and returns[node.output[0]].problem:
            broken.update(node.output)   # after a node reported already
            values.update({o: o for o in node.output})
            continue
        found = _layer(reader, node, where, constants)
        if found is None:
            broken.update(node.output)
            values.update({o: o for o in node.output})
            continue
        if reader.absorbed:   # layers that are part of the one this node is
            ops[:] = [op for op in ops if op.id not in reader.absorbed]
            reader.absorbed.clear()
        outputs = found if isinstance(found, list) else [(node.output[0], *found)]
        for output, type_name, args, inputs, call, *place in outputs:
            biased_convs += bool(args.pop("_biased", False))
            try:
                args = clean_args(type_name, args)
                layer = REGISTRY[type_name].model_validate(dict(args))
            except Exception as err:  # noqa: BLE001 - pydantic's message names the field
                reader.problems.append(f"{where}: {type_name} arguments {args}: "
                                       f"{str(err).splitlines()[0]}")
                broken.add(output)
                values[output] = output
                continue
            if not reader.shapes.get(output):   # where shape inference lost track
                _shape_by_cnncalc(reader, layer, inputs, output)
            module_like = type_name not in ("Add", "Mul", "Concat", "Flatten", "Chunk",
                                            "Narrow", "Permute", "Matmul", "Unflatten")
            scope, local = place[0] if place else _scope(node.name, node.op_type, prefixes,
                                                         module_like)
            if local is None and module_like and call == "module":
                call = "functional"   # F.relu(x) in a module's forward
            if (len(outputs) > 1 and not place) or (local is not None and any(
                    op.scope == scope and op.local == local for op in ops)):
                local = None
            op_id = output
            ops.append(Op(op_id, type_name, args, [values[i] for i in inputs], call, scope,
                          local, where))
            values[output] = op_id
    _lone_modules(ops)
    if not has_bn and biased_convs:
        reader.notes.append(
            f"{reader.path} has no BatchNormalization and {biased_convs} convolutions whose "
            "weights are computed constants, with biases: the model's BatchNorm layers were "
            "merged into the convolutions "
            "(torch.onnx.export's default do_constant_folding=True does); this file is read "
            "as it is (export with do_constant_folding=False to keep them)")
    outputs: list[str] = []   # several: the file's ``outputs:``
    for name in (o.name for o in graph.output):
        if name in broken:
            continue   # its node is reported
        if values.get(name, INPUT) == INPUT:
            reader.problems.append(f"the graph output {name!r} is no layer's output (the "
                                   "input itself, or a constant)")
        elif values[name] in outputs:
            reader.problems.append(f"the graph output {name!r} is another output again")
        else:
            outputs.append(values[name])
    reader.outputs = tuple(outputs)
    return ops, reader.notes


def _shape_by_cnncalc(reader: _Reader, layer, inputs, output: str) -> None:
    """The output's shape as cnncalc computes it, where ONNX shape inference gave none (it
    cannot follow a Slice or a Reshape whose bounds are computed from a Shape)."""
    shapes = [reader.shapes.get(i) for i in inputs]
    if not all(shapes):
        return
    try:
        resolved = layer.resolve(*shapes)
        reader.shapes[output] = tuple(resolved.compute_output_shape(*shapes))
    except Exception:  # noqa: BLE001, S110 - no shape: the users say so
        pass


def _lone_modules(ops: list[Op]) -> None:
    """An ``nn.Flatten`` (``nn.Unflatten``) module: the only layer of its node path
    (``/flatten_1/Flatten``), is that module, not a block of one layer."""
    count = Counter(op.scope[:depth] for op in ops for depth in range(1, len(op.scope) + 1))
    for op in ops:
        if op.type in ("Flatten", "Unflatten") and op.scope and op.local is None and \
                count[op.scope] == 1:
            op.scope, op.local, op.call = op.scope[:-1], op.scope[-1], "module"


def _f32(value) -> float:
    """A float attribute (stored as float32) as its shortest decimal: 1e-05, not
    9.999999747378752e-06."""
    import numpy

    return float(str(numpy.float32(value)))


def _shape_of(shape, node, reader):
    import numpy

    attrs = reader.attributes(node)
    start, end = attrs.get("start", 0), attrs.get("end", len(shape))
    return numpy.array(shape[start:end], dtype=numpy.int64)


def _evaluate(node, constants) -> None:
    """A node of constants only (a shape computation): its outputs' values, when all of its
    inputs are known (onnx's reference implementation); silently nothing otherwise."""
    if node.op_type == "Constant":
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        if "value" in attrs:
            constants[node.output[0]] = numpy_helper.to_array(attrs["value"])
        return
    if not all(i in constants for i in node.input if i):
        return
    try:
        from onnx.reference import ReferenceEvaluator

        results = ReferenceEvaluator(node).run(
            None, {i: constants[i] for i in node.input if i})
    except Exception:  # noqa: BLE001 - an op the reference lacks: its users report it
        return
    for name, value in zip(node.output, results):
        constants[name] = value


def _ints(value, n: int) -> tuple[int, ...]:
    return tuple(int(v) for v in value) if value is not None else (0,) * n


def _pads(reader, where, pads, n) -> tuple[int, ...] | None:
    pads = _ints(pads, 2 * n)
    begin, end = pads[:n], pads[n:]
    if begin != end:
        reader.problems.append(f"{where}: pads {list(pads)} differ at the start and the end of "
                               "a dimension; cnncalc's padding is the same on both sides "
                               "(a ZeroPad layer before it can express it)")
        return None
    return begin


def _layer(reader: _Reader, node, where: str, constants):
    """[(output, type, args, activation inputs, call)] or one tuple (type, args, inputs,
    call) for the node's first output, or None after saying why it is no layer."""
    op = node.op_type
    attrs = {k: _decoded(v) for k, v in reader.attributes(node).items()}
    inputs = list(node.input)
    shapes = reader.shapes
    in_shape = shapes.get(inputs[0]) if inputs else None
    out_shape = shapes.get(node.output[0])

    def problem(text: str) -> None:
        reader.problems.append(f"{where}: {text}")

    module = reader.attention.get(node.output[0])
    if module is not None:
        return _attention_layer(reader, module, problem)
    if op in ("Conv", "ConvTranspose"):
        weight = constants.get(inputs[1]) if len(inputs) > 1 else None
        if weight is None:
            problem("the weight is no initializer (a weight computed in the graph)")
            return None
        kernel = tuple(weight.shape[2:])
        n = len(kernel)
        if attrs.get("auto_pad", "NOTSET") not in ("NOTSET", "VALID"):
            problem(f"auto_pad {attrs['auto_pad']}: give explicit pads")
            return None
        padding = _pads(reader, where, attrs.get("pads"), n)
        if padding is None:
            return None
        group = int(attrs.get("group", 1))
        args = {"kernel_size": kernel, "stride": _ints(attrs.get("strides", (1,) * n), n),
                "padding": padding, "dilation": _ints(attrs.get("dilations", (1,) * n), n),
                "groups": group, "bias": len(inputs) > 2 and inputs[2] != ""}
        if op == "Conv":
            args["out_channels"] = int(weight.shape[0])
            # a folded export's weights are new constants, not the module's ``*.weight``
            args["_biased"] = args["bias"] and not inputs[1].endswith("weight")
            type_name = f"Conv{n}d"
        else:
            args["out_channels"] = int(weight.shape[1]) * group
            args["output_padding"] = _ints(attrs.get("output_padding", (0,) * n), n)
            if "output_shape" in attrs:
                problem("output_shape is not supported; give pads and output_padding")
                return None
            type_name = f"ConvTranspose{n}d"
        if type_name not in REGISTRY:
            problem(f"a {n}-dimensional convolution: cnncalc has no {type_name}")
            return None
        return type_name, args, [inputs[0]], "module"
    if op == "Gemm":
        weight = constants.get(inputs[1])
        if weight is None or inputs[0] in constants:
            problem("Gemm of two activations (cnncalc's Linear has a constant weight)")
            return None
        if attrs.get("transA", 0):
            problem("transA=1 is not a Linear layer")
            return None
        out = weight.shape[0] if attrs.get("transB", 0) else weight.shape[1]
        return "Linear", {"out_features": int(out), "bias": len(inputs) > 2 and
                          inputs[2] != ""}, [inputs[0]], "module"
    if op == "MatMul":
        if inputs[1] in constants:
            weight = constants[inputs[1]]
            if weight.ndim != 2:
                problem("MatMul with a constant of more than 2 dims")
                return None
            return "Linear", {"out_features": int(weight.shape[1]), "bias": False}, \
                [inputs[0]], "module"
        return "Matmul", {}, inputs, "method"
    if op in ("MaxPool", "AveragePool", "LpPool"):
        if op == "LpPool":
            problem("LpPool is no cnncalc layer type")
            return None
        if len(node.output) > 1 and node.output[1]:
            problem("MaxPool's indices output (return_indices) is not supported")
            return None
        kernel = tuple(int(k) for k in attrs["kernel_shape"])
        n = len(kernel)
        padding = _pads(reader, where, attrs.get("pads"), n)
        if padding is None:
            return None
        args = {"kernel_size": kernel, "stride": _ints(attrs.get("strides", (1,) * n), n),
                "padding": padding, "ceil_mode": bool(attrs.get("ceil_mode", 0))}
        if op == "MaxPool":
            args["dilation"] = _ints(attrs.get("dilations", (1,) * n), n)
            return f"MaxPool{n}d", args, [inputs[0]], "module"
        if any(padding):
            args["count_include_pad"] = bool(attrs.get("count_include_pad", 0))
        return f"AvgPool{n}d", args, [inputs[0]], "module"
    if op in ("GlobalAveragePool", "GlobalMaxPool"):
        n = len(in_shape) - 2 if in_shape else 2
        kind = "Avg" if op == "GlobalAveragePool" else "Max"
        return f"Adaptive{kind}Pool{n}d", {"output_size": 1}, [inputs[0]], "module"
    if op == "BatchNormalization":
        n = len(in_shape) - 2 if in_shape else 2
        type_name = "BatchNorm1d" if n <= 1 else f"BatchNorm{n}d"
        return type_name, {"eps": _f32(attrs.get("epsilon", 1e-5))}, [inputs[0]], "module"
    if op == "LayerNormalization":
        if in_shape is None:
            problem("the input's shape is unknown")
            return None
        axis = int(attrs.get("axis", -1)) % len(in_shape)
        if axis == 0:
            problem("a LayerNormalization over the batch is no cnncalc layer")
            return None
        affine = len(inputs) > 1 and _is_model_tensor(inputs[1], constants)
        bias = len(inputs) > 2 and _is_model_tensor(inputs[2], constants)
        args = {"normalized_shape": tuple(in_shape[axis:]),
                "eps": _f32(attrs.get("epsilon", 1e-5)),
                "elementwise_affine": affine, "bias": bias and affine}
        return "LayerNorm", args, [inputs[0]], "module"
    if op in _ACTIVATIONS:
        return _ACTIVATIONS[op], {}, [inputs[0]], "module"
    if op == "LeakyRelu":
        return "LeakyReLU", {"negative_slope": _f32(attrs.get("alpha", 0.01))}, \
            [inputs[0]], "module"
    if op == "Elu":
        return "ELU", {"alpha": _f32(attrs.get("alpha", 1.0))}, [inputs[0]], "module"
    if op == "Celu":
        return "CELU", {"alpha": _f32(attrs.get("alpha", 1.0))}, [inputs[0]], "module"
    if op == "Gelu":
        return "GELU", {"approximate": attrs.get("approximate", "none")}, [inputs[0]], \
            "module"
    if op == "HardSigmoid":
        if abs(attrs.get("alpha", 0.2) - 1 / 6) > 1e-6 or abs(attrs.get("beta", 0.5) - 0.5) \
                > 1e-6:
            problem("HardSigmoid with other alpha/beta than torch's Hardsigmoid (1/6, 0.5)")
            return None
        return "Hardsigmoid", {}, [inputs[0]], "module"
    if op == "Clip":
        low = _scalar(constants, inputs, 1, attrs.get("min"))
        high = _scalar(constants, inputs, 2, attrs.get("max"))
        if low == 0 and high == 6:
            return "ReLU6", {}, [inputs[0]], "module"
        if low is None or high is None:
            problem("Clip without both bounds")
            return None
        return "Hardtanh", {"min_val": _f32(low), "max_val": _f32(high)}, [inputs[0]], \
            "module"
    if op == "PRelu":
        slope = constants.get(inputs[1])
        if slope is None:
            problem("the slope is no initializer")
            return None
        return "PReLU", {"num_parameters": int(slope.size)}, [inputs[0]], "module"
    if op in ("Softmax", "LogSoftmax"):
        return op, {"dim": int(attrs.get("axis", -1))}, [inputs[0]], "module"
    if op == "Dropout":
        ratio = _scalar(constants, inputs, 1, attrs.get("ratio", 0.5))
        return "Dropout", {"p": _f32(ratio if ratio is not None else 0.5)}, [inputs[0]], \
            "module"
    if op in ("Add", "Mul"):
        frozen = _frozen_batch_norm(reader, node) if op == "Mul" else None
        if frozen is not None:
            return frozen
        constant = [i for i in inputs if i in constants]
        if len(constant) == 1 and len(inputs) == 2 and _is_model_tensor(constant[0], constants) \
                and constants[constant[0]].ndim > 0:
            return _with_parameters(reader, node, op, {}, "method",
                                    {constant[0]: (constant[0], False)})
        if constant:
            problem(f"{op} of an activation and a constant is no cnncalc layer (cnncalc's "
                    f"{op} takes tensors that layers compute)")
            return None
        shape_a, shape_b = (shapes.get(i) for i in inputs)
        if op == "Add" and shape_a != shape_b:
            problem(f"Add of different shapes {shape_a} and {shape_b}")
            return None
        return op, {}, inputs, "method"
    if op == "Concat":
        args = {"dim": int(attrs.get("axis", 1))}
        tensors = {i: _model_tensor(reader, i) for i in inputs if i in constants}
        if any(found is None for found in tensors.values()):
            problem("Concat of an activation and a constant is no cnncalc layer (cnncalc's "
                    "Concat takes tensors that layers compute, or Parameters)")
            return None
        if tensors:   # ViT's class token in front of the patches
            return _with_parameters(reader, node, op, args, "functional", tensors)
        return "Concat", args, inputs, "functional"
    if op == "Flatten":
        axis = int(attrs.get("axis", 1))
        if axis != 1:
            problem(f"Flatten with axis {axis} (cnncalc's Flatten keeps the batch apart: "
                    "axis 1)")
            return None
        return "Flatten", {}, [inputs[0]], "method"
    if op == "Reshape":
        target = constants.get(inputs[1]) if len(inputs) > 1 else None
        if target is not None and in_shape is not None:
            # shape inference cannot follow a target computed from Shape (it says ())
            out_shape = shapes[node.output[0]] = _target_shape(
                in_shape, [int(v) for v in target.tolist()])
        shuffle = _channel_shuffle(reader, node, out_shape)
        if shuffle is not None:
            return shuffle
        return _reshape(in_shape, out_shape, inputs[0], problem)
    if op == "Transpose":
        perm = tuple(int(p) for p in attrs.get("perm", ()))
        if in_shape is not None and len(perm) == len(in_shape):
            shapes[node.output[0]] = tuple(in_shape[p] for p in perm)
        norm = _layer_norm_2d(reader, node, perm)
        if norm is not None:
            return norm
        return "Permute", {"dims": perm}, [inputs[0]], "method"
    if op == "Slice":
        return _slice(node, inputs, constants, in_shape, problem)
    if op == "Split":
        return _split(node, inputs, attrs, constants, in_shape, problem)
    if op == "Pad":
        return _pad(inputs, attrs, constants, in_shape, problem)
    if op in ("Resize", "Upsample"):
        return _resize(op, inputs, attrs, constants, in_shape, out_shape, problem)
    if op in ("ReduceMean", "ReduceMax", "ReduceSum"):
        axes = attrs.get("axes")
        if axes is None and len(inputs) > 1 and inputs[1] in constants:
            axes = constants[inputs[1]].tolist()
        keep = bool(attrs.get("keepdims", 1))
        if axes is None or in_shape is None:
            problem("the axes are not constant")
            return None
        rank = len(in_shape)
        axes = sorted(int(a) % rank for a in axes)
        if op == "ReduceMean" and keep and axes == list(range(2, rank)):
            return f"AdaptiveAvgPool{rank - 2}d", {"output_size": 1}, [inputs[0]], "method"
        kind = {"ReduceMean": "Mean", "ReduceMax": "Amax", "ReduceSum": "Sum"}[op]
        return kind, {"dim": tuple(axes) if len(axes) > 1 else axes[0], "keepdim": keep}, \
            [inputs[0]], "method"
    problem(f"{op} is no cnncalc layer type (see `cnncalc schema`)")
    return None


def _channel_shuffle(reader: _Reader, node, out_shape):
    """``nn.ChannelShuffle(g)`` as ONNX writes it (torchvision's channel_shuffle):
    Reshape ``[n, c, *s]`` to ``[n, g, c/g, *s]``, Transpose of dims 1 and 2, Reshape back to
    ``[n, c, *s]``, the first two used by nothing else: (type, args, inputs, call), and the
    first two nodes' outputs in ``reader.absorbed``; or None."""
    transpose = reader.producer.get(node.input[0])
    if transpose is None or transpose.op_type != "Transpose":
        return None
    first = reader.producer.get(transpose.input[0])
    if first is None or first.op_type != "Reshape" or \
            reader.data_users.get(first.output[0]) != 1 or \
            reader.data_users.get(transpose.output[0]) != 1:
        return None
    source = reader.shapes.get(first.input[0])
    split = reader.shapes.get(first.output[0])
    perm = tuple(int(p) for p in reader.attributes(transpose).get("perm", ()))
    if source is None or split is None or out_shape != source or len(source) < 3 or \
            perm != (0, 2, 1, *range(3, len(split))) or \
            split != (source[0], split[1], source[1] // split[1], *source[2:]) or \
            split[1] * split[2] != source[1]:
        return None
    reader.absorbed.update((first.output[0], transpose.output[0]))
    return "ChannelShuffle", {"groups": int(split[1])}, [first.input[0]], "module"


def _layer_norm_2d(reader: _Reader, node, perm):
    """torchvision's ``LayerNorm2d`` as ONNX writes it: Transpose ``(0, 2, 3, 1)``,
    LayerNormalization over the last dim, Transpose ``(0, 3, 1, 2)``, the first two used by
    nothing else; or None."""
    norm = reader.producer.get(node.input[0])
    if perm != (0, 3, 1, 2) or norm is None or norm.op_type != "LayerNormalization":
        return None
    first = reader.producer.get(norm.input[0])
    if first is None or first.op_type != "Transpose" or \
            tuple(reader.attributes(first).get("perm", ())) != (0, 2, 3, 1) or \
            reader.data_users.get(first.output[0]) != 1 or \
            reader.data_users.get(norm.output[0]) != 1 or \
            int(reader.attributes(norm).get("axis", -1)) not in (-1, 3):
        return None
    layer = next((op for op in reader.ops if op.id == norm.output[0]), None)
    if layer is None or layer.type != "LayerNorm":
        return None
    reader.absorbed.update((first.output[0], norm.output[0]))
    args = {k: v for k, v in layer.args.items() if k != "normalized_shape"}
    return "LayerNorm2d", args, [first.input[0]], "module"


# -- nn.MultiheadAttention: the nodes of one module call are one layer -----------------------------

#: the state-dict name that says a module is an nn.MultiheadAttention: its input projection's
#: weight (one packed ``[3E, E]``, or three when kdim or vdim differ from embed_dim)
_ATTENTION_WEIGHT = re.compile(r"^(.*?)(in_proj_weight|q_proj_weight)$")


@dataclass
class _Attention:
    """The nodes ``torch.onnx.export`` writes for one ``nn.MultiheadAttention`` call
    (``F.multi_head_attention_forward`` traced): the input projections, the reshapes to heads,
    the scores ``q·kᵀ``, the softmax, the product with ``v``, the output projection."""

    path: tuple[str, ...]      # its module path, from its node names (/blocks/0/attn/MatMul)
    prefix: str                # its tensors' state-dict prefix (blocks.0.attn.)
    nodes: list = field(default_factory=list)      # its nodes
    names: set[str] = field(default_factory=set)   # every value its nodes take
    inside: list = field(default_factory=list)     # of them, those computing on activations
    output: str = ""           # the value it returns (the layer's)
    sources: tuple[str, ...] = ()   # from: the query; the query and the memory; q, k, v
    scores: Any = None         # the MatMul ``q·kᵀ``, of shape [N, heads, L, S']
    mixed: Any = None          # the MatMul of their softmax and ``v``
    batch_first: bool = False  # its tensors are [N, L, E]
    problem: str = ""          # why its nodes are not read as one (said once)


def _attention_modules(reader: _Reader) -> list[_Attention]:
    """Every ``nn.MultiheadAttention`` of the graph, found by its input projection's weight
    among the inputs of nodes named after its module path; a module whose nodes do not read
    as one (not one value returned, not two products of activations, no single query) is a
    problem, and its nodes are no layers."""
    found: dict[tuple[str, ...], _Attention] = {}
    for node in reader.graph.node:
        parts = _parts(node.name)
        for name in node.input:
            match = _ATTENTION_WEIGHT.match(name)
            if match and node.name.startswith("/") and len(parts) > 1:
                path = tuple(parts[:-1])
                found.setdefault(path, _Attention(path, match.group(1)))
    live = _live(reader)
    modules = list(found.values())
    for module in modules:
        _read_attention(reader, module, live)
    order = {o: index for index, node in enumerate(reader.graph.node) for o in node.output}
    modules.sort(key=lambda m: order.get(m.output, -1))
    # what one module computes and another takes (TorchScript merges the two modules'
    # ``x.transpose(1, 0)`` of one x into one node): seen through to where it comes from
    hidden = {o for m in modules for n in m.inside for o in n.output if o != m.output}
    grouped = {o for m in modules for n in m.nodes for o in n.output}
    outputs = {m.output: m for m in modules if m.output}
    for module in modules:   # in the graph's order: a module's sources come before it
        if not module.problem:
            _attention_sources(reader, module, live, hidden, grouped)
        # batch_first: the swap to [L, N, E] and back is in the module's nodes, unless
        # TorchScript cancelled a swap back and the next module's swap (one batch_first
        # module after another): a source that is a batch_first module's unswapped output
        module.batch_first = module.batch_first or any(
            outputs[s].batch_first and not _swaps(reader, reader.producer[s])
            for s in module.sources if s in outputs and outputs[s] is not module)
        if module.problem:
            reader.problems.append(f"nodes /{'/'.join(module.path)}/* (nn.MultiheadAttention "
                                   f"{module.prefix[:-1] or 'the model'}): {module.problem}")
    reader.attention = outputs
    return modules


def _live(reader: _Reader) -> set[str]:
    """The values computed from the input (not from constants alone; a Shape's output is a
    constant, the sizes being static)."""
    live = {reader.input_name}
    for node in reader.graph.node:
        if node.op_type != "Shape" and any(i in live for i in node.input):
            live.update(node.output)
    return live


def _computed_from(value: str, made: dict[str, Any], live: set[str]) -> set[str]:
    """``value`` and the live values it is computed from through the nodes ``made`` (value →
    node), up to the first not among them."""
    seen, todo = set(), [value]
    while todo:
        value = todo.pop()
        if value not in seen:
            seen.add(value)
            if value in made:
                todo += [i for i in made[value].input if i in live]
    return seen


def _read_attention(reader: _Reader, module: _Attention, live: set[str]) -> None:
    """The module's nodes, its scores ``q·kᵀ`` (of the two products of activations, the one
    the other is computed from) and the value it returns: of its values used outside it, the
    one computed from the product with ``v``. Another one computed from the scores is the
    attention weights: a problem; one computed from neither is shared (see
    :func:`_attention_sources`)."""
    head = "/" + "/".join(module.path) + "/"
    module.nodes = [n for n in reader.graph.node if n.name.startswith(head)]
    module.names = {i for n in module.nodes for i in n.input}
    module.inside = [n for n in module.nodes
                     if n.op_type != "Shape" and any(i in live for i in n.input)]
    made = {o: n for n in module.inside for o in n.output}
    products = [n for n in module.inside if n.op_type == "MatMul"
                and all(i in live for i in n.input)]
    if len(products) != 2:
        module.problem = (f"{len(products)} products of activations (MatMul), not the two of "
                          "attention (q·kᵀ, and its softmax times v)")
        return
    first, second = products
    if first.output[0] not in _computed_from(second.input[0], made, live):
        first, second = second, first
    if first.output[0] not in _computed_from(second.input[0], made, live):
        module.problem = "neither product of activations (MatMul) is computed from the other"
        return
    module.scores, module.mixed = first, second
    used = {i for n in reader.graph.node if not n.name.startswith(head) for i in n.input}
    used.update(o.name for o in reader.graph.output)
    returned, weights = [], []
    for value in (o for o in made if o in used):
        computed_from = _computed_from(value, made, live)
        if second.output[0] in computed_from:
            returned.append(value)
        elif first.output[0] in computed_from:
            weights.append(value)
    if len(returned) != 1 or weights:
        module.problem = (f"its nodes return {len(returned) + len(weights)} values, not one; "
                          "cnncalc's MultiheadAttention is the output [0] alone (the "
                          "attention weights, need_weights=True, are no layer)")
        return
    module.output = returned[0]


def _attention_sources(reader: _Reader, module: _Attention, live: set[str],
                       hidden: set[str], grouped: set[str]) -> None:
    """The module's ``from``: the query is what the scores' first operand is computed from,
    the key their second, the value the second operand of the product with the softmax; a
    value computed inside another module (``hidden``) is seen through. A value computed
    inside that a node of no module takes is a problem: it is no layer."""
    made = {o: n for n in module.inside for o in n.output}
    for node in reader.graph.node:
        taken = [i for i in node.input if i in made and i != module.output]
        if taken and node.output[0] not in grouped:
            module.problem = (f"node {node.name or node.output[0]} ({node.op_type}) takes "
                              f"{taken[0]}, which the module computes: no layer")
            return
    through = {o: n for n in reader.graph.node for o in n.output if o in hidden}
    sources_walked = [_computed_from(v, through, live) for v in (
        module.scores.input[0], module.scores.input[1], module.mixed.input[1])]
    sources = [walked - hidden for walked in sources_walked]
    if any(len(found) != 1 for found in sources):
        role = ("query", "key", "value")[next(i for i, f in enumerate(sources) if len(f) != 1)]
        module.problem = f"the {role} is not computed from one tensor outside the module"
        return
    walked = set().union(*sources_walked)
    query, key, value = (found.pop() for found in sources)
    module.sources = REGISTRY["MultiheadAttention"].inputs_of(query, key, value)
    module.batch_first = _swaps(reader, reader.producer[module.output]) or any(
        _swaps(reader, through[v]) and through[v].input[0] in module.sources
        for v in walked if v in through)


def _swaps(reader: _Reader, node) -> bool:
    """Whether the node is ``x.transpose(1, 0)`` of a 3-dimensional x (``[N, L, E]`` to
    ``[L, N, E]`` and back, as a batch_first nn.MultiheadAttention swaps its tensors)."""
    return node.op_type == "Transpose" and \
        tuple(reader.attributes(node).get("perm", ())) == (1, 0, 2)


def _attention_layer(reader: _Reader, module: _Attention, problem):
    """The module's (type, args, inputs, call, place): ``embed_dim`` and ``kdim``, ``vdim``
    from its weights' shapes (``out_proj.weight`` ``[E, E]``; ``k_proj_weight`` ``[E, kdim]``
    when not packed), ``bias`` and ``add_bias_kv`` from whether it has ``in_proj_bias`` and
    ``bias_k``, ``add_zero_attn`` from the zeros concatenated to the key (a ConstantOfShape),
    ``batch_first`` from the transpose back to ``[N, L, E]`` that it returns, the heads from
    the scores ``[N, heads, L, S']``. The attention dropout is not in an export (eval)."""
    shapes, prefix, names = reader.shapes, module.prefix, module.names
    out_proj = shapes.get(prefix + "out_proj.weight")
    heads = _heads(reader, module, int(out_proj[0])) if out_proj is not None else None
    if out_proj is None or heads is None:
        problem(f"nn.MultiheadAttention {prefix[:-1]!r}: its "
                f"{'out_proj.weight' if out_proj is None else 'number of heads'} cannot be "
                "read from the graph")
        return None
    e = int(out_proj[0])
    kdim = vdim = e
    if prefix + "k_proj_weight" in names:
        kdim, vdim = (int(shapes[prefix + f"{w}_proj_weight"][1]) for w in "kv")
    zeros = {n.output[0] for n in reader.graph.node if n.op_type == "ConstantOfShape"}
    args = {"embed_dim": e, "num_heads": heads, "bias": prefix + "in_proj_bias" in names,
            "add_bias_kv": prefix + "bias_k" in names,
            "add_zero_attn": any(n.op_type == "Concat" and zeros.intersection(n.input)
                                 for n in module.inside),
            "kdim": kdim if kdim != e else None, "vdim": vdim if vdim != e else None,
            "batch_first": module.batch_first}
    return "MultiheadAttention", args, list(module.sources), "module", \
        (module.path[:-1], module.path[-1])


def _heads(reader: _Reader, module: _Attention, e: int) -> int | None:
    """dim 1 of the scores when they are ``[N, heads, L, S']`` (torch's
    scaled_dot_product_attention); else ``E`` over the last size of the Reshape of the query to
    heads before them, ``E/heads`` (``[L, N·heads, E/heads]`` with ``need_weights=True``,
    whose scores are ``[N·heads, L, S']``), the graph computing its sizes."""
    shape = reader.shapes.get(module.scores.output[0])
    if shape is not None and len(shape) == 4:
        return int(shape[1])
    made = {o: n for n in module.inside for o in n.output}
    value = module.scores.input[0]
    while value in made:
        node = made[value]
        if node.op_type == "Reshape":
            target = reader.constants.get(node.input[1])
            size = int(target[-1]) if target is not None and target.size else 0
            return e // size if size > 0 and e % size == 0 else None
        value = next((i for i in node.input if i in made or i in module.sources), "")
    return None


def _ancestors(reader: _Reader, name: str, limit: int = 40) -> list:
    """The nodes that compute the constant ``name`` (nearest first), at most ``limit``."""
    found, todo, seen = [], [name], set()
    while todo and len(found) < limit:
        value = todo.pop(0)
        node = reader.producer.get(value)
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        found.append(node)
        todo += [i for i in node.input if i]
    return found


def _frozen_batch_norm(reader: _Reader, node):
    """torchvision's ``FrozenBatchNorm2d`` as ONNX writes it: ``x * scale + shift``, ``scale``
    and ``shift`` of shape ``[1, C, 1, 1]`` computed from the four tensors of the module
    (weight, bias, running_mean, running_var: ``scale = w * (rv + eps).rsqrt()``, ``shift =
    b - rm * scale``); the ``Add`` is part of the layer. None for anything else (a constant
    folded into one, for one: then nothing says these were buffers)."""
    constants, shapes = reader.constants, reader.shapes
    live = [i for i in node.input if i not in constants]
    scale = [i for i in node.input if i in constants]
    if len(live) != 1 or len(scale) != 1 or reader.data_users.get(node.output[0]) != 1:
        return None
    add = next((n for n in reader.graph.node if node.output[0] in n.input), None)
    if add is None or add.op_type != "Add":
        return None
    shift = [i for i in add.input if i != node.output[0]]
    in_shape = shapes.get(live[0])
    if len(shift) != 1 or shift[0] not in constants or in_shape is None or len(in_shape) != 4:
        return None
    per_channel = (1, in_shape[1], 1, 1)
    if tuple(constants[scale[0]].shape) != per_channel or \
            tuple(constants[shift[0]].shape) != per_channel:
        return None
    nodes = _ancestors(reader, scale[0]) + _ancestors(reader, shift[0])
    tensors = {i for n in nodes if n.op_type != "Identity" for i in n.input   # (an Identity:
               if _is_model_tensor(i, constants) and constants[i].size == in_shape[1]}  # dedup)
    if len(tensors) != 4:
        return None
    eps = 1e-5
    for candidate in nodes:   # rv + eps, under a Sqrt
        if candidate.op_type == "Add" and any(
                candidate.output[0] in n.input for n in nodes if n.op_type == "Sqrt"):
            small = [constants[i] for i in candidate.input
                     if i in constants and constants[i].size == 1]
            if small:
                eps = _f32(small[0].item())
    reader.aliases[add.output[0]] = node.output[0]
    return "FrozenBatchNorm2d", {"eps": eps}, live, "module"


def _with_parameters(reader: _Reader, node, op: str, args: dict, call: str,
                     tensors: dict[str, tuple[str, bool]]):
    """``self.layer_scale * x``, ``torch.cat([class_token, x], 1)``: for each input that is a
    tensor of the model (``tensors``: input → (its name, expanded over the batch)), a
    ``Parameter`` of the tensor's shape (ONNX does not say whether it was a parameter or a
    buffer; read as a parameter), named after the tensor's state-dict name within the node's
    module; and the node's layer of them and the activations."""
    scope, _ = _scope(node.name, op, set(), False)
    results, inputs = [], list(node.input)
    for index, given in enumerate(node.input):
        if given not in tensors:
            continue
        name, expanded = tensors[given]
        parts = name.split(".")
        if tuple(parts[:len(scope)]) == scope and len(parts) > len(scope):
            parts = parts[len(scope):]
        local = re.sub(r"\W", "_", parts[0]) or None
        param = f"{node.output[0]}#{name}"
        shape = tuple(int(d) for d in reader.constants[name].shape)
        results.append((param, "Parameter", {"shape": shape, "expand": "batch" if expanded
                                             else None}, [], "method", (scope, local)))
        inputs[index] = param
    return [*results, (node.output[0], op, args, inputs, call)]


def _model_tensor(reader: _Reader, name: str) -> tuple[str, bool] | None:
    """The tensor of the model that the constant ``name`` is, and whether it is expanded over
    the batch: the tensor itself, or its Expand to sizes computed from an activation's Shape
    (torchvision's ViT: ``class_token.expand(x.shape[0], -1, -1)``, its dim 0 of size 1).
    None for a constant of the export."""
    if _is_model_tensor(name, reader.constants):
        return (name, False) if reader.constants[name].ndim > 0 else None
    node = reader.producer.get(name)
    if node is None or node.op_type != "Expand" or \
            not _is_model_tensor(node.input[0], reader.constants):
        return None
    shape = reader.constants[node.input[0]].shape
    if len(shape) and shape[0] == 1 and any(n.op_type == "Shape"
                                            for n in _ancestors(reader, node.input[1])):
        return node.input[0], True
    return None


def _is_model_tensor(name: str, constants) -> bool:
    """Whether ``name`` is a tensor of the model (an initializer named as in its state dict,
    ``cnblock_1.layer_scale``), not a constant of the export (``/Constant_output_0``,
    ``onnx::Mul_12``)."""
    return name in constants and not name.startswith(("/", "onnx::"))


def _scalar(constants, inputs, index, default):
    if len(inputs) > index and inputs[index]:
        value = constants.get(inputs[index])
        return None if value is None else value.item()
    return default


def _target_shape(in_shape, target):
    """Reshape's output shape: 0 copies the input's size, -1 is the rest."""
    sizes = [in_shape[i] if v == 0 and i < len(in_shape) else v for i, v in enumerate(target)]
    if -1 in sizes:
        known = prod(v for v in sizes if v != -1)
        sizes[sizes.index(-1)] = prod(in_shape) // known if known else 0
    return tuple(sizes)


def _reshape(in_shape, out_shape, source, problem):
    if in_shape is None or out_shape is None:
        problem("the shapes around it are unknown")
        return None
    for start in range(1, len(in_shape)):
        if out_shape == (*in_shape[:start], prod(in_shape[start:])):
            return "Flatten", {"start_dim": start}, [source], "method"
    for dim in range(1, len(in_shape)):
        for count in range(2, len(out_shape) - dim + 1):
            if (out_shape[:dim] == in_shape[:dim]
                    and out_shape[dim + count:] == in_shape[dim + 1:]
                    and prod(out_shape[dim:dim + count]) == in_shape[dim]):
                return "Unflatten", {"dim": dim,
                                     "unflattened_size": out_shape[dim:dim + count]}, \
                    [source], "module"
    problem(f"Reshape of {list(in_shape)} to {list(out_shape)} is neither a Flatten nor an "
            "Unflatten")
    return None


def _slice(node, inputs, constants, in_shape, problem):
    parts = [constants.get(i).tolist() if i in constants else None for i in inputs[1:]]
    if any(p is None for p in parts[:2]) or (len(parts) > 2 and parts[2] is None) or \
            in_shape is None:
        problem("starts, ends and axes must be constants")
        return None
    starts, ends = parts[0], parts[1]
    axes = parts[2] if len(parts) > 2 else list(range(len(starts)))
    steps = parts[3] if len(parts) > 3 and parts[3] is not None else [1] * len(starts)
    if len(starts) != 1 or steps[0] != 1:
        problem("a Slice of one axis with step 1 is a Narrow; this one is not")
        return None
    dim = int(axes[0]) % len(in_shape)
    size = in_shape[dim]
    start = max(0, min(size, starts[0] + size if starts[0] < 0 else starts[0]))
    end = max(0, min(size, ends[0] + size if ends[0] < 0 else ends[0]))
    return "Narrow", {"dim": dim, "start": start, "length": end - start}, [inputs[0]], "method"


def _split(node, inputs, attrs, constants, in_shape, problem):
    if in_shape is None:
        problem("the input's shape is unknown")
        return None
    dim = int(attrs.get("axis", 0)) % len(in_shape)
    count = len(node.output)
    split = attrs.get("split")
    if split is None and len(inputs) > 1 and inputs[1]:
        split = constants.get(inputs[1])
        split = None if split is None else split.tolist()
    if split is None:
        split = [in_shape[dim] // count] * count
    results, start = [], 0
    equal = all(s == split[0] for s in split)
    for index, (output, length) in enumerate(zip(node.output, split)):
        if equal:
            results.append((output, "Chunk", {"chunks": count, "dim": dim, "index": index},
                            [inputs[0]], "method"))
        else:
            results.append((output, "Narrow", {"dim": dim, "start": start, "length": length},
                            [inputs[0]], "method"))
        start += length
    return results


def _pad(inputs, attrs, constants, in_shape, problem):
    mode = attrs.get("mode", "constant")
    pads = attrs.get("pads")
    if pads is None and len(inputs) > 1:
        pads = constants.get(inputs[1])
        pads = None if pads is None else pads.tolist()
    if pads is None or in_shape is None:
        problem("the pads must be constant")
        return None
    rank = len(in_shape)
    begin, end = pads[:rank], pads[rank:]
    if any(begin[:2]) or any(end[:2]):
        problem("padding of the batch or channel dims is no cnncalc layer")
        return None
    n = rank - 2
    torch_pads: list[int] = []
    for axis in reversed(range(2, rank)):
        torch_pads += [int(begin[axis]), int(end[axis])]
    value = _scalar(constants, inputs, 2, attrs.get("value", 0.0)) or 0.0
    if mode == "constant":
        if value == 0:
            type_name, args = f"ZeroPad{n}d", {"padding": tuple(torch_pads)}
        else:
            type_name, args = f"ConstantPad{n}d", {"padding": tuple(torch_pads),
                                                   "value": _f32(value)}
    elif mode in ("reflect", "edge"):
        kind = "Reflection" if mode == "reflect" else "Replication"
        type_name, args = f"{kind}Pad{n}d", {"padding": tuple(torch_pads)}
    else:
        problem(f"Pad mode {mode!r}")
        return None
    if type_name not in REGISTRY:
        problem(f"cnncalc has no {type_name}")
        return None
    return type_name, args, [inputs[0]], "module"


def _resize(op, inputs, attrs, constants, in_shape, out_shape, problem):
    if in_shape is not None and out_shape is None:   # shape inference did not take the
        for index in (3, 2, 1):                         # sizes or scales: they are known
            value = constants.get(inputs[index]) if len(inputs) > index else None
            if value is not None and value.size == len(in_shape):
                out_shape = tuple(int(v) for v in value.tolist()) if index == 3 else \
                    tuple(int(n * float(f)) for n, f in zip(in_shape, value.tolist()))
                break
    if in_shape is None or out_shape is None:
        problem("the shapes around it are unknown")
        return None
    rank = len(in_shape)
    mode = attrs.get("mode", "nearest")
    if mode == "nearest":
        torch_mode = "nearest"
    elif mode == "linear":
        torch_mode = {3: "linear", 4: "bilinear", 5: "trilinear"}.get(rank)
    elif mode == "cubic":
        torch_mode = "bicubic" if rank == 4 else None
    else:
        torch_mode = None
    if torch_mode is None:
        problem(f"Resize mode {mode!r} on a {rank}-dimensional tensor")
        return None
    args: dict[str, Any] = {"mode": torch_mode}
    if torch_mode != "nearest":
        args["align_corners"] = attrs.get("coordinate_transformation_mode") == "align_corners"
    scales = None
    for index in (2, 1):
        if len(inputs) > index and inputs[index] in constants and \
                constants[inputs[index]].size == rank:
            scales = constants[inputs[index]].tolist()
            break
    if scales is not None and all(float(s).is_integer() for s in scales[2:]):
        factors = [int(s) for s in scales[2:]]
        args["scale_factor"] = float(factors[0]) if all(f == factors[0] for f in factors) \
            else tuple(float(f) for f in factors)
    else:
        args["size"] = tuple(out_shape[2:])
    return "Upsample", args, [inputs[0]], "module"
