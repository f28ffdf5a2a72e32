"""Training on this machine: a pool of worker processes forked from a clean server (one model
per worker at a time, each limited to one thread), or one model after another in this process.

The training itself is :func:`core.training.train_safely`, the same on every executor.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing as mp
import multiprocessing.connection as mp_connection
import multiprocessing.forkserver as mp_forkserver
import sys
import time
import types
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any

from core.dataset import Dataset
from core.training import Outcome, Progress, Task, TrainingSite, cpu_model, train_safely


def _run_inline(tasks: Sequence[Task], notify: Progress) -> dict[str, Outcome]:
    outcomes = {}
    for task in tasks:
        notify(task.key, "training")
        outcomes[task.key] = train_safely(task)
        notify.trained(outcomes[task.key])
    return outcomes


#: What the conversion imports in a worker (:mod:`core.compiled`).
COMPILERS = ("skl2onnx", "onnxmltools.convert.xgboost.operator_converters.XGBoost", "onnxruntime")


def _context() -> Any:
    """Fresh worker processes forked from a clean server (no inherited OpenMP state or threads)."""
    ctx = mp.get_context("forkserver")
    # The converters too (skl2onnx takes about 1 s to import): paid once by the server.
    ctx.set_forkserver_preload(["core.pool", *COMPILERS])
    return ctx


def prepare_workers() -> None:
    """Start the server that forks the training workers, ahead of the first study.

    The server imports scikit-learn, XGBoost and pandas once (about 1.5 s on 2 cores) and stays
    up for the life of the process; every study forks its workers from it. The app calls this
    when it opens and the CLI while it reads the table, so the first study does not wait for
    it. Calling it again, or from several threads at once, does nothing more."""
    _context()
    with without_script_main():
        mp_forkserver.ensure_running()


@contextlib.contextmanager
def without_script_main() -> Iterator[None]:
    """Hide a script ``__main__`` while a worker starts, so the worker does not import it again.

    multiprocessing re-imports the parent's main script in every worker it starts. Under
    Streamlit that script is the app page (Streamlit makes it ``__main__``), which would run the
    whole page again in each worker. Workers need only ``core``; a module run with ``-m`` (the
    CLI) has a ``__spec__`` and is imported by name, harmlessly, so it is left alone.
    """
    main = sys.modules.get("__main__")
    if main is None or getattr(main, "__spec__", None) is not None:
        yield
        return
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


class _WorkerSlot:
    """One worker process and its pipe; replaced when a model overruns its time limit."""

    def __init__(self, ctx: Any) -> None:
        self.conn, child = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(target=_worker, args=(child,), daemon=True)
        with without_script_main():
            self.proc.start()
        child.close()
        self.task: Task | None = None
        self.started = 0.0
        self.holds: Dataset | None = None

    def give(self, task: Task) -> None:
        self.task, self.started = task, time.perf_counter()
        if task.dataset is self.holds:  # the worker keeps the table of its previous task
            self.conn.send(dataclasses.replace(task, dataset=None))
        else:
            self.conn.send(task)
            self.holds = task.dataset

    def stop(self, *, kill: bool = False) -> None:
        if kill:
            self.proc.terminate()
        else:
            with contextlib.suppress(OSError):
                self.conn.send(None)
        self.proc.join(5)
        self.conn.close()


def _run_parallel(
    tasks: Sequence[Task], n_workers: int, time_limit_s: float, notify: Progress
) -> dict[str, Outcome]:
    ctx = _context()
    pending = deque(tasks)
    slots = [_WorkerSlot(ctx) for _ in range(n_workers)]
    outcomes: dict[str, Outcome] = {}
    try:
        while pending or any(slot.task for slot in slots):
            for slot in slots:
                if slot.task is None and pending:
                    task = pending.popleft()
                    slot.give(task)
                    notify(task.key, "training")
            busy = [slot for slot in slots if slot.task is not None]
            ready = set(mp_connection.wait([slot.conn for slot in busy], timeout=0.25))
            notify.tick()
            for i, slot in enumerate(slots):
                current = slot.task
                if current is None:
                    continue
                if slot.conn in ready:
                    try:
                        outcomes[current.key] = slot.conn.recv()
                    except (EOFError, OSError):
                        slot.proc.join(5)
                        outcomes[current.key] = Outcome(
                            current.key,
                            "failed",
                            "The training process stopped unexpectedly (exit code "
                            f"{slot.proc.exitcode}); the model may need more memory than this "
                            "machine has.",
                        )
                        slots[i] = _WorkerSlot(ctx)
                elif time.perf_counter() - slot.started > time_limit_s:
                    slot.stop(kill=True)
                    outcomes[current.key] = Outcome(
                        current.key,
                        "failed",
                        f"Stopped after the time limit of {time_limit_s:g} s per model; "
                        "choose a smaller model or raise the limit.",
                    )
                    slots[i] = _WorkerSlot(ctx)
                else:
                    continue
                slot.task = None
                notify.trained(outcomes[current.key])
    finally:
        for slot in slots:
            slot.stop(kill=slot.task is not None)
    return outcomes


def _worker(conn: mp_connection.Connection) -> None:
    """Worker process: train each task it receives and send back the outcome, until ``None``.

    Workers are reused across models so process start-up and first-call costs are paid once.
    """
    held: Dataset | None = None
    while True:
        task = conn.recv()
        if task is None:
            break
        if task.dataset is None:
            task.dataset = held
        held = task.dataset
        conn.send(train_safely(task))
    conn.close()


class LocalPool:
    """The default executor: ``n_workers`` worker processes on this machine, or, with 0, one
    model after another in this process."""

    def __init__(self, n_workers: int) -> None:
        self.n_workers = max(0, n_workers)
        self.site = TrainingSite(
            "local pool" if self.n_workers else "this process",
            max(1, self.n_workers),
            cpus={cpu_model(): max(1, self.n_workers)},
        )

    def train(
        self, tasks: Sequence[Task], time_limit_s: float, notify: Progress
    ) -> dict[str, Outcome]:
        if self.n_workers == 0:
            return _run_inline(tasks, notify)
        n = max(1, min(self.n_workers, len(tasks)))
        self.site = dataclasses.replace(self.site, workers=n, cpus={cpu_model(): n})
        return _run_parallel(tasks, n, time_limit_s, notify)
