"""SHAP explanations: additivity, the model's own output, columns as uploaded, classes, sampling."""

from __future__ import annotations

import pickle
import threading
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import shap
from scipy.special import expit, softmax

from core import candidates as cand
from core.data import prepare_dataset
from core.errors import ConfigError
from core.explain import (
    MIN_ROWS,
    default_class,
    explain,
    explainer_kind,
    row_choices,
    warm_up,
)
from core.study import StudyConfig, StudyResult, run_study
from tests.unit.conftest import FAST_STUDY


def _study(dataset, *models: str) -> StudyResult:
    return run_study(dataset, StudyConfig(models=models, **FAST_STUDY))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def binary_study(binary_dataset) -> StudyResult:
    """The baselines, a tree, k-nearest neighbours and two boosted ensembles; 80 held-out rows."""
    return _study(binary_dataset, "decision_tree", "knn", "hist_gb", "xgboost_small")


@pytest.fixture(scope="module")
def multiclass_study(multiclass_dataset) -> StudyResult:
    return _study(multiclass_dataset, "decision_tree", "xgboost_small")


def weird_frame(n: int = 300) -> pd.DataFrame:
    """Names a model would reject, categories to one-hot encode (the rarest of 40 cities share an
    "infrequent" column) and two dates split in parts (every year of 'renewal' is 2022, so it
    keeps only month, day and weekday)."""
    rng = np.random.default_rng(0)
    x = rng.normal(100, 20, n)
    colour = rng.choice(["rouge", "vert", "bleu", "noir"], n)
    signed = pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.integers(0, 1500, n), unit="D")
    renewal = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 360, n), unit="D")
    score = 0.04 * (x - 100) + (colour == "rouge") - 0.5 * (signed.year - 2020)
    score = score + rng.normal(0, 1, n)
    frequency = np.r_[np.full(20, 0.04), np.full(20, 0.01)]
    city = rng.choice([f"ville {i}" for i in range(40)], n, p=frequency)
    return pd.DataFrame(
        {
            "$x$ (€)": x,
            "naïve column": colour,
            "ville (city)": city,
            "signed on": signed.strftime("%Y-%m-%d"),
            "renewal": renewal.strftime("%d.%m.%Y"),
            "plain": rng.normal(size=n),
            "outcome": np.where(score > 0, "yes", "no"),
        }
    )


@pytest.fixture(scope="module")
def weird_study() -> StudyResult:
    dataset = prepare_dataset(weird_frame(), "outcome", name="weird.csv")
    columns = ("$x$ (€)", "naïve column", "ville (city)", "signed on", "renewal", "plain")
    assert dataset.used_columns == columns
    return _study(dataset, "decision_tree", "knn")


@pytest.fixture(scope="module")
def weird_regression_study() -> StudyResult:
    frame = weird_frame().drop(columns="outcome")
    noise = np.random.default_rng(1).normal(0, 2, len(frame))
    frame["amount"] = 0.05 * frame["$x$ (€)"] + 3 * (frame["naïve column"] == "rouge") + noise
    dataset = prepare_dataset(frame, "amount", name="weird.csv", task="regression")
    return _study(dataset, "simple")


def _rows(study: StudyResult, expl) -> pd.DataFrame:
    return study.dataset.X.iloc[expl.values.index.to_numpy()]


def _additive(expl, *, atol: float, rtol: float = 0.0) -> None:
    total = expl.base_value + expl.values.sum(axis=1).to_numpy()
    np.testing.assert_allclose(total, expl.prediction, atol=atol, rtol=rtol)


# --- additivity and the model's own output ------------------------------------------------------


def test_a_tree_explains_the_probability_exactly(binary_study):
    expl = explain(binary_study, "decision_tree")
    assert (expl.explainer, expl.output, expl.class_name) == ("tree", "probability of 'yes'", "yes")
    # Tree SHAP is exact and runs in float64 on the tree's own leaf probabilities.
    _additive(expl, atol=1e-9)
    proba = binary_study.model("decision_tree").pipeline.predict_proba(_rows(binary_study, expl))
    np.testing.assert_allclose(expl.prediction, proba[:, 1], atol=1e-12)


def test_xgboost_explains_its_log_odds(binary_study):
    expl = explain(binary_study, "xgboost_small")
    assert (expl.explainer, expl.output) == ("tree", "log-odds of 'yes'")
    # XGBoost computes contributions in float32: their sum drifts from its margin by ~1e-6.
    _additive(expl, atol=1e-5, rtol=1e-5)
    proba = binary_study.model("xgboost_small").pipeline.predict_proba(_rows(binary_study, expl))
    # Compared as probabilities (float32 too, ~6e-8), not as logits of float32 probabilities,
    # whose error blows up near 0 and 1.
    np.testing.assert_allclose(expit(expl.prediction), proba[:, 1], atol=1e-6)


def test_histogram_gradient_boosting_explains_its_log_odds_exactly(binary_study):
    expl = explain(binary_study, "hist_gb")
    assert (expl.explainer, expl.output) == ("tree", "log-odds of 'yes'")
    _additive(expl, atol=1e-9)  # float64 trees
    proba = binary_study.model("hist_gb").pipeline.predict_proba(_rows(binary_study, expl))
    np.testing.assert_allclose(expit(expl.prediction), proba[:, 1], atol=1e-12)


def test_the_logistic_baseline_explains_its_log_odds_exactly(binary_study):
    expl = explain(binary_study, "simple")
    assert (expl.explainer, expl.output) == ("linear", "log-odds of 'yes'")
    _additive(expl, atol=1e-9)  # w·(x - mean) in float64
    proba = binary_study.model("simple").pipeline.predict_proba(_rows(binary_study, expl))
    np.testing.assert_allclose(expit(expl.prediction), proba[:, 1], atol=1e-12)


def test_a_first_permutation_explanation_does_not_wait_for_itself(binary_study):
    # Before the warm-up has ever run, explain() must not hold the lock the warm-up takes.
    warm_up.cache_clear()
    done: list[object] = []
    worker = threading.Thread(
        target=lambda: done.append(explain(binary_study, "knn", max_rows=5)), daemon=True
    )
    worker.start()
    worker.join(120)
    assert done, "explain() deadlocked on its first permutation explanation"


def test_the_permutation_explainer_is_additive_in_probability(binary_study):
    expl = explain(binary_study, "knn", max_rows=20)
    assert (expl.explainer, expl.output, expl.n_rows) == ("permutation", "probability of 'yes'", 20)
    # Exact by construction: each ordering's steps telescope from the background's mean output
    # to the row's output; only float rounding remains.
    _additive(expl, atol=1e-9)
    proba = binary_study.model("knn").pipeline.predict_proba(_rows(binary_study, expl))
    np.testing.assert_allclose(expl.prediction, proba[:, 1], atol=1e-12)
    assert expl.values.abs().to_numpy().sum() > 0


def test_the_dummy_baseline_gets_zero_contributions_and_its_constant_output(binary_study):
    expl = explain(binary_study, "dummy")
    assert expl.explainer == "constant"
    assert (expl.values.to_numpy() == 0).all()
    prior = np.mean(binary_study.dataset.y[np.setdiff1d(np.arange(400), binary_study.eval_index)])
    assert expl.base_value == pytest.approx(prior)
    np.testing.assert_allclose(expl.prediction, prior)


def test_regression_explains_the_predicted_value(small_regression_study):
    study = small_regression_study
    for name in ("decision_tree", "simple"):
        expl = explain(study, name)
        assert expl.output == "predicted target"
        assert expl.class_name is None
        # Targets are ~100s: float64 sums of a few terms agree to ~1e-12 relative.
        _additive(expl, atol=1e-8, rtol=1e-9)
        predicted = study.model(name).pipeline.predict(_rows(study, expl))
        np.testing.assert_allclose(expl.prediction, predicted, rtol=1e-12)


# --- classes -------------------------------------------------------------------------------------


def test_binary_explains_the_positive_class_and_the_other_is_its_mirror(binary_study):
    assert default_class(binary_study.dataset) == "yes"
    for name in ("decision_tree", "xgboost_small"):
        yes = explain(binary_study, name)
        no = explain(binary_study, name, class_name="no")
        assert no.output.endswith("of 'no'")
        assert no.class_name == "no"
        # probability of 'no' = 1 - probability of 'yes'; log-odds of 'no' = -log-odds of 'yes'.
        offset = 1.0 if yes.output.startswith("probability") else 0.0
        np.testing.assert_allclose(no.values, -yes.values, atol=1e-12)
        assert no.base_value == pytest.approx(offset - yes.base_value)
        _additive(no, atol=1e-5, rtol=1e-5)


def test_multiclass_explains_the_chosen_class(multiclass_study):
    study = multiclass_study
    ds = study.dataset
    assert default_class(ds) == ds.classes[int(np.argmax(np.bincount(ds.y)))]
    tree = {c: explain(study, "decision_tree", class_name=c) for c in ds.classes}
    for c, expl in tree.items():
        assert expl.output == f"probability of '{c}'"
        _additive(expl, atol=1e-9)
        k = ds.classes.index(c)
        proba = study.model("decision_tree").pipeline.predict_proba(_rows(study, expl))
        np.testing.assert_allclose(expl.prediction, proba[:, k], atol=1e-12)
    assert not np.allclose(tree["a"].values, tree["c"].values)
    # Probabilities sum to 1 for every row, so the classes' contributions cancel out.
    total = sum(expl.values for expl in tree.values())
    np.testing.assert_allclose(total, 0.0, atol=1e-9)

    boosted = [explain(study, "xgboost_small", class_name=c) for c in ds.classes]
    for expl in boosted:
        assert expl.output.startswith("log-scale score (softmax logit)")
        _additive(expl, atol=1e-5, rtol=1e-5)  # float32 contributions
    logits = np.column_stack([expl.prediction for expl in boosted])
    proba = study.model("xgboost_small").pipeline.predict_proba(_rows(study, boosted[0]))
    np.testing.assert_allclose(softmax(logits, axis=1), proba, atol=1e-6)  # float32 softmax


# --- columns as uploaded -------------------------------------------------------------------------


def test_columns_are_the_original_names_in_table_order(weird_study):
    columns = list(weird_study.dataset.used_columns)
    for name in ("simple", "decision_tree", "knn"):
        expl = explain(weird_study, name, max_rows=20)
        assert list(expl.values.columns) == columns
        assert list(expl.data.columns) == columns
        assert list(expl.data.index) == list(expl.values.index)
        assert list(expl.importance.index) == sorted(columns, key=lambda c: -expl.importance[c])


def test_one_hot_features_are_summed_back_to_their_column(weird_study):
    """For a linear model SHAP has a closed form, w_j * (z_j - mean z_j) per feature (the mean over
    the training rows, all of which are the explainer's background here): summing it per original
    column by name must give the explanation's values."""
    expl = explain(weird_study, "simple")
    pipeline = weird_study.model("simple").pipeline
    prepare, model = pipeline[:-1], pipeline[-1]
    train = np.setdiff1d(np.arange(weird_study.dataset.n_rows), weird_study.eval_index)
    Z = prepare.transform(_rows(weird_study, expl))
    mean = prepare.transform(weird_study.dataset.X.iloc[train]).mean(axis=0)
    per_feature = model.coef_[0] * (Z - mean)
    names = prepare.get_feature_names_out()
    assert "ville__city__infrequent_sklearn" in names
    groups = [("naïve column", "naive_column_"), ("ville (city)", "ville__city_")]
    for column, prefix in [*groups, ("signed on", "signed_on__")]:
        members = [i for i, n in enumerate(names) if n.startswith(prefix)]
        assert len(members) > 1
        np.testing.assert_allclose(expl.values[column], per_feature[:, members].sum(axis=1))
    np.testing.assert_allclose(expl.values.sum(axis=1), per_feature.sum(axis=1), atol=1e-12)


def test_date_parts_are_summed_back_and_keep_additivity(weird_study):
    expl = explain(weird_study, "decision_tree")
    pipeline = weird_study.model("decision_tree").pipeline
    Z = pipeline[:-1].transform(_rows(weird_study, expl))
    raw = shap.TreeExplainer(pipeline[-1]).shap_values(Z)[:, :, 1]
    names = list(pipeline[:-1].get_feature_names_out())
    parts = [names.index(n) for n in names if n.startswith("signed_on__")]
    assert len(parts) == 4  # year, month, day, weekday
    np.testing.assert_allclose(expl.values["signed on"], raw[:, parts].sum(axis=1), atol=1e-12)
    np.testing.assert_allclose(expl.values.sum(axis=1), raw.sum(axis=1), atol=1e-12)
    _additive(expl, atol=1e-9)


def test_the_permutation_explainer_swaps_whole_columns(weird_study):
    expl = explain(weird_study, "knn", max_rows=15)
    _additive(expl, atol=1e-9)
    proba = weird_study.model("knn").pipeline.predict_proba(_rows(weird_study, expl))
    np.testing.assert_allclose(expl.prediction, proba[:, 1], atol=1e-12)


def test_the_permutation_explainer_recovers_each_column_of_an_additive_model(
    weird_regression_study, monkeypatch
):
    """Ridge regression is a sum of one term per column (its one-hot or date-part features
    together), so Shapley values with any background and any orderings are exactly each column's
    term minus its background mean: the permutation explainer must match the exact linear
    explainer up to one constant per column (the two backgrounds' means differ)."""
    study = weird_regression_study
    exact = explain(study, "simple", max_rows=20)
    monkeypatch.setattr("core.explain.explainer_kind", lambda model: "permutation")
    permuted = explain(study, "simple", max_rows=20)
    assert permuted.explainer == "permutation"
    difference = permuted.values - exact.values
    np.testing.assert_allclose(difference - difference.mean(), 0.0, atol=1e-9)
    assert difference.abs().to_numpy().max() > 1e-6  # the backgrounds do differ


def test_data_reads_as_the_uploaded_table(weird_study):
    expl = explain(weird_study, "decision_tree", max_rows=30)
    source = weird_frame().iloc[weird_study.dataset.row_ids[expl.data.index]]
    assert list(expl.data["signed on"]) == list(source["signed on"])  # "2021-03-04"
    assert list(expl.data["naïve column"]) == list(source["naïve column"])
    np.testing.assert_allclose(expl.data["$x$ (€)"].astype(float), source["$x$ (€)"])
    stamps = pd.to_datetime(source["renewal"], format="%d.%m.%Y")
    weekdays = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    # No year part: it never changes.
    expected = [f"month={s.month}, day={s.day}, weekday={weekdays[s.day_of_week]}" for s in stamps]
    assert list(expl.data["renewal"]) == expected
    assert pd.api.types.is_float_dtype(expl.data["plain"])


# --- rows ----------------------------------------------------------------------------------------


def test_rows_are_a_seeded_sample_of_held_out_rows(binary_study):
    held_out = set(binary_study.eval_index.tolist())
    first = explain(binary_study, "decision_tree", max_rows=30, seed=1)
    again = explain(binary_study, "decision_tree", max_rows=30, seed=1)
    other = explain(binary_study, "decision_tree", max_rows=30, seed=2)
    fewer = explain(binary_study, "decision_tree", max_rows=10, seed=1)
    assert (first.n_rows, first.n_rows_available, first.seed) == (30, len(held_out), 1)
    assert first.seconds > 0
    assert first.held_out
    assert set(first.values.index) <= held_out
    assert list(first.values.index) == sorted(first.values.index)
    pd.testing.assert_frame_equal(first.values, again.values)
    assert list(other.values.index) != list(first.values.index)
    assert set(fewer.values.index) <= set(first.values.index)  # smaller caps share rows
    default = explain(binary_study, "decision_tree")
    assert default.n_rows == len(held_out)
    assert default.seed == binary_study.config.seed


def test_the_permutation_explainer_is_seeded_and_leaves_numpy_alone(binary_study):
    np.random.seed(123)  # noqa: NPY002 (the legacy global generator shap uses)
    expected_draw = np.random.rand()  # noqa: NPY002
    np.random.seed(123)  # noqa: NPY002
    first = explain(binary_study, "knn", max_rows=12, seed=5)
    assert np.random.rand() == expected_draw  # noqa: NPY002
    again = explain(binary_study, "knn", max_rows=12, seed=5)
    other = explain(binary_study, "knn", max_rows=12, seed=6)
    pd.testing.assert_frame_equal(first.values, again.values)
    assert first.base_value == again.base_value
    assert not first.values.index.equals(other.values.index)


def test_a_spent_time_budget_still_explains_the_minimum_rows(binary_study):
    expl = explain(binary_study, "decision_tree", time_budget_s=0.0)
    assert expl.n_rows == MIN_ROWS
    full = explain(binary_study, "decision_tree", time_budget_s=None)
    assert set(expl.values.index) <= set(full.values.index)


def test_the_study_is_not_modified(binary_study):
    X = binary_study.dataset.X
    # k-nearest neighbours is left out of the byte comparison: its search tree counts the
    # queries it answers, so any prediction changes its pickle.
    pickled = {m.name: pickle.dumps(m.pipeline) for m in binary_study.models if m.name != "knn"}
    proba = {m.name: m.pipeline.predict_proba(X) for m in binary_study.models}
    index = binary_study.eval_index.copy()
    for name in proba:
        explain(binary_study, name, max_rows=12)
    assert {n: pickle.dumps(binary_study.model(n).pipeline) for n in pickled} == pickled
    for name, before in proba.items():
        np.testing.assert_array_equal(binary_study.model(name).pipeline.predict_proba(X), before)
    np.testing.assert_array_equal(binary_study.eval_index, index)


def test_cross_validation_says_the_rows_were_seen_in_training(binary_dataset):
    study = run_study(
        binary_dataset,
        StudyConfig(models=("decision_tree",), validation="cv", cv_folds=3, **FAST_STUDY),  # type: ignore[arg-type]
    )
    expl = explain(study, "decision_tree", max_rows=50)
    assert not expl.held_out
    assert expl.n_rows_available == binary_dataset.n_rows


# --- rows worth a look ---------------------------------------------------------------------------


def test_misclassified_rows_are_misclassified_most_confident_first(binary_study):
    expl = explain(binary_study, "decision_tree")
    choices = row_choices(binary_study, expl)
    pipeline = binary_study.model("decision_tree").pipeline
    X, y = _rows(binary_study, expl), binary_study.dataset.y[expl.values.index]
    wrong = set(expl.values.index[pipeline.predict(X) != y])
    assert wrong
    assert set(choices["misclassified"]) == wrong
    p_true = pipeline.predict_proba(binary_study.dataset.X.iloc[choices["misclassified"]])
    p_true = p_true[np.arange(len(wrong)), binary_study.dataset.y[choices["misclassified"]]]
    assert list(p_true) == sorted(p_true)


def test_least_confident_rows_come_first(binary_study):
    expl = explain(binary_study, "xgboost_small")
    rows = row_choices(binary_study, expl)["least confident"]
    assert sorted(rows) == sorted(expl.values.index)
    proba = binary_study.model("xgboost_small").pipeline.predict_proba(
        binary_study.dataset.X.iloc[rows]
    )
    distance = np.abs(proba[:, 1] - 0.5)
    assert list(distance) == sorted(distance)
    assert row_choices(binary_study, expl, limit=5)["least confident"] == rows[:5]


def test_regression_rows_by_largest_error(small_regression_study):
    study = small_regression_study
    expl = explain(study, "decision_tree")
    choices = row_choices(study, expl)
    assert list(choices) == ["largest error"]
    rows = choices["largest error"]
    error = np.abs(study.dataset.y[rows] - study.model("decision_tree").pipeline.predict(
        study.dataset.X.iloc[rows]
    ))  # fmt: skip
    assert sorted(rows) == sorted(expl.values.index)
    assert list(error) == sorted(error, reverse=True)


# --- explainers and errors -----------------------------------------------------------------------


@pytest.mark.parametrize("spec", cand.CANDIDATES, ids=lambda s: s.name)
def test_every_candidate_has_an_explainer(spec, binary_dataset):
    expected = {"dummy": "constant", "simple": "linear", "naive_bayes": "permutation"}
    expected |= {"knn": "permutation", "mlp_small": "permutation", "mlp_large": "permutation"}
    pipeline = spec.build(binary_dataset, 0)
    assert explainer_kind(pipeline) == expected.get(spec.name, "tree")
    assert explainer_kind(pipeline[-1]) == explainer_kind(pipeline)


def test_explainer_kind_of_a_model_result(binary_study):
    assert explainer_kind(binary_study.model("xgboost_small")) == "tree"


def test_a_failed_model_cannot_be_explained(binary_study):
    reason = "Stopped after the time limit"
    failed = replace(binary_study.model("knn"), status="failed", reason=reason, pipeline=None)
    models = [failed if m.name == "knn" else m for m in binary_study.models]
    study = replace(binary_study, models=models)
    with pytest.raises(ConfigError, match=r"did not finish training \(Stopped after the time"):
        explain(study, "knn")
    with pytest.raises(ConfigError, match=r"k-nearest neighbours did not finish training"):
        explainer_kind(failed)


def test_unknown_model_class_and_row_count_are_refused(binary_study, small_regression_study):
    with pytest.raises(ConfigError, match=r"No model 'forest' in this study\. Choose one of: dum"):
        explain(binary_study, "forest")
    with pytest.raises(ConfigError, match=r"Unknown class 'maybe'\. Choose one of: 'no', 'yes'\."):
        explain(binary_study, "decision_tree", class_name="maybe")
    with pytest.raises(ConfigError, match=r"no class to explain"):
        explain(small_regression_study, "decision_tree", class_name="yes")
    with pytest.raises(ConfigError, match=r"at least 1; got 0"):
        explain(binary_study, "decision_tree", max_rows=0)
