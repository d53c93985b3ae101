"""Memory (issue 11): what autograd keeps for backward and the inference peak, against torch.

``saved_bytes`` is measured on the twin with ``saved_tensors_hooks`` during a training-mode
forward (distinct storages, parameters and buffers excluded, the network input not requiring
grad); the activation peak with forward hooks and storage identity under ``no_grad``.
"""

from __future__ import annotations

import json
import os
import warnings
from math import prod

import pytest
import torch
from hypothesis import HealthCheck, given, note, reject, settings
from hypothesis import strategies as st

import cnncalc
from cli_runner import runner
from cnncalc import memory
from cnncalc.cli import main
from cnncalc.analysis import analyze
from cnncalc.layers import REGISTRY
from cnncalc.report.units import binary_size
from cnncalc.torch import build_module, to_torch
from strategies import call_twin, draw_case, networks, static_row

ZOO = cnncalc.zoo.names()
TORCH_DTYPES = {"float32": torch.float32, "float16": torch.float16,
                "bfloat16": torch.bfloat16, "float64": torch.float64}


def _excluded(module: torch.nn.Module) -> set[int]:
    return ({p.untyped_storage().data_ptr() for p in module.parameters()}
            | {b.untyped_storage().data_ptr() for b in module.buffers()})


def torch_saved(module: torch.nn.Module, inputs: list[torch.Tensor]) -> int:
    """Bytes of the distinct storages autograd keeps, parameters and buffers excluded."""
    excluded = _excluded(module)
    seen: dict[int, int] = {}

    def pack(t):
        s = t.untyped_storage()
        if s.data_ptr() not in excluded and s.nbytes() > 0:
            seen[s.data_ptr()] = s.nbytes()
        return t

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            out = call_twin(module, inputs)
    del out
    return sum(seen.values())


def torch_peak(twin: torch.nn.Module, x: torch.Tensor) -> int:
    """The inference peak of live activation storages: each storage lives from the leaf
    module that makes it until its last use; the network output to the end. A leaf that
    returns a parameter (cnncalc's ``Parameter``) makes no activation."""
    excluded = _excluded(twin)
    events: list[tuple[list[int], int, int]] = []   # (storages used, new storage, its bytes)
    sizes: dict[int, int] = {x.untyped_storage().data_ptr(): x.untyped_storage().nbytes()}
    keep: list[torch.Tensor] = [x]

    def hook(module, args, output):
        used = [a.untyped_storage().data_ptr() for a in args
                if isinstance(a, torch.Tensor) and a.untyped_storage().data_ptr() in sizes]
        outs = output if isinstance(output, (tuple, list)) else (output,)
        for o in (o for o in outs if isinstance(o, torch.Tensor)):   # attention: (out, None)
            s = o.untyped_storage()
            keep.append(o)
            if s.data_ptr() not in sizes and s.data_ptr() not in excluded:
                sizes[s.data_ptr()] = s.nbytes()
                events.append((used, s.data_ptr(), s.nbytes()))
                used = []
            else:
                events.append((used, None, 0))
                used = []

    # the layers' modules (nn.MultiheadAttention holds an out_proj it never calls)
    leaves = list({id(m): m for _, _, m in twin.leaves()}.values())
    handles = [m.register_forward_hook(hook) for m in leaves]
    try:
        with torch.no_grad():
            out = twin(x)
    finally:
        for h in handles:
            h.remove()
    last: dict[int, int] = {x.untyped_storage().data_ptr(): -1}
    born: dict[int, int] = {x.untyped_storage().data_ptr(): -1}
    for i, (used, made, _) in enumerate(events):
        for s in used:
            if s in sizes:
                last[s] = i
        if made is not None:
            born[made] = i
            last.setdefault(made, i)
    for o in out if isinstance(out, tuple) else (out,):   # the network's outputs (issue 17)
        last[o.untyped_storage().data_ptr()] = len(events)
    live = peak = sizes[x.untyped_storage().data_ptr()]
    for i, (_, made, nbytes) in enumerate(events):
        live += nbytes
        peak = max(peak, live)
        for s, at in last.items():
            if at == i and born.get(s, -2) <= i:
                live -= sizes[s]
    return peak


def zoo_twin(name: str):
    network = cnncalc.load(name)
    report = analyze(network, batch=2)
    twin = to_torch(network).train()
    return report, twin, torch.randn(report.inputs["input"])


@pytest.mark.parametrize("name", ZOO)
def test_saved_bytes_equal_torch_on_the_zoo(name):
    torch.manual_seed(0)
    report, twin, x = zoo_twin(name)
    assert report.memory.saved_bytes == torch_saved(twin, [x])
    assert report.memory.saved_bytes == sum(r.saved_bytes for r in report.layers)


@pytest.mark.parametrize("name", ZOO)
def test_activation_peak_equals_torch_on_the_zoo(name):
    # forward hooks see only modules: the twin with every call a module (no F.relu, torch.cat)
    network = cnncalc.load(name)
    report = analyze(network, batch=2)
    twin = to_torch(network, calls=False).eval()
    assert report.memory.activation_peak_bytes == torch_peak(twin, torch.randn(
        report.inputs["input"]))


@given(data=st.data())
def test_saved_bytes_of_every_layer_type_equal_torch(data):
    type_name, case = draw_case(data, sorted(REGISTRY), valid=True)
    row = static_row(type_name, case)
    note(f"resolved: {row.layer!r}")
    args = row.layer.model_dump(mode="json")
    call = memory.Call(row.type, args, tuple(map(tuple, row.input_shapes)),
                       tuple(row.output_shape), (True,) * len(row.input_shapes), True)
    sizes = {f"input{i}": prod(s) * 4 for i, s in enumerate(row.input_shapes)}
    out = ("input0" if memory.output_aliases_input(row.type, args) else "output")
    sizes.setdefault("output", prod(row.output_shape) * 4)
    kept, fresh = {}, 0
    for item in memory.kept(call):
        if item.what == "new":
            fresh += 1
            kept[f"new{fresh}"] = item.numel * (4 if item.dtype == "e" else 8)
        else:
            key = f"input{item.index}" if item.what == "input" else out
            kept[key] = sizes[key]
    module = build_module(row.layer).train()
    inputs = [torch.randn(s, requires_grad=True) for s in row.input_shapes]
    try:
        measured = torch_saved(module, [i * 1 for i in inputs])
    except (RuntimeError, ValueError, NotImplementedError) as err:
        # e.g. BatchNorm with one value per channel: valid at inference, refused in training
        note(f"torch cannot train this case: {err}")
        reject()
    assert sum(kept.values()) == measured


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64"])
def test_dtype_scales_everything_but_indices(dtype):
    net = cnncalc.load("resnet18")
    base, other = analyze(net, batch=2), analyze(net, batch=2, dtype=dtype)
    e = memory.DTYPES[dtype]
    assert other.memory.params_bytes == base.memory.params_bytes // 4 * e
    assert other.memory.activations_bytes == base.memory.activations_bytes // 4 * e
    report, twin, x = zoo_twin("resnet18")
    if dtype != "float16":
        twin = twin.to(TORCH_DTYPES[dtype])
        assert other.memory.saved_bytes == torch_saved(twin, [x.to(TORCH_DTYPES[dtype])])


def test_buffers_keep_their_own_dtype():
    report = analyze(cnncalc.load("resnet18"), dtype="bfloat16")
    twin = to_torch(cnncalc.load("resnet18")).to(torch.bfloat16)
    assert report.memory.buffers_bytes == sum(b.nbytes for b in twin.buffers())
    assert report.memory.params_bytes == sum(p.nbytes for p in twin.parameters())


@pytest.mark.parametrize("optimizer,factor", [("sgd", 0), ("momentum", 1), ("adam", 2),
                                              ("adamw", 2)])
def test_optimizer_state(optimizer, factor):
    report = analyze(cnncalc.load("resnet18"), batch=2, optimizer=optimizer)
    m = report.memory
    trainable = report.totals.trainable_params * 4
    assert m.training.optimizer == optimizer
    assert m.training.gradients_bytes == trainable
    assert m.training.optimizer_state_bytes == factor * trainable
    assert m.training.total_bytes == (m.params_bytes + m.buffers_bytes + trainable
                                      + factor * trainable + m.saved_bytes)
    assert m.inference_bytes == m.params_bytes + m.buffers_bytes + m.activation_peak_bytes


def test_bad_dtype_and_optimizer_are_usage_errors():
    net = cnncalc.load("lenet5")
    with pytest.raises(cnncalc.errors.UsageError, match="dtype"):
        analyze(net, dtype="int8")
    with pytest.raises(cnncalc.errors.UsageError, match="optimizer"):
        analyze(net, optimizer="lion")


def test_json_has_the_memory_keys_of_the_design():
    data = json.loads(runner().invoke(main, ["summary", "resnet18", "--format", "json"]).stdout)
    assert {"output_bytes", "saved_bytes"} <= set(data["layers"][0])
    assert {"dtype", "input_bytes", "params_bytes", "buffers_bytes", "activations_bytes",
            "activation_peak_bytes", "saved_bytes", "inference_bytes",
            "training"} <= set(data["memory"])
    assert {"optimizer", "gradients_bytes", "optimizer_state_bytes",
            "total_bytes"} <= set(data["memory"]["training"])
    assert data["memory"]["saved_bytes"] == sum(r["saved_bytes"] for r in data["layers"])
    assert data["memory"]["activations_bytes"] == sum(r["output_bytes"] for r in data["layers"])


def test_api_names_equal_the_json_names():
    report = cnncalc.analyze(cnncalc.load("lenet5"), batch=2, dtype="float16")
    assert report.to_dict()["memory"]["saved_bytes"] == report.memory.saved_bytes
    assert [r["saved_bytes"] for r in report.to_dict()["layers"]] == [
        r.saved_bytes for r in report.layers]
    assert report.memory.dtype == "float16"


@pytest.mark.parametrize("text,size", [("24GiB", 24 * 2 ** 30), ("80GB", 80 * 10 ** 9),
                                       ("512MiB", 512 * 2 ** 20), ("1.5 KiB", 1536),
                                       ("1000", 1000)])
def test_parse_size(text, size):
    assert memory.parse_size(text) == size


def test_parse_size_refuses_nonsense():
    with pytest.raises(cnncalc.errors.UsageError, match="size"):
        memory.parse_size("24 gigs")


@pytest.mark.parametrize("size", ["1MiB", "4MiB", "64MiB"])
def test_fit_is_the_largest_batch_that_fits(size):
    net = cnncalc.load("lenet5")
    limit = memory.parse_size(size)
    fit = memory.largest_batch(limit, lambda b: analyze(net, batch=b).memory)
    assert fit.method == "linear"
    for batch, kind in ((fit.training_batch, "training"), (fit.inference_batch, "inference")):
        def total(b):
            m = analyze(net, batch=b).memory
            return m.training.total_bytes if kind == "training" else m.inference_bytes
        assert batch == 0 or total(batch) <= limit
        assert total(batch + 1) > limit


def test_fit_searches_when_memory_is_not_affine():
    def quadratic(b):
        return memory.Memory("float32", 0, 0, 0, 0, 0, 0, 10 * b * b,
                             memory.Training("adam", 0, 0, 100 + b * b),
                             memory.TorchinfoEstimate(0, 0, 0, 0))
    fit = memory.largest_batch(1000, quadratic)
    assert (fit.training_batch, fit.inference_batch, fit.method) == (30, 10, "search")


def test_fit_on_the_command_line():
    args = ["summary", "lenet5", "--fit", "4MiB", "--dtype", "float16", "--optimizer", "sgd"]
    result = runner().invoke(main, args)
    assert result.exit_code == 0, result.output
    fit = memory.largest_batch(4 * 2 ** 20, lambda b: analyze(
        cnncalc.load("lenet5"), batch=b, dtype="float16", optimizer="sgd").memory)
    assert "Fit in 4MiB (4,194,304 bytes) at float16:" in result.stdout
    need = analyze(cnncalc.load("lenet5"), dtype="float16", optimizer="sgd").memory
    assert (f"Training with sgd at batch 1 needs {binary_size(need.training.total_bytes)}: "
            f"fits; largest batch that fits: {fit.training_batch:,}") in result.stdout
    assert f"Inference at batch 1 needs" in result.stdout
    big = runner().invoke(main, args + ["--batch", str(fit.training_batch + 1)])
    assert "does NOT fit; largest batch that fits" in big.stdout
    data = json.loads(runner().invoke(main, ["summary", "lenet5", "--fit", "4MiB", "--format",
                                             "json"]).stdout)
    assert data["memory"]["fit"]["method"] == "linear"
    bad = runner().invoke(main, ["summary", "lenet5", "--fit", "lots"])
    assert bad.exit_code == 2 and bad.stderr.strip().endswith(
        "summary: error: Invalid value for '--fit': cannot read the size 'lots' "
        "(expected a number and a unit: 24GiB, 80GB, 512MiB)")


def test_every_registered_type_has_a_memory_rule():
    assert sorted(n for n, cls in REGISTRY.items() if memory.rule_for(cls) is None) == []


def test_registering_a_type_twice_is_an_error():
    with pytest.raises(TypeError, match="has a rule already"):
        memory.rule("Conv2d")(lambda call: [])


# -- torchinfo's own estimate, under --convention torchinfo -------------------------------------

TORCHINFO_LINES = ("Input size (MB)", "Forward/backward pass size (MB)", "Params size (MB)",
                   "Estimated Total Size (MB)")


def torchinfo_lines(network, batch: int, dtype: str) -> list[str]:
    """The four memory lines torchinfo 1.8.0 prints for the twin (on the meta device)."""
    import contextlib
    import io

    from torchinfo import summary

    twin = to_torch(network, device="meta").to(TORCH_DTYPES[dtype])
    x = torch.empty(batch, *network.input, device="meta", dtype=TORCH_DTYPES[dtype])
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        text = str(summary(twin, input_data=[x], device="meta", verbose=0))
    return [line for line in text.splitlines() if line.startswith(TORCHINFO_LINES)]


@pytest.mark.parametrize("name, batch, dtype", [
    ("lenet5", 2, "float32"), ("resnet18", 2, "float32"), ("mobilenet_v3_small", 3, "bfloat16"),
    ("densenet121", 1, "float16"), ("inception_v3", 2, "float64"), ("vgg16_bn", 1, "float32")])
def test_the_torchinfo_footer_is_torchinfos_own(name, batch, dtype):
    network = cnncalc.load(name)
    result = runner().invoke(main, ["summary", name, "--convention", "torchinfo", "--batch",
                                    str(batch), "--dtype", dtype])
    assert result.exit_code == 0, result.output
    ours = [line.removeprefix("torchinfo 1.8.0 ") for line in result.stdout.splitlines()
            if line.startswith("torchinfo 1.8.0 ")]
    assert ours == torchinfo_lines(network, batch, dtype)
    plain = runner().invoke(main, ["summary", name, "--batch", str(batch)]).stdout
    assert "torchinfo 1.8.0" not in plain


def test_the_footer_sizes_follow_the_dtype():
    text = runner().invoke(main, ["summary", "lenet5", "--dtype", "bfloat16"]).stdout
    assert "Total params: 61,706 (120.52 KiB at bfloat16)" in text   # 61,706 × 2 bytes
    assert "Trainable params: 61,706 (120.52 KiB)" in text


def test_memory_columns_on_request():
    result = runner().invoke(main, ["summary", "lenet5", "--columns",
                                    "output_bytes,saved_bytes"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[2].split() == ["Layer", "(type)", "Output", "Shape", "Param", "#", "MACs",
                                "FLOPs", "Output", "size", "Saved", "for", "backward"]
    report = analyze(cnncalc.load("lenet5"))
    c1 = next(line for line in lines if line.startswith("c1 (Conv2d)"))
    row = report.layer("c1")
    assert c1.split()[-4:] == (binary_size(row.output_bytes).split()
                               + binary_size(row.saved_bytes).split())
    bad = runner().invoke(main, ["summary", "lenet5", "--columns", "saved"])
    assert bad.exit_code == 2 and "did you mean 'saved_bytes'?" in bad.stderr


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=networks(), batch=st.integers(1, 3),
       dtype=st.sampled_from(["float32", "bfloat16", "float64"]))
def test_random_networks_keep_and_hold_what_torch_does(spec, batch, dtype):
    """Branches, squeeze-and-excitation, channel splits, dropout and pools in any dtype."""
    import yaml

    network = cnncalc.loads(yaml.safe_dump(spec, sort_keys=False))
    try:
        report = analyze(network, batch=batch, dtype=dtype)
    except cnncalc.errors.CnncalcError:
        reject()
    x = torch.randn(report.inputs["input"], dtype=TORCH_DTYPES[dtype])
    twin = to_torch(network).train().to(TORCH_DTYPES[dtype])
    try:
        measured = torch_saved(twin, [x])
    except (RuntimeError, ValueError, NotImplementedError) as err:
        note(f"torch cannot train this case: {err}")   # BatchNorm with one value per channel
        reject()
    assert report.memory.saved_bytes == measured
    held = to_torch(network, calls=False).eval().to(TORCH_DTYPES[dtype])
    assert report.memory.activation_peak_bytes == torch_peak(held, x)


@st.composite
def attention_networks(draw):
    """Attention written out: projections, heads split by Unflatten and Permute, ``q @ kᵀ``,
    softmax, ``@ v``, heads merged back: Matmul on permuted (non-contiguous) operands."""
    heads, d, length = draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(1, 5))
    width = heads * d

    def split(name, source, dims):
        return [{"Linear": {"out_features": width, "name": f"{name}_proj", "from": source}},
                {"Unflatten": {"dim": 2, "unflattened_size": [heads, d]}},
                {"Permute": {"dims": dims, "name": name}}]

    layers = [*split("q", "input", [0, 2, 1, 3]), *split("kt", "input", [0, 2, 3, 1]),
              {"Matmul": {"from": ["q", "kt"], "name": "scores"}},
              {"Softmax": {"dim": -1, "name": "weights"}},
              *split("v", "input", [0, 2, 1, 3]),
              {"Matmul": {"from": ["weights", "v"]}},
              {"Permute": {"dims": [0, 2, 1, 3]}},
              {"Flatten": {"start_dim": 2}},
              {"Linear": {"out_features": width}}]
    return {"input": [length, draw(st.integers(1, 6))], "layers": layers}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=attention_networks(), batch=st.integers(1, 3))
def test_attention_keeps_and_holds_what_torch_does(spec, batch):
    import yaml

    network = cnncalc.loads(yaml.safe_dump(spec, sort_keys=False))
    report = analyze(network, batch=batch)
    x = torch.randn(report.inputs["input"])
    assert report.memory.saved_bytes == torch_saved(to_torch(network).train(), [x])
    held = to_torch(network, calls=False).eval()
    assert report.memory.activation_peak_bytes == torch_peak(held, x)


@st.composite
def multihead_networks(draw):
    """A convolution's output as tokens ``[N, HW, C]``, permuted (not contiguous: the
    in-projection folds it by a view or copies it), read batch first or as torch's default
    ``[L, N, E]`` (dim 0 the sequence), through self-attention,
    then cross-attention from a Linear memory; dropout, biases and extra key positions
    drawn, some layers frozen."""
    heads, e = draw(st.integers(1, 3)), draw(st.sampled_from([2, 4, 6]))
    e *= heads
    first = draw(st.booleans())
    common = {"num_heads": heads, "batch_first": first,
              "dropout": draw(st.sampled_from([0.0, 0.25])), "bias": draw(st.booleans()),
              "add_bias_kv": draw(st.booleans()), "add_zero_attn": draw(st.booleans())}
    kdim = draw(st.sampled_from([e, 3]))
    layers: list = [{"Conv2d": {"out_channels": e, "kernel_size": 1}},
                    {"Flatten": {"start_dim": 2}},
                    {"Permute": {"dims": [0, 2, 1], "name": "tokens"}},
                    {"MultiheadAttention": {**common, "name": "self",
                                            "trainable": draw(st.booleans())}},
                    {"Linear": {"out_features": kdim, "name": "memory", "from": "tokens"}},
                    {"MultiheadAttention": {**common, "kdim": kdim, "vdim": kdim,
                                            "from": ["self", "memory"]}}]
    size = draw(st.integers(1, 3))
    return {"input": [2, size, draw(st.integers(1, 3))], "layers": layers}


@settings(max_examples=60 if os.environ.get("CI") else 20, deadline=None)
@given(spec=multihead_networks(), batch=st.integers(1, 3))
def test_multihead_attention_keeps_and_holds_what_torch_does(spec, batch):
    import yaml

    network = cnncalc.loads(yaml.safe_dump(spec, sort_keys=False))
    note(yaml.safe_dump(spec, sort_keys=False))
    report = analyze(network, batch=batch)
    x = torch.randn(report.inputs["input"])
    assert report.memory.saved_bytes == torch_saved(to_torch(network).train(), [x])
    held = to_torch(network, calls=False).eval()
    assert report.memory.activation_peak_bytes == torch_peak(held, x)
