"""The Pareto chart of ``core.figures``, tested structurally: traces, points, axes and shapes."""

from __future__ import annotations

import math
from typing import Any

import pytest

from core.errors import ConfigError
from core.figures import (
    ACADEMIC_NAME,
    FAMILY_COLOURS,
    FRONTIER_NAME,
    INDUSTRY_NAME,
    NOT_MEASURED,
    OVER_BUDGET_NAME,
    SYMBOL_OK,
    SYMBOL_OVER_BUDGET,
    family_colour,
    pareto_figure,
)
from core.pareto import (
    COST_AXES,
    Budgets,
    cost_value,
    frontier,
    usd_per_million_online_predictions,
    usd_per_million_predictions,
)
from core.study import ModelResult


def make(
    name: str,
    family: str,
    rung: int = 0,
    *,
    value: float,
    latency: float | None,
    size_mb: float | None = 1.0,
    train_s: float | None = 1.0,
    throughput: float | None = 1000.0,
    metric: str = "accuracy",
    status: str = "ok",
    delta_ci: tuple[float, float] = (0.05, 0.15),
    beats: bool | None = True,
) -> ModelResult:
    """A finished (or failed) model with every figure set; p95 latency is twice p50."""
    ok = status == "ok"
    return ModelResult(
        name=name,
        label=name.replace("_", " ").capitalize(),
        family=family,
        rung=rung,
        interpretable=False,
        neural=False,
        description="",
        status=status,  # type: ignore[arg-type]
        reason="" if ok else "it crashed",
        metrics={metric: value},  # kept for failed models too: status alone must exclude them
        metric_ci_low=value - 0.02 if ok else None,
        metric_ci_high=value + 0.03 if ok else None,
        delta_vs_baseline=sum(delta_ci) / 2,
        delta_ci_low=delta_ci[0],
        delta_ci_high=delta_ci[1],
        beats_baseline=beats,
        train_s=train_s,
        train_cpu_s=train_s,
        latency_ms_p50=latency,
        latency_ms_p95=None if latency is None else latency * 2,
        throughput_rows_per_s=throughput,
        size_bytes=None if size_mb is None else int(size_mb * 1e6),
        usd_per_million_predictions=usd_per_million_predictions(throughput),
        usd_per_million_online_predictions=usd_per_million_online_predictions(latency),
        train_usd=0.5,
    )


#: name, family, rung, accuracy, p50 latency (ms), size (MB), training (s), throughput (rows/s)
LADDER = (
    ("dummy", "Baseline", 0, 0.60, 0.05, 0.001, 0.01, 1e6),
    ("simple", "Linear", 0, 0.80, 0.1, 0.01, 0.1, 5e5),
    ("decision_tree", "Decision tree", 0, 0.78, 0.2, 0.05, 0.2, 2e5),
    ("xgboost_small", "XGBoost", 0, 0.88, 0.5, 0.2, 1.0, 1e5),
    ("xgboost_medium", "XGBoost", 1, 0.87, 1.0, 2.0, 5.0, 5e4),
    ("xgboost_large", "XGBoost", 2, 0.90, 5.0, 20.0, 50.0, 1e4),
    ("random_forest_large", "Random forest", 1, 0.89, 20.0, 300.0, 100.0, 2e3),
)


def ladder() -> list[ModelResult]:
    """Every cost grows in the same order, so the frontier is the same on every axis:
    dummy, simple, XGBoost (small), XGBoost (large); the others are dominated. The medium
    XGBoost's lead over the dummy is within the uncertainty; a neural network failed."""
    models = [
        make(name, family, rung, value=v, latency=ms, size_mb=mb, train_s=s, throughput=rows)
        for name, family, rung, v, ms, mb, s, rows in LADDER
    ]
    models[0].delta_vs_baseline, models[0].delta_ci_low, models[0].delta_ci_high = 0.0, 0.0, 0.0
    models[0].beats_baseline = False
    models[4].delta_ci_low, models[4].beats_baseline = -0.01, False
    models.append(make("mlp_small", "Neural network", value=0.99, latency=0.01, status="failed"))
    return models


FRONTIER = ["dummy", "simple", "xgboost_small", "xgboost_large"]
DOMINATED = ["decision_tree", "xgboost_medium", "random_forest_large"]


def model_traces(fig: Any) -> list[Any]:
    """The traces that hold models (one per family); they carry model names as customdata."""
    return [t for t in fig.data if t.customdata is not None]


def plotted(fig: Any) -> list[str]:
    return [name for t in model_traces(fig) for name in t.customdata]


def point(fig: Any, name: str) -> tuple[Any, int]:
    """The trace holding model ``name`` and the point's index in it."""
    for t in model_traces(fig):
        if name in t.customdata:
            return t, list(t.customdata).index(name)
    raise AssertionError(f"{name} is not plotted")


def trace(fig: Any, name: str) -> Any:
    matches = [t for t in fig.data if t.name == name]
    assert len(matches) == 1, [t.name for t in fig.data]
    return matches[0]


def rects(fig: Any) -> list[Any]:
    return [s for s in fig.layout.shapes if s.type == "rect"]


def hlines(fig: Any) -> list[Any]:
    return [s for s in fig.layout.shapes if s.type == "line" and s.y0 == s.y1]


def annotation_texts(fig: Any) -> list[str]:
    return [a.text for a in fig.layout.annotations]


@pytest.mark.parametrize("axis", list(COST_AXES))
def test_frontier_trace_joins_the_frontier_models_cheapest_first(axis: str) -> None:
    models = ladder()
    by_name = {m.name: m for m in models}
    fig = pareto_figure(models[::-1], "accuracy", axis)  # input order must not matter
    line = trace(fig, FRONTIER_NAME)
    assert line.mode == "lines+text"
    named = [t.replace("<br>", "").strip() for t in line.text]
    assert named == [by_name[n].label for n in FRONTIER]  # named
    assert list(line.x) == [cost_value(by_name[n], axis) for n in FRONTIER]
    assert list(line.y) == pytest.approx([by_name[n].metrics["accuracy"] * 100 for n in FRONTIER])


def test_frontier_models_stand_out_and_dominated_ones_are_faded() -> None:
    fig = pareto_figure(ladder(), "accuracy", "latency_ms_p50")
    opacity = {}
    size = {}
    for name in FRONTIER + DOMINATED:
        t, i = point(fig, name)
        opacity[name], size[name] = t.marker.opacity[i], t.marker.size[i]
    assert max(opacity[n] for n in DOMINATED) <= 0.6 < min(opacity[n] for n in FRONTIER)
    assert max(size[n] for n in DOMINATED) < min(size[n] for n in FRONTIER)
    t, i = point(fig, "xgboost_medium")
    assert "another model is at least as good and cheaper" in t.text[i]


@pytest.mark.parametrize("axis", list(COST_AXES))
def test_axis_titles_carry_units(axis: str) -> None:
    fig = pareto_figure(ladder(), "accuracy", axis)
    x_title = fig.layout.xaxis.title.text
    assert x_title.startswith(COST_AXES[axis].title)
    assert f"({COST_AXES[axis].unit})" in x_title
    assert fig.layout.yaxis.title.text.startswith("Accuracy (%)")
    assert fig.layout.yaxis.ticksuffix == "%"


def _spread(costs: list[float]) -> list[ModelResult]:
    return [
        make(f"m{i}", "XGBoost", i, value=0.7 + i / 100, latency=c) for i, c in enumerate(costs)
    ]


@pytest.mark.parametrize(
    ("costs", "log_x", "expected"),
    [
        ([0.1, 0.5, 40.0], None, "log"),  # 400x: orders of magnitude
        ([1.0, 30.0], None, "log"),  # exactly the threshold
        ([1.0, 29.0], None, "linear"),
        ([2.0, 3.0, 9.0], None, "linear"),
        ([0.1, 0.5, 40.0], False, "linear"),  # the caller decides
        ([2.0, 3.0, 9.0], True, "log"),
        ([0.0, 3.0, 900.0], None, "linear"),  # a zero cost cannot sit on a log axis
        ([0.0, 3.0, 900.0], True, "linear"),
    ],
)
def test_log_scale_when_costs_span_orders_of_magnitude(
    costs: list[float], log_x: bool | None, expected: str
) -> None:
    fig = pareto_figure(_spread(costs), "accuracy", "latency_ms_p50", log_x=log_x)
    xaxis = fig.layout.xaxis
    assert xaxis.type == expected
    assert ("log scale" in xaxis.title.text) == (expected == "log")
    low, high = xaxis.range
    if expected == "log":  # plotly wants a log axis's range in log10 units
        low, high = 10**low, 10**high
    assert low < min(costs)
    assert high > max(costs)


@pytest.mark.parametrize("axis", list(COST_AXES))
def test_budget_region_is_shaded_only_on_the_budgeted_axis(axis: str) -> None:
    budgets = Budgets(max_latency_ms=3.0, max_size_mb=10.0, max_train_s=20.0)
    limit = {"latency_ms_p95": 3.0, "size_bytes": 10.0, "train_cpu_s": 20.0}.get(axis)
    fig = pareto_figure(ladder(), "accuracy", axis, budgets=budgets)
    over_budget = [a for a in fig.layout.annotations if a.text.startswith("over budget")]
    if limit is None:
        assert rects(fig) == []
        assert over_budget == []
        return
    (rect,) = rects(fig)
    assert rect.x0 == limit
    assert rect.x1 > limit
    assert "rgba" in rect.fillcolor or rect.opacity < 0.5  # translucent
    (label,) = over_budget
    assert COST_AXES[axis].unit in label.text
    log = fig.layout.xaxis.type == "log"
    assert label.x == pytest.approx(math.log10(limit) if log else limit)


def test_budget_limit_beyond_every_model_is_still_in_view() -> None:
    fig = pareto_figure(
        ladder(), "accuracy", "train_cpu_s", budgets=Budgets(max_train_s=5000.0), log_x=True
    )
    (rect,) = rects(fig)
    assert rect.x0 == 5000.0
    assert 10 ** fig.layout.xaxis.range[1] > 5000.0


def test_models_over_any_budget_get_a_distinct_symbol_and_say_why() -> None:
    budgets = Budgets(max_size_mb=10.0)  # the large XGBoost (20 MB) and forest (300 MB) break it
    fig = pareto_figure(ladder(), "accuracy", "latency_ms_p50", budgets=budgets)
    for name in plotted(fig):
        t, i = point(fig, name)
        over = name in ("xgboost_large", "random_forest_large")
        assert t.marker.symbol[i] == (SYMBOL_OVER_BUDGET if over else SYMBOL_OK), name
        assert ("Over budget" in t.text[i]) == over
    t, i = point(fig, "xgboost_large")
    assert "size 20 MB is over 10 MB" in t.text[i]
    assert trace(fig, OVER_BUDGET_NAME).marker.symbol == SYMBOL_OVER_BUDGET

    plain = pareto_figure(ladder(), "accuracy", "latency_ms_p50")
    assert all(s == SYMBOL_OK for t in model_traces(plain) for s in t.marker.symbol)
    assert OVER_BUDGET_NAME not in [t.name for t in plain.data]


def test_baselines_are_reference_lines_with_their_values() -> None:
    fig = pareto_figure(ladder(), "accuracy", "size_bytes")
    assert sorted(s.y0 for s in hlines(fig)) == pytest.approx([60.0, 80.0])
    texts = annotation_texts(fig)
    assert "Dummy baseline 60.0%" in texts
    assert "Simple baseline 80.0%" in texts
    assert {"dummy", "simple"} <= set(plotted(fig))  # and still drawn as points


def test_a_baseline_line_names_itself_at_the_end_clear_of_the_points() -> None:
    def place(fig: Any, words: str) -> tuple[str, str]:
        a = next(a for a in fig.layout.annotations if a.text.startswith(words))
        return a.xanchor, a.yanchor

    # Usually at the right end: the cheap baselines and their names sit at the left.
    fig = pareto_figure(ladder(), "accuracy", "size_bytes")
    assert place(fig, "Dummy baseline") == ("right", "top")  # its words below the line
    assert place(fig, "Simple baseline") == ("right", "bottom")  # above it
    # A costly model just above the simple baseline's line, at the right: its words move left.
    models = ladder()
    models.append(make("knn", "Nearest neighbours", value=0.81, latency=30, size_mb=500))
    fig = pareto_figure(models, "accuracy", "size_bytes")
    assert place(fig, "Simple baseline") == ("left", "bottom")
    assert place(fig, "Dummy baseline") == ("right", "top")


def test_line_label_side_counts_what_the_words_would_cover() -> None:
    from core.chart_labels import line_label_side

    words = "Simple baseline 80.0%"  # about 140 pixels of the 700 wide plot
    assert line_label_side(0.5, words, above=True, points=[]) == "right"  # a tie
    right = [(0.98, 0.53)]  # just above the line, at the right end
    assert line_label_side(0.5, words, above=True, points=right) == "left"
    assert line_label_side(0.5, words, above=False, points=right) == "right"  # below: clear
    left = [(0.02, 0.53)]
    assert line_label_side(0.5, words, above=True, points=left + right) == "right"  # a tie
    # A point's own label counts too: one reaching from the middle to the right end.
    named = [(0.7, 0.53, "Random forest (large)", "middle right")]
    assert line_label_side(0.5, words, above=True, points=left, labelled=named) == "left"


def test_a_failed_baseline_has_no_reference_line() -> None:
    models = [m for m in ladder() if m.name != "simple"]
    models.append(make("simple", "Linear", value=0.8, latency=0.1, status="failed"))
    fig = pareto_figure(models, "accuracy", "size_bytes")
    assert [s.y0 for s in hlines(fig)] == pytest.approx([60.0])
    assert not any(t.startswith("Simple baseline") for t in annotation_texts(fig))


def test_failed_models_and_models_without_the_cost_are_left_out() -> None:
    models = ladder()
    models.append(make("knn", "Nearest neighbours", value=0.85, latency=None, size_mb=3.0))
    on_latency = pareto_figure(models, "accuracy", "latency_ms_p95")
    assert "mlp_small" not in plotted(on_latency)
    assert "knn" not in plotted(on_latency)
    assert len(plotted(on_latency)) == 7
    on_size = pareto_figure(models, "accuracy", "size_bytes")
    assert "knn" in plotted(on_size)
    assert "mlp_small" not in plotted(on_size)
    assert "Neural network" not in [t.name for t in on_size.data]


@pytest.mark.parametrize(
    ("models", "words"),
    [
        ([], "No model finished"),
        ([make("dummy", "Baseline", value=0.6, latency=1, status="failed")], "No model finished"),
        (
            [make("dummy", "Baseline", value=0.6, latency=None)],
            "measured p50 latency per row. Choose another cost",
        ),
    ],
)
def test_nothing_plottable_gives_a_plain_message_without_axes(
    models: list[ModelResult], words: str
) -> None:
    fig = pareto_figure(models, "accuracy", "latency_ms_p50")
    assert len(fig.data) == 0
    (note,) = fig.layout.annotations
    assert words in note.text
    assert (note.x, note.y, note.xref, note.yref) == (0.5, 0.5, "paper", "paper")
    assert fig.layout.xaxis.visible is False
    assert fig.layout.yaxis.visible is False


def _regression(metric: str) -> list[ModelResult]:
    return [
        make("dummy", "Baseline", value=9.5, latency=0.05, metric=metric, beats=False),
        make("simple", "Linear", value=6.0, latency=0.1, metric=metric),
        make("random_forest_small", "Random forest", value=4.0, latency=2.0, metric=metric),
    ]


@pytest.mark.parametrize(("metric", "reversed_y"), [("mae", True), ("rmse", True), ("r2", False)])
def test_y_axis_is_reversed_when_lower_is_better(metric: str, reversed_y: bool) -> None:
    fig = pareto_figure(_regression(metric), metric, "latency_ms_p50")
    yaxis = fig.layout.yaxis
    assert (yaxis.autorange == "reversed") == reversed_y
    assert ("lower is better, axis reversed" in yaxis.title.text) == reversed_y
    assert yaxis.ticksuffix == ""
    t, i = point(fig, "random_forest_small")
    assert t.y[i] == 4.0  # not a percentage: not scaled
    assert "Dummy baseline 9.5" in annotation_texts(fig)


def test_accuracy_axis_is_not_reversed() -> None:
    yaxis = pareto_figure(ladder(), "accuracy", "train_cpu_s").layout.yaxis
    assert yaxis.autorange is True
    assert yaxis.title.text == "Accuracy (%) — higher is better"


@pytest.mark.parametrize("axis", list(COST_AXES))
def test_only_the_throughput_axis_is_reversed(axis: str) -> None:
    xaxis = pareto_figure(ladder(), "accuracy", axis).layout.xaxis
    low, high = xaxis.range
    throughput = axis == "throughput_rows_per_s"
    assert (low > high) == throughput
    assert ("axis reversed so left is cheaper" in xaxis.title.text) == throughput


def test_hover_shows_every_figure_with_units() -> None:
    models = ladder()
    models.append(make("naive_bayes", "Naive Bayes", value=0.7, latency=0.1, size_mb=None))
    fig = pareto_figure(models, "accuracy", "latency_ms_p50")
    t, i = point(fig, "xgboost_small")
    assert t.hovertemplate == "%{text}<extra></extra>"
    text = t.text[i]
    for part in (
        "<b>Xgboost small</b>",
        "Accuracy: 88.0% (95% CI 86.0%–91.0%)",
        "vs dummy baseline: +10.0 points (95% CI +5.0 to +15.0 points): beats the baseline",
        "p50 0.5 ms, p95 1 ms",
        "Batch throughput: 100,000 rows/s",
        "Model size: 0.2 MB",
        "Training: 1 CPU-s (1 s wall, while other models trained)",
        " in batches, $",
        " one at a time",
        "Serving cost per million predictions: $",
        "Training cost: $0.5",
        "On the Pareto frontier",
    ):
        assert part in text, part
    t, i = point(fig, "xgboost_medium")
    assert "within the uncertainty" in t.text[i]
    t, i = point(fig, "naive_bayes")
    assert f"Model size: {NOT_MEASURED}" in t.text[i]


def test_a_model_clearly_worse_than_the_baseline_is_not_called_uncertain() -> None:
    models = ladder()
    models.append(
        make(
            "knn", "Nearest neighbours", value=0.5, latency=0.3, delta_ci=(-0.2, -0.05), beats=False
        )
    )
    t, i = point(pareto_figure(models, "accuracy", "latency_ms_p50"), "knn")
    assert "worse than the baseline" in t.text[i]


def test_error_bars_are_the_95_percent_interval() -> None:
    fig = pareto_figure(ladder(), "accuracy", "size_bytes")
    t, i = point(fig, "xgboost_small")  # 0.88, CI 0.86 to 0.91
    assert t.error_y.symmetric is False
    assert t.error_y.array[i] == pytest.approx(3.0)
    assert t.error_y.arrayminus[i] == pytest.approx(2.0)


def test_picks_are_starred_and_named_in_the_legend() -> None:
    fig = pareto_figure(
        ladder(), "accuracy", "size_bytes", academic="xgboost_large", industry="xgboost_small"
    )
    academic, industry = trace(fig, ACADEMIC_NAME), trace(fig, INDUSTRY_NAME)
    assert (list(academic.x), list(academic.y)) == ([20.0], [pytest.approx(90.0)])
    assert (list(industry.x), list(industry.y)) == ([0.2], [pytest.approx(88.0)])
    assert "star" in academic.marker.symbol
    assert "star" in industry.marker.symbol
    none = pareto_figure(ladder(), "accuracy", "size_bytes", academic=None, industry="mlp_small")
    names = [t.name for t in none.data]
    assert ACADEMIC_NAME not in names
    assert INDUSTRY_NAME not in names  # a failed model is not plotted, so neither is its star


def test_rungs_of_a_family_are_joined_by_a_dotted_line_in_rung_order() -> None:
    models = ladder()
    models.reverse()  # rung order must not depend on input order
    fig = pareto_figure(models, "accuracy", "latency_ms_p50")
    xgb = trace(fig, "XGBoost")
    assert list(xgb.customdata) == ["xgboost_small", "xgboost_medium", "xgboost_large"]
    assert xgb.mode == "lines+markers"
    assert xgb.line.dash == "dot"
    assert xgb.line.color == xgb.marker.color == FAMILY_COLOURS["XGBoost"]
    assert trace(fig, "Linear").mode == "markers"  # one rung: nothing to join


def _contrast_on_white(colour: str, alpha: float = 1.0) -> float:
    """WCAG contrast ratio of ``colour`` (drawn at ``alpha`` over white) against white."""
    channels = [alpha * int(colour[i : i + 2], 16) / 255 + (1 - alpha) for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


def test_family_colours_read_on_a_projector() -> None:
    from core.figures import OPACITY_DOMINATED

    for family, colour in FAMILY_COLOURS.items():
        assert _contrast_on_white(colour) >= 4.0, family
        assert _contrast_on_white(colour, OPACITY_DOMINATED) >= 2.0, family  # faded, still seen


def test_family_colours_are_fixed_across_charts() -> None:
    full = pareto_figure(ladder(), "accuracy", "size_bytes")
    few = pareto_figure(ladder()[3:], "accuracy", "size_bytes")
    assert trace(full, "XGBoost").marker.color == trace(few, "XGBoost").marker.color
    # Unknown families: a colour from the name alone, the same in every process (no hash()).
    assert family_colour("Quantum forest") == "#843c39"
    assert family_colour("Quantum forest") not in FAMILY_COLOURS.values()
    assert len(set(FAMILY_COLOURS.values())) == len(FAMILY_COLOURS)


def test_layout_is_readable() -> None:
    fig = pareto_figure(ladder(), "accuracy", "size_bytes")
    assert fig.layout.hovermode == "closest"
    assert fig.layout.legend.orientation == "h"
    assert fig.layout.height == 480  # the whole plot on a 1280×720 screen under the pick
    assert fig.layout.template.layout.plot_bgcolor == "white"  # plotly_white


def test_same_input_gives_the_same_figure() -> None:
    def build() -> str:
        return str(
            pareto_figure(
                ladder(),
                "accuracy",
                "latency_ms_p95",
                budgets=Budgets(max_latency_ms=3.0, max_size_mb=10.0),
                academic="xgboost_large",
                industry="xgboost_small",
            ).to_json()
        )

    assert build() == build()


def test_an_unknown_axis_is_refused_with_the_choices() -> None:
    with pytest.raises(ConfigError, match=r"Unknown cost axis 'speed'\. Choose from: latency_ms"):
        pareto_figure(ladder(), "accuracy", "speed")


def test_measured_costs_carry_their_interval_as_horizontal_bars() -> None:
    models = ladder()
    tree = next(m for m in models if m.name == "decision_tree")
    tree.latency_ms_p50_ci = [tree.latency_ms_p50 * 0.9, tree.latency_ms_p50 * 1.2]
    fig = pareto_figure(models, "accuracy", "latency_ms_p50")
    t, i = point(fig, "decision_tree")
    assert t.error_x.array[i] == pytest.approx(tree.latency_ms_p50 * 0.2)
    assert t.error_x.arrayminus[i] == pytest.approx(tree.latency_ms_p50 * 0.1)
    assert "(95% CI" in t.text[i].split("Latency per row:")[1].split("<br>")[0]
    other, j = point(fig, "simple")
    assert other.error_x.array[j] == 0.0  # no interval measured: no bar
    size, _ = point(pareto_figure(models, "accuracy", "size_bytes"), "decision_tree")
    assert size.error_x.visible is False  # size is exact


def test_labels_of_close_points_never_overlap_and_never_cover_a_point() -> None:
    from core.chart_labels import (
        LABEL_AREA_PX,
        Box,
        _overlap_area,
        _point_label_box,
        label_positions,
    )

    def _overlaps(a: Box, b: Box) -> bool:
        return _overlap_area(a, b) > 0

    # A frontier climbing in a corner, as on the diabetes study at 1280×720: four names within
    # 150 × 50 pixels, and one further right.
    screen = [(0.08, 0.42), (0.13, 0.47), (0.18, 0.53), (0.30, 0.57), (0.55, 0.58)]
    labels = ["Dummy baseline", "Decision tree (shallow)", "XGBoost (small)",
              "Simple baseline (linear)", "Random forest (small)"]  # fmt: skip
    places = label_positions(screen, labels)
    width, height = LABEL_AREA_PX
    boxes = []
    for (x, y), label, place in zip(screen, labels, places, strict=True):
        boxes.append(_point_label_box(x * width, y * height, label, place, 8.0))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not _overlaps(a, b), (places, a, b)
        for j, (x, y) in enumerate(screen):
            if j != boxes.index(a):
                point = (x * width - 8, y * height - 8, x * width + 8, y * height + 8)
                assert not _overlaps(a, point), (labels[boxes.index(a)], labels[j])
    # Points far apart keep the usual place, to the right of each point.
    assert label_positions([(0.1, 0.2), (0.5, 0.8)], ["A", "B"]) == ["middle right"] * 2


def test_the_chart_places_frontier_labels_apart() -> None:
    from core.figures import LABEL_POSITIONS

    fig = pareto_figure(ladder(), "accuracy", "latency_ms_p50")
    front = next(t for t in fig.data if t.name == FRONTIER_NAME)
    assert len(front.textposition) == len(front.text)
    assert set(front.textposition) <= set(LABEL_POSITIONS)


# --- a dense sweep -------------------------------------------------------------------------------


def _sweep_models(n_per_family: int = 30) -> list[ModelResult]:
    """Two families of ``n_per_family`` sizes each: accuracy rises with cost, with noise."""
    import random

    rng = random.Random(0)
    models = [make("dummy", "Baseline", value=0.5, latency=0.01)]
    for family in ("Random forest", "XGBoost"):
        for i in range(n_per_family):
            cost = 0.05 * 1.15**i
            value = 0.9 - 0.3 / (1 + i) + rng.uniform(-0.02, 0.02)
            models.append(make(f"{family}_{i}", family, rung=i, value=value, latency=cost))
    return models


def test_a_dense_family_is_a_curve_of_its_best_sizes_and_faint_points():
    models = _sweep_models()
    fig = pareto_figure(models, "accuracy", "latency_ms_p50")
    for family in ("Random forest", "XGBoost"):
        points = next(t for t in fig.data if t.name == family)
        assert points.mode == "markers"  # no dotted line zigzagging through 30 sizes
        curve = next(t for t in fig.data if t.name == f"{family}: its best sizes")
        assert curve.mode == "lines"
        assert curve.showlegend is False
        assert curve.legendgroup == points.legendgroup  # one click hides both
        members = [m for m in models if m.family == family]
        best = {m.name: (m.latency_ms_p50, m.metrics["accuracy"]) for m in members}
        xs = list(curve.x)
        assert xs == sorted(xs)  # cheapest first
        # Every point on the curve is a size no other size of its family beats on both.
        for x, y in zip(curve.x, curve.y, strict=True):
            assert not any(c <= x and v > y for c, v in best.values())
        assert 1 < len(xs) < len(members)
        # Bars only where the chart's frontier is: the faint sizes carry no whiskers.
        on = set(frontier(models, "accuracy", "latency_ms_p50"))
        for name, bar in zip(points.customdata, points.error_y.array, strict=True):
            assert (bar > 0) == (name in on), name


def test_a_few_sizes_keep_their_dotted_line():
    fig = pareto_figure(_sweep_models(4), "accuracy", "latency_ms_p50")
    points = next(t for t in fig.data if t.name == "XGBoost")
    assert points.mode == "lines+markers"
    assert not [t for t in fig.data if str(t.name).endswith(": its best sizes")]


def test_three_hundred_models_label_only_the_frontier():
    models = _sweep_models(150)
    fig = pareto_figure(models, "accuracy", "latency_ms_p50")
    named = next(t for t in fig.data if t.name == FRONTIER_NAME)
    labelled = [text for text in named.text if text]
    assert 0 < len(labelled) < 60
    for trace in fig.data:
        if trace.name != FRONTIER_NAME:
            assert "text" not in str(trace.mode or "")


def test_a_crowded_chart_names_the_picks_and_only_the_names_that_fit():
    models = _sweep_models(150)
    front = frontier(models, "accuracy", "latency_ms_p50")
    pick = front[len(front) // 2]
    fig = pareto_figure(models, "accuracy", "latency_ms_p50", industry=pick, academic=front[-1])
    named = next(t for t in fig.data if t.name == FRONTIER_NAME)
    by_label = {m.name: m.label for m in models}
    for must in (pick, front[-1]):
        assert by_label[must] in named.text[front.index(must)]
    shown = [text for text in named.text if text]
    assert 2 <= len(shown) < len(front)  # names that would cover others: on hover only
    from core.figures import LABEL_POSITIONS

    assert set(named.textposition) <= set(LABEL_POSITIONS)


def test_optional_labels_never_cover_another_label():
    from core.chart_labels import LABEL_AREA_PX, _overlap_area, _point_label_box, label_positions

    screen = [(0.5, 0.5)] * 12  # twelve models at one place: not every name can fit
    labels = [f"Model number {i}" for i in range(12)]
    optional = [i != 5 for i in range(12)]
    places = label_positions(screen, labels, optional=optional)
    assert places[5] is not None  # the one that must be named is
    assert 1 <= places.count(None) <= 11
    centre = (0.5 * LABEL_AREA_PX[0], 0.5 * LABEL_AREA_PX[1])
    boxes = [
        _point_label_box(*centre, labels[i], pos, 8.0)
        for i, pos in enumerate(places)
        if pos is not None
    ]
    for a in range(len(boxes)):
        for b in range(a + 1, len(boxes)):
            assert _overlap_area(boxes[a], boxes[b]) == 0
    assert None not in label_positions(screen, labels)  # none optional: every one named


def test_the_caption_says_how_a_family_is_drawn():
    from core.figures import family_line_words

    assert family_line_words(_sweep_models(4)) == "Dotted lines join sizes of one family."
    assert family_line_words(_sweep_models(30)).startswith(
        "A family of many sizes (a sweep) is a thin line through its own best sizes"
    )
