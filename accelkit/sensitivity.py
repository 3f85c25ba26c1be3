"""When INT8 choices change accuracy: a depthwise-separable digits CNN (notebook 04-when-quantization-bites).

The model is trained here (``accelkit.models.dsdigits``) and comes in two parameterizations of
the same function:
- ``trained``: BatchNorm folded into the convs, as an exporter leaves it;
- ``outliers``: four channels of the first depthwise conv scaled up 64x and divided back in the
  pointwise conv after it (``rescale_channels``), so FP32 outputs are unchanged but those channels'
  weights and activations are 64x wider than the rest - the range spread trained MobileNets and
  LLMs show (outlier channels).

Every variant is quantized on the calibration split, chosen on the validation split and reported
on the test split; models are built once into the kit's cache, keyed by the weights and the
library versions.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .config import cache_dir
from .core.cache import build_beside, build_once, versions_key
from .core.quiet import quiet
from .errors import AccelkitError, choice

if TYPE_CHECKING:
    import pandas as pd
    from torch import nn

    from .models.digits import Split

__all__ = ["KINDS", "OUTLIER_BLOCK", "OUTLIER_CHANNELS", "OUTLIER_FACTOR", "SPLITS", "METHODS", "module_for",
           "onnx_file", "ir_file", "fp32_difference", "channel_ranges", "corrupted_calibration", "ort_int8",
           "nncf_int8", "accuracy_controlled", "float_layers", "accuracy", "accuracies"]

RECIPE_VERSION = "1"
KINDS = ("trained", "outliers")
OUTLIER_BLOCK, OUTLIER_CHANNELS, OUTLIER_FACTOR = 0, 4, 64.0
SPLITS = ("calibration", "validation", "test")
METHODS = ("minmax", "percentile", "entropy")
CALIBRATIONS = ("clean", "corrupted")
CORRUPTED_FRAMES = 8
INPUT = "x"


@lru_cache(maxsize=1)
def _splits():
    from .models.dsdigits import depthwise_splits

    return depthwise_splits()


def split(name: str) -> Split:
    choice(name, SPLITS, "split")
    return getattr(_splits(), name)


def outlier_scales() -> np.ndarray:
    from .models.dsdigits import WIDTHS

    scales = np.ones(WIDTHS[0], dtype=np.float32)
    scales[:OUTLIER_CHANNELS] = OUTLIER_FACTOR
    return scales


def module_for(kind: str) -> nn.Module:
    """The FP32 torch module of a parameterization (BatchNorm folded)."""
    from .models.dsdigits import fold_batchnorm, load_depthwise_cnn, rescale_channels

    choice(kind, KINDS, "model kind")
    folded = fold_batchnorm(load_depthwise_cnn())
    return folded if kind == "trained" else rescale_channels(folded, OUTLIER_BLOCK, outlier_scales())


def _folder(kind: str) -> Path:
    from .models.dsdigits import weights_path

    weights = hashlib.sha256(weights_path().read_bytes()).hexdigest()[:12]
    key = versions_key(("torch", "onnx", "onnxruntime", "openvino", "nncf"), RECIPE_VERSION, kind, weights)
    return cache_dir() / f"ds_digits-{kind}-{key.hexdigest()[:8]}"


def onnx_file(kind: str) -> Path:
    """The FP32 ONNX file of a parameterization (static batch 1), exported on first use."""
    import torch

    from .models.files import export_onnx

    module = module_for(kind)
    folder = _folder(kind)
    build_once(folder, lambda tmp: export_onnx(module, (torch.zeros(1, 1, 32, 32),), tmp / "model.onnx", [INPUT],
                                               ["logits"]))
    return folder / "model.onnx"


def ir_file(kind: str) -> Path:
    """The FP32 OpenVINO IR converted from ``onnx_file``."""
    source = onnx_file(kind)

    def write(tmp: Path) -> None:
        import openvino as ov

        ov.save_model(ov.convert_model(str(source)), str(tmp), compress_to_fp16=False)

    return build_beside(source.with_name("fp32.xml"), write)


def fp32_difference() -> float:
    """Largest |logit difference| between the two parameterizations on the test split (float rounding only)."""
    import torch

    x = torch.from_numpy(split("test").x)
    with torch.no_grad():
        return float((module_for("trained")(x) - module_for("outliers")(x)).abs().max())


def channel_ranges(kind: str) -> pd.DataFrame:
    """Per channel of the outlier block's depthwise conv: the largest |weight| and the largest
    activation after its ReLU on the calibration images."""
    import pandas as pd
    import torch

    from .models.dsdigits import depthwise_blocks

    module = module_for(kind)
    dw, _ = depthwise_blocks(module)[OUTLIER_BLOCK]  # torch modules, typed Any
    features: Any = module.features
    layers = list(features)
    upto = layers.index(dw) + 2  # the depthwise conv and its ReLU
    with torch.no_grad():
        act = torch.nn.Sequential(*layers[:upto])(torch.from_numpy(split("calibration").x))
    return pd.DataFrame({"channel": range(dw.out_channels),
                         "max_abs_weight": dw.weight.detach().abs().amax(dim=(1, 2, 3)).numpy().astype(float).round(1),
                         "max_activation": act.amax(dim=(0, 2, 3)).numpy().astype(float).round(0)})


def corrupted_calibration(frames: int = CORRUPTED_FRAMES) -> np.ndarray:
    """The calibration images with the first ``frames`` replaced by seeded noise in [0, 1): a
    calibration set with a few bad frames in it (a camera glitch, a wrongly decoded file)."""
    x = split("calibration").x.copy()
    rng = np.random.default_rng(1)
    x[:frames] = rng.random(x[:frames].shape, dtype=np.float32)
    return x


def _calibration(calibration: str) -> np.ndarray:
    choice(calibration, CALIBRATIONS, "calibration set")
    return split("calibration").x if calibration == "clean" else corrupted_calibration()


def ort_int8(kind: str, *, per_channel: bool = True, method: str = "minmax", percentile: float = 99.999,
             calibration: str = "clean") -> Path:
    """``quantize_static`` (QDQ, U8 activations, S8 weights) of a parameterization."""
    from .quant import ArrayReader

    choice(method, METHODS, "calibration method")
    if not 50 < percentile <= 100:
        raise AccelkitError(f"percentile is a percentage between 50 and 100, not {percentile!r}.")
    images = _calibration(calibration)
    source = onnx_file(kind)
    extra = {"CalibPercentile": percentile} if method == "percentile" else {}
    tag = f"ort-{'pc' if per_channel else 'pt'}-{method}{percentile:g}-{calibration}" if extra else \
        f"ort-{'pc' if per_channel else 'pt'}-{method}-{calibration}"

    def write(tmp: Path) -> None:
        from onnxruntime import quantization as q

        methods = {"minmax": q.CalibrationMethod.MinMax, "entropy": q.CalibrationMethod.Entropy,
                   "percentile": q.CalibrationMethod.Percentile}
        with quiet():
            q.quantize_static(str(source), str(tmp), ArrayReader([images[i:i + 1] for i in range(len(images))], INPUT),
                              quant_format=q.QuantFormat.QDQ, activation_type=q.QuantType.QUInt8,
                              weight_type=q.QuantType.QInt8, per_channel=per_channel,
                              calibrate_method=methods[method], extra_options=extra)

    return build_beside(source.with_name(f"{tag}.onnx"), write)


def _advanced(per_channel: bool):
    from nncf.quantization.advanced_parameters import AdvancedQuantizationParameters, QuantizationParameters

    return AdvancedQuantizationParameters(weights_quantization_params=QuantizationParameters(per_channel=per_channel))


def _save_ov(source: Path, name: str, transform) -> Path:
    def write(tmp: Path) -> None:
        import openvino as ov

        from .runtimes.ov import read_model

        with quiet():
            model = transform(read_model(source))
        ov.save_model(model, str(tmp), compress_to_fp16=False)

    return build_beside(source.with_name(name), write)


def _dataset():
    import nncf

    x = split("calibration").x
    return nncf.Dataset([x[i:i + 1] for i in range(len(x))])


def nncf_int8(kind: str, *, per_channel: bool = True, preset: str = "performance") -> Path:
    """``nncf.quantize`` of the FP32 IR on the calibration split."""
    from .quant import PRESETS

    choice(preset, PRESETS, "NNCF preset")

    def transform(model):
        import nncf

        return nncf.quantize(model, _dataset(), subset_size=len(split("calibration").y),
                             preset=nncf.QuantizationPreset(preset), advanced_parameters=_advanced(per_channel))

    return _save_ov(ir_file(kind), f"nncf-{'pc' if per_channel else 'pt'}-{preset}.xml", transform)


def _validate(compiled, items) -> float:
    out = compiled.outputs[0]
    return float(np.mean([int(np.argmax(compiled(x)[out])) == int(y) for x, y in items]))


def accuracy_controlled(kind: str, *, max_drop: float = 0.01, per_channel: bool = False) -> Path:
    """``nncf.quantize_with_accuracy_control``: calibrated on the calibration split, layers reverted
    to float until the drop on the VALIDATION split is at most ``max_drop``; the test split is
    never seen."""
    if not 0 < max_drop < 1:
        raise AccelkitError(f"max_drop is an absolute accuracy drop between 0 and 1 (0.01 = one point), not {max_drop!r}.")

    def transform(model):
        import nncf

        val = split("validation")
        items = [(val.x[i:i + 1], int(val.y[i])) for i in range(len(val.y))]
        return nncf.quantize_with_accuracy_control(
            model, _dataset(), nncf.Dataset(items, lambda item: item[0]), _validate, max_drop=max_drop,
            subset_size=len(split("calibration").y), advanced_quantization_parameters=_advanced(per_channel))

    return _save_ov(ir_file(kind), f"nncf-acc{max_drop:g}-{'pc' if per_channel else 'pt'}.xml", transform)


def float_layers(path: str | Path) -> list[str]:
    """The convolutions and matmuls of an NNCF IR whose data input is not quantized (kept in float)."""
    from .runtimes.ov import read_model

    kept = []
    for op in read_model(path).get_ordered_ops():
        compute = op.get_type_name() in ("Convolution", "GroupConvolution", "MatMul")
        if compute and op.input_value(0).get_node().get_type_name() != "FakeQuantize":
            kept.append(op.get_friendly_name())
    return kept


def _predict(path: Path, x: np.ndarray) -> np.ndarray:
    if path.suffix == ".onnx":
        import onnxruntime as ort

        so = ort.SessionOptions()
        so.log_severity_level = 3
        session = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
        return np.array([session.run(None, {INPUT: x[i:i + 1]})[0][0] for i in range(len(x))])
    from .runtimes.ov import ov_core

    # f32 for every float part, so a BF16-capable CPU gives the same answers as an AVX2 one
    compiled = ov_core().compile_model(str(path), "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    out = compiled.outputs[0]
    return np.array([compiled(x[i:i + 1])[out][0] for i in range(len(x))])


def accuracy(path: str | Path, split_name: str = "test") -> float:
    """Top-1 accuracy of an .onnx (ONNX Runtime CPU EP) or .xml (OpenVINO CPU, f32) model on a split."""
    path = Path(path)
    if path.suffix not in (".onnx", ".xml") or not path.is_file():
        raise AccelkitError(f"{path} is not an .onnx or .xml model file.")
    data = split(split_name)
    return float((_predict(path, data.x).argmax(1) == data.y).mean())


def accuracies(variants: dict[str, str | Path]) -> pd.DataFrame:
    """One row per variant: validation and test accuracy (%), and the test drop vs the first row."""
    import pandas as pd

    rows = [{"variant": name, "validation_%": 100 * accuracy(p, "validation"), "test_%": 100 * accuracy(p, "test")}
            for name, p in variants.items()]
    frame = pd.DataFrame(rows)
    frame["test_drop_pts"] = frame["test_%"].iloc[0] - frame["test_%"]
    return frame.round(2)

