"""The transfer page's lesson under AppTest: the whole lesson offered as one Keras 3 script
for the page's settings, and its honest expectations, in English and Korean."""
import pytest

from core.transfer.export import lesson_script
from core.transfer.lesson import Settings
from tests.app.test_transfer import checkpoints, page  # noqa: F401  the page, opened


def test_the_whole_lesson_is_offered_as_a_script_for_the_settings(page):
    page.number_input(key="transfer_epochs").set_value(5).run()
    shown = [c.value.rstrip("\n") for c in page.code]  # st.code drops the final newline
    assert lesson_script(Settings(epochs=5), n_fine=15).rstrip("\n") in shown
    labels = [b.proto.label for b in page.get("download_button")]
    assert "Download the script (.py)" in labels


@pytest.mark.parametrize("lang, words", [("en", "from scratch reached 80.1%"),
                                         ("ko", "처음부터 학습은 80.1%")])
def test_the_page_says_scratch_can_catch_up_with_longer_training(page, lang, words):
    page.session_state["lang"] = lang
    page.run()
    assert any(words in m.value for m in page.markdown)
