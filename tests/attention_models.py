"""Attention written as torchvision writes it, and the cross-attention file, with the entries
both importers must read back from them (tests/test_import_fx.py, tests/test_import_onnx.py)."""

from __future__ import annotations

from pathlib import Path

import torch

CROSS = Path(__file__).resolve().parent / "data" / "cross_attention.yaml"
#: the entries of CROSS as an importer writes them back
CROSS_ENTRIES = (
    "- MultiheadAttention: {name: cross, from: [query, memory], num_heads: 4, kdim: 12, "
    "vdim: 12}\n",
    "- MultiheadAttention: {name: mixed, from: [cross, memory, value], num_heads: 2, "
    "bias: false, add_bias_kv: true, add_zero_attn: true, kdim: 12, vdim: 10}\n",
)


class TinyViT(torch.nn.Module):
    """torchvision's ViT in small, written as torchvision writes it."""

    def __init__(self):
        super().__init__()
        self.conv_proj = torch.nn.Conv2d(3, 16, 4, stride=4)
        self.class_token = torch.nn.Parameter(torch.zeros(1, 1, 16))
        self.pos_embedding = torch.nn.Parameter(torch.zeros(1, 5, 16))
        self.self_attention = torch.nn.MultiheadAttention(16, 4, batch_first=True)
        self.attention = torch.nn.MultiheadAttention(16, 2, batch_first=True)

    def forward(self, x):
        n = x.shape[0]
        x = self.conv_proj(x).flatten(2).permute(0, 2, 1)
        x = torch.cat([self.class_token.expand(n, -1, -1), x], dim=1) + self.pos_embedding
        y, _ = self.self_attention(x, x, x, need_weights=False)
        return self.attention(y, x, x)[0]   # need_weights at its default: its [1] unused


#: the entries of TinyViT as an importer writes them back
TINY_VIT_ENTRIES = (
    "- Parameter: {name: class_token, call: method, shape: [1, 1, 16], expand: batch}",
    "- MultiheadAttention: {name: self_attention, num_heads: 4, batch_first: true}\n",
    "- MultiheadAttention: {name: attention, from: [self_attention, add_1], num_heads: 2, "
    "batch_first: true}\n",
)


def check_tiny_vit(text: str) -> None:
    """An importer's file of TinyViT: its entries, and the numbers of the module itself."""
    import cnncalc

    for entry in TINY_VIT_ENTRIES:
        assert entry in text, text
    report = cnncalc.analyze(cnncalc.loads(text))
    assert report.totals.params == sum(p.numel() for p in TinyViT().parameters())
    assert report.layers[-1].output_shape == (1, 5, 16)
