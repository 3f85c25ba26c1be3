"""Where the kit keeps things and how long it measures (taught in notebook 00).

Environment variables:
- ``ACCELKIT_QUICK=1``: quick mode (CI, ``make test``): every measuring window is short.
- ``ACCELKIT_CACHE_DIR``: where exported ONNX / IR / quantized models are built (default
  ``~/.cache/accelkit``). Built models are keyed by content, so a stale one is never reused.
- ``ACCELKIT_DATA_DIR``: the kit's ``data/`` folder (default: the one beside the package).
- ``ACCELKIT_EP_DIR``: where ``accelkit eps install`` puts the OpenVINO EP packages (default
  ``<environment>/accelkit-ep``).
"""
from __future__ import annotations

import os
from pathlib import Path

__all__ = ["QUICK_SECONDS", "DEFAULT_SECONDS", "is_quick", "default_seconds", "data_dir", "cache_dir",
           "decline_openvino_telemetry", "ep_dir"]

QUICK_SECONDS = 1.0     # timed window per configuration in quick mode
DEFAULT_SECONDS = 4.0   # the learner's default: longer and steadier


def is_quick() -> bool:
    """True when ``ACCELKIT_QUICK`` is set to something other than ``0``/empty."""
    return os.environ.get("ACCELKIT_QUICK", "") not in ("", "0", "false", "no")


def default_seconds() -> float:
    """The timed window the harness uses when the caller gives none."""
    return QUICK_SECONDS if is_quick() else DEFAULT_SECONDS


def data_dir() -> Path:
    """The kit's data folder (weights, quizzes, claims): beside the package in the repository."""
    env = os.environ.get("ACCELKIT_DATA_DIR")
    path = Path(env) if env else Path(__file__).resolve().parent.parent / "data"
    if not path.is_dir():
        from .errors import AccelkitError

        raise AccelkitError(f"the kit's data folder {path} is missing: run the kit from its repository "
                            "(`make lab` installs it in editable mode) or set ACCELKIT_DATA_DIR.")
    return path


def cache_dir() -> Path:
    """The folder built models go to; created on first use."""
    env = os.environ.get("ACCELKIT_CACHE_DIR")
    path = Path(env) if env else Path.home() / ".cache" / "accelkit"
    path.mkdir(parents=True, exist_ok=True)
    return path


def ep_dir() -> Path:
    """Where the OpenVINO EP packages live (``accelkit eps install``): beside the environment the
    kit runs in, so each environment has its own; ``ACCELKIT_EP_DIR`` overrides it."""
    import sys

    env = os.environ.get("ACCELKIT_EP_DIR")
    return Path(env) if env else Path(sys.prefix) / "accelkit-ep"


def decline_openvino_telemetry() -> None:
    """The kit runs offline: OpenVINO's telemetry (which tries to reach an analytics server on
    ``import openvino``) is declined the way its own ``opt_in_out --opt_out`` does it, by a
    consent file holding "0" - written only when the learner has made no choice yet, and never
    when ``ACCELKIT_ALLOW_TELEMETRY=1``. Must never fail: ``import accelkit`` calls it."""
    if os.environ.get("ACCELKIT_ALLOW_TELEMETRY") == "1":
        return
    try:
        consent = Path.home() / "intel" / "openvino_telemetry"
        if not consent.exists():
            consent.parent.mkdir(parents=True, exist_ok=True)
            consent.write_text("0")
    except OSError:
        pass
