"""Checks for exercises/04-quantize-and-verify.ipynb (notebook 04's material).

How the learner's INT8 model was made is checked, not only how well it does. MinMax calibration is deterministic,
so a check quantizes the same pre-processed model itself (in a temporary folder, with its own reader) and compares
the scales and zero points of every QuantizeLinear / DequantizeLinear with the learner's file:
- calibrating on other images (the test split, all train images) changes the activation scales;
- S8S8 changes the activations' zero points from uint8 to int8 (their scales stay the same);
- per-tensor gives each weight one scale instead of one per output channel.
Weight scales do not depend on the data; reduce_range halves the weights' range, and either value is accepted
here (the accuracy check catches a missing reduce_range on a CPU without VNNI).
"""
from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..checking import CheckFailed, call, check, need

EXERCISE = "04-quantize-and-verify"
MAX_ITEMS = 1000  # a reader that never returns None is stopped here
CALIBRATION_COUNT = 64  # section 2: the first 64 train images
HIDDEN_COUNT = 12  # quantize_with is called with a count the notebook never uses
SWEEP = (4, 16, 64)  # section 6's calibration counts (64 is section 2's model: built once)
RTOL = 1e-4  # the same calibration on the same machine gives the same scales; other data differs by > 0.1 %
PREDICTIONS = ("fewer is worse", "no difference", "more is worse")
SWEEP_OPTIONS = {  # the notebook prints these; "c" is right
    "a": "more images make each activation range narrower, so the quantization step and the rounding error shrink",
    "b": "quantize_static averages the range of each image, and an average over 4 images is noisier than over 64",
    "c": "MinMax keeps the extremes it saw: after 4 images the logit range ends below the largest test logits",
    "d": "the weight scales are calibrated on the images as well, and 4 images are too few to fit the int8 weights",
}
SWEEP_ANSWER = "c"
WHY_NOT = {
    "a": "MinMax keeps the lowest and highest value over all images, so more images can only widen a range.",
    "b": "MinMax does not average ranges; it keeps the overall lowest and highest value.",
    "d": "weight scales come from the weights alone (compare two of your sweep's models).",
}


def _drain(reader, limit: int = MAX_ITEMS) -> list:
    items: list[Any] = []
    while len(items) < limit:
        item = call(reader.get_next)
        if item is None:
            return items
        items.append(item)
    raise CheckFailed(f"get_next never returned None (stopped after {limit} items): return None once every "
                      "image was given out.")


@check("DigitsReader gives one image per call, then None, and rewinds", points=2)
def reader_ok(ns):
    cls = need(ns, "DigitsReader", is_callable=True)
    images = np.random.default_rng(4).random((5, 1, 4, 4), dtype=np.float32)
    reader = call(cls, images, "x")
    items = _drain(reader)
    if len(items) != 5:
        raise CheckFailed(f"5 images gave {len(items)} items; return each image once, then None.")
    for i, item in enumerate(items):
        if not isinstance(item, dict) or set(item) != {"x"}:
            raise CheckFailed(f"item {i} is {type(item).__name__} {item if not isinstance(item, dict) else set(item)}; "
                              "return a dict with one key: the input name you were given ('x' here).")
        if np.shape(item["x"]) != (1, 1, 4, 4) or not np.array_equal(item["x"], images[i:i + 1]):
            raise CheckFailed(f"item {i} has shape {np.shape(item['x'])} or the wrong image; give images[i:i+1] "
                              "in order (keep the batch dimension: (1, C, H, W)).")
    if call(reader.get_next) is not None:
        raise CheckFailed("after the last image, get_next should keep returning None.")
    if not callable(getattr(reader, "rewind", None)):
        raise CheckFailed("DigitsReader has no rewind() method.")
    call(reader.rewind)
    first = call(reader.get_next)
    if not isinstance(first, dict) or not np.array_equal(first.get("x"), images[:1]):
        raise CheckFailed("after rewind(), get_next should give the first image again.")
    if set(call(cls, images).get_next() or {}) != {"input"}:
        raise CheckFailed("without an input_name, the key should be 'input' (the default).")


def _tiny_conv_model(path: Path) -> None:
    """A one-Conv ONNX model (1 -> 2 channels, 3x3) with a Relu: small data for quantize_static."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weight = numpy_helper.from_array(np.random.default_rng(5).standard_normal((2, 1, 3, 3)).astype(np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("Conv", ["input", "w"], ["c"], pads=[1, 1, 1, 1]), helper.make_node("Relu", ["c"], ["out"])],
        "tiny", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, 8, 8])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 2, 8, 8])], [weight])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))


@check("quantize_static accepts DigitsReader", points=2)
def reader_quantizes(ns):
    import onnx
    from onnxruntime.quantization import quantize_static

    from ....core.quiet import quiet

    cls = need(ns, "DigitsReader", is_callable=True)
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "tiny.onnx", Path(tmp) / "tiny.int8.onnx"
        _tiny_conv_model(src)
        reader = call(cls, np.random.default_rng(6).random((8, 1, 8, 8), dtype=np.float32))
        try:
            with quiet():
                quantize_static(str(src), str(out), reader)
        except Exception as exc:
            raise CheckFailed(f"quantize_static failed with your reader: {type(exc).__name__}: "
                              f"{str(exc)[:150]}") from None
        ops = {n.op_type for n in onnx.load(str(out)).graph.node}
    if not {"QuantizeLinear", "DequantizeLinear"} <= ops:
        raise CheckFailed(f"the quantized test model has ops {sorted(ops)}, without Q/DQ pairs: did the reader "
                          "give any data?")


@check("my_int8_path is a QDQ digits model within a point of FP32", points=3)
def int8_model_ok(ns):
    from ....models.files import op_histogram
    from ....quant import digits_accuracy, digits_test_set

    path = need(ns, "my_int8_path")
    if not isinstance(path, (str, Path)):
        raise CheckFailed(f"`my_int8_path` should be a path (str or Path), but it is a {type(path).__name__}.")
    path = Path(path)
    if not path.is_file() or path.suffix != ".onnx":
        raise CheckFailed(f"{path} does not exist or is not an .onnx file: write quantize_static's output there.")
    ops = op_histogram(path)
    if not ops.get("QuantizeLinear") or not ops.get("DequantizeLinear") or "QLinearConv" in ops:
        raise CheckFailed("the model should be in QDQ format (QuantizeLinear/DequantizeLinear around Conv): "
                          "use quant_format=QuantFormat.QDQ.")
    labels = digits_test_set()[1]
    drop = 100.0 * float(np.mean(_fp32_test_logits().argmax(1) == labels)) - digits_accuracy(path)
    if drop > 1.0:
        raise CheckFailed(f"your INT8 model lost {drop:.1f} accuracy points on ONNX Runtime. Without VNNI, per-channel "
                          "U8S8 saturates ORT's 16-bit sums: pass reduce_range=not vnni (notebook 04, section 5).")


# ---------------------------------------------------------------- how the INT8 model was made: its Q/DQ parameters

@dataclass
class QParams:
    """The quantization parameters in a QDQ model file."""
    activations: dict[str, tuple[np.ndarray, np.ndarray]]  # tensor quantized at run time -> (scale, zero point)
    weights: dict[str, tuple[np.ndarray, np.ndarray]]  # int8/uint8 initializer -> (scale, zero point); biases left out


def qdq_params(path: Path) -> QParams:
    """Scales and zero points of every QuantizeLinear (activations) and of every DequantizeLinear that reads an
    8-bit initializer (weights) in an ONNX file."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(path)).graph
    inits = {t.name: t for t in graph.initializer}

    def value(name: str) -> np.ndarray:
        return numpy_helper.to_array(inits[name]) if name in inits else np.array([])

    activations, weights = {}, {}
    for node in graph.node:
        if len(node.input) < 3:  # no zero point: not what quantize_static writes for 8-bit types
            continue
        scale, zero = value(node.input[1]), value(node.input[2])
        if node.op_type == "QuantizeLinear" and node.input[0] not in inits:
            activations[node.input[0]] = (scale, zero)
        elif node.op_type == "DequantizeLinear" and node.input[0] in inits and zero.dtype in (np.int8, np.uint8):
            weights[node.input[0]] = (scale, zero)
    return QParams(activations, weights)


class _Reader:
    """The check's own calibration reader (the learner's is checked on its own above)."""

    def __init__(self, images: np.ndarray) -> None:
        self.images, self.position = images, 0

    def get_next(self) -> dict[str, np.ndarray] | None:
        if self.position >= len(self.images):
            return None
        self.position += 1
        return {"input": self.images[self.position - 1:self.position]}

    def rewind(self) -> None:
        self.position = 0


def _images(split: str, count: int) -> np.ndarray:
    from ....models import load_digits_split

    train, test = load_digits_split()
    return (train if split == "train" else test).x[:count]


def _quantize(path: Path, split: str, count: int, *, activations: str, per_channel: bool, reduce_range: bool) -> None:
    from onnxruntime.quantization import QuantFormat, QuantType, quantize_static

    from ....core.quiet import quiet
    from ....quant import preprocessed_onnx

    types = {"u8": QuantType.QUInt8, "s8": QuantType.QInt8}
    with quiet():
        quantize_static(str(preprocessed_onnx("digits_cnn")), str(path), _Reader(_images(split, count)),
                        quant_format=QuantFormat.QDQ, activation_type=types[activations], weight_type=QuantType.QInt8,
                        per_channel=per_channel, reduce_range=reduce_range)


_FOLDER: list[tempfile.TemporaryDirectory] = []  # the reference models of this process (removed at exit)


@lru_cache(maxsize=16)
def reference_file(split: str = "train", count: int = CALIBRATION_COUNT, *, activations: str = "u8",
                   per_channel: bool = True, reduce_range: bool = False) -> Path:
    """The model quantize_static writes for these settings, built once per process in a temporary folder."""
    if not _FOLDER:
        _FOLDER.append(tempfile.TemporaryDirectory(prefix="accelkit-ex04-"))
    path = Path(_FOLDER[0].name) / f"{split}{count}-{activations}-{per_channel:d}{reduce_range:d}.onnx"
    _quantize(path, split, count, activations=activations, per_channel=per_channel, reduce_range=reduce_range)
    return path


@lru_cache(maxsize=16)
def reference(split: str = "train", count: int = CALIBRATION_COUNT, *, activations: str = "u8",
              per_channel: bool = True, reduce_range: bool = False) -> QParams:
    """The Q/DQ parameters quantize_static writes for these settings."""
    return qdq_params(reference_file(split, count, activations=activations, per_channel=per_channel,
                                     reduce_range=reduce_range))


@lru_cache(maxsize=1)
def _fp32_test_logits() -> np.ndarray:
    from ....models.files import onnx_path
    from ....quant import digits_test_set, model_outputs

    return model_outputs(onnx_path("digits_cnn"), digits_test_set()[0])


@lru_cache(maxsize=8)
def reference_error(count: int, reduce_range: bool) -> float:
    """max |INT8 - FP32| logit on the test split, after MinMax on the first ``count`` train images."""
    from ....quant import digits_test_set, model_outputs

    path = reference_file("train", count, activations="u8", per_channel=True, reduce_range=reduce_range)  # as reference()
    int8 = model_outputs(path, digits_test_set()[0])
    return float(np.abs(int8 - _fp32_test_logits()).max())


def _worst(got: dict, want: dict) -> tuple[str, float]:
    """The tensor whose scale differs most from the reference, and by how much (relative)."""
    diffs = {name: float(np.max(np.abs(got[name][0].astype(np.float64) / want[name][0] - 1)))
             if got[name][0].shape == want[name][0].shape else math.inf for name in want}
    name = max(diffs, key=lambda k: diffs[k])
    return name, diffs[name]


def _same_scales(got: dict, want: dict) -> bool:
    return _worst(got, want)[1] <= RTOL


def _read(path: Any, what: str) -> QParams:
    if not isinstance(path, (str, Path)):
        raise CheckFailed(f"{what} should be a path (str or Path), but it is a {type(path).__name__}.")
    path = Path(path)
    if not path.is_file() or path.suffix != ".onnx":
        raise CheckFailed(f"{what} ({path}) does not exist or is not an .onnx file: write quantize_static's output there.")
    try:
        return qdq_params(path)
    except Exception as exc:
        raise CheckFailed(f"{what} could not be read as an ONNX model ({type(exc).__name__}).") from None


def _same_graph(got: QParams, what: str) -> None:
    want = reference()
    if set(got.activations) != set(want.activations) or set(got.weights) != set(want.weights):
        raise CheckFailed(f"{what} does not quantize the tensors quantize_static quantizes in the pre-processed digits "
                          f"model ({len(got.activations)} activations and {len(got.weights)} weights, expected "
                          f"{len(want.activations)} and {len(want.weights)}): quantize quant.preprocessed_onnx('digits_cnn') "
                          "in QDQ format.")


def verify_calibration(got: QParams, count: int, what: str) -> None:
    """CheckFailed unless the activation scales are MinMax's over the first ``count`` train images."""
    _same_graph(got, what)
    want = reference("train", count)
    if _same_scales(got.activations, want.activations):
        return
    suspects = [("test", count)]
    if count != CALIBRATION_COUNT:
        suspects.append(("train", CALIBRATION_COUNT))
    for split, n in suspects:
        if _same_scales(got.activations, reference(split, n).activations):
            if split == "test":
                raise CheckFailed(f"{what} was calibrated on the first {count} test images: the test split measures "
                                  "accuracy, and a model calibrated on it has seen what it is graded on. Calibrate on "
                                  f"train.x[:{count}].")
            raise CheckFailed(f"{what} was calibrated on the first {n} train images, whatever n_images says; calibrate "
                              f"on exactly train.x[:{count}].")
    name, rel = _worst(got.activations, want.activations)
    if all(np.all(got.activations[k][0] >= want.activations[k][0] * (1 - RTOL)) for k in want.activations):
        # MinMax over more images can only widen a range: every scale at least the reference's
        raise CheckFailed(f"the activation ranges of {what} are wider than MinMax over train.x[:{count}] gives (up to "
                          f"{rel:.1%}, at {name!r}): it saw more images than the first {count}. Calibrate on exactly "
                          f"train.x[:{count}].")
    raise CheckFailed(f"the activation scales of {what} differ from MinMax over train.x[:{count}] by up to "
                      f"{rel:.1%} (at {name!r}): calibrate with MinMax (the default) on exactly the first {count} "
                      "train images.")


def verify_settings(got: QParams, what: str) -> None:
    """CheckFailed unless the model is U8S8 (uint8 activations, int8 weights) with per-channel weight scales."""
    _same_graph(got, what)
    if any(zero.dtype != np.uint8 for _, zero in got.activations.values()):
        kinds = sorted({str(zero.dtype) for _, zero in got.activations.values()})
        raise CheckFailed(f"the activations of {what} are quantized to {'/'.join(kinds)}, not uint8 "
                          "(S8S8 instead of U8S8): pass activation_type=QuantType.QUInt8.")
    if any(zero.dtype != np.int8 for _, zero in got.weights.values()):
        raise CheckFailed(f"the weights of {what} are not int8: pass weight_type=QuantType.QInt8 (U8S8).")
    want = reference()
    single = [name for name, (scale, _) in got.weights.items() if scale.size == 1 < want.weights[name][0].size]
    if single:
        raise CheckFailed(f"{what} has one scale per weight tensor (per-tensor, e.g. {single[0]!r}), not one per "
                          "output channel: pass per_channel=True.")
    if not any(_same_scales(got.weights, reference(reduce_range=rr).weights) for rr in (False, True)):
        name, rel = _worst(got.weights, want.weights)
        raise CheckFailed(f"the weight scales of {what} differ from quantize_static's symmetric per-channel int8 "
                          f"scales by up to {rel:.1%} (at {name!r}): keep the other options at their defaults.")


@check(f"my_int8_path was calibrated with MinMax on train.x[:{CALIBRATION_COUNT}] (its scales are compared)", points=2)
def int8_calibration_ok(ns):
    got = _read(need(ns, "my_int8_path"), "my_int8_path")
    verify_calibration(got, CALIBRATION_COUNT, "my_int8_path")


@check("my_int8_path is U8S8 with per-channel weight scales", points=2)
def int8_settings_ok(ns):
    verify_settings(_read(need(ns, "my_int8_path"), "my_int8_path"), "my_int8_path")


def _logits(rng, n=50, classes=10):
    return rng.normal(0, 3, (n, classes)).astype(np.float32)


@check("compare_variant computes accuracy drop, max logit error and agreement", points=3)
def compare_ok(ns):
    fn = need(ns, "compare_variant", is_callable=True)
    rng = np.random.default_rng(8)
    for flip in (0, 3, 10):
        fp32 = _logits(rng)
        labels = fp32.argmax(1).copy()
        labels[:5] = (labels[:5] + 1) % 10                    # FP32 itself gets 5 of 50 wrong
        int8 = fp32 + rng.normal(0, 0.05, fp32.shape).astype(np.float32)
        int8[10:10 + flip] = np.roll(int8[10:10 + flip], 1, axis=1) + 20 * np.eye(10, dtype=np.float32)[0]
        got = call(fn, fp32, int8, labels)
        if not isinstance(got, dict):
            raise CheckFailed(f"compare_variant should return a dict, not {type(got).__name__}.")
        fp32_pred, int8_pred = fp32.argmax(1), int8.argmax(1)
        want = {"accuracy_drop_pts": 100 * (np.mean(fp32_pred == labels) - np.mean(int8_pred == labels)),
                "max_logit_error": float(np.abs(fp32 - int8).max()),
                "agreement_pct": 100 * float(np.mean(fp32_pred == int8_pred))}
        for key, value in want.items():
            if key not in got:
                raise CheckFailed(f"the dict lacks the key {key!r}.")
            number = isinstance(got[key], (int, float, np.floating))
            if not number or not math.isclose(float(got[key]), value, abs_tol=1e-4):
                hint = " (in percentage points: 100 x the difference of the two accuracies)" if "drop" in key else ""
                raise CheckFailed(f"{key} is {got[key]!r} on a hidden case; expected {value:.4g}{hint}.")


ROWS = [
    {"name": "fp32", "accuracy_pct": 99.4, "median_ms": 0.60, "size_mb": 0.58},
    {"name": "int8 a", "accuracy_pct": 99.2, "median_ms": 0.40, "size_mb": 0.18},
    {"name": "int8 b", "accuracy_pct": 97.0, "median_ms": 0.25, "size_mb": 0.17},
    {"name": "int8 c", "accuracy_pct": 99.0, "median_ms": 0.40, "size_mb": 0.16},
    {"name": "int4", "accuracy_pct": 95.0, "median_ms": 0.30, "size_mb": 0.10},
]
BUDGETS = [(0.5, "int8 c"), (0.1, "fp32"), (2.5, "int8 b"), (5.0, "int8 b")]


@check("pick_config: fastest within the accuracy budget, smaller on ties", points=3)
def pick_ok(ns):
    fn = need(ns, "pick_config", is_callable=True)
    for budget, want in BUDGETS:
        got = call(fn, [dict(r) for r in ROWS], 99.4, budget)
        name = got.get("name") if isinstance(got, dict) else got
        if name != want:
            raise CheckFailed(f"with FP32 at 99.4% and a {budget}-point budget you picked {name!r}; expected {want!r} "
                              "(keep rows whose drop is <= budget, then lowest median_ms, then smallest size_mb).")
    if call(fn, [dict(r) for r in ROWS], 100.0, 0.1) is not None:
        raise CheckFailed("when no row is within the budget, return None.")


EDGE_ROWS = [  # values exact in binary: 99.5 - 99.0 is exactly 0.5
    {"name": "safe", "accuracy_pct": 99.25, "median_ms": 0.30, "size_mb": 0.17},
    {"name": "at the budget", "accuracy_pct": 99.0, "median_ms": 0.20, "size_mb": 0.17},
    {"name": "over", "accuracy_pct": 98.75, "median_ms": 0.10, "size_mb": 0.17},
]


@check("pick_config keeps a row whose drop equals the budget exactly", points=1)
def pick_edge_ok(ns):
    fn = need(ns, "pick_config", is_callable=True)
    got = call(fn, [dict(r) for r in EDGE_ROWS], 99.5, 0.5)
    name = got.get("name") if isinstance(got, dict) else got
    if name != "at the budget":
        raise CheckFailed(f"with FP32 at 99.5%, a 0.5-point budget and a row at 99.0% (a drop of exactly 0.5) you "
                          f"picked {name!r}; a drop equal to the budget is within it (<=, not <), so that row, the "
                          "fastest within the budget, is the answer.")


@check("my_rows measures three digits variants and my_choice follows from them", points=2)
def rows_ok(ns):
    rows, choice = need(ns, "my_rows", list), need(ns, "my_choice")
    keys = {"name", "accuracy_pct", "median_ms", "size_mb"}
    if len(rows) < 3 or not all(isinstance(r, dict) and keys <= set(r) for r in rows):
        raise CheckFailed(f"my_rows should hold at least three dicts with the keys {sorted(keys)}.")
    if not all(r["median_ms"] > 0 and 0 <= r["accuracy_pct"] <= 100 and r["size_mb"] > 0 for r in rows):
        raise CheckFailed("every row needs a positive median_ms and size_mb and an accuracy in percent.")
    fp32 = need(ns, "fp32_acc", float)
    fitting = [r for r in rows if fp32 - r["accuracy_pct"] <= 0.5 + 1e-9]
    want = min(fitting, key=lambda r: (r["median_ms"], r["size_mb"])) if fitting else None
    if choice != want:
        picked = choice.get("name") if isinstance(choice, dict) else choice
        raise CheckFailed(f"my_choice is {picked!r}, but the fastest of my_rows within half a point of FP32 "
                          f"({fp32:.2f}%) is {want['name'] if want else None!r}: set my_choice = pick_config(my_rows, fp32_acc, 0.5).")


# ---------------------------------------------------------------- section 6: how many calibration images?

@check("quantize_with(n_images, path) calibrates like section 2 on the first n_images train images", points=2)
def quantize_with_ok(ns):
    fn = need(ns, "quantize_with", is_callable=True)
    what = f"quantize_with({HIDDEN_COUNT}, path)"
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "hidden.onnx"
        got = call(fn, HIDDEN_COUNT, target)
        if not isinstance(got, (str, Path)) or Path(got).resolve() != target.resolve() or not target.is_file():
            raise CheckFailed(f"{what} returned {got!r:.80}; write the model to the path you are given and return "
                              "that path.")
        params = _read(target, what)
    verify_calibration(params, HIDDEN_COUNT, what)
    verify_settings(params, what)


@check(f"calibration_sweep: max_logit_error on the test split after {', '.join(map(str, SWEEP))} images", points=2)
def sweep_ok(ns):
    prediction = need(ns, "my_prediction")
    if prediction not in PREDICTIONS:
        raise CheckFailed(f"my_prediction is {prediction!r:.60}; before you measure, set it to one of "
                          f"{', '.join(map(repr, PREDICTIONS))} (any of them: it is your prediction, not graded).")
    sweep = need(ns, "calibration_sweep", dict)
    if set(sweep) != set(SWEEP):
        raise CheckFailed(f"calibration_sweep should have the keys {list(SWEEP)} (numbers of calibration images), "
                          f"not {sorted(sweep, key=str)}.")
    for count in SWEEP:
        row = sweep[count]
        value = row.get("max_logit_error") if isinstance(row, dict) else None
        if not isinstance(value, (int, float, np.floating)) or isinstance(value, bool):
            raise CheckFailed(f"calibration_sweep[{count}] should be compare_variant's dict for the model calibrated "
                              f"on {count} images, with a number under 'max_logit_error'.")
        first = not ns["vnni"] if isinstance(ns.get("vnni"), bool) else False   # the notebook's reduce_range
        wants = [reference_error(count, first)]
        if not math.isclose(float(value), wants[0], rel_tol=1e-3):
            wants.append(reference_error(count, not first))
            if not math.isclose(float(value), wants[1], rel_tol=1e-3):
                raise CheckFailed(f"calibration_sweep[{count}]['max_logit_error'] is {float(value):.4g}, but the "
                                  f"model calibrated on train.x[:{count}] differs from FP32 by up to {wants[0]:.4g} on "
                                  "the test split: quantize with quantize_with(n, path) and compare on the test feeds.")


@check("sweep_answer says why fewer calibration images give a larger max_logit_error", points=2)
def sweep_answer_ok(ns):
    answer = need(ns, "sweep_answer")
    letter = answer.strip().lower().strip("()") if isinstance(answer, str) else None
    if letter not in SWEEP_OPTIONS:
        raise CheckFailed(f"sweep_answer should be one letter of {', '.join(SWEEP_OPTIONS)}, not {answer!r:.40}.")
    if letter != SWEEP_ANSWER:
        raise CheckFailed(f"({letter}) does not explain it: {WHY_NOT[letter]} Compare the largest logit the 4-image "
                          "model's last QuantizeLinear can output with fp32_logits.max().")


CHECKS = [reader_ok, reader_quantizes, int8_model_ok, int8_calibration_ok, int8_settings_ok, compare_ok, pick_ok,
          pick_edge_ok, rows_ok, quantize_with_ok, sweep_ok, sweep_answer_ok]
