"""A depthwise-separable digits CNN and its three data splits (notebook 04-when-quantization-bites).

MobileNet-style blocks (3x3 depthwise conv + 1x1 pointwise conv, each with BatchNorm and ReLU)
on the kit's 32x32 digits. Its training split is cut once more, so quantization is calibrated,
validated and tested on three different sets of images:
- calibration: the first 128 images the model was trained on (calibration needs no labels);
- validation: 287 train-split images the model never trained on (accuracy control decides on these);
- test: the kit's test split (360 images), used only for the reported accuracy.

``python -m accelkit.models.dsdigits`` trains it (about 10 s on 2 cores, seeded) and saves the
weights (about 40 KB) that the notebook loads from ``data/models/ds_digits_cnn.pt``.
"""
from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..config import data_dir
from .digits import Split, accuracy, load_digits_split, shift_batch

if TYPE_CHECKING:
    import torch
    from torch import nn

__all__ = ["WEIGHTS", "CALIBRATION_SIZE", "VALIDATION_SIZE", "SPLIT_SEED", "DepthwiseSplits", "depthwise_splits",
           "build_depthwise_cnn", "load_depthwise_cnn", "fold_batchnorm", "depthwise_blocks", "rescale_channels",
           "train_depthwise", "main"]

WEIGHTS = "models/ds_digits_cnn.pt"
CALIBRATION_SIZE = 128
VALIDATION_SIZE = 287
SPLIT_SEED = 0
WIDTHS = (16, 32, 64)


@dataclass(frozen=True)
class DepthwiseSplits:
    fit: Split          # what the model trains on (its first CALIBRATION_SIZE images calibrate)
    calibration: Split
    validation: Split
    test: Split


def depthwise_splits() -> DepthwiseSplits:
    """The kit's train split cut into fit and validation (seeded), plus the kit's test split."""
    train, test = load_digits_split()
    order = np.random.default_rng(SPLIT_SEED).permutation(len(train.y))
    fit, val = order[: len(order) - VALIDATION_SIZE], order[len(order) - VALIDATION_SIZE:]
    fit_split = Split(train.x[fit], train.y[fit])
    calibration = Split(fit_split.x[:CALIBRATION_SIZE], fit_split.y[:CALIBRATION_SIZE])
    return DepthwiseSplits(fit_split, calibration, Split(train.x[val], train.y[val]), test)


def build_depthwise_cnn() -> nn.Module:
    """Stem conv (stride 2) and three depthwise-separable blocks (16-32-64), global pool, linear: 9 k params."""
    import torch
    from torch import nn

    def block(c_in: int, c_out: int, stride: int) -> list[nn.Module]:
        return [nn.Conv2d(c_in, c_in, 3, stride, 1, groups=c_in, bias=False), nn.BatchNorm2d(c_in), nn.ReLU(),
                nn.Conv2d(c_in, c_out, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]

    a, b, c = WIDTHS

    class DepthwiseCNN(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(1, a, 3, 2, 1, bias=False), nn.BatchNorm2d(a), nn.ReLU(),  # 16x16
                                          *block(a, b, 1), *block(b, c, 2), *block(c, c, 2))             # -> 64x4x4
            self.head = nn.Linear(c, 10)

        def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, 1, 32, 32) -> logits (N, 10)
            return self.head(torch.flatten(nn.functional.adaptive_avg_pool2d(self.features(x), 1), 1))

    return DepthwiseCNN()


def weights_path() -> Path:
    return data_dir() / WEIGHTS


def load_depthwise_cnn() -> nn.Module:
    """The trained model (eval mode) from the committed weights."""
    import torch

    model = build_depthwise_cnn()
    model.load_state_dict(torch.load(weights_path(), weights_only=True))
    return model.eval()


def fold_batchnorm(model: nn.Module) -> nn.Module:
    """The same function with every BatchNorm folded into the conv before it (what an exporter does)."""
    import copy

    from torch import nn
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    folded = copy.deepcopy(model).eval()
    features: Any = folded.features
    layers, out, i = list(features), [], 0
    while i < len(layers):
        if isinstance(layers[i], nn.Conv2d) and i + 1 < len(layers) and isinstance(layers[i + 1], nn.BatchNorm2d):
            out.append(fuse_conv_bn_eval(layers[i], layers[i + 1]))
            i += 2
        else:
            out.append(layers[i])
            i += 1
    folded.features = nn.Sequential(*out)
    return folded


def depthwise_blocks(folded: nn.Module) -> list[tuple[Any, Any]]:
    """(depthwise conv, pointwise conv) pairs of a folded model, in order."""
    from torch import nn

    features: Any = folded.features
    convs = [m for m in features if isinstance(m, nn.Conv2d)]
    return [(convs[i], convs[i + 1]) for i in range(len(convs) - 1) if convs[i].groups > 1]


def rescale_channels(folded: nn.Module, block: int, scales: np.ndarray) -> nn.Module:
    """A copy computing the same function, with depthwise channel c of ``block`` multiplied by
    ``scales[c]`` and the pointwise conv after it dividing that channel back. ReLU(s*x) = s*ReLU(x)
    for s > 0, so only the parameterization changes: the weight and activation ranges of that
    block's channels spread by the factors given."""
    import copy

    import torch

    scales = np.asarray(scales, dtype=np.float32)
    if scales.ndim != 1 or not np.all(scales > 0):
        raise ValueError("scales must be a 1-D array of positive factors, one per channel.")
    out = copy.deepcopy(folded)
    dw, pw = depthwise_blocks(out)[block]
    if len(scales) != dw.out_channels:
        raise ValueError(f"block {block} has {dw.out_channels} channels, not {len(scales)}.")
    s = torch.from_numpy(scales)
    with torch.no_grad():
        dw.weight.mul_(s[:, None, None, None])
        dw.bias.mul_(s)
        pw.weight.div_(s[None, :, None, None])
    return out


def train_depthwise(epochs: int = 20, seed: int = 0, batch: int = 64, log=print) -> tuple[nn.Module, float]:
    """Adam + cosine schedule on the fit split, with random shifts; returns (model, validation accuracy)."""
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    splits = depthwise_splits()
    model = build_depthwise_cnn()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    for epoch in range(epochs):
        model.train()
        order = rng.permutation(len(splits.fit.y))
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            x = torch.from_numpy(shift_batch(splits.fit.x[idx], rng))
            loss = torch.nn.functional.cross_entropy(model(x), torch.from_numpy(splits.fit.y[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
        model.eval()
        log(f"epoch {epoch + 1:2d}/{epochs}  loss {loss.item():.4f}  validation acc {accuracy(model, splits.validation):.4f}")
    return model, accuracy(model, splits.validation)


def main(argv: list[str] | None = None) -> int:
    import torch

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=weights_path())
    args = parser.parse_args(argv)
    start = time.perf_counter()
    model, acc = train_depthwise(args.epochs, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), args.out)
    print(f"validation accuracy {acc:.4f}; {time.perf_counter() - start:.0f} s; saved {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
