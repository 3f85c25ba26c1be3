import os

import numpy as np
import pytest

from accelkit import AccelkitError, ir_path, op_histogram, quant
from accelkit.core.cache import build_beside
from accelkit.core.quiet import quiet

BUDGET_PTS = 0.5  # the accuracy drop notebook 04 allows


@pytest.fixture(scope="module")
def fp32_accuracy():
    return quant.digits_accuracy(ir_path("digits_cnn"))


def test_calibration_images():
    digits = quant.calibration_images("digits_cnn", 5)
    assert len(digits) == 5 and digits[0].shape == (1, 1, 32, 32) and digits[0].dtype == np.float32
    images = quant.calibration_images("resnet18_like", 3)
    assert len(images) == 3 and images[2].shape == (1, 3, 224, 224)
    np.testing.assert_array_equal(images[1], quant.calibration_images("resnet18_like", 3)[1])  # seeded
    assert not np.array_equal(images[0], images[1]) and len(images[0:2]) == 2
    with pytest.raises(IndexError):
        images[3]


def test_quick_mode_calibrates_on_fewer_samples(monkeypatch):
    monkeypatch.setenv("ACCELKIT_QUICK", "1")
    quick = len(quant.calibration_images("resnet18_like"))      # what a quantizer is handed by default
    monkeypatch.setenv("ACCELKIT_QUICK", "0")
    full = len(quant.calibration_images("resnet18_like"))
    assert 0 < quick < full == 300                               # 300: NNCF's default subset_size


def test_array_reader_is_a_calibration_data_reader():
    from onnxruntime.quantization import CalibrationDataReader

    images = [np.full((1, 1, 2, 2), i, np.float32) for i in range(3)]
    reader = quant.ArrayReader(images, "x")
    assert isinstance(reader, CalibrationDataReader) and len(reader) == 3
    seen = [reader.get_next() for _ in range(4)]
    assert [float(f["x"][0, 0, 0, 0]) for f in seen[:3]] == [0.0, 1.0, 2.0] and seen[3] is None
    reader.rewind()
    assert float(reader.get_next()["x"].max()) == 0.0


def test_nncf_int8_keeps_digits_accuracy(fp32_accuracy):
    path = quant.nncf_int8_ir("digits_cnn", subset_size=32)
    assert path.exists() and path.with_suffix(".bin").exists()
    assert quant.nncf_int8_ir("digits_cnn", subset_size=32) == path          # cached, not rebuilt
    assert fp32_accuracy - quant.digits_accuracy(path) <= BUDGET_PTS
    int8, total = quant.int8_compute(path)
    assert int8 == total == 6                                                # 5 convolutions + the head


def test_accuracy_control_meets_its_budget(fp32_accuracy):
    path = quant.accuracy_controlled_ir(max_drop=0.005, subset_size=32)
    assert fp32_accuracy - quant.digits_accuracy(path) <= BUDGET_PTS


def test_accuracy_control_validates_off_the_test_split():
    from accelkit.models.digits import load_digits_split

    train, test = load_digits_split()
    items = quant.digits_validation_items()
    assert len(items) == len(train.y) - quant.CALIBRATION_SIZE and items[0][0].shape == (1, 1, 32, 32)
    np.testing.assert_array_equal(items[0][0], train.x[quant.CALIBRATION_SIZE:][:1])   # after the calibration images
    assert not any(np.array_equal(items[0][0], img[None]) for img in test.x)           # not a test image
    assert quant.digits_accuracy(ir_path("digits_cnn"), split="validation") > 90
    with pytest.raises(AccelkitError, match="would overlap"):
        quant.accuracy_controlled_ir(subset_size=quant.CALIBRATION_SIZE + 1)


def test_static_defaults_kit_vs_ort():
    import inspect

    from onnxruntime.quantization import QuantType, quantize_static

    kit, ort = quant.kit_static_defaults(), quant.ort_static_defaults()
    assert quant.describe_static(kit) == "qdq u8s8 per-channel minmax"
    params = inspect.signature(quantize_static).parameters                          # read, not assumed
    assert ort["per_channel"] is params["per_channel"].default
    assert ort["activations"] == {QuantType.QInt8: "s8", QuantType.QUInt8: "u8"}[params["activation_type"].default]
    assert set(ort) == set(kit) and kit != ort


def test_relu_activations_get_unsigned_ranges():
    ranges = quant.activation_ranges(quant.nncf_int8_ir("digits_cnn", subset_size=32))
    assert len(ranges) == 7 and all(low == 0 < high for low, high in ranges)    # input in [0, 1], then ReLUs


def test_dynamic_quantization_follows_the_cpu():
    from accelkit.hardware import report

    isa = report().isa
    got = quant.dynamic_quantization("tiny_encoder", quant.compressed_ir("tiny_encoder", mode="int8"))
    assert got["group_size"] >= 0 and got["max_err_vs_off"] < 0.5
    if not (isa["AVX512-VNNI"] or isa["AVX-VNNI"] or isa["AMX"]):
        assert not got["active"]                       # OpenVINO 2026.4 needs VNNI for it on x86
    elif got["group_size"]:
        assert got["active"]


def test_ort_qdq_graph_and_accuracy(fp32_accuracy):
    path = quant.ort_static_int8("digits_cnn", reduce_range=True, subset_size=32)
    ops = op_histogram(path)
    assert ops["QuantizeLinear"] > 0 and ops["DequantizeLinear"] > 0 and ops["Conv"] == 5
    assert quant.compute_ops(path) == {("QLinearConv", "int8"): 5, ("QGemm", "int8"): 1}
    assert fp32_accuracy - quant.digits_accuracy(path) <= BUDGET_PTS


def test_ort_qoperator_uses_quantized_ops():
    ops = op_histogram(quant.ort_static_int8("digits_cnn", fmt="qoperator", reduce_range=True, subset_size=32))
    assert ops["QLinearConv"] == 5 and "Conv" not in ops and "DequantizeLinear" in ops


def test_dynamic_quantization_of_the_encoder():
    path = quant.ort_dynamic_int8("tiny_encoder")
    assert op_histogram(path)["MatMulInteger"] == 24                       # 4 layers x 6 linear layers
    feeds = quant.eval_feeds("tiny_encoder", 1)
    got = quant.compare_outputs(quant.model_outputs(path, feeds),
                                quant.model_outputs(quant.preprocessed_onnx("tiny_encoder"), feeds))
    assert got["max_err_rel"] < 0.2


def test_compare_outputs():
    ref = np.array([[0.0, 2.0], [3.0, -4.0]], np.float32)
    got = quant.compare_outputs(ref + [[0.5, 0], [0, 0]], ref, labels=np.array([1, 1]))
    assert got == {"max_err": 0.5, "max_err_rel": 0.125, "accuracy_pct": 50.0}
    with pytest.raises(AccelkitError, match="differ in shape"):
        quant.compare_outputs(ref[:1], ref)
    with pytest.raises(AccelkitError, match="one label per input"):
        quant.compare_outputs(ref, ref, labels=np.array([1]))


@pytest.mark.parametrize("call, message", [
    (lambda: quant.calibration_images("tiny_encoder"), "calibration data exists for digits_cnn and resnet18_like"),
    (lambda: quant.calibration_images("digits_cnn", 0), "positive number"),
    (lambda: quant.ort_static_int8("digits_cnn", fmt="int8"), "unknown quantization format 'int8'; use one of: qdq"),
    (lambda: quant.ort_static_int8("digits_cnn", activations="i8"), "unknown activation type 'i8'; use one of: u8, s8"),
    (lambda: quant.ort_static_int8("digits_cnn", method="kl"), "unknown calibration method 'kl'; use one of: minmax"),
    (lambda: quant.nncf_int8_ir("digits_cnn", preset="fast"), "unknown NNCF preset 'fast'; use one of: performance"),
    (lambda: quant.nncf_int8_ir("digits_cnn", subset_size=-1), "subset_size must be a positive"),
    (lambda: quant.compressed_ir(mode="int2"), "unknown weight compression mode 'int2'; use one of: int8, int4"),
    (lambda: quant.accuracy_controlled_ir(max_drop=5), "between 0 and 1"),
    (lambda: quant.digits_accuracy("m.xml", split="train"), "unknown digits split 'train'"),
    (lambda: quant.runner_for("model.pt"), "neither an OpenVINO IR"),
    (lambda: quant.model_outputs("model.tflite", []), "cannot run model.tflite on either runtime"),
    (lambda: quant.model_outputs("m.xml", [], runtime="onnxruntime"), "ONNX Runtime takes .onnx files"),
])
def test_bad_input_is_one_sentence(call, message):
    with pytest.raises(AccelkitError, match=message.replace("(", r"\(")):
        call()


def test_a_failed_build_leaves_nothing(tmp_path):
    out = tmp_path / "m.quant.xml"

    def fail(tmp):
        tmp.write_text("half")
        tmp.with_suffix(".bin").write_text("half")
        raise RuntimeError("quantizer crashed")

    with pytest.raises(RuntimeError):
        build_beside(out, fail)
    assert list(tmp_path.iterdir()) == []


def test_quiet_swallows_chatter(capfd):
    with quiet():
        print("progress bar")
        os.write(2, b"native warning\n")
    captured = capfd.readouterr()
    assert "progress bar" not in captured.out and "native warning" not in captured.err


def test_ov_int8_is_read_from_the_kernel():
    assert quant._ov_int8_kernel({"kernel": "jit_avx2_I8", "precision": "u8"})
    assert not quant._ov_int8_kernel({"kernel": "brgemm_avx2_f32", "precision": "i4"})   # compressed weights
    assert quant._ov_int8_kernel({"kernel": "?", "precision": "i8"})


def test_weight_compression_shrinks_but_computes_in_float():
    fp32 = ir_path("tiny_encoder")
    int4 = quant.compressed_ir("tiny_encoder", mode="int4")
    from accelkit import model_size_mb

    assert model_size_mb(int4) < model_size_mb(fp32) / 4
    assert quant.int8_compute(int4)[1] == 24
