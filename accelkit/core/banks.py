"""Loading the kit's YAML content (quizzes, interview bank, claims) with errors that name the
file and line, so a malformed bank is fixed in seconds (notebook 00 explains where content lives).
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import AccelkitError

__all__ = ["load_yaml", "fail", "require", "require_bilingual", "bilingual", "unique_ids"]

LINE = "__line__"  # every mapping loaded here carries the line it started on


def _loader():
    import yaml

    class LineLoader(yaml.SafeLoader):
        def construct_mapping(self, node, deep=False):
            mapping = super().construct_mapping(node, deep=deep)
            mapping[LINE] = node.start_mark.line + 1
            return mapping

    return LineLoader


def load_yaml(path: Path) -> Any:
    """Parse ``path``; a YAML syntax error becomes an AccelkitError with file and line."""
    import yaml

    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise AccelkitError(f"cannot read {path}: {exc.strerror}.") from None
    except UnicodeDecodeError:
        raise AccelkitError(f"cannot read {path}: it is not UTF-8 text; save it again as UTF-8 YAML.") from None
    try:
        return yaml.load(text, Loader=_loader())  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        raise AccelkitError(f"{path}{where}: not valid YAML ({getattr(exc, 'problem', None) or exc}).") from None


def fail(path: Path, node: Any, message: str) -> AccelkitError:
    """An error pointing at ``node``'s line in ``path`` (raise what this returns)."""
    line = node.get(LINE) if isinstance(node, dict) else None
    ident = node.get("id") if isinstance(node, dict) else None
    where = f", line {line}" if line else ""
    who = f" (id {ident})" if ident else ""
    return AccelkitError(f"{path}{where}{who}: {message}")


def require(path: Path, node: Any, key: str, kinds: type | tuple[type, ...]) -> Any:
    """``node[key]`` if present and of the given type(s), else a file-and-line error."""
    if not isinstance(node, dict):
        found = "nothing" if node is None else f"a {type(node).__name__}"
        raise fail(path, node, f"expected a mapping with {key!r}, found {found}.")
    if key not in node:
        raise fail(path, node, f"missing field {key!r}.")
    value = node[key]
    if not isinstance(value, kinds) or (isinstance(value, (str, list, dict)) and not value):
        names = kinds.__name__ if isinstance(kinds, type) else " or ".join(k.__name__ for k in kinds)
        raise fail(path, node, f"field {key!r} must be a non-empty {names}.")
    return value


def require_bilingual(path: Path, node: dict, key: str) -> dict[str, str]:
    """A ``{en: ..., ko: ...}`` field with both languages present."""
    return bilingual(path, node, require(path, node, key, dict), key)


def bilingual(path: Path, node: dict, value: Any, name: str) -> dict[str, str]:
    """Check that ``value`` (part of ``node``) has non-empty 'en' and 'ko' text."""
    if not isinstance(value, dict) or any(not isinstance(value.get(lang), str) or not value[lang].strip()
                                          for lang in ("en", "ko")):
        raise fail(path, node, f"field {name!r} needs non-empty 'en' and 'ko' text.")
    return {"en": value["en"].strip(), "ko": value["ko"].strip()}


def unique_ids(path: Path, items: Iterable[dict], seen: dict[str, Path] | None = None) -> None:
    """Every item's id must be unique (across files when ``seen`` is shared)."""
    seen = {} if seen is None else seen
    for item in items:
        ident = require(path, item, "id", str)
        if ident in seen:
            raise fail(path, item, f"duplicate id {ident!r} (also in {seen[ident]}).")
        seen[ident] = path
