"""Plotly figures of fairness checks: :class:`~core.fairness.FairnessReport` in, figures out.

Pure functions, in the style of :mod:`core.figures`. Group labels are values of the user's table,
so every one of them goes through :func:`core.figures.plain` before it reaches a figure.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go

from core.fairness import MIN_GROUP_ROWS, FairnessReport, GroupMetrics
from core.figures import (
    DECISION_NAME,
    ModelPoint,
    family_colour,
    message_figure,
    plain,
    rgba,
    tradeoff_figure,
)
from core.pareto import format_gap, format_metric, pareto_front
from core.stats import metric_info
from core.study import StudyResult

FRONTIER_NAME = "Fairest for its accuracy: no model is both more accurate and fairer"
SMALL_COLOUR = "#b0b0b0"
RATE_COLOURS = ("#1f77b4", "#2ca02c", "#d62728")


def _scale(metric: str) -> float:
    return 100.0 if metric_info(metric).percent else 1.0


def accuracy_gap_figure(
    study: StudyResult, report: FairnessReport, pick: str | None = None
) -> go.Figure:
    """Each model's primary metric on all held-out rows (up is better, with its 95% interval)
    against its largest gap between the groups (left is fairer); ``pick`` (the decision's model)
    is starred. Models whose gap cannot be measured (fewer than two groups large enough) are
    left out."""
    metric = study.primary_metric
    info = metric_info(metric)
    scale = _scale(metric)
    sign = 1.0 if info.higher_is_better else -1.0
    points = []
    for gap in report.gaps:
        m = study.model(gap.model)
        value = m.metrics.get(metric)
        if gap.metric_gap is None or value is None or not math.isfinite(value):
            continue
        low, high = m.metric_ci_low, m.metric_ci_high
        hover = [
            f"<b>{plain(m.label)}</b>",
            f"{info.label} on all held-out rows: {format_metric(metric, value)}",
            f"Largest gap between {plain(report.name)} groups: "
            f"{format_gap(metric, gap.metric_gap)}",
            f"Best group: {plain(gap.best_group)}; worst: {plain(gap.worst_group)}",
        ]
        if gap.selection_rate_ratio is not None:
            hover.append(f"Selection rate ratio (lowest / highest): {gap.selection_rate_ratio:.2f}")
        points.append(
            ModelPoint(
                name=m.name,
                label=m.label,
                family=m.family,
                rung=m.rung,
                x=gap.metric_gap * scale,
                y=value * scale,
                y_low=None if low is None else low * scale,
                y_high=None if high is None else high * scale,
                hover="<br>".join(hover),
            )
        )
    front = pareto_front([(p.name, p.x, sign * p.y) for p in points])
    unit = "points" if info.percent else (info.unit or "metric units")
    return tradeoff_figure(
        points,
        x_title=f"largest gap in {info.words} between {report.name} groups ({unit}) — "
        "lower is fairer",
        y_title=f"{info.label}{' (%)' if info.percent else ''} on all held-out rows — "
        + ("higher is better" if info.higher_is_better else "lower is better, axis reversed"),
        frontier_names=front,
        frontier_name=FRONTIER_NAME,
        pick=pick,
        pick_name=DECISION_NAME,
        y_reversed=not info.higher_is_better,
        log_x=False,
        y_suffix="%" if info.percent else "",
        empty=(
            f"No model can be compared across {report.name} groups: fewer than two groups "
            f"have at least {MIN_GROUP_ROWS} held-out rows."
        ),
    )


def _group_label(row: GroupMetrics) -> str:
    return plain(f"{row.group} ({row.n_rows:,} rows)")


def group_figure(study: StudyResult, report: FairnessReport, model: str) -> go.Figure:
    """One model's primary metric in each group, with 95% intervals; groups too small to judge
    are grey. The dashed line is the model's value on all held-out rows."""
    metric = study.primary_metric
    info = metric_info(metric)
    scale = _scale(metric)
    m = study.model(model)
    rows = [r for r in report.rows_of(model) if r.metric_value is not None]
    if not rows:
        return message_figure(f"{info.label} cannot be measured in any group for this model.")
    colour = family_colour(m.family)
    values = [(r.metric_value or 0.0) * scale for r in rows]
    lows = [(r.metric_ci_low if r.metric_ci_low is not None else r.metric_value) for r in rows]
    highs = [(r.metric_ci_high if r.metric_ci_high is not None else r.metric_value) for r in rows]
    fig = go.Figure(
        go.Scatter(
            x=values,
            y=[_group_label(r) for r in rows],
            mode="markers",
            name=plain(m.label),
            marker={
                "color": [SMALL_COLOUR if r.small else colour for r in rows],
                "size": 13,
                "line": {"color": "white", "width": 1},
            },
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [
                    max(0.0, (h or 0.0) * scale - v) for h, v in zip(highs, values, strict=True)
                ],
                "arrayminus": [
                    max(0.0, v - (lo or 0.0) * scale) for lo, v in zip(lows, values, strict=True)
                ],
                "color": rgba(colour, 0.6),
                "thickness": 1.5,
            },
            hovertext=[
                f"<b>{plain(r.group)}</b><br>{r.n_rows:,} held-out rows<br>{info.label}: "
                f"{format_metric(metric, r.metric_value or 0.0)}"
                + (
                    f" (95% CI {format_metric(metric, r.metric_ci_low)}–"
                    f"{format_metric(metric, r.metric_ci_high)})"
                    if r.metric_ci_low is not None and r.metric_ci_high is not None
                    else ""
                )
                + (f"<br>{r.note}: under {MIN_GROUP_ROWS} rows" if r.small else "")
                for r in rows
            ],
            hoverinfo="text",
        )
    )
    overall = m.metrics.get(metric)
    if overall is not None and math.isfinite(overall):
        fig.add_vline(
            x=overall * scale,
            line={"color": "#555555", "width": 1, "dash": "dash"},
            annotation_text=f"all rows {format_metric(metric, overall)}",
            annotation_position="top",
            annotation_font={"color": "#555555", "size": 11},
        )
    fig.update_xaxes(
        title_text=f"{info.label}{' (%)' if info.percent else ''} within the group, 95% interval"
        + ("" if info.higher_is_better else " — lower is better, axis reversed"),
        ticksuffix="%" if info.percent else "",
        autorange=True if info.higher_is_better else "reversed",
    )
    fig.update_yaxes(autorange="reversed", title_text=plain(report.name))
    fig.update_layout(
        template="plotly_white",
        height=max(260, 70 + 45 * len(rows)),
        showlegend=False,
        margin={"t": 40, "r": 20},
    )
    return fig


def rates_figure(study: StudyResult, report: FairnessReport, model: str) -> go.Figure:
    """Binary tasks: one model's selection rate, true- and false-positive rates per group (%).
    Regression: its mean absolute error per group. Small groups are named as such."""
    rows = report.rows_of(model)
    labels = [_group_label(r) + (" — too few rows" if r.small else "") for r in rows]
    fig = go.Figure()
    if study.dataset.task == "binary":
        pos = study.dataset.positive_class
        for (name, words, values), colour in zip(
            (
                ("selection rate", f"all rows called '{pos}'", [r.selection_rate for r in rows]),
                ("true positive rate", f"'{pos}' rows caught", [r.tpr for r in rows]),
                ("false positive rate", f"other rows called '{pos}'", [r.fpr for r in rows]),
            ),
            RATE_COLOURS,
            strict=True,
        ):
            fig.add_trace(
                go.Bar(
                    y=labels,
                    x=[None if v is None else v * 100 for v in values],
                    orientation="h",
                    name=plain(f"{name}: {words}"),
                    marker={"color": colour},
                    hovertemplate=f"{name}: %{{x:.1f}}%<extra></extra>",
                )
            )
        fig.update_xaxes(title_text="share of the group's rows (%)", ticksuffix="%", range=[0, 100])
    elif study.dataset.task == "regression":
        fig.add_trace(
            go.Bar(
                y=labels,
                x=[r.mae for r in rows],
                orientation="h",
                name="mean absolute error",
                marker={"color": family_colour(study.model(model).family)},
                hovertemplate="mean absolute error: %{x:.3g}<extra></extra>",
            )
        )
        fig.update_xaxes(
            title_text=plain(
                f"mean absolute error ({study.dataset.target} units) — lower is better"
            )
        )
    else:
        return message_figure("Rates by group are shown for yes/no and numeric targets.")
    fig.update_yaxes(autorange="reversed", title_text=plain(report.name))
    fig.update_layout(
        template="plotly_white",
        barmode="group",
        height=max(300, 120 + 70 * len(rows)),
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom"},
        margin={"t": 70, "r": 20},
    )
    return fig
