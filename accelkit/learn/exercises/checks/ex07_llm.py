"""Checks for exercises/07-size-an-llm.ipynb: the arithmetic of notebook 07-llm-inference, written by the learner.

The learner's functions are called on shapes and formats the notebook never shows (multi-query attention with one
key/value head, no GQA at all, other vocabularies and head sizes) and compared with the kit's own functions:
``tinyllama.parameter_count``, ``llm.kv_cache_bytes``, ``llm.predicted_tpot_ms`` and ``WeightFormat.bits_per_weight``.
A wrong answer is compared with the usual mistakes (untied embeddings, query heads for the cache, MiB for MB, no
group scales, ...) and the message names the one it matches. ``pick_format`` runs on hidden rows with a row exactly
at the memory budget and one exactly at the perplexity limit (both limits are inclusive).

The measured task is never timed here: the check takes the learner's ``decode`` dict and verifies that the
predictions follow from their own bandwidth and the files' bytes (within 1 %), that the measurements are the
harness's GenerationResults, and that ``binds`` applies the stated rule to their own numbers. The written answer
``why_int4`` is graded by a rubric of keyword and number checks (WHY_RUBRIC), against the learner's measurements.
"""
from __future__ import annotations

import math
import numbers
import os
import re
from collections.abc import Callable
from typing import Any

from ....models.tinyllama import parameter_count
from ..checking import CheckFailed, call, check, need

EXERCISE = "07-size-an-llm"
MB = 1e6                       # megabytes as file sizes count them (the kit's folder_mb)
FORMATS = ("f32", "int4-sym-g64")
MIN_NEW_TOKENS = 16
BINDS_RATIO = 1.25             # measured TPOT at most 1.25 x the bandwidth bound: "bandwidth", else "other"
PREDICTION_RTOL = 0.01

# ---------------------------------------------------------------- hidden shapes (none of them is in the notebook)

SHAPES: dict[str, dict[str, int]] = {
    "a GQA shape (32 query heads share 8 key/value heads)": dict(
        vocab_size=32000, hidden_size=4096, num_hidden_layers=32, num_attention_heads=32, num_key_value_heads=8,
        intermediate_size=14336),
    "an MQA shape (one key/value head)": dict(
        vocab_size=50304, hidden_size=2048, num_hidden_layers=24, num_attention_heads=16, num_key_value_heads=1,
        intermediate_size=5504),
    "a shape without GQA (as many key/value heads as query heads)": dict(
        vocab_size=32000, hidden_size=768, num_hidden_layers=12, num_attention_heads=12, num_key_value_heads=12,
        intermediate_size=3072),
    "a small GQA shape with head size 64": dict(
        vocab_size=4096, hidden_size=384, num_hidden_layers=5, num_attention_heads=6, num_key_value_heads=2,
        intermediate_size=1024),
    "a shape with head size 128": dict(
        vocab_size=65536, hidden_size=512, num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=2,
        intermediate_size=1536),
}


def _head(shape: dict[str, int]) -> int:
    return shape["hidden_size"] // shape["num_attention_heads"]


def ref_parameters(shape: dict[str, int]) -> int:
    return parameter_count(shape, vocab=shape["vocab_size"])


def ref_kv_cache_mb(shape: dict[str, int], tokens: int, batch: int, bytes_per_element: float) -> float:
    from ....llm import kv_cache_bytes

    return kv_cache_bytes(shape, tokens, bytes_per_element, batch) / MB


def ref_tpot_ms(weight_bytes: float, bandwidth_gbps: float) -> float:
    from ....llm import predicted_tpot_ms

    return predicted_tpot_ms(weight_bytes, bandwidth_gbps)


def ref_bytes_per_weight(name: str) -> float:
    from ....llm import weight_format

    return weight_format(name).bits_per_weight / 8


# ---------------------------------------------------------------- reading the learner's answers

def _kind(value: Any) -> str:
    return f"a {type(value).__name__}"


def _call(fn: Callable, shown: str, *args: Any) -> Any:
    """Call the learner's function; its exceptions become one sentence naming ``shown``."""
    return call(fn, *args, shown=shown)


def _real(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(float(value)):
        raise CheckFailed(f"{what} should be a finite number, not {value!r:.60}.")
    return float(value)


def _close(got: float, want: float, rtol: float = 1e-9) -> bool:
    return math.isclose(got, want, rel_tol=rtol, abs_tol=1e-12)


def _first_match(got: float, alternatives: list[tuple[float, str]], rtol: float = 1e-6) -> str | None:
    """The explanation of the first usual mistake whose value ``got`` equals."""
    return next((why for value, why in alternatives if _close(got, value, rtol)), None)


# ---------------------------------------------------------------- 1 · parameters

def _parameter_mistakes(s: dict[str, int]) -> list[tuple[float, str]]:
    h, layers, inter, v = s["hidden_size"], s["num_hidden_layers"], s["intermediate_size"], s["vocab_size"]
    kv, ref = _head(s) * s["num_key_value_heads"], ref_parameters(s)
    norms = 2 * h * layers + h
    return [
        (ref + v * h, "the embeddings are tied: lm_head reuses embed_tokens' vocab x hidden matrix, count it once"),
        (ref + 2 * h * (h - kv) * layers, f"GQA: k_proj and v_proj map hidden ({h}) to num_key_value_heads x head size "
                                          f"({kv}), not to hidden"),
        (ref + 2 * h * (s["num_key_value_heads"] * h - kv) * layers,
         "k_proj and v_proj have num_key_value_heads x head size outputs, head size = hidden / num_attention_heads"),
        (ref - norms, "count the RMSNorm weights: two per layer (hidden each) and one final norm"),
        (ref - 2 * h * layers, "count both RMSNorm weights of every layer (hidden each)"),
        (ref - h, "count the final RMSNorm before lm_head (hidden weights)"),
        (ref - h * inter * layers, "the MLP has three matrices: gate_proj, up_proj (hidden x intermediate) and down_proj"),
        (ref - v * h, "count the embedding matrix (vocab x hidden) once: lm_head shares it"),
    ]


@check("parameters counts a Llama with tied embeddings, on unseen shapes (MQA and no GQA among them)", points=3)
def parameters_ok(ns):
    fn = need(ns, "parameters", is_callable=True)
    for what, shape in SHAPES.items():
        got = _real(_call(fn, "parameters(shape)", dict(shape)), f"`parameters(shape)` for {what}")
        want = ref_parameters(shape)
        if got != want:
            why = _first_match(got, _parameter_mistakes(shape)) or (
                "per layer: q_proj and o_proj (hidden x hidden), k_proj and v_proj (hidden x kv heads x head size), "
                "three MLP matrices and two RMSNorm weights; then the embedding once and the final norm")
            raise CheckFailed(f"`parameters(shape)` for {what} gives {got:,.0f}, but the model has {want:,}: {why}.")


# ---------------------------------------------------------------- 2 · the KV cache

KV_CASES = [  # (shape, tokens, batch, bytes per element)
    ("a GQA shape (32 query heads share 8 key/value heads)", 4096, 1, 2),
    ("an MQA shape (one key/value head)", 2048, 8, 2),
    ("a shape without GQA (as many key/value heads as query heads)", 1024, 4, 4),
    ("a small GQA shape with head size 64", 300, 3, 1),
    ("a shape with head size 128", 8192, 2, 4),
]


def _kv_mistakes(s: dict[str, int], tokens: int, batch: int, element: float) -> list[tuple[float, str]]:
    ref = ref_kv_cache_mb(s, tokens, batch, element)
    heads, kv = s["num_attention_heads"], s["num_key_value_heads"]
    return [
        (ref * heads / kv, f"GQA: K and V have num_key_value_heads heads ({kv}), not num_attention_heads ({heads}): "
                           "the query heads share them"),
        (ref / 2, "the cache holds two tensors per layer, K and V"),
        (ref * MB / 2**20, "MB here is 10**6 bytes, as file sizes count it, not 2**20"),
        (ref * MB, "return megabytes (bytes / 10**6), not bytes"),
        (ref / batch, "every sequence of the batch keeps its own cache: multiply by batch"),
        (ref / s["num_hidden_layers"], "every layer keeps its own K and V: multiply by num_hidden_layers"),
        (ref / element, "multiply by bytes_per_element (2 for f16, 1 for u8)"),
        (ref * 8, "bytes_per_element is already in bytes"),
        (ref * s["num_attention_heads"], "the head size is hidden / num_attention_heads"),
    ]


@check("kv_cache_mb counts K and V of every layer, key/value head, token and sequence (GQA, MQA)", points=3)
def kv_cache_ok(ns):
    fn = need(ns, "kv_cache_mb", is_callable=True)
    for what, tokens, batch, element in KV_CASES:
        shape = SHAPES[what]
        shown = f"kv_cache_mb(shape, tokens={tokens}, batch={batch}, bytes_per_element={element})"
        got = _real(_call(fn, shown, dict(shape), tokens, batch, element), f"`{shown}` for {what}")
        want = ref_kv_cache_mb(shape, tokens, batch, element)
        if not _close(got, want):
            why = _first_match(got, _kv_mistakes(shape, tokens, batch, element)) or (
                "2 (K and V) x layers x key/value heads x head size x tokens x batch x bytes per element, in 10**6 bytes")
            raise CheckFailed(f"`{shown}` for {what} gives {got:.6g} MB, but the cache holds {want:.6g} MB: {why}.")


# ---------------------------------------------------------------- 3 · the bandwidth bound and bytes per weight

TPOT_CASES = [(544e6, 20.0), (584_000_000 * 0.53125, 12.5), (13_182_000.0, 27.3), (35e9, 100.0), (1e9, 1.0)]


@check("predict_tpot_ms: the bytes one decode step reads over the bandwidth, in ms", points=1)
def tpot_ok(ns):
    fn = need(ns, "predict_tpot_ms", is_callable=True)
    for weight_bytes, gbps in TPOT_CASES:
        shown = f"predict_tpot_ms({weight_bytes:.6g}, {gbps:g})"
        got = _real(_call(fn, shown, weight_bytes, gbps), f"`{shown}`")
        want = ref_tpot_ms(weight_bytes, gbps)
        if not _close(got, want):
            why = _first_match(got, [
                (want / 1e3, "return milliseconds, not seconds"),
                (want * 1e9 / 2**30, "GB/s is 10**9 bytes per second (STREAM's unit), not 2**30"),
                (want * 1e6, "bandwidth_gbps is in GB/s: multiply by 10**9 for bytes per second"),
                (1 / want, "the time is bytes / (bytes per second), not the inverse")]) or \
                "bytes / (bandwidth_gbps x 10**9) seconds, times 1000"
            raise CheckFailed(f"`{shown}` gives {got:.6g}, but reading {weight_bytes:.6g} bytes at {gbps:g} GB/s takes "
                              f"{want:.6g} ms: {why}.")


BPW_CASES = ["f32", "int8", "int4-sym-g64", "int4-sym-g128", "int4-sym-g32", "int4-asym-g128", "int4-asym-g64",
             "int4-asym-g32", "int4-sym-g256"]


def _bpw_mistakes(name: str) -> list[tuple[float, str]]:
    want = ref_bytes_per_weight(name)
    if not name.startswith("int4"):
        return [(want * 8, "return bytes per weight, not bits")]
    group = int(name.rsplit("g", 1)[1])
    mistakes = [
        (0.5, f"each group of {group} weights carries one f16 scale: 16 / {group} bits more per weight"),
        (want * 8, "return bytes per weight, not bits (divide by 8)"),
        (want + 16 / group / 8, "the scale is f16 (16 bits per group), not f32"),
        ((4 + 16 + (0 if "-sym-" in name else 8)) / 8,
         f"the scale is shared by the {group} weights of a group: divide its bits by {group}"),
    ]
    if "-sym-" in name:
        return mistakes + [(want + 1 / group, "a symmetric format has no zero point: only the f16 scale per group")]
    return mistakes + [(want - 1 / group, "an asymmetric format also stores an 8-bit zero point per group"),
                       (want - 0.5 / group, "the kit counts an 8-bit zero point per group, not a 4-bit one")]


@check("bytes_per_weight for f32, int8 and int4 with groups (f16 scales, 8-bit zero points when asymmetric)", points=2)
def bytes_per_weight_ok(ns):
    fn = need(ns, "bytes_per_weight", is_callable=True)
    for name in BPW_CASES:
        shown = f"bytes_per_weight({name!r})"
        got = _real(_call(fn, shown, name), f"`{shown}`")
        want = ref_bytes_per_weight(name)
        if not _close(got, want):
            why = _first_match(got, _bpw_mistakes(name)) or (
                "bits per weight plus, per group of G weights, a 16-bit scale (and an 8-bit zero point if asymmetric) "
                "spread over the G weights, all over 8")
            raise CheckFailed(f"`{shown}` gives {got:.6g}, but {name} stores {want:.6g} bytes per weight: {why}.")


# ---------------------------------------------------------------- 4 · pick a format

ROWS: list[dict[str, Any]] = [  # every number is exact in binary, and every KV cache below a whole number of MB
    {"format": "f32", "weights_mb": 544.0, "perplexity": 12.5, "tpot_ms": 40.0},
    {"format": "int8", "weights_mb": 137.0, "perplexity": 12.5625, "tpot_ms": 12.0},
    {"format": "int4-asym-g128-r0.8", "weights_mb": 90.0, "perplexity": 12.75, "tpot_ms": 9.5},
    {"format": "int4-sym-g64", "weights_mb": 73.0, "perplexity": 13.25, "tpot_ms": 8.0},
    {"format": "int4-sym-g32", "weights_mb": 76.0, "perplexity": 12.9375, "tpot_ms": 7.75},   # not the smallest
    {"format": "int4-awq-g64", "weights_mb": 73.5, "perplexity": 12.875, "tpot_ms": 8.25},
]
PICKS: list[tuple[float, float, int, int, int]] = [  # (budget MB, max perplexity, context tokens, batch, KV bytes/token)
    (4096.0, 100.0, 1000, 1, 16000),        # everything fits: the fastest, which is not the smallest
    (4096.0, 12.9, 1000, 1, 16000),         # the two fastest are too inaccurate
    (4096.0, 12.875, 1000, 1, 16000),       # a row exactly at the perplexity limit passes
    (90.0, 13.0, 1000, 4, 16000),           # nothing fits 4 caches (64 MB); one (16 MB) would leave room for awq
    (135.0, 13.0, 1000, 4, 16000),          # nothing fits 64 MB; counted in MiB (61) awq would, without the cache g32
    (137.5, 13.0, 1000, 4, 16000),          # 73.5 + 64 MB: exactly at the budget fits; g32 needs 140
    (137.0, 13.0, 1000, 4, 16000),          # 0.5 MB short: nothing fits (int4-sym-g64 fits but fails perplexity)
    (154.0, 12.8, 1000, 4, 16000),          # 90 + 64 MB, exactly at the budget
    (200.0, 12.5625, 2000, 1, 16000),       # int8 exactly at the perplexity limit, 137 + 32 MB
    (600.0, 12.5, 500, 2, 24000),           # f32 (544 + 24 MB) is the only one accurate enough
    (560.0, 12.5, 500, 2, 24000),           # its weights alone fit, weights + both sequences' caches do not
    (100.0, 20.0, 512, 1, 0),               # no cache at all: weights only
]


def ref_pick(rows: list[dict[str, Any]], budget: float, max_ppl: float, context: int, batch: int, kv_bytes: int,
             *, strict: bool = False, cache_mb: float | None = None, by: str = "tpot_ms") -> str | None:
    """The fastest row that fits (``strict``, ``cache_mb`` and ``by`` give the usual mistakes' answers)."""
    cache = kv_bytes * context * batch / MB if cache_mb is None else cache_mb
    under = (lambda a, b: a < b) if strict else (lambda a, b: a <= b)
    fits = [r for r in rows if under(r["weights_mb"] + cache, budget) and under(r["perplexity"], max_ppl)]
    return min(fits, key=lambda r: r[by])["format"] if fits else None


def _pick_hint(got: Any, args: tuple) -> str:
    budget, max_ppl, context, batch, kv_bytes = args
    cache = kv_bytes * context * batch / MB
    if isinstance(got, dict):
        return "return the row's format (a str), not the row"
    mistakes = [
        (ref_pick(ROWS, *args, strict=True), "a row exactly at a limit meets it: compare with <="),
        (ref_pick(ROWS, *args, cache_mb=0.0), f"the KV cache of {context} tokens x {batch} sequence(s) ({cache:g} MB) "
                                              "shares the budget with the weights"),
        (ref_pick(ROWS, *args, cache_mb=cache / batch), "every sequence of the batch keeps its own cache: kv_bytes x "
                                                        "context_tokens x batch"),
        (ref_pick(ROWS, *args, cache_mb=cache * MB / 2**20), "MB here is 10**6 bytes, not 2**20"),
        (ref_pick(ROWS, budget, 1e9, context, batch, kv_bytes), "the perplexity must also be at most max_perplexity"),
        (ref_pick(ROWS, *args, by="weights_mb"), "of the formats that fit, return the fastest (lowest tpot_ms), not "
                                                 "the smallest"),
    ]
    return next((why for answer, why in mistakes if answer == got), "a format fits when weights_mb + kv_bytes x "
                "context_tokens x batch / 10**6 is at most the budget and its perplexity at most the limit")


@check("pick_format: the fastest format whose weights and KV cache fit and whose perplexity passes, or None", points=3)
def pick_ok(ns):
    fn = need(ns, "pick_format", is_callable=True)
    for args in PICKS:
        budget, max_ppl, context, batch, kv_bytes = args
        shown = (f"pick_format(rows, memory_budget_mb={budget:g}, max_perplexity={max_ppl:g}, context_tokens={context}, "
                 f"batch={batch}, kv_bytes={kv_bytes})")
        got = _call(fn, shown, [dict(r) for r in ROWS], *args)
        want = ref_pick(ROWS, *args)
        if got != want:
            raise CheckFailed(f"`{shown}` on hidden rows gives {got!r:.60}; expected {want!r}: "
                              f"{_pick_hint(got, args)}.")


# ---------------------------------------------------------------- 5 · decode: predicted and measured

def _entry(decode: dict[str, Any], fmt: str) -> dict[str, Any]:
    entry = decode.get(fmt)
    if not isinstance(entry, dict):
        raise CheckFailed(f"decode has no {fmt!r} entry (a dict with weight_bytes, predicted_ms, measured and binds): "
                          f"measure the speed model in {fmt}.")
    for key in ("weight_bytes", "predicted_ms", "measured", "binds"):
        if key not in entry:
            raise CheckFailed(f"decode[{fmt!r}] has no {key!r}: its keys are weight_bytes, predicted_ms, measured, binds.")
    return entry


def _measured(entry: dict[str, Any], fmt: str) -> Any:
    from ....harness.generation import GenerationResult

    result = entry["measured"]
    if not isinstance(result, GenerationResult):
        raise CheckFailed(f"decode[{fmt!r}]['measured'] should be the GenerationResult llm.measure_ov returns, not "
                          f"{_kind(result)}.")
    model = result.settings.get("model")
    if model != f"ov-{fmt}":
        raise CheckFailed(f"decode[{fmt!r}]['measured'] measured the folder {model!r}: measure llm.ov_folder(name, {fmt!r}) "
                          f"(its folder is ov-{fmt}).")
    if result.new_tokens < MIN_NEW_TOKENS:
        raise CheckFailed(f"decode[{fmt!r}]['measured'] timed {result.new_tokens} new tokens: time at least "
                          f"{MIN_NEW_TOKENS}, so TPOT is a median of enough gaps.")
    return result


def _bandwidth(decode: dict[str, Any]) -> Any:
    from ....roofline import Bandwidth

    bw = decode.get("bandwidth")
    if not isinstance(bw, Bandwidth):
        raise CheckFailed(f"decode['bandwidth'] should be the Bandwidth roofline.measure_bandwidth returns, not "
                          f"{_kind(bw)}.")
    cores = os.cpu_count() or 1
    if bw.threads != cores:
        raise CheckFailed(f"decode['bandwidth'] was measured with {bw.threads} thread(s): decode runs on every core, so "
                          f"measure with threads=os.cpu_count() ({cores} here).")
    return bw


def file_bytes(fmt: str) -> int:
    """Bytes of the speed model's weights file in ``fmt`` (built in the kit's cache when the learner measured it)."""
    from ....llm import ov_folder, speed_model, weight_bytes

    return weight_bytes(ov_folder(speed_model(), fmt))


def _decode(ns: dict[str, Any]) -> dict[str, Any]:
    return need(ns, "decode", dict)


@check("decode: each prediction follows from your bandwidth and its weights file's bytes (within 1 %)", points=2)
def predictions_ok(ns):
    decode = _decode(ns)
    bw = _bandwidth(decode)
    for fmt in FORMATS:
        entry = _entry(decode, fmt)
        _measured(entry, fmt)      # measured first: its file then exists in the kit's cache
        have = _real(entry["weight_bytes"], f"decode[{fmt!r}]['weight_bytes']")
        real = file_bytes(fmt)
        if have != real:
            hint = " (that is MB: give bytes)" if _close(have, real / MB, 0.01) else ""
            raise CheckFailed(f"decode[{fmt!r}]['weight_bytes'] is {have:,.0f}, but the speed model's "
                              f"openvino_model.bin in {fmt} holds {real:,} bytes{hint}: one decode step reads it all.")
        predicted = _real(entry["predicted_ms"], f"decode[{fmt!r}]['predicted_ms']")
        wants = [ref_tpot_ms(real, bw.gbps), ref_tpot_ms(real, bw.median_gbps)]
        if not any(_close(predicted, w, PREDICTION_RTOL) for w in wants):
            raise CheckFailed(f"decode[{fmt!r}]['predicted_ms'] is {predicted:.4g} ms, but {real:,} bytes at your "
                              f"{bw.gbps:.1f} GB/s take {wants[0]:.4g} ms: predict_tpot_ms(weight_bytes, "
                              "bandwidth.gbps).")


@check("decode: both formats measured with llm.measure_ov (at least 16 new tokens), and binds follows the rule", points=2)
def binds_ok(ns):
    decode = _decode(ns)
    for fmt in FORMATS:
        entry = _entry(decode, fmt)
        result = _measured(entry, fmt)
        predicted = _real(entry["predicted_ms"], f"decode[{fmt!r}]['predicted_ms']")
        want = "bandwidth" if result.tpot_ms <= BINDS_RATIO * predicted else "other"
        if entry["binds"] not in ("bandwidth", "other"):
            raise CheckFailed(f"decode[{fmt!r}]['binds'] is {entry['binds']!r:.40}; use 'bandwidth' or 'other'.")
        if entry["binds"] != want:
            raise CheckFailed(f"decode[{fmt!r}]['binds'] is {entry['binds']!r}, but your measured TPOT "
                              f"({result.tpot_ms:.3g} ms) is {result.tpot_ms / predicted:.2f}x your prediction "
                              f"({predicted:.3g} ms): 'bandwidth' when it is at most {BINDS_RATIO}x, else 'other'.")
    print("  decode: " + "; ".join(f"{fmt} measured {decode[fmt]['measured'].tpot_ms:.2f} ms per token, "
                                   f"{decode[fmt]['measured'].tpot_ms / decode[fmt]['predicted_ms']:.2f}x the "
                                   f"bandwidth bound ({decode[fmt]['binds']})" for fmt in FORMATS) + ".")


# ---------------------------------------------------------------- 6 · why is INT4 not 7x faster? (a rubric)

WHY_LINES, WHY_WORDS = 4, 15
SPEED_RTOL, BYTES_RTOL = 0.20, 0.10
THEORY_RATIO = 32 / 4.25                    # f32 bits over int4-sym-g64's bits per weight: 7.5
BYTES_WORDS = r"\bbytes?\b|\bweights?\b|\bmemory\b|\bbandwidth\b|\bsize\b|\bfiles?\b|\bmb\b|\bgb\b|\bbits?\b|\bsmaller\b"
REASON_WORDS = (r"\bcompute|\bdequant|\bunpack|\bdecompress|\barithmetic|\binstructions?\b|\balu\b|\bflops?\b|"
                r"\bfma\b|\bcores?\b|\bthreads?\b|\boverhead|\bfixed\b|\battention\b|\bkv\b|\bactivations?\b|"
                r"\bsoftmax\b|\bsampl|\bpython\b|\bscheduling\b|\bsynchroni[sz]|\blaunch|\bnorms?\b|\bembedding|"
                r"\blm_head\b|\bscales?\b|\bint8\b")
CONTRAST_WORDS = r"\bnot\b|\bbut\b|\bonly\b|\binstead\b|\bwhile\b|\bthan\b|\bdoes(?:n't| not)\b|\bstill\b|\beven\b"
NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(\s*(?:x\b|×|times\b))?", re.I)
QUESTION_NUMBERS = (7, 2, 32, 4, 4.25, 64, 16, 8)
WHY_RUBRIC = {
    "lines": f"1 to {WHY_LINES} lines, at least {WHY_WORDS} words",
    "bytes": "say how many times fewer bytes INT4 reads, with the number (the files' ratio, or 32 / 4.25)",
    "measured": "cite your measured speed-up (as a ratio, like '2.1x') or a TPOT you measured, in ms",
    "reason": "name a cost that does not shrink with the weight bytes (dequantizing on 2 cores, fixed per-token work)",
}


def _numbers(text: str) -> list[tuple[float, bool]]:
    """(value, written as a ratio like '2.1x') for each number in ``text``."""
    return [(float(m[1].replace(",", "")), bool(m[2])) for m in NUMBER.finditer(text)]


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<!\d)[.;!?](?=\s|$)|\n", text.lower()) if s.strip()]


def _bytes_targets(decode: Any) -> list[float]:
    """The bytes ratio in theory and, when the learner measured both files, as the files hold it, and the files' MB."""
    targets = [THEORY_RATIO]
    try:
        for fmt in FORMATS:
            _measured(_entry(decode, fmt), fmt)     # measured: its file is in the cache, and reading it builds nothing
        f32, int4 = (file_bytes(fmt) for fmt in FORMATS)
    except Exception:      # not measured (so maybe not built): the theory alone
        return targets
    return targets + [f32 / int4, f32 / MB, int4 / MB]


def _measured_targets(decode: Any) -> tuple[list[float], list[float]]:
    """(speed-ups as ratios, TPOTs and tokens/s) from the learner's decode dict, when it holds both results."""
    try:
        a, b = (decode[fmt]["measured"] for fmt in FORMATS)
        return [a.tpot_ms / b.tpot_ms, b.tokens_per_s / a.tokens_per_s], [a.tpot_ms, b.tpot_ms, a.tokens_per_s,
                                                                          b.tokens_per_s]
    except Exception:
        return [], []


def _cites(values: list[tuple[float, bool]], targets: list[float], rtol: float, ratio_only: bool = False,
           skip: tuple = ()) -> bool:
    return any(not (ratio_only and not is_ratio) and not any(math.isclose(v, q) for q in skip)
               and any(t and abs(v - t) <= rtol * abs(t) for t in targets) for v, is_ratio in values)


def why_rubric(text: str, decode: Any) -> dict[str, bool]:
    sentences = _sentences(text)
    ratios, speeds = _measured_targets(decode)
    targets = _bytes_targets(decode)
    bytes_ok = any(re.search(BYTES_WORDS, s) and _cites(_numbers(s), targets, BYTES_RTOL) for s in sentences)
    measured = _cites(_numbers(text), ratios, SPEED_RTOL, ratio_only=True, skip=(7,)) or \
        _cites(_numbers(text), speeds, SPEED_RTOL, skip=QUESTION_NUMBERS)
    reason = any(re.search(REASON_WORDS, s) and re.search(CONTRAST_WORDS + r"|\bbecause\b|\bso\b|\bsince\b", s)
                 for s in sentences)
    return {"bytes": bytes_ok, "measured": measured, "reason": reason}


@check("why_int4: why INT4 decode is not 7x faster than f32 on 2 cores (a rubric: bytes, your numbers, a reason)",
       points=3)
def why_ok(ns):
    text = need(ns, "why_int4", str)
    lines, words = [ln for ln in text.splitlines() if ln.strip()], len(text.split())
    if not 1 <= len(lines) <= WHY_LINES or words < WHY_WORDS:
        raise CheckFailed(f"why_int4 has {len(lines)} line(s) and {words} words: write {WHY_RUBRIC['lines']} (the rubric "
                          "then looks for the bytes ratio, your measured numbers and a reason).")
    met = why_rubric(text, ns.get("decode"))
    marks = ", ".join(f"{'✔' if ok else '✘'} {name}" for name, ok in met.items())
    if all(met.values()):
        print(f"  why_int4 rubric: ✔ lines, {marks}.")
        return
    needed = "; ".join(WHY_RUBRIC[name] for name, ok in met.items() if not ok)
    raise CheckFailed(f"rubric ✔ lines, {marks}; still needed: {needed}.")


CHECKS = [parameters_ok, kv_cache_ok, tpot_ok, bytes_per_weight_ok, pick_ok, predictions_ok, binds_ok, why_ok]
