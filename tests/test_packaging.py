"""The package's surface and install files stay consistent."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import tomllib

import accelkit

ROOT = Path(__file__).resolve().parent.parent


def test_every_public_name_is_the_object_it_should_be():
    """Importing every submodule first must not shadow a public name (``import accelkit.report``
    once replaced the function ``ak.report`` with a module): each name is a function, class or
    exception defined in the module ``_EXPORTS`` names, never a module."""
    import importlib
    import inspect
    import pkgutil

    for info in pkgutil.walk_packages(accelkit.__path__, "accelkit."):
        if not info.name.endswith("__main__"):  # that one runs the CLI
            importlib.import_module(info.name)
    for name in accelkit.__all__:
        value = getattr(accelkit, name)
        assert not inspect.ismodule(value), f"ak.{name} is a module"
        plain = inspect.unwrap(value)  # e.g. a functools.lru_cache around a function
        assert inspect.isfunction(plain) or inspect.isclass(plain), f"ak.{name} is {type(value).__name__}"
        home = "errors" if name == "AccelkitError" else accelkit._EXPORTS[name]
        assert value.__module__ == f"accelkit.{home}", f"ak.{name} comes from {value.__module__}"
    assert accelkit.report().__class__.__name__ == "HardwareReport"


def test_public_api_is_guarded():
    assert set(accelkit.__all__) == {
        "AccelkitError", "report", "host_line",
        "load_model", "example_inputs", "onnx_path", "ir_path", "op_histogram", "model_size_mb",
        "torch_runner", "ort_runner", "make_session", "session_options", "providers_for", "available_providers",
        "random_feed", "ov_runner", "compile_model", "read_model", "runtime_layers", "available_devices", "ov_core",
        "measure", "BenchResult", "to_frame", "results_chart", "compare", "Comparison", "relative_errors",
        "is_quick", "cache_dir", "data_dir",
        "run_benchmark_app", "strict_session", "provider_table", "profile_events", "iobinding_runner",
        "ov_share_runner", "claim_table",
        "load_quiz", "check_exercise", "Drill"}


def test_the_notebooks_topic_modules_keep_their_names():
    """``from accelkit import quant`` (and each other topic module) works, and dir() lists them."""
    import importlib

    for name in accelkit.TOPICS:
        assert importlib.import_module(f"accelkit.{name}").__name__ == f"accelkit.{name}"
    assert set(accelkit.TOPICS) <= set(dir(accelkit))


def test_import_is_light():
    code = "import sys, accelkit; print(sorted(m for m in ('torch', 'openvino', 'onnxruntime', 'pandas') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_environment_yml_pins_match_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    env = re.findall(r"^\s+- ([A-Za-z0-9_.-]+==[^\s]+)$", (ROOT / "environment.yml").read_text(), re.M)
    assert sorted(env) == sorted(project)


def test_the_installed_torch_is_the_pinned_cpu_build():
    """The pin in pyproject.toml is what is installed, and it is a CPU build (a CUDA build is
    several GB, and the kit never uses it)."""
    import torch

    pins = [d for d in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
            if d.startswith("torch==")]
    assert len(pins) == 1 and torch.__version__.split("+")[0] == pins[0].split("==")[1]
    assert torch.version.cuda is None, f"torch {torch.__version__} is a CUDA build"


def test_environment_yml_leaves_the_kit_to_postbuild():
    """repo2docker installs environment.yml before it copies the repository (repo2docker#1265)."""
    lines = [line.strip() for line in (ROOT / "environment.yml").read_text().splitlines()]
    assert not [line for line in lines if line.startswith("- -e") or line.endswith("- .")]
    assert "- --extra-index-url https://download.pytorch.org/whl/cpu" in lines  # the CPU torch build


def test_postbuild_installs_the_kit_and_the_lab_overrides(tmp_path):
    """Run ./postBuild as repo2docker would, with a stand-in `python` that records its arguments."""
    postbuild = ROOT / "postBuild"
    assert postbuild.stat().st_mode & 0o111, "postBuild must be executable"
    subprocess.run(["bash", "-n", str(postbuild)], check=True)
    fake = tmp_path / "bin" / "python"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\necho "$@" >> {tmp_path / "calls.txt"}\n')
    fake.chmod(0o755)
    env = {"PATH": f"{fake.parent}:/usr/bin:/bin", "NB_PYTHON_PREFIX": str(tmp_path / "prefix")}
    subprocess.run([str(postbuild)], cwd=ROOT, env=env, check=True)
    assert (tmp_path / "calls.txt").read_text().splitlines() == ["-m pip install --no-deps -e .",
                                                                 "-m pip install --no-deps -r requirements-nodeps.txt",
                                                                 "-m accelkit.tools.cli eps install"]
    copied = tmp_path / "prefix" / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    assert copied.read_text() == (ROOT / "data" / "jupyterlab-overrides.json").read_text()


def test_lab_overrides_match_the_installed_jupyterlab_schema():
    """Every plugin and setting in the overrides exists in this JupyterLab, with a valid value."""
    import jsonschema

    overrides = json.loads((ROOT / "data" / "jupyterlab-overrides.json").read_text())
    schemas = Path(sys.prefix) / "share" / "jupyter" / "lab" / "schemas"
    assert overrides
    for plugin, settings in overrides.items():
        package, _, name = plugin.partition(":")
        schema = json.loads((schemas / package / f"{name}.json").read_text())
        assert set(settings) <= set(schema["properties"]), plugin
        jsonschema.validate(settings, schema)
    assert overrides["@jupyterlab/apputils-extension:notification"] == {"fetchNews": "false", "checkForUpdates": False}


def test_the_llm_stack_imports_together_without_torchvision():
    """optimum-intel declares torchvision, which breaks transformers beside the CPU torch: the kit installs
    optimum-intel without it (requirements-nodeps.txt), and everything notebook 07-llm-inference uses imports."""
    code = ("import importlib.util, json; from transformers import LlamaConfig, LlamaForCausalLM; "
            "from optimum.exporters.openvino import main_export; import openvino_genai, openvino_tokenizers, tokenizers; "
            "print(json.dumps([importlib.util.find_spec('torchvision') is None, openvino_genai.__version__]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "HF_HUB_OFFLINE": "1"}).stdout
    no_torchvision, genai = json.loads(out.strip().splitlines()[-1])
    assert no_torchvision and genai.startswith("2026.4.1")


def test_pip_check_misses_only_the_declared_torchvision():
    out = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True).stdout
    problems = [line for line in out.splitlines() if line.strip() and "No broken requirements" not in line]
    assert problems == ["optimum-intel 2.2.0 requires torchvision, which is not installed."], problems


def test_nodeps_requirements_are_installed_by_make_and_postbuild():
    pins = [line for line in (ROOT / "requirements-nodeps.txt").read_text().splitlines()
            if line and not line.startswith("#")]
    assert pins == ["optimum-intel==2.2.0"]
    from importlib import metadata
    assert metadata.version("optimum-intel") == "2.2.0"
    assert "--no-deps -r requirements-nodeps.txt" in (ROOT / "Makefile").read_text()
