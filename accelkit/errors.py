"""The one exception type the kit raises for things a learner can cause."""
from __future__ import annotations


class AccelkitError(Exception):
    """A problem the learner can fix: the message is one sentence saying what is wrong and what
    to do or what is available. The CLI prints it without a traceback and exits with code 2."""
