"""The SHAP figures of ``core.explain_figures``, tested structurally on made-up explanations."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from core.errors import ConfigError
from core.explain import Explanation
from core.explain_figures import (
    BASE_LABEL,
    COLOURBAR_TITLE,
    JITTER_HALF_WIDTH,
    MAX_CATEGORIES,
    MISSING_COLOUR,
    NO_COLUMN_USED,
    NO_ROWS,
    PREDICTION_LABEL,
    agreement,
    beeswarm_figure,
    compare_figure,
    dependence_figure,
    importance_figure,
    output_unit,
    plain,
    value_text,
    waterfall_figure,
)
from core.explain_figures import _verdict as verdict

PROBABILITY = "probability of 'bad'"


def make(
    values: dict[str, list[float]],
    data: dict[str, list[Any]] | None = None,
    *,
    output: str = PROBABILITY,
    base: float = 0.3,
    label: str = "XGBoost (small)",
    model: str = "xgboost_small",
    index: list[int] | None = None,
) -> Explanation:
    """An explanation with these SHAP values; the data defaults to the values themselves."""
    frame = pd.DataFrame(values, index=index, dtype=float)
    shown = pd.DataFrame(data if data is not None else values, index=frame.index)
    return Explanation(
        model=model,
        label=label,
        explainer="tree",
        explainer_text="TreeExplainer: exact contributions for tree models",
        output=output,
        class_name="bad",
        base_value=base,
        values=frame,
        data=shown,
        prediction=base + frame.sum(axis=1).to_numpy(),
        n_rows=len(frame),
        n_rows_available=len(frame),
        seconds=0.1,
        seed=0,
    )


def from_importance(importance: dict[str, float], **kwargs: Any) -> Explanation:
    """Two rows whose mean |SHAP| per column is exactly ``importance`` (one +, one -)."""
    return make({c: [v, -v] for c, v in importance.items()}, **kwargs)


#: Mean |SHAP| 0.10, 0.04, 0.20, 0.01, 0.06 (probability): order c, e, a, b, d.
CREDIT = {
    "a": [0.10, -0.10, 0.10, -0.10],
    "b": [0.04, 0.04, -0.04, -0.04],
    "c": [0.30, 0.10, -0.20, -0.20],
    "d": [0.01, -0.01, 0.01, -0.01],
    "e": [0.06, 0.06, -0.06, -0.06],
}
CREDIT_DATA = {
    "a": [1.0, 2.0, 3.0, np.nan],
    "b": ["x", "y", "x", None],
    "c": [12.0, 24.0, 6.0, 36.0],
    "d": [0.5, 0.25, 0.125, 1.5],
    "e": ["<0 DM", "none", "none", "0-200 DM"],
}
WEIRD = ("$x$", "<b>bold</b>", "a & b")


def credit(**kwargs: Any) -> Explanation:
    return make(CREDIT, CREDIT_DATA, index=[10, 11, 12, 13], **kwargs)


def strings(obj: Any) -> Iterator[str]:
    """Every string anywhere in a figure's JSON (traces, layout, annotations...)."""
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from strings(value)
    elif isinstance(obj, list | tuple | np.ndarray):
        for value in obj:
            yield from strings(value)


def is_message(fig: go.Figure, text: str) -> bool:
    return not fig.data and any(text in a.text for a in fig.layout.annotations)


def notes(fig: go.Figure) -> str:
    return " ".join(a.text for a in fig.layout.annotations if a.text)


# --- plain text --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$x$", "&#36;x&#36;"),
        ("<b>bold</b>", "&lt;b&gt;bold&lt;/b&gt;"),
        ("a & b", "a &amp; b"),
        ('it\'s "quoted"', 'it\'s "quoted"'),  # plotly does not decode &quot;: keep quotes
        (2019, "2019"),
        ("duration", "duration"),
    ],
)
def test_plain_neutralises_html_and_latex(text: object, expected: str) -> None:
    assert plain(text) == expected


def test_plain_leaves_no_dollar_for_mathjax() -> None:
    assert "$" not in plain("price $ from $ to $")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(24.0, "24"), (0.12345, "0.1235"), (12345.678, "12345.7"), (np.nan, "missing"),
     (None, "missing"), (pd.NA, "missing"), ("<0 DM", "<0 DM"), (np.int64(3), "3"),
     (True, "True"), (-0.068331, "−0.06833"), (1.2e-05, "0.000012"), (-2500.25, "−2500.2")],
)  # fmt: skip
def test_value_text_reads_like_a_person(value: object, expected: str) -> None:
    assert value_text(value) == expected


@pytest.mark.parametrize(
    ("output", "scale", "unit"),
    [
        ("probability of 'bad'", 100.0, "percentage points"),
        ("log-odds of 'bad'", 1.0, "log-odds"),
        ("predicted disease_progression", 1.0, "units of disease_progression"),
        ("something else", 1.0, "units of something else"),
    ],
)
def test_output_unit_conventions(output: str, scale: float, unit: str) -> None:
    got = output_unit(output)
    assert (got.scale, got.unit) == (scale, unit)


def test_a_contribution_has_one_sign() -> None:
    price = output_unit("predicted price")
    assert price.contribution(-46_213.0) == "−46,200 units of price"  # never "+−46,200"
    assert price.contribution(3.21) == "+3.21 units of price"


# --- importance --------------------------------------------------------------------------------


def test_importance_bars_largest_first_in_percentage_points() -> None:
    fig = importance_figure(credit())
    (bar,) = fig.data
    assert list(bar.y) == ["c", "a", "e", "b", "d"]
    assert list(bar.x) == pytest.approx([20.0, 10.0, 6.0, 4.0, 1.0])
    assert fig.layout.yaxis.autorange == "reversed"  # first bar on top
    assert fig.layout.yaxis.type == "category"
    assert fig.layout.xaxis.title.text == "mean |contribution| (percentage points)"
    assert fig.layout.template.layout.paper_bgcolor == "white"  # plotly_white


def test_importance_groups_the_rest_into_one_bar_with_their_sum() -> None:
    (bar,) = importance_figure(credit(), top=2).data
    assert list(bar.y) == ["c", "a", "3 other columns"]
    assert bar.x[-1] == pytest.approx(6.0 + 4.0 + 1.0)


@pytest.mark.parametrize(
    ("output", "title"),
    [
        ("log-odds of 'bad'", "mean |contribution| (log-odds)"),
        ("predicted price", "mean |contribution| (units of price)"),
    ],
)
def test_importance_other_units_are_not_scaled(output: str, title: str) -> None:
    fig = importance_figure(credit(output=output))
    assert fig.data[0].x[0] == pytest.approx(0.2)
    assert fig.layout.xaxis.title.text == title


def test_importance_ties_keep_table_order_and_height_grows_with_bars() -> None:
    few = importance_figure(from_importance({"z": 1.0, "y": 1.0, "x": 1.0}))
    assert list(few.data[0].y) == ["z", "y", "x"]
    many = importance_figure(from_importance({f"c{i}": 1.0 for i in range(30)}), top=30)
    assert many.layout.height > few.layout.height


def test_importance_of_a_model_using_no_column_is_bars_at_zero_with_a_note() -> None:
    fig = importance_figure(make({"a": [0.0, 0.0], "b": [0.0, 0.0]}))
    assert list(fig.data[0].x) == [0.0, 0.0]
    assert NO_COLUMN_USED in notes(fig)


def test_importance_rejects_top_below_one() -> None:
    with pytest.raises(ConfigError, match=r"'top' must be at least 1.*Got 0"):
        importance_figure(credit(), top=0)


# --- beeswarm ----------------------------------------------------------------------------------


def test_beeswarm_one_row_per_column_in_importance_order_with_every_row() -> None:
    fig = beeswarm_figure(credit())
    assert [t.name for t in fig.data] == ["c", "a", "e", "b", "d"]
    assert list(fig.layout.yaxis.ticktext) == ["c", "a", "e", "b", "d"]
    assert list(fig.layout.yaxis.tickvals) == [0, 1, 2, 3, 4]
    assert fig.layout.yaxis.autorange == "reversed"
    for i, trace in enumerate(fig.data):
        assert len(trace.x) == len(trace.y) == 4
        assert all(abs(y - i) <= JITTER_HALF_WIDTH for y in trace.y)
    assert list(fig.data[0].x) == pytest.approx([30.0, 10.0, -20.0, -20.0])
    assert fig.layout.xaxis.title.text.startswith(
        "contribution to the probability of 'bad' (percentage points)"
    )
    assert [s.x0 for s in fig.layout.shapes] == [0]  # the zero line


def test_beeswarm_jitter_is_deterministic_and_not_flat() -> None:
    values = {"a": list(np.linspace(-1, 1, 50)), "b": list(np.linspace(0, 0.5, 50))}
    first, second = beeswarm_figure(make(values)), beeswarm_figure(make(values))
    assert first.to_json() == second.to_json()
    assert np.ptp(np.asarray(first.data[0].y)) > 0.1


def test_beeswarm_colours_numeric_by_rank_and_categories_by_code() -> None:
    fig = beeswarm_figure(credit())
    by_name = {t.name: t for t in fig.data}
    assert list(by_name["c"].marker.color) == pytest.approx([1 / 3, 2 / 3, 0.0, 1.0])
    # a: 1, 2, 3, missing -> ranks 0, 0.5, 1 and grey
    assert list(by_name["a"].marker.color) == [0.0, 0.5, 1.0, MISSING_COLOUR]
    # e: "<0 DM", "none", "none", "0-200 DM" -> alphabetical codes 0-200 DM, <0 DM, none
    assert list(by_name["e"].marker.color) == [0.5, 1.0, 1.0, 0.0]
    assert "category code" in by_name["e"].hovertext[0]
    assert "&lt;0 DM" in by_name["e"].hovertext[0]
    assert "+30 percentage points" in by_name["c"].hovertext[0]
    assert fig.layout.coloraxis.colorbar.title.text == COLOURBAR_TITLE
    assert all(t.marker.coloraxis == "coloraxis" for t in fig.data)


def test_beeswarm_shows_top_columns_only() -> None:
    fig = beeswarm_figure(credit(), top=2)
    assert [t.name for t in fig.data] == ["c", "a"]
    assert "top 2 of 5 columns" in fig.layout.title.text


# --- waterfall ---------------------------------------------------------------------------------


def test_waterfall_goes_from_base_to_prediction_largest_step_first() -> None:
    expl = credit()
    fig = waterfall_figure(expl, 12)
    (wf,) = fig.data
    assert list(wf.measure) == ["absolute"] + ["relative"] * 5 + ["total"]
    assert wf.x[0] == pytest.approx(30.0)  # base value 0.3 -> 30%
    prediction = expl.prediction[2]
    assert sum(wf.x[1:-1]) == pytest.approx((prediction - expl.base_value) * 100)
    assert wf.y[0] == BASE_LABEL
    assert wf.y[-1] == PREDICTION_LABEL
    # row 12: c=-0.20 (c = 6), a=+0.10 (a = 3), e=-0.06 (e = none), b=-0.04 (b = x), d=+0.01
    assert list(wf.y[1:-1]) == ["c = 6", "a = 3", "e = none", "b = x", "d = 0.125"]
    assert list(wf.x[1:-1]) == pytest.approx([-20.0, 10.0, -6.0, -4.0, 1.0])
    assert wf.text[-1] == f"{prediction * 100:.1f}%"
    assert fig.layout.xaxis.title.text == "probability of 'bad' (%)"
    assert fig.layout.yaxis.type == "category"


def test_waterfall_groups_small_steps_and_labels_missing_values() -> None:
    (wf,) = waterfall_figure(credit(), 13, top=2).data
    assert list(wf.y) == [BASE_LABEL, "c = 36", "a = missing", "3 other columns", PREDICTION_LABEL]
    assert wf.x[3] == pytest.approx(-6.0 - 4.0 - 1.0)


def test_waterfall_leaves_out_columns_that_did_not_move_the_row() -> None:
    fig = waterfall_figure(make({"a": [0.2, 0.1], "b": [0.0, 0.3]}), 0)
    assert list(fig.data[0].y) == [BASE_LABEL, "a = 0.2", PREDICTION_LABEL]
    assert "1 column did not move" in notes(fig)
    dummy = waterfall_figure(make({"a": [0.0], "b": [0.0]}), 0)
    assert list(dummy.data[0].measure) == ["absolute", "total"]
    assert NO_COLUMN_USED in notes(dummy)


def test_waterfall_unknown_row_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"Row 99 was not explained\. Choose one of the 4"):
        waterfall_figure(credit(), 99)


# --- dependence --------------------------------------------------------------------------------


def test_dependence_numeric_is_a_scatter_against_the_value() -> None:
    fig = dependence_figure(credit(), "c")
    (trace,) = fig.data
    assert isinstance(trace, go.Scatter)
    assert list(trace.x) == [12.0, 24.0, 6.0, 36.0]
    assert list(trace.y) == pytest.approx([30.0, 10.0, -20.0, -20.0])
    assert fig.layout.xaxis.type == "linear"
    assert fig.layout.yaxis.title.text == "contribution of c (percentage points)"
    assert [s.y0 for s in fig.layout.shapes] == [0]


def test_dependence_numeric_leaves_out_missing_values_with_a_note() -> None:
    fig = dependence_figure(credit(), "a")
    assert list(fig.data[0].x) == [1.0, 2.0, 3.0]
    assert "1 rows with no a value are not shown" in notes(fig)


def test_dependence_categorical_is_a_box_per_category_ordered_by_contribution() -> None:
    fig = dependence_figure(credit(), "e")
    (trace,) = fig.data
    assert isinstance(trace, go.Box)
    assert list(trace.x) == ["&lt;0 DM", "none", "none", "0-200 DM"]
    assert fig.layout.xaxis.type == "category"
    # mean contributions: <0 DM +6, none 0, 0-200 DM -6
    assert list(fig.layout.xaxis.categoryarray) == ["&lt;0 DM", "none", "0-200 DM"]


def test_dependence_numeric_looking_strings_stay_categories() -> None:
    fig = dependence_figure(make({"year": [0.1, -0.1]}, {"year": ["2019", "2020"]}), "year")
    assert isinstance(fig.data[0], go.Box)
    assert fig.layout.xaxis.type == "category"


def test_dependence_groups_rare_categories() -> None:
    n = MAX_CATEGORIES + 5
    fig = dependence_figure(make({"c": [0.0] * n}, {"c": [f"v{i:02d}" for i in range(n)]}), "c")
    assert len(set(fig.data[0].x)) == MAX_CATEGORIES + 1
    assert "5 other values" in set(fig.data[0].x)


def test_dependence_unknown_column_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"Unknown column 'zz'\. Choose one of: a, b, c, d, e\."):
        dependence_figure(credit(), "zz")


# --- two models --------------------------------------------------------------------------------


def test_compare_shares_sum_to_100_per_model_over_the_union_of_tops() -> None:
    a = from_importance({"x": 5.0, "y": 3.0, "z": 1.0, "w": 1.0}, label="Simple baseline")
    b = from_importance({"x": 0.1, "y": 0.0, "z": 0.3, "w": 0.1}, output="log-odds of 'bad'")
    fig = compare_figure(a, b, top=1)
    assert [t.name for t in fig.data] == ["Simple baseline", "XGBoost (small)"]
    assert list(fig.data[0].y) == ["x", "z", "2 other columns"]
    assert list(fig.data[0].x) == pytest.approx([50.0, 10.0, 40.0])
    assert list(fig.data[1].x) == pytest.approx([20.0, 60.0, 20.0])
    for trace in fig.data:
        assert sum(trace.x) == pytest.approx(100.0)
    assert "Simple baseline" in fig.layout.title.text
    assert "XGBoost (small)" in fig.layout.title.text
    assert fig.layout.xaxis.title.text.endswith("(%)")


def test_compare_with_the_dummy_draws_zeros_and_says_why() -> None:
    dummy = from_importance({"x": 0.0, "y": 0.0, "z": 0.0}, label="Dummy baseline", model="dummy")
    fig = compare_figure(dummy, from_importance({"x": 0.0, "y": 3.0, "z": 1.0}), top=1)
    assert list(fig.data[0].y) == ["y", "2 other columns"]  # the dummy has no top column
    assert list(fig.data[0].x) == [0.0, 0.0]
    assert list(fig.data[1].x) == pytest.approx([75.0, 25.0])
    assert fig.data[0].name == "Dummy baseline (uses no column)"
    assert "Dummy baseline uses no column at all" in notes(fig)


def test_verdict_thresholds() -> None:
    assert verdict(0.7) == "mostly the same"
    assert verdict(0.6999) == "partly the same"
    assert verdict(0.4) == "partly the same"
    assert verdict(0.3999) == "different"


COLUMNS = ("c1", "c2", "c3", "c4", "c5")


@pytest.mark.parametrize(
    ("ranks", "rho", "words"),
    [
        ((1, 2, 3, 4, 5), 1.0, "mostly rely on the same columns"),
        ((2, 1, 3, 4, 5), 0.9, "mostly rely on the same columns"),
        ((3, 2, 1, 4, 5), 0.6, "partly rely on the same columns"),
        ((4, 2, 3, 1, 5), 0.1, "rely on different columns"),
        ((5, 4, 3, 2, 1), -1.0, "rely on different columns"),
    ],
)
def test_agreement_rank_correlation_and_sentence(
    ranks: tuple[int, ...], rho: float, words: str
) -> None:
    a = from_importance({c: 6.0 - i for i, c in enumerate(COLUMNS, 1)}, label="Simple")
    b = from_importance({c: 6.0 - r for c, r in zip(COLUMNS, ranks, strict=True)}, label="XGB")
    result = agreement(a, b)
    assert result.spearman == pytest.approx(rho)
    assert result.sentence.startswith(f"Simple and XGB {words} (rank correlation {rho:.2f}; ")


def test_agreement_top_overlap_lists_the_shared_columns() -> None:
    a = from_importance({"a": 6, "b": 5, "c": 4, "d": 3, "e": 2, "f": 1}, label="A")
    b = from_importance({"a": 6, "d": 5, "b": 4, "f": 3, "c": 2, "e": 1}, label="B")
    result = agreement(a, b, top=3)
    assert (result.top_k, result.overlap, result.shared_top) == (3, 2, ("a", "b"))
    assert "2 of their top 3 columns are shared: a and b)." in result.sentence
    assert "all of their top 6 columns" in agreement(a, b, top=10).sentence


def test_agreement_with_the_dummy_baseline() -> None:
    dummy = from_importance({"x": 0.0, "y": 0.0}, label="Dummy baseline")
    model = from_importance({"x": 1.0, "y": 3.0}, label="XGBoost (small)")
    result = agreement(dummy, model)
    assert result.spearman is None
    assert result.verdict == "no columns"
    assert result.sentence == (
        "Dummy baseline uses no column at all (it predicts the same for every row), so there is "
        "nothing to compare; XGBoost (small) relies most on y and x."
    )
    assert agreement(model, dummy).sentence.startswith("Dummy baseline uses no column at all")
    assert agreement(dummy, dummy).sentence.startswith("Neither Dummy baseline nor")
    nothing = agreement(make({"x": []}, label="Empty"), model)
    assert nothing.sentence == "Nothing to compare: no rows were explained for Empty."


# --- every figure ------------------------------------------------------------------------------

FIGURES: dict[str, Callable[[Explanation], go.Figure]] = {
    "importance": importance_figure,
    "beeswarm": beeswarm_figure,
    "waterfall": lambda e: waterfall_figure(e, int(e.values.index[0]) if len(e.values) else 0),
    "dependence": lambda e: dependence_figure(e, str(e.values.columns[1])),
    "compare": lambda e: compare_figure(e, e),
}


def weird() -> Explanation:
    """Column names, category values and a label that plotly would read as HTML or LaTeX."""
    values = {"$x$": [0.3, -0.1], "<b>bold</b>": [0.2, 0.1], "a & b": [-0.1, 0.05]}
    data = {"$x$": [1.0, 2.0], "<b>bold</b>": ["$5$", "<i>it</i>"], "a & b": ["<b>", "&"]}
    return make(values, data, label="<b>model</b> $1$", output="predicted $y$")


@pytest.mark.parametrize("name", FIGURES)
def test_every_figure_shows_user_text_as_plain_text(name: str) -> None:
    fig = FIGURES[name](weird())
    texts = list(strings(fig.to_plotly_json()))
    assert not [t for t in texts if "$" in t], "a '$' would let MathJax typeset LaTeX"
    assert not [t for t in texts if "<b>bold</b>" in t or "<i>" in t or "a & b" in t]
    joined = "\n".join(texts)
    assert "&lt;b&gt;bold&lt;/b&gt;" in joined
    assert all(t.hovertemplate is None for t in fig.data)  # user text only in hovertext


@pytest.mark.parametrize("name", FIGURES)
def test_every_figure_is_deterministic(name: str) -> None:
    assert FIGURES[name](credit()).to_json() == FIGURES[name](credit()).to_json()


@pytest.mark.parametrize("name", FIGURES)
def test_every_figure_survives_zero_rows_and_all_zero_values(name: str) -> None:
    empty = make({"a": [], "b": []})
    assert is_message(FIGURES[name](empty), NO_ROWS)
    zero = FIGURES[name](make({"a": [0.0, 0.0], "b": [0.0, 0.0]}))
    assert zero.data or is_message(zero, NO_COLUMN_USED)
    assert zero.layout.template.layout.paper_bgcolor == "white"
