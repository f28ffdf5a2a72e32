"""Frontiers, budgets and money of ``core.pareto`` (the decision is tested in test_decision)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pytest

from core.pareto import (
    COST_AXES,
    DEFAULT_USD_PER_VCPU_HOUR,
    Budgets,
    best_model,
    cost_value,
    format_gap,
    format_metric,
    frontier,
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
        ("rmse", 1234.5, "1,230"),
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
