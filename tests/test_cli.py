"""The CLI: clear one-sentence errors with exit code 2, and real results on a real model."""
import json
import subprocess
import sys

import pytest
from fakes import assert_clean_error


def run(*args, env=None):
    done = subprocess.run([sys.executable, "-m", "accelkit", *map(str, args)], capture_output=True, text=True,
                          timeout=300, env=env)
    return done.returncode, done.stdout, done.stderr


def test_missing_file(tmp_path):
    assert_clean_error(*run("bench", tmp_path / "nope.onnx")[::2], "no such model file")


def test_not_a_model(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    assert_clean_error(*run("bench", notes)[::2], "not a model file", ".onnx")


def test_unknown_runtime_and_hint(digits_files):
    assert_clean_error(*run("bench", digits_files / "digits_cnn.onnx", "--runtime", "tvm")[::2], "invalid choice")
    assert_clean_error(*run("bench", digits_files / "digits_cnn.xml", "--hint", "fast")[::2], "invalid choice")


def test_options_that_do_not_apply(digits_files):
    assert_clean_error(*run("bench", digits_files / "digits_cnn.onnx", "--precision", "bf16")[::2], "applies to OpenVINO")
    assert_clean_error(*run("bench", digits_files / "digits_cnn.xml", "--runtime", "ort")[::2], "reads .onnx")


@pytest.mark.parametrize("suffix,runtime", [(".onnx", "onnxruntime"), (".xml", "openvino")])
def test_bench_json(digits_files, suffix, runtime):
    code, out, err = run("bench", digits_files / f"digits_cnn{suffix}", "--seconds", "0.3", "--json")
    assert code == 0, err
    row = json.loads(out)
    assert row["runtime"] == runtime and row["iterations"] >= 10
    assert row["p99_ms"] >= row["p90_ms"] >= row["median_ms"] >= row["min_ms"] > 0


def test_bench_throughput_text(digits_files, ov_cpu_precision):
    # the label names the precision OpenVINO really ran: bf16 on a BF16 CPU, f32 on an AVX2-only one
    code, out, err = run("bench", digits_files / "digits_cnn.xml", "--hint", "throughput", "--seconds", "0.3")
    assert code == 0, err
    assert f"throughput {ov_cpu_precision} async" in out and "first inference" in out
    requested = "f32"  # asked for explicitly: true f32 on every CPU
    code, out, err = run("bench", digits_files / "digits_cnn.xml", "--hint", "throughput", "--precision", requested,
                         "--seconds", "0.3")
    assert code == 0, err
    assert f"throughput {requested} async" in out


def test_bench_rejects_non_positive_numbers(digits_files):
    assert_clean_error(*run("bench", digits_files / "digits_cnn.onnx", "--threads", "-1")[::2], "above 0")
    assert_clean_error(*run("bench", digits_files / "digits_cnn.onnx", "--seconds", "0")[::2], "above 0")


def test_python_api_raises_the_documented_error(digits_files, tmp_path):
    """The same bad inputs through the Python API: one AccelkitError with the same sentence."""
    import accelkit as ak

    cases = [(lambda: ak.ort_runner(tmp_path / "missing.onnx"), "no such model file"),
             (lambda: ak.ov_runner(tmp_path / "missing.xml"), "no such model file"),
             (lambda: ak.compile_model(digits_files / "digits_cnn.xml", hint="fast"), "unknown performance hint"),
             (lambda: ak.compile_model(digits_files / "digits_cnn.xml", precision="f8"), "unknown inference precision")]
    for call, phrase in cases:
        with pytest.raises(ak.AccelkitError, match=phrase):
            call()


def test_doctor_json():
    code, out, err = run("doctor", "--json")
    assert code == 0, err
    rep = json.loads(out)
    assert rep["isa"] and rep["ov_devices"][0]["name"] == "CPU" and rep["implications"]


def test_progress_command(tmp_path):
    import os

    env = {**os.environ, "ACCELKIT_PROGRESS": str(tmp_path / "p.json")}
    code, out, err = run("progress", env=env)
    assert code == 0 and "nothing yet" in out


def test_grade_command_on_a_missing_folder(tmp_path):
    assert_clean_error(*run("grade", tmp_path / "none")[::2], "no such file or folder")


def test_exercises_check_command():
    code, out, _ = run("exercises", "--check")
    assert code == 0 and "matches" in out
