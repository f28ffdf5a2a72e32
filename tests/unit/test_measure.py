"""Training time, serialisation and serving measurements of ``core.measure``.

Timings are only checked for sanity (positive, ordered); their values belong to benchmarks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from core.candidates import get_candidate
from core.measure import (
    BATCH_ROWS,
    FLOOR_CALLS,
    THROUGHPUT_REPEATS,
    WARMUP_CALLS,
    FitTiming,
    ServingCost,
    measure_serving,
    predict_function,
    serialize,
    timed_fit,
)


@pytest.fixture(autouse=True)
def one_thread():
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def classifier(binary_dataset) -> Pipeline:
    """A fitted tree pipeline with a categorical column (``colour``)."""
    pipeline = get_candidate("decision_tree").build(binary_dataset, seed=0)
    return pipeline.fit(binary_dataset.X, binary_dataset.y)


@pytest.fixture(scope="module")
def regressor(regression_dataset) -> Pipeline:
    pipeline = get_candidate("simple").build(regression_dataset, seed=0)
    return pipeline.fit(regression_dataset.X, regression_dataset.y)


class _Spy:
    """Stands for a fitted pipeline and records which method each serving call used."""

    def __init__(self, with_proba: bool = True) -> None:
        self.calls: list[tuple[str, int]] = []
        if with_proba:
            self.predict_proba = self._proba

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        assert isinstance(X, pd.DataFrame)
        self.calls.append(("predict", len(X)))
        return np.zeros(len(X))

    def _proba(self, X: pd.DataFrame) -> np.ndarray:
        assert isinstance(X, pd.DataFrame)
        self.calls.append(("predict_proba", len(X)))
        return np.full((len(X), 2), 0.5)


# --- timed_fit -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["decision_tree", "simple", "xgboost_small"])
def test_timed_fit_fits_in_place_and_times_positive(name, binary_dataset):
    pipeline = get_candidate(name).build(binary_dataset, seed=0)
    timing = timed_fit(pipeline, binary_dataset.X, binary_dataset.y)
    assert isinstance(timing, FitTiming)
    check_is_fitted(pipeline)
    assert pipeline.predict(binary_dataset.X.iloc[:3]).shape == (3,)
    assert timing.train_s > 0
    assert timing.train_cpu_s > 0
    assert np.isfinite([timing.train_s, timing.train_cpu_s]).all()


def test_timed_fit_propagates_a_failing_fit(binary_dataset):
    pipeline = get_candidate("decision_tree").build(binary_dataset, seed=0)
    with pytest.raises(ValueError, match="colour"):
        timed_fit(pipeline, binary_dataset.X.drop(columns="colour"), binary_dataset.y)


# --- serialize -----------------------------------------------------------------------------------


def _load(data: bytes) -> Pipeline:
    return sio.loads(data, trusted=sio.get_untrusted_types(data=data))


@pytest.mark.parametrize("task", ["binary", "regression"])
@pytest.mark.parametrize("name", ["decision_tree", "simple", "xgboost_small", "knn"])
def test_serialize_round_trips_to_identical_predictions(name, task, request):
    ds = request.getfixturevalue(f"{task}_dataset")
    pipeline = get_candidate(name).build(ds, seed=0).fit(ds.X, ds.y)
    data = serialize(pipeline)
    assert isinstance(data, bytes)
    assert len(data) > 0
    loaded = _load(data)
    assert isinstance(loaded, Pipeline)
    np.testing.assert_array_equal(loaded.predict(ds.X), pipeline.predict(ds.X))
    if task != "regression":
        np.testing.assert_array_equal(loaded.predict_proba(ds.X), pipeline.predict_proba(ds.X))


def test_loading_requires_trusting_the_listed_types(classifier):
    data = serialize(classifier)
    untrusted = sio.get_untrusted_types(data=data)
    assert untrusted  # the tree's inner type must be trusted explicitly
    with pytest.raises(sio.exceptions.UntrustedTypesFoundException):
        sio.loads(data)


# --- predict_function ----------------------------------------------------------------------------


def test_predict_function_picks_probabilities_for_classifiers(classifier, regressor):
    assert predict_function(classifier, classification=True) == classifier.predict_proba
    assert predict_function(classifier, classification=False) == classifier.predict
    assert predict_function(regressor, classification=False) == regressor.predict
    # A regressor has no predict_proba: predict, whatever the flag says.
    assert predict_function(regressor, classification=True) == regressor.predict


def test_predict_function_classifier_without_probabilities_falls_back_to_predict():
    spy = _Spy(with_proba=False)
    assert predict_function(spy, classification=True) == spy.predict


# --- measure_serving -----------------------------------------------------------------------------


def test_measure_serving_classifier_sanity(classifier, binary_dataset):
    X = binary_dataset.X
    cost = measure_serving(classifier, X, classification=True, budget_s=0.05, min_calls=40)
    assert isinstance(cost, ServingCost)
    assert 0 < cost.latency_ms_p50 <= cost.latency_ms_p95
    assert cost.throughput_rows_per_s > 0
    assert FLOOR_CALLS <= cost.latency_calls <= 40
    assert cost.batch_rows == min(BATCH_ROWS, len(X)) == len(X)


def test_measure_serving_regressor_sanity(regressor, regression_dataset):
    X = regression_dataset.X
    cost = measure_serving(regressor, X, classification=False, budget_s=0.05, min_calls=30)
    assert 0 < cost.latency_ms_p50 <= cost.latency_ms_p95
    assert cost.throughput_rows_per_s > 0
    assert FLOOR_CALLS <= cost.latency_calls <= 30
    assert cost.batch_rows == len(X)


def test_measure_serving_batch_is_at_most_batch_rows(classifier, binary_dataset):
    big = pd.concat([binary_dataset.X] * 4, ignore_index=True)  # 1,600 rows
    cost = measure_serving(classifier, big, classification=True, budget_s=0.0, min_calls=25)
    assert cost.batch_rows == BATCH_ROWS == 1000


def test_measure_serving_stops_at_the_floor_when_the_budget_is_spent(classifier, binary_dataset):
    cost = measure_serving(
        classifier, binary_dataset.X, classification=True, budget_s=0.0, min_calls=500
    )
    assert cost.latency_calls == FLOOR_CALLS


def test_measure_serving_stops_at_min_calls_within_the_budget(classifier, binary_dataset):
    cost = measure_serving(
        classifier, binary_dataset.X, classification=True, budget_s=60.0, min_calls=30
    )
    assert cost.latency_calls == 30


@pytest.mark.parametrize(
    ("classification", "method"), [(True, "predict_proba"), (False, "predict")]
)
def test_measure_serving_call_protocol(classification, method):
    """Warm-up, then single-row calls, then one warm-up batch and the timed batches."""
    X = pd.DataFrame({"a": np.arange(1500.0), "b": np.arange(1500.0) % 7})
    spy = _Spy()
    cost = measure_serving(spy, X, classification=classification, budget_s=60.0, min_calls=33)
    # Batch throughput is plain predict (batch scoring), whatever the task.
    expected = [(method, 1)] * (WARMUP_CALLS + 33) + [("predict", BATCH_ROWS)] * (
        1 + THROUGHPUT_REPEATS
    )
    assert spy.calls == expected
    assert cost.latency_calls == 33
    assert cost.batch_rows == BATCH_ROWS


def test_measure_serving_with_fewer_rows_than_warm_up_calls():
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0]})
    spy = _Spy()
    cost = measure_serving(spy, X, classification=True, budget_s=60.0, min_calls=FLOOR_CALLS)
    assert cost.batch_rows == 3
    assert cost.latency_calls == FLOOR_CALLS
    assert spy.calls[-1] == ("predict", 3)
