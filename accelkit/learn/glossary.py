"""The Korean-English glossary (``data/glossary.yaml``), shown in notebook 08.

Each term has its English name, the Korean that engineers and job postings use, and a one-line
note in both languages (often: whether Koreans just say the English word).
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..config import data_dir
from ..core.banks import fail, load_yaml, require, require_bilingual

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["glossary_path", "load_glossary", "glossary_frame"]


def glossary_path() -> Path:
    return data_dir() / "glossary.yaml"


def load_glossary(path: Path | None = None) -> list[dict[str, str]]:
    """Every term as {en, ko, note_en, note_ko}, validated (one sentence naming the line if not)."""
    path = path or glossary_path()
    raw = load_yaml(path)
    terms, seen = [], set()
    for term in require(path, raw, "terms", list):
        en, ko = require(path, term, "en", str), require(path, term, "ko", str)
        if en.lower() in seen:
            raise fail(path, term, f"the term {en!r} appears twice.")
        seen.add(en.lower())
        note = require_bilingual(path, term, "note")
        terms.append({"en": en, "ko": ko, "note_en": note["en"], "note_ko": note["ko"]})
    return terms


def glossary_frame(search: str | None = None) -> pd.DataFrame:
    """The glossary as a table, optionally only the terms whose English or Korean contains ``search``."""
    import pandas as pd

    frame = pd.DataFrame(load_glossary())
    if search:
        hit = frame["en"].str.contains(search, case=False, regex=False) | frame["ko"].str.contains(search, regex=False)
        frame = frame[hit]
    return frame.reset_index(drop=True)
