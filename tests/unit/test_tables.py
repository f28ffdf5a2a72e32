"""Tables for people: column profile, leaderboard view and the live progress table."""

from __future__ import annotations

import pandas as pd
import pytest

from core.data import prepare_dataset, profile_table
from core.pareto import Budgets
from core.store import StudySummary
from core.study import ProgressEvent
from core.tables import (
    format_time,
    leaderboard_view,
    profile_frame,
    progress_table,
    progress_text,
    studies_frame,
)


def _table() -> pd.DataFrame:
    n = 60
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:04d}" for i in range(n)],
            "email": [f"user{i}@example.com" for i in range(n)],
            "age": [20 + i % 40 for i in range(n)],
            "plan": ["basic", "pro", None] * 20,
            "churn": ["yes", "no"] * 30,
        }
    )


def test_profile_frame_says_what_each_column_is_used_for():
    df = _table()
    ds = prepare_dataset(df, "churn")
    frame = profile_frame(ds.profiles, ds).set_index("column")
    assert list(frame.columns) == ["type", "missing (%)", "distinct values", "examples", "use"]
    assert frame.loc["churn", "use"] == "target (what to predict)"
    assert frame.loc["age", "use"] == "feature"
    assert frame.loc["email", "use"] == "left out: personal data"
    assert frame.loc["customer_id", "use"] == "left out: an identifier"
    assert frame.loc["plan", "missing (%)"] == pytest.approx(100 / 3)
    assert frame.loc["age", "type"] == "number"


def test_profile_frame_without_a_dataset_leaves_use_empty():
    frame = profile_frame(profile_table(_table()))
    assert set(frame["use"]) == {""}
    assert len(frame) == 5


def test_leaderboard_view_units_order_and_verdicts(small_binary_study):
    study = small_binary_study
    frame = leaderboard_view(study)
    assert frame.columns[3] == "Accuracy (%)"
    for column in ("p50 latency (ms)", "size (MB)", "train CPU (s)", "throughput (rows/s)"):
        assert column in frame.columns
    values = frame["Accuracy (%)"].tolist()
    assert values == sorted(values, reverse=True)
    dummy = frame.set_index("model").loc["Dummy baseline"]
    assert dummy["beats dummy?"] == "no: within the uncertainty"
    assert dummy["vs dummy baseline (points)"] == pytest.approx(0.0)
    best = study.model(study.decision.academic)
    row = frame.set_index("model").loc[best.label]
    assert row["Accuracy (%)"] == pytest.approx(100 * best.metrics["accuracy"])
    assert row["beats dummy?"] == (
        "yes: CI excludes zero" if best.beats_baseline else "no: within the uncertainty"
    )
    assert row["95% CI"].endswith("%")
    assert " to " in row["95% CI"]
    assert row["tied with best?"] == "yes"


def test_leaderboard_view_names_the_broken_budget(small_binary_study):
    frame = leaderboard_view(small_binary_study, Budgets(max_size_mb=1e-9)).set_index("model")
    assert frame.loc["Dummy baseline", "within budgets?"].startswith("size ")
    frame = leaderboard_view(small_binary_study, Budgets()).set_index("model")
    assert set(frame["within budgets?"]) == {"yes"}


def test_leaderboard_view_regression_keeps_raw_units(small_regression_study):
    frame = leaderboard_view(small_regression_study)
    assert "R²" in frame.columns
    assert "vs dummy baseline" in frame.columns
    assert frame["R²"].iloc[0] == max(frame["R²"])


def test_progress_table_fills_in_as_models_finish(small_binary_study):
    study = small_binary_study
    tree, dummy = study.model("decision_tree"), study.model("dummy")
    events = [
        ProgressEvent("dummy", dummy.label, "waiting", 0.0, 0, 3),
        ProgressEvent("decision_tree", tree.label, "waiting", 0.0, 0, 3),
        ProgressEvent("xgboost_small", "XGBoost (small)", "training", 1.5, 0, 3),
        ProgressEvent("decision_tree", tree.label, "done", 0.2, 1, 3, result=tree),
        ProgressEvent("mlp", "Neural network", "failed", 3.0, 2, 3, "out of memory"),
    ]
    frame = progress_table(events, "accuracy")
    assert frame["model"].tolist() == [
        tree.label,
        "XGBoost (small)",
        "Neural network",
        dummy.label,
    ]
    assert frame["status"].tolist() == ["done", "training…", "FAILED", "waiting"]
    assert frame.loc[0, "Accuracy (%)"] == pytest.approx(100 * tree.metrics["accuracy"])
    assert pd.isna(frame.loc[1, "Accuracy (%)"])
    assert frame.loc[2, "note"] == "out of memory"
    assert frame.loc[1, "elapsed (s)"] == 1.5


@pytest.mark.parametrize(
    ("iso", "shown"),
    [
        ("2026-11-22T07:36:42+00:00", "2026-11-22 07:36 UTC"),
        ("2026-11-22T09:36:42+02:00", "2026-11-22 07:36 UTC"),
        ("2026-11-22T07:36:42", "2026-11-22 07:36 UTC"),
    ],
)
def test_format_time(iso, shown):
    assert format_time(iso) == shown


def test_studies_frame_shows_picks_with_their_metric():
    summaries = [
        StudySummary(
            study_id="a" * 32,
            created_at="2026-11-22T07:36:42+00:00",
            dataset_name="loans.csv",
            target="default",
            task="binary",
            n_rows=1000,
            primary_metric="accuracy",
            n_models=11,
            best_label="XGBoost (large)",
            best_metric=0.8123,
            recommended_label="Decision tree (shallow)",
            recommended_metric=0.8041,
            duration_s=20.5,
        ),
        StudySummary(
            study_id="b" * 32,
            created_at="2026-11-21T07:00:00+00:00",
            dataset_name="houses.csv",
            target="price",
            task="regression",
            n_rows=500,
            primary_metric="mae",
            n_models=3,
            best_label=None,
            best_metric=None,
            recommended_label=None,
            recommended_metric=None,
            duration_s=3.0,
        ),
    ]
    frame = studies_frame(summaries)
    assert frame["best model"].tolist() == ["XGBoost (large) (81.2%)", "none"]
    assert frame["recommended"].tolist() == ["Decision tree (shallow) (80.4%)", "none"]
    assert frame["trained"].tolist() == ["2026-11-22 07:36 UTC", "2026-11-21 07:00 UTC"]
    assert frame["metric"].tolist() == ["Accuracy", "Mean absolute error"]


def test_progress_text_writes_numbers_and_a_dash_never_none(small_binary_study):
    tree = small_binary_study.model("decision_tree")
    events = [
        ProgressEvent("xgboost_small", "XGBoost (small)", "training", 1.54, 0, 2),
        ProgressEvent("decision_tree", tree.label, "done", 0.2, 1, 2, result=tree),
    ]
    text = progress_text(progress_table(events, "accuracy"), "accuracy")
    assert text.loc[0, "Accuracy (%)"] == f"{100 * tree.metrics['accuracy']:.1f}"
    assert text.loc[1, "Accuracy (%)"] == "—"
    assert text.loc[1, "p50 latency (ms)"] == "—"
    assert text.loc[1, "elapsed (s)"] == "1.5"
    assert "None" not in text.to_string()
    assert text.loc[1, "note"] == ""
