"""Claims about many models at once (``core.claims``): worked examples, then seeded simulations
of known truth — no-signal studies, equal models, one clearly best model."""

from __future__ import annotations

import numpy as np
import pytest

from core.claims import best_of, selection, selection_level, versus_best, versus_reference
from core.stats import (
    Bootstrap,
    Predictions,
    metric_interval,
    metric_samples_by_model,
    weighted_metric,
)
from core.tables import verdict_words

# --- worked examples -----------------------------------------------------------------------------


def _samples(**columns: list[float]) -> dict[str, np.ndarray]:
    return {k: np.asarray(v, dtype=float) for k, v in columns.items()}


def test_the_reference_is_never_clearly_better_than_itself() -> None:
    point = {"dummy": 0.5, "a": 0.9}
    samples = _samples(dummy=[0.5, 0.5, 0.5], a=[0.88, 0.9, 0.92])
    out = versus_reference("accuracy", point, samples, "dummy")
    assert out["dummy"].value == 0.0
    assert not out["dummy"].clear
    assert out["a"].clear
    assert out["a"].value == pytest.approx(0.4)


def test_a_model_with_the_references_predictions_has_a_zero_width_tie() -> None:
    same = [0.6, 0.7, 0.65, 0.62]
    out = versus_reference("accuracy", {"r": 0.65, "copy": 0.65}, _samples(r=same, copy=same), "r")
    assert (out["copy"].low, out["copy"].high, out["copy"].clear) == (0.0, 0.0, False)


def test_a_lower_is_better_metric_is_better_when_the_difference_is_below_zero() -> None:
    point = {"ref": 10.0, "good": 5.0}
    samples = _samples(ref=[10.0, 10.5, 9.5, 10.2], good=[5.0, 5.2, 4.8, 5.1])
    assert versus_reference("mae", point, samples, "ref")["good"].clear


def test_differences_of_percentages_stay_between_minus_and_plus_one() -> None:
    point = {"r": 0.0, "a": 1.0}
    samples = _samples(r=[0.0, 0.0, 0.0, 0.3], a=[1.0, 1.0, 1.0, 0.2])
    d = versus_reference("accuracy", point, samples, "r")["a"]
    assert -1.0 <= d.low <= d.high <= 1.0


def test_best_of_prefers_the_earlier_model_on_a_tie_and_skips_nan() -> None:
    assert best_of("accuracy", {"simple": 0.8, "big": 0.8, "nan": float("nan")}) == "simple"
    assert best_of("rmse", {"a": 3.0, "b": 2.0}) == "b"
    assert best_of("accuracy", {"x": float("nan")}) is None


def test_the_chosen_models_level_is_bonferroni_over_the_tied() -> None:
    assert selection_level(1) == pytest.approx(0.95)
    assert selection_level(5) == pytest.approx(0.99)


def test_selection_of_one_model_has_no_optimism() -> None:
    samples = _samples(a=[0.7, 0.8, 0.9])
    chosen = selection("accuracy", {"a": 0.8}, samples, ["a"], "a")
    assert chosen.tied == 1
    assert chosen.optimism == 0.0


# --- simulations ---------------------------------------------------------------------------------


def _study(rng, n, accuracies, *, shared=0.5, dummy=False, seed=0, resamples=1000):
    """One simulated study on ``n`` balanced yes/no rows: each model is right with its accuracy
    (``None``: a random guess, no signal); models share part of their luck, as real models fed
    the same rows do. Returns the rows' classes, each model's predictions, and its accuracy on
    the rows and on each resample."""
    y = rng.integers(0, 2, n)
    predictions = {}
    if dummy:  # always the same class: on balanced rows its accuracy is 50%, as a guess
        predictions["dummy"] = Predictions(np.zeros(n, dtype=np.int64))
    common = rng.uniform(size=n)
    for k, accuracy in enumerate(accuracies):
        luck = np.where(rng.uniform(size=n) < shared, common, rng.uniform(size=n))
        if accuracy is None:
            guess = (luck < 0.5).astype(np.int64)
        else:
            guess = np.where(luck < accuracy, y, 1 - y).astype(np.int64)
        predictions[f"m{k}"] = Predictions(guess)
    ones = np.ones((1, n))
    point = {
        name: float(weighted_metric("accuracy", "binary", y, p)(ones)[0])
        for name, p in predictions.items()
    }
    samples = metric_samples_by_model(
        "accuracy", "binary", y, predictions, Bootstrap(n, resamples, seed)
    )
    return y, predictions, point, samples


def test_with_no_signal_at_most_5_percent_of_studies_claim_a_model_beats_the_dummy() -> None:
    # Ten models that guess: one 95% interval each would name a "winner" in 14–18% of studies.
    rng = np.random.default_rng(7)
    studies = 400
    claims = 0
    for s in range(studies):
        _, _, point, samples = _study(rng, 200, [None] * 10, dummy=True, seed=s, resamples=500)
        claims += any(
            d.clear for d in versus_reference("accuracy", point, samples, "dummy").values()
        )
    assert claims / studies <= 0.065


def test_real_gains_are_still_found() -> None:
    rng = np.random.default_rng(8)
    found = 0
    for s in range(100):
        _, _, point, samples = _study(
            rng, 300, [None] * 9 + [0.7], dummy=True, seed=s, resamples=500
        )
        found += versus_reference("accuracy", point, samples, "dummy")["m9"].clear
    assert found >= 95  # a 20-point gain on 300 rows is found nearly always


def _behind(point, samples) -> list[bool]:
    """Whether each model is said to be "clearly behind" the dummy in the leaderboard."""
    return [
        verdict_words("accuracy", d.low, d.high, d.clear) == "no: clearly behind"
        for d in versus_reference("accuracy", point, samples, "dummy").values()
    ]


def test_with_no_signal_at_most_5_percent_of_studies_say_a_model_is_clearly_behind() -> None:
    rng = np.random.default_rng(17)
    studies = 400
    claims = 0
    for s in range(studies):
        _, _, point, samples = _study(rng, 200, [None] * 10, dummy=True, seed=s, resamples=500)
        claims += any(_behind(point, samples))
    assert claims / studies <= 0.065


def test_real_losses_are_said_to_be_behind() -> None:
    rng = np.random.default_rng(18)
    found = 0
    for s in range(100):
        _, _, point, samples = _study(rng, 300, [None] * 9 + [0.3], dummy=True, seed=s)
        behind = _behind(point, samples)
        found += behind[-1]
    assert found >= 95  # 20 points worse than a guess on 300 rows is seen nearly always


def _selection_interval(y, predictions, best, tied):
    """The chosen model's interval as a study computes it: its own, at the Bonferroni level."""
    return metric_interval(
        "accuracy", "binary", y, predictions[best], np.zeros(0), np.zeros(0),
        level=selection_level(len(tied)),
    )  # fmt: skip


def test_equal_models_the_truly_best_stays_in_the_tie_set_and_optimism_is_estimated() -> None:
    # Eleven models of 80% accuracy: every one is truly best, so none should be left out more
    # than 5% of the time; the best score is too high by the luck of the draw.
    rng = np.random.default_rng(9)
    studies = 400
    excluded = covered = 0
    optimism, bias = [], []
    for s in range(studies):
        y, predictions, point, samples = _study(rng, 300, [0.8] * 11, seed=s, resamples=500)
        best, vs_best = versus_best("accuracy", point, samples)
        assert best is not None
        excluded += vs_best["m0"].clear
        tied = [n for n, d in vs_best.items() if not d.clear]
        optimism.append(selection("accuracy", point, samples, tied, best).optimism)
        bias.append(point[best] - 0.8)
        low, high = _selection_interval(y, predictions, best, tied)
        covered += low <= 0.8 <= high
    assert excluded / studies <= 0.065
    assert np.mean(bias) > 0.02  # the winner's curse is real here (about 3 points)
    assert np.mean(optimism) == pytest.approx(np.mean(bias), rel=0.25)
    assert covered / studies >= 0.93


@pytest.mark.parametrize(("n", "models", "shared"), [(100, 2, 0.5), (60, 3, 0.8)])
def test_the_chosen_models_interval_holds_near_100_percent_on_few_rows(n, models, shared) -> None:
    # Equal models right 98% of the time: percentiles of the bootstrap covered 60–90% here.
    rng = np.random.default_rng(n)
    covered, studies = 0, 600
    for s in range(studies):
        y, predictions, point, samples = _study(
            rng, n, [0.98] * models, shared=shared, seed=s, resamples=200
        )
        best, vs_best = versus_best("accuracy", point, samples)
        tied = [m for m, d in vs_best.items() if not d.clear]
        low, high = _selection_interval(y, predictions, best, tied)
        covered += low <= 0.98 <= high
    assert covered / studies >= 0.93


def test_a_clearly_best_model_stays_in_the_set_and_the_clearly_worse_leave_it() -> None:
    rng = np.random.default_rng(10)
    studies = 200
    best_out = worse_out = 0
    optimism = []
    for s in range(studies):
        _, _, point, samples = _study(rng, 400, [0.7, 0.72, 0.74, 0.85], seed=s, resamples=500)
        best, vs_best = versus_best("accuracy", point, samples)
        best_out += best != "m3" and vs_best["m3"].clear
        worse_out += vs_best["m0"].clear
        tied = [n for n, d in vs_best.items() if not d.clear]
        optimism.append(selection("accuracy", point, samples, tied, best).optimism)
    assert best_out / studies <= 0.065
    assert worse_out / studies >= 0.9  # 15 points worse on 400 rows: almost always left out
    assert np.mean(optimism) < 0.005  # a clear winner was not chosen by luck
