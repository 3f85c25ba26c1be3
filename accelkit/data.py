"""Datasets the kit can have offline (taught in notebook 00, used in 04 and 07).

scikit-learn ships the 8x8 digits (1,797 images); we upscale them to 32x32 so the CNN has some
spatial work to do, and split them with a fixed seed so every machine sees the same test set.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DIGITS_SIZE = 32
SPLIT_SEED = 0
TEST_FRACTION = 0.2


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
