"""The zoo's ViT-B/16 (issue 17 parts 5 and 10) against torchvision's published figures and
against the line-by-line transcription of torchvision/models/vision_transformer.py in
tests/zoo_torch_references.py (torchvision itself cannot be installed here)."""

from __future__ import annotations

import pytest
from zoo_torch_references import check_transcription, measure

import cnncalc
from cnncalc import zoo

# torchvision/models/vision_transformer.py, ViT_B_16_Weights.IMAGENET1K_V1 meta: "num_params":
# 86567656, "_ops": 17.564 (GFLOPS as torchvision counts them: FlopCounterMode / 2, our MACs)
NUM_PARAMS, GMACS = 86_567_656, 17.564


@pytest.fixture(scope="module")
def report():
    return cnncalc.analyze(zoo.load("vit_b_16"))


def test_params_and_gmacs_are_torchvisions(report):
    assert report.totals.params == report.totals.trainable_params == NUM_PARAMS
    assert round(report.totals.macs / 1e9, 3) == GMACS
    assert report.totals.macs == 17_563_828_224         # the figure issue 17 names
    assert report.totals.buffers == 0


def test_equals_the_torch_transcription():
    assert check_transcription("vit_b_16", batch=2) == (2, 1000)


def test_the_files_twin_agrees_layer_by_layer():
    from cnncalc.torch import verify

    verification = verify(zoo.load("vit_b_16"))
    assert verification.agrees, verification.disagreements()[:5]


def test_attention_is_most_of_a_block(report):
    """Each of the 12 blocks: 4·768² projection weights plus biases in its attention, and
    q·kᵀ and attention·v over 197 tokens: 2 · 197² · 768 multiply-adds beyond the Linear
    layers — what a ViT written without attention products would miss."""
    attention = [r for r in report.layers if r.type == "MultiheadAttention"]
    assert len(attention) == 12
    assert {r.params for r in attention} == {4 * 768 * 768 + 4 * 768}
    assert {r.macs for r in attention} == {4 * 197 * 768 * 768 + 2 * 197 * 197 * 768}
    assert report.totals.macs - 12 * 2 * 197 * 197 * 768 == 16_848_500_736   # the issue's


def test_image_size_384_is_torchvisions_swag_model():
    # torchvision/models/vision_transformer.py, ViT_B_16_Weights.IMAGENET1K_SWAG_E2E_V1 meta
    # (min_size 384 × 384): "num_params": 86859496, "_ops": 55.484
    report = cnncalc.analyze(zoo.load("vit_b_16", args={"image_size": 384}))
    assert report.totals.params == 86_859_496
    assert round(report.totals.macs / 1e9, 3) == 55.484
    expected = measure("vit_b_16", (3, 384, 384), image_size=384)
    assert (report.totals.params, report.totals.macs) == (expected["params"], expected["macs"])


def test_another_input_size_needs_the_image_size_argument():
    with pytest.raises(cnncalc.NetworkError, match=r"embedded \(Add\).*\[1, 5, 768\].*"
                                                   r"\[1, 197, 768\]"):
        cnncalc.analyze(zoo.load("vit_b_16"), input=(3, 32, 32))
