"""Every user-facing string, in English and Korean.

The strings live in `assets/i18n/<lang>.json`, one flat table of keys per language.
`translate(key, lang, **values)` fills `{placeholders}`; a key missing in one
language is a bug, and `missing_keys()` is what the test checks.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

LANGUAGES = {"en": "English", "ko": "한국어"}  # code -> name shown in the switch
DEFAULT_LANGUAGE = "en"
I18N_DIR = Path(__file__).resolve().parents[1] / "assets" / "i18n"


@lru_cache(maxsize=None)
def table(lang: str) -> dict[str, str]:
    """The key -> string table of one language."""
    return json.loads((I18N_DIR / f"{lang}.json").read_text(encoding="utf-8"))


def normalize_language(value: object) -> str:
    """A supported language code from anything a URL or widget may hold."""
    return value if isinstance(value, str) and value in LANGUAGES else DEFAULT_LANGUAGE


def translate(key: str, lang: str = DEFAULT_LANGUAGE, **values) -> str:
    """The string for `key` in `lang`, with `{name}` placeholders filled from values."""
    text = table(normalize_language(lang)).get(key)
    if text is None:  # never show a raw traceback for a missing string
        text = table(DEFAULT_LANGUAGE).get(key, key)
    return text.format(**values) if values else text


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
