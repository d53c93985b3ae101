"""The mobile architectures of the zoo against torchvision's published figures and against
independent torch transcriptions of torchvision's source (tests/zoo_torch_references.py)."""

import pytest
from zoo_torch_references import check_transcription, measure

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
    # counts cover the batch: a batch of 2 doubles MACs, not params or buffers
    assert check_transcription(name, batch=2) == (2, 1000)


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


# -- files that compute their own widths (issue 17): the file's args against the builder's ----

@pytest.mark.parametrize("name, args", [
    ("mobilenet_v2", {"width_mult": 0.5}),
    ("mobilenet_v2", {"width_mult": 0.75}),
    ("mobilenet_v2", {"width_mult": 1.4}),
    ("mobilenet_v2", {"width_mult": 0.25}),   # the first block gets its shortcut: 8 == 8
    ("efficientnet_b0", {"width_mult": 1.1, "depth_mult": 1.2}),   # B2's multipliers
    ("efficientnet_b0", {"width_mult": 0.5, "depth_mult": 0.5}),   # stages of one layer
])
def test_file_args_equal_the_builders_arguments(name, args):
    report = cnncalc.analyze(zoo.load(name, args=args))
    expected = measure(name, zoo.info(name).input, **args)
    assert report.totals.params == expected["params"]
    assert report.totals.buffers == expected["buffers"]
    assert report.totals.macs == expected["macs"]
    assert report.args == {**{"width_mult": 1.0, "depth_mult": 1.0}, **args} \
        if name == "efficientnet_b0" else report.args == args


def test_set_on_the_command_line_is_load_with_args():
    import json

    from cli_runner import runner

    from cnncalc.cli import main

    result = runner().invoke(main, ["summary", "mobilenet_v2", "--set", "width_mult=0.5",
                                    "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    expected = measure("mobilenet_v2", (3, 224, 224), width_mult=0.5)
    assert (data["totals"]["params"], data["totals"]["buffers"], data["totals"]["macs"]) == (
        expected["params"], expected["buffers"], expected["macs"])
    assert data["args"] == {"width_mult": 0.5}


@pytest.mark.parametrize("args, num_params", [
    # torchvision/models/efficientnet.py: EfficientNet_B1_Weights.IMAGENET1K_V1 meta num_params
    ({"width_mult": 1.0, "depth_mult": 1.1}, 7_794_184),
    # EfficientNet_B2_Weights.IMAGENET1K_V1 meta num_params
    ({"width_mult": 1.1, "depth_mult": 1.2}, 9_109_994),
    # EfficientNet_B3_Weights.IMAGENET1K_V1 meta num_params
    ({"width_mult": 1.2, "depth_mult": 1.4}, 12_233_232),
])
def test_b0s_rows_scaled_are_torchvisions_b1_to_b3(args, num_params):
    # parameters do not depend on the resolution, nor on B1-B3's other dropout
    assert cnncalc.analyze(zoo.load("efficientnet_b0", args=args)).totals.params == num_params
