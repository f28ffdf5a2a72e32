"""The candidate ladder: a registry of model specs, from the dummy baseline to a neural network.

Each :class:`CandidateSpec` is data (name, family, size rung, flags, a one-line description) plus a
factory that builds the **whole pipeline** (preprocessing + model) for a task. Adding a model is
adding one entry to :data:`CANDIDATES`; ``tests/unit/test_candidates.py`` checks that every entry is
documented in the README.

Every estimator is built single-threaded (``n_jobs=1``); the study additionally limits BLAS and
OpenMP pools with threadpoolctl so training times compare fairly and CPU-seconds map to money.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from xgboost import XGBClassifier, XGBRegressor

from core.dataset import Dataset, Task
from core.errors import ConfigError

#: Classifiers whose ``predict`` is, by its definition in the library, the class of the largest
#: ``predict_proba`` (ties to the first class, as ``argmax``): for them one pass over the
#: held-out rows gives both. An exact list of types; any other classifier is asked both.
PREDICT_IS_ARGMAX_PROBA: frozenset[type] = frozenset(
    {
        CalibratedClassifierCV,
        DummyClassifier,
        LogisticRegression,
        DecisionTreeClassifier,
        GaussianNB,
        KNeighborsClassifier,
        RandomForestClassifier,
        ExtraTreesClassifier,
        HistGradientBoostingClassifier,
        XGBClassifier,
        MLPClassifier,
    }
)

Preprocessing = Literal["scaled", "trees"]
ALL_TASKS: frozenset[Task] = frozenset({"binary", "multiclass", "regression"})
CLASSIFICATION: frozenset[Task] = frozenset({"binary", "multiclass"})

#: Most categories one-hot encoded per column; rarer ones share an "infrequent" column.
MAX_ONEHOT_CATEGORIES = 30


@dataclass(frozen=True)
class CandidateSpec:
    """One rung of the ladder.

    ``rung`` orders sizes within a family (0 = the only or smallest); ``max_train_rows`` makes a
    model that would be too slow on big data train on a seeded sample of that many rows instead
    (the result says so).
    """

    name: str
    label: str
    family: str
    rung: int
    interpretable: bool
    description: str
    factory: Callable[[Task, int, int], Any] = field(repr=False)
    preprocessing: Preprocessing = "trees"
    tasks: frozenset[Task] = ALL_TASKS
    default: bool = True
    neural: bool = False
    max_train_rows: int | None = None
    #: Rough training cost relative to the others (seconds on 100,000 x 30, one thread). Only
    #: used to start the slowest models first, so parallel workers finish close together.
    relative_cost: float = 1.0

    def supports(self, task: Task) -> bool:
        return task in self.tasks

    def build(self, dataset: Dataset, seed: int) -> Pipeline:
        """The unfitted pipeline (preprocessing + model) for ``dataset``'s columns and task."""
        return build_pipeline(
            self,
            dataset.task,
            seed,
            dataset.n_rows,
            dataset.numeric_features,
            dataset.categorical_features,
        )


#: What a missing value of a category column becomes before it is encoded: a category of its own.
MISSING_CATEGORY = "(missing)"


def build_pipeline(
    spec: CandidateSpec,
    task: Task,
    seed: int,
    n_rows: int,
    numeric: Sequence[str],
    categorical: Sequence[str],
) -> Pipeline:
    """The unfitted pipeline of ``spec`` (preprocessing + model) for these columns and task."""
    preprocess = _preprocessor(spec.preprocessing, numeric, categorical)
    return Pipeline([("prepare", preprocess), ("model", spec.factory(task, seed, n_rows))])


def _preprocessor(
    kind: Preprocessing, numeric: Sequence[str], categorical: Sequence[str]
) -> ColumnTransformer:
    """Column preprocessing: scaled + one-hot for distance/linear/neural models, ordinal for trees.

    Tree models take missing numbers as they are (all of them handle NaN natively); the others
    get median imputation and standard scaling. A missing category is the category
    :data:`MISSING_CATEGORY` for every model.
    """
    transformers: list[tuple[str, Any, list[str]]] = []
    if kind == "scaled":
        if numeric:
            num = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
            transformers.append(("numeric", num, list(numeric)))
        if categorical:
            cat = make_pipeline(
                SimpleImputer(strategy="constant", fill_value=MISSING_CATEGORY),
                OneHotEncoder(
                    handle_unknown="infrequent_if_exist",
                    max_categories=MAX_ONEHOT_CATEGORIES,
                    sparse_output=False,
                ),
            )
            transformers.append(("categorical", cat, list(categorical)))
    else:
        if numeric:
            transformers.append(("numeric", "passthrough", list(numeric)))
        if categorical:
            # A missing category is a category of its own ("(missing)"), as for the scaled
            # models: the encoder then holds only strings, which a compiled runtime can serve
            # too (core.compiled); a NaN code would not convert.
            ordinal = make_pipeline(
                SimpleImputer(strategy="constant", fill_value=MISSING_CATEGORY),
                OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1, dtype=float),
            )
            transformers.append(("categorical", ordinal, list(categorical)))
    return ColumnTransformer(transformers, remainder="drop", verbose_feature_names_out=False)


def _by_task(classifier: Callable[[int], Any], regressor: Callable[[int], Any]) -> Any:
    def factory(task: Task, seed: int, n_rows: int) -> Any:
        return regressor(seed) if task == "regression" else classifier(seed)

    return factory


def _xgb(n_estimators: int, max_depth: int, learning_rate: float) -> Any:
    params = {
        "n_estimators": n_estimators,
        "max_depth": max_depth,
        "learning_rate": learning_rate,
        "tree_method": "hist",
        "n_jobs": 1,
        "subsample": 0.9,
        "colsample_bytree": 0.9,
    }
    return _by_task(
        lambda s: XGBClassifier(**params, random_state=s, eval_metric="logloss"),
        lambda s: XGBRegressor(**params, random_state=s),
    )


def _forest(cls_c: Any, cls_r: Any, n_estimators: int, **params: Any) -> Any:
    return _by_task(
        lambda s: cls_c(n_estimators=n_estimators, n_jobs=1, random_state=s, **params),
        lambda s: cls_r(n_estimators=n_estimators, n_jobs=1, random_state=s, **params),
    )


#: Below this many rows a neural network trains with L-BFGS (full batches converge far better on
#: small data) and a strong L2 penalty (alpha=1, the best of 0.001-3 on the bundled samples in
#: 5-fold CV: without it the network overfits a few hundred rows); above it with Adam and early
#: stopping on a 10% validation split.
MLP_LBFGS_MAX_ROWS = 5_000


def _mlp(hidden: tuple[int, ...]) -> Any:
    def factory(task: Task, seed: int, n_rows: int) -> Any:
        params: dict[str, Any] = {"hidden_layer_sizes": hidden, "random_state": seed}
        if n_rows <= MLP_LBFGS_MAX_ROWS:
            params.update(solver="lbfgs", max_iter=500, alpha=1.0)
        else:
            params.update(early_stopping=True, max_iter=200, n_iter_no_change=10)
        return MLPRegressor(**params) if task == "regression" else MLPClassifier(**params)

    return factory


CANDIDATES: tuple[CandidateSpec, ...] = (
    CandidateSpec(
        name="dummy",
        label="Dummy baseline",
        family="Baseline",
        rung=0,
        interpretable=True,
        description="Always predicts the most common class (or the average value); "
        "any useful model must beat it.",
        factory=_by_task(
            lambda s: DummyClassifier(strategy="prior"), lambda s: DummyRegressor(strategy="mean")
        ),
        relative_cost=0.01,
    ),
    CandidateSpec(
        name="simple",
        label="Simple baseline (linear)",
        family="Linear",
        rung=0,
        interpretable=True,
        description="Logistic regression (classification) or ridge regression: one weight "
        "per column, the classic cheap baseline.",
        factory=_by_task(
            lambda s: LogisticRegression(max_iter=2000, random_state=s),
            lambda s: Ridge(alpha=1.0),
        ),
        relative_cost=0.4,
        preprocessing="scaled",
    ),
    CandidateSpec(
        name="decision_tree",
        label="Decision tree (shallow)",
        family="Decision tree",
        rung=0,
        interpretable=True,
        description="A four-level tree of yes/no questions that a person can read and check.",
        factory=_by_task(
            lambda s: DecisionTreeClassifier(max_depth=4, random_state=s),
            lambda s: DecisionTreeRegressor(max_depth=4, random_state=s),
        ),
        relative_cost=1.3,
    ),
    CandidateSpec(
        name="naive_bayes",
        label="Naive Bayes",
        family="Naive Bayes",
        rung=0,
        interpretable=True,
        description="Treats each column as independent evidence; tiny and very fast, "
        "often less accurate.",
        factory=lambda task, seed, n_rows: GaussianNB(),
        preprocessing="scaled",
        tasks=CLASSIFICATION,
        relative_cost=0.3,
    ),
    CandidateSpec(
        name="knn",
        label="k-nearest neighbours",
        family="Nearest neighbours",
        rung=0,
        interpretable=False,
        description="Predicts from the 15 most similar training rows; it keeps the "
        "training data, so it grows with it and slows down per prediction.",
        factory=_by_task(
            lambda s: KNeighborsClassifier(n_neighbors=15, n_jobs=1),
            lambda s: KNeighborsRegressor(n_neighbors=15, n_jobs=1),
        ),
        relative_cost=1.8,
        preprocessing="scaled",
        max_train_rows=20_000,
    ),
    CandidateSpec(
        name="random_forest_small",
        label="Random forest (small)",
        family="Random forest",
        rung=0,
        interpretable=False,
        description="50 trees of at most 10 levels, each voting; robust with little tuning.",
        factory=_forest(RandomForestClassifier, RandomForestRegressor, 50, max_depth=10),
        relative_cost=16,
    ),
    CandidateSpec(
        name="random_forest_large",
        label="Random forest (large)",
        family="Random forest",
        rung=1,
        interpretable=False,
        description="300 fully grown trees: often a little more accurate, much bigger and slower.",
        factory=_forest(RandomForestClassifier, RandomForestRegressor, 300, min_samples_leaf=2),
        default=False,
        max_train_rows=50_000,
        relative_cost=90,
    ),
    CandidateSpec(
        name="extra_trees_small",
        label="Extra trees (small)",
        family="Extra trees",
        rung=0,
        interpretable=False,
        description="50 extremely randomised trees: like a forest, faster to train.",
        factory=_forest(ExtraTreesClassifier, ExtraTreesRegressor, 50, max_depth=12),
        relative_cost=3,
    ),
    CandidateSpec(
        name="extra_trees_large",
        label="Extra trees (large)",
        family="Extra trees",
        rung=1,
        interpretable=False,
        description="300 fully grown extremely randomised trees: big files, slow predictions.",
        factory=_forest(ExtraTreesClassifier, ExtraTreesRegressor, 300, min_samples_leaf=2),
        default=False,
        max_train_rows=50_000,
        relative_cost=30,
    ),
    CandidateSpec(
        name="hist_gb",
        label="Histogram gradient boosting",
        family="Gradient boosting",
        rung=0,
        interpretable=False,
        description="scikit-learn's fast boosted trees, each correcting the last one's errors.",
        factory=_by_task(
            lambda s: HistGradientBoostingClassifier(random_state=s),
            lambda s: HistGradientBoostingRegressor(random_state=s),
        ),
        relative_cost=2,
    ),
    CandidateSpec(
        name="xgboost_small",
        label="XGBoost (small)",
        family="XGBoost",
        rung=0,
        interpretable=False,
        description="50 boosted trees of depth 3: the industry workhorse at its cheapest.",
        factory=_xgb(50, 3, 0.3),
        relative_cost=0.9,
    ),
    CandidateSpec(
        name="xgboost_medium",
        label="XGBoost (medium)",
        family="XGBoost",
        rung=1,
        interpretable=False,
        description="200 boosted trees of depth 6: XGBoost's usual settings.",
        factory=_xgb(200, 6, 0.1),
        relative_cost=3.2,
    ),
    CandidateSpec(
        name="xgboost_large",
        label="XGBoost (large)",
        family="XGBoost",
        rung=2,
        interpretable=False,
        description="800 boosted trees of depth 8 with a small learning rate: the costly end.",
        factory=_xgb(800, 8, 0.05),
        default=False,
        relative_cost=25,
    ),
    CandidateSpec(
        name="mlp_small",
        label="Neural network (small)",
        family="Neural network",
        rung=0,
        interpretable=False,
        description="A small neural network (one hidden layer of 32 units) standing for "
        "deep learning at its cheapest.",
        factory=_mlp((32,)),
        preprocessing="scaled",
        neural=True,
        max_train_rows=100_000,
        relative_cost=12,
    ),
    CandidateSpec(
        name="mlp_large",
        label="Neural network (large)",
        family="Neural network",
        rung=1,
        interpretable=False,
        description="A larger neural network (two hidden layers, 256 and 128 units).",
        factory=_mlp((256, 128)),
        preprocessing="scaled",
        neural=True,
        default=False,
        max_train_rows=50_000,
        relative_cost=60,
    ),
)


# --- dense sweeps --------------------------------------------------------------------------------
#
# A sweep traces each family's frontier as a curve: every ensemble and neural family of the
# ladder gets a grid of sizes (an exact list, made once here, so a worker finds each by name).

#: Trees x depth for the two forest families (``None``: grown fully).
SWEEP_FOREST_TREES = (10, 25, 50, 100, 200)
SWEEP_FOREST_DEPTHS: tuple[int | None, ...] = (4, 6, 8, 12, None)
#: Boosting rounds x depth for XGBoost; the learning rate falls as the rounds grow.
SWEEP_XGB_ROUNDS = (25, 50, 100, 200, 400, 800)
SWEEP_XGB_DEPTHS = (2, 3, 4, 6, 8)
#: Rounds x leaves per tree for histogram gradient boosting.
SWEEP_HGB_ROUNDS = (25, 50, 100, 200, 400)
SWEEP_HGB_LEAVES = (7, 15, 31, 63)
#: Hidden layers of the neural networks, smallest first.
SWEEP_MLP_LAYERS: tuple[tuple[int, ...], ...] = (
    *((w,) for w in (4, 8, 16, 32, 64, 128, 256)),
    (8, 8), (16, 16), (32, 16), (32, 32), (64, 32), (64, 64), (128, 64), (128, 128),
    (256, 128), (256, 256),
    (32, 32, 32), (64, 64, 64), (128, 128, 128),
)  # fmt: skip


def _depth_words(depth: int | None) -> str:
    return "fully grown" if depth is None else f"depth {depth}"


def _sweep_forests() -> list[CandidateSpec]:
    specs = []
    for family, prefix, cls_c, cls_r, cost in (
        ("Random forest", "rf", RandomForestClassifier, RandomForestRegressor, 0.32),
        ("Extra trees", "et", ExtraTreesClassifier, ExtraTreesRegressor, 0.1),
    ):
        for trees in SWEEP_FOREST_TREES:
            for depth in SWEEP_FOREST_DEPTHS:
                params: dict[str, Any] = {"max_depth": depth}
                if depth is None:
                    params["min_samples_leaf"] = 2
                specs.append(
                    CandidateSpec(
                        name=f"sweep_{prefix}_{trees}_trees_{'full' if depth is None else depth}",
                        label=f"{family} ({trees} trees, {_depth_words(depth)})",
                        family=family,
                        rung=0,
                        interpretable=False,
                        description=f"{trees} trees, {_depth_words(depth)}: one size of the "
                        f"{family.lower()} sweep.",
                        factory=_forest(cls_c, cls_r, trees, **params),
                        default=False,
                        max_train_rows=50_000 if trees * (depth or 24) > 2_000 else None,
                        relative_cost=cost * trees * (depth or 24) / 10,
                    )
                )
    return specs


def _sweep_boosting() -> list[CandidateSpec]:
    specs = []
    for rounds in SWEEP_XGB_ROUNDS:
        for depth in SWEEP_XGB_DEPTHS:
            rate = round(min(0.3, 12 / rounds), 3)
            specs.append(
                CandidateSpec(
                    name=f"sweep_xgboost_{rounds}_rounds_depth_{depth}",
                    label=f"XGBoost ({rounds} trees, depth {depth})",
                    family="XGBoost",
                    rung=0,
                    interpretable=False,
                    description=f"{rounds} boosted trees of depth {depth}, learning rate "
                    f"{rate:g}: one size of the XGBoost sweep.",
                    factory=_xgb(rounds, depth, rate),
                    default=False,
                    relative_cost=0.004 * rounds * depth,
                )
            )
    for rounds in SWEEP_HGB_ROUNDS:
        for leaves in SWEEP_HGB_LEAVES:
            specs.append(
                CandidateSpec(
                    name=f"sweep_hist_gb_{rounds}_rounds_{leaves}_leaves",
                    label=f"Histogram gradient boosting ({rounds} trees, {leaves} leaves)",
                    family="Gradient boosting",
                    rung=0,
                    interpretable=False,
                    description=f"{rounds} boosted trees of at most {leaves} leaves: one size "
                    "of the gradient boosting sweep.",
                    factory=_hist_gb(rounds, leaves),
                    default=False,
                    relative_cost=0.0007 * rounds * leaves,
                )
            )
    return specs


def _hist_gb(rounds: int, leaves: int) -> Any:
    params = {"max_iter": rounds, "max_leaf_nodes": leaves, "early_stopping": False}
    return _by_task(
        lambda s: HistGradientBoostingClassifier(**params, random_state=s),
        lambda s: HistGradientBoostingRegressor(**params, random_state=s),
    )


def _sweep_networks() -> list[CandidateSpec]:
    specs = []
    for layers in SWEEP_MLP_LAYERS:
        units = sum(layers)
        shape = " x ".join(str(w) for w in layers)
        specs.append(
            CandidateSpec(
                name=f"sweep_mlp_{'_'.join(str(w) for w in layers)}",
                label=f"Neural network ({shape} units)",
                family="Neural network",
                rung=0,
                interpretable=False,
                description=f"{len(layers)} hidden layer{'s' if len(layers) > 1 else ''} of "
                f"{shape} units: one size of the neural network sweep.",
                factory=_mlp(layers),
                preprocessing="scaled",
                neural=True,
                default=False,
                max_train_rows=100_000 if units <= 64 else 50_000,
                relative_cost=0.15 * units,
            )
        )
    return specs


def _ranked(specs: list[CandidateSpec]) -> tuple[CandidateSpec, ...]:
    """Each family's sweep with its rungs in the order of their rough cost, cheapest first."""
    out: list[CandidateSpec] = []
    for family in dict.fromkeys(s.family for s in specs):
        members = sorted((s for s in specs if s.family == family), key=lambda s: s.relative_cost)
        out.extend(replace(s, rung=i) for i, s in enumerate(members))
    return tuple(out)


#: Every configuration ``--sweep`` may add, by family: 20 to 30 each.
SWEEP: tuple[CandidateSpec, ...] = _ranked(
    [*_sweep_forests(), *_sweep_boosting(), *_sweep_networks()]
)
#: The families a sweep traces: the ensembles and the neural networks.
SWEEP_FAMILIES: tuple[str, ...] = tuple(dict.fromkeys(s.family for s in SWEEP))

# --- calibrated variants -------------------------------------------------------------------------
#
# A classifier whose probabilities do not mean what they say (core.calibration) can be trained
# again with its probabilities calibrated: scikit-learn's CalibratedClassifierCV, inside the
# pipeline, so it learns the calibration from the training rows only (three folds of them), and
# serves one model (``ensemble=False``: the model refit on all its training rows, with the
# calibration learned from the folds' predictions), so its size and speed stay comparable.

#: Suffix of a calibrated variant's name: ``xgboost_small_calibrated``.
CALIBRATED_SUFFIX = "_calibrated"
#: From this many rows of the table, isotonic calibration (a free monotone curve); below it,
#: Platt's sigmoid (two numbers), which overfits less on few rows (scikit-learn's advice: isotonic
#: needs well over a thousand calibration rows).
ISOTONIC_MIN_ROWS = 5_000
CALIBRATION_FOLDS = 3


def _calibrated(spec: CandidateSpec) -> CandidateSpec:
    base = spec.factory

    def factory(task: Task, seed: int, n_rows: int) -> Any:
        method = "isotonic" if n_rows >= ISOTONIC_MIN_ROWS else "sigmoid"
        return CalibratedClassifierCV(
            base(task, seed, n_rows), method=method, cv=CALIBRATION_FOLDS, ensemble=False
        )

    return replace(
        spec,
        name=spec.name + CALIBRATED_SUFFIX,
        label=f"{spec.label}, calibrated",
        description=f"{spec.description} Its probabilities calibrated on its training rows.",
        factory=factory,
        tasks=spec.tasks & CLASSIFICATION,
        default=False,
        relative_cost=spec.relative_cost * (CALIBRATION_FOLDS + 1),
    )


#: A calibrated variant of every classifier of the ladder but the dummy (whose probabilities
#: are the classes' shares: calibrated already), trained only when asked for.
CALIBRATED: tuple[CandidateSpec, ...] = tuple(
    _calibrated(s) for s in CANDIDATES if s.name != "dummy" and s.tasks & CLASSIFICATION
)

_BY_NAME = {spec.name: spec for spec in (*CANDIDATES, *SWEEP, *CALIBRATED)}
#: Names of the two reference models every comparison is made against.
DUMMY_BASELINE = "dummy"
SIMPLE_BASELINE = "simple"


def get_candidate(name: str) -> CandidateSpec:
    """The spec called ``name``; raise :class:`ConfigError` listing the known names otherwise."""
    try:
        return _BY_NAME[name]
    except KeyError:
        known = ", ".join(s.name for s in CANDIDATES)  # the sweep's sizes come with --sweep
        raise ConfigError(
            f"Unknown model '{name}'. Choose from: {known}; a classifier's probabilities "
            f"calibrated: its name with '{CALIBRATED_SUFFIX}' (e.g. xgboost_small"
            f"{CALIBRATED_SUFFIX})."
        ) from None


def default_names(task: Task) -> tuple[str, ...]:
    """The models trained when the user picks none: the baselines and one of each family."""
    return tuple(s.name for s in CANDIDATES if s.default and s.supports(task))


def all_names(task: Task) -> tuple[str, ...]:
    return tuple(s.name for s in CANDIDATES if s.supports(task))


def calibrated_name(name: str) -> str | None:
    """The calibrated variant of model ``name``, if it has one (classifiers only)."""
    variant = name + CALIBRATED_SUFFIX
    return variant if variant in _BY_NAME else None


def calibrated_names(task: Task) -> tuple[str, ...]:
    """Every calibrated variant for ``task`` (none for regression)."""
    return tuple(s.name for s in CALIBRATED if s.supports(task))


def sweep_names(names: Sequence[str], task: Task) -> tuple[str, ...]:
    """The sweep of every ensemble and neural family among ``names`` (:data:`SWEEP`)."""
    families = {_BY_NAME[n].family for n in names if n in _BY_NAME}
    return tuple(s.name for s in SWEEP if s.family in families and s.supports(task))


def resolve_names(
    requested: Sequence[str] | None, task: Task, *, sweep: bool = False
) -> tuple[str, ...]:
    """Expand a user's model list (names, or the words ``default`` / ``all``).

    The dummy and simple baselines are always added: every result is read against them. Models
    that do not support the task are refused with a message saying which task they need. With
    ``sweep``, each ensemble and neural family chosen also gets its grid of sizes
    (:func:`sweep_names`), after the ladder.
    """
    if not requested:
        names: list[str] = list(default_names(task))
    else:
        names = []
        for item in requested:
            if item == "default":
                names.extend(default_names(task))
            elif item == "all":
                names.extend(all_names(task))
            else:
                spec = get_candidate(item)
                if not spec.supports(task):
                    raise ConfigError(
                        f"Model '{item}' cannot be used for a {task} task "
                        f"(it supports: {', '.join(sorted(spec.tasks))}). Remove it from the list."
                    )
                names.append(item)
    ordered = [DUMMY_BASELINE, SIMPLE_BASELINE, *names]
    chosen = set(ordered)
    ladder = tuple(s.name for s in CANDIDATES if s.name in chosen)
    ladder += tuple(s.name for s in CALIBRATED if s.name in chosen)
    extra = tuple(n for n in sweep_names(ladder, task) if n not in chosen) if sweep else ()
    return ladder + extra
