"""The interview bank and the drill as an interview trainer: key-point ratings after the reveal, typed
answers kept, session counts and a daily limit, capped intervals and an interview date, variants
scheduled as one card, a timed mock interview, cross-language cards, and bad input as one sentence.

Scheduling tests use a small bank written here and a fake clock, so they never depend on the real
bank's text (which changes) or on the time of day."""
import datetime as dt
import json
import warnings

import pytest
import yaml
from fakes import button, clean_error, descendants, shown_text

from accelkit import AccelkitError, Drill
from accelkit.learn import progress
from accelkit.learn.drill import (
    ANSWERS,
    BEYOND,
    KEEP_ANSWERS,
    NOTEBOOKS,
    load_bank,
    next_interval_days,
    rating_from_points,
)

REQUIRED_TOPICS = {"ep-architecture", "graph-optimizations", "ir-conversion", "quantization", "devices",
                   "io-binding", "tensorrt", "benchmarking", "deployment", "study-note"}
DAY = 86400.0


class Clock:
    """A fake time.time: starts on Monday 2027-01-04 09:00 local time and moves only when told."""

    def __init__(self):
        self.t = dt.datetime(2027, 1, 4, 9, 0).timestamp()

    def __call__(self):
        return self.t

    def advance(self, days=0.0, seconds=0.0):
        self.t += days * DAY + seconds


def bi(en, ko):
    return {"en": en, "ko": ko}


def card(cid, difficulty=1, points=3, **extra):
    """A valid card; ``points`` key points (0 for none), other fields through ``extra``."""
    c = {"id": cid, "difficulty": difficulty, "teaches": "01-execution-providers",
         "question": bi(f"Question {cid}?", f"질문 {cid}인가요?"), "answer": bi(f"Answer {cid}.", f"답 {cid}입니다."),
         "wrong_answers": [bi(f"Wrong {cid}.", f"오답 {cid}입니다.")],
         "follow_up": bi(f"Follow-up {cid}?", f"후속 질문 {cid}인가요?"),
         "follow_up_answer": bi(f"Follow-up answer {cid}.", f"후속 답 {cid}입니다.")}
    if points:
        c["key_points"] = [bi(f"point {n} of {cid}", f"{cid}의 요점 {n}") for n in range(1, points + 1)]
    c.update(extra)
    return c


def standard_cards():
    return {"alpha": [card("a-1", 1), card("a-2", 2, variant_of="a-1"), card("a-3", 3, points=0)],
            "beta": [card("b-1", 1, teaches=BEYOND, read="https://onnxruntime.ai/docs/"), card("b-2", 2, points=4)]}


def write_bank(folder, cards=None):
    """One YAML file per topic in ``folder``; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for topic, items in (cards or standard_cards()).items():
        doc = {"topic": topic, "title": bi(topic, topic), "questions": items}
        (folder / f"{topic}.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def bank(tmp_path):
    return load_bank(write_bank(tmp_path / "bank"))


@pytest.fixture
def drill(bank, clock):
    return Drill(bank=bank, clock=clock)


def stored():
    with warnings.catch_warnings():
        warnings.simplefilter("error")              # a progress file the kit calls corrupt fails the test
        return progress.load()


# ---------------------------------------------------------------- the real bank


def test_bank_is_complete_and_bilingual():
    bank = load_bank()
    assert len(bank) >= 80
    assert {q.topic for q in bank} >= REQUIRED_TOPICS
    assert len([q for q in bank if q.topic == "study-note"]) == 3
    ids = {q.id: q for q in bank}
    for q in bank:
        assert (q.teaches in NOTEBOOKS or (q.teaches == BEYOND and q.read)) and q.difficulty in (1, 2, 3) and q.wrong_answers
        for field in (q.question, q.answer, q.follow_up, *q.wrong_answers):
            assert field["en"] and field["ko"]
            assert any("\uac00" <= ch <= "\ud7a3" for ch in field["ko"]), q.id   # real Hangul
        assert all(p["en"] and p["ko"] for p in q.key_points)      # a key point may be a formula
        assert q.variant_of is None or ids[q.variant_of].variant_of is None


def test_every_difficulty_is_represented():
    assert {q.difficulty for q in load_bank()} == {1, 2, 3}


def test_the_real_bank_drills_and_counts_variants_once():
    drill = Drill()
    c = drill.counts()
    assert c["cards"] == len({q.root for q in drill.questions}) <= len(drill.questions)
    assert c["due"] == 0 and c["new"] == min(10, c["unseen"]) and c["learned"] == 0
    first = drill.next()
    assert first is not None and drill.card(first.id).startswith(f"[{first.id}]")


# ---------------------------------------------------------------- the loader's new fields


def test_the_new_fields_load(bank):
    by = {q.id: q for q in bank}
    assert len(by["a-1"].key_points) == 3 and by["a-1"].follow_up_answer["ko"] == "후속 답 a-1입니다."
    assert by["a-2"].variant_of == "a-1" and by["a-2"].root == "a-1" and by["a-1"].root == "a-1"
    assert by["b-1"].teaches == BEYOND and by["b-1"].read == "https://onnxruntime.ai/docs/"
    assert by["a-3"].key_points == ()                   # optional for now


@pytest.mark.parametrize("change, phrase", [
    (lambda c: c["alpha"][0].update(key_points=c["alpha"][0]["key_points"][:2]), "3 to 5 points"),
    (lambda c: c["alpha"][0].update(key_points=c["alpha"][0]["key_points"] * 2), "3 to 5 points"),
    (lambda c: c["alpha"][0].update(key_points="say it well"), "3 to 5 points"),
    (lambda c: c["alpha"][0]["key_points"][1].pop("ko"), "'key_points' needs non-empty 'en' and 'ko'"),
    (lambda c: c["alpha"][0].update(follow_up_answer={"en": "only English"}), "'follow_up_answer' needs"),
    (lambda c: c["alpha"][1].update(variant_of="zz-9"), "no card in the bank"),
    (lambda c: c["alpha"][1].update(variant_of="a-2"), "names the card itself"),
    (lambda c: c["beta"][1].update(variant_of="a-2"), "is itself a variant of 'a-1'"),
    (lambda c: c["beta"][0].pop("read"), "beyond-the-kit needs read"),
    (lambda c: c["beta"][0].update(read="onnxruntime.ai/docs"), "https:// address"),
    (lambda c: c["beta"][1].update(read="http://example.com"), "https:// address"),
    (lambda c: c["beta"][1].update(teaches="09-nowhere"), "or beyond-the-kit"),
])
def test_a_bad_new_field_is_one_sentence_naming_file_line_and_card(tmp_path, change, phrase):
    cards = standard_cards()
    change(cards)
    folder = write_bank(tmp_path / "bad", cards)
    message = clean_error(lambda: load_bank(folder))
    assert phrase in message and ", line " in message and "(id " in message
    assert clean_error(lambda: Drill(bank=load_bank(folder))) == message


# ---------------------------------------------------------------- ratings from the key points


def test_rating_from_points():
    assert [rating_from_points(4, t) for t in (4, 3, 2, 0)] == [2, 1, 0, 0]
    assert rating_from_points(3, 3, easy=True) == 3 and rating_from_points(3, 2, easy=True) == 1


def test_reveal_shows_the_checklist_and_the_follow_up_answer(drill):
    hidden = drill.card("b-2")
    assert "Q: Question b-2?" in hidden and "A:" not in hidden and "☐" not in hidden
    shown = drill.card("b-2", reveal=True)
    assert "A: Answer b-2." in shown and "☐ 1. point 1 of b-2" in shown and "☐ 4. point 4 of b-2" in shown
    assert "→ follow-up: Follow-up b-2?" in shown and "→ follow-up answer: Follow-up answer b-2." in shown
    assert "beyond the kit, read https://onnxruntime.ai/docs/" in drill.card("b-1")


def test_the_rating_comes_from_the_ticked_points_and_only_after_the_reveal(drill):
    assert "reveal the answer first" in drill.grade("b-2", [1, 2, 3, 4])
    assert stored()["drill"] == {}                      # nothing rated before the reveal
    drill.card("b-2", reveal=True)
    assert "4 of 4 key points. [b-2] rated good" in drill.grade("b-2", [1, 2, 3, 4])
    assert "reveal the answer first" in drill.grade("b-2", [1, 2, 3, 4])    # each rating needs its own reveal
    drill.card("b-2", reveal=True)
    assert "missed 3" in drill.grade("b-2", [1, 2, 4]) and stored()["drill"]["b-2"]["rating"] == 1
    drill.card("b-2", reveal=True)
    assert "rated again" in drill.grade("b-2", [4])
    drill.card("b-2", reveal=True)
    assert "rated easy" in drill.grade("b-2", (1, 2, 3, 4), easy=True)
    drill.card("b-2", reveal=True)
    said = drill.grade("b-2", [1, 2, 3], easy=True)
    assert "'easy' needs every key point" in said and "rated hard" in said
    assert stored()["drill"]["b-2"]["ratings"] == [2, 1, 0, 3, 1]


@pytest.mark.parametrize("ticked", [[0], [5], [1, 1], ["x"], [1.5], [True], None, 3])
def test_bad_ticks_are_a_sentence_and_rate_nothing(drill, ticked):
    drill.card("b-2", reveal=True)
    assert "tick key points by their numbers, 1 to 4" in drill.grade("b-2", ticked)
    assert stored()["drill"] == {}
    assert "rated good" in drill.grade("b-2", [1, 2, 3, 4])     # still revealed: the mistake cost nothing


def test_a_card_without_key_points_is_rated_by_hand(drill):
    drill.card("a-3", reveal=True)
    assert "no key points yet; rate it yourself" in drill.grade("a-3", [])
    assert "rated hard" in drill.rate("a-3", 1) and "rated good" in drill.rate("a-3", "good")


# ---------------------------------------------------------------- typed answers


def test_typed_answers_are_kept_with_time_and_rating(drill, clock):
    assert "history('b-2')" in drill.answer("b-2", "  the EP claims nodes  ")
    drill.card("b-2", reveal=True)
    drill.grade("b-2", [1, 2, 3])
    clock.advance(days=1)
    for n in range(KEEP_ANSWERS + 1):
        drill.answer("b-2", f"try {n}")
    kept = drill.answers("b-2")
    assert [r["text"] for r in kept] == [f"try {n}" for n in range(1, KEEP_ANSWERS + 1)]
    drill.answer("b-1", "first")
    history = drill.history("b-1")
    assert history.splitlines() == ["[b-1] your last 1 typed answer(s):", "2027-01-05 09:00 [b-1]: first"]
    drill.rate("b-1", 2)
    assert drill.history("b-1").endswith("[b-1] · rated good: first")
    drill.rate("b-1", 0)                                # a later rating does not relabel an older answer
    assert drill.history("b-1").endswith("[b-1] · rated good: first")
    assert "nothing typed" in drill.answer("b-1", "   ") and len(drill.answers("b-1")) == 1
    assert drill.history("a-1") == "[a-1] no typed answers saved yet."
    assert stored()[ANSWERS]["b-2"][-1]["text"] == f"try {KEEP_ANSWERS}"


def test_variants_share_their_answer_history(drill):
    drill.answer("a-1", "root phrasing")
    drill.answer("a-2", "variant phrasing")
    assert [(r["id"], r["text"]) for r in drill.answers("a-2")] == [("a-1", "root phrasing"), ("a-2", "variant phrasing")]


def test_an_unreadable_answer_log_is_kept_aside_not_dropped(drill):
    data = progress.empty()
    data[ANSWERS] = ["not", "a", "mapping"]
    progress.save(data)
    drill.answer("b-2", "kept")
    data = stored()
    assert data[ANSWERS + "_unreadable"] == ["not", "a", "mapping"] and data[ANSWERS]["b-2"][0]["text"] == "kept"


# ---------------------------------------------------------------- session framing


def test_counts_and_the_daily_limit_for_new_cards(bank, clock):
    drill = Drill(bank=bank, clock=clock, new_per_day=2)
    assert drill.counts() == {"due": 0, "new": 2, "unseen": 4, "learned": 0, "cards": 4}
    assert drill.summary() == "0 due · 2 new · 0 learned (of 4 cards)"
    assert [q.id for q in drill.queue()] == ["a-1", "b-1"]          # easy first
    drill.rate("a-1", 2)
    drill.rate("b-1", 0)                                # 'again': due in ten minutes
    assert drill.counts()["new"] == 0 and drill.next() is None
    assert "Session done" in drill.text() and "10 minutes" in drill.text()
    clock.advance(seconds=900)
    assert drill.next().id == "b-1" and drill.counts()["due"] == 1
    clock.advance(days=1)                               # a new day: two more new cards
    assert drill.counts() == {"due": 2, "new": 2, "unseen": 2, "learned": 0, "cards": 4}
    assert [q.id for q in drill.order()][:2] == ["b-1", "a-2"]      # due first, most overdue first; a-1 shows as a-2


def test_learned_means_good_with_an_interval_of_three_weeks(drill, clock):
    for _ in range(4):                                  # 1 -> 2.5 -> 6.25 -> 15.6 days: not yet
        drill.rate("b-2", 2)
        clock.advance(days=stored()["drill"]["b-2"]["interval_days"])
    assert drill.counts()["learned"] == 0
    assert "next review in 39.1 days" in drill.rate("b-2", 2)
    assert drill.counts()["learned"] == 1
    drill.rate("b-2", 0)
    assert drill.counts()["learned"] == 0


def test_intervals_grow_with_ratings():
    assert next_interval_days(0, 5, 10) < 0.01
    assert next_interval_days(2, 0, 0) == 1.0 and next_interval_days(3, 0, 0) == 3.0
    assert next_interval_days(2, 1, 1.0) == 2.5 and next_interval_days(3, 2, 2.5) == pytest.approx(8.75)
    assert next_interval_days(3, 5, 40.0, max_days=60) == 60 and next_interval_days(0, 5, 40.0, max_days=0) < 0.01


def test_intervals_are_capped(bank, clock):
    drill = Drill(bank=bank, clock=clock, max_interval_days=10)
    intervals = []
    for _ in range(5):
        drill.rate("b-2", 3)
        intervals.append(stored()["drill"]["b-2"]["interval_days"])
    assert intervals == [3.0, 10.0, 10.0, 10.0, 10.0]
    assert "capped: max_interval_days" in drill.rate("b-2", 3)
    assert drill.counts()["learned"] == 1               # with a 10-day cap, 10 days is as learned as it gets
    wide = Drill(bank=bank, clock=clock, max_interval_days=60)
    wide.rate("b-2", 3)                                 # 35 days
    clock.advance(days=11)
    assert [q.id for q in drill.queue()][0] == "b-2"    # a tighter cap applies to intervals given before it


def test_interview_date_caps_intervals_and_puts_weak_topics_first(bank, clock):
    drill = Drill(bank=bank, clock=clock, interview_date="2027-01-08")      # Friday; now Monday 09:00
    assert "interview on 2027-01-08, in 3.6 days" in drill.summary()
    assert "next review in 3 days." in drill.rate("b-2", 3)
    assert "next review in 3.6 days (capped: the interview is that close)" in drill.rate("b-2", 3)
    assert stored()["drill"]["b-2"]["due"] == pytest.approx(dt.datetime(2027, 1, 8).timestamp())
    assert drill.counts()["learned"] == 1               # not due again before the interview
    drill.rate("b-1", 2)
    clock.advance(seconds=60)
    drill.rate("a-1", 1)
    drill.rate("a-3", 1)
    clock.advance(days=1.5)
    assert drill.topic_means() == pytest.approx({"alpha": 1.0, "beta": 8 / 3})
    assert [q.id for q in drill.queue()] == ["a-2", "a-3", "b-1"]          # alpha (weak) first, then beta
    plain = Drill(bank=bank, clock=clock)
    assert [q.id for q in plain.queue()] == ["b-1", "a-2", "a-3"]          # without a date: most overdue first


@pytest.mark.parametrize("value", ["2027-13-01", "15.01.2027", "tomorrow", 20270115, ""])
def test_a_bad_interview_date_is_one_sentence(bank, clock, value):
    assert "YYYY-MM-DD" in clean_error(lambda: Drill(bank=bank, clock=clock, interview_date=value))


def test_a_past_interview_date_is_one_sentence(bank, clock):
    assert "has passed" in clean_error(lambda: Drill(bank=bank, clock=clock, interview_date="2027-01-02"))
    assert Drill(bank=bank, clock=clock, interview_date=dt.date(2027, 1, 4)).cap_days() < 0.01   # today: ten minutes


# ---------------------------------------------------------------- variants


def test_a_variant_is_scheduled_with_its_root_and_phrasings_take_turns(drill, clock):
    assert drill.counts()["cards"] == 4 and len(drill.questions) == 5
    assert [q.id for q in drill.order()] == ["a-1", "b-1", "b-2", "a-3"]
    assert "(one of 2 phrasings scheduled as a-1)" in drill.card("a-2")
    assert "(scheduled with a-1)" in drill.rate("a-2", 2)
    assert set(stored()["drill"]) == {"a-1"}
    clock.advance(days=1)
    assert drill.next().id == "a-2"                     # rated once: the other phrasing now
    drill.rate("a-1", 2)
    clock.advance(days=3)
    assert drill.next().id == "a-1"


def test_a_variant_whose_root_is_filtered_out_still_rates_the_root(tmp_path, clock):
    cards = standard_cards()
    cards["beta"].append(card("b-3", 1, variant_of="a-1"))
    beta = Drill("beta", bank=load_bank(write_bank(tmp_path / "x", cards)), clock=clock)
    assert beta.counts()["cards"] == 3
    beta.rate("b-3", 2)
    assert set(stored()["drill"]) == {"a-1"}


# ---------------------------------------------------------------- the mock interview


def test_a_mock_interview_is_timed_and_chains_to_the_follow_up(drill, clock):
    first = drill.mock(seed=3)
    assert first.card.id == drill.mock(seed=3).card.id and first.card in drill.queue()
    mock = drill.mock(seed=1, seconds=120)
    assert mock.step == "ready" and "start with mock.question()" in mock.follow_up()
    assert "answer the question and its follow-up first" in mock.reveal()
    q = mock.card
    assert mock.question().endswith(f"[{q.id}] Q: {q.question['en']}") and mock.step == "question"
    clock.advance(seconds=95)
    assert mock.left() == 25
    said = mock.follow_up("my spoken answer, typed")
    assert said.startswith("you used 95 s of 120.") and said.endswith(q.follow_up["en"]) and mock.step == "follow-up"
    clock.advance(seconds=40)
    assert "reveal first" in mock.grade([1, 2, 3])
    shown = mock.reveal()
    assert q.follow_up_answer["en"] in shown and "☐ 1." in shown and mock.step == "revealed"
    assert mock.record == {"id": q.id, "started": pytest.approx(clock.t - 135), "answer_s": 95.0, "follow_up_s": 40.0,
                           "seconds": 120.0, "over_time": False}
    assert "rated good" in mock.grade(range(1, len(q.key_points) + 1))
    kept = drill.answers(q.id)[-1]
    assert kept["text"] == "my spoken answer, typed" and kept["seconds"] == 95 and kept["rating"] == 2


def test_a_mock_interview_over_time_and_without_new_cards(bank, clock):
    drill = Drill(bank=bank, clock=clock, new_per_day=0)
    mock = drill.mock(seed=0)                           # nothing due or new: any card
    mock.question()
    clock.advance(seconds=150)
    assert "30 s over time" in mock.follow_up() and mock.record["over_time"]
    with pytest.raises(AccelkitError, match="no question matches"):
        Drill("beta", 3, bank=bank, clock=clock).mock()


# ---------------------------------------------------------------- languages


def test_cross_language_cards(bank, clock):
    ko_en = Drill(bank=bank, clock=clock, lang="ko-en")
    shown = ko_en.card("b-2", reveal=True)
    assert "Q: 질문 b-2인가요?" in shown and "A: Answer b-2." in shown and "☐ 1. point 1 of b-2" in shown
    assert "→ follow-up: 후속 질문 b-2인가요?" in shown and "→ follow-up answer: Follow-up answer b-2." in shown
    en_ko = Drill(bank=bank, clock=clock, lang="en-ko").card("b-2", reveal=True)
    assert "Q: Question b-2?" in en_ko and "A: 답 b-2입니다." in en_ko
    both = ko_en.card("b-2", reveal=True, side_by_side=True)
    assert "A (en): Answer b-2." in both and "A (ko): 답 b-2입니다." in both
    assert "☐ 1. point 1 of b-2 (en)" in both and "☐ 1. b-2의 요점 1 (ko)" in both
    assert both.index("A (en)") < both.index("A (ko)")  # the answer language first
    mock = ko_en.mock(seed=0)
    assert "질문" in mock.question()


# ---------------------------------------------------------------- bad input


def test_bad_input_is_a_sentence(drill, bank, clock):
    with pytest.raises(AccelkitError, match="topics:"):
        Drill(topic="cooking", bank=bank)
    assert "use one of: en, ko, ko-en, en-ko" in clean_error(lambda: Drill(lang="fr", bank=bank))
    assert "difficulty must be" in clean_error(lambda: Drill(difficulty=4, bank=bank))
    for bad in (0, -3, "60", float("nan"), True):
        assert "max_interval_days" in clean_error(lambda bad=bad: Drill(bank=bank, max_interval_days=bad))
    for bad in (-1, 2.5, "10"):
        assert "new_per_day" in clean_error(lambda bad=bad: Drill(bank=bank, new_per_day=bad))
    for bad in ("great", 7, -1, 1.5, None, True, "2.5"):
        assert drill.rate("b-2", bad) == "rate with a number: 0 (again), 1 (hard), 2 (good) or 3 (easy)."
    assert stored()["drill"] == {}
    for call in (drill.card, drill.history, lambda q: drill.rate(q, 2), lambda q: drill.grade(q, [1]),
                 lambda q: drill.answer(q, "x")):
        assert "did you mean 'b-2'" in call("b2") and "ids: a-1, a-2, a-3, b-1, b-2." in call("b2")
        assert "there is no question ['b-2']" in call(["b-2"])
    assert drill.answers("zz") == [] and stored()["drill"] == {}


def test_the_progress_file_stays_valid_through_everything(drill, clock):
    drill.answer("a-1", "typed")
    drill.card("b-2", reveal=True)
    drill.grade("b-2", [1, 2])
    mock = drill.mock(seed=2)
    mock.question()
    mock.follow_up("more")
    data = stored()                                     # loads without a 'corrupt' warning
    assert set(data) >= {"version", "quizzes", "exercises", "drill", ANSWERS}
    assert progress.table(data)[-1]["what"] == "interview drill"
    json.dumps(data)


def test_a_private_progress_file(bank, clock, tmp_path):
    own = tmp_path / "demo" / "progress.json"
    drill = Drill(bank=bank, clock=clock, progress_file=own)
    drill.rate("b-2", 2)
    assert "b-2" in progress.load(own)["drill"] and stored()["drill"] == {}
    assert drill.with_filters("beta").progress_file == own


# ---------------------------------------------------------------- the views


def test_widget_rates_only_after_the_reveal_from_the_ticked_points(drill):
    view = drill.show()
    assert view._repr_mimebundle_()["text/plain"].startswith("Interview drill · 0 due · 4 new · 0 learned")
    assert view.current.id == "a-1" and "0 due · 4 new" in view.counts.value
    good, grade = button(view.box, "2 good"), button(view.box, "Rate from key points")
    assert good.disabled and grade.disabled and all(b.disabled for b in view.rates)
    good.click()
    grade.click()                                       # before the reveal: ignored, nothing rated
    assert view.current.id == "a-1" and view.status.value == "" and stored()["drill"] == {}
    view.typed.value = "my answer"
    button(view.box, "Reveal answer").click()
    assert "your answer is saved" in view.status.value and drill.answers("a-1")[0]["text"] == "my answer"
    assert not grade.disabled and not any(b.disabled for b in view.rates) and len(view.rubric.ticks) == 3
    assert "point 2 of a-1" in shown_text(view.rubric.box)
    view.rubric.ticks[0].value = view.rubric.ticks[2].value = True
    grade.click()
    assert "2 of 3 key points, missed 2" in view.status.value and "rated hard" in view.status.value
    assert view.current.id == "b-1" and view.typed.value == "" and grade.disabled   # the next card starts unrevealed
    button(view.box, "Reveal answer").click()
    for tick in view.rubric.ticks:
        tick.value = True
    view.rubric.easy.value = True
    grade.click()
    assert "rated easy" in view.status.value
    button(view.box, "Reveal answer").click()
    good.click()                                        # rating by hand, after the reveal
    assert "[b-2] rated good" in view.status.value
    view.current = drill._by_id["a-1"]
    button(view.box, "My past answers").click()
    assert "my answer" in view.status.value and "rated hard" in view.status.value


def test_widget_languages_side_by_side_and_filters(drill):
    view = drill.show()
    view.lang.value = "ko-en"
    assert view.drill.lang == "ko-en" and "질문 a-1인가요?" in view.card.value
    button(view.box, "Reveal answer").click()
    assert "Answer a-1." in view.card.value and "a-1의 요점" not in shown_text(view.rubric.box)
    view.rubric.ticks[1].value = True
    view.side.value = True
    assert "<table" in view.card.value and "답 a-1입니다." in view.card.value and "Answer a-1." in view.card.value
    assert view.rubric.ticks[1].value                   # switching the layout keeps your ticks
    assert "4 of" not in view.status.value
    view.topic.value = "beta"
    assert view.current.id == "b-1" and view.drill.clock is drill.clock
    view.level.value = 3
    assert view.current is None and "No question matches" in view.card.value
    assert all(b.disabled for b in view.rates) and button(view.box, "Reveal answer").disabled


def test_widget_without_key_points_is_rated_by_hand(bank, clock):
    view = Drill("alpha", 3, bank=bank, clock=clock).show()
    button(view.box, "Reveal answer").click()
    assert "rate it by hand" in view.status.value and button(view.box, "Rate from key points").disabled
    button(view.box, "1 hard").click()
    assert "rated hard" in view.status.value


def test_the_mock_view_counts_down_then_chains(drill, clock):
    view = drill.mock(seed=1).show()
    q = view.mock.card
    assert "press Start" in view._repr_mimebundle_()["text/plain"]
    assert button(view.box, "Follow-up").disabled and button(view.box, "Reveal").disabled
    button(view.box, "Start").click()
    assert q.question["en"] in view.card.value and "2:00 left" in view.clock.value
    clock.advance(seconds=75)
    view.tick()
    assert "0:45 left" in view.clock.value and view.bar.value == 45
    clock.advance(seconds=60)
    view.tick()
    assert "over time by 0:15" in view.clock.value and view.bar.value == 0
    view.typed.value = "typed under pressure"
    button(view.box, "Follow-up").click()
    assert q.follow_up["en"] in view.card.value and "15 s over time" in view.card.value
    assert "1:00 left" in view.clock.value and view.bar.max == 60
    assert button(view.box, "Rate from key points").disabled
    button(view.box, "Reveal").click()
    assert q.follow_up_answer["en"] in view.card.value and "answer took 135 s" in view.clock.value
    for tick in view.rubric.ticks:
        tick.value = True
    button(view.box, "Rate from key points").click()
    assert "rated good" in view.status.value and button(view.box, "Rate from key points").disabled
    assert drill.answers(q.id)[-1]["seconds"] == 135
    assert not any(isinstance(x, type(view.typed)) and x.disabled for x in descendants(view.box))
