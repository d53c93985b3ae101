"""The ``full`` convention and the rule tables themselves.

Each ``full`` rule has a case small enough to count by hand; the expected numbers are worked
out in the comments beside them (the rule definitions are docs/conventions.md's).
"""

from __future__ import annotations

import pytest

import cnncalc
from cnncalc import counting
from cnncalc.counting import Count, Site, convention
from cnncalc.layers import REGISTRY


def full(entry: str, shape: list[int], batch: int = 1) -> tuple[int, int]:
    net = cnncalc.loads(f"input: {shape}\nlayers:\n  - {entry}\n")
    row = cnncalc.analyze(net, batch=batch, convention="full").layers[-1]
    return row.macs, row.flops


CASES = [
    # Conv2d 1→2 channels, 3×3 kernel on 1×4×4, no padding: y is 2×2×2 = 8 elements, each a
    # 9-term dot product: 72 MACs, 144 FLOPs, plus 8 bias adds
    ("Conv2d: {out_channels: 2, kernel_size: 3}", [1, 4, 4], (72, 152)),
    ("Conv2d: {out_channels: 2, kernel_size: 3, bias: false}", [1, 4, 4], (72, 144)),
    # ConvTranspose1d 2→3, K=2 on length 4: each of the 2·4 inputs meets a 3·2 slice: 48 MACs;
    # y has 3·5 = 15 elements, one bias add each
    ("ConvTranspose1d: {out_channels: 3, kernel_size: 2}", [2, 4], (48, 111)),
    # Linear 5→3: 15 MACs, 30 FLOPs, 3 bias adds
    ("Linear: {out_features: 3}", [5], (15, 33)),
    # BatchNorm2d on 2×3×3 = 18 elements: x·scale + shift, one MAC each
    ("BatchNorm2d", [2, 3, 3], (18, 36)),
    ("FrozenBatchNorm2d", [2, 3, 3], (18, 36)),   # torchvision's: the same x · scale + shift
    # LayerNorm over 4 features: mean, centre, square-accumulate, scale (5 ops, 1 MAC of them)
    # and the affine MAC: 2 MACs and 7 FLOPs per element
    ("LayerNorm: {normalized_shape: 4}", [4], (8, 28)),
    ("GroupNorm: {num_groups: 1, affine: false}", [2, 2], (4, 20)),
    # LocalResponseNorm size 2 on 2×1×1: 2 squares + 1 MAC per element = 3 MACs; + 2 ops
    ("LocalResponseNorm: {size: 2}", [2, 1, 1], (6, 16)),
    ("ReLU", [3, 2, 2], (0, 12)),
    ("Sigmoid", [5], (0, 20)),
    ("Softmax: {dim: 1}", [4], (0, 20)),
    # MaxPool2d 2×2 stride 2 on 1×4×4: 4 windows, 3 comparisons each
    ("MaxPool2d: {kernel_size: 2}", [1, 4, 4], (0, 12)),
    # AvgPool2d 2×2: 4 windows, 3 adds and 1 division each
    ("AvgPool2d: {kernel_size: 2}", [1, 4, 4], (0, 16)),
    # AdaptiveAvgPool1d 5 → 2: windows [0, 3) and [2, 5), 3 + 3 = 6 elements
    ("AdaptiveAvgPool1d: {output_size: 2}", [1, 5], (0, 6)),
    ("AdaptiveMaxPool1d: {output_size: 2}", [1, 5], (0, 4)),
    # Upsample bilinear ×2 on 1×2×2: 16 outputs, 3 lerps each (1 MAC + 1 subtraction)
    ("Upsample: {scale_factor: 2, mode: bilinear}", [1, 2, 2], (48, 144)),
    ("Upsample: {scale_factor: 2}", [1, 2, 2], (0, 0)),
    ("Flatten", [2, 3], (0, 0)),
    # Mean over 2 rows of 3: 2 additions and 1 division per row
    ("Mean: {dim: 2}", [2, 3], (0, 6)),
    # Sum of 6 values into 1: 5 additions; Amax of 4 values: 3 comparisons
    ("Sum: {dim: [1, 2]}", [2, 3], (0, 5)),
    ("Amax: {dim: 1}", [4], (0, 3)),
    ("Permute: {dims: [0, 2, 1]}", [2, 3], (0, 0)),
    ("StochasticDepth: {p: 0.5, mode: row}", [2, 3], (0, 0)),
    # LayerNorm2d over 2 channels at 2 × 2 positions: as LayerNorm, 2 MACs and 7 FLOPs each
    ("LayerNorm2d", [2, 2, 2], (16, 56)),
    ("ZeroPad2d: {padding: 1}", [1, 2, 2], (0, 0)),
    # MultiheadAttention E = 2, one head, L = S = 2: q, k, v projections 3 · 2·2·2 = 24 MACs,
    # q·kᵀ and attention·v 2 · 2·2·2 = 16, output 2·2·2 = 8; FLOPs 2 · 48 + 4 scalings of q
    # + 5 · 4 softmax weights + (2·2 + 2·2)·2 = 16 bias adds
    ("MultiheadAttention: {num_heads: 1, batch_first: true}", [2, 2], (48, 136)),
]


@pytest.mark.parametrize("entry, shape, expected", CASES, ids=[c[0] for c in CASES])
def test_full_rule_by_hand(entry, shape, expected):
    assert full(entry, shape) == expected


def test_full_merges_count_one_op_per_element_per_extra_input():
    net = cnncalc.loads("input: [2, 3]\nlayers:\n  - ReLU: {name: a}\n"
                        "  - Add: {from: [a, input, input]}\n")
    row = cnncalc.analyze(net, convention="full").layers[-1]
    assert (row.macs, row.flops) == (0, 2 * 6)   # two additions for each of 6 elements


def test_every_computing_layer_type_has_a_full_rule():
    """A layer type without a ``full`` rule counts nothing: only types that only move data."""
    moving = {"Flatten", "Unflatten", "Identity", "Chunk", "Narrow", "Permute", "Concat",
              "PixelShuffle",
              "PixelUnshuffle", "ChannelShuffle", "Dropout", "Dropout1d", "Dropout2d",
              "Dropout3d", "AlphaDropout", "StochasticDepth", "Parameter"}
    rules = convention("full")
    without = {name for name, cls in REGISTRY.items() if rules.rule_for(cls) is None}
    padding = {name for name in without if "Pad" in name}
    assert without - padding == moving


def test_registering_a_type_twice_is_an_error():
    rules = convention("torch")
    kind = REGISTRY["Linear"]
    with pytest.raises(TypeError, match="Linear has a rule already"):
        rules.rule(kind)(lambda site: Count())


def test_rules_are_found_through_the_class_hierarchy():
    rules = convention("thop")
    assert rules.rule_for(REGISTRY["ConvTranspose3d"]) is rules.rule_for(REGISTRY["Conv1d"])


def test_an_unknown_convention_is_a_usage_error():
    with pytest.raises(cnncalc.CnncalcError, match="unknown counting convention 'flops'"):
        convention("flops")


def test_every_convention_in_the_contract_exists():
    assert counting.NAMES == ("torch", "torchinfo", "fvcore", "ptflops", "thop", "full")
    for name in counting.NAMES:
        assert convention(name).name == name


def test_the_working_of_a_rule_is_its_number():
    layer = cnncalc.Conv2d(3, 6, 5)
    site = Site(layer, ((2, 3, 32, 32),), (2, 6, 28, 28))
    count = convention("torch").count(site)
    assert count.macs.formula() == "N · Cout · H_out · W_out · (Cin/g) · Kh·Kw"
    assert count.macs.numbers() == "2 · 6 · 28 · 28 · 3 · 25"
    assert count.exact() == (2 * 6 * 28 * 28 * 3 * 25, 2 * 2 * 6 * 28 * 28 * 3 * 25)


@pytest.mark.parametrize("name", counting.NAMES)
def test_rows_add_up_to_the_totals_under_every_convention(name):
    report = cnncalc.analyze(cnncalc.load("mobilenet_v3_small"), batch=3, convention=name)
    assert report.totals.macs == sum(r.macs for r in report.layers)
    assert report.totals.flops == sum(r.flops for r in report.layers)
    assert all(type(r.macs) is int and type(r.flops) is int for r in report.layers)
