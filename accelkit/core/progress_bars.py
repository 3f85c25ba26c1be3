"""Progress bars for steps that take more than a few seconds (building and measuring many
configurations, training, ``make run``, grading). A widget in JupyterLab, a one-line bar in a
terminal, nothing when output is captured. ``ACCELKIT_NO_BARS=1`` turns them off everywhere
(``make test`` does, so notebook outputs stay the same from run to run)."""
from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

__all__ = ["window", "steps", "Tracked", "tracked"]

T = TypeVar("T")


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _enabled() -> bool:
    return os.environ.get("ACCELKIT_NO_BARS", "") in ("", "0")


@contextlib.contextmanager
def window(seconds: float | None, desc: str) -> Iterator[None]:
    """In a notebook, a bar that fills with elapsed time while a timed window runs. A background
    thread updates it 4 times a second, so nothing is added to the measured loop itself."""
    if not (_enabled() and seconds and _in_notebook()):
        yield
        return
    import ipywidgets as w
    from IPython.display import display

    bar = w.FloatProgress(min=0, max=seconds, description=desc[:24])
    display(bar)
    stop, start = threading.Event(), time.perf_counter()

    def tick() -> None:
        while not stop.wait(0.25):
            bar.value = min(seconds, time.perf_counter() - start)

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        bar.value, bar.bar_style = seconds, "success"


def steps(items: Iterable[T], desc: str) -> Iterator[T]:
    """Yield ``items``, showing how many are done (and which one is running) as it goes."""
    items = list(items)
    if not _enabled() or not items:
        yield from items
        return
    if _in_notebook():
        yield from _widget_steps(items, desc)
    elif sys.stderr.isatty():
        yield from _terminal_steps(items, desc)
    else:
        yield from items


def _widget_steps(items: list[T], desc: str) -> Iterator[T]:
    import ipywidgets as w
    from IPython.display import display

    bar, label = w.IntProgress(min=0, max=len(items), description=desc), w.Label()
    box = w.HBox([bar, label])
    display(box)
    for i, item in enumerate(items):
        label.value = f"{i}/{len(items)}: {item}"[:80]
        yield item
        bar.value = i + 1
    label.value = f"{len(items)}/{len(items)} done"
    bar.bar_style = "success"


def _terminal_steps(items: list[T], desc: str) -> Iterator[T]:
    width = 24
    for i, item in enumerate(items):
        done = width * i // len(items)
        sys.stderr.write(f"\r{desc} [{'#' * done}{'.' * (width - done)}] {i}/{len(items)} {str(item)[:40]:<40}")
        sys.stderr.flush()
        yield item
    sys.stderr.write(f"\r{desc} [{'#' * width}] {len(items)}/{len(items)} done{' ' * 40}\n")


class Tracked:
    """A read-only sequence that moves a bar as a consumer (a quantizer calibrating) reads it;
    a second pass over the data shows as 'pass 2'."""

    def __init__(self, items, desc: str) -> None:
        self.items, self.reads = items, 0
        self.bar = self.label = None
        if _enabled() and _in_notebook() and len(items):
            import ipywidgets as w
            from IPython.display import display

            self.bar, self.label = w.IntProgress(min=0, max=len(items), description=desc[:24]), w.Label()
            display(w.HBox([self.bar, self.label]))

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index):
        item = self.items[index]
        if self.bar is not None and not isinstance(index, slice):
            self.reads += 1
            done, passes = self.reads % len(self.items) or len(self.items), (self.reads - 1) // len(self.items) + 1
            self.bar.value, self.label.value = done, f"{done}/{len(self.items)} samples, pass {passes}"
        return item

    def __iter__(self):
        return (self[i] for i in range(len(self.items)))


def tracked(items, desc: str):
    """``items`` wrapped so reading them shows progress (or ``items`` itself when bars are off)."""
    return Tracked(items, desc) if _enabled() and _in_notebook() else items
