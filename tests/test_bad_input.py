"""The bad-input suite (issue 7): every way a learner's input can be wrong, each its own test.

Each case checks (a) that the learner sees one clear sentence - an AccelkitError raised with no
runtime traceback chained to it, or the CLI's one ``accelkit: error:`` line with exit code 2 -
naming what is wrong and what to do; and (b) that nothing the learner did is lost: their model
files, quiz answers and progress are left as they were (a corrupt progress file is moved aside,
never deleted), and one bad submission never costs another its grade.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import time
from functools import partial
from pathlib import Path
from types import SimpleNamespace

import nbformat
import numpy as np
import pytest
from fakes import assert_clean_error, clean_error, make_submission, solutions

import accelkit.runtimes.ort as akort
import accelkit.runtimes.ov as akov
from accelkit.harness.measure import measure
from accelkit.learn import progress
from accelkit.learn.quiz import load_quiz
from accelkit.models.files import example_inputs
from accelkit.runtimes.ort import ort_runner, wheel_for
from accelkit.runtimes.ov import ov_runner
from accelkit.tools.cli import main


def cli_error(capfd, *argv) -> str:
    """``accelkit ARGV`` (in this process) must print exactly one error line and exit with code 2."""
    code = main([str(a) for a in argv])
    out, err = capfd.readouterr()
    assert_clean_error(code, out + err)
    assert len(err.splitlines()) == 1 and err.startswith("accelkit: error: "), err
    return err.strip()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# ------------------------------------------------------------------ model files
def corrupt(path: Path) -> None:
    """Garbage in place of the file. (Weights overwritten with garbage of the *same* size cannot be
    told from real ones by any runtime: there is no checksum in .onnx.data or .bin.)"""
    path.write_bytes(b"\x00not a model\xff" * 40)


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


MODEL_CASES = {  # id: (file damaged, file opened, damage, runtime)
    "corrupt-onnx": ("digits_cnn.onnx", "digits_cnn.onnx", corrupt, "ort"),
    "truncated-onnx": ("digits_cnn.onnx", "digits_cnn.onnx", truncate, "ort"),
    "corrupt-onnx-data": ("digits_cnn.onnx.data", "digits_cnn.onnx", corrupt, "ort"),
    "truncated-onnx-data": ("digits_cnn.onnx.data", "digits_cnn.onnx", truncate, "ort"),
    "missing-onnx-data": ("digits_cnn.onnx.data", "digits_cnn.onnx", Path.unlink, "ort"),
    "corrupt-onnx-in-openvino": ("digits_cnn.onnx", "digits_cnn.onnx", corrupt, "ov"),
    "truncated-onnx-data-in-openvino": ("digits_cnn.onnx.data", "digits_cnn.onnx", truncate, "ov"),
    "corrupt-xml": ("digits_cnn.xml", "digits_cnn.xml", corrupt, "ov"),
    "truncated-xml": ("digits_cnn.xml", "digits_cnn.xml", truncate, "ov"),
    "corrupt-bin": ("digits_cnn.bin", "digits_cnn.xml", corrupt, "ov"),
    "truncated-bin": ("digits_cnn.bin", "digits_cnn.xml", truncate, "ov"),
    "missing-bin": ("digits_cnn.bin", "digits_cnn.xml", Path.unlink, "ov"),
}


@pytest.mark.parametrize("damaged,opened,damage,runtime", MODEL_CASES.values(), ids=MODEL_CASES)
def test_damaged_model_file(digits_files, tmp_path, capfd, damaged, opened, damage, runtime):
    folder = tmp_path / "mine"
    shutil.copytree(digits_files, folder)
    damage(folder / damaged)
    before = snapshot(folder)
    builder = {"ort": ort_runner, "ov": ov_runner}[runtime]
    message = clean_error(lambda: measure(partial(builder, folder / opened), iterations=1))
    assert str(folder / opened) in message and "truncated or corrupt" in message
    assert f"export or convert {opened} again" in message                  # what to do
    assert message in cli_error(capfd, "bench", folder / opened, "--runtime", runtime)   # the CLI says the same
    assert snapshot(folder) == before                                     # the learner's files are untouched


def test_corrupt_model_in_the_kit_cache(tmp_path, monkeypatch):
    """A damaged build in the kit's own cache: the sentence names the folder to delete for a rebuild."""
    monkeypatch.setenv("ACCELKIT_CACHE_DIR", str(tmp_path / "cache"))
    build = tmp_path / "cache" / "digits_cnn-b1-0123456789ab"
    build.mkdir(parents=True)
    corrupt(build / "digits_cnn.onnx")
    message = clean_error(lambda: measure(partial(ort_runner, build / "digits_cnn.onnx"), iterations=1))
    assert f"delete the kit's build folder {build} and run again" in message


# ------------------------------------------------------------------ inputs to the harness
def digits(shape=(1, 1, 32, 32), dtype=np.float32):
    return np.zeros(shape, dtype)


WANT = "digits_cnn expects input 'input' float32 [1, 1, 32, 32]; got"
INPUT_CASES = {  # id: (runner, inputs, what the sentence says)
    "wrong-input-shape-ort": (ort_runner, digits((1, 3, 32, 32)), f"{WANT} float32 [1, 3, 32, 32]"),
    "wrong-input-dtype-ort": (ort_runner, digits(dtype=np.int64), f"{WANT} int64 [1, 1, 32, 32]"),
    "wrong-input-shape-ov": (ov_runner, digits((32, 32)), f"{WANT} float32 [32, 32]"),
    "wrong-input-dtype-ov": (ov_runner, digits(dtype=np.float64), f"{WANT} float64 [1, 1, 32, 32]"),
    "wrong-input-name-ort": (ort_runner, {"image": digits()}, "takes the inputs 'input' float32 [1, 1, 32, 32]; "
                                                              "got 'image'"),
    "wrong-input-count-ov": (ov_runner, [digits(), digits()], "takes 1 input(s), 'input' float32 [1, 1, 32, 32]; "
                                                              "got 2"),
    "input-not-an-array-ort": (ort_runner, {"input": [[1.0, 2.0], [3.0]]}, "input 'input' is a list that is not "
                                                                           "an array"),
}


@pytest.mark.parametrize("runner,inputs,phrase", INPUT_CASES.values(), ids=INPUT_CASES)
def test_wrong_inputs_to_the_harness(digits_files, runner, inputs, phrase):
    model = digits_files / ("digits_cnn.onnx" if runner is ort_runner else "digits_cnn.xml")
    message = clean_error(lambda: measure(partial(runner, model, inputs=inputs), iterations=1))
    assert phrase in message


def test_wrong_input_shape_isolated(digits_files):
    """``isolate=True``: the same sentence comes back from the measuring process, its traceback left there."""
    builder = partial(ort_runner, digits_files / "digits_cnn.onnx", inputs=digits((1, 3, 32, 32)))
    assert f"{WANT} float32 [1, 3, 32, 32]" in clean_error(lambda: measure(builder, iterations=1, isolate=True))


def test_matching_inputs_are_measured(digits_files):
    """The other side of the check: the learner's own inputs, as torch tensors, a dict or a list."""
    tensors = example_inputs("digits_cnn")
    ort_result = measure(partial(ort_runner, digits_files / "digits_cnn.onnx", inputs=tensors), iterations=10)
    ov_result = measure(partial(ov_runner, digits_files / "digits_cnn.xml", inputs={"input": digits()}),
                        iterations=10)
    assert ort_result.iterations == ov_result.iterations == 10
    runner = ort_runner(digits_files / "digits_cnn.onnx", inputs=[tensors[0].numpy()])
    assert np.array_equal(runner.feed["input"], tensors[0].numpy())


# ------------------------------------------------------------------ devices and EPs that are absent
@pytest.mark.parametrize("device", ["GPU", "NPU", "AUTO:GPU,CPU"],
                         ids=lambda d: "absent-device-" + re.sub(r"\W+", "-", d))
def test_absent_openvino_device(digits_files, capfd, monkeypatch, device):
    monkeypatch.setattr(akov, "available_devices", lambda: ["CPU"])   # whatever this machine really has
    xml = digits_files / "digits_cnn.xml"
    message = clean_error(lambda: measure(partial(ov_runner, xml, device=device), iterations=1))
    assert "is not available on this machine; available: CPU" in message
    assert message in cli_error(capfd, "bench", xml, "--device", device)


@pytest.mark.parametrize("device", ["CUDA", "TENSORRT", "OPENVINO", "DML"], ids=lambda d: f"absent-ep-{d}")
def test_absent_execution_provider(digits_files, capfd, monkeypatch, device):
    monkeypatch.setattr(akort, "available_providers", lambda: ["CPUExecutionProvider"])
    provider = akort.DEVICE_PROVIDERS[device]
    wheel = wheel_for(provider)
    assert wheel.startswith("onnxruntime")
    onnx = digits_files / "digits_cnn.onnx"
    message = clean_error(lambda: measure(partial(ort_runner, onnx, device=device), iterations=1))
    assert f"{provider} is not installed here (it comes with {wheel}); available: CPUExecutionProvider." in message
    assert message in cli_error(capfd, "bench", onnx, "--device", device)


# ------------------------------------------------------------------ quiz YAML
QUIZ = "00-setup-and-hardware"
QUIZ_CASES = {  # id: (bank file content, what the sentence says)
    "malformed-quiz-yaml": ("notebook: x\ntitle: t\nquestions:\n  - id: a\n    prompt: [unclosed\n",
                            r", line \d+: not valid YAML"),
    "malformed-quiz-yaml-tabs": ("notebook: x\n\ttitle: t\n", r", line 2: not valid YAML"),
    "empty-quiz-yaml": ("", ": expected a mapping with 'notebook', found nothing."),
    "quiz-yaml-not-utf8": (b"notebook: \xff\xfe\n", ": it is not UTF-8 text; save it again as UTF-8 YAML."),
    "quiz-yaml-missing-field": ("notebook: x\ntitle: t\nquestions:\n  - {id: a, type: single, prompt: p, "
                                "explanation: e}\n", r", line 4 \(id a\): missing field 'options'."),
}


@pytest.mark.parametrize("content,phrase", QUIZ_CASES.values(), ids=QUIZ_CASES)
def test_malformed_quiz_yaml(tmp_path, monkeypatch, content, phrase):
    before = load_quiz(QUIZ)                                # an answer given before the bank broke
    before.answer("vnni", next(q for q in before.questions if q.id == "vnni").correct_letters()[0])
    bank = tmp_path / "data" / "quizzes" / f"{QUIZ}.yaml"
    bank.parent.mkdir(parents=True)
    bank.write_bytes(content if isinstance(content, bytes) else content.encode())
    monkeypatch.setenv("ACCELKIT_DATA_DIR", str(tmp_path / "data"))
    message = clean_error(lambda: load_quiz(QUIZ))
    assert str(bank) in message and re.search(phrase, message), message
    assert progress.load()["quizzes"][QUIZ]["vnni"]["correct"] is True


# ------------------------------------------------------------------ the progress file
PROGRESS_CASES = {  # id: what the progress file holds
    "corrupt-progress-truncated": b'{"version": 1, "quizzes": {',
    "corrupt-progress-binary": b"\x89PNG\r\n\x1a\n\x00\xff\xfe",
    "corrupt-progress-not-a-record": b"[1, 2, 3]",
    "corrupt-progress-wrong-section": b'{"quizzes": {"00": []}, "exercises": {}, "drill": {}}',
    "corrupt-progress-bad-entry": b'{"quizzes": {}, "exercises": {"e": 3}, "drill": {}}',
    "corrupt-progress-missing-fields": b'{"quizzes": {"00-setup-and-hardware": {"vnni": {"answer": "b"}}}, '
                                       b'"exercises": {"e": {"score": 1}}, "drill": {}}',
}


@pytest.mark.parametrize("content", PROGRESS_CASES.values(), ids=PROGRESS_CASES)
def test_corrupt_progress(content):
    path = progress.progress_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    quiz = load_quiz(QUIZ)
    with pytest.warns(UserWarning) as caught:
        vnni = next(q for q in quiz.questions if q.id == "vnni")
        assert quiz.answer("vnni", vnni.correct_letters()[0]).correct is True     # answering works, no exception
    sentence = str(caught[0].message)
    assert len(caught) == 1 and "\n" not in sentence
    assert f"your progress file {path} could not be read" in sentence and "a fresh one started" in sentence
    aside = list(path.parent.glob(path.name + ".corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == content and aside[0].name in sentence   # kept, not lost
    assert progress.load()["quizzes"][QUIZ]["vnni"]["attempts"] == 1                           # and work goes on


def test_corrupt_progress_in_the_cli(tmp_path):
    path = tmp_path / "progress.json"
    path.write_text('{"version": 1, "quizzes": {')
    env = {**os.environ, "ACCELKIT_PROGRESS": str(path)}
    done = subprocess.run([sys.executable, "-m", "accelkit", "progress"], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 0 and "nothing yet" in done.stdout
    assert "Traceback" not in done.stderr and "could not be read (it is not valid JSON)" in done.stderr
    assert [p.read_text() for p in tmp_path.glob("progress.json.corrupt-*")] == ['{"version": 1, "quizzes": {']


# ------------------------------------------------------------------ submissions to `accelkit grade`
TIMEOUT_S = 30
SOLVED = [  # three of exercise 00's functions, right: 2 + 2 + 1 = 5 of its 10 points, nothing measured
    "import math",
    "def nearest_rank(values, pct):\n    ordered = sorted(values)\n"
    "    return ordered[max(math.ceil(len(ordered) * pct / 100), 1) - 1]",
    "def has_int8_dot_product(f):\n    return bool(f & {'avx512_vnni', 'avx_vnni', 'amx_int8', 'amx_tile'})",
    "def ov_runs_bf16_by_default(f):\n    return bool(f & {'avx512_bf16', 'amx_bf16'})",
]
SUBMISSIONS = {  # file: cells
    "submission-raises.ipynb": ["raise RuntimeError('boom')", *SOLVED],
    "submission-syntax-error.ipynb": ["def broken(:\n    pass", *SOLVED],
    "submission-crashes-the-kernel.ipynb": [*SOLVED, "import os\nos._exit(1)"],
    "submission-hangs-in-a-cell.ipynb": ["while True:\n    pass", *SOLVED],
    "submission-hangs-in-a-check.ipynb": [*SOLVED, "def nearest_rank(values, pct):\n    while True:\n        pass"],
    "submission-prints-megabytes.ipynb": [
        "print('x' * 50_000_000)", "for _ in range(20):\n    print('y' * 10_000_000)", "'z' * 20_000_000", *SOLVED,
        "def summarize_window(latencies_ms, duration_s):\n    print('p' * 5_000_000)\n"
        "    raise ValueError('w' * 5_000_000)"],
    "submission-deletes-files.ipynb": ["import os, shutil\nfor name in os.listdir('.'):\n    os.remove(name)",
                                       "shutil.rmtree(os.getcwd())", *SOLVED],
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One `accelkit grade` run over a folder holding every bad submission and one good solution."""
    folder = tmp_path_factory.mktemp("submissions")
    shutil.copy(solutions()[0], folder)             # named by its exercise id, as a learner hands it in
    for name, cells in SUBMISSIONS.items():
        make_submission(folder, name, cells)
    (folder / "submission-not-a-notebook.ipynb").write_text("this is not a notebook")
    (folder / "submission-of-no-known-exercise.ipynb").write_text(nbformat.writes(nbformat.v4.new_notebook()))
    before, out = snapshot(folder), tmp_path_factory.mktemp("grades")
    env = {**os.environ, "ACCELKIT_QUICK": "1", "ACCELKIT_NO_BARS": "1"}
    done = subprocess.run([sys.executable, "-m", "accelkit", "grade", folder, "--timeout", str(TIMEOUT_S),
                           "--out", out], capture_output=True, text=True, env=env, timeout=20 * TIMEOUT_S)
    report = {Path(s["path"]).name: s for s in json.loads((out / "grades.json").read_text())}
    return SimpleNamespace(folder=folder, before=before, out=out, done=done, report=report)


GRADE_CASES = {  # id: (file, status, score, phrase in the message or a check's message)
    "good-solution": (solutions()[0].name, "graded", 10, "passed"),
    "submission-raises": ("submission-raises.ipynb", "graded", 4, "`summarize_window` is not defined"),
    "submission-syntax-error": ("submission-syntax-error.ipynb", "graded", 4, "`summarize_window` is not defined"),
    "submission-crashes": ("submission-crashes-the-kernel.ipynb", "crashed", 0,
                           "the notebook's kernel died while running cell 5 (os._exit"),
    "submission-hangs": ("submission-hangs-in-a-cell.ipynb", "graded", 4, "`digits_result` is not defined"),
    "submission-hangs-in-a-check": ("submission-hangs-in-a-check.ipynb", "graded", 3,
                                    "this check took longer than 2 s: is there an endless loop?"),
    "submission-prints-megabytes": ("submission-prints-megabytes.ipynb", "graded", 4,
                                    "`summarize_window` raised ValueError: www"),
    "submission-deletes-files": ("submission-deletes-files.ipynb", "graded", 4, "`digits_result` is not defined"),
    "submission-not-a-notebook": ("submission-not-a-notebook.ipynb", "not-a-notebook", 0, "not a notebook"),
    "submission-of-no-known-exercise": ("submission-of-no-known-exercise.ipynb", "unknown-exercise", 0,
                                        "cannot tell which exercise this is"),
}


@pytest.mark.parametrize("name,status,score,phrase", GRADE_CASES.values(), ids=GRADE_CASES)
def test_submission_in_a_graded_batch(graded, name, status, score, phrase):
    sub = graded.report[name]
    assert (sub["status"], sub["score"]) == (status, score), sub
    messages = [sub["message"]] + [c["message"] for c in sub["checks"]]
    assert any(phrase in m for m in messages), messages
    for message in messages:                     # sentences, never tracebacks or megabytes of output
        assert "Traceback" not in message and "\n" not in message and len(message) <= 300
    line = next(ln for ln in graded.done.stdout.splitlines() if name in ln)
    assert line.startswith(status) and "Traceback" not in graded.done.stdout + graded.done.stderr
    assert snapshot(graded.folder) == graded.before         # every submission file is left as it was


def test_graded_batch_report(graded):
    """The whole batch: every file reported once, the report small (each hang's own limit is
    checked through its status above, not by timing the batch)."""
    assert graded.done.returncode == 0, graded.done.stderr
    assert set(graded.report) == set(graded.before)
    assert (graded.out / "grades.json").stat().st_size < 50_000
    assert (graded.out / "grades.csv").stat().st_size < 50_000


def alive(pid: int) -> bool:
    try:
        return ") Z " not in Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False


def test_submission_hangs_ignoring_interrupts(tmp_path, monkeypatch):
    """A cell that swallows the interrupt: only the whole-submission limit stops it; its kernel is killed."""
    import accelkit.learn.exercises.submissions as grader

    killed = []
    real_kill = grader._kill_tree

    def spy(proc, kernel_pid_file):
        killed.append(int(kernel_pid_file.read_text()))
        real_kill(proc, kernel_pid_file)

    monkeypatch.setattr(grader, "_kill_tree", spy)
    stubborn = "import time\nwhile True:\n    try:\n        time.sleep(1)\n    except KeyboardInterrupt:\n        pass"
    make_submission(tmp_path, "slow.ipynb", [stubborn])
    sub = grader.grade_one(tmp_path / "slow.ipynb", timeout_s=8)
    assert sub.status == "timeout" and "did not finish within 8 s" in sub.message and "\n" not in sub.message
    time.sleep(0.5)
    assert killed and not alive(killed[0]), "the killed submission left its kernel running"
    assert (tmp_path / "slow.ipynb").exists()


# ---- in a notebook: the learner sees the sentence, not the call stack --------------------------

def test_notebook_shows_the_sentence_without_a_traceback():
    """In a Jupyter kernel an uncaught AccelkitError prints as one red line (no call stack), while
    any other exception keeps IPython's full traceback."""
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell('import accelkit as ak\nak.ov_runner("/nowhere/model.xml")'),
                nbformat.v4.new_code_cell("1 / 0")]
    NotebookClient(nb, allow_errors=True, kernel_name="python3", timeout=120).execute()
    (mine,), (other,) = (cell.outputs for cell in nb.cells)
    assert mine.ename == "AccelkitError"
    assert [re.sub(r"\x1b\[[\d;]*m", "", line) for line in mine.traceback] == [
        "AccelkitError: no such model file: /nowhere/model.xml."]
    assert other.ename == "ZeroDivisionError" and any("Traceback" in line for line in other.traceback)
