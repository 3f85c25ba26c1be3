"""nbval passes on a machine unlike the one that stored the outputs: 8 cores, AVX-512 with VNNI,
BF16 and AMX, and an OpenVINO GPU (tests/othermachine/sitecustomize.py simulates it for every
process, the notebook kernels included). The notebooks chosen are the ones whose outputs depend
most on the hardware: the hardware report (00), devices/AUTO/HETERO with GPU paths taken (05)
and the capstone, whose configuration list follows the hardware (07), and the LLM notebook, whose
format list gains a bf16 row where the CPU has BF16 (07-llm-inference)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SIM = Path(__file__).resolve().parent / "othermachine"
NOTEBOOKS = ["00-setup-and-hardware.ipynb", "05-auto-vs-hetero.ipynb", "07-capstone-deployment.ipynb",
             "07-llm-inference.ipynb"]


def simulated_env(tmp_path: Path) -> dict:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(SIM), os.environ.get("PYTHONPATH", "")]),
            "ACCELKIT_SIMLOG": str(tmp_path / "sim.log"), "ACCELKIT_QUICK": "1", "ACCELKIT_NO_BARS": "1",
            "ACCELKIT_PROGRESS": str(tmp_path / "progress.json"), "ACCELKIT_NETLOG": str(tmp_path / "net.log")}


def test_the_simulation_is_what_the_kit_sees(tmp_path):
    code = ("import os, accelkit as ak; r = ak.report(); "
            "print(os.cpu_count(), r.isa['AVX512-VNNI'], r.isa['AVX512-BF16'], r.isa['AMX'], "
            "[d.name for d in r.ov_devices])")
    out = subprocess.run([sys.executable, "-c", code], env=simulated_env(tmp_path), capture_output=True,
                         text=True, timeout=120)
    assert out.stdout.strip() == "8 True True True ['CPU', 'GPU']", out.stderr[-2000:]


def test_gpu_names_reach_the_cpu_plugin(tmp_path):
    code = ("import numpy as np, openvino as ov; from openvino import opset13 as ops; "
            "p = ops.parameter([1, 4], np.float32); m = ov.Model([ops.relu(p)], [p]); c = ov.Core(); "
            "print([c.compile_model(m, d)([np.ones((1, 4), np.float32)])[0].sum().item() "
            "for d in ('GPU', 'GPU.0', 'AUTO:GPU,CPU', 'HETERO:GPU,CPU')])")
    out = subprocess.run([sys.executable, "-c", code], env=simulated_env(tmp_path), capture_output=True,
                         text=True, timeout=120)
    assert out.stdout.strip() == "[4.0, 4.0, 4.0, 4.0]", out.stderr[-2000:]


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_stored_outputs_hold_on_another_machine(tmp_path, notebook):
    env = simulated_env(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval", "--nbval-current-env",
         "--nbval-sanitize-with", str(ROOT / "nbval-sanitize.cfg"), "--nbval-cell-timeout=600",
         str(ROOT / "notebooks" / notebook)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    # each process that loaded the simulation logged its argv; the kernel's is "-m -f <connection file>"
    kernels = [line for line in Path(env["ACCELKIT_SIMLOG"]).read_text().splitlines() if " -m -f " in line]
    assert kernels, "the notebook's kernel did not load the simulation"
