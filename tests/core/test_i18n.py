"""Every user-facing string exists in English and Korean, in the file of its page, and the
Korean uses one word per concept (assets/i18n/glossary.json)."""
import re

import pytest

from core.data.dataset import DataError
from core.i18n import (
    FILES, LANGUAGES, error_message, file_of, glossary, glossary_misses, missing_keys,
    read_files, table, translate,
)

PLACEHOLDER = re.compile(r"{(\w+)[^}]*}")


def test_no_key_missing_in_any_language():
    assert missing_keys() == {}, "add the missing keys to assets/i18n/<lang>/*.json"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_key_lives_in_its_pages_file_once(lang):
    files = read_files(lang)
    assert set(files) == set(FILES)
    for name, strings in files.items():
        misplaced = [key for key in strings if file_of(key) != name]
        assert not misplaced, f"{lang}/{name}.json holds {misplaced}"
    assert sum(map(len, files.values())) == len(table(lang)), "a key in two files"


def test_placeholders_match_between_languages():
    english = table("en")
    for lang in LANGUAGES:
        for key, text in table(lang).items():
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(english[key])), key


def test_korean_strings_are_korean():
    korean = table("ko")
    hangul = [k for k, v in korean.items() if re.search(r"[\uac00-\ud7a3]", v)]
    assert len(hangul) >= 0.9 * len(korean), "most Korean strings contain Hangul"


def test_korean_uses_the_glossarys_term_for_every_concept():
    """One Korean term per concept on every page: "에포크", not "epoch" or "에폭"."""
    misses = {key: glossary_misses(text) for key, text in table("ko").items()}
    misses = {key: found for key, found in misses.items() if found}
    assert not misses, "\n".join(f"{k}: {found}" for k, found in sorted(misses.items()))


def test_the_glossary_check_sees_through_particles_and_code():
    assert glossary_misses("20 epoch을 학습합니다") == [("epoch", "에포크")]
    assert glossary_misses("epochs: 20") == [("epoch", "에포크")]
    assert glossary_misses("`epochs=20`으로 20 에포크를 학습합니다") == []
    assert glossary_misses("에포크(epoch)는 학습 이미지를 한 번 모두 보는 것입니다") == []
    assert glossary_misses("{epochs} 에포크") == []
    assert glossary_misses("BatchNormalization 레이어") == []
    assert glossary_misses("세부 클래스 15개") == [("세부 클래스", "서브클래스")]
    for concept, entry in glossary().items():
        assert entry["ko"] and entry["en"], concept
        assert not glossary_misses(entry["ko"]), concept


def test_translate_fills_values_and_falls_back():
    assert translate("error.empty", "ko", file="a.npy") == "a.npy: 파일이 비어 있습니다."
    assert translate("error.empty", "xx", file="a.npy") == "a.npy: the file is empty."


def test_error_message_uses_code_and_details():
    err = DataError("english", "bad_dtype", file="10_train.npy", dtype="float32")
    assert "float32" in error_message(err, "ko") and "uint8" in error_message(err, "ko")
    assert error_message(ValueError("plain"), "ko") == "plain"


def test_english_plurals_follow_the_number():
    assert translate("job.stopped", "en", epochs=1) == "stopped after 1 epoch"
    assert translate("job.stopped", "en", epochs=3) == "stopped after 3 epochs"
    label = translate("train.run_label", "en", id=1, model="m", target="t", optimizer="adam",
                      learning_rate="0.001", epochs=1)
    assert label.endswith("· 1 epoch")
    assert "(s)" not in translate("job.queued", "en", ahead=2, start="0:10", end="0:40")
    assert "2 runs ahead" in translate("job.queued", "en", ahead=2, start="0:10", end="0:40")
