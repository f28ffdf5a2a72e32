"""Large tables: a big delimited file streamed from disk reads as read_table reads it, and a table
of more rows than CHECK_SAMPLE_ROWS is checked on a stated sample with its features on all rows."""

from __future__ import annotations

import codecs
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.data import (
    BAD_LINE_MESSAGE,
    DataError,
    load_dataset,
    load_path,
    loading,
    prepare,
    prepare_dataset,
    read_path,
    read_table,
)
from core.data.streaming import NOT_DELIMITED_MESSAGE, SHORT_LINE_HINT, read_large_path

# --- streamed from disk --------------------------------------------------------------------------

#: Files with the quirks read_table handles, each as its bytes.
QUIRKS = {
    "plain": b"a,b,c\n1,x,2020-01-05\n2,y,2020-02-05\n3,,2021-03-01\n",
    "excel_semicolons": b"sep=;\nname;price;when\nA;1,5;05.01.2020\nB;2,25;06.01.2020\n"
    b"C;n/a;07.01.2020\n",
    "title_lines": b'Report of May\n\nid,amount,flag\n1,"$1,200",Yes\n2,"$300",No\n'
    b'3,"$4,000",yes\n',
    "utf8_bom": codecs.BOM_UTF8 + b'col1,col2\n"hello, world",2\nb,3\n',
    "quoted_newline": b'a,b\n"line1\nline2",1\nx,2\n',
    "tabs_and_blank_lines": b"a\tb\n1\t2\n3\t4\n\n\n",
    "thousands": b'a,b\n"1,234",1\n"2,000",2\n',
    "cp1252": "ville;n\nZürich;1\nGenève;2\nMalmö;3\n".encode("cp1252"),
    "missing_words": b"a,b\nNA,1\nnull,2\n#N/A,3\n  x  ,4\n",
    "day_first_dates": b"d,v\n31/01/2024,1\n15/02/2024,2\n01/03/2024,3\n",
    "whole_numbers_with_gaps": b"a,b\n1,x\n,y\n3,z\n",
    "yes_no": b"flag,v\nY,1\nN,2\nY,3\n",
}


def _as_read_table_gives(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for column in out.columns[out.dtypes == "category"]:
        out[column] = out[column].astype(object).where(out[column].notna(), np.nan)
    return out


@pytest.mark.parametrize("key", list(QUIRKS))
def test_a_streamed_file_reads_as_read_table_reads_it(key: str, tmp_path: Path) -> None:
    path = tmp_path / f"{key}.csv"
    path.write_bytes(QUIRKS[key])
    whole = read_table(QUIRKS[key], path.name)
    streamed = read_large_path(path)
    pd.testing.assert_frame_equal(_as_read_table_gives(streamed), whole)
    info = streamed.attrs["read_info"]
    assert info["reader"] == "pyarrow (streamed)"
    for fact in ("encoding", "delimiter", "decimal"):
        assert info[fact] == whole.attrs["read_info"][fact]


def test_text_columns_are_held_once_per_distinct_value(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "plan,n\n" + "".join(f"{'basic' if i % 3 else ' plus '},{i}\n" for i in range(99))
    )
    df = read_large_path(path)
    assert isinstance(df["plan"].dtype, pd.CategoricalDtype)
    assert list(df["plan"].cat.categories) == ["plus", "basic"]  # stripped, once each
    assert df["n"].dtype == np.int64


@pytest.mark.parametrize(("line", "found", "short"), [("4,x,1,extra", 4, False), ("4,x", 2, True)])
def test_a_line_of_another_width_is_refused_with_its_number(line, found, short, tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text(f"a,b,c\n1,x,2\n2,y,3\n3,z,4\n{line}\n5,w,6\n")
    with pytest.raises(DataError) as error:
        read_large_path(path)
    message = str(error.value)
    assert message.startswith(
        BAD_LINE_MESSAGE.format(
            line=5, filename="ragged.csv", found=found, expected=3, delimiter="a comma"
        )
    )
    assert message.endswith(SHORT_LINE_HINT) == short


def test_a_large_file_that_is_not_text_says_so(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pd.DataFrame({"a": [1, 2]}).to_parquet(path)
    with pytest.raises(DataError) as error:
        read_large_path(path)
    assert str(error.value) == NOT_DELIMITED_MESSAGE.format(
        filename="t.parquet", size="0 MB", kind="parquet"
    )


def _churn_csv(rows: int, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=rows)
    plan = rng.choice(["basic", "plus", "premium"], rows)
    churn = np.where(x + (plan == "basic") + rng.normal(size=rows) > 0.8, "yes", "no")
    frame = pd.DataFrame(
        {
            "customer": np.arange(rows) + 10_000,
            "x": x.round(3),
            "plan": plan,
            "spend": [f"${v:,}" for v in rng.integers(10, 3000, rows)],
            "since": pd.date_range("2020-01-01", periods=rows, freq="h").strftime("%d/%m/%Y"),
            "churn": churn,
        }
    )
    return frame.to_csv(index=False).encode()


def test_read_path_streams_a_big_text_file_and_hashes_its_bytes(tmp_path, monkeypatch):
    data = _churn_csv(500)
    path = tmp_path / "churn.csv"
    path.write_bytes(data)
    whole, whole_sha = read_path(path)
    monkeypatch.setattr(loading, "STREAM_BYTES", 1_000)  # this file counts as big
    streamed, streamed_sha = read_path(path)
    assert streamed.attrs["read_info"]["reader"] == "pyarrow (streamed)"
    assert streamed_sha == whole_sha == hashlib.sha256(data).hexdigest()
    pd.testing.assert_frame_equal(_as_read_table_gives(streamed), whole)
    # The same Dataset whichever reader read the file.
    a = load_dataset(data, "churn.csv", "churn")
    b = load_path(path, "churn")
    pd.testing.assert_frame_equal(a.X, b.X)
    assert np.array_equal(a.y, b.y)
    assert (a.sha256, a.excluded, a.warnings) == (b.sha256, b.excluded, b.warnings)


# --- a table of many rows ----------------------------------------------------------------------


def test_a_large_table_says_which_checks_read_a_part_of_its_rows(monkeypatch):
    table = read_table(_churn_csv(3000), "churn.csv")
    assert not [
        w for w in prepare_dataset(table, "churn").warnings if w.code == "checked_on_sample"
    ]
    monkeypatch.setattr(prepare, "LARGE_TABLE_ROWS", 3000)
    (said,) = [w for w in prepare_dataset(table, "churn", seed=4).warnings
               if w.code == "checked_on_sample"]  # fmt: skip
    assert said.message == (
        "The table has 3,000 rows. Every column was profiled on all of them (kinds, "
        "identifiers, empty cells, copies); the checks that read values one at a time looked at "
        "a part: leakage at a random sample of 5,000 rows (seed 4), personal data at the first "
        "200 values of each column, codes and free text at the first 1,000."
    )


def test_the_command_the_app_gives_for_a_big_table_is_in_the_readme_and_runs(tmp_path):
    """The Data page tells people with a file over the upload limit to run this; it must be
    the README's and the CLI's own."""
    from core.__main__ import build_parser
    from core.data import BIG_TABLE_COMMAND

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert BIG_TABLE_COMMAND in readme
    words = BIG_TABLE_COMMAND.split()
    assert words[:4] == [".venv/bin/python", "-m", "core", "run"]
    args = build_parser().parse_args(words[3:])
    assert (args.data, args.target, args.report) == ("path/to/table.csv", "COLUMN", True)
