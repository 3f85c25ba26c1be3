"""ONNX Runtime: one session builder (providers, opt level, threads, spinning) and a runner.

Taught in notebook 00 (first measurement) and notebooks 01, 02, 06.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .errors import AccelkitError, first_line
from .export import damaged_model_advice
from .inputs import ONNX_DTYPES, InputSpec, match_inputs, random_arrays

# ORT's GraphOptimizationLevel names, by the short names the kit uses.
OPT_LEVELS = {"disable": "ORT_DISABLE_ALL", "basic": "ORT_ENABLE_BASIC",
              "extended": "ORT_ENABLE_EXTENDED", "layout": "ORT_ENABLE_LAYOUT", "all": "ORT_ENABLE_ALL"}
# Short device names -> the EP that serves them (the wheel that ships each is in data/providers.yaml).
DEVICE_PROVIDERS = {"CPU": "CPUExecutionProvider", "CUDA": "CUDAExecutionProvider", "GPU": "CUDAExecutionProvider",
                    "TENSORRT": "TensorrtExecutionProvider", "OPENVINO": "OpenVINOExecutionProvider",
                    "DML": "DmlExecutionProvider"}


def available_providers() -> list[str]:
    import onnxruntime as ort

    return list(ort.get_available_providers())


def providers_for(device: str) -> list[str]:
    """The provider list for a short device name, CPU last as the fallback ORT would use."""
    key = device.upper()
    if key not in DEVICE_PROVIDERS:
        raise AccelkitError(f"unknown ONNX Runtime device {device!r}; use one of: {', '.join(DEVICE_PROVIDERS)}.")
    provider = DEVICE_PROVIDERS[key]
    if provider not in available_providers():
        from .providers import wheel_for

        raise AccelkitError(f"ONNX Runtime's {provider} is not installed here (it comes with {wheel_for(provider)}); "
                            f"available: {', '.join(available_providers())}.")
    return [provider] if provider == "CPUExecutionProvider" else [provider, "CPUExecutionProvider"]


def session_options(*, opt_level: str = "all", threads: int | None = None, spinning: bool = True,
                    optimized_model_path: str | Path | None = None, profile_prefix: str | None = None,
                    log_severity: int = 4, log_verbosity: int = 0):
    """SessionOptions for an opt level ('disable'/'basic'/'extended'/'layout'/'all'), intra-op threads
    (None = one per physical core) and thread spinning (off = idle threads sleep at once).
    ``log_severity`` 4 = fatal only: warnings would leak into notebook outputs, and every error
    comes back as an exception (which the kit turns into one sentence) - logged, it would reach
    the learner a second time as C++ text; notebook 02 reads ORT's warnings (1) and verbose
    transformer log (0, verbosity 1)."""
    import onnxruntime as ort

    if opt_level not in OPT_LEVELS:
        raise AccelkitError(f"unknown optimization level {opt_level!r}; use one of: {', '.join(OPT_LEVELS)}.")
    so = ort.SessionOptions()
    so.graph_optimization_level = getattr(ort.GraphOptimizationLevel, OPT_LEVELS[opt_level])
    so.log_severity_level, so.log_verbosity_level = log_severity, log_verbosity
    if threads:
        so.intra_op_num_threads = int(threads)
    so.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    if optimized_model_path:
        so.optimized_model_filepath = str(optimized_model_path)
    if profile_prefix:
        so.enable_profiling, so.profile_file_prefix = True, str(profile_prefix)
    return so


def make_session(path: str | Path, *, device: str = "CPU", opt_level: str = "all", threads: int | None = None,
                 spinning: bool = True, **options):
    """An InferenceSession for an .onnx file; load errors become one AccelkitError sentence."""
    import onnxruntime as ort

    path = Path(path)
    if not path.is_file():
        raise AccelkitError(f"no such model file: {path}.")
    if path.suffix != ".onnx":
        raise AccelkitError(f"{path} is not an ONNX model; ONNX Runtime takes an .onnx path.")
    providers = providers_for(device)
    so = session_options(opt_level=opt_level, threads=threads, spinning=spinning, **options)
    try:
        return ort.InferenceSession(str(path), so, providers=providers)
    except Exception as exc:
        raise AccelkitError(f"ONNX Runtime could not load {path}: the file or its .onnx.data weights are missing, "
                            f"truncated or corrupt ({first_line(exc)}); {damaged_model_advice(path)}.") from None


def input_specs(session) -> list[InputSpec]:
    """What each session input expects: name, numpy dtype, shape (None for a dynamic dimension)."""
    specs = []
    for inp in session.get_inputs():
        if inp.type not in ONNX_DTYPES:
            raise AccelkitError(f"input {inp.name!r} has type {inp.type}; the kit's runners feed "
                                f"{', '.join(ONNX_DTYPES)}.")
        specs.append(InputSpec(inp.name, np.dtype(ONNX_DTYPES[inp.type]),
                               tuple(d if isinstance(d, int) else None for d in inp.shape)))
    return specs


def random_feed(session, seed: int = 0) -> dict[str, np.ndarray]:
    """Seeded inputs for each session input (dynamic dims set to 1): floats in [0, 1), ints in {0, 1}."""
    specs = input_specs(session)
    return dict(zip((s.name for s in specs), random_arrays(specs, seed)))


class OrtRunner:
    """An InferenceSession plus a fixed feed; ``infer`` is one ``session.run``. ``inputs`` (see
    ``accelkit.inputs``) are checked against the session's inputs; None feeds seeded random ones."""

    def __init__(self, session, *, model_name: str, device: str, opt_level: str, threads: int | None,
                 inputs: Any = None) -> None:
        self.session = session
        specs = input_specs(session)
        arrays = random_arrays(specs) if inputs is None else match_inputs(model_name, specs, inputs)
        self.feed = dict(zip((s.name for s in specs), arrays))
        self.settings = {
            "runtime": "onnxruntime", "device": device, "model": model_name, "hint": None,
            "precision": "as stored", "exec_precision": "as stored",
            "threads": threads or "default", "streams": None, "nireq": 1, "opt_level": opt_level,
            "providers": ",".join(session.get_providers()),
        }

    def infer(self) -> None:
        """One inference; ORT reports no latency of its own, so the harness's clock is used."""
        self.session.run(None, self.feed)

    def close(self) -> None:
        self.session = None


def ort_runner(path: str | Path, *, device: str = "CPU", opt_level: str = "all", threads: int | None = None,
               spinning: bool = True, inputs: Any = None) -> OrtRunner:
    """Builder for the harness: create the session for ``path`` and return a ready runner that
    feeds ``inputs`` (a dict by name, a list in order or one array; default: seeded random)."""
    session = make_session(path, device=device, opt_level=opt_level, threads=threads, spinning=spinning)
    return OrtRunner(session, model_name=Path(path).stem, device=device, opt_level=opt_level, threads=threads,
                     inputs=inputs)
