"""Learning curves (core.curves): nested subsets, curves drawn through the study's executor and
scored on its held-out rows, curves.json that refuses what this app does not write, and the
sentence about the decision checked by simulation of known truth."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace

import numpy as np
import pytest
from scipy import stats as scipy_stats

from core import candidates as cand
from core import jobs
from core.curves import (
    MULTIPLES,
    ROLE_DECISION,
    ROLE_NEURAL,
    ROLE_SIMPLE,
    Curve,
    CurvePoint,
    CurvesFileError,
    curve_models,
    curves_from_dict,
    curves_to_dict,
    forecast_table,
    more_data_sentence,
    nested_order,
    run_curves,
    subset,
)
from core.curves_figures import learning_curve_figure, training_cost_figure
from core.forecast import fit_curve
from core.stats import Bootstrap
from core.store import StudyStore
from core.study import StudyConfig, run_study
from core.study_files import dumps, loads

FAST = {"latency_calls": 30, "latency_budget_s": 0.05, "n_resamples": 300}


# --- which rows ----------------------------------------------------------------------------------


def test_each_share_is_inside_the_next_and_keeps_the_classes_in_proportion():
    rng = np.random.default_rng(0)
    y = (rng.random(1000) < 0.2).astype(np.int64)  # a rare class of 20%
    train = np.sort(rng.choice(5000, size=1000, replace=False))
    labels = np.zeros(5000, dtype=np.int64)
    labels[train] = y
    order = nested_order(train, labels, seed=3)
    assert sorted(order) == list(train)  # every training row once, no other row
    shares = (0.1, 0.2, 0.4, 0.7, 1.0)
    subsets = [subset(order, s) for s in shares]
    for small, large in itertools.pairwise(subsets):
        assert set(small) < set(large)
    for s, rows in zip(shares, subsets, strict=True):
        assert len(rows) == int(np.ceil(s * 1000))
        assert abs(labels[rows].mean() - 0.2) <= 0.011  # within a row of the proportion
    assert np.array_equal(order, nested_order(train, labels, seed=3))  # seeded
    assert not np.array_equal(order, nested_order(train, labels, seed=4))


# --- drawn on a study ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def study(binary_dataset):
    config = StudyConfig(models=("decision_tree", "naive_bayes", "mlp_small"), n_workers=2, **FAST)
    return run_study(binary_dataset, config)


@pytest.fixture(scope="module")
def drawn(study):
    decision = study.decision
    roles = curve_models(study, decision.industry, decision.academic)
    seen = []
    curves = run_curves(study, roles, decision=decision.industry, on_progress=seen.append)
    return roles, curves, seen


def test_the_key_models_are_drawn_each_with_its_roles(study, drawn):
    roles, curves, _ = drawn
    decision = study.decision
    assert ROLE_DECISION in roles[decision.industry]
    assert ROLE_NEURAL in roles["mlp_small"]
    assert ROLE_SIMPLE in roles[cand.SIMPLE_BASELINE]
    assert cand.DUMMY_BASELINE not in roles
    assert [c.name for c in curves.curves] == list(roles)


@pytest.mark.slow
def test_each_curve_ends_with_the_studys_own_model_on_the_same_held_out_rows(study, drawn):
    _, curves, seen = drawn
    assert curves.held_out_rows == len(study.eval_index)
    for curve in curves.curves:
        model = study.model(curve.name)
        rows = [p.rows for p in curve.points]
        assert rows == sorted(rows)
        assert len(set(rows)) == len(rows)
        # 10% of 320 training rows is too few to train on (MIN_TRAIN_ROWS), and it says so
        assert [p.share for p in curve.points] == [0.2, 0.4, 0.7, 1.0]
        assert curve.problems == ("10% of the rows is too few to train on",)
        last = curve.points[-1]
        assert last.from_study
        assert not any(p.from_study for p in curve.points[:-1])
        assert last.metric == model.metrics[study.primary_metric]
        assert (last.low, last.high) == (model.metric_ci_low, model.metric_ci_high)
        assert last.rows == model.train_rows
        for p in curve.points:
            assert p.low <= p.metric <= p.high
            assert p.train_s is not None
            assert p.train_s > 0
        assert [f.multiple for f in curve.forecasts] == list(MULTIPLES)
        assert [f.rows for f in curve.forecasts] == [round(m * last.rows) for m in MULTIPLES]
    # progress: every training was counted, the last report says all are done
    assert seen[-1].done == seen[-1].total == 3 * len(curves.curves)
    assert curves.sentence


def test_the_curves_come_back_from_their_file_exactly(drawn):
    _, curves, _ = drawn
    text = dumps(curves_to_dict(curves))
    assert curves_from_dict(loads(text)) == curves


def _hostile(drawn, change) -> dict:
    _, curves, _ = drawn
    document = json.loads(dumps(curves_to_dict(curves)))
    change(document)
    return document


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(format="something else"),
        lambda d: d.update(version=99),
        lambda d: d.update(metric="__import__('os')"),
        lambda d: d.update(sentence=["not", "text"]),
        lambda d: d.update(sentence="x" * 100_000),
        lambda d: d["curves"][0].update(points="many"),
        lambda d: d["curves"][0]["points"][0].update(rows=1.5),
        lambda d: d["curves"][0]["points"][0].update(metric="0.9"),
        lambda d: d["curves"][0].update(trustworthy="yes"),
        lambda d: d["curves"].extend([{}] * 2000),
        lambda d: d.pop("curves"),
    ],
    ids=[
        "format",
        "version",
        "metric",
        "sentence-type",
        "sentence-size",
        "points-type",
        "rows-float",
        "metric-text",
        "flag-text",
        "too-many",
        "missing",
    ],
)
def test_a_curves_file_this_app_did_not_write_is_refused(drawn, change):
    with pytest.raises(CurvesFileError):
        curves_from_dict(_hostile(drawn, change))


def test_the_figures_and_the_table_speak_in_plain_words(drawn):
    _, curves, _ = drawn
    fig = learning_curve_figure(curves)
    assert "held-out rows" in fig.layout.title.text
    assert fig.layout.xaxis.type == "log"
    named = [t.name for t in fig.data if t.showlegend is not False and t.name]
    assert len(named) == len(curves.curves) + 1  # each model and what the dashes mean
    cost = training_cost_figure(curves)
    assert cost.layout.yaxis.type == "log"
    table = forecast_table(curves)
    assert len(table) == sum(len(c.forecasts) for c in curves.curves)
    assert set(table["Trustworthy"]) <= {"yes", "no"}


def test_curves_are_saved_with_a_study_and_survive_a_lost_index(tmp_path, study, drawn):
    _, curves, _ = drawn
    store = StudyStore(tmp_path)
    study_id = store.save(study)
    assert store.attachment(study_id, "curves") is None
    store.attach(study_id, "curves", dumps(curves_to_dict(curves)).encode())
    (tmp_path / "studies.sqlite").unlink()  # the index is lost; the folder is the truth
    reopened = StudyStore(tmp_path)
    data = reopened.attachment(study_id, "curves")
    assert data is not None
    assert curves_from_dict(loads(data.decode())) == curves
    with pytest.raises(KeyError):  # only the files of the exact list
        reopened.attach(study_id, "../../etc/passwd", b"x")


def test_a_curves_file_changed_after_it_was_saved_is_refused(tmp_path, study, drawn):
    from core.store import StoreError

    _, curves, _ = drawn
    store = StudyStore(tmp_path)
    study_id = store.save(study)
    store.attach(study_id, "curves", dumps(curves_to_dict(curves)).encode())
    (tmp_path / "studies" / study_id / "curves.json").write_text("{}")
    with pytest.raises(StoreError, match="changed after it was saved"):
        store.attachment(study_id, "curves")
    assert store.load(study_id).models  # the study itself still opens


@pytest.mark.slow
def test_curves_drawn_in_the_background_are_saved_and_found(study):
    decision = study.decision
    roles = {cand.SIMPLE_BASELINE: (ROLE_SIMPLE,)}
    saved = []
    job = jobs.start_curves("test-key", study, roles, decision.industry, saved.append)
    assert jobs.start_curves("test-key", study, roles, decision.industry) is job  # not twice
    assert job.wait(300)
    assert job.state == "done", job.error
    assert saved == [job.result]
    assert jobs.find_curves("test-key") is job
    assert jobs.find_curves(["not", "a", "key"]) is None


# --- the sentence, by simulation -----------------------------------------------------------------

N = 5000
SIZES = np.array([0.1, 0.2, 0.4, 0.7, 1.0]) * N
HELD_OUT = 2000
TRIALS = 200


def law(n, a=0.9, b=2.0, c=0.5):
    return a - b * np.asarray(n, dtype=float) ** (-c)


def _curves(truths, seed):
    """Models whose true accuracy at each size is ``truths[k]``, scored on one set of held-out
    rows whose difficulty the models share in part (their errors correlate, as real models')."""
    rng = np.random.default_rng(seed)
    u = rng.uniform(size=HELD_OUT)
    columns = []
    for k, truth in enumerate(truths):
        mine = (
            u
            if k == 0
            else scipy_stats.norm.cdf(
                0.8 * scipy_stats.norm.ppf(u) + 0.6 * rng.standard_normal(HELD_OUT)
            )
        )
        columns.append(mine[:, None] < truth[None, :])
    correct = np.hstack(columns).astype(float)
    plan = Bootstrap(HELD_OUT, 500, seed)
    samples = np.concatenate([w @ correct / w.sum(axis=1, keepdims=True) for w in plan.chunks()])
    values = correct.mean(axis=0)
    curves, fits = [], {}
    for k in range(len(truths)):
        cols = slice(5 * k, 5 * k + 5)
        fit = fit_curve(
            SIZES, values[cols], samples[:, cols], higher_is_better=True, bounds=(0, 1), seed=seed
        )
        name = f"m{k}"
        points = tuple(
            CurvePoint(s / N, int(s), float(v), float(v), float(v), 1.0, 100)
            for s, v in zip(SIZES, values[cols], strict=True)
        )
        curves.append(
            Curve(name, f"Model {k}", "XGBoost", (), points, (), fit.trustworthy, fit.why_not)
        )
        fits[name] = fit
    return curves, fits


def _said(truths, trials=TRIALS):
    return [more_data_sentence(*_curves(truths, 5000 + t), "accuracy", "m0") for t in range(trials)]


@pytest.mark.slow
def test_no_rival_is_said_to_overtake_when_none_does():
    """Three models on the same learning curve: "overtake" is a false claim. Simultaneous over
    rivals and multiples, it is made in at most about 5% of studies (8.5% is the 99% binomial
    bound of 200 trials at a true 5%)."""
    said = _said([law(SIZES)] * 3)
    rate = np.mean(["overtake" in s for s in said])
    print(f"false 'overtake' rate: {rate:.3f}")
    assert rate <= 0.085


@pytest.mark.slow
def test_a_rival_with_a_clearly_higher_ceiling_is_said_to_overtake():
    said = _said([law(SIZES), law(SIZES, a=0.96)], trials=100)
    rate = np.mean(["Model 1 is forecast to overtake Model 0" in s for s in said])
    print(f"'overtake' when true: {rate:.3f}")
    assert rate >= 0.8


@pytest.mark.slow
def test_flat_curves_are_said_to_be_flat_and_rising_ones_never_are():
    flat = _said([np.full(5, 0.85), np.full(5, 0.80)], trials=60)
    assert np.mean(["The curves are flat" in s for s in flat]) >= 0.9
    rising = _said([law(SIZES, a=0.95, b=8.0), law(SIZES, a=0.9, b=8.0)], trials=60)
    assert not any("flat" in s for s in rising)
    assert all("overtake" in s or "is forecast to improve its accuracy by" in s for s in rising)


def test_an_untrustworthy_forecast_for_the_pick_is_said_so():
    curves, fits = _curves([law(SIZES)], seed=1)
    broken = replace(curves[0], trustworthy=False, why_not="The scores zig-zag.")
    said = more_data_sentence([broken], fits, "accuracy", "m0")
    assert said.startswith("The forecast for Model 0 cannot be trusted (the scores zig-zag)")
    assert "overtake" not in said
    assert "flat" not in said


def test_a_model_with_its_own_row_limit_keeps_the_studys_model_and_says_why():
    from core.curves.run import _distinct

    def point(share, rows, from_study=False):
        return (CurvePoint(share, rows, 0.8, 0.7, 0.9, 1.0, 10, from_study), np.zeros(3))

    points = [point(0.1, 10_000), point(0.2, 20_000), point(0.4, 20_000), point(1.0, 20_000, True)]
    kept, capped = _distinct(points)
    assert capped
    assert [(p.share, p.rows) for p, _ in kept] == [(0.1, 10_000), (1.0, 20_000)]
    assert kept[-1][0].from_study
    assert _distinct(points[:2]) == (points[:2], False)
