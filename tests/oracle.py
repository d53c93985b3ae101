"""One layer through cnncalc, and its torch twin measured: the oracle of the layer tests.

cnncalc's side is :func:`static` (the layer class's own methods) or :func:`analyze_one` (a
one-layer network file through the analysis). torch's side is :func:`measured` (one forward
pass under ``FlopCounterMode``, MACs = FLOPs / 2) of :func:`twin`, and :func:`torch_shape`
for what torch does with arguments cnncalc may refuse. Numbers are
``(output shape, params, buffers, MACs)``, shapes with the batch.
"""

from __future__ import annotations

import json
import warnings

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

import cnncalc
from cnncalc.counting import Site, convention
from cnncalc.errors import LayerError, NetworkError
from cnncalc.layers import REGISTRY
from cnncalc.spec import LayerArgumentErrors, validate_layer
from cnncalc.torch import twin_factory


def torch_macs(layer, shape, out):
    """The layer's MACs under the default (torch) convention."""
    return convention("torch").count(Site(layer, (shape,), out)).exact()[0]


def static(type_name, args, shape):
    """cnncalc's (output shape, params, buffers, MACs) and the resolved layer."""
    layer = validate_layer(REGISTRY[type_name], args)
    layer.check_input(shape)
    layer = layer.resolve(shape)
    out = tuple(layer.compute_output_shape(shape))
    return layer, (out, layer.count_params(shape), layer.count_buffers(shape),
                   torch_macs(layer, shape, out))


def analyze_one(type_name, args, sample, batch=1):
    """cnncalc's row for one layer on ``sample`` (batch excluded), through the file format."""
    text = json.dumps({"input": list(sample), "layers": [{type_name: args}]})
    return cnncalc.analyze(cnncalc.loads(text, source="net.yaml"), batch=batch).layers[0]


def network_error(text):
    """The NetworkError cnncalc raises on the network file ``text``, read as ``net.yaml``."""
    with pytest.raises(NetworkError) as err:
        cnncalc.analyze(cnncalc.loads(text, source="net.yaml"))
    return err.value


def twin(layer):
    """The layer's torch module, given every field by name, defaults included.

    :func:`cnncalc.torch.build_module` leaves defaults out (so that older torch versions build
    the twin); passing them all also checks that torch takes each of cnncalc's argument names
    and default values.
    """
    return twin_factory(type(layer).__name__)(**layer.model_dump())


def measured(module, shape):
    """The module's (output shape, params, buffers, MACs) after one forward pass in the mode
    it is in."""
    with FlopCounterMode(display=False) as counter, torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. Softmax's implicit dim
        out = module(torch.randn(shape))
    flops = counter.get_total_flops()
    assert flops % 2 == 0
    return (tuple(out.shape), sum(p.numel() for p in module.parameters()),
            sum(b.numel() for b in module.buffers()), flops // 2)


def torch_shape(type_name, args, shape, errors=Exception, *, training=False, device="cpu",
                warnings_as=None):
    """The output shape of ``torch.nn.<type_name>(**args)`` (lists passed as tuples) on a
    random tensor of ``shape``, or None when building or running it raises one of ``errors``.

    The module runs in evaluation mode unless ``training``. ``warnings_as`` is a
    :func:`warnings.simplefilter` action: ``"error"`` raises a warning as a ``UserWarning``
    (a rejection where ``errors`` includes it), ``"ignore"`` hides it, None leaves the filters.
    """
    args = {k: tuple(v) if isinstance(v, list) else v for k, v in args.items()}
    with warnings.catch_warnings():
        if warnings_as is not None:
            warnings.simplefilter(warnings_as)
        try:
            module = getattr(torch.nn, type_name)(**args).train(training)
            out = module(torch.randn(shape, device=device))
        except errors:
            return None
    return tuple(out.shape)


def assert_agrees(type_name, args, shape, counts=None):
    """cnncalc's numbers equal its twin's (and, given ``counts``, its (params, buffers, MACs)
    are those); returns the output shape."""
    layer, numbers = static(type_name, args, shape)
    assert numbers == measured(twin(layer), shape)
    if counts is not None:
        assert numbers[1:] == counts
    return numbers[0]


def assert_analysis_agrees(type_name, args, sample, batch=1):
    """The analysis row of one layer on ``sample`` (batch excluded) equals its twin's numbers,
    the twin in evaluation mode (as ``cnncalc verify`` runs it)."""
    row = analyze_one(type_name, args, sample, batch)
    assert (row.output_shape, row.params, row.buffers, row.macs) == measured(
        twin(row.layer).eval(), (batch, *sample))


def assert_analysis_rejects(type_name, args, sample, message, batch=1):
    """The analysis refuses one layer on ``sample`` with ``message``, located in the file."""
    with pytest.raises(NetworkError) as err:
        analyze_one(type_name, args, sample, batch)
    assert message in str(err.value)
    assert str(err.value).startswith("net.yaml:1:")


def assert_both_reject(type_name, args, shape, torch_errors, **options):
    """cnncalc refuses the layer (its arguments, or their fit to ``shape``), and torch raises
    one of ``torch_errors`` (:func:`torch_shape`'s ``options``)."""
    with pytest.raises((LayerError, LayerArgumentErrors)):
        static(type_name, args, shape)
    assert torch_shape(type_name, args, shape, torch_errors, **options) is None
