"""Reductions over dimensions: ``Mean``, ``Amax`` and ``Sum`` (``x.mean([2, 3])`` in
ShuffleNet and MNASNet, ``x.amax(...)``, ``x.sum(...)``); no parameters, buffers or MACs.

``dim`` counts the batch as dim 0, as in PyTorch, and negative dims count from the end. The
batch cannot be reduced: the file describes one sample, and every count of the report is for
the batch of ``--batch`` samples (torch would reduce it). ``dim`` is required and not empty
(torch reads an empty list as every dim, the batch included).
"""


from typing import ClassVar, Union

from pydantic import StrictInt

from cnncalc.errors import LayerError, show
from cnncalc.layers.base import Bool, Layer, Shape, check_dim


class _Reduce(Layer):
    abstract: ClassVar[bool] = True
    #: the torch function, for messages and docstrings
    function: ClassVar[str]

    dim: Union[StrictInt, tuple[StrictInt, ...]]
    keepdim: Bool = False

    def reduced(self, rank: int) -> tuple[int, ...]:
        """The reduced dims, non-negative and checked as torch checks them (in range, none
        repeated), the batch refused."""
        dims = self.dim if isinstance(self.dim, tuple) else (self.dim,)
        if not dims:
            raise LayerError(f"{type(self).__name__} needs the dims to reduce (torch reads an "
                             "empty list as every dim, the batch included)",
                             expected="a dim ≥ 1 or a non-empty list", got="[]", field="dim")
        found = tuple(check_dim(d, rank) for d in dims)
        if len(set(found)) < len(found):
            raise LayerError("dim names a dimension more than once",
                             expected="distinct dims", got=show(list(dims)), field="dim")
        if 0 in found:
            raise LayerError(f"dim 0 is the batch, which {type(self).__name__} cannot reduce "
                             "(a network file describes one sample; the batch is an option of "
                             "the analysis)", expected="dims ≥ 1 (1 is channels)",
                             got=show(list(dims)) if isinstance(self.dim, tuple) else self.dim,
                             field="dim")
        return found

    def compute_output_shape(self, shape: Shape) -> Shape:
        """The reduced dims become 1 (``keepdim``) or are removed."""
        dims = self.reduced(len(shape))
        if self.keepdim:
            return tuple(1 if k in dims else n for k, n in enumerate(shape))
        return tuple(n for k, n in enumerate(shape) if k not in dims)


class Mean(_Reduce):
    """``torch.mean(x, dim, keepdim)``: the average over ``dim``."""

    function: ClassVar[str] = "mean"


class Amax(_Reduce):
    """``torch.amax(x, dim, keepdim)``: the largest value over ``dim``."""

    function: ClassVar[str] = "amax"


class Sum(_Reduce):
    """``torch.sum(x, dim, keepdim)``: the sum over ``dim``."""

    function: ClassVar[str] = "sum"
