"""Generative inference on the CPU (notebook 07-llm-inference): the kit's Llama models exported to
OpenVINO (openvino-genai's ``LLMPipeline``) and to ONNX Runtime (a decode loop with an explicit KV
cache), weight formats made with NNCF and with ONNX Runtime's ``MatMulNBits`` quantizer, and the
arithmetic that predicts decode speed.

Everything is built locally: the exporters run with the Hugging Face hub switched off
(``HF_HUB_OFFLINE``), and every export lands in the kit's cache, keyed by the model's shape and the
library versions.
"""
from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .config import cache_dir, data_dir, is_quick
from .core.cache import build_once, versions_key
from .core.quiet import quiet
from .errors import AccelkitError
from .harness.generation import GenerationResult, as_prompts, measure_generation
from .models import tinyllama

__all__ = ["FORMATS", "WeightFormat", "weight_format", "speed_model", "model_shape", "hf_folder", "ov_folder",
           "folder_mb", "weight_bytes", "kv_cache_bytes", "predicted_tpot_ms", "ov_pipeline", "ov_generate",
           "measure_ov", "OvLogits", "next_token_agreement", "check_prompt", "ort_decoder", "ort_int_weights",
           "OrtDecoder", "measure_ort", "calibration_inputs", "bf16_native", "held_out_stream", "BACKENDS", "prompt",
           "prompts", "bound_by", "batch_generate"]

os.environ.setdefault("HF_HUB_OFFLINE", "1")          # nothing may be downloaded at run time
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
LIBS = ("torch", "transformers", "optimum", "optimum-intel", "openvino", "openvino-tokenizers", "nncf", "onnx",
        "onnxruntime")


# ---------------------------------------------------------------- weight formats

@dataclass(frozen=True)
class WeightFormat:
    """How the weights are stored: ``f32``, ``int8`` (asymmetric, per output channel) or ``int4``
    (``sym`` or asymmetric, ``group`` weights per scale, ``ratio`` of the layers in 4 bits, the rest
    in int8; ``awq`` adds activation-aware scaling and scale estimation from calibration text)."""

    name: str
    bits: int
    sym: bool = False
    group: int = -1
    ratio: float = 1.0
    awq: bool = False

    @property
    def bits_per_weight(self) -> float:
        """Storage per weight, scales included (one f16 scale per group, plus an 8-bit zero point if asymmetric)."""
        if self.bits == 32:
            return 32.0
        per_group = 16 + (0 if self.sym else 8)
        return self.bits + (per_group / self.group if self.group > 0 else 0.0)


FORMATS = {
    "f32": WeightFormat("f32", 32),
    "int8": WeightFormat("int8", 8),
    "int4-sym-g64": WeightFormat("int4-sym-g64", 4, sym=True, group=64),
    "int4-asym-g128-r0.8": WeightFormat("int4-asym-g128-r0.8", 4, group=128, ratio=0.8),
    "int4-awq-g64": WeightFormat("int4-awq-g64", 4, sym=True, group=64, awq=True),
}
_PATTERN = re.compile(r"int4-(sym|asym)-g(\d+)(?:-r(0\.\d+|1\.0))?")


def weight_format(name: str | WeightFormat, shape: dict[str, int] | None = None) -> WeightFormat:
    """A named format (``FORMATS``) or ``int4-{sym|asym}-g{N}[-r{ratio}]``; a group size must divide the
    model's hidden and MLP widths, or the sentence says which does not."""
    if isinstance(name, WeightFormat):
        fmt = name
    elif name in FORMATS:
        fmt = FORMATS[name]
    else:
        m = _PATTERN.fullmatch(str(name))
        if not m:
            raise AccelkitError(f"unknown weight format {name!r}: use one of {', '.join(FORMATS)} "
                                "or int4-sym-g<group>[-r<ratio>] / int4-asym-g<group>[-r<ratio>].")
        fmt = WeightFormat(str(name), 4, sym=m[1] == "sym", group=int(m[2]), ratio=float(m[3] or 1.0))
    if shape and fmt.group > 0:
        for key in ("hidden_size", "intermediate_size"):
            if shape[key] % fmt.group:
                raise AccelkitError(f"group size {fmt.group} does not divide the model's {key} ({shape[key]}): "
                                    "pick a divisor such as 32, 64 or 128.")
    return fmt


# ---------------------------------------------------------------- models and their folders

def speed_model() -> str:
    """The random-init configuration used for speed: 136 M parameters, or 24 M in quick mode."""
    return "llm-24m" if is_quick() else "llm-136m"


def model_shape(name: str) -> dict[str, int]:
    if name == "tiny-llama":
        return dict(tinyllama.TINY)
    if name not in tinyllama.SPEED:
        raise AccelkitError(f"unknown model {name!r}: use tiny-llama or one of {', '.join(tinyllama.SPEED)}.")
    return dict(tinyllama.SPEED[name])


def _key(name: str, *parts: str) -> str:
    return versions_key(LIBS, name, repr(sorted(model_shape(name).items())), *parts).hexdigest()[:10]


def hf_folder(name: str) -> Path:
    """The Hugging Face folder of ``name``: the committed tiny-llama, or a random-init model built once."""
    if name == "tiny-llama":
        folder = data_dir() / tinyllama.TINY_DIR
        for needed in ("config.json", "model.safetensors", "tokenizer.json"):
            if not (folder / needed).is_file():
                raise AccelkitError(f"{folder / needed} is missing: restore it from git, or rebuild it with "
                                    "`python -m accelkit.models.tinyllama`.")
        return folder
    folder = cache_dir() / "llm" / f"{name}-{_key(name)}" / "hf"
    build_once(folder, lambda tmp: tinyllama.build_random(model_shape(name), tmp))
    return folder


def _export_f32(name: str, out: Path) -> None:
    import openvino as ov
    import openvino_tokenizers
    from optimum.exporters.openvino import main_export

    with quiet():
        main_export(model_name_or_path=str(hf_folder(name)), output=out, task="text-generation-with-past",
                    ov_config=None, convert_tokenizer=False, library_name="transformers")
        tok, detok = openvino_tokenizers.convert_tokenizer(tinyllama.load_tokenizer(hf_folder(name)), with_detokenizer=True)
        ov.save_model(tok, out / "openvino_tokenizer.xml")
        ov.save_model(detok, out / "openvino_detokenizer.xml")


def calibration_inputs(name: str, samples: int = 8, length: int = 128) -> list[dict[str, np.ndarray]]:
    """Calibration windows (training text, never the held-out files) as the stateful model's inputs."""
    tok = tinyllama.load_tokenizer(hf_folder(name))
    train, _ = tinyllama.corpus_split()
    stream = tinyllama.token_stream(tok, tinyllama.read_texts(train[::25]))
    starts = np.linspace(0, len(stream) - length - 1, samples).astype(int)
    return [{"input_ids": stream[s:s + length][None], "attention_mask": np.ones((1, length), np.int64),
             "position_ids": np.arange(length, dtype=np.int64)[None], "beam_idx": np.zeros(1, np.int32)}
            for s in starts]


def _compress(name: str, fmt: WeightFormat, src: Path, out: Path) -> None:
    import nncf
    import openvino as ov

    for f in src.iterdir():
        if not f.name.startswith("openvino_model."):
            shutil.copy2(f, out / f.name)
    model = ov.Core().read_model(src / "openvino_model.xml")
    if fmt.bits == 8:
        kwargs: dict[str, Any] = {"mode": nncf.CompressWeightsMode.INT8_ASYM}
    else:
        kwargs = {"mode": nncf.CompressWeightsMode.INT4_SYM if fmt.sym else nncf.CompressWeightsMode.INT4_ASYM,
                  "group_size": fmt.group, "ratio": fmt.ratio}
        if fmt.awq:
            kwargs.update(awq=True, scale_estimation=True, dataset=nncf.Dataset(calibration_inputs(name)))
    with quiet():
        compressed = nncf.compress_weights(model, **kwargs)
    ov.save_model(compressed, out / "openvino_model.xml", compress_to_fp16=False)


def ov_folder(name: str, fmt: str | WeightFormat = "f32") -> Path:
    """The OpenVINO folder (stateful model, tokenizer and detokenizer IRs) of ``name`` in ``fmt``,
    exported or compressed into the cache on first use."""
    wf = weight_format(fmt, model_shape(name))
    base = cache_dir() / "llm" / f"{name}-{_key(name)}"
    f32 = base / "ov-f32"
    build_once(f32, lambda tmp: _export_f32(name, tmp))
    if wf.bits == 32:
        return f32
    out = base / f"ov-{wf.name}"
    build_once(out, lambda tmp: _compress(name, wf, f32, tmp))
    return out


def folder_mb(folder: Path, pattern: str = "openvino_model.bin") -> float:
    return sum(p.stat().st_size for p in Path(folder).glob(pattern)) / 1e6


def weight_bytes(folder: Path) -> int:
    """Bytes of weights one decode step reads: the whole weights file (the tied embedding matrix is
    read in full by the output layer; a lookup reads one row of it)."""
    files = list(Path(folder).glob("openvino_model.bin")) or list(Path(folder).glob("*.onnx.data")) or \
        list(Path(folder).glob("*.onnx"))
    if not files:
        raise AccelkitError(f"{folder} holds no weights file (openvino_model.bin or .onnx): export it again.")
    return sum(p.stat().st_size for p in files)


def kv_cache_bytes(shape: dict[str, int], tokens: int, bytes_per_element: float = 4.0, batch: int = 1) -> float:
    """2 (K and V) x layers x key/value heads x head size x tokens x batch x bytes per element."""
    head = shape["hidden_size"] // shape["num_attention_heads"]
    return 2 * shape["num_hidden_layers"] * shape["num_key_value_heads"] * head * tokens * batch * bytes_per_element


def predicted_tpot_ms(bytes_per_token: float, bandwidth_gbps: float) -> float:
    """The bandwidth bound on one decode step: bytes it must read over the bytes/s memory delivers."""
    return bytes_per_token / (bandwidth_gbps * 1e9) * 1e3


def bf16_native() -> bool:
    """True where the CPU has AVX-512 BF16 or AMX (OpenVINO then runs f32 models in bf16 by default)."""
    from .core.host import parse_cpu_flags, read_cpuinfo

    flags = parse_cpu_flags(read_cpuinfo())
    return "avx512_bf16" in flags or "amx_bf16" in flags


_HELD_OUT: dict[str, np.ndarray] = {}


def held_out_stream(name: str = "tiny-llama") -> np.ndarray:
    """The held-out files as one token stream (tokenized once per process; read-only)."""
    if name not in _HELD_OUT:
        _, held = tinyllama.corpus_split()
        stream = tinyllama.token_stream(tinyllama.load_tokenizer(hf_folder(name)), tinyllama.read_texts(held))
        stream.flags.writeable = False
        _HELD_OUT[name] = stream
    return _HELD_OUT[name]


# ---------------------------------------------------------------- OpenVINO: LLMPipeline

BACKENDS = ("SDPA", "PA")


def ov_pipeline(folder: Path, *, precision: str = "f32", kv_cache: str | None = None, scheduler: dict | None = None,
                threads: int | None = None, backend: str = "SDPA", properties: dict[str, Any] | None = None):
    """(``LLMPipeline``, load seconds).

    ``backend`` is openvino-genai's ATTENTION_BACKEND: "SDPA" runs the exported stateful model as it
    is (the KV cache is the infer request's state; one request at a time); "PA" converts it to
    PagedAttention and runs it through the continuous-batching scheduler — openvino-genai's own
    default on x86 CPUs, which also turns prefix caching on (a repeated prompt prefix is not
    recomputed). The kit defaults to "SDPA" so a prefill is a prefill; ``scheduler`` (a dict of
    ``SchedulerConfig`` fields) implies "PA" with exactly those fields (prefix caching off unless
    given). ``precision`` is the CPU plugin's INFERENCE_PRECISION_HINT; ``kv_cache`` its
    KV_CACHE_PRECISION (the plugin's default is u8); ``properties`` go to the plugin as they are
    (e.g. ``{"DYNAMIC_QUANTIZATION_GROUP_SIZE": 0}``)."""
    import openvino_genai as genai

    if backend not in BACKENDS:
        raise AccelkitError(f"unknown attention backend {backend!r}: use 'SDPA' (the stateful model) or 'PA' "
                            "(PagedAttention with continuous batching).")
    folder = Path(folder)
    for needed in ("openvino_model.xml", "openvino_tokenizer.xml", "openvino_detokenizer.xml"):
        if not (folder / needed).is_file():
            raise AccelkitError(f"{folder / needed} is missing: delete {folder} and run again, the kit rebuilds it.")
    props: dict[str, Any] = {"INFERENCE_PRECISION_HINT": precision}
    if kv_cache:
        props["KV_CACHE_PRECISION"] = kv_cache
    if threads:
        props["INFERENCE_NUM_THREADS"] = threads
    props["ATTENTION_BACKEND"] = "PA" if scheduler is not None else backend
    props.update(properties or {})
    if scheduler is not None:
        sc = genai.SchedulerConfig()
        for k, v in scheduler.items():
            setattr(sc, k, v)
        props["scheduler_config"] = sc
    t = time.perf_counter()
    try:
        pipe = genai.LLMPipeline(str(folder), "CPU", **props)
    except RuntimeError as exc:
        raise AccelkitError(f"openvino-genai could not load {folder.name} ({str(exc).splitlines()[0][:120]}): "
                            f"delete {folder} and run again, the kit rebuilds it.") from None
    return pipe, time.perf_counter() - t


def _config(new_tokens: int):
    import openvino_genai as genai

    c = genai.GenerationConfig()
    c.max_new_tokens = new_tokens
    c.do_sample = False
    c.ignore_eos = True
    c.apply_chat_template = False
    return c


def check_prompt(prompt_ids: Sequence[int], new_tokens: int, context: int) -> None:
    if len(prompt_ids) == 0:
        raise AccelkitError("the prompt is empty: give at least one token (the tokenizer adds <s> to any text).")
    if new_tokens < 1:
        raise AccelkitError("max_new_tokens must be at least 1.")
    if len(prompt_ids) + new_tokens > context:
        raise AccelkitError(f"{len(prompt_ids)} prompt tokens + {new_tokens} new ones exceed the model's context "
                            f"window of {context} tokens: shorten the prompt or ask for fewer tokens.")


def ov_generate(pipe) -> tuple[Callable, Callable[[], dict[str, float] | None]]:
    """(``generate(prompt_ids, n, on_token)`` for the harness, a getter of the last run's PerfMetrics)."""
    import openvino as ov
    import openvino_genai as genai

    last: dict[str, Any] = {}
    prepared: dict[tuple, Any] = {}     # input tensor and config built before the clock starts

    class Stamp(genai.StreamerBase):
        def __init__(self, on_token):
            super().__init__()
            self.on_token = on_token

        def write(self, token):
            self.on_token()
            return genai.StreamingStatus.RUNNING

        def end(self):
            pass

    def prepare(prompt_ids, n):
        key = (tuple(prompt_ids), n)
        if key not in prepared:
            if len(prepared) >= 32:
                prepared.clear()
            prepared[key] = (ov.Tensor(np.asarray(prompt_ids, dtype=np.int64)[None]), _config(n))
        return prepared[key]

    def generate(prompt_ids, n, on_token):
        ids, config = prepare(prompt_ids, n)
        result = pipe.generate(ids, config, Stamp(on_token))
        last["metrics"] = result.perf_metrics
        return list(result.tokens[0])

    generate.prepare = prepare          # type: ignore[attr-defined]  # the harness calls it before its clock

    def metrics():
        pm = last.get("metrics")
        if pm is None:
            return None
        return {"ttft_ms": pm.get_ttft().mean, "tpot_ms": pm.get_tpot().mean, "throughput": pm.get_throughput().mean}

    return generate, metrics


def measure_ov(folder: Path, prompt_ids: Sequence[int] | Sequence[Sequence[int]], new_tokens: int, *,
               repeats: int = 3, precision: str = "f32", kv_cache: str | None = None, label: str = "",
               context: int = 2048, pipe=None, threads: int | None = None, backend: str = "SDPA") -> GenerationResult:
    """Load (unless ``pipe`` is given), warm up, then time ``repeats`` greedy generations.
    ``prompt_ids`` is one prompt or several of one length (``prompts``: each run its own); the
    settings record what the caller says ``pipe`` was built with."""
    for p in as_prompts(prompt_ids):
        check_prompt(p, new_tokens, context)
    load_s = None
    if pipe is None:
        pipe, load_s = ov_pipeline(folder, precision=precision, kv_cache=kv_cache, threads=threads, backend=backend)
    generate, metrics = ov_generate(pipe)
    settings = {"runtime": "openvino-genai", "model": Path(folder).name, "backend": backend, "precision": precision,
                "kv_cache": kv_cache or "u8 (default)", "threads": threads or os.cpu_count(), "greedy": True}
    return measure_generation(generate, prompt_ids, new_tokens, repeats=repeats, label=label or Path(folder).name,
                              load_s=load_s, settings=settings, perf_metrics=metrics)


class OvLogits:
    """Full-sequence logits from a stateful OpenVINO model (for perplexity and agreement); the state
    is reset before every window, so each window is scored on its own."""

    def __init__(self, folder: Path, precision: str = "f32") -> None:
        import openvino as ov

        self.compiled = ov.Core().compile_model(Path(folder) / "openvino_model.xml", "CPU",
                                                {"INFERENCE_PRECISION_HINT": precision})
        self.request = self.compiled.create_infer_request()

    def __call__(self, ids: np.ndarray) -> np.ndarray:
        self.request.reset_state()
        t = ids.shape[1]
        out = self.request.infer({"input_ids": ids, "attention_mask": np.ones_like(ids),
                                  "position_ids": np.arange(t, dtype=np.int64)[None], "beam_idx": np.zeros(1, np.int32)})
        return out[self.compiled.output(0)]


def next_token_agreement(reference: Callable, candidate: Callable, stream: np.ndarray, *, window: int = 256,
                         windows: int = 8) -> float:
    """Share of positions where both models' most likely next token is the same."""
    starts = np.linspace(0, len(stream) - window - 1, windows).astype(int)
    same = total = 0
    for s in starts:
        ids = np.array(stream[s:s + window])[None]     # a writable copy (the held-out stream is read-only)
        same += int((reference(ids).argmax(-1) == candidate(ids).argmax(-1)).sum())
        total += window
    return same / total


# ---------------------------------------------------------------- ONNX Runtime: a decode loop with a KV cache

def _export_ort(name: str, out: Path) -> None:
    import torch

    with quiet():             # transformers' weight-loading progress bar
        model = tinyllama.load_tiny(hf_folder(name)) if name == "tiny-llama" else _random_hf(name)
    decoder = tinyllama.LlamaDecoder(model)
    shape = model_shape(name)
    layers, kv = shape["num_hidden_layers"], shape["num_key_value_heads"]
    head = shape["hidden_size"] // shape["num_attention_heads"]
    ids = torch.zeros((1, 4), dtype=torch.int64)
    past = torch.zeros((layers, 1, kv, 3, head))
    with quiet(), torch.no_grad():
        torch.onnx.export(decoder, (ids, past, past), out / "decoder.onnx", dynamo=False, opset_version=17,
                          input_names=["input_ids", "past_k", "past_v"], output_names=["logits", "present_k", "present_v"],
                          dynamic_axes={"input_ids": {0: "batch", 1: "new"}, "past_k": {1: "batch", 3: "past"},
                                        "past_v": {1: "batch", 3: "past"}, "logits": {0: "batch", 1: "new"},
                                        "present_k": {1: "batch", 3: "total"}, "present_v": {1: "batch", 3: "total"}})


def _random_hf(name: str):
    from transformers import LlamaForCausalLM

    return LlamaForCausalLM.from_pretrained(hf_folder(name)).eval()


def _ort_quantize(src: Path, out: Path, bits: int, block: int, sym: bool, accuracy_level: int | None) -> None:
    import onnx
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    with quiet():
        q = MatMulNBitsQuantizer(onnx.load(src / "decoder.onnx"), bits=bits, block_size=block, is_symmetric=sym,
                                 accuracy_level=accuracy_level)
        q.process()
        q.model.save_model_to_file(str(out / "decoder.onnx"), use_external_data_format=False)


def ort_decoder(name: str) -> Path:
    """The f32 ONNX decode graph of ``name`` (explicit past/present K and V), built once."""
    folder = cache_dir() / "llm" / f"{name}-{_key(name)}" / "ort-f32"
    build_once(folder, lambda tmp: _export_ort(name, tmp))
    return folder


def ort_int_weights(name: str, bits: int = 4, block: int = 64, sym: bool = True,
                    accuracy_level: int | None = None) -> Path:
    """The decode graph with its MatMul weights in ``bits`` (MatMulNBits, ``block`` weights per scale).
    ``accuracy_level`` is the node attribute that lets the CPU kernel compute in lower precision: 4
    quantizes each block of the input to int8 on the fly and uses integer dot products; unset (None)
    computes in f32."""
    if bits not in (4, 8):
        raise AccelkitError(f"MatMulNBits stores 4 or 8 bits per weight, not {bits}.")
    if accuracy_level not in (None, 0, 1, 2, 3, 4):
        raise AccelkitError(f"accuracy_level is 0 (unset), 1 (f32), 2 (f16), 3 (bf16) or 4 (int8), not {accuracy_level!r}.")
    weight_format(f"int4-{'sym' if sym else 'asym'}-g{block}", model_shape(name))
    level = "" if accuracy_level is None else f"-acc{accuracy_level}"
    folder = cache_dir() / "llm" / f"{name}-{_key(name)}" / f"ort-int{bits}-{'sym' if sym else 'asym'}-b{block}{level}"
    build_once(folder, lambda tmp: _ort_quantize(ort_decoder(name), tmp, bits, block, sym, accuracy_level))
    return folder


class OrtDecoder:
    """Greedy decoding with ONNX Runtime: one prefill call over the prompt, then one call per token
    that feeds the previous step's K and V back (``recompute=True`` instead feeds the whole prefix
    every step with an empty cache: the cost the KV cache saves)."""

    def __init__(self, folder: Path, name: str, threads: int | None = None) -> None:
        import onnxruntime as ort

        path = Path(folder) / "decoder.onnx"
        if not path.is_file():
            raise AccelkitError(f"{path} is missing: delete {folder} and run again, the kit rebuilds it.")
        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        if threads:
            opts.intra_op_num_threads = threads
        t = time.perf_counter()
        try:
            self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise AccelkitError(f"ONNX Runtime could not load {path.name} ({type(exc).__name__}): delete {folder} "
                                "and run again, the kit rebuilds it.") from None
        self.load_s = time.perf_counter() - t
        shape = model_shape(name)
        self.shape = shape
        self.empty = np.zeros((shape["num_hidden_layers"], 1, shape["num_key_value_heads"], 0,
                               shape["hidden_size"] // shape["num_attention_heads"]), np.float32)
        self.last_cache_bytes = 0

    def logits(self, ids: np.ndarray) -> np.ndarray:
        return self.session.run(["logits"], {"input_ids": ids, "past_k": self.empty, "past_v": self.empty})[0]

    def generate(self, prompt_ids, n, on_token, recompute: bool = False) -> list[int]:
        ids = np.asarray(prompt_ids, dtype=np.int64)[None]
        logits, k, v = self.session.run(None, {"input_ids": ids, "past_k": self.empty, "past_v": self.empty})
        out = [int(logits[0, -1].argmax())]
        on_token()
        prefix = ids
        for _ in range(n - 1):
            if recompute:
                prefix = np.concatenate([prefix, [[out[-1]]]], axis=1)
                logits = self.session.run(["logits"], {"input_ids": prefix, "past_k": self.empty, "past_v": self.empty})[0]
            else:
                logits, k, v = self.session.run(None, {"input_ids": np.array([[out[-1]]], np.int64), "past_k": k,
                                                        "past_v": v})
            out.append(int(logits[0, -1].argmax()))
            on_token()
        self.last_cache_bytes = int(k.nbytes + v.nbytes) if not recompute else 0
        return out


def measure_ort(folder: Path, name: str, prompt_ids: Sequence[int] | Sequence[Sequence[int]], new_tokens: int, *,
                repeats: int = 3, label: str = "", recompute: bool = False,
                decoder: OrtDecoder | None = None) -> GenerationResult:
    for p in as_prompts(prompt_ids):
        check_prompt(p, new_tokens, model_shape(name)["max_position_embeddings"])
    dec = decoder or OrtDecoder(folder, name)
    settings = {"runtime": "onnxruntime", "model": Path(folder).name, "kv_cache": "recompute" if recompute else "f32",
                "threads": os.cpu_count(), "greedy": True}
    return measure_generation(lambda p, n, cb: dec.generate(p, n, cb, recompute=recompute), prompt_ids, new_tokens,
                              repeats=repeats, label=label or Path(folder).name, load_s=dec.load_s, settings=settings)


# ---------------------------------------------------------------- what the notebook tabulates

def prompt(length: int, offset: int = 0) -> list[int]:
    """``length`` tokens of held-out text (the same tokens every run): a realistic prompt."""
    stream = held_out_stream()
    if length < 1 or length + offset >= len(stream):
        raise AccelkitError(f"a prompt of {length} tokens at offset {offset} does not fit the held-out text "
                            f"({len(stream)} tokens).")
    return [0, *stream[offset:offset + length - 1].tolist()]


def prompts(length: int, count: int) -> list[list[int]]:
    """``count`` different prompts of ``length`` tokens each, from places spread over the held-out text
    (give the harness ``repeats + 1`` of them, so no run reuses what an earlier one computed)."""
    if count < 1:
        raise AccelkitError("prompts needs count >= 1.")
    stream = held_out_stream()
    last = len(stream) - length - 1
    if last < count * length:
        raise AccelkitError(f"{count} prompts of {length} tokens do not fit the held-out text ({len(stream)} tokens).")
    return [prompt(length, int(o)) for o in np.linspace(0, last, count + 1)[1:]]


def bound_by(measured_ms: float, predicted_ms: float, one_thread_ms: float | None = None, *, slack: float = 1.25) -> str:
    """Which limit binds a decode step, from measurements: within ``slack`` of the bandwidth bound ->
    "bandwidth". Slower than that, one thread decides: clearly slower than all cores (>= 1.3x) ->
    "compute" (the cores' work per token: dequantization, kernels); about as fast (<= 1.1x) ->
    "overhead" (per-token fixed costs that neither bandwidth nor cores explain); in between ->
    "compute + overhead" (a second core helps some, not enough to call it compute-bound)."""
    if measured_ms <= slack * predicted_ms:
        return "bandwidth"
    if one_thread_ms is None:
        return "not bandwidth"
    if one_thread_ms >= 1.3 * measured_ms:
        return "compute"
    return "overhead" if one_thread_ms <= 1.1 * measured_ms else "compute + overhead"


def batch_generate(pipe, prompts: Sequence[str], new_tokens: int, repeats: int = 2) -> dict[str, float]:
    """Greedy generation of several prompts in one call (the continuous-batching pipeline schedules
    them together): per-request latency (the call's wall time, median of ``repeats`` after a warm-up)
    and throughput in new tokens per second."""
    import statistics

    config = _config(new_tokens)
    pipe.generate(list(prompts), config)
    walls = []
    for _ in range(repeats):
        t = time.perf_counter()
        pipe.generate(list(prompts), config)
        walls.append(time.perf_counter() - t)
    wall = statistics.median(walls)
    return {"requests": len(prompts), "latency_ms": wall * 1e3, "tokens_per_s": len(prompts) * new_tokens / wall,
            "spread_pct": 100 * (max(walls) - min(walls)) / wall}
