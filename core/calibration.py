"""Calibration: do a classifier's probabilities mean what they say, on its held-out rows?

A model is calibrated when, among the rows it gives about 80%, the event happens about 80% of the
time. Binary tasks judge the probability of the positive class against whether the row is of that
class ("positive class"); multiclass tasks judge the probability of the predicted class against
whether the prediction was right ("top label").

The rows are split into ten equal-width bins of predicted probability. Each bin's observed share
has Wilson's score interval. Two summaries follow:

- the **Brier score**, the mean squared distance between the probabilities and what happened (as
  scikit-learn's ``brier_score_loss``: ``(p − y)²`` for binary, the sum over classes for
  multiclass);
- the **expected calibration error** (ECE), the rows' share-weighted mean of
  ``|observed − predicted|`` over the bins.

Even a perfectly calibrated model shows some ECE on a finite number of rows: the observed share of
a bin wanders around its mean probability by chance. The consistency-resampling test of Bröcker &
Smith (2007) measures that: it draws outcomes from the model's own probabilities, as a perfectly
calibrated model would have produced them, and recomputes the ECE each time. The median of those
draws is the ECE to expect by chance alone; the share of draws at least as large as the observed
ECE is the test's p-value. A model is called poorly calibrated only when the test rejects *and*
its ECE exceeds the chance level by a margin that matters (:data:`MATERIAL_ECE`).

Every figure is seeded and computed on bin-level sums, so that 100,000 rows x 1,000 resamples take
well under a couple of seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from core.errors import ConfigError, DataError
from core.stats import Bootstrap, percentile_ci, resample, wilson_interval

if TYPE_CHECKING:
    from core.study import StudyResult

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

CalibrationKind = Literal["positive class", "top label"]
#: The words a caller passes as ``event`` for a multiclass task, unless it has better ones.
TOP_LABEL_EVENT = "its predicted class is right"

#: Equal-width bins of predicted probability.
N_BINS = 10
#: k / 10 exactly as the literal 0.7 is written: a probability of 0.7 is in [0.7, 0.8).
BIN_EDGES: FloatArray = np.arange(N_BINS + 1) / N_BINS
#: Below this many held-out rows the sentence says there are too few to judge.
MIN_ROWS = 50
#: A bin the sentence speaks of holds at least this many rows (its interval is then at most
#: about ±18 points wide), unless no bin has that many.
MIN_BIN_ROWS = 30
#: The test's significance level.
SIGNIFICANCE = 0.05
#: How far the ECE must exceed the ECE a calibrated model would show by chance before a model is
#: called poorly calibrated: 2 points of probability on average. The test alone flags ever
#: smaller gaps as rows grow (at 100,000 rows, measured, a fifth of a point above chance), but a
#: person reading "about 80%" does not act differently on 78%, and recalibrating — a pipeline step
#: to build, check and keep — does not repay a gap under 2 points. The margin is counted above
#: the chance level, so the ECE's own finite-sample bias (about 2.3 points for a calibrated model
#: on 2,000 rows, measured) never counts towards it.
MATERIAL_ECE = 0.02

#: Resamples x rows up to which both resamplings draw every row (the bootstrap through
#: :class:`core.stats.Bootstrap`'s weight matrices): 5,000 rows at 1,000 resamples, about a
#: quarter of a second. Above, they work on bin-level sums (:func:`_cell_bootstrap`,
#: :func:`_null_ece`), which costs milliseconds whatever the rows.
EXACT_CELLS = 5_000_000
#: ... and below this many rows they always draw every row, however many resamples.
CELL_MIN_ROWS = 2_000
#: Above :data:`EXACT_CELLS`, a bin whose number of events varies by at least this much under
#: the model's own probabilities (``Σ p(1 − p)``, a standard deviation of 10 events) has it drawn
#: from the normal law; other bins draw every row's outcome.
NORMAL_VARIANCE = 100.0
#: Resamples x rows drawn at once (memory).
_CHUNK_CELLS = 4_000_000

NO_ROWS = "There are no held-out rows to check the model's probabilities on."
BAD_TASK = (
    "Calibration applies to classification tasks: task must be one of 'binary' or "
    "'multiclass'. Got {task!r} instead."
)
BAD_SHAPE = (
    "Probabilities must be a table of one row per held-out row and one column per class "
    "({rows} rows{classes}). Got shape {shape}."
)
BAD_CLASSES = (
    "Class codes must run from 0 to {last} (one per probability column). Got values from "
    "{low} to {high}."
)
BAD_RESAMPLES = "n_resamples must be at least 1. Got {n}."


@dataclass(frozen=True)
class CalibrationBin:
    """The held-out rows whose probability fell in ``[low, high)`` (the last bin includes 1)."""

    low: float
    high: float
    #: Held-out rows in the bin.
    count: int
    #: Their mean predicted probability.
    predicted: float
    #: Share of them where the event happened.
    observed: float
    #: Wilson's 95% score interval of ``observed``.
    observed_low: float
    observed_high: float

    @property
    def events(self) -> int:
        """Rows of the bin where the event happened."""
        return round(self.observed * self.count)


@dataclass(frozen=True)
class Calibration:
    """How well one model's probabilities match what happened on its held-out rows."""

    #: "positive class" (binary) or "top label" (multiclass: the predicted class's probability
    #: against whether the prediction was right).
    kind: CalibrationKind
    #: Words for what the probability is of: the positive class's label, or
    #: :data:`TOP_LABEL_EVENT`.
    event: str
    #: The non-empty bins of :data:`BIN_EDGES`, lowest first.
    bins: tuple[CalibrationBin, ...]
    rows: int
    #: Brier score (0 is perfect), with its 95% percentile-bootstrap interval over the rows.
    brier: float
    brier_low: float
    brier_high: float
    #: Expected calibration error over :attr:`bins`, with its 95% percentile-bootstrap interval.
    #: The interval says how much the ECE moves between samples of rows; like the ECE itself it
    #: sits above the model's true calibration error by about :attr:`ece_if_calibrated`.
    ece: float
    ece_low: float
    ece_high: float
    #: The median ECE a perfectly calibrated model with these probabilities shows on this many
    #: rows: the ECE to expect from chance alone.
    ece_if_calibrated: float
    #: Share of outcomes drawn from the model's own probabilities whose ECE is at least
    #: :attr:`ece` (with the +1 correction: never 0).
    p_value: float
    #: The test rejects (:data:`SIGNIFICANCE`) and the ECE exceeds :attr:`ece_if_calibrated` by
    #: at least :data:`MATERIAL_ECE`.
    poorly_calibrated: bool
    n_resamples: int
    seed: int


# --- preparation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rows:
    """Each held-out row: the probability judged, whether its event happened, its Brier term and
    its bin."""

    p: FloatArray
    hit: FloatArray
    loss: FloatArray
    bin: IntArray


def _rows(task: str, y_true: NDArray[np.generic], proba: NDArray[np.generic]) -> _Rows:
    if task not in ("binary", "multiclass"):
        raise ConfigError(BAD_TASK.format(task=task))
    y = np.asarray(y_true).astype(np.int64).ravel()
    probs = np.asarray(proba, dtype=np.float64)
    n = len(y)
    if n == 0:
        raise DataError(NO_ROWS)
    need = ", 2 classes" if task == "binary" else ", 2 or more classes"
    if probs.ndim != 2 or probs.shape[0] != n or probs.shape[1] < 2:
        raise DataError(BAD_SHAPE.format(rows=n, classes=need, shape=probs.shape))
    if task == "binary" and probs.shape[1] != 2:
        raise DataError(BAD_SHAPE.format(rows=n, classes=need, shape=probs.shape))
    k = probs.shape[1]
    if y.min() < 0 or y.max() >= k:
        raise DataError(BAD_CLASSES.format(last=k - 1, low=y.min(), high=y.max()))
    # Probabilities a hair outside [0, 1] by rounding (a float32 model, a sum of trees).
    probs = np.clip(probs, 0.0, 1.0)
    if task == "binary":
        p = probs[:, 1]
        hit = (y == 1).astype(np.float64)
        loss = (p - hit) ** 2
    else:
        predicted = np.argmax(probs, axis=1)
        p = probs[np.arange(n), predicted]
        hit = (predicted == y).astype(np.float64)
        onehot = np.zeros_like(probs)
        onehot[np.arange(n), y] = 1.0
        loss = np.sum((probs - onehot) ** 2, axis=1)
    bins = np.clip(np.searchsorted(BIN_EDGES, p, side="right") - 1, 0, N_BINS - 1)
    return _Rows(p=p, hit=hit, loss=loss, bin=bins.astype(np.int64))


def _bins(rows: _Rows) -> tuple[CalibrationBin, ...]:
    count = np.bincount(rows.bin, minlength=N_BINS)
    p_sum = np.bincount(rows.bin, weights=rows.p, minlength=N_BINS)
    hits = np.bincount(rows.bin, weights=rows.hit, minlength=N_BINS)
    out = []
    for b in np.flatnonzero(count):
        low, high = wilson_interval(float(hits[b]), float(count[b]))
        out.append(
            CalibrationBin(
                low=float(BIN_EDGES[b]),
                high=float(BIN_EDGES[b + 1]),
                count=int(count[b]),
                predicted=float(p_sum[b] / count[b]),
                observed=float(hits[b] / count[b]),
                observed_low=low,
                observed_high=high,
            )
        )
    return tuple(out)


def _ece(gaps: FloatArray, n: float | FloatArray) -> FloatArray:
    """ECE from each bin's sum of (event − probability): Σ_b (n_b / n)·|observed_b − predicted_b|
    is Σ_b |Σ_{rows of b} (y − p)| / n."""
    return np.asarray(np.abs(gaps).sum(axis=-1) / n, dtype=np.float64)


# --- bootstrap of the Brier score and the ECE ----------------------------------------------------


def _exact_bootstrap(rows: _Rows, n_resamples: int, seed: int) -> FloatArray:
    """(ECE, Brier) on each resample of the rows, from :class:`Bootstrap`'s weight matrices:
    one matrix product per chunk of resamples with each row's per-bin gap and its Brier term."""
    n = len(rows.p)
    basis = np.zeros((n, N_BINS + 1))
    basis[np.arange(n), rows.bin] = rows.hit - rows.p
    basis[:, N_BINS] = rows.loss

    def both(w: FloatArray) -> FloatArray:
        sums = w @ basis
        total = w.sum(axis=1)
        return np.column_stack([_ece(sums[:, :N_BINS], total), sums[:, N_BINS] / total])

    return resample(Bootstrap(n, n_resamples, seed), {"both": both})["both"]


def _cell_bootstrap(rows: _Rows, n_resamples: int, seed: int) -> FloatArray:
    """(ECE, Brier) on each resample of the rows, from bin-level sums.

    A bootstrap resample draws its rows' cells — (bin, event or not) — from a multinomial law:
    that is exact, and it carries everything the event counts do. Within a cell, the sum of the
    drawn rows' probabilities (and Brier terms) is a sum of K draws from the cell's own values,
    drawn here from the normal law with the same mean and variance: within a bin 0.1 wide the
    probabilities vary by at most ±0.05, so this is the small part of the spread, and it is used
    only on many rows (:data:`CELL_MIN_ROWS`), where a sum over a cell of few rows weighs little.
    Agreement with the row-by-row bootstrap is checked by the tests."""
    n = len(rows.p)
    cell = 2 * rows.bin + rows.hit.astype(np.int64)
    n_cells = 2 * N_BINS
    count = np.bincount(cell, minlength=n_cells).astype(np.float64)
    safe = np.maximum(count, 1.0)

    def mean_and_sd(values: FloatArray) -> tuple[FloatArray, FloatArray]:
        mean = np.bincount(cell, weights=values, minlength=n_cells) / safe
        spread = np.bincount(cell, weights=(values - mean[cell]) ** 2, minlength=n_cells) / safe
        return mean, np.sqrt(spread)

    p_mean, p_sd = mean_and_sd(rows.p)
    l_mean, l_sd = mean_and_sd(rows.loss)
    rng = np.random.default_rng(seed)
    drawn = rng.multinomial(n, count / count.sum(), size=n_resamples).astype(np.float64)
    root = np.sqrt(drawn)
    p_sums = drawn * p_mean + root * p_sd * rng.standard_normal(drawn.shape)
    l_sums = drawn * l_mean + root * l_sd * rng.standard_normal(drawn.shape)
    hits = drawn[:, 1::2]  # cells (bin, event)
    gaps = hits - p_sums[:, 0::2] - p_sums[:, 1::2]
    return np.column_stack([_ece(gaps, n), l_sums.sum(axis=1) / n])


# --- consistency resampling ----------------------------------------------------------------------


def _null_ece(rows: _Rows, n_resamples: int, seed: int, *, exact: bool) -> FloatArray:
    """The ECE of outcomes drawn from the model's own probabilities (y* ~ Bernoulli(p)), once
    per resample: what a perfectly calibrated model with these probabilities would show.

    Each bin's ECE term depends only on its number of events. With ``exact`` every row's outcome
    is drawn; otherwise a bin whose count of events varies enough (:data:`NORMAL_VARIANCE`) has
    it drawn from the normal law with its exact mean ``Σ p`` and variance ``Σ p(1 − p)``."""
    n = len(rows.p)
    p_sum = np.bincount(rows.bin, weights=rows.p, minlength=N_BINS)
    variance = np.bincount(rows.bin, weights=rows.p * (1 - rows.p), minlength=N_BINS)
    normal = np.zeros(N_BINS, dtype=bool) if exact else variance >= NORMAL_VARIANCE
    rng = np.random.default_rng([seed, 1])  # a stream of its own, apart from the bootstrap's
    gaps = np.zeros((n_resamples, N_BINS))
    if normal.any():
        z = rng.standard_normal((n_resamples, int(normal.sum())))
        gaps[:, normal] = z * np.sqrt(variance[normal])
    drawn = np.flatnonzero(~normal[rows.bin])
    if drawn.size:
        # float32 draws and sums: twice as fast, and exact counts up to 16M rows in a bin.
        p = rows.p[drawn].astype(np.float32)
        onehot = np.zeros((drawn.size, N_BINS), dtype=np.float32)
        onehot[np.arange(drawn.size), rows.bin[drawn]] = 1
        step = max(1, _CHUNK_CELLS // drawn.size)
        for start in range(0, n_resamples, step):
            b = min(step, n_resamples - start)
            outcome = rng.random((b, drawn.size), dtype=np.float32) < p[None, :]
            events = outcome.astype(np.float32) @ onehot
            gaps[start : start + b, ~normal] = (events.astype(np.float64) - p_sum)[:, ~normal]
    return _ece(gaps, n)


# --- the public function -------------------------------------------------------------------------


def calibration(
    task: str,
    y_true: NDArray[np.generic],
    proba: NDArray[np.generic],
    *,
    event: str,
    n_resamples: int = 1000,
    seed: int = 0,
) -> Calibration:
    """How well ``proba`` (held-out rows x classes) matches ``y_true`` (class codes 0..k−1).

    ``task`` is "binary" (the positive class is code 1, ``event`` its label) or "multiclass"
    (top label; ``event`` such as :data:`TOP_LABEL_EVENT`). Probabilities are clipped to [0, 1].
    The intervals of the Brier score and the ECE are percentile-bootstrap intervals over the
    held-out rows, and the calibration test draws ``n_resamples`` sets of outcomes; both are
    seeded by ``seed``, so the same inputs give the same result."""
    if n_resamples < 1:
        raise ConfigError(BAD_RESAMPLES.format(n=n_resamples))
    rows = _rows(task, y_true, proba)
    n = len(rows.p)
    gaps = np.bincount(rows.bin, weights=rows.hit - rows.p, minlength=N_BINS).astype(np.float64)
    ece = float(_ece(gaps, n))
    brier = float(np.mean(rows.loss))
    row_by_row = n * n_resamples <= EXACT_CELLS or n < CELL_MIN_ROWS
    boot = (_exact_bootstrap if row_by_row else _cell_bootstrap)(rows, n_resamples, seed)
    null = _null_ece(rows, n_resamples, seed, exact=row_by_row)
    # A draw equal to the observed ECE counts as at least as large (sums in another order).
    at_least = int(np.sum(null >= ece - 1e-12))
    p_value = (1 + at_least) / (1 + n_resamples)
    by_chance = float(np.median(null))
    ece_low, ece_high = percentile_ci(boot[:, 0])
    brier_low, brier_high = percentile_ci(boot[:, 1])
    return Calibration(
        kind="positive class" if task == "binary" else "top label",
        event=event,
        bins=_bins(rows),
        rows=n,
        brier=brier,
        brier_low=brier_low,
        brier_high=brier_high,
        ece=ece,
        ece_low=ece_low,
        ece_high=ece_high,
        ece_if_calibrated=by_chance,
        p_value=p_value,
        poorly_calibrated=p_value < SIGNIFICANCE and ece - by_chance >= MATERIAL_ECE,
        n_resamples=n_resamples,
        seed=seed,
    )


# --- words ---------------------------------------------------------------------------------------


#: Decimals of a percent a share may show: closer to 0% or 100% reads "under" or "over".
_SHARE_DECIMALS = 4


def format_share(share: float) -> str:
    """A share as a whole percent ("65%"); within half a point of 0% or 100%, two significant
    digits of the distance to it, so that a small chance never rounds to a certainty ("0.4%",
    "0.012%", "99.6%", "99.97%"; "under 0.0001%" and "over 99.9999%" beyond)."""
    if not math.isfinite(share):
        return "unknown"
    value = share * 100
    if value in (0.0, 100.0) or 0.5 <= value < 99.5:
        return f"{value:.0f}%"
    gap = value if value < 0.5 else 100 - value
    smallest = 10.0**-_SHARE_DECIMALS
    if gap < smallest and value < 0.5:
        return f"under {smallest:.{_SHARE_DECIMALS}f}%"
    if gap < smallest:
        return f"over {100 - smallest:.{_SHARE_DECIMALS}f}%"
    decimals = min(_SHARE_DECIMALS, max(1, 1 - math.floor(math.log10(gap))))
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return f"{text}%"


def _about(share: float) -> str:
    """ "about 80%" (not "about under 0.0001%")."""
    text = format_share(share)
    return text if text.startswith(("under", "over")) else f"about {text}"


def format_points(gap: float) -> str:
    """A difference of probabilities in percentage points: "4.2 points"."""
    return f"{gap * 100:.1f} points"


def said_words(cal: Calibration, share: str) -> str:
    """What the model says, in words: "says 80% for 'yes'" / "is 80% sure of its answer"."""
    if cal.kind == "positive class":
        return f"says {share} for '{cal.event}'"
    return f"is {share} sure of its answer"


def happened_words(cal: Calibration, share: str) -> str:
    """What happened, in words: "the answer is 'yes' 65% of the time" / "its predicted class is
    right 65% of the time"."""
    if cal.kind == "positive class":
        return f"the answer is '{cal.event}' {share} of the time"
    return f"{cal.event} {share} of the time"


def _when(cal: Calibration, b: CalibrationBin) -> str:
    return (
        f"When this model {said_words(cal, _about(b.predicted))}, "
        f"{happened_words(cal, _about(b.observed))} (95% interval "
        f"{format_share(b.observed_low)} to {format_share(b.observed_high)}, "
        f"{b.count:,} held-out rows)"
    )


def _one_outcome(cal: Calibration, every: bool) -> str:
    """The event happened on every row, or on none: they show only one side."""
    said = sum(b.predicted * b.count for b in cal.bins) / cal.rows
    if cal.kind == "positive class":
        head = (
            f"All {cal.rows:,} held-out rows are '{cal.event}'"
            if every
            else f"None of the {cal.rows:,} held-out rows is '{cal.event}'"
        )
        gave = f"this model gave '{cal.event}' {_about(said)} on average"
    else:
        clause = cal.event[:1].upper() + cal.event[1:]
        head = f"{clause} on {'every one' if every else 'none'} of the {cal.rows:,} held-out rows"
        gave = f"this model was {_about(said)} sure on average"
    if cal.poorly_calibrated:
        return f"{head}, yet {gave}: its probabilities do not mean what they say."
    return f"{head} ({gave}), so they cannot show whether its probabilities mean what they say."


def calibration_sentence(cal: Calibration) -> str:
    """One model's calibration in plain words with its numbers, for a product manager.

    It speaks of one bin of at least :data:`MIN_BIN_ROWS` rows (the most populated bin if none
    is): the one furthest from the diagonal when the model is poorly calibrated, else the most
    confident one. It never says the model is poorly calibrated unless
    :attr:`Calibration.poorly_calibrated`, and below :data:`MIN_ROWS` rows it only says there
    are too few to judge."""
    if cal.rows < MIN_ROWS:
        return (
            f"Only {cal.rows:,} held-out rows: too few to judge whether this model's "
            f"probabilities mean what they say (at least {MIN_ROWS} are needed)."
        )
    events = sum(b.events for b in cal.bins)
    if events in (0, cal.rows):
        return _one_outcome(cal, every=events == cal.rows)
    candidates = [b for b in cal.bins if b.count >= MIN_BIN_ROWS] or [
        max(cal.bins, key=lambda b: b.count)
    ]
    if cal.poorly_calibrated:
        worst = max(candidates, key=lambda b: abs(b.observed - b.predicted))
        return (
            f"{_when(cal, worst)}. Over all {cal.rows:,} held-out rows its probabilities are "
            f"off by {format_points(cal.ece)} on average, where probabilities that mean what "
            f"they say would be off by about {format_points(cal.ece_if_calibrated)} on this "
            "many rows by chance: treat them as scores for ranking, not as chances."
        )
    confident = max(candidates, key=lambda b: b.low)
    if cal.p_value < SIGNIFICANCE:  # off by more than chance, but not by a margin that matters
        return (
            f"{_when(cal, confident)}: its probabilities are close to what happens (off by "
            f"{format_points(cal.ece)} on average, about "
            f"{format_points(max(cal.ece - cal.ece_if_calibrated, 0.0))} more than chance "
            "alone, too little to matter)."
        )
    return (
        f"{_when(cal, confident)}: its probabilities mean what they say, as far as "
        f"{cal.rows:,} held-out rows can tell."
    )


# --- a study's models ----------------------------------------------------------------------------


def model_calibration(study: StudyResult, name: str) -> Calibration | None:
    """The calibration of model ``name`` of ``study`` on its held-out rows (seeded by the
    study's seed, with its number of resamples); ``None`` for regression or a model without
    probabilities."""
    ds = study.dataset
    model = study.model(name)
    if not ds.is_classification or model.predictions is None or model.predictions.proba is None:
        return None
    event = ds.classes[1] if ds.task == "binary" else TOP_LABEL_EVENT
    return calibration(
        ds.task,
        ds.y[study.eval_index],
        model.predictions.proba,
        event=event,
        n_resamples=study.config.n_resamples,
        seed=study.config.seed,
    )


def calibration_warning(study: StudyResult, name: str, cal: Calibration | None) -> str | None:
    """What the business case says of a model whose probabilities are poorly calibrated: its
    threshold and expected costs rest on them, and a calibrated variant can be trained (named
    when the study does not already have it); ``None`` when they are not poorly calibrated."""
    if cal is None or not cal.poorly_calibrated:
        return None
    from core import candidates as cand

    label = study.model(name).label
    variant = cand.calibrated_name(name)
    trained = {m.name for m in study.ok_models}
    if variant is None:
        offer = ""
    elif variant in trained:
        offer = f" Its calibrated variant ({cand.get_candidate(variant).label}) is in this study."
    else:
        offer = (
            f" A calibrated variant ({cand.get_candidate(variant).label}) can be trained and "
            "measured like any other model: tick it on the Train page, or add "
            f"--models {variant} on the command line."
        )
    return (
        f"{label}'s probabilities are poorly calibrated: off by {format_points(cal.ece)} on "
        f"average, where chance alone would give about {format_points(cal.ece_if_calibrated)} "
        f"on these {cal.rows:,} held-out rows. Its decision threshold and expected costs rest "
        "on those probabilities, so read them with care." + offer
    )
