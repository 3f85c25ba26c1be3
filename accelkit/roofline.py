"""How close does a configuration get to the hardware's limit? (notebook 07)

Two halves: the work a model does (FLOPs counted from its ONNX graph: 2 x multiply-adds of
every Conv, Gemm and MatMul - the rest is negligible), and the machine's roof (GFLOP/s of a
large matrix multiply, measured through the harness in f32, bf16 and int8 where they run).
Achieved GFLOP/s = model FLOPs / median latency; % of roof says how much is left to gain.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOF_N = 1024  # matrix size for the roof: large enough to be compute-bound, small enough to be quick


def _shapes(model) -> dict[str, list[int]]:
    """Static shapes of every tensor (inputs, initializers, inferred intermediates)."""
    import onnx

    inferred = onnx.shape_inference.infer_shapes(model)
    shapes = {}
    for vi in list(inferred.graph.input) + list(inferred.graph.value_info) + list(inferred.graph.output):
        dims = [d.dim_value for d in vi.type.tensor_type.shape.dim]
        shapes[vi.name] = dims
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
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    shapes = _shapes(model)
    return sum(node_flops(n, shapes) for n in model.graph.node)


class MatmulRunner:
    """A square matrix multiply as a harness runner: the roof for one precision."""

    def __init__(self, precision: str, n: int = ROOF_N) -> None:
        self.n, self.flops = n, 2 * n ** 3
        self.settings = {"runtime": "matmul", "device": "CPU", "model": f"matmul{n}", "hint": None,
                         "precision": precision, "exec_precision": precision, "threads": None,
                         "streams": None, "nireq": 1, "opt_level": None}
        self._run = getattr(self, f"_build_{precision}")()

    def _build_f32(self):
        import torch

        a, b = torch.rand(self.n, self.n), torch.rand(self.n, self.n)
        self.settings["threads"] = torch.get_num_threads()
        return lambda: torch.mm(a, b)

    def _build_bf16(self):
        import torch

        a, b = torch.rand(self.n, self.n).bfloat16(), torch.rand(self.n, self.n).bfloat16()
        self.settings["threads"] = torch.get_num_threads()
        return lambda: torch.mm(a, b)

    def _build_int8(self):
        """ONNX Runtime's MatMulInteger (u8 x s8 -> i32), the op its INT8 models use."""
        import onnx
        import onnxruntime as ort
        from onnx import TensorProto, helper

        n = self.n
        graph = helper.make_graph([helper.make_node("MatMulInteger", ["a", "b"], ["c"])], "mm",
                                  [helper.make_tensor_value_info("a", TensorProto.UINT8, [n, n]),
                                   helper.make_tensor_value_info("b", TensorProto.INT8, [n, n])],
                                  [helper.make_tensor_value_info("c", TensorProto.INT32, [n, n])])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        rng = np.random.default_rng(0)
        feed = {"a": rng.integers(0, 255, (n, n), dtype=np.uint8), "b": rng.integers(-127, 127, (n, n), dtype=np.int8)}
        self.settings.update(runtime="onnxruntime", threads="default")
        return lambda: session.run(None, feed)

    def infer(self) -> None:
        self._run()

    def close(self) -> None:
        self._run = None


def matmul_runner(precision: str, n: int = ROOF_N) -> MatmulRunner:
    """Builder for the harness (module level, so ``isolate=True`` can pickle it)."""
    return MatmulRunner(precision, n)


@dataclass
class Roof:
    precision: str
    gflops: float      # median-based: 2 n^3 / median latency
    median_ms: float


def measure_roofs(precisions=("f32", "bf16", "int8"), *, seconds: float | None = None,
                  isolate: bool = True) -> list[Roof]:
    """The machine's matmul roof per precision, measured by the harness (in fresh processes)."""
    from functools import partial

    from .bench import measure

    roofs = []
    for precision in precisions:
        result = measure(partial(matmul_runner, precision), seconds=seconds, isolate=isolate,
                         label=f"matmul {precision}")
        roofs.append(Roof(precision, 2 * ROOF_N ** 3 / (result.median_ms * 1e-3) / 1e9, result.median_ms))
    return roofs


def achieved_rows(results, flops: dict[str, int], roofs: list[Roof]) -> list[dict]:
    """Achieved GFLOP/s and % of the roof of the precision each result executed in."""
    by_precision = {r.precision: r.gflops for r in roofs}
    rows = []
    for r in results:
        achieved = flops[r.model] / (r.median_ms * 1e-3) / 1e9
        roof = by_precision.get(_roof_key(r.exec_precision))
        rows.append({"label": r.label, "model": r.model, "exec_precision": r.exec_precision,
                     "median_ms": r.median_ms, "achieved_gflops": achieved, "roof_gflops": roof,
                     "pct_of_roof": None if roof is None else 100 * achieved / roof})
    return rows


def _roof_key(exec_precision: str) -> str:
    text = str(exec_precision).lower()
    return "int8" if ("i8" in text or "int8" in text or "u8" in text) else ("bf16" if "bf16" in text else "f32")


def roofline_chart(rows: list[dict], roofs: list[Roof], title: str = "Achieved vs roof"):
    """Achieved GFLOP/s per configuration as bars, each precision's roof as a dashed line."""
    import plotly.graph_objects as go

    from .viz import use_offline_renderer

    use_offline_renderer()
    fig = go.Figure(go.Bar(x=[r["label"] for r in rows], y=[r["achieved_gflops"] for r in rows],
                           text=[f"{r['pct_of_roof']:.0f}%" if r["pct_of_roof"] is not None else "" for r in rows],
                           name="achieved"))
    for roof in roofs:
        fig.add_hline(y=roof.gflops, line_dash="dash", annotation_text=f"{roof.precision} roof {roof.gflops:.0f}")
    fig.update_layout(title=title, yaxis_title="GFLOP/s (int8: GOP/s)", height=420)
    return fig
