"""Serve a model Tradeoff Explorer compiled, from ONNX Runtime, with nothing but onnxruntime and
numpy: no scikit-learn, no pandas.

This file is the ``serve_onnx.py`` of every exported model's zip. When it exports a model,
Tradeoff Explorer writes the block between the two ``# ---`` lines (the model file and its
fingerprint, the columns, and the app's own rules for reading a table, taken from the code that
read the training table); the rest is this file as it is.

In the folder of the unzipped model:

    pip install onnxruntime numpy          (the versions are in TRAINED_WITH below)
    python serve_onnx.py rows.csv predictions.csv

From Python: ``model = load(); predictions = predict(model, rows)``, with ``rows`` a list of
dicts (column name -> value), such as ``list(csv.DictReader(handle))``. Needs Python 3.11+.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import math
import re
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import onnxruntime as ort

# --- the model: Tradeoff Explorer writes this block when it exports one ---
MODEL_FILE = "model.onnx"
#: The SHA-256 of the very file exported with this script: any other file is refused unread.
MODEL_SHA256 = ""
LABEL = ""
TASK = "binary"
#: What a class code means (classification): code i is CLASSES[i].
CLASSES: list[str] = []
#: The class code of each probability column of the graph (a class absent from the training
#: rows has none, and probability 0).
MODEL_CLASSES: list[int] = []
#: The columns the graph reads, in order: each comes from column "source" of your table (a date
#: split into "part", a yes/no column turned into 1/0), as a number or as a category (text).
FEATURES: list[dict[str, Any]] = []
#: How the app read the training table: words for a missing value, lone dashes, yes and no,
#: number patterns (US and European digit grouping) and date formats (each with the pattern a
#: value must have for it to be tried), in the order tried.
MISSING_WORDS: frozenset[str] = frozenset()
DASHES: frozenset[str] = frozenset()
TRUE_WORDS: frozenset[str] = frozenset()
FALSE_WORDS: frozenset[str] = frozenset()
NUMBER_SYMBOLS = r"\s"
DIGIT_GROUP = r"(?!)"
US_NUMBER = r"[0-9]+"
EU_NUMBER = r"[0-9]+"
DATE_FORMATS: list[tuple[str, str]] = []
TRAINED_WITH: dict[str, str] = {}
# --- end of the model ---

_ISO = "ISO8601"


def load(path: str = MODEL_FILE) -> ort.InferenceSession:
    """The compiled model in ONNX Runtime on one thread (as Tradeoff Explorer measured it). The
    file is refused, before ONNX Runtime reads it, unless it is byte for byte the one exported
    with this script."""
    with open(path, "rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != MODEL_SHA256:
        raise ValueError(
            f"{path} was not loaded: it is not the file exported with this script (its SHA-256 "
            "differs), so it may have been changed by someone else."
        )
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
    inputs = [i.name for i in session.get_inputs()]
    if inputs != [f["name"] for f in FEATURES]:
        raise ValueError(f"{path} reads other columns than this script prepares: {inputs}")
    return session


def prepare(rows: Sequence[Mapping[str, object]]) -> dict[str, np.ndarray]:
    """The graph's inputs from rows of your table: numbers as float32 (missing: NaN),
    categories as text (missing: ""). A missing column, or a value that is not what its column
    holds, is an error that names it. Columns the model does not use are ignored."""
    present = set().union(*(row.keys() for row in rows)) if rows else set()
    missing = sorted(
        {f["source"] for f in FEATURES if f["name"] not in present and f["source"] not in present}
    )
    if rows and missing:
        raise ValueError(f"Missing input columns: {missing}")
    dates: dict[str, list[dt.datetime | None]] = {}
    feed: dict[str, np.ndarray] = {}
    for feature in FEATURES:
        column = feature["name"] if feature["name"] in present else feature["source"]
        values = [row.get(column) for row in rows]
        if feature["kind"] == "category":
            feed[feature["name"]] = np.array([_category(v) for v in values], dtype=object)
        elif feature["part"]:
            if column not in dates:
                dates[column] = _dates(values, feature["source"])
            parts = [math.nan if d is None else _part(d, feature["part"]) for d in dates[column]]
            feed[feature["name"]] = np.array(parts, dtype=np.float32)
        else:
            numbers = [_number(v, feature, row) for row, v in enumerate(values, start=1)]
            feed[feature["name"]] = np.array(numbers, dtype=np.float32)
    return {name: array.reshape(-1, 1) for name, array in feed.items()}


def _text(value: object) -> str | None:
    """A cell as the app read it: stripped text, ``None`` for a missing one."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))  # 3 not 3.0, as the app writes a number read as a category
    text = str(value).strip()
    return None if text.lower() in MISSING_WORDS else text


def _category(value: object) -> str:
    text = _text(value)
    return "" if text is None else text


def _number(value: object, feature: Mapping[str, Any], row: int) -> float:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    text = _text(value)
    if text is None or text in DASHES:
        return math.nan
    if feature["yes_no"]:
        word = text.lower()
        if word in TRUE_WORDS or word in FALSE_WORDS:
            return 1.0 if word in TRUE_WORDS else 0.0
        raise ValueError(f"Column {feature['source']!r} must be yes/no; row {row} has {value!r}.")
    negative = text.startswith("(") and text.endswith(")")  # (1,200) is -1200 in accounts
    plain = re.sub(NUMBER_SYMBOLS, "", text[1:-1] if negative else text)
    plain = re.sub(DIGIT_GROUP, "", plain)  # 1'000
    if re.fullmatch(US_NUMBER, plain):
        number = float(plain.replace(",", ""))
    elif re.fullmatch(EU_NUMBER, plain):
        number = float(plain.replace(".", "").replace(",", "."))
    else:
        raise ValueError(
            f"Column {feature['source']!r} must hold numbers; row {row} has {value!r}."
        )
    return -number if negative else number


def _dates(values: Sequence[object], source: str) -> list[dt.datetime | None]:
    """The dates of one column, read as the app reads a date column: in the first of
    DATE_FORMATS that reads the most of them; a value no format reads is missing."""
    texts = [_text(v) if not isinstance(v, dt.date) else None for v in values]
    best: list[dt.datetime | None] = [None] * len(values)
    best_count = 0
    for fmt, shape in DATE_FORMATS:
        parsed = [_date(t, fmt) if t and re.fullmatch(shape, t) else None for t in texts]
        count = sum(d is not None for d in parsed)
        if count > best_count:
            best, best_count = parsed, count
    for i, value in enumerate(values):  # dates given as dates (from Python) are taken as they are
        if isinstance(value, dt.datetime):
            best[i] = _naive(value)
        elif isinstance(value, dt.date):
            best[i] = dt.datetime(value.year, value.month, value.day)
    present = sum(t is not None for t in texts)
    if present and not best_count:
        raise ValueError(f"Column {source!r} must hold dates; none of its values reads as one.")
    return best


def _date(text: str, fmt: str) -> dt.datetime | None:
    try:
        if fmt == _ISO:
            return _naive(dt.datetime.fromisoformat(text))
        return dt.datetime.strptime(text, fmt)
    except ValueError:
        return None


def _naive(stamp: dt.datetime) -> dt.datetime:
    """A time with a zone as the app takes it: converted to UTC."""
    if stamp.tzinfo is None:
        return stamp
    return stamp.astimezone(dt.UTC).replace(tzinfo=None)


def _part(stamp: dt.datetime, part: str) -> float:
    if part == "weekday":
        return float(stamp.weekday())  # Monday is 0
    return float(getattr(stamp, part))


def predict(session: ort.InferenceSession, rows: Sequence[Mapping[str, object]]) -> list[dict]:
    """One dict per input row: the prediction and, for classifiers, each class's probability
    (float32, as ONNX Runtime computes it: a row sums to 1 up to rounding)."""
    if not rows:
        return []
    outputs = session.run(None, prepare(rows))
    if TASK == "regression":
        return [{"prediction": float(v)} for v in np.asarray(outputs[0]).ravel()]
    labels = np.asarray(outputs[0]).ravel()
    probabilities = np.asarray(outputs[1], dtype=np.float64)
    out = []
    for code, row in zip(labels, probabilities, strict=True):
        found: dict[str, object] = {"prediction": CLASSES[int(code)]}
        by_code = dict(zip(MODEL_CLASSES, row.tolist(), strict=True))
        for i, name in enumerate(CLASSES):
            found[f"probability of {name}"] = by_code.get(i, 0.0)
        out.append(found)
    return out


def read_rows(path: str) -> list[dict[str, str]]:
    """The rows of a CSV file (UTF-8; comma, semicolon, tab or bar between values)."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        sample = handle.read(65_536)
        handle.seek(0)
        try:
            dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel
        return [dict(row) for row in csv.DictReader(handle, dialect=dialect)]


def write_rows(path: str, rows: Sequence[Mapping[str, object]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        if not rows:
            return
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python serve_onnx.py ROWS.csv PREDICTIONS.csv", file=sys.stderr)
        return 2
    source, target = argv
    try:
        predictions = predict(load(), read_rows(source))
        write_rows(target, predictions)
    except (ValueError, OSError, csv.Error) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{len(predictions)} predictions written to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
