"""Exercise 03-convert-and-inspect: the hidden checks reward a right answer and every plausible wrong one loses points,
with a message that says what is wrong.

The PrePostProcessor checks compile small OpenVINO models (a few milliseconds each); the whole-notebook grading of the
solution and of the untouched exercise is test_grade's parametrized test.
"""
from pathlib import Path

import numpy as np
import openvino as ov
import pytest
from graded import graded
from openvino import opset13 as ops
from openvino.preprocess import ColorFormat, PrePostProcessor

from accelkit.learn.exercises.build import build_exercise, repo_dir
from accelkit.learn.exercises.checks import ex03_ir

EXERCISE = "03-convert-and-inspect"
FULL = 14


# ---------------------------------------------------------------- a right submission, written apart from the notebook

def static_model(shape=(1, 1, 32, 32)):
    """Stands in for ov.convert_model(..., input=[(1, 1, 32, 32)]): the check reads only the input's shape."""
    x = ops.parameter(list(shape), np.float32, name="x")
    return ov.Model([ops.relu(x)], [x], "digits")


def count_layers(xml_path):
    import xml.etree.ElementTree as ET
    kinds = [layer.get("type") for layer in ET.parse(xml_path).getroot().iter("layer")]
    return {k: kinds.count(k) for k in set(kinds) - {"Parameter", "Result", "Const"}}


def size_ratio(xml_a, xml_b):
    def size(xml):
        return sum(p.stat().st_size for p in (Path(xml), Path(xml).with_suffix(".bin")))
    return size(xml_b) / size(xml_a)


def numpy_preprocess(images, mean, scale):
    x = images.astype(np.float32)[:, :, :, [2, 1, 0]]
    x = (x - np.asarray(mean, np.float32).reshape(1, 1, 1, 3)) / np.asarray(scale, np.float32).reshape(1, 1, 1, 3)
    return np.transpose(x, (0, 3, 1, 2))


def ppp_with(*, tensor_layout="NHWC", model_layout="NCHW", element_type=True, color="convert", steps=("mean", "scale"),
             mean_of=lambda m: m, scale_of=lambda s: s, shape=None, build=True, output_nhwc=False):
    """A with_preprocessing with one thing changed (the defaults make it right)."""
    def with_preprocessing(model, mean, scale):
        ppp = PrePostProcessor(model)
        tensor = ppp.input().tensor()
        if element_type:
            tensor.set_element_type(ov.Type.u8)
        if tensor_layout:
            tensor.set_layout(ov.Layout(tensor_layout))
        if shape:
            tensor.set_shape(shape)
        if color in ("convert", "late", "skip"):
            tensor.set_color_format(ColorFormat.BGR)
        if model_layout:
            ppp.input().model().set_layout(ov.Layout(model_layout))
        pre = ppp.input().preprocess()
        pre.convert_element_type(ov.Type.f32)
        if color == "convert":
            pre.convert_color(ColorFormat.RGB)
        elif color == "reverse":
            pre.reverse_channels()
        for step in steps:
            pre.mean(mean_of(mean)) if step == "mean" else pre.scale(scale_of(scale))
        if color == "late":
            pre.convert_color(ColorFormat.RGB)
        if output_nhwc:
            ppp.output().model().set_layout(ov.Layout("NCHW"))
            ppp.output().tensor().set_layout(ov.Layout("NHWC"))
        return ppp.build() if build else ppp
    return with_preprocessing


def right_answers() -> dict:
    return {"static_digits": static_model(), "count_layers": count_layers, "size_ratio": size_ratio,
            "numpy_preprocess": numpy_preprocess, "with_preprocessing": ppp_with()}


_graded = graded(EXERCISE, check_seconds=60)
results, lost, named = _graded.results, _graded.lost, _graded.named


STATIC, LAYERS, RATIO, NUMPY, INPUT, OUTPUT = (named("static_digits"), named("count_layers"), named("size_ratio"),
                                               named("numpy_preprocess"), named("with_preprocessing's model takes"),
                                               named("with_preprocessing's model matches"))


def test_right_answers_score_full_marks():
    got = results(right_answers())
    assert {n: r.message for n, r in got.items() if r.earned < r.points} == {}
    assert sum(r.points for r in got.values()) == FULL == sum(r.earned for r in got.values())


@pytest.mark.parametrize("other", [ppp_with(color="reverse"), ppp_with(tensor_layout=None),
                                   ppp_with(element_type=True, color="convert", steps=("mean", "scale")),
                                   lambda model, mean, scale: ppp_with()(model, tuple(mean), np.array(scale).tolist())],
                         ids=["reverse_channels", "layout implied by the color format", "the defaults", "mean as a tuple"])
def test_other_right_ways_pass(other):
    ns = right_answers()
    ns["with_preprocessing"] = other
    assert not {INPUT, OUTPUT} & set(lost(ns))


def test_the_reference_is_what_the_solution_notebook_computes():
    """The check's numpy reference agrees with OpenVINO's own PrePostProcessor on the hidden model."""
    for mean, scale in ex03_ir.NORMALISATIONS:
        frame = ex03_ir.frames(1, seed=5)
        with_ppp = ex03_ir.compiled(ppp_with()(ex03_ir.hidden_model(), mean, scale))
        plain = ex03_ir.compiled(ex03_ir.hidden_model())
        assert ex03_ir.close(np.asarray(with_ppp(frame)[0]), np.asarray(plain(ex03_ir.reference(frame, mean, scale))[0]))


def test_untouched_exercise_scores_zero_with_a_sentence_per_check():
    exercise = build_exercise(repo_dir() / "solutions" / f"{EXERCISE}.ipynb")
    ns: dict = {}
    for source in (c.source for c in exercise.cells if c.cell_type == "code"):
        if "check_exercise" in source or "ak.ir_path" in source:
            continue                     # the grading cell, and cells that read the kit's IR files
        try:
            exec(source, ns)
        except (NotImplementedError, NameError):   # a placeholder, or a later line needing what it did not define
            pass
    got = results(ns)
    assert sum(r.earned for r in got.values()) == 0
    for r in got.values():
        assert r.message.startswith("`") and ("not written yet" in r.message or "is not defined" in r.message), r
        assert "\n" not in r.message and len(r.message) > 20


# ---------------------------------------------------------------- plausible wrong solutions: each loses points

def numpy_with(fn):
    return lambda images, mean, scale: fn(images, np.asarray(mean, np.float32), np.asarray(scale, np.float32))


def to_nchw(x):
    return x.transpose(0, 3, 1, 2).astype(np.float32)


def bgr_to_rgb(images):
    return images[..., ::-1].astype(np.float32)


def with_bin(pick):
    return lambda a, b: pick(Path(b)) / pick(Path(a))


WRONG = [  # (what, replaced names, checks that must lose points)
    ("a dynamic input shape", {"static_digits": static_model((1, 1, -1, -1))}, {STATIC}),
    ("three input channels", {"static_digits": static_model((1, 3, 32, 32))}, {STATIC}),
    ("Const layers counted", {"count_layers": lambda p: {k: v for k, v in {**count_layers(p), "Const": 1}.items()}},
     {LAYERS}),
    ("every layer counted", {"count_layers": lambda p: {**count_layers(p), "Parameter": 1, "Result": 1, "Const": 1}},
     {LAYERS}),
    ("the .bin only", {"size_ratio": with_bin(lambda x: x.with_suffix(".bin").stat().st_size)}, {RATIO}),
    ("the .xml only", {"size_ratio": with_bin(lambda x: x.stat().st_size)}, {RATIO}),
    ("the ratio inverted", {"size_ratio": lambda a, b: 1 / size_ratio(a, b)}, {RATIO}),
    ("numpy: channels not flipped", {"numpy_preprocess": numpy_with(
        lambda im, m, s: to_nchw((im.astype(np.float32) - m) / s))}, {NUMPY}),
    ("numpy: no scale", {"numpy_preprocess": numpy_with(lambda im, m, s: to_nchw(bgr_to_rgb(im) - m))}, {NUMPY}),
    ("numpy: scaled before the mean", {"numpy_preprocess": numpy_with(lambda im, m, s: to_nchw(bgr_to_rgb(im) / s - m))},
     {NUMPY}),
    ("numpy: multiplied by scale", {"numpy_preprocess": numpy_with(
        lambda im, m, s: to_nchw((bgr_to_rgb(im) - m) * s))}, {NUMPY}),
    ("numpy: the mean in BGR order", {"numpy_preprocess": numpy_with(
        lambda im, m, s: to_nchw((im.astype(np.float32) - m) / s)[:, ::-1])}, {NUMPY}),
    ("numpy: left in NHWC", {"numpy_preprocess": numpy_with(lambda im, m, s: (bgr_to_rgb(im) - m) / s)}, {NUMPY}),
    ("numpy: H and W swapped", {"numpy_preprocess": numpy_with(
        lambda im, m, s: ((bgr_to_rgb(im) - m) / s).transpose(0, 3, 2, 1))}, {NUMPY}),
    ("numpy: float64", {"numpy_preprocess": lambda im, m, s: (im[..., ::-1] - np.array(m)).transpose(0, 3, 1, 2)
                        / np.array(s).reshape(1, 3, 1, 1)}, {NUMPY}),
    ("numpy: a list, not an array", {"numpy_preprocess": lambda im, m, s: numpy_preprocess(im, m, s).tolist()}, {NUMPY}),
    ("ppp: no color conversion", {"with_preprocessing": ppp_with(color="skip")}, {OUTPUT}),
    ("ppp: no scale", {"with_preprocessing": ppp_with(steps=("mean",))}, {OUTPUT}),
    ("ppp: no mean", {"with_preprocessing": ppp_with(steps=("scale",))}, {OUTPUT}),
    ("ppp: scale before mean", {"with_preprocessing": ppp_with(steps=("scale", "mean"))}, {OUTPUT}),
    ("ppp: mean and scale before the color conversion", {"with_preprocessing": ppp_with(color="late")}, {OUTPUT}),
    ("ppp: the mean reversed by hand", {"with_preprocessing": ppp_with(mean_of=lambda m: m[::-1])}, {OUTPUT}),
    ("ppp: 1 / scale", {"with_preprocessing": ppp_with(scale_of=lambda s: [1 / v for v in s])}, {OUTPUT}),
    ("ppp: the tensor declared NCHW", {"with_preprocessing": ppp_with(tensor_layout="NCHW", color="reverse")},
     {INPUT, OUTPUT}),
    ("ppp: no model layout", {"with_preprocessing": ppp_with(model_layout=None)}, {INPUT, OUTPUT}),
    ("ppp: the model's layout declared NHWC", {"with_preprocessing": ppp_with(model_layout="NHWC")}, {INPUT, OUTPUT}),
    ("ppp: the tensor left f32", {"with_preprocessing": ppp_with(element_type=False)}, {INPUT}),
    ("ppp: the notebook's 224 x 224 hard-coded", {"with_preprocessing": ppp_with(shape=[1, 224, 224, 3])},
     {INPUT, OUTPUT}),
    ("ppp: the PrePostProcessor returned, not built", {"with_preprocessing": ppp_with(build=False)}, {INPUT, OUTPUT}),
    ("ppp: the model returned unchanged", {"with_preprocessing": lambda model, mean, scale: model}, {INPUT, OUTPUT}),
    ("ppp: no mean and no scale", {"with_preprocessing": ppp_with(steps=())}, {OUTPUT}),
    ("ppp: the output turned to NHWC as well", {"with_preprocessing": ppp_with(output_nhwc=True)}, {OUTPUT}),
]

SAYS = {  # what -> words one of the lost checks' messages must contain (the learner is told the right thing)
    "a dynamic input shape": "still dynamic",
    "three input channels": "expected [1,1,32,32]",
    "Const layers counted": "leave out Parameter, Result and Const",
    "every layer counted": "leave out Parameter, Result and Const",
    "the .bin only": "b's .xml+.bin over a's .xml+.bin",
    "the .xml only": "b's .xml+.bin over a's .xml+.bin",
    "the ratio inverted": "b's .xml+.bin over a's .xml+.bin",
    "numpy: channels not flipped": "the channels are still in BGR order",
    "numpy: no scale": "the scale is missing",
    "numpy: scaled before the mean": "it scales before it subtracts the mean",
    "numpy: multiplied by scale": "it multiplies by scale",
    "numpy: the mean in BGR order": "mean and scale were applied in BGR order",
    "numpy: left in NHWC": "transpose NHWC to NCHW",
    "numpy: H and W swapped": "height and width stay in order",
    "numpy: float64": "the model takes float32",
    "numpy: a list, not an array": "should return a numpy array, not list",
    "ppp: no color conversion": "the channels are still in BGR order",
    "ppp: no scale": "the scale is missing",
    "ppp: no mean": "the mean is missing",
    "ppp: scale before mean": "it scales before it subtracts the mean",
    "ppp: mean and scale before the color conversion": "mean and scale were applied in BGR order",
    "ppp: the mean reversed by hand": "the mean was applied in BGR order",
    "ppp: 1 / scale": "it multiplies by scale",
    "ppp: the tensor declared NCHW": "declare the tensor's layout NHWC",
    "ppp: no model layout": "input().model().set_layout(ov.Layout('NCHW'))",
    "ppp: the model's layout declared NHWC": "input().model().set_layout(ov.Layout('NCHW'))",
    "ppp: the tensor left f32": "the app sends u8 bytes",
    "ppp: the notebook's 224 x 224 hard-coded": "leave the height and width to the model",
    "ppp: the PrePostProcessor returned, not built": "not the PrePostProcessor",
    "ppp: the model returned unchanged": "declare the tensor's layout NHWC",
    "ppp: no mean and no scale": "there is no normalisation at all",
    "ppp: the output turned to NHWC as well": "add input preprocessing only",
}


def test_every_wrong_solution_says_what_is_wrong():
    assert set(SAYS) == {what for what, _, _ in WRONG}


@pytest.mark.parametrize("what, replaced, checks", WRONG, ids=[w[0] for w in WRONG])
def test_plausible_wrong_solution_loses_points(what, replaced, checks):
    ns = right_answers()
    ns.update(replaced)
    wrong = lost(ns)
    assert checks <= set(wrong), (what, wrong)
    assert any(SAYS[what] in message for message in wrong.values()), (what, wrong)
    for message in wrong.values():   # the kit's `call` reports a learner's exception as it was raised
        assert "\n" not in message and (message.endswith(".") or " raised " in message) and len(message) <= 300, message


def test_odd_return_values_get_one_sentence():
    ns = right_answers()
    ns["numpy_preprocess"] = lambda images, mean, scale: None
    ns["with_preprocessing"] = lambda model, mean, scale: "model.xml"
    wrong = lost(ns)
    assert "should return a numpy array, not NoneType" in wrong[NUMPY]
    assert "should return an ov.Model (ppp.build()), not str" in wrong[INPUT] == wrong[OUTPUT]
