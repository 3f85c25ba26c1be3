"""Exercise 04-quantize-and-verify: a right submission scores full marks and every plausible wrong one loses points
on the checks that should catch it, with a sentence saying what is wrong.

The INT8 models are built here with quantize_static on the pre-processed digits model (a fraction of a second each);
the check compares their scales and zero points with references it builds itself. The whole-notebook grading of the
solution and of the untouched exercise is test_grade's parametrized test.
"""
from pathlib import Path

import numpy as np
import pytest
from graded import graded
from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

from accelkit.models import load_digits_split
from accelkit.models.files import onnx_path
from accelkit.quant import digits_test_set, model_outputs, preprocessed_onnx

EXERCISE = "04-quantize-and-verify"
FULL = 26
TRAIN, TEST = load_digits_split()


# ---------------------------------------------------------------- a right submission, written apart from the notebook

class DigitsReader:
    def __init__(self, images, input_name="input"):
        self.images, self.input_name, self.i = images, input_name, 0

    def get_next(self):
        if self.i == len(self.images):
            return None
        self.i += 1
        return {self.input_name: self.images[self.i - 1:self.i]}

    def rewind(self):
        self.i = 0


def quantize(path, images, **settings):
    """quantize_static as the exercise asks (this machine has VNNI or not: reduce_range follows, as in the notebook),
    with ``settings`` changing one option."""
    options = dict(quant_format=QuantFormat.QDQ, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                   per_channel=True, reduce_range=not has_vnni())
    options.update(settings)
    quantize_static(str(preprocessed_onnx("digits_cnn")), str(path), DigitsReader(images), **options)
    return path


def has_vnni():
    isa = __import__("accelkit").report().isa
    return bool(isa["AVX512-VNNI"] or isa["AVX-VNNI"] or isa["AMX"])


def quantize_with(n_images, path):
    return quantize(path, TRAIN.x[:n_images])


def compare_variant(fp32_logits, int8_logits, labels):
    a, b = fp32_logits.argmax(1), int8_logits.argmax(1)
    return {"accuracy_drop_pts": 100 * float(np.mean(a == labels) - np.mean(b == labels)),
            "max_logit_error": float(np.abs(fp32_logits - int8_logits).max()),
            "agreement_pct": 100 * float(np.mean(a == b))}


def pick_config(rows, fp32_accuracy_pct, budget_pts):
    fitting = [r for r in rows if fp32_accuracy_pct - r["accuracy_pct"] <= budget_pts]
    return min(fitting, key=lambda r: (r["median_ms"], r["size_mb"])) if fitting else None


def sweep(quantizer, folder, feeds=None, labels=None):
    """Section 6's dict, with ``quantizer(n, path)`` making each model."""
    if feeds is None:
        feeds, labels = digits_test_set()
    fp32 = model_outputs(onnx_path("digits_cnn"), feeds)
    return {n: compare_variant(fp32, model_outputs(quantizer(n, Path(folder) / f"n{n}.onnx"), feeds), labels)
            for n in (4, 16, 64)}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("ex04")


@pytest.fixture(scope="module")
def right(folder):
    rows = [{"name": "fp32", "accuracy_pct": 100.0, "median_ms": 0.55, "size_mb": 0.58},
            {"name": "int8", "accuracy_pct": 100.0, "median_ms": 0.22, "size_mb": 0.17},
            {"name": "nncf", "accuracy_pct": 99.7, "median_ms": 0.20, "size_mb": 0.18}]
    ns = {"DigitsReader": DigitsReader, "compare_variant": compare_variant, "pick_config": pick_config,
          "quantize_with": quantize_with, "my_int8_path": quantize_with(64, folder / "mine.onnx"),
          "my_rows": rows, "fp32_acc": 100.0, "my_prediction": "no difference", "sweep_answer": "c",
          "calibration_sweep": sweep(quantize_with, folder)}
    ns["my_choice"] = pick_config(rows, 100.0, 0.5)
    return ns


_graded = graded(EXERCISE, check_seconds=120)
results, lost, named = _graded.results, _graded.lost, _graded.named


READER, CALIBRATION, SETTINGS = named("DigitsReader"), named("my_int8_path was calibrated"), named("my_int8_path is U8S8")
ACCURACY = named("my_int8_path is a QDQ")
PICK, EDGE = named("pick_config: fastest"), named("pick_config keeps")
QWITH, SWEEP, ANSWER = named("quantize_with"), named("calibration_sweep"), named("sweep_answer")


def test_right_submission_scores_full_marks(right):
    got = results(right)
    assert {n: r.message for n, r in got.items() if r.earned < r.points} == {}
    assert sum(r.points for r in got.values()) == FULL == sum(r.earned for r in got.values())


def test_right_alternatives_pass(right, folder):
    """reduce_range only halves the weights' range: harmless on a CPU with VNNI, needed on one without (where the
    accuracy check catches its absence), so the scale checks accept both. Quantizing the digits ONNX file without
    ORT's pre-processing gives the same Q/DQ parameters on this model, so it passes too."""
    ns = dict(right, my_int8_path=quantize(folder / "rr.onnx", TRAIN.x[:64], reduce_range=has_vnni()))
    assert not {CALIBRATION, SETTINGS} & set(lost(ns))
    plain = folder / "not-preprocessed.onnx"
    quantize_static(str(onnx_path("digits_cnn")), str(plain), DigitsReader(TRAIN.x[:64]), quant_format=QuantFormat.QDQ,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, per_channel=True,
                    reduce_range=not has_vnni())
    assert not {CALIBRATION, SETTINGS} & set(lost(dict(right, my_int8_path=plain)))


def test_a_model_of_other_tensors_is_named(right, tmp_path):
    """A model file whose Q/DQ nodes are not the digits model's: one sentence naming the file to quantize."""
    from accelkit.learn.exercises.checks.ex04_quant import _tiny_conv_model

    src, out = tmp_path / "tiny.onnx", tmp_path / "tiny.int8.onnx"
    _tiny_conv_model(src)
    quantize_static(str(src), str(out), DigitsReader(np.zeros((2, 1, 8, 8), np.float32)))
    wrong = lost(dict(right, my_int8_path=out))
    assert "quantize quant.preprocessed_onnx('digits_cnn')" in wrong[CALIBRATION]


# ---------------------------------------------------------------- plausible wrong solutions: each loses points

class ArrayReaderWrapper:
    """The kit's own reader (quant.ArrayReader) over the array: gives (C, H, W) images, without the batch axis."""

    def __new__(cls, images, input_name="input"):
        from accelkit.quant import ArrayReader

        return ArrayReader(images, input_name)


def kit_quantize_with(n_images, path):
    """Wraps the kit's ort_static_int8 (same settings, calibrated on the first n train images): returns the kit's
    cached file, never writes ``path``."""
    from accelkit.quant import ort_static_int8

    return ort_static_int8("digits_cnn", reduce_range=not has_vnni(), subset_size=n_images)


def model(name, images=None, **settings):
    """A wrong my_int8_path: built lazily in the test (the fixture's folder is module-wide)."""
    return lambda folder: quantize(folder / f"{name}.onnx", TRAIN.x[:64] if images is None else images, **settings)


def no_return_quantize_with(n_images, path):
    quantize(path, TRAIN.x[:n_images])


WRONG = [  # (what, the names replaced: a value, or a function of the folder that makes the value; checks that lose)
    ("calibrated on the test images", {"my_int8_path": model("test", TEST.x[:64])}, {CALIBRATION}),
    ("calibrated on every train image", {"my_int8_path": model("all", TRAIN.x)}, {CALIBRATION}),
    ("Percentile calibration", {"my_int8_path": model("pct", calibrate_method=CalibrationMethod.Percentile)},
     {CALIBRATION}),
    ("S8S8 instead of U8S8", {"my_int8_path": model("s8s8", activation_type=QuantType.QInt8)}, {SETTINGS}),
    ("per-tensor weights", {"my_int8_path": model("pt", per_channel=False)}, {SETTINGS}),
    ("U8U8: uint8 weights", {"my_int8_path": model("u8u8", weight_type=QuantType.QUInt8)}, {SETTINGS}),
    ("the kit's ArrayReader as the reader", {"DigitsReader": ArrayReaderWrapper}, {READER}),
    ("quantize_with ignores n_images", {"quantize_with": lambda n, path: quantize(path, TRAIN.x[:64])}, {QWITH}),
    ("quantize_with on twice the images", {"quantize_with": lambda n, path: quantize(path, TRAIN.x[:2 * n])}, {QWITH}),
    ("quantize_with on the test images", {"quantize_with": lambda n, path: quantize(path, TEST.x[:n])}, {QWITH}),
    ("quantize_with in S8S8", {"quantize_with": lambda n, path: quantize(path, TRAIN.x[:n],
                                                                          activation_type=QuantType.QInt8)}, {QWITH}),
    ("quantize_with returns nothing", {"quantize_with": no_return_quantize_with}, {QWITH}),
    ("quantize_with wraps the kit's ort_static_int8", {"quantize_with": kit_quantize_with}, {QWITH}),
    ("pick_config with < instead of <=",
     {"pick_config": lambda rows, fp32, budget: min([r for r in rows if fp32 - r["accuracy_pct"] < budget],
                                                    key=lambda r: (r["median_ms"], r["size_mb"]), default=None)},
     {EDGE}),
    ("the sweep measured on the train images", {"calibration_sweep": lambda folder: sweep(
        quantize_with, folder, [{"input": TRAIN.x[i:i + 1]} for i in range(len(TRAIN.x))], TRAIN.y)}, {SWEEP}),
    ("the sweep calibrated on the last n train images", {"calibration_sweep": lambda folder: sweep(
        lambda n, path: quantize(path, TRAIN.x[-n:]), folder)}, {SWEEP}),
    ("the sweep keyed by strings", {"calibration_sweep": lambda folder: {str(n): row for n, row in sweep(
        quantize_with, folder).items()}}, {SWEEP}),
    ("no prediction recorded", {"my_prediction": None}, {SWEEP}),
    ("ranges narrow with more images", {"sweep_answer": "a"}, {ANSWER}),
    ("ranges are averaged", {"sweep_answer": "b"}, {ANSWER}),
    ("weights are calibrated on images", {"sweep_answer": "d"}, {ANSWER}),
]

SAYS = {  # what -> words one of the lost checks' messages must contain (the learner is told the right thing)
    "calibrated on the test images": "the test split measures accuracy",
    "calibrated on every train image": "it saw more images than the first 64",
    "Percentile calibration": "calibrate with MinMax (the default)",
    "S8S8 instead of U8S8": "(S8S8 instead of U8S8)",
    "per-tensor weights": "pass per_channel=True",
    "U8U8: uint8 weights": "weight_type=QuantType.QInt8",
    "the kit's ArrayReader as the reader": "keep the batch dimension",
    "quantize_with ignores n_images": "whatever n_images says",
    "quantize_with on the test images": "the test split measures accuracy",
    "quantize_with on twice the images": "it saw more images than the first 12",
    "quantize_with in S8S8": "(S8S8 instead of U8S8)",
    "quantize_with returns nothing": "return that path",
    "quantize_with wraps the kit's ort_static_int8": "return that path",
    "pick_config with < instead of <=": "(<=, not <)",
    "the sweep measured on the train images": "compare on the test feeds",
    "the sweep calibrated on the last n train images": "compare on the test feeds",
    "the sweep keyed by strings": "should have the keys [4, 16, 64]",
    "no prediction recorded": "it is your prediction, not graded",
    "ranges narrow with more images": "can only widen a range",
    "ranges are averaged": "does not average",
    "weights are calibrated on images": "weight scales come from the weights alone",
}


def test_every_wrong_solution_says_what_is_wrong():
    assert set(SAYS) == {what for what, _, _ in WRONG}


@pytest.mark.parametrize("what, replaced, checks", WRONG, ids=[w[0] for w in WRONG])
def test_plausible_wrong_solution_loses_points(what, replaced, checks, right, folder):
    ns = dict(right)
    for name, value in replaced.items():
        ns[name] = value(folder) if callable(value) and name in ("my_int8_path", "calibration_sweep") else value
    wrong = lost(ns)
    assert checks <= set(wrong), (what, wrong)
    assert wrong, what
    assert any(SAYS[what] in message for message in wrong.values()), (what, wrong)
    for message in wrong.values():
        assert "\n" not in message and message.endswith("."), message


def test_bad_values_get_one_sentence(right, tmp_path):
    ns = dict(right, my_int8_path=tmp_path / "missing.onnx", sweep_answer=["c"], quantize_with=lambda n, path: 3)
    (tmp_path / "broken.onnx").write_bytes(b"not a model")
    wrong = lost(ns)
    assert "does not exist" in wrong[CALIBRATION] and "does not exist" in wrong[SETTINGS]
    assert "one letter of a, b, c, d" in wrong[ANSWER]
    assert "returned 3" in wrong[QWITH]
    wrong = lost(dict(right, my_int8_path=tmp_path / "broken.onnx"))
    assert "could not be read as an ONNX model" in wrong[CALIBRATION]
