"""The classic zoo networks pinned to torchvision's published figures.

``num_params`` and ``_ops`` come from the ``meta`` of each model's ``IMAGENET1K_V1`` weights in
torchvision (cited beside each number). ``_ops`` is GMACs rounded to 3 decimals, half of
``torch.utils.flop_counter.FlopCounterMode``: our ``torch`` convention. Buffer counts are derived
below from torchvision's architecture tables: BatchNorm2d keeps ``running_mean`` and
``running_var`` (C each) and ``num_batches_tracked`` (1), so 2C + 1 per BatchNorm2d.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

import pytest

import cnncalc

ZOO = Path(cnncalc.__file__).parent / "zoo"
EXAMPLES = Path(__file__).parents[1] / "examples"

# name: (num_params, _ops, the torchvision/models/ file whose weights meta publishes them)
PUBLISHED = {
    "alexnet": (61_100_840, 0.714, "torchvision/models/alexnet.py"),
    "vgg11": (132_863_336, 7.609, "torchvision/models/vgg.py"),
    "vgg16": (138_357_544, 15.47, "torchvision/models/vgg.py"),
    "vgg16_bn": (138_365_992, 15.47, "torchvision/models/vgg.py"),
    "vgg19": (143_667_240, 19.632, "torchvision/models/vgg.py"),
    "resnet18": (11_689_512, 1.814, "torchvision/models/resnet.py"),
    "resnet34": (21_797_672, 3.664, "torchvision/models/resnet.py"),
    "resnet50": (25_557_032, 4.089, "torchvision/models/resnet.py"),
    "resnet101": (44_549_160, 7.801, "torchvision/models/resnet.py"),
    "resnet152": (60_192_808, 11.514, "torchvision/models/resnet.py"),
    "resnext50_32x4d": (25_028_904, 4.23, "torchvision/models/resnet.py"),
    "wide_resnet50_2": (68_883_240, 11.398, "torchvision/models/resnet.py"),
    "googlenet": (6_624_904, 1.498, "torchvision/models/googlenet.py"),  # aux heads excluded
    "densenet121": (7_978_856, 2.834, "torchvision/models/densenet.py"),
    "squeezenet1_0": (1_248_424, 0.819, "torchvision/models/squeezenet.py"),
    "squeezenet1_1": (1_235_496, 0.349, "torchvision/models/squeezenet.py"),
}

# torchvision/models/inception.py publishes num_params 27,161,264 and _ops 5.713 for Inception3.
# The parameters include the auxiliary head AuxLogits = InceptionAux(768, 1000), which the zoo
# file leaves out; its count, from InceptionAux's definition (BasicConv2d: conv without bias,
# then BatchNorm2d):
AUX_LOGITS_PARAMS = (
    768 * 128 + 2 * 128              # conv0: 1x1, 768 -> 128, and its BatchNorm2d
    + 128 * 768 * 5 * 5 + 2 * 768    # conv1: 5x5, 128 -> 768, and its BatchNorm2d
    + 768 * 1000 + 1000              # fc: Linear(768, 1000)
)
INCEPTION_V3_PARAMS = 27_161_264 - AUX_LOGITS_PARAMS
# The published _ops do not include the head (it runs only in training): its MACs, on the
# 5x5 map avg_pool2d(kernel_size=5, stride=3) leaves of Mixed_6e's 17x17, would round to 5.719.
AUX_LOGITS_MACS = 768 * 128 * 5 * 5 + 128 * 768 * 5 * 5 + 768 * 1000
INCEPTION_V3_OPS = 5.713

SOURCES = {name: source for name, (_, _, source) in PUBLISHED.items()}
SOURCES |= {"inception_v3": "torchvision/models/inception.py",
            "lenet5": "doi:10.1109/5.726791"}  # LeCun et al. 1998, not in torchvision
CLASSIC = list(SOURCES)


@functools.lru_cache(maxsize=None)
def report(name: str, batch: int = 1) -> cnncalc.Report:
    return cnncalc.analyze(cnncalc.load(ZOO / f"{name}.yaml"), batch=batch)


def totals(name: str, batch: int = 1) -> cnncalc.Totals:
    return report(name, batch).totals


@pytest.mark.parametrize("name", list(PUBLISHED))
def test_params_and_macs_equal_torchvisions_published_figures(name):
    params, ops, _ = PUBLISHED[name]
    got = totals(name)
    assert got.params == params
    assert got.trainable_params == params and got.non_trainable_params == 0
    assert round(got.macs / 1e9, 3) == ops
    assert got.flops == 2 * got.macs


def test_inception_v3_equals_torchvision_without_its_auxiliary_head():
    assert (AUX_LOGITS_PARAMS, INCEPTION_V3_PARAMS) == (3_326_696, 23_834_568)
    assert AUX_LOGITS_MACS == 5_683_200
    got = totals("inception_v3")
    assert got.params == INCEPTION_V3_PARAMS
    assert round(got.macs / 1e9, 3) == INCEPTION_V3_OPS
    assert round((got.macs + AUX_LOGITS_MACS) / 1e9, 3) != INCEPTION_V3_OPS


@pytest.mark.parametrize("name, params, macs", [
    # issue 2 and DESIGN.md: the exact FlopCounterMode / 2 counts at 224x224
    ("vgg16", 138_357_544, 15_470_264_320),
    ("resnet18", 11_689_512, 1_814_073_344),
    ("alexnet", 61_100_840, 714_188_480),
    # issue 4: `cnncalc summary resnet152` prints these
    ("resnet152", 60_192_808, 11_513_626_624),
])
def test_exact_macs(name, params, macs):
    got = totals(name)
    assert (got.params, got.macs) == (params, macs)


def test_lenet5_counts_follow_the_arithmetic_in_its_header():
    params = ((1 * 5 * 5 + 1) * 6        # C1
              + (6 * 5 * 5 + 1) * 16     # C3, every S2 map connected
              + (16 * 5 * 5 + 1) * 120   # C5
              + (120 + 1) * 84           # F6
              + (84 + 1) * 10)           # output
    macs = 28 * 28 * 6 * 25 + 10 * 10 * 16 * 150 + 120 * 400 + 84 * 120 + 10 * 84
    assert (params, macs) == (61_706, 416_520)
    got = totals("lenet5")
    assert (got.params, got.buffers, got.macs) == (params, 0, macs)
    shapes = {row.name: row.output_shape for row in report("lenet5").layers}
    assert shapes["c1"] == (1, 6, 28, 28) and shapes["s2"] == (1, 6, 14, 14)
    assert shapes["c3"] == (1, 16, 10, 10) and shapes["s4"] == (1, 16, 5, 5)
    assert shapes["c5"] == (1, 120, 1, 1) and shapes["output"] == (1, 10)


# -- buffers: 2C + 1 per BatchNorm2d, C read off torchvision's architecture tables ----------

def batchnorm_buffers(channels: list[int]) -> int:
    return sum(2 * c + 1 for c in channels)


def resnet_bn_channels(bottleneck: bool, blocks: list[int], width_factor: int = 1) -> list[int]:
    """torchvision/models/resnet.py: bn1 of the stem, then per block bn1, bn2 (and bn3), and the
    downsample BN of each stage's first block where the stride or the channels change."""
    channels = [64]
    inplanes = 64
    for stage, count in enumerate(blocks):
        planes = 64 * 2 ** stage
        out = planes * 4 if bottleneck else planes
        width = planes * width_factor
        per_block = [width, width, out] if bottleneck else [planes, planes]
        channels += per_block * count
        if stage > 0 or inplanes != out:
            channels.append(out)
        inplanes = out
    return channels


def densenet_bn_channels(growth: int, block_config: list[int], init: int,
                         bn_size: int) -> list[int]:
    """torchvision/models/densenet.py: norm0; per dense layer norm1 (its input) and norm2
    (bn_size * growth); a transition norm between blocks; norm5."""
    channels, features = [init], init
    for i, layers in enumerate(block_config):
        for j in range(layers):
            channels += [features + j * growth, bn_size * growth]
        features += layers * growth
        if i != len(block_config) - 1:
            channels.append(features)
            features //= 2
    return channels + [features]


# torchvision/models/googlenet.py: conv1, conv2, conv3, then the Inception(...) arguments
# (ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj); every BasicConv2d has one BatchNorm2d.
GOOGLENET_INCEPTIONS = [(64, 96, 128, 16, 32, 32), (128, 128, 192, 32, 96, 64),
                        (192, 96, 208, 16, 48, 64), (160, 112, 224, 24, 64, 64),
                        (128, 128, 256, 24, 64, 64), (112, 144, 288, 32, 64, 64),
                        (256, 160, 320, 32, 128, 128), (256, 160, 320, 32, 128, 128),
                        (384, 192, 384, 48, 128, 128)]
GOOGLENET_BN = [64, 64, 192] + [c for block in GOOGLENET_INCEPTIONS for c in block]


def inception_v3_bn_channels() -> list[int]:
    """torchvision/models/inception.py: the out_channels of every BasicConv2d, AuxLogits out."""
    def a(pool_features):
        return [64, 48, 64, 64, 96, 96, pool_features]

    def c(c7):
        return [192, c7, c7, 192, c7, c7, c7, c7, 192, 192]

    b = [384, 64, 96, 96]
    d = [192, 320, 192, 192, 192, 192]
    e = [320, 384, 384, 384, 448, 384, 384, 384, 192]
    return ([32, 32, 64, 80, 192] + a(32) + a(64) + a(64) + b
            + c(128) + c(160) + c(160) + c(192) + d + e + e)


VGG16_BN = [64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512]  # vgg.py cfgs["D"]


@pytest.mark.parametrize("name, channels", [
    ("resnet18", resnet_bn_channels(False, [2, 2, 2, 2])),
    ("resnet34", resnet_bn_channels(False, [3, 4, 6, 3])),
    ("resnet50", resnet_bn_channels(True, [3, 4, 6, 3])),
    ("resnet101", resnet_bn_channels(True, [3, 4, 23, 3])),
    ("resnet152", resnet_bn_channels(True, [3, 8, 36, 3])),
    ("resnext50_32x4d", resnet_bn_channels(True, [3, 4, 6, 3], width_factor=2)),
    ("wide_resnet50_2", resnet_bn_channels(True, [3, 4, 6, 3], width_factor=2)),
    ("densenet121", densenet_bn_channels(32, [6, 12, 24, 16], 64, 4)),
    ("googlenet", GOOGLENET_BN),
    ("inception_v3", inception_v3_bn_channels()),
    ("vgg16_bn", VGG16_BN),
])
def test_buffers_are_those_of_torchvisions_batchnorms(name, channels):
    got = totals(name)
    assert got.buffers == batchnorm_buffers(channels)
    assert sum(row.type == "BatchNorm2d" for row in report(name).layers) == len(channels)


@pytest.mark.parametrize("name, buffers", [
    # the same sums, spelled out once: a check on the helpers above
    ("resnet18", 2 * (64 + 4 * 64 + 5 * 128 + 5 * 256 + 5 * 512) + 20),
    ("resnet50", 2 * 26_560 + 53),
    ("densenet121", 2 * 41_824 + 121),
    ("googlenet", 2 * 7_280 + 57),
    ("inception_v3", 2 * 17_216 + 94),
    ("vgg16_bn", 2 * 4_224 + 13),
])
def test_buffer_helpers_agree_with_hand_sums(name, buffers):
    helpers = {"resnet18": resnet_bn_channels(False, [2, 2, 2, 2]),
               "resnet50": resnet_bn_channels(True, [3, 4, 6, 3]),
               "densenet121": densenet_bn_channels(32, [6, 12, 24, 16], 64, 4),
               "googlenet": GOOGLENET_BN, "inception_v3": inception_v3_bn_channels(),
               "vgg16_bn": VGG16_BN}
    assert batchnorm_buffers(helpers[name]) == buffers


@pytest.mark.parametrize("name", ["vgg11", "vgg16", "vgg19", "alexnet", "squeezenet1_0",
                                  "squeezenet1_1", "lenet5"])
def test_networks_without_batchnorm_have_no_buffers(name):
    assert totals(name).buffers == 0


def test_batch_scales_macs_not_params():
    one, four = totals("resnet50"), totals("resnet50", batch=4)
    assert four.macs == 4 * one.macs
    assert (four.params, four.buffers) == (one.params, one.buffers)


# -- the files themselves -------------------------------------------------------------------

HEADER = re.compile(r"# zoo: input=(?P<input>\d+(?:x\d+)*) source=(?P<source>\S+)\n")


@pytest.mark.parametrize("name", CLASSIC)
def test_header_line_states_the_files_input_and_source(name):
    text = (ZOO / f"{name}.yaml").read_text(encoding="utf-8")
    match = HEADER.match(text)
    assert match, f"{name}.yaml must start with '# zoo: input=CxHxW source=...'"
    network = cnncalc.load(ZOO / f"{name}.yaml")
    assert tuple(int(n) for n in match["input"].split("x")) == tuple(network.input)
    assert match["source"] == SOURCES[name]
    assert re.search(r"^name: \S", text, re.MULTILINE), "every zoo file names its network"


@pytest.mark.parametrize("name", CLASSIC)
def test_examples_link_to_the_packaged_file(name):
    link = EXAMPLES / f"{name}.yaml"
    assert link.is_symlink()
    assert os.readlink(link) == f"../cnncalc/zoo/{name}.yaml"
    assert link.resolve() == (ZOO / f"{name}.yaml").resolve()


def test_inception_v3_takes_299_pixels_and_ends_in_2048_features():
    inception = report("inception_v3")
    shapes = {row.name: row.output_shape for row in inception.layers}
    assert inception.inputs["input"] == (1, 3, 299, 299)
    mixed_7c = [shape for name, shape in shapes.items() if name.startswith("Mixed_7c.")][-1]
    assert mixed_7c == (1, 2048, 8, 8)
    assert inception.layers[-1].output_shape == (1, 1000)


@pytest.mark.parametrize("name, printed", [
    ("vgg16", ["138,357,544", "15,470,264,320"]),       # issue 2, "Done when"
    ("resnet152", ["60,192,808", "11,513,626,624"]),    # issue 4, "Done when"
])
def test_summary_prints_the_exact_figures(name, printed):
    from cli_runner import runner
    from cnncalc.cli import main

    result = runner().invoke(main, ["summary", str(EXAMPLES / f"{name}.yaml")])
    assert result.exit_code == 0, result.output
    for figure in printed:
        assert figure in result.output
