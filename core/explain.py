"""SHAP explanations of a study's models, in terms of the columns of the table as uploaded.

:func:`explain` says how much each original column pushed one fitted model's output up or down,
for a seeded sample of held-out rows. The model is explained on the features it was trained on
(the output of its pipeline's ``ColumnTransformer``), not through the whole pipeline, which would
force the slow model-agnostic explainer on every model.

Explainer and unit per model (:func:`explainer_kind`, :attr:`Explanation.output`):

* ``tree`` (decision tree, forests, histogram gradient boosting, XGBoost): ``shap.TreeExplainer``,
  exact. A tree or forest is explained in the probability of the class; boosted trees in log-odds,
  their raw output (their probability is not a sum over trees). One-hot and date-part features
  are summed back to their column, which keeps the sum exact.
* ``linear`` (logistic and ridge regression): ``shap.LinearExplainer``, exact, in log-odds.
* ``permutation`` (k-nearest neighbours, naive Bayes, neural networks, anything else):
  ``shap.PermutationExplainer`` in the probability of the class, with the original columns as its
  players (a column's features are swapped together, so no impossible one-hot mix is predicted),
  a seeded background of training rows and seeded orderings. Its sum is exact too.
* ``constant`` (the dummy baseline): it ignores its inputs; every contribution is 0.

Regression models are explained in the unit of the target ("predicted price").
"""

from __future__ import annotations

import contextlib
import functools
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse
from sklearn import dummy, ensemble, linear_model, tree
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder
from threadpoolctl import threadpool_limits
from xgboost import XGBModel

from core.dataset import Dataset
from core.errors import ConfigError
from core.study import ModelResult, StudyResult

ExplainerKind = Literal["tree", "linear", "permutation", "constant"]
Array = np.ndarray
RowExplainer = Callable[[Array], tuple[Array, float]]

#: Rows explained by the exact explainers. Tree SHAP of the default forests trained on 100,000
#: rows costs 11-17 ms per row (5.5 and 8.3 s for 500 rows); on the bundled samples every tree or
#: linear model explains all its held-out rows in 0.7 s or less (benchmarks/bench_explain.py).
DEFAULT_MAX_ROWS = 500
#: Rows explained by the permutation explainer. Its slowest default model, k-nearest neighbours,
#: takes 25-40 ms per row of the bundled samples on this 2-core machine: 1.7-3.5 s for 100 rows
#: (German credit: 3.1 s); naive Bayes and the small neural network 0.4-0.8 s
#: (benchmarks/bench_explain.py).
DEFAULT_MAX_ROWS_AGNOSTIC = 100
#: Explaining stops once this many seconds are spent (at least MIN_ROWS rows are explained), so a
#: slow model on a big table (k-nearest neighbours on 100,000 rows: 0.5 s per row) answers in
#: seconds. It is 3x the slowest bundled sample, so a busy machine does not make it bind there;
#: ``time_budget_s=None`` turns it off.
DEFAULT_TIME_BUDGET_S = 10.0
MIN_ROWS = 10
#: Training rows the permutation explainer swaps values in from (its "average" row).
BACKGROUND_ROWS = 50
#: Training rows whose mean the linear explainer starts from (it needs only their mean).
LINEAR_BACKGROUND_ROWS = 1000
#: Model evaluations per explained row for the permutation explainer: one random ordering of G
#: columns costs (2G + 1) x BACKGROUND_ROWS; the orderings per row (1 to 5) follow from it.
EVALUATIONS_PER_ROW = 5000
MAX_PERMUTATIONS = 5

_TREES_PROBABILITY = (
    tree.DecisionTreeClassifier,
    ensemble.RandomForestClassifier,
    ensemble.ExtraTreesClassifier,
)
_TREES = (
    *_TREES_PROBABILITY,
    tree.DecisionTreeRegressor,
    ensemble.RandomForestRegressor,
    ensemble.ExtraTreesRegressor,
    ensemble.HistGradientBoostingClassifier,
    ensemble.HistGradientBoostingRegressor,
    XGBModel,
)
_LINEAR = (linear_model.LogisticRegression, linear_model.Ridge, linear_model.LinearRegression)
#: Permutation explanations swap numpy's global generator state: one at a time per process.
_GLOBAL_RNG_LOCK = threading.Lock()
_DATE_PART = re.compile(r"__(year|month|day|weekday|hour)(?:_\d+)?$")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Explanation:
    """How each original column pushed one model's output, for a sample of held-out rows.

    ``values`` has one row per explained row (index: positions into ``dataset.X``) and one column
    per original column name, in table order; one-hot and date-derived features are summed back
    to the column they came from. ``base_value + values.sum(axis=1) == prediction`` (additivity),
    all in the unit named by ``output`` (e.g. "probability of 'bad'", "log-odds of 'bad'",
    "predicted disease_progression"). ``data`` holds the same rows' values per original column as
    a person reads them (strings for categories, numbers for numbers, "2021-03-04" for dates).
    ``prediction`` is the model's own output for each row, in that unit. ``seconds`` is the wall
    time of :func:`explain`. ``held_out`` is false after cross-validation: the explained pipeline
    is then the final refit on every row, so it saw the explained rows in training.
    """

    model: str
    label: str
    explainer: ExplainerKind
    #: The explainer in plain words, e.g. "TreeExplainer: exact contributions for tree models".
    explainer_text: str
    output: str
    class_name: str | None
    base_value: float
    values: pd.DataFrame
    data: pd.DataFrame
    prediction: np.ndarray
    n_rows: int
    n_rows_available: int
    seconds: float
    seed: int
    held_out: bool = True

    @property
    def importance(self) -> pd.Series:
        """Mean |SHAP| per original column, largest first."""
        return self.values.abs().mean().sort_values(ascending=False)


def explainer_kind(model: ModelResult | Pipeline | Any) -> ExplainerKind:
    """The explainer for a trained model result, a pipeline or a bare estimator."""
    if isinstance(model, ModelResult):
        if model.pipeline is None:
            raise ConfigError(f"{model.label} did not finish training, so it has no explainer.")
        model = model.pipeline
    estimator = model[-1] if isinstance(model, Pipeline) else model
    if isinstance(estimator, (dummy.DummyClassifier, dummy.DummyRegressor)):
        return "constant"
    if isinstance(estimator, _TREES):
        return "tree"
    return "linear" if isinstance(estimator, _LINEAR) else "permutation"


def default_class(dataset: Dataset) -> str | None:
    """The class explained unless the caller picks one: the positive class of a binary task, the
    most frequent class of a multiclass task, ``None`` for regression."""
    if dataset.task == "regression":
        return None
    if dataset.task == "binary":
        return dataset.positive_class or dataset.classes[1]
    return dataset.classes[int(np.argmax(np.bincount(dataset.y, minlength=len(dataset.classes))))]


def explain(
    study: StudyResult,
    model: str,
    *,
    class_name: str | None = None,
    max_rows: int | None = None,
    seed: int | None = None,
    time_budget_s: float | None = DEFAULT_TIME_BUDGET_S,
) -> Explanation:
    """Explain ``model`` of ``study`` on up to ``max_rows`` held-out rows (see the module doc).

    Rows are drawn from ``study.eval_index`` in a random order seeded by ``seed`` (default: the
    study's); the first ``max_rows`` of it are explained (default :data:`DEFAULT_MAX_ROWS`, or
    :data:`DEFAULT_MAX_ROWS_AGNOSTIC` for the permutation explainer), so a smaller cap explains a
    subset of a larger one's rows. If ``time_budget_s`` runs out first, fewer rows are explained
    (never fewer than :data:`MIN_ROWS`), still the first ones of that order. ``class_name``
    (classification) defaults to :func:`default_class`. The study is not modified.
    """
    started = time.perf_counter()
    result = _ok_model(study, model)
    ds = study.dataset
    class_name = _check_class(ds, class_name)
    pipeline: Pipeline = result.pipeline
    estimator = pipeline[-1]
    kind = explainer_kind(estimator)
    seed = study.config.seed if seed is None else seed
    if max_rows is None:
        max_rows = DEFAULT_MAX_ROWS_AGNOSTIC if kind == "permutation" else DEFAULT_MAX_ROWS
    if max_rows < 1:
        raise ConfigError(f"The number of rows to explain must be at least 1; got {max_rows}.")

    held_out = study.config.validation != "cv"
    pool = np.unique(study.eval_index)
    rng = np.random.default_rng(seed)
    order = rng.permutation(pool)[:max_rows]
    training = np.setdiff1d(np.arange(ds.n_rows), pool) if held_out else pool
    size = LINEAR_BACKGROUND_ROWS if kind == "linear" else BACKGROUND_ROWS
    background = np.sort(rng.permutation(training if len(training) else pool)[:size])

    k = _class_position(estimator, ds, class_name)
    margin = k is not None and kind in ("tree", "linear")
    margin = margin and not isinstance(estimator, _TREES_PROBABILITY)
    output_of = _output_function(estimator, k, margin=margin)
    origin = _feature_columns(pipeline, ds)
    n_columns = len(ds.used_columns)
    permutations = _permutations(n_columns)
    # One thread, as in the study: on 2 cores an OpenMP pool (k-nearest neighbours' distances)
    # competing with another process for the cores can be many times slower.
    if kind == "permutation":
        # shap's one-off compilation, kept out of the time budget. Called before taking the
        # lock, which warm_up takes itself (a threading.Lock is not re-entrant).
        warm_up()
    exclusive = _GLOBAL_RNG_LOCK if kind == "permutation" else contextlib.nullcontext()
    with threadpool_limits(limits=1), exclusive:
        args = (estimator, output_of, k, origin, _transform(pipeline, ds.X.iloc[background]))
        explain_rows = _row_explainer(
            kind, *args, n_columns=n_columns, seed=seed, permutations=permutations
        )
        Z = _transform(pipeline, ds.X.iloc[order])
        values, base = _explain_in_chunks(explain_rows, Z, time_budget_s)
        n = len(values)
        prediction = output_of(Z[:n])
    sort = np.argsort(order[:n])
    positions = order[:n][sort]
    return Explanation(
        model=result.name,
        label=result.label,
        explainer=kind,
        explainer_text=_explainer_text(kind, permutations),
        output=_unit(ds, class_name, margin),
        class_name=class_name,
        base_value=base,
        values=pd.DataFrame(values[sort], index=positions, columns=list(ds.used_columns)),
        data=_readable(ds, positions),
        prediction=prediction[sort],
        n_rows=n,
        n_rows_available=len(pool),
        seconds=time.perf_counter() - started,
        seed=seed,
        held_out=held_out,
    )


def row_choices(
    study: StudyResult, explanation: Explanation, *, limit: int | None = None
) -> dict[str, list[int]]:
    """Explained rows worth a closer look, most interesting first (positions into ``dataset.X``).

    Classification: ``"misclassified"`` (the model's predicted class is wrong; most confidently
    wrong first) and ``"least confident"`` (every explained row, by the model's largest class
    probability, smallest first: closest to 50/50 for a binary task). Regression: ``"largest
    error"`` (every explained row by |actual - predicted|, largest first). ``limit`` keeps the
    first rows of each list.
    """
    pipeline = _ok_model(study, explanation.model).pipeline
    ds = study.dataset
    positions = explanation.values.index.to_numpy()
    X, y = ds.X.iloc[positions], ds.y[positions]
    if not ds.is_classification:
        error = np.abs(y - np.asarray(pipeline.predict(X), dtype=float))
        return {"largest error": _ranked(positions, -error, limit)}
    proba = np.asarray(pipeline.predict_proba(X), dtype=float)
    seen = np.asarray(pipeline.classes_)
    wrong = np.asarray(pipeline.predict(X)) != y
    column = np.searchsorted(seen, y).clip(0, len(seen) - 1)
    p_true = np.where(seen[column] == y, proba[np.arange(len(y)), column], 0.0)
    return {
        "misclassified": _ranked(positions[wrong], p_true[wrong], limit),
        "least confident": _ranked(positions, proba.max(axis=1), limit),
    }


@functools.cache
def warm_up() -> None:
    """Compile shap's numba code (3-4 s, once per process) by explaining a toy model. The first
    permutation explanation does it anyway; the app may call it early in a background thread."""
    import shap

    masker = _ColumnMasker(np.zeros((2, 2)), [np.array([0]), np.array([1])])
    with _GLOBAL_RNG_LOCK, _own_global_rng([]):
        explainer = shap.PermutationExplainer(lambda Z: Z.sum(axis=1), masker, seed=0)
        explainer(np.ones((1, 2)), max_evals=5, silent=True)


# --- checks --------------------------------------------------------------------------------------


def _ok_model(study: StudyResult, name: str) -> ModelResult:
    found = [m for m in study.models if m.name == name]
    if not found:
        known = ", ".join(m.name for m in study.ok_models)
        raise ConfigError(f"No model {name!r} in this study. Choose one of: {known}.")
    if found[0].ok and found[0].file_problem:
        raise ConfigError(
            f"{found[0].label} cannot be explained: {found[0].file_problem}. Choose another "
            "model, or run the study again."
        )
    if not found[0].ok or found[0].pipeline is None:
        why = f" ({found[0].reason})" if found[0].reason else ""
        raise ConfigError(
            f"{found[0].label} did not finish training{why}, so there is nothing to explain. "
            "Choose another model."
        )
    return found[0]


def _check_class(ds: Dataset, class_name: str | None) -> str | None:
    if not ds.is_classification:
        if class_name is not None:
            raise ConfigError(
                f"{ds.target!r} is predicted as a number, so there is no class to explain; "
                f"got class {class_name!r}."
            )
        return None
    if class_name is None:
        return default_class(ds)
    if class_name not in ds.classes:
        known = ", ".join(repr(c) for c in ds.classes)
        raise ConfigError(f"Unknown class {class_name!r}. Choose one of: {known}.")
    return class_name


def _class_position(estimator: Any, ds: Dataset, class_name: str | None) -> int | None:
    """Where ``class_name`` is among the classes the estimator was trained on."""
    if class_name is None:
        return None
    seen = [int(c) for c in np.asarray(estimator.classes_)]
    if ds.classes.index(class_name) not in seen:
        raise ConfigError(
            f"This model never saw class {class_name!r} in training (it trained on a sample of "
            "the rows), so it cannot predict it. Choose another class or another model."
        )
    return seen.index(ds.classes.index(class_name))


# --- computation ---------------------------------------------------------------------------------


def _transform(pipeline: Pipeline, X: pd.DataFrame) -> Array:
    """The features the final estimator sees (dense float64)."""
    Z = pipeline[:-1].transform(X)
    return np.asarray(Z.toarray() if scipy.sparse.issparse(Z) else Z, dtype=np.float64)


def _feature_columns(pipeline: Pipeline, ds: Dataset) -> Array:
    """For each feature the estimator sees, the index of its original column in ``used_columns``
    (from the fitted ColumnTransformer's output slices and one-hot category counts)."""
    ct = pipeline[-2]
    if not isinstance(ct, ColumnTransformer):
        raise TypeError(f"Expected a ColumnTransformer before the model, got {type(ct).__name__}.")
    safe: list[str] = [""] * max(s.stop for s in ct.output_indices_.values())
    for name, transformer, columns in ct.transformers_:
        out = ct.output_indices_[name]
        if out.stop == out.start:
            continue
        step = transformer[-1] if isinstance(transformer, Pipeline) else transformer
        counts = _onehot_counts(step) if isinstance(step, OneHotEncoder) else [1] * len(columns)
        if sum(counts) != out.stop - out.start:
            raise TypeError(f"Cannot map the outputs of {name!r} back to its columns.")
        safe[out] = [c for c, n in zip(columns, counts, strict=True) for _ in range(n)]
    index = {column: i for i, column in enumerate(ds.used_columns)}
    return np.array([index[ds.feature_origin[s]] for s in safe], dtype=np.int64)


def _onehot_counts(encoder: OneHotEncoder) -> list[int]:
    """Output columns per input column: its categories, less a dropped one, the infrequent ones
    sharing a single column."""
    counts = [len(c) for c in encoder.categories_]
    infrequent = getattr(encoder, "infrequent_categories_", [None] * len(counts))
    dropped = getattr(encoder, "drop_idx_", None)
    for i, rare in enumerate(infrequent):
        counts[i] -= 0 if rare is None else len(rare) - 1
        counts[i] -= 0 if dropped is None or dropped[i] is None else 1
    return counts


def _output_function(estimator: Any, k: int | None, *, margin: bool) -> Callable[[Array], Array]:
    """The explained output as a function of the features: the predicted value (regression),
    the probability of the class at position ``k``, or its log-odds (``margin``)."""

    def output(Z: Array) -> Array:
        if k is None:
            return np.asarray(estimator.predict(Z), dtype=np.float64)
        if not margin:
            return np.asarray(estimator.predict_proba(Z), dtype=np.float64)[:, k]
        if isinstance(estimator, XGBModel):
            raw = np.asarray(estimator.predict(Z, output_margin=True), dtype=np.float64)
        else:
            raw = np.asarray(estimator.decision_function(Z), dtype=np.float64)
        # Two classes give one column, the log-odds of the second; the first's is its negative.
        return raw[:, k] if raw.ndim == 2 else (raw if k == 1 else -raw)

    return output


def _select_output(raw: Any, expected: Any, k: int | None) -> tuple[Array, float]:
    """One output's SHAP values (rows x features) and base value out of what shap returned: a
    3-D array (rows x features x outputs), a list of 2-D arrays, or one 2-D array (regression,
    or the log-odds of the second of two classes)."""
    values = np.stack(raw, axis=-1) if isinstance(raw, list) else np.asarray(raw)
    base = np.ravel(np.asarray(expected, dtype=np.float64))
    if values.ndim == 3:
        return values[:, :, k or 0].astype(np.float64), float(base[k or 0])
    sign = -1.0 if k == 0 else 1.0
    return sign * values.astype(np.float64), sign * float(base[0])


def _row_explainer(
    kind: ExplainerKind,
    estimator: Any,
    output_of: Callable[[Array], Array],
    k: int | None,
    origin: Array,
    background: Array,
    *,
    n_columns: int,
    seed: int,
    permutations: int,
) -> RowExplainer:
    """A function explaining a block of feature rows: (values per original column, base)."""
    import shap  # lazy: it loads numba and llvmlite

    if kind == "constant":
        return lambda Z: (np.zeros((len(Z), n_columns)), float(output_of(Z[:1])[0]))
    if kind in ("tree", "linear"):
        to_columns = np.zeros((len(origin), n_columns))
        to_columns[np.arange(len(origin)), origin] = 1.0  # sums features into their column
        if kind == "tree":  # path-dependent Tree SHAP: exact, needs no background
            explainer = shap.TreeExplainer(estimator)
        else:
            masker = shap.maskers.Independent(background, max_samples=len(background))
            explainer = shap.LinearExplainer(estimator, masker)

        def explain_exactly(Z: Array) -> tuple[Array, float]:
            values, base = _select_output(explainer.shap_values(Z), explainer.expected_value, k)
            return values @ to_columns, base

        return explain_exactly

    masker = _ColumnMasker(background, [np.flatnonzero(origin == c) for c in range(n_columns)])
    rng_state: list[Any] = []
    with _own_global_rng(rng_state):
        permutation = shap.PermutationExplainer(output_of, masker, seed=seed)
    evaluations = permutations * (2 * n_columns + 1)

    def explain_permuted(Z: Array) -> tuple[Array, float]:
        # One row per call: shap 0.51's Explainer.__call__ reuses its ``main_effects`` argument
        # name for a list, so from a call's second row on it also computes unrequested main
        # effects (~12% more model evaluations).
        with _own_global_rng(rng_state):
            rows = [
                permutation(z[None], max_evals=evaluations, batch_size=evaluations, silent=True)
                for z in Z
            ]
        values = np.concatenate([r.values for r in rows]).astype(np.float64)
        return values, float(np.ravel(rows[0].base_values)[0])

    return explain_permuted


def _permutations(n_columns: int) -> int:
    one = (2 * n_columns + 1) * BACKGROUND_ROWS
    return max(1, min(MAX_PERMUTATIONS, round(EVALUATIONS_PER_ROW / one)))


@contextlib.contextmanager
def _own_global_rng(state: list[Any]) -> Iterator[None]:
    """Run with numpy's global generator in ``state`` (if any), keep its new state there and give
    the caller's back. PermutationExplainer seeds that generator (``np.random.seed``) and draws
    its orderings from it: this keeps them seeded and leaves everybody else's draws alone."""
    outer = np.random.get_state()  # noqa: NPY002 (shap uses the legacy global generator)
    if state:
        np.random.set_state(state[0])  # noqa: NPY002
    try:
        yield
    finally:
        state[:] = [np.random.get_state()]  # noqa: NPY002
        np.random.set_state(outer)  # noqa: NPY002


class _ColumnMasker:
    """A shap masker whose players are the original columns: hiding one replaces all its features
    with a background row's. ``invariants`` lets shap skip background rows that hold the same
    value as the explained row (common for categories)."""

    immutable_outputs = True  # every call returns a new array: shap need not copy it

    def __init__(self, background: Array, groups: list[Array]) -> None:
        self.background = background
        self.groups = groups
        self.shape = (len(background), len(groups))

    def __call__(self, mask: Array, x: Array) -> Array:
        out = self.background.copy()
        shown = [self.groups[g] for g in np.flatnonzero(mask)]
        if shown:
            features = np.concatenate(shown)
            out[:, features] = x[features]
        return out

    def mask_shapes(self, x: Array) -> list[tuple[int]]:
        return [(len(self.groups),)]

    def invariants(self, x: Array) -> Array:
        same = (self.background == x) | (np.isnan(self.background) & np.isnan(x))
        return np.stack([same[:, g].all(axis=1) for g in self.groups], axis=1)


def _explain_in_chunks(
    explain_rows: RowExplainer, Z: Array, time_budget_s: float | None
) -> tuple[Array, float]:
    """Explain the rows of ``Z`` in order, in chunks of doubling size; with a time budget, the
    next chunk is shortened to what the last chunk's pace says still fits, and explaining stops
    when nothing fits (once :data:`MIN_ROWS` rows are done)."""
    started = time.perf_counter()
    parts: list[Array] = []
    base, done, size = 0.0, 0, 1
    while done < len(Z):
        chunk_started = time.perf_counter()
        values, base = explain_rows(Z[done : done + size])
        parts.append(values)
        done += len(values)
        seconds_per_row = (time.perf_counter() - chunk_started) / len(values)
        size *= 2
        if time_budget_s is not None and done < MIN_ROWS:
            size = min(size, MIN_ROWS - done)
        elif time_budget_s is not None:
            left_s = time_budget_s - (time.perf_counter() - started)
            size = min(size, int(left_s / max(seconds_per_row, 1e-9)))
            if size < 1:
                break
    return np.concatenate(parts), base


# --- presentation --------------------------------------------------------------------------------


def _explainer_text(kind: ExplainerKind, permutations: int) -> str:
    return {
        "tree": "TreeExplainer: exact contributions computed from the model's trees",
        "linear": "LinearExplainer: exact contributions computed from the model's weights",
        "permutation": "PermutationExplainer: contributions estimated by predicting each row "
        f"again with its columns swapped one by one for those of {BACKGROUND_ROWS} training rows, "
        f"in {permutations} random order{'s' if permutations > 1 else ''}",
        "constant": "The dummy baseline ignores every column, so every contribution is zero",
    }[kind]


def _unit(ds: Dataset, class_name: str | None, margin: bool) -> str:
    if class_name is None:
        return f"predicted {ds.target}"
    if not margin:
        return f"probability of '{class_name}'"
    if ds.task == "binary":
        return f"log-odds of '{class_name}'"
    return f"log-scale score (softmax logit) of '{class_name}'"


def _readable(ds: Dataset, positions: Array) -> pd.DataFrame:
    """Each original column's value per row as a person reads it: a date split into numeric parts
    is put back together ("2021-03-04", or "month=3, day=4, weekday=Thu" without a year part)."""
    kinds = {p.name: p.kind for p in ds.profiles}
    rows = ds.X.iloc[positions]
    data: dict[str, Any] = {}
    for column in ds.used_columns:
        features = [f for f in ds.X.columns if ds.feature_origin[f] == column]
        parts = {m.group(1): f for f in features if (m := _DATE_PART.search(f))}
        date = kinds.get(column) == "datetime" or len(features) > 1
        if date and len(parts) == len(features):
            values = rows[list(parts.values())].to_numpy()
            data[column] = [_date_text(dict(zip(parts, v, strict=True))) for v in values]
        else:
            data[column] = rows[features[0]].to_numpy()
    return pd.DataFrame(data, index=positions)


def _date_text(parts: dict[str, float]) -> str | float:
    if any(pd.isna(v) for v in parts.values()):
        return np.nan
    p = {k: int(v) for k, v in parts.items()}
    if {"year", "month", "day"} <= p.keys():
        hour = f" {p['hour']:02d}:00" if "hour" in p else ""
        return f"{p['year']:04d}-{p['month']:02d}-{p['day']:02d}{hour}"
    named = {k: _WEEKDAYS[v % 7] if k == "weekday" else v for k, v in p.items()}
    return ", ".join(
        f"{k}={named[k]}" for k in ("year", "month", "day", "weekday", "hour") if k in named
    )


def _ranked(positions: Array, key: Array, limit: int | None) -> list[int]:
    """``positions`` by ascending ``key`` (ties keep table order), the first ``limit`` of them."""
    ranked = [int(positions[i]) for i in np.argsort(key, kind="stable")]
    return ranked if limit is None else ranked[:limit]
