"""ONNX Runtime graph optimizations: what each level does to a graph (notebook 02).

ORT rewrites the graph when a session is created, in levels: BASIC (semantics-preserving:
constant folding, redundant-node removal, simple fusions), EXTENDED (fusions into ORT's own
contrib ops such as FusedConv), LAYOUT (NCHWc blocked layouts on x86) and ALL. Saving the
optimized graph (``optimized_model_filepath``) shows exactly what happened; ORT's verbose log
names every transformer it registered and which of them changed the graph.
"""
from __future__ import annotations

import re
import tempfile
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from .core.cache import build_beside
from .core.quiet import captured_stderr, quiet
from .errors import choice
from .runtimes.ort import make_session

if TYPE_CHECKING:
    import onnxruntime as ort

__all__ = ["LEVEL_ORDER", "create_session", "optimized_model", "save_warnings", "transformer_log", "op_kinds",
           "histogram_diff", "fuse_transformer", "level_rows", "captured_stderr"]

LEVEL_ORDER = ("disable", "basic", "extended", "layout", "all")
_APPLYING = re.compile(r"Applying (\d+) graph transformer\(s\) for level (\d+)")
_MODIFIED = re.compile(r"GraphTransformer (\w+) modified: (\d+)")
_WARNING = re.compile(r"\[W:onnxruntime:[^\]]*\] (.*?)(?:\x1b\[m)?$")


def create_session(path: str | Path, level: str, *, save_to: Path | None = None,
                   log_severity: int = 4) -> ort.InferenceSession:
    """A CPU session at ``level`` (``ort.make_session``); optionally saves the optimized graph and
    logs at ``log_severity`` (0 = verbose, with the transformer log; 1 = warnings)."""
    return make_session(path, opt_level=level, optimized_model_path=save_to, log_severity=log_severity,
                        log_verbosity=1 if log_severity == 0 else 0)


def optimized_model(path: str | Path, level: str) -> Path:
    """The graph ORT runs at ``level``, saved beside the model (built once per level)."""
    choice(level, LEVEL_ORDER, "optimization level")
    import onnxruntime as ort

    path = Path(path)
    out = path.with_name(f"{path.stem}.ort{ort.__version__}-{level}.onnx")  # a new ORT re-optimizes

    def write(tmp: Path) -> None:
        with captured_stderr():  # the 'hardware specific' warning is shown by save_warnings instead
            create_session(path, level, save_to=tmp)

    return build_beside(out, write)


def save_warnings(path: str | Path, level: str) -> list[str]:
    """The warnings ORT prints when it saves the graph optimized at ``level`` (e.g. that an
    NCHWc-optimized model is specific to this hardware)."""
    with tempfile.TemporaryDirectory() as tmp, captured_stderr() as lines:
        create_session(path, level, save_to=Path(tmp) / "m.onnx", log_severity=1)
    return [m.group(1).strip() for line in lines if (m := _WARNING.search(line))]


def transformer_log(path: str | Path, level: str = "all") -> tuple[dict[int, int], dict[str, int]]:
    """From ORT's verbose log: transformers registered per internal level, and how many times
    each named transformer modified the graph (0 = ran, changed nothing)."""
    with captured_stderr() as lines:
        create_session(path, level, log_severity=0)
    registered: dict[int, int] = {}
    modified: dict[str, int] = {}
    for line in lines:
        if m := _APPLYING.search(line):
            registered[int(m.group(2))] = int(m.group(1))
        elif m := _MODIFIED.search(line):
            modified[m.group(1)] = modified.get(m.group(1), 0) + int(m.group(2))
    return registered, modified


def op_kinds(path: str | Path) -> Counter:
    """Op types with their domain when it is not standard ONNX (e.g. 'nchwc:Conv' for ORT's
    blocked-layout convolution, 'ms:FusedConv' for its contrib op): the level tables need it."""
    from .models.files import op_histogram

    return op_histogram(path, domains=True)


def histogram_diff(before: Counter, after: Counter) -> list[tuple[str, int, int]]:
    """(op, count before, count after) for every op whose count changed, sorted by op name."""
    ops = sorted(set(before) | set(after))
    return [(op, before.get(op, 0), after.get(op, 0)) for op in ops if before.get(op, 0) != after.get(op, 0)]


def fuse_transformer(path: str | Path, *, num_heads: int = 4, hidden_size: int = 256) -> tuple[Path, dict[str, int]]:
    """Run ``onnxruntime.transformers``' BERT optimizer (offline fusions: Attention,
    SkipLayerNormalization, BiasGelu...) and save the result beside the model.
    Returns (fused model path, {fused op: count} for the ops it created).

    The EmbedLayerNormalization fusion is left off: with ORT 1.32 the fused op aborted the
    process on this encoder (its position ids come from an in-graph Range), so the kit keeps
    the embedding as plain ops and fuses everything after it."""
    import onnxruntime as ort
    from onnxruntime.transformers import optimizer
    from onnxruntime.transformers.fusion_options import FusionOptions

    path = Path(path)
    out = path.with_name(f"{path.stem}.ort{ort.__version__}-bert-fused-h{num_heads}-d{hidden_size}.onnx")
    options = FusionOptions("bert")
    options.enable_embed_layer_norm = False
    with quiet():  # its progress messages go to logging, stdout/stderr and ORT's fd 2
        model = optimizer.optimize_model(str(path), model_type="bert", num_heads=num_heads,
                                         hidden_size=hidden_size, opt_level=0, optimization_options=options)
        build_beside(out, lambda tmp: model.save_model_to_file(str(tmp)))
    stats = {op: n for op, n in model.get_fused_operator_statistics().items() if n}
    return out, stats


def level_rows(path: str | Path, levels: tuple[str, ...] = LEVEL_ORDER) -> list[dict]:
    """One row per level: node count of the saved optimized graph and its op histogram."""
    rows = []
    for level in levels:
        ops = op_kinds(optimized_model(path, level))
        rows.append({"level": level, "nodes": sum(ops.values()), "ops": dict(sorted(ops.items()))})
    return rows
