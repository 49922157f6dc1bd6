"""Every user-facing string exists in English and Korean."""
import re

from core.i18n import LANGUAGES, error_message, missing_keys, table, translate
from core.data.dataset import DataError

PLACEHOLDER = re.compile(r"{(\w+)[^}]*}")


def test_no_key_missing_in_any_language():
    assert missing_keys() == {}, "add the missing keys to assets/i18n/*.json"


def test_placeholders_match_between_languages():
    english = table("en")
    for lang in LANGUAGES:
        for key, text in table(lang).items():
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(english[key])), key


def test_korean_strings_are_korean():
    korean = table("ko")
    hangul = [k for k, v in korean.items() if re.search(r"[\uac00-\ud7a3]", v)]
    assert len(hangul) >= 0.9 * len(korean), "most Korean strings contain Hangul"


def test_translate_fills_values_and_falls_back():
    assert translate("error.empty", "ko", file="a.npy") == "a.npy: 파일이 비어 있습니다."
    assert translate("error.empty", "xx", file="a.npy") == "a.npy: the file is empty."


def test_error_message_uses_code_and_details():
    err = DataError("english", "bad_dtype", file="10_train.npy", dtype="float32")
    assert "float32" in error_message(err, "ko") and "uint8" in error_message(err, "ko")
    assert error_message(ValueError("plain"), "ko") == "plain"
