"""The one decision every page shows: which model to serve, and why, in one sentence with numbers.

:func:`decide` is the only place a pick is made. The sidebar, every page, the report, the CLI and
``results.json`` show the :class:`Decision` it returns for the study and the user's
:class:`Choices`; none of them picks a model of its own.

**Academic lens**: the model with the best point value of the primary metric, whatever it costs.

**Industry lens**, on one named cost (p50 or p95 latency, batch or online $ per million
predictions, batch throughput, model size, training CPU-seconds):

1. No model beats the dummy baseline (simultaneously, :mod:`core.claims`): no pick, "don't ship a
   model yet".
2. Only models that beat the dummy and fit the budgets compete; none: no pick, and the closest
   is named with what it breaks.
3. The *top* is the most accurate of them (the academic pick when it fits the budgets).
4. Another model replaces the top only if it is (a) in the tie set (statistically tied with the
   best), (b) within the accuracy the user would give up (``tolerance``: points of a percentage
   metric or of R², else percent of the top's error), (c) within the budgets and (d) cheaper on
   the named cost by at least ``materiality`` (20% by default) with the interval of the paired
   cost ratio below 1 at a Bonferroni level over the candidates. Otherwise the top is the pick,
   and the sentence says why.
5. Among the models that qualify, the cheapest on the named cost; every one whose cost is not
   clearly different from it (its ratio's interval holds 1) is tied with it on cost, and of
   those the most accurate is the pick, at equal accuracy the simplest in the ladder's order
   (dummy, simple baseline, interpretable models, ensembles by size, neural networks): never
   the noise.
6. A qualifying model more accurate than the pick and clearly cheaper than it (95%) would beat
   the star on both axes of its chart: it is taken instead.
7. A neural network at the top gives way to the most accurate simpler model tied with the best
   and within the tolerance (deep learning must be clearly better to be worth it), unless the
   network itself qualifies as a saving against it.

**Net value per month**, once the user has given their business numbers: among the models that
beat the dummy and fit the budgets, those whose net value is statistically tied with the highest
(paired bootstrap, simultaneous; negligible differences count as ties) form the tie set; the
simplest of them is the pick, unless a model of the set is worth more and is also more accurate
or cheaper to serve: it would beat the star on both axes of the Trade-offs or Business chart.

How each cost ratio gets its interval (:func:`cost_ratio`): latency p50, online cost (the mean
single-row latency) and batch throughput / batch cost are paired by latency round
(:func:`core.measure.paired_ratio`); p95 latency from the two order-statistic intervals (the
ratio is clear only when they do not overlap); model size is exact (byte-stable files); training
CPU-seconds are measured once per model, so each carries :data:`TRAIN_CPU_LOG_SD` of
run-to-run noise on the log scale.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from core import candidates as cand
from core.claims import versus_best_of
from core.errors import ConfigError
from core.measure import normal_quantile, paired_ratio
from core.pareto import (
    AXES,
    COST_AXES,
    NET_VALUE,
    Budgets,
    CostAxis,
    NetValued,
    best_model,
    cost_value,
    format_gap,
    format_metric,
    selection_phrase,
    tied_with_best,
)
from core.runtimes import (
    DEFAULT_RUNTIME_MODE,
    RUNTIME_LABELS,
    RUNTIME_MODES,
    Served,
    compiled,
    runtime_of,
    runtime_sentence,
    served_study,
    unserved,
)
from core.stats import CONFIDENCE, metric_info
from core.units import (
    format_count,
    format_cpu_s,
    format_mb,
    format_ms,
    format_range,
    format_times,
    format_usd,
    join_words,
)

if TYPE_CHECKING:
    from core.economics import BusinessInputs, ModelEconomics, Resamples
    from core.study import ModelResult, StudyResult

#: The cost the industry lens saves on until the user names another: the typical time to answer
#: one request, the best-measured of the costs (paired by round).
DEFAULT_COST = "latency_ms_p50"
#: Every cost a decision can be made on: the measured ones and net value per month
#: (:data:`core.pareto.NET_VALUE`, from the user's business numbers).
DECISION_COSTS: dict[str, CostAxis] = AXES
#: The accuracy a user gives up by default for a cheaper model: 1 point of a percentage metric
#: or of R², or 1% more error for MAE, RMSE and log loss.
DEFAULT_TOLERANCE = 1.0
#: A saving must be at least this share of the top model's cost (the cost ratio at most 0.8).
DEFAULT_MATERIALITY = 0.20
#: Run-to-run spread of one CPU-time measurement of a fit, on the log scale. Refitting the
#: German credit ladder 8 times on one thread gave 0.02-0.07 for most models and 0.19 for one;
#: one measurement per model in a study is taken to carry 0.15.
TRAIN_CPU_LOG_SD = 0.15
#: A ratio is written as "N×" only from this far from 1; closer, "about as fast".
STATED_RATIO = 1.1
#: Net values closer than $1 a month, or 0.1% of the larger, are practically the same: measured
#: serving costs differ by fractions of a cent between models that predict alike.
NEGLIGIBLE_USD_PER_MONTH = 1.0
NEGLIGIBLE_SHARE = 0.001
#: Metrics whose tolerance is in points (hundredths); the others' is a percent of the top's error.
_POINT_METRICS = ("accuracy", "balanced_accuracy", "f1_macro", "roc_auc", "r2")

Kind = Literal[
    "best",
    "saving",
    "within_budgets",
    "not_neural",
    "net_value",
    "no_signal",
    "no_fit",
    "nothing",
]


@dataclass(frozen=True)
class Choices:
    """What the user decides with: the named ``cost`` (a key of :data:`DECISION_COSTS`), the
    accuracy they would give up (``tolerance``, see :data:`DEFAULT_TOLERANCE`), the least saving
    worth having (``materiality``, a share), the ``budgets``, and for :data:`NET_VALUE` their
    ``business`` numbers (with ``tune_thresholds`` for yes/no targets)."""

    cost: str = DEFAULT_COST
    tolerance: float = DEFAULT_TOLERANCE
    materiality: float = DEFAULT_MATERIALITY
    budgets: Budgets = field(default_factory=Budgets)
    business: BusinessInputs | None = None
    tune_thresholds: bool = False
    #: How models are served (:data:`core.runtimes.RUNTIME_MODES`): from scikit-learn, from
    #: ONNX Runtime where they compile, or each from the cheaper of the two.
    runtime: str = DEFAULT_RUNTIME_MODE

    def __post_init__(self) -> None:
        if self.runtime not in RUNTIME_MODES:
            raise ConfigError(
                f"The runtime must be one of {', '.join(RUNTIME_MODES)}; got {self.runtime!r}."
            )
        if self.cost not in DECISION_COSTS:
            raise ConfigError(
                f"The cost to decide on must be one of {', '.join(DECISION_COSTS)}; got "
                f"{self.cost!r}."
            )
        if self.cost == NET_VALUE and self.business is None:
            raise ConfigError(
                "Net value per month needs your business numbers: enter the value of a right "
                "answer and the cost of each kind of error on the Business case page."
            )
        if not (isinstance(self.tolerance, int | float) and 0 <= self.tolerance < math.inf):
            raise ConfigError(
                f"The accuracy you would give up must be zero or more; got {self.tolerance!r}."
            )
        if not (isinstance(self.materiality, int | float) and 0 <= self.materiality < 1):
            raise ConfigError(
                "The least saving worth having must be a share from 0 to under 1 (0.2 is 20%); "
                f"got {self.materiality!r}."
            )


@dataclass(frozen=True)
class Ratio:
    """How many times model ``a``'s cost on ``axis`` is model ``b``'s (above 1: ``a`` costs
    more; for throughput, the cost is its inverse), with its interval. ``low``/``high`` are NaN
    when the figures to judge it are missing."""

    axis: str
    a: str
    b: str
    value: float
    low: float
    high: float

    @property
    def known(self) -> bool:
        return math.isfinite(self.value) and math.isfinite(self.low) and math.isfinite(self.high)

    @property
    def clear(self) -> bool:
        """The interval excludes 1: the two costs truly differ."""
        return self.known and (self.high < 1 or self.low > 1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "axis": self.axis,
            "model": self.a,
            "versus": self.b,
            "ratio": self.value,
            "ci_low": self.low,
            "ci_high": self.high,
            "clear": self.clear,
        }


@dataclass(frozen=True)
class Decision:
    """The pick and why. ``industry`` is the model to serve (``None``: don't ship one, ``kind``
    says why); ``academic`` the best metric whatever it costs. ``reference`` is the model the
    sentence compares the pick with, and ``ratios`` those comparisons on every cost (the
    figures of the sentence)."""

    industry: str | None
    academic: str | None
    kind: Kind
    cost: str
    sentence: str
    academic_sentence: str
    choices: Choices
    reference: str | None = None
    ratios: tuple[Ratio, ...] = ()
    #: Net value mode: every model's net value per month and its 95% interval, by name.
    net_values: tuple[tuple[str, float, float, float], ...] = ()
    #: The runtime each trained model is served with under ``choices.runtime``, by name.
    runtimes: tuple[tuple[str, str], ...] = ()

    @property
    def runtime(self) -> str | None:
        """The runtime the pick is served with (``None`` without a pick)."""
        return self.runtime_for(self.industry) if self.industry else None

    def runtime_for(self, name: str) -> str:
        return dict(self.runtimes).get(name, "sklearn")

    @property
    def pick(self) -> str | None:
        return self.industry

    @property
    def net_usd_per_month(self) -> tuple[float, float, float] | None:
        """Net value mode: the pick's net value per month and its 95% interval."""
        found = [v for v in self.net_values if v[0] == self.industry]
        return found[0][1:] if found else None

    @property
    def cost_label(self) -> str:
        return DECISION_COSTS[self.cost].label

    @property
    def based_on_business(self) -> bool:
        return self.cost == NET_VALUE

    @property
    def budgets(self) -> Budgets:
        return self.choices.budgets

    def to_dict(self) -> dict[str, Any]:
        """The ``recommendation`` of ``results.json``: the same figures as the sentence."""
        return {
            "academic": self.academic,
            "industry": self.industry,
            "kind": self.kind,
            "cost": self.cost,
            "cost_label": self.cost_label,
            "sentence": self.sentence,
            "academic_sentence": self.academic_sentence,
            "budgets": self.budgets.to_dict(),
            "tolerance": self.choices.tolerance,
            "materiality": self.choices.materiality,
            "based_on_business_numbers": self.based_on_business,
            "reference": self.reference,
            "ratios": [r.to_dict() for r in self.ratios],
            "net_usd_per_month": None
            if self.net_usd_per_month is None
            else dict(zip(("value", "ci_low", "ci_high"), self.net_usd_per_month, strict=True)),
            "runtime_mode": self.choices.runtime,
            "runtime": self.runtime,
            "runtime_label": None if self.runtime is None else RUNTIME_LABELS[self.runtime],
            "runtimes": dict(self.runtimes),
        }


# --- cost ratios ---------------------------------------------------------------------------------


def _rounds(model: Any, name: str) -> list[float] | None:
    values = getattr(model, name, None)
    return [float(v) for v in values] if values is not None and len(values) >= 2 else None


def cost_ratio(a: Any, b: Any, axis: str, level: float = CONFIDENCE) -> Ratio:
    """``a``'s cost over ``b``'s on ``axis`` with its ``level`` interval (see the module's
    docstring for how each cost is judged). Unknown figures give NaN."""
    nan = math.nan
    if axis in ("latency_ms_p50", "usd_per_million_online_predictions"):
        field_name = "round_p50_ms" if axis == "latency_ms_p50" else "round_mean_ms"
        mine, theirs = _rounds(a, field_name), _rounds(b, field_name)
        if mine is None or theirs is None:
            return Ratio(axis, a.name, b.name, _point_ratio(a, b, axis), nan, nan)
        value, low, high = paired_ratio(mine, theirs, level)
        return Ratio(axis, a.name, b.name, value, low, high)
    if axis in ("throughput_rows_per_s", "usd_per_million_predictions"):
        mine, theirs = _rounds(a, "round_throughput"), _rounds(b, "round_throughput")
        if mine is None or theirs is None:
            return Ratio(axis, a.name, b.name, _point_ratio(a, b, axis), nan, nan)
        value, low, high = paired_ratio(theirs, mine, level)  # cost is 1 / throughput
        return Ratio(axis, a.name, b.name, value, low, high)
    if axis == "latency_ms_p95":
        value = _point_ratio(a, b, axis)
        ca, cb = a.latency_ms_p95_ci, b.latency_ms_p95_ci
        bounds = [*(ca or ()), *(cb or ())]
        if len(bounds) != 4 or not all(isinstance(v, int | float) for v in bounds):
            return Ratio(axis, a.name, b.name, value, nan, nan)
        if min(cb) <= 0 or not all(map(math.isfinite, bounds)):
            return Ratio(axis, a.name, b.name, value, nan, nan)
        return Ratio(axis, a.name, b.name, value, ca[0] / cb[1], ca[1] / cb[0])
    if axis == "size_bytes":
        value = _point_ratio(a, b, axis)
        return Ratio(axis, a.name, b.name, value, value, value)
    if axis == "train_cpu_s":
        value = _point_ratio(a, b, axis)
        half = normal_quantile(level) * math.sqrt(2) * TRAIN_CPU_LOG_SD
        return Ratio(axis, a.name, b.name, value, value * math.exp(-half), value * math.exp(half))
    raise ConfigError(f"Unknown cost '{axis}'. Choose from: {', '.join(COST_AXES)}.")


def _cost(model: Any, axis: str) -> float | None:
    """The model's cost on ``axis``, lower is cheaper (throughput inverted)."""
    value = cost_value(model, axis)
    if value is None or not math.isfinite(value) or value <= 0:
        return None
    return 1.0 / value if axis == "throughput_rows_per_s" else value


def _point_ratio(a: Any, b: Any, axis: str) -> float:
    ca, cb = _cost(a, axis), _cost(b, axis)
    return math.nan if ca is None or cb is None else ca / cb


# --- the decision --------------------------------------------------------------------------------


def allowed_gap(metric: str, top_value: float, tolerance: float) -> float:
    """The tolerance in the metric's own units: hundredths for points, else a share of the top
    model's error."""
    if metric in _POINT_METRICS:
        return tolerance / 100.0
    return abs(top_value) * tolerance / 100.0


def tolerance_text(metric: str, tolerance: float) -> str:
    """The tolerance in words: "1 point", "0.5 points of R²", "1% more error"."""
    amount = f"{tolerance:g}"
    if metric in _POINT_METRICS and metric_info(metric).percent:
        return f"{amount} point" + ("" if tolerance == 1 else "s")
    if metric in _POINT_METRICS:
        return f"{tolerance / 100:g} of {metric_info(metric).words}"  # "0.01 of R²"
    return f"{amount}% more {metric_info(metric).words}"


def tolerance_words(metric: str, tolerance: float) -> str:
    """The tolerance with its metric: "1 point of accuracy", "0.01 of R²", "1% more mean
    absolute error"."""
    text = tolerance_text(metric, tolerance)
    if metric in _POINT_METRICS and metric_info(metric).percent:
        return f"{text} of {metric_info(metric).words}"
    return text


def default_choices(study: StudyResult) -> Choices:
    """The choices a study is decided with before the user changes anything."""
    return Choices(budgets=study.config.budgets)


def decide(
    study: StudyResult,
    choices: Choices | None = None,
    *,
    resamples: Resamples | None = None,
) -> Decision:
    """The decision for ``study`` under ``choices`` (default: :func:`default_choices`), with
    every model served as ``choices.runtime`` serves it (:func:`core.runtimes.served_study`)."""
    choices = choices or default_choices(study)
    as_served = served(study, choices)
    decision = _decide(as_served, choices, resamples)
    runtimes = tuple((m.name, runtime_of(m)) for m in as_served.models if m.status == "ok")
    return replace(decision, runtimes=runtimes)


def served(study: StudyResult, choices: Choices) -> StudyResult:
    """``study`` as the decision under ``choices`` serves it: each model with the serving
    figures of its runtime, for the cost it is judged on."""
    serving = choices.business.serving if choices.business is not None else "online"
    return served_study(study, choices.runtime, choices.cost, choices.materiality, serving)


def _decide(study: StudyResult, choices: Choices, resamples: Resamples | None) -> Decision:
    metric = study.primary_metric
    words = metric_info(metric).words
    ok = [
        m
        for m in study.models
        if m.status == "ok" and math.isfinite(m.metrics.get(metric, math.nan))
    ]
    best = best_model(ok, metric)

    def empty(
        kind: Kind, sentence: str, academic: Any = None, academic_sentence: str = ""
    ) -> Decision:
        name = None if academic is None else academic.name
        return Decision(
            None, name, kind, choices.cost, sentence, academic_sentence or sentence, choices
        )

    if best is None:
        return empty(
            "nothing",
            "No model finished, so there is nothing to recommend. See each model's reason.",
        )
    academic_sentence = (
        f"{unserved(best).label} has the best {words}: "
        f"{format_metric(metric, best.metrics[metric])}{selection_phrase(best, metric)}."
    )
    beating = [m for m in ok if m.beats_baseline]
    if not beating:
        return empty("no_signal", no_signal_sentence(metric), best, academic_sentence)
    budgets = choices.budgets
    feasible = [m for m in beating if budgets.fits(m)]
    if not feasible:
        closest = min(beating, key=lambda m: len(budgets.violations(m)))
        sentence = (
            "No model that beats the dummy baseline fits the budgets. The closest, "
            f"{closest.label}, fails because its {'; '.join(budgets.violations(closest))}."
        )
        return empty("no_fit", sentence, best, academic_sentence)
    order = {m.name: i for i, m in enumerate(study.models)}
    if choices.cost == NET_VALUE:
        return _by_net_value(study, choices, feasible, best, order, academic_sentence, resamples)
    return _by_cost(study, choices, feasible, best, order, academic_sentence)


def no_signal_sentence(metric: str) -> str:
    """The decision when no model beats the dummy baseline, the same everywhere."""
    info = metric_info(metric)
    guess = (
        "always guessing the most common class"
        if info.classification
        else "always predicting the average"
    )
    return (
        f"Don't ship a model yet: no model predicts better than {guess} (the dummy baseline) "
        f"on {info.words}. Every difference is within the uncertainty, judged for all the models "
        "at once; the data may not hold a usable signal for this target, or it needs more rows."
    )


def _value(model: Any, metric: str) -> float:
    """The metric, signed so that higher is better."""
    sign = 1.0 if metric_info(metric).higher_is_better else -1.0
    return sign * float(model.metrics[metric])


def _by_cost(
    study: StudyResult,
    choices: Choices,
    feasible: Sequence[ModelResult],
    best: ModelResult,
    order: Mapping[str, int],
    academic_sentence: str,
) -> Decision:
    metric, axis = study.primary_metric, choices.cost
    # The anchor: the most accurate model within the budgets. Nothing gives up more than the
    # tolerance against it.
    anchor = best if best in feasible else max(feasible, key=lambda m: _value(m, metric))
    allowed = allowed_gap(metric, anchor.metrics[metric], choices.tolerance)

    def close(m: Any) -> bool:
        return _value(anchor, metric) - _value(m, metric) <= allowed + 1e-12

    top = anchor
    neural = _passed_over(anchor, [m for m in feasible if close(m)])
    if neural is not None:
        top = max(
            (m for m in feasible if close(m) and _simpler_tied(m)),
            key=lambda m: _value(m, metric),
        )
    # What may replace the top: tied with the best and within the tolerance; when a network
    # was passed over, only simpler models, and the network itself if it saves (then it pays).
    others = [
        m
        for m in feasible
        if m is not top
        and _cost(m, axis) is not None
        and (m is anchor or (tied_with_best(m) and close(m)))
        and (neural is None or m is neural or not getattr(m, "neural", False))
    ]
    level = 1 - (1 - CONFIDENCE) / max(len(others), 1)
    savers = []
    for m in others:
        r = cost_ratio(m, top, axis, level)
        if r.known and r.high < 1 and r.value <= 1 - choices.materiality:
            savers.append(m)
    pick = top
    if savers:
        pick = _cheapest(savers, axis, lambda m: _value(m, metric), order)
    kind: Kind = "saving" if pick is not top else ("best" if top is best else "within_budgets")
    if pick is top and neural is not None:
        kind = "not_neural"
    elif pick is neural:
        kind = "best" if neural is best else "within_budgets"
    reference = top if pick is not top else _nearest(top, others, axis, order)
    ratios = _ratios(pick, reference) if reference is not None else ()
    sentence = _cost_sentence(
        study, choices, pick, top, best, reference, ratios, kind, level, len(others), neural
    )
    if neural is not None and pick is not neural:
        sentence = _neural_words(neural, top, metric) + sentence
    sentence += runtime_sentence(pick, axis)
    return Decision(
        pick.name,
        best.name,
        kind,
        axis,
        sentence,
        academic_sentence,
        choices,
        None if reference is None else reference.name,
        ratios,
    )


def _simpler_tied(model: Any) -> bool:
    return not getattr(model, "neural", False) and bool(tied_with_best(model))


def _passed_over(anchor: Any, close: Sequence[Any]) -> Any | None:
    """The anchor when it is a neural network that is not clearly better than a simpler model
    within the tolerance (one is statistically tied with the best): deep learning must be
    clearly better to be worth its cost. ``None`` otherwise."""
    if not getattr(anchor, "neural", False):
        return None
    return anchor if any(_simpler_tied(m) for m in close) else None


def _neural_words(neural: Any, top: Any, metric: str) -> str:
    return (
        f"Deep learning must be clearly better to be worth it: {neural.label} has the best "
        f"{metric_info(metric).words} ({format_metric(metric, neural.metrics[metric])}) but is "
        f"statistically tied with {top.label} "
        f"({format_metric(metric, top.metrics[metric])}). "
    )


def _cheapest(
    savers: Sequence[Any], axis: str, quality: Callable[[Any], float], order: Mapping[str, int]
) -> Any:
    """The cheapest of the models that save on ``axis``, costs within the noise counted alike.

    The models whose cost is not clearly different from the cheapest's (their paired ratio's
    interval holds 1) are tied with it on cost; of those the most accurate is the pick, and at
    equal accuracy the simpler (the ladder's order): never the noise. A saver that is more
    accurate and clearly cheaper than that pick would beat it on both axes of its chart: it is
    taken instead."""
    cheapest = min(savers, key=lambda m: (_cost(m, axis) or math.inf, order[m.name]))
    tied = [m for m in savers if m is cheapest or not cost_ratio(m, cheapest, axis).clear]
    pick = max(tied, key=lambda m: (quality(m), -order[m.name]))
    for _ in range(len(savers)):
        better = [
            m for m in savers if quality(m) > quality(pick) and cost_ratio(m, pick, axis).high < 1
        ]
        if not better:
            break
        pick = max(better, key=lambda m: (quality(m), -order[m.name]))
    return pick


def _nearest(top: Any, others: Sequence[Any], axis: str, order: Mapping[str, int]) -> Any | None:
    """The cheapest of the models that could have replaced the top (the comparison the sentence
    makes when none did), or ``None``."""
    if not others:
        return None
    return min(others, key=lambda m: (_cost(m, axis) or math.inf, order[m.name]))


#: The costs a sentence compares, in the order it names them (throughput is batch cost).
SENTENCE_AXES = (
    "latency_ms_p50",
    "latency_ms_p95",
    "usd_per_million_predictions",
    "usd_per_million_online_predictions",
    "size_bytes",
    "train_cpu_s",
)
#: How a sentence says that a model is cheaper / dearer / about the same on each cost.
_WORDS: dict[str, tuple[str, str, str]] = {
    "latency_ms_p50": ("faster per prediction", "slower per prediction", "as fast per prediction"),
    "latency_ms_p95": (
        "faster at the 95th percentile",
        "slower at the 95th percentile",
        "as fast at the 95th percentile",
    ),
    "throughput_rows_per_s": ("faster in batches", "slower in batches", "as fast in batches"),
    "usd_per_million_predictions": (
        "cheaper to serve in batches",
        "dearer to serve in batches",
        "as cheap to serve in batches",
    ),
    "usd_per_million_online_predictions": (
        "cheaper to serve online",
        "dearer to serve online",
        "as cheap to serve online",
    ),
    "size_bytes": ("smaller", "larger", "the same size"),
    "train_cpu_s": ("cheaper to train", "dearer to train", "as cheap to train"),
}


def _ratios(pick: Any, reference: Any) -> tuple[Ratio, ...]:
    return tuple(cost_ratio(pick, reference, axis) for axis in SENTENCE_AXES)


def ratio_phrase(r: Ratio, *, small: bool = False) -> str | None:
    """One cost comparison in words: "3.2× faster per prediction" only when its interval
    excludes 1 and it is at least :data:`STATED_RATIO` ("5% faster per prediction" below that
    when ``small``, for the cost a decision was made on); "about as fast per prediction"
    otherwise; ``None`` when it is not known."""
    cheaper, dearer, same = _WORDS[r.axis]
    if not math.isfinite(r.value):
        return None
    if small and r.clear and max(r.value, 1 / r.value) < STATED_RATIO:
        share = abs(1 - r.value) * 100
        return f"{share:.0f}% {cheaper if r.value < 1 else dearer}"
    if not r.clear or max(r.value, 1 / r.value) < STATED_RATIO:
        return f"about {same}" if r.known or r.axis == "size_bytes" else None
    return (
        f"{format_times(1 / r.value)} {cheaper}"
        if r.value < 1
        else (f"{format_times(r.value)} {dearer}")
    )


def cost_text(model: Any, axis: str, value: float | None = None) -> str:
    """The model's figure on ``axis`` (or ``value``) with its unit: "0.42 ms", "$0.012 per
    million predictions", "18 kB"."""
    value = cost_value(model, axis) if value is None else value
    if value is None:
        return "not measured"
    if axis in ("latency_ms_p50", "latency_ms_p95"):
        return format_ms(value)
    if axis == "throughput_rows_per_s":
        return f"{format_count(value)} rows/s"
    if axis == "size_bytes":
        return format_mb(value)
    if axis == "train_cpu_s":
        return format_cpu_s(value)
    return f"{format_usd(value)} per million predictions"


#: Costs compared round by round: the per-round field, and +1 when the cost grows with it (-1
#: when it is its inverse, as batch cost is of throughput).
_ROUND_FIELDS = {
    "latency_ms_p50": ("round_p50_ms", 1),
    "usd_per_million_online_predictions": ("round_mean_ms", 1),
    "throughput_rows_per_s": ("round_throughput", 1),
    "usd_per_million_predictions": ("round_throughput", -1),
}


def _on_shared_rounds(model: Any, other: Any, axis: str) -> float | None:
    """The model's figure on ``axis`` over the rounds it shares with ``other``: the rounds a
    paired ratio compares (a model whose interval was tight stopped earlier), so the figures
    shown beside a ratio agree with it."""
    value = cost_value(model, axis)
    spec = _ROUND_FIELDS.get(axis)
    if value is None or spec is None:
        return value
    mine, theirs = _rounds(model, spec[0]), _rounds(other, spec[0])
    if mine is None or theirs is None or len(mine) <= len(theirs):
        return value
    shared = float(np.exp(np.mean(np.log(mine[: len(theirs)]))))
    whole = float(np.exp(np.mean(np.log(mine))))
    return value * (shared / whole) ** spec[1]


def pair_text(a: Any, b: Any, axis: str) -> str:
    """Two models' figures on ``axis``, over the rounds they share: "3.14 ms vs 5.02 ms",
    "$0.0006 vs $0.0009 per million predictions"."""
    first = cost_text(a, axis, _on_shared_rounds(a, b, axis))
    second = cost_text(b, axis, _on_shared_rounds(b, a, axis))
    tail = " per million predictions"
    if first.endswith(tail) and second.endswith(tail):
        return f"{first.removesuffix(tail)} vs {second}"
    return f"{first} vs {second}"


def _cost_sentence(
    study: StudyResult,
    choices: Choices,
    pick: Any,
    top: Any,
    best: Any,
    reference: Any | None,
    ratios: Sequence[Ratio],
    kind: Kind,
    level: float,
    n_compared: int,
    neural: Any | None = None,
) -> str:
    metric = study.primary_metric
    words = metric_info(metric).words
    axis = choices.cost
    named = DECISION_COSTS[axis].label
    tolerance = tolerance_text(metric, choices.tolerance)
    saving = f"{choices.materiality:.0%}"
    value = format_metric(metric, pick.metrics[metric])
    lead = f"Judged on {named}: "
    over = "; ".join(choices.budgets.violations(best))
    if over:
        lead += (
            f"the most accurate model, {best.label} ({format_metric(metric, best.metrics[metric])}"
            f"), does not fit the budgets ({over}). "
        )
    if kind == "saving":
        gap = _value(top, metric) - _value(pick, metric)
        main = cost_ratio(pick, top, axis)
        whom = (
            "the most accurate model"
            if top is best
            else "the most accurate model that is not a neural network"
            if neural is not None
            else "the most accurate within the budgets"
            if over
            else "the most accurate model that beats the dummy baseline"
        )
        same = format_metric(metric, pick.metrics[metric]) == format_metric(
            metric, top.metrics[metric]
        )
        near = "as accurate as" if same else f"within {format_gap(metric, gap)} of"
        text = (
            f"{lead}{pick.label} ({words} {value}) is {near} {whom}, {top.label} "
            f"({format_metric(metric, top.metrics[metric])})"
            f"{'' if same else ', a difference within the uncertainty'}, and "
            f"{ratio_phrase(main, small=True) or 'cheaper'} ({pair_text(pick, top, axis)}), the "
            "cost it was chosen on."
        )
        return text + _others_text(ratios, axis)
    if neural is not None and pick is neural:  # more accurate than the simpler top, and cheaper
        faster = ratio_phrase(cost_ratio(pick, top, axis), small=True) or "cheaper"
        return (
            f"{lead}{pick.label} is the most accurate model ({words} {value}) and "
            f"{faster} than {top.label} ({format_metric(metric, top.metrics[metric])}), the most "
            f"accurate that is not a neural network ({pair_text(pick, top, axis)}), the cost it "
            "was chosen on." + _others_text(ratios, axis)
        )
    chosen = selection_phrase(pick, metric) if kind == "best" else ""
    head = (
        f"{lead}{pick.label} is the most accurate model ({words} {value}{chosen})."
        if kind == "best"
        else f"{lead}{pick.label} is the most accurate model that is not a neural network "
        f"({words} {value})."
        if kind == "not_neural"
        else f"{lead}Within the budgets, {pick.label} is the most accurate ({words} {value})."
        if over
        else f"{lead}{pick.label} is the most accurate model that clearly beats the dummy "
        f"baseline ({words} {value})."
    )
    if reference is None:
        return (
            f"{head} No other model statistically tied with the best is within {tolerance}, so "
            "none can replace it for being cheaper." + _baseline_text(study, pick)
        )
    whose = (
        f"the only other model within {tolerance}"
        if n_compared == 1
        else f"the cheapest of the {n_compared} within {tolerance}"
    )
    other = f"{whose}, {reference.label} ({format_metric(metric, reference.metrics[metric])})"
    rule = f"{head} No model saves at least {saving} on {named} without giving up more than "
    at_95 = cost_ratio(reference, pick, axis)
    how = ratio_phrase(at_95, small=True)
    judged = cost_ratio(reference, pick, axis, level)
    if how is None or not at_95.known:
        return (
            f"{rule}{tolerance}: {other}, cannot be compared on it (its {named} or the pick's "
            "was not measured in rounds)." + _baseline_text(study, pick)
        )
    figures = pair_text(reference, pick, axis)
    if at_95.clear and not judged.clear:
        why = (
            f"is {how} on these rounds ({figures}), but not clear of the noise once "
            f"{n_compared} models are compared"
        )
    elif not judged.clear:
        why = f"is {how} ({figures}): the difference is within the noise"
    elif judged.value > 1:
        why = f"is {how} ({figures}), so not cheaper"
    else:
        why = f"is {how} ({figures}), a saving under {saving}"
    return f"{rule}{tolerance}: {other}, {why}." + _baseline_text(study, pick)


def _others_text(ratios: Sequence[Ratio], axis: str) -> str:
    """ " It is also 2.1× smaller and about as fast at the 95th percentile; it is 1.3× dearer to
    serve in batches." for every cost but the named one."""
    better: list[str] = []
    same: list[str] = []
    worse: list[str] = []
    skip = {axis, "usd_per_million_predictions" if axis == "throughput_rows_per_s" else ""}
    for r in ratios:
        if r.axis in skip:
            continue
        phrase = ratio_phrase(r)
        if phrase is None:
            continue
        (same if phrase.startswith("about") else better if r.value < 1 else worse).append(phrase)
    parts = []
    if better or same:
        parts.append("It is also " + join_words(better + same))
    if worse:
        parts.append(("it is " if parts else "It is ") + join_words(worse))
    return (" " + "; ".join(parts) + ".") if parts else ""


def _baseline_text(study: StudyResult, pick: Any) -> str:
    """What the pick buys over the simple baseline: its gain with the interval, and its costs."""
    if pick.name == cand.SIMPLE_BASELINE:
        return ""
    base = next(
        (m for m in study.models if m.name == cand.SIMPLE_BASELINE and m.status == "ok"), None
    )
    gain = getattr(pick, "delta_vs_simple", None)
    if base is None or gain is None:
        return ""
    metric = study.primary_metric
    info = metric_info(metric)
    ahead = (gain > 0) == info.higher_is_better
    low = getattr(pick, "delta_vs_simple_ci_low", None)
    high = getattr(pick, "delta_vs_simple_ci_high", None)
    interval = points_interval(metric, low, high)
    if getattr(pick, "beats_simple_baseline", None):
        verdict = f"{format_gap(metric, gain)} better{interval}"
    else:
        way = "ahead" if ahead else "behind"
        verdict = f"{format_gap(metric, gain)} {way}, within the uncertainty{interval}"
    ratios = [ratio_phrase(cost_ratio(pick, base, axis)) for axis in ("latency_ms_p50",
              "size_bytes", "train_cpu_s")]  # fmt: skip
    costs = [r for r in ratios if r]
    return (
        f" Against the simple baseline ({format_metric(metric, base.metrics[metric])}) it is "
        f"{verdict}" + ("; it is " + join_words(costs) if costs else "") + "."
    )


def points_interval(metric: str, low: float | None, high: float | None) -> str:
    """ " (95% CI −3.0 to +17.7 points)" for a difference; empty when unknown."""
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return ""
    info = metric_info(metric)
    if info.percent:
        text = f"{low * 100:+.1f} to {high * 100:+.1f} points"
    else:
        return f" (95% CI {format_range(low, high, signed=True)})"
    return f" (95% CI {text})".replace("-", "−")


# --- net value -----------------------------------------------------------------------------------


def _by_net_value(
    study: StudyResult,
    choices: Choices,
    feasible: Sequence[ModelResult],
    best: ModelResult,
    order: Mapping[str, int],
    academic_sentence: str,
    resamples: Resamples | None,
) -> Decision:
    from core.economics import best_threshold, net_value_samples

    inputs = choices.business
    assert inputs is not None
    thresholds = None
    if choices.tune_thresholds and study.dataset.task == "binary":
        thresholds = {
            m.name: best_threshold(study, m, inputs).threshold
            for m in study.ok_models
            if m.predictions is not None and m.predictions.proba is not None
        }
    rows, samples = net_value_samples(study, inputs, thresholds=thresholds, resamples=resamples)
    by_name = {r.name: r for r in rows}
    names = [m.name for m in feasible if m.name in samples]
    if not names:
        sentence = (
            "No model's net value is known: the study lacks measured costs or held-out "
            "predictions. Re-run it, or decide on a measured cost."
        )
        return Decision(None, best.name, "nothing", NET_VALUE, sentence, academic_sentence, choices)
    point = {n: float(by_name[n].net_usd_per_month or 0.0) for n in names}
    top, diffs = versus_best_of(point, {n: samples[n] for n in names})
    assert top is not None
    tied = [n for n in names if n == top or not diffs[n].clear or _negligible(point[n], point[top])]
    models = {m.name: m for m in feasible}
    pick = models[min(tied, key=lambda n: order[n])]
    metric = study.primary_metric
    # The star sits on two charts: accuracy against net value (Trade-offs) and net value
    # against serving cost (Business case). A tied model worth more and also more accurate, or
    # also cheaper to serve, would beat it on both axes of one of them: it is taken instead.
    for _ in range(len(tied)):
        serving = {n: by_name[n].serving_usd_per_month for n in tied}
        better = [
            n
            for n in tied
            if point[n] > point[pick.name]
            and (
                _value(models[n], metric) > _value(pick, metric)
                or (serving[n] or math.inf) < (serving[pick.name] or math.inf)
            )
        ]
        if not better:
            break
        pick = models[max(better, key=lambda n: point[n])]
    reference = best if best.name != pick.name else None
    ratios = _ratios(pick, reference) if reference is not None else ()
    values = tuple(
        (
            r.name,
            float(r.net_usd_per_month),
            _or_nan(r.net_ci_low_usd_per_month),
            _or_nan(r.net_ci_high_usd_per_month),
        )
        for r in rows
        if r.net_usd_per_month is not None
    )
    sentence = _net_sentence(
        study, inputs, pick, best, tied, by_name, samples, ratios, order, len(names)
    ) + runtime_sentence(pick, NET_VALUE)
    return Decision(
        pick.name,
        best.name,
        "net_value",
        NET_VALUE,
        sentence,
        academic_sentence,
        choices,
        None if reference is None else reference.name,
        ratios,
        values,
    )


def _negligible(a: float, b: float) -> bool:
    return abs(a - b) < max(NEGLIGIBLE_USD_PER_MONTH, NEGLIGIBLE_SHARE * max(abs(a), abs(b)))


def _or_nan(value: float | None) -> float:
    return math.nan if value is None else float(value)


def _interval(low: float, high: float, *, signed: bool = False) -> str:
    if not (math.isfinite(low) and math.isfinite(high)):
        return ""
    return f" (95% CI {format_usd(low, signed=signed)} to {format_usd(high, signed=signed)})"


def _net_sentence(
    study: StudyResult,
    inputs: BusinessInputs,
    pick: Any,
    best: Any,
    tied: Sequence[str],
    rows: Mapping[str, ModelEconomics],
    samples: Mapping[str, np.ndarray],
    ratios: Sequence[Ratio],
    order: Mapping[str, int],
    feasible_count: int,
) -> str:
    metric = study.primary_metric
    words = metric_info(metric).words
    row = rows[pick.name]
    volume = format_count(inputs.predictions_per_month)
    text = (
        f"Based on your business numbers, at {volume} predictions a month: {pick.label} "
        f"({words} {format_metric(metric, pick.metrics[metric])}) is worth "
        f"{format_usd(row.net_usd_per_month)} a month net"
        + _interval(_or_nan(row.net_ci_low_usd_per_month), _or_nan(row.net_ci_high_usd_per_month))
    )
    others = len(tied) - 1
    if others:
        count = "one other model is" if others == 1 else f"{others} other models are"
        simplest = min(tied, key=lambda n: order[n]) == pick.name
        text += f". {count.capitalize()} worth as much within the uncertainty, and " + (
            "the pick is the simplest of them"
            if simplest
            else "the pick is the simplest that no other of them beats on both net value and "
            "accuracy, or net value and serving cost"
        )
    elif feasible_count > 1:
        text += ", clearly more than any other model within the budgets"
    else:
        text += ", the only model that beats the dummy baseline within the budgets"
    if all(r.net_usd_per_month is not None and r.net_usd_per_month < 0 for r in rows.values()):
        text += ". At these numbers every model costs more than it earns; this one loses least"
    if best.name == pick.name:
        return text + ". It is also the most accurate model."
    other = rows.get(best.name)
    if other is None or other.net_usd_per_month is None or best.name not in samples:
        return text + "."
    diff = samples[pick.name] - samples[best.name]
    low, high = np.quantile(diff, [0.025, 0.975]) if diff.size else (math.nan, math.nan)
    gain = float(row.net_usd_per_month or 0.0) - float(other.net_usd_per_month)
    better = format_metric(metric, best.metrics[metric])
    if better != format_metric(metric, pick.metrics[metric]):
        better += f", {format_gap(metric, _value(best, metric) - _value(pick, metric))} better"
    interval = _interval(float(low), float(high), signed=True)
    if _negligible(float(row.net_usd_per_month or 0.0), float(other.net_usd_per_month)):
        more = f"practically as much ({format_usd(gain, signed=True)} a month)"
    elif low > 0:
        more = f"{format_usd(gain, signed=True)} a month more{interval}"
    elif high < 0:
        more = f"{format_usd(-gain)} a month less{interval}"
    else:
        more = f"{format_usd(gain, signed=True)} a month, within the uncertainty{interval}"
    return (
        f"{text}. The most accurate model, {best.label} ({better}), is worth "
        f"{format_usd(other.net_usd_per_month)} a month: {pick.label} makes {more}."
        + _others_text(ratios, "")
    )


def chart_models(
    study: StudyResult,
    decision: Decision,
    axis: str | None = None,
    *,
    as_served: StudyResult | None = None,
) -> list[Any]:
    """The study's models as the decision's chart of ``axis`` (default: the decision's cost)
    draws them: each served as the decision's runtime choice serves it on that axis
    (:class:`core.runtimes.Served`), with its net value per month
    (:class:`core.pareto.NetValued`) when the chart is of the business numbers.
    ``as_served``: :func:`served` of the study on that axis, when the caller has it."""
    axis = axis or decision.cost
    models = _served_on(study, decision, axis, as_served).models
    if axis != NET_VALUE or decision.cost != NET_VALUE:
        return list(models)
    values = {name: (net, low, high) for name, net, low, high in decision.net_values}
    out: list[Any] = []
    for m in models:
        if m.name in values:
            net, low, high = values[m.name]
            known = math.isfinite(low) and math.isfinite(high)
            out.append(NetValued(m, net, low if known else None, high if known else None))
        else:
            out.append(m)
    return out


def other_runtime_models(
    study: StudyResult,
    decision: Decision,
    axis: str | None = None,
    *,
    as_served: StudyResult | None = None,
) -> list[Any]:
    """Each compiled model as the runtime its chart of ``axis`` does not serve it with (the
    hollow markers of :func:`core.figures.pareto_figure`); none on net value, which is priced
    for the runtime chosen only. ``as_served`` as for :func:`chart_models`."""
    axis = axis or decision.cost
    if axis == NET_VALUE:
        return []
    models = _served_on(study, decision, axis, as_served).models
    return [
        Served(unserved(m), "sklearn" if runtime_of(m) == "onnx" else "onnx")
        for m in models
        if m.status == "ok" and compiled(unserved(m))
    ]


def _served_on(
    study: StudyResult, decision: Decision, axis: str, as_served: StudyResult | None
) -> StudyResult:
    """:func:`served` of ``study`` under the decision's choices on ``axis``: ``as_served`` when
    given (choosing each model's runtime compares its two runtimes' rounds: for hundreds of
    models, worth doing once)."""
    return (
        as_served if as_served is not None else served(study, replace(decision.choices, cost=axis))
    )


# --- the rule in words, and the same rule on another chart ---------------------------------------


def decide_for_axis(
    study: StudyResult, decision: Decision, axis: str, *, resamples: Resamples | None = None
) -> Decision:
    """The pick the same rule makes when ``axis`` is the cost (the star of that axis's chart)."""
    if axis == decision.cost:
        return decision
    return decide(study, replace(decision.choices, cost=axis), resamples=resamples)


def axis_pick_words(study: StudyResult, decision: Decision, on_axis: Decision) -> str:
    """What a chart of another cost shows against the decision: "Judged on model size
    instead, the pick would be Decision tree; the decision is judged on p50 latency per row."."""
    named = DECISION_COSTS[on_axis.cost].label
    labels = {m.name: m.label for m in study.models}
    if on_axis.industry == decision.industry:
        return f"Judged on {named} instead, the pick is the same: the star is the decision."
    other = labels.get(on_axis.industry or "", "none")
    current = labels.get(decision.industry or "", "none")
    return (
        f"Judged on {named} instead, the pick would be {other} (the star); the decision, "
        f"{current}, is judged on {decision.cost_label}."
    )


def rule_words(metric: str, decision: Decision) -> str:
    """The industry rule with the user's numbers, for a caption."""
    choices = decision.choices
    b = choices.budgets
    limits = [
        f"p95 latency at most {b.max_latency_ms:g} ms" if b.max_latency_ms is not None else "",
        f"size at most {b.max_size_mb:g} MB" if b.max_size_mb is not None else "",
        f"training at most {b.max_train_s:g} CPU-s" if b.max_train_s is not None else "",
    ]
    budgets = "; ".join(p for p in limits if p) or "none"
    if decision.based_on_business:
        rule = (
            "The industry pick is based on your business numbers: the simplest of the models "
            "whose net value per month is statistically tied with the highest"
        )
    else:
        rule = (
            f"The industry pick saves on {decision.cost_label}: it gives up at most "
            f"{tolerance_words(metric, choices.tolerance)}, only "
            f"for a model statistically tied with the best and at least "
            f"{choices.materiality:.0%} cheaper (with the interval of the saving clear of 1)"
        )
    return (
        f"{rule}, among models that beat the dummy baseline and fit the budgets (budgets: "
        f"{budgets}). The academic pick is the best metric, whatever it costs."
    )
