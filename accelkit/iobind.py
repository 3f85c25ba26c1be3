"""IO binding and zero-copy: where a runtime's inputs and outputs live (notebook 06).

``session.run(None, feed)`` hands ONNX Runtime host arrays and gets new host arrays back: on a
GPU that is a host->device copy per input and a device->host copy per output on every call,
plus a fresh output allocation. ``run_with_iobinding`` runs on buffers bound once: inputs and
outputs you pre-allocated (or that ORT allocated on the device), so nothing moves unless you ask.
On a CPU-only run there are no device copies to save, only output allocations and copies back
to numpy - hence a small gain. OpenVINO's counterpart is ``InferRequest.infer(inputs,
share_inputs=..., share_outputs=...)``: numpy arrays wrapped as tensors instead of copied.

Runners follow ``OrtRunner`` / ``OvRunner`` so the harness measures them like any other.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import AccelkitError, choice
from .runtimes.inputs import ONNX_DTYPES
from .runtimes.ort import OrtRunner, available_providers, make_session, providers_for, session_options
from .runtimes.ov import OvRunner, compile_model
from .runtimes.runner import Runner

if TYPE_CHECKING:
    import onnxruntime as ort
    import openvino as ov

__all__ = ["ORT_MODES", "output_buffers", "bind_buffers", "bind_ort_allocated", "IoBindingRunner",
           "iobinding_runner", "page_faults_per_call", "DeviceBindingRunner", "cuda_runner", "has_cuda",
           "OvShareRunner", "ov_share_runner"]

ORT_MODES = {
    "run": "session.run(None, feed): new output arrays every call",
    "preallocated": "run_with_iobinding: input OrtValue + outputs written into numpy buffers you own",
    "ort_allocated": "run_with_iobinding: bind_cpu_input + outputs ORT allocates on 'cpu', then copy_outputs_to_cpu()",
}


def output_buffers(session: ort.InferenceSession) -> dict[str, np.ndarray]:
    """One empty numpy array per session output (static shapes only), for ORT to write into."""
    buffers = {}
    for out in session.get_outputs():
        if not all(isinstance(d, int) for d in out.shape):
            raise AccelkitError(f"output {out.name!r} has a dynamic shape {out.shape}, so no buffer can be "
                                "pre-allocated; bind it with mode='ort_allocated' (bind_output(name, 'cpu')).")
        if out.type not in ONNX_DTYPES:
            raise AccelkitError(f"output {out.name!r} has type {out.type}; buffers are pre-allocated for "
                                f"{', '.join(ONNX_DTYPES)}.")
        buffers[out.name] = np.empty(out.shape, dtype=ONNX_DTYPES[out.type])
    return buffers


def bind_buffers(session: ort.InferenceSession,
                 feed: dict[str, np.ndarray]) -> tuple[ort.IOBinding, dict[str, np.ndarray]]:
    """An IOBinding whose inputs wrap ``feed``'s arrays and whose outputs are numpy buffers you own.

    Returns ``(binding, outputs)``; after ``session.run_with_iobinding(binding)`` the results are in
    ``outputs`` (a dict name -> array) with no copy: ORT wrote into those arrays."""
    import onnxruntime as ort

    binding = session.io_binding()
    for name, array in feed.items():  # an OrtValue over a contiguous CPU array wraps it, no copy
        binding.bind_ortvalue_input(name, ort.OrtValue.ortvalue_from_numpy(np.ascontiguousarray(array)))
    outputs = output_buffers(session)
    for name, array in outputs.items():
        binding.bind_output(name, "cpu", 0, array.dtype, list(array.shape), array.ctypes.data)
    return binding, outputs


def bind_ort_allocated(session: ort.InferenceSession, feed: dict[str, np.ndarray]) -> ort.IOBinding:
    """An IOBinding with ``bind_cpu_input`` inputs and outputs ORT allocates on 'cpu'."""
    binding = session.io_binding()
    for name, array in feed.items():
        binding.bind_cpu_input(name, array)
    for out in session.get_outputs():
        binding.bind_output(out.name, "cpu")
    return binding


class IoBindingRunner(OrtRunner):
    """``OrtRunner`` whose ``infer`` is one of ``ORT_MODES``; every mode leaves the result in host arrays."""

    def __init__(self, session: ort.InferenceSession, *, mode: str, **kwargs: Any) -> None:
        super().__init__(session, **kwargs)
        self.mode, self.binding, self.outputs = mode, None, None
        if mode == "preallocated":
            self.binding, self.outputs = bind_buffers(session, self.feed)
        elif mode == "ort_allocated":
            self.binding = bind_ort_allocated(session, self.feed)
        self.settings["io"] = mode

    def infer(self) -> None:
        if self.mode == "run":
            self.outputs = self.session.run(None, self.feed)
        elif self.mode == "preallocated":
            self.session.run_with_iobinding(self.binding)  # results land in self.outputs
        else:
            assert self.binding is not None, "ort_allocated mode binds in __init__"
            self.session.run_with_iobinding(self.binding)
            self.outputs = self.binding.copy_outputs_to_cpu()

    def close(self) -> None:
        self.binding = self.outputs = None
        super().close()


def iobinding_runner(path: str | Path, *, mode: str = "preallocated", device: str = "CPU", opt_level: str = "all",
                     threads: int | None = None) -> IoBindingRunner:
    """Builder for the harness: ``partial(iobinding_runner, path, mode="run"|"preallocated"|"ort_allocated")``."""
    choice(mode, ORT_MODES, "IO binding mode")
    session = make_session(path, device=device, opt_level=opt_level, threads=threads)
    return IoBindingRunner(session, mode=mode, model_name=Path(path).stem, device=device, opt_level=opt_level,
                           threads=threads)


def page_faults_per_call(builder: Callable[[], Runner], calls: int = 50) -> float:
    """Minor page faults per ``infer`` (after one warm-up): how often a call touched memory the OS had
    to map fresh - the cost of allocating a new output buffer. A count, not a timing (Linux/macOS)."""
    try:
        import resource
    except ImportError:
        raise AccelkitError("page-fault counts need Python's resource module (Linux or macOS); "
                            "skip this cell here.") from None
    runner = builder()
    try:
        runner.infer()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(calls):
            runner.infer()
        return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / calls
    finally:
        runner.close()


class DeviceBindingRunner(OrtRunner):
    """Inputs and outputs as OrtValues resident on the device (``device_type`` 'cuda'), bound once:
    nothing crosses PCIe per call. (With 'cpu' it runs anywhere, which is how the tests check it.)"""

    def __init__(self, session: ort.InferenceSession, *, device_type: str = "cuda", **kwargs: Any) -> None:
        import onnxruntime as ort

        super().__init__(session, **kwargs)
        self.binding = session.io_binding()
        for name, array in self.feed.items():  # the one host->device copy, made here and not per call
            self.binding.bind_ortvalue_input(name, ort.OrtValue.ortvalue_from_numpy(array, device_type, 0))
        self.device_outputs: dict[str, ort.OrtValue] | None = {}
        for name, array in output_buffers(session).items():  # device memory, never copied back in infer
            value = ort.OrtValue.ortvalue_from_shape_and_type(array.shape, array.dtype, device_type, 0)
            self.binding.bind_ortvalue_output(name, value)
            self.device_outputs[name] = value

    def infer(self) -> None:
        self.session.run_with_iobinding(self.binding)

    def close(self) -> None:
        self.binding = self.device_outputs = None
        super().close()


def cuda_runner(path: str | Path, *, cuda_graph: bool = False, opt_level: str = "all") -> DeviceBindingRunner:
    """Builder: device-resident IO binding on the CUDA EP; ``cuda_graph=True`` sets the provider option
    ``enable_cuda_graph`` (the first run captures the kernels, later runs replay them as one graph)."""
    import onnxruntime as ort

    providers_for("CUDA")  # one clear sentence when the CUDA EP is not installed here
    cuda = ("CUDAExecutionProvider", {"enable_cuda_graph": "1" if cuda_graph else "0"})
    try:
        session = ort.InferenceSession(str(path), session_options(opt_level=opt_level),
                                       providers=[cuda, "CPUExecutionProvider"])
    except Exception as exc:  # a missing file, or a CUDA/cuDNN library the EP cannot load
        raise AccelkitError(f"ONNX Runtime could not create a CUDA session for {path}: "
                            f"{str(exc).strip()[:200] or type(exc).__name__}.") from None
    runner = DeviceBindingRunner(session, model_name=Path(path).stem, device="CUDA", opt_level=opt_level, threads=None)
    runner.settings["io"] = "device-resident" + (" + CUDA graph" if cuda_graph else "")
    return runner


def has_cuda() -> bool:
    """True when this ONNX Runtime build ships the CUDA EP (onnxruntime-gpu)."""
    return "CUDAExecutionProvider" in available_providers()


class OvShareRunner(OvRunner):
    """``OvRunner`` whose ``infer`` passes the inputs each call as ``infer(inputs, share_inputs=,
    share_outputs=)`` does: shared (wrapped, zero-copy) or copied in and out."""

    def __init__(self, compiled: ov.CompiledModel, *, share_inputs: bool, share_outputs: bool, **kwargs: Any) -> None:
        super().__init__(compiled, **kwargs)
        self.share_inputs, self.share_outputs, self.outputs = share_inputs, share_outputs, None
        self.settings["io"] = f"share_inputs={share_inputs}, share_outputs={share_outputs}"

    def infer(self) -> float:
        """One sync inference; returns OpenVINO's own latency (which excludes the Python-side copies)."""
        self.outputs = self.request.infer(self.inputs, share_inputs=self.share_inputs, share_outputs=self.share_outputs)
        return self.request.latency

    def run_async(self, seconds: float | None, iterations: int | None) -> tuple[list[float], float, int]:
        raise AccelkitError("share_inputs/share_outputs apply to sync infer() calls; measure with mode='sync'.")

    def close(self) -> None:
        self.outputs = None
        super().close()


def ov_share_runner(path: str | Path, *, share_inputs: bool = True, share_outputs: bool = True, device: str = "CPU",
                    hint: str = "latency", precision: str | None = None) -> OvShareRunner:
    """Builder for the harness: ``partial(ov_share_runner, ir, share_inputs=..., share_outputs=...)`` (sync mode)."""
    compiled = compile_model(path, device=device, hint=hint, precision=precision)
    return OvShareRunner(compiled, share_inputs=share_inputs, share_outputs=share_outputs, model_name=Path(path).stem,
                         device=device, hint=hint, precision=precision)
