"""An embedded store of finished studies: one SQLite file for the list, plain files for the rest.

Layout under the store's root (:func:`default_store_dir` unless another is given)::

    studies.sqlite         table ``studies``: one row per study (the Studies page's columns, plus
                           all metadata as JSON); table ``files``: each study file and its SHA-256
    studies/<study_id>/
        X.parquet          the dataset's features, exactly (dtypes, column names, index)
        arrays.npz         y, row_ids, eval_index, eval_fold and every model's predictions
        models/<name>.skops  each fitted pipeline: the exact skops bytes of the study

Several Streamlit sessions (threads or processes) may share one root: every operation opens its own
short-lived SQLite connection (WAL journal, busy timeout, parameterised SQL), and a save writes its
files into ``studies/.partial-<id>``, renames that into place and only then inserts the rows, so a
failed save is never listed. Files are checked against their SHA-256 before they are read; model
files are loaded with skops trusting only types from :data:`TRUSTED_PREFIXES`. Pickle is never used.
"""

from __future__ import annotations

import builtins
import hashlib
import io
import json
import math
import os
import re
import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, fields, is_dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd
import platformdirs
import skops.io as sio

from core.dataset import ColumnProfile, Dataset, DataWarning
from core.errors import TradeoffError
from core.pareto import Budgets, Recommendation
from core.results import environment, model_filename, model_to_dict
from core.stats import Predictions
from core.study import ModelResult, StudyConfig, StudyResult

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

STORE_ENV = "TRADEOFF_STORE_DIR"
DB_NAME = "studies.sqlite"
SCHEMA_VERSION = 1
#: Module prefixes whose types a model file may contain (skops trusts plain builtins already).
TRUSTED_PREFIXES = ("sklearn.", "xgboost.", "numpy.", "scipy.", "core.")
_BUSY_TIMEOUT_S = 30.0
#: Leftovers of a crashed save or delete are removed once they are this old (never a live save).
_STALE_S = 3600.0
_ID = re.compile(r"[0-9a-f]{32}")
_T = TypeVar("_T", bound="DataclassInstance")
_FLOAT = "$float"  # JSON has no NaN/inf: they are written as {"$float": "nan"} and read back

#: Statements that bring the schema from version ``n - 1`` to ``n``; add an entry to migrate.
_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """CREATE TABLE studies (
            study_id TEXT PRIMARY KEY, saved_at TEXT NOT NULL, created_at TEXT NOT NULL,
            dataset_name TEXT NOT NULL, target TEXT NOT NULL, task TEXT NOT NULL,
            n_rows INTEGER NOT NULL, primary_metric TEXT NOT NULL, n_models INTEGER NOT NULL,
            best_label TEXT, best_metric REAL, recommended_label TEXT, recommended_metric REAL,
            duration_s REAL NOT NULL, meta TEXT NOT NULL)""",
        "CREATE INDEX studies_newest ON studies (created_at DESC, saved_at DESC)",
        """CREATE TABLE files (
            study_id TEXT NOT NULL REFERENCES studies (study_id) ON DELETE CASCADE,
            path TEXT NOT NULL, sha256 TEXT NOT NULL, size_bytes INTEGER NOT NULL,
            PRIMARY KEY (study_id, path))""",
    ),
}


class StoreError(TradeoffError):
    """A saved study cannot be found, read or written."""


def default_store_dir() -> Path:
    """``$TRADEOFF_STORE_DIR`` if set, else the user's data folder (``~/.local/share/...``)."""
    configured = os.environ.get(STORE_ENV)
    if configured:
        return Path(configured).expanduser()
    return Path(platformdirs.user_data_dir("tradeoff-explorer", appauthor=False))


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


_SUMMARY_COLUMNS = ", ".join(f.name for f in fields(StudySummary))


def _unknown(study_id: str) -> StoreError:
    return StoreError(
        f"No saved study '{study_id}'. It may have been deleted; refresh the Studies page."
    )


class StudyStore:
    """Finished studies saved under ``root``: ``root/studies.sqlite`` and ``root/studies/<id>/``."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_store_dir()
        self.db_path = self.root / DB_NAME
        try:
            (self.root / "studies").mkdir(parents=True, exist_ok=True)
            with self._connect() as conn:
                conn.execute("PRAGMA journal_mode = WAL")
            with self._transaction() as conn:
                version = int(conn.execute("PRAGMA user_version").fetchone()[0])
                if version > SCHEMA_VERSION:
                    raise StoreError(
                        f"The saved studies in {self.root} were written by a newer version of "
                        f"this app (schema {version}; this one reads up to {SCHEMA_VERSION}). "
                        f"Update the app, or set {STORE_ENV} to another folder."
                    )
                for step in range(version + 1, SCHEMA_VERSION + 1):
                    for statement in _MIGRATIONS[step]:
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(
                f"Cannot open the study store in {self.root} ({exc}). Check that the folder is "
                f"writable, or set {STORE_ENV} to another folder."
            ) from exc
        self._sweep()

    # --- connections -----------------------------------------------------------------------------

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection for one operation (autocommit; closed afterwards)."""
        conn = sqlite3.connect(self.db_path, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            yield conn
        finally:
            conn.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """A connection inside one write transaction: committed at the end, rolled back on error."""
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _dir(self, study_id: str) -> Path:
        return self.root / "studies" / study_id

    # --- public API ------------------------------------------------------------------------------

    def save(self, study: StudyResult) -> str:
        """Save ``study`` with its fitted pipelines; return its new id."""
        study_id = uuid.uuid4().hex
        partial, final = self.root / "studies" / f".partial-{study_id}", self._dir(study_id)
        try:
            partial.mkdir()
            stored, written = _write_files(study, partial)
            row = asdict(_summary(study_id, study)) | {"meta": _dumps(_metadata(study, stored))}
            row["saved_at"] = datetime.now(UTC).isoformat()
            partial.rename(final)
            with self._transaction() as conn:
                conn.execute(
                    f"INSERT INTO studies ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                    tuple(row.values()),
                )
                conn.executemany(
                    "INSERT INTO files VALUES (?, ?, ?, ?)", [(study_id, *f) for f in written]
                )
        except BaseException as exc:
            shutil.rmtree(partial, ignore_errors=True)
            shutil.rmtree(final, ignore_errors=True)
            if isinstance(exc, OSError | sqlite3.Error):
                raise StoreError(
                    f"Could not save the study in {self.root} ({exc}). Check that the folder is "
                    f"writable and the disk has free space, or set {STORE_ENV} to another folder."
                ) from exc
            raise
        return study_id

    def list(self) -> builtins.list[StudySummary]:
        """Every saved study, newest first (from the table only: no file is read)."""
        with self._connect() as conn:
            rows = conn.execute(
                f"SELECT {_SUMMARY_COLUMNS} FROM studies ORDER BY created_at DESC, saved_at DESC"
            ).fetchall()
        return [StudySummary(*row) for row in rows]

    def load(self, study_id: str, *, pipelines: bool = True) -> StudyResult:
        """The saved study, equal to the one saved. With ``pipelines=False`` no model file is read:
        each model's ``pipeline`` and ``model_bytes`` are ``None`` (see :meth:`model_bytes`)."""
        meta_text, hashes = self._lookup(study_id)
        try:
            meta = json.loads(meta_text, object_hook=_float_hook)
            X = pd.read_parquet(io.BytesIO(self._read(study_id, "X.parquet", hashes)))
            with np.load(io.BytesIO(self._read(study_id, "arrays.npz", hashes))) as npz:
                study = _study_from(meta, X, {key: npz[key] for key in npz.files})
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(
                f"Saved study '{study_id}' could not be read by this version of the app ({exc}). "
                "Run the study again."
            ) from exc
        for model, info in zip(study.models, meta["models"], strict=True):
            if pipelines and info["stored_file"]:
                model.model_bytes = self._read(study_id, info["stored_file"], hashes)
                model.pipeline = _load_pipeline(model.model_bytes, study_id, info["stored_file"])
        return study

    def model_bytes(self, study_id: str, model_name: str) -> bytes:
        """The checked skops bytes of one saved model (for a download without loading it)."""
        meta_text, hashes = self._lookup(study_id)
        for info in json.loads(meta_text, object_hook=_float_hook)["models"]:
            if info["name"] == model_name and info["stored_file"]:
                return self._read(study_id, info["stored_file"], hashes)
        raise StoreError(f"Saved study '{study_id}' has no fitted model '{model_name}'.")

    def delete(self, study_id: str) -> None:
        """Remove the study's rows, then its files."""
        if not isinstance(study_id, str) or not _ID.fullmatch(study_id):
            raise _unknown(str(study_id))
        with self._transaction() as conn:
            if conn.execute("DELETE FROM studies WHERE study_id = ?", (study_id,)).rowcount == 0:
                raise _unknown(study_id)
        shutil.rmtree(self._dir(study_id), ignore_errors=True)

    def __contains__(self, study_id: object) -> bool:
        if not isinstance(study_id, str):
            return False
        with self._connect() as conn:
            found = conn.execute("SELECT 1 FROM studies WHERE study_id = ?", (study_id,))
            return found.fetchone() is not None

    def __len__(self) -> int:
        with self._connect() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM studies").fetchone()[0])

    # --- helpers ---------------------------------------------------------------------------------

    def _lookup(self, study_id: str) -> tuple[str, dict[str, str]]:
        """The study's metadata JSON and the SHA-256 of each of its files."""
        if not isinstance(study_id, str) or not _ID.fullmatch(study_id):
            raise _unknown(str(study_id))
        with self._connect() as conn:
            row = conn.execute("SELECT meta FROM studies WHERE study_id = ?", (study_id,))
            found = row.fetchone()
            files = conn.execute("SELECT path, sha256 FROM files WHERE study_id = ?", (study_id,))
            hashes = dict(files.fetchall())
        if found is None:
            raise _unknown(study_id)
        return str(found[0]), hashes

    def _read(self, study_id: str, rel: str, hashes: dict[str, str]) -> bytes:
        """A file's bytes, only if its SHA-256 is the one recorded when it was saved."""
        try:
            data = (self._dir(study_id) / rel).read_bytes()
        except OSError as exc:
            if study_id not in self:  # deleted by another session meanwhile
                raise _unknown(study_id) from exc
            raise StoreError(
                f"Saved study '{study_id}' is incomplete: its file {rel} is missing. Delete it on "
                "the Studies page and run the study again."
            ) from exc
        if hashes.get(rel) != _sha256(data):
            raise StoreError(
                f"Saved study '{study_id}' is damaged: its file {rel} changed after it was saved. "
                "Delete it on the Studies page and run the study again."
            )
        return data

    def _sweep(self) -> None:
        """Remove folders no row points to (a crashed save or delete) once they are stale."""
        with self._connect() as conn:
            known = {row[0] for row in conn.execute("SELECT study_id FROM studies")}
        cutoff = time.time() - _STALE_S
        for path in (self.root / "studies").iterdir():
            with suppress(OSError):
                if path.name not in known and path.stat().st_mtime < cutoff:
                    shutil.rmtree(path)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _put(folder: Path, rel: str, data: bytes, written: list[tuple[str, str, int]]) -> None:
    """Write one file of a study and record its path, SHA-256 and size."""
    (folder / rel).parent.mkdir(exist_ok=True)
    (folder / rel).write_bytes(data)
    written.append((rel, _sha256(data), len(data)))


def _write_files(
    study: StudyResult, folder: Path
) -> tuple[dict[str, str], list[tuple[str, str, int]]]:
    """Write the study's files into ``folder``: each model's file by name, and every file's hash."""
    ds, written = study.dataset, list[tuple[str, str, int]]()
    buffer = io.BytesIO()
    ds.X.to_parquet(buffer, engine="pyarrow")
    _put(folder, "X.parquet", buffer.getvalue(), written)
    arrays = {"y": ds.y, "row_ids": ds.row_ids}
    arrays |= {"eval_index": study.eval_index, "eval_fold": study.eval_fold}
    for i, m in enumerate(study.models):
        if m.predictions is not None:
            arrays[f"y_pred_{i}"] = m.predictions.y_pred
            if m.predictions.proba is not None:
                arrays[f"proba_{i}"] = m.predictions.proba
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=False, **arrays)
    _put(folder, "arrays.npz", buffer.getvalue(), written)
    stored = {m.name: f"models/{model_filename(m.name)}" for m in study.models if m.model_bytes}
    for m in study.models:
        if m.model_bytes is not None:
            _put(folder, stored[m.name], m.model_bytes, written)
    return stored, written


def _metadata(study: StudyResult, stored: dict[str, str]) -> dict[str, Any]:
    skip = ("X", "y", "row_ids")
    models = [
        model_to_dict(m) | {"fold_metrics": m.fold_metrics, "stored_file": stored.get(m.name)}
        for m in study.models
    ]
    return {
        "dataset": {
            f.name: getattr(study.dataset, f.name) for f in fields(Dataset) if f.name not in skip
        },
        "config": study.config,
        "primary_metric": study.primary_metric,
        "models": models,
        "recommendation": study.recommendation,
        "duration_s": study.duration_s,
        "created_at": study.created_at,
        "saved_with": environment(),
    }


def _summary(study_id: str, study: StudyResult) -> StudySummary:
    """The study's row of the Studies page (the columns of table ``studies``)."""
    by_name, metric, ds = {m.name: m for m in study.models}, study.primary_metric, study.dataset

    def pick(name: str | None) -> tuple[str | None, float | None]:
        model = by_name.get(name or "")
        if model is None:
            return None, None
        value = model.metrics.get(metric)
        return model.label, value if value is not None and math.isfinite(value) else None

    best, recommended = pick(study.recommendation.academic), pick(study.recommendation.industry)
    return StudySummary(
        study_id, study.created_at, ds.name, ds.target, ds.task, ds.n_rows, metric,
        len(study.models), *best, *recommended, study.duration_s,
    )  # fmt: skip


def _jsonable(value: Any) -> Any:
    """Plain JSON values: dataclasses as dicts, tuples as lists, non-finite floats tagged."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return {_FLOAT: repr(value)}
    return value


def _dumps(meta: dict[str, Any]) -> str:
    return json.dumps(_jsonable(meta), allow_nan=False, ensure_ascii=False)


def _float_hook(obj: dict[str, Any]) -> Any:
    return float(obj[_FLOAT]) if obj.keys() == {_FLOAT} else obj


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


def _study_from(meta: dict[str, Any], X: pd.DataFrame, arrays: dict[str, Any]) -> StudyResult:
    models = []
    for i, info in enumerate(meta["models"]):
        model = _build(ModelResult, info)
        if f"y_pred_{i}" in arrays:
            model.predictions = Predictions(arrays[f"y_pred_{i}"], arrays.get(f"proba_{i}"))
        models.append(model)
    config = dict(meta["config"], budgets=Budgets(**meta["config"]["budgets"]))
    if config["models"] is not None:
        config["models"] = tuple(config["models"])
    rec = meta["recommendation"]
    return StudyResult(
        dataset=_dataset_from(meta["dataset"], X, arrays["y"], arrays["row_ids"]),
        config=_build(StudyConfig, config),
        primary_metric=meta["primary_metric"],
        models=models,
        recommendation=Recommendation(**dict(rec, budgets=Budgets(**rec["budgets"]))),
        eval_index=arrays["eval_index"],
        eval_fold=arrays["eval_fold"],
        duration_s=meta["duration_s"],
        created_at=meta["created_at"],
    )


def _load_pipeline(data: bytes, study_id: str, rel: str) -> Any:
    """Load skops bytes, trusting only the types of :data:`TRUSTED_PREFIXES`."""
    untrusted = sio.get_untrusted_types(data=data)
    refused = [name for name in untrusted if not name.startswith(TRUSTED_PREFIXES)]
    if refused:
        raise StoreError(
            f"Saved study '{study_id}' has a model file ({rel}) holding types this app does not "
            f"load: {', '.join(refused)}. It was not written by this app; delete the study and "
            "run it again."
        )
    try:
        return sio.loads(data, trusted=untrusted)
    except Exception as exc:
        raise StoreError(
            f"The model file {rel} of saved study '{study_id}' cannot be loaded by this version "
            f"of the app ({exc}). Run the study again."
        ) from exc
