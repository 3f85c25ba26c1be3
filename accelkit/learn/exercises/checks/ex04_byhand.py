"""Checks for exercises/04-quantize-by-hand.ipynb: INT8 quantization arithmetic written in numpy.

The references come from ONNX Runtime itself where its CPU kernels are exact on every CPU: QuantizeLinear
and DequantizeLinear run from one-node ONNX graphs built here (opset 21, CPU EP), and ORT's quantizer gives
scale and zero point (``onnxruntime.quantization.quant_utils.compute_scale_zp``). MatMulInteger and
QLinearMatMul are not exact everywhere: on x86 without VNNI, ORT's uint8 x int8 kernel
(``MlasGemmU8S8KernelAvx2``) adds each pair of products with ``vpmaddubsw`` into a saturating int16, so a
pair beyond 32,767 in magnitude is clipped. Their references are therefore the operators' definitions,
computed exactly in numpy, with ORT's own requantization; tests/test_ex04_byhand.py shows that they equal
ORT's output wherever its kernel is exact (uint8 x uint8, pairs that fit int16, any input with VNNI).
Every check calls the learner's functions on hidden data: its own seeds, shapes and ranges, with ties at
.5, values beyond the type's range, ranges of only zeros, ranges that exclude 0, and long dot products.
Where ORT has no operator (the integer-only requantization, the accumulator bounds, SQNR, the padding
error), the references are the functions below; the integer-only one is exact, in Python integers.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..checking import CheckFailed, call, check, need

EXERCISE = "04-quantize-by-hand"
OPSET = 21              # QuantizeLinear/DequantizeLinear-21; runs in the pinned onnx and ONNX Runtime 1.32
TIE = 1e-4              # |x / scale - (k + 0.5)| below this is a tie that float rounding may send either way


# ---------------------------------------------------------------- ONNX Runtime as the reference

def _onnx_type(dtype: Any) -> int:
    from onnx import TensorProto

    return {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.uint8): TensorProto.UINT8,
            np.dtype(np.int8): TensorProto.INT8, np.dtype(np.int32): TensorProto.INT32}[np.dtype(dtype)]


def run_op(op: str, inputs: list[Any], out_dtype: Any, **attributes: Any) -> np.ndarray:
    """Run one ONNX operator in ONNX Runtime (CPU EP, one thread); every input is a graph input."""
    import onnxruntime as ort
    from onnx import helper

    arrays = [np.asarray(a) for a in inputs]
    names = [f"in{i}" for i in range(len(arrays))]
    graph = helper.make_graph(
        [helper.make_node(op, names, ["out"], **attributes)], op.lower(),
        [helper.make_tensor_value_info(n, _onnx_type(a.dtype), list(a.shape)) for n, a in zip(names, arrays)],
        [helper.make_tensor_value_info("out", _onnx_type(out_dtype), None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 10                                   # opset 21 needs IR 10; ORT 1.32 reads it
    options = ort.SessionOptions()
    options.intra_op_num_threads, options.log_severity_level = 1, 3
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return session.run(None, dict(zip(names, arrays)))[0]


def ort_scale_zero_point(x_min: float, x_max: float, dtype: Any) -> tuple[np.float32, int]:
    """ORT's quantizer: asymmetric for uint8 (activations), symmetric over [-127, 127] for int8 (weights)."""
    from onnx import TensorProto
    from onnxruntime.quantization.quant_utils import compute_scale_zp, get_qmin_qmax_for_qType

    symmetric = np.dtype(dtype) == np.int8
    qtype = TensorProto.INT8 if symmetric else TensorProto.UINT8
    qmin, qmax = get_qmin_qmax_for_qType(qtype, symmetric=symmetric)
    zero_point, scale = compute_scale_zp(np.array(x_min, np.float32), np.array(x_max, np.float32), qmin, qmax,
                                         symmetric=symmetric)
    return np.float32(scale), int(zero_point)


def ort_quantize(x: np.ndarray, scale: Any, zero_point: Any, axis: int | None = None) -> np.ndarray:
    """QuantizeLinear; the zero point's dtype gives the output type (per-axis when ``axis`` is set)."""
    extra = {} if axis is None else {"axis": axis}
    zp = np.asarray(zero_point)
    return run_op("QuantizeLinear", [np.asarray(x, np.float32), np.asarray(scale, np.float32), zp], zp.dtype, **extra)


def ort_dequantize(q: np.ndarray, scale: Any, zero_point: Any, axis: int | None = None) -> np.ndarray:
    extra = {} if axis is None else {"axis": axis}
    return run_op("DequantizeLinear", [q, np.asarray(scale, np.float32), np.asarray(zero_point, q.dtype)], np.float32,
                  **extra)


def ort_matmul_integer(a_q, a_zp, b_q, b_zp) -> np.ndarray:
    """ORT's MatMulInteger, for the tests: exact for uint8 x uint8 and with VNNI, not for uint8 x int8 without it."""
    return run_op("MatMulInteger", [a_q, b_q, np.asarray(a_zp, a_q.dtype), np.asarray(b_zp, b_q.dtype)], np.int32)


def ort_qlinear_matmul(a_q, a_scale, a_zp, b_q, b_scale, b_zp, y_scale, y_zp) -> np.ndarray:
    f32 = lambda s: np.asarray(s, np.float32)
    return run_op("QLinearMatMul", [a_q, f32(a_scale), np.asarray(a_zp, a_q.dtype), b_q, f32(b_scale),
                                    np.asarray(b_zp, b_q.dtype), f32(y_scale), np.asarray(y_zp, np.uint8)], np.uint8)


# ---------------------------------------------------------------- exact references where ORT's kernel is not exact

def ref_matmul_integer(a_q: np.ndarray, a_zp: Any, b_q: np.ndarray, b_zp: Any) -> np.ndarray:
    """MatMulInteger as ONNX defines it: (A - a_zero_point) @ (B - b_zero_point), summed exactly in int64 and
    returned as int32 (every check's sums fit: K = 4096 reaches 1.4e8 of int32's 2.1e9)."""
    acc = (np.asarray(a_q).astype(np.int64) - int(a_zp)) @ (np.asarray(b_q).astype(np.int64) - int(b_zp))
    return acc.astype(np.int32)


def ref_qlinear_matmul(a_q, a_scale, a_zp, b_q, b_scale, b_zp, y_scale, y_zp) -> np.ndarray:
    """QLinearMatMul as ORT's CPU kernel requantizes, from the exact accumulator: M in float32, acc * M in float32,
    rounded half to even, plus the zero point, saturated to uint8."""
    acc = ref_matmul_integer(a_q, a_zp, b_q, b_zp)
    multiplier = np.float32(a_scale) * np.float32(b_scale) / np.float32(y_scale)
    return np.clip(np.rint(acc.astype(np.float32) * multiplier) + int(y_zp), 0, 255).astype(np.uint8)


# ---------------------------------------------------------------- the check's own references (no ORT operator)

def ref_fixed_point(multiplier: float) -> tuple[int, int]:
    """(m, n) with 2**30 <= m < 2**31 and m = round(M * 2**n): M = m * 2**-n to 31 bits."""
    fraction, exponent = math.frexp(multiplier)        # 0.5 <= fraction < 1
    m, n = round(fraction * 2**31), 31 - exponent       # fraction * 2**31 is exact in float64
    return (2**30, n - 1) if m == 2**31 else (m, n)


def ref_requantize_fixed(acc: np.ndarray, m: int, n: int, y_zp: int) -> np.ndarray:
    """Python integers, no overflow: (acc * m + 2**(n-1)) >> n, plus the zero point, saturated to uint8."""
    out = [min(255, max(0, ((int(a) * m + (1 << (n - 1))) >> n) + int(y_zp))) for a in np.ravel(acc)]
    return np.array(out, np.uint8).reshape(np.shape(acc))


def max_abs_accumulator(k: int, w_max: int = 128) -> int:
    """The largest |sum of K products a * w| with a in [0, 255] and |w| <= w_max: int8 reaches -128, so 255 * 128."""
    return k * 255 * w_max


def first_overflow_k(acc_bits: int, w_max: int = 128) -> int:
    return (2 ** (acc_bits - 1) - 1) // (255 * w_max) + 1


def ref_fake_quantize(w: np.ndarray, per_channel: bool) -> np.ndarray:
    """Symmetric int8 quantize then dequantize with ORT's operators: one scale, or one per row (axis 0)."""
    if not per_channel:
        scale, zp = ort_scale_zero_point(w.min(), w.max(), np.int8)
        return ort_dequantize(ort_quantize(w, scale, np.int8(zp)), scale, np.int8(zp))
    scales = np.array([ort_scale_zero_point(r.min(), r.max(), np.int8)[0] for r in w], np.float32)
    zps = np.zeros(len(w), np.int8)
    return ort_dequantize(ort_quantize(w, scales, zps, axis=0), scales, zps, axis=0)


def ref_sqnr_db(x: np.ndarray, x_hat: np.ndarray) -> float:
    x64 = np.asarray(x, np.float64)
    return float(10 * np.log10(np.sum(x64**2) / np.sum((x64 - np.asarray(x_hat, np.float64)) ** 2)))


def ref_padding_error(x_min: float, x_max: float) -> float:
    """What the stored padding stands for if the zero point were the real z = -x_min / s: s * (round(z) - z)."""
    lo, hi = min(float(np.float32(x_min)), 0.0), max(float(np.float32(x_max)), 0.0)
    scale = (hi - lo) / 255
    if scale == 0:
        return 0.0
    z = -lo / scale
    return scale * (float(np.round(z)) - z)


# ---------------------------------------------------------------- reading the learner's answers

def _kind(value: Any) -> str:
    return f"a numpy array of {value.dtype}" if isinstance(value, np.ndarray) else f"a {type(value).__name__}"


def _call(fn: Callable, shown: str, *args: Any) -> Any:
    """Call the learner's function; its exceptions become one sentence naming ``shown``."""
    return call(fn, *args, shown=shown)


def _real(value: Any, what: str) -> float:
    if isinstance(value, (bool, np.bool_)) or np.ndim(value) != 0 or not np.issubdtype(np.asarray(value).dtype, np.number):
        raise CheckFailed(f"{what} should be a number, not {_kind(value)}.")
    return float(value)


def _whole(value: Any, what: str) -> int:
    number = _real(value, what)
    if not math.isfinite(number) or number != int(number):
        raise CheckFailed(f"{what} is {value!r}, not a whole number.")
    return int(number)


def _array(value: Any, shown: str, shape: tuple[int, ...], dtype: Any = None, floating: bool = False,
           shape_is: str = "the shape of its input") -> np.ndarray:
    if not isinstance(value, np.ndarray):
        raise CheckFailed(f"`{shown}` should return a numpy array, not {_kind(value)}.")
    if value.shape != shape:
        raise CheckFailed(f"`{shown}` returned shape {value.shape}; expected {shape}, {shape_is}.")
    if dtype is not None and value.dtype != np.dtype(dtype):
        raise CheckFailed(f"`{shown}` returned {value.dtype} values; it should return {np.dtype(dtype).name}, as the "
                          "ONNX operator does (convert with .astype once the values are in range).")
    if floating and not np.issubdtype(value.dtype, np.floating):
        raise CheckFailed(f"`{shown}` returned {value.dtype} values; it should return floats (float32).")
    return value


def _off_ties(got: np.ndarray, want: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Indices where ``got`` differs from ``want``, forgiving 1 LSB where ``t`` (the value before rounding) is so
    close to a tie that float rounding may send it either way (a float64 quotient where ORT uses float32)."""
    diff = np.abs(got.astype(np.int64) - want.astype(np.int64))
    return np.argwhere((diff > 1) | ((diff == 1) & ~_near_tie(t)))


def _near_tie(t: np.ndarray) -> np.ndarray:
    """Where ``t`` is within TIE of k + 0.5 but not on it: an exact tie (the checks' own cases) must round to even."""
    off = np.abs(np.abs(t - np.floor(t)) - 0.5)
    return (off < TIE) & (off > 0)


def _np(dtype: Any) -> str:
    return f"np.{np.dtype(dtype).name}"


# ---------------------------------------------------------------- 1 · scale and zero point

UINT8_RANGES = [  # (x_min, x_max, hint when wrong); every value is exact in float32
    (-0.8125, 2.3125, "scale = (x_max - x_min) / 255 and zero point = round(-x_min / scale)"),
    (-4.5, 0.28125, "scale = (x_max - x_min) / 255 and zero point = round(-x_min / scale)"),
    (0.5, 3.0, "x_min > 0, so widen the range to include 0 first (x_min = min(x_min, 0)), or 0.0 is not representable"),
    (-3.0, -0.5, "x_max < 0, so widen the range to include 0 first (x_max = max(x_max, 0)), or 0.0 is not representable"),
    (0.0, 0.0, "a range of only zeros gives scale 1.0 and zero point 0, as ORT's quantizer does, not a division by zero"),
    (-31.625, 32.125, "-x_min / scale is 126.5 here: the zero point rounds half to even (round() or np.round), to 126"),
    (-0.0390625, 6.0, "scale = (x_max - x_min) / 255 and zero point = round(-x_min / scale)"),
]
INT8_RANGES = [
    (-0.8125, 2.3125, "symmetric int8 uses [-127, 127]: scale = max(|x_min|, |x_max|) / 127 and zero point 0"),
    (-4.5, 0.28125, "symmetric int8 uses [-127, 127]: scale = max(|x_min|, |x_max|) / 127 and zero point 0"),
    (0.5, 3.0, "symmetric int8 uses [-127, 127]: scale = max(|x_min|, |x_max|) / 127 and zero point 0"),
    (0.0, 0.0, "a range of only zeros gives scale 1.0 and zero point 0, as ORT's quantizer does, not a division by zero"),
    (-2.5, 2.5, "symmetric int8 uses [-127, 127]: scale = max(|x_min|, |x_max|) / 127 and zero point 0"),
]


def _scale_zp_ok(ns: dict[str, Any], dtype: Any, ranges: list[tuple[float, float, str]]) -> None:
    fn = need(ns, "scale_zero_point", is_callable=True)
    for x_min, x_max, hint in ranges:
        shown = f"scale_zero_point({x_min}, {x_max}, {_np(dtype)})"
        got = _call(fn, shown, x_min, x_max, dtype)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise CheckFailed(f"`{shown}` should return a tuple (scale, zero_point), not {_kind(got)}.")
        scale = _real(got[0], f"the scale from `{shown}`")
        zero_point = _real(got[1], f"the zero point from `{shown}`")
        if math.isfinite(zero_point) and zero_point != int(zero_point):
            raise CheckFailed(f"`{shown}` gives the zero point {zero_point:g}, which is not an integer: round it, so "
                              "that 0.0 is exactly representable.")
        want_scale, want_zp = ort_scale_zero_point(x_min, x_max, dtype)
        if not (math.isclose(scale, float(want_scale), rel_tol=1e-6) and zero_point == want_zp):
            raise CheckFailed(f"`{shown}` gives scale {scale:.7g} and zero point {zero_point:g}, but ORT's quantizer "
                              f"gives {float(want_scale):.7g} and {want_zp}: {hint}.")


@check("scale_zero_point for uint8 matches ORT's quantizer (range widened to 0, zeros only, ties)", points=1)
def scale_zp_uint8_ok(ns):
    _scale_zp_ok(ns, np.uint8, UINT8_RANGES)


@check("scale_zero_point for int8 is symmetric over [-127, 127], as ORT's quantizer", points=1)
def scale_zp_int8_ok(ns):
    _scale_zp_ok(ns, np.int8, INT8_RANGES)


# ---------------------------------------------------------------- 2 · quantize and dequantize

def _quantize_cases() -> list[tuple[str, np.ndarray, np.float32, Any]]:
    """(what, x, scale, zero point): exact ties, values beyond the range, then random values."""
    ties = np.array([0.25, 0.75, 1.25, 2.25, -0.25, -0.75, -1.25, -2.25], np.float32)   # / 0.5 = ±0.5, 1.5, 2.5, 4.5
    beyond = np.array([-1000.0, -70.0, -64.5, 63.0, 64.0, 127.75, 1e6, -1e6], np.float32)
    half = np.float32(0.5)
    cases = [("x / scale exactly halfway between two integers", ties, half, np.uint8(100)),
             ("x / scale exactly halfway between two integers", ties, half, np.int8(0)),
             ("x / scale exactly halfway between two integers", ties, half, np.int8(-3)),
             ("values beyond the type's range", beyond, half, np.uint8(10)),
             ("values beyond the type's range", beyond, half, np.int8(5))]
    rng = np.random.default_rng(40421)
    for zero_point in (np.uint8(rng.integers(90, 170)), np.int8(rng.integers(-20, 21))):
        spread = rng.uniform(0.5, 4.0)
        x = (rng.standard_normal(4000) * spread).astype(np.float32)
        cases.append(("random values", x, np.float32(spread / 40), zero_point))
    return cases


def _hint(t: float, want: int, dtype: Any) -> str:
    lo, hi = np.iinfo(dtype).min, np.iinfo(dtype).max
    if want in (lo, hi) and not lo < round(t) < hi:
        return f"results beyond the type's range saturate to [{lo}, {hi}] (np.clip before .astype, which wraps around)"
    if abs(abs(t - math.floor(t)) - 0.5) < TIE:
        return "ties round to the even integer (np.rint or np.round), not up, down or away from zero"
    return "y = saturate(round(x / scale) + zero_point)"


@check("quantize matches ORT's QuantizeLinear (ties to even, saturation)", points=2)
def quantize_ok(ns):
    fn = need(ns, "quantize", is_callable=True)
    for what, x, scale, zero_point in _quantize_cases():
        dtype = zero_point.dtype.type
        shown = f"quantize(x, {float(scale):g}, {int(zero_point)}, {_np(dtype)})"
        got = _array(_call(fn, shown, x.copy(), scale, zero_point, dtype), shown, x.shape, dtype)
        want = ort_quantize(x, scale, zero_point)
        t = x.astype(np.float64) / float(scale)
        bad = _off_ties(got, want, t + int(zero_point))
        if len(bad):
            i = int(bad[0][0])
            raise CheckFailed(f"`{shown}` on {what} gives {got[i]} for x = {float(x[i]):g} (x / scale = {t[i]:g}), but "
                              f"QuantizeLinear gives {want[i]}: {_hint(t[i] + int(zero_point), int(want[i]), dtype)}.")


@check("dequantize matches ORT's DequantizeLinear", points=1)
def dequantize_ok(ns):
    fn = need(ns, "dequantize", is_callable=True)
    cases = [(np.arange(256).astype(np.uint8), np.float32(0.0123), np.uint8(200)),
             (np.arange(-128, 128).astype(np.int8), np.float32(0.0478), np.int8(-7)),
             (np.random.default_rng(40422).integers(0, 256, (6, 7)).astype(np.uint8), np.float32(3.5e-3), np.uint8(0))]
    for q, scale, zero_point in cases:
        shown = f"dequantize(q, {float(scale):g}, {int(zero_point)})"
        got = _array(_call(fn, shown, q.copy(), scale, zero_point), shown, q.shape, floating=True)
        want = ort_dequantize(q, scale, zero_point)
        bad = np.argwhere(~np.isclose(got.astype(np.float32), want, rtol=1e-6, atol=0))
        if len(bad):
            i = tuple(bad[0])
            hint = (" (q - zero_point in uint8 wraps around: convert q to int32 first)" if q.dtype == np.uint8
                    and int(q[i]) < int(zero_point) else "")
            raise CheckFailed(f"`{shown}` gives {float(got[i]):.6g} for q = {int(q[i])}, but DequantizeLinear gives "
                              f"{float(want[i]):.6g} = (q - zero_point) * scale{hint}.")


# ---------------------------------------------------------------- 3 · integer matmul and requantization

def _matmul_cases() -> list[tuple[str, np.ndarray, Any, np.ndarray, Any]]:
    """(what, a_q, a_zp, b_q, b_zp) for MatMulInteger: random, uint8 x uint8, and K = 4096 with large sums."""
    rng = np.random.default_rng(40431)

    def u8(shape: tuple[int, int], lo: int = 0, hi: int = 256) -> np.ndarray:
        return np.asarray(rng.integers(lo, hi, shape)).astype(np.uint8)

    def s8(shape: tuple[int, int], lo: int = -128, hi: int = 128) -> np.ndarray:
        return np.asarray(rng.integers(lo, hi, shape)).astype(np.int8)

    return [("random 24x96 by 96x20", u8((24, 96)), np.uint8(131), s8((96, 20)), np.int8(-4)),
            ("uint8 by uint8 with b_zp = 128", u8((5, 33)), np.uint8(7), u8((33, 9)), np.uint8(128)),
            ("K = 4096, sums beyond 2**24", u8((6, 4096), 250, 256), np.uint8(2), s8((4096, 5), 120, 128), np.int8(-3)),
            ("K = 4096, every product 255 x -128", np.full((2, 4096), 255, np.uint8), np.uint8(0),
             np.full((4096, 3), -128, np.int8), np.int8(0))]


@check("matmul_integer matches MatMulInteger's definition exactly (int32, zero points, K = 4096)", points=1)
def matmul_integer_ok(ns):
    fn = need(ns, "matmul_integer", is_callable=True)
    for what, a, a_zp, b, b_zp in _matmul_cases():
        shown = f"matmul_integer(a, {int(a_zp)}, b, {int(b_zp)})"
        got = _array(_call(fn, shown, a.copy(), a_zp, b.copy(), b_zp), shown, (a.shape[0], b.shape[1]), np.int32,
                     shape_is="rows of a by columns of b")
        want = ref_matmul_integer(a, a_zp, b, b_zp)
        bad = np.argwhere(got != want)
        if len(bad):
            i, j = (int(v) for v in bad[0])
            raise CheckFailed(f"`{shown}` on {what} gives {got[i, j]} at row {i}, column {j}, but MatMulInteger's "
                              f"definition gives {want[i, j]}: subtract the zero points after converting to int32, and "
                              "accumulate in int32 (an int16 sum wraps, a float32 sum rounds above 2**24).")


def _qlinear_cases() -> list[tuple[str, tuple[Any, ...]]]:
    """(what, (a_q, a_scale, a_zp, b_q, b_scale, b_zp, y_scale, y_zp)), y_scale picked so outputs fill uint8."""
    rng = np.random.default_rng(40432)
    cases = []
    for what, m, k, n, a_zp, b_dtype, b_zp, y_zp in (("random 16x64 by 64x12", 16, 64, 12, 131, np.int8, -4, 128),
                                                      ("uint8 by uint8", 9, 40, 7, 3, np.uint8, 128, 60),
                                                      ("K = 2048", 8, 2048, 8, 128, np.int8, 0, 140)):
        a = rng.integers(0, 256, (m, k)).astype(np.uint8)
        info = np.iinfo(b_dtype)
        b = rng.integers(info.min, int(info.max) + 1, (k, n)).astype(b_dtype)
        a_scale, b_scale = np.float32(rng.uniform(0.005, 0.05)), np.float32(rng.uniform(0.002, 0.02))
        acc = (a.astype(np.int64) - a_zp) @ (b.astype(np.int64) - b_zp)
        y_scale = np.float32(float(a_scale) * float(b_scale) * np.abs(acc).max() / 110)   # a few outputs saturate
        cases.append((what, (a, a_scale, np.uint8(a_zp), b, b_scale, b_dtype(b_zp), y_scale, np.uint8(y_zp))))
    return cases


@check("qlinear_matmul matches QLinearMatMul: ORT's requantization of the exact accumulator", points=2)
def qlinear_matmul_ok(ns):
    fn = need(ns, "qlinear_matmul", is_callable=True)
    for what, args in _qlinear_cases():
        a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp = args
        shown = "qlinear_matmul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp)"
        got = _array(_call(fn, shown, a.copy(), a_scale, a_zp, b.copy(), b_scale, b_zp, y_scale, y_zp), shown,
                     (a.shape[0], b.shape[1]), np.uint8, shape_is="rows of a by columns of b")
        want = ref_qlinear_matmul(*args)
        acc = ref_matmul_integer(a, a_zp, b, b_zp).astype(np.int64)
        t = acc * (float(a_scale) * float(b_scale) / float(y_scale)) + int(y_zp)
        bad = _off_ties(got, want, t)
        if len(bad):
            i, j = (int(v) for v in bad[0])
            raise CheckFailed(f"`qlinear_matmul` on a {what} product gives {got[i, j]} at row {i}, column {j}, but "
                              f"QLinearMatMul's definition gives {want[i, j]}: y = saturate(round(acc * M) + y_zp) "
                              "with acc the int32 accumulator and M = a_scale * b_scale / y_scale.")
    if not _uses_matmul_integer(fn, _qlinear_cases()[0][1]):
        raise CheckFailed("`qlinear_matmul` gives the right numbers without calling your `matmul_integer`: compute its "
                          "accumulator with integers, as an INT8 kernel does, not from dequantized floats.")


def _uses_matmul_integer(fn, args: tuple[Any, ...]) -> bool:
    """Whether ``fn`` calls the ``matmul_integer`` of its own module (the notebook): a float matmul of dequantized
    inputs gives the same uint8 outputs, so only the route tells them apart. A function without globals passes."""
    scope = getattr(fn, "__globals__", None)
    inner = scope.get("matmul_integer") if isinstance(scope, dict) else None
    if scope is None or not callable(inner):
        return True
    calls = []

    def counted(*inputs: Any, **options: Any) -> Any:
        calls.append(1)
        return inner(*inputs, **options)

    scope["matmul_integer"] = counted
    try:
        _call(fn, "qlinear_matmul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp)", *args)
    finally:
        scope["matmul_integer"] = inner
    return bool(calls)


# ---------------------------------------------------------------- 4 · fixed-point requantization

FIXED_POINT_M = [0.25, 1 - 2**-33, 0.7071067811865476, 2**-20, 1.2345e-5, 0.0036201216, 0.99999999, 0.5 + 2**-40]


def _fixed_point(ns: dict[str, Any]) -> None:
    fn = need(ns, "fixed_point_multiplier", is_callable=True)
    for real in FIXED_POINT_M:
        shown = f"fixed_point_multiplier({real!r})"
        got = _call(fn, shown, real)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise CheckFailed(f"`{shown}` should return a tuple (multiplier, shift), not {_kind(got)}.")
        m, n = _whole(got[0], f"the multiplier from `{shown}`"), _whole(got[1], f"the shift from `{shown}`")
        want = ref_fixed_point(real)
        if (m, n) == want:
            continue
        if not 2**30 <= m < 2**31:
            raise CheckFailed(f"`{shown}` gives the multiplier {m}, outside [2**30, 2**31): normalise it to 31 bits "
                              "(when rounding gives 2**31, halve it and shift one bit less).")
        raise CheckFailed(f"`{shown}` gives ({m}, {n}), so M ≈ {m * 2.0**-n:.10g}; expected {want}: the multiplier is "
                          "round(M * 2**shift), with the shift that puts it in [2**30, 2**31).")


def _requantize_cases() -> list[tuple[str, np.ndarray, float, int]]:
    rng = np.random.default_rng(40441)
    ties = np.array([128, 384, 640, -128, -384, -640, 0, 25728, -25472, 896], np.int32)   # acc / 256 = k + 0.5
    return [("accumulators exactly halfway (M = 2**-8)", ties, 2.0**-8, 100),
            ("random accumulators", rng.integers(-5_000_000, 5_000_000, 500).astype(np.int32),
             float(np.float32(0.0123) * np.float32(0.0031) / np.float32(1.7)), 128),
            ("accumulators near the int32 limits", rng.integers(-2**31, 2**31, 200, dtype=np.int64).astype(np.int32),
             float(np.float32(8.3e-8)), 27)]


def _requantize_fixed(ns: dict[str, Any]) -> None:
    fn = need(ns, "requantize_fixed", is_callable=True)
    for what, acc, real, y_zp in _requantize_cases():
        m, n = ref_fixed_point(real)
        shown = f"requantize_fixed(acc, {m}, {n}, {y_zp})"
        got = _array(_call(fn, shown, acc.copy(), m, n, np.uint8(y_zp)), shown, acc.shape, np.uint8)
        want = ref_requantize_fixed(acc, m, n, y_zp)
        bad = np.argwhere(got != want)
        if len(bad):
            i = int(bad[0][0])
            raise CheckFailed(f"`{shown}` on {what} gives {got[i]} for acc = {int(acc[i])}, but "
                              f"(acc * {m} + 2**{n - 1}) >> {n}, plus {y_zp} and saturated, is {want[i]}: compute in int64 "
                              "(acc * multiplier overflows int32) and round by adding 2**(shift - 1) before shifting.")
    what, (a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp) = _qlinear_cases()[0]
    acc = ref_matmul_integer(a, a_zp, b, b_zp)
    m, n = ref_fixed_point(float(a_scale * b_scale / y_scale))
    got = np.asarray(_call(fn, f"requantize_fixed(acc, {m}, {n}, {int(y_zp)})", acc.copy(), m, n, y_zp))
    want = ref_qlinear_matmul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp)
    if got.shape != want.shape or np.abs(got.astype(np.int64) - want).max() > 1:
        raise CheckFailed(f"`requantize_fixed` on the accumulators of a {what} product is more than 1 LSB from "
                          "QLinearMatMul's float requantization.")


# ---------------------------------------------------------------- 5 · how large can the accumulator get?

def _max_acc(ns: dict[str, Any]) -> None:
    fn = need(ns, "max_abs_accumulator", is_callable=True)
    for k, w_max in ((1, 128), (3, 128), (1000, 128), (65794, 128), (64, 64), (5, 127)):
        shown = f"max_abs_accumulator({k}, w_max={w_max})"
        got = _whole(_call(fn, shown, k, w_max), f"`{shown}`")
        want = max_abs_accumulator(k, w_max)
        if got != want:
            hint = (": the product largest in magnitude is 255 x -128, since int8 reaches -128 but only +127"
                    if w_max == 128 and got == k * 255 * 127 else f": a goes up to 255 and |w| up to {w_max}")
            raise CheckFailed(f"`{shown}` is {got}, but the worst case is {want}{hint}.")


def _first_overflow(ns: dict[str, Any]) -> None:
    fn = need(ns, "first_overflow_k", is_callable=True)
    for acc_bits, w_max in ((16, 128), (32, 128), (16, 64), (24, 128), (32, 64), (32, 127)):
        shown = f"first_overflow_k({acc_bits}, w_max={w_max})"
        got = _whole(_call(fn, shown, acc_bits, w_max), f"`{shown}`")
        want = first_overflow_k(acc_bits, w_max)
        if got != want:
            limit = 2 ** (acc_bits - 1) - 1
            hint = ("the first K that overflows, one more than the largest K that fits" if got == want - 1 else
                    f"the smallest K with K * {255 * w_max} > {limit}, the int{acc_bits} maximum")
            raise CheckFailed(f"`{shown}` is {got}, but the worst case fits in int{acc_bits} with K = {want - 1} and "
                              f"not with K = {want}: return {hint}.")


# ---------------------------------------------------------------- 6 · one outlier: per-tensor vs per-channel

def outlier_weights(seed: int = 40461) -> np.ndarray:
    """Hidden weights: 12 channels (rows) of 40, one negative outlier, and one channel of only zeros."""
    w = np.random.default_rng(seed).normal(0.0, 0.03, (12, 40)).astype(np.float32)
    w[7, 3], w[4] = -1.5, 0.0
    return w


def _fake_quantize(ns: dict[str, Any]) -> None:
    fn = need(ns, "fake_quantize", is_callable=True)
    w = outlier_weights()
    for per_channel in (False, True):
        shown = f"fake_quantize(w, per_channel={per_channel})"
        got = _array(_call(fn, shown, w.copy(), per_channel), shown, w.shape, floating=True)
        if not np.isfinite(got).all():
            row = int(np.argwhere(~np.isfinite(got))[0][0])
            raise CheckFailed(f"`{shown}` gives NaN or inf in row {row}{' (all zeros)' if not w[row].any() else ''}: "
                              "a range of only zeros takes scale 1.0.")
        want = ref_fake_quantize(w, per_channel)
        scales = np.abs(w).max(axis=1 if per_channel else None, keepdims=True) / 127
        t = np.divide(w, scales, out=np.zeros_like(w, dtype=np.float64), where=scales > 0)
        step = np.where(scales > 0, scales, 1.0) * np.ones_like(w)
        bad = np.argwhere((np.abs(got - want) > 1e-4 * step) & ~((np.abs(got - want) < 1.01 * step) & _near_tie(t)))
        if len(bad):
            i, j = (int(v) for v in bad[0])
            kind = "one scale for the whole tensor" if not per_channel else "one scale per row (channel, axis 0)"
            raise CheckFailed(f"`{shown}` gives {float(got[i, j]):.6g} at row {i}, column {j}, but ORT's Q/DQ gives "
                              f"{float(want[i, j]):.6g}: use {kind}, symmetric int8 as in scale_zero_point.")


def _sqnr(ns: dict[str, Any]) -> None:
    fn = need(ns, "sqnr_db", is_callable=True)
    rng = np.random.default_rng(40462)
    for noise in (0.1, 0.003):
        x = rng.normal(0.0, 1.0, 300).astype(np.float32)
        x_hat = (x + rng.normal(0.0, noise, 300)).astype(np.float32)
        got = _real(_call(fn, "sqnr_db(x, x_hat)", x, x_hat), "`sqnr_db(x, x_hat)`")
        want = ref_sqnr_db(x, x_hat)
        if not abs(got - want) < 1e-3:
            raise CheckFailed(f"`sqnr_db(x, x_hat)` gives {got:.4f} dB for noise of std {noise}, but "
                              f"10 * log10(sum(x**2) / sum((x - x_hat)**2)) is {want:.4f} dB.")
    w = need(ns, "w", np.ndarray)
    report = need(ns, "sqnr_report", dict)
    pt, pc = ref_fake_quantize(w, False), ref_fake_quantize(w, True)
    wants = {"per_tensor": ref_sqnr_db(w, pt), "per_channel": ref_sqnr_db(w, pc)}
    for key, want in wants.items():
        if key not in report:
            raise CheckFailed(f"sqnr_report has no {key!r}: give the SQNR of w's {key.replace('_', '-')} quantization.")
        got = _real(report[key], f"sqnr_report[{key!r}]")
        if not abs(got - want) < 0.01:
            raise CheckFailed(f"sqnr_report[{key!r}] is {got:.3f} dB, but the {key.replace('_', '-')} SQNR of w is "
                              f"{want:.3f} dB: sqnr_db(w, fake_quantize(w, per_channel={key == 'per_channel'})).")
    predicted = _real(need(ns, "predicted_gain_db"), "`predicted_gain_db`")
    step_ratio = np.abs(w).max() / np.abs(w[0]).max()
    if not abs(predicted - 20 * math.log10(step_ratio)) < 0.01:
        raise CheckFailed(f"predicted_gain_db is {predicted:.3f}, but row 0's step shrinks {step_ratio:.4g} times with "
                          f"its own scale, and noise power goes with the step squared: 20 * log10 of that is "
                          f"{20 * math.log10(step_ratio):.3f} dB.")
    measured = _real(need(ns, "measured_gain_db"), "`measured_gain_db`")
    want = ref_sqnr_db(w[0], pc[0]) - ref_sqnr_db(w[0], pt[0])
    if not abs(measured - want) < 0.01:
        raise CheckFailed(f"measured_gain_db is {measured:.3f}, but row 0's per-channel SQNR minus its per-tensor SQNR "
                          f"is {want:.3f} dB.")


# ---------------------------------------------------------------- 7 · zero must be exactly representable

def _pad(ns: dict[str, Any]) -> None:
    fn = need(ns, "pad_quantized", is_callable=True)
    rng = np.random.default_rng(40471)
    cases = [(rng.integers(0, 256, 9).astype(np.uint8), np.uint8(77), 2),
             (rng.integers(-128, 128, (3, 5)).astype(np.int8), np.int8(-5), 1),
             (rng.integers(0, 256, (2, 4)).astype(np.uint8), np.uint8(0), 3)]
    for q, zero_point, pad in cases:
        shown = f"pad_quantized(q, {int(zero_point)}, {pad})"
        widths = [(0, 0)] * (q.ndim - 1) + [(pad, pad)]
        want = np.pad(q, widths, constant_values=zero_point)
        got = _array(_call(fn, shown, q.copy(), zero_point, pad), shown, want.shape, q.dtype,
                     shape_is="q padded on its last axis only")
        if not np.array_equal(got, want):
            border = got[..., :pad]
            hint = (f"the padding holds {int(border.flat[0])}, which dequantizes to ({int(border.flat[0])} - "
                    f"{int(zero_point)}) * scale, not 0.0: pad with the zero point"
                    if not np.array_equal(border, want[..., :pad]) else "keep q unchanged between the pads")
            raise CheckFailed(f"`{shown}` on a {q.dtype} array of shape {q.shape}: {hint}.")


def _padding_error(ns: dict[str, Any]) -> None:
    fn = need(ns, "padding_error", is_callable=True)
    for x_min, x_max in ((-1.0, 3.0), (-0.3, 5.1), (0.5, 2.0), (-2.0, -0.25), (-31.625, 32.125), (-6.2, 0.7)):
        shown = f"padding_error({x_min}, {x_max})"
        got = _real(_call(fn, shown, x_min, x_max), f"`{shown}`")
        want = ref_padding_error(x_min, x_max)
        scale = (max(x_max, 0.0) - min(x_min, 0.0)) / 255
        if not abs(got - want) <= 1e-4 * scale + 1e-12:
            hint = ("with x_min > 0 the range widens to [0, x_max], so z = 0 is already an integer" if x_min > 0 else
                    "with x_max < 0 the range widens to [x_min, 0], so z = 255 is already an integer" if x_max < 0 else
                    "the stored zero point round(z) dequantizes to s * (round(z) - z) when z is kept unrounded")
            raise CheckFailed(f"`{shown}` is {got:.6g}, but {want:.6g}: {hint}.")


@check("fixed-point requantization: fixed_point_multiplier, and requantize_fixed with integers only", points=2)
def fixed_point_ok(ns):
    _fixed_point(ns)
    _requantize_fixed(ns)


@check("max_abs_accumulator and first_overflow_k: the accumulator's worst case, and when int16 and int32 overflow",
       points=2)
def accumulator_ok(ns):
    _max_acc(ns)
    _first_overflow(ns)


@check("one outlier: fake_quantize against ORT's Q/DQ, sqnr_db, and your per-tensor vs per-channel numbers",
       points=2)
def outlier_ok(ns):
    _fake_quantize(ns)
    _sqnr(ns)


@check("zero exactly representable: pad_quantized, and padding_error for an unrounded zero point", points=2)
def zero_ok(ns):
    _pad(ns)
    _padding_error(ns)


CHECKS = [scale_zp_uint8_ok, scale_zp_int8_ok, quantize_ok, dequantize_ok, matmul_integer_ok, qlinear_matmul_ok,
          fixed_point_ok, accumulator_ok, outlier_ok, zero_ok]
