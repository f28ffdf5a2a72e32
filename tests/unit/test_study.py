"""Running a study: determinism, failure isolation, time limits, CV, progress and outputs."""

from __future__ import annotations

import json
import os
import sys
import types
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn import metrics as skm

from core import candidates as cand
from core.errors import ConfigError
from core.pareto import COST_AXES
from core.results import (
    compute_sentence,
    format_leaderboard,
    leaderboard,
    predictions_frame,
    rows_sentence,
    to_dict,
    write_outputs,
)
from core.study import (
    ProgressEvent,
    StudyConfig,
    StudyResult,
    _splits,
    default_primary_metric,
    run_study,
)

FAST = {"latency_calls": 30, "latency_budget_s": 0.05, "n_resamples": 300}
SMALL_LADDER = ("decision_tree", "xgboost_small", "naive_bayes")


def _study(dataset, **overrides) -> StudyResult:
    params = {"models": SMALL_LADDER, "n_workers": 0, **FAST, **overrides}
    return run_study(dataset, StudyConfig(**params))


@pytest.fixture(scope="module")
def binary_study(binary_dataset) -> StudyResult:
    return _study(binary_dataset)


def test_baselines_always_included_and_ladder_order(binary_study):
    names = [m.name for m in binary_study.models]
    assert names == ["dummy", "simple", "decision_tree", "naive_bayes", "xgboost_small"]
    assert all(m.status == "ok" for m in binary_study.models)


def test_every_figure_of_design_is_measured(binary_study):
    for m in binary_study.models:
        assert set(m.metrics) == {
            "accuracy",
            "balanced_accuracy",
            "f1_macro",
            "roc_auc",
            "log_loss",
        }
        assert m.metric_ci_low <= m.metrics["accuracy"] <= m.metric_ci_high
        assert m.delta_ci_low <= m.delta_vs_baseline <= m.delta_ci_high
        assert m.train_s > 0
        assert m.train_cpu_s >= 0
        assert 0 < m.latency_ms_p50 <= m.latency_ms_p95
        assert m.throughput_rows_per_s > 0
        assert m.size_bytes == len(m.model_bytes)
        assert m.usd_per_million_predictions > 0


def test_dummy_is_its_own_baseline(binary_study):
    dummy = binary_study.model("dummy")
    assert dummy.delta_vs_baseline == 0
    assert dummy.beats_baseline is False
    assert binary_study.model("xgboost_small").beats_baseline is True


def test_claims_are_made_for_all_models_together(binary_study):
    models = binary_study.ok_models
    best = max(models, key=lambda m: m.metrics["accuracy"])
    assert best.tied_with_best is True
    assert best.delta_vs_best == 0
    assert binary_study.model("dummy").tied_with_best is False
    tied = [m for m in models if m.tied_with_best]
    assert best.selection_tied == len(tied)
    assert best.selection_optimism >= 0
    assert best.selection_ci_low <= best.metrics["accuracy"] <= best.selection_ci_high
    assert all(m.selection_tied is None for m in models if m is not best)
    for m in models:  # the simultaneous interval decides the claim
        assert m.beats_baseline == (m.delta_ci_low > 0)
        assert m.tied_with_best == (m.delta_vs_best_ci_high >= 0)


def test_cv_intervals_of_perfect_models_stay_in_range_and_are_not_certain(binary_dataset):
    # Penguins-like: a separable target, where a t-interval over folds gave [1.0, 1.0] or
    # went past 1. The pooled out-of-fold interval stays in [0, 1] and has width.
    X = binary_dataset.X.copy()
    X["x0"] = binary_dataset.y * 10.0
    easy = replace(binary_dataset, X=X)
    study = _study(easy, validation="cv", cv_folds=5, models=("decision_tree",))
    tree = study.model("decision_tree")
    assert tree.metrics["accuracy"] == 1.0
    assert 0.95 < tree.metric_ci_low < 1.0
    assert tree.metric_ci_high == 1.0


def test_same_data_and_seed_give_identical_metrics(binary_dataset, binary_study):
    again = _study(binary_dataset)
    for a, b in zip(binary_study.models, again.models, strict=True):
        assert a.metrics == b.metrics
        assert (a.metric_ci_low, a.metric_ci_high) == (b.metric_ci_low, b.metric_ci_high)
        assert (a.delta_ci_low, a.delta_ci_high) == (b.delta_ci_low, b.delta_ci_high)


def test_parallel_workers_give_the_same_metrics_as_inline(binary_dataset, binary_study):
    parallel = _study(binary_dataset, n_workers=2)
    for a, b in zip(binary_study.models, parallel.models, strict=True):
        assert a.metrics == b.metrics


def test_other_seed_changes_the_split(binary_dataset, binary_study):
    other = _study(binary_dataset, seed=1, models=("decision_tree",))
    assert not np.array_equal(other.eval_index, binary_study.eval_index)
    assert other.config.seed == 1


def test_failing_model_is_recorded_and_others_go_on(binary_dataset, monkeypatch):
    def broken(task, seed, n_rows):
        raise RuntimeError("boom")

    broken_spec = replace(cand.get_candidate("naive_bayes"), factory=broken)
    monkeypatch.setitem(cand._BY_NAME, "naive_bayes", broken_spec)
    study = _study(binary_dataset)
    failed = study.model("naive_bayes")
    assert failed.status == "failed"
    assert "boom" in failed.reason
    assert failed.metrics == {}
    assert study.model("xgboost_small").status == "ok"
    assert study.decision.industry is not None


def test_time_limit_stops_a_model(binary_dataset):
    study = _study(binary_dataset, models=("mlp_large",), n_workers=2, time_limit_s=0.01)
    reasons = {m.name: m.reason for m in study.models if m.status == "failed"}
    assert "mlp_large" in reasons
    assert "time limit of 0.01 s" in reasons["mlp_large"]


def test_progress_reports_start_and_end_of_each_model(binary_dataset):
    events: list[ProgressEvent] = []
    study = run_study(
        binary_dataset,
        StudyConfig(models=("decision_tree",), n_workers=0, **FAST),
        events.append,
    )
    for m in study.models:
        stages = [e.stage for e in events if e.model == m.name]
        assert stages == ["waiting", "training", "waiting", "measuring", "done"]
    assert events[-1].done == events[-1].total == len(study.models)
    assert all(e.elapsed_s >= 0 for e in events)
    finished = [e for e in events if e.stage == "done"]
    assert [e.result for e in finished] == [study.model(e.model) for e in finished]
    assert all(e.result is None for e in events if e.stage != "done")


def test_progress_ticks_while_training_and_reports_failures_at_once(binary_dataset, monkeypatch):
    monkeypatch.setattr("core.study._Notifier.TICK_S", 0.0)
    events: list[ProgressEvent] = []
    study = run_study(
        binary_dataset,
        StudyConfig(models=("mlp_large",), n_workers=2, time_limit_s=0.5, **FAST),
        events.append,
    )
    mlp = [e for e in events if e.model == "mlp_large"]
    training = [e.elapsed_s for e in mlp if e.stage == "training"]
    assert len(training) > 1
    assert training == sorted(training)
    failed = [e for e in mlp if e.stage == "failed"]
    assert failed[0].result is None
    assert "time limit" in failed[0].message
    assert failed[-1].result is study.model("mlp_large")


def test_sampled_training_is_noted(binary_dataset, monkeypatch):
    spec = replace(cand.get_candidate("knn"), max_train_rows=50)
    monkeypatch.setitem(cand._BY_NAME, "knn", spec)
    knn = _study(binary_dataset, models=("knn",)).model("knn")
    assert knn.train_rows == 50
    assert any("random sample of 50 of 320 rows" in note for note in knn.notes)


def test_cross_validation_covers_every_row_once(multiclass_dataset):
    study = _study(multiclass_dataset, validation="cv", cv_folds=3)
    assert sorted(study.eval_index) == list(range(multiclass_dataset.n_rows))
    assert set(study.eval_fold) == {0, 1, 2}
    tree = study.model("decision_tree")
    assert len(tree.fold_metrics) == 3
    assert tree.metrics["accuracy"] == pytest.approx(
        np.mean([f["accuracy"] for f in tree.fold_metrics])
    )
    assert tree.refit_s is not None


def test_regression_study(regression_dataset):
    study = _study(regression_dataset, models=("decision_tree", "xgboost_small"))
    assert study.primary_metric == "r2"
    assert set(study.model("simple").metrics) == {"r2", "mae", "rmse"}
    assert study.model("simple").beats_baseline is True


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"validation": "cv", "cv_folds": 1}, "at least 2 folds"),
        ({"test_size": 0.9}, "between 0.05 and 0.5"),
        ({"primary_metric": "r2"}, "cannot be the primary metric of a binary task"),
        ({"models": ("no_such_model",)}, "Unknown model 'no_such_model'"),
    ],
)
def test_impossible_configs_are_refused(binary_dataset, overrides, message):
    with pytest.raises(ConfigError, match=message):
        _study(binary_dataset, **overrides)


def test_too_many_folds_for_a_rare_class(binary_dataset):
    y = binary_dataset.y.copy()
    y[np.flatnonzero(y == 1)[3:]] = 0
    rare = replace(binary_dataset, y=y)
    with pytest.raises(ConfigError, match="Class 'yes' has only 3 rows, fewer than the 5 folds"):
        _study(rare, validation="cv", cv_folds=5)


# --- outputs -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def written(binary_study, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("results")
    write_outputs(binary_study, out)
    return out


def test_results_json_schema(written, binary_study):
    doc = json.loads((written / "results.json").read_text(encoding="utf-8"))
    assert set(doc["dataset"]) >= {"name", "rows", "columns", "sha256", "target", "task"}
    assert set(doc["config"]) >= {"seed", "validation", "primary_metric"}
    assert isinstance(doc["warnings"], list)
    required = {
        "name", "family", "status", "reason", "metrics", "metric_ci_low", "metric_ci_high",
        "delta_vs_baseline", "delta_ci_low", "delta_ci_high", "beats_baseline", "train_s",
        "train_cpu_s", "latency_ms_p50", "latency_ms_p95", "throughput_rows_per_s",
        "size_bytes", "model_file",
    }  # fmt: skip
    for model in doc["models"]:
        assert required <= set(model)
    assert set(doc["recommendation"]) >= {"academic", "industry", "sentence"}
    assert set(doc["frontiers"]) == set(COST_AXES)
    ok_names = {m["name"] for m in doc["models"] if m["status"] == "ok"}
    for names in doc["frontiers"].values():
        assert names
        assert set(names) <= ok_names
    assert doc["recommendation"]["industry"] == binary_study.decision.industry


def test_model_files_have_exactly_size_bytes_and_load_safely(written):
    doc = json.loads((written / "results.json").read_text(encoding="utf-8"))
    for model in doc["models"]:
        data = (written / model["model_file"]).read_bytes()
        assert len(data) == model["size_bytes"]
        trusted = sio.get_untrusted_types(data=data)
        assert all(t.startswith(("xgboost.", "sklearn.", "numpy.")) for t in trusted)
        assert hasattr(sio.loads(data, trusted=trusted), "predict")


def test_metrics_recomputed_from_predictions_csv(written, binary_dataset):
    doc = json.loads((written / "results.json").read_text(encoding="utf-8"))
    preds = pd.read_csv(written / "predictions.csv")
    assert preds["row_id"].is_unique
    positive = binary_dataset.positive_class
    for model in doc["models"]:
        name = model["name"]
        acc = skm.accuracy_score(preds["true"], preds[f"pred:{name}"])
        auc = skm.roc_auc_score(preds["true"] == positive, preds[f"proba:{name}:{positive}"])
        assert acc == pytest.approx(model["metrics"]["accuracy"], abs=1e-12)
        assert auc == pytest.approx(model["metrics"]["roc_auc"], abs=1e-9)


def test_predictions_match_the_saved_models(written, binary_dataset, binary_study):
    preds = pd.read_csv(written / "predictions.csv")
    data = (written / "models" / "xgboost_small.skops").read_bytes()
    model = sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    X = binary_dataset.X.iloc[binary_study.eval_index]
    labels = np.asarray(binary_dataset.classes)[model.predict(X)]
    assert list(labels) == list(preds["pred:xgboost_small"])


def test_leaderboard_has_units_and_best_first(binary_study, written):
    board = leaderboard(binary_study)
    assert {"train CPU (s)", "p50 latency (ms)", "size (MB)", "throughput (rows/s)"} <= set(
        board.columns
    )
    accuracies = board["Accuracy"].tolist()
    assert accuracies == sorted(accuracies, reverse=True)
    assert (written / "leaderboard.csv").exists()
    text = format_leaderboard(binary_study)
    assert "p50 ms" in text
    assert "size MB" in text
    assert "XGBoost (small)" in text


def test_predictions_frame_uses_original_labels(binary_study):
    frame = predictions_frame(binary_study)
    assert set(frame["true"]) <= {"no", "yes"}
    assert set(frame["pred:dummy"]) <= {"no", "yes"}


def test_cv_metrics_recomputed_from_predictions_csv(multiclass_dataset, tmp_path):
    study = _study(multiclass_dataset, validation="cv", cv_folds=3, models=("decision_tree",))
    write_outputs(study, tmp_path)
    doc = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    preds = pd.read_csv(tmp_path / "predictions.csv")
    assert sorted(preds["row_id"]) == list(range(multiclass_dataset.n_rows))
    for model in doc["models"]:
        # One out-of-fold prediction per row, pooled: the metric of all rows at once.
        pooled = skm.balanced_accuracy_score(preds["true"], preds[f"pred:{model['name']}"])
        assert model["metrics"]["balanced_accuracy"] == pytest.approx(pooled, abs=1e-12)
        low, high = model["metric_ci_low"], model["metric_ci_high"]
        assert 0 <= low < pooled < high <= 1


def test_default_metric_is_balanced_when_one_class_dominates(binary_dataset):
    assert default_primary_metric(binary_dataset) == "accuracy"
    y = binary_dataset.y.copy()
    y[np.flatnonzero(y == 1)[: len(y) // 4]] = 0  # now about 75% in class 0
    assert default_primary_metric(replace(binary_dataset, y=y)) == "balanced_accuracy"


def test_workers_do_not_rerun_a_script_main(binary_dataset, tmp_path, monkeypatch):
    # Under Streamlit the page script is __main__; a worker must not import (run) it again.
    marker = tmp_path / "ran"
    script = tmp_path / "page.py"
    script.write_text(f"open({str(marker)!r}, 'w').close()\n")
    fake_main = types.ModuleType("__main__")
    fake_main.__file__ = str(script)
    fake_main.__spec__ = None
    monkeypatch.setitem(sys.modules, "__main__", fake_main)
    study = _study(binary_dataset, models=("decision_tree",), n_workers=1)
    assert study.model("decision_tree").ok
    assert not marker.exists()
    assert sys.modules["__main__"] is fake_main


# --- copies of rows stay on one side of the split ------------------------------------------------


def _stacked(task: str, copies: int = 10, n: int = 60, seed: int = 0):
    """``n`` distinct rows of noise, each ``copies`` times: the target is unrelated to the
    features, so a model that scores well has only memorised rows it was tested on."""
    from core.data import prepare_dataset

    rng = np.random.default_rng(seed)
    base = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    if task == "regression":
        base["target"] = rng.normal(size=n)
    else:
        base["target"] = np.where(rng.random(n) < 0.5, "yes", "no")
    return prepare_dataset(pd.concat([base] * copies, ignore_index=True), "target")


@pytest.mark.parametrize("task", ["binary", "regression"])
@pytest.mark.parametrize("validation", ["holdout", "cv"])
def test_copies_of_a_row_are_never_on_both_sides_of_a_split(task, validation):
    from core.dataset import copy_groups
    from core.study import _splits

    ds = _stacked(task)
    groups = copy_groups(ds.X)
    config = StudyConfig(validation=validation, cv_folds=3)
    folds, _ = _splits(ds, config)
    for train, test in folds:
        assert not set(groups[train]) & set(groups[test])
        assert len(set(groups[test])) == len(test)  # each row of noise counted once
        assert 0.1 <= len(test) * 10 / ds.n_rows <= 0.5
    plain, _ = _splits(ds, replace(config, keep_copies_together=False))
    assert any(set(groups[a]) & set(groups[b]) for a, b in plain)  # what a random split does


def test_stacked_noise_is_not_a_signal():
    """100 distinct rows of noise repeated 10 times. Split apart, a tree memorises the copies of
    its test rows and seems to predict; kept together and counted once, no model beats the
    dummy in at least 18 of 20 tables (a claim at 95% may be wrong 1 time in 20)."""
    claims = 0
    for seed in range(20):
        ds = _stacked("binary", copies=10, n=100, seed=seed)
        kept = _study(ds, models=("decision_tree", "knn"), n_resamples=200)
        assert len(kept.eval_index) == len(set(kept.eval_index)) <= 25  # distinct rows only
        claims += kept.decision.kind != "no_signal"
    assert claims <= 2, claims
    apart = _study(ds, models=("decision_tree", "knn"), keep_copies_together=False)
    assert max(m.metrics["balanced_accuracy"] for m in apart.ok_models) > 0.75


def test_a_time_ordered_split_tests_only_the_latest_rows(binary_dataset):
    ds = replace(binary_dataset, time_column="day")
    (train, test), *_ = _splits(ds, StudyConfig(validation="time"))[0]
    assert len(test) == 80
    assert train.max() < test.min()  # trained on the past, tested on the future
    newest_first = replace(ds, time_descending=True)
    (train, test), *_ = _splits(newest_first, StudyConfig(validation="time"))[0]
    assert test.max() < train.min()
    # A copy of an early row among the latest rows is not tested: it was seen in training.
    X = ds.X.copy()
    X.iloc[-1] = X.iloc[0]
    with_copy = replace(ds, X=X)
    (train, test), *_ = _splits(with_copy, StudyConfig(validation="time"))[0]
    assert ds.n_rows - 1 in train
    assert len(test) == 79


def test_a_time_ordered_split_needs_every_class_on_both_sides(binary_dataset):
    order = np.argsort(binary_dataset.y, kind="stable")  # every "yes" row last
    ds = replace(
        binary_dataset,
        X=binary_dataset.X.iloc[order].reset_index(drop=True),
        y=binary_dataset.y[order],
        row_ids=binary_dataset.row_ids[order],
    )
    with pytest.raises(ConfigError, match="latest rows have no row of class 'no'"):
        _splits(ds, StudyConfig(validation="time", test_size=0.3))
    with pytest.raises(ConfigError, match="Unknown validation 'future'"):
        _splits(ds, StudyConfig(validation="future"))  # type: ignore[arg-type]


def test_a_study_with_a_time_ordered_split_runs_and_says_so(binary_dataset):
    study = _study(replace(binary_dataset, time_column="day"), validation="time")
    assert study.eval_index.min() == binary_dataset.n_rows - 80
    assert all(m.ok for m in study.models)


# --- where it ran --------------------------------------------------------------------------------


def test_a_study_records_where_it_trained_and_where_serving_was_measured(
    binary_dataset, binary_study
):
    training, serving = binary_study.compute["training"], binary_study.compute["serving"]
    assert training["executor"] == "this process"  # n_workers=0
    pooled = _study(binary_dataset, models=("decision_tree",), n_workers=2).compute["training"]
    assert (pooled["executor"], pooled["workers"]) == ("local pool", 2)
    assert training["threads_per_worker"] == 1
    assert training["scheduler"] is None
    assert sum(training["cpus"].values()) == training["workers"]
    assert serving["cores"] == os.cpu_count()
    assert serving["cpu"]


@pytest.mark.parametrize(
    ("compute", "words"),
    [
        (
            {
                "training": {"executor": "dask", "workers": 4, "scheduler": "tcp://h:8786",
                             "cpus": {"Xeon": 3, "EPYC": 1}},
                "serving": {"cpu": "M2", "cores": 8},
            },
            "Trained on a Dask cluster (tcp://h:8786) by 4 worker processes, one model each at a "
            "time (1 on EPYC, 3 on Xeon); latency, throughput and serving cost measured on the "
            "machine that ran the study (M2, 8 cores).",
        ),
        (
            {
                "training": {"executor": "local pool", "workers": 2, "scheduler": None,
                             "cpus": {"EPYC": 2}},
                "serving": {"cpu": "EPYC", "cores": 2},
            },
            "Trained on this machine by 2 worker processes (2 on EPYC); latency, throughput and "
            "serving cost measured on the machine that ran the study (EPYC, 2 cores).",
        ),
        ({}, "Where it was trained was not recorded (a study saved by an older version)."),
    ],
)  # fmt: skip
def test_where_it_ran_in_one_sentence(compute, words):
    assert compute_sentence(compute) == words


# --- which rows each model learned from ----------------------------------------------------------


def test_a_study_says_which_models_learned_from_a_sample(binary_dataset, monkeypatch):
    tree = cand.get_candidate("decision_tree")
    monkeypatch.setitem(cand._BY_NAME, "decision_tree", replace(tree, max_train_rows=50))
    study = _study(binary_dataset, models=("decision_tree", "naive_bayes"))
    available = binary_dataset.n_rows - len(study.eval_index)
    sampled = study.model("decision_tree")
    assert (sampled.train_rows, sampled.train_rows_available) == (50, available)
    assert study.model("naive_bayes").train_rows == available
    assert rows_sentence(study) == (
        f"3 models learned from all {available:,} training rows; 1 model from a smaller "
        "sample, too slow on more: Decision tree (shallow) (50 rows). All were tested on "
        f"{len(study.eval_index):,} held-out rows."
    )
    assert any("random sample of 50 of" in note for note in sampled.notes)
    document = json.loads(json.dumps(to_dict(study), default=str))
    entry = next(m for m in document["models"] if m["name"] == "decision_tree")
    assert (entry["train_rows"], entry["train_rows_available"]) == (50, available)


def test_when_every_model_learned_from_every_row_it_says_so(binary_study):
    available = binary_study.model("dummy").train_rows_available
    assert rows_sentence(binary_study) == (
        f"All {len(binary_study.models)} models learned from all {available:,} training rows. "
        f"All were tested on {len(binary_study.eval_index):,} held-out rows."
    )


def test_a_study_limit_gives_every_model_the_same_sample(binary_dataset, monkeypatch):
    """Past ``max_train_rows`` every model learns from one seeded sample of the training rows
    (a smaller one of its own drawn from it); the held-out rows are all kept."""
    tree = cand.get_candidate("decision_tree")
    monkeypatch.setitem(cand._BY_NAME, "decision_tree", replace(tree, max_train_rows=60))
    limited = _study(binary_dataset, models=("decision_tree", "naive_bayes"), max_train_rows=200)
    whole = _study(binary_dataset, models=("decision_tree", "naive_bayes"))
    assert np.array_equal(limited.eval_index, whole.eval_index)
    available = binary_dataset.n_rows - len(limited.eval_index)
    rows = {m.name: (m.train_rows, m.train_rows_available) for m in limited.models}
    assert rows == {
        "dummy": (200, available),
        "simple": (200, available),
        "decision_tree": (60, available),
        "naive_bayes": (200, available),
    }
    nb = limited.model("naive_bayes")
    assert nb.notes[0] == (
        f"Trained on a random sample of 200 of {available:,} rows: the study lets a model learn "
        "from at most 200 rows, to stay within its time and memory (the command line's "
        "--max-train-rows changes it)."
    )
    assert (
        limited.model("decision_tree")
        .notes[0]
        .endswith("this model would be too slow on all of them.")
    )
    assert rows_sentence(limited) == (
        f"3 models learned from the same random sample of 200 of the {available:,} training "
        "rows, to keep the study within its time and memory; 1 model from a smaller sample, "
        "too slow on more: Decision tree (shallow) (60 rows). All were tested on "
        f"{len(limited.eval_index):,} held-out rows."
    )
    # The same answers whoever trains: the pool's workers receive only the rows they need.
    pooled = _study(binary_dataset, models=("naive_bayes",), max_train_rows=200, n_workers=2)
    assert pooled.model("naive_bayes").metrics == nb.metrics


def test_a_large_table_holds_out_at_most_its_limit_and_refuses_cross_validation(
    binary_dataset, monkeypatch
):
    from core import study as study_module

    monkeypatch.setattr(study_module, "MAX_HELD_OUT_ROWS", 30)
    held = _study(binary_dataset, models=("naive_bayes",))
    assert len(held.eval_index) == 30
    timed = _study(replace(binary_dataset, time_column="day"), validation="time", models=())
    assert len(timed.eval_index) == 30
    assert timed.eval_index.min() == binary_dataset.n_rows - 30
    monkeypatch.setattr(study_module, "MAX_CV_ROWS", 100)
    with pytest.raises(ConfigError, match=r"^Cross-validation on 400 rows would fit every model"):
        _study(binary_dataset, validation="cv")
