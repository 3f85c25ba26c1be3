"""Checks for exercises/00-measure-like-benchmark-app.ipynb (notebook 00's material)."""
from __future__ import annotations

import math
import random

from ....harness.measure import BenchResult, percentile, summarize
from ..checking import CheckFailed, call, check, need

EXERCISE = "00-measure-like-benchmark-app"


def _close(a, b, tol=1e-9):
    return isinstance(a, (int, float)) and math.isclose(a, b, rel_tol=tol, abs_tol=tol)


@check("nearest_rank matches the Python benchmark_app's percentile", points=2)
def nearest_rank_ok(ns):
    fn = need(ns, "nearest_rank", is_callable=True)
    rng = random.Random(7)
    cases = [([3.0], 50), ([1.0, 2.0], 50), ([4.0, 1.0, 3.0, 2.0], 90)]
    cases += [([rng.uniform(0.1, 50) for _ in range(n)], p) for n in (5, 10, 101, 1000) for p in (50, 90, 99)]
    for values, pct in cases:
        want, got = percentile(sorted(values), pct), call(fn, list(values), pct)
        if not _close(got, want):
            raise CheckFailed(f"nearest_rank({len(values)} values, {pct}) gave {got!r}, expected {want!r}. Sort the "
                              "values and take the ceil(n * pct / 100)-th smallest (1-based), as the Python benchmark_app "
                              "does; no interpolation, and not the C++ tool's floor index int(n * pct / 100) "
                              "(0-based), which is one rank higher whenever n * pct / 100 is whole.")


@check("summarize_window returns median, p90, p99 and throughput", points=3)
def summarize_ok(ns):
    fn = need(ns, "summarize_window", is_callable=True)
    rng = random.Random(11)
    for n, seconds in ((10, 1.0), (257, 2.5), (1000, 10.0)):
        lat = [rng.lognormvariate(1.0, 0.3) for _ in range(n)]
        got = call(fn, list(lat), seconds)
        if not isinstance(got, dict):
            raise CheckFailed(f"summarize_window should return a dict, not {type(got).__name__}.")
        want = summarize(lat, seconds, n)
        for key in ("median_ms", "p90_ms", "p99_ms", "throughput_fps"):
            if key not in got:
                raise CheckFailed(f"the dict lacks the key {key!r}.")
            if not _close(got[key], want[key], 1e-6):
                hint = " (images per second = iterations / window seconds)" if key == "throughput_fps" else ""
                raise CheckFailed(f"{key} is {got[key]!r} for {n} samples over {seconds} s; expected {want[key]:.6g}{hint}.")


FLAG_CASES = [  # (flags, one-instruction INT8 dot product (VNNI/AMX), OpenVINO defaults to bf16)
    ({"avx2", "fma"}, False, False),
    ({"avx2", "avx512f", "avx512_vnni"}, True, False),
    ({"avx2", "avx_vnni"}, True, False),
    ({"avx2", "avx512f", "avx512_vnni", "avx512_bf16"}, True, True),
    ({"avx2", "avx512f", "amx_tile", "amx_int8", "amx_bf16", "avx512_bf16", "avx512_vnni"}, True, True),
    ({"asimd"}, False, False),
]


@check("has_int8_dot_product reads VNNI/AMX from the flags", points=2)
def int8_ok(ns):
    fn = need(ns, "has_int8_dot_product", is_callable=True)
    for flags, want, _ in FLAG_CASES:
        got = call(fn, set(flags))
        if not isinstance(got, bool):
            raise CheckFailed(f"has_int8_dot_product should return True or False, not {type(got).__name__}.")
        if got != want:
            raise CheckFailed(f"for flags {sorted(flags)} you said {got}; a one-instruction INT8 dot product "
                              "is a VNNI form (avx512_vnni or avx_vnni) or AMX (amx_int8/amx_tile). AVX2's "
                              "vpmaddubsw + vpmaddwd + vpaddd sequence does not count: it is three instructions "
                              "(INT8's ~2x ceiling there).")


@check("ov_runs_bf16_by_default reads BF16 support", points=1)
def bf16_ok(ns):
    fn = need(ns, "ov_runs_bf16_by_default", is_callable=True)
    for flags, _, want in FLAG_CASES:
        got = call(fn, set(flags))
        if not isinstance(got, bool):
            raise CheckFailed(f"ov_runs_bf16_by_default should return True or False, not {type(got).__name__}.")
        if got is not want:
            raise CheckFailed(f"for flags {sorted(flags)} you said {got!r}; OpenVINO's CPU plugin defaults to bf16 "
                              "where the CPU has native BF16 (avx512_bf16 or AMX).")


@check("digits_result is a harness measurement of digits_cnn on ONNX Runtime", points=2)
def measurement_ok(ns):
    result = need(ns, "digits_result", BenchResult)
    if result.model != "digits_cnn" or result.runtime != "onnxruntime":
        raise CheckFailed(f"digits_result measured {result.model} on {result.runtime}; measure digits_cnn's ONNX file "
                          "with ak.ort_runner.")
    if result.iterations < 10 or not result.median_ms > 0:
        raise CheckFailed("digits_result has too few iterations; use ak.measure with its default window.")


CHECKS = [nearest_rank_ok, summarize_ok, int8_ok, bf16_ok, measurement_ok]
