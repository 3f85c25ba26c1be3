"""Benchmark suite (not tests): ``make bench`` or ``python benchmarks/suite.py [--seconds 10]``.

Prints, and writes to build/bench.json and build/bench.md, the ratios the kit claims:
harness vs benchmark_app, graph-level speedups (ORT levels, transformer fusion), ORT vs
OpenVINO per precision, and INT8 speedups on both runtimes. Every configuration is measured
by the kit's harness in a fresh process (isolate=True), so no runtime's threads disturb another.
Each figure carries its settings and the hardware line. Ratios are printed, never asserted.
"""
from __future__ import annotations

import argparse
import json
from functools import partial
from pathlib import Path

from accelkit.bench import measure
from accelkit.benchapp import compare_with_benchmark_app
from accelkit.export import ir_path, onnx_path
from accelkit.hardware import host_line
from accelkit.ort import ort_runner
from accelkit.ov import ov_runner


def timed(builder, seconds: float, label: str):
    return measure(builder, seconds=seconds, isolate=True, label=label)


def ratio_row(group: str, what: str, base, other) -> dict:
    """base.median / other.median: how many times faster ``other`` is than ``base``."""
    return {"group": group, "what": what, "ratio": base.median_ms / other.median_ms,
            "base": base.row(), "other": other.row()}


def graph_rows(seconds: float) -> list[dict]:
    from accelkit.graphopt import fuse_transformer

    resnet, encoder = onnx_path("resnet18_like"), onnx_path("tiny_encoder")
    fused, _ = fuse_transformer(encoder)
    r_off = timed(partial(ort_runner, resnet, opt_level="disable"), seconds, "ORT resnet disable")
    r_all = timed(partial(ort_runner, resnet, opt_level="all"), seconds, "ORT resnet all")
    e_off = timed(partial(ort_runner, encoder, opt_level="disable"), seconds, "ORT encoder disable")
    e_fused = timed(partial(ort_runner, fused, opt_level="all"), seconds, "ORT encoder bert-fused all")
    return [ratio_row("graph", "ORT ALL vs DISABLE, resnet18_like", r_off, r_all),
            ratio_row("graph", "ORT transformer-fused+ALL vs DISABLE, tiny_encoder", e_off, e_fused)]


def runtime_rows(seconds: float) -> list[dict]:
    rows = []
    for name in ("resnet18_like", "tiny_encoder"):
        ort_f32 = timed(partial(ort_runner, onnx_path(name)), seconds, f"ORT {name} f32")
        ov_f32 = timed(partial(ov_runner, ir_path(name), precision="f32"), seconds, f"OV {name} f32")
        ov_default = timed(partial(ov_runner, ir_path(name)), seconds, f"OV {name} default")
        rows += [ratio_row("runtime", f"OpenVINO f32 vs ORT, {name}", ort_f32, ov_f32),
                 ratio_row("runtime", f"OpenVINO default ({ov_default.exec_precision}) vs f32, {name}",
                           ov_f32, ov_default)]
    return rows


def int8_rows(seconds: float) -> list[dict]:
    from accelkit.quant import nncf_int8_ir, ort_static_int8

    name = "resnet18_like"
    ort_f32 = timed(partial(ort_runner, onnx_path(name)), seconds, "ORT f32")
    ort_i8 = timed(partial(ort_runner, ort_static_int8(name)), seconds, "ORT INT8 QDQ U8S8 per-channel")
    ov_f32 = timed(partial(ov_runner, ir_path(name), precision="f32"), seconds, "OV f32")
    ov_i8 = timed(partial(ov_runner, nncf_int8_ir(name), precision="f32"), seconds, "OV NNCF INT8")
    return [ratio_row("int8", "ORT INT8 (U8S8 QDQ) vs true f32, resnet18_like", ort_f32, ort_i8),
            ratio_row("int8", "OpenVINO NNCF INT8 vs true f32, resnet18_like", ov_f32, ov_i8),
            ratio_row("runtime", "OpenVINO INT8 vs ORT INT8, resnet18_like", ort_i8, ov_i8)]


def harness_rows(seconds: float) -> list[dict]:
    configs = [("resnet18_like", "latency", "f32"), ("resnet18_like", "latency", None),
               ("digits_cnn", "latency", None), ("resnet18_like", "throughput", None)]
    return [{"group": "harness", "what": f"harness/benchmark_app median, {m} {h} {p or 'default'}",
             "ratio": row["median_ratio"], "fps_ratio": row["fps_ratio"], "detail": row}
            for m, h, p in configs
            for row in [compare_with_benchmark_app(ir_path(m), hint=h, precision=p, seconds=seconds)]]


def markdown(rows: list[dict], host: str, seconds: float) -> str:
    lines = [f"# accelkit benchmark suite", "", f"Host: {host}; window {seconds:g} s per configuration.", "",
             "| group | figure | ratio | settings |", "| --- | --- | --- | --- |"]
    for r in rows:
        if "detail" in r:
            d = r["detail"]
            settings = f"{d['hint']}, {d['precision']} (ran {d['exec_precision']}), fps ratio {r['fps_ratio']:.3f}"
        else:
            b, o = r["base"], r["other"]
            settings = (f"{b['label']}: {b['median_ms']:.2f} ms ({b['exec_precision']}, threads {b['threads']}) → "
                        f"{o['label']}: {o['median_ms']:.2f} ms ({o['exec_precision']}, threads {o['threads']})")
        lines.append(f"| {r['group']} | {r['what']} | {r['ratio']:.3f} | {settings} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="window per configuration")
    parser.add_argument("--out", type=Path, default=Path("build"))
    args = parser.parse_args()
    host = host_line()
    print(f"host: {host}")
    rows = []
    for part in (harness_rows, graph_rows, runtime_rows, int8_rows):
        for row in part(args.seconds):
            rows.append(row)
            print(f"{row['group']:<8} {row['ratio']:7.3f}  {row['what']}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench.json").write_text(json.dumps({"host": host, "window_s": args.seconds, "rows": rows},
                                                    indent=1, default=str))
    (args.out / "bench.md").write_text(markdown(rows, host, args.seconds))
    print(f"wrote {args.out / 'bench.json'} and {args.out / 'bench.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
