"""Checks for exercises/02-pick-opt-level.ipynb (notebook 02's material)."""
from __future__ import annotations

from ....harness.measure import BenchResult
from ..checking import CheckFailed, call, check, need

EXERCISE = "02-pick-opt-level"

HISTOGRAMS = [  # (before, after, expected change)
    ({"Conv": 20, "Relu": 17, "Add": 8}, {"Conv": 11, "Relu": 8, "Add": 8, "ms:FusedConv": 9},
     {"Conv": -9, "Relu": -9, "ms:FusedConv": 9}),
    ({"Conv": 20, "Add": 8, "Relu": 17, "MaxPool": 1}, {"nchwc:Conv": 20, "nchwc:MaxPool": 1, "nchwc:ReorderOutput": 1},
     {"Conv": -20, "Add": -8, "Relu": -17, "MaxPool": -1, "nchwc:Conv": 20, "nchwc:MaxPool": 1, "nchwc:ReorderOutput": 1}),
    ({"MatMul": 4}, {"MatMul": 4}, {}),
]


@check("fusion_summary reports only the ops whose count changed", points=3)
def fusion_ok(ns):
    fn = need(ns, "fusion_summary", is_callable=True)
    for before, after, want in HISTOGRAMS:
        got = call(fn, dict(before), dict(after))
        if not isinstance(got, dict):
            raise CheckFailed(f"fusion_summary should return a dict, not {type(got).__name__}.")
        if got != want:
            raise CheckFailed(f"for {before} -> {after} you returned {got}; expected {want} "
                              "(after - before, only for ops that changed, missing ops count as 0).")


ROWS = [
    {"opt_level": "disable", "threads": 1, "median_ms": 40.0, "p99_ms": 44.0},
    {"opt_level": "all", "threads": 1, "median_ms": 30.0, "p99_ms": 33.0},
    {"opt_level": "extended", "threads": 1, "median_ms": 29.0, "p99_ms": 38.0},
    {"opt_level": "disable", "threads": 2, "median_ms": 22.0, "p99_ms": 25.0},
    {"opt_level": "all", "threads": 2, "median_ms": 16.0, "p99_ms": 19.0},
]
BUDGETS = [(35.0, ("all", 1)), (39.0, ("extended", 1)), (20.0, ("all", 2)), (10.0, None), (100.0, ("extended", 1))]


@check("pick_config meets the p99 budget with the fewest threads", points=4)
def pick_ok(ns):
    fn = need(ns, "pick_config", is_callable=True)
    for budget, want in BUDGETS:
        got = call(fn, [dict(r) for r in ROWS], budget)
        key = None if got is None else (got.get("opt_level"), got.get("threads")) if isinstance(got, dict) else got
        if key != want:
            hint = "return None when nothing fits" if want is None else \
                "keep rows with p99_ms <= budget, then fewest threads, then lowest median"
            raise CheckFailed(f"for a {budget} ms budget you picked {key}; expected {want} ({hint}).")


@check("my_results measures ResNet-18-like at two levels and two thread counts", points=3)
def results_ok(ns):
    results = need(ns, "my_results", list)
    if not results or not all(isinstance(r, BenchResult) for r in results):
        raise CheckFailed("my_results should be a list of results from ak.measure.")
    if any(r.model != "resnet18_like" or r.runtime != "onnxruntime" for r in results):
        raise CheckFailed("measure resnet18_like's ONNX file with ak.ort_runner.")
    if len({r.opt_level for r in results}) < 2 or len({str(r.threads) for r in results}) < 2:
        raise CheckFailed("use at least two optimization levels and two thread counts.")


CHECKS = [fusion_ok, pick_ok, results_ok]
