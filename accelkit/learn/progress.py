"""The learner's progress: quiz answers, exercise results, interview-drill ratings.

Kept in one JSON file, ``$ACCELKIT_PROGRESS`` or ``<user data dir>/accelkit/progress.json``.
Every write goes to a temporary file that is then renamed over the old one, under a lock, so
a crash mid-write leaves the previous file intact; a file that cannot be read is moved aside
(never deleted) and a fresh one started with a warning. ``accelkit progress`` prints it.
"""
from __future__ import annotations

import contextlib
import json
import os
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..core.cache import replacing

__all__ = ["progress_path", "empty", "load", "save", "update", "record_quiz", "record_exercise", "table"]

VERSION = 1
SECTIONS = ("quizzes", "exercises", "drill")


def progress_path() -> Path:
    env = os.environ.get("ACCELKIT_PROGRESS")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "accelkit" / "progress.json"


def empty() -> dict[str, Any]:
    return {"version": VERSION, **{s: {} for s in SECTIONS}}


def _numbers(entry: Any, *keys: str) -> bool:
    """``entry`` is a dict whose ``keys`` all hold numbers (what the kit's readers do arithmetic on)."""
    return isinstance(entry, dict) and all(
        isinstance(entry.get(k), (int, float)) and not isinstance(entry.get(k), bool) for k in keys)


def _valid(data: Any) -> bool:
    """The shape every reader relies on: quizzes {notebook: {qid: {attempts, ...}}}, exercises
    {id: {score, max, best, ...}} and drill {id: {reps, interval_days, ...}}."""
    if not isinstance(data, dict) or not all(isinstance(data.get(s), dict) for s in SECTIONS):
        return False
    quizzes = data["quizzes"].values()
    return (all(isinstance(qs, dict) and all(_numbers(q, "attempts") for q in qs.values()) for qs in quizzes)
            and all(_numbers(e, "score", "max", "best") for e in data["exercises"].values())
            and all(_numbers(d, "reps", "interval_days") for d in data["drill"].values()))


def load(path: Path | None = None) -> dict[str, Any]:
    """The progress data; a corrupt file is kept aside as ``*.corrupt-<time>`` and replaced."""
    path = path or progress_path()
    if not path.exists():
        return empty()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if _valid(data):
            return data
        problem = "it is not a progress record"
    except OSError as exc:
        problem = exc.strerror or type(exc).__name__
    except ValueError:  # not JSON, or not UTF-8 text
        problem = "it is not valid JSON"
    aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
    with contextlib.suppress(OSError):
        os.replace(path, aside)
    warnings.warn(f"accelkit: your progress file {path} could not be read ({problem}); it was kept as "
                  f"{aside.name} and a fresh one started.", stacklevel=2)
    return empty()


def save(data: dict[str, Any], path: Path | None = None) -> None:
    """Write atomically: a temp file in the same folder, flushed to disk, renamed into place."""
    path = path or progress_path()
    with replacing(path, sync=True) as tmp, open(tmp, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=1, ensure_ascii=False, default=str)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An advisory lock beside the file, so two kernels do not interleave read-modify-write."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: no fcntl; writes stay atomic, only interleaving is unguarded
        yield
        return
    with open(path.with_name(path.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def update(change: Callable[[dict[str, Any]], None], path: Path | None = None) -> dict[str, Any]:
    """Load, apply ``change`` in place, save - all under the lock. Returns the new data."""
    path = path or progress_path()
    with _locked(path):
        data = load(path)
        change(data)
        save(data, path)
    return data


def record_quiz(notebook: str, qid: str, answer: Any, correct: bool) -> None:
    def change(data: dict[str, Any]) -> None:
        entry = data["quizzes"].setdefault(notebook, {}).setdefault(qid, {"attempts": 0})
        entry.update(answer=answer, correct=correct, attempts=entry["attempts"] + 1, time=time.time())
    update(change)


def record_exercise(exercise: str, score: float, max_score: float, checks: list[dict[str, Any]]) -> None:
    def change(data: dict[str, Any]) -> None:
        best = data["exercises"].get(exercise, {}).get("best", 0)
        data["exercises"][exercise] = {"score": score, "max": max_score, "best": max(best, score),
                                       "checks": checks, "time": time.time()}
    update(change)


def table(data: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """One row per notebook/exercise: what was answered, how much is right."""
    data = data or load()
    rows = [{"what": f"quiz {nb}", "answered": len(qs), "correct": sum(bool(q.get("correct")) for q in qs.values())}
            for nb, qs in sorted(data["quizzes"].items())]
    rows += [{"what": f"exercise {ex}", "answered": f"{r['score']:g}/{r['max']:g}", "correct": f"best {r['best']:g}"}
             for ex, r in sorted(data["exercises"].items())]
    if data["drill"]:
        rated = data["drill"].values()
        rows.append({"what": "interview drill", "answered": len(rated),
                     "correct": f"{sum(r.get('rating', 0) >= 2 for r in rated)} rated good"})
    return rows
