"""``make run`` / ``accelkit run``: execute notebooks headless into ``build/`` and summarise
every measurement they made (each harness result is logged as it happens)."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

from ..errors import AccelkitError


def execute(notebook: Path, out_dir: Path, timeout_s: int = 900) -> tuple[bool, float, str]:
    """Run one notebook with nbclient in its own folder; save the executed copy to ``out_dir``.
    Returns (ok, seconds, error message)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(nb, timeout=timeout_s, kernel_name="python3",
                            resources={"metadata": {"path": str(notebook.parent)}})
    start, error = time.perf_counter(), ""
    try:
        client.execute()
    except Exception as exc:  # a failing cell, a timeout, a dead kernel: report it and go on
        text = str(exc).strip()
        error = f"{type(exc).__name__}: {text.splitlines()[-1][:300] if text else 'no message'}"
    nbformat.write(nb, out_dir / notebook.name)
    return not error, time.perf_counter() - start, error


def summarize_log(log: Path) -> list[str]:
    """One line per measurement in a results log."""
    if not log.exists():
        return ["    (no measurements)"]
    lines = []
    for raw in log.read_text().splitlines():
        r = json.loads(raw)
        lines.append(f"    {r['label']:<42} {r['model']:<14} median {r['median_ms']:9.3f} ms  "
                     f"p99 {r['p99_ms']:9.3f} ms  {r['throughput_fps']:9.1f} FPS")
    return lines


def run_notebooks(paths: list[Path], out_dir: Path) -> int:
    """Execute each notebook, print what it measured; exit code 1 if any failed."""
    notebooks = sorted(p for path in paths for p in ([path] if path.is_file() else path.glob("*.ipynb")))
    if not notebooks:
        raise AccelkitError(f"no notebooks found in {', '.join(map(str, paths))}.")
    out_dir.mkdir(parents=True, exist_ok=True)
    # Headless runs answer quizzes and rate drill questions: they work on a copy of the
    # learner's progress, so `make run` never changes what the learner did.
    from ..learn import progress

    run_progress = (out_dir / "progress.json").resolve()
    progress.save(progress.load(), run_progress)
    os.environ["ACCELKIT_PROGRESS"] = str(run_progress)
    failed, executed = 0, []
    from ..core.progress_bars import steps

    for nb in steps(notebooks, "notebooks"):
        log = out_dir / f"{nb.stem}.results.jsonl"
        log.unlink(missing_ok=True)
        os.environ["ACCELKIT_RESULTS_LOG"] = str(log.resolve())
        ok, seconds, error = execute(nb, out_dir)
        failed += not ok
        executed.append(out_dir / nb.name)
        print(f"{'ok  ' if ok else 'FAIL'} {nb.name} in {seconds:.0f} s" + (f": {error}" if error else ""))
        print("\n".join(summarize_log(log)))
    os.environ.pop("ACCELKIT_RESULTS_LOG", None)
    from .results_page import write_report

    page = write_report(executed, out_dir / "report.html")   # progress shown is this run's copy
    os.environ.pop("ACCELKIT_PROGRESS", None)
    print(f"executed copies and result logs in {out_dir}/; open {page} for everything on one page")
    return 1 if failed else 0
