"""Training on a Dask cluster (``distributed``): the same training worker as on this machine,
scheduled by Dask.

- The dataset is scattered to every worker once (broadcast); each task carries only its model's
  name, folds and seed.
- One model trains per worker process at a time, and one more waits behind it (so a worker
  never idles while the study reads a result): workers must run one thread each (``dask worker
  --nthreads 1``); OpenMP and BLAS are limited to one thread before a worker starts, and again
  inside :func:`core.training.train_safely`.
- A model over its time limit is recorded as such and its worker process stopped (its nanny
  starts a fresh one), so the model does not keep a core busy. A model whose worker is lost is
  trained again once, on another worker; lost twice, it is recorded as failed with the reason.
- Fitted models come back as the skops bytes the worker made, loaded here with the same checks
  as a file from elsewhere (:func:`core.trust.load_model`). **Latency is never measured on the
  cluster**: the study's latency phase runs on the machine that runs the study.
- Before a study, every worker is checked to run the same versions of the packages that fit
  and load models as this machine, so a model trained there predicts here as it did there.

``--cluster local`` (tests, a quick try) starts a :class:`distributed.LocalCluster` of worker
processes on this machine for the study, and stops it after.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import itertools
import logging
import os
import queue
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Iterator, Sequence
from importlib import metadata
from typing import Any
from urllib.parse import urlsplit

from core.dataset import Dataset
from core.errors import ConfigError
from core.pool import COMPILERS, without_script_main
from core.training import Outcome, Progress, Task, TrainingSite, machine, train_safely

#: The app and the library train on the cluster at this address when it is set (the CLI's
#: ``--cluster`` wins over it); ``local`` starts a cluster on this machine for each study.
SCHEDULER_ENV = "TRADEOFF_DASK_SCHEDULER"
LOCAL = "local"
#: The schemes of a scheduler's address that Dask's ``dask scheduler`` listens on.
SCHEMES = ("tcp", "tls")
#: Limits set in a worker's environment before it starts (its libraries read them once).
THREAD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
#: Packages that fit, write and load the models: a worker must have the versions this machine
#: has, or a model it trains might not load or predict alike here.
MODEL_PACKAGES = ("scikit-learn", "xgboost-cpu", "numpy", "scipy", "pandas", "skops")
#: Seconds to wait for a scheduler to answer and for its first worker.
CONNECT_TIMEOUT_S = 20.0
#: Seconds a model may wait for its worker to start it (a new worker imports its libraries and
#: fetches the table first) before its own time limit starts to count.
STARTUP_S = 120.0
#: A model whose worker is lost is trained this many times in all before it is recorded failed.
ATTEMPTS = 2
#: Models in flight per worker: one training and one waiting behind it, so that a worker never
#: idles while the study reads a finished model (its time limit counts from its start).
IN_FLIGHT = 2
#: Where workers say that a model arrived and that its training started (a Dask event topic).
TOPIC = "tradeoff-explorer-models"
_POLL_S = 0.25


#: Dask settings of the workers this module starts (``--cluster local``): Dask's statistical
#: profiler samples every thread's stack a hundred times a second, taking the GIL from the model
#: that trains. Workers started by ``dask worker`` take the same from the environment:
#: ``DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False``.
WORKER_CONFIG = {"distributed.worker.profile.enabled": False}


def local_cluster(n_workers: int, *, threads_per_worker: int = 1) -> Any:
    """A :class:`distributed.LocalCluster` of ``n_workers`` worker processes on this machine,
    each ``threads_per_worker`` threads (one for a study), with OpenMP and BLAS limited to one
    thread and Dask's profiler off (:data:`WORKER_CONFIG`). Close it when done."""
    import dask
    from distributed import LocalCluster

    with dask.config.set(WORKER_CONFIG), without_script_main():
        return LocalCluster(
            n_workers=n_workers,
            threads_per_worker=threads_per_worker,
            processes=True,
            dashboard_address=":0",  # any free port, never a clash
            silence_logs=logging.ERROR,
            env=THREAD_ENV,
        )


def scheduler_address(value: str | None = None) -> str | None:
    """The cluster to train on: ``value`` (the CLI's ``--cluster``), else the
    :data:`SCHEDULER_ENV` variable; ``None`` trains on this machine.

    Only :data:`LOCAL` or an address ``tcp://HOST:PORT`` (or ``tls://``) is accepted, with a
    message saying what was wrong otherwise."""
    if value is None:
        value = os.environ.get(SCHEDULER_ENV, "")
        source = f"The {SCHEDULER_ENV} variable"
    else:
        source = "--cluster"
    value = value.strip()
    if not value:
        return None
    if value == LOCAL:
        return LOCAL
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if (
        parts is None
        or parts.scheme not in SCHEMES
        or not parts.hostname
        or port is None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username
    ):
        raise ConfigError(
            f"{source} takes '{LOCAL}' or a Dask scheduler's address such as "
            f"tcp://10.0.0.5:8786; got {value[:80]!r}."
        )
    return f"{parts.scheme}://{parts.netloc}"


def setting_sentence() -> tuple[str, bool] | None:
    """What the app says about :data:`SCHEDULER_ENV` before a study: where models will train,
    or what is wrong with the variable (``True`` for a problem); ``None`` when it is not set."""
    try:
        address = scheduler_address()
    except ConfigError as exc:
        return f"{exc} Studies cannot start until it is mended or unset.", True
    if address is None:
        return None
    where = (
        "on a Dask cluster of worker processes started on this machine for each study"
        if address == LOCAL
        else f"on the Dask cluster at {address}"
    )
    return (
        f"Models train {where} ({SCHEDULER_ENV} is set); latency, throughput and serving cost "
        "are measured on this machine.",
        False,
    )


def _train_on_worker(task: Task, dataset: Dataset, study: str) -> Outcome:
    """Runs on a Dask worker: say that the model arrived (so the study counts its attempts) and
    when its training starts (its time limit counts from then), then train it as on this
    machine; the fitted model goes back as its bytes."""
    from distributed import get_worker

    worker = get_worker()
    said = {"study": study, "model": task.key, "worker": worker.address}
    worker.log_event(TOPIC, said | {"stage": "arrived"})
    for module in COMPILERS:  # as the local pool's workers have them: not in a model's time
        importlib.import_module(module)
    worker.log_event(TOPIC, said | {"stage": "training"})
    outcome = train_safely(dataclasses.replace(task, dataset=dataset))
    outcome.pipeline = None  # loaded from outcome.model_bytes on the study's machine
    return outcome


def _worker_facts() -> dict[str, Any]:
    """Runs on each worker before a study: its processor, its packages and its thread limits."""
    versions: dict[str, str | None] = {}
    for package in MODEL_PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return machine() | {
        "packages": versions,
        "threads_env": {k: os.environ.get(k) for k in THREAD_ENV},
    }


def _local_versions() -> dict[str, str | None]:
    facts: dict[str, str | None] = _worker_facts()["packages"]
    return facts


class DaskTrainer:
    """A :class:`core.training.Trainer` on a Dask cluster; use it as a context manager (it
    connects, checks the workers, and disconnects or stops the local cluster at the end)."""

    def __init__(self, address: str, n_workers: int | None = None) -> None:
        self.address = address
        self.n_workers = n_workers
        self.site = TrainingSite("dask", 0, scheduler=None if address == LOCAL else address)
        self._cluster: Any = None
        self._client: Any = None

    def __enter__(self) -> DaskTrainer:
        try:
            self._connect()
            self._check_workers()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for part in (self._client, self._cluster):
            if part is not None:
                with contextlib.suppress(Exception):
                    part.close()
        self._client = self._cluster = None

    def _connect(self) -> None:
        from distributed import Client

        if self.address == LOCAL:
            self._cluster = local_cluster(self.n_workers or os.cpu_count() or 1)
            target: Any = self._cluster
        else:
            target = self.address
        try:
            self._client = Client(target, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
            self._client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            raise ConfigError(
                f"Could not reach a Dask cluster with workers at {self.address} ({exc}). Start "
                "the scheduler with 'dask scheduler' and at least one worker with 'dask worker "
                f"{self.address} --nthreads 1', or train on this machine."
            ) from exc

    def _check_workers(self) -> None:
        client = self._client
        start = (
            f"'PYTHONPATH=. dask scheduler' and 'PYTHONPATH=. dask worker {self.address} "
            "--nthreads 1'"
        )
        for part, ask in (("scheduler", client.run_on_scheduler), ("workers", client.run)):
            try:  # Dask's scheduler, too, reads the study's tasks, so it imports the project
                facts = ask(_worker_facts)
            except ImportError as exc:
                raise ConfigError(
                    f"The cluster's {part} cannot import this project's code ({exc}). Start "
                    "the scheduler and each worker in the project's folder, with its "
                    f"requirements installed: {start}."
                ) from exc
        threads = client.nthreads()
        crowded = sorted(a for a, n in threads.items() if n != 1)
        if crowded:
            raise ConfigError(
                f"Worker {crowded[0]} runs {threads[crowded[0]]} threads: each worker must run "
                "one model at a time on one thread, so its training time is one core's. Start "
                "the workers with 'dask worker ADDRESS --nthreads 1 --nworkers auto'."
            )
        here = _local_versions()
        for address, worker in sorted(facts.items()):
            theirs = worker["packages"]
            for package, version in here.items():
                if theirs.get(package) != version:
                    raise ConfigError(
                        f"Worker {address} has {package} {theirs.get(package) or 'missing'}, "
                        f"this machine {version}: a model trained there might not load or "
                        "predict alike here. Install the project's requirements.txt on every "
                        "worker."
                    )
        cpus = Counter(str(worker["cpu"]) for worker in facts.values())
        self.site = dataclasses.replace(self.site, workers=len(facts), cpus=dict(cpus))

    def train(
        self, tasks: Sequence[Task], time_limit_s: float, notify: Progress
    ) -> dict[str, Outcome]:
        if not tasks:
            return {}
        return _Run(self._client, tasks, time_limit_s, notify).outcomes()


class _Run:
    """One study's models on the cluster: at most :data:`IN_FLIGHT` per worker, slowest first
    (the order of ``tasks``), so the workers finish close together; a model's clock starts when
    its worker starts it."""

    def __init__(
        self,
        client: Any,
        tasks: Sequence[Task],
        time_limit_s: float,
        notify: Progress,
    ) -> None:
        self.client = client
        self.pending = deque(tasks)
        self.limit = time_limit_s
        self.notify = notify
        self.study = uuid.uuid4().hex
        self.running: dict[str, Any] = {}  # model -> its future
        self.tasks = {t.key: t for t in tasks}
        self.attempts: Counter[str] = Counter()  # arrivals at a worker
        self.requeued: Counter[str] = Counter()  # cancelled before it arrived anywhere
        self.submitted: dict[str, float] = {}
        self.started: dict[str, float] = {}
        self.worker: dict[str, str] = {}
        self.done: dict[str, Outcome] = {}
        self.events: queue.SimpleQueue[dict[str, Any]] = queue.SimpleQueue()
        self.wake = threading.Event()
        self.stopped: set[str] = set()
        self.said_training: set[str] = set()
        self.submissions = itertools.count()
        dataset = tasks[0].dataset
        assert dataset is not None, "every task carries the study's dataset"
        self.dataset = dataset

    def outcomes(self) -> dict[str, Outcome]:
        client = self.client
        client.subscribe_topic(TOPIC, self._heard)
        try:
            # Once to every worker, never once per task; a worker that joins later fetches it
            # from another.
            self.data = self._scatter()
            while self.pending or self.running:
                self._submit()
                self._wait()
                self._read_events()
                self.notify.tick()
                self._collect()
                self._enforce_limit()
        except (OSError, TimeoutError) as exc:
            for name in [*self.running, *(t.key for t in self.pending)]:
                self._fail(name, f"The cluster could not be reached during the study ({exc}).")
        finally:
            for future in self.running.values():
                future.cancel()
            with contextlib.suppress(Exception):
                client.unsubscribe_topic(TOPIC)
        return self.done

    def _heard(self, event: tuple[float, Any]) -> None:  # on the client's thread
        message = event[1]
        if isinstance(message, dict) and message.get("study") == self.study:
            self.events.put(message)
            self.wake.set()

    def _free_workers(self) -> list[str]:
        """A place for each model that can go to a worker now: every worker not being stopped
        with fewer than :data:`IN_FLIGHT` of this study's models, the least busy first."""
        load = Counter(self.worker.get(name) for name in self.running)
        workers = [w for w in sorted(self.client.nthreads()) if w not in self.stopped]
        return [w for level in range(IN_FLIGHT) for w in workers if load[w] <= level]

    def _submit(self) -> None:
        """The next models, slowest first; each says it is training when its worker starts it
        (:meth:`_read_events`), not while it waits there behind another."""
        free = self._free_workers() if self.pending else []
        if free and self.stopped:
            self._keep_data()
        while self.pending and free:
            self._start(self.pending.popleft(), free.pop(0))

    def _start(self, task: Task, worker: str | None) -> None:
        """Submit ``task`` to ``worker`` (Dask may move it to another that is idle; another worker
        only if that one is lost), or to any worker with ``None``."""
        future = self.client.submit(
            _train_on_worker,
            dataclasses.replace(task, dataset=None),
            self.data,
            self.study,
            key=f"train-{task.key}-{self.study}-{next(self.submissions)}",  # never reused
            pure=False,
            workers=None if worker is None else [worker],
            allow_other_workers=worker is not None,
        )
        if worker is not None:
            self.worker[task.key] = worker
        future.add_done_callback(lambda _: self.wake.set())
        self.running[task.key] = future
        self.submitted[task.key] = time.perf_counter()
        self.started.pop(task.key, None)  # until its worker says it started

    def _wait(self) -> None:
        """Until a model ends or a worker says it started one, for at most :data:`_POLL_S`."""
        self.wake.wait(_POLL_S)
        self.wake.clear()

    def _read_events(self) -> None:
        while True:
            try:
                message = self.events.get_nowait()
            except queue.Empty:
                return
            name = message.get("model")
            if name not in self.running:
                continue
            if message.get("stage") == "training":
                self.started[name] = time.perf_counter()
                if self.attempts[name] <= 1:  # a retry said so when it arrived
                    self._training(name)
                continue
            self.attempts[name] += 1
            self.worker[name] = str(message.get("worker"))
            if self.attempts[name] > ATTEMPTS:  # Dask would try again; once is enough
                self.running.pop(name).cancel()
                self._fail(name, self._lost_words())
            elif self.attempts[name] > 1:
                self.notify(name, "training", "Its worker was lost; training again on another.")

    def _collect(self) -> None:
        for name, future in list(self.running.items()):
            if future.status in ("pending", "lost"):  # "lost": Dask computes it again
                continue
            del self.running[name]
            if future.status == "finished":
                self._finished(name, future.result())
                continue
            error = future.exception() if future.status == "error" else None
            # Lost with its worker: the scheduler gave up at once (its allowed-failures is 0),
            # or the last worker holding the table went, and Dask cancelled what needed it.
            lost = _lost(error) or future.status == "cancelled"
            if lost and self.attempts[name] == 0 and self.requeued[name] < ATTEMPTS:
                # it never began: the table it needed went with a stopped worker
                self.requeued[name] += 1
                self.pending.appendleft(self.tasks[name])
            elif lost and self.attempts[name] < ATTEMPTS:
                self.attempts[name] = max(self.attempts[name], 1)
                self._keep_data()
                self._start(self.tasks[name], None)
            elif lost:
                self._fail(name, self._lost_words())
            else:
                detail = f"{type(error).__name__}: {error}"[:300]
                self._fail(name, f"Training failed on the cluster: {detail}")

    def _keep_data(self) -> None:
        """The table on the workers again, if the workers that held it are gone or being
        stopped (a model sent now would need it after they go: Dask would cancel it)."""
        if self.data.status == "finished":
            holders = self.client.who_has([self.data]).get(self.data.key, ())
            if set(holders) - self.stopped:
                return
        self.data = self._scatter()

    def _scatter(self) -> Any:
        """The table sent once to every worker not being stopped. With none (all stopped or
        lost, their nannies starting new ones), it waits up to :data:`STARTUP_S` for one: Dask
        refuses to broadcast to no worker. ``TimeoutError`` when none comes."""
        deadline = time.monotonic() + STARTUP_S
        while time.monotonic() < deadline:
            live = [w for w in self.client.nthreads() if w not in self.stopped]
            if live:
                try:
                    return self.client.scatter(
                        self.dataset, workers=live, broadcast=True, hash=False
                    )
                except ValueError:  # the workers went between the look and the broadcast
                    pass
            time.sleep(_POLL_S)
        raise TimeoutError(f"no worker joined in {STARTUP_S:.0f} s")

    def _training(self, name: str) -> None:
        """Say once that ``name`` trains (its worker's word may come after its outcome)."""
        if name not in self.said_training:
            self.said_training.add(name)
            self.notify(name, "training")

    def _finished(self, name: str, outcome: Outcome) -> None:
        from core.trust import ModelFileError, load_model

        if self.attempts[name] > 1:
            outcome.notes = [
                *outcome.notes,
                "Its worker was lost during training; it was trained again on another worker.",
            ]
        if outcome.status == "ok":
            try:
                outcome.pipeline = load_model(outcome.model_bytes or b"")
            except ModelFileError as exc:
                outcome = Outcome(
                    name, "failed", f"Its fitted model came back from the cluster refused: {exc}."
                )
        self._training(name)
        self.done[name] = outcome
        self.notify.trained(outcome)

    def _fail(self, name: str, reason: str) -> None:
        self.done[name] = Outcome(name, "failed", reason)
        self.notify.trained(self.done[name])

    def _lost_words(self) -> str:
        return (
            f"Its worker was lost {ATTEMPTS} times while training it (a worker that stops "
            "unexpectedly often ran out of memory); choose a smaller model or give the workers "
            "more memory."
        )

    def _enforce_limit(self) -> None:
        now = time.perf_counter()
        for name, future in list(self.running.items()):
            if name in self.started:  # its clock runs from when its worker started it
                within = now - self.started[name] <= self.limit
            else:  # not started yet: its worker may still be starting or fetching the table
                within = now - self.submitted[name] <= self.limit + STARTUP_S
            if within:
                continue
            del self.running[name]
            future.cancel()
            self._fail(
                name,
                f"Stopped after the time limit of {self.limit:g} s per model; choose a smaller "
                "model or raise the limit.",
            )
            worker = self.worker.get(name)
            if worker is not None:  # free its core: a running task cannot be cancelled
                holders = self.client.who_has([self.data]).get(self.data.key, ())
                if set(holders) <= {worker}:  # the table must outlive the worker
                    self.client.replicate([self.data])
                self.stopped.add(worker)  # no other model goes there meanwhile
                self._take_back_waiting(worker)
                _stop(self.client, worker)

    def _take_back_waiting(self, worker: str) -> None:
        """The models waiting on ``worker`` behind one that is stopped go back to the front of
        the queue: they never began (its one thread was busy), so they were not lost."""
        for name, future in list(self.running.items()):
            if self.worker.get(name) == worker and self.attempts[name] == 0:
                del self.running[name]
                future.cancel()
                self.pending.appendleft(self.tasks[name])


def _lost(error: BaseException | None) -> bool:
    from distributed.scheduler import KilledWorker

    return isinstance(error, KilledWorker)


def _stop(client: Any, worker: str) -> None:
    """End ``worker``'s process at once, even mid-computation (a graceful restart would wait for
    the model); its nanny starts a fresh worker in its place. The call never answers (the
    worker is gone), so it is made from a thread of its own."""

    def stop() -> None:
        with contextlib.suppress(Exception):
            client.run(os._exit, 1, workers=[worker], on_error="ignore")

    threading.Thread(target=stop, name="dask-stop-worker", daemon=True).start()


@contextlib.contextmanager
def trainer(address: str, n_workers: int | None = None) -> Iterator[DaskTrainer]:
    """A connected :class:`DaskTrainer` for one study."""
    with DaskTrainer(address, n_workers) as connected:
        yield connected
