"""Read a file and prepare it in one call: :func:`load_dataset` (uploaded bytes), :func:`load_path`
and :func:`read_path` (a file on disk, for the command line: a big delimited file is streamed by
pyarrow, :mod:`core.data.streaming`)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from core.data.prepare import prepare_dataset
from core.data.reading import (
    DEFAULT_MAX_BYTES,
    TOO_LARGE_MESSAGE,
    _size_text,
    _sniff_format,
    read_table,
)
from core.data.streaming import HEAD_BYTES, read_large_path
from core.dataset import Dataset, Task
from core.errors import DataError

STREAM_BYTES: int = 100 * 1024 * 1024
"""Delimited text files larger than this (100 MB) are streamed from disk by :func:`read_path`
rather than read whole: :func:`read_table` holds a file's text several times over."""

CLI_MAX_BYTES: int = 16 * 1024**3
"""Largest file the command line reads unless told otherwise (16 GB): the app's uploads stop
at :data:`DEFAULT_MAX_BYTES`; a bigger table goes through ``python -m core run``."""

BIG_TABLE_COMMAND: str = ".venv/bin/python -m core run path/to/table.csv --target COLUMN --report"
"""What the app tells a user whose table is over its upload limit to run, in the project's
folder (``make run`` made ``.venv``): the study, its results and ``report.html`` go to
``results/table/``."""

NO_FILE_MESSAGE = "There is no file at {path!r}. Check the path and try again."
NOT_A_FILE_MESSAGE = "{path!r} is not a file that can be read ({reason}). Check the path."


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
    yes_no: bool = False,
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
        yes_no=yes_no,
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
    yes_no: bool = False,
) -> Dataset:
    """:func:`read_path` then :func:`prepare_dataset` (for the command line)."""
    df, sha256 = read_path(path, max_bytes=max_bytes)
    return prepare_dataset(
        df,
        target,
        name=Path(path).name,
        sha256=sha256,
        task=task,
        include=include,
        exclude=exclude,
        seed=seed,
        yes_no=yes_no,
    )


def read_path(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[pd.DataFrame, str]:
    """The table in the file at ``path`` and the SHA-256 of the file's bytes.

    A delimited text file larger than :data:`STREAM_BYTES` is streamed from disk by pyarrow
    (:func:`core.data.streaming.read_large_path`: the same table, its text columns as
    categoricals); any other file is read whole by :func:`read_table`. A file larger than
    ``max_bytes`` is refused."""
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
        if size > STREAM_BYTES:
            with file.open("rb") as opened:
                streamed = _sniff_format(opened.read(HEAD_BYTES), file.name) == "text"
            if streamed:
                return read_large_path(file), _file_sha256(file)
        data = file.read_bytes()
    except FileNotFoundError as exc:
        raise DataError(NO_FILE_MESSAGE.format(path=str(path))) from exc
    except OSError as exc:
        raise DataError(NOT_A_FILE_MESSAGE.format(path=str(path), reason=exc.strerror)) from exc
    return read_table(data, file.name, max_bytes=max_bytes), hashlib.sha256(data).hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(16 * 1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()
