"""The one exception type the kit raises for things a learner can cause, and the helpers that
turn runtimes' errors and bad values into its one sentence."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = ["AccelkitError", "first_line", "shorten", "choice", "show_in_ipython"]


class AccelkitError(Exception):
    """A problem the learner can fix: the message is one sentence saying what is wrong and what
    to do or what is available. The CLI prints it without a traceback and exits with code 2."""


# ONNX Runtime nests its errors ('[ONNXRuntimeError] : 1 : FAIL : ...') and names C++ sources and
# functions ('tensorprotoutils.cc:2201 GetExtDataFromTensorProto ...'): neither helps a learner.
ORT_PREFIX = re.compile(r"\[ONNXRuntimeError\] : \d+ : \w+ : ")
CPP_SOURCE = re.compile(r"\S+\.(?:cc|cpp|h|hpp):\d+ (?:[\w:~]+\([^)]*\)(?: const)? |\w+ )")


def first_line(exc: BaseException) -> str:
    """The meaningful line of a runtime's exception text: OpenVINO puts a source path first, ONNX
    Runtime nests its messages and names C++ functions."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    useful = [ln for ln in lines if not ln.startswith("Exception from") and not ln.startswith("Check ")]
    line = ORT_PREFIX.split((useful or lines or [type(exc).__name__])[0])[-1]
    return CPP_SOURCE.sub("", line).strip()[:200]


def choice(value: Any, allowed: Iterable[Any], what: str) -> Any:
    """``value`` if it is one of ``allowed``; otherwise the kit's one sentence:
    "unknown <what> 'x'; use one of: a, b, c." """
    allowed = list(allowed)
    if value not in allowed:
        raise AccelkitError(f"unknown {what} {value!r}; use one of: {', '.join(map(str, allowed))}.")
    return value


def shorten(text: str, limit: int = 300) -> str:
    """``text`` cut to ``limit`` characters: a learner's exception message or value can be megabytes."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def show_in_ipython() -> None:
    """In IPython/Jupyter, show an AccelkitError as its one sentence, without the call stack
    (``ACCELKIT_TRACEBACKS=1`` keeps the full traceback, for debugging the kit itself)."""
    import os
    import sys

    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or os.environ.get("ACCELKIT_TRACEBACKS") == "1":
        return

    def one_sentence(self, etype, value, tb, tb_offset=None):
        stb = [f"\x1b[0;31m{etype.__name__}\x1b[0m: {value}"]
        self._showtraceback(etype, value, stb)
        return stb

    shell.set_custom_exc((AccelkitError,), one_sentence)
