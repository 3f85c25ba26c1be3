"""The one measuring harness, mirroring OpenVINO's benchmark_app (taught in notebook 00).

Method, step by step as benchmark_app does it:
1. build the runner (read + compile / create the session) and report that time on its own;
2. run one inference and report it as "first inference" (it pays for lazy allocations);
3. run a timed window (seconds and/or iterations): sync mode calls ``infer`` back to back,
   async mode keeps the device's optimal number of requests in flight (OpenVINO only);
4. report median, p90, p99 (nearest-rank, as the Python benchmark_app), mean, min, max and throughput
   (iterations / window), with every setting the runner used.

Sync latencies are the harness's own wall clock around each call, the same clock for every
runtime. Where the runtime also times the call itself (OpenVINO's ``InferRequest.latency``) the
difference is reported as the harness's per-call overhead. Compared runs must not disturb each
other: every runner is closed after its window, and ``isolate=True`` runs the whole measurement
in a fresh process so no thread pool of another runtime is alive beside it.
"""
from __future__ import annotations

import gc
import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from ..config import default_seconds
from ..errors import AccelkitError
from ..runtimes.runner import Runner, RunnerSettings, runs_async

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["MIN_ITERATIONS", "BenchResult", "percentile", "summarize", "sync_window", "measure", "log_result",
           "measure_in_subprocess", "to_frame"]

MIN_ITERATIONS = 10  # even the quick window takes at least this many samples


@dataclass
class BenchResult:
    """One measured configuration: settings, start-up costs, window statistics."""

    model: str
    runtime: str
    device: str
    mode: str
    hint: str | None
    precision: str
    exec_precision: str
    threads: Any
    streams: Any
    nireq: Any
    opt_level: str | None
    compile_ms: float
    first_infer_ms: float
    iterations: int
    duration_s: float
    median_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    min_ms: float
    max_ms: float
    throughput_fps: float
    overhead_us: float | None = None
    label: str = ""
    host: str = ""
    latencies_ms: list[float] = field(default_factory=list, repr=False)

    def row(self) -> dict[str, Any]:
        """The result as a flat dict without the raw latencies (one table row)."""
        out = asdict(self)
        out.pop("latencies_ms")
        return out


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile, exactly as benchmark_app computes it."""
    if not sorted_values:
        raise ValueError("no samples")
    return sorted_values[max(0, math.ceil(len(sorted_values) * pct / 100) - 1)]


def summarize(latencies_ms: list[float], duration_s: float, iterations: int, batch: int = 1) -> dict[str, float]:
    """Window statistics from raw per-call latencies (ms) and the window's length (s)."""
    values = sorted(latencies_ms)
    return {
        "median_ms": percentile(values, 50), "p90_ms": percentile(values, 90),
        "p99_ms": percentile(values, 99), "mean_ms": sum(values) / len(values),
        "min_ms": values[0], "max_ms": values[-1],
        "throughput_fps": batch * iterations / max(duration_s, 1e-9),
    }


def sync_window(runner: Runner, seconds: float | None, iterations: int | None,
                clock: Callable[[], float] = time.perf_counter) -> tuple[list[float], list[float], float, int]:
    """benchmark_app's sync loop. Returns (wall_ms, runtime_ms, duration_s, iterations)."""
    wall, own, it, elapsed = [], [], 0, 0.0
    start = clock()
    while (iterations and it < iterations) or (seconds and elapsed < seconds):
        t0 = clock()
        reported = runner.infer()
        t1 = clock()
        wall.append((t1 - t0) * 1e3)
        if reported is not None:
            own.append(reported)
        it += 1
        elapsed = t1 - start
    return wall, own, clock() - start, it


def measure(builder: Callable[[], Runner], *, seconds: float | None = None, iterations: int | None = None,
            mode: str = "sync", label: str = "", isolate: bool = False) -> BenchResult:
    """Build a runner with ``builder`` (e.g. ``partial(ort_runner, path)``), measure, close it.

    ``seconds`` defaults to the quick/learner window (see ``config``); at least
    ``MIN_ITERATIONS`` are always taken. ``isolate=True`` measures in a fresh process.
    """
    if mode not in ("sync", "async"):
        raise AccelkitError(f"unknown mode {mode!r}; use 'sync' (latency) or 'async' (throughput).")
    if seconds is None and iterations is None:
        seconds = default_seconds()
    if isolate:
        return log_result(measure_in_subprocess(builder, seconds=seconds, iterations=iterations, mode=mode,
                                                label=label))
    t0 = time.perf_counter()
    runner = builder()
    compile_ms = (time.perf_counter() - t0) * 1e3
    try:
        return log_result(_measure_built(runner, compile_ms, seconds, iterations, mode, label))
    finally:
        runner.close()
        del runner
        gc.collect()


def log_result(result: BenchResult) -> BenchResult:
    """Append the result as a JSON line to ``$ACCELKIT_RESULTS_LOG`` when set (``make run``
    collects every measurement of every notebook this way)."""
    path = os.environ.get("ACCELKIT_RESULTS_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(json.dumps(result.row(), default=str) + "\n")
    return result


def _measure_built(runner: Runner, compile_ms: float, seconds: float | None, iterations: int | None,
                   mode: str, label: str) -> BenchResult:
    from ..core.host import host_line
    from ..core.progress_bars import window

    t0 = time.perf_counter()
    reported = runner.infer()
    first_ms = reported if reported is not None else (time.perf_counter() - t0) * 1e3
    iterations = max(iterations or 0, MIN_ITERATIONS)
    overhead_us = None
    if mode == "async":
        if not runs_async(runner):
            raise AccelkitError(f"{runner.settings['runtime']} runners measure in sync mode only here; use mode='sync'.")
        with window(seconds, label or _default_label(runner.settings, mode)):
            latencies, duration, count = runner.run_async(seconds, iterations)
    else:
        with window(seconds, label or _default_label(runner.settings, mode)):
            wall, own, duration, count = sync_window(runner, seconds, iterations)
        latencies = wall
        if own:
            overhead_us = (percentile(sorted(wall), 50) - percentile(sorted(own), 50)) * 1e3
    stats = summarize(latencies, duration, count)
    s = runner.settings
    return BenchResult(
        model=s["model"], runtime=s["runtime"], device=s["device"], mode=mode, hint=s.get("hint"),
        precision=s.get("precision", "?"), exec_precision=s.get("exec_precision", "?"),
        threads=s.get("threads"), streams=s.get("streams"), nireq=s.get("nireq") if mode == "async" else 1,
        opt_level=s.get("opt_level"), compile_ms=compile_ms, first_infer_ms=first_ms, iterations=count,
        duration_s=duration, overhead_us=overhead_us, label=label or _default_label(s, mode), host=host_line(),
        latencies_ms=sorted(latencies), **stats,
    )


def _default_label(settings: RunnerSettings, mode: str) -> str:
    parts = [settings["runtime"], settings["device"]]
    parts += [p for p in (settings.get("opt_level"), settings.get("hint"), settings.get("exec_precision"))
              if p and p != "as stored"]
    return " ".join(str(p) for p in parts) + (" async" if mode == "async" else "")


def _child(builder, seconds, iterations, mode, label):  # runs in the fresh process
    os.environ.pop("ACCELKIT_RESULTS_LOG", None)  # the parent logs the result once
    return measure(builder, seconds=seconds, iterations=iterations, mode=mode, label=label)


def measure_in_subprocess(builder: Callable[[], Runner], **kwargs: Any) -> BenchResult:
    """Run ``measure`` in a fresh (spawned) process. The builder must be importable there: a
    function from a module (a ``.py`` file), or a ``functools.partial`` of one - not a lambda
    and not a function defined in the notebook itself."""
    import multiprocessing as mp
    import pickle
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    func = getattr(builder, "func", builder)
    try:
        pickle.dumps(builder)
        if getattr(func, "__module__", None) == "__main__":
            raise TypeError
    except Exception:
        raise AccelkitError("isolate=True needs a builder importable from a module, such as "
                            "functools.partial(ak.ort_runner, path); a lambda or a function defined in the "
                            "notebook cannot be sent to another process.") from None
    args = (builder, kwargs.get("seconds"), kwargs.get("iterations"), kwargs.get("mode", "sync"), kwargs.get("label", ""))
    with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as pool:
        try:
            return pool.submit(_child, *args).result()
        except AccelkitError as exc:  # the same sentence, without the child's traceback chained to it
            raise AccelkitError(str(exc)) from None
        except BrokenProcessPool:
            raise AccelkitError("the isolated measuring process died (crash or out of memory) before it "
                                "could report; run it with isolate=False to see the error.") from None


def to_frame(results: list[BenchResult]) -> pd.DataFrame:
    """A pandas DataFrame with one row per result (the columns of ``BenchResult.row``)."""
    import pandas as pd

    return pd.DataFrame([r.row() for r in results])
