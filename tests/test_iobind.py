"""IO binding helpers (notebook 06): buffers ORT writes into, runners in every mode, OpenVINO sharing."""
import numpy as np
import pytest
from fakes import big_output_onnx, two_output_onnx

from accelkit import AccelkitError, iobind
from accelkit.runtimes.ort import make_session, random_feed

ORT_RUNNER_KEYS = {"runtime", "device", "model", "hint", "precision", "exec_precision", "threads", "streams", "nireq",
                   "opt_level", "providers"}


@pytest.fixture
def tiny(tmp_path):
    """X[3,5] -> Y = 2X [3,5] and Z = X @ W [3,2] (the exercise checks' model)."""
    return two_output_onnx(tmp_path / "tiny.onnx")


def test_bind_buffers_writes_into_your_arrays_without_copies(tiny):
    session = make_session(tiny)
    feed = random_feed(session)
    want = session.run(None, feed)
    binding, outputs = iobind.bind_buffers(session, feed)
    assert {k: v.shape for k, v in outputs.items()} == {"Y": (3, 5), "Z": (3, 2)}
    session.run_with_iobinding(binding)
    for got, ref, ortvalue in zip(outputs.values(), want, binding.get_outputs()):
        np.testing.assert_allclose(got, ref, rtol=1e-6)
        assert ortvalue.data_ptr() == got.ctypes.data           # ORT's output is our array
    feed["X"][:] = 1.0                                          # the input is bound without a copy too
    session.run_with_iobinding(binding)
    np.testing.assert_allclose(outputs["Y"], np.full((3, 5), 2.0))


def test_dynamic_output_cannot_be_preallocated(tmp_path):
    session = make_session(two_output_onnx(tmp_path / "dyn.onnx", dynamic=True))
    with pytest.raises(AccelkitError, match="dynamic shape.*ort_allocated"):
        iobind.output_buffers(session)


@pytest.mark.parametrize("mode", list(iobind.ORT_MODES))
def test_runner_modes_give_the_same_results(tiny, mode):
    runner = iobind.iobinding_runner(tiny, mode=mode)
    want = runner.session.run(None, runner.feed)
    runner.infer()
    got = list(runner.outputs.values()) if isinstance(runner.outputs, dict) else runner.outputs
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6)
    assert set(runner.settings) >= ORT_RUNNER_KEYS and runner.settings["io"] == mode
    runner.close()
    assert runner.session is None and runner.binding is None


def test_unknown_mode_lists_the_modes(tiny):
    with pytest.raises(AccelkitError, match="run, preallocated, ort_allocated"):
        iobind.iobinding_runner(tiny, mode="zero")


def test_ort_allocated_copy_is_a_copy(tiny):
    session = make_session(tiny)
    binding = iobind.bind_ort_allocated(session, random_feed(session))
    session.run_with_iobinding(binding)
    copied, ortvalue = binding.copy_outputs_to_cpu()[0], binding.get_outputs()[0]
    assert copied.ctypes.data != ortvalue.data_ptr()


@pytest.mark.skipif(iobind.has_cuda(), reason="the CUDA EP is installed here")
def test_cuda_runner_says_what_is_missing(tiny):
    with pytest.raises(AccelkitError, match="CUDAExecutionProvider.*available"):
        iobind.cuda_runner(tiny, cuda_graph=True)


def test_preallocated_outputs_map_no_fresh_pages_per_call(tmp_path):
    """Notebook 06's claim: run() allocates its outputs every call (fresh pages: minor faults),
    binding them to buffers we own does not. A 51 MB output makes the difference unmistakable."""
    from functools import partial

    # 51 MB: above glibc's largest mmap threshold (32 MB), which it raises after freeing a big block,
    # so run() maps fresh pages for this output every call even late in a long process
    big = big_output_onnx(tmp_path / "big.onnx", shape=(1, 64, 448, 448))
    faults = {mode: iobind.page_faults_per_call(partial(iobind.iobinding_runner, big, mode=mode), calls=5)
              for mode in ("run", "preallocated")}
    assert faults["preallocated"] < faults["run"], faults
    assert faults["preallocated"] < 10, faults      # a 4 MB output is ~1000 pages: none of them fresh


@pytest.mark.parametrize("share", [True, False])
def test_ov_share_outputs(tiny, share):
    runner = iobind.ov_share_runner(tiny, share_inputs=share, share_outputs=share)
    assert runner.infer() > 0                                       # OpenVINO's own latency, ms
    out, inp = runner.outputs[0], runner.inputs[0]
    np.testing.assert_allclose(out, 2 * inp, rtol=1e-2)             # Y = 2X (bf16 where the CPU runs it)
    assert np.shares_memory(out, runner.request.get_output_tensor(0).data) is share
    assert np.shares_memory(inp, runner.request.get_input_tensor(0).data) is share
    assert runner.settings["io"] == f"share_inputs={share}, share_outputs={share}"
    with pytest.raises(AccelkitError, match="sync"):
        runner.run_async(1.0, 10)
    runner.close()


def test_exercise_checks_name_a_copy():
    from accelkit.learn.exercises.checking import run_checks

    def copying_bind(session, feed):  # binds outputs to ORT-allocated memory: a copy, not our arrays
        binding = session.io_binding()
        for name, array in feed.items():
            binding.bind_cpu_input(name, array.copy())
        outputs = {o.name: np.zeros(o.shape, np.float32) for o in session.get_outputs()}
        for name in outputs:
            binding.bind_output(name, "cpu")
        return binding, outputs

    ns = {"is_zero_copy": lambda array, value: np.array_equal(array, value.numpy()), "bind_preallocated": copying_bind}
    results = {r.name.split(":")[-1].strip(): r for r in run_checks("06-bind-outputs-zero-copy", ns)}
    assert sum(r.earned for r in results.values()) == 0
    assert "another buffer" in results["is_zero_copy tells a shared buffer from a copy"].message
    assert "did not write" in results["after run_with_iobinding your arrays hold the right values"].message
    assert "copied" in results["ORT's outputs are your arrays (zero-copy)"].message
    assert "input was copied" in results["inputs are bound without a copy"].message


def test_device_binding_runner_logic_on_the_cpu(tiny):
    session = make_session(tiny)
    runner = iobind.DeviceBindingRunner(session, device_type="cpu", model_name="tiny", device="CPU", opt_level="all",
                                        threads=None)
    runner.infer()
    want = session.run(None, runner.feed)
    for value, ref in zip(runner.device_outputs.values(), want):
        np.testing.assert_allclose(value.numpy(), ref, rtol=1e-6)
    runner.close()
