"""Benchmark suite (not tests): ``make bench`` or ``python benchmarks/suite.py [--seconds 5] [--pairs 5]``.

Prints, and writes to build/bench.json and build/bench.md, the ratios the kit claims:
harness vs benchmark_app (the kit's models and a held-out MobileNetV2-style CNN), graph-level
speedups (ORT levels, transformer fusion), ORT vs OpenVINO per precision, and INT8 speedups on
both runtimes. Every figure comes from interleaved, counterbalanced pairs of windows (A B, B A,
...), each window measured by the kit's harness in a fresh process (isolate=True), and is
printed as the median of the per-pair ratios with their range, the noise (how much one
configuration's windows varied) and a computed verdict. Each figure carries its settings and
the hardware line. Ratios are printed, never asserted.
"""
from __future__ import annotations

import argparse
import json
import sys
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness_vs_benchmark_app import cpu_flags, model_path  # noqa: E402

from accelkit.benchapp import PAIRS, compare_with_benchmark_app  # noqa: E402
from accelkit.core.host import host_line  # noqa: E402
from accelkit.harness.interleave import compare  # noqa: E402
from accelkit.models.files import ir_path, onnx_path  # noqa: E402
from accelkit.runtimes.ort import ort_runner  # noqa: E402
from accelkit.runtimes.ov import ov_runner  # noqa: E402


class Suite:
    def __init__(self, seconds: float, pairs: int):
        self.seconds, self.pairs = seconds, pairs

    def ratio_row(self, group: str, what: str, base: tuple, other: tuple) -> dict:
        """(label, builder) pairs, interleaved; ratio = base median / other median per pair
        (how many times faster ``other`` is than ``base``)."""
        cmp = compare(dict([base, other]), pairs=self.pairs, seconds=self.seconds, isolate=True)
        r = cmp.ratio(base[0], other[0])
        b, o = cmp.typical()
        return {"group": group, "what": what, "ratio": r.median, "low": r.low, "high": r.high, "pairs": r.pairs,
                "noise": cmp.noise(), "finding": cmp.is_finding(base[0], other[0]),
                "verdict": cmp.verdict(other[0], base[0]), "base": b.row(), "other": o.row(),
                "base_ms": cmp.values(base[0]), "other_ms": cmp.values(other[0])}

    def harness_rows(self) -> list[dict]:
        configs = [("resnet18_like", "latency", "f32"), ("resnet18_like", "latency", None),
                   ("mobilenetv2_heldout", "latency", "f32"), ("mobilenetv2_heldout", "latency", None),
                   ("digits_cnn", "latency", None), ("resnet18_like", "throughput", None)]
        rows = []
        for m, h, p in configs:
            a = compare_with_benchmark_app(model_path(m), hint=h, precision=p, seconds=self.seconds, pairs=self.pairs)
            r = a.median_ratio
            rows.append({"group": "harness", "what": f"harness/benchmark_app median, {m} {h} {p or 'default'}",
                         "ratio": r.median, "low": r.low, "high": r.high, "pairs": r.pairs, "noise": a.noise,
                         "verdict": f"{a.verdict()} {a.verdict('fps')}", "detail": a.row()})
        return rows

    def graph_rows(self) -> list[dict]:
        from accelkit.graphopt import fuse_transformer

        resnet, encoder = onnx_path("resnet18_like"), onnx_path("tiny_encoder")
        fused, _ = fuse_transformer(encoder)
        return [self.ratio_row("graph", "ORT ALL vs DISABLE, resnet18_like",
                               ("ORT resnet disable", partial(ort_runner, resnet, opt_level="disable")),
                               ("ORT resnet all", partial(ort_runner, resnet, opt_level="all"))),
                self.ratio_row("graph", "ORT transformer-fused+ALL vs DISABLE, tiny_encoder",
                               ("ORT encoder disable", partial(ort_runner, encoder, opt_level="disable")),
                               ("ORT encoder bert-fused all", partial(ort_runner, fused, opt_level="all")))]

    def runtime_rows(self) -> list[dict]:
        rows = []
        for name in ("resnet18_like", "tiny_encoder"):
            ort_f32 = (f"ORT {name} f32", partial(ort_runner, onnx_path(name)))
            ov_f32 = (f"OV {name} f32", partial(ov_runner, ir_path(name), precision="f32"))
            ov_default = (f"OV {name} default", partial(ov_runner, ir_path(name)))
            rows.append(self.ratio_row("runtime", f"OpenVINO f32 vs ORT, {name}", ort_f32, ov_f32))
            row = self.ratio_row("runtime", f"OpenVINO default precision vs f32, {name}", ov_f32, ov_default)
            row["what"] = f"OpenVINO default ({row['other']['exec_precision']}) vs f32, {name}"
            rows.append(row)
        return rows

    def int8_rows(self) -> list[dict]:
        from accelkit.quant import nncf_int8_ir, ort_static_int8

        name = "resnet18_like"
        ort_f32 = ("ORT f32", partial(ort_runner, onnx_path(name)))
        ort_i8 = ("ORT INT8 QDQ U8S8 per-channel", partial(ort_runner, ort_static_int8(name)))
        ov_f32 = ("OV f32", partial(ov_runner, ir_path(name), precision="f32"))
        ov_i8 = ("OV NNCF INT8", partial(ov_runner, nncf_int8_ir(name), precision="f32"))
        return [self.ratio_row("int8", "ORT INT8 (U8S8 QDQ) vs true f32, resnet18_like", ort_f32, ort_i8),
                self.ratio_row("int8", "OpenVINO NNCF INT8 vs true f32, resnet18_like", ov_f32, ov_i8),
                self.ratio_row("runtime", "OpenVINO INT8 vs ORT INT8, resnet18_like", ort_i8, ov_i8)]


def markdown(rows: list[dict], host: str, flags: str, seconds: float, pairs: int) -> str:
    lines = ["# accelkit benchmark suite", "",
             f"Host: {host}; CPU flags: {flags}. {pairs} interleaved pairs of {seconds:g} s windows per figure "
             "(order counterbalanced); ratio = median of the per-pair ratios, range = min–max over the pairs, "
             "noise = how much one configuration's windows varied.", "",
             "| group | figure | ratio (range) | noise | verdict | settings |", "| --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        if "detail" in r:
            d = r["detail"]
            ovh = "" if d["harness_overhead_us"] is None else f", overhead {d['harness_overhead_us']:.0f} µs"
            settings = (f"{d['hint']}, {d['precision']} (ran {d['exec_precision']}), fps ratio {d['fps_ratio']:.3f} "
                        f"({d['fps_ratio_low']:.3f}–{d['fps_ratio_high']:.3f}){ovh}")
        else:
            b, o = r["base"], r["other"]
            settings = (f"{b['label']}: {b['median_ms']:.2f} ms ({b['exec_precision']}, threads {b['threads']}) → "
                        f"{o['label']}: {o['median_ms']:.2f} ms ({o['exec_precision']}, threads {o['threads']})")
        lines.append(f"| {r['group']} | {r['what']} | {r['ratio']:.3f} ({r['low']:.3f}–{r['high']:.3f}) | "
                     f"{r['noise']:.0%} | {r['verdict']} | {settings} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="window per run")
    parser.add_argument("--pairs", type=int, default=PAIRS, help="interleaved pairs per figure (>= 2; a check uses 5)")
    parser.add_argument("--out", type=Path, default=Path("build"))
    args = parser.parse_args()
    host, flags = host_line(), cpu_flags()
    print(f"host: {host}\nCPU flags: {flags}\n{args.pairs} interleaved pairs of {args.seconds:g} s windows per figure")
    suite, rows = Suite(args.seconds, args.pairs), []
    for part in (suite.harness_rows, suite.graph_rows, suite.runtime_rows, suite.int8_rows):
        for row in part():
            rows.append(row)
            print(f"{row['group']:<8} {row['ratio']:7.3f} ({row['low']:.3f}–{row['high']:.3f}, {row['pairs']} pairs; "
                  f"noise {row['noise']:.0%})  {row['what']}\n         {row['verdict']}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench.json").write_text(json.dumps({"host": host, "cpu_flags": flags, "window_s": args.seconds,
                                                     "pairs": args.pairs, "rows": rows}, indent=1, default=str))
    (args.out / "bench.md").write_text(markdown(rows, host, flags, args.seconds, args.pairs))
    print(f"wrote {args.out / 'bench.json'} and {args.out / 'bench.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
