"""The claims registry (``data/claims.yaml``): what the study note this kit grew from asserts,
and what this machine measured. Every topic notebook ends with a "claimed vs measured here"
table built by ``claim_table``; claims that need a GPU or other hardware say so.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from .config import data_dir
from .core.banks import fail, load_yaml, require, unique_ids
from .errors import AccelkitError

__all__ = ["STATUSES", "TOPICS", "Claim", "claims_path", "load_claims", "claims_for", "ClaimTable", "claim_table",
           "check_openvino_runtime_import", "check_device_plugins", "check_onednn_tbb", "package_size_mb"]

STATUSES = ("checkable", "partly-true", "outdated", "needs-gpu", "needs-hardware")
TOPICS = ("ep-architecture", "graph-optimizations", "ir-conversion", "quantization", "devices", "io-binding",
          "tensorrt", "deployment")
UNMEASURED = {
    "checkable": "not measured in this run",
    "partly-true": "not measured in this run",
    "outdated": "outdated",
    "needs-gpu": "needs a GPU: not checkable here",
    "needs-hardware": "needs that hardware: not checkable here",
}


@dataclass(frozen=True)
class Claim:
    id: str
    topic: str
    notebook: str
    claim: str
    status: str
    check: str
    correction: str
    source: str


def claims_path() -> Path:
    return data_dir() / "claims.yaml"


def load_claims(path: Path | None = None) -> list[Claim]:
    """Every claim, validated (enums, required fields, unique ids) with file-and-line errors."""
    path = path or claims_path()
    raw = require(path, load_yaml(path), "claims", list)
    unique_ids(path, raw)
    claims = []
    for c in raw:
        for key, allowed in (("status", STATUSES), ("topic", TOPICS)):
            if require(path, c, key, str) not in allowed:
                raise fail(path, c, f"{key} must be one of {', '.join(allowed)}, not {c[key]!r}.")
        for key in ("notebook", "claim", "source"):
            require(path, c, key, str)
        if c["status"] in ("checkable", "partly-true"):
            require(path, c, "check", str)
        if c["status"] in ("outdated", "partly-true"):
            require(path, c, "correction", str)
        claims.append(Claim(c["id"], c["topic"], c["notebook"], c["claim"].strip(), c["status"],
                            (c.get("check") or "").strip(), (c.get("correction") or "").strip(),
                            c["source"].strip()))
    return claims


def claims_for(notebook: str) -> list[Claim]:
    return [c for c in load_claims() if c.notebook == notebook]


class ClaimTable:
    """Rows of (claim, status, measured here, verdict); prints as text, shows as HTML."""

    def __init__(self, rows: list[dict[str, str]]) -> None:
        self.rows = rows

    def text(self) -> str:
        blocks = []
        for r in self.rows:
            blocks.append(f"[{r['id']}] ({r['status']}) {r['claim']}\n  measured here: {r['measured']}\n"
                          f"  verdict: {r['verdict']}")
        return "\n".join(blocks)

    def __repr__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        head = "".join(f"<th style='text-align:left'>{h}</th>" for h in ("claim", "status", "measured here", "verdict"))
        body = "".join("<tr>" + "".join(f"<td style='text-align:left'>{html.escape(r[k])}</td>"
                                        for k in ("claim", "status", "measured", "verdict")) + "</tr>"
                       for r in self.rows)
        return f"<table><tr>{head}</tr>{body}</table>"


def claim_table(notebook: str, measured: dict[str, tuple[str, str]] | None = None, *,
                also: tuple[str, ...] = ()) -> ClaimTable:
    """The notebook's claims, then the claims ``also`` names (ids filed under an earlier notebook that
    this one measures); ``measured`` maps a claim id to (what was measured, verdict)."""
    measured = measured or {}
    by_id = {c.id: c for c in load_claims()}
    unknown = [i for i in also if i not in by_id]
    if unknown:
        raise AccelkitError(f"no claim has the id {unknown[0]!r}: the ids are in {claims_path().name}.")
    rows = []
    for c in [*claims_for(notebook), *(by_id[i] for i in also if by_id[i].notebook != notebook)]:
        value, verdict = measured.get(c.id, ("—", UNMEASURED[c.status]))
        if c.id not in measured and c.correction:
            verdict = f"{verdict}. {c.correction.split('. ')[0].rstrip('.')}."
        rows.append({"id": c.id, "claim": c.claim, "status": c.status, "measured": value, "verdict": verdict})
    return ClaimTable(rows)


def check_openvino_runtime_import() -> tuple[str, str]:
    """Does the study note's old ``from openvino.runtime import Core`` still work here?"""
    import importlib

    try:
        importlib.import_module("openvino.runtime")
    except ImportError as exc:
        return f"import fails ({type(exc).__name__})", "outdated: use `import openvino as ov` and `ov.Core()`"
    return "still imports (deprecated)", "outdated: works only on releases before 2026.0; use `import openvino as ov`"


def check_device_plugins() -> tuple[str, str]:
    """Which of the note's device plugins exist in this OpenVINO: real devices plus legacy names."""
    from .runtimes.ov import available_devices, core

    def registered(name: str) -> bool:  # the plugin is known to this OpenVINO (hardware or not)
        try:
            core().get_property(name, "SUPPORTED_PROPERTIES")
            return True
        except Exception as exc:  # GPU without OpenCL fails to load, but its plugin is registered
            return "Cannot load library" in str(exc)

    gone = [name for name in ("MYRIAD", "HDDL", "FPGA") if not registered(name)]
    known = [name for name in ("CPU", "GPU", "NPU", "AUTO", "HETERO") if registered(name)]
    value = (f"devices present: {', '.join(available_devices())}; plugins shipped: {', '.join(known)}; "
             f"no plugin for: {', '.join(gone) or 'none'}")
    verdict = ("partly true: CPU, GPU and NPU plugins ship; the VPU (MYRIAD, HDDL) and FPGA plugins are discontinued"
               if len(gone) == 3 else "partly true: some legacy plugins still answer here")
    return value, verdict


def check_onednn_tbb() -> tuple[str, str]:
    """The threading library OpenVINO ships and the CPU plugin's capabilities, read here."""
    from pathlib import Path

    import openvino

    from .runtimes.ov import core

    libs = sorted({p.name.split(".so")[0] for p in (Path(openvino.__file__).parent / "libs").glob("libtbb*")})
    caps = ", ".join(str(c) for c in core().get_property("CPU", "OPTIMIZATION_CAPABILITIES"))
    return (f"bundled: {', '.join(libs) or 'no libtbb found'}; CPU capabilities: {caps}",
            "holds for the CPU plugin (oneDNN kernels inside it, TBB threading); INT8 is a separate step (notebook 04)")


def package_size_mb(dist: str) -> float:
    """Installed size of a Python distribution (its files on disk), in MB."""
    from importlib import metadata

    files = metadata.distribution(dist).files or []
    paths = (Path(f.locate()) for f in files)
    return sum(p.stat().st_size for p in paths if p.is_file()) / 1e6
