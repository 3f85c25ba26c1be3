"""Small Llama-architecture language models built here, offline (notebook 07-llm-inference).

- **The corpus** is the Python standard library's own source (``*.py`` under ``sysconfig``'s
  ``stdlib``, test suites and ``site-packages`` left out): every machine with Python has it. Files
  are split by a hash of their relative path, so about one file in ten is held out for perplexity.
- **The tokenizer** is a byte-level BPE (vocabulary 2,048; ``<s>``, ``</s>``, ``<pad>``) trained with
  ``tokenizers`` on the training files.
- **``tiny-llama``** (3.5 M parameters: hidden 256, 4 layers, MLP width 768, 8 query heads sharing 2 key/value
  heads) is trained on that corpus, seeded. ``python -m accelkit.models.tinyllama`` retrains it
  (12 to 16 minutes on 2 cores) and writes ``data/models/tiny-llama/``; the notebook loads the
  committed copy. It is the model whose *quality* is measured: perplexity and next-token agreement.
- **Speed configurations** (``SPEED``) are the same architecture with random weights, large enough
  that their weights do not fit in the last-level cache; they are built into the kit's cache on
  first use. Their text is gibberish: they are for timing only.

``LlamaDecoder`` re-implements the architecture in plain torch with the key/value cache as explicit
inputs and outputs (what an ONNX decode graph needs); it loads the Hugging Face weights unchanged
and ``tests/test_llm.py`` checks that its logits equal ``transformers``' own.
"""
from __future__ import annotations

import argparse
import hashlib
import math
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..config import data_dir
from ..errors import AccelkitError

if TYPE_CHECKING:
    from torch import nn

__all__ = ["TINY_DIR", "VOCAB", "SPECIALS", "TINY", "SPEED", "HELD_OUT_EVERY", "corpus_files", "corpus_split",
           "read_texts", "train_tokenizer", "load_tokenizer", "llama_config", "parameter_count", "build_random",
           "load_tiny", "token_stream", "perplexity", "LlamaDecoder", "train_tiny", "main"]

TINY_DIR = "models/tiny-llama"
VOCAB = 2048
SPECIALS = ("<s>", "</s>", "<pad>")          # ids 0, 1, 2
HELD_OUT_EVERY = 10                          # about one file in ten is held out
# hidden, layers, query heads, key/value heads, MLP width, context
TINY = dict(hidden_size=256, num_hidden_layers=4, num_attention_heads=8, num_key_value_heads=2,
            intermediate_size=768, max_position_embeddings=512)
SPEED = {
    "llm-136m": dict(hidden_size=1024, num_hidden_layers=12, num_attention_heads=16, num_key_value_heads=4,
                     intermediate_size=2816, max_position_embeddings=2048),
    "llm-24m": dict(hidden_size=512, num_hidden_layers=8, num_attention_heads=8, num_key_value_heads=2,
                    intermediate_size=1408, max_position_embeddings=2048),
}


# ---------------------------------------------------------------- the corpus

def corpus_files() -> list[Path]:
    """The standard library's ``.py`` files, sorted, without test suites, site-packages or IDLE."""
    root = Path(sysconfig.get_paths()["stdlib"])
    skip = {"site-packages", "dist-packages", "test", "tests", "idlelib", "__pycache__"}
    files = sorted(p for p in root.rglob("*.py") if not skip & set(p.relative_to(root).parts))
    if not files:
        raise AccelkitError(f"found no Python source under {root}: the corpus is the standard library's own files")
    return files


def _held_out(path: Path) -> bool:
    rel = path.relative_to(Path(sysconfig.get_paths()["stdlib"])).as_posix()
    return int(hashlib.sha1(rel.encode()).hexdigest(), 16) % HELD_OUT_EVERY == 0


def corpus_split() -> tuple[list[Path], list[Path]]:
    """(training files, held-out files), split by a hash of each file's path (stable across machines)."""
    files = corpus_files()
    return [p for p in files if not _held_out(p)], [p for p in files if _held_out(p)]


def read_texts(files: list[Path]) -> list[str]:
    return [p.read_text(encoding="utf-8", errors="replace") for p in files]


# ---------------------------------------------------------------- tokenizer

def train_tokenizer(texts: list[str], vocab: int = VOCAB):
    """A byte-level BPE tokenizer (``tokenizers``) wrapped as a ``transformers`` fast tokenizer;
    every encoding starts with ``<s>``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab, special_tokens=list(SPECIALS), show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(texts, trainer=trainer)
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", 0)])
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", pad_token="<pad>")


def load_tokenizer(folder: Path | None = None):
    from transformers import AutoTokenizer

    folder = Path(folder or data_dir() / TINY_DIR)
    if not (folder / "tokenizer.json").is_file():
        raise AccelkitError(f"{folder} has no tokenizer.json: rebuild it with `python -m accelkit.models.tinyllama`.")
    try:
        return AutoTokenizer.from_pretrained(folder)
    except Exception as exc:  # a damaged JSON file raises several types
        raise AccelkitError(f"the tokenizer in {folder} could not be read ({type(exc).__name__}): "
                            "rebuild it with `python -m accelkit.models.tinyllama`.") from None


# ---------------------------------------------------------------- models

def llama_config(shape: dict[str, int]):
    from transformers import LlamaConfig

    kwargs: dict[str, Any] = dict(vocab_size=VOCAB, bos_token_id=0, eos_token_id=1, pad_token_id=2,
                                  tie_word_embeddings=True, rms_norm_eps=1e-5, rope_theta=10000.0, **shape)
    return LlamaConfig(**kwargs)


def parameter_count(shape: dict[str, int], vocab: int = VOCAB) -> int:
    """Parameters of a Llama with tied embeddings, from its shape (no model needed)."""
    h, inter, layers = shape["hidden_size"], shape["intermediate_size"], shape["num_hidden_layers"]
    kv = h // shape["num_attention_heads"] * shape["num_key_value_heads"]
    per_layer = 2 * h * h + 2 * h * kv + 3 * h * inter + 2 * h
    return vocab * h + layers * per_layer + h


def build_random(shape: dict[str, int], folder: Path, tokenizer_folder: Path | None = None, seed: int = 0) -> Path:
    """A random-init model of ``shape`` saved with the kit's tokenizer (for timing only)."""
    import torch
    from transformers import LlamaForCausalLM

    torch.manual_seed(seed)
    model = LlamaForCausalLM(llama_config(shape)).eval()
    model.save_pretrained(folder)
    load_tokenizer(tokenizer_folder).save_pretrained(folder)
    return folder


def load_tiny(folder: Path | None = None):
    """The trained tiny-llama (a ``transformers`` model, eval mode)."""
    from transformers import LlamaForCausalLM

    folder = Path(folder or data_dir() / TINY_DIR)
    if not (folder / "model.safetensors").is_file():
        raise AccelkitError(f"{folder} has no model.safetensors: rebuild it with `python -m accelkit.models.tinyllama`.")
    try:
        return LlamaForCausalLM.from_pretrained(folder).eval()
    except Exception as exc:
        raise AccelkitError(f"the model in {folder} could not be read ({type(exc).__name__}): "
                            "rebuild it with `python -m accelkit.models.tinyllama`.") from None


def token_stream(tokenizer, texts: list[str]) -> np.ndarray:
    """All texts encoded and joined (each file starts with ``<s>``) as one int64 array."""
    ids = tokenizer(texts, add_special_tokens=True)["input_ids"]
    return np.concatenate([np.asarray(i, dtype=np.int64) for i in ids])


def perplexity(logits_of, stream: np.ndarray, *, window: int = 256, windows: int = 16) -> float:
    """exp(mean next-token cross-entropy) over ``windows`` evenly spaced windows of ``stream``;
    ``logits_of(ids[1, T]) -> [1, T, vocab]`` may be any runtime's forward pass."""
    starts = np.linspace(0, len(stream) - window - 1, windows).astype(int)
    total, count = 0.0, 0
    for s in starts:
        ids = np.array(stream[s:s + window])[None]     # a writable copy (the held-out stream is read-only)
        logits = np.asarray(logits_of(ids), dtype=np.float64)[0]
        logits -= logits.max(-1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
        target = stream[s + 1:s + window + 1]
        total -= float(logp[np.arange(window), target].sum())
        count += window
    return math.exp(total / count)


# ---------------------------------------------------------------- the same model with an explicit KV cache

def _decoder_class():
    import torch
    from torch import nn

    class LlamaDecoder(nn.Module):
        """Llama with the KV cache as explicit tensors: ``forward(input_ids[B,T], past_k[L,B,kv,P,d],
        past_v) -> (logits[B,T,V], present_k[L,B,kv,P+T,d], present_v)``; positions start at P."""

        def __init__(self, hf_model) -> None:
            super().__init__()
            cfg = hf_model.config
            self.layers_n, self.heads, self.kv = cfg.num_hidden_layers, cfg.num_attention_heads, cfg.num_key_value_heads
            self.d = cfg.hidden_size // self.heads
            self.eps = cfg.rms_norm_eps
            self.model = hf_model.model
            self.lm_head = hf_model.lm_head
            theta = (getattr(cfg, "rope_parameters", None) or {}).get("rope_theta", 10000.0)
            inv = 1.0 / (theta ** (torch.arange(0, self.d, 2, dtype=torch.float32) / self.d))
            self.register_buffer("inv_freq", inv, persistent=False)

        def _norm(self, x, weight):
            return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))

        @staticmethod
        def _rotate(x):
            half = x.shape[-1] // 2
            return torch.cat((-x[..., half:], x[..., :half]), dim=-1)

        def forward(self, input_ids, past_k, past_v):
            b, t = input_ids.shape
            p = past_k.shape[3]
            pos = torch.arange(t, dtype=torch.float32) + p
            freqs = pos[:, None] * self.inv_freq[None]
            emb = torch.cat((freqs, freqs), dim=-1)
            cos, sin = emb.cos()[None, None], emb.sin()[None, None]
            # causal mask over [past + new]: new token i sees past and new tokens 0..i
            full = p + t
            mask = torch.arange(full)[None, :] <= (torch.arange(t)[:, None] + p)
            bias = torch.zeros(t, full).masked_fill(~mask, float("-inf"))
            x = self.model.embed_tokens(input_ids)
            keys, values = [], []
            for i, layer in enumerate(self.model.layers):
                att = layer.self_attn
                h = self._norm(x, layer.input_layernorm.weight)
                q = att.q_proj(h).view(b, t, self.heads, self.d).transpose(1, 2)
                k = att.k_proj(h).view(b, t, self.kv, self.d).transpose(1, 2)
                v = att.v_proj(h).view(b, t, self.kv, self.d).transpose(1, 2)
                q = q * cos + self._rotate(q) * sin
                k = k * cos + self._rotate(k) * sin
                k = torch.cat((past_k[i], k), dim=2)
                v = torch.cat((past_v[i], v), dim=2)
                keys.append(k)
                values.append(v)
                rep = self.heads // self.kv
                kk = k.repeat_interleave(rep, dim=1)
                vv = v.repeat_interleave(rep, dim=1)
                scores = q @ kk.transpose(-1, -2) / math.sqrt(self.d) + bias
                o = (scores.softmax(-1) @ vv).transpose(1, 2).reshape(b, t, self.heads * self.d)
                x = x + att.o_proj(o)
                h = self._norm(x, layer.post_attention_layernorm.weight)
                mlp = layer.mlp
                x = x + mlp.down_proj(torch.nn.functional.silu(mlp.gate_proj(h)) * mlp.up_proj(h))
            x = self._norm(x, self.model.norm.weight)
            return self.lm_head(x), torch.stack(keys), torch.stack(values)

    return LlamaDecoder


def LlamaDecoder(hf_model) -> nn.Module:  # noqa: N802 (a class built lazily: torch is imported on use)
    return _decoder_class()(hf_model).eval()


# ---------------------------------------------------------------- training tiny-llama

@dataclass
class TrainReport:
    steps: int
    seconds: float
    train_loss: float
    held_out_perplexity: float
    parameters: int


def train_tiny(out: Path, *, steps: int = 600, seq: int = 256, batch: int = 16, lr: float = 3e-3, seed: int = 0,
               log=print) -> TrainReport:
    """Train the tokenizer and tiny-llama on the standard library's source and save both to ``out``."""
    import torch
    from transformers import LlamaForCausalLM

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    train_files, held_files = corpus_split()
    t0 = time.perf_counter()
    texts = read_texts(train_files)
    tokenizer = train_tokenizer(texts)
    stream = token_stream(tokenizer, texts)
    held = token_stream(tokenizer, read_texts(held_files))
    log(f"corpus: {len(train_files)} training files ({len(stream):,} tokens), {len(held_files)} held out "
        f"({len(held):,} tokens); tokenizer in {time.perf_counter() - t0:.1f} s")
    model = LlamaForCausalLM(llama_config(TINY))
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.1, betas=(0.9, 0.95))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.05)
    loss_ema = float("nan")
    for step in range(steps):
        starts = rng.integers(0, len(stream) - seq, size=batch)
        x = torch.from_numpy(np.stack([stream[s:s + seq] for s in starts]))
        loss = model(input_ids=x, labels=x, use_cache=False).loss   # transformers shifts the labels itself
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        value = float(loss.detach())
        loss_ema = value if step == 0 else 0.98 * loss_ema + 0.02 * value
        if step % 100 == 0 or step == steps - 1:
            log(f"step {step:5d}  loss {loss_ema:.3f}  {time.perf_counter() - t0:.0f} s")
    model.eval()
    with torch.no_grad():
        ppl = perplexity(lambda ids: model(input_ids=torch.from_numpy(ids)).logits.numpy(), held)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    report = TrainReport(steps, time.perf_counter() - t0, loss_ema, ppl, sum(p.numel() for p in model.parameters()))
    (out / "TRAINING.txt").write_text(
        f"python -m accelkit.models.tinyllama (seed {seed}, {steps} steps of {batch}x{seq} tokens, AdamW lr {lr})\n"
        f"parameters {report.parameters:,}; final training loss {report.train_loss:.3f}; "
        f"held-out perplexity {report.held_out_perplexity:.2f} (16 windows of 256 tokens)\n")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train tiny-llama on the standard library's source (seeded).")
    parser.add_argument("--out", type=Path, default=None, help="folder (default: data/models/tiny-llama)")
    parser.add_argument("--steps", type=int, default=600)
    args = parser.parse_args(argv)
    out = args.out or data_dir() / TINY_DIR
    r = train_tiny(out, steps=args.steps)
    print(f"saved {out}: {r.parameters:,} parameters, held-out perplexity {r.held_out_perplexity:.2f}, "
          f"{r.seconds:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

