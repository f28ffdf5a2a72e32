"""Would more data help? Learning curves of a study's key models, and a forecast of the decision.

For the decision's model, the most accurate model, the best neural network and the simple
baseline, each is trained again on **nested, seeded subsets** of the study's training rows
(10, 20, 40 and 70%; the study's own model is the 100% point) and scored on the study's own
held-out rows, with the metric's interval at each size. The subsets are prefixes of one seeded
order of the training rows, stratified by class, so a smaller subset is always inside a larger
one and every class is present in each.

The training runs on the study's executor (the local pool of worker processes, or the Dask
cluster the study trained on), through the same training worker as the study
(:func:`core.training.train_safely`): a point of a curve is a model like any other, only on
fewer rows.

Every point is scored on the **same bootstrap resamples** of the held-out rows, so points and
models are paired; :mod:`core.forecast` fits a saturating power law to each curve on each
resample and forecasts the metric at 2×, 5× and 10× the rows, with an interval, and says when
a forecast is not to be trusted. :func:`more_data_sentence` turns the forecasts into one
sentence about the decision, stating only what the intervals support.
"""

from core.curves.files import (
    CURVES_FORMAT,
    CURVES_VERSION,
    CurvesFileError,
    curves_from_dict,
    curves_to_dict,
)
from core.curves.model import (
    FLAT_GAIN,
    FLAT_RELATIVE,
    MIN_TRAIN_ROWS,
    MULTIPLES,
    ROLE_BEST,
    ROLE_DECISION,
    ROLE_NEURAL,
    ROLE_SIMPLE,
    SHARES,
    Curve,
    CurveForecast,
    CurvePoint,
    Curves,
    CurvesCancelled,
    CurvesProgress,
)
from core.curves.run import curve_models, nested_order, run_curves, subset
from core.curves.words import Gain, advantage, forecast_gain, forecast_table, more_data_sentence

__all__ = [
    "CURVES_FORMAT",
    "CURVES_VERSION",
    "FLAT_GAIN",
    "FLAT_RELATIVE",
    "MIN_TRAIN_ROWS",
    "MULTIPLES",
    "ROLE_BEST",
    "ROLE_DECISION",
    "ROLE_NEURAL",
    "ROLE_SIMPLE",
    "SHARES",
    "Curve",
    "CurveForecast",
    "CurvePoint",
    "Curves",
    "CurvesCancelled",
    "CurvesFileError",
    "CurvesProgress",
    "Gain",
    "advantage",
    "curve_models",
    "curves_from_dict",
    "curves_to_dict",
    "forecast_gain",
    "forecast_table",
    "more_data_sentence",
    "nested_order",
    "run_curves",
    "subset",
]
