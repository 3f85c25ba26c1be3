"""Quizzes at the end of each notebook: YAML banks in ``data/quizzes/<notebook>.yaml``.

Question types: ``single`` (one option), ``multi`` (a set of options), ``numeric`` (a fixed
``answer`` with an absolute ``tolerance`` or relative ``rel_tolerance``), ``text`` (short text that
one of the ``accept`` regular expressions must match as a whole, with an ``example`` answer that
does) and ``predict``: a prediction of the learner's own measurement ``measured: key``, asked
before the measuring cell (``ask_before`` names the section). A prediction is a number (with
``tolerance`` / ``rel_tolerance`` and an optional ``unit``) or one of ordered ``choices``, ranges
whose upper bounds are ``below: x`` (the last has none). Every option carries an explanation.

In JupyterLab ``quiz.show()`` is an ipywidgets form; headless (nbval, ``make run``) the same
object prints a deterministic text form, and ``quiz.answer(id, value)`` answers in code.
Predictions: ``quiz.predict(id)`` is the form before the measuring cell (``quiz.predict(id, value)``
in code); ``quiz.compare(id, measured)`` after it shows the prediction beside the measurement
and records the verdict as the item's answer. They are saved under ``predictions`` in progress.
"""
from __future__ import annotations

import html
import math
import numbers
import random
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import data_dir
from ..core.banks import fail, load_yaml, require, unique_ids
from ..errors import AccelkitError
from . import progress

__all__ = ["TYPES", "LETTERS", "Question", "Feedback", "Prediction", "bank_path", "load_bank", "Quiz", "load_quiz",
           "QuizView", "PredictView"]

TYPES = ("single", "multi", "numeric", "text", "predict")
LETTERS = "abcdefghij"


@dataclass
class Question:
    id: str
    type: str
    prompt: str
    explanation: str
    options: list[dict[str, Any]] = field(default_factory=list)  # {text, correct, explanation}; predict: {text, below}
    answer: float | None = None
    measured: str | None = None          # predict: the key of the learner's measurement
    ask_before: str = ""                 # predict: the section whose measuring cell it precedes
    unit: str = ""                       # predict: shown after numbers ("x", "ms", "FPS")
    tolerance: float | None = None
    rel_tolerance: float | None = None
    accept: list[str] = field(default_factory=list)
    example: str = ""

    def correct_letters(self) -> list[str]:
        return [LETTERS[i] for i, o in enumerate(self.options) if o.get("correct")]

    def show(self, number: float) -> str:
        """A number with this question's unit: 1.62x, 9.4 ms."""
        return f"{number:.3g}{'' if self.unit in ('', 'x', '%') else ' '}{self.unit}"

    def bin_of(self, number: float) -> str:
        """The letter of the range (choices) that holds ``number``."""
        return next(LETTERS[i] for i, o in enumerate(self.options) if o["below"] is None or number < o["below"])


@dataclass
class Feedback:
    """The verdict on one answer. ``correct`` is None when the answer could not be read."""

    qid: str
    correct: bool | None
    message: str
    explanation: str = ""
    mark: str = ""          # instead of the verdict mark, e.g. "no prediction"

    def __str__(self) -> str:
        mark = self.mark or {True: "✔ correct", False: "✘ not quite", None: "? could not read the answer"}[self.correct]
        return f"[{self.qid}] {mark}: {self.message}" + (f"\n  why: {self.explanation}" if self.explanation else "")

    __repr__ = __str__


@dataclass
class Prediction:
    """What ``quiz.predict(id, value)`` saved; ``value`` is None when the prediction could not be read."""

    qid: str
    value: float | str | None
    message: str

    @property
    def saved(self) -> bool:
        return self.value is not None

    def __str__(self) -> str:
        return f"[{self.qid}] {self.message}"

    __repr__ = __str__


def _number(value: Any, unit: str = "") -> float | None:
    """A learner's number ('2.5', '1.6x', '1,200', '9 ms'); None unless it is a finite number."""
    text = str(value).strip().lower()
    if unit and text.endswith(unit.lower()):
        text = text[: -len(unit)].strip()
    try:
        number = float(text.rstrip("x×%").replace(",", ""))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _measurement(value: Any) -> float | None:
    """A measured value (a Python or numpy number, not text or a bool) as a float; None unless finite."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(float(value))
    return float(value) if ok else None


def _normalized(answer: str) -> str:
    """A text answer as ``accept`` patterns see it: lower case, single spaces, no quotes or end stop."""
    return " ".join(answer.lower().split()).strip(" .`'\"")


def _tolerances(path: Path, q: dict, out: Question) -> None:
    out.tolerance, out.rel_tolerance = q.get("tolerance"), q.get("rel_tolerance")
    if out.tolerance is None and out.rel_tolerance is None:
        raise fail(path, q, f"a {out.type} question needs 'tolerance' or 'rel_tolerance'.")
    for key in ("answer", "tolerance", "rel_tolerance"):
        value = getattr(out, key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
            raise fail(path, q, f"{key!r} must be a non-negative number, not {value!r}.")


def _predict(path: Path, q: dict, out: Question) -> None:
    out.measured, out.ask_before = require(path, q, "measured", str), require(path, q, "ask_before", str)
    out.unit = q.get("unit", "")
    if not isinstance(out.unit, str):
        raise fail(path, q, f"'unit' must be text, e.g. ms, not {out.unit!r}.")
    choices = q.get("choices")
    if choices is None:
        _tolerances(path, q, out)
        return
    if not isinstance(choices, list) or not 2 <= len(choices) <= len(LETTERS) or not all(
            isinstance(c, dict) and isinstance(c.get("text"), str) for c in choices):
        raise fail(path, q, f"'choices' must be 2 to {len(LETTERS)} ranges, each with a 'text'.")
    bounds = [c.get("below") for c in choices]
    numbers = bounds[:-1]
    if bounds[-1] is not None or not all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in numbers) \
            or numbers != sorted(set(numbers)):
        raise fail(path, q, "every choice but the last needs 'below: <number>', increasing; the last has none.")
    if "tolerance" in q or "rel_tolerance" in q:
        raise fail(path, q, "a prediction has either 'choices' or a tolerance, not both.")
    out.options = [{"text": c["text"].strip(), "below": c.get("below")} for c in choices]   # ordered ranges: never shuffled


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
        if "measured" in q:
            raise fail(path, q, "a numeric question has a fixed 'answer'; to ask about the learner's own measurement, "
                                "make it a 'predict' question, asked before the measuring cell.")
        out.answer = q.get("answer")
        if out.answer is None:
            raise fail(path, q, "a numeric question needs an 'answer'.")
        _tolerances(path, q, out)
    elif qtype == "predict":
        _predict(path, q, out)
    else:
        out.accept = [str(a) for a in require(path, q, "accept", list)]
        out.example = require(path, q, "example", str)
        for pattern in out.accept:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise fail(path, q, f"accept pattern {pattern!r} is not a valid regular expression ({exc}).") from None
        if not any(re.fullmatch(p, _normalized(out.example), re.IGNORECASE) for p in out.accept):
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
        self._predictions: dict[str, float | str] = {}    # made through this object (the only ones when record=False)

    # ------------------------------------------------------------ answering
    def answer(self, qid: str, value: Any) -> Feedback:
        """Check ``value`` for question ``qid``; never raises for a learner's input."""
        if qid not in self._by_id:
            return Feedback(qid, None, f"there is no question {qid!r} here; valid ids: {', '.join(self._by_id)}.")
        q = self._by_id[qid]
        if q.type == "predict":   # answered before the measurement, never after it
            return Feedback(qid, None, f"asked before {q.ask_before}, so make it there with quiz.predict('{qid}', ...) "
                                       f"before the measurement runs; quiz.compare shows the result.", mark="a prediction")
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
        """A numeric question's answer; a prediction's measured value (None until it is measured)."""
        if q.type != "predict":
            return q.answer
        return _measurement(self.measured.get(q.measured or ""))

    def _check_numeric(self, q: Question, value: Any) -> Feedback:
        number, target = _number(value), q.answer
        if number is None:
            return Feedback(q.id, None, "expected a number, e.g. 2.5.")
        assert target is not None                      # load_bank requires it
        allowed = max(q.tolerance or 0.0, (q.rel_tolerance or 0.0) * abs(target))
        if abs(number - target) <= allowed:
            return Feedback(q.id, True, f"{number:g} is within ± {allowed:.2g} of {target:.3g}.", q.explanation)
        direction = "too high" if number > target else "too low"
        return Feedback(q.id, False, f"{number:g} is {direction}; try again, or reveal the answer.")

    def _check_text(self, q: Question, value: Any) -> Feedback:
        if not isinstance(value, str) or not value.strip():
            return Feedback(q.id, None, "expected a short text answer.")
        ok = any(re.fullmatch(p, _normalized(value), re.IGNORECASE) for p in q.accept)
        return Feedback(q.id, ok, "that matches the expected answer." if ok else "that is not the answer we look for.",
                        q.explanation)

    # ------------------------------------------------------------ predictions (before the measuring cell)
    def _prediction_item(self, qid: str) -> Question | str:
        q = self._by_id.get(qid)
        if q is not None and q.type == "predict":
            return q
        known = ", ".join(p.id for p in self.questions if p.type == "predict") or "none"
        what = f"{qid!r} is not a prediction (answer it with quiz.answer)" if q else f"there is no question {qid!r} here"
        return f"{what}; predictions in this quiz: {known}."

    def _read_prediction(self, q: Question, value: Any) -> float | str | None:
        if q.options:
            letter = str(value).strip().lower().rstrip(")")
            return letter if len(letter) == 1 and letter in LETTERS[: len(q.options)] else None
        number = _number(value, q.unit)
        return number if number is not None and number >= 0 else None

    def predict(self, qid: str, value: Any = None) -> PredictView | Prediction:
        """The form for prediction ``qid`` (plain text headless); with ``value``, save that prediction."""
        q = self._prediction_item(qid)
        if isinstance(q, str):
            return Prediction(qid, None, q)
        if value is None:
            return PredictView(self, q)
        guess = self._read_prediction(q, value)
        if guess is None:
            need = f"one letter: {', '.join(LETTERS[:len(q.options)])}" if q.options else "a number of 0 or more, e.g. 1.5"
            return Prediction(qid, None, f"could not read {value!r} as a prediction; expected {need}. Nothing was saved.")
        self._predictions[qid] = guess
        if self.record:
            def change(data: dict[str, Any]) -> None:
                saved = data.setdefault("predictions", {})
                if not isinstance(saved, dict):          # damaged by hand: start the section again
                    saved = data["predictions"] = {}
                mine = saved.setdefault(self.notebook, {})
                if not isinstance(mine, dict):
                    mine = saved[self.notebook] = {}
                mine[qid] = {"value": guess, "time": time.time()}
            progress.update(change)
        return Prediction(qid, guess, f"prediction saved: {self._shown(q, guess)}. Now run the measurement; the cell "
                                      f"after it puts your prediction beside what this machine measured.")

    def prediction(self, qid: str) -> float | str | None:
        """The learner's saved prediction for ``qid`` (None if there is none, or it is unreadable)."""
        q = self._by_id.get(qid)
        if q is None or q.type != "predict":
            return None
        if qid in self._predictions:
            return self._predictions[qid]
        if not self.record:
            return None
        saved = progress.load().get("predictions")
        mine = saved.get(self.notebook) if isinstance(saved, dict) else None
        entry = mine.get(qid) if isinstance(mine, dict) else None
        value = entry.get("value") if isinstance(entry, dict) else None
        return None if value is None or isinstance(value, bool) else self._read_prediction(q, value)

    def _shown(self, q: Question, guess: float | str) -> str:
        if isinstance(guess, str):
            return f"{guess}) {q.options[LETTERS.index(guess)]['text']}"
        return q.show(guess)

    def _verdict(self, q: Question, guess: float | str, measured: float) -> tuple[bool, str]:
        """(right?, one sentence) for a prediction against a measurement."""
        said = f"you predicted {self._shown(q, guess)}; measured {q.show(measured)}"
        if isinstance(guess, str):
            letter = q.bin_of(measured)
            ok = guess == letter
            return ok, said + (", in that range." if ok else f", which is {self._shown(q, letter)}.")
        allowed = max(q.tolerance or 0.0, (q.rel_tolerance or 0.0) * abs(measured))
        band = f"± {q.rel_tolerance:.0%}" if q.rel_tolerance else f"± {q.show(q.tolerance or 0.0)}"
        if abs(guess - measured) <= allowed:
            return True, f"{said}: within the {band} that counts as right."
        off = f"{abs(guess - measured) / abs(measured):.0%} {'above' if guess > measured else 'below'} it, " if measured else ""
        return False, f"{said}: {off}outside the {band} that counts as right."

    def compare(self, qid: str, measured: Any) -> Feedback:
        """Your prediction beside the measurement, with the explanation; the verdict is saved as the answer."""
        q = self._prediction_item(qid)
        if isinstance(q, str):
            return Feedback(qid, None, q)
        number = _measurement(measured)
        if number is None:
            return Feedback(qid, None, f"the measurement {measured!r} is not a finite number: run the measuring cell "
                                       f"above again.", mark="no measurement")
        guess = self.prediction(qid)
        if guess is None:
            shown = q.show(number) + (f", in {self._shown(q, q.bin_of(number))}" if q.options else "")
            return Feedback(qid, None, f"measured {shown}. You made no prediction: next time, predict before the "
                                       f"measuring cell with quiz.predict('{qid}', ...).", q.explanation, mark="no prediction")
        ok, message = self._verdict(q, guess, number)
        if self.record:
            progress.record_quiz(self.notebook, qid, guess, ok)
        return Feedback(qid, ok, message, q.explanation)

    def predict_text(self, q: Question) -> str:
        """The deterministic plain text of a prediction's form (the same whether or not one was saved)."""
        lines = [f"Predict · [{q.id}] {q.prompt} ({self._kind(q)})"]
        lines += [f"   {LETTERS[i]}) {o['text']}" for i, o in enumerate(q.options)]
        example = "'<letter>'" if q.options else "<number>"
        lines.append(f"Predict before running the next cell: in the form, or in code with quiz.predict('{q.id}', {example}).")
        return "\n".join(lines)

    def prediction_status(self, q: Question) -> str:
        """For the end-of-notebook quiz: the saved prediction beside the measurement (nothing is recorded)."""
        guess, measured = self.prediction(q.id), self.expected(q)
        if guess is None:
            return f"No prediction was saved before {q.ask_before}; make one there before you run the measurement."
        if measured is None:
            return f"Your prediction: {self._shown(q, guess)}; the measurement in {q.ask_before} has not run yet."
        ok, message = self._verdict(q, guess, measured)
        return f"{'✔ right' if ok else '✘ not quite'}: {message}"

    # ------------------------------------------------------------ showing
    def reveal(self, qid: str) -> str:
        """The correct answer and its explanation."""
        q = self._by_id.get(qid)
        if q is None:
            return f"there is no question {qid!r}; valid ids: {', '.join(self._by_id)}."
        if q.type in ("single", "multi"):
            right = ", ".join(q.correct_letters())
        elif q.type == "numeric":
            right = f"{q.answer:.3g}"
        elif q.type == "predict":
            measured = self.expected(q)
            right = (f"your measurement from {q.ask_before}, not made yet" if measured is None else
                     f"measured {q.show(measured)}" + (f", choice {q.bin_of(measured)}" if q.options else ""))
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
            kind = f"a prediction, made before {q.ask_before}" if q.type == "predict" else self._kind(q)
            lines.append(f"\n{n}. [{q.id}] {q.prompt} ({kind})")
            lines += [f"   {LETTERS[i]}) {o['text']}" for i, o in enumerate(q.options)]
        lines.append("\nAnswer in code with quiz.answer('<id>', <answer>), or interactively with quiz.show().")
        return "\n".join(lines)

    @staticmethod
    def _kind(q: Question) -> str:
        if q.type == "predict":
            return "choose one" if q.options else "a ratio, e.g. 1.5" if q.unit == "x" else f"a number, in {q.unit or 'units'}"
        return {"single": "choose one", "multi": "choose all that apply", "numeric": "a number", "text": "a short answer"}[q.type]

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

        if q.type == "predict":
            return self._prediction_card(q)
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

    def _prediction_card(self, q: Question):
        """A prediction is not answered here (after the measurement it would be copying): its card shows
        the prediction made before the measuring cell beside the measured value."""
        import ipywidgets as w

        status, out = w.HTML(f"<pre style='white-space:pre-wrap'>{html.escape(self.quiz.prediction_status(q))}</pre>"), w.HTML()
        reveal = w.Button(description="Reveal")
        reveal.on_click(lambda _: setattr(out, "value", f"<pre style='white-space:pre-wrap'>{html.escape(self.quiz.reveal(q.id))}</pre>"))
        prompt = w.HTML(f"<b>[{html.escape(q.id)}]</b> {html.escape(q.prompt)} <i>(a prediction, made before "
                        f"{html.escape(q.ask_before)})</i>")
        return w.VBox([prompt, status, reveal, out], layout=w.Layout(border="1px solid #ddd", padding="6px", margin="4px 0"))

    def _update_score(self) -> None:
        correct, total = self.quiz.score()
        self.score.value = f"<b>{correct}/{total} correct</b>"

    def _repr_mimebundle_(self, **kwargs) -> dict[str, Any]:
        bundle = self.box._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = self.quiz.text()
        return bundle


class PredictView:
    """The form before a measuring cell: the prediction's prompt, an input and Save; its plain text
    is the same whether or not a prediction was saved, so nbval compares it exactly."""

    def __init__(self, quiz: Quiz, q: Question) -> None:
        import ipywidgets as w

        self.quiz, self.q = quiz, q
        if q.options:
            self.input = w.RadioButtons(options=[(f"{LETTERS[i]}) {o['text']}", LETTERS[i]) for i, o in enumerate(q.options)],
                                        value=None, layout=w.Layout(width="auto"))
        else:
            self.input = w.Text(placeholder="a number, e.g. 1.5" if q.unit == "x" else f"a number, in {q.unit or 'units'}")
        self.save = w.Button(description="Save prediction", button_style="primary")
        guess = quiz.prediction(q.id)
        self.out = w.HTML("" if guess is None else f"<i>saved before: {html.escape(quiz._shown(q, guess))}</i>")
        self.save.on_click(self._on_save)
        prompt = w.HTML(f"<b>Predict · [{html.escape(q.id)}]</b> {html.escape(q.prompt)}")
        self.box = w.VBox([prompt, self.input, self.save, self.out],
                          layout=w.Layout(border="1px solid #ddd", padding="6px", margin="4px 0"))

    def _on_save(self, _: Any) -> None:
        result = self.quiz.predict(self.q.id, self.input.value or "")
        color = "green" if isinstance(result, Prediction) and result.saved else "#a60"
        self.out.value = f"<pre style='color:{color};white-space:pre-wrap'>{html.escape(str(result))}</pre>"

    def _repr_mimebundle_(self, **kwargs) -> dict[str, Any]:
        bundle = self.box._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = self.quiz.predict_text(self.q)
        return bundle

    def __repr__(self) -> str:
        return self.quiz.predict_text(self.q)
