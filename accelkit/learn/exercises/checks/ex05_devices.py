"""Checks for exercises/05-hetero-split.ipynb (notebook 05's material).

The learner's functions get plain data: nodes as ``(name, op, inputs)`` tuples, subgraphs as ``(device, [names])``
tuples, camera measurements as ``(cameras, total_fps)`` pairs. The kit's own simulation (``accelkit.devices``) reads
``GraphNode``/``Subgraph`` attributes, raises AccelkitError and takes per-stream FPS, so a submission that only wraps
it does not pass; the checks still use it to compute the expected answers.
"""
from __future__ import annotations

import random

from ....devices import GraphNode, Subgraph, boundary_tensors, hetero_subgraphs
from ....harness.measure import BenchResult
from ..checking import CheckFailed, call, check, need

EXERCISE = "05-hetero-split"

OPS = ("Conv", "Relu", "Add", "MaxPool", "MatMul")
ALL = set(OPS)


def chain(*ops: str) -> list[GraphNode]:
    """n0 -> n1 -> ... with the given op types."""
    return [GraphNode(f"n{i}", op, (f"n{i - 1}",) if i else ()) for i, op in enumerate(ops)]


def residual() -> list[GraphNode]:
    """conv -> relu -> conv -> add(conv, first relu) -> relu: one skip connection."""
    return [GraphNode("c1", "Conv", ()), GraphNode("r1", "Relu", ("c1",)), GraphNode("c2", "Conv", ("r1",)),
            GraphNode("add", "Add", ("c2", "r1")), GraphNode("r2", "Relu", ("add",))]


def random_graph(rng: random.Random, n: int) -> list[GraphNode]:
    """A topologically ordered graph: each node reads its predecessor and sometimes an earlier node."""
    nodes = []
    for i in range(n):
        inputs: tuple[str, ...] = (f"v{i - 1}",) if i else ()
        if i > 2 and rng.random() < 0.3:
            inputs += (f"v{rng.randrange(i - 1)}",)
        nodes.append(GraphNode(f"v{i}", rng.choice(OPS), inputs))
    return nodes


CASES = [  # (description, nodes, supported_by_device, priority)
    ("a chain whose middle op the GPU lacks", chain("Conv", "Relu", "MaxPool", "Conv", "Relu"),
     {"GPU": ALL - {"MaxPool"}, "CPU": ALL}, ["GPU", "CPU"]),
    ("a chain whose first and last ops the GPU lacks", chain("MaxPool", "Conv", "Relu", "MatMul"),
     {"GPU": {"Conv", "Relu"}, "CPU": ALL}, ["GPU", "CPU"]),
    ("CPU first in the priority list", chain("Conv", "MaxPool", "Relu"), {"GPU": ALL, "CPU": ALL}, ["CPU", "GPU"]),
    ("a device in the priority list but missing from the map", chain("Conv", "Relu"), {"CPU": ALL},
     ["GPU", "CPU"]),
    ("a residual block whose Add the GPU lacks", residual(), {"GPU": ALL - {"Add"}, "CPU": ALL}, ["GPU", "CPU"]),
    ("three devices (two GPUs and the CPU)", chain("Conv", "Add", "MaxPool", "Relu"),
     {"GPU.1": {"Conv"}, "GPU.0": {"Conv", "Add"}, "CPU": ALL}, ["GPU.1", "GPU.0", "CPU"]),
]


def plain(nodes: list[GraphNode]) -> list[tuple[str, str, tuple[str, ...]]]:
    """The nodes as the learner gets them: plain (name, op, inputs) tuples."""
    return [(n.name, n.op, tuple(n.inputs)) for n in nodes]


def normalise(got) -> list[tuple[str, list[str]]]:
    """The learner's subgraphs as (device, [names]); a CheckFailed if they are not that shape."""
    try:
        return [(str(device), list(names)) for device, names in got]
    except (TypeError, ValueError):
        raise CheckFailed(f"hetero_subgraphs should return a list of (device, [node names]) pairs, not {got!r:.120}.") \
            from None


def all_cases() -> list[tuple]:
    rng = random.Random(5)
    cases = list(CASES)
    for k in range(4):
        support = {"GPU": set(rng.sample(OPS, 3)), "CPU": ALL}
        cases.append((f"a random 30-op graph (#{k + 1})", random_graph(rng, 30), support, ["GPU", "CPU"]))
    return cases


@check("hetero_subgraphs forms HETERO's subgraphs", points=4)
def subgraphs_ok(ns):
    fn = need(ns, "hetero_subgraphs", is_callable=True)
    for what, nodes, support, priority in all_cases():
        want = [(d, list(names)) for d, names in hetero_subgraphs(nodes, support, priority)]
        got = normalise(call(fn, plain(nodes), {d: set(ops) for d, ops in support.items()}, list(priority)))
        if got != want:
            raise CheckFailed(f"give each node the first device in priority that supports its op, and start a new "
                              f"subgraph whenever the device changes: for {what} you returned {got}; expected {want}.")


@check("hetero_subgraphs returns plain (device, [names]) tuples in a list", points=1)
def plain_types_ok(ns):
    fn = need(ns, "hetero_subgraphs", is_callable=True)
    _, nodes, support, priority = CASES[0]
    got = call(fn, plain(nodes), {d: set(ops) for d, ops in support.items()}, list(priority))
    if type(got) is not list:
        raise CheckFailed(f"hetero_subgraphs should return a list, not a {type(got).__name__}.")
    for item in got:
        if type(item) is not tuple or len(item) != 2:
            raise CheckFailed(f"each subgraph should be a plain tuple (device, [node names]), not a "
                              f"{type(item).__name__} such as {item!r:.80}.")
        if type(item[0]) is not str or type(item[1]) is not list or not all(type(n) is str for n in item[1]):
            raise CheckFailed(f"in {item!r:.80}, the device should be a str and the node names a list of str "
                              f"(found {type(item[0]).__name__} and {type(item[1]).__name__}).")


@check("hetero_subgraphs raises ValueError when no device runs an op", points=1)
def raises_ok(ns):
    fn = need(ns, "hetero_subgraphs", is_callable=True)
    nodes = plain(chain("Conv", "Softmax", "Relu"))
    try:
        got = fn(nodes, {"GPU": {"Conv", "Relu"}}, ["GPU"])
    except NotImplementedError:
        raise CheckFailed("`hetero_subgraphs` is not written yet (it raises NotImplementedError).") from None
    except ValueError as exc:
        if "Softmax" not in str(exc):
            raise CheckFailed(f"your ValueError should name the op no device runs (Softmax); it says: {exc!s:.100}.") \
                from None
        return
    except Exception as exc:
        raise CheckFailed(f"expected a ValueError naming Softmax, but got {type(exc).__name__} ({exc!s:.100}).") from None
    raise CheckFailed(f"no device runs Softmax, yet hetero_subgraphs returned {got!r:.100}; raise a ValueError, "
                      "as HETERO refuses to compile such a model.")


@check("handoffs counts the tensors crossing subgraphs", points=2)
def handoffs_ok(ns):
    fn = need(ns, "handoffs", is_callable=True)
    for what, nodes, support, priority in all_cases():
        parts = [(d, list(names)) for d, names in hetero_subgraphs(nodes, support, priority)]
        want = len(boundary_tensors(nodes, [Subgraph(d, names) for d, names in parts]))
        got = call(fn, plain(nodes), [(d, list(names)) for d, names in parts])
        if got != want:
            raise CheckFailed(f"count every (input -> node) edge whose two ends are in different subgraphs, skip "
                              f"connections too: for {what} you counted {got!r:.40}; expected {want} (split as {parts}).")


STREAM_CASES = [  # (cameras, total FPS of all cameras together) pairs, the target FPS per camera, the answer
    ([(1, 40.0), (2, 42.0), (4, 42.0)], 30, 1),      # per camera 40, 21, 10.5
    ([(1, 40.0), (2, 62.0), (4, 64.0)], 30, 2),      # 40, 31, 16
    ([(1, 12.0), (2, 14.0)], 30, 0),
    ([(4, 120.0), (1, 90.0), (2, 120.0)], 30, 4),    # exactly 30 each with 4 cameras, listed out of order
    ([], 30, 0),
    ([(1, 100.0), (8, 208.0), (3, 99.9)], 25, 8),    # 100, 26, 33.3
    ([(3, 90.0), (6, 150.0)], 30, 3),                # exactly 30, then 25
]


@check("streams_sustained: the most cameras that each keep the frame rate", points=2)
def streams_ok(ns):
    fn = need(ns, "streams_sustained", is_callable=True)
    for measurements, target, want in STREAM_CASES:
        got = call(fn, list(measurements), target)
        if got != want:
            hint = ("Return 0 when no number of cameras keeps the target" if want == 0 else
                    "Each camera gets total_fps / cameras, reaching the target exactly counts, and the answer is the "
                    "largest such number of cameras")
            raise CheckFailed(f"{hint}: for {measurements} at {target} FPS per camera you said {got!r:.40}; "
                              f"expected {want}.")


@check("camera_results measures at least two camera counts with the harness", points=2)
def cameras_ok(ns):
    results = need(ns, "camera_results", list)
    if not results or not all(isinstance(r, BenchResult) for r in results):
        raise CheckFailed("camera_results should be a list of results from ak.measure.")
    if any(r.runtime != "openvino" or r.mode != "async" or r.hint != "throughput" for r in results):
        raise CheckFailed("measure with partial(camera_runner, path, cameras=n) and mode='async'.")
    if len({r.nireq for r in results}) < 2:
        raise CheckFailed("use at least two different camera counts (e.g. cameras=1 and cameras=2).")


WHY_THREE_OPTIONS = {  # the notebook prints these; "b" is right
    "a": "the model's input is handed to the first subgraph as well, and that counts as one more tensor",
    "b": "MaxPool's output feeds two ops of the next subgraph: the first conv of the block and its Add",
    "c": "the CPU subgraph hands its MaxPool weights to the GPU subgraph, and weights count as a tensor",
    "d": "a tensor that goes to the CPU must come back, so one of the two boundaries is counted twice",
}
WHY_THREE = "b"


@check("why_three: why two boundaries hand over three tensors", points=2)
def why_three_ok(ns):
    answer = need(ns, "why_three")
    letter = answer.strip().lower().strip("()") if isinstance(answer, str) else None
    if letter not in WHY_THREE_OPTIONS:
        raise CheckFailed(f"why_three should be one letter of {', '.join(WHY_THREE_OPTIONS)}, not {answer!r:.40}.")
    if letter != WHY_THREE:
        raise CheckFailed(f"({letter}) is not it: list the edges your handoffs counts, as (producer, consumer) "
                          "pairs whose two ends sit in different subgraphs, and look at the producers.")


CHECKS = [subgraphs_ok, plain_types_ok, raises_ok, handoffs_ok, why_three_ok, streams_ok, cameras_ok]
