"""The data model every other module consumes: a checked, model-ready table.

``core.data`` builds a :class:`Dataset` from a user's table; studies, figures and reports only
read it. Column names in ``X`` are *safe* names (models such as XGBoost reject ``[``, ``]`` and
``<``); ``feature_origin`` maps each back to the original column the user knows, and everything
shown to a user uses the original names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

Task = Literal["binary", "multiclass", "regression"]
TASKS: tuple[Task, ...] = ("binary", "multiclass", "regression")

ColumnKind = Literal["numeric", "categorical", "boolean", "datetime", "text", "id", "constant"]


@dataclass(frozen=True)
class DataWarning:
    """Something about the data a user should know, returned as data (never printed).

    ``code`` is stable and machine-readable (e.g. ``"id_column"``, ``"leakage"``,
    ``"personal_data"``, ``"class_imbalance"``, ``"missing_values"``, ``"constant_column"``);
    ``column`` is the original column name, or ``None`` for table-wide warnings; ``message`` is
    one or two plain-words sentences saying what was found and what was done about it.
    """

    code: str
    column: str | None
    message: str

    def to_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class ColumnProfile:
    """What one original column looks like."""

    name: str
    kind: ColumnKind
    dtype: str
    missing_fraction: float
    n_unique: int
    examples: tuple[str, ...]


@dataclass
class Dataset:
    """A table checked and prepared for a study.

    ``X`` holds only the features used for training, under safe column names; numeric features
    are float, categorical features are strings (missing values as NaN). ``y`` holds integer class
    codes for classification (``classes[code]`` is the original label; for a binary task code 1
    is ``positive_class``) and floats for regression. ``row_ids`` are the 0-based positions of the
    rows in the table as uploaded, so predictions can be traced back to the user's rows.
    """

    name: str
    sha256: str
    target: str
    task: Task
    X: pd.DataFrame
    y: np.ndarray
    row_ids: np.ndarray
    classes: tuple[str, ...]
    positive_class: str | None
    numeric_features: tuple[str, ...]
    categorical_features: tuple[str, ...]
    feature_origin: dict[str, str]
    profiles: tuple[ColumnProfile, ...]
    warnings: tuple[DataWarning, ...]
    excluded: dict[str, str] = field(default_factory=dict)
    n_columns: int = 0
    #: The date column the rows are in the order of (``None``: no such column), and whether
    #: the newest rows come first; a time-ordered split holds out the latest rows.
    time_column: str | None = None
    time_descending: bool = False

    @property
    def n_rows(self) -> int:
        return len(self.X)

    @property
    def is_classification(self) -> bool:
        return self.task != "regression"

    @property
    def used_columns(self) -> tuple[str, ...]:
        """Original names of the columns that feed the models, in table order, without repeats."""
        return tuple(dict.fromkeys(self.feature_origin[c] for c in self.X.columns))


#: Copies are told apart from rows that merely look alike only when some number column nearly
#: identifies a row among the distinct rows (at least this share of them have their own value),
#: and there are at least MIN_DISTINCT_ROWS distinct rows.
IDENTIFYING_SHARE = 0.9
MIN_DISTINCT_ROWS = 20


def copy_groups(X: pd.DataFrame) -> np.ndarray:
    """One number per row, the same for rows that are copies of one record: the groups a split
    must not cut, or a model is tested on rows it was trained on.

    Rows identical in every feature are copies only when the features could tell two records
    apart: some number column takes its own value on nearly every distinct row (a measurement,
    an amount). A table of a few categories (contract type, region) has many identical rows
    that are different customers; there every row is its own group."""
    singles = np.arange(len(X), dtype=np.int64)
    if X.shape[1] == 0 or len(X) == 0:
        return singles
    hashes = pd.util.hash_pandas_object(X, index=False).to_numpy()
    groups = pd.factorize(hashes)[0].astype(np.int64)
    n_distinct = int(groups.max()) + 1
    if n_distinct == len(X) or n_distinct < MIN_DISTINCT_ROWS:
        return singles
    first = X.iloc[np.unique(groups, return_index=True)[1]]
    numbers = first.select_dtypes(include="number")
    identifying = any(
        numbers[c].nunique(dropna=True) >= IDENTIFYING_SHARE * n_distinct for c in numbers
    )
    return groups if identifying else singles
