"""Checks for exercises/01-find-cpu-fallback.ipynb (notebook 01's material).

The hidden profiles imitate ORT's profiling JSON from machines this kit may not run on: a CUDA
session with shape ops left on the CPU (one of them with "_kernel" inside its name) and Memcpy nodes
between the two, a TensorRT session with fused engine nodes, an OpenVINO EP + CPU EP session whose
OpenVINO subgraphs are one node each, a CPU-only session, and a profile with no kernel events at all.
The time-share checks (section 6) use only profiles whose EPs compute on the host (CPU EP, OpenVINO
EP), where a kernel event's ``dur`` is the node's real time; on CUDA it is the launch time.
"""
from __future__ import annotations

import copy
import math

from ..checking import CheckFailed, call, check, need

EXERCISE = "01-find-cpu-fallback"
CPU, CUDA, TRT = "CPUExecutionProvider", "CUDAExecutionProvider", "TensorrtExecutionProvider"
OV = "OpenVINOExecutionProvider"


def _session_events(runs: int) -> list[dict]:
    head = [{"cat": "Session", "ph": "X", "name": "model_loading_uri", "dur": 1200, "ts": 5, "args": {}},
            {"cat": "Session", "ph": "X", "name": "session_initialization", "dur": 90000, "ts": 1300, "args": {}}]
    return head + [{"cat": "Session", "ph": "X", "name": "model_run", "dur": 900, "ts": 100000 + i, "args": {}}
                   for i in range(runs)]


def _profile(kernels: list[tuple[str, str, str, int]], runs: int, fences: bool = False) -> list[dict]:
    """Session events plus, for each run, one '<node>_kernel_time' event per (node, op, provider, dur);
    the durations grow by 1 µs per run, so a share taken from one run only is not the whole profile's."""
    events = _session_events(runs)
    for run in range(runs):
        for i, (node, op, provider, dur) in enumerate(kernels):
            args = {"op_name": op, "provider": provider, "node_index": str(i), "activation_size": "4096"}
            if fences:  # older ORT versions wrap each kernel in fence events
                events.append({"cat": "Node", "ph": "X", "name": f"{node}_fence_before", "dur": 2, "ts": 0, "args": args})
            events.append({"cat": "Node", "ph": "X", "name": f"{node}_kernel_time", "dur": dur + run, "ts": 0,
                           "args": dict(args)})
            if fences:
                events.append({"cat": "Node", "ph": "X", "name": f"{node}_fence_after", "dur": 3, "ts": 0, "args": args})
    return events


CUDA_KERNELS = [("Memcpy_token_0_kernel", "MemcpyFromHost", CUDA, 40), ("conv_0", "Conv", CUDA, 300),
                ("shape_1", "Shape", CPU, 3), ("gather_2", "Gather", CPU, 5), ("unsqueeze_3", "Unsqueeze", CPU, 2),
                ("conv_kernel_shape", "Shape", CPU, 2),  # '_kernel' inside a name: split('_kernel')[0] gives 'conv'
                ("conv_4", "Conv", CUDA, 280), ("reshape_5", "Reshape", CUDA, 10),
                ("Memcpy_token_1_kernel", "MemcpyToHost", CUDA, 30)]
TRT_KERNELS = [("TensorrtExecutionProvider_TRTKernel_graph_main_1_0_0", "TRTKernel_graph_main_1_0", TRT, 900),
               ("nms_7", "NonMaxSuppression", CUDA, 120), ("topk_8", "TopK", CPU, 60),
               ("TensorrtExecutionProvider_TRTKernel_graph_main_1_1_0", "TRTKernel_graph_main_1_1", TRT, 400)]
CPU_KERNELS = [("relu_nchwc", "Conv", CPU, 4000), ("max_pool2d_nchwc", "MaxPool", CPU, 300),
               ("node_linear", "Gemm", CPU, 80)]


def _ov_subgraph(n: int, i: int, dur: int) -> tuple[str, str, str, int]:
    """The OpenVINO EP runs each subgraph it compiled as one node with this name and op."""
    return (f"{OV}_OpenVINO-EP-subgraph_{n}_{i}", f"OpenVINO-EP-subgraph_{n}", OV, dur)


OV_KERNELS = [_ov_subgraph(1, 0, 310), ("det3", "Det", CPU, 62), ("unsqueeze3", "Unsqueeze", CPU, 4),
              _ov_subgraph(2, 1, 290)]
OV_SMALL_KERNELS = [_ov_subgraph(1, 0, 40), ("det1", "Det", CPU, 150), ("unsqueeze1", "Unsqueeze", CPU, 5),
                    _ov_subgraph(2, 1, 60)]
OV_TIE_KERNELS = [_ov_subgraph(1, 0, 100), ("det1", "Det", CPU, 70), ("unsqueeze1", "Unsqueeze", CPU, 30)]
OV_ONLY_KERNELS = [_ov_subgraph(1, 0, 420)]

PROFILES = {  # what the learner's functions see -> (events, accelerator)
    "a CUDA profile": (_profile(CUDA_KERNELS, 3), CUDA),
    "a CUDA profile with fences": (_profile(CUDA_KERNELS, 2, fences=True), CUDA),
    "a TensorRT + CUDA profile": (_profile(TRT_KERNELS, 4), TRT),
    "a CPU-only profile": (_profile(CPU_KERNELS, 5), CUDA),
    "an OpenVINO + CPU EP profile": (_profile(OV_KERNELS, 3), OV),
    "a profile without kernels": (_session_events(2), CUDA),
}

SHARE_PROFILES = {  # host-synchronous EPs only: name -> (events, accelerator)
    "an OpenVINO + CPU EP profile": (_profile(OV_KERNELS, 3), OV),
    "an OpenVINO + CPU EP profile with fences": (_profile(OV_KERNELS, 2, fences=True), OV),
    "a profile where Det dominates": (_profile(OV_SMALL_KERNELS, 4), OV),
    "an OpenVINO-only profile": (_profile(OV_ONLY_KERNELS, 2), OV),
    "a CPU-only profile": (_profile(CPU_KERNELS, 5), CUDA),
    "a profile without kernels": (_session_events(2), CUDA),
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


HINT = "count only 'Node' events named '<node>_kernel_time'"


def _ep(provider: str) -> str:
    return provider.removesuffix("ExecutionProvider")


def _some(names: list[str], room: int = 70) -> str:
    """The first names that fit in about ``room`` characters (at least one), then '…' for the rest."""
    shown: list[str] = []
    for n in names:
        if shown and len(", ".join(shown + [n])) > room:
            return ", ".join(shown) + " …"
        shown.append(n)
    return ", ".join(shown)


def _names_diff(got, want: list[str]) -> str | None:
    """How a list of node names differs from the wanted one, in a few words (None if it does not)."""
    if not isinstance(got, list):
        return f"a {type(got).__name__}, not a list"
    if got == want:
        return None
    missing = [n for n in want if n not in got]
    extra = sorted({repr(n) for n in got if n not in want})
    parts = []
    if missing:
        parts.append("missing " + _some([repr(n) for n in missing]))
    if extra:
        parts.append("unexpected " + _some(extra))
    if not parts:
        parts.append("repeated names (list each node once)" if len(got) != len(set(got)) else "not sorted")
    return " and ".join(parts)


@check("nodes_by_provider groups every node under the EP that ran it", points=3)
def by_provider_ok(ns):
    fn = need(ns, "nodes_by_provider", is_callable=True)
    for name, (events, _) in PROFILES.items():
        got, want = call(fn, copy.deepcopy(events)), want_by_provider(events)
        if not isinstance(got, dict):
            raise CheckFailed(f"nodes_by_provider should return a dict, not {type(got).__name__}.")
        if set(got) != set(want):
            raise CheckFailed(f"on {name} your providers are {sorted(map(str, got))}, expected {sorted(want)}: one key "
                              f"per EP in args['provider']; {HINT}.")
        for provider, names in want.items():
            problem = _names_diff(got[provider], names)
            if problem:
                raise CheckFailed(f"on {name} your list for {provider} has {problem}: give the sorted, distinct node "
                                  f"names it ran; {HINT}.")


@check("fallback_nodes finds the nodes that did not run on the accelerator", points=3)
def fallback_ok(ns):
    fn = need(ns, "fallback_nodes", is_callable=True)
    for name, (events, accelerator) in PROFILES.items():
        extra = () if accelerator == CUDA else (accelerator,)  # CUDA profiles also test the default argument
        got = call(fn, copy.deepcopy(events), *extra)
        if not isinstance(got, list):
            raise CheckFailed(f"fallback_nodes should return a list, not {type(got).__name__}.")
        problem = _names_diff(got, want_fallback(events, accelerator))
        if problem:
            raise CheckFailed(f"on {name} (accelerator {_ep(accelerator)}) your list has {problem}: give the sorted, "
                              f"distinct names of nodes whose provider is not the accelerator; {HINT}.")


@check("copy_nodes finds the copies between EPs (MemcpyFromHost / MemcpyToHost)", points=2)
def copies_ok(ns):
    fn = need(ns, "copy_nodes", is_callable=True)
    for name, (events, _) in PROFILES.items():
        got = call(fn, copy.deepcopy(events))
        if not isinstance(got, list):
            raise CheckFailed(f"copy_nodes should return a list, not {type(got).__name__}.")
        problem = _names_diff(got, want_copies(events))
        if problem:
            raise CheckFailed(f"on {name} your list has {problem}: give the sorted, distinct names of kernel events whose "
                              f"args['op_name'] is MemcpyFromHost or MemcpyToHost; {HINT}.")


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


# ---------------------------------------------------------------- section 6: what a faster accelerator buys


def kernel_time(events: list[dict], accelerator: str) -> tuple[int, int]:
    """(µs on the accelerator, µs elsewhere), summed over every kernel event of every run."""
    on = sum(e["dur"] for e in _kernels(events) if e["args"]["provider"] == accelerator)
    return on, sum(e["dur"] for e in _kernels(events)) - on


def want_share(events: list[dict], accelerator: str) -> float:
    on, off = kernel_time(events, accelerator)
    return off / (on + off) if on + off else 0.0


def _number(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise CheckFailed(f"{what} should return a number, not {_short(value, 80)}.")
    return float(value)


@check("fallback_share: the share of kernel time spent off the accelerator", points=2)
def share_ok(ns):
    fn = need(ns, "fallback_share", is_callable=True)
    for name, (events, accelerator) in SHARE_PROFILES.items():
        extra = () if accelerator == CUDA else (accelerator,)
        try:
            got = _number(call(fn, copy.deepcopy(events), *extra), "fallback_share")
        except CheckFailed as exc:
            if "ZeroDivisionError" not in str(exc):
                raise
            raise CheckFailed(f"on {name} {str(exc).rstrip('.')}: return 0.0 when a profile has no kernel time.") from None
        want = want_share(events, accelerator)
        if not math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12):
            on, off = kernel_time(events, accelerator)
            hint = (" (a fraction from 0 to 1, not a percentage)" if math.isclose(got, 100 * want, rel_tol=1e-9) and want
                    else " (return 0.0 when there is no kernel time)" if not on + off else "")
            raise CheckFailed(f"on {name} (accelerator {_ep(accelerator)}) fallback_share returned {got:.6g}, expected "
                              f"{want:.6g}{hint}: {off} of the {on + off} µs of kernel time (dur summed over every run) "
                              f"ran off the accelerator; {HINT}.")


SPEEDUP_CASES = [((0.25, math.inf), 4.0), ((0.2, 2), 1 / 0.6), ((1.0, 10), 1.0), ((0.0, 4), 4.0), ((0.5, 1), 1.0),
                 ((0.158, 10), 1 / (0.158 + 0.842 / 10))]


@check("best_speedup(share, factor): Amdahl's law for a faster accelerator", points=1)
def speedup_ok(ns):
    fn = need(ns, "best_speedup", is_callable=True)
    for (share, factor), want in SPEEDUP_CASES:
        got = _number(call(fn, share, factor), "best_speedup")
        if not math.isclose(got, want, rel_tol=1e-6):
            raise CheckFailed(f"best_speedup({share}, {factor}) returned {got:.6g}, expected {want:.6g}: a run that took 1 "
                              f"now takes {share} (the fallback, unchanged) + {1 - share:g} / {factor} (the accelerator's "
                              "part), and the speed-up is the old time over the new.")


WIN_CASES = [("an OpenVINO + CPU EP profile", 2, "accelerator"),
             ("an OpenVINO + CPU EP profile", 10, "accelerator"),
             ("a profile where Det dominates", 3, "fallback"),
             ("a profile with equal parts", 2, "either"),
             ("an OpenVINO + CPU EP profile", 1, "either"),
             ("a CPU-only profile", 2, "fallback"),
             ("a profile without kernels", 2, "either")]
WIN_PROFILES = {**SHARE_PROFILES, "a profile with equal parts": (_profile(OV_TIE_KERNELS, 1), OV)}


@check("bigger_win: which part a speed-up by `factor` is worth more on", points=1)
def win_ok(ns):
    fn = need(ns, "bigger_win", is_callable=True)
    for name, factor, want in WIN_CASES:
        events, accelerator = WIN_PROFILES[name]
        got = call(fn, copy.deepcopy(events), accelerator, factor)
        if got not in ("accelerator", "fallback", "either"):
            raise CheckFailed(f"bigger_win should return 'accelerator', 'fallback' or 'either', not {_short(got, 80)}.")
        if got != want:
            on, off = kernel_time(events, accelerator)
            raise CheckFailed(f"on {name} with factor {factor} you said {got!r}, expected {want!r}: the accelerator's nodes "
                              f"take {on} µs and the rest {off} µs, and a part of time T made {factor}x faster saves "
                              f"T x (1 - 1/{factor}); when both save the same, say 'either'.")


CHECKS = [by_provider_ok, fallback_ok, copies_ok, active_ok, own_profile_ok, share_ok, speedup_ok, win_ok]
