import os

import numpy as np
import pytest

from accelkit import AccelkitError, graphopt, onnx_path
from accelkit.runtimes.ort import make_session, random_feed


@pytest.fixture(scope="module")
def resnet():
    return onnx_path("resnet18_like")


def test_levels_on_resnet(resnet):
    # Exact counts for the pinned torch/onnxruntime: an upgrade-change detector by design (a new
    # exporter or optimizer changes them; check the notebook's text, then update the numbers).
    rows = {r["level"]: r for r in graphopt.level_rows(resnet, ("disable", "basic", "extended"))}
    assert (rows["disable"]["nodes"], rows["basic"]["nodes"], rows["extended"]["nodes"]) == (49, 49, 40)
    assert rows["extended"]["ops"]["ms:FusedConv"] == 9
    diff = graphopt.histogram_diff(rows["basic"]["ops"], rows["extended"]["ops"])
    assert diff == [("Conv", 20, 11), ("Relu", 17, 8), ("ms:FusedConv", 0, 9)]


def test_layout_level_uses_nchwc_where_it_applies(resnet):
    ext, layout = (r["nodes"] for r in graphopt.level_rows(resnet, ("extended", "layout")))
    warnings = graphopt.save_warnings(resnet, "all")
    assert graphopt.save_warnings(resnet, "extended") == []
    if layout < ext:                       # x86: NCHWc applied, and ORT says the file is hardware-specific
        assert any("hardware specific" in w for w in warnings)


def test_optimized_models_compute_the_same(resnet):
    outputs = []
    for level in ("disable", "all"):
        session = make_session(graphopt.optimized_model(resnet, level), opt_level="disable")
        outputs.append(session.run(None, random_feed(session))[0])
    np.testing.assert_allclose(outputs[0], outputs[1], rtol=1e-4, atol=1e-4)


def test_transformer_log_counts(resnet):
    registered, modified = graphopt.transformer_log(resnet, "all")
    assert sum(registered.values()) > 20
    assert modified.get("ConvActivationFusion", 0) >= 1 and "ConstantFolding" in modified


def test_transformer_fusion_keeps_the_numbers():
    encoder = onnx_path("tiny_encoder")
    fused, stats = graphopt.fuse_transformer(encoder)
    assert stats["Attention"] == 4 and stats["BiasGelu"] == 4
    plain, fast = make_session(encoder), make_session(fused)
    feed = {"input_ids": np.arange(128, dtype=np.int64)[None] % 1000, "attention_mask": np.ones((1, 128), np.int64)}
    feed["attention_mask"][0, 100:] = 0                      # padding must be masked the same way
    np.testing.assert_allclose(plain.run(None, feed)[0], fast.run(None, feed)[0], rtol=1e-3, atol=1e-3)


def test_captured_stderr_sees_native_writes():
    with graphopt.captured_stderr() as lines:
        os.write(2, b"from below python\n")
    assert lines == ["from below python"]


def test_op_kinds_shows_domains(resnet):
    kinds = graphopt.op_kinds(graphopt.optimized_model(resnet, "extended"))
    assert "ms:FusedConv" in kinds and "Conv" in kinds


def test_unknown_level(resnet):
    with pytest.raises(AccelkitError, match="unknown optimization level"):
        graphopt.optimized_model(resnet, "turbo")
