import pytest


@pytest.fixture(autouse=True)
def private_progress(tmp_path, monkeypatch):
    """Every test gets its own progress file: tests never touch a learner's progress."""
    monkeypatch.setenv("ACCELKIT_PROGRESS", str(tmp_path / "progress.json"))
    monkeypatch.delenv("ACCELKIT_RESULTS_LOG", raising=False)
