"""What this machine is, and what that implies for the rest of the kit (notebook 00).

The ISA flags come from the OS (``/proc/cpuinfo`` on Linux), not from a library's guess, so the
report says what the CPU really offers: AVX2, AVX-512, VNNI (fast INT8 dot products), AMX and
BF16. ``report()`` adds the runtimes' view: ORT providers, OpenVINO devices with their
capabilities and default inference precision, torch's threads.
"""
from __future__ import annotations

import html
import os
import platform
from dataclasses import asdict, dataclass, field
from importlib import metadata

from .core import host
from .core.host import count_physical_cores, host_line, isa_features, parse_cpu_flags, parse_cpu_model
from .runtimes.ov import precision_name

__all__ = ["report", "HardwareReport", "OvDevice", "implications", "package_versions", "ort_providers", "ov_devices",
           "torch_threads", "host_line"]

MARKS = {True: "✓", False: "✗", None: "?"}
PACKAGES = ("accelkit", "torch", "onnx", "onnxruntime", "openvino", "nncf", "numpy")


def implications(isa: dict[str, bool | None], ov_precision: str | None, ort_providers: list[str],
                 ov_devices: list[str]) -> list[str]:
    """Plain-words consequences of the hardware for the notebooks that follow."""
    says = []
    if all(v is None for v in isa.values()):
        says.append("Could not read the CPU's feature flags on this OS (the kit reads /proc/cpuinfo): "
                    "whether INT8 (VNNI/AMX) or bf16 pay here is unknown; the measurements will tell.")
    vnni = isa.get("AVX512-VNNI") or isa.get("AVX-VNNI") or isa.get("AMX")
    if isa.get("AMX"):
        says.append("AMX is present: INT8 and BF16 matrix work runs on tile units; expect large gains (notebook 04).")
    if vnni:
        says.append("This CPU has VNNI: one instruction multiplies 8-bit pairs and accumulates them in int32, "
                    "so INT8's peak is about 4x FP32's at the same vector width (notebook 04).")
    elif isa.get("AVX2"):
        says.append("No VNNI here: INT8 takes three instructions (vpmaddubsw, vpmaddwd, vpaddd) where VNNI takes "
                    "one, which in practice caps INT8 at about 2x over FP32, half of VNNI's 4x peak; vpmaddubsw's "
                    "16-bit sums can saturate with U8S8, for which ORT recommends reduce_range=True (7-bit weights) "
                    "or U8U8 (notebook 04).")
    if isa.get("AVX-512"):
        says.append("AVX-512 is present: wide vector kernels (oneDNN, ORT's NCHWc layout) are used (notebook 02).")
    elif isa.get("AVX2"):
        says.append("AVX2 but no AVX-512: kernels use 256-bit vectors (notebook 02).")
    if ov_precision and "bf16" in ov_precision.lower():
        says.append("OpenVINO will run FP32 models in bf16 here unless told INFERENCE_PRECISION_HINT=f32: "
                    "say which precision a comparison used (notebooks 03, 04).")
    elif ov_precision:
        says.append(f"OpenVINO's CPU default inference precision here is {ov_precision}: FP32 models run in true f32 (notebook 03).")
    gpu_eps = [p for p in ort_providers if p not in ("CPUExecutionProvider", "AzureExecutionProvider")]
    if gpu_eps:
        says.append(f"Extra ONNX Runtime providers are installed: {', '.join(gpu_eps)} (notebook 01).")
    else:
        says.append("ONNX Runtime has only its CPU provider here: GPU/TensorRT cells explain instead of running (notebooks 01, 06).")
    if [d for d in ov_devices if not d.startswith("CPU")]:
        says.append(f"OpenVINO sees more than the CPU ({', '.join(ov_devices)}): AUTO and HETERO can choose between them (notebook 05).")
    else:
        says.append("OpenVINO sees only the CPU: AUTO picks it, and HETERO splits are simulated (notebook 05).")
    return says


@dataclass
class OvDevice:
    name: str
    full_name: str
    capabilities: list[str]
    default_precision: str


@dataclass
class HardwareReport:
    """The machine and software the kit's numbers came from."""

    cpu_model: str
    logical_cores: int
    physical_cores: int | None
    isa: dict[str, bool | None]    # None: the OS did not say
    system: str
    python: str
    versions: dict[str, str]
    ort_providers: list[str]
    ov_devices: list[OvDevice]
    torch_threads: int | None
    implications: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        lines = [f"{k:<16} {v}" for k, v in self._table_rows()]
        return "\n".join(lines + ["What this implies:"] + [f"  - {s}" for s in self.implications])

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td style='text-align:left'>"
                       f"{html.escape(v)}</td></tr>" for k, v in self._table_rows())
        says = "".join(f"<li>{html.escape(s)}</li>" for s in self.implications)
        return f"<table>{rows}</table><p><b>What this implies</b></p><ul>{says}</ul>"

    def _table_rows(self) -> list[tuple[str, str]]:
        rows = [("CPU", self.cpu_model),
                ("cores", f"{self.logical_cores} logical, {self.physical_cores or '?'} physical"),
                ("ISA", "  ".join(f"{k} {MARKS[v]}" for k, v in self.isa.items())),
                ("system", f"{self.system}, Python {self.python}"),
                ("versions", ", ".join(f"{k} {v}" for k, v in self.versions.items())),
                ("ORT providers", ", ".join(self.ort_providers) or "onnxruntime not installed"),
                ("torch threads", str(self.torch_threads))]
        rows += [(f"OpenVINO {d.name}", f"{d.full_name}; {', '.join(d.capabilities)}; default {d.default_precision}")
                 for d in self.ov_devices]
        return rows


def package_versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def ort_providers() -> list[str]:
    try:
        from .runtimes.ort import available_providers

        return available_providers()
    except ImportError:
        return []


def ov_devices() -> list[OvDevice]:
    """Each OpenVINO device that loads here, with capabilities and default precision."""
    try:
        from .runtimes.ov import available_devices, core

        names = available_devices()
    except Exception:  # openvino missing or its plugins failing to load
        return []

    def get(name: str, key: str, default):
        try:
            return core().get_property(name, key)
        except Exception:  # a device that does not report this property
            return default

    return [OvDevice(name, str(get(name, "FULL_DEVICE_NAME", name)),
                     [str(c) for c in get(name, "OPTIMIZATION_CAPABILITIES", [])],
                     precision_name(get(name, "INFERENCE_PRECISION_HINT", "unknown")))
            for name in names]


def torch_threads() -> int | None:
    try:
        import torch
    except ImportError:
        return None
    return torch.get_num_threads()


def report() -> HardwareReport:
    """Read the machine and the installed runtimes; ~1 s (it loads OpenVINO's plugins)."""
    info = host.read_cpuinfo()  # through the module: a simulated machine replaces it there
    isa = isa_features(parse_cpu_flags(info))
    devices, providers = ov_devices(), ort_providers()
    cpu_prec = next((d.default_precision for d in devices if d.name == "CPU"), None)
    return HardwareReport(
        cpu_model=parse_cpu_model(info), logical_cores=os.cpu_count() or 1,
        physical_cores=count_physical_cores(info), isa=isa,
        system=f"{platform.system()} {platform.machine()}", python=platform.python_version(),
        versions=package_versions(), ort_providers=providers, ov_devices=devices,
        torch_threads=torch_threads(),
        implications=implications(isa, cpu_prec, providers, [d.name for d in devices]),
    )
