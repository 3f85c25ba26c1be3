"""Run OpenVINO's own ``benchmark_app`` and read its numbers, to check the kit's harness
against it (notebook 00, ``benchmarks/harness_vs_benchmark_app.py``).

benchmark_app is the reference a learner can trust: same model, same device, same hint and
precision, and the kit's median must land close to it.
"""
from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .errors import AccelkitError

LAUNCH = "import sys; from openvino.tools.benchmark.main import main; sys.exit(main())"
_UNITS = {"ms": 1.0, "us": 1e-3}


@dataclass
class BenchAppResult:
    """What benchmark_app printed, in ms and FPS."""

    command: str
    compile_ms: float
    first_infer_ms: float
    iterations: int
    median_ms: float
    mean_ms: float
    min_ms: float
    max_ms: float
    throughput_fps: float


def _number(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    if not match:
        raise AccelkitError(f"benchmark_app's output had no line matching {pattern!r}; its last lines:\n"
                            + "\n".join(text.strip().splitlines()[-5:]))
    value = float(match.group(1))
    return value * _UNITS.get(match.group(2), 1.0) if match.lastindex and match.lastindex > 1 else value


def parse_output(text: str, command: str = "") -> BenchAppResult:
    """Read benchmark_app's console report (latencies print in us when under 1 ms)."""
    lat = r"{}:\s+([\d.]+) (ms|us)"
    return BenchAppResult(
        command=command,
        compile_ms=_number(r"Compile model took ([\d.]+)()", text),
        first_infer_ms=_number(r"First inference took ([\d.]+)()", text),
        iterations=int(_number(r"Count:\s+(\d+)()", text)),
        median_ms=_number(lat.format("Median"), text), mean_ms=_number(lat.format("Average"), text),
        min_ms=_number(lat.format("Min"), text), max_ms=_number(lat.format("Max"), text),
        throughput_fps=_number(r"Throughput:\s+([\d.]+)()", text),
    )


def run_benchmark_app(model: str | Path, *, device: str = "CPU", hint: str = "latency",
                      precision: str | None = None, seconds: float = 5.0, timeout_s: float = 300) -> BenchAppResult:
    """Run benchmark_app on ``model`` with float inputs (``-ip f32``, as the harness feeds)."""
    args = ["-m", str(model), "-d", device, "-hint", hint, "-t", str(max(1, round(seconds))), "-ip", "f32"]
    if precision:
        args += ["-infer_precision", precision]
    command = "benchmark_app " + " ".join(args)
    try:
        done = subprocess.run([sys.executable, "-c", LAUNCH, *args], capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise AccelkitError(f"benchmark_app did not finish within {timeout_s:.0f} s: {command}") from None
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-3:])
        raise AccelkitError(f"benchmark_app failed ({command}):\n{tail}")
    return parse_output(done.stdout, command)


def compare_with_benchmark_app(xml: str | Path, *, hint: str = "latency", precision: str | None = None,
                               seconds: float | None = None) -> dict:
    """Measure ``xml`` with the kit's harness (in a fresh process) and with benchmark_app, back
    to back with the same device, hint and precision; return both medians/throughputs and ratios."""
    from functools import partial

    from .bench import measure
    from .config import default_seconds
    from .ov import ov_runner

    seconds = seconds or default_seconds()
    mode = "async" if hint == "throughput" else "sync"
    ours = measure(partial(ov_runner, xml, hint=hint, precision=precision), seconds=seconds, mode=mode, isolate=True)
    ref = run_benchmark_app(xml, hint=hint, precision=precision, seconds=seconds)
    return {
        "model": Path(xml).stem, "hint": hint, "precision": precision or "default",
        "exec_precision": ours.exec_precision, "window_s": seconds,
        "harness_median_ms": ours.median_ms, "benchmark_app_median_ms": ref.median_ms,
        "median_ratio": ours.median_ms / ref.median_ms,
        "harness_fps": ours.throughput_fps, "benchmark_app_fps": ref.throughput_fps,
        "fps_ratio": ours.throughput_fps / ref.throughput_fps,
        "harness_overhead_us": ours.overhead_us,
    }
