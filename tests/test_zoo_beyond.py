"""The zoo networks beyond torchvision (1-D audio, 3-D video, U-Net, the DeepLabV3 head, the DCGAN
generator, the MNIST CNN, YOLOv3's Darknet-53) against torch transcriptions of their cited
sources."""

import pytest
from zoo_torch_references import check_transcription, measure

import cnncalc
from cnncalc import zoo

BEYOND = ("m5", "c3d", "unet", "deeplabv3_aspp", "dcgan_generator", "mnist_cnn", "darknet53")


@pytest.mark.parametrize("name", BEYOND)
@pytest.mark.parametrize("batch", [1, 3])
def test_equals_the_torch_transcription(name, batch):
    check_transcription(name, batch=batch)


@pytest.mark.parametrize("name, other_input", [
    ("m5", (1, 8000)),             # the tutorial's 8 kHz resampled clips
    ("unet", (3, 512, 512)),       # any size divisible by 16
    ("mnist_cnn", (1, 28, 28)),
])
def test_other_inputs_still_match_torch(name, other_input):
    report = cnncalc.analyze(zoo.load(name), input=other_input)
    expected = measure(name, other_input)
    assert (report.totals.params, report.totals.macs) == (expected["params"], expected["macs"])
    assert report.layers[-1].output_shape == expected["output_shape"]


def test_each_network_exercises_its_kind_of_layer():
    kinds = {name: {row.type for row in cnncalc.analyze(zoo.load(name)).layers}
             for name in BEYOND}
    assert {"Conv1d", "BatchNorm1d", "MaxPool1d"} <= kinds["m5"]
    assert {"Conv3d", "MaxPool3d"} <= kinds["c3d"]
    assert {"ConvTranspose2d", "Concat"} <= kinds["unet"]
    assert {"Upsample", "Concat"} <= kinds["deeplabv3_aspp"]
    assert kinds["dcgan_generator"] >= {"ConvTranspose2d", "Tanh"}
    assert "Conv2d" not in kinds["dcgan_generator"]


def test_aspp_branches_are_parallel_and_dilated():
    report = cnncalc.analyze(zoo.load("deeplabv3_aspp"))
    concat = next(row for row in report.layers if row.type == "Concat")
    assert len(concat.inputs) == 5
    assert concat.output_shape == (1, 5 * 256, 28, 28)
    dilations = sorted(row.layer.dilation for row in report.layers
                       if row.type == "Conv2d" and row.layer.dilation != 1)
    assert dilations == [12, 24, 36]


def test_unet_skips_join_their_own_resolution():
    report = cnncalc.analyze(zoo.load("unet"))
    for row in report.layers:
        if row.type == "Concat":
            skip, up = row.input_shapes
            assert skip == up  # the padded variant needs no crop


def test_darknet53_is_the_papers_backbone():
    """YOLOv3 (arXiv:1804.02767), Table 1: 52 convolutions before the classifier, five stride-2
    downsamplings with 1, 2, 8, 8, 4 residual units (the numbers themselves are checked
    against the torch transcription of darknet53.cfg above)."""
    report = cnncalc.analyze(zoo.load("darknet53"))
    convs = [row for row in report.layers if row.type == "Conv2d"]
    assert len(convs) == 53 and convs[-1].name == "classifier"
    assert sum(row.type == "Add" for row in report.layers) == 1 + 2 + 8 + 8 + 4
    assert [b.output_shape for b in report.blocks if b.type == "stage"] == [
        (1, 64, 128, 128), (1, 128, 64, 64), (1, 256, 32, 32), (1, 512, 16, 16),
        (1, 1024, 8, 8)]


def test_mnist_cnn_comments_are_right():
    # the file's comments state these numbers for students to check
    report = cnncalc.analyze(zoo.load("mnist_cnn"))
    first, second = (row for row in report.layers if row.type == "Conv2d")
    assert (first.output_shape, first.params, first.macs) == ((1, 32, 26, 26), 320, 194_688)
    assert (second.output_shape, second.params, second.macs) == \
        ((1, 64, 24, 24), 18_496, 10_616_832)
    fc1, fc2 = (row for row in report.layers if row.type == "Linear")
    assert (fc1.input_shapes[0], fc1.params, fc2.params) == ((1, 9216), 1_179_776, 1_290)
    assert report.totals.params == 1_199_882


@pytest.mark.parametrize("name", BEYOND)
def test_the_files_twin_agrees_layer_by_layer(name):
    from cnncalc.torch import verify

    verification = verify(zoo.load(name))
    assert verification.agrees, verification.disagreements()[:5]


# -- ResNet-50-FPN: several outputs, FrozenBatchNorm2d (issue 17) ------------------------------

FPN_OUTPUTS = ("p2", "p3", "p4", "p5", "pool")


@pytest.mark.parametrize("size", [224, 800])   # the zoo's default and a common detection size
@pytest.mark.parametrize("batch", [1, 2])
def test_resnet50_fpn_equals_torchvisions_backbone(size, batch):
    """resnet_fpn_backbone("resnet50", weights=None) transcribed: every count and every output
    of torchvision's OrderedDict ('0', '1', '2', '3', 'pool'), in its order."""
    report = cnncalc.analyze(zoo.load("resnet50_fpn"), input=(3, size, size), batch=batch)
    expected = measure("resnet50_fpn", (3, size, size), batch=batch)
    assert report.totals.params == expected["params"] == 26_799_296
    assert report.totals.trainable_params == expected["trainable_params"]
    assert report.totals.buffers == expected["buffers"] == 4 * 26_560   # FrozenBatchNorm2d
    assert report.totals.macs == expected["macs"]
    assert report.outputs == FPN_OUTPUTS
    assert report.output_shapes == expected["output_shapes"]
    strides = [size // s for s in (4, 8, 16, 32)]
    assert report.output_shapes == tuple((batch, 256, s, s) for s in strides) + (
        (batch, 256, (strides[-1] - 1) // 2 + 1, (strides[-1] - 1) // 2 + 1),)


def test_resnet50_fpn_freezes_what_trainable_layers_3_freezes():
    report = cnncalc.analyze(zoo.load("resnet50_fpn"))
    frozen = {row.name.split(".")[0] for row in report.layers if row.params and not row.trainable}
    assert frozen == {"conv1", "layer1"}
    assert {row.type for row in report.layers} >= {"FrozenBatchNorm2d", "Upsample", "Add"}
    assert "BatchNorm2d" not in {row.type for row in report.layers}


def test_resnet50_fpn_twin_returns_the_five_maps():
    import torch
    from cnncalc.torch import to_torch

    report = cnncalc.analyze(zoo.load("resnet50_fpn"))
    twin = to_torch(zoo.load("resnet50_fpn"), device="meta").eval()
    with torch.no_grad():
        out = twin(torch.empty(1, 3, 224, 224, device="meta"))
    assert isinstance(out, tuple)
    assert tuple(tuple(t.shape) for t in out) == report.output_shapes
    assert sum(b.numel() for b in twin.buffers()) == report.totals.buffers


@pytest.mark.parametrize("size", [224, 800])
def test_resnet50_fpn_twin_agrees_layer_by_layer(size):
    from cnncalc.torch import verify

    verification = verify(zoo.load("resnet50_fpn"), input=(3, size, size))
    assert verification.agrees, verification.disagreements()[:5]
