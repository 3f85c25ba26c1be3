"""The ONNX Runtime adapter (accelkit.runtimes.ort): session options, sessions and their errors,
providers, inputs and the runner the harness measures."""
import numpy as np
import onnxruntime as ort
import pytest
from fakes import clean_error, save_onnx, two_output_onnx

import accelkit.runtimes.ort as akort
from accelkit import AccelkitError
from accelkit.runtimes.inputs import InputSpec
from accelkit.runtimes.ort import (
    OrtRunner,
    input_specs,
    make_session,
    ort_runner,
    providers_for,
    random_feed,
    session_options,
    wheel_for,
)
from accelkit.runtimes.runner import RunnerSettings

CPU = "CPUExecutionProvider"
SPINNING = "session.intra_op.allow_spinning"


@pytest.fixture
def tiny(tmp_path):
    """X[3,5] -> Y = 2X [3,5] and Z = X @ W [3,2]."""
    return two_output_onnx(tmp_path / "tiny.onnx")


@pytest.fixture
def cpu_only(monkeypatch):
    """Pretend this ONNX Runtime has only its CPU provider, whatever is installed."""
    monkeypatch.setattr(akort, "available_providers", lambda: [CPU])


# ------------------------------------------------------------------ session options


@pytest.mark.parametrize("short,level", [("disable", "ORT_DISABLE_ALL"), ("basic", "ORT_ENABLE_BASIC"),
                                         ("extended", "ORT_ENABLE_EXTENDED"), ("layout", "ORT_ENABLE_LAYOUT"),
                                         ("all", "ORT_ENABLE_ALL")])
def test_opt_levels_map_to_ort_levels(short, level):
    assert session_options(opt_level=short).graph_optimization_level == getattr(ort.GraphOptimizationLevel, level)


def test_default_options_are_all_optimizations_spinning_and_ort_threads():
    so = session_options()
    assert so.graph_optimization_level == ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    assert so.intra_op_num_threads == 0                       # 0: ORT picks one thread per physical core
    assert so.get_session_config_entry(SPINNING) == "1"
    assert so.log_severity_level == 4 and not so.enable_profiling   # fatal only: no C++ log in notebooks


def test_threads_and_spinning():
    so = session_options(threads=3, spinning=False)
    assert so.intra_op_num_threads == 3 and so.get_session_config_entry(SPINNING) == "0"


def test_optimized_model_path_and_profiling(tmp_path):
    so = session_options(optimized_model_path=tmp_path / "opt.onnx", profile_prefix=tmp_path / "prof")
    assert so.optimized_model_filepath == str(tmp_path / "opt.onnx")
    assert so.enable_profiling and so.profile_file_prefix == str(tmp_path / "prof")


def test_unknown_opt_level_lists_the_levels():
    message = clean_error(lambda: session_options(opt_level="max"))
    assert message == "unknown optimization level 'max'; use one of: disable, basic, extended, layout, all."


# ------------------------------------------------------------------ sessions


def test_session_is_built_with_the_options(tiny):
    session = make_session(tiny, opt_level="basic", threads=1, spinning=False)
    assert session.get_providers() == [CPU]
    so = session.get_session_options()
    assert so.intra_op_num_threads == 1 and so.get_session_config_entry(SPINNING) == "0"
    assert so.graph_optimization_level == ort.GraphOptimizationLevel.ORT_ENABLE_BASIC


def test_missing_file(tmp_path):
    missing = tmp_path / "nope.onnx"
    assert clean_error(lambda: make_session(missing)) == f"no such model file: {missing}."


def test_wrong_suffix_names_the_one_ort_takes(digits_files):
    xml = digits_files / "digits_cnn.xml"
    assert clean_error(lambda: make_session(xml)) == f"{xml} is not an ONNX model; ONNX Runtime takes an .onnx path."


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_damaged_file_is_one_sentence_naming_the_fix(tmp_path, damage):
    path = two_output_onnx(tmp_path / "tiny.onnx")
    data = path.read_bytes()
    path.write_bytes(b"\x00not a model\xff" * 40 if damage == "garbage" else data[: len(data) // 2])
    message = clean_error(lambda: make_session(path))
    assert message.startswith(f"ONNX Runtime could not load {path}: ") and "truncated or corrupt" in message
    assert "export or convert tiny.onnx again" in message                  # what to do
    assert "[ONNXRuntimeError]" not in message and ".cc:" not in message    # ORT's own framing is cut


# ------------------------------------------------------------------ providers


def test_cpu_gives_only_the_cpu_provider():
    assert providers_for("CPU") == providers_for("cpu") == [CPU]


def test_unknown_device_lists_the_choices():
    assert clean_error(lambda: providers_for("tpu")) == (
        "unknown ONNX Runtime device 'tpu'; use one of: CPU, CUDA, GPU, TENSORRT, OPENVINO, DML.")


def test_an_accelerator_comes_first_with_the_cpu_as_fallback(monkeypatch):
    monkeypatch.setattr(akort, "available_providers", lambda: ["CUDAExecutionProvider", CPU])
    assert providers_for("GPU") == providers_for("CUDA") == ["CUDAExecutionProvider", CPU]


def test_absent_provider_names_its_wheel(cpu_only):
    message = clean_error(lambda: providers_for("OPENVINO"))
    assert message == (f"ONNX Runtime's OpenVINOExecutionProvider is not installed here (it comes with "
                       f"{wheel_for('OpenVINOExecutionProvider')}); available: {CPU}.")


def test_wheel_for_a_provider_the_catalogue_does_not_list():
    assert wheel_for(CPU).startswith("onnxruntime")
    assert wheel_for("MadeUpExecutionProvider") == "a wheel the kit's catalogue does not list"


# ------------------------------------------------------------------ inputs


def test_input_specs_of_the_digits_model(digits_files):
    session = make_session(digits_files / "digits_cnn.onnx")
    assert input_specs(session) == [InputSpec("input", np.dtype(np.float32), (1, 1, 32, 32))]
    feed = random_feed(session)
    assert list(feed) == ["input"] and feed["input"].shape == (1, 1, 32, 32) and feed["input"].dtype == np.float32


def test_dynamic_dims_are_none_and_fed_as_one(tmp_path):
    session = make_session(two_output_onnx(tmp_path / "dyn.onnx", dynamic=True))
    assert input_specs(session) == [InputSpec("X", np.dtype(np.float32), (None, 5))]
    assert random_feed(session)["X"].shape == (1, 5)


def mixed_inputs_model(path, first_type=None):
    """ids int64 [n, 4] and mask bool [2] (or ``first_type`` in place of int64) -> each passed through."""
    from onnx import TensorProto, helper

    first = TensorProto.INT64 if first_type is None else first_type
    graph = helper.make_graph(
        [helper.make_node("Identity", ["ids"], ["ids_out"]), helper.make_node("Identity", ["mask"], ["mask_out"])],
        "mixed", [helper.make_tensor_value_info("ids", first, ["n", 4]),
                  helper.make_tensor_value_info("mask", TensorProto.BOOL, [2])],
        [helper.make_tensor_value_info("ids_out", first, ["n", 4]),
         helper.make_tensor_value_info("mask_out", TensorProto.BOOL, [2])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return save_onnx(model, path)


def test_random_feed_dtypes_ranges_and_seed(tmp_path, tiny):
    session = make_session(mixed_inputs_model(tmp_path / "mixed.onnx"))
    feed = random_feed(session)
    assert {k: (v.dtype, v.shape) for k, v in feed.items()} == {"ids": (np.int64, (1, 4)), "mask": (np.bool_, (2,))}
    assert set(np.unique(feed["ids"])) <= {0, 1}                        # integers in {0, 1}
    floats = random_feed(make_session(tiny))["X"]
    assert floats.dtype == np.float32 and floats.min() >= 0 and floats.max() < 1
    assert np.array_equal(floats, random_feed(make_session(tiny))["X"])          # seeded: the same every time
    assert not np.array_equal(floats, random_feed(make_session(tiny), seed=1)["X"])


def test_an_input_type_the_runners_cannot_feed(tmp_path):
    from onnx import TensorProto

    session = make_session(mixed_inputs_model(tmp_path / "strings.onnx", TensorProto.STRING))
    message = clean_error(lambda: input_specs(session))
    assert message.startswith("input 'ids' has type tensor(string); the kit's runners feed tensor(float), ")


# ------------------------------------------------------------------ the runner


def test_runner_records_every_settings_key(tiny):
    runner = ort_runner(tiny, opt_level="extended")
    assert len(RunnerSettings.__required_keys__) == 10
    assert set(runner.settings) == set(RunnerSettings.__required_keys__) | {"providers"}
    assert runner.settings == {"runtime": "onnxruntime", "device": "CPU", "model": "tiny", "hint": None,
                               "precision": "as stored", "exec_precision": "as stored", "threads": "default",
                               "streams": None, "nireq": 1, "opt_level": "extended", "providers": CPU}
    assert ort_runner(tiny, threads=2).settings["threads"] == 2


def test_runner_infers_with_its_feed_and_closes(tiny):
    x = np.full((3, 5), 0.5, np.float32)
    runner = ort_runner(tiny, inputs=x)
    assert runner.infer() is None                     # ORT reports no latency: the harness's clock is used
    np.testing.assert_allclose(runner.session.run(["Y"], runner.feed)[0], 2 * x)
    runner.close()
    assert runner.session is None


def test_runner_checks_the_inputs_it_is_given(tiny):
    session = make_session(tiny)
    with pytest.raises(AccelkitError, match=r"tiny expects input 'X' float32 \[3, 5\]; got float32 \[5, 3\]"):
        OrtRunner(session, model_name="tiny", device="CPU", opt_level="all", threads=None,
                  inputs=np.zeros((5, 3), np.float32))
