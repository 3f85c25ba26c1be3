"""The drill's ipywidgets card (notebook 08): filters, your answer, reveal, self-rating.
Its plain-text fallback is the drill's deterministic text."""
from __future__ import annotations

import html
from typing import Any

from .interview import RATINGS, Drill


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
        rates = [w.Button(description=f"{n} {name}") for n, name in RATINGS.items()]
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

    def _rate(self, rating: int) -> None:
        if self.current is None:
            return
        self.status.value = html.escape(self.drill.rate(self.current.id, rating))
        self.current, self.typed.value = self.drill.next(), ""
        self._render()

    def _repr_mimebundle_(self, **kwargs) -> dict[str, Any]:
        bundle = self.box._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = self.drill.text()
        return bundle
