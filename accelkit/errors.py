"""The one exception type the kit raises for things a learner can cause."""
from __future__ import annotations


class AccelkitError(Exception):
    """A problem the learner can fix: the message is one sentence saying what is wrong and what
    to do or what is available. The CLI prints it without a traceback and exits with code 2."""


def first_line(exc: BaseException) -> str:
    """The meaningful line of a runtime's exception text (OpenVINO puts a source path first)."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    useful = [ln for ln in lines if not ln.startswith("Exception from") and not ln.startswith("Check ")]
    return (useful or lines or [type(exc).__name__])[0][:200]
