"""Checks for exercises/07-choose-a-deployment.ipynb (notebook 07's material)."""
from __future__ import annotations

from ....capstone import CONSTRAINTS, decide
from ..checking import CheckFailed, call, check, need

EXERCISE = "07-choose-a-deployment"

ROWS = [
    {"label": "a", "model": "m", "status": "ok", "p99_ms": 20.0, "throughput_fps": 50.0, "size_mb": 40.0, "max_err_rel": 0.0},
    {"label": "b", "model": "m", "status": "ok", "p99_ms": 8.0, "throughput_fps": 125.0, "size_mb": 10.0, "max_err_rel": 0.04},
    {"label": "c", "model": "m", "status": "ok", "p99_ms": 5.0, "throughput_fps": 200.0, "size_mb": 10.0, "max_err_rel": 0.2},
    {"label": "d", "model": "m", "status": "not run: no GPU"},
]
LIMITS = [{}, {"latency_ms": 10}, {"max_error": 0.01}, {"latency_ms": 10, "max_error": 0.05},
          {"min_fps": 150}, {"max_size_mb": 5}, {"latency_ms": 30, "max_size_mb": 45, "min_fps": 40}]


def expected(limits):
    """The kit's own decide(): the reference answer."""
    choice = decide([dict(r) for r in ROWS], **limits).choice
    return None if choice is None else choice["label"]


@check("meets applies every limit and skips rows that did not run", points=4)
def meets_ok(ns):
    fn = need(ns, "meets", is_callable=True)
    for limits in LIMITS:
        for row in ROWS:
            want = row.get("status") == "ok" and all(
                (row[CONSTRAINTS[k][0]] <= v) if CONSTRAINTS[k][1] else (row[CONSTRAINTS[k][0]] >= v)
                for k, v in limits.items())
            got = call(fn, dict(row), dict(limits))
            if got is not want and got != want:
                raise CheckFailed(f"meets(row {row['label']}, {limits}) returned {got!r}; expected {want}.")


@check("choose returns the lowest-p99 row that meets the limits, or None", points=4)
def choose_ok(ns):
    fn = need(ns, "choose", is_callable=True)
    for limits in LIMITS:
        got, want = call(fn, [dict(r) for r in ROWS], dict(limits)), expected(limits)
        if got != want:
            raise CheckFailed(f"for limits {limits} you chose {got!r}; expected {want!r}.")


@check("my_limits states at least two constraints", points=2)
def limits_ok(ns):
    limits = need(ns, "my_limits", dict)
    unknown = set(limits) - set(CONSTRAINTS)
    if unknown:
        raise CheckFailed(f"unknown constraint(s) {sorted(unknown)}; use {', '.join(CONSTRAINTS)}.")
    if len(limits) < 2:
        raise CheckFailed("give at least two constraints (e.g. a latency budget and a maximum error).")


CHECKS = [meets_ok, choose_ok, limits_ok]
