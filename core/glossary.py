"""The words the app and the report use, each said once in plain words.

:data:`TERMS` is the one list: the Glossary page shows all of it, each page's "Words on this
page" shows the entries it uses (:func:`terms`), and the report ends with the entries it uses.
Definitions are plain text (no Markdown), written for a product manager, not a statistician.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from core.errors import ConfigError
from core.pareto import DEFAULT_USD_PER_VCPU_HOUR


@dataclass(frozen=True)
class Term:
    key: str
    term: str
    meaning: str


TERMS: tuple[Term, ...] = (
    Term(
        "held_out",
        "Held-out rows",
        "Rows kept away from training and used only to test. Every model is judged on rows it "
        "never saw, as it will be on new data.",
    ),
    Term(
        "baselines",
        "Dummy and simple baselines",
        "The dummy always predicts the most common answer (or the average); the simple "
        "baseline is a linear model. A richer model counts only if it clearly beats them.",
    ),
    Term(
        "accuracy",
        "Accuracy",
        "The share of held-out rows a model gets right.",
    ),
    Term(
        "balanced_accuracy",
        "Balanced accuracy",
        "Accuracy measured within each class, then averaged, so a rare class counts as much as "
        "a common one. Always guessing the most common of two classes scores 50%, however "
        "common it is. It is the default when one class holds more than 60% of the rows.",
    ),
    Term(
        "f1_macro",
        "F1 (macro)",
        "For each class, a balance of how many of its rows a model finds and how many of its "
        "alarms are right; averaged over the classes. From 0% to 100%.",
    ),
    Term(
        "roc_auc",
        "ROC AUC",
        "How well a model ranks rows: the chance that a random positive row gets a higher "
        "score than a random negative one. 50% is guessing; 100% is a perfect ranking.",
    ),
    Term(
        "log_loss",
        "Log loss",
        "How far a model's stated probabilities are from what happened; confident mistakes "
        "cost the most. Lower is better; 0 is perfect.",
    ),
    Term(
        "r2",
        "R²",
        "The share of the target's ups and downs a model explains: 1 is perfect, 0 is no "
        "better than always predicting the average, below 0 is worse than that. It has no "
        "unit; the typical error (RMSE) and the mean absolute error say the same in the "
        "target's own unit, e.g. dollars.",
    ),
    Term(
        "mae",
        "Mean absolute error (MAE)",
        "The average size of a model's errors, in the target's own unit. Lower is better.",
    ),
    Term(
        "rmse",
        "Typical error (RMSE)",
        "The root mean squared error: a typical size of a model's errors, in the target's own "
        "unit, where large errors count more than in the mean absolute error.",
    ),
    Term(
        "interval",
        "95% interval",
        "The range that holds the true figure with 95% confidence, given the rows tested; "
        "more rows make it narrower. A difference whose interval includes 0 is not shown to "
        "be real.",
    ),
    Term(
        "tied",
        "Tied with the best",
        "The data cannot tell the model from the best one: the interval of their difference "
        "includes 0, all models compared together. A tied model may be the better one.",
    ),
    Term(
        "pareto",
        "Pareto frontier",
        "The models no other model beats on both accuracy and cost at once. Any model off the "
        "frontier has one on it that is at least as accurate and cheaper.",
    ),
    Term(
        "p50",
        "p50 latency",
        "The typical time to score one row: half of the calls are faster. Measured on one CPU "
        "thread, for the whole pipeline from raw columns to the answer, as it would serve.",
    ),
    Term(
        "p95",
        "p95 latency",
        "95 of 100 single-row calls are faster than this: the slow end that users notice.",
    ),
    Term(
        "throughput",
        "Throughput",
        "Rows scored per second when they come in large batches, on one CPU thread.",
    ),
    Term(
        "vcpu_hour",
        "vCPU-hour",
        "One virtual CPU rented for one hour: the unit cloud servers are priced in. The app "
        f"assumes ${DEFAULT_USD_PER_VCPU_HOUR:g} unless you enter your own price.",
    ),
    Term(
        "serving_cost",
        "Serving cost per million predictions",
        "What a million predictions cost in CPU time at the vCPU-hour price: in batches (from "
        "throughput) or one request at a time (from the mean single-row latency).",
    ),
    Term(
        "net_value",
        "Net value per month",
        "What a model's right answers are worth, minus what its mistakes, serving and "
        "retraining cost, at your volume and prices, per month.",
    ),
    Term(
        "break_even",
        "Break-even volume",
        "The monthly number of predictions above which a richer model's gain pays for its "
        "extra serving cost.",
    ),
    Term(
        "shap",
        "SHAP contribution",
        "How much one column pushed one prediction up or down from the model's average "
        "prediction, in the model's output unit. A row's contributions add up to its "
        "prediction; their average size ranks the columns.",
    ),
    Term(
        "rank_correlation",
        "Rank correlation",
        "Whether two models order the columns alike by importance: 1 is the same order, 0 "
        "unrelated, −1 reversed.",
    ),
    Term(
        "four_fifths",
        "Four-fifths rule",
        "A rule of thumb from US hiring guidelines: a group picked out (predicted positive) at "
        "less than four fifths (80%) of the rate of the most-picked group may be treated "
        "unfairly, and deserves a closer look.",
    ),
    Term(
        "learning_curve",
        "Learning curve",
        "A model's score on the same held-out rows after learning from more and more of the "
        "training rows (here 10, 20, 40, 70 and 100%). A curve still rising means more data "
        "would help; a flat one means it would not.",
    ),
    Term(
        "forecast",
        "Forecast with more rows",
        "Where a learning curve is heading: a curve that rises ever more slowly (a power law) "
        "is fitted through its points and read at 2, 5 and 10 times the rows, with a 95% "
        "interval. It assumes the new rows are like the ones you have.",
    ),
    Term(
        "calibration",
        "Calibration",
        "Whether a model's probabilities mean what they say: of the rows a well-calibrated "
        "model gives 80%, about 80% turn out positive. Thresholds and expected costs rely on it.",
    ),
    Term(
        "brier",
        "Brier score",
        "The average squared gap between the predicted probability and what happened (1 or "
        "0). Lower is better; 0 is perfect, and always saying 50% scores 0.25.",
    ),
    Term(
        "ece",
        "Expected calibration error",
        "How far, on average over the rows, a model's stated probability is from how often it "
        "is right, in points: 5 points means a row given 80% is right about 75% or 85% of the "
        "time. Even a perfect model shows a little on few rows.",
    ),
    Term(
        "skops",
        "skops file",
        "A file format for scikit-learn models that, unlike pickle, cannot run hidden code "
        "when it is opened: it lists the types it holds, and only known types are loaded.",
    ),
)

_BY_KEY = {t.key: t for t in TERMS}


def terms(keys: Iterable[str]) -> list[Term]:
    """The entries for ``keys``, in glossary order, each once. An unknown key is a bug."""
    wanted = set(keys)
    unknown = wanted - _BY_KEY.keys()
    if unknown:
        raise ConfigError(f"No glossary entry for {sorted(unknown)}.")
    return [t for t in TERMS if t.key in wanted]


#: The words every page of results and the report use.
RESULT_TERMS = ("held_out", "baselines", "interval", "tied", "pareto", "p50", "p95")


def result_terms(metric: str) -> list[str]:
    """The keys of the words of a page of results ranked by ``metric``."""
    extra = ["rmse", "mae"] if metric == "r2" else []
    return [*RESULT_TERMS, metric, *extra]


def report_terms(
    metric: str,
    *,
    explanation: bool,
    business: bool,
    fairness: bool,
    calibration: bool = False,
    curves: bool = False,
) -> list[Term]:
    """The entries the report uses, given the sections it has."""
    keys = [*result_terms(metric), "throughput", "vcpu_hour", "serving_cost", "skops"]
    if explanation:
        keys.append("shap")
    if business:
        keys += ["net_value", "break_even"]
    if fairness:
        keys.append("four_fifths")
    if calibration:
        keys += ["calibration", "brier", "ece"]
    if curves:
        keys += ["learning_curve", "forecast"]
    return terms(keys)
