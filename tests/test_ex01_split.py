"""Exercise 01-split-a-graph: the hidden checks reward the right answers, name what is wrong, and every plausible
wrong prediction loses points.

The partition checks measure island_model(0), (2) and (3), the Det at the end and the island at the start with the
OpenVINO EP build once per process (a few seconds); the whole-notebook grading of the solution and of the untouched
exercise is test_grade's parametrized test.
"""
import onnxruntime as ort
import pytest

from accelkit import AccelkitError, partition
from accelkit.learn.exercises.build import PLACEHOLDER, build_exercise, repo_dir
from accelkit.learn.exercises.checking import run_checks
from accelkit.learn.exercises.checks import ex01_split
from accelkit.runtimes.ovep import legacy_dir

EXERCISE = "01-split-a-graph"
OV = "OpenVINOExecutionProvider"

needs_legacy = pytest.mark.skipif(legacy_dir() is None, reason="the OpenVINO EP build is not installed")


def right_answers() -> dict:
    """A correct submission, written independently of the solution notebook."""
    def predict_partition(k):
        return {"openvino_subgraphs": k + 1, "cpu_nodes": 2 * k, "cpu_ops": {"Unsqueeze", "Det"} if k else (),
                "boundaries": 2 * k}

    def predict_edge(where):
        cpu_ops = ["Det", "Unsqueeze"] if where == "start" else ["Det"]
        return {"openvino_subgraphs": 1, "cpu_nodes": len(cpu_ops), "cpu_ops": cpu_ops, "boundaries": 1}

    def pick_npu(ep_devices):
        return [d for d in ep_devices if d.ep_name == OV and str(d.device.type).endswith("NPU")]

    return {"predict_partition": predict_partition, "predict_edge": predict_edge, "pick_npu": pick_npu, "NPU_POLICY": None,
            "NPU_SESSION_CONFIG": {"session.disable_cpu_ep_fallback": "1", "session.intra_op.allow_spinning": "0"},
            "NPU_PROVIDERS": [(OV, {"device_type": "NPU", "cache_dir": "ov-cache"})],
            "boundary_cost_us": lambda ov, cpu, boundaries_per_island=2: (ov - cpu) * 1000 / boundaries_per_island,
            "copy_us": lambda nbytes, gb_per_s: nbytes / gb_per_s / 1000}


def results(ns: dict) -> dict:
    return {r.name: r for r in run_checks(EXERCISE, ns, check_seconds=60)}


def lost(ns: dict) -> dict:
    """The checks that did not give full points: name -> message."""
    return {name: r.message for name, r in results(ns).items() if r.earned < r.points}


def check_named(start: str) -> str:
    return next(c.name for c in ex01_split.CHECKS if c.name.startswith(start))


PARTITION, BOUNDARIES, NO_ISLAND = (check_named("predict_partition(k) matches"), check_named("predict_partition(k)["),
                                    check_named("predict_partition(0)"))
EDGE_END, EDGE_START = check_named("predict_edge('end')"), check_named("predict_edge('start')")
CONFIG, PROVIDERS, PICK, POLICY, NUMBERS = (check_named("NPU_SESSION"), check_named("NPU_PROVIDERS"),
                                            check_named("pick_npu"), check_named("NPU_POLICY"),
                                            check_named("boundary_cost_us"))


@needs_legacy
def test_right_answers_score_full_marks():
    got = results(right_answers())
    assert {n: r.message for n, r in got.items() if r.earned < r.points} == {}
    assert sum(r.earned for r in got.values()) == sum(r.points for r in got.values()) == 16


def test_untouched_exercise_scores_zero_with_a_sentence_per_check():
    exercise = build_exercise(repo_dir() / "solutions" / f"{EXERCISE}.ipynb")
    ns: dict = {}
    code = [c.source for c in exercise.cells if c.cell_type == "code"]
    for source in [code[0]] + [s for s in code if PLACEHOLDER in s]:   # the setup, then every cell to fill in
        try:
            exec(source, ns)
        except NotImplementedError:
            assert PLACEHOLDER in source
    got = results(ns)
    assert sum(r.earned for r in got.values()) == 0
    for r in got.values():
        assert r.message.startswith("`") and ("not written yet" in r.message or "is not defined" in r.message), r
        assert "\n" not in r.message and len(r.message) > 20


@needs_legacy
def test_naive_rule_loses_the_partition_points_and_names_the_unsqueeze():
    ns = right_answers()
    ns["predict_partition"] = lambda k: {"openvino_subgraphs": k + 1, "cpu_nodes": k, "cpu_ops": ["Det"],
                                         "boundaries": 2 * k}
    wrong = lost(ns)
    assert set(wrong) == {PARTITION, NO_ISLAND}
    assert "also got the Unsqueeze after each Det" in wrong[PARTITION] and "island_model(2)" in wrong[PARTITION]
    assert "cpu_nodes 0" not in wrong[NO_ISLAND] and "cpu_ops ['Det'] (measured [])" in wrong[NO_ISLAND]


@needs_legacy
def test_counting_every_cpu_node_as_a_boundary_loses_the_boundary_point():
    ns = right_answers()
    ns["predict_partition"] = lambda k: {"openvino_subgraphs": k + 1, "cpu_nodes": 2 * k,
                                         "cpu_ops": ["Det", "Unsqueeze"] if k else [], "boundaries": 4 * k}
    wrong = lost(ns)
    assert set(wrong) == {BOUNDARIES}
    assert "you predicted 8 boundaries, but 4" in wrong[BOUNDARIES] and "stays inside the CPU EP" in wrong[BOUNDARIES]


@needs_legacy
def test_off_by_one_subgraphs_and_bad_shapes_are_named():
    ns = right_answers()
    ns["predict_partition"] = lambda k: {"openvino_subgraphs": k, "cpu_nodes": 2 * k, "cpu_ops": ["Det", "Unsqueeze"],
                                         "boundaries": 2 * k}
    wrong = lost(ns)
    assert "predicted 2 OpenVINO subgraph(s), but it got 3" in wrong[PARTITION]
    assert "openvino_subgraphs 0 (measured 1)" in wrong[NO_ISLAND]
    for bad, says in (({"openvino_subgraphs": 3}, "has no 'cpu_nodes'"), ([3, 4], "should return a dict"),
                      ({"openvino_subgraphs": 3.0, "cpu_nodes": 4, "cpu_ops": [], "boundaries": 4}, "whole number"),
                      ({"openvino_subgraphs": 3, "cpu_nodes": 4, "cpu_ops": "Det", "boundaries": 4}, "list of op")):
        ns["predict_partition"] = lambda k, bad=bad: bad
        assert says in lost(ns)[PARTITION]


def test_npu_deployment_that_can_fall_back_loses_points():
    """The plausible wrong deployment: PREFER_NPU, 'AUTO:NPU,CPU' with the CPU EP last, the first device."""
    ns = right_answers()
    ns.update(NPU_POLICY="PREFER_NPU", NPU_PROVIDERS=[(OV, {"device_type": "AUTO:NPU,CPU"}), "CPUExecutionProvider"],
              pick_npu=lambda devices: devices[:1])
    wrong = {k: v for k, v in lost(ns).items() if k in (PROVIDERS, PICK, POLICY)}
    assert set(wrong) == {PROVIDERS, PICK, POLICY}
    assert "lists CPUExecutionProvider" in wrong[PROVIDERS]
    assert "adds a CPU device after the NPU" in wrong[POLICY]
    assert "unusual order" in wrong[PICK]


@pytest.mark.parametrize("config, says", [
    ({}, "has no 'session.disable_cpu_ep_fallback'"),
    ({"session.disable_cpu_ep_fallback": 1}, "are strings"),
    ({"session.disable_cpu_ep_fallback": "true"}, "compare it with the string '1'"),
    ({"session.disable_cpu_ep_fallback": "0"}, "compare it with the string '1'"),
])
def test_config_boundaries(config, says):
    ns = {"NPU_SESSION_CONFIG": config}
    assert says in results(ns)[CONFIG].message


@pytest.mark.parametrize("providers, says", [
    ([(OV, {"device_type": "HETERO:NPU,CPU"})], "lets OpenVINO itself move work"),
    ([(OV, {"device_type": "npu"})], "upper case"),
    ([(OV, {"device_type": "GPU"})], "is not the NPU"),
    ([OV], "default device, the CPU"),
    ([(OV, {"device_type": "NPU"}), (OV, {"device_type": "GPU"})], "list exactly one provider"),
    ("OpenVINOExecutionProvider", "should be a list"),
])
def test_provider_boundaries(providers, says):
    assert says in results({"NPU_PROVIDERS": providers})[PROVIDERS].message
    assert results({"NPU_PROVIDERS": [(OV, {"device_type": "NPU.0"})]})[PROVIDERS].message == "passed"


def test_pick_npu_wrong_rules():
    any_npu = lambda devices: [d for d in devices if d.device.type == ort.OrtHardwareDeviceType.NPU]  # noqa: E731
    assert "another EP" in results({"pick_npu": any_npu})[PICK].message
    names = lambda devices: [d.ep_name for d in devices if str(d.device.type).endswith("NPU")]  # noqa: E731
    assert "not names or copies" in results({"pick_npu": names})[PICK].message
    ordered = lambda devices: [d for d in devices if str(d.device.type).endswith("NPU") and d.ep_name == OV][:1] or \
        devices[-1:]  # noqa: E731
    assert "NPU driver is missing" in results({"pick_npu": ordered})[PICK].message
    assert "return a list" in results({"pick_npu": lambda devices: None})[PICK].message
    for policy in (None, ):
        assert results({"NPU_POLICY": policy})[POLICY].message == "passed"
    assert "use None or one of" in results({"NPU_POLICY": "PREFER_THE_NPU"})[POLICY].message
    enum = ort.OrtExecutionProviderDevicePolicy.MAX_EFFICIENCY
    assert results({"NPU_POLICY": enum})[POLICY].message.startswith("MAX_EFFICIENCY cannot promise it")


def test_numbers_wrong_solutions():
    ns = right_answers()
    ns["boundary_cost_us"] = lambda ov, cpu, boundaries_per_island=2: (ov - cpu) * 1000   # forgot the 2 boundaries
    assert "returned 110, expected 55" in lost(ns)[NUMBERS]
    ns = right_answers()
    ns["boundary_cost_us"] = lambda ov, cpu: (ov - cpu) * 500
    assert "boundaries_per_island=2" in lost(ns)[NUMBERS]
    ns = right_answers()
    ns["copy_us"] = lambda nbytes, gb_per_s: nbytes / (gb_per_s * 2**30) * 1e6            # GiB, not GB
    assert "copy_us(65536, 10.0) returned" in lost(ns)[NUMBERS]


def test_without_the_openvino_ep_build_the_checks_say_so(monkeypatch):
    def missing(*args, **kwargs):
        raise AccelkitError("the OpenVINO EP build (onnxruntime-openvino) is not installed: run `accelkit eps "
                            "install` once.")

    ex01_split.reset_measurement()
    monkeypatch.setattr(partition, "split", missing)
    try:
        got = results(right_answers())
        for name in (PARTITION, BOUNDARIES, NO_ISLAND, EDGE_END, EDGE_START):
            message = got[name].message
            assert got[name].earned == 0 and "is not installed" in message and message.startswith("could not measure")
            assert message.count(". ") == 0 and message.endswith(".")
        assert got[PICK].message == "passed"
    finally:
        ex01_split.reset_measurement()


def test_a_slow_measurement_is_reported_as_such_and_finishes_in_the_background(monkeypatch):
    import time

    def slow(*args, **kwargs):
        time.sleep(2.5)
        raise AccelkitError("the child process was slow and then failed.")

    ex01_split.reset_measurement()
    monkeypatch.setattr(partition, "split", slow)
    try:
        got = {r.name: r.message for r in run_checks(EXERCISE, right_answers(), check_seconds=1)}
        assert "outlasted this check's time limit" in got[PARTITION]
        assert "slow and then failed" in got[NO_ISLAND]       # the same measurement, waited for by a later check
    finally:
        ex01_split.reset_measurement()


def edge(end: dict, start: dict):
    return lambda where: {"end": end, "start": start}[where]


RIGHT_END = {"openvino_subgraphs": 1, "cpu_nodes": 1, "cpu_ops": ["Det"], "boundaries": 1}
RIGHT_START = {"openvino_subgraphs": 1, "cpu_nodes": 2, "cpu_ops": ["Det", "Unsqueeze"], "boundaries": 1}
WRONG_EDGES = [  # (what, predict_edge, checks that must lose the point, words in the message)
    ("an island's 2 boundaries at the end too", edge({**RIGHT_END, "boundaries": 2}, RIGHT_START), {EDGE_END},
     "boundaries 2 (measured 1)"),
    ("Det and Unsqueeze by habit at the end", edge({**RIGHT_END, "cpu_nodes": 2, "cpu_ops": ["Det", "Unsqueeze"]},
                                                   RIGHT_START), {EDGE_END}, "no Unsqueeze or Expand"),
    ("the model's input counted as a boundary", edge(RIGHT_END, {**RIGHT_START, "boundaries": 2}), {EDGE_START},
     "a graph input is not a tensor between two EPs"),
    ("the naive rule at the start (only Det leaves OpenVINO)", edge(RIGHT_END, {**RIGHT_START, "cpu_nodes": 1,
                                                                                "cpu_ops": ["Det"]}), {EDGE_START},
     "cpu_ops ['Det'] (measured ['Det', 'Unsqueeze'])"),
    ("island_model(1)'s answer for both", edge(*[{"openvino_subgraphs": 2, "cpu_nodes": 2,
                                                 "cpu_ops": ["Det", "Unsqueeze"], "boundaries": 2}] * 2),
     {EDGE_END, EDGE_START}, "openvino_subgraphs 2 (measured 1)"),
    ("the output's consumer counted as a second subgraph", edge({**RIGHT_END, "openvino_subgraphs": 2}, RIGHT_START),
     {EDGE_END}, "openvino_subgraphs 2 (measured 1)"),
]


@needs_legacy
@pytest.mark.parametrize("what, predict, checks, says", WRONG_EDGES, ids=[w[0] for w in WRONG_EDGES])
def test_plausible_wrong_edge_prediction_loses_points(what, predict, checks, says):
    ns = right_answers()
    ns["predict_edge"] = predict
    wrong = lost(ns)
    assert set(wrong) == checks, (what, wrong)
    assert any(says in m for m in wrong.values()), (what, wrong)
    for m in wrong.values():
        assert "\n" not in m and m.endswith(".") and len(m) < 300, m


@needs_legacy
def test_a_prediction_that_measures_loses_the_points_and_the_measurement_still_runs():
    def measuring_partition(k):
        seen = partition.split({"k": partition.island_model(k)}, seconds=0.02, rounds=1)
        cpu = [a for a in seen.assignments if a["ep"] == "CPUExecutionProvider"]
        return {"openvino_subgraphs": len(seen.assignments) - len(cpu), "cpu_nodes": len(cpu),
                "cpu_ops": sorted({a["ops"] for a in cpu}), "boundaries": len(seen.boundaries)}

    ns = right_answers()
    ns["predict_partition"] = measuring_partition
    ns["predict_edge"] = lambda where: measuring_partition(1)
    wrong = lost(ns)
    assert set(wrong) == {PARTITION, BOUNDARIES, NO_ISLAND, EDGE_END, EDGE_START}
    assert all("called partition.split" in m for m in wrong.values())
    assert partition.split.__name__ == "split"            # put back after every prediction
    assert lost(right_answers()) == {}                     # and the checks' own measurement was not blocked


def test_the_island_at_the_start_is_the_graph_the_exercise_describes():
    import onnx

    graph = onnx.load(str(ex01_split.det_at_start_model())).graph
    ops = [n.op_type for n in graph.node]
    assert ops[:3] == ["Det", "Unsqueeze", "Expand"] and ops[3:-1] == ["MatMul", "Tanh"] * 8 and ops[-1] == "Identity"
    assert graph.node[0].input[0] == graph.input[0].name


def test_a_wrapper_of_the_kits_device_query_loses_the_pick_points():
    """epdevices (imported by the exercise's setup) reads this machine's devices, not the ones the delegate is given."""
    from accelkit import epdevices

    got = results({"pick_npu": lambda devices: epdevices.devices_for(OV, device="NPU")})[PICK]
    assert got.earned == 0 and "pick_npu returned" in got.message
