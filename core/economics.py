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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from core import candidates as cand
from core.errors import ConfigError
from core.pareto import (
    COST_AXES,
    DEFAULT_USD_PER_VCPU_HOUR,
    USD_PER_VCPU_HOUR_SOURCE,
    best_model,
    cost_value,
    frontier,
)
from core.stats import Bootstrap, metric_info, metric_samples_by_model, percentile_ci

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
#: Every default with its source, for the screen.
SOURCES: dict[str, str] = {
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

    ``predictions_per_month``: monthly volume. ``usd_per_vcpu_hour``: compute price.
    ``retrains_per_month``: how often the model is retrained. Binary tasks:
    ``value_true_positive_usd`` (gain per caught positive, class code 1),
    ``cost_false_positive_usd``, ``cost_false_negative_usd``. Multiclass: ``cost_matrix`` maps
    ``(true label, predicted label)`` to USD; pairs not given cost
    :data:`DEFAULT_COST_PER_ERROR_USD` when wrong and 0 when right. Regression:
    ``usd_per_unit_error`` per unit of absolute error. Defaults and sources: :data:`SOURCES`.
    """

    predictions_per_month: float = DEFAULT_PREDICTIONS_PER_MONTH
    usd_per_vcpu_hour: float = DEFAULT_USD_PER_VCPU_HOUR
    retrains_per_month: float = DEFAULT_RETRAINS_PER_MONTH
    value_true_positive_usd: float = DEFAULT_VALUE_TRUE_POSITIVE_USD
    cost_false_positive_usd: float = DEFAULT_COST_FALSE_POSITIVE_USD
    cost_false_negative_usd: float = DEFAULT_COST_FALSE_NEGATIVE_USD
    cost_matrix: Mapping[tuple[str, str], float] | None = None
    usd_per_unit_error: float = DEFAULT_USD_PER_UNIT_ERROR

    def __post_init__(self) -> None:
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


# --- per-row building blocks ---------------------------------------------------------------------


def serving_usd_per_prediction(model: ModelResult, usd_per_vcpu_hour: float) -> float | None:
    """USD of one prediction on one vCPU: batch throughput, else single-row p50 latency."""
    if model.throughput_rows_per_s and model.throughput_rows_per_s > 0:
        return 1.0 / model.throughput_rows_per_s / 3600.0 * usd_per_vcpu_hour
    if model.latency_ms_p50 and model.latency_ms_p50 > 0:
        return model.latency_ms_p50 / 1000.0 / 3600.0 * usd_per_vcpu_hour
    return None


def training_usd_per_month(model: ModelResult, inputs: BusinessInputs) -> float | None:
    """USD of training per month: CPU-seconds of one retrain (``train_cpu_s`` plus the final
    refit with cross-validation, ``refit_s``) times retrains per month, at the vCPU price."""
    if model.train_cpu_s is None:
        return None
    cpu_s = model.train_cpu_s + (model.refit_s or 0.0)
    return cpu_s * inputs.retrains_per_month * inputs.usd_per_vcpu_hour / 3600.0


def binary_counts(
    y_true: np.ndarray, score: np.ndarray, threshold: float
) -> tuple[int, int, int, int]:
    """(TP, FP, FN, TN) when a row is called positive if ``score >= threshold``."""
    positive = y_true.astype(np.int64) == 1
    called = score >= threshold
    tp = int(np.sum(called & positive))
    fp = int(np.sum(called & ~positive))
    fn = int(np.sum(~called & positive))
    return tp, fp, fn, len(y_true) - tp - fp - fn


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


def _per_row(
    study: StudyResult, model: ModelResult, inputs: BusinessInputs, threshold: float | None
) -> tuple[float | None, float | None, float | None]:
    """Mean error cost and mean value per held-out row (USD), and the threshold used."""
    pred = model.predictions
    n = len(study.eval_index)
    if pred is None or n == 0:
        return None, None, None
    ds = study.dataset
    y = ds.y[study.eval_index]
    if ds.task == "regression":
        err = np.abs(pred.y_pred.astype(float) - y.astype(float))
        return float(err.mean()) * inputs.usd_per_unit_error, 0.0, None
    if ds.task == "multiclass":
        matrix = _cost_matrix(ds.classes, inputs)
        costs = matrix[y.astype(np.int64), pred.y_pred.astype(np.int64)]
        return float(costs.mean()), 0.0, None
    if pred.proba is not None:
        used = DEFAULT_THRESHOLD if threshold is None else _check_threshold(threshold)
        tp, fp, fn, _ = binary_counts(y, pred.proba[:, 1], used)
    else:  # no probabilities: the model's own labels
        used = None
        tp, fp, fn, _ = binary_counts(y, pred.y_pred.astype(float), 0.5)
    error = (fp * inputs.cost_false_positive_usd + fn * inputs.cost_false_negative_usd) / n
    return error, tp * inputs.value_true_positive_usd / n, used


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
    per_pred = serving_usd_per_prediction(model, inputs.usd_per_vcpu_hour)
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
    study: StudyResult, inputs: BusinessInputs | None = None, *, threshold: float | None = None
) -> list[ModelEconomics]:
    """Money per month of every finished model, in the study's order.

    Serving: ``predictions_per_month / throughput_rows_per_s / 3600 * usd_per_vcpu_hour`` (batch),
    or with the p50 single-row latency when throughput is missing. Training:
    :func:`training_usd_per_month`. Errors: the mean cost per held-out row times the volume --
    binary from the confusion counts at ``threshold`` (default 0.5) on the probability of class
    code 1; multiclass from the cost matrix over the predicted labels; regression mean absolute
    error times ``usd_per_unit_error``. Value: share of true positives times its value times the
    volume (binary only; 0 otherwise).
    """
    inputs = inputs or BusinessInputs()
    if threshold is not None:
        _check_threshold(threshold)
    return [_economics_of(study, m, inputs, threshold) for m in study.ok_models]


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
    per_pred = serving_usd_per_prediction(m, inputs.usd_per_vcpu_hour) or 0.0
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


def price_of_points(study: StudyResult, *, axis: str = "latency_ms_p50") -> pd.DataFrame:
    """What each step up the accuracy frontier costs per extra point of the primary metric.

    The frontier is :func:`core.pareto.frontier` of the primary metric against ``axis`` (any
    :data:`core.pareto.COST_AXES` key, e.g. ``"usd_per_million_predictions"`` for serving cost).
    One row per pair of consecutive frontier models (cheaper -> dearer): ``gain`` is the metric
    improvement (percentage points for percent metrics; positive means better), and each
    ``extra_*`` is the dearer model's cost minus the cheaper's, also divided by ``gain``
    (``*_per_point``; NaN when the gain is 0 or a cost is unknown).
    """
    if axis not in COST_AXES:
        raise ConfigError(f"Unknown cost axis '{axis}'. Choose from: {', '.join(COST_AXES)}.")
    metric = study.primary_metric
    sign = 1.0 if metric_info(metric).higher_is_better else -1.0
    names = frontier(study.models, metric, axis)
    rows = []
    for a_name, b_name in itertools.pairwise(names):
        a, b = study.model(a_name), study.model(b_name)
        gain = _points(metric, sign * (b.metrics[metric] - a.metrics[metric]))
        row: dict[str, object] = {
            "from": a.name,
            "to": b.name,
            "from_label": a.label,
            "to_label": b.label,
            "gain": gain,
        }
        for col, field_name in (
            ("extra_latency_ms", "latency_ms_p50"),
            ("extra_size_mb", "size_bytes"),
            ("extra_usd_per_million", "usd_per_million_predictions"),
        ):
            ca, cb = cost_value(a, field_name), cost_value(b, field_name)
            extra = math.nan if ca is None or cb is None else cb - ca
            row[col] = extra
            row[f"{col}_per_point"] = extra / gain if gain > 0 else math.nan
        rows.append(row)
    columns = [
        "from",
        "to",
        "from_label",
        "to_label",
        "gain",
        "extra_latency_ms",
        "extra_latency_ms_per_point",
        "extra_size_mb",
        "extra_size_mb_per_point",
        "extra_usd_per_million",
        "extra_usd_per_million_per_point",
    ]
    return pd.DataFrame(rows, columns=columns)


def price_of_points_sentence(study: StudyResult, *, axis: str = "latency_ms_p50") -> str:
    """One sentence per frontier step, e.g. "From Logistic regression to XGBoost (small): +2.1
    points of accuracy, each costing 0.31 ms of latency, 0.2 MB and $0.004 per million
    predictions."."""
    table = price_of_points(study, axis=axis)
    info = metric_info(study.primary_metric)
    if table.empty:
        return (
            f"No model buys more {info.label.lower()} for a higher {COST_AXES[axis].label}: "
            "the cheapest model on the frontier is also the most accurate."
        )
    unit = "points" if info.percent else (info.unit or "units")
    unit_one = "point" if info.percent else (info.unit or "unit")
    out = []
    for row in table.itertuples(index=False):
        costs = []
        for value, fmt in (
            (row.extra_latency_ms_per_point, "{:.3g} ms of latency"),
            (row.extra_size_mb_per_point, "{:.3g} MB"),
            (row.extra_usd_per_million_per_point, "${:.3g} per million predictions"),
        ):
            if isinstance(value, float) and math.isfinite(value):
                costs.append(fmt.format(value))
        cost_text = (
            f", each {unit_one} costing "
            + ", ".join(costs[:-1])
            + (" and " if len(costs) > 1 else "")
            + costs[-1]
            if costs
            else ""
        )
        out.append(
            f"From {row.from_label} to {row.to_label}: +{row.gain:.3g} {unit} of "
            f"{info.label.lower()}{cost_text}."
        )
    return " ".join(out)


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


def _ratio(a: float | None, b: float | None) -> float | None:
    if not a or not b or a <= 0 or b <= 0:
        return None
    return float(a) / float(b)


def _times(ratio: float) -> str:
    return f"{ratio:.0f}×" if ratio >= 10 else f"{ratio:.1f}×"


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
            dearer.append(f"{_times(ratio)} {more}")
        elif ratio <= 1 / 1.5:
            cheaper.append(f"{_times(1 / ratio)} {less}")
    return dearer, cheaper


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def neural_verdict(study: StudyResult) -> Verdict | None:
    """Is the best neural network worth it against the best other model? ``None`` when no
    neural model (or no other model) finished with held-out predictions."""
    metric = study.primary_metric
    info = metric_info(metric)
    usable = [m for m in study.ok_models if m.predictions is not None and metric in m.metrics]
    neural = best_model([m for m in usable if m.neural], metric)
    other = best_model([m for m in usable if not m.neural], metric)
    if neural is None or other is None:
        return None
    assert neural.predictions is not None
    assert other.predictions is not None
    y_eval = study.dataset.y[study.eval_index]
    plan = Bootstrap(len(study.eval_index), study.config.n_resamples, study.config.seed)
    samples = metric_samples_by_model(
        metric,
        study.dataset.task,
        y_eval,
        {"neural": neural.predictions, "other": other.predictions},
        plan,
    )
    low, high = percentile_ci(samples["neural"] - samples["other"])
    diff = _points(metric, neural.metrics[metric] - other.metrics[metric])
    low, high = _points(metric, low), _points(metric, high)
    sign = 1.0 if info.higher_is_better else -1.0
    better = sign * diff > 0 and (low > 0 if sign > 0 else high < 0)
    verdict = Verdict(
        neural=neural.name,
        other=other.name,
        metric=metric,
        difference=diff,
        ci_low=low,
        ci_high=high,
        latency_ratio=_ratio(neural.latency_ms_p50, other.latency_ms_p50),
        size_ratio=_ratio(neural.size_bytes, other.size_bytes),
        train_ratio=_ratio(neural.train_s, other.train_s),
        justified=better,
        sentence="",
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
        amount = f"{size:.3g}{unit} {word} on {info.label}"
        ci = f"CI {v.ci_low:+.3g} to {v.ci_high:+.3g}".replace("-", "−")
    dearer, cheaper = _cost_phrases(v)
    who = f"The neural network ({neural_label}, against {other_label})"
    if v.justified and not dearer:
        extra = f" and {_join(cheaper)}" if cheaper else ""
        return f"{who} is justified: it is {amount} ({ci}){extra}."
    if v.justified:
        return f"{who} is justified only if {amount} ({ci}) is worth being {_join(dearer)}."
    if not dearer and cheaper:
        return (
            f"{who} is a reasonable choice: it is {amount} ({ci}), a difference within the "
            f"uncertainty or against it, and {_join(cheaper)}."
        )
    cost_text = f" and {_join(dearer)}" if dearer else ""
    return f"{who} is not justified: it is {amount} ({ci}){cost_text}."


# --- break-even volume ---------------------------------------------------------------------------

BreakEvenKind = Literal["above", "below", "always", "never", "same"]


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
) -> BreakEven:
    """Volume above which ``model`` (default: the industry recommendation) earns back its extra
    serving and training cost over the simple baseline through fewer costly errors (or more
    value). Per-prediction value uses the held-out rows as in :func:`economics`."""
    inputs = inputs or BusinessInputs()
    name = model or study.recommendation.industry
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
        err, val, _ = _per_row(study, r, inputs, threshold)
        serve = serving_usd_per_prediction(r, inputs.usd_per_vcpu_hour)
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


def _usd(x: float) -> str:
    return f"${x:,.2f}" if abs(x) >= 0.01 else f"${x:.2g}"


def _break_even_sentence(
    kind: BreakEvenKind,
    volume: float | None,
    label: str,
    base: str,
    dv: float,
    ds: float,
    dt: float,
) -> str:
    per_m = f"{_usd(dv * 1e6)} per million predictions in fewer error costs"
    if kind == "same":
        return f"{label} is no different in cost or value from {base}: there is nothing to earn."
    if kind == "always":
        return (
            f"{label} pays at any volume: it saves {per_m} over {base} and costs no more to "
            "serve and train."
        )
    if kind == "never":
        return (
            f"{label} never pays over {base}: its errors cost no less per prediction once "
            f"serving is counted ({_usd(dv * 1e6)} value vs {_usd(ds * 1e6)} extra serving per "
            "million predictions), and it costs no less to train."
        )
    assert volume is not None
    if kind == "above":
        return (
            f"{label} pays for itself above {volume:,.0f} predictions a month: it saves "
            f"{per_m} over {base}, and that covers its extra {_usd(dt)} of training per month "
            "from that volume on."
        )
    return (
        f"{label} pays only below {volume:,.0f} predictions a month: it is cheaper to train "
        f"than {base} by {_usd(-dt)} per month, but each prediction costs more net of errors."
    )
