"""Importers: a model from elsewhere (a torch.fx trace, an ONNX file) as a network file.

Each importer turns its model into a flat list of :class:`~cnncalc.importers.model.Op` (one per
layer: its type, non-default arguments, inputs, ``call`` and the module path it sits in);
:func:`~cnncalc.importers.model.to_yaml` writes that list as a readable network file, module
paths becoming named block instances and identical structures one block definition.
Importers import torch or onnx themselves, lazily: ``import cnncalc`` never does.
"""
