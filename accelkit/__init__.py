"""accelkit: learn hardware acceleration of inference with ONNX Runtime and OpenVINO.

``import accelkit`` is cheap: the runtimes (torch, onnxruntime, openvino) are imported only
when a function that needs them is called. The public names below are loaded on first use.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

from .config import decline_openvino_telemetry
from .errors import AccelkitError, show_in_ipython

__version__ = "0.1.0"
decline_openvino_telemetry()
show_in_ipython()

# public name -> module that defines it (loaded lazily)
_EXPORTS = {
    "measure": "bench", "BenchResult": "bench", "to_frame": "bench",
    "compare": "interleave", "Comparison": "interleave",
    "run_benchmark_app": "benchapp",
    "report": "hardware", "host_line": "hardware",
    "load_model": "export", "example_inputs": "export", "onnx_path": "export", "ir_path": "export",
    "op_histogram": "export", "model_size_mb": "export", "torch_runner": "export",
    "ort_runner": "ort", "make_session": "ort",
    "ov_runner": "ov", "compile_model": "ov",
    "results_chart": "viz",
    "is_quick": "config", "cache_dir": "config", "data_dir": "config",
    "strict_session": "providers", "provider_table": "providers", "profile_events": "providers",
    "iobinding_runner": "iobind", "ov_share_runner": "iobind",
    "load_quiz": "quiz", "check_exercise": "grade", "claim_table": "claims", "Drill": "interview",
}

__all__ = ["AccelkitError", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'accelkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
