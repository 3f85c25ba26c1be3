"""Exercises are generated from their worked solutions, so the two never drift.

A solution notebook in ``solutions/`` marks the answer inside code cells with
``### BEGIN SOLUTION`` / ``### END SOLUTION``; the exercise in ``exercises/`` is the same
notebook with each marked block replaced by ``raise NotImplementedError`` (same indentation),
cells tagged ``solution-only`` removed, and outputs cleared. ``accelkit exercises`` rebuilds
them; ``accelkit exercises --check`` (run by the tests) fails if one is out of date.
"""
from __future__ import annotations

from pathlib import Path

from ...config import data_dir
from ...errors import AccelkitError

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
PLACEHOLDER = 'raise NotImplementedError("your code here")'


def strip_solution(source: str) -> str:
    """Replace every marked block with a placeholder at the block's indentation."""
    out, inside = [], False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise AccelkitError(f"nested {BEGIN!r} in a solution cell.")
            inside = True
            out.append(line[: len(line) - len(line.lstrip())] + PLACEHOLDER)
        elif stripped == END:
            if not inside:
                raise AccelkitError(f"{END!r} without {BEGIN!r} in a solution cell.")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise AccelkitError(f"{BEGIN!r} without {END!r} in a solution cell.")
    return "\n".join(out)


def build_exercise(solution: Path):
    """The exercise notebook (an nbformat node) generated from a solution notebook."""
    import nbformat

    nb = nbformat.read(solution, as_version=4)
    nb.cells = [c for c in nb.cells if "solution-only" not in c.get("metadata", {}).get("tags", [])]
    for cell in nb.cells:
        cell.metadata = {k: v for k, v in cell.metadata.items() if k == "tags"}
        if cell.cell_type == "code":
            cell.source = strip_solution(cell.source)
            cell.outputs, cell.execution_count = [], None
    # only what does not change when the solution is re-executed (no versions, no widget state)
    nb.metadata = {"kernelspec": nb.metadata.get("kernelspec", {}), "language_info": {"name": "python"},
                   "accelkit": {"exercise": solution.stem}}
    return nb


def repo_dir() -> Path:
    return data_dir().parent


def sync_exercises(check_only: bool = False) -> list[str]:
    """Write (or, with ``check_only``, compare) every exercise; returns the stale ones' names."""
    import nbformat

    stale = []
    for solution in sorted((repo_dir() / "solutions").glob("*.ipynb")):
        target = repo_dir() / "exercises" / solution.name
        text = nbformat.writes(build_exercise(solution))
        if not target.exists() or target.read_text() != text:
            stale.append(target.name)
            if not check_only:
                target.write_text(text)
    return stale
