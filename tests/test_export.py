"""Exported models compute what the torch model computes, and builds are cached by content."""
import pytest
import torch

from accelkit import AccelkitError
from accelkit.harness.outputs import relative_errors
from accelkit.models.files import MODEL_SPECS, content_key, ir_path, load_model, model_size_mb, onnx_path, op_histogram

REL_TOL = 1e-4  # max |runtime - torch| relative to max |torch| (f32 everywhere)


@pytest.mark.parametrize("name", list(MODEL_SPECS))
def test_onnx_and_ir_match_torch(name):
    errors = relative_errors(name)
    assert set(errors) == {"onnxruntime", "openvino_f32"}
    for runtime, error in errors.items():
        assert 0 <= error < REL_TOL, runtime


def test_a_wrong_model_would_be_caught(monkeypatch):
    """The comparison is not vacuous: perturbing the torch side shows up as a large error."""
    import accelkit.harness.outputs as outputs

    real = outputs.load_model

    def perturbed(name):
        model = real(name)
        with torch.no_grad():
            model.head.bias += 1.0
        return model

    monkeypatch.setattr(outputs, "load_model", perturbed)  # the name relative_errors calls
    assert relative_errors("digits_cnn")["onnxruntime"] > 1e-2


def test_graph_facts():
    ops = op_histogram(onnx_path("resnet18_like"))
    assert ops["Conv"] == 20 and ops["Gemm"] + ops["MatMul"] == 1
    assert "BatchNormalization" not in ops  # the dynamo exporter folds BN into the convs
    assert 46 < model_size_mb(onnx_path("resnet18_like")) < 48  # 11.7 M f32 weights
    assert model_size_mb(ir_path("digits_cnn", fp16_weights=True)) < 0.6 * model_size_mb(ir_path("digits_cnn"))


def test_builds_are_reused_and_keyed_by_weights():
    path = onnx_path("digits_cnn")
    stamp = path.stat().st_mtime_ns
    assert onnx_path("digits_cnn").stat().st_mtime_ns == stamp
    model = load_model("digits_cnn")
    key = content_key(model, ("x",))
    with torch.no_grad():
        model.head.bias[0] += 1
    assert content_key(model, ("x",)) != key


def test_digits_accuracy_from_committed_weights():
    from accelkit.models.digits import accuracy, load_digits_split

    _, test = load_digits_split()
    assert test.x.shape == (360, 1, 32, 32)
    assert accuracy(load_model("digits_cnn"), test) >= 0.98


def test_unknown_model_lists_the_known_ones():
    with pytest.raises(AccelkitError, match="resnet18_like"):
        onnx_path("resnet50")
