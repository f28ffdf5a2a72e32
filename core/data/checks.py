"""Data checks: what :func:`prepare_dataset` finds in a table and reports as warnings.

Each finding becomes a :class:`DataWarning` (or, for a class too rare to test, a
:class:`DataError`): columns that should not be features (:func:`_flag_column`: personal data,
identifiers, constant columns, free text; :func:`_leakage_scores`: a column that on its own
predicts the target; :func:`_counts_rows_per_class`: a counter restarting in every class), the
target's classes (:func:`_class_checks`: too rare, imbalanced, yes/no written several ways),
rows that are copies of others, a file without a header row, bytes that were not valid UTF-8
and numbers too large for a model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from core.data.profiling import _Column, _personal_data
from core.data.values import _fmt_value, _quote_list
from core.dataset import ColumnKind, DataWarning, Task, copy_groups
from core.errors import DataError

MIN_ROWS: int = 30
"""Fewer usable rows than this cannot be split into rows to train on and rows to test on."""

IMBALANCE_FRACTION: float = 0.10
"""A class below this share of rows gets a ``class_imbalance`` warning."""

RARE_CLASS_ROWS: int = 5
"""A class with fewer rows than this gets a ``rare_class`` warning."""

LEAKAGE_THRESHOLD: float = 0.99
"""Out-of-sample score (balanced accuracy or R²) from which one column alone counts as a leak."""

LEAKAGE_MAX_ROWS: int = 5_000
"""The leakage check runs on at most this many rows (a seeded sample)."""

# --------------------------------------------------------------------------------------------
# Messages (module constants, so that tests and callers can rely on them)
# --------------------------------------------------------------------------------------------

RARE_CLASS_ERROR_MESSAGE = (
    "In column {target!r}, {listing}. Each class needs at least 2 rows so that it can appear "
    "both in the rows used for training and in the rows used for testing. Remove those rows or "
    "merge the class into another (e.g. filter the table or merge {example!r} into a similar "
    "class)."
)

# --------------------------------------------------------------------------------------------
# Rows and the table
# --------------------------------------------------------------------------------------------


#: A row counter restarts in every class: each class with at least this many rows counts from
#: 0 or 1 up to about its size.
COUNTER_MIN_CLASS_ROWS = 5
COUNTER_SLACK = 1.05


def _counts_rows_per_class(values: pd.Series, y: np.ndarray) -> bool:
    """Whether a column is a per-class row counter (``Sample Number`` 1…n in each class):
    whole numbers, never repeated within a class but repeated across classes, each class's
    run starting at 0 or 1 and ending near its row count."""
    if not pd.api.types.is_numeric_dtype(values.dtype):
        return False  # text that reads as numbers is numbers by now (core.data.profiling)
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.isna().any() or len(numbers) == 0 or len(np.unique(y)) < 2:
        return False
    array = numbers.to_numpy(dtype=float)
    if not np.all(np.isfinite(array)) or not np.all(array == np.round(array)):
        return False
    if len(np.unique(array)) == len(array):
        return False  # unique over the table: an identifier, said as such
    checked = 0
    for code in np.unique(y):
        inside = array[y == code]
        if len(np.unique(inside)) != len(inside):
            return False
        if len(inside) < COUNTER_MIN_CLASS_ROWS:
            continue
        if inside.min() > 1 or inside.max() > COUNTER_SLACK * len(inside) + 1:
            return False
        checked += 1
    return checked >= 2


#: Warn when at least this share of the rows are exact copies of another row.
COPIES_WARN_FRACTION = 0.01


def _copies_warning(X: pd.DataFrame) -> DataWarning | None:
    """A warning when many rows are exact copies of another in every feature the models use.
    Copies are kept on one side of every split (core.study), so the warning says what a
    random split would have done: tested models on rows they were trained on."""
    groups = copy_groups(X)
    sizes = np.bincount(groups)
    copied = int(sizes[sizes > 1].sum() - (sizes > 1).sum())  # rows beyond the first of each
    if copied == 0 or copied / max(len(X), 1) < COPIES_WARN_FRACTION:
        return None
    distinct = int((sizes > 1).sum())
    return DataWarning(
        "duplicate_rows",
        None,
        f"{copied:,} rows ({copied / len(X):.0%}) are exact copies of another row in every "
        f"column the models use ({distinct:,} rows appear more than once). The copies of a row "
        "are kept together, on one side of the split, so no model is tested on a row it was "
        "trained on, and a row is counted once among the rows the models are tested on. If "
        "the table was stacked or repeated by mistake, remove the copies.",
    )


#: A column name that is a plain number ("5.1", "-3", "1e5"): what a data row looks like.
_NUMBER_NAME = re.compile(
    r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII
)


def _numbers_as_names(columns: Sequence[str]) -> int:
    """How many column names are plain numbers, when at least two and half of them are (a
    file without a header row); otherwise 0. A few numbered columns ("2023", "2024") next to
    named ones are left alone."""
    count = sum(1 for c in columns if _NUMBER_NAME.fullmatch(c.strip()))
    return count if count >= 2 and count * 2 >= len(columns) else 0


def _replaced_bytes_warning(count: int, info: dict[str, str]) -> DataWarning:
    lines = [
        int(n) for n in info.get("replaced_lines", "").split(",") if n.isascii() and n.isdigit()
    ]
    where = ", ".join(f"{n:,}" for n in lines) + (" and others" if count > len(lines) else "")
    subject = "1 byte" if count == 1 else f"{count:,} bytes"
    verb = "was" if count == 1 else "were"
    return DataWarning(
        "invalid_utf8",
        None,
        f"{subject} of the file {verb} not valid UTF-8 and {verb} replaced with \ufffd (line "
        f"{where}). The rest of the file is UTF-8; check the value{'s' if count > 1 else ''} "
        "there, or save the file again as UTF-8.",
    )


# --------------------------------------------------------------------------------------------
# Classes
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# Time order
# --------------------------------------------------------------------------------------------

#: Rows are in time order when, between consecutive rows whose dates differ, at least this share
#: move the same way (a few late entries or corrections allowed).
TIME_ORDER_SHARE = 0.95
#: ...and the column holds at least this many distinct dates (fewer say little about order).
TIME_ORDER_MIN_DATES = 10


def time_order(values: pd.Series) -> Literal["ascending", "descending"] | None:
    """Whether the rows are in the order of the dates ``values`` (datetime64, NaT for empty),
    oldest first or newest first; ``None`` when they are not (or there are too few dates)."""
    stamps = values.dropna()
    if stamps.nunique() < TIME_ORDER_MIN_DATES:
        return None
    steps = np.diff(stamps.to_numpy(dtype="datetime64[ns]").astype(np.int64))
    moving = steps[steps != 0]
    if len(moving) < TIME_ORDER_MIN_DATES - 1:
        return None
    up = float((moving > 0).mean())
    if up >= TIME_ORDER_SHARE:
        return "ascending"
    if 1 - up >= TIME_ORDER_SHARE:
        return "descending"
    return None


def _time_order_warning(
    name: str, values: pd.Series, order: Literal["ascending", "descending"]
) -> DataWarning:
    stamps = values.dropna()
    first, last = (f"{t:%Y-%m-%d}" for t in (stamps.min(), stamps.max()))
    newest = ", newest first" if order == "descending" else ""
    return DataWarning(
        "time_ordered",
        name,
        f"The rows are in the order of {name!r} (from {first} to {last}{newest}). A random "
        "split tests the models on days between the ones they learnt from, which is easier "
        "than the future they will serve, so they may look better here than in use. Hold out "
        "the latest rows for testing instead (a time-ordered split).",
    )


#: Ways of writing yes and no, compared after trimming and in lower case (an exact list).
_YES_WORDS = frozenset({"yes", "y", "true", "t", "oui", "ja", "si", "sí"})
_NO_WORDS = frozenset({"no", "n", "false", "f", "non", "nein"})


def yes_no_reading(values: pd.Series) -> dict[str, str] | None:
    """How to read a target written as yes and no in more than two ways (``N, No, YES, Yes, no,
    y, yes``): each value as written → ``"yes"`` or ``"no"``; ``None`` when the values are not
    all ways of writing yes or no (both present), or are written only two ways already."""
    written = sorted({_fmt_value(v) for v in values.dropna()})
    if not _yes_no_spellings(written):
        return None
    return {w: "yes" if w.strip().casefold() in _YES_WORDS else "no" for w in written}


def _yes_no_spellings(classes: Sequence[str]) -> str:
    """ "'Yes' and 'yes' are yes; 'N', 'no' are no" when more than two classes are all ways of
    writing yes or no (both present), else an empty string."""
    if len(classes) <= 2:
        return ""
    folded = {c: str(c).strip().casefold() for c in classes}
    yes = [c for c, f in folded.items() if f in _YES_WORDS]
    no = [c for c, f in folded.items() if f in _NO_WORDS]
    if not yes or not no or len(yes) + len(no) != len(classes):
        return ""
    return f"{_quote_list(yes)} are yes; {_quote_list(no)} are no"


def _class_checks(target: str, y: np.ndarray, classes: tuple[str, ...]) -> list[DataWarning]:
    counts = np.bincount(y, minlength=len(classes))
    too_rare = [(classes[k], int(counts[k])) for k in range(len(classes)) if counts[k] < 2]
    if too_rare:
        listing = "; ".join(
            f"class {label!r} has only {n} row{'s' if n != 1 else ''}" for label, n in too_rare
        )
        raise DataError(
            RARE_CLASS_ERROR_MESSAGE.format(target=target, listing=listing, example=too_rare[0][0])
        )
    out: list[DataWarning] = []
    spellings = _yes_no_spellings(classes)
    if spellings:
        out.append(
            DataWarning(
                "yes_no_spellings",
                target,
                f"The values of {target!r} look like yes and no written {len(classes)} ways "
                f"({_quote_list(list(classes))}): they are {len(classes)} different classes as "
                f"written, not a yes/no target. Read them as yes and no ({spellings}) to "
                "predict yes or no.",
            )
        )
    for k, label in enumerate(classes):
        if counts[k] < RARE_CLASS_ROWS:
            out.append(
                DataWarning(
                    "rare_class",
                    target,
                    f"Class {label!r} of {target!r} has only {counts[k]} rows: results for it "
                    "will be unreliable, and some test splits may miss it. Add rows of that "
                    "class if you can, or merge it into a similar class.",
                )
            )
    smallest = int(np.argmin(counts))
    share = counts[smallest] / counts.sum()
    if share < IMBALANCE_FRACTION:
        out.append(
            DataWarning(
                "class_imbalance",
                target,
                f"Class {classes[smallest]!r} is only {share:.1%} of the rows in {target!r}. "
                f"Accuracy will look good even for a model that ignores that class (never "
                f"predicting it is already right {1 - share:.1%} of the time): judge models by "
                "balanced accuracy or ROC AUC instead.",
            )
        )
    return out


# --------------------------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------------------------


def _flag_column(
    name: str, column: _Column, values: pd.Series, *, all_rows: bool
) -> tuple[str, str] | None:
    """Why a column should not be a feature (code, finding), or ``None`` if it can be.

    ``values`` are the column's values on the rows kept (``all_rows``: every row of the table).
    """
    personal = _personal_data(name, column, values)
    if personal is not None:
        return "personal_data", (
            f"Column {name!r} seems to hold personal data ({personal}). Personal data should not "
            "train a model without a clear need and a legal basis, and it rarely helps."
        )
    if column.kind == "id":
        share = column.profile.n_unique / max(1, len(column.values.dropna()))
        return "id_column", (
            f"Column {name!r} looks like an identifier ({share:.0%} of its values are "
            "different), so it tells a model nothing that carries over to new rows."
        )
    present = values.dropna()
    if column.kind == "constant" or (not all_rows and present.nunique() <= 1):
        if present.empty:
            return "constant_column", (
                f"Column {name!r} is empty in every row, so it cannot help a prediction."
            )
        value = _fmt_value(present.iloc[0])
        if len(present) == len(values):
            return "constant_column", (
                f"Column {name!r} has the same value in every row ({value!r}), so it cannot "
                "help a prediction."
            )
        return "constant_column", (
            f"Column {name!r} has only one value ({value!r}) and is empty in the other rows, so "
            "as it is it cannot help a prediction. If an empty cell means something (e.g. 'no' "
            "or 0), fill it in and load the table again."
        )
    if column.kind == "text":
        n_filled = len(column.values.dropna())
        return "free_text", (
            f"Column {name!r} looks like free text: {column.profile.n_unique:,} different values "
            f"in {n_filled:,} filled rows, too many to learn from as categories, and the models "
            "here cannot use free text."
        )
    return None


def _leakage_scores(
    candidates: Sequence[tuple[str, pd.Series, ColumnKind]], y: np.ndarray, task: Task, seed: int
) -> dict[str, float]:
    """Columns that on their own predict ``y`` almost perfectly, with their out-of-fold score.

    Each column alone is fitted on two thirds of (at most :data:`LEAKAGE_MAX_ROWS` seeded
    sample) rows and scored on the rest, three times (3-fold): numbers, yes/no values and dates
    with a depth-8 decision tree (missing values handled natively); categories with a lookup
    of the most common target value (the mean for regression) per category, which is what an
    unlimited tree on that column alone would learn. Score: balanced accuracy or R². Numeric
    columns that fail a cheap screen (:func:`_neighbour_agreement` below 0.9) skip the trees.
    """
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    n = len(y)
    if n < MIN_ROWS or not candidates:
        return {}
    rng = np.random.default_rng(seed)
    rows = (
        np.arange(n)
        if n <= LEAKAGE_MAX_ROWS
        else np.sort(rng.choice(n, LEAKAGE_MAX_ROWS, replace=False))
    )
    ys = y[rows]
    folds = rng.permutation(len(rows)) % 3
    classification = task != "regression"
    found: dict[str, float] = {}
    for name, values, kind in candidates:
        if kind in ("numeric", "boolean", "datetime"):
            # Ranks: the same splits as the values, and exact in the trees' float32.
            sampled = pd.Series(_as_float(values.iloc[rows]).to_numpy())
            x = sampled.rank(method="dense").to_numpy(dtype=np.float64)
            categorical = False
        else:
            codes, _ = pd.factorize(values.to_numpy()[rows], use_na_sentinel=True)
            x = (codes + 1).astype(np.float64)
            categorical = True
        if not categorical and _neighbour_agreement(x, ys, classification) < 0.9:
            continue  # cannot be a near-perfect predictor: skip the trees
        predicted = np.zeros(len(rows), dtype=np.float64)
        for k in range(3):
            train, test = folds != k, folds == k
            if categorical:
                predicted[test] = _lookup_predict(
                    x[train].astype(np.int64), ys[train], x[test].astype(np.int64), classification
                )
            else:
                model = (
                    DecisionTreeClassifier(max_depth=8, random_state=seed)
                    if classification
                    else DecisionTreeRegressor(max_depth=8, random_state=seed)
                )
                model.fit(x[train, None], ys[train])
                predicted[test] = model.predict(x[test, None])
        score = (
            _balanced_accuracy(ys, predicted.astype(np.int64))
            if classification
            else _r2(ys, predicted)
        )
        if score >= LEAKAGE_THRESHOLD:
            found[name] = score
    return found


def _neighbour_agreement(x: np.ndarray, y: np.ndarray, classification: bool) -> float:
    """How alike the targets of rows next to each other are once sorted by ``x`` (0 to 1).

    A cheap screen before fitting trees: a column that predicts the target almost perfectly
    puts rows with the same (or, for regression, close) target values next to each other, so
    this is near 1; for an ordinary column it is far lower. Classification: per class, the share
    of rows followed by a row of the same class, averaged over classes. Regression: one minus
    the mean squared difference between neighbours over twice the variance.
    """
    order = np.lexsort((y, x))  # by x, ties by target (in the column's favour); NaN last
    ys = y[order]
    if classification:
        same = ys[1:] == ys[:-1]
        before = ys[:-1]
        return float(np.mean([same[before == c].mean() for c in np.unique(before)]))
    spread = float(np.var(ys))
    if spread == 0:
        return 0.0
    return 1.0 - float(np.mean(np.diff(ys) ** 2)) / (2 * spread)


_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _as_float(values: pd.Series) -> pd.Series:
    """Floats a model can take: NaN for missing, infinite or beyond-float32 values.

    Tree models in scikit-learn and XGBoost work in float32 and reject anything larger;
    datetimes become their count of time units since 1970 (only the order matters).
    """
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        stamps = values.to_numpy()
        out = stamps.view(np.int64).astype(np.float64)
        out[np.isnat(stamps)] = np.nan
        return pd.Series(out, index=values.index)
    numbers = values.astype(np.float64)
    return numbers.where(np.abs(numbers) < _FLOAT32_MAX, np.nan)


def _lookup_predict(
    codes_train: np.ndarray, y_train: np.ndarray, codes_test: np.ndarray, classification: bool
) -> np.ndarray:
    n_codes = int(max(codes_train.max(initial=0), codes_test.max(initial=0))) + 1
    if classification:
        labels = y_train.astype(np.int64)
        n_classes = int(labels.max(initial=0)) + 1
        counts = np.zeros((n_codes, n_classes))
        np.add.at(counts, (codes_train, labels), 1)
        fallback = float(np.bincount(labels).argmax())
        majority = counts.argmax(axis=1).astype(np.float64)
        seen = counts.sum(axis=1) > 0
        return np.where(seen[codes_test], majority[codes_test], fallback)
    sums = np.bincount(codes_train, weights=y_train, minlength=n_codes)
    sizes = np.bincount(codes_train, minlength=n_codes)
    means = np.divide(sums, sizes, out=np.full(n_codes, float(y_train.mean())), where=sizes > 0)
    return np.asarray(means[codes_test], dtype=np.float64)


def _balanced_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    recalls = [float(np.mean(y_pred[y_true == c] == c)) for c in np.unique(y_true)]
    return float(np.mean(recalls))


def _r2(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    total = float(np.sum((y_true - y_true.mean()) ** 2))
    if total == 0:
        return 0.0
    return 1.0 - float(np.sum((y_true - y_pred) ** 2)) / total


def _count_unusable_numbers(values: pd.Series) -> int:
    """How many numbers of a column :func:`_as_float` turns into missing values (infinite, or
    beyond what float32 models can hold). Not a number column: none."""
    if not pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        return 0
    numbers = values.astype(np.float64).to_numpy()
    with np.errstate(invalid="ignore"):
        return int(np.sum(~np.isnan(numbers) & ~(np.abs(numbers) < _FLOAT32_MAX)))
