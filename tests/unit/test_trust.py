"""Model files: an exact list of types, crafted files refused before anything in them runs."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from threadpoolctl import threadpool_limits

from core import candidates as cand
from core.export import model_bundle
from core.measure import serialize
from core.store import StudyStore
from core.study import StudyConfig, run_study
from core.study_files import sha256
from core.trust import (
    CONTAINER_TYPES,
    MAX_SCHEMA_BYTES,
    TRUSTED_LOADERS,
    TRUSTED_TYPES,
    ModelFileError,
    load_model,
    schema_problems,
)
from tests.unit.conftest import FAST_STUDY, make_dataset


def _types_in(data: bytes) -> set[str]:
    """Every type a skops file's schema names (read independently of core.trust)."""
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "__module__" in node and "__class__" in node:
                found.add(f"{node['__module__']}.{node['__class__']}")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        walk(json.loads(archive.read("schema.json")))
    return found


def _frame(
    task: str, columns: str, n_rows: int = 0
) -> tuple[pd.DataFrame, np.ndarray, tuple[str, ...]]:
    n_rows = n_rows or 160
    if task == "regression":
        X, y = make_regression(n_samples=n_rows, n_features=4, random_state=0)
        classes: tuple[str, ...] = ()
    else:
        n_classes = 2 if task == "binary" else 3
        X, y = make_classification(
            n_samples=n_rows, n_features=4, n_informative=3, n_redundant=0, n_classes=n_classes,
            random_state=0,
        )  # fmt: skip
        classes = ("a", "b", "c")[:n_classes]
    frame = pd.DataFrame(X, columns=["w", "x", "y", "z"])
    frame.loc[3, "w"] = np.nan
    frame["colour"] = np.where(X[:, 0] > 0, "red", "blue").astype(object)
    frame.loc[4, "colour"] = np.nan
    if columns == "numbers":
        frame = frame.drop(columns=["colour"])
    elif columns == "text":
        frame = frame[["colour"]].assign(size=np.where(X[:, 1] > 0, "big", "small"))
    return frame, y, classes


#: Every candidate on every task with numbers and text; each preprocessing (scaled, trees) on
#: numbers only and text only; and the paths a factory takes on large data (a neural network
#: trained with Adam and early stopping, boosting with early stopping).
CASES = [
    *(
        (spec.name, task, "both", 0)
        for spec in cand.CANDIDATES
        for task in ("binary", "multiclass", "regression")
        if spec.supports(task)
    ),
    *(
        (name, "binary", columns, 0)
        for name in ("simple", "hist_gb")
        for columns in ("numbers", "text")
    ),
    *(
        (name, task, "both", 12_000)
        for name in ("mlp_small", "hist_gb")
        for task in ("binary", "multiclass", "regression")
    ),
    # Calibrated variants: Platt's sigmoid on a small table, isotonic from ISOTONIC_MIN_ROWS.
    *((spec.name, "binary", "both", 0) for spec in cand.CALIBRATED),
    *(
        (name, task, "both", cand.ISOTONIC_MIN_ROWS)
        for name in ("simple_calibrated", "xgboost_small_calibrated")
        for task in ("binary", "multiclass")
    ),
]


@pytest.fixture(scope="module")
def saved_files() -> dict[tuple[str, str, str], bytes]:
    """The skops bytes of every candidate, fitted on every task and mix of columns."""
    files = {}
    for name, task, columns, n_rows in CASES:
        frame, y, classes = _frame(task, columns, n_rows)
        dataset = make_dataset(frame, y, task, classes)  # type: ignore[arg-type]
        with warnings.catch_warnings(), threadpool_limits(1):  # as in a study: one thread
            warnings.simplefilter("ignore", ConvergenceWarning)  # tiny data, any fit will do
            pipeline = cand.get_candidate(name).build(dataset, 0).fit(frame, y)
        files[(name, task, columns, n_rows)] = serialize(pipeline)
    return files


def test_every_candidate_loads_under_the_list_and_predicts_as_fitted(saved_files) -> None:
    for (name, task, columns, n_rows), data in saved_files.items():
        assert _types_in(data) <= TRUSTED_TYPES, (name, task, columns, n_rows)
        frame, _, _ = _frame(task, columns, n_rows)
        loaded = load_model(data)
        again = sio.loads(data, trusted=sio.get_untrusted_types(data=data))
        np.testing.assert_array_equal(loaded.predict(frame), again.predict(frame))


def test_the_list_holds_nothing_the_ladder_does_not_write(saved_files) -> None:
    written = set().union(*(_types_in(d) for d in saved_files.values()))
    assert written >= TRUSTED_TYPES - CONTAINER_TYPES
    assert not any(t.startswith(("os.", "subprocess.", "builtins.eval")) for t in TRUSTED_TYPES)


# --- crafted files -------------------------------------------------------------------------------


def _node(value: object) -> dict:
    """The schema node skops writes for a plain value."""
    with zipfile.ZipFile(io.BytesIO(sio.dumps(value))) as archive:
        node = json.loads(archive.read("schema.json"))
    node.pop("protocol")
    node.pop("_skops_version")
    return node


def _skops(schema: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("schema.json", json.dumps(schema | {"protocol": 2}))
    return buffer.getvalue()


def _runstring(canary: Path) -> bytes:
    """A file whose only type is ``numpy.testing.runstring``: loading it would exec code."""
    code = f"open({str(canary)!r}, 'w').write('ran')"
    return _skops(
        {
            "__class__": "runstring",
            "__module__": "numpy.testing",
            "__loader__": "ConstructorFromReduceNode",
            "content": _node((code, {})),
        }
    )


def _eval_by_reduce(canary: Path) -> bytes:
    """``builtins.eval`` named as the constructor of a reduce node (skops calls it)."""
    code = f"open({str(canary)!r}, 'w').write('ran')"
    return _skops(
        {
            "__class__": "eval",
            "__module__": "builtins",
            "__loader__": "LossNode",
            "__reduce__": {"args": _node((code,))},
            "content": _node({}),
        }
    )


def _sklearn_function(canary: Path) -> bytes:
    """A real pipeline whose step calls a scikit-learn helper that runs a Python script: the
    old prefix check let it through, and predicting would run the script."""
    from sklearn.utils._testing import assert_run_python_script_without_output

    step = FunctionTransformer(func=assert_run_python_script_without_output)
    return serialize(Pipeline([("run", step)]))


def _booster_by_loss_node(canary: Path) -> bytes:
    """A trusted type (XGBoost's Booster, which reads a path) called with the file's arguments
    by a loss node."""
    return _skops(
        {
            "__class__": "Booster",
            "__module__": "xgboost.core",
            "__loader__": "LossNode",
            "__reduce__": {"args": _node(({}, [], str(canary)))},
            "content": _node({}),
        }
    )


def _trusted_type_as_a_step(canary: Path) -> bytes:
    """A column step whose function is a trusted type, called at predict time."""
    return serialize(Pipeline([("run", FunctionTransformer(func=Pipeline))]))


ATTACKS = {
    "numpy.testing.runstring": _runstring,
    "builtins.eval through a reduce node": _eval_by_reduce,
    "a sklearn.utils function": _sklearn_function,
    "a trusted type called by a loss node": _booster_by_loss_node,
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_a_crafted_file_is_refused_before_anything_runs(tmp_path, attack) -> None:
    canary = tmp_path / "ran.txt"
    data = ATTACKS[attack](canary)
    assert schema_problems(data, TRUSTED_TYPES, TRUSTED_LOADERS, MAX_SCHEMA_BYTES)
    with pytest.raises(ModelFileError, match="never writes into a model file"):
        load_model(data)
    assert not canary.exists()


def _zip_without_schema() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("model.pkl", b"anything")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"not a zip at all", "a damaged or non-skops file"),
        (_skops({"__class__": "x"})[:40], "a damaged or non-skops file"),
        (_zip_without_schema(), "no schema.json (not a skops file)"),
    ],
    ids=["not a zip", "a cut zip", "a zip without a schema"],  # the zip bytes hold a time
)
def test_a_file_that_is_not_a_skops_file_is_refused(data: bytes, problem: str) -> None:
    assert schema_problems(data, TRUSTED_TYPES, TRUSTED_LOADERS, MAX_SCHEMA_BYTES) == [problem]
    with pytest.raises(ModelFileError):
        load_model(data)


def test_a_file_that_holds_something_else_than_a_pipeline_is_refused() -> None:
    with pytest.raises(ModelFileError, match=r"holds a builtins\.dict, not a fitted pipeline"):
        load_model(sio.dumps({"a": 1}))


def _with_array(data: bytes, field: str, change) -> bytes:
    """``data`` with the structured array that has ``field`` changed by ``change``."""
    source, buffer = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    changed = False
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename.endswith(".npy"):
                array = np.load(io.BytesIO(content), allow_pickle=False)
                if array.dtype.names and field in array.dtype.names and not changed:
                    array = array.copy()
                    change(array)
                    out = io.BytesIO()
                    np.save(out, array, allow_pickle=False)
                    content, changed = out.getvalue(), True
            target.writestr(item, content)
    assert changed
    return buffer.getvalue()


def _point_far(array: np.ndarray, field: str) -> None:
    inner = np.flatnonzero(array[field] > 0)
    array[field][inner[0]] = 10**6


@pytest.mark.parametrize(
    ("name", "field", "problem"),
    [
        ("decision_tree", "left_child", "a decision tree whose nodes point outside the tree"),
        ("decision_tree", "feature", "a decision tree whose nodes point outside the tree"),
        ("random_forest_small", "right_child", "a decision tree whose nodes point outside"),
        ("hist_gb", "left", "a boosted tree whose nodes point outside the tree"),
        ("hist_gb", "feature_idx", "a boosted tree whose nodes point outside the tree"),
        ("knn", "idx_end", "a neighbour index that points outside its data"),
    ],
)
def test_a_tree_that_points_outside_itself_is_refused(saved_files, name, field, problem) -> None:
    """Compiled code reads these indices without bounds checks: out of range, predicting
    would crash the process or read other memory."""
    crafted = _with_array(
        saved_files[(name, "binary", "both", 0)], field, lambda a: _point_far(a, field)
    )
    with pytest.raises(ModelFileError, match=problem):
        load_model(crafted)


# --- the same refusal in the store and in serve.py -----------------------------------------------


@pytest.fixture(scope="module")
def study(binary_dataset):
    return run_study(binary_dataset, StudyConfig(models=("decision_tree",), **FAST_STUDY))  # type: ignore[arg-type]


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_the_store_refuses_a_crafted_model_and_still_opens_the_study(tmp_path, study, attack):
    canary = tmp_path / "ran.txt"
    store = StudyStore(tmp_path / "store")
    study_id = store.save(study)
    data = ATTACKS[attack](canary)
    rel = "models/decision_tree.skops"
    (store.root / "studies" / study_id / rel).write_bytes(data)
    with store._transaction() as conn:  # someone who can also rewrite the recorded hash
        conn.execute(
            "UPDATE files SET sha256 = ? WHERE study_id = ? AND path = ?",
            (sha256(data), study_id, rel),
        )
    loaded = store.load(study_id)
    tree = loaded.model("decision_tree")
    assert tree.pipeline is None
    assert "never writes into a model file" in (tree.file_problem or "")
    assert loaded.model("simple").pipeline is not None
    assert not canary.exists()


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_serve_py_refuses_a_crafted_model_in_a_fresh_process(
    tmp_path, study, binary_dataset, attack
):
    canary = tmp_path / "ran.txt"
    with zipfile.ZipFile(io.BytesIO(model_bundle(study, "decision_tree"))) as archive:
        archive.extractall(tmp_path)
    (tmp_path / "decision_tree.skops").write_bytes(ATTACKS[attack](canary))
    binary_dataset.X.head(5).to_csv(tmp_path / "rows.csv", index=False)
    done = subprocess.run(
        [sys.executable, "serve.py", "rows.csv", "out.csv"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "was not loaded: it holds what Tradeoff Explorer never writes" in done.stderr
    assert "Traceback" not in done.stderr
    assert not canary.exists()
    assert not (tmp_path / "out.csv").exists()


def test_serve_py_carries_the_one_list(study) -> None:
    from core.export import serving_snippet

    namespace: dict[str, object] = {}
    code = serving_snippet(study, "decision_tree")
    exec(
        compile(code.replace('if __name__ == "__main__":', "if False:"), "serve.py", "exec"),
        namespace,
    )
    assert namespace["TRUSTED_TYPES"] == TRUSTED_TYPES
    assert namespace["TRUSTED_LOADERS"] == TRUSTED_LOADERS
    assert namespace["MAX_SCHEMA_BYTES"] == MAX_SCHEMA_BYTES


def test_a_column_step_that_calls_even_a_trusted_type_is_refused(tmp_path) -> None:
    with pytest.raises(ModelFileError, match="a column step that calls a function"):
        load_model(_trusted_type_as_a_step(tmp_path / "ran.txt"))
