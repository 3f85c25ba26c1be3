"""Self-graded exercises: hidden checks, per-check feedback and points.

The checks for each exercise live in ``accelkit/learn/exercises/checks/`` - not in the exercise notebook, so a
learner can neither see them while solving nor edit them. Two ways to run them:
- in the learner's own notebook: ``ak.check_exercise("00-measure-like-benchmark-app")`` checks
  the names defined in the kernel and records the score in progress;
- for a class: ``accelkit grade PATH...`` executes each submitted notebook in its own process
  and temporary folder with a time limit, then runs the checks (see ``submissions``).
"""
from __future__ import annotations

import contextlib
import importlib
import pkgutil
import signal
import threading
from dataclasses import asdict, dataclass
from typing import Any, Callable, Iterator

from ...errors import AccelkitError, shorten

__all__ = ["CheckFailed", "Check", "CheckResult", "check", "need", "call", "time_limit", "exercises", "checks_for",
           "run_checks", "report_text", "ExerciseReport", "check_exercise"]

CHECK_SECONDS = 30  # a single check (calling the learner's function) may take at most this long


class CheckFailed(Exception):
    """Raised by a check with the sentence the learner sees."""


@dataclass(frozen=True)
class Check:
    name: str
    points: int
    run: Callable[[dict[str, Any]], None]


@dataclass
class CheckResult:
    name: str
    points: int
    earned: int
    message: str


def check(name: str, points: int = 1) -> Callable[[Callable], Check]:
    """Decorator: turn ``fn(namespace)`` into a Check worth ``points``."""
    return lambda fn: Check(name, points, fn)


def need(ns: dict[str, Any], name: str, kind: type | None = None, is_callable: bool = False) -> Any:
    """The learner's ``name`` from the namespace, or a CheckFailed saying what is missing."""
    if name not in ns:
        raise CheckFailed(f"`{name}` is not defined: run the cell that defines it (and every cell above it).")
    value = ns[name]
    if is_callable and not callable(value):
        raise CheckFailed(f"`{name}` should be a function, but it is a {type(value).__name__}.")
    if kind is not None and not isinstance(value, kind):
        raise CheckFailed(f"`{name}` should be a {kind.__name__}, but it is a {type(value).__name__}.")
    return value


def call(fn: Callable, *args: Any, shown: str | None = None) -> Any:
    """Call the learner's function; its exceptions become a clear CheckFailed. With ``shown`` (the
    call as the learner would write it, e.g. ``"kv_cache_mb(shape, tokens=4096, ...)"``) the sentence
    names that call and keeps the first line of the message only."""
    try:
        return fn(*args)
    except CheckFailed:
        raise
    except NotImplementedError:
        raise CheckFailed(f"`{getattr(fn, '__name__', shown)}` is not written yet (it raises NotImplementedError).") \
            from None
    except Exception as exc:
        if shown is None:
            raise CheckFailed(f"`{getattr(fn, '__name__', 'your function')}` raised {type(exc).__name__}: {exc}") from None
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else "no message"
        raise CheckFailed(f"`{shown}` raised {type(exc).__name__}: {text[:160].rstrip('.')}.") from None


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Stop a check that runs too long (main thread on Unix; elsewhere no limit is applied)."""
    if not hasattr(signal, "SIGALRM") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(*_):
        raise CheckFailed(f"this check took longer than {seconds} s: is there an endless loop?")

    old = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def exercises() -> dict[str, list[Check]]:
    """Every exercise id -> its checks (one module per exercise in ``accelkit.learn.exercises.checks``)."""
    from . import checks

    found = {}
    for info in pkgutil.iter_modules(checks.__path__):
        module = importlib.import_module(f"{checks.__name__}.{info.name}")
        found[module.EXERCISE] = module.CHECKS
    return found


def checks_for(exercise: str) -> list[Check]:
    known = exercises()
    if exercise not in known:
        raise AccelkitError(f"unknown exercise {exercise!r}; the kit has: {', '.join(sorted(known))}.")
    return known[exercise]


def run_checks(exercise: str, namespace: dict[str, Any], check_seconds: int = CHECK_SECONDS) -> list[CheckResult]:
    """Run every check of ``exercise`` against ``namespace``; one failing check never stops the rest."""
    results = []
    for c in checks_for(exercise):
        try:
            with time_limit(check_seconds):
                c.run(namespace)
            results.append(CheckResult(c.name, c.points, c.points, "passed"))
        except CheckFailed as exc:
            results.append(CheckResult(c.name, c.points, 0, shorten(str(exc))))
        except Exception as exc:  # a check tripping over odd learner data still reports, never crashes
            problem = shorten(f"{type(exc).__name__}: {exc}")
            results.append(CheckResult(c.name, c.points, 0, f"could not check this ({problem})."))
    return results


def report_text(exercise: str, results: list[CheckResult]) -> str:
    earned, total = sum(r.earned for r in results), sum(r.points for r in results)
    lines = [f"Exercise {exercise}: {earned}/{total} points"]
    for r in results:
        mark = "✔" if r.earned == r.points else "✘"
        lines.append(f"  {mark} {r.name} [{r.earned}/{r.points}]" + ("" if r.message == "passed" else f" — {r.message}"))
    return "\n".join(lines)


class ExerciseReport:
    """What ``check_exercise`` returns: prints as the per-check report."""

    def __init__(self, exercise: str, results: list[CheckResult]) -> None:
        self.exercise, self.results = exercise, results
        self.score, self.max_score = sum(r.earned for r in results), sum(r.points for r in results)

    def __repr__(self) -> str:
        return report_text(self.exercise, self.results)


def check_exercise(exercise: str, namespace: dict[str, Any] | None = None, *, record: bool = True) -> ExerciseReport:
    """Grade the current notebook's definitions (the caller's globals by default)."""
    if namespace is None:
        import inspect

        frame = inspect.currentframe()  # CPython always gives this call's frame and its caller's
        assert frame is not None and frame.f_back is not None
        namespace = frame.f_back.f_globals  # the notebook's namespace
    report = ExerciseReport(exercise, run_checks(exercise, namespace))
    if record:
        from .. import progress

        progress.record_exercise(exercise, report.score, report.max_score, [asdict(r) for r in report.results])
    return report
