"""Two execution providers splitting one graph, measured (notebook 01).

ONNX Runtime asks each EP, in priority order, which nodes it can run (``GetCapability``), cuts
the graph into subgraphs, and gives every subgraph to one EP. Wherever a tensor goes from one EP's
subgraph to another's, there is a *boundary*. The OpenVINO EP compiles each subgraph it claims into
one OpenVINO model, and the CPU EP runs whatever is left, one kernel per node.

The OpenVINO EP that can split a graph on any x86 CPU ships in its own ONNX Runtime build
(``runtimes/ovep``), so the experiment runs in a child process. ``python -m accelkit.partition``
is that child. It creates the sessions with ``session.record_ep_graph_assignment_info``, reads
``get_provider_graph_assignment_info()``, profiles the runs, and times interleaved rounds with the
harness's own window functions. It sends all of this back as JSON, and ``split`` turns the JSON into
tables.

``island_model(k)`` builds the test graphs: a chain of MatMul→Tanh blocks that OpenVINO takes, with
``k`` Det "islands" that OpenVINO cannot run. Each island puts 2 boundaries in the graph, so
latency against ``k`` shows what a boundary costs.
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import cache_dir, is_quick
from .errors import AccelkitError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ISLAND_SHAPE", "island_model", "edge_model", "diamond_model", "custom_op_model", "Split", "split", "predict_subgraphs"]

GRAPHS_VERSION = "v1"  # in the cached file names: bump it when a test graph below changes
ISLAND_SHAPE = (1, 64, 16, 16)  # Det takes the last two dims: 64 matrices of 16x16 cross each boundary
OV_CPU = "OpenVINOExecutionProvider+CPU"
CPU_ONLY = "CPUExecutionProvider"


# ---------------------------------------------------------------- test graphs, built locally


def island_model(islands: int, *, blocks: int = 8) -> Path:
    """A chain of ``blocks`` MatMul→Tanh blocks with a Det island after ``islands`` of them, spread
    evenly. An island is Det → Unsqueeze → Expand, which turns a (1, 64) determinant vector back into
    a (1, 64, 16, 16) tensor. OpenVINO has no Det, so it runs on the CPU EP; the rest is OpenVINO's."""
    if not 0 <= islands < blocks:
        raise AccelkitError(f"islands must be between 0 and {blocks - 1} for a {blocks}-block chain, not {islands}.")
    from onnx import TensorProto, helper

    out = cache_dir() / "partition" / f"islands{islands}-b{blocks}-{GRAPHS_VERSION}.onnx"
    if out.exists():
        return out
    inits = [helper.make_tensor("axes", TensorProto.INT64, [2], [2, 3]),
             helper.make_tensor("shape", TensorProto.INT64, [4], list(ISLAND_SHAPE))]
    places = {round((i + 1) * blocks / (islands + 1)) - 1 for i in range(islands)}
    nodes: list[Any] = []
    cur = "x"
    for b in range(blocks):
        cur = _block(b, cur, nodes, inits)
        if b in places:
            nodes += [helper.make_node("Det", [cur], [f"det{b}"], name=f"det{b}"),
                      helper.make_node("Unsqueeze", [f"det{b}", "axes"], [f"u{b}"], name=f"unsqueeze{b}"),
                      helper.make_node("Expand", [f"u{b}", "shape"], [f"e{b}"], name=f"expand{b}")]
            cur = f"e{b}"
    nodes.append(helper.make_node("Identity", [cur], ["y"], name="output"))
    graph = helper.make_graph(nodes, f"islands{islands}", [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                                                       list(ISLAND_SHAPE))],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(ISLAND_SHAPE))],
                              initializer=inits)
    return _save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)], producer_name="accelkit"), out)


def _block(b: int, cur: str, nodes: list[Any], inits: list[Any]) -> str:
    """Append block ``b`` (MatMul by a seeded 16x16 weight, then Tanh) after tensor ``cur``; returns its output."""
    import numpy as np
    from onnx import TensorProto, helper

    m = ISLAND_SHAPE[-1]
    weights = (np.random.default_rng(b).standard_normal((m, m)) / m).astype(np.float32)
    inits.append(helper.make_tensor(f"w{b}", TensorProto.FLOAT, [m, m], weights.ravel().tolist()))
    nodes += [helper.make_node("MatMul", [cur, f"w{b}"], [f"mm{b}"], name=f"matmul{b}"),
              helper.make_node("Tanh", [f"mm{b}"], [f"t{b}"], name=f"tanh{b}")]
    return f"t{b}"


def _save(model: Any, out: Path) -> Path:
    import onnx

    from .core.cache import replacing

    model.ir_version = 10
    onnx.checker.check_model(model)
    out.parent.mkdir(parents=True, exist_ok=True)
    with replacing(out) as tmp:
        onnx.save(model, str(tmp))
    return out


def edge_model() -> Path:
    """The same 8-block chain with one Det at the very end (its output is the model's): an op
    OpenVINO lacks, moved to the edge of the graph, makes 1 boundary instead of an island's 2."""
    from onnx import TensorProto, helper

    out = cache_dir() / "partition" / f"det-at-end-b8-{GRAPHS_VERSION}.onnx"
    if out.exists():
        return out
    inits: list[Any] = []
    nodes: list[Any] = []
    cur = "x"
    for b in range(8):
        cur = _block(b, cur, nodes, inits)
    nodes.append(helper.make_node("Det", [cur], ["y"], name="det_end"))
    graph = helper.make_graph(nodes, "det_at_end", [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                                                list(ISLAND_SHAPE))],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, ISLAND_SHAPE[1]])],
                              initializer=inits)
    return _save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)], producer_name="accelkit"), out)


def diamond_model() -> Path:
    """Relu → Det → Unsqueeze → Mul(Relu's output, ...): a diamond around the Det. If an EP claims
    Relu, Unsqueeze and Mul as one subgraph, that subgraph would feed Det and need Det's output at
    once: a cycle, which ONNX Runtime must refuse."""
    from onnx import TensorProto, helper

    out = cache_dir() / "partition" / f"diamond-{GRAPHS_VERSION}.onnx"
    if out.exists():
        return out
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="relu"),
             helper.make_node("Det", ["r"], ["d"], name="det"),
             helper.make_node("Unsqueeze", ["d", "axes"], ["du"], name="unsqueeze"),
             helper.make_node("Mul", ["r", "du"], ["y"], name="mul")]
    shape = list(ISLAND_SHAPE)
    graph = helper.make_graph(nodes, "diamond", [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)],
                              initializer=[helper.make_tensor("axes", TensorProto.INT64, [2], [2, 3])])
    return _save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)], producer_name="accelkit"), out)


def custom_op_model() -> Path:
    """Relu → a node of a custom domain ('kit.custom'/'Clip01') → Sigmoid: no EP has a kernel for it,
    so session creation must fail, and the kit must say so in one sentence."""
    import onnx
    from onnx import TensorProto, helper

    out = cache_dir() / "partition" / f"custom-op-{GRAPHS_VERSION}.onnx"
    if not out.exists():
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])
        y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8])
        nodes = [helper.make_node("Relu", ["x"], ["r"], name="relu"),
                 helper.make_node("Clip01", ["r"], ["c"], name="custom", domain="kit.custom"),
                 helper.make_node("Sigmoid", ["c"], ["y"], name="sigmoid")]
        model = helper.make_model(helper.make_graph(nodes, "custom", [x], [y]),
                                  opset_imports=[helper.make_opsetid("", 21), helper.make_opsetid("kit.custom", 1)])
        model.ir_version = 10
        out.parent.mkdir(parents=True, exist_ok=True)
        onnx.save(model, str(out))
    return out


def predict_subgraphs(islands: int) -> dict[str, int]:
    """What the partitioning rule predicts for ``island_model(islands)``: the OpenVINO EP claims
    every maximal run of nodes it supports, so there are islands + 1 OpenVINO subgraphs, ``islands``
    Det nodes left to the CPU EP, and 2 x islands boundaries."""
    return {"openvino_subgraphs": islands + 1, "cpu_det_nodes": islands, "boundaries": 2 * islands}


# ---------------------------------------------------------------- the parent: run the child, tidy its answer


@dataclass
class Split:
    """What the child measured: per model, where each node went, the subgraphs with their profiled
    time, the tensors crossing each boundary, and latency with and without the OpenVINO EP."""

    raw: dict[str, Any]
    assignments: list[dict[str, Any]] = field(default_factory=list)
    subgraphs: list[dict[str, Any]] = field(default_factory=list)
    boundaries: list[dict[str, Any]] = field(default_factory=list)
    latency: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ort_version(self) -> str:
        return str(self.raw["ort_version"])

    @property
    def compiled(self) -> dict[str, dict[str, Any]]:
        """Per compiled model: files written, EPContext attributes, compile and reload times (or the
        reload's error)."""
        return dict(self.raw.get("compiled", {}))

    def nodes_per_ep(self) -> pd.DataFrame:
        """Per model: how many nodes and subgraphs each EP got (CPU-EP nodes each count as one)."""
        import pandas as pd

        frame = pd.DataFrame(self.assignments)
        return (frame.groupby(["model", "ep"], sort=False)
                .agg(nodes=("nodes", "sum"), subgraphs=("subgraph", "nunique")).reset_index())

    def subgraph_table(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self.subgraphs)

    def boundary_table(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self.boundaries)

    def latency_table(self) -> pd.DataFrame:
        """Median latency per model and provider set: the median over rounds, with the range."""
        import pandas as pd

        return pd.DataFrame(self.latency)

    def boundary_cost_us(self, models: list[str]) -> dict[str, float]:
        """Cost of one boundary from the island models, per round: (slope of OpenVINO+CPU latency
        against islands − slope of the CPU EP alone) / 2 boundaries per island. The CPU-only slope
        is the island's own work (Det, Unsqueeze, Expand), so what remains is the crossing.
        Returns the median and the range over rounds, in µs."""
        rounds = self.raw["rounds"]
        per_round = []
        for r in range(rounds):
            slopes = []
            for providers in (OV_CPU, CPU_ONLY):
                xs = [self.raw["models"][m]["islands"] for m in models]
                ys = [self.raw["models"][m]["timing"][providers]["round_medians_ms"][r] for m in models]
                slopes.append(_slope(xs, ys))
            per_round.append((slopes[0] - slopes[1]) / 2 * 1e3)
        return {"median_us": statistics.median(per_round), "low_us": min(per_round), "high_us": max(per_round),
                "rounds": rounds}


def _slope(xs: list[float], ys: list[float]) -> float:
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def split(models: dict[str, str | Path], *, seconds: float | None = None, rounds: int | None = None,
          islands: dict[str, int] | None = None, compile: list[str] | None = None) -> Split:
    """Run every model with ``[OpenVINO EP (device_type CPU), CPU EP]`` and with the CPU EP alone, in
    the OpenVINO EP's own ONNX Runtime build (a child process), and return tidy tables.
    ``seconds`` per timed window (default 0.5 in quick mode, else 2), ``rounds`` interleaved
    rounds (3 quick, 5 otherwise); ``islands`` names the island count of island models; ``compile``
    lists models to compile ahead of time with ``ModelCompiler`` (EPContext, see ``Split.compiled``)."""
    from .runtimes.ovep import run_in_legacy

    for label, path in models.items():
        if not Path(path).is_file():
            raise AccelkitError(f"no such model file for {label!r}: {path}.")
    spec = {"models": {k: str(v) for k, v in models.items()}, "islands": islands or {},
            "seconds": seconds if seconds is not None else (0.3 if is_quick() else 1.5),
            "rounds": rounds or (3 if is_quick() else 5), "compile": list(compile or [])}
    raw = run_in_legacy("accelkit.partition", spec)
    if "error" in raw:
        raise AccelkitError(raw["error"])
    return _tidy(raw)


def _tidy(raw: dict[str, Any]) -> Split:
    out = Split(raw)
    for label, result in raw["models"].items():
        for i, sg in enumerate(result["assignment"]):
            out.assignments.append({"model": label, "ep": sg["ep"], "subgraph": i, "nodes": len(sg["nodes"]),
                                    "ops": " ".join(op for op, _ in sg["nodes"])})
        for event in result["profile"]:
            out.subgraphs.append({"model": label, **event})
        for tensor, (src, dst, nbytes) in result["boundaries"].items():
            out.boundaries.append({"model": label, "tensor": tensor, "from": src, "to": dst, "bytes": nbytes})
        for providers, timing in result["timing"].items():
            medians = timing["round_medians_ms"]
            out.latency.append({"model": label, "providers": providers, "median_ms": statistics.median(medians),
                                "low_ms": min(medians), "high_ms": max(medians), "create_ms": timing["create_ms"],
                                "max_abs_diff": timing.get("max_abs_diff")})
    return out


# ---------------------------------------------------------------- the child (the OpenVINO EP's ORT build)


def _session(path: str, providers: str, *, profile: bool = False, verbose: bool = False):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.log_severity_level = 0 if verbose else 3
    so.add_session_config_entry("session.record_ep_graph_assignment_info", "1")
    if profile:
        so.enable_profiling = True
        so.profile_file_prefix = str(cache_dir() / "partition" / f"profile-{Path(path).stem}-{int(time.time() * 1e3)}")
    chosen: list[Any] = (["CPUExecutionProvider"] if providers == CPU_ONLY
                         else [("OpenVINOExecutionProvider", {"device_type": "CPU"}), "CPUExecutionProvider"])
    return ort.InferenceSession(path, so, providers=chosen)


def _boundaries(path: str, assignment: list[dict[str, Any]]) -> dict[str, tuple[str, str, int]]:
    """Tensors produced in one EP's subgraph and consumed in another's, with their size in bytes.
    Nodes are matched by name; a node ORT created during optimization is skipped."""
    import numpy as np
    import onnx

    model = onnx.shape_inference.infer_shapes(onnx.load(path, load_external_data=False))
    where = {name: f"{sg['ep'].replace('ExecutionProvider', '')}#{i}" for i, sg in enumerate(assignment)
             for _, name in sg["nodes"] if name}
    producer = {o: n.name for n in model.graph.node for o in n.output}
    sizes = {}
    for vi in [*model.graph.value_info, *model.graph.output]:
        t = vi.type.tensor_type
        dims = [d.dim_value for d in t.shape.dim]
        if dims and all(dims):
            sizes[vi.name] = int(np.prod(dims)) * onnx.helper.tensor_dtype_to_np_dtype(t.elem_type).itemsize
    crossing = {}
    for node in model.graph.node:
        for tensor in node.input:
            src, dst = where.get(producer.get(tensor) or "\0"), where.get(node.name or "\0")
            if src and dst and src.split("#")[0] != dst.split("#")[0]:  # a CPU node next to a CPU node is no boundary
                crossing[tensor] = (src, dst, sizes.get(tensor, 0))
    return crossing


def _profile(session, feed: dict[str, Any], runs: int) -> list[dict[str, Any]]:
    for _ in range(runs):
        session.run(None, feed)
    path = session.end_profiling()
    events = json.loads(Path(path).read_text())
    Path(path).unlink(missing_ok=True)
    per: dict[tuple[str, str, str], float] = {}
    for e in events:
        if e.get("cat") != "Node" or not e["name"].endswith("_kernel_time"):
            continue
        args = e.get("args", {})
        key = (e["name"][: -len("_kernel_time")], args.get("op_name", "?"), args.get("provider", "?"))
        per[key] = per.get(key, 0.0) + e["dur"]
    return [{"node": n, "op": op, "ep": ep.replace("ExecutionProvider", ""), "us_per_run": round(us / runs, 1)}
            for (n, op, ep), us in per.items()]


def _compile(path: str, measured: dict[str, Any]) -> dict[str, Any]:
    """``ModelCompiler`` with the OpenVINO EP: the files it writes, each EPContext node's attributes,
    the compile time, and what reloading the compiled model does (its session-creation time, or why
    it failed) beside creating a session from the original."""
    import onnx
    import onnxruntime as ort

    from .errors import first_line

    out = cache_dir() / "partition" / f"{Path(path).stem}.epctx-{ort.__version__}.onnx"
    for old in out.parent.glob(f"{out.stem}*"):
        old.unlink()
    so = ort.SessionOptions()
    so.log_severity_level = 3
    so.add_provider("OpenVINOExecutionProvider", {"device_type": "CPU"})
    start = time.perf_counter()
    ort.ModelCompiler(so, path, embed_compiled_data_into_model=False).compile_to_file(str(out))
    info: dict[str, Any] = {"compile_ms": (time.perf_counter() - start) * 1e3,
                            "files": {p.name: p.stat().st_size for p in sorted(out.parent.glob(f"{out.stem}*"))},
                            "original_create_ms": measured["timing"][OV_CPU]["create_ms"]}
    graph = onnx.load(str(out), load_external_data=False).graph
    info["nodes"] = [{"op": n.op_type, "domain": n.domain or "ai.onnx",
                      "attributes": {a.name: _attribute(a) for a in n.attribute}} for n in graph.node]
    start = time.perf_counter()
    try:
        reloaded = _session(str(out), OV_CPU)
        info["reload_ms"] = (time.perf_counter() - start) * 1e3
        info["reload_providers"] = reloaded.get_providers()
    except Exception as exc:
        info["reload_error"] = first_line(exc)
    return info


def _attribute(attribute: Any) -> Any:
    import onnx

    value = onnx.helper.get_attribute_value(attribute)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace") if len(value) < 200 else f"<{len(value)} bytes>"
    return value


def child(spec: dict[str, Any]) -> dict[str, Any]:
    """Everything the parent asks for, measured in this process (the OpenVINO EP's ORT build)."""
    import numpy as np
    import onnxruntime as ort

    from .harness.measure import summarize, sync_window
    from .runtimes.ort import OrtRunner

    result: dict[str, Any] = {"ort_version": ort.__version__, "rounds": spec["rounds"],
                              "available": ort.get_available_providers(), "models": {}}
    runners: dict[tuple[str, str], Any] = {}
    for label, path in spec["models"].items():
        entry: dict[str, Any] = {"islands": spec["islands"].get(label), "timing": {}}
        outputs = {}
        for providers in (OV_CPU, CPU_ONLY):
            start = time.perf_counter()
            try:
                session = _session(path, providers)
            except Exception as exc:  # the EP or the model refused: report it as a finding, in one line
                from .errors import first_line

                return {"error": f"ONNX Runtime {ort.__version__} could not create a session for {label} with "
                                 f"{providers}: {first_line(exc).rstrip('.')}."}
            create_ms = (time.perf_counter() - start) * 1e3
            runner = OrtRunner(session, model_name=label, device=providers, opt_level="all", threads=None)
            outputs[providers] = session.run(None, runner.feed)[0]
            runners[(label, providers)] = runner
            entry["timing"][providers] = {"create_ms": create_ms, "round_medians_ms": []}
            if providers == OV_CPU:
                entry["assignment"] = [{"ep": sg.ep_name, "nodes": [(n.op_type, n.name) for n in sg.get_nodes()]}
                                       for sg in session.get_provider_graph_assignment_info()]
                entry["profile"] = _profile(_session(path, providers, profile=True), runner.feed, 20)
        entry["timing"][OV_CPU]["max_abs_diff"] = float(np.max(np.abs(outputs[OV_CPU] - outputs[CPU_ONLY])))
        entry["boundaries"] = _boundaries(path, entry["assignment"])
        result["models"][label] = entry
    result["compiled"] = {label: _compile(spec["models"][label], result["models"][label])
                          for label in spec.get("compile", [])}
    order = list(runners)
    for r in range(spec["rounds"]):  # interleaved and counterbalanced: A B C ..., then ... C B A
        for key in (order if r % 2 == 0 else order[::-1]):
            runner = runners[key]
            for _ in range(3):
                runner.infer()
            wall, _, duration, iterations = sync_window(runner, spec["seconds"], 10)
            stats = summarize(wall, duration, iterations)
            result["models"][key[0]]["timing"][key[1]]["round_medians_ms"].append(stats["median_ms"])
    return result


def main() -> int:
    spec = json.loads(sys.stdin.read())
    print(json.dumps(child(spec)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
