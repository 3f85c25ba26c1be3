"""``accelkit grade PATH...``: grade submitted exercise notebooks for a class.

Each submission runs in its own process, in a fresh temporary folder (a submission that deletes
files deletes only its copy), under a time limit: the process group is killed when it expires.
Cells run with errors allowed and a per-cell limit, so one broken or endless cell costs only
the checks that need it; their output is discarded in the kernel (a cell printing megabytes
costs nothing), and a kernel that dies is reported with the cell it died in. A report is
written as JSON and CSV; one bad submission never stops the grading of the others.
"""
from __future__ import annotations

import contextlib
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ...errors import AccelkitError

# First cell of every graded copy: the grader reads no output, so none is sent (a cell printing
# megabytes would otherwise cost the kernel and the grader that much memory, and more).
QUIET_CELL = ("import os as _ak_os, sys as _ak_sys\n"
              "_ak_sys.stdout = _ak_sys.stderr = open(_ak_os.devnull, 'w')\n"
              "get_ipython().ast_node_interactivity = 'none'")
DUMP_CELL = ("from accelkit.learn.exercises.submissions import dump_results as _ak_dump\n"
             "_ak_dump({exercise!r}, {path!r}, globals(), {seconds})")


@dataclass
class Submission:
    path: str
    exercise: str = ""
    status: str = "graded"          # graded | not-a-notebook | unknown-exercise | timeout | crashed
    score: int = 0
    max_score: int = 0
    message: str = ""
    checks: list[dict[str, Any]] = field(default_factory=list)


def identify(nb: Any, path: Path) -> str | None:
    """The exercise a notebook belongs to: its metadata, else the start of its file name."""
    from .checking import exercises

    meta = nb.get("metadata", {}).get("accelkit", {}).get("exercise")
    known = exercises()
    if meta in known:
        return meta
    return next((ex for ex in known if path.name.startswith(ex)), None)


def dump_results(exercise: str, path: str, namespace: dict[str, Any], check_seconds: int) -> None:
    """Runs inside the submission's kernel as its last cell: checks -> JSON file."""
    from .checking import run_checks

    results = run_checks(exercise, namespace, check_seconds=check_seconds)
    Path(path).write_text(json.dumps([asdict(r) for r in results]))


def worker(notebook: str, result: str, budget_s: int) -> int:
    """Process entry: grade one notebook copy in the current folder, write the verdict as JSON."""
    out = Path(result)
    out.write_text(json.dumps(grade_notebook(Path(notebook), out, budget_s)))
    return 0


def grade_notebook(path: Path, out: Path, budget_s: int) -> dict[str, Any]:
    """Execute the notebook, then its checks as a last cell. Learner cells may take a third of
    ``budget_s`` each at most; the checks get a third in all."""
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:
        return {"status": "not-a-notebook", "message": f"not a notebook ({type(exc).__name__})."}
    exercise = identify(nb, path)
    if exercise is None:
        return {"status": "unknown-exercise", "message": "cannot tell which exercise this is (no accelkit metadata, "
                                                         "and the file name starts with no exercise id)."}
    from .checking import checks_for

    checks_file = out.with_suffix(".checks.json")
    check_seconds = max(2, budget_s // 3 // max(1, len(checks_for(exercise))))
    dump = DUMP_CELL.format(exercise=exercise, path=str(checks_file), seconds=check_seconds)
    nb.cells = [nbformat.v4.new_code_cell(QUIET_CELL), *nb.cells, nbformat.v4.new_code_cell(dump)]
    died_in = execute(nb, budget_s, out.with_suffix(".kernel"))
    if died_in is not None:
        return {"status": "crashed", "exercise": exercise, "message": died_message(died_in, len(nb.cells))}
    checks = json.loads(checks_file.read_text()) if checks_file.exists() else []
    if not checks:
        return {"status": "crashed", "exercise": exercise,
                "message": "the notebook's kernel stopped before the checks could run."}
    return {"status": "graded", "exercise": exercise, "checks": checks}


def execute(nb: Any, budget_s: int, kernel_pid_file: Path) -> int | None:
    """Run every cell, errors allowed, each under its time limit; the index of the cell the kernel
    died in, or None."""
    from jupyter_client.provisioning import LocalProvisioner
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    client = NotebookClient(nb, timeout=max(5, budget_s // 3), allow_errors=True, interrupt_on_timeout=True,
                            kernel_name="python3", resources={"metadata": {"path": os.getcwd()}})
    with client.setup_kernel():
        # the parent kills this pid too if the whole submission runs out of time
        provisioner = client.km.provisioner if client.km is not None else None
        assert isinstance(provisioner, LocalProvisioner), "setup_kernel() starts a local kernel"
        kernel_pid_file.write_text(str(provisioner.pid))
        for index, cell in enumerate(nb.cells):
            if index == len(nb.cells) - 1:
                client.timeout = budget_s // 3 + 10
            try:
                client.execute_cell(cell, index)
            except DeadKernelError:
                return index
    return None


def died_message(index: int, cells: int) -> str:
    """The sentence for a kernel that died in cell ``index``: cell 0 is QUIET_CELL, so a learner's
    cell keeps its own number; the last cell holds the checks."""
    where = "while the checks called your functions" if index == cells - 1 else f"while running cell {index}"
    return (f"the notebook's kernel died {where} (os._exit, a crash in native code or running out of memory), "
            "so nothing could be checked; make that code run without ending Python.")


def _kill_tree(proc: subprocess.Popen, kernel_pid_file: Path) -> None:
    """Kill the worker's process group and the kernel it started (in a session of its own)."""
    pids = [proc.pid]
    with contextlib.suppress(OSError, ValueError):
        pids.append(int(kernel_pid_file.read_text()))
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(os.getpgid(pid), signal.SIGKILL)
    proc.wait()


def grade_one(path: Path, timeout_s: int = 120) -> Submission:
    """Grade one submission in a child process and a temporary folder, within ``timeout_s``."""
    sub = Submission(path=str(path))
    with tempfile.TemporaryDirectory(prefix="accelkit-grade-") as tmp:
        work = Path(tmp) / "work"
        work.mkdir()
        copy = work / path.name
        shutil.copy(path, copy)
        result = Path(tmp) / "result.json"
        cmd = [sys.executable, "-m", "accelkit.learn.exercises.submissions", str(copy), str(result), str(timeout_s)]
        env = {k: v for k, v in os.environ.items() if k != "ACCELKIT_RESULTS_LOG"}
        env["ACCELKIT_PROGRESS"] = str(Path(tmp) / "progress.json")  # never the grader's own progress
        proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            _kill_tree(proc, result.with_suffix(".kernel"))
            sub.status, sub.message = "timeout", (f"grading did not finish within {timeout_s} s (an endless loop "
                                                  "that ignores interrupts?); make every cell finish well within that.")
            return sub
        data = read_result(result, proc.returncode)
    sub.status, sub.message = data["status"], data.get("message", "")
    sub.exercise, sub.checks = data.get("exercise", ""), data.get("checks", [])
    sub.score = sum(c["earned"] for c in sub.checks)
    sub.max_score = sum(c["points"] for c in sub.checks)
    return sub


def read_result(result: Path, returncode: int) -> dict[str, Any]:
    """The worker's verdict, or a 'crashed' one when it left none that can be read."""
    try:
        return json.loads(result.read_text())
    except (OSError, ValueError):
        return {"status": "crashed", "message": f"the grading process stopped (exit code {returncode}) "
                                                "before it could report."}


def expand(paths: list[Path]) -> list[Path]:
    files = []
    for p in paths:
        if p.is_dir():
            files += sorted(p.glob("*.ipynb"))
        elif p.exists():
            files.append(p)
        else:
            raise AccelkitError(f"no such file or folder: {p}.")
    return files


def write_report(subs: list[Submission], out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    json_path, csv_path = out / "grades.json", out / "grades.csv"
    json_path.write_text(json.dumps([asdict(s) for s in subs], indent=1, ensure_ascii=False))
    with open(csv_path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["submission", "exercise", "status", "check", "earned", "points", "message"])
        for s in subs:
            for c in s.checks or [{"name": "", "earned": 0, "points": 0, "message": s.message}]:
                writer.writerow([s.path, s.exercise, s.status, c["name"], c["earned"], c["points"], c["message"]])
    return json_path, csv_path


def grade_paths(paths: list[Path], *, timeout_s: int = 120, out: Path = Path("grades")) -> list[Submission]:
    """Grade every notebook under ``paths``, print one line each, write grades.json/.csv."""
    files = expand(paths)
    if not files:
        raise AccelkitError(f"no notebooks to grade in {', '.join(map(str, paths))}.")
    from ...core.progress_bars import steps

    subs = []
    for f in steps(files, "grading"):
        sub = grade_one(f, timeout_s)
        subs.append(sub)
        detail = f"{sub.score}/{sub.max_score}" if sub.status == "graded" else sub.message
        print(f"{sub.status:<16} {f.name:<40} {sub.exercise:<32} {detail}")
    json_path, csv_path = write_report(subs, out)
    print(f"report: {json_path} and {csv_path}")
    return subs


if __name__ == "__main__":
    raise SystemExit(worker(sys.argv[1], sys.argv[2], int(sys.argv[3])))
