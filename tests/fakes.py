"""Fake runners with known behaviour, to test the harness without any runtime."""
from __future__ import annotations


class FakeRunner:
    """Each infer() reports a latency from a fixed cycle; counts calls; records close()."""

    def __init__(self, reported=(1.0, 2.0, 3.0, 4.0), report=True):
        self.reported, self.report, self.calls, self.closed = list(reported), report, 0, False
        self.settings = {"runtime": "fake", "device": "CPU", "model": "fake", "hint": "latency",
                         "precision": "f32", "exec_precision": "f32", "threads": 1, "streams": 1,
                         "nireq": 1, "opt_level": None}

    def infer(self):
        value = self.reported[self.calls % len(self.reported)]
        self.calls += 1
        return value if self.report else None

    def close(self):
        self.closed = True


def fake_builder():
    """Module-level (picklable) builder, for isolate=True."""
    return FakeRunner()


class StepClock:
    """A clock that advances by fixed steps: every call returns the next time (seconds)."""

    def __init__(self, step_s):
        self.t, self.step = 0.0, step_s

    def __call__(self):
        self.t += self.step
        return self.t


def pid_builder():
    """A runner that reports the process it was built in (as its model name)."""
    import os

    runner = FakeRunner()
    runner.settings["model"] = f"pid-{os.getpid()}"
    return runner


def crashing_builder():
    """Kills its own process, as a segfault would."""
    import os

    os._exit(1)
