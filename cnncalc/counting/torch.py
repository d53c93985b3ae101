"""The ``torch`` convention (the default): what ``torch.utils.flop_counter.FlopCounterMode``
counts, halved into MACs.

FlopCounterMode has formulas for matrix products and convolutions only (``aten.mm``,
``aten.addmm``, ``aten.bmm``, ``aten.convolution``, ...); a bias add, a normalisation, an
activation, a pooling or a merge counts nothing. A convolution's or a product's FLOPs are
exactly twice its MACs. This is also half of torchvision's published "GFLOPS".
"""

from __future__ import annotations

from cnncalc.counting import KERNEL, Count, Site, define
from cnncalc.counting.terms import T, product
from cnncalc.layers.conv import _ConvNd, _ConvTransposeNd
from cnncalc.layers.linear import Linear

TORCH = define(
    "torch", title="MACs of convolutions and linear layers, bias excluded; FLOPs = 2 × MACs "
                   "(torch.utils.flop_counter.FlopCounterMode)",
    source="torch.utils.flop_counter.FlopCounterMode (PyTorch ≥ 2.1)",
    macs_are="multiply-accumulates of convolutions, transposed convolutions and linear layers,"
             " bias excluded",
    flops_are="2 × MACs",
)


def kernel(site: Site) -> T | int:
    layer = site.layer
    return product(*(T(k, name) for k, name in zip(layer.per_dim("kernel_size"),
                                                     KERNEL[layer.ndim])))


def conv_macs(site: Site) -> T:
    """``N · Cout · (output spatial) · Cin/groups · prod(K)``: each output element sums
    ``Cin/groups · prod(K)`` products."""
    layer = site.layer
    return (site.batch * site.channels_out * site.spatial(site.output, "out")
            * T(layer.in_channels // layer.groups, "Cin/g") * kernel(site))


def conv_transpose_macs(site: Site) -> T:
    """``N · Cin · (input spatial) · Cout/groups · prod(K)``: each input element meets one
    ``Cout/groups · prod(K)`` slice of the weight."""
    layer = site.layer
    return (site.batch * site.channels_in * site.spatial(site.input, "in")
            * T(layer.out_channels // layer.groups, "Cout/g") * kernel(site))


def linear_macs(site: Site) -> T:
    """``rows · in_features · out_features``; rows are all leading elements (batch included)."""
    layer = site.layer
    rows = T(site.numel_out.value // layer.out_features, "rows")
    return rows * T(layer.in_features, "in_features") * T(layer.out_features, "out_features")


@TORCH.rule(_ConvNd)
def conv(site: Site) -> Count:
    """``N · Cout · (output spatial) · Cin/g · prod(K)``; FLOPs twice that."""
    macs = conv_macs(site)
    return Count(macs, 2 * macs)


@TORCH.rule(_ConvTransposeNd)
def conv_transpose(site: Site) -> Count:
    """``N · Cin · (input spatial) · Cout/g · prod(K)``; FLOPs twice that."""
    macs = conv_transpose_macs(site)
    return Count(macs, 2 * macs)


@TORCH.rule(Linear)
def linear(site: Site) -> Count:
    """``rows · in_features · out_features``, bias excluded; FLOPs twice that."""
    macs = linear_macs(site)
    return Count(macs, 2 * macs)
