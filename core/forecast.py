"""Learning curves: what a model would score, and cost, with more training rows.

A learning curve is one model's held-out metric after training on nested subsets of the training
rows (say 10, 20, 40, 70 and 100% of them). Every point is scored on the same held-out rows, and
for each point we have the metric on the same bootstrap resamples of those rows (a matrix
``samples``, resamples x points), so differences between points, and between two models' curves,
are paired.

**The law.** For a metric where higher is better the curve is fitted as a saturating power law,
``score(n) = a − b·n^(−c)`` with ``b ≥ 0``: ``a`` is the score the model tends to with unlimited
rows, and ``c`` how fast it gets there. For a metric where lower is better it is the mirror,
``a + b·n^(−c)``. The asymptote ``a`` is kept inside the metric's range (no accuracy above 1, no
RMSE below 0) and so is every forecast. ``c`` is searched in ``[0.05, 2]``:

- measured exponents sit well inside it: about 0.07–0.35 for deep networks' error (Hestness et al.
  2017, "Deep learning scaling is predictable, empirically"), 0.5–1 for the classical parametric
  rates;
- above 2, over the tenfold range of sizes a curve usually spans, ``n^(−c)`` falls more than a
  hundredfold: the curve is flat after its first point and the points cannot tell c = 2 from
  c = 5, while the forecasts (≈ ``a``) are the same;
- below 0.05, ``n^(−c)`` changes by less than 12% over that range: the law is a straight line in
  log n whose ``a`` and ``b`` run off together towards infinity. At 0.05 the forecast is still a
  slow, log-like growth, but ``a`` stays finite.

**The fit.** The points share their test rows, so their errors are strongly correlated: a lucky
test set lifts every point together, and that shared lift only moves ``a``; the gaps between
points are far more precise than each point is. Weighting each point by its own bootstrap
variance alone ignores this: its weighted sum of squares then comes out far smaller than a
chi-square (the p-value's median is above 0.9 in the tests' simulation of curves that follow the
law, where a calibrated test would give 0.5), useless for telling noise from misfit. So the fit
is generalised least squares with the points' full bootstrap covariance ``Σ`` (their variances
on the diagonal, as weights, and their covariances off it): for each ``c`` on a grid, ``(a, b)``
is a closed-form linear least squares (with ``b ≥ 0`` and the asymptote inside the metric's
range), the ``c`` with the least weighted sum of squares wins, and a parabola through its
neighbours refines it. This is done for the point values and for every resample at once, with
NumPy, no optimiser loop: four curves of 1,000 resamples fit in about 0.05–0.1 s.

**Honest intervals.** Resampling the test rows measures only their noise. A real curve also
scatters because each size trained on its own random rows (and seed): when this module was
designed, a 0.3-point jitter per size, which no one would notice on a chart, cut the coverage of
the bootstrap-only 95% interval at 5x the rows to 76% (simulation as in the tests). So the curve
carries a second, independent noise of variance ``τ²`` per point, estimated as in a
random-effects meta-analysis by the median-unbiased form of Paule & Mandel's estimator: the
smallest ``τ²`` for which the weighted residuals ``r'(Σ + τ²I)⁻¹r`` are no larger than the
median of chi-square with points − 3 degrees of freedom (zero when the test rows' noise explains
the scatter). The plain estimator (the mean of chi-square, not its median) is zero too often
with five points: with a 0.5-point jitter it covered 87–93% at 5x over three sets of 300–400
seeded curves, the median-unbiased one 91–94%. The fit is then weighted by ``Σ + τ²I`` and
each resample gets its own seeded draw of that extra noise before it is fitted, so the forecast
interval widens by as much as the scatter implies, and two models' draws are independent
(training noise is not shared). Measured coverage of the 95% interval (200–400 seeded curves a
setting, 2,000 test rows, 5 sizes): 93–98% at 2x, 5x and 10x without jitter (the widening makes
it a little conservative), 91–95% with a 0.3- to 2-point jitter.

**Trust.** A fit is not trustworthy (``why_not`` says why, in plain words) when

- it has fewer than :data:`MIN_SIZES` distinct sizes: three points fix a, b and c with nothing
  left to check them;
- a larger size scores clearly worse than a smaller one: the 95% interval of their paired
  difference is entirely on the wrong side, so something other than the number of rows drives
  the scores (with a 0.5-point training jitter, about one simulated curve in five shows such a
  drop between its two largest sizes, which are only half a point apart in truth);
- no curve of the law passes within the points' error bars: the least sum of squared residuals,
  each divided by its point's bootstrap variance, exceeds the :data:`FIT_LEVEL` (99%) quantile of
  chi-square with points − 3 degrees of freedom. Because the points' errors move together this
  test is conservative: it fired for none of the simulated curves that follow the law, nor with
  a 0.5-point jitter, and for ~12% with a 1-point jitter. It catches shapes no learning curve
  has (a step, a zig-zag); smaller scatter widens the interval instead (above).

Forecasts are returned whatever the verdict; showing an untrustworthy one is the caller's choice.

Costs (training seconds, model bytes) are simpler: :func:`cost_growth` fits a straight line in
log-log space, so "grows about as rows^1.1", and extrapolates it.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize
from scipy import stats as scipy_stats

from core.errors import ConfigError
from core.stats import CONFIDENCE, FloatArray, percentile_ci

#: The exponent ``c`` is searched on this grid (log-spaced, steps of ~6.5%), then refined.
C_GRID: FloatArray = np.geomspace(0.05, 2.0, 58)
#: Fewer distinct training sizes than this give a fit with nothing left to check it.
MIN_SIZES = 4
#: The training-noise variance makes the weighted residuals equal this quantile of chi-square.
SCATTER_QUANTILE = 0.5
#: Level of the chi-square test of the curve against the points' error bars.
FIT_LEVEL = 0.99
DEFAULT_MULTIPLES = (2.0, 5.0, 10.0)


@dataclass(frozen=True)
class CurveFit:
    """A learning curve fitted as ``score(n) = a − b·n^(−c)`` (higher is better) or
    ``a + b·n^(−c)`` (lower is better), ``n`` in training rows, ``b ≥ 0``.

    ``a_samples``, ``b_samples`` and ``c_samples`` are the fit of each bootstrap resample (plus
    its draw of training noise), in the resamples' order: resample r of two curves fitted on the
    same plan pairs up. A resample with an undefined metric (NaN) has a NaN fit. ``c`` means
    nothing when ``b`` is 0 (a flat curve)."""

    sizes: FloatArray = field(repr=False, compare=False)
    values: FloatArray = field(repr=False, compare=False)
    a: float
    b: float
    c: float
    a_samples: FloatArray = field(repr=False, compare=False)
    b_samples: FloatArray = field(repr=False, compare=False)
    c_samples: FloatArray = field(repr=False, compare=False)
    higher_is_better: bool
    #: The metric's range; the asymptote and every forecast stay inside it.
    bounds: tuple[float, float]
    #: Spread of the points around the curve beyond the test rows' noise (standard deviation, in
    #: metric units): training noise, estimated; 0 when the test rows explain the scatter.
    scatter_sd: float
    #: p-value of the chi-square test of the curve against the points' error bars (NaN with
    #: three points or fewer).
    fit_p_value: float
    trustworthy: bool
    why_not: str
    #: Seed of the training-noise draws (with the curve's own values, see :func:`fit_curve`).
    seed: int

    @property
    def current_rows(self) -> float:
        """The largest training size: forecasts are multiples of it."""
        return float(np.max(self.sizes))

    def value_at(self, rows: float) -> float:
        """The fitted score at ``rows`` training rows, kept inside the metric's range."""
        return float(self._clip(self._law(self.a, self.b, self.c, rows)))

    def samples_at(self, rows: float) -> FloatArray:
        """The score at ``rows`` training rows on every resample, inside the metric's range."""
        return self._clip(self._law(self.a_samples, self.b_samples, self.c_samples, rows))

    def _law(self, a: ArrayLike, b: ArrayLike, c: ArrayLike, rows: float) -> FloatArray:
        sign = 1.0 if self.higher_is_better else -1.0
        drop = np.asarray(b, dtype=np.float64) * rows ** (-np.asarray(c, dtype=np.float64))
        return np.asarray(a, dtype=np.float64) - sign * drop

    def _clip(self, values: FloatArray) -> FloatArray:
        return np.clip(values, *self.bounds)


@dataclass(frozen=True)
class Forecast:
    """The score forecast at ``multiple`` x the current training rows (``rows`` in all), with
    the 95% percentile interval over the resamples' fits."""

    multiple: float
    rows: int
    value: float
    low: float
    high: float


@dataclass(frozen=True)
class CostGrowth:
    """A cost against training rows, fitted as ``cost = k·rows^exponent`` (a straight line in
    log-log space through the usable points: size and cost positive and finite).

    With fewer than two usable points (or all at one size) nothing can be fitted: ``exponent``
    is None and so is every forecast cost. ``current_rows`` is the largest positive size given
    (None if there is none); forecasts are at ``multiples`` of it, in the unit of the costs."""

    exponent: float | None
    current_rows: float | None
    multiples: tuple[float, ...]
    forecast_costs: tuple[float | None, ...]
    usable_points: int

    @property
    def words(self) -> str:
        """For a sentence: "grows about as rows^1.1"."""
        if self.exponent is None:
            return "cannot be told from fewer than two measured sizes"
        return f"grows about as rows^{self.exponent:.1f}"


# --- fitting --------------------------------------------------------------------------------------


def fit_curve(
    sizes: ArrayLike,
    values: ArrayLike,
    samples: ArrayLike,
    *,
    higher_is_better: bool,
    bounds: tuple[float, float],
    seed: int = 0,
) -> CurveFit:
    """Fit a saturating power law to one learning curve (see the module's docstring).

    ``sizes`` are the training rows of each point, ``values`` its metric on all the held-out
    rows and ``samples`` (resamples x points) its metric on each bootstrap resample of them, the
    same resamples for every point. ``bounds`` is the metric's range
    (:data:`core.stats.METRIC_RANGE`). The draws of training noise added to the resamples are
    seeded by ``seed`` and by the curve's own values, so that refitting a curve gives the same
    interval while two models' draws are independent."""
    x, y, s = _validated(sizes, values, samples)
    lo, hi = float(bounds[0]), float(bounds[1])
    if not lo < hi:
        raise ConfigError(f"A metric's range must run from low to high; got {bounds}.")
    sign = 1.0 if higher_is_better else -1.0
    # Fitted as "goodness" g = sign·score = α − b·z, z = (n / largest)^(−c), centred on the mean
    # of the points (which only shifts α) so that the sums of squares stay small numbers.
    centre = float(np.mean(y))
    best = (hi if higher_is_better else -lo) - sign * centre
    scale = float(np.max(x))
    rel = x / scale
    finite = np.all(np.isfinite(s), axis=1)
    g_samples = sign * (np.where(finite[:, None], s, y) - centre)
    g = sign * (y - centre)

    cov = np.cov(s[finite], rowvar=False) if finite.sum() > 1 else np.zeros((len(x), len(x)))
    cov = np.atleast_2d(cov)
    df = len(x) - 3
    tau2 = _extra_variance(rel, g, cov, best, df)
    whiten = _whitening(cov + tau2 * np.eye(len(x)))
    alpha, b, c = (v[0] for v in _grid_fit(rel, g[None, :], whiten, best)[:3])
    rng = np.random.default_rng([seed, zlib.crc32(x.tobytes()), zlib.crc32(y.tobytes())])
    noise = math.sqrt(tau2) * rng.standard_normal(g_samples.shape)
    a_s, b_s, c_s, _ = _grid_fit(rel, g_samples + noise, whiten, best)
    a_s, b_s, c_s = (np.where(finite, v, np.nan) for v in (a_s, b_s, c_s))

    p_value = _fit_p_value(rel, g, np.diag(cov), best, df)
    why_not = _why_not(x, s, sign, p_value)
    return CurveFit(
        sizes=_frozen(x),
        values=_frozen(y),
        a=sign * float(alpha) + centre,
        b=float(b) * scale ** float(c),
        c=float(c),
        a_samples=_frozen(sign * a_s + centre),
        b_samples=_frozen(b_s * scale**c_s),
        c_samples=_frozen(c_s),
        higher_is_better=higher_is_better,
        bounds=(lo, hi),
        scatter_sd=math.sqrt(tau2),
        fit_p_value=p_value,
        trustworthy=not why_not,
        why_not=why_not,
        seed=seed,
    )


def _validated(
    sizes: ArrayLike, values: ArrayLike, samples: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    x = np.asarray(sizes, dtype=np.float64).ravel()
    y = np.asarray(values, dtype=np.float64).ravel()
    s = np.asarray(samples, dtype=np.float64)
    if x.size == 0:
        raise ConfigError("A learning curve needs at least one measured training size; got none.")
    if y.shape != x.shape:
        raise ConfigError(
            f"A learning curve needs one score per training size; got {x.size} sizes and "
            f"{y.size} scores."
        )
    if s.ndim != 2 or s.shape[1] != x.size or s.shape[0] < 2:
        raise ConfigError(
            f"The resampled scores must be a table of resamples x {x.size} sizes with at least "
            f"two resamples; got shape {s.shape}."
        )
    if not np.all(np.isfinite(x) & (x > 0)):
        raise ConfigError(f"Training sizes must be positive row counts; got {x.tolist()}.")
    if not np.all(np.isfinite(y)):
        raise ConfigError(f"Every point of a learning curve needs a score; got {y.tolist()}.")
    return x, y, s


def _frozen(a: FloatArray) -> FloatArray:
    out = np.array(a, dtype=np.float64)
    out.flags.writeable = False
    return out


def _whitening(cov: FloatArray) -> FloatArray:
    """``W`` with ``W'W = cov⁻¹`` (the inverse Cholesky factor), after a small ridge: two points
    whose resamples always agree (a model that did not change between sizes) would otherwise make
    ``cov`` singular."""
    d = np.diag(cov)
    ridge = np.maximum(1e-4 * d, max(1e-6 * float(np.max(d)), 1e-14))
    chol = np.linalg.cholesky(cov + np.diag(ridge))
    w: FloatArray = np.linalg.inv(chol)
    return w


def _grid_fit(
    rel: FloatArray, g: FloatArray, whiten: FloatArray, best: float
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """For every row of ``g`` (curves x points), the fit ``g ≈ α − b·rel^(−c)`` with ``b ≥ 0`` and
    ``α ≤ best`` minimising the whitened sum of squares ``|W(g − fit)|²``.

    For each ``c`` of :data:`C_GRID` the best ``(α, b)`` is a linear least squares in closed form;
    the best ``c`` of the grid is then refined by a parabola through its neighbours' sums of
    squares (in log c), kept where it does better. Every row at once; returns α, b, c and the sum
    of squares."""
    gw = g @ whiten.T  # curves x points
    uw = whiten @ np.ones(len(rel))
    zw = (rel[None, :] ** (-C_GRID[:, None])) @ whiten.T  # grid x points
    s11 = float(uw @ uw)
    t1 = (gw @ uw)[:, None]
    gg = np.einsum("rp,rp->r", gw, gw)[:, None]
    alpha, b, sse = _solve(s11, zw @ uw, np.einsum("kp,kp->k", zw, zw), t1, gw @ zw.T, gg, best)
    rows = np.arange(g.shape[0])
    k = np.argmin(sse, axis=1)
    alpha, b, sse, c = alpha[rows, k], b[rows, k], sse[rows, k], C_GRID[k]

    # Parabola through (log c, sse) at k − 1, k, k + 1 (inner grid points with finite sums).
    inner = np.clip(k, 1, len(C_GRID) - 2)
    log_c = np.log(C_GRID)
    step = log_c[1] - log_c[0]
    around = _solve_at(np.exp(log_c[inner[:, None] + np.arange(-1, 2)]), rel, gw, uw, whiten, best)
    left, mid, right = around[2].T
    with np.errstate(invalid="ignore", divide="ignore"):
        curvature = left - 2 * mid + right
        shift = np.where(curvature > 0, (left - right) / (2 * curvature), 0.0)
    shift = np.where(np.isfinite(shift), np.clip(shift, -1.0, 1.0), 0.0)
    c_new = np.exp(log_c[inner] + shift * step)[:, None]
    a_new, b_new, sse_new = (v[:, 0] for v in _solve_at(c_new, rel, gw, uw, whiten, best))
    better = sse_new < sse
    alpha, b = np.where(better, a_new, alpha), np.where(better, b_new, b)
    c, sse = np.where(better, c_new[:, 0], c), np.where(better, sse_new, sse)

    # Edge b = 0: a flat curve at the weighted mean (or the best value the metric allows); its
    # sum of squares does not depend on c.
    alpha0 = np.minimum(t1[:, 0] / s11, best)
    sse0 = gg[:, 0] - 2 * alpha0 * t1[:, 0] + alpha0**2 * s11
    flat = sse0 <= sse
    return (
        np.where(flat, alpha0, alpha),
        np.where(flat, 0.0, b),
        c,
        np.maximum(np.where(flat, sse0, sse), 0.0),
    )


def _solve_at(
    c: FloatArray, rel: FloatArray, gw: FloatArray, uw: FloatArray, whiten: FloatArray, best: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """:func:`_solve` with each curve's own exponents ``c`` (curves x k)."""
    zw = (rel[None, None, :] ** (-c[:, :, None])) @ whiten.T  # curves x k x points
    return _solve(
        float(uw @ uw),
        zw @ uw,
        np.einsum("rkp,rkp->rk", zw, zw),
        (gw @ uw)[:, None],
        np.einsum("rkp,rp->rk", zw, gw),
        np.einsum("rp,rp->r", gw, gw)[:, None],
        best,
    )


def _solve(
    s11: float,
    s12: FloatArray,
    s22: FloatArray,
    t1: FloatArray,
    t2: FloatArray,
    gg: FloatArray,
    best: float,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The best ``(α, b)`` with ``b ≥ 0`` and ``α ≤ best`` for the whitened design ``[u, −z]``,
    from its sums of products: ``s11 = u·u``, ``s12 = u·z``, ``s22 = z·z``, ``t1 = g·u``,
    ``t2 = g·z``, ``gg = g·g`` (broadcast together). A sum of squares is infinite where there is
    no such fit (then the flat curve, b = 0, is the answer; see :func:`_grid_fit`)."""
    # Unconstrained: normal equations for (α, β = −b); at their solution the sum of squares is
    # gg − α·t1 − β·t2.
    det = s11 * s22 - s12**2
    usable = det > 1e-12 * s11 * s22
    safe = np.where(usable, det, 1.0)
    alpha = (s22 * t1 - s12 * t2) / safe
    b = (s11 * t2 - s12 * t1) / -safe
    sse = np.where(usable & (b >= 0) & (alpha <= best), gg - alpha * t1 + b * t2, np.inf)
    if math.isfinite(best):  # edge α = best: the asymptote on the metric's limit
        push = np.maximum(0.0, best * s12 - t2)  # b·s22 at this edge's optimum
        sse_best = (gg - 2 * best * t1 + best**2 * s11) - push**2 / s22
        on_edge = sse_best < sse
        alpha = np.where(on_edge, best, alpha)
        b = np.where(on_edge, push / s22, b)
        sse = np.where(on_edge, sse_best, sse)
    return alpha, b, sse


def _extra_variance(rel: FloatArray, g: FloatArray, cov: FloatArray, best: float, df: int) -> float:
    """Median-unbiased Paule–Mandel: the smallest ``τ²`` for which the weighted sum of squares of
    the fit with ``cov + τ²I`` is at most the median of chi-square (``df``); 0 when the test rows'
    noise already explains the scatter."""
    if df <= 0:
        return 0.0

    target = float(scipy_stats.chi2.ppf(SCATTER_QUANTILE, df))

    def excess(tau: float) -> float:
        whiten = _whitening(cov + tau**2 * np.eye(len(rel)))
        return float(_grid_fit(rel, g[None, :], whiten, best)[3][0]) - target

    if excess(0.0) <= 0:
        return 0.0
    # The sum of squares falls as 1/τ² for large τ: doubling reaches the target in a few steps.
    high = max(float(np.ptp(g)), float(np.sqrt(np.max(np.diag(cov)))), 1e-12)
    for _ in range(100):
        if excess(high) <= 0:
            break
        high *= 2
    tau = float(optimize.brentq(excess, 0.0, high, xtol=1e-4 * high, rtol=1e-3))
    return tau**2


def _fit_p_value(
    rel: FloatArray, g: FloatArray, variance: FloatArray, best: float, df: int
) -> float:
    """p-value of chi-square (``df``) for the closest curve of the law to the points, each
    residual measured against its point's own variance: small when no learning curve passes
    within the points' error bars."""
    if df <= 0:
        return math.nan
    floor = max(1e-6 * float(np.max(variance)), 1e-14)
    whiten = np.diag(1 / np.sqrt(np.maximum(variance, floor)))
    statistic = float(_grid_fit(rel, g[None, :], whiten, best)[3][0])
    return float(scipy_stats.chi2.sf(statistic, df))


def _why_not(sizes: FloatArray, samples: FloatArray, sign: float, p_value: float) -> str:
    reasons = []
    distinct = np.unique(sizes).size
    if distinct < MIN_SIZES:
        reasons.append(
            f"Only {distinct} training size{'s were' if distinct != 1 else ' was'} measured; "
            f"a forecast needs at least {MIN_SIZES} to check that the scores follow a learning "
            "curve."
        )
    drop = _clear_drop(sizes, samples, sign)
    if drop is not None:
        small, large = drop
        reasons.append(
            f"The model trained on {large:,.0f} rows scores clearly worse than the one trained on "
            f"{small:,.0f} rows (beyond the noise of the test rows), so something other than the "
            "number of rows drives the scores and they cannot be extrapolated."
        )
    if p_value < 1 - FIT_LEVEL:
        reasons.append(
            "The scores do not follow the smooth, flattening shape of a learning curve: they miss "
            "the fitted curve by more than their own error bars allow, so a forecast would be a "
            "guess."
        )
    return " ".join(reasons)


def _clear_drop(sizes: FloatArray, samples: FloatArray, sign: float) -> tuple[float, float] | None:
    """The pair (smaller, larger size) whose paired difference is most clearly on the wrong side:
    its 95% interval is entirely below zero in the good direction. None if there is none.
    Resamples where the metric is undefined (NaN) are left out."""
    small, large = np.nonzero(sizes[:, None] < sizes[None, :])
    rows = samples[np.all(np.isfinite(samples), axis=1)]
    if small.size == 0 or rows.shape[0] == 0:
        return None
    tail = (1 - CONFIDENCE) / 2 * 100
    highs = np.percentile(sign * (rows[:, large] - rows[:, small]), 100 - tail, axis=0)
    worst = int(np.argmin(highs))
    if highs[worst] >= 0:
        return None
    return (float(sizes[small[worst]]), float(sizes[large[worst]]))


# --- forecasting ----------------------------------------------------------------------------------


def forecast(fit: CurveFit, multiples: Sequence[float] = DEFAULT_MULTIPLES) -> tuple[Forecast, ...]:
    """The score at each multiple of the current training rows, with its 95% interval (the
    percentile interval of the resamples' forecasts, inside the metric's range)."""
    out = []
    for m in _validated_multiples(multiples):
        rows = m * fit.current_rows
        low, high = percentile_ci(fit.samples_at(rows), CONFIDENCE)
        out.append(Forecast(m, round(rows), fit.value_at(rows), low, high))
    return tuple(out)


def forecast_difference(
    fit_a: CurveFit, fit_b: CurveFit, multiple: float
) -> tuple[float, float, float]:
    """Value, low and high (95%) of ``score_a − score_b`` at ``multiple`` x the current rows.

    Both curves must have been fitted on the same resamples of the same test rows and share their
    largest training size: resample r of one is paired with resample r of the other, so the test
    rows' shared luck cancels while each curve's training noise (drawn independently) does not.
    Multiply by −1 for "how much better is A" on a metric where lower is better."""
    (m,) = _validated_multiples([multiple])
    if fit_a.higher_is_better != fit_b.higher_is_better:
        raise ConfigError("Two learning curves can only be compared on the same metric.")
    if fit_a.a_samples.shape != fit_b.a_samples.shape:
        raise ConfigError(
            "Two learning curves can only be compared on the same bootstrap resamples; got "
            f"{fit_a.a_samples.size} and {fit_b.a_samples.size} resamples."
        )
    if fit_a.current_rows != fit_b.current_rows:
        raise ConfigError(
            "Two learning curves can only be compared from the same number of training rows; "
            f"got {fit_a.current_rows:,.0f} and {fit_b.current_rows:,.0f}."
        )
    rows = m * fit_a.current_rows
    value = fit_a.value_at(rows) - fit_b.value_at(rows)
    low, high = percentile_ci(fit_a.samples_at(rows) - fit_b.samples_at(rows), CONFIDENCE)
    return (value, low, high)


def _validated_multiples(multiples: Sequence[float]) -> tuple[float, ...]:
    out = tuple(float(m) for m in multiples)
    if not all(math.isfinite(m) and m > 0 for m in out):
        raise ConfigError(f"Forecasts are made at positive multiples of the rows; got {out}.")
    return out


# --- costs ----------------------------------------------------------------------------------------


def cost_growth(
    sizes: ArrayLike, costs: ArrayLike, multiples: Sequence[float] = DEFAULT_MULTIPLES
) -> CostGrowth:
    """How a cost grows with training rows: a power law fitted by least squares on
    ``log cost = log k + exponent·log rows``, and its forecast at ``multiples`` of the largest
    size. Points whose size or cost is zero, negative or not a number are skipped (a timer that
    read 0 s says nothing of the growth); see :class:`CostGrowth` for what too few points give."""
    x = np.asarray(sizes, dtype=np.float64).ravel()
    y = np.asarray(costs, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise ConfigError(
            f"Cost growth needs one cost per training size; got {x.size} sizes and {y.size} costs."
        )
    ms = _validated_multiples(multiples)
    with np.errstate(invalid="ignore"):
        usable = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
        valid_sizes = x[np.isfinite(x) & (x > 0)]
    current = float(np.max(valid_sizes)) if valid_sizes.size else None
    lx, ly = np.log(x[usable]), np.log(y[usable])
    if np.unique(lx).size < 2 or current is None:
        return CostGrowth(None, current, ms, tuple(None for _ in ms), int(usable.sum()))
    slope, intercept = np.polyfit(lx, ly, 1)
    predicted = tuple(float(np.exp(intercept + slope * math.log(m * current))) for m in ms)
    return CostGrowth(float(slope), current, ms, predicted, int(usable.sum()))
