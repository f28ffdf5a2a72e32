"""The decision under more data, in one sentence, and the forecasts as a table for people."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.curves.model import (
    FLAT_GAIN,
    FLAT_RELATIVE,
    MULTIPLES,
    Curve,
    CurveForecast,
    Curves,
)
from core.forecast import CurveFit
from core.pareto import format_gap, format_metric
from core.stats import (
    CONFIDENCE,
    metric_info,
    percentile_ci,
)
from core.units import format_mb, format_ms, format_number, join_words

# --- the decision under more data ----------------------------------------------------------------


def _flat(metric: str, current: float, gain_high: float) -> bool:
    if metric_info(metric).percent or metric == "r2":
        return gain_high < FLAT_GAIN
    return gain_high < FLAT_RELATIVE * abs(current)


def _interval(samples: np.ndarray, level: float) -> tuple[float, float]:
    return percentile_ci(np.asarray(samples, dtype=np.float64), level)


def forecast_gain(fit: CurveFit, multiple: float, level: float = CONFIDENCE) -> Gain:
    """How much the fitted curve rises (in the good direction) from the current rows to
    ``multiple`` × them, with its interval: the same resample's fit at both sizes, so the
    luck of the held-out rows, shared by both, cancels."""
    sign = 1.0 if fit.higher_is_better else -1.0
    now, later = fit.current_rows, multiple * fit.current_rows
    value = sign * (fit.value_at(later) - fit.value_at(now))
    low, high = _interval(sign * (fit.samples_at(later) - fit.samples_at(now)), level)
    return Gain(value, low, high)


def advantage(rival: CurveFit, pick: CurveFit, multiple: float, level: float) -> Gain:
    """How much better ``rival`` is forecast to be than ``pick`` at ``multiple`` × the rows (in
    the good direction), with its interval at ``level``: resample r of one curve pairs with
    resample r of the other (:func:`core.forecast.forecast_difference`)."""
    sign = 1.0 if pick.higher_is_better else -1.0
    rows = multiple * pick.current_rows
    value = sign * (rival.value_at(rows) - pick.value_at(rows))
    low, high = _interval(sign * (rival.samples_at(rows) - pick.samples_at(rows)), level)
    return Gain(value, low, high)


@dataclass(frozen=True)
class Gain:
    value: float
    low: float
    high: float


def more_data_sentence(
    curves: Sequence[Curve], fits: Mapping[str, CurveFit], metric: str, decision: str | None
) -> str:
    """One sentence with numbers about the decision under more data of this kind:

    - another model is forecast to overtake the pick: the interval of its advantage at some
      multiple of the rows is above zero, **simultaneously** over every rival and multiple
      tried (Bonferroni), so that when no rival truly overtakes, the sentence says one does in
      at most about 5% of studies (``tests/unit/test_curves.py`` simulates it);
    - else the curves are flat: no model's forecast gain at 10× the rows reaches
      :data:`FLAT_GAIN` (the upper end of its 95% interval);
    - else more rows would raise the metric without changing the choice.

    Only trustworthy forecasts are used; an untrustworthy one for the pick says so instead."""
    by_name = {c.name: c for c in curves}
    info = metric_info(metric)
    pick = by_name.get(decision or "")
    if pick is None:
        return (
            "The study makes no pick to forecast; the curves show how each model's "
            f"{info.words} grows with rows."
        )
    if pick.name not in fits or not pick.trustworthy:
        why = _clause(pick.why_not or "its curve could not be fitted")
        return (
            f"The forecast for {pick.label} cannot be trusted ({why}), so these curves cannot "
            "say whether more data would change the choice."
        )
    untrusted = [c for c in curves if c.name != pick.name and not c.trustworthy]
    rivals = [
        c
        for c in curves
        if c.name != pick.name
        and c.trustworthy
        and c.name in fits
        and fits[c.name].current_rows == fits[pick.name].current_rows
    ]
    level = 1 - (1 - CONFIDENCE) / max(1, len(rivals) * len(MULTIPLES))
    for multiple in MULTIPLES:
        for rival in rivals:
            ahead = advantage(fits[rival.name], fits[pick.name], multiple, level)
            if ahead.low > 0:
                rows = round(multiple * fits[pick.name].current_rows)
                return (
                    f"With about {multiple}× more rows ({rows:,}), {rival.label} is forecast "
                    f"to overtake {pick.label} by {format_gap(metric, ahead.value)} of "
                    f"{info.words} (simultaneous 95% interval "
                    f"{_gap_range(metric, ahead.low, ahead.high)}); until then {pick.label} is "
                    "the better product." + _cost_words(rival, multiple)
                )
    largest = MULTIPLES[-1]
    gains = {c.name: forecast_gain(fits[c.name], largest) for c in (pick, *rivals)}
    current = {c.name: c.points[-1].metric for c in (pick, *rivals)}
    if all(_flat(metric, current[n], g.high) for n, g in gains.items()):
        top = max(g.high for g in gains.values())
        return (
            f"The curves are flat: with {largest}× more rows of this kind no model is forecast "
            f"to gain more than {format_gap(metric, max(top, 0.0))} of {info.words} (the upper "
            "end of its 95% interval), so more data of this kind is unlikely to change the "
            f"choice of {pick.label}." + _skipped(untrusted)
        )
    gain = gains[pick.name]  # a learning curve only rises: its gain is never below zero
    return (
        f"With up to {largest}× more rows no other model is forecast to be clearly better than "
        f"{pick.label}, which is forecast to improve its {info.words} by "
        f"{format_gap(metric, gain.value)} (95% interval "
        f"{_gap_range(metric, gain.low, gain.high)}): more data of this kind is not expected "
        "to change the choice." + _skipped(untrusted)
    )


def _gap_range(metric: str, low: float, high: float) -> str:
    """An interval of a difference: "−0.2 to 1.5 points", "0.013 to 0.05 target units"."""
    info = metric_info(metric)
    if info.percent:
        return f"{_points(low)} to {_points(high)} points"
    unit = f" {info.unit}" if info.unit else ""
    return f"{format_number(low)} to {format_number(high)}{unit}"


def _points(gap: float) -> str:
    return f"{gap * 100:.1f}".replace("-", "−")


def _clause(sentence: str) -> str:
    """A sentence as a clause inside another: "The scores …." → "the scores …"."""
    text = sentence.strip().rstrip(".")
    return text[:1].lower() + text[1:]


def _forecast(curve: Curve, multiple: float) -> CurveForecast | None:
    return next((f for f in curve.forecasts if f.multiple == multiple), None)


def _cost_words(curve: Curve, multiple: float) -> str:
    f = _forecast(curve, multiple)
    if f is None:
        return ""
    parts = []
    if f.train_s is not None:
        parts.append(f"about {format_ms(f.train_s * 1000)} to train")
    if f.size_bytes is not None:
        parts.append(f"a file of about {format_mb(f.size_bytes / 1e6)}")
    if not parts:
        return ""
    return f" At {multiple}× the rows, {curve.label} would take {join_words(parts)}."


def _skipped(untrusted: Sequence[Curve]) -> str:
    if not untrusted:
        return ""
    names = join_words([c.label for c in untrusted])
    return f" ({names}: forecast not trustworthy, left out.)"


# --- for people ----------------------------------------------------------------------------------


def forecast_table(curves: Curves) -> pd.DataFrame:
    """One row per model and multiple of the rows: the forecast metric with its interval,
    whether it can be trusted, and the training time and file size it would take."""
    rows = []
    for c in curves.curves:
        for f in c.forecasts:
            rows.append(
                {
                    "Model": c.label,
                    "Rows": f"{f.rows:,} ({f.multiple:g}×)",
                    f"Forecast {metric_info(curves.metric).words}": (
                        f"{format_metric(curves.metric, f.metric)} "
                        f"({format_metric(curves.metric, f.low)} to "
                        f"{format_metric(curves.metric, f.high)})"
                    ),
                    "Trustworthy": "yes" if c.trustworthy else "no",
                    "Training time": (
                        format_ms(f.train_s * 1000) if f.train_s is not None else "unknown"
                    ),
                    "File size": (
                        format_mb(f.size_bytes / 1e6) if f.size_bytes is not None else "unknown"
                    ),
                }
            )
    return pd.DataFrame(rows)
