"""``cnncalc import package.module:factory``: a torch model traced by ``torch.fx``.

``torch.fx.symbolic_trace``'s tracer (extended to remember which module each operation runs
in) records the model's graph; shapes are propagated on meta tensors
(``torch.fx.passes.shape_prop``). Each ``call_module`` node is a layer of the type of the same
name as the module's class (:data:`cnncalc.layers.REGISTRY`), its arguments read from the
module's attributes; ``call_function`` and ``call_method`` nodes that are layers (``F.relu``,
``torch.cat``, ``x + y``, ``x.flatten(1)``, ``x.mean([2, 3], keepdim=True)``...) are marked
``call: functional`` or ``call: method``. ``nn.MultiheadAttention`` returns ``(output,
weights)``: its ``[0]`` is the layer's output, its weights no layer. Sizes (``x.shape[0]``) are
no layers either, only arguments: of ``class_token.expand(n, -1, -1)``, a Parameter expanded
over the batch. Anything else is a problem naming the node and its operation; every problem is
reported, none is skipped. A module called more than once (CBAM's
shared MLP, YOLOv5's SPPF max pool) is one layer and, at each later call, a shared entry
(``- {share: m}``): its parameters counted once, its operations at every call.
"""

from __future__ import annotations

import importlib
import inspect
import operator
import re
import sys
from pathlib import Path
from typing import Any, Callable

import torch
import torch.fx
import torch.nn.functional as F  # noqa: N812

from cnncalc.errors import UsageError
from cnncalc.importers.model import INPUT, ImportProblems, Op, clean_args, to_yaml
from cnncalc.layers import REGISTRY


def load_factory(spec: str) -> Callable[[], torch.nn.Module]:
    """``package.module:factory`` (or ``path/to/file.py:factory``) → the callable."""
    if ":" not in spec:
        raise UsageError(f"expected package.module:factory or MODEL.onnx, got {spec!r}")
    module_name, _, attr = spec.rpartition(":")
    try:
        if module_name.endswith(".py") or "/" in module_name:
            path = Path(module_name)
            if not path.is_file():
                raise UsageError(f"no such file: {module_name}")
            loader = importlib.util.spec_from_file_location(path.stem, path)
            module = importlib.util.module_from_spec(loader)
            sys.modules[path.stem] = module
            loader.loader.exec_module(module)
        else:
            if "" not in sys.path:
                sys.path.insert(0, "")
            module = importlib.import_module(module_name)
    except UsageError:
        raise
    except Exception as err:  # the user's code: any error, said in one line
        raise UsageError(f"cannot import {module_name!r}: {type(err).__name__}: {err}") from None
    target = module
    for part in attr.split("."):
        target = getattr(target, part, None)
        if target is None:
            raise UsageError(f"{module_name!r} has no attribute {attr!r}")
    if not callable(target):
        raise UsageError(f"{spec!r} is not callable (expected a function or a module class)")
    return target


class _Tracer(torch.fx.Tracer):
    """``symbolic_trace``'s tracer, remembering the module path each node is created in.
    Modules whose class is a cnncalc layer type are leaves (not traced through)."""

    def __init__(self) -> None:
        super().__init__()
        self.record_stack_traces = True   # where each node is, for the messages
        self.stack: list[str] = [""]
        self.classes: dict[str, str] = {}

    def is_leaf_module(self, module: torch.nn.Module, qualname: str) -> bool:
        if type(module).__name__ in REGISTRY and not list(module.children()):
            return True
        return super().is_leaf_module(module, qualname)

    def call_module(self, module, forward, args, kwargs):
        path = self.path_of_module(module)
        self.classes[path] = type(module).__name__
        self.stack.append(path)
        try:
            return super().call_module(module, forward, args, kwargs)
        finally:
            self.stack.pop()

    def create_node(self, *args, **kwargs):
        node = super().create_node(*args, **kwargs)
        node.meta["cnncalc_scope"] = self.stack[-1] if node.op != "call_module" \
            else self.stack[-2]
        return node


def trace(model: torch.nn.Module, input_shape: tuple[int, ...]):
    """The fx graph module of ``model`` with shapes on every node, and the classes of its
    module paths."""
    from torch.fx.passes.shape_prop import ShapeProp

    tracer = _Tracer()
    graph = tracer.trace(model)
    module = torch.fx.GraphModule(tracer.root, graph)
    with torch.device("meta"):
        ShapeProp(module).propagate(torch.empty(1, *input_shape))
    return module, tracer.classes


# -- nodes to layers ------------------------------------------------------------------------------

def _snake(type_name: str) -> str:
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", type_name).lower()
    return name.replace("re_lu", "relu").replace("pool_", "pool")


#: torch.nn.functional function → layer type, for the types whose module is a plain function
_FUNCTIONAL = {getattr(F, _snake(t)): t for t in REGISTRY if getattr(F, _snake(t), None)
               is not None and not re.search("norm|conv|linear|prelu", _snake(t))}
_FUNCTIONAL.update({F.interpolate: "Upsample", torch.relu: "ReLU", torch.sigmoid: "Sigmoid",
                    torch.tanh: "Tanh", F.relu6: "ReLU6", F.silu: "SiLU"})
_FUNCTIONAL = {f: t for f, t in _FUNCTIONAL.items()
               if t in REGISTRY and REGISTRY[t].arity == (1, 1)}
_METHODS = {"relu": "ReLU", "relu_": "ReLU", "sigmoid": "Sigmoid", "tanh": "Tanh",
            "flatten": "Flatten", "permute": "Permute", "narrow": "Narrow"}


def _shape(node) -> tuple[int, ...] | None:
    meta = node.meta.get("tensor_meta") if isinstance(node, torch.fx.Node) else None
    return tuple(meta.shape) if meta is not None and hasattr(meta, "shape") else None


def _module_args(module: torch.nn.Module, type_name: str) -> dict[str, Any]:
    """A module's constructor arguments, read from its attributes."""
    cls = REGISTRY[type_name]
    args: dict[str, Any] = {}
    for key, info in cls.model_fields.items():
        if not hasattr(module, key):
            continue
        value = getattr(module, key)
        if isinstance(value, torch.Tensor) or value is None and info.annotation in (bool,) \
                or key == "bias" and not isinstance(value, (bool, str)):
            value = value is not None   # ``bias=True`` keeps a tensor, ``False`` None
        elif isinstance(value, torch.nn.Module):
            continue
        if isinstance(value, list):
            value = tuple(value)
        args[key] = value
    if type_name == "PReLU":
        args["num_parameters"] = module.weight.numel()
    return args


def _layer_of_node(node, modules, problems: list[str]) -> tuple[str, dict, list, str] | None:
    """(type, args, input nodes, call) of a node, or None after saying why it is no layer."""
    where = f"node {node.name} ({_op_text(node)})"
    if node.op == "call_module":
        module = modules[node.target]
        type_name = type(module).__name__
        if type_name not in REGISTRY:
            problems.append(f"{where}: module {node.target!r} is a {type_name}, which is no "
                            "cnncalc layer type (see `cnncalc schema` for the types)")
            return None
        if type_name == "MultiheadAttention":
            return _attention(node, module, where, problems)
        return type_name, _module_args(module, type_name), list(node.args), "module"
    if node.op == "call_function":
        return _function(node, modules, where, problems)
    if node.op == "call_method":
        return _method(node, where, problems)
    problems.append(f"{where}: cannot be a layer")
    return None


def _attention(node, module, where: str, problems):
    """``attn(query, key, value, need_weights=False)``: a ``MultiheadAttention`` whose ``from``
    is the query alone when one node is query, key and value (self-attention), the query and
    the memory when key and value are one node, else all three. Its output is ``[0]`` of the
    call's ``(output, weights)`` (see :func:`_result`). ``nn.MultiheadAttention`` keeps no
    ``bias`` nor ``add_bias_kv``: they are whether it holds ``in_proj_bias`` and ``bias_k``;
    its ``kdim`` and ``vdim`` are ``embed_dim`` when not given (then left out)."""
    bound = _bound(module.forward, node)
    query, key, value = (bound.get(name) for name in ("query", "key", "value"))
    masks = [name for name in ("key_padding_mask", "attn_mask")
             if isinstance(bound.get(name), torch.fx.Node)]
    if masks:
        problems.append(f"{where}: a {masks[0]} is no input of cnncalc's MultiheadAttention "
                        "(its from: is the query, key and value)")
        return None
    inputs = list(REGISTRY["MultiheadAttention"].inputs_of(query, key, value))
    e = module.embed_dim
    args = {"embed_dim": e, "num_heads": module.num_heads, "dropout": module.dropout,
            "bias": module.in_proj_bias is not None, "add_bias_kv": module.bias_k is not None,
            "add_zero_attn": module.add_zero_attn, "batch_first": module.batch_first,
            "kdim": module.kdim if module.kdim != e else None,
            "vdim": module.vdim if module.vdim != e else None}
    return "MultiheadAttention", args, inputs, "module"


def _is_attention(node, modules) -> bool:
    return node.op == "call_module" and \
        type(modules.get(node.target)).__name__ == "MultiheadAttention"


def _result(node, source, where: str, problems):
    """``out[i]`` of nn.MultiheadAttention's ``(output, weights)``: ``[0]`` is its layer's
    output (``("result", ...)``: the node is that layer); the weights (``[1]``, which ``x, _ =
    attn(...)`` makes a node of) are no layer: fine unused (``("unused", ...)``), a problem
    used."""
    if node.args[1] == 0:
        return "result", {}, [source], "module"
    if not node.users:
        return "unused", {}, [source], "module"
    problems.append(f"{where}: the attention weights of {source.target!r} (its [1], with "
                    "need_weights=True) are no cnncalc layer; cnncalc's MultiheadAttention "
                    "is the output, [0]")
    return None


def _whole_size(node) -> bool:
    """Whether the node is a tensor's size: ``x.shape``, ``x.size()``."""
    if node.op == "call_method":
        return node.target == "size" and len(node.args) == 1 and not node.kwargs
    return node.op == "call_function" and node.target is getattr and node.args[1] == "shape"


def _size(node) -> bool:
    """Whether the node is a size, no tensor: ``x.shape``, ``x.size(0)``, ``x.shape[0]``, ...
    (no layer: an argument of another node, such as an expand)."""
    if node.op == "call_method" and node.target == "size" or _whole_size(node):
        return True
    return node.op == "call_function" and node.target is operator.getitem and \
        isinstance(node.args[0], torch.fx.Node) and _whole_size(node.args[0])


def _batch_size(node) -> bool:
    """Whether the node is dim 0 of a tensor's size: ``x.shape[0]``, ``x.size(0)``."""
    if not isinstance(node, torch.fx.Node) or not _size(node) or _whole_size(node):
        return False
    if node.op == "call_method":
        return (node.args[1] if len(node.args) > 1 else node.kwargs.get("dim")) == 0
    return node.args[1] == 0


def _expand(node, where: str, problems):
    """``param.expand(x.shape[0], -1, ...)`` (torchvision's ViT's class token): the
    Parameter expanded over the batch, ``("expand", ...)``; the importer marks the Parameter
    ``expand: batch``. Another expand is a problem."""
    param, *sizes = node.args
    if len(sizes) == 1 and isinstance(sizes[0], (list, tuple)):
        sizes = list(sizes[0])
    if isinstance(param, torch.fx.Node) and param.op == "get_attr" and sizes and \
            _batch_size(sizes[0]) and all(s == -1 for s in sizes[1:]) and \
            len(param.users) == 1:
        return "expand", {}, [param], "method"
    problems.append(f"{where}: x.expand(...) is a layer only as a Parameter's "
                    "expand(x.shape[0], -1, ...) over the batch (cnncalc's expand: batch)")
    return None


def _bound(function, node) -> dict[str, Any]:
    """The node's arguments by parameter name (``F.max_pool2d(x, 3, 2)`` → kernel_size...)."""
    try:
        signature = inspect.signature(function)
        bound = signature.bind_partial(*node.args, **node.kwargs)
        return dict(bound.arguments)
    except (TypeError, ValueError):
        return {}


def _binary(node, type_name: str, call: str, where: str, problems):
    tensors = [a for a in node.args if isinstance(a, torch.fx.Node)]
    if len(tensors) != len(node.args) or node.kwargs or len(tensors) != 2:
        problems.append(f"{where}: {type_name} of tensors only (no numbers, no keywords); "
                        "cnncalc's Add and Mul take tensors")
        return None
    a, b = (_shape(t) for t in tensors)
    if type_name == "Add" and a != b:
        problems.append(f"{where}: Add of different shapes {list(a or ())} and {list(b or ())}")
        return None
    return type_name, {}, tensors, call


def _function(node, modules, where, problems):
    target = node.target
    if _size(node):
        return "size", {}, [], "method"   # no layer: an argument of its users
    if target in (operator.add, operator.iadd):
        return _binary(node, "Add", "method", where, problems)
    if target in (torch.add,):
        return _binary(node, "Add", "functional", where, problems)
    if target in (operator.mul, operator.imul):
        return _binary(node, "Mul", "method", where, problems)
    if target is torch.mul:
        return _binary(node, "Mul", "functional", where, problems)
    if target in (operator.matmul, torch.matmul):
        return "Matmul", {}, list(node.args), "method" if target is operator.matmul \
            else "functional"
    if target in (torch.cat, torch.concat):
        tensors = node.args[0]
        dim = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0)
        return "Concat", {"dim": dim}, list(tensors), "functional"
    if target is torch.permute:
        dims = node.args[1] if len(node.args) > 1 else node.kwargs.get("dims")
        return "Permute", {"dims": tuple(dims) if isinstance(dims, (list, tuple)) else dims}, \
            [node.args[0]], "functional"
    if target is torch.flatten:
        args = _bound(torch.flatten, node)
        return "Flatten", {"start_dim": args.get("start_dim", 0),
                           "end_dim": args.get("end_dim", -1)}, [node.args[0]], "functional"
    if target in (torch.mean, torch.amax, torch.sum) and len(node.args) > 1:
        return _reduce(node, target.__name__, list(node.args[1:]), dict(node.kwargs), where,
                       "functional", problems)
    if target is operator.getitem:
        source = node.args[0]
        if isinstance(source, torch.fx.Node) and source.op == "call_method" and \
                source.target == "chunk":
            chunks = source.args[1] if len(source.args) > 1 else source.kwargs["chunks"]
            dim = source.args[2] if len(source.args) > 2 else source.kwargs.get("dim", 0)
            return "Chunk", {"chunks": chunks, "dim": dim, "index": node.args[1]}, \
                [source.args[0]], "method"
        if isinstance(source, torch.fx.Node) and _is_attention(source, modules):
            return _result(node, source, where, problems)
        problems.append(f"{where}: indexing is a layer only after x.chunk(...)")
        return None
    type_name = _FUNCTIONAL.get(target)
    if type_name is not None:
        args = _bound(target, node)
        values = {k: v for k, v in args.items() if k in REGISTRY[type_name].model_fields}
        first = next(iter(args.values()), None)
        if type_name == "Dropout" and "training" in args:
            pass
        return type_name, values, [first], "functional"
    problems.append(f"{where}: {_op_text(node)} is no cnncalc layer type")
    return None


def _reduce(node, name, rest, kwargs, where, call, problems):
    dim = rest[0] if rest else kwargs.get("dim")
    keepdim = rest[1] if len(rest) > 1 else kwargs.get("keepdim", False)
    shape = _shape(node.args[0])
    dims = tuple(dim) if isinstance(dim, (list, tuple)) else (dim,)
    if name == "mean" and shape is not None and keepdim and len(shape) >= 3 and \
            sorted(d % len(shape) for d in dims) == list(range(2, len(shape))):
        type_name = f"AdaptiveAvgPool{len(shape) - 2}d"
        if type_name in REGISTRY:
            return type_name, {"output_size": 1}, [node.args[0]], call
    return name.capitalize(), {"dim": dim if not isinstance(dim, list) else tuple(dim),
                               "keepdim": keepdim}, [node.args[0]], call


def _method(node, where, problems):
    name = node.target
    if name in ("mean", "amax", "sum"):
        return _reduce(node, name, list(node.args[1:]), dict(node.kwargs), where, "method",
                       problems)
    if name == "chunk":
        return "chunk", {}, [], "method"   # its getitem nodes are the layers
    if name == "size":
        return "size", {}, [], "method"    # no layer: an argument of its users
    if name == "expand":
        return _expand(node, where, problems)
    if name in ("add", "add_"):
        return _binary(node, "Add", "method", where, problems)
    if name in ("mul", "mul_"):
        return _binary(node, "Mul", "method", where, problems)
    type_name = _METHODS.get(name)
    if type_name is None:
        problems.append(f"{where}: x.{name}(...) is no cnncalc layer type")
        return None
    rest = list(node.args[1:])
    if type_name == "Flatten":
        args = {"start_dim": rest[0] if rest else node.kwargs.get("start_dim", 0),
                "end_dim": rest[1] if len(rest) > 1 else node.kwargs.get("end_dim", -1)}
    elif type_name == "Permute":
        args = {"dims": tuple(rest[0]) if len(rest) == 1 and isinstance(rest[0], (list, tuple))
                else tuple(rest)}
    elif type_name == "Narrow":
        args = dict(zip(("dim", "start", "length"), rest))
    elif type_name == "ReLU":
        args = {"inplace": name.endswith("_")}
    else:
        args = {}
    return type_name, args, [node.args[0]], "method"


def _op_text(node) -> str:
    if node.op == "call_module":
        return f"call_module {node.target}"
    if node.op == "call_method":
        return f"call_method {node.target}"
    target = node.target
    module = getattr(target, "__module__", None) or ""
    name = getattr(target, "__name__", str(target))
    module = {"_operator": "operator", "torch._C._nn": "torch.nn.functional",
              "torch._C._VariableFunctions": "torch"}.get(module, module)
    return f"{node.op} {module + '.' if module else ''}{name}"


def _located(problem: str, nodes) -> str | tuple[str, str]:
    """``(FILE:LINE, problem)`` where the problem's node is written in the model's source."""
    match = re.match(r"node (\S+)", problem)
    node = nodes.get(match.group(1)) if match else None
    trace = getattr(node, "stack_trace", None) or ""
    inside_torch = str(Path(torch.__file__).parent)
    frames = [f for f in re.findall(r'File "([^"]+)", line (\d+)', trace)
              if not f[0].startswith((inside_torch, str(Path(__file__).parent)))]
    if not frames:
        return problem
    file, line = frames[-1]
    try:
        file = str(Path(file).resolve().relative_to(Path.cwd()))
    except ValueError:
        pass
    return f"{file}:{line}", problem


def _parameter(node, module, modules, problems) -> Op | None:
    """A ``get_attr`` node of an ``nn.Parameter`` (ConvNeXt's layer scale): a ``Parameter``
    layer, named by its attribute (``cnblock_1.layer_scale``), or by the module that holds
    nothing but it (a wrapper module whose forward returns it). Other tensors (buffers,
    constants) are problems."""
    where = f"node {node.name} (get_attr {node.target})"
    try:
        value = module.get_parameter(node.target)
    except AttributeError:
        problems.append(f"{where}: a tensor of the model used directly is a layer only when "
                        "it is an nn.Parameter (cnncalc's Parameter); this one is not")
        return None
    path = tuple(node.target.split("."))
    owner = modules.get(".".join(path[:-1]), module)
    if len(path) > 1 and type(owner).__name__ not in REGISTRY and \
            not list(owner.children()) and len(list(owner.parameters())) == 1 and \
            not list(owner.buffers()):
        path = path[:-1]
    shape = tuple(value.shape)
    if not shape:
        problems.append(f"{where}: a Parameter of no dimensions is no cnncalc layer")
        return None
    return Op(node.name, "Parameter", {"shape": shape}, [], "method", path[:-1], path[-1],
              where, trainable=value.requires_grad)


def import_model(model: torch.nn.Module, input_shape: tuple[int, ...], *, name: str,
                 source: str = "") -> str:
    """The network file of ``model`` on one sample of ``input_shape`` (batch excluded)."""
    try:
        module, classes = trace(model, input_shape)
    except Exception as err:  # noqa: BLE001 - fx's own errors are the message
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise UsageError(f"{source or name}: torch.fx cannot trace the model: "
                         f"{type(err).__name__}: {first}") from None
    modules = dict(module.named_modules())
    problems: list[str] = []
    ops: list[Op] = []
    ids: dict[str, str] = {}
    called: dict[str, str] = {}
    output = None
    for node in module.graph.nodes:
        if node.op == "placeholder":
            if ids:
                problems.append(f"node {node.name}: the model takes more than one input")
            ids[node.name] = INPUT
            continue
        if node.op == "output":
            result = node.args[0]
            results = list(result) if isinstance(result, (tuple, list)) else [result]
            if not results or not all(isinstance(r, torch.fx.Node) for r in results):
                problems.append(f"node {node.name}: the model returns "
                                f"{type(result).__name__}, not tensors")
            else:
                output = results
            continue
        if node.op == "get_attr":
            found = _parameter(node, module, modules, problems)
            if found is not None:
                ids[node.name] = node.name
                ops.append(found)
            continue
        shares = None
        if node.op == "call_module":
            if node.target in called:   # the same module called again: a shared entry
                shares = called[node.target]
            else:
                called[node.target] = node.name
        found = _layer_of_node(node, modules, problems)
        if found is None:
            continue
        type_name, args, inputs, call = found
        if type_name in ("chunk", "size", "unused"):   # no layer (chunk: its getitems are)
            continue
        if type_name == "result":   # [0] of nn.MultiheadAttention's: its layer's output
            if inputs[0].name in ids:
                ids[node.name] = ids[inputs[0].name]
            continue
        if type_name == "expand":   # the class token: its Parameter, expanded
            param = next((op for op in ops if op.id == ids.get(inputs[0].name)), None)
            if param is None or param.type != "Parameter" or param.args["shape"][0] != 1:
                problems.append(f"node {node.name} ({_op_text(node)}): only a Parameter of "
                                "dim 0 of size 1 expands over the batch")
                continue
            param.args["expand"] = "batch"
            ids[node.name] = param.id
            continue
        bad = [i for i in inputs if not isinstance(i, torch.fx.Node)]
        if bad or not inputs:
            problems.append(f"node {node.name} ({_op_text(node)}): takes "
                            f"{type(bad[0]).__name__ if bad else 'no tensor'} as an input; "
                            "cnncalc layers take tensors")
            continue
        missing = [i.name for i in inputs if i.name not in ids]
        if missing:
            problems.append(f"node {node.name} ({_op_text(node)}): its input {missing[0]} "
                            "is no layer")
            continue
        try:
            args = clean_args(type_name, args)
            REGISTRY[type_name].model_validate(dict(args))
        except Exception as err:  # noqa: BLE001 - pydantic's message names the field
            problems.append(f"node {node.name} ({_op_text(node)}): {type_name} arguments "
                            f"{args}: {str(err).splitlines()[0]}")
            continue
        if node.op == "call_module":
            path = tuple(node.target.split("."))
            scope, local = path[:-1], path[-1]
        else:
            scope_text = node.meta.get("cnncalc_scope", "")
            scope, local = (tuple(scope_text.split(".")) if scope_text else ()), None
        ids[node.name] = node.name
        parameters = list(modules[node.target].parameters()) if node.op == "call_module" \
            else []
        if shares is not None and shares not in ids:
            problems.append(f"node {node.name} ({_op_text(node)}): it calls the module of node "
                            f"{shares} again, which is no layer")
            continue
        ops.append(Op(node.name, type_name, args, [ids[i.name] for i in inputs], call, scope,
                      local if shares is None else None, f"node {node.name}",
                      trainable=not parameters or any(p.requires_grad for p in parameters),
                      shares=shares))
    outputs: tuple[str, ...] = ()
    if output is not None and not problems:
        missing = [o.name for o in output if o.name not in ids or ids[o.name] == INPUT]
        if missing:
            problems.append(f"node {missing[0]}: the model returns its input or what is no "
                            "layer")
        outputs = tuple(ids[o.name] for o in output)
        if len(set(outputs)) != len(outputs):
            problems.append("the model returns one tensor twice")
    if problems:
        nodes = {node.name: node for node in module.graph.nodes}
        raise ImportProblems(source or name, [_located(p, nodes) for p in problems])
    path_classes = {tuple(p.split(".")): c for p, c in classes.items() if p}
    return to_yaml(name, input_shape, ops, path_classes, source=source,
                   outputs=outputs if len(outputs) > 1 or outputs != (ops[-1].id,) else ())


def import_factory(spec: str, input_shape: tuple[int, ...] | None) -> str:
    """``cnncalc import package.module:factory``: the file's text."""
    factory = load_factory(spec)
    with torch.device("meta"):
        try:
            model = factory()
        except Exception as err:  # noqa: BLE001 - the user's code
            raise UsageError(f"{spec}: calling the factory failed: {type(err).__name__}: "
                             f"{err}") from None
    if not isinstance(model, torch.nn.Module):
        raise UsageError(f"{spec}: the factory returned a {type(model).__name__}, "
                         "not a torch.nn.Module")
    if input_shape is None:
        raise UsageError(f"{spec}: a torch model does not say its input's shape: give --input "
                         "(e.g. --input 3x224x224, batch excluded)")
    model.eval()
    name = type(model).__name__
    return import_model(model, tuple(input_shape), name=name, source=spec)
