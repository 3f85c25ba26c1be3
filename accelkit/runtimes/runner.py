"""The seam between the runtime adapters and the harness: what a runner is and what it records.

Every way of running a model (torch eager, an ORT session, an OpenVINO compiled model, a
numpy kernel in notebook 07) is a ``Runner``: ``infer()`` runs one inference, ``close()``
releases it, and ``settings`` says how it was configured, in the same ten keys for every
runtime, so results from different runtimes line up in one table.
"""
from __future__ import annotations

from typing import Any, Protocol, TypedDict, TypeGuard

__all__ = ["AsyncRunner", "Runner", "RunnerSettings", "runner_settings", "runs_async"]


class _Core(TypedDict):
    runtime: str            # 'torch', 'onnxruntime', 'openvino', 'numpy'
    device: str
    model: str
    hint: str | None        # OpenVINO's performance hint; None elsewhere
    precision: str          # what was asked for ('f32', 'bf16', 'default', 'as stored')
    exec_precision: str     # what the runtime reports it computed in
    threads: Any            # an int, or 'default'
    streams: Any
    nireq: Any              # requests in flight (async mode)
    opt_level: str | None   # ORT's graph optimization level; 'eager' for torch


class RunnerSettings(_Core, total=False):
    """The ten keys every runner records, plus the extras some runners add."""

    providers: str          # ORT: the EPs the session really registered
    io: str                 # notebook 06: how inputs and outputs are bound
    sessions: int           # notebook 01: sessions side by side
    spinning: bool          # notebook 01: ORT thread spinning
    arena: bool             # notebook 01: ORT's CPU memory arena


def runner_settings(runtime: str, device: str, model: str, *, hint: str | None = None, precision: str = "f32",
                    exec_precision: str | None = None, threads: Any = "default", streams: Any = None,
                    nireq: Any = 1, opt_level: str | None = None) -> RunnerSettings:
    """One runner's settings record; ``exec_precision`` defaults to ``precision``."""
    return RunnerSettings(runtime=runtime, device=device, model=model, hint=hint, precision=precision,
                          exec_precision=exec_precision or precision, threads=threads, streams=streams,
                          nireq=nireq, opt_level=opt_level)


class Runner(Protocol):
    settings: RunnerSettings

    def infer(self) -> float | None: ...  # one sync inference; the runtime's own ms, if it has one
    def close(self) -> None: ...


class AsyncRunner(Runner, Protocol):
    """A runner that can also keep several requests in flight (OpenVINO's): the harness's async mode."""

    def run_async(self, seconds: float | None, iterations: int | None) -> tuple[list[float], float, int]: ...


def runs_async(runner: Runner) -> TypeGuard[AsyncRunner]:
    """True when ``runner`` has the optional async capability (a ``run_async`` method)."""
    return hasattr(runner, "run_async")
