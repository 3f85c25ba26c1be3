"""Exercises: generated from solutions, hidden checks, and grading (bad submissions: test_bad_input)."""
import pytest
from fakes import solutions

from accelkit import AccelkitError
from accelkit.learn import progress
from accelkit.learn.exercises.build import PLACEHOLDER, build_exercise, repo_dir, strip_solution, sync_exercises
from accelkit.learn.exercises.checking import check_exercise, exercises, run_checks
from accelkit.learn.exercises.submissions import grade_one, grade_paths

SOLUTIONS = solutions()


def test_every_solution_has_an_exercise_and_checks():
    assert SOLUTIONS
    assert {p.stem for p in SOLUTIONS} == set(exercises())
    assert sync_exercises(check_only=True) == [], "run `accelkit exercises` to rebuild exercises/"


def test_strip_solution_keeps_indentation_and_rejects_bad_markers():
    src = "def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\nprint(1)"
    assert strip_solution(src) == f"def f(x):\n    {PLACEHOLDER}\nprint(1)"
    for bad in ("### BEGIN SOLUTION\nx", "x\n### END SOLUTION", "### BEGIN SOLUTION\n### BEGIN SOLUTION"):
        with pytest.raises(AccelkitError):
            strip_solution(bad)


def test_exercise_has_no_solution_code():
    for solution in SOLUTIONS:
        nb = build_exercise(solution)
        text = "\n".join(c.source for c in nb.cells)
        assert "BEGIN SOLUTION" not in text and PLACEHOLDER in text
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
        assert nb.metadata["accelkit"]["exercise"] == solution.stem


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_solution_full_marks_and_untouched_exercise_fails_clearly(solution, tmp_path):
    solved = grade_one(solution, timeout_s=120)
    assert solved.status == "graded" and solved.score == solved.max_score > 0, solved.checks
    untouched = grade_one(repo_dir() / "exercises" / solution.name, timeout_s=120)
    assert untouched.status == "graded" and untouched.score == 0
    for c in untouched.checks:
        assert c["message"] != "passed" and len(c["message"]) > 20


def test_check_exercise_in_process_records_progress():
    ns = {}
    report = check_exercise("00-measure-like-benchmark-app", ns)
    assert report.score == 0 and "not defined" in repr(report)
    ns["nearest_rank"] = lambda values, pct: sorted(values)[-1]   # wrong on purpose
    ns["has_int8_dot_product"] = lambda flags: "avx512_vnni" in flags or "avx_vnni" in flags or "amx_int8" in flags
    results = {r.name: r for r in run_checks("00-measure-like-benchmark-app", ns)}
    assert "expected" in results["nearest_rank matches the Python benchmark_app's percentile"].message
    assert results["has_int8_dot_product reads VNNI/AMX from the flags"].earned == 2
    assert progress.load()["exercises"]["00-measure-like-benchmark-app"]["max"] == 10


def test_check_names_wrong_types_and_exceptions():
    ns = {"summarize_window": lambda lat, s: [1, 2], "has_int8_dot_product": lambda f: "yes",
          "nearest_rank": lambda v, p: 1 / 0, "digits_result": 3.5}
    msgs = {r.name.split()[0]: r.message for r in run_checks("00-measure-like-benchmark-app", ns)}
    assert "should return a dict" in msgs["summarize_window"]
    assert "True or False" in msgs["has_int8_dot_product"]
    assert "ZeroDivisionError" in msgs["nearest_rank"]
    assert "should be a BenchResult" in msgs["digits_result"]


def test_unknown_exercise():
    with pytest.raises(AccelkitError, match="00-measure-like-benchmark-app"):
        run_checks("42-nothing", {})


def test_missing_path(tmp_path):
    with pytest.raises(AccelkitError, match="no such file"):
        grade_paths([tmp_path / "nope"])
