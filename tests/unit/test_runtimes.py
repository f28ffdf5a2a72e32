"""Two runtimes for one fitted model: figures per runtime in results.json, the runtime the
decision serves each model with (never chosen by noise), the chart of both and hostile graphs."""

from __future__ import annotations

import json
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from core import compiled as comp
from core.decision import Choices, decide, other_runtime_models, served
from core.figures import ONNX_NAME, OTHER_RUNTIME_NAME, SYMBOL_ONNX, pareto_figure
from core.measure import ServingCost
from core.results import leaderboard, to_dict
from core.runtimes import (
    RuntimeFigures,
    Served,
    choose_runtime,
    runtime_summary,
    set_serving,
    sklearn_figures,
)
from core.study import StudyResult


def test_every_model_has_both_runtimes_in_results_json(small_binary_study: StudyResult) -> None:
    document = json.loads(json.dumps(to_dict(small_binary_study)))
    for info, model in zip(document["models"], small_binary_study.models, strict=True):
        runtimes = info["runtimes"]
        assert set(runtimes) == {"sklearn", "onnx"}
        assert runtimes["sklearn"]["available"] is True
        assert runtimes["sklearn"]["latency_ms_p50"] == model.latency_ms_p50
        assert "onnx" not in info  # the figures live under runtimes only
        onnx_entry = runtimes["onnx"]
        if model.name == "dummy":
            assert onnx_entry["available"] is False
            assert onnx_entry["problem"] == "ONNX has no converter for DummyClassifier."
        else:  # logistic, tree and XGBoost compile and match on this table
            assert onnx_entry["available"] is True, onnx_entry["problem"]
            assert onnx_entry["problem"] is None
            assert onnx_entry["latency_ms_p50"] > 0
            low, high = onnx_entry["latency_ms_p50_ci"]
            assert low <= onnx_entry["latency_ms_p50"] <= high
            assert onnx_entry["throughput_rows_per_s"] > 0
            assert onnx_entry["size_bytes"] == len(model.onnx_bytes or b"")
            assert onnx_entry["usd_per_million_online_predictions"] > 0
            assert onnx_entry["verified_rows"] >= len(small_binary_study.eval_index)
            assert onnx_entry["max_difference"] <= comp.PROBABILITY_TOLERANCE
            # measured in the same rounds as the pipeline, so the two pair by round
            assert onnx_entry["latency_rounds"] >= 5
    board = leaderboard(small_binary_study)
    assert set(board["compiled to ONNX"]) == {
        "yes",
        "no: ONNX has no converter for DummyClassifier.",
    }
    assert board["ONNX Runtime p50 latency (ms)"].notna().sum() == 3


def _cost(mean_ms: float, rounds: int, rng: np.random.Generator) -> ServingCost:
    """A serving cost measured on ``rounds`` rounds of a model whose true p50 is ``mean_ms``,
    with the round-to-round noise of a busy machine (log-normal, 15%)."""
    p50 = mean_ms * np.exp(rng.normal(0, 0.15, rounds))
    tput = 1000 / p50
    return ServingCost(
        latency_ms_p50=float(np.exp(np.log(p50).mean())),
        latency_ms_p95=float(p50.max()),
        throughput_rows_per_s=float(np.exp(np.log(tput).mean())),
        latency_ms_p50_ci=(float(p50.min()), float(p50.max())),
        latency_ms_p95_ci=(float(p50.max()), float(p50.max() * 1.1)),
        throughput_rows_per_s_ci=(float(tput.min()), float(tput.max())),
        latency_calls=10 * rounds,
        batch_rows=1000,
        latency_ms_mean=float(np.exp(np.log(p50).mean())),
        measured_s=0.1,
        round_p50_ms=tuple(p50),
        round_p95_ms=tuple(p50 * 1.5),
        round_throughput=tuple(tput),
        round_mean_ms=tuple(p50),
    )


def _model(sklearn_ms: float, onnx_ms: float, seed: int) -> SimpleNamespace:
    rng = np.random.default_rng(seed)
    model = SimpleNamespace(name="m", label="M", status="ok", size_bytes=1000)
    set_serving(model, _cost(sklearn_ms, 8, rng), 0.045)
    model.onnx = RuntimeFigures(size_bytes=1000)
    set_serving(model.onnx, _cost(onnx_ms, 8, rng), 0.045)
    return model


def test_the_cheaper_runtime_is_found_and_never_chosen_by_noise() -> None:
    """Seeded simulation of known truth. With the same true speed from both runtimes, "best of
    both" must serve from scikit-learn (no compiled file needed) in at least 95% of studies;
    with ONNX Runtime truly 100× faster it must pick it every time."""
    best = "best"
    equal = [choose_runtime(_model(1.0, 1.0, s), best, "latency_ms_p50", 0.2) for s in range(400)]
    assert equal.count("onnx") / len(equal) <= 0.05
    faster = [
        choose_runtime(_model(4.0, 0.04, s), "best", "latency_ms_p50", 0.2) for s in range(100)
    ]
    assert faster.count("onnx") == 100
    # A true saving of 10% is below the least saving worth having (20%): its measured ratio
    # reaches 0.8 by noise alone in about 6% of studies (8 rounds at 15% noise), rarely more.
    small = [choose_runtime(_model(1.0, 0.9, s), best, "latency_ms_p50", 0.2) for s in range(200)]
    assert small.count("onnx") / len(small) <= 0.10
    # training is one fit for both runtimes: never a reason to switch
    assert choose_runtime(_model(4.0, 0.04, 0), "best", "train_cpu_s", 0.2) == "sklearn"
    assert choose_runtime(_model(1.0, 1.0, 0), "onnx", "latency_ms_p50", 0.2) == "onnx"
    assert choose_runtime(_model(4.0, 0.04, 0), "sklearn", "latency_ms_p50", 0.2) == "sklearn"


def _summary(truths: list[tuple[float, float]], seed: int) -> str:
    models = []
    for i, (sklearn_ms, onnx_ms) in enumerate(truths):
        model = _model(sklearn_ms, onnx_ms, seed * 100 + i)
        model.name, model.label, model.onnx_problem = f"m{i}", f"Model {i}", None
        models.append(model)
    return runtime_summary(SimpleNamespace(models=models))  # type: ignore[arg-type]


def test_the_summary_states_speed_ups_only_where_they_are_clear() -> None:
    """Seeded simulation of the summary's "served compiled, they answer one row X× to Y×
    faster": it states every model's ratio at once, so with five models of the same true speed
    from both runtimes it may claim any speed-up in at most 5% of studies (family-wise); with
    true speed-ups of 50× to 200× it states them all, and its span is the truth's within the
    noise of eight rounds (±25%)."""
    same = [_summary([(1.0, 1.0)] * 5, seed) for seed in range(300)]
    claimed = sum("faster" in text for text in same)
    assert claimed / len(same) <= 0.05, claimed
    assert all(text.startswith("5 of 5 models compiled") for text in same)
    truths = [(4.0, 0.08), (4.0, 0.04), (6.0, 0.03)]  # 50×, 100×, 200×
    texts = [_summary(truths, seed) for seed in range(100)]
    spans = [t.split("they answer one row ")[1].split(" faster")[0] for t in texts]
    assert not any("of them clearly" in t for t in texts)  # all three clear
    lows = [float(span.split("× to ")[0]) for span in spans]
    highs = [float(span.split("× to ")[1].rstrip("×")) for span in spans]
    assert all(37.5 <= low <= 62.5 for low in lows), lows
    assert all(150 <= high <= 250 for high in highs), highs
    assert 45 <= float(np.median(lows)) <= 55
    assert 180 <= float(np.median(highs)) <= 220


def test_a_served_model_reads_its_runtimes_figures(small_binary_study: StudyResult) -> None:
    tree = small_binary_study.model("decision_tree")
    assert tree.onnx is not None
    compiled = Served(tree, "onnx")
    assert compiled.latency_ms_p50 == tree.onnx.latency_ms_p50
    assert compiled.size_bytes == tree.onnx.size_bytes
    assert compiled.metrics == tree.metrics
    assert compiled.label == tree.label
    assert Served(tree, "sklearn").latency_ms_p50 == tree.latency_ms_p50
    assert sklearn_figures(tree).latency_ms_p50 == tree.latency_ms_p50
    with pytest.raises(ValueError, match="no compiled model"):
        Served(small_binary_study.model("dummy"), "onnx")


def test_the_decision_names_its_runtime(small_binary_study: StudyResult) -> None:
    from_sklearn = decide(small_binary_study, Choices(runtime="sklearn"))
    assert from_sklearn.runtime == "sklearn"
    assert "ONNX" not in from_sklearn.sentence
    compiled = decide(small_binary_study, Choices(runtime="onnx"))
    assert compiled.runtime == "onnx"
    assert "Served from ONNX Runtime (verified equal on every held-out row)" in (compiled.sentence)
    assert "than from scikit-learn" in compiled.sentence
    record = compiled.to_dict()
    assert record["runtime"] == "onnx"
    assert record["runtime_mode"] == "onnx"
    assert record["runtimes"]["dummy"] == "sklearn"  # it does not compile
    with pytest.raises(Exception, match="runtime must be one of"):
        Choices(runtime="gpu")


def test_the_chart_shows_both_runtimes_joined(small_binary_study: StudyResult) -> None:
    decision = decide(small_binary_study, Choices(runtime="onnx"))
    shown = served(small_binary_study, decision.choices).models
    others = other_runtime_models(small_binary_study, decision)
    assert sorted(m.name for m in others) == ["decision_tree", "simple", "xgboost_small"]
    assert all(m.runtime == "sklearn" for m in others)
    fig = pareto_figure(
        shown, "accuracy", "latency_ms_p50", industry=decision.industry, other_runtime=others
    )
    names = [t.name for t in fig.data]
    assert OTHER_RUNTIME_NAME in names
    assert ONNX_NAME in names
    arrows = [a for a in fig.layout.annotations if a.showarrow]
    assert len(arrows) == 3
    # each arrow points from the model's scikit-learn point to its ONNX Runtime point
    ghost = next(t for t in fig.data if t.name == OTHER_RUNTIME_NAME)
    assert all(a.x < a.ax for a in arrows)  # log10 positions: ONNX Runtime is faster, left
    assert set(ghost.customdata) == {"decision_tree", "simple", "xgboost_small"}
    symbols = {s for t in fig.data if t.legendgroup for s in t.marker.symbol}
    assert SYMBOL_ONNX in symbols
    # Served from scikit-learn, the compiled points are the hollow ones.
    plain = decide(small_binary_study, Choices(runtime="sklearn"))
    assert all(m.runtime == "onnx" for m in other_runtime_models(small_binary_study, plain))
    summary = runtime_summary(small_binary_study)
    assert summary.startswith("3 of 4 models compiled to ONNX Runtime")
    assert "Not compiled: Dummy baseline (ONNX has no converter for DummyClassifier)" in summary


def test_an_old_study_without_runtimes_is_served_from_scikit_learn(
    small_binary_study: StudyResult,
) -> None:
    old = replace(
        small_binary_study,
        models=[replace(m, onnx=None, onnx_problem=None) for m in small_binary_study.models],
    )
    decision = decide(old)
    assert decision.runtime == "sklearn"
    assert other_runtime_models(old, decision) == []
    assert runtime_summary(old) == "This study did not compile its models for ONNX Runtime."
    entry = to_dict(old)["models"][1]["runtimes"]["onnx"]
    assert entry["available"] is False
    assert "run before ONNX Runtime was measured" in entry["problem"]


def _graph(**tensor: object) -> bytes:
    weights = helper.make_tensor("w", TensorProto.FLOAT, [1], [1.0])
    for key, value in tensor.items():
        setattr(weights, key, value)
    node = helper.make_node("Add", ["x", "w"], ["y"])
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
        [weights],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]).SerializeToString()


def test_a_hostile_graph_is_refused() -> None:
    comp.check_graph(_graph())  # a plain graph passes
    external = onnx.load_from_string(_graph())
    external.graph.initializer[0].data_location = TensorProto.EXTERNAL
    entry = external.graph.initializer[0].external_data.add()
    entry.key, entry.value = "location", "../../../etc/passwd"
    with pytest.raises(comp.GraphRefused, match="reads data from another file"):
        comp.check_graph(external.SerializeToString())
    custom = onnx.load_from_string(_graph())
    custom.graph.node[0].domain = "com.evil"
    with pytest.raises(comp.GraphRefused, match="operators this app does not write"):
        comp.check_graph(custom.SerializeToString())
    with pytest.raises(comp.GraphRefused, match="not an ONNX graph"):
        comp.check_graph(b"\x00garbage" * 10)


def test_the_sizes_of_a_sweep_that_fail_alike_are_named_once() -> None:
    why = "HistGradientBoostingClassifier could not be compiled to ONNX (no converter)"
    models = [
        SimpleNamespace(
            status="ok", onnx=None, family="Gradient boosting", label=f"Gradient boosting {i}",
            onnx_problem=f"{why}.",
        )
        for i in range(20)
    ] + [
        SimpleNamespace(
            status="ok", onnx=None, family="Baseline", label="Dummy baseline",
            onnx_problem="ONNX has no converter for DummyClassifier.",
        ),
        SimpleNamespace(
            status="ok", onnx=None, family="Gradient boosting", label="Gradient boosting 99",
            onnx_problem="Not offered as compiled: it predicts another class on 1 of 9 rows.",
        ),
    ]  # fmt: skip
    summary = runtime_summary(SimpleNamespace(models=models))  # type: ignore[arg-type]
    assert summary == (
        "0 of 22 models compiled to ONNX Runtime and predict as scikit-learn does on every "
        f"held-out row. Not compiled: 20 gradient boosting models ({why}), Dummy baseline (ONNX "
        "has no converter for DummyClassifier) and Gradient boosting 99 (Not offered as "
        "compiled: it predicts another class on 1 of 9 rows)."
    )


def test_the_chart_is_the_same_whether_plotly_checks_it_or_not(
    small_binary_study: StudyResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app skips plotly's checks of each property (most of a 300-model chart's time); the
    tests check: both must send plotly.js the same chart, whatever it holds (both runtimes and
    their arrows, a budget and its shading, the picks, log and linear axes)."""
    import json

    import core.figures
    from core.figures import message_figure
    from core.pareto import COST_AXES, Budgets

    decision = decide(small_binary_study, Choices(runtime="onnx"))
    shown = served(small_binary_study, decision.choices).models
    others = other_runtime_models(small_binary_study, decision)
    budgets = Budgets(max_latency_ms=1.0, max_size_mb=0.5)

    def charts() -> list[object]:
        made = [
            pareto_figure(
                shown,
                "accuracy",
                axis,
                budgets=budgets,
                academic=decision.academic,
                industry=decision.industry,
                other_runtime=others,
                title="<b>a & b</b>",
            )
            for axis in COST_AXES
        ]
        made.append(pareto_figure(shown, "accuracy", "size_bytes", log_x=False))
        made.append(message_figure("No model finished."))
        return [json.loads(fig.to_json()) for fig in made]

    monkeypatch.setattr(core.figures, "CHECK_PROPERTIES", True)
    checked = charts()
    monkeypatch.setattr(core.figures, "CHECK_PROPERTIES", False)
    assert charts() == checked
    assert checked[0]["layout"]["template"]["layout"]["plot_bgcolor"] == "white"
