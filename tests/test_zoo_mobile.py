"""The mobile architectures of the zoo against torchvision's published figures and against
independent torch transcriptions of torchvision's source (tests/zoo_torch_references.py)."""

import pytest
from zoo_torch_references import measure

import cnncalc
from cnncalc import zoo

# torchvision's published figures: the `meta` of each IMAGENET1K_V1 weights entry, "num_params"
# and "_ops" (GMACs at 224x224, half of FlopCounterMode's count, i.e. our torch convention).
PUBLISHED = {
    # torchvision/models/mobilenetv2.py: MobileNet_V2_Weights.IMAGENET1K_V1
    "mobilenet_v2": (3_504_872, 0.301),
    # torchvision/models/mobilenetv3.py: MobileNet_V3_Large_Weights.IMAGENET1K_V1
    "mobilenet_v3_large": (5_483_032, 0.217),
    # torchvision/models/mobilenetv3.py: MobileNet_V3_Small_Weights.IMAGENET1K_V1
    "mobilenet_v3_small": (2_542_856, 0.057),
    # torchvision/models/shufflenetv2.py: ShuffleNet_V2_X1_0_Weights.IMAGENET1K_V1
    "shufflenet_v2_x1_0": (2_278_604, 0.145),
    # torchvision/models/efficientnet.py: EfficientNet_B0_Weights.IMAGENET1K_V1
    "efficientnet_b0": (5_288_548, 0.386),
    # torchvision/models/mnasnet.py: MNASNet1_0_Weights.IMAGENET1K_V1
    "mnasnet1_0": (4_383_312, 0.314),
}


@pytest.fixture(scope="module")
def reports():
    return {name: cnncalc.analyze(zoo.load(name)) for name in PUBLISHED}


@pytest.mark.parametrize("name", PUBLISHED)
def test_params_and_gmacs_are_torchvisions(name, reports):
    num_params, gmacs = PUBLISHED[name]
    totals = reports[name].totals
    assert totals.params == num_params
    assert round(totals.macs / 1e9, 3) == gmacs
    assert totals.trainable_params == num_params  # nothing is frozen in a zoo file


def test_mobilenet_v2_exact_macs(reports):
    # the exact count behind torchvision's 0.301 (issue 2 pins it; FlopCounterMode / 2)
    assert reports["mobilenet_v2"].totals.macs == 300_774_272
    assert reports["mobilenet_v2"].totals.flops == 601_548_544


@pytest.mark.parametrize("name", PUBLISHED)
def test_equals_the_torch_transcription(name):
    batch = 2  # counts cover the batch: a batch of 2 doubles MACs, not params or buffers
    report = cnncalc.analyze(zoo.load(name), batch=batch)
    expected = measure(name, zoo.info(name).input, batch=batch)
    assert report.totals.params == expected["params"]
    assert report.totals.buffers == expected["buffers"]
    assert report.totals.macs == expected["macs"]
    assert report.layers[-1].output_shape == expected["output_shape"] == (batch, 1000)


@pytest.mark.parametrize("name", PUBLISHED)
def test_classifier_head_is_the_last_layer(name, reports):
    last = reports[name].layers[-1]
    assert (last.type, last.output_shape) == ("Linear", (1, 1000))


def test_mobilenet_v2_shortcuts_where_torchvision_adds_them(reports):
    # InvertedResidual.use_res_connect: stride 1 and inp == oup, 10 of the 17 blocks
    adds = [row for row in reports["mobilenet_v2"].layers if row.type == "Add"]
    assert len(adds) == 10
    assert all(row.inputs[1].startswith("inverted_residual_") for row in adds)


def test_shufflenet_splits_channels_in_halves(reports):
    rows = reports["shufflenet_v2_x1_0"].layers
    chunks = [row for row in rows if row.type == "Chunk"]
    assert len(chunks) == 2 * (3 + 7 + 3)  # two halves in each stride-1 unit
    stage3 = [row for row in chunks if row.input_shapes[0][1] == 232]
    assert {row.output_shape for row in stage3} == {(1, 116, 14, 14)}


@pytest.mark.parametrize("name", PUBLISHED)
def test_the_files_twin_agrees_layer_by_layer(name):
    from cnncalc.torch import verify

    verification = verify(zoo.load(name))
    assert verification.agrees, verification.disagreements()[:5]
