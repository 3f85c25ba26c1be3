"""Device helpers (notebook 05): properties, checked compiles, the HETERO simulation, camera maths."""
from types import SimpleNamespace

import numpy as np
import pytest

from accelkit import AccelkitError
from accelkit import devices as dv
from accelkit.runtimes import ov as akov

N = dv.GraphNode


@pytest.fixture
def cpu_only(monkeypatch):
    """Pretend this machine has only a CPU, whatever it really has."""
    monkeypatch.setattr(akov, "available_devices", lambda: ["CPU"])
    monkeypatch.setattr(dv, "available_devices", lambda: ["CPU"])


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """y = relu(x) + 1 as an ov.Model and as an IR file: two compute ops, enough to split."""
    import openvino as ov
    import openvino.opset13 as ops

    x = ops.parameter([1, 4], np.float32, name="x")
    relu = ops.relu(x)
    relu.set_friendly_name("relu")
    add = ops.add(relu, ops.constant(np.ones((1, 4), np.float32)))
    add.set_friendly_name("add")
    model = ov.Model([add], [x], "tiny")
    path = tmp_path_factory.mktemp("tiny") / "tiny.xml"
    ov.save_model(model, str(path))
    return model, path


CHAIN = [N("conv1", "Conv", ()), N("relu1", "Relu", ("conv1",)), N("pool", "MaxPool", ("relu1",)),
         N("conv2", "Conv", ("pool",)), N("fc", "MatMul", ("conv2",))]


def test_chain_splits_around_the_unsupported_op():
    support = dv.support_map(CHAIN, {"GPU": ["MaxPool"], "CPU": []})
    assert support["CPU"] == {"Conv", "Relu", "MaxPool", "MatMul"}
    got = dv.hetero_subgraphs(CHAIN, support, ["GPU", "CPU"])
    assert got == [("GPU", ["conv1", "relu1"]), ("CPU", ["pool"]), ("GPU", ["conv2", "fc"])]
    assert dv.boundary_tensors(CHAIN, got) == [("relu1", "pool"), ("pool", "conv2")]


def test_priority_order_decides_and_cpu_first_means_one_subgraph():
    support = dv.support_map(CHAIN, {"GPU": [], "CPU": []})
    assert dv.hetero_subgraphs(CHAIN, support, ["CPU", "GPU"]) == [("CPU", [n.name for n in CHAIN])]
    assert dv.hetero_subgraphs(CHAIN, support, ["GPU", "CPU"]) == [("GPU", [n.name for n in CHAIN])]


def test_an_op_no_device_runs_is_one_sentence():
    with pytest.raises(AccelkitError, match="no device in GPU supports MaxPool.*CPU last"):
        dv.assign_devices(CHAIN, dv.support_map(CHAIN, {"GPU": ["MaxPool"]}), ["GPU"])


def test_skip_connections_cross_subgraphs():
    nodes = [N("a", "Conv", ()), N("b", "Add", ("a",)), N("c", "Conv", ("b",)), N("d", "Add", ("c", "a"))]
    got = dv.hetero_subgraphs(nodes, dv.support_map(nodes, {"GPU": ["Add"], "CPU": []}), ["GPU", "CPU"])
    assert [sg.device for sg in got] == ["GPU", "CPU", "GPU", "CPU"]
    assert ("a", "d") in dv.boundary_tensors(nodes, got)


def test_streams_sustained_and_camera_rows():
    assert dv.streams_sustained({1: 40.0, 2: 21.0, 4: 10.5}, 30) == 1
    assert dv.streams_sustained({1: 40.0, 2: 31.0, 4: 16.0}, 30) == 2
    assert dv.streams_sustained({1: 12.0}, 30) == 0 and dv.streams_sustained({}, 30) == 0
    results = [SimpleNamespace(nireq=n, throughput_fps=fps, median_ms=m, p90_ms=m * 1.2)
               for n, fps, m in ((1, 35.0, 28.0), (2, 44.0, 45.0))]
    rows = dv.camera_rows(results, 30)
    assert [r["fps_per_camera"] for r in rows] == [35.0, 22.0] and rows[0]["hint"] == ""
    assert [r["keeps_target"] for r in rows] == [True, False]


def test_priority_list_names_only_present_devices(cpu_only):
    assert dv.priority_list(["GPU", "NPU", "CPU"]) == ("AUTO:CPU", ["GPU", "NPU"])
    assert dv.priority_list(["CPU"], mode="HETERO") == ("HETERO:CPU", [])
    with pytest.raises(AccelkitError, match="available: CPU"):
        dv.priority_list(["GPU"])
    with pytest.raises(AccelkitError, match="unknown virtual device"):
        dv.priority_list(["CPU"], mode="FAST")


def test_properties_and_their_errors(cpu_only):
    assert "NUM_STREAMS" in dv.supported_properties("CPU")
    assert "ENABLE_STARTUP_FALLBACK" in dv.supported_properties("AUTO:CPU")
    assert dv.device_property("AUTO", "ENABLE_STARTUP_FALLBACK") is True
    with pytest.raises(AccelkitError, match="CPU has no property 'NUM_STREAM'; it answers: .*NUM_STREAMS"):
        dv.device_property("CPU", "NUM_STREAM")
    with pytest.raises(AccelkitError, match="device NPU is not available.*available: CPU"):
        dv.device_property("NPU", "FULL_DEVICE_NAME")
    assert dv.device_table()[0]["device"] == "CPU"


def test_compile_on_checks_devices_hint_and_property_names(tiny, cpu_only):
    model, _ = tiny
    assert dv.execution_devices(dv.compile_on(model, "AUTO:CPU", hint="throughput")) == ["CPU"]
    with pytest.raises(AccelkitError, match="AUTO does not know 'NUM_STREAM'"):
        dv.compile_on(model, "AUTO", properties={"NUM_STREAM": 2})
    with pytest.raises(AccelkitError, match="unknown performance hint"):
        dv.compile_on(model, "CPU", hint="fastest")
    with pytest.raises(AccelkitError, match="device GPU is not available"):
        dv.compile_on(model, "HETERO:GPU,CPU")
    assert dv.compile_on(model, "BATCH:CPU(2)").get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS") == 2


def test_virtual_row_reports_or_explains(tiny, cpu_only):
    model, _ = tiny
    ok = dv.virtual_row(model, "HETERO:CPU")
    assert ok["runs"] and ok["submodels"] == 1 and ok["execution_devices"] == "CPU"
    bad = dv.virtual_row(model, "AUTO:NPU,CPU")
    assert not bad["runs"] and "NPU is not available" in bad["execution_devices"]


def test_simulated_split_matches_real_hetero_with_a_stand_in(tiny):
    model, path = tiny
    nodes = dv.graph_nodes(model)
    assert nodes == [N("relu", "Relu", ()), N("add", "Add", ("relu",))]
    affinity = dv.assign_devices(nodes, dv.support_map(nodes, {"GPU": ["Add"], "CPU": []}), ["GPU", "CPU"])
    compiled = dv.compile_hetero(path, affinity, stand_in={"GPU": "AUTO"})
    assert compiled.get_property("HETERO_NUMBER_OF_SUBMODELS") == len(dv.partition(nodes, affinity)) == 2
    assert dv.execution_devices(compiled) == ["AUTO", "CPU"]
    assert dv.query_affinity(model, "CPU") == {"relu": "CPU", "add": "CPU"}


def test_manual_affinity_must_cover_every_op(tiny):
    model, _ = tiny
    clone = model.clone()
    dv.apply_affinity(clone, {"relu": "CPU", "add": "CPU"})
    assert {op.get_rt_info()["affinity"].astype(str) for op in clone.get_ordered_ops()} == {"CPU"}


def test_runners_record_what_ran_under_virtual_devices(tiny):
    _, path = tiny
    auto = dv.device_runner(path, device="AUTO", hint="throughput")
    assert auto.settings["device"] == "AUTO→CPU" and auto.settings["streams"] is not None
    assert auto.settings["exec_precision"] != "?"
    camera = dv.camera_runner(path, cameras=3)
    assert camera.settings["nireq"] == 3 and camera.settings["hint"] == "throughput"
    one_stream = dv.camera_runner(path, cameras=2, hint="latency")
    assert one_stream.settings["nireq"] == 2 and one_stream.settings["hint"] == "latency"
    one_stream.close()
    with pytest.raises(AccelkitError, match="whole number"):
        dv.camera_runner(path, cameras=0)
    hetero = dv.hetero_runner(path, affinity={"relu": "GPU", "add": "CPU"}, stand_in={"GPU": "AUTO"})
    assert hetero.settings["device"] == "HETERO:AUTO,CPU" and hetero.infer() > 0   # OpenVINO's own latency, ms
    x, y = hetero.inputs[0], hetero.request.get_output_tensor(0).data
    np.testing.assert_allclose(y, np.maximum(x, 0) + 1, rtol=1e-2)                # relu on one device, add on the other
    for runner in (auto, camera, hetero):
        runner.close()
