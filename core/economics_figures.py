"""Plotly figures of the business case: :class:`~core.economics.BusinessCase` in, figures out.

Pure functions, in the style of :mod:`core.figures`: money is in USD per month, up is better,
every text a user controls (model labels, class names) goes through :func:`core.figures.plain`.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from core import candidates as cand
from core.economics import (
    DEFAULT_THRESHOLD,
    SERVING_MODES,
    BreakEven,
    BusinessCase,
    ModelEconomics,
    ThresholdResult,
    usd_interval,
)
from core.figures import (
    DECISION_NAME,
    HEIGHT,
    PICK_STAR,
    ModelPoint,
    legend_below,
    message_figure,
    money_axis,
    plain,
    tradeoff_figure,
)
from core.pareto import pareto_front
from core.study import StudyResult
from core.units import count_ticks, format_count, format_usd

FRONTIER_NAME = "Best net value for its serving cost"
CURVE_COLOUR, DEFAULT_COLOUR = "#1f77b4", "#555555"
#: The break-even chart spans this factor below and above the volumes it marks (log scale).
VOLUME_MARGIN = 30.0


def _hover(r: ModelEconomics, case: BusinessCase) -> str:
    lines = [
        f"<b>{plain(r.label)}</b>",
        "Net value: "
        + plain(
            f"{format_usd(r.net_usd_per_month)} a month"
            + usd_interval(r.net_ci_low_usd_per_month, r.net_ci_high_usd_per_month)
        ),
    ]
    if r.vs_simple_verdict:
        low, high = r.vs_simple_ci_low_usd_per_month, r.vs_simple_ci_high_usd_per_month
        lines.append(
            "vs simple baseline: "
            + plain(
                f"{format_usd(r.vs_simple_usd_per_month, signed=True)} a month"
                + usd_interval(low, high, signed=True)
                + f": {r.vs_simple_verdict}"
            )
        )
    lines += [
        f"Serving: {plain(format_usd(r.serving_usd_per_month))} a month",
        f"Training: {plain(format_usd(r.training_usd_per_month))} a month",
        f"Errors: {plain(format_usd(r.error_usd_per_month))} a month",
    ]
    if (r.value_usd_per_month or 0) > 0:
        lines.append(f"Value of caught positives: {plain(format_usd(r.value_usd_per_month))}")
    if r.threshold is not None:
        how = "its best" if case.tuned else "the default"
        lines.append(f"Decision threshold: {r.threshold:.2f} ({how})")
    return "<br>".join(lines)


def net_value_figure(study: StudyResult, case: BusinessCase, pick: str | None = None) -> go.Figure:
    """Net value per month (with its 95% interval) against serving cost per month, per model.

    The solid line joins the models no other model beats on both (more net value for less
    serving cost); the gold star is ``pick``, the decision's model; the dashed line is the simple
    baseline's net value. Models whose net value or serving cost is unknown are left out.
    """
    points = []
    for r in case.rows:
        if r.net_usd_per_month is None or r.serving_usd_per_month is None:
            continue
        m = study.model(r.name)
        points.append(
            ModelPoint(
                name=r.name,
                label=r.label,
                family=m.family,
                rung=m.rung,
                x=r.serving_usd_per_month,
                y=r.net_usd_per_month,
                y_low=r.net_ci_low_usd_per_month,
                y_high=r.net_ci_high_usd_per_month,
                hover=_hover(r, case),
            )
        )
    front = pareto_front([(p.name, p.x, p.y) for p in points])
    base = next((p for p in points if p.name == cand.SIMPLE_BASELINE), None)
    hlines = [] if base is None else [(base.y, f"Simple baseline {format_usd(base.y)}")]
    how = SERVING_MODES[case.inputs.serving].split(",")[0]
    return tradeoff_figure(
        points,
        x_title=f"serving cost ($ per month, {how})",
        y_title="net value ($ per month) — higher is better",
        frontier_names=front,
        frontier_name=FRONTIER_NAME,
        pick=pick,
        pick_name=DECISION_NAME,
        hlines=hlines,
        money_x=True,
        money_y=True,
        empty="No model has both a known net value and a measured serving cost.",
    )


def threshold_figure(result: ThresholdResult, label: str, positive: str) -> go.Figure:
    """Net value per month against the decision threshold of one binary model, with the default
    0.5 and the best threshold marked."""
    curve = result.curve
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=curve["threshold"],
            y=curve["net_usd_per_month"],
            mode="lines",
            name=plain(f"{label}: net value at each threshold"),
            # A row is positive at threshold t when its probability is >= t: between two
            # candidate thresholds the net value is the one at the upper candidate.
            line={"color": CURVE_COLOUR, "width": 2, "shape": "vh"},
            customdata=[plain(format_usd(v)) for v in curve["net_usd_per_month"]],
            hovertemplate="threshold %{x:.3f}<br>net value %{customdata} a month<extra></extra>",
        )
    )
    at_default = result.net_usd_per_month_at_default
    fig.add_trace(
        go.Scatter(
            x=[DEFAULT_THRESHOLD],
            y=[at_default],
            mode="markers",
            name=plain(f"Default 0.5: {format_usd(at_default)} a month"),
            marker={
                "symbol": "circle-open",
                "size": 13,
                "color": DEFAULT_COLOUR,
                "line": {"width": 2.5},
            },
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[result.threshold],
            y=[result.net_usd_per_month],
            mode="markers",
            name=plain(
                f"Best {result.threshold:.2f}: {format_usd(result.net_usd_per_month)} a month"
            ),
            marker=PICK_STAR,
            hoverinfo="skip",
        )
    )
    fig.add_vline(x=DEFAULT_THRESHOLD, line={"color": DEFAULT_COLOUR, "width": 1, "dash": "dash"})
    fig.update_xaxes(
        title_text=plain(
            f"decision threshold: a row is called '{positive}' when its probability of "
            f"'{positive}' is at least this"
        ),
        range=[0, 1],
    )
    fig.update_yaxes(
        title_text=plain("net value ($ per month) — higher is better"),
        **money_axis(list(curve["net_usd_per_month"])),
    )
    fig.update_layout(
        template="plotly_white",
        height=420,
        hovermode="x unified",
        legend=legend_below(-0.22),
        margin={"t": 30, "r": 20},
    )
    return fig


def _volumes(result: BreakEven, current: float) -> np.ndarray:
    """Monthly volumes around the break-even and the user's volume (log-spaced)."""
    marks = [v for v in (result.predictions_per_month, current) if v and v > 0] or [1e6]
    low, high = min(marks) / VOLUME_MARGIN, max(marks) * VOLUME_MARGIN
    return np.logspace(math.log10(low), math.log10(high), 200)


def break_even_figure(
    result: BreakEven, predictions_per_month: float, label: str, base_label: str
) -> go.Figure:
    """What ``label`` earns per month over the simple baseline, against the monthly volume (log
    scale): above zero it pays for itself. The break-even volume and the user's volume are
    marked. Without a crossing ("always", "never", "same") the chart only says the sentence."""
    if result.kind not in ("above", "below"):  # no crossing: the sentence says it all
        return message_figure(result.sentence)
    margin = result.extra_value_usd_per_prediction - result.extra_serving_usd_per_prediction
    volumes = _volumes(result, predictions_per_month)
    gain = volumes * margin - result.extra_training_usd_per_month
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=volumes,
            y=gain,
            mode="lines",
            name=plain(f"{label} minus {base_label}"),
            line={"color": CURVE_COLOUR, "width": 2.5},
            customdata=[
                [format_count(v), plain(format_usd(g, signed=True))]
                for v, g in zip(volumes, gain, strict=True)
            ],
            hovertemplate="%{customdata[0]} predictions a month<br>%{customdata[1]} a month"
            "<extra></extra>",
        )
    )
    fig.add_hline(y=0, line={"color": "#222222", "width": 1})
    now = predictions_per_month * margin - result.extra_training_usd_per_month
    fig.add_trace(
        go.Scatter(
            x=[predictions_per_month],
            y=[now],
            mode="markers",
            name=plain(
                f"Your volume, {format_count(predictions_per_month)} a month: "
                f"{format_usd(now, signed=True)} a month"
            ),
            marker={"symbol": "diamond", "size": 13, "color": "#d62728"},
            hoverinfo="skip",
        )
    )
    if result.predictions_per_month is not None:
        fig.add_trace(
            go.Scatter(
                x=[result.predictions_per_month],
                y=[0],
                mode="markers",
                name=plain(f"Break-even: {format_count(result.predictions_per_month)} a month"),
                marker=PICK_STAR,
                hoverinfo="skip",
            )
        )
    ticks, labels = count_ticks(float(volumes[0]), float(volumes[-1]))
    fig.update_xaxes(
        title_text="predictions per month, log scale",
        type="log",
        tickmode="array",
        tickvals=ticks,
        ticktext=labels,
    )
    fig.update_yaxes(
        title_text=plain("gain over the simple baseline ($ per month)"),
        zeroline=False,
        **money_axis([*gain, now]),
    )
    fig.update_layout(
        template="plotly_white",
        height=HEIGHT - 100,
        legend=legend_below(-0.22),
        margin={"t": 30, "r": 20},
    )
    return fig
