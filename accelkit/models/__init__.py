"""Layer 1: what is measured. The model definitions (``zoo``), the digits data and training
(``digits``) and the files built from them in the content-keyed cache (``files``).

The names notebooks use are re-exported here; importing this package imports no torch.
"""
from __future__ import annotations

from .digits import Split, accuracy, load_digits_split
from .files import example_inputs, ir_path, load_model, model_size_mb, onnx_path, op_histogram

__all__ = ["Split", "accuracy", "load_digits_split", "example_inputs", "ir_path", "load_model", "model_size_mb",
           "onnx_path", "op_histogram"]
