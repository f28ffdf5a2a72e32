"""Drawing the curves: which models and rows, trained on the study's executor, scored and fitted."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import numpy as np

from core import candidates as cand
from core.curves.model import (
    MIN_TRAIN_ROWS,
    MULTIPLES,
    ROLE_BEST,
    ROLE_DECISION,
    ROLE_NEURAL,
    ROLE_SIMPLE,
    SHARES,
    Curve,
    CurveForecast,
    CurvePoint,
    Curves,
    CurvesProgress,
)
from core.curves.words import more_data_sentence
from core.errors import ConfigError
from core.forecast import CostGrowth, CurveFit, cost_growth, fit_curve, forecast
from core.pareto import best_model
from core.stats import (
    METRIC_RANGE,
    SCORE_INTERVALS,
    Bootstrap,
    Predictions,
    jackknife_weights,
    metric_info,
    metric_interval,
    metric_samples_by_model,
    weighted_metric,
)
from core.study import StudyResult, _splits, _trainer, _training_rows
from core.training import Outcome, Stage, Task

# --- which models, which rows --------------------------------------------------------------------


def curve_models(
    study: StudyResult, decision: str | None, academic: str | None
) -> dict[str, tuple[str, ...]]:
    """The models to draw, each with its roles: the decision's pick, the most accurate model,
    the best neural network and the simple baseline (a model may hold several roles)."""
    ok = {m.name: m for m in study.ok_models if m.predictions is not None}
    neural = best_model([m for m in ok.values() if m.neural], study.primary_metric)
    wanted = (
        (decision, ROLE_DECISION),
        (academic, ROLE_BEST),
        (neural.name if neural is not None else None, ROLE_NEURAL),
        (cand.SIMPLE_BASELINE, ROLE_SIMPLE),
    )
    roles: dict[str, tuple[str, ...]] = {}
    for name, role in wanted:
        if name is not None and name in ok and name != cand.DUMMY_BASELINE:
            roles[name] = (*roles.get(name, ()), role)
    return roles


def nested_order(train: np.ndarray, y: np.ndarray | None, seed: int) -> np.ndarray:
    """One seeded order of the training rows ``train`` whose every prefix is a stratified
    subset (each class in proportion): row ``i`` of a class of ``n`` rows, shuffled, sits at
    ``(i + u) / n`` with ``u`` uniform, and the rows are sorted by that key. Prefixes of one order
    are nested by construction."""
    rng = np.random.default_rng(seed)
    if y is None:
        return np.asarray(rng.permutation(train))
    labels = y[train]
    key = np.empty(len(train))
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        shuffled = rng.permutation(members)
        key[shuffled] = (np.arange(len(members)) + rng.random(len(members))) / len(members)
    return np.asarray(train[np.argsort(key, kind="stable")])


def subset(order: np.ndarray, share: float) -> np.ndarray:
    """The first ``share`` of ``order`` (at least one row), sorted."""
    return np.sort(order[: max(1, math.ceil(share * len(order)))])


def _drawable(rows: np.ndarray, y: np.ndarray | None) -> bool:
    if len(rows) < MIN_TRAIN_ROWS:
        return False
    if y is None:
        return True
    counts = np.bincount(y[rows].astype(np.int64))
    return bool(np.sum(counts >= 2) >= 2)


# --- running -------------------------------------------------------------------------------------


class _Progress:
    """What the executor says, counted for a progress bar (:class:`core.training.Progress`)."""

    def __init__(
        self, total: int, labels: Mapping[str, str], report: Callable[[CurvesProgress], None] | None
    ) -> None:
        self.total = total
        self.done = 0
        self.labels = labels
        self.report = report

    def __call__(self, name: str, stage: Stage, message: str = "", *, final: bool = True) -> None:
        if stage == "training":
            self._say(f"Training {self.labels.get(name, name)}")

    def trained(self, outcome: Outcome) -> None:
        self.done += 1
        self._say(f"{self.labels.get(outcome.name, outcome.name)} trained")

    def tick(self) -> None:
        self._say("")

    def _say(self, words: str) -> None:
        if self.report is not None:
            self.report(CurvesProgress(self.done, self.total, words))


def _tag(share: float) -> str:
    return f"{share:.0%}"


def run_curves(
    study: StudyResult,
    roles: Mapping[str, tuple[str, ...]],
    *,
    decision: str | None = None,
    shares: Sequence[float] = SHARES,
    on_progress: Callable[[CurvesProgress], None] | None = None,
) -> Curves:
    """Draw the learning curve of each model of ``roles`` (see :func:`curve_models`) and
    forecast it; ``decision`` is the pick the sentence speaks of."""
    started = time.perf_counter()
    ds, config = study.dataset, study.config
    if not roles:
        raise ConfigError("No model of this study can have a learning curve: none was trained.")
    folds, _ = _splits(ds, config)
    eval_index = np.concatenate([test for _, test in folds])
    if not np.array_equal(eval_index, study.eval_index):
        raise ConfigError(
            "This study's split of the rows cannot be made again (its table or settings "
            "differ), so its learning curves cannot be scored on its held-out rows. Run the "
            "study again to draw them."
        )
    sent, task_folds, _ = _training_rows(ds, folds, config)
    y_sent = sent.y if sent.is_classification else None
    orders = [
        nested_order(train, y_sent, config.seed + k) for k, (train, _) in enumerate(task_folds)
    ]
    smaller = sorted({s for s in shares if 0 < s < 1})
    tasks: list[Task] = []
    shares_of: list[float] = []
    problems: dict[str, list[str]] = {name: [] for name in roles}
    labels: dict[str, str] = {}
    for name in roles:
        spec = cand.get_candidate(name)
        for share in smaller:
            sub_folds = [
                (subset(order, share), test)
                for order, (_, test) in zip(orders, task_folds, strict=True)
            ]
            if not all(_drawable(train, y_sent) for train, _ in sub_folds):
                problems[name].append(f"{_tag(share)} of the rows is too few to train on")
                continue
            task = Task(
                name, sent, sub_folds, None, config.seed, compile_onnx=False, tag=_tag(share)
            )
            tasks.append(task)
            shares_of.append(share)
            labels[task.key] = f"{spec.label} on {_tag(share)} of the rows"
    share_of = {t.key: share for t, share in zip(tasks, shares_of, strict=True)}
    tasks.sort(key=lambda t: -cand.get_candidate(t.name).relative_cost * share_of[t.key])
    progress = _Progress(len(tasks), labels, on_progress)
    progress.tick()
    outcomes: dict[str, Outcome] = {}
    if tasks:
        with _trainer(config) as trainer:
            outcomes = trainer.train(tasks, config.time_limit_s, progress)
    planned = [(t, share_of[t.key]) for t in tasks]
    return _assemble(
        study, roles, planned, outcomes, problems, decision, time.perf_counter() - started
    )


def _assemble(
    study: StudyResult,
    roles: Mapping[str, tuple[str, ...]],
    tasks: Sequence[tuple[Task, float]],
    outcomes: Mapping[str, Outcome],
    problems: dict[str, list[str]],
    decision: str | None,
    seconds: float,
) -> Curves:
    """Score every point on the same resamples of the held-out rows, fit and forecast."""
    ds, config, metric = study.dataset, study.config, study.primary_metric
    y_eval = ds.y[study.eval_index]
    preds: dict[str, Predictions] = {}
    made: dict[str, list[tuple[float, str, Outcome]]] = {name: [] for name in roles}
    for task, share in tasks:
        outcome = outcomes.get(task.key)
        if outcome is None or outcome.status != "ok" or outcome.y_pred is None:
            why = outcome.reason if outcome is not None else "it was not trained"
            problems[task.name].append(f"{task.tag} of the rows failed: {why}")
            continue
        preds[task.key] = Predictions(outcome.y_pred, outcome.proba)
        made[task.name].append((share, task.key, outcome))
    for name in roles:
        model = study.model(name)
        assert model.predictions is not None
        preds[name] = model.predictions
    plan = Bootstrap(len(y_eval), config.n_resamples, config.seed)
    samples = metric_samples_by_model(metric, ds.task, y_eval, preds, plan)
    jackknife = (
        np.zeros((0, len(y_eval)))
        if metric in SCORE_INTERVALS
        else jackknife_weights(len(y_eval), config.seed)
    )
    info = metric_info(metric)
    fits: dict[str, CurveFit] = {}
    curves: list[Curve] = []
    for name, model_roles in roles.items():
        model = study.model(name)
        points: list[tuple[CurvePoint, np.ndarray]] = []
        for share, key, outcome in sorted(made[name], key=lambda p: p[0]):
            pred = preds[key]
            weighted = weighted_metric(metric, ds.task, y_eval, pred)
            value = float(weighted(np.ones((1, len(y_eval))))[0])
            jk = weighted(jackknife)
            low, high = metric_interval(
                metric, ds.task, y_eval, pred, samples[key], jk, seed=config.seed
            )
            point = CurvePoint(
                share,
                outcome.train_rows,
                value,
                low,
                high,
                outcome.train_s,
                len(outcome.model_bytes or b""),
            )
            points.append((point, samples[key]))
        full = CurvePoint(
            1.0,
            int(model.train_rows or 0),
            float(model.metrics[metric]),
            float(model.metric_ci_low if model.metric_ci_low is not None else math.nan),
            float(model.metric_ci_high if model.metric_ci_high is not None else math.nan),
            model.train_s,
            model.size_bytes,
            from_study=True,
        )
        points.append((full, samples[name]))
        kept, capped = _distinct(points)
        notes = list(problems[name])
        if capped:
            notes.append(
                f"it learns from at most {kept[-1][0].rows:,} rows by design (larger shares "
                "gave it the same rows), so more rows cannot change it as it is configured"
            )
        curve = Curve(
            name,
            model.label,
            model.family,
            model_roles,
            tuple(p for p, _ in kept),
            problems=tuple(notes),
        )
        if len(kept) >= 2 and not capped:
            sizes = np.array([p.rows for p, _ in kept], dtype=float)
            fit = fit_curve(
                sizes,
                np.array([p.metric for p, _ in kept]),
                np.column_stack([s for _, s in kept]),
                higher_is_better=info.higher_is_better,
                bounds=METRIC_RANGE[metric],
                seed=config.seed,
            )
            fits[name] = fit
            curve = _with_forecasts(curve, fit, sizes)
        elif capped:
            curve = replace(curve, why_not="it learns from a fixed number of rows")
        else:
            curve = replace(curve, why_not="too few sizes could be trained")
        curves.append(curve)
    notes = _notes(study)
    sentence = more_data_sentence(curves, fits, metric, decision)
    return Curves(
        metric,
        int(max(c.points[-1].rows for c in curves)),
        len(y_eval),
        tuple(curves),
        sentence,
        decision,
        seconds,
        config.n_resamples,
        tuple(notes),
    )


def _distinct(
    points: list[tuple[CurvePoint, np.ndarray]],
) -> tuple[list[tuple[CurvePoint, np.ndarray]], bool]:
    """The points with distinct rows (a model with a row limit of its own gets the same rows
    at several shares: the largest share is kept, so the study's own model stays last), and
    whether any repeated."""
    kept: list[tuple[CurvePoint, np.ndarray]] = []
    for point in points:
        if kept and point[0].rows == kept[-1][0].rows:
            kept[-1] = point  # the larger share (the study's own model last)
        elif not kept or point[0].rows > kept[-1][0].rows:
            kept.append(point)
    return kept, len(kept) < len(points)


def _with_forecasts(curve: Curve, fit: CurveFit, sizes: np.ndarray) -> Curve:
    times = np.array([p.train_s if p.train_s is not None else math.nan for p in curve.points])
    size = np.array(
        [p.size_bytes if p.size_bytes is not None else math.nan for p in curve.points], dtype=float
    )
    time_growth = cost_growth(sizes, times)
    size_growth = cost_growth(sizes, size)
    out = []
    for f in forecast(fit, MULTIPLES):
        out.append(
            CurveForecast(
                f.multiple,
                int(f.rows),
                f.value,
                f.low,
                f.high,
                _at(time_growth, f.multiple),
                _at(size_growth, f.multiple),
            )
        )
    return replace(
        curve,
        forecasts=tuple(out),
        trustworthy=fit.trustworthy,
        why_not=fit.why_not,
        time_exponent=time_growth.exponent,
        size_exponent=size_growth.exponent,
    )


def _at(growth: CostGrowth, multiple: float) -> float | None:
    for m, value in zip(growth.multiples, growth.forecast_costs, strict=True):
        if m == multiple:
            return None if value is None or not math.isfinite(value) else float(value)
    return None


def _notes(study: StudyResult) -> list[str]:
    notes = [
        "Each point is the model trained again on a share of the study's training rows (the "
        "same seeded rows for every model, each share inside the next) and tested on the "
        "study's held-out rows; the last point is the study's own model."
    ]
    available = max((m.train_rows_available or 0) for m in study.ok_models)
    learned = max((m.train_rows or 0) for m in study.ok_models)
    if learned < available:
        notes.append(
            f"The study's models learned from a sample of {learned:,} of the {available:,} "
            "training rows; the forecasts count more rows from there."
        )
    return notes
