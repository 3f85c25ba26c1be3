"""Putting it together (notebook 07): every runtime x precision for a model, measured in
isolation, and a decision from the learner's own constraints.

Each configuration is built from the kit's model files and the topic modules (quant), measured by the harness
in a fresh process (``isolate=True``: no other runtime's threads alive beside it) and scored
(size on disk, max output error vs true FP32). A configuration that cannot be built or run on
this machine stays in the table with its reason. ``compare_configs`` re-measures a few of them in
interleaved, repeated windows (``accelkit.compare``) before a conclusion is drawn from them.

The error column is output *drift* from true FP32, not accuracy: the capstone's models have
random weights, so only a trained model with labelled data (notebook 04's digits CNN) can say
what a configuration costs in accuracy. ``throughput_fps`` is one request at a time (sync
mode); OpenVINO's THROUGHPUT hint with several requests in flight serves more (notebook 05).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import AccelkitError, first_line

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

    from .harness.interleave import Comparison
    from .runtimes.runner import Runner

__all__ = ["Config", "configurations", "builder_for", "evaluate", "compare_configs", "dynamic_quantization",
           "evaluate_all", "Decision", "CONSTRAINTS", "decide", "has_native_bf16", "scatter", "constraint_table",
           "describe"]


@dataclass(frozen=True)
class Config:
    model: str
    runtime: str             # 'onnxruntime' | 'openvino' | 'torch'
    precision: str           # what was asked: f32, bf16, int8, int8-weights...
    build_path: Callable[[], Path] | None   # the model file (None for torch)
    ov_precision: str | None = None
    device: str = "CPU"

    @property
    def label(self) -> str:
        return f"{self.runtime} {self.device} {self.precision}"


def _int8_configs(model: str) -> list[Config]:
    """INT8 for a model: static INT8 with calibration for the CNN on both runtimes; for the
    encoder (no calibration data) ORT's dynamic INT8 and OpenVINO's INT8 weight compression."""
    from . import quant

    if model in quant.CALIBRATED_MODELS:
        return [Config(model, "onnxruntime", "int8", partial(quant.ort_static_int8, model)),
                Config(model, "openvino", "int8", partial(quant.nncf_int8_ir, model), ov_precision="f32")]
    return [Config(model, "onnxruntime", "int8-dynamic", partial(quant.ort_dynamic_int8, model)),
            Config(model, "openvino", "int8-weights", partial(quant.compressed_ir, model, mode="int8"),
                   ov_precision="f32")]


def configurations(model: str, *, bf16: bool, gpu_devices: tuple[str, ...] = (), cuda: bool = False) -> list[Config]:
    """Every configuration the capstone measures for ``model`` on this machine."""
    from .models.files import ir_path, onnx_path

    configs = [Config(model, "torch", "f32", None),
               Config(model, "onnxruntime", "f32", partial(onnx_path, model)),
               Config(model, "openvino", "f32", partial(ir_path, model), ov_precision="f32"),
               *_int8_configs(model)]
    if bf16:
        configs.append(Config(model, "openvino", "bf16", partial(ir_path, model), ov_precision="bf16"))
    configs += [Config(model, "openvino", "default", partial(ir_path, model), device=d) for d in gpu_devices]
    if cuda:
        configs.append(Config(model, "onnxruntime", "f32", partial(onnx_path, model), device="CUDA"))
    return configs


def builder_for(config: Config, path: Path | None) -> Callable[[], Runner]:
    from .runtimes.ort import ort_runner
    from .runtimes.ov import ov_runner
    from .runtimes.torch_eager import torch_runner

    if config.runtime == "torch":
        return partial(torch_runner, config.model)
    if path is None:
        raise AccelkitError(f"{config.label} needs a model file: give its Config a build_path.")
    if config.runtime == "onnxruntime":
        return partial(ort_runner, path, device=config.device)
    return partial(ov_runner, path, device=config.device, precision=config.ov_precision)


def evaluate(config: Config, *, seconds: float | None = None) -> dict[str, Any]:
    """Build, measure (isolated) and score one configuration; failures become a row with the reason."""
    from .harness.measure import measure
    from .models.files import ir_path, model_size_mb
    from .quant import score

    row: dict[str, Any] = {"label": config.label, "model": config.model, "runtime": config.runtime,
                           "device": config.device, "precision": config.precision}
    try:
        path = config.build_path() if config.build_path else None
        result = measure(builder_for(config, path), seconds=seconds, isolate=True, label=config.label)
        quality = score(config.model, path, precision=config.ov_precision) if path else \
            {"size_mb": model_size_mb(ir_path(config.model)), "max_err_rel": 0.0}
    except Exception as exc:  # a build or run that fails here is a finding: keep the row with its reason
        return {**row, "status": f"not run: {first_line(exc)}"}
    result.model = config.model  # the variant's file stem (e.g. '...ort-int8-qdq...') is in 'file'
    if (config.runtime == "openvino" and config.precision == "int8-weights" and path is not None
            and dynamic_quantization(path, config)):
        result.exec_precision = f"{result.exec_precision}+dq"  # may compute in INT8: see dynamic_quantization
    int8, total = (int(n) for n in str(quality.get("int8_ops", "0/0")).split("/"))
    if total and int8 * 2 > total:  # most compute ops of the executed graph ran in INT8
        result.exec_precision = "int8"
    return {**row, "status": "ok", "file": path.name if path else "", "exec_precision": result.exec_precision,
            "median_ms": result.median_ms,
            "p99_ms": result.p99_ms, "throughput_fps": result.throughput_fps, "compile_ms": result.compile_ms,
            "size_mb": quality["size_mb"], "max_err_rel": quality["max_err_rel"], "result": result}


def compare_configs(configs: list[Config], model: str, labels: list[str], *, pairs: int | None = None,
                    seconds: float | None = None, isolate: bool = True) -> Comparison:
    """Interleaved, repeated windows (``accelkit.compare``, each in a fresh process by default) of
    the configurations of ``model`` named by ``labels``; pairs: 3 in quick mode, else 5."""
    from .harness.interleave import compare

    chosen = {c.label: c for c in configs if c.model == model and c.label in labels}
    missing = [label for label in labels if label not in chosen]
    if missing:
        raise AccelkitError(f"no configuration {', '.join(map(repr, missing))} of {model}; it has "
                            f"{', '.join(c.label for c in configs if c.model == model)}.")
    builders = {label: builder_for(c, c.build_path() if c.build_path else None) for label, c in chosen.items()}
    return compare(builders, pairs=pairs, seconds=seconds, isolate=isolate)


def dynamic_quantization(path: Path, config: Config) -> int:
    """OpenVINO's DYNAMIC_QUANTIZATION_GROUP_SIZE for this configuration (0 = off). When it is on,
    the CPU plugin may quantize the activations of weight-compressed matmuls at run time and
    compute them in INT8 (here, with VNNI, that ran the encoder about 2x faster than with it off),
    so the roofline holds such a row to the INT8 roof."""
    from .runtimes.ov import compile_model, compiled_property

    compiled = compile_model(path, device=config.device, precision=config.ov_precision)
    return int(compiled_property(compiled, "DYNAMIC_QUANTIZATION_GROUP_SIZE", 0) or 0)


def evaluate_all(configs: list[Config], *, seconds: float | None = None) -> list[dict[str, Any]]:
    """``evaluate`` every configuration, with a progress bar (this takes a while)."""
    from .core.progress_bars import steps

    by_label = {f"{c.model} {c.label}": c for c in configs}
    return [evaluate(by_label[name], seconds=seconds) for name in steps(by_label, "measuring")]


@dataclass
class Decision:
    choice: dict[str, Any] | None
    reasons: list[str]
    nearest: dict[str, Any] | None = None

    def __repr__(self) -> str:
        head = (f"Choose: {self.choice['label']} ({self.choice['model']})" if self.choice
                else "No configuration meets every constraint.")
        tail = [f"Nearest: {self.nearest['label']} ({self.nearest['model']})"] if self.nearest else []
        return "\n".join([head, *[f"  - {r}" for r in self.reasons], *tail])


CONSTRAINTS = {  # name -> (row column, True if the value must stay below the limit)
    "latency_ms": ("p99_ms", True), "min_fps": ("throughput_fps", False),
    "max_size_mb": ("size_mb", True), "max_error": ("max_err_rel", True),
}


def _violation(row: dict[str, Any], limits: dict[str, float]) -> float:
    """How far a row is from meeting every limit (sum of relative overshoots; 0 = meets all)."""
    total = 0.0
    for name, limit in limits.items():
        column, below = CONSTRAINTS[name]
        value = row[column]
        over = (value - limit) if below else (limit - value)
        total += max(0.0, over) / max(abs(limit), 1e-9)
    return total


def decide(rows: list[dict[str, Any]], **limits: float | None) -> Decision:
    """Pick the fastest (lowest p99) configuration that meets every given limit: ``latency_ms``
    (p99), ``min_fps`` (sync FPS, one request at a time: a lower bound for OpenVINO's THROUGHPUT
    hint), ``max_size_mb``, ``max_error`` (relative output drift from FP32 - not an accuracy)."""
    unknown = set(limits) - set(CONSTRAINTS)
    if unknown:
        raise AccelkitError(f"unknown constraint {', '.join(sorted(unknown))}; use: {', '.join(CONSTRAINTS)}.")
    given = {k: v for k, v in limits.items() if v is not None}
    ran = [r for r in rows if r.get("status") == "ok"]
    if not ran:
        return Decision(None, ["no configuration ran on this machine"])
    fits = sorted((r for r in ran if _violation(r, given) == 0), key=lambda r: r["p99_ms"])
    if fits:
        best = fits[0]
        reasons = [f"meets {describe(given)}" if given else "no constraints given: the fastest at p99",
                   f"p99 {best['p99_ms']:.2f} ms, {best['throughput_fps']:.0f} FPS (one request at a time), "
                   f"{best['size_mb']:.1f} MB, output drift from FP32 {best['max_err_rel']:.1e}"]
        if len(fits) > 1:
            reasons.append(f"{len(fits) - 1} other configuration(s) also fit; this one has the lowest p99")
        return Decision(best, reasons)
    nearest = min(ran, key=lambda r: _violation(r, given))
    missed = [name for name in given if _violation(nearest, {name: given[name]}) > 0]
    return Decision(None, [f"nothing meets {describe(given)}",
                           f"the nearest misses: {', '.join(missed)}"], nearest)


def has_native_bf16() -> bool:
    """Whether OpenVINO's CPU plugin reports BF16 among its capabilities here."""
    from .runtimes.ov import core

    return "BF16" in [str(c) for c in core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")]


def scatter(rows: list[dict[str, Any]], title: str = "Latency, size and error of every configuration") -> go.Figure:
    """p99 latency vs size on disk, one point per configuration that ran (hover: error, FPS)."""
    import plotly.graph_objects as go

    from .core.charts import use_offline_renderer

    use_offline_renderer()
    fig = go.Figure()
    for model in sorted({r["model"] for r in rows}):
        ran = [r for r in rows if r["model"] == model and r.get("status") == "ok"]
        fig.add_trace(go.Scatter(
            x=[r["p99_ms"] for r in ran], y=[r["size_mb"] for r in ran], mode="markers+text", name=model,
            text=[r["label"].replace(" CPU", "") for r in ran], textposition="top center",
            hovertext=[f"drift from FP32 {r['max_err_rel']:.1e}, {r['throughput_fps']:.0f} FPS (sync)" for r in ran]))
    fig.update_layout(title=title, xaxis_title="p99 latency, ms (log)", yaxis_title="size on disk, MB",
                      xaxis_type="log", height=460)
    return fig


def constraint_table(rows: list[dict[str, Any]], **limits: float | None) -> pd.DataFrame:
    """One row per configuration with a pass/fail column per given limit (the decision table)."""
    import pandas as pd

    given = {k: v for k, v in limits.items() if v is not None}
    out = []
    for r in rows:
        line = {"label": r["label"], "model": r["model"]}
        if r.get("status") != "ok":
            out.append({**line, **{name: "not run" for name in given}, "meets all": False})
            continue
        passed = {name: _violation(r, {name: value}) == 0 for name, value in given.items()}
        out.append({**line, **{name: "pass" if ok else "fail" for name, ok in passed.items()},
                    "meets all": all(passed.values())})
    return pd.DataFrame(out)


def describe(limits: dict[str, float]) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in limits.items())
