"""The candidate ladder of ``core.candidates``: every spec builds, fits and predicts, and the
registry is consistent, documented and single-threaded."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from core import candidates as cand
from core.candidates import (
    CANDIDATES,
    MAX_ONEHOT_CATEGORIES,
    MLP_LBFGS_MAX_ROWS,
    PREDICT_IS_ARGMAX_PROBA,
    all_names,
    default_names,
    get_candidate,
    resolve_names,
)
from core.dataset import Dataset
from core.errors import ConfigError

MLP = MLPClassifier | MLPRegressor
README = Path(__file__).resolve().parents[2] / "README.md"
TASKS = ("binary", "multiclass", "regression")
N_ROWS = 90


def _prepare(ds: Dataset, string_dtype: str = "str") -> Dataset:
    """A small copy of a fixture with a categorical column and missing values in two columns."""
    rng = np.random.default_rng(0)
    X = ds.X.iloc[:N_ROWS].copy()
    if "colour" not in X:
        X["colour"] = rng.choice(["red", "green", "blue"], N_ROWS)
    X["colour"] = X["colour"].astype(string_dtype)
    X.loc[X.index[::7], "colour"] = np.nan
    X.loc[X.index[::11], "x1"] = np.nan
    numeric = tuple(c for c in X.columns if pd.api.types.is_numeric_dtype(X[c]))
    return replace(
        ds,
        X=X,
        y=ds.y[:N_ROWS],
        row_ids=ds.row_ids[:N_ROWS],
        numeric_features=numeric,
        categorical_features=("colour",),
        feature_origin={c: c for c in X.columns},
    )


@pytest.fixture(autouse=True)
def one_thread():
    """As in a study: BLAS and OpenMP pools limited to one thread (fast and fair on 2 cores)."""
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def datasets(binary_dataset, multiclass_dataset, regression_dataset) -> dict[str, Dataset]:
    return {
        "binary": _prepare(binary_dataset, string_dtype="object"),
        "multiclass": _prepare(multiclass_dataset),
        "regression": _prepare(regression_dataset),
    }


def _cheap(pipeline: Pipeline) -> Pipeline:
    """Fewer trees / iterations, so every spec fits in milliseconds (the structure is unchanged)."""
    model = pipeline.named_steps["model"]
    params = model.get_params(deep=False)
    caps = {}
    if "n_estimators" in params:
        caps["n_estimators"] = min(params["n_estimators"], 10)
    if isinstance(model, MLP | HistGradientBoostingClassifier | HistGradientBoostingRegressor):
        caps["max_iter"] = 20
    return pipeline.set_params(**{f"model__{k}": v for k, v in caps.items()})


def _spec_task_cases() -> list:
    return [
        pytest.param(spec, task, id=f"{spec.name}-{task}")
        for spec in CANDIDATES
        for task in TASKS
        if spec.supports(task)
    ]


# --- every spec works ----------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(("spec", "task"), _spec_task_cases())
def test_every_spec_fits_and_predicts_with_categorical_and_missing_values(spec, task, datasets):
    ds = datasets[task]
    pipeline = spec.build(ds, seed=0)
    assert isinstance(pipeline, Pipeline)
    assert [name for name, _ in pipeline.steps] == ["prepare", "model"]
    _cheap(pipeline).fit(ds.X, ds.y)

    unseen = ds.X.iloc[:3].copy()
    unseen["colour"] = pd.Series(["purple", "red", np.nan], index=unseen.index, dtype="object")
    for rows in (ds.X, ds.X.iloc[[5]], unseen):
        pred = pipeline.predict(rows)
        assert pred.shape == (len(rows),)
        if task == "regression":
            assert np.isfinite(pred.astype(float)).all()
        else:
            assert set(np.unique(pred)) <= set(np.unique(ds.y))
            proba = pipeline.predict_proba(rows)
            assert proba.shape == (len(rows), len(ds.classes))
            np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    if task == "regression":
        assert not hasattr(pipeline, "predict_proba")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    ("spec", "task"), [c for c in _spec_task_cases() if c.values[1] != "regression"]
)
def test_predict_is_the_argmax_of_predict_proba_where_the_study_relies_on_it(spec, task, datasets):
    """A study derives held-out labels from the probabilities for the estimators on the exact
    list; their own ``predict`` must agree on every row, ties included (coarse inputs, few
    trees and neighbours make ties common here)."""
    ds = datasets[task]
    pipeline = _cheap(spec.build(ds, seed=0))
    model = pipeline.named_steps["model"]
    if "n_neighbors" in model.get_params():
        pipeline.set_params(model__n_neighbors=4)  # an even count: tied votes
    pipeline.fit(ds.X, ds.y)
    coarse = ds.X.copy()
    for column in ds.numeric_features:
        coarse[column] = coarse[column].round()
    if type(model) not in PREDICT_IS_ARGMAX_PROBA:
        pytest.skip(f"{type(model).__name__} is asked for both: it is not on the list")
    for rows in (ds.X, coarse):
        derived = np.asarray(pipeline.classes_)[np.argmax(pipeline.predict_proba(rows), axis=1)]
        np.testing.assert_array_equal(derived, pipeline.predict(rows))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("name", ["random_forest_small", "xgboost_small", "mlp_small", "knn"])
def test_same_seed_same_predictions(name, datasets):
    ds = datasets["binary"]
    spec = get_candidate(name)
    first = _cheap(spec.build(ds, seed=3)).fit(ds.X, ds.y)
    second = _cheap(spec.build(ds, seed=3)).fit(ds.X, ds.y)
    np.testing.assert_array_equal(first.predict_proba(ds.X), second.predict_proba(ds.X))


def test_preprocessing_scaled_one_hot_versus_ordinal_for_trees(datasets):
    ds = datasets["binary"]  # 6 numbers + colour (red / blue / missing)
    n_numeric = len(ds.numeric_features)
    scaled = get_candidate("simple").build(ds, 0).named_steps["prepare"].fit(ds.X)
    onehot = scaled.transform(ds.X)
    assert onehot.shape == (len(ds.X), n_numeric + 3)  # one column per category, "(missing)" too
    assert not np.isnan(onehot).any()  # imputed
    np.testing.assert_allclose(onehot[:, :n_numeric].mean(axis=0), 0.0, atol=1e-12)
    trees = get_candidate("hist_gb").build(ds, 0).named_steps["prepare"].fit(ds.X)
    ordinal = trees.transform(ds.X)
    assert ordinal.shape == (len(ds.X), n_numeric + 1)
    assert np.isnan(ordinal[:, 1]).sum() == ds.X["x1"].isna().sum()  # trees see NaN as it is


def test_one_hot_caps_the_number_of_categories(datasets):
    ds = datasets["regression"]
    X = ds.X.copy()
    X["colour"] = [f"c{i % 45}" for i in range(len(X))]
    wide = replace(ds, X=X)
    prepare = get_candidate("simple").build(wide, 0).named_steps["prepare"].fit(wide.X)
    n_out = prepare.transform(wide.X).shape[1]
    assert n_out == len(ds.numeric_features) + MAX_ONEHOT_CATEGORIES


# --- single-threaded, MLP solver -----------------------------------------------------------------


@pytest.mark.parametrize(("spec", "task"), _spec_task_cases())
def test_estimators_are_single_threaded(spec, task, datasets):
    pipeline = spec.build(datasets[task], seed=0)
    model = pipeline.named_steps["model"]
    params = model.get_params(deep=False)
    if isinstance(model, LogisticRegression):
        # scikit-learn >= 1.8: n_jobs has no effect and setting it warns; it must stay unset.
        assert params["n_jobs"] is None
    elif "n_jobs" in params:
        assert params["n_jobs"] == 1, f"{spec.name} ({task}) has n_jobs={params['n_jobs']}"
    # Nothing in the pipeline asks for more than one process or thread.
    for key, value in pipeline.get_params(deep=True).items():
        if key.endswith("n_jobs"):
            assert value in (None, 1), f"{spec.name}: {key}={value}"


@pytest.mark.parametrize("name", ["mlp_small", "mlp_large"])
@pytest.mark.parametrize("task", TASKS)
def test_mlp_switches_solver_at_the_row_limit(name, task):
    spec = get_candidate(name)
    small = spec.factory(task, 0, MLP_LBFGS_MAX_ROWS)
    big = spec.factory(task, 0, MLP_LBFGS_MAX_ROWS + 1)
    expected = MLPRegressor if task == "regression" else MLPClassifier
    assert type(small) is expected
    assert type(big) is expected
    assert small.solver == "lbfgs"
    assert small.max_iter == 500
    assert big.solver == "adam"
    assert big.early_stopping is True
    assert small.hidden_layer_sizes == big.hidden_layer_sizes
    assert small.random_state == big.random_state == 0


# --- registry ------------------------------------------------------------------------------------


def test_names_and_labels_unique():
    names = [s.name for s in CANDIDATES]
    labels = [s.label for s in CANDIDATES]
    assert len(set(names)) == len(names)
    assert len(set(labels)) == len(labels)
    for name in names:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", name), name


def test_rungs_within_a_family_are_zero_to_n():
    families: dict[str, list[int]] = {}
    for spec in CANDIDATES:
        families.setdefault(spec.family, []).append(spec.rung)
    for family, rungs in families.items():
        assert rungs == list(range(len(rungs))), family


@pytest.mark.parametrize("spec", CANDIDATES, ids=lambda s: s.name)
def test_every_spec_has_a_one_line_description(spec):
    assert spec.description.strip() == spec.description
    assert spec.description
    assert "\n" not in spec.description
    assert spec.description.endswith(".")
    assert spec.label
    assert spec.family


def test_every_spec_is_documented_in_the_readme():
    text = README.read_text(encoding="utf-8")
    missing = [s.name for s in CANDIDATES if f"`{s.name}`" not in text]
    missing += [s.label for s in CANDIDATES if s.label not in text]
    assert not missing, f"not in README.md: {missing}"


@pytest.mark.parametrize("task", TASKS)
def test_default_set_has_every_family_of_the_task(task):
    families = {s.family for s in CANDIDATES if s.supports(task)}
    defaults = default_names(task)
    assert {get_candidate(n).family for n in defaults} == families
    assert defaults[:2] == (cand.DUMMY_BASELINE, cand.SIMPLE_BASELINE)
    assert set(defaults) < set(all_names(task))


def test_opt_in_models_and_task_support():
    assert {s.name for s in CANDIDATES if not s.default} == {
        "random_forest_large",
        "extra_trees_large",
        "xgboost_large",
        "mlp_large",
    }
    assert "naive_bayes" in all_names("binary")
    assert "naive_bayes" not in all_names("regression")
    assert {s.name for s in CANDIDATES if s.neural} == {"mlp_small", "mlp_large"}
    assert all_names("multiclass") == tuple(s.name for s in CANDIDATES)


def test_get_candidate():
    assert get_candidate("xgboost_small").label == "XGBoost (small)"
    known = ", ".join(s.name for s in CANDIDATES)
    message = (
        f"Unknown model 'gpt'. Choose from: {known}; a classifier's probabilities calibrated: "
        "its name with '_calibrated' (e.g. xgboost_small_calibrated)."
    )
    with pytest.raises(ConfigError, match=f"^{re.escape(message)}$"):
        get_candidate("gpt")


# --- resolve_names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("requested", "task", "expected"),
    [
        (["xgboost_small"], "binary", ("dummy", "simple", "xgboost_small")),
        (["dummy"], "regression", ("dummy", "simple")),
        (["simple", "dummy"], "binary", ("dummy", "simple")),
        (
            ["mlp_large", "decision_tree", "mlp_large"],
            "multiclass",
            ("dummy", "simple", "decision_tree", "mlp_large"),
        ),
    ],
)
def test_resolve_names_adds_baselines_dedupes_and_keeps_ladder_order(requested, task, expected):
    assert resolve_names(requested, task) == expected


@pytest.mark.parametrize("task", TASKS)
def test_resolve_names_expands_default_and_all(task):
    assert resolve_names(None, task) == default_names(task)
    assert resolve_names([], task) == default_names(task)
    assert resolve_names(["default"], task) == default_names(task)
    assert resolve_names(["all"], task) == all_names(task)
    assert resolve_names(["default", "all"], task) == all_names(task)
    with_large = resolve_names(["default", "xgboost_large"], task)
    assert set(with_large) == {*default_names(task), "xgboost_large"}
    assert with_large == tuple(n for n in all_names(task) if n in with_large)


def test_resolve_names_refuses_a_model_that_does_not_support_the_task():
    message = (
        "Model 'naive_bayes' cannot be used for a regression task "
        "(it supports: binary, multiclass). Remove it from the list."
    )
    with pytest.raises(ConfigError, match=f"^{re.escape(message)}$"):
        resolve_names(["xgboost_small", "naive_bayes"], "regression")
    assert "naive_bayes" in resolve_names(["naive_bayes"], "binary")


def test_resolve_names_refuses_unknown_names():
    with pytest.raises(ConfigError, match=r"^Unknown model 'xgb'\. Choose from: dummy, simple, "):
        resolve_names(["default", "xgb"], "binary")


# --- the sweep -----------------------------------------------------------------------------------


def test_the_sweep_gives_each_ensemble_and_neural_family_20_to_60_sizes():
    families: dict[str, list[cand.CandidateSpec]] = {}
    for spec in cand.SWEEP:
        families.setdefault(spec.family, []).append(spec)
    ladder_families = {s.family for s in CANDIDATES if s.name not in ("dummy", "simple")}
    assert set(families) == set(cand.SWEEP_FAMILIES) <= ladder_families
    assert set(families) == {
        "Random forest", "Extra trees", "Gradient boosting", "XGBoost", "Neural network",
    }  # fmt: skip
    for family, specs in families.items():
        assert 20 <= len(specs) <= 60, family
        assert [s.rung for s in specs] == list(range(len(specs))), family
        costs = [s.relative_cost for s in specs]
        assert costs == sorted(costs), f"{family}: rungs in the order of their cost"
        assert all(not s.default for s in specs)
        assert all(s.neural == (family == "Neural network") for s in specs)


def test_sweep_names_and_labels_are_unique_and_apart_from_the_ladder():
    names = [s.name for s in (*CANDIDATES, *cand.SWEEP)]
    labels = [s.label for s in (*CANDIDATES, *cand.SWEEP)]
    assert len(set(names)) == len(names)
    assert len(set(labels)) == len(labels)
    for spec in cand.SWEEP:
        assert re.fullmatch(r"sweep_[a-z0-9_]+", spec.name), spec.name
        assert get_candidate(spec.name) is spec  # a worker finds it by name
        assert spec.description.endswith(".")
        assert "\n" not in spec.description


def test_a_sweep_adds_the_grid_of_the_families_chosen_only():
    plain = resolve_names(["decision_tree", "xgboost_small"], "binary")
    swept = resolve_names(["decision_tree", "xgboost_small"], "binary", sweep=True)
    assert swept[: len(plain)] == plain  # the ladder first, in its order
    extra = swept[len(plain) :]
    assert {get_candidate(n).family for n in extra} == {"XGBoost"}
    assert len(extra) == sum(s.family == "XGBoost" for s in cand.SWEEP)
    default = resolve_names(None, "regression", sweep=True)
    assert len(default) == len(resolve_names(None, "regression")) + len(cand.SWEEP)
    assert resolve_names(["naive_bayes"], "binary", sweep=True) == resolve_names(
        ["naive_bayes"], "binary"
    )  # no family of the sweep chosen: nothing added


def test_an_unknown_name_lists_the_ladder_not_the_whole_sweep():
    with pytest.raises(ConfigError) as error:
        get_candidate("warp_drive")
    assert "sweep_" not in str(error.value)


@pytest.mark.parametrize("task", TASKS)
def test_every_size_of_the_sweep_builds_a_single_threaded_pipeline(task, binary_dataset):
    for spec in cand.SWEEP:
        pipeline = spec.build(replace(binary_dataset, task=task), seed=0)
        model = pipeline.steps[-1][1]
        assert getattr(model, "n_jobs", 1) == 1, spec.name
