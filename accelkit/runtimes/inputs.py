"""The inputs a runner feeds its model: seeded random ones, or the learner's own, checked.

Used by ``ort.OrtRunner`` and ``ov.OvRunner`` (the runners of every notebook from 00 on).
``ort_runner(path, inputs=...)`` and ``ov_runner(path, inputs=...)`` take a dict by input name, a
list in input order or one array (numpy arrays or torch tensors, e.g. ``ak.example_inputs(name)``);
a wrong name, count, dtype or shape is one sentence here, before the runtime would turn it into
C++ text at the first inference.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import AccelkitError

__all__ = ["ONNX_DTYPES", "InputSpec", "random_arrays", "describe", "as_array", "match_inputs"]

# ONNX tensor type strings (as ONNX Runtime reports them) -> numpy dtypes
ONNX_DTYPES = {"tensor(float)": np.float32, "tensor(float16)": np.float16, "tensor(double)": np.float64,
               "tensor(int64)": np.int64, "tensor(int32)": np.int32, "tensor(int8)": np.int8,
               "tensor(uint8)": np.uint8, "tensor(bool)": np.bool_}


@dataclass(frozen=True)
class InputSpec:
    """One model input: its name, element type and shape (None for a dynamic dimension)."""

    name: str
    dtype: np.dtype
    shape: tuple[int | None, ...]

    def __str__(self) -> str:
        return f"{self.name!r} {self.dtype} [{', '.join('?' if d is None else str(d) for d in self.shape)}]"

    def fits(self, array: np.ndarray) -> bool:
        return array.dtype == self.dtype and len(array.shape) == len(self.shape) and all(
            want is None or want == got for want, got in zip(self.shape, array.shape))


def random_arrays(specs: list[InputSpec], seed: int = 0) -> list[np.ndarray]:
    """Seeded arrays for each input (dynamic dims set to 1): floats in [0, 1), integers in {0, 1}."""
    rng = np.random.default_rng(seed)
    arrays = []
    for spec in specs:
        shape = [1 if d is None else d for d in spec.shape]
        if np.issubdtype(spec.dtype, np.floating):
            arrays.append(rng.random(shape, dtype=np.float32).astype(spec.dtype))
        else:
            arrays.append(rng.integers(0, 2, size=shape).astype(spec.dtype))
    return arrays


def describe(array: np.ndarray) -> str:
    """'int64 [1, 3, 32, 32]': an array's dtype and shape as the error messages print them."""
    return f"{array.dtype} [{', '.join(map(str, array.shape))}]"


def as_array(name: str, value: Any) -> np.ndarray:
    """A numpy array from a numpy array, a torch tensor or a (nested) list."""
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu().numpy()
    try:
        return np.asarray(value)
    except (TypeError, ValueError):
        raise AccelkitError(f"input {name!r} is a {type(value).__name__} that is not an array; "
                            "give a numpy array (or a torch tensor).") from None


def _in_order(model: str, specs: list[InputSpec], given: Any) -> list[np.ndarray]:
    expected = ", ".join(map(str, specs))
    if isinstance(given, dict):
        if set(given) != {s.name for s in specs}:
            raise AccelkitError(f"{model} takes the inputs {expected}; got {', '.join(map(repr, given)) or 'none'}.")
        return [as_array(s.name, given[s.name]) for s in specs]
    items = list(given) if isinstance(given, (list, tuple)) else [given]
    if len(items) != len(specs):
        raise AccelkitError(f"{model} takes {len(specs)} input(s), {expected}; got {len(items)}.")
    return [as_array(s.name, value) for s, value in zip(specs, items)]


def match_inputs(model: str, specs: list[InputSpec], given: Any) -> list[np.ndarray]:
    """``given`` as arrays in the model's input order, each checked against its spec."""
    arrays = _in_order(model, specs, given)
    for spec, array in zip(specs, arrays):
        if not spec.fits(array):
            raise AccelkitError(f"{model} expects input {spec}; got {describe(array)}: give an array of exactly "
                                f"that dtype and shape (e.g. x.astype(np.{spec.dtype}), x.reshape(...)).")
    return arrays
