"""Read a large delimited file from disk with pyarrow: millions of rows without holding its text.

:func:`read_table` decodes a whole file into one string before parsing it, which is right for an
upload (it sees every quirk at once) but costs several times the file's size in memory. For a
file of a gigabyte or more (the command line's ``python -m core run big.csv``),
:func:`read_large_path` reads the first :data:`HEAD_BYTES` with the same rules as
:func:`read_table` to learn the encoding, the delimiter, the decimal mark, title lines and the
header, then lets pyarrow's multi-threaded CSV reader parse the rows straight from the file.

Values are tidied by the same rules as :func:`read_table` (:func:`core.data.values._tidy_column`),
applied to each text column's distinct values once (pyarrow's dictionary encoding) rather than to
every row. The table is the one :func:`read_table` would give, except that text columns are
pandas categoricals (each distinct text held once, not once per row), and two readings that
:func:`read_table` makes on all values are made on the distinct ones (the same for "every value
is a number" or "is a date"). Rows must have every value: a line with fewer or more values than
the header is refused with its line number.
"""

from __future__ import annotations

import mmap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from core.data.reading import (
    _DELIMITER_NAMES,
    _NA_VALUES,
    BAD_LINE_MESSAGE,
    UNREADABLE_MESSAGE,
    _decode,
    _finish_table,
    _read_delimited,
    _reject_non_tables,
    _sniff_format,
)
from core.data.values import _tidy_column
from core.errors import DataError

#: The first bytes of the file, read with :func:`read_table`'s rules to learn how it is written.
HEAD_BYTES = 1024 * 1024
#: pyarrow parses blocks of this many bytes in parallel.
BLOCK_BYTES = 16 * 1024 * 1024

NOT_DELIMITED_MESSAGE = (
    "The file {filename!r} is {size} and not a delimited text file (it looks like {kind}). "
    "Files this large are read as CSV, TSV, semicolon or pipe separated text: export it as CSV."
)
INVALID_UTF8_MESSAGE = (
    "The file {filename!r} holds bytes that are not valid {encoding} text. Large files must "
    "be written in one encoding throughout: save it again as UTF-8 CSV."
)
SHORT_LINE_HINT = (
    " Large files are read strictly: every line must have a value for every column, empty "
    "ones too (a,,c)."
)


def read_large_path(path: Path, filename: str | None = None) -> pd.DataFrame:
    """The table in the delimited text file at ``path``, read with pyarrow (see the module's
    docstring), or :class:`DataError` saying why not. ``df.attrs["read_info"]`` says how it was
    read, with ``"reader": "pyarrow (streamed)"``."""
    name = filename or path.name
    size = path.stat().st_size
    with path.open("rb") as file:
        head = file.read(HEAD_BYTES)
    kind = _sniff_format(head, name)
    if kind != "text":
        raise DataError(
            NOT_DELIMITED_MESSAGE.format(filename=name, size=_gigabytes(size), kind=kind)
        )
    if len(head) < size and b"\n" in head:  # whole lines only: the last may be cut
        head = head[: head.rindex(b"\n") + 1]
    text, encoding = _decode(head, name)
    _reject_non_tables(text, name)
    parsed = _read_delimited(text, name)
    codec, bom = _codec(encoding)
    body_start = bom + len(text[: parsed.body_offset].encode(codec))
    width = max(parsed.body.shape[1], len(parsed.header))
    names = [f"c{i}" for i in range(width)]
    bad_rows: list[Any] = []

    def refuse(row: Any) -> str:
        bad_rows.append(row)
        return "error"

    decimal = "," if parsed.decimal_comma else "."
    try:
        with path.open("rb") as file:
            file.seek(body_start)
            table = pa_csv.read_csv(
                file,
                read_options=pa_csv.ReadOptions(
                    column_names=names, encoding=codec, block_size=BLOCK_BYTES
                ),
                parse_options=pa_csv.ParseOptions(
                    delimiter=parsed.delimiter,
                    quote_char='"',
                    newlines_in_values=True,
                    invalid_row_handler=refuse,
                ),
                convert_options=pa_csv.ConvertOptions(
                    null_values=[*_NA_VALUES, ""],
                    strings_can_be_null=True,
                    decimal_point=decimal,
                ),
            )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        if bad_rows:
            raise _bad_row(path, name, bad_rows[0], parsed.delimiter, codec) from exc
        if "UTF8" in str(exc) or isinstance(exc, UnicodeDecodeError):
            raise DataError(INVALID_UTF8_MESSAGE.format(filename=name, encoding=codec)) from exc
        reason = str(exc).splitlines()[0][:200]
        raise DataError(UNREADABLE_MESSAGE.format(filename=name, reason=reason)) from exc
    columns: dict[int, pd.Series] = {}
    for i in range(width):  # each column's Arrow buffers are let go once it is converted
        column, table = table.column(0), table.remove_column(0)
        columns[i] = _tidied(column, decimal_comma=parsed.decimal_comma)
        del column
    body = pd.DataFrame(columns, copy=False)
    del columns
    df = _finish_table(parsed.header, body, filename=name, decimal_comma=False, tidied=True)
    df.attrs["read_info"] = {
        "format": "text",
        "encoding": encoding,
        "delimiter": parsed.delimiter,
        "decimal": decimal,
        "reader": "pyarrow (streamed)",
    } | ({"skipped_title_lines": str(parsed.skipped_lines)} if parsed.skipped_lines else {})
    return df


def _codec(encoding: str) -> tuple[str, int]:
    """pyarrow's name of the encoding :func:`_decode` found, and the length of its byte-order
    mark (the head was decoded without it)."""
    base = encoding.split(" (", 1)[0]
    if "with BOM" not in encoding:
        return base, 0
    return base, {"utf-8": 3, "utf-16-le": 2, "utf-16-be": 2}.get(base, 4)


def _gigabytes(n_bytes: int) -> str:
    return f"{n_bytes / 1024**3:,.1f} GB" if n_bytes >= 1024**3 else f"{n_bytes / 1024**2:,.0f} MB"


def _tidied(column: pa.ChunkedArray, *, decimal_comma: bool) -> pd.Series:
    """One column by :func:`read_table`'s rules: text tidied once per distinct value and kept as
    a categorical (or numbers and dates, when every distinct text reads as one); other types as
    pyarrow parsed them, tidied."""
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        values = column.to_pandas(date_as_object=False, types_mapper=None)
        return _tidy_column(values, decimal_comma=decimal_comma, convert_strings=True)
    encoded = column.dictionary_encode().combine_chunks()
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    distinct = pd.Series(encoded.dictionary.to_pylist(), dtype=object)
    tidy = _tidy_column(distinct, decimal_comma=decimal_comma, convert_strings=True)
    if tidy.dtype == object:  # text: one category per distinct tidied value
        tidy_codes, categories = pd.factorize(tidy)  # missing values get -1
        lookup = np.append(tidy_codes, -1)
        return pd.Series(pd.Categorical.from_codes(lookup[codes], categories=categories))
    values = tidy.to_numpy()
    if not (codes < 0).any():
        return pd.Series(values[codes])
    if values.dtype.kind in "iu":
        values = values.astype(np.float64)  # whole numbers, but some rows have none
    missing = np.array([np.datetime64("NaT") if values.dtype.kind == "M" else np.nan])
    return pd.Series(np.concatenate([values, missing.astype(values.dtype)])[codes])


def _bad_row(path: Path, filename: str, row: Any, delimiter: str, codec: str) -> DataError:
    """The message for a line with too few or too many values, with its line number."""
    line = row.number
    if line is None:  # pyarrow does not always know it: find the line's text in the file
        with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as m:
            at = m.find(str(row.text).encode(codec, errors="replace"))
            if at >= 0:
                step = 64 * 1024 * 1024
                line = 1 + sum(m[i : min(i + step, at)].count(b"\n") for i in range(0, at, step))
    message = BAD_LINE_MESSAGE.format(
        line=line if line is not None else "?",
        filename=filename,
        found=row.actual_columns,
        expected=row.expected_columns,
        delimiter=_DELIMITER_NAMES.get(delimiter, repr(delimiter)),
    )
    if row.actual_columns < row.expected_columns:
        message += SHORT_LINE_HINT
    return DataError(message)
