"""INT8 quantization on both runtimes, built once and checked for accuracy (notebook 04).

- NNCF post-training quantization of the OpenVINO model (``nncf.quantize`` on an ``ov.Model``:
  fast, no C++ extension to compile, unlike quantizing the torch module), accuracy-controlled
  quantization (``nncf.quantize_with_accuracy_control``, validated on train images it did not
  calibrate on, never on the test split) and weight-only compression (``nncf.compress_weights``,
  INT8 / INT4).
- ONNX Runtime: ``quant_pre_process`` then ``quantize_static`` (QDQ or QOperator, U8S8 or S8S8,
  per-channel, reduce_range, MinMax / Entropy / Percentile calibration) and ``quantize_dynamic``.
  ``ort_static_int8``'s defaults are the kit's (QDQ U8S8 per-channel); ``ort_static_defaults``
  reads ORT's own (QDQ S8S8 per-tensor in 1.32) from the installed signature.

Calibration data: the digits train split for ``digits_cnn``; seeded synthetic images for
``resnet18_like`` (random weights, so only latency matters). Quantized models are cached beside
their source file, named by their settings and keyed by the library versions, written
atomically, so a re-run reuses them. Quick mode (``ACCELKIT_QUICK=1``) calibrates on fewer samples.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .config import is_quick
from .core.cache import build_beside, versions_key
from .core.progress_bars import tracked
from .core.quiet import quiet
from .errors import AccelkitError, choice

if TYPE_CHECKING:
    import openvino as ov
    import pandas as pd
    import plotly.graph_objects as go

__all__ = ["CALIBRATION_SIZE", "QUICK_CALIBRATION_SIZE", "CALIBRATED_MODELS", "FORMATS", "TYPES", "METHODS",
           "PRESETS", "WEIGHT_MODES", "calibration_size", "SeededImages", "calibration_images", "ArrayReader",
           "digits_test_set", "eval_feeds", "nncf_int8_ir", "digits_validate", "digits_validation_items",
           "accuracy_controlled_ir", "activation_ranges", "dynamic_quantization", "compressed_ir",
           "preprocessed_onnx", "ort_static_int8", "kit_static_defaults", "ort_static_defaults", "describe_static",
           "ort_dynamic_int8", "runner_for", "model_outputs", "compare_outputs", "digits_accuracy",
           "reference_outputs", "score", "int8_compute", "compute_ops", "time_by_op", "tradeoff_chart", "quiet"]

QUANT_VERSION = "1"  # bump when a recipe below changes, to invalidate cached models
CALIBRATION_SIZE, QUICK_CALIBRATION_SIZE = 300, 32
CALIBRATED_MODELS = ("digits_cnn", "resnet18_like")
FORMATS = ("qdq", "qoperator")
TYPES = ("u8", "s8")
METHODS = ("minmax", "entropy", "percentile")
PRESETS = ("performance", "mixed")
WEIGHT_MODES = ("int8", "int4")
# Compute ops by how ORT runs them after its graph optimizations (domain prefixes stripped).
ORT_INT8_OPS = {"QLinearConv", "QLinearMatMul", "QGemm", "ConvInteger", "MatMulInteger", "DynamicQuantizeMatMul",
                "MatMulIntegerToFloat", "QAttention"}
ORT_FLOAT_OPS = {"Conv", "FusedConv", "MatMul", "FusedMatMul", "Gemm", "FusedGemm", "Attention"}
OV_COMPUTE_LAYERS = {"Convolution", "GroupConvolution", "FullyConnected", "MatMul", "Deconvolution"}


# ---------------------------------------------------------------- calibration data


def calibration_size() -> int:
    """Samples to calibrate on: 300 (NNCF's default subset) or 32 in quick mode."""
    return QUICK_CALIBRATION_SIZE if is_quick() else CALIBRATION_SIZE


class SeededImages(Sequence[np.ndarray]):
    """``count`` synthetic images (1, C, H, W) in [0, 1), each made from (seed, index) on demand,
    so 300 ResNet-sized inputs never sit in memory at once."""

    def __init__(self, count: int, shape: tuple[int, ...], seed: int = 1) -> None:
        # ``_count``, not ``count``: an attribute of that name would hide ``Sequence.count(value)``
        self._count, self.shape, self.seed = count, shape, seed

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._count))]
        if not -self._count <= i < self._count:
            raise IndexError(i)
        return np.random.default_rng([self.seed, i % self._count]).random(self.shape, dtype=np.float32)


def calibration_images(name: str, count: int | None = None) -> Sequence[np.ndarray]:
    """Calibration inputs, one (1, C, H, W) float32 array each: the digits train split for
    ``digits_cnn``, seeded synthetic images for ``resnet18_like``."""
    count = _subset(count)
    if name == "digits_cnn":
        from .models.digits import load_digits_split

        train = load_digits_split()[0]
        return [train.x[i:i + 1] for i in range(min(count, len(train.x)))]
    if name == "resnet18_like":
        return SeededImages(count, (1, 3, 224, 224))
    raise AccelkitError(f"calibration data exists for {' and '.join(CALIBRATED_MODELS)}, not {name!r}; "
                        "tiny_encoder is quantized without calibration (quantize_dynamic, compress_weights).")


class ArrayReader:
    """ONNX Runtime calibration reader over arrays: ``get_next`` returns one feed dict, then None.

    ORT's ``CalibrationDataReader`` is an abstract class whose ``__subclasshook__`` accepts any
    object with ``get_next``; the kit keeps it a plain class so importing it stays cheap.
    Notebook 04's exercise writes the subclass form."""

    def __init__(self, images: Sequence[np.ndarray], input_name: str = "input") -> None:
        self.images, self.input_name, self.position = images, input_name, 0

    def get_next(self) -> dict[str, np.ndarray] | None:
        if self.position >= len(self.images):
            return None
        self.position += 1
        return {self.input_name: self.images[self.position - 1]}

    def rewind(self) -> None:
        self.position = 0

    def __len__(self) -> int:
        return len(self.images)


@lru_cache(maxsize=1)
def digits_test_set() -> tuple[list[dict[str, np.ndarray]], np.ndarray]:
    """The digits test split as feeds (one image each) and labels: what accuracy is measured on."""
    from .models.digits import load_digits_split

    test = load_digits_split()[1]
    return [{"input": test.x[i:i + 1]} for i in range(len(test.y))], test.y


def eval_feeds(name: str, count: int = 4) -> list[dict[str, np.ndarray]]:
    """Inputs to compare quantized outputs with FP32 on: the digits test set, or seeded inputs
    (seed 2: not the calibration images) for the other models."""
    if name == "digits_cnn":
        return digits_test_set()[0]
    from .models.files import example_inputs, spec

    s = spec(name)
    if name == "tiny_encoder":
        rng = np.random.default_rng(2)
        return [{"input_ids": rng.integers(0, 1000, (1, 128)).astype(np.int64),
                 "attention_mask": np.ones((1, 128), np.int64)} for _ in range(count)]
    shape = tuple(example_inputs(name)[0].shape)
    return [{s.input_names[0]: img} for img in SeededImages(count, shape, seed=2)]


# ---------------------------------------------------------------- building once, beside the source


def _beside(source: Path, tag: str) -> Path:
    """Where a model built from ``source`` with settings ``tag`` is kept: beside it, keyed by the
    recipe version and the quantizers' library versions (six hex digits)."""
    key = versions_key(("nncf", "onnxruntime", "openvino", "onnx"), QUANT_VERSION).hexdigest()[:6]
    return source.with_name(f"{source.stem}.{tag}-{key}{source.suffix}")


def _subset(subset_size: int | None) -> int:
    size = calibration_size() if subset_size is None else subset_size
    if not isinstance(size, int) or size < 1:
        raise AccelkitError(f"subset_size must be a positive number of samples, not {subset_size!r}.")
    return size


# ---------------------------------------------------------------- NNCF (OpenVINO)


def _build_ov(source: Path, tag: str, transform: Callable[[ov.Model], ov.Model]) -> Path:
    """Once: read the IR at ``source``, apply an NNCF ``transform`` to the ``ov.Model`` (quietly),
    save the result beside it (weights as NNCF left them, no FP16 compression)."""
    def write(tmp: Path) -> None:
        import openvino as ov

        from .runtimes.ov import read_model

        with quiet():
            model = transform(read_model(source))
        ov.save_model(model, str(tmp), compress_to_fp16=False)

    return build_beside(_beside(source, tag), write)


def nncf_int8_ir(name: str, *, subset_size: int | None = None, preset: str = "performance",
                 fast_bias_correction: bool = True) -> Path:
    """INT8 IR from ``nncf.quantize`` on the FP32 ``ov.Model`` with the kit's calibration data."""
    from .models.files import ir_path

    choice(preset, PRESETS, "NNCF preset")
    size = _subset(subset_size)
    images = calibration_images(name, size)

    def transform(model):
        import nncf

        return nncf.quantize(model, nncf.Dataset(tracked(images, "calibrating")), subset_size=size, preset=nncf.QuantizationPreset(preset),
                             fast_bias_correction=fast_bias_correction)

    tag = f"nncf-int8-{preset}-n{size}-{'fbc' if fast_bias_correction else 'bc'}"
    return _build_ov(ir_path(name), tag, transform)


def digits_validate(compiled: ov.CompiledModel, items: Iterable[tuple[np.ndarray, int]]) -> float:
    """NNCF's validation function for the digits model: accuracy (0..1) of a compiled model over
    (image, label) items."""
    output = compiled.outputs[0]
    hits = [int(np.argmax(compiled(image)[output])) == int(label) for image, label in items]
    return float(np.mean(hits))


def digits_validation_items() -> list[tuple[np.ndarray, int]]:
    """NNCF's validation set for accuracy control: (image, label) pairs of the digits train split
    after the calibration images (train[CALIBRATION_SIZE:]). Never calibrated on, and never the
    test split, which stays for the reported accuracy. The model was trained on these images,
    so they measure how much INT8 changes its predictions, not how well it generalises."""
    from .models.digits import load_digits_split

    train = load_digits_split()[0]
    return list(zip(train.x[CALIBRATION_SIZE:, None], train.y[CALIBRATION_SIZE:].tolist()))


def accuracy_controlled_ir(*, max_drop: float = 0.005, subset_size: int | None = None) -> Path:
    """The digits model from ``nncf.quantize_with_accuracy_control``: INT8, with layers reverted
    to float until the accuracy drop on ``digits_validation_items`` is at most ``max_drop``
    (absolute, 0..1). Calibration takes the first ``subset_size`` train images, validation the
    rest of the train split, so the test split reported afterwards took no part in the choice."""
    from .models.files import ir_path

    if not 0 < max_drop < 1:
        raise AccelkitError(f"max_drop is an absolute accuracy drop between 0 and 1 (0.005 = half a point), "
                            f"not {max_drop!r}.")
    size = _subset(subset_size)
    if size > CALIBRATION_SIZE:
        raise AccelkitError(f"accuracy control calibrates on at most {CALIBRATION_SIZE} train images (the rest of "
                            f"the train split validates); subset_size={size} would overlap them.")

    def transform(model):
        import nncf

        validation = nncf.Dataset(digits_validation_items(), lambda item: item[0])
        return nncf.quantize_with_accuracy_control(model, nncf.Dataset(tracked(calibration_images("digits_cnn", size), "calibrating")),
                                                   validation, digits_validate, max_drop=max_drop, subset_size=size)

    return _build_ov(ir_path("digits_cnn"), f"nncf-int8-acc{max_drop:g}-n{size}-val", transform)


def activation_ranges(path: str | Path) -> list[tuple[float, float]]:
    """(lowest input_low, highest input_high) of each FakeQuantize in an IR, in graph order:
    the activation ranges NNCF chose (a range starting at 0 is an unsigned one)."""
    from .runtimes.ov import read_model

    ranges = []
    for op in read_model(path).get_ordered_ops():
        if op.get_type_name() == "FakeQuantize":
            low, high = (op.input_value(i).get_node().get_data() for i in (1, 2))
            ranges.append((float(low.min()), float(high.max())))
    return ranges


def dynamic_quantization(name: str, path: str | Path) -> dict[str, Any]:
    """Does the CPU plugin quantize activations on the fly for the compressed-weight layers of
    ``path`` (a variant of model ``name``)? Compiles it with the f32 hint, once with the plugin's
    default DYNAMIC_QUANTIZATION_GROUP_SIZE and once with 0 (off), and compares the outputs: they
    differ only if the activations were quantized. In OpenVINO 2026.4 the x86 plugin does this only
    on CPUs with VNNI (AVX2-VNNI or AVX512-VNNI)."""
    from .runtimes.ov import compile_config, core, read_model

    config, feeds = compile_config("latency", "f32"), eval_feeds(name, 2)
    compiled = {size: core().compile_model(read_model(path), "CPU", {**config, **extra})
                for size, extra in (("default", {}), ("off", {"DYNAMIC_QUANTIZATION_GROUP_SIZE": 0}))}
    on, off = (np.concatenate([c(feed)[c.outputs[0]] for feed in feeds]) for c in compiled.values())
    return {"group_size": int(compiled["default"].get_property("DYNAMIC_QUANTIZATION_GROUP_SIZE")),
            "active": not np.array_equal(on, off), "max_err_vs_off": float(np.abs(on - off).max())}


def compressed_ir(name: str = "tiny_encoder", *, mode: str = "int8") -> Path:
    """Weight-only compression with ``nncf.compress_weights`` (data-free): 'int8' (asymmetric,
    per channel) or 'int4' (symmetric, groups of 128; embeddings and the last layer stay INT8)."""
    from .models.files import ir_path

    choice(mode, WEIGHT_MODES, "weight compression mode")

    def transform(model):
        import nncf

        modes = {"int8": nncf.CompressWeightsMode.INT8_ASYM, "int4": nncf.CompressWeightsMode.INT4_SYM}
        return nncf.compress_weights(model, mode=modes[mode])

    return _build_ov(ir_path(name), f"nncf-w{mode}", transform)


# ---------------------------------------------------------------- ONNX Runtime


def preprocessed_onnx(name: str) -> Path:
    """``quant_pre_process`` output (ORT's basic optimizations + ONNX shape inference), as one
    file. Symbolic shape inference is skipped: the kit's models have static shapes, and on the
    encoder it fails on the exporter's Constant nodes."""
    import onnx

    from .models.files import onnx_path

    source = onnx_path(name)

    def write(tmp: Path) -> None:
        from onnxruntime.quantization.shape_inference import quant_pre_process

        whole = tmp.with_name(tmp.stem + ".whole.onnx")  # weights inline: the pre-processor's temp
        onnx.save(onnx.load(str(source)), str(whole))   # copies lose an external .onnx.data file
        try:
            with quiet():
                quant_pre_process(str(whole), str(tmp), skip_symbolic_shape=True)
        finally:
            whole.unlink(missing_ok=True)

    return build_beside(_beside(source, "pre"), write)


def ort_static_int8(name: str, *, fmt: str = "qdq", activations: str = "u8", weights: str = "s8",
                    per_channel: bool = True, reduce_range: bool = False, method: str = "minmax",
                    subset_size: int | None = None) -> Path:
    """``quantize_static`` of the pre-processed model with the kit's calibration data."""
    choice(fmt, FORMATS, "quantization format")
    choice(activations, TYPES, "activation type")
    choice(weights, TYPES, "weight type")
    choice(method, METHODS, "calibration method")
    size = _subset(subset_size)
    images = calibration_images(name, size)
    source = preprocessed_onnx(name)
    tag = (f"ort-int8-{fmt}-{activations}{weights}-{'pc' if per_channel else 'pt'}{'-rr' if reduce_range else ''}"
           f"-{method}-n{size}")

    def write(tmp: Path) -> None:
        from onnxruntime import quantization as q

        qtype = {"u8": q.QuantType.QUInt8, "s8": q.QuantType.QInt8}
        methods = {"minmax": q.CalibrationMethod.MinMax, "entropy": q.CalibrationMethod.Entropy,
                   "percentile": q.CalibrationMethod.Percentile}
        with quiet():
            q.quantize_static(str(source), str(tmp), ArrayReader(tracked(images, "calibrating")),
                              quant_format=q.QuantFormat.QDQ if fmt == "qdq" else q.QuantFormat.QOperator,
                              activation_type=qtype[activations], weight_type=qtype[weights],
                              per_channel=per_channel, reduce_range=reduce_range, calibrate_method=methods[method])

    return build_beside(_beside(source.with_name(f"{name}.onnx"), tag), write)


STATIC_OPTIONS = ("fmt", "activations", "weights", "per_channel", "reduce_range", "method")


def kit_static_defaults() -> dict[str, Any]:
    """``ort_static_int8``'s own defaults - the kit's choice, not ORT's: QDQ, U8S8, per-channel, MinMax."""
    import inspect

    params = inspect.signature(ort_static_int8).parameters
    return {k: params[k].default for k in STATIC_OPTIONS}


def ort_static_defaults() -> dict[str, Any]:
    """ORT's own ``quantize_static`` defaults, read from the installed signature and written as
    ``ort_static_int8`` keywords (1.32: QDQ, S8S8, per-tensor, MinMax, no reduce_range)."""
    import inspect

    from onnxruntime import quantization as q

    params = inspect.signature(q.quantize_static).parameters
    types = {q.QuantType.QUInt8: "u8", q.QuantType.QInt8: "s8"}
    return {"fmt": {q.QuantFormat.QDQ: "qdq", q.QuantFormat.QOperator: "qoperator"}[params["quant_format"].default],
            "activations": types[params["activation_type"].default], "weights": types[params["weight_type"].default],
            "per_channel": params["per_channel"].default, "reduce_range": params["reduce_range"].default,
            "method": params["calibrate_method"].default.name.lower()}


def describe_static(settings: dict[str, Any]) -> str:
    """'qdq s8s8 per-tensor minmax' for a dict of ``ort_static_int8`` keywords (missing = the kit's defaults)."""
    s = {**kit_static_defaults(), **settings}
    return (f"{s['fmt']} {s['activations']}{s['weights']} {'per-channel' if s['per_channel'] else 'per-tensor'}"
            f"{' reduce_range' if s['reduce_range'] else ''} {s['method']}")


def ort_dynamic_int8(name: str = "tiny_encoder", *, per_channel: bool = False) -> Path:
    """``quantize_dynamic``: INT8 weights now, activation scales computed at run time per
    inference (no calibration) - the usual choice for MatMul-heavy transformer models."""
    source = preprocessed_onnx(name)

    def write(tmp: Path) -> None:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        with quiet():
            quantize_dynamic(str(source), str(tmp), weight_type=QuantType.QInt8, per_channel=per_channel)

    tag = f"ort-dyn-int8-{'pc' if per_channel else 'pt'}"
    return build_beside(_beside(source.with_name(f"{name}.onnx"), tag), write)


# ---------------------------------------------------------------- what ran, how well, how fast


def runner_for(path: str | Path, *, precision: str | None = None) -> partial:
    """The harness builder for a model file: OpenVINO for .xml (with ``precision``), ORT for .onnx."""
    from .runtimes.ort import ort_runner
    from .runtimes.ov import ov_runner

    path = Path(path)
    if path.suffix == ".xml":
        return partial(ov_runner, path, precision=precision)
    if path.suffix == ".onnx":
        return partial(ort_runner, path)
    raise AccelkitError(f"{path.name} is neither an OpenVINO IR (.xml) nor an ONNX file (.onnx).")


def model_outputs(path: str | Path, feeds: list[dict[str, np.ndarray]], *, runtime: str | None = None,
                  precision: str | None = "f32") -> np.ndarray:
    """The first output for each feed, stacked. ``runtime`` defaults to OpenVINO for .xml and ORT
    for .onnx (OpenVINO reads .onnx too); ``precision`` is OpenVINO's hint (None = its default)."""
    path = Path(path)
    runtime = runtime or {".xml": "openvino", ".onnx": "onnxruntime"}.get(path.suffix)
    if runtime == "openvino" and path.suffix in (".xml", ".onnx"):
        from .runtimes.ov import compile_model

        compiled = compile_model(path, precision=precision)
        return np.concatenate([compiled(feed)[compiled.outputs[0]] for feed in feeds])
    if runtime == "onnxruntime" and path.suffix == ".onnx":
        from .runtimes.ort import make_session

        session = make_session(path)
        return np.concatenate([session.run(None, feed)[0] for feed in feeds])
    raise AccelkitError(f"cannot run {path.name} on {runtime or 'either runtime'}: OpenVINO takes .xml or .onnx "
                        "files, ONNX Runtime takes .onnx files.")


def compare_outputs(outputs: np.ndarray, reference: np.ndarray, labels: np.ndarray | None = None) -> dict[str, float]:
    """Max absolute output error vs the FP32 reference (and relative to its largest value), and
    the top-1 accuracy in percent when ``labels`` are given."""
    if outputs.shape != reference.shape:
        raise AccelkitError(f"outputs {outputs.shape} and reference {reference.shape} differ in shape: "
                            "compare the same inputs on both models.")
    err = float(np.abs(outputs - reference).max())
    row = {"max_err": err, "max_err_rel": err / max(float(np.abs(reference).max()), 1e-12)}
    if labels is not None:
        if len(labels) != len(outputs):
            raise AccelkitError(f"{len(labels)} labels for {len(outputs)} outputs: give one label per input.")
        row["accuracy_pct"] = 100.0 * float(np.mean(outputs.reshape(len(labels), -1).argmax(1) == labels))
    return row


def digits_accuracy(path: str | Path, *, runtime: str | None = None, split: str = "test") -> float:
    """Top-1 accuracy (%) of a digits model file on the digits test split (what the notebooks
    report), or on ``split='validation'`` (``digits_validation_items``, what accuracy control used)."""
    if split == "test":
        feeds, labels = digits_test_set()
    elif split == "validation":
        items = digits_validation_items()
        feeds, labels = [{"input": image} for image, _ in items], np.array([label for _, label in items])
    else:
        raise AccelkitError(f"unknown digits split {split!r}; use 'test' or 'validation'.")
    outputs = model_outputs(path, feeds, runtime=runtime)
    if outputs.shape != (len(labels), 10):
        raise AccelkitError(f"{Path(path).name} is not a digits model: it gives outputs of shape "
                            f"{outputs.shape[1:]} per image, not 10 class scores.")
    return 100.0 * float(np.mean(outputs.argmax(1) == labels))


@lru_cache(maxsize=4)
def reference_outputs(name: str) -> np.ndarray:
    """The FP32 model's outputs (OpenVINO, true f32) on ``eval_feeds(name)``: what errors are vs."""
    from .models.files import ir_path

    return model_outputs(ir_path(name), eval_feeds(name))


def score(name: str, path: str | Path, *, precision: str | None = "f32") -> dict[str, Any]:
    """One table row's quality columns for a variant of model ``name``: size on disk, INT8 share
    of the executed compute ops, max error vs FP32 and (digits) accuracy."""
    from .models.files import model_size_mb

    labels = digits_test_set()[1] if name == "digits_cnn" else None
    outputs = model_outputs(path, eval_feeds(name), precision=precision)
    int8, total = int8_compute(path)
    return {"size_mb": model_size_mb(path), "int8_ops": f"{int8}/{total}",
            **compare_outputs(outputs, reference_outputs(name), labels)}


def int8_compute(path: str | Path) -> tuple[int, int]:
    """(compute ops that run in INT8, all compute ops) in the graph the runtime executes:
    OpenVINO's runtime model (f32 hint) for .xml; ORT's EXTENDED-optimized graph for .onnx."""
    ops = compute_ops(path)
    return sum(n for (op, prec), n in ops.items() if prec == "int8"), sum(ops.values())


def compute_ops(path: str | Path) -> Counter:
    """Compute ops (convolutions, matmuls) of the executed graph, counted by (op, 'int8'|'float')."""
    path = Path(path)
    if path.suffix == ".xml":
        from .runtimes.ov import compile_model, runtime_layers

        layers = runtime_layers(compile_model(path, precision="f32"))
        return Counter((r["type"], "int8" if _ov_int8_kernel(r) else "float")
                       for r in layers if r["type"] in OV_COMPUTE_LAYERS)
    from .graphopt import op_kinds, optimized_model

    kinds = op_kinds(optimized_model(path, "extended"))
    counts: Counter = Counter()
    for kind, n in kinds.items():
        op = kind.rpartition(":")[2]
        if op in ORT_INT8_OPS or op in ORT_FLOAT_OPS:
            counts[(op, "int8" if op in ORT_INT8_OPS else "float")] += n
    return counts


def _ov_int8_kernel(layer: dict[str, str]) -> bool:
    """Did an executed OpenVINO layer compute in INT8? The kernel name's suffix says how it
    computed ('jit_avx2_I8' vs 'brgemm_avx2_f32'); ``precision`` alone is not enough, as a
    layer with compressed weights reports the weights' type (u8, i4) but computes in float."""
    suffix = layer["kernel"].lower().rpartition("_")[2]
    if suffix in ("i8", "u8", "f32", "bf16", "f16"):
        return suffix in ("i8", "u8")
    return layer["precision"] in ("u8", "i8")


def time_by_op(path: str | Path, runs: int = 5) -> pd.DataFrame:
    """Kernel time per op type from ORT's profiler (total µs over ``runs`` and share of the total),
    longest first: where a quantized model spends its time."""
    from .providers import node_table, profile_events

    table = node_table(profile_events(path, runs=runs))
    per_op = table.groupby("op", as_index=False)["total_us"].sum().sort_values("total_us", ascending=False)
    per_op["share_pct"] = 100 * per_op["total_us"] / per_op["total_us"].sum()
    return per_op.reset_index(drop=True)


def tradeoff_chart(frame: pd.DataFrame,
                   title: str = "Latency, size and accuracy by runtime and precision") -> go.Figure:
    """One panel per model: median latency (x) against size on disk (y); the label gives the
    precision and, for the digits model, its test accuracy. Needs columns model, runtime,
    precision, median_ms, size_mb and (optionally) accuracy_pct."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from .core.charts import figure_title, use_offline_renderer

    use_offline_renderer()
    models = list(dict.fromkeys(frame["model"]))
    fig = make_subplots(rows=1, cols=len(models), subplot_titles=models)
    colours = {"openvino": "#636efa", "onnxruntime": "#ef553b"}
    for col, model in enumerate(models, start=1):
        for runtime, part in frame[frame["model"] == model].groupby("runtime", sort=False):
            acc = part["accuracy_pct"] if "accuracy_pct" in part else [float("nan")] * len(part)
            text = [p if a != a else f"{p} · {a:.1f}%" for p, a in zip(part["precision"], acc)]
            fig.add_trace(go.Scatter(x=part["median_ms"], y=part["size_mb"], mode="markers+text", text=text,
                                     textposition="top center", name=runtime, legendgroup=runtime,
                                     showlegend=col == 1, marker=dict(size=12, color=colours.get(runtime))),
                          row=1, col=col)
        fig.update_xaxes(title_text="median latency, ms", row=1, col=col)
        fig.update_yaxes(title_text="size, MB" if col == 1 else None, rangemode="tozero", row=1, col=col)
    fig.update_layout(title=figure_title(title), height=480,
                      margin=dict(t=100))
    return fig
