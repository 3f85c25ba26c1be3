import pytest
from fakes import button

from accelkit import AccelkitError, Drill
from accelkit.learn.drill import NOTEBOOKS, load_bank, next_interval_days

REQUIRED_TOPICS = {"ep-architecture", "graph-optimizations", "ir-conversion", "quantization", "devices",
                   "io-binding", "tensorrt", "benchmarking", "deployment", "study-note"}


def test_bank_is_complete_and_bilingual():
    bank = load_bank()
    assert len(bank) >= 80
    assert {q.topic for q in bank} >= REQUIRED_TOPICS
    assert len([q for q in bank if q.topic == "study-note"]) == 3
    for q in bank:
        assert q.teaches in NOTEBOOKS and q.difficulty in (1, 2, 3) and q.wrong_answers
        for field in (q.question, q.answer, q.follow_up, *q.wrong_answers):
            assert field["en"] and field["ko"]
            assert any("\uac00" <= ch <= "\ud7a3" for ch in field["ko"]), q.id   # real Hangul


def test_every_difficulty_is_represented():
    assert {q.difficulty for q in load_bank()} == {1, 2, 3}


def test_unseen_order_is_easy_first_and_rating_moves_on():
    drill = Drill(topic="devices")
    first = drill.order()
    assert [q.difficulty for q in first] == sorted(q.difficulty for q in first)
    assert "next review in 1 day" in drill.rate(first[0].id, 2)
    assert drill.next().id == first[1].id
    assert drill.order()[-1].id == first[0].id
    drill.rate(first[2].id, 0)                          # 'again' comes back first once due
    import time
    assert drill.order(now=time.time() + 3600)[0].id == first[2].id


def test_intervals_grow_with_ratings():
    assert next_interval_days(0, 5, 10) < 0.01
    assert next_interval_days(2, 0, 0) == 1.0 and next_interval_days(3, 0, 0) == 3.0
    assert next_interval_days(2, 1, 1.0) == 2.5 and next_interval_days(3, 2, 2.5) == pytest.approx(8.75)


def test_cards_in_both_languages():
    en, ko = Drill(topic="study-note"), Drill(topic="study-note", lang="ko")
    assert en.card("note-01").startswith("[note-01]") and "A:" not in en.card("note-01")
    assert "A:" in ko.card("note-01", reveal=True) and "follow-up" in ko.card("note-01", reveal=True)
    assert "ids:" in en.card("zzz")


def test_filters_that_leave_nothing():
    drill = Drill(topic="study-note", difficulty=3)
    assert drill.next() is None and "No question matches" in drill.text()
    assert drill.show().current is None


def test_bad_input_is_a_sentence():
    with pytest.raises(AccelkitError, match="topics:"):
        Drill(topic="cooking")
    with pytest.raises(AccelkitError, match="'en' or 'ko'"):
        Drill(lang="fr")
    drill = Drill(topic="study-note")
    assert "rate with a number" in drill.rate("note-01", "great")
    assert "ids:" in drill.rate("zzz", 2)


def test_widget_rates_only_after_the_answer_is_revealed_then_advances():
    view = Drill(topic="study-note").show()
    assert "Interview drill" in view._repr_mimebundle_()["text/plain"]
    first = view.current.id
    good = button(view.box, "2 good")
    assert good.disabled and all(b.disabled for b in view.rates)
    good.click()                                        # before the reveal: ignored, nothing rated
    assert view.current.id == first and view.status.value == ""
    button(view.box, "Reveal answer").click()
    assert not any(b.disabled for b in view.rates)
    good.click()
    assert "rated good" in view.status.value and view.current.id != first
    assert all(b.disabled for b in view.rates)          # the next card starts unrevealed
