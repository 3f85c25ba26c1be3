"""accelkit: learn hardware acceleration of inference with ONNX Runtime and OpenVINO.

``import accelkit`` is cheap: the runtimes (torch, onnxruntime, openvino) are imported only
when a function that needs them is called. The public names below are loaded on first use.
"""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .config import decline_openvino_telemetry
from .errors import AccelkitError, show_in_ipython

__version__ = "0.1.0"
decline_openvino_telemetry()
show_in_ipython()

# public name -> module that defines it (loaded lazily), grouped by layer
_EXPORTS = {
    # the machine
    "report": "hardware", "host_line": "core.host",
    # models and their files
    "load_model": "models.files", "example_inputs": "models.files", "onnx_path": "models.files",
    "ir_path": "models.files", "op_histogram": "models.files", "model_size_mb": "models.files",
    # runtime adapters
    "torch_runner": "runtimes.torch_eager",
    "ort_runner": "runtimes.ort", "make_session": "runtimes.ort", "session_options": "runtimes.ort",
    "providers_for": "runtimes.ort", "available_providers": "runtimes.ort", "random_feed": "runtimes.ort",
    "ov_runner": "runtimes.ov", "compile_model": "runtimes.ov", "read_model": "runtimes.ov",
    "runtime_layers": "runtimes.ov", "available_devices": "runtimes.ov", "ov_core": "runtimes.ov",
    # the harness
    "measure": "harness.measure", "BenchResult": "harness.measure", "to_frame": "harness.measure",
    "results_chart": "core.charts", "compare": "harness.interleave", "Comparison": "harness.interleave",
    "relative_errors": "harness.outputs",
    # where things are
    "is_quick": "config", "cache_dir": "config", "data_dir": "config",
    # topic modules (notebooks 00-07)
    "run_benchmark_app": "benchapp",
    "strict_session": "providers", "provider_table": "providers", "profile_events": "providers",
    "iobinding_runner": "iobind", "ov_share_runner": "iobind", "claim_table": "claims",
    # the learner's loop
    "load_quiz": "learn.quiz", "check_exercise": "learn.exercises.checking", "Drill": "learn.drill",
}

if TYPE_CHECKING:  # what editors and mypy see; at run time each name loads on first use
    from .benchapp import run_benchmark_app
    from .claims import claim_table
    from .config import cache_dir, data_dir, is_quick
    from .core.charts import results_chart
    from .core.host import host_line
    from .hardware import report
    from .harness.interleave import Comparison, compare
    from .harness.measure import BenchResult, measure, to_frame
    from .harness.outputs import relative_errors
    from .iobind import iobinding_runner, ov_share_runner
    from .learn.drill import Drill
    from .learn.exercises.checking import check_exercise
    from .learn.quiz import load_quiz
    from .models.files import example_inputs, ir_path, load_model, model_size_mb, onnx_path, op_histogram
    from .providers import profile_events, provider_table, strict_session
    from .runtimes.ort import available_providers, make_session, ort_runner, providers_for, random_feed, session_options
    from .runtimes.ov import available_devices, compile_model, ov_core, ov_runner, read_model, runtime_layers
    from .runtimes.torch_eager import torch_runner

__all__ = ["AccelkitError", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'accelkit' has no attribute {name!r}")


# The notebooks' own modules (``from accelkit import quant``), listed by ``dir(accelkit)`` too.
TOPICS = ("hardware", "benchapp", "providers", "partition", "epdevices", "graphopt", "ir", "quant", "sensitivity", "devices",
          "iobind", "roofline", "capstone", "claims", "llm")


def __dir__() -> list[str]:
    return sorted([*__all__, *TOPICS])
