"""Business value of each model: serving and training cost, cost of errors, thresholds.

Everything here reads a finished :class:`core.study.StudyResult` (measured costs and held-out
predictions) and a :class:`BusinessInputs` (the user's volume, prices and error costs); nothing
trains or measures, so a page can re-run it on every widget change.

Units: money in USD, volumes in predictions per month, times in seconds unless a name says ``_ms``.
Per-row error costs and values are means over the study's held-out rows, scaled to the monthly
volume: they assume production rows look like the held-out rows.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from core import candidates as cand
from core.decision import cost_ratio
from core.errors import ConfigError
from core.pareto import (
    COST_AXES,
    DEFAULT_USD_PER_VCPU_HOUR,
    USD_PER_VCPU_HOUR_SOURCE,
    best_model,
    cost_value,
    frontier,
    tied_with_best,
)
from core.stats import (
    Bootstrap,
    metric_info,
    percentile_ci,
    resample,
    weighted_cell_means,
    weighted_metric,
)
from core.units import (
    format_count,
    format_mb,
    format_ms,
    format_number,
    format_range,
    format_times,
    format_usd,
    join_words,
)

if TYPE_CHECKING:
    from core.study import ModelResult, StudyResult

# --- defaults and where they come from -----------------------------------------------------------

#: Default monthly prediction volume.
DEFAULT_PREDICTIONS_PER_MONTH = 1_000_000
PREDICTIONS_PER_MONTH_SOURCE = (
    "an illustrative mid-size volume (about 33,000 predictions a day), not a measurement: "
    "replace it with your own traffic"
)
#: Default number of retrainings per month.
DEFAULT_RETRAINS_PER_MONTH = 1.0
RETRAINS_PER_MONTH_SOURCE = "a common cadence (retrain once a month on fresh data); an assumption"
#: Default binary costs, in the ratio of the Statlog German Credit cost matrix (Hofmann, UCI):
#: classing a bad customer as good costs 5, classing a good customer as bad costs 1. Code 1 (the
#: positive class) is read as the event to catch, so a missed positive (false negative) costs 5.
DEFAULT_VALUE_TRUE_POSITIVE_USD = 0.0
DEFAULT_COST_FALSE_POSITIVE_USD = 1.0
DEFAULT_COST_FALSE_NEGATIVE_USD = 5.0
BINARY_COSTS_SOURCE = (
    "an assumption to replace, in the ratio of the German Credit cost matrix (UCI Statlog): "
    "missing a positive (e.g. approving a loan that defaults) costs $5, a false alarm (refusing a "
    "good customer) costs $1; a caught positive earns nothing beyond the loss it avoids"
)
#: Default multiclass cost: every wrong class costs the same, a right class costs nothing.
DEFAULT_COST_PER_ERROR_USD = 1.0
COST_MATRIX_SOURCE = "an assumption to replace: every wrong class costs $1, a right class $0"
#: Default regression cost of one unit of absolute error (in the target's unit).
DEFAULT_USD_PER_UNIT_ERROR = 1.0
USD_PER_UNIT_ERROR_SOURCE = (
    "an assumption to replace: $1 per unit of absolute error in the target's own unit"
)
#: How predictions are served, and so which measurement prices them.
Serving = Literal["batch", "online"]
SERVING_MODES: dict[str, str] = {
    "batch": "in batches, at the measured throughput (rows scored 1,000 at a time)",
    "online": "one request at a time, at the measured mean latency of a single row",
}
DEFAULT_SERVING: Serving = "batch"
SERVING_SOURCE = (
    "batch scoring is the cheapest way to serve; choose online when each prediction answers one "
    "request (a web page, an app): a vCPU then serves one row at a time"
)
#: Every default with its source, for the screen.
SOURCES: dict[str, str] = {
    "serving": SERVING_SOURCE,
    "predictions_per_month": PREDICTIONS_PER_MONTH_SOURCE,
    "usd_per_vcpu_hour": USD_PER_VCPU_HOUR_SOURCE,
    "retrains_per_month": RETRAINS_PER_MONTH_SOURCE,
    "value_true_positive_usd": BINARY_COSTS_SOURCE,
    "cost_false_positive_usd": BINARY_COSTS_SOURCE,
    "cost_false_negative_usd": BINARY_COSTS_SOURCE,
    "cost_matrix": COST_MATRIX_SOURCE,
    "usd_per_unit_error": USD_PER_UNIT_ERROR_SOURCE,
}
#: Threshold used for binary models when none is given.
DEFAULT_THRESHOLD = 0.5

_LABELS = {
    "predictions_per_month": "Predictions per month",
    "usd_per_vcpu_hour": "The price per vCPU-hour",
    "retrains_per_month": "Retrains per month",
    "value_true_positive_usd": "The value of a caught positive",
    "cost_false_positive_usd": "The cost of a false alarm (false positive)",
    "cost_false_negative_usd": "The cost of a missed positive (false negative)",
    "usd_per_unit_error": "The cost per unit of error",
}


@dataclass(frozen=True)
class BusinessInputs:
    """What a prediction is worth to the business. Every amount is in USD and must be >= 0.

    ``serving``: ``"batch"`` (priced at the measured throughput) or ``"online"`` (one row at a
    time, priced at the p50 latency). ``predictions_per_month``: monthly volume.
    ``usd_per_vcpu_hour``: compute price.
    ``retrains_per_month``: how often the model is retrained. Binary tasks:
    ``value_true_positive_usd`` (gain per caught positive, class code 1),
    ``cost_false_positive_usd``, ``cost_false_negative_usd``. Multiclass: ``cost_matrix`` maps
    ``(true label, predicted label)`` to USD; pairs not given cost
    :data:`DEFAULT_COST_PER_ERROR_USD` when wrong and 0 when right. Regression:
    ``usd_per_unit_error`` per unit of absolute error. Defaults and sources: :data:`SOURCES`.
    """

    serving: Serving = DEFAULT_SERVING
    predictions_per_month: float = DEFAULT_PREDICTIONS_PER_MONTH
    usd_per_vcpu_hour: float = DEFAULT_USD_PER_VCPU_HOUR
    retrains_per_month: float = DEFAULT_RETRAINS_PER_MONTH
    value_true_positive_usd: float = DEFAULT_VALUE_TRUE_POSITIVE_USD
    cost_false_positive_usd: float = DEFAULT_COST_FALSE_POSITIVE_USD
    cost_false_negative_usd: float = DEFAULT_COST_FALSE_NEGATIVE_USD
    cost_matrix: Mapping[tuple[str, str], float] | None = None
    usd_per_unit_error: float = DEFAULT_USD_PER_UNIT_ERROR

    def __post_init__(self) -> None:
        if self.serving not in SERVING_MODES:
            raise ConfigError(
                f"Serving must be one of {', '.join(SERVING_MODES)}; got {self.serving!r}."
            )
        for name, label in _LABELS.items():
            value = getattr(self, name)
            if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise ConfigError(
                    f"{label} must be a number of zero or more; got {value!r}. "
                    "Enter a non-negative amount."
                )
        for (true, pred), usd in (self.cost_matrix or {}).items():
            if not isinstance(usd, int | float) or not math.isfinite(usd) or usd < 0:
                raise ConfigError(
                    f"The cost of predicting '{pred}' when the truth is '{true}' must be zero or "
                    f"more; got {usd!r}. Enter a non-negative amount in USD."
                )


@dataclass(frozen=True)
class ModelEconomics:
    """One model's money per month (USD), at the volume and prices of :class:`BusinessInputs`.

    ``net_usd_per_month = value - error - serving - training``. A field is ``None`` when the
    study lacks what it needs (no throughput nor latency, no held-out predictions); ``note`` says
    which. ``threshold`` is the probability cut-off used for a binary model (``None`` otherwise).
    """

    name: str
    label: str
    serving_usd_per_month: float | None
    training_usd_per_month: float | None
    error_usd_per_month: float | None
    value_usd_per_month: float | None
    net_usd_per_month: float | None
    threshold: float | None
    n_eval_rows: int
    note: str = ""
    #: 95% bootstrap interval of ``net_usd_per_month`` over the held-out rows (error costs and
    #: value vary with the rows drawn; measured serving and training costs are taken as fixed).
    net_ci_low_usd_per_month: float | None = None
    net_ci_high_usd_per_month: float | None = None
    #: Net value minus the simple baseline's, with its paired 95% interval (same resampled rows).
    vs_simple_usd_per_month: float | None = None
    vs_simple_ci_low_usd_per_month: float | None = None
    vs_simple_ci_high_usd_per_month: float | None = None

    @property
    def beats_simple(self) -> bool | None:
        """Whether the net value is clearly above the simple baseline's (its interval excludes
        zero, above). ``None`` when the comparison is unknown."""
        low = self.vs_simple_ci_low_usd_per_month
        return None if low is None else low > 0

    @property
    def vs_simple_verdict(self) -> str:
        """Against the simple baseline, in words: "clearly more", "clearly less" or "within the
        uncertainty"; empty for the baseline itself or when the comparison is unknown."""
        if self.name == cand.SIMPLE_BASELINE or self.vs_simple_usd_per_month is None:
            return ""
        if self.beats_simple:
            return "clearly more"
        high = self.vs_simple_ci_high_usd_per_month
        return "clearly less" if high is not None and high < 0 else "within the uncertainty"


# --- per-row building blocks ---------------------------------------------------------------------


def serving_usd_per_prediction(
    model: ModelResult, usd_per_vcpu_hour: float, serving: Serving = DEFAULT_SERVING
) -> float | None:
    """USD of one prediction on one vCPU. Batch: from the measured throughput, else the mean
    single-row latency; online: from the mean single-row latency (the CPU time each request
    holds, as in ``usd_per_million_online_predictions``), else the throughput."""
    rows_per_s = model.throughput_rows_per_s
    latency_ms = model.latency_ms_mean or model.latency_ms_p50
    batch_s = 1.0 / rows_per_s if rows_per_s and rows_per_s > 0 else None
    online_s = latency_ms / 1000.0 if latency_ms and latency_ms > 0 else None
    first, second = (online_s, batch_s) if serving == "online" else (batch_s, online_s)
    seconds = first if first is not None else second
    return None if seconds is None else seconds / 3600.0 * usd_per_vcpu_hour


def training_usd_per_month(model: ModelResult, inputs: BusinessInputs) -> float | None:
    """USD of training per month: CPU-seconds of one retrain (``train_cpu_s`` plus the final
    refit with cross-validation, ``refit_s``) times retrains per month, at the vCPU price."""
    if model.train_cpu_s is None:
        return None
    cpu_s = model.train_cpu_s + (model.refit_s or 0.0)
    return cpu_s * inputs.retrains_per_month * inputs.usd_per_vcpu_hour / 3600.0


def _cost_matrix(classes: Sequence[str], inputs: BusinessInputs) -> np.ndarray:
    n = len(classes)
    matrix = DEFAULT_COST_PER_ERROR_USD * (1.0 - np.eye(n))
    index = {c: i for i, c in enumerate(classes)}
    for (true, pred), usd in (inputs.cost_matrix or {}).items():
        unknown = [c for c in (true, pred) if c not in index]
        if unknown:
            raise ConfigError(
                f"The cost matrix names class '{unknown[0]}', which is not in the target. "
                f"Classes are: {', '.join(classes)}."
            )
        matrix[index[true], index[pred]] = usd
    return matrix


def cost_matrix_frame(classes: Sequence[str], inputs: BusinessInputs | None = None) -> pd.DataFrame:
    """The multiclass cost matrix in USD as a table: one row per true class, one column per
    predicted class (defaults: $0 on the diagonal, :data:`DEFAULT_COST_PER_ERROR_USD` elsewhere)."""
    matrix = _cost_matrix(classes, inputs or BusinessInputs())
    return pd.DataFrame(matrix, index=list(classes), columns=list(classes))


def _cells(
    study: StudyResult, model: ModelResult, threshold: float | None
) -> tuple[np.ndarray, np.ndarray, int, float | None] | None:
    """Each held-out row's cell and amount, the number of cells and the threshold used.

    Error costs and value are sums over cells of ``amount x price of the cell``: binary cells are
    true negative, false positive, false negative, true positive (``2 x actual + called``, amount
    1); multiclass cells are (true, predicted) pairs (``true x k + predicted``, amount 1);
    regression has one cell whose amount is the absolute error. ``None`` without held-out
    predictions."""
    pred = model.predictions
    if pred is None or len(study.eval_index) == 0:
        return None
    ds = study.dataset
    y = ds.y[study.eval_index]
    if ds.task == "regression":
        error = np.abs(pred.y_pred.astype(float) - y.astype(float))
        return np.zeros(len(y), dtype=np.int64), error, 1, None
    ones = np.ones(len(y))
    if ds.task == "multiclass":
        k = len(ds.classes)
        return y.astype(np.int64) * k + pred.y_pred.astype(np.int64), ones, k * k, None
    used: float | None
    if pred.proba is not None:
        used = DEFAULT_THRESHOLD if threshold is None else _check_threshold(threshold)
        called = pred.proba[:, 1] >= used
    else:  # no probabilities: the model's own labels
        used = None
        called = pred.y_pred.astype(np.int64) == 1
    return 2 * (y.astype(np.int64) == 1) + called.astype(np.int64), ones, 4, used


def _prices(study: StudyResult, inputs: BusinessInputs) -> tuple[np.ndarray, np.ndarray]:
    """(error cost, value) in USD of one unit of each cell of :func:`_cells`."""
    ds = study.dataset
    if ds.task == "regression":
        return np.array([inputs.usd_per_unit_error]), np.zeros(1)
    if ds.task == "multiclass":
        matrix = _cost_matrix(ds.classes, inputs)
        return matrix.ravel(), np.zeros(matrix.size)
    error = np.array([0.0, inputs.cost_false_positive_usd, inputs.cost_false_negative_usd, 0.0])
    return error, np.array([0.0, 0.0, 0.0, inputs.value_true_positive_usd])


def _row_amounts(
    study: StudyResult, model: ModelResult, inputs: BusinessInputs, threshold: float | None
) -> tuple[np.ndarray, np.ndarray, float | None] | None:
    """Error cost and value (USD) of each held-out row, and the threshold used; ``None`` without
    held-out predictions."""
    found = _cells(study, model, threshold)
    if found is None:
        return None
    cells, amounts, _, used = found
    error, value = _prices(study, inputs)
    return amounts * error[cells], amounts * value[cells], used


def _per_row(
    study: StudyResult, model: ModelResult, inputs: BusinessInputs, threshold: float | None
) -> tuple[float | None, float | None, float | None]:
    """Mean error cost and mean value per held-out row (USD), and the threshold used."""
    amounts = _row_amounts(study, model, inputs, threshold)
    if amounts is None:
        return None, None, None
    error, value, used = amounts
    return float(error.mean()), float(value.mean()), used


def _check_threshold(threshold: float) -> float:
    if not 0.0 <= threshold <= 1.0:
        raise ConfigError(
            f"The decision threshold must be between 0 and 1; got {threshold}. It is the "
            "probability above which a row is called positive."
        )
    return float(threshold)


def _economics_of(
    study: StudyResult, model: ModelResult, inputs: BusinessInputs, threshold: float | None
) -> ModelEconomics:
    volume = inputs.predictions_per_month
    per_pred = serving_usd_per_prediction(model, inputs.usd_per_vcpu_hour, inputs.serving)
    serving = None if per_pred is None else per_pred * volume
    training = training_usd_per_month(model, inputs)
    error_row, value_row, used = _per_row(study, model, inputs, threshold)
    error = None if error_row is None else error_row * volume
    value = None if value_row is None else value_row * volume
    net = None
    if value is not None and error is not None and serving is not None and training is not None:
        net = value - error - serving - training
    missing = []
    if serving is None:
        missing.append("serving cost (no throughput or latency was measured)")
    if training is None:
        missing.append("training cost (no training time)")
    if error is None:
        missing.append("error cost (no held-out predictions kept)")
    note = ("Unknown: " + "; ".join(missing) + ".") if missing else ""
    return ModelEconomics(
        name=model.name,
        label=model.label,
        serving_usd_per_month=serving,
        training_usd_per_month=training,
        error_usd_per_month=error,
        value_usd_per_month=value,
        net_usd_per_month=net,
        threshold=used,
        n_eval_rows=len(study.eval_index),
        note=note,
    )


def economics(
    study: StudyResult,
    inputs: BusinessInputs | None = None,
    *,
    threshold: float | None = None,
    thresholds: Mapping[str, float] | None = None,
    resamples: Resamples | None = None,
) -> list[ModelEconomics]:
    """Money per month of every finished model, in the study's order.

    Serving: ``predictions_per_month / throughput_rows_per_s / 3600 * usd_per_vcpu_hour`` (batch),
    or with the p50 single-row latency when throughput is missing. Training:
    :func:`training_usd_per_month`. Errors: the mean cost per held-out row times the volume --
    binary from the confusion counts at ``threshold`` (default 0.5; ``thresholds`` sets one per
    model by name) on the probability of class code 1; multiclass from the cost matrix over the
    predicted labels; regression mean absolute error times ``usd_per_unit_error``. Value: share of
    true positives times its value times the volume (binary only; 0 otherwise).

    Net value comes with a 95% bootstrap interval over the held-out rows (the study's resamples
    and seed) and, against the simple baseline, a paired difference with its interval. Pass the
    study's :class:`Resamples` to reuse its resamples across calls.
    """
    inputs = inputs or BusinessInputs()
    per_model = dict(thresholds or {})
    for value in (threshold, *per_model.values()):
        if value is not None:
            _check_threshold(value)
    used = {m.name: per_model.get(m.name, threshold) for m in study.ok_models}
    rows = [_economics_of(study, m, inputs, used[m.name]) for m in study.ok_models]
    return _with_intervals(study, inputs, rows, (resamples or Resamples(study)).get(used))


def _net_samples(
    study: StudyResult,
    inputs: BusinessInputs,
    rows: Sequence[ModelEconomics],
    resampled: ResampledCells,
) -> dict[str, np.ndarray]:
    """Net value per month of each model of ``rows`` whose net value is known, per resample:
    volume x (shares of the resampled rows in each cell x each cell's value minus cost) - the
    fixed serving and training costs. The same resamples for every model, so paired."""
    known = [r for r in rows if r.net_usd_per_month is not None and r.name in resampled.cells]
    if not known:
        return {}
    error, value = _prices(study, inputs)
    volume = inputs.predictions_per_month
    return {
        r.name: volume * (resampled.cells[r.name] @ (value - error))
        - (r.serving_usd_per_month or 0.0)
        - (r.training_usd_per_month or 0.0)
        for r in known
    }


def net_value_samples(
    study: StudyResult,
    inputs: BusinessInputs,
    *,
    thresholds: Mapping[str, float] | None = None,
    resamples: Resamples | None = None,
) -> tuple[list[ModelEconomics], dict[str, np.ndarray]]:
    """Every finished model's money per month (:func:`economics`) and, for those whose net value
    is known, its net value on each of the study's resamples (paired across models)."""
    rows = economics(study, inputs, thresholds=thresholds, resamples=resamples)
    used = {m.name: (thresholds or {}).get(m.name) for m in study.ok_models}
    cells = (resamples or Resamples(study)).get(used)
    return rows, _net_samples(study, inputs, rows, cells)


def _with_intervals(
    study: StudyResult,
    inputs: BusinessInputs,
    rows: list[ModelEconomics],
    resampled: ResampledCells,
) -> list[ModelEconomics]:
    """``rows`` with the bootstrap intervals of net value and of the difference with the simple
    baseline (:func:`_net_samples`)."""
    samples = _net_samples(study, inputs, rows, resampled)
    if not samples:
        return rows
    base = samples.get(cand.SIMPLE_BASELINE)
    by_name = {r.name: r for r in rows}
    out = {}
    for name, sample in samples.items():
        r = by_name[name]
        low, high = percentile_ci(sample)
        changes: dict[str, float | None] = {
            "net_ci_low_usd_per_month": low,
            "net_ci_high_usd_per_month": high,
        }
        if base is not None:
            d_low, d_high = percentile_ci(sample - base)
            changes |= {
                "vs_simple_usd_per_month": _net(r) - _net(by_name[cand.SIMPLE_BASELINE]),
                "vs_simple_ci_low_usd_per_month": d_low,
                "vs_simple_ci_high_usd_per_month": d_high,
            }
        out[name] = replace(r, **changes)  # type: ignore[arg-type]
    return [out.get(r.name, r) for r in rows]


def _net(row: ModelEconomics) -> float:
    if row.net_usd_per_month is None:
        raise ConfigError(f"The net value of {row.label} is unknown. {row.note}")
    return row.net_usd_per_month


# --- threshold -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThresholdResult:
    """The probability cut-off that maximises net value (USD per month) on held-out rows.

    ``curve`` has columns ``threshold`` and ``net_usd_per_month`` (one row per candidate cut-off,
    ascending) for a plot; ``net_usd_per_month_at_default`` is the net value at 0.5.
    """

    model: str
    threshold: float
    net_usd_per_month: float
    net_usd_per_month_at_default: float
    curve: pd.DataFrame = field(repr=False)

    @property
    def gain_usd_per_month(self) -> float:
        """What moving from 0.5 to the best threshold earns per month (USD)."""
        return self.net_usd_per_month - self.net_usd_per_month_at_default


def best_threshold(
    study: StudyResult, model: str | ModelResult, inputs: BusinessInputs | None = None
) -> ThresholdResult:
    """The threshold in [0, 1] with the highest net value per month (binary tasks only).

    Candidates are every distinct held-out probability of class code 1, plus 0, 0.5 and 1 (a row
    is positive when its probability is >= the threshold); ties go to the one closest to 0.5.
    Serving and training costs do not depend on the threshold but are included, so the curve
    reads as net USD per month (0 when unknown).
    """
    inputs = inputs or BusinessInputs()
    m = study.model(model) if isinstance(model, str) else model
    if study.dataset.task != "binary":
        raise ConfigError(
            f"A decision threshold applies only to yes/no targets; this one is "
            f"{study.dataset.task}. Use the cost matrix or error cost instead."
        )
    if m.predictions is None or m.predictions.proba is None:
        raise ConfigError(
            f"{m.label} has no predicted probabilities on held-out rows, so its threshold cannot "
            "be tuned. Re-run the study to keep predictions."
        )
    n = len(study.eval_index)
    if n == 0:
        raise ConfigError("The study has no held-out rows, so no threshold can be chosen.")
    y = study.dataset.y[study.eval_index].astype(np.int64) == 1
    score = m.predictions.proba[:, 1].astype(float)
    candidates = np.unique(np.concatenate([score, [0.0, DEFAULT_THRESHOLD, 1.0]]))
    candidates = candidates[(candidates >= 0.0) & (candidates <= 1.0)]
    # Counts of rows with score >= t, for positives and negatives, by binary search.
    pos_sorted = np.sort(score[y])
    neg_sorted = np.sort(score[~y])
    tp = len(pos_sorted) - np.searchsorted(pos_sorted, candidates, side="left")
    fp = len(neg_sorted) - np.searchsorted(neg_sorted, candidates, side="left")
    fn = len(pos_sorted) - tp
    per_row = (
        tp * inputs.value_true_positive_usd
        - fp * inputs.cost_false_positive_usd
        - fn * inputs.cost_false_negative_usd
    ) / n
    per_pred = serving_usd_per_prediction(m, inputs.usd_per_vcpu_hour, inputs.serving) or 0.0
    fixed = (training_usd_per_month(m, inputs) or 0.0) + per_pred * inputs.predictions_per_month
    net = per_row * inputs.predictions_per_month - fixed
    top = net.max()
    best_candidates = candidates[np.isclose(net, top, rtol=1e-12, atol=1e-9)]
    chosen = float(best_candidates[np.argmin(np.abs(best_candidates - DEFAULT_THRESHOLD))])
    at_default = float(net[np.flatnonzero(candidates == DEFAULT_THRESHOLD)[0]])
    curve = pd.DataFrame({"threshold": candidates, "net_usd_per_month": net})
    chosen_net = float(net[np.flatnonzero(candidates == chosen)[0]])
    return ThresholdResult(m.name, chosen, chosen_net, at_default, curve)


# --- price of accuracy points --------------------------------------------------------------------


def _points(metric: str, gap: float) -> float:
    """A metric difference in the unit spoken of: percentage points for percent metrics."""
    return gap * 100.0 if metric_info(metric).percent else gap


@dataclass(frozen=True)
class ResampledCells:
    """One pass of the study's bootstrap over the held-out rows, for every finished model.

    ``cells[model]``: per resample (rows) the mean amount of each cell of :func:`_cells` (columns),
    counted at ``thresholds`` for binary models; ``metric[model]``: the primary metric per
    resample. Error costs and value are linear in the cells, so their intervals under any prices
    are a matrix product away: changing a price never resamples again.
    """

    thresholds: dict[str, float | None]
    cells: dict[str, np.ndarray] = field(repr=False)
    metric: dict[str, np.ndarray] = field(repr=False)


class Resamples:
    """The resampled cells of one study, computed once per set of thresholds and kept (the most
    recent :data:`KEPT_RESAMPLES`). Drawing the resamples is what costs time on a large table
    (1,000 resamples of 20,000 held-out rows draw 20 million rows); keep one per study on screen.
    """

    def __init__(self, study: StudyResult) -> None:
        self.study = study
        self._kept: dict[tuple[tuple[str, float | None], ...], ResampledCells] = {}

    def get(self, thresholds: Mapping[str, float | None] | None = None) -> ResampledCells:
        study = self.study
        used = {m.name: (thresholds or {}).get(m.name) for m in study.ok_models}
        key = tuple(sorted(used.items()))
        if key not in self._kept:
            if len(self._kept) >= KEPT_RESAMPLES:
                del self._kept[next(iter(self._kept))]
            self._kept[key] = _resample(study, used)
        return self._kept[key]

    def metric(self) -> dict[str, np.ndarray]:
        """The primary metric per resample and model (the same whatever the thresholds)."""
        if not self._kept:
            return self.get().metric
        return next(reversed(self._kept.values())).metric


#: How many sets of thresholds a :class:`Resamples` keeps.
KEPT_RESAMPLES = 4


def _resample(study: StudyResult, thresholds: Mapping[str, float | None]) -> ResampledCells:
    statistics: dict[str, Callable[[np.ndarray], np.ndarray]] = {}
    y_eval = study.dataset.y[study.eval_index]
    used: dict[str, float | None] = {}
    blocks = []
    for m in study.ok_models:
        found = _cells(study, m, thresholds.get(m.name))
        if found is None or m.predictions is None:
            continue
        cells, amounts, n_cells, used[m.name] = found
        blocks.append((cells, amounts, n_cells))
        statistics[m.name] = weighted_metric(
            study.primary_metric, study.dataset.task, y_eval, m.predictions
        )
    if not blocks:
        return ResampledCells(used, {}, {})
    statistics[_CELLS] = weighted_cell_means(blocks)
    plan = Bootstrap(len(study.eval_index), study.config.n_resamples, study.config.seed)
    # Resamples of a small table may hold one class only: their metric is NaN (ignored by
    # percentile_ci), and numpy's warnings about them are expected.
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        samples = resample(plan, statistics)
    bounds = np.cumsum([0, *(n for _, _, n in blocks)])
    cells_by_model = {
        n: samples[_CELLS][:, a:b] for n, a, b in zip(used, bounds[:-1], bounds[1:], strict=True)
    }
    return ResampledCells(used, cells_by_model, {n: samples[n] for n in used})


_CELLS = "\0cells"  # the key of the cells statistic (no model is named so)


def _monthly_cost(model: ModelResult, inputs: BusinessInputs) -> float | None:
    """Serving plus training per month (USD) at the volume and prices of ``inputs``."""
    per_pred = serving_usd_per_prediction(model, inputs.usd_per_vcpu_hour, inputs.serving)
    training = training_usd_per_month(model, inputs)
    if per_pred is None or training is None:
        return None
    return per_pred * inputs.predictions_per_month + training


PRICE_COLUMNS = [
    "from",
    "to",
    "from_label",
    "to_label",
    "gain",
    "gain_ci_low",
    "gain_ci_high",
    "extra_latency_ms",
    "extra_latency_ms_per_point",
    "extra_size_mb",
    "extra_size_mb_per_point",
    "extra_usd_per_million",
    "extra_usd_per_million_per_point",
    "extra_usd_per_month",
    "extra_usd_per_month_per_point",
]


def price_of_points(
    study: StudyResult,
    *,
    axis: str = "latency_ms_p50",
    inputs: BusinessInputs | None = None,
    resamples: Resamples | None = None,
) -> pd.DataFrame:
    """What each step up the accuracy frontier costs per extra point of the primary metric.

    The frontier is :func:`core.pareto.frontier` of the primary metric against ``axis`` (any
    :data:`core.pareto.COST_AXES` key, e.g. ``"usd_per_million_predictions"`` for serving cost).
    One row per pair of consecutive frontier models (cheaper -> dearer): ``gain`` is the metric
    improvement (percentage points for percent metrics; positive means better) with its paired
    95% bootstrap interval (``gain_ci_low`` / ``_high``, NaN without held-out predictions), and
    each ``extra_*`` is the dearer model's cost minus the cheaper's, also divided by ``gain``
    (``*_per_point``; NaN when the gain is 0 or a cost is unknown). ``extra_usd_per_month`` is
    serving plus training per month at ``inputs`` (NaN when ``inputs`` is not given).
    """
    if axis not in COST_AXES:
        raise ConfigError(f"Unknown cost axis '{axis}'. Choose from: {', '.join(COST_AXES)}.")
    metric = study.primary_metric
    sign = 1.0 if metric_info(metric).higher_is_better else -1.0
    names = frontier(study.models, metric, axis)
    samples = (resamples or Resamples(study)).metric() if len(names) > 1 else {}
    rows = []
    for a_name, b_name in itertools.pairwise(names):
        a, b = study.model(a_name), study.model(b_name)
        gain = _points(metric, sign * (b.metrics[metric] - a.metrics[metric]))
        low = high = math.nan
        if a_name in samples and b_name in samples:
            low, high = (
                _points(metric, sign * v) for v in percentile_ci(samples[b_name] - samples[a_name])
            )
            low, high = min(low, high), max(low, high)
        row: dict[str, object] = {
            "from": a.name,
            "to": b.name,
            "from_label": a.label,
            "to_label": b.label,
            "gain": gain,
            "gain_ci_low": low,
            "gain_ci_high": high,
        }
        costs: list[tuple[str, float | None, float | None]] = [
            (col, cost_value(a, field_name), cost_value(b, field_name))
            for col, field_name in (
                ("extra_latency_ms", "latency_ms_p50"),
                ("extra_size_mb", "size_bytes"),
                ("extra_usd_per_million", "usd_per_million_predictions"),
            )
        ]
        if inputs is None:
            costs.append(("extra_usd_per_month", None, None))
        else:
            costs.append(
                ("extra_usd_per_month", _monthly_cost(a, inputs), _monthly_cost(b, inputs))
            )
        for col, ca, cb in costs:
            extra = math.nan if ca is None or cb is None else cb - ca
            row[col] = extra
            row[f"{col}_per_point"] = extra / gain if gain > 0 else math.nan
        rows.append(row)
    return pd.DataFrame(rows, columns=PRICE_COLUMNS)


def price_of_points_sentence(
    study: StudyResult,
    *,
    axis: str = "latency_ms_p50",
    inputs: BusinessInputs | None = None,
    table: pd.DataFrame | None = None,
) -> str:
    """One sentence per frontier step, e.g. "From Logistic regression to XGBoost (small): +2.1
    points of accuracy (95% CI +0.4 to +3.9), each point costing 0.31 ms of latency, 0.2 MB and
    $12 a month."; money is per month with ``inputs``, else per million predictions. Pass the
    ``table`` of :func:`price_of_points` to avoid computing it again."""
    if table is None:
        table = price_of_points(study, axis=axis, inputs=inputs)
    info = metric_info(study.primary_metric)
    if table.empty:
        return (
            f"No model buys more {info.words} for a higher {COST_AXES[axis].label}: "
            "the cheapest model on the frontier is also the most accurate."
        )
    unit = " points" if info.percent else (f" {info.unit}" if info.unit else "")
    each = f"each point of {info.words}" if info.percent else f"each unit of {info.words}"
    money_unit = "a month" if inputs is not None else "per million predictions"
    out = []
    for row in table.to_dict("records"):
        money = _number(
            row["extra_usd_per_month_per_point" if inputs else "extra_usd_per_million_per_point"]
        )
        costs: list[tuple[float, str]] = []
        for value, say in (
            (_number(row["extra_latency_ms_per_point"]), lambda v: f"{format_ms(v)} of latency"),
            (_number(row["extra_size_mb_per_point"]), format_mb),
            (money, lambda v: f"{format_usd(v)} {money_unit}"),
        ):
            if value is not None:
                costs.append((value, say(abs(value))))
        dearer = [t for v, t in costs if v > 0]
        cheaper = [t for v, t in costs if v < 0]
        cost_text = ""
        if dearer:
            cost_text = f", {each} costing {join_words(dearer)}"
            cost_text += f", while saving {join_words(cheaper)}" if cheaper else ""
        elif cheaper:
            cost_text = f", and {each} saves {join_words(cheaper)}"
        low, high = _number(row["gain_ci_low"]), _number(row["gain_ci_high"])
        ci = ""
        if low is not None and high is not None:
            doubt = "" if low > 0 else ": not a clear gain"
            ci = f" (95% CI {_signed_points(low)} to {_signed_points(high)}{doubt})"
        gain = float(row["gain"])
        out.append(
            f"From {row['from_label']} to {row['to_label']}: {info.words} improves by "
            f"{format_number(gain)}{unit}{ci}{cost_text}."
        )
    return " ".join(out)


def _number(value: object) -> float | None:
    """A finite number as a float, else ``None`` (NaN marks an unknown cost in the tables)."""
    if isinstance(value, int | float | np.number) and math.isfinite(float(value)):
        return float(value)
    return None


def _signed_points(value: float) -> str:
    return format_number(value, signed=True)


# --- neural verdict ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """Best neural model vs best non-neural model on the primary metric.

    ``difference`` is neural minus other (metric units; percentage points for percent metrics),
    with its paired 95% bootstrap interval on the held-out rows. Ratios are neural / other
    (> 1: the neural model costs more). ``justified`` is true only if the neural model is
    significantly better; ``sentence`` says it in plain words.
    """

    neural: str
    other: str
    metric: str
    difference: float
    ci_low: float
    ci_high: float
    latency_ratio: float | None
    size_ratio: float | None
    train_ratio: float | None
    justified: bool
    sentence: str
    #: Clear against the best other model alone, but statistically tied with it once all the
    #: models are compared (the tie set): not justified.
    tied_once_all_compared: bool = False


def _judged(a: ModelResult, b: ModelResult, axis: str) -> float | None:
    """``a``'s cost over ``b``'s (:func:`core.decision.cost_ratio`): exactly 1 when its 95%
    interval holds 1 (no claim), ``None`` when it cannot be judged."""
    ratio = cost_ratio(a, b, axis)
    if not ratio.known:
        return None
    return ratio.value if ratio.clear else 1.0


def _ratio(a: float | None, b: float | None) -> float | None:
    if not a or not b or a <= 0 or b <= 0:
        return None
    return float(a) / float(b)


def _cost_phrases(v: Verdict) -> tuple[list[str], list[str]]:
    """(what the neural model costs more, what it costs less), as phrases."""
    dearer, cheaper = [], []
    for ratio, more, less in (
        (v.latency_ratio, "slower", "faster"),
        (v.size_ratio, "larger", "smaller"),
        (v.train_ratio, "slower to train", "quicker to train"),
    ):
        if ratio is None:
            continue
        if ratio >= 1.5:
            dearer.append(f"{format_times(ratio)} {more}")
        elif ratio <= 1 / 1.5:
            cheaper.append(f"{format_times(1 / ratio)} {less}")
    return dearer, cheaper


def neural_verdict(study: StudyResult, resamples: Resamples | None = None) -> Verdict | None:
    """Is the best neural network worth it against the best other model? ``None`` when no
    neural model (or no other model) finished with held-out predictions."""
    metric = study.primary_metric
    info = metric_info(metric)
    usable = [m for m in study.ok_models if m.predictions is not None and metric in m.metrics]
    neural = best_model([m for m in usable if m.neural], metric)
    other = best_model([m for m in usable if not m.neural], metric)
    if neural is None or other is None:
        return None
    samples = (resamples or Resamples(study)).metric()
    low, high = percentile_ci(samples[neural.name] - samples[other.name])
    diff = _points(metric, neural.metrics[metric] - other.metrics[metric])
    low, high = _points(metric, low), _points(metric, high)
    sign = 1.0 if info.higher_is_better else -1.0
    clear = sign * diff > 0 and (low > 0 if sign > 0 else high < 0)
    # The decision's own test (core.decision): deep learning is taken only when the best other
    # model is out of the tie set, judged for all the models at once.
    tied = clear and tied_with_best(other)
    verdict = Verdict(
        neural=neural.name,
        other=other.name,
        metric=metric,
        difference=diff,
        ci_low=low,
        ci_high=high,
        latency_ratio=_judged(neural, other, "latency_ms_p50"),
        size_ratio=_ratio(neural.size_bytes, other.size_bytes),
        train_ratio=_judged(neural, other, "train_cpu_s"),
        justified=clear and not tied,
        sentence="",
        tied_once_all_compared=tied,
    )
    sentence = _verdict_sentence(verdict, neural.label, other.label)
    return replace(verdict, sentence=sentence)


def _verdict_sentence(v: Verdict, neural_label: str, other_label: str) -> str:
    info = metric_info(v.metric)
    sign = 1.0 if info.higher_is_better else -1.0
    size = abs(v.difference)
    if info.percent:
        amount = f"{size:.1f} points {'more' if sign * v.difference >= 0 else 'less'} accurate"
        ci = f"CI {v.ci_low:+.1f} to {v.ci_high:+.1f}".replace("-", "−")
    else:
        unit = f" {info.unit}" if info.unit else ""
        word = "better" if sign * v.difference >= 0 else "worse"
        amount = f"{format_number(size)}{unit} {word} on {info.label}"
        ci = f"CI {format_range(v.ci_low, v.ci_high, signed=True)}"
    dearer, cheaper = _cost_phrases(v)
    who = f"The neural network ({neural_label}, against {other_label})"
    if v.justified and not dearer:
        extra = f" and {join_words(cheaper)}" if cheaper else ""
        return f"{who} is justified: it is {amount} ({ci}){extra}."
    if v.justified:
        return f"{who} is justified only if {amount} ({ci}) is worth being {join_words(dearer)}."
    if not dearer and cheaper:
        return (
            f"{who} is a reasonable choice: it is {amount} ({ci}), a difference within the "
            f"uncertainty or against it, and {join_words(cheaper)}."
        )
    cost_text = f" and {join_words(dearer)}" if dearer else ""
    if v.tied_once_all_compared:
        costs = f", and it is {join_words(dearer)}" if dearer else ""
        return (
            f"{who} is not justified: it is {amount} ({ci}) against {other_label} alone, but "
            f"statistically tied with it once all the models are compared{costs}."
        )
    return f"{who} is not justified: it is {amount} ({ci}){cost_text}."


# --- break-even volume ---------------------------------------------------------------------------

BreakEvenKind = Literal["above", "below", "always", "never", "same"]
#: Monthly volumes above this (ten billion a month) are said to be beyond any real traffic.
UNREALISTIC_VOLUME = 1e10


@dataclass(frozen=True)
class BreakEven:
    """The monthly volume at which ``model`` starts (or stops) paying for itself over
    ``baseline`` (the simple baseline).

    Monthly gain at volume V is ``V * (extra_value_usd_per_prediction -
    extra_serving_usd_per_prediction) - extra_training_usd_per_month``. ``kind``: ``"above"``
    (pays above ``predictions_per_month``), ``"below"`` (pays only below it), ``"always"``,
    ``"never"``, ``"same"`` (the model is the baseline or no better nor dearer).
    """

    model: str
    baseline: str
    kind: BreakEvenKind
    predictions_per_month: float | None
    extra_value_usd_per_prediction: float
    extra_serving_usd_per_prediction: float
    extra_training_usd_per_month: float
    sentence: str


def break_even(
    study: StudyResult,
    inputs: BusinessInputs | None = None,
    model: str | None = None,
    *,
    threshold: float | None = None,
    thresholds: Mapping[str, float] | None = None,
) -> BreakEven:
    """Volume above which ``model`` (the decision's pick, usually) earns back its extra
    serving and training cost over the simple baseline through fewer costly errors (or more
    value). Per-prediction value uses the held-out rows as in :func:`economics` (binary models
    at ``threshold``, or their own in ``thresholds``)."""
    inputs = inputs or BusinessInputs()
    name = model or study.decision.industry
    if name is None:
        raise ConfigError(
            "There is no recommended model to weigh against the baseline. Pick a model."
        )
    m = study.model(name)
    base = study.model(cand.SIMPLE_BASELINE)
    if not m.ok or not base.ok:
        bad = m if not m.ok else base
        raise ConfigError(f"{bad.label} did not finish, so its costs are unknown.")
    pieces = []
    for r in (m, base):
        err, val, _ = _per_row(study, r, inputs, (thresholds or {}).get(r.name, threshold))
        serve = serving_usd_per_prediction(r, inputs.usd_per_vcpu_hour, inputs.serving)
        train = training_usd_per_month(r, inputs)
        if err is None or val is None or serve is None or train is None:
            raise ConfigError(
                f"{r.label} lacks held-out predictions or measured costs, so a break-even "
                "volume cannot be computed. Re-run the study."
            )
        pieces.append((val - err, serve, train))
    (v_m, s_m, t_m), (v_b, s_b, t_b) = pieces
    dv, ds, dt = v_m - v_b, s_m - s_b, t_m - t_b
    margin = dv - ds  # net gain per prediction
    kind: BreakEvenKind
    volume: float | None = None
    if m.name == base.name or (abs(margin) < 1e-15 and abs(dt) < 1e-12):
        kind = "same"
    elif margin > 0 and dt <= 0:
        kind = "always"
    elif margin <= 0 and dt >= 0:
        kind = "never"
    elif margin > 0:
        kind, volume = "above", dt / margin
    else:
        kind, volume = "below", dt / margin
    sentence = _break_even_sentence(kind, volume, m.label, base.label, dv, ds, dt)
    return BreakEven(m.name, base.name, kind, volume, dv, ds, dt, sentence)


def _break_even_sentence(
    kind: BreakEvenKind,
    volume: float | None,
    label: str,
    base: str,
    dv: float,
    ds: float,
    dt: float,
) -> str:
    per_m = f"{format_usd(dv * 1e6)} per million predictions in fewer error costs"
    if kind == "same" and label == base:
        return f"{label} is the simple baseline itself, so there is nothing to earn over it."
    if kind == "same":
        return f"{label} is no different in cost or value from {base}: there is nothing to earn."
    if kind == "always" and abs(dv) < 1e-12:
        return (
            f"{label} pays at any volume, if only a little: its errors cost the same as those of "
            f"{base}, and it costs no more to serve and train."
        )
    if kind == "always":
        return (
            f"{label} pays at any volume: it saves {per_m} over {base} and costs no more to "
            "serve and train."
        )
    if kind == "never":
        return (
            f"{label} never pays over {base}: its errors cost no less per prediction once "
            f"serving is counted ({format_usd(dv * 1e6)} value vs {format_usd(ds * 1e6)} extra "
            "serving per million predictions), and it costs no less to train."
        )
    assert volume is not None
    if kind == "above":
        far = " (far beyond any real traffic)" if volume > UNREALISTIC_VOLUME else ""
        return (
            f"{label} pays for itself above {format_count(volume)} predictions a month{far}: it "
            f"saves {per_m} over {base}, and that covers its extra {format_usd(dt)} of training "
            "per month from that volume on."
        )
    return (
        f"{label} pays only below {format_count(volume)} predictions a month: it is cheaper to "
        f"train than {base} by {format_usd(-dt)} per month, but each prediction costs more net "
        "of errors."
    )


# --- the whole business case ---------------------------------------------------------------------


@dataclass(frozen=True)
class BusinessCase:
    """Everything the Business case page and the report show, from one study and one set of
    inputs: each model's money per month, the binary threshold curves, the price of the last
    point, the neural verdict and the break-even of ``model`` against the simple baseline.

    ``tuned``: each binary model is judged at its own best threshold (found on the held-out rows,
    so its net value there is slightly optimistic) instead of 0.5. ``break_even`` is ``None`` when
    it cannot be computed; ``break_even_problem`` then says why.
    """

    inputs: BusinessInputs
    rows: tuple[ModelEconomics, ...]
    thresholds: dict[str, ThresholdResult]
    tuned: bool
    model: str | None
    break_even: BreakEven | None
    break_even_problem: str
    price_axis: str
    price_table: pd.DataFrame = field(repr=False)
    price_sentence: str
    verdict: Verdict | None

    def row(self, name: str) -> ModelEconomics:
        for r in self.rows:
            if r.name == name:
                return r
        raise ConfigError(f"No model '{name}' in this business case.")


def usd_interval(low: float | None, high: float | None, *, signed: bool = False) -> str:
    """The interval in words, " (95% CI $a to $b)"; empty when a bound is unknown."""
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return ""
    return f" (95% CI {format_usd(low, signed=signed)} to {format_usd(high, signed=signed)})"


def business_case(
    study: StudyResult,
    inputs: BusinessInputs | None = None,
    *,
    tune_thresholds: bool = False,
    model: str | None = None,
    price_axis: str = "latency_ms_p50",
    resamples: Resamples | None = None,
) -> BusinessCase:
    """The business case of ``study`` at ``inputs``: one call for a page.

    ``model`` is the model weighed against the simple baseline for the break-even (default: the
    decision's pick for the study's own choices, else the academic pick). ``price_axis`` is the
    cost axis whose accuracy frontier the price of the last point walks up. ``resamples``: the
    study's :class:`Resamples`, kept by the caller so that a change of price or volume never
    resamples.
    """
    inputs = inputs or BusinessInputs()
    resamples = resamples or Resamples(study)
    thresholds: dict[str, ThresholdResult] = {}
    if study.dataset.task == "binary" and len(study.eval_index):
        for m in study.ok_models:
            if m.predictions is not None and m.predictions.proba is not None:
                thresholds[m.name] = best_threshold(study, m, inputs)
    chosen = {n: t.threshold for n, t in thresholds.items()} if tune_thresholds else None
    rows = economics(study, inputs, thresholds=chosen, resamples=resamples)
    rec = study.decision if model is None else None
    names = {r.name for r in rows}
    pick = model if rec is None else (rec.industry or rec.academic)
    if pick is not None and pick not in names:
        pick = None
    result: BreakEven | None = None
    problem = ""
    if pick is None:
        problem = "There is no recommended model to weigh against the simple baseline."
    elif cand.SIMPLE_BASELINE not in names:
        problem = (
            "The simple baseline did not finish, so there is nothing to weigh a model against."
        )
    else:
        try:
            result = break_even(study, inputs, pick, thresholds=chosen)
        except ConfigError as exc:
            problem = str(exc)
    table = price_of_points(study, axis=price_axis, inputs=inputs, resamples=resamples)
    return BusinessCase(
        inputs=inputs,
        rows=tuple(rows),
        thresholds=thresholds,
        tuned=tune_thresholds,
        model=pick,
        break_even=result,
        break_even_problem=problem,
        price_axis=price_axis,
        price_table=table,
        price_sentence=price_of_points_sentence(study, axis=price_axis, inputs=inputs, table=table),
        verdict=neural_verdict(study, resamples),
    )
