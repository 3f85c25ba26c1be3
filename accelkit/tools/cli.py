"""The ``accelkit`` command: ``doctor`` (what this machine is) and ``bench`` (the harness on a
model file). Errors a user can cause print one sentence and exit with code 2, no traceback."""
from __future__ import annotations

import argparse
import json
import sys
from functools import partial
from pathlib import Path

from ..errors import AccelkitError

RUNTIMES = {"ort": ".onnx", "ov": ".xml"}


def positive(kind):
    """argparse type: a number above zero, with a clear message otherwise."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {kind.__name__} above 0, got {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"expected a {kind.__name__} above 0, got {text!r}")
        return value
    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="accelkit", description="Hardware-acceleration kit for ONNX Runtime and OpenVINO.")
    sub = parser.add_subparsers(dest="command", required=True)
    doctor = sub.add_parser("doctor", help="report this machine's CPU features, runtimes and devices")
    doctor.add_argument("--json", action="store_true", help="print the report as JSON")
    bench = sub.add_parser("bench", help="measure a model file with the kit's harness")
    bench.add_argument("model", type=Path, help="an .onnx or OpenVINO .xml file")
    bench.add_argument("--runtime", choices=sorted(RUNTIMES), help="default: ort for .onnx, ov for .xml")
    bench.add_argument("--device", default="CPU", help="OpenVINO device (CPU, GPU, AUTO...) or ORT device (CPU, CUDA...)")
    bench.add_argument("--hint", choices=["latency", "throughput"], default="latency",
                       help="latency: sync, one request; throughput: async, optimal requests (OpenVINO)")
    bench.add_argument("--precision", choices=["f32", "bf16", "f16"], help="OpenVINO inference precision")
    bench.add_argument("--threads", type=positive(int), help="inference threads (default: the runtime's choice)")
    bench.add_argument("--opt-level", default="all", choices=["disable", "basic", "extended", "layout", "all"],
                       help="ONNX Runtime graph optimization level")
    bench.add_argument("--seconds", type=positive(float), help="timed window (default: 4, or 1 with ACCELKIT_QUICK=1)")
    bench.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    run = sub.add_parser("run", help="execute notebooks headless into build/ and summarise their measurements")
    run.add_argument("paths", type=Path, nargs="*", default=[Path("notebooks")])
    run.add_argument("--out", type=Path, default=Path("build"))
    grade = sub.add_parser("grade", help="grade submitted exercise notebooks (each in its own process, time-limited)")
    grade.add_argument("paths", type=Path, nargs="+", help="notebooks or folders of notebooks")
    grade.add_argument("--timeout", type=positive(int), default=120, help="seconds allowed per submission")
    grade.add_argument("--out", type=Path, default=Path("grades"), help="folder for grades.json and grades.csv")
    sub.add_parser("progress", help="your quiz, exercise and drill progress")
    eps = sub.add_parser("eps", help="the OpenVINO EP packages notebook 01 uses (plugin and legacy build)")
    eps.add_argument("action", choices=["status", "install"], nargs="?", default="status")
    ex = sub.add_parser("exercises", help="rebuild exercises/ from solutions/")
    ex.add_argument("--check", action="store_true", help="only report exercises that are out of date (exit 1)")
    return parser


def choose_runtime(model: Path, runtime: str | None) -> str:
    """Check the model file and pick/validate the runtime for it."""
    if not model.is_file():
        raise AccelkitError(f"no such model file: {model}.")
    if model.suffix not in RUNTIMES.values():
        raise AccelkitError(f"{model} is not a model file; give an .onnx (ONNX Runtime or OpenVINO) or .xml (OpenVINO IR) path.")
    runtime = runtime or ("ov" if model.suffix == ".xml" else "ort")
    if runtime == "ort" and model.suffix != ".onnx":
        raise AccelkitError(f"ONNX Runtime reads .onnx files, not {model.suffix}; use --runtime ov for OpenVINO IR.")
    return runtime


def builder_for(args: argparse.Namespace):
    runtime = choose_runtime(args.model, args.runtime)
    if runtime == "ort":
        if args.precision:
            raise AccelkitError("--precision applies to OpenVINO; ONNX Runtime runs the precision stored in the model.")
        if args.hint == "throughput":
            raise AccelkitError("--hint throughput is OpenVINO's async mode; for ONNX Runtime use --hint latency.")
        from ..runtimes.ort import ort_runner, providers_for

        providers_for(args.device)  # fail fast on an EP that is not installed
        return partial(ort_runner, args.model, device=args.device, opt_level=args.opt_level, threads=args.threads)
    from ..runtimes.ov import check_device, ov_runner

    check_device(args.device)
    return partial(ov_runner, args.model, device=args.device, hint=args.hint, precision=args.precision,
                   threads=args.threads)


def run_bench(args: argparse.Namespace) -> int:
    from ..harness.measure import measure

    result = measure(builder_for(args), seconds=args.seconds, mode="async" if args.hint == "throughput" else "sync")
    if args.json:
        print(json.dumps(result.row(), indent=2, default=str))
        return 0
    print(f"{result.label} on {result.model} ({result.host})")
    print(f"  compile {result.compile_ms:.1f} ms, first inference {result.first_infer_ms:.2f} ms")
    print(f"  {result.iterations} iterations in {result.duration_s:.2f} s: median {result.median_ms:.3f} ms, "
          f"p90 {result.p90_ms:.3f}, p99 {result.p99_ms:.3f}, throughput {result.throughput_fps:.1f} FPS")
    return 0


def run_doctor(args: argparse.Namespace) -> int:
    from ..hardware import report
    from ..runtimes import ovep

    rep = report()
    eps = ovep.status()
    if args.json:
        print(json.dumps({**rep.to_dict(), "openvino_ep_packages": eps}, indent=2))
    else:
        print(rep)
        print("OpenVINO EP packages (notebook 01):", *(f"  {kind}: {state}" for kind, state in eps.items()), sep="\n")
    return 0


def run_notebooks(args: argparse.Namespace) -> int:
    from .run import run_notebooks as run

    return run(args.paths, args.out)


def run_grade(args: argparse.Namespace) -> int:
    from ..learn.exercises.submissions import grade_paths

    grade_paths(args.paths, timeout_s=args.timeout, out=args.out)
    return 0


def run_progress(args: argparse.Namespace) -> int:
    from ..learn.progress import progress_path, table

    rows = table()
    print(f"progress file: {progress_path()}")
    for row in rows or [{"what": "nothing yet", "answered": "", "correct": ""}]:
        print(f"  {row['what']:<36} {row['answered']!s:>8}  {row['correct']}")
    return 0


def run_exercises(args: argparse.Namespace) -> int:
    from ..learn.exercises.build import sync_exercises

    stale = sync_exercises(check_only=args.check)
    verb = "out of date" if args.check else "rebuilt"
    print(f"{verb}: {', '.join(stale)}" if stale else "every exercise matches its solution")
    return 1 if (stale and args.check) else 0


def run_eps(args: argparse.Namespace) -> int:
    from ..runtimes import ovep

    lines = ovep.install() if args.action == "install" else [f"{k}: {v}" for k, v in ovep.status().items()]
    print("\n".join(lines))
    return 0


COMMANDS = {"eps": run_eps, "doctor": run_doctor, "bench": run_bench, "run": run_notebooks, "grade": run_grade,
            "progress": run_progress, "exercises": run_exercises}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except AccelkitError as exc:
        print(f"accelkit: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
