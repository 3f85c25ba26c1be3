"""Shared helpers for the tests that run an exercise's hidden checks on a namespace (right and wrong solutions)."""
from __future__ import annotations

from types import SimpleNamespace

from accelkit.learn.exercises.checking import CHECK_SECONDS, checks_for, run_checks


def graded(exercise: str, check_seconds: int = CHECK_SECONDS) -> SimpleNamespace:
    """``results(ns)`` (check name -> result), ``lost(ns)`` (name -> message of the checks that did not give
    full points) and ``named(start)`` (the full name of the check whose name starts so) for one exercise."""
    def results(ns: dict) -> dict:
        return {r.name: r for r in run_checks(exercise, ns, check_seconds=check_seconds)}

    def lost(ns: dict) -> dict:
        return {name: r.message for name, r in results(ns).items() if r.earned < r.points}

    def named(start: str) -> str:
        return next(c.name for c in checks_for(exercise) if c.name.startswith(start))

    return SimpleNamespace(results=results, lost=lost, named=named)
