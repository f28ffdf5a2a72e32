"""A second way to serve a model: its fitted pipeline compiled to ONNX and run by ONNX Runtime.

A fitted scikit-learn pipeline (the column preparation and the model) is converted with skl2onnx
(XGBoost through onnxmltools' converter) into one ONNX graph, run by ONNX Runtime on one
intra-op thread (what :mod:`core.measure` gives the scikit-learn pipeline). It is the **same
fitted model**: nothing is refitted, and the graph is offered only once it predicts as the
pipeline does on the rows it is checked on (:func:`verify`).

Inputs: one tensor per column of the pipeline's input, each ``[rows, 1]``; numbers as float32
(scikit-learn's trees compare in float32 already; the others differ by rounding, within
:data:`PROBABILITY_TOLERANCE` and :data:`VALUE_TOLERANCE`), categories as strings with a missing
value written ``""`` (:func:`onnx_inputs`). The only change made for the conversion is on a
copy of the pipeline and equivalent by construction: the category imputer, which turns a
missing value (NaN) into :data:`core.candidates.MISSING_CATEGORY`, is told that missing is
``""``, which is how a missing category reaches the graph (a string tensor holds no NaN).

A model that cannot be converted (no converter for its type, an unsupported option) or whose
graph disagrees with the pipeline is not offered as compiled; :attr:`Compiled.problem` says why
in words.
"""

from __future__ import annotations

import copy
import math
import re
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.dataset import Dataset, Task
from core.measure import Server
from core.units import format_number

#: The operator sets the graphs are written in (``ai.onnx.ml`` 3: what onnxmltools writes for
#: XGBoost, and what every tree converter supports).
OPSETS: dict[str, int] = {"": 18, "ai.onnx.ml": 3}
#: The graph's name in every compiled model, so one fitted model always compiles to the same bytes.
GRAPH_NAME = "tradeoff_explorer_model"
#: Largest difference allowed between a compiled model's probability and the pipeline's, on
#: the 0 to 1 scale of a probability (float32 rounding is about 1e-7).
PROBABILITY_TOLERANCE = 1e-5
#: Largest difference allowed between a compiled regression's prediction and the pipeline's,
#: relative to the larger of the value and the spread of the pipeline's predictions.
VALUE_TOLERANCE = 1e-5
#: How a missing category reaches the graph (see the module docstring).
MISSING_TEXT = ""
#: The most training rows a nearest-neighbours model may keep to be compiled. Its graph
#: compares each request with every training row (about 4 µs a row on one thread: 80 ms at
#: 20,000 rows), where scikit-learn searches an index: beyond about 2,000 rows the graph is the
#: slower one, and checking it on every held-out row would cost more than training the ladder.
NEIGHBOURS_MAX_ROWS = 2_000


@dataclass(frozen=True)
class Compiled:
    """A pipeline as an ONNX graph (``onnx`` bytes), or why it could not be made (``problem``);
    ``convert_s``: seconds the conversion took."""

    onnx: bytes | None
    problem: str | None
    convert_s: float

    @property
    def ok(self) -> bool:
        return self.onnx is not None


@dataclass(frozen=True)
class Verification:
    """How a compiled model's predictions compare with its pipeline's on ``rows`` rows:
    ``labels_equal`` (classifiers: the same class on every row), ``max_difference`` (largest
    difference of a probability, or of a regression value relative to its scale) and, when they
    disagree beyond the tolerances, ``problem`` in words."""

    rows: int
    labels_equal: bool
    max_difference: float
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None


_REGISTERED = False


def _register_xgboost() -> None:
    """Teach skl2onnx XGBoost's two estimators, with onnxmltools' converter (once)."""
    global _REGISTERED
    if _REGISTERED:
        return
    from onnxmltools.convert.xgboost.operator_converters.XGBoost import convert_xgboost
    from skl2onnx import update_registered_converter
    from skl2onnx.common.shape_calculator import (
        calculate_linear_classifier_output_shapes,
        calculate_linear_regressor_output_shapes,
    )
    from xgboost import XGBClassifier, XGBRegressor

    update_registered_converter(
        XGBClassifier,
        "XGBoostXGBClassifier",
        calculate_linear_classifier_output_shapes,
        convert_xgboost,
        options={"nocl": [True, False], "zipmap": [True, False, "columns"]},
    )
    update_registered_converter(
        XGBRegressor,
        "XGBoostXGBRegressor",
        calculate_linear_regressor_output_shapes,
        convert_xgboost,
    )
    _REGISTERED = True


def _for_conversion(pipeline: Any) -> Any:
    """A copy of the fitted ``pipeline`` the converters can write, equivalent by construction;
    the original is untouched. Its category imputers take ``""`` as missing (the only way a
    string tensor says it), and a one-hot encoder that puts an unseen category in an
    "infrequent" bucket it does not have says so as "ignore" (all zeros, which is what it does;
    skl2onnx would otherwise write a graph that fails on an unseen category)."""
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import OneHotEncoder

    twin = copy.deepcopy(pipeline)
    prepare = twin.steps[0][1]
    for _, transformer, _ in getattr(prepare, "transformers_", []):
        for _, step in getattr(transformer, "steps", []):
            if isinstance(step, SimpleImputer) and isinstance(step.fill_value, str):
                step.missing_values = MISSING_TEXT
            if (
                isinstance(step, OneHotEncoder)
                and step.handle_unknown == "infrequent_if_exist"
                and all(c is None for c in step.infrequent_categories_)
            ):
                step.handle_unknown = "ignore"
    return twin


def _input_types(dataset: Dataset) -> list[tuple[str, Any]]:
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType

    categorical = set(dataset.categorical_features)
    used = categorical | set(dataset.numeric_features)
    return [
        (c, StringTensorType([None, 1]) if c in categorical else FloatTensorType([None, 1]))
        for c in dataset.X.columns
        if c in used
    ]


def compile_pipeline(pipeline: Any, dataset: Dataset) -> Compiled:
    """The fitted ``pipeline`` of a model trained on ``dataset`` as an ONNX graph, or why not."""
    start = time.perf_counter()
    kept = _neighbours_rows(pipeline)
    if kept > NEIGHBOURS_MAX_ROWS:
        return Compiled(
            None,
            f"ONNX Runtime would compare each request with every one of the {kept:,} training "
            f"rows it keeps, slower than scikit-learn's own search beyond about "
            f"{NEIGHBOURS_MAX_ROWS:,} rows.",
            time.perf_counter() - start,
        )
    try:
        from skl2onnx import convert_sklearn

        _register_xgboost()
        twin = _for_conversion(pipeline)
        model = twin.steps[-1][1]  # probabilities as one array, not a dict per row
        options = {id(model): {"zipmap": False}} if dataset.is_classification else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the converters' own notes; verify() is the test
            graph = convert_sklearn(
                twin,
                name=GRAPH_NAME,  # else a random one: the same model would give other bytes
                initial_types=_input_types(dataset),
                options=options,
                target_opset=OPSETS,
            )
        _route_missing_as_trained(graph, model)
        _canonical_opsets(graph)
        data = graph.SerializeToString()
        _session(data)  # a graph ONNX Runtime cannot load is no compiled model
    except Exception as exc:  # every converter failure is a reason to show, never a crash
        return Compiled(None, _problem_words(pipeline, exc), time.perf_counter() - start)
    return Compiled(data, None, time.perf_counter() - start)


def _canonical_opsets(graph: Any) -> None:
    """The graph's operator sets in the order of their domains. skl2onnx lists them in the
    order of a set of strings, which changes with each process's hash seed: without this, the
    same fitted model compiled in two processes (two workers, or a Dask cluster and this
    machine) would give other bytes."""
    ordered = sorted((o.domain, o.version) for o in graph.opset_import)
    del graph.opset_import[:]
    for domain, version in ordered:
        graph.opset_import.add(domain=domain, version=version)


def _trees(model: Any) -> list[Any] | None:
    """The fitted trees of ``model`` in the order skl2onnx writes them (its tree ids), for the
    exact types whose converter drops where a missing value goes; ``None`` for any other."""
    from sklearn.ensemble import (
        ExtraTreesClassifier,
        ExtraTreesRegressor,
        RandomForestClassifier,
        RandomForestRegressor,
    )
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    if type(model) in (DecisionTreeClassifier, DecisionTreeRegressor):
        return [model.tree_]
    forests = (RandomForestClassifier, RandomForestRegressor, ExtraTreesClassifier,
               ExtraTreesRegressor)  # fmt: skip
    if type(model) in forests:
        return [tree.tree_ for tree in model.estimators_]
    return None


def _route_missing_as_trained(graph: Any, model: Any) -> None:
    """Give a converted tree model back the side each split sends a missing number to.

    A scikit-learn tree learns it (``tree_.missing_go_to_left``; with no missing value in
    training, the side with more rows), but skl2onnx 1.20 writes every split as sending it to
    the right (onnx/sklearn-onnx#1253), so a request with a missing number could get another
    answer than scikit-learn's. Each split's ``nodes_missing_value_tracks_true`` is set from
    its tree; :func:`verify` then checks the graph on rows with each number missing."""
    trees = _trees(model)
    if trees is None:
        return
    import onnx

    kinds = ("TreeEnsembleClassifier", "TreeEnsembleRegressor")
    (node,) = [n for n in graph.graph.node if n.op_type in kinds]  # one ensemble, or fail
    attrs = {a.name: a for a in node.attribute}
    tracks = [
        int(trees[t].children_left[n] != -1 and bool(trees[t].missing_go_to_left[n]))
        for t, n in zip(attrs["nodes_treeids"].ints, attrs["nodes_nodeids"].ints, strict=True)
    ]
    name = "nodes_missing_value_tracks_true"
    if name in attrs:
        node.attribute.remove(attrs[name])
    node.attribute.append(onnx.helper.make_attribute(name, tracks))


def _neighbours_rows(pipeline: Any) -> int:
    """How many training rows a nearest-neighbours model keeps (0 for any other model)."""
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

    model = pipeline.steps[-1][1]
    if type(model) in (KNeighborsClassifier, KNeighborsRegressor):
        return int(model.n_samples_fit_)
    return 0


def _problem_words(pipeline: Any, exc: BaseException) -> str:
    """Why a pipeline did not compile, in words: its model type and the converter's first line."""
    model = type(pipeline.steps[-1][1]).__name__
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    first = re.split(r" with name=| and attributes=", first)[0][:160]  # not the node's dump
    if type(exc).__name__ == "MissingShapeCalculator":
        return f"ONNX has no converter for {model}."
    return f"{model} could not be compiled to ONNX ({first.rstrip('.')})."


#: The only operator domains a graph this app writes uses (:data:`OPSETS`).
DOMAINS = frozenset(OPSETS)


class GraphRefused(ValueError):
    """A ``.onnx`` file that is not a graph this app writes."""


def check_graph(data: bytes) -> None:
    """Refuse a ``.onnx`` file from elsewhere (a saved study may be hostile) unless it is what
    :func:`compile_pipeline` writes: it parses, uses only the domains of :data:`OPSETS` at
    their versions or below, and every tensor is inside the file (no external data, which
    would make ONNX Runtime read another file by a path the graph names)."""
    import onnx

    try:
        model = onnx.load_from_string(data)
    except Exception as exc:
        raise GraphRefused("it is not an ONNX graph") from exc
    for opset in model.opset_import:
        if opset.domain not in DOMAINS or opset.version > OPSETS[opset.domain]:
            raise GraphRefused(f"it uses operators this app does not write ({opset.domain!r})")
    graphs = [model.graph]
    while graphs:
        graph = graphs.pop()
        for tensor in graph.initializer:
            if tensor.data_location != onnx.TensorProto.DEFAULT or tensor.external_data:
                raise GraphRefused("it reads data from another file")
        for node in graph.node:
            if node.domain not in DOMAINS:
                raise GraphRefused(f"it uses operators this app does not write ({node.domain!r})")
            for attr in node.attribute:
                if attr.HasField("g"):
                    graphs.append(attr.g)
                graphs.extend(attr.graphs)
                if attr.HasField("t") and attr.t.data_location != onnx.TensorProto.DEFAULT:
                    raise GraphRefused("it reads data from another file")
    if model.functions:
        raise GraphRefused("it defines functions this app does not write")


def _session(data: bytes) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # one thread, as the scikit-learn pipeline is measured
    options.inter_op_num_threads = 1
    return ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])


def onnx_inputs(X: pd.DataFrame, dataset: Dataset) -> dict[str, np.ndarray]:
    """The graph's inputs for rows ``X`` of the pipeline's input: float32 numbers (NaN stays
    NaN), categories as strings with :data:`MISSING_TEXT` for a missing one."""
    categorical, numeric = set(dataset.categorical_features), set(dataset.numeric_features)
    feed: dict[str, np.ndarray] = {}
    for c in X.columns:
        if c in categorical:
            texts = [MISSING_TEXT if _missing(v) else str(v) for v in X[c].tolist()]
            feed[c] = np.array(texts, dtype=object).reshape(-1, 1)
        elif c in numeric:
            feed[c] = X[c].to_numpy(dtype=np.float32).reshape(-1, 1)
    return feed


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


@dataclass(frozen=True)
class Outputs:
    """What a model says about rows: class codes (classifiers) or values (regression), and each
    class's probability (classifiers; one column per class the model knows, in its order)."""

    predictions: np.ndarray
    probabilities: np.ndarray | None


class CompiledModel(Server):
    """A compiled graph loaded in ONNX Runtime, ready to predict rows of the pipeline's input;
    as a :class:`core.measure.Server`, its inputs are the graph's tensors (:func:`onnx_inputs`)
    and a request returns what the pipeline's would (probabilities, or values)."""

    def __init__(self, data: bytes, dataset: Dataset) -> None:
        self._session = _session(data)
        self._dataset = dataset
        self._names = [o.name for o in self._session.get_outputs()]

    def run(self, X: pd.DataFrame) -> Outputs:
        results = self._session.run(None, onnx_inputs(X, self._dataset))
        out = dict(zip(self._names, results, strict=True))
        if self._dataset.task == "regression":
            return Outputs(np.asarray(out[self._names[0]], dtype=np.float64).ravel(), None)
        labels = np.asarray(out[self._names[0]]).ravel()
        return Outputs(labels, np.asarray(out[self._names[1]], dtype=np.float64))

    def inputs(self, X: pd.DataFrame) -> dict[str, np.ndarray]:
        return onnx_inputs(X, self._dataset)

    def requests(self, X: pd.DataFrame, frames: Sequence[pd.DataFrame]) -> list[Any]:
        # Converted once, then cut into rows: converting 256 one-row frames one by one took
        # 0.2 s per model on 30 columns, longer than all of its rounds.
        feed = onnx_inputs(X, self._dataset)
        return [{name: column[i : i + 1] for name, column in feed.items()} for i in range(len(X))]

    def online(self, inputs: Any) -> Any:
        return self._session.run(self._names[-1:], inputs)  # probabilities, or the values

    def batch(self, inputs: Any) -> Any:
        return self._session.run(self._names[:1], inputs)  # labels, or the values


def verify(compiled: Compiled, pipeline: Any, X: pd.DataFrame, dataset: Dataset) -> Verification:
    """Whether the compiled graph predicts as ``pipeline`` on rows ``X`` (the held-out rows),
    and on rows with a category never seen in training or missing, or a number missing
    (:func:`_unseen`): the same class on every row and probabilities within
    :data:`PROBABILITY_TOLERANCE`, or regression values within :data:`VALUE_TOLERANCE` of
    their scale."""
    if compiled.onnx is None:
        return Verification(0, False, math.inf, compiled.problem or "not compiled")
    X = pd.concat([X, _unseen(X, dataset)], ignore_index=True)
    try:
        got = CompiledModel(compiled.onnx, dataset).run(X)
    except Exception as exc:  # a graph that fails on real rows is no compiled model
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
        return Verification(len(X), False, math.inf, f"the compiled model failed on rows: {first}")
    return compare(_reference(pipeline, X, dataset.task), got, dataset.task, len(X))


#: A category no table holds, for the rows :func:`verify` adds: serving meets new values.
UNSEEN_CATEGORY = "\u2063a value never seen in training\u2063"


def _unseen(X: pd.DataFrame, dataset: Dataset) -> pd.DataFrame:
    """Rows serving meets that the held-out rows may lack: the first row of ``X`` with each
    category column set to a value never seen in training and to missing, and with each number
    column missing (both runtimes must serve them alike)."""
    if X.empty:
        return X.iloc[:0]
    changes = [(c, v) for c in dataset.categorical_features for v in (UNSEEN_CATEGORY, np.nan)]
    changes += [(c, np.nan) for c in dataset.numeric_features]
    rows = []
    for column, value in changes:
        row = X.iloc[:1].copy()
        row[column] = value
        rows.append(row)
    return pd.concat(rows, ignore_index=True) if rows else X.iloc[:0]


def _reference(pipeline: Any, X: pd.DataFrame, task: Task) -> Outputs:
    if task == "regression":
        return Outputs(np.asarray(pipeline.predict(X), dtype=np.float64), None)
    return Outputs(np.asarray(pipeline.predict(X)), np.asarray(pipeline.predict_proba(X)))


def compare(expected: Outputs, got: Outputs, task: Task, rows: int) -> Verification:
    """``got`` against ``expected`` for the same ``rows`` (see :func:`verify`)."""
    if task == "regression":
        scale = max(float(np.std(expected.predictions)), 1e-12)
        size = np.maximum(np.abs(expected.predictions), scale)
        worst = float(np.max(np.abs(got.predictions - expected.predictions) / size, initial=0.0))
        problem = None
        if not math.isfinite(worst) or worst > VALUE_TOLERANCE:
            problem = (
                "its predictions differ from the scikit-learn pipeline's by up to "
                f"{_share(worst)} of their scale (allowed: {_share(VALUE_TOLERANCE)})"
            )
        return Verification(rows, True, worst, problem)
    same = np.asarray(got.predictions).astype(np.int64) == np.asarray(expected.predictions).astype(
        np.int64
    )
    assert expected.probabilities is not None
    assert got.probabilities is not None
    worst = float(np.max(np.abs(got.probabilities - expected.probabilities), initial=0.0))
    problems = []
    if not same.all():
        problems.append(f"it predicts another class on {int((~same).sum()):,} of {rows:,} rows")
    if not math.isfinite(worst) or worst > PROBABILITY_TOLERANCE:
        problems.append(
            f"its probabilities differ by up to {_share(worst)} "
            f"(allowed: {_share(PROBABILITY_TOLERANCE)})"
        )
    return Verification(rows, bool(same.all()), worst, "; ".join(problems) or None)


def _share(value: float) -> str:
    """A difference as people write it ("0.16", "0.00001"), never in scientific notation."""
    return format_number(value) if math.isfinite(value) else "an infinite amount"
