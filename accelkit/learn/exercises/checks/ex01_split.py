"""Checks for exercises/01-split-a-graph.ipynb (notebook 01's EP partitioning and device API).

The predictions (section 2) are checked against a real measurement: ``partition.split`` runs
island_model(0), (2) and (3), and two graphs the learner only reads about (the Det at the end of the
chain, ``partition.edge_model()``, and at its start, built here), in the OpenVINO EP's own ONNX
Runtime build (a child process, a few seconds), once per process, in a background thread that every
partition check waits for. While a prediction function runs, ``partition.split`` refuses to measure:
a prediction that measures is not one. The NPU
deployment (section 3) is checked by rules taken from ONNX Runtime's source (the session option,
the OpenVINO EP's device names, the device-policy selectors), with stand-in ``OrtEpDevice`` objects
for machines the kit may not run on. Section 4 is arithmetic.
"""
from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..checking import CheckFailed, call, check, need

EXERCISE = "01-split-a-graph"
OV, CPU = "OpenVINOExecutionProvider", "CPUExecutionProvider"
MEASURED_ISLANDS = (0, 2, 3)
EDGES = ("end", "start")      # predict_edge(where): the Det at the end or at the start of the chain
FALLBACK_KEY = "session.disable_cpu_ep_fallback"
FIELDS = ("openvino_subgraphs", "cpu_nodes", "cpu_ops", "boundaries")


# ---------------------------------------------------------------- the measured prediction (section 2)

_MEASURED: dict[str, Any] = {}   # "thread", then "result" (per island count) or "error" (one sentence)
_LOCK = threading.Lock()


def _measure(split_fn: Callable[..., Any]) -> None:
    """Measure every graph with ``split_fn`` (``partition.split``, read before the thread starts, so that a
    prediction running meanwhile, which blocks ``partition.split``, cannot stop the measurement). Only the
    current measurement's thread may write its outcome: one forgotten by ``reset_measurement`` stays silent."""
    from ....errors import AccelkitError

    outcome: dict[str, Any] = {}
    try:
        from .... import partition

        models: dict[str, str | Path] = {f"islands{k}": partition.island_model(k) for k in MEASURED_ISLANDS}
        models |= {"det_at_end": partition.edge_model(), "det_at_start": det_at_start_model()}
        split = split_fn(models, islands={f"islands{k}": k for k in MEASURED_ISLANDS}, seconds=0.02, rounds=1)
        result: dict[int | str, dict[str, Any]] = {}
        labels: list[tuple[int | str, str]] = [(k, f"islands{k}") for k in MEASURED_ISLANDS]
        for key, label in [*labels, ("end", "det_at_end"), ("start", "det_at_start")]:
            rows = [a for a in split.assignments if a["model"] == label]
            cpu = [a for a in rows if a["ep"] == CPU]
            result[key] = {"openvino_subgraphs": sum(a["ep"] == OV for a in rows),
                           "cpu_nodes": sum(a["nodes"] for a in cpu),
                           "cpu_ops": sorted({op for a in cpu for op in a["ops"].split()}),
                           "boundaries": sum(b["model"] == label for b in split.boundaries)}
        outcome["result"] = result
    except AccelkitError as exc:
        outcome["error"] = f"could not measure the partition, so this cannot be checked here: {str(exc).rstrip('.')}."
    except Exception as exc:  # the experiment itself broke: say so in one sentence
        outcome["error"] = (f"could not measure the partition ({type(exc).__name__}: {exc}), so this cannot be "
                            "checked here.")
    finally:   # whatever happened, a waiting check must learn that the measurement is over
        if "result" not in outcome:
            outcome.setdefault("error", "could not measure the partition, so this cannot be checked here.")
        with _LOCK:
            if _MEASURED.get("thread") is threading.current_thread():
                _MEASURED.update(outcome)


def measured() -> dict[int | str, dict[str, Any]]:
    """The measured partition per island count (started once per process; a check waits for it)."""
    with _LOCK:
        if "thread" not in _MEASURED:
            from .... import partition

            _MEASURED["thread"] = threading.Thread(target=_measure, args=(partition.split,), name="ex01-split",
                                                   daemon=True)
            _MEASURED["thread"].start()
    try:
        while "result" not in _MEASURED and "error" not in _MEASURED:
            time.sleep(0.05)         # not Thread.join: a join interrupted by the time limit can mark the thread dead
    except CheckFailed:              # the time limit: the measurement goes on, the next check waits for it
        raise CheckFailed("the measurement of the split (a child process) outlasted this check's time limit; it "
                          "goes on in the background, so run the checks again in a moment.") from None
    if "result" not in _MEASURED:
        with _LOCK:                  # a failed measurement is tried again the next time the checks run
            error = _MEASURED.pop("error", "could not measure the partition, so this cannot be checked here.")
            _MEASURED.pop("thread", None)
        raise CheckFailed(error)
    return _MEASURED["result"]


def reset_measurement() -> None:
    """Forget the measurement (tests use this to simulate a machine without the OpenVINO EP build)."""
    with _LOCK:
        _MEASURED.clear()


def det_at_start_model() -> Path:
    """x → Det → Unsqueeze → Expand → the 8 MatMul→Tanh blocks → y: island_model's island moved to the very
    start, so the model's input goes straight to the CPU EP (hidden from the learner, who predicts it)."""
    from onnx import TensorProto, helper

    from .... import partition
    from ....config import cache_dir

    out = cache_dir() / "partition" / f"det-at-start-b8-{partition.GRAPHS_VERSION}.onnx"
    if out.exists():
        return out
    inits = [helper.make_tensor("axes", TensorProto.INT64, [2], [2, 3]),
             helper.make_tensor("shape", TensorProto.INT64, [4], list(partition.ISLAND_SHAPE))]
    nodes: list[Any] = [helper.make_node("Det", ["x"], ["d"], name="det_start"),
                        helper.make_node("Unsqueeze", ["d", "axes"], ["u"], name="unsqueeze_start"),
                        helper.make_node("Expand", ["u", "shape"], ["e"], name="expand_start")]
    cur = "e"
    for b in range(8):
        cur = partition._block(b, cur, nodes, inits)
    nodes.append(helper.make_node("Identity", [cur], ["y"], name="output"))
    shape = list(partition.ISLAND_SHAPE)
    graph = helper.make_graph(nodes, "det_at_start", [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)], producer_name="accelkit")
    return partition._save(model, out)


def _no_measuring(*args, **kwargs):
    raise CheckFailed("a prediction function called partition.split: predict from the graph's structure and the "
                      "island_model(1) measurement instead, and leave the measuring to the checks.")


def _predict(fn, *args):
    """The learner's prediction, with partition.split refusing to run meanwhile: a prediction that measures is
    not one. (The measuring thread is handed the real function when it starts, outside any prediction.)"""
    from .... import partition

    real = partition.split
    partition.split = _no_measuring
    try:
        return call(fn, *args)
    finally:
        partition.split = real


def _validated(got, shown: str) -> dict[str, Any]:
    if not isinstance(got, dict):
        raise CheckFailed(f"{shown} should return a dict, not {type(got).__name__}.")
    missing = [f for f in FIELDS if f not in got]
    if missing:
        raise CheckFailed(f"{shown} has no {', '.join(repr(m) for m in missing)}: return a dict with "
                          f"the keys {', '.join(FIELDS)}.")
    for f in ("openvino_subgraphs", "cpu_nodes", "boundaries"):
        if isinstance(got[f], bool) or not isinstance(got[f], int):
            raise CheckFailed(f"{shown}[{f!r}] should be a whole number, not {got[f]!r}.")
    ops = got["cpu_ops"]
    if isinstance(ops, str) or not isinstance(ops, (list, tuple, set, frozenset)) or \
            not all(isinstance(o, str) for o in ops):
        raise CheckFailed(f"{shown}['cpu_ops'] should be a list of op type names such as ['Det'], not {ops!r}.")
    return {**got, "cpu_ops": sorted(set(ops))}


def _prediction(fn, k: int) -> dict[str, Any]:
    return _validated(_predict(fn, k), f"predict_partition({k})")


def _difference(k: int, got: dict[str, Any], want: dict[str, Any]) -> str | None:
    """The first difference between a prediction and the measurement, as a sentence (None if none)."""
    if got["openvino_subgraphs"] != want["openvino_subgraphs"]:
        return (f"for island_model({k}) you predicted {got['openvino_subgraphs']} OpenVINO subgraph(s), but it got "
                f"{want['openvino_subgraphs']}: each island cuts the OpenVINO chain once.")
    if got["cpu_ops"] != want["cpu_ops"]:
        extra = sorted(set(want["cpu_ops"]) - set(got["cpu_ops"]))
        if extra == ["Unsqueeze"]:
            return (f"for island_model({k}) you predicted the CPU EP gets {got['cpu_ops']}, but it also got the "
                    "Unsqueeze after each Det: the OpenVINO EP (1.24.1) starts its next subgraph at the Expand, as "
                    "the island_model(1) measurement above shows.")
        return (f"for island_model({k}) you predicted the CPU EP gets the op types {got['cpu_ops']}, but it got "
                f"{want['cpu_ops']}.")
    if got["cpu_nodes"] != want["cpu_nodes"]:
        return (f"for island_model({k}) you predicted {got['cpu_nodes']} CPU-EP node(s), but it got "
                f"{want['cpu_nodes']}: {', '.join(want['cpu_ops'])} at each of the {k} island(s).")
    if got["boundaries"] != want["boundaries"]:
        return (f"for island_model({k}) you predicted {got['boundaries']} boundaries, but {want['boundaries']} "
                "tensors cross between the EPs: 2 per island (into Det, and back into Expand); Det → Unsqueeze "
                "stays inside the CPU EP.")
    return None


@check("predict_partition(k) matches the measured split of island_model(2) and island_model(3)", points=3)
def partition_ok(ns):
    fn = need(ns, "predict_partition", is_callable=True)
    predictions = {k: _prediction(fn, k) for k in (2, 3)}
    truth = measured()
    for k, got in predictions.items():
        want = truth[k]
        problem = _difference(k, {**got, "boundaries": want["boundaries"]}, want)   # boundaries: the next check
        if problem:
            raise CheckFailed(problem)


@check("predict_partition(k)['boundaries'] counts the tensors crossing between the EPs", points=1)
def boundaries_ok(ns):
    fn = need(ns, "predict_partition", is_callable=True)
    predictions = {k: _prediction(fn, k) for k in (2, 3)}
    truth = measured()
    for k, got in predictions.items():
        if got["boundaries"] != truth[k]["boundaries"]:
            raise CheckFailed(_difference(k, {**truth[k], "boundaries": got["boundaries"]}, truth[k]) or "")


@check("predict_partition(0): no island, one OpenVINO subgraph, nothing on the CPU EP", points=1)
def no_island_ok(ns):
    fn = need(ns, "predict_partition", is_callable=True)
    got = _prediction(fn, 0)
    want = measured()[0]
    wrong = [f"{f} {got[f]!r} (measured {want[f]!r})" for f in FIELDS if got[f] != want[f]]
    if wrong:
        raise CheckFailed(f"for island_model(0) you predicted {', '.join(wrong)}: with no island the OpenVINO EP "
                          "takes the whole chain as one subgraph, and nothing is left for the CPU EP or crosses "
                          "between EPs.")


EDGE_WHY = {
    "end": ("the Det's output is the model's output, so nothing comes back to OpenVINO, and this graph has no "
            "Unsqueeze or Expand"),
    "start": ("the model's input goes straight to Det, and a graph input is not a tensor between two EPs; the "
              "Unsqueeze after Det goes where island_model(1)'s did"),
}


def _edge_ok(ns, where: str) -> None:
    fn = need(ns, "predict_edge", is_callable=True)
    got = _validated(_predict(fn, where), f"predict_edge({where!r})")
    want = measured()[where]
    wrong = [f"{f} {got[f]!r} (measured {want[f]!r})" for f in FIELDS if got[f] != want[f]]
    if wrong:
        more = f" and {len(wrong) - 2} more" if len(wrong) > 2 else ""
        raise CheckFailed(f"for the Det at the {where} of the chain you predicted {', '.join(wrong[:2])}{more}: "
                          f"{EDGE_WHY[where]}.")


@check("predict_edge('end'): the Det moved to the end of the chain, measured", points=1)
def edge_end_ok(ns):
    _edge_ok(ns, "end")


@check("predict_edge('start'): the island moved to the start of the chain, measured", points=1)
def edge_start_ok(ns):
    _edge_ok(ns, "start")


# ---------------------------------------------------------------- the NPU deployment (section 3)


@check("NPU_SESSION_CONFIG makes any CPU-EP placement an error", points=1)
def config_ok(ns):
    config = need(ns, "NPU_SESSION_CONFIG", dict)
    import onnxruntime as ort

    so = ort.SessionOptions()
    for key, value in config.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise CheckFailed(f"session config entries are strings (add_session_config_entry(key, value)); "
                              f"{key!r}: {value!r} is not: write it as {str(key)!r}: {str(value)!r}.")
        so.add_session_config_entry(key, value)
    if FALLBACK_KEY not in config:
        raise CheckFailed(f"NPU_SESSION_CONFIG has no {FALLBACK_KEY!r}: without it, nodes the NPU's EP leaves run "
                          "on ORT's CPU EP without a word.")
    if so.get_session_config_entry(FALLBACK_KEY) != "1":
        raise CheckFailed(f"{FALLBACK_KEY!r} is {config[FALLBACK_KEY]!r}, but ONNX Runtime (and the OpenVINO EP) "
                          "compare it with the string '1': anything else leaves the fallback on.")


def _entries(providers) -> list[tuple[str, dict]]:
    if isinstance(providers, str) or not isinstance(providers, (list, tuple)):
        raise CheckFailed(f"NPU_PROVIDERS should be a list of providers, not {type(providers).__name__}.")
    out: list[tuple[str, dict]] = []
    for p in providers:
        if isinstance(p, str):
            out.append((p, {}))
        elif isinstance(p, (tuple, list)) and len(p) == 2 and isinstance(p[0], str) and isinstance(p[1], dict):
            out.append((p[0], p[1]))
        else:
            raise CheckFailed(f"{p!r} in NPU_PROVIDERS is neither an EP name nor an (EP name, options dict) pair.")
    return out


@check("NPU_PROVIDERS asks the OpenVINO EP for the NPU and leaves nothing to fall back to", points=2)
def providers_ok(ns):
    entries = _entries(need(ns, "NPU_PROVIDERS"))
    names = [n for n, _ in entries]
    if CPU in names:
        raise CheckFailed("NPU_PROVIDERS lists CPUExecutionProvider: even last, that is the silent fallback, and "
                          f"ORT refuses it together with {FALLBACK_KEY} = '1'.")
    if names != [OV]:
        raise CheckFailed(f"NPU_PROVIDERS names {names}; the model was validated with the OpenVINO EP on the NPU "
                          f"only, so list exactly one provider: ('{OV}', {{'device_type': 'NPU'}}).")
    device = entries[0][1].get("device_type")
    if device is None:
        raise CheckFailed("the OpenVINO EP has no device_type option: without it the EP uses its default device, "
                          "the CPU.")
    if not isinstance(device, str):
        raise CheckFailed(f"device_type should be a string such as 'NPU', not {device!r}.")
    if re.fullmatch(r"(AUTO|HETERO|MULTI):.*", device.upper()):
        raise CheckFailed(f"device_type {device!r} lets OpenVINO itself move work to other devices inside the EP "
                          f"(the CPU among them), which {FALLBACK_KEY} cannot see; ask for 'NPU' alone.")
    if re.fullmatch(r"npu(\.\d+)?", device, re.IGNORECASE) and not device.startswith("NPU"):
        raise CheckFailed(f"device_type {device!r}: OpenVINO device names are upper case, write 'NPU'.")
    if not re.fullmatch(r"NPU(\.\d+)?", device):
        raise CheckFailed(f"device_type {device!r} is not the NPU; the target is the laptop's NPU: 'NPU'.")


class _Hardware:
    """Stands in for an OrtHardwareDevice."""

    def __init__(self, kind: str, vendor: str, vendor_id: int, device_id: int = 0) -> None:
        import onnxruntime as ort

        self.type = ort.OrtHardwareDeviceType.__members__[kind]
        self.vendor, self.vendor_id, self.device_id = vendor, vendor_id, device_id
        self.metadata: dict[str, str] = {}


class _EpDevice:
    """Stands in for an OrtEpDevice (what get_ep_devices() and a selection delegate see)."""

    def __init__(self, ep_name: str, ep_vendor: str, device: _Hardware) -> None:
        self.ep_name, self.ep_vendor, self.device = ep_name, ep_vendor, device
        self.ep_metadata: dict[str, str] = {"version": "1.8.1" if ep_name == OV else "1.32.0"}
        self.ep_options: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"<{self.ep_name} on {str(self.device.type).split('.')[-1]}>"


def _machines() -> dict[str, tuple[list[_EpDevice], list[int]]]:
    """name -> (the devices a delegate is given, in a shuffled order, and the indexes it must pick)."""
    intel_cpu, amd_cpu = _Hardware("CPU", "Intel", 0x8086), _Hardware("CPU", "AMD", 0x1022)
    igpu, npu = _Hardware("GPU", "Intel", 0x8086, 0x7D55), _Hardware("NPU", "Intel", 0x8086, 0x7D1D)
    ort_cpu = lambda hw: _EpDevice(CPU, "Microsoft", hw)   # noqa: E731
    return {
        "an Intel laptop with an NPU (devices in an unusual order)":
            ([ort_cpu(intel_cpu), _EpDevice(OV, "Intel", intel_cpu), _EpDevice(OV, "Intel", igpu),
              _EpDevice(OV, "Intel", npu)], [3]),
        "the same laptop, NPU first as ORT sorts it":
            ([_EpDevice(OV, "Intel", npu), _EpDevice(OV, "Intel", igpu), _EpDevice(OV, "Intel", intel_cpu),
              ort_cpu(intel_cpu)], [0]),
        "an Intel laptop whose NPU driver is missing":
            ([_EpDevice(OV, "Intel", igpu), _EpDevice(OV, "Intel", intel_cpu), ort_cpu(intel_cpu)], []),
        "an AMD desktop (only ORT's CPU EP)": ([ort_cpu(amd_cpu)], []),
        "a laptop whose only NPU belongs to another EP":
            ([_EpDevice("VitisAIExecutionProvider", "AMD", _Hardware("NPU", "AMD", 0x1022, 0x1502)),
              ort_cpu(amd_cpu)], []),
    }


@check("pick_npu(ep_devices) returns the OpenVINO EP's NPU device, or nothing", points=3)
def pick_ok(ns):
    fn = need(ns, "pick_npu", is_callable=True)
    for name, (devices, want) in _machines().items():
        got = call(fn, list(devices))
        if got is None or isinstance(got, (str, bytes)) or not hasattr(got, "__iter__"):
            raise CheckFailed(f"on {name} pick_npu returned {got!r}; return a list of devices ([] for none).")
        got = list(got)
        if not all(any(g is d for d in devices) for g in got):
            raise CheckFailed(f"on {name} pick_npu returned {got!r}: return the OrtEpDevice objects you were given "
                              "(not names or copies), so ORT can use them.")
        picked = [i for i, d in enumerate(devices) if any(g is d for g in got)]
        if picked != want or len(got) != len(want):
            wanted = [devices[i] for i in want]
            why = ("it must return [] so that session creation fails" if not want else
                   "only the OpenVINO EP's NPU device may run the model")
            raise CheckFailed(f"on {name} pick_npu returned {got!r}, expected {wanted!r}: {why}.")


@check("NPU_POLICY: no device-selection policy can promise 'NPU or nothing'", points=1)
def policy_ok(ns):
    need(ns, "NPU_POLICY")
    policy = ns["NPU_POLICY"]
    import onnxruntime as ort

    names = list(ort.OrtExecutionProviderDevicePolicy.__members__)
    if policy is None:
        return
    if isinstance(policy, ort.OrtExecutionProviderDevicePolicy):
        policy = str(policy).split(".")[-1]
    if policy not in names:
        raise CheckFailed(f"NPU_POLICY is {policy!r}: use None or one of {', '.join(names)}.")
    raise CheckFailed(f"{policy} cannot promise it: every policy ends with a CPU fallback (PREFER_NPU, like "
                      "MAX_EFFICIENCY and MIN_OVERALL_POWER, adds a CPU device after the NPU and picks only CPU "
                      "devices when there is no NPU, as the table above showed), so set NPU_POLICY = None and let "
                      "pick_npu decide.")


# ---------------------------------------------------------------- the numbers (section 4)

COST_CASES = [((0.15, 0.04), {}, 55.0), ((0.04, 0.04), {}, 0.0), ((0.30, 0.10), {"boundaries_per_island": 4}, 50.0),
              ((1.2, 0.2), {}, 500.0)]
COPY_CASES = [((65536, 10.0), 6.5536), ((256, 10.0), 0.0256), ((0, 5.0), 0.0), ((1_000_000, 1.0), 1000.0)]


def _number(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise CheckFailed(f"{what} should return a number, not {value!r}.")
    return float(value)


@check("boundary_cost_us and copy_us give the numbers behind a boundary's cost", points=2)
def numbers_ok(ns):
    cost = need(ns, "boundary_cost_us", is_callable=True)
    copy = need(ns, "copy_us", is_callable=True)
    for args, kwargs, want in COST_CASES:
        shown = ", ".join([*map(str, args), *(f"{k}={v}" for k, v in kwargs.items())])
        try:
            value = cost(*args, **kwargs)
        except NotImplementedError:
            raise CheckFailed("`boundary_cost_us` is not written yet (it raises NotImplementedError).") from None
        except TypeError as exc:
            raise CheckFailed(f"boundary_cost_us({shown}) raised TypeError ({exc}): its parameters should be "
                              "(ov_slope_ms, cpu_slope_ms, boundaries_per_island=2).") from None
        except Exception as exc:
            raise CheckFailed(f"`boundary_cost_us` raised {type(exc).__name__}: {exc}") from None
        got = _number(value, "boundary_cost_us")
        if not math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-9):
            raise CheckFailed(f"boundary_cost_us({shown}) returned {got:g}, expected {want:g}: (slope with both EPs "
                              "- CPU-only slope) in ms per island, divided by the boundaries per island, in µs.")
    for args, want in COPY_CASES:
        got = _number(call(copy, *args), "copy_us")
        if not math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-9):
            raise CheckFailed(f"copy_us{args} returned {got:g}, expected {want:g}: bytes / (GB/s × 1e9) seconds, "
                              "in µs.")


CHECKS = [partition_ok, boundaries_ok, no_island_ok, edge_end_ok, edge_start_ok, config_ok, providers_ok, pick_ok, policy_ok, numbers_ok]
