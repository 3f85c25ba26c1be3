"""Exercise 04-quantize-by-hand: the hidden checks reward a right answer and every plausible wrong one loses points.

The checks compare with ONNX Runtime's own QuantizeLinear and DequantizeLinear (one-node graphs, a few milliseconds
each), and with MatMulInteger's and QLinearMatMul's definitions computed exactly: ORT's uint8 x int8 kernel saturates
pairs of products to int16 on x86 without VNNI. The tests below measure where ORT equals those references (on every
CPU) and what its kernel computes where it does not. The whole-notebook grading of the solution and of the untouched
exercise is test_grade's parametrized test.
"""
import math
from types import SimpleNamespace

import numpy as np
import pytest
from graded import graded

from accelkit.core.host import host_isa
from accelkit.learn.exercises.build import build_exercise, repo_dir
from accelkit.learn.exercises.checks import ex04_byhand

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")   # some wrong solutions divide by zero on purpose

EXERCISE = "04-quantize-by-hand"
FULL = 16


# ---------------------------------------------------------------- a right submission, written apart from the notebook

def scale_zero_point(x_min, x_max, dtype):
    lo, hi = min(float(x_min), 0.0), max(float(x_max), 0.0)
    if dtype == np.int8:
        bound = max(-lo, hi)
        scale = 2 * bound / 254
        return (np.float32(scale), np.int8(0)) if scale else (np.float32(1.0), np.int8(0))
    scale = (hi - lo) / 255
    if scale == 0:
        return np.float32(1.0), np.uint8(0)
    return np.float32(scale), np.uint8(round(-lo / scale))


def quantize(x, scale, zero_point, dtype):
    info = np.iinfo(dtype)
    return np.clip(np.rint(x / scale) + int(zero_point), info.min, info.max).astype(dtype)


def dequantize(q, scale, zero_point):
    return ((q.astype(np.int32) - int(zero_point)) * scale).astype(np.float32)


def matmul_integer(a_q, a_zp, b_q, b_zp):
    return (a_q.astype(np.int32) - int(a_zp)) @ (b_q.astype(np.int32) - int(b_zp))


def qlinear_matmul(a_q, a_scale, a_zp, b_q, b_scale, b_zp, y_scale, y_zp):
    acc = matmul_integer(a_q, a_zp, b_q, b_zp)
    return quantize(acc * (a_scale * b_scale), y_scale, y_zp, np.uint8)


def fixed_point_multiplier(M):
    shift = 0
    while M * 2**shift < 2**30:
        shift += 1
    multiplier = round(M * 2**shift)
    if multiplier == 2**31:
        multiplier, shift = multiplier // 2, shift - 1
    return multiplier, shift


def requantize_fixed(acc, multiplier, shift, y_zp):
    y = ((acc.astype(np.int64) * multiplier + (1 << (shift - 1))) >> shift) + int(y_zp)
    return np.clip(y, 0, 255).astype(np.uint8)


def max_abs_accumulator(K, w_max=128):
    return K * 255 * w_max


def first_overflow_k(acc_bits, w_max=128):
    return (2 ** (acc_bits - 1) - 1) // max_abs_accumulator(1, w_max) + 1


def fake_quantize(w, per_channel):
    groups = list(w) if per_channel else [w]
    out = []
    for g in groups:
        scale, zp = scale_zero_point(g.min(), g.max(), np.int8)
        out.append(dequantize(quantize(g, scale, zp, np.int8), scale, zp))
    return np.stack(out) if per_channel else out[0]


def sqnr_db(x, x_hat):
    x = np.asarray(x, np.float64)
    return 10 * math.log10(np.sum(x**2) / np.sum((x - x_hat) ** 2))


def pad_quantized(q, zero_point, pad):
    return np.pad(q, [(0, 0)] * (q.ndim - 1) + [(pad, pad)], constant_values=zero_point)


def padding_error(x_min, x_max):
    scale, zp = scale_zero_point(x_min, x_max, np.uint8)
    return float(scale) * (int(zp) + min(x_min, 0.0) / float(scale))


def right_answers() -> dict:
    ns = {name: fn for name, fn in globals().items() if callable(fn) and name in NAMES}
    w = np.random.default_rng(0).normal(0.0, 0.05, (16, 64)).astype(np.float32)
    w[3, 10] = 2.0
    ns["w"] = w
    return add_report(ns)


def add_report(ns: dict) -> dict:
    """Section 6's numbers, computed with the namespace's own functions, as the notebook's cell does."""
    w, fake_quantize, sqnr_db = ns["w"], ns["fake_quantize"], ns["sqnr_db"]
    pt, pc = fake_quantize(w, False), fake_quantize(w, True)
    ns["sqnr_report"] = {"per_tensor": sqnr_db(w, pt), "per_channel": sqnr_db(w, pc)}
    ns["predicted_gain_db"] = 20 * math.log10(np.abs(w).max() / np.abs(w[0]).max())
    ns["measured_gain_db"] = sqnr_db(w[0], pc[0]) - sqnr_db(w[0], pt[0])
    return ns


NAMES = {"scale_zero_point", "quantize", "dequantize", "matmul_integer", "qlinear_matmul", "fixed_point_multiplier",
         "requantize_fixed", "max_abs_accumulator", "first_overflow_k", "fake_quantize", "sqnr_db", "pad_quantized",
         "padding_error"}


R = SimpleNamespace(**{name: globals()[name] for name in NAMES})   # the right functions, for wrong ones to reuse


_graded = graded(EXERCISE, check_seconds=60)
results, lost, named = _graded.results, _graded.lost, _graded.named


SZP_U8, SZP_I8, QUANT, DEQUANT = (named("scale_zero_point for uint8"), named("scale_zero_point for int8"),
                                  named("quantize"), named("dequantize"))
MATMUL, QLINEAR = named("matmul_integer"), named("qlinear_matmul")
# four checks of 2 points hold two functions each (fewer checks: more time for each when a class is graded)
FIXED = REQUANT = named("fixed-point")
MAXACC = OVERFLOW = named("max_abs_accumulator")
FAKEQ = SQNR = named("one outlier")
PAD = PADERR = named("zero exactly")


def test_every_wrong_solution_says_what_is_wrong():
    assert set(SAYS) == {what for what, _, _ in WRONG}


def test_right_answers_score_full_marks():
    got = results(right_answers())
    assert {n: r.message for n, r in got.items() if r.earned < r.points} == {}
    assert sum(r.points for r in got.values()) == FULL == sum(r.earned for r in got.values())


def test_untouched_exercise_scores_zero_with_a_sentence_per_check():
    exercise = build_exercise(repo_dir() / "solutions" / f"{EXERCISE}.ipynb")
    ns: dict = {}
    for source in (c.source for c in exercise.cells if c.cell_type == "code"):
        try:
            exec(source, ns)
        except (NotImplementedError, NameError):   # a placeholder, or a later line needing what it did not define
            pass
    got = results(ns)
    assert sum(r.earned for r in got.values()) == 0
    for r in got.values():
        assert r.message.startswith("`") and ("not written yet" in r.message or "is not defined" in r.message), r
        assert "\n" not in r.message and len(r.message) > 20


def test_the_references_agree_with_ort_and_with_each_other():
    """The check's own formulas (no ORT operator for them) agree with ORT where ORT has one."""
    assert ex04_byhand.ref_fixed_point(0.25) == (2**30, 32)
    assert ex04_byhand.ref_fixed_point(1 - 2**-33) == (2**30, 30)
    assert ex04_byhand.first_overflow_k(16) == 2 and ex04_byhand.first_overflow_k(32) == 65794
    assert ex04_byhand.first_overflow_k(16, 64) == 3         # reduce_range's [-64, 64] weights: a pair fits int16
    assert ex04_byhand.ort_scale_zero_point(-31.625, 32.125, np.uint8) == (np.float32(0.25), 126)
    assert ex04_byhand.ort_scale_zero_point(0.0, 0.0, np.int8) == (np.float32(1.0), 0)
    assert ex04_byhand.ref_padding_error(-1.0, 3.0) == pytest.approx(0.25 * 4 / 255)
    q = ex04_byhand.ort_quantize(np.array([0.25, 0.75, -0.25, 1e6], np.float32), np.float32(0.5), np.uint8(100))
    assert q.tolist() == [100, 102, 100, 255]
    worst = ex04_byhand.ref_matmul_integer(np.full((1, 4096), 255, np.uint8), 0, np.full((4096, 1), -128, np.int8), 0)
    assert worst.dtype == np.int32 and int(worst[0, 0]) == -ex04_byhand.max_abs_accumulator(4096)


# ---------------------------------------------------------------- ORT's integer kernels against the exact references

def pair_saturated_matmul(a_q, a_zp, b_q, b_zp):
    """ORT's uint8 x int8 MatMulInteger on x86 without VNNI (MlasGemmU8S8KernelAvx2): vpmaddubsw adds the raw
    products of k = 2i and 2i + 1 into a saturating int16, vpmaddwd and vpaddd sum those in int32, and the zero
    points enter exactly, through row and column sums. uint8 x uint8 takes an exact kernel."""
    a, b = a_q.astype(np.int64), b_q.astype(np.int64)
    k = a.shape[1]
    if b_q.dtype == np.int8:
        padded_a, padded_b = np.pad(a, ((0, 0), (0, k % 2))), np.pad(b, ((0, k % 2), (0, 0)))
        pairs = padded_a[:, 0::2, None] * padded_b[None, 0::2] + padded_a[:, 1::2, None] * padded_b[None, 1::2]
        raw = np.clip(pairs, -2**15, 2**15 - 1).sum(axis=1)
    else:
        raw = a @ b
    acc = raw - int(a_zp) * b.sum(axis=0) - int(b_zp) * a.sum(axis=1)[:, None] + k * int(a_zp) * int(b_zp)
    return acc.astype(np.int32)


def _no_pair_saturates() -> list[tuple]:
    """(a_q, a_zp, b_q, b_zp) that every ORT kernel computes exactly: uint8 x uint8, and reduce_range's int8 weights
    in [-64, 64], whose pairs reach 2 * 255 * 64 = 32,640 < 32,767 (K = 4096 gives sums beyond 2**24)."""
    rng = np.random.default_rng(7)
    return [(rng.integers(0, 256, (9, 70)).astype(np.uint8), np.uint8(3),
             rng.integers(0, 256, (70, 6)).astype(np.uint8), np.uint8(128)),
            (rng.integers(0, 256, (24, 96)).astype(np.uint8), np.uint8(131),
             rng.integers(-64, 65, (96, 20)).astype(np.int8), np.int8(-4)),
            (np.full((2, 4096), 255, np.uint8), np.uint8(0), np.full((4096, 3), -64, np.int8), np.int8(0))]


def test_exact_references_equal_ort_where_no_pair_saturates():
    """On every CPU: where no pair of products leaves int16, ORT's MatMulInteger is the definition, and its
    QLinearMatMul is ref_qlinear_matmul to the last bit (the same float32 requantization)."""
    for a, a_zp, b, b_zp in _no_pair_saturates():
        want = ex04_byhand.ref_matmul_integer(a, a_zp, b, b_zp)
        assert np.array_equal(ex04_byhand.ort_matmul_integer(a, a_zp, b, b_zp), want)
        assert np.array_equal(pair_saturated_matmul(a, a_zp, b, b_zp), want)
        a_scale, b_scale = np.float32(0.0173), np.float32(0.0041)
        y_scale = np.float32(float(a_scale) * float(b_scale) * np.abs(want.astype(np.int64)).max() / 110)
        args = (a, a_scale, a_zp, b, b_scale, b_zp, y_scale, np.uint8(120))
        assert np.array_equal(ex04_byhand.ort_qlinear_matmul(*args), ex04_byhand.ref_qlinear_matmul(*args))


def test_ort_uint8_by_int8_is_the_definition_with_vnni_and_saturates_pairs_without():
    """The checks' uint8 x int8 cases hold pairs beyond int16, so ORT's result depends on the CPU: the definition with
    VNNI (vpdpbusd sums four products in int32), pair-saturated on x86 without it. Hence the exact references."""
    isa = host_isa()
    vnni = bool(isa["AVX512-VNNI"] or isa["AVX-VNNI"] or isa["AMX"])
    expected = "definition" if vnni else "pair-saturated" if isa["AVX2"] else None    # None: not x86, either may be

    def which(got, exact, saturated) -> str:
        return "definition" if np.array_equal(got, exact) else "pair-saturated" if np.array_equal(got, saturated) \
            else "neither"

    for what, a, a_zp, b, b_zp in [c for c in ex04_byhand._matmul_cases() if c[3].dtype == np.int8]:
        exact, saturated = ex04_byhand.ref_matmul_integer(a, a_zp, b, b_zp), pair_saturated_matmul(a, a_zp, b, b_zp)
        assert not np.array_equal(exact, saturated), what               # the case does reach int16's limits
        kind = which(ex04_byhand.ort_matmul_integer(a, a_zp, b, b_zp), exact, saturated)
        assert (kind == expected) if expected else (kind != "neither"), (what, kind)
    for what, args in [c for c in ex04_byhand._qlinear_cases() if c[1][3].dtype == np.int8]:
        a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp = args
        multiplier = a_scale * b_scale / y_scale                         # float32, as ref_qlinear_matmul
        saturated = np.clip(np.rint(pair_saturated_matmul(a, a_zp, b, b_zp).astype(np.float32) * multiplier)
                            + int(y_zp), 0, 255).astype(np.uint8)
        exact = ex04_byhand.ref_qlinear_matmul(*args)
        assert not np.array_equal(exact, saturated), what
        kind = which(ex04_byhand.ort_qlinear_matmul(*args), exact, saturated)
        assert (kind == expected) if expected else (kind != "neither"), (what, kind)


# ---------------------------------------------------------------- plausible wrong solutions: each loses points

def floor_quantize(x, scale, zero_point, dtype):
    info = np.iinfo(dtype)
    return np.clip(np.floor(x / scale) + int(zero_point), info.min, info.max).astype(dtype)


def half_away_quantize(x, scale, zero_point, dtype):
    info, t = np.iinfo(dtype), x / scale
    return np.clip(np.sign(t) * np.floor(np.abs(t) + 0.5) + int(zero_point), info.min, info.max).astype(dtype)


def half_up_quantize(x, scale, zero_point, dtype):          # int(t + 0.5) style
    info = np.iinfo(dtype)
    return np.clip(np.floor(x / scale + 0.5) + int(zero_point), info.min, info.max).astype(dtype)


def unclipped_quantize(x, scale, zero_point, dtype):
    return (np.rint(x / scale) + int(zero_point)).astype(np.int64).astype(dtype)


def zp_not_rounded(x_min, x_max, dtype):
    scale, zp = R.scale_zero_point(x_min, x_max, dtype)
    return scale, (-min(x_min, 0.0) / float(scale) if dtype == np.uint8 and x_min != x_max else zp)


def not_widened(x_min, x_max, dtype):
    if dtype == np.int8:
        return R.scale_zero_point(x_min, x_max, dtype)
    scale = (x_max - x_min) / 255 or 1.0
    return np.float32(scale), np.uint8(np.clip(round(-x_min / scale), 0, 255))


def scale_over_256(x_min, x_max, dtype):
    scale, zp = R.scale_zero_point(x_min, x_max, dtype)
    if dtype == np.uint8 and x_min != x_max:
        scale = np.float32((max(x_max, 0.0) - min(x_min, 0.0)) / 256)
        zp = np.uint8(round(-min(x_min, 0.0) / float(scale)))
    return scale, zp


def symmetric_128(x_min, x_max, dtype):
    if dtype == np.uint8:
        return R.scale_zero_point(x_min, x_max, dtype)
    bound = max(-min(x_min, 0.0), max(x_max, 0.0))
    return (np.float32(2 * bound / 255) if bound else np.float32(1.0)), np.int8(0)


def zero_range_divides(x_min, x_max, dtype):
    lo, hi = min(x_min, 0.0), max(x_max, 0.0)
    if dtype == np.int8:
        return np.float32(max(-lo, hi) / 127), np.int8(0)
    scale = (hi - lo) / 255
    return np.float32(scale), np.uint8(round(-lo / scale))


def half_away_zero_point(x_min, x_max, dtype):
    scale, zp = R.scale_zero_point(x_min, x_max, dtype)
    if dtype == np.uint8 and x_min != x_max:
        zp = np.uint8(math.floor(-min(x_min, 0.0) / float(scale) + 0.5))
    return scale, zp


def wrapping_dequantize(q, scale, zero_point):
    return ((q - zero_point) * scale).astype(np.float32)     # uint8 - uint8 wraps around


def int16_matmul(a_q, a_zp, b_q, b_zp):
    return ((a_q.astype(np.int16) - int(a_zp)) @ (b_q.astype(np.int16) - int(b_zp))).astype(np.int32)


def float32_matmul(a_q, a_zp, b_q, b_zp):
    return ((a_q.astype(np.float32) - int(a_zp)) @ (b_q.astype(np.float32) - int(b_zp))).astype(np.int32)


def no_zero_point_matmul(a_q, a_zp, b_q, b_zp):
    return a_q.astype(np.int32) @ b_q.astype(np.int32)


def float_no_zero_point_qlinear(a_q, a_scale, a_zp, b_q, b_scale, b_zp, y_scale, y_zp):
    acc = a_q.astype(np.float32) @ b_q.astype(np.float32)
    return np.clip(np.rint(acc * a_scale * b_scale / y_scale) + int(y_zp), 0, 255).astype(np.uint8)


def inverted_qlinear(a_q, a_scale, a_zp, b_q, b_scale, b_zp, y_scale, y_zp):
    acc = R.matmul_integer(a_q, a_zp, b_q, b_zp)
    return np.clip(np.rint(acc * (y_scale / (a_scale * b_scale))) + int(y_zp), 0, 255).astype(np.uint8)


def floor_requant_qlinear(a_q, a_scale, a_zp, b_q, b_scale, b_zp, y_scale, y_zp):
    acc = R.matmul_integer(a_q, a_zp, b_q, b_zp)
    return np.clip(np.floor(acc * (a_scale * b_scale / y_scale)) + int(y_zp), 0, 255).astype(np.uint8)


def dequantized_float_qlinear(a_q, a_scale, a_zp, b_q, b_scale, b_zp, y_scale, y_zp):
    y = dequantize(a_q, a_scale, a_zp) @ dequantize(b_q, b_scale, b_zp)     # right numbers, no integer accumulator
    return quantize(y, y_scale, y_zp, np.uint8)


def unnormalised_fixed_point(M):
    shift = 0
    while M * 2**shift < 2**30:
        shift += 1
    return round(M * 2**shift), shift                         # 2**31 when M rounds up to 1.0


def truncating_fixed_point(M):
    shift = 0
    while M * 2**shift < 2**30:
        shift += 1
    return int(M * 2**shift), shift


def int32_requantize(acc, multiplier, shift, y_zp):
    y = ((acc * multiplier + (1 << (shift - 1))) >> shift) + int(y_zp)   # acc is int32: the product wraps
    return np.clip(y, 0, 255).astype(np.uint8)


def truncating_requantize(acc, multiplier, shift, y_zp):
    return np.clip(((acc.astype(np.int64) * multiplier) >> shift) + int(y_zp), 0, 255).astype(np.uint8)


def float_requantize(acc, multiplier, shift, y_zp):
    return np.clip(np.rint(acc * (multiplier / 2**shift)) + int(y_zp), 0, 255).astype(np.uint8)


def wrong_axis_fake_quantize(w, per_channel):
    return R.fake_quantize(w.T, per_channel).T if per_channel else R.fake_quantize(w, False)


def nan_zero_row_fake_quantize(w, per_channel):
    rows = w if per_channel else w.reshape(1, -1)
    scales = np.abs(rows).max(axis=1, keepdims=True) / 127
    return (np.rint(rows / scales) * scales).reshape(w.shape).astype(np.float32)


WRONG = [  # (what, the names replaced, the checks that must lose points)
    ("np.floor instead of np.rint", {"quantize": floor_quantize}, {QUANT, QLINEAR, FAKEQ}),
    ("ties rounded away from zero", {"quantize": half_away_quantize}, {QUANT}),
    ("ties rounded up (floor(t + 0.5))", {"quantize": half_up_quantize}, {QUANT}),
    ("no saturation: .astype wraps around", {"quantize": unclipped_quantize}, {QUANT, QLINEAR}),
    ("zero point not rounded", {"scale_zero_point": zp_not_rounded}, {SZP_U8}),
    ("range not widened to include 0 (zero point clamped)", {"scale_zero_point": not_widened}, {SZP_U8}),
    ("scale = (max - min) / 256", {"scale_zero_point": scale_over_256}, {SZP_U8}),
    ("symmetric int8 over [-128, 127]", {"scale_zero_point": symmetric_128}, {SZP_I8, FAKEQ, SQNR}),
    ("a range of zeros divides by zero", {"scale_zero_point": zero_range_divides}, {SZP_U8, SZP_I8}),
    ("zero point rounded half up", {"scale_zero_point": half_away_zero_point}, {SZP_U8}),
    ("q - zero_point in uint8", {"dequantize": wrapping_dequantize}, {DEQUANT}),
    ("int16 accumulation", {"matmul_integer": int16_matmul}, {MATMUL, QLINEAR}),
    ("float32 accumulation", {"matmul_integer": float32_matmul}, {MATMUL}),
    ("zero points never subtracted", {"matmul_integer": no_zero_point_matmul}, {MATMUL, QLINEAR}),
    ("pairs saturated to int16, as vpmaddubsw", {"matmul_integer": pair_saturated_matmul}, {MATMUL, QLINEAR}),
    ("float accumulation without zero-point subtraction", {"qlinear_matmul": float_no_zero_point_qlinear}, {QLINEAR}),
    ("requantization with the multiplier inverted", {"qlinear_matmul": inverted_qlinear}, {QLINEAR}),
    ("requantization with floor", {"qlinear_matmul": floor_requant_qlinear}, {QLINEAR}),
    ("float matmul of the dequantized inputs", {"qlinear_matmul": dequantized_float_qlinear}, {QLINEAR}),
    ("multiplier not renormalised at 2**31", {"fixed_point_multiplier": unnormalised_fixed_point}, {FIXED}),
    ("multiplier truncated, not rounded", {"fixed_point_multiplier": truncating_fixed_point}, {FIXED}),
    ("acc * multiplier in int32", {"requantize_fixed": int32_requantize}, {REQUANT}),
    ("shift without the rounding term", {"requantize_fixed": truncating_requantize}, {REQUANT}),
    ("requantized in floats", {"requantize_fixed": float_requantize}, {REQUANT}),
    ("int8's extreme taken as 127", {"max_abs_accumulator": lambda K, w_max=128: K * 255 * min(w_max, 127),
                                      "first_overflow_k": lambda acc_bits, w_max=128:
                                      (2 ** (acc_bits - 1) - 1) // (255 * min(w_max, 127)) + 1}, {MAXACC, OVERFLOW}),
    ("the largest K that fits", {"first_overflow_k": lambda acc_bits, w_max=128: R.first_overflow_k(acc_bits, w_max) - 1},
     {OVERFLOW}),
    ("overflow at 2**bits, not 2**(bits-1) - 1", {"first_overflow_k": lambda acc_bits, w_max=128:
                                                   2**acc_bits // R.max_abs_accumulator(1, w_max) + 1}, {OVERFLOW}),
    ("w_max ignored", {"max_abs_accumulator": lambda K, w_max=128: K * 32640,
                       "first_overflow_k": lambda acc_bits, w_max=128: R.first_overflow_k(acc_bits)}, {MAXACC, OVERFLOW}),
    ("per channel along columns", {"fake_quantize": wrong_axis_fake_quantize}, {FAKEQ}),
    ("a zero channel gives NaN", {"fake_quantize": nan_zero_row_fake_quantize}, {FAKEQ}),
    ("SQNR as 20 log10 of the power ratio", {"sqnr_db": lambda x, x_hat: 2 * R.sqnr_db(x, x_hat)}, {SQNR}),
    ("padded with the integer 0", {"pad_quantized": lambda q, zp, pad: np.pad(q, [(0, 0)] * (q.ndim - 1) + [(pad, pad)])},
     {PAD}),
    ("padded on every axis", {"pad_quantized": lambda q, zp, pad: np.pad(q, pad, constant_values=zp)}, {PAD}),
    ("padding error with the sign flipped", {"padding_error": lambda lo, hi: -R.padding_error(lo, hi)}, {PADERR}),
    ("padding error in steps, not real units", {"padding_error": lambda lo, hi: R.padding_error(lo, hi)
                                                 / float(R.scale_zero_point(lo, hi, np.uint8)[0])}, {PADERR}),
]


SAYS = {  # what -> words one of the lost checks' messages must contain (the learner is told the right thing)
    "np.floor instead of np.rint": "QuantizeLinear gives 102",
    "ties rounded away from zero": "ties round to the even integer",
    "ties rounded up (floor(t + 0.5))": "ties round to the even integer",
    "no saturation: .astype wraps around": "saturate to [0, 255]",
    "zero point not rounded": "which is not an integer",
    "range not widened to include 0 (zero point clamped)": "widen the range to include 0",
    "scale = (max - min) / 256": "scale = (x_max - x_min) / 255",
    "symmetric int8 over [-128, 127]": "symmetric int8 uses [-127, 127]",
    "a range of zeros divides by zero": "raised ZeroDivisionError",
    "zero point rounded half up": "rounds half to even",
    "q - zero_point in uint8": "wraps around: convert q to int32 first",
    "int16 accumulation": "MatMulInteger's definition gives 90063",
    "float32 accumulation": "sums beyond 2**24",
    "zero points never subtracted": "MatMulInteger's definition gives 90063",
    "pairs saturated to int16, as vpmaddubsw": "MatMulInteger's definition gives 90063",
    "float accumulation without zero-point subtraction": "QLinearMatMul's definition gives 172",
    "requantization with the multiplier inverted": "QLinearMatMul's definition gives 172",
    "requantization with floor": "QLinearMatMul's definition gives 50",
    "float matmul of the dequantized inputs": "without calling your `matmul_integer`",
    "multiplier not renormalised at 2**31": "outside [2**30, 2**31)",
    "multiplier truncated, not rounded": "the multiplier is round(M * 2**shift)",
    "acc * multiplier in int32": "raised OverflowError",
    "shift without the rounding term": "adding 2**(shift - 1) before shifting",
    "requantized in floats": "adding 2**(shift - 1) before shifting",
    "int8's extreme taken as 127": "255 x -128",
    "the largest K that fits": "one more than the largest K that fits",
    "overflow at 2**bits, not 2**(bits-1) - 1": "the int16 maximum",
    "w_max ignored": "|w| up to 64",
    "per channel along columns": "one scale per row",
    "a zero channel gives NaN": "(all zeros)",
    "SQNR as 20 log10 of the power ratio": "10 * log10(sum(x**2)",
    "padded with the integer 0": "pad with the zero point",
    "padded on every axis": "padded on its last axis only",
    "padding error with the sign flipped": "`padding_error(-1.0, 3.0)` is -0.0039",
    "padding error in steps, not real units": "`padding_error(-1.0, 3.0)` is 0.25",
}


@pytest.mark.parametrize("what, replaced, checks", WRONG, ids=[w[0] for w in WRONG])
def test_plausible_wrong_solution_loses_points(what, replaced, checks):
    ns = right_answers()
    ns.update(replaced)
    # the functions that call a replaced one see it, as in the notebook (they read this module's globals)
    saved = {name: globals()[name] for name in replaced}
    globals().update(replaced)
    try:
        try:
            add_report(ns)
        except Exception:      # that notebook cell would have failed: its numbers stay as they were
            pass
        wrong = lost(ns)
    finally:
        globals().update(saved)
    assert checks <= set(wrong), (what, wrong)
    assert any(SAYS[what] in message for message in wrong.values()), (what, wrong)
    for message in wrong.values():
        assert "\n" not in message and message.endswith("."), message


@pytest.mark.parametrize("name, value, says", [
    ("sqnr_report", {"per_channel": 36.4}, "has no 'per_tensor'"),
    ("predicted_gain_db", 10.0, "noise power goes with the step squared"),
    ("measured_gain_db", "a lot", "should be a number"),
])
def test_report_numbers_are_checked(name, value, says):
    ns = right_answers()
    ns[name] = value
    assert says in lost(ns)[SQNR]


def test_wrong_types_get_one_sentence():
    ns = right_answers()
    ns["quantize"] = lambda x, scale, zp, dtype: np.rint(x / scale) + int(zp)            # floats, not uint8
    ns["scale_zero_point"] = lambda x_min, x_max, dtype: 0.1
    ns["fixed_point_multiplier"] = lambda M: (float(M) * 2**31, 31.5)
    ns["pad_quantized"] = lambda q, zp, pad: list(q)
    wrong = lost(ns)
    assert "should return uint8" in wrong[QUANT]
    assert "should return a tuple (scale, zero_point)" in wrong[SZP_U8]
    assert "not a whole number" in wrong[FIXED]
    assert "should return a numpy array, not a list" in wrong[PAD]
