"""Reshapes: ``Flatten``, ``Unflatten`` and ``Identity``; no parameters, buffers or MACs.

Dimensions count the batch as dim 0, exactly as in PyTorch (so ``Flatten``'s default
``start_dim=1`` keeps the batch apart); negative dimensions count from the end.
"""


from pydantic import StrictInt, field_validator

from cnncalc.errors import LayerError, show
from cnncalc.layers.base import Layer, Shape, check_dim, numel


class Flatten(Layer):
    """``torch.nn.Flatten``: dims ``start_dim`` to ``end_dim`` (both included) become one."""

    start_dim: StrictInt = 1
    end_dim: StrictInt = -1

    def compute_output_shape(self, shape: Shape) -> Shape:
        """``shape[:s] + (prod(shape[s:e + 1]),) + shape[e + 1:]``, ``s ≤ e`` once made positive.

        ``s == e`` leaves the shape as it is; ``start_dim=0`` folds the batch in, as torch does.
        """
        start = check_dim(self.start_dim, len(shape), "start_dim")
        end = check_dim(self.end_dim, len(shape), "end_dim")
        if start > end:
            raise LayerError(f"start_dim cannot come after end_dim on a {len(shape)}-dimensional"
                             " input (batch included)", expected=f"start_dim ≤ end_dim = {end}",
                             got=f"start_dim = {start}", field="start_dim")
        return (*shape[:start], numel(shape[start:end + 1]), *shape[end + 1:])


class Unflatten(Layer):
    """``torch.nn.Unflatten``: dim ``dim`` becomes the dims ``unflattened_size``.

    One entry of ``unflattened_size`` may be ``-1``: it is inferred from the others.
    """

    dim: StrictInt
    unflattened_size: tuple[StrictInt, ...]

    @field_validator("unflattened_size")
    @classmethod
    def _sizes(cls, sizes: tuple[int, ...]) -> tuple[int, ...]:
        if not sizes:
            raise LayerError("unflattened_size must not be empty",
                             expected="a list of at least one size", got="[]",
                             field="unflattened_size")
        bad = [s for s in sizes if s < 1 and s != -1]
        if bad:
            raise LayerError("unflattened_size takes sizes ≥ 1 and at most one -1 (inferred)",
                             expected="sizes ≥ 1 or -1", got=show(list(sizes)),
                             field="unflattened_size")
        if sizes.count(-1) > 1:
            raise LayerError("only one size in unflattened_size can be inferred (-1)",
                             expected="at most one -1", got=show(list(sizes)),
                             field="unflattened_size")
        return sizes

    def compute_output_shape(self, shape: Shape) -> Shape:
        """``shape[dim]`` replaced by ``unflattened_size``; their product must equal it.

        A ``-1`` entry becomes ``shape[dim] / prod(other sizes)``, which must divide exactly.
        """
        dim = check_dim(self.dim, len(shape))
        size = shape[dim]
        known = numel(tuple(s for s in self.unflattened_size if s != -1))
        sizes = self.unflattened_size
        if -1 in sizes and size % known == 0:
            sizes = tuple(size // known if s == -1 else s for s in sizes)
        if numel(sizes) != size:
            raise LayerError(f"unflattened_size does not multiply up to the size of dim "
                             f"{self.dim} ({size})", expected=f"a product of {size}",
                             got=show(list(self.unflattened_size)), field="unflattened_size")
        return (*shape[:dim], *sizes, *shape[dim + 1:])


class Identity(Layer):
    """``torch.nn.Identity``: the input, unchanged (a placeholder, e.g. an empty shortcut)."""


class Permute(Layer):
    """``torch.permute(x, dims)`` (torchvision's ``ops.misc.Permute``): the dims reordered,
    ``[0, 2, 3, 1]`` making ``[N, C, H, W]`` channels-last ``[N, H, W, C]`` as in ConvNeXt.

    ``dims`` names every dimension once, the batch included as dim 0; negative dims count from
    the end, as in torch. The batch must stay first (torch would move it; a network file
    describes one sample and the batch is an option of the analysis).
    """

    dims: tuple[StrictInt, ...]

    def compute_output_shape(self, shape: Shape) -> Shape:
        """``shape[dims[0]], shape[dims[1]], ...``: the sizes in the order ``dims`` gives."""
        order = permutation(self.dims, len(shape))
        return tuple(shape[d] for d in order)


def permutation(dims: tuple[int, ...], rank: int) -> tuple[int, ...]:
    """``dims`` made non-negative, checked as torch.permute checks them (one entry per dim,
    each in range, none repeated), and the batch kept first."""
    if len(dims) != rank:
        keras = sorted(dims) == list(range(1, rank))
        hint = (f"; Keras's Permute leaves the batch out, torch's names it: "
                f"{show([0, *dims])}") if keras else ""
        raise LayerError(f"Permute's dims must name each of the input's {rank} dimensions once"
                         f" (batch included){hint}", expected=f"{rank} dims",
                         got=f"{len(dims)}: {show(list(dims))}", field="dims")
    order = tuple(check_dim(d, rank, "dims") for d in dims)
    repeated = sorted({d for d in order if order.count(d) > 1})
    if repeated:
        raise LayerError("Permute's dims repeat a dimension", expected=f"a permutation of "
                         f"{show(list(range(rank)))}", got=show(list(dims)), field="dims")
    if order[0] != 0:
        raise LayerError("Permute must keep the batch as dim 0 (a network file describes one "
                         "sample; the batch is an option of the analysis)",
                         expected=f"dims starting with 0, e.g. {show([0, *range(2, rank), 1])}",
                         got=show(list(dims)), field="dims")
    return order
