"""How the twin calls ``nn.MultiheadAttention``: as torchvision's ViT and
``nn.TransformerEncoderLayer`` do, ``attn(query, key, value, need_weights=False)[0]``.

The twin is torch's own module, so that the peer tools see what they see in real code (ptflops
hooks ``nn.MultiheadAttention`` by its exact type). :func:`attention_as_products` is for
counting on the CPU: there FlopCounterMode sees none of the fused kernels torch picks (the
inference fast path's ``_native_multi_head_attention``, ``_scaled_dot_product_flash_attention_
for_cpu``); with the fast path off and the math backend it sees the two batched products. On
the meta device, where ``cnncalc verify`` runs, it sees them anyway.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

from cnncalc.layers import Layer
from cnncalc.layers.attention import MultiheadAttention
from cnncalc.torch.calls import Form, functional_form, module_form


operands = MultiheadAttention.operands   # which input is query, key and value


@module_form("MultiheadAttention")
def _attention(layer: Layer) -> Form:
    """``attn(q, k, v, need_weights=False)[0]``; one input is all three, two are q and k = v."""
    return lambda module, *inputs: module(*operands(*inputs), need_weights=False)[0]


@functional_form("MultiheadAttention")
def _attention_forward(layer: Layer) -> Form:
    """``attn.forward(q, k, v, need_weights=False)[0]``: no hook fires."""
    return lambda module, *inputs: module.forward(*operands(*inputs), need_weights=False)[0]


@contextlib.contextmanager
def attention_as_products() -> Iterator[None]:
    """Attention runs as matrix products that FlopCounterMode counts on the CPU too."""
    from torch.nn.attention import SDPBackend, sdpa_kernel

    enabled = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        with sdpa_kernel([SDPBackend.MATH]):
            yield
    finally:
        torch.backends.mha.set_fastpath_enabled(enabled)
