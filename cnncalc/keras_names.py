"""Keras's names for PyTorch's layers and arguments: the one table behind the messages that
answer a student who writes ``Dense``, ``MaxPooling2D`` or ``filters:``.

Data only; :mod:`cnncalc.suggest` turns an entry into a message. ``{n}`` in a layer type stands
for the number of spatial dimensions of the incoming shape (``BatchNorm{n}d`` is
``BatchNorm2d`` after a ``[C, H, W]`` layer, ``BatchNorm1d`` after a ``Linear``). The tests run
every entry: each type named must be a cnncalc layer type, each argument an argument of the
example layer given with it.
"""

from __future__ import annotations

from typing import NamedTuple


class TypeAdvice(NamedTuple):
    """What PyTorch writes for a Keras layer type.

    ``how`` completes "in PyTorch …", with ``{0}``, ``{1}`` for ``types`` (the braces of a
    YAML mapping written ``{{`` and ``}}``).
    """

    types: tuple[str, ...]
    how: str = "it is '{0}'"


class ArgumentAdvice(NamedTuple):
    """PyTorch's name for a Keras argument (None: PyTorch has none), a layer type that takes
    it, and what else to say (the whole advice when ``torch`` is None)."""

    torch: str | None
    layer: str
    note: str = ""


_FILTERS = "it is '{0}' (filters → out_channels)"
_POOL = "it is '{0}' (pool_size → kernel_size)"
_GLOBAL = "it is '{0}: {{output_size: 1}}' followed by '{1}'"
_INPUT = ("the input is the file's 'input:' key (one sample's shape, channels first, batch "
          "excluded), not a layer")


def _by_dims(keras: str, torch: str, how: str = "it is '{0}'") -> dict[str, TypeAdvice]:
    """``Conv{k}D`` → ``Conv{k}d`` for k = 1, 2, 3: Keras's type names carry their dims."""
    return {keras.format(k=k): TypeAdvice((torch.format(k=k),), how) for k in (1, 2, 3)}


#: Keras layer type → PyTorch; looked up without regard to case. (``Conv2D``, ``MaxPool2D``
#: and the like differ from PyTorch's names only by case and are answered as such.)
LAYERS: dict[str, TypeAdvice] = {
    "Dense": TypeAdvice(("Linear",), "it is '{0}' (units → out_features)"),
    **_by_dims("Conv{k}D", "Conv{k}d", _FILTERS),
    **_by_dims("Convolution{k}D", "Conv{k}d", _FILTERS),
    **_by_dims("Conv{k}DTranspose", "ConvTranspose{k}d", _FILTERS),
    **_by_dims("Convolution{k}DTranspose", "ConvTranspose{k}d", _FILTERS),
    **{f"DepthwiseConv{k}D": TypeAdvice(
        (f"Conv{k}d",), "it is '{0}' with groups equal to its input channels (out_channels = "
        "depth_multiplier × input channels)") for k in (1, 2)},
    **{f"SeparableConv{k}D": TypeAdvice(
        (f"Conv{k}d",), "it is a depthwise '{0}' (groups equal to its input channels) "
        "followed by a 1×1 '{0}' (kernel_size: 1)") for k in (1, 2)},
    **_by_dims("MaxPooling{k}D", "MaxPool{k}d", _POOL),
    **_by_dims("MaxPool{k}D", "MaxPool{k}d", _POOL),
    **_by_dims("AveragePooling{k}D", "AvgPool{k}d", _POOL),
    **_by_dims("AvgPool{k}D", "AvgPool{k}d", _POOL),
    **{f"{name}{k}D": TypeAdvice((f"{kind}Pool{k}d", "Flatten"), _GLOBAL)
       for k in (1, 2, 3)
       for kind, names in (("AdaptiveAvg", ("GlobalAveragePooling", "GlobalAvgPool")),
                           ("AdaptiveMax", ("GlobalMaxPooling", "GlobalMaxPool")))
       for name in names},
    "BatchNormalization": TypeAdvice(("BatchNorm{n}d",), "it is '{0}' (epsilon → eps; "
                                     "Keras's momentum 0.99 is PyTorch's momentum 0.01)"),
    "LayerNormalization": TypeAdvice(("LayerNorm",), "it is '{0}' (normalized_shape: the "
                                     "sizes of the last dims it normalises, channels first)"),
    "GroupNormalization": TypeAdvice(("GroupNorm",), "it is '{0}' (groups → num_groups)"),
    **_by_dims("SpatialDropout{k}D", "Dropout{k}d", "it is '{0}' (rate → p)"),
    **_by_dims("ZeroPadding{k}D", "ZeroPad{k}d"),
    **_by_dims("UpSampling{k}D", "Upsample", "it is '{0}' (size → scale_factor: PyTorch's "
               "size is the output's size)"),
    "Reshape": TypeAdvice(("Unflatten", "Flatten"), "it is '{0}' (to split a dim into "
                          "several) or '{1}' (to merge dims into one)"),
    "Activation": TypeAdvice(("ReLU",), "the activation is a layer of its own, such as "
                             "'- {0}'"),
    "Concatenate": TypeAdvice(("Concat",), "it is '{0}' (axis → dim; dims count the batch as "
                              "dim 0, so channels are dim 1, the default)"),
    "Multiply": TypeAdvice(("Mul",)),
    "InputLayer": TypeAdvice((), _INPUT),
    "Input": TypeAdvice((), _INPUT),
}

#: Keras's activation names (``activation: relu``) → the PyTorch layer type.
ACTIVATIONS: dict[str, str] = {
    "relu": "ReLU", "relu6": "ReLU6", "leaky_relu": "LeakyReLU", "elu": "ELU", "selu": "SELU",
    "celu": "CELU", "gelu": "GELU", "silu": "SiLU", "swish": "SiLU", "mish": "Mish",
    "sigmoid": "Sigmoid", "tanh": "Tanh", "hard_sigmoid": "Hardsigmoid",
    "hard_swish": "Hardswish", "hard_silu": "Hardswish", "hard_tanh": "Hardtanh",
    "softplus": "Softplus", "softmax": "Softmax", "log_softmax": "LogSoftmax",
}

_NO_SUCH = ("PyTorch sets initial weights, regularisers and constraints outside the layer's "
            "constructor, and none of them changes a shape or a count: drop it")

#: Keras argument → PyTorch; the name is said only where PyTorch's is an argument of the
#: layer at hand. ``{0}`` in the advice for ``activation`` is the activation's layer type.
ARGUMENTS: dict[str, ArgumentAdvice] = {
    "filters": ArgumentAdvice("out_channels", "Conv2d"),
    "units": ArgumentAdvice("out_features", "Linear"),
    "strides": ArgumentAdvice("stride", "Conv2d"),
    "pool_size": ArgumentAdvice("kernel_size", "MaxPool2d"),
    "use_bias": ArgumentAdvice("bias", "Conv2d"),
    "dilation_rate": ArgumentAdvice("dilation", "Conv2d"),
    "rate": ArgumentAdvice("p", "Dropout"),
    "axis": ArgumentAdvice("dim", "Softmax", "counting the batch as dim 0, so channels are "
                           "dim 1"),
    "epsilon": ArgumentAdvice("eps", "BatchNorm2d"),
    "target_shape": ArgumentAdvice("unflattened_size", "Unflatten", "with dim, the dim it "
                                   "splits"),
    "interpolation": ArgumentAdvice("mode", "Upsample"),
    "alpha": ArgumentAdvice("negative_slope", "LeakyReLU"),
    "activation": ArgumentAdvice(None, "Conv2d", "PyTorch layers take no activation argument: "
                                 "add '- {0}' after this layer"),
    "input_shape": ArgumentAdvice(None, "Conv2d", "the input's shape is the file's 'input:' "
                                  "key (one sample's shape, channels first, batch excluded)"),
    "data_format": ArgumentAdvice(None, "Conv2d", "PyTorch's layers and cnncalc's shapes are "
                                  "channels first only: drop it"),
    **{name: ArgumentAdvice(None, "Conv2d", _NO_SUCH) for name in (
        "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
        "activity_regularizer", "kernel_constraint", "bias_constraint")},
}
