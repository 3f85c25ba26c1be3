"""The bilingual (English / 한국어) interview bank and its spaced-repetition drill (notebook 08).

The bank is ``data/interview/<topic>.yaml``: each question has a model answer, common wrong
answers, a follow-up, a difficulty (1-3) and the notebook that teaches it. The drill orders
questions by when each is next due: you rate your own answer 0-3 (again / hard / good / easy)
and the interval until you see it again grows with good ratings, SM-2 style.
"""
from __future__ import annotations

import html
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import data_dir
from ..core.banks import bilingual, fail, load_yaml, require, require_bilingual, unique_ids
from ..errors import AccelkitError
from . import progress

__all__ = ["NOTEBOOKS", "LANGS", "RATINGS", "InterviewQuestion", "bank_dir", "load_bank", "next_interval_days",
           "Drill", "DrillView"]

NOTEBOOKS = ("00-setup-and-hardware", "01-execution-providers", "02-graph-optimizations",
             "03-openvino-ir-conversion", "04-quantization", "05-auto-vs-hetero", "06-io-binding",
             "07-capstone-deployment", "08-interview-drill")
LANGS = ("en", "ko")
RATINGS = {0: "again", 1: "hard", 2: "good", 3: "easy"}
DAY_S = 86400.0


@dataclass(frozen=True)
class InterviewQuestion:
    id: str
    topic: str
    difficulty: int
    teaches: str
    question: dict[str, str]
    answer: dict[str, str]
    wrong_answers: tuple[dict[str, str], ...]
    follow_up: dict[str, str]


def bank_dir() -> Path:
    return data_dir() / "interview"


def _load_file(path: Path, seen: dict) -> tuple[str, list[InterviewQuestion]]:
    raw = load_yaml(path)
    topic = require(path, raw, "topic", str)
    if topic != path.stem:
        raise fail(path, raw, f"topic {topic!r} must equal the file name {path.stem!r}.")
    require_bilingual(path, raw, "title")
    items = require(path, raw, "questions", list)
    unique_ids(path, items, seen)
    out = []
    for q in items:
        difficulty = require(path, q, "difficulty", int)
        if difficulty not in (1, 2, 3):
            raise fail(path, q, f"difficulty must be 1, 2 or 3, not {difficulty}.")
        if require(path, q, "teaches", str) not in NOTEBOOKS:
            raise fail(path, q, f"teaches must name a notebook ({', '.join(NOTEBOOKS)}), not {q['teaches']!r}.")
        wrong = [bilingual(path, q, w, "wrong_answers") for w in require(path, q, "wrong_answers", list)]
        out.append(InterviewQuestion(q["id"], topic, difficulty, q["teaches"], require_bilingual(path, q, "question"),
                                     require_bilingual(path, q, "answer"), tuple(wrong),
                                     require_bilingual(path, q, "follow_up")))
    return topic, out


def load_bank(folder: Path | None = None) -> list[InterviewQuestion]:
    """Every question of every topic file, validated; ids are unique across files."""
    folder = folder or bank_dir()
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise AccelkitError(f"no interview bank files in {folder}.")
    seen: dict = {}
    return [q for path in files for q in _load_file(path, seen)[1]]


def next_interval_days(rating: int, reps: int, interval: float) -> float:
    """SM-2-like: 'again' repeats within minutes; otherwise the interval grows with the rating."""
    if rating == 0:
        return 0.007  # about ten minutes
    if reps == 0:
        return {1: 1.0, 2: 1.0, 3: 3.0}[rating]
    return max(1.0, interval * {1: 1.2, 2: 2.5, 3: 3.5}[rating])


class Drill:
    """Questions filtered by topic/difficulty, in spaced-repetition order from your progress."""

    def __init__(self, topic: str | None = None, difficulty: int | None = None, lang: str = "en",
                 bank: list[InterviewQuestion] | None = None) -> None:
        if lang not in LANGS:
            raise AccelkitError(f"unknown language {lang!r}; use 'en' or 'ko'.")
        bank = bank if bank is not None else load_bank()
        topics = sorted({q.topic for q in bank})
        if topic is not None and topic not in topics:
            raise AccelkitError(f"unknown topic {topic!r}; topics: {', '.join(topics)}.")
        if difficulty is not None and difficulty not in (1, 2, 3):
            raise AccelkitError("difficulty must be 1 (easy), 2 (medium) or 3 (hard).")
        self.lang, self.topics = lang, topics
        self.questions = [q for q in bank if (topic is None or q.topic == topic)
                          and (difficulty is None or q.difficulty == difficulty)]
        self._by_id = {q.id: q for q in self.questions}

    def order(self, now: float | None = None) -> list[InterviewQuestion]:
        """Due questions first (most overdue first), then unseen (easy first), then the rest."""
        now = time.time() if now is None else now
        state = progress.load()["drill"]

        def key(q: InterviewQuestion):
            due = state.get(q.id, {}).get("due")
            if due is None:
                return (1, q.difficulty, 0.0, q.id)
            return (0 if due <= now else 2, 0, due, q.id)

        return sorted(self.questions, key=key)

    def next(self) -> InterviewQuestion | None:
        """The question to practise now, or None when the filters leave none."""
        order = self.order()
        return order[0] if order else None

    def card(self, qid: str, reveal: bool = False) -> str:
        """The question (and, with ``reveal``, the model answer, wrong answers and follow-up)."""
        q = self._by_id.get(qid)
        if q is None:
            return f"there is no question {qid!r} in this drill; ids: {', '.join(self._by_id)}."
        lang = self.lang
        stars = "★" * q.difficulty + "☆" * (3 - q.difficulty)
        lines = [f"[{q.id}] {stars} {q.topic} — taught in {q.teaches}", f"Q: {q.question[lang]}"]
        if reveal:
            lines.append(f"A: {q.answer[lang]}")
            lines += [f"✘ {w[lang]}" for w in q.wrong_answers]
            lines.append(f"→ follow-up: {q.follow_up[lang]}")
        return "\n".join(lines)

    def rate(self, qid: str, rating: int | str) -> str:
        """Record how well you answered (0 again, 1 hard, 2 good, 3 easy); says when it is due next."""
        if qid not in self._by_id:
            return f"there is no question {qid!r} in this drill; ids: {', '.join(self._by_id)}."
        try:
            rating = int(rating)
            if rating not in RATINGS:
                raise ValueError
        except (TypeError, ValueError):
            return "rate with a number: 0 (again), 1 (hard), 2 (good) or 3 (easy)."

        def change(data: dict) -> None:
            entry = data["drill"].setdefault(qid, {"reps": 0, "interval_days": 0.0})
            interval = next_interval_days(rating, entry["reps"], entry["interval_days"])
            entry.update(rating=rating, reps=entry["reps"] + 1, interval_days=interval,
                         due=time.time() + interval * DAY_S)

        interval = progress.update(change)["drill"][qid]["interval_days"]
        return f"[{qid}] rated {RATINGS[rating]}: next review in {interval:.2g} day(s)."

    def text(self, limit: int = 5) -> str:
        """The first ``limit`` questions in drill order, questions only (deterministic for a given progress)."""
        order = self.order()
        head = f"Interview drill · {len(order)} questions · language {self.lang}"
        if not order:
            return head + "\n\nNo question matches these filters: choose another topic or difficulty."
        return "\n\n".join([head] + [self.card(q.id) for q in order[:limit]])

    def __repr__(self) -> str:
        return self.text()

    def show(self):

        return DrillView(self)


# ---------------------------------------------------------------- the JupyterLab view
# The drill's ipywidgets card (notebook 08): filters, your answer, reveal, self-rating.
# Its plain-text fallback is the drill's deterministic text.

class DrillView:
    def __init__(self, drill: Drill) -> None:
        import ipywidgets as w

        self.drill = drill
        self.topic = w.Dropdown(options=[("all topics", None)] + [(t, t) for t in drill.topics], description="topic")
        self.level = w.Dropdown(options=[("any", None), ("1 easy", 1), ("2 medium", 2), ("3 hard", 3)],
                                description="difficulty")
        self.lang = w.ToggleButtons(options=[("English", "en"), ("한국어", "ko")], value=drill.lang)
        self.card = w.HTML()
        self.typed = w.Textarea(placeholder="think, or type your answer here, then reveal", layout=w.Layout(width="100%"))
        reveal = w.Button(description="Reveal answer", button_style="info")
        # Rating comes after the model answer: the buttons stay disabled until the card is revealed.
        self.rates = [w.Button(description=f"{n} {name}", disabled=True) for n, name in RATINGS.items()]
        rates = self.rates
        self.status = w.HTML()
        reveal.on_click(lambda _: self._render(reveal=True))
        for n, button in enumerate(rates):
            button.on_click(lambda _, n=n: self._rate(n))
        for control in (self.topic, self.level, self.lang):
            control.observe(lambda _: self._refilter(), names="value")
        self.box = w.VBox([w.HBox([self.topic, self.level]), self.lang, self.card, self.typed,
                           w.HBox([reveal, *rates]), self.status])
        self.current = drill.next()
        self._render()

    def _refilter(self) -> None:
        self.drill = Drill(self.topic.value, self.level.value, self.lang.value)
        self.current = self.drill.next()
        self._render()

    def _render(self, reveal: bool = False) -> None:
        text = self.drill.card(self.current.id, reveal) if self.current else "no questions match these filters."
        self.card.value = f"<pre style='white-space:pre-wrap;font-size:1.05em'>{html.escape(text)}</pre>"
        for button in self.rates:
            button.disabled = not (reveal and self.current is not None)

    def _rate(self, rating: int) -> None:
        if self.current is None or self.rates[rating].disabled:  # not revealed yet: a rating would be a guess
            return
        self.status.value = html.escape(self.drill.rate(self.current.id, rating))
        self.current, self.typed.value = self.drill.next(), ""
        self._render()

    def _repr_mimebundle_(self, **kwargs) -> dict[str, Any]:
        bundle = self.box._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = self.drill.text()
        return bundle
