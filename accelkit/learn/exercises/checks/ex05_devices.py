"""Checks for exercises/05-hetero-split.ipynb (notebook 05's material)."""
from __future__ import annotations

import random

from ....harness.measure import BenchResult
from ....devices import GraphNode, Subgraph, boundary_tensors, hetero_subgraphs
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
        got = normalise(call(fn, list(nodes), {d: set(ops) for d, ops in support.items()}, list(priority)))
        if got != want:
            raise CheckFailed(f"for {what} you returned {got}; expected {want}. Give each node the first device in "
                              "priority that supports its op, and start a new subgraph whenever the device changes.")


@check("hetero_subgraphs raises ValueError when no device runs an op", points=1)
def raises_ok(ns):
    fn = need(ns, "hetero_subgraphs", is_callable=True)
    nodes = chain("Conv", "Softmax", "Relu")
    try:
        got = fn(nodes, {"GPU": {"Conv", "Relu"}}, ["GPU"])
    except NotImplementedError:
        raise CheckFailed("`hetero_subgraphs` is not written yet (it raises NotImplementedError).") from None
    except ValueError as exc:
        if "Softmax" not in str(exc):
            raise CheckFailed(f"your ValueError should name the op no device runs (Softmax); it says: {exc}") from None
        return
    except Exception as exc:
        raise CheckFailed(f"expected a ValueError naming Softmax, but got {type(exc).__name__}: {exc}") from None
    raise CheckFailed(f"no device runs Softmax, yet hetero_subgraphs returned {got!r:.100}; raise a ValueError, "
                      "as HETERO refuses to compile such a model.")


@check("handoffs counts the tensors crossing subgraphs", points=2)
def handoffs_ok(ns):
    fn = need(ns, "handoffs", is_callable=True)
    for what, nodes, support, priority in all_cases():
        parts = [(d, list(names)) for d, names in hetero_subgraphs(nodes, support, priority)]
        want = len(boundary_tensors(nodes, [Subgraph(d, names) for d, names in parts]))
        got = call(fn, list(nodes), [(d, list(names)) for d, names in parts])
        if got != want:
            raise CheckFailed(f"for {what} split as {parts} you counted {got!r}; expected {want}: count every "
                              "(input -> node) edge whose two ends are in different subgraphs, skip connections too.")


STREAM_CASES = [({1: 40.0, 2: 21.0, 4: 10.5}, 30, 1), ({1: 40.0, 2: 31.0, 4: 16.0}, 30, 2),
                ({1: 12.0, 2: 7.0}, 30, 0), ({4: 30.0, 1: 90.0, 2: 60.0}, 30, 4), ({}, 30, 0),
                ({1: 100.0, 8: 26.0, 3: 33.3}, 25, 8)]


@check("streams_sustained picks the most streams that keep the frame rate", points=2)
def streams_ok(ns):
    fn = need(ns, "streams_sustained", is_callable=True)
    for fps, target, want in STREAM_CASES:
        got = call(fn, dict(fps), target)
        if got != want:
            hint = "return 0 when none does" if want == 0 else "the largest N whose per-stream FPS >= the target"
            raise CheckFailed(f"for {fps} at {target} FPS you said {got!r}; expected {want} ({hint}).")


@check("camera_results measures at least two camera counts with the harness", points=2)
def cameras_ok(ns):
    results = need(ns, "camera_results", list)
    if not results or not all(isinstance(r, BenchResult) for r in results):
        raise CheckFailed("camera_results should be a list of results from ak.measure.")
    if any(r.runtime != "openvino" or r.mode != "async" or r.hint != "throughput" for r in results):
        raise CheckFailed("measure with partial(dv.camera_runner, path, cameras=n) and mode='async'.")
    if len({r.nireq for r in results}) < 2:
        raise CheckFailed("use at least two different camera counts (e.g. cameras=1 and cameras=2).")


CHECKS = [subgraphs_ok, raises_ok, handoffs_ok, streams_ok, cameras_ok]
