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
    MAX_ROUNDS,
    MIN_ROUNDS,
    WARMUP_CALLS,
    FitTiming,
    ServingCost,
    log_interval,
    measure_serving,
    measure_serving_rounds,
    paired_ratio,
    predict_function,
    quantile_interval,
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


def test_the_training_cpu_time_is_the_fitting_thread_s(binary_dataset):
    """A busy thread elsewhere in the process (a Dask worker's event loop, the app's server)
    adds nothing to a model's training CPU time; the process's CPU time would count it."""
    import threading
    import time

    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            sum(range(1000))

    spinner = threading.Thread(target=spin, daemon=True)
    pipeline = get_candidate("random_forest_small").build(binary_dataset, seed=0)
    spinner.start()
    try:
        process0 = time.process_time()
        timing = timed_fit(pipeline, binary_dataset.X, binary_dataset.y)
        process_cpu_s = time.process_time() - process0
    finally:
        stop.set()
        spinner.join()
    assert timing.train_cpu_s <= timing.train_s * 1.05 + 0.01  # one thread: at most the wall
    assert process_cpu_s > timing.train_cpu_s * 1.3  # the spinner's share, not counted


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


# --- measure_serving: interleaved rounds ---------------------------------------------------------


def test_measure_serving_classifier_sanity(classifier, binary_dataset):
    X = binary_dataset.X
    cost = measure_serving(classifier, X, classification=True, block_calls=10, budget_s=0.05)
    assert isinstance(cost, ServingCost)
    assert 0 < cost.latency_ms_p50 <= cost.latency_ms_p95
    assert cost.throughput_rows_per_s > 0
    assert MIN_ROUNDS <= cost.rounds <= MAX_ROUNDS
    assert FLOOR_CALLS * cost.rounds <= cost.latency_calls <= 10 * cost.rounds
    assert cost.batch_rows == min(BATCH_ROWS, len(X)) == len(X)
    for value, (low, high) in (
        (cost.latency_ms_p50, cost.latency_ms_p50_ci),
        (cost.latency_ms_p95, cost.latency_ms_p95_ci),
        (cost.throughput_rows_per_s, cost.throughput_rows_per_s_ci),
    ):
        assert 0 < low <= value <= high


def test_measure_serving_regressor_sanity(regressor, regression_dataset):
    X = regression_dataset.X
    cost = measure_serving(regressor, X, classification=False, block_calls=10, budget_s=0.05)
    assert 0 < cost.latency_ms_p50 <= cost.latency_ms_p95
    assert cost.latency_ms_mean > 0
    assert cost.throughput_rows_per_s > 0
    assert cost.batch_rows == len(X)


def test_measure_serving_batch_is_at_most_batch_rows(classifier, binary_dataset):
    big = pd.concat([binary_dataset.X] * 4, ignore_index=True)  # 1,600 rows
    cost = measure_serving(classifier, big, classification=True, block_calls=5, budget_s=0.0)
    assert cost.batch_rows == BATCH_ROWS == 1000


class _Clock:
    """A simulated machine: time moves only when a model computes, by what it is told."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class _Timed(_Spy):
    """A spy whose calls take ``row_ms`` (single row) and ``row_ms / 10`` per row in a batch on
    the simulated clock, times ``load(now)``: the machine's background load."""

    def __init__(self, clock: _Clock, row_ms: float, load=lambda now: 1.0) -> None:
        super().__init__()
        self.clock, self.row_ms, self.load = clock, row_ms, load

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        self.clock.now += self.load(self.clock.now) * self.row_ms / 1000 * max(1, len(X) / 10)
        return super().predict(X)

    def _proba(self, X: pd.DataFrame) -> np.ndarray:
        self.clock.now += self.load(self.clock.now) * self.row_ms / 1000
        return super()._proba(X)


@pytest.mark.parametrize(
    ("classification", "method"), [(True, "predict_proba"), (False, "predict")]
)
def test_measure_serving_call_protocol(classification, method):
    """Warm-up calls and a warm-up batch, then per round a block of single-row calls and one
    batch. Steady timings are tight at once: the minimum number of rounds, no more."""
    X = pd.DataFrame({"a": np.arange(1500.0), "b": np.arange(1500.0) % 7})
    clock = _Clock()
    spy = _Timed(clock, 1.0)
    cost = measure_serving(spy, X, classification=classification, block_calls=7, clock=clock)
    # Batch throughput is plain predict (batch scoring), whatever the task.
    round_calls = [(method, 1)] * 7 + [("predict", BATCH_ROWS)]
    expected = [(method, 1)] * WARMUP_CALLS + [("predict", BATCH_ROWS)] + round_calls * MIN_ROUNDS
    assert spy.calls == expected
    assert cost.rounds == MIN_ROUNDS
    assert cost.latency_calls == 7 * MIN_ROUNDS
    assert cost.latency_ms_p50 == pytest.approx(1.0)
    assert cost.latency_ms_p50_ci == pytest.approx((1.0, 1.0))
    assert cost.throughput_rows_per_s == pytest.approx(BATCH_ROWS / 0.1)


def test_a_slow_model_gets_fewer_calls_per_block_but_at_least_the_floor():
    X = pd.DataFrame({"a": np.arange(50.0)})
    clock = _Clock()
    slow = _Timed(clock, 40.0)  # 40 ms a call: the 50 ms block ends after 2, the floor is 3
    cost = measure_serving(slow, X, classification=True, block_calls=20, clock=clock)
    assert cost.latency_calls == FLOOR_CALLS * cost.rounds


def test_a_noisy_model_is_measured_longer_than_a_steady_one_within_its_budget():
    X = pd.DataFrame({"a": np.arange(50.0)})
    clock = _Clock()
    rng = np.random.default_rng(0)
    steady = _Timed(clock, 1.0)
    noisy = _Timed(clock, 1.0, load=lambda now: float(rng.lognormal(0, 1.0)))
    costs = measure_serving_rounds(
        {"steady": steady, "noisy": noisy}, X, classification=True, clock=clock, budget_s=10.0
    )
    assert costs["steady"].rounds == MIN_ROUNDS
    assert costs["noisy"].rounds > MIN_ROUNDS
    tight = measure_serving_rounds(
        {"noisy": _Timed(clock, 1.0, load=lambda now: float(rng.lognormal(0, 1.0)))},
        X,
        classification=True,
        clock=clock,
        budget_s=0.0,
    )
    assert tight["noisy"].rounds == MIN_ROUNDS  # the budget is spent: the minimum, no more


def test_rounds_visit_the_models_in_a_shuffled_seeded_order():
    X = pd.DataFrame({"a": np.arange(20.0)})
    seen: list[str] = []

    def orders(seed: int) -> list[str]:
        clock = _Clock()
        models = {name: _Timed(clock, 1.0) for name in "abcd"}
        for name, model in models.items():
            original = model._proba

            def traced(X, name=name, original=original):
                seen.append(name)
                return original(X)

            model.predict_proba = traced
        seen.clear()
        measure_serving_rounds(
            models, X, classification=True, clock=clock, block_calls=1, seed=seed
        )
        return seen[WARMUP_CALLS * 4 :]

    first = orders(1)
    assert first == orders(1)
    assert first != orders(2)
    blocks = [first[i : i + 4] for i in range(0, len(first), 4)]
    assert all(sorted(b) == list("abcd") for b in blocks)  # every model once per round
    assert len({tuple(b) for b in blocks}) > 1  # not the same order every round


# --- ratios paired by round ----------------------------------------------------------------------


def test_log_interval_and_paired_ratio_worked_examples():
    value, low, high = log_interval([1.0, 4.0])  # geometric mean 2; t(0.975, 1) = 12.706
    assert value == pytest.approx(2.0)
    assert low < 1.0 < 4.0 < high
    assert log_interval([3.0, 3.0, 3.0]) == pytest.approx((3.0, 3.0, 3.0))
    # b is twice a in every round, whatever the round's load: exactly 2, no uncertainty.
    a, b = [1.0, 5.0, 2.0, 9.0, 3.0], [2.0, 10.0, 4.0, 18.0, 6.0]
    assert paired_ratio(b, a) == pytest.approx((2.0, 2.0, 2.0))
    assert paired_ratio(b[:3], a) == pytest.approx((2.0, 2.0, 2.0))  # common rounds only


def _busy_machine(rng: np.random.Generator):
    """Background load that drifts (a slow wave) and bursts (a few windows 3× slower), and
    jitters every call: what a shared laptop or CI runner does to timings."""
    phase = rng.uniform(0, 2 * np.pi)
    bursts = np.sort(rng.uniform(0, 2.0, 6))

    def load(now: float) -> float:
        wave = 1 + 0.6 * np.sin(now * 7 + phase)
        burst = 3.0 if np.any((now > bursts) & (now < bursts + 0.03)) else 1.0
        return float(wave * burst * rng.lognormal(0, 0.25))

    return load


@pytest.mark.parametrize(("truth", "label"), [(1.0, "identical"), (2.0, "twice as slow")])
def test_paired_ratios_on_a_busy_machine_hold_the_true_ratio(truth, label):
    """Seeded simulation of known truth through ``measure_serving_rounds``: two pipelines whose
    true cost per call is in ``truth`` ratio. Paired by round, the interval holds the truth in
    at least 93% of runs (a 95% interval); for identical pipelines it then contains 1 (no false
    "faster")."""
    rng = np.random.default_rng(12)
    X = pd.DataFrame({"a": np.arange(30.0)})
    runs, held, ones = 300, 0, 0
    for run in range(runs):
        clock = _Clock()
        load = _busy_machine(rng)
        models = {"a": _Timed(clock, 1.0, load), "b": _Timed(clock, truth, load)}
        costs = measure_serving_rounds(
            models, X, classification=True, clock=clock, seed=run, block_calls=10
        )
        _, low, high = paired_ratio(costs["b"].round_p50_ms, costs["a"].round_p50_ms)
        held += low <= truth <= high
        ones += low <= 1.0 <= high
    assert held / runs >= 0.93, label
    if truth == 2.0:
        assert ones / runs <= 0.05  # a real 2× difference is seen


_SERIALIZE_IN_A_FRESH_PROCESS = """
import hashlib, sys
import numpy as np, pandas as pd
from sklearn.datasets import make_classification
from threadpoolctl import threadpool_limits
from core.candidates import get_candidate
from tests.unit.conftest import make_dataset
X, y = make_classification(n_samples=300, n_features=5, random_state=0)
frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(5)])
frame["colour"] = np.where(X[:, 0] > 0, "red", "blue").astype(object)
ds = make_dataset(frame, y.astype(np.int64), "binary", ("no", "yes"))
from core.measure import serialize
with threadpool_limits(1):
    for name in ("decision_tree", "xgboost_small", "mlp_small"):
        data = serialize(get_candidate(name).build(ds, seed=0).fit(ds.X, ds.y))
        print(name, len(data), hashlib.sha256(data).hexdigest())
"""


def test_serialize_is_byte_stable_across_processes():
    """skops names objects by memory address and stamps the time; the same data and seed must
    still give the same bytes (and so the same size) in two fresh processes."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    outputs = []
    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed, PYTHONPATH=str(root))
        done = subprocess.run(
            [sys.executable, "-c", _SERIALIZE_IN_A_FRESH_PROCESS],
            capture_output=True,
            text=True,
            env=env,
            cwd=root,
            check=True,
            timeout=300,
        )
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert len(outputs[0].splitlines()) == 3


def test_quantile_interval_is_an_order_statistic_interval_that_covers():
    value, low, high = quantile_interval(np.arange(1.0, 101.0), 0.95)
    assert value == pytest.approx(95.05)
    # B ~ Binomial(100, 0.95) values fall below the true 95th percentile: ranks 90 and 100
    # bound it with P(90 <= B <= 99) = 0.966, at least 95%.
    assert (low, high) == (90.0, 100.0)
    assert quantile_interval([2.0], 0.95) == (2.0, 2.0, 2.0)
    rng = np.random.default_rng(1)
    truth = float(np.exp(0.5 * 1.6449))  # the 95th percentile of lognormal(0, 0.5)
    held = 0
    for _ in range(2000):
        _, low, high = quantile_interval(rng.lognormal(0, 0.5, 60), 0.95)
        held += low <= truth <= high
    assert held / 2000 >= 0.93


def test_p95_latency_is_the_95th_percentile_of_every_call_pooled():
    X = pd.DataFrame({"a": np.arange(40.0)})
    clock = _Clock()
    times = iter(np.tile(np.arange(1.0, 11.0), 100))  # 1, 2, …, 10 ms, again and again
    model = _Timed(clock, 1.0, load=lambda now: next(times))
    cost = measure_serving(model, X, classification=True, block_calls=10, clock=clock)
    calls_ms = np.asarray(cost.round_p50_ms)  # the block of 10 is 1..10 ms in every round
    assert calls_ms == pytest.approx(5.5)
    assert cost.latency_ms_p95 == pytest.approx(np.percentile(np.tile(np.arange(1.0, 11.0), 5), 95))
