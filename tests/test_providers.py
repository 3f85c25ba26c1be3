"""Execution-provider helpers (notebook 01): catalogue, strict sessions, profile parsing, builders."""
import json

import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

from accelkit import AccelkitError
from accelkit.providers import (
    ChainRunner,
    active_providers,
    assignment_table,
    cpu_runner,
    missing_providers,
    node_events,
    node_table,
    op_time_chart,
    openvino_options,
    profile_events,
    provider_names,
    provider_table,
    strict_session,
)
from accelkit.runtimes.ort import KINDS, load_catalogue

CPU = "CPUExecutionProvider"


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """y = relu(x) + 1 on a 1x4 float input: two nodes, enough to partition and profile."""
    one = helper.make_tensor("one", TensorProto.FLOAT, [4], [1.0] * 4)
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["r"], name="relu_node"), helper.make_node("Add", ["r", "one"], ["y"], name="add_node")],
        "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])], initializer=[one])
    path = tmp_path_factory.mktemp("tiny") / "tiny.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    return path


def node(name, op, provider, dur, suffix="_kernel_time"):
    return {"cat": "Node", "ph": "X", "name": name + suffix, "dur": dur, "ts": 0,
            "args": {"op_name": op, "provider": provider}}


# A hand-written profile: session events, two runs, an old-style fence event, a GPU provider.
PROFILE = [
    {"cat": "Session", "ph": "X", "name": "model_loading_uri", "dur": 900, "ts": 0, "args": {}},
    {"cat": "Session", "ph": "X", "name": "session_initialization", "dur": 5000, "ts": 1000, "args": {}},
    node("conv1", "Conv", "CUDAExecutionProvider", 100), node("conv1", "Conv", "CUDAExecutionProvider", 0, "_fence_before"),
    node("shape1", "Shape", CPU, 4), node("conv1", "Conv", "CUDAExecutionProvider", 80), node("shape1", "Shape", CPU, 6),
    node("gather1", "Gather", CPU, 10),
    {"cat": "Session", "ph": "X", "name": "model_run", "dur": 300, "ts": 9000, "args": {}},
]


def test_catalogue_is_valid_and_covers_the_main_eps():
    catalogue = load_catalogue()
    names = {p.name for p in catalogue}
    assert {CPU, "CUDAExecutionProvider", "TensorrtExecutionProvider", "OpenVINOExecutionProvider",
            "DmlExecutionProvider", "CoreMLExecutionProvider", "QNNExecutionProvider"} <= names
    assert all(p.kind in KINDS and p.wheel and p.needs for p in catalogue)
    by_name = {p.name: p for p in catalogue}
    assert by_name["TensorrtExecutionProvider"].kind == "compile" and by_name[CPU].kind == "kernel"


def test_catalogue_errors_name_file_and_line(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("providers:\n  - name: X\n    wheel: w\n    needs: n\n    kind: magic\n")
    with pytest.raises(AccelkitError, match=r"p.yaml, line 2: kind must be one of kernel, compile"):
        load_catalogue(bad)
    bad.write_text("providers:\n  - name: X\n    wheel: w\n    kind: kernel\n")
    with pytest.raises(AccelkitError, match="missing field 'needs'"):
        load_catalogue(bad)


def test_provider_table_joins_catalogue_and_this_build():
    table = provider_table().set_index("provider")
    assert table.loc[CPU, "available_here"] and table.loc[CPU, "in_this_build"]
    assert set(ort.get_available_providers()) <= set(table.index[table["available_here"]])
    assert set(ort.get_all_providers()) <= set(table.index)
    assert table["available_here"].sum() == len(ort.get_available_providers())


def test_node_table_parses_a_hand_written_profile():
    assert len(node_events(PROFILE)) == 5  # the fence event and the session events are skipped
    table = node_table(PROFILE).set_index("node")
    assert list(table.index) == ["conv1", "shape1", "gather1"]
    assert table.loc["conv1", "provider"] == "CUDAExecutionProvider" and table.loc["conv1", "op"] == "Conv"
    assert table.loc["conv1", "calls"] == 2 and table.loc["conv1", "total_us"] == 180
    assert table.loc["shape1", "mean_us"] == 5 and table.loc["gather1", "provider"] == CPU
    empty = node_table(PROFILE[:2])
    assert empty.empty and list(empty.columns) == ["node", "op", "provider", "calls", "total_us", "mean_us"]


def test_op_time_chart_has_one_trace_per_provider():
    fig = op_time_chart(node_table(PROFILE))
    assert {t.name for t in fig.data} == {"CUDAExecutionProvider", CPU}
    assert "numbers vary by machine" in fig.layout.title.text


def test_profile_events_of_a_real_session(tiny_model):
    events = profile_events(tiny_model, runs=3)
    table = node_table(events)
    assert set(table["provider"]) == {CPU} and (table["calls"] == 3).all()
    assert json.loads(json.dumps(events)) == events  # plain JSON data, nothing tied to the session


def test_assignment_table_lists_every_node(tiny_model):
    table = assignment_table(tiny_model)
    assert sorted(table["node"]) == ["add_node", "relu_node"] and set(table["provider"]) == {CPU}


def test_strict_session_uses_what_is_there(tiny_model):
    session = strict_session(tiny_model, [(CPU, {})])
    assert active_providers(session) == [CPU]
    assert missing_providers(session, ["CUDAExecutionProvider", CPU]) == ["CUDAExecutionProvider"]
    assert provider_names([("A", {"x": 1}), "B"]) == ["A", "B"]


@pytest.mark.skipif("CUDAExecutionProvider" in ort.get_available_providers(), reason="CUDA is present here")
def test_strict_session_names_the_wheel_and_what_is_available(tiny_model):
    with pytest.raises(AccelkitError) as err:
        strict_session(tiny_model, [("TensorrtExecutionProvider", {"trt_fp16_enable": True}), "CUDAExecutionProvider"])
    text = str(err.value)
    assert "TensorrtExecutionProvider, CUDAExecutionProvider are not available" in text
    assert "onnxruntime-gpu" in text and f"available: {', '.join(ort.get_available_providers())}." in text


def test_strict_session_catches_an_ep_dropped_at_creation(tiny_model, monkeypatch):
    """An EP the build lists but cannot start (e.g. CUDA libraries missing) is dropped by ORT."""
    import accelkit.providers as providers

    real = ort.get_available_providers
    monkeypatch.setattr(ort, "get_available_providers", lambda: ["CUDAExecutionProvider", *real()])
    with pytest.raises(AccelkitError, match="dropped CUDAExecutionProvider .* would have run on CPUExecutionProvider"):
        providers.strict_session(tiny_model, ["CUDAExecutionProvider", CPU])


def test_strict_session_bad_file(tmp_path):
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    with pytest.raises(AccelkitError, match="could not create a session for broken.onnx"):
        strict_session(broken, [CPU])


def test_cpu_runner_switches(tiny_model):
    runner = cpu_runner(tiny_model, threads=1, spinning=False, arena=False)
    runner.infer()
    assert runner.settings["arena"] is False and runner.settings["spinning"] is False
    assert runner.session.get_session_options().enable_cpu_mem_arena is False
    runner.close()
    chain = cpu_runner(tiny_model, sessions=2)
    assert isinstance(chain, ChainRunner) and chain.settings["sessions"] == 2
    chain.infer()
    chain.close()
    assert all(r.session is None for r in chain.runners)
    with pytest.raises(AccelkitError, match="sessions must be 1 or more"):
        cpu_runner(tiny_model, sessions=0)


def test_openvino_options_current_form():
    assert openvino_options() == {"device_type": "CPU"}
    opts = openvino_options("GPU", precision="f16", cache_dir="/tmp/c", PERFORMANCE_HINT="LATENCY")
    assert opts["device_type"] == "GPU"
    assert json.loads(opts["load_config"]) == {"GPU": {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": "f16",
                                                       "CACHE_DIR": "/tmp/c"}}
    assert list(json.loads(openvino_options("AUTO:GPU,CPU", precision="f32")["load_config"])) == ["AUTO"]


def test_openvino_options_reject_deprecated_and_unknown():
    with pytest.raises(AccelkitError, match=r"'CPU_FP32' is the old .* device_type='CPU' with precision='f32'"):
        openvino_options("CPU_FP32")
    with pytest.raises(AccelkitError, match="device_type='GPU' with precision='f16'"):
        openvino_options("gpu_fp16")
    with pytest.raises(AccelkitError, match="unknown OpenVINO precision 'FP32'; use one of: f32, f16, bf16"):
        openvino_options("CPU", precision="FP32")


def test_unknown_provider_options_are_refused():
    from accelkit import AccelkitError, onnx_path
    from accelkit.providers import strict_session

    path = onnx_path("digits_cnn")
    strict_session(path, [("CPUExecutionProvider", {"use_arena": "0"})])
    with pytest.raises(AccelkitError, match="has no option 'bogus_option'"):
        strict_session(path, [("CPUExecutionProvider", {"bogus_option": "1"})])
