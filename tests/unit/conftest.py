"""Shared fixtures: small datasets built directly (independent of the file reader)."""

from __future__ import annotations

import ast

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification, make_regression

from core.dataset import Dataset, Task
from core.study import StudyConfig, StudyResult, run_study


def make_dataset(
    X: pd.DataFrame, y: np.ndarray, task: Task, classes: tuple[str, ...] = ()
) -> Dataset:
    numeric = tuple(c for c in X.columns if pd.api.types.is_numeric_dtype(X[c]))
    categorical = tuple(c for c in X.columns if c not in numeric)
    return Dataset(
        name="synthetic.csv",
        sha256="0" * 64,
        target="target",
        task=task,
        X=X,
        y=y,
        row_ids=np.arange(len(X)),
        classes=classes,
        positive_class=classes[1] if task == "binary" else None,
        numeric_features=numeric,
        categorical_features=categorical,
        feature_origin={c: c for c in X.columns},
        profiles=(),
        warnings=(),
        n_columns=X.shape[1] + 1,
    )


@pytest.fixture(scope="session")
def binary_dataset() -> Dataset:
    X, y = make_classification(n_samples=400, n_features=6, n_informative=4, random_state=0)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(6)])
    frame["colour"] = np.where(X[:, 0] > 0, "red", "blue").astype(object)
    return make_dataset(frame, y.astype(np.int64), "binary", ("no", "yes"))


@pytest.fixture(scope="session")
def multiclass_dataset() -> Dataset:
    X, y = make_classification(
        n_samples=300, n_features=5, n_informative=4, n_redundant=0, n_classes=3, random_state=1
    )
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(5)])
    return make_dataset(frame, y.astype(np.int64), "multiclass", ("a", "b", "c"))


@pytest.fixture(scope="session")
def regression_dataset() -> Dataset:
    X, y = make_regression(n_samples=300, n_features=5, noise=10.0, random_state=2)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(5)])
    return make_dataset(frame, y, "regression")


#: Study settings that keep unit tests quick (fewer resamples and latency calls).
FAST_STUDY = {"latency_calls": 30, "latency_budget_s": 0.05, "n_resamples": 300, "n_workers": 0}


@pytest.fixture(scope="session")
def small_binary_study(binary_dataset: Dataset) -> StudyResult:
    """A real study of the baselines, a tree and XGBoost on the binary set, trained in-process."""
    config = StudyConfig(models=("decision_tree", "xgboost_small"), **FAST_STUDY)  # type: ignore[arg-type]
    return run_study(binary_dataset, config)


@pytest.fixture(scope="session")
def small_regression_study(regression_dataset: Dataset) -> StudyResult:
    config = StudyConfig(models=("decision_tree",), **FAST_STUDY)  # type: ignore[arg-type]
    return run_study(regression_dataset, config)


def imports_and_calls(code: str) -> tuple[set[str], set[str]]:
    """The names a script imports and the attributes it calls (``os.system`` gives
    ``system``): what an exported script can reach, read from its syntax tree."""
    tree = ast.parse(code)
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    calls = {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    return imported, calls
