"""A class trains together, through the pages: a finished run opens from the library with no
worker and replays, the queue forecasts, and the instructor's key unlocks the lane (a wrong
one grants nothing and is never shown)."""
import pytest

from core import st_cache
from core.engine.contract import JobState
from tests.app.conftest import follow
from tests.app.test_training import metrics, session_job, texts

KEY = "s3cret-teacher-key-7"


@pytest.fixture
def tiny(app, server_settings):
    server_settings(train_max_images=200)
    app.switch_page("app_pages/training.py").run()
    app.number_input(key="train_epochs").set_value(2).run()
    app.number_input(key="train_batch_size").set_value(40).run()
    return app


@pytest.mark.slow
def test_the_same_run_again_opens_from_the_library_at_once(tiny, own_run_library, monkeypatch):
    tiny.button(key="train_start").click().run()
    follow(tiny, lambda a: "Finished. Test accuracy" in texts(a))
    trained = session_job(tiny)
    follow(tiny, lambda a: own_run_library.entries())  # stored once it ended
    tiny.button(key="train_start").click().run()
    assert session_job(tiny) is trained, "her own run again, not a copy"
    assert "You have this exact run already" in texts(tiny)
    st_cache.job_manager().forget_session("test session id")  # another day: it is gone
    running_before = len(st_cache.job_manager().running())
    tiny.button(key="train_start").click().run()
    assert not tiny.exception
    opened = session_job(tiny)
    assert opened is not trained and opened.state == JobState.DONE and opened.worker is None
    assert len(st_cache.job_manager().running()) == running_before, "no worker was started"
    assert "opened at once from the run library" in texts(tiny)
    assert "An earlier identical run from the run library" in texts(tiny)
    assert metrics(tiny)["Test accuracy"] == f"{100 * trained.result.test_accuracy:.1f}%"
    assert [b.loss for b in opened.batches] == [b.loss for b in trained.batches]
    clock = [1000.0]  # the replay's clock, moved by the test: a tiny run trains in a blink
    monkeypatch.setattr("ui.training.replay.now", lambda: clock[0])
    tiny.button(key="train_replay_start").click().run()
    assert not tiny.exception
    replaying = lambda: [p for p in tiny.progress if "Replaying" in p.proto.text]
    bar, = replaying()
    assert bar.value == 0 and "0:00 into the training" in bar.proto.text
    assert tiny.button(key="train_replay_stop")
    clock[0] += opened.batches[-1].t / 2 / 5  # halfway through, at the default 5x
    tiny.run()
    assert 40 <= replaying()[0].value <= 60
    clock[0] += opened.batches[-1].t  # past its end: the replay is over
    tiny.run()
    assert not replaying() and tiny.button(key="train_replay_start")


@pytest.mark.slow
def test_a_damaged_library_entry_is_skipped_with_a_message(tiny, own_run_library):
    tiny.button(key="train_start").click().run()
    follow(tiny, lambda a: "Finished. Test accuracy" in texts(a) and own_run_library.entries())
    trained = session_job(tiny)
    st_cache.job_manager().forget_session("test session id")  # the run itself is gone
    entry, = own_run_library.entries()
    (entry / "test_probs.npy").write_bytes(b"not an array")
    tiny.button(key="train_start").click().run()
    assert not tiny.exception
    assert "could not be used (damaged" in texts(tiny)
    anew = session_job(tiny)
    assert anew is not trained and anew.origin == "trained", "it trains anew"
    follow(tiny, lambda a: "Finished. Test accuracy" in texts(a))
    assert anew.state == JobState.DONE and anew.result is not None


def test_no_key_set_means_no_instructor_field_and_everyone_may_download(app, server_settings):
    server_settings(instructor_key=None)
    app.run()
    assert not [t for t in app.sidebar.text_input if t.key == "instructor_key_field"]
    assert app.button(key="home_download")


def test_with_a_key_the_download_is_the_instructors(app, server_settings):
    server_settings(instructor_key=KEY)
    app.run()
    assert not [b for b in app.button if b.key == "home_download"]
    assert "Only the instructor can download CIFAR-100" in texts(app)


def everything_shown(app) -> str:
    parts = [texts(app)] + [t.value or "" for t in app.text_input]
    parts += [str(app.session_state[k]) for k in app.session_state]
    return " ".join(parts)


def test_a_wrong_key_grants_nothing_and_is_never_echoed(app, server_settings):
    server_settings(instructor_key=KEY)
    app.run()
    app.sidebar.text_input(key="instructor_key_field").input("guess-" + KEY[:5]).run()
    assert not app.exception
    assert "not the instructor's key" in app.sidebar.error[0].value
    assert "guess-" not in everything_shown(app) and KEY not in everything_shown(app)
    assert not app.session_state["instructor_unlocked"]
    assert st_cache.session_id() not in st_cache.job_manager().sessions.prioritised()
    assert not [b for b in app.button if b.key == "home_download"]


def test_the_right_key_unlocks_the_lane_and_is_never_echoed(app, server_settings):
    server_settings(instructor_key=KEY)
    app.run()
    app.sidebar.text_input(key="instructor_key_field").input(KEY).run()
    assert not app.exception
    assert "Instructor mode" in app.sidebar.success[0].value
    assert any("press \"Start training\" on the defaults yourself" in c.value
               for c in app.sidebar.caption), "how the class's run starts first"
    assert KEY not in everything_shown(app)
    assert "test session id" in st_cache.job_manager().sessions.prioritised()
    assert app.button(key="home_download"), "the download is the instructor's"
    app.sidebar.button(key="instructor_lock").click().run()
    assert "test session id" not in st_cache.job_manager().sessions.prioritised()


def test_a_cluster_that_did_not_answer_is_said_on_both_training_pages(app, monkeypatch):
    manager = st_cache.job_manager()
    monkeypatch.setattr(manager, "engine_problem", "10.0.0.9:6379: no answer within 15 s")
    for page in ("app_pages/training.py", "app_pages/transfer.py"):
        app.switch_page(page).run()
        assert not app.exception
        warning = [w.value for w in app.warning if "training cluster" in w.value]
        assert warning and "10.0.0.9:6379" in warning[0] and "this server" in warning[0]


def test_a_refreshed_tab_gets_its_runs_back_and_a_stranger_does_not(app, monkeypatch):
    """F5 opens a new session with the same address: its token takes the runs over.
    AppTest's sessions share one id, so the old tab is played by the manager directly."""
    from tests.core.engine.test_jobs import make_config

    manager = st_cache.job_manager()
    old = "the tab before F5"
    job = manager.submit(old, make_config("unused.npz", seed=4242), group="train").job
    manager.stop(job)  # it ended; its record stays the old tab's
    token = manager.sessions.remember(old, "train_job_ids", [job.id])
    app.query_params["run"] = f"{st_cache.server_id()}-{token}"
    app.switch_page("app_pages/training.py").run()
    assert not app.exception
    assert "Welcome back" in texts(app)
    assert app.session_state["train_job_ids"] == [job.id]
    assert manager.jobs_of("test session id")[-1] is job and manager.jobs_of(old) == []
    stranger = "0" * 22  # a made-up token of the right form shows nothing
    app.query_params["run"] = f"{st_cache.server_id()}-{stranger}"
    app.run()
    assert "Welcome back" not in texts(app)
    assert manager.jobs_of("test session id")[-1] is job, "the runs it has stay its own"


def test_the_class_caps_are_shown_and_held(app, server_settings):
    server_settings(train_max_images=1500, train_max_epochs=5)
    app.switch_page("app_pages/training.py").run()
    shown = texts(app)
    assert "at most 1,500 training and 1,500 test images" in shown
    assert "at most 5 epochs" in shown
    assert "Epochs must be a whole number from 1 to 5" in shown, "the page's default 20 is over the cap"
    assert app.button(key="train_start").disabled
    app.number_input(key="train_epochs").set_value(5).run()
    assert not app.button(key="train_start").disabled
    app.switch_page("app_pages/transfer.py").run()
    assert not app.exception
    assert app.number_input(key="transfer_pretrain_epochs").value <= 5
    assert "at most 5 epochs" in texts(app)
