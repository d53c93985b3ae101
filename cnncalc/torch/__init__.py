"""The torch bridge (``pip install 'cnncalc[torch]'``): the only part of cnncalc that imports
torch. :func:`to_torch` builds the ``torch.nn`` twin of a network; :func:`verify` runs it and
compares every layer with the static analysis.

Twin factories for layer types that ``torch.nn`` has no class for live in this package, one
module per family, each imported below (see :func:`~cnncalc.torch.twins.twin_for`); how the
twin calls each layer (``call: module|functional|method``) is :mod:`cnncalc.torch.calls`.
"""

from cnncalc.torch import attention  # noqa: F401  (how MultiheadAttention is called)
from cnncalc.torch import merge  # noqa: F401  (registers the merges' twins)
from cnncalc.torch import select  # noqa: F401  (registers Chunk's and Narrow's twins)
from cnncalc.torch import vision  # noqa: F401  (torchvision's classes: Permute, ...)
from cnncalc.torch import reduce  # noqa: F401  (registers Mean's, Amax's and Sum's twins)
from cnncalc.torch import source  # noqa: F401  (registers Parameter's twin)
from cnncalc.torch.network import Step, Twin, TwinError, to_torch
from cnncalc.torch.twins import (TWINS, MissingTwin, build_module, missing_twins, twin_factory,
                                  twin_for)
from cnncalc.torch.verify import LayerCheck, Quantity, Verification, verify

__all__ = ["TWINS", "LayerCheck", "MissingTwin", "Quantity", "Step", "Twin", "TwinError",
           "Verification", "build_module", "missing_twins", "to_torch", "twin_factory", "twin_for",
           "verify"]
