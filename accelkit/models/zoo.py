"""The small models the kit measures, defined here so nothing is downloaded.

Taught in notebook 00 (what each model is for) and used by every topic notebook:

- ``resnet18_like``: ResNet-18's layout (11.7 M params, 3.6 GFLOP at 1x3x224x224) with random
  weights. Latency work only: its outputs mean nothing, its cost is realistic.
- ``DigitsCNN``: a 140 k-parameter CNN trained on scikit-learn's digits (upscaled to 32x32);
  accuracy work (quantization must keep it). Weights: ``data/models/digits_cnn.pt``.
- ``TinyEncoder``: a BERT-style encoder (post-LayerNorm, GELU MLP, explicit attention maths) so
  that ONNX Runtime's transformer optimizer can recognise and fuse its subgraphs.
"""
from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["BasicBlock", "ResNet18Like", "resnet18_like", "DigitsCNN", "SelfAttention", "EncoderLayer",
           "TinyEncoder", "tiny_encoder", "WideConv", "wide_conv"]

# ---------------------------------------------------------------- ResNet-18-like


class BasicBlock(nn.Module):
    """Two 3x3 convs with a residual; a 1x1 conv on the shortcut when the shape changes."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return torch.relu(y + self.shortcut(x))


class ResNet18Like(nn.Module):
    """ResNet-18 topology: stem, 4 stages of 2 BasicBlocks (64-128-256-512), pool, FC."""

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
            nn.MaxPool2d(3, 2, 1),
        )
        widths, blocks, c_in = [64, 128, 256, 512], [], 64
        for i, width in enumerate(widths):
            stride = 1 if i == 0 else 2
            blocks += [BasicBlock(c_in, width, stride), BasicBlock(width, width)]
            c_in = width
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(512, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (N, 3, 224, 224)
        x = self.blocks(self.stem(x))                      # (N, 512, 7, 7)
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


def resnet18_like(seed: int = 0) -> ResNet18Like:
    """A seeded, randomly initialised ResNet-18-like model in eval mode."""
    torch.manual_seed(seed)
    return ResNet18Like().eval()


# ---------------------------------------------------------------- digits CNN


class DigitsCNN(nn.Module):
    """Three conv stages (32-64-128) on 1x32x32 digits, global pool, linear head: 140 k params."""

    def __init__(self) -> None:
        super().__init__()

        def stage(c_in: int, c_out: int) -> list[nn.Module]:
            return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]

        self.features = nn.Sequential(
            *stage(1, 32), *stage(32, 32), nn.MaxPool2d(2),    # -> 32x16x16
            *stage(32, 64), *stage(64, 64), nn.MaxPool2d(2),   # -> 64x8x8
            *stage(64, 128),                                   # -> 128x8x8
        )
        self.head = nn.Linear(128, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (N, 1, 32, 32) -> logits (N, 10)
        x = self.features(x)
        return self.head(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


# ---------------------------------------------------------------- transformer encoder


class SelfAttention(nn.Module):
    """Multi-head attention written out (Q,K,V projections, scaled scores, mask, softmax) so
    the graph has the shape ORT's attention fusion looks for."""

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.heads, self.head_dim = heads, dim // heads
        self.q, self.k, self.v = nn.Linear(dim, dim), nn.Linear(dim, dim), nn.Linear(dim, dim)
        self.out = nn.Linear(dim, dim)

    def split(self, x: torch.Tensor) -> torch.Tensor:  # (B, T, D) -> (B, H, T, Dh)
        b, t, _ = x.shape
        return x.view(b, t, self.heads, self.head_dim).transpose(1, 2)

    def forward(self, x: torch.Tensor, mask_bias: torch.Tensor) -> torch.Tensor:
        q, k, v = self.split(self.q(x)), self.split(self.k(x)), self.split(self.v(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.head_dim) + mask_bias  # (B, H, T, T)
        ctx = torch.softmax(scores, dim=-1) @ v                                    # (B, H, T, Dh)
        b, _, t, _ = ctx.shape
        return self.out(ctx.transpose(1, 2).reshape(b, t, self.heads * self.head_dim))


class EncoderLayer(nn.Module):
    """BERT's post-LN layer: x = LN(x + Attn(x)); x = LN(x + MLP(x)) with a GELU MLP."""

    def __init__(self, dim: int, heads: int, mlp_dim: int) -> None:
        super().__init__()
        self.attn, self.ln1 = SelfAttention(dim, heads), nn.LayerNorm(dim)
        self.fc1, self.fc2, self.ln2 = nn.Linear(dim, mlp_dim), nn.Linear(mlp_dim, dim), nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor, mask_bias: torch.Tensor) -> torch.Tensor:
        x = self.ln1(x + self.attn(x, mask_bias))
        return self.ln2(x + self.fc2(nn.functional.gelu(self.fc1(x))))


class TinyEncoder(nn.Module):
    """Token + position embeddings, LayerNorm, N encoder layers; returns hidden states.

    Inputs: ``input_ids`` (B, T) int64 and ``attention_mask`` (B, T) int64 (1 = keep)."""

    def __init__(self, vocab: int = 1000, dim: int = 256, heads: int = 4, layers: int = 4,
                 mlp_dim: int = 1024, max_len: int = 128) -> None:
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, dim), nn.Embedding(max_len, dim)
        self.ln = nn.LayerNorm(dim)
        self.layers = nn.ModuleList(EncoderLayer(dim, heads, mlp_dim) for _ in range(layers))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)
        x = self.ln(self.tok(input_ids) + self.pos(positions))             # (B, T, D)
        mask_bias = (1.0 - attention_mask.unsqueeze(1).unsqueeze(2).float()) * -10000.0  # (B,1,1,T)
        for layer in self.layers:
            x = layer(x, mask_bias)
        return x


def tiny_encoder(seed: int = 0) -> TinyEncoder:
    """A seeded, randomly initialised TinyEncoder in eval mode (4 layers, dim 256, 4 heads)."""
    torch.manual_seed(seed)
    return TinyEncoder().eval()


# ---------------------------------------------------------------- a cheap model with a large output


class WideConv(nn.Module):
    """One 3x3 conv, 3 -> 64 channels at 224x224: little compute, a 12.8 MB output per image.
    Where copies matter more than maths (IO binding, zero-copy: notebook 06)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 64, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, 3, 224, 224) -> (N, 64, 224, 224)
        return self.conv(x)


def wide_conv(seed: int = 0) -> WideConv:
    torch.manual_seed(seed)
    return WideConv().eval()
