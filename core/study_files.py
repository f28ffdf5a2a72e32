"""One saved study as files: the truth from which the store's index can always be rebuilt.

A study folder holds::

    manifest.json          what the study is: its summary row, every result (metadata JSON) and
                           the SHA-256 and size of each file below; written last
    X.parquet              the dataset's features, exactly (dtypes, column names, index)
    arrays.npz             y, row_ids, eval_index, eval_fold and every model's predictions
    models/<name>.skops    each fitted pipeline: the exact skops bytes of the study
    models/<name>.onnx     each compiled model that was verified (:mod:`core.compiled`); kept
                           as bytes for export, never loaded when a study is opened
    table.bin              the uploaded file the study was trained on, byte for byte, when the
                           app had it (its SHA-256 is the dataset's): reopening the study makes
                           it the current data again (a bundled sample is never copied)

A folder is a finished study exactly when its ``manifest.json`` reads back as one. A manifest is
read as hostile input: its size is bounded, every field is checked, and it may name only the
files above (no path leaves the folder).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
from dataclasses import asdict, dataclass, fields, is_dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd

from core.dataset import ColumnProfile, Dataset, DataWarning
from core.pareto import Budgets
from core.results import environment, model_filename, model_to_dict, onnx_filename
from core.runtimes import RuntimeFigures
from core.stats import Predictions
from core.study import ModelResult, StudyConfig, StudyResult

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

MANIFEST = "manifest.json"
MANIFEST_FORMAT = "tradeoff-explorer study"
MANIFEST_VERSION = 1
#: The largest manifest read (a crafted folder may hold anything).
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
#: The only files a manifest may name: the data, the arrays and model files by safe name.
FILE_PATH = re.compile(
    r"X\.parquet|arrays\.npz|table\.bin|curves\.json"
    r"|models/[A-Za-z0-9_.-]{1,200}\.(?:skops|onnx)",
    re.ASCII,
)
#: Files added to a saved study after it was saved (the exact list), by what they hold.
ATTACHMENTS = {"curves": "curves.json"}
#: The file holding the study's own table (see the module's docstring).
TABLE_FILE = "table.bin"
STUDY_ID = re.compile(r"[0-9a-f]{32}", re.ASCII)
_T = TypeVar("_T", bound="DataclassInstance")
_FLOAT = "$float"  # JSON has no NaN/inf: they are written as {"$float": "nan"} and read back


@dataclass(frozen=True)
class StudySummary:
    """One row of the Studies page. ``n_models`` counts every model tried (failed ones too);
    ``best_*`` is the academic pick and ``recommended_*`` the industry pick, each with its primary
    metric (``None`` when there is no such pick)."""

    study_id: str
    created_at: str
    dataset_name: str
    target: str
    task: str
    n_rows: int
    primary_metric: str
    n_models: int
    best_label: str | None
    best_metric: float | None
    recommended_label: str | None
    recommended_metric: float | None
    duration_s: float


@dataclass(frozen=True)
class FileRecord:
    """One file of a study: its path in the folder, SHA-256 and size."""

    path: str
    sha256: str
    size_bytes: int


@dataclass(frozen=True)
class Manifest:
    """What a study folder says it holds (checked when read)."""

    study_id: str
    saved_at: str
    summary: StudySummary
    meta: dict[str, Any]
    files: tuple[FileRecord, ...]

    @property
    def hashes(self) -> dict[str, str]:
        return {f.path: f.sha256 for f in self.files}

    def to_bytes(self) -> bytes:
        document = {
            "format": MANIFEST_FORMAT,
            "manifest_version": MANIFEST_VERSION,
            "study_id": self.study_id,
            "saved_at": self.saved_at,
            "summary": asdict(self.summary),
            "meta": self.meta,
            "files": [asdict(f) for f in self.files],
        }
        return dumps(document).encode("utf-8")


class ManifestError(ValueError):
    """A folder's manifest is missing, unreadable or not one this app writes."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_study(
    study: StudyResult, folder: Path, study_id: str, saved_at: str, table: bytes | None = None
) -> Manifest:
    """Write every file of ``study`` into ``folder``, the manifest last; return the manifest.
    ``table``, the bytes of the file the study was trained on, is kept only if they are that
    file (their SHA-256 is the dataset's)."""
    ds, files = study.dataset, list[FileRecord]()

    def put(rel: str, data: bytes) -> None:
        (folder / rel).parent.mkdir(exist_ok=True)
        (folder / rel).write_bytes(data)
        files.append(FileRecord(rel, sha256(data), len(data)))

    buffer = io.BytesIO()
    ds.X.to_parquet(buffer, engine="pyarrow")
    put("X.parquet", buffer.getvalue())
    arrays = {"y": ds.y, "row_ids": ds.row_ids}
    arrays |= {"eval_index": study.eval_index, "eval_fold": study.eval_fold}
    for i, m in enumerate(study.models):
        if m.predictions is not None:
            arrays[f"y_pred_{i}"] = m.predictions.y_pred
            if m.predictions.proba is not None:
                arrays[f"proba_{i}"] = m.predictions.proba
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=False, **arrays)
    put("arrays.npz", buffer.getvalue())
    stored = {m.name: f"models/{model_filename(m.name)}" for m in study.models if m.model_bytes}
    for m in study.models:
        if m.model_bytes is not None:
            put(stored[m.name], m.model_bytes)
    compiled = {m.name: f"models/{onnx_filename(m.name)}" for m in study.models if m.onnx_bytes}
    for m in study.models:
        if m.onnx_bytes is not None:
            put(compiled[m.name], m.onnx_bytes)
    if table is not None and sha256(table) == ds.sha256:
        put(TABLE_FILE, table)
    meta = jsonable(_metadata(study, stored, compiled))
    manifest = Manifest(study_id, saved_at, summarize(study_id, study), meta, tuple(files))
    (folder / MANIFEST).write_bytes(manifest.to_bytes())
    return manifest


def read_manifest(folder: Path) -> Manifest:
    """The manifest of a study folder, checked field by field; :class:`ManifestError` if the
    folder is not a finished study this app wrote."""
    path = folder / MANIFEST
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_MANIFEST_BYTES + 1)
    except FileNotFoundError:
        raise ManifestError("it has no manifest.json") from None
    except OSError as exc:
        raise ManifestError(f"its manifest.json cannot be read ({exc.strerror or exc})") from exc
    if len(data) > MAX_MANIFEST_BYTES:
        raise ManifestError("its manifest.json is too large to be one this app writes")
    try:
        document = json.loads(data.decode("utf-8"), object_hook=_float_hook)
        return _checked(document, folder.name)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ManifestError("its manifest.json is damaged (not valid JSON)") from exc
    except (KeyError, TypeError, ValueError) as exc:
        raise ManifestError(f"its manifest.json is not one this app writes ({exc})") from exc


def _checked(document: Any, folder_name: str) -> Manifest:
    if not isinstance(document, dict) or document.get("format") != MANIFEST_FORMAT:
        raise ValueError("unknown format")
    if document["manifest_version"] != MANIFEST_VERSION:
        raise ValueError(f"manifest version {document['manifest_version']!r}")
    study_id = document["study_id"]
    if not isinstance(study_id, str) or study_id != folder_name or not STUDY_ID.fullmatch(study_id):
        raise ValueError("its study id is not its folder's name")
    summary = summary_from(dict(document["summary"], study_id=study_id))
    files = tuple(_file_record(f) for f in document["files"])
    paths = {f.path for f in files}
    if not {"X.parquet", "arrays.npz"} <= paths or len(paths) != len(files):
        raise ValueError("its file list is incomplete")
    meta = document["meta"]
    if not isinstance(meta, dict) or not isinstance(meta.get("models"), list):
        raise ValueError("no results")
    for model in meta["models"]:
        if not isinstance(model, dict) or not {
            model.get("stored_file"),
            model.get("stored_onnx_file"),
        } <= paths | {None}:
            raise ValueError("a model names a file it does not list")
    saved_at = document["saved_at"]
    if not isinstance(saved_at, str):
        raise ValueError("no save time")
    return Manifest(study_id, saved_at, summary, meta, files)


def _file_record(item: Any) -> FileRecord:
    path, digest, size = item["path"], item["sha256"], item["size_bytes"]
    ok = isinstance(path, str) and FILE_PATH.fullmatch(path) is not None
    ok &= isinstance(digest, str) and re.fullmatch(r"[0-9a-f]{64}", digest) is not None
    if not ok or type(size) is not int or size < 0:
        raise ValueError(f"a file entry that is not a study file: {str(path)[:80]!r}")
    return FileRecord(path, digest, size)


_SUMMARY_TYPES: dict[str, tuple[type, ...]] = {
    "study_id": (str,),
    "created_at": (str,),
    "dataset_name": (str,),
    "target": (str,),
    "task": (str,),
    "n_rows": (int,),
    "primary_metric": (str,),
    "n_models": (int,),
    "best_label": (str, type(None)),
    "best_metric": (float, int, type(None)),
    "recommended_label": (str, type(None)),
    "recommended_metric": (float, int, type(None)),
    "duration_s": (float, int),
}


def summary_from(row: dict[str, Any]) -> StudySummary:
    """A :class:`StudySummary` from a manifest's or the index's row, each field type-checked."""
    values: dict[str, Any] = {}
    for name, kinds in _SUMMARY_TYPES.items():
        value = row[name]
        if isinstance(value, bool) or not isinstance(value, kinds):
            raise ValueError(f"summary field {name!r} is not a {kinds[0].__name__}")
        values[name] = value
    return StudySummary(**values)


def summarize(study_id: str, study: StudyResult) -> StudySummary:
    """The study's row of the Studies page."""
    by_name, metric, ds = {m.name: m for m in study.models}, study.primary_metric, study.dataset

    def pick(name: str | None) -> tuple[str | None, float | None]:
        model = by_name.get(name or "")
        if model is None:
            return None, None
        value = model.metrics.get(metric)
        return model.label, value if value is not None and math.isfinite(value) else None

    decision = study.decision
    best, recommended = pick(decision.academic), pick(decision.industry)
    return StudySummary(
        study_id, study.created_at, ds.name, ds.target, ds.task, ds.n_rows, metric,
        len(study.models), *best, *recommended, study.duration_s,
    )  # fmt: skip


def _metadata(
    study: StudyResult, stored: dict[str, str], compiled: dict[str, str]
) -> dict[str, Any]:
    skip = ("X", "y", "row_ids")
    models = [
        model_to_dict(m, compiling=study.config.compile_onnx)
        | {
            "fold_metrics": m.fold_metrics,
            "stored_file": stored.get(m.name),
            "stored_onnx_file": compiled.get(m.name),
        }
        for m in study.models
    ]
    return {
        "dataset": {
            f.name: getattr(study.dataset, f.name) for f in fields(Dataset) if f.name not in skip
        },
        "config": study.config,
        "primary_metric": study.primary_metric,
        "models": models,
        "recommendation": study.decision.to_dict(),  # for a reader; rebuilt on opening
        "duration_s": study.duration_s,
        "created_at": study.created_at,
        "compute": study.compute,
        "saved_with": environment(),
    }


# --- JSON that keeps NaN and infinity ------------------------------------------------------------


def jsonable(value: Any) -> Any:
    """Plain JSON values: dataclasses as dicts, tuples as lists, non-finite floats tagged."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return {_FLOAT: repr(value)}
    return value


def dumps(document: Any) -> str:
    return json.dumps(jsonable(document), allow_nan=False, ensure_ascii=False)


def loads(text: str) -> Any:
    return json.loads(text, object_hook=_float_hook)


def _float_hook(obj: dict[str, Any]) -> Any:
    if obj.keys() == {_FLOAT} and obj[_FLOAT] in ("nan", "inf", "-inf"):
        return float(obj[_FLOAT])
    return obj


# --- a study back from its files -----------------------------------------------------------------


def _build(cls: type[_T], data: dict[str, Any]) -> _T:
    """``cls(**data)`` with only the fields ``cls`` has, so older metadata keeps loading."""
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


def _dataset_from(meta: dict[str, Any], X: pd.DataFrame, y: Any, row_ids: Any) -> Dataset:
    data = dict(meta, X=X, y=y, row_ids=row_ids)
    for key in ("classes", "numeric_features", "categorical_features"):
        data[key] = tuple(data[key])
    data["profiles"] = tuple(
        ColumnProfile(**dict(p, examples=tuple(p["examples"]))) for p in data["profiles"]
    )
    data["warnings"] = tuple(DataWarning(**w) for w in data["warnings"])
    return _build(Dataset, data)


def _runtime_figures(runtimes: Any) -> RuntimeFigures | None:
    """A model's ONNX Runtime figures from its saved ``runtimes``, each value checked to be a
    number, a list of numbers or null; ``None`` when it was not served compiled (or the entry
    is not one this app writes)."""
    entry = runtimes.get("onnx") if isinstance(runtimes, dict) else None
    if not isinstance(entry, dict) or entry.get("available") is not True:
        return None
    values: dict[str, Any] = {}
    for f in fields(RuntimeFigures):
        value = entry.get(f.name)
        items = value if isinstance(value, list) else [value]
        if not all(v is None or _number(v) for v in items):
            return None
        values[f.name] = value
    return RuntimeFigures(**values)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def study_from(meta: dict[str, Any], X_bytes: bytes, arrays_bytes: bytes) -> StudyResult:
    """The study (without fitted pipelines) from its metadata and data files."""
    X = pd.read_parquet(io.BytesIO(X_bytes))
    with np.load(io.BytesIO(arrays_bytes), allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    models = []
    for i, info in enumerate(meta["models"]):
        model = _build(ModelResult, info)
        model.onnx = _runtime_figures(info.get("runtimes"))
        if f"y_pred_{i}" in arrays:
            model.predictions = Predictions(arrays[f"y_pred_{i}"], arrays.get(f"proba_{i}"))
        models.append(model)
    config = dict(meta["config"], budgets=Budgets(**meta["config"]["budgets"]))
    if config["models"] is not None:
        config["models"] = tuple(config["models"])
    return StudyResult(
        dataset=_dataset_from(meta["dataset"], X, arrays["y"], arrays["row_ids"]),
        config=_build(StudyConfig, config),
        primary_metric=meta["primary_metric"],
        models=models,
        eval_index=arrays["eval_index"],
        eval_fold=arrays["eval_fold"],
        duration_s=meta["duration_s"],
        created_at=meta["created_at"],
        compute=_compute_from(meta.get("compute")),
    )


#: What a study's ``compute`` holds (:attr:`core.study.StudyResult.compute`), each field's type.
_COMPUTE_FIELDS: dict[str, dict[str, tuple[type, ...]]] = {
    "training": {
        "executor": (str,),
        "workers": (int,),
        "threads_per_worker": (int,),
        "scheduler": (str, type(None)),
        "cpus": (dict,),
    },
    "serving": {"cpu": (str,), "cores": (int, type(None))},
}


def _compute_from(saved: Any) -> dict[str, Any]:
    """Where the study ran, as saved; anything not of the shape this app writes is dropped (it
    is only shown, never acted on), and a study saved before it was recorded has none."""
    if not isinstance(saved, dict):
        return {}
    compute: dict[str, Any] = {}
    for part, types in _COMPUTE_FIELDS.items():
        entry = saved.get(part)
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(k), t) for k, t in types.items()
        ):
            return {}
        compute[part] = {k: entry[k] for k in types}
    cpus = compute["training"]["cpus"]
    if not all(isinstance(k, str) and type(v) is int for k, v in cpus.items()):
        return {}
    return compute
