"""What a model file may hold: an exact list of types, never a module prefix, never a function.

A skops file is a zip whose ``schema.json`` names, for every object in it, its type
(``__module__`` + ``__class__``) and the loader that rebuilds it (``__loader__``). Some loaders
*call* the type they name with arguments from the file (a "reduce" node), so any callable an
attacker can name is code they can run: ``numpy.testing.runstring`` starts with ``numpy.`` and
calls ``exec``. So a file is loaded only when

1. every type its schema names is in :data:`TRUSTED_TYPES`: the estimator classes the candidate
   ladder and its preprocessing build (derived below from :mod:`core.candidates`), the parts
   their fitted state holds (:data:`FITTED_PARTS`, e.g. a forest's trees) and the plain
   containers skops writes (:data:`CONTAINER_TYPES`); and every loader in :data:`TRUSTED_LOADERS`
   (no function, method, partial or operator nodes);
2. skops itself then loads it trusting exactly that list; and
3. the arrays that compiled code indexes without bounds checks (a tree's child and feature
   indices, a k-d tree's index array) are checked to be in range (:func:`check_structure`), so
   a crafted file cannot crash the process or read memory out of bounds when it predicts.

:func:`schema_problems` and :func:`check_structure` use only the standard library and NumPy, so
the exported ``serve.py`` carries their very source (see :mod:`core.export`) with the same lists:
one definition for the store and for serving.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from core import candidates as cand
from core.errors import TradeoffError

#: Plain values and containers a fitted pipeline's file holds.
CONTAINER_TYPES: frozenset[str] = frozenset(
    {
        *(f"builtins.{name}" for name in ("bool", "bytearray", "bytes", "dict", "float", "int")),
        *(f"builtins.{name}" for name in ("list", "NoneType", "slice", "str", "tuple")),
        "numpy.ndarray",
        "numpy.dtype",
        *(f"numpy.{name}" for name in ("bool", "object_", "str_", "float32", "float64")),
        *(f"numpy.{kind}{bits}" for kind in ("int", "uint") for bits in (8, 16, 32, 64)),
    }
)

_TREE = "sklearn.tree._tree.Tree"
_HIST_PARTS = (
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn._loss.link.Interval",
    "numpy.random._generator.Generator",
)
#: Kept by a neural network trained with Adam (more than MLP_LBFGS_MAX_ROWS rows).
_ADAM = "sklearn.neural_network._stochastic_optimizers.AdamOptimizer"
#: What an estimator's *fitted* state holds beyond its own class and parameters, by estimator.
FITTED_PARTS: dict[str, tuple[str, ...]] = {
    "sklearn.compose._column_transformer.ColumnTransformer": (
        # a "passthrough" column group is kept as an identity FunctionTransformer (func=None)
        "sklearn.preprocessing._function_transformer.FunctionTransformer",
    ),
    "sklearn.ensemble._forest.RandomForestClassifier": (
        "sklearn.tree._classes.DecisionTreeClassifier",
    ),
    "sklearn.ensemble._forest.RandomForestRegressor": (
        "sklearn.tree._classes.DecisionTreeRegressor",
    ),
    "sklearn.ensemble._forest.ExtraTreesClassifier": ("sklearn.tree._classes.ExtraTreeClassifier",),
    "sklearn.ensemble._forest.ExtraTreesRegressor": ("sklearn.tree._classes.ExtraTreeRegressor",),
    "sklearn.tree._classes.DecisionTreeClassifier": (_TREE,),
    "sklearn.tree._classes.DecisionTreeRegressor": (_TREE,),
    "sklearn.tree._classes.ExtraTreeClassifier": (_TREE,),
    "sklearn.tree._classes.ExtraTreeRegressor": (_TREE,),
    "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingClassifier": (
        *_HIST_PARTS,
        "sklearn.preprocessing._label.LabelEncoder",
        "sklearn._loss.loss.HalfBinomialLoss",
        "sklearn._loss._loss.CyHalfBinomialLoss",
        "sklearn._loss.link.LogitLink",
        "sklearn._loss.loss.HalfMultinomialLoss",
        "sklearn._loss._loss.CyHalfMultinomialLoss",
        "sklearn._loss.link.MultinomialLogit",
    ),
    "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingRegressor": (
        *_HIST_PARTS,
        "sklearn._loss.loss.HalfSquaredError",
        "sklearn._loss._loss.CyHalfSquaredError",
        "sklearn._loss.link.IdentityLink",
    ),
    "sklearn.neighbors._classification.KNeighborsClassifier": (
        "sklearn.neighbors._kd_tree.KDTree",
        "sklearn.metrics._dist_metrics.EuclideanDistance64",
    ),
    "sklearn.neighbors._regression.KNeighborsRegressor": (
        "sklearn.neighbors._kd_tree.KDTree",
        "sklearn.metrics._dist_metrics.EuclideanDistance64",
    ),
    "sklearn.neural_network._multilayer_perceptron.MLPClassifier": (
        "sklearn.preprocessing._label.LabelBinarizer",
        "numpy.random.mtrand.RandomState",
        _ADAM,
    ),
    "sklearn.neural_network._multilayer_perceptron.MLPRegressor": (
        "numpy.random.mtrand.RandomState",
        _ADAM,
    ),
    # A calibrated variant (core.candidates.CALIBRATED): the model, refit, and its calibrator
    # (Platt's sigmoid, or an isotonic curve) per class.
    "sklearn.calibration.CalibratedClassifierCV": (
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.calibration._SigmoidCalibration",
        "sklearn.isotonic.IsotonicRegression",
    ),
    "xgboost.sklearn.XGBClassifier": ("xgboost.core.Booster",),
    "xgboost.sklearn.XGBRegressor": ("xgboost.core.Booster",),
}

#: The skops loaders that rebuild what the ladder writes. Left out on purpose: FunctionNode,
#: MethodNode, PartialNode, OperatorFuncNode and ConstructorFromReduceNode (they hand back or
#: call a callable named by the file), and containers the ladder never writes.
TRUSTED_LOADERS: frozenset[str] = frozenset(
    {
        "BytearrayNode",
        "BytesNode",
        "CachedNode",
        "DictNode",
        "DTypeNode",
        "JsonNode",
        "ListNode",
        "LossNode",
        "NdArrayNode",
        "ObjectNode",
        "RandomGeneratorNode",
        "RandomStateNode",
        "SliceNode",
        "TreeNode",
        "TupleNode",
        "TypeNode",
    }
)

#: The largest ``schema.json`` read (a crafted zip may claim gigabytes).
MAX_SCHEMA_BYTES = 256 * 1024 * 1024


class ModelFileError(TradeoffError):
    """A model file is not one this app wrote, or is damaged: it is not loaded."""


def type_name(cls: type) -> str:
    """A type's name as skops writes it: ``module.Class``."""
    return f"{cls.__module__}.{cls.__name__}"


def _estimators(obj: Any) -> Iterator[Any]:
    """``obj`` and every estimator among its parameters (pipelines, column groups, ensembles)."""
    if isinstance(obj, list | tuple):
        for item in obj:
            yield from _estimators(item)
    elif hasattr(obj, "get_params"):
        yield obj
        for value in obj.get_params(deep=False).values():
            yield from _estimators(value)


def ladder_types() -> frozenset[str]:
    """Every estimator class the candidate ladder and its preprocessing build, for every task and
    both sizes of data the factories tell apart (unfitted pipelines, built from the registry's
    own factories), with the parts their fitted state holds."""
    found: set[str] = set()
    for spec in (*cand.CANDIDATES, *cand.CALIBRATED):
        for task in sorted(spec.tasks):
            for n_rows in (cand.MLP_LBFGS_MAX_ROWS, cand.MLP_LBFGS_MAX_ROWS + 1):
                pipeline = cand.build_pipeline(spec, task, 0, n_rows, ("number",), ("text",))
                found.update(type_name(type(e)) for e in _estimators(pipeline))
    return frozenset(found.union(*(FITTED_PARTS.get(name, ()) for name in found)))


#: The one list of types a model file may hold, used by the store and written into serve.py.
TRUSTED_TYPES: frozenset[str] = ladder_types() | CONTAINER_TYPES


def schema_problems(
    data: bytes,
    trusted_types: frozenset[str],
    trusted_loaders: frozenset[str],
    max_schema_bytes: int,
) -> list[str]:
    """What in a skops file is not trusted (empty when every type and loader is), read from its
    ``schema.json`` alone: nothing in the file is imported, built or called."""
    import json
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("schema.json")
            if info.file_size > max_schema_bytes:
                return [f"a schema of {info.file_size:,} bytes (at most {max_schema_bytes:,})"]
            with archive.open(info) as handle:
                text = handle.read(max_schema_bytes + 1)
        if len(text) > max_schema_bytes:
            return [f"a schema over {max_schema_bytes:,} bytes"]
        schema = json.loads(text)
    except KeyError:
        return ["no schema.json (not a skops file)"]
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, ValueError):
        return ["a damaged or non-skops file"]
    except RecursionError:
        return ["a schema nested too deeply"]
    problems: list[str] = []
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        stack.extend(node.values())
        if "__loader__" not in node and "__class__" not in node:
            continue
        loader, module, name = (node.get(k) for k in ("__loader__", "__module__", "__class__"))
        if not all(isinstance(v, str) for v in (loader, module, name)):
            problems.append("an object without a plain type name")
        elif loader not in trusted_loaders:
            problems.append(f"{module}.{name} (through {loader})")
        elif f"{module}.{name}" not in trusted_types:
            problems.append(f"{module}.{name}")
        elif loader == "LossNode" and module != "sklearn._loss._loss":
            problems.append(f"{module}.{name} (through {loader}, which calls it)")
    return sorted(set(problems))


def check_structure(model: Any) -> list[str]:
    """The index arrays of every tree and k-d tree in a loaded ``model`` that compiled code reads
    without bounds checks, checked to be in range; returns what is wrong (empty when nothing)."""
    import numpy as np

    problems: list[str] = []
    seen: set[int] = set()
    stack: list[tuple[Any, int]] = [(model, 0)]
    while stack:
        obj, width = stack.pop()
        plain = (type, str, bytes, bytearray, np.ndarray, int, float)
        if id(obj) in seen or isinstance(obj, plain):
            continue
        seen.add(id(obj))
        kind = f"{type(obj).__module__}.{type(obj).__name__}"
        width = int(getattr(obj, "n_features_in_", width))
        if kind == "sklearn.tree._tree.Tree":
            n = int(obj.node_count)
            left, right, feature = obj.children_left, obj.children_right, obj.feature
            nodes = np.arange(n)
            leaf = (left == -1) & (right == -1)
            inner = ~leaf & (left > nodes) & (right > nodes) & (left < n) & (right < n)
            ok = len(left) == len(right) == len(feature) == n and bool((leaf | inner).all())
            if not ok or not ((feature[~leaf] >= 0) & (feature[~leaf] < obj.n_features)).all():
                problems.append("a decision tree whose nodes point outside the tree")
            elif width and obj.n_features != width:
                problems.append("a decision tree that reads other columns than its model")
        elif kind == "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor":
            nodes = obj.nodes
            n, index = len(nodes), np.arange(len(nodes))
            leaf = nodes["is_leaf"].astype(bool)
            left, right, feature = nodes["left"], nodes["right"], nodes["feature_idx"]
            inner = (left > index) & (right > index) & (left < n) & (right < n)
            in_range = (feature >= 0) & (feature < max(width, 0))
            if n == 0 or not (leaf | (inner & in_range)).all() or nodes["is_categorical"].any():
                problems.append("a boosted tree whose nodes point outside the tree")
        elif kind == "sklearn.preprocessing._function_transformer.FunctionTransformer":
            if obj.func is not None or obj.inverse_func is not None or obj.kw_args:
                problems.append("a column step that calls a function (this app never writes one)")
        elif kind == "sklearn.neighbors._kd_tree.KDTree":
            data, idx, node_data, bounds = obj.get_arrays()
            n_nodes, n_samples = len(node_data), len(data)
            starts, ends = node_data["idx_start"], node_data["idx_end"]
            inner = np.flatnonzero(~node_data["is_leaf"].astype(bool))
            if not (
                len(idx) == n_samples
                and ((idx >= 0) & (idx < n_samples)).all()
                and ((starts >= 0) & (starts <= ends) & (ends <= n_samples)).all()
                and (2 * inner + 2 < n_nodes).all()
                and np.shape(bounds) == (2, n_nodes, data.shape[1])
            ):
                problems.append("a neighbour index that points outside its data")
        if isinstance(obj, dict):
            stack.extend((v, width) for v in obj.values())
        elif isinstance(obj, list | tuple):
            stack.extend((v, width) for v in obj)
        elif kind.startswith(("sklearn.", "xgboost.")) and hasattr(obj, "__dict__"):
            stack.extend((v, width) for v in vars(obj).values())
    return sorted(set(problems))


def load_model(data: bytes) -> Any:
    """The fitted pipeline in skops ``data``, or :class:`ModelFileError` saying why it is refused.

    Nothing in the file is built before every type and loader in it is known to be trusted.
    """
    import skops.io as sio
    from sklearn.pipeline import Pipeline

    refused = schema_problems(data, TRUSTED_TYPES, TRUSTED_LOADERS, MAX_SCHEMA_BYTES)
    if refused:
        shown = ", ".join(refused[:5]) + (
            f" and {len(refused) - 5} more" if len(refused) > 5 else ""
        )
        raise ModelFileError(
            f"it holds what this app never writes into a model file ({shown}); it may have "
            "been made or changed by someone else"
        )
    try:
        model = sio.loads(data, trusted=sorted(TRUSTED_TYPES))
    except Exception as exc:  # skops or a library refused to rebuild it: a damaged file
        raise ModelFileError(f"it could not be read ({type(exc).__name__}: {exc})") from exc
    if not isinstance(model, Pipeline):
        raise ModelFileError(f"it holds a {type_name(type(model))}, not a fitted pipeline")
    try:
        damaged = check_structure(model)
    except Exception as exc:  # an attribute of the wrong kind: not a file this app wrote
        damaged = [f"parts of the wrong kind ({type(exc).__name__})"]
    if damaged:
        raise ModelFileError(f"it holds {'; '.join(damaged)}")
    return model
