"""The zoo's ConvNeXt-Tiny (issue 17 part 10) against torchvision's published figures and against
the line-by-line transcription of torchvision/models/convnext.py in
tests/zoo_torch_references.py (torchvision itself cannot be installed here)."""

from __future__ import annotations

import pytest
from zoo_torch_references import check_transcription, convnext_tiny

import cnncalc
from cnncalc import zoo

# torchvision/models/convnext.py, ConvNeXt_Tiny_Weights.IMAGENET1K_V1 meta: "num_params":
# 28589128, "_ops": 4.456 (GFLOPS as torchvision counts them: FlopCounterMode / 2, our MACs;
# releases before the 3-decimal figures printed 4.5)
NUM_PARAMS, GMACS = 28_589_128, 4.456


@pytest.fixture(scope="module")
def report():
    return cnncalc.analyze(zoo.load("convnext_tiny"))


def test_params_and_gmacs_are_torchvisions(report):
    assert report.totals.params == report.totals.trainable_params == NUM_PARAMS
    assert round(report.totals.macs / 1e9, 3) == GMACS
    assert report.totals.macs == 4_455_531_264          # FlopCounterMode on the transcription
    assert report.totals.buffers == 0                   # LayerNorm keeps no running statistics


def test_equals_the_torch_transcription():
    assert check_transcription("convnext_tiny", batch=2) == (2, 1000)


def test_the_files_twin_agrees_layer_by_layer():
    from cnncalc.torch import verify

    verification = verify(zoo.load("convnext_tiny"))
    assert verification.agrees, verification.disagreements()[:5]


def test_blocks_stages_and_layer_scales_are_torchvisions(report):
    blocks = [b for b in report.blocks if b.type == "cnblock"]
    assert [b.args["dim"] for b in blocks] == [96] * 3 + [192] * 3 + [384] * 9 + [768] * 3
    scales = [r for r in report.layers if r.type == "Parameter"]
    assert [(r.output_shape, r.params) for r in scales] == [
        ((b.args["dim"], 1, 1), b.args["dim"]) for b in blocks]
    assert sum(r.params for r in scales) == 3 * 96 + 3 * 192 + 9 * 384 + 3 * 768
    assert [r.layer.out_features for r in report.layers
            if r.type == "Linear"][:2] == [4 * 96, 96]           # $dim * 4, then back


@pytest.mark.parametrize("stochastic_depth_prob", [0.1, 0.4])
def test_stochastic_depth_p_is_torchvisions_sd_prob(stochastic_depth_prob):
    report = cnncalc.analyze(zoo.load("convnext_tiny",
                                      args={"stochastic_depth_prob": stochastic_depth_prob}))
    ours = [r.layer.p for r in report.layers if r.type == "StochasticDepth"]
    theirs = [m.stochastic_depth.p for m in convnext_tiny(stochastic_depth_prob).modules()
              if type(m).__name__ == "CNBlock"]
    assert ours == theirs                        # the same floats, not only close ones
    assert len(ours) == 18 and ours[0] == 0.0 and ours[-1] == stochastic_depth_prob


def test_the_block_output_keeps_the_depthwise_field(report):
    conv = report.layer("cnblock_1.conv2d_1")
    assert report.layer("cnblock_1.mul_1").receptive_field == conv.receptive_field
    assert report.layer("cnblock_1.layer_scale").receptive_field is None
