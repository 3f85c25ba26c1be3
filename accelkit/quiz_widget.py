"""The ipywidgets form of a quiz (JupyterLab). Its plain-text fallback is the quiz's
deterministic text, so headless runs and nbval see the same output every time."""
from __future__ import annotations

import html
from typing import Any

from .quiz import LETTERS, Question, Quiz


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
        if q.type == "multi":
            return w.VBox([w.Checkbox(description=text, value=False, indent=False) for text, _ in labels])
        return w.Text(placeholder="a number, e.g. 2.5" if q.type == "numeric" else "your answer")

    def _value(self, q: Question, widget) -> Any:
        if q.type == "multi":
            return [LETTERS[i] for i, box in enumerate(widget.children) if box.value]
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
