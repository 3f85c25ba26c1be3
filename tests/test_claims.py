import pytest

from accelkit import AccelkitError, claim_table
from accelkit.claims import STATUSES, check_device_plugins, check_openvino_runtime_import, load_claims

REQUIRED = {"ort-20-eps", "ort-50-optimizations", "iobinding-cuts-overhead", "ir-size-50",
            "ir-no-framework-dependency", "ov-device-plugins", "auto-vs-hetero", "pot-latency-size",
            "ov-reads-onnx", "openvino-runtime-import", "llama2-trt-4x", "gpt-3x-azure"}


def test_registry_validates_and_covers_the_note():
    claims = load_claims()
    assert len(claims) >= 15 and {c.id for c in claims} >= REQUIRED
    assert {c.status for c in claims} <= set(STATUSES)
    by_id = {c.id: c for c in claims}
    assert by_id["llama2-trt-4x"].status == "needs-gpu"
    assert by_id["pot-latency-size"].status == "outdated" and "NNCF" in by_id["pot-latency-size"].correction
    assert all(c.source for c in claims)


def test_table_renders_measured_and_unmeasured():
    table = claim_table("00-setup-and-hardware", {"openvino-runtime-import": ("import fails", "outdated")})
    text = table.text()
    assert "measured here: import fails" in text and "not checkable here" in text
    assert "<table>" in table._repr_html_()


def test_a_later_notebook_can_measure_claims_filed_earlier():
    table = claim_table("07-llm-inference", {"llama2-trt-4x": ("INT4 2.9x f32", "not checkable here")},
                        also=("llama2-trt-4x", "gpt-3x-azure"))
    assert [r["id"] for r in table.rows] == ["llama2-trt-4x", "gpt-3x-azure"]
    assert table.rows[0]["measured"] == "INT4 2.9x f32" and table.rows[1]["measured"] == "—"
    with pytest.raises(AccelkitError, match="no claim has the id 'gpt-4x'"):
        claim_table("07-llm-inference", also=("gpt-4x",))


def test_live_checks_on_this_machine():
    value, verdict = check_openvino_runtime_import()
    assert "import fails" in value and verdict.startswith("outdated")
    value, verdict = check_device_plugins()
    assert "CPU" in value and "MYRIAD" in value


def test_malformed_registry_names_the_line(tmp_path):
    bad = tmp_path / "claims.yaml"
    bad.write_text("claims:\n  - id: x\n    topic: devices\n    notebook: n\n    claim: c\n    status: maybe\n    source: s\n")
    with pytest.raises(AccelkitError, match=r"claims.yaml, line 2 \(id x\): status must be one of"):
        load_claims(bad)
