"""Language and completeness lint for the bilingual interview bank and the Korean-English glossary.

Every rule collects all problems of one file and fails with one line per problem, naming the card id and the
offending text, so a writer can fix a whole file in one pass. Rules (docs: /tmp/w/ko-rules.md, review §1):
1. ko question/follow_up use the interviewer's polite voice (-시-, 주세요, …나요?/…가요?/…까요?), never
   하십시오, …겠습니까? without -시-, …합니까?/…입니까?.
2. Capitalised English words (``Latency``, ``Weight만``) in ko text only if they are proper names listed in
   tests/ko_proper_nouns.txt or inside `backticks`. Hangul counts as a word boundary here (re.ASCII), so
   ``Weight만`` is caught; CamelCase identifiers and all-caps acronyms never match.
3. An en answer about quantization / inference / weights has 양자화 / 추론 / 가중치 in its ko answer.
4. Every card: 3-5 key_points with en and ko, a follow_up_answer, a valid variant_of, a real teaches, and a
   read: https link for beyond-the-kit cards.
5. Bank and glossary sizes.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from accelkit.core.banks import load_yaml

ROOT = Path(__file__).resolve().parents[1]
BANK = ROOT / "data" / "interview"
GLOSSARY = ROOT / "data" / "glossary.yaml"
PROPER_NOUNS = Path(__file__).resolve().parent / "ko_proper_nouns.txt"
NOTEBOOK_STEMS = {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")}
BEYOND = "beyond-the-kit"
FILES = sorted(BANK.glob("*.yaml"))

FORBIDDEN_VOICE = [(re.compile(r"하십시오"), "하십시오"),
                   (re.compile(r"(?<!시)겠습니까\?"), "…겠습니까? without -시-"),
                   (re.compile(r"합니까\?"), "…합니까?"),
                   (re.compile(r"입니까\?"), "…입니까?")]
# The interviewer's polite endings: 하시겠어요 / 주시겠어요, 주세요, …나요? …가요? …까요? …세요? 있으신가요, 하시나요
POLITE = re.compile(r"시겠어요|주세요|나요\?|가요\?|까요\?|세요[?.]|신가요|시나요|셨나요|실래요")
CAPITALISED = re.compile(r"\b[A-Z][a-z]+\b", re.ASCII)
BACKTICKED = re.compile(r"`[^`]*`")
TERMS = [(re.compile(r"quantiz", re.I), "양자화"),
         (re.compile(r"\binference\b", re.I), "추론"),
         (re.compile(r"\bweights?\b", re.I), "가중치")]


def _proper_nouns() -> set[str]:
    words = set()
    for line in PROPER_NOUNS.read_text(encoding="utf-8").splitlines():
        word = line.strip()
        if word and not word.startswith("#"):
            words.add(word)
    return words


def _cards(path: Path) -> list[dict]:
    data = load_yaml(path)
    questions = data.get("questions") if isinstance(data, dict) else None
    return [q for q in questions or [] if isinstance(q, dict)]


def _all_cards() -> dict[str, dict]:
    return {q["id"]: q for path in FILES for q in _cards(path) if isinstance(q.get("id"), str)}


def _ko(value) -> str:
    return value.get("ko", "") if isinstance(value, dict) and isinstance(value.get("ko"), str) else ""


def _en(value) -> str:
    return value.get("en", "") if isinstance(value, dict) and isinstance(value.get("en"), str) else ""


def _short(text: str, at: int = 0, width: int = 60) -> str:
    start = max(0, at - width // 2)
    return " ".join(text[start:start + width].split())


def _ko_strings(card: dict) -> list[tuple[str, str]]:
    """(field name, ko text) of every Korean string of a card."""
    out = [(name, _ko(card.get(name))) for name in ("question", "answer", "follow_up", "follow_up_answer")]
    out += [(f"wrong_answers[{i}]", _ko(w)) for i, w in enumerate(card.get("wrong_answers") or [])]
    out += [(f"key_points[{i}]", _ko(k)) for i, k in enumerate(card.get("key_points") or [])]
    return [(name, text) for name, text in out if text]


def _capitalised_words(text: str, allowed: set[str]) -> list[str]:
    return [m.group() for m in CAPITALISED.finditer(BACKTICKED.sub(" ", text)) if m.group() not in allowed]


def _report(path: Path, problems: list[str]) -> None:
    if problems:
        pytest.fail(f"{path.name}: {len(problems)} problem(s)\n" + "\n".join(problems), pytrace=False)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_interviewer_voice(path):
    problems = []
    for card in _cards(path):
        for field in ("question", "follow_up"):
            text = _ko(card.get(field))
            for pattern, label in FORBIDDEN_VOICE:
                for m in pattern.finditer(text):
                    problems.append(f"{card.get('id')} {field}.ko uses {label}: …{_short(text, m.start())}…")
            if text and not POLITE.search(text):
                problems.append(f"{card.get('id')} {field}.ko has no polite interviewer ending "
                                f"(…하시겠어요? / …주세요 / …나요? / …까요?): …{text[-60:]}")
    _report(path, problems)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_capitalised_english_in_korean(path):
    allowed, problems = _proper_nouns(), []
    for card in _cards(path):
        for field, text in _ko_strings(card):
            bad = _capitalised_words(text, allowed)
            if bad:
                problems.append(f"{card.get('id')} {field}.ko capitalises {', '.join(sorted(set(bad)))} "
                                f"(lower-case it, `backtick` it, or add a proper name to tests/ko_proper_nouns.txt)")
    _report(path, problems)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_standard_korean_terms(path):
    problems = []
    for card in _cards(path):
        en, ko = _en(card.get("answer")), _ko(card.get("answer"))
        for pattern, word in TERMS:
            m = pattern.search(en)
            if m and word not in ko:
                problems.append(f"{card.get('id')} answer.en says '{m.group()}' (…{_short(en, m.start(), 40)}…) "
                                f"but answer.ko never says {word}")
    _report(path, problems)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_cards_are_complete(path):
    cards, problems = _all_cards(), []
    for card in _cards(path):
        ident = card.get("id")
        points = card.get("key_points")
        if not isinstance(points, list) or not 3 <= len(points) <= 5:
            count = len(points) if isinstance(points, list) else 0
            problems.append(f"{ident} needs 3-5 key_points, has {count}")
        else:
            for i, point in enumerate(points):
                if not (_en(point).strip() and _ko(point).strip()):
                    problems.append(f"{ident} key_points[{i}] needs non-empty en and ko: {point!r}")
        if not (_en(card.get("follow_up_answer")).strip() and _ko(card.get("follow_up_answer")).strip()):
            problems.append(f"{ident} needs follow_up_answer with en and ko")
        if "variant_of" in card:
            target = cards.get(card["variant_of"])
            if target is None:
                problems.append(f"{ident} variant_of {card['variant_of']!r} names no card in the bank")
            elif "variant_of" in target:
                problems.append(f"{ident} variant_of {card['variant_of']!r}, which is itself a variant "
                                f"(of {target['variant_of']!r}): point at the original")
        teaches = card.get("teaches")
        if teaches != BEYOND and teaches not in NOTEBOOK_STEMS:
            problems.append(f"{ident} teaches {teaches!r}: use a notebook stem from notebooks/ or {BEYOND!r}")
        if teaches == BEYOND and not str(card.get("read", "")).startswith("https://"):
            problems.append(f"{ident} is {BEYOND} but has no read: https://… link (got {card.get('read')!r})")
    _report(path, problems)


def test_bank_size_and_unique_ids():
    ids = [q.get("id") for path in FILES for q in _cards(path)]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"duplicate card ids: {', '.join(map(str, duplicates))}"
    assert len(ids) >= 110, f"the interview bank has {len(ids)} cards, needs at least 110"


def test_glossary():
    data = load_yaml(GLOSSARY)
    assert isinstance(data, dict) and _en(data.get("title")) and _ko(data.get("title")), "glossary needs title {en, ko}"
    terms = data.get("terms")
    assert isinstance(terms, list) and len(terms) >= 60, \
        f"the glossary has {len(terms) if isinstance(terms, list) else 0} terms, needs at least 60"
    allowed, problems, seen = _proper_nouns(), [], set()
    for i, term in enumerate(terms):
        en, ko = term.get("en"), term.get("ko")
        where = f"terms[{i}] ({en!r})"
        if not (isinstance(en, str) and en.strip() and isinstance(ko, str) and ko.strip()):
            problems.append(f"{where} needs non-empty en and ko")
            continue
        if en.strip().lower() in seen:
            problems.append(f"{where} repeats an en key")
        seen.add(en.strip().lower())
        note = term.get("note")
        if not (_en(note).strip() and _ko(note).strip()):
            problems.append(f"{where} needs note {{en, ko}}")
        bad = _capitalised_words(_ko(note), allowed)
        if bad:
            problems.append(f"{where} note.ko capitalises {', '.join(sorted(set(bad)))}")
    kos = {t.get("ko", "") for t in terms if isinstance(t, dict)}
    for word in ("양자화", "추론", "가중치", "경량화"):
        if not any(word in k for k in kos):
            problems.append(f"the glossary has no term whose ko is {word}")
    assert not problems, "\n".join(problems)
