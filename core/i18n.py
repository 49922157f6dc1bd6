"""Every user-facing string, in English and Korean, with one Korean word per concept.

The strings live in `assets/i18n/<lang>/<file>.json`, one file per page (FILES says
which key prefixes each holds) plus the shared ones. `translate(key, lang, **values)`
fills `{placeholders}`; a key missing in one language is a bug, and `missing_keys()` is
what the test checks. `assets/i18n/glossary.json` fixes the Korean term of each concept
of the lesson (the notebook's own words where it has them); `glossary_misses()` finds
Korean strings that use the English word instead.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

LANGUAGES = {"en": "English", "ko": "한국어"}  # code -> name shown in the switch
DEFAULT_LANGUAGE = "en"
I18N_DIR = Path(__file__).resolve().parents[1] / "assets" / "i18n"
GLOSSARY = I18N_DIR / "glossary.json"
FILES = {  # file -> the key prefixes it holds
    "common": ("nav", "sidebar", "source", "data", "run", "job", "instructor",
               "settings"),  # every page
    "home": ("home", "step", "status", "download"),
    "errors": ("error",),  # data and checkpoint errors, shown on several pages
    "explorer": ("explorer",),
    "calculator": ("calc",),
    "training": ("train",),
    "transfer": ("transfer",),
    "inside": ("inside",),  # seeing inside a CNN: views on the calculator and training pages
}


def file_of(key: str) -> str:
    """The file that holds a key, by its prefix."""
    prefix = key.split(".", 1)[0]
    return next(name for name, prefixes in FILES.items() if prefix in prefixes)


def read_files(lang: str) -> dict[str, dict[str, str]]:
    """file -> its key -> string table, for one language."""
    return {name: json.loads((I18N_DIR / lang / f"{name}.json").read_text(encoding="utf-8"))
            for name in FILES}


@lru_cache(maxsize=None)
def table(lang: str) -> dict[str, str]:
    """The key -> string table of one language, every file together."""
    merged: dict[str, str] = {}
    for part in read_files(lang).values():
        merged.update(part)
    return merged


def normalize_language(value: object) -> str:
    """A supported language code from anything a URL or widget may hold."""
    return value if isinstance(value, str) and value in LANGUAGES else DEFAULT_LANGUAGE


# "{n} epoch(s)": English plurals, decided by the value of the placeholder before them
PLURAL = re.compile(r"(\{(\w+)(?::[^}]*)?\}\s+)([A-Za-z]+)\(s\)")


def _plural(text: str, values: dict) -> str:
    def word(match) -> str:
        count = values.get(match.group(2))
        return match.group(1) + match.group(3) + ("" if count == 1 else "s")
    return PLURAL.sub(word, text)


def translate(key: str, lang: str = DEFAULT_LANGUAGE, **values) -> str:
    """The string for `key` in `lang`, with `{name}` placeholders filled from values
    ("{n} epoch(s)" reads "1 epoch", "3 epochs")."""
    text = table(normalize_language(lang)).get(key)
    if text is None:  # never show a raw traceback for a missing string
        text = table(DEFAULT_LANGUAGE).get(key, key)
    return _plural(text, values).format(**values) if values else text


def translator(lang: str):
    """A one-argument `t(key, **values)` bound to a language, for pages."""
    return lambda key, **values: translate(key, lang, **values)


def missing_keys() -> dict[str, set[str]]:
    """Keys that some language has and another lacks, per language."""
    tables = {lang: set(table(lang)) for lang in LANGUAGES}
    every = set().union(*tables.values())
    return {lang: every - keys for lang, keys in tables.items() if every - keys}


def error_message(err: Exception, lang: str = DEFAULT_LANGUAGE) -> str:
    """A translated sentence for an error with a `code` and `details`, else its own text."""
    key = f"error.{getattr(err, 'code', '')}"
    if key in table(normalize_language(lang)):
        try:
            return translate(key, lang, **getattr(err, "details", {}))
        except (KeyError, IndexError):
            pass
    return str(err)


# ---- the glossary --------------------------------------------------------------------------

CODE = re.compile(r"`[^`]*`|\{[^}]*\}")  # code spans and placeholders are not prose


@lru_cache(maxsize=None)
def glossary() -> dict[str, dict]:
    """concept -> {"ko": the Korean term, "en": [English words a Korean string must not
    use], "ko_not": [other Korean spellings of the same concept, also not to use]}."""
    return json.loads(GLOSSARY.read_text(encoding="utf-8"))


def glossary_misses(text: str) -> list[tuple[str, str]]:
    """(word used, the Korean term to use) for each English word of the glossary, or other
    Korean spelling of one of its concepts, in a Korean string.

    Code spans and placeholders are skipped, and so is a gloss right after the Korean
    term, "에포크(epoch)", which a first mention may give."""
    prose = CODE.sub(" ", text)
    misses = []
    for entry in glossary().values():
        for english in entry["en"]:
            glossed = re.compile(rf"{re.escape(entry['ko'])}\s?\({re.escape(english)}\)",
                                 re.IGNORECASE)
            rest = glossed.sub(" ", prose)
            # ASCII edges: Korean particles attach to the word ("epoch을"), plurals too
            if re.search(rf"(?<![A-Za-z0-9_-]){re.escape(english)}(?:e?s)?(?![A-Za-z0-9_-])",
                         rest, re.IGNORECASE):
                misses.append((english, entry["ko"]))
        for other in entry.get("ko_not", ()):
            if other in prose:
                misses.append((other, entry["ko"]))
    return misses
