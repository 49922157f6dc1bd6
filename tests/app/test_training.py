"""The training page under AppTest: choosing, rejecting, and a tiny run from start to results.

AppTest does not tick `run_every` fragments, so a running job is followed by calling
`app.run()` again until the page shows the result. Runtime.exists() is False between
AppTest runs and a MagicMock during them, so core.st_cache counts the session as
alive and the reaper never stops these jobs (checked below).
"""
import subprocess
import sys

import pytest

from core import st_cache
from core.engine.contract import JobState
from tests.app.conftest import ROOT, follow

PAGE = "app_pages/training.py"
TINY_IMAGES = 200  # the setting train_max_images for runs here: a second of training


@pytest.fixture
def page(app):
    app.switch_page(PAGE)
    app.run()
    assert not app.exception
    return app


def metrics(app) -> dict:
    return {m.label: m.value for m in app.metric}


def test_presets_and_targets_change_the_parameter_count(page):
    assert metrics(page)["Parameters"] == "114,371"  # the notebook's stride model
    page.radio(key="train_target").set_value("fine").run()
    assert metrics(page)["Parameters"] == "117,455"  # Dense(15) instead of Dense(3)
    page.selectbox(key="train_model").set_value("super_model").run()
    assert metrics(page)["Parameters"] == "456,079"  # 449,923 + 12 more units on 512 features
    page.radio(key="train_target").set_value("super").run()
    assert metrics(page)["Parameters"] == "449,923"
    assert "calculator" not in page.selectbox(key="train_model").options
    assert not page.button(key="train_start").disabled


def test_the_notebooks_failing_model_is_explained(page):
    page.selectbox(key="train_model").set_value("stride_pool").run()
    assert not page.exception
    assert "layer 12 fails" in page.error[0].value
    assert "Negative dimension size" in page.info[-1].value
    assert page.button(key="train_start").disabled


@pytest.mark.parametrize("key, value, words", [
    ("train_batch_size", 0, "batch of 0 images"),
    ("train_validation_split", 1.0, "less than 1"),
    ("train_epochs", 0, "Epochs must be"),
    ("train_learning_rate", 0.0, "learning rate must be more than 0"),
])
def test_invalid_settings_are_rejected_with_a_message(page, key, value, words):
    page.number_input(key=key).set_value(value).run()
    assert not page.exception
    assert words in page.error[0].value
    assert page.button(key="train_start").disabled


def test_the_calculators_stack_can_be_trained(page):
    page.session_state["train_stack"] = {"input_shape": [32, 32, 3], "layers": [
        {"type": "Conv2D", "filters": 8, "kernel_size": 3}]}
    page.run()
    assert page.selectbox(key="train_model").value == "calculator", "a new stack is chosen"
    # Conv2D(8, 3x3): 224, Flatten, Dense(3): 30*30*8*3 + 3 = 21,603
    assert metrics(page)["Parameters"] == "21,827"


def test_korean_page(page):
    page.session_state["lang"] = "ko"  # the sidebar's switch (AppTest runs the page alone)
    page.run()
    assert not page.exception
    assert page.title[0].value.startswith("학습")
    assert metrics(page)["파라미터"] == "114,371"
    page.number_input(key="train_batch_size").set_value(0).run()
    assert "0장짜리 배치" in page.error[0].value
    page.number_input(key="train_batch_size").set_value(200).run()
    page.selectbox(key="train_model").set_value("stride_pool").run()
    assert "12번째 레이어" in page.error[0].value and "1x1" in page.error[0].value


def texts(app) -> str:
    return " ".join(e.value for kind in (app.success, app.info, app.error, app.warning,
                                         app.markdown, app.caption) for e in kind)


@pytest.fixture
def tiny(page, server_settings):
    server_settings(train_max_images=TINY_IMAGES)
    page.run()
    assert f"at most {TINY_IMAGES}" in texts(page)
    return page


def session_job(app):
    ids = app.session_state["train_job_ids"]
    return {j.id: j for j in st_cache.job_manager().jobs_of("test session id")}[ids[-1]]


def test_a_waiting_job_redraws_slower_than_a_running_one():
    from core.engine.contract import JobState as S
    from ui.jobs import CROWD, CROWD_POLL_S, POLL_S, QUEUED_POLL_S, poll_every

    assert poll_every([S.QUEUED]) == QUEUED_POLL_S > POLL_S
    assert poll_every([S.QUEUED, S.RUNNING]) == poll_every([S.STOPPING]) == POLL_S
    assert poll_every([S.DONE, S.STOPPED, S.FAILED]) is None
    assert poll_every([S.RUNNING], watchers=CROWD) == POLL_S, "a few classmates: twice a second"
    assert poll_every([S.RUNNING], watchers=CROWD + 1) == CROWD_POLL_S > POLL_S, "a class"
    assert poll_every([S.DONE], watchers=40) is None


def restart_warnings(app) -> list[str]:
    return [w.value for w in app.warning if "restarted" in w.value]


def test_a_run_lost_to_a_server_restart_is_explained(app):
    app.query_params["run"] = "0badc0de-" + "A" * 22  # the URL a page had before the restart
    app.switch_page(PAGE).run()
    assert not app.exception
    said, = restart_warnings(app)
    assert "server restarted since your runs were started" in said
    assert "Start them again" in said
    assert "run" not in app.query_params
    app.run()
    assert not restart_warnings(app), "said once"


@pytest.mark.parametrize("value", ["<b>x</b>-1", "0badc0de-7'><script>", "../../etc-1", "x" * 500])
def test_a_garbled_run_in_the_url_is_dropped_unseen(app, value):
    app.query_params["run"] = value
    app.switch_page(PAGE).run()
    assert not app.exception and not restart_warnings(app) and "run" not in app.query_params


@pytest.mark.slow
def test_a_tiny_run_from_start_to_results(tiny):
    tiny.number_input(key="train_epochs").set_value(2).run()
    tiny.number_input(key="train_batch_size").set_value(30).run()
    tiny.button(key="train_start").click().run()
    assert not tiny.exception
    assert tiny.button(key="train_start").disabled, "one run at a time per session"
    follow(tiny, lambda a: "Finished. Test accuracy" in texts(a))
    job = session_job(tiny)
    assert job.state == JobState.DONE and len(job.epochs) == 2
    token = st_cache.job_manager().sessions.token("test session id")
    assert tiny.query_params["run"] == f"{st_cache.server_id()}-{token}", "for a refresh"
    accuracy = metrics(tiny)["Test accuracy"]
    assert accuracy == f"{100 * job.result.test_accuracy:.1f}%", "the notebook's formula"
    assert {"train_live_batches", "train_live_epochs", "train_confusion",
            "train_compare_chart"} <= {c.key for c in tiny.get("plotly_chart")}
    assert sorted(b.proto.label for b in tiny.get("download_button")) == [
        "Download the history (CSV)", "Download the model (.keras)",
        "Download the script (.py)", "Download the script (.py)"], "the settings' and the run's"
    assert not tiny.button(key="train_start").disabled
    from streamlit.runtime import Runtime

    assert not Runtime.exists(), "no Runtime between AppTest runs..."
    assert st_cache._session_alive("test session id"), "...so the reaper leaves the job alone"


@pytest.mark.slow
def test_stop_keeps_the_model_and_a_killed_worker_is_explained(tiny):
    tiny.number_input(key="train_epochs").set_value(200).run()
    tiny.number_input(key="train_batch_size").set_value(10).run()
    tiny.button(key="train_start").click().run()
    follow(tiny, lambda a: len(session_job(a).batches) >= 3)
    tiny.button(key="train_stop").click().run()
    # The live panel can see the end before the rest of the page does (it takes its own
    # snapshot later in the same run); the browser's next full run shows the results.
    follow(tiny, lambda a: "The model so far is saved" in texts(a)
           and "Test accuracy" in metrics(a))
    assert session_job(tiny).state == JobState.STOPPED

    tiny.button(key="train_start").click().run()
    follow(tiny, lambda a: len(session_job(a).batches) >= 1)
    session_job(tiny).worker.process.kill()
    follow(tiny, lambda a: "ended unexpectedly" in texts(a))
    assert session_job(tiny).state == JobState.FAILED


def test_the_first_visit_does_not_import_tensorflow(tmp_path):
    """Only 'look inside' loads TensorFlow in the server; training runs in workers."""
    script = f"""
import os, sys
os.environ["CNNLAB_DATA_DIR"] = {str(tmp_path)!r}
from streamlit.testing.v1 import AppTest
app = AppTest.from_file({str(ROOT / "streamlit_app.py")!r}, default_timeout=300)
app.switch_page({PAGE!r}).run()
assert not app.exception, app.exception
assert [m.label for m in app.metric], "the page rendered"
print("tensorflow" in sys.modules, "keras" in sys.modules)
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[-2:] == ["False", "False"]
