"""The example networks of DESIGN.md's file-format section, as YAML text, for the tests that
load them (the fuzzer mutates them, the torch tests verify them).

The ResNet blocks are pieces of a ``blocks:`` mapping, to be placed under it.
"""

VGG_EXCERPT = """\
name: VGG-style (excerpt)
input: [3, 224, 224]
layers:
  - Conv2d: {out_channels: 64, kernel_size: 3, padding: 1}
  - ReLU
  - MaxPool2d: {kernel_size: 2, stride: 2}
  - AdaptiveAvgPool2d: {output_size: 7}
  - Flatten
  - Linear: {out_features: 4096}
  - Dropout: {p: 0.5}
"""

#: the residual branch of both basic blocks: two 3×3 convolutions, the first strided
_BASIC_BRANCH = """\
      - Conv2d: {out_channels: $out, kernel_size: 3, stride: $stride, padding: 1, bias: false}
      - BatchNorm2d
      - ReLU
      - Conv2d: {out_channels: $out, kernel_size: 3, padding: 1, bias: false}
      - BatchNorm2d: {name: bn2}
"""

#: ResNet's basic block with the identity shortcut
BASIC_BLOCK = """\
  basic:
    args: {out: null, stride: 1}
    layers:
""" + _BASIC_BRANCH + """\
      - Add: {from: [bn2, input]}
      - ReLU
"""

#: ResNet's basic block with a strided 1×1 convolution on the shortcut
BASIC_DOWN_BLOCK = """\
  basic_down:
    args: {out: null, stride: 2}
    layers:
""" + _BASIC_BRANCH + """\
      - Conv2d: {name: down, from: input, out_channels: $out, kernel_size: 1, stride: $stride,
                 bias: false}
      - BatchNorm2d: {name: down_bn}
      - Add: {from: [bn2, down_bn]}
      - ReLU
"""
