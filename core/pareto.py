"""Pareto frontiers, budgets and the two recommendations (academic and industry lens).

Works on any sequence of objects with the fields of :class:`core.study.ModelResult`: the status,
the point metrics, the paired comparison with the best model (``delta_vs_best_ci_low`` / ``_high``)
and the measured costs. Nothing here measures or trains; it only reads results, so the app can
re-run it on every widget change without retraining.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from core.measure import paired_ratio
from core.stats import metric_info

#: Default price of one vCPU-hour (USD): about the on-demand price of one vCPU of a general-purpose
#: cloud instance (AWS c7i.large, 2 vCPU at $0.0893/h in us-east-1, 2025 list price).
DEFAULT_USD_PER_VCPU_HOUR = 0.045
#: Where :data:`DEFAULT_USD_PER_VCPU_HOUR` comes from, in words for the screen.
USD_PER_VCPU_HOUR_SOURCE = (
    "about the on-demand price of one vCPU of a general-purpose cloud instance "
    "(AWS c7i.large: 2 vCPU at $0.0893 per hour in us-east-1, 2025 list price)"
)


class ResultLike(Protocol):
    name: str
    label: str
    status: str
    metrics: dict[str, float]
    beats_baseline: bool | None
    delta_vs_best_ci_low: float | None
    delta_vs_best_ci_high: float | None
    train_cpu_s: float | None
    latency_ms_p50: float | None
    latency_ms_p95: float | None
    throughput_rows_per_s: float | None
    size_bytes: int | None


@dataclass(frozen=True)
class CostAxis:
    """A cost a model can be plotted and budgeted against; ``field`` names the result attribute."""

    key: str
    label: str
    unit: str
    lower_is_better: bool = True

    @property
    def title(self) -> str:
        return f"{self.label} ({self.unit})"


COST_AXES: dict[str, CostAxis] = {
    a.key: a
    for a in (
        CostAxis("latency_ms_p50", "p50 latency per row", "ms"),
        CostAxis("latency_ms_p95", "p95 latency per row", "ms"),
        CostAxis("throughput_rows_per_s", "batch throughput", "rows/s", lower_is_better=False),
        CostAxis("size_bytes", "model size", "MB"),
        CostAxis("train_cpu_s", "training CPU time", "CPU-s"),
        CostAxis("usd_per_million_predictions", "batch serving cost", "$ per million predictions"),
        CostAxis(
            "usd_per_million_online_predictions",
            "online serving cost",
            "$ per million predictions",
        ),
    )
}


def usd_per_million_predictions(
    throughput_rows_per_s: float | None, usd_per_vcpu_hour: float = DEFAULT_USD_PER_VCPU_HOUR
) -> float | None:
    """Cost of one million batch predictions on one vCPU at the measured throughput."""
    if not throughput_rows_per_s or throughput_rows_per_s <= 0:
        return None
    return 1e6 / throughput_rows_per_s / 3600.0 * usd_per_vcpu_hour


def usd_per_million_online_predictions(
    latency_ms_mean: float | None, usd_per_vcpu_hour: float = DEFAULT_USD_PER_VCPU_HOUR
) -> float | None:
    """Cost of one million predictions served one request at a time on one vCPU: each holds
    the CPU for its mean single-row latency, however idle the rest of the batch machinery is."""
    if not latency_ms_mean or latency_ms_mean <= 0:
        return None
    return 1e6 * latency_ms_mean / 1000.0 / 3600.0 * usd_per_vcpu_hour


def train_usd(
    train_cpu_s: float | None, usd_per_vcpu_hour: float = DEFAULT_USD_PER_VCPU_HOUR
) -> float | None:
    """Cost of one training run from its CPU-seconds."""
    if train_cpu_s is None:
        return None
    return train_cpu_s / 3600.0 * usd_per_vcpu_hour


def cost_value(model: Any, axis: str) -> float | None:
    """The model's value on a cost axis, in the axis's display unit (size in MB)."""
    if axis == "size_bytes":
        size = model.size_bytes
        return None if size is None else size / 1e6
    value = getattr(model, axis, None)
    return None if value is None else float(value)


@dataclass(frozen=True)
class Budgets:
    """Limits a model must fit for the industry lens; ``None`` means no limit.

    Latency is budgeted at the 95th percentile: "95 of 100 predictions are faster than this".
    """

    max_latency_ms: float | None = None
    max_size_mb: float | None = None
    max_train_s: float | None = None

    def violations(self, model: Any) -> list[str]:
        out = []
        if self.max_latency_ms is not None and (model.latency_ms_p95 or 0) > self.max_latency_ms:
            out.append(
                f"p95 latency {model.latency_ms_p95:.3g} ms is over {self.max_latency_ms:g} ms"
            )
        if self.max_size_mb is not None and (model.size_bytes or 0) / 1e6 > self.max_size_mb:
            out.append(f"size {model.size_bytes / 1e6:.3g} MB is over {self.max_size_mb:g} MB")
        if self.max_train_s is not None and (model.train_cpu_s or 0) > self.max_train_s:
            out.append(f"training {model.train_cpu_s:.3g} CPU-s is over {self.max_train_s:g} CPU-s")
        return out

    def fits(self, model: Any) -> bool:
        return not self.violations(model)

    def to_dict(self) -> dict[str, float | None]:
        return {
            "max_latency_ms": self.max_latency_ms,
            "max_size_mb": self.max_size_mb,
            "max_train_s": self.max_train_s,
        }


def _ok(models: Sequence[Any]) -> list[Any]:
    return [m for m in models if m.status == "ok" and m.metrics]


def frontier(models: Sequence[Any], metric: str, axis: str) -> list[str]:
    """Names of the models on the Pareto frontier of ``metric`` against the cost ``axis``.

    A model is on the frontier when no other model is at least as good on both the metric and
    the cost and strictly better on one. Returned from cheapest to most expensive.
    """
    info = metric_info(metric)
    cost_axis = COST_AXES[axis]
    points = []
    for m in _ok(models):
        c = cost_value(m, axis)
        if c is None or metric not in m.metrics or not math.isfinite(m.metrics[metric]):
            continue
        quality = m.metrics[metric] if info.higher_is_better else -m.metrics[metric]
        cost = c if cost_axis.lower_is_better else -c
        points.append((m.name, cost, quality))
    return pareto_front(points)


def pareto_front(points: Sequence[tuple[str, float, float]]) -> list[str]:
    """Names of the non-dominated ``(name, cost, quality)`` points, cheapest first.

    Lower cost and higher quality are better; a point is dominated when another is at least as
    good on both and strictly better on one. Points with a non-finite value are left out.
    """
    finite = [(n, c, q) for n, c, q in points if math.isfinite(c) and math.isfinite(q)]
    on = []
    for name, cost, quality in finite:
        dominated = any(
            (c2 <= cost and q2 >= quality) and (c2 < cost or q2 > quality) for _, c2, q2 in finite
        )
        if not dominated:
            on.append((cost, name))
    return [name for _, name in sorted(on)]


def cost_score(model: Any, reference: Sequence[Any]) -> float:
    """One number for "how expensive": the geometric mean of p50 latency, size and training time,
    each relative to the cheapest model in ``reference`` (1.0 = cheapest on all three)."""
    parts = []
    for field in ("latency_ms_p50", "size_bytes", "train_cpu_s"):
        values = [float(getattr(m, field)) for m in reference if getattr(m, field)]
        own = getattr(model, field)
        if values and own:
            parts.append(math.log(max(float(own), 1e-12) / max(min(values), 1e-12)))
    return math.exp(sum(parts) / len(parts)) if parts else 1.0


@dataclass(frozen=True)
class Recommendation:
    """The academic pick (best metric), the industry pick and a plain sentence with numbers."""

    academic: str | None
    industry: str | None
    sentence: str
    academic_sentence: str
    budgets: Budgets

    def to_dict(self) -> dict[str, Any]:
        return {
            "academic": self.academic,
            "industry": self.industry,
            "sentence": self.sentence,
            "academic_sentence": self.academic_sentence,
            "budgets": self.budgets.to_dict(),
        }


def best_model(models: Sequence[Any], metric: str) -> Any | None:
    """The model with the best point value of ``metric`` (ties: the earlier in the ladder)."""
    info = metric_info(metric)
    scored = [m for m in _ok(models) if math.isfinite(m.metrics.get(metric, math.nan))]
    if not scored:
        return None
    sign = 1 if info.higher_is_better else -1
    return max(scored, key=lambda m: sign * m.metrics[metric])


def tied_with_best(model: Any) -> bool:
    """The model is in the set that holds the truly best model with 95% probability
    (:func:`core.claims.versus_best`). A study saved before that set existed says so by the
    simultaneous interval of (model − best) that it stored: tied when it reaches zero."""
    tied = getattr(model, "tied_with_best", None)
    if tied is not None:
        return bool(tied)
    low, high = model.delta_vs_best_ci_low, model.delta_vs_best_ci_high
    if low is None or high is None:
        return False
    return bool(low <= 0 <= high)


def format_metric(metric: str, value: float) -> str:
    info = metric_info(metric)
    return f"{value * 100:.1f}%" if info.percent else f"{value:.3g}"


def format_gap(metric: str, gap: float) -> str:
    """A metric difference in words: "0.3 points" for percentages, else the value with its unit."""
    info = metric_info(metric)
    if info.percent:
        return f"{abs(gap) * 100:.1f} points"
    unit = f" {info.unit}" if info.unit else ""
    return f"{abs(gap):.3g}{unit}"


def selection_phrase(best: Any, metric: str) -> str:
    """How much the best score flatters its model, having been chosen among tied models:
    ", the best of 11 models statistically tied on these rows; expect about 1.5 points less on
    new data" (empty when nothing was chosen, or the optimism rounds to nothing)."""
    tied = getattr(best, "selection_tied", None) or 0
    optimism = getattr(best, "selection_optimism", None) or 0.0
    info = metric_info(metric)
    shown = round(optimism * 100, 1) if info.percent else float(f"{optimism:.3g}")
    if tied < 2 or shown <= 0:
        return ""
    worse = "less" if info.higher_is_better else "more"
    return (
        f", the best of {tied} models statistically tied on these rows; expect about "
        f"{format_gap(metric, optimism)} {worse} on new data"
    )


def paired_latency_ratio(a: Any, b: Any) -> float | None:
    """``a``'s p50 latency over ``b``'s, paired by latency round: exactly 1 ("about as fast",
    no claim) when its 95% interval holds 1; ``None`` when the rounds are unknown (a study
    saved before rounds were kept). The one place a latency ratio is judged."""
    mine, theirs = getattr(a, "round_p50_ms", None), getattr(b, "round_p50_ms", None)
    if not mine or not theirs or min(len(mine), len(theirs)) < 2:
        return None
    ratio, low, high = paired_ratio(mine, theirs)
    return 1.0 if low <= 1 <= high else ratio


def latency_phrase(pick: Any, best: Any) -> str | None:
    """How ``pick`` compares with ``best`` per prediction (:func:`paired_latency_ratio`):
    "3.5× faster per prediction" only when the ratio is clear of 1 and at least 1.5×; "about
    as fast per prediction" when it is not clear of 1; nothing when the pick is clearly slower,
    or the rounds are unknown."""
    slower = paired_latency_ratio(best, pick)  # how many times the best's latency is the pick's
    if slower is None or slower < 1:
        return None
    if slower == 1.0:
        return "about as fast per prediction"
    return _ratio_phrase(1.0, slower, "faster per prediction")


def _ratio_phrase(cheap: float | None, dear: float | None, word: str) -> str | None:
    if not cheap or not dear or cheap <= 0:
        return None
    ratio = dear / cheap
    if ratio >= 1.5:
        return f"{ratio:.0f}× {word}" if ratio >= 10 else f"{ratio:.1f}× {word}"
    return None


def recommend(models: Sequence[Any], metric: str, budgets: Budgets | None = None) -> Recommendation:
    """The academic and industry picks with a sentence explaining the industry pick."""
    budgets = budgets or Budgets()
    label = metric_info(metric).words
    best = best_model(models, metric)
    if best is None:
        msg = "No model finished, so there is nothing to recommend. See each model's reason."
        return Recommendation(None, None, msg, msg, budgets)
    academic_sentence = (
        f"{best.label} has the best {label}: {format_metric(metric, best.metrics[metric])}"
        f"{selection_phrase(best, metric)}."
    )
    ok = _ok(models)
    beating = [m for m in ok if m.beats_baseline]
    if not beating:
        guess = (
            "always guessing the most common class"
            if metric_info(metric).classification
            else "always predicting the average"
        )
        msg = (
            f"No model predicts better than {guess} (the dummy baseline) on {label}: every "
            "difference is within the uncertainty, judged for all the models at once. Don't "
            "ship a model yet: the data may not hold a usable signal for this target, or it "
            "needs more rows."
        )
        return Recommendation(best.name, None, msg, academic_sentence, budgets)
    feasible = [m for m in beating if budgets.fits(m)]
    if not feasible:
        closest = min(beating, key=lambda m: len(budgets.violations(m)))
        msg = (
            "No model that beats the baseline fits the budgets. The closest, "
            f"{closest.label}, fails because its {'; '.join(budgets.violations(closest))}."
        )
        return Recommendation(best.name, None, msg, academic_sentence, budgets)
    tied = [m for m in feasible if m is best or tied_with_best(m)]
    if tied:
        pick = min(tied, key=lambda m: (cost_score(m, ok), m.name))
    else:
        pick = best_model(feasible, metric)
    assert pick is not None
    sentence = _explain(pick, best, metric, tied=bool(tied), budgets=budgets)
    return Recommendation(best.name, pick.name, sentence, academic_sentence, budgets)


def _explain(pick: Any, best: Any, metric: str, *, tied: bool, budgets: Budgets) -> str:
    label = metric_info(metric).words
    value = format_metric(metric, pick.metrics[metric])
    if pick is best:
        return (
            f"{pick.label} is the most accurate model ({label} {value}) and no cheaper model "
            "is statistically as good, so it is also the industry pick."
        )
    gap = format_gap(metric, best.metrics[metric] - pick.metrics[metric])
    ratios = [
        latency_phrase(pick, best),
        _ratio_phrase(pick.size_bytes, best.size_bytes, "smaller"),
        _ratio_phrase(pick.train_cpu_s, best.train_cpu_s, "cheaper to train"),
    ]
    savings = [r for r in ratios if r]
    saving_text = (
        ", " + ", ".join(savings[:-1]) + (" and " if len(savings) > 1 else "") + savings[-1]
        if savings
        else ""
    )
    if tied:
        return (
            f"{pick.label} ({label} {value}) is within {gap} of the best model, {best.label} "
            f"({format_metric(metric, best.metrics[metric])}), a difference within the "
            f"uncertainty{saving_text}."
        )
    direction = "below" if metric_info(metric).higher_is_better else "worse than"
    why = (
        "which does not fit the budgets"
        if budgets.violations(best)
        else "whose lead over the dummy baseline is within the uncertainty"
    )
    return (
        f"Within the budgets, {pick.label} is the most accurate ({label} {value}): {gap} "
        f"{direction} the best model, {best.label}, {why}{saving_text}."
    )
