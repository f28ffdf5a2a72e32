"""Plotly figures of calibration: :class:`~core.calibration.Calibration` in, figures out.

Pure functions, in the style of :mod:`core.figures`: shares are drawn in percent, every text a
user controls (model labels, class names) goes through :func:`core.figures.plain`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import plotly.graph_objects as go

from core.calibration import (
    Calibration,
    CalibrationBin,
    format_points,
    format_share,
    happened_words,
    said_words,
)
from core.figures import (
    FAMILY_COLOURS,
    _figure,
    _scatter,
    message_figure,
    plain,
    rgba,
    scatter_layout,
)

DIAGONAL_NAME = "Perfectly calibrated: says 80%, right 80% of the time"
DIAGONAL_COLOUR = "#555555"
X_TITLE = "What the model said (predicted probability, %)"
Y_TITLE = "How often it was right (observed, %)"
TITLE = "When the model says 80%, is it right 80% of the time?"
EMPTY = "No model has held-out probabilities to check."
#: One colour per model, in order: the family colours, dark enough to read on a projector.
COLOURS = tuple(c for family, c in FAMILY_COLOURS.items() if family != "Baseline")
#: Marker diameters (px) of the smallest and the most populated bin on the chart.
SIZE_MIN, SIZE_MAX = 7.0, 22.0


def _sizes(bins: tuple[CalibrationBin, ...], most: int) -> list[float]:
    """Marker sizes growing with the rows of each bin: the area follows the count."""
    return [SIZE_MIN + (SIZE_MAX - SIZE_MIN) * math.sqrt(b.count / most) for b in bins]


def _hover(label: str, cal: Calibration, b: CalibrationBin) -> str:
    said = said_words(cal, f"{format_share(b.low)} to {format_share(b.high)}")
    return "<br>".join(
        [
            f"<b>{plain(label)}</b>",
            plain(f"Rows where it {said}: {b.count:,} held-out rows"),
            plain(f"On average it said {format_share(b.predicted)}"),
            plain(
                f"What happened: {happened_words(cal, format_share(b.observed))} "
                f"({b.events:,} of {b.count:,} rows; 95% interval "
                f"{format_share(b.observed_low)} to {format_share(b.observed_high)})"
            ),
        ]
    )


def _titles(calibrations: Mapping[str, Calibration]) -> tuple[str, str, str, str]:
    """Axis titles, chart title and the diagonal's name: about the positive class when every
    model is binary with the same positive class, else about being right."""
    events = {(c.kind, c.event) for c in calibrations.values()}
    if len(events) == 1:
        kind, event = next(iter(events))
        if kind == "positive class":
            return (
                f"What the model said: chance of '{event}' (predicted probability, %)",
                f"How often the answer was '{event}' (observed, %)",
                f"When the model says 80% '{event}', is it '{event}' 80% of the time?",
                f"Perfectly calibrated: says 80% '{event}', '{event}' 80% of the time",
            )
    return X_TITLE, Y_TITLE, TITLE, DIAGONAL_NAME


def reliability_figure(calibrations: Mapping[str, Calibration]) -> go.Figure:
    """A reliability diagram of one or several models (label → :class:`Calibration`).

    The dashed diagonal is a perfectly calibrated model. Each model's bins are markers at (mean
    predicted probability, observed share) with Wilson's 95% interval as a vertical bar; a
    marker's area grows with its rows. Empty bins are not drawn. A model's legend entry gives
    its ECE and the ECE chance alone gives on that many rows (a calibrated model is off a
    little too)."""
    drawn = {label: cal for label, cal in calibrations.items() if cal.bins}
    if not drawn:
        return message_figure(EMPTY)
    x_title, y_title, title, diagonal = _titles(drawn)
    most = max(b.count for cal in drawn.values() for b in cal.bins)
    traces = [
        _scatter(
            x=[0, 100],
            y=[0, 100],
            mode="lines",
            name=plain(diagonal),
            line={"color": DIAGONAL_COLOUR, "width": 1.5, "dash": "dash"},
            hoverinfo="skip",
        )
    ]
    for i, (label, cal) in enumerate(drawn.items()):
        colour = COLOURS[i % len(COLOURS)]
        bins = cal.bins
        traces.append(
            _scatter(
                x=[b.predicted * 100 for b in bins],
                y=[b.observed * 100 for b in bins],
                mode="lines+markers",
                name=plain(
                    f"{label}: off by {format_points(cal.ece)} on average (chance alone: "
                    f"{format_points(cal.ece_if_calibrated)} on {cal.rows:,} rows)"
                    + (", poorly calibrated" if cal.poorly_calibrated else "")
                ),
                legendgroup=plain(label),
                text=[_hover(label, cal, b) for b in bins],
                hovertemplate="%{text}<extra></extra>",
                line={"color": rgba(colour, 0.5), "width": 1},
                marker={
                    "color": colour,
                    "size": _sizes(bins, most),
                    "line": {"color": "white", "width": 1},
                },
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [max(b.observed_high - b.observed, 0.0) * 100 for b in bins],
                    "arrayminus": [max(b.observed - b.observed_low, 0.0) * 100 for b in bins],
                    "color": rgba(colour, 0.6),
                    "thickness": 1.5,
                    "width": 3,
                },
                cliponaxis=False,  # a bin at 0% or 100% is drawn whole
            )
        )
    fig = _figure(traces)
    scatter_layout(fig, top=50, title=plain(title))
    axis = {"range": [0, 100], "ticksuffix": "%", "dtick": 10, "zeroline": False}
    fig.update_xaxes(title_text=plain(x_title), **axis)
    fig.update_yaxes(title_text=plain(y_title), **axis)
    return fig
