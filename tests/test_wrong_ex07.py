"""Exercise 07-choose-a-deployment: a right submission scores full marks and every plausible wrong one loses points
on the checks that should catch it, with one sentence saying what is wrong.

The re-measuring checks run the kit's harness when grading; here ``run_window`` gives windows with known numbers
(chosen by file and settings, as this machine measured them while the exercise was written), so no test depends on
this machine's speed. Accuracy and size are computed for real on the kit's digits files (a fraction of a second each).
The whole-notebook grading of the solution and of the untouched exercise is test_grade's parametrized test.
"""
from pathlib import Path
from types import SimpleNamespace

import pytest
from graded import graded

from accelkit.learn.exercises.checks import ex07_decide as ex07

EXERCISE = "07-choose-a-deployment"
FULL = 20
_graded = graded(EXERCISE, check_seconds=120)
results, lost, named = _graded.results, _graded.lost, _graded.named


MEETS, CHOOSE, LIMITS = named("meets"), named("choose"), named("scenario_limits")
RATE, P99 = named("deployment serves"), named("deployment reads")
ACCURACY, SIZE, WHY = named("deployment loses"), named("deployment's model file"), named("justification")
DEPLOYMENT_CHECKS = {RATE, P99, ACCURACY, SIZE, WHY}


# ---------------------------------------------------------------- known windows instead of the harness

def kind(path: Path) -> str:
    name = str(path)
    if "ds_digits" in name:
        return "depthwise"
    if "nncf-int8" in name:
        return "int8_ir"
    if "ort-int8" in name:
        return "int8_onnx"
    if "ir-fp16" in name:
        return "fp16_ir"
    return "fp32_ir" if path.suffix == ".xml" else "fp32_onnx"


SPEEDS = {  # (file, mode) -> (crops/s, p99 ms): one loaded run of the solution on the kit's 2-core machine, halved
    ("int8_ir", "async"): (5_000.0, 0.40), ("int8_ir", "sync"): (2_500.0, 2.7), ("fp16_ir", "async"): (3_900.0, 0.5),
    ("fp32_ir", "sync"): (750.0, 3.7), ("fp32_ir", "async"): (1_200.0, 1.2), ("fp32_onnx", "sync"): (475.0, 12.4),
    ("int8_onnx", "sync"): (1_550.0, 0.4), ("depthwise", "sync"): (6_000.0, 0.3),
}
WOBBLE = (1.0, 0.95, 1.05)  # windows of one configuration differ by 10 %: the noise band stays at its 20 % floor


def known_windows(speeds=SPEEDS, wobble=WOBBLE):
    """A run_window that returns the numbers above, by the builder's file and mode."""
    seen = {}

    def run_window(builder, mode, label):
        path = Path(builder.args[0])
        fps, p99 = speeds.get((kind(path), mode), (2_000.0, 1.0))
        i = seen[label] = seen.get(label, -1) + 1
        w = wobble[i % len(wobble)]
        return SimpleNamespace(throughput_fps=fps * w, p99_ms=p99 / w, median_ms=1000 / (fps * w))
    return run_window


@pytest.fixture(autouse=True)
def windows(request, monkeypatch):
    ex07._MEASURED.clear()
    if not request.node.name.startswith("test_real_"):
        monkeypatch.setattr(ex07, "run_window", known_windows())
    yield
    ex07._MEASURED.clear()


# ---------------------------------------------------------------- a right submission, written apart from the notebook

RIGHT = """
def meets(row, limits):
    if row.get("status") != "ok":
        return False
    columns = {"latency_ms": ("p99_ms", 1), "min_fps": ("throughput_fps", -1), "max_size_mb": ("size_mb", 1),
               "max_error": ("max_err_rel", 1), "max_drop_pts": ("drop_pts", 1)}
    return all(sign * row[columns[name][0]] <= sign * value for name, value in limits.items()
               for sign in [columns[name][1]])


def choose(rows, limits):
    best = None
    for row in rows:
        if meets(row, limits) and (best is None or row["p99_ms"] < best["p99_ms"]):
            best = row
    return best and best["label"]
"""


def right_functions(ns: dict) -> dict:
    """meets and choose defined in ``ns`` as a notebook defines them: choose calls whatever ``meets`` ns holds."""
    exec(RIGHT, ns)
    ns.pop("__builtins__", None)
    return ns


meets = right_functions({})["meets"]


@pytest.fixture(scope="module")
def files():
    # ORT's INT8 file with 7-bit weights (reduce_range): its U8S8 products cannot saturate int16 on a CPU without
    # VNNI, so it keeps FP32's accuracy on every CPU kind and the ORT cases below lose only what they name.
    from accelkit import quant
    from accelkit.models.files import ir_path, onnx_path

    return {"fp32_onnx": onnx_path("digits_cnn"), "fp32_ir": ir_path("digits_cnn"),
            "fp16_ir": ir_path("digits_cnn", fp16_weights=True), "int8_onnx": quant.ort_static_int8("digits_cnn", reduce_range=True),
            "int8_ir": quant.nncf_int8_ir("digits_cnn")}


def configs(files):
    return {
        "ORT FP32": {"runtime": "onnxruntime", "model_path": str(files["fp32_onnx"])},
        "ORT INT8, 1 thread": {"runtime": "onnxruntime", "model_path": str(files["int8_onnx"]), "threads": 1},
        "OpenVINO FP32, latency": {"runtime": "openvino", "model_path": str(files["fp32_ir"]), "precision": "f32"},
        "OpenVINO FP16 weights, throughput": {"runtime": "openvino", "model_path": str(files["fp16_ir"]),
                                              "mode": "async", "hint": "throughput"},
        "OpenVINO INT8, latency": {"runtime": "openvino", "model_path": str(files["int8_ir"]), "precision": "f32"},
        "OpenVINO INT8, throughput": {"runtime": "openvino", "model_path": str(files["int8_ir"]), "mode": "async",
                                      "hint": "throughput", "precision": "f32"},
    }


def measured_rows(files):
    """The learner's own table: the known speeds, the files' sizes, the accuracies this machine measured."""
    from accelkit.models.files import model_size_mb

    accuracy = {"int8_ir": 99.72, "int8_onnx": 100.0}
    rows = []
    for label, config in configs(files).items():
        path = Path(config["model_path"])
        fps, p99 = SPEEDS[(kind(path), config.get("mode", "sync"))]
        acc = accuracy.get(kind(path), 100.0)
        rows.append({"label": label, "config": config, "status": "ok", "throughput_fps": fps, "p99_ms": p99,
                     "size_mb": model_size_mb(path), "accuracy_pct": acc, "drop_pts": 100.0 - acc})
    return rows


def right_justification(files):
    from accelkit.models.files import model_size_mb

    size = {name: model_size_mb(path) for name, path in files.items()}
    return (f"I ship OpenVINO INT8 with the throughput hint, async: 5,000 crops/s, p99 0.40 ms, {size['int8_ir']:.3f} MB.\n"
            f"Size is the binding constraint: only the INT8 files fit the 0.25 MB limit (FP32 IR {size['fp32_ir']:.2f} MB, "
            f"FP16 weights {size['fp16_ir']:.2f} MB).\n"
            "The same file with the latency hint, one request at a time, reached 2,500 crops/s: less headroom than async.")


@pytest.fixture
def right(files):
    ns = {"candidates": measured_rows(files),
          "scenario_limits": {"min_fps": 1920, "latency_ms": 1000 / 120, "max_size_mb": 0.25, "max_drop_pts": 1.0},
          "deployment": dict(configs(files)["OpenVINO INT8, throughput"]), "justification": right_justification(files)}
    return right_functions(ns)


def test_right_submission_scores_full_marks(right, capsys):
    got = results(right)
    assert {n: r.message for n, r in got.items() if r.earned < r.points} == {}
    assert sum(r.points for r in got.values()) == FULL == sum(r.earned for r in got.values())
    printed = capsys.readouterr().out   # a passing check's message is "passed": its numbers are printed
    assert "re-measured rate: 5,000 crops/s" in printed and "x the kit's FP32 file at your settings" in printed
    assert "99.72 % on the 360 test images" in printed and "rubric: ✔ lines, ✔ binding, ✔ numbers, ✔ trade-off" in printed


def test_right_alternatives_pass(right, files):
    """A hand-written dict (a Path, defaults left out), rounded limits, no table of one's own (the justification then
    cites the size the check computes), and the sync INT8 run, which meets every limit with these windows."""
    hand = {"runtime": "openvino", "model_path": files["int8_ir"], "mode": "async", "hint": "throughput",
            "precision": "f32", "threads": None}
    assert lost(dict(right, deployment=hand)) == {}
    rounded = {"min_fps": 1920.0, "latency_ms": 8.33, "max_size_mb": 0.25, "max_drop_pts": 1}
    assert lost(dict(right, scenario_limits=rounded)) == {}
    no_table = {k: v for k, v in right.items() if k != "candidates"}
    assert lost(no_table) == {}
    sync = dict(configs(files)["OpenVINO INT8, latency"])
    assert not DEPLOYMENT_CHECKS - {WHY} & set(lost(dict(right, deployment=sync)))


def test_a_miss_inside_the_noise_counts_as_met_and_says_so(right, monkeypatch, capsys):
    """10 % short of the rate with windows 30 % apart: inside the noise band; 60 % short: missed."""
    near = {("int8_ir", "async"): (1_750.0, 0.4)}
    monkeypatch.setattr(ex07, "run_window", known_windows(near, wobble=(1.0, 0.85, 1.1)))
    assert RATE not in lost(right)
    assert "counted as met; leave more headroom" in capsys.readouterr().out
    monkeypatch.setattr(ex07, "run_window", known_windows({("int8_ir", "async"): (750.0, 0.4)}, wobble=(1.0, 0.85, 1.1)))
    wrong = lost(right)
    assert "beyond this run's noise band of 29%" in wrong[RATE]


# ---------------------------------------------------------------- plausible wrong solutions: each loses points

def strict_meets(row, limits):
    if row.get("status") != "ok":
        return False
    columns = {"latency_ms": ("p99_ms", 1), "min_fps": ("throughput_fps", -1), "max_size_mb": ("size_mb", 1),
               "max_error": ("max_err_rel", 1), "max_drop_pts": ("drop_pts", 1)}
    return all(sign * row[columns[name][0]] < sign * value for name, value in limits.items()
               for sign in [columns[name][1]])


def old_meets(row, limits):
    """Last version's meets: no max_drop_pts."""
    if row.get("status") != "ok":
        return False
    checks = {"latency_ms": lambda v: row["p99_ms"] <= v, "min_fps": lambda v: row["throughput_fps"] >= v,
              "max_size_mb": lambda v: row["size_mb"] <= v, "max_error": lambda v: row["max_err_rel"] <= v}
    return all(checks[name](value) for name, value in limits.items())


def fields_first_meets(row, limits):
    p99 = row["p99_ms"]
    return row.get("status") == "ok" and meets(dict(row, p99_ms=p99), limits)


def strict_choose(rows, limits):
    fitting = [r for r in rows if r.get("status") == "ok" and all(
        (r["throughput_fps"] > v) if k == "min_fps" else (r[{"latency_ms": "p99_ms", "max_size_mb": "size_mb",
                                                              "max_error": "max_err_rel", "max_drop_pts": "drop_pts"}[k]] < v)
        for k, v in limits.items())]
    return min(fitting, key=lambda r: r["p99_ms"])["label"] if fitting else None


def row_choose(rows, limits):
    fitting = [r for r in rows if meets(r, limits)]
    return min(fitting, key=lambda r: r["p99_ms"]) if fitting else None


def fastest_choose(rows, limits):
    fitting = [r for r in rows if meets(r, limits)]
    return max(fitting, key=lambda r: r["throughput_fps"])["label"] if fitting else None


CARD = {"min_fps": 1920, "latency_ms": 1000 / 120, "max_size_mb": 0.25, "max_drop_pts": 1.0}


def deployment(name, **changes):
    """A deployment built from the candidates (a function of the files; None values drop the key)."""
    def make(files):
        config = dict(configs(files)[name], **changes)
        return {k: v for k, v in config.items() if v is not None}
    return make


def depthwise(files):
    """The smaller depthwise model of notebook 04b (ORT INT8, 39 kB): another model, 97.8 % on the test split."""
    from accelkit import sensitivity as sv

    return {"runtime": "onnxruntime", "model_path": str(sv.ort_int8("trained"))}


def typo(files):
    config = dict(configs(files)["OpenVINO INT8, throughput"])
    config["runtme"] = config.pop("runtime")
    return config


NO_NUMBERS = ("I ship OpenVINO INT8 with the throughput hint, async.\n"
              "Size is the binding constraint: only the INT8 files fit the size limit.\n"
              "The latency hint, one request at a time, is slower than async, but its tail is shorter.")
CARD_ONLY = ("I ship OpenVINO INT8 with the throughput hint: it serves the 1,920 crops/s the 4 cameras need.\n"
             "Size is the binding constraint: only INT8 fits 0.25 MB, and it stays within 8.33 ms and 1 point.\n"
             "FP32 would miss the 0.25 MB limit, but it loses nothing on the 30 FPS cameras.")
SEVEN_LINES = "\n".join(["I ship OpenVINO INT8 with the throughput hint, async: 5,000 crops/s, p99 0.40 ms."] * 7)
ACCURACY_BINDS = ("I ship OpenVINO INT8 with the throughput hint, async: 5,000 crops/s, p99 0.40 ms.\n"
                  "Accuracy is the binding constraint: INT8 loses 0.28 points.\n"
                  "The latency hint, one request at a time, reached 2,500 crops/s: less headroom than async.")
NO_TRADE = ("I ship OpenVINO INT8 with the throughput hint, async: 5,000 crops/s, p99 0.40 ms.\n"
            "Size is the binding constraint: the file is 0.182 MB, within the limit.\n"
            "It meets every limit of the card, and it is what I would deploy.")

WRONG = [  # (what, the names replaced: a value, or a function of the files that makes it; the checks that lose)
    ("meets with < and >", {"meets": strict_meets}, {MEETS, CHOOSE}),
    ("meets without max_drop_pts", {"meets": old_meets}, {MEETS, CHOOSE}),
    ("meets reads a field before the status", {"meets": fields_first_meets}, {MEETS, CHOOSE}),
    ("choose with < and >", {"choose": strict_choose}, {CHOOSE}),
    ("choose returns the row", {"choose": row_choose}, {CHOOSE}),
    ("choose takes the highest throughput", {"choose": fastest_choose}, {CHOOSE}),
    ("vacuous limits", {"scenario_limits": {"latency_ms": 1e9, "max_error": 1e9}}, {LIMITS}),
    ("vacuous values of the card's limits", {"scenario_limits": dict.fromkeys(CARD, 1e9)}, {LIMITS}),
    ("frames per second, not crops", {"scenario_limits": dict(CARD, min_fps=120)}, {LIMITS}),
    ("a camera's frame interval as the p99 budget", {"scenario_limits": dict(CARD, latency_ms=1000 / 30)}, {LIMITS}),
    ("the average per crop as the p99 budget", {"scenario_limits": dict(CARD, latency_ms=1000 / 1920)}, {LIMITS}),
    ("the drop as a fraction", {"scenario_limits": dict(CARD, max_drop_pts=0.01)}, {LIMITS}),
    ("an extra limit", {"scenario_limits": dict(CARD, max_error=0.05)}, {LIMITS}),
    ("the FP32 IR, latency hint", {"deployment": deployment("OpenVINO FP32, latency")}, {RATE, SIZE}),
    ("the FP32 IR, throughput hint", {"deployment": deployment("OpenVINO FP32, latency", mode="async", hint="throughput")},
     {RATE, SIZE}),
    ("the FP16-weight IR", {"deployment": deployment("OpenVINO FP16 weights, throughput")}, {SIZE}),
    ("ONNX Runtime FP32", {"deployment": deployment("ORT FP32")}, {RATE, P99, SIZE}),
    ("ONNX Runtime INT8, short of the rate", {"deployment": deployment("ORT INT8, 1 thread")}, {RATE}),
    ("the smaller depthwise model", {"deployment": depthwise}, {ACCURACY}),
    ("a typo'd key", {"deployment": typo}, DEPLOYMENT_CHECKS),
    ("the measured row as the deployment", {"deployment": lambda files: measured_rows(files)[-1]}, DEPLOYMENT_CHECKS),
    ("a file that does not exist", {"deployment": deployment("OpenVINO INT8, throughput", model_path="/nonexistent/m.xml")},
     DEPLOYMENT_CHECKS),
    ("async on ONNX Runtime", {"deployment": deployment("ORT INT8, 1 thread", mode="async")}, DEPLOYMENT_CHECKS),
    ("a hint on ONNX Runtime", {"deployment": deployment("ORT INT8, 1 thread", hint="throughput")}, DEPLOYMENT_CHECKS),
    ("zero threads", {"deployment": deployment("OpenVINO INT8, throughput", threads=0)}, DEPLOYMENT_CHECKS),
    ("an unknown runtime", {"deployment": deployment("OpenVINO INT8, throughput", runtime="tensorrt")}, DEPLOYMENT_CHECKS),
    ("a justification without numbers", {"justification": NO_NUMBERS}, {WHY}),
    ("a justification citing only the card", {"justification": CARD_ONLY}, {WHY}),
    ("a justification of seven lines", {"justification": SEVEN_LINES}, {WHY}),
    ("accuracy named as the binding constraint", {"justification": ACCURACY_BINDS}, {WHY}),
    ("a justification without a trade-off", {"justification": NO_TRADE}, {WHY}),
    ("a justification as a list of lines", {"justification": NO_TRADE.splitlines()}, {WHY}),
]

SAYS = {  # what -> words one of the lost checks' messages must contain (the learner is told the right thing)
    "meets with < and >": "a row exactly at a limit meets it",
    "meets without max_drop_pts": "KeyError",
    "meets reads a field before the status": "KeyError",
    "choose with < and >": "a row exactly at a limit meets it",
    "choose returns the row": "you chose {",
    "choose takes the highest throughput": "you chose 'f'; expected 'c'",
    "vacuous limits": "scenario_limits has no min_fps",
    "vacuous values of the card's limits": "the card needs 4 cameras x 30 FPS x 16 crops = 1920 crops/s",
    "frames per second, not crops": "count crops, not frames",
    "a camera's frame interval as the p99 budget": "one camera's frame interval",
    "the average per crop as the p99 budget": "the average time per crop",
    "the drop as a fraction": "in points, not a fraction",
    "an extra limit": "the card sets no max_error limit",
    "the FP32 IR, latency hint": "over the card's 0.25 MB",
    "the FP32 IR, throughput hint": "of the need of 1,920 crops/s",
    "the FP16-weight IR": "FP16 weights half",
    "ONNX Runtime FP32": "delays the next camera",
    "ONNX Runtime INT8, short of the rate": "81% of the need",
    "the smaller depthwise model": "more than the card's 1",
    "a typo'd key": "(did you mean 'runtime'?)",
    "the measured row as the deployment": "not a measured row",
    "a file that does not exist": "does not exist",
    "async on ONNX Runtime": "one request at a time",
    "a hint on ONNX Runtime": "'hint' is an OpenVINO setting",
    "zero threads": "whole number of 1 or more",
    "an unknown runtime": "use 'openvino' or 'onnxruntime'",
    "a justification without numbers": "✘ numbers",
    "a justification citing only the card": "✘ numbers",
    "a justification of seven lines": "has 7 line(s) and 98 words: write 1 to 5 lines",
    "accuracy named as the binding constraint": "you call accuracy binding, but it has more headroom",
    "a justification without a trade-off": "✘ trade-off",
    "a justification as a list of lines": "should be a str",
}


def test_every_wrong_solution_says_what_is_wrong():
    assert set(SAYS) == {what for what, _, _ in WRONG}


@pytest.mark.parametrize("what, replaced, checks", WRONG, ids=[w[0] for w in WRONG])
def test_plausible_wrong_solution_loses_points(what, replaced, checks, right, files):
    ns = right_functions({k: v for k, v in right.items() if k not in ("meets", "choose")})   # choose sees ns's meets
    for name, value in replaced.items():
        ns[name] = value(files) if name == "deployment" and callable(value) else value
    wrong = lost(ns)
    assert set(wrong) == checks, (what, wrong)
    assert any(SAYS[what] in message for message in wrong.values()), (what, wrong)
    for message in wrong.values():
        assert "\n" not in message and message.endswith("."), message


def test_bad_values_get_one_sentence(right, files, tmp_path, monkeypatch):
    wrong = lost(dict(right, deployment="openvino int8"))
    assert all("should be a dict" in wrong[name] for name in DEPLOYMENT_CHECKS)
    wrong = lost({k: v for k, v in right.items() if k != "justification"})
    assert "`justification` is not defined" in wrong[WHY]

    def broken(builder, mode, label):
        raise RuntimeError("Exception from src/inference/src/cpp/core.cpp:112:\nthe device is busy")
    monkeypatch.setattr(ex07, "run_window", broken)
    wrong = lost(right)
    assert "your deployment (openvino " in wrong[RATE] and "could not be measured: the device is busy" in wrong[RATE]


def test_a_file_that_is_no_digits_model_is_named(right, tmp_path):
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node("Identity", ["input"], ["logits"])], "not-digits",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, 32, 32])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 1, 32, 32])])
    path = tmp_path / "identity.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    wrong = lost(dict(right, deployment={"runtime": "onnxruntime", "model_path": str(path)}))
    assert "not the 10 class scores of the digits model" in wrong[ACCURACY]
    (tmp_path / "broken.onnx").write_bytes(b"not a model")
    wrong = lost(dict(right, deployment={"runtime": "onnxruntime", "model_path": str(tmp_path / "broken.onnx")}))
    assert "could not read the digits test images" in wrong[ACCURACY]


# ---------------------------------------------------------------- the re-measuring machinery

def test_windows_stop_when_the_budget_is_spent(files):
    """A clock that advances 1 s per window: the windows that fit, never fewer than one of each configuration."""
    dep = ex07.Deployment("openvino", files["int8_ir"], "async", "throughput", "f32")
    counts = {}
    for budget in (0.5, 2.5, 4.5, 100.0):
        now = [0.0]
        step = known_windows()

        def run_window(builder, mode, label, step=step, now=now):
            now[0] += 1.0
            return step(builder, mode, label)
        ex07.run_window, saved = run_window, ex07.run_window
        try:
            got = ex07.remeasure(dep, budget=budget, clock=lambda now=now: now[0])
        finally:
            ex07.run_window = saved
        counts[budget] = (len(got.results[ex07.YOURS]), len(got.results[ex07.REFERENCE]))
    assert counts == {0.5: (1, 1), 2.5: (1, 1), 4.5: (2, 2), 100.0: (3, 3)}


def test_noise_band_is_the_spread_within_its_floor_and_cap():
    def band(ours, ref):
        got = ex07.Remeasured({ex07.YOURS: [SimpleNamespace(throughput_fps=v) for v in ours],
                               ex07.REFERENCE: [SimpleNamespace(throughput_fps=v) for v in ref]})
        return round(got.band("throughput_fps"), 3)
    assert band([100, 105], [50, 51]) == 0.2
    assert band([100, 130], [50, 51]) == 0.3
    assert band([100, 110], [50, 90]) == 0.5
    assert band([100], [50]) == 0.2


def test_measuring_budget_follows_the_check_time_limit():
    import signal

    assert ex07.measuring_budget() == ex07.MEASURE_CAP_S
    old = signal.signal(signal.SIGALRM, lambda *_: None)
    try:
        signal.alarm(4)
        assert 0 < ex07.measuring_budget() <= ex07.MEASURE_SHARE * 4
        signal.alarm(60)
        assert ex07.measuring_budget() == ex07.MEASURE_CAP_S
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def test_real_windows_run_the_kit_harness(files):
    """The unpatched run_window: the harness's own results, with the deployment's settings (no speed asserted)."""
    dep = ex07.Deployment("openvino", files["int8_ir"], "async", "throughput", "f32")
    got = ex07.remeasure(dep, budget=0.0)
    yours, ref = got.results[ex07.YOURS], got.results[ex07.REFERENCE]
    assert len(yours) == len(ref) == 1
    assert yours[0].mode == "async" and yours[0].hint == "throughput" and yours[0].throughput_fps > 0
    assert "nncf-int8" in yours[0].model and ref[0].model == "digits_cnn"
