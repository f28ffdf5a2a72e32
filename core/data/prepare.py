"""Prepare the :class:`Dataset` to study from a table and a person's choices.

:func:`prepare_dataset` checks the table against a chosen target (too few rows, rare classes,
identifiers, personal data, leakage, free text...) and builds the model-ready
:class:`Dataset`, with every finding returned as a :class:`DataWarning`.
:func:`prepare_leaving_out` does it with the complete list of columns to leave out (as edited
on screen). :mod:`core.data.loading` reads a file and prepares it in one call.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import Final

import numpy as np
import pandas as pd

from core.data.checks import (
    _NUMBER_NAME,
    LEAKAGE_MAX_ROWS,
    MIN_ROWS,
    _as_float,
    _class_checks,
    _copies_warning,
    _count_unusable_numbers,
    _counts_rows_per_class,
    _flag_column,
    _leakage_scores,
    _numbers_as_names,
    _replaced_bytes_warning,
    _time_order_warning,
    time_order,
    yes_no_reading,
)
from core.data.profiling import (
    MAX_CLASSES,
    PERSONAL_DATA_VALUES,
    SHAPE_VALUES,
    TARGET_CONSTANT_MESSAGE,
    TARGET_EMPTY_MESSAGE,
    TOO_MANY_CLASSES_MESSAGE,
    _analyse,
    _Column,
    _infer_task,
    _target_numbers,
)
from core.data.values import _fmt_value, _quote_list, _tidy_column
from core.dataset import TASKS, Dataset, DataWarning, Task
from core.errors import DataError

SMALL_TABLE_ROWS: int = 100
"""Below this many rows a ``small_table`` warning says the figures will be rough."""

MISSING_WARN_FRACTION: float = 0.30
"""A feature empty in more than this share of rows gets a ``missing_values`` warning."""

LARGE_TABLE_ROWS: int = 200_000
"""From this many rows a ``checked_on_sample`` warning states which checks read a part of the
rows (leakage, personal data, codes and free text): every column is profiled on all rows."""

# --------------------------------------------------------------------------------------------
# Messages (module constants, so that tests and callers can rely on them)
# --------------------------------------------------------------------------------------------

NO_SUCH_COLUMN_MESSAGE = (
    "There is no column {name!r} in the table.{suggestion} The columns are: {columns}."
)
UNKNOWN_OPTION_COLUMNS_MESSAGE = (
    "Unknown column{s} in {option}: {names}.{suggestion} The columns are: {columns}."
)
TARGET_EXCLUDED_MESSAGE = (
    "Column {target!r} is the target (what to predict); it cannot also be excluded. Choose "
    "another target, or remove it from exclude."
)
TARGET_INCLUDED_MESSAGE = (
    "Column {target!r} is the target (what to predict); it cannot also be a feature. Remove it "
    "from include."
)
INCLUDE_AND_EXCLUDE_MESSAGE = (
    "Column{s} {names} {are} both in include and in exclude. Keep each column in one list only."
)
DUPLICATE_COLUMNS_MESSAGE = (
    "The table has several columns named {names}. Give each column its own name."
)
UNKNOWN_TASK_MESSAGE = (
    "The 'task' must be one of 'binary', 'multiclass', 'regression' (or None to infer it from "
    "the target). Got {task!r} instead."
)
TOO_FEW_ROWS_MESSAGE = (
    "The table has {n} row{s}; at least {min_rows} are needed to train a model and test it on "
    "rows it has not seen. Add rows, or use a bigger table."
)
TOO_FEW_TARGET_ROWS_MESSAGE = (
    "Only {n} of the {total} rows have a value in {target!r}; at least {min_rows} are needed to "
    "train a model and test it on rows it has not seen. Fill in the missing values, or choose "
    "another target."
)
REGRESSION_NOT_NUMERIC_MESSAGE = (
    "Column {target!r} does not hold numbers (e.g. {examples}), so it cannot be predicted as a "
    "number ('regression'). Choose 'binary' or 'multiclass', or a numeric target."
)
BINARY_NEEDS_TWO_MESSAGE = (
    "Column {target!r} has {n:,} different values ({examples}); a 'binary' task needs exactly 2. "
    "Choose {alternative}, or filter the table to two values."
)
MULTICLASS_NEEDS_THREE_MESSAGE = (
    "Column {target!r} has only 2 different values ({examples}); choose 'binary' for a "
    "two-way prediction."
)
ONLY_TARGET_MESSAGE = (
    "The table has only the column {target!r}; a model needs at least one other column to "
    "learn from. Add columns that describe each row."
)
NO_FEATURES_MESSAGE = (
    "No column is left to learn from: {listing}. To use one of them anyway (e.g. {example!r}), "
    "take it off the columns left out."
)

_LEFT_OUT = " It was left out; to use it anyway, take it off the columns left out."
_KEPT = " It was kept because you asked to include it."

#: Why a column was left out, in a few words (keys are the ``Dataset.excluded`` reasons).
REASON_WORDS: Final[dict[str, str]] = {
    "id_column": "an identifier",
    "personal_data": "personal data",
    "leakage": "leaks the target",
    "row_counter": "numbers the rows of each class",
    "constant_column": "one value only",
    "free_text": "free text",
    "user_excluded": "excluded on request",
}

#: Columns left out for these reasons keep no example values in a Dataset: their values single
#: people out, and a Dataset is what studies, saved files and reports are made from.
HIDDEN_EXAMPLES: Final[dict[str, str]] = {
    "id_column": "(hidden: identifier)",
    "personal_data": "(hidden: personal data)",
}

# --------------------------------------------------------------------------------------------
# Preparing a Dataset
# --------------------------------------------------------------------------------------------

_POSITIVE_WORDS: Final[frozenset[str]] = frozenset(
    {"yes", "true", "1", "y", "positive", "pos", "t"}
)


def prepare_dataset(
    df: pd.DataFrame,
    target: str,
    *,
    name: str = "table",
    sha256: str | None = None,
    task: Task | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    seed: int = 0,
    yes_no: bool = False,
) -> Dataset:
    """Check ``df`` for predicting ``target`` and build the model-ready :class:`Dataset`.

    Rows without a target value are left out. The task is ``task`` if given (checked against
    the target's values) or inferred with :func:`infer_task`. Features are all other columns,
    except those left out with a :class:`DataWarning` (and an entry in ``excluded``):
    identifiers, personal data (by column name or by values such as e-mail addresses or phone
    numbers), columns that on their own predict the target almost perfectly (leakage), constant
    columns and free text. ``include`` keeps flagged columns anyway (the warning stays);
    ``exclude`` leaves columns out. Dates become numeric parts (year, month, day, weekday and
    hour when times vary); yes/no columns become 1/0; numbers written as text become numbers.
    Columns left out as personal data or identifiers keep no example values in the profiles
    (:data:`HIDDEN_EXAMPLES`), so nothing made from the Dataset holds them. ``yes_no`` reads a
    target written as yes and no in more than two ways (``N, No, YES, y``...) as two classes,
    "yes" and "no" (:func:`core.data.checks.yes_no_reading`; a warning says so); it changes
    nothing for any other target. Same table, seed and choices give the same Dataset.
    """
    columns = [str(c) for c in df.columns]
    duplicates = sorted(n for n, k in Counter(columns).items() if k > 1)
    if duplicates:
        raise DataError(DUPLICATE_COLUMNS_MESSAGE.format(names=_quote_list(duplicates)))
    if target not in columns:
        raise DataError(_no_such_column(target, columns))
    if len(columns) == 1:
        raise DataError(ONLY_TARGET_MESSAGE.format(target=target))
    include_set, exclude_set = _check_options(columns, target, include, exclude)
    if task is not None and task not in TASKS:
        raise DataError(UNKNOWN_TASK_MESSAGE.format(task=task))

    n_total = len(df)
    if n_total < MIN_ROWS:
        raise DataError(
            TOO_FEW_ROWS_MESSAGE.format(n=n_total, s="" if n_total == 1 else "s", min_rows=MIN_ROWS)
        )
    y_clean, reading = _target_values(df.iloc[:, columns.index(target)], yes_no=yes_no)
    warnings_out: list[DataWarning] = [
        DataWarning(
            "renamed_column",
            new,
            f"The file has more than one column named {old!r}; this one is called {new!r} here."
            if old
            else f"A column of the file has no name; it is called {new!r} here.",
        )
        for new, old in _renamed_columns(df).items()
        if new in columns
    ]
    skipped_text = _read_info(df).get("skipped_title_lines", "")
    skipped = int(skipped_text) if skipped_text.isascii() and skipped_text.isdigit() else 0
    if skipped:
        lines = "line of the file was" if skipped == 1 else f"{skipped} lines of the file were"
        it = "it" if skipped == 1 else "they"
        warnings_out.append(
            DataWarning(
                "title_lines",
                None,
                f"The first {lines} skipped: {it} looked like a title above the table, not part "
                "of it.",
            )
        )

    headerless = _numbers_as_names(columns)
    if headerless:
        warnings_out.append(
            DataWarning(
                "no_header",
                None,
                f"{headerless} of the {len(columns)} column names are numbers "
                f"({_quote_list([c for c in columns if _NUMBER_NAME.fullmatch(c.strip())][:3])}"
                f"{', …' if headerless > 3 else ''}): the file may have no header row, so its "
                "first row of data became the column names and is not used as data. Add a row "
                "of column names to the file if so.",
            )
        )

    if reading is not None:
        warnings_out.append(_yes_no_warning(target, reading))

    replaced = _read_info(df).get("replaced_bytes", "")
    if replaced.isascii() and replaced.isdigit():
        warnings_out.append(_replaced_bytes_warning(int(replaced), _read_info(df)))
    if n_total >= LARGE_TABLE_ROWS:
        warnings_out.append(_large_table_warning(n_total, seed))

    # What to predict, and on which rows.
    chosen, keep, y, classes, positive, target_warnings = _target_rows(target, y_clean, task)
    warnings_out += target_warnings

    # Features.
    row_ids = np.flatnonzero(keep).astype(np.int64)
    analyses = [_analyse(c, df.iloc[:, i]) for i, c in enumerate(columns)]
    profiles = tuple(a.profile for a in analyses)

    all_rows = bool(keep.all())
    excluded: dict[str, str] = {}
    flagged: dict[str, tuple[str, str]] = {}  # column -> (code, finding)
    candidates: list[tuple[str, _Column]] = []
    for column_name, column in zip(columns, analyses, strict=True):
        if column_name == target:
            continue
        if column_name in exclude_set:
            excluded[column_name] = "user_excluded"
            continue
        values = column.values[keep]
        flag = _flag_column(column_name, column, values, all_rows=all_rows)
        if flag is not None:
            flagged[column_name] = flag
            if column_name not in include_set:
                excluded[column_name] = flag[0]
                continue
        candidates.append((column_name, column))

    leaks = _leakage_scores(
        [(n, c.values[keep], c.kind) for n, c in candidates if n not in flagged],
        y,
        chosen,
        seed,
    )
    if chosen != "regression":
        for column_name, column in candidates:
            if column_name in flagged or column_name in leaks:
                continue
            if _counts_rows_per_class(column.values[keep], y):
                flagged[column_name] = (
                    "row_counter",
                    f"Column {column_name!r} numbers the rows within each value of {target!r} "
                    "(1, 2, 3… again in every class): it tells a row's class only by how the "
                    "table was put together, so a model would learn it here and new rows would "
                    "not have it.",
                )
                if column_name not in include_set:
                    excluded[column_name] = "row_counter"
    metric = "R²" if chosen == "regression" else "balanced accuracy"
    for column_name, score in leaks.items():
        flagged[column_name] = (
            "leakage",
            f"Column {column_name!r} on its own predicts {target!r} almost perfectly ({metric} "
            f"{score:.3f} on rows it was not fitted on). It is probably recorded after the "
            "outcome or derived from it (leakage), so a model using it would look far better "
            "here than in real use.",
        )
        if column_name not in include_set:
            excluded[column_name] = "leakage"

    for column_name in columns:
        if column_name in flagged:
            code, finding = flagged[column_name]
            suffix = _KEPT if column_name in include_set else _LEFT_OUT
            warnings_out.append(DataWarning(code, column_name, finding + suffix))

    used = [(n, c) for n, c in candidates if n not in excluded]
    if not used:
        listing = "; ".join(f"{n!r} ({REASON_WORDS[r]})" for n, r in excluded.items())
        example = next((n for n, r in excluded.items() if r != "user_excluded"), None)
        if example is None:
            raise DataError(f"No column is left to learn from: {listing}. Exclude fewer columns.")
        raise DataError(NO_FEATURES_MESSAGE.format(listing=listing, example=example))

    X, numeric, categorical, origin = _build_features(used, keep)
    if X.shape[1] == 0:  # e.g. a date column whose parts never change on the rows kept
        raise DataError(
            f"No column is left to learn from: {_quote_list([n for n, _ in used])} "
            "vary too little on the rows that have a target value. Add columns."
        )
    for column_name, column in used:
        warnings_out += _cell_warnings(column_name, column.values[keep])

    copies = _copies_warning(X)
    if copies is not None:
        warnings_out.append(copies)
    time_column, descending = None, False
    for column_name, column in zip(columns, analyses, strict=True):
        if column.kind == "datetime" and column_name != target:
            order = time_order(column.values[keep])
            if order is not None:
                time_column, descending = column_name, order == "descending"
                warnings_out.append(_time_order_warning(column_name, column.values[keep], order))
                break
    profiles = tuple(
        replace(p, examples=(HIDDEN_EXAMPLES[excluded[p.name]],))
        if excluded.get(p.name) in HIDDEN_EXAMPLES
        else p
        for p in profiles
    )
    return Dataset(
        name=name,
        sha256=sha256 if sha256 is not None else _frame_sha256(df),
        target=target,
        task=chosen,
        X=X,
        y=y,
        row_ids=row_ids,
        classes=classes,
        positive_class=positive,
        numeric_features=numeric,
        categorical_features=categorical,
        feature_origin=origin,
        profiles=profiles,
        warnings=tuple(warnings_out),
        excluded=excluded,
        n_columns=df.shape[1],
        time_column=time_column,
        time_descending=descending,
    )


def _large_table_warning(n_rows: int, seed: int) -> DataWarning:
    """What a large table's checks read: every row for the profiles, a part for the checks that
    read values one by one."""
    return DataWarning(
        "checked_on_sample",
        None,
        f"The table has {n_rows:,} rows. Every column was profiled on all of them (kinds, "
        "identifiers, empty cells, copies); the checks that read values one at a time looked "
        f"at a part: leakage at a random sample of {LEAKAGE_MAX_ROWS:,} rows (seed {seed}), "
        f"personal data at the first {PERSONAL_DATA_VALUES:,} values of each column, codes and "
        f"free text at the first {SHAPE_VALUES:,}.",
    )


def _cell_warnings(column_name: str, values: pd.Series) -> list[DataWarning]:
    """What to say of a feature's cells: infinite or too large numbers, many empty cells."""
    out = []
    huge = _count_unusable_numbers(values)
    if huge:
        out.append(
            DataWarning(
                "infinite_values",
                column_name,
                f"Column {column_name!r} has {huge:,} infinite or too large value"
                f"{'s' if huge > 1 else ''} (larger than a model can hold). "
                f"{'They are' if huge > 1 else 'It is'} treated as empty cells.",
            )
        )
    share = float(values.isna().mean())
    if share > MISSING_WARN_FRACTION:
        out.append(
            DataWarning(
                "missing_values",
                column_name,
                f"Column {column_name!r} is empty in {share:.0%} of the rows. It is kept; "
                "the empty cells are filled in automatically, which blurs what the models "
                "can learn from it.",
            )
        )
    return out


def _target_values(column: pd.Series, *, yes_no: bool) -> tuple[pd.Series, dict[str, str] | None]:
    """The target's values tidied, and with ``yes_no`` how its yes/no spellings are read
    (:func:`core.data.checks.yes_no_reading`; ``None`` if not)."""
    y_clean = _tidy_column(column, decimal_comma=False, convert_strings=False)
    reading = yes_no_reading(y_clean) if yes_no else None
    if reading is not None:
        y_clean = y_clean.map(lambda v: v if pd.isna(v) else reading[_fmt_value(v)])
    return y_clean, reading


def _yes_no_warning(target: str, reading: dict[str, str]) -> DataWarning:
    yes = [w for w, r in reading.items() if r == "yes"]
    no = [w for w, r in reading.items() if r == "no"]
    return DataWarning(
        "yes_no_read",
        target,
        f"The values of {target!r} were written {len(reading)} ways; they are read as "
        f"yes ({_quote_list(yes)}) and no ({_quote_list(no)}), as you chose.",
    )


def _target_rows(
    target: str, y_clean: pd.Series, task: Task | None
) -> tuple[Task, np.ndarray, np.ndarray, tuple[str, ...], str | None, list[DataWarning]]:
    """The task (``task``, checked against the values, or inferred), the rows with a target
    value, the target encoded on those rows, its classes and positive class, and what to say
    about them (rows left out, a small table, rare or imbalanced classes)."""
    warnings_out: list[DataWarning] = []
    n_total = len(y_clean)
    chosen = _infer_task(target, y_clean) if task is None else task
    if task is not None:
        _check_task(target, y_clean, task)
    y_numbers = _target_numbers(y_clean) if chosen == "regression" else None
    present = (
        y_numbers.notna() & np.isfinite(y_numbers.fillna(0.0))
        if y_numbers is not None
        else y_clean.notna()
    )
    keep = present.to_numpy(dtype=bool)
    n_kept = int(keep.sum())
    if n_kept < n_total:
        missing = n_total - n_kept
        warnings_out.append(
            DataWarning(
                "missing_target",
                target,
                f"{missing:,} row{'s' if missing > 1 else ''} ha{'ve' if missing > 1 else 's'} no "
                f"value in {target!r} and {'were' if missing > 1 else 'was'} left out "
                f"({n_kept:,} rows remain).",
            )
        )
    if n_kept < MIN_ROWS:
        raise DataError(
            TOO_FEW_TARGET_ROWS_MESSAGE.format(
                n=n_kept, total=n_total, target=target, min_rows=MIN_ROWS
            )
        )
    if n_kept < SMALL_TABLE_ROWS:
        warnings_out.append(
            DataWarning(
                "small_table",
                None,
                f"Only {n_kept} rows can be used: accuracy figures will have wide uncertainty "
                "ranges, and small differences between models will not be meaningful.",
            )
        )

    if chosen == "regression":
        if y_numbers is None:  # ruled out by the task checks above; kept for safety
            raise DataError(REGRESSION_NOT_NUMERIC_MESSAGE.format(target=target, examples="..."))
        y = y_numbers[keep].to_numpy(dtype=np.float64)
        classes: tuple[str, ...] = ()
        positive: str | None = None
    else:
        y, classes, positive = _encode_classes(y_clean[keep], chosen)
        warnings_out += _class_checks(target, y, classes)

    return chosen, keep, y, classes, positive, warnings_out


def _renamed_columns(df: pd.DataFrame) -> dict[str, str]:
    renamed = df.attrs.get("renamed_columns")
    if not isinstance(renamed, dict):
        return {}
    return {str(k): str(v) for k, v in renamed.items()}


def _read_info(df: pd.DataFrame) -> dict[str, str]:
    info = df.attrs.get("read_info")
    if not isinstance(info, dict):
        return {}
    return {str(k): str(v) for k, v in info.items()}


def _no_such_column(name: str, columns: Sequence[str]) -> str:
    return NO_SUCH_COLUMN_MESSAGE.format(
        name=name, suggestion=_did_you_mean(name, columns), columns=_quote_list(columns)
    )


def _did_you_mean(name: str, columns: Sequence[str]) -> str:
    lowered = {c.lower(): c for c in columns}
    matches = [lowered[name.lower()]] if name.lower() in lowered else []
    matches += difflib.get_close_matches(name, columns, n=3, cutoff=0.7)
    matches = list(dict.fromkeys(matches))[:3]
    if not matches:
        return ""
    return " Did you mean " + " or ".join(repr(m) for m in matches) + "?"


def _as_names(value: Sequence[str]) -> list[str]:
    """Column names from an option: one name, a sequence of names, or nothing (None or empty)."""
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if value else []


def _check_options(
    columns: Sequence[str], target: str, include: Sequence[str], exclude: Sequence[str]
) -> tuple[set[str], set[str]]:
    include_list, exclude_list = _as_names(include), _as_names(exclude)
    for option, names in (("include", include_list), ("exclude", exclude_list)):
        unknown = [n for n in names if n not in columns]
        if unknown:
            hint = _did_you_mean(unknown[0], columns)
            raise DataError(
                UNKNOWN_OPTION_COLUMNS_MESSAGE.format(
                    s="s" if len(unknown) > 1 else "",
                    option=option,
                    names=_quote_list(unknown),
                    suggestion=hint,
                    columns=_quote_list(columns),
                )
            )
    if target in exclude_list:
        raise DataError(TARGET_EXCLUDED_MESSAGE.format(target=target))
    if target in include_list:
        raise DataError(TARGET_INCLUDED_MESSAGE.format(target=target))
    both = [n for n in dict.fromkeys(include_list) if n in exclude_list]
    if both:
        raise DataError(
            INCLUDE_AND_EXCLUDE_MESSAGE.format(
                s="s" if len(both) > 1 else "",
                names=_quote_list(both),
                are="are" if len(both) > 1 else "is",
            )
        )
    return set(include_list), set(exclude_list)


def _check_task(target: str, clean: pd.Series, task: Task) -> None:
    """Raise :class:`DataError` if the target's values cannot be predicted as ``task``."""
    present = clean.dropna()
    n_unique = int(present.nunique())
    examples = ", ".join(repr(_fmt_value(v)) for v in present.drop_duplicates().head(3))
    if n_unique == 0:
        raise DataError(TARGET_EMPTY_MESSAGE.format(target=target))
    if n_unique == 1:
        raise DataError(
            TARGET_CONSTANT_MESSAGE.format(target=target, value=repr(_fmt_value(present.iloc[0])))
        )
    if task == "regression":
        if _target_numbers(clean) is None:
            raise DataError(REGRESSION_NOT_NUMERIC_MESSAGE.format(target=target, examples=examples))
        return
    if task == "binary" and n_unique != 2:
        numeric = _target_numbers(clean) is not None
        alternative = "'multiclass' or 'regression'" if numeric else "'multiclass'"
        raise DataError(
            BINARY_NEEDS_TWO_MESSAGE.format(
                target=target, n=n_unique, examples=examples + ", ...", alternative=alternative
            )
        )
    if task == "multiclass":
        if n_unique == 2:
            raise DataError(MULTICLASS_NEEDS_THREE_MESSAGE.format(target=target, examples=examples))
        if n_unique > MAX_CLASSES:
            raise DataError(
                TOO_MANY_CLASSES_MESSAGE.format(target=target, n=n_unique, max_classes=MAX_CLASSES)
            )


def _encode_classes(
    labels_raw: pd.Series, task: Task
) -> tuple[np.ndarray, tuple[str, ...], str | None]:
    """Integer codes, class labels (as text) and, for a binary task, the positive class.

    Labels are the values as a user writes them (``1`` not ``1.0``); numbers sort by value.
    Work is done on the distinct values, so that it costs little on big tables.
    """
    raw_codes, _ = pd.factorize(labels_raw)
    distinct = labels_raw.drop_duplicates()  # the same first-appearance order as factorize
    label_of = [_fmt_value(v) for v in distinct]
    numbers = _target_numbers(distinct)
    if numbers is not None:
        value_of = dict(zip(label_of, numbers.to_numpy(dtype=np.float64), strict=True))
        ordered = sorted(set(label_of), key=lambda label: (value_of[label], label))
    else:
        ordered = sorted(set(label_of))
    counts: Counter[str] = Counter()
    for label, n in zip(label_of, np.bincount(raw_codes, minlength=len(label_of)), strict=True):
        counts[label] += int(n)
    positive: str | None = None
    if task == "binary":
        positives = [label for label in ordered if label.strip().lower() in _POSITIVE_WORDS]
        if len(positives) == 1:
            positive = positives[0]
        else:
            smallest = min(counts[label] for label in ordered)
            positive = [label for label in ordered if counts[label] == smallest][-1]
        ordered = [label for label in ordered if label != positive] + [positive]
    code_of = {label: code for code, label in enumerate(ordered)}
    final = np.array([code_of[label] for label in label_of], dtype=np.int64)
    return final[raw_codes], tuple(ordered), positive


def _build_features(
    used: Sequence[tuple[str, _Column]], keep: np.ndarray
) -> tuple[pd.DataFrame, tuple[str, ...], tuple[str, ...], dict[str, str]]:
    """X under safe names, the numeric and categorical feature names, and their origins."""
    taken: set[str] = set()
    data: dict[str, pd.Series] = {}
    numeric: list[str] = []
    categorical: list[str] = []
    origin: dict[str, str] = {}

    def add(safe_base: str, original: str, values: pd.Series, is_numeric: bool) -> None:
        safe = _unique_safe(safe_base, taken)
        data[safe] = values.reset_index(drop=True)
        origin[safe] = original
        (numeric if is_numeric else categorical).append(safe)

    for original, column in used:
        values = column.values[keep]
        base = _safe_base(original)
        if column.kind == "datetime":
            stamps = pd.Series(pd.to_datetime(values), index=values.index)
            parts = {
                "year": stamps.dt.year,
                "month": stamps.dt.month,
                "day": stamps.dt.day,
                "weekday": stamps.dt.day_of_week,
                "hour": stamps.dt.hour,
            }
            for part, part_values in parts.items():
                floats = part_values.astype(np.float64)
                if floats.nunique() > 1:
                    add(f"{base}__{part}", original, floats, True)
        elif column.kind in ("numeric", "boolean") or (
            column.kind in ("id", "constant") and not column.text
        ):
            numbers = _as_float(values) if column.kind != "constant" else _constant_as_float(values)
            if numbers is None:
                add(base, original, _as_object_strings(values), False)
            else:
                add(base, original, numbers, True)
        else:
            add(base, original, _as_object_strings(values), False)
    X = pd.DataFrame(data, index=pd.RangeIndex(int(keep.sum())))
    return X, tuple(numeric), tuple(categorical), origin


def _constant_as_float(values: pd.Series) -> pd.Series | None:
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        return _as_float(values)
    return None


def _as_object_strings(values: pd.Series) -> pd.Series:
    """Values as Python strings written as a user would (object dtype), NaN for missing."""
    codes, distinct = pd.factorize(values)
    lookup = np.array([*(_fmt_value(v) for v in distinct), np.nan], dtype=object)
    return pd.Series(lookup[codes], index=values.index, dtype=object)


def _safe_base(name: str) -> str:
    """``name`` with accents removed and every character outside [0-9A-Za-z_] replaced by ``_``."""
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    base = re.sub(r"[^0-9A-Za-z_]", "_", stripped)
    if not base or base[0].isdigit():
        base = "f_" + base
    return base


def _unique_safe(base: str, taken: set[str]) -> str:
    safe, k = base, 1
    while safe in taken:
        k += 1
        safe = f"{base}_{k}"
    taken.add(safe)
    return safe


def _frame_sha256(df: pd.DataFrame) -> str:
    """A content hash of a table: its column names, dtypes and every value (fast, stable)."""
    digest = hashlib.sha256()
    digest.update(json.dumps([[str(c), str(t)] for c, t in df.dtypes.items()]).encode("utf-8"))
    try:
        digest.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    except TypeError:  # unhashable cells (lists...): hash the text form instead
        digest.update(df.to_csv(index=False).encode("utf-8"))
    return digest.hexdigest()


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def prepare_leaving_out(
    df: pd.DataFrame,
    target: str,
    left_out: Sequence[str] | None = None,
    *,
    name: str = "table",
    sha256: str | None = None,
    task: Task | None = None,
    seed: int = 0,
    yes_no: bool = False,
) -> Dataset:
    """:func:`prepare_dataset` where ``left_out`` is the complete list of columns to leave out.

    ``None`` keeps the automatic choice (identifiers, personal data, leakage... left out). A list
    replaces it: flagged columns not in the list are kept (their warning stays), unflagged
    columns in the list are left out. This is how a person edits the choice on screen.
    """
    auto = prepare_dataset(
        df, target, name=name, sha256=sha256, task=task, seed=seed, yes_no=yes_no
    )
    if left_out is None:
        return auto
    wanted = {str(c) for c in left_out if str(c) != target}
    flagged = set(auto.excluded)
    include = sorted(flagged - wanted)
    exclude = sorted(wanted - flagged)
    if not include and not exclude:
        return auto
    return prepare_dataset(
        df,
        target,
        name=name,
        sha256=sha256,
        task=task,
        include=include,
        exclude=exclude,
        seed=seed,
        yes_no=yes_no,
    )
