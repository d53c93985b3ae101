"""Measure the headline MACs of the peer tools on the real torchvision models; writes
peer_totals.json beside this file (how and with which versions: peer_totals.md).

Not a test: it needs torchvision, which the test suite does not install, and the weights are
never loaded (``weights=None``: the counts do not depend on them). tests/conftest.py keeps
pytest from collecting or importing anything under tests/data. Run it in an environment with
the pinned versions of peer_totals.md:

    python tests/data/measure_peer_totals.py                 # every model, rewrites the file
    python tests/data/measure_peer_totals.py resnet18 vgg16  # some models, merged into the file
    python tests/data/measure_peer_totals.py --check         # compare with the file, write nothing
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import json
import logging
import sys
import warnings
from pathlib import Path

OUT = Path(__file__).with_name("peer_totals.json")
#: the zoo's torchvision models, in the zoo's names (torchvision's builder names), and the
#: zoo's DeepLabV3 head (torchvision's DeepLabHead(2048, 21) on a 2048 x 28 x 28 input)
MODELS = ("alexnet vgg11 vgg16 vgg16_bn vgg19 resnet18 resnet34 resnet50 resnet101 resnet152 "
          "resnext50_32x4d wide_resnet50_2 densenet121 googlenet inception_v3 mobilenet_v2 "
          "mobilenet_v3_large mobilenet_v3_small shufflenet_v2_x1_0 efficientnet_b0 mnasnet1_0 "
          "squeezenet1_0 squeezenet1_1 deeplabv3_aspp convnext_tiny "
          "resnet50_fpn vit_b_16").split()
TOOLS = ("torch", "torchinfo", "fvcore", "ptflops", "thop")


def build(name: str):
    """A freshly built torchvision model, no weights; googlenet and inception_v3 without their
    auxiliary heads (the zoo's files leave them out, as the pretrained weights' models do)."""
    import torch
    import torchvision.models as tvm
    from torchvision.models.segmentation.deeplabv3 import DeepLabHead

    torch.manual_seed(0)
    if name == "deeplabv3_aspp":
        return DeepLabHead(2048, 21)
    if name == "resnet50_fpn":   # its defaults: FrozenBatchNorm2d, trainable_layers=3
        from torchvision.models.detection.backbone_utils import resnet_fpn_backbone
        return resnet_fpn_backbone(backbone_name="resnet50", weights=None)
    kwargs = {"weights": None}
    if name in ("googlenet", "inception_v3"):
        kwargs.update(aux_logits=False, init_weights=False)
    return getattr(tvm, name)(**kwargs)


def sample(name: str):
    import torch

    if name == "deeplabv3_aspp":
        return torch.randn(1, 2048, 28, 28)
    size = 299 if name == "inception_v3" else 224
    return torch.randn(1, 3, size, size)


# -- each tool as its documentation calls it; every tool gets a fresh copy of the model ---------

def torch_macs(model, x) -> int:
    """``FlopCounterMode`` FLOPs / 2 (the model in eval mode; the mode changes nothing here).
    Attention runs with MultiheadAttention's fast path off and the math backend of
    ``scaled_dot_product_attention``: FlopCounterMode counts none of the fused kernels torch
    picks on the CPU, and counts the products on the meta device and on CUDA."""
    import torch
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.utils.flop_counter import FlopCounterMode

    model = copy.deepcopy(model).eval()
    fast = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        with sdpa_kernel([SDPBackend.MATH]), torch.no_grad(), \
                FlopCounterMode(display=False) as counter:
            model(x)
    finally:
        torch.backends.mha.set_fastpath_enabled(fast)
    return counter.get_total_flops() // 2


def torchinfo_macs(model, x) -> int:
    """``summary(model, input_size=...).total_mult_adds``; summary puts the model in eval."""
    from torchinfo import summary

    return int(summary(copy.deepcopy(model), input_size=tuple(x.shape),
                       verbose=0).total_mult_adds)


def fvcore_macs(model, x) -> int:
    """``FlopCountAnalysis(model.eval(), x).total()``: fvcore keeps the model's mode, and a
    fresh model is in train mode, so eval is set explicitly."""
    from fvcore.nn import FlopCountAnalysis

    analysis = FlopCountAnalysis(copy.deepcopy(model).eval(), x)
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    return int(analysis.total())


def ptflops_macs(model, x) -> int:
    """``get_model_complexity_info(model, (3, H, W), as_strings=False,
    print_per_layer_stat=False)``: the default ``pytorch`` backend, which puts the model in eval
    and builds its own batch-1 input."""
    from ptflops import get_model_complexity_info

    with contextlib.redirect_stdout(io.StringIO()):
        macs, _ = get_model_complexity_info(copy.deepcopy(model), tuple(x.shape[1:]),
                                            as_strings=False, print_per_layer_stat=False)
    if macs is None:
        raise RuntimeError("ptflops failed (it prints the reason and returns None)")
    return int(macs)


def thop_macs(model, x) -> int:
    """``profile(model, inputs=(x,))[0]``; profile puts the model in eval; a float, integral."""
    from thop import profile

    with contextlib.redirect_stdout(io.StringIO()):
        macs, _ = profile(copy.deepcopy(model), inputs=(x,), verbose=False)
    if macs != int(macs):
        raise RuntimeError(f"thop gave a fraction: {macs}")
    return int(macs)


MEASURES = {"torch": torch_macs, "torchinfo": torchinfo_macs, "fvcore": fvcore_macs,
            "ptflops": ptflops_macs, "thop": thop_macs}


def measure(name: str) -> dict[str, int]:
    model, x = build(name), sample(name)
    return {tool: MEASURES[tool](model, x) for tool in TOOLS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", help=f"default: all {len(MODELS)}")
    parser.add_argument("--check", action="store_true",
                        help="compare with peer_totals.json instead of writing it")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    stored = json.loads(OUT.read_text(encoding="utf-8")) if OUT.exists() else {}
    names = args.models or list(MODELS)
    results, differ = dict(stored), 0
    for name in names:
        results[name] = measure(name)
        print(name, results[name], flush=True)
        if args.check and stored.get(name) != results[name]:
            differ += 1
            print(f"  differs from peer_totals.json: {stored.get(name)}", flush=True)
    if args.check:
        return 1 if differ else 0
    ordered = {name: results[name] for name in MODELS if name in results}
    OUT.write_text(json.dumps(ordered, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
