"""Training on a Ray cluster: the same job code (core.engine.worker.train_one) in Ray
actors, with the same events, Stop and results, for a department whose GPUs or spare
machines train what one 2-core server cannot.

`RayPool` is a core.engine.workers.WorkerPool of `RayWorker`s, which the JobManager drives
exactly like local worker processes: `assign` a job and receive its events, `stop`,
`kill`. Each RayWorker is one Ray actor (`TrainingActor`) with the resources a job is
given (the settings ray_cpus, ray_gpus: a GPU or a fraction of one), reused for several
jobs like a local worker; what runs inside it is core.engine.ray_actor. Nothing goes
through a shared disk: the arrays reach the cluster through Ray's object store (put once
per dataset and target), events come back as the contract's JSON lines, and the outputs
(model, test-set predictions, a pretrained extractor) come back as bytes that the server
writes into the job's folder before the page hears the job is done. The server imports
Ray, never TensorFlow: the actor imports it in the cluster, and `core` travels there as
a Ray `py_modules` package. A cluster that is lost mid-run fails the job with the reason
(error codes cluster_lost, worker_died) and the manager trains the next jobs here;
`connect` returns None and the app trains locally when no cluster answers.
"""
from __future__ import annotations

import threading
from concurrent.futures import Future
from pathlib import Path

from core import config as app_config
from core.data.files import atomic_write
from core.engine.contract import Assignment, ErrorEvent, ReadyEvent, parse_event, to_line
from core.engine.workers import JOBS_PER_WORKER, Handler, Relay, WorkerExit, WorkerPool

POLL_S = 0.25  # how often the server asks an actor for new events
CONNECT_TIMEOUT_S = 15  # a cluster that does not answer in this long is not there
_CONNECTED_TO: str | None = None  # the cluster this process is connected to


class RayWorker(Relay):
    """One actor, driven like core.engine.local.WorkerProcess."""

    def __init__(self, pool: "RayPool"):
        super().__init__()
        self.pool, self.ray = pool, pool.ray
        self.actor = pool.actor_class.options(
            num_cpus=pool.cpus, num_gpus=pool.gpus, max_concurrency=2).remote(
                pool.cpus, pool.live_filters)
        self.dead = False
        self._ready_ref = self.actor.ready.remote()
        threading.Thread(target=self._wait_ready, daemon=True).start()

    def _wait_ready(self) -> None:
        try:
            self.ray.get(self._ready_ref)
            self.ready.set()
        except Exception:  # the actor could not start: its first job says so
            self.dead = True

    def assign(self, assignment: Assignment, on_event: Handler) -> None:
        self.attach(on_event)
        threading.Thread(target=self._drive, args=(assignment,), daemon=True).start()

    def _drive(self, assignment: Assignment) -> None:
        """Send the job, relay its events while it trains, write its files, then end it."""
        ray = self.ray
        try:
            arrays = self.pool.arrays(assignment.config.data.path)
            if self.jobs_assigned == 1:  # a fresh actor: the job waited for its import
                self.emit(ReadyEvent(ray.get(self._ready_ref), jobs_done=0))
            result_ref = self.actor.run.remote(to_line(assignment), arrays)
            while True:
                done, _ = ray.wait([result_ref], timeout=POLL_S)
                for line in ray.get(self.actor.collect.remote()):
                    self.emit(parse_event(line))
                if done:
                    break
            result = ray.get(result_ref)
            out = Path(assignment.out_dir)
            out.mkdir(parents=True, exist_ok=True)
            for name, data in result["files"].items():
                atomic_write(out / name, lambda f, data=data: f.write(data))
            self.ready.set()
            self.emit(parse_event(result["last"]))
        except Exception as err:
            self.dead = True
            self.emit(ErrorEvent(*self.pool.fault(err)))
            self.emit(WorkerExit(None))

    def stop(self) -> None:
        if not self.dead:
            try:
                self.actor.stop.remote()
            except Exception:
                self.dead = True

    def alive(self) -> bool:
        return not self.dead

    def kill(self) -> None:
        self.dead = True
        try:
            self.ray.kill(self.actor)
        except Exception:
            pass

    def retire(self) -> None:
        self.kill()


class RayPool(WorkerPool):
    """RayWorkers on a cluster: the cluster's memory is its own (not the server's budget),
    and it trains as many jobs at once as its CPUs and GPUs fit (or `slots`)."""
    engine = "ray"
    memory_bound = False

    def __init__(self, ray, cpus: int, gpus: float, jobs_per_worker: int,
                 slots: int | None = None, live_filters: bool = True):
        self.ray, self.cpus, self.gpus, self.live_filters = ray, cpus, gpus, live_filters
        super().__init__(slots or self.fitting(), warm=True, jobs_per_worker=jobs_per_worker)
        from core.engine.ray_actor import TrainingActorBody

        self.actor_class = ray.remote(TrainingActorBody)
        self._arrays: dict[str, Future] = {}  # .npz path -> its object-store reference

    def arrays(self, path: str):
        """The job's arrays as an object-store reference, put once per file: the first job
        to need it reads and puts it, outside the pool's lock; the others wait for it."""
        with self.lock:
            future, mine = self._arrays.get(path), False
            if future is None:
                future = self._arrays[path] = Future()
                mine = True
        if mine:
            try:
                future.set_result(self.ray.put(Path(path).read_bytes()))
            except Exception as err:
                with self.lock:
                    self._arrays.pop(path, None)  # the next job tries again
                future.set_exception(err)
        return future.result()

    def _spawn(self) -> RayWorker:
        return RayWorker(self)

    def fitting(self) -> int:
        """Jobs the cluster can train at once with what each is given."""
        resources = self.ray.cluster_resources()
        fit = int(resources.get("CPU", self.cpus) // max(self.cpus, 1))
        if self.gpus:
            fit = min(fit, int(resources.get("GPU", 0) / self.gpus))
        return max(1, fit)

    def fault(self, err: Exception) -> tuple[str, str]:
        """(error code, message) for what went wrong with the cluster."""
        name = type(err).__name__
        if "ActorDied" in name or "ActorError" in name or "WorkerCrashed" in name:
            if self.reachable():
                return "worker_died", f"the Ray worker was lost ({name})"
        self.broken = f"{name}: {str(err)[:200]}"
        return "cluster_lost", self.broken

    def reachable(self, timeout: float = 5.0) -> bool:
        """Does the cluster's control store still answer, within `timeout` seconds?"""
        answer: dict = {}

        def ask() -> None:
            try:
                answer["ok"] = bool(self.ray.cluster_resources())
            except Exception:
                answer["ok"] = False

        thread = threading.Thread(target=ask, daemon=True)
        thread.start()
        thread.join(timeout)
        return answer.get("ok", False)


def connect(address: str, cpus: int = 2, gpus: float = 0.0,
            jobs_per_worker: int = JOBS_PER_WORKER, slots: int | None = None,
            live_filters: bool = True, timeout: float = CONNECT_TIMEOUT_S):
    """(a RayPool on the cluster at `address`, None), or (None, why not) when it does not
    answer within `timeout` seconds."""
    try:
        import ray
    except ImportError:
        return None, "Ray is not installed here (pip install -r requirements-ray.txt)"
    global _CONNECTED_TO
    if ray.is_initialized() and _CONNECTED_TO != address:  # one cluster per process
        return None, f"this process is already connected to {_CONNECTED_TO or 'a local Ray'}"
    runtime_env = {"py_modules": [str(app_config.ROOT / "core")],
                   "env_vars": {"TF_CPP_MIN_LOG_LEVEL": "2"}}
    result: dict = {}

    def attempt() -> None:
        try:
            if not ray.is_initialized():
                ray.init(address=address, runtime_env=runtime_env, logging_level="ERROR",
                         log_to_driver=False)
            result["pool"] = RayPool(ray, cpus, gpus, jobs_per_worker, slots, live_filters)
        except Exception as err:
            result["error"] = f"{type(err).__name__}: {str(err)[:200]}"

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(timeout)
    if "pool" not in result:
        return None, result.get("error", f"no answer within {timeout:.0f} s")
    _CONNECTED_TO = address
    return result["pool"], None


def attach(manager, settings) -> None:
    """Connect to the settings' cluster in the background and, once it answers, train the
    manager's next jobs there (`JobManager.use_pool`). Until then, or if it never
    answers, they train locally and the manager says why; no page waits for a cluster."""
    address = settings.ray_address

    def run() -> None:
        pool, problem = connect(address, settings.ray_cpus, settings.ray_gpus,
                                settings.jobs_per_worker, settings.ray_slots,
                                settings.live_filters)
        if pool is None:
            manager.use_pool(None, f"{address}: {problem}")
        else:
            manager.use_pool(pool)
            pool.prewarm()

    threading.Thread(target=run, daemon=True, name="cnnlab-ray-connect").start()
