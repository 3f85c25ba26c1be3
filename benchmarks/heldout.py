"""A held-out model for checking the harness: a MobileNetV2-style CNN the kit was never tuned on.

The kit's own models (``accelkit/models.py``) are a ResNet (dense 3x3 convolutions), a small
digits CNN and a BERT-style encoder. This one is different in the way that matters to a
measuring loop: depthwise-separable inverted residual blocks (1x1 expand, depthwise 3x3, 1x1
project, ReLU6), many cheap layers, about a millisecond or two per image on a small CPU - the
range where a harness's per-call cost starts to show.

It is defined here, not in ``accelkit/models.py``, on purpose: it is not one of the kit's models
(no notebook teaches with it), and that module's source is part of every cached model's key.

Random weights, seeded; BatchNorm statistics are set by a few seeded forward passes in training
mode so activations stay well scaled (a deep net with identity BatchNorm shrinks its activations
towards denormal floats, which would time the CPU's denormal path, not the network).

    from heldout import heldout_paths
    onnx, xml = heldout_paths()          # exported once into the kit's model cache
"""
from __future__ import annotations

import inspect
from pathlib import Path

NAME = "mobilenetv2_heldout"
IMAGE = 128          # input side: ~1.8 ms per image in f32, ~1 ms in bf16 on a 2-core AVX-512 CPU; more on AVX2-only
SEED = 0
# (expansion t, output channels c, repeats n, first stride s): MobileNetV2's table, width 1.0
BLOCKS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]


def build():
    """The torch module, in eval mode, with seeded weights and BatchNorm statistics."""
    import torch
    from torch import nn

    def conv_bn(cin, cout, k, stride=1, groups=1, act=True):
        layers = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
        return layers + [nn.ReLU6(inplace=True)] if act else layers

    class InvertedResidual(nn.Module):
        def __init__(self, cin, cout, stride, expand):
            super().__init__()
            hidden = cin * expand
            layers = conv_bn(cin, hidden, 1) if expand != 1 else []
            layers += conv_bn(hidden, hidden, 3, stride, groups=hidden)     # depthwise 3x3
            layers += conv_bn(hidden, cout, 1, act=False)                    # linear bottleneck
            self.body = nn.Sequential(*layers)
            self.residual = stride == 1 and cin == cout

        def forward(self, x):
            return x + self.body(x) if self.residual else self.body(x)

    class MobileNetV2Like(nn.Module):
        def __init__(self, classes=1000):
            super().__init__()
            layers, cin = conv_bn(3, 32, 3, 2), 32
            for t, c, n, s in BLOCKS:
                for i in range(n):
                    layers.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                    cin = c
            layers += conv_bn(cin, 1280, 1)
            self.features = nn.Sequential(*layers)
            self.head = nn.Linear(1280, classes)

        def forward(self, x):
            return self.head(self.features(x).mean((2, 3)))

    torch.manual_seed(SEED)
    model = MobileNetV2Like()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = None                  # cumulative average over the passes below
    model.train()
    with torch.no_grad():
        for _ in range(4):
            model(torch.rand(8, 3, IMAGE, IMAGE))
    return model.eval()


def example_inputs(batch: int = 1) -> tuple:
    import torch

    return (torch.rand(batch, 3, IMAGE, IMAGE, generator=torch.Generator().manual_seed(SEED)),)


def heldout_paths() -> tuple[Path, Path]:
    """(.onnx, .xml) of the held-out model, exported once into the kit's cache (keyed by this
    file's source, the weights and the library versions, like the kit's own models)."""
    from accelkit.config import cache_dir
    from accelkit.core.cache import build_once
    from accelkit.models.files import EXPORT_VERSION, content_key, export_onnx

    module = build()
    key = content_key(module, (EXPORT_VERSION, NAME, IMAGE, inspect.getsource(build)))
    folder = cache_dir() / f"{NAME}-{key}"

    def make(tmp: Path) -> None:
        import openvino as ov

        onnx = export_onnx(module, example_inputs(), tmp / f"{NAME}.onnx", ("image",), ("logits",))
        ov.save_model(ov.convert_model(str(onnx)), str(tmp / f"{NAME}.xml"), compress_to_fp16=False)

    build_once(folder, make)
    return folder / f"{NAME}.onnx", folder / f"{NAME}.xml"


def flops() -> int:
    """Multiply-accumulates x 2 of one image (convolutions and the head), from the module."""
    import torch
    from torch import nn

    total, model = 0, build()

    def hook(module, inputs, output):
        nonlocal total
        if isinstance(module, nn.Conv2d):
            k = module.kernel_size[0] * module.kernel_size[1] * module.in_channels // module.groups
            total += 2 * k * output.numel()
        elif isinstance(module, nn.Linear):
            total += 2 * module.in_features * module.out_features

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        model(*example_inputs())
    for h in handles:
        h.remove()
    return total
