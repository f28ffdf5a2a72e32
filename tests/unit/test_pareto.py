"""Frontiers, budgets, money and the academic / industry recommendation of ``core.pareto``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import pytest

from core.pareto import (
    COST_AXES,
    DEFAULT_USD_PER_VCPU_HOUR,
    Budgets,
    Recommendation,
    best_model,
    cost_score,
    cost_value,
    format_gap,
    format_metric,
    frontier,
    recommend,
    tied_with_best,
    train_usd,
    usd_per_million_predictions,
)


@dataclass
class Fake:
    """The fields of ``core.study.ModelResult`` that pareto reads."""

    name: str
    metrics: dict[str, float] = field(default_factory=dict)
    label: str = ""
    status: str = "ok"
    beats_baseline: bool | None = True
    delta_vs_best_ci_low: float | None = None
    delta_vs_best_ci_high: float | None = None
    train_cpu_s: float | None = 1.0
    latency_ms_p50: float | None = 1.0
    latency_ms_p95: float | None = 2.0
    throughput_rows_per_s: float | None = 1000.0
    size_bytes: int | None = 1_000_000
    usd_per_million_predictions: float | None = None
    selection_tied: int | None = None
    selection_optimism: float | None = None

    def __post_init__(self) -> None:
        self.label = self.label or self.name.replace("_", " ").capitalize()

    @property
    def round_p50_ms(self) -> list[float] | None:
        """Five latency rounds around the p50, moved alike in every model (paired by round)."""
        if self.latency_ms_p50 is None:
            return None
        return [self.latency_ms_p50 * f for f in (0.98, 1.0, 1.03, 0.99, 1.01)]


def _acc(name: str, accuracy: float, **costs) -> Fake:
    return Fake(name, {"accuracy": accuracy}, **costs)


# A hand-worked ladder: the forest is best; XGBoost is statistically tied with it and far cheaper.
DUMMY = Fake(
    "dummy",
    {"accuracy": 0.60, "mae": 9.0},
    label="Dummy baseline",
    beats_baseline=False,
    delta_vs_best_ci_low=-0.30,
    delta_vs_best_ci_high=-0.20,
    train_cpu_s=0.01,
    latency_ms_p50=0.1,
    latency_ms_p95=0.2,
    size_bytes=1_000,
)
SIMPLE = Fake(
    "simple",
    {"accuracy": 0.80},
    label="Simple baseline (linear)",
    delta_vs_best_ci_low=-0.08,
    delta_vs_best_ci_high=-0.02,
    train_cpu_s=0.1,
    latency_ms_p50=0.5,
    latency_ms_p95=0.8,
    size_bytes=2_000,
)
XGB = Fake(
    "xgboost_small",
    {"accuracy": 0.847},
    label="XGBoost (small)",
    delta_vs_best_ci_low=-0.01,
    delta_vs_best_ci_high=0.004,
    train_cpu_s=1.0,
    latency_ms_p50=0.5,
    latency_ms_p95=0.9,
    size_bytes=500_000,
)
FOREST = Fake(
    "random_forest_large",
    {"accuracy": 0.850},
    label="Random forest (large)",
    delta_vs_best_ci_low=0.0,
    delta_vs_best_ci_high=0.0,
    train_cpu_s=20.0,
    latency_ms_p50=20.0,
    latency_ms_p95=30.0,
    size_bytes=6_000_000,
)
LADDER = [DUMMY, SIMPLE, XGB, FOREST]


# --- money ---------------------------------------------------------------------------------------


def test_usd_per_million_predictions_hand_worked():
    # 1e6 rows at 1,000 rows/s = 1,000 s = 0.2778 h on one vCPU at $0.045/h = $0.0125.
    assert usd_per_million_predictions(1000.0) == pytest.approx(0.0125)
    assert usd_per_million_predictions(1000.0, usd_per_vcpu_hour=0.09) == pytest.approx(0.025)
    assert usd_per_million_predictions(1e6, usd_per_vcpu_hour=3.6) == pytest.approx(0.001)
    assert DEFAULT_USD_PER_VCPU_HOUR == 0.045


@pytest.mark.parametrize("throughput", [None, 0.0, -5.0])
def test_usd_per_million_predictions_needs_a_positive_throughput(throughput):
    assert usd_per_million_predictions(throughput) is None


def test_train_usd_hand_worked():
    assert train_usd(3600.0) == pytest.approx(0.045)
    assert train_usd(90.0, usd_per_vcpu_hour=0.4) == pytest.approx(0.01)
    assert train_usd(0.0) == 0.0
    assert train_usd(None) is None


# --- formatting ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metric", "value", "expected"),
    [
        ("accuracy", 0.8512, "85.1%"),
        ("roc_auc", 1.0, "100.0%"),
        ("balanced_accuracy", 0.5, "50.0%"),
        ("f1_macro", 0.0, "0.0%"),
        ("r2", 0.91234, "0.912"),
        ("mae", 3.14159, "3.14"),
        ("rmse", 1234.5, "1.23e+03"),
        ("log_loss", 0.0123456, "0.0123"),
    ],
)
def test_format_metric(metric, value, expected):
    assert format_metric(metric, value) == expected


@pytest.mark.parametrize(
    ("metric", "gap", "expected"),
    [
        ("accuracy", 0.003, "0.3 points"),
        ("accuracy", -0.003, "0.3 points"),
        ("roc_auc", 0.1234, "12.3 points"),
        ("mae", -1.234, "1.23 target units"),
        ("rmse", 0.5, "0.5 target units"),
        ("r2", 0.05, "0.05"),
        ("log_loss", -0.1, "0.1"),
    ],
)
def test_format_gap(metric, gap, expected):
    assert format_gap(metric, gap) == expected


# --- frontier ------------------------------------------------------------------------------------


def test_frontier_excludes_dominated_models_cheapest_first():
    models = [
        _acc("a", 0.70, latency_ms_p50=1.0),
        _acc("b", 0.80, latency_ms_p50=2.0),
        _acc("c", 0.75, latency_ms_p50=3.0),  # dominated by b: slower and worse
        _acc("d", 0.90, latency_ms_p50=5.0),
        _acc("e", 0.85, latency_ms_p50=6.0),  # dominated by d
    ]
    assert frontier(models, "accuracy", "latency_ms_p50") == ["a", "b", "d"]


def test_frontier_ties():
    models = [
        _acc("b", 0.80, latency_ms_p50=2.0),
        _acc("twin", 0.80, latency_ms_p50=2.0),  # identical point: neither dominates the other
        _acc("same_cost_worse", 0.79, latency_ms_p50=2.0),  # dominated (strictly worse metric)
        _acc("same_metric_dearer", 0.80, latency_ms_p50=2.5),  # dominated (strictly dearer)
    ]
    assert frontier(models, "accuracy", "latency_ms_p50") == ["b", "twin"]


def test_frontier_throughput_higher_is_better():
    models = [
        _acc("fast", 0.70, throughput_rows_per_s=100_000.0),
        _acc("slow_good", 0.90, throughput_rows_per_s=1_000.0),
        _acc("slow_bad", 0.60, throughput_rows_per_s=500.0),  # slower and worse than both
        _acc("middle", 0.80, throughput_rows_per_s=10_000.0),
    ]
    assert not COST_AXES["throughput_rows_per_s"].lower_is_better
    # Cheapest first: the highest throughput leads.
    assert frontier(models, "accuracy", "throughput_rows_per_s") == ["fast", "middle", "slow_good"]


def test_frontier_on_size_reads_megabytes():
    small, big = _acc("small", 0.7, size_bytes=250_000), _acc("big", 0.8, size_bytes=12_000_000)
    assert cost_value(small, "size_bytes") == pytest.approx(0.25)
    assert cost_value(big, "size_bytes") == pytest.approx(12.0)
    assert cost_value(_acc("x", 0.5, size_bytes=None), "size_bytes") is None
    assert cost_value(small, "latency_ms_p50") == 1.0
    assert COST_AXES["size_bytes"].title == "model size (MB)"
    worse_bigger = _acc("worse_bigger", 0.65, size_bytes=300_000)
    assert frontier([big, worse_bigger, small], "accuracy", "size_bytes") == ["small", "big"]


def test_frontier_ignores_failed_and_unmeasured_models():
    models = [
        _acc("a", 0.70, train_cpu_s=1.0),
        Fake("failed", {"accuracy": 0.99}, status="failed", train_cpu_s=0.1),  # would dominate
        Fake("skipped", {}, status="skipped", train_cpu_s=0.1),
        _acc("no_cost", 0.95, train_cpu_s=None),
        Fake("nan_metric", {"accuracy": math.nan}, train_cpu_s=0.5),
        Fake("other_metric", {"mae": 1.0}, train_cpu_s=0.5),
        _acc("b", 0.80, train_cpu_s=4.0),
    ]
    assert frontier(models, "accuracy", "train_cpu_s") == ["a", "b"]
    assert frontier([], "accuracy", "train_cpu_s") == []


def test_frontier_lower_is_better_metric():
    models = [
        Fake("cheap_rough", {"mae": 9.0}, latency_ms_p50=0.1),
        Fake("mid", {"mae": 5.0}, latency_ms_p50=1.0),
        Fake("dominated", {"mae": 6.0}, latency_ms_p50=2.0),  # slower and larger error than mid
        Fake("precise", {"mae": 2.0}, latency_ms_p50=10.0),
    ]
    assert frontier(models, "mae", "latency_ms_p50") == ["cheap_rough", "mid", "precise"]


def test_frontier_on_serving_cost():
    models = [
        _acc("a", 0.7, usd_per_million_predictions=0.01),
        _acc("b", 0.6, usd_per_million_predictions=0.02),
        _acc("c", 0.8, usd_per_million_predictions=0.05),
    ]
    assert frontier(models, "accuracy", "usd_per_million_predictions") == ["a", "c"]


def test_frontier_of_the_hand_worked_ladder():
    assert frontier(LADDER, "accuracy", "latency_ms_p50") == [
        "dummy",
        "xgboost_small",
        "random_forest_large",
    ]
    assert frontier(LADDER, "accuracy", "size_bytes") == [
        "dummy",
        "simple",
        "xgboost_small",
        "random_forest_large",
    ]


# --- budgets -------------------------------------------------------------------------------------


def test_budget_violations_name_each_limit_with_numbers():
    model = Fake("m", latency_ms_p95=7.5, size_bytes=2_500_000, train_cpu_s=12.34)
    budgets = Budgets(max_latency_ms=5, max_size_mb=1, max_train_s=10)
    assert budgets.violations(model) == [
        "p95 latency 7.5 ms is over 5 ms",
        "size 2.5 MB is over 1 MB",
        "training 12.3 CPU-s is over 10 CPU-s",
    ]
    assert not budgets.fits(model)


def test_budgets_at_the_limit_fit_and_no_limits_always_fit():
    model = Fake("m", latency_ms_p95=5.0, size_bytes=1_000_000, train_cpu_s=10.0)
    assert Budgets(max_latency_ms=5, max_size_mb=1, max_train_s=10).violations(model) == []
    assert Budgets(max_latency_ms=5, max_size_mb=1, max_train_s=10).fits(model)
    huge = Fake("h", latency_ms_p95=1e6, size_bytes=10**12, train_cpu_s=1e6)
    assert Budgets().fits(huge)


def test_budget_latency_is_checked_at_p95_not_p50():
    model = Fake("m", latency_ms_p50=1.0, latency_ms_p95=9.0)
    assert Budgets(max_latency_ms=5).violations(model) == ["p95 latency 9 ms is over 5 ms"]


def test_budgets_to_dict():
    assert Budgets(max_size_mb=2.5).to_dict() == {
        "max_latency_ms": None,
        "max_size_mb": 2.5,
        "max_train_s": None,
    }


# --- cost score, best model, ties ----------------------------------------------------------------


def test_cost_score_geometric_mean_of_ratios_to_cheapest():
    a = Fake("a", latency_ms_p50=1.0, size_bytes=100, train_cpu_s=2.0)
    b = Fake("b", latency_ms_p50=4.0, size_bytes=800, train_cpu_s=2.0)
    assert cost_score(a, [a, b]) == pytest.approx(1.0)
    assert cost_score(b, [a, b]) == pytest.approx((4 * 8 * 1) ** (1 / 3))


def test_cost_score_skips_unmeasured_fields():
    a = Fake("a", latency_ms_p50=1.0, size_bytes=100, train_cpu_s=None)
    b = Fake("b", latency_ms_p50=9.0, size_bytes=None, train_cpu_s=None)
    assert cost_score(b, [a, b]) == pytest.approx(9.0)  # latency is the only shared figure
    nothing = Fake("n", latency_ms_p50=None, size_bytes=None, train_cpu_s=None)
    assert cost_score(nothing, [a, b]) == 1.0


def test_best_model_respects_direction_and_ignores_failures():
    assert best_model(LADDER, "accuracy") is FOREST
    failed_best = Fake("f", {"accuracy": 0.99}, status="failed")
    assert best_model([*LADDER, failed_best], "accuracy") is FOREST
    errors = [Fake("a", {"mae": 3.0}), Fake("b", {"mae": 1.5}), Fake("c", {"mae": 2.0})]
    assert best_model(errors, "mae").name == "b"
    assert best_model([Fake("x", {"accuracy": math.nan})], "accuracy") is None
    tie = [_acc("first", 0.8), _acc("second", 0.8)]
    assert best_model(tie, "accuracy").name == "first"


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [(-0.01, 0.004, True), (0.0, 0.0, True), (-0.08, -0.02, False), (None, 0.1, False)],
)
def test_tied_with_best(low, high, expected):
    model = Fake("m", delta_vs_best_ci_low=low, delta_vs_best_ci_high=high)
    assert tied_with_best(model) is expected


# --- recommend -----------------------------------------------------------------------------------


def test_recommend_academic_is_best_industry_is_cheapest_tied_model():
    rec = recommend(LADDER, "accuracy")
    assert isinstance(rec, Recommendation)
    assert (rec.academic, rec.industry) == ("random_forest_large", "xgboost_small")
    assert rec.academic_sentence == "Random forest (large) has the best accuracy: 85.0%."
    # gap 0.850 - 0.847 = 0.3 points; latency 20 / 0.5 = 40x; size 6 MB / 0.5 MB = 12x;
    # training 20 s / 1 s = 20x.
    assert rec.sentence == (
        "XGBoost (small) (accuracy 84.7%) is within 0.3 points of the best model, "
        "Random forest (large) (85.0%), a difference within the uncertainty, "
        "40× faster per prediction, 12× smaller and 20× cheaper to train."
    )
    assert rec.budgets == Budgets()
    assert rec.to_dict()["industry"] == "xgboost_small"


def test_recommend_sentence_lists_only_real_savings():
    # Tied and cheaper overall, as fast per prediction (said so) and only 1.2x smaller (not said).
    pick = replace(XGB, latency_ms_p50=20.0, size_bytes=5_000_000, train_cpu_s=2.5)
    rec = recommend([DUMMY, SIMPLE, pick, FOREST], "accuracy")
    assert rec.industry == "xgboost_small"
    assert rec.sentence == (
        "XGBoost (small) (accuracy 84.7%) is within 0.3 points of the best model, "
        "Random forest (large) (85.0%), a difference within the uncertainty, "
        "about as fast per prediction and 8.0× cheaper to train."
    )


def test_recommend_best_outside_budgets_picks_a_tied_model_within_them():
    rec = recommend(LADDER, "accuracy", Budgets(max_latency_ms=10))
    assert (rec.academic, rec.industry) == ("random_forest_large", "xgboost_small")
    assert rec.budgets == Budgets(max_latency_ms=10)


def test_recommend_best_outside_budgets_and_no_tied_model_within_them():
    rec = recommend(LADDER, "accuracy", Budgets(max_size_mb=0.1))
    assert (rec.academic, rec.industry) == ("random_forest_large", "simple")
    # gap 0.85 - 0.80 = 5.0 points; latency 20 / 0.5 = 40x; size 6 MB / 2 kB = 3000x;
    # training 20 s / 0.1 s = 200x.
    assert rec.sentence == (
        "Within the budgets, Simple baseline (linear) is the most accurate (accuracy 80.0%): "
        "5.0 points below the best model, Random forest (large), which does not fit the "
        "budgets, 40× faster per prediction, 3000× smaller and 200× cheaper to train."
    )


def test_recommend_best_is_the_industry_pick_when_nothing_cheaper_is_tied():
    alone = replace(XGB, delta_vs_best_ci_low=-0.03, delta_vs_best_ci_high=-0.001)
    rec = recommend([DUMMY, SIMPLE, alone, FOREST], "accuracy")
    assert (rec.academic, rec.industry) == ("random_forest_large", "random_forest_large")
    assert rec.sentence == (
        "Random forest (large) is the most accurate model (accuracy 85.0%) and no cheaper "
        "model is statistically as good, so it is also the industry pick."
    )


def test_recommend_when_nothing_beats_the_baseline():
    models = [replace(m, beats_baseline=False) for m in LADDER]
    rec = recommend(models, "accuracy")
    assert (rec.academic, rec.industry) == ("random_forest_large", None)
    assert rec.sentence == (
        "No model predicts better than always guessing the most common class (the dummy "
        "baseline) on accuracy: every difference is within the uncertainty, judged for all the "
        "models at once. Don't ship a model yet: the data may not hold a usable signal for this "
        "target, or it needs more rows."
    )
    assert rec.academic_sentence == "Random forest (large) has the best accuracy: 85.0%."
    mae = [replace(m, beats_baseline=False, metrics={"mae": 3.0}) for m in LADDER[:2]]
    assert "better than always predicting the average (the dummy baseline) on mean absolute" in (
        recommend(mae, "mae").sentence
    )


def test_recommend_when_no_model_fits_the_budgets():
    rec = recommend(LADDER, "accuracy", Budgets(max_latency_ms=0.5, max_train_s=0.05))
    assert (rec.academic, rec.industry) == ("random_forest_large", None)
    # Every model that beats the baseline breaks both limits; the first of them is named.
    assert rec.sentence == (
        "No model that beats the baseline fits the budgets. The closest, Simple baseline "
        "(linear), fails because its p95 latency 0.8 ms is over 0.5 ms; "
        "training 0.1 CPU-s is over 0.05 CPU-s."
    )
    assert rec.academic_sentence == "Random forest (large) has the best accuracy: 85.0%."


def test_recommend_when_no_model_fits_names_the_one_with_fewest_violations():
    quick = replace(XGB, latency_ms_p95=0.6)
    rec = recommend([DUMMY, SIMPLE, quick, FOREST], "accuracy", Budgets(0.7, 0.01))
    # simple breaks one limit (p95 0.8 ms; its 2 kB fit), XGBoost one (0.5 MB), the forest two:
    # the first of those with one violation is named.
    assert rec.industry is None
    assert rec.sentence == (
        "No model that beats the baseline fits the budgets. The closest, Simple baseline "
        "(linear), fails because its p95 latency 0.8 ms is over 0.7 ms."
    )
    rec = recommend([DUMMY, SIMPLE, quick, FOREST], "accuracy", Budgets(0.7, 0.001))
    # Now simple breaks two limits (0.8 ms, 2 kB) and XGBoost only the size one.
    assert rec.sentence == (
        "No model that beats the baseline fits the budgets. The closest, XGBoost (small), "
        "fails because its size 0.5 MB is over 0.001 MB."
    )


def test_size_violation_message_shows_a_size_above_the_limit():
    (message,) = Budgets(max_size_mb=0.001).violations(Fake("m", size_bytes=2_000))
    shown = float(message.split()[1])
    assert shown > 0.001


@pytest.mark.parametrize("status", ["failed", "skipped"])
def test_recommend_when_nothing_finished(status):
    models = [replace(m, status=status) for m in LADDER]
    rec = recommend(models, "accuracy", Budgets(max_latency_ms=1))
    message = "No model finished, so there is nothing to recommend. See each model's reason."
    assert rec == Recommendation(None, None, message, message, Budgets(max_latency_ms=1))
    assert recommend([], "accuracy").industry is None


def test_recommend_lower_is_better_metric():
    models = [
        Fake("dummy", {"mae": 9.0}, label="Dummy baseline", beats_baseline=False),
        Fake(
            "small",
            {"mae": 4.1},
            label="Small",
            delta_vs_best_ci_low=-0.2,
            delta_vs_best_ci_high=0.5,
            latency_ms_p50=0.2,
            size_bytes=10_000,
            train_cpu_s=0.5,
        ),
        Fake(
            "big",
            {"mae": 4.0},
            label="Big",
            delta_vs_best_ci_low=0.0,
            delta_vs_best_ci_high=0.0,
            latency_ms_p50=3.0,
            size_bytes=1_000_000,
            train_cpu_s=5.0,
        ),
    ]
    rec = recommend(models, "mae")
    assert (rec.academic, rec.industry) == ("big", "small")
    assert rec.academic_sentence == "Big has the best mean absolute error: 4."
    assert rec.sentence == (
        "Small (mean absolute error 4.1) is within 0.1 target units of the best model, Big (4), "
        "a difference within the uncertainty, 15× faster per prediction, 100× smaller and "
        "10× cheaper to train."
    )


def test_recommend_does_not_blame_budgets_when_none_are_set():
    unclear_best = replace(FOREST, beats_baseline=False)
    not_tied = replace(XGB, delta_vs_best_ci_low=-0.03, delta_vs_best_ci_high=-0.001)
    rec = recommend([DUMMY, SIMPLE, not_tied, unclear_best], "accuracy")
    assert rec.industry == "xgboost_small"
    assert "does not fit the budgets" not in rec.sentence


def test_the_best_score_states_its_selection_optimism() -> None:
    best = replace(_acc("forest", 0.84), selection_tied=11, selection_optimism=0.0149)
    sentence = recommend([best], "accuracy").academic_sentence
    assert sentence == (
        "Forest has the best accuracy: 84.0%, the best of 11 models statistically tied on "
        "these rows; expect about 1.5 points less on new data."
    )
    alone = replace(best, selection_tied=1)
    assert (
        recommend([alone], "accuracy").academic_sentence == "Forest has the best accuracy: 84.0%."
    )
    lucky_by_nothing = replace(best, selection_optimism=0.0004)
    assert "expect" not in recommend([lucky_by_nothing], "accuracy").academic_sentence
    mae = replace(
        _acc("ridge", 0.0), metrics={"mae": 3.0}, selection_tied=3, selection_optimism=0.25
    )
    assert (
        "expect about 0.25 target units more on new data"
        in recommend([mae], "mae").academic_sentence
    )
