import pytest

from accelkit import AccelkitError
from accelkit.capstone import Config, configurations, constraint_table, decide, evaluate

ROWS = [
    {"label": "ort f32", "model": "m", "status": "ok", "p99_ms": 20.0, "throughput_fps": 50.0, "size_mb": 40.0, "max_err_rel": 0.0},
    {"label": "ov int8", "model": "m", "status": "ok", "p99_ms": 8.0, "throughput_fps": 125.0, "size_mb": 10.0, "max_err_rel": 0.04},
    {"label": "ort int8", "model": "m", "status": "ok", "p99_ms": 5.0, "throughput_fps": 200.0, "size_mb": 10.0, "max_err_rel": 0.2},
    {"label": "ov gpu", "model": "m", "status": "not run: GPU is not available"},
]


def test_decide_picks_the_fastest_that_fits():
    d = decide(ROWS, latency_ms=10, max_error=0.05)
    assert d.choice["label"] == "ov int8" and "meets" in repr(d)
    assert decide(ROWS).choice["label"] == "ort int8"
    assert decide(ROWS, min_fps=150).choice["label"] == "ort int8"


def test_decide_when_nothing_fits_names_the_nearest():
    d = decide(ROWS, latency_ms=1, max_error=0.05)
    assert d.choice is None and d.nearest is not None and "latency_ms" in repr(d)
    assert decide([ROWS[3]]).choice is None


def test_decide_rejects_unknown_constraints():
    with pytest.raises(AccelkitError, match="unknown constraint"):
        decide(ROWS, budget=3)


def test_constraint_table_has_pass_fail_per_limit():
    table = constraint_table(ROWS, latency_ms=10, max_error=0.05)
    assert list(table["meets all"]) == [False, True, False, False]
    assert list(table["latency_ms"]) == ["fail", "pass", "pass", "not run"]


def test_configurations_follow_the_hardware():
    plain = configurations("resnet18_like", bf16=False)
    assert {c.runtime for c in plain} == {"torch", "onnxruntime", "openvino"}
    assert not [c for c in plain if c.precision == "bf16" or c.device != "CPU"]
    extra = configurations("tiny_encoder", bf16=True, gpu_devices=("GPU.0",), cuda=True)
    assert {c.precision for c in extra} >= {"bf16", "int8-dynamic", "int8-weights"}
    assert {c.device for c in extra} == {"CPU", "GPU.0", "CUDA"}


def test_a_configuration_that_fails_becomes_a_row_with_its_reason():
    def broken():
        raise RuntimeError("cannot build this here")

    row = evaluate(Config("resnet18_like", "openvino", "f32", broken, ov_precision="f32"))
    assert row["status"] == "not run: cannot build this here"


def test_decide_says_what_its_fps_and_error_are():
    text = repr(decide(ROWS, latency_ms=10))
    assert "one request at a time" in text and "drift from FP32" in text


def test_compare_configs_names_what_it_has_when_a_label_is_wrong():
    from accelkit.capstone import compare_configs

    with pytest.raises(AccelkitError, match="no configuration 'onnxruntime CPU f16'.*it has torch CPU f32"):
        compare_configs(configurations("resnet18_like", bf16=False), "resnet18_like",
                        ["torch CPU f32", "onnxruntime CPU f16"])
