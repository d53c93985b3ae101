"""Independent PyTorch transcriptions of the zoo networks that cnncalc/zoo/*.yaml describe.

torchvision cannot be installed here, so each builder follows its source file line by line
(the configuration tables are copied from it, the helper functions re-derive the channel
counts the same way), and the other networks follow their cited tutorial or paper code. The
tests compare each zoo file's static numbers with these modules run under FlopCounterMode.
"""

from __future__ import annotations

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


REFERENCES = {
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
    return {"params": sum(p.numel() for p in model.parameters()),
            "buffers": sum(b.numel() for b in model.buffers()),
            "macs": flops // 2, "output_shape": tuple(out.shape)}
