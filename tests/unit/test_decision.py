"""The one decision (core.decision): the rule on hand-built ladders, and its claims in simulation.

Every "cheaper" the decision acts on is a statistical claim about noisy measurements: the
simulations below give two models the same true cost and check how often a saving is claimed
(at most 5%), and give one a true saving and check that it is found.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pytest

from core.decision import (
    DEFAULT_COST,
    NET_VALUE,
    TRAIN_CPU_LOG_SD,
    Choices,
    Decision,
    allowed_gap,
    axis_pick_words,
    chart_models,
    cost_ratio,
    decide,
    decide_for_axis,
    pair_text,
    ratio_phrase,
    rule_words,
    tolerance_text,
)
from core.economics import BusinessInputs
from core.errors import ConfigError
from core.measure import quantile_interval
from core.pareto import COST_AXES, Budgets, NetValued, cost_value, frontier
from core.study import StudyResult
from core.units import format_times

#: Per-round factors shared by every model (background load moves them alike).
ROUNDS = (0.98, 1.0, 1.03, 0.99, 1.01)


@dataclass
class Fake:
    """The fields of ``core.study.ModelResult`` the decision reads."""

    name: str
    metrics: dict[str, float] = field(default_factory=dict)
    label: str = ""
    status: str = "ok"
    neural: bool = False
    beats_baseline: bool | None = True
    tied_with_best: bool | None = True
    delta_vs_best_ci_low: float | None = None
    delta_vs_best_ci_high: float | None = None
    delta_vs_simple: float | None = None
    delta_vs_simple_ci_low: float | None = None
    delta_vs_simple_ci_high: float | None = None
    beats_simple_baseline: bool | None = None
    train_cpu_s: float | None = 1.0
    latency_ms_p50: float | None = 1.0
    latency_ms_p95: float | None = 2.0
    latency_ms_p95_ci: list[float] | None = None
    throughput_rows_per_s: float | None = 1000.0
    size_bytes: int | None = 1_000_000
    usd_per_million_predictions: float | None = None
    usd_per_million_online_predictions: float | None = None
    round_p50_ms: list[float] | None = None
    round_mean_ms: list[float] | None = None
    round_throughput: list[float] | None = None
    selection_tied: int | None = None
    selection_optimism: float | None = None

    def __post_init__(self) -> None:
        self.label = self.label or self.name.replace("_", " ").capitalize()
        if self.round_p50_ms is None and self.latency_ms_p50 is not None:
            self.round_p50_ms = [self.latency_ms_p50 * f for f in ROUNDS]
        if self.round_mean_ms is None and self.round_p50_ms is not None:
            self.round_mean_ms = [v * 1.1 for v in self.round_p50_ms]
        if self.round_throughput is None and self.throughput_rows_per_s is not None:
            self.round_throughput = [self.throughput_rows_per_s / f for f in ROUNDS]
        if self.latency_ms_p95_ci is None and self.latency_ms_p95 is not None:
            self.latency_ms_p95_ci = [self.latency_ms_p95 * 0.95, self.latency_ms_p95 * 1.05]
        if self.throughput_rows_per_s and self.usd_per_million_predictions is None:
            self.usd_per_million_predictions = 1e6 / self.throughput_rows_per_s / 3600 * 0.045
        if self.latency_ms_p50 and self.usd_per_million_online_predictions is None:
            self.usd_per_million_online_predictions = 1.1 * self.latency_ms_p50 / 3600 * 45

    def again(self, **changes: Any) -> Fake:
        """A copy with other figures; the per-round figures follow them unless given."""
        derived = ("round_p50_ms", "round_mean_ms", "round_throughput", "latency_ms_p95_ci")
        base = {k: None for k in derived if k not in changes}
        return replace(self, **base, **changes)


@dataclass
class _Config:
    budgets: Budgets = field(default_factory=Budgets)


@dataclass
class FakeStudy:
    """The parts of a study the measured-cost decision reads."""

    models: list[Fake]
    primary_metric: str = "accuracy"
    config: _Config = field(default_factory=_Config)


def _decide(models: list[Fake], metric: str = "accuracy", **choices: Any) -> Decision:
    return decide(FakeStudy(models, metric), Choices(**choices))  # type: ignore[arg-type]


# The forest is best; XGBoost is statistically tied with it, 0.3 points behind and far cheaper.
DUMMY = Fake(
    "dummy",
    {"accuracy": 0.60},
    label="Dummy baseline",
    beats_baseline=False,
    tied_with_best=False,
    train_cpu_s=0.01,
    latency_ms_p50=0.1,
    latency_ms_p95=0.2,
    size_bytes=1_000,
)
SIMPLE = Fake(
    "simple",
    {"accuracy": 0.80},
    label="Simple baseline (linear)",
    tied_with_best=False,
    train_cpu_s=0.1,
    latency_ms_p50=0.5,
    latency_ms_p95=0.8,
    size_bytes=2_000,
)
XGB = Fake(
    "xgboost_small",
    {"accuracy": 0.847},
    label="XGBoost (small)",
    train_cpu_s=1.0,
    latency_ms_p50=0.5,
    latency_ms_p95=0.9,
    throughput_rows_per_s=20_000.0,
    size_bytes=500_000,
    delta_vs_simple=0.047,
    delta_vs_simple_ci_low=0.01,
    delta_vs_simple_ci_high=0.08,
    beats_simple_baseline=True,
)
FOREST = Fake(
    "random_forest_large",
    {"accuracy": 0.850},
    label="Random forest (large)",
    train_cpu_s=20.0,
    latency_ms_p50=20.0,
    latency_ms_p95=30.0,
    throughput_rows_per_s=2_000.0,
    size_bytes=6_000_000,
    delta_vs_simple=0.05,
    delta_vs_simple_ci_low=0.02,
    delta_vs_simple_ci_high=0.08,
    beats_simple_baseline=True,
)
LADDER = [DUMMY, SIMPLE, XGB, FOREST]


# --- the rule, by hand ---------------------------------------------------------------------------


def test_a_tied_model_materially_cheaper_on_the_named_cost_is_the_pick() -> None:
    d = _decide(LADDER)
    assert (d.academic, d.industry, d.kind, d.cost) == (
        "random_forest_large",
        "xgboost_small",
        "saving",
        DEFAULT_COST,
    )
    assert d.academic_sentence == "Random forest (large) has the best accuracy: 85.0%."
    # 20 ms / 0.5 ms = 40x per prediction; 6 MB / 0.5 MB = 12x; 20 CPU-s / 1 CPU-s = 20x;
    # the forest scores 2,000 rows/s against 20,000: 10x dearer in batches.
    assert d.sentence.startswith(
        "Judged on p50 latency per row: XGBoost (small) (accuracy 84.7%) is within 0.3 points "
        "of the most accurate model, Random forest (large) (85.0%), a difference within the "
        "uncertainty, and 40× faster per prediction (0.5 ms vs 20 ms), the cost it was chosen "
        "on. It is also "
    )
    for phrase in ("12× smaller", "20× cheaper to train", "10× cheaper to serve in batches"):
        assert phrase in d.sentence
    assert d.reference == "random_forest_large"
    document = d.to_dict()
    assert document["industry"] == "xgboost_small"
    assert document["cost"] == DEFAULT_COST
    p50 = next(r for r in document["ratios"] if r["axis"] == "latency_ms_p50")
    assert p50["ratio"] == pytest.approx(0.5 / 20.0)
    assert p50["clear"] is True


def test_a_pick_that_is_worse_on_an_axis_says_so() -> None:
    big = XGB.again(size_bytes=9_000_000)  # faster, but 1.5x larger than the forest
    d = _decide([DUMMY, SIMPLE, big, FOREST])
    assert d.industry == "xgboost_small"
    assert "it is 1.5× larger" in d.sentence


def test_no_saving_within_the_tolerance_keeps_the_best() -> None:
    d = _decide(LADDER, tolerance=0.2)  # XGBoost is 0.3 points behind
    assert (d.industry, d.kind) == ("random_forest_large", "best")
    assert "No other model statistically tied with the best is within 0.2 points" in d.sentence
    assert d.reference is None


def test_a_model_outside_the_tie_set_never_replaces_the_best() -> None:
    alone = XGB.again(tied_with_best=False)
    assert _decide([DUMMY, SIMPLE, alone, FOREST]).industry == "random_forest_large"


def test_a_saving_under_the_materiality_keeps_the_best() -> None:
    near = XGB.again(latency_ms_p50=17.0)  # 15% faster, clear of the noise
    d = _decide([DUMMY, SIMPLE, near, FOREST])
    assert (d.industry, d.kind) == ("random_forest_large", "best")
    assert "No model saves at least 20% on p50 latency per row" in d.sentence
    assert "the only other model within 1 point, XGBoost (small) (84.7%)" in d.sentence
    assert "a saving under 20%" in d.sentence
    assert _decide([DUMMY, SIMPLE, near, FOREST], materiality=0.1).industry == "xgboost_small"


def test_a_saving_within_the_noise_is_no_saving() -> None:
    noisy = XGB.again(latency_ms_p50=12.0, round_p50_ms=[4.0, 30.0, 6.0, 25.0, 5.0])
    d = _decide([DUMMY, SIMPLE, noisy, FOREST])
    assert d.industry == "random_forest_large"
    assert "is about as fast per prediction (12 ms vs 20 ms): the difference is within the " in (
        d.sentence
    )


def test_budgets_make_the_most_accurate_within_them_the_top() -> None:
    d = _decide(LADDER, budgets=Budgets(max_latency_ms=10))
    assert (d.academic, d.industry, d.kind) == (
        "random_forest_large",
        "xgboost_small",
        "within_budgets",
    )
    assert "Random forest (large) (85.0%), does not fit the budgets (p95 latency 30 ms" in (
        d.sentence
    )
    assert "Within the budgets, XGBoost (small) is the most accurate" in d.sentence


def test_cost_ties_within_the_noise_go_to_the_more_accurate_then_the_simpler_model() -> None:
    # Two savers, 20x cheaper than the forest, their latencies within noise of each other: the
    # more accurate is the pick whichever looks faster on these rounds; at equal accuracy, the
    # simpler (earlier in the ladder).
    for slow, fast in ((0.52, 0.50), (0.50, 0.52)):
        for accuracy, expected in ((0.848, "decision_tree"), (0.846, "xgboost_small")):
            tree = Fake(
                "decision_tree",
                {"accuracy": accuracy},
                latency_ms_p50=slow,
                round_p50_ms=[slow * f for f in (0.9, 1.1, 1.0, 0.95, 1.05)],
            )
            boost = XGB.again(
                latency_ms_p50=fast,
                round_p50_ms=[fast * f for f in (1.1, 0.9, 1.02, 1.0, 0.97)],
            )
            assert _decide([DUMMY, SIMPLE, tree, boost, FOREST]).industry == expected
        same = Fake(
            "decision_tree",
            {"accuracy": 0.847},
            latency_ms_p50=slow,
            round_p50_ms=[slow * f for f in (0.9, 1.1, 1.0, 0.95, 1.05)],
        )
        boost = XGB.again(latency_ms_p50=fast, round_p50_ms=[fast * f for f in ROUNDS])
        assert _decide([DUMMY, SIMPLE, same, boost, FOREST]).industry == "decision_tree"


def test_a_saving_lost_in_the_noise_never_takes_the_star() -> None:
    # XGBoost is more accurate and cheaper than the tree on points, but its rounds are so noisy
    # that its saving is not clear: the tree, a clear saver, is the pick.
    tree = Fake("decision_tree", {"accuracy": 0.846}, latency_ms_p50=0.5)
    shaky = XGB.again(
        metrics={"accuracy": 0.848},
        latency_ms_p50=0.4,
        round_p50_ms=[0.01, 5.0, 0.02, 9.0, 0.03],
    )
    d = _decide([DUMMY, SIMPLE, tree, shaky, FOREST])
    assert d.industry == "decision_tree"
    assert "40× faster per prediction (0.5 ms vs 20 ms), the cost it was chosen on" in (d.sentence)
    # A network tied with the forest and as fast within the noise does not replace it.
    net = MLP.again(latency_ms_p50=19.5, round_p50_ms=[10.0, 30.0, 12.0, 28.0, 19.0])
    d = _decide([DUMMY, SIMPLE, XGB.again(tied_with_best=False), FOREST, net])
    assert (d.industry, d.kind) == ("random_forest_large", "not_neural")


def test_a_ratio_clear_alone_but_not_across_the_candidates_is_said_so() -> None:
    # Five models within 1 point; the cheapest is 2x faster on these rounds, but the interval
    # at the Bonferroni level over the five holds 1.
    rounds = [4.37, 15.7, 5.5, 13.0, 10.1]
    shaky = XGB.again(latency_ms_p50=9.9, round_p50_ms=rounds)
    copies = [
        Fake(f"copy{i}", {"accuracy": 0.846}, latency_ms_p50=25.0 + i, label=f"Copy {i}")
        for i in range(4)
    ]
    d = _decide([DUMMY, SIMPLE, shaky, *copies, FOREST])
    assert d.industry == "random_forest_large"
    assert "on these rounds" in d.sentence
    assert "but not clear of the noise once 5 models are compared" in d.sentence


def test_the_star_is_never_beaten_on_both_axes_by_a_model_of_the_tie_set() -> None:
    # The simpler saver is tied on cost with a more accurate one that is also faster on points:
    # the star goes to the one that beats it on both axes.
    tree = Fake(
        "decision_tree",
        {"accuracy": 0.846},
        latency_ms_p50=0.55,
        round_p50_ms=[0.55 * f for f in (0.8, 1.2, 1.0, 0.9, 1.1)],
    )
    d = _decide([DUMMY, SIMPLE, tree, XGB, FOREST])
    assert d.industry == "xgboost_small"
    models = [DUMMY, SIMPLE, tree, XGB, FOREST]
    for axis in COST_AXES:
        on_axis = _decide(models, cost=axis)
        pick = next(m for m in models if m.name == on_axis.industry)
        _never_beaten_on_both(pick, models, axis)


def _never_beaten_on_both(pick: Any, models: list[Any], axis: str) -> None:
    cost = cost_value(pick, axis)
    higher = COST_AXES[axis].lower_is_better is False
    for m in models:
        if m is pick or not m.tied_with_best or not m.beats_baseline:
            continue
        better_metric = m.metrics["accuracy"] > pick.metrics["accuracy"]
        other = cost_value(m, axis)
        cheaper = (
            other is not None and cost is not None and (other > cost if higher else other < cost)
        )
        assert not (better_metric and cheaper), (axis, pick.name, m.name)


def test_each_named_cost_is_judged_on_its_own_figures() -> None:
    models = [DUMMY, SIMPLE, XGB, FOREST]
    assert _decide(models, cost="size_bytes").industry == "xgboost_small"  # 12x smaller
    assert _decide(models, cost="train_cpu_s").industry == "xgboost_small"  # 20x, clear
    # Throughput is the batch cost: XGBoost scores 10x more rows a second.
    assert _decide(models, cost="throughput_rows_per_s").industry == "xgboost_small"
    assert _decide(models, cost="usd_per_million_predictions").industry == "xgboost_small"
    # Same size: no saving on size, so the best stays the pick on that cost only.
    same_size = XGB.again(size_bytes=5_500_000)
    d = _decide([DUMMY, SIMPLE, same_size, FOREST], cost="size_bytes")
    assert d.industry == "random_forest_large"
    assert "the same size" in d.sentence or "a saving under 20%" in d.sentence


def test_no_signal_means_do_not_ship_a_model_yet() -> None:
    models = [m.again(beats_baseline=False) for m in LADDER]
    d = _decide(models)
    assert (d.academic, d.industry, d.kind) == ("random_forest_large", None, "no_signal")
    assert d.sentence.startswith(
        "Don't ship a model yet: no model predicts better than always guessing the most common "
        "class (the dummy baseline) on accuracy."
    )
    assert d.academic_sentence == "Random forest (large) has the best accuracy: 85.0%."
    assert _decide(models, cost="size_bytes").sentence == d.sentence  # the same everywhere


def test_no_model_within_the_budgets_names_the_closest() -> None:
    d = _decide(LADDER, budgets=Budgets(max_latency_ms=0.5, max_train_s=0.05))
    assert (d.industry, d.kind) == (None, "no_fit")
    assert d.sentence == (
        "No model that beats the dummy baseline fits the budgets. The closest, Simple baseline "
        "(linear), fails because its p95 latency 0.8 ms is over 0.5 ms; training 0.1 CPU-s is "
        "over 0.05 CPU-s."
    )


@pytest.mark.parametrize("status", ["failed", "skipped"])
def test_nothing_finished(status: str) -> None:
    d = _decide([m.again(status=status) for m in LADDER])
    assert (d.industry, d.academic, d.kind) == (None, None, "nothing")


def test_a_lower_is_better_metric_gives_up_a_share_of_the_error() -> None:
    small = Fake("small", {"mae": 4.03}, latency_ms_p50=0.2)
    big = Fake("big", {"mae": 4.0}, latency_ms_p50=3.0)
    dummy = Fake("dummy", {"mae": 9.0}, beats_baseline=False, tied_with_best=False)
    assert allowed_gap("mae", 4.0, 1.0) == pytest.approx(0.04)
    assert tolerance_text("mae", 1.0) == "1% more mean absolute error"
    d = _decide([dummy, small, big], "mae")
    assert (d.academic, d.industry) == ("big", "small")
    assert "within 0.03 target units of the most accurate model, Big (4)" in d.sentence
    assert _decide([dummy, small, big], "mae", tolerance=0.5).industry == "big"


# A neural network with the best score, statistically tied with a simpler model within 1 point.
MLP = Fake(
    "mlp_small",
    {"accuracy": 0.855},
    label="Neural network (small)",
    neural=True,
    train_cpu_s=40.0,
    latency_ms_p50=30.0,
    latency_ms_p95=45.0,
    size_bytes=3_000_000,
)


def test_deep_learning_must_be_clearly_better_to_be_worth_it() -> None:
    d = _decide([DUMMY, SIMPLE, XGB, FOREST, MLP], cost="size_bytes")
    # The forest (85.0%) is tied with the network (85.5%) and within 1 point: it takes the
    # network's place; then XGBoost, 12x smaller than the forest, saves on size.
    assert (d.academic, d.industry, d.kind) == ("mlp_small", "xgboost_small", "saving")
    assert d.sentence.startswith(
        "Deep learning must be clearly better to be worth it: Neural network (small) has the "
        "best accuracy (85.5%) but is statistically tied with Random forest (large) (85.0%). "
        "Judged on model size: XGBoost (small) (accuracy 84.7%) is within 0.3 points of the "
        "most accurate model that is not a neural network, Random forest (large) (85.0%)"
    )
    lone_forest = [DUMMY, SIMPLE, XGB.again(tied_with_best=False), FOREST, MLP]
    d = _decide(lone_forest, cost="latency_ms_p50")
    assert (d.industry, d.kind) == ("random_forest_large", "not_neural")
    assert "Random forest (large) is the most accurate model that is not a neural network" in (
        d.sentence
    )
    # Clearly better (nothing simpler is tied with it): the network is the pick.
    alone = [DUMMY, SIMPLE, XGB.again(tied_with_best=False), FOREST.again(tied_with_best=False)]
    assert _decide([*alone, MLP]).industry == "mlp_small"
    # Tied, but more accurate and cheaper on the named cost than the simpler model: it pays.
    small_mlp = MLP.again(latency_ms_p50=5.0, latency_ms_p95=8.0)
    d = _decide([DUMMY, SIMPLE, XGB.again(tied_with_best=False), FOREST, small_mlp])
    assert (d.industry, d.kind) == ("mlp_small", "best")
    assert "4.0× faster per prediction than Random forest (large) (85.0%), the most accurate" in (
        d.sentence
    )


def test_the_best_score_states_its_selection_optimism() -> None:
    best = FOREST.again(selection_tied=11, selection_optimism=0.0149)
    d = _decide([DUMMY, SIMPLE, best])
    assert d.academic_sentence == (
        "Random forest (large) has the best accuracy: 85.0%, the best of 11 models "
        "statistically tied on these rows; expect about 1.5 points less on new data."
    )


def test_choices_are_checked_with_a_message_that_says_what_to_do() -> None:
    with pytest.raises(ConfigError, match="must be one of latency_ms_p50"):
        Choices(cost="speed")
    with pytest.raises(ConfigError, match="needs your business numbers"):
        Choices(cost=NET_VALUE)
    with pytest.raises(ConfigError, match="give up must be zero or more; got -1"):
        Choices(tolerance=-1)
    with pytest.raises(ConfigError, match="from 0 to under 1"):
        Choices(materiality=1.0)


def test_the_rule_and_other_axes_in_words() -> None:
    study = FakeStudy(LADDER)
    d = decide(study, Choices(budgets=Budgets(max_size_mb=10)))  # type: ignore[arg-type]
    assert "gives up at most 1 point of accuracy" in rule_words("accuracy", d)
    assert "size at most 10 MB" in rule_words("accuracy", d)
    same = decide_for_axis(study, d, "size_bytes")  # type: ignore[arg-type]
    assert same.industry == d.industry
    assert "the pick is the same" in axis_pick_words(study, d, same)  # type: ignore[arg-type]
    fat = XGB.again(size_bytes=7_000_000)
    other_study = FakeStudy([DUMMY, SIMPLE, fat, FOREST])
    d2 = decide(other_study)  # type: ignore[arg-type]
    on_size = decide_for_axis(other_study, d2, "size_bytes")  # type: ignore[arg-type]
    assert on_size.industry != d2.industry
    assert "the pick would be Random forest (large)" in axis_pick_words(
        other_study,  # type: ignore[arg-type]
        d2,
        on_size,
    )


# --- cost ratios ---------------------------------------------------------------------------------


def test_cost_ratios_on_each_axis() -> None:
    a = Fake("a", latency_ms_p50=1.0, throughput_rows_per_s=4000.0, size_bytes=1000)
    b = Fake("b", latency_ms_p50=2.0, throughput_rows_per_s=1000.0, size_bytes=3000)
    p50 = cost_ratio(a, b, "latency_ms_p50")
    assert p50.value == pytest.approx(0.5)
    assert p50.clear
    assert cost_ratio(a, b, "throughput_rows_per_s").value == pytest.approx(0.25)  # 1 / tput
    assert cost_ratio(a, b, "usd_per_million_predictions").value == pytest.approx(0.25)
    size = cost_ratio(a, b, "size_bytes")
    assert (size.value, size.low, size.high) == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    # p95: clear only when the two order-statistic intervals do not overlap.
    c = Fake("c", latency_ms_p95=2.0, latency_ms_p95_ci=[1.8, 2.4])
    d = Fake("d", latency_ms_p95=2.5, latency_ms_p95_ci=[2.3, 2.9])
    assert not cost_ratio(c, d, "latency_ms_p95").clear
    e = Fake("e", latency_ms_p95=4.0, latency_ms_p95_ci=[3.5, 4.5])
    assert cost_ratio(c, e, "latency_ms_p95").clear
    # Training: one measurement each, with its run-to-run noise.
    t = cost_ratio(Fake("t", train_cpu_s=1.0), Fake("u", train_cpu_s=1.2), "train_cpu_s")
    assert not t.clear
    assert t.high / t.value == pytest.approx(math.exp(1.96 * math.sqrt(2) * TRAIN_CPU_LOG_SD), 1e-3)
    # Unknown rounds: nothing to judge.
    old = Fake("old", latency_ms_p50=1.0)
    old.round_p50_ms = None
    assert not cost_ratio(old, b, "latency_ms_p50").known


def test_ratio_phrases_state_a_ratio_only_when_it_is_clear() -> None:
    a, b = Fake("a", latency_ms_p50=1.0), Fake("b", latency_ms_p50=3.2)
    assert ratio_phrase(cost_ratio(a, b, "latency_ms_p50")) == "3.2× faster per prediction"
    assert ratio_phrase(cost_ratio(b, a, "latency_ms_p50")) == "3.2× slower per prediction"
    noisy = Fake("n", latency_ms_p50=1.5, round_p50_ms=[0.5, 3.0, 1.0, 2.5, 0.8])
    assert ratio_phrase(cost_ratio(noisy, a, "latency_ms_p50")) == "about as fast per prediction"
    close = Fake("c", size_bytes=1_050_000)
    assert ratio_phrase(cost_ratio(close, Fake("d"), "size_bytes")) == "about the same size"


# --- claims in simulation ------------------------------------------------------------------------


def _rounds(rng: np.random.Generator, shared: np.ndarray, true_ms: float, sd: float) -> list[float]:
    return list(true_ms * shared * np.exp(rng.normal(0.0, sd, len(shared))))


def _latency_world(rng: np.random.Generator, costs: list[float], n_rounds: int) -> list[Fake]:
    """A best model (cost 1 ms) and tied candidates, measured in ``n_rounds`` rounds: each
    round's background load moves every model alike (shared), each call has its own noise."""
    shared = np.exp(rng.normal(0.0, 0.3, n_rounds))
    top = Fake("top", {"accuracy": 0.90}, latency_ms_p50=1.0)
    top.round_p50_ms = _rounds(rng, shared, 1.0, 0.08)
    models = [Fake("dummy", {"accuracy": 0.5}, beats_baseline=False, tied_with_best=False)]
    for i, cost in enumerate(costs):
        m = Fake(f"m{i}", {"accuracy": 0.899}, latency_ms_p50=cost)
        m.round_p50_ms = _rounds(rng, shared, cost, 0.08)
        m.latency_ms_p50 = float(np.exp(np.mean(np.log(m.round_p50_ms))))
        models.append(m)
    top.latency_ms_p50 = float(np.exp(np.mean(np.log(top.round_p50_ms))))
    return [*models, top]


@pytest.mark.parametrize("n_candidates", [1, 5])
def test_no_saving_is_claimed_between_models_of_equal_cost(n_candidates: int) -> None:
    # Worst case: any saving counts (materiality 0). Truth: every model costs the same.
    rng = np.random.default_rng(20261201)
    trials, claimed = 400, 0
    for _ in range(trials):
        models = _latency_world(rng, [1.0] * n_candidates, int(rng.integers(5, 16)))
        claimed += _decide(models, materiality=0.0).industry != "top"
    assert claimed / trials <= 0.05, claimed / trials


def test_a_true_saving_is_found() -> None:
    rng = np.random.default_rng(7)
    trials = 200
    found = sum(_decide(_latency_world(rng, [0.5], 5)).industry == "m0" for _ in range(trials))
    assert found / trials >= 0.95, found / trials


def test_a_cost_tie_goes_to_the_simpler_model_whatever_the_noise() -> None:
    # Two candidates of equal true cost, both 2x cheaper than the best: the simpler one (listed
    # first) is the pick, not whichever the noise makes look faster.
    rng = np.random.default_rng(11)
    trials = 300
    simpler = sum(
        _decide(_latency_world(rng, [0.5, 0.5], 8)).industry == "m0" for _ in range(trials)
    )
    assert simpler / trials >= 0.93, simpler / trials


def test_training_cpu_noise_does_not_make_a_saving() -> None:
    # One CPU-time measurement per model with the run-to-run spread measured on this machine
    # (log sd up to 0.07, a bad one 0.19): equal truth must not give a saving.
    rng = np.random.default_rng(3)
    trials, claimed = 400, 0
    for _ in range(trials):
        sd = 0.19 if rng.random() < 0.1 else 0.07
        top = Fake("top", {"accuracy": 0.9}, train_cpu_s=float(np.exp(rng.normal(0, sd))))
        other = Fake("m", {"accuracy": 0.9}, train_cpu_s=float(np.exp(rng.normal(0, sd))))
        dummy = Fake("dummy", {"accuracy": 0.5}, beats_baseline=False, tied_with_best=False)
        d = _decide([dummy, other, top], cost="train_cpu_s", materiality=0.0)
        claimed += d.industry == "m" and d.kind == "saving"
    assert claimed / trials <= 0.05, claimed / trials


def test_p95_from_calls_of_one_distribution_is_no_saving() -> None:
    rng = np.random.default_rng(5)
    trials, claimed = 300, 0
    for _ in range(trials):
        models = [Fake("dummy", {"accuracy": 0.5}, beats_baseline=False, tied_with_best=False)]
        for name in ("m", "top"):
            calls = rng.lognormal(0.0, 0.4, int(rng.integers(30, 151)))
            value, low, high = quantile_interval(calls, 0.95)
            models.append(
                Fake(name, {"accuracy": 0.9}, latency_ms_p95=value, latency_ms_p95_ci=[low, high])
            )
        d = _decide(models, cost="latency_ms_p95", materiality=0.0)
        claimed += d.kind == "saving"
    assert claimed / trials <= 0.05, claimed / trials


# --- a real study: the same pick in every document, and net value -------------------------------


def test_results_json_names_the_decision(small_binary_study: StudyResult) -> None:
    from core.results import to_dict

    study = small_binary_study
    for axis in COST_AXES:
        d = decide(study, Choices(cost=axis))
        assert to_dict(study, d)["recommendation"] == d.to_dict()
    assert to_dict(study)["recommendation"] == study.decision.to_dict()


def test_net_value_decides_once_business_numbers_are_given(
    small_binary_study: StudyResult,
) -> None:
    study = small_binary_study
    inputs = BusinessInputs(cost_false_negative_usd=5.0, cost_false_positive_usd=1.0)
    d = decide(study, Choices(cost=NET_VALUE, business=inputs))
    assert d.based_on_business
    assert d.cost_label == "net value"
    ok = {m.name for m in study.ok_models if m.beats_baseline}
    if d.industry is None:
        assert d.kind in ("no_signal", "nothing")
        return
    assert d.industry in ok
    assert d.sentence.startswith("Based on your business numbers, at 1M predictions a month: ")
    assert d.net_usd_per_month is not None
    assert "$" in d.sentence
    assert "e+" not in d.sentence
    drawn = chart_models(study, d)
    valued = [m for m in drawn if isinstance(m, NetValued)]
    assert {m.name for m in valued} >= {d.industry}
    # The star is on the frontier of accuracy against net value: nothing beats it on both.
    assert d.industry in frontier(drawn, study.primary_metric, NET_VALUE)


def test_figures_beside_a_ratio_are_over_the_rounds_it_pairs() -> None:
    # The forest was measured in 15 rounds, its load easing after the fifth; XGBoost stopped
    # after 5. The ratio pairs the first five: the figures shown are over those five too.
    slow = FOREST.again(
        latency_ms_p50=float(np.exp(np.mean(np.log([4.0] * 5 + [1.0] * 10)))),
        round_p50_ms=[4.0] * 5 + [1.0] * 10,
    )
    quick = XGB.again(latency_ms_p50=2.0, round_p50_ms=[2.0] * 5)
    assert cost_ratio(quick, slow, "latency_ms_p50").value == pytest.approx(0.5)
    assert pair_text(quick, slow, "latency_ms_p50") == "2 ms vs 4 ms"
    assert format_times(9.97) == "10×"


def test_odd_figures_neither_crash_nor_pass_a_budget() -> None:
    unmeasured = FOREST.again(latency_ms_p95=None, latency_ms_p95_ci=[None, None])
    (why,) = Budgets(max_latency_ms=1.0).violations(unmeasured)
    assert why == "p95 latency was not measured, so it may be over 1 ms"
    assert not cost_ratio(unmeasured, XGB, "latency_ms_p95").known
    d = _decide([DUMMY, SIMPLE, XGB, unmeasured], cost="latency_ms_p95")
    assert d.industry in ("xgboost_small", "random_forest_large")
    arrays = XGB.again(round_p50_ms=np.array([0.5, 0.52, 0.49, 0.51, 0.5]))
    assert cost_ratio(arrays, FOREST, "latency_ms_p50").clear
    for metric, text in (("accuracy", "1 point of accuracy"), ("mae", "1% more mean absolute")):
        models = [m.again(metrics={metric: m.metrics["accuracy"]}) for m in LADDER]
        words = rule_words(metric, _decide(models, metric))
        assert f"gives up at most {text}" in words
        assert "error of mean" not in words
