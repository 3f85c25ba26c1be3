import math
import os
import pickle

import pytest
from fakes import FakeRunner, StepClock, crashing_builder, fake_builder, pid_builder

from accelkit import AccelkitError
from accelkit.harness.measure import MIN_ITERATIONS, measure, percentile, summarize, sync_window, to_frame


def benchmark_app_percentile(values, percent):
    """benchmark_app's own definition (openvino/tools/benchmark/benchmark.py)."""
    return values[math.ceil(len(values) * percent / 100) - 1]


@pytest.mark.parametrize("n", [1, 2, 7, 10, 99, 100, 1001])
@pytest.mark.parametrize("pct", [50, 90, 99])
def test_percentile_matches_benchmark_app(n, pct):
    values = sorted((i * 37) % 101 + 0.5 for i in range(n))
    assert percentile(values, pct) == benchmark_app_percentile(values, pct)


def test_percentile_of_nothing_fails():
    with pytest.raises(ValueError):
        percentile([], 50)


def test_summarize_known_values():
    stats = summarize([5.0, 1.0, 3.0, 2.0, 4.0] * 20, duration_s=2.0, iterations=100)
    assert stats["median_ms"] == 3.0
    assert stats["p90_ms"] == 5.0 and stats["p99_ms"] == 5.0
    assert stats["mean_ms"] == pytest.approx(3.0)
    assert (stats["min_ms"], stats["max_ms"]) == (1.0, 5.0)
    assert stats["throughput_fps"] == pytest.approx(50.0)


def test_summarize_p90_on_1_to_100():
    stats = summarize([float(i) for i in range(100, 0, -1)], duration_s=1.0, iterations=100, batch=4)
    assert (stats["median_ms"], stats["p90_ms"], stats["p99_ms"]) == (50.0, 90.0, 99.0)
    assert stats["throughput_fps"] == pytest.approx(400.0)


def test_sync_window_with_a_stepping_clock():
    # every clock read advances 1 ms; a call is timed between two reads -> 1 ms each
    runner = FakeRunner()
    wall, own, duration, it = sync_window(runner, seconds=None, iterations=25, clock=StepClock(0.001))
    assert it == 25 == runner.calls
    assert wall == pytest.approx([1.0] * 25)
    assert own == [1.0, 2.0, 3.0, 4.0] * 6 + [1.0]
    assert duration == pytest.approx(0.001 * (2 * 25 + 1))


def test_sync_window_stops_on_seconds():
    wall, _, _, it = sync_window(FakeRunner(), seconds=0.010, iterations=None, clock=StepClock(0.001))
    # each iteration costs two clock reads (2 ms); the loop ends once 10 ms have passed
    assert it == 5 and len(wall) == 5


def test_measure_reports_start_up_apart_and_closes():
    runners = []

    def build():
        runners.append(FakeRunner(reported=(7.0,)))
        return runners[-1]

    result = measure(build, iterations=3)
    runner = runners[0]
    assert runner.closed
    assert result.first_infer_ms == 7.0                       # the runtime's own first latency
    assert result.iterations == MIN_ITERATIONS                 # a floor on the sample count
    assert runner.calls == MIN_ITERATIONS + 1                  # + the first inference, not in the window
    assert len(result.latencies_ms) == MIN_ITERATIONS
    assert result.overhead_us is not None
    assert result.mode == "sync" and result.runtime == "fake" and result.host


def test_measure_without_runtime_latency_has_no_overhead():
    result = measure(lambda: FakeRunner(report=False), iterations=12)
    assert result.overhead_us is None and result.iterations == 12


def test_async_needs_a_runner_that_can():
    with pytest.raises(AccelkitError, match="sync mode only"):
        measure(FakeRunner, iterations=1, mode="async")


def test_unknown_mode():
    with pytest.raises(AccelkitError, match="unknown mode"):
        measure(FakeRunner, mode="turbo")


def test_isolate_rejects_unpicklable_builder():
    with pytest.raises(AccelkitError, match="importable from a module"):
        measure(lambda: FakeRunner(), iterations=1, isolate=True)


def test_isolate_runs_in_another_process():
    result = measure(fake_builder, iterations=20, isolate=True)
    assert result.iterations == 20 and result.runtime == "fake"
    pickle.dumps(result)
    assert measure(pid_builder, iterations=10, isolate=True).model != f"pid-{os.getpid()}"


def test_isolate_reports_a_dead_child():
    with pytest.raises(AccelkitError, match="died"):
        measure(crashing_builder, iterations=10, isolate=True)


def test_isolate_rejects_builders_from_main():
    import functools

    def build():
        return FakeRunner()

    build.__module__ = "__main__"
    with pytest.raises(AccelkitError, match="defined in the\nnotebook|defined in the notebook"):
        measure(functools.partial(build), iterations=1, isolate=True)


class AsyncFake(FakeRunner):
    """A runner with an async window, as OpenVINO's: fixed latencies, 4 in flight."""

    def run_async(self, seconds, iterations):
        return [5.0] * 40, 0.05, 40


def test_async_mode_uses_the_runners_window():
    result = measure(AsyncFake, iterations=1, mode="async")
    assert result.mode == "async" and result.iterations == 40
    assert result.median_ms == 5.0 and result.throughput_fps == pytest.approx(800.0)
    assert result.overhead_us is None


def test_frame_has_one_row_per_result_without_raw_latencies():
    frame = to_frame([measure(FakeRunner, iterations=10), measure(FakeRunner, iterations=11)])
    assert list(frame["iterations"]) == [10, 11]
    assert "latencies_ms" not in frame.columns
    assert {"median_ms", "p90_ms", "p99_ms", "throughput_fps", "compile_ms", "first_infer_ms",
            "threads", "streams", "hint", "exec_precision", "opt_level"} <= set(frame.columns)


def test_measure_in_subprocess_called_directly_uses_the_harness_defaults():
    """``measure(isolate=True)`` passes every setting; a direct call gets the same defaults."""
    from functools import partial

    from accelkit.harness.measure import measure_in_subprocess
    from accelkit.models.files import onnx_path
    from accelkit.runtimes.ort import ort_runner

    result = measure_in_subprocess(partial(ort_runner, onnx_path("digits_cnn")), iterations=12)
    assert result.mode == "sync" and result.iterations >= 12 and result.label
