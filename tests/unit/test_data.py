"""Reading, profiling and checking a user's table: hostile files in, clear errors or tidy tables."""

from __future__ import annotations

import codecs
import contextlib
import decimal
import gzip
import io
import re
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from core.data import (
    DEFAULT_MAX_BYTES,
    MIN_ROWS,
    infer_task,
    load_dataset,
    load_path,
    prepare_dataset,
    prepare_leaving_out,
    profile_table,
    profiling,
    read_table,
    reading,
    suggest_target,
)
from core.dataset import Dataset
from core.errors import DataError

# ---------------------------------------------------------------------------------------------
# Files built in code
# ---------------------------------------------------------------------------------------------


def _xlsx(rows: list[list[object]], *, extra_sheet: bool = False) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    if extra_sheet:
        workbook.create_sheet("notes").append(["ignored"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), buffer)
    return buffer.getvalue()


def _zip(name: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


XLSX = _xlsx(
    [
        ["id", "city", "", "joined", "score", "score", "active"],
        [1, "Paris", None, datetime(2024, 1, 5), 1.5, "N/A", True],
        [2, "Berlin", None, datetime(2024, 2, 6), 2, 3, False],
        [3, "Rome", None, None, None, "7", None],
        [None, None, None, None, None, None, None],
    ],
    extra_sheet=True,
)
PARQUET = _parquet(
    pd.DataFrame(
        {
            "n": [1, 2, 3],
            "label": pd.Categorical(["a", "b", "a"]),
            "when": pd.to_datetime(["2024-01-01", "2024-01-02", None]),
            "x y": [0.5, None, 1.5],
        }
    )
)
WIDE = (
    ",".join(f"c{i}" for i in range(2_000))
    + "\n"
    + "\n".join(",".join(str((r * 7 + i) % 13) for i in range(2_000)) for r in range(40))
)
INJECTION_NAMES = '<script>alert(1)</script>,=HYPERLINK("x"),年齢,price [USD],$x$\n1,2,3,4,5\n'


# ---------------------------------------------------------------------------------------------
# The hostile inputs table: (bytes, filename) -> DataError message or a tidy table
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fails:
    match: str


@dataclass(frozen=True)
class Reads:
    columns: list[str] | None = None
    shape: tuple[int, int] | None = None
    values: dict[str, list[object]] = field(default_factory=dict)
    check: Callable[[pd.DataFrame], object] | None = None


def case(id_: str, data: bytes | str, filename: str, expect: Fails | Reads, **kw: int) -> object:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return pytest.param(raw, filename, expect, kw, id=id_)


def _is_datetime(column: str) -> Callable[[pd.DataFrame], object]:
    def check(df: pd.DataFrame) -> None:
        assert pd.api.types.is_datetime64_any_dtype(df[column].dtype), df[column].dtype

    return check


HOSTILE_INPUTS = [
    # --- not a table at all --------------------------------------------------------------------
    case("empty", b"", "data.csv", Fails(r"'data.csv' is empty")),
    case("whitespace-only", b"  \r\n\t \n   ", "data.csv", Fails("is empty")),
    case(
        "utf16-bom-whitespace",
        codecs.BOM_UTF16_LE + " \n".encode("utf-16-le"),
        "a.csv",
        Fails("is empty"),
    ),
    case(
        "header-only", "a,b,c\n", "data.csv", Fails(r"column names \('a', 'b', 'c'\) but no rows")
    ),
    case("header-and-blank-lines", "a,b\r\n\r\n\r\n", "data.csv", Fails("but no rows of data")),
    case("header-and-empty-rows", "a;b\n;\n;\n", "data.csv", Fails("but no rows of data")),
    case(
        "binary-garbage",
        np.random.default_rng(0).bytes(4_096),
        "data.csv",
        Fails("looks like a binary file, not a table"),
    ),
    case("nul-bytes", b"a,b\n1,\x002\n3,4\n", "data.csv", Fails("binary file")),
    case(
        "png-named-csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "x.csv", Fails("binary file")
    ),
    case(
        "html-page",
        "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>x,y</body></html>",
        "export.csv",
        Fails(r"web page \(HTML\).*download the data itself"),
    ),
    case(
        "html-no-doctype", "  <html lang='en'><body>a,b</body></html>", "a.csv", Fails("web page")
    ),
    case("json-array", '[{"a": 1, "b": 2}, {"a": 3, "b": 4}]', "data.csv", Fails("contains JSON")),
    case("json-lines", '{"a": 1}\n{"a": 2}\n', "data.csv", Fails("contains JSON")),
    case(
        "xml",
        '<?xml version="1.0"?>\n<rows><row a="1"/><row a="2"/></rows>',
        "data.csv",
        Fails("contains XML"),
    ),
    case(
        "gzip-named-csv",
        gzip.compress(b"a,b\n1,2\n"),
        "data.csv",
        Fails(r"compressed file \(gzip\)\. Unzip it first"),
    ),
    case(
        "zip-named-csv",
        _zip("a.csv", b"a,b\n1,2\n"),
        "data.csv",
        Fails(r"compressed file \(zip\)\. Unzip it first"),
    ),
    case("pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "report.csv", Fails("PDF document")),
    case(
        "too-large",
        "a,b\n" + "1,2\n" * 500,
        "big.csv",
        Fails(r"'big.csv' is 2 KB, above the 1000 bytes limit"),
        max_bytes=1_000,
    ),
    case(
        "old-xls-magic",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512),
        "book.xls",
        Fails(r"old Excel format \(\.xls\).*save it as \.xlsx or CSV"),
    ),
    case("xls-extension", "a,b\n1,2\n", "book.XLS", Fails(r"old Excel format")),
    case(
        "corrupt-xlsx",
        b"PK\x03\x04" + bytes(200),
        "book.xlsx",
        Fails("could not be read as an Excel workbook"),
    ),
    case("truncated-xlsx", XLSX[: len(XLSX) // 2], "book.xlsx", Fails("Excel workbook")),
    case("text-named-xlsx", "a,b\n1,2\n", "book.xlsx", Fails("Excel workbook")),
    case(
        "zip-named-xlsx",
        _zip("a.csv", b"a,b\n1,2\n"),
        "book.xlsx",
        Fails("could not be read as an Excel workbook"),
    ),
    case(
        "corrupt-parquet",
        b"PAR1" + bytes(64) + b"PAR1",
        "t.parquet",
        Fails("could not be read as a Parquet file"),
    ),
    case("truncated-parquet", PARQUET[: len(PARQUET) - 20], "t.parquet", Fails("Parquet file")),
    case("text-named-parquet", "a,b\n1,2\n", "t.parquet", Fails("Parquet file")),
    case(
        "prose-not-a-table",
        "Dear team, here are the quarterly results we discussed on Monday morning.\n"
        "Revenue grew again this quarter\nThanks\n",
        "notes.txt",
        Fails("does not look like a table"),
    ),
    case(
        "ragged-line",
        "a,b\n1,2\n3,4\n5,6,7\n8,9\n",
        "data.csv",
        Fails(r"Line 4 of 'data.csv' has 3 values but the table has 2 columns.*a comma"),
    ),
    case(
        "unclosed-quote",
        'a,b\n1,2\n"x,3\n4,5\n',
        "data.csv",
        Fails(r"A value on line 3 of 'data.csv' opens a quote .* that is never closed"),
    ),
    case(
        "xlsb",
        _zip("xl/workbook.bin", b"binary"),
        "book.xlsb",
        Fails(r"binary Excel format \(\.xlsb\)"),
    ),
    # --- encodings -------------------------------------------------------------------------------
    case(
        "utf8-bom",
        codecs.BOM_UTF8 + "name,age\nJosé,31\nZoë,42\n".encode(),
        "a.csv",
        Reads(columns=["name", "age"], values={"name": ["José", "Zoë"], "age": [31, 42]}),
    ),
    case(
        "utf16-le-bom",
        codecs.BOM_UTF16_LE + "city\tpop\nMünchen\t1.5\nKöln\t1.1\n".encode("utf-16-le"),
        "a.tsv",
        Reads(columns=["city", "pop"], values={"city": ["München", "Köln"], "pop": [1.5, 1.1]}),
    ),
    case(
        "utf16-be-bom",
        codecs.BOM_UTF16_BE + "a,b\n1,x\n2,y\n".encode("utf-16-be"),
        "a.csv",
        Reads(values={"a": [1, 2], "b": ["x", "y"]}),
    ),
    case(
        "utf16-le-no-bom",
        "a,b\n1,x\n2,y\n3,z\n".encode("utf-16-le"),
        "a.csv",
        Reads(values={"b": ["x", "y", "z"]}),
    ),
    case(
        "latin-1",
        "name;city\nJosé;Zürich\nRené;Besançon\n".encode("latin-1"),
        "a.csv",
        Reads(values={"name": ["José", "René"], "city": ["Zürich", "Besançon"]}),
    ),
    case(
        "cp1252-euro",
        "item,price\nCafé,3 €\nThé,2 €\n".encode("cp1252"),
        "a.csv",
        Reads(values={"item": ["Café", "Thé"], "price": ["3 €", "2 €"]}),
    ),
    case(
        "cp1251-cyrillic",
        "город,население\nМосква,13\nКазань,1\n".encode("cp1251"),
        "a.csv",
        Reads(columns=["город", "население"], values={"город": ["Москва", "Казань"]}),
    ),
    # --- delimiters, decimals, quoting -----------------------------------------------------------
    case(
        "semicolon-decimal-comma",
        "name;weight;height\nAnna;61,5;1,68\nBen;80;1,82\nCleo;1.234,5;2\n",
        "eu.csv",
        Reads(values={"weight": [61.5, 80.0, 1234.5], "height": [1.68, 1.82, 2.0]}),
    ),
    case(
        "excel-sep-line",
        "sep=;\na;b\n1,5;x\n2;y\n",
        "eu.csv",
        Reads(columns=["a", "b"], values={"a": [1.5, 2.0]}),
    ),
    case(
        "tab",
        "a\tb\tc\n1\tx, y\t2,5\n2\tz\t3\n",
        "a.tsv",
        Reads(columns=["a", "b", "c"], values={"b": ["x, y", "z"], "c": [2.5, 3.0]}),
    ),
    case("pipe", "a|b\n1|x\n2|y\n", "a.txt", Reads(values={"a": [1, 2], "b": ["x", "y"]})),
    case(
        "crlf-trailing-blank-lines",
        "a,b\r\n1,2\r\n3,4\r\n\r\n\r\n  \r\n",
        "a.csv",
        Reads(shape=(2, 2), values={"a": [1, 3], "b": [2, 4]}),
    ),
    case(
        "title-lines-above-the-header",
        "Sales report\nRegion: North\n\nmonth;units;price\n1;20;2,5\n2;25;2,75\n",
        "report.csv",
        Reads(
            columns=["month", "units", "price"],
            values={"price": [2.5, 2.75]},
            check=lambda df: df.attrs["read_info"]["skipped_title_lines"] == "3",
        ),
    ),
    case(
        "leading-blank-lines",
        "\r\n\na,b\n1,2\n",
        "a.csv",
        Reads(columns=["a", "b"], values={"a": [1]}),
    ),
    case(
        "quoted-newline-and-delimiter",
        'name,note,n\n"Smith, J.","line one\nline two",1\n"Doe","x",2\n',
        "a.csv",
        Reads(values={"name": ["Smith, J.", "Doe"], "note": ["line one\nline two", "x"]}),
    ),
    case(
        "quoted-thousands",
        'item,amount\nA,"1,234"\nB,"12,345.5"\nC,7\n',
        "a.csv",
        Reads(values={"amount": [1234.0, 12345.5, 7.0]}),
    ),
    case(
        "trailing-delimiter-everywhere",
        "a,b,\n1,2,\n3,4,\n",
        "a.csv",
        Reads(columns=["a", "b"], values={"a": [1, 3]}),
    ),
    case(
        "trailing-delimiter-rows-only",
        "a,b\n1,2,\n3,4,\n",
        "a.csv",
        Reads(columns=["a", "b"], values={"b": [2, 4]}),
    ),
    case(
        "more-values-than-names",
        "a,b\n1,2,x\n3,4,y\n",
        "a.csv",
        Reads(columns=["a", "b", "column_3"], values={"column_3": ["x", "y"]}),
    ),
    case(
        "duplicate-headers",
        "x,x,y,x\n1,2,3,4\n",
        "a.csv",
        Reads(
            columns=["x", "x (2)", "y", "x (3)"],
            values={"x (2)": [2]},
            check=lambda df: df.attrs["renamed_columns"] == {"x (2)": "x", "x (3)": "x"},
        ),
    ),
    case(
        "blank-header",
        "a,,c, \n1,2,3,4\n",
        "a.csv",
        Reads(columns=["a", "column_2", "c", "column_4"], values={"column_2": [2]}),
    ),
    case(
        "padded-header-names",
        "  a , b  c \n1,2\n",
        "a.csv",
        Reads(columns=["a", "b c"]),
    ),
    case(
        "missing-markers",
        "a,b,c\n1,NA,x\n2,?,N/A\nnull,n/a,z\n4, ,NULL\n",
        "a.csv",
        Reads(
            values={"a": [1.0, 2.0, np.nan, 4.0], "c": ["x", np.nan, "z", np.nan]},
            check=lambda df: df["b"].isna().all(),
        ),
    ),
    case(
        "dashes-and-excel-errors-as-missing",
        "a,b,c\n-,x,1\n2,-,#DIV/0!\n3,y,2.5\n",
        "a.csv",
        Reads(values={"a": [np.nan, 2.0, 3.0], "b": ["x", "-", "y"], "c": [1.0, np.nan, 2.5]}),
    ),
    case(
        "cr-only-line-endings",
        "a,b\r1,2\r3,4\r",
        "mac.csv",
        Reads(columns=["a", "b"], values={"a": [1, 3]}),
    ),
    case(
        "one-column",
        "value\n1\n2\n3\n",
        "a.csv",
        Reads(columns=["value"], values={"value": [1, 2, 3]}),
    ),
    case(
        "one-text-column-with-commas",
        "comment\nhello, world\nfine\nok\n",
        "a.csv",
        Reads(columns=["comment"], values={"comment": ["hello, world", "fine", "ok"]}),
    ),
    case(
        "injection-and-unicode-names",
        INJECTION_NAMES,
        "a.csv",
        Reads(
            columns=["<script>alert(1)</script>", '=HYPERLINK("x")', "年齢", "price [USD]", "$x$"]
        ),
    ),
    case("very-wide", WIDE, "wide.csv", Reads(shape=(40, 2_000))),
    case(
        "mixed-types-in-a-column",
        "a,b\n1,x\n2,3\n3,4.5\n",
        "a.csv",
        Reads(values={"b": ["x", "3", "4.5"]}),
    ),
    case(
        "iso-dates",
        "day,n\n2024-01-05,1\n2024-02-29,2\n,3\n",
        "a.csv",
        Reads(check=_is_datetime("day")),
    ),
    case(
        "day-first-dates",
        "day;n\n31.01.2024;1\n29.02.2024;2\n",
        "a.csv",
        Reads(
            check=lambda df: (
                list(df["day"]) == [pd.Timestamp("2024-01-31"), pd.Timestamp("2024-02-29")]
            )
        ),
    ),
    case(
        "whitespace-around-values",
        "a,b\n 1 , yes \n2,no \n",
        "a.csv",
        Reads(values={"a": [1, 2], "b": ["yes", "no"]}),
    ),
    # --- other formats ---------------------------------------------------------------------------
    case(
        "real-xlsx",
        XLSX,
        "book.xlsx",
        Reads(
            columns=["id", "city", "joined", "score", "score (2)", "active"],
            shape=(3, 6),
            values={"city": ["Paris", "Berlin", "Rome"], "score (2)": [np.nan, 3.0, 7.0]},
            check=_is_datetime("joined"),
        ),
    ),
    case("xlsx-named-csv", XLSX, "book.csv", Reads(shape=(3, 6))),
    case(
        "real-parquet",
        PARQUET,
        "t.parquet",
        Reads(
            columns=["n", "label", "when", "x y"],
            values={"n": [1, 2, 3], "label": ["a", "b", "a"], "x y": [0.5, np.nan, 1.5]},
            check=_is_datetime("when"),
        ),
    ),
    case("parquet-named-csv", PARQUET, "t.csv", Reads(shape=(3, 4))),
]


def _same(actual: list[object], expected: list[object]) -> bool:
    if len(actual) != len(expected):
        return False
    for a, e in zip(actual, expected, strict=True):
        if isinstance(e, float) and np.isnan(e):
            if not pd.isna(a):
                return False
        elif a != e:
            return False
    return True


def test_at_least_thirty_hostile_inputs():
    assert len(HOSTILE_INPUTS) >= 30


@pytest.mark.parametrize(("raw", "filename", "expect", "kw"), HOSTILE_INPUTS)
def test_hostile_input(raw: bytes, filename: str, expect: Fails | Reads, kw: dict[str, int]):
    if isinstance(expect, Fails):
        with pytest.raises(DataError, match=expect.match):
            read_table(raw, filename, **kw)
        return
    df = read_table(raw, filename, **kw)
    if expect.columns is not None:
        assert list(df.columns) == expect.columns
    if expect.shape is not None:
        assert df.shape == expect.shape
    for column, values in expect.values.items():
        assert _same(list(df[column]), values), (column, list(df[column]))
    if expect.check is not None:
        assert expect.check(df) is not False
    assert isinstance(df.index, pd.RangeIndex)
    assert df.index.start == 0


def test_error_messages_are_plain_one_liners_without_tracebacks():
    for raw, filename in [(b"", "a.csv"), (b"a,b\n", "a.csv"), (gzip.compress(b"x"), "a.csv")]:
        with pytest.raises(DataError) as info:
            read_table(raw, filename)
        message = str(info.value)
        assert "Traceback" not in message
        assert "Error" not in message
        assert message.endswith(".")


def test_default_size_limit_is_200_megabytes():
    assert DEFAULT_MAX_BYTES == 200 * 1024 * 1024
    with pytest.raises(DataError, match=r"is 250\.5 MB, above the 200 MB limit"):
        read_table(b"a" * int(250.5 * 1024 * 1024), "huge.csv")


def test_read_info_says_how_the_file_was_read():
    df = read_table("a;b\n1,5;2\n".encode("cp1252"), "eu.csv")
    assert df.attrs["read_info"] == {
        "format": "text",
        "encoding": "utf-8",
        "delimiter": ";",
        "decimal": ",",
    }
    assert read_table(XLSX, "b.xlsx").attrs["read_info"] == {"format": "xlsx"}


# The C engine is the fallback; both engines must give the same tables.
ENGINE_CASES = [
    "a,b,c\n1,x,2024-01-05\n2,,2024-02-01\n3,z,\n",
    'a,b\n"1,234","line1\nline2"\n3,"say ""hi"""\n',
    "a;b\n1,5;2\n3,25;NA\n",
    "a,b\ntrue,1\nFalse,2\n,3\n",
    "a\tb\n 12 \t yes \n3\tno\n",
    "id,when\n1,2024-01-05 10:00:00\n2,2024-01-06 11:30:00\n",
    "x,y\n1.5,?\n2,null\n-3e2,4\n",
]


@pytest.mark.parametrize("text", ENGINE_CASES)
def test_pyarrow_and_c_engines_agree(text: str):
    tables = []
    for engine in ("pyarrow", "c"):
        parsed = reading._read_delimited(text, "a.csv", engine=engine)
        tables.append(
            reading._finish_table(
                parsed.header, parsed.body, filename="a.csv", decimal_comma=parsed.decimal_comma
            )
        )
    pd.testing.assert_frame_equal(tables[0], tables[1])


def test_large_csv_reads_fast_and_whole():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=50_000).round(4),
            "k": rng.integers(0, 100, 50_000),
            "c": rng.choice(["red", "green", "blue"], 50_000),
        }
    )
    raw = frame.to_csv(index=False).encode()
    start = time.perf_counter()
    df = read_table(raw, "big.csv")
    elapsed = time.perf_counter() - start
    assert df.shape == (50_000, 3)
    np.testing.assert_allclose(df["x"].to_numpy(), frame["x"].to_numpy())
    assert list(df["c"][:5]) == list(frame["c"][:5])
    assert elapsed < 2.0


# ---------------------------------------------------------------------------------------------
# Profiling
# ---------------------------------------------------------------------------------------------


def _profile_frame(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "customer_id": np.arange(1000, 1000 + n),
            "price": rng.uniform(1, 100, n).round(2),
            "plan": rng.choice(["basic", "pro", "team"], n),
            "active": rng.choice(["yes", "no"], n),
            "flag01": rng.integers(0, 2, n),
            "signup": [f"2024-{(i % 12) + 1:02d}-{(i % 28) + 1:02d}" for i in range(n)],
            "revenue": [f"${v:,.2f}" for v in rng.uniform(500, 5000, n)],
            "growth": [f"{v:.1f}%" for v in rng.uniform(-5, 20, n)],
            "country": ["FR"] * n,
            "comment": [
                f"Customer {i} said the onboarding was slow but support helped" for i in range(n)
            ],
            "token": [f"{i:08x}{i * 7919:08x}" for i in range(n)],
            "mixed": ["a", "b", 3] * (n // 3),
            "empty": [None] * n,
        }
    )


def test_profile_kinds_and_fields():
    profiles = {p.name: p for p in profile_table(_profile_frame())}
    kinds = {name: p.kind for name, p in profiles.items()}
    assert kinds == {
        "customer_id": "id",
        "price": "numeric",
        "plan": "categorical",
        "active": "boolean",
        "flag01": "boolean",
        "signup": "datetime",
        "revenue": "numeric",
        "growth": "numeric",
        "country": "constant",
        "comment": "text",
        "token": "id",
        "mixed": "categorical",
        "empty": "constant",
    }
    assert profiles["plan"].n_unique == 3
    assert len(profiles["plan"].examples) == 3
    assert profiles["empty"].missing_fraction == 1.0
    assert profiles["empty"].examples == ()
    assert profiles["country"].examples == ("FR",)
    assert profiles["price"].dtype == "float64"


def test_unique_measurement_is_not_an_id():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "price": rng.uniform(0, 1000, 100),
            "order_number": rng.permutation(100_000)[:100],
            "income": rng.choice(np.arange(10_000, 90_000, 7), 100, replace=False),
            "row": np.arange(100),
        }
    )
    kinds = {p.name: p.kind for p in profile_table(frame)}
    assert kinds == {"price": "numeric", "order_number": "id", "income": "numeric", "row": "id"}


def test_profile_handles_odd_columns():
    frame = pd.DataFrame(
        {
            0: [1, 2, 3],
            "cat": pd.Categorical(["a", "b", "a"]),
            "nullable": pd.array([1, None, 3], dtype="Int64"),
            "lists": [[1], [2, 3], [1]],
            "bools": pd.array([True, None, False], dtype="boolean"),
            "eu": ["1.234,5", "2,5", "3"],
            "us-dates": ["01/31/2024", "02/15/2024", "12/01/2023"],
        }
    )
    kinds = {p.name: p.kind for p in profile_table(frame)}
    assert kinds == {
        "0": "numeric",
        "cat": "categorical",
        "nullable": "numeric",
        "lists": "categorical",
        "bools": "boolean",
        "eu": "numeric",
        "us-dates": "datetime",
    }


# ---------------------------------------------------------------------------------------------
# Task inference and target suggestion
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["yes", "no"] * 20, "binary"),
        ([True, False] * 20, "binary"),
        ([0, 1] * 20, "binary"),
        (["a", "b", "c"] * 20, "multiclass"),
        ([1, 2, 3, 4, 5] * 40, "multiclass"),  # ratings on 200 rows
        ([1, 2, 3, 4, 5] * 8, "regression"),  # five values on 40 rows is too many to be classes
        (list(np.linspace(0, 1, 50)), "regression"),
        ([f"${v:,}" for v in range(1000, 41000, 1000)], "regression"),
        ([f"{v}%" for v in range(40)], "regression"),
        (["1.200,50", "3,25", "14"] * 20, "regression"),
    ],
)
def test_infer_task(values: list[object], expected: str):
    assert infer_task(pd.Series(values, name="y")) == expected


@pytest.mark.parametrize(
    ("values", "match"),
    [
        (["x"] * 40, r"Column 'y' has only one value \('x'\); a model cannot learn from it"),
        ([None] * 40, "Column 'y' is empty"),
        (
            [f"Comment number {i}: the product is great" for i in range(950)],
            r"Column 'y' has 950 different values: it looks like free text",
        ),
        ([f"c{i % 60}" for i in range(600)], r"60 different values; at most 50 classes"),
        (["2024-01-01", "2024-02-01", "2024-03-01"] * 20, "holds dates"),
    ],
)
def test_infer_task_rejects(values: list[object], match: str):
    with pytest.raises(DataError, match=match):
        infer_task(pd.Series(values, name="y"))


def test_suggest_target():
    frame = _profile_frame()
    assert suggest_target(frame) is None  # last column is empty: nothing plausible
    assert suggest_target(frame.assign(Churn=["yes", "no"] * 30)) == "Churn"
    assert suggest_target(frame.assign(is_target=[1, 0] * 30)) == "is_target"
    assert suggest_target(frame[["price", "plan"]]) == "plan"
    assert suggest_target(frame[["plan", "customer_id"]]) is None
    assert suggest_target(pd.DataFrame()) is None


# ---------------------------------------------------------------------------------------------
# prepare_dataset
# ---------------------------------------------------------------------------------------------


def _table(n: int = 200, seed: int = 0) -> pd.DataFrame:
    """A plain, clean table: two numbers, a category and a yes/no target that depends on them."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.normal(size=n)
    colour = rng.choice(["red", "green", "blue"], n)
    noise = rng.normal(scale=1.0, size=n)
    churn = np.where(x1 + 0.5 * x2 + noise > 0, "yes", "no")
    return pd.DataFrame({"x1": x1, "x2": x2, "colour": colour, "churn": churn})


def _codes(ds: Dataset, code: str) -> list[str | None]:
    return [w.column for w in ds.warnings if w.code == code]


def test_clean_table_gives_a_consistent_dataset():
    df = _table()
    ds = prepare_dataset(df, "churn", name="t.csv")
    assert ds.task == "binary"
    assert ds.classes == ("no", "yes")
    assert ds.positive_class == "yes"
    assert ds.y.dtype == np.int64
    assert list(ds.y[:10]) == [int(v == "yes") for v in df["churn"][:10]]
    assert list(ds.X.columns) == ["x1", "x2", "colour"]
    assert ds.numeric_features == ("x1", "x2")
    assert ds.categorical_features == ("colour",)
    assert ds.X["colour"].dtype == object
    assert ds.X["x1"].dtype == np.float64
    assert ds.feature_origin == {"x1": "x1", "x2": "x2", "colour": "colour"}
    assert ds.warnings == ()
    assert ds.excluded == {}
    assert ds.n_columns == 4
    assert ds.n_rows == 200
    assert ds.row_ids.tolist() == list(range(200))
    assert len(ds.profiles) == 4
    assert ds.name == "t.csv"
    assert len(ds.sha256) == 64
    assert ds.used_columns == ("x1", "x2", "colour")


def test_dataset_works_with_sklearn_preprocessing():
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder

    df = _table()
    df.loc[::7, "colour"] = None
    ds = prepare_dataset(df, "churn")
    for encoder in (
        make_pipeline(
            SimpleImputer(strategy="constant", fill_value="(missing)"),
            OneHotEncoder(handle_unknown="infrequent_if_exist", sparse_output=False),
        ),
        OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1),
    ):
        transformer = ColumnTransformer([("c", encoder, list(ds.categorical_features))])
        assert transformer.fit_transform(ds.X).shape[0] == ds.n_rows


def test_missing_target_names_close_matches():
    with pytest.raises(
        DataError, match=r"There is no column 'Churn' in the table\. Did you mean 'churn'\?"
    ):
        prepare_dataset(_table(), "Churn")
    wide = pd.DataFrame({f"feature_{i}": [0] for i in range(40)})
    with pytest.raises(DataError, match=r"The columns are: 'feature_0', .* and 20 more\.$"):
        prepare_dataset(wide, "zzz")


def test_constant_target():
    df = _table().assign(churn="no")
    with pytest.raises(
        DataError, match=r"Column 'churn' has only one value \('no'\).*Choose another target"
    ):
        prepare_dataset(df, "churn")


def test_too_few_rows():
    with pytest.raises(DataError, match=rf"The table has 12 rows; at least {MIN_ROWS} are needed"):
        prepare_dataset(_table(12), "churn")


def test_rows_without_target_are_dropped_with_a_warning():
    df = _table(100)
    df.loc[[3, 5, 7], "churn"] = None
    df.loc[9, "churn"] = "N/A"
    ds = prepare_dataset(df, "churn")
    assert ds.n_rows == 96
    assert 3 not in ds.row_ids
    assert 9 not in ds.row_ids
    assert ds.row_ids[-1] == 99
    message = next(w.message for w in ds.warnings if w.code == "missing_target")
    assert message.startswith("4 rows have no value in 'churn' and were left out (96 rows remain)")


def test_too_few_rows_with_a_target():
    df = _table(40)
    df.loc[:20, "churn"] = None
    with pytest.raises(DataError, match=r"Only 19 of the 40 rows have a value in 'churn'"):
        prepare_dataset(df, "churn")


def test_rare_class_is_an_error_naming_the_class():
    df = _table(60)
    df.loc[0, "churn"] = "maybe"
    with pytest.raises(
        DataError, match=r"class 'maybe' has only 1 row\b.*merge 'maybe' into a similar class"
    ):
        prepare_dataset(df, "churn")


def test_rare_and_imbalanced_classes_warn():
    df = _table(200)
    df["churn"] = ["no"] * 190 + ["yes"] * 3 + ["maybe"] * 7
    ds = prepare_dataset(df, "churn")
    assert ds.task == "multiclass"
    assert ds.classes == ("maybe", "no", "yes")
    assert _codes(ds, "rare_class") == ["churn"]
    imbalance = next(w.message for w in ds.warnings if w.code == "class_imbalance")
    assert "'yes' is only 1.5% of the rows" in imbalance
    assert "balanced accuracy or ROC AUC" in imbalance


@pytest.mark.parametrize(
    ("counts", "classes", "positive"),
    [
        ({"No": 40, "Yes": 20}, ("No", "Yes"), "Yes"),
        ({"Yes": 40, "No": 20}, ("No", "Yes"), "Yes"),  # recognised even as the majority
        ({True: 40, False: 20}, ("False", "True"), "True"),
        ({1: 40, 0: 20}, ("0", "1"), "1"),
        ({1.0: 40, 0.0: 20}, ("0", "1"), "1"),
        ({"neg": 40, "pos": 20}, ("neg", "pos"), "pos"),
        ({"benign": 40, "malignant": 20}, ("benign", "malignant"), "malignant"),  # the minority
        ({"malignant": 40, "benign": 20}, ("malignant", "benign"), "benign"),
        ({"b": 30, "a": 30}, ("a", "b"), "b"),  # a tie: the second in sorted order
    ],
)
def test_positive_class(counts: dict[object, int], classes: tuple[str, ...], positive: str):
    labels = [label for label, n in counts.items() for _ in range(n)]
    df = _table(60).drop(columns="churn").assign(target=labels)
    ds = prepare_dataset(df, "target")
    assert ds.task == "binary"
    assert ds.classes == classes
    assert ds.positive_class == positive
    assert int(ds.y.sum()) == sum(
        n for label, n in counts.items() if str(label) in (positive, "1.0")
    )


def test_multiclass_numbers_sort_by_value():
    df = _table(400).drop(columns="churn")
    df["stars"] = [1, 2, 10, 3] * 100
    ds = prepare_dataset(df, "stars")
    assert ds.task == "multiclass"
    assert ds.classes == ("1", "2", "3", "10")


def test_money_target_is_regression():
    df = _table(60).drop(columns="churn")
    df["amount"] = [f"${1000 + 37 * i:,}" for i in range(60)]
    df.loc[5, "amount"] = "(1,200)"
    ds = prepare_dataset(df, "amount")
    assert ds.task == "regression"
    assert ds.y.dtype == np.float64
    assert ds.y[0] == 1000.0
    assert ds.y[30] == 2110.0
    assert ds.y[5] == -1200.0
    assert ds.classes == ()
    assert ds.positive_class is None


@pytest.mark.parametrize(
    ("task", "column", "match"),
    [
        (
            "regression",
            "churn",
            r"Column 'churn' does not hold numbers \(e\.g\. '(yes|no)', '(yes|no)'\)",
        ),
        ("binary", "three", r"has 3 different values .*a 'binary' task needs exactly 2"),
        ("multiclass", "churn", r"only 2 different values .*choose 'binary'"),
        ("multiclass", "x1", r"200 different values; at most 50 classes"),
        ("ordinal", "churn", r"The 'task' must be one of 'binary', 'multiclass', 'regression'"),
    ],
)
def test_task_override_errors(task: str, column: str, match: str):
    df = _table().assign(three=["a", "b", "c", "a"] * 50)
    with pytest.raises(DataError, match=match):
        prepare_dataset(df, column, task=task)  # type: ignore[arg-type]


def test_task_override_accepted():
    df = _table().assign(score=[1, 2, 3, 4] * 50)
    assert prepare_dataset(df, "score", task="regression").task == "regression"
    assert prepare_dataset(df, "score").task == "multiclass"


def test_id_column_dropped_by_default_and_kept_on_request():
    df = _table().assign(CustomerID=[f"C-{i:05d}" for i in range(200)], row=np.arange(200))
    ds = prepare_dataset(df, "churn")
    assert ds.excluded == {"CustomerID": "id_column", "row": "id_column"}
    assert "CustomerID" not in ds.used_columns
    message = next(w.message for w in ds.warnings if w.column == "CustomerID")
    assert "looks like an identifier" in message
    assert "take it off the columns left out" in message
    assert "--include" not in message
    assert "command line" not in message
    kept = prepare_dataset(df, "churn", include=["CustomerID"])
    assert "CustomerID" in kept.used_columns
    assert kept.excluded == {"row": "id_column"}
    assert "CustomerID" in kept.categorical_features
    message = next(w.message for w in kept.warnings if w.column == "CustomerID")
    assert message.endswith("It was kept because you asked to include it.")


def test_leakage_detected_in_copies_of_the_target():
    df = _table(300)
    df["churn_copy"] = df["churn"].map({"yes": "Churned", "no": "Stayed"})
    df["cancel_date_known"] = np.where(df["churn"] == "yes", 1.0, np.nan)
    df["refund"] = np.where(df["churn"] == "yes", 17.5, 0.0) + 0  # a number mapping exactly
    ds = prepare_dataset(df, "churn")
    assert ds.excluded == {
        "churn_copy": "leakage",
        "cancel_date_known": "constant_column",
        "refund": "leakage",
    }
    message = next(w.message for w in ds.warnings if w.column == "churn_copy")
    assert "on its own predicts 'churn' almost perfectly (balanced accuracy 1.000" in message
    assert ds.used_columns == ("x1", "x2", "colour")


def test_leakage_in_regression_and_genuine_predictors_kept():
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"size": rng.uniform(20, 200, 400), "rooms": rng.integers(1, 6, 400)})
    df["price"] = 3000 * df["size"] + rng.normal(0, 60_000, 400)
    df["price_eur"] = df["price"] * 0.92
    ds = prepare_dataset(df, "price")
    assert ds.excluded == {"price_eur": "leakage"}
    assert re.search(r"almost perfectly \(R² (0\.99\d|1\.000) on rows", ds.warnings[0].message)
    assert ds.used_columns == ("size", "rooms")


def test_leakage_check_is_fast():
    rng = np.random.default_rng(0)
    n, k = 10_000, 30
    df = pd.DataFrame(rng.normal(size=(n, k)), columns=[f"x{i}" for i in range(k)])
    df["colour"] = rng.choice(["red", "green", "blue", "grey"], n)
    df["target"] = np.where(df["x0"] + rng.normal(size=n) > 0, "a", "b")
    start = time.perf_counter()
    ds = prepare_dataset(df, "target")
    assert time.perf_counter() - start < 2.0
    assert ds.excluded == {}


@pytest.mark.parametrize(
    ("column", "values", "why"),
    [
        ("email", ["someone@example.com"] * 60, "its name says so"),
        ("Last Name", ["Smith", "Jones"] * 30, "its name says so"),
        ("name", ["Ann", "Bob", "Cy"] * 20, "its name says so"),
        ("customer_name", ["Ann", "Bob", "Cy"] * 20, "its name says so"),
        ("phoneNumber", ["1", "2"] * 30, "its name says so"),
        ("date_of_birth", ["1990-01-01", "1985-05-05"] * 30, "its name says so"),
        ("contact", [f"user{i % 9}@mail.example.org" for i in range(60)], "e-mail addresses"),
        ("reach", [f"+1 (555) 01{i % 10}-12{i % 7}4" for i in range(60)], "phone numbers"),
        (
            "ref_a",
            [f"{100 + i % 5}-{10 + i % 9}-{1000 + i % 7}" for i in range(60)],
            "social security",
        ),
        ("host", [f"10.0.{i % 4}.{i % 250}" for i in range(60)], "IP addresses"),
        ("acct", ["DE89 3704 0044 0532 0130 00", "GB29NWBK60161331926819"] * 30, "IBAN"),
        ("card", ["4111 1111 1111 1111", "5500-0000-0000-0004"] * 30, "credit card numbers"),
    ],
)
def test_personal_data_excluded(column: str, values: list[str], why: str):
    df = _table(60).assign(**{column: values})
    ds = prepare_dataset(df, "churn")
    assert ds.excluded[column] == "personal_data"
    message = next(w.message for w in ds.warnings if w.column == column)
    assert "seems to hold personal data (" in message
    assert why in message


@pytest.mark.parametrize(
    ("left_out", "used", "excluded"),
    [
        (None, {"x1", "x2", "colour"}, {"email": "personal_data"}),
        (["email"], {"x1", "x2", "colour"}, {"email": "personal_data"}),
        ([], {"x1", "x2", "colour", "email"}, {}),
        (["x2"], {"x1", "colour", "email"}, {"x2": "user_excluded"}),
        (
            ["email", "colour", "churn"],
            {"x1", "x2"},
            {"email": "personal_data", "colour": "user_excluded"},
        ),
    ],
)
def test_prepare_leaving_out_takes_the_final_list(left_out, used, excluded):
    df = _table(60).assign(email=[f"user{i}@example.com" for i in range(60)])
    ds = prepare_leaving_out(df, "churn", left_out)
    assert set(ds.used_columns) == used
    assert ds.excluded == excluded
    assert "email" in [w.column for w in ds.warnings]  # a kept flagged column keeps its warning


@pytest.mark.parametrize(
    ("column", "values"),
    [
        ("product_name", ["a", "b", "c"] * 20),
        ("filename", ["a", "b", "c"] * 20),
        ("tel_aviv_visits", ["a", "b", "c"] * 20),
        ("hotel", ["a", "b", "c"] * 20),
        ("email_opened", ["a", "b", "c"] * 20),
        ("is_mobile", ["yes", "no"] * 30),
        ("zip4", ["12345-6789", "02134-1234", "90210-0001"] * 20),
    ],
)
def test_not_personal_data(column: str, values: list[str]):
    df = _table(60).assign(**{column: values})
    assert column not in prepare_dataset(df, "churn").excluded


def test_missingness_warning_and_constant_column_dropped():
    df = _table(100).assign(
        country="FR",
        sparse=np.where(np.arange(100) % 2 == 0, np.arange(100) / 7, np.nan),
        has_pet=np.where(np.arange(100) % 3 == 0, "yes", None),
    )
    ds = prepare_dataset(df, "churn")
    assert ds.excluded == {"country": "constant_column", "has_pet": "constant_column"}
    messages = {w.column: w.message for w in ds.warnings}
    assert "has the same value in every row ('FR')" in messages["country"]
    assert "If an empty cell means something" in messages["has_pet"]
    assert _codes(ds, "missing_values") == ["sparse"]
    message = next(w.message for w in ds.warnings if w.code == "missing_values")
    assert "is empty in 50% of the rows. It is kept" in message
    assert "sparse" in ds.numeric_features


def test_infinite_and_too_large_numbers_are_said_and_become_empty():
    values = np.arange(100) / 7
    values[[3, 50]] = [np.inf, -np.inf]
    values[70] = 1e300  # beyond float32: tree models would refuse it
    values[80] = np.nan  # an empty cell is not counted
    df = _table(100).assign(reading=values, ok=np.arange(100) / 3)
    ds = prepare_dataset(df, "churn")
    assert _codes(ds, "infinite_values") == ["reading"]
    message = next(w.message for w in ds.warnings if w.code == "infinite_values")
    assert "has 3 infinite or too large values" in message
    assert "treated as empty cells" in message
    assert ds.X["reading"].isna().sum() == 4
    one = _table(100).assign(reading=np.where(np.arange(100) == 9, np.inf, np.arange(100) % 10.0))
    assert "has 1 infinite or too large value (" in next(
        w.message for w in prepare_dataset(one, "churn").warnings if w.code == "infinite_values"
    )


def test_copies_of_rows_are_said_when_there_are_many():
    rng = np.random.default_rng(0)
    base = pd.DataFrame({"x": rng.normal(size=100), "y": rng.normal(size=100)})
    base["churn"] = np.where(rng.random(100) < 0.5, "yes", "no")
    stacked = pd.concat([base] * 10, ignore_index=True)  # 100 distinct rows, each 10 times
    ds = prepare_dataset(stacked, "churn")
    (message,) = [w.message for w in ds.warnings if w.code == "duplicate_rows"]
    assert message.startswith("900 rows (90%) are exact copies of another row in every column")
    assert "(100 rows appear more than once)" in message
    assert "kept together, on one side of the split" in message
    # A few incidental copies (under 1% of the rows) are no news.
    few = pd.concat([base, base.iloc[:0]], ignore_index=True)
    assert _codes(prepare_dataset(few, "churn"), "duplicate_rows") == []
    one_copy = pd.concat([base] * 3 + [base.iloc[:1]], ignore_index=True)
    assert len(_codes(prepare_dataset(one_copy, "churn"), "duplicate_rows")) == 1


def test_a_row_counter_within_each_class_is_left_out():
    rng = np.random.default_rng(1)
    species = np.repeat(["setosa", "versicolor", "virginica"], [40, 50, 45])
    counter = np.concatenate([np.arange(1, 41), np.arange(1, 51), np.arange(1, 46)])
    df = pd.DataFrame(
        {
            "Sample Number": counter,
            "petal": rng.normal(size=len(species)),
            "visits": rng.integers(0, 4, len(species)),  # whole numbers that repeat: a feature
            "species": species,
        }
    )
    ds = prepare_dataset(df, "species")
    assert _codes(ds, "row_counter") == ["Sample Number"]
    assert ds.excluded["Sample Number"] == "row_counter"
    message = next(w.message for w in ds.warnings if w.code == "row_counter")
    assert "numbers the rows within each value of 'species' (1, 2, 3… again" in message
    assert {"petal", "visits"} <= set(ds.used_columns)
    kept = prepare_dataset(df, "species", include=["Sample Number"])
    assert "Sample Number" in kept.used_columns  # the user may keep it, said so
    # A counter over the whole table is an identifier, not a counter per class.
    whole = df.assign(**{"Sample Number": np.arange(len(df))})
    assert _codes(prepare_dataset(whole, "species"), "row_counter") == []


def test_copy_groups_number_identical_rows_alike():
    from core.dataset import copy_groups

    rng = np.random.default_rng(0)
    reading = rng.normal(size=30)
    X = pd.DataFrame({"a": np.r_[reading, reading[:5]], "b": ["x"] * 35})
    X.loc[[0, 30], "a"] = np.nan  # a missing value counts alike in both copies
    groups = copy_groups(X)
    assert all(groups[i] == groups[30 + i] for i in range(5))
    assert len(set(groups)) == 30
    # Many customers alike in a few categories are not copies of one record: no groups.
    plans = pd.DataFrame({"plan": rng.choice(["basic", "plus"], 500), "region": "north"})
    assert len(set(copy_groups(plans))) == 500
    assert _codes(prepare_dataset(plans.assign(churn=rng.choice(["y", "n"], 500)), "churn"),
                  "duplicate_rows") == []  # fmt: skip


def test_a_file_without_a_header_row_is_said():
    from sklearn.datasets import load_iris

    iris = load_iris(as_frame=True).frame
    headerless = iris.to_csv(index=False, header=False).encode()
    table = read_table(headerless, "iris.csv")
    ds = prepare_dataset(table, str(table.columns[-1]))
    message = next(w.message for w in ds.warnings if w.code == "no_header")
    assert message.startswith("5 of the 5 column names are numbers ('5.1', '3.5', '1.4', …)")
    assert "may have no header row" in message
    with_header = read_table(iris.to_csv(index=False).encode(), "iris.csv")
    assert "no_header" not in [w.code for w in prepare_dataset(with_header, "target").warnings]
    years = _table(60).assign(**{"2023": np.arange(60) % 5, "2024": np.arange(60) % 7})
    assert "no_header" not in [w.code for w in prepare_dataset(years, "churn").warnings]


def test_yes_and_no_written_several_ways_are_said():
    answers = np.array(["N", "No", "YES", "Yes", "no", "y", "yes"])
    df = _table(140).assign(churn=answers[np.arange(140) % 7])
    ds = prepare_dataset(df, "churn")
    assert ds.task == "multiclass"  # as written: the warning says so and how to fix it
    message = next(w.message for w in ds.warnings if w.code == "yes_no_spellings")
    assert "look like yes and no written 7 ways" in message
    assert "'YES', 'Yes', 'y', 'yes' are yes; 'N', 'No', 'no' are no" in message
    three_sizes = _table(90).assign(churn=np.array(["S", "M", "L"])[np.arange(90) % 3])
    assert "yes_no_spellings" not in [
        w.code for w in prepare_dataset(three_sizes, "churn").warnings
    ]
    plain = _table(90).assign(churn=np.array(["yes", "no"])[np.arange(90) % 2])
    assert "yes_no_spellings" not in [w.code for w in prepare_dataset(plain, "churn").warnings]


def test_yes_and_no_written_several_ways_are_read_as_yes_and_no_when_asked():
    answers = np.array(["N", "No", "YES", "Yes", "no", "y", "yes", None], dtype=object)
    df = _table(160).assign(churn=answers[np.arange(160) % 8])
    ds = prepare_dataset(df, "churn", yes_no=True)
    assert ds.task == "binary"
    assert ds.classes == ("no", "yes")
    assert ds.positive_class == "yes"
    assert ds.n_rows == 140  # a missing answer stays missing, and its row is left out
    codes = [w.code for w in ds.warnings]
    assert "yes_no_read" in codes
    assert "yes_no_spellings" not in codes
    said = next(w.message for w in ds.warnings if w.code == "yes_no_read")
    assert "written 7 ways; they are read as yes ('YES', 'Yes', 'y', 'yes') and no" in said
    rows = ds.row_ids
    written = df["churn"].to_numpy()[rows]
    yes = np.isin(written, ["YES", "Yes", "y", "yes"])
    assert (ds.y == yes.astype(int)).all()  # every row read the way its spelling says
    # The same choice on anything else changes nothing: a plain yes/no, sizes, a mixed target.
    for values in (["yes", "no"], ["S", "M", "L"], ["yes", "no", "maybe"]):
        other = _table(90).assign(churn=np.array(values)[np.arange(90) % len(values)])
        read, plain = prepare_dataset(other, "churn", yes_no=True), prepare_dataset(other, "churn")
        assert (read.task, read.classes, read.warnings) == (
            plain.task,
            plain.classes,
            plain.warnings,
        )
        assert (read.y == plain.y).all()
    kept = prepare_leaving_out(df, "churn", ["x1"], yes_no=True)
    assert kept.task == "binary"


def test_rows_in_date_order_are_said_and_a_shuffled_table_is_not():
    days = pd.date_range("2024-01-01", periods=120, freq="D").strftime("%Y-%m-%d")
    df = _table(120).assign(day=days)
    ds = prepare_dataset(df, "churn")
    said = next(w.message for w in ds.warnings if w.code == "time_ordered")
    assert "in the order of 'day' (from 2024-01-01 to 2024-04-29)" in said
    assert "Hold out the latest rows for testing instead" in said
    assert (ds.time_column, ds.time_descending) == ("day", False)
    newest = prepare_dataset(df.iloc[::-1].reset_index(drop=True), "churn")
    assert (newest.time_column, newest.time_descending) == ("day", True)
    assert "newest first" in next(w.message for w in newest.warnings if w.code == "time_ordered")
    late = df.copy()
    late.loc[[10, 11], "day"] = late.loc[[11, 10], "day"].to_numpy()  # a late entry or two
    assert prepare_dataset(late, "churn").time_column == "day"
    shuffled = prepare_dataset(df.sample(frac=1, random_state=0).reset_index(drop=True), "churn")
    assert shuffled.time_column is None
    assert "time_ordered" not in [w.code for w in shuffled.warnings]
    few = _table(120).assign(day=np.repeat(["2024-01-01", "2024-02-01", "2024-03-01"], 40))
    assert prepare_dataset(few, "churn").time_column is None  # three dates say little


def test_datetime_expanded_into_parts():
    df = _table(60)
    df["signup"] = pd.date_range("2023-11-25 08:00", periods=60, freq="37h").strftime(
        "%d/%m/%Y %H:%M"
    )
    ds = prepare_dataset(df, "churn")
    parts = [c for c in ds.X.columns if c.startswith("signup__")]
    assert parts == [
        "signup__year",
        "signup__month",
        "signup__day",
        "signup__weekday",
        "signup__hour",
    ]
    assert all(ds.feature_origin[p] == "signup" for p in parts)
    assert set(parts) <= set(ds.numeric_features)
    assert ds.X.loc[0, "signup__day"] == 25.0
    assert ds.X.loc[0, "signup__hour"] == 8.0
    assert "signup" in ds.used_columns
    assert "signup" not in ds.X.columns
    dates_only = prepare_dataset(
        _table(60).assign(day=pd.date_range("2024-01-01", periods=60)), "churn"
    )
    assert [c for c in dates_only.X.columns if c.startswith("day__")] == [
        "day__month",
        "day__day",
        "day__weekday",
    ]


def test_booleans_and_numeric_strings_become_floats():
    df = _table(60).assign(
        member=["Yes", "No", None] * 20,
        spend=["$1,200", "€3.5", "(£7)"] * 20,
        share=["12%", "7.5%", None] * 20,
    )
    ds = prepare_dataset(df, "churn")
    assert ds.X["member"].tolist()[:2] == [1.0, 0.0]
    assert np.isnan(ds.X["member"][2])
    assert ds.X["spend"].tolist()[:3] == [1200.0, 3.5, -7.0]
    assert ds.X["share"].tolist()[:2] == [12.0, 7.5]
    assert {"member", "spend", "share"} <= set(ds.numeric_features)


def test_free_text_dropped():
    df = _table(120).assign(
        review=[f"Review {i}: delivery was late and the box was damaged" for i in range(120)]
    )
    ds = prepare_dataset(df, "churn")
    assert ds.excluded == {"review": "free_text"}
    assert "cannot use free text" in next(w.message for w in ds.warnings if w.column == "review")


def test_safe_names_stay_distinct_and_point_to_originals():
    names = [
        "a b",
        "a_b",
        "x[1]",
        "x_1_",
        "<script>alert(1)</script>",
        "$x$",
        "price [USD]",
        "年齢",
        "性別",
        "1st",
        "",
        "Âge",
    ]
    rng = np.random.default_rng(0)
    df = pd.DataFrame({n: rng.normal(size=60) for n in names})
    df["target"] = rng.choice(["p", "q"], 60)
    ds = prepare_dataset(df, "target")
    safe = list(ds.X.columns)
    assert len(set(safe)) == len(names)
    assert all(re.fullmatch(r"[A-Za-z_][0-9A-Za-z_]*", s) for s in safe)
    assert [ds.feature_origin[s] for s in safe] == names
    assert safe[:4] == ["a_b", "a_b_2", "x_1_", "x_1__2"]
    assert safe[9:] == ["f_1st", "f_", "Age"]


def test_include_exclude_validation():
    df = _table()
    with pytest.raises(
        DataError, match=r"Unknown column in exclude: 'colur'\. Did you mean 'colour'\?"
    ):
        prepare_dataset(df, "churn", exclude=["colur"])
    with pytest.raises(
        DataError, match=r"Unknown columns in include: 'a', 'b'\..*The columns are: 'x1'"
    ):
        prepare_dataset(df, "churn", include=["a", "b"])
    with pytest.raises(DataError, match=r"'churn' is the target .*cannot also be excluded"):
        prepare_dataset(df, "churn", exclude=["churn"])
    with pytest.raises(DataError, match=r"'churn' is the target .*cannot also be a feature"):
        prepare_dataset(df, "churn", include=["churn"])
    with pytest.raises(DataError, match=r"Column 'x1' is both in include and in exclude"):
        prepare_dataset(df, "churn", include=["x1"], exclude=["x1"])
    ds = prepare_dataset(df, "churn", exclude="colour")  # one name as a plain string
    assert ds.excluded == {"colour": "user_excluded"}
    assert ds.used_columns == ("x1", "x2")
    assert prepare_dataset(df, "churn", include=None, exclude=None).used_columns == (
        "x1",
        "x2",
        "colour",
    )  # type: ignore[arg-type]


def test_no_feature_left_explains_how_to_include():
    df = pd.DataFrame({"user_id": np.arange(50), "target": ["a", "b"] * 25})
    with pytest.raises(
        DataError,
        match=r"No column is left to learn from: 'user_id' \(an identifier\)\. To use one of "
        r"them anyway \(e\.g\. 'user_id'\), take it off the columns left out\.",
    ):
        prepare_dataset(df, "target")
    with pytest.raises(DataError, match=r"has only the column 'target'"):
        prepare_dataset(df[["target"]], "target")
    with pytest.raises(DataError, match="Exclude fewer columns"):
        prepare_dataset(_table(), "churn", exclude=["x1", "x2", "colour"])


def test_duplicate_column_names_in_a_frame():
    df = pd.DataFrame([[1, 2, "a"]] * 40, columns=["x", "x", "t"])
    with pytest.raises(DataError, match="several columns named 'x'"):
        prepare_dataset(df, "t")


def test_renamed_columns_from_the_file_are_reported():
    text = "v,v,,target\n" + "".join(f"{i},{i * 2 % 7},{i % 3},{'ab'[i % 2]}\n" for i in range(40))
    ds = load_dataset(text.encode(), "dup.csv", "target")
    renamed = {w.column: w.message for w in ds.warnings if w.code == "renamed_column"}
    assert set(renamed) == {"v (2)", "column_3"}
    assert renamed["v (2)"] == (
        "The file has more than one column named 'v'; this one is called 'v (2)' here."
    )
    assert renamed["column_3"] == "A column of the file has no name; it is called 'column_3' here."


def test_skipped_title_lines_are_reported():
    text = "Export of 1 May\n" + _table(40).to_csv(index=False)
    ds = load_dataset(text.encode(), "export.csv", "churn")
    assert [w.message for w in ds.warnings if w.code == "title_lines"] == [
        "The first line of the file was skipped: it looked like a title above the table, not "
        "part of it."
    ]


def test_determinism():
    df = _table(500).assign(colour2=lambda d: d["colour"].str.upper())
    first, second = prepare_dataset(df, "churn", seed=3), prepare_dataset(df, "churn", seed=3)
    pd.testing.assert_frame_equal(first.X, second.X)
    np.testing.assert_array_equal(first.y, second.y)
    assert (first.warnings, first.excluded, first.sha256) == (
        second.warnings,
        second.excluded,
        second.sha256,
    )
    assert first.sha256 == prepare_dataset(df.copy(), "churn").sha256


def test_load_dataset_and_load_path(tmp_path: Path):
    df = _table(80)
    raw = df.to_csv(index=False, sep=";", decimal=",").encode("cp1252")
    ds = load_dataset(raw, "eu.csv", "churn", exclude=["colour"])
    assert ds.name == "eu.csv"
    assert ds.used_columns == ("x1", "x2")
    np.testing.assert_allclose(ds.X["x1"].to_numpy(), df["x1"].to_numpy())
    import hashlib

    assert ds.sha256 == hashlib.sha256(raw).hexdigest()
    path = tmp_path / "eu.csv"
    path.write_bytes(raw)
    from_path = load_path(path, "churn", exclude=["colour"])
    assert from_path.sha256 == ds.sha256
    assert from_path.name == "eu.csv"
    with pytest.raises(DataError, match="There is no file at"):
        load_path(tmp_path / "missing.csv", "churn")
    with pytest.raises(DataError, match="is not a file"):
        load_path(tmp_path, "churn")
    with pytest.raises(DataError, match="above the 100 bytes limit"):
        load_path(path, "churn", max_bytes=100)


def test_load_xlsx_end_to_end():
    rows: list[list[object]] = [["when", "amount", "paid"]]
    rows += [[datetime(2024, 1, 1 + i % 28), 10.5 * i, "yes" if i % 3 else "no"] for i in range(40)]
    ds = load_dataset(_xlsx(rows), "book.xlsx", "paid")
    assert ds.task == "binary"
    assert ds.positive_class == "yes"
    assert "amount" in ds.numeric_features
    assert "when__day" in ds.X.columns


# ---------------------------------------------------------------------------------------------
# Robustness
# ---------------------------------------------------------------------------------------------


def test_ragged_line_after_the_sniffed_sample_names_its_line():
    text = "a,b\n" + "1,2\n" * 30_000 + "3,4,5\n" + "6,7\n"
    with pytest.raises(DataError, match=r"Line 30002 of 'big.csv' has 3 values"):
        read_table(text.encode(), "big.csv")


def test_a_long_first_row_is_an_error_not_a_silent_cut():
    with pytest.raises(DataError, match=r"Line 2 of 'a.csv' has 4 values but the table has 2"):
        read_table(b"a,b\n1,2,3,4\n5,6\n", "a.csv")


def test_unusual_dtypes_give_only_floats_and_strings():
    n = 60
    df = pd.DataFrame(
        {
            "dec": [decimal.Decimal("1.5"), decimal.Decimal("2.25"), None] * 20,
            "raw_bytes": [b"abc", b"def", b"ghi"] * 20,
            "local_time": pd.date_range(
                "2024-01-01 09:00", periods=n, freq="7h", tz="Europe/Paris"
            ),
            "wait": pd.to_timedelta(np.arange(n) % 7, unit="h"),
            "nullable": pd.array([1, 2, 3, None] * 15, dtype="Int64"),
            "flag": pd.array([True, False, None] * 20, dtype="boolean"),
            "month": pd.period_range("2024-01", periods=n, freq="M"),
            "complex": np.arange(n) % 4 + 1j,
            "sparse": pd.arrays.SparseArray([0, 1, 0] * 20),
            "half": np.linspace(0, 1, n).astype(np.float16),
            "strings": pd.array(["x", "y", None] * 20, dtype="string"),
            "target": np.random.default_rng(0).choice(["p", "q"], n),
        }
    )
    kinds = {p.name: p.kind for p in profile_table(df)}
    assert kinds["dec"] == "numeric"
    assert kinds["wait"] == "numeric"
    assert kinds["local_time"] == "datetime"
    assert kinds["month"] == "datetime"
    assert kinds["flag"] == "boolean"
    assert kinds["sparse"] == "boolean"
    assert kinds["complex"] == "categorical"
    ds = prepare_dataset(df, "target")
    assert set(map(str, ds.X.dtypes)) <= {"float64", "object"}
    assert ds.X.loc[0, "local_time__hour"] == 9.0  # local wall-clock time, not UTC
    assert ds.X.loc[0, "raw_bytes"] == "abc"


def test_infinite_and_huge_numbers_become_missing():
    df = _table(60).assign(x1=[np.inf, -np.inf, 1e300, *list(np.arange(57.0))])
    ds = prepare_dataset(df, "churn")
    assert ds.X["x1"].isna().tolist()[:4] == [True, True, True, False]


def test_prepare_does_not_modify_the_table():
    df = _table(60).assign(spend=["$1,200"] * 60, when=["2024-01-02"] * 30 + ["2024-02-03"] * 30)
    before = df.copy()
    prepare_dataset(df, "churn")
    pd.testing.assert_frame_equal(df, before)


def test_fuzzed_files_raise_only_data_errors():
    """Random damage to real files: a tidy table or a DataError, never another exception."""
    rng = np.random.default_rng(0)
    bases = [
        (_table(40).to_csv(index=False).encode(), "a.csv"),
        ("a;b;c\n1,5;x;2024-01-01\n2,5;y;2024-01-02\n".encode("cp1252"), "e.csv"),
        (INJECTION_NAMES.encode(), "d.csv"),
        (XLSX, "b.xlsx"),
        (PARQUET, "c.parquet"),
    ]
    alphabet = b',;\t|"\n\r \x00\xff\xe9?-$%.0123456789abcNA'
    outcomes = {"read": 0, "refused": 0}
    for _ in range(150):
        raw, filename = bases[int(rng.integers(len(bases)))]
        damaged = bytearray(raw)
        for _ in range(int(rng.integers(1, 5))):
            position = int(rng.integers(len(damaged))) if damaged else 0
            operation = int(rng.integers(4))
            if operation == 0 and damaged:
                damaged[position] = alphabet[int(rng.integers(len(alphabet)))]
            elif operation == 1:
                damaged.insert(position, alphabet[int(rng.integers(len(alphabet)))])
            elif operation == 2 and damaged:
                del damaged[position]
            else:
                damaged = damaged[:position]
        try:
            df = read_table(bytes(damaged), filename)
        except DataError:
            outcomes["refused"] += 1
            continue
        outcomes["read"] += 1
        profile_table(df)
        suggest_target(df)
        # Some damaged tables are legitimately unusable; any other exception fails the test.
        with contextlib.suppress(DataError):
            prepare_dataset(df, str(df.columns[-1]))
    assert outcomes["read"] > 30
    assert outcomes["refused"] > 10


# --- Unicode digits, letters and symbols: every check reads ASCII digits only --------------------

#: Characters that are "digits" to str.isdigit or \d without being 0-9, and other non-ASCII text.
UNICODE_PIECES = [
    "²",
    "³",
    "①",
    "⑳",
    "٣",
    "०",
    "߃",
    "𝟘",
    "½",
    "Ⅻ",
    "m²",
    "ß",
    "Ω",
    "€",
    "™",
    "\u200b",
    "é",
]


def _unicode_table(rng: np.random.Generator, n: int = 60) -> pd.DataFrame:
    """A table whose every column looks like something a check parses (card and phone numbers,
    IBANs, dates, amounts, codes), each cell salted with Unicode digits, letters or symbols."""
    columns = {
        "card": [f"4111 1111 1111 {1000 + i}" for i in range(n)],
        "phone": [f"+44 20 7946 {1000 + i:04d}" for i in range(n)],
        "iban": [f"GB82WEST1234569876{5400 + i}" for i in range(n)],
        "when": [f"2024-0{1 + i % 9}-1{i % 10}" for i in range(n)],
        "amount": [f"${i},{i % 10}00.50" for i in range(n)],
        "code": [f"AB-{i:04d}" for i in range(n)],
        "size": [f"{i % 7} m²" for i in range(n)],
        "target": [["yes", "no"][i % 2] for i in range(n)],
    }
    for name, values in columns.items():
        for i in rng.choice(n, size=n // 3, replace=False):
            piece = UNICODE_PIECES[int(rng.integers(len(UNICODE_PIECES)))]
            at = int(rng.integers(len(values[i]) + 1))
            values[i] = values[i][:at] + piece + values[i][at:]
        if name != "target":
            values[0] = UNICODE_PIECES[int(rng.integers(len(UNICODE_PIECES)))] * 3
    return pd.DataFrame(columns)


@pytest.mark.parametrize("seed", range(8))
def test_unicode_digits_letters_and_symbols_in_every_column_never_crash(seed: int) -> None:
    frame = _unicode_table(np.random.default_rng(seed))
    raw = frame.to_csv(index=False).encode("utf-8")
    table = read_table(raw, "unicode.csv")
    assert table.shape == frame.shape
    profile_table(table)
    suggest_target(table)
    for column in table.columns:
        with contextlib.suppress(DataError):  # some columns cannot be targets: said in words
            prepare_dataset(table, column)


@pytest.mark.parametrize("value", ["²", "4111 1111 1111 111²", "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬", "٤١١١١١١١١١١١١١١١"])
def test_card_and_phone_checks_read_ascii_digits_only(value: str) -> None:
    ascii_only = "".join(ch for ch in value if ch.isascii())  # what the checks may read
    assert profiling._luhn_ok(value) == profiling._luhn_ok(ascii_only)
    assert profiling._phone_digits_ok(value) == profiling._phone_digits_ok(ascii_only)
    table = pd.DataFrame({"note": [f"{value} {i}" for i in range(40)], "x": range(40)})
    prepare_dataset(table.assign(y=["a", "b"] * 20), "y")


def test_a_utf8_file_with_one_bad_byte_keeps_its_utf8_and_says_where() -> None:
    rows = ["city,n,y"] + [f"Zürich,{i},{['yes', 'no'][i % 2]}" for i in range(80)]
    raw = "\n".join(rows).encode("utf-8").replace(b"Z\xc3\xbcrich,56,", b"Z\xfcrich,56,")
    table = read_table(raw, "cities.csv")
    assert table["city"].value_counts().to_dict() == {"Zürich": 79, "Z\ufffdrich": 1}
    assert table.attrs["read_info"]["encoding"] == "utf-8 (with invalid bytes replaced)"
    (warning,) = [w for w in prepare_dataset(table, "y").warnings if w.code == "invalid_utf8"]
    assert warning.message.startswith(
        "1 byte of the file was not valid UTF-8 and was replaced with \ufffd (line 58)."
    )


def test_many_bad_bytes_are_counted_and_their_first_lines_named() -> None:
    rows = ["city,y"] + [f"Zürich,{['yes', 'no'][i % 2]}" for i in range(200)]
    raw = "\n".join(rows).encode("utf-8")
    for line in (10, 20, 30, 40, 50, 60, 70):
        raw = raw.replace(f"Zürich,{['yes', 'no'][(line - 2) % 2]}".encode(), b"x", 0)
    lines = raw.split(b"\n")
    for line in (10, 20, 30, 40, 50, 60, 70):
        lines[line - 1] = lines[line - 1].replace(b"\xc3\xbc", b"\xfc")
    table = read_table(b"\n".join(lines), "cities.csv")
    (warning,) = [w for w in prepare_dataset(table, "y").warnings if w.code == "invalid_utf8"]
    assert "7 bytes of the file were not valid UTF-8" in warning.message
    assert "(line 10, 20, 30, 40, 50 and others)" in warning.message


def test_a_utf8_file_with_a_byte_order_mark_has_no_bad_bytes_to_warn_of() -> None:
    rows = ["city,y"] + [f"{['Zürich', 'Genève'][i % 2]},{i % 3 % 2}" for i in range(60)]
    table = read_table(codecs.BOM_UTF8 + "\n".join(rows).encode("utf-8"), "cities.csv")
    assert table.attrs["read_info"]["encoding"] == "utf-8 (with BOM)"
    assert not [w for w in prepare_dataset(table, "y").warnings if w.code == "invalid_utf8"]


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_a_legacy_file_is_still_read_as_a_legacy_file(encoding: str) -> None:
    rows = ["city,y"] + [f"{['Zürich', 'Genève', 'Malmö'][i % 3]},{i % 2}" for i in range(60)]
    table = read_table("\n".join(rows).encode(encoding), "cities.csv")
    assert set(table["city"]) == {"Zürich", "Genève", "Malmö"}
    assert "replaced" not in table.attrs["read_info"]["encoding"]
    assert not [w for w in prepare_dataset(table, "y").warnings if w.code == "invalid_utf8"]


def test_a_map_position_or_a_count_in_the_last_column_is_not_the_suggested_target():
    rng = np.random.default_rng(0)
    n = 120
    base = {"rooms": rng.integers(1, 8, n), "plan": rng.choice(["a", "b", "c"], n)}
    churn = pd.DataFrame(
        {**base, "moved": rng.choice(["yes", "no"], n), "checks": rng.poisson(3, n)}
    )
    assert suggest_target(churn) == "moved"  # the yes/no outcome, not the count after it
    homes = pd.DataFrame({**base, "latitude": rng.uniform(32, 42, n)})
    assert suggest_target(homes) == "plan"
    # A plain last column is still the default: a price after a yes/no feature.
    priced = pd.DataFrame(
        {**base, "garage": rng.choice(["yes", "no"], n), "price": rng.uniform(1, 9, n)}
    )
    assert suggest_target(priced) == "price"
    only_places = pd.DataFrame(
        {"latitude": rng.uniform(32, 42, n), "longitude": rng.uniform(-120, -70, n)}
    )
    assert suggest_target(only_places) is None
