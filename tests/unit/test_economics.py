"""Unit tests of core.economics: hand-worked formulas on tiny hand-built studies."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from core.dataset import Dataset, Task
from core.economics import (
    SOURCES,
    BusinessInputs,
    Resamples,
    best_threshold,
    break_even,
    business_case,
    cost_matrix_frame,
    economics,
    neural_verdict,
    price_of_points,
    price_of_points_sentence,
)
from core.errors import ConfigError
from core.stats import Predictions, compute_metrics
from core.study import ModelResult, StudyConfig, StudyResult

# A price of $3.60 per vCPU-hour makes one CPU-second cost exactly $0.001.
PRICE = 3.6


def _dataset(y: Any, task: Task, classes: tuple[str, ...] = ()) -> Dataset:
    y = np.asarray(y)
    X = pd.DataFrame({"x": np.arange(len(y), dtype=float)})
    return Dataset(
        name="t.csv",
        sha256="0" * 64,
        target="target",
        task=task,
        X=X,
        y=y,
        row_ids=np.arange(len(y)),
        classes=classes,
        positive_class=classes[1] if task == "binary" else None,
        numeric_features=("x",),
        categorical_features=(),
        feature_origin={"x": "x"},
        profiles=(),
        warnings=(),
    )


def _model(
    name: str,
    y_pred: Any = None,
    proba: Any = None,
    *,
    metrics: dict[str, float] | None = None,
    **fields: Any,
) -> ModelResult:
    m = ModelResult(
        name=name,
        label=name.upper(),
        family=name,
        rung=0,
        interpretable=False,
        neural=False,
        description="",
        metrics=metrics or {},
    )
    if y_pred is not None:
        p1 = None if proba is None else np.asarray(proba, dtype=float)
        p = None if p1 is None else np.column_stack([1 - p1, p1])
        m.predictions = Predictions(np.asarray(y_pred), p)
    for key, value in fields.items():
        setattr(m, key, value)
    return m


def _study(
    ds: Dataset,
    models: list[ModelResult],
    metric: str = "accuracy",
) -> StudyResult:
    n = len(ds.y)
    return StudyResult(
        dataset=ds,
        config=StudyConfig(n_resamples=300),
        primary_metric=metric,
        models=models,
        eval_index=np.arange(n),
        eval_fold=np.zeros(n, dtype=np.int64),
        duration_s=0.0,
        created_at="",
    )


def _free(**kw: Any) -> BusinessInputs:
    """Inputs where compute is free, so only error costs and value count."""
    return BusinessInputs(usd_per_vcpu_hour=0.0, **kw)


# --- inputs --------------------------------------------------------------------------------------


def test_every_default_has_a_source() -> None:
    fields = set(BusinessInputs.__dataclass_fields__)
    assert fields == set(SOURCES)
    assert all(len(text) > 20 for text in SOURCES.values())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"predictions_per_month": -1}, r"Predictions per month must be .* zero or more; got -1"),
        ({"usd_per_vcpu_hour": -0.1}, r"price per vCPU-hour .*got -0.1"),
        ({"cost_false_negative_usd": math.nan}, r"missed positive .*got nan"),
        ({"retrains_per_month": math.inf}, r"Retrains per month .*got inf"),
        ({"cost_matrix": {("a", "b"): -2.0}}, r"predicting 'b' when the truth is 'a' .*got -2.0"),
    ],
)
def test_negative_inputs_raise_config_error(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        BusinessInputs(**kwargs)


# --- serving and training ------------------------------------------------------------------------


def test_serving_from_throughput_and_training_with_refit() -> None:
    ds = _dataset([0, 1], "binary", ("no", "yes"))
    m = _model(
        "m",
        [0, 1],
        [0.2, 0.8],
        throughput_rows_per_s=1000.0,
        latency_ms_p50=50.0,  # ignored: throughput wins
        train_cpu_s=1800.0,
        refit_s=1800.0,
    )
    inputs = BusinessInputs(
        predictions_per_month=1_000_000, usd_per_vcpu_hour=PRICE, retrains_per_month=2
    )
    (e,) = economics(_study(ds, [m]), inputs)
    # 1e6 rows / 1000 rows/s = 1000 CPU-s = $1.00 at $0.001 per CPU-s.
    assert e.serving_usd_per_month == pytest.approx(1.0)
    # (1800 + 1800) CPU-s x 2 retrains = 7200 CPU-s = $7.20.
    assert e.training_usd_per_month == pytest.approx(7.2)
    # Perfect predictions: no error cost; default value of a caught positive is 0.
    assert e.error_usd_per_month == 0.0
    assert e.net_usd_per_month == pytest.approx(-8.2)
    assert e.threshold == 0.5
    assert e.n_eval_rows == 2


def test_serving_falls_back_to_latency_when_throughput_is_zero() -> None:
    ds = _dataset([0, 1], "binary", ("no", "yes"))
    m = _model("m", [0, 1], [0.2, 0.8], throughput_rows_per_s=0.0, latency_ms_p50=2.0)
    inputs = BusinessInputs(predictions_per_month=1_000_000, usd_per_vcpu_hour=PRICE)
    (e,) = economics(_study(ds, [m]), inputs)
    # 1e6 rows x 2 ms = 2000 CPU-s = $2.00.
    assert e.serving_usd_per_month == pytest.approx(2.0)


def test_unknown_serving_cost_leaves_net_unknown_with_a_note() -> None:
    ds = _dataset([0, 1], "binary", ("no", "yes"))
    m = _model("m", [0, 1], [0.2, 0.8], throughput_rows_per_s=0.0, train_cpu_s=1.0)
    (e,) = economics(_study(ds, [m]), BusinessInputs())
    assert e.serving_usd_per_month is None
    assert e.net_usd_per_month is None
    assert "serving cost" in e.note


def test_failed_models_are_left_out() -> None:
    ds = _dataset([0, 1], "binary", ("no", "yes"))
    ok = _model("ok", [0, 1], [0.2, 0.8], train_cpu_s=1.0, throughput_rows_per_s=10.0)
    bad = _model("bad", status="failed")
    assert [e.name for e in economics(_study(ds, [ok, bad]), BusinessInputs())] == ["ok"]


# --- error costs ---------------------------------------------------------------------------------


def _binary_case() -> StudyResult:
    # Truth 1, 1, 0, 0 with P(1) = 0.9, 0.4, 0.6, 0.1.
    ds = _dataset([1, 1, 0, 0], "binary", ("no", "yes"))
    m = _model("m", [1, 0, 1, 0], [0.9, 0.4, 0.6, 0.1], train_cpu_s=1.0, throughput_rows_per_s=1.0)
    return _study(ds, [m])


def test_binary_error_cost_and_value_at_default_threshold() -> None:
    inputs = _free(
        predictions_per_month=1000,
        value_true_positive_usd=10,
        cost_false_positive_usd=1,
        cost_false_negative_usd=5,
    )
    (e,) = economics(_binary_case(), inputs)
    # At 0.5: TP = 1 (0.9), FN = 1 (0.4), FP = 1 (0.6), TN = 1.
    # Errors per row (1 x $1 + 1 x $5) / 4 = $1.50 -> x 1000 = $1500; value 1 x $10 / 4 x 1000.
    assert e.error_usd_per_month == pytest.approx(1500)
    assert e.value_usd_per_month == pytest.approx(2500)
    assert e.net_usd_per_month == pytest.approx(1000)


def test_binary_error_cost_at_a_given_threshold() -> None:
    inputs = _free(predictions_per_month=1000, value_true_positive_usd=10)
    (e,) = economics(_binary_case(), inputs, threshold=0.4)
    # At 0.4 (a row exactly at the threshold is positive): 0.9, 0.4, 0.6 called positive:
    # TP = 2, FP = 1, FN = 0.
    # Errors 1 x $1 / 4 x 1000 = $250; value 2 x $10 / 4 x 1000 = $5000.
    assert e.error_usd_per_month == pytest.approx(250)
    assert e.value_usd_per_month == pytest.approx(5000)
    assert e.threshold == 0.4


def test_binary_without_probabilities_uses_labels() -> None:
    ds = _dataset([1, 0], "binary", ("no", "yes"))
    m = _model("m", [0, 0], train_cpu_s=1.0, throughput_rows_per_s=1.0)  # misses the positive
    (e,) = economics(_study(ds, [m]), _free(predictions_per_month=2))
    # One false negative in two rows: $5 / 2 x 2 = $5.
    assert e.error_usd_per_month == pytest.approx(5.0)
    assert e.threshold is None


def test_one_class_and_one_row() -> None:
    ds = _dataset([0, 0], "binary", ("no", "yes"))
    m = _model("m", [1, 0], [0.6, 0.2], train_cpu_s=1.0, throughput_rows_per_s=1.0)
    (e,) = economics(_study(ds, [m]), _free(predictions_per_month=2))
    assert e.error_usd_per_month == pytest.approx(1.0)  # one false alarm: $1 / 2 rows x 2
    one = _dataset([1], "binary", ("no", "yes"))
    m1 = _model("m", [1], [0.7], train_cpu_s=1.0, throughput_rows_per_s=1.0)
    (e1,) = economics(_study(one, [m1]), _free(predictions_per_month=10))
    assert e1.error_usd_per_month == 0.0


@pytest.mark.parametrize("threshold", [-0.1, 1.5])
def test_threshold_outside_unit_interval_is_refused(threshold: float) -> None:
    with pytest.raises(ConfigError, match="between 0 and 1; got"):
        economics(_binary_case(), BusinessInputs(), threshold=threshold)


def test_multiclass_cost_matrix() -> None:
    ds = _dataset([0, 1, 2, 2], "multiclass", ("a", "b", "c"))
    m = _model("m", [0, 2, 2, 1], train_cpu_s=1.0, throughput_rows_per_s=1.0)
    inputs = _free(predictions_per_month=1000, cost_matrix={("b", "c"): 4.0})
    (e,) = economics(_study(ds, [m]), inputs)
    # Costs per row: a->a 0, b->c 4 (given), c->c 0, c->b 1 (default): 5 / 4 x 1000 = 1250.
    assert e.error_usd_per_month == pytest.approx(1250)
    assert e.value_usd_per_month == 0.0
    assert e.threshold is None


def test_multiclass_default_costs_one_per_error() -> None:
    ds = _dataset([0, 1, 2, 2], "multiclass", ("a", "b", "c"))
    m = _model("m", [0, 2, 2, 1], train_cpu_s=1.0, throughput_rows_per_s=1.0)
    (e,) = economics(_study(ds, [m]), _free(predictions_per_month=1000))
    assert e.error_usd_per_month == pytest.approx(500)  # 2 errors / 4 rows x 1000


def test_cost_matrix_with_unknown_class_is_refused() -> None:
    ds = _dataset([0, 1], "multiclass", ("a", "b"))
    m = _model("m", [0, 1], train_cpu_s=1.0, throughput_rows_per_s=1.0)
    with pytest.raises(ConfigError, match=r"names class 'z'.*Classes are: a, b"):
        economics(_study(ds, [m]), BusinessInputs(cost_matrix={("a", "z"): 2.0}))


def test_regression_error_cost() -> None:
    ds = _dataset([1.0, 2.0, 3.0], "regression")
    m = _model("m", [2.0, 2.0, 1.0], train_cpu_s=1.0, throughput_rows_per_s=1.0)
    (e,) = economics(
        _study(ds, [m], "mae"), _free(predictions_per_month=1000, usd_per_unit_error=3)
    )
    # |errors| 1, 0, 2 -> mean 1 x $3 x 1000 = $3000.
    assert e.error_usd_per_month == pytest.approx(3000)


def test_regression_study_matches_its_mae(small_regression_study: StudyResult) -> None:
    inputs = _free(predictions_per_month=100, usd_per_unit_error=2)
    for e in economics(small_regression_study, inputs):
        mae = small_regression_study.model(e.name).metrics["mae"]
        assert e.error_usd_per_month == pytest.approx(mae * 2 * 100)


# --- threshold search ----------------------------------------------------------------------------


def _threshold_case(proba: list[float], y: list[int]) -> StudyResult:
    ds = _dataset(y, "binary", ("no", "yes"))
    m = _model("m", [int(p >= 0.5) for p in proba], proba, train_cpu_s=0.0)
    return _study(ds, [m])


def test_best_threshold_on_a_crafted_example() -> None:
    study = _threshold_case([0.9, 0.8, 0.3, 0.2, 0.1], [1, 0, 1, 0, 0])
    inputs = _free(predictions_per_month=5)  # 5 per month: net = -(FP x $1 + FN x $5)
    result = best_threshold(study, "m", inputs)
    # t <= 0.1: FP 3 -> -3; 0.2: FP 2 -> -2; 0.3: FP 1 -> -1; 0.5 and 0.8: FP 1 + FN 1 -> -6;
    # 0.9: FN 1 -> -5; 1.0: FN 2 -> -10.
    assert result.threshold == pytest.approx(0.3)
    assert result.net_usd_per_month == pytest.approx(-1)
    assert result.net_usd_per_month_at_default == pytest.approx(-6)
    assert result.gain_usd_per_month == pytest.approx(5)
    assert list(result.curve.columns) == ["threshold", "net_usd_per_month"]
    assert result.curve["threshold"].tolist() == pytest.approx(
        [0.0, 0.1, 0.2, 0.3, 0.5, 0.8, 0.9, 1.0]
    )
    assert result.curve["net_usd_per_month"].tolist() == pytest.approx(
        [-3, -3, -2, -1, -6, -6, -5, -10]
    )


def test_best_threshold_above_one_half() -> None:
    study = _threshold_case([0.95, 0.7, 0.6], [1, 0, 1])
    inputs = _free(predictions_per_month=3, cost_false_positive_usd=5, cost_false_negative_usd=1)
    # t <= 0.6: FP 1 -> -5; 0.7: FP 1 + FN 1 -> -6; 0.95: FN 1 -> -1; 1.0: FN 2 -> -2.
    assert best_threshold(study, "m", inputs).threshold == pytest.approx(0.95)


def test_best_threshold_ties_go_to_one_half() -> None:
    # One row, a positive at 0.7: any t <= 0.7 is perfect (0, 0.5, 0.7 tie), t = 1 misses it.
    study = _threshold_case([0.7], [1])
    result = best_threshold(study, "m", _free())
    assert result.threshold == 0.5
    # All costs zero: every threshold ties.
    free = _free(cost_false_positive_usd=0, cost_false_negative_usd=0)
    assert best_threshold(_threshold_case([0.9, 0.1], [0, 1]), "m", free).threshold == 0.5


def test_best_threshold_includes_serving_and_training() -> None:
    study = _threshold_case([0.9, 0.1], [1, 0])
    m = study.model("m")
    m.train_cpu_s = 3600.0  # $3.60 per retrain at PRICE
    inputs = BusinessInputs(predictions_per_month=2, usd_per_vcpu_hour=PRICE)
    assert best_threshold(study, m, inputs).net_usd_per_month == pytest.approx(-3.6)


def test_best_threshold_refuses_regression_and_missing_probabilities() -> None:
    reg = _study(_dataset([1.0, 2.0], "regression"), [_model("m", [1.0, 2.0])], "mae")
    with pytest.raises(ConfigError, match="only to yes/no targets; this one is regression"):
        best_threshold(reg, "m")
    no_proba = _study(_dataset([0, 1], "binary", ("no", "yes")), [_model("m", [0, 1])])
    with pytest.raises(ConfigError, match="M has no predicted probabilities"):
        best_threshold(no_proba, "m")


def test_economics_and_threshold_on_a_real_study(small_binary_study: StudyResult) -> None:
    rows = economics(small_binary_study)
    assert {e.name for e in rows} == {m.name for m in small_binary_study.ok_models}
    for e in rows:
        assert e.net_usd_per_month is not None
        assert math.isfinite(e.net_usd_per_month)
    result = best_threshold(small_binary_study, "xgboost_small")
    assert result.net_usd_per_month >= result.net_usd_per_month_at_default
    assert neural_verdict(small_binary_study) is None  # no neural model in this study


# --- price of points -----------------------------------------------------------------------------


def _ladder() -> StudyResult:
    ds = _dataset([0, 1], "binary", ("no", "yes"))

    def m(name: str, acc: float, ms: float, mb: float) -> ModelResult:
        return _model(
            name,
            metrics={"accuracy": acc},
            latency_ms_p50=ms,
            size_bytes=int(mb * 1e6),
            usd_per_million_predictions=ms / 100,
        )

    models = [m("a", 0.80, 1, 1), m("b", 0.85, 3, 3), m("c", 0.84, 5, 4), m("d", 0.90, 13, 11)]
    return _study(ds, models)


def test_price_of_points_between_frontier_models() -> None:
    table = price_of_points(_ladder())
    # Frontier a -> b -> d (c is slower and less accurate than b).
    assert table[["from", "to"]].values.tolist() == [["a", "b"], ["b", "d"]]
    # a -> b: +5 points for +2 ms, +2 MB, +$0.02 per million: 0.4 ms, 0.4 MB, $0.004 per point.
    # b -> d: +5 points for +10 ms, +8 MB, +$0.10: 2 ms, 1.6 MB, $0.02 per point.
    assert table["gain"].tolist() == pytest.approx([5, 5])
    assert table["extra_latency_ms_per_point"].tolist() == pytest.approx([0.4, 2.0])
    assert table["extra_size_mb_per_point"].tolist() == pytest.approx([0.4, 1.6])
    assert table["extra_usd_per_million_per_point"].tolist() == pytest.approx([0.004, 0.02])
    sentence = price_of_points_sentence(_ladder())
    assert (
        "From A to B: accuracy improves by 5 points, each point of accuracy costing 0.4 ms of "
        "latency, 400 kB and $0.004 per million predictions." in sentence
    )
    assert "From B to D" in sentence


def test_price_of_points_on_serving_cost_axis_and_lower_is_better_metric() -> None:
    ds = _dataset([1.0, 2.0], "regression")
    models = [
        _model("a", metrics={"mae": 10.0}, latency_ms_p50=1.0, usd_per_million_predictions=1.0),
        _model("b", metrics={"mae": 8.0}, latency_ms_p50=2.0, usd_per_million_predictions=3.0),
    ]
    table = price_of_points(_study(ds, models, "mae"), axis="usd_per_million_predictions")
    # MAE falls by 2 (a gain of 2 target units) for +1 ms and +$2 per million.
    assert table["gain"].tolist() == pytest.approx([2.0])
    assert table["extra_latency_ms_per_point"].tolist() == pytest.approx([0.5])
    assert table["extra_usd_per_million_per_point"].tolist() == pytest.approx([1.0])
    assert math.isnan(table["extra_size_mb"].iloc[0])  # size unknown


def test_price_of_points_with_a_single_frontier_model() -> None:
    ds = _dataset([0, 1], "binary", ("no", "yes"))
    only = _model("a", metrics={"accuracy": 0.9}, latency_ms_p50=1.0)
    study = _study(ds, [only])
    assert price_of_points(study).empty
    assert price_of_points_sentence(study).startswith("No model buys more accuracy")
    with pytest.raises(ConfigError, match="Unknown cost axis 'speed'"):
        price_of_points(study, axis="speed")


# --- neural verdict ------------------------------------------------------------------------------


def _verdict_study(neural_wrong: int, other_wrong: int, **neural_fields: Any) -> StudyResult:
    y = np.tile([0, 1], 100)
    ds = _dataset(y, "binary", ("no", "yes"))

    def fitted(name: str, wrong: int, **fields: Any) -> ModelResult:
        pred = y.copy()
        pred[:wrong] = 1 - pred[:wrong]
        if "round_p50_ms" not in fields:  # five latency rounds, moved alike for every model
            fields["round_p50_ms"] = [
                fields["latency_ms_p50"] * f for f in (0.98, 1.0, 1.03, 0.99, 1.01)
            ]
        m = _model(name, pred, pred * 0.8 + 0.1, **fields)
        assert m.predictions is not None
        m.metrics = compute_metrics("binary", y, m.predictions)
        return m

    cheap = {"latency_ms_p50": 1.0, "size_bytes": 1000, "train_cpu_s": 1.0}
    other = fitted("tree", other_wrong, **cheap)
    neural = fitted("mlp", neural_wrong, **{**cheap, **neural_fields})
    neural.neural = True
    return _study(ds, [other, neural])


def test_neural_not_justified_when_less_accurate_and_slower() -> None:
    v = neural_verdict(_verdict_study(40, 20, latency_ms_p50=6.0))
    assert v is not None
    # Accuracy 80% vs 90%: -10 points, paired CI below zero (the neural errors include the
    # other's on the same rows).
    assert v.difference == pytest.approx(-10.0)
    assert v.ci_low < v.difference < v.ci_high < 0
    assert v.latency_ratio == pytest.approx(6.0)
    assert not v.justified
    assert "is not justified: it is 10.0 points less accurate (CI −" in v.sentence
    assert "6.0× slower" in v.sentence


def test_neural_latency_is_compared_by_round_not_by_noise() -> None:
    # 1.3× slower on the point values, but round by round sometimes faster: no claim.
    noisy = [1.0, 1.9, 0.8, 1.7, 1.1]
    v = neural_verdict(_verdict_study(40, 20, latency_ms_p50=1.3, round_p50_ms=noisy))
    assert v is not None
    assert v.latency_ratio == 1.0
    assert "slower" not in v.sentence
    assert "faster" not in v.sentence
    saved_before_rounds = neural_verdict(
        _verdict_study(40, 20, latency_ms_p50=6.0, round_p50_ms=None)
    )
    assert saved_before_rounds is not None
    assert saved_before_rounds.latency_ratio is None  # no rounds, no latency claim


def test_neural_justified_only_if_worth_its_cost() -> None:
    v = neural_verdict(_verdict_study(0, 30, latency_ms_p50=20.0, size_bytes=3000))
    assert v is not None
    assert v.justified
    assert "justified only if 15.0 points more accurate" in v.sentence
    assert "20× slower and 3.0× larger" in v.sentence


def test_neural_is_not_justified_when_tied_once_all_the_models_are_compared() -> None:
    # Clearly better than the tree alone, but the study's tie set (simultaneous over every
    # model) holds the tree too: the decision would not take the network, nor does the verdict.
    study = _verdict_study(0, 30, latency_ms_p50=20.0, size_bytes=3000)
    study.model("tree").tied_with_best = True
    v = neural_verdict(study)
    assert v is not None
    assert v.ci_low > 0
    assert not v.justified
    assert v.tied_once_all_compared
    assert "is not justified: it is 15.0 points more accurate (CI +" in v.sentence
    assert "against TREE alone, but statistically tied with it once all the models are " in (
        v.sentence
    )
    assert v.sentence.endswith("compared, and it is 20× slower and 3.0× larger.")


def test_identical_models_give_a_zero_difference() -> None:
    v = neural_verdict(_verdict_study(10, 10))
    assert v is not None
    assert (v.difference, v.ci_low, v.ci_high) == (0.0, 0.0, 0.0)
    assert not v.justified
    assert v.sentence.endswith(
        "is not justified: it is 0.0 points more accurate (CI +0.0 to +0.0)."
    )


def test_no_neural_model_gives_none() -> None:
    study = _verdict_study(10, 10)
    study.model("mlp").status = "failed"
    assert neural_verdict(study) is None


# --- break-even ----------------------------------------------------------------------------------


def _break_even_study(model_fields: dict[str, Any], model_pred: list[int]) -> StudyResult:
    # Truth 1, 1, 0, 0; the baseline misses one positive (FN): $1 per 4 rows = $0.25 a row.
    ds = _dataset([1, 1, 0, 0], "binary", ("no", "yes"))
    base = _model(
        "simple", [1, 0, 0, 0], [0.9, 0.1, 0.1, 0.1], train_cpu_s=0.0, throughput_rows_per_s=1.0
    )
    proba = [0.9 if p else 0.1 for p in model_pred]
    fields = {"train_cpu_s": 0.0, "throughput_rows_per_s": 1.0, **model_fields}
    m = _model("xgb", model_pred, proba, **fields)
    return _study(ds, [base, m])


INPUTS = BusinessInputs(usd_per_vcpu_hour=PRICE, cost_false_negative_usd=1.0)


def test_break_even_above_a_volume() -> None:
    # Perfect model saves $0.25 a prediction; same serving; training 3600 CPU-s = $3.60 a month.
    result = break_even(_break_even_study({"train_cpu_s": 3600.0}, [1, 1, 0, 0]), INPUTS, "xgb")
    assert result.kind == "above"
    assert result.predictions_per_month == pytest.approx(3.6 / 0.25)  # 14.4 a month
    assert result.extra_value_usd_per_prediction == pytest.approx(0.25)
    assert result.extra_training_usd_per_month == pytest.approx(3.6)
    assert "pays for itself above 14 predictions a month" in result.sentence


def test_break_even_includes_extra_serving_cost() -> None:
    # Model serves at 0.01 rows/s: 100 CPU-s = $0.10 a prediction vs $0.001 for the baseline.
    fields = {"train_cpu_s": 3600.0, "throughput_rows_per_s": 0.01}
    result = break_even(_break_even_study(fields, [1, 1, 0, 0]), INPUTS, "xgb")
    # Margin 0.25 - (0.1 - 0.001) = 0.151 a prediction; 3.6 / 0.151 = 23.84.
    assert result.predictions_per_month == pytest.approx(3.6 / 0.151)


def test_break_even_always_never_below_and_same() -> None:
    always = break_even(_break_even_study({}, [1, 1, 0, 0]), INPUTS, "xgb")
    assert always.kind == "always"
    assert always.predictions_per_month is None
    assert "pays at any volume" in always.sentence

    # Same errors as the baseline but slower and dearer to train: never pays.
    never = break_even(
        _break_even_study({"train_cpu_s": 10.0, "throughput_rows_per_s": 0.5}, [1, 0, 0, 0]),
        INPUTS,
        "xgb",
    )
    assert never.kind == "never"
    assert "never pays" in never.sentence

    # Worse (two misses) but cheaper to train than a baseline that trains for 3600 CPU-s.
    study = _break_even_study({}, [0, 0, 0, 0])
    study.model("simple").train_cpu_s = 3600.0
    below = break_even(study, INPUTS, "xgb")
    # Margin -0.25 a prediction, training saves $3.60: pays below 3.6 / 0.25 = 14.4.
    assert below.kind == "below"
    assert below.predictions_per_month == pytest.approx(14.4)
    assert "pays only below 14 predictions a month" in below.sentence

    same = break_even(_break_even_study({}, [1, 0, 0, 0]), INPUTS, model="simple")
    assert same.kind == "same"
    assert "nothing to earn" in same.sentence


def test_break_even_needs_a_model() -> None:
    study = _break_even_study({}, [1, 1, 0, 0])  # no model beats the dummy: no decision
    with pytest.raises(ConfigError, match="no recommended model"):
        break_even(study, INPUTS)
    study.model("xgb").predictions = None
    with pytest.raises(ConfigError, match="XGB lacks held-out predictions"):
        break_even(study, INPUTS, model="xgb")


# --- serving mode, money in words ----------------------------------------------------------------


def test_online_serving_is_priced_at_the_single_row_latency() -> None:
    ds = _dataset([0, 1], "binary", ("no", "yes"))
    m = _model("m", [0, 1], [0.2, 0.8], throughput_rows_per_s=1000.0, latency_ms_p50=2.0)
    inputs = BusinessInputs(serving="online", predictions_per_month=1e6, usd_per_vcpu_hour=PRICE)
    (e,) = economics(_study(ds, [m]), inputs)
    # 1e6 rows x 2 ms = 2000 CPU-s = $2.00 (batch would be 1000 CPU-s = $1.00).
    assert e.serving_usd_per_month == pytest.approx(2.0)
    no_latency = _model("m", [0, 1], [0.2, 0.8], throughput_rows_per_s=1000.0)
    (e,) = economics(_study(ds, [no_latency]), inputs)
    assert e.serving_usd_per_month == pytest.approx(1.0)  # falls back to the throughput
    with pytest.raises(ConfigError, match="Serving must be one of batch, online; got 'cloud'"):
        BusinessInputs(serving="cloud")  # type: ignore[arg-type]


def test_cost_matrix_frame_has_true_rows_and_predicted_columns() -> None:
    frame = cost_matrix_frame(("a", "b"), BusinessInputs(cost_matrix={("a", "b"): 3.0}))
    assert frame.loc["a", "b"] == 3.0  # truth a, predicted b
    assert frame.loc["b", "a"] == 1.0  # the default cost of an error
    assert frame.loc["a", "a"] == frame.loc["b", "b"] == 0.0


# --- intervals of net value ----------------------------------------------------------------------


def test_net_value_interval_brackets_the_point_and_is_seeded() -> None:
    y = np.tile([0, 1], 50)
    ds = _dataset(y, "binary", ("no", "yes"))
    wrong = y.copy()
    wrong[:20] = 1 - wrong[:20]  # 20 errors in 100 rows
    simple = _model("simple", y, y * 0.8 + 0.1, train_cpu_s=0.0, throughput_rows_per_s=1.0)
    worse = _model("m", wrong, wrong * 0.8 + 0.1, train_cpu_s=0.0, throughput_rows_per_s=1.0)
    study = _study(ds, [simple, worse])
    inputs = _free(predictions_per_month=100)
    first = economics(study, inputs)
    assert first == economics(study, inputs)  # same seed, same intervals
    base, m = first
    # The simple baseline makes no error: every resample costs $0.
    assert (base.net_ci_low_usd_per_month, base.net_ci_high_usd_per_month) == (0.0, 0.0)
    assert base.vs_simple_usd_per_month == 0.0
    # 10 false alarms ($1) and 10 misses ($5) per 100 rows: -$60 a month at 100 a month.
    assert m.net_usd_per_month == pytest.approx(-60.0)
    assert m.net_ci_low_usd_per_month < -60.0 < m.net_ci_high_usd_per_month < 0
    assert m.vs_simple_usd_per_month == pytest.approx(-60.0)
    assert m.vs_simple_ci_high_usd_per_month < 0
    assert m.beats_simple is False


def test_without_a_simple_baseline_there_is_no_comparison() -> None:
    (e,) = economics(_binary_case(), _free())
    assert e.net_ci_low_usd_per_month is not None
    assert e.vs_simple_usd_per_month is None
    assert e.beats_simple is None


def test_thresholds_can_differ_per_model() -> None:
    study = _binary_case()
    (e,) = economics(study, _free(predictions_per_month=4), thresholds={"m": 0.95})
    # Nothing is called positive at 0.95: two misses at $5 each, per 4 rows x 4.
    assert e.threshold == 0.95
    assert e.error_usd_per_month == pytest.approx(10.0)
    with pytest.raises(ConfigError, match="between 0 and 1; got 2"):
        economics(study, thresholds={"m": 2})


# --- the whole business case ---------------------------------------------------------------------


def test_business_case_on_a_real_study(small_binary_study: StudyResult) -> None:
    case = business_case(small_binary_study, BusinessInputs())
    assert [r.name for r in case.rows] == [m.name for m in small_binary_study.ok_models]
    assert set(case.thresholds) == {m.name for m in small_binary_study.ok_models}
    assert all(r.threshold == 0.5 for r in case.rows)
    decision = small_binary_study.decision
    assert case.model == (decision.industry or decision.academic)
    assert case.verdict is None  # no neural model was trained
    assert (case.break_even is None) == bool(case.break_even_problem)
    # The price of the last point comes with paired intervals of each gain.
    if not case.price_table.empty:
        assert case.price_table["gain_ci_low"].notna().all()
        assert "95% CI" in case.price_sentence
    tuned = business_case(small_binary_study, BusinessInputs(), tune_thresholds=True)
    for r in tuned.rows:
        assert r.threshold == pytest.approx(tuned.thresholds[r.name].threshold)
        assert r.net_usd_per_month == pytest.approx(tuned.thresholds[r.name].net_usd_per_month)
        assert r.net_usd_per_month >= case.row(r.name).net_usd_per_month - 1e-9


def test_a_tiny_saving_pays_at_any_volume_if_only_a_little() -> None:
    # Same errors; the model serves a little cheaper (1.01 rows/s instead of 1).
    study = _break_even_study({"throughput_rows_per_s": 1.01}, [1, 0, 0, 0])
    inputs = BusinessInputs(usd_per_vcpu_hour=PRICE, predictions_per_month=4)
    case = business_case(study, inputs, model="xgb")
    assert "if only a little: its errors cost the same" in case.break_even.sentence


def test_break_even_of_the_baseline_itself_and_of_an_unrealistic_volume() -> None:
    same = break_even(_break_even_study({}, [1, 1, 0, 0]), INPUTS, model="simple")
    assert same.sentence.endswith(
        "is the simple baseline itself, so there is nothing to earn over it."
    )
    # Saves $0.25 a prediction but costs $3.6e12 a month to train.
    far = break_even(_break_even_study({"train_cpu_s": 3.6e15}, [1, 1, 0, 0]), INPUTS, "xgb")
    assert far.kind == "above"
    assert "(far beyond any real traffic)" in far.sentence


def test_business_case_explains_a_missing_break_even() -> None:
    study = _break_even_study({}, [1, 1, 0, 0])  # no model beats the dummy: no decision
    case = business_case(study, INPUTS)
    assert case.break_even is None
    assert case.break_even_problem.startswith("There is no recommended model")
    no_base = _study(_dataset([0, 1], "binary", ("no", "yes")), [_model("m", [0, 1], [0.1, 0.9])])
    assert "simple baseline did not finish" in business_case(no_base, model="m").break_even_problem


def test_price_of_points_in_money_per_month() -> None:
    study = _ladder()
    for name, rows_per_s in (("a", 1000.0), ("b", 100.0), ("d", 10.0)):
        study.model(name).throughput_rows_per_s = rows_per_s
        study.model(name).train_cpu_s = 0.0
    inputs = BusinessInputs(predictions_per_month=3.6e6, usd_per_vcpu_hour=PRICE)
    table = price_of_points(study, inputs=inputs)
    # a: 3.6e6 / 1000 = 3600 CPU-s = $3.60; b: $36; d: $360 a month. +5 points each step.
    assert table["extra_usd_per_month"].tolist() == pytest.approx([32.4, 324.0])
    assert table["extra_usd_per_month_per_point"].tolist() == pytest.approx([6.48, 64.8])
    sentence = price_of_points_sentence(study, inputs=inputs)
    assert "0.4 ms of latency, 400 kB and $6.48 a month." in sentence


def test_resamples_are_drawn_once_per_set_of_thresholds(small_binary_study: StudyResult) -> None:
    kept = Resamples(small_binary_study)
    first = kept.get()
    assert kept.get() is first
    assert kept.get({"xgboost_small": 0.3}) is not first
    # A new price reuses the resamples and gives what a fresh computation gives.
    inputs = BusinessInputs(cost_false_negative_usd=9.0, predictions_per_month=123)
    reused = business_case(small_binary_study, inputs, resamples=kept)
    fresh = business_case(small_binary_study, inputs)
    assert reused.rows == fresh.rows
    assert kept.get() is first
    assert set(kept.metric()) == {m.name for m in small_binary_study.ok_models}
