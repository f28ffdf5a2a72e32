"""Run a study: a dataset and a config in, a :class:`StudyResult` out.

The sequence follows DESIGN.md:

1. Split once (holdout, stratified where possible) or into k folds; the seed is recorded.
2. **Train in parallel**: each candidate in its own worker process (up to the number of cores),
   each limited to one thread. A worker fits the whole pipeline (timed), predicts the held-out
   rows and serializes the pipeline with skops (its size). A model that fails, or that exceeds the
   per-model time limit, is recorded with its reason; the others go on.
3. **Measure serving in interleaved rounds**: after all training, with nothing else running,
   each round gives every model (in a shuffled, seeded order) a block of single-row calls and
   one batch, so background load hits them alike; a model stops once its interval is tight.
4. **Statistics**: the interval of each model's primary metric on held-out rows, and paired
   differences against the dummy baseline, the simple baseline and the best model, simultaneous
   over all models (:mod:`core.claims`).
5. **Decision**: the academic and industry picks are made from these figures by
   :func:`core.decision.decide`, never stored as the truth.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing as mp
import multiprocessing.connection as mp_connection
import multiprocessing.forkserver as mp_forkserver
import os
import sys
import time
import traceback
import types
import warnings
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from sklearn.model_selection import (
    GroupKFold,
    GroupShuffleSplit,
    KFold,
    StratifiedGroupKFold,
    StratifiedKFold,
    train_test_split,
)
from threadpoolctl import threadpool_limits

from core import candidates as cand
from core.claims import selection, selection_level, versus_best, versus_reference
from core.compiled import CompiledModel, compile_pipeline, verify
from core.dataset import Dataset, copy_groups
from core.errors import ConfigError
from core.measure import (
    BLOCK_CALLS,
    LATENCY_BUDGET_S,
    ServingCost,
    measure_serving_rounds,
    serialize,
    timed_fit,
)
from core.pareto import (
    DEFAULT_USD_PER_VCPU_HOUR,
    Budgets,
    train_usd,
)
from core.runtimes import RuntimeFigures, set_serving
from core.stats import (
    DEFAULT_RESAMPLES,
    SCORE_INTERVALS,
    Bootstrap,
    Predictions,
    auc_influence,
    compute_metrics,
    delong_samples,
    jackknife_weights,
    metric_interval,
    metric_samples_by_model,
    validate_primary,
    weighted_metric,
)

if TYPE_CHECKING:
    from core.decision import Decision

#: "holdout": a random (stratified) share of rows is tested; "cv": k folds; "time": the latest
#: share of rows, in the dataset's time order (:attr:`Dataset.time_column`, else the table's
#: row order), is tested on models trained on the earlier rows.
Validation = Literal["holdout", "cv", "time"]
VALIDATIONS: tuple[Validation, ...] = ("holdout", "cv", "time")
Stage = Literal["waiting", "training", "measuring", "done", "failed", "skipped"]
Status = Literal["ok", "failed", "skipped"]

DEFAULT_TIME_LIMIT_S = 900.0


@dataclass(frozen=True)
class StudyConfig:
    """How to run a study. ``primary_metric=None`` picks accuracy (balanced accuracy when one
    class holds more than 60% of the rows) for classification and R² for regression.
    ``n_workers=None`` uses one worker process per core; ``0`` trains in this process, one model
    after another."""

    models: tuple[str, ...] | None = None
    validation: Validation = "holdout"
    test_size: float = 0.2
    cv_folds: int = 5
    seed: int = 0
    primary_metric: str | None = None
    n_workers: int | None = None
    time_limit_s: float = DEFAULT_TIME_LIMIT_S
    n_resamples: int = DEFAULT_RESAMPLES
    budgets: Budgets = field(default_factory=Budgets)
    usd_per_vcpu_hour: float = DEFAULT_USD_PER_VCPU_HOUR
    #: Rows that are exact copies of one another stay on one side of every split, so no model
    #: is tested on a row it was trained on.
    keep_copies_together: bool = True
    #: Latency phase (DESIGN.md): single-row calls per model and round, and the seconds a model
    #: may use once its minimum rounds are done, if its interval is not yet tight.
    latency_calls: int = BLOCK_CALLS
    latency_budget_s: float = LATENCY_BUDGET_S
    #: Also serve every model that compiles from ONNX Runtime (:mod:`core.compiled`): converted
    #: in the training worker, verified on the held-out rows, measured in the same rounds.
    compile_onnx: bool = True


@dataclass(frozen=True)
class ProgressEvent:
    """One step of one model, for a progress display: ``done``/``total`` count finished models.

    Events come on every stage change, and about once a second for a model that is training or
    measuring (same stage, growing ``elapsed_s``). A model goes back to ``waiting`` when its
    training ends, until the latency phase measures every trained model in interleaved rounds,
    with nothing else running; ``trained`` counts the models whose training has ended. A model
    is ``done`` when its own measurement ends (a steady model after fewer rounds), and its
    ``elapsed_s`` then counts its training and its own share of the rounds. With ``done``,
    ``failed`` and ``skipped`` comes ``result``: the model's figures so far (its comparisons
    with the other models are filled in when the study ends).
    """

    model: str
    label: str
    stage: Stage
    elapsed_s: float
    done: int
    total: int
    message: str = ""
    result: ModelResult | None = field(default=None, repr=False, compare=False)
    trained: int = 0


ProgressCallback = Callable[[ProgressEvent], None]


@dataclass
class ModelResult:
    """Everything measured about one candidate. Field names carry their units.

    Metrics are on held-out rows only, one prediction per row (out-of-fold with CV; the metrics of
    each fold are kept in ``fold_metrics``). ``metric_ci_*`` is the 95% interval of the primary
    metric (:func:`core.stats.metric_interval`); ``delta_vs_baseline`` is primary metric minus
    the dummy baseline's, with its paired 95% interval that holds **simultaneously** for all the
    models, and ``beats_baseline`` is true only if that interval excludes zero in the good
    direction (``*_vs_simple`` likewise against the simple baseline, ``*_vs_best`` against the
    most accurate model, see :mod:`core.claims`). Costs are described in :mod:`core.measure`;
    ``train_s``/``train_cpu_s`` are the mean over folds with CV.
    """

    name: str
    label: str
    family: str
    rung: int
    interpretable: bool
    neural: bool
    description: str
    status: Status = "ok"
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)
    metric_ci_low: float | None = None
    metric_ci_high: float | None = None
    delta_vs_baseline: float | None = None
    delta_ci_low: float | None = None
    delta_ci_high: float | None = None
    beats_baseline: bool | None = None
    delta_vs_simple: float | None = None
    delta_vs_simple_ci_low: float | None = None
    delta_vs_simple_ci_high: float | None = None
    beats_simple_baseline: bool | None = None
    delta_vs_best: float | None = None
    delta_vs_best_ci_low: float | None = None
    delta_vs_best_ci_high: float | None = None
    #: In the set of models that holds the truly best one with 95% probability (core.claims).
    tied_with_best: bool | None = None
    #: The best model only: how many models were tied with it, how much its score is expected to
    #: overstate it for having been chosen among them, and its interval accounting for that.
    selection_tied: int | None = None
    selection_optimism: float | None = None
    selection_ci_low: float | None = None
    selection_ci_high: float | None = None
    train_rows: int | None = None
    train_s: float | None = None
    train_cpu_s: float | None = None
    refit_s: float | None = None
    latency_ms_p50: float | None = None
    latency_ms_p95: float | None = None
    latency_ms_p50_ci: list[float] | None = None
    latency_ms_p95_ci: list[float] | None = None
    latency_ms_mean: float | None = None
    throughput_rows_per_s: float | None = None
    throughput_rows_per_s_ci: list[float] | None = None
    #: The latency phase's rounds: how many, and per round the p50 and p95 of the block of
    #: single-row calls (ms), the batch throughput (rows/s) and the mean of the block (ms);
    #: ratios pair them by round.
    latency_rounds: int | None = None
    round_p50_ms: list[float] | None = None
    round_p95_ms: list[float] | None = None
    round_throughput: list[float] | None = None
    round_mean_ms: list[float] | None = None
    size_bytes: int | None = None
    #: Batch scoring (from throughput) and one request at a time (from single-row latency), on
    #: one vCPU at the study's price.
    usd_per_million_predictions: float | None = None
    usd_per_million_online_predictions: float | None = None
    train_usd: float | None = None
    model_file: str | None = None
    #: Served from ONNX Runtime (:mod:`core.runtimes`): its figures when the pipeline compiled,
    #: predicted as it does on every held-out row and was measured, else ``None`` and
    #: ``onnx_problem`` says why; ``onnx_file`` is its ``.onnx`` file in the output folder.
    onnx: RuntimeFigures | None = None
    onnx_problem: str | None = None
    onnx_file: str | None = None
    # Kept in memory only (not in results.json):
    pipeline: Any = field(default=None, repr=False)
    model_bytes: bytes | None = field(default=None, repr=False)
    onnx_bytes: bytes | None = field(default=None, repr=False)
    predictions: Predictions | None = field(default=None, repr=False)
    fold_metrics: list[dict[str, float]] = field(default_factory=list, repr=False)
    #: Why a reopened study's fitted pipeline was not loaded (a damaged or refused file), or
    #: ``None``. Its measured figures stay valid; it cannot predict, be explained or exported.
    file_problem: str | None = field(default=None, repr=False)

    @classmethod
    def from_spec(cls, spec: cand.CandidateSpec) -> ModelResult:
        return cls(
            name=spec.name,
            label=spec.label,
            family=spec.family,
            rung=spec.rung,
            interpretable=spec.interpretable,
            neural=spec.neural,
            description=spec.description,
        )

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass
class StudyResult:
    """A finished study: the dataset it ran on, its config and every model's result."""

    dataset: Dataset
    config: StudyConfig
    primary_metric: str
    models: list[ModelResult]
    #: Held-out rows: positions into ``dataset.X`` (all rows with CV), and each row's fold.
    eval_index: np.ndarray
    eval_fold: np.ndarray
    duration_s: float
    created_at: str

    def model(self, name: str) -> ModelResult:
        for m in self.models:
            if m.name == name:
                return m
        raise ConfigError(f"No model '{name}' in this study.")

    @property
    def ok_models(self) -> list[ModelResult]:
        return [m for m in self.models if m.ok]

    @property
    def decision(self) -> Decision:
        """The decision with the study's own budgets and the default choices
        (:func:`core.decision.decide`); pages decide with the user's choices."""
        from core.decision import decide

        return decide(self)


# --- worker side ---------------------------------------------------------------------------------


@dataclass
class _Task:
    """One model to train. ``dataset`` is ``None`` when the worker already holds it from its
    previous task: a large table is sent to each worker once, not once per model."""

    name: str
    dataset: Dataset | None
    folds: list[tuple[np.ndarray, np.ndarray]]
    refit_index: np.ndarray | None
    seed: int
    compile_onnx: bool = True


@dataclass
class _Outcome:
    name: str
    status: Status
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    train_rows: int = 0
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


def _train(task: _Task) -> _Outcome:
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
    outcome = _Outcome(task.name, "ok")
    fits: list[tuple[float, float]] = []
    with threadpool_limits(limits=1), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pipeline: Any = None
        for train_idx, test_idx in task.folds:
            used = _sample(train_idx, spec.max_train_rows, task.seed)
            pipeline = spec.build(ds, task.seed)
            timing = timed_fit(pipeline, ds.X.iloc[used], ds.y[used])
            fits.append((timing.train_s, timing.train_cpu_s))
            outcome.train_rows = len(used)
            if len(used) < len(train_idx):
                outcome.notes.append(
                    f"Trained on a random sample of {len(used):,} of {len(train_idx):,} rows: "
                    f"this model would be too slow on all of them."
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


def _compile(outcome: _Outcome, pipeline: Any, ds: Dataset, held_out: pd.DataFrame) -> None:
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


def _train_safely(task: _Task) -> _Outcome:
    """Train one model; any exception becomes a failed outcome (one failure must not stop the
    others)."""
    try:
        return _train(task)
    except Exception as exc:
        detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return _Outcome(task.name, "failed", reason=f"Training failed: {detail[:300]}")


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
        conn.send(_train_safely(task))
    conn.close()


# --- main side -----------------------------------------------------------------------------------


def _splits(
    ds: Dataset, config: StudyConfig
) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray | None]:
    """The folds (train, held-out) and the rows of the final refit (CV only). Rows that are
    exact copies of one another (:func:`core.dataset.copy_groups`) stay on one side of every
    split when ``config.keep_copies_together``, and count once among the held-out rows; a table
    without copies splits as before."""
    positions = np.arange(ds.n_rows)
    stratify = ds.y if ds.is_classification else None
    groups = copy_groups(ds.X) if config.keep_copies_together else None
    if groups is not None and len(np.unique(groups)) == ds.n_rows:
        groups = None  # no copies: the plain (stratified) split
    if config.validation not in VALIDATIONS:
        raise ConfigError(
            f"Unknown validation {config.validation!r}; choose from {', '.join(VALIDATIONS)}."
        )
    if config.validation == "time":
        return [_latest_rows(ds, config, groups)], None
    if config.validation == "holdout":
        if not 0.05 <= config.test_size <= 0.5:
            raise ConfigError(
                f"The test share must be between 0.05 and 0.5; got {config.test_size}."
            )
        if groups is not None:
            train, test = _grouped_holdout(positions, stratify, groups, config)
            return [(train, _once_each(test, groups))], None
        train, test = train_test_split(
            positions, test_size=config.test_size, random_state=config.seed, stratify=stratify
        )
        return [(np.sort(train), np.sort(test))], None
    k = config.cv_folds
    if k < 2:
        raise ConfigError(f"Cross-validation needs at least 2 folds; got {k}.")
    if k > ds.n_rows // 2:
        raise ConfigError(
            f"{k} folds is too many for {ds.n_rows} rows; use at most {ds.n_rows // 2}."
        )
    if ds.is_classification:
        counts = np.bincount(ds.y, minlength=len(ds.classes))
        rarest = int(np.argmin(counts))
        if counts[rarest] < k:
            raise ConfigError(
                f"Class '{ds.classes[rarest]}' has only {counts[rarest]} rows, fewer than the "
                f"{k} folds: every fold needs one. Use at most {counts[rarest]} folds, or holdout."
            )
        splitter: Any = StratifiedKFold(k, shuffle=True, random_state=config.seed)
    else:
        splitter = KFold(k, shuffle=True, random_state=config.seed)
    if groups is not None:
        if len(np.unique(groups)) < k:
            raise ConfigError(
                f"The table has only {len(np.unique(groups))} distinct rows, fewer than the {k} "
                "folds: copies of a row stay together, so every fold needs its own. Use fewer "
                "folds, or holdout."
            )
        splitter = (
            StratifiedGroupKFold(k, shuffle=True, random_state=config.seed)
            if ds.is_classification
            else GroupKFold(k, shuffle=True, random_state=config.seed)
        )
        with warnings.catch_warnings():  # a rare class in fewer groups than folds still splits
            warnings.simplefilter("ignore", UserWarning)
            folds = [
                (np.sort(a), _once_each(b, groups))
                for a, b in splitter.split(positions, stratify, groups)
            ]
        return folds, positions
    folds = [(np.sort(a), np.sort(b)) for a, b in splitter.split(positions, stratify)]
    return folds, positions


def _latest_rows(
    ds: Dataset, config: StudyConfig, groups: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Train on the earlier rows, test on the latest ``test_size`` share (a time-ordered split).
    Copies of a row are tested only if the first of them is among the latest rows, so none is
    on both sides. Every class must be on both sides: else the test says nothing about it."""
    if not 0.05 <= config.test_size <= 0.5:
        raise ConfigError(f"The test share must be between 0.05 and 0.5; got {config.test_size}.")
    n = ds.n_rows
    order = np.arange(n)[::-1] if ds.time_descending else np.arange(n)  # oldest first
    n_test = max(1, round(config.test_size * n))
    latest = np.zeros(n, dtype=bool)
    latest[order[n - n_test :]] = True
    if groups is not None:
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n)
        first = pd.Series(rank).groupby(groups).transform("min").to_numpy()
        latest = first >= n - n_test
    train, test = np.flatnonzero(~latest), np.flatnonzero(latest)
    if ds.is_classification:
        for part, words in ((test, "latest"), (train, "earlier")):
            missing = sorted(set(range(len(ds.classes))) - set(ds.y[part].tolist()))
            if missing:
                raise ConfigError(
                    f"The {words} rows have no row of class {ds.classes[missing[0]]!r}, so a "
                    "time-ordered split cannot test every class. Hold out a larger share, or "
                    "use a random split."
                )
    return train, (test if groups is None else _once_each(test, groups))


def _once_each(test: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """The held-out rows with each group of copies counted once (its first row): copies are one
    observation, and counting them ten times would make every interval ten times too sure."""
    _, first = np.unique(groups[test], return_index=True)
    return np.sort(test[first])


def _grouped_holdout(
    positions: np.ndarray,
    stratify: np.ndarray | None,
    groups: np.ndarray,
    config: StudyConfig,
) -> tuple[np.ndarray, np.ndarray]:
    """A holdout split that keeps each group of copies on one side: for classes, one fold of a
    stratified group k-fold with k = 1 / test share (so the classes keep their shares); for
    numbers, a group shuffle split."""
    if stratify is not None:
        k = max(2, round(1 / config.test_size))
        splitter: Any = StratifiedGroupKFold(k, shuffle=True, random_state=config.seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            train, test = next(splitter.split(positions, stratify, groups))
    else:
        shuffle = GroupShuffleSplit(1, test_size=config.test_size, random_state=config.seed)
        train, test = next(shuffle.split(positions, None, groups))
    return np.sort(train), np.sort(test)


#: Above this share of rows in the largest class, plain accuracy flatters a model that ignores the
#: rest (the dummy baseline already scores that share), so balanced accuracy is the default.
BALANCED_SHARE = 0.6


def default_primary_metric(ds: Dataset) -> str:
    """R² for regression; accuracy for classes of similar size, else balanced accuracy."""
    if not ds.is_classification:
        return "r2"
    largest_share = np.bincount(ds.y).max() / len(ds.y)
    return "balanced_accuracy" if largest_share > BALANCED_SHARE else "accuracy"


def run_study(
    dataset: Dataset,
    config: StudyConfig | None = None,
    on_progress: ProgressCallback | None = None,
) -> StudyResult:
    """Train, measure and compare every candidate of ``config`` on ``dataset``."""
    config = config or StudyConfig()
    started = time.perf_counter()
    created_at = pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds")
    primary = validate_primary(
        config.primary_metric or default_primary_metric(dataset), dataset.task
    )
    names = cand.resolve_names(config.models, dataset.task)
    folds, refit_index = _splits(dataset, config)
    results = {n: ModelResult.from_spec(cand.get_candidate(n)) for n in names}
    notify = _Notifier(results, on_progress)
    for name in names:
        notify(name, "waiting")

    # Slowest first (longest-processing-time scheduling): workers then finish close together.
    by_cost = sorted(names, key=lambda n: -cand.get_candidate(n).relative_cost)
    tasks = [
        _Task(n, dataset, folds, refit_index, config.seed, config.compile_onnx) for n in by_cost
    ]
    n_workers = (os.cpu_count() or 1) if config.n_workers is None else config.n_workers
    if n_workers <= 0:
        outcomes = _run_inline(tasks, notify)
    else:
        outcomes = _run_parallel(tasks, min(n_workers, len(tasks)), config.time_limit_s, notify)

    eval_index = np.concatenate([test for _, test in folds])
    eval_fold = np.concatenate([np.full(len(test), i) for i, (_, test) in enumerate(folds)])
    for name in names:
        _absorb(results[name], outcomes[name], dataset, eval_index, eval_fold, folds, config)
        if not results[name].ok:
            notify(
                name,
                "failed" if results[name].status == "failed" else "skipped",
                results[name].reason,
            )
    _measure(
        [results[n] for n in names if results[n].ok],
        dataset.X.iloc[np.sort(eval_index)],
        dataset,
        config,
        notify,
    )
    models = [results[n] for n in names]
    _compare(models, dataset, primary, eval_index, config)
    return StudyResult(
        dataset=dataset,
        config=config,
        primary_metric=primary,
        models=models,
        eval_index=eval_index,
        eval_fold=eval_fold,
        duration_s=time.perf_counter() - started,
        created_at=created_at,
    )


#: How the latency phase names a model's compiled runtime (no candidate name holds "@").
_ONNX_KEY = "@onnx"


def _measure(
    models: list[ModelResult],
    rows: pd.DataFrame,
    dataset: Dataset,
    config: StudyConfig,
    notify: _Notifier,
) -> None:
    """The latency phase: every trained model, with nothing else running, one call at a time,
    in interleaved rounds (:func:`core.measure.measure_serving_rounds`), from scikit-learn and,
    when it compiled, from ONNX Runtime in the same rounds (so the two pair by round). Each
    model's figures are set, and it is reported done, as soon as its own measurements end."""
    by_name = {m.name: m for m in models}
    servers: dict[str, Any] = {}
    waiting: dict[str, int] = {}
    for m in models:
        servers[m.name] = m.pipeline
        waiting[m.name] = 1
        if m.onnx is not None and m.onnx_bytes is not None:
            try:
                servers[m.name + _ONNX_KEY] = CompiledModel(m.onnx_bytes, dataset)
                waiting[m.name] += 1
            except Exception as exc:  # a graph that verified in the worker but will not load
                m.onnx, m.onnx_bytes = None, None
                m.onnx_problem = f"The compiled model could not be loaded to be measured ({exc})."
        notify(m.name, "measuring", "In turn with the other models.")

    def finished(key: str, cost: ServingCost) -> None:
        name = key.removesuffix(_ONNX_KEY)
        m = by_name[name]
        if key.endswith(_ONNX_KEY):
            assert m.onnx is not None
            set_serving(m.onnx, cost, config.usd_per_vcpu_hour)
        else:
            set_serving(m, cost, config.usd_per_vcpu_hour)
            m.train_usd = train_usd(m.train_cpu_s, config.usd_per_vcpu_hour)
        waiting[name] -= 1
        notify.measured(name, cost.measured_s, done=waiting[name] == 0)

    with threadpool_limits(limits=1):
        measure_serving_rounds(
            servers,
            rows,
            classification=dataset.is_classification,
            seed=config.seed,
            block_calls=config.latency_calls,
            budget_s=config.latency_budget_s,
            on_done=finished,
        )


class _Notifier:
    """Turns stage changes into :class:`ProgressEvent` s. A model's elapsed time counts only its
    own work (training, then measuring), not the time it waited for a free worker."""

    #: Seconds between two heartbeat events of a busy model.
    TICK_S = 1.0

    def __init__(self, results: dict[str, ModelResult], callback: ProgressCallback | None) -> None:
        self._results = results
        self._callback = callback
        self._busy: dict[str, float] = {}
        self._since: dict[str, float] = {}
        self._stage: dict[str, tuple[Stage, str]] = {}
        self._finished: set[str] = set()
        self._trained: set[str] = set()
        self._last_tick = time.perf_counter()

    def __call__(self, name: str, stage: Stage, message: str = "", *, final: bool = True) -> None:
        """Report ``stage``; a finished stage carries the model's result when ``final``."""
        now = time.perf_counter()
        if name in self._since:  # the previous stage of this model ends now
            self._busy[name] = self._busy.get(name, 0.0) + now - self._since.pop(name)
        if stage == "training":
            self._since[name] = now
        if stage in ("done", "failed", "skipped"):
            self._finished.add(name)
            self._trained.add(name)
        self._stage[name] = (stage, message)
        finished = final and stage in ("done", "failed", "skipped")
        self._emit(name, stage, self._busy.get(name, 0.0), message, finished)

    def _emit(self, name: str, stage: Stage, elapsed: float, message: str, finished: bool) -> None:
        if self._callback is None:
            return
        self._callback(
            ProgressEvent(
                name,
                self._results[name].label,
                stage,
                elapsed,
                len(self._finished),
                len(self._results),
                message,
                self._results[name] if finished else None,
                len(self._trained),
            )
        )

    def trained(self, outcome: _Outcome) -> None:
        """Training ended: the model waits for the latency phase, or has failed."""
        self._trained.add(outcome.name)
        if outcome.status == "ok":
            self(outcome.name, "waiting", "Trained; waits for the latency phase.")
        else:
            self(outcome.name, outcome.status, outcome.reason, final=False)

    def measured(self, name: str, seconds: float, *, done: bool = True) -> None:
        """One of the model's latency measurements ended after ``seconds`` of its own calls;
        it is done once the last (of its runtimes) has."""
        self._busy[name] = self._busy.get(name, 0.0) + seconds
        if done:
            self(name, "done")

    def tick(self) -> None:
        """A heartbeat for models still busy, at most once per :attr:`TICK_S`."""
        now = time.perf_counter()
        if now - self._last_tick < self.TICK_S:
            return
        self._last_tick = now
        for name, since in list(self._since.items()):
            stage, message = self._stage[name]
            self._emit(name, stage, self._busy.get(name, 0.0) + now - since, message, False)


def _run_inline(tasks: Sequence[_Task], notify: _Notifier) -> dict[str, _Outcome]:
    outcomes = {}
    for task in tasks:
        notify(task.name, "training")
        outcomes[task.name] = _train_safely(task)
        notify.trained(outcomes[task.name])
    return outcomes


#: What the conversion imports in a worker (:mod:`core.compiled`).
_COMPILERS = ("skl2onnx", "onnxmltools.convert.xgboost.operator_converters.XGBoost", "onnxruntime")


def _context() -> Any:
    """Fresh worker processes forked from a clean server (no inherited OpenMP state or threads)."""
    ctx = mp.get_context("forkserver")
    # The converters too (skl2onnx takes about 1 s to import): paid once by the server.
    ctx.set_forkserver_preload(["core.study", *_COMPILERS])
    return ctx


def prepare_workers() -> None:
    """Start the server that forks the training workers, ahead of the first study.

    The server imports scikit-learn, XGBoost and pandas once (about 1.5 s on 2 cores) and stays
    up for the life of the process; every study forks its workers from it. The app calls this
    when it opens and the CLI while it reads the table, so the first study does not wait for
    it. Calling it again, or from several threads at once, does nothing more."""
    _context()
    with _without_script_main():
        mp_forkserver.ensure_running()


@contextlib.contextmanager
def _without_script_main() -> Iterator[None]:
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
        with _without_script_main():
            self.proc.start()
        child.close()
        self.task: _Task | None = None
        self.started = 0.0
        self.holds: Dataset | None = None

    def give(self, task: _Task) -> None:
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
    tasks: Sequence[_Task], n_workers: int, time_limit_s: float, notify: _Notifier
) -> dict[str, _Outcome]:
    ctx = _context()
    pending = deque(tasks)
    slots = [_WorkerSlot(ctx) for _ in range(n_workers)]
    outcomes: dict[str, _Outcome] = {}
    try:
        while pending or any(slot.task for slot in slots):
            for slot in slots:
                if slot.task is None and pending:
                    task = pending.popleft()
                    slot.give(task)
                    notify(task.name, "training")
            busy = [slot for slot in slots if slot.task is not None]
            ready = set(mp_connection.wait([slot.conn for slot in busy], timeout=0.25))
            notify.tick()
            for i, slot in enumerate(slots):
                current = slot.task
                if current is None:
                    continue
                if slot.conn in ready:
                    try:
                        outcomes[current.name] = slot.conn.recv()
                    except (EOFError, OSError):
                        slot.proc.join(5)
                        outcomes[current.name] = _Outcome(
                            current.name,
                            "failed",
                            "The training process stopped unexpectedly (exit code "
                            f"{slot.proc.exitcode}); the model may need more memory than this "
                            "machine has.",
                        )
                        slots[i] = _WorkerSlot(ctx)
                elif time.perf_counter() - slot.started > time_limit_s:
                    slot.stop(kill=True)
                    outcomes[current.name] = _Outcome(
                        current.name,
                        "failed",
                        f"Stopped after the time limit of {time_limit_s:g} s per model; "
                        "choose a smaller model or raise the limit.",
                    )
                    slots[i] = _WorkerSlot(ctx)
                else:
                    continue
                slot.task = None
                notify.trained(outcomes[current.name])
    finally:
        for slot in slots:
            slot.stop(kill=slot.task is not None)
    return outcomes


def _absorb(
    result: ModelResult,
    outcome: _Outcome,
    ds: Dataset,
    eval_index: np.ndarray,
    eval_fold: np.ndarray,
    folds: list[tuple[np.ndarray, np.ndarray]],
    config: StudyConfig,
) -> None:
    """Copy a worker's outcome into the result and compute its point metrics."""
    result.status = outcome.status
    result.reason = outcome.reason
    result.notes = list(outcome.notes)
    if outcome.status != "ok" or outcome.y_pred is None:
        return
    result.train_rows = outcome.train_rows
    result.train_s = outcome.train_s
    result.train_cpu_s = outcome.train_cpu_s
    result.refit_s = outcome.refit_s
    result.pipeline = outcome.pipeline
    result.model_bytes = outcome.model_bytes
    result.size_bytes = len(outcome.model_bytes or b"")
    result.onnx_bytes, result.onnx, result.onnx_problem = (
        outcome.onnx_bytes,
        outcome.onnx,
        outcome.onnx_problem,
    )
    result.predictions = Predictions(outcome.y_pred, outcome.proba)
    y_eval = ds.y[eval_index]
    n_classes = len(ds.classes)
    # One prediction per held-out row: with CV the out-of-fold predictions, pooled.
    result.metrics = compute_metrics(ds.task, y_eval, result.predictions, n_classes)
    if len(folds) == 1:
        return
    for k in range(len(folds)):
        mask = eval_fold == k
        fold_pred = Predictions(
            outcome.y_pred[mask], None if outcome.proba is None else outcome.proba[mask]
        )
        result.fold_metrics.append(compute_metrics(ds.task, y_eval[mask], fold_pred, n_classes))


def _compare(
    models: list[ModelResult],
    ds: Dataset,
    metric: str,
    eval_index: np.ndarray,
    config: StudyConfig,
) -> None:
    """Intervals of the primary metric and the claims of :mod:`core.claims`.

    One prediction per held-out row (out-of-fold with CV), so holdout and CV are judged alike:
    the marginal interval of each model by :func:`core.stats.metric_interval`, and every
    difference on the same bootstrap resamples (paired), simultaneous over all models.
    """
    ok = [m for m in models if m.ok and metric in m.metrics and m.predictions is not None]
    if not ok:
        return
    y_eval = ds.y[eval_index]
    plan = Bootstrap(len(eval_index), config.n_resamples, config.seed)
    preds = {m.name: m.predictions for m in ok if m.predictions is not None}
    if metric == "roc_auc":  # DeLong: one small covariance matrix instead of 1,000 resamples
        influence = {n: auc_influence(ds.task, y_eval, p)[1] for n, p in preds.items()}
        point_auc = {m.name: m.metrics[metric] for m in ok}
        samples = delong_samples(influence, point_auc, config.n_resamples, config.seed)
    else:
        samples = metric_samples_by_model(metric, ds.task, y_eval, preds, plan)
    jackknife = (
        np.zeros((0, len(eval_index)))
        if metric in SCORE_INTERVALS
        else jackknife_weights(len(eval_index), config.seed)
    )
    for m in ok:
        assert m.predictions is not None
        jk = weighted_metric(metric, ds.task, y_eval, m.predictions)(jackknife)
        m.metric_ci_low, m.metric_ci_high = metric_interval(
            metric, ds.task, y_eval, m.predictions, samples[m.name], jk, seed=config.seed
        )
    point = {m.name: m.metrics[metric] for m in ok}
    by_name = {m.name: m for m in ok}
    if cand.DUMMY_BASELINE in by_name:
        for name, d in versus_reference(metric, point, samples, cand.DUMMY_BASELINE).items():
            m = by_name[name]
            m.delta_vs_baseline, m.delta_ci_low, m.delta_ci_high = d.value, d.low, d.high
            m.beats_baseline = d.clear
    if cand.SIMPLE_BASELINE in by_name:
        for name, d in versus_reference(metric, point, samples, cand.SIMPLE_BASELINE).items():
            m = by_name[name]
            m.delta_vs_simple = d.value
            m.delta_vs_simple_ci_low, m.delta_vs_simple_ci_high = d.low, d.high
            m.beats_simple_baseline = d.clear
    best, vs_best = versus_best(metric, point, samples)
    for name, d in vs_best.items():
        m = by_name[name]
        m.delta_vs_best, m.delta_vs_best_ci_low, m.delta_vs_best_ci_high = d.value, d.low, d.high
        m.tied_with_best = not d.clear
    if best is None:
        return
    tied = [n for n, d in vs_best.items() if not d.clear]
    chosen = selection(metric, point, samples, tied, best)
    top = by_name[best]
    top.selection_tied = chosen.tied
    top.selection_optimism = chosen.optimism
    if chosen.tied > 1:  # its own interval at the Bonferroni level over the tied models
        assert top.predictions is not None
        jk = weighted_metric(metric, ds.task, y_eval, top.predictions)(jackknife)
        top.selection_ci_low, top.selection_ci_high = metric_interval(
            metric,
            ds.task,
            y_eval,
            top.predictions,
            samples[best],
            jk,
            level=selection_level(chosen.tied),
            seed=config.seed,
        )
    else:  # no choice was made: the model's own interval holds
        top.selection_ci_low, top.selection_ci_high = top.metric_ci_low, top.metric_ci_high
