"""The interview drill's JupyterLab views (notebook 08), built with ipywidgets.

``DrillView``: filters, today's counts, the card, your typed answer, reveal, the key points to tick
and the rating they earn (or a rating by hand), your past answers. ``MockView``: a mock interview
with a countdown, the follow-up, the reveal and the key points. Their plain-text fallback is the
drill's deterministic text. (This module takes the drill objects it is given and imports nothing
from ``drill``, so the two never import each other.)
"""
from __future__ import annotations

import html
from typing import Any

__all__ = ["DrillView", "MockView", "LANG_BUTTONS"]

LANG_BUTTONS = [("English", "en"), ("한국어", "ko"), ("한→EN", "ko-en"), ("EN→한", "en-ko")]


def _pre(text: str) -> str:
    return f"<pre style='white-space:pre-wrap;font-size:1.05em'>{html.escape(text)}</pre>"


def _side_by_side(drill: Any, card: Any) -> str:
    """The revealed card as a two-column table: the answer language on the left."""
    left = drill.a_lang
    right = "ko" if left == "en" else "en"
    rows = [("Q", card.question), ("A", card.answer)]
    rows += [(f"☐ {n}", p) for n, p in enumerate(card.key_points, 1)]
    rows += [("✘", w) for w in card.wrong_answers]
    rows += [("→ follow-up", card.follow_up)]
    if card.follow_up_answer:
        rows.append(("→ answer", card.follow_up_answer))
    cells = "".join(f"<tr><th style='vertical-align:top;text-align:left'>{html.escape(label)}</th>"
                    f"<td style='vertical-align:top'>{html.escape(t[left])}</td>"
                    f"<td style='vertical-align:top'>{html.escape(t[right])}</td></tr>" for label, t in rows)
    return (f"<table style='width:100%;table-layout:fixed'><tr><th style='width:7em'></th><th>{left}</th>"
            f"<th>{right}</th></tr>{cells}</table>")


class _Rubric:
    """The key points as checkboxes (their text beside, wrapped, never cut off), the 'easy' box, the
    button that rates from them, and the manual rating buttons: all disabled until the reveal."""

    def __init__(self, on_grade, on_rate, ratings: dict[int, str]) -> None:
        import ipywidgets as w

        self.w = w
        self.points = w.VBox()
        self.ticks: list[Any] = []
        self.easy = w.Checkbox(description="answered without hesitation (easy)", indent=False, disabled=True)
        self.grade = w.Button(description="Rate from key points", button_style="success", disabled=True)
        self.rates = [w.Button(description=f"{n} {name}", disabled=True, layout=w.Layout(width="auto"))
                      for n, name in ratings.items()]
        self.grade.on_click(lambda _: on_grade())
        for n, button in enumerate(self.rates):
            button.on_click(lambda _, n=n: on_rate(n))
        self.box = w.VBox([self.points, self.easy,
                           w.HBox([self.grade, w.HTML("&nbsp; or by hand:"), *self.rates])])

    def fill(self, points: list[str] | None) -> None:
        """Enable the rubric for a revealed card (``points`` its key points), or disable it (None)."""
        w = self.w
        self.ticks = [w.Checkbox(value=False, indent=False, layout=w.Layout(width="2em")) for _ in points or []]
        self.points.children = [w.HBox([tick, w.HTML(f"{n}. {html.escape(p)}", layout=w.Layout(width="100%"))])
                                for n, (tick, p) in enumerate(zip(self.ticks, points or []), 1)]
        revealed = points is not None
        self.easy.value, self.easy.disabled = False, not (revealed and bool(points))
        self.grade.disabled = not (revealed and bool(points))
        for button in self.rates:
            button.disabled = not revealed

    def ticked(self) -> list[int]:
        return [n for n, tick in enumerate(self.ticks, 1) if tick.value]


class DrillView:
    def __init__(self, drill: Any) -> None:
        import ipywidgets as w

        self.drill = drill
        self.topic = w.Dropdown(options=[("all topics", None)] + [(t, t) for t in drill.topics], value=drill.topic,
                                description="topic")
        self.level = w.Dropdown(options=[("any", None), ("1 easy", 1), ("2 medium", 2), ("3 hard", 3)],
                                value=drill.difficulty, description="difficulty")
        self.lang = w.ToggleButtons(options=LANG_BUTTONS, value=drill.lang)
        self.side = w.Checkbox(description="side by side", value=False, indent=False)
        self.counts = w.HTML()
        self.card = w.HTML()
        self.typed = w.Textarea(placeholder="answer out loud or type here, then reveal", layout=w.Layout(width="100%"))
        self.reveal = w.Button(description="Reveal answer", button_style="info")
        self.past = w.Button(description="My past answers")
        self.rubric = _Rubric(self._grade, self._rate, drill.RATINGS)
        self.rates = self.rubric.rates
        self.status = w.HTML()
        self.reveal.on_click(lambda _: self._reveal())
        self.past.on_click(lambda _: self._history())
        for control in (self.topic, self.level, self.lang):
            control.observe(lambda _: self._refilter(), names="value")
        self.side.observe(lambda _: self._show_card(), names="value")   # the ticks stay as they are
        self.box = w.VBox([w.HBox([self.topic, self.level]), w.HBox([self.lang, self.side]), self.counts, self.card,
                           self.typed, w.HBox([self.reveal, self.past]), self.rubric.box, self.status])
        self.revealed = False
        self.current = drill.next()
        self._render()

    def _refilter(self) -> None:
        self.drill = self.drill.with_filters(self.topic.value, self.level.value, self.lang.value)
        self.current = self.drill.next()
        self._render()

    def _render(self, reveal: bool = False) -> None:
        self.revealed = reveal and self.current is not None
        self.counts.value = html.escape(self.drill.summary())
        self._show_card()
        self.rubric.fill([p[self.drill.a_lang] for p in self.current.key_points] if self.revealed and self.current else None)
        self.reveal.disabled = self.current is None or self.revealed

    def _show_card(self) -> None:
        if self.current is None:
            self.card.value = _pre(self.drill.text(limit=0).split("\n\n", 1)[-1])
        elif self.revealed and self.side.value:
            self.drill.card(self.current.id, reveal=True)          # marks it revealed, for grade()
            self.card.value = _side_by_side(self.drill, self.current)
        else:
            self.card.value = _pre(self.drill.card(self.current.id, self.revealed))

    def _reveal(self) -> None:
        if self.current is None:
            return
        if self.typed.value.strip():        # kept before anything else happens: nothing typed is lost
            self.status.value = html.escape(self.drill.answer(self.current.id, self.typed.value))
        self._render(reveal=True)
        if not self.current.key_points:
            self.status.value = "this card has no key points yet: rate it by hand."

    def _grade(self) -> None:
        if self.current is None or not self.revealed:
            return
        self._done(self.drill.grade(self.current.id, self.rubric.ticked(), self.rubric.easy.value))

    def _rate(self, rating: int) -> None:
        if self.current is None or not self.revealed:   # not revealed yet: a rating would be a guess
            return
        self._done(self.drill.rate(self.current.id, rating))

    def _done(self, message: str) -> None:
        self.status.value = html.escape(message)
        self.current, self.typed.value = self.drill.next(), ""
        self._render()

    def _history(self) -> None:
        if self.current is not None:
            self.status.value = _pre(self.drill.history(self.current.id))

    def _repr_mimebundle_(self, **kwargs) -> dict[str, Any]:
        bundle = self.box._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = self.drill.text()
        return bundle


class MockView:
    """Start → the question and a countdown → Follow-up (its own countdown) → Reveal → tick the key points."""

    def __init__(self, mock: Any) -> None:
        import ipywidgets as w

        self.mock = mock
        self.card = w.HTML(_pre(f"Mock interview on one card: {mock.seconds:.0f} s to answer out loud, then a "
                                f"follow-up ({mock.follow_up_seconds:.0f} s). Press Start when ready."))
        self.bar = w.FloatProgress(min=0, max=mock.seconds, value=mock.seconds, layout=w.Layout(width="50%"))
        self.clock = w.HTML()
        self.typed = w.Textarea(placeholder="notes or your answer (kept with its time)", layout=w.Layout(width="100%"))
        self.start = w.Button(description="Start", button_style="info")
        self.next = w.Button(description="Follow-up", disabled=True)
        self.reveal = w.Button(description="Reveal", disabled=True)
        self.rubric = _Rubric(self._grade, self._rate, mock.drill.RATINGS)
        self.status = w.HTML()
        self.start.on_click(lambda _: self._start())
        self.next.on_click(lambda _: self._follow_up())
        self.reveal.on_click(lambda _: self._reveal())
        self.box = w.VBox([self.card, w.HBox([self.bar, self.clock]), self.typed,
                           w.HBox([self.start, self.next, self.reveal]), self.rubric.box, self.status])
        self._handle: Any = None
        self.tick()

    def tick(self) -> None:
        """Show the time left on the running step (called every second while one runs in a kernel)."""
        step, left = self.mock.step, self.mock.left()
        if step not in ("question", "follow-up"):
            self.clock.value = "" if step == "ready" else f"answer took {self.mock.answer_s:.0f} s"
            return
        total = self.mock.seconds if step == "question" else self.mock.follow_up_seconds
        self.bar.max, self.bar.value = total, max(0.0, min(total, left))
        sign, secs = ("", left) if left >= 0 else ("over time by ", -left)
        colour = "" if left >= 0 else " style='color:#b00'"
        self.clock.value = f"<b{colour}>{sign}{int(secs) // 60}:{int(secs) % 60:02d}{' left' if left >= 0 else ''}</b>"

    def _live(self) -> None:
        """Tick once a second on the kernel's event loop; outside a kernel (tests, scripts) each click ticks."""
        import asyncio

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._handle is not None:
            self._handle.cancel()

        def again() -> None:
            self.tick()
            if self.mock.step in ("question", "follow-up"):
                self._handle = loop.call_later(1.0, again)

        self._handle = loop.call_later(1.0, again)

    def _start(self) -> None:
        self.card.value = _pre(self.mock.question())
        self.start.disabled, self.next.disabled = True, False
        self.tick()
        self._live()

    def _follow_up(self) -> None:
        self.card.value = _pre(self.mock.follow_up(self.typed.value))
        self.typed.value = ""
        self.next.disabled, self.reveal.disabled = True, False
        self.tick()

    def _reveal(self) -> None:
        self.card.value = _pre(self.mock.reveal())
        self.reveal.disabled = True
        self.tick()
        card = self.mock.card
        self.rubric.fill([p[self.mock.drill.a_lang] for p in card.key_points])
        if not card.key_points:
            self.status.value = "this card has no key points yet: rate it by hand."

    def _grade(self) -> None:
        self._done(self.mock.grade(self.rubric.ticked(), self.rubric.easy.value))

    def _rate(self, rating: int) -> None:
        if self.mock.step == "revealed":
            self._done(self.mock.drill.rate(self.mock.card.id, rating))

    def _done(self, message: str) -> None:
        self.status.value = html.escape(message)
        self.rubric.fill(None)

    def _repr_mimebundle_(self, **kwargs) -> dict[str, Any]:
        bundle = self.box._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = (f"Mock interview · {self.mock.seconds:.0f} s to answer, then a follow-up "
                                f"({self.mock.follow_up_seconds:.0f} s) · card {self.mock.card.id} · press Start")
        return bundle
