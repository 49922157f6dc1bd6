"""The training page's live panel shows features forming: the first layer's filters and the
fixed test image's maps before training and after the latest epoch, from the worker's
events; in Korean too. A tiny real run (AppTest ticks no fragment timer: follow reruns)."""
import pytest

from tests.app.conftest import follow
from tests.app.test_training import session_job, texts

pytestmark = pytest.mark.slow


@pytest.fixture
def tiny(app, server_settings):
    server_settings(train_max_images=200)
    app.switch_page("app_pages/training.py").run()
    app.number_input(key="train_epochs").set_value(3).run()
    app.number_input(key="train_batch_size").set_value(40).run()
    return app


def captions(app) -> list[str]:
    return [c for image in app.image for c in image.captions]


def test_the_filters_before_training_and_after_each_epoch(tiny):
    tiny.button(key="train_start").click().run()
    follow(tiny, lambda a: "Before training" in texts(a))
    assert "Features forming" in [s.value for s in tiny.subheader]
    follow(tiny, lambda a: "Finished. Test accuracy" in texts(a))
    job = session_job(tiny)
    assert job.first_filters.epoch == 0 and job.filters.epoch == 3
    text = texts(tiny)
    assert "**Before training**" in text and "**After epoch 3**" in text
    assert "The training worker sends them when training starts and after every epoch" in text
    shown = captions(tiny)  # the test image, then filters and maps before and after
    assert "Test image 0" in shown
    assert sum(c.startswith("64 of 64 filters of conv2d") for c in shown) == 2
    assert sum("feature maps of test image 0" in c for c in shown) == 2


def test_korean(tiny):
    tiny.session_state["lang"] = "ko"
    tiny.run()
    tiny.button(key="train_start").click().run()
    follow(tiny, lambda a: "**에포크 3 뒤**" in texts(a))
    assert "특징이 만들어지는 과정" in [s.value for s in tiny.subheader]
    assert "**학습 전**" in texts(tiny)
