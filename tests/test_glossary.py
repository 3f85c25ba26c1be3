"""The Korean-English glossary loads, searches, and refuses a broken file in one sentence."""
import pytest

from accelkit.errors import AccelkitError
from accelkit.learn.glossary import glossary_frame, load_glossary


def test_glossary_has_the_job_market_terms_and_searches_both_languages():
    terms = load_glossary()
    assert len(terms) >= 60
    assert {"양자화", "추론", "가중치", "경량화"} <= {t["ko"] for t in terms}
    assert list(glossary_frame("quantiz")["ko"]).count("양자화") == 1
    assert "quantization" in set(glossary_frame("양자화")["en"])
    assert glossary_frame("no such term").empty


@pytest.mark.parametrize("body, words", [
    ("terms:\n  - en: a\n    ko: 가\n    note: {en: x, ko: y}\n  - en: A\n    ko: 나\n    note: {en: x, ko: y}\n", "twice"),
    ("terms:\n  - en: a\n    ko: 가\n", "note"),
    ("title: x\n", "terms"),
])
def test_a_broken_glossary_is_one_sentence(tmp_path, body, words):
    path = tmp_path / "glossary.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(AccelkitError, match=words):
        load_glossary(path)
