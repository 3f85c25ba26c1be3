"""Building files once and moving them into place atomically (the model cache, notebook 00).

A reader never sees a half-written file: everything is written under a temporary name in the
same folder and renamed into place (``os.replace`` is atomic on one file system). Builds are
keyed by content and library versions, so a stale build is never reused.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from importlib import metadata
from pathlib import Path

from ..config import cache_dir

__all__ = ["replacing", "build_beside", "build_once", "versions_key", "damaged_model_advice"]

# A file that travels with another: an OpenVINO IR's weights sit in the .bin beside its .xml.
PARTNERS = {".xml": ".bin"}


@contextlib.contextmanager
def replacing(out: Path, *, sync: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``out``; when the block succeeds, move what was written there
    into place (an IR's .bin first, its .xml last). ``sync=True`` flushes it to disk first (the
    learner's progress file must survive a crash). On failure nothing is left behind."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.stem}.", suffix=f".tmp{out.suffix}")
    os.close(fd)
    tmp = Path(name)
    partner = PARTNERS.get(out.suffix)
    try:
        yield tmp
        if sync:
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
        if partner and tmp.with_suffix(partner).exists():
            os.replace(tmp.with_suffix(partner), out.with_suffix(partner))
        os.replace(tmp, out)
    finally:
        for leftover in (tmp, *([tmp.with_suffix(partner)] if partner else [])):
            leftover.unlink(missing_ok=True)


def build_beside(out: Path, write: Callable[[Path], None]) -> Path:
    """``out``, made by ``write(tmp)`` the first time it is asked for (see ``replacing``)."""
    if not out.exists():
        with replacing(out) as tmp:
            write(tmp)
    return out


def build_once(folder: Path, make: Callable[[Path], object]) -> None:
    """Run ``make(tmp)`` into a temporary folder and move it into place as ``folder`` atomically;
    if another process finished the same build first, its folder is kept."""
    if folder.is_dir():
        return
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".build-"))
    tmp.chmod(0o755)
    try:
        make(tmp)
        os.replace(tmp, folder)
    except OSError:
        if not folder.is_dir():  # a real failure, not another process finishing first
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def versions_key(libs: Iterable[str], *parts: str) -> hashlib._Hash:
    """A sha256 started with ``parts`` and the installed versions of ``libs`` (a new library
    version can change what a build produces, so it means a new build)."""
    h = hashlib.sha256("|".join(parts).encode())
    for lib in libs:
        with contextlib.suppress(metadata.PackageNotFoundError):
            h.update(f"{lib}={metadata.version(lib)}".encode())
    return h


def damaged_model_advice(path: str | Path) -> str:
    """What to do about a model file a runtime could not read: a build in the kit's cache is made
    again once its folder is deleted; a file of the learner's own must be exported again."""
    try:
        inside = Path(path).resolve().relative_to(cache_dir().resolve())
    except ValueError:
        return f"export or convert {Path(path).name} again, or copy it again together with its weights file"
    return f"delete the kit's build folder {cache_dir() / inside.parts[0]} and run again: the kit rebuilds it"
