"""Plotly figures of learning curves (:class:`core.curves.Curves` in, figures out).

Pure functions in the style of :mod:`core.figures`: rows on a log axis (each share of the rows
is a step of the same size to the eye), every model in its family's colour, every text a user
controls through :func:`core.figures.plain`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go

from core.curves import Curve, Curves
from core.figures import (
    HEIGHT,
    _figure,
    _scatter,
    _white,
    family_colour,
    legend_below,
    message_figure,
    plain,
    rgba,
)
from core.pareto import format_metric
from core.stats import metric_info
from core.units import count_ticks, format_mb, format_ms, seconds_ticks

FORECAST_NAME = "Forecast (dashed), with its 95% interval (shaded)"
_DASHES = ("solid", "dot", "dash", "longdash")


def _name(curve: Curve) -> str:
    return f"{curve.label} ({', '.join(curve.roles)})"


def _rows_axis(values: Sequence[float], title: str) -> dict[str, object]:
    low, high = min(values), max(values)
    ticks, text = count_ticks(low / 1.3, high * 1.3)
    return {
        "type": "log",
        "title": {"text": title},
        "tickvals": ticks,
        "ticktext": text,
        "range": [math.log10(low / 1.3), math.log10(high * 1.3)],
    }


def _seconds_axis(values: Sequence[float]) -> dict[str, object]:
    shown = [v for v in values if v > 0]
    low, high = min(shown) / 1.3, max(shown) * 1.3
    ticks, text = seconds_ticks(low, high)
    return {
        "type": "log",
        "title": {"text": "Time to train (log scale)"},
        "tickvals": ticks,
        "ticktext": text,
        "range": [math.log10(low), math.log10(high)],
    }


def learning_curve_figure(curves: Curves) -> go.Figure:
    """Each model's held-out metric (with its 95% interval) against the rows it learned from,
    and its forecast at 2×, 5× and 10× the rows as a dashed line in a shaded band."""
    drawn = [c for c in curves.curves if c.points]
    if not drawn:
        return message_figure("No learning curve could be drawn.")
    info = metric_info(curves.metric)
    scale = 100.0 if info.percent else 1.0
    traces: list[go.Scatter] = []
    for curve in drawn:
        colour = family_colour(curve.family)
        xs = [p.rows for p in curve.points]
        ys = [p.metric * scale for p in curve.points]
        hover = [
            f"<b>{plain(curve.label)}</b><br>{p.rows:,} rows ({p.share:.0%} of the training "
            f"rows{', the study’s own model' if p.from_study else ''})<br>"
            f"{plain(info.label)}: {format_metric(curves.metric, p.metric)} "
            f"(95% interval {format_metric(curves.metric, p.low)} to "
            f"{format_metric(curves.metric, p.high)})<br>"
            f"Training: {format_ms(p.train_s * 1000) if p.train_s is not None else 'unknown'}; "
            f"file {format_mb(p.size_bytes / 1e6) if p.size_bytes is not None else 'unknown'}"
            for p in curve.points
        ]
        traces.append(
            _scatter(
                x=xs,
                y=ys,
                mode="lines+markers",
                name=plain(_name(curve)),
                legendgroup=curve.name,
                line={"color": colour, "width": 2},
                marker={"color": colour, "size": 8},
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [(p.high - p.metric) * scale for p in curve.points],
                    "arrayminus": [(p.metric - p.low) * scale for p in curve.points],
                    "color": rgba(colour, 0.6),
                    "thickness": 1.2,
                    "width": 3,
                },
                hovertext=hover,
                hoverinfo="text",
            )
        )
        if curve.forecasts:
            last = curve.points[-1]
            fx = [last.rows, *(f.rows for f in curve.forecasts)]
            low = [last.metric * scale, *(f.low * scale for f in curve.forecasts)]
            high = [last.metric * scale, *(f.high * scale for f in curve.forecasts)]
            traces.append(
                _scatter(
                    x=fx + fx[::-1],
                    y=high + low[::-1],
                    mode="lines",
                    fill="toself",
                    fillcolor=rgba(colour, 0.12 if curve.trustworthy else 0.05),
                    line={"width": 0},
                    hoverinfo="skip",
                    showlegend=False,
                    legendgroup=curve.name,
                )
            )
            words = "" if curve.trustworthy else " — not trustworthy: " + curve.why_not
            traces.append(
                _scatter(
                    x=fx,
                    y=[last.metric * scale, *(f.metric * scale for f in curve.forecasts)],
                    mode="lines+markers",
                    line={
                        "color": colour if curve.trustworthy else rgba(colour, 0.45),
                        "dash": "dash" if curve.trustworthy else "dot",
                        "width": 1.5,
                    },
                    marker={"color": colour, "size": 6, "symbol": "circle-open"},
                    showlegend=False,
                    legendgroup=curve.name,
                    hovertext=[
                        f"<b>{plain(curve.label)}</b>: the study’s model",
                        *(
                            f"<b>{plain(curve.label)}</b>, forecast at {f.multiple:g}× the rows "
                            f"({f.rows:,}): {format_metric(curves.metric, f.metric)} (95% "
                            f"interval {format_metric(curves.metric, f.low)} to "
                            f"{format_metric(curves.metric, f.high)}){plain(words)}"
                            for f in curve.forecasts
                        ),
                    ],
                    hoverinfo="text",
                )
            )
    traces.append(  # a legend entry saying what dashes and shading mean
        _scatter(
            x=[None],
            y=[None],
            mode="lines",
            name=FORECAST_NAME,
            line={"color": "#555555", "dash": "dash"},
        )
    )
    fig = _figure(traces)
    all_rows = [
        x for c in drawn for x in [*(p.rows for p in c.points), *(f.rows for f in c.forecasts)]
    ]
    fig.layout.template = _white()
    direction = "higher is better" if info.higher_is_better else "lower is better"
    fig.update_layout(
        height=HEIGHT,
        hovermode="closest",
        hoverlabel={"align": "left"},
        legend=legend_below(-0.2),
        margin={"t": 50, "r": 20},
        title_text=(
            f"{plain(info.label)} on the same held-out rows as each model learns from more rows "
            "(dashed: forecast)"
        ),
        xaxis=_rows_axis(all_rows, "Training rows the model learned from (log scale)"),
        yaxis={
            "title": {"text": f"{plain(info.label)}{' (%)' if info.percent else ''}, {direction}"},
            "ticksuffix": "%" if info.percent else "",
        },
    )
    return fig


def training_cost_figure(curves: Curves) -> go.Figure:
    """Each model's training time against the rows it learned from (log–log), with the time
    forecast at more rows: cost grows with data."""
    drawn = [c for c in curves.curves if any(p.train_s for p in c.points)]
    if not drawn:
        return message_figure("No training time was measured.")
    traces: list[go.Scatter] = []
    ys: list[float] = []
    xs_all: list[float] = []
    for curve in drawn:
        colour = family_colour(curve.family)
        points = [p for p in curve.points if p.train_s]
        xs = [p.rows for p in points]
        seconds = [float(p.train_s or 0) for p in points]
        growth = (
            f"; grows about as rows^{curve.time_exponent:.2f}"
            if curve.time_exponent is not None
            else ""
        )
        traces.append(
            _scatter(
                x=xs,
                y=seconds,
                mode="lines+markers",
                name=plain(curve.label),
                legendgroup=curve.name,
                line={"color": colour},
                marker={"color": colour, "size": 8},
                hovertext=[
                    f"<b>{plain(curve.label)}</b><br>{x:,} rows: {format_ms(s * 1000)} to "
                    f"train{growth}"
                    for x, s in zip(xs, seconds, strict=True)
                ],
                hoverinfo="text",
            )
        )
        ahead = [f for f in curve.forecasts if f.train_s]
        if ahead and points:
            fx = [points[-1].rows, *(f.rows for f in ahead)]
            fy = [seconds[-1], *(float(f.train_s or 0) for f in ahead)]
            traces.append(
                _scatter(
                    x=fx,
                    y=fy,
                    mode="lines+markers",
                    line={"color": colour, "dash": "dash"},
                    marker={"color": colour, "symbol": "circle-open", "size": 6},
                    showlegend=False,
                    legendgroup=curve.name,
                    hovertext=[
                        f"<b>{plain(curve.label)}</b>: the study’s model",
                        *(
                            f"<b>{plain(curve.label)}</b>, forecast at {f.multiple:g}× the "
                            f"rows ({f.rows:,}): about {format_ms(float(f.train_s or 0) * 1000)} "
                            "to train"
                            for f in ahead
                        ),
                    ],
                    hoverinfo="text",
                )
            )
            xs_all += fx
            ys += fy
        xs_all += xs
        ys += seconds
    fig = _figure(traces)
    fig.layout.template = _white()
    fig.update_layout(
        height=HEIGHT * 0.8,
        hovermode="closest",
        hoverlabel={"align": "left"},
        legend=legend_below(-0.25),
        margin={"t": 50, "r": 20},
        title_text="Training time as each model learns from more rows (dashed: forecast)",
        xaxis=_rows_axis(xs_all, "Training rows (log scale)"),
        yaxis=_seconds_axis(ys),
    )
    return fig
