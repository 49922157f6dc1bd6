"""The transfer-learning lesson as one Keras 3 script: executed exactly as exported, on a
small dataset written in the course's file format."""
import ast

import pytest

from core.transfer.export import TRANSFER_CHANGES, head_code, lesson_script
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


def test_the_head_code_shows_the_pages_settings():
    code = head_code(Settings(batch_size=50, epochs=6, head_epochs=2,
                              finetune_learning_rate=0.0002), 15)
    ast.parse(code)
    assert "batch_size=50, epochs=2)" in code and "batch_size=200" not in code
    assert "Dense(15," in code and "Adam(0.0002)" in code
    assert "epochs=6, initial_epoch=2)" in code


@pytest.mark.slow
def test_the_head_code_runs_as_shown(tmp_path, monkeypatch):
    """Step 4's snippet, exactly as the page shows it, on a saved extractor and a few
    images: the head trains frozen, then the convolutions train with it."""
    import keras
    import numpy as np

    extractor = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Conv2D(4, 3),
                                  keras.layers.BatchNormalization(),
                                  keras.layers.MaxPooling2D(4)])
    extractor.save(tmp_path / "extractor.keras")
    rng = np.random.default_rng(0)
    namespace = {"x_train": rng.random((30, 32, 32, 3), dtype="float32"),
                 "y_fine": rng.integers(0, 15, 30)}
    monkeypatch.chdir(tmp_path)
    exec(head_code(Settings(batch_size=10, epochs=2, head_epochs=1), 15), namespace)
    model = namespace["model"]
    assert model.output_shape == (None, 15)
    conv = namespace["extractor"].layers[0]
    assert conv.trainable and not namespace["extractor"].layers[1].trainable
    assert int(model.optimizer.iterations) == 3, "3 batches of the second fit"
