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
import os
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
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
from core.cluster import scheduler_address
from core.compiled import CompiledModel
from core.dataset import Dataset, copy_groups
from core.errors import ConfigError
from core.measure import BLOCK_CALLS, LATENCY_BUDGET_S, ServingCost, measure_serving_rounds
from core.pareto import (
    DEFAULT_USD_PER_VCPU_HOUR,
    Budgets,
    train_usd,
)
from core.pool import LocalPool
from core.pool import prepare_workers as prepare_workers  # the public name, kept here
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
from core.training import Outcome, Stage, Status, Task, Trainer, _sample, machine

if TYPE_CHECKING:
    from core.decision import Decision

#: "holdout": a random (stratified) share of rows is tested; "cv": k folds; "time": the latest
#: share of rows, in the dataset's time order (:attr:`Dataset.time_column`, else the table's
#: row order), is tested on models trained on the earlier rows.
Validation = Literal["holdout", "cv", "time"]
VALIDATIONS: tuple[Validation, ...] = ("holdout", "cv", "time")

DEFAULT_TIME_LIMIT_S = 900.0
#: The held-out rows of a large table stop here: at 500,000 rows an accuracy's 95% interval is
#: already within about ±0.14 points, and more rows would cost time and memory, not knowledge.
MAX_HELD_OUT_ROWS = 500_000
#: Each model learns from at most this many of the training rows unless the study says
#: otherwise (:attr:`StudyConfig.max_train_rows`): a seeded random sample, the same for every
#: model, stated in each model's notes.
DEFAULT_MAX_TRAIN_ROWS = 1_000_000
#: Cross-validation is refused above this many rows: it would fit every model once per fold on
#: millions of rows, where one held-out split already measures precisely.
MAX_CV_ROWS = 1_000_000


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
    #: Train on a Dask cluster: its scheduler's address (``tcp://HOST:PORT``), or ``"local"``
    #: for a cluster of worker processes on this machine (:mod:`core.cluster`); ``None`` takes
    #: the ``TRADEOFF_DASK_SCHEDULER`` variable, and without it trains on this machine. Latency
    #: is always measured on this machine.
    cluster: str | None = None
    #: Also train a grid of sizes of each ensemble and neural family chosen (20 to 30 each,
    #: :data:`core.candidates.SWEEP`), so each family's frontier is a curve.
    sweep: bool = False
    #: The most training rows any model learns from (a seeded random sample beyond it, the same
    #: for every model); ``None``: every row. A model may take fewer of its own
    #: (:attr:`core.candidates.CandidateSpec.max_train_rows`).
    max_train_rows: int | None = DEFAULT_MAX_TRAIN_ROWS


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
    #: Rows it learned from, and the rows of the training side of the split it could have
    #: learned from (fewer when a model too slow for all of them takes a random sample).
    train_rows: int | None = None
    train_rows_available: int | None = None
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
    #: Where the models were trained (:meth:`core.training.TrainingSite.to_dict`) and where
    #: serving was measured (:func:`core.training.machine`); empty for studies saved before.
    compute: dict[str, Any] = field(default_factory=dict)

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
        share = min(config.test_size, MAX_HELD_OUT_ROWS / ds.n_rows)
        if groups is not None:
            train, test = _grouped_holdout(positions, stratify, groups, config, share)
            return [(train, _once_each(test, groups))], None
        train, test = train_test_split(
            positions, test_size=share, random_state=config.seed, stratify=stratify
        )
        return [(np.sort(train), np.sort(test))], None
    if ds.n_rows > MAX_CV_ROWS:
        raise ConfigError(
            f"Cross-validation on {ds.n_rows:,} rows would fit every model {config.cv_folds + 1} "
            f"times on millions of rows; above {MAX_CV_ROWS:,} rows use the held-out split "
            "(the default): at this size it already measures every model precisely."
        )
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
    n_test = max(1, min(round(config.test_size * n), MAX_HELD_OUT_ROWS))
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
    share: float,
) -> tuple[np.ndarray, np.ndarray]:
    """A holdout split of about ``share`` of the rows that keeps each group of copies on one
    side: for classes, one fold of a stratified group k-fold with k = 1 / share (so the classes
    keep their shares); for numbers, a group shuffle split."""
    if stratify is not None:
        k = max(2, round(1 / share))
        splitter: Any = StratifiedGroupKFold(k, shuffle=True, random_state=config.seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            train, test = next(splitter.split(positions, stratify, groups))
    else:
        shuffle = GroupShuffleSplit(1, test_size=share, random_state=config.seed)
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
    names = cand.resolve_names(config.models, dataset.task, sweep=config.sweep)
    folds, refit_index = _splits(dataset, config)
    results = {n: ModelResult.from_spec(cand.get_candidate(n)) for n in names}
    notify = _Notifier(results, on_progress)
    for name in names:
        notify(name, "waiting")

    # Slowest first (longest-processing-time scheduling): workers then finish close together.
    by_cost = sorted(names, key=lambda n: -cand.get_candidate(n).relative_cost)
    sent, task_folds, train_rows_of = _training_rows(dataset, folds, config)
    tasks = [
        Task(
            n,
            sent,
            task_folds,
            refit_index,
            config.seed,
            config.compile_onnx,
            train_rows_of=train_rows_of,
            max_train_rows=config.max_train_rows,
        )
        for n in by_cost
    ]
    with _trainer(config) as trainer:
        outcomes = trainer.train(tasks, config.time_limit_s, notify)
        compute = {"training": trainer.site.to_dict(), "serving": machine()}

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
        compute=compute,
    )


def _training_rows(
    ds: Dataset, folds: list[tuple[np.ndarray, np.ndarray]], config: StudyConfig
) -> tuple[Dataset, list[tuple[np.ndarray, np.ndarray]], int | None]:
    """What the training workers receive. With one split whose training side holds more than
    ``config.max_train_rows`` rows: a seeded random sample of it and the held-out rows (the
    folds renumbered), and how many training rows there were; else the dataset as it is. Every
    model then learns from the same sample (or a smaller one of its own, drawn from it), and a
    worker holds a few million rows, not the whole table."""
    limit = config.max_train_rows
    if limit is None or len(folds) != 1 or len(folds[0][0]) <= limit:
        return ds, folds, None
    train, test = folds[0]
    kept = _sample(train, limit, config.seed)
    rows = np.union1d(kept, test)
    sent = replace(
        ds, X=ds.X.iloc[rows].reset_index(drop=True), y=ds.y[rows], row_ids=ds.row_ids[rows]
    )
    return sent, [(np.searchsorted(rows, kept), np.searchsorted(rows, test))], len(train)


@contextlib.contextmanager
def _trainer(config: StudyConfig) -> Iterator[Trainer]:
    """The executor of ``config``: a Dask cluster when one is set (:func:`core.cluster.
    scheduler_address`), else the pool of worker processes on this machine."""
    address = scheduler_address(config.cluster)
    if address is not None:
        from core.cluster import trainer

        with trainer(address, config.n_workers) as on_cluster:
            yield on_cluster
        return
    n_workers = (os.cpu_count() or 1) if config.n_workers is None else config.n_workers
    yield LocalPool(n_workers)


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

    def trained(self, outcome: Outcome) -> None:
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


def _absorb(
    result: ModelResult,
    outcome: Outcome,
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
    result.train_rows_available = outcome.train_rows_available
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
