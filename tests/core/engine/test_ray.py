"""Training on a Ray cluster: a local Ray head with 2 CPUs, started here. A job runs end to
end with its results coming back through Ray; Stop lands; a killed Ray worker fails its job
and the next one runs; a wrong address says why and training stays local; the server side
never loads TensorFlow."""
import json
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from core.config import ROOT
from core.engine.contract import JobState
from core.engine.manager import JobManager
from tests.browser.conftest import free_port
from tests.core.engine.test_jobs import (
    LONG, SLOW, brightest_channel_data, make_config, wait,
)

pytestmark = pytest.mark.slow
RAY = str(Path(sys.executable).with_name("ray"))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A local Ray head with 2 CPUs on a free port; its address."""
    if not Path(RAY).exists():
        pytest.fail("Ray is not installed: bash scripts/test.sh installs requirements-ray.txt")
    port = free_port()
    temp = tmp_path_factory.mktemp("ray")
    started = subprocess.run([RAY, "start", "--head", f"--port={port}", "--num-cpus=2",
                              "--include-dashboard=false", "--disable-usage-stats",
                              f"--temp-dir={temp}"],
                             capture_output=True, text=True, timeout=180)
    assert started.returncode == 0, started.stderr[-2000:]
    yield f"127.0.0.1:{port}"
    import ray

    ray.shutdown()
    subprocess.run([RAY, "stop", "--force"], capture_output=True, timeout=120)
    shutil.rmtree(temp, ignore_errors=True)


@pytest.fixture(scope="module")
def data_path(tmp_path_factory):
    """300 train / 60 test images whose class is the brightest colour channel."""
    return brightest_channel_data(tmp_path_factory.mktemp("ray-data") / "data.npz", 300, 60)


@pytest.fixture(scope="module")
def on_ray(cluster, tmp_path_factory):
    from core.engine.ray_backend import connect

    pool, problem = connect(cluster, cpus=2, gpus=0, jobs_per_worker=8)
    assert problem is None, problem
    manager = JobManager(max_running=1, warm=False, root=tmp_path_factory.mktemp("jobs"),
                         pool=pool)
    yield manager
    manager.shutdown()


SERVER = """
import json, sys, time
from core.engine.manager import JobManager
from core.engine.ray_backend import connect
from tests.core.engine.test_jobs import make_config
pool, problem = connect(sys.argv[1], cpus=2, gpus=0, jobs_per_worker=2)
manager = JobManager(max_running=1, warm=False, root=sys.argv[3], pool=pool)
job = manager.submit("a", make_config(sys.argv[2], epochs=1)).job
while job.active:
    time.sleep(0.2)
snapshot = job.snapshot()
print(json.dumps({"problem": problem, "state": str(snapshot.state), "engine": snapshot.engine,
                  "device": snapshot.start.device if snapshot.start else None,
                  "batches": len(snapshot.batches), "files": sorted(
                      p.name for p in snapshot.out_dir.iterdir()),
                  "accuracy": snapshot.test_accuracy, "filters": [
                      e.epoch for e in (snapshot.first_filters, snapshot.filters) if e],
                  "tensorflow": "tensorflow" in sys.modules}))
manager.shutdown()
"""


def test_a_job_runs_end_to_end_on_ray_and_its_results_come_back(cluster, data_path, tmp_path):
    """In a server-like process of its own: the page's engine, a cluster, and no TensorFlow."""
    run = subprocess.run([sys.executable, "-c", textwrap.dedent(SERVER), cluster, data_path,
                          str(tmp_path / "jobs")], cwd=ROOT, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["problem"] is None and result["state"] == "done", result
    assert result["engine"] == "ray" and result["device"] == "CPU"
    assert result["batches"] == 5  # 270 images at batch 64
    assert {"model.keras", "test_probs.npy", "test_labels.npy"} <= set(result["files"])
    assert 0 <= result["accuracy"] <= 1
    assert result["filters"] == [0, 1], "the live filters come back through Ray too"
    assert result["tensorflow"] is False, "the server side never imports TensorFlow"


def test_stop_on_ray_lands_within_a_batch(on_ray, data_path):
    job = on_ray.submit("a", make_config(data_path, layers=SLOW, epochs=LONG, batch_size=128,
                                         seed=7)).job
    wait(lambda: len(job.batches) >= 3, timeout=300)
    on_ray.stop(job)
    steps = job.start.steps
    at_stop = job.batches[-1].epoch * steps + job.batches[-1].step
    wait(lambda: not job.active, timeout=120)
    assert job.state == JobState.STOPPED and job.result.stopped
    last = job.batches[-1]
    assert last.epoch * steps + last.step <= at_stop + 8, "it ended soon after the Stop"
    assert len(job.epochs) < LONG and (job.out_dir / "model.keras").is_file()


def test_a_killed_ray_worker_fails_its_job_and_the_next_one_runs(on_ray, data_path):
    import ray

    job = on_ray.submit("a", make_config(data_path, epochs=LONG, batch_size=16, seed=8)).job
    wait(lambda: len(job.batches) >= 2, timeout=300)
    ray.kill(job.worker.actor, no_restart=True)  # the cluster lost the actor's process
    wait(lambda: not job.active, timeout=120)
    assert job.state == JobState.FAILED and job.error.code == "worker_died"
    assert "Ray worker was lost" in job.error.message
    following = on_ray.submit("b", make_config(data_path, epochs=1, seed=9)).job
    wait(lambda: not following.active, timeout=300)
    assert following.state == JobState.DONE and following.engine == "ray"


def test_a_wrong_address_says_why_and_training_stays_local(tmp_path, data_path):
    """In a process of its own (a Ray connection is per process)."""
    script = textwrap.dedent("""
        import sys, time
        from core.engine.manager import JobManager
        from core.engine.ray_backend import attach
        from core.settings import ServerSettings
        from tests.core.engine.test_jobs import make_config
        manager = JobManager(max_running=1, warm=False, root=sys.argv[2])
        attach(manager, ServerSettings(ray_address=sys.argv[1]))
        job = manager.submit("a", make_config(sys.argv[3], epochs=1)).job
        deadline = time.time() + 120
        while (job.active or manager.engine_problem is None) and time.time() < deadline:
            time.sleep(0.2)
        print(job.state, job.engine, "|", manager.engine_problem)
        manager.shutdown()
    """)
    wrong = f"127.0.0.1:{free_port()}"
    run = subprocess.run([sys.executable, "-c", script, wrong, str(tmp_path), data_path],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    state, engine, _, problem = run.stdout.strip().splitlines()[-1].split(" ", 3)
    assert (state, engine) == ("done", "local"), "it trained here"
    assert problem.startswith(wrong), "the page can say which cluster did not answer"


def test_the_command_line_trains_on_the_cluster(cluster, on_ray):
    """`python -m core train --ray ADDRESS`: the README's check that a cluster works."""
    from tests.core.test_cli import core_verb

    on_ray.pool.close()  # the module's warm actors hold the test cluster's 2 CPUs

    result = core_verb("train", "--epochs", "1", "--ray", cluster,
                       env={"CNNLAB_TRAIN_MAX_IMAGES": "300"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"training on the Ray cluster at {cluster}" in result.stderr
    assert "on CPU (ray)" in result.stderr and "epoch 1/1, loss" in result.stderr
    assert " on CPU (ray); outputs in " in result.stdout
