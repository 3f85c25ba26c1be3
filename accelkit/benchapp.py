"""Run OpenVINO's own ``benchmark_app`` and read its numbers, to check the kit's harness
against it (notebook 00, ``benchmarks/harness_vs_benchmark_app.py``).

benchmark_app is the reference a learner can trust: same model, same device, same hint and
precision, and the kit's median must land close to it. On a shared or small machine one pair of
runs is not evidence (two back-to-back windows can differ by tens of percent), so
``compare_with_benchmark_app`` interleaves several pairs, counterbalancing the order, and reports
the median of the per-pair ratios with their range, the machine's noise (how much one tool's
windows varied) and a computed verdict: agreement only where the whole range lies within the
tolerance, "not a finding" where the range straddles it.
"""
from __future__ import annotations

import re
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .errors import AccelkitError
from .harness.interleave import Ratio, relative_spread

__all__ = ["BenchAppResult", "parse_output", "run_benchmark_app", "PAIRS", "QUICK_PAIRS", "TOLERANCE", "Agreement",
           "compare_with_benchmark_app"]

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


PAIRS = 5          # interleaved harness/benchmark_app pairs: the fewest for a check
QUICK_PAIRS = 2    # quick mode (CI): enough to exercise the machinery, too few to conclude
TOLERANCE = 0.05   # the harness's target: median within +-5 % of benchmark_app's


@dataclass
class Agreement:
    """The harness and benchmark_app, interleaved over several pairs of windows on one model,
    device, hint and precision. Each pair's ratio is harness / benchmark_app."""

    model: str
    hint: str
    precision: str
    exec_precision: str
    window_s: float
    quick: bool
    first: list[str]                  # which tool ran first in each pair (counterbalanced)
    harness_ms: list[float]           # the harness's median per window
    benchmark_app_ms: list[float]     # benchmark_app's median per window
    harness_fps: list[float]
    benchmark_app_fps: list[float]
    overhead_us: list[float]          # harness wall clock - OpenVINO's own timing, per window (sync only)
    tolerance: float = TOLERANCE

    @property
    def pairs(self) -> int:
        return len(self.harness_ms)

    @property
    def median_ratio(self) -> Ratio:
        return Ratio.of([h / b for h, b in zip(self.harness_ms, self.benchmark_app_ms)])

    @property
    def fps_ratio(self) -> Ratio:
        return Ratio.of([h / b for h, b in zip(self.harness_fps, self.benchmark_app_fps)])

    @property
    def same_calls_ratio(self) -> Ratio | None:
        """Per harness window: its median (own clock) over the median of OpenVINO's timing of the
        same calls, which is what benchmark_app reports. The harness method's own bias, measured
        on identical calls, so a busy spell between the two tools' windows cannot move it
        (sync mode only)."""
        ratios = [m / (m - o / 1e3) for m, o in zip(self.harness_ms, self.overhead_us) if m > o / 1e3]
        return Ratio.of(ratios) if ratios else None

    @property
    def overhead(self) -> float | None:
        """The harness's per-call overhead (us), median over its windows; None in async mode."""
        return statistics.median(self.overhead_us) if self.overhead_us else None

    @property
    def noise(self) -> float:
        """This machine's measured noise here: the larger relative spread (max/min - 1) of one
        tool's window medians over the pairs."""
        return max(relative_spread(self.harness_ms), relative_spread(self.benchmark_app_ms))

    def verdict(self, metric: str = "median") -> str:
        """One computed sentence: agreement only where the whole range of pair ratios lies
        within the tolerance; a difference only where every pair is outside it on one side and
        the effect exceeds the pairs' disagreement (on a log scale, the rule of ``ak.compare``);
        otherwise not a finding."""
        r = self.median_ratio if metric == "median" else self.fps_ratio
        what = "medians" if metric == "median" else "throughputs"
        lo, hi = 1 - self.tolerance, 1 + self.tolerance
        band = f"±{self.tolerance:.0%}"
        if r.pairs < 2:
            return f"{what}: {r.text(3)} — one pair is not evidence."
        few = f" (only {r.pairs} pairs: fewer than a check needs)" if r.pairs < PAIRS else ""
        if lo <= r.low and r.high <= hi:
            return f"{what} agree within {band}: ratio {r.text(3)}{few}."
        if (r.low > hi or r.high < lo) and r.beyond_its_spread():
            side = "higher" if r.low > hi else "lower"
            text = f"{what} differ: the harness reads {side} in every pair, ratio {r.text(3)}"
            if metric == "median" and self.overhead is not None and r.low > hi:
                share = self.overhead / 1e3 / statistics.median(self.benchmark_app_ms)
                text += f"; its per-call overhead ({self.overhead:.0f} µs) is {share:.1%} of a call"
            return text + few + "."
        return (f"{what}: ratio {r.text(3)} straddles the {band} band — not a finding either way "
                f"(inside this machine's noise: one tool's windows varied by {self.noise:.0%}){few}.")

    def note(self) -> str:
        """What the settings allow one to conclude (quick mode says it is not a check)."""
        text = f"{self.pairs} interleaved pair(s) of {self.window_s:g} s windows"
        if self.pairs < PAIRS:
            text += (f" (quick mode: fewer pairs and shorter windows than a check needs; run without "
                     f"ACCELKIT_QUICK for {PAIRS} pairs)" if self.quick else f"; a check needs {PAIRS}")
        return text

    def row(self) -> dict:
        """One flat table row."""
        m, f = self.median_ratio, self.fps_ratio
        return {
            "model": self.model, "hint": self.hint, "precision": self.precision,
            "exec_precision": self.exec_precision, "pairs": self.pairs, "window_s": self.window_s,
            "harness_median_ms": statistics.median(self.harness_ms),
            "benchmark_app_median_ms": statistics.median(self.benchmark_app_ms),
            "median_ratio": m.median, "median_ratio_low": m.low, "median_ratio_high": m.high,
            "fps_ratio": f.median, "fps_ratio_low": f.low, "fps_ratio_high": f.high,
            "same_calls_ratio": self.same_calls_ratio.median if self.same_calls_ratio else None,
            "harness_overhead_us": self.overhead, "noise_pct": 100 * self.noise,
        }


def compare_with_benchmark_app(xml: str | Path, *, hint: str = "latency", precision: str | None = None,
                               seconds: float | None = None, pairs: int | None = None) -> Agreement:
    """Measure ``xml`` with the kit's harness (each window in a fresh process) and with
    benchmark_app (its own process), interleaved over ``pairs`` pairs with the order
    counterbalanced (H B, B H, H B, ...), same device, hint and precision.

    ``pairs`` defaults to 5 (2 in quick mode, which says so in ``note()``); ``seconds`` to the
    harness's window, rounded to whole seconds as benchmark_app's ``-t`` takes them."""
    from functools import partial

    from .config import default_seconds, is_quick
    from .harness.measure import measure
    from .runtimes.ov import ov_runner

    if pairs is None:
        pairs = QUICK_PAIRS if is_quick() else PAIRS
    if not isinstance(pairs, int) or pairs < 1:
        raise AccelkitError(f"pairs must be a whole number of at least 1, not {pairs!r}.")
    if hint not in ("latency", "throughput"):
        raise AccelkitError(f"compare_with_benchmark_app takes hint 'latency' or 'throughput', not {hint!r}.")
    window = float(max(1, round(seconds or default_seconds())))
    mode = "async" if hint == "throughput" else "sync"
    builder = partial(ov_runner, xml, hint=hint, precision=precision)
    out = Agreement(model=Path(xml).stem, hint=hint, precision=precision or "default", exec_precision="?",
                    window_s=window, quick=is_quick(), first=[], harness_ms=[], benchmark_app_ms=[],
                    harness_fps=[], benchmark_app_fps=[], overhead_us=[])
    for i in range(pairs):
        order = ("harness", "benchmark_app") if i % 2 == 0 else ("benchmark_app", "harness")
        for tool in order:
            if tool == "harness":
                ours = measure(builder, seconds=window, mode=mode, isolate=True)
            else:
                ref = run_benchmark_app(xml, hint=hint, precision=precision, seconds=window)
        out.first.append(order[0])
        out.exec_precision = ours.exec_precision
        out.harness_ms.append(ours.median_ms)
        out.benchmark_app_ms.append(ref.median_ms)
        out.harness_fps.append(ours.throughput_fps)
        out.benchmark_app_fps.append(ref.throughput_fps)
        if ours.overhead_us is not None:
            out.overhead_us.append(ours.overhead_us)
    return out

