"""The digits data and the digits CNN's training (taught in notebook 00, used in 04 and 07).

scikit-learn ships the 8x8 digits (1,797 images); we upscale them to 32x32 so the CNN has some
spatial work to do, and split them with a fixed seed so every machine sees the same test set.

``python -m accelkit.models.digits`` trains the CNN and saves its weights (about a minute on
2 cores). Seeded, so the same machine reproduces the same weights; the committed
``data/models/digits_cnn.pt`` is what notebooks load.
"""
from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..config import data_dir

if TYPE_CHECKING:
    from torch import nn

__all__ = ["DIGITS_SIZE", "SPLIT_SEED", "TEST_FRACTION", "WEIGHTS", "Split", "upscale", "load_digits_split",
           "weights_path", "accuracy", "shift_batch", "train_digits", "main"]

DIGITS_SIZE = 32
SPLIT_SEED = 0
TEST_FRACTION = 0.2
WEIGHTS = "models/digits_cnn.pt"


@dataclass(frozen=True)
class Split:
    """Images (N, 1, 32, 32) float32 in [0, 1] and labels (N,) int64."""

    x: np.ndarray
    y: np.ndarray


def upscale(images: np.ndarray, size: int = DIGITS_SIZE) -> np.ndarray:
    """Bilinear resize of (N, 8, 8) digits (values 0..16) to (N, 1, size, size) in [0, 1]."""
    n, h, w = images.shape
    rows = np.linspace(0, h - 1, size)
    cols = np.linspace(0, w - 1, size)
    r0, c0 = np.floor(rows).astype(int), np.floor(cols).astype(int)
    r1, c1 = np.minimum(r0 + 1, h - 1), np.minimum(c0 + 1, w - 1)
    fr, fc = (rows - r0)[:, None], (cols - c0)[None, :]
    img = images.astype(np.float32) / 16.0
    top = img[:, r0][:, :, c0] * (1 - fc) + img[:, r0][:, :, c1] * fc
    bottom = img[:, r1][:, :, c0] * (1 - fc) + img[:, r1][:, :, c1] * fc
    return (top * (1 - fr) + bottom * fr).astype(np.float32)[:, None]


def load_digits_split() -> tuple[Split, Split]:
    """(train, test) of the upscaled digits; the split is seeded and stratified."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = upscale(digits.images)
    y = digits.target.astype(np.int64)
    x_tr, x_te, y_tr, y_te = train_test_split(
        x, y, test_size=TEST_FRACTION, random_state=SPLIT_SEED, stratify=y
    )
    return Split(x_tr, y_tr), Split(x_te, y_te)


# ---------------------------------------------------------------- training the digits CNN

def weights_path() -> Path:
    return data_dir() / WEIGHTS


def accuracy(model: nn.Module, split: Split, batch: int = 256) -> float:
    """Top-1 accuracy of a torch model on a Split."""
    import torch

    correct = 0
    with torch.no_grad():
        for i in range(0, len(split.y), batch):
            logits = model(torch.from_numpy(split.x[i:i + batch]))
            correct += int((logits.argmax(1).numpy() == split.y[i:i + batch]).sum())
    return correct / len(split.y)


def shift_batch(x, rng: np.random.Generator, max_shift: int = 2):
    """Random translation by up to ``max_shift`` pixels: cheap augmentation for 1.4 k images."""
    dy, dx = rng.integers(-max_shift, max_shift + 1, size=2)
    return np.roll(x, (int(dy), int(dx)), axis=(2, 3))


def train_digits(epochs: int = 24, seed: int = 0, batch: int = 64, log=print):
    """Train DigitsCNN with Adam + cosine schedule; returns (model, test_accuracy)."""
    import torch

    from .zoo import DigitsCNN

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    train, test = load_digits_split()
    model = DigitsCNN()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    from ..core.progress_bars import steps

    for epoch in steps(range(epochs), "training"):
        model.train()
        order = rng.permutation(len(train.y))
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            x = torch.from_numpy(shift_batch(train.x[idx], rng))
            loss = torch.nn.functional.cross_entropy(model(x), torch.from_numpy(train.y[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
        model.eval()
        log(f"epoch {epoch + 1:2d}/{epochs}  loss {loss.item():.4f}  test acc {accuracy(model, test):.4f}")
    return model, accuracy(model, test)


def main(argv: list[str] | None = None) -> int:
    import torch

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=24)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=weights_path())
    args = parser.parse_args(argv)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    start = time.perf_counter()
    model, acc = train_digits(args.epochs, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), args.out)
    print(f"test accuracy {acc:.4f}; {time.perf_counter() - start:.0f} s; saved {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
