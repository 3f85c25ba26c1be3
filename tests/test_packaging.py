"""The package's surface and install files stay consistent."""
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import accelkit

ROOT = Path(__file__).resolve().parent.parent


def test_all_names_resolve():
    for name in accelkit.__all__:
        assert getattr(accelkit, name) is not None, name


def test_public_api_is_guarded():
    assert set(accelkit.__all__) == {
        "AccelkitError", "measure", "BenchResult", "to_frame", "run_benchmark_app", "report", "host_line",
        "load_model", "example_inputs", "onnx_path", "ir_path", "op_histogram", "model_size_mb", "torch_runner",
        "ort_runner", "make_session", "ov_runner", "compile_model", "results_chart",
        "is_quick", "cache_dir", "data_dir", "strict_session", "provider_table", "profile_events", "iobinding_runner", "ov_share_runner", "load_quiz", "check_exercise", "claim_table", "Drill"}


def test_import_is_light():
    code = "import sys, accelkit; print(sorted(m for m in ('torch', 'openvino', 'onnxruntime', 'pandas') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_environment_yml_pins_match_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    env = re.findall(r"^\s+- ([A-Za-z0-9_.-]+==[^\s]+)$", (ROOT / "environment.yml").read_text(), re.M)
    assert sorted(env) == sorted(project)


def test_torch_is_pinned_to_the_cpu_build():
    assert "torch==2.13.0" in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
