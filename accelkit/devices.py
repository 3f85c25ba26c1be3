"""OpenVINO devices: their properties, AUTO, HETERO (with a partition simulation), many camera streams.

Taught in notebook 05 (AUTO vs HETERO). AUTO compiles the whole model for one device it picks
from a priority list (the CPU serves first requests while an accelerator compiles); HETERO splits
the model into subgraphs, each on the first device in its list that supports every op in it.
Without a GPU or NPU the split can only be simulated: ``hetero_subgraphs`` computes it from a
device-support map, and ``hetero_runner`` runs a split for real with AUTO standing in for the
absent accelerator (both "devices" are then this CPU). Timing always goes through ``bench.measure``.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .errors import AccelkitError, choice, first_line
from .runtimes.ov import (
    VIRTUAL_DEVICES,
    OvRunner,
    available_devices,
    check_device,
    compile_config,
    compiled_property,
    core,
    ov_runner,
    precision_name,
    random_inputs,
    read_model,
)

if TYPE_CHECKING:
    import openvino as ov
    import plotly.graph_objects as go

    from .harness.measure import BenchResult

__all__ = ["supported_properties", "device_property", "device_table", "execution_devices", "is_present",
           "priority_list", "compile_on", "virtual_row", "startup_devices", "describe_devices", "device_runner",
           "camera_runner", "GraphNode", "Subgraph", "graph_nodes", "support_map", "assign_devices", "partition",
           "hetero_subgraphs", "boundary_tensors", "query_affinity", "apply_affinity", "compile_hetero",
           "hetero_runner", "subgraph_figure", "camera_rows", "streams_sustained"]

KEY_PROPERTIES = ("FULL_DEVICE_NAME", "DEVICE_TYPE", "OPTIMIZATION_CAPABILITIES", "RANGE_FOR_STREAMS",
                  "RANGE_FOR_ASYNC_INFER_REQUESTS")
IO_OPS = ("Constant", "Parameter", "Result")  # HETERO places these with the ops they feed or follow


# ------------------------------------------------------------------ devices and properties
def _plain(value: Any) -> str:
    """A property value as short text: lists joined, enums without their class name."""
    if isinstance(value, (list, tuple)):
        return ", ".join(_plain(v) for v in value)
    return str(value).split(".")[-1] if "PerformanceMode." in str(value) or "Type." in str(value) else str(value)


def supported_properties(device: str) -> list[str]:
    """The property names a device (or a virtual device such as AUTO) answers; absent devices raise."""
    head = device.partition(":")[0]
    if head not in VIRTUAL_DEVICES:
        check_device(head)
    return sorted(str(p) for p in core().get_property(head, "SUPPORTED_PROPERTIES"))


def device_property(device: str, key: str) -> Any:
    """One property of a device, or one sentence naming the properties it does have."""
    names = supported_properties(device)
    if key not in names:
        raise AccelkitError(f"{device} has no property {key!r}; it answers: {', '.join(names)}.")
    return core().get_property(device.partition(":")[0], key)


def device_table(devices: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """One row per device with its key properties ('' where a device does not report one)."""
    rows = []
    for device in devices or available_devices():
        names = supported_properties(device)
        row: dict[str, Any] = {"device": device, "properties": len(names)}
        row.update({key: _plain(core().get_property(device, key)) if key in names else "" for key in KEY_PROPERTIES})
        rows.append(row)
    return rows


def execution_devices(compiled: ov.CompiledModel) -> list[str]:
    """The devices a compiled model really runs on (AUTO's choice, HETERO's devices)."""
    return [str(d) for d in compiled_property(compiled, "EXECUTION_DEVICES", [])]


def is_present(device: str) -> bool:
    """True when ``device`` (e.g. 'GPU', 'GPU.1') is a real device on this machine."""
    return any(device in (real, real.split(".")[0]) for real in available_devices())


def priority_list(preferred: Iterable[str], mode: str = "AUTO") -> tuple[str, list[str]]:
    """('AUTO:GPU,CPU', skipped): a device string naming only the preferred devices present here."""
    choice(mode, VIRTUAL_DEVICES, "virtual device")
    preferred = list(preferred)
    present = [d for d in preferred if is_present(d)]
    if not present:
        raise AccelkitError(f"none of {', '.join(preferred)} is here; available: {', '.join(available_devices())}.")
    return f"{mode}:{','.join(present)}", [d for d in preferred if d not in present]


def _listed(device: str) -> list[str]:
    """The plugins a device string involves: 'HETERO:AUTO,CPU' -> HETERO, AUTO, CPU ('(4)' batch sizes dropped)."""
    head, _, rest = device.partition(":")
    return [head] + [re.sub(r"\(\d+\)$", "", d) for d in rest.split(",") if d]


def compile_on(model: ov.Model | str | Path, device: str, *, hint: str | None = None,
               properties: dict[str, Any] | None = None) -> ov.CompiledModel:
    """Compile for any device string ('AUTO:GPU,CPU', 'HETERO:AUTO,CPU', 'BATCH:CPU(4)') after checking
    every device, the hint and each property name: AUTO and HETERO silently ignore unknown keys."""
    plugins = _listed(device)
    for name in plugins:
        if name not in VIRTUAL_DEVICES:
            check_device(name)
    config = compile_config(hint) if hint else {}
    known = set().union(*(supported_properties(name) for name in plugins))
    unknown = sorted(set(properties or {}) - known)
    if unknown:
        raise AccelkitError(f"{device} does not know {', '.join(map(repr, unknown))}; the properties it accepts "
                            f"are: {', '.join(sorted(known))}.")
    if isinstance(model, (str, Path)):
        model = read_model(model)
    try:
        return core().compile_model(model, device, {**config, **(properties or {})})
    except Exception as exc:  # OpenVINO raises RuntimeError with a C++ trace
        raise AccelkitError(f"OpenVINO could not compile the model for {device}: {first_line(exc)}.") from None


def virtual_row(model: ov.Model | str | Path, device: str, hint: str | None = None) -> dict[str, Any]:
    """Compile for ``device`` and run one inference: what it reports, or the sentence why it failed."""
    row: dict[str, Any] = {"device": device, "runs": False, "execution_devices": "", "hint": "", "nireq": "",
                           "submodels": ""}
    try:
        compiled = compile_on(model, device, hint=hint)
        compiled(random_inputs(compiled))
    except AccelkitError as err:
        return {**row, "execution_devices": str(err)}
    return {**row, "runs": True, "execution_devices": ", ".join(execution_devices(compiled)),
            "hint": _plain(compiled_property(compiled, "PERFORMANCE_HINT", "")),
            "nireq": compiled_property(compiled, "OPTIMAL_NUMBER_OF_INFER_REQUESTS", ""),
            "submodels": compiled_property(compiled, "HETERO_NUMBER_OF_SUBMODELS", "")}


def startup_devices(path: str | Path, device: str, inferences: int = 8) -> list[str]:
    """EXECUTION_DEVICES right after compiling and after each of the first inferences: with
    'AUTO:GPU,CPU' it reads '(CPU)' while the GPU still compiles, then 'GPU'."""
    compiled = compile_on(path, device, hint="latency")
    request = compiled.create_infer_request()
    seen = [", ".join(execution_devices(compiled))]
    for _ in range(inferences):
        request.infer(random_inputs(compiled))
        seen.append(", ".join(execution_devices(compiled)))
    return seen


# ------------------------------------------------------------------ builders for the harness
def _joined(per_device: dict[str, Any]) -> Any:
    values = {d: v for d, v in per_device.items() if v is not None}
    return next(iter(values.values())) if len(values) == 1 else ", ".join(f"{d}:{v}" for d, v in values.items()) or None


def describe_devices(runner: OvRunner, device: str) -> OvRunner:
    """Record what ran under a virtual device: 'AUTO→CPU', and the streams, threads and precision
    of the real devices beneath it (a virtual device does not report them itself)."""
    beneath = compiled_property(runner.compiled, "DEVICE_PROPERTIES", {}) or {}
    s = runner.settings
    if s["streams"] is None:
        s["streams"] = _joined({d: p.get("NUM_STREAMS") for d, p in beneath.items()})
    if s["threads"] is None:
        s["threads"] = _joined({d: p.get("INFERENCE_NUM_THREADS") for d, p in beneath.items()})
    if s["exec_precision"] == "?":
        s["exec_precision"] = _joined({d: precision_name(p["INFERENCE_PRECISION_HINT"]) for d, p in beneath.items()
                                       if "INFERENCE_PRECISION_HINT" in p}) or "?"
    ran = execution_devices(runner.compiled)
    s["device"] = device if ran in ([device], _listed(device)[1:]) else f"{device}→{','.join(ran)}"
    return runner


def device_runner(path: str | Path, *, device: str = "AUTO", hint: str = "latency",
                  precision: str | None = None) -> OvRunner:
    """Builder like ``ov_runner`` that also works for AUTO and MULTI (see ``describe_devices``)."""
    return describe_devices(ov_runner(path, device=device, hint=hint, precision=precision), device)


def camera_runner(path: str | Path, *, cameras: int, device: str = "CPU", hint: str = "throughput") -> OvRunner:
    """Builder: ``cameras`` synthetic streams, by default under the THROUGHPUT hint. Each camera keeps
    one frame in flight, so the harness's async mode (``mode="async"``) runs ``cameras`` requests at
    once. With ``hint="latency"`` the device runs one stream and the cameras' frames take turns on it."""
    if not isinstance(cameras, int) or cameras < 1:
        raise AccelkitError(f"cameras must be a whole number >= 1, not {cameras!r}.")
    runner = device_runner(path, device=device, hint=hint)
    runner.settings["nireq"] = cameras
    return runner


# ------------------------------------------------------------------ HETERO: graph, affinity, subgraphs
class GraphNode(NamedTuple):
    name: str
    op: str
    inputs: tuple[str, ...]  # names of the compute nodes whose outputs this node reads


class Subgraph(NamedTuple):
    device: str
    nodes: list[str]


def graph_nodes(model: ov.Model | str | Path) -> list[GraphNode]:
    """The compute ops of an ov.Model (or IR path) in topological order with their producers;
    constants and model inputs/outputs are left out."""
    if isinstance(model, (str, Path)):
        model = read_model(model)
    nodes = []
    for op in model.get_ordered_ops():
        if op.get_type_name() in IO_OPS:
            continue
        producers = (i.get_source_output().get_node() for i in op.inputs())
        nodes.append(GraphNode(op.get_friendly_name(), op.get_type_name(),
                               tuple(p.get_friendly_name() for p in producers if p.get_type_name() not in IO_OPS)))
    return nodes


def support_map(nodes: list[GraphNode], unsupported: dict[str, Iterable[str]]) -> dict[str, set[str]]:
    """{device: op types it runs}: every op type of the graph except those listed for that device."""
    ops = {n.op for n in nodes}
    return {device: ops - set(missing) for device, missing in unsupported.items()}


def assign_devices(nodes: list[GraphNode], supported_by_device: dict[str, set[str]],
                   priority: list[str]) -> dict[str, str]:
    """HETERO's automatic affinity: each op goes to the first device in ``priority`` that runs it."""
    affinity = {}
    for node in nodes:
        device = next((d for d in priority if node.op in supported_by_device.get(d, ())), None)
        if device is None:
            raise AccelkitError(f"no device in {','.join(priority)} supports {node.op} (node {node.name}); "
                                "HETERO would fail to compile: put CPU last as the fallback.")
        affinity[node.name] = device
    return affinity


def partition(nodes: list[GraphNode], affinity: dict[str, str]) -> list[Subgraph]:
    """Subgraphs = runs of consecutive ops (in topological order) on the same device. Equal to
    HETERO's split for chain-like graphs; on graphs with parallel branches HETERO may merge more."""
    subgraphs: list[Subgraph] = []
    for node in nodes:
        device = affinity[node.name]
        if subgraphs and subgraphs[-1].device == device:
            subgraphs[-1].nodes.append(node.name)
        else:
            subgraphs.append(Subgraph(device, [node.name]))
    return subgraphs


def hetero_subgraphs(nodes: list[GraphNode], supported_by_device: dict[str, set[str]],
                     priority: list[str]) -> list[Subgraph]:
    """SIMULATION of the subgraphs 'HETERO:<priority>' would form for a device-support map."""
    return partition(nodes, assign_devices(nodes, supported_by_device, priority))


def boundary_tensors(nodes: list[GraphNode], subgraphs: list[Subgraph]) -> list[tuple[str, str]]:
    """(producer, consumer) edges that leave a subgraph: tensors handed over at every inference."""
    where = {name: i for i, (_, names) in enumerate(subgraphs) for name in names}
    return [(src, n.name) for n in nodes for src in n.inputs if where[src] != where[n.name]]


def query_affinity(model: ov.Model | str | Path, device: str) -> dict[str, str]:
    """``core.query_model``: the device each compute op would run on (real devices only)."""
    if isinstance(model, (str, Path)):
        model = read_model(model)
    for name in _listed(device):
        if name not in VIRTUAL_DEVICES:
            check_device(name)
    supported = core().query_model(model, device)
    return {n.name: supported.get(n.name, "unsupported") for n in graph_nodes(model)}


def apply_affinity(model: ov.Model, affinity: dict[str, str]) -> None:
    """HETERO's manual mode: set ``rt_info["affinity"]`` on *every* op (HETERO refuses a partial
    assignment); constants and inputs take their consumer's device, outputs their producer's."""
    fallback = next(iter(affinity.values()))
    for op in model.get_ordered_ops():
        device = affinity.get(op.get_friendly_name())
        if device is None:
            peers = [op.input_value(0).get_node()] if op.get_type_name() == "Result" else \
                [i.get_node() for out in op.outputs() for i in out.get_target_inputs()]
            device = next((affinity[p.get_friendly_name()] for p in peers if p.get_friendly_name() in affinity),
                          fallback)
        op.get_rt_info()["affinity"] = device


def compile_hetero(model: ov.Model | str | Path, affinity: dict[str, str], *, stand_in: dict[str, str] | None = None,
                   hint: str = "latency") -> ov.CompiledModel:
    """Compile a model (or IR path) for HETERO with a manual affinity per op. ``stand_in`` maps an absent
    device to one that is here (e.g. {'GPU': 'AUTO'}): the split and the hand-overs are real, the hardware is not."""
    placed = {name: (stand_in or {}).get(d, d) for name, d in affinity.items()}
    devices = sorted(set(placed.values()), key=lambda d: d == "CPU")  # CPU last, as the fallback
    model = read_model(model) if isinstance(model, (str, Path)) else model.clone()
    apply_affinity(model, placed)
    return compile_on(model, "HETERO:" + ",".join(devices), hint=hint)


def hetero_runner(path: str | Path, *, affinity: dict[str, str], stand_in: dict[str, str] | None = None,
                  hint: str = "latency") -> OvRunner:
    """Builder for the harness: ``compile_hetero`` wrapped as a runner."""
    compiled = compile_hetero(path, affinity, stand_in=stand_in, hint=hint)
    device = "HETERO:" + ",".join(execution_devices(compiled))
    runner = OvRunner(compiled, model_name=Path(path).stem, device=device, hint=hint, precision=None)
    return describe_devices(runner, device)


def subgraph_figure(nodes: list[GraphNode], subgraphs: list[Subgraph], title: str) -> go.Figure:
    """Swim lanes: one row per device, ops in topological order, a box per subgraph; red lines are
    tensors crossing between subgraphs."""
    import plotly.graph_objects as go

    from .core.charts import use_offline_renderer

    use_offline_renderer()
    lanes = list(dict.fromkeys(sg.device for sg in subgraphs))
    order = {n.name: i for i, n in enumerate(nodes)}
    pos = {name: (order[name], lanes.index(sg.device)) for sg in subgraphs for name in sg.nodes}
    fig = go.Figure()
    cut = set(boundary_tensors(nodes, subgraphs))
    for colour, wanted in (("lightgrey", False), ("crimson", True)):
        xs: list[int | None] = []
        ys: list[int | None] = []
        for n in nodes:
            for src in n.inputs:
                if ((src, n.name) in cut) == wanted:
                    xs += [pos[src][0], pos[n.name][0], None]
                    ys += [pos[src][1], pos[n.name][1], None]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=colour, width=1), hoverinfo="skip",
                                 name="tensor between subgraphs" if wanted else "tensor inside a subgraph"))
    for k, sg in enumerate(subgraphs):
        columns = [pos[name][0] for name in sg.nodes]
        y = lanes.index(sg.device)
        fig.add_shape(type="rect", x0=min(columns) - 0.4, x1=max(columns) + 0.4, y0=y - 0.3, y1=y + 0.3,
                      line=dict(width=1), fillcolor="rgba(100,150,250,0.15)" if k % 2 else "rgba(250,170,60,0.15)")
        fig.add_annotation(x=(min(columns) + max(columns)) / 2, y=y + 0.38, text=f"#{k}", showarrow=False)
    by_name = {n.name: n for n in nodes}
    fig.add_trace(go.Scatter(x=[pos[n][0] for n in by_name], y=[pos[n][1] for n in by_name], mode="markers",
                             text=[f"{n} ({by_name[n].op})" for n in by_name], hoverinfo="text", name="op",
                             marker=dict(size=7, color=[pos[n][1] for n in by_name], colorscale="Viridis")))
    fig.update_layout(title=title, height=260 + 40 * len(lanes), margin=dict(t=70),
                      xaxis=dict(title="op, in topological order"),
                      yaxis=dict(tickvals=list(range(len(lanes))), ticktext=lanes, range=[-0.6, len(lanes) - 0.3]))
    return fig


# ------------------------------------------------------------------ camera streams
def camera_rows(results: list[BenchResult], target_fps: float) -> list[dict[str, Any]]:
    """Per camera count (from ``camera_runner`` results): the hint, total FPS, FPS each camera gets,
    per-frame latency, and whether every camera keeps ``target_fps``."""
    return [{"hint": getattr(r, "hint", ""), "cameras": r.nireq, "total_fps": r.throughput_fps,
             "fps_per_camera": r.throughput_fps / r.nireq, "median_ms": r.median_ms, "p90_ms": r.p90_ms,
             "keeps_target": r.throughput_fps / r.nireq >= target_fps}
            for r in results]


def streams_sustained(fps_per_stream: dict[int, float], target_fps: float) -> int:
    """The most streams (among those measured) whose per-stream FPS still reaches ``target_fps``; 0 if none."""
    return max((n for n, fps in fps_per_stream.items() if fps >= target_fps), default=0)
