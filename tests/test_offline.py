"""The offline guarantee: notebooks run with every non-loopback connection refused and logged."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUARD = Path(__file__).resolve().parent / "offline"


def guarded_env(log: Path) -> dict:
    env = {**os.environ, "ACCELKIT_NETLOG": str(log), "ACCELKIT_QUICK": "1", "ACCELKIT_NO_BARS": "1"}
    env["PYTHONPATH"] = os.pathsep.join([str(GUARD), env.get("PYTHONPATH", "")])
    return env


def test_the_guard_refuses_and_logs(tmp_path):
    log = tmp_path / "net.log"
    code = "import socket\ntry:\n    socket.create_connection(('192.0.2.1', 80), timeout=1)\nexcept OSError as e:\n    print(e)"
    out = subprocess.run([sys.executable, "-c", code], env=guarded_env(log), capture_output=True, text=True).stdout
    assert "blocked by the offline test" in out and "192.0.2.1" in log.read_text()


@pytest.mark.parametrize("notebook", ["03-openvino-ir-conversion.ipynb", "08-interview-drill.ipynb"])
def test_notebooks_never_reach_out(tmp_path, notebook):
    log = tmp_path / "net.log"
    env = {**guarded_env(log), "ACCELKIT_PROGRESS": str(tmp_path / "progress.json")}
    done = subprocess.run([sys.executable, "-m", "accelkit", "run", str(ROOT / "notebooks" / notebook),
                           "--out", str(tmp_path / "build")], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert not log.exists() or log.read_text() == "", f"network access attempted:\n{log.read_text()}"
