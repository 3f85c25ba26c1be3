import sys
from functools import partial
from pathlib import Path
from types import SimpleNamespace

import pytest

from accelkit import AccelkitError, benchapp
from accelkit.benchapp import Agreement, compare_with_benchmark_app, parse_output
from accelkit.harness.interleave import Ratio

SUB_MS = """[ INFO ] Compile model took 28.41 ms
[ INFO ] First inference took 2.11 ms
[ INFO ] Count:            8275 iterations
[ INFO ] Duration:         3000.21 ms
[ INFO ] Latency:
[ INFO ]    Median:        336.63 us
[ INFO ]    Average:       347.19 us
[ INFO ]    Min:           329.43 us
[ INFO ]    Max:           1959.87 us
[ INFO ] Throughput:   2758.14 FPS
"""


def test_parse_microseconds():
    r = parse_output(SUB_MS)
    assert r.median_ms == pytest.approx(0.33663) and r.max_ms == pytest.approx(1.95987)
    assert r.iterations == 8275 and r.throughput_fps == 2758.14
    assert r.compile_ms == 28.41 and r.first_infer_ms == 2.11


def test_parse_milliseconds():
    r = parse_output(SUB_MS.replace("336.63 us", "20.43 ms"))
    assert r.median_ms == 20.43


def test_unreadable_output_names_the_line():
    with pytest.raises(AccelkitError, match="Median"):
        parse_output(SUB_MS.replace("Median", "Middle"))


# ------------------------------------------------------------- interleaved pairs (no timing asserted)
ROOT = Path(__file__).resolve().parent.parent


def agreement(harness_ms, bapp_ms, overhead_us=(15.0,)):
    return Agreement(model="m", hint="latency", precision="default", exec_precision="f32", window_s=1.0, quick=False,
                     first=[], harness_ms=list(harness_ms), benchmark_app_ms=list(bapp_ms),
                     harness_fps=[1000 / h for h in harness_ms], benchmark_app_fps=[1000 / b for b in bapp_ms],
                     overhead_us=list(overhead_us))


def test_spread_is_median_and_range():
    s = Ratio.of([1.2, 0.9, 1.0, 1.1])
    assert (s.median, s.low, s.high, s.pairs) == (pytest.approx(1.05), 0.9, 1.2, 4)
    assert Ratio.of([1.0, 1.02, 0.99]).text(3) == "1.000x (0.990–1.020, 3 pairs)"


def test_agreement_only_where_the_whole_range_is_inside_the_band():
    agree = agreement([10.1, 10.2, 9.9, 10.0, 10.3], [10.0] * 5)
    assert agree.verdict().startswith("medians agree within ±5%")
    assert agree.verdict("fps").startswith("throughputs agree within ±5%")
    wide = agreement([7.2, 11.0, 15.5, 10.2, 5.7], [10.0] * 5)       # the 0.72 1.10 1.55 1.02 0.57
    assert "not a finding" in wide.verdict() and "agree" not in wide.verdict()
    assert wide.noise == pytest.approx(15.5 / 5.7 - 1)
    slow = agreement([0.40, 0.41, 0.39, 0.42, 0.40], [0.34] * 5, overhead_us=[50.0] * 5)
    assert "differ" in slow.verdict() and "higher in every pair" in slow.verdict() and "50 µs" in slow.verdict()
    assert slow.same_calls_ratio.median == pytest.approx(0.40 / 0.35)
    noisy = agreement([1.1, 3.0, 1.2, 1.15, 1.3], [1.0] * 5)   # every pair > 1.05, but they disagree more than that
    assert "not a finding" in noisy.verdict()
    assert "one pair is not evidence" in agreement([10.0], [10.0]).verdict()


def test_row_carries_ratios_ranges_overhead_and_noise():
    row = agreement([10.1, 9.8, 10.4], [10.0, 10.0, 10.0], overhead_us=[12.0, 20.0, 14.0]).row()
    assert row["pairs"] == 3 and row["median_ratio"] == pytest.approx(1.01)
    assert (row["median_ratio_low"], row["median_ratio_high"]) == (pytest.approx(0.98), pytest.approx(1.04))
    assert row["harness_overhead_us"] == 14.0 and row["fps_ratio_high"] == pytest.approx(1 / 0.98)
    assert row["noise_pct"] == pytest.approx(100 * (10.4 / 9.8 - 1))


@pytest.fixture
def fake_tools(monkeypatch):
    """Replace both tools by fakes that record the order they ran in."""
    calls = []

    def fake_measure(builder, *, seconds, mode, isolate):
        calls.append(("harness", seconds, mode, isolate))
        return SimpleNamespace(median_ms=2.0, throughput_fps=500.0, overhead_us=None if mode == "async" else 10.0,
                               exec_precision="f32")

    def fake_app(xml, *, hint, precision, seconds):
        calls.append(("benchmark_app", seconds, hint, precision))
        return SimpleNamespace(median_ms=2.0, throughput_fps=500.0)

    import accelkit.harness.measure

    monkeypatch.setattr(accelkit.harness.measure, "measure", fake_measure)
    monkeypatch.setattr(benchapp, "run_benchmark_app", fake_app)
    return calls


def test_pairs_are_interleaved_and_counterbalanced(fake_tools, monkeypatch):
    monkeypatch.delenv("ACCELKIT_QUICK", raising=False)
    a = compare_with_benchmark_app("model.xml", seconds=2.4)
    tools = [c[0] for c in fake_tools]
    assert tools == ["harness", "benchmark_app", "benchmark_app", "harness"] * 2 + ["harness", "benchmark_app"]
    assert a.pairs == 5 and a.first == ["harness", "benchmark_app"] * 2 + ["harness"]
    assert {c[1] for c in fake_tools} == {2.0}          # one window length for both, whole seconds (-t)
    assert a.note() == "5 interleaved pair(s) of 2 s windows" and "agree" in a.verdict()
    assert a.same_calls_ratio.median == pytest.approx(2.0 / 1.99) and a.row()["same_calls_ratio"] > 1


def test_quick_mode_uses_fewer_pairs_and_says_so(fake_tools, monkeypatch):
    monkeypatch.setenv("ACCELKIT_QUICK", "1")
    a = compare_with_benchmark_app("model.xml", hint="throughput")
    assert a.pairs == benchapp.QUICK_PAIRS < benchapp.PAIRS and a.overhead is None
    assert "quick mode" in a.note() and f"{benchapp.PAIRS} pairs" in a.note()
    assert fake_tools[0][2] == "async"


@pytest.mark.parametrize("kwargs, match", [({"pairs": 0}, "pairs"), ({"pairs": 2.5}, "pairs"),
                                           ({"hint": "none"}, "hint")])
def test_bad_arguments_get_one_sentence(fake_tools, kwargs, match):
    with pytest.raises(AccelkitError, match=match):
        compare_with_benchmark_app("model.xml", **kwargs)
    assert fake_tools == []


# ------------------------------------------------------------- the held-out model (machinery, not timing)
def test_heldout_model_builds_exports_and_runs_in_both_tools():
    """The MobileNetV2-style model the harness was not tuned on: depthwise convs and ReLU6 in the
    graph, it exports to ONNX and IR, runs in the harness on both runtimes and in benchmark_app."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from heldout import heldout_paths
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    import accelkit as ak
    from accelkit.benchapp import run_benchmark_app

    onnx, xml = heldout_paths()
    ops = ak.op_histogram(onnx)
    assert ops["Conv"] >= 50 and ops["Clip"] >= 30, ops       # ReLU6 exports as Clip(0, 6)
    import onnx as onnx_lib

    graph = onnx_lib.load(str(onnx), load_external_data=False).graph
    groups = [a.i for n in graph.node if n.op_type == "Conv" for a in n.attribute if a.name == "group"]
    assert sum(g > 1 for g in groups) == 17                    # one depthwise 3x3 per inverted residual block
    for builder in (partial(ak.ort_runner, onnx), partial(ak.ov_runner, xml)):
        result = ak.measure(builder, iterations=10, seconds=0.1)
        assert result.iterations >= 10 and result.median_ms > 0
    ref = run_benchmark_app(xml, seconds=1)
    assert ref.iterations > 0 and ref.median_ms > 0
