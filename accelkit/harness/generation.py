"""Timing text generation the way the kit times everything else (notebook 07-llm-inference).

A generation has two phases with different costs, so they are reported apart:
- **TTFT** (time to first token): from the call to the first new token. It holds the *prefill*, one
  forward pass over the whole prompt, and grows with the prompt's length.
- **TPOT** (time per output token, "2nd-token latency"): the gap between consecutive new tokens. Each
  is one *decode* step over a single token, which reads every weight once.

Method (benchmark_app's, applied to generation):
1. loading / compiling the pipeline is timed by the caller and reported on its own (``load_s``);
2. one warm-up generation is run and discarded (it pays for lazy allocations and the first shapes);
3. ``repeats`` timed generations follow; each records a timestamp per new token through the
   ``on_token`` callback, on the harness's own clock (``time.perf_counter``);
4. the result reports TTFT and TPOT medians and p90 (nearest rank), tokens/s (new tokens over the
   whole call), the spread of the per-repeat TPOT, and every setting.

**Distinct prompts.** A runtime may keep what it computed for one prompt and reuse it for the next
(openvino-genai's default backend on the CPU, PagedAttention, has prefix caching on): the same
prompt timed twice then measures a cache hit, not a prefill. So the harness takes a list of
prompts of the same length and gives each run (the warm-up included) the next one; a single prompt
is allowed, and the result says how many distinct prompts it saw (``prompts``).

``generate(prompt_ids, max_new_tokens, on_token) -> new token ids`` is all the harness needs, so
openvino-genai's ``LLMPipeline`` (through a streamer) and the kit's ONNX Runtime decode loop are
measured by the same code. ``perf_metrics`` may carry what the runtime measured itself
(openvino-genai's ``PerfMetrics``): ``agreement`` compares the two.
"""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from ..errors import AccelkitError
from .measure import percentile

__all__ = ["Generate", "GenerationResult", "as_prompts", "measure_generation", "interleaved", "agreement",
           "generation_frame"]

Generate = Callable[[Sequence[int], int, Callable[[], None]], Sequence[int]]


@dataclass
class GenerationResult:
    """One measured generation configuration."""

    label: str
    prompt_tokens: int
    new_tokens: int
    repeats: int
    prompts: int              # distinct prompts the runs used (warm-up included)
    load_s: float | None
    warmup_ms: float
    ttft_ms: float            # median over repeats
    ttft_p90_ms: float
    tpot_ms: float            # median of every inter-token gap of every repeat
    tpot_p90_ms: float
    tpot_mean_ms: float       # what openvino-genai's PerfMetrics.get_tpot() reports (a mean)
    tpot_spread_pct: float    # (max - min) / median of the per-repeat mean TPOT
    tokens_per_s: float       # new tokens / whole call, median over repeats
    settings: dict[str, Any] = field(default_factory=dict)
    runtime_metrics: list[dict[str, float]] = field(default_factory=list, repr=False)
    token_gaps_ms: list[list[float]] = field(default_factory=list, repr=False)

    def row(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("runtime_metrics", "token_gaps_ms", "settings"):
            out.pop(key)
        return {**out, **{f"setting.{k}": v for k, v in self.settings.items()}}


def as_prompts(prompt_ids: Sequence[int] | Sequence[Sequence[int]]) -> list[list[int]]:
    """One prompt (token ids) or several of the same length, as a list of prompts."""
    if not len(prompt_ids):
        raise AccelkitError("the prompt is empty: give at least one token (the tokenizer adds <s> to any text).")
    if isinstance(prompt_ids[0], Sequence):
        prompts: list[list[int]] = [[int(t) for t in p] for p in prompt_ids]  # type: ignore[union-attr]
    else:
        prompts = [[int(t) for t in prompt_ids]]  # type: ignore[arg-type]
    lengths = {len(p) for p in prompts}
    if 0 in lengths:
        raise AccelkitError("one of the prompts is empty: give at least one token each.")
    if len(lengths) > 1:
        raise AccelkitError(f"the prompts have {len(lengths)} different lengths ({min(lengths)} to {max(lengths)} "
                            "tokens): TTFT depends on the length, so time prompts of one length together.")
    return prompts


def measure_generation(generate: Generate, prompt_ids: Sequence[int] | Sequence[Sequence[int]], new_tokens: int, *,
                       repeats: int = 3, label: str = "", load_s: float | None = None,
                       settings: dict[str, Any] | None = None,
                       perf_metrics: Callable[[], dict[str, float] | None] | None = None) -> GenerationResult:
    """Warm up once, then time ``repeats`` generations of exactly ``new_tokens`` tokens.

    ``prompt_ids`` is one prompt or a list of prompts of one length: run *i* (0 is the warm-up) uses
    prompt *i* modulo their number, so ``repeats + 1`` prompts give every run its own.
    ``generate.prepare(prompt, n)``, if it exists, is called before each run's clock starts (to
    build input tensors outside the timing). ``perf_metrics()``, if given, is called after each timed
    generation and returns the runtime's own view of it (``{"ttft_ms", "tpot_ms", "throughput"}``)."""
    if new_tokens < 2:
        raise AccelkitError("measure_generation needs new_tokens >= 2: TPOT is the gap between two new tokens.")
    if repeats < 1:
        raise AccelkitError("measure_generation needs repeats >= 1.")
    prompts = as_prompts(prompt_ids)
    prepare = getattr(generate, "prepare", None)
    run = {"i": 0}

    def once() -> tuple[float, list[float], float, int]:
        stamps: list[float] = []
        prompt = prompts[run["i"] % len(prompts)]
        run["i"] += 1
        if prepare is not None:
            prepare(prompt, new_tokens)
        start = time.perf_counter()
        out = generate(prompt, new_tokens, lambda: stamps.append(time.perf_counter()))
        end = time.perf_counter()
        if not stamps:
            raise AccelkitError("the generation produced no token: check max_new_tokens and the stop settings.")
        gaps = [(b - a) * 1e3 for a, b in zip(stamps, stamps[1:], strict=False)]
        return (stamps[0] - start) * 1e3, gaps, end - start, len(out)

    t = time.perf_counter()
    once()
    warmup_ms = (time.perf_counter() - t) * 1e3
    ttfts, all_gaps, per_repeat, rates, metrics = [], [], [], [], []
    produced = new_tokens
    for _ in range(repeats):
        ttft, gaps, total, produced = once()
        if produced < new_tokens:
            raise AccelkitError(f"the generation stopped after {produced} of {new_tokens} tokens (an end-of-text "
                                "token?): set ignore_eos, or time fewer tokens.")
        ttfts.append(ttft)
        all_gaps.append(gaps)
        per_repeat.append(statistics.fmean(gaps) if gaps else float("nan"))
        rates.append(produced / total)
        if perf_metrics is not None:
            m = perf_metrics()
            if m:
                metrics.append(m)
    pooled = sorted(g for gaps in all_gaps for g in gaps)
    mid = statistics.median(per_repeat)
    return GenerationResult(
        label=label, prompt_tokens=len(prompts[0]), new_tokens=produced, repeats=repeats,
        prompts=min(len(prompts), repeats + 1), load_s=load_s,
        warmup_ms=warmup_ms, ttft_ms=statistics.median(ttfts), ttft_p90_ms=percentile(sorted(ttfts), 90),
        tpot_ms=statistics.median(pooled), tpot_p90_ms=percentile(pooled, 90), tpot_mean_ms=statistics.fmean(pooled),
        tpot_spread_pct=100 * (max(per_repeat) - min(per_repeat)) / mid if mid else 0.0,
        tokens_per_s=statistics.median(rates), settings=dict(settings or {}), runtime_metrics=metrics,
        token_gaps_ms=all_gaps)


def interleaved(runs: dict[Any, Callable[[], GenerationResult]], rounds: int = 2) -> dict[Any, list[GenerationResult]]:
    """Call every measurement once per round, in the given order and then reversed on alternate
    rounds (so no configuration always runs right after the same neighbour), and collect each
    one's results: a slow spell on a shared machine then hits every configuration, not one."""
    if rounds < 1 or not runs:
        raise AccelkitError("interleaved needs at least one measurement and rounds >= 1.")
    results: dict[Any, list[GenerationResult]] = {name: [] for name in runs}
    for i in range(rounds):
        for name in (list(runs) if i % 2 == 0 else list(runs)[::-1]):
            results[name].append(runs[name]())
    return results


def agreement(result: GenerationResult) -> dict[str, float]:
    """The harness's TTFT and mean TPOT over the runtime's own (``PerfMetrics``), as ratios of medians
    over the same repeats (1.0 = identical)."""
    if not result.runtime_metrics:
        raise AccelkitError("this result carries no runtime metrics: measure it with perf_metrics=...")
    own_ttft = statistics.median(m["ttft_ms"] for m in result.runtime_metrics)
    own_tpot = statistics.median(m["tpot_ms"] for m in result.runtime_metrics)
    ours_tpot = statistics.median(statistics.fmean(g) for g in result.token_gaps_ms)
    return {"ttft_ratio": result.ttft_ms / own_ttft, "tpot_ratio": ours_tpot / own_tpot,
            "runtime_ttft_ms": own_ttft, "runtime_tpot_ms": own_tpot}


def generation_frame(results: Sequence[GenerationResult], columns: Sequence[str] | None = None):
    """A DataFrame of results, one row each (``columns`` picks and orders them)."""
    import pandas as pd

    frame = pd.DataFrame([r.row() for r in results])
    return frame[list(columns)] if columns else frame
