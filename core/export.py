"""Files that leave the app: tables safe to open in a spreadsheet, the results, and each fitted
model ready to serve elsewhere (a skops file with a small ``serve.py`` beside it and, for a model
that compiled, its ``.onnx`` graph with ``serve_onnx.py``, which needs only onnxruntime and
numpy).

Everything here returns bytes or text; nothing writes files. A cell of a CSV that a spreadsheet
would read as a formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is
neutralised with a leading apostrophe, as OWASP advises against CSV injection: user text (class
labels, column names) reaches these files.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import io
import json
import re
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from core.data import values as reading
from core.dataset import Dataset
from core.decision import Decision
from core.errors import ConfigError
from core.results import (
    leaderboard,
    model_filename,
    onnx_filename,
    predictions_frame,
    safe_csv,
    to_dict,
)
from core.study import ModelResult, StudyResult
from core.trust import (
    MAX_SCHEMA_BYTES,
    TRUSTED_LOADERS,
    TRUSTED_TYPES,
    check_structure,
    load_model,
    schema_problems,
)

#: The packages a served model needs, with the versions it was trained with.
SERVING_PACKAGES = ("scikit-learn", "xgboost-cpu", "skops", "numpy", "scipy", "pandas")
#: What a compiled model needs (``serve_onnx.py``).
ONNX_SERVING_PACKAGES = ("onnxruntime", "numpy")
_PART = re.compile(r"__(year|month|day|weekday|hour)(?:_\d+)?$")


def leaderboard_csv(study: StudyResult) -> bytes:
    """The leaderboard (units in the headers), safe for spreadsheets."""
    return safe_csv(leaderboard(study))


def predictions_csv(study: StudyResult) -> bytes:
    """The held-out predictions of every model, safe for spreadsheets."""
    return safe_csv(predictions_frame(study))


def results_json(study: StudyResult, decision: Decision | None = None) -> bytes:
    """``results.json`` as written by the command line, with ``decision`` (the one on screen)."""
    return json.dumps(to_dict(study, decision), indent=2, ensure_ascii=False).encode("utf-8")


# --- a model ready to serve ----------------------------------------------------------------------

FeatureKind = Literal["number", "category"]


@dataclass(frozen=True)
class ServingFeature:
    """One column the fitted pipeline reads, and how to make it from a row of the user's table.

    ``name`` is the column of the pipeline (a safe name); ``source`` the user's column it comes
    from; ``part`` the date part (``"year"``...) for a date column split into parts; ``yes_no``
    whether a yes/no column became 1/0.
    """

    name: str
    kind: FeatureKind
    source: str
    part: str | None = None
    yes_no: bool = False


def serving_features(dataset: Dataset) -> list[ServingFeature]:
    """The pipeline's input columns, in training order."""
    kinds = {p.name: p.kind for p in dataset.profiles}
    numeric = set(dataset.numeric_features)
    out = []
    for name in dataset.X.columns:
        source = dataset.feature_origin[name]
        part = None
        if kinds.get(source) == "datetime":
            match = _PART.search(name)
            part = match.group(1) if match else None
        out.append(
            ServingFeature(
                name=name,
                kind="number" if name in numeric else "category",
                source=source,
                part=part,
                yes_no=kinds.get(source) == "boolean",
            )
        )
    return out


def _feature_facts(ds: Dataset) -> list[dict[str, object]]:
    """:func:`serving_features` as the plain dicts both serving scripts list in FEATURES."""
    return [
        {"name": f.name, "kind": f.kind, "source": f.source, "part": f.part, "yes_no": f.yes_no}
        for f in serving_features(ds)
    ]


def _versions(packages: tuple[str, ...] = SERVING_PACKAGES) -> dict[str, str]:
    found = {}
    for package in packages:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return found


def serving_snippet(study: StudyResult, model: str) -> str:
    """``serve.py`` for one model of ``study``: load the skops file trusting exactly the types
    of :data:`core.trust.TRUSTED_TYPES` (checked by the very code the store uses), check and
    prepare the input columns as in training, predict.

    User text (column names, class labels, the file name) reaches the code only as Python
    literals (``repr``), never as code or inside a comment.
    """
    m = study.model(model)
    if not m.ok or m.model_bytes is None:
        raise ConfigError(
            f"{m.label} has no fitted model to export (it did not finish, or its file was not "
            "kept). Choose another model."
        )
    ds = study.dataset
    versions = _versions()
    return _SNIPPET.format(
        label=m.label,
        install=_install(SERVING_PACKAGES),
        model_file=repr(model_filename(m.name)),
        dataset=repr(ds.name),
        target=repr(ds.target),
        task=repr(ds.task),
        classes=repr(list(ds.classes)),
        features=_pretty(_feature_facts(ds)),
        trusted_types=_pretty(sorted(TRUSTED_TYPES)),
        trusted_loaders=_pretty(sorted(TRUSTED_LOADERS)),
        max_schema_bytes=f"{MAX_SCHEMA_BYTES:_}",
        checks="\n\n".join(inspect.getsource(f) for f in (schema_problems, check_structure)),
        versions=repr(versions),
    )


def serving_usage(study: StudyResult, model: str) -> str:
    """The few lines that serve ``model`` from its zip, for the screen."""
    filename = model_filename(study.model(model).name)
    return (
        f"# in the folder of the unzipped {filename} and serve.py\n"
        f"pip install {_install(SERVING_PACKAGES)}\n"
        "python serve.py rows.csv predictions.csv\n\n"
        "# or from Python, with rows a DataFrame of your table's columns:\n"
        "from serve import load, predict\n"
        "model = load()  # refuses any type Tradeoff Explorer never writes into a model file\n"
        "predictions = predict(model, rows)  # checks the columns first; one row per input row\n"
    ) + (
        "\n# or from ONNX Runtime, without scikit-learn or pandas (Python 3.11+):\n"
        f"pip install {_install(ONNX_SERVING_PACKAGES)}\n"
        "python serve_onnx.py rows.csv predictions.csv\n"
        if has_compiled_model(study, model)
        else ""
    )


def _pretty(items: list[Any]) -> str:
    """A Python list literal, one item a line."""
    if not items:
        return "[]"
    return "[\n" + "".join(f"    {item!r},\n" for item in items) + "]"


def model_bundle(study: StudyResult, model: str) -> bytes:
    """A zip with the model's skops file, ``serve.py`` and a README: what a person needs to
    serve the model on another machine; for a model that compiled, its ``.onnx`` graph and
    ``serve_onnx.py`` too."""
    snippet = serving_snippet(study, model)  # checks the model first
    m = study.model(model)
    assert m.model_bytes is not None
    filename = model_filename(m.name)
    compiled = _onnx_script(m, study.dataset) if has_compiled_model(study, model) else None
    onnx_file = onnx_filename(m.name)
    width = max(len(filename), len(onnx_file), len("serve_onnx.py")) + 2
    readme = (
        f"{m.label}, trained by Tradeoff Explorer to predict {study.dataset.target!r} from "
        f"{study.dataset.name!r} ({study.created_at}).\n\n"
        f"{filename:<{width}}the fitted pipeline (preprocessing + model) in skops' safe format\n"
        f"{'serve.py':<{width}}load it, check the input columns, predict\n"
    )
    if compiled is not None:
        readme += (
            f"{onnx_file:<{width}}the same fitted model compiled for ONNX Runtime, verified to "
            "predict as\n"
            f"{'':<{width}}the pipeline on every held-out row\n"
            f"{'serve_onnx.py':<{width}}serve it with nothing but onnxruntime and numpy\n"
        )
    readme += (
        "\nWith scikit-learn:\n\n"
        f"    pip install {_install(SERVING_PACKAGES)}\n"
        "    python serve.py rows.csv predictions.csv\n\n"
        "rows.csv holds the columns the model was trained on (serve.py lists them in FEATURES,\n"
        "with the column of your table each one comes from); other columns are ignored.\n"
        "Numbers must be plain numbers (no currency signs or thousands separators), dates\n"
        "readable by pandas, yes/no columns yes/no, true/false, y/n, t/f, 1/0 or on/off.\n"
    )
    if compiled is not None:
        readme += (
            "\nWith ONNX Runtime (no scikit-learn, no pandas; Python 3.11 or later):\n\n"
            f"    pip install {_install(ONNX_SERVING_PACKAGES)}\n"
            "    python serve_onnx.py rows.csv predictions.csv\n\n"
            "It reads a table as Tradeoff Explorer read yours: the same words for a missing\n"
            "value, numbers with currency signs or digit grouping, the same date formats.\n"
            "Probabilities are ONNX Runtime's float32 ones: a row sums to 1 up to rounding.\n"
        )
    else:
        readme += f"\nNo compiled (ONNX) version: {_not_compiled(m)}\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(filename, m.model_bytes)
        archive.writestr("serve.py", snippet)
        if compiled is not None:
            assert m.onnx_bytes is not None
            archive.writestr(onnx_file, m.onnx_bytes)
            archive.writestr("serve_onnx.py", compiled)
        archive.writestr("README.txt", readme)
    return buffer.getvalue()


def _install(packages: tuple[str, ...]) -> str:
    return " ".join(f"{p}=={v}" for p, v in _versions(packages).items())


def has_compiled_model(study: StudyResult, model: str) -> bool:
    """Whether ``model`` has a compiled graph, verified and kept, to export (with the fitted
    pipeline it was compiled from)."""
    m = study.model(model)
    return m.ok and m.onnx is not None and m.onnx_bytes is not None and m.model_bytes is not None


def _not_compiled(m: ModelResult) -> str:
    reason = m.onnx_problem or "it was not compiled in this study."
    return reason if reason.endswith(".") else reason + "."


#: ``serve_onnx.py`` as it is, with its block of model facts to fill in (:func:`_fill`).
_ONNX_SCRIPT = Path(__file__).with_name("serve_onnx.py")
_BLOCK = re.compile(r"^# --- the model:.*?\n(.*?)^# --- end of the model ---$", re.M | re.S)
_ASSIGNMENT = re.compile(r"^([A-Z][A-Z0-9_]*)(?:: [^=]+)? = .*$", re.M)


def onnx_serving_script(study: StudyResult, model: str) -> str:
    """``serve_onnx.py`` for the compiled graph of ``model``: :mod:`core.serve_onnx` with its
    block of facts written for this model. The rules for reading a table (missing words, number
    patterns, date formats) are the app's own, taken from :mod:`core.data.values`; user text
    (column names, class labels) reaches the code only as Python literals."""
    m = study.model(model)
    if not has_compiled_model(study, model):
        raise ConfigError(f"{m.label} has no compiled model to export: {_not_compiled(m)}")
    return _onnx_script(m, study.dataset)


def _onnx_script(m: ModelResult, ds: Dataset) -> str:
    assert m.onnx_bytes is not None
    assert m.model_bytes is not None
    facts: dict[str, object] = {
        "MODEL_FILE": onnx_filename(m.name),
        "MODEL_SHA256": hashlib.sha256(m.onnx_bytes).hexdigest(),
        "LABEL": m.label,
        "TASK": ds.task,
        "CLASSES": list(ds.classes),
        "MODEL_CLASSES": list(_model_classes(m.model_bytes)) if ds.is_classification else [],
        "FEATURES": _feature_facts(ds),
        "MISSING_WORDS": reading._MISSING_TOKENS,
        "DASHES": reading._DASHES,
        "TRUE_WORDS": reading._TRUE_WORDS,
        "FALSE_WORDS": frozenset().union(*reading._BOOLEAN_PAIRS) - reading._TRUE_WORDS,
        "NUMBER_SYMBOLS": reading._SYMBOLS.pattern,
        "DIGIT_GROUP": reading._DIGIT_GROUP_SPACE.pattern,
        "US_NUMBER": reading._US_NUMBER.pattern,
        "EU_NUMBER": reading._EU_NUMBER.pattern,
        "DATE_FORMATS": list(reading._DATE_FORMATS),
        "TRAINED_WITH": _versions(ONNX_SERVING_PACKAGES),
    }
    return _fill(_ONNX_SCRIPT.read_text(encoding="utf-8"), facts)


def _fill(script: str, facts: dict[str, object]) -> str:
    """``script`` with each assignment of its block of facts set to ``facts``' value (every one
    given, none left over)."""
    block = _BLOCK.search(script)
    assert block is not None, "serve_onnx.py has its block of facts"
    names = _ASSIGNMENT.findall(block.group(1))
    assert sorted(names) == sorted(facts), (names, sorted(facts))

    def literal(match: re.Match[str]) -> str:
        return f"{match.group(0).split(' = ', 1)[0]} = {_literal(facts[match.group(1)])}"

    filled = _ASSIGNMENT.sub(literal, block.group(1))
    return script[: block.start(1)] + filled + script[block.end(1) :]


def _literal(value: object) -> str:
    """A Python literal for ``value``, one item a line for a long list, sets sorted (the same
    script for the same model, whatever the hash seed)."""
    if isinstance(value, frozenset):
        return f"frozenset({_pretty(sorted(value))})"
    if isinstance(value, list) and len(value) > 3:
        return _pretty(value)
    return repr(value)


@functools.lru_cache(maxsize=8)
def _model_classes(model_bytes: bytes) -> tuple[int, ...]:
    """The class codes a classifier knows, in the order of its probability columns (a class
    missing from its training rows has none); the file is loaded by the checked loader."""
    return tuple(int(c) for c in load_model(model_bytes).classes_)


_SNIPPET = '''"""Serve {label}, trained by Tradeoff Explorer.

Install what it was trained with, then run it on a table of rows to score:

    pip install {install}
    python serve.py rows.csv predictions.csv      (or .parquet for either)

From Python: ``model = load(); predictions = predict(model, rows)`` with rows a pandas DataFrame.
"""

from __future__ import annotations

import io
import sys

import numpy as np
import pandas as pd
import skops.io as sio

MODEL_FILE = {model_file}
DATASET = {dataset}
TARGET = {target}
TASK = {task}
#: What the model's class codes mean (classification): code i is CLASSES[i].
CLASSES = {classes}
#: The columns the pipeline reads, in order: each comes from column "source" of your table (a date
#: split into "part", a yes/no column turned into 1/0), as a number or as a category (text).
FEATURES = {features}
#: The only types and skops loaders a model file may hold: exactly what Tradeoff Explorer's
#: models and their preprocessing write (no function, no module by prefix).
TRUSTED_TYPES = frozenset({trusted_types})
TRUSTED_LOADERS = frozenset({trusted_loaders})
MAX_SCHEMA_BYTES = {max_schema_bytes}
TRAINED_WITH = {versions}
TRUE_WORDS = {{"true", "yes", "y", "t", "1", "on"}}
FALSE_WORDS = {{"false", "no", "n", "f", "0", "off"}}


def load(path: str = MODEL_FILE):
    """The fitted pipeline, loaded without pickle. The file is refused, before anything in it is
    built, unless every type and loader it names is in TRUSTED_TYPES and TRUSTED_LOADERS; then
    the index arrays of its trees are checked to be in range."""
    with open(path, "rb") as handle:
        data = handle.read()
    refused = schema_problems(data, TRUSTED_TYPES, TRUSTED_LOADERS, MAX_SCHEMA_BYTES)
    if refused:
        raise ValueError(
            f"{{path}} was not loaded: it holds what Tradeoff Explorer never writes into a model "
            f"file ({{', '.join(refused)}}); it may have been made or changed by someone else."
        )
    model = sio.loads(data, trusted=sorted(TRUSTED_TYPES))
    damaged = check_structure(model)
    if damaged:
        raise ValueError(f"{{path}} was not used: it holds {{'; '.join(damaged)}}.")
    return model


# The two checks below are the very code Tradeoff Explorer's store runs (core/trust.py).


{checks}


def _column(rows: pd.DataFrame, feature: dict) -> pd.Series:
    for name in (feature["name"], feature["source"]):
        if name in rows.columns:
            return rows[name]
    raise KeyError(feature["source"])


def _text(value: object) -> object:
    """A category as in training: 3 not 3.0, missing stays missing."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return np.nan
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (float, np.floating)) and float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return str(value)


def _number(values: pd.Series, feature: dict) -> pd.Series:
    if feature["part"]:
        stamps = pd.to_datetime(values, errors="coerce")
        part = {{"weekday": "day_of_week"}}.get(feature["part"], feature["part"])
        return getattr(stamps.dt, part).astype(np.float64)
    if feature["yes_no"] and not pd.api.types.is_numeric_dtype(values):
        words = values.map(lambda v: str(v).strip().lower() if pd.notna(v) else v)
        known = words.isna() | words.isin(TRUE_WORDS | FALSE_WORDS)
        if not known.all():
            found = values[~known].iloc[0]
            raise ValueError(f"Column {{feature['source']!r}} must be yes/no; got {{found!r}}.")
        return words.map(lambda w: 1.0 if w in TRUE_WORDS else 0.0 if w in FALSE_WORDS else np.nan)
    numbers = pd.to_numeric(values, errors="coerce")
    bad = numbers.isna() & values.notna()
    if bad.any():
        found = values[bad].iloc[0]
        raise ValueError(f"Column {{feature['source']!r}} must hold numbers; got {{found!r}}.")
    return numbers.astype(np.float64)


def prepare(rows: pd.DataFrame) -> pd.DataFrame:
    """The pipeline's input from rows of your table; a missing or malformed column is an error
    that names it. Columns the model does not use are ignored."""
    missing = sorted({{f["source"] for f in FEATURES if f["name"] not in rows.columns
                      and f["source"] not in rows.columns}})
    if missing:
        raise ValueError(f"Missing input columns: {{missing}}")
    data = {{}}
    for feature in FEATURES:
        values = _column(rows, feature).reset_index(drop=True)
        if feature["kind"] == "number":
            data[feature["name"]] = _number(values, feature)
        else:
            data[feature["name"]] = pd.Series([_text(v) for v in values], dtype=object)
    return pd.DataFrame(data, index=pd.RangeIndex(len(rows)))


def predict(model, rows: pd.DataFrame) -> pd.DataFrame:
    """One row per input row: the prediction and, for classifiers, each class's probability."""
    X = prepare(rows)
    out = pd.DataFrame(index=X.index)
    predicted = model.predict(X)
    if TASK == "regression":
        out["prediction"] = np.asarray(predicted, dtype=float)
        return out
    out["prediction"] = [CLASSES[int(code)] for code in predicted]
    if hasattr(model, "predict_proba"):
        proba = probabilities(model, X)
        for code, name in enumerate(CLASSES):
            out[f"probability of {{name}}"] = proba[:, code]
    return out


def probabilities(model, X: pd.DataFrame) -> np.ndarray:
    """One column per class, as Tradeoff Explorer measured them: in float64, a class the model
    never saw in training at 0, each row summing to exactly 1 (float32 models such as XGBoost
    sum to 1 only up to rounding)."""
    raw = np.asarray(model.predict_proba(X), dtype=np.float64)
    out = np.zeros((len(X), len(CLASSES)))
    out[:, np.asarray(model.classes_, dtype=np.int64)] = raw
    total = out.sum(axis=1, keepdims=True)
    return np.divide(out, total, out=np.full_like(out, 1 / len(CLASSES)), where=total > 0)


def _read(path: str) -> pd.DataFrame:
    return pd.read_parquet(path) if path.endswith((".parquet", ".pq")) else pd.read_csv(path)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python serve.py ROWS.csv|.parquet PREDICTIONS.csv|.parquet", file=sys.stderr)
        return 2
    source, target = argv
    try:
        predictions = predict(load(), _read(source))
    except (ValueError, KeyError, OSError) as exc:
        print(f"error: {{exc}}", file=sys.stderr)
        return 2
    if target.endswith((".parquet", ".pq")):
        predictions.to_parquet(target)
    else:
        predictions.to_csv(target, index=False)
    print(f"{{len(predictions)}} predictions written to {{target}}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
'''
