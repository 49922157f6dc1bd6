"""The manager on a pool of fake workers (tests/core/engine/fakes.py), in seconds: joining
and leaving shared runs, what starts when, Stop at every moment of a job's start, library
hits, the fair order, reaping, and races run with a barrier, never with luck."""
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from core.config import SHIPPED_RUNS
from core.engine.contract import DataRef, JobConfig, JobState, with_added_fields
from core.engine.folders import OWNER_FILE, ROOT_PREFIX, remove_stale_roots
from core.engine.job import Origin
from core.engine.library import Entry, RunLibrary
from core.engine.manager import JobManager
from core.transfer import lesson
from tests.core.engine.fakes import FakePool, config

THREADS, TRIALS = 8, 200


@pytest.fixture
def pool():
    return FakePool(slots=2)


@pytest.fixture
def manager(tmp_path, pool):
    manager = JobManager(warm=False, root=tmp_path, pool=pool)
    yield manager
    manager.shutdown()


def at_once(n: int, act) -> list:
    """act(i) in n threads released by one barrier; their results in thread order."""
    barrier, results, errors = threading.Barrier(n), [None] * n, []

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = act(i)
        except Exception as err:  # the test fails with it below
            errors.append(err)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    return results


def forget_all(manager, sessions) -> None:
    for session in sessions:
        manager.forget_session(session)
    assert manager.jobs == []


# --- joining is atomic ------------------------------------------------------------------

def test_classmates_pressing_start_at_once_get_one_job(tmp_path):
    """8 threads (Streamlit runs each session's script on its own) submit one config at
    the same instant, 200 times: one job every time, watched and held by all 8."""
    manager = JobManager(max_running=0, warm=False, root=tmp_path)  # nothing starts
    try:
        sessions = [f"student-{i}" for i in range(THREADS)]
        for trial in range(TRIALS):
            run = config(seed=trial)
            got = at_once(THREADS, lambda i: manager.submit(sessions[i], run))
            jobs = {id(s.job) for s in got}
            assert len(jobs) == 1, f"trial {trial}: {len(jobs)} jobs"
            assert sorted(s.how for s in got) == ["joined"] * (THREADS - 1) + ["new"]
            assert len(manager.jobs) == 1 and got[0].job.snapshot().watchers == THREADS
            forget_all(manager, sessions)
    finally:
        manager.shutdown()


def shipped_config() -> tuple[JobConfig, Path]:
    """The config of a run the app ships in its library, and its folder."""
    folder = next(p for p in sorted(SHIPPED_RUNS.iterdir()) if p.is_dir())
    data = json.loads((folder / "entry.json").read_text())
    data["settings"] = with_added_fields(data["settings"])
    entry = Entry.from_dict(data)
    return JobConfig(entry.settings, DataRef("x.npz", entry.fingerprint, entry.class_names)), folder


def test_classmates_opening_a_library_run_at_once_share_one_job(tmp_path):
    run, folder = shipped_config()
    library = RunLibrary(None, shipped=(SHIPPED_RUNS,))
    manager = JobManager(max_running=0, warm=False, root=tmp_path, library=library)
    try:
        sessions = [f"student-{i}" for i in range(THREADS)]
        for trial in range(TRIALS):
            got = at_once(THREADS, lambda i: manager.submit(sessions[i], run))
            assert len({id(s.job) for s in got}) == 1, f"trial {trial}"
            job = got[0].job
            assert job.origin == Origin.LIBRARY and job.out_dir == folder
            assert {s.how for s in got} == {"library"} and job.worker is None
            assert sorted(job.holders_now()) == sorted(sessions)
            forget_all(manager, sessions)
    finally:
        manager.shutdown()


def test_classmates_starting_the_transfer_lesson_at_once_share_its_four_jobs(tmp_path):
    settings = lesson.Settings(max_images=300)
    layers = lesson.pretrain_job(settings).transfer.extractor_layers
    runs = [lesson.pretrain_job(settings), *lesson.arm_jobs(
        settings, str(tmp_path / "extractor.keras"), "ab" * 32, layers, 15).values()]
    configs = [JobConfig(r, DataRef("x.npz", "test-data", ("a",) * r.n_classes))
               for r in runs]
    manager = JobManager(max_running=0, warm=False, root=tmp_path)
    try:
        sessions = [f"student-{i}" for i in range(THREADS)]
        for trial in range(TRIALS):
            got = at_once(THREADS, lambda i: [manager.submit(sessions[i], c, group="transfer")
                                              for c in configs])
            for n in range(len(configs)):
                assert len({id(s[n].job) for s in got}) == 1, f"trial {trial}, job {n}"
            assert len(manager.jobs) == len(configs)
            forget_all(manager, sessions)
    finally:
        manager.shutdown()


def test_leaving_while_a_classmate_joins_never_stops_the_run_under_them(tmp_path):
    """The last watcher's Stop and a classmate's identical Start at the same instant: the
    run either goes on for the newcomer, or it had stopped and the newcomer gets a new one."""
    manager = JobManager(max_running=0, warm=False, root=tmp_path)  # the runs wait
    for trial in range(TRIALS):
        run = config(seed=trial)
        job = manager.submit("leaver", run).job
        left, joined = at_once(2, lambda i: manager.leave(job, "leaver") if i == 0
                               else manager.submit("joiner", run))
        if joined.job is job:
            assert job.active and job.watched_by("joiner"), f"trial {trial}"
        else:
            assert job.state == JobState.STOPPED and joined.job.active
        forget_all(manager, ["leaver", "joiner"])
    manager.shutdown()


# --- nothing slow under the lock ----------------------------------------------------------

def test_pages_are_answered_while_a_worker_is_being_started(tmp_path):
    """A worker that takes long to start (a process spawning, a Ray actor created) holds
    no lock that a page's jobs_of() or a snapshot waits for."""
    gate = threading.Event()
    pool = FakePool(slots=2, gate=gate)
    manager = JobManager(warm=False, root=tmp_path, pool=pool)
    try:
        gate.set()
        first = manager.submit("a", config(seed=1)).job  # the page that already has a run
        gate.clear()
        pool.taking.clear()
        starter = threading.Thread(target=manager.submit, args=("b", config(seed=2)))
        starter.start()
        assert pool.taking.wait(10), "b's start is under way, held at the gate"
        answered = []
        page = threading.Thread(target=lambda: answered.append(
            (manager.jobs_of("a"), first.snapshot(), manager.queued(), manager.forecast(),
             manager.jobs_of("b")[0].snapshot().state)))
        page.start()
        page.join(5)
        assert not page.is_alive(), "a page waited for the worker being started"
        assert answered[0][0] == [first] and answered[0][4] == JobState.STARTING
    finally:
        gate.set()
        starter.join(10)
        manager.shutdown()


# --- Stop at every moment of a start ------------------------------------------------------

def test_a_stop_while_the_worker_is_being_started_cancels_it_untold(tmp_path):
    gate = threading.Event()
    pool = FakePool(slots=1, gate=gate)
    manager = JobManager(warm=False, root=tmp_path, pool=pool)
    try:
        starter = threading.Thread(target=manager.submit, args=("a", config()))
        starter.start()
        assert pool.taking.wait(10)
        job = manager.jobs_of("a")[0]
        assert job.state == JobState.STARTING and job.worker is None
        manager.leave(job, "a")  # Stop, before any worker exists
        assert job.state == JobState.STOPPING
        gate.set()
        starter.join(10)
        assert job.state == JobState.STOPPED and job.error.code == "cancelled"
        worker, = pool.spawned
        assert worker.assignments == [] and worker.stops == 0, "the worker was never told"
        assert pool.idle == [worker], "and it waits for the next job"
    finally:
        gate.set()
        manager.shutdown()


def test_a_stop_after_the_assignment_reaches_the_worker_once(manager, pool):
    job = manager.submit("a", config()).job
    pool.wait_assigned()
    worker = job.worker
    worker.start()
    manager.stop(job)
    assert job.state == JobState.STOPPING and worker.stops == 1
    worker.finish(stopped=True)
    assert job.state == JobState.STOPPED and job.worker is None
    assert pool.idle == [worker], "a cleanly stopped worker trains the next job"


def test_a_stop_while_the_worker_is_being_told_reaches_it_once(tmp_path):
    """Stop lands after the worker was chosen and while its assignment is being sent:
    the manager cannot send Stop yet (the worker would take it for the job before), so
    the start sends it right after the assignment."""
    sending, sent = threading.Event(), threading.Event()
    pool = FakePool(slots=1)
    manager = JobManager(warm=False, root=tmp_path, pool=pool)
    worker = pool._spawn()
    pool.idle.append(worker)
    plain_assign = worker.assign

    def slow_assign(assignment, on_event):
        sending.set()
        assert sent.wait(10)
        plain_assign(assignment, on_event)

    worker.assign = slow_assign
    try:
        starter = threading.Thread(target=manager.submit, args=("a", config()))
        starter.start()
        assert sending.wait(10)
        job = manager.jobs_of("a")[0]
        manager.stop(job)
        assert worker.stops == 0, "not before its assignment"
        sent.set()
        starter.join(10)
        assert worker.assignments and worker.stops == 1
    finally:
        sent.set()
        manager.shutdown()


# --- what starts when ---------------------------------------------------------------------

def test_no_more_jobs_train_than_slots_and_the_next_starts_as_one_ends(manager, pool):
    jobs = [manager.submit(f"s{i}", config(seed=i)).job for i in range(3)]
    pool.wait_assigned(2)
    assert [j.state for j in jobs] == [JobState.STARTING] * 2 + [JobState.QUEUED]
    assert manager.queue_position(jobs[2]) == 1
    jobs[0].worker.finish()
    pool.wait_assigned()
    assert jobs[0].state == JobState.DONE and jobs[2].state == JobState.STARTING
    assert jobs[2].worker is pool.spawned[0], "the worker that finished trains the next"


def test_one_job_per_session_per_round(manager, pool):
    pool.slots = 1
    first = manager.submit("a", config(seed=1)).job
    pool.wait_assigned()
    more = [manager.submit("a", config(seed=s)).job for s in (2, 3)]
    hers = manager.submit("b", config(seed=4)).job
    assert manager.queued() == [hers, *more], "b's first run before a's second"
    first.worker.finish()
    pool.wait_assigned()
    assert hers.state == JobState.STARTING


def test_the_instructors_run_goes_first(manager, pool):
    pool.slots = 1
    manager.submit("a", config(seed=1))
    pool.wait_assigned()
    students = [manager.submit(f"s{i}", config(seed=10 + i)).job for i in range(3)]
    manager.sessions.set_priority("teacher", True)
    hers = manager.submit("teacher", config(seed=99)).job
    assert manager.queued()[0] is hers and manager.queued()[1:] == students


def test_a_library_hit_takes_no_worker_and_a_finished_run_is_opened_again(manager, pool):
    run = config()
    job = manager.submit("a", run).job
    pool.wait_assigned()
    job.worker.finish()
    again = manager.submit("b", run)
    assert again.job is job and again.how == "library", "the run finished here is opened"
    assert manager.submit("a", run).how == "yours", "her own run is not listed twice"
    assert len(pool.spawned) == 1 and manager.jobs_of("b") == [job]


def test_a_crashed_worker_fails_its_job_and_is_not_kept(manager, pool):
    job = manager.submit("a", config()).job
    pool.wait_assigned()
    worker = job.worker
    worker.crash()
    assert job.state == JobState.FAILED and job.error.code == "worker_died"
    assert pool.idle == [], "a dead worker is not reused"


def test_a_worker_that_cannot_start_fails_the_job_with_the_reason(tmp_path):
    class Broken(FakePool):
        def _spawn(self):
            raise OSError("fork: no memory")

    manager = JobManager(warm=False, root=tmp_path, pool=Broken(slots=1))
    try:
        job = manager.submit("a", config()).job
        assert job.state == JobState.FAILED and "fork: no memory" in job.error.message
    finally:
        manager.shutdown()


def test_a_lost_cluster_trains_here_with_this_servers_slots(tmp_path):
    cluster = FakePool(slots=4)
    cluster.engine, cluster.memory_bound = "ray", False
    manager = JobManager(warm=False, root=tmp_path, pool=cluster)
    manager.local_pool = here = FakePool(slots=1)
    try:
        assert manager.max_running == 4
        cluster.broken = "the head node went away"
        job = manager.submit("a", config()).job
        here.wait_assigned()
        assert manager.pool is here and manager.max_running == 1
        assert manager.engine_problem == "the head node went away"
        assert job.engine == "local" and cluster.spawned == []
    finally:
        manager.shutdown()


def test_a_cluster_that_answers_takes_the_next_jobs(manager, pool):
    pool.slots = 0
    waiting = manager.submit("a", config()).job
    assert waiting.state == JobState.QUEUED
    cluster = FakePool(slots=3)
    cluster.engine = "ray"
    manager.use_pool(cluster)
    cluster.wait_assigned()
    assert waiting.engine == "ray" and manager.max_running == 3
    manager.use_pool(None, "10.0.0.9:6379: no answer")
    assert manager.pool is cluster and manager.engine_problem == "10.0.0.9:6379: no answer"


# --- sessions: closed tabs, forgotten runs, stuck workers ---------------------------------

def test_a_run_stops_when_every_watchers_tab_has_closed(tmp_path):
    alive = {"a": True, "b": True}
    pool = FakePool(slots=1)
    manager = JobManager(warm=False, root=tmp_path, pool=pool, orphan_grace=0,
                         session_alive=lambda s: alive[s])
    try:
        job = manager.submit("a", config()).job
        manager.submit("b", config())
        pool.wait_assigned()
        job.worker.start()
        alive["a"] = False
        manager.reaper.reap()
        assert job.state == JobState.RUNNING and job.worker.stops == 0, "b still watches"
        alive["b"] = False
        manager.reaper.reap()
        assert job.state == JobState.STOPPING and job.worker.stops == 1
    finally:
        manager.shutdown()


def test_a_worker_that_ignores_stop_is_killed(manager, pool):
    job = manager.submit("a", config()).job
    pool.wait_assigned()
    worker = job.worker
    worker.start()
    manager.stop(job)
    manager.kill_stuck(after_s=60)
    assert not worker.dead, "not yet"
    job.stop_at -= 61
    manager.kill_stuck(after_s=60)
    assert worker.dead and job.state == JobState.STOPPED
    assert job.error.code == "stopped_by_server"


SEEDS = iter(range(100, 10**6))  # every test job its own run: none is shared


def ended(manager, pool, session_id, group="train"):
    """A job that has trained and ended DONE, its model on disk."""
    job = manager.submit(session_id, config(seed=next(SEEDS)), group=group).job
    pool.wait_assigned()
    job.out_dir.mkdir(parents=True)
    (job.out_dir / "model.keras").write_bytes(b"a model")
    job.worker.finish()
    return job


def test_a_session_keeps_only_its_newest_ended_runs_per_page(tmp_path, pool):
    manager = JobManager(warm=False, root=tmp_path, pool=pool, keep_ended=2)
    try:
        lesson_run = ended(manager, pool, "a", group="transfer")
        runs = [ended(manager, pool, "a") for _ in range(4)]
        other = ended(manager, pool, "b")
        kept = manager.jobs_of("a")
        assert kept[-2:] == runs[-2:] and lesson_run in kept and runs[0] not in kept
        assert not runs[0].out_dir.exists() and runs[-1].out_dir.exists()
        assert other in manager.jobs_of("b")  # another session's runs are its own
    finally:
        manager.shutdown()


def test_an_ended_session_is_forgotten_with_its_files(tmp_path, pool):
    alive = {"a": True, "b": True}
    pool.slots = 1
    manager = JobManager(warm=False, root=tmp_path, pool=pool, orphan_grace=0,
                         forget_after=0, session_alive=lambda s: alive[s])
    try:
        done = ended(manager, pool, "a")
        running = manager.submit("a", config(seed=next(SEEDS))).job
        pool.wait_assigned()
        waiting = manager.submit("b", config(seed=next(SEEDS))).job
        own = manager.sessions.folder("a")  # the session's own folder (an upload)
        manager.reaper.reap()
        assert manager.jobs_of("a") == [done, running]  # both tabs still open
        alive["a"] = False  # the tab was closed
        manager.reaper.reap()  # it stops watching (its run stops), and is forgotten
        assert running.state == JobState.STOPPING and manager.jobs_of("a") == []
        assert not done.out_dir.exists() and not own.exists()
        running.worker.finish(stopped=True)
        assert running not in manager.jobs, "held by nobody, it went when it ended"
        assert manager.jobs_of("b") == [waiting] and waiting.state == JobState.STARTING
    finally:
        manager.shutdown()


def test_a_closed_tab_keeps_its_results_while_it_may_come_back(tmp_path, pool):
    alive = {"a": True}
    manager = JobManager(warm=False, root=tmp_path, pool=pool, orphan_grace=0,
                         forget_after=60, session_alive=lambda s: alive[s])
    try:
        done = ended(manager, pool, "a")
        alive["a"] = False
        manager.reaper.reap()
        assert manager.jobs_of("a") == [done] and done.out_dir.exists()
    finally:
        manager.shutdown()


def test_a_refreshed_tab_takes_over_its_runs_and_its_memo(manager, pool):
    job = manager.submit("old tab", config()).job
    token = manager.sessions.remember("old tab", "train_job_ids", [job.id])
    assert manager.reattach(token, "new tab") == {"train_job_ids": [job.id]}
    assert manager.jobs_of("new tab") == [job] and job.watched_by("new tab")
    assert manager.jobs_of("old tab") == []
    assert manager.reattach("0" * 22, "stranger") is None
    assert manager.reattach(token, "new tab") is None, "its own token gives nothing new"


def test_session_folders_are_private_and_not_named_by_users(manager):
    a, b = manager.sessions.folder("../../etc"), manager.sessions.folder("b")
    assert a.parent == manager.root and a != b and ".." not in a.name
    assert (a.stat().st_mode & 0o777) == 0o700


def test_job_folders_of_dead_servers_are_removed(tmp_path):
    """A killed server leaves its models in /tmp; the next one clears them."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale, alive, unowned = (tmp_path / f"{ROOT_PREFIX}{n}" for n in ("a", "b", "c"))
    for folder, owner in ((stale, dead.pid), (alive, os.getpid()), (unowned, None)):
        (folder / "job-1").mkdir(parents=True)
        if owner:
            (folder / OWNER_FILE).write_text(str(owner))
    assert remove_stale_roots(tmp_path) == [stale]
    assert not stale.exists() and alive.exists() and unowned.exists()
