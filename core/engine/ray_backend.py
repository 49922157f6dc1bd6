"""Training on a Ray cluster: the same job code (core.training.fit) in Ray actors, with
the same events, Stop and results, for a department whose GPUs or spare machines train
what one 2-core server cannot.

`RayPool` stands in for core.engine.pool.WorkerPool and hands out `RayWorker`s that the
JobManager drives exactly like local worker processes: `assign` a job and receive its
events, send "stop", `kill`. Each RayWorker is one Ray actor (`TrainingActor`) with the
resources a job is given (CNNLAB_RAY_CPUS, CNNLAB_RAY_GPUS: a GPU or a fraction of one),
reused for several jobs like a local worker; what runs inside it is
core.engine.ray_actor. Nothing goes through a shared disk: the
arrays reach the cluster through Ray's object store (put once per dataset and target),
events come back as the contract's JSON lines, and the outputs (model, test-set
predictions, a pretrained extractor) come back as bytes that the server writes into the
job's folder before the page hears the job is done. The server imports Ray, never
TensorFlow: the actor imports it in the cluster, and `core` travels there as a Ray
`py_modules` package. A cluster that cannot be reached at start, or is lost mid-run,
fails the job with the reason (error codes cluster_unreachable, cluster_lost,
worker_died); `connect` returns None and the app trains locally when no cluster answers.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

from core import config as app_config
from core.engine.contract import Assignment, ErrorEvent, parse_event, to_line
from core.engine.pool import WorkerPool
from core.engine.process import WorkerExit

POLL_S = 0.25  # how often the server asks an actor for new events
CONNECT_TIMEOUT_S = 15  # a cluster that does not answer in this long is not there
_CONNECTED_TO: str | None = None  # the cluster this process is connected to


class RayWorker:
    """One actor, driven like core.engine.process.WorkerProcess."""

    def __init__(self, pool: "RayPool"):
        self.pool, self.ray = pool, pool.ray
        self.actor = pool.actor_class.options(
            num_cpus=pool.cpus, num_gpus=pool.gpus, max_concurrency=2).remote(pool.cpus)
        self.ready = threading.Event()
        self.jobs_assigned = 0
        self.dead = False
        self.on_event: Callable | None = None
        self.lock = threading.Lock()
        self._ready_ref = self.actor.ready.remote()
        threading.Thread(target=self._wait_ready, daemon=True).start()

    def _wait_ready(self) -> None:
        try:
            self.import_seconds = self.ray.get(self._ready_ref)
            self.ready.set()
        except Exception:  # the actor could not start: its first job says so
            self.dead = True

    def assign(self, assignment: Assignment, on_event: Callable) -> None:
        with self.lock:
            self.on_event = on_event
            self.jobs_assigned += 1
            self.ready.clear()
        threading.Thread(target=self._drive, args=(assignment,), daemon=True).start()

    def _emit(self, event) -> None:
        with self.lock:
            handler = self.on_event
        if handler:
            handler(event)

    def _drive(self, assignment: Assignment) -> None:
        """Send the job, relay its events while it trains, write its files, then end it."""
        from core.engine.contract import ReadyEvent

        ray = self.ray
        try:
            arrays = self.pool.arrays(assignment.config.data.path)
            if self.jobs_assigned == 1:  # a fresh actor: the job waited for its import
                self._emit(ReadyEvent(ray.get(self._ready_ref), jobs_done=0))
            result_ref = self.actor.run.remote(to_line(assignment), arrays)
            while True:
                done, _ = ray.wait([result_ref], timeout=POLL_S)
                for line in ray.get(self.actor.collect.remote()):
                    self._emit(parse_event(line))
                if done:
                    break
            result = ray.get(result_ref)
            out = Path(assignment.out_dir)
            out.mkdir(parents=True, exist_ok=True)
            from core.data.files import atomic_write

            for name, data in result["files"].items():
                atomic_write(out / name, lambda f, data=data: f.write(data))
            self.ready.set()
            self._emit(parse_event(result["last"]))
        except Exception as err:
            self.dead = True
            self._emit(ErrorEvent(*self.pool.fault(err)))
            self._emit(WorkerExit(None))

    def send(self, line: str) -> None:
        if line == "stop" and not self.dead:
            try:
                self.actor.stop.remote()
            except Exception:
                self.dead = True

    def detach(self) -> None:
        with self.lock:
            self.on_event = None

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
    """Hands out RayWorkers: the local WorkerPool's keeping and reusing, for a cluster."""

    def __init__(self, ray, cpus: int, gpus: float, jobs_per_worker: int):
        super().__init__(warm=True, jobs_per_worker=jobs_per_worker)
        self.ray, self.cpus, self.gpus = ray, cpus, gpus
        self.engine = "ray"
        self.broken: str | None = None  # why the cluster is no longer usable
        from core.engine.ray_actor import TrainingActorBody

        self.actor_class = ray.remote(TrainingActorBody)
        self._arrays: dict[str, object] = {}  # .npz path -> its bytes in the object store

    def arrays(self, path: str):
        """The job's arrays as an object-store reference, put once per file."""
        with self.lock:
            if path not in self._arrays:
                self._arrays[path] = self.ray.put(Path(path).read_bytes())
            return self._arrays[path]

    def _spawn(self) -> RayWorker:
        return RayWorker(self)

    def slots(self) -> int:
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
            jobs_per_worker: int = 8, timeout: float = CONNECT_TIMEOUT_S):
    """A RayPool on the cluster at `address`, or (None, reason) when it does not answer."""
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
            result["ok"] = True
        except Exception as err:
            result["error"] = f"{type(err).__name__}: {str(err)[:200]}"

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(timeout)
    if not result.get("ok"):
        return None, result.get("error", f"no answer within {timeout:.0f} s")
    _CONNECTED_TO = address
    return RayPool(ray, cpus, gpus, jobs_per_worker), None


def attach(manager, address: str, cpus: int, gpus: float, jobs_per_worker: int,
           slots: int | None = None) -> None:
    """Connect to the cluster in the background and, once it answers, train the manager's
    next jobs there. Until then, or if it never answers, they train locally and the
    manager says why (`engine_problem`); no page waits for a cluster."""
    manager.engine_problem = None

    def run() -> None:
        pool, problem = connect(address, cpus, gpus, jobs_per_worker)
        with manager.lock:
            if pool is None:
                manager.engine_problem = f"{address}: {problem}"
            else:
                manager.pool = pool
                manager.max_running = slots or pool.slots()
                manager.pool.prewarm()

    threading.Thread(target=run, daemon=True, name="cnnlab-ray-connect").start()
