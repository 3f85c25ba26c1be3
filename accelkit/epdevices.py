"""ONNX Runtime's device API and plugin EPs, live (notebook 01).

Since 1.22, ONNX Runtime can choose a *device* as well as an EP name:
- ``get_ep_devices()`` lists every (EP, hardware device) pair the runtime can use here, as
  ``OrtEpDevice`` objects: the EP's name, vendor and metadata, plus the hardware ORT discovered
  (type, vendor, vendor id);
- ``SessionOptions.add_provider_for_devices(devices, options)`` asks for exactly those devices;
- ``set_provider_selection_policy(policy)`` lets ORT pick by a policy (PREFER_GPU, ...), and
  ``set_provider_selection_policy_delegate(fn)`` lets your own function pick;
- a **plugin EP** is a shared library that ``register_execution_provider_library(name, path)``
  loads at run time. ORT then asks each of its factories which of the discovered hardware devices
  it supports (``GetSupportedDevices``). A plugin with no supported device adds nothing to the list.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .core.quiet import captured_stderr
from .errors import AccelkitError, choice, first_line
from .runtimes.ort import register_plugin_library

__all__ = ["INTEL_VENDOR_ID", "device_rows", "Registration", "register_plugin", "registered", "devices_for",
           "session_for_devices", "policy_rows", "delegate_session", "why_no_device"]

INTEL_VENDOR_ID = 0x8086  # the PCI vendor id ORT reports for Intel hardware (AMD is 0x1022)


def device_rows() -> list[dict[str, Any]]:
    """One row per ``OrtEpDevice``: the EP, and the hardware ORT discovered for it."""
    import onnxruntime as ort

    return [{"ep": d.ep_name, "ep_vendor": d.ep_vendor, "device": str(d.device.type).split(".")[-1],
             "vendor": d.device.vendor, "vendor_id": f"0x{d.device.vendor_id:04x}", "device_id": d.device.device_id,
             "ep_metadata": dict(d.ep_metadata)} for d in ort.get_ep_devices()]


@dataclass
class Registration:
    """What registering a plugin library did: its name, path, the devices it added, and the plugin
    functions ORT called (read from ORT's verbose log)."""

    name: str
    library: Path
    devices_added: list[dict[str, Any]]
    calls: list[str]


_REGISTERED: dict[str, Registration] = {}  # registration name -> its result: a library loads once per process


def register_plugin(name: str, library: str | Path) -> Registration:
    """``register_execution_provider_library(name, library)`` with ORT's log at verbose, so the
    factories' answers are visible; registering the same name again returns the first result."""
    import onnxruntime as ort

    library = Path(library)
    if not library.is_file():
        raise AccelkitError(f"no plugin EP library at {library}; install it with `accelkit eps install`.")
    if name in _REGISTERED:
        return _REGISTERED[name]
    before = device_rows()
    ort.set_default_logger_severity(0)
    try:
        with captured_stderr() as log:
            register_plugin_library(name, library)
    except Exception as exc:
        raise AccelkitError(f"ONNX Runtime could not load the plugin library {library.name}: {first_line(exc)}.") from None
    finally:
        ort.set_default_logger_severity(2)  # ORT's default: warnings and above
    after = device_rows()
    _REGISTERED[name] = Registration(name, library, [r for r in after if r not in before], _calls(log))
    return _REGISTERED[name]


def _calls(log: list[str]) -> list[str]:
    """ORT's verbose log of a registration, reduced to the plugin functions ORT called (in order,
    with how often), e.g. 'OpenVINOEpPluginFactory::GetSupportedDevices x2 (given 1 hardware device)'."""
    import re

    calls: dict[str, list[int]] = {}
    for line in log:
        m = re.search(r" ([\w:~]+)\] ENTRY \[tid:\d+\] \[\(0x[0-9a-f]+, (\d+),", line)
        n = re.search(r" ([\w:~]+)\] ENTRY ", line)
        if n:
            calls.setdefault(n.group(1), []).append(int(m.group(2)) if m else -1)
    out = []
    for name, given in calls.items():
        devices = {g for g in given if g >= 0}
        detail = f" (given {', '.join(map(str, sorted(devices)))} hardware device(s))" if "Supported" in name and devices else ""
        out.append(f"{name} x{len(given)}{detail}")
    return out


def registered() -> dict[str, Path]:
    """The plugin libraries this process registered through the kit."""
    return {name: r.library for name, r in _REGISTERED.items()}


def devices_for(ep: str, *, device: str | None = None) -> list[Any]:
    """The ``OrtEpDevice`` objects of one EP (optionally of one hardware type: 'CPU', 'GPU', 'NPU')."""
    import onnxruntime as ort

    found = [d for d in ort.get_ep_devices() if d.ep_name == ep]
    if device is not None:
        found = [d for d in found if str(d.device.type).split(".")[-1] == device.upper()]
    return found


def why_no_device(ep: str) -> str:
    """Why ``ep`` offers no device here, from what the runtime reports: the hardware ORT discovered,
    and whether the plugin was registered and asked."""
    rows = device_rows()
    hardware = sorted({f"{r['device']} ({r['vendor']}, vendor id {r['vendor_id']})" for r in rows})
    if any(r["ep"] == ep for r in rows):
        return f"{ep} offers {sum(r['ep'] == ep for r in rows)} device(s) here."
    if not _REGISTERED:
        return f"{ep} is not registered in this process: register its plugin library first."
    intel = any(int(r["vendor_id"], 16) == INTEL_VENDOR_ID for r in rows)
    return (f"{ep}'s plugin is registered, but its factories returned no device: ORT discovered only "
            f"{', '.join(hardware)}" + ("" if intel else f", and none of it has Intel's vendor id 0x{INTEL_VENDOR_ID:04x}") + ".")


def session_for_devices(path: str | Path, devices: list[Any], options: dict[str, str] | None = None):
    """A session on exactly ``devices`` (all of one EP), via ``add_provider_for_devices``."""
    import onnxruntime as ort

    if not devices:
        raise AccelkitError("no devices given: pick them from onnxruntime.get_ep_devices() (see device_rows()).")
    so = ort.SessionOptions()
    so.log_severity_level = 3
    try:
        so.add_provider_for_devices(devices, options or {})
        return ort.InferenceSession(str(path), so)
    except Exception as exc:
        raise AccelkitError(f"ONNX Runtime could not use those devices: {first_line(exc)}.") from None


def policy_rows(path: str | Path, policies: list[str] | None = None) -> list[dict[str, str]]:
    """For each device-selection policy (all seven, or the names in ``policies``), the EPs ORT then
    registered for ``path`` (or why it could not)."""
    import onnxruntime as ort

    members = ort.OrtExecutionProviderDevicePolicy.__members__
    rows = []
    for name in [check_policy(n) for n in policies] if policies is not None else list(members):
        policy = members[name]
        so = ort.SessionOptions()
        so.log_severity_level = 3
        so.set_provider_selection_policy(policy)
        try:
            rows.append({"policy": name, "providers": ", ".join(ort.InferenceSession(str(path), so).get_providers())})
        except Exception as exc:
            rows.append({"policy": name, "providers": f"failed: {first_line(exc)}"})
    return rows


def delegate_session(path: str | Path, rule: Callable[[list[Any]], list[Any]]) -> tuple[Any, dict[str, Any]]:
    """A session whose devices ``rule(ep_devices)`` picks (``set_provider_selection_policy_delegate``).
    Returns the session and what the delegate saw: the candidate devices, the model's metadata
    and how many devices it could pick."""
    import onnxruntime as ort

    seen: dict[str, Any] = {}

    def delegate(ep_devices, model_metadata, runtime_metadata, max_selections):
        seen.update(candidates=[f"{d.ep_name} on {str(d.device.type).split('.')[-1]}" for d in ep_devices],
                    model_metadata=dict(model_metadata), max_selections=max_selections)
        try:
            picked = list(rule(list(ep_devices)))
        except Exception as exc:  # the learner's rule: its error is kept and shown, the session fails
            seen["rule_error"] = f"{type(exc).__name__}: {exc}"
            return []
        seen["picked"] = [f"{d.ep_name} on {str(d.device.type).split('.')[-1]}" for d in picked]
        return picked[:max_selections]

    so = ort.SessionOptions()
    so.log_severity_level = 3
    so.set_provider_selection_policy_delegate(delegate)
    try:
        session = ort.InferenceSession(str(path), so)
    except Exception as exc:
        why = seen.get("rule_error") or first_line(exc)
        raise AccelkitError(f"the selection rule gave ONNX Runtime no usable device ({why}).") from None
    return session, seen


def compile_with_cpu_ep(path: str | Path, out: str | Path) -> str:
    """``ModelCompiler`` with only the CPU EP and ERROR_IF_NO_NODES_COMPILED: returns ORT's answer
    as one sentence (the CPU EP runs kernels; it has nothing to compile)."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.log_severity_level = 3
    try:
        compiler = ort.ModelCompiler(so, str(path), flags=ort.OrtCompileApiFlags.ERROR_IF_NO_NODES_COMPILED)
        compiler.compile_to_file(str(out))
    except Exception as exc:
        return f"refused: {first_line(exc)}"
    return f"compiled to {Path(out).name}"


def policy_names() -> list[str]:
    import onnxruntime as ort

    return list(ort.OrtExecutionProviderDevicePolicy.__members__)


def check_policy(name: str) -> str:
    return choice(name, policy_names(), "device selection policy")
