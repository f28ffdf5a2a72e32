"""Tables for people: column profile, leaderboard view and the live progress table."""

from __future__ import annotations

import copy
import re

import pandas as pd
import pytest

from core.data import prepare_dataset, profile_table
from core.pareto import Budgets
from core.store import StudySummary
from core.study import ProgressEvent
from core.tables import (
    format_time,
    leaderboard_notes,
    leaderboard_summary,
    leaderboard_view,
    profile_frame,
    progress_table,
    progress_text,
    studies_frame,
    text_frame,
    verdict_words,
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
    assert list(frame.columns[:5]) == ["model", "served from", "family", "status", "Accuracy (%)"]
    assert set(frame["served from"]) == {"scikit-learn"}  # the study as trained
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


def test_leaderboard_summary_says_what_a_choice_needs_in_few_columns(small_binary_study):
    study = small_binary_study
    frame = leaderboard_summary(study)
    assert frame.columns.tolist() == [
        "model", "Accuracy, % (95% CI)", "vs simple baseline, points (95% CI)",
        "clearly ahead of the simple baseline?", "tied with the best?", "p50 latency per row",
        "model size", "training (CPU time)", "serving ($ per million)",
    ]  # fmt: skip
    # The same models in the same order as the full leaderboard, every cell text.
    assert frame["model"].tolist() == leaderboard_view(study)["model"].tolist()
    assert all(isinstance(v, str) for c in frame.columns for v in frame[c])
    rows = frame.set_index("model")
    for label, cell in rows["Accuracy, % (95% CI)"].items():
        assert re.fullmatch(r"\d+\.\d \(\d+\.\d to \d+\.\d\)", cell), (label, cell)
    simple = rows.loc["Simple baseline (linear)"]
    assert simple["vs simple baseline, points (95% CI)"] == ""
    assert simple["clearly ahead of the simple baseline?"] == ""
    tree = study.model("decision_tree")
    versus = rows.loc[tree.label, "vs simple baseline, points (95% CI)"]
    assert re.fullmatch(r"[+−]\d+\.\d \([+−]\d+\.\d to [+−]\d+\.\d\)", versus), versus
    assert rows.loc[tree.label, "clearly ahead of the simple baseline?"] in {
        "yes", "no", "no: behind",
    }  # fmt: skip
    for column, unit in (
        ("p50 latency per row", r"(ms|µs|s)"), ("model size", r"(bytes|kB|MB)"),
        ("training (CPU time)", r"(ms|µs|s)"),
    ):  # fmt: skip
        assert all(re.fullmatch(rf"[\d.]+ {unit}", v) for v in frame[column]), frame[column]
    assert all(v.startswith(("$", "under $")) for v in frame["serving ($ per million)"])


def test_leaderboard_summary_shows_budgets_only_when_one_is_set(small_binary_study):
    frame = leaderboard_summary(small_binary_study, Budgets(max_size_mb=1e-9)).set_index("model")
    assert frame.loc["Dummy baseline", "within budgets?"].startswith("size ")
    assert "within budgets?" not in leaderboard_summary(small_binary_study, Budgets()).columns


def test_leaderboard_summary_of_a_regression_writes_r2_as_a_number(small_regression_study):
    frame = leaderboard_summary(small_regression_study)
    assert frame.columns[1:3].tolist() == ["R² (95% CI)", "vs simple baseline (95% CI)"]
    assert " to " in frame["R² (95% CI)"].iloc[0]


def test_leaderboard_notes_are_sentences_under_the_table(small_binary_study):
    study = copy.deepcopy(small_binary_study)
    study.model("decision_tree").notes = ["Did not converge."]
    notes = leaderboard_notes(study)
    assert notes == [f"{study.model('decision_tree').label}: Did not converge."]


@pytest.mark.parametrize(
    ("metric", "low", "high", "clear", "words"),
    [
        ("accuracy", 0.01, 0.05, True, "yes: CI excludes zero"),
        ("accuracy", -0.02, 0.05, False, "no: within the uncertainty"),
        ("accuracy", -0.05, -0.01, False, "no: clearly behind"),
        ("mae", -5.0, -1.0, True, "yes: CI excludes zero"),  # lower is better
        ("mae", 1.0, 5.0, False, "no: clearly behind"),
        ("mae", -1.0, 5.0, False, "no: within the uncertainty"),
        ("accuracy", None, None, False, "no: within the uncertainty"),
    ],
)
def test_verdict_words_say_behind_only_when_the_interval_is_on_the_worse_side(
    metric, low, high, clear, words
):
    assert verdict_words(metric, low, high, clear) == words


def test_text_frame_writes_every_cell_as_text():
    frame = pd.DataFrame(
        {"rows": [1200, 3], "share": [0.5, float("nan")], "cost ($ per month)": [1500.0, 0.0]}
    )
    text = text_frame(frame, {"share": "{:.0%}"})
    assert text.to_dict("list") == {
        "rows": ["1,200", "3"], "share": ["50%", "—"], "cost ($ per month)": ["$1.5k", "$0"],
    }  # fmt: skip


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


# --- a crowded leaderboard -----------------------------------------------------------------------


def test_a_crowded_leaderboard_lists_the_models_a_person_compares():
    from types import SimpleNamespace

    from core.pareto import frontier
    from core.tables import READING_ROWS, focus_words, leaderboard_focus
    from tests.unit.test_figures import make

    models = [make("dummy", "Baseline", value=0.5, latency=0.01),
              make("simple", "Linear", value=0.7, latency=0.02)]  # fmt: skip
    for family in ("Random forest", "XGBoost", "Neural network"):
        for i in range(15):  # accuracy rises with latency, with a bump
            value = 0.75 + 0.1 * (i / 15) + (0.02 if i == 7 else 0.0)
            models.append(make(f"{family}_{i}", family, i, value=value, latency=0.1 * (i + 1)))
    study = SimpleNamespace(models=models, primary_metric="accuracy")
    focus = leaderboard_focus(study, ("XGBoost_3", None), "latency_ms_p50")
    assert focus is not None
    assert {"dummy", "simple", "XGBoost_3"} <= set(focus)
    assert set(frontier(models, "accuracy", "latency_ms_p50")) <= set(focus)
    for family in ("Random forest", "XGBoost", "Neural network"):
        assert f"{family}_14" in focus  # each family's best
    assert len(focus) < len(models)
    assert list(focus) == [m.name for m in models if m.name in focus]  # the study's order
    assert focus_words(study, focus) == (
        f"Listing {len(focus)} of 47 models: the picks, the baselines, the models on the "
        "chart's frontier and each family's best. Every model is in the sortable table below."
    )
    small = SimpleNamespace(models=models[:READING_ROWS], primary_metric="accuracy")
    assert leaderboard_focus(small, (None, None), "size_bytes") is None
    assert focus_words(small, None) is None
    # every model on the frontier (accuracy rises with latency, no bumps): nothing to leave out
    rising = [make(f"m{i}", f"F{i % 3}", value=0.5 + i / 100, latency=i + 1.0) for i in range(30)]
    everyone = SimpleNamespace(models=rising, primary_metric="accuracy")
    assert leaderboard_focus(everyone, (None, None), "latency_ms_p50") is None
