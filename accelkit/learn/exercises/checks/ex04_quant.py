"""Checks for exercises/04-quantize-and-verify.ipynb (notebook 04's material)."""
from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from ..checking import CheckFailed, call, check, need

EXERCISE = "04-quantize-and-verify"
MAX_ITEMS = 1000  # a reader that never returns None is stopped here


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
    from ....models.files import onnx_path, op_histogram
    from ....quant import digits_accuracy

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
    drop = digits_accuracy(onnx_path("digits_cnn")) - digits_accuracy(path)
    if drop > 1.0:
        raise CheckFailed(f"your INT8 model lost {drop:.1f} accuracy points on ONNX Runtime. Without VNNI, per-channel "
                          "U8S8 saturates ORT's 16-bit sums: pass reduce_range=not vnni (notebook 04, section 5).")


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


CHECKS = [reader_ok, reader_quantizes, int8_model_ok, compare_ok, pick_ok, rows_ok]
