"""accelkit.harness.interleave: interleaved repeats, per-pair ratios, noise and the finding rule."""
import math
from types import SimpleNamespace

import pytest

import accelkit as ak
from accelkit import AccelkitError
from accelkit.harness import interleave
from accelkit.harness.interleave import Comparison, compare, interleaved_order


def test_order_is_counterbalanced():
    assert interleaved_order(["a", "b"], 4) == ["a", "b", "b", "a", "a", "b", "b", "a"]
    assert interleaved_order(["a", "b", "c"], 2) == ["a", "b", "c", "c", "b", "a"]


def fake_measure(medians):
    """A stand-in for bench.measure: each call of a label returns that label's next median."""
    calls = []

    def measure(builder, *, label, **kwargs):
        calls.append((label, kwargs))
        value = medians[label][sum(1 for c in calls if c[0] == label) - 1]
        return SimpleNamespace(median_ms=value, p90_ms=value, p99_ms=value, throughput_fps=1e3 / value,
                               compile_ms=1.0, first_infer_ms=value, label=label)
    return measure, calls


def test_compare_runs_every_window_interleaved(monkeypatch):
    measure, calls = fake_measure({"a": [10, 11, 10, 12, 10], "b": [20, 21, 20, 22, 19]})
    monkeypatch.setattr(interleave, "measure", measure)
    cmp = compare({"a": object, "b": object}, pairs=5, mode="sync", seconds=0.1)
    assert [c[0] for c in calls] == interleaved_order(["a", "b"], 5)
    assert all(c[1] == {"mode": "sync", "seconds": 0.1} for c in calls)
    assert len(cmp.results["a"]) == len(cmp.results["b"]) == 5
    assert cmp.median_ms("a") == 10 and cmp.median_ms("b") == 20
    r = cmp.ratio("a", "b")
    assert r.median == pytest.approx(sorted([10 / 20, 11 / 21, 10 / 20, 12 / 22, 10 / 19])[2]) and r.pairs == 5
    assert r.low == pytest.approx(min(10 / 20, 11 / 21, 10 / 20, 12 / 22, 10 / 19))
    assert r.high == pytest.approx(max(10 / 20, 11 / 21, 10 / 20, 12 / 22, 10 / 19))
    assert str(r) == "0.52x (0.50–0.55, 5 pairs)"


def test_a_clear_difference_is_a_finding():
    cmp = Comparison.from_numbers({"fast": [10, 10.5, 10.2], "slow": [20, 20.4, 19.8]})
    assert cmp.noise() == pytest.approx(10.5 / 10 - 1)  # the worst configuration's spread
    assert cmp.is_finding("fast", "slow")
    assert cmp.verdict("fast", "slow") == ("fast takes 0.51x the time of slow (0.50–0.52 over 3 pairs; windows of one "
                                           "configuration varied by up to 5%): a finding.")


def test_an_effect_every_pair_agrees_on_survives_a_drifting_machine():
    # the machine slows down 2x during the run (noise 100 %), but every pair says a is half of b
    cmp = Comparison.from_numbers({"a": [10, 15, 20], "b": [20, 31, 39]})
    assert cmp.noise() == pytest.approx(1.0)
    assert cmp.is_finding("a", "b")


def test_a_difference_smaller_than_the_pairs_disagree_is_not_a_finding():
    # every pair says a is slower (by 0.5-15 %), but the pairs disagree by more than the effect
    cmp = Comparison.from_numbers({"a": [10.1, 15.0, 10.2], "b": [10.0, 13.0, 10.15]})
    r = cmp.ratio("a", "b")
    assert r.low > 1 and math.log(r.median) < math.log(r.high / r.low) / 2
    assert not cmp.is_finding("a", "b")
    assert cmp.verdict("a", "b").endswith("not a finding — inside the noise.")


def test_a_large_effect_with_spread_pairs_is_a_finding():
    # bf16 vs f32 on a loaded machine: the pairs range 0.20-0.35, all far from 1
    cmp = Comparison.from_numbers({"bf16": [20, 30, 35], "f32": [100, 100, 100]})
    assert cmp.is_finding("bf16", "f32") and cmp.is_finding("f32", "bf16")


def test_pairs_that_disagree_on_the_direction_are_not_a_finding():
    cmp = Comparison.from_numbers({"a": [10, 12, 10], "b": [11, 10, 10.5]})
    assert not cmp.is_finding("a", "b")


def test_noise_is_that_of_the_two_compared():
    cmp = Comparison.from_numbers({"a": [10, 10.1], "b": [20, 20.2], "wild": [5, 50]})
    assert cmp.noise() == pytest.approx(9.0)
    assert cmp.noise(labels=("a", "b")) == pytest.approx(0.01)
    assert "varied by up to 1%" in cmp.verdict("a", "b")


def test_typical_window_is_the_median_one():
    cmp = Comparison.from_numbers({"a": [3, 1, 2, 9], "b": [5, 5, 5, 5]})
    assert [r.median_ms for r in cmp.typical()] == [2, 5]


def test_throughput_sentence_and_frame():
    cmp = Comparison.from_numbers({"x": [100, 102], "y": [50, 51]}, metric="throughput_fps")
    assert cmp.verdict("x", "y", "throughput_fps").startswith("x reaches 2.00x the throughput of y")
    cmp = Comparison.from_numbers({"x": [1, 2], "y": [3, 4]})
    frame = cmp.frame()
    assert list(frame["label"]) == ["x", "y"]
    assert list(frame["windows"]) == [2, 2]
    assert frame["spread_pct"].tolist() == pytest.approx([100.0, 100 / 3])


@pytest.mark.parametrize("call, words", [
    (lambda: compare({"only": object}), "at least two configurations"),
    (lambda: compare({"a": object, "b": object}, pairs=1), "one pair is not evidence"),
    (lambda: Comparison.from_numbers({"a": [1, 2], "b": [1]}), "same number"),
    (lambda: Comparison.from_numbers({"a": [1, 2], "b": [1, 2]}).ratio("a", "c"), "no configuration 'c'"),
    (lambda: Comparison.from_numbers({"a": [1, 2], "b": [1, 2]}).values("a", "speed"), "unknown metric"),
    (lambda: interleave.repeat(object, times=1), "at least 2"),
])
def test_bad_input_is_one_sentence(call, words):
    with pytest.raises(AccelkitError, match=words):
        call()


def test_public_names():
    assert ak.compare is compare and ak.Comparison is Comparison


def test_compare_with_the_real_harness():
    from fakes import fake_builder

    cmp = compare({"a": fake_builder, "b": fake_builder}, pairs=2, iterations=12, seconds=None)
    assert [r.label for r in cmp.results["a"]] == ["a", "a"]
    assert all(r.iterations == 12 for runs in cmp.results.values() for r in runs)
    assert cmp.ratio("a", "b").pairs == 2
    assert len(interleave.repeat(fake_builder, times=3, iterations=10)) == 3


def test_relative_spread_and_default_pairs(monkeypatch):
    from accelkit.harness.interleave import default_pairs, relative_spread

    assert relative_spread([2.0, 3.0]) == pytest.approx(0.5)
    assert math.isnan(relative_spread([2.0]))
    monkeypatch.setenv("ACCELKIT_QUICK", "1")
    assert default_pairs() == 3
    monkeypatch.delenv("ACCELKIT_QUICK")
    assert default_pairs() == 5
