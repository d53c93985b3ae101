"""The ``torch`` convention (the default): what ``torch.utils.flop_counter.FlopCounterMode``
counts, halved into MACs.

FlopCounterMode has formulas for matrix products and convolutions only (``aten.mm``,
``aten.addmm``, ``aten.bmm``, ``aten.convolution``, ...); a bias add, a normalisation, an
activation, a pooling or a merge counts nothing. A convolution's or a product's FLOPs are
exactly twice its MACs. This is also half of torchvision's published "GFLOPS".
"""

from __future__ import annotations

from math import prod

from cnncalc import shapes as f
from cnncalc.counting import KERNEL, SPATIAL, Count, Site, define
from cnncalc.terms import T, product
from cnncalc.rules import is_a

TORCH = define(
    "torch", title="MACs of convolutions, linear layers and matrix products, bias excluded; "
                   "FLOPs = 2 × MACs (torch.utils.flop_counter.FlopCounterMode)",
    source="torch.utils.flop_counter.FlopCounterMode (PyTorch ≥ 2.1)",
    macs_are="multiply-accumulates of convolutions, transposed convolutions, linear layers and"
             " matrix products, bias excluded",
    flops_are="2 × MACs",
)


def kernel(site: Site) -> T | int:
    layer = site.layer
    return product(*(T(k, name) for k, name in zip(layer.per_dim("kernel_size"),
                                                     KERNEL[layer.ndim])))


def _batch(site: Site) -> T | int:
    """``N``, left out of the products when it is 1, as the textbook writes them."""
    return site.batch if site.output[0] > 1 else 1


def conv_macs(site: Site) -> T:
    """``N · Cout · (output spatial) · (Cin/g) · prod(K)``: each output element sums
    ``Cin/groups · prod(K)`` products (:func:`cnncalc.shapes.conv_macs`)."""
    layer = site.layer
    return f.conv_macs(site.channels_in, site.channels_out, _kernels(site),
                       _sizes(site.output, "out"), T(layer.groups, "g"), _batch(site))


def conv_transpose_macs(site: Site) -> T:
    """``N · Cin · (input spatial) · (Cout/g) · prod(K)``: each input element meets one
    ``Cout/groups · prod(K)`` slice of the weight (:func:`cnncalc.shapes.conv_transpose_macs`)."""
    layer = site.layer
    return f.conv_transpose_macs(site.channels_in, site.channels_out, _kernels(site),
                                 _sizes(site.input, "in"), T(layer.groups, "g"), _batch(site))


def linear_macs(site: Site) -> T:
    """``rows · in · out``; rows are all leading elements (batch included)
    (:func:`cnncalc.shapes.linear_macs`)."""
    layer, x = site.layer, site.input
    rows = _batch(site) if len(x) == 2 else T(prod(x[:-1]), "rows")
    return f.linear_macs(T(layer.in_features, "in"), T(layer.out_features, "out"), rows)


def _kernels(site: Site) -> list[T]:
    return [T(k, name) for k, name in zip(site.layer.per_dim("kernel_size"),
                                          KERNEL[site.layer.ndim])]


def _sizes(shape, side: str) -> list[T]:
    return [T(size, f"{name}_{side}") for size, name in zip(shape[2:], SPATIAL[len(shape) - 2])]


@TORCH.rule("_ConvNd")
def conv(site: Site) -> Count:
    """``N · Cout · (output spatial) · Cin/g · prod(K)``; FLOPs twice that."""
    macs = conv_macs(site)
    return Count(macs, 2 * macs)


@TORCH.rule("_ConvTransposeNd")
def conv_transpose(site: Site) -> Count:
    """``N · Cin · (input spatial) · Cout/g · prod(K)``; FLOPs twice that."""
    macs = conv_transpose_macs(site)
    return Count(macs, 2 * macs)


@TORCH.rule("Linear")
def linear(site: Site) -> Count:
    """``rows · in_features · out_features``, bias excluded; FLOPs twice that."""
    macs = linear_macs(site)
    return Count(macs, 2 * macs)


def matmul_macs(site: Site) -> T:
    """``batch · n · k · m`` of ``[..., n, k] @ [..., k, m]``, the leading dims broadcast
    (``aten.mm`` or ``aten.bmm`` for FlopCounterMode)."""
    a, b = site.inputs
    from cnncalc.layers.attention import broadcast_batch   # only networks with a product load it

    batch = product(*(T(d) for d in broadcast_batch(a, b)))
    batch = T(int(batch), "batch") if a[:-2] or b[:-2] else 1
    return product(batch, T(a[-2], "n"), T(a[-1], "k"), T(b[-1], "m"))


@TORCH.rule("Matmul")
def matmul(site: Site) -> Count:
    """``batch · n · k · m``, the leading dims broadcast; FLOPs twice that."""
    macs = matmul_macs(site)
    return Count(macs, 2 * macs)


def attention_parts(site: Site) -> tuple[T, T, T]:
    """The multiply-adds of ``nn.MultiheadAttention``: ``(projections, products, output)`` —
    the query, key and value projections ``N·(L·E·E + S·kdim·E + S·vdim·E)``; the two products
    ``q·kᵀ`` and ``attention·v``, ``2 · N·h·L·S'·(E/h) = 2·N·L·S'·E`` with ``S'`` the key
    positions (``add_bias_kv`` and ``add_zero_attn`` add one each); the output projection
    ``N·L·E·E``."""
    layer = site.layer
    n, length, source = layer.sizes(*site.inputs)
    batch, e, seq = T(n, "N") if n > 1 else 1, T(layer.embed_dim, "E"), T(length, "L")
    projections = (seq * e * e + T(source, "S") * T(layer.key_dim, "kdim") * e
                   + T(source, "S") * T(layer.value_dim, "vdim") * e)
    if n > 1:
        projections = batch * projections
    products = 2 * product(batch, seq, T(layer.key_length(*site.inputs), "S'"), e)
    return projections, products, product(batch, seq, e, e)


#: what explain says of MultiheadAttention's products
ATTENTION_RULE = ("FlopCounterMode counts the two products where attention runs as matrix "
                  "products: on the meta device and CUDA; on the CPU only with the fast path off "
                  "and the math backend")


@TORCH.rule("MultiheadAttention")
def attention(site: Site) -> Count:
    """``N·(L·E·E + S·kdim·E + S·vdim·E)`` projections, ``2·N·L·S'·E`` for ``q·kᵀ`` and
    ``attention·v``, ``N·L·E·E`` out, bias excluded; FLOPs twice that."""
    macs = sum(attention_parts(site), 0)
    return Count(macs, 2 * macs)


#: types of whose operators FlopCounterMode counts nothing: their MACs are cnncalc's own rule,
#: and ``verify`` compares FlopCounterMode's count of them with 0
UNSEEN = ("DeformConv2d",)


#: what explain says of DeformConv2d's MACs
DEFORM_RULE = ("FlopCounterMode counts nothing of torchvision::deform_conv2d; cnncalc's rule: "
               "the convolution's MACs plus 4 per bilinearly sampled value (5 with a mask)")


def seen_by_flop_counter(layer) -> bool:
    return not is_a(layer, *UNSEEN)


def deform_conv_macs(site: Site) -> T:
    """cnncalc's own rule (FlopCounterMode counts nothing for ``torchvision::deform_conv2d``):
    the convolution's ``N · Cout · H_out · W_out · (Cin/g) · Kh·Kw``, plus the sampling: each
    of the ``N · Cin · Kh·Kw · H_out · W_out`` values read is a bilinear interpolation of 4
    neighbours (4 MACs), and one more multiply with a modulation mask."""
    per_value = T(4 + (len(site.inputs) == 3), "interp")
    samples = product(site.batch, site.channels_in, T(prod(site.layer.per_dim("kernel_size")),
                                                     "Kh·Kw"), site.spatial(site.output, "out"))
    return conv_macs(site) + samples * per_value


@TORCH.rule("DeformConv2d")
def deform_conv(site: Site) -> Count:
    """cnncalc's rule: the convolution's MACs plus 4 per bilinearly sampled value (5 with a
    mask); FlopCounterMode counts none of ``torchvision::deform_conv2d``. FLOPs twice that."""
    macs = deform_conv_macs(site)
    return Count(macs, 2 * macs)
