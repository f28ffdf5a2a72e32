"""Pareto frontiers, budgets and what the decision (:mod:`core.decision`) reads from a model.

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

from core.stats import metric_info
from core.units import format_number

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


#: Net value per month, from the user's business numbers (higher is better): an axis of the
#: Trade-offs chart and a cost of the decision, but not a measured field of a model (see
#: :class:`NetValued`).
NET_VALUE = "net_value_usd_per_month"
NET_VALUE_AXIS = CostAxis(NET_VALUE, "net value", "$ per month", lower_is_better=False)
#: Every axis a model can be drawn and decided on.
AXES: dict[str, CostAxis] = {**COST_AXES, NET_VALUE: NET_VALUE_AXIS}


class NetValued:
    """A model with its net value per month (and 95% interval) from the user's numbers: it
    reads as the model for every other field, so frontiers and charts take it as it is."""

    def __init__(self, model: Any, net: float, low: float | None, high: float | None) -> None:
        self._model = model
        self.net_value_usd_per_month = net
        self.net_value_usd_per_month_ci = (
            None if low is None or high is None else [float(low), float(high)]
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)


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
        """What ``model`` breaks, in words. A figure that was not measured cannot be shown to
        fit its limit, so it breaks it."""
        out = []
        for limit, value, words, unit in (
            (self.max_latency_ms, model.latency_ms_p95, "p95 latency", "ms"),
            (
                self.max_size_mb,
                None if model.size_bytes is None else model.size_bytes / 1e6,
                "size",
                "MB",
            ),
            (self.max_train_s, model.train_cpu_s, "training", "CPU-s"),
        ):
            if limit is None:
                continue
            if value is None or not math.isfinite(value):
                out.append(f"{words} was not measured, so it may be over {limit:g} {unit}")
            elif value > limit:
                out.append(f"{words} {value:.3g} {unit} is over {limit:g} {unit}")
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
    cost_axis = AXES[axis]
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
    return f"{value * 100:.1f}%" if info.percent else format_number(value)


def format_gap(metric: str, gap: float) -> str:
    """A metric difference in words: "0.3 points" for percentages, else the value with its unit."""
    info = metric_info(metric)
    if info.percent:
        return f"{abs(gap) * 100:.1f} points"
    unit = f" {info.unit}" if info.unit else ""
    return f"{format_number(abs(gap))}{unit}"


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
