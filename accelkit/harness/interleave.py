"""Comparisons that hold up on a noisy machine: interleaved, repeated windows (notebook 00).

On a shared 2-core machine the same model measured twice a few minutes apart can differ by 2x,
so one window of A beside one window of B is not evidence. ``compare`` measures every
configuration ``pairs`` times, interleaved and counterbalanced (A B, B A, A B, …) so that a
slow spell of the machine hits both alike, and keeps every window. A conclusion is drawn from
the per-pair ratios:

- the **ratio** is the median of the pairs' ratios, with their range (min–max);
- the **noise** is how much repeated windows of one configuration differ over the run
  (max / min − 1 of its window medians): the machine's own variability, reported beside the ratio;
- a difference is a **finding** only when every pair points the same way *and* the effect is
  larger than the pairs disagree among themselves: |log(median ratio)| above half the log-range of
  the pair ratios. Interleaving makes the pairs see the same spell of the machine, so a slow
  minute that inflates the noise does not hide an effect every pair agrees on. Otherwise the
  sentence says "not a finding".
"""
from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from ..errors import AccelkitError, choice
from ..runtimes.runner import Runner
from .measure import BenchResult, measure

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DEFAULT_PAIRS", "METRICS", "Ratio", "Comparison", "relative_spread", "default_pairs", "interleaved_order",
           "compare", "repeat"]

DEFAULT_PAIRS = 5
METRICS = {"median_ms": "the time of", "p90_ms": "the p90 time of", "p99_ms": "the p99 time of",
           "throughput_fps": "the throughput of", "compile_ms": "the compile time of",
           "first_infer_ms": "the first-inference time of"}


@dataclass(frozen=True)
class Ratio:
    """The per-pair ratios a / b of one metric, summarised."""

    median: float
    low: float
    high: float
    pairs: int

    @classmethod
    def of(cls, ratios: list[float]) -> Ratio:
        """The median and range of a list of per-pair ratios."""
        if not ratios:
            raise AccelkitError("no pairs to summarise: measure at least one pair.")
        return cls(statistics.median(ratios), min(ratios), max(ratios), len(ratios))

    def text(self, digits: int = 2) -> str:
        """e.g. '1.82x (1.70–1.95, 5 pairs)'."""
        d = digits
        return f"{self.median:.{d}f}x ({self.low:.{d}f}–{self.high:.{d}f}, {self.pairs} pair{'s' * (self.pairs != 1)})"

    def __str__(self) -> str:
        return self.text()

    def beyond_its_spread(self) -> bool:
        """The effect (|log median|) is larger than the pairs disagree (half their log-range)."""
        return abs(math.log(self.median)) > math.log(self.high / self.low) / 2


@dataclass
class Comparison:
    """Every window of every configuration, in the order they ran (``results[label]``)."""

    results: dict[str, list[BenchResult]]

    @classmethod
    def from_numbers(cls, numbers: dict[str, list[float]], metric: str = "median_ms") -> Comparison:
        """A comparison of repeated numbers measured another way (e.g. compile times), taken as
        pairs in the order given: ``numbers[label][i]`` is window i of ``label``."""
        from types import SimpleNamespace

        lengths = {len(v) for v in numbers.values()}
        if len(numbers) < 2 or len(lengths) != 1 or lengths.pop() < 2:
            raise AccelkitError("from_numbers needs two or more configurations with the same number (>= 2) "
                                "of repeats each.")
        # Stand-ins carrying only ``metric``: a Comparison reads its windows by attribute.
        return cls({label: [cast(BenchResult, SimpleNamespace(**{metric: float(v)})) for v in values]
                    for label, values in numbers.items()})

    def _windows(self, label: str) -> list[BenchResult]:
        if label not in self.results:
            raise AccelkitError(f"no configuration {label!r} in this comparison; it has "
                                f"{', '.join(map(repr, self.results))}.")
        return self.results[label]

    def values(self, label: str, metric: str = "median_ms") -> list[float]:
        """One number per window of ``label`` (e.g. each window's median latency)."""
        choice(metric, METRICS, "metric")
        return [getattr(r, metric) for r in self._windows(label)]

    def median_ms(self, label: str) -> float:
        """The median over windows of each window's median latency."""
        return statistics.median(self.values(label))

    def ratio(self, a: str, b: str, metric: str = "median_ms") -> Ratio:
        """Pair i's ratio is window i of ``a`` over window i of ``b``; their median and range."""
        ratios = [x / y for x, y in zip(self.values(a, metric), self.values(b, metric)) if y]
        if not ratios:
            raise AccelkitError(f"no pair of windows to compare {a!r} with {b!r}.")
        return Ratio.of(ratios)

    def spread(self, label: str, metric: str = "median_ms") -> float:
        """How far apart repeated windows of one configuration are: max / min − 1."""
        return relative_spread(self.values(label, metric))

    def noise(self, metric: str = "median_ms", labels: tuple[str, ...] | None = None) -> float:
        """The machine's noise: the largest spread among ``labels`` (default: every configuration)."""
        return max(self.spread(label, metric) for label in (labels or tuple(self.results)))

    def is_finding(self, a: str, b: str, metric: str = "median_ms") -> bool:
        """True when every pair agrees on the direction and the effect exceeds the pairs'
        disagreement (both on a log scale, so 0.5x and 2x weigh the same)."""
        r = self.ratio(a, b, metric)
        one_way = r.low > 1 or r.high < 1
        return one_way and r.beyond_its_spread()

    def verdict(self, a: str, b: str, metric: str = "median_ms") -> str:
        """One sentence computed from the pairs, e.g. "ov takes 0.55x the time of ort (…): a finding."."""
        r = self.ratio(a, b, metric)
        verb = "reaches" if metric == "throughput_fps" else "takes"
        head = (f"{a} {verb} {r.median:.2f}x {METRICS[metric]} {b} ({r.low:.2f}–{r.high:.2f} over "
                f"{r.pairs} pairs; windows of one configuration varied by up to {self.noise(metric, (a, b)):.0%})")
        if self.is_finding(a, b, metric):
            return head + ": a finding."
        return head + ": not a finding — inside the noise."

    def typical(self) -> list[BenchResult]:
        """One window per configuration, for a table or chart: the one whose median is the
        median of that configuration's windows (the lower middle one for an even count)."""
        out = []
        for runs in self.results.values():
            ranked = sorted(runs, key=lambda r: r.median_ms)
            out.append(ranked[(len(ranked) - 1) // 2])
        return out

    def frame(self) -> pd.DataFrame:
        """One row per configuration: windows, median of medians, their min and max, spread."""
        import pandas as pd

        rows = [{"label": label, "windows": len(runs), "median_ms": self.median_ms(label),
                 "min_median_ms": min(self.values(label)), "max_median_ms": max(self.values(label)),
                 "spread_pct": 100 * self.spread(label)} for label, runs in self.results.items()]
        return pd.DataFrame(rows)


def relative_spread(values: list[float]) -> float:
    """How far apart repeated measurements of one thing are: max / min - 1 (nan for fewer than two)."""
    if len(values) < 2:
        return float("nan")
    return max(values) / min(values) - 1 if min(values) > 0 else float("inf")


def default_pairs() -> int:
    """Rounds per comparison: 5 for a learner, 3 in quick mode (CI), where fewer count as findings."""
    from ..config import is_quick

    return 3 if is_quick() else DEFAULT_PAIRS


def interleaved_order(labels: list[str], pairs: int) -> list[str]:
    """A B, B A, A B, …: each round reverses the last, so drift hits every configuration alike."""
    order: list[str] = []
    for i in range(pairs):
        order += labels if i % 2 == 0 else labels[::-1]
    return order


def compare(builders: dict[str, Callable[[], Runner]], *, pairs: int | None = None,
            **measure_kwargs: Any) -> Comparison:
    """Measure each builder ``pairs`` times (default: ``default_pairs()``), interleaved;
    ``measure_kwargs`` go to ``measure`` (``mode``, ``seconds``, ``iterations``, ``isolate``)."""
    pairs = default_pairs() if pairs is None else pairs
    if len(builders) < 2:
        raise AccelkitError("compare needs at least two configurations, e.g. {'ort': ..., 'ov': ...}.")
    if not isinstance(pairs, int) or pairs < 2:
        raise AccelkitError(f"pairs must be a whole number of at least 2 (got {pairs!r}): one pair is not evidence.")
    measure_kwargs.pop("label", None)
    results: dict[str, list[BenchResult]] = {label: [] for label in builders}
    for label in interleaved_order(list(builders), pairs):
        results[label].append(measure(builders[label], label=label, **measure_kwargs))
    return Comparison(results)


def repeat(builder: Callable[[], Runner], times: int = DEFAULT_PAIRS, **measure_kwargs: Any) -> list[BenchResult]:
    """``times`` windows of one configuration, back to back: its spread is the machine's noise."""
    if not isinstance(times, int) or times < 2:
        raise AccelkitError(f"times must be a whole number of at least 2 (got {times!r}).")
    return [measure(builder, **measure_kwargs) for _ in range(times)]
