"""Layer types, one module per family; importing this package registers them all.

Adding a layer type is adding one class to its family's module (and its torch twin in
``cnncalc.torch``); the registry, the file schema and the tests derive from the classes.
"""

from cnncalc.layers import activation, conv, linear, merge, norm, pool  # noqa: F401  (registers)
from cnncalc.layers import dropout, padding, resample, reshape  # noqa: F401  (registers)
from cnncalc.layers import select  # noqa: F401  (registers Chunk, Narrow)
from cnncalc.layers import reduce  # noqa: F401  (registers Mean, Amax, Sum)
from cnncalc.layers import attention  # noqa: F401  (registers Matmul)
from cnncalc.layers import source  # noqa: F401  (registers Parameter)
from cnncalc.layers.base import REGISTRY, Layer, Shape

__all__ = ["REGISTRY", "Layer", "Shape"]
