"""Profile a table's columns and propose what to predict.

* :func:`profile_table` says what each column looks like (:class:`ColumnProfile`);
* :func:`infer_task` and :func:`suggest_target` propose what to predict and how.

The tests behind a column's kind (identifiers, free text) are here, and so are the signs of
personal data (a column's name, or values such as e-mail addresses, phone, IBAN or credit card
numbers) that :mod:`core.data.checks` uses to leave columns out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from core.data.values import _as_boolean, _fmt_value, _parse_dates, _parse_numbers, _tidy_column
from core.dataset import ColumnKind, ColumnProfile, Task
from core.errors import DataError

MAX_CLASSES: int = 50
"""Most distinct values a classification target may have."""

# --------------------------------------------------------------------------------------------
# Messages (module constants, so that tests and callers can rely on them)
# --------------------------------------------------------------------------------------------

TARGET_EMPTY_MESSAGE = (
    "Column {target!r} is empty: it has no values to learn from. Choose another target."
)
TARGET_CONSTANT_MESSAGE = (
    "Column {target!r} has only one value ({value}); a model cannot learn from it. Choose "
    "another target."
)
TARGET_DATES_MESSAGE = (
    "Column {target!r} holds dates; predicting a date is not supported. Choose a column with "
    "categories or numbers, or turn the date into a number first (e.g. days until an event)."
)
FREE_TEXT_TARGET_MESSAGE = (
    "Column {target!r} has {n:,} different values: it looks like free text, not something to "
    "predict. Choose a column with a few categories (e.g. yes/no) or with numbers."
)
TOO_MANY_CLASSES_MESSAGE = (
    "Column {target!r} has {n:,} different values; at most {max_classes} classes can be "
    "predicted. Group rare values into an 'other' class, or choose another target."
)

# --------------------------------------------------------------------------------------------
# Profiling
# --------------------------------------------------------------------------------------------

_ID_WORDS: Final[frozenset[str]] = frozenset(
    [
        "id",
        "ids",
        "uuid",
        "guid",
        "key",
        "code",
        "number",
        "no",
        "nr",
        "num",
        "ref",
        "identifier",
        "pk",
        "index",
        "idx",
    ]
)
#: Personal data is looked for in the first this many present values of a column.
PERSONAL_DATA_VALUES = 200
#: Codes, UUIDs and free text are recognised from the first this many present values.
SHAPE_VALUES = 1000
_UUID = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
_CODE_LIKE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-.:#/]{2,63}")
_HEX_LIKE = re.compile(r"[0-9a-fA-F]{8,}")


@dataclass(frozen=True)
class _Column:
    """A column's profile plus its values in the form its kind calls for.

    ``values``: float for numeric and boolean (1/0) kinds, datetime64 for datetime, object
    strings (NaN for missing) for the others; ``text`` tells that the values were text.
    """

    profile: ColumnProfile
    values: pd.Series
    text: bool

    @property
    def kind(self) -> ColumnKind:
        return self.profile.kind


def profile_table(df: pd.DataFrame) -> tuple[ColumnProfile, ...]:
    """What each column of ``df`` looks like, in table order.

    ``kind`` is decided in this order: ``constant`` (at most one distinct value), ``boolean``
    (two yes/no-like values), ``datetime``, ``numeric`` (numbers, or text that reads as numbers
    after removing currency symbols, thousands separators and ``%``), ``id`` (almost all values
    unique and the column looks like an identifier), ``text`` (free text), else
    ``categorical``. Text is a date column when at least 90% of its values parse in one format.
    """
    return tuple(_analyse(str(name), df.iloc[:, i]).profile for i, name in enumerate(df.columns))


def _analyse(name: str, s: pd.Series) -> _Column:
    clean = _tidy_column(s, decimal_comma=False, convert_strings=False)
    present = clean.dropna()
    n_rows = len(clean)
    n_unique = int(present.nunique())
    kind, values = _classify(name, clean, present, n_unique)
    if kind in ("numeric", "datetime") and clean.dtype == object:
        # Text read as numbers or dates: what does not parse ("-", "n/a"...) is missing.
        present = clean[values.notna()]
        n_unique = int(values.nunique())
    distinct = present.head(1000).drop_duplicates()
    if len(distinct) < min(3, n_unique):  # rare: look further than the first rows
        distinct = present.drop_duplicates()
    examples = tuple(_fmt_value(v) for v in distinct.head(3))
    profile = ColumnProfile(
        name=name,
        kind=kind,
        dtype=str(s.dtype),
        missing_fraction=float(1 - len(present) / n_rows) if n_rows else 0.0,
        n_unique=n_unique,
        examples=examples,
    )
    is_text = values.dtype == object and kind in ("categorical", "text", "id", "constant")
    return _Column(profile, values, is_text)


def _classify(
    name: str, clean: pd.Series, present: pd.Series, n_unique: int
) -> tuple[ColumnKind, pd.Series]:
    if n_unique <= 1:
        return "constant", clean
    if n_unique == 2:
        flags = _as_boolean(clean)
        if flags is not None:
            return "boolean", flags
    if pd.api.types.is_datetime64_any_dtype(clean.dtype):
        return "datetime", clean
    if pd.api.types.is_numeric_dtype(clean.dtype):
        numbers = clean.astype(np.float64)
        kind: ColumnKind = (
            "id" if _numbers_look_like_id(name, numbers.dropna(), n_unique) else "numeric"
        )
        return kind, numbers
    numbers_present = _parse_numbers(present, symbols=True, eu_first=False)
    if numbers_present is not None:
        numbers = pd.Series(np.nan, index=clean.index, dtype=np.float64)
        numbers[present.index] = numbers_present
        kind = "id" if _numbers_look_like_id(name, numbers_present, n_unique) else "numeric"
        return kind, numbers
    dates = _parse_dates(present, min_fraction=0.9)
    if dates is not None:
        full = pd.Series(pd.NaT, index=clean.index, dtype=dates.dtype)
        full[present.index] = dates
        return "datetime", full
    if _strings_look_like_id(name, present, n_unique):
        return "id", clean
    if _looks_like_free_text(present, n_unique):
        return "text", clean
    return "categorical", clean


def _name_words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", spaced)
    return [w for w in re.split(r"[^0-9a-zA-Z]+", spaced.lower()) if w]


def _mostly_unique(n_present: int, n_unique: int) -> bool:
    return n_present >= 20 and n_unique >= 0.95 * n_present


def _numbers_look_like_id(name: str, numbers: pd.Series, n_distinct: int) -> bool:
    """Unique integers named like an identifier, or (almost) consecutive ones (1, 2, 3...).

    ``n_distinct`` (distinct raw values, at least as many as distinct numbers) rules out most
    columns before any sorting.
    """
    if not _mostly_unique(int(numbers.notna().sum()), n_distinct):
        return False
    values = numbers.to_numpy(dtype=np.float64)
    values = values[np.isfinite(values)]
    if not np.all(np.mod(values, 1) == 0):
        return False
    n_unique = len(np.unique(values))
    if not _mostly_unique(len(values), n_unique):
        return False
    if _ID_WORDS.intersection(_name_words(name)):
        return True
    span = float(values.max() - values.min() + 1)
    return n_unique >= 0.95 * span


def _strings_look_like_id(name: str, present: pd.Series, n_unique: int) -> bool:
    """Unique strings named like an identifier, or shaped like codes, UUIDs or hashes."""
    if not _mostly_unique(len(present), n_unique):
        return False
    if _ID_WORDS.intersection(_name_words(name)):
        return True
    sample = present.head(SHAPE_VALUES).astype(str)
    shaped = (
        sample.str.fullmatch(_UUID)
        | sample.str.fullmatch(_HEX_LIKE)
        | (sample.str.fullmatch(_CODE_LIKE) & sample.str.contains(r"[0-9]", regex=True))
    )
    return bool(shaped.mean() >= 0.95)


def _looks_like_free_text(present: pd.Series, n_unique: int) -> bool:
    if n_unique > 50 and n_unique > 0.5 * len(present):
        return True
    sample = present.head(SHAPE_VALUES).astype(str)
    mean_words = sample.map(lambda v: len(v.split())).mean()
    return bool(sample.str.len().mean() > 40 and mean_words >= 4)


# --------------------------------------------------------------------------------------------
# Task and target
# --------------------------------------------------------------------------------------------


def infer_task(y: pd.Series) -> Task:
    """The kind of prediction the raw target column ``y`` calls for.

    Two distinct values: ``binary``. Numbers (including text such as ``"$1,200"`` or ``"12%"``):
    ``regression``, unless they are whole numbers with few distinct values (at most 20 and at
    most 5% of the rows, e.g. ratings 1-5 on a large table): ``multiclass``. Text, categories
    and yes/no values with 3 to :data:`MAX_CLASSES` distinct values: ``multiclass``.
    Raises :class:`DataError` for an empty, constant, date, free-text or too-many-categories
    target.
    """
    name = str(y.name)
    return _infer_task(name, _tidy_column(y, decimal_comma=False, convert_strings=False))


def _infer_task(name: str, clean: pd.Series) -> Task:
    present = clean.dropna()
    n_unique = int(present.nunique())
    if n_unique == 0:
        raise DataError(TARGET_EMPTY_MESSAGE.format(target=name))
    if n_unique == 1:
        raise DataError(
            TARGET_CONSTANT_MESSAGE.format(target=name, value=repr(_fmt_value(present.iloc[0])))
        )
    if n_unique == 2:
        return "binary"
    numbers = _target_numbers(clean)
    if numbers is not None:
        values = numbers.dropna().to_numpy()
        whole = bool(np.all(np.mod(values, 1) == 0))
        if whole and n_unique <= 20 and n_unique <= 0.05 * len(values):
            return "multiclass"
        return "regression"
    if pd.api.types.is_datetime64_any_dtype(clean.dtype) or (
        _parse_dates(present, min_fraction=0.9) is not None
    ):
        raise DataError(TARGET_DATES_MESSAGE.format(target=name))
    if n_unique <= MAX_CLASSES:
        return "multiclass"
    if _looks_like_free_text(present.astype(str), n_unique):
        raise DataError(FREE_TEXT_TARGET_MESSAGE.format(target=name, n=n_unique))
    raise DataError(
        TOO_MANY_CLASSES_MESSAGE.format(target=name, n=n_unique, max_classes=MAX_CLASSES)
    )


def _target_numbers(clean: pd.Series) -> pd.Series | None:
    """The target as floats (NaN for missing) if it holds numbers, else ``None``."""
    if pd.api.types.is_bool_dtype(clean.dtype):
        return None
    if pd.api.types.is_numeric_dtype(clean.dtype):
        return clean.astype(np.float64)
    present = clean.dropna()
    if present.empty or pd.api.types.infer_dtype(present, skipna=True) != "string":
        return None
    numbers = _parse_numbers(present, symbols=True, eu_first=False)
    if numbers is None:
        return None
    full = pd.Series(np.nan, index=clean.index, dtype=np.float64)
    full[present.index] = numbers
    return full


_TARGET_NAMES: Final[tuple[str, ...]] = (
    "target",
    "label",
    "labels",
    "class",
    "y",
    "outcome",
    "churn",
    "churned",
    "default",
    "survived",
    "diagnosis",
    "species",
    "response",
    "result",
    "fraud",
    "is_fraud",
)
_TARGET_WORDS: Final[frozenset[str]] = frozenset({"target", "label", "outcome", "churn", "churned"})


def suggest_target(df: pd.DataFrame) -> str | None:
    """A sensible default column to predict, or ``None`` if no column is plausible.

    In order: a column named like a target (``target``, ``label``, ``class``, ``y``,
    ``outcome``, ``churn``, ``survived``, ``diagnosis``...), then one whose name contains such a
    word (``churn_flag``), then the last column. When that last column is a number that is a
    place on a map (latitude, longitude) or a count of things (``checks``, ``n_visits``), an
    outcome by its values instead, from the last column back: a yes/no column first, then one of
    a few classes, then any other number (no suggestion if only map positions and counts
    remain). A column is plausible when a task can be inferred for it and it is not an
    identifier, free text or a date.
    """
    names = [str(c) for c in df.columns]
    by_key: dict[str, int] = {}
    for i, name in enumerate(names):
        by_key.setdefault("_".join(_name_words(name)), i)
    candidates: list[int] = [by_key[k] for k in _TARGET_NAMES if k in by_key]
    candidates += [i for i, n in enumerate(names) if _TARGET_WORDS.intersection(_name_words(n))]
    for i in dict.fromkeys(candidates):
        if _plausible_target(names[i], df.iloc[:, i]):
            return names[i]
    last = _target_kind(names[-1], df.iloc[:, -1]) if names else None
    if last is None:
        return None
    if _outcome_rank(names[-1], *last) is not None:
        return names[-1]
    by_values: dict[int, list[str]] = {0: [], 1: [], 2: []}  # yes/no, classes, numbers
    for i in reversed(range(len(names) - 1)):  # the last one is a map position or a count
        found = _target_kind(names[i], df.iloc[:, i])
        rank = None if found is None else _outcome_rank(names[i], *found)
        if rank is not None:
            by_values[rank].append(names[i])
    return next((group[0] for group in by_values.values() if group), None)


#: Words of a column name that make a number a poor default target: a place on a map, or a
#: count of things (an exact list, compared word by word).
_NOT_OUTCOME_WORDS: Final[frozenset[str]] = frozenset(
    {
        "lat", "latitude", "lon", "long", "lng", "longitude", "easting", "northing",
        "zip", "zipcode", "postcode", "checks", "count", "counts", "num", "number", "n",
        "visits", "calls", "clicks", "views", "index", "idx", "rank", "row", "year",
    }
)  # fmt: skip


def _outcome_rank(name: str, kind: ColumnKind, task: Task) -> int | None:
    """How likely a plausible target (its kind and task) is the outcome, judged by its values:
    0 yes/no, 1 a few classes, 2 a number (not a map position or a count); ``None``: not a
    good default."""
    if kind == "numeric" and _NOT_OUTCOME_WORDS.intersection(_name_words(name)):
        return None
    return {"binary": 0, "multiclass": 1}.get(task, 2)


def _target_kind(name: str, s: pd.Series) -> tuple[ColumnKind, Task] | None:
    """The column's kind and inferred task when it is a plausible target (a task can be
    inferred, and it is not an identifier, free text, a constant or a date), else ``None``."""
    column = _analyse(name, s)
    if column.kind in ("id", "text", "constant", "datetime"):
        return None
    try:
        return column.kind, _infer_task(
            name, _tidy_column(s, decimal_comma=False, convert_strings=False)
        )
    except DataError:
        return None


def _plausible_target(name: str, s: pd.Series) -> bool:
    return _target_kind(name, s) is not None


# --------------------------------------------------------------------------------------------
# Personal data
# --------------------------------------------------------------------------------------------


_PERSONAL_SINGLE_WORDS: Final[frozenset[str]] = frozenset(
    [
        "email",
        "phone",
        "telephone",
        "tel",
        "mobile",
        "cellphone",
        "fax",
        "surname",
        "firstname",
        "lastname",
        "fullname",
        "forename",
        "username",
        "address",
        "street",
        "ssn",
        "passport",
        "iban",
        "dob",
        "birthdate",
        "birthday",
        "ip",
        "ipaddress",
        "creditcard",
    ]
)
_PERSON_WORDS: Final[frozenset[str]] = frozenset(
    [
        "first",
        "last",
        "full",
        "given",
        "family",
        "middle",
        "maiden",
        "user",
        "customer",
        "client",
        "patient",
        "employee",
        "person",
        "contact",
        "owner",
        "student",
        "member",
        "passenger",
        "applicant",
        "account",
        "holder",
        "sur",
        "fore",
        "display",
    ]
)
_NUMBER_WORDS: Final[frozenset[str]] = frozenset({"number", "no", "nr", "num", "address", "addr"})
_PERSONAL_PHRASES: Final[tuple[tuple[str, ...], ...]] = (
    ("e", "mail"),
    ("social", "security"),
    ("national", "id"),
    ("national", "insurance"),
    ("credit", "card"),
    ("card", "number"),
    ("date", "of", "birth"),
    ("birth", "date"),
    ("tax", "id"),
)

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_PHONE = re.compile(r"\+?\(?[0-9][0-9\s().\-/]{5,}[0-9]")
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
_CARD = re.compile(r"(?:[0-9]{4}[ -]?){3}[0-9]{1,7}")
_SSN = re.compile(r"[0-9]{3}-[0-9]{2}-[0-9]{4}")
_IPV4 = re.compile(
    r"(?:(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])"
)


def _personal_data(name: str, column: _Column, values: pd.Series) -> str | None:
    """What kind of personal data a column seems to hold, by its name or values, or ``None``.

    Yes/no columns never count (``has_email`` or ``is_mobile`` say nothing about a person).
    """
    if column.kind == "boolean":
        return None
    if _personal_by_name(_name_words(name)):
        return "its name says so"
    if not column.text or column.kind == "constant":
        return None
    sample = values.dropna().head(PERSONAL_DATA_VALUES).astype(str)
    if sample.empty:
        return None
    checks: tuple[tuple[str, pd.Series], ...] = (
        ("its values look like e-mail addresses", sample.str.fullmatch(_EMAIL)),
        ("its values look like US social security numbers", sample.str.fullmatch(_SSN)),
        (
            "its values look like IBAN bank account numbers",
            sample.str.replace(" ", "", regex=False).str.fullmatch(_IBAN),
        ),
        (
            "its values look like credit card numbers",
            sample.str.fullmatch(_CARD) & sample.map(_luhn_ok),
        ),
        ("its values look like IP addresses", sample.str.fullmatch(_IPV4)),
        (
            "its values look like phone numbers",
            sample.str.fullmatch(_PHONE) & sample.map(_phone_digits_ok),
        ),
    )
    for description, matches in checks:
        if matches.mean() >= 0.8:
            return description
    return None


def _personal_by_name(words: list[str]) -> bool:
    """Whether column-name words name personal data (``email``, ``last_name``, ``date of birth``).

    A word such as ``email`` or ``phone`` counts at the end of the name (``customer_email``) or
    before ``number``/``address`` (``phone_no``), not elsewhere (``email_opened``,
    ``tel_aviv_visits``). ``name`` counts alone or after a word about a person (``first name``,
    ``customer_name``), not after others (``product_name``, ``file name``).
    """
    if "".join(words) in _PERSONAL_SINGLE_WORDS:
        return True
    for i, word in enumerate(words):
        following = words[i + 1] if i + 1 < len(words) else None
        if word in _PERSONAL_SINGLE_WORDS and (following is None or following in _NUMBER_WORDS):
            return True
        if word == "name" and (len(words) == 1 or (i > 0 and words[i - 1] in _PERSON_WORDS)):
            return True
    return any(
        tuple(words[i : i + len(phrase)]) == phrase
        for phrase in _PERSONAL_PHRASES
        for i in range(len(words))
    )


def _ascii_digits(value: str) -> list[int]:
    """The digits 0-9 of ``value``. Never ``str.isdigit``: it is true of "²" and "①", which
    ``int`` cannot read, and of digits of other scripts, which no card or phone number holds."""
    return [ord(ch) - 48 for ch in value if "0" <= ch <= "9"]


def _luhn_ok(value: str) -> bool:
    digits = _ascii_digits(value)
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _phone_digits_ok(value: str) -> bool:
    """7 to 15 digits written like a phone number: ``+44 20 7946 0958``, ``(555) 010-1234``,
    ``555-010-1234``; not a ZIP+4 code (``12345-6789``) or a plain number."""
    digits = len(_ascii_digits(value))
    groups = len(re.findall(r"[0-9]+", value))
    marked = value.startswith(("+", "("))
    return 7 <= digits <= 15 and (marked or (groups >= 2 and digits >= 10) or groups >= 3)
