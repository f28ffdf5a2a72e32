"""Numbers for people on every page: a regression whose target is in the hundreds of thousands
(house-price sized) never shows scientific notation ("1.8e+05", "−5.97e-06"), on screen or in
a chart's hover text; R² is told in the target's own unit; every page has its words explained."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from sklearn.datasets import load_diabetes

from core.data import prepare_dataset
from core.glossary import TERMS
from core.study import StudyConfig, StudyResult, run_study
from tests.app.conftest import assert_ok, open_app, shown_table, texts
from ui.common import readable_format
from ui.state import (
    BUSINESS_PAGE,
    EXPLAIN_PAGE,
    FAIRNESS_PAGE,
    GLOSSARY_PAGE,
    REPORT_PAGE,
    TRADEOFFS_PAGE,
    TRAIN_PAGE,
    Keys,
)

#: How Python and JavaScript write a number in scientific notation.
SCIENTIFIC = re.compile(r"\d(?:\.\d+)?e[+-]?\d", re.IGNORECASE)
#: A hyphen written as a minus sign ("-12.8"; people read "−12.8"), not in a date or a name.
HYPHEN_MINUS = re.compile(r"(?<![\w\-])-\d")


def _price_study(metric: str) -> StudyResult:
    """scikit-learn's diabetes table with its target in "dollars" (25,000 to 346,000)."""
    frame = load_diabetes(as_frame=True).frame
    frame["price"] = frame.pop("target") * 1000
    dataset = prepare_dataset(frame, "price", name="prices.csv")
    config = StudyConfig(
        models=("decision_tree", "knn"), n_workers=0, n_resamples=200, latency_calls=20,
        latency_budget_s=0.05, primary_metric=metric,
    )  # fmt: skip
    return run_study(dataset, config)


@pytest.fixture(scope="module")
def price_study() -> StudyResult:
    return _price_study("r2")


def _hover_and_ticks(at) -> list[str]:  # type: ignore[no-untyped-def]
    out: list[str] = []
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        for trace in spec["data"]:
            for key in ("text", "hovertext", "customdata"):
                value = trace.get(key)
                if isinstance(value, list):
                    out += [str(v) for v in value]
                elif isinstance(value, str):
                    out.append(value)
        for axis, layout in spec["layout"].items():
            if axis.startswith(("xaxis", "yaxis")) and isinstance(layout, dict):
                out += [str(t) for t in layout.get("ticktext", [])]
    return out


@pytest.mark.parametrize(
    "page", [TRAIN_PAGE, TRADEOFFS_PAGE, EXPLAIN_PAGE, BUSINESS_PAGE, FAIRNESS_PAGE, REPORT_PAGE]
)
def test_no_page_writes_numbers_in_scientific_notation(price_study, page):
    at = open_app(page, **{Keys.STUDY: price_study})
    assert_ok(at)
    shown = [texts(at), *_hover_and_ticks(at)]
    for table in at.dataframe:
        frame = table.value
        shown += [str(v) for c in frame.columns if frame[c].dtype == object for v in frame[c]]
    for table in at.table:  # the tables people read: every cell is text
        frame = shown_table(table)
        shown += [*map(str, frame.columns), *(str(v) for c in frame.columns for v in frame[c])]
    found = [s for s in shown if SCIENTIFIC.search(s)]
    assert not found, found[:5]
    hyphens = [s for s in shown[1:] if HYPHEN_MINUS.search(s)]  # tables, hover text and ticks
    assert not hyphens, hyphens[:5]


def test_r2_is_told_in_the_targets_own_unit(price_study):
    at = open_app(TRADEOFFS_PAGE, **{Keys.STUDY: price_study})
    assert_ok(at)
    pick = price_study.model(price_study.decision.pick)
    rmse = f"{round(pick.metrics['rmse'], -2):,.0f}"[:-2]  # "57,600" → "57,6": digits, grouped
    said = [c.value for c in at.caption if c.value.startswith("R² ")]
    assert said, [c.value for c in at.caption]
    assert "typical error (RMSE) is" in said[0]
    assert rmse in said[0]
    assert "price's own unit" in said[0]


def test_every_page_of_results_explains_its_words(price_study):
    for page in (TRAIN_PAGE, TRADEOFFS_PAGE, EXPLAIN_PAGE, BUSINESS_PAGE, FAIRNESS_PAGE):
        at = open_app(page, **{Keys.STUDY: price_study})
        labels = [p.proto.popover.label for p in at.get("popover")]
        assert "Words on this page" in labels, (page, labels)


def test_the_glossary_page_lists_every_word():
    at = open_app(GLOSSARY_PAGE)
    assert_ok(at)
    shown = "\n".join(m.value for m in at.main.markdown)
    for term in TERMS:
        assert term.term.replace("(", "").split()[0] in shown, term.key
    assert len([m for m in at.main.markdown if m.value.startswith("**")]) == len(TERMS)


@pytest.mark.parametrize(
    ("values", "spec"),
    [
        ([57_612.3, 61_000.0], "localized"),
        ([0.734, 0.812], "%.3f"),
        ([12.3, 45.6], "%.1f"),
        ([150.0, 300.0], "%.0f"),
        ([5.97e-6, 1e-5, 0.0], "%.6f"),
        ([float("nan")], "%.3g"),
    ],
)
def test_table_formats_never_use_scientific_notation(values, spec):
    assert readable_format(pd.Series(values)) == spec


def test_the_leaderboard_of_a_price_model_groups_its_digits():
    at = open_app(TRADEOFFS_PAGE, **{Keys.STUDY: _price_study("rmse")})
    config = json.loads(at.dataframe[0].proto.columns)
    assert config["Root mean squared error"]["type_config"]["format"] == "localized"
    assert at.dataframe[0].value["Root mean squared error"].map(float.is_integer).all()
