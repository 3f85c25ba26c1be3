"""The host machine as the OS describes it: CPU model, cores and ISA flags (notebook 00).

Nothing here imports a runtime: ``host_line()`` is stamped on every result and chart, and
``isa_features`` is what the topic modules read to say what pays on this CPU. The flags come
from the OS (``/proc/cpuinfo`` on Linux), not from a library's guess.
"""
from __future__ import annotations

import os
import platform
from functools import lru_cache
from pathlib import Path

__all__ = ["ISA_FLAGS", "parse_cpu_flags", "isa_features", "parse_cpu_model", "count_physical_cores",
           "read_cpuinfo", "host_isa", "host_line"]

# ISA features that change what acceleration pays, and the cpuinfo flags that signal each.
ISA_FLAGS: dict[str, tuple[str, ...]] = {
    "AVX2": ("avx2",),
    "FMA": ("fma",),
    "AVX-512": ("avx512f",),
    "AVX512-VNNI": ("avx512_vnni",),
    "AVX-VNNI": ("avx_vnni",),
    "AVX512-BF16": ("avx512_bf16",),
    "AMX": ("amx_tile", "amx_int8", "amx_bf16"),
    "NEON": ("asimd", "neon"),
}
def parse_cpu_flags(cpuinfo: str) -> set[str]:
    """The feature flags of the first CPU in a /proc/cpuinfo text (x86 'flags', Arm 'Features')."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return set(value.split())
    return set()


def isa_features(flags: set[str]) -> dict[str, bool | None]:
    """Map raw flags to the features the kit talks about (AMX needs any of its three flags).
    With no flags at all (the OS did not say), every feature is None: unknown, not absent."""
    if not flags:
        return {name: None for name in ISA_FLAGS}
    return {name: any(f in flags for f in needed) for name, needed in ISA_FLAGS.items()}


def parse_cpu_model(cpuinfo: str) -> str:
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("model name", "Hardware", "cpu model"):
            return value.strip()
    return platform.processor() or platform.machine()


def count_physical_cores(cpuinfo: str) -> int | None:
    """Distinct (physical id, core id) pairs; None when cpuinfo does not say."""
    cores, phys = set(), "0"
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "physical id":
            phys = value.strip()
        elif key.strip() == "core id":
            cores.add((phys, value.strip()))
    return len(cores) or None


def read_cpuinfo(path: Path = Path("/proc/cpuinfo")) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""  # not Linux: flags unknown, the report says so


def host_isa() -> dict[str, bool | None]:
    """This machine's ISA features (None for each when the OS does not say)."""
    return isa_features(parse_cpu_flags(read_cpuinfo()))


@lru_cache(maxsize=1)
def host_line() -> str:
    """A cheap one-line machine description (no runtime imported) stamped on every result."""
    info = read_cpuinfo()
    isa = [k for k, v in isa_features(parse_cpu_flags(info)).items() if v and k != "FMA"]
    return f"{parse_cpu_model(info)} · {os.cpu_count()} cores · {'/'.join(isa) or 'ISA unknown'}"
