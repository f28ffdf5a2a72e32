"""Plotly figures of SHAP explanations: :class:`~core.explain.Explanation` in, ``go.Figure`` out.

Pure functions, like :mod:`core.figures` (whose style they share): the same explanation gives the
same figure JSON, nothing here imports streamlit, shap's plots or matplotlib.

Units. Contributions are drawn in the unit of the model's output (``Explanation.output``):

* ``"probability of 'bad'"``: contributions in **percentage points** (SHAP values x100) and
  predictions in % (x100), so "+3.2" means "3.2 points more probability of 'bad'";
* ``"log-odds of 'bad'"``: contributions and predictions in **log-odds**, unscaled;
* ``"predicted price"`` (regression): in **units of price**, the target's own unit, unscaled;
* anything else: unscaled, in "units of <output>".

Every text a user controls (column names, category values, model labels, the target in the
output) goes through :func:`plain` before it reaches a figure, and reaches hover labels only as
finished ``hovertext`` (never inside a ``hovertemplate``, where ``%{...}`` would be substituted).
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.candidates import get_candidate
from core.errors import ConfigError
from core.explain import Explanation
from core.figures import family_colour, message_figure, plain
from core.units import format_number

#: SHAP's own colours: red pushes the prediction up / high value, blue down / low value.
UP_COLOUR, DOWN_COLOUR, TOTAL_COLOUR = "#ff0051", "#008bfb", "#7f7f7f"
OTHER_COLOUR, MISSING_COLOUR = "#b0b0b0", "#c8c8c8"
VALUE_COLOURSCALE = [[0.0, DOWN_COLOUR], [1.0, UP_COLOUR]]
COLOURBAR_TITLE = "column value: low → high"
BASE_LABEL, PREDICTION_LABEL = "average prediction", "prediction"
MISSING = "missing"
#: Seed of the beeswarm's vertical jitter (mixed with each column's name: stable per column).
JITTER_SEED = 0
#: Half the height of one beeswarm row that its densest stretch of dots may fill.
JITTER_HALF_WIDTH = 0.38
#: The dependence plot of a categorical column shows at most this many categories (the most
#: frequent), the rest grouped as one.
MAX_CATEGORIES = 20
#: Agreement verdicts: rank correlation at least this -> "mostly the same" / "partly the same".
MOSTLY_SAME, PARTLY_SAME = 0.7, 0.4
NO_ROWS = "No rows were explained, so there is nothing to draw."
NO_COLUMNS = "This model has no column to explain."
NO_COLUMN_USED = "This model uses no column: it predicts the same for every row."


# --- units and numbers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OutputUnit:
    """How to draw numbers of one model output: ``scale`` x SHAP value, in ``unit``."""

    scale: float
    #: The unit of a contribution, in words ("percentage points", "log-odds", "units of price").
    unit: str
    #: Axis title for the prediction itself ("probability of 'bad' (%)").
    value_title: str
    percent: bool

    def contribution(self, value: float) -> str:
        """A scaled contribution with its sign and unit: "+3.2 percentage points"."""
        return f"{_signed(value)} {self.unit}"

    def value(self, value: float) -> str:
        """A scaled prediction with its unit: "23.4%", "-1.2 log-odds", "152"."""
        if self.percent:
            return f"{value:.1f}%"
        text = _short(value)
        return f"{text} log-odds" if self.unit == "log-odds" else text


def output_unit(output: str) -> OutputUnit:
    """The drawing convention for an ``Explanation.output`` (see the module docstring)."""
    words = output.strip()
    lower = words.lower()
    if lower.startswith("probability"):
        return OutputUnit(100.0, "percentage points", f"{plain(words)} (%)", percent=True)
    if lower.startswith(("log-odds", "log odds")):
        return OutputUnit(1.0, "log-odds", plain(words), percent=False)
    target = words[len("predicted ") :] if lower.startswith("predicted ") else words
    return OutputUnit(1.0, f"units of {plain(target)}", plain(words), percent=False)


def _short(value: float) -> str:
    if not math.isfinite(value):
        return "not a number"
    return format_number(value)


def _signed(value: float) -> str:
    """ "+3.2", "−46,200" (one sign, the minus a minus sign); "not a number" for NaN."""
    return format_number(value, signed=True) if math.isfinite(value) else _short(value)


def value_text(value: object) -> str:
    """A table value as a person reads it (not yet :func:`plain`): 24, 0.153, "<0 DM", missing."""
    if value is None or value is pd.NA or value is pd.NaT:
        return MISSING
    if isinstance(value, float | np.floating) and math.isnan(value):
        return MISSING
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        number = float(value)
        if number.is_integer() and abs(number) < 1e15:
            return str(int(number))
        if abs(number) >= 1000:
            text = f"{number:.1f}"
        elif abs(number) >= 1e-4:
            text = f"{number:.4g}"  # no exponent from 0.0001 up
        else:
            text = format_number(number)
        return text.replace("-", "−")
    return str(value)


def _clip(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- shared helpers ------------------------------------------------------------------------------


def _importance(expl: Explanation) -> pd.Series:
    """Mean |SHAP| per column, largest first; ties keep table order (deterministic)."""
    values = expl.values.astype(float).abs().mean().fillna(0.0)
    return values.sort_values(ascending=False, kind="stable")


def _empty(expl: Explanation) -> go.Figure | None:
    """A message figure when there is nothing to draw, else None."""
    if expl.values.shape[1] == 0:
        return message_figure(NO_COLUMNS)
    if expl.values.shape[0] == 0:
        return message_figure(NO_ROWS)
    return None


def _data(expl: Explanation) -> pd.DataFrame:
    """``expl.data`` aligned with ``expl.values`` (missing cells stay missing)."""
    return expl.data.reindex(index=expl.values.index, columns=expl.values.columns)


def _is_numeric(column: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column))


def _model_colour(expl: Explanation) -> str:
    """The colour of the model's family on every chart (a neutral one for unknown models)."""
    try:
        return family_colour(get_candidate(expl.model).family)
    except ConfigError:
        return family_colour("Linear")


def _height(n_rows: int, per_row: int, extra: int = 150) -> int:
    return int(min(max(extra + per_row * n_rows, 320), 1600))


def _layout(fig: go.Figure, title: str, height: int, **layout: Any) -> go.Figure:
    fig.update_layout(
        template="plotly_white",
        height=height,
        title_text=title,
        hoverlabel={"align": "left"},
        margin={"t": 70, "r": 30},
        **layout,
    )
    return fig


def _note(fig: go.Figure, text: str) -> None:
    """A grey line of explanation above the plot area, on the left."""
    fig.add_annotation(
        text=text, x=0, xref="paper", y=1.0, yref="paper", xanchor="left", yanchor="bottom",
        showarrow=False, font={"color": "#555555", "size": 12},
    )  # fmt: skip


def _columns(n: int) -> str:
    return f"{n} column" + ("" if n == 1 else "s")


def _other(n: int) -> str:
    return f"{n} other column" + ("" if n == 1 else "s")


# --- overall importance --------------------------------------------------------------------------


def importance_figure(expl: Explanation, *, top: int = 15) -> go.Figure:
    """Mean |contribution| per original column as horizontal bars, largest at the top.

    Columns beyond the ``top`` largest are summed into one last bar "N other columns". Bars are
    in the output's unit (percentage points for a probability). A model that uses no column
    (the dummy baseline) gets bars at zero and a note saying so.
    """
    _check_top(top)
    if (empty := _empty(expl)) is not None:
        return empty
    unit = output_unit(expl.output)
    importance = _importance(expl) * unit.scale
    shown, rest = importance.iloc[:top], importance.iloc[top:]
    names = [plain(c) for c in shown.index]
    xs = [float(v) for v in shown]
    colours = [_model_colour(expl)] * len(xs)
    hover = [
        f"<b>{n}</b><br>moves the prediction by {_short(x)} {unit.unit} on average"
        for n, x in zip(names, xs, strict=True)
    ]
    if len(rest):
        names.append(_other(len(rest)))
        xs.append(float(rest.sum()))
        colours.append(OTHER_COLOUR)
        hover.append(f"<b>{names[-1]}</b><br>together: {_short(xs[-1])} {unit.unit} on average")
    fig = go.Figure(
        go.Bar(
            x=xs, y=names, orientation="h", marker={"color": colours},
            text=[_short(x) for x in xs], textposition="outside", cliponaxis=False,
            hovertext=hover, hoverinfo="text", name=plain(expl.label),
        )
    )  # fmt: skip
    fig.update_xaxes(title_text=f"mean |contribution| ({unit.unit})", rangemode="tozero")
    fig.update_yaxes(type="category", autorange="reversed", automargin=True)
    _layout(
        fig,
        f"What {plain(expl.label)} relies on: average effect of each column",
        _height(len(xs), 28),
        showlegend=False,
    )
    if not importance.any():
        _note(fig, NO_COLUMN_USED)
    return fig


def _check_top(top: int) -> None:
    if top < 1:
        raise ConfigError(f"'top' must be at least 1 (the number of columns shown). Got {top}.")


# --- beeswarm ------------------------------------------------------------------------------------


def _colour_values(column: pd.Series) -> tuple[list[float | str], str]:
    """Per row a value in [0, 1] for the colour scale (a grey colour if missing), and a note."""
    missing = column.isna().to_numpy()
    if _is_numeric(column):
        ranks = column.astype(float).rank(method="average")
        n = int((~missing).sum())
        norm = (ranks - 1) / (n - 1) if n > 1 else ranks * 0 + 0.5
        note = "colour: the value's rank among the explained rows"
    else:
        categories = sorted({str(v) for v in column[~missing]})
        codes = {c: i for i, c in enumerate(categories)}
        k = len(categories)
        norm = column.map(lambda v: codes[str(v)] / (k - 1) if k > 1 else 0.5, na_action="ignore")
        note = f"colour: category code ({k} categories in alphabetical order), not low → high"
    out: list[float | str] = [
        MISSING_COLOUR if m else float(v) for v, m in zip(norm, missing, strict=True)
    ]
    return out, note


def _jitter(xs: np.ndarray, name: str) -> np.ndarray:
    """Seeded vertical offsets, wider where dots are dense (a violin-shaped swarm)."""
    if len(xs) == 0:
        return np.zeros(0)
    finite = np.where(np.isfinite(xs), xs, 0.0)
    lo, hi = float(finite.min()), float(finite.max())
    bins = np.minimum(((finite - lo) / (hi - lo) * 30).astype(int), 29) if hi > lo else finite * 0
    counts = np.bincount(bins.astype(int), minlength=30)
    density = counts[bins.astype(int)] / counts.max()
    rng = np.random.default_rng([JITTER_SEED, zlib.crc32(name.encode())])
    offsets = rng.uniform(-1.0, 1.0, len(xs)) * JITTER_HALF_WIDTH * np.sqrt(density)
    return np.asarray(offsets, dtype=float)


def beeswarm_figure(expl: Explanation, *, top: int = 12) -> go.Figure:
    """Each explained row as a dot per column at its contribution, coloured by the row's value.

    One row of dots per column, most important at the top (the order of
    :func:`importance_figure`), jittered vertically (seeded: the same figure every time). Numeric
    values are coloured by their rank among the explained rows (blue low, red high); categories by
    their alphabetical code, which the hover says; missing values grey.
    """
    _check_top(top)
    if (empty := _empty(expl)) is not None:
        return empty
    importance = _importance(expl)
    if not importance.any():
        return message_figure(NO_COLUMN_USED)
    unit = output_unit(expl.output)
    columns = list(importance.index[:top])
    data = _data(expl)
    fig = go.Figure()
    for i, col in enumerate(columns):
        xs = expl.values[col].to_numpy(dtype=float) * unit.scale
        colours, note = _colour_values(data[col])
        name = plain(col)
        hover = [
            f"<b>{name}</b><br>value: {plain(value_text(v))}<br>"
            f"contribution: {unit.contribution(x)}<br>{note}"
            for v, x in zip(data[col], xs, strict=True)
        ]
        fig.add_trace(
            go.Scatter(
                x=xs, y=i + _jitter(xs, str(col)), mode="markers", name=name,
                marker={"color": colours, "coloraxis": "coloraxis", "size": 6, "opacity": 0.8},
                hovertext=hover, hoverinfo="text",
            )
        )  # fmt: skip
    fig.add_vline(x=0, line={"color": "#444444", "width": 1})
    fig.update_xaxes(
        title_text=f"contribution to the {plain(expl.output)} ({unit.unit}): "
        "left lowers it, right raises it",
        zeroline=False,
    )
    fig.update_yaxes(
        tickmode="array", tickvals=list(range(len(columns))),
        ticktext=[plain(c) for c in columns], autorange="reversed", automargin=True,
        showgrid=False, zeroline=False,
    )  # fmt: skip
    hidden = len(importance) - len(columns)
    subtitle = f" (top {len(columns)} of {len(importance)} columns)" if hidden else ""
    _layout(
        fig,
        f"How each column pushes {plain(expl.label)}'s prediction, row by row{subtitle}",
        _height(len(columns), 45),
        showlegend=False,
        coloraxis={
            "colorscale": VALUE_COLOURSCALE, "cmin": 0, "cmax": 1,
            "colorbar": {
                "title": {"text": COLOURBAR_TITLE, "side": "right"},
                "tickvals": [0, 1], "ticktext": ["low", "high"], "thickness": 12,
            },
        },
    )  # fmt: skip
    return fig


# --- one row -------------------------------------------------------------------------------------


def waterfall_figure(expl: Explanation, row: int, *, top: int = 10) -> go.Figure:
    """How one explained row's prediction is built: from the average, column by column.

    ``row`` is a label of ``expl.values.index``. The first bar is the average prediction (SHAP's
    base value), each step one column's contribution labelled "column = this row's value"
    (largest first, red up, blue down, columns beyond ``top`` grouped as "N other columns"), and
    the last bar the row's prediction. Bottom to top, in the output's unit. Columns that did not
    move this row's prediction (a contribution of exactly 0) are left out, and a note counts them.
    """
    _check_top(top)
    if (empty := _empty(expl)) is not None:
        return empty
    if row not in expl.values.index:
        some = ", ".join(str(i) for i in expl.values.index[:5])
        raise ConfigError(
            f"Row {row} was not explained. Choose one of the {len(expl.values)} explained rows "
            f"(e.g. {some})."
        )
    unit = output_unit(expl.output)
    position = int(np.flatnonzero(expl.values.index == row)[0])
    contributions: pd.Series = expl.values.iloc[position].astype(float).fillna(0.0) * unit.scale
    magnitude = contributions.abs()
    order = magnitude[magnitude > 0].sort_values(ascending=False, kind="stable").index
    shown, rest = list(order[:top]), list(order[top:])
    n_idle = len(contributions) - len(order)
    data = _data(expl).iloc[position]
    base = float(expl.base_value) * unit.scale
    prediction = float(np.asarray(expl.prediction, dtype=float)[position]) * unit.scale

    labels = [BASE_LABEL]
    xs, texts = [base], [unit.value(base)]
    hover = [f"<b>{BASE_LABEL}</b> over the explained rows: {unit.value(base)}"]
    for col in shown:
        value = plain(value_text(data[col]))
        labels.append(f"{plain(col)} = {_clip(value)}")
        xs.append(float(contributions[col]))
        texts.append(_signed(xs[-1]))
        hover.append(f"<b>{plain(col)}</b> = {value}<br>{unit.contribution(xs[-1])}")
    if rest:
        labels.append(_other(len(rest)))
        xs.append(float(contributions[rest].sum()))
        texts.append(_signed(xs[-1]))
        hover.append(f"<b>{labels[-1]}</b> together<br>{unit.contribution(xs[-1])}")
    labels.append(PREDICTION_LABEL)
    xs.append(0.0)  # a "total" bar's value is computed by plotly: base + the steps
    texts.append(unit.value(prediction))
    hover.append(f"<b>{PREDICTION_LABEL}</b> for this row: {unit.value(prediction)}")
    fig = go.Figure(
        go.Waterfall(
            orientation="h", y=labels, x=xs,
            measure=["absolute"] + ["relative"] * (len(xs) - 2) + ["total"],
            text=texts, textposition="outside", cliponaxis=False,
            hovertext=hover, hoverinfo="text",
            increasing={"marker": {"color": UP_COLOUR}},
            decreasing={"marker": {"color": DOWN_COLOUR}},
            totals={"marker": {"color": TOTAL_COLOUR}},
            connector={"line": {"color": "#999999", "width": 1, "dash": "dot"}},
        )
    )  # fmt: skip
    levels = np.cumsum(xs[:-1])
    lo, hi = float(min(levels.min(), prediction)), float(max(levels.max(), prediction))
    pad = (hi - lo) * 0.25 or abs(hi) * 0.1 or 1.0
    fig.update_xaxes(
        title_text=unit.value_title, range=[lo - pad, hi + pad],
        ticksuffix="%" if unit.percent else "",
    )  # fmt: skip
    fig.update_yaxes(type="category", automargin=True)
    _layout(
        fig,
        f"Why {plain(expl.label)} predicts {unit.value(prediction)} for this row",
        _height(len(labels), 32),
        showlegend=False,
    )
    if not len(order):
        _note(fig, NO_COLUMN_USED)
    elif n_idle:
        _note(fig, f"{_columns(n_idle)} did not move this row's prediction and are not shown.")
    return fig


# --- one column ----------------------------------------------------------------------------------


def dependence_figure(expl: Explanation, column: str) -> go.Figure:
    """One column's contribution against its value, one dot per explained row.

    Numeric columns: a scatter with the value on x (rows with a missing value are counted in a
    note). Categorical columns: a box of contributions per category with every row as a dot,
    categories ordered by their mean contribution, the :data:`MAX_CATEGORIES` most frequent shown.
    """
    if column not in expl.values.columns:
        known = ", ".join(str(c) for c in expl.values.columns[:10])
        more = ", ..." if expl.values.shape[1] > 10 else ""
        raise ConfigError(f"Unknown column '{column}'. Choose one of: {known}{more}.")
    if (empty := _empty(expl)) is not None:
        return empty
    unit = output_unit(expl.output)
    ys = expl.values[column].astype(float) * unit.scale
    values = _data(expl)[column]
    name, colour = plain(column), _model_colour(expl)
    notes = []
    if _is_numeric(values):
        known_rows = values.notna()
        xs = values[known_rows].astype(float)
        hover = [
            f"<b>{name}</b> = {plain(value_text(x))}<br>contribution: {unit.contribution(y)}"
            for x, y in zip(xs, ys[known_rows], strict=True)
        ]
        trace: go.Scatter | go.Box = go.Scatter(
            x=xs.to_list(), y=ys[known_rows].to_list(), mode="markers", name=name,
            marker={"color": colour, "size": 7, "opacity": 0.7},
            hovertext=hover, hoverinfo="text",
        )  # fmt: skip
        x_title, x_type = f"{name} (its value in the table)", "linear"
        if (n_missing := int((~known_rows).sum())) > 0:
            notes.append(f"{n_missing} rows with no {name} value are not shown.")
    else:
        texts = values.map(value_text, na_action=None).astype(str)
        counts = texts.value_counts()
        frequent = sorted(counts.index, key=lambda c: (-counts[c], c))[:MAX_CATEGORIES]
        n_other = texts.nunique() - len(frequent)
        if n_other > 0:
            texts = texts.where(texts.isin(frequent), f"{n_other} other values")
            notes.append(f"The {n_other} rarest values of {name} are grouped into one box.")
        means = ys.groupby(texts).mean()
        order = sorted(means.index, key=lambda c: (-means[c], c))
        hover = [
            f"<b>{name}</b> = {plain(t)}<br>contribution: {unit.contribution(y)}"
            for t, y in zip(texts, ys, strict=True)
        ]
        trace = go.Box(
            x=[plain(t) for t in texts], y=ys.to_list(), name=name, boxpoints="all",
            jitter=0.5, pointpos=0, marker={"color": colour, "size": 6, "opacity": 0.7},
            line={"color": colour}, fillcolor="rgba(0,0,0,0)",
            hovertext=hover, hoverinfo="text",
        )  # fmt: skip
        x_title, x_type = f"{name} (category)", "category"
    fig = go.Figure(trace)
    fig.add_hline(y=0, line={"color": "#444444", "width": 1})
    fig.update_xaxes(title_text=x_title, type=x_type)
    if x_type == "category":
        fig.update_xaxes(categoryorder="array", categoryarray=[plain(c) for c in order])
    fig.update_yaxes(
        title_text=f"contribution of {name} ({unit.unit})",
        zeroline=False,
    )
    if not ys.any():
        notes.append(f"{plain(expl.label)} does not use {name}: every contribution is 0.")
    _layout(fig, f"How {name} changes {plain(expl.label)}'s prediction", 520, showlegend=False)
    if notes:
        _note(fig, " ".join(notes))
    return fig


# --- two models ----------------------------------------------------------------------------------


def _shares(expl: Explanation) -> pd.Series:
    """Each column's share of the model's total mean |SHAP|, in % (all 0 if it uses none)."""
    importance = _importance(expl)
    total = float(importance.sum())
    return importance / total * 100 if total > 0 else importance * 0.0


def compare_figure(a: Explanation, b: Explanation, *, top: int = 10) -> go.Figure:
    """Two models side by side: each column's share of each model's attention, in %.

    A share is the column's mean |contribution| over the model's total, so models whose outputs
    have different units compare. Columns: the union of each model's ``top`` columns, ordered by
    their average share; the rest of both is one last pair of bars, so each model's bars sum to
    100% (or are all 0 for a model that uses no column).
    """
    _check_top(top)
    for expl in (a, b):
        if (empty := _empty(expl)) is not None:
            return empty
    shares_a, shares_b = _shares(a), _shares(b)
    columns = list(dict.fromkeys([*a.values.columns, *b.values.columns]))  # table order
    # A model that uses no column has no top columns of its own.
    union = set(shares_a[shares_a > 0].index[:top]) | set(shares_b[shares_b > 0].index[:top])
    union = union or set(columns[:top])
    shares_a = shares_a.reindex(columns, fill_value=0.0)
    shares_b = shares_b.reindex(columns, fill_value=0.0)
    mean = (shares_a + shares_b) / 2
    shown = [c for c in mean.sort_values(ascending=False, kind="stable").index if c in union]
    rest = [c for c in columns if c not in union]
    labels = [plain(c) for c in shown] + ([_other(len(rest))] if rest else [])
    colour_a, colour_b = _model_colour(a), _model_colour(b)
    if colour_b == colour_a:
        colour_b = "#555555"
    fig = go.Figure()
    for expl, shares, colour in ((a, shares_a, colour_a), (b, shares_b, colour_b)):
        xs = [float(shares[c]) for c in shown] + ([float(shares[rest].sum())] if rest else [])
        label = plain(expl.label)
        uses_none = not shares.any()
        fig.add_trace(
            go.Bar(
                x=xs, y=labels, orientation="h",
                name=label + (" (uses no column)" if uses_none else ""),
                marker={"color": colour},
                hovertext=[
                    f"<b>{label}</b><br>{c}: {x:.1f}% of its attention"
                    for c, x in zip(labels, xs, strict=True)
                ],
                hoverinfo="text",
            )
        )  # fmt: skip
    fig.update_xaxes(
        title_text="share of the model's total mean |contribution| (%)", rangemode="tozero",
        ticksuffix="%",
    )  # fmt: skip
    fig.update_yaxes(type="category", autorange="reversed", automargin=True)
    _layout(
        fig,
        f"Which columns {plain(a.label)} and {plain(b.label)} rely on",
        _height(len(labels), 44, extra=190),
        barmode="group",
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": -0.12, "yanchor": "top"},
    )
    idle = [plain(e.label) for e, s in ((a, shares_a), (b, shares_b)) if not s.any()]
    if idle:
        verb, their = ("use", "their") if len(idle) > 1 else ("uses", "its")
        _note(fig, f"{' and '.join(idle)} {verb} no column at all: {their} bars are all 0.")
    return fig


Verdict = Literal["mostly the same", "partly the same", "different", "no columns"]


@dataclass(frozen=True)
class Agreement:
    """Whether two models rely on the same columns, with a plain-words ``sentence``."""

    #: Spearman rank correlation of the two models' importances over their shared columns;
    #: None when undefined (fewer than two shared columns, or a model uses no column at all).
    spearman: float | None
    #: How many top columns of each model were compared (``top``, or fewer if fewer columns).
    top_k: int
    #: How many of the two models' ``top_k`` columns are the same.
    overlap: int
    #: Those shared top columns, in the first model's order.
    shared_top: tuple[str, ...]
    verdict: Verdict
    sentence: str


def _verdict(score: float) -> Verdict:
    if score >= MOSTLY_SAME:
        return "mostly the same"
    return "partly the same" if score >= PARTLY_SAME else "different"


def agreement(a: Explanation, b: Explanation, *, top: int = 5) -> Agreement:
    """Do ``a`` and ``b`` rely on the same columns? Rank correlation and top-``top`` overlap.

    The verdict follows the rank correlation: at least :data:`MOSTLY_SAME` "mostly the same",
    at least :data:`PARTLY_SAME` "partly the same", otherwise "different"; when the correlation
    is undefined (fewer than two shared columns) the share of shared top columns decides. A model
    whose contributions are all zero (the dummy baseline) "uses no column at all".
    """
    _check_top(top)
    if unexplained := [e.label for e in (a, b) if e.values.shape[0] == 0]:
        sentence = f"Nothing to compare: no rows were explained for {' and '.join(unexplained)}."
        return Agreement(None, 0, 0, (), "no columns", sentence)
    imp_a, imp_b = _importance(a), _importance(b)
    # Each keeps its own order (largest first) over the columns both models explain.
    imp_a, imp_b = imp_a[imp_a.index.isin(imp_b.index)], imp_b[imp_b.index.isin(imp_a.index)]
    shared = list(imp_a.index)
    label_a, label_b = a.label, b.label
    k = min(top, len(shared))
    if not imp_a.any() or not imp_b.any():
        if not imp_a.any() and not imp_b.any():
            sentence = (
                f"Neither {label_a} nor {label_b} uses any column: both predict the same for "
                "every row."
            )
        else:
            unused, used, imp = (
                (label_a, label_b, imp_b) if not imp_a.any() else (label_b, label_a, imp_a)
            )
            names = _names(list(imp[imp > 0].index[:3]))
            sentence = (
                f"{unused} uses no column at all (it predicts the same for every row), so there "
                f"is nothing to compare; {used} relies most on {names}."
            )
        return Agreement(None, k, 0, (), "no columns", sentence)
    top_a, top_b = list(imp_a.index[:k]), set(imp_b.index[:k])
    shared_top = tuple(str(c) for c in top_a if c in top_b)
    rho = _spearman(imp_a.to_numpy(), imp_b[shared].to_numpy())
    verdict = _verdict(rho if rho is not None else len(shared_top) / max(k, 1))
    relies = {
        "mostly the same": "mostly rely on the same columns",
        "partly the same": "partly rely on the same columns",
        "different": "rely on different columns",
    }[verdict]
    how = [] if rho is None else [f"rank correlation {rho:.2f}"]
    if shared_top:
        count = "all of" if len(shared_top) == k else f"{len(shared_top)} of"
        how.append(f"{count} their top {k} columns are shared: {_names(shared_top)}")
    else:
        how.append(f"none of their top {k} columns are shared")
    sentence = f"{label_a} and {label_b} {relies} ({'; '.join(how)})."
    return Agreement(rho, k, len(shared_top), shared_top, verdict, sentence)


def _spearman(x: np.ndarray, y: np.ndarray) -> float | None:
    """Spearman's rho, or None when it is undefined (too few or constant values)."""
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    from scipy.stats import spearmanr

    return float(spearmanr(x, y).statistic)


def _names(columns: Any) -> str:
    names = [str(c) for c in columns]
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)
