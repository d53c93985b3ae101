"""Layer types, one module per family; a family is imported when one of its types is first
looked up in :data:`REGISTRY` (``REGISTRY["Conv2d"]``), or with ``cnncalc.layers.conv``.

Adding a layer type is adding one class to its family's module, its name to
:data:`~cnncalc.layers.base.FAMILIES` (and its torch twin in ``cnncalc.torch``); the registry,
the file schema and the tests derive from the classes.
"""

from cnncalc.layers.base import FAMILIES, REGISTRY, Layer, Shape

__all__ = ["FAMILIES", "REGISTRY", "Layer", "Shape"]
