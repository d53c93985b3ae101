"""Memory: what each layer's output takes, what autograd keeps for backward, and the totals.

A table of small pure rules, one per layer type, registered where defined
(``@rule(Conv1d, Conv2d, ...)``) and found through the class hierarchy, as
:mod:`cnncalc.counting` does; registering a type twice is an error. A rule sees one layer —
its resolved arguments, input shapes, output shape, which inputs require grad and whether it
is trainable — and returns the storages autograd keeps for backward in a training-mode
forward (torch 2.13, CPU), parameters and buffers excluded: each kept item is ``input i``
(the storage of input i), ``output`` (the layer's output storage) or a ``new`` tensor.

Whole networks are accounted by :func:`account`, which passes storage identity along the
rows (a view or in-place output shares input 0's storage) and counts each kept storage
once, at the first layer that keeps it. This module never imports :mod:`cnncalc.report`.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import prod
from typing import Any, Callable, NamedTuple, Sequence

from cnncalc.errors import UsageError, one_of
from cnncalc.layers import REGISTRY, Layer
from cnncalc.memo import Memo
from cnncalc.rules import RuleTable

#: element size of each activation/parameter dtype
DTYPES = {"float32": 4, "float16": 2, "bfloat16": 2, "float64": 8}
INDEX_BYTES = 8   # int64 (max-pool indices, num_batches_tracked)
#: optimizer state per trainable parameter, in parameter sizes
OPTIMIZERS = {"sgd": 0, "momentum": 1, "adam": 2, "adamw": 2}
DEFAULT_DTYPE = "float32"
DEFAULT_OPTIMIZER = "adam"


@dataclass(frozen=True)
class Kept:
    """One storage kept for backward: ``what`` is ``"input"`` (``index`` says which),
    ``"output"`` or ``"new"`` (``numel`` elements of ``"e"``, the activation dtype, or
    ``"int64"``)."""

    what: str
    index: int = 0
    numel: int = 0
    dtype: str = "e"


@dataclass(frozen=True)
class Call:
    """What a memory rule sees of one layer."""

    type: str
    args: dict[str, Any]
    inputs: tuple[tuple[int, ...], ...]
    output: tuple[int, ...]
    inputs_grad: tuple[bool, ...]   # input i requires grad
    trainable: bool                  # its parameters require grad
    #: each input's strides, None when it is contiguous (a Permute makes it otherwise)
    strides: tuple[tuple[int, ...] | None, ...] = ()

    @property
    def x(self) -> tuple[int, ...]:
        return tuple(self.inputs[0])


Rule = Callable[[Call], list[Kept]]
RULES: RuleTable[Rule] = RuleTable("memory")
rule_for = RULES.rule_for
rule = RULES.rule   # ``@rule("Conv1d", "Conv2d", ...)``: by name, importing no layer family


def _tup(v: Any, n: int) -> tuple:
    return tuple(v) if isinstance(v, (list, tuple)) else (v,) * n


def has_params(t: str, a: dict) -> bool:
    if t.startswith(("Conv", "ConvTranspose", "Linear", "PReLU")):
        return True
    if t.startswith(("BatchNorm", "InstanceNorm", "GroupNorm")):
        return bool(a.get("affine"))
    if t in ("LayerNorm", "LayerNorm2d"):
        return bool(a.get("elementwise_affine"))
    return False


def output_aliases_input(t: str, a: dict) -> bool:
    """The output is input 0's storage (a view, an in-place layer, dropout with p = 0)."""
    if t in ("Flatten", "Unflatten", "Identity", "Chunk", "Narrow", "Permute"):
        return True
    if t in ("AlphaDropout", "StochasticDepth"):
        return a["p"] == 0            # nn.AlphaDropout ignores its inplace argument
    if "Dropout" in t:
        return a["p"] == 0 or bool(a.get("inplace"))
    return bool(a.get("inplace"))


def aliases_at_inference(t: str, a: dict) -> bool:
    """As :func:`output_aliases_input`, in eval mode, where every dropout returns its input."""
    return "Dropout" in t or t == "StochasticDepth" or output_aliases_input(t, a)


INPUT0 = Kept("input", 0)
OUTPUT = Kept("output")


def new(numel: int, dtype: str = "e") -> Kept:
    return Kept("new", 0, numel, dtype)


@rule("Parameter", "Add", "Concat", "Flatten", "Unflatten", "Identity", "Chunk", "Narrow", "Permute",
      "PixelShuffle",
      "PixelUnshuffle", "ChannelShuffle", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
      "ConstantPad1d", "ConstantPad2d", "ConstantPad3d")
def nothing(c: Call) -> list[Kept]:
    return []


@rule("ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d", "PReLU", "AvgPool1d",
      "AvgPool2d", "AvgPool3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
      "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "GELU", "Softplus")
def the_input(c: Call) -> list[Kept]:
    return [INPUT0]


@rule("Conv1d", "Conv2d", "Conv3d")
def conv(c: Call) -> list[Kept]:
    a, x = c.args, c.x
    n = len(x) - 2
    k, d = _tup(a["kernel_size"], n), _tup(a["dilation"], n)
    mode = a.get("padding_mode", "zeros")
    if mode == "zeros":
        if a["padding"] == "same":
            odd = [di * (ki - 1) % 2 for di, ki in zip(d, k)]
            if any(odd):  # asymmetric 'same': ATen pads one extra on the right first
                return [new(x[0] * x[1] * prod(s + o for s, o in zip(x[2:], odd)))]
        return [INPUT0]
    p = a["padding"]
    if p == "same":
        totals = [di * (ki - 1) for di, ki in zip(d, k)]
    elif p == "valid":
        totals = [0] * n
    else:
        totals = [2 * pi for pi in _tup(p, n)]
    kept = [new(x[0] * x[1] * prod(s + t for s, t in zip(x[2:], totals)))]
    if mode in ("reflect", "replicate") and c.inputs_grad[0]:
        kept.append(INPUT0)
    return kept


@rule("Linear")
def linear(c: Call) -> list[Kept]:
    """The input, for the weight's gradient; on a non-contiguous input of rank > 2 whose
    leading dims cannot be folded into one by a view (a Permute to channels-last), the
    contiguous copy that ``matmul``'s reshape makes."""
    if not c.trainable:
        return []
    x, strides = c.x, c.strides[0] if c.strides else None
    if strides is not None and len(x) > 2 and view_strides(
            x, strides, (prod(x[:-1]), x[-1])) is None:
        return [new(prod(x))]
    return [INPUT0]


# -- layouts: where a Permute leaves a tensor non-contiguous ----------------------------------

def contiguous_strides(shape: Sequence[int]) -> tuple[int, ...]:
    out, step = [], 1
    for n in reversed(shape):
        out.append(step)
        step *= n
    return tuple(reversed(out))


def is_contiguous(shape: Sequence[int], strides: Sequence[int]) -> bool:
    """torch's ``is_contiguous``: size-1 dims may have any stride."""
    return all(n == 1 or s == c for n, s, c in zip(shape, strides, contiguous_strides(shape)))


def view_strides(shape: Sequence[int], strides: Sequence[int], new: Sequence[int]
                 ) -> tuple[int, ...] | None:
    """The strides of ``view(new)`` of a tensor with ``shape`` and ``strides``, or None when
    torch cannot view it so (``reshape`` then copies): ATen's ``computeStride``."""
    if prod(shape) == 0:
        return None
    out = [0] * len(new)
    view_d = len(new) - 1
    base = strides[-1] if strides else 1
    tensor_numel = view_numel = 1
    for d in range(len(shape) - 1, -1, -1):
        tensor_numel *= shape[d]
        if d == 0 or (shape[d - 1] != 1 and strides[d - 1] != tensor_numel * base):
            while view_d >= 0 and (view_numel < tensor_numel or new[view_d] == 1):
                out[view_d] = view_numel * base
                view_numel *= new[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if d > 0:
                base, tensor_numel, view_numel = strides[d - 1], 1, 1
    return tuple(out) if view_d == -1 else None


#: layers whose output takes the layout of their (first) input, as torch's elementwise kernels
#: give their output the input's strides
KEEPS_LAYOUT = ("ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "SELU", "CELU", "GELU", "SiLU",
                "Mish", "Sigmoid", "Tanh", "Hardswish", "Hardsigmoid", "Hardtanh", "Softplus",
                "Dropout", "AlphaDropout", "Identity", "Chunk", "Narrow", "Add", "Mul",
                "StochasticDepth", "FrozenBatchNorm2d")


def output_strides(row: Any, args: dict, strides: tuple[int, ...] | None
                   ) -> tuple[tuple[int, ...] | None, bool]:
    """The strides of a layer's output (None: contiguous) given its first input's, and whether
    a view layer had to copy instead (Flatten of a permuted tensor)."""
    shape, out = tuple(row.input_shapes[0]), tuple(row.output_shape)
    if row.type == "Permute":
        from cnncalc.layers.reshape import permutation
        given = strides or contiguous_strides(shape)
        made = tuple(given[d] for d in permutation(tuple(args["dims"]), len(shape)))
        return (None if is_contiguous(out, made) else made), False
    if row.type == "LayerNorm2d":   # layer_norm's contiguous [N, H, W, C], permuted back
        made = contiguous_strides((out[0], *out[2:], out[1]))
        made = (made[0], made[-1], *made[1:-1])
        return (None if is_contiguous(out, made) else made), False
    if strides is None:
        return None, False
    if row.type in ("Flatten", "Unflatten"):
        viewed = view_strides(shape, strides, out)
        if viewed is None:
            return None, True
        return (None if is_contiguous(out, viewed) else viewed), False
    if row.type in KEEPS_LAYOUT and all(tuple(s) == shape for s in row.input_shapes):
        return strides, False
    return None, False


@rule("BatchNorm1d", "BatchNorm2d", "BatchNorm3d")
def batch_norm(c: Call) -> list[Kept]:
    return [INPUT0, new(c.x[1]), new(c.x[1])]          # save_mean, save_invstd


@rule("FrozenBatchNorm2d")
def frozen_batch_norm(c: Call) -> list[Kept]:
    # x * scale + bias: mul keeps scale ([1, C, 1, 1], computed from buffers) for x's gradient
    return [new(c.x[1])] if c.inputs_grad[0] else []


@rule("InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d")
def instance_norm(c: Call) -> list[Kept]:
    nc = c.x[0] * c.x[1]
    k = 2 + (1 if c.args.get("affine") else 0) + (2 if c.args.get("track_running_stats") else 0)
    return [INPUT0] + [new(nc)] * k


@rule("GroupNorm")
def group_norm(c: Call) -> list[Kept]:
    g = c.x[0] * c.args["num_groups"]
    return [INPUT0, new(g), new(g)]


@rule("LayerNorm")
def layer_norm(c: Call) -> list[Kept]:
    m = prod(c.x) // prod(_tup(c.args["normalized_shape"], 1))
    return [INPUT0, new(m), new(m)]


@rule("LocalResponseNorm")
def local_response_norm(c: Call) -> list[Kept]:
    x = c.x
    padded = x[0] * (x[1] + c.args["size"] - 1) * prod(x[2:])
    return [INPUT0, new(padded), new(prod(x)), new(prod(x))]


@rule("MaxPool1d", "MaxPool2d", "MaxPool3d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d",
      "AdaptiveMaxPool3d")
def max_pool(c: Call) -> list[Kept]:
    return [INPUT0, new(prod(c.output), "int64")]


@rule("AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d")
def adaptive_avg_pool(c: Call) -> list[Kept]:
    return [] if all(s == 1 for s in c.output[2:]) else [INPUT0]   # a global pool is a mean


@rule("Upsample")
def upsample(c: Call) -> list[Kept]:
    return adaptive_avg_pool(c) if c.args["mode"] == "area" else []


@rule("Dropout", "AlphaDropout", "Dropout1d", "Dropout2d", "Dropout3d")
def dropout(c: Call) -> list[Kept]:
    p = c.args["p"]
    if p == 0:
        return []
    if p == 1:
        return [new(1)]                                  # a 0-dim zeros tensor
    if c.type in ("Dropout", "AlphaDropout"):
        return [new(prod(c.x))]                          # the mask, in the activation dtype
    return [new(c.x[0] * c.x[1])]                        # feature dropout: [N, C, 1, ...]


@rule("StochasticDepth")
def stochastic_depth(c: Call) -> list[Kept]:
    """``input * noise``: the noise, ``[N, 1, ...]`` (row) or ``[1, 1, ...]`` (batch), kept for
    the input's gradient; nothing when p = 0 (the input is returned)."""
    if c.args["p"] == 0:
        return []
    return [new(c.x[0] if c.args["mode"] == "row" else 1)]


@rule("Mean", "Sum")
def reduction(c: Call) -> list[Kept]:
    return []                                            # only sizes are kept


@rule("Amax")
def amax(c: Call) -> list[Kept]:
    return [INPUT0, OUTPUT]                              # which values were the largest


@rule("Sigmoid", "Tanh", "Softmax", "LogSoftmax")
def keeps_output(c: Call) -> list[Kept]:
    return [OUTPUT]


@rule("ReLU")
def relu(c: Call) -> list[Kept]:
    return [OUTPUT]        # in place, the output is the input's storage


@rule("LeakyReLU", "ELU", "SELU", "CELU")
def keeps_input_or_result(c: Call) -> list[Kept]:
    return [OUTPUT] if c.args.get("inplace") else [INPUT0]


@rule("ReLU6", "Hardtanh", "SiLU", "Mish", "Hardswish", "Hardsigmoid")
def keeps_input_or_copy(c: Call) -> list[Kept]:
    return [new(prod(c.x))] if c.args.get("inplace") else [INPUT0]


@rule("Mul")
def mul(c: Call) -> list[Kept]:
    kept: list[Kept] = []
    acc, acc_grad, acc_kept = tuple(c.inputs[0]), c.inputs_grad[0], INPUT0
    for i in range(1, len(c.inputs)):
        xi = tuple(c.inputs[i])
        if c.inputs_grad[i]:
            kept.append(acc_kept)                        # self kept if other requires grad
        if acc_grad:
            kept.append(Kept("input", i))                # other kept if self requires grad
        acc = _broadcast(acc, xi)
        acc_grad = acc_grad or c.inputs_grad[i]
        acc_kept = new(prod(acc))
    return kept


@rule("DeformConv2d")
def deform_conv(c: Call) -> list[Kept]:
    """torchvision's autograd keeps the input, the offsets and the mask (and the weight)."""
    return [Kept("input", i) for i in range(len(c.inputs))]


@rule("Matmul")
def matmul(c: Call) -> list[Kept]:
    """``torch.matmul`` keeps each operand for the other's gradient, as ATen's ``mm``/``bmm``
    see it: a view of the input where ATen folds or reshapes it without a copy, a fresh
    contiguous tensor where it expands a broadcast operand, transposes one to fold, or
    reshapes a permuted one that no view can fold."""
    a, b = tuple(c.inputs[0]), tuple(c.inputs[1])
    layouts = tuple(c.strides) + (None,) * (2 - len(c.strides))

    def as_is_or_copy(i: int, shape: tuple, folded: tuple, numel: int) -> Kept:
        strides = layouts[i]
        if strides is None or view_strides(shape, strides, folded) is not None:
            return Kept("input", i)
        return new(numel)

    if len(a) >= 3 and (len(b) == 2 or prod(b[:-2]) == 1):       # [.., n, k] → [.. · n, k]
        kept_a = as_is_or_copy(0, a, (prod(a[:-1]), a[-1]), prod(a))
        kept_b = Kept("input", 1)
    elif len(b) >= 3 and (len(a) == 2 or prod(a[:-2]) == 1):     # (bᵀ @ aᵀ)ᵀ, bᵀ copied
        kept_a, kept_b = INPUT0, new(prod(b))
    else:                                                        # bmm of the expanded operands
        rank = max(len(a), len(b)) - 2
        batch = _broadcast(a[:-2], b[:-2])
        own_a, own_b = (1,) * (rank - len(a) + 2) + a[:-2], (1,) * (rank - len(b) + 2) + b[:-2]
        kept_a = as_is_or_copy(0, a, (prod(batch), *a[-2:]), prod(batch) * a[-2] * a[-1]) \
            if own_a == batch else new(prod(batch) * a[-2] * a[-1])
        kept_b = as_is_or_copy(1, b, (prod(batch), *b[-2:]), prod(batch) * b[-2] * b[-1]) \
            if own_b == batch else new(prod(batch) * b[-2] * b[-1])
    return ([kept_a] if c.inputs_grad[1] else []) + ([kept_b] if c.inputs_grad[0] else [])


def _broadcast(a: tuple, b: tuple) -> tuple:
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    return tuple(max(i, j) for i, j in zip(a, b))


def kept(call: Call) -> list[Kept]:
    """What autograd keeps for backward from this layer (nothing when its output does not
    require grad)."""
    if not (any(call.inputs_grad) or (call.trainable and has_params(call.type, call.args))):
        return []
    found = rule_for(REGISTRY[call.type]) if call.type in REGISTRY else None
    return [] if found is None else found(call)


# -- whole networks -----------------------------------------------------------------------

@dataclass(frozen=True)
class Training:
    optimizer: str
    gradients_bytes: int
    optimizer_state_bytes: int
    total_bytes: int


@dataclass(frozen=True)
class TorchinfoEstimate:
    """torchinfo 1.8.0's memory lines, which it prints in MB (bytes / 10⁶, two decimals).

    ``forward_backward_bytes`` is its guess at activations: 2 × the output of every layer with
    parameters that it sees (layers called as modules); ``input_bytes`` is what
    ``sys.getsizeof`` says of the input's storage: its bytes plus the storage object's own
    :data:`STORAGE_OBJECT_BYTES`; ``total_bytes`` adds the three. A module called twice
    (``share:``) counts in the pass size at each call, in the params once.
    """

    input_bytes: int
    forward_backward_bytes: int
    params_bytes: int
    total_bytes: int


#: ``sys.getsizeof(tensor.untyped_storage()) - nbytes`` (torch 2.13, CPython 3.11, 64-bit)
STORAGE_OBJECT_BYTES = 64


def _with_params(row: Any) -> bool:
    """The layer's module has parameters: torchinfo counts a module called again
    (``(recursive)``, cnncalc's ``share:``) in its pass size, though not in its params."""
    if getattr(row, "shares", None) is not None:
        return row.layer.count_params(*row.input_shapes) > 0
    return row.params > 0


def torchinfo_estimate(rows: Sequence[Any], input_bytes: int, elem: int) -> TorchinfoEstimate:
    seen = input_bytes + STORAGE_OBJECT_BYTES
    passes = sum(2 * prod(r.output_shape) * elem for r in rows
                 if _with_params(r) and r.call == "module")
    params = sum(r.params for r in rows) * elem
    return TorchinfoEstimate(seen, passes, params, seen + passes + params)


@dataclass(frozen=True)
class Memory:
    """The report's memory totals, in bytes (names as in the JSON)."""

    dtype: str
    input_bytes: int
    params_bytes: int
    buffers_bytes: int
    activations_bytes: int
    activation_peak_bytes: int
    saved_bytes: int
    inference_bytes: int
    training: Training
    torchinfo: TorchinfoEstimate   # torchinfo's own figures, to compare (--convention torchinfo)


class LayerMemory(NamedTuple):   # a tuple: one is made per row of every analysis
    output_bytes: int
    saved_bytes: int


_ARGS: Memo[dict] = Memo()


def layer_args(layer: Layer) -> dict:
    """A layer's arguments as plain JSON values (the rules read them), dumped once per layer."""
    return _ARGS.get(layer, lambda: layer.model_dump(mode="json"))


def tensor_bytes(numel: int, element: int) -> int:
    """A tensor's storage: ``numel · bytes per element``."""
    return numel * element


def element_size(dtype: str) -> int:
    if dtype not in DTYPES:
        raise UsageError(f"unknown dtype {dtype!r} (expected {one_of(tuple(DTYPES))})")
    return DTYPES[dtype]


def check_optimizer(optimizer: str) -> str:
    if optimizer not in OPTIMIZERS:
        raise UsageError(f"unknown optimizer {optimizer!r} (expected "
                         f"{one_of(tuple(OPTIMIZERS))})")
    return optimizer


def _buffer_bytes(layer: Layer, buffers: int, elem: int) -> int:
    """Running statistics in the parameter dtype; BatchNorm's num_batches_tracked is int64."""
    if buffers and type(layer).__name__.startswith(("BatchNorm", "InstanceNorm")):
        return (buffers - 1) * elem + INDEX_BYTES
    return buffers * elem


def account(rows: Sequence[Any], input_name: str, input_shape: Sequence[int],
            output: str | Sequence[str], dtype: str = DEFAULT_DTYPE,
            optimizer: str = DEFAULT_OPTIMIZER) -> tuple[list[LayerMemory], Memory]:
    """Each row's output and saved bytes, and the network's totals; ``output`` names the
    network's output, or its outputs (each lives to the end).

    ``rows`` are :class:`cnncalc.analysis.Row` in execution order (only their ``name``,
    ``type``, ``inputs``, ``input_shapes``, ``output_shape``, ``layer``, ``trainable``,
    ``params``, ``trainable_params``, ``buffers`` and ``call`` are read).
    """
    elem = element_size(dtype)
    check_optimizer(optimizer)
    storage: dict[str, int] = {input_name: 0}
    grad: dict[str, bool] = {input_name: False}
    nbytes: dict[int, int] = {0: prod(input_shape) * elem}
    fresh = 1
    kept_storages: set[int] = set()
    per_row: list[LayerMemory] = []
    at_inference: list[bool] = []
    layout: dict[str, tuple[int, ...] | None] = {input_name: None}
    for row in rows:
        if not row.inputs:   # a source (Parameter): its storage is in params_bytes, held for
            storage[row.name], fresh = fresh, fresh + 1      # good, never an activation
            nbytes[storage[row.name]] = 0
            grad[row.name] = row.trainable
            layout[row.name] = None
            at_inference.append(False)
            per_row.append(LayerMemory(0, 0))
            continue
        ins = [storage[i] for i in row.inputs]
        step = _step(row, tuple([grad[i] for i in row.inputs]),
                     tuple([layout[i] for i in row.inputs]))
        out_bytes = tensor_bytes(step.numel, elem)
        layout[row.name] = step.layout
        at_inference.append(step.alias_at_inference)
        if step.alias:
            out = ins[0]
        else:
            out, fresh = fresh, fresh + 1
            nbytes[out] = out_bytes
        storage[row.name] = out
        grad[row.name] = step.grad
        mine = 0
        for item in step.kept:
            if item.what == "new":
                s, fresh = fresh, fresh + 1
                nbytes[s] = item.numel * (elem if item.dtype == "e" else INDEX_BYTES)
            elif item.what == "input":
                s = ins[item.index]
            else:
                s = out
            if s not in kept_storages:
                kept_storages.add(s)
                mine += nbytes[s]
        per_row.append(LayerMemory(out_bytes, mine))
    params = sum(r.params for r in rows) * elem
    trainable = sum(r.trainable_params for r in rows) * elem
    buffers = sum(_buffer_bytes(r.layer, r.buffers, elem) for r in rows)
    saved = sum(m.saved_bytes for m in per_row)
    peak = activation_peak(rows, input_name, input_shape, output, elem, at_inference)
    state = OPTIMIZERS[optimizer] * trainable
    training = Training(optimizer, trainable, state,
                        params + buffers + trainable + state + saved)
    input_bytes = prod(input_shape) * elem
    memory = Memory(dtype, input_bytes, params, buffers,
                    sum(m.output_bytes for m in per_row), peak, saved,
                    params + buffers + peak, training,
                    torchinfo_estimate(rows, input_bytes, elem))
    return per_row, memory


@dataclass(frozen=True)
class _Step:
    """What one layer does to storages, given which inputs require grad and their layouts."""

    numel: int                      # of its output
    layout: tuple[int, ...] | None  # its output's strides (None: contiguous)
    alias: bool                     # its output is input 0's storage
    alias_at_inference: bool
    grad: bool                      # its output requires grad
    kept: tuple[Kept, ...]


#: (layer, shapes, grads, layouts) → its :class:`_Step`: repeated blocks meet the same cases
_STEPS: Memo[_Step] = Memo()


def _step(row: Any, in_grad: tuple[bool, ...], layouts: tuple) -> _Step:
    return _STEPS.get((row.type, row.layer, row.input_shapes, row.output_shape, row.trainable,
                       in_grad, layouts), lambda: _work_out(row, in_grad, layouts))


def _work_out(row: Any, in_grad: tuple[bool, ...], layouts: tuple) -> _Step:
    args = layer_args(row.layer)
    strides, copied = output_strides(row, args, layouts[0])
    call = Call(row.type, args, tuple(map(tuple, row.input_shapes)),
                tuple(row.output_shape), in_grad, row.trainable, layouts)
    return _Step(prod(row.output_shape), strides,
                 output_aliases_input(row.type, args) and not copied,
                 aliases_at_inference(row.type, args) and not copied,
                 any(in_grad) or (row.trainable and has_params(row.type, args)),
                 tuple(kept(call)))


def activation_peak(rows: Sequence[Any], input_name: str, input_shape: Sequence[int],
                    output: str | Sequence[str], elem: int,
                    aliases: Sequence[bool] | None = None) -> int:
    """The inference peak of live activations: the input and each new output live from their
    layer until their last consumer (the network's outputs to the end: ``output`` is one name
    or several); a view, an in-place layer and dropout (in eval mode) allocate nothing and
    extend their source's life."""
    n = len(rows)
    # storages by slot: 0 the input, i + 1 the output of row i (if it makes one)
    slot: dict[str, int] = {input_name: 0}
    size = [0] * (n + 1)
    size[0] = prod(input_shape) * elem
    last = list(range(-1, n))          # the last row that reads each slot
    if aliases is None:
        aliases = [aliases_at_inference(row.type, layer_args(row.layer))
                   for row in rows]
    for i, (row, alias) in enumerate(zip(rows, aliases)):
        for name in row.inputs:
            last[slot[name]] = i
        if alias and row.inputs:
            slot[row.name] = slot[row.inputs[0]]
        else:
            slot[row.name] = i + 1
            # a source (Parameter) is no activation: its storage is counted in params
            if row.inputs:
                size[i + 1] = prod(row.output_shape) * elem
    for name in (output,) if isinstance(output, str) else output:
        if name in slot:
            last[slot[name]] = n
    freed = [0] * (n + 2)              # bytes freed after row i, at index i + 1
    for s, at in enumerate(last):
        freed[at + 1] += size[s]
    live = peak = size[0]
    live -= freed[0]                   # an input no layer reads
    for i in range(n):
        live += size[i + 1]
        if live > peak:
            peak = live
        live -= freed[i + 1]
    return peak


# -- will it fit? -------------------------------------------------------------------------

_UNITS = {"": 1, "B": 1, "KB": 10 ** 3, "MB": 10 ** 6, "GB": 10 ** 9, "TB": 10 ** 12,
          "KIB": 2 ** 10, "MIB": 2 ** 20, "GIB": 2 ** 30, "TIB": 2 ** 40}


def parse_size(text: str) -> int:
    """``24GiB``, ``80GB``, ``512MiB``, ``1.5 GiB`` or a number of bytes, as bytes."""
    import re

    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*", text)
    unit = match.group(2).upper() if match else None
    if match is None or unit not in _UNITS:
        raise UsageError(f"cannot read the size {text!r} (expected a number and a unit: "
                         f"24GiB, 80GB, 512MiB)")
    return int(Fraction(match.group(1)) * _UNITS[unit])


@dataclass(frozen=True)
class Fit:
    """The largest batch whose memory fits in ``size`` bytes (0: not even batch 1)."""

    size_bytes: int
    training_batch: int
    inference_batch: int
    method: str      # "linear" (exactly affine in batch, checked) or "search"


MAX_BATCH = 10 ** 9


def largest_batch(size: int, memory_at: Callable[[int], Memory]) -> Fit:
    """The largest batches whose training and inference memory fit in ``size`` bytes.

    Memory is affine in the batch when every per-sample quantity is (it is, for every layer
    rule here): the answer is extrapolated from batches 1 and 2 and checked at the answer and
    one above; if the check fails, a bisection over ``memory_at`` gives it instead.
    """
    found: dict[int, Memory] = {}

    def at(batch: int) -> Memory:
        if batch not in found:
            found[batch] = memory_at(batch)
        return found[batch]

    kinds = {"training": lambda m: m.training.total_bytes,
             "inference": lambda m: m.inference_bytes}
    answers, method = {}, "linear"
    for kind, total in kinds.items():
        one, two = total(at(1)), total(at(2))
        per, fixed = two - one, 2 * one - two
        guess = 0 if one > size else (MAX_BATCH if per <= 0 else
                                       min(MAX_BATCH, (size - fixed) // per))
        ok = guess == 0 or (total(at(guess)) <= size
                            and (guess == MAX_BATCH or total(at(guess + 1)) > size))
        if not ok:
            method = "search"
            guess = _bisect(lambda b: total(at(b)) <= size)
        answers[kind] = guess
    return Fit(size, answers["training"], answers["inference"], method)


def _bisect(fits: Callable[[int], bool]) -> int:
    if not fits(1):
        return 0
    lo, hi = 1, 2
    while hi < MAX_BATCH and fits(hi):
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return lo


@rule("MultiheadAttention")
def attention(c: Call) -> list[Kept]:
    """``nn.MultiheadAttention`` in training, ``need_weights=False`` (torch 2.13, CPU, the
    default backend of ``scaled_dot_product_attention``): ``F.multi_head_attention_forward``
    step by step.

    - Each in-projection linear keeps its input, for the weight's gradient: the input itself
      where ``[L, N, E]`` folds to ``[L·N, E]`` by a view, else the copy the fold makes (the
      ``batch_first`` transpose); one input serves q, k and v (self-attention), two serve q and
      k = v. Separate ``q/k/v_proj_weight`` (``kdim`` or ``vdim`` ≠ ``E``) project k and v with
      two linears, each folding (and maybe copying) the key again.
    - The projections: one packed ``[L, N, 3E]`` for self-attention, q's ``[L, N, E]`` and a
      packed ``[S, N, 2E]`` for k = v with one weight, else one each.
      ``add_bias_kv``/``add_zero_attn`` concatenate k and v into fresh ``N·S'·E`` tensors.
    - Without dropout the CPU flash kernel keeps q, k and v (their storages above), its output
      (``[L, N, h, d]`` in memory: the output projection's input, folded by a view) and the
      log-sum-exp ``N·h·L``. With dropout in training the math path runs instead: it keeps the
      scaled q and k (``N·L·E``, ``N·S'·E``), v, the softmax, the dropout mask and the dropped
      weights (``N·h·L·S'`` each), and the output projection its contiguous input ``N·L·E``.
    """
    a = c.args
    e, heads = a["embed_dim"], a["num_heads"]
    first = a["batch_first"]
    query, key, _ = REGISTRY["MultiheadAttention"].operands(*map(tuple, c.inputs))
    (n, length) = (query[0], query[1]) if first else (query[1], query[0])
    source = key[1] if first else key[0]
    extended = source + a["add_bias_kv"] + a["add_zero_attn"]
    packed = a.get("kdim") in (None, e) and a.get("vdim") in (None, e)
    layouts = tuple(c.strides) + (None,) * (len(c.inputs) - len(c.strides))

    def folded(i: int) -> Kept:
        """A linear's input ``[L, N, d]``, the input itself or the copy its fold makes."""
        shape = c.inputs[i]
        strides = layouts[i] or contiguous_strides(shape)
        if first:
            shape, strides = (shape[1], shape[0], shape[2]), (strides[1], strides[0], strides[2])
        if view_strides(shape, strides, (shape[0] * shape[1], shape[2])) is not None:
            return Kept("input", i)
        return new(prod(shape))

    kept: list[Kept] = []
    if c.trainable:   # the linears keep their inputs only for the weights' gradients
        uses = [0] if len(c.inputs) == 1 else [0, 1] if packed and len(c.inputs) == 2 \
            else [0, 1, 1] if len(c.inputs) == 2 else [0, 1, 2]
        kept += [folded(i) for i in uses]
    rows_q, rows_kv = n * length, n * source
    if len(c.inputs) == 1:
        q = k = v = new(3 * rows_q * e)
    elif len(c.inputs) == 2 and packed:
        q, k = new(rows_q * e), new(2 * rows_kv * e)
        v = k
    else:
        q, k, v = new(rows_q * e), new(rows_kv * e), new(rows_kv * e)
    if a["add_bias_kv"] or a["add_zero_attn"]:
        k, v = new(n * extended * e), new(n * extended * e)
    weights = n * heads * length * extended
    if a["dropout"] > 0:
        kept += [new(rows_q * e), new(n * extended * e), v, new(weights), new(weights),
                 new(weights)]
        if c.trainable:
            kept.append(new(rows_q * e))
        return _distinct(kept)
    return _distinct(kept + [q, k, v, new(n * heads * length), new(rows_q * e)])


def _distinct(items: list[Kept]) -> list[Kept]:
    """Each kept item once (k and v, or q, k and v, are views of one projection)."""
    seen: list[Kept] = []
    for item in items:
        if not any(item is other for other in seen):
            seen.append(item)
    return seen
