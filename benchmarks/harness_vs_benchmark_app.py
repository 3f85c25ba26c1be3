"""Benchmark (not a test): the kit's harness and OpenVINO's benchmark_app, interleaved.

    python benchmarks/harness_vs_benchmark_app.py [--seconds 5] [--pairs 5] [--only heldout] [--json out.json]

For each configuration (model x hint x precision) it runs the harness (in a fresh process) and
benchmark_app (its own process) alternately, ``--pairs`` times with the order counterbalanced
(H B, B H, ...), and prints the median of the per-pair ratios (harness / benchmark_app) with
their range, for the median latency and for FPS, the harness's per-call overhead and the
machine's noise (how much one tool's windows varied). One pair is not evidence. "same calls" is
the harness's median over OpenVINO's own timing of the very same calls (what benchmark_app
reports): the method's own bias, which a busy spell between the two tools' windows cannot move.

Target: harness median within +-5 % of benchmark_app's on ms-scale models, including the
held-out MobileNetV2-style CNN (``heldout.py``), which the harness was never tuned on. For the
sub-millisecond digits model the harness's per-call overhead is a visible share and is shown.
Ratios are printed, never asserted: timings vary run to run and machine to machine.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accelkit.benchapp import PAIRS, compare_with_benchmark_app  # noqa: E402
from accelkit.core.host import host_line  # noqa: E402

CONFIGS = [  # (model, hint, precision): None = the device's default precision
    ("mobilenetv2_heldout", "latency", "f32"),
    ("mobilenetv2_heldout", "latency", None),
    ("resnet18_like", "latency", "f32"),
    ("resnet18_like", "latency", None),
    ("digits_cnn", "latency", None),
    ("resnet18_like", "throughput", None),
]


def model_path(name: str) -> Path:
    if name == "mobilenetv2_heldout":
        from heldout import heldout_paths

        return heldout_paths()[1]
    from accelkit.models.files import ir_path

    return ir_path(name)


def cpu_flags() -> str:
    """The x86 flags that decide the kernels (AVX2 / AVX-512 / VNNI / BF16 / AMX), from the OS."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "?"
    line = next((ln for ln in text.splitlines() if ln.startswith("flags")), "")
    wanted = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_tile", "amx_int8", "amx_bf16")
    have = set(line.split(":", 1)[-1].split())
    return " ".join(f for f in wanted if f in have) or "none of avx2/avx512/vnni/bf16/amx"


def table(agreements) -> str:
    lines = [f"{'model':<20} {'hint':<10} {'prec':<7} {'ran':<5} {'harness ms':>10} {'b_app ms':>9} "
             f"{'median ratio (range)':>24} {'fps ratio (range)':>24} {'same calls':>10} {'ovh us':>7} {'noise':>6}"]
    for a in agreements:
        r = a.row()
        ovh = "" if r["harness_overhead_us"] is None else f"{r['harness_overhead_us']:.0f}"
        same = "" if r["same_calls_ratio"] is None else f"{r['same_calls_ratio']:.3f}"
        lines.append(f"{a.model:<20} {a.hint:<10} {a.precision:<7} {a.exec_precision:<5} "
                     f"{r['harness_median_ms']:>10.3f} {r['benchmark_app_median_ms']:>9.3f} "
                     f"{r['median_ratio']:>7.3f} ({r['median_ratio_low']:.3f}–{r['median_ratio_high']:.3f}) "
                     f"{r['fps_ratio']:>7.3f} ({r['fps_ratio_low']:.3f}–{r['fps_ratio_high']:.3f}) "
                     f"{same:>10} {ovh:>7} {r['noise_pct']:>5.0f}%")
    return "\n".join(lines)


def run(configs, seconds: float, pairs: int, echo=print) -> list:
    out = []
    for model, hint, precision in configs:
        a = compare_with_benchmark_app(model_path(model), hint=hint, precision=precision, seconds=seconds,
                                       pairs=pairs)
        out.append(a)
        echo(f"  {model} {hint} {a.precision} (ran {a.exec_precision}): {a.verdict()} {a.verdict('fps')}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="window per run (benchmark_app's default is 60)")
    parser.add_argument("--pairs", type=int, default=PAIRS, help="interleaved harness/benchmark_app pairs")
    parser.add_argument("--only", help="run only the configurations whose model contains this text")
    parser.add_argument("--json", help="also write the rows to this JSON file")
    args = parser.parse_args()
    configs = [c for c in CONFIGS if not args.only or args.only in c[0]]
    host, flags = host_line(), cpu_flags()
    print(f"host: {host}\nCPU flags: {flags}\n{args.pairs} interleaved pairs of {args.seconds:g} s windows per "
          "configuration, order counterbalanced")
    agreements = run(configs, args.seconds, args.pairs)
    print(table(agreements))
    if args.json:
        rows = [{**a.row(), "pairs_harness_ms": a.harness_ms, "pairs_benchmark_app_ms": a.benchmark_app_ms,
                 "pairs_first": a.first, "verdict": a.verdict(), "fps_verdict": a.verdict("fps")} for a in agreements]
        with open(args.json, "w") as out:
            json.dump({"host": host, "cpu_flags": flags, "window_s": args.seconds, "pairs": args.pairs,
                       "rows": rows}, out, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
