"""Checks for exercises/00-measure-like-benchmark-app.ipynb (notebook 00's material).

Sections 1-4 are the statistics and flags a benchmark report rests on; section 5 asks the learner to
predict, then compute, when hiccups (calls slower than every other) reach a nearest-rank percentile,
and below which window size p99 is simply the slowest call, for the Python benchmark_app
(``values[ceil(n * p / 100) - 1]``) and the C++ one (``latencies[size_t(n / 100.0 * p)]``).
"""
from __future__ import annotations

import math
import random

from ....harness.measure import BenchResult, percentile, summarize
from ..checking import CheckFailed, call, check, need

EXERCISE = "00-measure-like-benchmark-app"
KEYS = ("median_ms", "p90_ms", "p99_ms", "throughput_fps")


def _close(a, b, tol=1e-9):
    return isinstance(a, (int, float)) and not isinstance(a, bool) and math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def cpp_index(n: int, pct: float) -> int:
    """The C++ benchmark_app's 0-based index: latencies[size_t(latencies.size() / 100.0 * percentile)]."""
    return int(n / 100.0 * pct)


@check("nearest_rank matches the Python benchmark_app's percentile", points=1)
def nearest_rank_ok(ns):
    fn = need(ns, "nearest_rank", is_callable=True)
    rng = random.Random(7)
    cases = [([3.0], 50), ([1.0, 2.0], 50), ([4.0, 1.0, 3.0, 2.0], 90), ([float(v) for v in range(100, 0, -1)], 99)]
    cases += [([rng.uniform(0.1, 50) for _ in range(n)], p) for n in (5, 10, 101, 1000) for p in (50, 90, 99)]
    for values, pct in cases:
        want, got = percentile(sorted(values), pct), call(fn, list(values), pct)
        if not _close(got, want):
            cpp = sorted(values)[min(cpp_index(len(values), pct), len(values) - 1)]
            which = (" That is the C++ benchmark_app's latencies[size_t(n / 100.0 * pct)], one rank higher whenever "
                     "n * pct / 100 is whole." if _close(got, cpp) else "")
            raise CheckFailed(f"nearest_rank({len(values)} values, {pct}) gave {got!r}, expected {want!r}.{which} Sort "
                              "the values and take values[ceil(n * pct / 100) - 1], as the Python benchmark_app does "
                              "(no interpolation).")


@check("summarize_window returns median, p90, p99 and throughput", points=2)
def summarize_ok(ns):
    fn = need(ns, "summarize_window", is_callable=True)
    rng = random.Random(11)
    for n, seconds in ((10, 1.0), (257, 2.5), (1000, 10.0)):
        lat = [rng.lognormvariate(1.0, 0.3) for _ in range(n)]
        got = call(fn, list(lat), seconds)
        if not isinstance(got, dict):
            raise CheckFailed(f"summarize_window should return a dict, not {type(got).__name__}.")
        want = summarize(lat, seconds, n)
        missing = [k for k in KEYS if k not in got]
        wrong = [f"{k} is {got[k]!r}, expected {want[k]:.6g}" for k in KEYS if k in got and not _close(got[k], want[k], 1e-6)]
        if missing or wrong:    # every bad key at once, so one run shows everything to fix
            parts = ([f"the dict lacks {', '.join(map(repr, missing))}"] if missing else []) + wrong
            hint = (" (images per second = iterations / window seconds)"
                    if any(w.startswith("throughput_fps") for w in wrong) else "")
            raise CheckFailed(f"for {n} samples over {seconds} s: {'; '.join(parts)}{hint}.")


FLAG_CASES: list[tuple[set[str], bool, bool]] = [  # (flags, one-instruction INT8 dot product, OpenVINO bf16 default)
    ({"avx2", "fma"}, False, False),
    ({"avx2", "avx512f", "avx512_vnni"}, True, False),
    ({"avx2", "avx_vnni"}, True, False),
    ({"avx2", "avx512f", "avx512_vnni", "avx512_bf16"}, True, True),
    ({"avx2", "avx512f", "amx_tile", "amx_int8", "amx_bf16", "avx512_bf16", "avx512_vnni"}, True, True),
    ({"asimd"}, False, False),
    (set(), False, False),
]


def _flag_answers(ns, name: str, column: int) -> list[tuple[set, bool, bool]]:
    """(flags, answer, expected) for every flag set; an answer that is not a bool is one sentence."""
    fn = need(ns, name, is_callable=True)
    out = []
    for flags, int8, bf16 in FLAG_CASES:
        want = int8 if column == 1 else bf16
        got = call(fn, set(flags))
        if not isinstance(got, bool):
            raise CheckFailed(f"{name} should return True or False, not {type(got).__name__} ({_short(got)}).")
        out.append((flags, got, want))
    return out


def _short(value, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + " …"


def _wrong_flags(answers, shown: int = 2) -> str:
    """The first ``shown`` wrong answers, then how many more (so the sentence stays short)."""
    wrong = [f"for {sorted(flags)} you said {got}" for flags, got, want in answers if got != want]
    more = f" (and {len(wrong) - shown} more)" if len(wrong) > shown else ""
    return "; ".join(wrong[:shown]) + more


@check("has_int8_dot_product reads VNNI/AMX from the flags", points=2)
def int8_ok(ns):
    wrong = _wrong_flags(_flag_answers(ns, "has_int8_dot_product", 1))
    if wrong:
        raise CheckFailed(f"{wrong}: a one-instruction INT8 dot product is VNNI (avx512_vnni, avx_vnni) or AMX "
                          "(amx_int8, amx_tile); AVX2's three-instruction vpmaddubsw + vpmaddwd + vpaddd does not count.")


@check("ov_runs_bf16_by_default reads BF16 support", points=1)
def bf16_ok(ns):
    wrong = _wrong_flags(_flag_answers(ns, "ov_runs_bf16_by_default", 2))
    if wrong:
        raise CheckFailed(f"{wrong}: OpenVINO's CPU plugin defaults to bf16 where the CPU has native BF16 (avx512_bf16 "
                          "or AMX).")


@check("digits_result is a harness measurement of digits_cnn on ONNX Runtime", points=1)
def measurement_ok(ns):
    result = need(ns, "digits_result", BenchResult)
    if result.model != "digits_cnn" or result.runtime != "onnxruntime":
        raise CheckFailed(f"digits_result measured {result.model} on {result.runtime}; measure digits_cnn's ONNX file "
                          "with ak.ort_runner.")
    if result.iterations < 10 or not result.median_ms > 0:
        raise CheckFailed("digits_result has too few iterations; use ak.measure with its default window.")


# ---------------------------------------------------------------- section 5: predict, then compute

HICCUP_CASES = [(1, 99), (10, 90), (50, 99), (99, 99), (100, 99), (101, 99), (150, 99), (199, 99), (200, 99),
                (250, 99), (1000, 99), (1001, 99), (100, 90), (95, 90), (1000, 90), (100, 50), (7, 50), (1001, 50)]


def want_hiccups(n: int, pct: float) -> int:
    """The fewest hiccups (slower than every other sample) among n samples that the nearest-rank pct-th
    percentile reports, found by trying: the Python benchmark_app's percentile of n - k fast and k slow values."""
    for k in range(1, n + 1):
        if percentile([1.0] * (n - k) + [10.0] * k, pct) == 10.0:
            return k
    raise AssertionError("unreachable: with n hiccups every percentile is a hiccup")


@check("hiccups_to_move(n, pct): how many hiccups a window of n samples needs before its percentile reports one",
       points=2)
def hiccups_ok(ns):
    fn = need(ns, "hiccups_to_move", is_callable=True)
    for n, pct in HICCUP_CASES:
        got, want = call(fn, n, pct), want_hiccups(n, pct)
        whole = isinstance(got, int) or (isinstance(got, float) and got.is_integer())
        if isinstance(got, bool) or not whole:
            raise CheckFailed(f"hiccups_to_move({n}, {pct}) should return a whole number of samples, not {_short(got)}.")
        if got != want:
            rank = math.ceil(n * pct / 100)
            cpp = n - cpp_index(n, pct)
            which = (f" ({got} is right for the C++ benchmark_app's floor index, not for the nearest rank)"
                     if got == cpp != want else "")
            raise CheckFailed(f"hiccups_to_move({n}, {pct}) returned {got!r}, expected {want}{which}: p{pct} of {n} "
                              f"sample{'s' * (n != 1)} is sorted value number {rank}, so hiccups must fill ranks {rank} to {n}; try "
                              "it with your nearest_rank.")


WANT_MAX_UP_TO = {"python": 99, "cpp": 100}


@check("P99_IS_MAX_UP_TO: the window sizes where p99 is just the slowest call, in each benchmark_app", points=1)
def p99_max_ok(ns):
    got = need(ns, "P99_IS_MAX_UP_TO", dict)
    missing = [k for k in WANT_MAX_UP_TO if k not in got]
    if missing:
        raise CheckFailed(f"P99_IS_MAX_UP_TO has no {', '.join(map(repr, missing))}: give the largest number of samples "
                          "for each tool, e.g. {'python': ..., 'cpp': ...}.")
    wrong = []
    for tool, want in WANT_MAX_UP_TO.items():
        value = got[tool]
        if isinstance(value, bool) or not isinstance(value, int):
            raise CheckFailed(f"P99_IS_MAX_UP_TO[{tool!r}] should be a whole number of samples, not {_short(value)}.")
        if value != want:
            wrong.append(f"{tool} {value}")
    if wrong:
        raise CheckFailed(f"P99_IS_MAX_UP_TO has {', '.join(wrong)}: for each tool, find the largest n for which p99 of "
                          "n samples is the slowest one (values[ceil(n * 99 / 100) - 1] in Python, "
                          "latencies[size_t(n / 100.0 * 99)] in C++): try n = 99, 100 and 101.")


CHECKS = [nearest_rank_ok, summarize_ok, int8_ok, bf16_ok, measurement_ok, hiccups_ok, p99_max_ok]
