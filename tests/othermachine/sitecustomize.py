"""Loaded by every Python process started with this folder on PYTHONPATH (tests/test_other_machine.py):
the kit sees a machine unlike the one that stored the notebooks' outputs.

- CPU: 8 logical cores on 4 physical, with AVX-512, AVX512-VNNI, AVX512-BF16, AVX-VNNI and AMX
  (the machine that stored the outputs has 2 cores and AVX2 only).
- OpenVINO: a GPU is present. It is the CPU plugin under another name: every ``ov.Core`` lists
  "GPU", reports it as a discrete GPU, and maps "GPU"/"GPU.0" (also inside AUTO:, HETERO:, MULTI:
  lists) to the CPU, so the notebooks' GPU paths really run.

What cannot be simulated: the runtimes' own kernels still see the real CPU (OpenVINO picks its
kernels by CPUID, not /proc/cpuinfo), so this proves the notebooks' *outputs* are portable, not
that the kit's numbers on such a machine would be right.
"""
import os
import re
import runpy
import sys
from pathlib import Path

CORES = 8
FLAGS = ("fpu sse sse2 ssse3 sse4_1 sse4_2 avx avx2 fma f16c avx512f avx512dq avx512cd avx512bw avx512vl "
         "avx512_vnni avx512_bf16 avx_vnni amx_tile amx_int8 amx_bf16")
CPUINFO = "\n".join(
    f"processor\t: {i}\nmodel name\t: Simulated Xeon with AMX\nphysical id\t: 0\ncore id\t\t: {i // 2}\n"
    f"flags\t\t: {FLAGS}\n" for i in range(CORES))
GPU_NAME = "Simulated GPU (the CPU plugin under another name)"


def _real(device):
    """'GPU', 'GPU.1', 'AUTO:GPU,CPU', 'HETERO:GPU.0,CPU' -> the same with the GPU mapped to the CPU."""
    if not isinstance(device, str):
        return device
    head, sep, rest = device.partition(":")
    if not sep:
        return re.sub(r"^GPU(\.\d+)?$", "CPU", device)
    names = []
    for name in rest.split(","):
        name = re.sub(r"^(-?)GPU(\.\d+)?", r"\1CPU", name)
        if name not in names:
            names.append(name)
    return f"{head}:{','.join(names)}"


def _simulate_openvino() -> None:
    import openvino as ov

    base = ov.Core

    class SimulatedCore(base):
        @property
        def available_devices(self):
            return [*base.available_devices.__get__(self), "GPU"]

        def get_property(self, device, key, *args):
            if str(device).split(".")[0] == "GPU":
                if key == "FULL_DEVICE_NAME":
                    return GPU_NAME
                if key == "DEVICE_TYPE":
                    return "Type.DISCRETE"
                if key == "OPTIMIZATION_CAPABILITIES":
                    return ["FP32", "FP16", "INT8"]
            value = super().get_property(_real(device), key, *args)
            if device == "CPU" and key == "OPTIMIZATION_CAPABILITIES":
                value = [*value, *(c for c in ("BF16",) if c not in [str(v) for v in value])]
            return value

        def set_property(self, *args):
            if args and isinstance(args[0], str):
                args = (_real(args[0]), *args[1:])
            return super().set_property(*args)

        def compile_model(self, model, device_name=None, config=None, **kwargs):
            args = [model] + ([_real(device_name)] if device_name is not None else [])
            return super().compile_model(*args, *([config] if config is not None else []), **kwargs)

        def query_model(self, model, device_name, config=None):
            return super().query_model(model, _real(device_name), config or {})

        def get_versions(self, device_name):
            return super().get_versions(_real(device_name))

    ov.Core = SimulatedCore


def _simulate_cpu() -> None:
    import accelkit.core.host as host

    real = host.read_cpuinfo()
    if "avx512_bf16" not in real and "amx_bf16" not in real:
        # The kernels still run on the real CPU: without BF16, torch emulates a bf16 matmul (over a minute
        # at the roofline's 2048); a smaller roof kernel keeps the capstone's bf16 row cheap.
        os.environ.setdefault("ACCELKIT_ROOF_N", "256")

    os.cpu_count = lambda: CORES
    host.read_cpuinfo = lambda path=None: CPUINFO


def _log_process() -> None:
    log = os.environ.get("ACCELKIT_SIMLOG")
    if log:
        with open(log, "a") as f:
            f.write(f"{os.getpid()} {' '.join(sys.argv)}\n")


_simulate_cpu()
_simulate_openvino()
_log_process()
# The offline guard applies here too (only one sitecustomize is imported per process).
runpy.run_path(str(Path(__file__).resolve().parent.parent / "offline" / "sitecustomize.py"))
