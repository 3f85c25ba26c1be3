"""The bilingual (English / 한국어) interview bank and its interview trainer (notebook 08).

The bank is ``data/interview/<topic>.yaml``: each card has a model answer, 3-5 key points (the
spoken skeleton of a good answer), common wrong answers, a follow-up with its model answer, a
difficulty (1-3) and the notebook that teaches it (or ``beyond-the-kit`` with a documentation link).
Near-duplicates name their root card with ``variant_of`` and are scheduled as one card with it.

The drill orders cards by when each is next due, SM-2 style. You answer out loud (or type), reveal,
tick the key points you said, and the rating follows: all = good, one missed = hard, more = again;
easy only when you say you answered without hesitation. ``rate()`` sets a rating by hand. Intervals
are capped (``max_interval_days``, and the days left before ``interview_date``), new cards per day are
limited, and a mock interview (``Drill.mock``) times a random due-or-new card and asks its follow-up.
The view (ipywidgets) is in ``drill_view``.
"""
from __future__ import annotations

import datetime as dt
import difflib
import random
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import data_dir
from ..core.banks import bilingual, fail, load_yaml, require, require_bilingual, unique_ids
from ..errors import AccelkitError, choice
from . import progress

__all__ = ["NOTEBOOKS", "BEYOND", "LANGS", "RATINGS", "LEARNED_DAYS", "MAX_INTERVAL_DAYS", "NEW_PER_DAY",
           "InterviewQuestion", "bank_dir", "load_bank", "next_interval_days", "rating_from_points",
           "Drill", "MockInterview"]

NOTEBOOKS = ("00-setup-and-hardware", "01-execution-providers", "02-graph-optimizations",
             "03-openvino-ir-conversion", "04-quantization", "04-when-quantization-bites", "05-auto-vs-hetero",
             "06-io-binding", "07-capstone-deployment", "07-llm-inference", "08-interview-drill")
BEYOND = "beyond-the-kit"      # taught by a documentation page (``read:``), not by a notebook
LANGS = ("en", "ko", "ko-en", "en-ko")   # "ko-en": question in Korean, answer in English
RATINGS = {0: "again", 1: "hard", 2: "good", 3: "easy"}
DAY_S = 86400.0
AGAIN_DAYS = 0.007             # about ten minutes
LEARNED_DAYS = 21.0            # a card rated good with an interval this long counts as learned
MAX_INTERVAL_DAYS = 60.0
NEW_PER_DAY = 10
KEEP_ANSWERS = 5               # typed answers kept per card
KEEP_RATINGS = 10              # recent ratings kept per card (for the topic means)
ANSWERS = "drill_answers"      # progress key: {root id: [{id, text, time, ...}]}
URL = re.compile(r"https://[^\s/]+\.[^\s]+")


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
    key_points: tuple[dict[str, str], ...] = ()
    follow_up_answer: dict[str, str] | None = None
    variant_of: str | None = None
    read: str | None = None

    @property
    def root(self) -> str:
        """The card this one is scheduled with: its ``variant_of``, or itself."""
        return self.variant_of or self.id


def bank_dir() -> Path:
    return data_dir() / "interview"


def _optional_fields(path: Path, q: dict) -> dict[str, Any]:
    """key_points, follow_up_answer, variant_of and read: validated when present."""
    out: dict[str, Any] = {}
    if "key_points" in q:
        points = q["key_points"]
        if not isinstance(points, list) or not 3 <= len(points) <= 5:
            count = f"{len(points)} points" if isinstance(points, list) else f"a {type(points).__name__}"
            raise fail(path, q, f"field 'key_points' must list 3 to 5 points, each with 'en' and 'ko' text, not {count}.")
        out["key_points"] = tuple(bilingual(path, q, p, "key_points") for p in points)
    if "follow_up_answer" in q:
        out["follow_up_answer"] = require_bilingual(path, q, "follow_up_answer")
    if "variant_of" in q:
        out["variant_of"] = require(path, q, "variant_of", str)
    if q["teaches"] == BEYOND and "read" not in q:
        raise fail(path, q, "teaches: beyond-the-kit needs read: with the https:// address of the page that teaches it.")
    if "read" in q:
        read = require(path, q, "read", str).strip()
        if not URL.fullmatch(read):
            raise fail(path, q, f"field 'read' must be an https:// address, not {read[:80]!r}.")
        out["read"] = read
    return out


def _load_file(path: Path, seen: dict) -> list[tuple[InterviewQuestion, dict]]:
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
        if require(path, q, "teaches", str) not in (*NOTEBOOKS, BEYOND):
            raise fail(path, q, f"teaches must name a notebook ({', '.join(NOTEBOOKS)}) or {BEYOND}, not {q['teaches']!r}.")
        wrong = [bilingual(path, q, w, "wrong_answers") for w in require(path, q, "wrong_answers", list)]
        card = InterviewQuestion(q["id"], topic, difficulty, q["teaches"], require_bilingual(path, q, "question"),
                                 require_bilingual(path, q, "answer"), tuple(wrong),
                                 require_bilingual(path, q, "follow_up"), **_optional_fields(path, q))
        out.append((card, q))
    return out


def load_bank(folder: Path | None = None) -> list[InterviewQuestion]:
    """Every card of every topic file, validated; ids are unique across files, and each
    ``variant_of`` names a card of the bank that is not itself a variant."""
    folder = folder or bank_dir()
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise AccelkitError(f"no interview bank files in {folder}.")
    seen: dict = {}
    loaded = [(path, card, node) for path in files for card, node in _load_file(path, seen)]
    by_id = {card.id: card for _, card, _ in loaded}
    for path, card, node in loaded:
        root = by_id.get(card.variant_of) if card.variant_of else None
        if card.variant_of is None:
            continue
        if card.variant_of == card.id:
            raise fail(path, node, "variant_of names the card itself; name the card this one rephrases.")
        if root is None:
            raise fail(path, node, f"variant_of names {card.variant_of!r}, which is no card in the bank.")
        if root.variant_of:
            raise fail(path, node, f"variant_of must name a root card, but {root.id!r} is itself a variant of "
                                   f"{root.variant_of!r}; write variant_of: {root.variant_of!r}.")
    return [card for _, card, _ in loaded]


def next_interval_days(rating: int, reps: int, interval: float, max_days: float | None = None) -> float:
    """SM-2-like: 'again' repeats within minutes; otherwise the interval grows with the rating,
    up to ``max_days`` (never below the ten minutes of 'again')."""
    if rating == 0:
        days = AGAIN_DAYS
    elif reps == 0:
        days = {1: 1.0, 2: 1.0, 3: 3.0}[rating]
    else:
        days = max(1.0, interval * {1: 1.2, 2: 2.5, 3: 3.5}[rating])
    return days if max_days is None else min(days, max(AGAIN_DAYS, max_days))


def rating_from_points(points: int, ticked: int, easy: bool = False) -> int:
    """The rating your ticked key points earn: all = good (easy if you also say it came without
    hesitation), one missed = hard, more missed = again."""
    missed = points - ticked
    if missed <= 0:
        return 3 if easy else 2
    return 1 if missed == 1 else 0


def _parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            return dt.date.fromisoformat(value.strip())
    except ValueError:
        pass
    raise AccelkitError(f"interview_date must be a date written YYYY-MM-DD, such as '2027-01-15', not {value!r}.")


def _midnight(date: dt.date) -> float:
    return dt.datetime(date.year, date.month, date.day).timestamp()   # local time


def _when(days: float) -> str:
    if days < 2 / 24:
        return f"{max(1, round(days * 1440))} minutes"
    if days < 1:
        return f"{days * 24:.0f} hours"
    text = f"{days:.1f}".rstrip("0").rstrip(".")
    return f"{text} day" if text == "1" else f"{text} days"


def _stamp(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(t))


class Drill:
    """Cards filtered by topic/difficulty, in spaced-repetition order from your progress.

    ``lang`` is "en", "ko", "ko-en" (question in Korean, answer in English) or "en-ko".
    ``max_interval_days`` caps every interval; ``interview_date`` ("YYYY-MM-DD") also caps it at the
    days left and puts weak topics (lowest mean rating) first. At most ``new_per_day`` unseen cards
    are introduced a day. ``progress_file`` and ``clock`` replace the progress file and time.time
    (for a demo or a test)."""

    RATINGS = RATINGS

    def __init__(self, topic: str | None = None, difficulty: int | None = None, lang: str = "en",
                 bank: list[InterviewQuestion] | None = None, *, max_interval_days: float = MAX_INTERVAL_DAYS,
                 interview_date: str | dt.date | None = None, new_per_day: int = NEW_PER_DAY,
                 progress_file: Path | str | None = None, clock: Callable[[], float] | None = None) -> None:
        choice(lang, LANGS, "language")
        self.bank = bank if bank is not None else load_bank()
        topics = sorted({q.topic for q in self.bank})
        if topic is not None and topic not in topics:
            raise AccelkitError(f"unknown topic {topic!r}; topics: {', '.join(topics)}.")
        if difficulty is not None and difficulty not in (1, 2, 3):
            raise AccelkitError("difficulty must be 1 (easy), 2 (medium) or 3 (hard).")
        if isinstance(max_interval_days, bool) or not isinstance(max_interval_days, (int, float)) or not max_interval_days >= 1:
            raise AccelkitError(f"max_interval_days must be a number of days, at least 1, not {max_interval_days!r}.")
        if isinstance(new_per_day, bool) or not isinstance(new_per_day, int) or new_per_day < 0:
            raise AccelkitError(f"new_per_day must be a whole number of cards, 0 or more, not {new_per_day!r}.")
        self.clock = clock or time.time
        self.topic, self.difficulty, self.lang = topic, difficulty, lang
        self.q_lang, self.a_lang = (lang.split("-") * 2)[:2]
        self.topics, self.max_interval_days, self.new_per_day = topics, float(max_interval_days), new_per_day
        self.progress_file = Path(progress_file) if progress_file is not None else None
        self.interview_date = None if interview_date is None else _parse_date(interview_date)
        self.deadline = None if self.interview_date is None else _midnight(self.interview_date)
        if self.deadline is not None and self.clock() >= self.deadline + DAY_S:
            raise AccelkitError(f"the interview date {self.interview_date} has passed; give a later date or leave "
                                "interview_date out.")
        self.questions = [q for q in self.bank if (topic is None or q.topic == topic)
                          and (difficulty is None or q.difficulty == difficulty)]
        self._by_id = {q.id: q for q in self.questions}
        self.groups: dict[str, list[InterviewQuestion]] = {}
        for q in sorted(self.questions, key=lambda q: (q.variant_of is not None, q.id)):
            self.groups.setdefault(q.root, []).append(q)
        self._revealed: set[str] = set()

    def with_filters(self, topic: str | None = None, difficulty: int | None = None, lang: str | None = None) -> Drill:
        """The same drill (bank, caps, progress file, clock) with other filters."""
        return Drill(topic, difficulty, lang or self.lang, self.bank, max_interval_days=self.max_interval_days,
                     interview_date=self.interview_date, new_per_day=self.new_per_day,
                     progress_file=self.progress_file, clock=self.clock)

    # ------------------------------------------------------------ scheduling
    def _data(self) -> dict[str, Any]:
        return progress.load(self.progress_file)

    def cap_days(self, now: float | None = None) -> float:
        """The longest interval a rating can give now: max_interval_days, or the days left before the interview."""
        now = self.clock() if now is None else now
        if self.deadline is None:
            return self.max_interval_days
        return min(self.max_interval_days, max(AGAIN_DAYS, (self.deadline - now) / DAY_S))

    def _due(self, entry: dict | None) -> float | None:
        """When a card is due, with today's caps applied to intervals given before they were set."""
        if not entry or not isinstance(entry.get("due"), (int, float)):
            return None
        rated = entry["due"] - entry["interval_days"] * DAY_S
        due = min(entry["due"], rated + self.max_interval_days * DAY_S)
        return due if self.deadline is None else min(due, max(rated + AGAIN_DAYS * DAY_S, self.deadline))

    def _shown(self, root: str, entry: dict | None) -> InterviewQuestion:
        """The phrasing to show: the group's cards take turns, one per rating."""
        group = self.groups[root]
        return group[(entry or {}).get("reps", 0) % len(group)]

    def topic_means(self, data: dict | None = None) -> dict[str, float]:
        """Mean of your recent ratings per topic (topics you have not rated are left out)."""
        data = data or self._data()
        ratings: dict[str, list[int]] = {}
        for root, group in self.groups.items():
            entry = data["drill"].get(root)
            if entry:
                recent = entry.get("ratings") or [entry.get("rating", 0)]
                ratings.setdefault(group[0].topic, []).extend(r for r in recent if isinstance(r, int))
        return {t: sum(r) / len(r) for t, r in sorted(ratings.items()) if r}

    def _new_today(self, data: dict, now: float) -> int:
        start = _midnight(dt.date.fromtimestamp(now))
        return sum(isinstance(e.get("first"), (int, float)) and e["first"] >= start for e in data["drill"].values())

    def _plan(self, now: float) -> tuple[list[InterviewQuestion], list[InterviewQuestion], list[InterviewQuestion], int]:
        """(due, unseen, later) cards, one phrasing per root in drill order, and how many new ones today allows."""
        data = self._data()
        means = self.topic_means(data) if self.deadline is not None else {}
        due: list[tuple[tuple, InterviewQuestion]] = []
        unseen: list[tuple[tuple, InterviewQuestion]] = []
        later: list[tuple[tuple, InterviewQuestion]] = []
        for root, group in self.groups.items():
            entry = data["drill"].get(root)
            when = self._due(entry)
            card = self._shown(root, entry)
            weak = means.get(group[0].topic, 0.0)
            if when is None:
                unseen.append(((group[0].difficulty, root), card))
            else:
                (due if when <= now else later).append(((weak, when, root), card))
        allowed = max(0, self.new_per_day - self._new_today(data, now))
        return ([c for _, c in sorted(due, key=lambda x: x[0])], [c for _, c in sorted(unseen, key=lambda x: x[0])],
                [c for _, c in sorted(later, key=lambda x: x[0])], allowed)

    def order(self, now: float | None = None) -> list[InterviewQuestion]:
        """Every card (one phrasing per root): due first (most overdue first; weak topics first with an
        interview date), then unseen (easy first), then the rest by due date."""
        due, unseen, later, _ = self._plan(self.clock() if now is None else now)
        return due + unseen + later

    def queue(self, now: float | None = None) -> list[InterviewQuestion]:
        """Today's session: the due cards, then as many unseen ones as the daily limit still allows."""
        due, unseen, _, allowed = self._plan(self.clock() if now is None else now)
        return due + unseen[:allowed]

    def next(self) -> InterviewQuestion | None:
        """The card to practise now, or None when nothing is due and today's new cards are done."""
        queue = self.queue()
        return queue[0] if queue else None

    def counts(self, now: float | None = None) -> dict[str, int]:
        """due, new (unseen cards today's limit allows), unseen, learned and cards; variants count once."""
        now = self.clock() if now is None else now
        due, unseen, later, allowed = self._plan(now)
        data = self._data()
        learned_days = min(LEARNED_DAYS, self.max_interval_days)

        def learned(root: str) -> bool:
            entry = data["drill"].get(root) or {}
            when = self._due(entry)
            if when is None or entry.get("rating", 0) < 2:
                return False
            reached = when - (entry["due"] - entry["interval_days"] * DAY_S) >= learned_days * DAY_S
            return reached or (self.deadline is not None and when >= self.deadline)

        return {"due": len(due), "new": min(allowed, len(unseen)), "unseen": len(unseen),
                "learned": sum(learned(r) for r in self.groups), "cards": len(self.groups)}

    def summary(self) -> str:
        """'N due · M new · K learned' for this session, with the caps in force."""
        now = self.clock()
        c = self.counts(now)
        line = f"{c['due']} due · {c['new']} new · {c['learned']} learned (of {c['cards']} cards)"
        if self.deadline is not None:
            line += f" · interview on {self.interview_date}, in {_when(max(0.0, (self.deadline - now) / DAY_S))}"
        return line

    # ------------------------------------------------------------ one card
    def _get(self, qid: Any) -> InterviewQuestion | None:
        return self._by_id.get(qid) if isinstance(qid, str) else None

    def _unknown(self, qid: Any) -> str:
        near = difflib.get_close_matches(str(qid), self._by_id, n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        ids = list(self._by_id)
        listed = ", ".join(ids[:12]) + (f", … ({len(ids)} in all)" if len(ids) > 12 else "")
        return f"there is no question {qid!r} in this drill{hint}; ids: {listed or 'none'}."

    def card(self, qid: str, reveal: bool = False, side_by_side: bool = False) -> str:
        """The question; with ``reveal`` also the model answer, the key points as a checklist, the wrong
        answers, the follow-up and its answer. ``side_by_side`` shows each revealed text in both languages."""
        q = self._get(qid)
        if q is None:
            return self._unknown(qid)
        qa, aa = self.q_lang, self.a_lang
        both = (aa, "ko" if aa == "en" else "en")

        def shown(field: dict[str, str], lang: str, label: str) -> list[str]:
            if side_by_side and reveal:
                return [f"{label} ({lg}): {field[lg]}" for lg in both]
            return [f"{label}: {field[lang]}"]

        stars = "★" * q.difficulty + "☆" * (3 - q.difficulty)
        where = f"beyond the kit, read {q.read}" if q.teaches == BEYOND else f"taught in {q.teaches}"
        lines = [f"[{q.id}] {stars} {q.topic} — {where}"]
        group = self.groups[q.root]
        if len(group) > 1:
            lines.append(f"(one of {len(group)} phrasings scheduled as {q.root})")
        lines += shown(q.question, qa, "Q")
        if not reveal:
            return "\n".join(lines)
        self._revealed.add(q.id)
        lines += shown(q.answer, aa, "A")
        if q.key_points:
            lines.append("Key points (tick the ones you said):")
            for n, point in enumerate(q.key_points, 1):
                lines += [f"  ☐ {n}. {point[lg]}" + (f" ({lg})" if side_by_side else "")
                          for lg in (both if side_by_side else (aa,))]
        lines += [f"✘ {w[lg]}" for w in q.wrong_answers for lg in (both if side_by_side else (aa,))]
        lines += shown(q.follow_up, qa, "→ follow-up")
        if q.follow_up_answer:
            lines += shown(q.follow_up_answer, aa, "→ follow-up answer")
        if q.read and q.teaches != BEYOND:
            lines.append(f"Read: {q.read}")
        return "\n".join(lines)

    def _record(self, q: InterviewQuestion, rating: int) -> str:
        now, cap = self.clock(), self.cap_days()
        root = q.root

        def change(data: dict) -> None:
            entry = data["drill"].setdefault(root, {"reps": 0, "interval_days": 0.0})
            since = entry.get("last") if isinstance(entry.get("last"), (int, float)) else float("-inf")
            interval = next_interval_days(rating, entry["reps"], entry["interval_days"], cap)
            recent = [r for r in entry.get("ratings") or [] if isinstance(r, int)][-(KEEP_RATINGS - 1):]
            entry.update(rating=rating, reps=entry["reps"] + 1, interval_days=interval, due=now + interval * DAY_S,
                         ratings=recent + [rating], last=now)
            entry.setdefault("first", now)
            log = data.get(ANSWERS)
            if isinstance(log, dict) and isinstance(log.get(root), list) and log[root]:
                last = log[root][-1]    # the answer typed since the last rating gets the rating it earned
                if isinstance(last, dict) and "rating" not in last and isinstance(last.get("time"), (int, float)) \
                        and last["time"] >= since:
                    last["rating"] = rating

        interval = progress.update(change, self.progress_file)["drill"][root]["interval_days"]
        self._revealed.discard(q.id)
        shared = f" (scheduled with {root})" if root != q.id else ""
        capped = ""
        if rating and interval >= cap:
            capped = " (capped: the interview is that close)" if cap < self.max_interval_days else " (capped: max_interval_days)"
        return f"[{q.id}] rated {RATINGS[rating]}{shared}: next review in {_when(interval)}{capped}."

    def rate(self, qid: str, rating: int | str) -> str:
        """Set the rating by hand (0 again, 1 hard, 2 good, 3 easy, or the word); says when it is due next."""
        q = self._get(qid)
        if q is None:
            return self._unknown(qid)
        names = {v: k for k, v in RATINGS.items()}
        if isinstance(rating, str) and rating.strip().lower() in names:
            rating = names[rating.strip().lower()]
        try:
            if isinstance(rating, bool) or int(rating) != float(rating) or int(rating) not in RATINGS:
                raise ValueError
        except (TypeError, ValueError):
            return "rate with a number: 0 (again), 1 (hard), 2 (good) or 3 (easy)."
        return self._record(q, int(rating))

    def grade(self, qid: str, ticked: Iterable[int], easy: bool = False) -> str:
        """Rate from the key points you said (their numbers on the revealed card): all = good, one missed
        = hard, more = again; ``easy=True`` (you answered without hesitation) counts only with all ticked."""
        q = self._get(qid)
        if q is None:
            return self._unknown(qid)
        if not q.key_points:
            return f"[{qid}] has no key points yet; rate it yourself: drill.rate({qid!r}, 0-3)."
        if qid not in self._revealed:
            return f"reveal the answer first with drill.card({qid!r}, reveal=True): a rating before the key points is a guess."
        n = len(q.key_points)
        try:
            given = list(ticked)
            ticks = {int(t) for t in given if not isinstance(t, bool) and int(t) == t}
            if len(ticks) != len(given) or not ticks <= set(range(1, n + 1)):
                raise ValueError
        except (TypeError, ValueError):
            return f"tick key points by their numbers, 1 to {n}, for example drill.grade({qid!r}, [1, 3])."
        rating = rating_from_points(n, len(ticks), bool(easy))
        missed = [str(i) for i in range(1, n + 1) if i not in ticks]
        said = f"{len(ticks)} of {n} key points" + (f", missed {', '.join(missed)}" if missed else "")
        note = " ('easy' needs every key point)" if easy and missed else ""
        return f"{said}{note}. " + self._record(q, rating)

    def answer(self, qid: str, text: str) -> str:
        """Keep what you typed for this card (the last few answers, with the time)."""
        q = self._get(qid)
        if q is None:
            return self._unknown(qid)
        text = str(text or "").strip()
        if not text:
            return "nothing typed, so nothing was saved."
        return self._keep(q, text, {})

    def _keep(self, q: InterviewQuestion, text: str, extra: dict[str, Any]) -> str:
        record = {"id": q.id, "text": text[:5000], "time": self.clock(), "lang": self.a_lang, **extra}

        def change(data: dict) -> None:
            log = data.get(ANSWERS)
            if not isinstance(log, dict):
                if log is not None:
                    data[ANSWERS + "_unreadable"] = log      # kept, never dropped
                log = data[ANSWERS] = {}
            kept: list = log[q.root] if isinstance(log.get(q.root), list) else []
            log[q.root] = (kept + [record])[-KEEP_ANSWERS:]

        progress.update(change, self.progress_file)
        return f"[{q.id}] your answer is saved; drill.history({q.id!r}) shows your last {KEEP_ANSWERS}."

    def answers(self, qid: str) -> list[dict[str, Any]]:
        """Your typed answers for this card and its variants, oldest first (``[]`` if none or unknown)."""
        q = self._get(qid)
        log = self._data().get(ANSWERS) if q else None
        kept = log.get(q.root) if q and isinstance(log, dict) else None
        return [r for r in kept if isinstance(r, dict) and "text" in r] if isinstance(kept, list) else []

    def history(self, qid: str) -> str:
        """Your typed answers for this card (and its variants) with when you gave them and the rating."""
        if self._get(qid) is None:
            return self._unknown(qid)
        kept = self.answers(qid)
        if not kept:
            return f"[{qid}] no typed answers saved yet."
        lines = [f"[{qid}] your last {len(kept)} typed answer(s):"]
        for r in kept:
            rated = f" · rated {RATINGS[r['rating']]}" if r.get("rating") in (0, 1, 2, 3) else ""
            took = f" · {r['seconds']:.0f} s" if isinstance(r.get("seconds"), (int, float)) else ""
            when = _stamp(r["time"]) if isinstance(r.get("time"), (int, float)) else "?"
            lines.append(f"{when} [{r.get('id', qid)}]{took}{rated}: {r['text']}")
        return "\n".join(lines)

    # ------------------------------------------------------------ sessions
    def mock(self, seed: int | None = None, seconds: float = 120, follow_up_seconds: float = 60) -> MockInterview:
        """A mock interview on a random due-or-new card (any card when none is): ``seconds`` to answer
        out loud, then the follow-up, then the reveal with the follow-up answer."""
        pool = self.queue() or self.order()
        if not pool:
            raise AccelkitError("no question matches these filters: choose another topic or difficulty.")
        return MockInterview(self, random.Random(seed).choice(pool), seconds, follow_up_seconds)

    def text(self, limit: int = 5) -> str:
        """Today's counts and the first ``limit`` cards of the session, questions only."""
        head = f"Interview drill · {self.summary()} · language {self.lang}"
        if not self.groups:
            return head + "\n\nNo question matches these filters: choose another topic or difficulty."
        queue = self.queue()
        if not queue:
            upcoming = [w for w in (self._due(self._data()["drill"].get(r)) for r in self.groups) if w is not None]
            when = f"; the next card is due in {_when((min(upcoming) - self.clock()) / DAY_S)}" if upcoming else ""
            return head + f"\n\nSession done: nothing is due and today's new cards are done{when}."
        return "\n\n".join([head] + [self.card(q.id) for q in queue[:limit]])

    def __repr__(self) -> str:
        return self.text()

    def show(self):
        """The drill's card in JupyterLab (ipywidgets): filters, your answer, reveal, key points, rating."""
        from .drill_view import DrillView

        return DrillView(self)


class MockInterview:
    """One timed mock interview: ``question()`` starts the clock, ``follow_up()`` stops it and asks the
    follow-up, ``reveal()`` shows the model answers, ``grade()`` rates from the key points. ``record``
    holds the times."""

    def __init__(self, drill: Drill, card: InterviewQuestion, seconds: float = 120, follow_up_seconds: float = 60) -> None:
        self.drill, self.card, self.seconds, self.follow_up_seconds = drill, card, float(seconds), float(follow_up_seconds)
        self.started: float | None = None
        self.follow_up_at: float | None = None
        self.revealed_at: float | None = None

    @property
    def step(self) -> str:
        """ready, question, follow-up or revealed."""
        return ("revealed" if self.revealed_at is not None else "follow-up" if self.follow_up_at is not None
                else "question" if self.started is not None else "ready")

    def left(self) -> float:
        """Seconds left on the running timer (negative when over time)."""
        now = self.drill.clock()
        if self.step == "question":
            return self.seconds - (now - (self.started or now))
        if self.step == "follow-up":
            return self.follow_up_seconds - (now - (self.follow_up_at or now))
        return 0.0

    def question(self) -> str:
        """The question, in the interviewer's language; the answer timer starts."""
        if self.started is None:
            self.started = self.drill.clock()
        q = self.card
        return f"Mock interview · {self.seconds:.0f} s to answer out loud\n[{q.id}] Q: {q.question[self.drill.q_lang]}"

    def follow_up(self, typed: str = "") -> str:
        """Stop the answer timer and ask the follow-up (what you ``typed`` is kept with its time)."""
        if self.started is None:
            return "start with mock.question(): the follow-up comes after your answer."
        if self.follow_up_at is None:
            self.follow_up_at = self.drill.clock()
            if str(typed or "").strip():
                self.drill._keep(self.card, str(typed).strip(), {"seconds": self.answer_s, "mock": True})
        over = self.answer_s - self.seconds
        used = f"you used {self.answer_s:.0f} s of {self.seconds:.0f}" + (f", {over:.0f} s over time" if over > 0 else "")
        return f"{used}.\n→ follow-up ({self.follow_up_seconds:.0f} s): {self.card.follow_up[self.drill.q_lang]}"

    @property
    def answer_s(self) -> float:
        if self.started is None:
            return 0.0
        return (self.follow_up_at or self.drill.clock()) - self.started

    def reveal(self, side_by_side: bool = False) -> str:
        """After the follow-up: the model answer, key points, wrong answers and the follow-up answer."""
        if self.follow_up_at is None:
            return "answer the question and its follow-up first: mock.question(), then mock.follow_up()."
        if self.revealed_at is None:
            self.revealed_at = self.drill.clock()
        return self.drill.card(self.card.id, reveal=True, side_by_side=side_by_side)

    def grade(self, ticked: Iterable[int], easy: bool = False) -> str:
        if self.revealed_at is None:
            return "reveal first with mock.reveal(): the key points are the rubric."
        return self.drill.grade(self.card.id, ticked, easy)

    @property
    def record(self) -> dict[str, Any]:
        """The card, when it started and how long each answer took (seconds)."""
        follow = None
        if self.follow_up_at is not None:
            follow = (self.revealed_at or self.drill.clock()) - self.follow_up_at
        return {"id": self.card.id, "started": self.started, "answer_s": self.answer_s if self.started else None,
                "follow_up_s": follow, "seconds": self.seconds, "over_time": self.answer_s > self.seconds}

    def __repr__(self) -> str:
        return f"MockInterview({self.card.id}, {self.step}, {self.seconds:.0f} s + {self.follow_up_seconds:.0f} s)"

    def show(self):
        """The mock interview in JupyterLab: a countdown, the follow-up, the reveal and the key points."""
        from .drill_view import MockView

        return MockView(self)
