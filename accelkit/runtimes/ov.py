"""OpenVINO: compile a model with a hint and precision, and a runner for the harness.

Taught in notebook 00 (first measurement) and notebooks 03-05. Uses the current API only:
``import openvino as ov`` (the old ``openvino.runtime`` namespace was removed in 2026.0).
"""
from __future__ import annotations

import numbers
import re
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.cache import damaged_model_advice
from ..errors import AccelkitError, choice, first_line
from .inputs import InputSpec, match_inputs, random_arrays
from .runner import runner_settings

if TYPE_CHECKING:
    import openvino as ov
    from openvino.frontend import FrontEnd

__all__ = ["HINTS", "PRECISIONS", "EXECUTION_MODES", "CACHE_MODES", "VIRTUAL_DEVICES", "core", "ov_core", "frontend",
           "available_devices", "check_device", "compile_config", "check_model_path", "read_model", "compile_model",
           "reshape_dynamic_to_one", "compiled_property", "runtime_layers", "exec_precision", "input_specs",
           "random_inputs", "precision_name", "OvRunner", "ov_runner"]

HINTS = ("latency", "throughput", "cumulative_throughput", "none")
PRECISIONS = ("f32", "bf16", "f16")
EXECUTION_MODES = ("performance", "accuracy")
CACHE_MODES = ("optimize_speed", "optimize_size")
VIRTUAL_DEVICES = ("AUTO", "HETERO", "MULTI", "BATCH")


@lru_cache(maxsize=1)
def core() -> ov.Core:
    """One shared ``ov.Core`` (creating one loads the plugin registry)."""
    import openvino as ov

    return ov.Core()


def ov_core() -> ov.Core:
    """The kit's shared ``ov.Core`` (``ak.ov_core()``: the same object the kit's adapters use, so
    properties set on it apply to them)."""
    return core()


@cache
def frontend(suffix: str) -> FrontEnd:
    """OpenVINO's reader for '.xml' (IR) or '.onnx' files."""
    from openvino.frontend import FrontEndManager

    return FrontEndManager().load_by_framework({".xml": "ir", ".onnx": "onnx"}[suffix])


def available_devices() -> list[str]:
    return list(core().available_devices)


def check_device(device: str) -> None:
    """Raise AccelkitError naming what is available when ``device`` is not present here."""
    real = available_devices()
    families = {d.split(".")[0] for d in real}          # 'GPU.0', 'GPU.1' -> 'GPU'
    head, _, rest = device.partition(":")
    wanted = [d for d in rest.split(",") if d] if head in VIRTUAL_DEVICES else [device]
    wanted = [re.sub(r"\(\d+\)$", "", d.lstrip("-")) for d in wanted]   # 'MULTI:GPU(2)', 'AUTO:-CPU'
    missing = [d for d in wanted if d not in real and d not in families]
    if missing:
        raise AccelkitError(
            f"OpenVINO device {', '.join(missing)} is not available on this machine; available: "
            f"{', '.join(real)} (and the virtual devices {', '.join(VIRTUAL_DEVICES)} over them)."
        )


def compile_config(hint: str = "latency", precision: str | None = None, threads: int | None = None,
                   streams: int | None = None, cache_dir: str | Path | None = None,
                   execution_mode: str | None = None, cache_mode: str | None = None) -> dict[str, Any]:
    """The OpenVINO properties for a hint/precision/threads/streams/model-cache request, validated.
    ``execution_mode='accuracy'`` (EXECUTION_MODE_HINT) asks any device for undegraded precision;
    ``cache_mode='optimize_size'`` (CACHE_MODE) writes a weightless cache blob (weights re-read from the file)."""
    choice(hint, HINTS, "performance hint")
    if precision is not None:
        choice(precision, PRECISIONS, "inference precision")
    if execution_mode is not None:
        choice(execution_mode, EXECUTION_MODES, "execution mode")
    if cache_mode is not None:
        choice(cache_mode, CACHE_MODES, "cache mode")
    for name, value in (("threads", threads), ("streams", streams)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1):
            raise AccelkitError(f"{name} must be a whole number of 1 or more (or None for OpenVINO's choice), "
                                f"not {value!r}.")
    if cache_mode and not cache_dir:
        raise AccelkitError("cache_mode only matters with a model cache: give cache_dir too.")
    config: dict[str, Any] = {}
    if hint != "none":
        config["PERFORMANCE_HINT"] = hint.upper()
    if precision:
        config["INFERENCE_PRECISION_HINT"] = precision
    if threads:
        config["INFERENCE_NUM_THREADS"] = int(threads)
    if streams:
        config["NUM_STREAMS"] = int(streams)
    if execution_mode:
        config["EXECUTION_MODE_HINT"] = execution_mode.upper()
    if cache_dir:
        config["CACHE_DIR"] = str(cache_dir)
    if cache_mode:
        config["CACHE_MODE"] = cache_mode.upper()
    return config


def check_model_path(path: str | Path) -> Path:
    """The path as a Path if it names an .xml or .onnx file that exists; else one sentence."""
    path = Path(path)
    if not path.is_file():
        raise AccelkitError(f"no such model file: {path}.")
    if path.suffix not in (".xml", ".onnx"):
        raise AccelkitError(f"{path} is not a model file OpenVINO reads here; give an .xml (IR) or .onnx path.")
    return path


def read_model(path: str | Path) -> ov.Model:
    """Read an .xml (with its .bin) or .onnx file, turning read errors into one sentence."""
    path = check_model_path(path)
    try:
        if not frontend(path.suffix).supported(str(path)):  # else every other frontend tries it, logging C++ errors
            raise RuntimeError(f"it is not {'an OpenVINO IR' if path.suffix == '.xml' else 'an ONNX'} file")
        return core().read_model(str(path))
    except Exception as exc:  # OpenVINO raises RuntimeError with a C++ trace
        weights = ".bin" if path.suffix == ".xml" else ".onnx.data"
        raise AccelkitError(f"OpenVINO could not read {path}: the file or its {weights} weights are missing, "
                            f"truncated or corrupt ({first_line(exc)}); {damaged_model_advice(path)}.") from None


def compile_model(model: ov.Model | str | Path, *, device: str = "CPU", hint: str = "latency", precision: str | None = None,
                  threads: int | None = None, streams: int | None = None, cache_dir: str | Path | None = None,
                  execution_mode: str | None = None, cache_mode: str | None = None,
                  from_path: bool = False) -> ov.CompiledModel:
    """Compile a model (an ``ov.Model`` or a path) for ``device`` with the given settings;
    ``cache_dir`` turns on OpenVINO's model cache (notebook 03).

    A path is normally read first (``read_model``, dynamic dimensions set to 1), then the
    ``ov.Model`` is compiled. ``from_path=True`` hands the path itself to ``core.compile_model``:
    with a cache hit OpenVINO then loads the blob without reading or hashing the model graph
    (the model is compiled as the file has it: dynamic shapes stay dynamic)."""
    config = compile_config(hint, precision, threads, streams, cache_dir, execution_mode, cache_mode)
    check_device(device)
    if from_path:
        if not isinstance(model, (str, Path)):
            raise AccelkitError("from_path=True needs a model file path, not an ov.Model.")
        path = check_model_path(model)
        try:
            return core().compile_model(str(path), device, config)
        except Exception as exc:
            raise AccelkitError(f"OpenVINO could not compile {path} for {device} with {config}: {first_line(exc)}; "
                                f"{damaged_model_advice(path)}.") from None
    if isinstance(model, (str, Path)):
        model = read_model(model)
    reshape_dynamic_to_one(model)
    try:
        return core().compile_model(model, device, config)
    except Exception as exc:
        raise AccelkitError(f"OpenVINO could not compile the model for {device} with {config}: {first_line(exc)}.") from None


def reshape_dynamic_to_one(model: ov.Model) -> None:
    """Give every dynamic dimension the value 1 so the model can be benchmarked statically."""
    if all(not inp.get_partial_shape().is_dynamic for inp in model.inputs):
        return
    import openvino as ov

    shapes = {}
    for inp in model.inputs:
        dims = [d.get_length() if d.is_static else 1 for d in inp.get_partial_shape()]
        shapes[inp.get_any_name()] = ov.PartialShape(dims)
    model.reshape(shapes)


def compiled_property(compiled: ov.CompiledModel, key: str, default: Any = None) -> Any:
    """A property of a compiled model, or ``default`` where the device does not report it."""
    try:
        return compiled.get_property(key)
    except Exception:
        return default


def runtime_layers(compiled: ov.CompiledModel) -> list[dict[str, str]]:
    """The graph the device actually executes: each layer's type, the precision it ran in and
    the kernel chosen (e.g. 'brgconv_avx2_FP32', 'jit_avx512_I8'); constants and I/O left out."""
    rows = []
    for op in compiled.get_runtime_model().get_ordered_ops():
        rt = op.get_rt_info()
        info = {k: rt[k].astype(str) for k in ("layerType", "runtimePrecision", "primitiveType") if k in rt}
        if info.get("layerType") in ("Const", "Input", "Output", None):
            continue
        rows.append({"layer": op.get_friendly_name(), "type": info["layerType"],
                     "precision": info.get("runtimePrecision", "?"), "kernel": info.get("primitiveType", "?")})
    return rows


def exec_precision(compiled: ov.CompiledModel) -> str:
    """The precision the compiled model computes in: its INFERENCE_PRECISION_HINT ('f32', 'bf16'),
    or, where that reads 'dynamic' (EXECUTION_MODE_HINT=ACCURACY keeps each layer's own precision),
    the precision most executed layers report."""
    name = precision_name(compiled_property(compiled, "INFERENCE_PRECISION_HINT", "?"))
    if name != "dynamic":
        return name
    from collections import Counter

    try:
        counts = Counter(r["precision"] for r in runtime_layers(compiled) if r["type"] != "Reorder")
    except Exception:  # a virtual device without a runtime model
        return name
    return counts.most_common(1)[0][0] if counts else name


def input_specs(compiled: ov.CompiledModel) -> list[InputSpec]:
    """What each input of a compiled model expects: name, numpy dtype, shape."""
    return [InputSpec(port.get_any_name(), np.dtype(port.get_element_type().to_dtype()),
                      tuple(d.get_length() if d.is_static else None for d in port.get_partial_shape()))
            for port in compiled.inputs]


def random_inputs(compiled: ov.CompiledModel, seed: int = 0) -> list[np.ndarray]:
    """Seeded inputs for each model input: floats in [0, 1), integers in {0, 1}."""
    return random_arrays(input_specs(compiled), seed)


def precision_name(value: Any) -> str:
    """OpenVINO reports element types like <Type: 'float32'>; turn them into f32/bf16/f16."""
    text = str(getattr(value, "type_name", value) or value).lower()
    for long, short in (("bfloat16", "bf16"), ("float32", "f32"), ("float16", "f16"), ("f32", "f32")):
        if long in text:
            return short
    return text


class OvRunner:
    """A compiled model with inputs set once (as benchmark_app's inference-only mode). ``inputs``
    (see ``accelkit.runtimes.inputs``) are checked against the model's inputs; None feeds seeded random ones."""

    def __init__(self, compiled: ov.CompiledModel, *, model_name: str, device: str, hint: str, precision: str | None,
                 inputs: Any = None) -> None:
        self.compiled = compiled
        self.inputs = (random_inputs(compiled) if inputs is None
                       else match_inputs(model_name, input_specs(compiled), inputs))
        self.request = compiled.create_infer_request()
        for i, array in enumerate(self.inputs):
            self.request.set_input_tensor(i, _tensor(array))
        self.settings = runner_settings(
            "openvino", device, model_name, hint=hint, precision=precision or "default",
            exec_precision=exec_precision(compiled),
            threads=compiled_property(compiled, "INFERENCE_NUM_THREADS"),
            streams=compiled_property(compiled, "NUM_STREAMS"),
            nireq=compiled_property(compiled, "OPTIMAL_NUMBER_OF_INFER_REQUESTS", 1))

    def infer(self) -> float:
        """One synchronous inference; returns OpenVINO's own latency for it (ms)."""
        self.request.infer()
        return self.request.latency

    def run_async(self, seconds: float | None, iterations: int | None) -> tuple[list[float], float, int]:
        """benchmark_app's async inference-only loop: keep ``nireq`` requests in flight."""
        import time

        import openvino as ov

        queue = ov.AsyncInferQueue(self.compiled, int(self.settings["nireq"] or 1))
        nireq = len(queue)
        for req in queue:
            for i, array in enumerate(self.inputs):
                req.set_input_tensor(i, _tensor(array))
        times, in_fly, it, elapsed = [], set(), 0, 0.0
        start = time.perf_counter()
        while (iterations and it < iterations) or (seconds and elapsed < seconds) or it % nireq:
            idle = queue.get_idle_request_id()
            if idle in in_fly:
                times.append(queue[idle].latency)
            else:
                in_fly.add(idle)
            queue.start_async()
            it += 1
            elapsed = time.perf_counter() - start
        queue.wait_all()
        duration = time.perf_counter() - start
        times += [queue[i].latency for i in in_fly]
        return times, duration, it

    def close(self) -> None:
        self.request = self.compiled = None


def _tensor(array: np.ndarray) -> ov.Tensor:
    import openvino as ov

    return ov.Tensor(np.ascontiguousarray(array))


def ov_runner(path: str | Path, *, device: str = "CPU", hint: str = "latency", precision: str | None = None,
              threads: int | None = None, streams: int | None = None, cache_dir: str | Path | None = None,
              execution_mode: str | None = None, cache_mode: str | None = None, from_path: bool = False,
              inputs: Any = None) -> OvRunner:
    """Builder for the harness: read + compile ``path`` (or, with ``from_path=True``, compile the
    path directly; see ``compile_model``) and return a ready runner that feeds ``inputs`` (a dict
    by name, a list in order or one array; default: seeded random)."""
    compiled = compile_model(path, device=device, hint=hint, precision=precision, threads=threads, streams=streams,
                             cache_dir=cache_dir, execution_mode=execution_mode, cache_mode=cache_mode,
                             from_path=from_path)
    return OvRunner(compiled, model_name=Path(path).stem, device=device, hint=hint, precision=precision,
                    inputs=inputs)
