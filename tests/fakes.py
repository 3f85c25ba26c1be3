"""Fake runners with known behaviour, to test the harness without any runtime, and the plain helper
functions several test modules share (fixtures are in conftest.py)."""
from __future__ import annotations


class FakeRunner:
    """Each infer() reports a latency from a fixed cycle; counts calls; records close()."""

    def __init__(self, reported=(1.0, 2.0, 3.0, 4.0), report=True):
        self.reported, self.report, self.calls, self.closed = list(reported), report, 0, False
        self.settings = {"runtime": "fake", "device": "CPU", "model": "fake", "hint": "latency",
                         "precision": "f32", "exec_precision": "f32", "threads": 1, "streams": 1,
                         "nireq": 1, "opt_level": None}

    def infer(self):
        value = self.reported[self.calls % len(self.reported)]
        self.calls += 1
        return value if self.report else None

    def close(self):
        self.closed = True


def fake_builder():
    """Module-level (picklable) builder, for isolate=True."""
    return FakeRunner()


class StepClock:
    """A clock that advances by fixed steps: every call returns the next time (seconds)."""

    def __init__(self, step_s):
        self.t, self.step = 0.0, step_s

    def __call__(self):
        self.t += self.step
        return self.t


def pid_builder():
    """A runner that reports the process it was built in (as its model name)."""
    import os

    runner = FakeRunner()
    runner.settings["model"] = f"pid-{os.getpid()}"
    return runner


def crashing_builder():
    """Kills its own process, as a segfault would."""
    import os

    os._exit(1)


# ---------------------------------------------------------------- helpers shared by test modules
# (fixtures live in conftest.py; these are plain functions, imported with ``from fakes import ...``)


def assert_clean_error(code, err, *phrases):
    """A CLI run that failed the kit's way: exit code 2, no traceback, each phrase in its output."""
    assert code == 2, err
    assert "Traceback" not in err
    for phrase in phrases:
        assert phrase in err


def clean_error(call) -> str:
    """``call()`` must raise one AccelkitError sentence with no runtime traceback chained to it."""
    import pytest

    from accelkit import AccelkitError

    with pytest.raises(AccelkitError) as info:
        call()
    exc = info.value
    assert exc.__cause__ is None and (exc.__suppress_context__ or exc.__context__ is None), "a traceback is chained"
    message = str(exc)
    assert "\n" not in message and "Traceback" not in message and message.endswith("."), message
    return message


def solutions():
    """The exercise solution notebooks, sorted (each must score full marks)."""
    from accelkit.learn.exercises.build import repo_dir

    return sorted((repo_dir() / "solutions").glob("*.ipynb"))


def make_submission(folder, name, cells):
    """A notebook ``folder/name`` holding ``cells``, tagged as exercise 00 (as a learner hands it in)."""
    import nbformat

    from accelkit.learn.exercises.build import build_exercise

    src = build_exercise(solutions()[0])
    nb = nbformat.v4.new_notebook(metadata=src.metadata)
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, folder / name)


def save_onnx(model, path):
    """Save an onnx.ModelProto to ``path`` and return the path."""
    import onnx

    onnx.save(model, str(path))
    return path


def two_output_onnx(path, dynamic=False):
    """X[3,5] -> Y = 2X [3,5] and Z = X @ W [3,2], saved to ``path`` (the batch symbolic with
    ``dynamic``): exercise 06's model, from the kit itself."""
    from accelkit.learn.exercises.checks.ex06_iobind import two_output_model

    return save_onnx(two_output_model(dynamic), path)


def big_output_onnx(path, shape=(1, 64, 128, 128)):
    """Y = 2X with a 4 MB float output: big enough that allocating it each call maps fresh pages."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    two = numpy_helper.from_array(np.array(2.0, dtype=np.float32), "two")
    graph = helper.make_graph([helper.make_node("Mul", ["X", "two"], ["Y"])], "big_output",
                              [helper.make_tensor_value_info("X", TensorProto.FLOAT, list(shape))],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, list(shape))], initializer=[two])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return save_onnx(model, path)


def descendants(widget):
    """Every ipywidget inside ``widget`` (depth first), ``widget`` included."""
    yield widget
    for child in getattr(widget, "children", ()):
        yield from descendants(child)


def button(widget, description):
    """The one button inside ``widget`` labelled ``description``: found by its label, not its position."""
    import ipywidgets as w

    found = [b for b in descendants(widget) if isinstance(b, w.Button) and b.description == description]
    assert len(found) == 1, f"{len(found)} buttons labelled {description!r}"
    return found[0]


def only(widget, kind):
    """The one descendant of ``widget`` of type ``kind`` (e.g. the RadioButtons of a quiz card)."""
    found = [x for x in descendants(widget) if isinstance(x, kind)]
    assert len(found) == 1, f"{len(found)} {kind.__name__} widgets"
    return found[0]


def shown_text(widget):
    """All the HTML text ``widget`` shows (its prompt, feedback, status lines), joined."""
    import ipywidgets as w

    return "\n".join(x.value for x in descendants(widget) if isinstance(x, w.HTML))
