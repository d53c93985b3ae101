"""Independent PyTorch transcriptions of the zoo networks that cnncalc/zoo/*.yaml describe.

torchvision cannot be installed here, so each builder follows its source file line by line
(the configuration tables are copied from it, the helper functions re-derive the channel
counts the same way), and the other networks follow their cited tutorial or paper code. The
tests compare each zoo file's static numbers with these modules run under FlopCounterMode.
"""

from __future__ import annotations

import functools

import torch
from torch import Tensor, nn


# -- torchvision helpers (torchvision/models/_utils.py, torchvision/ops/misc.py) ---------------

def make_divisible(v: float, divisor: int = 8, min_value: int | None = None) -> int:
    min_value = min_value or divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def conv_norm_act(cin, cout, kernel=3, stride=1, groups=1, norm=nn.BatchNorm2d, act=nn.ReLU,
                  dilation=1) -> nn.Sequential:
    """torchvision.ops.Conv2dNormActivation: padding (k - 1) // 2 * d, bias only without norm."""
    layers = [nn.Conv2d(cin, cout, kernel, stride, (kernel - 1) // 2 * dilation,
                        dilation=dilation, groups=groups, bias=False), norm(cout)]
    if act is not None:
        layers.append(act(inplace=True))
    return nn.Sequential(*layers)


class SqueezeExcitation(nn.Module):
    """torchvision.ops.SqueezeExcitation."""

    def __init__(self, channels, squeeze, activation=nn.ReLU, scale_activation=nn.Sigmoid):
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeeze, 1)
        self.fc2 = nn.Conv2d(squeeze, channels, 1)
        self.activation = activation()
        self.scale_activation = scale_activation()

    def forward(self, x: Tensor) -> Tensor:
        scale = self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(x)))))
        return scale * x


class Residual(nn.Module):
    """``x + body(x)`` when ``use``, else ``body(x)``."""

    def __init__(self, body: nn.Module, use: bool) -> None:
        super().__init__()
        self.body, self.use = body, use

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x) if self.use else self.body(x)


# -- torchvision/models/mobilenetv2.py ---------------------------------------------------------

def mobilenet_v2(width_mult: float = 1.0) -> nn.Module:
    relu6 = nn.ReLU6
    cin = make_divisible(32 * width_mult, 8)              # input_channel, round_nearest=8
    last = make_divisible(1280 * max(1.0, width_mult), 8)   # self.last_channel
    features = [conv_norm_act(3, cin, stride=2, act=relu6)]
    for t, c, n, s in [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2],
                       [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]]:
        c = make_divisible(c * width_mult, 8)              # output_channel
        for i in range(n):
            stride = s if i == 0 else 1
            hidden = int(round(cin * t))
            layers = [conv_norm_act(cin, hidden, kernel=1, act=relu6)] if t != 1 else []
            layers += [conv_norm_act(hidden, hidden, stride=stride, groups=hidden, act=relu6),
                       nn.Conv2d(hidden, c, 1, 1, 0, bias=False), nn.BatchNorm2d(c)]
            features.append(Residual(nn.Sequential(*layers), stride == 1 and cin == c))
            cin = c
    features.append(conv_norm_act(cin, last, kernel=1, act=relu6))
    return nn.Sequential(*features, nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Dropout(0.2), nn.Linear(last, 1000))


# -- torchvision/models/mobilenetv3.py ---------------------------------------------------------

MOBILENET_V3 = {  # input, kernel, expanded, out, use_se, activation, stride (dilation 1)
    "large": ([(16, 3, 16, 16, False, "RE", 1), (16, 3, 64, 24, False, "RE", 2),
               (24, 3, 72, 24, False, "RE", 1), (24, 5, 72, 40, True, "RE", 2),
               (40, 5, 120, 40, True, "RE", 1), (40, 5, 120, 40, True, "RE", 1),
               (40, 3, 240, 80, False, "HS", 2), (80, 3, 200, 80, False, "HS", 1),
               (80, 3, 184, 80, False, "HS", 1), (80, 3, 184, 80, False, "HS", 1),
               (80, 3, 480, 112, True, "HS", 1), (112, 3, 672, 112, True, "HS", 1),
               (112, 5, 672, 160, True, "HS", 2), (160, 5, 960, 160, True, "HS", 1),
               (160, 5, 960, 160, True, "HS", 1)], 1280),
    "small": ([(16, 3, 16, 16, True, "RE", 2), (16, 3, 72, 24, False, "RE", 2),
               (24, 3, 88, 24, False, "RE", 1), (24, 5, 96, 40, True, "HS", 2),
               (40, 5, 240, 40, True, "HS", 1), (40, 5, 240, 40, True, "HS", 1),
               (40, 5, 120, 48, True, "HS", 1), (48, 5, 144, 48, True, "HS", 1),
               (48, 5, 288, 96, True, "HS", 2), (96, 5, 576, 96, True, "HS", 1),
               (96, 5, 576, 96, True, "HS", 1)], 1024),
}


def mobilenet_v3(arch: str) -> nn.Module:
    setting, last_channel = MOBILENET_V3[arch]

    def norm(c):
        return nn.BatchNorm2d(c, eps=0.001, momentum=0.01)

    layers = [conv_norm_act(3, setting[0][0], stride=2, norm=norm, act=nn.Hardswish)]
    for cin, k, exp, cout, se, act_name, stride in setting:
        act = nn.Hardswish if act_name == "HS" else nn.ReLU
        block = []
        if exp != cin:
            block.append(conv_norm_act(cin, exp, kernel=1, norm=norm, act=act))
        block.append(conv_norm_act(exp, exp, kernel=k, stride=stride, groups=exp, norm=norm,
                                   act=act))
        if se:
            block.append(SqueezeExcitation(exp, make_divisible(exp // 4, 8),
                                           scale_activation=nn.Hardsigmoid))
        block.append(conv_norm_act(exp, cout, kernel=1, norm=norm, act=None))
        layers.append(Residual(nn.Sequential(*block), stride == 1 and cin == cout))
    last_in = setting[-1][3]
    layers.append(conv_norm_act(last_in, 6 * last_in, kernel=1, norm=norm, act=nn.Hardswish))
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(6 * last_in, last_channel), nn.Hardswish(inplace=True),
                         nn.Dropout(p=0.2, inplace=True), nn.Linear(last_channel, 1000))


# -- torchvision/models/shufflenetv2.py --------------------------------------------------------

def channel_shuffle(x: Tensor, groups: int) -> Tensor:
    n, c, h, w = x.size()
    x = x.view(n, groups, c // groups, h, w).transpose(1, 2).contiguous()
    return x.view(n, -1, h, w)


class ShuffleUnit(nn.Module):
    def __init__(self, inp: int, oup: int, stride: int) -> None:
        super().__init__()
        self.stride = stride
        branch = oup // 2
        if stride > 1:
            self.branch1 = nn.Sequential(
                nn.Conv2d(inp, inp, 3, stride, 1, bias=False, groups=inp), nn.BatchNorm2d(inp),
                nn.Conv2d(inp, branch, 1, 1, 0, bias=False), nn.BatchNorm2d(branch),
                nn.ReLU(inplace=True))
        self.branch2 = nn.Sequential(
            nn.Conv2d(inp if stride > 1 else branch, branch, 1, 1, 0, bias=False),
            nn.BatchNorm2d(branch), nn.ReLU(inplace=True),
            nn.Conv2d(branch, branch, 3, stride, 1, bias=False, groups=branch),
            nn.BatchNorm2d(branch),
            nn.Conv2d(branch, branch, 1, 1, 0, bias=False), nn.BatchNorm2d(branch),
            nn.ReLU(inplace=True))

    def forward(self, x: Tensor) -> Tensor:
        if self.stride == 1:
            x1, x2 = x.chunk(2, dim=1)
            out = torch.cat((x1, self.branch2(x2)), dim=1)
        else:
            out = torch.cat((self.branch1(x), self.branch2(x)), dim=1)
        return channel_shuffle(out, 2)


class MeanHW(nn.Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.mean([2, 3])


def shufflenet_v2_x1_0() -> nn.Module:
    repeats, channels = [4, 8, 4], [24, 116, 232, 464, 1024]
    layers = [nn.Conv2d(3, 24, 3, 2, 1, bias=False), nn.BatchNorm2d(24), nn.ReLU(inplace=True),
              nn.MaxPool2d(kernel_size=3, stride=2, padding=1)]
    cin = 24
    for n, cout in zip(repeats, channels[1:4]):
        layers.append(ShuffleUnit(cin, cout, 2))
        layers += [ShuffleUnit(cout, cout, 1) for _ in range(n - 1)]
        cin = cout
    return nn.Sequential(*layers, nn.Conv2d(cin, 1024, 1, 1, 0, bias=False),
                         nn.BatchNorm2d(1024), nn.ReLU(inplace=True), MeanHW(),
                         nn.Linear(1024, 1000))


# -- torchvision/models/efficientnet.py --------------------------------------------------------

def efficientnet_b0(width_mult: float = 1.0, depth_mult: float = 1.0) -> nn.Module:
    """``_efficientnet_conf("efficientnet_b0", width_mult, depth_mult)``: MBConvConfig's
    adjust_channels(c, width_mult) = _make_divisible(c * width_mult, 8) and adjust_depth(n,
    depth_mult) = int(math.ceil(n * depth_mult)); the last conv has 4 x the last channels."""
    import math

    silu = nn.SiLU
    first = make_divisible(32 * width_mult, 8)
    layers = [conv_norm_act(3, first, stride=2, act=silu)]
    for ratio, k, s, cin, cout, n in [(1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2),
                                      (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3),
                                      (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4),
                                      (6, 3, 1, 192, 320, 1)]:
        cin, cout = make_divisible(cin * width_mult, 8), make_divisible(cout * width_mult, 8)
        n = int(math.ceil(n * depth_mult))
        for i in range(n):
            block_in, stride = (cin, s) if i == 0 else (cout, 1)
            exp = make_divisible(block_in * ratio, 8)
            block = [conv_norm_act(block_in, exp, kernel=1, act=silu)] if exp != block_in else []
            block += [conv_norm_act(exp, exp, kernel=k, stride=stride, groups=exp, act=silu),
                      SqueezeExcitation(exp, max(1, block_in // 4), activation=silu),
                      conv_norm_act(exp, cout, kernel=1, act=None)]
            # StochasticDepth is the identity in eval mode and has no parameters
            layers.append(Residual(nn.Sequential(*block), stride == 1 and block_in == cout))
    last = 4 * cout                                       # lastconv_output_channels
    layers.append(conv_norm_act(cout, last, kernel=1, act=silu))
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Dropout(p=0.2, inplace=True), nn.Linear(last, 1000))


# -- torchvision/models/mnasnet.py -------------------------------------------------------------

def mnasnet1_0() -> nn.Module:
    momentum = 1 - 0.9997
    d = [32, 16, 24, 40, 80, 96, 192, 320]  # _get_depths(1.0)

    def stack(cin, cout, k, stride, exp, repeats):
        blocks = []
        for i in range(repeats):
            block_in, s = (cin, stride) if i == 0 else (cout, 1)
            mid = block_in * exp
            blocks.append(Residual(nn.Sequential(
                nn.Conv2d(block_in, mid, 1, bias=False), nn.BatchNorm2d(mid, momentum=momentum),
                nn.ReLU(inplace=True),
                nn.Conv2d(mid, mid, k, padding=k // 2, stride=s, groups=mid, bias=False),
                nn.BatchNorm2d(mid, momentum=momentum), nn.ReLU(inplace=True),
                nn.Conv2d(mid, cout, 1, bias=False), nn.BatchNorm2d(cout, momentum=momentum)),
                block_in == cout and s == 1))
        return nn.Sequential(*blocks)

    return nn.Sequential(
        nn.Conv2d(3, d[0], 3, padding=1, stride=2, bias=False),
        nn.BatchNorm2d(d[0], momentum=momentum), nn.ReLU(inplace=True),
        nn.Conv2d(d[0], d[0], 3, padding=1, stride=1, groups=d[0], bias=False),
        nn.BatchNorm2d(d[0], momentum=momentum), nn.ReLU(inplace=True),
        nn.Conv2d(d[0], d[1], 1, padding=0, stride=1, bias=False),
        nn.BatchNorm2d(d[1], momentum=momentum),
        stack(d[1], d[2], 3, 2, 3, 3), stack(d[2], d[3], 5, 2, 3, 3),
        stack(d[3], d[4], 5, 2, 6, 3), stack(d[4], d[5], 3, 1, 6, 2),
        stack(d[5], d[6], 5, 2, 6, 4), stack(d[6], d[7], 3, 1, 6, 1),
        nn.Conv2d(d[7], 1280, 1, padding=0, stride=1, bias=False),
        nn.BatchNorm2d(1280, momentum=momentum), nn.ReLU(inplace=True),
        MeanHW(), nn.Dropout(p=0.2, inplace=True), nn.Linear(1280, 1000))


# -- beyond torchvision ------------------------------------------------------------------------

class M5(nn.Module):
    """The torchaudio speech-command tutorial's M5 (n_input=1, n_output=35, stride=16,
    n_channel=32)."""

    def __init__(self, n_input=1, n_output=35, stride=16, n_channel=32) -> None:
        super().__init__()
        self.conv1 = nn.Conv1d(n_input, n_channel, kernel_size=80, stride=stride)
        self.bn1 = nn.BatchNorm1d(n_channel)
        self.pool1 = nn.MaxPool1d(4)
        self.conv2 = nn.Conv1d(n_channel, n_channel, kernel_size=3)
        self.bn2 = nn.BatchNorm1d(n_channel)
        self.pool2 = nn.MaxPool1d(4)
        self.conv3 = nn.Conv1d(n_channel, 2 * n_channel, kernel_size=3)
        self.bn3 = nn.BatchNorm1d(2 * n_channel)
        self.pool3 = nn.MaxPool1d(4)
        self.conv4 = nn.Conv1d(2 * n_channel, 2 * n_channel, kernel_size=3)
        self.bn4 = nn.BatchNorm1d(2 * n_channel)
        self.pool4 = nn.MaxPool1d(4)
        self.fc1 = nn.Linear(2 * n_channel, n_output)

    def forward(self, x: Tensor) -> Tensor:
        x = self.pool1(torch.relu(self.bn1(self.conv1(x))))
        x = self.pool2(torch.relu(self.bn2(self.conv2(x))))
        x = self.pool3(torch.relu(self.bn3(self.conv3(x))))
        x = self.pool4(torch.relu(self.bn4(self.conv4(x))))
        x = nn.functional.avg_pool1d(x, x.shape[-1])
        x = self.fc1(x.permute(0, 2, 1))
        return nn.functional.log_softmax(x, dim=2)


def c3d() -> nn.Module:
    """DavideA/c3d-pytorch C3D_model.py."""
    def conv(cin, cout):
        return [nn.Conv3d(cin, cout, kernel_size=(3, 3, 3), padding=(1, 1, 1)), nn.ReLU()]
    return nn.Sequential(
        *conv(3, 64), nn.MaxPool3d(kernel_size=(1, 2, 2), stride=(1, 2, 2)),
        *conv(64, 128), nn.MaxPool3d(kernel_size=(2, 2, 2), stride=(2, 2, 2)),
        *conv(128, 256), *conv(256, 256), nn.MaxPool3d(kernel_size=(2, 2, 2), stride=(2, 2, 2)),
        *conv(256, 512), *conv(512, 512), nn.MaxPool3d(kernel_size=(2, 2, 2), stride=(2, 2, 2)),
        *conv(512, 512), *conv(512, 512),
        nn.MaxPool3d(kernel_size=(2, 2, 2), stride=(2, 2, 2), padding=(0, 1, 1)),
        nn.Flatten(), nn.Linear(8192, 4096), nn.ReLU(), nn.Dropout(p=0.5),
        nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(p=0.5), nn.Linear(4096, 487),
        nn.Softmax(dim=1))


class UNet(nn.Module):
    """Ronneberger et al. 2015, Fig. 1, with padded 3x3 convolutions."""

    def __init__(self, in_channels=3, classes=2) -> None:
        super().__init__()

        def double(cin, cout):
            return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(inplace=True),
                                 nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU(inplace=True))
        widths = [64, 128, 256, 512, 1024]
        self.down = nn.ModuleList([double(in_channels, 64)] + [
            double(a, b) for a, b in zip(widths, widths[1:])])
        self.pool = nn.MaxPool2d(2, 2)
        self.up = nn.ModuleList([nn.ConvTranspose2d(b, a, 2, stride=2)
                                 for a, b in zip(widths[::-1][1:], widths[::-1])])
        self.up_conv = nn.ModuleList([double(2 * a, a) for a in widths[::-1][1:]])
        self.out = nn.Conv2d(64, classes, 1)

    def forward(self, x: Tensor) -> Tensor:
        skips = []
        for i, block in enumerate(self.down):
            x = block(x if i == 0 else self.pool(x))
            skips.append(x)
        x = skips.pop()
        for up, conv in zip(self.up, self.up_conv):
            x = conv(torch.cat([skips.pop(), up(x)], dim=1))
        return self.out(x)


class ASPP(nn.Module):
    """torchvision/models/segmentation/deeplabv3.py: ASPP(2048, [12, 24, 36])."""

    def __init__(self, cin=2048, rates=(12, 24, 36), cout=256) -> None:
        super().__init__()
        branches = [nn.Sequential(nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout),
                                  nn.ReLU())]
        branches += [nn.Sequential(nn.Conv2d(cin, cout, 3, padding=r, dilation=r, bias=False),
                                   nn.BatchNorm2d(cout), nn.ReLU()) for r in rates]
        self.pooling = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(cin, cout, 1, bias=False),
                                     nn.BatchNorm2d(cout), nn.ReLU())
        self.convs = nn.ModuleList(branches)
        self.project = nn.Sequential(nn.Conv2d(5 * cout, cout, 1, bias=False),
                                     nn.BatchNorm2d(cout), nn.ReLU(), nn.Dropout(0.5))

    def forward(self, x: Tensor) -> Tensor:
        pooled = nn.functional.interpolate(self.pooling(x), size=x.shape[-2:], mode="bilinear",
                                           align_corners=False)
        return self.project(torch.cat([conv(x) for conv in self.convs] + [pooled], dim=1))


def deeplabv3_head(num_classes=21) -> nn.Module:
    """DeepLabHead(2048, 21)."""
    return nn.Sequential(ASPP(), nn.Conv2d(256, 256, 3, padding=1, bias=False),
                         nn.BatchNorm2d(256), nn.ReLU(), nn.Conv2d(256, num_classes, 1))


def dcgan_generator(nz=100, ngf=64, nc=3) -> nn.Module:
    """The PyTorch DCGAN tutorial's Generator.main."""
    return nn.Sequential(
        nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8),
        nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4),
        nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2),
        nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf),
        nn.ReLU(True),
        nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh())


class MnistNet(nn.Module):
    """pytorch/examples mnist/main.py, class Net."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x: Tensor) -> Tensor:
        x = torch.relu(self.conv2(torch.relu(self.conv1(x))))
        x = torch.flatten(self.dropout1(nn.functional.max_pool2d(x, 2)), 1)
        x = self.fc2(self.dropout2(torch.relu(self.fc1(x))))
        return nn.functional.log_softmax(x, dim=1)


def darknet53() -> nn.Module:
    """Darknet-53 as pjreddie/darknet's cfg/darknet53.cfg builds it: [convolutional] with
    batch_normalize=1 is a bias-free convolution padded by size // 2, BatchNorm and
    LeakyReLU(0.1); [shortcut] from=-3 adds a residual unit's input; the head is [avgpool],
    a 1x1 [convolutional] to 1000 classes with bias, [softmax]."""
    def conv(cin, cout, size, stride=1):
        return nn.Sequential(nn.Conv2d(cin, cout, size, stride, size // 2, bias=False),
                             nn.BatchNorm2d(cout), nn.LeakyReLU(0.1))

    class Residual(nn.Module):
        def __init__(self, width):
            super().__init__()
            self.body = nn.Sequential(conv(width, width // 2, 1), conv(width // 2, width, 3))

        def forward(self, x):
            return x + self.body(x)

    layers, width = [conv(3, 32, 3)], 32
    for units in (1, 2, 8, 8, 4):
        layers.append(conv(width, 2 * width, 3, 2))
        width *= 2
        layers += [Residual(width) for _ in range(units)]
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Conv2d(1024, 1000, 1),
                         nn.Flatten(), nn.Softmax(dim=1))


# -- torchvision's detection backbone (models/resnet.py, models/detection/backbone_utils.py,
# ops/feature_pyramid_network.py, ops/misc.py) ------------------------------------------------

class FrozenBatchNorm2d(nn.Module):
    """torchvision/ops/misc.py: BatchNorm2d whose statistics and affine are fixed buffers."""

    def __init__(self, num_features: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.register_buffer("weight", torch.ones(num_features))
        self.register_buffer("bias", torch.zeros(num_features))
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))

    def forward(self, x: Tensor) -> Tensor:
        w = self.weight.reshape(1, -1, 1, 1)
        b = self.bias.reshape(1, -1, 1, 1)
        rv = self.running_var.reshape(1, -1, 1, 1)
        rm = self.running_mean.reshape(1, -1, 1, 1)
        scale = w * (rv + self.eps).rsqrt()
        bias = b - rm * scale
        return x * scale + bias


class Bottleneck(nn.Module):
    """torchvision/models/resnet.py ``Bottleneck`` (expansion 4, stride on the 3x3)."""

    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None, norm_layer=nn.BatchNorm2d):
        super().__init__()
        width = planes
        self.conv1 = nn.Conv2d(inplanes, width, 1, bias=False)
        self.bn1 = norm_layer(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False)
        self.bn2 = norm_layer(width)
        self.conv3 = nn.Conv2d(width, planes * self.expansion, 1, bias=False)
        self.bn3 = norm_layer(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class ResNetBody(nn.Module):
    """torchvision's ResNet(Bottleneck, [3, 4, 6, 3], norm_layer=FrozenBatchNorm2d) as
    IntermediateLayerGetter(return_layers={'layer1': '0', ..., 'layer4': '3'}) keeps it: the
    modules up to layer4 (no avgpool, no fc), returning the four stages' outputs."""

    def __init__(self, layers=(3, 4, 6, 3), norm_layer=FrozenBatchNorm2d):
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = norm_layer(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        for index, (planes, blocks) in enumerate(zip((64, 128, 256, 512), layers)):
            stride = 1 if index == 0 else 2
            downsample = None
            if stride != 1 or self.inplanes != planes * Bottleneck.expansion:
                downsample = nn.Sequential(
                    nn.Conv2d(self.inplanes, planes * 4, 1, stride, bias=False),
                    norm_layer(planes * 4))
            stage = [Bottleneck(self.inplanes, planes, stride, downsample, norm_layer)]
            self.inplanes = planes * 4
            stage += [Bottleneck(self.inplanes, planes, norm_layer=norm_layer)
                      for _ in range(1, blocks)]
            setattr(self, f"layer{index + 1}", nn.Sequential(*stage))

    def forward(self, x: Tensor) -> list[Tensor]:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        features = []
        for index in range(1, 5):
            x = getattr(self, f"layer{index}")(x)
            features.append(x)
        return features


class FeaturePyramidNetwork(nn.Module):
    """torchvision/ops/feature_pyramid_network.py ``FeaturePyramidNetwork`` with
    ``LastLevelMaxPool``; inner and layer blocks are Conv2dNormActivation(norm_layer=None,
    activation_layer=None): a Conv2d with bias, padding (k - 1) // 2."""

    def __init__(self, in_channels_list, out_channels):
        super().__init__()
        self.inner_blocks = nn.ModuleList(
            nn.Sequential(nn.Conv2d(c, out_channels, 1, 1, 0, bias=True))
            for c in in_channels_list)
        self.layer_blocks = nn.ModuleList(
            nn.Sequential(nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=True))
            for _ in in_channels_list)

    def forward(self, x: list[Tensor]) -> tuple[Tensor, ...]:
        last_inner = self.inner_blocks[-1](x[-1])
        results = [self.layer_blocks[-1](last_inner)]
        for idx in range(len(x) - 2, -1, -1):
            inner_lateral = self.inner_blocks[idx](x[idx])
            feat_shape = inner_lateral.shape[-2:]
            inner_top_down = nn.functional.interpolate(last_inner, size=feat_shape,
                                                       mode="nearest")
            last_inner = inner_lateral + inner_top_down
            results.insert(0, self.layer_blocks[idx](last_inner))
        results.append(nn.functional.max_pool2d(results[-1], 1, 2, 0))   # LastLevelMaxPool
        return tuple(results)   # torchvision's OrderedDict '0', '1', '2', '3', 'pool'


class ResNet50FPN(nn.Module):
    """resnet_fpn_backbone(backbone_name="resnet50", weights=None): BackboneWithFPN with
    trainable_layers=3 (conv1 and layer1 frozen), in_channels_list [256, 512, 1024, 2048],
    out_channels 256."""

    def __init__(self):
        super().__init__()
        self.body = ResNetBody()
        self.fpn = FeaturePyramidNetwork([256, 512, 1024, 2048], 256)
        for name, parameter in self.body.named_parameters():
            if not name.startswith(("layer4", "layer3", "layer2")):
                parameter.requires_grad_(False)

    def forward(self, x: Tensor) -> tuple[Tensor, ...]:
        return self.fpn(self.body(x))


# -- torchvision/models/convnext.py (with torchvision/ops/misc.py's Permute and
# torchvision/ops/stochastic_depth.py), copied class by class --------------------------------

class Permute(nn.Module):
    """torchvision.ops.misc.Permute."""

    def __init__(self, dims: list[int]) -> None:
        super().__init__()
        self.dims = dims

    def forward(self, x: Tensor) -> Tensor:
        return torch.permute(x, self.dims)


def stochastic_depth(input: Tensor, p: float, mode: str, training: bool = True) -> Tensor:
    """torchvision.ops.stochastic_depth."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"drop probability has to be between 0 and 1, but got {p}")
    if mode not in ["batch", "row"]:
        raise ValueError(f"mode has to be either 'batch' or 'row', but got {mode}")
    if not training or p == 0.0:
        return input
    survival_rate = 1.0 - p
    if mode == "row":
        size = [input.shape[0]] + [1] * (input.ndim - 1)
    else:
        size = [1] * input.ndim
    noise = torch.empty(size, dtype=input.dtype, device=input.device)
    noise = noise.bernoulli_(survival_rate)
    if survival_rate > 0.0:
        noise.div_(survival_rate)
    return input * noise


class StochasticDepth(nn.Module):
    """torchvision.ops.StochasticDepth."""

    def __init__(self, p: float, mode: str) -> None:
        super().__init__()
        self.p = p
        self.mode = mode

    def forward(self, input: Tensor) -> Tensor:
        return stochastic_depth(input, self.p, self.mode, self.training)


class LayerNorm2d(nn.LayerNorm):
    def forward(self, x: Tensor) -> Tensor:
        x = x.permute(0, 2, 3, 1)
        x = torch.nn.functional.layer_norm(x, self.normalized_shape, self.weight, self.bias,
                                           self.eps)
        x = x.permute(0, 3, 1, 2)
        return x


class CNBlock(nn.Module):
    def __init__(self, dim, layer_scale: float, stochastic_depth_prob: float,
                 norm_layer=None) -> None:
        super().__init__()
        if norm_layer is None:
            norm_layer = functools.partial(nn.LayerNorm, eps=1e-6)
        self.block = nn.Sequential(
            nn.Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim, bias=True),
            Permute([0, 2, 3, 1]),
            norm_layer(dim),
            nn.Linear(in_features=dim, out_features=4 * dim, bias=True),
            nn.GELU(),
            nn.Linear(in_features=4 * dim, out_features=dim, bias=True),
            Permute([0, 3, 1, 2]),
        )
        self.layer_scale = nn.Parameter(torch.ones(dim, 1, 1) * layer_scale)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")

    def forward(self, input: Tensor) -> Tensor:
        result = self.layer_scale * self.block(input)
        result = self.stochastic_depth(result)
        result += input
        return result


class CNBlockConfig:
    def __init__(self, input_channels: int, out_channels: int | None, num_layers: int) -> None:
        self.input_channels = input_channels
        self.out_channels = out_channels
        self.num_layers = num_layers


class ConvNeXt(nn.Module):
    def __init__(self, block_setting: list[CNBlockConfig], stochastic_depth_prob: float = 0.0,
                 layer_scale: float = 1e-6, num_classes: int = 1000) -> None:
        super().__init__()
        block = CNBlock
        norm_layer = functools.partial(LayerNorm2d, eps=1e-6)
        layers: list[nn.Module] = []
        firstconv_output_channels = block_setting[0].input_channels
        # Conv2dNormActivation(3, c, kernel_size=4, stride=4, padding=0, norm_layer=norm_layer,
        # activation_layer=None, bias=True): a Sequential of the convolution and the norm
        layers.append(nn.Sequential(
            nn.Conv2d(3, firstconv_output_channels, kernel_size=4, stride=4, padding=0,
                      bias=True), norm_layer(firstconv_output_channels)))
        total_stage_blocks = sum(cnf.num_layers for cnf in block_setting)
        stage_block_id = 0
        for cnf in block_setting:
            stage: list[nn.Module] = []
            for _ in range(cnf.num_layers):
                sd_prob = stochastic_depth_prob * stage_block_id / (total_stage_blocks - 1.0)
                stage.append(block(cnf.input_channels, layer_scale, sd_prob))
                stage_block_id += 1
            layers.append(nn.Sequential(*stage))
            if cnf.out_channels is not None:
                layers.append(nn.Sequential(
                    norm_layer(cnf.input_channels),
                    nn.Conv2d(cnf.input_channels, cnf.out_channels, kernel_size=2, stride=2)))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        lastblock = block_setting[-1]
        lastconv_output_channels = (lastblock.out_channels if lastblock.out_channels is not None
                                    else lastblock.input_channels)
        self.classifier = nn.Sequential(norm_layer(lastconv_output_channels), nn.Flatten(1),
                                        nn.Linear(lastconv_output_channels, num_classes))

    def forward(self, x: Tensor) -> Tensor:
        x = self.features(x)
        x = self.avgpool(x)
        return self.classifier(x)


def convnext_tiny(stochastic_depth_prob: float = 0.1) -> nn.Module:
    block_setting = [CNBlockConfig(96, 192, 3), CNBlockConfig(192, 384, 3),
                     CNBlockConfig(384, 768, 9), CNBlockConfig(768, None, 3)]
    return ConvNeXt(block_setting, stochastic_depth_prob=stochastic_depth_prob)


# -- torchvision/models/vision_transformer.py, copied class by class ---------------------------

class MLPBlock(nn.Sequential):
    """torchvision's MLPBlock: torchvision.ops.MLP(in_dim, [mlp_dim, in_dim], GELU, dropout)."""

    def __init__(self, in_dim: int, mlp_dim: int, dropout: float) -> None:
        super().__init__(nn.Linear(in_dim, mlp_dim), nn.GELU(), nn.Dropout(dropout),
                         nn.Linear(mlp_dim, in_dim), nn.Dropout(dropout))


class EncoderBlock(nn.Module):
    def __init__(self, num_heads: int, hidden_dim: int, mlp_dim: int, dropout: float,
                 attention_dropout: float, norm_layer=functools.partial(nn.LayerNorm, eps=1e-6)):
        super().__init__()
        self.num_heads = num_heads
        self.ln_1 = norm_layer(hidden_dim)
        self.self_attention = nn.MultiheadAttention(hidden_dim, num_heads,
                                                    dropout=attention_dropout, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.ln_2 = norm_layer(hidden_dim)
        self.mlp = MLPBlock(hidden_dim, mlp_dim, dropout)

    def forward(self, input: Tensor) -> Tensor:
        x = self.ln_1(input)
        x, _ = self.self_attention(x, x, x, need_weights=False)
        x = self.dropout(x)
        x = x + input
        y = self.ln_2(x)
        y = self.mlp(y)
        return x + y


class Encoder(nn.Module):
    def __init__(self, seq_length: int, num_layers: int, num_heads: int, hidden_dim: int,
                 mlp_dim: int, dropout: float, attention_dropout: float,
                 norm_layer=functools.partial(nn.LayerNorm, eps=1e-6)):
        super().__init__()
        self.pos_embedding = nn.Parameter(torch.empty(1, seq_length, hidden_dim).normal_(
            std=0.02))
        self.dropout = nn.Dropout(dropout)
        self.layers = nn.Sequential(*(EncoderBlock(num_heads, hidden_dim, mlp_dim, dropout,
                                                   attention_dropout, norm_layer)
                                      for _ in range(num_layers)))
        self.ln = norm_layer(hidden_dim)

    def forward(self, input: Tensor) -> Tensor:
        input = input + self.pos_embedding
        return self.ln(self.layers(self.dropout(input)))


class VisionTransformer(nn.Module):
    def __init__(self, image_size: int, patch_size: int, num_layers: int, num_heads: int,
                 hidden_dim: int, mlp_dim: int, dropout: float = 0.0,
                 attention_dropout: float = 0.0, num_classes: int = 1000) -> None:
        super().__init__()
        self.image_size, self.patch_size, self.hidden_dim = image_size, patch_size, hidden_dim
        self.conv_proj = nn.Conv2d(3, hidden_dim, kernel_size=patch_size, stride=patch_size)
        seq_length = (image_size // patch_size) ** 2
        self.class_token = nn.Parameter(torch.zeros(1, 1, hidden_dim))
        seq_length += 1
        self.encoder = Encoder(seq_length, num_layers, num_heads, hidden_dim, mlp_dim, dropout,
                               attention_dropout)
        self.heads = nn.Sequential()
        self.heads.add_module("head", nn.Linear(hidden_dim, num_classes))

    def _process_input(self, x: Tensor) -> Tensor:
        n, c, h, w = x.shape
        p = self.patch_size
        n_h, n_w = h // p, w // p
        x = self.conv_proj(x)
        x = x.reshape(n, self.hidden_dim, n_h * n_w)
        return x.permute(0, 2, 1)

    def forward(self, x: Tensor) -> Tensor:
        x = self._process_input(x)
        n = x.shape[0]
        batch_class_token = self.class_token.expand(n, -1, -1)
        x = torch.cat([batch_class_token, x], dim=1)
        x = self.encoder(x)
        x = x[:, 0]
        return self.heads(x)


def vit_b_16(image_size: int = 224) -> nn.Module:
    return VisionTransformer(image_size=image_size, patch_size=16, num_layers=12, num_heads=12,
                             hidden_dim=768, mlp_dim=3072)


REFERENCES = {
    "convnext_tiny": convnext_tiny,
    "vit_b_16": vit_b_16,
    "resnet50_fpn": ResNet50FPN,
    "darknet53": darknet53,
    "mobilenet_v2": mobilenet_v2,
    "mobilenet_v3_large": lambda: mobilenet_v3("large"),
    "mobilenet_v3_small": lambda: mobilenet_v3("small"),
    "shufflenet_v2_x1_0": shufflenet_v2_x1_0,
    "efficientnet_b0": efficientnet_b0,
    "mnasnet1_0": mnasnet1_0,
    "m5": M5,
    "c3d": c3d,
    "unet": UNet,
    "deeplabv3_aspp": deeplabv3_head,
    "dcgan_generator": dcgan_generator,
    "mnist_cnn": MnistNet,
}


def measure(name: str, input_shape: tuple[int, ...], batch: int = 1, **args) -> dict:
    """params, buffers, MACs (FlopCounterMode / 2) and output shape of the reference, run on
    the meta device (shapes only, no arithmetic); ``args`` go to its builder
    (``width_mult=0.5``), as the file's args go to the file."""
    from torch.utils.flop_counter import FlopCounterMode

    with torch.device("meta"):
        model = REFERENCES[name](**args).eval()
        x = torch.empty(batch, *input_shape)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        out = model(x)
    flops = counter.get_total_flops()
    assert flops % 2 == 0
    outs = out if isinstance(out, tuple) else (out,)   # several outputs: the first's shape
    return {"params": sum(p.numel() for p in model.parameters()),
            "buffers": sum(b.numel() for b in model.buffers()),
            "trainable_params": sum(p.numel() for p in model.parameters() if p.requires_grad),
            "macs": flops // 2, "output_shape": tuple(outs[0].shape),
            "output_shapes": tuple(tuple(o.shape) for o in outs)}


def check_transcription(name: str, batch: int = 1) -> tuple[int, ...]:
    """The zoo network ``name`` at its own input equals its reference in params, buffers, MACs
    and output shape; the output shape, for the caller's own check."""
    import cnncalc
    from cnncalc import zoo

    report = cnncalc.analyze(zoo.load(name), batch=batch)
    expected = measure(name, zoo.info(name).input, batch=batch)
    assert report.totals.params == expected["params"]
    assert report.totals.buffers == expected["buffers"]
    assert report.totals.macs == expected["macs"]
    assert report.layers[-1].output_shape == expected["output_shape"]
    return expected["output_shape"]
