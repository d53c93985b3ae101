"""Attention: ``Matmul``, the product of two earlier outputs (``q @ kᵀ``, ``attention @ v``),
with which windowed attention is written out; and ``MultiheadAttention``, torch's module.

``torch.matmul`` broadcasts every dimension before the last two; a product ``[..., n, k] @
[..., k, m]`` is ``[..., n, m]``. torch's vector cases (a 1-D operand: a dot product, a
matrix-vector product) are not modelled: with the batch first, both operands of a network's
product have at least two dimensions.
"""


from typing import ClassVar

from pydantic import field_validator

from cnncalc.errors import LayerError
from cnncalc.layers.base import Bool, Layer, Number, PositiveInt, Shape, describe_shape
from cnncalc.layers.dropout import probability
from cnncalc.layers.merge import broadcast_shapes


def broadcast_batch(a: Shape, b: Shape) -> Shape:
    """The dimensions before the last two of ``a`` and ``b``, broadcast as torch does
    (aligned from the right, each pair equal or one of them 1)."""
    found = broadcast_shapes((a[:-2], b[:-2]))
    if found is None:
        raise LayerError("Matmul's inputs do not broadcast: the dims before the last two "
                         "must match or be 1", expected="broadcastable batch dims",
                         got=f"{describe_shape(a)} @ {describe_shape(b)}", field="from")
    return found


class Matmul(Layer):
    """``torch.matmul(a, b)`` of two inputs (``from: [a, b]``): ``[..., n, k] @ [..., k, m]``
    is ``[..., n, m]``, the leading dims broadcast."""

    arity: ClassVar[tuple[int, int | None]] = (2, 2)
    ranks: ClassVar[tuple[int, ...] | None] = (2, 3, 4, 5, 6)

    def compute_output_shape(self, a: Shape, b: Shape) -> Shape:
        """``broadcast(a[:-2], b[:-2]) + [n, m]`` when ``a[-1] == b[-2]``."""
        if a[-1] != b[-2]:
            raise LayerError("Matmul's inner dimensions differ: the last dim of the first "
                             "input must equal the second-to-last dim of the second",
                             expected=f"{a[-1]} (the last dim of {describe_shape(a)})",
                             got=f"{b[-2]} (dim -2 of {describe_shape(b)})", field="from")
        return (*broadcast_batch(a, b), a[-2], b[-1])


class MultiheadAttention(Layer):
    """``torch.nn.MultiheadAttention`` called as ``attn(query, key, value,
    need_weights=False)[0]`` (torchvision's ViT, ``nn.TransformerEncoderLayer``): ``from: x``
    is self-attention, ``from: [query, memory]`` takes key and value from ``memory``, ``from:
    [query, key, value]`` all three. ``embed_dim`` comes from the query's last dim.

    Tensors are ``[L, N, E]`` as torch's default reads them, ``[N, L, E]`` with
    ``batch_first: true`` (the network's batch first, as torchvision writes it). The output
    has the query's shape. ``add_bias_kv`` and ``add_zero_attn`` each add one key position.
    """

    inferred: ClassVar[tuple[str, ...]] = ("embed_dim",)
    arity: ClassVar[tuple[int, int | None]] = (1, 3)
    ranks: ClassVar[tuple[int, ...] | None] = (3,)

    embed_dim: PositiveInt | None = None
    num_heads: PositiveInt
    dropout: Number = 0.0
    bias: Bool = True
    add_bias_kv: Bool = False
    add_zero_attn: Bool = False
    kdim: PositiveInt | None = None
    vdim: PositiveInt | None = None
    batch_first: Bool = False

    @field_validator("dropout")
    @classmethod
    def _probability(cls, p: float) -> float:
        return probability(p, "attention dropout")

    def resolve(self, query: Shape, *rest: Shape) -> "MultiheadAttention":
        layer = self._infer("embed_dim", query[-1], f"the last dimension of {list(query[1:])}")
        if layer.embed_dim % layer.num_heads:
            raise LayerError("embed_dim must be divisible by num_heads", field="num_heads",
                             expected=f"a divisor of embed_dim={layer.embed_dim}",
                             got=f"num_heads={layer.num_heads}")
        return layer

    @property
    def key_dim(self) -> int:
        return self.kdim if self.kdim is not None else self.embed_dim

    @property
    def value_dim(self) -> int:
        return self.vdim if self.vdim is not None else self.embed_dim

    def layout(self, shape: Shape) -> tuple[int, int]:
        """``(batch, length)`` of a ``[N, L, E]`` or ``[L, N, E]`` tensor."""
        return (shape[0], shape[1]) if self.batch_first else (shape[1], shape[0])

    @staticmethod
    def operands(query, *rest):
        """``(query, key, value)``: one input is all three, two are query and key = value
        (shapes here, tensors in the torch twin)."""
        key = rest[0] if rest else query
        return query, key, rest[1] if len(rest) > 1 else key

    @staticmethod
    def inputs_of(query, key, value) -> tuple:
        """The fewest inputs (``from:``) that :meth:`operands` reads as query, key and value
        (names or graph nodes, as the importers find them)."""
        return (query,) if query == key == value else (query, key) if key == value \
            else (query, key, value)

    def sizes(self, *shapes: Shape) -> tuple[int, int, int]:
        """``(N, L, S)``: the batch, the query's length and the key's."""
        query, key, _ = self.operands(*shapes)
        return (*self.layout(query), self.layout(key)[1])

    def key_length(self, *shapes: Shape) -> int:
        """The positions each query attends to: the key's, plus ``add_bias_kv``'s and
        ``add_zero_attn``'s."""
        return self.sizes(*shapes)[2] + self.add_bias_kv + self.add_zero_attn

    def compute_output_shape(self, *shapes: Shape) -> Shape:
        """The query's shape; key and value must share batch and length, and have ``kdim``
        and ``vdim`` features."""
        query, key, value = self.operands(*shapes)
        for shape, dim, name in ((key, self.key_dim, "kdim"), (value, self.value_dim, "vdim")):
            if shape[-1] != dim:
                raise LayerError(f"the {'key' if name == 'kdim' else 'value'} must have {name} "
                                 "features", expected=f"{name}={dim}",
                                 got=f"{shape[-1]} ({describe_shape(shape)})", field=name)
        if self.layout(key) != self.layout(value):
            raise LayerError("key and value must have the same batch and length",
                             expected=describe_shape(key), got=describe_shape(value),
                             field="from")
        if self.layout(key)[0] != self.layout(query)[0]:
            batch = "dim 0" if self.batch_first else "dim 1 (batch_first: false)"
            raise LayerError(f"query and key must have the same batch, {batch}",
                             expected=describe_shape(query), got=describe_shape(key),
                             field="from")
        return tuple(query)

    def count_params(self, *shapes: Shape) -> int:
        """``E·E + E·kdim + E·vdim`` projections (``+ 3E`` bias), the output projection
        ``E·E (+ E)``, and ``2E`` for ``add_bias_kv``."""
        return int(attention_params(self.embed_dim, self.key_dim, self.value_dim, self.bias,
                                    self.add_bias_kv))


def attention_params(e, kdim, vdim, bias: bool, bias_kv: bool):
    """``nn.MultiheadAttention``'s parameters, over ints or :class:`~cnncalc.terms.T` numbers
    (``explain`` shows the working): ``in_proj_weight`` ``[3E, E]`` (or ``q/k/v_proj_weight``
    ``E·E + E·kdim + E·vdim``), ``in_proj_bias`` ``3E``, ``out_proj`` ``E·E + E``, ``bias_k``
    and ``bias_v`` ``E`` each."""
    total = e * e + e * kdim + e * vdim + e * e
    if bias:
        total = total + 4 * e
    if bias_kv:
        total = total + 2 * e
    return total
