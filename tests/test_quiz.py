import ipywidgets
import pytest
from fakes import button, descendants, only, shown_text

from accelkit import AccelkitError, load_quiz
from accelkit.config import data_dir
from accelkit.learn import progress
from accelkit.learn.quiz import LETTERS, load_bank

BANKS = sorted((data_dir() / "quizzes").glob("*.yaml"))


def test_there_are_banks():
    assert BANKS


@pytest.mark.parametrize("path", BANKS, ids=lambda p: p.stem)
def test_bank_validates_and_every_answer_is_well_defined(path):
    notebook, _, questions = load_bank(path)
    assert notebook == path.stem and len(questions) >= 8
    measured = {q.measured: 10.0 for q in questions if q.measured}
    quiz = load_quiz(notebook, measured, record=False)
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
    assert "short text" in quiz.answer("percentile", 42).message


def test_unknown_id_lists_valid_ids(quiz):
    fb = quiz.answer("nope", "a")
    assert fb.correct is None and "vnni" in fb.message and "overhead" in fb.message
    assert "valid ids" in quiz.reveal("nope")


def test_measured_question_uses_the_learners_number():
    quiz = load_quiz("00-setup-and-hardware", {"ov_latency_ms": 9.0})
    assert quiz.answer("your-latency", "9.2").correct is True
    assert quiz.answer("your-latency", "20").correct is False
    blank = load_quiz("00-setup-and-hardware")
    assert "run the measurement cell" in blank.answer("your-latency", 9).message


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
    with pytest.raises(AccelkitError, match="tolerance"):
        load_bank(write(tmp_path, numeric))
    with pytest.raises(AccelkitError, match="'answer' must be a non-negative number"):
        load_bank(write(tmp_path, numeric.replace("answer: 1", "answer: abc, tolerance: 1")))
    text = "notebook: x\ntitle: t\nquestions:\n  - {id: t, type: text, prompt: p, explanation: e, accept: [abc], example: xyz}\n"
    with pytest.raises(AccelkitError, match="matches none"):
        load_bank(write(tmp_path, text))
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
