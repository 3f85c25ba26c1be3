"""Notebook 07-llm-inference's models, formulas and generation harness.

No test asserts a speed. The harness is checked against openvino-genai's own PerfMetrics on the
same runs (a ratio of two clocks around the same events, not a timing), and the models against
transformers' own forward pass."""
from __future__ import annotations

import json
import math
import os
import shutil

import numpy as np
import pytest

from accelkit import llm
from accelkit.errors import AccelkitError
from accelkit.harness.generation import agreement, interleaved, measure_generation
from accelkit.models import tinyllama

os.environ.setdefault("HF_HUB_OFFLINE", "1")
SMALL = dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, intermediate_size=128,
             max_position_embeddings=64)


@pytest.fixture(scope="module")
def small_model():
    import torch
    from transformers import LlamaForCausalLM

    torch.manual_seed(0)
    return LlamaForCausalLM(tinyllama.llama_config(SMALL)).eval()


def test_parameter_count_matches_the_model(small_model):
    assert tinyllama.parameter_count(SMALL) == sum(p.numel() for p in small_model.parameters())
    assert round(tinyllama.parameter_count(tinyllama.SPEED["llm-136m"]) / 1e6) == 137


def test_the_explicit_kv_decoder_equals_transformers(small_model):
    """Prefill in one call, then the rest fed through the returned cache: the same logits as HF."""
    import torch

    decoder = tinyllama.LlamaDecoder(small_model)
    ids = torch.randint(3, tinyllama.VOCAB, (1, 12), generator=torch.Generator().manual_seed(1))
    empty = torch.zeros(2, 1, 2, 0, 16)
    with torch.no_grad():
        ref = small_model(input_ids=ids).logits
        _, k, v = decoder(ids[:, :8], empty, empty)
        rest, k2, _ = decoder(ids[:, 8:], k, v)
    assert torch.allclose(rest, ref[:, 8:], atol=1e-5)
    assert tuple(k2.shape) == (2, 1, 2, 12, 16)


def test_kv_cache_formula_and_gqa():
    s = tinyllama.SPEED["llm-136m"]
    assert llm.kv_cache_bytes(s, 2048, 2) == 2 * 12 * 4 * 64 * 2048 * 2
    mha = dict(s, num_key_value_heads=16)
    assert llm.kv_cache_bytes(mha, 100) == 4 * llm.kv_cache_bytes(s, 100)
    assert llm.kv_cache_bytes(s, 10, 1, batch=3) == 3 * llm.kv_cache_bytes(s, 10, 1)


def test_weight_formats_and_their_bad_names():
    assert llm.weight_format("int4-sym-g64").bits_per_weight == pytest.approx(4 + 16 / 64)
    assert llm.weight_format("int4-asym-g128-r0.8").ratio == 0.8
    assert llm.weight_format("int4-asym-g32").bits_per_weight == pytest.approx(4 + 24 / 32)
    with pytest.raises(AccelkitError, match="unknown weight format 'int3'"):
        llm.weight_format("int3")
    with pytest.raises(AccelkitError, match="group size 96 does not divide"):
        llm.weight_format("int4-sym-g96", tinyllama.TINY)
    with pytest.raises(AccelkitError, match="unknown model"):
        llm.model_shape("llama-7b")


def test_prompts_that_cannot_be_generated_get_one_sentence():
    with pytest.raises(AccelkitError, match="the prompt is empty"):
        llm.check_prompt([], 8, 512)
    with pytest.raises(AccelkitError, match="exceed the model's context window of 512"):
        llm.check_prompt(list(range(500)), 16, 512)
    with pytest.raises(AccelkitError, match="max_new_tokens must be at least 1"):
        llm.check_prompt([0], 0, 512)


def test_the_harness_on_a_known_clock(monkeypatch):
    """A fake generator on a fake clock: TTFT and TPOT come out exactly as scheduled."""
    clock = {"t": 0.0}
    monkeypatch.setattr("accelkit.harness.generation.time.perf_counter", lambda: clock["t"])

    def generate(prompt, n, on_token):
        clock["t"] += 0.050                      # prefill: 50 ms
        for i in range(n):
            if i:
                clock["t"] += 0.010 + 0.002 * (i % 2)   # gaps of 10 and 12 ms
            on_token()
        return list(range(n))

    r = measure_generation(generate, [0, 1, 2], 5, repeats=3, perf_metrics=lambda: {"ttft_ms": 50.0, "tpot_ms": 11.0,
                                                                                     "throughput": 0})
    assert r.ttft_ms == pytest.approx(50.0) and r.tpot_ms == pytest.approx(11.0)
    assert r.tpot_mean_ms == pytest.approx(11.0)
    assert r.tpot_p90_ms == pytest.approx(12.0)
    assert r.tokens_per_s == pytest.approx(5 / 0.094)
    assert agreement(r)["tpot_ratio"] == pytest.approx(1.0)
    assert r.row()["new_tokens"] == 5


def test_the_harness_gives_each_run_its_own_prompt():
    """A runtime may cache what it computed for a prompt (PA's prefix caching): each run, warm-up included,
    gets the next prompt; prompts of different lengths are refused in one sentence."""
    seen = []

    def generate(prompt, n, on_token):
        seen.append(prompt[0])
        for _ in range(n):
            on_token()
        return list(range(n))

    r = measure_generation(generate, [[10, 1], [11, 1], [12, 1], [13, 1]], 3, repeats=3)
    assert seen == [10, 11, 12, 13] and r.prompts == 4 and r.prompt_tokens == 2
    seen.clear()
    assert measure_generation(generate, [7, 8, 9], 3, repeats=2).prompts == 1 and seen == [7, 7, 7]
    with pytest.raises(AccelkitError, match="2 different lengths"):
        measure_generation(generate, [[1, 2], [1, 2, 3]], 3)
    assert len({tuple(p) for p in llm.prompts(16, 4)}) == 4 and {len(p) for p in llm.prompts(16, 4)} == {16}
    with pytest.raises(AccelkitError, match="unknown attention backend 'paged'"):
        llm.ov_pipeline(llm.hf_folder("tiny-llama"), backend="paged")


def test_interleaved_rounds_alternate_their_order():
    order = []

    def run(name):
        order.append(name)
        return name

    got = interleaved({"a": lambda: run("a"), "b": lambda: run("b"), "c": lambda: run("c")}, rounds=3)
    assert order == ["a", "b", "c", "c", "b", "a", "a", "b", "c"] and got["b"] == ["b", "b", "b"]
    with pytest.raises(AccelkitError, match="rounds >= 1"):
        interleaved({"a": lambda: None}, rounds=0)


def test_the_harness_says_when_a_generation_stops_early():
    with pytest.raises(AccelkitError, match="stopped after 3 of 8 tokens"):
        measure_generation(lambda p, n, cb: [cb() or 0 for _ in range(3)], [0], 8, repeats=1)
    with pytest.raises(AccelkitError, match="new_tokens >= 2"):
        measure_generation(lambda p, n, cb: [], [0], 1)


def test_bound_by_reads_the_measurements():
    assert llm.bound_by(11, 10) == "bandwidth"
    assert llm.bound_by(20, 10, one_thread_ms=35) == "compute"
    assert llm.bound_by(20, 10, one_thread_ms=21) == "overhead"
    assert llm.bound_by(20, 10, one_thread_ms=24) == "compute + overhead"
    assert llm.bound_by(20, 10) == "not bandwidth"


def test_the_committed_tiny_llama_is_complete_and_learned_something():
    folder = llm.hf_folder("tiny-llama")
    assert (folder / "model.safetensors").stat().st_size < 20e6
    assert "held-out perplexity" in (folder / "TRAINING.txt").read_text()
    tok = tinyllama.load_tokenizer()
    ids = tok("def main():\n    return 0\n")["input_ids"]
    assert ids[0] == 0 and tok.decode(ids[1:]) == "def main():\n    return 0\n"
    import torch

    model = tinyllama.load_tiny()
    stream = llm.held_out_stream()
    with torch.no_grad():
        ppl = tinyllama.perplexity(lambda x: model(input_ids=torch.from_numpy(x)).logits.numpy(), stream, windows=4)
    assert ppl < 0.1 * tinyllama.VOCAB, f"held-out perplexity {ppl:.1f}: the model did not learn the corpus"


def test_openvino_export_matches_torch_and_the_hf_tokenizer():
    """The exported stateful model gives torch's greedy tokens; the OpenVINO tokenizer gives HF's ids."""
    import openvino_genai as genai
    import torch

    folder = llm.ov_folder("tiny-llama")
    start = llm.prompt(16, offset=1000)
    with torch.no_grad():
        ref = tinyllama.load_tiny().generate(torch.tensor([start]), max_new_tokens=12, do_sample=False,
                                             min_new_tokens=12)[0, 16:].tolist()
    pipe, _ = llm.ov_pipeline(folder)
    generate, _ = llm.ov_generate(pipe)
    assert generate(start, 12, lambda: None) == ref
    text = "import os\nprint(os.sep)\n"
    assert list(genai.Tokenizer(str(folder)).encode(text).input_ids.data[0]) == tinyllama.load_tokenizer()(text)["input_ids"]
    ort = llm.OrtDecoder(llm.ort_decoder("tiny-llama"), "tiny-llama")
    assert ort.generate(start, 12, lambda: None) == ref


def test_weight_compression_keeps_quality_in_order():
    """INT8 agrees with f32 almost everywhere; INT4 less, never more than INT8 (measured, not timed)."""
    held = llm.held_out_stream()
    ref = llm.OvLogits(llm.ov_folder("tiny-llama"))
    agree = {f: llm.next_token_agreement(ref, llm.OvLogits(llm.ov_folder("tiny-llama", f)), held, windows=2)
             for f in ("int8", "int4-sym-g64")}
    assert agree["int8"] > 0.95 and agree["int4-sym-g64"] <= agree["int8"] + 0.01
    assert llm.folder_mb(llm.ov_folder("tiny-llama", "int4-sym-g64")) < llm.folder_mb(llm.ov_folder("tiny-llama", "int8"))


def test_the_harness_agrees_with_perfmetrics_within_5_percent():
    """Same runs, two clocks: the harness's streamer timestamps and openvino-genai's PerfMetrics."""
    folder = llm.ov_folder(llm.speed_model(), "int8")
    r = llm.measure_ov(folder, llm.prompts(64, 4), 24, repeats=3)
    a = agreement(r)
    assert abs(a["tpot_ratio"] - 1) < 0.05, a
    assert abs(a["ttft_ratio"] - 1) < 0.05, a


def test_missing_or_corrupt_files_get_one_sentence(tmp_path):
    src = llm.ov_folder("tiny-llama")
    broken = tmp_path / "ov"
    shutil.copytree(src, broken)
    (broken / "openvino_tokenizer.xml").unlink()
    with pytest.raises(AccelkitError, match="openvino_tokenizer.xml is missing"):
        llm.ov_pipeline(broken)
    hf = tmp_path / "hf"
    shutil.copytree(llm.hf_folder("tiny-llama"), hf)
    (hf / "tokenizer.json").write_text("{not json")
    with pytest.raises(AccelkitError, match="could not be read"):
        tinyllama.load_tokenizer(hf)
    (hf / "model.safetensors").write_bytes(b"\0" * 64)
    with pytest.raises(AccelkitError, match="could not be read"):
        tinyllama.load_tiny(hf)


def test_corpus_split_is_stable_and_disjoint():
    train, held = tinyllama.corpus_split()
    assert held and train and not set(train) & set(held)
    assert 0.05 < len(held) / (len(train) + len(held)) < 0.2
    assert json.dumps([p.name for p in held[:3]]) == json.dumps([p.name for p in tinyllama.corpus_split()[1][:3]])
    assert math.isfinite(float(np.mean([p.stat().st_size for p in held])))
