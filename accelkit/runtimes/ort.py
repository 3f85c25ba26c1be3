"""ONNX Runtime: one session builder (providers, opt level, threads, spinning) and a runner.

Taught in notebook 00 (first measurement) and notebooks 01, 02, 06.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..config import data_dir
from ..core.banks import fail, load_yaml, require
from ..core.cache import damaged_model_advice
from ..errors import AccelkitError, choice, first_line
from .inputs import ONNX_DTYPES, InputSpec, match_inputs, random_arrays
from .runner import runner_settings

if TYPE_CHECKING:
    import onnxruntime as ort

__all__ = ["OPT_LEVELS", "DEVICE_PROVIDERS", "KINDS", "ProviderInfo", "load_catalogue", "wheel_for",
           "register_plugin_library", "plugin_providers", "absent_reason", "add_plugin_devices",
           "available_providers", "providers_for", "session_options", "make_session", "input_specs", "random_feed",
           "OrtRunner", "ort_runner"]

# ORT's GraphOptimizationLevel names, by the short names the kit uses.
OPT_LEVELS = {"disable": "ORT_DISABLE_ALL", "basic": "ORT_ENABLE_BASIC",
              "extended": "ORT_ENABLE_EXTENDED", "layout": "ORT_ENABLE_LAYOUT", "all": "ORT_ENABLE_ALL"}
# Short device names -> the EP that serves them (the wheel that ships each is in data/providers.yaml).
DEVICE_PROVIDERS = {"CPU": "CPUExecutionProvider", "CUDA": "CUDAExecutionProvider", "GPU": "CUDAExecutionProvider",
                    "TENSORRT": "TensorrtExecutionProvider", "OPENVINO": "OpenVINOExecutionProvider",
                    "DML": "DmlExecutionProvider"}
KINDS = ("kernel", "compile")  # per-node kernels from a registry, or whole subgraphs compiled by a backend


# ---------------------------------------------------------------- the EP catalogue (data/providers.yaml)


@dataclass(frozen=True)
class ProviderInfo:
    """One EP of the catalogue: the wheel that ships it, what it needs, how it executes."""

    name: str
    wheel: str
    needs: str
    kind: str
    note: str = ""


def load_catalogue(path: Path | None = None) -> list[ProviderInfo]:
    """Every EP in ``data/providers.yaml``, validated (errors name the file and line)."""
    path = path or data_dir() / "providers.yaml"
    items = require(path, load_yaml(path), "providers", list)
    out = []
    for item in items:
        name, wheel, needs, kind = (require(path, item, key, str).strip() for key in ("name", "wheel", "needs", "kind"))
        if kind not in KINDS:
            raise fail(path, item, f"kind must be one of {', '.join(KINDS)}, not {kind!r}.")
        out.append(ProviderInfo(name, wheel, needs, kind, note=str(item.get("note") or "").strip()))
    names = [p.name for p in out]
    if len(set(names)) != len(names):
        raise AccelkitError(f"{path}: duplicate provider names in the catalogue.")
    return out


def wheel_for(provider: str) -> str:
    """Which package ships ``provider``, from the catalogue (a phrase saying so if it is not listed)."""
    return next((p.wheel for p in load_catalogue() if p.name == provider), "a wheel the kit's catalogue does not list")


# ---------------------------------------------------------------- sessions


_PLUGINS: dict[str, Any] = {}  # registration name -> what registering its library returned (once per process)


def register_plugin_library(name: str, library: str | Path) -> None:
    """``register_execution_provider_library`` once per process (ORT refuses a second registration)."""
    import onnxruntime as ort

    if name not in _PLUGINS:
        ort.register_execution_provider_library(name, str(library))
        _PLUGINS[name] = Path(library)


def plugin_providers() -> list[str]:
    """EPs that only the device API knows: registered plugin EPs offering at least one device
    (``get_available_providers()`` does not list them)."""
    import onnxruntime as ort

    built_in = set(ort.get_available_providers())
    return sorted({d.ep_name for d in ort.get_ep_devices()} - built_in)


def available_providers() -> list[str]:
    """Every EP usable here: those built into this ONNX Runtime, then registered plugin EPs with a device."""
    import onnxruntime as ort

    return [*ort.get_available_providers(), *plugin_providers()]


def absent_reason(provider: str) -> str:
    """Why ``provider`` cannot be used here, in words: not installed (and which package ships it), or
    a plugin that was registered but offers no device for the hardware ORT discovered."""
    import onnxruntime as ort

    if provider in _PLUGINS:  # registered (under its EP name, as the kit does) yet absent: it offered no device
        hardware = sorted({f"{str(d.device.type).split('.')[-1]} ({d.device.vendor}, vendor id "
                           f"0x{d.device.vendor_id:04x})" for d in ort.get_ep_devices()})
        return (f"its plugin is registered but offers no device for the hardware ONNX Runtime found: "
                f"{', '.join(hardware)}")
    return f"it comes with {wheel_for(provider)}"


def providers_for(device: str) -> list[str]:
    """The provider list for a short device name, CPU last as the fallback ORT would use."""
    provider = DEVICE_PROVIDERS.get(device.upper()) or choice(device, DEVICE_PROVIDERS, "ONNX Runtime device")
    if provider not in available_providers():
        reason = absent_reason(provider)
        state = "not installed" if reason.startswith("it comes with") else "not usable"
        raise AccelkitError(f"ONNX Runtime's {provider} is {state} here ({reason}); "
                            f"available: {', '.join(available_providers())}.")
    return [provider] if provider == "CPUExecutionProvider" else [provider, "CPUExecutionProvider"]


def add_plugin_devices(so: ort.SessionOptions, providers: list[Any]) -> list[Any]:
    """Plugin EPs cannot be named in ``providers=[...]``: add their devices to ``so`` instead
    (``add_provider_for_devices``) and return the providers left to name."""
    import onnxruntime as ort

    plugins = set(plugin_providers())
    names = [p[0] if isinstance(p, (tuple, list)) else p for p in providers]
    for entry, name in zip(providers, names):
        if name in plugins:
            options = dict(entry[1]) if isinstance(entry, (tuple, list)) and len(entry) > 1 else {}
            so.add_provider_for_devices([d for d in ort.get_ep_devices() if d.ep_name == name], options)
    return [entry for entry, name in zip(providers, names) if name not in plugins]


def session_options(*, opt_level: str = "all", threads: int | None = None, spinning: bool = True,
                    optimized_model_path: str | Path | None = None, profile_prefix: str | None = None,
                    log_severity: int = 4, log_verbosity: int = 0) -> ort.SessionOptions:
    """SessionOptions for an opt level ('disable'/'basic'/'extended'/'layout'/'all'), intra-op threads
    (None = one per physical core) and thread spinning (off = idle threads sleep at once).
    ``log_severity`` 4 = fatal only: warnings would leak into notebook outputs, and every error
    comes back as an exception (which the kit turns into one sentence) - logged, it would reach
    the learner a second time as C++ text; notebook 02 reads ORT's warnings (1) and verbose
    transformer log (0, verbosity 1)."""
    import onnxruntime as ort

    choice(opt_level, OPT_LEVELS, "optimization level")
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
                 spinning: bool = True, **options: Any) -> ort.InferenceSession:
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
        named = add_plugin_devices(so, providers)
        return ort.InferenceSession(str(path), so, providers=named) if named != providers else \
            ort.InferenceSession(str(path), so)
    except Exception as exc:
        raise AccelkitError(f"ONNX Runtime could not load {path}: the file or its .onnx.data weights are missing, "
                            f"truncated or corrupt ({first_line(exc)}); {damaged_model_advice(path)}.") from None


def input_specs(session: ort.InferenceSession) -> list[InputSpec]:
    """What each session input expects: name, numpy dtype, shape (None for a dynamic dimension)."""
    specs = []
    for inp in session.get_inputs():
        if inp.type not in ONNX_DTYPES:
            raise AccelkitError(f"input {inp.name!r} has type {inp.type}; the kit's runners feed "
                                f"{', '.join(ONNX_DTYPES)}.")
        specs.append(InputSpec(inp.name, np.dtype(ONNX_DTYPES[inp.type]),
                               tuple(d if isinstance(d, int) else None for d in inp.shape)))
    return specs


def random_feed(session: ort.InferenceSession, seed: int = 0) -> dict[str, np.ndarray]:
    """Seeded inputs for each session input (dynamic dims set to 1): floats in [0, 1), ints in {0, 1}."""
    specs = input_specs(session)
    return dict(zip((s.name for s in specs), random_arrays(specs, seed)))


class OrtRunner:
    """An InferenceSession plus a fixed feed; ``infer`` is one ``session.run``. ``inputs`` (see
    ``accelkit.runtimes.inputs``) are checked against the session's inputs; None feeds seeded random ones."""

    def __init__(self, session: ort.InferenceSession, *, model_name: str, device: str, opt_level: str, threads: int | None,
                 inputs: Any = None) -> None:
        self.session = session
        specs = input_specs(session)
        arrays = random_arrays(specs) if inputs is None else match_inputs(model_name, specs, inputs)
        self.feed = dict(zip((s.name for s in specs), arrays))
        self.settings = runner_settings("onnxruntime", device, model_name, precision="as stored",
                                        threads=threads or "default", opt_level=opt_level)
        self.settings["providers"] = ",".join(session.get_providers())

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
