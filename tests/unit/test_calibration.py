"""Calibration (``core.calibration``) and its reliability diagram: worked examples by hand, then
seeded simulations of known truth — a claim must survive simulation."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from scipy import integrate
from scipy import stats as scipy_stats
from sklearn.metrics import brier_score_loss

import core.calibration
from core.calibration import (
    BAD_CLASSES,
    BAD_RESAMPLES,
    BAD_TASK,
    CELL_MIN_ROWS,
    EXACT_CELLS,
    MATERIAL_ECE,
    MIN_ROWS,
    NO_ROWS,
    TOP_LABEL_EVENT,
    Calibration,
    CalibrationBin,
    _cell_bootstrap,
    _exact_bootstrap,
    _null_ece,
    _rows,
    calibration,
    calibration_sentence,
    format_share,
)
from core.calibration_figures import (
    DIAGONAL_NAME,
    EMPTY,
    SIZE_MAX,
    TITLE,
    X_TITLE,
    Y_TITLE,
    reliability_figure,
)
from core.errors import ConfigError, DataError
from core.stats import percentile_ci


def binary_proba(p1: list[float] | np.ndarray) -> np.ndarray:
    p = np.asarray(p1, dtype=float)
    return np.column_stack([1 - p, p])


def draw(n: int, seed: int, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Known truth: each row's chance q ~ Beta(2, 2), its outcome y ~ Bernoulli(q), and a model
    that says sigmoid(scale · logit(q)): calibrated at scale 1, overconfident above."""
    rng = np.random.default_rng(seed)
    q = rng.beta(2, 2, n)
    y = (rng.random(n) < q).astype(np.int64)
    return y, binary_proba(_stretch(q, scale)), q


def _stretch(q: np.ndarray, scale: float) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return 1 / (1 + np.exp(-scale * np.log(q / (1 - q))))


# --- worked examples -----------------------------------------------------------------------------


def test_binary_brier_ece_and_bins_by_hand() -> None:
    y = np.array([0, 1, 1, 0, 1])
    p = [0.1, 0.3, 0.35, 0.8, 0.95]
    cal = calibration("binary", y, binary_proba(p), event="yes", n_resamples=50)
    # Brier: (0.1² + 0.7² + 0.65² + 0.8² + 0.05²) / 5 = (0.01 + 0.49 + 0.4225 + 0.64 + 0.0025) / 5
    #      = 1.565 / 5 = 0.313.
    assert cal.brier == pytest.approx(0.313)
    # Bins [0.1, 0.2): {0.1, no}; [0.3, 0.4): {0.3 yes, 0.35 yes}; [0.8, 0.9): {0.8, no};
    # [0.9, 1]: {0.95, yes}. ECE = (|0 − 0.1| + |2 − 0.65| + |0 − 0.8| + |1 − 0.95|) / 5
    #     = (0.1 + 1.35 + 0.8 + 0.05) / 5 = 0.46.
    assert cal.ece == pytest.approx(0.46)
    assert [b.count for b in cal.bins] == [1, 2, 1, 1]
    assert [b.low for b in cal.bins] == pytest.approx([0.1, 0.3, 0.8, 0.9])
    assert [b.high for b in cal.bins] == pytest.approx([0.2, 0.4, 0.9, 1.0])
    both = cal.bins[1]
    assert (both.predicted, both.observed, both.events) == (pytest.approx(0.325), 1.0, 2)
    wilson = scipy_stats.binomtest(2, 2).proportion_ci(0.95, method="wilson")
    assert (both.observed_low, both.observed_high) == pytest.approx((wilson.low, 1.0))
    assert cal.kind == "positive class"
    assert cal.event == "yes"
    assert cal.rows == 5


def test_multiclass_is_judged_on_the_top_label_by_hand() -> None:
    y = np.array([0, 1, 2, 1])
    proba = np.array(
        [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [0.5, 0.4, 0.1]],
    )
    cal = calibration("multiclass", y, proba, event=TOP_LABEL_EVENT, n_resamples=50)
    # Predicted classes 0, 1, 2, 0: right, right, right, wrong; top probabilities 0.7, 0.8,
    # 0.4, 0.5. Brier, sum over classes: 0.09+0.04+0.01, 0.01+0.04+0.01, 0.09+0.09+0.36,
    # 0.25+0.36+0.01 = 0.14, 0.06, 0.54, 0.62; mean 1.36 / 4 = 0.34.
    assert cal.brier == pytest.approx(0.34)
    assert cal.brier == pytest.approx(brier_score_loss(y, proba, labels=[0, 1, 2]))
    # ECE = (|1 − 0.4| + |0 − 0.5| + |1 − 0.7| + |1 − 0.8|) / 4 = 1.6 / 4 = 0.4.
    assert cal.ece == pytest.approx(0.4)
    assert [b.low for b in cal.bins] == pytest.approx([0.4, 0.5, 0.7, 0.8])
    assert [b.observed for b in cal.bins] == [1.0, 0.0, 1.0, 1.0]
    assert cal.kind == "top label"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_brier_matches_scikit_learn(seed: int) -> None:
    y, proba, _ = draw(300, seed, scale=1.7)
    cal = calibration("binary", y, proba, event="yes", n_resamples=50)
    assert cal.brier == pytest.approx(brier_score_loss(y, proba[:, 1]), abs=1e-12)
    rng = np.random.default_rng(seed)
    proba3 = rng.dirichlet([1, 1, 1], 300)
    y3 = rng.integers(0, 3, 300)
    multi = calibration("multiclass", y3, proba3, event=TOP_LABEL_EVENT, n_resamples=50)
    assert multi.brier == pytest.approx(brier_score_loss(y3, proba3, labels=[0, 1, 2]))


def test_ends_of_the_range_and_probabilities_outside_it_by_rounding() -> None:
    y = np.array([1, 0, 1, 0])
    p = [1.0 + 1e-9, -1e-9, 1.0, 0.0]  # a float sum a hair outside [0, 1]
    cal = calibration("binary", y, binary_proba(p), event="yes", n_resamples=50)
    assert [(b.low, b.high, b.count) for b in cal.bins] == [(0.0, 0.1, 2), (0.9, 1.0, 2)]
    assert cal.brier == pytest.approx(0.0, abs=1e-15)
    assert cal.ece == pytest.approx(0.0, abs=1e-15)
    # Certain and right: no drawn outcome can differ, so nothing is off.
    assert cal.ece_if_calibrated == 0.0
    assert cal.p_value == 1.0
    assert not cal.poorly_calibrated


def test_intervals_bracket_the_values_and_the_same_seed_gives_the_same_result() -> None:
    y, proba, _ = draw(400, 3, scale=1.5)
    cal = calibration("binary", y, proba, event="yes", n_resamples=300, seed=7)
    assert cal.brier_low < cal.brier < cal.brier_high
    assert cal.ece_low < cal.ece_high
    assert all(b.observed_low <= b.observed <= b.observed_high for b in cal.bins)
    assert 0 < cal.p_value <= 1
    assert (cal.seed, cal.n_resamples) == (7, 300)
    assert calibration("binary", y, proba, event="yes", n_resamples=300, seed=7) == cal
    assert calibration("binary", y, proba, event="yes", n_resamples=300, seed=8) != cal


def test_the_p_value_is_never_zero() -> None:
    y = np.zeros(500, dtype=np.int64)  # never "yes"...
    cal = calibration("binary", y, binary_proba(np.full(500, 0.9)), event="yes", n_resamples=99)
    assert cal.p_value == pytest.approx(1 / 100)  # ...yet it said 90% every time
    assert cal.poorly_calibrated


@pytest.mark.parametrize(
    ("task", "y", "proba", "error", "message"),
    [
        ("regression", [0, 1], [[0.5, 0.5]] * 2, ConfigError, BAD_TASK.format(task="regression")),
        ("binary", [], np.zeros((0, 2)), DataError, NO_ROWS),
        ("binary", [0, 2], [[0.5, 0.5]] * 2, DataError, BAD_CLASSES.format(last=1, low=0, high=2)),
        ("binary", [0, 1], [[0.2, 0.3, 0.5]] * 2, DataError, "Got shape (2, 3)."),
        ("multiclass", [0, 1, 2], [0.5, 0.5, 0.5], DataError, "Got shape (3,)."),
    ],
)
def test_bad_inputs_say_what_was_given_and_what_is_allowed(
    task: str, y: list[int], proba: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as caught:
        calibration(task, np.asarray(y), np.asarray(proba), event="yes")
    assert message in str(caught.value)


def test_resamples_must_be_positive() -> None:
    with pytest.raises(ConfigError) as caught:
        calibration("binary", np.array([0, 1]), binary_proba([0.2, 0.7]), event="y", n_resamples=0)
    assert (
        str(caught.value) == BAD_RESAMPLES.format(n=0) == "n_resamples must be at least 1. Got 0."
    )


# --- the bin-level shortcut agrees with drawing every row ----------------------------------------


@pytest.mark.parametrize("task", ["binary", "multiclass"])
def test_bin_level_bootstrap_agrees_with_the_row_by_row_bootstrap(task: str) -> None:
    n = 6000
    if task == "binary":
        y, proba, _ = draw(n, 11, scale=1.5)
    else:
        rng = np.random.default_rng(11)
        proba = rng.dirichlet([0.5] * 4, n)
        y = (proba.cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1)
    rows = _rows(task, y, proba)
    exact, cells = _exact_bootstrap(rows, 1000, 0), _cell_bootstrap(rows, 1000, 0)
    for column in (0, 1):  # ECE, Brier
        a, b = percentile_ci(exact[:, column]), percentile_ci(cells[:, column])
        width = a[1] - a[0]
        assert b == pytest.approx(a, abs=0.1 * width)


def test_normal_bins_of_the_test_agree_with_drawing_every_row() -> None:
    y, proba, _ = draw(12_000, 12)  # 8 of 10 bins vary by more than NORMAL_VARIANCE
    rows = _rows("binary", y, proba)
    exact = _null_ece(rows, 3000, 0, exact=True)
    shortcut = _null_ece(rows, 3000, 0, exact=False)
    assert not np.array_equal(exact, shortcut)  # the shortcut was taken
    for q in (0.5, 0.95):  # 1-2% apart over seeds, the noise of 3,000 draws
        assert np.quantile(shortcut, q) == pytest.approx(np.quantile(exact, q), rel=0.04)


def test_many_rows_take_the_bin_level_path(monkeypatch: pytest.MonkeyPatch) -> None:
    n = 20_000
    assert n * 1000 > EXACT_CELLS
    assert n >= CELL_MIN_ROWS

    def row_by_row(*args: object) -> None:
        raise AssertionError("the row-by-row bootstrap ran on 20,000 rows")

    monkeypatch.setattr(core.calibration, "_exact_bootstrap", row_by_row)
    y, proba, _ = draw(n, 13)
    cal = calibration("binary", y, proba, event="yes")
    assert cal.brier_low < cal.brier < cal.brier_high
    assert not cal.poorly_calibrated


# --- the sentence --------------------------------------------------------------------------------


def _bin(low: float, count: int, predicted: float, observed: float) -> CalibrationBin:
    return CalibrationBin(
        low=low,
        high=round(low + 0.1, 10),
        count=count,
        predicted=predicted,
        observed=observed,
        observed_low=max(observed - 0.05, 0.0),
        observed_high=min(observed + 0.05, 1.0),
    )


def _cal(**changes: object) -> Calibration:
    base = Calibration(
        kind="positive class",
        event="yes",
        bins=(
            _bin(0.1, 400, 0.15, 0.16),
            _bin(0.5, 300, 0.55, 0.40),  # the widest gap
            _bin(0.8, 200, 0.84, 0.80),
            _bin(0.9, 10, 0.95, 0.30),  # wider still, but too few rows to speak of
        ),
        rows=910,
        brier=0.2,
        brier_low=0.18,
        brier_high=0.22,
        ece=0.08,
        ece_low=0.06,
        ece_high=0.10,
        ece_if_calibrated=0.02,
        p_value=0.001,
        poorly_calibrated=True,
        n_resamples=1000,
        seed=0,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_poorly_calibrated_model_is_described_by_its_widest_populated_gap() -> None:
    text = calibration_sentence(_cal())
    assert text.startswith(
        "When this model says about 55% for 'yes', the answer is 'yes' about 40% of the time "
        "(95% interval 35% to 45%, 300 held-out rows)."
    )
    assert "off by 8.0 points on average" in text
    assert "about 2.0 points" in text
    assert "scores for ranking" in text


def test_a_model_not_flagged_is_never_called_poorly_calibrated() -> None:
    # Not significant: what the rows cannot tell apart from chance.
    calm = calibration_sentence(_cal(poorly_calibrated=False, p_value=0.2))
    assert calm.startswith(
        "When this model says about 84% for 'yes', the answer is 'yes' about 80%"
    )
    assert calm.endswith(
        "its probabilities mean what they say, as far as 910 held-out rows can tell."
    )
    # Significant but under the material margin: close, and said to be so.
    close = calibration_sentence(_cal(poorly_calibrated=False, ece=0.03, p_value=0.01))
    assert "close to what happens (off by 3.0 points on average, about 1.0 points more" in close
    for text in (calm, close):
        assert "ranking" not in text
        assert "do not mean" not in text


def test_top_label_words() -> None:
    text = calibration_sentence(_cal(kind="top label", event=TOP_LABEL_EVENT))
    assert text.startswith(
        "When this model is about 55% sure of its answer, its predicted class is right about 40% "
        "of the time"
    )


def test_too_few_rows_to_judge() -> None:
    y, proba, _ = draw(MIN_ROWS - 1, 0, scale=3.0)
    cal = calibration("binary", y, proba, event="yes", n_resamples=100)
    text = calibration_sentence(cal)
    assert text.startswith(f"Only {MIN_ROWS - 1} held-out rows: too few to judge")
    assert math.isfinite(cal.ece)  # still computed


def test_no_populated_bin_speaks_of_the_largest() -> None:
    bins = (_bin(0.2, 20, 0.25, 0.3), _bin(0.6, 25, 0.65, 0.6), _bin(0.7, 15, 0.75, 0.7))
    text = calibration_sentence(_cal(bins=bins, rows=60, poorly_calibrated=False, p_value=0.5))
    assert "about 65% for 'yes'" in text
    assert "25 held-out rows" in text


@pytest.mark.parametrize("flagged", [False, True])
def test_one_outcome_only_cannot_show_calibration(flagged: bool) -> None:
    never = (_bin(0.0, 300, 0.03, 0.0), _bin(0.1, 100, 0.12, 0.0))
    cal = _cal(bins=never, rows=400, poorly_calibrated=flagged)
    text = calibration_sentence(cal)
    assert text.startswith("None of the 400 held-out rows is 'yes'")
    assert "about 5% on average" in text  # (300·0.03 + 100·0.12) / 400 = 0.0525
    assert ("do not mean what they say" in text) == flagged
    always = replace(
        cal, bins=(_bin(0.9, 400, 0.95, 1.0),), kind="top label", event=TOP_LABEL_EVENT
    )
    assert calibration_sentence(always).startswith(
        "Its predicted class is right on every one of the 400 held-out rows"
    )


def test_sentences_of_real_calibrations() -> None:
    y, proba, _ = draw(2000, 21, scale=2.5)
    overconfident = calibration("binary", y, proba, event="yes", n_resamples=200)
    assert overconfident.poorly_calibrated
    assert "scores for ranking" in calibration_sentence(overconfident)
    y, proba, _ = draw(2000, 21)
    calibrated = calibration("binary", y, proba, event="yes", n_resamples=200)
    assert not calibrated.poorly_calibrated
    assert "mean what they say" in calibration_sentence(calibrated)


@pytest.mark.parametrize(
    ("share", "text"),
    [
        (0.8, "80%"),
        (0.654, "65%"),
        (0.0, "0%"),
        (1.0, "100%"),
        (0.004, "0.4%"),
        (0.996, "99.6%"),
        (0.0001, "0.01%"),
        (0.0012345, "0.12%"),
        (0.9997, "99.97%"),
        (0.00499, "0.5%"),
        (1e-9, "under 0.0001%"),
        (1 - 1e-9, "over 99.9999%"),
        (math.nan, "unknown"),
    ],
)
def test_shares_are_whole_percents_except_near_certainty(share: float, text: str) -> None:
    assert format_share(share) == text


# --- the reliability diagram ---------------------------------------------------------------------


def test_reliability_figure_has_the_diagonal_and_one_trace_per_model() -> None:
    y, proba, _ = draw(600, 31)
    calibrated = calibration("binary", y, proba, event="yes", n_resamples=50)
    over = calibration("binary", y, binary_proba(_stretch(proba[:, 1], 2.5)), event="yes")
    fig = reliability_figure({"Logistic regression": calibrated, "XGBoost <large>": over})
    names = [t.name for t in fig.data]
    assert names[0] == "Perfectly calibrated: says 80% 'yes', 'yes' 80% of the time"
    assert list(fig.data[0].x) == [0, 100]
    assert list(fig.data[0].y) == [0, 100]
    assert len(fig.data) == 3
    assert names[1] == (
        f"Logistic regression: off by {calibrated.ece * 100:.1f} points on average (chance "
        f"alone: {calibrated.ece_if_calibrated * 100:.1f} points on 600 rows)"
    )
    assert not calibrated.poorly_calibrated
    assert over.poorly_calibrated
    assert names[2].startswith("XGBoost &lt;large&gt;: off by")  # escaped
    assert names[2].endswith(", poorly calibrated")
    assert list(fig.layout.xaxis.range) == [0, 100]
    assert list(fig.layout.yaxis.range) == [0, 100]
    assert fig.layout.xaxis.ticksuffix == "%"
    assert "chance of 'yes'" in fig.layout.xaxis.title.text
    assert fig.layout.title.text == "When the model says 80% 'yes', is it 'yes' 80% of the time?"
    trace = fig.data[1]
    assert list(trace.x) == pytest.approx([b.predicted * 100 for b in calibrated.bins])
    assert list(trace.y) == pytest.approx([b.observed * 100 for b in calibrated.bins])
    assert list(trace.error_y.arrayminus) == pytest.approx(
        [(b.observed - b.observed_low) * 100 for b in calibrated.bins]
    )
    # The most populated bin of the chart gets the largest marker; fewer rows, smaller ones.
    counts = [b.count for b in calibrated.bins]
    sizes = list(trace.marker.size)
    assert sizes[counts.index(max(counts))] == max(sizes)
    assert sizes[counts.index(min(counts))] == min(sizes) < max(sizes)
    assert max(max(t.marker.size) for t in fig.data[1:]) == pytest.approx(SIZE_MAX)
    b = calibrated.bins[0]
    assert f"{b.count:,} held-out rows" in trace.text[0]
    assert f"{b.events:,} of {b.count:,} rows" in trace.text[0]


def test_multiclass_figure_speaks_of_being_right() -> None:
    rng = np.random.default_rng(32)
    proba = rng.dirichlet([1, 1, 1], 300)
    y = rng.integers(0, 3, 300)
    cal = calibration("multiclass", y, proba, event=TOP_LABEL_EVENT, n_resamples=50)
    fig = reliability_figure({"Forest": cal})
    assert fig.layout.title.text == TITLE
    assert fig.data[0].name == DIAGONAL_NAME
    assert (fig.layout.xaxis.title.text, fig.layout.yaxis.title.text) == (X_TITLE, Y_TITLE)
    assert "sure of its answer" in fig.data[1].text[0]
    assert min(b.low for b in cal.bins) >= 0.3  # the top of 3 classes is at least 1/3: no low bins


def test_a_model_with_empty_bins_still_draws_its_bins() -> None:
    y = np.array([0, 1] * 30)
    p = np.array([0.1, 0.9] * 30)  # only two bins hold rows
    cal = calibration("binary", y, binary_proba(p), event="yes", n_resamples=50)
    fig = reliability_figure({"Tree": cal})
    assert len(fig.data[1].x) == 2
    empty = replace(cal, bins=())
    assert len(reliability_figure({"Tree": cal, "Nothing": empty}).data) == 2
    blank = reliability_figure({"Nothing": empty})
    assert blank.layout.annotations[0].text == EMPTY
    assert len(reliability_figure({}).data) == 0


# --- simulations of known truth ------------------------------------------------------------------

TRIALS = 200
#: A true 5% rate exceeds this count of 200 trials with probability under 1%.
FIVE_PERCENT_LIMIT = int(scipy_stats.binom.ppf(0.99, TRIALS, 0.05))


@pytest.mark.slow
@pytest.mark.parametrize("n", [200, 2000])
def test_calibrated_models_are_rarely_flagged(n: int) -> None:
    """Perfectly calibrated probabilities (y ~ Bernoulli(p), p ~ Beta(2, 5)): the test rejects in
    at most 5% of studies (the binomial margin of 200 trials allowed), and the verdict, which
    also needs a material excess, no more often."""
    flagged = rejected = 0
    for t in range(TRIALS):
        rng = np.random.default_rng(1000 + t)
        p = rng.beta(2, 5, n)
        y = (rng.random(n) < p).astype(np.int64)
        cal = calibration("binary", y, binary_proba(p), event="yes", n_resamples=100, seed=t)
        rejected += cal.p_value < 0.05
        flagged += cal.poorly_calibrated
    assert rejected <= FIVE_PERCENT_LIMIT
    assert flagged <= rejected
    assert flagged <= FIVE_PERCENT_LIMIT


@pytest.mark.slow
def test_an_overconfident_model_is_flagged() -> None:
    """Logits stretched 2.5x (says 90% where the truth is 71%): flagged in at least 90% of
    studies of 2,000 rows."""
    flagged = 0
    for t in range(100):
        y, proba, _ = draw(2000, 2000 + t, scale=2.5)
        cal = calibration("binary", y, proba, event="yes", n_resamples=100, seed=t)
        flagged += cal.poorly_calibrated
        assert cal.ece - cal.ece_if_calibrated > MATERIAL_ECE
    assert flagged >= 90


def _true_bin_frequency(low: float, high: float, scale: float) -> float:
    """P(event | the model says a probability in [low, high)) when q ~ Beta(2, 2) and the model
    says sigmoid(scale · logit q): the bin is q in [g(low), g(high)) with g the inverse, and
    E[q · 1{q in I}] = 2/4 · P(Beta(3, 2) in I)."""

    def g(x: float) -> float:
        return x if x in (0.0, 1.0) else 1 / (1 + math.exp(-math.log(x / (1 - x)) / scale))

    a, b = g(low), g(high)
    mass = scipy_stats.beta.cdf(b, 2, 2) - scipy_stats.beta.cdf(a, 2, 2)
    return float(0.5 * (scipy_stats.beta.cdf(b, 3, 2) - scipy_stats.beta.cdf(a, 3, 2)) / mass)


def _true_brier(scale: float) -> float:
    """E[(p − y)²] = E[p² − 2pq + q] over q ~ Beta(2, 2), with p the model's probability."""

    def integrand(q: float) -> float:
        p = 1 / (1 + math.exp(-scale * math.log(q / (1 - q))))
        return float((p * p - 2 * p * q + q) * scipy_stats.beta.pdf(q, 2, 2))

    return float(integrate.quad(integrand, 1e-12, 1 - 1e-12)[0])


@pytest.mark.slow
def test_bin_intervals_and_the_brier_interval_cover_the_truth() -> None:
    """A miscalibrated model (logits x1.5) on 500 rows: Wilson's intervals cover each bin's true
    event frequency, and the Brier interval the model's true expected Brier score."""
    scale, n = 1.5, 500
    brier = _true_brier(scale)
    truth = {round(k / 10, 1): _true_bin_frequency(k / 10, (k + 1) / 10, scale) for k in range(10)}
    covered = total = brier_covered = 0
    for t in range(TRIALS):
        y, proba, _ = draw(n, 3000 + t, scale=scale)
        cal = calibration("binary", y, proba, event="yes", n_resamples=200, seed=t)
        for b in cal.bins:
            total += 1
            covered += b.observed_low <= truth[round(b.low, 1)] <= b.observed_high
        brier_covered += cal.brier_low <= brier <= cal.brier_high
    assert total > 8 * TRIALS  # nearly every bin holds rows in every trial
    assert covered / total >= 0.92
    assert brier_covered / TRIALS >= 0.90


@pytest.mark.slow
def test_the_brier_interval_covers_the_truth_on_the_bin_level_path() -> None:
    """The same on 20,000 rows, where the bootstrap works on bin-level sums."""
    scale, n, trials = 1.5, 20_000, 100
    assert n * 300 > EXACT_CELLS
    brier = _true_brier(scale)
    covered = 0
    for t in range(trials):
        y, proba, _ = draw(n, 4000 + t, scale=scale)
        cal = calibration("binary", y, proba, event="yes", n_resamples=300, seed=t)
        covered += cal.brier_low <= brier <= cal.brier_high
    # 100 trials at a true 95%: at least 89 with probability 99%.
    assert covered >= 89
