"""The OpenVINO adapter (accelkit.runtimes.ov): compile settings, devices, reading models and their
errors, precisions, inputs and the runner the harness measures.

Nothing here assumes this machine's CPU: the precision OpenVINO runs an FP32 model in by default
(bf16 with native BF16, f32 elsewhere) is read from the runtime (the ``ov_cpu_precision`` fixture)."""
import shutil

import numpy as np
import openvino as ov
import pytest
from fakes import clean_error, two_output_onnx

import accelkit as ak
import accelkit.runtimes.ov as akov
from accelkit import AccelkitError
from accelkit.runtimes.inputs import InputSpec
from accelkit.runtimes.ov import (
    OvRunner,
    check_device,
    compile_config,
    compile_model,
    exec_precision,
    input_specs,
    ov_runner,
    precision_name,
    random_inputs,
    read_model,
)
from accelkit.runtimes.runner import RunnerSettings

VIRTUALS = "(and the virtual devices AUTO, HETERO, MULTI, BATCH over them)."


@pytest.fixture
def tiny(tmp_path):
    """X[3,5] -> Y = 2X [3,5] and Z = X @ W [3,2], as an .onnx file OpenVINO reads directly."""
    return two_output_onnx(tmp_path / "tiny.onnx")


@pytest.fixture
def gpus(monkeypatch):
    """Pretend this machine has a CPU and two GPUs, whatever it really has."""
    monkeypatch.setattr(akov, "available_devices", lambda: ["CPU", "GPU.0", "GPU.1"])


# ------------------------------------------------------------------ compile settings


def test_default_config_is_the_latency_hint_only():
    assert compile_config() == {"PERFORMANCE_HINT": "LATENCY"}
    assert compile_config("none") == {}


def test_every_setting_maps_to_its_property(tmp_path):
    config = compile_config("cumulative_throughput", precision="bf16", threads=2, streams=3, cache_dir=tmp_path,
                            execution_mode="accuracy", cache_mode="optimize_size")
    assert config == {"PERFORMANCE_HINT": "CUMULATIVE_THROUGHPUT", "INFERENCE_PRECISION_HINT": "bf16",
                      "INFERENCE_NUM_THREADS": 2, "NUM_STREAMS": 3, "EXECUTION_MODE_HINT": "ACCURACY",
                      "CACHE_DIR": str(tmp_path), "CACHE_MODE": "OPTIMIZE_SIZE"}
    assert compile_config("throughput", precision="f16")["INFERENCE_PRECISION_HINT"] == "f16"
    assert compile_config(execution_mode="performance")["EXECUTION_MODE_HINT"] == "PERFORMANCE"


@pytest.mark.parametrize("kwargs,sentence", [
    ({"hint": "fast"}, "unknown performance hint 'fast'; use one of: latency, throughput, cumulative_throughput, none."),
    ({"precision": "f8"}, "unknown inference precision 'f8'; use one of: f32, bf16, f16."),
    ({"execution_mode": "exact"}, "unknown execution mode 'exact'; use one of: performance, accuracy."),
    ({"cache_mode": "small", "cache_dir": "c"}, "unknown cache mode 'small'; use one of: optimize_speed, optimize_size."),
    ({"cache_mode": "optimize_size"}, "cache_mode only matters with a model cache: give cache_dir too."),
], ids=["hint", "precision", "execution-mode", "cache-mode", "cache-mode-without-cache-dir"])
def test_bad_settings_are_one_sentence(kwargs, sentence):
    assert clean_error(lambda: compile_config(**kwargs)) == sentence


def test_the_config_is_what_the_compiled_model_reports(tiny):
    compiled = compile_model(tiny, hint="latency", precision="f32", threads=1, streams=1)
    assert str(compiled.get_property("PERFORMANCE_HINT")) == "LATENCY"
    assert compiled.get_property("INFERENCE_NUM_THREADS") == 1 and compiled.get_property("NUM_STREAMS") == 1
    assert precision_name(compiled.get_property("INFERENCE_PRECISION_HINT")) == "f32"


def test_the_model_cache_is_written(tiny, tmp_path):
    cache = tmp_path / "cache"
    compile_model(tiny, cache_dir=cache)
    assert any(cache.iterdir()), "no cache blob was written"


# ------------------------------------------------------------------ devices


@pytest.mark.parametrize("device", ["CPU", "GPU", "GPU.1", "AUTO:GPU,CPU", "AUTO:-CPU", "MULTI:GPU(2)",
                                    "MULTI:GPU(2),CPU", "HETERO:GPU.0,CPU", "BATCH:GPU(4)"])
def test_device_names_with_indices_and_virtual_prefixes(gpus, device):
    check_device(device)


@pytest.mark.parametrize("device,missing", [("NPU", "NPU"), ("GPU.2", "GPU.2"), ("AUTO:NPU,CPU", "NPU"),
                                            ("AUTO:-NPU", "NPU"), ("MULTI:NPU(2),GPU", "NPU")])
def test_absent_device_lists_what_is_here(gpus, device, missing):
    assert clean_error(lambda: check_device(device)) == (
        f"OpenVINO device {missing} is not available on this machine; available: CPU, GPU.0, GPU.1 {VIRTUALS}")


def test_the_cpu_is_always_here():
    assert "CPU" in akov.available_devices()
    check_device("CPU")
    check_device("AUTO:CPU")


# ------------------------------------------------------------------ reading models


def test_read_model_reads_ir_and_onnx(digits_files):
    for name in ("digits_cnn.xml", "digits_cnn.onnx"):
        model = read_model(digits_files / name)
        assert isinstance(model, ov.Model) and model.inputs[0].get_any_name() == "input"


def test_read_model_path_errors(tmp_path):
    missing, notes = tmp_path / "none.xml", tmp_path / "notes.txt"
    notes.write_text("hello")
    assert clean_error(lambda: read_model(missing)) == f"no such model file: {missing}."
    assert clean_error(lambda: read_model(notes)) == (
        f"{notes} is not a model file OpenVINO reads here; give an .xml (IR) or .onnx path.")


@pytest.mark.parametrize("name,what,weights", [("fake.xml", "an OpenVINO IR", ".bin"),
                                               ("fake.onnx", "an ONNX", ".onnx.data")])
def test_a_file_that_is_not_a_model(tmp_path, name, what, weights):
    path = tmp_path / name
    path.write_text("hello, not a model")
    message = clean_error(lambda: read_model(path))
    assert message == (f"OpenVINO could not read {path}: the file or its {weights} weights are missing, truncated or "
                       f"corrupt (it is not {what} file); export or convert {name} again, or copy it again together "
                       "with its weights file.")


@pytest.mark.parametrize("damaged", ["digits_cnn.xml", "digits_cnn.bin"])
def test_a_truncated_ir(digits_files, tmp_path, damaged):
    folder = tmp_path / "mine"
    shutil.copytree(digits_files, folder)
    data = (folder / damaged).read_bytes()
    (folder / damaged).write_bytes(data[: len(data) // 2])
    message = clean_error(lambda: compile_model(folder / "digits_cnn.xml"))
    assert message.startswith(f"OpenVINO could not read {folder / 'digits_cnn.xml'}: ")
    assert "truncated or corrupt" in message and "export or convert digits_cnn.xml again" in message


def test_from_path_needs_a_path(tiny):
    model = read_model(tiny)
    assert clean_error(lambda: compile_model(model, from_path=True)) == (
        "from_path=True needs a model file path, not an ov.Model.")


# ------------------------------------------------------------------ precisions


@pytest.mark.parametrize("value,name", [(ov.Type.f32, "f32"), (ov.Type.bf16, "bf16"), (ov.Type.f16, "f16"),
                                        ("<Type: 'float32'>", "f32"), ("<Type: 'bfloat16'>", "bf16"),
                                        ("<Type: 'float16'>", "f16"), ("f32", "f32"), (ov.Type.dynamic, "dynamic")])
def test_precision_name(value, name):
    assert precision_name(value) == name


def test_exec_precision_is_what_ran(tiny, ov_cpu_precision):
    assert exec_precision(compile_model(tiny, precision="f32")) == "f32"        # asked for: f32 on every CPU
    assert exec_precision(compile_model(tiny)) == ov_cpu_precision              # this CPU's own default
    accurate = compile_model(tiny, execution_mode="accuracy")
    assert precision_name(accurate.get_property("INFERENCE_PRECISION_HINT")) == "dynamic"
    assert exec_precision(accurate) == "f32"     # read from the layers: an f32 model kept at its own precision


# ------------------------------------------------------------------ inputs


def test_input_specs_and_random_inputs(digits_files, tmp_path):
    compiled = compile_model(digits_files / "digits_cnn.xml")
    assert input_specs(compiled) == [InputSpec("input", np.dtype(np.float32), (1, 1, 32, 32))]
    (x,) = random_inputs(compiled)
    assert x.shape == (1, 1, 32, 32) and x.dtype == np.float32 and x.min() >= 0 and x.max() < 1
    np.testing.assert_array_equal(x, random_inputs(compiled)[0])                # seeded
    dynamic = compile_model(two_output_onnx(tmp_path / "dyn.onnx", dynamic=True))
    assert input_specs(dynamic) == [InputSpec("X", np.dtype(np.float32), (1, 5))]   # dynamic dims compiled as 1


# ------------------------------------------------------------------ the runner


def test_runner_records_every_settings_key(tiny, ov_cpu_precision):
    runner = ov_runner(tiny, threads=1, streams=1)
    assert set(runner.settings) == set(RunnerSettings.__required_keys__)
    assert runner.settings == {"runtime": "openvino", "device": "CPU", "model": "tiny", "hint": "latency",
                               "precision": "default", "exec_precision": ov_cpu_precision, "threads": 1,
                               "streams": 1, "nireq": 1, "opt_level": None}
    asked = ov_runner(tiny, hint="throughput", precision="f32")
    assert (asked.settings["hint"], asked.settings["precision"], asked.settings["exec_precision"]) == (
        "throughput", "f32", "f32")
    assert all(isinstance(asked.settings[k], int) and asked.settings[k] >= 1 for k in ("threads", "streams", "nireq"))


def test_runner_infers_its_inputs_and_reports_openvino_latency(tiny):
    x = np.full((3, 5), 0.5, np.float32)
    runner = ov_runner(tiny, precision="f32", inputs={"X": x})
    latency = runner.infer()
    assert isinstance(latency, float) and latency > 0
    np.testing.assert_allclose(runner.request.get_output_tensor(0).data, 2 * x)
    times, duration, iterations = runner.run_async(None, 8)
    assert iterations == len(times) >= 8 and duration > 0
    runner.close()
    assert runner.request is None and runner.compiled is None


def test_runner_checks_the_inputs_it_is_given(tiny):
    compiled = compile_model(tiny)
    with pytest.raises(AccelkitError, match=r"tiny takes 1 input\(s\), 'X' float32 \[3, 5\]; got 2"):
        OvRunner(compiled, model_name="tiny", device="CPU", hint="latency", precision=None,
                 inputs=[np.zeros((3, 5), np.float32)] * 2)


# ------------------------------------------------------------------ the shared Core


def test_ov_core_is_the_adapters_core():
    assert akov.ov_core() is akov.core() is ak.ov_core()
    assert isinstance(akov.core(), ov.Core)


@pytest.mark.parametrize("key,value", [("threads", 0), ("threads", -2), ("streams", 0), ("threads", 1.5),
                                       ("streams", True), ("threads", "2")])
def test_threads_and_streams_below_one_or_not_whole_are_refused(key, value):
    assert clean_error(lambda: compile_config(**{key: value})) == (
        f"{key} must be a whole number of 1 or more (or None for OpenVINO's choice), not {value!r}.")


def test_numpy_integers_are_whole_numbers_too():
    import numpy as np

    assert compile_config(threads=np.int64(2), streams=np.int32(1))["INFERENCE_NUM_THREADS"] == 2
