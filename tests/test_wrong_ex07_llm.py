"""Exercise 07-size-an-llm: a right submission scores full marks and every plausible wrong one loses the check that
should catch it, with one sentence naming the mistake.

Nothing is generated or timed here: the measured part is made of the harness's own types with known numbers
(GenerationResults and a Bandwidth), and ``file_bytes`` gives the two weights files' bytes as the kit's llm-24m
export holds them, so the test takes a fraction of a second on any machine. The whole-notebook grading of the
solution (which measures for real) and of the untouched exercise is test_grade's parametrized test.
"""
import pytest
from graded import graded

from accelkit.harness.generation import GenerationResult
from accelkit.learn.exercises.checks import ex07_llm as ex07
from accelkit.roofline import Bandwidth

EXERCISE = "07-size-an-llm"
FULL = 19
_graded = graded(EXERCISE)
results, lost, named = _graded.results, _graded.lost, _graded.named

PARAMS, KV, TPOT, BPW = named("parameters"), named("kv_cache_mb"), named("predict_tpot_ms"), named("bytes_per_weight")
PICK, PREDICT, BINDS, WHY = named("pick_format"), named("decode: each"), named("decode: both"), named("why_int4")


# ---------------------------------------------------------------- a known machine instead of a measured one

CORES = 2
F32, INT4 = ex07.FORMATS
FILE_BYTES = {F32: 94_372_237, INT4: 13_031_885}      # llm-24m's openvino_model.bin, as the kit exports it
TPOT_MS = {F32: 5.8, INT4: 2.8}                       # one run of the solution on the kit's 2-core machine
BANDWIDTH = Bandwidth(gbps=20.0, median_gbps=19.0, worst_gbps=17.5, threads=CORES, size_mb=256, repeats=10)


@pytest.fixture(autouse=True)
def known_machine(monkeypatch):
    """The files' bytes without building them, and a 2-core machine wherever the test runs."""
    read = []
    monkeypatch.setattr(ex07, "file_bytes", lambda fmt: read.append(fmt) or FILE_BYTES[fmt])
    monkeypatch.setattr(ex07.os, "cpu_count", lambda: CORES)
    return read


def generation(fmt, tpot_ms, new_tokens=24, folder=None):
    """A GenerationResult as llm.measure_ov returns it for ``folder`` (ov-<fmt> by default)."""
    return GenerationResult(
        label=fmt, prompt_tokens=32, new_tokens=new_tokens, repeats=3, prompts=4, load_s=0.4, warmup_ms=180.0, ttft_ms=25.0,
        ttft_p90_ms=27.0, tpot_ms=tpot_ms, tpot_p90_ms=1.1 * tpot_ms, tpot_mean_ms=tpot_ms, tpot_spread_pct=4.0,
        tokens_per_s=950 / tpot_ms, settings={"runtime": "openvino-genai", "model": folder or f"ov-{fmt}",
                                              "precision": "f32", "kv_cache": "u8 (default)", "threads": CORES})


def make_decode(bandwidth=BANDWIDTH, weight_bytes=FILE_BYTES, gbps=None, binds=None, **measured):
    """The decode dict the notebook asks for; ``measured`` replaces a format's GenerationResult."""
    decode = {"bandwidth": bandwidth}
    for fmt in ex07.FORMATS:
        predicted = weight_bytes[fmt] / ((gbps or bandwidth.gbps) * 1e9) * 1e3
        result = measured.get(fmt.replace("-", "_"), generation(fmt, TPOT_MS[fmt]))
        rule = "bandwidth" if getattr(result, "tpot_ms", 0) <= 1.25 * predicted else "other"
        decode[fmt] = {"weight_bytes": weight_bytes[fmt], "predicted_ms": predicted, "measured": result,
                       "binds": binds or rule}
    return decode


# ---------------------------------------------------------------- a right submission, written apart from the notebook

def parameters(shape):
    h = shape["hidden_size"]
    head = h // shape["num_attention_heads"]
    attention = 2 * h * h + 2 * h * head * shape["num_key_value_heads"]
    mlp = 3 * h * shape["intermediate_size"]
    return shape["vocab_size"] * h + shape["num_hidden_layers"] * (attention + mlp + 2 * h) + h


def kv_cache_mb(shape, tokens, batch, bytes_per_element):
    head = shape["hidden_size"] / shape["num_attention_heads"]
    per_token = 2 * shape["num_hidden_layers"] * shape["num_key_value_heads"] * head * bytes_per_element
    return per_token * tokens * batch / 1e6


def predict_tpot_ms(weight_bytes, bandwidth_gbps):
    return 1000 * weight_bytes / (bandwidth_gbps * 1e9)


def bytes_per_weight(name):
    if not name.startswith("int4"):
        return {"f32": 4, "int8": 1}[name]
    group = int(name.split("-g")[1])
    return (4 + (16 if "-sym-" in name else 24) / group) / 8


def pick_format(rows, memory_budget_mb, max_perplexity, context_tokens, batch, kv_bytes):
    cache = kv_bytes * context_tokens * batch / 1e6
    for row in sorted(rows, key=lambda r: r["tpot_ms"]):
        if row["weights_mb"] + cache <= memory_budget_mb and row["perplexity"] <= max_perplexity:
            return row["format"]
    return None


WHY_RIGHT = ("INT4 reads 7.2x fewer weight bytes than f32 (13.0 MB against 94.4 MB), but decode ran only 2.1x faster "
             "(5.80 ms, then 2.80 ms per token).\n"
             "What is left does not shrink with the bytes: dequantizing the 4-bit codes on 2 cores, and each step's "
             "fixed overhead.")


@pytest.fixture
def right():
    return {"parameters": parameters, "kv_cache_mb": kv_cache_mb, "predict_tpot_ms": predict_tpot_ms,
            "bytes_per_weight": bytes_per_weight, "pick_format": pick_format, "decode": make_decode(),
            "why_int4": WHY_RIGHT}


def test_right_submission_scores_full_marks(right, capsys):
    got = results(right)
    assert {n: r.message for n, r in got.items() if r.earned < r.points} == {}
    assert sum(r.points for r in got.values()) == FULL == sum(r.earned for r in got.values())
    printed = capsys.readouterr().out       # a passing check's message is "passed": its numbers are printed
    assert "f32 measured 5.80 ms per token, 1.23x the bandwidth bound (bandwidth)" in printed
    assert "int4-sym-g64 measured 2.80 ms per token, 4.30x the bandwidth bound (other)" in printed
    assert "why_int4 rubric: ✔ lines, ✔ bytes, ✔ measured, ✔ reason" in printed


def test_right_alternatives_pass(right):
    """Predictions from the median bandwidth, numpy numbers, a TPOT cited instead of a ratio, tokens/s."""
    import numpy as np

    assert lost(dict(right, decode=make_decode(gbps=BANDWIDTH.median_gbps))) == {}
    numpy_bytes = {fmt: np.int64(b) for fmt, b in FILE_BYTES.items()}
    assert lost(dict(right, decode=make_decode(weight_bytes=numpy_bytes))) == {}
    tpot_only = ("INT4 stores 7.5 times fewer bytes per weight than f32, yet a token still took 2.80 ms instead of "
                 "5.80 ms, because unpacking 4-bit codes costs compute on only two cores.")
    assert lost(dict(right, why_int4=tpot_only)) == {}
    rate = ("The INT4 file is 13.0 MB, 94.4 MB in f32: decode went from 164 to 339 tokens/s, not 7 times more, "
            "since dequantization overhead stays.")
    assert lost(dict(right, why_int4=rate)) == {}


# ---------------------------------------------------------------- plausible wrong solutions: each loses points

def untied(shape):
    return parameters(shape) + shape["vocab_size"] * shape["hidden_size"]


def no_gqa_parameters(shape):
    return parameters(dict(shape, num_key_value_heads=shape["num_attention_heads"]))


def no_norms(shape):
    return parameters(shape) - shape["hidden_size"] * (2 * shape["num_hidden_layers"] + 1)


def query_heads_cache(shape, tokens, batch, bytes_per_element):
    return kv_cache_mb(dict(shape, num_key_value_heads=shape["num_attention_heads"]), tokens, batch, bytes_per_element)


def mib_cache(shape, tokens, batch, bytes_per_element):
    return kv_cache_mb(shape, tokens, batch, bytes_per_element) * 1e6 / 2**20


def k_only_cache(shape, tokens, batch, bytes_per_element):
    return kv_cache_mb(shape, tokens, batch, bytes_per_element) / 2


def one_sequence_cache(shape, tokens, batch, bytes_per_element):
    return kv_cache_mb(shape, tokens, 1, bytes_per_element)


def tpot_seconds(weight_bytes, bandwidth_gbps):
    return weight_bytes / (bandwidth_gbps * 1e9)


def tpot_gib(weight_bytes, bandwidth_gbps):
    return 1000 * weight_bytes / (bandwidth_gbps * 2**30)


def no_scale(name):
    return 0.5 if name.startswith("int4") else bytes_per_weight(name)


def bits(name):
    return 8 * bytes_per_weight(name)


def scale_per_weight(name):
    """The group's scale counted for every weight, not shared by the group."""
    return (4 + (16 if "-sym-" in name else 24)) / 8 if name.startswith("int4") else bytes_per_weight(name)


def asym_as_sym(name):
    return bytes_per_weight(name.replace("-asym-", "-sym-"))


def f32_scales(name):
    group = int(name.split("-g")[1]) if name.startswith("int4") else 0
    return bytes_per_weight(name) + (16 / group / 8 if group else 0)


def picker(*, strict_budget=False, strict_ppl=False, cache_factor=1.0, per_sequence=False, key="tpot_ms",
           check_ppl=True, row=False):
    """pick_format with one mistake switched on."""
    def pick(rows, memory_budget_mb, max_perplexity, context_tokens, batch, kv_bytes):
        cache = kv_bytes * context_tokens * (1 if per_sequence else batch) / 1e6 * cache_factor
        fits = [r for r in rows
                if (r["weights_mb"] + cache < memory_budget_mb if strict_budget else
                    r["weights_mb"] + cache <= memory_budget_mb)
                and (not check_ppl or (r["perplexity"] < max_perplexity if strict_ppl else
                                       r["perplexity"] <= max_perplexity))]
        best = min(fits, key=lambda r: r[key]) if fits else None
        return best if row or best is None else best["format"]
    return pick


ONE_THREAD = Bandwidth(gbps=11.0, median_gbps=10.5, worst_gbps=10.0, threads=1, size_mb=256, repeats=10)
PARAMETER_BYTES = {F32: 4 * 23_601_664, INT4: 23_601_664 * 0.53125}      # the shape's estimate, not the files
MB_BYTES = {fmt: b / 1e6 for fmt, b in FILE_BYTES.items()}
NO_NUMBERS = ("INT4 reads far fewer bytes than f32, but decode is not that much faster, because dequantizing the "
              "4-bit weights costs compute on few cores.")
NO_REASON = "INT4 reads 7.2x fewer weight bytes than f32 (13.0 MB against 94.4 MB), and decode ran 2.1x faster here."
QUESTION_ONLY = ("INT4 stores 4.25 bits per weight instead of 32, so it should be 7x faster, but dequantization costs "
                 "compute on 2 cores.")
SIX_LINES = "\n".join([WHY_RIGHT.splitlines()[0]] * 6)

WRONG = [  # (what, the names replaced, the checks that lose)
    ("untied embeddings", {"parameters": untied}, {PARAMS}),
    ("k_proj and v_proj as wide as q_proj", {"parameters": no_gqa_parameters}, {PARAMS}),
    ("no RMSNorm weights", {"parameters": no_norms}, {PARAMS}),
    ("query heads for the cache", {"kv_cache_mb": query_heads_cache}, {KV}),
    ("MiB for the cache", {"kv_cache_mb": mib_cache}, {KV}),
    ("K without V", {"kv_cache_mb": k_only_cache}, {KV}),
    ("one sequence's cache", {"kv_cache_mb": one_sequence_cache}, {KV}),
    ("TPOT in seconds", {"predict_tpot_ms": tpot_seconds}, {TPOT}),
    ("GiB/s for the bandwidth", {"predict_tpot_ms": tpot_gib}, {TPOT}),
    ("no group scale", {"bytes_per_weight": no_scale}, {BPW}),
    ("bits, not bytes", {"bytes_per_weight": bits}, {BPW}),
    ("the scale counted per weight", {"bytes_per_weight": scale_per_weight}, {BPW}),
    ("f32 scales", {"bytes_per_weight": f32_scales}, {BPW}),
    ("no zero point in the asymmetric formats", {"bytes_per_weight": asym_as_sym}, {BPW}),
    ("strict < at both limits", {"pick_format": picker(strict_budget=True, strict_ppl=True)}, {PICK}),
    ("strict < at the budget", {"pick_format": picker(strict_budget=True)}, {PICK}),
    ("the KV cache left out of the budget", {"pick_format": picker(cache_factor=0.0)}, {PICK}),
    ("one sequence's cache in the budget", {"pick_format": picker(per_sequence=True)}, {PICK}),
    ("the cache in MiB", {"pick_format": picker(cache_factor=1e6 / 2**20)}, {PICK}),
    ("the smallest format, not the fastest", {"pick_format": picker(key="weights_mb")}, {PICK}),
    ("the perplexity limit ignored", {"pick_format": picker(check_ppl=False)}, {PICK}),
    ("the row, not its format", {"pick_format": picker(row=True)}, {PICK}),
    ("predicted from the 1-thread bandwidth", {"decode": make_decode(bandwidth=ONE_THREAD)}, {PREDICT}),
    ("predicted from a bandwidth of its own", {"decode": make_decode(gbps=30.0)}, {PREDICT}),
    ("weight_bytes in MB", {"decode": make_decode(weight_bytes=MB_BYTES)}, {PREDICT}),
    ("weight_bytes from the parameter count", {"decode": make_decode(weight_bytes=PARAMETER_BYTES)}, {PREDICT}),
    ("binds 'bandwidth' for both", {"decode": make_decode(binds="bandwidth")}, {BINDS}),
    ("binds 'other' for both", {"decode": make_decode(binds="other")}, {BINDS}),
    ("binds from llm.bound_by without a one-thread run", {"decode": make_decode(binds="not bandwidth")}, {BINDS}),
    ("8 new tokens", {"decode": make_decode(int4_sym_g64=generation(INT4, 2.8, new_tokens=8))}, {PREDICT, BINDS}),
    ("INT8 measured for INT4", {"decode": make_decode(int4_sym_g64=generation(INT4, 2.8, folder="ov-int8"))},
     {PREDICT, BINDS}),
    ("a TPOT number as the measurement", {"decode": make_decode(f32=5.8)}, {PREDICT, BINDS, WHY}),
    ("why_int4 without numbers", {"why_int4": NO_NUMBERS}, {WHY}),
    ("why_int4 without a reason", {"why_int4": NO_REASON}, {WHY}),
    ("why_int4 with the question's numbers only", {"why_int4": QUESTION_ONLY}, {WHY}),
    ("why_int4 of six lines", {"why_int4": SIX_LINES}, {WHY}),
]

SAYS = {
    "untied embeddings": "the embeddings are tied: lm_head reuses embed_tokens'",
    "k_proj and v_proj as wide as q_proj": "GQA: k_proj and v_proj map hidden (4096) to num_key_value_heads x head size",
    "no RMSNorm weights": "count the RMSNorm weights: two per layer",
    "query heads for the cache": "GQA: K and V have num_key_value_heads heads (8), not num_attention_heads (32)",
    "MiB for the cache": "MB here is 10**6 bytes, as file sizes count it, not 2**20",
    "K without V": "the cache holds two tensors per layer, K and V",
    "one sequence's cache": "every sequence of the batch keeps its own cache: multiply by batch",
    "TPOT in seconds": "return milliseconds, not seconds",
    "GiB/s for the bandwidth": "GB/s is 10**9 bytes per second (STREAM's unit), not 2**30",
    "no group scale": "each group of 64 weights carries one f16 scale",
    "bits, not bytes": "return bytes per weight, not bits",
    "the scale counted per weight": "the scale is shared by the 64 weights of a group: divide its bits by 64",
    "f32 scales": "the scale is f16 (16 bits per group), not f32",
    "no zero point in the asymmetric formats": "an asymmetric format also stores an 8-bit zero point per group",
    "strict < at both limits": "a row exactly at a limit meets it: compare with <=",
    "strict < at the budget": "a row exactly at a limit meets it: compare with <=",
    "the KV cache left out of the budget": "(64 MB) shares the budget with the weights",
    "one sequence's cache in the budget": "every sequence of the batch keeps its own cache: kv_bytes x context_tokens x batch",
    "the cache in MiB": "MB here is 10**6 bytes, not 2**20",
    "the smallest format, not the fastest": "return the fastest (lowest tpot_ms), not the smallest",
    "the perplexity limit ignored": "the perplexity must also be at most max_perplexity",
    "the row, not its format": "return the row's format (a str), not the row",
    "predicted from the 1-thread bandwidth": "was measured with 1 thread(s): decode runs on every core",
    "predicted from a bandwidth of its own": "at your 20.0 GB/s take 4.719 ms: predict_tpot_ms(weight_bytes, bandwidth.gbps)",
    "weight_bytes in MB": "holds 94,372,237 bytes (that is MB: give bytes)",
    "weight_bytes from the parameter count": "but the speed model's openvino_model.bin in f32 holds 94,372,237 bytes: one",
    "binds 'bandwidth' for both": "is 'bandwidth', but your measured TPOT (2.8 ms) is 4.30x your prediction",
    "binds 'other' for both": "is 'other', but your measured TPOT (5.8 ms) is 1.23x your prediction",
    "binds from llm.bound_by without a one-thread run": "is 'not bandwidth'; use 'bandwidth' or 'other'",
    "8 new tokens": "timed 8 new tokens: time at least 16",
    "INT8 measured for INT4": "measured the folder 'ov-int8': measure llm.ov_folder(name, 'int4-sym-g64')",
    "a TPOT number as the measurement": "should be the GenerationResult llm.measure_ov returns, not a float",
    "why_int4 without numbers": "✘ bytes, ✘ measured, ✔ reason",
    "why_int4 without a reason": "✔ bytes, ✔ measured, ✘ reason",
    "why_int4 with the question's numbers only": "✔ bytes, ✘ measured, ✔ reason",
    "why_int4 of six lines": "has 6 line(s)",
}


def test_every_wrong_solution_says_what_is_wrong():
    assert set(SAYS) == {what for what, _, _ in WRONG}


@pytest.mark.parametrize("what, replaced, checks", WRONG, ids=[w[0] for w in WRONG])
def test_plausible_wrong_solution_loses_points(what, replaced, checks, right):
    wrong = lost(dict(right, **replaced))
    assert set(wrong) == checks, (what, wrong)
    assert any(SAYS[what] in message for message in wrong.values()), (what, wrong)
    for message in wrong.values():
        assert "\n" not in message and message.endswith("."), message


def test_missing_and_unwritten_answers_get_one_sentence(right):
    def unwritten(*args):
        raise NotImplementedError("your code here")

    def broken(shape):
        return shape["hidden"]

    wrong = lost(dict(right, parameters=unwritten, kv_cache_mb=lambda *a: "a lot", pick_format=broken))
    assert "is not written yet (it raises NotImplementedError)" in wrong[PARAMS]
    assert "should be a finite number, not 'a lot'" in wrong[KV]
    assert "`pick_format(rows, memory_budget_mb=4096" in wrong[PICK] and "raised TypeError" in wrong[PICK]
    no_decode = {k: v for k, v in right.items() if k != "decode"}
    wrong = lost(no_decode)
    assert set(wrong) == {PREDICT, BINDS, WHY}
    assert "`decode` is not defined" in wrong[PREDICT] and "✘ measured" in wrong[WHY]
    wrong = lost(dict(right, decode={"bandwidth": BANDWIDTH}))
    assert "decode has no 'f32' entry" in wrong[PREDICT]
    wrong = lost(dict(right, decode=dict(make_decode(), bandwidth=20.0)))
    assert "should be the Bandwidth roofline.measure_bandwidth returns, not a float" in wrong[PREDICT]


def test_the_rubric_reads_no_file_the_learner_did_not_measure(known_machine):
    """Without both measurements, the rubric's bytes ratio is the theory's alone: nothing is read (or exported)."""
    known_machine.clear()
    ex07.why_rubric(WHY_RIGHT, None)
    assert known_machine == []
    ex07.why_rubric(WHY_RIGHT, make_decode())
    assert known_machine == [F32, INT4]
