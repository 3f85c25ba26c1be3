"""Checks for exercises/03-convert-and-inspect.ipynb (notebook 03's material).

The preprocessing checks build their own small model (an RGB convolution of 20 x 28 images whose weights differ per
input channel, so a channel swap, a missing scale or a wrong layout each changes its output), apply the learner's
PrePostProcessor steps to it, and compare its outputs on hidden u8 BGR frames with the same model fed by a numpy
pipeline. Nothing from the kit's own code is put into the learner's namespace.
"""
from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..checking import CheckFailed, call, check, need

if TYPE_CHECKING:
    import numpy as np

EXERCISE = "03-convert-and-inspect"

TINY_IR = """<?xml version="1.0"?>
<net name="tiny" version="11"><layers>
<layer id="0" name="x" type="Parameter" version="opset1"/>
<layer id="1" name="w" type="Const" version="opset1"/>
<layer id="2" name="c1" type="Convolution" version="opset1"/>
<layer id="3" name="r1" type="ReLU" version="opset1"/>
<layer id="4" name="c2" type="Convolution" version="opset1"/>
<layer id="5" name="y" type="Result" version="opset1"/>
</layers><edges/></net>"""


@check("static_digits has the static input shape [1,1,32,32]", points=2)
def static_ok(ns):
    model = need(ns, "static_digits")
    if not hasattr(model, "inputs"):
        raise CheckFailed(f"static_digits should be an ov.Model from ov.convert_model, not {type(model).__name__}.")
    shape = model.inputs[0].get_partial_shape()
    if shape.is_dynamic:
        raise CheckFailed(f"its input shape is {shape}: still dynamic. Pass input=[(1, 1, 32, 32)] as well.")
    if [d.get_length() for d in shape] != [1, 1, 32, 32]:
        raise CheckFailed(f"its input shape is {shape}; expected [1,1,32,32].")


@check("count_layers counts compute layers of an .xml", points=3)
def layers_ok(ns):
    fn = need(ns, "count_layers", is_callable=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tiny.xml"
        path.write_text(TINY_IR)
        got = call(fn, path)
        if got != {"Convolution": 2, "ReLU": 1}:
            raise CheckFailed(f"for a small hand-written IR you returned {got}; expected {{'Convolution': 2, 'ReLU': 1}} "
                              "(leave out Parameter, Result and Const).")
        got = call(fn, str(path))
        if got != {"Convolution": 2, "ReLU": 1}:
            raise CheckFailed("count_layers should accept the path as a string too.")


@check("size_ratio counts .xml and .bin", points=2)
def ratio_ok(ns):
    fn = need(ns, "size_ratio", is_callable=True)
    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp) / "a.xml", Path(tmp) / "b.xml"
        a.write_bytes(b"x" * 100)
        a.with_suffix(".bin").write_bytes(b"x" * 900)
        b.write_bytes(b"x" * 100)
        b.with_suffix(".bin").write_bytes(b"x" * 400)
        got = call(fn, a, b)
        if not isinstance(got, (int, float)) or abs(got - 0.5) > 1e-9:
            raise CheckFailed(f"for a pair of 1000 and 500 bytes in total you returned {got!r}; expected 0.5 "
                              "(b's .xml+.bin over a's .xml+.bin).")


H, W = 20, 28                        # neither the notebook's 224 x 224 nor square: a transposed H and W shows
NORMALISATIONS = [                  # (mean, scale) in the model's RGB order; the second one differs a lot per channel
    ([123.675, 116.28, 103.53], [58.395, 57.12, 57.375]),
    ([0.0, 128.0, 255.0], [255.0, 128.0, 64.0]),
]


def frames(n: int, seed: int, height: int = H, width: int = W) -> np.ndarray:
    """Hidden u8 NHWC BGR frames, with the extremes 0 and 255 in every channel."""
    import numpy as np

    images = np.random.default_rng(seed).integers(0, 256, (n, height, width, 3), dtype=np.uint8)
    images[:, 0, 0], images[:, 0, 1] = 0, 255
    return images


def reference(images: np.ndarray, mean: Any, scale: Any) -> np.ndarray:
    """u8 NHWC BGR -> f32 NCHW RGB, (pixel - mean) / scale per channel."""
    import numpy as np

    rgb = images[..., ::-1].astype(np.float32)
    return np.ascontiguousarray(((rgb - np.float32(mean)) / np.float32(scale)).transpose(0, 3, 1, 2))


def rgb_of(images: np.ndarray) -> np.ndarray:
    import numpy as np

    return images[..., ::-1].astype(np.float32)


def nchw(x: np.ndarray) -> np.ndarray:
    import numpy as np

    return np.ascontiguousarray(x.transpose(0, 3, 1, 2).astype(np.float32))


# (what went wrong, the fix, what that pipeline computes): tried in order when an output does not match
MISTAKES: list[tuple[str, str, Callable[[np.ndarray, Any, Any], np.ndarray]]] = [
    ("the channels are still in BGR order", "convert BGR to RGB (numpy: images[..., ::-1]; PrePostProcessor: the "
     "tensor's color format BGR, then convert_color(ColorFormat.RGB))",
     lambda im, m, s: nchw((im.astype("float32") - m) / s)),
    ("the scale is missing", "divide by scale after subtracting the mean",
     lambda im, m, s: nchw(rgb_of(im) - m)),
    ("the mean is missing", "subtract the mean before dividing by scale",
     lambda im, m, s: nchw(rgb_of(im) / s)),
    ("it scales before it subtracts the mean", "subtract the mean first, then divide by scale",
     lambda im, m, s: nchw(rgb_of(im) / s - m)),
    ("it multiplies by scale", "the scale divides, (pixel - mean) / scale, as PrePostProcessor's scale() does",
     lambda im, m, s: nchw((rgb_of(im) - m) * s)),
    ("mean and scale were applied in BGR order, before the color conversion",
     "convert the color first, since mean and scale are given in the model's RGB order",
     lambda im, m, s: nchw((rgb_of(im) - m[::-1]) / s[::-1])),
    ("the mean was applied in BGR order", "convert the color before the mean, which is given in RGB order",
     lambda im, m, s: nchw((rgb_of(im) - m[::-1]) / s)),
    ("the scale was applied in BGR order", "convert the color before the scale, which is given in RGB order",
     lambda im, m, s: nchw((rgb_of(im) - m) / s[::-1])),
    ("there is no normalisation at all", "subtract the mean and divide by scale",
     lambda im, m, s: nchw(rgb_of(im))),
]


def close(got: np.ndarray, want: np.ndarray) -> bool:
    import numpy as np

    return got.shape == want.shape and bool(np.allclose(got, want, rtol=1e-4, atol=1e-4 * float(np.abs(want).max() + 1)))


@check("numpy_preprocess turns u8 NHWC BGR frames into normalised f32 NCHW RGB", points=2)
def numpy_ok(ns):
    import numpy as np

    fn = need(ns, "numpy_preprocess", is_callable=True)
    for n, (mean, scale) in zip((2, 1), NORMALISATIONS):
        images = frames(n, seed=11 + n)
        got = call(fn, images.copy(), list(mean), list(scale))
        want = reference(images, mean, scale)
        if not isinstance(got, np.ndarray):
            raise CheckFailed(f"numpy_preprocess should return a numpy array, not {type(got).__name__}.")
        if got.shape != want.shape:
            hint = "transpose NHWC to NCHW: .transpose(0, 3, 1, 2)" if got.shape == images.shape else \
                "the channels go to axis 1 and height and width stay in order: .transpose(0, 3, 1, 2)"
            raise CheckFailed(f"for frames of shape {images.shape} you returned shape {got.shape}; expected "
                              f"{want.shape} ({hint}).")
        if got.dtype != np.float32:
            raise CheckFailed(f"numpy_preprocess returned {got.dtype}; the model takes float32: convert with "
                              ".astype(np.float32).")
        if not close(got, want):
            m, s = np.float32(mean), np.float32(scale)
            for what, fix, pipeline in MISTAKES:
                if close(got, pipeline(images, m, s)):
                    raise CheckFailed(f"for mean {mean} and scale {scale}, {what}: {fix}.")
            raise CheckFailed(f"for mean {mean} and scale {scale} your values differ from (rgb - mean) / scale by up to "
                              f"{float(np.abs(got - want).max()):.3g}.")


def hidden_model() -> Any:
    """A model that wants f32 NCHW RGB [1, 3, 20, 28]: one 3x3 convolution, different weights per input channel."""
    import numpy as np
    import openvino as ov
    from openvino import opset13 as ops

    rng = np.random.default_rng(3)
    image = ops.parameter([1, 3, H, W], np.float32, name="image")
    weights = ops.constant(rng.normal(0.0, 1.0, (4, 3, 3, 3)).astype(np.float32))
    out = ops.convolution(image, weights, [1, 1], [1, 1], [1, 1], [1, 1])
    return ov.Model([out], [image], "hidden_rgb_net")


def compiled(model: Any) -> Any:
    import openvino as ov

    # f32 inference, so that bf16 on a CPU with AMX cannot blur the comparison
    return ov.Core().compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})


def ov_reason(exc: Exception) -> str:
    """OpenVINO's message without the source locations: 'Check ... failed at x.cpp:12: <this part>'."""
    text = " ".join(str(exc).split())
    parts = re.split(r"\S+\.(?:cpp|hpp):\d+:\s*", text)
    return parts[-1].strip() or text


def learner_model(ns: dict, mean: Any, scale: Any) -> Any:
    """The learner's with_preprocessing applied to a fresh hidden model, or a CheckFailed saying why not."""
    fn = need(ns, "with_preprocessing", is_callable=True)
    try:
        model = fn(hidden_model(), list(mean), list(scale))
    except NotImplementedError:
        raise CheckFailed("`with_preprocessing` is not written yet (it raises NotImplementedError).") from None
    except Exception as exc:
        reason = ov_reason(exc)
        shapes = re.search(r"Resulting shape '(\[[^\]]*\])'.*original parameter's shape: (\[[^\]]*\])", reason)
        if shapes:
            reason = (f"after your steps the input would be {shapes[1]}, but the model wants {shapes[2]}: give the model's "
                      "layout, input().model().set_layout(ov.Layout('NCHW')), so OpenVINO converts NHWC to NCHW, and "
                      "leave the height and width to the model")
        raise CheckFailed(f"`with_preprocessing` raised {type(exc).__name__}: {reason.rstrip('.')}.") from None
    if type(model).__name__ == "PrePostProcessor":
        raise CheckFailed("with_preprocessing should return the ov.Model that ppp.build() returns, not the "
                          "PrePostProcessor.")
    if not hasattr(model, "inputs") or not hasattr(model, "outputs") or type(model).__name__ != "Model":
        raise CheckFailed(f"with_preprocessing should return an ov.Model (ppp.build()), not {type(model).__name__}.")
    return model


@check("with_preprocessing's model takes the app's frames: u8, NHWC [1,H,W,3]", points=2)
def ppp_input_ok(ns):
    import openvino as ov

    model = learner_model(ns, *NORMALISATIONS[0])
    if len(model.inputs) != 1:
        raise CheckFailed(f"the model should keep one input; it has {len(model.inputs)}.")
    port = model.inputs[0]
    shape, kind = port.get_partial_shape(), port.get_element_type()
    if shape.is_dynamic or [d.get_length() for d in shape] != [1, H, W, 3]:
        hint = "declare the tensor's layout NHWC, input().tensor().set_layout(ov.Layout('NHWC')), and the model's NCHW" \
            if shape.is_static and [d.get_length() for d in shape] == [1, 3, H, W] else \
            "do not set a fixed shape: the frames have the model's own height and width"
        raise CheckFailed(f"for a model that wants [1,3,{H},{W}] your input is {shape}; expected [1,{H},{W},3] ({hint}).")
    if kind != ov.Type.u8:
        raise CheckFailed(f"your model's input is {kind.get_type_name()}; the app sends u8 bytes: declare "
                          "input().tensor().set_element_type(ov.Type.u8) and convert to f32 inside the model.")


@check("with_preprocessing's model matches the numpy pipeline on hidden frames", points=3)
def ppp_output_ok(ns):
    import numpy as np

    plain = compiled(hidden_model())
    for i, (mean, scale) in enumerate(NORMALISATIONS):
        model = learner_model(ns, mean, scale)
        try:
            mine = compiled(model)
        except Exception as exc:
            raise CheckFailed(f"OpenVINO could not compile your model: {ov_reason(exc)}") from None
        m, s = np.float32(mean), np.float32(scale)
        for frame in frames(2, seed=21 + i):
            frame = frame[None]
            try:
                got = np.asarray(mine(frame)[0])
            except Exception as exc:
                raise CheckFailed(f"your model could not run a u8 frame of shape {list(frame.shape)} "
                                  f"({ov_reason(exc).rstrip('.')}): its input should be that frame, NHWC.") from None
            want = np.asarray(plain(reference(frame, mean, scale))[0])
            if close(got, want):
                continue
            if got.shape != want.shape:
                raise CheckFailed(f"your model's output has shape {list(got.shape)}, the model's own {list(want.shape)}: "
                                  "add input preprocessing only.")
            for what, fix, pipeline in MISTAKES:
                if close(got, np.asarray(plain(pipeline(frame, m, s))[0])):
                    raise CheckFailed(f"for mean {mean} and scale {scale} the outputs say {what}: {fix}.")
            raise CheckFailed(f"for mean {mean} and scale {scale} your model's outputs differ from the same model fed "
                              f"by (rgb - mean) / scale in numpy by up to {float(np.abs(got - want).max()):.3g}.")


CHECKS = [static_ok, layers_ok, ratio_ok, numpy_ok, ppp_input_ok, ppp_output_ok]
