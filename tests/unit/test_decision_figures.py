"""The business-case and fairness figures and tables, tested structurally on real small studies
and on hand-made ones: traces, marked points, axis titles, units and escaped user text."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pytest

from core import fairness as fair
from core.economics import BusinessInputs, break_even, business_case
from core.economics_figures import (
    FRONTIER_NAME,
    break_even_figure,
    net_value_figure,
    threshold_figure,
)
from core.fairness_figures import (
    FRONTIER_NAME as FAIR_FRONTIER,
)
from core.fairness_figures import (
    SMALL_COLOUR,
    accuracy_gap_figure,
    group_figure,
    rates_figure,
)
from core.figures import DECISION_NAME as PICK_NAME
from core.figures import ModelPoint, plain, tradeoff_figure
from core.stats import Predictions
from core.study import ModelResult, StudyConfig, StudyResult
from core.tables import business_frame, price_frame
from tests.unit.conftest import make_dataset


def _strings(node: Any, key: str = "") -> list[tuple[str, str]]:
    """Every (key, string) in a figure's JSON."""
    if isinstance(node, dict):
        return [pair for k, v in node.items() for pair in _strings(v, k)]
    if isinstance(node, list | tuple):
        return [pair for v in node for pair in _strings(v, key)]
    return [(key, node)] if isinstance(node, str) else []


def _no_raw_dollar(fig: Any) -> None:
    """Plotly typesets a text with two "$" as LaTeX: money must reach it as &#36;."""
    for key, text in _strings(fig.to_plotly_json()):
        if key not in ("tickformat", "hovertemplate"):
            assert "$" not in text, (key, text)


# --- the shared trade-off scatter ----------------------------------------------------------------


def test_tradeoff_figure_draws_frontier_families_pick_and_lines() -> None:
    def point(name: str, family: str, rung: int, x: float, y: float) -> ModelPoint:
        return ModelPoint(name, name.upper(), family, rung, x, y, y - 1, y + 2, f"<b>{name}</b>")

    points = [point("a", "Trees", 1, 1.0, 10.0), point("b", "Trees", 2, 2.0, 12.0),
              point("c", "Linear", 0, 3.0, 11.0)]  # fmt: skip
    fig = tradeoff_figure(
        points, x_title="cost <x>", y_title="value $", frontier_names=["a", "b"],
        frontier_name="front", pick="b", pick_name="star", hlines=[(10.5, "line $1")],
    )  # fmt: skip
    names = [t.name for t in fig.data]
    assert names == ["front", "Trees", "Linear", "star"]
    assert list(fig.data[0].x) == [1.0, 2.0]
    trees = fig.data[1]
    assert list(trees.customdata) == ["a", "b"]  # rungs in order, joined by a dotted line
    assert trees.mode == "lines+markers"
    assert list(trees.error_y.array) == [2.0, 2.0]
    assert list(trees.error_y.arrayminus) == [1.0, 1.0]
    assert (fig.data[3].x[0], fig.data[3].y[0]) == (2.0, 12.0)
    assert fig.layout.xaxis.title.text == "cost &lt;x&gt;"
    assert fig.layout.yaxis.title.text == "value &#36;"
    assert fig.layout.annotations[0].text == "line &#36;1"
    assert tradeoff_figure([], x_title="", y_title="", frontier_names=[], frontier_name="",
                           empty="nothing").layout.annotations[0].text == "nothing"  # fmt: skip


# --- business case -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def case(small_binary_study: StudyResult):  # type: ignore[no-untyped-def]
    return business_case(small_binary_study, BusinessInputs())


def test_net_value_figure(small_binary_study: StudyResult, case) -> None:  # type: ignore[no-untyped-def]
    pick = case.rows[1].name
    fig = net_value_figure(small_binary_study, case, pick)
    names = [t.name for t in fig.data]
    assert names[0] == FRONTIER_NAME
    assert names[-1] == PICK_NAME
    star = fig.data[-1]
    chosen = case.row(pick)
    assert (star.x[0], star.y[0]) == (chosen.serving_usd_per_month, chosen.net_usd_per_month)
    assert PICK_NAME not in [t.name for t in net_value_figure(small_binary_study, case).data]
    plotted = sorted(n for t in fig.data[1:-1] for n in t.customdata)
    assert plotted == sorted(r.name for r in case.rows)
    assert fig.layout.xaxis.title.text.startswith("serving cost (&#36; per month, in batches")
    ticks = fig.layout.yaxis.ticktext
    assert ticks
    assert all(t.startswith(("&#36;", "−&#36;")) for t in ticks)
    assert not any(c in t for t in ticks for c in "eEGµ")  # no 1e5, no $70G, no µ$
    assert fig.layout.annotations[0].text.startswith("Simple baseline −&#36;")
    _no_raw_dollar(fig)


def test_net_value_figure_without_costs_says_so(small_binary_study: StudyResult) -> None:
    blind = [
        ModelResult(
            **{**m.__dict__, "throughput_rows_per_s": None, "latency_ms_p50": None}
            | {"latency_ms_mean": None}
        )
        for m in small_binary_study.models
    ]
    study = StudyResult(**{**small_binary_study.__dict__, "models": blind})
    fig = net_value_figure(study, business_case(study))
    assert "No model has both a known net value" in fig.layout.annotations[0].text


def test_threshold_figure_marks_the_default_and_the_best(case) -> None:  # type: ignore[no-untyped-def]
    result = next(iter(case.thresholds.values()))
    fig = threshold_figure(result, "Tree <1>", "yes")
    curve, default, best = fig.data
    assert curve.line.shape == "vh"  # the value between two cut-offs is the upper one's
    assert list(curve.x) == result.curve["threshold"].tolist()
    assert (default.x[0], default.y[0]) == (0.5, result.net_usd_per_month_at_default)
    assert (best.x[0], best.y[0]) == (result.threshold, result.net_usd_per_month)
    assert fig.layout.shapes[0].x0 == 0.5
    assert "called 'yes' when its probability of 'yes'" in fig.layout.xaxis.title.text
    assert curve.name.startswith("Tree &lt;1&gt;")
    _no_raw_dollar(fig)


def test_break_even_figure_crosses_zero_at_the_break_even(small_binary_study: StudyResult) -> None:
    from tests.unit.test_economics import INPUTS, _break_even_study

    study = _break_even_study({"train_cpu_s": 3600.0}, [1, 1, 0, 0])
    result = break_even(study, INPUTS, "xgb")
    fig = break_even_figure(result, 1000.0, "XGB", "Simple")
    curve, yours, star = fig.data
    assert (star.x[0], star.y[0]) == (result.predictions_per_month, 0)
    # 1000 a month x $0.25 saved - $3.60 of training.
    assert yours.y[0] == pytest.approx(1000 * 0.25 - 3.6)
    assert min(curve.x) < result.predictions_per_month < max(curve.x)
    assert min(curve.x) < 1000 < max(curve.x)
    assert fig.layout.xaxis.type == "log"
    _no_raw_dollar(fig)
    ticks = fig.layout.xaxis.ticktext  # volumes as people say them, not 100p…1µ
    assert ticks
    assert all(re.fullmatch(r"\d+(\.\d+)?[kMB]?", t) for t in ticks), ticks
    assert fig.layout.yaxis.ticktext
    always = break_even(_break_even_study({}, [1, 1, 0, 0]), INPUTS, "xgb")
    assert (
        "pays at any volume"
        in break_even_figure(always, 1e6, "XGB", "S").layout.annotations[0].text
    )


def test_business_and_price_tables_carry_units(small_binary_study: StudyResult, case) -> None:  # type: ignore[no-untyped-def]
    frame = business_frame(case, "binary")
    assert frame.columns[:4].tolist() == [
        "model", "net value ($ per month, 95% CI)", "vs simple baseline ($ per month, 95% CI)",
        "clearly more than the simple baseline?",
    ]  # fmt: skip
    by_label = {r.label: r.net_usd_per_month for r in case.rows}
    net = [by_label[label] for label in frame["model"]]
    assert net == sorted(net, reverse=True)  # the most valuable first
    money = r"(−|\+)?\$\d+(\.\d+)?[kMB]?|about \$0"
    for text in frame["net value ($ per month, 95% CI)"]:  # as people write money, with its CI
        assert re.fullmatch(rf"({money}) \(({money}) to ({money})\)", text), text
    simple = frame.set_index("model").loc["Simple baseline (linear)"]
    assert simple["clearly more than the simple baseline?"] == ""
    assert simple["vs simple baseline ($ per month, 95% CI)"] == ""
    assert set(frame["clearly more than the simple baseline?"]) <= {
        "", "yes", "no: within the uncertainty", "no: clearly less",
    }  # fmt: skip
    assert "decision threshold" in frame.columns
    prices = price_frame(case, small_binary_study.primary_metric)
    assert len(prices) == len(case.price_table)
    assert {"latency per point", "size per point"} <= set(prices.columns)
    assert {
        "Accuracy gain (points, 95% CI)", "Balanced accuracy gain (points, 95% CI)"
    } & set(prices.columns)  # fmt: skip
    gains = next(c for c in prices.columns if "gain" in c)
    assert all(
        re.fullmatch(r"[+−]\d+\.\d( \([+−]\d+\.\d to [+−]\d+\.\d\))?", g) for g in prices[gains]
    )


# --- fairness ------------------------------------------------------------------------------------


def _hand_study(groups: list[str], y: list[int], pred: list[int]) -> StudyResult:
    X = pd.DataFrame({"x": np.arange(len(y), dtype=float), "who": groups})
    ds = make_dataset(X, np.array(y, dtype=np.int64), "binary", ("no", "yes"))
    model = ModelResult(
        name="m", label="Model <M>", family="Decision tree", rung=1, interpretable=True,
        neural=False, description="", metrics={"accuracy": float(np.mean(np.equal(y, pred)))},
        predictions=Predictions(np.array(pred), None),
    )  # fmt: skip
    return StudyResult(
        dataset=ds, config=StudyConfig(n_resamples=100), primary_metric="accuracy",
        models=[model],
        eval_index=np.arange(len(y)), eval_fold=np.zeros(len(y), dtype=np.int64),
        duration_s=0.0, created_at="",
    )  # fmt: skip


def test_group_figures_escape_values_and_grey_small_groups() -> None:
    groups = ["<b>big</b>"] * 40 + ["$x$"] * 5
    y = [1, 0] * 20 + [1] * 5
    pred = [1, 1] * 20 + [0] * 5
    study = _hand_study(groups, y, pred)
    report = fair.fairness_report(study, ["who"])
    fig = group_figure(study, report, "m")
    labels = list(fig.data[0].y)
    assert labels == ["&lt;b&gt;big&lt;/b&gt; (40 rows)", "&#36;x&#36; (5 rows)"]
    colours = list(fig.data[0].marker.color)
    assert colours[1] == SMALL_COLOUR
    assert colours[0] != SMALL_COLOUR
    assert list(fig.data[0].x) == [50.0, 0.0]  # accuracy in % per group
    rates = rates_figure(study, report, "m")
    assert [t.name.split(":")[0] for t in rates.data] == [
        "selection rate", "true positive rate", "false positive rate",
    ]  # fmt: skip
    assert list(rates.data[0].x) == [100.0, 0.0]
    assert rates.data[0].y[1].endswith("— too few rows")
    for figure in (fig, rates):
        assert not any("<b>big" in text for _, text in _strings(figure.to_plotly_json()))


def test_accuracy_gap_figure_and_its_empty_state() -> None:
    # Group a: 40 rows, all right; group b: 40 rows, half right. Gap 50 points.
    study = _hand_study(["a"] * 40 + ["b"] * 40, [1, 0] * 40, [1, 0] * 20 + [1, 1] * 20)
    report = fair.fairness_report(study, ["who"])
    fig = accuracy_gap_figure(study, report, "m")
    frontier, family, star = fig.data
    assert frontier.name == plain(FAIR_FRONTIER)
    assert list(frontier.x) == pytest.approx([50.0])
    assert (family.x[0], family.y[0]) == (pytest.approx(50.0), pytest.approx(75.0))
    assert star.name == PICK_NAME
    assert fig.layout.xaxis.title.text.startswith("largest gap in accuracy between who groups")
    assert fig.layout.yaxis.ticksuffix == "%"
    assert "Model &lt;M&gt;" in family.hovertext[0]
    tiny = _hand_study(["a"] * 4 + ["b"] * 4, [1, 0] * 4, [1, 0] * 4)
    empty = accuracy_gap_figure(tiny, fair.fairness_report(tiny, ["who"]))
    assert "fewer than two groups have at least 30" in empty.layout.annotations[0].text
