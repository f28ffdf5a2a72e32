"""Values as the tables hold them: text cleaned, numbers and dates read from text, yes/no.

:func:`_tidy_column` puts one column in a standard form (numbers, booleans, naive datetimes or
stripped strings, the usual missing-value markers as missing). :mod:`core.data.reading` applies
it to every column of a file it reads, and profiling and preparing to each column as written.
The helpers that write values and names back as a person would (:func:`_fmt_value`,
:func:`_quote_list`) live here too, at the bottom of the package, so that every module can use
them.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd

# --------------------------------------------------------------------------------------------
# Values: cleaning, numbers, dates, yes/no
# --------------------------------------------------------------------------------------------

_MISSING_TOKENS: Final[frozenset[str]] = frozenset(
    {
        "",
        "na",
        "n/a",
        "n.a.",
        "nan",
        "-nan",
        "null",
        "none",
        "?",
        "#n/a",
        "#na",
        "#n/a n/a",
        "<na>",
        "-1.#ind",
        "1.#ind",
        "-1.#qnan",
        "1.#qnan",
        "#div/0!",
        "#value!",
        "#ref!",
        "#name?",
        "#num!",
        "#null!",
    }
)

_CURRENCY_CHARS = "$€£¥₹"
_DASHES: Final[frozenset[str]] = frozenset({"-", "--", "–", "—"})
_US_NUMBER = re.compile(
    r"[-+]?(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
)
_EU_NUMBER = re.compile(r"[-+]?(?:(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,[0-9]*)?|,[0-9]+)")
_DIGIT_GROUP_SPACE = re.compile(r"(?<=[0-9])[\s\u00a0\u202f'’](?=[0-9]{3}(?:[^0-9]|$))")
_SYMBOLS = re.compile(r"[\s" + re.escape(_CURRENCY_CHARS) + "%]")


def _tidy_column(s: pd.Series, *, decimal_comma: bool, convert_strings: bool) -> pd.Series:
    """One column in a standard form: numbers, booleans, naive datetimes or stripped strings.

    Text values are stripped and missing-value markers become NaN. With ``convert_strings``,
    text columns whose every value is a plain number (thousands separators allowed) become
    numbers, and those whose every value is a date in one common format become datetimes.
    Text is returned with object dtype (Python ``str`` values, NaN for missing).
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    elif isinstance(s.dtype, pd.SparseDtype):
        s = s.astype(s.dtype.subtype)
    elif isinstance(s.dtype, pd.PeriodDtype):
        s = s.dt.to_timestamp()
    if pd.api.types.is_complex_dtype(s.dtype):
        return _clean_strings(s.astype(object), plain=False)  # not a quantity a model can use
    if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
        if isinstance(s.dtype, pd.api.extensions.ExtensionDtype) and not isinstance(
            s.dtype, pd.BooleanDtype
        ):
            return s.astype(np.float64)  # nullable Int64/Float64 -> float with NaN
        if isinstance(s.dtype, pd.BooleanDtype):
            return s.astype(object).where(s.notna(), np.nan)
        return s
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return _naive(s)
    if pd.api.types.is_timedelta64_dtype(s.dtype):
        return pd.Series(s.dt.total_seconds(), index=s.index, dtype=np.float64)
    inferred = pd.api.types.infer_dtype(s, skipna=True)
    if inferred == "empty":
        return pd.Series(np.nan, index=s.index, dtype=np.float64)
    if inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
        return pd.to_numeric(s.astype(object), errors="coerce")
    if inferred == "boolean":
        return s.astype(object).where(s.notna(), np.nan)
    if inferred in ("datetime", "datetime64", "date"):
        try:
            return _naive(pd.Series(pd.to_datetime(s.astype(object), utc=True), index=s.index))
        except (ValueError, TypeError, OverflowError):
            pass
    text = _clean_strings(s, plain=inferred == "string")
    if not convert_strings:
        return text
    present = text.dropna()
    if present.empty:
        return pd.Series(np.nan, index=s.index, dtype=np.float64)
    numbers = _parse_numbers(present, symbols=False, eu_first=decimal_comma)
    if numbers is not None:
        full = pd.Series(np.nan, index=s.index, dtype=np.float64)
        full[present.index] = numbers
        values = full.to_numpy()
        if (
            len(present) == len(text)
            and np.all(np.mod(values, 1) == 0)
            and np.all(np.abs(values) < 2**53)
        ):
            return full.astype(np.int64)
        return full
    dates = _parse_dates(present, min_fraction=1.0)
    if dates is not None:
        out = pd.Series(pd.NaT, index=s.index, dtype=dates.dtype)
        out[present.index] = dates
        return out
    return text


def _naive(s: pd.Series) -> pd.Series:
    """Datetimes in microseconds without a time zone.

    Times with a zone keep their local wall-clock time (what the hour and weekday features
    should describe); text with mixed offsets has already been converted to UTC. One
    resolution whatever the source (pyarrow gives seconds, pandas' parser microseconds), and
    microseconds, unlike nanoseconds, cover placeholder dates such as 9999-12-31.
    """
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_localize(None)
    if s.dtype != _DATETIME_DTYPE:
        # Outside the range of microseconds (not a real date anyway): leave as is.
        with contextlib.suppress(ValueError, OverflowError):
            s = s.astype(_DATETIME_DTYPE)
    return s


_DATETIME_DTYPE = np.dtype("datetime64[us]")


def _clean_strings(s: pd.Series, *, plain: bool) -> pd.Series:
    """Values as stripped Python strings (object dtype), missing markers as NaN.

    The work is done once per distinct value (columns repeat their values a lot).
    """
    try:
        codes, distinct = pd.factorize(s)  # missing values get code -1
    except TypeError:  # unhashable cells (lists, dicts...): compare their text instead
        s = s.map(_to_text, na_action="ignore")
        codes, distinct = pd.factorize(s)
    texts = pd.Series(np.asarray(distinct, dtype=object), dtype=object)
    if not plain:
        texts = texts.map(_to_text)
    texts = texts.astype(str).str.strip()
    texts = texts.where(~texts.str.lower().isin(_MISSING_TOKENS), np.nan)
    lookup = np.append(texts.to_numpy(dtype=object), np.nan)
    return pd.Series(lookup[codes], index=s.index, dtype=object)


def _to_text(value: object) -> str:
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    return _fmt_value(value)


def _fmt_value(value: object) -> str:
    """A value as a user would write it: ``3`` not ``3.0``, ``2024-01-05`` not midnight."""
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, float | np.floating):
        number = float(value)
        if np.isfinite(number) and number == int(number) and abs(number) < 1e15:
            return str(int(number))
        return repr(number)
    if isinstance(value, np.integer):
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        if value.hour == value.minute == value.second == value.microsecond == 0:
            return value.strftime("%Y-%m-%d")
        return str(value)
    return str(value)


def _quote_list(names: Sequence[str], *, limit: int = 20) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    if len(names) > limit:
        shown += f" and {len(names) - limit:,} more"
    return shown


def _parse_numbers(strings: pd.Series, *, symbols: bool, eu_first: bool) -> pd.Series | None:
    """Floats if every value (stripped strings, none missing) is a number, else ``None``.

    Accepts thousands separators (``1,234``; ``1.234,5`` or ``1 234,5`` with a decimal comma)
    and, with ``symbols``, currency symbols, ``%`` and accounting negatives (``(1,200)``). A
    lone dash (``-``) among numbers counts as missing. A column is read with one convention:
    ``eu_first`` picks which is tried first. The work is done once per distinct value, on a
    small sample first so that text columns fail fast.
    """
    if strings.empty:
        return None
    codes, distinct = pd.factorize(strings)
    texts = pd.Series(np.asarray(distinct, dtype=object), dtype=object).astype(str)
    if _numbers_of(texts.head(200), symbols=symbols, eu_first=eu_first) is None:
        return None
    numbers = _numbers_of(texts, symbols=symbols, eu_first=eu_first)
    if numbers is None:
        return None
    lookup = np.append(numbers.to_numpy(dtype=np.float64), np.nan)
    return pd.Series(lookup[codes], index=strings.index, dtype=np.float64)


def _numbers_of(texts: pd.Series, *, symbols: bool, eu_first: bool) -> pd.Series | None:
    dashes = texts.isin(_DASHES)  # "-" stands for "no value" in many reports
    if dashes.all():
        return None
    t = texts[~dashes]
    negative = None
    if symbols:
        negative = t.str.fullmatch(r"\(.*\)")
        t = t.str.replace(r"^\((.*)\)$", r"\1", regex=True)
        t = t.str.replace(_SYMBOLS, "", regex=True)
    t = t.str.replace(_DIGIT_GROUP_SPACE, "", regex=True)
    conventions = ("eu", "us") if eu_first else ("us", "eu")
    for convention in conventions:
        pattern = _EU_NUMBER if convention == "eu" else _US_NUMBER
        if not t.str.fullmatch(pattern).all():
            continue
        if convention == "eu":
            normal = t.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        else:
            normal = t.str.replace(",", "", regex=False)
        numbers = pd.to_numeric(normal, errors="coerce").astype(np.float64)
        if numbers.isna().any():
            continue
        if negative is not None and negative.any():
            numbers = numbers.where(~negative, -numbers)
        return numbers.reindex(texts.index)  # dashes become NaN
    return None


# (format, quick regex every value must match for the format to be tried)
_DATE_FORMATS: Final[tuple[tuple[str, str], ...]] = (
    ("%Y-%m-%d", r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"),
    ("%Y-%m-%d %H:%M:%S", r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2} [0-9]{1,2}:[0-9]{2}:[0-9]{2}"),
    ("%Y-%m-%d %H:%M", r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2} [0-9]{1,2}:[0-9]{2}"),
    ("%Y-%m-%dT%H:%M:%S", r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}T[0-9]{1,2}:[0-9]{2}:[0-9]{2}"),
    ("%Y/%m/%d", r"[0-9]{4}/[0-9]{1,2}/[0-9]{1,2}"),
    ("%m/%d/%Y", r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}"),
    ("%d/%m/%Y", r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}"),
    ("%m/%d/%Y %H:%M", r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{4} [0-9]{1,2}:[0-9]{2}"),
    ("%d/%m/%Y %H:%M", r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{4} [0-9]{1,2}:[0-9]{2}"),
    ("%m/%d/%Y %H:%M:%S", r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{4} [0-9]{1,2}:[0-9]{2}:[0-9]{2}"),
    ("%d/%m/%Y %H:%M:%S", r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{4} [0-9]{1,2}:[0-9]{2}:[0-9]{2}"),
    ("%d.%m.%Y", r"[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4}"),
    ("%d.%m.%Y %H:%M", r"[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4} [0-9]{1,2}:[0-9]{2}"),
    ("%d.%m.%Y %H:%M:%S", r"[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4} [0-9]{1,2}:[0-9]{2}:[0-9]{2}"),
    ("%d-%m-%Y", r"[0-9]{1,2}-[0-9]{1,2}-[0-9]{4}"),
    ("%d %b %Y", r"[0-9]{1,2} [A-Za-z]{3} [0-9]{4}"),
    ("%d-%b-%Y", r"[0-9]{1,2}-[A-Za-z]{3}-[0-9]{4}"),
    ("%b %d, %Y", r"[A-Za-z]{3} [0-9]{1,2}, [0-9]{4}"),
    ("%d %B %Y", r"[0-9]{1,2} [A-Za-z]+ [0-9]{4}"),
    ("%B %d, %Y", r"[A-Za-z]+ [0-9]{1,2}, [0-9]{4}"),
    ("%m/%d/%y", r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{2}"),
    ("%d/%m/%y", r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{2}"),
    (
        "ISO8601",
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?"
        r"(?:Z|[+-][0-9]{2}:?[0-9]{2})?",
    ),
)
_DATE_SAMPLE = 500
# How every format above starts: a cheap first test that rules out most text columns.
_DATE_SHAPE = re.compile(
    r"[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{2,4}|[0-9]{1,2}[ -][A-Za-z]{3}"
    r"|[A-Za-z]{3,9} [0-9]{1,2}, [0-9]{4}"
)


def _parse_dates(strings: pd.Series, *, min_fraction: float) -> pd.Series | None:
    """Datetimes if at least ``min_fraction`` of the values are dates in one format, else None.

    Formats are tried explicitly (``format=``, so pandas never guesses or warns) on a sample of
    distinct values first; the best format is then applied to the whole column, values that do
    not parse becoming NaT. Where day-first and month-first both fit (all days <= 12),
    month-first is taken for ``/`` dates and day-first for ``.`` and ``-`` dates.
    """
    codes, uniques = pd.factorize(strings)
    every = pd.Series(np.asarray(uniques, dtype=object), dtype=object).astype(str)
    distinct = every.head(_DATE_SAMPLE)
    if distinct.empty or distinct.str.match(_DATE_SHAPE).mean() < min_fraction:
        return None
    best: tuple[float, str] | None = None
    for fmt, quick in _DATE_FORMATS:
        matches = distinct.str.fullmatch(quick).mean()
        if matches < min_fraction or (best is not None and matches <= best[0]):
            continue
        parsed = _to_datetime(distinct, fmt)
        fraction = float(parsed.notna().mean())
        if fraction >= min_fraction and (best is None or fraction > best[0]):
            best = (fraction, fmt)
    if best is None:
        return None
    parsed_distinct = _to_datetime(every, best[1]).to_numpy()
    values = np.append(parsed_distinct, np.datetime64("NaT"))[codes]
    parsed = pd.Series(values, index=strings.index)
    if parsed.notna().mean() < min_fraction:
        return None
    return _naive(parsed)


def _to_datetime(strings: pd.Series, fmt: str) -> pd.Series:
    utc = fmt == "ISO8601"  # the only format that may carry time zones
    parsed = pd.to_datetime(strings, format=fmt, errors="coerce", utc=utc)
    return _naive(pd.Series(parsed, index=strings.index))


_TRUE_WORDS: Final[frozenset[str]] = frozenset({"true", "yes", "y", "t", "1", "on"})
_BOOLEAN_PAIRS: Final[tuple[frozenset[str], ...]] = (
    frozenset({"true", "false"}),
    frozenset({"yes", "no"}),
    frozenset({"y", "n"}),
    frozenset({"t", "f"}),
    frozenset({"1", "0"}),
    frozenset({"on", "off"}),
)


def _as_boolean(s: pd.Series) -> pd.Series | None:
    """Floats 1/0 (NaN for missing) if ``s`` holds two yes/no-like values, else ``None``."""
    codes, distinct = pd.factorize(s)  # missing values get code -1
    if len(distinct) != 2:
        return None
    if all(isinstance(v, bool | np.bool_) for v in distinct):
        flags = [float(bool(v)) for v in distinct]
    else:
        words = [_fmt_value(v).strip().lower() for v in distinct]
        if frozenset(words) not in _BOOLEAN_PAIRS:
            return None
        flags = [float(w in _TRUE_WORDS) for w in words]
    lookup = np.array([*flags, np.nan], dtype=np.float64)  # code -1 picks the NaN
    return pd.Series(lookup[codes], index=s.index)
