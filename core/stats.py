"""Metrics, bootstrap confidence intervals and paired differences.

A bootstrap resample is represented by its *weights*: how many times each held-out row was drawn.
Every metric here is written as weighted sums over rows, so one matrix of weights (resamples x rows)
evaluates a metric for all resamples at once, and the same matrix evaluated for two models gives a
**paired** difference: both models are judged on exactly the same resampled rows.

Metric point values come from scikit-learn (:func:`compute_metrics`); the weighted versions here
reproduce them exactly when every weight is 1, which the tests check.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy import stats as scipy_stats
from sklearn import metrics as skm

from core.dataset import Task
from core.errors import ConfigError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

MetricName = Literal[
    "accuracy", "balanced_accuracy", "f1_macro", "roc_auc", "log_loss", "r2", "mae", "rmse"
]
DEFAULT_RESAMPLES = 1000
CONFIDENCE = 0.95
#: Upper bound on resamples x rows held in memory at once.
_CHUNK_CELLS = 4_000_000


@dataclass(frozen=True)
class MetricInfo:
    name: MetricName
    label: str
    higher_is_better: bool
    classification: bool
    #: How a difference in this metric is spoken of ("points" for percentages).
    unit: str
    #: Shown as a percentage (accuracy-like metrics between 0 and 1).
    percent: bool
    #: The name inside a sentence, when it is not simply the label in lower case ("R²").
    in_sentence: str = ""

    @property
    def words(self) -> str:
        """The metric's name inside a sentence: "balanced accuracy", "ROC AUC", "R²"."""
        return self.in_sentence or self.label.lower()


METRICS: dict[str, MetricInfo] = {
    m.name: m
    for m in (
        MetricInfo("accuracy", "Accuracy", True, True, "points", True),
        MetricInfo("balanced_accuracy", "Balanced accuracy", True, True, "points", True),
        MetricInfo("f1_macro", "F1 (macro)", True, True, "points", True, "F1 (macro)"),
        MetricInfo("roc_auc", "ROC AUC", True, True, "points", True, "ROC AUC"),
        MetricInfo("log_loss", "Log loss", False, True, "", False),
        MetricInfo("r2", "R²", True, False, "", False, "R²"),
        MetricInfo("mae", "Mean absolute error", False, False, "target units", False),
        MetricInfo("rmse", "Root mean squared error", False, False, "target units", False),
    )
}
#: Metrics a user may choose as primary (log loss is reported but is no one's headline number).
PRIMARY_CHOICES: dict[str, tuple[str, ...]] = {
    "classification": ("accuracy", "balanced_accuracy", "f1_macro", "roc_auc"),
    "regression": ("r2", "mae", "rmse"),
}


def metric_info(name: str) -> MetricInfo:
    try:
        return METRICS[name]
    except KeyError:
        raise ConfigError(f"Unknown metric '{name}'. Choose from: {', '.join(METRICS)}.") from None


def primary_choices(task: Task) -> tuple[str, ...]:
    return PRIMARY_CHOICES["regression" if task == "regression" else "classification"]


def validate_primary(name: str, task: Task) -> str:
    choices = primary_choices(task)
    if name not in choices:
        raise ConfigError(
            f"'{name}' cannot be the primary metric of a {task} task. "
            f"Choose from: {', '.join(choices)}."
        )
    return name


@dataclass(frozen=True)
class Predictions:
    """One model's held-out predictions: labels (class codes or values) and class probabilities."""

    y_pred: NDArray[np.generic]
    proba: FloatArray | None = None


def compute_metrics(
    task: Task, y_true: NDArray[np.generic], pred: Predictions, n_classes: int = 0
) -> dict[str, float]:
    """All metrics of the task on held-out rows, computed by scikit-learn."""
    if task == "regression":
        yt = y_true.astype(float)
        yp = pred.y_pred.astype(float)
        return {
            "r2": float(skm.r2_score(yt, yp)),
            "mae": float(skm.mean_absolute_error(yt, yp)),
            "rmse": float(np.sqrt(skm.mean_squared_error(yt, yp))),
        }
    out = {
        "accuracy": float(skm.accuracy_score(y_true, pred.y_pred)),
        "balanced_accuracy": _balanced_accuracy(y_true, pred.y_pred),
        "f1_macro": float(skm.f1_score(y_true, pred.y_pred, average="macro", zero_division=0)),
    }
    if pred.proba is not None:
        labels = np.arange(n_classes or pred.proba.shape[1])
        out["log_loss"] = float(skm.log_loss(y_true, pred.proba, labels=labels))
        present = np.unique(y_true)
        if len(present) >= 2:
            if task == "binary":
                out["roc_auc"] = float(skm.roc_auc_score(y_true, pred.proba[:, 1]))
            else:
                out["roc_auc"] = _macro_ovr_auc(y_true, pred.proba)
    return out


def _balanced_accuracy(y_true: NDArray[np.generic], y_pred: NDArray[np.generic]) -> float:
    """Mean recall over the classes present in ``y_true`` (as scikit-learn, without its warning
    when a small fold holds a single class)."""
    recalls = [np.mean(y_pred[y_true == c] == c) for c in np.unique(y_true)]
    return float(np.mean(recalls))


def _macro_ovr_auc(y_true: NDArray[np.generic], proba: FloatArray) -> float:
    """Unweighted mean of one-vs-rest AUCs over the classes present in ``y_true``."""
    aucs = [
        skm.roc_auc_score(y_true == c, proba[:, c])
        for c in range(proba.shape[1])
        if 0 < np.sum(y_true == c) < len(y_true)
    ]
    return float(np.mean(aucs))


# --- bootstrap -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bootstrap:
    """A seeded plan of ``n_resamples`` bootstrap resamples of ``n_rows`` rows.

    Iterating yields weight matrices (a chunk of resamples x rows, counts of each row); iterating
    again yields exactly the same matrices, which is what makes differences paired.
    """

    n_rows: int
    n_resamples: int = DEFAULT_RESAMPLES
    seed: int = 0

    def chunks(self) -> Iterator[FloatArray]:
        rng = np.random.default_rng(self.seed)
        per_chunk = max(1, _CHUNK_CELLS // max(self.n_rows, 1))
        done = 0
        while done < self.n_resamples:
            b = min(per_chunk, self.n_resamples - done)
            idx = rng.integers(0, self.n_rows, size=(b, self.n_rows))
            flat = (idx + np.arange(b)[:, None] * self.n_rows).ravel()
            counts = np.bincount(flat, minlength=b * self.n_rows).reshape(b, self.n_rows)
            yield counts.astype(np.float64)
            done += b


def metric_samples(
    metric: str,
    task: Task,
    y_true: NDArray[np.generic],
    pred: Predictions,
    plan: Bootstrap,
) -> FloatArray:
    """The metric on each bootstrap resample of the held-out rows (one value per resample)."""
    weighted = _weighted_metric(metric, task, y_true, pred)
    return np.concatenate([weighted(w) for w in plan.chunks()])


def metric_samples_by_model(
    metric: str,
    task: Task,
    y_true: NDArray[np.generic],
    predictions: Mapping[str, Predictions],
    plan: Bootstrap,
) -> dict[str, FloatArray]:
    """:func:`metric_samples` for several models in one pass over the resamples: each weight
    matrix is drawn once and used for every model (paired, and cheaper than one pass each)."""
    return resample(
        plan,
        {name: weighted_metric(metric, task, y_true, pred) for name, pred in predictions.items()},
    )


def resample(
    plan: Bootstrap, statistics: Mapping[str, Callable[[FloatArray], FloatArray]]
) -> dict[str, FloatArray]:
    """Every statistic (a function of a weight matrix, one value or one row per resample) on
    every resample of ``plan``, in one pass: each weight matrix is drawn once for all of them,
    which is what costs time on large tables, and makes their differences paired."""
    parts: dict[str, list[FloatArray]] = {name: [] for name in statistics}
    for w in plan.chunks():
        for name, f in statistics.items():
            parts[name].append(f(w))
    return {name: np.concatenate(chunks) for name, chunks in parts.items()}


def weighted_cell_means(
    blocks: Sequence[tuple[NDArray[np.integer], FloatArray, int]],
) -> Callable[[FloatArray], FloatArray]:
    """A statistic for :func:`resample`: per resample, the weighted mean over rows of each
    block's ``amounts`` split by each row's cell (``cells`` in 0 .. ``n_cells - 1``); the columns
    of a block follow those of the one before.

    With amounts of 1 and cells such as (true class, predicted class), a block's columns are the
    shares of resampled rows in each cell of a confusion matrix: any cost that is a sum over cells
    is then one matrix product away, whatever the prices. One block per model, all evaluated with
    one matrix product per chunk of resamples."""
    n_rows = len(blocks[0][0]) if blocks else 0
    offsets = np.cumsum([0, *(n for _, _, n in blocks)])
    rows = np.concatenate([np.arange(n_rows) for _ in blocks]) if blocks else np.zeros(0, int)
    columns = np.concatenate(
        [c.astype(np.int64) + o for (c, _, _), o in zip(blocks, offsets, strict=False)]
    )
    values = np.concatenate([a.astype(np.float64) for _, a, _ in blocks]) if blocks else np.zeros(0)
    shape = (n_rows, int(offsets[-1]))
    if shape[0] * shape[1] <= _CHUNK_CELLS:  # small: a dense matrix, one BLAS product
        matrix: Any = np.zeros(shape)
        np.add.at(matrix, (rows, columns), values)
    else:  # many cells (classes): one entry per row and block
        matrix = sparse.csc_array((values, (rows, columns)), shape=shape)

    def means(w: FloatArray) -> FloatArray:
        sums = np.asarray(w @ matrix, dtype=np.float64)
        return np.asarray(sums / w.sum(axis=1, keepdims=True), dtype=np.float64)

    return means


def weighted_metric(
    metric: str, task: Task, y_true: NDArray[np.generic], pred: Predictions
) -> Callable[[FloatArray], FloatArray]:
    """A statistic for :func:`resample`: ``metric`` of ``pred`` on each resample."""
    return _weighted_metric(metric, task, y_true, pred)


# --- intervals that hold their coverage ----------------------------------------------------------

#: The values a metric can take; every interval is kept inside them.
METRIC_RANGE: dict[str, tuple[float, float]] = {
    "accuracy": (0.0, 1.0),
    "balanced_accuracy": (0.0, 1.0),
    "f1_macro": (0.0, 1.0),
    "roc_auc": (0.0, 1.0),
    "log_loss": (0.0, math.inf),
    "r2": (-math.inf, 1.0),
    "mae": (0.0, math.inf),
    "rmse": (0.0, math.inf),
}
#: Held-out rows up to which the acceleration of BCa comes from the delete-one jackknife; above,
#: from deleting one of JACKKNIFE_GROUPS random groups of rows (the same estimate, far cheaper).
JACKKNIFE_ROWS = 1000
JACKKNIFE_GROUPS = 500


def wilson_interval(successes: float, n: float, level: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson's score interval of a proportion: it keeps its coverage near 0 and 1 and at small
    ``n``, where the bootstrap's does not (at 98% accuracy on 50 rows the percentile bootstrap
    covers the truth about 58% of the time), and it never leaves [0, 1]."""
    if n <= 0:
        return (math.nan, math.nan)
    z = float(scipy_stats.norm.ppf(0.5 + level / 2))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    low = 0.0 if successes <= 0 else max(0.0, centre - half)
    high = 1.0 if successes >= n else min(1.0, centre + half)
    return (low, high)


def mover_mean_interval(
    intervals: Sequence[tuple[float, float, float]],
) -> tuple[float, float]:
    """An interval for the mean of independent estimates, each ``(value, low, high)``, by the
    method of variance estimates recovery (Zou & Donner 2008): the distances to each estimate's
    own limits are combined as a variance would be. With Wilson limits per class this is a score
    interval of balanced accuracy that keeps its coverage when every row is right."""
    k = len(intervals)
    if k == 0:
        return (math.nan, math.nan)
    value = sum(v for v, _, _ in intervals) / k
    below = math.sqrt(sum((v - lo) ** 2 for v, lo, _ in intervals)) / k
    above = math.sqrt(sum((hi - v) ** 2 for v, _, hi in intervals)) / k
    return (value - below, value + above)


def jackknife_weights(n_rows: int, seed: int = 0) -> FloatArray:
    """Weight matrices of the jackknife, one row per deleted row (or random group of rows)."""
    if n_rows <= JACKKNIFE_ROWS:
        return np.ones((n_rows, n_rows)) - np.eye(n_rows)
    group = np.random.default_rng(seed).permutation(n_rows) % JACKKNIFE_GROUPS
    kept: FloatArray = (group[None, :] != np.arange(JACKKNIFE_GROUPS)[:, None]).astype(np.float64)
    return kept


def bca_interval(
    samples: FloatArray, point: float, jackknife: FloatArray, level: float = CONFIDENCE
) -> tuple[float, float]:
    """Efron's bias-corrected and accelerated bootstrap interval.

    ``samples`` are the statistic on each bootstrap resample, ``point`` on all rows and
    ``jackknife`` on each jackknife deletion (NaN values are left out). The bias correction moves
    the interval when the resamples sit off-centre; the acceleration widens the side where the
    statistic's spread grows (skewed metrics such as R² with heavy-tailed errors). Its limits are
    resampled values, so they stay in the metric's range."""
    s = np.sort(samples[np.isfinite(samples)])
    if s.size == 0 or not math.isfinite(point):
        return (math.nan, math.nan)
    if s[0] == s[-1]:
        return (float(s[0]), float(s[-1]))
    below = (np.searchsorted(s, point, "left") + np.searchsorted(s, point, "right")) / 2
    share = min(max(below / s.size, 0.5 / s.size), 1 - 0.5 / s.size)
    z0 = float(scipy_stats.norm.ppf(share))
    jk = jackknife[np.isfinite(jackknife)]
    d = jk.mean() - jk if jk.size else np.zeros(0)
    spread = float(np.sum(d**2))
    accel = float(np.sum(d**3)) / (6 * spread**1.5) if spread > 0 else 0.0
    z = scipy_stats.norm.ppf([0.5 - level / 2, 0.5 + level / 2])
    shifted = z0 + z
    with np.errstate(divide="ignore", invalid="ignore"):
        adjusted = z0 + shifted / (1 - accel * shifted)
    # Past the pole of the formula the limit is the extreme resample on its side.
    adjusted = np.where(1 - accel * shifted > 0, adjusted, np.sign(shifted) * np.inf)
    low, high = np.quantile(s, scipy_stats.norm.cdf(adjusted))
    return (float(low), float(high))


def clip_interval(metric: str, low: float, high: float) -> tuple[float, float]:
    """``[low, high]`` kept inside the values ``metric`` can take."""
    lo, hi = METRIC_RANGE[metric]
    return (float(min(max(low, lo), hi)), float(min(max(high, lo), hi)))


#: Metrics whose interval is a score interval or a studentized bootstrap of its own (no BCa, so
#: no jackknife).
SCORE_INTERVALS = ("accuracy", "balanced_accuracy", "roc_auc", "r2", "mae", "rmse")
#: The m-out-of-n bootstrap of the regression metrics draws n ** M_POWER rows per resample.
#: RMSE, a plain mean of squared errors (R² divides it by a spread that grows with it), needs
#: the smaller resamples to hold 93% with t(3) errors; calibrated by simulation at 100–1,000 rows.
M_POWER = {"r2": 0.55, "mae": 0.55, "rmse": 0.5}


def _studentized_regression(
    metric: str,
    y_true: NDArray[np.generic],
    pred: Predictions,
    seed: int,
    resamples: int,
    level: float,
) -> tuple[float, float]:
    """A studentized m-out-of-n bootstrap interval of R², MAE or RMSE.

    Each metric is a smooth function of means of the errors: its logarithm (of SSres/SStot for
    R², of the mean |error| or mean squared error otherwise) has a delta-method standard error
    computed from the same sums, on the rows and on each resample. The resamples' t-statistics
    ``(φ* − φ) / se*`` give the interval ``φ − q·se``. They are drawn with only m = n ** 0.55
    rows each (n ** 0.5 for RMSE, :data:`M_POWER`): with heavy-tailed errors (Student t with 3
    degrees of freedom) squared errors have no finite variance, every full-size bootstrap then
    under-covers (84–87%) and gets worse with more rows, while this one keeps 93–97% at 100 to
    1,000 rows (calibrated by simulation for t(3) errors; heavier tails such as t(2.5) still
    under-cover, about 85%); with normal errors it is a little wider than it needs to be
    (97–99% at 100–200 rows), the price of not knowing the tails."""
    err = pred.y_pred.astype(float) - y_true.astype(float)
    yc = y_true.astype(float) - float(np.mean(y_true.astype(float)))
    scale = float(np.sqrt(np.mean(yc**2))) or 1.0  # unit-free sums: no overflow in 4th powers
    e, yc = err / scale, yc / scale
    n = len(e)
    e2 = e**2
    columns = (
        [np.abs(e), e2] if metric == "mae" else [e2, e2**2]
    )  # MAE: |e| and e²; RMSE: e² and e⁴
    if metric == "r2":
        columns = [e2, e2**2, e2 * yc, e2 * yc**2, yc, yc**2, yc**3, yc**4]
    basis = np.column_stack(columns)

    def log_and_se(mom: FloatArray, total: float) -> tuple[FloatArray, FloatArray]:
        """log of the metric's ratio and its standard error, from the means of ``basis``."""
        with np.errstate(divide="ignore", invalid="ignore"):
            if metric == "r2":
                a, a2, ay, ay2, m1, m2, m3, m4 = mom.T
                b = m2 - m1**2
                ee = a2 / a**2
                cross = (ay2 - 2 * m1 * ay + m1**2 * a) / (a * b)
                fourth = (m4 - 4 * m1 * m3 + 6 * m1**2 * m2 - 3 * m1**4) / b**2
                var = ee - 2 * cross + fourth
                phi = np.log(a / b)
            else:  # log of a mean x, with se² = var(x) / (N · mean²)
                mean, square = mom.T
                var = square / mean**2 - 1
                phi = np.log(mean)
            se = np.sqrt(np.maximum(var, 0.0) / total)
        return phi, se

    if not np.any(err):  # every prediction exact: nothing is uncertain about the errors
        exact = 1.0 if metric == "r2" else 0.0
        return (exact, exact)
    phi, se = (float(v[0]) for v in log_and_se(basis.mean(axis=0, keepdims=True), n))
    # Small resamples, but each expected to hold at least 5 of the rows whose error is not 0:
    # with mostly exact predictions a resample of none would say nothing of the errors.
    wrong = int(np.count_nonzero(err))
    draws = min(n, max(10, round(n ** M_POWER[metric]), math.ceil(5 * n / wrong)))
    rng = np.random.default_rng(seed)
    phis, ses = np.empty(resamples), np.empty(resamples)
    step = max(1, _CHUNK_CELLS // (draws * basis.shape[1]))
    for start in range(0, resamples, step):
        rows = rng.integers(0, n, size=(min(step, resamples - start), draws))
        part = log_and_se(basis[rows].mean(axis=1), draws)
        phis[start : start + len(rows)], ses[start : start + len(rows)] = part
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (phis - phi) / ses
    # A resample of exact predictions only (φ* = −∞) is the far low tail, not a lost draw.
    t = np.where(np.isneginf(phis), -np.inf, t)
    t = t[~np.isnan(t)]
    if not (math.isfinite(phi) and math.isfinite(se)) or t.size == 0:
        return (math.nan, math.nan)
    t = np.sort(t)
    q_low, q_high = (
        float(t[min(int(q * t.size), t.size - 1)]) for q in (0.5 - level / 2, 0.5 + level / 2)
    )
    lo_phi, hi_phi = phi - q_high * se, phi - q_low * se
    if metric == "r2":  # R² = 1 − exp(φ): decreasing in φ
        return clip_interval(metric, 1 - math.exp(hi_phi), 1 - math.exp(lo_phi))
    power = 0.5 if metric == "rmse" else 1.0  # RMSE = exp(φ / 2), MAE = exp(φ), in y's units
    return clip_interval(metric, scale * math.exp(power * lo_phi), scale * math.exp(power * hi_phi))


def metric_interval(
    metric: str,
    task: Task,
    y_true: NDArray[np.generic],
    pred: Predictions,
    samples: FloatArray,
    jackknife: FloatArray,
    level: float = CONFIDENCE,
    seed: int = 0,
) -> tuple[float, float]:
    """The 95% interval of one model's ``metric`` on its held-out rows (one prediction a row).

    Accuracy, a proportion, gets Wilson's score interval; balanced accuracy, a mean of per-class
    proportions, Wilson per class combined by :func:`mover_mean_interval`; R², MAE and RMSE a
    studentized m-out-of-n bootstrap of their own (seeded with ``seed``), which holds with
    heavy-tailed errors; ROC AUC DeLong's interval (:func:`delong_interval`); every other metric
    the BCa bootstrap of ``samples`` (``jackknife`` gives its acceleration). When every resample
    gives the same value (all rows right), F1 and ROC AUC fall back to Wilson on the smallest
    class: a perfect score on few rows is not a certainty.
    """
    if metric == "accuracy":
        correct = np.asarray(pred.y_pred == y_true)
        return wilson_interval(float(correct.sum()), correct.size, level)
    if metric in ("r2", "mae", "rmse"):
        return _studentized_regression(metric, y_true, pred, seed, len(samples) or 1000, level)
    if metric == "balanced_accuracy":
        per_class = []
        for c in np.unique(y_true):
            rows = y_true == c
            hits = float(np.sum(pred.y_pred[rows] == c))
            low, high = wilson_interval(hits, float(rows.sum()), level)
            per_class.append((hits / rows.sum(), low, high))
        return clip_interval(metric, *mover_mean_interval(per_class))
    if metric == "roc_auc":
        value, influence = auc_influence(task, y_true, pred)
        counts = np.bincount(y_true.astype(np.int64))
        return delong_interval(value, influence, int(counts[counts > 0].min()), level)
    point = float(_weighted_metric(metric, task, y_true, pred)(np.ones((1, len(y_true))))[0])
    finite = samples[np.isfinite(samples)]
    if finite.size and finite.min() == finite.max() and metric in ("f1_macro", "roc_auc"):
        counts = np.bincount(y_true.astype(np.int64))
        smallest = float(counts[counts > 0].min()) if counts.size else 0.0
        return wilson_interval(point * smallest, smallest, level)
    return clip_interval(metric, *bca_interval(samples, point, jackknife, level))


# --- ROC AUC by DeLong's method ------------------------------------------------------------------


def _binary_auc_influence(
    positive: NDArray[np.bool_], score: FloatArray
) -> tuple[float, FloatArray]:
    """AUC and each row's influence on it (DeLong, DeLong & Clarke-Pearson 1988): a positive
    row's share of negatives it outscores (ties half), minus the AUC, over the positives; a
    negative row's share of positives that outscore it, likewise over the negatives."""
    pos, neg = score[positive], score[~positive]
    if pos.size == 0 or neg.size == 0:
        return (math.nan, np.zeros(len(score)))
    neg_sorted, pos_sorted = np.sort(neg), np.sort(pos)
    v10 = (np.searchsorted(neg_sorted, pos, "left") + np.searchsorted(neg_sorted, pos, "right")) / (
        2 * neg.size
    )
    v01 = (
        2 * pos.size
        - np.searchsorted(pos_sorted, neg, "left")
        - np.searchsorted(pos_sorted, neg, "right")
    ) / (2 * pos.size)
    auc = float(v10.mean())
    influence = np.empty(len(score))
    influence[positive] = (v10 - auc) / pos.size
    influence[~positive] = (v01 - auc) / neg.size
    return (auc, influence)


def auc_influence(
    task: Task, y_true: NDArray[np.generic], pred: Predictions
) -> tuple[float, FloatArray]:
    """ROC AUC (macro one-vs-rest over the classes present, for several classes) and each
    held-out row's influence on it: the variance of the AUC is the sum of squared influences,
    and the covariance of two models' AUCs the sum of their products (DeLong's method)."""
    if pred.proba is None:
        raise ConfigError("Metric 'roc_auc' needs predicted probabilities.")
    y = y_true.astype(np.int64)
    if task == "binary":
        return _binary_auc_influence(y == 1, pred.proba[:, 1])
    parts = [
        _binary_auc_influence(y == c, pred.proba[:, c])
        for c in range(pred.proba.shape[1])
        if 0 < np.sum(y == c) < len(y)
    ]
    if not parts:
        return (math.nan, np.zeros(len(y)))
    return (
        float(np.mean([a for a, _ in parts])),
        np.mean([i for _, i in parts], axis=0),
    )


def delong_samples(
    influences: Mapping[str, FloatArray],
    point: Mapping[str, float],
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> dict[str, FloatArray]:
    """Draws of every model's AUC from the normal law with DeLong's covariance: they stand for
    bootstrap resamples in :mod:`core.claims` (paired, since the covariance between models is
    kept), at the cost of one small matrix instead of resampling every row for every model."""
    names = list(influences)
    matrix = np.vstack([influences[n] for n in names])  # models x rows
    cov = matrix @ matrix.T
    values, vectors = np.linalg.eigh(cov)
    root = vectors * np.sqrt(np.clip(values, 0.0, None))  # cov = root @ root.T, even if singular
    z = np.random.default_rng(seed).standard_normal((n_resamples, len(names)))
    draws = np.array([point[n] for n in names]) + z @ root.T
    return {n: draws[:, i] for i, n in enumerate(names)}


def delong_interval(
    value: float, influence: FloatArray, smallest_class: int, level: float = CONFIDENCE
) -> tuple[float, float]:
    """DeLong's interval of one AUC, on the logit scale so that it stays inside (0, 1). A
    perfect (or perfectly wrong) ranking has no spread to measure: Wilson's interval on the
    smallest class then says how sure a perfect score on that many rows can be."""
    se = float(np.sqrt(np.sum(influence**2)))
    if not math.isfinite(value):
        return (math.nan, math.nan)
    if se == 0 or value <= 0 or value >= 1:
        return wilson_interval(value * smallest_class, smallest_class, level)
    z = float(scipy_stats.norm.ppf(0.5 + level / 2))
    logit = math.log(value / (1 - value))
    half = z * se / (value * (1 - value))
    return (1 / (1 + math.exp(-(logit - half))), 1 / (1 + math.exp(-(logit + half))))


def percentile_ci(samples: FloatArray, level: float = CONFIDENCE) -> tuple[float, float]:
    """The central ``level`` interval of bootstrap samples (NaN resamples ignored)."""
    finite = samples[np.isfinite(samples)]
    if finite.size == 0:
        return (float("nan"), float("nan"))
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return (float(low), float(high))


def _weighted_metric(
    metric: str, task: Task, y_true: NDArray[np.generic], pred: Predictions
) -> Callable[[FloatArray], FloatArray]:
    """A function of a weight matrix (resamples x rows) returning the metric per resample."""
    info = metric_info(metric)
    if info.classification == (task == "regression"):
        raise ConfigError(f"Metric '{metric}' does not apply to a {task} task.")
    if task == "regression":
        yt = y_true.astype(float)
        err = pred.y_pred.astype(float) - yt
        # Centred first: sums of squares of a large offset would swamp the spread (precision).
        yc = yt - yt.mean()
        if metric == "mae":
            return lambda w: (w @ np.abs(err)) / w.sum(axis=1)
        if metric == "rmse":
            return lambda w: np.sqrt((w @ err**2) / w.sum(axis=1))

        def r2(w: FloatArray) -> FloatArray:
            n = w.sum(axis=1)
            ss_res = w @ err**2
            ss_tot = w @ yc**2 - (w @ yc) ** 2 / n
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(ss_tot > 0, 1 - ss_res / ss_tot, np.nan)

        return r2

    yt_int = y_true.astype(np.int64)
    yp_int = pred.y_pred.astype(np.int64)
    n_classes = int(max(yt_int.max(), yp_int.max()) + 1)
    if pred.proba is not None:
        n_classes = max(n_classes, pred.proba.shape[1])
    onehot_true = np.eye(n_classes)[yt_int]
    onehot_pred = np.eye(n_classes)[yp_int]
    correct = (yt_int == yp_int).astype(float)

    if metric == "accuracy":
        return lambda w: (w @ correct) / w.sum(axis=1)
    if metric == "balanced_accuracy":

        def balanced(w: FloatArray) -> FloatArray:
            support = w @ onehot_true
            hits = w @ (onehot_true * correct[:, None])
            with np.errstate(divide="ignore", invalid="ignore"):
                recall = np.where(support > 0, hits / support, np.nan)
            return np.asarray(np.nanmean(recall, axis=1), dtype=np.float64)

        return balanced
    if metric == "f1_macro":
        # F1 = 2·TP / (2·TP + FP + FN) and 2·TP + FP + FN = (predicted) + (true) per class:
        # two sums over rows, in one matrix product.
        counts = np.hstack([onehot_true * onehot_pred, onehot_true + onehot_pred])

        def f1(w: FloatArray) -> FloatArray:
            both = w @ counts
            tp, denom = both[:, :n_classes], both[:, n_classes:]
            with np.errstate(divide="ignore", invalid="ignore"):
                score = np.where(denom > 0, 2 * tp / denom, np.nan)
            return np.asarray(np.nanmean(score, axis=1), dtype=np.float64)

        return f1
    if pred.proba is None:
        raise ConfigError(f"Metric '{metric}' needs predicted probabilities.")
    proba = pred.proba
    if metric == "log_loss":
        eps = np.finfo(float).eps
        losses = -np.log(np.clip(proba[np.arange(len(yt_int)), yt_int], eps, 1))
        return lambda w: (w @ losses) / w.sum(axis=1)
    # roc_auc
    if task == "binary":
        return _weighted_auc(yt_int == 1, proba[:, 1])
    per_class = [_weighted_auc(yt_int == c, proba[:, c]) for c in range(proba.shape[1])]

    def macro_auc(w: FloatArray) -> FloatArray:
        stacked = np.column_stack([f(w) for f in per_class])
        return np.asarray(np.nanmean(stacked, axis=1), dtype=np.float64)

    return macro_auc


def _weighted_auc(
    positive: NDArray[np.bool_], score: FloatArray
) -> Callable[[FloatArray], FloatArray]:
    """Weighted Mann-Whitney AUC: P(score of a positive > score of a negative), ties count half.

    Each positive row wins against the weight of negatives scored below it and half of those
    scored the same: with the negatives sorted by score, both are two lookups into the running
    sum of their weights (found once with ``searchsorted``), for every resample at once."""
    pos_rows = np.flatnonzero(positive)
    neg_rows = np.flatnonzero(~positive)
    neg_rows = neg_rows[np.argsort(score[neg_rows], kind="stable")]
    neg_scores = score[neg_rows]
    below = np.searchsorted(neg_scores, score[pos_rows], "left")
    up_to = np.searchsorted(neg_scores, score[pos_rows], "right")

    def auc(w: FloatArray) -> FloatArray:
        # Rows x resamples, contiguous: gathering rows copies whole lines (far faster).
        wt = np.ascontiguousarray(w.T)
        wp = wt[pos_rows]
        running = np.zeros((len(neg_rows) + 1, len(w)))
        np.cumsum(wt[neg_rows], axis=0, out=running[1:])
        wins = np.einsum("ij,ij->j", wp, running[below] + running[up_to]) / 2
        pos_total, neg_total = wp.sum(axis=0), running[-1]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(
                (pos_total > 0) & (neg_total > 0), wins / (pos_total * neg_total), np.nan
            )

    return auc
