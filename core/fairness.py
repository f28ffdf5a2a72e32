"""Fairness checks: how each model does for each group of people (by sex, age band...).

The compute layer only: groups are read from a column (used in training or not), every model's
held-out predictions are split by group, and per group we report the primary metric with a seeded
95% bootstrap interval, the share predicted positive (selection rate), the true- and
false-positive rates (binary tasks) or the mean absolute error (regression). Groups with fewer
than :data:`MIN_GROUP_ROWS` held-out rows are flagged "too few rows to judge" and left out of the
gaps between groups.

Rates are computed by hand (not by scikit-learn) so that degenerate groups (one row, one class
only) give ``None`` instead of an exception or a warning.
"""

from __future__ import annotations

import itertools
import math
import re
import warnings
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from core.dataset import ColumnProfile, Dataset
from core.errors import ConfigError
from core.pareto import format_gap
from core.stats import (
    Bootstrap,
    Predictions,
    metric_info,
    metric_samples_by_model,
    percentile_ci,
    weighted_metric,
)
from core.study import ModelResult, StudyResult
from core.units import format_number

#: Groups with fewer held-out rows than this are flagged and left out of the gaps.
MIN_GROUP_ROWS = 30
#: Said of a group below :data:`MIN_GROUP_ROWS`.
SMALL_NOTE = "too few rows to judge"
#: Label of rows whose group value is missing.
MISSING_LABEL = "missing"
#: A numeric column with at most this many distinct values keeps its values as groups.
MAX_DISTINCT_AS_GROUPS = 10
#: Default number of quantile bins for numeric columns that are not ages.
DEFAULT_BINS = 4
#: Age bands: "under 25", "25–34", ..., "65 and over".
AGE_EDGES: tuple[int, ...] = (25, 35, 45, 55, 65)
#: A column of categories keeps at most this many groups: the largest keep their own label and
#: the rest are measured together as :data:`OTHER_LABEL`.
MAX_GROUPS = 12
OTHER_LABEL = "all other values"
#: Joins the labels of several columns into one group ("female · 25–34").
COMBINED_SEPARATOR = " · "
#: Joins the names of several columns measured together ("sex × age").
COLUMNS_SEPARATOR = " × "
#: Reasons (``Dataset.excluded``) that make a column's values identify people, not groups.
IDENTIFYING_REASONS = {"personal_data": "personal data", "id_column": "an identifier"}

NOT_FOUND_MESSAGE = (
    "Column {column!r} is not among the columns the models were trained on, and no original "
    "table was given to read it from. Choose one of: {choices}, or pass the uploaded table."
)
NOT_IN_TABLE_MESSAGE = (
    "Column {column!r} is neither a training column nor a column of the table. "
    "Choose one of: {choices}."
)
TABLE_MISMATCH_MESSAGE = (
    "The table has {n_table} rows but the study used row {row} of the uploaded table: this is "
    "not the table the study was run on. Pass the same table that was uploaded."
)
IDENTIFYING_MESSAGE = (
    "Column {column!r} was left out as {reason}: its values single out people instead of "
    "describing groups of them, so it cannot be used to compare groups. Choose a column such as "
    "sex or age."
)
TARGET_GROUPS_MESSAGE = (
    "Column {column!r} is what the models predict, so it cannot form the groups. Choose a column "
    "that describes the people, such as sex or age."
)
NO_COLUMNS_MESSAGE = "Choose at least one column to form the groups (for example sex or age)."
GROUPS_LENGTH_MESSAGE = (
    "Got {n_groups} group labels for {n_eval} held-out rows; build them with groups_for()."
)

#: Words (of a column name) that describe people in ways a fairness check should look at.
SENSITIVE_WORDS = frozenset(
    {
        "sex",
        "gender",
        "race",
        "racial",
        "ethnicity",
        "ethnic",
        "age",
        "ages",
        "dob",
        "birth",
        "birthdate",
        "birthday",
        "religion",
        "religious",
        "faith",
        "nationality",
        "citizenship",
        "marital",
        "married",
        "disability",
        "disabled",
        "handicap",
        "pregnancy",
        "pregnant",
        "orientation",
        "sexuality",
        "sexual",
        "caste",
        # Race written another way ("colour" in census-style tables), and ancestry.
        "colour",
        "color",
        "skin",
        "ancestry",
        "indigenous",
        "aboriginal",
        "tribe",
        "tribal",
        # Groups written as a flag column: "female", "senior_citizen", "is_foreign".
        "female",
        "male",
        "woman",
        "women",
        "man",
        "men",
        "senior",
        "elderly",
        "minority",
        "foreign",
        "foreigner",
        "immigrant",
        "immigration",
        "migrant",
        "veteran",
        "widowed",
    }
)
#: Word pairs that are sensitive only together ("native country", "country of origin").
SENSITIVE_PAIRS = frozenset({("native", "country"), ("country", "origin"), ("national", "origin")})

_AGE_WORDS = frozenset({"age", "ages"})


def _name_words(name: str) -> list[str]:
    """Lower-case words of a column name: ``"MaritalStatus"``, ``"marital_status"`` → two words."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", spaced)
    return [w for w in re.split(r"[^0-9a-zA-Z]+", spaced.lower()) if w]


def _singular(word: str) -> str:
    """A plural of a listed word as the word: "genders", "races", "ethnicities", "sexes"."""
    for end, stem in (("ies", "y"), ("es", ""), ("s", "")):
        if word.endswith(end) and word[: len(word) - len(end)] + stem in SENSITIVE_WORDS:
            return word[: len(word) - len(end)] + stem
    return word


def _is_sensitive(name: str) -> bool:
    words = [_singular(w) for w in _name_words(name)]
    if SENSITIVE_WORDS.intersection(words):
        return True
    present = set(words)
    return any(a in present and b in present for a, b in SENSITIVE_PAIRS)


#: Values that name a group of people (compared in lower case, word by word): a column whose
#: values are all such words ("Female"/"Male", "White"/"Black"/"Asian") describes people,
#: whatever its name ("X3", "segment").
GROUP_VALUE_WORDS = frozenset(
    {
        "female", "male", "woman", "man", "women", "men", "nonbinary", "transgender",
        "white", "black", "asian", "hispanic", "latino", "latina", "latinx", "caucasian",
        "african", "indigenous", "aboriginal", "arab",
        "christian", "muslim", "jewish", "hindu", "buddhist", "sikh", "atheist", "catholic",
        "protestant",
        "married", "divorced", "widowed", "unmarried",
    }
)  # fmt: skip
#: A column of more distinct values than this is not read as groups of people by its values.
GROUP_VALUES_MAX = 12


def _names_groups(profile: ColumnProfile) -> bool:
    """Whether the column's values (its examples, which hold both levels of a two-level flag)
    are all words naming groups of people, and there are few of them."""
    if not 2 <= profile.n_unique <= GROUP_VALUES_MAX or len(profile.examples) < 2:
        return False
    return all(
        any(w in GROUP_VALUE_WORDS for w in re.split(r"[^a-z]+", str(v).casefold()))
        for v in profile.examples
    )


def suggest_sensitive(columns: Sequence[str], profiles: Sequence[ColumnProfile] = ()) -> list[str]:
    """The columns that describe people, in the order given: by name (sex, gender, race or
    colour, age, religion, marital status, flags such as "female" or "senior_citizen"...), or,
    with their ``profiles``, by values that name groups of people ("Female"/"Male").

    Names match by whole words, whatever the case or separator (``"Sex"``,
    ``"marital_status"``, ``"RaceEthnicity"``), never by substring: ``"page"`` and ``"usage"``
    are not ages.
    """
    by_values = {p.name for p in profiles if _names_groups(p)}
    return [c for c in columns if _is_sensitive(c) or c in by_values]


# --- group labels --------------------------------------------------------------------------------


def _format_edge(x: float) -> str:
    """A bin edge for people: integers without decimals, thousands separated, 3 significant
    digits otherwise."""
    if float(x).is_integer():
        return f"{int(x):,}"
    return format_number(x)


def _round_edge(x: float) -> float:
    """Round to 2 significant digits (at least to a whole number above 100), for readable
    edges."""
    if x == 0 or not math.isfinite(x):
        return x
    digits = 1 - math.floor(math.log10(abs(x)))
    return float(round(x, digits))


def _as_numbers(values: pd.Series) -> pd.Series | None:
    """The values as floats if every present value is a number (booleans excluded), else None."""
    if pd.api.types.is_bool_dtype(values):
        return None
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float)
    present = values.dropna()
    if present.empty or present.map(lambda v: isinstance(v, bool)).any():
        return None
    numbers = pd.to_numeric(present.astype(str).str.strip(), errors="coerce")
    if numbers.isna().any():
        return None
    out = pd.Series(np.nan, index=values.index, dtype=float)
    out[present.index] = numbers.astype(float)
    return out


def _bin(numbers: pd.Series, edges: Sequence[float], *, age: bool) -> pd.Series:
    """Bins ``[-inf, e1), [e1, e2), ..., [ek, inf)`` with readable labels."""
    labels = [f"under {_format_edge(edges[0])}"]
    for low, high in itertools.pairwise(edges):
        upper = _format_edge(high - 1) if age else _format_edge(high)
        labels.append(f"{_format_edge(low)}–{upper}")
    labels.append(f"{_format_edge(edges[-1])} and over")
    codes = np.searchsorted(np.asarray(edges, dtype=float), numbers.to_numpy(), side="right")
    out = np.array([labels[c] for c in codes], dtype=object)
    out[numbers.isna().to_numpy()] = MISSING_LABEL
    used = [lab for lab in labels if lab in set(out)]
    if MISSING_LABEL in set(out):
        used.append(MISSING_LABEL)
    return pd.Series(pd.Categorical(out, categories=used), index=numbers.index, name=numbers.name)


def group_labels(values: pd.Series, *, bins: int = DEFAULT_BINS) -> pd.Series:
    """One readable group label (a string) per value, as a categorical Series in display order.

    * Categories stay as they are (missing values become ``"missing"``), largest group first.
    * Numbers with at most :data:`MAX_DISTINCT_AS_GROUPS` distinct values stay as they are too.
    * A column named like an age (the word ``age``) with values between 0 and 120 falls into age
      bands: ``"under 25"``, ``"25–34"``, ..., ``"65 and over"``.
    * Other numbers fall into ``bins`` quantile bins with edges rounded to 2 significant digits:
      ``"under 30"``, ``"30–45"`` (from 30 up to, not including, 45), ..., ``"60 and over"``.
    """
    if bins < 2:
        raise ConfigError(f"Numbers need at least 2 bins to compare groups; got {bins}.")
    numbers = _as_numbers(values)
    if numbers is not None and numbers.nunique() > MAX_DISTINCT_AS_GROUPS:
        present = numbers.dropna()
        name_words = set(_name_words(str(values.name))) if values.name is not None else set()
        if name_words & _AGE_WORDS and present.min() >= 0 and present.max() <= 120:
            return _bin(numbers, [float(e) for e in AGE_EDGES], age=True)
        inner = np.quantile(present.to_numpy(), np.linspace(0, 1, bins + 1)[1:-1])
        edges = sorted({_round_edge(float(e)) for e in inner})
        edges = [e for e in edges if present.min() < e <= present.max()] or [
            _round_edge(float(present.median()))
        ]
        return _bin(numbers, edges, age=False)
    if numbers is not None:
        text = numbers.map(lambda v: _format_edge(v) if pd.notna(v) else MISSING_LABEL)
    else:
        text = values.map(lambda v: MISSING_LABEL if pd.isna(v) else str(v))
    return _ordered(_fold_rare(text), values.name)


def _ordered(text: pd.Series, name: object) -> pd.Series:
    """Labels as a categorical, largest group first; "all other values" and "missing" last."""
    counts = text.value_counts()
    last = (OTHER_LABEL, MISSING_LABEL)
    order = sorted(
        counts.index, key=lambda g: (last.index(g) + 1 if g in last else 0, -counts[g], g)
    )
    return pd.Series(pd.Categorical(text, categories=order), index=text.index, name=name)


def _fold_rare(text: pd.Series) -> pd.Series:
    """Beyond :data:`MAX_GROUPS` labels, the smallest become :data:`OTHER_LABEL`."""
    counts = text[text != MISSING_LABEL].value_counts()
    if len(counts) <= MAX_GROUPS:
        return text
    ranked = sorted(counts.index, key=lambda g: (-counts[g], g))
    keep = set(ranked[: MAX_GROUPS - 1])
    return text.where(text.isin(keep) | (text == MISSING_LABEL), OTHER_LABEL)


def combine_groups(groups: Sequence[pd.Series]) -> pd.Series:
    """One group per combination of labels ("female · 25–34"), largest first: people at the
    crossing of two attributes can be treated differently even when each attribute alone looks
    fair."""
    if not groups:
        raise ConfigError(NO_COLUMNS_MESSAGE)
    if len(groups) == 1:
        return groups[0]
    text = groups[0].astype(str).reset_index(drop=True)
    for more in groups[1:]:
        text = text + COMBINED_SEPARATOR + more.astype(str).reset_index(drop=True)
    name = COLUMNS_SEPARATOR.join(str(g.name) for g in groups)
    return _ordered(text, name)


# --- which column, which rows --------------------------------------------------------------------


def used_in_training(dataset: Dataset, column: str) -> bool:
    """Whether the original column ``column`` fed the models (possibly under a safe name)."""
    return column in dataset.used_columns


def groups_for(
    study: StudyResult,
    column: str,
    table: pd.DataFrame | None = None,
    *,
    bins: int = DEFAULT_BINS,
) -> pd.Series:
    """The group label of each held-out row, in the order of ``study.eval_index``.

    Read from the training features when ``column`` (an original name) was used for training,
    else from ``table`` (the table as uploaded, rows matched through ``dataset.row_ids``), so a
    sensitive column left out of training can still be measured. :class:`ConfigError` if the
    column is in neither.
    """
    ds = study.dataset
    eval_index = np.asarray(study.eval_index, dtype=np.int64)
    if column == ds.target:
        raise ConfigError(TARGET_GROUPS_MESSAGE.format(column=column))
    reason = ds.excluded.get(column)
    if reason in IDENTIFYING_REASONS:
        raise ConfigError(
            IDENTIFYING_MESSAGE.format(column=column, reason=IDENTIFYING_REASONS[reason])
        )
    if used_in_training(ds, column):
        safe = next(c for c in ds.X.columns if ds.feature_origin[c] == column)
        values = ds.X[safe].iloc[eval_index]
    elif table is None:
        choices = ", ".join(repr(c) for c in ds.used_columns) or "none"
        raise ConfigError(NOT_FOUND_MESSAGE.format(column=column, choices=choices))
    elif column not in table.columns:
        choices = ", ".join(repr(str(c)) for c in table.columns if str(c) != ds.target)
        raise ConfigError(NOT_IN_TABLE_MESSAGE.format(column=column, choices=choices))
    else:
        rows = np.asarray(ds.row_ids, dtype=np.int64)[eval_index]
        if len(rows) and int(rows.max()) >= len(table):
            raise ConfigError(
                TABLE_MISMATCH_MESSAGE.format(n_table=len(table), row=int(rows.max()) + 1)
            )
        values = table[column].iloc[rows]
    values = values.reset_index(drop=True).rename(column)
    return group_labels(values, bins=bins)


# --- per group metrics ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupMetrics:
    """One model on the held-out rows of one group.

    ``metric_value`` is the study's primary metric (a fraction for percentages), with its 95%
    bootstrap interval (seeded; ``None`` below 2 rows). Binary tasks: ``selection_rate`` is the
    share of rows predicted positive, ``tpr`` the share of actual positives predicted positive,
    ``fpr`` the share of actual negatives predicted positive (``None`` if the group has no
    actual positives / negatives). Regression: ``mae`` in target units. ``small`` is true below
    :data:`MIN_GROUP_ROWS` rows (``note`` then says "too few rows to judge").
    """

    model: str
    label: str
    group: str
    n_rows: int
    metric: str
    metric_value: float | None
    metric_ci_low: float | None
    metric_ci_high: float | None
    selection_rate: float | None
    tpr: float | None
    fpr: float | None
    mae: float | None
    small: bool
    note: str
    #: The metric on each bootstrap resample of the group (for intervals of gaps; kept in memory).
    samples: NDArray[np.float64] | None = field(default=None, repr=False, compare=False)


def _rate(hits: NDArray[np.bool_], among: NDArray[np.bool_]) -> float | None:
    total = int(among.sum())
    return None if total == 0 else float((hits & among).sum()) / total


def _group_samples(
    study: StudyResult,
    y_true: NDArray[np.generic],
    predictions: dict[str, Predictions],
    n_resamples: int,
    seed: int,
) -> tuple[dict[str, float | None], dict[str, NDArray[np.float64]]]:
    """Every model's primary metric on one group's rows, and on each bootstrap resample of them
    (the same resamples for every model: one draw per group, not per model and group)."""
    metric, task = study.primary_metric, study.dataset.task
    n = len(y_true)
    point: dict[str, float | None] = {}
    samples: dict[str, NDArray[np.float64]] = {}
    # A small group may hold one class only, or resamples of it: its metric is then NaN (left
    # out by percentile_ci), and numpy's warnings about it are expected here.
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        for name, pred in predictions.items():
            value = (
                float(weighted_metric(metric, task, y_true, pred)(np.ones((1, n)))[0])
                if n
                else math.nan
            )
            point[name] = value if math.isfinite(value) else None
        if n >= 2:
            plan = Bootstrap(n, n_resamples, seed)
            samples = metric_samples_by_model(metric, task, y_true, predictions, plan)
    return point, samples


def _check_groups(study: StudyResult, groups: pd.Series) -> None:
    if len(groups) != len(study.eval_index):
        raise ConfigError(
            GROUPS_LENGTH_MESSAGE.format(n_groups=len(groups), n_eval=len(study.eval_index))
        )


def _group_order(groups: pd.Series) -> list[str]:
    present = set(groups.astype(str))
    if isinstance(groups.dtype, pd.CategoricalDtype):
        return [str(g) for g in groups.cat.categories if str(g) in present]
    return sorted(present)


def _with_predictions(study: StudyResult) -> list[tuple[ModelResult, Predictions]]:
    return [(m, m.predictions) for m in study.ok_models if m.predictions is not None]


def group_metrics(
    study: StudyResult,
    groups: pd.Series,
    *,
    n_resamples: int | None = None,
    seed: int | None = None,
) -> list[GroupMetrics]:
    """Every successful model on every group (models in study order, groups in display order).

    ``groups`` holds one label per held-out row (see :func:`groups_for`). The bootstrap uses the
    study's ``n_resamples`` and ``seed`` unless given.
    """
    _check_groups(study, groups)
    ds = study.dataset
    n_resamples = study.config.n_resamples if n_resamples is None else n_resamples
    seed = study.config.seed if seed is None else seed
    y_all = np.asarray(ds.y)[np.asarray(study.eval_index, dtype=np.int64)]
    labels = groups.astype(str).to_numpy()
    models = _with_predictions(study)
    by_group: dict[str, dict[str, GroupMetrics]] = {}
    for group in _group_order(groups):
        mask = labels == group
        y_true = y_all[mask]
        n = int(mask.sum())
        subs = {
            m.name: Predictions(
                np.asarray(pred.y_pred)[mask], None if pred.proba is None else pred.proba[mask]
            )
            for m, pred in models
        }
        # A seed of the group's own, so that two groups' resamples are independent.
        group_seed = (seed + zlib.crc32(group.encode())) % 2**32
        points, samples = _group_samples(study, y_true, subs, n_resamples, group_seed)
        small = n < MIN_GROUP_ROWS
        by_group[group] = {}
        for m, _ in models:
            sub = subs[m.name]
            selection = tpr = fpr = mae = None
            if ds.task == "binary":
                predicted = sub.y_pred.astype(np.int64) == 1
                actual = y_true.astype(np.int64) == 1
                selection = _rate(predicted, np.ones(n, dtype=bool))
                tpr = _rate(predicted, actual)
                fpr = _rate(predicted, ~actual)
            elif ds.task == "regression":
                mae = float(np.mean(np.abs(sub.y_pred.astype(float) - y_true.astype(float))))
            kept = samples.get(m.name)
            low, high = percentile_ci(kept) if kept is not None else (math.nan, math.nan)
            interval = math.isfinite(low) and math.isfinite(high)
            by_group[group][m.name] = GroupMetrics(
                model=m.name,
                label=m.label,
                group=group,
                n_rows=n,
                metric=study.primary_metric,
                metric_value=points[m.name],
                metric_ci_low=low if interval else None,
                metric_ci_high=high if interval else None,
                selection_rate=selection,
                tpr=tpr,
                fpr=fpr,
                mae=mae,
                small=small,
                note=SMALL_NOTE if small else "",
                samples=kept if interval else None,
            )
    return [by_group[g][m.name] for m, _ in models for g in by_group]


def _pct(value: float | None, scale: float) -> float | None:
    return None if value is None else value * scale


def fairness_table(
    study: StudyResult,
    groups: pd.Series,
    *,
    n_resamples: int | None = None,
    seed: int | None = None,
    rows: Sequence[GroupMetrics] | None = None,
) -> pd.DataFrame:
    """:func:`group_metrics` as a table for people: one row per model and group, percentages in
    % and every column name with its unit. Binary tasks show selection rate, TPR and FPR;
    regression shows MAE. Pass ``rows`` (from :func:`group_metrics`) to avoid computing them
    again."""
    ds = study.dataset
    info = metric_info(study.primary_metric)
    scale = 100.0 if info.percent else 1.0
    unit = " (%)" if info.percent else ""
    if rows is None:
        rows = group_metrics(study, groups, n_resamples=n_resamples, seed=seed)
    records = []
    for g in rows:
        row: dict[str, object] = {
            "model": g.label,
            "group": g.group,
            "rows (count)": g.n_rows,
            f"{info.label}{unit}": _pct(g.metric_value, scale),
            f"95% CI low{unit}": _pct(g.metric_ci_low, scale),
            f"95% CI high{unit}": _pct(g.metric_ci_high, scale),
        }
        if ds.task == "binary":
            row["selection rate (%)"] = _pct(g.selection_rate, 100.0)
            row["true positive rate (%)"] = _pct(g.tpr, 100.0)
            row["false positive rate (%)"] = _pct(g.fpr, 100.0)
        if ds.task == "regression":
            row["MAE (target units)"] = g.mae
        row["too few rows"] = g.small
        row["note"] = g.note
        records.append(row)
    return pd.DataFrame(records)


# --- gaps between groups -------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelGap:
    """The largest differences between the groups (those not flagged small) for one model.

    ``metric_gap`` is best minus worst group on the primary metric (always ≥ 0, in the metric's
    own scale); ``selection_rate_gap`` the highest minus the lowest selection rate (binary) and
    ``selection_rate_ratio`` lowest / highest (the "four-fifths rule" ratio: below 0.8 is a
    warning sign). ``None`` when fewer than two groups can be compared.
    """

    model: str
    label: str
    metric: str
    n_groups_compared: int
    metric_gap: float | None
    best_group: str | None
    worst_group: str | None
    selection_rate_gap: float | None
    selection_rate_ratio: float | None
    highest_selection_group: str | None
    lowest_selection_group: str | None
    #: 95% interval of ``metric_gap`` (the two groups resampled independently; ``None`` when a
    #: group has no interval). ``gap_is_clear``: the interval excludes zero.
    metric_gap_ci_low: float | None = None
    metric_gap_ci_high: float | None = None

    @property
    def gap_is_clear(self) -> bool:
        """The gap between the best and the worst group is larger than chance would explain."""
        return self.metric_gap_ci_low is not None and self.metric_gap_ci_low > 0


def _gap_for(model: str, label: str, metric: str, rows: list[GroupMetrics]) -> ModelGap:
    judged = [g for g in rows if not g.small]
    higher = metric_info(metric).higher_is_better
    scored = [(g.metric_value, g.group) for g in judged if g.metric_value is not None]
    metric_gap = best = worst = gap_low = gap_high = None
    if len(scored) >= 2:
        top = max(scored)
        bottom = min(scored)
        metric_gap = top[0] - bottom[0]
        best, worst = (top[1], bottom[1]) if higher else (bottom[1], top[1])
        by_group = {g.group: g.samples for g in judged}
        s_top, s_bottom = by_group[top[1]], by_group[bottom[1]]
        if s_top is not None and s_bottom is not None:
            low, high = percentile_ci(s_top - s_bottom)
            if math.isfinite(low) and math.isfinite(high):
                gap_low, gap_high = low, high
    rates = [(g.selection_rate, g.group) for g in judged if g.selection_rate is not None]
    rate_gap = ratio = high_group = low_group = None
    if len(rates) >= 2:
        hi = max(rates)
        lo = min(rates)
        rate_gap = hi[0] - lo[0]
        ratio = None if hi[0] == 0 else lo[0] / hi[0]
        high_group, low_group = hi[1], lo[1]
    return ModelGap(
        model=model,
        label=label,
        metric=metric,
        n_groups_compared=len(judged),
        metric_gap=metric_gap,
        best_group=best,
        worst_group=worst,
        selection_rate_gap=rate_gap,
        selection_rate_ratio=ratio,
        highest_selection_group=high_group,
        lowest_selection_group=low_group,
        metric_gap_ci_low=gap_low,
        metric_gap_ci_high=gap_high,
    )


def gaps(
    study: StudyResult, groups: pd.Series, *, rows: Sequence[GroupMetrics] | None = None
) -> list[ModelGap]:
    """One :class:`ModelGap` per successful model. Pass ``rows`` (from :func:`group_metrics`) to
    avoid computing them again."""
    if rows is None:
        rows = group_metrics(study, groups)
    out = []
    for model, _ in _with_predictions(study):
        mine = [g for g in rows if g.model == model.name]
        out.append(_gap_for(model.name, model.label, study.primary_metric, mine))
    return out


def model_gaps(
    study: StudyResult, groups: pd.Series, *, rows: Sequence[GroupMetrics] | None = None
) -> pd.DataFrame:
    """:func:`gaps` as a table: gaps in % points for percentages, the selection-rate ratio as a
    plain number (1 = equal)."""
    info = metric_info(study.primary_metric)
    scale = 100.0 if info.percent else 1.0
    unit = " (points)" if info.percent else (f" ({info.unit})" if info.unit else "")
    records = []
    for gap in gaps(study, groups, rows=rows):
        record: dict[str, object] = {
            "model": gap.label,
            "groups compared (count)": gap.n_groups_compared,
            f"{info.label} gap{unit}": _pct(gap.metric_gap, scale),
            "gap 95% CI low": _pct(gap.metric_gap_ci_low, scale),
            "gap 95% CI high": _pct(gap.metric_gap_ci_high, scale),
            "gap larger than chance?": ""
            if gap.metric_gap is None
            else ("yes" if gap.gap_is_clear else "no"),
            "best group": gap.best_group,
            "worst group": gap.worst_group,
        }
        if study.dataset.task == "binary":
            record["selection rate gap (points)"] = _pct(gap.selection_rate_gap, 100.0)
            record["selection rate ratio (lowest / highest)"] = gap.selection_rate_ratio
            record["highest selection group"] = gap.highest_selection_group
            record["lowest selection group"] = gap.lowest_selection_group
        records.append(record)
    return pd.DataFrame(records)


#: Below this ratio of selection rates, the "four-fifths rule" calls the difference a warning sign.
FOUR_FIFTHS = 0.8


def gap_sentence(gap: ModelGap, *, column: str = "group", positive: str | None = None) -> str:
    """The gaps of one model in plain words, e.g. "Decision tree: accuracy is 12.0 points lower
    for sex 'female' than for 'male'. It predicts the positive class for 20.0% fewer ..."."""
    info = metric_info(gap.metric)
    if gap.metric_gap is None:
        return (
            f"{gap.label}: fewer than two {column} groups have at least {MIN_GROUP_ROWS} "
            f"held-out rows, so the groups cannot be compared."
        )
    interval = ""
    if gap.metric_gap_ci_low is not None and gap.metric_gap_ci_high is not None:
        low, high = gap.metric_gap_ci_low, gap.metric_gap_ci_high
        signed = (
            (f"{low * 100:+.1f}", f"{high * 100:+.1f}")
            if info.percent
            else (format_number(low, signed=True), format_number(high, signed=True))
        )
        verdict = (
            "larger than chance alone would give" if gap.gap_is_clear else "which could be chance"
        )
        interval = f" (95% CI {signed[0]} to {signed[1]}, {verdict})".replace("-", "−")
    parts = [
        f"{gap.label}: {info.words} is {format_gap(gap.metric, gap.metric_gap)} "
        f"worse for {column} {gap.worst_group!r} than for {gap.best_group!r}{interval}."
    ]
    if gap.selection_rate_gap is not None:
        what = f"{positive!r}" if positive else "the positive class"
        ratio = gap.selection_rate_ratio
        parts.append(
            f"It predicts {what} for {gap.selection_rate_gap * 100:.1f} points "
            f"fewer rows of {gap.lowest_selection_group!r} than of "
            f"{gap.highest_selection_group!r}"
            + (
                f" (ratio {ratio:.2f}; below {FOUR_FIFTHS} is a warning sign)."
                if ratio is not None and ratio < FOUR_FIFTHS
                else (f" (ratio {ratio:.2f})." if ratio is not None else ".")
            )
        )
    return " ".join(parts)


# --- one call for a page -------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnChoice:
    """A column a person may measure groups by, and whether it can be measured here."""

    column: str
    used_in_training: bool
    available: bool
    #: Why it cannot be measured (empty when it can).
    reason: str
    #: Its name describes people (sex, age, race...): suggested by default.
    sensitive: bool


def column_choices(study: StudyResult, table: pd.DataFrame | None = None) -> list[ColumnChoice]:
    """Every column of the study's table but the target, in table order, with whether its groups
    can be measured: a training column always can; a column left out of training only with the
    ``table`` it came from; personal data and identifiers never (their values single people out).
    """
    ds = study.dataset
    names = [p.name for p in ds.profiles] or list(ds.used_columns)
    out = []
    for name in names:
        if name == ds.target:
            continue
        used = used_in_training(ds, name)
        reason = ""
        excluded = ds.excluded.get(name)
        if excluded in IDENTIFYING_REASONS:
            reason = f"left out as {IDENTIFYING_REASONS[excluded]}: its values single people out"
        elif not used and (table is None or name not in table.columns):
            reason = (
                "left out of training, and the study's table is not open: open it on the Data "
                "page to measure this column"
            )
        sensitive = name in suggest_sensitive([name], ds.profiles)
        out.append(ColumnChoice(name, used, not reason, reason, sensitive))
    return out


@dataclass(frozen=True)
class FairnessReport:
    """Every model on the groups of one column, or of several columns combined.

    ``rows``: per model and group (:func:`group_metrics`); ``gaps``: per model
    (:func:`gaps`); ``table`` and ``gap_table``: the same for people (:func:`fairness_table`,
    :func:`model_gaps`). ``used_in_training`` says, per column, whether the models saw it.
    """

    columns: tuple[str, ...]
    used_in_training: dict[str, bool]
    groups: pd.Series = field(repr=False)
    rows: tuple[GroupMetrics, ...] = field(repr=False)
    gaps: tuple[ModelGap, ...]
    table: pd.DataFrame = field(repr=False)
    gap_table: pd.DataFrame = field(repr=False)

    @property
    def name(self) -> str:
        """The columns as people read them: "sex", "sex × age"."""
        return COLUMNS_SEPARATOR.join(self.columns)

    @property
    def sizes(self) -> pd.Series:
        """Held-out rows per group, in display order."""
        return self.groups.value_counts(sort=False)

    @property
    def small_groups(self) -> list[str]:
        """Groups with fewer than :data:`MIN_GROUP_ROWS` held-out rows (not judged)."""
        return [str(g) for g, n in self.sizes.items() if 0 < n < MIN_GROUP_ROWS]

    def gap(self, model: str) -> ModelGap:
        for g in self.gaps:
            if g.model == model:
                return g
        raise ConfigError(f"No model '{model}' among the measured models.")

    def rows_of(self, model: str) -> list[GroupMetrics]:
        return [r for r in self.rows if r.model == model]

    @property
    def training_sentence(self) -> str:
        """Whether each column fed the models, in words."""
        parts = []
        for column, used in self.used_in_training.items():
            parts.append(
                f"{column!r} was used in training"
                if used
                else f"{column!r} was left out of training: it is read from the table only to "
                "measure the groups"
            )
        return "; ".join(parts) + "."


def fairness_report(
    study: StudyResult,
    columns: Sequence[str],
    table: pd.DataFrame | None = None,
    *,
    bins: int = DEFAULT_BINS,
) -> FairnessReport:
    """The groups of ``columns`` (combined when there are several) and every model on them."""
    if not columns:
        raise ConfigError(NO_COLUMNS_MESSAGE)
    groups = combine_groups([groups_for(study, c, table, bins=bins) for c in columns])
    rows = group_metrics(study, groups)
    return FairnessReport(
        columns=tuple(columns),
        used_in_training={c: used_in_training(study.dataset, c) for c in columns},
        groups=groups,
        rows=tuple(rows),
        gaps=tuple(gaps(study, groups, rows=rows)),
        table=fairness_table(study, groups, rows=rows),
        gap_table=model_gaps(study, groups, rows=rows),
    )
