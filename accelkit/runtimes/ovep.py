"""ONNX Runtime's OpenVINO execution provider, in its two packagings (notebook 01).

- **The plugin** ``onnxruntime-ep-openvino`` (1.8.1, bundling OpenVINO 2026.4.1): a library that
  the kit's own ``onnxruntime`` 1.32 loads at run time with
  ``register_execution_provider_library``. It offers an ``OrtEpDevice`` only for hardware its
  factory accepts. Version 1.8.1 accepts Intel hardware only, so on an AMD CPU it registers and then
  offers no device.
- **The legacy wheel** ``onnxruntime-openvino`` (1.24.1, bundling OpenVINO 2025.4.1): a whole
  ONNX Runtime build with the OpenVINO EP compiled in. It replaces the ``onnxruntime`` module, so
  the kit never installs it into the learner's environment. It lives in a folder of its own, and
  experiments run in a child process that puts that folder first on ``PYTHONPATH``. This packaging
  splits a graph on any x86 CPU.

Both are installed with ``accelkit eps install`` (``make lab`` and ``make test`` call it). Each goes
into ``<environment>/accelkit-ep/<kind>/`` with ``pip --target``, and without dependencies: numpy,
onnx and protobuf come from the kit's environment. Nothing is downloaded at run time.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from ..config import ep_dir
from ..errors import AccelkitError, choice, shorten

__all__ = ["PACKAGES", "PLUGIN_LIBRARY", "package_dir", "installed_version", "plugin_library", "legacy_dir",
           "install", "run_in_legacy", "status"]

# kind -> the pinned package (measured to work beside onnxruntime 1.32.0 and openvino 2026.4.1)
PACKAGES = {"plugin": "onnxruntime-ep-openvino==1.8.1", "legacy": "onnxruntime-openvino==1.24.1"}
PLUGIN_LIBRARY = "onnxruntime_ep_openvino/libonnxruntime_providers_openvino_plugin.so"
INSTALL_HINT = "run `accelkit eps install` once, with the package index reachable (`make lab` does it)"


def package_dir(kind: str) -> Path:
    return ep_dir() / choice(kind, PACKAGES, "OpenVINO EP packaging")


def installed_version(kind: str) -> str | None:
    """The version installed for ``kind`` (read from its dist-info folder), or None."""
    name = PACKAGES[kind].split("==")[0].replace("-", "_")
    infos = sorted(package_dir(kind).glob(f"{name}-*.dist-info"))
    return infos[-1].name[len(name) + 1:-len(".dist-info")] if infos else None


def plugin_library() -> Path | None:
    """The plugin EP's shared library, or None when it is not installed."""
    path = package_dir("plugin") / PLUGIN_LIBRARY
    return path if path.is_file() else None


def legacy_dir() -> Path | None:
    """The folder holding the legacy ``onnxruntime`` package, or None when it is not installed."""
    folder = package_dir("legacy")
    return folder if (folder / "onnxruntime" / "__init__.py").is_file() else None


def status() -> dict[str, str]:
    """What is installed, for ``accelkit doctor`` and notebook 01's first cell."""
    return {kind: (f"{PACKAGES[kind].split('==')[0]} {installed_version(kind)} in {package_dir(kind)}"
                   if installed_version(kind) else f"not installed ({INSTALL_HINT})") for kind in PACKAGES}


def _link_duplicates(folder: Path) -> int:
    """Wheels cannot hold symlinks, so 'libopenvino.so', '.so.2025.4.1' and '.so.2541' arrive as three
    copies of one 25 MB file; turn the copies back into links. Returns the bytes saved."""
    saved = 0
    seen: dict[tuple[Path, int, str], Path] = {}
    for lib in sorted(folder.rglob("*.so*"), key=lambda p: (len(p.name), p.name), reverse=True):
        if lib.is_symlink() or not lib.is_file():
            continue
        key = (lib.parent, lib.stat().st_size, lib.name.split(".so")[0])
        first = seen.setdefault(key, lib)
        if first is not lib and first.read_bytes() == lib.read_bytes():
            saved += lib.stat().st_size
            lib.unlink()
            lib.symlink_to(first.name)
    return saved


def install(kinds: tuple[str, ...] = tuple(PACKAGES), *, quiet: bool = True) -> list[str]:
    """Install the pinned packages that are missing (``pip install --no-deps --target``); one line each."""
    lines = []
    for kind in kinds:
        want = PACKAGES[choice(kind, PACKAGES, "OpenVINO EP packaging")].split("==")[1]
        if installed_version(kind) == want:
            lines.append(f"{kind}: {PACKAGES[kind]} already installed")
            continue
        target = package_dir(kind)
        cmd = [sys.executable, "-m", "pip", "install", "--no-deps", "--upgrade", "--target", str(target),
               *(["--quiet"] if quiet else []), PACKAGES[kind]]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            why = (done.stderr.strip().splitlines() or ["pip failed"])[-1]
            raise AccelkitError(f"could not install {PACKAGES[kind]} into {target} ({shorten(why, 200)}); "
                                "it needs the package index once, offline use afterwards.")
        saved = _link_duplicates(target)
        lines.append(f"{kind}: installed {PACKAGES[kind]} into {target} ({saved / 1e6:.0f} MB of duplicate "
                     "libraries linked)")
    return lines


def run_in_legacy(module: str, spec: dict[str, Any], *, timeout_s: float = 600) -> dict[str, Any]:
    """Run ``python -m <module>`` in a child process that imports the legacy ``onnxruntime``
    (OpenVINO EP built in), with ``spec`` as JSON on stdin. The child prints one JSON object, which
    is returned. The parent never imports the legacy build: two ONNX Runtimes cannot share a process."""
    folder = legacy_dir()
    if folder is None:
        raise AccelkitError(f"the OpenVINO EP build (onnxruntime-openvino) is not installed: {INSTALL_HINT}.")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(folder), *filter(None, [env.get("PYTHONPATH")])])
    try:
        done = subprocess.run([sys.executable, "-m", module], input=json.dumps(spec), capture_output=True,
                              text=True, env=env, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise AccelkitError(f"the OpenVINO EP experiment did not finish within {timeout_s:.0f} s.") from None
    if done.returncode != 0:
        last = [ln for ln in done.stderr.strip().splitlines() if ln.strip()] or ["no message"]
        raise AccelkitError(f"the OpenVINO EP experiment failed ({shorten(last[-1], 240)}).")
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise AccelkitError("the OpenVINO EP experiment printed no result.") from None
