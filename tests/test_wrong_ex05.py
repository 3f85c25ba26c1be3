"""Exercise 05-hetero-split: a right submission scores full marks, and every plausible wrong one, including one that
only wraps the kit's own simulation (accelkit.devices), loses points with a sentence saying what is wrong.

Nothing here needs a device or a measurement: camera_results are BenchResults made by hand. The whole-notebook
grading of the solution and of the untouched exercise is test_grade's parametrized test.
"""
from types import SimpleNamespace

import pytest
from graded import graded

from accelkit import devices as dv
from accelkit.harness.measure import BenchResult

EXERCISE = "05-hetero-split"
FULL = 14


# ---------------------------------------------------------------- a right submission, written apart from the notebook

def hetero_subgraphs(nodes, supported_by_device, priority):
    out = []
    for name, op, _ in nodes:
        device = next((d for d in priority if op in supported_by_device.get(d, ())), None)
        if device is None:
            raise ValueError(f"nothing in {priority} runs {op}")
        if out and out[-1][0] == device:
            out[-1][1].append(name)
        else:
            out.append((device, [name]))
    return out


def handoffs(nodes, subgraphs):
    part = {name: i for i, (_, names) in enumerate(subgraphs) for name in names}
    return sum(part[src] != part[name] for name, _, inputs in nodes for src in inputs)


def streams_sustained(measurements, target_fps):
    return max((n for n, total in measurements if total >= target_fps * n), default=0)


def camera(n: int, fps: float) -> BenchResult:
    return BenchResult(model="resnet18_like", runtime="openvino", device="CPU", mode="async", hint="throughput",
                       precision="f32", exec_precision="bf16", threads=2, streams=n, nireq=n, opt_level=None,
                       compile_ms=80.0, first_infer_ms=30.0, iterations=200, duration_s=2.0, median_ms=20.0,
                       p90_ms=24.0, p99_ms=40.0, mean_ms=21.0, min_ms=18.0, max_ms=60.0, throughput_fps=fps)


NAMES = {"hetero_subgraphs", "handoffs", "streams_sustained"}
R = SimpleNamespace(**{name: globals()[name] for name in NAMES})   # the right functions, for wrong ones to reuse


def right_answers() -> dict:
    ns = {name: globals()[name] for name in NAMES}
    ns.update(camera_results=[camera(1, 46.7), camera(2, 69.8)], why_three="b")
    return ns


_graded = graded(EXERCISE)
results, lost, named = _graded.results, _graded.lost, _graded.named


SUBGRAPHS, TYPES, RAISES = named("hetero_subgraphs forms"), named("hetero_subgraphs returns"), named("hetero_subgraphs raises")
HANDOFFS, WHY, STREAMS, CAMERAS = named("handoffs"), named("why_three"), named("streams_sustained"), named("camera_results")


def test_right_answers_score_full_marks():
    got = results(right_answers())
    assert {n: r.message for n, r in got.items() if r.earned < r.points} == {}
    assert sum(r.points for r in got.values()) == FULL == sum(r.earned for r in got.values())


def test_named_tuples_as_nodes_work_too():
    """The kit's GraphNode is a named tuple: a solution written for plain tuples takes it as well."""
    nodes = [dv.GraphNode("a", "Conv", ()), dv.GraphNode("b", "MaxPool", ("a",)), dv.GraphNode("c", "Conv", ("b",))]
    parts = hetero_subgraphs(nodes, {"GPU": {"Conv"}, "CPU": {"Conv", "MaxPool"}}, ["GPU", "CPU"])
    assert parts == [("GPU", ["a"]), ("CPU", ["b"]), ("GPU", ["c"])] and handoffs(nodes, parts) == 2


# ---------------------------------------------------------------- plausible wrong solutions: each loses points

def kit_hetero_subgraphs(nodes, supported_by_device, priority):
    return dv.hetero_subgraphs(nodes, supported_by_device, priority)


def kit_hetero_subgraphs_converted(nodes, supported_by_device, priority):
    """Wraps the kit after turning the plain tuples into its GraphNodes: its Subgraph results and AccelkitError show."""
    return dv.hetero_subgraphs([dv.GraphNode(*n) for n in nodes], supported_by_device, priority)


def grouped_by_device(nodes, supported_by_device, priority):       # one subgraph per device, whatever the order
    groups: dict = {}
    for name, op, _ in nodes:
        device = next((d for d in priority if op in supported_by_device.get(d, ())), None)
        if device is None:
            raise ValueError(f"nothing runs {op}")
        groups.setdefault(device, []).append(name)
    return list(groups.items())


def last_device_wins(nodes, supported_by_device, priority):         # the last supporting device, not the first
    return R.hetero_subgraphs(nodes, supported_by_device, list(reversed(priority)))


def falls_back_to_cpu(nodes, supported_by_device, priority):        # never raises: puts the op on the CPU
    try:
        return R.hetero_subgraphs(nodes, supported_by_device, priority)
    except ValueError:
        return R.hetero_subgraphs(nodes, {**supported_by_device, "CPU": {op for _, op, _ in nodes}}, [*priority, "CPU"])


def named_tuple_subgraphs(nodes, supported_by_device, priority):
    return [dv.Subgraph(d, names) for d, names in R.hetero_subgraphs(nodes, supported_by_device, priority)]


def tuple_names(nodes, supported_by_device, priority):
    return [(d, tuple(names)) for d, names in R.hetero_subgraphs(nodes, supported_by_device, priority)]


def runtime_error(nodes, supported_by_device, priority):
    for _, op, _ in nodes:
        if not any(op in supported_by_device.get(d, ()) for d in priority):
            raise RuntimeError(f"nothing runs {op}")
    return R.hetero_subgraphs(nodes, supported_by_device, priority)


def boundaries(nodes, subgraphs):                                    # one hand-off per boundary
    return len(subgraphs) - 1


def kit_handoffs(nodes, subgraphs):
    return len(dv.boundary_tensors(nodes, subgraphs))


def chain_only_handoffs(nodes, subgraphs):                           # only each node's first input
    part = {name: i for i, (_, names) in enumerate(subgraphs) for name in names}
    return sum(part[inputs[0]] != part[name] for name, _, inputs in nodes if inputs)


def distinct_producers(nodes, subgraphs):                            # a tensor read twice counted once
    part = {name: i for i, (_, names) in enumerate(subgraphs) for name in names}
    return len({src for name, _, inputs in nodes for src in inputs if part[src] != part[name]})


def kit_streams(measurements, target_fps):                           # the kit's takes per-stream FPS, given totals
    return dv.streams_sustained(dict(measurements), target_fps)


WRONG = [  # (what, the names replaced, the checks that must lose points)
    ("wraps the kit's hetero_subgraphs", {"hetero_subgraphs": kit_hetero_subgraphs}, {SUBGRAPHS, TYPES, RAISES}),
    ("wraps the kit's hetero_subgraphs on GraphNodes", {"hetero_subgraphs": kit_hetero_subgraphs_converted},
     {TYPES, RAISES}),
    ("wraps the kit's boundary_tensors", {"handoffs": kit_handoffs}, {HANDOFFS}),
    ("wraps the kit's streams_sustained", {"streams_sustained": kit_streams}, {STREAMS}),
    ("groups by device regardless of order", {"hetero_subgraphs": grouped_by_device}, {SUBGRAPHS}),
    ("the last device in priority wins", {"hetero_subgraphs": last_device_wins}, {SUBGRAPHS}),
    ("an op nobody runs goes to the CPU", {"hetero_subgraphs": falls_back_to_cpu}, {RAISES}),
    ("a RuntimeError instead of a ValueError", {"hetero_subgraphs": runtime_error}, {RAISES}),
    ("Subgraph named tuples", {"hetero_subgraphs": named_tuple_subgraphs}, {TYPES}),
    ("names in a tuple", {"hetero_subgraphs": tuple_names}, {TYPES}),
    ("one hand-off per boundary", {"handoffs": boundaries}, {HANDOFFS}),
    ("skip connections ignored", {"handoffs": chain_only_handoffs}, {HANDOFFS}),
    ("a tensor read twice counted once", {"handoffs": distinct_producers}, {HANDOFFS}),
    ("total FPS compared with the target", {"streams_sustained": lambda m, t: max((n for n, f in m if f >= t), default=0)},
     {STREAMS}),
    ("> instead of >=", {"streams_sustained": lambda m, t: max((n for n, f in m if f / n > t), default=0)}, {STREAMS}),
    ("counts the passing entries", {"streams_sustained": lambda m, t: sum(1 for n, f in m if f / n >= t)}, {STREAMS}),
    ("the first passing count, not the largest",
     {"streams_sustained": lambda m, t: next((n for n, f in m if f / n >= t), 0)}, {STREAMS}),
    ("None when none keeps up", {"streams_sustained": lambda m, t: max((n for n, f in m if f / n >= t), default=None)},
     {STREAMS}),
    ("one camera count measured", {"camera_results": [camera(1, 46.7), camera(1, 47.0)]}, {CAMERAS}),
    ("why_three: the model input counts", {"why_three": "a"}, {WHY}),
    ("why_three: a boundary counted twice", {"why_three": "d"}, {WHY}),
    ("why_three not a letter", {"why_three": 3}, {WHY}),
]

SAYS = {  # what -> words one of the lost checks' messages must contain
    "wraps the kit's hetero_subgraphs": "AttributeError",
    "wraps the kit's hetero_subgraphs on GraphNodes": "expected a ValueError naming Softmax, but got AccelkitError",
    "wraps the kit's boundary_tensors": "AttributeError",
    "wraps the kit's streams_sustained": "Each camera gets total_fps / cameras",
    "groups by device regardless of order": "start a new subgraph whenever the device changes",
    "the last device in priority wins": "the first device in priority that supports its op",
    "an op nobody runs goes to the CPU": "raise a ValueError",
    "a RuntimeError instead of a ValueError": "expected a ValueError naming Softmax, but got RuntimeError",
    "Subgraph named tuples": "should be a plain tuple (device, [node names]), not a Subgraph",
    "names in a tuple": "the node names a list of str",
    "one hand-off per boundary": "skip connections too",
    "skip connections ignored": "skip connections too",
    "a tensor read twice counted once": "count every (input -> node) edge",
    "total FPS compared with the target": "Each camera gets total_fps / cameras",
    "> instead of >=": "reaching the target exactly counts",
    "counts the passing entries": "the largest such number of cameras",
    "the first passing count, not the largest": "the largest such number of cameras",
    "None when none keeps up": "Return 0 when no number of cameras keeps the target",
    "one camera count measured": "at least two different camera counts",
    "why_three: the model input counts": "look at the producers",
    "why_three: a boundary counted twice": "look at the producers",
    "why_three not a letter": "one letter of a, b, c, d",
}


def test_every_wrong_solution_says_what_is_wrong():
    assert set(SAYS) == {what for what, _, _ in WRONG}


@pytest.mark.parametrize("what, replaced, checks", WRONG, ids=[w[0] for w in WRONG])
def test_plausible_wrong_solution_loses_points(what, replaced, checks):
    ns = right_answers()
    ns.update(replaced)
    wrong = lost(ns)
    assert checks <= set(wrong), (what, wrong)
    assert any(SAYS[what] in message for message in wrong.values()), (what, wrong)
    for message in wrong.values():   # the learner's own exception text can end a message, so no full stop is required
        assert "\n" not in message and len(message) > 20, message


def test_wrapping_all_three_kit_functions_keeps_few_points():
    """The leak the review found: wrappers of the kit's three functions earned 8 of 9 function points."""
    ns = right_answers()
    ns.update(hetero_subgraphs=kit_hetero_subgraphs, handoffs=kit_handoffs, streams_sustained=kit_streams)
    got = results(ns)
    function_checks = {SUBGRAPHS, TYPES, RAISES, HANDOFFS, STREAMS}
    assert sum(got[name].earned for name in function_checks) == 0
