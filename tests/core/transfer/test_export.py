"""The transfer-learning lesson as one Keras 3 script: executed exactly as exported, on a
small dataset written in the course's file format."""
import ast

import pytest

from core.transfer.export import TRANSFER_CHANGES, lesson_script
from core.transfer.lesson import Settings
from tests.core.training.test_export import course_dir, run  # noqa: F401


def test_the_script_reads_as_the_lesson():
    script = lesson_script(Settings(), n_fine=15)
    ast.parse(script)
    assert TRANSFER_CHANGES in script and "loss_weights" in script
    assert 'pretrained.save("extractor.keras")' in script
    assert 'keras.saving.load_model("extractor.keras", safe_mode=True)' in script
    assert "learning_rate=0.0005, initial_epoch=2)" in script
    assert "keras.layers.Conv2D(filters=16, kernel_size=3, padding=\"same\"),  # (32, 32, 16)" in script


def test_without_epochs_after_the_head_the_fine_tuned_arm_never_unfreezes():
    script = lesson_script(Settings(epochs=2, head_epochs=2), n_fine=15)
    assert "tuned.trainable = True" not in script


@pytest.mark.slow
def test_the_whole_lesson_runs_and_reuses_the_file(course_dir):  # noqa: F811
    settings = Settings(width=4, pretrain_epochs=1, epochs=2, head_epochs=1, batch_size=30)
    out = run(lesson_script(settings, n_fine=15), course_dir, "transfer_lesson")
    assert "the loaded extractor equals the trained one: True" in out
    for arm in ("scratch", "frozen", "finetune"):
        assert f"{arm}: test accuracy" in out
    assert (course_dir / "extractor.keras").is_file()
