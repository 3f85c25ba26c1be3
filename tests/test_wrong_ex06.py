"""Exercise 06-bind-outputs-zero-copy: a right submission scores full marks and every plausible wrong one loses points
on the checks that should catch it, with a sentence saying what is wrong.

The checks run the learner's functions on small ONNX models of their own (CPU only, milliseconds); my_results are
BenchResults made by hand. The whole-notebook grading of the solution and of the untouched exercise is test_grade's
parametrized test.
"""
import numpy as np
import onnxruntime as ort
import pytest
from graded import graded

from accelkit.harness.measure import BenchResult

EXERCISE = "06-bind-outputs-zero-copy"
FULL = 15
ELEMENT_BYTES = {"tensor(float)": 4, "tensor(float16)": 2, "tensor(double)": 8, "tensor(int64)": 8,
                 "tensor(int32)": 4, "tensor(int8)": 1, "tensor(uint8)": 1, "tensor(bool)": 1}


# ---------------------------------------------------------------- a right submission, written apart from the notebook

def is_zero_copy(array, ortvalue):
    return ortvalue.data_ptr() == array.ctypes.data and ortvalue.tensor_size_in_bytes() == array.nbytes


def bind_preallocated(session, feed):
    binding = session.io_binding()
    for name, array in feed.items():
        binding.bind_ortvalue_input(name, ort.OrtValue.ortvalue_from_numpy(array))
    outputs = {o.name: np.empty(o.shape, np.float32) for o in session.get_outputs()}
    for name, array in outputs.items():
        binding.bind_output(name, "cpu", 0, np.float32, list(array.shape), array.ctypes.data)
    return binding, outputs


def bytes_per_call(session):
    return sum(int(np.prod(a.shape)) * ELEMENT_BYTES[a.type] for a in [*session.get_inputs(), *session.get_outputs()])


def bench(label: str, median_ms: float) -> BenchResult:
    return BenchResult(model="wide_conv", runtime="onnxruntime", device="CPU", mode="latency", hint=None,
                       precision="f32", exec_precision="f32", threads=2, streams=1, nireq=1, opt_level="all",
                       compile_ms=10.0, first_infer_ms=4.0, iterations=300, duration_s=1.0, median_ms=median_ms,
                       p90_ms=median_ms * 1.2, p99_ms=median_ms * 2, mean_ms=median_ms * 1.05, min_ms=median_ms * 0.9,
                       max_ms=median_ms * 3, throughput_fps=1000 / median_ms, label=label)


def right_answers() -> dict:
    results = {"run": bench("run", 2.2), "preallocated": bench("preallocated", 1.95)}
    return {"is_zero_copy": is_zero_copy, "bind_preallocated": bind_preallocated, "bytes_per_call": bytes_per_call,
            "my_results": results, "run_vs_bound": results["run"].median_ms / results["preallocated"].median_ms,
            "why_small_on_cpu": "c", "cuda_removes": {"b", "d", "e"}}


_graded = graded(EXERCISE)
results, lost, named = _graded.results, _graded.lost, _graded.named


ZERO_COPY, VALUES, SHARED, INPUTS = (named("is_zero_copy"), named("bind_preallocated: after"),
                                     named("bind_preallocated: ORT's"), named("bind_preallocated: inputs"))
RESULTS, BYTES, CPU, CUDA = named("my_results"), named("bytes_per_call"), named("why_small_on_cpu"), named("cuda_removes")


def test_right_answers_score_full_marks():
    got = results(right_answers())
    assert {n: r.message for n, r in got.items() if r.earned < r.points} == {}
    assert sum(r.points for r in got.values()) == FULL == sum(r.earned for r in got.values())


def test_other_right_forms_pass():
    ns = right_answers()
    ns["why_small_on_cpu"] = "(C)"
    ns["cuda_removes"] = ["e", "b", "d"]
    ns["bytes_per_call"] = lambda s: int(sum(np.prod(a.shape) * np.dtype({"tensor(float)": np.float32,
                                         "tensor(float16)": np.float16, "tensor(int64)": np.int64,
                                         "tensor(uint8)": np.uint8}[a.type]).itemsize
                                         for a in s.get_inputs() + s.get_outputs()))
    assert lost(ns) == {}


# ---------------------------------------------------------------- plausible wrong solutions: each loses points

def float64_outputs(session, feed):
    binding = session.io_binding()
    for name, array in feed.items():
        binding.bind_cpu_input(name, array)
    outputs = {o.name: np.empty(o.shape) for o in session.get_outputs()}            # float64
    for name, array in outputs.items():
        binding.bind_ortvalue_output(name, ort.OrtValue.ortvalue_from_numpy(array))
    return binding, outputs


def ort_allocated(session, feed):
    binding = session.io_binding()
    for name, array in feed.items():
        binding.bind_cpu_input(name, array)
    outputs = {o.name: np.zeros(o.shape, np.float32) for o in session.get_outputs()}
    for name in outputs:
        binding.bind_output(name, "cpu")                                              # ORT allocates: not our arrays
    return binding, outputs


def copied_input(session, feed):
    binding, outputs = bind_preallocated(session, {})
    for name, array in feed.items():
        binding.bind_cpu_input(name, array.astype(np.float32, copy=True))
    return binding, outputs


def wide_conv_names(session, feed):
    binding, outputs = bind_preallocated(session, feed)
    return binding, {"features": next(iter(outputs.values()))}


WRONG = [  # (what, the names replaced, the checks that must lose points)
    ("addresses only", {"is_zero_copy": lambda a, v: v.data_ptr() == a.ctypes.data}, {ZERO_COPY}),
    ("equal values", {"is_zero_copy": lambda a, v: bool(np.array_equal(a, v.numpy()))}, {ZERO_COPY}),
    ("np.shares_memory on a view", {"is_zero_copy": lambda a, v: bool(np.shares_memory(a, v.numpy()))}, {ZERO_COPY}),
    ("float64 output buffers", {"bind_preallocated": float64_outputs}, {VALUES}),
    ("outputs ORT allocates", {"bind_preallocated": ort_allocated}, {VALUES, SHARED}),
    ("the input copied before binding", {"bind_preallocated": copied_input}, {INPUTS}),
    ("wide_conv's output name hard-coded", {"bind_preallocated": wide_conv_names}, {VALUES, SHARED, INPUTS}),
    ("run_vs_bound inverted", {"run_vs_bound": 1.95 / 2.2}, {RESULTS}),
    ("4 bytes for every element", {"bytes_per_call": lambda s: sum(4 * int(np.prod(a.shape))
                                                                 for a in s.get_inputs() + s.get_outputs())}, {BYTES}),
    ("outputs only", {"bytes_per_call": lambda s: sum(int(np.prod(a.shape)) * ELEMENT_BYTES[a.type]
                                                      for a in s.get_outputs())}, {BYTES}),
    ("elements, not bytes", {"bytes_per_call": lambda s: sum(int(np.prod(a.shape))
                                                             for a in s.get_inputs() + s.get_outputs())}, {BYTES}),
    ("megabytes as a float", {"bytes_per_call": lambda s: bytes_per_call(s) / 1e6}, {BYTES}),
    ("the binding is ignored on a CPU", {"why_small_on_cpu": "a"}, {CPU}),
    ("copies are cheap on a CPU", {"why_small_on_cpu": "b"}, {CPU}),
    ("the clock misses the copies", {"why_small_on_cpu": "d"}, {CPU}),
    ("a host frame's copy removed too", {"cuda_removes": {"b", "c", "d", "e"}}, {CUDA}),
    ("only the output copy", {"cuda_removes": {"b"}}, {CUDA}),
    ("weights reads removed", {"cuda_removes": {"a", "b", "d", "e"}}, {CUDA}),
    ("the letters as one string", {"cuda_removes": "b, d, e"}, {CUDA}),
    ("not letters", {"cuda_removes": {1, 2}}, {CUDA}),
]

SAYS = {  # what -> words one of the lost checks' messages must contain
    "addresses only": "same start address but half the bytes",
    "equal values": "an OrtValue over a copy is another buffer",
    "np.shares_memory on a view": "a tensor starting halfway in is another range",
    "float64 output buffers": "allocate float32",
    "outputs ORT allocates": "ORT did not write into your array",
    "the input copied before binding": "the input was copied",
    "wide_conv's output name hard-coded": "take the names from session.get_outputs()",
    "run_vs_bound inverted": "(run median / preallocated median)",
    "4 bytes for every element": "the size of the element type",
    "outputs only": "session.get_inputs() and session.get_outputs()",
    "elements, not bytes": "the size of the element type",
    "megabytes as a float": "a whole number of bytes",
    "the binding is ignored on a CPU": "saw it write into your arrays",
    "copies are cheap on a CPU": "run() makes no copy of the outputs",
    "the clock misses the copies": "the harness times the whole call",
    "a host frame's copy removed too": "1 letter is missing or extra",
    "only the output copy": "2 letters are missing or extra",
    "weights reads removed": "1 letter is missing or extra",
    "the letters as one string": "should hold letters of a, b, c, d, e",
    "not letters": "should be a set of letters",
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
    for message in wrong.values():
        assert "\n" not in message and message.endswith((".", ")")), message
