"""Checks for exercises/01-find-cpu-fallback.ipynb (notebook 01's material).

The hidden profiles imitate ORT's profiling JSON from machines this kit may not run on: a CUDA
session with shape ops left on the CPU and Memcpy nodes between the two, a TensorRT session with
fused engine nodes, a CPU-only session, and a profile with no kernel events at all.
"""
from __future__ import annotations

import copy

from ..checking import CheckFailed, call, check, need

EXERCISE = "01-find-cpu-fallback"
CPU, CUDA, TRT = "CPUExecutionProvider", "CUDAExecutionProvider", "TensorrtExecutionProvider"


def _session_events(runs: int) -> list[dict]:
    head = [{"cat": "Session", "ph": "X", "name": "model_loading_uri", "dur": 1200, "ts": 5, "args": {}},
            {"cat": "Session", "ph": "X", "name": "session_initialization", "dur": 90000, "ts": 1300, "args": {}}]
    return head + [{"cat": "Session", "ph": "X", "name": "model_run", "dur": 900, "ts": 100000 + i, "args": {}}
                   for i in range(runs)]


def _profile(kernels: list[tuple[str, str, str, int]], runs: int, fences: bool = False) -> list[dict]:
    """Session events plus, for each run, one '<node>_kernel_time' event per (node, op, provider, dur)."""
    events = _session_events(runs)
    for run in range(runs):
        for i, (node, op, provider, dur) in enumerate(kernels):
            args = {"op_name": op, "provider": provider, "node_index": str(i), "activation_size": "4096"}
            if fences:  # older ORT versions wrap each kernel in fence events
                events.append({"cat": "Node", "ph": "X", "name": f"{node}_fence_before", "dur": 0, "ts": 0, "args": args})
            events.append({"cat": "Node", "ph": "X", "name": f"{node}_kernel_time", "dur": dur + run, "ts": 0,
                           "args": dict(args)})
            if fences:
                events.append({"cat": "Node", "ph": "X", "name": f"{node}_fence_after", "dur": 0, "ts": 0, "args": args})
    return events


CUDA_KERNELS = [("Memcpy_token_0_kernel", "MemcpyFromHost", CUDA, 40), ("conv_0", "Conv", CUDA, 300),
                ("shape_1", "Shape", CPU, 3), ("gather_2", "Gather", CPU, 5), ("unsqueeze_3", "Unsqueeze", CPU, 2),
                ("conv_4", "Conv", CUDA, 280), ("reshape_5", "Reshape", CUDA, 10),
                ("Memcpy_token_1_kernel", "MemcpyToHost", CUDA, 30)]
TRT_KERNELS = [("TensorrtExecutionProvider_TRTKernel_graph_main_1_0_0", "TRTKernel_graph_main_1_0", TRT, 900),
               ("nms_7", "NonMaxSuppression", CUDA, 120), ("topk_8", "TopK", CPU, 60),
               ("TensorrtExecutionProvider_TRTKernel_graph_main_1_1_0", "TRTKernel_graph_main_1_1", TRT, 400)]
CPU_KERNELS = [("relu_nchwc", "Conv", CPU, 4000), ("max_pool2d_nchwc", "MaxPool", CPU, 300),
               ("node_linear", "Gemm", CPU, 80)]

PROFILES = {  # what the learner's functions see -> (events, accelerator)
    "a CUDA profile (3 runs)": (_profile(CUDA_KERNELS, 3), CUDA),
    "a CUDA profile with fence events": (_profile(CUDA_KERNELS, 2, fences=True), CUDA),
    "a TensorRT + CUDA profile (accelerator TensorRT)": (_profile(TRT_KERNELS, 4), TRT),
    "a CPU-only profile (CUDA was missing)": (_profile(CPU_KERNELS, 5), CUDA),
    "a profile with no kernel events": (_session_events(2), CUDA),
}


def _kernels(events: list[dict]) -> list[dict]:
    return [e for e in events if e.get("cat") == "Node" and e["name"].endswith("_kernel_time")]


def want_by_provider(events: list[dict]) -> dict[str, list[str]]:
    out: dict[str, set[str]] = {}
    for e in _kernels(events):
        out.setdefault(e["args"]["provider"], set()).add(e["name"][: -len("_kernel_time")])
    return {provider: sorted(names) for provider, names in out.items()}


def want_fallback(events: list[dict], accelerator: str) -> list[str]:
    return sorted({e["name"][: -len("_kernel_time")] for e in _kernels(events) if e["args"]["provider"] != accelerator})


COPY_OPS = ("MemcpyFromHost", "MemcpyToHost")


def want_copies(events: list[dict]) -> list[str]:
    return sorted({e["name"][: -len("_kernel_time")] for e in _kernels(events) if e["args"]["op_name"] in COPY_OPS})


def _short(value, limit: int = 240) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + " …"


HINT = ("count only events with cat 'Node' whose name ends in '_kernel_time' (the node name is the part before it; "
        "skip '_fence_before'/'_fence_after' and 'Session' events)")


@check("nodes_by_provider groups every node under the EP that ran it", points=3)
def by_provider_ok(ns):
    fn = need(ns, "nodes_by_provider", is_callable=True)
    for name, (events, _) in PROFILES.items():
        got, want = call(fn, copy.deepcopy(events)), want_by_provider(events)
        if not isinstance(got, dict):
            raise CheckFailed(f"nodes_by_provider should return a dict, not {type(got).__name__}.")
        if got != want:
            raise CheckFailed(f"on {name} you returned {_short(got)}; expected {want!r}. Map each provider to the sorted list "
                              f"of distinct node names it ran; {HINT}.")


@check("fallback_nodes finds the nodes that did not run on the accelerator", points=3)
def fallback_ok(ns):
    fn = need(ns, "fallback_nodes", is_callable=True)
    for name, (events, accelerator) in PROFILES.items():
        extra = () if accelerator == CUDA else (accelerator,)  # CUDA profiles also test the default argument
        got = call(fn, copy.deepcopy(events), *extra)
        want = want_fallback(events, accelerator)
        if not isinstance(got, list):
            raise CheckFailed(f"fallback_nodes should return a list, not {type(got).__name__}.")
        if got != want:
            raise CheckFailed(f"on {name} (accelerator {accelerator}) you returned {_short(got)}; expected {want!r}: the sorted, "
                              f"distinct names of nodes whose provider is not the accelerator; {HINT}.")


@check("copy_nodes finds the copies between EPs (MemcpyFromHost / MemcpyToHost)", points=2)
def copies_ok(ns):
    fn = need(ns, "copy_nodes", is_callable=True)
    for name, (events, _) in PROFILES.items():
        got, want = call(fn, copy.deepcopy(events)), want_copies(events)
        if not isinstance(got, list):
            raise CheckFailed(f"copy_nodes should return a list, not {type(got).__name__}.")
        if got != want:
            raise CheckFailed(f"on {name} you returned {_short(got)}; expected {want!r}: the sorted, distinct names of "
                              f"kernel events whose args['op_name'] is MemcpyFromHost or MemcpyToHost; {HINT}.")


class _FakeSession:
    """Stands in for a session on a GPU machine; only get_providers() tells the truth."""

    providers = ["TensorrtExecutionProvider"]  # a decoy attribute: the requested list, not the active one

    def get_providers(self):
        return [CUDA, CPU]


@check("active_providers reads what the session really uses", points=1)
def active_ok(ns):
    fn = need(ns, "active_providers", is_callable=True)
    got = call(fn, _FakeSession())
    if got != [CUDA, CPU] or not isinstance(got, list):
        raise CheckFailed(f"for a session whose get_providers() is {[CUDA, CPU]} you returned {_short(got)}; return "
                          "list(session.get_providers()).")


@check("my_fallback lists every node of your own profile (no CUDA here)", points=1)
def own_profile_ok(ns):
    events = need(ns, "my_events", list)
    fallback = need(ns, "my_fallback", list)
    if not _kernels(events):
        raise CheckFailed("my_events has no kernel events: build it with profile_events(ak.onnx_path('digits_cnn')).")
    want = want_fallback(events, CUDA)
    if fallback != want:
        raise CheckFailed(f"my_fallback has {len(fallback)} names; your profile has {len(want)} nodes off CUDA. "
                          "Set my_fallback = fallback_nodes(my_events).")


CHECKS = [by_provider_ok, fallback_ok, copies_ok, active_ok, own_profile_ok]
