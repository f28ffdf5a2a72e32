"""Where the names of a chart's points go: beside, above or below each, so that no two overlap
and none covers another point (a greedy search over the plot area the app shows)."""

from __future__ import annotations

import math
from collections.abc import Sequence

#: The plot area label placement assumes, in pixels: the chart in the app at 1280×720.
LABEL_AREA_PX = (700.0, 315.0)
#: Width of one character and height of one line of an 11-pixel label, in pixels (generous).
_CHAR_PX, _LINE_PX = 6.6, 15.0
#: Where a point's label may go, best first: right of it, then above or below it, then left.
LABEL_POSITIONS = (
    "middle right", "top right", "bottom right", "top center", "bottom center",
    "middle left", "top left", "bottom left",
)  # fmt: skip
_EM_PAD = 2  # em spaces between a point and a label beside it (clear of the pick's star)

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels, y up


def _label_box(x: float, y: float, width: float, position: str, gap: float) -> Box:
    vertical, horizontal = position.split()
    h = _LINE_PX
    x0 = {"right": x + gap, "left": x - gap - width, "center": x - width / 2}[horizontal]
    # Above or below, a label keeps an empty line between it and its point (see _label_text).
    y0 = {"middle": y - h / 2, "top": y + h, "bottom": y - 2 * h}[vertical]
    return (x0, y0, x0 + width, y0 + h)


def _point_label_box(x: float, y: float, label: str, position: str, half: float) -> Box:
    """Where ``label`` is drawn for a point at ``x, y`` (pixels) whose marker is ``2 * half``
    wide, at plotly ``textposition`` ``position`` (see :func:`label_text`)."""
    beside = position in ("middle right", "middle left")
    width = _CHAR_PX * (len(label) + (2 * _EM_PAD if beside else 0))
    return _label_box(x, y, width, position, half + 1)


def line_label_side(
    line_y: float,
    label: str,
    *,
    above: bool,
    points: Sequence[tuple[float, float]],
    labelled: Sequence[tuple[float, float, str, str]] = (),
    marker_px: float = 16.0,
) -> str:
    """``"left"`` or ``"right"``: the end of a horizontal line, drawn at ``line_y`` (0 to 1 up
    the plot), where its ``label`` (written just ``above`` or below it, against the plot's
    edge) covers less of the ``points`` (0 to 1 across and up) and of the points' own labels
    ``labelled`` (each ``x, y, label, textposition``, as :func:`label_positions` placed them).
    The right on a tie."""
    width_px, height_px = LABEL_AREA_PX
    half = marker_px / 2
    y = line_y * height_px
    y0 = y + 2 if above else y - 2 - _LINE_PX
    width = _CHAR_PX * len(label)
    boxes = [
        (x * width_px - half, py * height_px - half, x * width_px + half, py * height_px + half)
        for x, py in points
    ]
    boxes += [
        _point_label_box(x * width_px, py * height_px, text, position, half)
        for x, py, text, position in labelled
    ]
    covered = {
        side: sum(_overlap_area((x0, y0, x0 + width, y0 + _LINE_PX), b) for b in boxes)
        for side, x0 in (("right", width_px - width), ("left", 0.0))
    }
    return "left" if covered["left"] < covered["right"] else "right"


def label_positions(
    screen: Sequence[tuple[float, float]],
    labels: Sequence[str],
    *,
    marker_px: float = 16.0,
    optional: Sequence[bool] | None = None,
) -> list[str | None]:
    """A plotly ``textposition`` for each labelled point so that no two labels overlap and no
    label covers another point, where that is possible (else the place that covers least).

    ``screen`` are the points' places in the plot, from 0 to 1 across and up (as drawn: an axis
    drawn reversed is already flipped). Each label is tried in :data:`LABEL_POSITIONS` order,
    on a plot of :data:`LABEL_AREA_PX`, and must stay inside it. A label marked ``optional``
    (a crowded chart's) is placed after the others, and only where it overlaps no other label:
    else its position is ``None`` and the point is named on hover only."""
    width_px, height_px = LABEL_AREA_PX
    centres = [(x * width_px, y * height_px) for x, y in screen]
    half = marker_px / 2
    markers = [(cx - half, cy - half, cx + half, cy + half) for cx, cy in centres]
    maybe = list(optional) if optional is not None else [False] * len(labels)
    placed: list[Box] = []
    out: list[str | None] = [None] * len(labels)
    for i in sorted(range(len(labels)), key=lambda k: maybe[k]):  # the optional ones last
        cx, cy = centres[i]
        others = [m for j, m in enumerate(markers) if j != i]
        best: tuple[float, str, Box, bool] | None = None
        for rank, position in enumerate(LABEL_POSITIONS):
            box = _point_label_box(cx, cy, label := labels[i], position, half)
            outside = max(0.0, -box[0]) + max(0.0, box[2] - width_px * 1.08)
            outside += max(0.0, -5 - box[1]) + max(0.0, box[3] - height_px - 5)
            on_labels = sum(_overlap_area(box, b) for b in placed)
            covered = on_labels + sum(_overlap_area(box, b) for b in others)
            cost = covered + 50 * outside + rank * 1e-3  # ties keep the earlier position
            if best is None or cost < best[0]:
                best = (cost, position, box, on_labels == 0 and outside == 0)
            if covered == 0 and outside == 0:
                break
        assert best is not None, label
        if maybe[i] and not best[3]:
            continue  # it would cover another label: named on hover only
        placed.append(best[2])
        out[i] = best[1]
    return out


def _overlap_area(a: Box, b: Box) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def label_text(label: str, position: str) -> str:
    """A label as drawn at ``position``: em spaces keep one beside its point clear of it, an
    empty line one above or below it (plotly sets text on a line-only trace right against the
    point, where the pick's star would cover it)."""
    pad = "\u2003" * _EM_PAD
    if position == "middle right":
        return pad + label
    if position == "middle left":
        return label + pad
    if position.startswith("top"):
        return label + "<br> "
    if position.startswith("bottom"):
        return " <br>" + label
    return label


def screen_share(value: float, low: float, high: float, *, log: bool, reverse: bool) -> float:
    """Where ``value`` is drawn between ``low`` and ``high`` (0 to 1, after any reversal)."""
    if log:
        value = math.log10(value) if value > 0 else low
    share = (value - low) / (high - low) if high > low else 0.5
    return 1 - share if reverse else share
