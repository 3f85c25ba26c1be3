"""Exercise 00-measure-like-benchmark-app: the hidden checks reward a right answer and every plausible wrong one
loses points, with a message that says what is wrong (no timing is measured: the harness result is built by hand).

The whole-notebook grading of the solution and of the untouched exercise is test_grade's parametrized test.
"""
import math
import statistics
from types import SimpleNamespace

import numpy as np
import pytest
from graded import graded

from accelkit.harness.measure import BenchResult
from accelkit.learn.exercises.build import build_exercise, repo_dir
from accelkit.learn.exercises.checks import ex00_measure

EXERCISE = "00-measure-like-benchmark-app"
FULL = 10


# ---------------------------------------------------------------- a right submission, written apart from the notebook

def nearest_rank(values, pct):
    ordered = sorted(values)
    return ordered[max(1, math.ceil(len(ordered) * pct / 100)) - 1]


def summarize_window(latencies_ms, duration_s):
    return {"median_ms": nearest_rank(latencies_ms, 50), "p90_ms": nearest_rank(latencies_ms, 90),
            "p99_ms": nearest_rank(latencies_ms, 99), "throughput_fps": len(latencies_ms) / duration_s}


def has_int8_dot_product(flags):
    return any(f in flags for f in ("avx512_vnni", "avx_vnni", "amx_int8", "amx_tile"))


def ov_runs_bf16_by_default(flags):
    return "avx512_bf16" in flags or "amx_bf16" in flags


def hiccups_to_move(n, pct):        # by trying, with the learner's own percentile, as the notebook allows
    k = 1
    while nearest_rank([1.0] * (n - k) + [10.0] * k, pct) != 10.0:
        k += 1
    return k


NAMES = {"nearest_rank", "summarize_window", "has_int8_dot_product", "ov_runs_bf16_by_default", "hiccups_to_move"}
R = SimpleNamespace(**{name: globals()[name] for name in NAMES})   # the right functions, for wrong ones to reuse


def bench(model="digits_cnn", runtime="onnxruntime", iterations=400) -> BenchResult:
    return BenchResult(model=model, runtime=runtime, device="CPU", mode="latency", hint=None, precision="f32",
                       exec_precision="f32", threads=2, streams=1, nireq=1, opt_level="all", compile_ms=12.0,
                       first_infer_ms=3.0, iterations=iterations, duration_s=1.0, median_ms=0.6, p90_ms=0.7,
                       p99_ms=1.1, mean_ms=0.62, min_ms=0.5, max_ms=3.0, throughput_fps=400.0)


def right_answers() -> dict:
    ns = {name: globals()[name] for name in NAMES}
    ns["digits_result"] = bench()
    ns["P99_IS_MAX_UP_TO"] = {"python": max(n for n in range(1, 500) if nearest_rank(list(range(n)), 99) == n - 1),
                              "cpp": max(n for n in range(1, 500) if int(n / 100.0 * 99) == n - 1)}
    return ns


_graded = graded(EXERCISE)
results, lost, named = _graded.results, _graded.lost, _graded.named


NEAREST, SUMMARY, INT8, BF16 = (named("nearest_rank"), named("summarize_window"), named("has_int8"),
                                named("ov_runs_bf16"))
DIGITS, HICCUPS, P99MAX = named("digits_result"), named("hiccups_to_move"), named("P99_IS_MAX_UP_TO")


def test_right_answers_score_full_marks():
    got = results(right_answers())
    assert {n: r.message for n, r in got.items() if r.earned < r.points} == {}
    assert sum(r.points for r in got.values()) == FULL == sum(r.earned for r in got.values())


def test_the_references_are_what_the_two_benchmark_apps_compute():
    """The check's hiccup answers agree with the closed form, and the C++ index is benchmark_app's."""
    for n in range(1, 1200, 7):
        for pct in (50, 90, 99):
            assert ex00_measure.want_hiccups(n, pct) == n - math.ceil(n * pct / 100) + 1
    assert ex00_measure.cpp_index(100, 99) == 99 and ex00_measure.cpp_index(101, 99) == 99
    assert ex00_measure.WANT_MAX_UP_TO == right_answers()["P99_IS_MAX_UP_TO"] == {"python": 99, "cpp": 100}


def test_untouched_exercise_scores_zero_with_a_sentence_per_check():
    exercise = build_exercise(repo_dir() / "solutions" / f"{EXERCISE}.ipynb")
    ns: dict = {}
    for source in (c.source for c in exercise.cells if c.cell_type == "code"):
        if "ak.measure" in source or "check_exercise" in source:
            continue                     # the measurement cell (a placeholder here) and the grading cell
        try:
            exec(source, ns)
        except (NotImplementedError, NameError):   # a placeholder, or a later line needing what it did not define
            pass
    got = results(ns)
    assert sum(r.earned for r in got.values()) == 0
    for r in got.values():
        assert r.message.startswith("`") and ("not written yet" in r.message or "is not defined" in r.message), r
        assert "\n" not in r.message and len(r.message) > 20


# ---------------------------------------------------------------- plausible wrong solutions: each loses points

def summary_with(**changes):
    def summarize(latencies_ms, duration_s):
        out = R.summarize_window(latencies_ms, duration_s)
        for key, fn in changes.items():
            if fn is None:
                out.pop(key)
            else:
                out[key] = fn(latencies_ms, duration_s)
        return out
    return summarize


WRONG = [  # (what, replaced names, checks that must lose points)
    ("np.percentile (linear interpolation)", {"nearest_rank": lambda v, p: float(np.percentile(v, p))}, {NEAREST}),
    ("the C++ benchmark_app's floor index", {"nearest_rank": lambda v, p: sorted(v)[min(int(len(v) / 100.0 * p),
                                                                                        len(v) - 1)]}, {NEAREST}),
    ("1-based rank used as a 0-based index", {"nearest_rank": lambda v, p: sorted(v)[min(math.ceil(len(v) * p / 100),
                                                                                         len(v) - 1)]}, {NEAREST}),
    ("round instead of ceil", {"nearest_rank": lambda v, p: sorted(v)[max(1, round(len(v) * p / 100)) - 1]}, {NEAREST}),
    ("not sorted first", {"nearest_rank": lambda v, p: v[max(1, math.ceil(len(v) * p / 100)) - 1]}, {NEAREST}),
    ("statistics.median for the median", {"summarize_window": summary_with(median_ms=lambda v, s: statistics.median(v))},
     {SUMMARY}),
    ("throughput = 1000 / median", {"summarize_window": summary_with(
        throughput_fps=lambda v, s: 1000 / R.nearest_rank(v, 50))}, {SUMMARY}),
    ("p95 reported as p90, p99 missing", {"summarize_window": summary_with(p90_ms=lambda v, s: R.nearest_rank(v, 95),
                                                                           p99_ms=None)}, {SUMMARY}),
    ("the mean as the median", {"summarize_window": summary_with(median_ms=lambda v, s: sum(v) / len(v))}, {SUMMARY}),
    ("the flag intersection returned as it is (a set)",
     {"has_int8_dot_product": lambda f: f & {"avx512_vnni", "avx_vnni", "amx_int8", "amx_tile"}}, {INT8}),
    ("only avx512_vnni counts", {"has_int8_dot_product": lambda f: "avx512_vnni" in f}, {INT8}),
    ("AVX2 counted as an INT8 dot product", {"has_int8_dot_product": lambda f: "avx2" in f or R.has_int8_dot_product(f)},
     {INT8}),
    ("'vnni' looked up as a flag", {"has_int8_dot_product": lambda f: "vnni" in f}, {INT8}),
    ("bf16 only with AMX", {"ov_runs_bf16_by_default": lambda f: "amx_bf16" in f}, {BF16}),
    ("bf16 wherever AVX-512 is", {"ov_runs_bf16_by_default": lambda f: "avx512f" in f}, {BF16}),
    ("bf16 returned as a set", {"ov_runs_bf16_by_default": lambda f: f & {"avx512_bf16", "amx_bf16"}}, {BF16}),
    ("bf16 returns None instead of False", {"ov_runs_bf16_by_default": lambda f: True if "avx512_bf16" in f else None},
     {BF16}),
    ("OpenVINO measured instead of ONNX Runtime", {"digits_result": bench(runtime="openvino")}, {DIGITS}),
    ("a one-call window", {"digits_result": bench(iterations=1)}, {DIGITS}),
    ("hiccups counted as the share above the percentile", {"hiccups_to_move": lambda n, p: math.ceil(n * (100 - p) / 100)},
     {HICCUPS}),
    ("hiccups from the C++ floor index", {"hiccups_to_move": lambda n, p: n - int(n / 100.0 * p)}, {HICCUPS}),
    ("one hiccup always moves the percentile", {"hiccups_to_move": lambda n, p: 1}, {HICCUPS}),
    ("hiccups rounded to the nearest", {"hiccups_to_move": lambda n, p: round(n * (100 - p) / 100)}, {HICCUPS}),
    ("hiccups counted until the percentile changes, starting from none",
     {"hiccups_to_move": lambda n, p: next(k for k in range(n + 1) if k and R.nearest_rank([1.0] * (n - k) + [10.0] * k,
                                                                                           p) == 10.0) - 1}, {HICCUPS}),
    ("the two tools swapped", {"P99_IS_MAX_UP_TO": {"python": 100, "cpp": 99}}, {P99MAX}),
    ("both tools at 100 samples", {"P99_IS_MAX_UP_TO": {"python": 100, "cpp": 100}}, {P99MAX}),
    ("both tools at 99 samples", {"P99_IS_MAX_UP_TO": {"python": 99, "cpp": 99}}, {P99MAX}),
    ("the limit as text", {"P99_IS_MAX_UP_TO": {"python": "99", "cpp": "100"}}, {P99MAX}),
    ("only one tool", {"P99_IS_MAX_UP_TO": {"python": 99}}, {P99MAX}),
]

SAYS = {  # what -> words one of the lost checks' messages must contain (the learner is told the right thing)
    "np.percentile (linear interpolation)": "values[ceil(n * pct / 100) - 1]",
    "the C++ benchmark_app's floor index": "That is the C++ benchmark_app's latencies[size_t(n / 100.0 * pct)]",
    "1-based rank used as a 0-based index": "That is the C++ benchmark_app's",
    "round instead of ceil": "expected",
    "not sorted first": "Sort the values",
    "statistics.median for the median": "median_ms is",
    "throughput = 1000 / median": "iterations / window seconds",
    "p95 reported as p90, p99 missing": "the dict lacks 'p99_ms'; p90_ms is",
    "the mean as the median": "median_ms is",
    "the flag intersection returned as it is (a set)": "should return True or False, not set",
    "only avx512_vnni counts": "for ['avx2', 'avx_vnni'] you said False",
    "AVX2 counted as an INT8 dot product": "does not count",
    "'vnni' looked up as a flag": "you said False",
    "bf16 only with AMX": "for ['avx2', 'avx512_bf16', 'avx512_vnni', 'avx512f'] you said False",
    "bf16 wherever AVX-512 is": "native BF16",
    "bf16 returned as a set": "should return True or False, not set",
    "bf16 returns None instead of False": "should return True or False, not NoneType",
    "OpenVINO measured instead of ONNX Runtime": "on openvino",
    "a one-call window": "too few iterations",
    "hiccups counted as the share above the percentile": "hiccups_to_move(10, 90) returned 1, expected 2",
    "hiccups from the C++ floor index": "right for the C++ benchmark_app's floor index",
    "one hiccup always moves the percentile": "returned 1, expected 2",
    "hiccups rounded to the nearest": "hiccups_to_move(1, 99) returned 0, expected 1",
    "hiccups counted until the percentile changes, starting from none": "expected 1",
    "the two tools swapped": "python 100, cpp 99",
    "both tools at 100 samples": "python 100",
    "both tools at 99 samples": "cpp 99",
    "the limit as text": "should be a whole number",
    "only one tool": "has no 'cpp'",
}


def test_every_wrong_solution_says_what_is_wrong():
    assert set(SAYS) == {what for what, _, _ in WRONG}


@pytest.mark.parametrize("what, replaced, checks", WRONG, ids=[w[0] for w in WRONG])
def test_plausible_wrong_solution_loses_points(what, replaced, checks):
    ns = right_answers()
    ns.update(replaced)
    # the functions that call a replaced one see it, as in the notebook (they read this module's globals)
    saved = {name: globals()[name] for name in replaced if name in globals()}
    globals().update({k: v for k, v in replaced.items() if k in NAMES})
    try:
        wrong = lost(ns)
    finally:
        globals().update(saved)
    assert checks <= set(wrong), (what, wrong)
    assert any(SAYS[what] in message for message in wrong.values()), (what, wrong)
    for message in wrong.values():
        assert "\n" not in message and message.endswith(".") and len(message) < 300, message


def test_the_summary_reports_every_bad_key_at_once():
    ns = right_answers()
    ns["summarize_window"] = summary_with(median_ms=lambda v, s: 0.0, throughput_fps=lambda v, s: 1.0, p90_ms=None)
    message = lost(ns)[SUMMARY]
    assert "lacks 'p90_ms'" in message and "median_ms is 0.0" in message and "throughput_fps is 1.0" in message


def test_flag_messages_list_every_wrong_flag_set_and_agree_on_types():
    ns = right_answers()
    ns["has_int8_dot_product"] = lambda f: False
    message = lost(ns)[INT8]
    assert message.count("you said False") == 2 and "(and 2 more)" in message   # four rows with VNNI or AMX
    for name, check_name in (("has_int8_dot_product", INT8), ("ov_runs_bf16_by_default", BF16)):
        for value, kind in ((set(), "set"), ("yes", "str"), (1, "int"), (None, "NoneType")):
            ns = right_answers()
            ns[name] = lambda f, value=value: value
            assert lost(ns)[check_name].startswith(f"{name} should return True or False, not {kind}"), (name, value)


def test_hiccups_accepts_a_whole_float_and_names_bad_types():
    ns = right_answers()
    ns["hiccups_to_move"] = lambda n, p: float(R.hiccups_to_move(n, p))
    assert HICCUPS not in lost(ns)
    ns["hiccups_to_move"] = lambda n, p: n * (100 - p) / 100 + 0.5
    assert "should return a whole number of samples" in lost(ns)[HICCUPS]
