"""Claims about many models at once, corrected for choosing among them.

A study compares a dozen models on the same held-out rows and then *chooses*: it says which ones
beat the baseline, which ones are tied with the best, and how good the best is. Each of those is
a statement about all the models together, so each is made with simultaneous intervals on the
shared bootstrap resamples (max-T, Romano & Wolf 2005), never with one 95% interval per model:

- **Beats the baseline.** For every model the paired difference with the baseline gets an interval
  ``d ± c·se``, where ``se`` is the difference's bootstrap standard error and ``c`` is the 95%
  quantile, over resamples, of the largest standardised deviation ``|d* − d| / se`` among all the
  models. All the intervals hold together 95% of the time, so when no model has any signal, at
  most 5% of studies say that any model beats the baseline.
- **Tied with the best.** A set that holds the truly best model with 95% probability (in the
  spirit of Hsu's multiple comparisons with the best). A model leaves the set only when the best
  scoring model beats it by more than the model's own simultaneous margin, the 95% quantile of
  the largest standardised deviation among its differences with *every* other model: if it is
  in truth the best, every one of those differences is at most zero, so it is wrongly left out
  at most 5% of the time.
- **How good the best is.** The best of several tied scores is the one that was luckiest on
  these rows. Its *selection optimism* is the expected largest lucky deviation among the tied
  models (bootstrap of the maximum); the interval of the best model's true value accounts for
  the same choice by Bonferroni over the tied models (each one's own interval at level
  1 − 0.05/k), which holds whichever of them was chosen.

Everything here is a pure function of the resampled metric values; nothing trains or measures.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from core.stats import CONFIDENCE, METRIC_RANGE, FloatArray, metric_info


@dataclass(frozen=True)
class Difference:
    """``value`` = model − reference on the metric, with its simultaneous 95% interval; ``clear``
    when the interval excludes zero in the good direction (the model is better)."""

    value: float
    low: float
    high: float
    clear: bool


@dataclass(frozen=True)
class Selection:
    """The best model as chosen among the ``tied`` ones: ``optimism`` (metric units, ≥ 0) is how
    much better than its true value the best tied score is expected to look, having been
    chosen."""

    best: str
    tied: int
    optimism: float


def _critical(deviations: FloatArray, level: float) -> float:
    """The ``level`` quantile of the largest deviation per resample (rows: resamples)."""
    if deviations.size == 0:
        return 0.0
    worst = np.max(deviations, axis=1)
    return float(np.quantile(worst, level))


def _standardised(diffs: FloatArray, point: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``|d* − d| / se`` for every resample and column, and ``se`` per column. A column whose
    resamples all agree (two models with the same predictions) has ``se`` 0 and deviation 0.
    A resample where the metric is undefined (NaN) counts as an unbounded deviation: it can
    only widen the intervals, never make a claim easier."""
    se = np.nanstd(diffs, axis=0, ddof=1) if diffs.shape[0] > 1 else np.zeros(diffs.shape[1:])
    se = np.where(np.isfinite(se), se, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.abs(diffs - point) / se
    t = np.where(np.isfinite(t), t, 0.0)
    return np.where(np.isnan(diffs), np.inf, t), se


def _difference_range(metric: str) -> float:
    lo, hi = METRIC_RANGE[metric]
    return hi - lo


def versus_reference(
    metric: str,
    point: Mapping[str, float],
    samples: Mapping[str, FloatArray],
    reference: str,
    level: float = CONFIDENCE,
) -> dict[str, Difference]:
    """Every model against ``reference``, with intervals that hold simultaneously.

    ``point`` holds each model's metric on all held-out rows and ``samples`` its value on each
    bootstrap resample (the same resamples for every model: paired). The reference itself gets
    a zero difference that is not clear.
    """
    sign = 1.0 if metric_info(metric).higher_is_better else -1.0
    others = [n for n in point if n != reference]
    out: dict[str, Difference] = {reference: Difference(0.0, 0.0, 0.0, False)}
    if not others:
        return out
    diffs = np.column_stack([samples[n] - samples[reference] for n in others])
    d = np.array([point[n] - point[reference] for n in others])
    t, se = _standardised(diffs, d)
    c = _critical(t, level)
    span = _difference_range(metric)
    for i, name in enumerate(others):
        low, high = d[i] - c * se[i], d[i] + c * se[i]
        low, high = max(low, -span), min(high, span)
        clear = bool(low > 0) if sign > 0 else bool(high < 0)
        out[name] = Difference(float(d[i]), float(low), float(high), clear)
    return out


def best_of(metric: str, point: Mapping[str, float]) -> str | None:
    """The model with the best point value; a tie goes to the one listed first (the simpler)."""
    return _best(point, metric_info(metric).higher_is_better)


def _best(point: Mapping[str, float], higher_is_better: bool) -> str | None:
    sign = 1.0 if higher_is_better else -1.0
    best: str | None = None
    for name, value in point.items():
        if math.isfinite(value) and (best is None or sign * value > sign * point[best]):
            best = name
    return best


def versus_best(
    metric: str,
    point: Mapping[str, float],
    samples: Mapping[str, FloatArray],
    level: float = CONFIDENCE,
) -> tuple[str | None, dict[str, Difference]]:
    """The best model and every model's difference with it. A model is *tied with the best*
    when its interval reaches zero (``clear`` is then false); the tied models form a set that
    holds the truly best one with probability ``level``."""
    return versus_best_of(
        point,
        samples,
        higher_is_better=metric_info(metric).higher_is_better,
        span=_difference_range(metric),
        level=level,
    )


def versus_best_of(
    point: Mapping[str, float],
    samples: Mapping[str, FloatArray],
    *,
    higher_is_better: bool = True,
    span: float = math.inf,
    level: float = CONFIDENCE,
) -> tuple[str | None, dict[str, Difference]]:
    """:func:`versus_best` for any quantity resampled alike for every model (a metric, or net
    value in USD): differences are clipped to ``±span``."""
    names = [n for n in point if math.isfinite(point[n])]
    best = _best({n: point[n] for n in names}, higher_is_better)
    if best is None:
        return None, {}
    k = len(names)
    stacked = np.column_stack([samples[n] for n in names])  # resamples x models
    values = np.array([point[n] for n in names])
    # diffs[b, j, i] = model j − model i on resample b; for model i, its column over j.
    diffs = stacked[:, :, None] - stacked[:, None, :]
    d = values[:, None] - values[None, :]
    t, se = _standardised(diffs.reshape(len(stacked), -1), d.reshape(-1))
    t = t.reshape(len(stacked), k, k)
    se = se.reshape(k, k)
    b = names.index(best)
    out: dict[str, Difference] = {}
    for i, name in enumerate(names):
        if i == b:
            out[name] = Difference(0.0, 0.0, 0.0, False)
            continue
        c = _critical(np.delete(t[:, :, i], i, axis=1), level)
        gap = values[i] - values[b]
        low, high = max(gap - c * se[i, b], -span), min(gap + c * se[i, b], span)
        out[name] = Difference(float(gap), float(low), float(high), not low <= 0 <= high)
    return best, out


def selection(
    metric: str,
    point: Mapping[str, float],
    samples: Mapping[str, FloatArray],
    tied: Sequence[str],
    best: str,
) -> Selection:
    """The best model's selection optimism, having been chosen among the ``tied`` models.

    The best score overstates its model by at most the largest lucky deviation among the tied
    models (those outside the set are clearly worse, so chance does not make them the best). In
    the bootstrap world that deviation is ``max over tied of (θ* − θ)``; its mean is the
    optimism. With one tied model there is no choice and no optimism. The interval of the best
    model's true value that accounts for the choice is :func:`selection_level`'s: each tied
    model's own interval at a Bonferroni level, so it holds whichever of them was chosen.
    """
    sign = 1.0 if metric_info(metric).higher_is_better else -1.0
    names = list(dict.fromkeys([best, *tied]))
    dev = np.column_stack([sign * (samples[n] - point[n]) for n in names])
    dev = dev[np.all(np.isfinite(dev), axis=1)]
    if len(names) < 2 or len(dev) == 0:
        return Selection(best, len(names), 0.0)
    return Selection(best, len(names), max(0.0, float(np.mean(np.max(dev, axis=1)))))


def selection_level(tied: int, level: float = CONFIDENCE) -> float:
    """The confidence of each tied model's own interval such that all of them hold together
    with probability ``level`` (Bonferroni): the chosen one's then holds, whichever it is."""
    return 1 - (1 - level) / max(tied, 1)
