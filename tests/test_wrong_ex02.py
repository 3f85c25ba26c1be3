"""Exercise 02-pick-opt-level: the hidden checks reward a right answer and every plausible wrong one loses points,
with a message that says what is wrong (no timing is measured: the harness results are built by hand).

The whole-notebook grading of the solution and of the untouched exercise is test_grade's parametrized test.
"""
import statistics
from collections import Counter
from types import SimpleNamespace

import onnxruntime as ort
import pytest
from graded import graded

from accelkit.harness.interleave import Comparison
from accelkit.harness.measure import BenchResult
from accelkit.learn.exercises.build import build_exercise, repo_dir
from accelkit.learn.exercises.checks import ex02_optlevel

EXERCISE = "02-pick-opt-level"
FULL = 13
CPU = "CPUExecutionProvider"


# ---------------------------------------------------------------- a right submission, written apart from the notebook

def fusion_summary(before, after):
    change = Counter(after)
    change.subtract(before)
    return {op: n for op, n in change.items() if n}


def pick_config(rows, budget_ms):
    fitting = [r for r in rows if r["p99_ms"] <= budget_ms]
    if not fitting:
        return None
    fewest = min(r["threads"] for r in fitting)
    return min((r for r in fitting if r["threads"] == fewest), key=lambda r: r["median_ms"])


def level_to_save(deployment):
    only_ort = list(deployment["runtimes"]) == ["onnxruntime"]
    only_cpu_ep = list(deployment["eps"]) == [CPU]
    if not (only_ort and only_cpu_ep):
        return "basic"
    return "all" if deployment["same_cpu"] else "extended"


NAMES = {"fusion_summary", "pick_config", "level_to_save"}
R = SimpleNamespace(**{name: globals()[name] for name in NAMES})   # the right functions, for wrong ones to reuse


def bench(model="resnet18_like", runtime="onnxruntime", opt_level="all", threads=1, compile_ms=40.0) -> BenchResult:
    return BenchResult(model=model, runtime=runtime, device="CPU", mode="sync", hint=None, precision="as stored",
                       exec_precision="as stored", threads=threads, streams=None, nireq=1, opt_level=opt_level,
                       compile_ms=compile_ms, first_infer_ms=25.0, iterations=100, duration_s=2.0, median_ms=20.0,
                       p90_ms=22.0, p99_ms=24.0, mean_ms=20.5, min_ms=19.0, max_ms=26.0, throughput_fps=50.0)


SAVED = "resnet18_like.ort1.32.0-all"
CREATION_MS = {  # label -> (model, opt_level, compile_ms per window): ratio of medians != median of ratios on purpose
    "disable": ("resnet18_like", "disable", [8.0, 9.0, 30.0]),
    "extended": ("resnet18_like", "extended", [9.0, 10.0, 12.0]),
    "all": ("resnet18_like", "all", [150.0, 100.0, 200.0]),
    "saved all, loaded disabled": (SAVED, "disable", [40.0, 50.0, 45.0]),
}


def creation_comparison(table=CREATION_MS) -> Comparison:
    return Comparison({label: [bench(model=m, opt_level=lvl, compile_ms=ms) for ms in times]
                       for label, (m, lvl, times) in table.items()})


def measured(creation: Comparison) -> dict:
    return {"all_over_disable": creation.ratio("all", "disable", metric="compile_ms").median,
            "offline_over_online": creation.ratio("saved all, loaded disabled", "all", metric="compile_ms").median}


def right_answers() -> dict:
    ns = {name: globals()[name] for name in NAMES}
    ns["my_results"] = [bench(opt_level=lvl, threads=n) for lvl in ("disable", "all") for n in (1, 2)]
    ns["PREDICTED_CREATION"] = {"all_over_disable": 3, "offline_over_online": 0.5}
    ns["creation"] = creation_comparison()
    ns["MEASURED_CREATION"] = measured(ns["creation"])
    return ns


_graded = graded(EXERCISE)
results, lost, named = _graded.results, _graded.lost, _graded.named


FUSION, PICK, MINE, LEVEL, CREATION = (named("fusion_summary"), named("pick_config"), named("my_results"),
                                       named("level_to_save"), named("session creation"))


def test_right_answers_score_full_marks():
    got = results(right_answers())
    assert {n: r.message for n, r in got.items() if r.earned < r.points} == {}
    assert sum(r.points for r in got.values()) == FULL == sum(r.earned for r in got.values())


@pytest.mark.parametrize("spell", [str.upper, lambda s: {"disable": "ORT_DISABLE_ALL"}.get(s, f"ORT_ENABLE_{s.upper()}"),
                                   lambda s: getattr(ort.GraphOptimizationLevel, f"ORT_ENABLE_{s.upper()}"),
                                   lambda s: "layout" if s == "all" else s],
                         ids=["upper case", "ORT's enum names as text", "ORT's enum", "layout for the known machine"])
def test_other_spellings_of_a_right_level_pass(spell):
    ns = right_answers()
    ns["level_to_save"] = lambda d: spell(R.level_to_save(d))
    assert LEVEL not in lost(ns)


def test_the_ratio_of_median_creation_times_is_accepted():
    ns = right_answers()
    c = ns["creation"]
    ns["MEASURED_CREATION"] = {key: statistics.median(c.values(a, "compile_ms")) / statistics.median(c.values(b, "compile_ms"))
                               for key, (a, b) in ex02_optlevel.RATIOS.items()}
    assert ns["MEASURED_CREATION"] != measured(c)
    assert CREATION not in lost(ns)


def test_the_boundary_budgets_are_in_the_hidden_table():
    """Each budget equal to a row's p99 picks that row, so a strict `<` changes the answer."""
    equal = [(budget, want) for rows, budget, want in ex02_optlevel.BUDGETS
             if rows and want and any(r["p99_ms"] == budget for r in rows if (r["opt_level"], r["threads"]) == want)]
    assert len(equal) >= 3
    assert any(not rows for rows, _, _ in ex02_optlevel.BUDGETS)
    assert any(want is None for rows, _, want in ex02_optlevel.BUDGETS if rows)


def test_untouched_exercise_scores_zero_with_a_sentence_per_check():
    exercise = build_exercise(repo_dir() / "solutions" / f"{EXERCISE}.ipynb")
    ns: dict = {}
    for source in (c.source for c in exercise.cells if c.cell_type == "code"):
        if "ak.measure" in source or "ak.compare" in source or "check_exercise" in source or "optimized_model(resnet" in source:
            continue                     # measuring cells (placeholders here), ORT's graph files and the grading cell
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

def first_fitting(rows, budget_ms):
    return next((r for r in rows if r["p99_ms"] <= budget_ms), None)


def fewest_threads_of_the_table(rows, budget_ms):
    if not rows:
        return None
    fewest = min(r["threads"] for r in rows)
    fitting = [r for r in rows if r["threads"] == fewest and r["p99_ms"] <= budget_ms]
    return min(fitting, key=lambda r: r["median_ms"]) if fitting else None


def checked_after_choosing(rows, budget_ms):
    if not rows:
        return None
    best = min(rows, key=lambda r: (r["threads"], r["median_ms"]))
    return best if best["p99_ms"] <= budget_ms else None


def key_sort(key):
    def pick(rows, budget_ms):
        fitting = [r for r in rows if r["p99_ms"] <= budget_ms]
        return min(fitting, key=key) if fitting else None
    return pick


def creation_without(label):
    return creation_comparison({k: v for k, v in CREATION_MS.items() if k != label})


def creation_with(label, model=None, opt_level=None):
    table = dict(CREATION_MS)
    m, lvl, times = table[label]
    table[label] = (model or m, opt_level or lvl, times)
    return creation_comparison(table)


def right_measured_except(key, value):
    out = measured(creation_comparison())
    out[key] = value
    return out


WRONG = [  # (what, replaced names, checks that must lose points)
    ("fusion: only the ops of `after`", {"fusion_summary": lambda b, a: {op: n - b.get(op, 0) for op, n in a.items()
                                                                          if n != b.get(op, 0)}}, {FUSION}),
    ("fusion: only the ops of `before`", {"fusion_summary": lambda b, a: {op: a.get(op, 0) - n for op, n in b.items()
                                                                           if n != a.get(op, 0)}}, {FUSION}),
    ("fusion: unchanged ops kept", {"fusion_summary": lambda b, a: {op: a.get(op, 0) - b.get(op, 0) for op in {*a, *b}}},
     {FUSION}),
    ("fusion: Counter subtraction drops the negatives", {"fusion_summary": lambda b, a: dict(Counter(a) - Counter(b))},
     {FUSION}),
    ("fusion: before - after", {"fusion_summary": lambda b, a: {op: -n for op, n in R.fusion_summary(b, a).items()}},
     {FUSION}),
    ("fusion: an op counted 0 on one side reported", {"fusion_summary": lambda b, a: {
        op: a.get(op, 0) - b.get(op, 0) for op in {*a, *b} if op not in a or op not in b or a[op] != b[op]}}, {FUSION}),
    ("pick: strict < at the budget", {"pick_config": lambda rows, budget: R.pick_config(
        [r for r in rows if r["p99_ms"] < budget], budget)}, {PICK}),
    ("pick: median instead of p99 against the budget", {"pick_config": lambda rows, budget: R.pick_config(
        [dict(r, p99_ms=r["median_ms"]) for r in rows], budget)}, {PICK}),
    ("pick: the first row that fits, in table order", {"pick_config": first_fitting}, {PICK}),
    ("pick: the lowest median, threads ignored", {"pick_config": key_sort(lambda r: r["median_ms"])}, {PICK}),
    ("pick: the lowest p99 among the fewest threads", {"pick_config": key_sort(lambda r: (r["threads"], r["p99_ms"]))},
     {PICK}),
    ("pick: the fewest threads of the whole table", {"pick_config": fewest_threads_of_the_table}, {PICK}),
    ("pick: the budget checked after choosing", {"pick_config": checked_after_choosing}, {PICK}),
    ("pick: min() of no fitting rows raises", {"pick_config": lambda rows, budget: min(
        (r for r in rows if r["p99_ms"] <= budget), key=lambda r: (r["threads"], r["median_ms"]))}, {PICK}),
    ("measured the digits CNN", {"my_results": [bench(model="digits_cnn", opt_level=lvl, threads=n)
                                                for lvl in ("disable", "all") for n in (1, 2)]}, {MINE}),
    ("one level only", {"my_results": [bench(opt_level="all", threads=n) for n in (1, 2)]}, {MINE}),
    ("level: basic everywhere", {"level_to_save": lambda d: "basic"}, {LEVEL}),
    ("level: extended everywhere", {"level_to_save": lambda d: "extended"}, {LEVEL}),
    ("level: all everywhere", {"level_to_save": lambda d: "all"}, {LEVEL}),
    ("level: the CPU EP anywhere in the list counts", {"level_to_save": lambda d: R.level_to_save(
        dict(d, eps=[CPU] if CPU in d["eps"] else d["eps"]))}, {LEVEL}),
    ("level: the runtimes ignored", {"level_to_save": lambda d: R.level_to_save(dict(d, runtimes=["onnxruntime"],
                                                                                    eps=d["eps"] or [CPU]))}, {LEVEL}),
    ("level: the EPs ignored", {"level_to_save": lambda d: R.level_to_save(dict(d, eps=[CPU]))}, {LEVEL}),
    ("level: the CPU ignored", {"level_to_save": lambda d: R.level_to_save(dict(d, same_cpu=True))}, {LEVEL}),
    ("level: EXTENDED and ALL swapped", {"level_to_save": lambda d: {"all": "extended", "extended": "all"}.get(
        R.level_to_save(d), R.level_to_save(d))}, {LEVEL}),
    ("level: the original model for other runtimes", {"level_to_save": lambda d: "disable" if R.level_to_save(d) == "basic"
                                                      else R.level_to_save(d)}, {LEVEL}),
    ("level: EXTENDED for other runtimes", {"level_to_save": lambda d: "extended" if set(d["runtimes"]) != {"onnxruntime"}
                                            else R.level_to_save(d)}, {LEVEL}),
    ("level: EXTENDED with another EP too", {"level_to_save": lambda d: "extended" if R.level_to_save(d) == "basic"
                                             and set(d["runtimes"]) == {"onnxruntime"} else R.level_to_save(d)}, {LEVEL}),
    ("level: a number", {"level_to_save": lambda d: 99}, {LEVEL}),
    ("creation: no prediction", {"PREDICTED_CREATION": {}}, {CREATION}),
    ("creation: the prediction as text", {"PREDICTED_CREATION": {"all_over_disable": "about 5",
                                                                 "offline_over_online": 0.5}}, {CREATION}),
    ("creation: a list of results, not a comparison", {"creation": [bench()]}, {CREATION}),
    ("creation: no EXTENDED windows", {"creation": creation_without("extended")}, {CREATION}),
    ("creation: the saved file loaded at ALL", {"creation": creation_with("saved all, loaded disabled", opt_level="all")},
     {CREATION}),
    ("creation: the original file as the saved one", {"creation": creation_with("saved all, loaded disabled",
                                                                                model="resnet18_like")}, {CREATION}),
    ("creation: ratio inverted", {"MEASURED_CREATION": right_measured_except(
        "all_over_disable", 1 / measured(creation_comparison())["all_over_disable"])}, {CREATION}),
    ("creation: latency instead of session creation", {"MEASURED_CREATION": right_measured_except(
        "offline_over_online", creation_comparison().ratio("saved all, loaded disabled", "all").median)}, {CREATION}),
    ("creation: notebook 02's number typed in", {"MEASURED_CREATION": right_measured_except("all_over_disable", 6.51)},
     {CREATION}),
]

SAYS = {  # what -> words one of the lost checks' messages must contain (the learner is told the right thing)
    "fusion: only the ops of `after`": "you left out Add, Conv, MaxPool, Relu",
    "fusion: only the ops of `before`": "you left out ms:FusedConv",
    "fusion: unchanged ops kept": "you also reported Add, whose count did not change",
    "fusion: Counter subtraction drops the negatives": "you left out Conv, Relu",
    "fusion: before - after": "the wrong sign: the change is after - before",
    "fusion: an op counted 0 on one side reported": "a count of 0 and a missing op are the same",
    "pick: strict < at the budget": "<=, not <",
    "pick: median instead of p99 against the budget": "keep the rows with p99_ms <= budget",
    "pick: the first row that fits, in table order": "then take the fewest threads",
    "pick: the lowest median, threads ignored": "then take the fewest threads",
    "pick: the lowest p99 among the fewest threads": "take the lower median_ms",
    "pick: the fewest threads of the whole table": "expected ('all', 2)",
    "pick: the budget checked after choosing": "expected ('all', 1)",
    "pick: min() of no fitting rows raises": "raised ValueError",
    "measured the digits CNN": "measure resnet18_like",
    "one level only": "two optimization levels",
    "level: basic everywhere": "expected 'all'",
    "level: extended everywhere": "expected 'all'",
    "level: all everywhere": "expected 'extended'",
    "level: the CPU EP anywhere in the list counts": "the exact same EPs",
    "level: the runtimes ignored": "only ONNX Runtime has to implement the contrib ops",
    "level: the EPs ignored": "the exact same EPs",
    "level: the CPU ignored": "tied to the build machine's vector width",
    "level: EXTENDED and ALL swapped": "expected 'all'",
    "level: the original model for other runtimes": "you said 'disable', expected 'basic'",
    "level: EXTENDED for other runtimes": "only ONNX Runtime has to implement the contrib ops",
    "level: EXTENDED with another EP too": "BASIC runs before partitioning",
    "level: a number": "should return a level name",
    "creation: no prediction": "should be your guess",
    "creation: the prediction as text": "should be your guess",
    "creation: a list of results, not a comparison": "what ak.compare returns",
    "creation: no EXTENDED windows": "labelled 'extended'",
    "creation: the saved file loaded at ALL": "opt_level='disable'",
    "creation: the original file as the saved one": "the file ORT saved at ALL",
    "creation: ratio inverted": "metric='compile_ms'",
    "creation: latency instead of session creation": "metric='compile_ms'",
    "creation: notebook 02's number typed in": "but your windows give",
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


def test_the_hidden_deployments_are_distinct_and_need_every_level():
    answers = {ex02_optlevel.compact(d): sorted(ok) for d, ok, _ in ex02_optlevel.DEPLOYMENTS}
    assert len(answers) == len(ex02_optlevel.DEPLOYMENTS)
    assert {ok[0] for ok in answers.values()} == {"basic", "extended", "all"}


def test_odd_return_values_get_one_sentence():
    ns = right_answers()
    ns["fusion_summary"] = lambda before, after: [("Conv", -9)]
    ns["level_to_save"] = lambda deployment: None
    ns["creation"] = Comparison({label: windows[0] for label, windows in creation_comparison().results.items()})
    wrong = lost(ns)
    assert "should return a dict, not list" in wrong[FUSION]
    assert "should return a level name such as 'basic' or 'all', not None" in wrong[LEVEL]
    assert "no repeated windows labelled 'disable'" in wrong[CREATION]
