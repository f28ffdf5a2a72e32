"""Metrics, the weighted bootstrap, intervals and the primary-metric checks of ``core.stats``."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from sklearn import metrics as skm

from core import stats
from core.errors import ConfigError
from core.stats import (
    METRICS,
    PRIMARY_CHOICES,
    Bootstrap,
    Predictions,
    _weighted_metric,
    compute_metrics,
    metric_info,
    metric_samples,
    percentile_ci,
    primary_choices,
    validate_primary,
)

CLASSIFICATION_METRICS = ("accuracy", "balanced_accuracy", "f1_macro", "roc_auc", "log_loss")
REGRESSION_METRICS = ("r2", "mae", "rmse")


# --- data ----------------------------------------------------------------------------------------


def _binary(n: int = 120, seed: int = 0, ties: bool = False) -> tuple[np.ndarray, Predictions]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    p1 = np.clip(0.35 * y + rng.uniform(0, 0.65, n), 0, 1)
    if ties:  # a handful of distinct scores, many rows sharing each, both classes in most groups
        p1 = np.round(p1 * 4) / 4
    proba = np.column_stack([1 - p1, p1])
    return y, Predictions((p1 >= 0.5).astype(np.int64), proba)


#: A few probability rows, reused, so every class's scores have many ties (and some rows say 1.0).
_MULTI_ROWS = np.array(
    [
        [0.6, 0.2, 0.2],
        [0.2, 0.6, 0.2],
        [0.2, 0.2, 0.6],
        [1 / 3, 1 / 3, 1 / 3],
        [0.5, 0.5, 0.0],
        [0.0, 0.0, 1.0],
    ]
)


def _multiclass(n: int = 150, seed: int = 1) -> tuple[np.ndarray, Predictions]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    # Mostly the row that favours the true class, otherwise any row: informative, with ties.
    favoured = np.where(rng.uniform(size=n) < 0.6, y, rng.integers(0, len(_MULTI_ROWS), n))
    proba = _MULTI_ROWS[favoured]
    return y, Predictions(proba.argmax(axis=1).astype(np.int64), proba)


def _regression(n: int = 100, seed: int = 2) -> tuple[np.ndarray, Predictions]:
    rng = np.random.default_rng(seed)
    y = rng.normal(50, 10, n)
    return y, Predictions(y + rng.normal(0, 4, n))


def _case(task: str) -> tuple[np.ndarray, Predictions]:
    return {"binary": _binary, "multiclass": _multiclass, "regression": _regression}[task]()


def _metric_cases() -> list[tuple[str, str]]:
    cases = [("binary", m) for m in CLASSIFICATION_METRICS]
    cases += [("multiclass", m) for m in CLASSIFICATION_METRICS]
    return cases + [("regression", m) for m in REGRESSION_METRICS]


def _ones(y: np.ndarray) -> np.ndarray:
    return np.ones((1, len(y)))


# --- compute_metrics against scikit-learn --------------------------------------------------------


def test_compute_metrics_binary_matches_sklearn():
    y, pred = _binary()
    got = compute_metrics("binary", y, pred, n_classes=2)
    assert set(got) == set(CLASSIFICATION_METRICS)
    assert got["accuracy"] == pytest.approx(skm.accuracy_score(y, pred.y_pred), abs=1e-15)
    assert got["balanced_accuracy"] == pytest.approx(
        skm.balanced_accuracy_score(y, pred.y_pred), abs=1e-15
    )
    assert got["f1_macro"] == pytest.approx(skm.f1_score(y, pred.y_pred, average="macro"))
    assert got["roc_auc"] == pytest.approx(skm.roc_auc_score(y, pred.proba[:, 1]), abs=1e-15)
    assert got["log_loss"] == pytest.approx(skm.log_loss(y, pred.proba), rel=1e-12)


def test_compute_metrics_multiclass_matches_sklearn():
    y, pred = _multiclass()
    got = compute_metrics("multiclass", y, pred, n_classes=3)
    assert set(got) == set(CLASSIFICATION_METRICS)
    assert got["accuracy"] == pytest.approx(skm.accuracy_score(y, pred.y_pred), abs=1e-15)
    assert got["balanced_accuracy"] == pytest.approx(
        skm.balanced_accuracy_score(y, pred.y_pred), abs=1e-15
    )
    assert got["f1_macro"] == pytest.approx(skm.f1_score(y, pred.y_pred, average="macro"))
    expected_auc = skm.roc_auc_score(y, pred.proba, multi_class="ovr", average="macro")
    assert got["roc_auc"] == pytest.approx(expected_auc, abs=1e-15)
    assert got["log_loss"] == pytest.approx(skm.log_loss(y, pred.proba), rel=1e-12)


def test_compute_metrics_regression_matches_sklearn():
    y, pred = _regression()
    got = compute_metrics("regression", y, pred)
    assert got == pytest.approx(
        {
            "r2": skm.r2_score(y, pred.y_pred),
            "mae": skm.mean_absolute_error(y, pred.y_pred),
            "rmse": skm.root_mean_squared_error(y, pred.y_pred),
        },
        rel=1e-14,
    )


def test_compute_metrics_without_probabilities_has_no_auc_or_log_loss():
    y, pred = _binary()
    got = compute_metrics("binary", y, Predictions(pred.y_pred))
    assert set(got) == {"accuracy", "balanced_accuracy", "f1_macro"}


def _single_class_case() -> tuple[np.ndarray, Predictions]:
    y = np.zeros(10, dtype=np.int64)
    return y, Predictions(np.zeros(10, dtype=np.int64), np.tile([0.7, 0.3], (10, 1)))


@pytest.mark.filterwarnings("ignore:A single label was found:UserWarning")
def test_compute_metrics_single_class_held_out_rows_skip_auc():
    y, pred = _single_class_case()
    got = compute_metrics("binary", y, pred, 2)
    assert "roc_auc" not in got
    assert got["accuracy"] == 1.0
    assert got["balanced_accuracy"] == 1.0
    assert got["log_loss"] == pytest.approx(-math.log(0.7))


def test_compute_metrics_single_class_held_out_rows_emit_no_warning():
    compute_metrics("binary", *_single_class_case(), 2)


def test_balanced_accuracy_ignores_predicted_classes_absent_from_truth():
    """Like scikit-learn (which warns here), recall is averaged over the true classes only."""
    y = np.array([0, 0, 1, 1, 1, 0])
    y_pred = np.array([0, 2, 1, 2, 1, 0])
    with pytest.warns(UserWarning, match="y_pred contains classes not in y_true"):
        expected = skm.balanced_accuracy_score(y, y_pred)
    got = compute_metrics("multiclass", y, Predictions(y_pred))
    assert got["balanced_accuracy"] == pytest.approx(expected)
    assert got["balanced_accuracy"] == pytest.approx((2 / 3 + 2 / 3) / 2)


def test_multiclass_auc_averages_over_classes_present_only():
    y, pred = _multiclass()
    y = np.where(y == 2, 1, y)  # class 2 is never the truth, though it has a probability column
    got = compute_metrics("multiclass", y, pred, n_classes=3)
    expected = np.mean([skm.roc_auc_score(y == c, pred.proba[:, c]) for c in (0, 1)])
    assert got["roc_auc"] == pytest.approx(expected, abs=1e-15)
    weighted = _weighted_metric("roc_auc", "multiclass", y, pred)(_ones(y))
    assert weighted[0] == pytest.approx(expected, abs=1e-15)


# --- the weighted (bootstrap) metrics ------------------------------------------------------------


@pytest.mark.parametrize(("task", "metric"), _metric_cases())
def test_weighted_metric_with_unit_weights_reproduces_sklearn(task, metric):
    y, pred = _case(task)
    expected = compute_metrics(task, y, pred, n_classes=3 if task == "multiclass" else 2)[metric]
    got = _weighted_metric(metric, task, y, pred)(_ones(y))
    assert got.shape == (1,)
    assert got[0] == pytest.approx(expected, rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_weighted_binary_auc_with_ties_reproduces_sklearn(seed):
    y, pred = _binary(n=80, seed=seed, ties=True)
    assert len(np.unique(pred.proba[:, 1])) <= 5  # the case is really full of ties
    expected = skm.roc_auc_score(y, pred.proba[:, 1])
    got = _weighted_metric("roc_auc", "binary", y, pred)(_ones(y))
    assert got[0] == pytest.approx(expected, abs=1e-15)


def test_weighted_multiclass_auc_with_ties_reproduces_sklearn_macro_ovr():
    y, pred = _multiclass(n=200, seed=7)
    expected = skm.roc_auc_score(y, pred.proba, multi_class="ovr", average="macro")
    got = _weighted_metric("roc_auc", "multiclass", y, pred)(_ones(y))
    assert got[0] == pytest.approx(expected, abs=1e-15)


def test_weighted_auc_all_scores_equal_is_one_half():
    y = np.array([0, 1, 0, 1, 1])
    pred = Predictions(np.ones(5, dtype=np.int64), np.tile([0.5, 0.5], (5, 1)))
    assert _weighted_metric("roc_auc", "binary", y, pred)(_ones(y))[0] == 0.5
    assert skm.roc_auc_score(y, pred.proba[:, 1]) == 0.5


@pytest.mark.parametrize(("task", "metric"), _metric_cases())
def test_weighted_metric_equals_sklearn_on_the_resampled_rows(task, metric):
    """A row of bootstrap weights scores exactly like the explicit resample (rows repeated)."""
    y, pred = _case(task)
    weights = next(Bootstrap(len(y), n_resamples=4, seed=11).chunks())
    got = _weighted_metric(metric, task, y, pred)(weights)
    n_classes = 3 if task == "multiclass" else 2
    for row, value in zip(weights, got, strict=True):
        idx = np.repeat(np.arange(len(y)), row.astype(int))
        resampled = Predictions(pred.y_pred[idx], None if pred.proba is None else pred.proba[idx])
        expected = compute_metrics(task, y[idx], resampled, n_classes)[metric]
        assert value == pytest.approx(expected, rel=1e-10, abs=1e-12)


def test_weighted_r2_is_nan_when_a_resample_has_one_target_value():
    y = np.array([1.0, 2.0, 3.0])
    pred = Predictions(np.array([1.5, 2.0, 2.5]))
    weights = np.array([[3.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
    got = _weighted_metric("r2", "regression", y, pred)(weights)
    assert math.isnan(got[0])
    assert got[1] == pytest.approx(skm.r2_score(y, pred.y_pred))


def test_weighted_r2_is_accurate_for_a_target_with_a_large_offset():
    rng = np.random.default_rng(0)
    y = 1e8 + rng.normal(size=200)
    pred = Predictions(y + rng.normal(scale=0.5, size=200))
    got = _weighted_metric("r2", "regression", y, pred)(_ones(y))
    np.testing.assert_allclose(got[0], skm.r2_score(y, pred.y_pred), rtol=1e-9)


def test_weighted_metric_rejects_metric_of_other_task_and_missing_probabilities():
    y, pred = _binary()
    with pytest.raises(
        ConfigError, match=re.escape("Metric 'r2' does not apply to a binary task.")
    ):
        _weighted_metric("r2", "binary", y, pred)
    with pytest.raises(
        ConfigError, match=re.escape("Metric 'accuracy' does not apply to a regression task.")
    ):
        _weighted_metric("accuracy", "regression", *_regression())
    with pytest.raises(
        ConfigError, match=re.escape("Metric 'roc_auc' needs predicted probabilities.")
    ):
        _weighted_metric("roc_auc", "binary", y, Predictions(pred.y_pred))


# --- Bootstrap -----------------------------------------------------------------------------------


def _all(plan: Bootstrap) -> np.ndarray:
    return np.concatenate(list(plan.chunks()))


def test_bootstrap_is_deterministic_for_a_seed():
    plan = Bootstrap(n_rows=37, n_resamples=25, seed=5)
    first, second = list(plan.chunks()), list(plan.chunks())
    assert len(first) == len(second)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(_all(plan), _all(Bootstrap(37, 25, seed=5)))


def test_bootstrap_different_seeds_differ():
    assert not np.array_equal(_all(Bootstrap(37, 25, seed=0)), _all(Bootstrap(37, 25, seed=1)))


def test_bootstrap_weights_are_counts_summing_to_n_rows():
    weights = _all(Bootstrap(n_rows=53, n_resamples=40, seed=3))
    assert weights.shape == (40, 53)
    assert weights.dtype == np.float64
    np.testing.assert_array_equal(weights.sum(axis=1), np.full(40, 53.0))
    assert (weights >= 0).all()
    np.testing.assert_array_equal(weights, np.round(weights))
    assert len({row.tobytes() for row in weights}) == 40  # not one resample repeated


@pytest.mark.parametrize("n_rows", [7, 8, 50])
def test_bootstrap_chunking_gives_the_same_resamples(monkeypatch, n_rows):
    whole = list(Bootstrap(n_rows, n_resamples=30, seed=9).chunks())
    assert len(whole) == 1
    monkeypatch.setattr(stats, "_CHUNK_CELLS", n_rows * 7)
    chunks = list(Bootstrap(n_rows, n_resamples=30, seed=9).chunks())
    assert [len(c) for c in chunks] == [7, 7, 7, 7, 2]
    np.testing.assert_array_equal(np.concatenate(chunks), whole[0])


def test_bootstrap_more_rows_than_chunk_cells_uses_one_resample_per_chunk(monkeypatch):
    monkeypatch.setattr(stats, "_CHUNK_CELLS", 10)
    chunks = list(Bootstrap(n_rows=25, n_resamples=3, seed=0).chunks())
    assert [c.shape for c in chunks] == [(1, 25)] * 3


def _naive_accuracy_samples(
    y: np.ndarray, y_pred: np.ndarray, n_resamples: int, seed: int, chunk: int
) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = len(y)
    out = []
    done = 0
    while done < n_resamples:
        b = min(chunk, n_resamples - done)
        for row in rng.integers(0, n, size=(b, n)):
            out.append(skm.accuracy_score(y[row], y_pred[row]))
        done += b
    return np.array(out)


@pytest.mark.parametrize("chunk", [4, 1000])
def test_metric_samples_accuracy_equals_a_naive_resampling_loop(monkeypatch, chunk):
    y, pred = _binary(n=40, seed=4)
    monkeypatch.setattr(stats, "_CHUNK_CELLS", chunk * len(y))
    plan = Bootstrap(len(y), n_resamples=30, seed=21)
    got = metric_samples("accuracy", "binary", y, pred, plan)
    expected = _naive_accuracy_samples(y, pred.y_pred, 30, 21, chunk)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-15)


def test_metric_samples_one_value_per_resample_and_centred_on_the_point_value():
    y, pred = _binary(n=200, seed=6)
    samples = metric_samples("accuracy", "binary", y, pred, Bootstrap(200, 500, seed=0))
    assert samples.shape == (500,)
    point = skm.accuracy_score(y, pred.y_pred)
    low, high = percentile_ci(samples)
    assert low < point < high
    assert abs(samples.mean() - point) < 0.01


def test_paired_difference_of_a_model_with_itself_is_exactly_zero():
    y, pred = _multiclass()
    plan = Bootstrap(len(y), 200, seed=1)
    for metric in CLASSIFICATION_METRICS:
        a = metric_samples(metric, "multiclass", y, pred, plan)
        b = metric_samples(metric, "multiclass", y, pred, plan)
        np.testing.assert_array_equal(a - b, np.zeros(200))
        assert percentile_ci(a - b) == (0.0, 0.0)


def test_paired_difference_is_computed_on_the_same_resampled_rows():
    y, pred_a = _binary(n=60, seed=8)
    y_pred_b = pred_a.y_pred.copy()
    y_pred_b[:6] = 1 - y_pred_b[:6]  # model B differs from A on six rows only
    plan = Bootstrap(len(y), 100, seed=2)
    diff = metric_samples("accuracy", "binary", y, pred_a, plan) - metric_samples(
        "accuracy", "binary", y, Predictions(y_pred_b), plan
    )
    # On each resample the difference only comes from the six rows, weighted by their counts.
    change = (pred_a.y_pred == y).astype(float) - (y_pred_b == y).astype(float)
    expected = _all(plan) @ change / len(y)
    np.testing.assert_allclose(diff, expected, atol=1e-15)


# --- intervals -----------------------------------------------------------------------------------


def test_percentile_ci_on_known_arrays():
    assert percentile_ci(np.arange(101.0)) == pytest.approx((2.5, 97.5))
    assert percentile_ci(np.arange(101.0), level=0.9) == pytest.approx((5.0, 95.0))
    assert percentile_ci(np.full(10, 0.25)) == (0.25, 0.25)


def test_percentile_ci_ignores_nan_resamples():
    samples = np.r_[np.arange(101.0), [np.nan, np.inf, np.nan]]
    assert percentile_ci(samples) == pytest.approx((2.5, 97.5))


def test_percentile_ci_all_nan_is_nan():
    low, high = percentile_ci(np.array([np.nan, np.nan]))
    assert math.isnan(low)
    assert math.isnan(high)


# --- metric registry and primary-metric validation -----------------------------------------------


def test_metric_registry_is_consistent():
    assert set(METRICS) == set(CLASSIFICATION_METRICS) | set(REGRESSION_METRICS)
    for name, info in METRICS.items():
        assert info.name == name
        assert info.label
        assert info.classification == (name in CLASSIFICATION_METRICS)
    assert {m for m, i in METRICS.items() if not i.higher_is_better} == {"log_loss", "mae", "rmse"}
    assert {m for m, i in METRICS.items() if i.percent} == {
        "accuracy",
        "balanced_accuracy",
        "f1_macro",
        "roc_auc",
    }
    for choices in PRIMARY_CHOICES.values():
        assert set(choices) <= set(METRICS)


def test_metric_info_unknown_name():
    assert metric_info("mae").label == "Mean absolute error"
    message = (
        "Unknown metric 'auc'. Choose from: accuracy, balanced_accuracy, f1_macro, roc_auc, "
        "log_loss, r2, mae, rmse."
    )
    with pytest.raises(ConfigError, match=f"^{re.escape(message)}$"):
        metric_info("auc")


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ("binary", ("accuracy", "balanced_accuracy", "f1_macro", "roc_auc")),
        ("multiclass", ("accuracy", "balanced_accuracy", "f1_macro", "roc_auc")),
        ("regression", ("r2", "mae", "rmse")),
    ],
)
def test_primary_choices_and_validate_primary_accepts_them(task, expected):
    assert primary_choices(task) == expected
    for name in expected:
        assert validate_primary(name, task) == name


@pytest.mark.parametrize(
    ("name", "task", "message"),
    [
        (
            "log_loss",
            "binary",
            "'log_loss' cannot be the primary metric of a binary task. "
            "Choose from: accuracy, balanced_accuracy, f1_macro, roc_auc.",
        ),
        (
            "r2",
            "multiclass",
            "'r2' cannot be the primary metric of a multiclass task. "
            "Choose from: accuracy, balanced_accuracy, f1_macro, roc_auc.",
        ),
        (
            "accuracy",
            "regression",
            "'accuracy' cannot be the primary metric of a regression task. "
            "Choose from: r2, mae, rmse.",
        ),
        (
            "nonsense",
            "regression",
            "'nonsense' cannot be the primary metric of a regression task. "
            "Choose from: r2, mae, rmse.",
        ),
    ],
)
def test_validate_primary_rejects_with_the_choices(name, task, message):
    with pytest.raises(ConfigError, match=f"^{re.escape(message)}$"):
        validate_primary(name, task)


# --- one pass of resamples, means by cell ------------------------------------------------------


def test_cell_means_are_shares_of_each_cell_on_each_resample() -> None:
    cells = np.array([0, 1, 1, 3])
    amounts = np.ones(4)
    regression = (np.zeros(4, dtype=np.int64), np.array([1.0, 2.0, 3.0, 6.0]), 1)
    means = stats.weighted_cell_means([(cells, amounts, 4), regression])
    w = np.array([[1.0, 1.0, 1.0, 1.0], [2.0, 0.0, 1.0, 1.0]])
    got = means(w)
    # Resample 1: every row once -> cells 1/4, 2/4, 0, 1/4; mean amount (1+2+3+6)/4 = 3.
    # Resample 2: row 0 twice, row 1 never -> cells 2/4, 1/4, 0, 1/4; (2+3+6)/4 = 2.75.
    np.testing.assert_allclose(got, [[0.25, 0.5, 0, 0.25, 3.0], [0.5, 0.25, 0, 0.25, 2.75]])


def test_many_cells_give_the_same_means_through_a_sparse_matrix(monkeypatch) -> None:
    rng = np.random.default_rng(1)
    cells, amounts = rng.integers(0, 9, 50), rng.random(50)
    w = rng.integers(0, 3, (6, 50)).astype(float)
    dense = stats.weighted_cell_means([(cells, amounts, 9)])(w)
    monkeypatch.setattr(stats, "_CHUNK_CELLS", 10)  # forces the sparse path
    np.testing.assert_allclose(stats.weighted_cell_means([(cells, amounts, 9)])(w), dense)


def test_resample_evaluates_every_statistic_on_the_same_resamples() -> None:
    y, pred = _binary(80)
    plan = Bootstrap(80, n_resamples=50, seed=4)
    correct = (pred.y_pred == y).astype(float)
    out = stats.resample(
        plan,
        {
            "accuracy": stats.weighted_metric("accuracy", "binary", y, pred),
            "right": stats.weighted_cell_means([(correct.astype(np.int64), np.ones(80), 2)]),
        },
    )
    assert out["accuracy"].shape == (50,)
    assert out["right"].shape == (50, 2)
    np.testing.assert_allclose(out["right"][:, 1], out["accuracy"])  # paired: same rows drawn
    np.testing.assert_array_equal(
        out["accuracy"], metric_samples("accuracy", "binary", y, pred, plan)
    )
