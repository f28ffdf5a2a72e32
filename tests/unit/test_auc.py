"""ROC AUC by DeLong's method (``core.stats``): the value, its variance and covariance, the
interval's coverage, and the claims made from its draws (seeded simulations of known truth)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as scipy_stats
from sklearn import metrics as skm

from core.claims import versus_reference
from core.stats import (
    Bootstrap,
    Predictions,
    auc_influence,
    delong_interval,
    delong_samples,
    metric_samples,
)


def _scores(rng: np.random.Generator, n: int, separation: float, ties: bool = False):
    """Yes/no rows (40% yes) scored by a binormal model: positives ``separation`` higher."""
    y = (rng.uniform(size=n) < 0.4).astype(np.int64)
    score = rng.normal(size=n) + separation * y
    if ties:
        score = np.round(score)
    p1 = 1 / (1 + np.exp(-score))
    return y, Predictions((p1 >= 0.5).astype(np.int64), np.column_stack([1 - p1, p1]))


@pytest.mark.parametrize("ties", [False, True])
def test_auc_is_scikit_learns(ties: bool) -> None:
    y, pred = _scores(np.random.default_rng(0), 300, 1.0, ties)
    value, influence = auc_influence("binary", y, pred)
    assert value == pytest.approx(skm.roc_auc_score(y, pred.proba[:, 1]), abs=1e-12)
    assert influence.sum() == pytest.approx(0.0, abs=1e-12)  # influences are centred


def test_macro_auc_of_several_classes_is_scikit_learns() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 240)
    logits = rng.normal(size=(240, 3)) + 1.2 * np.eye(3)[y]
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    value, _ = auc_influence("multiclass", y, Predictions(proba.argmax(axis=1), proba))
    expected = skm.roc_auc_score(y, proba, multi_class="ovr", average="macro")
    assert value == pytest.approx(expected, abs=1e-12)


def test_delong_variance_matches_the_bootstrap() -> None:
    y, pred = _scores(np.random.default_rng(2), 400, 1.0)
    _, influence = auc_influence("binary", y, pred)
    boot = metric_samples("roc_auc", "binary", y, pred, Bootstrap(len(y), 2000, 3))
    assert np.sum(influence**2) == pytest.approx(np.var(boot), rel=0.15)


def test_draws_keep_the_covariance_between_models() -> None:
    rng = np.random.default_rng(4)
    y, a = _scores(rng, 500, 1.0)
    noisy = np.clip(a.proba[:, 1] + rng.normal(0, 0.05, len(y)), 0, 1)  # nearly the same model
    b = Predictions((noisy >= 0.5).astype(np.int64), np.column_stack([1 - noisy, noisy]))
    (va, ia), (vb, ib) = auc_influence("binary", y, a), auc_influence("binary", y, b)
    draws = delong_samples({"a": ia, "b": ib}, {"a": va, "b": vb}, 20_000, seed=5)
    assert np.mean(draws["a"]) == pytest.approx(va, abs=1e-3)
    assert np.cov(draws["a"], draws["b"])[0, 1] == pytest.approx(float(ia @ ib), rel=0.05)
    # Paired: the difference of two nearly identical models is far surer than either AUC.
    assert np.std(draws["a"] - draws["b"]) < 0.3 * np.std(draws["a"])


def test_a_perfect_ranking_gets_wilson_on_the_smallest_class() -> None:
    low, high = delong_interval(1.0, np.zeros(30), smallest_class=12)
    expected = scipy_stats.binomtest(12, 12).proportion_ci(0.95, method="wilson")
    assert (low, high) == pytest.approx((expected.low, 1.0))


def test_delong_interval_covers_and_stays_inside_zero_and_one() -> None:
    # Binormal truth: AUC = Φ(separation / √2).
    separation = 1.5
    truth = float(scipy_stats.norm.cdf(separation / np.sqrt(2)))
    rng = np.random.default_rng(6)
    hits, studies = 0, 1000
    for _ in range(studies):
        y, pred = _scores(rng, 150, separation)
        value, influence = auc_influence("binary", y, pred)
        low, high = delong_interval(value, influence, int(min(y.sum(), len(y) - y.sum())))
        assert 0 <= low <= value <= high <= 1
        hits += low <= truth <= high
    assert hits / studies >= 0.93


def test_with_no_signal_at_most_5_percent_of_studies_claim_a_better_auc() -> None:
    rng = np.random.default_rng(7)
    studies, claims = 400, 0
    for s in range(studies):
        y = rng.integers(0, 2, 200)
        flat = np.full(200, 0.5)
        predictions = {"dummy": Predictions(np.zeros(200, np.int64), np.column_stack([flat, flat]))}
        common = rng.uniform(size=200)
        for k in range(10):  # guesses that share part of their noise
            p1 = np.where(rng.uniform(size=200) < 0.5, common, rng.uniform(size=200))
            predictions[f"m{k}"] = Predictions(
                (p1 >= 0.5).astype(np.int64), np.column_stack([1 - p1, p1])
            )
        parts = {n: auc_influence("binary", y, p) for n, p in predictions.items()}
        point = {n: v for n, (v, _) in parts.items()}
        draws = delong_samples({n: i for n, (_, i) in parts.items()}, point, 500, seed=s)
        found = versus_reference("roc_auc", point, draws, "dummy")
        claims += any(d.clear for d in found.values())
    assert claims / studies <= 0.065
