"""The council's rubric as data (data/rubric.toml): read, checked and turned into
`bot.council_model.Rubric`; and a rubric or round rules to and from the JSON a round keeps."""

from __future__ import annotations

import tomllib
from dataclasses import asdict
from pathlib import Path

from bot.config import DATA_DIR
from bot.council_model import Criterion, Level, RoundRules, Rubric

RUBRIC_FILE = DATA_DIR / "rubric.toml"


class RubricError(ValueError):
    """A rubric that cannot be used; the message says what to fix, in the file's terms."""


def load_rubric(path: Path = RUBRIC_FILE) -> Rubric:
    try:
        with Path(path).open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as error:
        raise RubricError(f"{path}: cannot be read ({error.strerror})") from None
    except tomllib.TOMLDecodeError as error:
        raise RubricError(f"{path}: not valid TOML ({error})") from None
    return parse_rubric(data, source=Path(path).name)


def parse_rubric(data: dict, source: str = "") -> Rubric:
    """Check the criteria (unique keys, positive maximums summing to 100, levels within each
    criterion's range and in order) and build the rubric."""
    items = data.get("criterion")
    if not isinstance(items, list) or not items:
        raise RubricError(f"{source}: no [[criterion]] tables")
    criteria, seen = [], set()
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise RubricError(f"{source}: criterion {n} is not a table ([[criterion]])")
        key = item.get("key")
        if not isinstance(key, str) or not key.isidentifier():
            raise RubricError(f"{source}: criterion {n} needs a key (letters, digits, _)")
        if key in seen:
            raise RubricError(f"{source}: the key {key!r} is used by two criteria")
        seen.add(key)
        top = item.get("max_points")
        if not isinstance(top, int) or isinstance(top, bool) or top <= 0:
            raise RubricError(f"{source}: {key}: max_points must be a whole number above 0")
        for name in ("name_vi", "name_en"):
            if not isinstance(item.get(name), str) or not item[name].strip():
                raise RubricError(f"{source}: {key}: {name} is missing")
        levels = []
        if not isinstance(item.get("levels", []), list):
            raise RubricError(f"{source}: {key}: levels must be a list of tables")
        for level in item.get("levels", []):
            if not isinstance(level, dict):
                raise RubricError(f"{source}: {key}: a level is not a table")
            low, high = level.get("low"), level.get("high")
            if not (isinstance(low, int) and isinstance(high, int) and 0 <= low <= high <= top):
                raise RubricError(f"{source}: {key}: the level {low}–{high} is outside "
                                  f"0–{top}")
            if levels and low <= levels[-1].high:
                raise RubricError(f"{source}: {key}: the level {low}–{high} overlaps the one "
                                  "before it")
            levels.append(Level(low, high, str(level.get("vi", "")), str(level.get("en", ""))))
        criteria.append(Criterion(key, item["name_vi"], item["name_en"], top, tuple(levels)))
    total = sum(c.max_points for c in criteria)
    if total != 100:
        raise RubricError(f"{source}: the criteria's max_points sum to {total}, not 100")
    return Rubric(tuple(criteria), bool(data.get("placeholder", False)), source)


def rubric_to_json(rubric: Rubric) -> dict:
    return {"placeholder": rubric.placeholder, "criterion": [
        {"key": c.key, "name_vi": c.name_vi, "name_en": c.name_en, "max_points": c.max_points,
         "levels": [{"low": v.low, "high": v.high, "vi": v.description_vi,
                     "en": v.description_en} for v in c.levels]} for c in rubric.criteria]}


def rubric_from_json(data: dict, source: str = "") -> Rubric:
    return parse_rubric(data, source)


def rules_to_json(rules: RoundRules) -> dict:
    return asdict(rules)


def rules_from_json(data: dict) -> RoundRules:
    known = set(RoundRules.__dataclass_fields__)
    return RoundRules(**{k: v for k, v in (data or {}).items() if k in known})
