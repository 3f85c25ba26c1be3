"""The kit's models by name, exported once to ONNX and OpenVINO IR in a content-keyed cache.

Taught in notebook 00 (what is built and where) and notebooks 02-03 (what export produces).
Data flows one way: torch module -> ONNX (``torch.onnx.export``, the current dynamo exporter,
weights in a separate ``.onnx.data`` file) -> IR (``ov.convert_model`` + ``ov.save_model``).
A build is keyed by a hash of the weights, the export settings and the library versions, so a
changed model is rebuilt and an unchanged one is reused across notebooks and sessions.
"""
from __future__ import annotations

import inspect
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import cache_dir
from ..core.cache import build_once, versions_key
from ..core.quiet import quiet
from ..errors import AccelkitError

if TYPE_CHECKING:
    import torch
    from torch import nn

__all__ = ["EXPORT_VERSION", "ModelSpec", "MODEL_SPECS", "spec", "load_model", "example_inputs", "content_key",
           "export_onnx", "onnx_path", "ir_path", "op_histogram", "model_size_mb"]

EXPORT_VERSION = "1"  # bump when the export recipe changes, to invalidate old builds


@dataclass(frozen=True)
class ModelSpec:
    """How to build one of the kit's models and what its graph's inputs are."""

    name: str
    build: Callable[[], nn.Module]                       # returns an nn.Module in eval mode
    example: Callable[[int], tuple[torch.Tensor, ...]]   # batch -> example input tensors
    input_names: tuple[str, ...]
    output_names: tuple[str, ...]
    # The exporter's own optimizer merges the encoder's two mask Unsqueezes into one, which
    # hides the attention pattern from ORT's transformer fuser; the encoder skips it.
    onnx_optimize: bool = True


def _resnet():
    from .zoo import resnet18_like
    return resnet18_like()


def _digits():
    import torch

    from .digits import weights_path
    from .zoo import DigitsCNN

    path = weights_path()
    if not path.is_file():
        raise AccelkitError(f"the digits weights {path} are missing; rebuild them with `python -m accelkit.models.digits`.")
    model = DigitsCNN()
    try:
        model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    except Exception as exc:
        raise AccelkitError(f"the digits weights {path} could not be read ({type(exc).__name__}); "
                            "rebuild them with `python -m accelkit.models.digits`.") from None
    return model.eval()


def _encoder():
    from .zoo import tiny_encoder
    return tiny_encoder()


def _wide():
    from .zoo import wide_conv
    return wide_conv()


def _images(channels: int, size: int) -> Callable[[int], tuple]:
    def make(batch: int) -> tuple:
        import torch
        return (torch.rand(batch, channels, size, size, generator=torch.Generator().manual_seed(0)),)
    return make


def _tokens(batch: int, length: int = 128) -> tuple:
    import torch
    ids = torch.randint(0, 1000, (batch, length), generator=torch.Generator().manual_seed(0))
    return ids, torch.ones(batch, length, dtype=torch.int64)


MODEL_SPECS: dict[str, ModelSpec] = {
    "resnet18_like": ModelSpec("resnet18_like", _resnet, _images(3, 224), ("input",), ("logits",)),
    "digits_cnn": ModelSpec("digits_cnn", _digits, _images(1, 32), ("input",), ("logits",)),
    "tiny_encoder": ModelSpec("tiny_encoder", _encoder, _tokens, ("input_ids", "attention_mask"),
                              ("hidden",), onnx_optimize=False),
    "wide_conv": ModelSpec("wide_conv", _wide, _images(3, 224), ("input",), ("features",)),
}


def spec(name: str) -> ModelSpec:
    if name not in MODEL_SPECS:
        raise AccelkitError(f"unknown model {name!r}; the kit defines: {', '.join(MODEL_SPECS)}.")
    return MODEL_SPECS[name]


def load_model(name: str) -> nn.Module:
    """The torch module for one of the kit's models (digits: with its trained weights)."""
    return spec(name).build()


def example_inputs(name: str, batch: int = 1) -> tuple[torch.Tensor, ...]:
    """Seeded example inputs (torch tensors) with the model's static shapes."""
    return spec(name).example(batch)


def content_key(module, parts: tuple) -> str:
    """12 hex digits of a hash over the weights, the model definitions (``models/zoo.py`` only:
    editing a runner or this file does not rebuild anything), ``parts`` and library versions."""
    from . import zoo

    h = versions_key(("torch", "onnx", "onnxscript", "openvino"), repr(parts), inspect.getsource(zoo))
    for key, tensor in module.state_dict().items():
        h.update(key.encode())
        h.update(tensor.detach().contiguous().numpy().tobytes())
    return h.hexdigest()[:12]


def export_onnx(module: nn.Module, inputs: tuple[torch.Tensor, ...], path: Path, input_names, output_names,
                optimize: bool = True) -> Path:
    """``torch.onnx.export`` with the current (dynamo) exporter, its progress chatter silenced."""
    import torch

    with quiet():
        torch.onnx.export(module, inputs, str(path), input_names=list(input_names),
                          output_names=list(output_names), dynamo=True, optimize=optimize,
                          external_data=True, verbose=False)
    return path


def onnx_path(name: str, *, batch: int = 1) -> Path:
    """The .onnx file of a kit model at a static batch size, exported on first use."""
    s = spec(name)
    module = s.build()
    key = content_key(module, (EXPORT_VERSION, name, batch, s.onnx_optimize, s.input_names))
    folder = cache_dir() / f"{name}-b{batch}-{key}"
    build_once(folder, lambda tmp: export_onnx(module, s.example(batch), tmp / f"{name}.onnx",
                                                s.input_names, s.output_names, s.onnx_optimize))
    return folder / f"{name}.onnx"


def ir_path(name: str, *, batch: int = 1, fp16_weights: bool = False) -> Path:
    """The OpenVINO IR (.xml; weights in the .bin beside it) converted from the kit's ONNX.

    ``fp16_weights=False`` keeps FP32 weights; ``ov.save_model``'s own default is True
    (weights halved to FP16, decompressed at compile time) - notebook 03 measures both."""
    src = onnx_path(name, batch=batch)
    folder = src.parent / ("ir-fp16" if fp16_weights else "ir-fp32")

    def make(tmp: Path) -> None:
        import openvino as ov
        ov.save_model(ov.convert_model(str(src)), str(tmp / f"{name}.xml"), compress_to_fp16=fp16_weights)

    build_once(folder, make)
    return folder / f"{name}.xml"


SHORT_DOMAINS = {"": "", "ai.onnx": "", "com.microsoft": "ms:", "com.microsoft.nchwc": "nchwc:"}


def op_histogram(path: str | Path, *, domains: bool = False) -> Counter:
    """How many nodes of each op type an ONNX file's main graph has (weights are not loaded).
    ``domains=True`` prefixes ops outside standard ONNX with their domain ('ms:FusedConv')."""
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    if not domains:
        return Counter(node.op_type for node in model.graph.node)
    return Counter(SHORT_DOMAINS.get(n.domain, n.domain + ":") + n.op_type for n in model.graph.node)


def model_size_mb(path: str | Path) -> float:
    """On-disk size of a model with its weights (.onnx + .onnx.data, or .xml + .bin), in MB."""
    path = Path(path)
    partners = {".onnx": [path.with_name(path.name + ".data")], ".xml": [path.with_suffix(".bin")]}
    files = [path] + [p for p in partners.get(path.suffix, []) if p.exists()]
    return sum(p.stat().st_size for p in files) / 1e6
