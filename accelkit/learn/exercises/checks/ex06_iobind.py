"""Checks for exercises/06-bind-outputs-zero-copy.ipynb (notebook 06's material).

The learner's functions are called on small models built here (two outputs; other names, shapes and element
types), not on the notebook's model, so a solution that hard-codes wide_conv's names, shapes or float32 fails
clearly. The last section's two questions (why the gain is small on a CPU, which copies binding removes on a
CUDA session) are multiple choice, recorded as variables and checked.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ....harness.measure import BenchResult
from ..checking import CheckFailed, call, check, need

EXERCISE = "06-bind-outputs-zero-copy"


def two_output_model(dynamic: bool = False):
    """An ONNX model X[3,5] -> Y = 2X [3,5] and Z = X @ W [3,2] (batch symbolic with ``dynamic``)."""
    from onnx import TensorProto, helper, numpy_helper

    rows = "n" if dynamic else 3
    w = numpy_helper.from_array((np.arange(10, dtype=np.float32) / 10).reshape(5, 2), "W")
    two = numpy_helper.from_array(np.array(2.0, dtype=np.float32), "two")
    graph = helper.make_graph(
        [helper.make_node("Mul", ["X", "two"], ["Y"]), helper.make_node("MatMul", ["X", "W"], ["Z"])], "two_outputs",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [rows, 5])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [rows, 5]),
         helper.make_tensor_value_info("Z", TensorProto.FLOAT, [rows, 2])], initializer=[w, two])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def mixed_types_model():
    """An ONNX model X uint8[2,4] -> H = float16(X) [2,4] and L = int64(X) [2,4]: 8 + 16 + 64 bytes."""
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Cast", ["X"], ["H"], to=TensorProto.FLOAT16),
         helper.make_node("Cast", ["X"], ["L"], to=TensorProto.INT64)], "mixed_types",
        [helper.make_tensor_value_info("X", TensorProto.UINT8, [2, 4])],
        [helper.make_tensor_value_info("H", TensorProto.FLOAT16, [2, 4]),
         helper.make_tensor_value_info("L", TensorProto.INT64, [2, 4])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def _session(model=None):
    import onnxruntime as ort

    model = two_output_model() if model is None else model
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


def _feed() -> dict[str, np.ndarray]:
    return {"X": np.random.default_rng(6).random((3, 5), dtype=np.float32)}


def _bound(ns):
    """Call the learner's bind_preallocated on the check's model; returns (session, feed, binding, outputs)."""
    fn = need(ns, "bind_preallocated", is_callable=True)
    session, feed = _session(), _feed()
    got = call(fn, session, feed)
    if not (isinstance(got, tuple) and len(got) == 2):
        raise CheckFailed(f"bind_preallocated should return a tuple (io_binding, outputs), not {type(got).__name__}.")
    binding, outputs = got
    if not hasattr(binding, "bind_output"):
        raise CheckFailed("the first item should be the IOBinding from session.io_binding(), "
                          f"not {type(binding).__name__}.")
    if not isinstance(outputs, dict) or set(outputs) != {"Y", "Z"}:
        found = sorted(outputs) if isinstance(outputs, dict) else type(outputs).__name__
        raise CheckFailed(f"outputs should be a dict with one numpy array per session output (here 'Y' and 'Z'), "
                          f"got {found}; take the names from session.get_outputs().")
    if not all(isinstance(a, np.ndarray) for a in outputs.values()):
        raise CheckFailed("every value in outputs should be a numpy array you allocated.")
    return session, feed, binding, outputs


@check("is_zero_copy tells a shared buffer from a copy", points=2)
def zero_copy_ok(ns):
    import onnxruntime as ort

    fn = need(ns, "is_zero_copy", is_callable=True)
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    flat = np.arange(16, dtype=np.float32)
    cases = [  # (array, ortvalue, same memory?, why)
        (a, ort.OrtValue.ortvalue_from_numpy(a), True, "an OrtValue made from the array wraps it"),
        (a, ort.OrtValue.ortvalue_from_numpy(a.copy()), False, "an OrtValue over a copy is another buffer"),
        (a, ort.OrtValue.ortvalue_from_numpy(np.arange(12, dtype=np.float32).reshape(3, 4)), False,
         "equal values in another array are not the same memory"),
        (flat, ort.OrtValue.ortvalue_from_numpy(flat[8:]), False, "a tensor starting halfway in is another range"),
        (flat, ort.OrtValue.ortvalue_from_numpy(flat[:8]), False, "same start address but half the bytes"),
    ]
    for array, ortvalue, want, why in cases:
        got = call(fn, array, ortvalue)
        if not isinstance(got, (bool, np.bool_)):
            raise CheckFailed(f"is_zero_copy should return True or False, not {type(got).__name__}.")
        if bool(got) != want:
            raise CheckFailed(f"is_zero_copy returned {bool(got)} where {why}; compare ortvalue.data_ptr() with "
                              "array.ctypes.data and ortvalue.tensor_size_in_bytes() with array.nbytes.")


@check("bind_preallocated: after run_with_iobinding your arrays hold the right values", points=3)
def values_ok(ns):
    session, feed, binding, outputs = _bound(ns)
    want = dict(zip(("Y", "Z"), session.run(None, feed)))
    for name, array in outputs.items():
        if array.shape != want[name].shape or array.dtype != np.float32:
            raise CheckFailed(f"outputs[{name!r}] is {array.dtype}{list(array.shape)}; allocate "
                              f"float32{list(want[name].shape)} as session.get_outputs() says.")
        array[...] = np.nan
    session.run_with_iobinding(binding)
    for name, array in outputs.items():
        if not np.allclose(array, want[name], rtol=1e-5, equal_nan=False):
            raise CheckFailed(f"after run_with_iobinding, outputs[{name!r}] does not hold the result: ORT did not "
                              "write into your array. Bind it with bind_output(name, 'cpu', 0, np.float32, shape, "
                              "array.ctypes.data) or bind_ortvalue_output(name, OrtValue.ortvalue_from_numpy(array)).")


@check("bind_preallocated: ORT's outputs are your arrays (zero-copy)", points=2)
def outputs_shared_ok(ns):
    session, _, binding, outputs = _bound(ns)
    session.run_with_iobinding(binding)
    ort_ptrs = {value.data_ptr() for value in binding.get_outputs()}
    for name, array in outputs.items():
        if array.ctypes.data not in ort_ptrs:
            raise CheckFailed(f"ORT's output {name!r} lives at another address than outputs[{name!r}]: it was copied "
                              "(did you call copy_outputs_to_cpu(), or bind_output(name, 'cpu') without a buffer?).")


@check("bind_preallocated: inputs are bound without a copy", points=1)
def inputs_shared_ok(ns):
    session, feed, binding, outputs = _bound(ns)
    feed["X"][...] = 1.0   # changed after binding: a zero-copy binding sees it
    session.run_with_iobinding(binding)
    if not np.allclose(outputs["Y"], 2.0):
        raise CheckFailed("changing the feed array after binding did not change the result, so the input was copied; "
                          "bind the feed's own array (bind_cpu_input or an OrtValue from ortvalue_from_numpy).")


@check("my_results: run() and pre-allocated binding of wide_conv through the harness", points=2)
def results_ok(ns):
    results = need(ns, "my_results", dict)
    if set(results) != {"run", "preallocated"}:
        raise CheckFailed(f"my_results should have the keys 'run' and 'preallocated', not {sorted(results)}.")
    for mode, result in results.items():
        if not isinstance(result, BenchResult):
            raise CheckFailed(f"my_results[{mode!r}] should be the BenchResult from ak.measure, "
                              f"not {type(result).__name__}.")
        if result.model != "wide_conv" or result.runtime != "onnxruntime":
            raise CheckFailed(f"my_results[{mode!r}] measured {result.model} on {result.runtime}; measure wide_conv's "
                              "ONNX file with iobind.iobinding_runner.")
        if result.iterations < 10 or not result.median_ms > 0:
            raise CheckFailed(f"my_results[{mode!r}] has too few iterations; use ak.measure with its default window.")
    ratio = need(ns, "run_vs_bound", float)
    want = results["run"].median_ms / results["preallocated"].median_ms
    if abs(ratio - want) > 1e-6 * want:
        raise CheckFailed(f"run_vs_bound is {ratio:.4g}, but your results give {want:.4g} "
                          "(run median / preallocated median).")


# ---------------------------------------------------------------- section 4: what would a GPU show?

BYTES_CASES = [  # (model, what it is, bytes in + bytes out)
    (two_output_model, "float32 X[3,5] -> Y[3,5] and Z[3,2]", 4 * (15 + 15 + 6)),
    (mixed_types_model, "uint8 X[2,4] -> float16 H[2,4] and int64 L[2,4]", 8 * 1 + 8 * 2 + 8 * 8),
]


@check("bytes_per_call counts every input's and every output's bytes from the session's metadata", points=2)
def bytes_ok(ns):
    fn = need(ns, "bytes_per_call", is_callable=True)
    for make, what, want in BYTES_CASES:
        got = call(fn, _session(make()))
        if isinstance(got, bool) or not isinstance(got, (int, np.integer)):
            raise CheckFailed(f"bytes_per_call should return a whole number of bytes, not {type(got).__name__}.")
        if got != want:
            raise CheckFailed(f"for a session {what} you counted {int(got)} bytes; expected {want}: add, over "
                              "session.get_inputs() and session.get_outputs(), the number of elements times the size "
                              "of the element type (ELEMENT_BYTES[arg.type]).")


CPU_OPTIONS = {  # the notebook prints these; "c" is right
    "a": "ORT ignores an IO binding on the CPU execution provider and runs the session the way run() does",
    "b": "copying 13 MB takes a CPU so little time that the copies run() makes cost nothing next to the conv",
    "c": "on a CPU, run() already hands back ORT's own output buffers: binding saves only their allocation",
    "d": "the harness stops its clock before run() copies the outputs, so no copy can show in the median",
}
CPU_ANSWER = "c"
CPU_WHY_NOT = {
    "a": "ORT does run the binding: your check of section 2 saw it write into your arrays.",
    "b": "on a CPU, run() makes no copy of the outputs at all in this ORT version (notebook 06, section 2 (a)).",
    "d": "the harness times the whole call, copies included (notebook 06, section 3 measures copy_outputs_to_cpu).",
}
CUDA_OPTIONS = {  # "b", "d" and "e" are right
    "a": "the convolution's reads of its weights from device memory",
    "b": "the device-to-host copy of the output, when the next stage reads it on the GPU",
    "c": "the host-to-device copy of a new camera frame that arrives in host memory",
    "d": "the allocation of a new output buffer at every call",
    "e": "the host-to-device copy of an input a previous GPU stage left in device memory",
}
CUDA_ANSWER = frozenset("bde")


def _letters(value: Any, options: dict[str, str], name: str) -> set[str]:
    """The learner's answer as a set of option letters, or one sentence saying what it should be."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (set, frozenset, list, tuple)) or not all(isinstance(v, str) for v in items):
        raise CheckFailed(f"{name} should be a set of letters such as {{'a', 'b'}}, not {value!r:.40}.")
    letters = {v.strip().lower().strip("()") for v in items}
    if not letters <= set(options):
        raise CheckFailed(f"{name} should hold letters of {', '.join(options)}, not {sorted(letters - set(options))}.")
    return letters


@check("why_small_on_cpu: why binding gains little on this CPU", points=1)
def cpu_answer_ok(ns):
    answer = need(ns, "why_small_on_cpu")
    letter = answer.strip().lower().strip("()") if isinstance(answer, str) else None
    if letter not in CPU_OPTIONS:
        raise CheckFailed(f"why_small_on_cpu should be one letter of {', '.join(CPU_OPTIONS)}, not {answer!r:.40}.")
    if letter != CPU_ANSWER:
        raise CheckFailed(f"({letter}) is not why: {CPU_WHY_NOT[letter]}")


@check("cuda_removes: the copies and allocations binding device tensors removes on a CUDA session", points=2)
def cuda_answer_ok(ns):
    letters = _letters(need(ns, "cuda_removes"), CUDA_OPTIONS, "cuda_removes")
    wrong = sorted(letters ^ CUDA_ANSWER)
    if wrong:
        raise CheckFailed(f"not quite: {len(wrong)} {'letter is' if len(wrong) == 1 else 'letters are'} missing or "
                          "extra. For each option, ask whether it is work on data already where it must be, or a move "
                          "or an allocation that run() repeats at every call.")


CHECKS = [zero_copy_ok, values_ok, outputs_shared_ok, inputs_shared_ok, results_ok, bytes_ok, cpu_answer_ok,
          cuda_answer_ok]
