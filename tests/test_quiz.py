import json
import math

import ipywidgets
import numpy
import pytest
from fakes import button, descendants, only, shown_text

from accelkit import AccelkitError, load_quiz
from accelkit.config import data_dir
from accelkit.learn import progress
from accelkit.learn.quiz import LETTERS, PredictView, load_bank

BANKS = sorted((data_dir() / "quizzes").glob("*.yaml"))


def test_there_are_banks():
    assert BANKS


@pytest.mark.parametrize("path", BANKS, ids=lambda p: p.stem)
def test_bank_validates_and_every_answer_is_well_defined(path):
    notebook, _, questions = load_bank(path)
    assert notebook == path.stem and len(questions) >= 8
    quiz = load_quiz(notebook, record=False)
    for q in questions:
        if q.type in ("single", "multi"):
            assert quiz.answer(q.id, q.correct_letters()).correct is True, q.id
            wrong = [LETTERS[i] for i, o in enumerate(q.options) if not o["correct"]]
            assert wrong and quiz.answer(q.id, wrong[:1]).correct is False, q.id
            assert all(o["explanation"] for o in q.options)
        elif q.type == "numeric":
            target = quiz.expected(q)
            assert quiz.answer(q.id, target).correct is True
            assert quiz.answer(q.id, target * 3 + 100).correct is False
        elif q.type == "predict":                 # predicted before the measurement, never answered after it
            assert q.measured and q.ask_before and q.prompt.startswith("Predict:"), q.id
            assert quiz.answer(q.id, "a").correct is None
            measured = 10.0
            right = q.bin_of(measured) if q.options else measured
            assert quiz.predict(q.id, right).saved and quiz.compare(q.id, measured).correct is True, q.id
            far = next(x for x in LETTERS[:len(q.options)] if x != right) if q.options else measured * 3 + 100
            assert quiz.predict(q.id, far).saved and quiz.compare(q.id, measured).correct is False, q.id
        else:
            assert quiz.answer(q.id, q.example).correct is True
            assert quiz.answer(q.id, "zzz unrelated").correct is False


@pytest.fixture
def quiz():
    return load_quiz("00-setup-and-hardware", {"ov_latency_ms": 20.0})


def right(quiz, qid):
    """The correct letter of a single-choice item as shown (options are shuffled by question id)."""
    return next(q for q in quiz.questions if q.id == qid).correct_letters()[0]


def wrong(quiz, qid):
    q = next(q for q in quiz.questions if q.id == qid)
    return next(LETTERS[i] for i, o in enumerate(q.options) if not o["correct"])


def test_wrong_types_get_a_sentence_not_a_traceback(quiz):
    assert quiz.answer("size-mb", "abc").message == "expected a number, e.g. 2.5."
    assert quiz.answer("size-mb", "abc").correct is None
    assert "one option letter" in quiz.answer("vnni", 3.5).message
    assert "one option letter" in quiz.answer("vnni", "a, b").message
    assert "option letters" in quiz.answer("throughput-hint", "q").message
    assert "short text" in load_quiz("03-openvino-ir-conversion").answer("executed-graph", 42).message


def test_unknown_id_lists_valid_ids(quiz):
    fb = quiz.answer("nope", "a")
    assert fb.correct is None and "vnni" in fb.message and "overhead" in fb.message
    assert "valid ids" in quiz.reveal("nope")


def test_a_prediction_is_saved_then_compared_with_the_measurement():
    quiz = load_quiz("01-execution-providers")
    saved = quiz.predict("predict-threads", "2.0x")
    assert saved.saved and saved.value == 2.0 and "prediction saved: 2x" in str(saved)
    assert progress.load()["predictions"]["01-execution-providers"]["predict-threads"]["value"] == 2.0
    later = load_quiz("01-execution-providers")                         # a fresh object reads progress
    fb = later.compare("predict-threads", 1.62)
    assert fb.correct is False and "you predicted 2x; measured 1.62x: 23% above it, outside the ± 15%" in fb.message
    assert fb.explanation and progress.load()["quizzes"]["01-execution-providers"]["predict-threads"]["answer"] == 2.0
    later.predict("predict-threads", 1.7)
    assert later.compare("predict-threads", numpy.float32(1.62)).correct is True     # numpy numbers are measurements too
    assert later.score() == (1, len(later.questions))                   # the verdict counts as the item's answer


def test_a_prediction_of_a_range_and_its_verdict():
    quiz = load_quiz("00-setup-and-hardware", record=False)
    q = next(q for q in quiz.questions if q.id == "predict-latency")
    assert [o["text"] for o in q.options][0] == "under 4 ms"           # ordered ranges are never shuffled
    assert q.bin_of(3.9) == "a" and q.bin_of(4) == "b" and q.bin_of(1e6) == "d"
    assert quiz.predict("predict-latency", "c)").saved
    fb = quiz.compare("predict-latency", 9.4)
    assert fb.correct is False and "you predicted c) 15 to 50 ms; measured 9.4 ms, which is b) 4 to 15 ms." in fb.message
    quiz.predict("predict-latency", "B")
    assert quiz.compare("predict-latency", 9.4).correct is True
    assert progress.load()["quizzes"] == {}                             # record=False saves nothing


def test_bad_predictions_and_measurements_get_one_sentence_and_save_nothing():
    quiz = load_quiz("01-execution-providers")
    unknown = quiz.predict("nope", 2)
    assert not unknown.saved and "there is no question 'nope'" in str(unknown) and "predict-threads" in str(unknown)
    assert "not a prediction (answer it with quiz.answer)" in str(quiz.predict("fallback"))
    for bad in ("abc", "", "nan", "inf", -1, [2]):
        result = quiz.predict("predict-threads", bad)
        assert not result.saved and "Nothing was saved" in str(result), bad
    assert "one letter: a, b, c, d" in str(load_quiz("00-setup-and-hardware").predict("predict-latency", "e"))
    assert "predictions" not in progress.load()
    before = quiz.compare("predict-threads", 1.9)                      # compare before any prediction
    assert before.correct is None and "You made no prediction" in before.message and "1.9x" in before.message
    assert str(before).startswith("[predict-threads] no prediction:")
    quiz.predict("predict-threads", 2)
    for nan in (math.nan, math.inf, "1.9", None, True):
        fb = quiz.compare("predict-threads", nan)
        assert fb.correct is None and "not a finite number" in fb.message, nan
    assert quiz.compare("nope", 1.0).correct is None
    answered = quiz.answer("predict-threads", 2)                        # not answerable after the measurement
    assert answered.correct is None and "before section 4" in answered.message
    assert "01-execution-providers" not in progress.load()["quizzes"]


def test_the_prediction_form_prints_the_same_text_whether_or_not_one_was_saved():
    quiz = load_quiz("06-io-binding")
    view = quiz.predict("predict-binding")
    assert isinstance(view, PredictView)
    text = view._repr_mimebundle_()["text/plain"]
    assert text.startswith("Predict · [predict-binding] Predict:") and "   a) no visible difference" in text
    assert text.endswith("in code with quiz.predict('predict-binding', '<letter>').")
    only(view.box, ipywidgets.RadioButtons).value = "b"
    button(view.box, "Save prediction").click()
    assert "prediction saved: b) 1.1x to 1.5x" in shown_text(view.box)
    assert quiz.prediction("predict-binding") == "b"
    again = load_quiz("06-io-binding").predict("predict-binding")
    assert again._repr_mimebundle_()["text/plain"] == text and "saved before: b)" in shown_text(again.box)
    numeric = load_quiz("02-graph-optimizations").predict("predict-levels")
    only(numeric.box, ipywidgets.Text).value = "fast"
    button(numeric.box, "Save prediction").click()
    assert "could not read &#x27;fast&#x27;" in shown_text(numeric.box)
    assert numeric._repr_mimebundle_()["text/plain"].endswith("quiz.predict('predict-levels', <number>).")


def test_the_final_quiz_lists_a_prediction_with_its_result_and_does_not_ask_it_again():
    load_quiz("03-openvino-ir-conversion").predict("predict-cache", "b")
    quiz = load_quiz("03-openvino-ir-conversion", {"cache_speedup": 1.8})
    q = next(q for q in quiz.questions if q.id == "predict-cache")
    assert "(a prediction, made before section 3)" in quiz.text()
    assert quiz.text() == load_quiz("03-openvino-ir-conversion", record=False).text()   # nothing learner-specific
    card = quiz.show().cards[quiz.questions.index(q)]
    assert "✔ right: you predicted b) 1.1x to 3x; measured 1.8x, in that range." in shown_text(card)
    assert not [b for b in descendants(card) if isinstance(b, ipywidgets.Button) and b.description == "Submit"]
    button(card, "Reveal").click()
    assert "measured 1.8x, choice b" in shown_text(card)
    assert "not made yet" in load_quiz("03-openvino-ir-conversion").reveal("predict-cache")
    assert "No prediction was saved" in load_quiz("05-auto-vs-hetero", record=False).prediction_status(
        next(q for q in quiz.questions if q.id == "predict-cache"))


def test_old_progress_with_removed_ids_and_damaged_predictions_breaks_nothing(tmp_path):
    """Ids dropped from a bank (your-latency, ov-overhead, ...) stay in old progress files; a
    hand-edited predictions section reads as no prediction."""
    path = progress.progress_path()
    path.write_text(json.dumps({"version": 1, "quizzes": {"00-setup-and-hardware": {
        "your-latency": {"answer": 9.0, "correct": True, "attempts": 1}, "ov-overhead": {"answer": "a", "attempts": 2}}},
        "exercises": {}, "drill": {}, "predictions": {"00-setup-and-hardware": {"predict-latency": {"value": "zz"}},
                                                      "01-execution-providers": ["not", "a", "dict"]}}))
    quiz = load_quiz("00-setup-and-hardware")
    assert quiz.score() == (0, 8) and quiz.prediction("predict-latency") is None
    assert load_quiz("01-execution-providers").prediction("predict-threads") is None
    assert progress.table()[0] == {"what": "quiz 00-setup-and-hardware", "answered": 2, "correct": 1}
    assert quiz.show().score.value == "<b>0/8 correct</b>"
    assert load_quiz("01-execution-providers").predict("predict-threads", 2).saved     # the damaged part is replaced
    assert progress.load()["predictions"]["01-execution-providers"]["predict-threads"]["value"] == 2


def test_text_answers_must_match_a_pattern_as_a_whole():
    quiz = load_quiz("03-openvino-ir-conversion", record=False)
    for ok in ("get_runtime_model", "compiled_model.get_runtime_model()", "  `Get_Runtime_Model()`. "):
        assert quiz.answer("executed-graph", ok).correct is True, ok
    for hedge in ("get_runtime_model or get_ops", "get_runtime_models", "not get_runtime_model", "get_runtime_model(), get_ops()"):
        assert quiz.answer("executed-graph", hedge).correct is False, hedge


def test_answers_go_to_progress_and_score(quiz):
    quiz.answer("vnni", right(quiz, "vnni"))
    quiz.answer("bf16-default", wrong(quiz, "bf16-default"))
    quiz.answer("size-mb", "abc")          # unreadable: not recorded
    saved = progress.load()["quizzes"]["00-setup-and-hardware"]
    assert set(saved) == {"vnni", "bf16-default"}
    assert quiz.score() == (1, 8)


def test_text_rendering_is_deterministic(quiz):
    assert quiz.text() == load_quiz("00-setup-and-hardware").text()
    assert quiz.text().startswith("Quiz · 00")
    assert "correct" not in quiz.text().lower().split("quiz.answer")[0]  # no answers leaked


def test_widget_submit_updates_feedback_and_score(quiz):
    view = quiz.show()
    assert view._repr_mimebundle_()["text/plain"] == quiz.text()
    card = view.cards[0]                          # vnni: single choice
    assert view.score.value == "<b>0/8 correct</b>" and "correct" not in shown_text(card)
    letter = right(quiz, "vnni")
    only(card, ipywidgets.RadioButtons).value = letter
    button(card, "Submit").click()
    assert "correct" in shown_text(card) and view.score.value == "<b>1/8 correct</b>"
    assert f"answer: {letter}" not in shown_text(card)
    button(card, "Reveal").click()
    assert f"answer: {letter}" in shown_text(card)
    numeric = view.cards[5]
    only(numeric, ipywidgets.Text).value = "abc"
    button(numeric, "Submit").click()
    assert "expected a number" in shown_text(numeric)


def write(tmp_path, text):
    path = tmp_path / "bank.yaml"
    path.write_text(text)
    return path


def test_schema_errors_name_file_line_and_question(tmp_path):
    base = "notebook: x\ntitle: t\nquestions:\n  - id: a\n    type: single\n    prompt: p\n    explanation: e\n"
    cases = {
        "    options:\n      - {text: x, explanation: y}\n": r"line 4 \(id a\): a single question needs exactly one",
        "    options:\n      - {text: x}\n": r"line 4 \(id a\): every option needs 'text' and 'explanation'",
        "    options:\n      - {text: x, explanation: y, correct: 'false'}\n": "must be true or false",
        "": "missing field 'options'",
    }
    for tail, message in cases.items():
        with pytest.raises(AccelkitError, match=message):
            load_bank(write(tmp_path, base + tail))
    with pytest.raises(AccelkitError, match="type must be one of"):
        load_bank(write(tmp_path, base.replace("single", "essay")))
    numeric = "notebook: x\ntitle: t\nquestions:\n  - {id: n, type: numeric, prompt: p, explanation: e, answer: 1}\n"
    with pytest.raises(AccelkitError, match="make it a 'predict' question"):
        load_bank(write(tmp_path, numeric.replace("answer: 1", "measured: m, tolerance: 1")))
    with pytest.raises(AccelkitError, match="tolerance"):
        load_bank(write(tmp_path, numeric))
    with pytest.raises(AccelkitError, match="'answer' must be a non-negative number"):
        load_bank(write(tmp_path, numeric.replace("answer: 1", "answer: abc, tolerance: 1")))
    text = "notebook: x\ntitle: t\nquestions:\n  - {id: t, type: text, prompt: p, explanation: e, accept: [abc], example: xyz}\n"
    with pytest.raises(AccelkitError, match="matches none"):
        load_bank(write(tmp_path, text))
    predict = ("notebook: x\ntitle: t\nquestions:\n  - {id: p, type: predict, prompt: p, explanation: e, measured: m, "
               "ask_before: s, CHOICES}\n")
    cases = {"rel_tolerance: 0.1": None,
             "choices: [{text: a, below: 1}, {text: b}]": None,
             "unit: 3, tolerance: 1": "'unit' must be text",
             "": "needs 'tolerance' or 'rel_tolerance'",
             "choices: [{text: a}]": "must be 2 to 10 ranges",
             "choices: [{text: a, below: 2}, {text: b, below: 1}, {text: c}]": "increasing",
             "choices: [{text: a, below: 1}, {text: b, below: 2}]": "the last has none",
             "choices: [{text: a, below: 1}, {text: b}], tolerance: 1": "either 'choices' or a tolerance"}
    for tail, message in cases.items():
        bank = write(tmp_path, predict.replace("CHOICES", tail).replace(", }", "}"))
        if message is None:
            assert load_bank(bank)[2][0].type == "predict"
        else:
            with pytest.raises(AccelkitError, match=message):
                load_bank(bank)
    with pytest.raises(AccelkitError, match="missing field 'ask_before'"):
        load_bank(write(tmp_path, predict.replace("ask_before: s, CHOICES", "tolerance: 1")))
    dup = base + "    options:\n      - {text: x, explanation: y, correct: true}\n"
    with pytest.raises(AccelkitError, match="duplicate id"):
        load_bank(write(tmp_path, dup + dup.split("questions:\n")[1]))


def test_unknown_quiz_lists_known():
    with pytest.raises(AccelkitError, match="00-setup-and-hardware"):
        load_quiz("99-nothing")


def test_multi_select_shows_every_option_in_full_and_reads_the_ticked_boxes():
    """In JupyterLab a Checkbox's own label is cut at one line ("a) It runs several inference streams
    in p…"): each option's whole text is shown beside its box, and ticking boxes answers by letter."""
    quiz = load_quiz("05-auto-vs-hetero", {}, record=False)
    q = next(q for q in quiz.questions if q.type == "multi")
    view = quiz.show()
    card = view.cards[quiz.questions.index(q)]
    boxes = [x for x in descendants(card) if isinstance(x, ipywidgets.Checkbox)]
    assert len(boxes) == len(q.options) and all(b.description == "" for b in boxes)
    text = shown_text(card)
    assert all(o["text"] in text.replace("&#x27;", "'").replace("&quot;", '"').replace("&amp;", "&")
               for o in q.options)
    for i, box in enumerate(boxes):
        box.value = q.options[i]["correct"]
    button(card, "Submit").click()
    assert "✔" in shown_text(card)


def _single_and_multi():
    banks = {path.stem: load_bank(path)[2] for path in BANKS}
    single = {nb: [q for q in qs if q.type == "single"] for nb, qs in banks.items()}
    multi = [q for qs in banks.values() for q in qs if q.type == "multi"]
    return single, multi


def _longest_is_correct(q):
    return max(q.options, key=lambda o: len(o["text"]))["correct"]


def test_option_length_and_position_give_the_answer_away_nowhere():
    """Picking the longest option, or always 'b', must not pass a quiz: in every bank (and over all
    of them) the correct option is the longest in at most 40 % of single-choice items, and no letter
    holds the answer in more than 40 % (banks of fewer than 5 such items: at most 2 items per letter,
    since 4 three-option items cannot do better). Multi-select answers are not 'the first k letters'
    more than 40 % of the time."""
    single, multi = _single_and_multi()
    everything = [q for qs in single.values() for q in qs]
    for name, qs in [*single.items(), ("all banks", everything)]:
        if not qs:
            continue
        longest = sum(map(_longest_is_correct, qs))
        assert longest <= 0.4 * len(qs) or (len(qs) < 5 and longest <= 1), f"{name}: the correct option is the longest in {longest}/{len(qs)}"
        letters = [q.correct_letters()[0] for q in qs]
        worst = max(set(letters), key=letters.count)
        limit = 0.4 * len(qs) if len(qs) >= 5 else 2
        assert letters.count(worst) <= limit, f"{name}: {letters.count(worst)}/{len(qs)} answers are '{worst}'"
    prefix = sum(q.correct_letters() == list(LETTERS[:len(q.correct_letters())]) for q in multi)
    assert prefix <= 0.4 * len(multi), f"{prefix}/{len(multi)} multi-select answers are the first letters"


def test_options_are_shuffled_by_question_id_the_same_every_time(tmp_path):
    bank = tmp_path / "x.yaml"
    opts = "".join(f"      - {{text: option {i}, correct: {'true' if i == 0 else 'false'}, explanation: e}}\n" for i in range(6))
    bank.write_text("notebook: x\ntitle: t\nquestions:\n" + "".join(
        f"  - id: q{n}\n    type: single\n    prompt: p\n    explanation: e\n    options:\n{opts}" for n in range(12)))
    first, again = load_bank(bank)[2], load_bank(bank)[2]
    assert [q.options for q in first] == [q.options for q in again]
    assert len({q.correct_letters()[0] for q in first}) > 1      # the written order (always 'a') is not kept
    bank.write_text(bank.read_text().replace("notebook: x", "notebook: x\nshuffle_seed: 7"))
    assert [q.options for q in load_bank(bank)[2]] != [q.options for q in first]
    bank.write_text(bank.read_text().replace("shuffle_seed: 7", "shuffle_seed: seven"))
    with pytest.raises(AccelkitError, match="shuffle_seed must be a whole number"):
        load_bank(bank)
