"""Benchmark (not a test): the kit's harness and OpenVINO's benchmark_app, back to back.

    python benchmarks/harness_vs_benchmark_app.py [--seconds 10] [--json out.json]

For each configuration (model x hint x precision) it runs the harness in a fresh process, then
benchmark_app with the same device, hint and precision, and prints the ratio of medians and of
throughputs. Targets: medians within 0.95-1.05 for ms-scale models (0.90-1.10 for the sub-ms
digits model, where the harness's per-call overhead is shown), throughput within +-5%.
Ratios are printed, never asserted: timings vary run to run and machine to machine.
"""
from __future__ import annotations

import argparse
import json

from accelkit.benchapp import compare_with_benchmark_app
from accelkit.export import ir_path
from accelkit.hardware import host_line

CONFIGS = [  # (model, hint, precision): None = the device's default precision
    ("resnet18_like", "latency", "f32"),
    ("resnet18_like", "latency", None),
    ("digits_cnn", "latency", "f32"),
    ("digits_cnn", "latency", None),
    ("resnet18_like", "throughput", "f32"),
    ("resnet18_like", "throughput", None),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="window per run (benchmark_app's default is 60)")
    parser.add_argument("--json", help="also write the rows to this JSON file")
    args = parser.parse_args()
    print(f"host: {host_line()}; window {args.seconds:g} s per run")
    print(f"{'model':<14} {'hint':<10} {'precision':<9} {'ran':<5} {'harness ms':>10} {'b_app ms':>9} "
          f"{'ratio':>6} {'fps ratio':>9} {'overhead us':>11}")
    rows = []
    for model, hint, precision in CONFIGS:
        row = compare_with_benchmark_app(ir_path(model), hint=hint, precision=precision, seconds=args.seconds)
        rows.append(row)
        overhead = "" if row["harness_overhead_us"] is None else f"{row['harness_overhead_us']:.1f}"
        print(f"{model:<14} {hint:<10} {row['precision']:<9} {row['exec_precision']:<5} "
              f"{row['harness_median_ms']:>10.3f} {row['benchmark_app_median_ms']:>9.3f} "
              f"{row['median_ratio']:>6.3f} {row['fps_ratio']:>9.3f} {overhead:>11}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"host": host_line(), "window_s": args.seconds, "rows": rows}, out, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
