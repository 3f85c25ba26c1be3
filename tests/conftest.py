import os
from pathlib import Path

import pytest


def pytest_sessionfinish(session, exitstatus):
    """`make test` runs everything under the offline socket guard (tests/offline): any attempt by
    pytest, a notebook kernel or JupyterLab to reach a non-loopback address fails the run."""
    log = Path(os.environ.get("ACCELKIT_NETLOG", "") or os.devnull)
    if log.is_file() and log.read_text().strip():
        print(f"\nFAILED offline guarantee: network access was attempted (log {log}):\n{log.read_text()}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def private_progress(tmp_path, monkeypatch):
    """Every test gets its own progress file: tests never touch a learner's progress."""
    monkeypatch.setenv("ACCELKIT_PROGRESS", str(tmp_path / "progress.json"))
    monkeypatch.delenv("ACCELKIT_RESULTS_LOG", raising=False)


@pytest.fixture(scope="session")
def ov_cpu_precision():
    """The precision OpenVINO's CPU plugin really runs an FP32 model in on this machine by default
    (bf16 where the CPU has native BF16, f32 elsewhere): read from the runtime, never assumed."""
    from accelkit.hardware import ov_devices

    cpu = [d for d in ov_devices() if d.name == "CPU"]
    assert cpu, "OpenVINO's CPU plugin did not load"
    return cpu[0].default_precision


@pytest.fixture(scope="session")
def digits_files(tmp_path_factory):
    """Copies of the digits model's files (.onnx + .onnx.data, .xml + .bin): tests copy them again
    before damaging them, so this folder stays intact for the whole session."""
    import shutil

    from accelkit.models.files import ir_path, onnx_path

    folder = tmp_path_factory.mktemp("models")
    onnx, xml = onnx_path("digits_cnn"), ir_path("digits_cnn")
    for src in (onnx, onnx.with_name(onnx.name + ".data"), xml, xml.with_suffix(".bin")):
        shutil.copy(src, folder / src.name)
    return folder
