"""The training worker: one candidate fitted, its held-out predictions, its file and its compiled
form. Every executor (:mod:`core.pool` on this machine, :mod:`core.cluster` on Dask) runs the
same :func:`train_safely`, so a model trains alike wherever it runs."""

from __future__ import annotations

import os
import platform
import traceback
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from core import candidates as cand
from core.compiled import compile_pipeline, verify
from core.dataset import Dataset
from core.measure import serialize, timed_fit
from core.runtimes import RuntimeFigures

Stage = Literal["waiting", "training", "measuring", "done", "failed", "skipped"]
Status = Literal["ok", "failed", "skipped"]


@dataclass
class Task:
    """One model to train. ``dataset`` is ``None`` when the worker already holds it from its
    previous task: a large table is sent to each worker once, not once per model."""

    name: str
    dataset: Dataset | None
    folds: list[tuple[np.ndarray, np.ndarray]]
    refit_index: np.ndarray | None
    seed: int
    compile_onnx: bool = True
    #: When ``dataset`` holds a sample of a larger training side (the study's
    #: ``max_train_rows``): how many training rows there were, and that limit.
    train_rows_of: int | None = None
    max_train_rows: int | None = None
    #: Tells apart several tasks of one model (a learning curve's sizes, ``"40%"``): its
    #: outcome and progress are then known by :attr:`key`.
    tag: str = ""

    @property
    def key(self) -> str:
        """The name an executor knows this task by: the model's, or ``model@tag``."""
        return f"{self.name}@{self.tag}" if self.tag else self.name


@dataclass
class Outcome:
    name: str
    status: Status
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    train_rows: int = 0
    train_rows_available: int = 0
    train_s: float = 0.0
    train_cpu_s: float = 0.0
    refit_s: float | None = None
    y_pred: np.ndarray | None = None
    proba: np.ndarray | None = None
    pipeline: Any = None
    model_bytes: bytes | None = None
    onnx_bytes: bytes | None = None
    onnx_problem: str | None = None
    onnx: RuntimeFigures | None = None


def _sample(index: np.ndarray, limit: int | None, seed: int) -> np.ndarray:
    if limit is None or len(index) <= limit:
        return index
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(index, size=limit, replace=False))


def _train(task: Task) -> Outcome:
    """Fit one candidate on every fold (and the refit), predicting the held-out rows.

    Runs in a worker process under a one-thread limit. Warnings (e.g. a neural network that did not
    converge) become notes on the result instead of noise on the console.
    """
    spec = cand.get_candidate(task.name)
    ds = task.dataset
    assert ds is not None, "the worker fills in the dataset it holds"
    n_eval = sum(len(test) for _, test in task.folds)
    y_pred = np.empty(len(ds.X), dtype=float if ds.task == "regression" else np.int64)
    proba = np.zeros((len(ds.X), len(ds.classes))) if ds.is_classification else None
    outcome = Outcome(task.key, "ok")
    fits: list[tuple[float, float]] = []
    with threadpool_limits(limits=1), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pipeline: Any = None
        for train_idx, test_idx in task.folds:
            used = _sample(train_idx, spec.max_train_rows, task.seed)
            pipeline = spec.build(ds, task.seed)
            timing = timed_fit(pipeline, ds.X.iloc[used], ds.y[used])
            fits.append((timing.train_s, timing.train_cpu_s))
            available = task.train_rows_of or len(train_idx)
            outcome.train_rows, outcome.train_rows_available = len(used), available
            if len(used) < available:
                outcome.notes.append(
                    _sample_note(
                        len(used), available, len(used) < len(train_idx), task.max_train_rows
                    )
                )
            X_test = ds.X.iloc[test_idx]
            if proba is None:
                y_pred[test_idx] = pipeline.predict(X_test)
            else:
                raw = np.asarray(pipeline.predict_proba(X_test), dtype=np.float64)
                proba[test_idx] = _full_proba(pipeline, raw, len(ds.classes))
                final = pipeline.steps[-1][1] if hasattr(pipeline, "steps") else pipeline
                if type(final) in cand.PREDICT_IS_ARGMAX_PROBA:
                    y_pred[test_idx] = np.asarray(pipeline.classes_)[np.argmax(raw, axis=1)]
                else:
                    y_pred[test_idx] = pipeline.predict(X_test)
        if task.refit_index is not None:
            used = _sample(task.refit_index, spec.max_train_rows, task.seed)
            pipeline = spec.build(ds, task.seed)
            outcome.refit_s = timed_fit(pipeline, ds.X.iloc[used], ds.y[used]).train_s
        outcome.model_bytes = serialize(pipeline)
        eval_positions = np.concatenate([test for _, test in task.folds])
        if task.compile_onnx:
            _compile(outcome, pipeline, ds, ds.X.iloc[np.sort(eval_positions)])
    messages = sorted({_warning_note(w) for w in caught})
    outcome.notes = sorted(set(outcome.notes)) + messages
    outcome.train_s = float(np.mean([f[0] for f in fits]))
    outcome.train_cpu_s = float(np.mean([f[1] for f in fits]))
    assert len(eval_positions) == n_eval
    outcome.y_pred = y_pred[eval_positions]
    outcome.proba = None if proba is None else proba[eval_positions]
    outcome.pipeline = pipeline
    return outcome


def _sample_note(used: int, available: int, own: bool, limit: int | None) -> str:
    """Why a model learned from ``used`` of the ``available`` training rows: its own limit
    (``own``: it would be too slow on more) or the study's."""
    why = (
        "this model would be too slow on all of them"
        if own
        else f"the study lets a model learn from at most {limit or used:,} rows, to stay "
        "within its time and memory (the command line's --max-train-rows changes it)"
    )
    return f"Trained on a random sample of {used:,} of {available:,} rows: {why}."


def _compile(outcome: Outcome, pipeline: Any, ds: Dataset, held_out: pd.DataFrame) -> None:
    """The fitted pipeline compiled to ONNX, kept only if it predicts as the pipeline does on
    every held-out row (:func:`core.compiled.verify`); otherwise why not, in words."""
    try:
        compiled = compile_pipeline(pipeline, ds)
        check = verify(compiled, pipeline, held_out, ds)
    except Exception as exc:  # a converter's crash never costs the model its other figures
        detail = traceback.format_exception_only(type(exc), exc)[-1].strip()[:200]
        outcome.onnx_problem = f"Could not be compiled to ONNX ({detail})."
        return
    if compiled.onnx is None:
        outcome.onnx_problem = compiled.problem or "It could not be compiled to ONNX."
        return
    if not check.ok:
        outcome.onnx_problem = f"Not offered as compiled: {check.problem}."
        return
    outcome.onnx_bytes = compiled.onnx
    outcome.onnx = RuntimeFigures(
        size_bytes=len(compiled.onnx),
        convert_s=compiled.convert_s,
        verified_rows=check.rows,
        max_difference=check.max_difference,
    )


def _full_proba(pipeline: Any, raw: np.ndarray, n_classes: int) -> np.ndarray:
    """Class probabilities ``raw`` (from ``predict_proba``) with one column per class of the
    task, even if a training sample missed a class (its probability is then 0)."""
    seen = np.asarray(pipeline.classes_, dtype=np.int64)
    out = np.zeros((len(raw), n_classes))
    out[:, seen] = raw
    # float32 models (XGBoost) sum to 1 only up to rounding; make them exact.
    total = out.sum(axis=1, keepdims=True)
    normalised: np.ndarray = np.divide(
        out, total, out=np.full_like(out, 1 / n_classes), where=total > 0
    )
    return normalised


def _warning_note(w: warnings.WarningMessage) -> str:
    text = str(w.message).strip().splitlines()[0]
    if w.category.__name__ == "ConvergenceWarning":
        return (  # the solver's own words ("lbfgs failed … (status=1):") say nothing more
            "Stopped at its iteration limit before it fully converged: more training might "
            "change its scores a little."
        )
    return f"{w.category.__name__}: {text[:160]}"


def train_safely(task: Task) -> Outcome:
    """Train one model; any exception becomes a failed outcome (one failure must not stop the
    others)."""
    try:
        return _train(task)
    except Exception as exc:
        detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return Outcome(task.key, "failed", reason=f"Training failed: {detail[:300]}")


class Progress(Protocol):
    """What an executor tells the study about its models (``core.study._Notifier``)."""

    def __call__(self, name: str, stage: Stage, message: str = "", *, final: bool = True) -> None:
        """``name`` entered ``stage``."""

    def trained(self, outcome: Outcome) -> None:
        """``outcome.name``'s training ended, well or not."""

    def tick(self) -> None:
        """A heartbeat while models train."""


#: Where a study's models can train: one after another in the study's own process, in a pool of
#: worker processes on the same machine (:mod:`core.pool`), or on a Dask cluster
#: (:mod:`core.cluster`).
Executor = Literal["this process", "local pool", "dask"]


@dataclass(frozen=True)
class TrainingSite:
    """Where a study's models were trained: the executor, how many worker processes (each one
    model at a time, one thread), the scheduler's address on Dask, and how many workers ran on
    each processor model."""

    executor: Executor
    workers: int
    scheduler: str | None = None
    cpus: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "executor": self.executor,
            "workers": self.workers,
            "threads_per_worker": 1,
            "scheduler": self.scheduler,
            "cpus": dict(self.cpus),
        }


class Trainer(Protocol):
    """An executor: trains every task with :func:`train_safely` and says where."""

    site: TrainingSite

    def train(
        self, tasks: Sequence[Task], time_limit_s: float, notify: Progress
    ) -> dict[str, Outcome]:
        """Each task's outcome by model name; a model over ``time_limit_s`` fails with why."""


def cpu_model() -> str:
    """The processor's model name, as the operating system gives it."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown processor"


def machine() -> dict[str, Any]:
    """This machine's processor and cores: where serving was measured, or a worker runs."""
    return {"cpu": cpu_model(), "cores": os.cpu_count()}
