"""An embedded store of finished studies: the study folders are the truth, SQLite is their index.

Layout under the store's root (:func:`default_store_dir` unless another is given)::

    studies.sqlite            the index: table ``studies`` (one row per study: the Studies page's
                              columns and all metadata as JSON) and table ``files`` (each file's
                              SHA-256); rebuilt from the folders whenever it is lost
    studies/<study_id>/       one finished study, with its own manifest (see core.study_files)
    studies/.partial-<id>/    a save under way: marked incomplete by its name
    studies/.deleting-<id>/   a delete under way

Promises:

* **A finished study is never deleted by the store on its own.** A save writes its files into
  ``.partial-<id>``, the manifest last, renames the folder into place and only then adds the
  index rows; a delete renames the folder to ``.deleting-<id>`` before removing anything. Cleanup
  touches only those two kinds of folder, and only once they are an hour old.
* **Losing the index loses nothing.** A missing, emptied or corrupt ``studies.sqlite`` (at start
  or while running) is set aside and rebuilt from the manifests, and the store says so once
  (:attr:`StudyStore.notices`); ``python -m core store rebuild`` does it by hand.
* **A read-only folder still lists and opens studies** (from an index kept in memory); saving or
  deleting says why it cannot.
* **Nothing in a file runs code.** Files are checked against their SHA-256 before they are read;
  model files are loaded by :func:`core.trust.load_model` (an exact list of types). A model file
  that is damaged or refused leaves that model unavailable (with the reason in
  ``ModelResult.file_problem``), not the study. Pickle is never used.

Several Streamlit sessions (threads or processes) may share one root: every operation opens its
own short-lived SQLite connection (WAL journal, busy timeout, parameterised SQL).
"""

from __future__ import annotations

import builtins
import os
import shutil
import sqlite3
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import astuple, dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import platformdirs

from core.compiled import GraphRefused, check_graph
from core.errors import TradeoffError
from core.study import StudyResult
from core.study_files import (
    ATTACHMENTS,
    MANIFEST,
    STUDY_ID,
    TABLE_FILE,
    FileRecord,
    Manifest,
    ManifestError,
    StudySummary,
    dumps,
    loads,
    read_manifest,
    sha256,
    study_from,
    summary_from,
    write_study,
)
from core.trust import ModelFileError, load_model

__all__ = ["STORE_ENV", "RebuildReport", "StoreError", "StoreNotice", "StudyStore", "StudySummary"]

STORE_ENV = "TRADEOFF_STORE_DIR"
DB_NAME = "studies.sqlite"
SCHEMA_VERSION = 1
_BUSY_TIMEOUT_S = 30.0
#: A save or delete folder left behind is removed once it is this old (never a live one).
_STALE_S = 3600.0
_PARTIAL, _DELETING = ".partial-", ".deleting-"
_R = TypeVar("_R")
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()

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
_SUMMARY_COLUMNS = ", ".join(f.name for f in fields(StudySummary))


class StoreError(TradeoffError):
    """A saved study cannot be found, read or written."""


@dataclass(frozen=True)
class StoreNotice:
    """Something the store did on its own that a person should hear about once."""

    number: int
    at: float
    message: str


@dataclass(frozen=True)
class RebuildReport:
    """What a rebuild of the index found: studies listed, folders that are not studies."""

    studies: int
    skipped: tuple[tuple[str, str], ...]

    @property
    def sentence(self) -> str:
        text = f"{self.studies} stud{'y' if self.studies == 1 else 'ies'} listed"
        if self.skipped:
            text += f"; {len(self.skipped)} folder(s) kept but not listed: " + "; ".join(
                f"{name} ({why})" for name, why in self.skipped
            )
        return text + "."


def default_store_dir() -> Path:
    """``$TRADEOFF_STORE_DIR`` if set, else the user's data folder (``~/.local/share/...``)."""
    configured = os.environ.get(STORE_ENV)
    if configured:
        return Path(configured).expanduser()
    return Path(platformdirs.user_data_dir("tradeoff-explorer", appauthor=False))


def _unknown(study_id: str) -> StoreError:
    return StoreError(
        f"No saved study '{study_id}'. It may have been deleted; refresh the Studies page."
    )


class _FileProblem(StoreError):
    """One file of a saved study is missing or changed; ``clause`` says which, in a few words."""

    def __init__(self, message: str, clause: str) -> None:
        super().__init__(message)
        self.clause = clause


def _index_lost(exc: sqlite3.DatabaseError) -> bool:
    """Whether ``exc`` means the index file is gone, emptied or corrupt (not merely busy)."""
    if isinstance(exc, sqlite3.OperationalError):
        return "no such table" in str(exc)
    return (
        getattr(exc, "sqlite_errorname", "") in ("SQLITE_CORRUPT", "SQLITE_NOTADB")
        or type(exc) is sqlite3.DatabaseError
    )


class StudyStore:
    """Finished studies saved under ``root``: ``root/studies/<id>/`` and their index."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_store_dir()
        self.db_path = self.root / DB_NAME
        self.studies_dir = self.root / "studies"
        #: Why the store cannot write (``None`` when it can).
        self.read_only: str | None = None
        self.notices: list[StoreNotice] = []
        self._memory: sqlite3.Connection | None = None
        self._memory_lock = threading.RLock()
        with _LOCKS_GUARD:
            self._lock = _LOCKS.setdefault(str(self.db_path.resolve()), threading.Lock())
        try:
            self.studies_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            if not self.studies_dir.is_dir():
                raise StoreError(
                    f"Cannot open the study store in {self.root} ({exc.strerror or exc}). Check "
                    f"that the folder exists and is writable, or set {STORE_ENV} to another folder."
                ) from exc
        self.read_only = _not_writable(self.studies_dir)
        if self.read_only:
            self._open_in_memory()
            return
        try:
            with self._lock:
                self._open_index()
                self._reconcile()
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(
                f"Cannot open the study store in {self.root} ({exc}). Check that the folder is "
                f"writable, or set {STORE_ENV} to another folder."
            ) from exc
        self._sweep()

    # --- the index -------------------------------------------------------------------------------

    def _open_index(self) -> None:
        """Create or migrate the index; set a lost or corrupt one aside and rebuild it."""
        missing = not self.db_path.exists() or self.db_path.stat().st_size == 0
        try:
            version = self._migrate()
            damaged = not self._healthy()
        except sqlite3.DatabaseError as exc:
            if not _index_lost(exc):
                raise
            damaged = True
        if damaged:
            self._set_aside()
            self._migrate()
            self._rebuild_locked("it was damaged")
            return
        if (missing or version == 0) and any(self._study_folders()):
            self._rebuild_locked("it was missing")

    def _migrate(self) -> int:
        """Bring the index's schema up to date; return the version it had."""
        conn = sqlite3.connect(self.db_path, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("BEGIN IMMEDIATE")
            try:
                version = int(conn.execute("PRAGMA user_version").fetchone()[0])
                if version > SCHEMA_VERSION:
                    raise StoreError(
                        f"The saved studies in {self.root} were written by a newer version of "
                        f"this app (schema {version}; this one reads up to {SCHEMA_VERSION}). "
                        f"Update the app, or set {STORE_ENV} to another folder."
                    )
                _create_schema(conn, version)
                conn.execute("SELECT COUNT(*) FROM studies").fetchone()
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return version
        finally:
            conn.close()

    def _healthy(self) -> bool:
        """Whether the index file reads back whole (SQLite's quick check of every page)."""
        try:
            with self._connect() as conn:
                conn.execute("SELECT COUNT(*) FROM studies").fetchone()
                return bool(conn.execute("PRAGMA quick_check").fetchone()[0] == "ok")
        except sqlite3.DatabaseError as exc:
            if _index_lost(exc):
                return False
            raise

    def _set_aside(self) -> None:
        """Move a damaged index (and its journal) out of the way; it is kept, never deleted."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        for suffix in ("", "-wal", "-shm"):
            with suppress(FileNotFoundError):
                path = self.db_path.with_name(DB_NAME + suffix)
                path.replace(path.with_name(f"{DB_NAME}.damaged-{stamp}{suffix}"))

    def _recover(self, why: str) -> None:
        """The index vanished or broke while running: make a new one from the folders (unless
        another thread of this process just did)."""
        with self._lock:
            if not self.db_path.exists():
                for suffix in ("-wal", "-shm"):  # the journal of the lost file, not of a new one
                    with suppress(FileNotFoundError):
                        self.db_path.with_name(DB_NAME + suffix).unlink()
            elif self._healthy():
                return
            else:
                self._set_aside()
            self._migrate()
            self._rebuild_locked(why)

    def _rebuild_locked(self, why: str | None) -> RebuildReport:
        manifests, skipped = self._read_folders()
        with self._transaction() as conn:
            conn.execute("DELETE FROM files")
            conn.execute("DELETE FROM studies")
            for manifest in manifests:
                _insert(conn, manifest)
        report = RebuildReport(len(manifests), tuple(skipped))
        if why:
            self._notify(
                f"The list of saved studies was rebuilt from the study folders because its index "
                f"file {DB_NAME} {why}: {report.sentence} Nothing was lost."
            )
        return report

    def rebuild(self) -> RebuildReport:
        """Rebuild the index from the study folders (``python -m core store rebuild``)."""
        if self.read_only:
            self._open_in_memory()
            return RebuildReport(len(self), ())
        with self._lock:
            self._write_missing_manifests()
            return self._rebuild_locked(None)

    def _reconcile(self) -> None:
        """Make the index match the folders: add studies it misses, drop rows with no folder,
        and give studies saved by an older version (no manifest) their manifest."""
        self._write_missing_manifests()
        on_disk = set(self._study_folders())
        with self._connect() as conn:
            indexed = {row[0] for row in conn.execute("SELECT study_id FROM studies")}
        added: list[Manifest] = []
        for study_id in sorted(on_disk - indexed):
            with suppress(ManifestError):
                added.append(read_manifest(self._dir(study_id)))
        gone = indexed - on_disk
        if added or gone:
            with self._transaction() as conn:
                for manifest in added:
                    _insert(conn, manifest)
                conn.executemany("DELETE FROM studies WHERE study_id = ?", [(i,) for i in gone])

    def _write_missing_manifests(self) -> None:
        """Studies saved before manifests existed get one, written from their index row."""
        for study_id in self._study_folders():
            folder = self._dir(study_id)
            if (folder / "manifest.json").exists():
                continue
            try:
                row, files = self._index_row(study_id)
            except (StoreError, sqlite3.Error, KeyError, TypeError, ValueError):
                continue  # not in the index either: left alone, reported by a rebuild
            manifest = Manifest(study_id, row.pop("saved_at"), summary_from(row), *files)
            _write_atomically(folder / "manifest.json", manifest.to_bytes())

    def _index_row(self, study_id: str) -> tuple[dict[str, Any], tuple[Any, ...]]:
        with self._connect() as conn:
            cursor = conn.execute(
                f"SELECT {_SUMMARY_COLUMNS}, saved_at, meta FROM studies WHERE study_id = ?",
                (study_id,),
            )
            found = cursor.fetchone()
            names = [d[0] for d in cursor.description]
            files = conn.execute(
                "SELECT path, sha256, size_bytes FROM files WHERE study_id = ?", (study_id,)
            ).fetchall()
        if found is None:
            raise _unknown(study_id)
        row = dict(zip(names, found, strict=True))
        meta = loads(row.pop("meta"))
        return row, (meta, tuple(FileRecord(*f) for f in files))

    def _read_folders(self) -> tuple[builtins.list[Manifest], builtins.list[tuple[str, str]]]:
        manifests, skipped = [], []
        for study_id in self._study_folders():
            try:
                manifests.append(read_manifest(self._dir(study_id)))
            except ManifestError as exc:
                skipped.append((study_id, str(exc)))
        names = {p.name for p in self._entries()} - {m.study_id for m in manifests}
        for name in sorted(names - {s[0] for s in skipped}):
            if not name.startswith((_PARTIAL, _DELETING)):
                skipped.append((name, "not a study folder"))
        return manifests, skipped

    def _open_in_memory(self) -> None:
        """The index of a read-only store: built in memory from the folders (and, for studies
        saved before manifests existed, from the index file, opened read-only)."""
        memory = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        memory.execute("PRAGMA foreign_keys = ON")
        _create_schema(memory, 0)
        manifests, _ = self._read_folders()
        for manifest in manifests:
            _insert(memory, manifest)
        known = {m.study_id for m in manifests}
        if self.db_path.exists():
            with suppress(sqlite3.Error):
                _copy_legacy_rows(self.db_path, memory, known, set(self._study_folders()))
        with self._memory_lock:
            self._memory = memory
        self._notify(
            f"The study folder {self.root} cannot be written ({self.read_only}): saved studies "
            "can be opened, but new ones are not saved."
        )

    def _notify(self, message: str) -> None:
        self.notices.append(StoreNotice(len(self.notices) + 1, time.time(), message))

    # --- connections -----------------------------------------------------------------------------

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection for one operation (autocommit; closed afterwards)."""
        if self._memory is not None:
            with self._memory_lock:
                yield self._memory
            return
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

    def _query(self, op: Callable[[sqlite3.Connection], _R], *, write: bool = False) -> _R:
        """Run ``op`` on the index; an index lost while running is rebuilt, then ``op`` retried."""
        for attempt in (1, 2):
            if self._memory is None and not self.db_path.exists():
                self._recover("was missing")
            try:
                with self._transaction() if write else self._connect() as conn:
                    return op(conn)
            except sqlite3.DatabaseError as exc:
                if attempt == 2 or self._memory is not None or not _index_lost(exc):
                    raise
                self._recover("was damaged or emptied")
        raise AssertionError("unreachable")

    def _dir(self, study_id: str) -> Path:
        return self.studies_dir / study_id

    def _entries(self) -> builtins.list[Path]:
        try:
            return sorted(self.studies_dir.iterdir())
        except FileNotFoundError:
            return []

    def _study_folders(self) -> builtins.list[str]:
        return [p.name for p in self._entries() if STUDY_ID.fullmatch(p.name) and p.is_dir()]

    def _require_writable(self, action: str) -> None:
        if self.read_only:
            raise StoreError(
                f"Cannot {action}: the study folder {self.root} is read-only ({self.read_only}). "
                f"Make it writable, or set {STORE_ENV} to a writable folder and restart the app."
            )

    # --- public API ------------------------------------------------------------------------------

    def save(self, study: StudyResult, *, table: bytes | None = None) -> str:
        """Save ``study`` with its fitted pipelines (and ``table``, the bytes of the file it
        was trained on, when given and they are that file); return its new id."""
        self._require_writable("save the study")
        study_id = uuid.uuid4().hex
        partial, final = self.studies_dir / f"{_PARTIAL}{study_id}", self._dir(study_id)
        try:
            self.studies_dir.mkdir(parents=True, exist_ok=True)
            partial.mkdir()
            manifest = write_study(
                study, partial, study_id, datetime.now(UTC).isoformat(), table=table
            )
            partial.rename(final)
        except OSError as exc:
            shutil.rmtree(partial, ignore_errors=True)
            raise StoreError(
                f"Could not save the study in {self.root} ({exc}). Check that the folder is "
                f"writable and the disk has free space, or set {STORE_ENV} to another folder."
            ) from exc
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        try:
            self._query(lambda conn: _insert(conn, manifest), write=True)
        except sqlite3.Error as exc:  # the files are in place: the next start lists the study
            raise StoreError(
                f"The study was saved in {final}, but the list of saved studies could not be "
                f"updated ({exc}); it will be listed when the app restarts."
            ) from exc
        return study_id

    def list(self) -> builtins.list[StudySummary]:
        """Every saved study, newest first (from the index only: no file is read)."""
        rows = self._query(
            lambda conn: conn.execute(
                f"SELECT {_SUMMARY_COLUMNS} FROM studies ORDER BY created_at DESC, saved_at DESC"
            ).fetchall()
        )
        return [StudySummary(*row) for row in rows]

    def load(self, study_id: str, *, pipelines: bool = True) -> StudyResult:
        """The saved study, equal to the one saved. With ``pipelines=False`` no model file is
        read: each model's ``pipeline`` and ``model_bytes`` are ``None`` (see
        :meth:`model_bytes`). A model whose file is damaged or refused is left without its
        pipeline, its reason in ``file_problem``; the study still opens."""
        meta, hashes = self._lookup(study_id)
        try:
            study = study_from(
                meta,
                self._read(study_id, "X.parquet", hashes),
                self._read(study_id, "arrays.npz", hashes),
            )
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(
                f"Saved study '{study_id}' could not be read by this version of the app ({exc}). "
                "Run the study again."
            ) from exc
        for model, info in zip(study.models, meta["models"], strict=True):
            if pipelines and info.get("stored_file"):
                try:
                    data = self._read(study_id, info["stored_file"], hashes)
                    model.pipeline, model.model_bytes = load_model(data), data
                except (_FileProblem, ModelFileError) as exc:
                    model.file_problem = _file_problem(info["stored_file"], exc)
            if pipelines and info.get("stored_onnx_file") and model.onnx is not None:
                try:  # kept for export, checked to be a graph this app writes; never run here
                    data = self._read(study_id, info["stored_onnx_file"], hashes)
                    check_graph(data)
                    model.onnx_bytes = data
                except (_FileProblem, GraphRefused) as exc:
                    model.onnx_bytes = None
                    model.onnx_problem = (
                        f"Its compiled file {info['stored_onnx_file']} cannot be used ({exc}); "
                        "its measured figures stand, but it cannot be exported compiled."
                    )
        return study

    def attach(self, study_id: str, what: str, data: bytes) -> None:
        """Add a file of :data:`ATTACHMENTS` to a saved study (its learning curves), or
        replace it: the file is written, then the study's manifest lists it with its SHA-256
        (both written atomically), then the index; a lost index is rebuilt with it."""
        rel = ATTACHMENTS[what]
        self._require_writable("save to the study")
        self._lookup(study_id)  # a study this store holds
        folder = self._dir(study_id)
        try:
            manifest = read_manifest(folder)
            record = FileRecord(rel, sha256(data), len(data))
            files = (*(f for f in manifest.files if f.path != rel), record)
            _write_atomically(folder / rel, data)
            _write_atomically(folder / MANIFEST, replace(manifest, files=files).to_bytes())
        except (OSError, ManifestError) as exc:
            raise StoreError(f"Could not add {rel} to saved study '{study_id}' ({exc}).") from exc

        def put(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)", (study_id, *astuple(record))
            )

        try:
            self._query(put, write=True)
        except sqlite3.Error as exc:  # the folder has it: the next rebuild indexes it
            raise StoreError(
                f"{rel} was saved with the study, but the index could not be updated ({exc})."
            ) from exc

    def attachment(self, study_id: str, what: str) -> bytes | None:
        """A file of :data:`ATTACHMENTS` of a saved study, checked against its SHA-256;
        ``None`` when the study has none."""
        rel = ATTACHMENTS[what]
        _, hashes = self._lookup(study_id)
        if rel not in hashes:
            return None
        return self._read(study_id, rel, hashes)

    def table_bytes(self, study_id: str) -> bytes | None:
        """The bytes of the file the study was trained on, checked against the SHA-256 saved
        with it and the dataset's own; ``None`` when the study does not keep its table."""
        meta, hashes = self._lookup(study_id)
        if TABLE_FILE not in hashes:
            return None
        data = self._read(study_id, TABLE_FILE, hashes)  # a missing or changed file: said
        if sha256(data) != meta.get("dataset", {}).get("sha256"):
            raise StoreError(
                f"Saved study '{study_id}' is damaged: its table is not the file it was trained "
                "on. Upload that file again."
            )
        return data

    def model_bytes(self, study_id: str, model_name: str) -> bytes:
        """The checked skops bytes of one saved model (for a download without loading it)."""
        meta, hashes = self._lookup(study_id)
        for info in meta["models"]:
            if info["name"] == model_name and info.get("stored_file"):
                return self._read(study_id, info["stored_file"], hashes)
        raise StoreError(f"Saved study '{study_id}' has no fitted model '{model_name}'.")

    def delete(self, study_id: str) -> None:
        """Set the study's folder aside, drop its rows, then remove its files."""
        if not isinstance(study_id, str) or not STUDY_ID.fullmatch(study_id):
            raise _unknown(str(study_id))
        self._require_writable("delete the study")
        trash = self.studies_dir / f"{_DELETING}{study_id}-{uuid.uuid4().hex[:8]}"
        try:
            self._dir(study_id).rename(trash)
            had_folder = True
        except FileNotFoundError:
            had_folder = False
        except OSError as exc:
            raise StoreError(f"Could not delete study '{study_id}' ({exc}).") from exc

        def drop(conn: sqlite3.Connection) -> int:
            return int(conn.execute("DELETE FROM studies WHERE study_id = ?", (study_id,)).rowcount)

        if self._query(drop, write=True) == 0 and not had_folder:
            raise _unknown(study_id)
        shutil.rmtree(trash, ignore_errors=True)

    def __contains__(self, study_id: object) -> bool:
        if not isinstance(study_id, str):
            return False
        found = self._query(
            lambda conn: conn.execute(
                "SELECT 1 FROM studies WHERE study_id = ?", (study_id,)
            ).fetchone()
        )
        return found is not None

    def __len__(self) -> int:
        return int(self._query(lambda c: c.execute("SELECT COUNT(*) FROM studies").fetchone()[0]))

    # --- helpers ---------------------------------------------------------------------------------

    def _lookup(self, study_id: str) -> tuple[dict[str, Any], dict[str, str]]:
        """The study's metadata and the SHA-256 of each of its files."""
        if not isinstance(study_id, str) or not STUDY_ID.fullmatch(study_id):
            raise _unknown(str(study_id))

        def fetch(conn: sqlite3.Connection) -> tuple[Any, builtins.list[Any]]:
            found = conn.execute("SELECT meta FROM studies WHERE study_id = ?", (study_id,))
            row = found.fetchone()
            files = conn.execute("SELECT path, sha256 FROM files WHERE study_id = ?", (study_id,))
            return row, files.fetchall()

        row, files = self._query(fetch)
        if row is None:
            raise _unknown(study_id)
        return loads(str(row[0])), dict(files)

    def _read(self, study_id: str, rel: str, hashes: dict[str, str]) -> bytes:
        """A file's bytes, only if its SHA-256 is the one recorded when it was saved."""
        try:
            data = (self._dir(study_id) / rel).read_bytes()
        except OSError as exc:
            if study_id not in self:  # deleted by another session meanwhile
                raise _unknown(study_id) from exc
            raise _FileProblem(
                f"Saved study '{study_id}' is incomplete: its file {rel} is missing. Delete it on "
                "the Studies page and run the study again.",
                "it is missing",
            ) from exc
        if hashes.get(rel) != sha256(data):
            raise _FileProblem(
                f"Saved study '{study_id}' is damaged: its file {rel} changed after it was saved. "
                "Delete it on the Studies page and run the study again.",
                "it changed after it was saved (it is damaged)",
            )
        return data

    def _sweep(self) -> None:
        """Remove save and delete folders left behind (by a crash) once they are stale. A
        folder holding a study, or anything else, is never touched."""
        cutoff = time.time() - _STALE_S
        for path in self._entries():
            with suppress(OSError):
                if path.name.startswith((_PARTIAL, _DELETING)) and path.stat().st_mtime < cutoff:
                    shutil.rmtree(path)


def _create_schema(conn: sqlite3.Connection, version: int) -> None:
    for step in range(version + 1, SCHEMA_VERSION + 1):
        for statement in _MIGRATIONS[step]:
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")


def _insert(conn: sqlite3.Connection, manifest: Manifest) -> None:
    """Index one study (a study already indexed, e.g. by a concurrent rebuild, is kept)."""
    row = {f.name: getattr(manifest.summary, f.name) for f in fields(StudySummary)}
    row |= {"saved_at": manifest.saved_at, "meta": dumps(manifest.meta)}
    conn.execute(
        f"INSERT OR IGNORE INTO studies ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
        tuple(row.values()),
    )
    conn.executemany(
        "INSERT OR IGNORE INTO files VALUES (?, ?, ?, ?)",
        [(manifest.study_id, *astuple(f)) for f in manifest.files],
    )


def _copy_legacy_rows(
    db_path: Path, memory: sqlite3.Connection, known: set[str], folders: set[str]
) -> None:
    """Rows of studies saved before manifests existed, read from an index that cannot be
    written (opened immutable: nothing is written next to it)."""
    source = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        columns = f"{_SUMMARY_COLUMNS}, saved_at, meta"
        for row in source.execute(f"SELECT {columns} FROM studies"):
            if row[0] in folders and row[0] not in known:
                memory.execute(
                    f"INSERT INTO studies ({columns}) VALUES ({', '.join('?' * len(row))})", row
                )
                memory.executemany(
                    "INSERT INTO files VALUES (?, ?, ?, ?)",
                    source.execute("SELECT * FROM files WHERE study_id = ?", (row[0],)),
                )
    finally:
        source.close()


def _not_writable(folder: Path) -> str | None:
    """Why nothing can be written in ``folder`` (tried for real), or ``None``."""
    try:
        handle, name = tempfile.mkstemp(prefix=".write-test-", dir=folder)
    except OSError as exc:
        return exc.strerror or str(exc)
    os.close(handle)
    with suppress(OSError):
        os.unlink(name)
    return None


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
    temporary.write_bytes(data)
    temporary.replace(path)


def _file_problem(rel: str, exc: _FileProblem | ModelFileError) -> str:
    """Why a model of a reopened study is unavailable, as a clause for the screen."""
    clause = exc.clause if isinstance(exc, _FileProblem) else str(exc)
    return f"its saved model file {rel} was not loaded: {clause}"
