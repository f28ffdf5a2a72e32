"""What a learning curve holds: its points, its forecasts, and a study's curves (see
:mod:`core.curves`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.errors import TradeoffError

#: The shares of the training rows each curve is drawn at; the study's own model is 100%.
SHARES = (0.1, 0.2, 0.4, 0.7, 1.0)
#: How many more rows each forecast looks at.
MULTIPLES = (2, 5, 10)
#: A point needs at least this many training rows (and two of each class) to be drawn.
MIN_TRAIN_ROWS = 40
#: A forecast gain below this (in the metric's units; points for percentages) is "flat": half a
#: point of accuracy is within what a re-run with another seed moves on most tables.
FLAT_GAIN = 0.005
#: For error metrics (MAE, RMSE) flat is a relative change: 1% of the current error.
FLAT_RELATIVE = 0.01

ROLE_DECISION = "the decision"
ROLE_BEST = "the most accurate"
ROLE_NEURAL = "the best neural network"
ROLE_SIMPLE = "the simple baseline"


class CurvesCancelled(TradeoffError):
    """Raised inside a progress callback to stop drawing the curves."""


@dataclass(frozen=True)
class CurvePoint:
    """One model trained on ``share`` of the training rows: the rows it learned from, its
    metric on the held-out rows with the 95% interval, its training time and file size."""

    share: float
    rows: int
    metric: float
    low: float
    high: float
    train_s: float | None
    size_bytes: int | None
    #: The study's own model (the 100% point), not trained again.
    from_study: bool = False


@dataclass(frozen=True)
class CurveForecast:
    """The metric forecast at ``multiple`` × the current rows, with its 95% interval, and what
    that model would cost to train and to keep (``None`` when it cannot be told)."""

    multiple: float
    rows: int
    metric: float
    low: float
    high: float
    train_s: float | None = None
    size_bytes: float | None = None


@dataclass(frozen=True)
class Curve:
    name: str
    label: str
    family: str
    roles: tuple[str, ...]
    points: tuple[CurvePoint, ...]
    forecasts: tuple[CurveForecast, ...] = ()
    trustworthy: bool = False
    #: Why the forecast is not to be trusted, in plain words (empty when it is).
    why_not: str = ""
    #: How training time and file size grow with rows: the exponent of rows (``None``: unknown).
    time_exponent: float | None = None
    size_exponent: float | None = None
    #: Points that could not be drawn, and why.
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Curves:
    """A study's learning curves: the metric, the rows the models learned from at 100%, the
    held-out rows every point was scored on, each curve, and the sentence about the decision."""

    metric: str
    train_rows: int
    held_out_rows: int
    curves: tuple[Curve, ...]
    sentence: str
    #: The study's pick when the curves were drawn (a later choice may pick another model).
    decision: str | None
    seconds: float
    resamples: int
    notes: tuple[str, ...] = field(default_factory=tuple)

    def curve(self, name: str) -> Curve | None:
        return next((c for c in self.curves if c.name == name), None)


@dataclass(frozen=True)
class CurvesProgress:
    """How far the curves are: ``done`` of ``total`` trainings, and the one that just ended."""

    done: int
    total: int
    words: str
