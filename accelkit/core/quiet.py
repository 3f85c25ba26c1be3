"""One way to silence library chatter (export, graph fusion, quantization).

The runtimes talk on four channels: Python's ``logging``, Python warnings, ``sys.stdout`` /
``sys.stderr`` and, below Python, native writes to file descriptor 2 (ONNX Runtime's C++ log).
NNCF adds rich progress bars. ``quiet()`` closes all of them for one block; ``captured_stderr()``
only catches file descriptor 2, to read what ORT logged there (notebook 02).
"""
from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator

__all__ = ["captured_stderr", "quiet"]


@contextlib.contextmanager
def captured_stderr() -> Iterator[list[str]]:
    """Capture what native code writes to file descriptor 2 (ORT logs there, below Python).
    Yields a list that holds the captured lines once the block ends."""
    lines: list[str] = []
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield lines
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            lines += tmp.read().decode("utf-8", "replace").splitlines()


@contextlib.contextmanager
def _rich_silenced() -> Iterator[None]:
    """NNCF's progress bars draw on rich's global console: point it at a buffer for the block."""
    if "rich" not in sys.modules:  # only NNCF imports rich; nothing to silence before it does
        try:
            import rich
        except ImportError:
            yield
            return
    import rich

    console = rich.get_console()
    saved = dict(console.__dict__)
    rich.reconfigure(file=io.StringIO(), force_jupyter=False, force_terminal=False)
    try:
        yield
    finally:
        console.__dict__ = saved


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence everything a library may print in the block: logging (WARNING and below),
    Python warnings, stdout/stderr, native writes to file descriptor 2 and rich's console.
    Errors still propagate as exceptions."""
    chatter = io.StringIO()
    logging.disable(logging.WARNING)
    try:
        with _rich_silenced(), warnings.catch_warnings(), captured_stderr(), \
                contextlib.redirect_stdout(chatter), contextlib.redirect_stderr(chatter):
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.disable(logging.NOTSET)
