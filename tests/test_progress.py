import json
import os
import signal
import subprocess
import sys
import time

import pytest

from accelkit.learn import progress


def test_fresh_progress_is_empty(tmp_path):
    assert progress.load(tmp_path / "none.json") == progress.empty()


def test_records_survive_reload():
    progress.record_quiz("00", "q1", "b", True)
    progress.record_quiz("00", "q1", "a", False)
    progress.record_exercise("ex", 3, 10, [])
    progress.record_exercise("ex", 1, 10, [])
    data = progress.load()
    assert data["quizzes"]["00"]["q1"] == {**data["quizzes"]["00"]["q1"], "answer": "a", "correct": False, "attempts": 2}
    assert data["exercises"]["ex"]["score"] == 1 and data["exercises"]["ex"]["best"] == 3
    rows = progress.table()
    assert rows[0]["what"] == "quiz 00" and rows[1]["answered"] == "1/10"


def test_failure_mid_write_leaves_the_old_file(monkeypatch):
    progress.record_quiz("00", "q", "a", True)
    before = progress.progress_path().read_text()

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(progress.json, "dump", explode)
    with pytest.raises(OSError):
        progress.record_quiz("00", "q2", "b", True)
    assert progress.progress_path().read_text() == before
    assert not list(progress.progress_path().parent.glob(".*.tmp"))


WRITER = """
import sys, time
from accelkit.learn import progress
big = {"version": 1, "quizzes": {"00": {f"q{i}": {"answer": "x" * 200, "correct": True} for i in range(20000)}},
       "exercises": {}, "drill": {}}
print("ready", flush=True)
while True:
    progress.save(big)
"""


def test_killed_writer_never_leaves_a_corrupt_file():
    progress.record_quiz("00", "first", "a", True)
    for delay in (0.05, 0.2, 0.4):
        child = subprocess.Popen([sys.executable, "-c", WRITER], stdout=subprocess.PIPE, env=os.environ.copy())
        assert child.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait()
        data = json.loads(progress.progress_path().read_text())   # always complete JSON
        assert "first" in data["quizzes"]["00"] or len(data["quizzes"]["00"]) == 20000
