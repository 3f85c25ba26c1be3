"""The depthwise digits model and the quantization-sensitivity helpers (notebook 04-when-quantization-bites)."""
import numpy as np
import pytest

from accelkit import sensitivity as sv
from accelkit.errors import AccelkitError
from accelkit.models import dsdigits


def test_the_three_splits_are_disjoint_and_calibration_comes_from_what_the_model_trained_on():
    s = dsdigits.depthwise_splits()
    assert (len(s.calibration.y), len(s.validation.y), len(s.test.y)) == (128, 287, 360)
    key = lambda x: {row.tobytes() for row in x}  # noqa: E731
    assert key(s.calibration.x) <= key(s.fit.x)
    assert not key(s.validation.x) & key(s.fit.x)
    assert not key(s.test.x) & (key(s.fit.x) | key(s.validation.x))


def test_rescaled_channels_compute_the_same_function_with_wider_ranges():
    assert sv.fp32_difference() < 1e-4
    trained, outliers = sv.channel_ranges("trained"), sv.channel_ranges("outliers")
    wide = slice(0, sv.OUTLIER_CHANNELS)
    ratio = outliers["max_abs_weight"][wide] / trained["max_abs_weight"][wide]
    assert np.allclose(ratio, sv.OUTLIER_FACTOR, rtol=0.1)
    assert np.allclose(outliers["max_abs_weight"][sv.OUTLIER_CHANNELS:], trained["max_abs_weight"][sv.OUTLIER_CHANNELS:])


def test_rescale_refuses_bad_scales():
    folded = dsdigits.fold_batchnorm(dsdigits.load_depthwise_cnn())
    with pytest.raises(ValueError, match="positive"):
        dsdigits.rescale_channels(folded, 0, np.zeros(16))
    with pytest.raises(ValueError, match="16 channels"):
        dsdigits.rescale_channels(folded, 0, np.ones(3))


def test_corrupted_calibration_replaces_only_the_first_frames():
    clean, bad = sv.split("calibration").x, sv.corrupted_calibration(8)
    assert not np.array_equal(clean[:8], bad[:8]) and np.array_equal(clean[8:], bad[8:])


@pytest.mark.parametrize("call, words", [
    (lambda: sv.module_for("huge"), "model kind"),
    (lambda: sv.split("train"), "split"),
    (lambda: sv.ort_int8("trained", method="kl"), "calibration method"),
    (lambda: sv.ort_int8("trained", percentile=120), "percentage"),
    (lambda: sv.ort_int8("trained", calibration="dirty"), "calibration set"),
    (lambda: sv.nncf_int8("trained", preset="fast"), "NNCF preset"),
    (lambda: sv.accuracy_controlled("trained", max_drop=1.5), "max_drop"),
    (lambda: sv.accuracy("nowhere.onnx"), "not an .onnx or .xml"),
])
def test_bad_input_is_one_sentence(call, words):
    with pytest.raises(AccelkitError, match=words):
        call()


def test_per_tensor_weights_lose_on_the_outliers_model_and_not_on_the_trained_one():
    # NNCF/OpenVINO at f32 for the float parts: the gaps are tens of points, far beyond what the CPU kind
    # changes (ORT's U8S8 rows may add notebook 04's saturation loss on CPUs without VNNI, so they are not used)
    frame = sv.accuracies({"FP32": sv.onnx_file("outliers"),
                           "trained": sv.nncf_int8("trained"),
                           "outliers pt": sv.nncf_int8("outliers", per_channel=False),
                           "outliers pc": sv.nncf_int8("outliers")})
    acc = frame.set_index("variant")["test_%"]
    assert acc["FP32"] > 95 and acc["FP32"] - acc["trained"] < 4
    assert acc["outliers pc"] - acc["outliers pt"] > 15
    assert set(frame.columns) == {"variant", "validation_%", "test_%", "test_drop_pts"}


def test_float_layers_lists_what_nncf_left_unquantized():
    kept = sv.float_layers(sv.nncf_int8("trained"))
    assert kept and all(isinstance(name, str) for name in kept)
    assert len(kept) < 7  # the seven convs are quantized, at most the small head stays float
