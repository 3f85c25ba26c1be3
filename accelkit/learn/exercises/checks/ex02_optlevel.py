"""Checks for exercises/02-pick-opt-level.ipynb (notebook 02's material).

Hidden data differ from the notebook's: histograms with an op counted 0 on one side, table rows out of order with a
budget equal to a row's p99 (so `<` loses), deployments the notebook does not show, and a session-creation
comparison whose ratios are recomputed from the learner's own windows (no timing is judged, only how it was got).
"""
from __future__ import annotations

import math
import statistics
from typing import Any

from ....harness.interleave import Comparison
from ....harness.measure import BenchResult
from ..checking import CheckFailed, call, check, need

EXERCISE = "02-pick-opt-level"

HISTOGRAMS = [  # (before, after, expected change)
    ({"Conv": 20, "Relu": 17, "Add": 8}, {"Conv": 11, "Relu": 8, "Add": 8, "ms:FusedConv": 9},
     {"Conv": -9, "Relu": -9, "ms:FusedConv": 9}),
    ({"Conv": 20, "Add": 8, "Relu": 17, "MaxPool": 1}, {"nchwc:Conv": 20, "nchwc:MaxPool": 1, "nchwc:ReorderOutput": 1},
     {"Conv": -20, "Add": -8, "Relu": -17, "MaxPool": -1, "nchwc:Conv": 20, "nchwc:MaxPool": 1, "nchwc:ReorderOutput": 1}),
    ({"MatMul": 4}, {"MatMul": 4}, {}),
    ({"Gemm": 2, "Dropout": 0}, {"Gemm": 2, "Identity": 0}, {}),        # a count of 0 is the same as a missing op
    ({"Add": 3, "LayerNormalization": 2}, {"ms:SkipLayerNormalization": 2, "Add": 1, "LayerNormalization": 0},
     {"Add": -2, "LayerNormalization": -2, "ms:SkipLayerNormalization": 2}),
]


@check("fusion_summary reports only the ops whose count changed", points=2)
def fusion_ok(ns):
    fn = need(ns, "fusion_summary", is_callable=True)
    for before, after, want in HISTOGRAMS:
        got = call(fn, dict(before), dict(after))
        if not isinstance(got, dict):
            raise CheckFailed(f"fusion_summary should return a dict, not {type(got).__name__}.")
        if got != want:
            raise CheckFailed(fusion_problem(before, after, got, want))


def fusion_problem(before: dict, after: dict, got: dict, want: dict) -> str:
    """One sentence on what is wrong, the most telling part first, short enough to show whole."""
    extra = sorted(set(got) - set(want), key=str)
    missing = sorted(set(want) - set(got))
    off = sorted(op for op in set(got) & set(want) if got[op] != want[op])
    if off and all(got[op] == -want[op] for op in off):
        problem = f"{', '.join(off)} came out with the wrong sign: the change is after - before"
    elif off:
        problem = "; ".join(f"{op} changed by {want[op]}, not {got[op]!r}" for op in off[:3]) + " (after - before)"
    elif missing:
        problem = (f"you left out {', '.join(missing)}: every op that changed counts, and an op missing from one side "
                   "counts as 0 there")
    else:
        problem = (f"you also reported {', '.join(map(str, extra))}, whose count did not change: keep only the ops that "
                   "changed (a count of 0 and a missing op are the same)")
    case = f" (before {before}, after {after})"
    return problem + (case if len(problem) + len(case) < 290 else "") + "."


ROWS = [  # out of order on purpose: the first row that fits is not the answer
    {"opt_level": "all", "threads": 2, "median_ms": 16.0, "p99_ms": 19.0},
    {"opt_level": "disable", "threads": 1, "median_ms": 40.0, "p99_ms": 44.0},
    {"opt_level": "all", "threads": 1, "median_ms": 30.0, "p99_ms": 33.0},
    {"opt_level": "extended", "threads": 1, "median_ms": 29.0, "p99_ms": 38.0},
    {"opt_level": "disable", "threads": 2, "median_ms": 22.0, "p99_ms": 25.0},
    {"opt_level": "all", "threads": 4, "median_ms": 12.0, "p99_ms": 14.0},
]
BUDGETS = [  # (rows, budget, expected (opt_level, threads) or None)
    (ROWS, 35.0, ("all", 1)),
    (ROWS, 33.0, ("all", 1)),          # equal to that row's p99: it meets the budget
    (ROWS, 39.0, ("extended", 1)),     # two rows with one thread fit: the lower median wins, not the lower p99
    (ROWS, 38.0, ("extended", 1)),     # equal again
    (ROWS, 20.0, ("all", 2)),
    (ROWS, 19.0, ("all", 2)),          # equal: `<` would move on to 4 threads
    (ROWS, 14.0, ("all", 4)),          # equal: `<` would find nothing
    (ROWS, 13.9, None),
    (ROWS, 100.0, ("extended", 1)),
    ([], 50.0, None),                  # an empty table
]


def picked(got: Any) -> Any:
    if got is None:
        return None
    if isinstance(got, dict):
        return (got.get("opt_level"), got.get("threads"))
    return got


@check("pick_config meets the p99 budget with the fewest threads, boundaries included", points=3)
def pick_ok(ns):
    fn = need(ns, "pick_config", is_callable=True)
    for rows, budget, want in BUDGETS:
        got = picked(call(fn, [dict(r) for r in rows], budget))
        if got == want:
            continue
        if not rows:
            hint = "an empty table has no row that meets any budget: return None"
        elif want is None:
            hint = "no row's p99 is within the budget: return None"
        elif any(r["p99_ms"] == budget for r in rows if (r["opt_level"], r["threads"]) == want):
            hint = "that row's p99 equals the budget, and a p99 equal to the budget meets it: <=, not <"
        elif isinstance(got, tuple) and len(got) == 2 and got[1] == want[1] and \
                any((r["opt_level"], r["threads"]) == got and r["p99_ms"] <= budget for r in rows):
            hint = f"both fit with {want[1]} thread(s): take the lower median_ms, whatever their p99"
        else:
            hint = "keep the rows with p99_ms <= budget, then take the fewest threads, then the lowest median"
        raise CheckFailed(f"for a {budget} ms budget you picked {got}; expected {want} ({hint}).")


@check("my_results measures ResNet-18-like at two levels and two thread counts", points=2)
def results_ok(ns):
    results = need(ns, "my_results", list)
    if not results or not all(isinstance(r, BenchResult) for r in results):
        raise CheckFailed("my_results should be a list of results from ak.measure.")
    if any(r.model != "resnet18_like" or r.runtime != "onnxruntime" for r in results):
        raise CheckFailed("measure resnet18_like's ONNX file with ak.ort_runner.")
    if len({r.opt_level for r in results}) < 2 or len({str(r.threads) for r in results}) < 2:
        raise CheckFailed("use at least two optimization levels and two thread counts.")


CPU_EP = "CPUExecutionProvider"
WHY_ALL = ("ORT's CPU EP on the build machine's kind of CPU everywhere: nothing rules out NCHWc, and ALL leaves "
           "sessions the least to do")
WHY_EXTENDED = ("NCHWc (LAYOUT, ALL) is tied to the build machine's vector width and is x86-only; EXTENDED's contrib "
                "ops run on any CPU")
WHY_RUNTIME = ("only ONNX Runtime has to implement the contrib ops (com.microsoft) that EXTENDED adds; other runtimes "
               "are promised standard ONNX only")
WHY_EP = ("EXTENDED and LAYOUT rewrote the nodes the CPU EP owned when saving, and ORT wants the exact same EPs at "
          "load; BASIC runs before partitioning")
DEPLOYMENTS = [  # (description, the levels accepted, why)
    ({"runtimes": ["onnxruntime"], "eps": [CPU_EP], "same_cpu": True}, {"all", "layout"}, WHY_ALL),
    ({"runtimes": ["onnxruntime"], "eps": [CPU_EP], "same_cpu": False}, {"extended"}, WHY_EXTENDED),
    ({"runtimes": ["onnxruntime", "tensorrt"], "eps": [CPU_EP], "same_cpu": True}, {"basic"}, WHY_RUNTIME),
    ({"runtimes": ["openvino"], "eps": [], "same_cpu": False}, {"basic"}, WHY_RUNTIME),
    ({"runtimes": ["onnxruntime"], "eps": ["OpenVINOExecutionProvider", CPU_EP], "same_cpu": True}, {"basic"}, WHY_EP),
    ({"runtimes": ["onnxruntime"], "eps": ["CUDAExecutionProvider", CPU_EP], "same_cpu": False}, {"basic"}, WHY_EP),
    ({"runtimes": ["onnxruntime", "openvino"], "eps": [CPU_EP], "same_cpu": False}, {"basic"}, WHY_RUNTIME),
]
LEVEL_NAMES = ("disable", "basic", "extended", "layout", "all")


def level_name(value: Any) -> str | None:
    """'all', 'ORT_ENABLE_ALL' or ort.GraphOptimizationLevel.ORT_ENABLE_ALL -> 'all'; None if it is no level."""
    if not isinstance(value, str) and not hasattr(value, "name"):
        return None
    text = str(getattr(value, "name", value)).strip().lower().rsplit(".", 1)[-1]
    text = "disable" if text == "ort_disable_all" else text.removeprefix("ort_enable_")
    return text if text in LEVEL_NAMES else None


def compact(description: dict) -> str:
    """e.g. 'onnxruntime with OpenVINO+CPU EPs, same CPU'."""
    eps = "+".join(ep.removesuffix("ExecutionProvider") for ep in description["eps"])
    eps = f" with the {eps} EP{'s' * (len(description['eps']) > 1)}" if eps else ""
    return (f"{'+'.join(description['runtimes'])}{eps}, "
            f"{'same CPU' if description['same_cpu'] else 'mixed CPUs'}")


@check("level_to_save picks the highest level whose saved file holds on every target", points=4)
def level_ok(ns):
    fn = need(ns, "level_to_save", is_callable=True)
    wrong = []
    for description, accepted, why in DEPLOYMENTS:
        got = call(fn, {k: (list(v) if isinstance(v, list) else v) for k, v in description.items()})
        name = level_name(got)
        if name is None:
            raise CheckFailed(f"level_to_save should return a level name such as 'basic' or 'all', not {got!r}.")
        if name not in accepted:
            wrong.append(f"for {compact(description)} you said {name!r}, expected {sorted(accepted)[0]!r}: {why}")
    if wrong:
        more = f" ({len(wrong)} of {len(DEPLOYMENTS)} deployments wrong)" if len(wrong) > 1 else ""
        raise CheckFailed(wrong[0] + more + ".")


CREATION_LABELS = {"disable": ("disable", True), "extended": ("extended", True), "all": ("all", True),
                   "saved all, loaded disabled": ("disable", False)}   # label -> (opt_level, from the original file)
RATIOS = {"all_over_disable": ("all", "disable"), "offline_over_online": ("saved all, loaded disabled", "all")}


def number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        return None
    return float(value)


@check("session creation: a prediction, then ratios computed from your own interleaved windows", points=2)
def creation_ok(ns):
    predicted = need(ns, "PREDICTED_CREATION", dict)
    for key in RATIOS:
        if number(predicted.get(key)) is None:
            raise CheckFailed(f"PREDICTED_CREATION[{key!r}] should be your guess, a positive number, before you measure "
                              f"(it is {predicted.get(key)!r}).")
    creation = need(ns, "creation")
    results = getattr(creation, "results", None)
    if not isinstance(results, dict):
        raise CheckFailed(f"creation should be what ak.compare returns, not a {type(creation).__name__}.")
    for label, (level, original) in CREATION_LABELS.items():
        windows = results.get(label)
        if not isinstance(windows, list) or len(windows) < 2 or not all(isinstance(w, BenchResult) for w in windows):
            raise CheckFailed(f"creation has no repeated windows labelled {label!r}: measure it in the ak.compare call "
                              "(at least 2 pairs).")
        if any(w.runtime != "onnxruntime" or w.opt_level != level for w in windows):
            raise CheckFailed(f"the windows labelled {label!r} should be ONNX Runtime sessions at opt_level={level!r}.")
        if original and any(w.model != "resnet18_like" for w in windows):
            raise CheckFailed(f"the windows labelled {label!r} should load resnet18_like's original ONNX file.")
        if not original and any(w.model == "resnet18_like" or not w.model.startswith("resnet18_like") for w in windows):
            raise CheckFailed(f"the windows labelled {label!r} should load the file ORT saved at ALL "
                              "(optimized_model(resnet, 'all')), not the original one.")
    measured = need(ns, "MEASURED_CREATION", dict)
    mine = Comparison({label: list(windows) for label, windows in results.items()})
    for key, (a, b) in RATIOS.items():
        want = mine.ratio(a, b, metric="compile_ms").median
        # the ratio of the two median creation times is accepted too: what matters is that it comes from these windows
        also = statistics.median(mine.values(a, "compile_ms")) / statistics.median(mine.values(b, "compile_ms"))
        got = number(measured.get(key))
        if got is None or not any(math.isclose(got, x, rel_tol=1e-6) for x in (want, also)):
            raise CheckFailed(f"MEASURED_CREATION[{key!r}] is {measured.get(key)!r}, but your windows give {want:.3g}: "
                              f"creation.ratio({a!r}, {b!r}, metric='compile_ms').median.")


CHECKS = [fusion_ok, pick_ok, results_ok, level_ok, creation_ok]
