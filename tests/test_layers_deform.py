"""torchvision's DeformConv2d: its twin is a deformable convolution (zero offsets are a plain
convolution, an offset shifts what a window reads), its MACs are cnncalc's documented rule
since FlopCounterMode counts none of ``torchvision::deform_conv2d``."""

from __future__ import annotations

import re

import pytest
import torch
from cli_runner import runner

import cnncalc
from cnncalc.cli import main
from cnncalc.torch.vision import DeformConv2d

NET = """input: [4, 8, 8]
layers:
  - Conv2d: {out_channels: 18, kernel_size: 3, padding: 1, name: offset}
  - DeformConv2d: {out_channels: 6, kernel_size: 3, padding: 1, from: [input, offset]}
"""


@pytest.mark.parametrize("groups, offset_groups, masked", [(1, 1, False), (2, 1, True),
                                                            (1, 2, True), (2, 4, False)])
def test_zero_offsets_make_a_plain_convolution(groups, offset_groups, masked):
    twin = DeformConv2d(4, 6, 3, padding=1, groups=groups)
    x = torch.randn(2, 4, 7, 7)
    offset = torch.zeros(2, 2 * offset_groups * 9, 7, 7)
    mask = torch.ones(2, offset_groups * 9, 7, 7) if masked else None
    expected = torch.nn.functional.conv2d(x, twin.weight, twin.bias, padding=1, groups=groups)
    assert torch.allclose(twin(x, offset, mask), expected, atol=1e-5)


def test_an_offset_moves_what_the_window_reads():
    twin = DeformConv2d(1, 1, 1, bias=False)
    torch.nn.init.ones_(twin.weight)
    x = torch.arange(16.0).reshape(1, 1, 4, 4)
    offset = torch.zeros(1, 2, 4, 4)
    offset[:, 1] = 0.5                                   # half a column to the right
    out = twin(x, offset)
    assert torch.allclose(out[..., :3], x[..., :3] + 0.5)   # bilinear between neighbours
    assert torch.allclose(out[..., 3], x[..., 3] / 2)       # half of it falls outside: zero


def test_the_macs_are_cnncalcs_rule_and_explain_says_so(tmp_path):
    path = tmp_path / "deform.yaml"
    path.write_text(NET)
    row = cnncalc.analyze(cnncalc.loads(NET)).layers[-1]
    conv = 6 * 8 * 8 * 4 * 9              # N · Cout · H_out · W_out · (Cin/g) · Kh·Kw
    sampling = 4 * 4 * 9 * 8 * 8          # 4 MACs per bilinear value: N · Cin · Kh·Kw · H·W
    assert (row.params, row.macs) == (6 * 4 * 9 + 6, conv + sampling)
    text = runner().invoke(main, ["explain", str(path), "--layer", "deformconv2d_1"]).stdout
    assert "FlopCounterMode counts nothing of torchvision::deform_conv2d" in text
    verified = runner().invoke(main, ["verify", str(path)])
    assert verified.exit_code == 0, verified.output


@pytest.mark.parametrize("channels, stride, message", [
    (17, 1, "the offsets need 2·Kh·Kw channels per offset group"),
    (18, 2, "the offsets must have the output's batch and spatial size"),
])
def test_bad_offsets_are_located_errors(channels, stride, message):
    net = cnncalc.loads(f"""input: [4, 8, 8]
layers:
  - Conv2d: {{out_channels: {channels}, kernel_size: 1, stride: {stride}, name: offset}}
  - DeformConv2d: {{out_channels: 6, kernel_size: 3, padding: 1, from: [input, offset]}}
""", source="deform.yaml")
    where = "deform.yaml:4:71: deformconv2d_1 (DeformConv2d): "   # at its from:
    with pytest.raises(cnncalc.NetworkError, match=re.escape(where + message)):
        cnncalc.analyze(net)
