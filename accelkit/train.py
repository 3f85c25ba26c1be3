"""Train the digits CNN and save its weights: ``python -m accelkit.train`` (about a minute on
2 cores). Seeded, so the same machine reproduces the same weights; the committed
``data/models/digits_cnn.pt`` is what notebooks load (taught in notebook 00)."""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from .config import data_dir

WEIGHTS = "models/digits_cnn.pt"


def weights_path() -> Path:
    return data_dir() / WEIGHTS


def accuracy(model, split, batch: int = 256) -> float:
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

    from .data import load_digits_split
    from .models import DigitsCNN

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    train, test = load_digits_split()
    model = DigitsCNN()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    from .bars import steps

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
