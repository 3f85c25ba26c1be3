"""Quizzes at the end of each notebook: YAML banks in ``data/quizzes/<notebook>.yaml``.

Question types: ``single`` (one option), ``multi`` (a set of options), ``numeric`` (a value with
an absolute ``tolerance`` or relative ``rel_tolerance``; ``measured: key`` takes the expected
value from the learner's own measurement) and ``text`` (short text matched by ``accept``
regular expressions, with an ``example`` answer that must match). Every option carries an
explanation, shown after answering.

In JupyterLab ``quiz.show()`` is an ipywidgets form; headless (nbval, ``make run``) the same
object prints a deterministic text form, and ``quiz.answer(id, value)`` answers in code.
"""
from __future__ import annotations

import html
import math
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import data_dir
from ..core.banks import fail, load_yaml, require, unique_ids
from ..errors import AccelkitError
from . import progress

__all__ = ["TYPES", "LETTERS", "Question", "Feedback", "bank_path", "load_bank", "Quiz", "load_quiz", "QuizView"]

TYPES = ("single", "multi", "numeric", "text")
LETTERS = "abcdefghij"


@dataclass
class Question:
    id: str
    type: str
    prompt: str
    explanation: str
    options: list[dict[str, Any]] = field(default_factory=list)  # {text, correct, explanation}
    answer: float | None = None
    measured: str | None = None
    tolerance: float | None = None
    rel_tolerance: float | None = None
    accept: list[str] = field(default_factory=list)
    example: str = ""

    def correct_letters(self) -> list[str]:
        return [LETTERS[i] for i, o in enumerate(self.options) if o["correct"]]


@dataclass
class Feedback:
    """The verdict on one answer. ``correct`` is None when the answer could not be read."""

    qid: str
    correct: bool | None
    message: str
    explanation: str = ""

    def __str__(self) -> str:
        mark = {True: "✔ correct", False: "✘ not quite", None: "? could not read the answer"}[self.correct]
        return f"[{self.qid}] {mark}: {self.message}" + (f"\n  why: {self.explanation}" if self.explanation else "")

    __repr__ = __str__


def _question(path: Path, q: dict, salt: int = 0) -> Question:
    qtype = require(path, q, "type", str)
    if qtype not in TYPES:
        raise fail(path, q, f"type must be one of {', '.join(TYPES)}, not {qtype!r}.")
    out = Question(id=q["id"], type=qtype, prompt=require(path, q, "prompt", str).strip(),
                   explanation=require(path, q, "explanation", str).strip())
    if qtype in ("single", "multi"):
        for opt in require(path, q, "options", list):
            if not isinstance(opt, dict) or not isinstance(opt.get("text"), str) or not isinstance(opt.get("explanation"), str):
                raise fail(path, q, "every option needs 'text' and 'explanation' strings.")
            if not isinstance(opt.get("correct", False), bool):
                raise fail(path, q, f"'correct' must be true or false, not {opt['correct']!r}.")
            out.options.append({"text": opt["text"].strip(), "correct": opt.get("correct", False),
                                "explanation": opt["explanation"].strip()})
        # The bank's order would teach a pattern (the answer is often b): options are shown in an order
        # seeded by the question id (and the bank's shuffle_seed), the same on every machine and run,
        # and letters are given after shuffling.
        random.Random(f"{salt}:{out.id}").shuffle(out.options)
        n_correct = len(out.correct_letters())
        if (qtype == "single" and n_correct != 1) or n_correct == 0 or len(out.options) > len(LETTERS):
            raise fail(path, q, f"a {qtype} question needs {'exactly one' if qtype == 'single' else 'at least one'} "
                                f"correct option (found {n_correct}) and at most {len(LETTERS)} options.")
    elif qtype == "numeric":
        out.answer, out.measured = q.get("answer"), q.get("measured")
        out.tolerance, out.rel_tolerance = q.get("tolerance"), q.get("rel_tolerance")
        if (out.answer is None) == (out.measured is None):
            raise fail(path, q, "a numeric question needs exactly one of 'answer' or 'measured'.")
        if out.tolerance is None and out.rel_tolerance is None:
            raise fail(path, q, "a numeric question needs 'tolerance' or 'rel_tolerance'.")
        for key in ("answer", "tolerance", "rel_tolerance"):
            value = getattr(out, key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
                raise fail(path, q, f"{key!r} must be a non-negative number, not {value!r}.")
    else:
        out.accept = [str(a) for a in require(path, q, "accept", list)]
        out.example = require(path, q, "example", str)
        for pattern in out.accept:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise fail(path, q, f"accept pattern {pattern!r} is not a valid regular expression ({exc}).") from None
        if not any(re.search(p, out.example, re.IGNORECASE) for p in out.accept):
            raise fail(path, q, f"the example answer {out.example!r} matches none of the accept patterns.")
    return out


def bank_path(notebook: str) -> Path:
    return data_dir() / "quizzes" / f"{notebook}.yaml"


def load_bank(path: Path) -> tuple[str, str, list[Question]]:
    """(notebook, title, questions) of one bank file, validated."""
    raw = load_yaml(path)
    notebook, title = require(path, raw, "notebook", str), require(path, raw, "title", str)
    items = require(path, raw, "questions", list)
    unique_ids(path, items)
    salt = raw.get("shuffle_seed", 0)
    if isinstance(salt, bool) or not isinstance(salt, int):
        raise AccelkitError(f"{path}: shuffle_seed must be a whole number, not {salt!r}.")
    return notebook, title, [_question(path, q, salt) for q in items]


class Quiz:
    """One notebook's quiz: answer in code or through ``show()``; answers go to progress."""

    def __init__(self, notebook: str, title: str, questions: list[Question], measured: dict[str, float] | None = None,
                 record: bool = True) -> None:
        self.notebook, self.title, self.questions = notebook, title, questions
        self.measured, self.record = dict(measured or {}), record
        self._by_id = {q.id: q for q in questions}

    # ------------------------------------------------------------ answering
    def answer(self, qid: str, value: Any) -> Feedback:
        """Check ``value`` for question ``qid``; never raises for a learner's input."""
        if qid not in self._by_id:
            return Feedback(qid, None, f"there is no question {qid!r} here; valid ids: {', '.join(self._by_id)}.")
        q = self._by_id[qid]
        feedback = getattr(self, f"_check_{q.type}")(q, value)
        if self.record and feedback.correct is not None:
            progress.record_quiz(self.notebook, qid, value if isinstance(value, (int, float, str)) else str(value),
                                 feedback.correct)
        return feedback

    def _letters(self, q: Question, value: Any) -> list[str] | None:
        items = value if isinstance(value, (list, tuple, set)) else re.split(r"[\s,]+", str(value).strip())
        letters = sorted({str(v).strip().lower() for v in items if str(v).strip()})
        valid = LETTERS[: len(q.options)]
        return letters if letters and all(len(x) == 1 and x in valid for x in letters) else None

    def _check_single(self, q: Question, value: Any) -> Feedback:
        letters = self._letters(q, value)
        valid = ", ".join(LETTERS[: len(q.options)])
        if letters is None or len(letters) != 1:
            return Feedback(q.id, None, f"answer with one option letter: {valid}.")
        opt = q.options[LETTERS.index(letters[0])]
        return Feedback(q.id, opt["correct"], opt["explanation"], q.explanation if opt["correct"] else "")

    def _check_multi(self, q: Question, value: Any) -> Feedback:
        letters = self._letters(q, value)
        if letters is None:
            return Feedback(q.id, None, f"answer with option letters, e.g. 'a, c' (valid: {', '.join(LETTERS[:len(q.options)])}).")
        notes = " ".join(f"{x}) {q.options[LETTERS.index(x)]['explanation']}" for x in letters)
        ok = letters == q.correct_letters()
        missing = "" if ok else f" (you chose {len(letters)}; {len(q.correct_letters())} are correct)"
        return Feedback(q.id, ok, notes + missing, q.explanation if ok else "")

    def expected(self, q: Question) -> float | None:
        return q.answer if q.measured is None else self.measured.get(q.measured)

    def _check_numeric(self, q: Question, value: Any) -> Feedback:
        try:
            number = float(str(value).strip().rstrip("x×%").replace(",", ""))
            if math.isnan(number):
                raise ValueError
        except ValueError:
            return Feedback(q.id, None, "expected a number, e.g. 2.5.")
        target = self.expected(q)
        if target is None:
            return Feedback(q.id, None, f"run the measurement cell above first: this question uses your measured "
                                        f"{q.measured!r}.")
        allowed = max(q.tolerance or 0.0, (q.rel_tolerance or 0.0) * abs(target))
        if abs(number - target) <= allowed:
            return Feedback(q.id, True, f"{number:g} is within ± {allowed:.2g} of {target:.3g}.", q.explanation)
        direction = "too high" if number > target else "too low"
        return Feedback(q.id, False, f"{number:g} is {direction}; try again, or reveal the answer.")

    def _check_text(self, q: Question, value: Any) -> Feedback:
        if not isinstance(value, str) or not value.strip():
            return Feedback(q.id, None, "expected a short text answer.")
        text = " ".join(value.lower().split())
        ok = any(re.search(p, text, re.IGNORECASE) for p in q.accept)
        return Feedback(q.id, ok, "that matches the expected answer." if ok else "that is not the answer we look for.",
                        q.explanation)

    # ------------------------------------------------------------ showing
    def reveal(self, qid: str) -> str:
        """The correct answer and its explanation."""
        q = self._by_id.get(qid)
        if q is None:
            return f"there is no question {qid!r}; valid ids: {', '.join(self._by_id)}."
        if q.type in ("single", "multi"):
            right = ", ".join(q.correct_letters())
        elif q.type == "numeric":
            target = self.expected(q)
            right = f"{target:.3g}" if target is not None else f"your measured {q.measured!r}"
        else:
            right = repr(q.example)
        return f"[{qid}] answer: {right}. {q.explanation}"

    def score(self) -> tuple[int, int]:
        """(correct, total) from the learner's saved answers for this notebook."""
        saved = progress.load()["quizzes"].get(self.notebook, {})
        return sum(bool(saved.get(q.id, {}).get("correct")) for q in self.questions), len(self.questions)

    def text(self) -> str:
        """A deterministic plain-text rendering (what nbval compares)."""
        lines = [f"Quiz · {self.title} ({len(self.questions)} questions)"]
        for n, q in enumerate(self.questions, 1):
            kind = {"single": "choose one", "multi": "choose all that apply", "numeric": "a number",
                    "text": "a short answer"}[q.type]
            lines.append(f"\n{n}. [{q.id}] {q.prompt} ({kind})")
            lines += [f"   {LETTERS[i]}) {o['text']}" for i, o in enumerate(q.options)]
        lines.append("\nAnswer in code with quiz.answer('<id>', <answer>), or interactively with quiz.show().")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.text()

    def show(self):
        """The interactive form in JupyterLab (plain text elsewhere)."""

        return QuizView(self)


def load_quiz(notebook: str, measured: dict[str, float] | None = None, *, record: bool = True) -> Quiz:
    """The quiz for ``notebook`` (e.g. '00-setup-and-hardware'); ``measured`` feeds numeric
    questions that compare against the learner's own measurements."""
    path = bank_path(notebook)
    if not path.is_file():
        known = sorted(p.stem for p in path.parent.glob("*.yaml"))
        raise AccelkitError(f"there is no quiz for {notebook!r}; quizzes exist for: {', '.join(known) or 'none'}.")
    nb, title, questions = load_bank(path)
    return Quiz(nb, title, questions, measured, record=record)


# ---------------------------------------------------------------- the JupyterLab view
# The ipywidgets form of a quiz (JupyterLab). Its plain-text fallback is the quiz's deterministic
# text, so headless runs and nbval see the same output every time.

class QuizView:
    """One card per question (input, Submit, Reveal, feedback) and a running score line."""

    def __init__(self, quiz: Quiz) -> None:
        import ipywidgets as w

        self.quiz = quiz
        self.score = w.HTML()
        self.cards = [self._card(q) for q in quiz.questions]
        self.box = w.VBox([w.HTML(f"<h3>Quiz · {html.escape(quiz.title)}</h3>"), *self.cards, self.score])
        self._update_score()

    def _input(self, q: Question):
        import ipywidgets as w

        labels = [(f"{LETTERS[i]}) {o['text']}", LETTERS[i]) for i, o in enumerate(q.options)]
        if q.type == "single":
            return w.RadioButtons(options=labels, value=None, layout=w.Layout(width="auto"))
        if q.type == "multi":  # a Checkbox's own description is cut at one line: show each option beside it, wrapped
            return w.VBox([w.HBox([w.Checkbox(value=False, indent=False, layout=w.Layout(width="28px")),
                                   w.HTML(f"<span style='white-space:normal'>{html.escape(text)}</span>")],
                                  layout=w.Layout(align_items="flex-start")) for text, _ in labels])
        return w.Text(placeholder="a number, e.g. 2.5" if q.type == "numeric" else "your answer")

    def _value(self, q: Question, widget) -> Any:
        if q.type == "multi":
            return [LETTERS[i] for i, row in enumerate(widget.children) if row.children[0].value]
        return widget.value if widget.value is not None else ""

    def _card(self, q: Question):
        import ipywidgets as w

        widget, out = self._input(q), w.HTML()
        submit, reveal = w.Button(description="Submit", button_style="primary"), w.Button(description="Reveal")

        def on_submit(_):
            fb = self.quiz.answer(q.id, self._value(q, widget))
            color = {True: "green", False: "#b00", None: "#a60"}[fb.correct]
            out.value = f"<pre style='color:{color};white-space:pre-wrap'>{html.escape(str(fb))}</pre>"
            self._update_score()

        def on_reveal(_):
            out.value = f"<pre style='white-space:pre-wrap'>{html.escape(self.quiz.reveal(q.id))}</pre>"

        submit.on_click(on_submit)
        reveal.on_click(on_reveal)
        prompt = w.HTML(f"<b>[{html.escape(q.id)}]</b> {html.escape(q.prompt)}")
        return w.VBox([prompt, widget, w.HBox([submit, reveal]), out],
                      layout=w.Layout(border="1px solid #ddd", padding="6px", margin="4px 0"))

    def _update_score(self) -> None:
        correct, total = self.quiz.score()
        self.score.value = f"<b>{correct}/{total} correct</b>"

    def _repr_mimebundle_(self, **kwargs) -> dict[str, Any]:
        bundle = self.box._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = self.quiz.text()
        return bundle
