"""Plotly figure builders: finished results in, ``plotly.graph_objects.Figure`` out.

Pure functions (no I/O, no streamlit): the same input gives the same figure JSON. Pages only pass
the figure to ``st.plotly_chart``; the report embeds the same figures. Axis titles carry units,
and every chart keeps "up is better" and "left is cheaper", reversing an axis when needed.
"""

from __future__ import annotations

import functools
import html
import json
import math
import re
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from core.candidates import DUMMY_BASELINE, SIMPLE_BASELINE
from core.chart_labels import (  # noqa: F401  (public names of this module, kept)
    _CHAR_PX,
    _EM_PAD,
    LABEL_AREA_PX,
    LABEL_POSITIONS,
    label_positions,
    label_text,
    line_label_side,
    screen_share,
)
from core.errors import ConfigError
from core.pareto import (
    AXES,
    NET_VALUE,
    Budgets,
    cost_value,
    format_metric,
    frontier,
    pareto_front,
)
from core.runtimes import RUNTIME_LABELS, runtime_of, unserved
from core.stats import metric_info
from core.units import format_number, format_usd, money_ticks

FRONTIER_NAME = "Pareto frontier — best metric for its cost"
ACADEMIC_NAME = "Academic pick: best metric"
#: The legend of the decision's star on every chart (the industry pick).
DECISION_NAME = INDUSTRY_NAME = "The decision: the model to serve"
OVER_BUDGET_NAME = "Over a budget (hover for which)"
NOT_MEASURED = "not measured"
SYMBOL_OK, SYMBOL_OVER_BUDGET = "circle", "x"
#: A model served from ONNX Runtime is a diamond; the same model from the runtime not chosen is
#: a small hollow marker, joined to its point by an arrow from scikit-learn to ONNX Runtime.
SYMBOL_ONNX = "diamond"
ONNX_NAME = "Served from ONNX Runtime (compiled)"
OTHER_RUNTIME_NAME = "The same model from the other runtime"
_GREY = "#8a8a8a"
OPACITY_FRONTIER, OPACITY_DOMINATED = 1.0, 0.55
SIZE_FRONTIER, SIZE_DOMINATED = 15, 9
#: Automatic log scale when the largest plotted cost is at least this many times the smallest.
LOG_SPAN = 30.0
HEIGHT = 480
_RED = "#d62728"
#: The marker of the point a chart recommends (the industry pick, the most valuable model...).
PICK_STAR: dict[str, Any] = {
    "symbol": "star",
    "size": 18,
    "color": "#f2b701",
    "line": {"color": "#222222", "width": 1.5},
}


#: A chart saved for slides: 1600 × 900 pixels (16:9), twice as sharp as on screen.
SLIDE_WIDTH, SLIDE_HEIGHT = 1600, 900


def chart_config(filename: str) -> dict[str, Any]:
    """How a chart is shown, in the app and in the report: no plotly logo and no link to
    Plotly's cloud (nothing leaves the machine), and the camera button saves a PNG at slide
    size, named ``filename`` (letters, digits and dashes kept)."""
    name = re.sub(r"[^A-Za-z0-9-]+", "-", filename).strip("-") or "chart"
    return {
        "displaylogo": False,
        "showSendToCloud": False,
        "modeBarButtonsToRemove": ["sendDataToCloud", "editInChartStudio"],
        "toImageButtonOptions": {
            "format": "png",
            "filename": name[:60],
            "width": SLIDE_WIDTH,
            "height": SLIDE_HEIGHT,
            "scale": 2,
        },
    }


#: Plotly checks every property of a trace or layout as it is set; for a chart of 300 models
#: that was two thirds of its time. The trade-off chart's properties are fixed in this module,
#: so they are checked where they are written: the tests set this to True (their conftest), and
#: every figure they build is checked; at run time the chart goes to plotly.js as built.
CHECK_PROPERTIES = False


def _figure(traces: Sequence[go.Scatter] = ()) -> go.Figure:
    """A figure of ``traces``, checked as :data:`CHECK_PROPERTIES` says (its layout,
    annotations and shapes too; a trace added later is always checked)."""
    return go.Figure(data=list(traces), _validate=CHECK_PROPERTIES)


def _scatter(**props: Any) -> go.Scatter:
    """A scatter trace, checked as :data:`CHECK_PROPERTIES` says."""
    return go.Scatter(_validate=CHECK_PROPERTIES, **props)


@functools.cache
def _white_template_json() -> str:
    return json.dumps(pio.templates["plotly_white"].to_plotly_json())


def _white() -> Any:
    """Plotly's white template: its name when properties are checked (plotly resolves it),
    else its own fresh copy (plotly.js knows no template by name)."""
    return "plotly_white" if CHECK_PROPERTIES else json.loads(_white_template_json())


def legend_below(y: float = -0.18) -> dict[str, Any]:
    """A horizontal legend under the plot, starting at its left edge."""
    return {"orientation": "h", "x": 0, "xanchor": "left", "y": y, "yanchor": "top"}


def scatter_layout(fig: go.Figure, *, top: int = 30, title: str | None = None) -> None:
    """The layout every trade-off scatter shares: white, full height, a legend below."""
    fig.layout.template = _white()  # set whole: an update would walk it key by key
    fig.update_layout(
        height=HEIGHT,
        hovermode="closest",
        hoverlabel={"align": "left"},
        legend=legend_below(),
        margin={"t": top, "r": 20},
        **({} if title is None else {"title_text": title}),
    )


#: One colour per model family, fixed so a family keeps its colour on every chart. Each is dark
#: enough to read on a projector: at least 4:1 against white, and 2:1 when faded (a model off
#: the frontier, at :data:`OPACITY_DOMINATED`); tests check both.
FAMILY_COLOURS: dict[str, str] = {
    "Baseline": "#666666",
    "Linear": "#1f6fb4",
    "Decision tree": "#8c564b",
    "Naive Bayes": "#7a7a00",
    "Nearest neighbours": "#007f8c",
    "Random forest": "#2b8a2b",
    "Extra trees": "#1b5e20",
    "Gradient boosting": "#c95a00",
    "XGBoost": "#7f4fb3",
    "Neural network": "#c2338f",
}
_FALLBACK_COLOURS = ("#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd")

#: The cost axis a budget limits, and the :class:`Budgets` field holding the limit.
BUDGET_OF_AXIS: dict[str, str] = {
    "latency_ms_p95": "max_latency_ms",
    "size_bytes": "max_size_mb",
    "train_cpu_s": "max_train_s",
}


def family_colour(family: str) -> str:
    """The family's fixed colour; unknown families get a stable one derived from the name."""
    if family in FAMILY_COLOURS:
        return FAMILY_COLOURS[family]
    return _FALLBACK_COLOURS[zlib.crc32(family.encode()) % len(_FALLBACK_COLOURS)]


def rgba(hex_colour: str, alpha: float) -> str:
    """``"#rrggbb"`` with an opacity, as plotly reads it."""
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def message_figure(text: str) -> go.Figure:
    """An empty chart that only says ``text`` in the middle (no axes, grid or legend)."""
    fig = _figure()
    fig.add_annotation(
        text=text, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False, font={"size": 16}
    )
    fig.layout.template = _white()
    fig.update_layout(height=HEIGHT, showlegend=False)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


# --- hover text ----------------------------------------------------------------------------------


def _num(value: float | None, unit: str) -> str:
    if value is None or not math.isfinite(value):
        return NOT_MEASURED
    return f"{format_number(value)} {unit}"


def _range(interval: Sequence[float] | None, unit: str) -> str:
    """ " (95% CI 3.1–3.4 ms)" for a measured interval, else nothing."""
    if not interval or not all(math.isfinite(v) for v in interval):
        return ""
    low, high = (format_number(v) for v in interval)
    return f" (95% CI {low}–{high} {unit})"


def _usd(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return NOT_MEASURED
    return format_usd(value)


def _signed(metric: str, value: float) -> str:
    return (
        f"{value * 100:+.1f}" if metric_info(metric).percent else format_number(value, signed=True)
    )


def _vs_baseline(m: Any, metric: str) -> str:
    if m.name == DUMMY_BASELINE:
        return "This is the dummy baseline: every model is compared with it"
    delta = getattr(m, "delta_vs_baseline", None)
    low, high = getattr(m, "delta_ci_low", None), getattr(m, "delta_ci_high", None)
    if delta is None:
        return f"vs dummy baseline: {NOT_MEASURED}"
    info = metric_info(metric)
    unit = f" {info.unit}" if info.unit else ""
    text = f"vs dummy baseline: {_signed(metric, delta)}{unit}"
    if low is None or high is None:
        return text
    if getattr(m, "beats_baseline", None):
        verdict = "beats the baseline"
    elif (high < 0) if info.higher_is_better else (low > 0):
        verdict = "worse than the baseline"
    else:
        verdict = "within the uncertainty"
    return f"{text} (95% CI {_signed(metric, low)} to {_signed(metric, high)}{unit}): {verdict}"


def hover_text(m: Any, metric: str, budgets: Budgets | None = None, *, on_frontier: bool) -> str:
    """Every figure of one model with its unit, as the HTML lines of a plotly hover label."""
    info = metric_info(metric)
    low, high = getattr(m, "metric_ci_low", None), getattr(m, "metric_ci_high", None)
    ci = ""
    if low is not None and high is not None:
        ci = f" (95% CI {format_metric(metric, low)}–{format_metric(metric, high)})"
    lines = [
        f"<b>{unserved(m).label}</b>{_served_words(m)}",
        f"{info.label}: {format_metric(metric, m.metrics[metric])}{ci}",
        _vs_baseline(m, metric),
        f"Latency per row: p50 {_num(m.latency_ms_p50, 'ms')}"
        f"{_range(getattr(m, 'latency_ms_p50_ci', None), 'ms')}, "
        f"p95 {_num(m.latency_ms_p95, 'ms')}{_range(getattr(m, 'latency_ms_p95_ci', None), 'ms')}",
        f"Batch throughput: {_num(m.throughput_rows_per_s, 'rows/s')}",
        f"Model size: {_num(cost_value(m, 'size_bytes'), 'MB')}",
        f"Training: {_num(getattr(m, 'train_cpu_s', None), 'CPU-s')} "
        f"({_num(m.train_s, 's')} wall, while other models trained)",
        "Serving cost per million predictions: "
        + _usd(getattr(m, "usd_per_million_predictions", None))
        + " in batches, "
        + _usd(getattr(m, "usd_per_million_online_predictions", None))
        + " one at a time",
        f"Training cost: {_usd(getattr(m, 'train_usd', None))}",
    ]
    net = getattr(m, "net_value_usd_per_month", None)
    if net is not None:
        net_ci = getattr(m, "net_value_usd_per_month_ci", None)
        interval = f" (95% CI {format_usd(net_ci[0])} to {format_usd(net_ci[1])})" if net_ci else ""
        lines.append(plain(f"Net value: {format_usd(net)} a month{interval}"))
    lines += [f"<b>Over budget:</b> {v}" for v in (budgets.violations(m) if budgets else [])]
    lines.append(
        "On the Pareto frontier: no other model is as good for less"
        if on_frontier
        else "Faded: another model is at least as good and cheaper on this axis"
    )
    return "<br>".join(lines)


def _served_words(m: Any) -> str:
    """ " served from ONNX Runtime" for a model served compiled; for one served from
    scikit-learn that did not compile, why not."""
    if not hasattr(m, "runtime"):  # not a served model: its own (scikit-learn) figures
        return ""
    runtime = runtime_of(m)
    text = f" served from {RUNTIME_LABELS[runtime]}"
    problem = getattr(m, "onnx_problem", None)
    if runtime == "sklearn" and isinstance(problem, str) and problem:
        text += f" (not compiled: {problem.rstrip('.')})"
    return plain(text)


# --- the Pareto chart ----------------------------------------------------------------------------


def _plottable(models: Sequence[Any], metric: str, axis: str) -> list[tuple[Any, float, float]]:
    """(model, cost, metric) of finished models with a finite metric and cost on ``axis``."""
    out = []
    for m in models:
        value = m.metrics.get(metric) if m.status == "ok" else None
        cost = cost_value(m, axis) if value is not None else None
        if value is not None and cost is not None and math.isfinite(value + cost):
            out.append((m, cost, float(value)))
    return out


def _x_range(values: list[float], log: bool) -> list[float]:
    """An explicit x range around ``values`` (log10 units on a log axis, as plotly expects)."""
    lo, hi = min(values), max(values)
    if log:
        lo, hi = math.log10(lo), math.log10(hi)
    pad = (hi - lo) * 0.08 or (0.3 if log else abs(hi) * 0.1 or 1.0)
    low = lo - pad
    if not log and lo >= 0 > low:
        low = -0.25 * pad  # costs are never negative: show no negative ticks, only a margin
    return [low, hi + pad]


def _bar(low: float | None, high: float | None, scale: float) -> float:
    """Length of an error bar between a point and a CI bound (0 when the bound is unknown)."""
    return 0.0 if low is None or high is None else max(high - low, 0.0) * scale


#: A chart of more models than this (a sweep) draws the other runtime of its named models only
#: (the frontier and the picks): hundreds of arrows would hide the points.
CROWDED = 40
#: A family with more sizes than this (a sweep) is drawn as the curve of its own best sizes,
#: its other sizes as faint points without bars, so that hundreds of models stay readable.
DENSE_FAMILY = 6


def family_line_words(models: Sequence[Any]) -> str:
    """How the chart of ``models`` joins the sizes of a family, in words for its caption."""
    sizes = Counter(getattr(m, "family", "Other") for m in models if m.status == "ok")
    if any(n > DENSE_FAMILY for n in sizes.values()):
        return (
            "A family of many sizes (a sweep) is a thin line through its own best sizes, its "
            "other sizes dots; dotted lines join the sizes of a smaller family."
        )
    return "Dotted lines join sizes of one family."


def _family_curve(
    family: str, members: list[tuple[Any, float, float]], scale: float, cost_better_low: bool,
    metric_better_high: bool,
) -> go.Scatter:  # fmt: skip
    """The line through a dense family's own Pareto frontier, cheapest first."""
    on = pareto_front(
        [
            (m.name, x if cost_better_low else -x, y if metric_better_high else -y)
            for m, x, y in members
        ]
    )
    by_name = {m.name: (x, y) for m, x, y in members}
    return _scatter(
        x=[by_name[n][0] for n in on],
        y=[by_name[n][1] * scale for n in on],
        mode="lines",
        name=f"{family}: its best sizes",
        legendgroup=family,
        showlegend=False,
        line={"color": family_colour(family), "width": 1.5},
        hoverinfo="skip",
    )


def _family_trace(
    family: str,
    members: list[tuple[Any, float, float]],
    metric: str,
    scale: float,
    on_frontier: set[str],
    budgets: Budgets | None,
    axis: str = "",
) -> go.Scatter:
    """One family's models sorted by rung, joined by a dotted line when it has several sizes.
    Vertical bars: the metric's 95% interval; horizontal bars, on a measured cost that has one
    (latency, throughput): the cost's 95% interval over the latency rounds. A dense family
    (more than :data:`DENSE_FAMILY` sizes) has no dotted line (:func:`_family_curve` draws its
    curve) and bars only on the chart's frontier."""
    colour = family_colour(family)
    dense = len(members) > DENSE_FAMILY
    front = [m.name in on_frontier for m, _, _ in members]
    over = [bool(budgets and budgets.violations(m)) for m, _, _ in members]
    up = [getattr(m, "metric_ci_high", None) for m, _, _ in members]
    down = [getattr(m, "metric_ci_low", None) for m, _, _ in members]
    if dense:
        up = [u if f else None for u, f in zip(up, front, strict=True)]
        down = [d if f else None for d, f in zip(down, front, strict=True)]
    ys = [y for _, _, y in members]
    return _scatter(
        x=[x for _, x, _ in members],
        y=[y * scale for y in ys],
        mode="lines+markers" if 1 < len(members) <= DENSE_FAMILY else "markers",
        name=family,
        legendgroup=family,
        customdata=[m.name for m, _, _ in members],
        text=[
            hover_text(m, metric, budgets, on_frontier=f)
            for (m, _, _), f in zip(members, front, strict=True)
        ],
        hovertemplate="%{text}<extra></extra>",
        line={"color": colour, "width": 1, "dash": "dot"},
        marker={
            "color": colour,
            "size": [SIZE_FRONTIER if f else SIZE_DOMINATED for f in front],
            "opacity": [OPACITY_FRONTIER if f else OPACITY_DOMINATED for f in front],
            "symbol": [
                SYMBOL_OVER_BUDGET if o else SYMBOL_ONNX if runtime_of(m) == "onnx" else SYMBOL_OK
                for (m, _, _), o in zip(members, over, strict=True)
            ],
            "line": {"color": [_RED if o else "white" for o in over], "width": 1.5},
        },
        error_y={
            "type": "data",
            "symmetric": False,
            "array": [_bar(y, h, scale) for y, h in zip(ys, up, strict=True)],
            "arrayminus": [_bar(d, y, scale) for y, d in zip(ys, down, strict=True)],
            "color": rgba(colour, 0.5),
            "thickness": 1.2,
            "width": 3,
        },
        error_x=_cost_bars(members, axis, colour, only=set(on_frontier) if dense else None),
    )


#: Cost axes measured with an interval over the latency rounds, and the field holding it.
_COST_INTERVALS = {
    "latency_ms_p50": "latency_ms_p50_ci",
    "latency_ms_p95": "latency_ms_p95_ci",
    "throughput_rows_per_s": "throughput_rows_per_s_ci",
    NET_VALUE: "net_value_usd_per_month_ci",
}


def _cost_bars(
    members: list[tuple[Any, float, float]],
    axis: str,
    colour: str,
    only: set[str] | None = None,
) -> dict[str, Any]:
    """Horizontal error bars of the cost's 95% interval (none where it is unknown, nor for a
    model not in ``only`` when it is given)."""
    field = _COST_INTERVALS.get(axis)
    if field is None:
        return {"visible": False}
    plus, minus = [], []
    for m, x, _ in members:
        interval = getattr(m, field, None)
        shown = only is None or m.name in only
        if not shown or not interval or not all(math.isfinite(v) for v in interval):
            plus.append(0.0)
            minus.append(0.0)
            continue
        low, high = min(interval), max(interval)
        plus.append(max(high - x, 0.0))
        minus.append(max(x - low, 0.0))
    return {
        "type": "data",
        "symmetric": False,
        "array": plus,
        "arrayminus": minus,
        "color": rgba(colour, 0.5),
        "thickness": 1.2,
        "width": 3,
    }


def _marker_trace(name: str, x: list[Any], y: list[Any], marker: dict[str, Any]) -> go.Scatter:
    """A marker-only trace that explains itself in the legend and leaves hovering to the models."""
    return _scatter(x=x, y=y, mode="markers", name=name, marker=marker, hoverinfo="skip")


def _other_runtime(
    pairs: list[tuple[Any, float, float]],
    shown: dict[str, tuple[float, float]],
    metric: str,
    scale: float,
    log: bool,
    budgets: Budgets | None,
) -> tuple[list[dict[str, Any]], list[go.Scatter]]:
    """The models as the other runtime serves them: the arrows (annotations) from each model's
    scikit-learn point to its ONNX Runtime point, and the trace of their hollow markers (drawn
    under the models); nothing without ``pairs``."""
    if not pairs:
        return [], []
    position = (lambda v: math.log10(v)) if log else (lambda v: v)
    arrows = []
    for m, x, y in pairs:
        here = shown[m.name][0]
        start, end = (x, here) if runtime_of(m) == "sklearn" else (here, x)
        arrows.append(
            {
                "x": position(end),
                "y": y * scale,
                "ax": position(start),
                "ay": y * scale,
                "xref": "x",
                "yref": "y",
                "axref": "x",
                "ayref": "y",
                "showarrow": True,
                "arrowhead": 2,
                "arrowsize": 1.2,
                "arrowwidth": 1.2,
                "arrowcolor": rgba(_GREY, 0.45),
                "standoff": 6,
                "startstandoff": 4,
                "text": "",
            }
        )
    hollow = _scatter(
        x=[x for _, x, _ in pairs],
        y=[y * scale for _, _, y in pairs],
        mode="markers",
        name=OTHER_RUNTIME_NAME,
        customdata=[m.name for m, _, _ in pairs],
        text=[
            hover_text(m, metric, budgets, on_frontier=False).rsplit("<br>", 1)[0]
            + "<br>The same model from the runtime this chart does not serve it with"
            for m, _, _ in pairs
        ],
        hovertemplate="%{text}<extra></extra>",
        marker={
            "symbol": [
                "diamond-open" if runtime_of(m) == "onnx" else "circle-open" for m, _, _ in pairs
            ],
            "size": 8,
            "color": _GREY,
            "line": {"width": 1.2},
        },
    )
    return arrows, [hollow]


def pareto_figure(
    models: Sequence[Any],
    metric: str,
    axis: str,
    *,
    budgets: Budgets | None = None,
    academic: str | None = None,
    industry: str | None = None,
    log_x: bool | None = None,
    title: str | None = None,
    other_runtime: Sequence[Any] = (),
) -> go.Figure:
    """Each finished model as a dot: its ``metric`` (with 95% CI bars) against its cost on ``axis``.

    Up is always better and left always cheaper (the y axis is reversed for errors such as MAE,
    the x axis for throughput). The Pareto frontier is a solid line through its models, which
    stand out; dominated models are faded. Sizes (rungs) of one family are joined by a dotted line
    in the family's colour. The dummy and simple baselines are dashed horizontal lines; the region
    over the budget on this axis is shaded red, and models over any budget are drawn as an "x".
    ``log_x=None`` picks a log scale when the costs span a factor of :data:`LOG_SPAN` or more (a
    log scale is only possible when every cost is positive). Y values of percentage metrics are
    in percent (x100). Failed models, and models without the metric or this cost, are left out.

    Models served from ONNX Runtime (:class:`core.runtimes.Served`) are diamonds.
    ``other_runtime``: the same models served from the runtime they are not shown with, drawn as
    small hollow markers, each joined to its model by an arrow pointing from its scikit-learn
    point to its ONNX Runtime point (what compiling it changes); they take no part in the
    frontier. On a chart of more than :data:`CROWDED` models, only the frontier's and the picks'.
    """
    if axis not in AXES:
        raise ConfigError(f"Unknown cost axis '{axis}'. Choose from: {', '.join(AXES)}.")
    info, cost_axis = metric_info(metric), AXES[axis]
    points = _plottable(models, metric, axis)
    if not points:
        if not any(m.status == "ok" for m in models):
            return message_figure("No model finished, so there is nothing to draw yet.")
        return message_figure(
            f"No finished model has both a {info.words} and a measured "
            f"{cost_axis.label}. Choose another cost."
        )
    scale = 100.0 if info.percent else 1.0
    frontier_names = frontier([m for m, _, _ in points], metric, axis)  # cheapest first
    shown = {m.name: (x, y) for m, x, y in points}
    # On a crowded chart (a sweep) only the named models show their other runtime.
    named_only = len(points) > CROWDED
    pairs = [
        (m, x, y)
        for m, x, y in _plottable(other_runtime, metric, axis)
        if m.name in shown
        and x != shown[m.name][0]
        and (not named_only or m.name in {*frontier_names, academic, industry})
    ]
    xs = [x for _, x, _ in points] + [x for _, x, _ in pairs]
    use_log = min(xs) > 0 and (max(xs) / min(xs) >= LOG_SPAN if log_x is None else log_x)
    budget_field = BUDGET_OF_AXIS.get(axis)
    limit = getattr(budgets, budget_field) if budgets and budget_field else None
    if limit is not None and use_log and limit <= 0:
        limit = None  # a log axis cannot show a zero limit
    x_range = _x_range([*xs, *([limit] if limit is not None else [])], use_log)

    by_name = {m.name: (x, y * scale) for m, x, y in points}
    labels = {m.name: unserved(m).label for m, _, _ in points}
    ys = [y * scale for _, _, y in points]
    y_low, y_high = min(ys), max(ys)
    y_pad = (y_high - y_low) * 0.1 or 1.0

    def x_share(x: float) -> float:
        return screen_share(x, *x_range, log=use_log, reverse=not cost_axis.lower_is_better)

    def y_share(y: float) -> float:
        return screen_share(
            y, y_low - y_pad, y_high + y_pad, log=False, reverse=not info.higher_is_better
        )

    screen = [(x_share(by_name[n][0]), y_share(by_name[n][1])) for n in frontier_names]
    # On a crowded chart (a sweep) a frontier model other than a pick is named only where its
    # name covers no other name; every model is named on hover.
    places = label_positions(
        screen,
        [labels[n] for n in frontier_names],
        optional=[named_only and n not in (academic, industry) for n in frontier_names],
    )
    traces = [
        _scatter(
            x=[by_name[n][0] for n in frontier_names],
            y=[by_name[n][1] for n in frontier_names],
            mode="lines+text",
            name=FRONTIER_NAME,
            line={"color": "#222222", "width": 2.5},
            # Frontier models are named on the chart, placed so no two names overlap; the
            # others are named on hover.
            text=[
                label_text(labels[n], pos) if pos else ""
                for n, pos in zip(frontier_names, places, strict=True)
            ],
            textposition=[pos or "top center" for pos in places],
            textfont={"size": 11, "color": "#222222"},
            cliponaxis=False,  # a label near the edge is drawn whole, not cut
            hoverinfo="skip",
        )
    ]
    arrows, hollow = _other_runtime(pairs, shown, metric, scale, use_log, budgets)
    traces += hollow
    by_family: dict[str, list[tuple[Any, float, float]]] = {}
    for point in points:
        by_family.setdefault(getattr(point[0], "family", "Other"), []).append(point)
    for family, members in by_family.items():
        members.sort(key=lambda p: (getattr(p[0], "rung", 0), p[0].name))
        if len(members) > DENSE_FAMILY:
            curve = _family_curve(
                family, members, scale, cost_axis.lower_is_better, info.higher_is_better
            )
            traces.append(curve)
        traces.append(
            _family_trace(family, members, metric, scale, set(frontier_names), budgets, axis)
        )
    if any(runtime_of(m) == "onnx" for m, _, _ in points):
        onnx = {"symbol": SYMBOL_ONNX, "color": _GREY, "size": 11, "line": {"width": 0}}
        traces.append(_marker_trace(ONNX_NAME, [None], [None], onnx))
    if budgets and any(budgets.violations(m) for m, _, _ in points):
        over = {
            "symbol": SYMBOL_OVER_BUDGET,
            "color": "#999999",
            "size": 10,
            "line": {"color": _RED, "width": 1.5},
        }
        traces.append(_marker_trace(OVER_BUDGET_NAME, [None], [None], over))
    for pick, name, symbol, size, colour in (
        (academic, ACADEMIC_NAME, "star-open", 26, "#222222"),
        (industry, INDUSTRY_NAME, "star", 18, "#f2b701"),
    ):
        if pick in by_name:
            star = {
                "symbol": symbol,
                "size": size,
                "color": colour,
                "line": {"color": "#222222", "width": 1.5},
            }
            traces.append(_marker_trace(name, [by_name[pick][0]], [by_name[pick][1]], star))
    # The figure made once with every trace: plotly checks each trace added one by one.
    fig = _figure(traces)
    if arrows:
        fig.update_layout(annotations=arrows)  # one update: plotly copies them on each add

    drawn = [(x_share(x), y_share(y * scale)) for _, x, y in [*points, *pairs]]
    named = [
        (*xy, labels[n], pos)
        for n, xy, pos in zip(frontier_names, screen, places, strict=True)
        if pos is not None
    ]
    for baseline, words, above in (
        (DUMMY_BASELINE, "Dummy baseline", False),
        (SIMPLE_BASELINE, "Simple baseline", True),
    ):
        ref = next((m for m in models if m.name == baseline and m.status == "ok"), None)
        value = ref.metrics.get(metric) if ref is not None else None
        if value is not None and math.isfinite(value):
            text = f"{words} {format_metric(metric, value)}"
            # Its words at the end of the line where they cover fewer points and names.
            side = line_label_side(
                y_share(value * scale), text, above=above, points=drawn, labelled=named
            )
            fig.add_hline(
                y=value * scale,
                line={"color": "#555555", "width": 1, "dash": "dash"},
                annotation_text=text,
                annotation_position=f"{'top' if above else 'bottom'} {side}",
                annotation_font={"color": "#555555", "size": 11},
            )
    if limit is not None:
        far = 10 ** x_range[1] if use_log else x_range[1]
        fig.add_vrect(x0=limit, x1=far, fillcolor=_RED, opacity=0.08, line_width=0, layer="below")
        fig.add_annotation(
            text=f"over budget (above {limit:g} {cost_axis.unit})",
            x=math.log10(limit) if use_log else limit,  # annotations take log10 on a log axis
            xref="x",
            y=1,
            yref="paper",
            xanchor="left",
            yanchor="top",
            showarrow=False,
            font={"color": _RED, "size": 12},
        )

    x_title = cost_axis.title
    if axis == NET_VALUE:
        x_title = plain(f"{x_title}, from your business numbers — more is better, on the left")
    elif not cost_axis.lower_is_better:
        x_title += " — higher is better, axis reversed so left is cheaper"
    y_title = f"{info.label} (%)" if info.percent else info.label
    y_title += (
        " — higher is better" if info.higher_is_better else " — lower is better, axis reversed"
    )
    fig.update_xaxes(
        title_text=x_title + (", log scale" if use_log else ""),
        type="log" if use_log else "linear",
        range=x_range if cost_axis.lower_is_better else x_range[::-1],
        **(money_axis(xs, log=use_log) if cost_axis.unit.startswith("$") else {}),
    )
    fig.update_yaxes(
        title_text=y_title,
        autorange=True if info.higher_is_better else "reversed",
        ticksuffix="%" if info.percent else "",
        zeroline=False,
    )
    scatter_layout(fig, top=50 if title else 20, title=title)
    return fig


# --- a scatter of models with a frontier, for other trade-offs (money, fairness) ----------------


def plain(text: object) -> str:
    """``text`` as plotly must show it: literally, never as HTML or LaTeX.

    Plotly reads ``<b>``, ``<br>``, ``<a>``... in labels as markup, and typesets a string holding
    two ``$`` as LaTeX (MathJax). So ``&``, ``<`` and ``>`` become HTML entities, and every ``$``
    becomes the entity ``&#36;``: plotly looks for LaTeX before it decodes entities, so the user
    sees a real "$" and no formula. (Quotes stay as they are: plotly does not decode ``&quot;``.)
    """
    return html.escape(str(text), quote=False).replace("$", "&#36;")


@dataclass(frozen=True)
class ModelPoint:
    """One model on a trade-off chart: ``x`` is a cost (left is better), ``y`` a value (up is
    better) with its interval; ``hover`` holds finished plotly hover lines (already
    :func:`plain`)."""

    name: str
    label: str
    family: str
    rung: int
    x: float
    y: float
    y_low: float | None
    y_high: float | None
    hover: str


def tradeoff_figure(
    points: Sequence[ModelPoint],
    *,
    x_title: str,
    y_title: str,
    frontier_names: Sequence[str],
    frontier_name: str,
    pick: str | None = None,
    pick_name: str = "",
    y_reversed: bool = False,
    log_x: bool | None = None,
    hlines: Sequence[tuple[float, str]] = (),
    y_suffix: str = "",
    money_x: bool = False,
    money_y: bool = False,
    empty: str = "There is nothing to draw.",
) -> go.Figure:
    """Each model as a dot with its interval, in its family's colour, rungs of a family joined by a
    dotted line; the frontier (``frontier_names``, cheapest first) as a solid line naming its
    models; ``pick`` as a gold star; ``hlines`` as dashed reference lines with their words;
    ``money_x`` / ``money_y`` label that axis's ticks as amounts people write ("$640k", never
    plotly's "$640k"-or-"$70G" SI prefixes).
    ``log_x=None`` picks a log x axis when every x is positive and they span :data:`LOG_SPAN`.
    Every text is made :func:`plain` here, except ``hover`` (finished by the caller)."""
    if not points:
        return message_figure(empty)
    by_name = {p.name: p for p in points}
    on = set(frontier_names)
    xs = [p.x for p in points]
    use_log = min(xs) > 0 and (max(xs) / min(xs) >= LOG_SPAN if log_x is None else log_x)
    fig = _figure()
    front = [by_name[n] for n in frontier_names if n in by_name]
    fig.add_trace(
        _scatter(
            x=[p.x for p in front],
            y=[p.y for p in front],
            mode="lines+text",
            name=plain(frontier_name),
            line={"color": "#222222", "width": 2.5},
            text=["\u2003\u2003" + plain(p.label) for p in front],
            textposition="middle right",
            textfont={"size": 11, "color": "#222222"},
            cliponaxis=False,
            hoverinfo="skip",
        )
    )
    families: dict[str, list[ModelPoint]] = {}
    for p in points:
        families.setdefault(p.family, []).append(p)
    for family, members in families.items():
        members.sort(key=lambda p: (p.rung, p.name))
        colour = family_colour(family)
        fig.add_trace(
            _scatter(
                x=[p.x for p in members],
                y=[p.y for p in members],
                mode="lines+markers" if len(members) > 1 else "markers",
                name=plain(family),
                customdata=[p.name for p in members],
                hovertext=[p.hover for p in members],
                hoverinfo="text",
                line={"color": colour, "width": 1, "dash": "dot"},
                marker={
                    "color": colour,
                    "size": [SIZE_FRONTIER if p.name in on else SIZE_DOMINATED for p in members],
                    "opacity": [
                        OPACITY_FRONTIER if p.name in on else OPACITY_DOMINATED for p in members
                    ],
                    "line": {"color": "white", "width": 1.5},
                },
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [_bar(p.y, p.y_high, 1.0) for p in members],
                    "arrayminus": [_bar(p.y_low, p.y, 1.0) for p in members],
                    "color": rgba(colour, 0.5),
                    "thickness": 1.2,
                    "width": 3,
                },
            )
        )
    if pick in by_name:
        chosen = by_name[pick]
        fig.add_trace(_marker_trace(plain(pick_name), [chosen.x], [chosen.y], PICK_STAR))
    for value, words in hlines:
        fig.add_hline(
            y=value,
            line={"color": "#555555", "width": 1, "dash": "dash"},
            annotation_text=plain(words),
            annotation_position="bottom right",
            annotation_font={"color": "#555555", "size": 11},
        )
    fig.update_xaxes(
        title_text=plain(x_title + (", log scale" if use_log else "")),
        type="log" if use_log else "linear",
        range=_x_range(xs, use_log),
        zeroline=False,
        **(money_axis(xs, log=use_log) if money_x else {}),
    )
    ys = [v for p in points for v in (p.y, p.y_low, p.y_high) if v is not None]
    fig.update_yaxes(
        title_text=plain(y_title),
        autorange="reversed" if y_reversed else True,
        ticksuffix=y_suffix,
        zeroline=False,
        **(money_axis(ys) if money_y else {}),
    )
    scatter_layout(fig)
    return fig


def money_axis(values: Sequence[float], *, log: bool = False) -> dict[str, Any]:
    """Tick positions and labels for an axis of USD: round steps labelled by
    :func:`core.units.format_usd` ("$640k", "−$1.2M", "$0.0031"); powers of ten on a log axis."""
    finite = [float(v) for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return {}
    low, high = min(finite), max(finite)
    if log and low > 0:
        exponents = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
        ticks = [10.0**e for e in exponents]
        labels = [format_usd(t) for t in ticks]
    else:
        ticks, labels = money_ticks(low, high)
    return {"tickmode": "array", "tickvals": ticks, "ticktext": [plain(t) for t in labels]}
