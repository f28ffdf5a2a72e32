"""Read a user's table: uploaded bytes become a tidy :class:`pandas.DataFrame`.

:func:`read_table` turns uploaded bytes (CSV/TSV/semicolon/pipe text in any common encoding,
Excel ``.xlsx`` or Parquet) into a tidy :class:`pandas.DataFrame`. Every problem a user can
cause raises :class:`DataError` with a message saying what is wrong and what to do; no pandas,
pyarrow or openpyxl exception escapes for bad input.

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
import csv
import io
import json
import re
import warnings
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from core.data.values import _MISSING_TOKENS, _fmt_value, _quote_list, _tidy_column
from core.errors import DataError

DEFAULT_MAX_BYTES: int = 200 * 1024 * 1024
"""Largest file :func:`read_table` accepts unless told otherwise (200 MB)."""

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
        if encoding == "utf-8 (with invalid bytes replaced)":
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
    #: Where the rows begin: characters of the text before them (blank lines, ``sep=``, title
    #: lines, the header).
    body_offset: int = 0


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
    consumed = skipped
    forced = _SEP_LINE.match(text)  # Excel's "sep=;" first line names the delimiter
    if forced:
        leading += 1
        text = text[forced.end() :]
        consumed += forced.end()
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
        consumed += preamble
    header, offset = _header_record(sample, delimiter, filename)
    if truncated and offset >= len(sample):  # the header may go on beyond the sample
        header, offset = _header_record(text, delimiter, filename)
    body_text = text[offset:]
    width = max(width, len(header))
    decimal_comma = delimiter != "," and _uses_decimal_comma(sample, delimiter)
    names = [f"c{i}" for i in range(width)]
    consumed += offset
    if not body_text or body_text.isspace():
        return _Delimited(
            header, pd.DataFrame(columns=names), delimiter, decimal_comma, preamble_lines, consumed
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
    return _Delimited(header, body, delimiter, decimal_comma, preamble_lines, consumed)


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
    header: Sequence[object],
    body: pd.DataFrame,
    *,
    filename: str,
    decimal_comma: bool,
    tidied: bool = False,
) -> pd.DataFrame:
    """Tidy values (unless ``tidied``: already done), drop empty rows and unnamed empty columns,
    and make names unique."""
    width = body.shape[1]
    raw_names = [_header_text(header[i]) if i < len(header) else "" for i in range(width)]
    columns = [
        body.iloc[:, i]
        if tidied
        else _tidy_column(body.iloc[:, i], decimal_comma=decimal_comma, convert_strings=True)
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
