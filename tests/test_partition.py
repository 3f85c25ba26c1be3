"""Notebook 01's two-EP experiment (accelkit.partition), the OpenVINO EP packages (runtimes.ovep) and
the device API helpers (accelkit.epdevices). The split itself runs in the legacy build's child
process; every exact count below depends on the pinned versions, not on this machine."""
import json
import subprocess
import sys

import onnx
import pytest
from fakes import clean_error

from accelkit import epdevices, partition
from accelkit.runtimes import ovep

needs_legacy = pytest.mark.skipif(ovep.legacy_dir() is None, reason="run `accelkit eps install` (make test does)")


def test_island_models_have_the_islands_they_say():
    for k in (0, 1, 3):
        model = onnx.load(str(partition.island_model(k)))
        ops = [n.op_type for n in model.graph.node]
        assert ops.count("Det") == ops.count("Unsqueeze") == ops.count("Expand") == k
        assert ops.count("MatMul") == ops.count("Tanh") == 8
    assert partition.predict_subgraphs(3) == {"openvino_subgraphs": 4, "cpu_det_nodes": 3, "boundaries": 6}
    assert clean_error(lambda: partition.island_model(8)) == "islands must be between 0 and 7 for a 8-block chain, not 8."


@needs_legacy
def test_two_eps_split_the_island_graph_and_the_tables_agree():
    split = partition.split({"islands1": partition.island_model(1), "islands2": partition.island_model(2)},
                            islands={"islands1": 1, "islands2": 2}, compile=["islands1"], seconds=0.05, rounds=2)
    assert split.ort_version == "1.24.1"
    per_ep = split.nodes_per_ep().set_index(["model", "ep"])
    assert per_ep.loc[("islands1", "OpenVINOExecutionProvider"), "subgraphs"] == 2
    assert per_ep.loc[("islands2", "OpenVINOExecutionProvider"), "subgraphs"] == 3
    assert per_ep.loc[("islands2", "CPUExecutionProvider"), "nodes"] == 4    # Det and the Unsqueeze after it
    cpu_ops = {op for a in split.assignments if a["ep"] == "CPUExecutionProvider" for op in a["ops"].split()}
    assert cpu_ops == {"Det", "Unsqueeze"}
    crossings = split.boundary_table().query("model == 'islands2'")
    assert sorted(crossings["bytes"]) == [256, 256, 65536, 65536]
    profiled = split.subgraph_table().query("model == 'islands1'")
    assert (profiled["op"].str.startswith("OpenVINO-EP-subgraph")).sum() == 2 and (profiled["us_per_run"] > 0).all()
    latency = split.latency_table()
    assert set(latency["providers"]) == {partition.OV_CPU, partition.CPU_ONLY}
    assert (latency.query("providers == @partition.OV_CPU")["max_abs_diff"] < 1e-5).all()
    cost = split.boundary_cost_us(["islands1", "islands2"])
    assert cost["rounds"] == 2 and cost["low_us"] <= cost["median_us"] <= cost["high_us"]
    compiled = split.compiled["islands1"]
    contexts = [n for n in compiled["nodes"] if n["op"] == "EPContext"]
    assert len(contexts) == 2 and all(n["domain"] == "com.microsoft" for n in contexts)
    assert {n["attributes"]["source"] for n in contexts} == {"OpenVINOExecutionProvider"}
    assert any(name.endswith("_OpenVINOExecutionProvider.bin") for name in compiled["files"])
    assert ("reload_ms" in compiled) != ("reload_error" in compiled)  # either it reloaded or we say why not


@needs_legacy
def test_a_model_no_ep_can_run_is_one_sentence():
    message = clean_error(lambda: partition.split({"custom": partition.custom_op_model()}, seconds=0.05, rounds=1))
    assert message.startswith("ONNX Runtime 1.24.1 could not create a session for custom with")
    assert "kit.custom:Clip01" in message and "Traceback" not in message


def test_a_missing_model_or_legacy_build_is_one_sentence(tmp_path, monkeypatch):
    assert clean_error(lambda: partition.split({"x": tmp_path / "nope.onnx"})).startswith("no such model file for 'x'")
    monkeypatch.setenv("ACCELKIT_EP_DIR", str(tmp_path))
    assert ovep.legacy_dir() is None and ovep.plugin_library() is None
    assert clean_error(lambda: partition.split({"i": partition.island_model(1)})) == (
        "the OpenVINO EP build (onnxruntime-openvino) is not installed: run `accelkit eps install` once, with the "
        "package index reachable (`make lab` does it).")
    assert ovep.status()["legacy"].startswith("not installed")
    assert clean_error(lambda: ovep.install(("gpu",))) == (
        "unknown OpenVINO EP packaging 'gpu'; use one of: plugin, legacy.")


def test_duplicate_libraries_become_links(tmp_path):
    data = b"x" * 4096
    for name in ("libopenvino.so", "libopenvino.so.2541", "libopenvino.so.2025.4.1"):
        (tmp_path / name).write_bytes(data)
    (tmp_path / "libother.so").write_bytes(b"y" * 4096)
    assert ovep._link_duplicates(tmp_path) == 2 * 4096
    links = sorted(p.name for p in tmp_path.iterdir() if p.is_symlink())
    assert len(links) == 2 and all((tmp_path / n).read_bytes() == data for n in links)
    assert not (tmp_path / "libother.so").is_symlink()


def test_device_api_on_this_process(tmp_path):
    from accelkit import onnx_path

    rows = epdevices.device_rows()
    assert any(r["ep"] == "CPUExecutionProvider" and r["device"] == "CPU" for r in rows)
    digits = onnx_path("digits_cnn")
    cpu = epdevices.devices_for("CPUExecutionProvider", device="cpu")
    assert epdevices.session_for_devices(digits, cpu).get_providers() == ["CPUExecutionProvider"]
    assert [r["policy"] for r in epdevices.policy_rows(digits)] == epdevices.policy_names()
    assert len(epdevices.policy_names()) == 7
    session, seen = epdevices.delegate_session(digits, lambda devices: devices[-1:])
    assert seen["picked"] and seen["max_selections"] >= 1 and "producer_name" in seen["model_metadata"]
    assert clean_error(lambda: epdevices.delegate_session(digits, lambda d: 1 / 0)) == (
        "the selection rule gave ONNX Runtime no usable device (ZeroDivisionError: division by zero).")
    assert clean_error(lambda: epdevices.session_for_devices(digits, [])).startswith("no devices given")
    assert clean_error(lambda: epdevices.register_plugin("x", tmp_path / "missing.so")).startswith(
        "no plugin EP library at")
    assert clean_error(lambda: epdevices.check_policy("FASTEST")).startswith("unknown device selection policy 'FASTEST'")
    assert [r["policy"] for r in epdevices.policy_rows(digits, ["PREFER_NPU"])] == ["PREFER_NPU"]
    assert clean_error(lambda: epdevices.policy_rows(digits, ["FASTEST"])).startswith(
        "unknown device selection policy 'FASTEST'; use one of: DEFAULT")
    assert epdevices.compile_with_cpu_ep(digits, tmp_path / "ctx.onnx").startswith("refused: Unable to compile any nodes")


@pytest.mark.skipif(ovep.plugin_library() is None, reason="run `accelkit eps install` (make test does)")
def test_a_registered_plugin_is_seen_by_every_availability_check():
    """In a fresh process (a registration lasts for the process): register the OpenVINO plugin, then ask
    the kit's checks for it. Where the plugin offers a device it must be available by name; where it
    offers none (non-Intel hardware), every check must say why, from what ORT reports."""
    code = """
import json, accelkit as ak
from accelkit import epdevices, providers
from accelkit.runtimes import ovep
reg = epdevices.register_plugin("OpenVINOExecutionProvider", ovep.plugin_library())
out = {"devices": reg.devices_added, "calls": reg.calls, "available": ak.available_providers()}
for name, call in (("providers_for", lambda: ak.providers_for("OPENVINO")),
                   ("strict", lambda: providers.strict_session(ak.onnx_path("digits_cnn"), ["OpenVINOExecutionProvider"]))):
    try:
        out[name] = str(call())
    except ak.AccelkitError as exc:
        out[name] = "error: " + str(exc)
print(json.dumps(out))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert any(c.startswith("OpenVINOEpPluginFactory::GetSupportedDevices") for c in out["calls"])
    if out["devices"]:
        assert "OpenVINOExecutionProvider" in out["available"]
        assert not out["providers_for"].startswith("error")
    else:
        assert "OpenVINOExecutionProvider" not in out["available"]
        for key in ("providers_for", "strict"):
            assert "plugin is registered but offers no device for the hardware ONNX Runtime found" in out[key]


@needs_legacy
def test_an_op_at_the_edge_makes_one_boundary_and_a_diamond_is_refused():
    split = partition.split({"edge": partition.edge_model()}, seconds=0.05, rounds=1)
    assert split.boundary_table()[["from", "to", "bytes"]].values.tolist() == [["OpenVINO#0", "CPU#1", 65536]]
    message = clean_error(lambda: partition.split({"diamond": partition.diamond_model()}, seconds=0.05, rounds=1))
    assert message == ("ONNX Runtime 1.24.1 could not create a session for diamond with OpenVINOExecutionProvider+CPU: "
                       "This is an invalid model. Error: the graph is not acyclic.")
