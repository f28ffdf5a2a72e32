"""Read a user's table, profile its columns, check it, and build the :class:`Dataset` to study.

Four steps, each usable on its own:

* :func:`read_table` turns uploaded bytes (CSV/TSV/semicolon/pipe text in any common encoding,
  Excel ``.xlsx`` or Parquet) into a tidy :class:`pandas.DataFrame`;
* :func:`profile_table` says what each column looks like (:class:`ColumnProfile`);
* :func:`infer_task` and :func:`suggest_target` propose what to predict and how;
* :func:`prepare_dataset` checks the table against a chosen target (too few rows, rare classes,
  identifiers, personal data, leakage, free text...) and builds the model-ready
  :class:`Dataset`, with every finding returned as a :class:`DataWarning`.

Every problem a user can cause raises :class:`DataError` with a message saying what is wrong and
what to do; no pandas, pyarrow or openpyxl exception escapes for bad input.

Conventions of the tables :func:`read_table` returns (whatever the format):

* the first row (of the first sheet, for a workbook) always holds the column names; names are
  stripped of surrounding and repeated whitespace; a blank name becomes ``column_<position>``
  (1-based) and a repeated name gets a suffix: ``name``, ``name (2)``, ``name (3)``. Such
  renames are listed in ``df.attrs["renamed_columns"]`` (new name -> original name) and
  :func:`prepare_dataset` turns them into ``renamed_column`` warnings.
  ``df.attrs["read_info"]`` says how the file was read (format, encoding, delimiter, decimal
  mark);
* rows and unnamed columns that are entirely empty are dropped (blank lines, a trailing
  delimiter on every line); text values are stripped of surrounding whitespace; the usual
  missing-value markers (empty, ``NA``, ``N/A``, ``null``, ``None``, ``NaN``, ``?``, Excel
  errors such as ``#DIV/0!``) become missing, and so does a lone ``-`` among numbers;
* numbers written as text (``"1,234"``, ``"1.234,5"`` in a file with a decimal comma) become
  numbers, and text columns whose every value is a date in one common format become datetimes
  (without time zone, in microseconds; zoned times keep their local wall-clock time). Values
  with currency symbols or ``%`` (``"$1,200"``, ``"12%"``) stay as written; profiling and
  :func:`prepare_dataset` read them as numbers (``12%`` is ``12.0``).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import difflib
import hashlib
import io
import json
import re
import unicodedata
import warnings
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from core.dataset import TASKS, ColumnKind, ColumnProfile, Dataset, DataWarning, Task, copy_groups
from core.errors import DataError

DEFAULT_MAX_BYTES: int = 200 * 1024 * 1024
"""Largest file :func:`read_table` accepts unless told otherwise (200 MB)."""

MIN_ROWS: int = 30
"""Fewer usable rows than this cannot be split into rows to train on and rows to test on."""

MAX_CLASSES: int = 50
"""Most distinct values a classification target may have."""

SMALL_TABLE_ROWS: int = 100
"""Below this many rows a ``small_table`` warning says the figures will be rough."""

MISSING_WARN_FRACTION: float = 0.30
"""A feature empty in more than this share of rows gets a ``missing_values`` warning."""

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

_READ_HELP = "Upload a CSV, TSV, Excel (.xlsx) or Parquet file."
EMPTY_FILE_MESSAGE = (
    "The file {filename!r} is empty. Choose a file with a header line of column names and rows "
    "of data below it."
)
TOO_LARGE_MESSAGE = (
    "The file {filename!r} is {size}, above the {limit} limit. Use a sample of its rows or fewer "
    "columns, or raise the limit."
)
HEADER_ONLY_MESSAGE = (
    "The file {filename!r} has column names ({columns}) but no rows of data. Add rows below the "
    "header line."
)
BINARY_MESSAGE = (
    "The file {filename!r} does not contain readable text: it looks like a binary file, not a "
    "table. " + _READ_HELP
)
HTML_MESSAGE = (
    "The file {filename!r} is a web page (HTML), not a table. If you downloaded it, the "
    "download may have failed or needed a login: download the data itself as CSV or Excel."
)
JSON_MESSAGE = (
    "The file {filename!r} contains JSON, not a table. Convert it to CSV or Excel (.xlsx) first."
)
XML_MESSAGE = (
    "The file {filename!r} contains XML, not a table. Export the data as CSV or Excel (.xlsx)."
)
PDF_MESSAGE = (
    "The file {filename!r} is a PDF document, not a table. Export the data behind it as CSV or "
    "Excel (.xlsx)."
)
COMPRESSED_MESSAGE = (
    "The file {filename!r} is a compressed file ({kind}). Unzip it first and upload the table "
    "inside (CSV, Excel .xlsx or Parquet)."
)
XLS_MESSAGE = (
    "The file {filename!r} is in the {kind}, which is not supported. Open it in Excel (or "
    "LibreOffice) and save it as .xlsx or CSV."
)
CORRUPT_XLSX_MESSAGE = (
    "The file {filename!r} could not be read as an Excel workbook: it may be damaged or not "
    "really an .xlsx file. Open it in Excel and save it again as .xlsx, or export it as CSV."
)
CORRUPT_PARQUET_MESSAGE = (
    "The file {filename!r} could not be read as a Parquet file: it may be damaged or "
    "incomplete. Export it again, or save the data as CSV."
)
NOT_A_TABLE_MESSAGE = (
    "The file {filename!r} does not look like a table: its first line reads like a sentence "
    "rather than column names, and no comma, semicolon, tab or pipe splits its lines into the "
    "same columns. Save the data as CSV with a first line of column names."
)
BAD_LINE_MESSAGE = (
    "Line {line} of {filename!r} has {found} values but the table has {expected} columns. A "
    "value probably contains the separator ({delimiter}) without quotes around it: put quotes "
    "around such values (spreadsheet programs do this when saving as CSV), or fix that line."
)
UNCLOSED_QUOTE_MESSAGE = (
    'A value on line {line} of {filename!r} opens a quote (") that is never closed, so the '
    "rest of the file would be read as one value. Close the quote or remove it."
)
UNREADABLE_MESSAGE = (
    "The file {filename!r} could not be read as a table ({reason}). Save it as CSV (UTF-8) from "
    "your spreadsheet program and try again."
)
NO_COLUMNS_MESSAGE = "The file {filename!r} has no columns. " + _READ_HELP

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
RARE_CLASS_ERROR_MESSAGE = (
    "In column {target!r}, {listing}. Each class needs at least 2 rows so that it can appear "
    "both in the rows used for training and in the rows used for testing. Remove those rows or "
    "merge the class into another (e.g. filter the table or merge {example!r} into a similar "
    "class)."
)
ONLY_TARGET_MESSAGE = (
    "The table has only the column {target!r}; a model needs at least one other column to "
    "learn from. Add columns that describe each row."
)
NO_FEATURES_MESSAGE = (
    "No column is left to learn from: {listing}. To use one of them anyway, include it "
    "(e.g. --include {example!r} on the command line)."
)
NO_FILE_MESSAGE = "There is no file at {path!r}. Check the path and try again."
NOT_A_FILE_MESSAGE = "{path!r} is not a file that can be read ({reason}). Check the path."

_LEFT_OUT = (
    " It was left out; to use it anyway, include it (in the app: take it off the list of columns "
    "left out; on the command line: --include {column!r})."
)
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

_DELIMITER_NAMES: Final[dict[str, str]] = {
    ",": "a comma",
    ";": "a semicolon",
    "\t": "a tab",
    "|": "a pipe '|'",
}

# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------

_SNIFF_CHARS = 65_536
_SNIFF_ROWS = 200
_SNIFFER_CHARS = 8_192
_DELIMITERS = (",", ";", "\t", "|")
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
# What the CSV parsers are told is missing (they compare case-sensitively).
_NA_VALUES: Final[list[str]] = sorted(
    {v for t in _MISSING_TOKENS if t for v in (t, t.upper(), t.title(), t.capitalize())}
)
_BOMS: Final[tuple[tuple[bytes, str], ...]] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_NON_LATIN_SCRIPTS = (
    "Cyrillic",
    "Greek",
    "CJK",
    "Hiragana",
    "Katakana",
    "Hangul",
    "Arabic",
    "Hebrew",
    "Thai",
    "Devanagari",
    "Armenian",
    "Georgian",
)
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_COMPRESSED_MAGIC: Final[tuple[tuple[bytes, str], ...]] = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"Rar!\x1a\x07", "RAR"),
)
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")

ReadFormat = Literal["text", "xlsx", "parquet"]
Engine = Literal["pyarrow", "c"]


def read_table(data: bytes, filename: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> pd.DataFrame:
    """Read an uploaded table into a tidy DataFrame, or raise :class:`DataError` saying why not.

    The format comes from the content first (Excel and Parquet signatures, compressed or binary
    files), then from the extension (``.xlsx``, ``.parquet``, ``.xls``); anything else is read
    as delimited text. For text, the encoding (UTF-8 with or without BOM, UTF-16/32 with BOM,
    Windows-1252/Latin-1 and, when recognised with confidence, non-Latin code pages such as
    Windows-1251) and the delimiter (comma, semicolon, tab or pipe) are detected, and a decimal
    comma is recognised in files not separated by commas. The first line holds column names.
    See the module docstring for how names and values are tidied.
    """
    data = bytes(data)
    if len(data) > max_bytes:
        raise DataError(
            TOO_LARGE_MESSAGE.format(
                filename=filename, size=_size_text(len(data)), limit=_size_text(max_bytes)
            )
        )
    if not data or data.isspace():
        raise DataError(EMPTY_FILE_MESSAGE.format(filename=filename))
    fmt = _sniff_format(data, filename)
    if fmt == "xlsx":
        header, body = _read_xlsx(data, filename)
        info: dict[str, str] = {"format": "xlsx"}
        decimal_comma = False
    elif fmt == "parquet":
        header, body = _read_parquet(data, filename)
        info = {"format": "parquet"}
        decimal_comma = False
    else:
        text, encoding = _decode(data, filename)
        _reject_non_tables(text, filename)
        parsed = _read_delimited(text, filename)
        header, body, decimal_comma = parsed.header, parsed.body, parsed.decimal_comma
        info = {
            "format": "text",
            "encoding": encoding,
            "delimiter": parsed.delimiter,
            "decimal": "," if decimal_comma else ".",
        }
        if parsed.skipped_lines:
            info["skipped_title_lines"] = str(parsed.skipped_lines)
        if encoding.startswith("utf-8 (with"):
            count, lines = replaced_bytes_note(text)
            info["replaced_bytes"] = str(count)
            info["replaced_lines"] = ",".join(map(str, lines))
    df = _finish_table(header, body, filename=filename, decimal_comma=decimal_comma)
    df.attrs["read_info"] = info
    return df


def _size_text(n_bytes: int) -> str:
    """A size for people: ``"250.3 MB"``, ``"200 MB"``, ``"1.5 KB"``, ``"100 bytes"``."""
    for unit, scale in (("MB", 1024**2), ("KB", 1024)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:,.1f}".removesuffix(".0") + " " + unit
    return f"{n_bytes} byte{'s' if n_bytes != 1 else ''}"


def _extension(filename: str) -> str:
    return Path(filename).suffix.lower()


def _sniff_format(data: bytes, filename: str) -> ReadFormat:
    ext = _extension(filename)
    head = data[:16]
    for magic, kind in _COMPRESSED_MAGIC:
        if head.startswith(magic) and (kind != "bzip2" or data[3:4].isdigit()):
            raise DataError(COMPRESSED_MESSAGE.format(filename=filename, kind=kind))
    if head.startswith(_ZIP_MAGIC):
        workbook = _workbook_part(data)
        if workbook == "xl/workbook.xml":
            return "xlsx"
        if workbook == "xl/workbook.bin" or ext == ".xlsb":
            raise DataError(XLS_MESSAGE.format(filename=filename, kind=_XLSB))
        if ext in (".xlsx", ".xlsm"):
            raise DataError(CORRUPT_XLSX_MESSAGE.format(filename=filename))
        raise DataError(COMPRESSED_MESSAGE.format(filename=filename, kind="zip"))
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(_OLE2_MAGIC) or ext == ".xls":
        raise DataError(XLS_MESSAGE.format(filename=filename, kind=_XLS))
    if ext == ".xlsb":
        raise DataError(XLS_MESSAGE.format(filename=filename, kind=_XLSB))
    if head.startswith(b"%PDF"):
        raise DataError(PDF_MESSAGE.format(filename=filename))
    if ext in (".xlsx", ".xlsm"):
        raise DataError(CORRUPT_XLSX_MESSAGE.format(filename=filename))
    if ext == ".parquet":
        raise DataError(CORRUPT_PARQUET_MESSAGE.format(filename=filename))
    return "text"


_XLS = "old Excel format (.xls)"
_XLSB = "binary Excel format (.xlsb)"


def _workbook_part(data: bytes) -> str | None:
    """The workbook part of a zip archive (Excel .xlsx or .xlsb), or ``None``."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    return next((p for p in ("xl/workbook.xml", "xl/workbook.bin") if p in names), None)


def _read_xlsx(data: bytes, filename: str) -> tuple[list[object], pd.DataFrame]:
    """The first sheet of a workbook: its first row (names) and the rows below it."""
    try:
        with warnings.catch_warnings():
            # openpyxl warns about workbook features it drops (styles, data validation...);
            # none of them matter for the values read here.
            warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
            raw = pd.read_excel(
                io.BytesIO(data),
                sheet_name=0,
                header=None,
                engine="openpyxl",
                na_values=_NA_VALUES,
            )
    except Exception as exc:  # any failure of openpyxl on these bytes means a bad workbook
        raise DataError(CORRUPT_XLSX_MESSAGE.format(filename=filename)) from exc
    raw = raw.dropna(how="all").reset_index(drop=True)
    if raw.empty:
        raise DataError(EMPTY_FILE_MESSAGE.format(filename=filename))
    header = list(raw.iloc[0])
    body = raw.iloc[1:].reset_index(drop=True)
    body.columns = pd.RangeIndex(body.shape[1])
    return header, body


def _read_parquet(data: bytes, filename: str) -> tuple[list[object], pd.DataFrame]:
    try:
        df = pd.read_parquet(io.BytesIO(data), engine="pyarrow")
    except Exception as exc:  # any failure of pyarrow on these bytes means a bad file
        raise DataError(CORRUPT_PARQUET_MESSAGE.format(filename=filename)) from exc
    header: list[object] = list(df.columns)
    body = df.reset_index(drop=True)
    body.columns = pd.RangeIndex(body.shape[1])
    return header, body


def _decode(data: bytes, filename: str) -> tuple[str, str]:
    """The text of ``data`` and the name of its encoding, or :class:`DataError` if binary."""
    text: str | None = None
    encoding = ""
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                text, encoding = data[len(bom) :].decode(name), name + " (with BOM)"
            except UnicodeDecodeError as exc:
                raise DataError(BINARY_MESSAGE.format(filename=filename)) from exc
            break
    if text is None and b"\x00" in data[:_SNIFF_CHARS]:
        # UTF-16/32 without a byte-order mark; anything else with NUL bytes is binary.
        guess = _guess_encoding(data)
        if guess is None or not guess.startswith(("utf_16", "utf_32")):
            raise DataError(BINARY_MESSAGE.format(filename=filename))
        text, encoding = _decode_with(data, guess, filename), guess.replace("_", "-")
    if text is None:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text = _decode_damaged_utf8(data)
            if text is not None:
                encoding = "utf-8 (with invalid bytes replaced)"
            else:
                text, encoding = _decode_legacy(data, filename)
    sample = text[:_SNIFF_CHARS]
    if "\x00" in sample or len(_CONTROL_CHARS.findall(sample)) > 0.01 * len(sample):
        raise DataError(BINARY_MESSAGE.format(filename=filename))
    return text, encoding


#: Lines of the file named in the warning about bytes that were not valid UTF-8.
_SHOWN_LINES = 5


def _decode_damaged_utf8(data: bytes) -> str | None:
    """UTF-8 text with its few invalid bytes replaced by U+FFFD, when the file is clearly UTF-8
    (it holds more valid multi-byte characters than invalid bytes); ``None`` when it reads as a
    legacy encoding, where every accented letter is an "invalid" byte."""
    text = data.decode("utf-8", errors="replace")
    n_bad = text.count("\ufffd") - data.count(b"\xef\xbf\xbd")  # minus real U+FFFD characters
    leads = sum(data.count(bytes([byte])) for byte in range(0xC2, 0xF5))
    if n_bad <= 0 or leads - n_bad < n_bad:
        return None
    return text


def replaced_bytes_note(text: str) -> tuple[int, list[int]]:
    """How many U+FFFD replacements ``text`` holds, and the first lines (1-based) they are on."""
    lines: list[int] = []
    start = text.find("\ufffd")
    while start != -1 and len(lines) < _SHOWN_LINES:
        line = text.count("\n", 0, start) + 1
        if not lines or lines[-1] != line:
            lines.append(line)
        start = text.find("\ufffd", start + 1)
    return text.count("\ufffd"), lines


def _guess_encoding(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:_SNIFF_CHARS]).best()
    return None if best is None else str(best.encoding)


def _decode_with(data: bytes, encoding: str, filename: str) -> str:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise DataError(BINARY_MESSAGE.format(filename=filename)) from exc


def _decode_legacy(data: bytes, filename: str) -> tuple[str, str]:
    """Text that is not UTF-8: a non-Latin code page when recognised with confidence.

    charset-normalizer tells scripts apart well (Cyrillic, Greek, CJK...) but guesses poorly
    between Latin code pages on short files (it takes Latin-1 for the Baltic cp775), so Latin
    text is read as Windows-1252 (a superset of Latin-1's printable characters), falling back
    to Latin-1 for the five bytes Windows-1252 leaves undefined.
    """
    from charset_normalizer import from_bytes

    best = from_bytes(data[:_SNIFF_CHARS]).best()
    if best is not None and any(
        script in alphabet for alphabet in best.alphabets for script in _NON_LATIN_SCRIPTS
    ):
        try:
            return data.decode(str(best.encoding)), str(best.encoding)
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


_LEADING_SPACE = re.compile(r"\s*")
_LEADING_NEWLINES = re.compile(r"[\r\n]*")


def _reject_non_tables(text: str, filename: str) -> None:
    """:class:`DataError` for empty text, web pages, XML and JSON (without copying the text)."""
    start = _LEADING_SPACE.match(text)
    begin = start.end() if start else 0
    if begin == len(text):
        raise DataError(EMPTY_FILE_MESSAGE.format(filename=filename))
    head = text[begin : begin + 512].lower()
    if head.startswith(("<!doctype html", "<html")) or (
        head.startswith("<") and re.search(r"<(html|head|body)[\s>]", head)
    ):
        raise DataError(HTML_MESSAGE.format(filename=filename))
    line_end = text.find("\n", begin)
    first_line = text[begin : line_end if line_end >= 0 else len(text)]
    if head.startswith("<?xml") or (
        head.startswith("<")
        and text[-512:].rstrip().endswith(">")
        and not any(d in first_line for d in _DELIMITERS)
    ):
        raise DataError(XML_MESSAGE.format(filename=filename))
    if head.startswith(("{", "[")):
        for candidate in (text, first_line):
            try:
                value = json.loads(candidate)
            except ValueError:
                continue
            if isinstance(value, dict | list):
                raise DataError(JSON_MESSAGE.format(filename=filename))


_SEP_LINE = re.compile(r"sep=([,;\t|])[ \t]*\r?\n")


@dataclass(frozen=True)
class _Delimited:
    header: list[object]
    body: pd.DataFrame
    delimiter: str
    decimal_comma: bool
    skipped_lines: int = 0


def _read_delimited(text: str, filename: str, *, engine: Engine | None = None) -> _Delimited:
    """Parse delimited text: detect the delimiter, split off the header line, parse the rows.

    The rows are parsed with pandas' pyarrow engine (multi-threaded, several times faster on big
    files) and, if it refuses (ragged rows, which it does not pad), with the C engine. Both give
    the same table after :func:`_finish_table` (a unit test checks it). ``engine`` forces one.
    """
    blank = _LEADING_NEWLINES.match(text)
    skipped = blank.end() if blank else 0
    leading = text[:skipped].count("\n")  # blank lines before the header
    text = text[skipped:]  # no copy when there is nothing to skip
    forced = _SEP_LINE.match(text)  # Excel's "sep=;" first line names the delimiter
    if forced:
        leading += 1
        text = text[forced.end() :]
    sample = text[:_SNIFF_CHARS]
    truncated = len(text) > _SNIFF_CHARS
    if truncated and "\n" in sample:
        sample = sample[: sample.rindex("\n") + 1]
    candidates = (forced.group(1),) if forced else _DELIMITERS
    delimiter, width = _detect_delimiter(sample, truncated=truncated, candidates=candidates)
    if delimiter is None and forced:
        delimiter = forced.group(1)
    if delimiter is None:
        delimiter, width = _delimiter_from_header(sample, candidates)
    if delimiter is None:
        if not _looks_like_names([sample.split("\n", 1)[0]]):
            raise DataError(NOT_A_TABLE_MESSAGE.format(filename=filename))
        # A genuine single column: parse with a separator that does not occur in the text.
        delimiter = next((d for d in (*_DELIMITERS, "\x1f") if d not in text), "\x1f")
        width = 1

    preamble, preamble_lines = _preamble(sample, delimiter, width, filename)
    if preamble:  # title lines above the header ("Report of 1 May"): skip them
        text, sample, leading = text[preamble:], sample[preamble:], leading + preamble_lines
    header, offset = _header_record(sample, delimiter, filename)
    if truncated and offset >= len(sample):  # the header may go on beyond the sample
        header, offset = _header_record(text, delimiter, filename)
    body_text = text[offset:]
    width = max(width, len(header))
    decimal_comma = delimiter != "," and _uses_decimal_comma(sample, delimiter)
    names = [f"c{i}" for i in range(width)]
    if not body_text or body_text.isspace():
        return _Delimited(
            header, pd.DataFrame(columns=names), delimiter, decimal_comma, preamble_lines
        )

    first_row = next(
        (r for r in _records(body_text[:_SNIFF_CHARS], delimiter) if any(f.strip() for f in r)),
        [],
    )
    if len(first_row) > width:
        # pandas would silently take the extra value as a row label or drop it: refuse.
        raise _bad_line_error(text, filename, delimiter, width, leading)
    options: dict[str, Any] = {
        "sep": delimiter,
        "header": None,
        "names": names,
        "quotechar": '"',
        "na_values": _NA_VALUES,
        "keep_default_na": True,
        "decimal": "," if decimal_comma else ".",
    }
    payload = body_text.encode("utf-8")
    body: pd.DataFrame | None = None
    if engine in (None, "pyarrow"):
        try:
            body = pd.read_csv(io.BytesIO(payload), engine="pyarrow", **options)
        except Exception:  # pyarrow refuses ragged rows and some quoting: the C engine decides
            if engine == "pyarrow":
                raise
    if body is None:
        try:
            with warnings.catch_warnings():
                # A row longer than the others must be an error, never silently cut.
                warnings.simplefilter("error", pd.errors.ParserWarning)
                body = pd.read_csv(
                    io.BytesIO(payload), engine="c", index_col=False, low_memory=False, **options
                )
        except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
            unclosed = re.search(r"EOF inside string starting at row ([0-9]+)", str(exc))
            if unclosed:
                line = leading + text[:offset].count("\n") + int(unclosed.group(1)) + 1
                raise DataError(
                    UNCLOSED_QUOTE_MESSAGE.format(filename=filename, line=line)
                ) from exc
            raise _bad_line_error(text, filename, delimiter, width, leading) from exc
        except (ValueError, OverflowError, csv.Error) as exc:
            raise DataError(UNREADABLE_MESSAGE.format(filename=filename, reason=exc)) from exc
    body.columns = pd.RangeIndex(body.shape[1])
    return _Delimited(header, body, delimiter, decimal_comma, preamble_lines)


def _records(text: str, delimiter: str) -> list[list[str]]:
    """The records of ``text`` as the csv module reads them ([] if it cannot)."""
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"'))
    except csv.Error:
        return []


def _looks_like_names(fields: Sequence[str]) -> bool:
    """Whether text fields could be column names: short, a few words each (not sentences)."""
    return all(len(f.strip()) <= 64 and len(f.split()) <= 6 for f in fields)


def _delimiter_from_header(sample: str, candidates: Sequence[str]) -> tuple[str | None, int]:
    """When no delimiter splits the rows consistently: the one that splits the header line
    into the most column names, so that the rows that do not fit get a clear error."""
    line = sample.split("\n", 1)[0]
    best: tuple[str | None, int] = (None, 1)
    for delimiter in candidates:
        try:
            fields = next(csv.reader([line], delimiter=delimiter, quotechar='"'), [])
        except csv.Error:
            continue
        if len(fields) > best[1] and _looks_like_names(fields):
            best = (delimiter, len(fields))
    return best


def _preamble(sample: str, delimiter: str, width: int, filename: str) -> tuple[int, int]:
    """Length and line count of title lines above the header, or ``(0, 0)``.

    Lines count as a title when they have fewer fields than the header would need (at most
    ``width - 2``: a header one name short is a table with row labels or a trailing
    delimiter), and a line with the table's width follows within the first 10 records.
    """
    offset = lines = 0
    for _ in range(10):
        record, end = _header_record(sample[offset:], delimiter, filename)
        if len(record) >= width - 1:
            return offset, lines
        if offset + end >= len(sample):
            break
        lines += sample[offset : offset + end].count("\n")
        offset += end
    return 0, 0


def _header_record(text: str, delimiter: str, filename: str) -> tuple[list[object], int]:
    """The first record of ``text`` (quoted newlines allowed) and where the next one starts."""
    stream = io.StringIO(text, newline="")
    try:
        header: list[object] = list(next(csv.reader(stream, delimiter=delimiter, quotechar='"')))
    except (csv.Error, StopIteration) as exc:
        raise DataError(UNREADABLE_MESSAGE.format(filename=filename, reason=exc)) from exc
    return header, stream.tell()


def _detect_delimiter(
    sample: str, *, truncated: bool, candidates: Sequence[str] = _DELIMITERS
) -> tuple[str | None, int]:
    """The delimiter among ``candidates`` (comma, semicolon, tab, pipe) and the usual row width.

    csv.Sniffer proposes; each candidate is scored by how consistently it splits the first rows
    (share of rows with the most common number of fields among data rows, the header counting
    as consistent when it lacks only a trailing empty field). A candidate must give more than
    one column to at least 60% of the rows (so that a few ragged lines still get the right
    delimiter, and a clear error naming the line). Ties go to the Sniffer's choice, then to the
    order above. ``(None, 1)`` when no candidate splits the text into columns.
    """
    head = sample[:_SNIFFER_CHARS]  # csv.Sniffer's regular expressions slow down on long text
    if len(sample) > _SNIFFER_CHARS and "\n" in head:
        head = head[: head.rindex("\n") + 1]
    try:
        sniffed: str | None = csv.Sniffer().sniff(head, delimiters="".join(candidates)).delimiter
    except csv.Error:
        sniffed = None
    best: tuple[float, int, int] | None = None
    chosen: tuple[str | None, int] = (None, 1)
    for order, delimiter in enumerate(candidates):
        try:
            rows = [
                row
                for row in csv.reader(
                    io.StringIO(sample, newline=""), delimiter=delimiter, quotechar='"'
                )
                if any(field.strip() for field in row)
            ]
        except csv.Error:
            continue
        if truncated and len(rows) > 2:
            rows = rows[:-1]  # the last row may be cut in the middle
        rows = rows[: _SNIFF_ROWS + 1]
        if not rows:
            continue
        counts = [len(row) for row in rows]
        mode = Counter(counts[1:] or counts).most_common(1)[0][0]
        header_ok = counts[0] == mode or (
            counts[0] == mode - 1 and len(rows) > 1 and not rows[1][-1].strip()
        )
        consistent = (sum(c == mode for c in counts[1:]) + header_ok) / len(counts)
        if mode < 2 or consistent < 0.6:
            continue
        score = (consistent, int(delimiter == sniffed), -order)
        if best is None or score > best:
            best, chosen = score, (delimiter, mode)
    return chosen


_EU_DECIMAL = re.compile(r"[-+]?(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+),[0-9]+")
_US_DECIMAL = re.compile(r"[-+]?[0-9]+\.[0-9]+")


def _uses_decimal_comma(sample: str, delimiter: str) -> bool:
    """Whether numbers in this (non-comma-separated) text are written with a decimal comma."""
    eu = us = 0
    try:
        for row in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter, quotechar='"'):
            for field in row:
                value = field.strip()
                if _EU_DECIMAL.fullmatch(value):
                    eu += 1
                elif _US_DECIMAL.fullmatch(value):
                    us += 1
    except csv.Error:
        return False
    return eu > 0 and eu >= us


def _bad_line_error(
    text: str, filename: str, delimiter: str, width: int, leading: int
) -> DataError:
    """The :class:`DataError` naming the first line with more values than the table has columns."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"')
    try:
        for index, row in enumerate(reader):
            if index and len(row) > width:
                return DataError(
                    BAD_LINE_MESSAGE.format(
                        line=reader.line_num + leading,
                        filename=filename,
                        found=len(row),
                        expected=width,
                        delimiter=_DELIMITER_NAMES.get(delimiter, repr(delimiter)),
                    )
                )
    except csv.Error as exc:
        return DataError(UNREADABLE_MESSAGE.format(filename=filename, reason=exc))
    return DataError(
        UNREADABLE_MESSAGE.format(filename=filename, reason="the rows do not line up in columns")
    )


def _finish_table(
    header: Sequence[object], body: pd.DataFrame, *, filename: str, decimal_comma: bool
) -> pd.DataFrame:
    """Tidy values, drop empty rows and unnamed empty columns, and make names unique."""
    width = body.shape[1]
    raw_names = [_header_text(header[i]) if i < len(header) else "" for i in range(width)]
    columns = [
        _tidy_column(body.iloc[:, i], decimal_comma=decimal_comma, convert_strings=True)
        for i in range(width)
    ]
    table = pd.DataFrame(dict(enumerate(columns)), index=body.index)
    had_missing = table.isna().any()
    empty_rows = table.isna().all(axis=1) if width else pd.Series(dtype=bool)
    if width and empty_rows.any():
        table = table.loc[~empty_rows].reset_index(drop=True)
        for i in range(width):  # integers parsed as floats only because of the empty rows
            col = table[i]
            if had_missing[i] and col.dtype == np.float64 and not col.isna().any():
                values = col.to_numpy()
                if np.all(np.mod(values, 1) == 0) and np.all(np.abs(values) < 2**53):
                    table[i] = col.astype(np.int64)
    keep = [i for i in range(width) if raw_names[i] or table[i].notna().any()]
    if not keep:
        raise DataError(NO_COLUMNS_MESSAGE.format(filename=filename))
    table = table[keep]
    names, renamed = _unique_names([raw_names[i] for i in keep], positions=keep)
    table.columns = pd.Index(names, dtype=object)
    table = table.reset_index(drop=True)
    if table.empty:
        raise DataError(
            HEADER_ONLY_MESSAGE.format(filename=filename, columns=_quote_list(names, limit=8))
        )
    if renamed:
        table.attrs["renamed_columns"] = renamed
    return table


def _header_text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return " ".join(_fmt_value(value).split())


def _unique_names(
    names: Sequence[str], *, positions: Sequence[int]
) -> tuple[list[str], dict[str, str]]:
    """Blank names become ``column_<position>``, repeats ``name (2)``; renames new -> original."""
    used = {name for name in names if name}
    seen: set[str] = set()
    out: list[str] = []
    renamed: dict[str, str] = {}
    for name, position in zip(names, positions, strict=True):
        if not name:
            base, k = f"column_{position + 1}", 1
            new = base
            while new in used or new in seen:
                k += 1
                new = f"{base} ({k})"
        elif name in seen:
            k = 2
            new = f"{name} ({k})"
            while new in used or new in seen:
                k += 1
                new = f"{name} ({k})"
        else:
            new = name
        if new != name:
            renamed[new] = name
        seen.add(new)
        out.append(new)
    return out, renamed


# --------------------------------------------------------------------------------------------
# Values: cleaning, numbers, dates, yes/no
# --------------------------------------------------------------------------------------------

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
    sample = present.head(1000).astype(str)
    shaped = (
        sample.str.fullmatch(_UUID)
        | sample.str.fullmatch(_HEX_LIKE)
        | (sample.str.fullmatch(_CODE_LIKE) & sample.str.contains(r"[0-9]", regex=True))
    )
    return bool(shaped.mean() >= 0.95)


def _looks_like_free_text(present: pd.Series, n_unique: int) -> bool:
    if n_unique > 50 and n_unique > 0.5 * len(present):
        return True
    sample = present.head(1000).astype(str)
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
    word (``churn_flag``), then the last column. A column is plausible when a task can be
    inferred for it and it is not an identifier or free text.
    """
    names = [str(c) for c in df.columns]
    by_key: dict[str, int] = {}
    for i, name in enumerate(names):
        by_key.setdefault("_".join(_name_words(name)), i)
    candidates: list[int] = [by_key[k] for k in _TARGET_NAMES if k in by_key]
    candidates += [i for i, n in enumerate(names) if _TARGET_WORDS.intersection(_name_words(n))]
    if names:
        candidates.append(len(names) - 1)
    for i in dict.fromkeys(candidates):
        if _plausible_target(names[i], df.iloc[:, i]):
            return names[i]
    return None


def _plausible_target(name: str, s: pd.Series) -> bool:
    column = _analyse(name, s)
    if column.kind in ("id", "text", "constant", "datetime"):
        return False
    try:
        _infer_task(name, _tidy_column(s, decimal_comma=False, convert_strings=False))
    except DataError:
        return False
    return True


# --------------------------------------------------------------------------------------------
# Preparing a Dataset
# --------------------------------------------------------------------------------------------

_POSITIVE_WORDS: Final[frozenset[str]] = frozenset(
    {"yes", "true", "1", "y", "positive", "pos", "t"}
)

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
    (:data:`HIDDEN_EXAMPLES`), so nothing made from the Dataset holds them. Same table and seed
    give the same Dataset.
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
    target_pos = columns.index(target)
    y_clean = _tidy_column(df.iloc[:, target_pos], decimal_comma=False, convert_strings=False)
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

    replaced = _read_info(df).get("replaced_bytes", "")
    if replaced.isascii() and replaced.isdigit():
        warnings_out.append(_replaced_bytes_warning(int(replaced), _read_info(df)))

    # What to predict, and on which rows.
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
            suffix = _KEPT if column_name in include_set else _LEFT_OUT.format(column=column_name)
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
        huge = _count_unusable_numbers(column.values[keep])
        if huge:
            warnings_out.append(
                DataWarning(
                    "infinite_values",
                    column_name,
                    f"Column {column_name!r} has {huge:,} infinite or too large value"
                    f"{'s' if huge > 1 else ''} (larger than a model can hold). "
                    f"{'They are' if huge > 1 else 'It is'} treated as empty cells.",
                )
            )
        share = float(column.values[keep].isna().mean())
        if share > MISSING_WARN_FRACTION:
            warnings_out.append(
                DataWarning(
                    "missing_values",
                    column_name,
                    f"Column {column_name!r} is empty in {share:.0%} of the rows. It is kept; "
                    "the empty cells are filled in automatically, which blurs what the models "
                    "can learn from it.",
                )
            )

    copies = _copies_warning(X)
    if copies is not None:
        warnings_out.append(copies)
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
    )


#: A row counter restarts in every class: each class with at least this many rows counts from
#: 0 or 1 up to about its size.
COUNTER_MIN_CLASS_ROWS = 5
COUNTER_SLACK = 1.05


def _counts_rows_per_class(values: pd.Series, y: np.ndarray) -> bool:
    """Whether a column is a per-class row counter (``Sample Number`` 1…n in each class):
    whole numbers, never repeated within a class but repeated across classes, each class's
    run starting at 0 or 1 and ending near its row count."""
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


def _renamed_columns(df: pd.DataFrame) -> dict[str, str]:
    renamed = df.attrs.get("renamed_columns")
    if not isinstance(renamed, dict):
        return {}
    return {str(k): str(v) for k, v in renamed.items()}


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


def _quote_list(names: Sequence[str], *, limit: int = 20) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    if len(names) > limit:
        shown += f" and {len(names) - limit:,} more"
    return shown


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


#: Ways of writing yes and no, compared after trimming and in lower case (an exact list).
_YES_WORDS = frozenset({"yes", "y", "true", "t", "oui", "ja", "si", "sí"})
_NO_WORDS = frozenset({"no", "n", "false", "f", "non", "nein"})


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
                "written, not a yes/no target. Write each answer one way in the file "
                f"({spellings}) to predict yes or no.",
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
    sample = values.dropna().astype(str).head(200)
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
            sampled = pd.Series(_as_float(values).to_numpy()[rows])
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


def _count_unusable_numbers(values: pd.Series) -> int:
    """How many numbers of a column :func:`_as_float` turns into missing values (infinite, or
    beyond what float32 models can hold). Not a number column: none."""
    if not pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        return 0
    numbers = values.astype(np.float64).to_numpy()
    with np.errstate(invalid="ignore"):
        return int(np.sum(~np.isnan(numbers) & ~(np.abs(numbers) < _FLOAT32_MAX)))


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
) -> Dataset:
    """:func:`prepare_dataset` where ``left_out`` is the complete list of columns to leave out.

    ``None`` keeps the automatic choice (identifiers, personal data, leakage... left out). A list
    replaces it: flagged columns not in the list are kept (their warning stays), unflagged
    columns in the list are left out. This is how a person edits the choice on screen.
    """
    auto = prepare_dataset(df, target, name=name, sha256=sha256, task=task, seed=seed)
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
    )


def load_dataset(
    data: bytes,
    filename: str,
    target: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    task: Task | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    seed: int = 0,
) -> Dataset:
    """:func:`read_table` then :func:`prepare_dataset`, named ``filename``, hashed from ``data``."""
    df = read_table(data, filename, max_bytes=max_bytes)
    return prepare_dataset(
        df,
        target,
        name=filename,
        sha256=hashlib.sha256(data).hexdigest(),
        task=task,
        include=include,
        exclude=exclude,
        seed=seed,
    )


def load_path(
    path: str | Path,
    target: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    task: Task | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    seed: int = 0,
) -> Dataset:
    """:func:`load_dataset` on the file at ``path`` (for the command line)."""
    file = Path(path)
    try:
        size = file.stat().st_size
        if not file.is_file():
            raise DataError(NOT_A_FILE_MESSAGE.format(path=str(path), reason="it is a folder"))
        if size > max_bytes:
            raise DataError(
                TOO_LARGE_MESSAGE.format(
                    filename=file.name, size=_size_text(size), limit=_size_text(max_bytes)
                )
            )
        data = file.read_bytes()
    except FileNotFoundError as exc:
        raise DataError(NO_FILE_MESSAGE.format(path=str(path))) from exc
    except OSError as exc:
        raise DataError(NOT_A_FILE_MESSAGE.format(path=str(path), reason=exc.strerror)) from exc
    return load_dataset(
        data,
        file.name,
        target,
        max_bytes=max_bytes,
        task=task,
        include=include,
        exclude=exclude,
        seed=seed,
    )
