"""A roofline: how close does a configuration get to the hardware's limits? (notebook 07)

Three parts, each measured or counted, never assumed:
- the **bandwidth roof** (``measure_bandwidth``): GB/s of a streaming kernel over arrays far
  larger than the last-level cache, best of several repeats, with the spread;
- the **compute roofs** (``measure_kernels`` then ``compute_roofs``): f32 is the fastest large
  matrix multiply any installed runtime reaches here; bf16 (only where the CPU has native BF16)
  and int8 follow from the f32 roof by the ISA's ratio (``INT8_PER_F32``, ``BF16_PER_F32``), so
  they are the machine's limit, not one kernel's speed, and never below a measured kernel;
- the **work** of a model (``op_intensities``): FLOPs (2 x multiply-adds of every Conv, Gemm,
  MatMul) and bytes (their weights and activations in and out, at the precision that ran),
  counted from the ONNX graph.
``place`` puts each measured configuration under ``attainable = min(compute roof, intensity x
bandwidth)`` and raises a roof that a measurement beats (saying so): nothing sits above a roof.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import AccelkitError
from .runtimes.runner import runner_settings

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["ROOF_N", "STREAM_MB", "BYTES", "INT8_PER_F32", "BF16_PER_F32", "node_flops", "count_flops",
           "op_intensities", "model_intensity", "Bandwidth", "StreamRunner", "stream_runner", "last_level_cache_mb",
           "measure_bandwidth", "MatmulRunner", "matmul_runner", "Kernel", "measure_kernels", "Roof", "isa_ratio",
           "compute_roofs", "roof_key", "bytes_key", "Roofline", "place", "roofline_chart"]

# Matrix size of the compute-roof kernels: 2n^3 FLOPs on 3n^2 elements. ACCELKIT_ROOF_N overrides it: the
# other-machine simulation (tests/othermachine) claims BF16 on CPUs without it, where torch's emulated bf16
# matmul takes over a minute at 2048, and sets a smaller size there.
ROOF_N = int(os.environ.get("ACCELKIT_ROOF_N", "") or 2048)
STREAM_MB = 256        # size of each of the bandwidth kernel's three arrays
COMPUTE_OPS = ("Conv", "Gemm", "MatMul")
BYTES = {"f32": (4, 4), "bf16": (2, 2), "int8": (1, 1),          # precision -> (weight, activation) bytes
         "int8-weights": (1, 4), "int8-dynamic": (1, 4)}        # int8 weights, f32 activations in memory
# Peak multiply-adds per instruction slot relative to an f32 FMA of the same vector width.
INT8_PER_F32 = (("AMX", 32, "AMX tiles (Intel: 2048 int8 ops per cycle per core, 32x AVX-512 f32 FMA)"),
                ("AVX512-VNNI", 4, "VNNI: one vpdpbusd does 4 int8 multiply-adds per 32-bit lane, an f32 FMA does 1"),
                ("AVX-VNNI", 4, "VNNI: one vpdpbusd does 4 int8 multiply-adds per 32-bit lane, an f32 FMA does 1"),
                ("AVX2", 2, "AVX2 without VNNI: vpmaddubsw + vpmaddwd + vpaddd do 4 int8 multiply-adds per "
                            "lane in 3 instructions, ~2x an f32 FMA in practice"))
BF16_PER_F32 = (("AMX", 16, "AMX tiles (Intel: 1024 bf16 ops per cycle per core, 16x AVX-512 f32 FMA)"),
                ("AVX512-BF16", 2, "AVX512-BF16: one vdpbf16ps does 2 bf16 multiply-adds per 32-bit lane, an f32 FMA does 1"))


# ---------------------------------------------------------------- work: FLOPs and bytes per op
def _shapes(model) -> dict[str, list[int]]:
    """Static shapes of every tensor (inputs, initializers, inferred intermediates)."""
    import onnx

    inferred = onnx.shape_inference.infer_shapes(model)
    shapes = {}
    for vi in list(inferred.graph.input) + list(inferred.graph.value_info) + list(inferred.graph.output):
        shapes[vi.name] = [d.dim_value for d in vi.type.tensor_type.shape.dim]
    for init in model.graph.initializer:
        shapes[init.name] = list(init.dims)
    return shapes


def _attr(node, name: str, default):
    import onnx

    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


def node_flops(node, shapes: dict[str, list[int]]) -> int:
    """2 x multiply-adds of one Conv / Gemm / MatMul node (0 for anything else)."""
    if node.op_type == "Conv":
        out, weight = shapes[node.output[0]], shapes[node.input[1]]     # (N, Co, Ho, Wo), (Co, Ci/g, kH, kW)
        return 2 * int(np.prod(out)) * int(np.prod(weight[1:]))
    if node.op_type in ("Gemm", "MatMul"):
        a, out = shapes[node.input[0]], shapes[node.output[0]]
        k = a[-2] if node.op_type == "Gemm" and _attr(node, "transA", 0) else a[-1]
        return 2 * int(np.prod(out)) * k
    return 0


def count_flops(path: str | Path) -> int:
    """FLOPs of one inference of an ONNX model with static shapes."""
    return sum(op["flops"] for op in op_intensities(path))


def op_intensities(path: str | Path, precision: str = "f32") -> list[dict]:
    """Per compute op (Conv, Gemm, MatMul): FLOPs, bytes it must move if nothing stays in cache
    (weights = initializers, activations = the other inputs and the output, at ``precision``'s
    element sizes, see ``BYTES``) and their ratio, the arithmetic intensity (FLOP/byte).
    Elementwise ops are left out: runtimes fuse them into the compute op before it (notebook 02)."""
    import onnx

    weight_b, act_b = BYTES[precision]
    model = onnx.load(str(path), load_external_data=False)
    shapes, weights = _shapes(model), {i.name for i in model.graph.initializer}
    rows = []
    for node in (n for n in model.graph.node if n.op_type in COMPUTE_OPS):
        tensors = [(t, t in weights) for t in node.input if t] + [(node.output[0], False)]
        moved = sum(int(np.prod(shapes[t])) * (weight_b if is_w else act_b) for t, is_w in tensors)
        flops = node_flops(node, shapes)
        rows.append({"op": node.name or node.op_type, "type": node.op_type, "flops": flops, "bytes": moved,
                     "intensity": flops / moved})
    return rows


def model_intensity(path: str | Path, precision: str = "f32") -> dict:
    """A model's FLOPs, bytes (summed over its compute ops) and intensity at ``precision``."""
    ops = op_intensities(path, precision)
    flops, moved = sum(o["flops"] for o in ops), sum(o["bytes"] for o in ops)
    return {"flops": flops, "bytes": moved, "intensity": flops / moved}


# ---------------------------------------------------------------- the bandwidth roof
@dataclass
class Bandwidth:
    """A streaming kernel's GB/s: ``gbps`` is the best repeat (the roof), with the spread."""

    gbps: float
    median_gbps: float
    worst_gbps: float
    threads: int
    size_mb: float        # each of the three arrays (the one array of the "read" kernel)
    repeats: int
    kernel: str = "numpy a = b + c over float32 arrays (STREAM 'Add': 12 bytes per element)"
    mode: str = "add"

    @property
    def spread_pct(self) -> float:
        """Range of the repeats relative to their median (%)."""
        return 100 * (self.gbps - self.worst_gbps) / self.median_gbps

    def __str__(self) -> str:
        arrays = "1 array" if self.mode == "read" else "3 arrays"
        return (f"{self.gbps:.1f} GB/s best of {self.repeats} (median {self.median_gbps:.1f}, spread "
                f"{self.spread_pct:.0f}%), {self.threads} thread(s), {self.mode}, {arrays} x {self.size_mb:.0f} MB")


class StreamRunner:
    """``a = b + c`` over three arrays (``mode="add"``), or the max of one array (``mode="read"``:
    only reads, as a decode step reads its weights), split across ``threads`` Python threads
    (numpy releases the GIL inside its loops, so the threads stream in parallel): a harness runner."""

    def __init__(self, size_mb: float = STREAM_MB, threads: int = 1, mode: str = "add") -> None:
        from concurrent.futures import ThreadPoolExecutor

        n = _stream_elements(size_mb, threads)
        self.mode = mode
        self.b: np.ndarray | None = np.ones(n, np.float32)
        self.a: np.ndarray | None = np.zeros(n, np.float32) if mode == "add" else None
        self.c: np.ndarray | None = np.ones(n, np.float32) if mode == "add" else None
        edges = np.linspace(0, n, threads + 1, dtype=int)
        self.slices = [slice(lo, hi) for lo, hi in zip(edges[:-1], edges[1:])]
        self.pool = ThreadPoolExecutor(threads) if threads > 1 else None
        self.settings = runner_settings("numpy", "CPU", f"stream-{mode}-{size_mb:g}MB", threads=threads)

    def _add(self, s: slice) -> None:
        assert self.b is not None, "this runner is closed"
        if self.mode == "read":
            np.maximum.reduce(self.b[s])     # vectorized, and cheap beside the read
            return
        assert self.a is not None and self.c is not None
        np.add(self.b[s], self.c[s], out=self.a[s])

    def infer(self) -> None:
        if self.pool is None:
            self._add(self.slices[0])
        else:
            list(self.pool.map(self._add, self.slices))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()
        self.a = self.b = self.c = None


def _stream_elements(size_mb: float, threads: int) -> int:
    return max(int(size_mb * 2 ** 20) // 4, threads)


def stream_runner(size_mb: float = STREAM_MB, threads: int = 1, mode: str = "add") -> StreamRunner:
    """Builder for the harness (module level, so ``isolate=True`` can pickle it)."""
    return StreamRunner(size_mb, threads, mode)


def last_level_cache_mb() -> float | None:
    """The largest CPU cache Linux reports (sysfs), in MB; None where it does not say."""
    sizes = []
    for f in Path("/sys/devices/system/cpu/cpu0/cache").glob("index*/size"):
        text = f.read_text().strip().upper()
        scale = {"K": 2 ** -10, "M": 1.0, "G": 2 ** 10}.get(text[-1:], None)
        if scale:
            sizes.append(float(text[:-1]) * scale)
    return max(sizes) if sizes else None


def measure_bandwidth(*, threads: int = 1, size_mb: float = STREAM_MB, repeats: int = 10,
                      isolate: bool = False, mode: str = "add") -> Bandwidth:
    """The memory-bandwidth roof in GB/s: a STREAM-like ``a = b + c`` over three ``size_mb``
    arrays (default 256 MB each, far beyond a last-level cache), ``repeats`` timed passes through
    the harness (at least its 10; after one untimed pass that touches every page), split over
    ``threads`` numpy threads. ``gbps`` is the best pass, as
    STREAM reports it; ``median_gbps`` and ``spread_pct`` say how steady it was. Bytes are what
    the kernel reads and writes (12 per element); a cache that reads a line before writing it
    moves up to 4/3 of that. Notebook 07 teaches it; later notebooks reuse it as "the bandwidth
    roof". ``mode="read"`` takes the max of one ``size_mb`` array instead (4 bytes read per element, nothing
    written): the traffic of an LLM decode step, which reads its weights and writes almost nothing."""
    from .harness.measure import measure

    if threads < 1 or size_mb <= 0 or repeats < 1:
        raise AccelkitError("measure_bandwidth needs threads >= 1, size_mb > 0 and repeats >= 1.")
    if mode not in ("add", "read"):
        raise AccelkitError(f"measure_bandwidth's mode is 'add' (STREAM a = b + c) or 'read' (a max over one array), not {mode!r}.")
    result = measure(partial(stream_runner, size_mb, threads, mode), iterations=repeats, isolate=isolate,
                     label=f"stream {mode} {threads}T")
    per_element = 12 if mode == "add" else 4     # STREAM counts what the program reads and writes
    moved = per_element * _stream_elements(size_mb, threads)
    gbps = lambda ms: moved / (ms * 1e-3) / 1e9
    kernel = ("numpy a = b + c over float32 arrays (STREAM 'Add': 12 bytes per element)" if mode == "add"
              else "numpy max of one float32 array (reads only: 4 bytes per element)")
    return Bandwidth(gbps(result.min_ms), gbps(result.median_ms), gbps(result.max_ms), threads, size_mb,
                     result.iterations, kernel, mode)


# ---------------------------------------------------------------- the compute roofs
class MatmulRunner:
    """An n x n matrix multiply in one runtime and precision, as a harness runner."""

    KERNELS = {"f32": ("torch", "onnxruntime", "openvino"), "bf16": ("torch", "openvino"),
               "int8": ("onnxruntime", "openvino")}

    def __init__(self, runtime: str, precision: str, n: int = ROOF_N) -> None:
        self.n, self.flops = n, 2 * n ** 3
        self.settings = runner_settings(runtime, "CPU", f"matmul{n}", precision=precision)
        self._run = getattr(self, f"_{runtime}")(precision)

    def _torch(self, precision: str):
        import torch

        dtype = {"f32": torch.float32, "bf16": torch.bfloat16}[precision]
        a, b = torch.rand(self.n, self.n).to(dtype), torch.rand(self.n, self.n).to(dtype)
        self.settings["threads"] = torch.get_num_threads()
        return lambda: torch.mm(a, b)

    def _onnxruntime(self, precision: str):
        """f32: ORT's MatMul (MLAS); int8: MatMulInteger (u8 x s8 -> i32), the op its INT8 models use."""
        import onnxruntime as ort
        from onnx import TensorProto, helper

        n, rng = self.n, np.random.default_rng(0)
        a_type, b_type, out_type, op = ((TensorProto.FLOAT, TensorProto.FLOAT, TensorProto.FLOAT, "MatMul")
                                        if precision == "f32" else
                                        (TensorProto.UINT8, TensorProto.INT8, TensorProto.INT32, "MatMulInteger"))
        graph = helper.make_graph([helper.make_node(op, ["a", "b"], ["c"])], "mm",
                                  [helper.make_tensor_value_info("a", a_type, [n, n]),
                                   helper.make_tensor_value_info("b", b_type, [n, n])],
                                  [helper.make_tensor_value_info("c", out_type, [n, n])])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        feed = ({"a": rng.random((n, n), np.float32), "b": rng.random((n, n), np.float32)} if precision == "f32" else
                {"a": rng.integers(0, 255, (n, n), dtype=np.uint8), "b": rng.integers(-127, 127, (n, n), dtype=np.int8)})
        return lambda: session.run(None, feed)

    def _openvino(self, precision: str):
        """f32 / bf16: MatMul with that inference precision; int8: FakeQuantize on both operands,
        which OpenVINO's low-precision pass turns into its INT8 matmul kernel."""
        from openvino import Model
        from openvino import opset13 as ops

        from .runtimes.ov import compile_model, runtime_layers

        n, rng = self.n, np.random.default_rng(0)
        param = ops.parameter([n, n], np.float32)
        x, w = param, ops.constant(rng.integers(-127, 128, (n, n)).astype(np.float32))
        if precision == "int8":
            c = lambda v: ops.constant(np.array(v, np.float32))
            x, w = (ops.fake_quantize(x, c(0), c(255), c(0), c(255), 256),
                    ops.fake_quantize(w, c(-127), c(127), c(-127), c(127), 255))
        compiled = compile_model(Model([ops.matmul(x, w, False, False)], [param]),
                                 precision="f32" if precision == "int8" else precision)
        layers = [r for r in runtime_layers(compiled) if r["type"] in ("MatMul", "FullyConnected")]
        self.settings["exec_precision"] = "/".join(sorted({r["precision"] for r in layers})) or precision
        request = compiled.create_infer_request()
        request.set_input_tensor(0, _ov_tensor(rng.integers(0, 255, (n, n)).astype(np.float32)))
        return request.infer

    def infer(self) -> None:
        self._run()

    def close(self) -> None:
        self._run = None


def _ov_tensor(array: np.ndarray):
    import openvino as ov

    return ov.Tensor(array)


def matmul_runner(runtime: str, precision: str, n: int = ROOF_N) -> MatmulRunner:
    """Builder for the harness (module level, so ``isolate=True`` can pickle it)."""
    return MatmulRunner(runtime, precision, n)


@dataclass
class Kernel:
    """One measured matmul: GFLOP/s (int8: GOP/s) at its best call and at its median."""

    runtime: str
    precision: str
    n: int
    best_gflops: float
    median_gflops: float
    exec_precision: str = ""


def measure_kernels(precisions=("f32", "int8"), *, n: int = ROOF_N, seconds: float | None = None,
                    isolate: bool = True) -> list[Kernel]:
    """Every runtime's n x n matmul per precision (``MatmulRunner.KERNELS``), each in a fresh process."""
    from .harness.measure import measure

    kernels = []
    for precision in precisions:
        for runtime in MatmulRunner.KERNELS[precision]:
            r = measure(partial(matmul_runner, runtime, precision, n), seconds=seconds, isolate=isolate,
                        label=f"matmul {runtime} {precision}")
            kernels.append(Kernel(runtime, precision, n, 2 * n ** 3 / r.min_ms / 1e6, 2 * n ** 3 / r.median_ms / 1e6,
                                  r.exec_precision))
    return kernels


@dataclass
class Roof:
    precision: str
    gflops: float
    source: str                  # how this number was obtained
    per_f32: int | None = None   # the ISA ratio to the f32 roof it follows (None: f32 itself, or no ratio known)


def isa_ratio(table, isa: dict) -> tuple[int, str] | None:
    """The first row of ``INT8_PER_F32`` / ``BF16_PER_F32`` whose ISA feature this CPU has."""
    return next(((k, why) for feature, k, why in table if isa.get(feature)), None)


def compute_roofs(kernels: list[Kernel], isa: dict, *, bf16: bool) -> list[Roof]:
    """f32: the fastest f32 kernel's best call. int8 (and bf16 where ``bf16`` is native): the ISA
    ratio times the f32 roof, or the fastest kernel of that precision when it is higher (or when
    the ISA is unknown)."""
    best = lambda p: max((k for k in kernels if k.precision == p), key=lambda k: k.best_gflops, default=None)
    f32 = best("f32")
    if f32 is None:
        raise AccelkitError("compute_roofs needs at least one measured f32 kernel: every roof follows the f32 one.")
    roofs = [Roof("f32", f32.best_gflops, f"fastest f32 matmul measured here ({f32.runtime}, {f32.n}x{f32.n}, best call)")]
    for precision, table in (("bf16", BF16_PER_F32), ("int8", INT8_PER_F32)):
        if precision == "bf16" and not bf16:
            continue
        ratio, kernel = isa_ratio(table, isa), best(precision)
        derived = ratio[0] * f32.best_gflops if ratio else 0.0
        per_f32 = ratio[0] if ratio else None
        if kernel and kernel.best_gflops > derived:
            why = (f"the {kernel.runtime} {precision} matmul measured faster than "
                   f"{ratio[0]}x the f32 roof" if ratio else "no ISA ratio known for this CPU")
            roofs.append(Roof(precision, kernel.best_gflops, f"{why}: its best call", per_f32))
        elif ratio:
            roofs.append(Roof(precision, derived, f"{ratio[0]}x the f32 roof: {ratio[1]}", per_f32))
    return roofs


# ---------------------------------------------------------------- configurations under the roofs
def roof_key(exec_precision: str) -> str:
    """The compute roof a configuration is held to: int8, bf16 or f32 ('+dq': OpenVINO's dynamic
    quantization may run a weight-compressed f32 model in INT8, see ``capstone.dynamic_quantization``)."""
    text = str(exec_precision).lower()
    int8 = any(tag in text for tag in ("i8", "int8", "u8", "+dq"))
    return "int8" if int8 else ("bf16" if "bf16" in text else "f32")


def bytes_key(row: dict) -> str:
    """Which element sizes (``BYTES``) a capstone row moved: weight-only/dynamic INT8 keep f32 activations."""
    return row["precision"] if row.get("precision") in ("int8-weights", "int8-dynamic") else roof_key(row["exec_precision"])


@dataclass
class Roofline:
    """Measured configurations placed under the roofs; ``notes`` say where a roof was raised."""

    points: list[dict]
    roofs: list[Roof]
    bandwidth_gbps: float
    notes: list[str] = field(default_factory=list)

    def ridge(self, precision: str) -> float:
        """Intensity (FLOP/byte) where the bandwidth slope meets this precision's compute roof."""
        return self.roof(precision) / self.bandwidth_gbps

    def roof(self, precision: str) -> float:
        return next(r.gflops for r in self.roofs if r.precision == precision)


def place(rows: list[dict], paths: dict[str, Path], roofs: list[Roof], bandwidth_gbps: float) -> Roofline:
    """Each row that ran (the capstone's rows: label, model, precision, exec_precision, median_ms)
    at its intensity and achieved GFLOP/s, with attainable = min(compute roof, intensity x bandwidth).
    A row above a roof means the roof was too low: the roof is raised to it and a note says so."""
    roofs, notes, points = list(roofs), [], []
    for r in (r for r in rows if r.get("status", "ok") == "ok"):
        work = model_intensity(paths[r["model"]], bytes_key(r))
        points.append({"label": r["label"], "model": r["model"], "exec_precision": r["exec_precision"],
                       "roof": roof_key(r["exec_precision"]), "median_ms": r["median_ms"],
                       "intensity": work["intensity"], "achieved_gflops": work["flops"] / r["median_ms"] / 1e6})
    for p in points:
        if p["roof"] not in {roof.precision for roof in roofs}:  # e.g. bf16 without native BF16: f32's roof
            p["roof"] = "f32"
    for p in sorted(points, key=lambda p: p["roof"] != "f32"):  # f32 first: the other roofs follow it
        i = next(i for i, roof in enumerate(roofs) if roof.precision == p["roof"])
        if p["achieved_gflops"] > p["intensity"] * bandwidth_gbps:
            bandwidth_gbps = p["achieved_gflops"] / p["intensity"]
            notes.append(f"{p['model']} {p['label']} ran faster than the bandwidth slope allows (its data stayed in "
                         f"cache): the bandwidth roof is raised to {bandwidth_gbps:.1f} GB/s")
        if p["achieved_gflops"] > roofs[i].gflops:
            _raise(roofs, i, p["achieved_gflops"], f"{p['model']} {p['label']}", notes)
    for p in points:
        roof = next(r.gflops for r in roofs if r.precision == p["roof"])
        p["attainable_gflops"] = min(roof, p["intensity"] * bandwidth_gbps)
        p["bound"] = "compute" if roof <= p["intensity"] * bandwidth_gbps else "memory"
        p["pct_of_attainable"] = 100 * p["achieved_gflops"] / p["attainable_gflops"]
    return Roofline(points, roofs, bandwidth_gbps, notes)


def _raise(roofs: list[Roof], i: int, gflops: float, by: str, notes: list[str]) -> None:
    """Raise roof ``i`` to ``gflops`` (a measurement beat it); the roofs derived from f32 follow."""
    roofs[i] = replace(roofs[i], gflops=gflops, source=f"raised to {by}, which ran faster than the measured roof")
    notes.append(f"the {roofs[i].precision} roof was below {by}: raised to {gflops:.1f} GFLOP/s")
    if roofs[i].precision == "f32":
        for j, roof in enumerate(roofs):
            if roof.per_f32 and roof.per_f32 * gflops > roof.gflops:
                roofs[j] = replace(roof, gflops=roof.per_f32 * gflops, source=f"{roof.per_f32}x the raised f32 roof")
                notes.append(f"the {roof.precision} roof follows: {roof.per_f32}x f32 = {roofs[j].gflops:.1f} GFLOP/s")


def roofline_chart(line: Roofline, ops: dict[str, list[dict]] | None = None,
                   title: str = "Roofline: achieved vs attainable") -> go.Figure:
    """Log-log roofline: each precision's roof (bandwidth slope, then flat), its ridge point, each
    configuration as a point; ``ops`` (model -> ``op_intensities``) marks each op on the f32 roof."""
    import plotly.graph_objects as go

    from .core.charts import figure_title, use_offline_renderer

    use_offline_renderer()
    intensities = [p["intensity"] for p in line.points] + [o["intensity"] for v in (ops or {}).values() for o in v]
    lo = min([0.1, *intensities]) / 2
    hi = max([line.ridge(r.precision) for r in line.roofs] + intensities) * 4
    fig = go.Figure()
    for roof in line.roofs:
        ridge = line.ridge(roof.precision)
        fig.add_trace(go.Scatter(x=[lo, ridge, hi], y=[lo * line.bandwidth_gbps, roof.gflops, roof.gflops],
                                 mode="lines", line=dict(dash="dash"), name=f"{roof.precision} roof {roof.gflops:.0f}",
                                 hovertext=roof.source))
        fig.add_trace(go.Scatter(x=[ridge], y=[roof.gflops], mode="markers+text", marker=dict(symbol="x", size=9),
                                 text=[f"ridge {ridge:.1f}"], textposition="top left", showlegend=False))
    for model, model_ops in (ops or {}).items():
        fig.add_trace(go.Scatter(x=[o["intensity"] for o in model_ops],
                                 y=[min(line.roof("f32"), o["intensity"] * line.bandwidth_gbps) for o in model_ops],
                                 mode="markers", marker=dict(symbol="line-ns-open", size=12), opacity=0.5,
                                 name=f"{model} ops (f32, at their roof)", hovertext=[o["op"] for o in model_ops]))
    for model in sorted({p["model"] for p in line.points}):
        pts = [p for p in line.points if p["model"] == model]
        fig.add_trace(go.Scatter(x=[p["intensity"] for p in pts], y=[p["achieved_gflops"] for p in pts],
                                 mode="markers", marker=dict(size=10), name=model,
                                 hovertext=[f"{p['label']}: {p['pct_of_attainable']:.0f}% of attainable" for p in pts]))
    fig.update_layout(title=figure_title(title, detail=f" · bandwidth {line.bandwidth_gbps:.1f} GB/s"),
                      xaxis=dict(type="log", title="arithmetic intensity, FLOP/byte (log)"),
                      yaxis=dict(type="log", title="GFLOP/s (int8: GOP/s, log)"), height=480, margin=dict(t=90))
    return fig
